/**
 * The neighbour state machine on virtual time, driven through ARP on a veth
 * pair: INCOMPLETE with three broadcast requests a second apart then FAILED,
 * a reply making the entry REACHABLE and flushing the queue, REACHABLE aging to
 * STALE after the randomised reachable time, traffic moving STALE to DELAY,
 * DELAY to PROBE with unicast probes, a confirmation saving the entry, the
 * unresolved queue's byte limit, forced and periodic garbage collection, and
 * the flushes on device events. Replies are forged frames from the peer so the
 * tests do not depend on the routing code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testKernel } from '../../test/harness/kernel.js';
import { ipPacket } from '../../test/harness/ipv4_packet.js';
import type { Kernel, Net } from './net_namespace.js';
import type { NetDevice } from './netdevice.js';
import { type PacketType, ETH_P_ALL, ETH_P_IP, devAddPack, devOpen, devClose, devQueueXmit } from './dev.js';
import { type SkBuff, skbFromBytes, consumeSkb, skbResetNetworkHeader, MAX_HEADER } from './skbuff.js';
import {
  SKB_DROP_REASON_NEIGH_FAILED, SKB_DROP_REASON_NEIGH_QUEUEFULL,
} from './drop_reason.js';
import {
  type Neighbour, NEIGH_VAR_QUEUE_LEN_BYTES, NEIGH_VAR_BASE_REACHABLE_TIME, neighConfirm, neighLookupNoref32,
  neighCreate, neighUpdate, NEIGH_UPDATE_F_ADMIN, NEIGH_UPDATE_F_OVERRIDE, neighForcedGc,
} from './neighbour.js';
import {
  NUD_INCOMPLETE, NUD_REACHABLE, NUD_STALE, NUD_DELAY, NUD_PROBE, NUD_FAILED, NUD_NOARP, NUD_PERMANENT,
} from '../wire/neighbour.js';
import { vethCreate } from '../drivers/veth.js';
import { ethFrame } from '../../test/harness/kernel.js';
import { arpTbl, arpParmsOf, ipNeighOutput, ipv4Key, arpCreate } from '../ipv4/arp.js';
import { inDevGet, inetMakeMask, INFINITY_LIFE_TIME } from '../ipv4/inetdevice.js';
import { inetAllocIfa, inetInsertIfa, setIfaLifetime } from '../ipv4/devinet.js';
import { ARPOP_REPLY, ARPOP_REQUEST } from '../wire/arphdr.js';
import { ETH_P_ARP } from './dev.js';
import { BOOT_TIME_NS } from './clock.js';

const S = 1e9;
const ip = (s: string): number => s.split('.').reduce((a, b) => a * 256 + Number(b), 0) >>> 0;

function addAddr(dev: NetDevice, cidr: string): void {
  const [a, l] = cidr.split('/');
  const ifa = inetAllocIfa(inDevGet(dev)!);
  ifa.ifaLocal = ifa.ifaAddress = ip(a!);
  ifa.ifaPrefixlen = Number(l);
  ifa.ifaMask = inetMakeMask(ifa.ifaPrefixlen);
  ifa.ifaBroadcast = (ifa.ifaLocal | ~ifa.ifaMask) >>> 0;
  ifa.ifaLabel = dev.name;
  setIfaLifetime(ifa, INFINITY_LIFE_TIME, INFINITY_LIFE_TIME, true);
  assert.equal(inetInsertIfa(ifa), 0);
}

interface Frame { t: number; dst: string; op: number; sha: string; sip: string; tha: string; tip: string }

const mac = (b: Uint8Array, o = 0): string => Array.from(b.subarray(o, o + 6), (x) => x.toString(16).padStart(2, '0')).join(':');
const ipStr = (b: Uint8Array, o: number): string => `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;

/** Two namespaces joined by veth: A (10.0.0.1 on `a`) and B (`b`, whose ARP answers we forge). */
function pair(seed = 1): { k: Kernel; a: NetDevice; b: NetDevice; nsA: Net; nsB: Net; arp: Frame[]; ipRx: SkBuff[] } {
  const k = testKernel(seed);
  const nsA = k.newNet();
  const nsB = k.newNet();
  const r = vethCreate(nsA, { name: 'a', peerName: 'b', peerNet: nsB });
  assert.ok(Array.isArray(r));
  const [a, b] = r;
  addAddr(a, '10.0.0.1/24');
  devOpen(a);
  devOpen(b);
  k.settle();
  const arp: Frame[] = [];
  const ipRx: SkBuff[] = [];
  // A tap on b sees what A sends.
  const tap: PacketType = {
    type: ETH_P_ALL, dev: b, ignoreOutgoing: true, afPacketPriv: null,
    func: (skb) => {
      const m = skb.buf;
      const o = skb.macHeader;
      if (skb.protocol === ETH_P_ARP) {
        const p = o + 14;
        arp.push({
          t: (k.clock.now() - BOOT_TIME_NS) / S, dst: mac(m, o), op: (m[p + 6]! << 8) | m[p + 7]!, sha: mac(m, p + 8), sip: ipStr(m, p + 14),
          tha: mac(m, p + 18), tip: ipStr(m, p + 24),
        });
      } else if (skb.protocol === ETH_P_IP) {
        ipRx.push(skb);
        return 0;
      }
      consumeSkb(skb);
      return 0;
    },
  };
  devAddPack(nsB, tap);
  return { k, a, b, nsA, nsB, arp, ipRx };
}

