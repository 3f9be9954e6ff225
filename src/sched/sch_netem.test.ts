import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testKernel, ethFrame, txSkb, BCAST } from '../../test/harness/kernel.js';
import { testDevCreate, testDevPriv } from '../../test/harness/txdev.js';
import { devQueueXmit } from '../core/dev.js';
import type { Kernel } from '../core/net_namespace.js';
import type { NetDevice } from '../core/netdevice.js';
import { qdiscCreateDflt, qdiscGraft, TC_H_ROOT } from './sch_generic.js';
import { netemOps, packetTimeNs, NetemSchedData, CrndState, getCrandom } from './sch_netem.js';
import { Rng } from '../core/rng.js';
import type { NetemOptions } from '../wire/pkt_sched.js';
import { normalDist } from '../tools/tc/maketable.js';

const MS = 1_000_000;
const pct = (p: number): number => Math.round(p * 0xffffffff);

type TestOpts = Omit<Partial<NetemOptions>, 'loss'> & {
  delayMs?: number; jitterMs?: number; limit?: number; loss?: number | NetemOptions['loss']; gap?: number; dup?: number;
};

function opts(o: TestOpts): NetemOptions {
  const r: NetemOptions = {
    qopt: {
      latency: ((o.delayMs ?? 0) * MS) / 64, jitter: ((o.jitterMs ?? 0) * MS) / 64, limit: o.limit ?? 1000,
      loss: typeof o.loss === 'number' ? pct(o.loss) : 0, gap: o.gap ?? 0, duplicate: o.dup !== undefined ? pct(o.dup) : 0,
    },
  };
  for (const key of ['corr', 'reorder', 'corrupt', 'delayDist', 'loss', 'rate', 'ecn', 'slot'] as const) {
    if (o[key] !== undefined && key !== 'loss') (r as unknown as Record<string, unknown>)[key] = o[key];
  }
  if (Array.isArray(o.loss)) r.loss = o.loss;
  return r;
}

function netemDev(k: Kernel, o: NetemOptions): NetDevice {
  const dev = testDevCreate(k.initNet);
  const q = qdiscCreateDflt(dev, netemOps, TC_H_ROOT, o);
  assert.ok(q);
  qdiscGraft(dev, q);
  assert.equal(dev.qdisc?.ops.id, 'netem');
  return dev;
}

function send(dev: NetDevice, n: number, len = 100): void {
  for (let i = 0; i < n; i++) {
    const p = new Uint8Array(len - 14);
    p[0] = i & 0xff;
    p[1] = (i >> 8) & 0xff;
    devQueueXmit(txSkb(dev, ethFrame(BCAST, dev.devAddr, 0x88b5, p)));
  }
}

const seq = (f: Uint8Array): number => f[14]! | (f[15]! << 8);

test('netem delay: packets leave exactly `delay` later, on virtual time', async () => {
  const k = testKernel();
  const dev = netemDev(k, opts({ delayMs: 100 }));
  send(dev, 3);
  assert.equal(testDevPriv(dev).sent.length, 0);
  assert.equal(dev.qdisc!.qstats.qlen, 3);
  await k.sleep(99 * MS);
  assert.equal(testDevPriv(dev).sent.length, 0);
  await k.sleep(2 * MS);
  assert.deepEqual(testDevPriv(dev).sent.map((s) => s.at), [100 * MS, 100 * MS, 100 * MS]);
  assert.equal(dev.qdisc!.qstats.qlen, 0);
  assert.equal(dev.qdisc!.bstats.packets, 3);
});

