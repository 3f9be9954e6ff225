/**
 * netem, the network emulator qdisc (Linux: net/sched/sch_netem.c). Delays
 * packets (latency + jitter, with correlation and a distribution table), loses
 * them (random with correlation, the 4-state Markov "loss state" model, or
 * Gilbert-Elliott "loss gemodel"), marks ECN instead of losing, duplicates,
 * reorders (gap), corrupts a bit, limits rate (with per-packet and per-cell
 * overheads) and delivers in slots. Packets wait in the tfifo ordered by
 * time_to_send; a watchdog timer reschedules the qdisc when the head is due.
 *
 * Every random decision comes from the kernel's seeded rng (`k.rng`), in the
 * order Linux draws them, so a run is reproducible from its seed. Linux 6.1 has
 * no TCA_NETEM_PRNG_SEED; a seed given over netlink is accepted and ignored.
 */
import type { SkBuff } from '../core/skbuff.js';
import { kfreeSkbReason, consumeSkb, skbClone, skbUnshare } from '../core/skbuff.js';
import { featuresNoGso, netifSkbFeatures, skbGsoSegment } from '../core/gso.js';
import { NET_XMIT_DROP, NET_XMIT_SUCCESS } from '../core/netdevice.js';
import { SkBuffHead } from '../core/skb_queue.js';
import { TimerList } from '../core/timer.js';
import type { Rng } from '../core/rng.js';
import { SKB_DROP_REASON_QDISC_DROP } from '../core/drop_reason.js';
import { ETH_P_IP, ETH_P_IPV6, skbChecksumHelp } from '../core/dev.js';
import { CHECKSUM_PARTIAL } from '../core/skbuff.js';
import { type Qdisc, type QdiscOps, qdiscBstatsUpdate, netifSchedule } from './sch_generic.js';
import {
  type NetemOptions, type TcNetemSlot, NETEM_DIST_MAX, NETEM_DIST_SCALE,
} from '../wire/pkt_sched.js';
import { EINVAL } from '../socket/errno.js';

const INT_MAX = 0x7fffffff;
const U32_MAX = 0xffffffff;
const TWO32 = 4294967296;

/** Loss models (Linux: enum CLG_*). */
export const CLG_RANDOM = 0;
export const CLG_4_STATES = 1;
export const CLG_GILB_ELL = 2;
/** States of the 4-state model. */
export const TX_IN_GAP_PERIOD = 1;
export const TX_IN_BURST_PERIOD = 2;
export const LOST_IN_GAP_PERIOD = 3;
export const LOST_IN_BURST_PERIOD = 4;
/** States of the Gilbert-Elliott model. */
export const GOOD_STATE = 1;
export const BAD_STATE = 2;

/** Linux: struct crndstate: a correlated random source. */
export class CrndState {
  last = 0;
  rho = 0;
}

/** Linux: struct clgstate: the Markov chain of the correlated loss generators. */
export class ClgState {
  state = 0;
  /** p13 for 4-states or p for GE. */
  a1 = 0;
  /** p31 for 4-states or r for GE. */
  a2 = 0;
  /** p32 for 4-states or h for GE. */
  a3 = 0;
  /** p14 for 4-states or 1-k for GE. */
  a4 = 0;
  /** p23, 4-states only. */
  a5 = 0;
}

