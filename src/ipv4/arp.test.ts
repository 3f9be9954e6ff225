/**
 * ARP receive validation (each bad frame dropped or ignored as Linux does, with
 * its drop reason counted), gratuitous ARP (arp_notify on up and address change,
 * always on NETDEV_NOTIFY_PEERS), /proc/net/arp, the net.ipv4.neigh sysctls and
 * RTNLGRP_NEIGH notifications.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testKernel, ethFrame, BCAST } from '../../test/harness/kernel.js';
import type { Kernel, Net } from '../core/net_namespace.js';
import { type NetDevice, IFF_NOARP } from '../core/netdevice.js';
import {
  type PacketType, ETH_P_ALL, ETH_P_ARP, devAddPack, devOpen, devClose, devChangeFlags, devQueueXmit, devSetMacAddress,
} from '../core/dev.js';
import { consumeSkb } from '../core/skbuff.js';
import { NETDEV_NOTIFY_PEERS } from '../core/notifier.js';
import { SKB_DROP_REASON_NOT_SPECIFIED, SKB_DROP_REASON_PKT_TOO_SMALL } from '../core/drop_reason.js';
import { type Neighbour, neighCreate, neighUpdate, NEIGH_UPDATE_F_ADMIN, NEIGH_UPDATE_F_OVERRIDE, pneighCreate } from '../core/neighbour.js';
import { NUD_PERMANENT, NUD_REACHABLE, NUD_STALE } from '../wire/neighbour.js';
import { arpReprEmit, ARPOP_REQUEST, ARPOP_REPLY, ARPHRD_ETHER } from '../wire/arphdr.js';
import { vethCreate } from '../drivers/veth.js';
import { txSkb } from '../../test/harness/kernel.js';
import { inDevGet, inetMakeMask, INFINITY_LIFE_TIME, IPV4_DEVCONF_ARP_NOTIFY } from './inetdevice.js';
import { inetAllocIfa, inetInsertIfa, setIfaLifetime } from './devinet.js';
import { arpTbl, arpParmsOf, ipv4Key, procNetArp } from './arp.js';
import { Task } from '../socket/task.js';
import { BufferStdio } from '../tools/tool.js';
import * as sys from '../socket/syscalls.js';
import { AF_NETLINK, SOCK_RAW } from '../socket/socket.js';
import { NETLINK_ROUTE, nlmsgSplit, NLMSG_HDRLEN } from '../wire/netlink.js';
import { RTMGRP_NEIGH, RTM_NEWNEIGH, RTM_DELNEIGH } from '../wire/rtnetlink.js';
import { ndmsgParse } from '../wire/neighbour.js';

const ip = (s: string): number => s.split('.').reduce((a, b) => a * 256 + Number(b), 0) >>> 0;
const mac = (b: Uint8Array, o = 0): string => Array.from(b.subarray(o, o + 6), (x) => x.toString(16).padStart(2, '0')).join(':');

function addAddr(dev: NetDevice, cidr: string): void {
  const [a, l] = cidr.split('/');
  const ifa = inetAllocIfa(inDevGet(dev)!);
  ifa.ifaLocal = ifa.ifaAddress = ip(a!);
  ifa.ifaPrefixlen = Number(l);
  ifa.ifaMask = inetMakeMask(ifa.ifaPrefixlen);
  ifa.ifaLabel = dev.name;
  setIfaLifetime(ifa, INFINITY_LIFE_TIME, INFINITY_LIFE_TIME, true);
  assert.equal(inetInsertIfa(ifa), 0);
}

/** Namespaces A and B joined by veth a-b; `seen` logs the ARP frames b receives. */
function pair(): { k: Kernel; a: NetDevice; b: NetDevice; nsA: Net; seen: string[] } {
  const k = testKernel(21);
  const nsA = k.newNet();
  const nsB = k.newNet();
  const r = vethCreate(nsA, { name: 'a', peerName: 'b', peerNet: nsB });
  assert.ok(Array.isArray(r));
  const [a, b] = r;
  const seen: string[] = [];
  const tap: PacketType = {
    type: ETH_P_ALL, dev: b, ignoreOutgoing: true, afPacketPriv: null,
    func: (skb) => {
      const m = skb.buf;
      const o = skb.macHeader;
      if (skb.protocol === ETH_P_ARP) {
        const p = o + 14;
        const op = (m[p + 6]! << 8) | m[p + 7]!;
        seen.push(`${mac(m, o)} op${op} ${m.subarray(p + 14, p + 18).join('.')} > ${m.subarray(p + 24, p + 28).join('.')}`);
      }
      consumeSkb(skb);
      return 0;
    },
  };
  devAddPack(nsB, tap);
  return { k, a, b, nsA, seen };
}