/** An IPv4 packet from A to `dst` handed to the neighbour layer, as ip_finish_output2 does. */
function send(a: NetDevice, dst: string, payload = 8): number {
  const skb = skbFromBytes(a, ipPacket({ saddr: ip('10.0.0.1'), daddr: ip(dst) }, payload), MAX_HEADER);
  skbResetNetworkHeader(skb);
  skb.protocol = ETH_P_IP;
  return ipNeighOutput(a.net, a, ip(dst), skb);
}

/** B answers: an ARP reply (or request) forged on b towards a. */
function forge(b: NetDevice, a: NetDevice, op: number, sip: string, tip: string, dstMac = a.devAddr): void {
  const skb = arpCreate(op, ETH_P_ARP, ip(tip), b, ip(sip), dstMac, b.devAddr, op === ARPOP_REPLY ? dstMac : null)!;
  devQueueXmit(skb);
  b.net.kernel.settle();
}

function entry(a: NetDevice, dst: string): Neighbour | null {
  return neighLookupNoref32(arpTbl(a.net), ip(dst), a);
}

test('INCOMPLETE: three broadcast requests a second apart, then FAILED and the queued packet is dropped', async () => {
  const { k, a, nsA, arp } = pair();
  assert.equal(send(a, '10.0.0.2'), 0);
  const n = entry(a, '10.0.0.2')!;
  assert.equal(n.nudState, NUD_INCOMPLETE);
  assert.equal(n.arpQueue.qlen, 1);
  await k.sleep(3.5 * S);
  assert.deepEqual(arp.map((f) => [f.t, f.dst, f.op, f.sha, f.sip, f.tha, f.tip]), [0, 1, 2].map((t) =>
    [t, 'ff:ff:ff:ff:ff:ff', ARPOP_REQUEST, mac(a.devAddr), '10.0.0.1', '00:00:00:00:00:00', '10.0.0.2']));
  assert.equal(n.nudState, NUD_FAILED);
  assert.equal(n.arpQueue.qlen, 0);
  assert.equal(nsA.dropCounts[SKB_DROP_REASON_NEIGH_FAILED], 1);
  assert.equal(arpTbl(nsA).stats.resFailed, 1);
  // FAILED is not in a timer: the table still holds it, nothing more is sent.
  await k.sleep(5 * S);
  assert.equal(arp.length, 3);
  // A new packet restarts resolution.
  send(a, '10.0.0.2');
  assert.equal(n.nudState, NUD_INCOMPLETE);
  assert.equal(arp.length, 4);
});

