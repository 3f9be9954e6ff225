import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testKernel } from '../../test/harness/kernel.js';
import type { Kernel } from '../core/net_namespace.js';
import { type NetDevice, NETIF_F_HW_CSUM, NETIF_F_TSO, NETIF_F_GRO, featClear } from '../core/netdevice.js';
import {
  type SkBuff, allocSkb, consumeSkb, CHECKSUM_PARTIAL, CHECKSUM_NONE, CHECKSUM_UNNECESSARY, SKB_GSO_TCPV4,
  SKB_GSO_DODGY, MAX_HEADER,
} from '../core/skbuff.js';
import { devOpen, devQueueXmit, type PacketType } from '../core/dev.js';
import { linkCreate, linkAttach, linkReceive, type LinkPort } from '../drivers/link.js';
import { skbGsoSegment, netifSkbFeatures, skbGsoValidateNetworkLen } from '../core/gso.js';
import { InetSkbParm, IPCB_FORWARDED, IPSKB_FORWARDED } from './ip.js';

/** An independent RFC 1071 sum (no shared code with the stack): 16-bit words, end-around carry. */
function sum16(b: Uint8Array, off: number, len: number, init = 0): number {
  let s = init;
  for (let i = 0; i + 1 < len; i += 2) s += (b[off + i]! << 8) | b[off + i + 1]!;
  if (len & 1) s += b[off + len - 1]! << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}
function pseudo(b: Uint8Array, iph: number, len: number): number {
  return sum16(b, iph + 12, 8, 6 + len);
}
const u16 = (b: Uint8Array, o: number): number => (b[o]! << 8) | b[o + 1]!;
const u32 = (b: Uint8Array, o: number): number => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;

const MAC_A = new Uint8Array([2, 0, 0, 0, 0, 1]);
const MAC_B = new Uint8Array([2, 0, 0, 0, 0, 2]);

/**
 * Ethernet + IPv4 (id, DF, TTL 64, 10.0.0.1 -> 10.0.0.2) + TCP with a timestamp option
 * (doff 8) + `payload` bytes (i & 0xff) starting at sequence `seq`.
 */
function tcpFrame(o: { id: number; seq: number; payload: number; flags: number; ack?: number; win?: number; tsval?: number }): Uint8Array {
  const f = new Uint8Array(14 + 20 + 32 + o.payload);
  f.set(MAC_B, 0);
  f.set(MAC_A, 6);
  f[12] = 0x08;
  const ip = 14;
  f[ip] = 0x45;
  const tot = 20 + 32 + o.payload;
  f[ip + 2] = tot >> 8;
  f[ip + 3] = tot & 0xff;
  f[ip + 4] = o.id >> 8;
  f[ip + 5] = o.id & 0xff;
  f[ip + 6] = 0x40;
  f[ip + 8] = 64;
  f[ip + 9] = 6;
  f.set([10, 0, 0, 1, 10, 0, 0, 2], ip + 12);
  const ic = ~sum16(f, ip, 20) & 0xffff;
  f[ip + 10] = ic >> 8;
  f[ip + 11] = ic & 0xff;
  const th = ip + 20;
  f.set([0x9c, 0x40, 0x13, 0x89], th);
  f.set([o.seq >>> 24, (o.seq >>> 16) & 0xff, (o.seq >>> 8) & 0xff, o.seq & 0xff], th + 4);
  const ack = o.ack ?? 0x01020304;
  f.set([ack >>> 24, (ack >>> 16) & 0xff, (ack >>> 8) & 0xff, ack & 0xff], th + 8);
  f[th + 12] = 8 << 4;
  f[th + 13] = o.flags;
  const win = o.win ?? 502;
  f[th + 14] = win >> 8;
  f[th + 15] = win & 0xff;
  const tsval = o.tsval ?? 1000;
  f.set([1, 1, 8, 10, tsval >>> 24, (tsval >>> 16) & 0xff, (tsval >>> 8) & 0xff, tsval & 0xff, 0, 0, 0, 7], th + 20);
  for (let i = 0; i < o.payload; i++) f[th + 32 + i] = (o.seq + i) & 0xff;
  const tc = ~sum16(f, th, 32 + o.payload, pseudo(f, ip, 32 + o.payload)) & 0xffff;
  f[th + 16] = tc >> 8;
  f[th + 17] = tc & 0xff;
  return f;
}

interface TestLink {
  k: Kernel;
  dev: NetDevice;
  sent: Uint8Array[];
}