/** A raw ARP body (28 bytes, Ethernet/IPv4) with overrides applied byte-wise. */
function arpBody(op: number, sip: string, tip: string, sha: Uint8Array, patch: Record<number, number> = {}, len = 28): Uint8Array {
  const b = new Uint8Array(Math.max(len, 28));
  arpReprEmit({ hrd: ARPHRD_ETHER, pro: 0x0800, op, sha, sip: ip(sip), tha: new Uint8Array(6), tip: ip(tip) }, b, 0);
  for (const [k, v] of Object.entries(patch)) b[Number(k)] = v;
  return b.subarray(0, len);
}

function inject(b: NetDevice, dst: Uint8Array, body: Uint8Array): void {
  devQueueXmit(txSkb(b, ethFrame(dst, b.devAddr, ETH_P_ARP, body)));
  b.net.kernel.settle();
}

test('arp_rcv/arp_process: bad frames are dropped with Linux\'s reasons, foreign and NOARP ones consumed', () => {
  const { a, b, nsA } = pair();
  addAddr(a, '10.0.0.1/24');
  devOpen(a);
  devOpen(b);
  const drops = (): number[] => [nsA.dropCounts[SKB_DROP_REASON_PKT_TOO_SMALL]!, nsA.dropCounts[SKB_DROP_REASON_NOT_SPECIFIED]!];
  const base = drops();
  // Shorter than arp_hdr_len(dev) = 28.
  inject(b, BCAST, arpBody(ARPOP_REQUEST, '10.0.0.2', '10.0.0.1', b.devAddr, {}, 27));
  // Hardware address length 4 on an Ethernet device; protocol length 6.
  inject(b, BCAST, arpBody(ARPOP_REQUEST, '10.0.0.2', '10.0.0.1', b.devAddr, { 4: 4 }));
  inject(b, BCAST, arpBody(ARPOP_REQUEST, '10.0.0.2', '10.0.0.1', b.devAddr, { 5: 6 }));
  // Hardware type 7, protocol 0x86dd, op RARP request.
  inject(b, BCAST, arpBody(ARPOP_REQUEST, '10.0.0.2', '10.0.0.1', b.devAddr, { 1: 7 }));
  inject(b, BCAST, arpBody(ARPOP_REQUEST, '10.0.0.2', '10.0.0.1', b.devAddr, { 2: 0x86, 3: 0xdd }));
  inject(b, BCAST, arpBody(3, '10.0.0.2', '10.0.0.1', b.devAddr));
  // Requests for multicast and loopback targets.
  inject(b, BCAST, arpBody(ARPOP_REQUEST, '10.0.0.2', '224.0.0.1', b.devAddr));
  inject(b, BCAST, arpBody(ARPOP_REQUEST, '10.0.0.2', '127.0.0.1', b.devAddr));
  const after = drops();
  assert.equal(after[0]! - base[0]!, 1, 'short frame: PKT_TOO_SMALL');
  assert.equal(after[1]! - base[1]!, 7, 'the others: NOT_SPECIFIED (kfree_skb)');
  // ARPHRD_IEEE802 (6) is accepted on Ethernet: not a drop.
  inject(b, BCAST, arpBody(ARPOP_REQUEST, '10.0.0.2', '10.0.0.9', b.devAddr, { 1: 6 }));
  assert.deepEqual(drops(), after);
  // A frame for another host (PACKET_OTHERHOST) and any frame on an IFF_NOARP device are ignored, not dropped.
  inject(b, new Uint8Array([2, 9, 9, 9, 9, 9]), arpBody(ARPOP_REQUEST, '10.0.0.2', '10.0.0.1', b.devAddr, {}, 27));
  devChangeFlags(a, a.flags | IFF_NOARP);
  inject(b, BCAST, arpBody(ARPOP_REQUEST, '10.0.0.2', '10.0.0.1', b.devAddr, {}, 27));
  assert.deepEqual(drops(), after);
});

