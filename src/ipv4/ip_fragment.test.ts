/**
 * Reassembly (ip_fragment.ts) on crafted fragments: in-order and out-of-order
 * completion, exact duplicates, overlaps (the whole datagram goes), the 65535-byte
 * limit (ping of death), zero-length and past-the-end fragments, the timeout on
 * virtual time, the memory limit and ipfrag_max_dist; counters as Linux counts them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { testKernel } from '../../test/harness/kernel.js';
import type { Net } from '../core/net_namespace.js';
import { allocSkb, type SkBuff, MAX_HEADER, skbReserve, skbPutData, skbResetNetworkHeader } from '../core/skbuff.js';
import {
  IPSTATS_MIB_REASMREQDS, IPSTATS_MIB_REASMOKS, IPSTATS_MIB_REASMFAILS, IPSTATS_MIB_REASMTIMEOUT,
  IPSTATS_MIB_REASM_OVERLAPS,
} from '../core/snmp.js';
import { SKB_DROP_REASON_DUP_FRAG } from '../core/drop_reason.js';
import { ipFastCsum } from '../wire/checksum.js';
import { ipv4Net } from './netns_ipv4.js';
import { ipDefrag, ipFragMem } from './ip_fragment.js';
import { IP_DEFRAG_LOCAL_DELIVER, IPCB, IPSKB_FRAG_COMPLETE } from './ip.js';

const SADDR = 0x0a000102;
const DADDR = 0x0a000202;

/** A fragment: 20-byte header + `payload`, at byte `offset` of the datagram. */
function frag(net: Net, id: number, offset: number, payload: Uint8Array, more: boolean, opts: { df?: boolean; tos?: number; saddr?: number } = {}): SkBuff {
  const len = 20 + payload.length;
  const skb = allocSkb(MAX_HEADER + len);
  skbReserve(skb, MAX_HEADER);
  const h = new Uint8Array(20);
  h[0] = 0x45;
  h[1] = opts.tos ?? 0;
  h[2] = len >> 8; h[3] = len & 0xff;
  h[4] = id >> 8; h[5] = id & 0xff;
  const fo = (offset >> 3) | (more ? 0x2000 : 0) | (opts.df ? 0x4000 : 0);
  h[6] = fo >> 8; h[7] = fo & 0xff;
  h[8] = 64; h[9] = 17;
  const s = opts.saddr ?? SADDR;
  h[12] = s >>> 24; h[13] = (s >> 16) & 0xff; h[14] = (s >> 8) & 0xff; h[15] = s & 0xff;
  h[16] = DADDR >>> 24; h[17] = (DADDR >> 16) & 0xff; h[18] = (DADDR >> 8) & 0xff; h[19] = DADDR & 0xff;
  const c = ipFastCsum(h, 0, 5);
  h[10] = c >> 8; h[11] = c & 0xff;
  skbPutData(skb, h);
  skbPutData(skb, payload);
  skbResetNetworkHeader(skb);
  skb.dev = net.loopbackDev;
  return skb;
}

function pattern(n: number): Uint8Array {
  const p = new Uint8Array(n);
  for (let i = 0; i < n; i++) p[i] = (i * 7 + 3) & 0xff;
  return p;
}

function mib(net: Net, i: number): number {
  return ipv4Net(net).mib.ip[i]!;
}

