import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testKernel } from '../../test/harness/kernel.js';
import { type NetDevice, NETIF_F_HW_CSUM } from '../core/netdevice.js';
import { type SkBuff, allocSkb, consumeSkb, CHECKSUM_PARTIAL, CHECKSUM_NONE, SKB_GSO_UDP_L4, MAX_HEADER } from '../core/skbuff.js';
import { skbGsoSegment, netifSkbFeatures } from '../core/gso.js';
import { linkCreate } from '../drivers/link.js';

function sum16(b: Uint8Array, off: number, len: number, init = 0): number {
  let s = init;
  for (let i = 0; i + 1 < len; i += 2) s += (b[off + i]! << 8) | b[off + i + 1]!;
  if (len & 1) s += b[off + len - 1]! << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}
const u16 = (b: Uint8Array, o: number): number => (b[o]! << 8) | b[o + 1]!;

function dev(features: number): NetDevice {
  const k = testKernel();
  const d = linkCreate(k.initNet, { name: 'eth%d', ops: { driver: 'test' }, features });
  assert.ok(typeof d !== 'number');
  return d;
}

/** A UDP_SEGMENT-style GSO skb: IPv4 (id 7) + UDP 192.0.2.1:5000 -> 192.0.2.2:53 + payload, checksum partial. */
function udpGso(d: NetDevice, payload: number, mss: number): SkBuff {
  const len = 14 + 20 + 8 + payload;
  const skb = allocSkb(len + MAX_HEADER);
  skb.data = skb.tail = MAX_HEADER;
  skb.tail += len;
  const b = skb.buf;
  const eth = skb.data;
  b[eth + 12] = 0x08;
  const ip = eth + 14;
  b[ip] = 0x45;
  b[ip + 2] = (28 + payload) >> 8;
  b[ip + 3] = (28 + payload) & 0xff;
  b[ip + 5] = 7;
  b[ip + 8] = 64;
  b[ip + 9] = 17;
  b.set([192, 0, 2, 1, 192, 0, 2, 2], ip + 12);
  const uh = ip + 20;
  b.set([0x13, 0x88, 0, 53], uh);
  b[uh + 4] = (8 + payload) >> 8;
  b[uh + 5] = (8 + payload) & 0xff;
  const ps = sum16(b, ip + 12, 8, 17 + 8 + payload);
  b[uh + 6] = ps >> 8;
  b[uh + 7] = ps & 0xff;
  for (let i = 0; i < payload; i++) b[uh + 8 + i] = (i * 13) & 0xff;
  skb.dev = d;
  skb.protocol = 0x0800;
  skb.networkHeader = ip;
  skb.transportHeader = uh;
  skb.ipSummed = CHECKSUM_PARTIAL;
  skb.csumStart = uh;
  skb.csumOffset = 6;
  skb.gsoSize = mss;
  skb.gsoSegs = Math.ceil(payload / mss);
  skb.gsoType = SKB_GSO_UDP_L4;
  return skb;
}

test('UDP GSO (SKB_GSO_UDP_L4) in software: datagrams of gso_size, own length, IP ID and checksum', () => {
  const d = dev(0);
  const skb = udpGso(d, 2500, 1000);
  const segs = skbGsoSegment(skb, netifSkbFeatures(skb));
  assert.ok(Array.isArray(segs));
  assert.deepEqual(segs.map((s) => s.len), [1042, 1042, 542]);
  let off = 0;
  segs.forEach((s, i) => {
    const b = s.buf;
    const ip = s.networkHeader;
    const uh = s.transportHeader;
    assert.equal(s.ipSummed, CHECKSUM_NONE);
    assert.equal(u16(b, ip + 2), s.len - 14);
    assert.equal(u16(b, ip + 4), 7 + i);
    assert.equal(sum16(b, ip, 20), 0xffff);
    const ulen = s.tail - uh;
    assert.equal(u16(b, uh + 4), ulen);
    assert.equal(sum16(b, uh, ulen, sum16(b, ip + 12, 8, 17 + ulen)), 0xffff, 'UDP checksum verifies');
    assert.equal(b[uh + 8], (off * 13) & 0xff);
    off += ulen - 8;
    consumeSkb(s);
  });
  // Golden (separate Python computation): the last datagram's UDP checksum.
  assert.equal(u16(segs[2]!.buf, segs[2]!.transportHeader + 6), 0x2344);
});

test('UDP GSO to a checksumming device: partial checksums; bad GSO skbs are refused', () => {
  const d = dev(NETIF_F_HW_CSUM);
  const segs = skbGsoSegment(udpGso(d, 1200, 600), NETIF_F_HW_CSUM);
  assert.ok(Array.isArray(segs) && segs.length === 2);
  for (const s of segs) {
    assert.equal(s.ipSummed, CHECKSUM_PARTIAL);
    assert.equal(s.csumStart, s.transportHeader);
    const ulen = s.tail - s.transportHeader;
    assert.equal(u16(s.buf, s.transportHeader + 6), sum16(s.buf, s.networkHeader + 12, 8, 17 + ulen));
  }
  assert.ok(typeof skbGsoSegment(udpGso(d, 600, 600), 0) === 'number', 'payload not above gso_size: -EINVAL');
  const nopartial = udpGso(d, 1200, 600);
  nopartial.ipSummed = CHECKSUM_NONE;
  assert.ok(typeof skbGsoSegment(nopartial, 0) === 'number', 'no partial checksum to finish: -EINVAL');
});