test('netem jitter: uniform in [delay-jitter, delay+jitter), mean near delay, reordering by time', async () => {
  const k = testKernel(7);
  const dev = netemDev(k, opts({ delayMs: 100, jitterMs: 10, limit: 10000 }));
  send(dev, 2000);
  await k.sleep(200 * MS);
  const sent = testDevPriv(dev).sent;
  assert.equal(sent.length, 2000);
  const ats = sent.map((s) => s.at);
  assert.ok(Math.min(...ats) >= 90 * MS && Math.max(...ats) < 110 * MS);
  const mean = ats.reduce((a, b) => a + b, 0) / ats.length;
  assert.ok(Math.abs(mean - 100 * MS) < 0.5 * MS, `mean ${mean}`);
  for (let i = 1; i < ats.length; i++) assert.ok(ats[i]! >= ats[i - 1]!, 'tfifo is ordered by time_to_send');
  assert.ok(sent.some((s, i) => seq(s.frame) !== i), 'jitter reorders');
});

test('netem jitter with the normal table: mean and standard deviation', async () => {
  const k = testKernel(3);
  const dev = netemDev(k, opts({ delayMs: 100, jitterMs: 10, limit: 10000, delayDist: normalDist() }));
  send(dev, 4000);
  await k.sleep(300 * MS);
  const ats = testDevPriv(dev).sent.map((s) => s.at / MS);
  const mean = ats.reduce((a, b) => a + b, 0) / ats.length;
  const sd = Math.sqrt(ats.reduce((a, b) => a + (b - mean) ** 2, 0) / ats.length);
  assert.ok(Math.abs(mean - 100) < 0.6, `mean ${mean}`);
  assert.ok(Math.abs(sd - 10) < 0.7, `sd ${sd}`);
});

test('netem loss 10% over 10000 packets of a seeded run is within tolerance, and counted', () => {
  const k = testKernel(42);
  const dev = netemDev(k, opts({ loss: 0.1 }));
  send(dev, 10000);
  k.settle();
  const got = testDevPriv(dev).sent.length;
  const lost = 10000 - got;
  assert.ok(lost > 900 && lost < 1100, `lost ${lost}`);
  assert.equal(dev.qdisc!.qstats.drops, lost);
  assert.equal(dev.qdisc!.bstats.packets, got);
});

test('netem is deterministic: same seed, same decisions; another seed, others', () => {
  const run = (seed: number): number[] => {
    const k = testKernel(seed);
    const dev = netemDev(k, opts({ loss: 0.3, dup: 0.1 }));
    send(dev, 500);
    k.settle();
    return testDevPriv(dev).sent.map((s) => seq(s.frame));
  };
  assert.deepEqual(run(5), run(5));
  assert.notDeepEqual(run(5), run(6));
});

function burstStats(received: Set<number>, n: number): { rate: number; meanBurst: number } {
  let lost = 0;
  let bursts = 0;
  for (let i = 0; i < n; i++) {
    if (received.has(i)) continue;
    lost++;
    if (i === 0 || received.has(i - 1)) bursts++;
  }
  return { rate: lost / n, meanBurst: lost / Math.max(1, bursts) };
}

test('netem loss gemodel: Gilbert-Elliott losses come in bursts of mean 1/r', () => {
  const k = testKernel(11);
  const n = 20000;
  // p = 1%, r = 10%, 1-h = 100% (all lost in the bad state), 1-k = 0%: stationary loss p/(p+r) = 9.1%.
  const dev = netemDev(k, opts({ loss: [{ ge: { p: pct(0.01), r: pct(0.1), h: 0, k1: 0 } }] }));
  send(dev, n);
  k.settle();
  const got = new Set(testDevPriv(dev).sent.map((s) => seq(s.frame) + 0));
  // seq wraps at 65536; n < 65536.
  const ge = burstStats(got, n);
  assert.ok(Math.abs(ge.rate - 0.0909) < 0.02, `rate ${ge.rate}`);
  assert.ok(ge.meanBurst > 8 && ge.meanBurst < 12.5, `burst ${ge.meanBurst}`);

  const k2 = testKernel(11);
  const dev2 = netemDev(k2, opts({ loss: 0.0909 }));
  send(dev2, n);
  k2.settle();
  const rnd = burstStats(new Set(testDevPriv(dev2).sent.map((s) => seq(s.frame))), n);
  assert.ok(rnd.meanBurst < 1.3, `random loss bursts ${rnd.meanBurst}`);
});