function testLink(features: number): TestLink {
  const k = testKernel();
  const sent: Uint8Array[] = [];
  const port: LinkPort = { transmit: (f) => (sent.push(f.slice()), true), close: () => undefined };
  const dev = linkCreate(k.initNet, { name: 'eth%d', ops: { driver: 'test' }, features });
  assert.ok(typeof dev !== 'number');
  linkAttach(dev, port);
  devOpen(dev);
  return { k, dev, sent };
}

/** A GSO skb as TCP builds it for a TSO device: CHECKSUM_PARTIAL, pseudo-header sum in the TCP checksum. */
function gsoSkb(dev: NetDevice, payload: number, mss: number, flags: number): SkBuff {
  const f = tcpFrame({ id: 0x1234, seq: 0xfffff000, payload, flags });
  const skb = allocSkb(f.length + MAX_HEADER);
  skb.data = skb.tail = MAX_HEADER;
  skb.buf.set(f, MAX_HEADER);
  skb.tail += f.length;
  skb.dev = dev;
  skb.protocol = 0x0800;
  skb.networkHeader = skb.data + 14;
  skb.transportHeader = skb.data + 34;
  skb.ipSummed = CHECKSUM_PARTIAL;
  skb.csumStart = skb.transportHeader;
  skb.csumOffset = 16;
  const b = skb.buf;
  const th = skb.transportHeader;
  const ps = pseudo(b, skb.networkHeader, 32 + payload);
  b[th + 16] = ps >> 8;
  b[th + 17] = ps & 0xff;
  skb.gsoSize = mss;
  skb.gsoSegs = Math.ceil(payload / mss);
  skb.gsoType = SKB_GSO_TCPV4;
  return skb;
}

test('TCP GSO to a device without TSO or checksum offload: segments with their own seq, flags, IDs and checksums', () => {
  const { dev, sent } = testLink(0);
  const skb = gsoSkb(dev, 2500, 1000, 0x10 | 0x08 | 0x01 | 0x80); // ACK PSH FIN CWR
  assert.equal(devQueueXmit(skb), 0);
  assert.equal(sent.length, 3);
  const want = [
    { len: 1000, seq: 0xfffff000, flags: 0x10 | 0x80, id: 0x1234 },
    { len: 1000, seq: 0xfffff3e8, flags: 0x10, id: 0x1235 },
    { len: 500, seq: 0xfffff7d0, flags: 0x10 | 0x08 | 0x01, id: 0x1236 },
  ];
  for (let i = 0; i < 3; i++) {
    const f = sent[i]!;
    const w = want[i]!;
    assert.equal(f.length, 14 + 20 + 32 + w.len);
    assert.equal(u16(f, 14 + 2), 20 + 32 + w.len, 'tot_len');
    assert.equal(u16(f, 14 + 4), w.id, 'IP ID counts up from the original');
    assert.equal(f[14 + 6], 0x40, 'DF kept');
    assert.equal(sum16(f, 14, 20), 0xffff, 'IP header checksum verifies');
    assert.equal(u32(f, 34 + 4), w.seq, 'sequence number');
    assert.equal(u32(f, 34 + 8), 0x01020304, 'ack_seq copied');
    assert.equal(f[34 + 13], w.flags, 'FIN/PSH on the last, CWR on the first only');
    assert.equal(sum16(f, 34, 32 + w.len, pseudo(f, 14, 32 + w.len)), 0xffff, 'TCP checksum verifies');
    assert.deepEqual([...f.subarray(34 + 20, 34 + 32)], [1, 1, 8, 10, 0, 0, 3, 232, 0, 0, 0, 7], 'options copied');
    assert.equal(f[66], (w.seq & 0xff), 'payload continues from the right byte');
  }
  // Golden: the middle segment's checksums (computed with a separate Python script).
  assert.equal(u16(sent[1]!, 14 + 10), 0x10a5);
  assert.equal(u16(sent[1]!, 34 + 16), 0xfe90);
});

test('TCP GSO to a checksumming device: segments stay CHECKSUM_PARTIAL with the pseudo-header sum', () => {
  const { dev } = testLink(NETIF_F_HW_CSUM);
  const skb = gsoSkb(dev, 2048, 1024, 0x18);
  skb.data += 0;
  const segs = skbGsoSegment(skb, netifSkbFeatures(skb));
  assert.ok(Array.isArray(segs));
  assert.equal(segs.length, 2);
  for (const seg of segs) {
    assert.equal(seg.ipSummed, CHECKSUM_PARTIAL);
    assert.equal(seg.csumStart, seg.transportHeader);
    assert.equal(seg.csumOffset, 16);
    assert.equal(seg.gsoSize, 0);
    const b = seg.buf;
    assert.equal(u16(b, seg.transportHeader + 16), pseudo(b, seg.networkHeader, seg.tail - seg.transportHeader));
    consumeSkb(seg);
  }
  assert.equal(segs[0]!.buf[segs[0]!.transportHeader + 13], 0x10, 'PSH only on the last');
  assert.equal(segs[1]!.buf[segs[1]!.transportHeader + 13], 0x18);
});