test('drop_gratuitous_arp drops sip == tip; a gratuitous reply updates an existing entry at once', () => {
  const { k, a, b, nsA } = pair();
  addAddr(a, '10.0.0.1/24');
  devOpen(a);
  devOpen(b);
  const tbl = arpTbl(nsA);
  const n = neighCreate(tbl, ipv4Key(ip('10.0.0.2')), a, false) as Neighbour;
  neighUpdate(n, new Uint8Array([2, 0, 0, 0, 0, 2]), NUD_STALE, NEIGH_UPDATE_F_ADMIN | NEIGH_UPDATE_F_OVERRIDE);
  // Within locktime an ordinary reply from another MAC would not override; a gratuitous one does.
  const garp = arpBody(ARPOP_REPLY, '10.0.0.2', '10.0.0.2', b.devAddr);
  garp.set(b.devAddr, 18);
  inject(b, a.devAddr, garp);
  assert.equal(mac(n.ha), mac(b.devAddr));
  assert.equal(n.nudState, NUD_REACHABLE);
  const before = nsA.dropCounts[SKB_DROP_REASON_NOT_SPECIFIED]!;
  inDevGet(a)!.cnf[31 /* IPV4_DEVCONF_DROP_GRATUITOUS_ARP */] = 1;
  inject(b, a.devAddr, garp);
  assert.equal(nsA.dropCounts[SKB_DROP_REASON_NOT_SPECIFIED], before + 1);
  void k;
});

test('locktime: of two different replies within a second the first one wins', async () => {
  const { k, a, b, nsA } = pair();
  addAddr(a, '10.0.0.1/24');
  devOpen(a);
  devOpen(b);
  const n = neighCreate(arpTbl(nsA), ipv4Key(ip('10.0.0.2')), a, false) as Neighbour;
  neighUpdate(n, new Uint8Array([2, 0, 0, 0, 0, 2]), NUD_STALE, NEIGH_UPDATE_F_ADMIN | NEIGH_UPDATE_F_OVERRIDE);
  const other = new Uint8Array([2, 0, 0, 0, 0, 3]);
  inject(b, a.devAddr, arpBody(ARPOP_REPLY, '10.0.0.2', '10.0.0.1', other));
  assert.equal(mac(n.ha), '02:00:00:00:00:02', 'inside locktime: not overridden');
  await k.sleep(1.1e9);
  inject(b, a.devAddr, arpBody(ARPOP_REPLY, '10.0.0.2', '10.0.0.1', other));
  assert.equal(mac(n.ha), '02:00:00:00:00:03');
  assert.equal(n.nudState, NUD_REACHABLE);
});