test('fragments in any order reassemble to the original datagram; counters as Linux', () => {
  const k = testKernel();
  const net = k.initNet;
  const data = pattern(3000);
  const pieces: Array<[number, number, boolean]> = [[0, 1480, true], [1480, 2960, true], [2960, 3000, false]];
  for (const order of [[0, 1, 2], [2, 0, 1], [1, 2, 0]]) {
    let out: SkBuff | null = null;
    for (const i of order) {
      const [a, b, more] = pieces[i]!;
      const r = ipDefrag(net, frag(net, 7 + order[0]!, a, data.subarray(a, b), more), IP_DEFRAG_LOCAL_DELIVER);
      if (r) out = r;
    }
    assert.ok(out, `order ${order}`);
    const nh = out.networkHeader;
    assert.equal(out.data, nh);
    assert.equal(out.len, 3020);
    assert.equal((out.buf[nh + 2]! << 8) | out.buf[nh + 3]!, 3020);
    assert.equal(((out.buf[nh + 6]! << 8) | out.buf[nh + 7]!) & 0x3fff, 0, 'no MF, offset 0');
    assert.equal(ipFastCsum(out.buf, nh, 5), 0, 'header checksum valid');
    assert.deepEqual(out.buf.subarray(nh + 20, nh + 3020), data);
    assert.equal(out.transportHeader, nh + 20);
    assert.ok(IPCB(out).flags & IPSKB_FRAG_COMPLETE);
    assert.equal(IPCB(out).fragMaxSize, 1500);
  }
  assert.equal(mib(net, IPSTATS_MIB_REASMREQDS), 9);
  assert.equal(mib(net, IPSTATS_MIB_REASMOKS), 3);
  assert.equal(mib(net, IPSTATS_MIB_REASMFAILS), 0);
  assert.equal(ipFragMem(net).inuse, 0);
  assert.equal(ipFragMem(net).memory, 0);
});

test('an exact duplicate is dropped alone (DUP_FRAG); the datagram still completes', () => {
  const k = testKernel();
  const net = k.initNet;
  const data = pattern(2000);
  const dropped: number[] = [];
  k.trace.kfreeSkb.register((_s, reason) => dropped.push(reason));
  assert.equal(ipDefrag(net, frag(net, 1, 0, data.subarray(0, 1000), true), 0), null);
  const dupNet = net;
  const dup = frag(dupNet, 1, 0, data.subarray(0, 1000), true);
  assert.equal(ipDefrag(net, dup, 0), null);
  assert.ok(dropped.includes(SKB_DROP_REASON_DUP_FRAG));
  const out = ipDefrag(net, frag(net, 1, 1000, data.subarray(1000), false), 0);
  assert.ok(out);
  assert.equal(out.len, 2020);
  assert.equal(mib(net, IPSTATS_MIB_REASMFAILS), 0);
});

test('overlapping fragments drop the whole datagram (teardrop): ReasmOverlaps + ReasmFails', () => {
  const k = testKernel();
  const net = k.initNet;
  const data = pattern(2000);
  assert.equal(ipDefrag(net, frag(net, 2, 0, data.subarray(0, 1000), true), 0), null);
  // Teardrop: the second fragment starts inside the first and is not a duplicate.
  assert.equal(ipDefrag(net, frag(net, 2, 504, data.subarray(504, 1504), true), 0), null);
  assert.equal(mib(net, IPSTATS_MIB_REASM_OVERLAPS), 1);
  assert.equal(mib(net, IPSTATS_MIB_REASMFAILS), 1);
  assert.equal(ipFragMem(net).inuse, 0);
  // The last fragment now starts a new queue, which never completes.
  assert.equal(ipDefrag(net, frag(net, 2, 1504, data.subarray(1504), false), 0), null);
  assert.equal(mib(net, IPSTATS_MIB_REASMOKS), 0);
});

test('a datagram longer than 65535 bytes is dropped (ping of death)', () => {
  const k = testKernel();
  const net = k.initNet;
  const a = ipDefrag(net, frag(net, 3, 0, pattern(65000), true), 0);
  assert.equal(a, null);
  // The last fragment ends at 65600: with its 20-byte header the datagram would be 65620 bytes.
  const b = ipDefrag(net, frag(net, 3, 65000, pattern(600), false), 0);
  assert.equal(b, null);
  assert.equal(mib(net, IPSTATS_MIB_REASMOKS), 0);
  assert.equal(mib(net, IPSTATS_MIB_REASMFAILS), 1);
  assert.equal(ipFragMem(net).inuse, 0);
});