/** Linux: struct netem_sched_data. Times in ns, probabilities as u32 fractions of 2^32-1. */
export class NetemSchedData {
  /** The t(ime)fifo: packets ordered by time_to_send, kept in `skb.cb`. */
  readonly tfifo = new SkBuffHead();
  readonly watchdog: TimerList;
  /** Expiry the watchdog is armed for (Linux: wd->last_expires). */
  watchdogExpires = 0;
  latency = 0;
  jitter = 0;
  loss = 0;
  ecn = 0;
  limit = 0;
  counter = 0;
  gap = 0;
  duplicate = 0;
  reorder = 0;
  corrupt = 0;
  /** Bytes per second; 0 = no rate limit. */
  rate = 0;
  packetOverhead = 0;
  cellSize = 0;
  cellOverhead = 0;
  readonly delayCor = new CrndState();
  readonly lossCor = new CrndState();
  readonly dupCor = new CrndState();
  readonly reorderCor = new CrndState();
  readonly corruptCor = new CrndState();
  delayDist: Int16Array | null = null;
  slotDist: Int16Array | null = null;
  lossModel = CLG_RANDOM;
  clg = new ClgState();
  slotConfig: TcNetemSlot = { minDelay: 0, maxDelay: 0, maxPackets: 0, maxBytes: 0, distDelay: 0, distJitter: 0 };
  slotNext = 0;
  /** Slots configured (Linux tests slot_next != 0, but virtual time can be 0). */
  slotEnabled = false;
  slotPacketsLeft = 0;
  slotBytesLeft = 0;
  constructor(readonly sch: Qdisc) {
    this.watchdog = new TimerList(() => {
      // Linux: qdisc_watchdog(): run the root qdisc again.
      netifSchedule(sch.dev.qdisc && sch.dev.qdisc.ops.enqueue ? sch.dev.qdisc : sch);
    });
  }
}

function priv(q: Qdisc): NetemSchedData {
  return q.priv as NetemSchedData;
}

/** time_to_send lives in the control block while the skb is in the tfifo (Linux: netem_skb_cb). */
function timeToSend(skb: SkBuff): number {
  return skb.cb as number;
}

/** Linux: init_crandom(). */
function initCrandom(state: CrndState, rho: number, rng: Rng): void {
  state.rho = rho >>> 0;
  state.last = rng.u32();
}

/**
 * Linux: get_crandom(): next = (value * (2^32 - rho) + last * rho) >> 32 in u64
 * arithmetic, rho = correlation + 1. The 64-bit sum is taken in 16-bit limbs so
 * every partial product stays below 2^53: exact, and no BigInt per packet.
 */
export function getCrandom(state: CrndState, rng: Rng): number {
  const value = rng.u32();
  if (state.rho === 0) return value;
  const rho = state.rho + 1;
  const w = TWO32 - rho;
  const last = state.last;
  // value*w + last*rho = hi * 2^16 + lo, with hi and lo each below 2^50.
  const hi = value * Math.floor(w / 65536) + last * Math.floor(rho / 65536);
  const lo = value * (w % 65536) + last * (rho % 65536);
  const answer = Math.floor((hi + Math.floor(lo / 65536)) / 65536) >>> 0;
  state.last = answer;
  return answer;
}

/** Linux: loss_4state(): the 4-state Markov chain of the GI loss model. */
function loss4state(q: NetemSchedData, rng: Rng): boolean {
  const clg = q.clg;
  const rnd = rng.u32();
  switch (clg.state) {
    case TX_IN_GAP_PERIOD:
      if (rnd < clg.a4) {
        clg.state = LOST_IN_GAP_PERIOD;
        return true;
      } else if (clg.a4 < rnd && rnd < clg.a1 + clg.a4) {
        clg.state = LOST_IN_BURST_PERIOD;
        return true;
      } else if (clg.a1 + clg.a4 < rnd) {
        clg.state = TX_IN_GAP_PERIOD;
      }
      break;
    case TX_IN_BURST_PERIOD:
      if (rnd < clg.a5) {
        clg.state = LOST_IN_BURST_PERIOD;
        return true;
      }
      clg.state = TX_IN_BURST_PERIOD;
      break;
    case LOST_IN_BURST_PERIOD:
      if (rnd < clg.a3) {
        clg.state = TX_IN_BURST_PERIOD;
      } else if (clg.a3 < rnd && rnd < clg.a2 + clg.a3) {
        clg.state = TX_IN_GAP_PERIOD;
      } else if (clg.a2 + clg.a3 < rnd) {
        clg.state = LOST_IN_BURST_PERIOD;
        return true;
      }
      break;
    case LOST_IN_GAP_PERIOD:
      clg.state = TX_IN_GAP_PERIOD;
      break;
  }
  return false;
}

/**
 * Linux: loss_gilb_ell(): a transition draw, then a loss draw with the state's
 * loss probability (1-k in the good state, 1-h in the bad one).
 */