test('TCP GSO: every segment gets its own copy of the control block (skb_segment copies skb->cb)', () => {
  const { dev } = testLink(NETIF_F_HW_CSUM);
  const skb = gsoSkb(dev, 3000, 1000, 0x10);
  const cb = new InetSkbParm();
  cb.flags = IPSKB_FORWARDED;
  cb.fragMaxSize = 1400;
  cb.opt.optlen = 4;
  skb.cb = cb;
  const segs = skbGsoSegment(skb, netifSkbFeatures(skb));
  assert.ok(Array.isArray(segs));
  assert.equal(segs.length, 3);
  const seen = new Set<unknown>();
  for (const seg of segs) {
    assert.ok(seg.cb instanceof InetSkbParm);
    assert.notEqual(seg.cb, cb);
    assert.notEqual(seg.cb.opt, cb.opt, 'options copied too (Linux: inline in the cb)');
    assert.equal(seg.cb.flags, IPSKB_FORWARDED);
    assert.equal(seg.cb.fragMaxSize, 1400);
    assert.equal(seg.cb.opt.optlen, 4);
    seen.add(seg.cb);
  }
  assert.equal(seen.size, 3, 'no two segments share one');
  (segs[0]!.cb as InetSkbParm).flags = 0;
  assert.equal((segs[1]!.cb as InetSkbParm).flags, IPSKB_FORWARDED, 'a write to one does not reach the others');
  // A cb class without cbCopy() gets a shallow copy of its own class; a value is copied as is.
  class OtherCb {
    n = 7;
  }
  const other = gsoSkb(dev, 2000, 1000, 0x10);
  other.cb = new OtherCb();
  const o = skbGsoSegment(other, netifSkbFeatures(other));
  assert.ok(Array.isArray(o));
  assert.ok(o[0]!.cb instanceof OtherCb && o[1]!.cb instanceof OtherCb);
  assert.notEqual(o[0]!.cb, o[1]!.cb);
  assert.equal(o[1]!.cb.n, 7);
  const num = gsoSkb(dev, 2000, 1000, 0x10);
  num.cb = 42;
  const n = skbGsoSegment(num, netifSkbFeatures(num));
  assert.ok(Array.isArray(n));
  assert.deepEqual(n.map((seg) => seg.cb), [42, 42]);
  // The shared read-only marker of forwarded packets stays shared (IPCB() copies it before a write).
  const fwd = gsoSkb(dev, 2000, 1000, 0x10);
  fwd.cb = IPCB_FORWARDED;
  const f = skbGsoSegment(fwd, netifSkbFeatures(fwd));
  assert.ok(Array.isArray(f));
  assert.ok(f.every((seg) => seg.cb === IPCB_FORWARDED));
});

test('TCP GSO to a TSO device goes out whole; DODGY without GSO_ROBUST is checked, not cut', () => {
  const { dev, sent } = testLink(NETIF_F_HW_CSUM + NETIF_F_TSO);
  assert.equal(devQueueXmit(gsoSkb(dev, 3000, 1448, 0x10)), 0);
  assert.equal(sent.length, 1);
  assert.equal(sent[0]!.length, 14 + 20 + 32 + 3000);
  const skb = gsoSkb(dev, 3000, 1448, 0x10);
  skb.gsoType |= SKB_GSO_DODGY;
  skb.gsoSegs = 99;
  assert.equal(skbGsoSegment(skb, netifSkbFeatures(skb) + 2 ** 17 /* GSO_ROBUST */), null);
  assert.equal(skb.gsoSegs, 3, 'gso_segs recomputed from the length');
  assert.ok(skbGsoValidateNetworkLen(skb, 1500), '20 + 32 + 1448 fits 1500');
  assert.ok(!skbGsoValidateNetworkLen(skb, 1499));
});

test('TCP GSO: payload not larger than gso_size is an error (dropped, tx_dropped)', () => {
  const { dev, sent } = testLink(0);
  assert.equal(devQueueXmit(gsoSkb(dev, 1000, 1000, 0x10)), 0);
  assert.equal(sent.length, 0);
  assert.equal(dev.coreStats.txDropped, 1);
});