test('netem loss state (4-state Markov): isolated losses at p14, bursts from p13', () => {
  const k = testKernel(12);
  const n = 20000;
  // p13 = 0 (no bursts), p14 = 5%: isolated losses only.
  const dev = netemDev(k, opts({ loss: [{ gi: { p13: 0, p31: pct(1), p32: 0, p23: pct(1), p14: pct(0.05) } }] }));
  send(dev, n);
  k.settle();
  const s = burstStats(new Set(testDevPriv(dev).sent.map((x) => seq(x.frame))), n);
  assert.ok(Math.abs(s.rate - 0.05 / 1.05) < 0.01, `rate ${s.rate}`);
  assert.equal(s.meanBurst, 1, 'state 4 always returns to state 1');
});

test('netem duplicate 10% and corrupt 10% rates', () => {
  const k = testKernel(21);
  const dev = netemDev(k, opts({ dup: 0.1, corrupt: { probability: pct(0.1), correlation: 0 } }));
  const n = 10000;
  send(dev, n, 200);
  k.settle();
  const sent = testDevPriv(dev).sent;
  const dups = sent.length - n;
  assert.ok(dups > 900 && dups < 1100, `dups ${dups}`);
  // A corrupted frame differs from the clean one in exactly one bit.
  let corrupted = 0;
  for (const s of sent) {
    const clean = new Uint8Array(200);
    clean.set(BCAST, 0);
    clean.set(dev.devAddr, 6);
    clean[12] = 0x88;
    clean[13] = 0xb5;
    clean[14] = s.frame[14]!;
    clean[15] = s.frame[15]!;
    let bits = 0;
    for (let i = 0; i < 200; i++) {
      let x = (s.frame[i]! ^ clean[i]!) & (i === 14 || i === 15 ? 0 : 0xff);
      while (x) {
        bits += x & 1;
        x >>= 1;
      }
    }
    if (bits > 0) corrupted++;
    assert.ok(bits <= 1);
  }
  const rate = corrupted / sent.length;
  assert.ok(rate > 0.08 && rate < 0.105, `corrupt ${rate}`);
});

test('netem reorder 25% gap 5: some packets skip the delay and overtake', async () => {
  const k = testKernel(8);
  const dev = netemDev(k, opts({ delayMs: 10, gap: 5, reorder: { probability: pct(0.25), correlation: 0 } }));
  const n = 4000;
  for (let i = 0; i < n; i++) {
    send1(dev, i);
    await k.sleep(MS);
  }
  await k.sleep(20 * MS);
  const sent = testDevPriv(dev).sent;
  assert.equal(sent.length, n);
  const early = sent.filter((s) => s.at % MS === 0 && seqAt(s) * MS === s.at).length;
  // Every 5th packet (gap) is a reorder candidate; 25% of those go at once: ~n/5 * 0.25... plus
  // candidates stay candidates until picked, so the share is higher than 5%.
  assert.ok(early > 0.04 * n && early < 0.2 * n, `early ${early}`);
  assert.equal(dev.qdisc!.qstats.requeues, early);
});

function send1(dev: NetDevice, i: number): void {
  const p = new Uint8Array(86);
  p[0] = i & 0xff;
  p[1] = (i >> 8) & 0xff;
  devQueueXmit(txSkb(dev, ethFrame(BCAST, dev.devAddr, 0x88b5, p)));
}
function seqAt(s: { frame: Uint8Array }): number {
  return seq(s.frame);
}

test('netem rate 1mbit: back-to-back packets leave one serialization time apart', async () => {
  const k = testKernel();
  const dev = netemDev(k, opts({ rate: { rate: 125000, packetOverhead: 0, cellSize: 0, cellOverhead: 0 } }));
  send(dev, 5, 1000);
  await k.sleep(100 * MS);
  assert.deepEqual(testDevPriv(dev).sent.map((s) => s.at / MS), [8, 16, 24, 32, 40]);
});