test('a reply makes the entry REACHABLE and sends the queue; it ages to STALE, DELAY, PROBE and FAILED', async () => {
  const { k, a, b, arp, ipRx } = pair(3);
  send(a, '10.0.0.2', 10);
  send(a, '10.0.0.2', 20);
  const n = entry(a, '10.0.0.2')!;
  forge(b, a, ARPOP_REPLY, '10.0.0.2', '10.0.0.1');
  assert.equal(n.nudState, NUD_REACHABLE);
  assert.equal(mac(n.ha), mac(b.devAddr));
  assert.equal(ipRx.length, 2, 'both queued packets went out');
  assert.equal(mac(ipRx[0]!.buf, ipRx[0]!.macHeader), mac(b.devAddr));
  // The next packet takes the cached header.
  send(a, '10.0.0.2');
  assert.equal(ipRx.length, 3);
  assert.ok(n.hh.hhLen === 14);
  // REACHABLE lasts reachable_time (15..45 s), then STALE without traffic.
  const reach = arpParmsOf(a)!.reachableTime;
  assert.ok(reach >= 15000 && reach < 45000);
  await k.sleep((reach / 1000 + 1) * S);
  assert.equal(n.nudState, NUD_STALE);
  // Traffic: STALE -> DELAY (packet sent on the cached address), 5 s later PROBE with a unicast request.
  const before = arp.length;
  send(a, '10.0.0.2');
  assert.equal(n.nudState, NUD_DELAY);
  assert.equal(ipRx.length, 4);
  await k.sleep(5.5 * S);
  assert.equal(n.nudState, NUD_PROBE);
  assert.equal(arp.length, before + 1);
  assert.equal(arp[arp.length - 1]!.dst, mac(b.devAddr), 'probes are unicast');
  // Three unicast probes, then FAILED.
  await k.sleep(3 * S);
  assert.equal(n.nudState, NUD_FAILED);
  assert.equal(arp.length, before + 3);
  assert.ok(arp.slice(before).every((f) => f.dst === mac(b.devAddr) && f.tha === '00:00:00:00:00:00'));
});

test('DELAY: a confirmation from above takes the entry back to REACHABLE without a probe', async () => {
  const { k, a, b, arp } = pair(5);
  send(a, '10.0.0.2');
  forge(b, a, ARPOP_REPLY, '10.0.0.2', '10.0.0.1');
  const n = entry(a, '10.0.0.2')!;
  await k.sleep(46 * S);
  assert.equal(n.nudState, NUD_STALE);
  const before = arp.length;
  send(a, '10.0.0.2');
  assert.equal(n.nudState, NUD_DELAY);
  await k.sleep(2 * S);
  neighConfirm(n);
  await k.sleep(4 * S);
  assert.equal(n.nudState, NUD_REACHABLE);
  assert.equal(arp.length, before, 'no probe was needed');
});

test('a request from the peer creates a STALE entry (neigh_event_ns) only when it is for us', () => {
  const { a, b } = pair(7);
  forge(b, a, ARPOP_REQUEST, '10.0.0.2', '10.0.0.9', new Uint8Array(6).fill(0xff));
  // Not for one of our addresses (no local route): the table learns nothing unsolicited.
  assert.equal(entry(a, '10.0.0.2'), null);
  // A reply nobody asked for is ignored too (arp_accept 0).
  forge(b, a, ARPOP_REPLY, '10.0.0.2', '10.0.0.1');
  assert.equal(entry(a, '10.0.0.2'), null);
});

test('the unresolved queue keeps unres_qlen_bytes: older packets are dropped and counted', () => {
  const { a, nsA } = pair(9);
  const p = arpParmsOf(a)!;
  p.data[NEIGH_VAR_QUEUE_LEN_BYTES] = 3 * 700;
  for (let i = 0; i < 5; i++) send(a, '10.0.0.2', 50);
  const n = entry(a, '10.0.0.2')!;
  const per = n.arpQueue.head!.truesize;
  const fit = Math.floor(2100 / per);
  assert.equal(n.arpQueue.qlen, fit);
  assert.equal(nsA.dropCounts[SKB_DROP_REASON_NEIGH_QUEUEFULL], 5 - fit);
  assert.equal(arpTbl(nsA).stats.unresDiscards, 5 - fit);
  assert.ok(n.arpQueueLenBytes <= 2100);
});