test('a zero-length fragment and data past a known end discard the queue', () => {
  const k = testKernel();
  const net = k.initNet;
  assert.equal(ipDefrag(net, frag(net, 4, 0, pattern(800), true), 0), null);
  assert.equal(ipDefrag(net, frag(net, 4, 800, new Uint8Array(0), true), 0), null);
  assert.equal(mib(net, IPSTATS_MIB_REASMFAILS), 1);
  assert.equal(ipDefrag(net, frag(net, 5, 0, pattern(800), false), 0) !== null, true, 'an unfragmented "fragment" completes at once');
  assert.equal(ipDefrag(net, frag(net, 6, 800, pattern(16), false), 0), null);
  assert.equal(ipDefrag(net, frag(net, 6, 816, pattern(16), true), 0), null, 'past the end of a datagram whose last fragment is known');
  assert.equal(mib(net, IPSTATS_MIB_REASMFAILS), 2);
});

test('an incomplete datagram times out after ipfrag_time: ReasmTimeout + ReasmFails, memory released', async () => {
  const k = testKernel();
  const net = k.initNet;
  assert.equal(ipDefrag(net, frag(net, 8, 0, pattern(1000), true), 0), null);
  assert.ok(ipFragMem(net).memory > 0);
  await k.sleep(29e9);
  assert.equal(mib(net, IPSTATS_MIB_REASMTIMEOUT), 0);
  await k.sleep(2e9);
  assert.equal(mib(net, IPSTATS_MIB_REASMTIMEOUT), 1);
  assert.equal(mib(net, IPSTATS_MIB_REASMFAILS), 1);
  assert.equal(ipFragMem(net).inuse, 0);
  assert.equal(ipFragMem(net).memory, 0);
});

test('over ipfrag_high_thresh no fragment is accepted', () => {
  const k = testKernel();
  const net = k.initNet;
  ipv4Net(net).sysctl.ipfragHighThresh = 4000;
  let id = 100;
  while (ipFragMem(net).memory <= 4000) assert.equal(ipDefrag(net, frag(net, id++, 0, pattern(1000), true), 0), null);
  const fails = mib(net, IPSTATS_MIB_REASMFAILS);
  assert.equal(ipDefrag(net, frag(net, id++, 0, pattern(100), true), 0), null);
  assert.equal(mib(net, IPSTATS_MIB_REASMFAILS), fails + 1);
});

test('ipfrag_max_dist: too many fragments from the same source restart an open queue', () => {
  const k = testKernel();
  const net = k.initNet;
  ipv4Net(net).sysctl.ipfragMaxDist = 4;
  const data = pattern(1600);
  assert.equal(ipDefrag(net, frag(net, 50, 0, data.subarray(0, 800), true), 0), null);
  for (let i = 0; i < 6; i++) ipDefrag(net, frag(net, 60 + i, 0, pattern(64), true), 0);
  // The first queue restarts when its next fragment arrives: the old part is gone.
  assert.equal(ipDefrag(net, frag(net, 50, 800, data.subarray(800), false), 0), null);
  assert.equal(mib(net, IPSTATS_MIB_REASMOKS), 0);
});

test('property: random fragment sets never throw and every fragment is accounted for', () => {
  fc.assert(fc.property(fc.array(fc.record({
    id: fc.integer({ min: 0, max: 3 }),
    off: fc.integer({ min: 0, max: 8191 }),
    len: fc.integer({ min: 0, max: 1500 }),
    more: fc.boolean(),
  }), { maxLength: 40 }), (fs) => {
    const k = testKernel();
    const net = k.initNet;
    let freed = 0;
    k.trace.kfreeSkb.register(() => freed++);
    k.trace.consumeSkb.register(() => freed++);
    for (const f of fs) {
      const out = ipDefrag(net, frag(net, f.id, f.off * 8, pattern(f.len), f.more), 0);
      if (out) assert.ok(out.len <= 65535);
    }
    assert.ok(ipFragMem(net).memory >= 0);
  }), { numRuns: 200 });
});