test('gratuitous ARP: arp_notify on up and address change, always on NETDEV_NOTIFY_PEERS', () => {
  const { k, a, b, seen } = pair();
  addAddr(a, '10.0.0.1/24');
  addAddr(a, '10.0.0.7/24');
  devOpen(b);
  devOpen(a);
  k.settle();
  assert.deepEqual(seen, [], 'arp_notify is 0 by default');
  k.netdevChain.call(NETDEV_NOTIFY_PEERS, a);
  k.settle();
  assert.deepEqual(seen, ['ff:ff:ff:ff:ff:ff op1 10.0.0.1 > 10.0.0.1', 'ff:ff:ff:ff:ff:ff op1 10.0.0.7 > 10.0.0.7']);
  seen.length = 0;
  inDevGet(a)!.cnf[IPV4_DEVCONF_ARP_NOTIFY] = 1;
  devClose(a);
  devOpen(a);
  k.settle();
  assert.equal(seen.length, 2);
  seen.length = 0;
  assert.equal(devSetMacAddress(a, new Uint8Array([2, 0, 0, 0, 0, 0x77])), 0);
  k.settle();
  assert.deepEqual(seen, ['ff:ff:ff:ff:ff:ff op1 10.0.0.1 > 10.0.0.1', 'ff:ff:ff:ff:ff:ff op1 10.0.0.7 > 10.0.0.7']);
});

test('/proc/net/arp lists valid and incomplete entries (not NOARP) and proxy entries', () => {
  const { a, nsA } = pair();
  const tbl = arpTbl(nsA);
  const n = neighCreate(tbl, ipv4Key(ip('10.0.0.2')), a, false) as Neighbour;
  neighUpdate(n, new Uint8Array([2, 0, 0, 0, 0, 2]), NUD_PERMANENT, NEIGH_UPDATE_F_ADMIN | NEIGH_UPDATE_F_OVERRIDE);
  const s = neighCreate(tbl, ipv4Key(ip('10.0.0.3')), a, false) as Neighbour;
  neighUpdate(s, new Uint8Array([2, 0, 0, 0, 0, 3]), NUD_STALE, NEIGH_UPDATE_F_ADMIN | NEIGH_UPDATE_F_OVERRIDE);
  neighCreate(tbl, ipv4Key(ip('224.0.0.1')), a, false);
  pneighCreate(tbl, nsA, ipv4Key(ip('10.0.0.50')), a);
  pneighCreate(tbl, nsA, ipv4Key(ip('10.0.0.51')), null);
  const lines = procNetArp(nsA).split('\n');
  assert.equal(lines[0], 'IP address       HW type     Flags       HW address            Mask     Device');
  assert.deepEqual(lines.slice(1, 3).sort(), [
    '10.0.0.2         0x1         0x6         02:00:00:00:00:02     *        a',
    '10.0.0.3         0x1         0x2         02:00:00:00:00:03     *        a',
  ]);
  assert.deepEqual(lines.slice(3, 5).sort(), [
    '10.0.0.50        0x1         0xc         00:00:00:00:00:00     *        a',
    '10.0.0.51        0x0         0xc         00:00:00:00:00:00     *        *',
  ]);
  assert.equal(lines.length, 6);
});

