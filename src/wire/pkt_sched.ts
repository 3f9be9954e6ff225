/**
 * Traffic-control wire formats (Linux: include/uapi/linux/rtnetlink.h struct tcmsg
 * and TCA_*, pkt_sched.h (tc_prio_qopt, tc_netem_*), gen_stats.h (gnet_stats_*)).
 * Shared by the kernel side (sched/sch_api.ts) and userspace (`tc`): tcmsg,
 * rtattr walking, and the decoded/encoded form of the qdisc options we implement.
 * All integers are host (little-endian) order, as netlink carries them.
 */

import { NLA_F_NESTED, nlaAlign, nlaWalk } from './netlink.js';

/** struct tcmsg: family u8, pad u8, pad u16, ifindex s32, handle u32, parent u32, info u32. */
export const TCMSG_LEN = 20;

/** enum TCA_* (attributes of RTM_*QDISC). */
export const TCA_UNSPEC = 0;
export const TCA_KIND = 1;
export const TCA_OPTIONS = 2;
export const TCA_STATS = 3;
export const TCA_XSTATS = 4;
export const TCA_RATE = 5;
export const TCA_FCNT = 6;
export const TCA_STATS2 = 7;
export const TCA_STAB = 8;
export const TCA_PAD = 9;
export const TCA_DUMP_INVISIBLE = 10;
export const TCA_CHAIN = 11;
export const TCA_HW_OFFLOAD = 12;
export const TCA_INGRESS_BLOCK = 13;
export const TCA_EGRESS_BLOCK = 14;
export const TCA_DUMP_FLAGS = 15;

/** enum TCA_STATS_* (nested in TCA_STATS2). */
export const TCA_STATS_UNSPEC = 0;
export const TCA_STATS_BASIC = 1;
export const TCA_STATS_RATE_EST = 2;
export const TCA_STATS_QUEUE = 3;
export const TCA_STATS_APP = 4;
export const TCA_STATS_RATE_EST64 = 5;
export const TCA_STATS_PAD = 6;
export const TCA_STATS_BASIC_HW = 7;
export const TCA_STATS_PKT64 = 8;

/** enum TCA_NETEM_* (after struct tc_netem_qopt inside TCA_OPTIONS). */
export const TCA_NETEM_UNSPEC = 0;
export const TCA_NETEM_CORR = 1;
export const TCA_NETEM_DELAY_DIST = 2;
export const TCA_NETEM_REORDER = 3;
export const TCA_NETEM_CORRUPT = 4;
export const TCA_NETEM_LOSS = 5;
export const TCA_NETEM_RATE = 6;
export const TCA_NETEM_ECN = 7;
export const TCA_NETEM_RATE64 = 8;
export const TCA_NETEM_PAD = 9;
export const TCA_NETEM_LATENCY64 = 10;
export const TCA_NETEM_JITTER64 = 11;
export const TCA_NETEM_SLOT = 12;
export const TCA_NETEM_SLOT_DIST = 13;
export const TCA_NETEM_PRNG_SEED = 14;
export const TCA_NETEM_MAX = 14;
/** Nested in TCA_NETEM_LOSS. */
export const NETEM_LOSS_UNSPEC = 0;
export const NETEM_LOSS_GI = 1;
export const NETEM_LOSS_GE = 2;
/** Distribution tables: values are scaled by NETEM_DIST_SCALE, at most NETEM_DIST_MAX of them. */
export const NETEM_DIST_SCALE = 8192;
export const NETEM_DIST_MAX = 16384;

/** Linux: struct tcmsg. */
export interface Tcmsg {
  family: number;
  ifindex: number;
  handle: number;
  parent: number;
  info: number;
}

export function tcmsgEncode(t: Tcmsg): Uint8Array {
  const b = new Uint8Array(TCMSG_LEN);
  const v = new DataView(b.buffer);
  b[0] = t.family;
  v.setInt32(4, t.ifindex, true);
  v.setUint32(8, t.handle >>> 0, true);
  v.setUint32(12, t.parent >>> 0, true);
  v.setUint32(16, t.info >>> 0, true);
  return b;
}

export function tcmsgDecode(b: Uint8Array, off = 0): Tcmsg {
  const v = new DataView(b.buffer, b.byteOffset + off, TCMSG_LEN);
  return { family: b[off]!, ifindex: v.getInt32(4, true), handle: v.getUint32(8, true), parent: v.getUint32(12, true), info: v.getUint32(16, true) };
}

/* ------------------------------------------------------------------ */
/* rtattr building and walking                                          */

/** Linux: RTA_ALIGN / NLA_ALIGN. */
export const rtaAlign = nlaAlign;