function lossGilbEll(q: NetemSchedData, rng: Rng): boolean {
  const clg = q.clg;
  switch (clg.state) {
    case GOOD_STATE:
      if (rng.u32() < clg.a1) clg.state = BAD_STATE;
      if (rng.u32() < clg.a4) return true;
      break;
    case BAD_STATE:
      if (rng.u32() < clg.a2) clg.state = GOOD_STATE;
      if (rng.u32() > clg.a3) return true;
      break;
  }
  return false;
}

/** Linux: loss_event(). */
function lossEvent(q: NetemSchedData, rng: Rng): boolean {
  switch (q.lossModel) {
    case CLG_RANDOM:
      // Random packet drop: 0 => none, ~0 => all.
      return q.loss !== 0 && q.loss >= getCrandom(q.lossCor, rng);
    case CLG_4_STATES:
      return loss4state(q, rng);
    case CLG_GILB_ELL:
      return lossGilbEll(q, rng);
  }
  return false;
}

/**
 * Linux: tabledist(): a value with mean mu and deviation sigma, uniform without a
 * table, else shaped by the table (values scaled by NETEM_DIST_SCALE). Integer
 * arithmetic as in C (division truncates toward zero).
 */
export function tabledist(mu: number, sigma: number, state: CrndState | null, rng: Rng, dist: Int16Array | null): number {
  if (sigma === 0) return mu;
  const rnd = state ? getCrandom(state, rng) : rng.u32();
  if (dist === null) return ((rnd % (2 * sigma)) + mu) - sigma;
  const t = dist[rnd % dist.length]!;
  let x = (sigma % NETEM_DIST_SCALE) * t;
  if (x >= 0) x += NETEM_DIST_SCALE / 2;
  else x -= NETEM_DIST_SCALE / 2;
  return Math.trunc(x / NETEM_DIST_SCALE) + Math.trunc(sigma / NETEM_DIST_SCALE) * t + mu;
}

/** Linux: packet_time_ns(): time on the wire at `rate`, with packet and cell overheads. */
export function packetTimeNs(len: number, q: NetemSchedData): number {
  len += q.packetOverhead;
  if (q.cellSize) {
    let cells = Math.floor(len / q.cellSize);
    if (len > cells * q.cellSize) cells++; // extra cell needed for the remainder
    len = cells * (q.cellSize + q.cellOverhead);
  }
  return Math.floor((len * 1e9) / q.rate);
}

/** Linux: tfifo_enqueue(): sorted by time_to_send, equal times keep arrival order. */
function tfifoEnqueue(skb: SkBuff, q: NetemSchedData): void {
  const list = q.tfifo;
  const t = timeToSend(skb);
  if (!list.tail || timeToSend(list.tail) <= t) {
    list.enqueueTail(skb);
    return;
  }
  if (timeToSend(list.head!) > t) {
    list.enqueueHead(skb);
    return;
  }
  let p = list.head!;
  while (p.next && timeToSend(p.next) <= t) p = p.next;
  skb.next = p.next;
  p.next = skb;
  list.qlen++;
  list.bytes += skb.len;
}