test('net.ipv4.neigh sysctls: Linux defaults and units; default only in init_net and spread to devices', () => {
  const { k, a, nsA } = pair();
  const get = (net: Net, name: string): string | undefined => k.sysctl.find(net, name)?.get(net);
  const set = (net: Net, name: string, v: string): number => k.sysctl.find(net, name)!.set(net, v);
  const init = k.initNet;
  const d = 'net.ipv4.neigh.default.';
  assert.deepEqual(['anycast_delay', 'app_solicit', 'base_reachable_time', 'base_reachable_time_ms', 'delay_first_probe_time',
    'gc_interval', 'gc_stale_time', 'gc_thresh1', 'gc_thresh2', 'gc_thresh3', 'interval_probe_time_ms', 'locktime',
    'mcast_resolicit', 'mcast_solicit', 'proxy_delay', 'proxy_qlen', 'retrans_time', 'retrans_time_ms', 'ucast_solicit',
    'unres_qlen', 'unres_qlen_bytes'].map((n) => get(init, d + n)),
  ['100', '0', '30', '30000', '5', '30', '60', '128', '512', '1024', '5000', '100', '0', '3', '80', '64', '100', '1000', '3', '101', '212992']);
  assert.equal(get(nsA, `${d}gc_thresh1`), undefined, 'no default directory outside init_net');
  assert.equal(get(nsA, 'net.ipv4.neigh.a.retrans_time_ms'), '1000');
  assert.equal(get(nsA, 'net.ipv4.neigh.a.gc_thresh1'), undefined);
  assert.equal(set(nsA, 'net.ipv4.neigh.a.base_reachable_time', '10'), 0);
  assert.equal(get(nsA, 'net.ipv4.neigh.a.base_reachable_time_ms'), '10000');
  const rt = arpParmsOf(a)!.reachableTime;
  assert.ok(rt >= 5000 && rt < 15000, 'reachable_time re-randomised at once');
  assert.equal(set(nsA, 'net.ipv4.neigh.a.interval_probe_time_ms', '0'), -22);
  assert.equal(set(nsA, 'net.ipv4.neigh.a.unres_qlen', '3'), 0);
  assert.equal(get(nsA, 'net.ipv4.neigh.a.unres_qlen_bytes'), String(3 * 2090));
  // A default reaches init_net's devices that did not set the value themselves.
  assert.equal(set(init, 'net.ipv4.neigh.lo.ucast_solicit', '7'), 0);
  assert.equal(set(init, `${d}ucast_solicit`, '5'), 0);
  assert.equal(set(init, `${d}mcast_solicit`, '4'), 0);
  assert.equal(get(init, 'net.ipv4.neigh.lo.ucast_solicit'), '7');
  assert.equal(get(init, 'net.ipv4.neigh.lo.mcast_solicit'), '4');
  assert.equal(get(nsA, 'net.ipv4.neigh.a.mcast_solicit'), '3', 'other namespaces copied the default at creation');
  assert.equal(set(init, `${d}gc_thresh3`, 'x'), -22);
  // Jiffies at HZ 250 (this host): 1001 ms is 251 jiffies (1004 ms); 3 USER_HZ ticks are 7 jiffies (28 ms, read back as 2).
  assert.equal(set(nsA, 'net.ipv4.neigh.a.retrans_time_ms', '1001'), 0);
  assert.equal(get(nsA, 'net.ipv4.neigh.a.retrans_time_ms'), '1004');
  assert.equal(set(nsA, 'net.ipv4.neigh.a.retrans_time', '3'), 0);
  assert.equal(get(nsA, 'net.ipv4.neigh.a.retrans_time_ms'), '28');
  assert.equal(get(nsA, 'net.ipv4.neigh.a.retrans_time'), '2');
});

test('RTNLGRP_NEIGH: a new entry and its deletion are announced', () => {
  const { k, a, nsA } = pair();
  const task = new Task(k, nsA, new BufferStdio(), new BufferStdio(), 100);
  const fd = sys.socket(task, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  sys.bind(task, fd, { family: AF_NETLINK, pid: 0, groups: RTMGRP_NEIGH });
  const tbl = arpTbl(nsA);
  devOpen(a);
  const n = neighCreate(tbl, ipv4Key(ip('10.0.0.2')), a, false) as Neighbour;
  neighUpdate(n, new Uint8Array([2, 0, 0, 0, 0, 2]), NUD_PERMANENT, NEIGH_UPDATE_F_ADMIN | NEIGH_UPDATE_F_OVERRIDE);
  devClose(a);
  const got: string[] = [];
  for (;;) {
    const r = sys.recvmsgNow(task, fd, 8192);
    if (!r) break;
    for (const m of nlmsgSplit(r.data).msgs) {
      const ndm = ndmsgParse(m.msg, NLMSG_HDRLEN);
      got.push(`${m.type === RTM_NEWNEIGH ? 'new' : m.type === RTM_DELNEIGH ? 'del' : m.type} ${ndm.ifindex} ${ndm.state}`);
    }
  }
  assert.deepEqual(got, [`new ${a.ifindex} ${NUD_PERMANENT}`, `del ${a.ifindex} ${NUD_PERMANENT}`]);
});