/** Builds a run of attributes (Linux: nla_put, nla_nest_start/end). */
export class AttrWriter {
  private buf = new Uint8Array(256);
  len = 0;
  private readonly nests: number[] = [];

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const nb = new Uint8Array(size);
    nb.set(this.buf.subarray(0, this.len));
    this.buf = nb;
  }

  /** Raw bytes with no header (a struct in front of nested attributes). */
  raw(data: Uint8Array): this {
    this.reserve(rtaAlign(data.length));
    this.buf.set(data, this.len);
    this.len += rtaAlign(data.length);
    return this;
  }

  put(type: number, data: Uint8Array): this {
    const l = 4 + data.length;
    this.reserve(rtaAlign(l));
    this.buf[this.len] = l & 0xff;
    this.buf[this.len + 1] = l >> 8;
    this.buf[this.len + 2] = type & 0xff;
    this.buf[this.len + 3] = type >> 8;
    this.buf.set(data, this.len + 4);
    this.buf.fill(0, this.len + l, this.len + rtaAlign(l));
    this.len += rtaAlign(l);
    return this;
  }

  putU8(type: number, v: number): this {
    return this.put(type, Uint8Array.of(v & 0xff));
  }
  putU32(type: number, v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, true);
    return this.put(type, b);
  }
  putU64(type: number, v: number | bigint): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt(v), true);
    return this.put(type, b);
  }
  putS64(type: number, v: number | bigint): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigInt64(0, BigInt(v), true);
    return this.put(type, b);
  }
  putString(type: number, s: string): this {
    const e = new TextEncoder().encode(s);
    const b = new Uint8Array(e.length + 1);
    b.set(e);
    return this.put(type, b);
  }

  nestStart(type: number): this {
    this.reserve(4);
    this.nests.push(this.len);
    this.buf[this.len + 2] = type & 0xff;
    this.buf[this.len + 3] = type >> 8;
    this.len += 4;
    return this;
  }
  nestEnd(): this {
    const start = this.nests.pop()!;
    const l = this.len - start;
    this.buf[start] = l & 0xff;
    this.buf[start + 1] = l >> 8;
    return this;
  }
  /** Drop an open nest and everything written since (Linux: nla_nest_cancel). */
  nestCancel(): this {
    this.len = this.nests.pop()!;
    return this;
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/**
 * Linux: nla_parse() without a policy: the last attribute of each type wins;
 * a truncated attribute ends the walk. Types are masked of NLA_F_NESTED.
 */
export function rtaParse(b: Uint8Array, off = 0, end = b.length): Map<number, Uint8Array> {
  const tb = new Map<number, Uint8Array>();
  for (const a of nlaWalk(b, off, end - off).attrs) tb.set(a.type, a.data);
  return tb;
}

/** Attributes in order, for nests where order or repeats matter. */
export function rtaList(b: Uint8Array, off = 0, end = b.length): Array<[number, Uint8Array]> {
  return nlaWalk(b, off, end - off).attrs.map((a): [number, Uint8Array] => [a.type, a.data]);
}

function dv(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

export function rtaGetU32(b: Uint8Array): number {
  return b.length >= 4 ? dv(b).getUint32(0, true) : 0;
}
export function rtaGetU64(b: Uint8Array): number {
  return b.length >= 8 ? Number(dv(b).getBigUint64(0, true)) : 0;
}
export function rtaGetS64(b: Uint8Array): number {
  return b.length >= 8 ? Number(dv(b).getBigInt64(0, true)) : 0;
}
/** A NUL-terminated string attribute. */
export function rtaGetStr(b: Uint8Array): string {
  const z = b.indexOf(0);
  return new TextDecoder().decode(z >= 0 ? b.subarray(0, z) : b);
}

/* ------------------------------------------------------------------ */
/* pfifo_fast / prio: struct tc_prio_qopt { int bands; __u8 priomap[16]; }   */

export const TC_PRIO_QOPT_LEN = 20;

export function tcPrioQoptEncode(bands: number, priomap: readonly number[]): Uint8Array {
  const b = new Uint8Array(TC_PRIO_QOPT_LEN);
  dv(b).setInt32(0, bands, true);
  for (let i = 0; i < 16; i++) b[4 + i] = priomap[i] ?? 0;
  return b;
}

export function tcPrioQoptDecode(b: Uint8Array): { bands: number; priomap: number[] } | null {
  if (b.length < TC_PRIO_QOPT_LEN) return null;
  return { bands: dv(b).getInt32(0, true), priomap: Array.from(b.subarray(4, 20)) };
}

/* ------------------------------------------------------------------ */
/* netem                                                               */

/** Linux: struct tc_netem_qopt. latency/jitter in psched ticks (64 ns). */
export interface TcNetemQopt {
  latency: number;
  limit: number;
  loss: number;
  gap: number;
  duplicate: number;
  jitter: number;
}
export const TC_NETEM_QOPT_LEN = 24;

/** Linux: struct tc_netem_gimodel (4-state loss model), probabilities scaled to u32. */
export interface TcNetemGimodel {
  p13: number;
  p31: number;
  p32: number;
  p14: number;
  p23: number;
}
/** Linux: struct tc_netem_gemodel (Gilbert-Elliott). */
export interface TcNetemGemodel {
  p: number;
  r: number;
  h: number;
  k1: number;
}
/** Linux: struct tc_netem_rate. */
export interface TcNetemRate {
  rate: number;
  packetOverhead: number;
  cellSize: number;
  cellOverhead: number;
}
/** Linux: struct tc_netem_slot (times in ns). */
export interface TcNetemSlot {
  minDelay: number;
  maxDelay: number;
  maxPackets: number;
  maxBytes: number;
  distDelay: number;
  distJitter: number;
}

/** The TCA_OPTIONS of netem, decoded: the struct plus whichever TCA_NETEM_* were present. */
export interface NetemOptions {
  qopt: TcNetemQopt;
  corr?: { delayCorr: number; lossCorr: number; dupCorr: number };
  reorder?: { probability: number; correlation: number };
  corrupt?: { probability: number; correlation: number };
  delayDist?: Int16Array;
  slotDist?: Int16Array;
  /** TCA_NETEM_LOSS: the loss models in the nest, in order. */
  loss?: Array<{ gi: TcNetemGimodel } | { ge: TcNetemGemodel } | { unknown: number }>;
  rate?: TcNetemRate;
  ecn?: number;
  rate64?: number;
  latency64?: number;
  jitter64?: number;
  slot?: TcNetemSlot;
  prngSeed?: bigint;
}

function u32s(...vals: number[]): Uint8Array {
  const b = new Uint8Array(vals.length * 4);
  const v = dv(b);
  vals.forEach((x, i) => v.setUint32(i * 4, x >>> 0, true));
  return b;
}

function distBytes(d: Int16Array): Uint8Array {
  const b = new Uint8Array(d.length * 2);
  const v = dv(b);
  d.forEach((x, i) => v.setInt16(i * 2, x, true));
  return b;
}

/** Encode netem's TCA_OPTIONS payload in the order iproute2 and the kernel's dump use. */
export function netemOptionsEncode(o: NetemOptions, forDump = false): Uint8Array {
  const w = new AttrWriter();
  const q = o.qopt;
  w.raw(u32s(q.latency, q.limit, q.loss, q.gap, q.duplicate, q.jitter));
  if (forDump) {
    if (o.latency64 !== undefined) w.putS64(TCA_NETEM_LATENCY64, o.latency64);
    if (o.jitter64 !== undefined) w.putS64(TCA_NETEM_JITTER64, o.jitter64);
  }
  if (o.corr) w.put(TCA_NETEM_CORR, u32s(o.corr.delayCorr, o.corr.lossCorr, o.corr.dupCorr));
  if (o.reorder) w.put(TCA_NETEM_REORDER, u32s(o.reorder.probability, o.reorder.correlation));
  if (!forDump && o.ecn !== undefined) w.putU32(TCA_NETEM_ECN, o.ecn);
  if (o.corrupt) w.put(TCA_NETEM_CORRUPT, u32s(o.corrupt.probability, o.corrupt.correlation));
  if (forDump) {
    if (o.rate64 !== undefined) w.putU64(TCA_NETEM_RATE64, o.rate64);
    if (o.rate) w.put(TCA_NETEM_RATE, rateBytes(o.rate));
    if (o.ecn !== undefined) w.putU32(TCA_NETEM_ECN, o.ecn);
  }
  if (!forDump && o.slot) w.put(TCA_NETEM_SLOT, slotBytes(o.slot));
  if (o.loss) {
    w.nestStart(TCA_NETEM_LOSS | (forDump ? 0 : NLA_F_NESTED));
    for (const m of o.loss) {
      if ('gi' in m) w.put(NETEM_LOSS_GI, u32s(m.gi.p13, m.gi.p31, m.gi.p32, m.gi.p14, m.gi.p23));
      else if ('ge' in m) w.put(NETEM_LOSS_GE, u32s(m.ge.p, m.ge.r, m.ge.h, m.ge.k1));
    }
    w.nestEnd();
  }
  if (forDump && o.slot) w.put(TCA_NETEM_SLOT, slotBytes(o.slot));
  if (!forDump) {
    if (o.rate64 !== undefined) w.putU64(TCA_NETEM_RATE64, o.rate64);
    if (o.rate) w.put(TCA_NETEM_RATE, rateBytes(o.rate));
  }
  if (o.delayDist) w.put(TCA_NETEM_DELAY_DIST, distBytes(o.delayDist));
  if (o.slotDist) w.put(TCA_NETEM_SLOT_DIST, distBytes(o.slotDist));
  if (o.prngSeed !== undefined) w.putU64(TCA_NETEM_PRNG_SEED, o.prngSeed);
  return w.bytes();
}

function rateBytes(r: TcNetemRate): Uint8Array {
  const b = new Uint8Array(16);
  const v = dv(b);
  v.setUint32(0, r.rate >>> 0, true);
  v.setInt32(4, r.packetOverhead, true);
  v.setUint32(8, r.cellSize >>> 0, true);
  v.setInt32(12, r.cellOverhead, true);
  return b;
}

function slotBytes(s: TcNetemSlot): Uint8Array {
  const b = new Uint8Array(40);
  const v = dv(b);
  v.setBigInt64(0, BigInt(s.minDelay), true);
  v.setBigInt64(8, BigInt(s.maxDelay), true);
  v.setInt32(16, s.maxPackets, true);
  v.setInt32(20, s.maxBytes, true);
  v.setBigInt64(24, BigInt(s.distDelay), true);
  v.setBigInt64(32, BigInt(s.distJitter), true);
  return b;
}

function distFrom(b: Uint8Array): Int16Array {
  const n = b.length >> 1;
  const d = new Int16Array(n);
  const v = dv(b);
  for (let i = 0; i < n; i++) d[i] = v.getInt16(i * 2, true);
  return d;
}

/**
 * Decode netem's TCA_OPTIONS (Linux: netem_change() + parse_attr()). Returns a
 * negative errno when the payload is shorter than the struct or an attribute is
 * shorter than its policy asks, as nla_parse would refuse it.
 */
export function netemOptionsDecode(b: Uint8Array): NetemOptions | number {
  if (b.length < TC_NETEM_QOPT_LEN) return -22;
  const v = dv(b);
  const u = (i: number): number => v.getUint32(i * 4, true);
  const o: NetemOptions = { qopt: { latency: u(0), limit: u(1), loss: u(2), gap: u(3), duplicate: u(4), jitter: u(5) } };
  const tb = rtaParse(b, rtaAlign(TC_NETEM_QOPT_LEN));
  const need = (t: number, len: number): Uint8Array | null | number => {
    const a = tb.get(t);
    if (!a) return null;
    return a.length < len ? -34 /* -ERANGE: nla_parse policy length */ : a;
  };
  const get = (a: Uint8Array, i: number): number => dv(a).getUint32(i * 4, true);
  let a = need(TCA_NETEM_CORR, 12);
  if (typeof a === 'number') return a;
  if (a) o.corr = { delayCorr: get(a, 0), lossCorr: get(a, 1), dupCorr: get(a, 2) };
  a = need(TCA_NETEM_REORDER, 8);
  if (typeof a === 'number') return a;
  if (a) o.reorder = { probability: get(a, 0), correlation: get(a, 1) };
  a = need(TCA_NETEM_CORRUPT, 8);
  if (typeof a === 'number') return a;
  if (a) o.corrupt = { probability: get(a, 0), correlation: get(a, 1) };
  a = need(TCA_NETEM_RATE, 16);
  if (typeof a === 'number') return a;
  if (a) {
    const r = dv(a);
    o.rate = { rate: r.getUint32(0, true), packetOverhead: r.getInt32(4, true), cellSize: r.getUint32(8, true), cellOverhead: r.getInt32(12, true) };
  }
  a = need(TCA_NETEM_ECN, 4);
  if (typeof a === 'number') return a;
  if (a) o.ecn = get(a, 0);
  for (const [t, k] of [[TCA_NETEM_RATE64, 'rate64'], [TCA_NETEM_LATENCY64, 'latency64'], [TCA_NETEM_JITTER64, 'jitter64']] as const) {
    a = need(t, 8);
    if (typeof a === 'number') return a;
    if (a) o[k] = t === TCA_NETEM_RATE64 ? rtaGetU64(a) : rtaGetS64(a);
  }
  a = need(TCA_NETEM_SLOT, 40);
  if (typeof a === 'number') return a;
  if (a) {
    const s = dv(a);
    o.slot = {
      minDelay: Number(s.getBigInt64(0, true)), maxDelay: Number(s.getBigInt64(8, true)),
      maxPackets: s.getInt32(16, true), maxBytes: s.getInt32(20, true),
      distDelay: Number(s.getBigInt64(24, true)), distJitter: Number(s.getBigInt64(32, true)),
    };
  }
  a = need(TCA_NETEM_PRNG_SEED, 8);
  if (typeof a === 'number') return a;
  if (a) o.prngSeed = dv(a).getBigUint64(0, true);
  const dd = tb.get(TCA_NETEM_DELAY_DIST);
  if (dd) o.delayDist = distFrom(dd);
  const sd = tb.get(TCA_NETEM_SLOT_DIST);
  if (sd) o.slotDist = distFrom(sd);
  const loss = tb.get(TCA_NETEM_LOSS);
  if (loss) {
    o.loss = [];
    for (const [t, la] of rtaList(loss)) {
      if (t === NETEM_LOSS_GI) {
        if (la.length < 20) return -22;
        o.loss.push({ gi: { p13: get(la, 0), p31: get(la, 1), p32: get(la, 2), p14: get(la, 3), p23: get(la, 4) } });
      } else if (t === NETEM_LOSS_GE) {
        if (la.length < 16) return -22;
        o.loss.push({ ge: { p: get(la, 0), r: get(la, 1), h: get(la, 2), k1: get(la, 3) } });
      } else {
        o.loss.push({ unknown: t });
      }
    }
  }
  return o;
}

/* ------------------------------------------------------------------ */
/* Statistics                                                          */

/** The counters a qdisc dump carries (gnet_stats_basic + gnet_stats_queue). */
export interface QdiscStats {
  bytes: number;
  packets: number;
  qlen: number;
  backlog: number;
  drops: number;
  requeues: number;
  overlimits: number;
}

/** TCA_STATS2 nest: BASIC (struct gnet_stats_basic, 16 bytes) and QUEUE (struct gnet_stats_queue). */
export function putStats2(w: AttrWriter, s: QdiscStats): void {
  w.nestStart(TCA_STATS2);
  const basic = new Uint8Array(16);
  const bv = dv(basic);
  bv.setBigUint64(0, BigInt(s.bytes), true);
  bv.setUint32(8, s.packets >>> 0, true);
  w.put(TCA_STATS_BASIC, basic);
  w.put(TCA_STATS_QUEUE, u32s(s.qlen, s.backlog, s.drops, s.requeues, s.overlimits));
  w.nestEnd();
}

/** TCA_STATS: the old struct tc_stats (40 bytes with padding). */
export function putTcStats(w: AttrWriter, s: QdiscStats): void {
  const b = new Uint8Array(40);
  const v = dv(b);
  v.setBigUint64(0, BigInt(s.bytes), true);
  v.setUint32(8, s.packets >>> 0, true);
  v.setUint32(12, s.drops >>> 0, true);
  v.setUint32(16, s.overlimits >>> 0, true);
  // bps, pps (rate estimator): none.
  v.setUint32(28, s.qlen >>> 0, true);
  v.setUint32(32, s.backlog >>> 0, true);
  w.put(TCA_STATS, b);
}

/** Read TCA_STATS2 (preferred) or TCA_STATS. */
export function statsDecode(tb: Map<number, Uint8Array>): QdiscStats | null {
  const s2 = tb.get(TCA_STATS2);
  if (s2) {
    const st = rtaParse(s2);
    const s: QdiscStats = { bytes: 0, packets: 0, qlen: 0, backlog: 0, drops: 0, requeues: 0, overlimits: 0 };
    const basic = st.get(TCA_STATS_BASIC);
    if (basic && basic.length >= 12) {
      s.bytes = Number(dv(basic).getBigUint64(0, true));
      s.packets = dv(basic).getUint32(8, true);
    }
    const q = st.get(TCA_STATS_QUEUE);
    if (q && q.length >= 20) {
      const g = (i: number): number => dv(q).getUint32(i * 4, true);
      s.qlen = g(0);
      s.backlog = g(1);
      s.drops = g(2);
      s.requeues = g(3);
      s.overlimits = g(4);
    }
    return s;
  }
  const s1 = tb.get(TCA_STATS);
  if (s1 && s1.length >= 36) {
    const v = dv(s1);
    return {
      bytes: Number(v.getBigUint64(0, true)), packets: v.getUint32(8, true), drops: v.getUint32(12, true),
      overlimits: v.getUint32(16, true), qlen: v.getUint32(28, true), backlog: v.getUint32(32, true), requeues: 0,
    };
  }
  return null;
}
