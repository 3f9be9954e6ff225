import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  allocSkb, skbReserve, skbPut, skbPutData, skbPush, skbPull, skbTrim, skbHeadroom, skbTailroom,
  skbClone, skbCopy, skbCloned, skbCow, skbUnshare, skbResetNetworkHeader, skbSetTransportHeader,
  netdevAllocSkb, NET_SKB_PAD, kfreeSkbReason, consumeSkb, skbGet, pskbMayPull, SKB_DATA_SLAB_MAX, skbCopyBits,
} from './skbuff.js';
import { testKernel } from '../../test/harness/kernel.js';
import { SKB_DROP_REASON_NOT_SPECIFIED } from './drop_reason.js';

test('reserve/put/push/pull/trim move data and tail as Linux does', () => {
  const skb = allocSkb(128);
  skbReserve(skb, 32);
  assert.equal(skbHeadroom(skb), 32);
  assert.equal(skb.len, 0);
  const off = skbPut(skb, 20);
  assert.equal(off, 32);
  assert.equal(skb.len, 20);
  assert.equal(skbTailroom(skb), 128 - 52);
  assert.equal(skbPush(skb, 14), 18);
  assert.equal(skb.len, 34);
  assert.equal(skbPull(skb, 14), 32);
  assert.equal(skbPull(skb, 1000), -1, 'pulling past len fails and changes nothing');
  assert.equal(skb.len, 20);
  skbTrim(skb, 5);
  assert.equal(skb.len, 5);
  assert.ok(pskbMayPull(skb, 5));
  assert.ok(!pskbMayPull(skb, 6));
});

test('push past headroom and put past tailroom throw (skb_under/over_panic is a bug, not input)', () => {
  const skb = allocSkb(16);
  skbReserve(skb, 4);
  assert.throws(() => skbPush(skb, 5), RangeError);
  assert.throws(() => skbPut(skb, 13), RangeError);
  assert.throws(() => { skbPut(skb, 1); skbReserve(skb, 1); }, RangeError);
});

test('header offsets follow data', () => {
  const skb = netdevAllocSkb(null, 100);
  assert.equal(skbHeadroom(skb), NET_SKB_PAD);
  skbPut(skb, 60);
  skbPull(skb, 14);
  skbResetNetworkHeader(skb);
  skbSetTransportHeader(skb, 20);
  assert.equal(skb.networkHeader, NET_SKB_PAD + 14);
  assert.equal(skb.transportHeader, NET_SKB_PAD + 34);
});

test('clone shares data; cow gives the writer a private copy with offsets moved', () => {
  const skb = allocSkb(64);
  skbReserve(skb, 16);
  skbPutData(skb, new Uint8Array([1, 2, 3, 4]));
  skbResetNetworkHeader(skb);
  const c = skbClone(skb);
  assert.equal(c.buf, skb.buf);
  assert.ok(skbCloned(skb) && skbCloned(c));
  assert.equal(skb.shinfo.dataref, 2);
  skbCow(c, 40);
  assert.notEqual(c.buf, skb.buf);
  assert.ok(skbHeadroom(c) >= 40);
  assert.deepEqual([...c.dataView()], [1, 2, 3, 4]);
  assert.equal(c.networkHeader, c.data, 'network header moved with the data');
  c.buf[c.data] = 99;
  assert.equal(skb.buf[skb.data], 1, 'original untouched');
  assert.equal(skb.shinfo.dataref, 1);
  assert.ok(!skbCloned(skb));
});

test('copy is fully private; unshare only copies when shared', () => {
  const skb = allocSkb(32);
  skbPutData(skb, new Uint8Array([7, 8]));
  const cp = skbCopy(skb);
  cp.buf[cp.data] = 0;
  assert.equal(skb.buf[skb.data], 7);
  const buf = skb.buf;
  skbUnshare(skb);
  assert.equal(skb.buf, buf, 'not shared: no copy');
  const cl = skbClone(skb);
  skbUnshare(cl);
  assert.notEqual(cl.buf, skb.buf);
});

test('free drops a reference; the last one counts the drop and fires kfree_skb', () => {
  const k = testKernel();
  const lo = k.initNet.loopbackDev!;
  const seen: number[] = [];
  k.trace.kfreeSkb.register((_s, r) => seen.push(r));
  let consumed = 0;
  k.trace.consumeSkb.register(() => consumed++);
  const skb = netdevAllocSkb(lo, 10);
  let destructed = 0;
  skb.destructor = () => destructed++;
  skbGet(skb);
  kfreeSkbReason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
  assert.deepEqual(seen, [], 'still referenced');
  kfreeSkbReason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
  assert.deepEqual(seen, [SKB_DROP_REASON_NOT_SPECIFIED]);
  assert.equal(destructed, 1);
  assert.equal(k.initNet.dropCounts[SKB_DROP_REASON_NOT_SPECIFIED], 1);
  consumeSkb(netdevAllocSkb(lo, 10));
  assert.equal(consumed, 1);
});