/** One's-complement update of a 16-bit checksum for a changed word (RFC 1624 eqn. 3). */
function csum16Replace(check: number, oldWord: number, newWord: number): number {
  let sum = (~check & 0xffff) + (~oldWord & 0xffff) + newWord;
  sum = (sum & 0xffff) + (sum >>> 16);
  sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/**
 * Linux: INET_ECN_set_ce(): mark Congestion Experienced on an ECN-capable IPv4 or
 * IPv6 packet. True if the packet now carries CE (it was ECT, or already CE).
 */
export function inetEcnSetCe(skb: SkBuff): boolean {
  const nh = skb.networkHeader;
  if (nh < skb.data) return false;
  const b = skb.buf;
  if (skb.protocol === ETH_P_IP) {
    if (nh + 20 > skb.tail) return false;
    const tos = b[nh + 1]!;
    const ecn = tos & 3;
    if (ecn === 0) return false;
    if (ecn === 3) return true;
    const oldWord = (b[nh]! << 8) | tos;
    const newTos = tos | 3;
    const check = (b[nh + 10]! << 8) | b[nh + 11]!;
    const nc = csum16Replace(check, oldWord, (b[nh]! << 8) | newTos);
    b[nh + 1] = newTos;
    b[nh + 10] = nc >> 8;
    b[nh + 11] = nc & 0xff;
    return true;
  }
  if (skb.protocol === ETH_P_IPV6) {
    if (nh + 40 > skb.tail) return false;
    // Traffic class: low 4 bits of byte 0 and high 4 bits of byte 1; ECN is bits 4-5 of byte 1.
    const ecn = (b[nh + 1]! >> 4) & 3;
    if (ecn === 0) return false;
    b[nh + 1] = b[nh + 1]! | 0x30;
    return true;
  }
  return false;
}

/** Linux: skb_orphan(). */
function skbOrphan(skb: SkBuff): void {
  const d = skb.destructor;
  if (d) {
    skb.destructor = null;
    d(skb);
  }
  skb.sk = null;
}

/** Linux: netem_enqueue(). */
function netemEnqueue(skb: SkBuff, sch: Qdisc): number {
  const q = priv(sch);
  const k = sch.dev.net.kernel;
  const rng = k.rng;
  let count = 1;
  let rcDrop = NET_XMIT_DROP;

  // Random duplication.
  if (q.duplicate && q.duplicate >= getCrandom(q.dupCor, rng)) ++count;

  // Drop packet? With ecn, an ECN-capable packet is marked instead.
  if (lossEvent(q, rng)) {
    if (q.ecn && inetEcnSetCe(skbUnshare(skb))) sch.qstats.drops++; // marked, counted as a drop
    else --count;
  }
  if (count === 0) {
    sch.qstats.drops++;
    kfreeSkbReason(skb, SKB_DROP_REASON_QDISC_DROP);
    // NET_XMIT_SUCCESS | __NET_XMIT_BYPASS: the sender is not told.
    return NET_XMIT_SUCCESS;
  }

  // A delayed packet no longer holds its socket's memory (Linux: skb_orphan_partial()).
  if (q.latency || q.jitter || q.rate) skbOrphan(skb);

  // Duplicate: re-insert a clone at the top of the qdisc tree, not duplicating a dup.
  if (count > 1) {
    const skb2 = skbClone(skb);
    const rootq = sch.dev.qdisc && sch.dev.qdisc.ops.enqueue ? sch.dev.qdisc : sch;
    const dupsave = q.duplicate;
    q.duplicate = 0;
    rootq.ops.enqueue!(skb2, rootq);
    q.duplicate = dupsave;
    rcDrop = NET_XMIT_SUCCESS;
  }

  // Randomized corruption: flip one bit of a private copy.
  let segs: SkBuff[] | null = null;
  if (q.corrupt && q.corrupt >= getCrandom(q.corruptCor, rng)) {
    if (skb.gsoSize !== 0) {
      // Linux: netem_segment(): a GSO packet is cut into its segments first (a bit flipped
      // in a packet whose segments get their checksums later would go unnoticed); the
      // first is corrupted, the others go through netem after it (finish_segs).
      const r = skbGsoSegment(skb, featuresNoGso(netifSkbFeatures(skb)));
      if (r === null || typeof r === 'number') {
        sch.qstats.drops++;
        kfreeSkbReason(skb, SKB_DROP_REASON_QDISC_DROP);
        return NET_XMIT_DROP;
      }
      consumeSkb(skb);
      skb = r[0]!;
      segs = r.slice(1);
    }
    skb = skbUnshare(skb);
    // Linux: a CHECKSUM_PARTIAL skb gets its checksum finished first (skb_checksum_help),
    // so the flipped bit is seen by the receiver's checksum check instead of being trusted.
    if (skb.ipSummed === CHECKSUM_PARTIAL) skbChecksumHelp(skb);
    const len = skb.len;
    if (len > 0) {
      const at = rng.below(len);
      skb.buf[skb.data + at] = skb.buf[skb.data + at]! ^ (1 << rng.below(8));
    }
  }

  const rc = netemEnqueueTail(skb, sch, q, rcDrop);
  if (segs !== null) for (const seg of segs) netemEnqueue(seg, sch);
  return rc;
}

/** The second half of netem_enqueue(): queue limit, then the time-ordered or reordered queue. */
function netemEnqueueTail(skb: SkBuff, sch: Qdisc, q: NetemSchedData, rcDrop: number): number {
  const k = sch.dev.net.kernel;
  const rng = k.rng;
  if (sch.qstats.qlen >= sch.limit) {
    sch.qstats.drops++;
    kfreeSkbReason(skb, SKB_DROP_REASON_QDISC_DROP);
    return rcDrop;
  }

  sch.qstats.backlog += skb.len;
  sch.qstats.qlen++;

  if (q.gap === 0 || // not doing reordering
    q.counter < q.gap - 1 || // inside last reordering gap
    q.reorder < getCrandom(q.reorderCor, rng)) {
    let delay = tabledist(q.latency, q.jitter, q.delayCor, rng, q.delayDist);
    let now = k.clock.now();
    if (q.rate) {
      // The last packet in the queue is the reference point: its departure is "now".
      let last: SkBuff | null = sch.q.tail;
      const t = q.tfifo.tail;
      if (t && (!last || timeToSend(t) > timeToSend(last))) last = t;
      if (last) {
        delay -= timeToSend(last) - now;
        delay = Math.max(0, delay);
        now = timeToSend(last);
      }
      delay += packetTimeNs(skb.len, q);
    }
    skb.cb = now + delay;
    ++q.counter;
    tfifoEnqueue(skb, q);
  } else {
    // Reorder: this one goes to the front, now.
    skb.cb = k.clock.now();
    q.counter = 0;
    sch.q.enqueueHead(skb);
    sch.qstats.requeues++;
  }
  return NET_XMIT_SUCCESS;
}

/** Linux: get_slot_next(): open the next delivery slot. */
function getSlotNext(q: NetemSchedData, now: number, rng: Rng): void {
  let nextDelay: number;
  if (!q.slotDist) {
    const span = q.slotConfig.maxDelay - q.slotConfig.minDelay;
    nextDelay = q.slotConfig.minDelay + Math.floor((rng.u32() * span) / TWO32);
  } else {
    nextDelay = tabledist(q.slotConfig.distDelay, q.slotConfig.distJitter, null, rng, q.slotDist);
  }
  q.slotNext = now + nextDelay;
  q.slotPacketsLeft = q.slotConfig.maxPackets;
  q.slotBytesLeft = q.slotConfig.maxBytes;
}

/** Linux: qdisc_watchdog_schedule_ns(): arm unless already armed for that time. */
function watchdogSchedule(q: NetemSchedData, sch: Qdisc, expires: number): void {
  const k = sch.dev.net.kernel;
  if (q.watchdog.pending() && q.watchdogExpires === expires) return;
  q.watchdogExpires = expires;
  k.modTimer(q.watchdog, expires);
}

/** Linux: netem_dequeue(). */
function netemDequeue(sch: Qdisc): SkBuff | null {
  const q = priv(sch);
  let skb = sch.q.dequeue();
  if (skb) {
    sch.qstats.qlen--;
    sch.qstats.backlog -= skb.len;
    qdiscBstatsUpdate(sch, skb);
    return skb;
  }
  skb = q.tfifo.peek();
  if (!skb) return null;
  const k = sch.dev.net.kernel;
  const now = k.clock.now();
  const tts = timeToSend(skb);
  if (q.slotEnabled && q.slotNext < tts) getSlotNext(q, now, k.rng);
  if (tts <= now && q.slotNext <= now) {
    q.tfifo.dequeue();
    sch.qstats.qlen--;
    sch.qstats.backlog -= skb.len;
    skb.cb = null;
    skb.dev = sch.dev;
    if (q.slotEnabled) {
      q.slotPacketsLeft--;
      q.slotBytesLeft -= skb.len;
      if (q.slotPacketsLeft <= 0 || q.slotBytesLeft <= 0) getSlotNext(q, now, k.rng);
    }
    qdiscBstatsUpdate(sch, skb);
    return skb;
  }
  watchdogSchedule(q, sch, Math.max(tts, q.slotNext));
  return null;
}

/** What the next dequeue would return now, without taking it. */
function netemPeek(sch: Qdisc): SkBuff | null {
  const q = priv(sch);
  const head = sch.q.peek();
  if (head) return head;
  const skb = q.tfifo.peek();
  if (!skb) return null;
  const now = sch.dev.net.kernel.clock.now();
  return timeToSend(skb) <= now && q.slotNext <= now ? skb : null;
}

/** Linux: netem_reset(). */
function netemReset(sch: Qdisc): void {
  const q = priv(sch);
  q.tfifo.purge((skb) => kfreeSkbReason(skb, SKB_DROP_REASON_QDISC_DROP));
  sch.q.purge((skb) => kfreeSkbReason(skb, SKB_DROP_REASON_QDISC_DROP));
  sch.qstats.qlen = 0;
  sch.qstats.backlog = 0;
  sch.dev.net.kernel.delTimer(q.watchdog);
}

/** Linux: get_dist_table(). */
function distTableOk(d: Int16Array): boolean {
  return d.length > 0 && d.length <= NETEM_DIST_MAX;
}

/** Linux: get_slot(). */
function getSlot(q: NetemSchedData, c: TcNetemSlot, now: number): void {
  q.slotConfig = { ...c };
  if (q.slotConfig.maxPackets === 0) q.slotConfig.maxPackets = INT_MAX;
  if (q.slotConfig.maxBytes === 0) q.slotConfig.maxBytes = INT_MAX;
  // Capping dist_jitter to the range tabledist() accepts.
  q.slotConfig.distJitter = Math.min(INT_MAX, Math.abs(q.slotConfig.distJitter));
  q.slotPacketsLeft = q.slotConfig.maxPackets;
  q.slotBytesLeft = q.slotConfig.maxBytes;
  q.slotEnabled = (q.slotConfig.minDelay || q.slotConfig.maxDelay || q.slotConfig.distJitter) !== 0;
  q.slotNext = q.slotEnabled ? now : 0;
}

/** Linux: netem_change(): apply TCA_OPTIONS. Returns 0 or -errno. */
function netemChange(sch: Qdisc, opts: unknown, _extack: { msg?: string }): number {
  const q = priv(sch);
  const o = opts as NetemOptions | null;
  if (!o || typeof o !== 'object' || !('qopt' in o)) return -EINVAL;
  const k = sch.dev.net.kernel;
  const rng = k.rng;
  if (o.delayDist && !distTableOk(o.delayDist)) return -EINVAL;
  if (o.slotDist && !distTableOk(o.slotDist)) return -EINVAL;

  if (o.loss) {
    const oldClg = q.clg;
    const oldModel = q.lossModel;
    const clg = new ClgState();
    let model = oldModel;
    for (const m of o.loss) {
      if ('gi' in m) {
        model = CLG_4_STATES;
        clg.state = TX_IN_GAP_PERIOD;
        clg.a1 = m.gi.p13;
        clg.a2 = m.gi.p31;
        clg.a3 = m.gi.p32;
        clg.a4 = m.gi.p14;
        clg.a5 = m.gi.p23;
      } else if ('ge' in m) {
        model = CLG_GILB_ELL;
        clg.state = GOOD_STATE;
        clg.a1 = m.ge.p;
        clg.a2 = m.ge.r;
        clg.a3 = m.ge.h;
        clg.a4 = m.ge.k1;
      } else {
        // pr_info("netem: unknown loss type"): nothing changes.
        q.clg = oldClg;
        q.lossModel = oldModel;
        return -EINVAL;
      }
    }
    q.clg = clg;
    q.lossModel = model;
  } else {
    q.lossModel = CLG_RANDOM;
  }

  if (o.delayDist) q.delayDist = o.delayDist;
  if (o.slotDist) q.slotDist = o.slotDist;
  const qopt = o.qopt;
  sch.limit = qopt.limit;
  // PSCHED_TICKS2NS(): a psched tick is 64 ns.
  q.latency = qopt.latency * 64;
  q.jitter = qopt.jitter * 64;
  q.limit = qopt.limit;
  q.gap = qopt.gap;
  q.counter = 0;
  q.loss = qopt.loss;
  q.duplicate = qopt.duplicate;
  // For compatibility with earlier versions: a gap alone means 100% reordering.
  if (q.gap) q.reorder = U32_MAX;
  if (o.corr) {
    initCrandom(q.delayCor, o.corr.delayCorr, rng);
    initCrandom(q.lossCor, o.corr.lossCorr, rng);
    initCrandom(q.dupCor, o.corr.dupCorr, rng);
  }
  if (o.reorder) {
    q.reorder = o.reorder.probability;
    initCrandom(q.reorderCor, o.reorder.correlation, rng);
  }
  if (o.corrupt) {
    q.corrupt = o.corrupt.probability;
    initCrandom(q.corruptCor, o.corrupt.correlation, rng);
  }
  if (o.rate) {
    q.rate = o.rate.rate;
    q.packetOverhead = o.rate.packetOverhead;
    q.cellSize = o.rate.cellSize;
    q.cellOverhead = o.rate.cellOverhead;
  }
  if (o.rate64 !== undefined) q.rate = Math.max(q.rate, o.rate64);
  if (o.latency64 !== undefined) q.latency = o.latency64;
  if (o.jitter64 !== undefined) q.jitter = o.jitter64;
  if (o.ecn !== undefined) q.ecn = o.ecn;
  if (o.slot) getSlot(q, o.slot, k.clock.now());
  // Capping jitter to the range tabledist() accepts.
  q.jitter = Math.min(Math.abs(q.jitter), INT_MAX);
  return 0;
}

/** Linux: netem_init(). */
function netemInit(sch: Qdisc, opts: unknown, extack: { msg?: string }): number {
  sch.priv = new NetemSchedData(sch);
  if (!opts) return -EINVAL;
  return netemChange(sch, opts, extack);
}

/** Linux: netem_destroy(). */
function netemDestroy(sch: Qdisc): void {
  sch.dev.net.kernel.delTimer(priv(sch).watchdog);
}

/** Linux: netem_dump(): what `tc qdisc show` reads back. */
function netemDump(sch: Qdisc): NetemOptions {
  const q = priv(sch);
  const o: NetemOptions = {
    qopt: {
      latency: Math.min(Math.floor(q.latency / 64), U32_MAX),
      jitter: Math.min(Math.floor(q.jitter / 64), U32_MAX),
      limit: q.limit, loss: q.loss, gap: q.gap, duplicate: q.duplicate,
    },
    latency64: q.latency,
    jitter64: q.jitter,
    corr: { delayCorr: q.delayCor.rho, lossCorr: q.lossCor.rho, dupCorr: q.dupCor.rho },
    reorder: { probability: q.reorder, correlation: q.reorderCor.rho },
    corrupt: { probability: q.corrupt, correlation: q.corruptCor.rho },
    rate: {
      rate: q.rate >= TWO32 ? U32_MAX : q.rate, packetOverhead: q.packetOverhead,
      cellSize: q.cellSize, cellOverhead: q.cellOverhead,
    },
  };
  if (q.rate >= TWO32) o.rate64 = q.rate;
  if (q.ecn) o.ecn = q.ecn;
  const c = q.clg;
  if (q.lossModel === CLG_4_STATES) o.loss = [{ gi: { p13: c.a1, p31: c.a2, p32: c.a3, p14: c.a4, p23: c.a5 } }];
  else if (q.lossModel === CLG_GILB_ELL) o.loss = [{ ge: { p: c.a1, r: c.a2, h: c.a3, k1: c.a4 } }];
  const s = q.slotConfig;
  if (s.minDelay || s.maxDelay || s.distJitter) {
    o.slot = {
      ...s,
      maxPackets: s.maxPackets === INT_MAX ? 0 : s.maxPackets,
      maxBytes: s.maxBytes === INT_MAX ? 0 : s.maxBytes,
    };
  }
  return o;
}

export const netemOps: QdiscOps = {
  id: 'netem',
  enqueue: netemEnqueue,
  dequeue: netemDequeue,
  peek: netemPeek,
  init: netemInit,
  change: netemChange,
  reset: netemReset,
  destroy: netemDestroy,
  dump: netemDump,
};
