/**
 * ip_rcv_core's checks, in Linux's order, each with its MIB counter and drop
 * reason; padding trimmed; OTHERHOST; shared skbs; random headers never throw and
 * every skb is freed exactly once. A NF_INET_PRE_ROUTING hook that steals (and
 * consumes) what passes the checks isolates ipRcv from routing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createKernel } from '../index.js';
import type { Kernel, Net } from '../core/net_namespace.js';
import type { NetDevice } from '../core/netdevice.js';
import { type SkBuff, skbFromBytes, consumeSkb, PACKET_OTHERHOST, PACKET_HOST } from '../core/skbuff.js';
import { ETH_P_IP, type PacketType } from '../core/dev.js';
import {
  SKB_DROP_REASON_IP_INHDR, SKB_DROP_REASON_IP_CSUM, SKB_DROP_REASON_PKT_TOO_SMALL, SKB_DROP_REASON_OTHERHOST,
  SKB_CONSUMED,
} from '../core/drop_reason.js';
import {
  IPSTATS_MIB_INPKTS, IPSTATS_MIB_INOCTETS, IPSTATS_MIB_INHDRERRORS, IPSTATS_MIB_CSUMERRORS,
  IPSTATS_MIB_INTRUNCATEDPKTS, IPSTATS_MIB_NOECTPKTS, IPSTATS_MIB_ECT0PKTS, IPSTATS_MIB_CEPKTS,
} from '../core/snmp.js';
import { NFPROTO_IPV4, NF_INET_PRE_ROUTING, NF_STOLEN, nfRegisterNetHook, type NfHookOps } from '../netfilter/core.js';
import { ipv4Net } from './netns_ipv4.js';
import { ipRcv } from './ip_input.js';
import { ipPacket } from '../../test/harness/ipv4_packet.js';

const PT: PacketType = { type: ETH_P_IP, dev: null, func: ipRcv, ignoreOutgoing: false, afPacketPriv: null };

interface Rig {
  k: Kernel;
  net: Net;
  dev: NetDevice;
  /** Lengths of the skbs that reached PRE_ROUTING. */
  passed: number[];
  frees: Map<number, number>;
}

function rig(): Rig {
  const k = createKernel({ seed: 7 });
  const net = k.initNet;
  const dev = net.loopbackDev!;
  const passed: number[] = [];
  const ops: NfHookOps = {
    pf: NFPROTO_IPV4, hooknum: NF_INET_PRE_ROUTING, priority: 0,
    hook: (_priv, skb) => {
      passed.push(skb.len);
      consumeSkb(skb);
      return NF_STOLEN;
    },
  };
  assert.equal(nfRegisterNetHook(net, ops), 0);
  const frees = new Map<number, number>();
  k.trace.kfreeSkb.register((_skb, reason) => frees.set(reason, (frees.get(reason) ?? 0) + 1));
  k.trace.consumeSkb.register(() => frees.set(SKB_CONSUMED, (frees.get(SKB_CONSUMED) ?? 0) + 1));
  return { k, net, dev, passed, frees };
}

function rcv(r: Rig, bytes: Uint8Array, pktType = PACKET_HOST): SkBuff {
  const skb = skbFromBytes(r.dev, bytes);
  skb.networkHeader = skb.data;
  skb.protocol = ETH_P_IP;
  skb.pktType = pktType;
  skb.skbIif = r.dev.ifindex;
  ipRcv(skb, r.dev, PT, r.dev);
  return skb;
}

const mib = (r: Rig): Float64Array => ipv4Net(r.net).mib.ip;

test('a good header passes to PRE_ROUTING and counts InReceives/InOctets and the ECN codepoint', () => {
  const r = rig();
  rcv(r, ipPacket({ tos: 2 }, 12));
  rcv(r, ipPacket({ tos: 3 }, 0));
  assert.deepEqual(r.passed, [32, 20]);
  assert.equal(mib(r)[IPSTATS_MIB_INPKTS], 2);
  assert.equal(mib(r)[IPSTATS_MIB_INOCTETS], 52);
  assert.equal(mib(r)[IPSTATS_MIB_ECT0PKTS], 1);
  assert.equal(mib(r)[IPSTATS_MIB_CEPKTS], 1);
  assert.equal(mib(r)[IPSTATS_MIB_INHDRERRORS], 0);
});

test('bad version: InHdrErrors, IP_INHDR', () => {
  const r = rig();
  const p = ipPacket();
  p[0] = 0x65;
  rcv(r, p);
  assert.equal(r.passed.length, 0);
  assert.equal(mib(r)[IPSTATS_MIB_INPKTS], 1);
  assert.equal(mib(r)[IPSTATS_MIB_INHDRERRORS], 1);
  assert.equal(r.frees.get(SKB_DROP_REASON_IP_INHDR), 1);
  // Linux counts the ECN codepoint only after the version/ihl check.
  assert.equal(mib(r)[IPSTATS_MIB_NOECTPKTS], 0);
});

test('ihl < 5: InHdrErrors, IP_INHDR', () => {
  const r = rig();
  const p = ipPacket();
  p[0] = 0x44;
  rcv(r, p);
  assert.equal(mib(r)[IPSTATS_MIB_INHDRERRORS], 1);
  assert.equal(r.frees.get(SKB_DROP_REASON_IP_INHDR), 1);
});