test('gc: past gc_thresh3 the forced gc evicts stale entries; a full table refuses new ones', async () => {
  const { k, a, nsA } = pair(11);
  const tbl = arpTbl(nsA);
  tbl.gcThresh2 = 4;
  tbl.gcThresh3 = 6;
  const mk = (i: number): Neighbour | number => neighCreate(tbl, ipv4Key(ip(`10.0.0.${100 + i}`)), a, false);
  for (let i = 0; i < 6; i++) assert.ok(typeof mk(i) !== 'number');
  assert.equal(tbl.gcEntries, 6);
  // All are fresh (updated within 5 s) and NONE: nothing to evict, the table is full.
  assert.equal(mk(6), -105 /* ENOBUFS */);
  assert.equal(tbl.stats.tableFulls, 1);
  await k.sleep(6 * S);
  // Now they are older than 5 s: the forced gc makes room.
  assert.ok(typeof mk(7) !== 'number');
  assert.ok(tbl.stats.forcedGcRuns >= 2);
  assert.ok(tbl.gcEntries <= 6);
  // Permanent entries are never on the gc list.
  const perm = neighCreate(tbl, ipv4Key(ip('10.0.0.200')), a, false) as Neighbour;
  neighUpdate(perm, new Uint8Array(6).fill(2), NUD_PERMANENT, NEIGH_UPDATE_F_ADMIN | NEIGH_UPDATE_F_OVERRIDE);
  assert.equal(perm.onGcList, false);
  neighForcedGc(tbl);
  assert.equal(perm.dead, false);
});

test('periodic gc: with gc_thresh1 entries, unused STALE ones older than gc_stale_time go', async () => {
  const { k, a, nsA } = pair(13);
  const tbl = arpTbl(nsA);
  tbl.gcThresh1 = 1;
  const n = neighCreate(tbl, ipv4Key(ip('10.0.0.50')), a, false) as Neighbour;
  neighUpdate(n, new Uint8Array([2, 0, 0, 0, 0, 0x50]), NUD_STALE, NEIGH_UPDATE_F_ADMIN | NEIGH_UPDATE_F_OVERRIDE);
  await k.sleep(40 * S);
  assert.equal(n.dead, false, 'used less than gc_stale_time (60 s) ago');
  await k.sleep(60 * S);
  assert.equal(n.dead, true);
  assert.equal(entry(a, '10.0.0.50'), null);
  assert.ok(tbl.stats.periodicGcRuns >= 1);
  void NEIGH_VAR_BASE_REACHABLE_TIME;
});

test('device events: down flushes everything, carrier loss keeps permanent entries, lo and NOARP resolve at once', () => {
  const { k, a, b, nsA } = pair(15);
  const tbl = arpTbl(nsA);
  const perm = neighCreate(tbl, ipv4Key(ip('10.0.0.60')), a, false) as Neighbour;
  neighUpdate(perm, new Uint8Array(6).fill(6), NUD_PERMANENT, NEIGH_UPDATE_F_ADMIN | NEIGH_UPDATE_F_OVERRIDE);
  send(a, '10.0.0.2');
  assert.ok(entry(a, '10.0.0.2'));
  // The peer goes down: carrier lost on a (arp_evict_nocarrier): dynamic entries go, permanent stays.
  devClose(b);
  k.settle();
  assert.equal(entry(a, '10.0.0.2'), null);
  assert.equal(entry(a, '10.0.0.60'), perm);
  // Down: everything.
  devClose(a);
  assert.equal(entry(a, '10.0.0.60'), null);
  assert.equal(perm.dead, true);
  // Loopback entries are NOARP, keyed 0.0.0.0, with the device's address.
  const lo = nsA.loopbackDev!;
  const n = neighCreate(tbl, ipv4Key(ip('127.0.0.1')), lo, false) as Neighbour;
  assert.equal(n.nudState, NUD_NOARP);
  assert.equal(n.key32, 0);
  // Multicast maps to 01:00:5e + 23 bits, limited broadcast to the device broadcast.
  const m = neighCreate(tbl, ipv4Key(ip('224.0.0.251')), a, false) as Neighbour;
  assert.equal(m.nudState, NUD_NOARP);
  assert.equal(mac(m.ha), '01:00:5e:00:00:fb');
  const bc = neighCreate(tbl, ipv4Key(ip('255.255.255.255')), a, false) as Neighbour;
  assert.equal(bc.nudState, NUD_NOARP);
  assert.equal(mac(bc.ha), 'ff:ff:ff:ff:ff:ff');
  void ethFrame;
});