/** Collect what the device delivers upward (a device tap sees every packet netif_receive_skb passes up). */
function tapRx(dev: NetDevice): SkBuff[] {
  const got: SkBuff[] = [];
  const pt: PacketType = {
    type: 0x0003, dev, ignoreOutgoing: true, afPacketPriv: null,
    func: (skb) => {
      got.push(skb);
      return 0;
    },
  };
  dev.ptypeAll.push(pt);
  return got;
}

function burst(k: Kernel, fn: () => void): void {
  k.sched.localBhDisable();
  fn();
  k.sched.localBhEnable();
}

test('GRO merges in-order segments of a flow into one GSO skb, as tcp_gro_complete leaves it', () => {
  const { k, dev } = testLink(0);
  const got = tapRx(dev);
  burst(k, () => {
    for (let i = 0; i < 4; i++) {
      linkReceive(dev, tcpFrame({ id: 100 + i, seq: 5000 + i * 1448, payload: i === 3 ? 700 : 1448, flags: i === 3 ? 0x18 : 0x10 }));
    }
  });
  assert.equal(got.length, 1);
  const skb = got[0]!;
  assert.equal(skb.len, 20 + 32 + 3 * 1448 + 700);
  assert.equal(skb.gsoSize, 1448);
  assert.equal(skb.gsoSegs, 4);
  assert.equal(skb.gsoType, SKB_GSO_TCPV4);
  assert.equal(skb.ipSummed, CHECKSUM_PARTIAL);
  const b = skb.buf;
  const iph = skb.data;
  assert.equal(u16(b, iph + 2), skb.len, 'tot_len of the merged packet');
  assert.equal(sum16(b, iph, 20), 0xffff);
  assert.equal(u16(b, iph + 4), 100, 'first segment\'s IP ID');
  const th = iph + 20;
  assert.equal(skb.csumStart, th);
  assert.equal(u32(b, th + 4), 5000);
  assert.equal(b[th + 13], 0x18, 'PSH of the last segment');
  assert.equal(u16(b, th + 16), pseudo(b, iph, skb.len - 20), 'pseudo-header sum in the checksum field');
  for (let i = 0; i < skb.len - 52; i++) assert.equal(b[th + 32 + i], (5000 + i) & 0xff);
});

test('GRO: a gap, other options or a bad checksum end the merge; lone segments are CHECKSUM_UNNECESSARY', () => {
  const { k, dev } = testLink(0);
  const got = tapRx(dev);
  const bad = tcpFrame({ id: 3, seq: 1000 + 2 * 1448, payload: 1448, flags: 0x10 });
  bad[bad.length - 1] ^= 1;
  burst(k, () => {
    linkReceive(dev, tcpFrame({ id: 1, seq: 1000, payload: 1448, flags: 0x10 }));
    linkReceive(dev, tcpFrame({ id: 2, seq: 1000 + 1448, payload: 1448, flags: 0x10 }));
    linkReceive(dev, bad);
    linkReceive(dev, tcpFrame({ id: 4, seq: 1000 + 4 * 1448, payload: 1448, flags: 0x10, tsval: 1001 }));
    linkReceive(dev, tcpFrame({ id: 5, seq: 1000 + 6 * 1448, payload: 1448, flags: 0x10, tsval: 1001 }));
  });
  // As in Linux, a segment with a bad checksum goes up at once (TCP drops it) while the
  // held packet of its flow stays held: it overtakes it.
  assert.deepEqual(got.map((s) => [s.gsoSegs, s.ipSummed, u32(s.buf, s.data + 24)]), [
    [0, CHECKSUM_NONE, 1000 + 2 * 1448],
    [2, CHECKSUM_PARTIAL, 1000],
    [0, CHECKSUM_UNNECESSARY, 1000 + 4 * 1448],
    [0, CHECKSUM_UNNECESSARY, 1000 + 6 * 1448],
  ]);
});

test('GRO off (ethtool -K gro off): every frame goes up alone through the backlog', () => {
  const { k, dev } = testLink(0);
  dev.features = featClear(dev.features, NETIF_F_GRO);
  const got = tapRx(dev);
  burst(k, () => {
    for (let i = 0; i < 3; i++) linkReceive(dev, tcpFrame({ id: i, seq: i * 100, payload: 100, flags: 0x10 }));
  });
  assert.equal(got.length, 3);
  assert.ok(got.every((s) => s.gsoSize === 0 && s.ipSummed === CHECKSUM_NONE));
});