test('shorter than a header, or than ihl says: InHdrErrors, IP_INHDR', () => {
  const r = rig();
  rcv(r, ipPacket().subarray(0, 19));
  const p = ipPacket({}, 0);
  p[0] = 0x46; // ihl 6 but only 20 bytes
  rcv(r, p);
  assert.equal(mib(r)[IPSTATS_MIB_INHDRERRORS], 2);
  assert.equal(r.frees.get(SKB_DROP_REASON_IP_INHDR), 2);
  assert.equal(mib(r)[IPSTATS_MIB_CSUMERRORS], 0);
});

test('bad header checksum: InCsumErrors and InHdrErrors, IP_CSUM', () => {
  const r = rig();
  const p = ipPacket();
  p[10] ^= 0x01;
  rcv(r, p);
  assert.equal(mib(r)[IPSTATS_MIB_CSUMERRORS], 1);
  assert.equal(mib(r)[IPSTATS_MIB_INHDRERRORS], 1);
  assert.equal(r.frees.get(SKB_DROP_REASON_IP_CSUM), 1);
  assert.equal(r.passed.length, 0);
});

test('tot_len beyond the frame: InTruncatedPkts, PKT_TOO_SMALL (not InHdrErrors)', () => {
  const r = rig();
  rcv(r, ipPacket({ totLen: 100 }, 20));
  assert.equal(mib(r)[IPSTATS_MIB_INTRUNCATEDPKTS], 1);
  assert.equal(mib(r)[IPSTATS_MIB_INHDRERRORS], 0);
  assert.equal(r.frees.get(SKB_DROP_REASON_PKT_TOO_SMALL), 1);
});

test('tot_len below the header length: InHdrErrors, IP_INHDR', () => {
  const r = rig();
  rcv(r, ipPacket({ totLen: 19 }, 20));
  assert.equal(mib(r)[IPSTATS_MIB_INHDRERRORS], 1);
  assert.equal(r.frees.get(SKB_DROP_REASON_IP_INHDR), 1);
});

test('link-layer padding is trimmed to tot_len; the transport header is set', () => {
  const r = rig();
  const p = new Uint8Array(46);
  p.set(ipPacket({}, 8));
  let seen: SkBuff | null = null;
  const ops: NfHookOps = {
    pf: NFPROTO_IPV4, hooknum: NF_INET_PRE_ROUTING, priority: -1,
    hook: (_priv, skb) => {
      seen = skb;
      return 1; /* NF_ACCEPT */
    },
  };
  nfRegisterNetHook(r.net, ops);
  rcv(r, p);
  assert.deepEqual(r.passed, [28]);
  const s = seen as unknown as SkBuff;
  assert.equal(s.transportHeader - s.networkHeader, 20);
});

test('PACKET_OTHERHOST: dropped before any count (OTHERHOST, rx_otherhost_dropped)', () => {
  const r = rig();
  rcv(r, ipPacket(), PACKET_OTHERHOST);
  assert.equal(mib(r)[IPSTATS_MIB_INPKTS], 0);
  assert.equal(r.frees.get(SKB_DROP_REASON_OTHERHOST), 1);
  assert.equal(r.dev.coreStats.rxOtherhostDropped, 1);
});

test('a shared skb is cloned; the caller\'s reference is released', () => {
  const r = rig();
  const skb = skbFromBytes(r.dev, ipPacket());
  skb.networkHeader = skb.data;
  skb.users = 2; // another handler holds it too
  ipRcv(skb, r.dev, PT, r.dev);
  assert.equal(skb.users, 1);
  assert.equal(r.passed.length, 1);
});

test('property: random headers into ipRcv never throw and every skb is freed exactly once', () => {
  const r = rig();
  let freed = 0;
  r.k.trace.kfreeSkb.register(() => freed++);
  r.k.trace.consumeSkb.register(() => freed++);
  let n = 0;
  fc.assert(fc.property(
    fc.record({
      vihl: fc.integer({ min: 0, max: 255 }), tos: fc.integer({ min: 0, max: 255 }),
      totLen: fc.integer({ min: 0, max: 0xffff }), fragOff: fc.integer({ min: 0, max: 0xffff }),
      ttl: fc.integer({ min: 0, max: 255 }), protocol: fc.integer({ min: 0, max: 255 }),
      fixCsum: fc.boolean(), fixLen: fc.boolean(),
    }),
    fc.uint8Array({ minLength: 0, maxLength: 120 }),
    fc.integer({ min: 0, max: 4 }),
    (h, rest, pkt) => {
      const p = new Uint8Array(Math.max(20, rest.length));
      p.set(rest.subarray(0, p.length));
      p[0] = h.vihl;
      p[1] = h.tos;
      const totLen = h.fixLen ? p.length : h.totLen;
      p[2] = totLen >> 8; p[3] = totLen & 0xff;
      p[6] = h.fragOff >> 8; p[7] = h.fragOff & 0xff;
      p[8] = h.ttl; p[9] = h.protocol;
      if (h.fixCsum) {
        const hl = Math.min((h.vihl & 0xf) * 4, p.length);
        p[10] = 0; p[11] = 0;
        let s = 0;
        for (let i = 0; i + 1 < hl; i += 2) s += (p[i]! << 8) | p[i + 1]!;
        while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
        const c = ~s & 0xffff;
        p[10] = c >> 8; p[11] = c & 0xff;
      }
      const before = freed;
      const bytes = rest.length < 20 && pkt === 4 ? p.subarray(0, rest.length) : p;
      rcv(r, bytes, pkt === 3 ? PACKET_OTHERHOST : PACKET_HOST);
      n++;
      assert.equal(freed, before + 1);
    },
  ), { numRuns: 2000, seed: 3 });
  assert.ok(n >= 2000);
});