test('netem rate with packet overhead and cells (ATM-like)', () => {
  const q = new NetemSchedData(null as never);
  q.rate = 1000;
  q.packetOverhead = 10;
  q.cellSize = 48;
  q.cellOverhead = 5;
  // 100 + 10 = 110 bytes = 3 cells of 53 = 159 bytes at 1000 B/s.
  assert.equal(packetTimeNs(100, q), 159_000_000);
});

test('netem limit: the tfifo holds `limit` packets, the rest are dropped', () => {
  const k = testKernel();
  const dev = netemDev(k, opts({ delayMs: 50, limit: 10 }));
  send(dev, 15);
  assert.equal(dev.qdisc!.qstats.qlen, 10);
  assert.equal(dev.qdisc!.qstats.drops, 5);
  assert.equal(dev.qdisc!.qstats.backlog, 1000);
});

test('netem slot: packets go out in bursts at slot boundaries', async () => {
  const k = testKernel(2);
  const dev = netemDev(k, opts({ slot: { minDelay: 10 * MS, maxDelay: 10 * MS, maxPackets: 2, maxBytes: 0, distDelay: 0, distJitter: 0 } }));
  send(dev, 6);
  await k.sleep(100 * MS);
  const ats = testDevPriv(dev).sent.map((s) => s.at / MS);
  assert.deepEqual(ats, [0, 0, 10, 10, 20, 20]);
});

test('netem ecn: an ECT packet is marked CE instead of lost, checksum fixed', () => {
  const k = testKernel();
  const dev = netemDev(k, opts({ loss: 1, ecn: 1 }));
  const ip = new Uint8Array(40);
  ip.set([0x45, 0x02, 0, 40, 0, 0, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += (ip[i]! << 8) | ip[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  ip[10] = (~sum >> 8) & 0xff;
  ip[11] = ~sum & 0xff;
  const skb = txSkb(dev, ethFrame(BCAST, dev.devAddr, 0x0800, ip));
  skb.protocol = 0x0800;
  skb.networkHeader = skb.data + 14;
  devQueueXmit(skb);
  const notEct = txSkb(dev, ethFrame(BCAST, dev.devAddr, 0x0800, new Uint8Array(40).fill(0x45, 0, 1)));
  notEct.protocol = 0x0800;
  notEct.networkHeader = notEct.data + 14;
  devQueueXmit(notEct);
  k.settle();
  const sent = testDevPriv(dev).sent;
  assert.equal(sent.length, 1, 'the not-ECT packet is lost');
  const h = sent[0]!.frame.subarray(14, 34);
  assert.equal(h[1]! & 3, 3, 'CE');
  let s = 0;
  for (let i = 0; i < 20; i += 2) s += (h[i]! << 8) | h[i + 1]!;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  assert.equal(s, 0xffff, 'header checksum still valid');
  assert.equal(dev.qdisc!.qstats.drops, 2, 'a mark counts as a drop too');
});

test('get_crandom: the number arithmetic equals the u64 formula of Linux', () => {
  const values = new Rng(7);
  const check = (rho: number, last: number, value: number): void => {
    const st = new CrndState();
    st.rho = rho;
    st.last = last;
    const r = BigInt(rho) + 1n;
    const want = Number((BigInt(value) * ((1n << 32n) - r) + BigInt(last) * r) >> 32n);
    assert.equal(getCrandom(st, { u32: () => value } as unknown as Rng), want, `rho=${rho} last=${last} value=${value}`);
    assert.equal(st.last, want);
  };
  const edges = [1, 0xffff, 0x10000, 0x7fffffff, 0xfffffffe, 0xffffffff];
  for (const rho of edges) for (const last of [0, ...edges]) for (const value of [0, ...edges]) check(rho, last, value);
  for (let i = 0; i < 20000; i++) check(values.u32() || 1, values.u32(), values.u32());
});