test('property: any sequence of push/pull/put keeps head <= data <= tail <= end and len = tail - data', () => {
  fc.assert(fc.property(fc.array(fc.tuple(fc.constantFrom('push', 'pull', 'put', 'trim'), fc.nat(40)), { maxLength: 50 }), (ops) => {
    const skb = allocSkb(256);
    skbReserve(skb, 128);
    for (const [op, n] of ops) {
      try {
        if (op === 'push') skbPush(skb, n);
        else if (op === 'pull') skbPull(skb, n);
        else if (op === 'put') skbPut(skb, n);
        else skbTrim(skb, n);
      } catch (e) {
        if (!(e instanceof RangeError)) throw e;
      }
      if (!(skb.head <= skb.data && skb.data <= skb.tail && skb.tail <= skb.end)) return false;
      if (skb.len !== skb.tail - skb.data) return false;
    }
    return true;
  }));
});

test('skb data areas from the slab cache are zeroed, private and sized; big ones stand alone', () => {
  const a = allocSkb(188);
  const b = allocSkb(188);
  assert.equal(a.buf.length, 188);
  assert.ok(a.buf.every((x) => x === 0) && b.buf.every((x) => x === 0));
  a.buf.fill(0xaa);
  assert.ok(b.buf.every((x) => x === 0), 'writing one area leaves its neighbour alone');
  assert.equal(b.buf.byteOffset % 8, 0, 'areas are 8-byte aligned');
  // Filling many slabs: every area is fresh zeroed memory (never reused).
  for (let i = 0; i < 2000; i++) {
    const s = allocSkb(1 + (i % 1600));
    assert.ok(s.buf[0] === 0 && s.buf[s.buf.length - 1] === 0);
    s.buf.fill(0xff);
  }
  const big = allocSkb(SKB_DATA_SLAB_MAX + 1);
  assert.equal(big.buf.byteOffset, 0);
  assert.equal(big.buf.buffer.byteLength, SKB_DATA_SLAB_MAX + 1);
  // A copy and an expanded head get fresh areas too.
  const c = skbCopy(a);
  assert.notEqual(c.buf, a.buf);
  assert.deepEqual(c.buf, a.buf);
});

test('skbs never cloned share no state: each gets its own shared info on its first clone', () => {
  const a = allocSkb(64);
  const b = allocSkb(64);
  assert.equal(a.shinfo.dataref, 1);
  assert.equal(skbCloned(a), false);
  const a2 = skbClone(a);
  assert.equal(a.shinfo.dataref, 2);
  assert.equal(b.shinfo.dataref, 1, 'another skb is not affected by a clone of a');
  const b2 = skbClone(b);
  assert.notEqual(a.shinfo, b.shinfo);
  consumeSkb(a2);
  assert.equal(a.shinfo.dataref, 1);
  assert.equal(skbCloned(a), false);
  assert.equal(b.shinfo.dataref, 2);
  consumeSkb(b2);
  // A private copy and an expanded head are unshared again.
  const c = skbCopy(a);
  assert.equal(c.shinfo.dataref, 1);
  const b3 = skbClone(b);
  skbCow(b3, 0);
  assert.equal(b3.shinfo.dataref, 1);
  assert.equal(b.shinfo.dataref, 1);
  assert.equal(skbCloned(b), false);
});

test('skbCopyBits copies out (small and large), and the copy is private', () => {
  for (const len of [1, 60, 64, 65, 1514, SKB_DATA_SLAB_MAX + 10]) {
    const skb = allocSkb(len + 32);
    skbReserve(skb, 16);
    const off = skbPut(skb, len);
    for (let i = 0; i < len; i++) skb.buf[off + i] = (i * 7 + 3) & 0xff;
    const c = skbCopyBits(skb, skb.data, len);
    assert.equal(c.length, len);
    assert.deepEqual(c, skb.buf.slice(skb.data, skb.tail));
    c.fill(0);
    assert.equal(skb.buf[off + len - 1], ((len - 1) * 7 + 3) & 0xff, 'the skb keeps its data');
  }
});
