/**
 * IPv4 reassembly (Linux: net/ipv4/ip_fragment.c with the generic queue code of
 * net/ipv4/inet_fragment.c). Fragments wait in a queue keyed as Linux keys it
 * (saddr, daddr, id, protocol, defrag user, vif); the queue keeps them ordered in
 * "runs" (fragments that follow each other back to back), which is how Linux tells
 * an exact duplicate (inside a run: dropped alone, DUP_FRAG) from an overlap (the
 * whole datagram is dropped: ReasmOverlaps + ReasmFails; RFC 5722's rule, which
 * Linux applies to IPv4 too).
 *
 * Limits, as Linux 4.17+: when the namespace's fragment memory passes
 * net.ipv4.ipfrag_high_thresh no fragment is accepted at all (ReasmFails) until
 * queues complete or expire; ipfrag_low_thresh is kept as a sysctl but, as in
 * Linux since 4.17, no longer drives eviction. A queue lives ipfrag_time seconds
 * (ip_expire: ReasmTimeout + ReasmFails, and ICMP time exceeded / fragment
 * reassembly time exceeded when the first fragment arrived and the datagram was
 * for this host). ipfrag_max_dist bounds how many fragments from the same source
 * may arrive while a queue is open (ip_frag_too_far: the queue restarts).
 * A datagram that would exceed 65535 bytes ("ping of death") is dropped.
 *
 * Difference from Linux: the reassembled datagram is one new linear skb (Linux
 * chains the fragments as a frag_list on the head skb).
 */
import type { Kernel, Net } from '../core/net_namespace.js';
import {
  type SkBuff, allocSkb, kfreeSkbReason, skbPull, skbTrim, MAX_HEADER, CHECKSUM_NONE, CHECKSUM_UNNECESSARY,
} from '../core/skbuff.js';
import { TimerList } from '../core/timer.js';
import {
  SKB_DROP_REASON_NOT_SPECIFIED, SKB_DROP_REASON_DUP_FRAG, SKB_DROP_REASON_FRAG_REASM_TIMEOUT,
  SKB_DROP_REASON_FRAG_TOO_FAR, SKB_DROP_REASON_NOMEM,
} from '../core/drop_reason.js';
import {
  IPSTATS_MIB_REASMREQDS, IPSTATS_MIB_REASMFAILS, IPSTATS_MIB_REASMOKS, IPSTATS_MIB_REASMTIMEOUT,
  IPSTATS_MIB_REASM_OVERLAPS,
} from '../core/snmp.js';
import { skbOrphan } from '../core/sock.js';
import {
  IPH_FRAG_OFF, IPH_TOT_LEN, IPH_TOS, IPH_CHECK, IPH_SADDR, IPH_DADDR, IPH_ID, IPH_PROTOCOL, IP_DF, IP_MF, IP_OFFSET,
  INET_ECN_MASK, INET_ECN_CE, readU32,
} from '../wire/iphdr.js';
import { readU16, writeU16 } from '../wire/bytes.js';
import { ipFastCsum } from '../wire/checksum.js';
import { ICMP_TIME_EXCEEDED, ICMP_EXC_FRAGTIME } from '../wire/icmphdr.js';
import { RTN_LOCAL } from '../wire/route.js';
import { ipv4Net } from './netns_ipv4.js';
import { IPCB, IPSKB_FRAG_COMPLETE, IP_DEFRAG_AF_PACKET, IP_DEFRAG_CONNTRACK_IN } from './ip.js';
import { skbRtable } from './rtable.js';
import { ipRouteInputNoref } from './route_input.js';
import { icmpSend } from './icmp.js';

/* inet_frag_queue flags (Linux: INET_FRAG_*). */
export const INET_FRAG_FIRST_IN = 1;
export const INET_FRAG_LAST_IN = 2;
export const INET_FRAG_COMPLETE = 4;
export const INET_FRAG_DROP = 8;

/* ECN bits seen among fragments (Linux: IPFRAG_ECN_*) and ip_frag_ecn_table. */
const IPFRAG_ECN_NOT_ECT = 0x01;
const IPFRAG_ECN_ECT_1 = 0x02;
const IPFRAG_ECN_ECT_0 = 0x04;
const IPFRAG_ECN_CE = 0x08;
const IP_FRAG_ECN_TABLE: Uint8Array = (() => {
  const t = new Uint8Array(16);
  t[IPFRAG_ECN_CE | IPFRAG_ECN_ECT_0] = INET_ECN_CE;
  t[IPFRAG_ECN_CE | IPFRAG_ECN_ECT_1] = INET_ECN_CE;
  t[IPFRAG_ECN_CE | IPFRAG_ECN_ECT_0 | IPFRAG_ECN_ECT_1] = INET_ECN_CE;
  for (const x of [IPFRAG_ECN_CE, IPFRAG_ECN_ECT_0, IPFRAG_ECN_ECT_1, IPFRAG_ECN_ECT_0 | IPFRAG_ECN_ECT_1,
    IPFRAG_ECN_CE | IPFRAG_ECN_ECT_0, IPFRAG_ECN_CE | IPFRAG_ECN_ECT_1, IPFRAG_ECN_CE | IPFRAG_ECN_ECT_0 | IPFRAG_ECN_ECT_1]) {
    t[IPFRAG_ECN_NOT_ECT | x] = 0xff;
  }
  return t;
})();

/** A run of back-to-back fragments (Linux: the rb-tree node with FRAG_CB(skb)->frag_run_len). */
class FragRun {
  constructor(public start: number, public end: number, public readonly skbs: SkBuff[], public readonly offsets: number[]) {}
}

/** Linux: struct ipq (with its struct inet_frag_queue). */
export class Ipq {
  /** Runs ordered by offset. */
  runs: FragRun[] = [];
  flags = 0;
  /** Total length of the datagram payload, known once the last fragment arrived. */
  len = 0;
  /** Bytes received so far. */
  meat = 0;
  /** Memory charged (sum of truesize). */
  mem = 0;
  iif = 0;
  maxSize = 0;
  maxDfSize = 0;
  ecn = 0;
  /** Fragments seen from the peer when this queue last counted (ip_frag_too_far). */
  rid = 0;
  readonly timer: TimerList;
  constructor(
    readonly fqdir: IpFqdir,
    readonly saddr: number,
    readonly daddr: number,
    readonly id: number,
    readonly protocol: number,
    readonly user: number,
    readonly vif: number,
    readonly hash: number,
  ) {
    this.timer = new TimerList(ipExpireTimer);
    (this.timer as TimerList & { ipq?: Ipq }).ipq = this;
  }
}

/** Per-namespace reassembly state (Linux: struct fqdir for IPv4). */
export class IpFqdir {
  /** Queues by hash bucket (numeric keys; collisions resolved by comparing the key). */
  readonly queues = new Map<number, Ipq[]>();
  /** Memory of all queued fragments (Linux: fqdir->mem). */
  mem = 0;
  nqueues = 0;
  /** Fragments received per source address (Linux: inet_peer->rid). */
  readonly peerRid = new Map<number, number>();
  constructor(readonly net: Net) {}
}

/** The namespace's reassembly state. */
function fqdirOf(net: Net): IpFqdir {
  return ipv4Net(net).ipfrag;
}

function ipqHash(saddr: number, daddr: number, id: number, protocol: number, user: number, vif: number): number {
  let h = Math.imul(saddr ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ daddr ^ (h >>> 15), 0xc2b2ae35);
  h = Math.imul(h ^ ((id << 16) | (protocol << 8) | user) ^ (h >>> 13), 0x27d4eb2f);
  return (h ^ vif ^ (h >>> 16)) >>> 0;
}

/** Linux: ip_find() / inet_frag_find(): the queue for this fragment, created if needed; null over the limit. */
function ipFind(net: Net, buf: Uint8Array, nh: number, user: number, vif: number): Ipq | null {
  const fq = fqdirOf(net);
  const sysctl = ipv4Net(net).sysctl;
  const high = sysctl.ipfragHighThresh;
  if (high === 0 || fq.mem > high) return null;
  const saddr = readU32(buf, nh + IPH_SADDR);
  const daddr = readU32(buf, nh + IPH_DADDR);
  const id = readU16(buf, nh + IPH_ID);
  const protocol = buf[nh + IPH_PROTOCOL]!;
  const hash = ipqHash(saddr, daddr, id, protocol, user, vif);
  let bucket = fq.queues.get(hash);
  if (bucket) {
    for (const q of bucket) {
      if (q.saddr === saddr && q.daddr === daddr && q.id === id && q.protocol === protocol && q.user === user && q.vif === vif) return q;
    }
  } else {
    bucket = [];
    fq.queues.set(hash, bucket);
  }
  const q = new Ipq(fq, saddr, daddr, id, protocol, user, vif, hash);
  if (sysctl.ipfragMaxDist !== 0) q.rid = fq.peerRid.get(saddr) ?? 0;
  bucket.push(q);
  fq.nqueues++;
  const k = net.kernel;
  k.modTimer(q.timer, k.clock.now() + sysctl.ipfragTime * 1e9);
  return q;
}

/** Free every fragment of a queue (Linux: inet_frag_rbtree_purge). */
function purgeFragments(q: Ipq, reason: number): void {
  for (const run of q.runs) for (const skb of run.skbs) kfreeSkbReason(skb, reason);
  q.runs = [];
  q.fqdir.mem -= q.mem;
  q.mem = 0;
}

/** Linux: inet_frag_kill() + destroy: unhash, stop the timer, free what is queued. */
function ipqKill(q: Ipq, reason = SKB_DROP_REASON_FRAG_REASM_TIMEOUT): void {
  if (q.flags & INET_FRAG_COMPLETE) return;
  q.flags |= INET_FRAG_COMPLETE;
  const fq = q.fqdir;
  fq.net.kernel.delTimer(q.timer);
  const bucket = fq.queues.get(q.hash);
  if (bucket) {
    const i = bucket.indexOf(q);
    if (i >= 0) bucket.splice(i, 1);
    if (bucket.length === 0) fq.queues.delete(q.hash);
  }
  fq.nqueues--;
  purgeFragments(q, reason);
}

/** Linux: frag_expire_skip_icmp(): packet-socket and conntrack users answer only for local routes. */
function fragExpireSkipIcmp(user: number): boolean {
  return user === IP_DEFRAG_AF_PACKET || user === IP_DEFRAG_CONNTRACK_IN;
}

function ipExpireTimer(t: TimerList): void {
  ipExpire((t as TimerList & { ipq: Ipq }).ipq);
}

/** Linux: ip_expire(): the reassembly timer ran out. */
function ipExpire(q: Ipq): void {
  if (q.flags & INET_FRAG_COMPLETE) return;
  const net = q.fqdir.net;
  const mib = ipv4Net(net).mib.ip;
  q.flags |= INET_FRAG_DROP;
  // Keep the head fragment for the ICMP error; free the rest with the queue.
  let head: SkBuff | null = null;
  if (q.flags & INET_FRAG_FIRST_IN && q.runs.length > 0) {
    const run = q.runs[0]!;
    head = run.skbs.shift()!;
    run.offsets.shift();
    q.mem -= head.truesize;
    q.fqdir.mem -= head.truesize;
  }
  ipqKill(q);
  mib[IPSTATS_MIB_REASMFAILS]!++;
  mib[IPSTATS_MIB_REASMTIMEOUT]!++;
  if (head === null) return;
  let reason = SKB_DROP_REASON_NOT_SPECIFIED;
  const dev = net.devGetByIndex(q.iif);
  if (dev !== null) {
    head.dev = dev;
    // The head's data was pulled past its IP header when it was queued.
    head.data = head.networkHeader;
    const b = head.buf;
    const nh = head.networkHeader;
    const rr = ipRouteInputNoref(head, readU32(b, nh + IPH_DADDR), readU32(b, nh + IPH_SADDR), b[nh + IPH_TOS]! & 0xfc, dev);
    if (rr === 0) {
      reason = SKB_DROP_REASON_FRAG_REASM_TIMEOUT;
      const rt = skbRtable(head);
      // RFC 792: only an end host sends "fragment reassembly time exceeded".
      if (!(fragExpireSkipIcmp(q.user) && (rt === null || rt.rtType !== RTN_LOCAL))) {
        icmpSend(head, ICMP_TIME_EXCEEDED, ICMP_EXC_FRAGTIME, 0);
      }
    }
  }
  kfreeSkbReason(head, reason);
}

/** Linux: ip_frag_too_far(). */
function ipFragTooFar(q: Ipq): boolean {
  const fq = q.fqdir;
  const max = ipv4Net(fq.net).sysctl.ipfragMaxDist;
  if (max === 0) return false;
  const start = q.rid;
  const end = ((fq.peerRid.get(q.saddr) ?? 0) + 1) >>> 0;
  fq.peerRid.set(q.saddr, end);
  q.rid = end;
  const rc = q.runs.length > 0 && ((end - start) >>> 0) > max;
  if (rc) ipv4Net(fq.net).mib.ip[IPSTATS_MIB_REASMFAILS]!++;
  return rc;
}

/** Linux: ip_frag_reinit(): start the queue over (fragments freed, timer restarted). */
function ipFragReinit(q: Ipq): void {
  const k = q.fqdir.net.kernel;
  k.modTimer(q.timer, k.clock.now() + ipv4Net(q.fqdir.net).sysctl.ipfragTime * 1e9);
  purgeFragments(q, SKB_DROP_REASON_FRAG_TOO_FAR);
  q.flags = 0;
  q.len = 0;
  q.meat = 0;
  q.maxSize = 0;
  q.maxDfSize = 0;
  q.ecn = 0;
  q.iif = 0;
}

const IPFRAG_OK = 0;
const IPFRAG_DUP = 1;
const IPFRAG_OVERLAP = 2;

/** Linux: inet_frag_queue_insert(). */
function fragQueueInsert(q: Ipq, skb: SkBuff, offset: number, end: number): number {
  const runs = q.runs;
  const last = runs.length > 0 ? runs[runs.length - 1]! : null;
  if (last === null || last.end <= offset) {
    // The common case: in order. Extend the last run when it ends exactly here.
    if (last !== null && last.end === offset) {
      last.skbs.push(skb);
      last.offsets.push(offset);
      last.end = end;
    } else {
      runs.push(new FragRun(offset, end, [skb], [offset]));
    }
    return IPFRAG_OK;
  }
  // Binary search over runs: the new fragment can become the first, never the last.
  let lo = 0;
  let hi = runs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = runs[mid]!;
    if (end <= r.start) hi = mid - 1;
    else if (offset >= r.end) lo = mid + 1;
    else if (offset >= r.start && end <= r.end) return IPFRAG_DUP;
    else return IPFRAG_OVERLAP;
  }
  runs.splice(lo, 0, new FragRun(offset, end, [skb], [offset]));
  return IPFRAG_OK;
}

/**
 * Linux: ip_frag_queue(). Returns the reassembled datagram when this fragment
 * completed it, otherwise null (the skb is queued or freed).
 */
function ipFragQueue(q: Ipq, skb: SkBuff): SkBuff | null {
  const net = q.fqdir.net;
  const mib = ipv4Net(net).mib.ip;
  let reason = SKB_DROP_REASON_NOT_SPECIFIED;
  if (q.flags & INET_FRAG_COMPLETE) {
    kfreeSkbReason(skb, SKB_DROP_REASON_DUP_FRAG);
    return null;
  }
  if (!(IPCB(skb).flags & IPSKB_FRAG_COMPLETE) && ipFragTooFar(q)) ipFragReinit(q);

  const b = skb.buf;
  const nh = skb.networkHeader;
  const tos = b[nh + IPH_TOS]!;
  const ecn = 1 << (tos & INET_ECN_MASK);
  const fragOff = readU16(b, nh + IPH_FRAG_OFF);
  const flags = fragOff & ~IP_OFFSET;
  const offset = (fragOff & IP_OFFSET) << 3;
  const ihl = (b[nh]! & 0x0f) * 4;
  let end = offset + skb.len - (nh - skb.data) - ihl;

  discard: {
    if ((flags & IP_MF) === 0) {
      // The last fragment: it fixes the length, which must agree with what we have.
      if (end < q.len || ((q.flags & INET_FRAG_LAST_IN) !== 0 && end !== q.len)) break discard;
      q.flags |= INET_FRAG_LAST_IN;
      q.len = end;
    } else {
      if (end & 7) {
        end &= ~7;
        if (skb.ipSummed !== CHECKSUM_UNNECESSARY) skb.ipSummed = CHECKSUM_NONE;
      }
      if (end > q.len) {
        // Data past the end of a datagram whose last fragment we have: corrupt.
        if (q.flags & INET_FRAG_LAST_IN) break discard;
        q.len = end;
      }
    }
    if (end === offset) break discard;
    reason = SKB_DROP_REASON_NOMEM;
    if (skbPull(skb, nh - skb.data + ihl) < 0) break discard;
    skbTrim(skb, end - offset);
    reason = SKB_DROP_REASON_NOT_SPECIFIED;
    const dev = skb.dev;
    const r = fragQueueInsert(q, skb, offset, end);
    if (r === IPFRAG_DUP) {
      kfreeSkbReason(skb, SKB_DROP_REASON_DUP_FRAG);
      return null;
    }
    if (r === IPFRAG_OVERLAP) {
      mib[IPSTATS_MIB_REASM_OVERLAPS]!++;
      break discard;
    }
    if (dev !== null) q.iif = dev.ifindex;
    q.meat += skb.len;
    q.ecn |= ecn;
    q.mem += skb.truesize;
    q.fqdir.mem += skb.truesize;
    if (offset === 0) q.flags |= INET_FRAG_FIRST_IN;
    const fragsize = skb.len + ihl;
    if (fragsize > q.maxSize) q.maxSize = fragsize;
    if ((fragOff & IP_DF) !== 0 && fragsize > q.maxDfSize) q.maxDfSize = fragsize;
    if (q.flags === (INET_FRAG_FIRST_IN | INET_FRAG_LAST_IN) && q.meat === q.len) {
      const out = ipFragReasm(q, skb);
      ipqKill(q, SKB_DROP_REASON_NOT_SPECIFIED);
      return out;
    }
    skb.dst = null;
    return null;
  }
  // discard_qp: the whole datagram goes.
  ipqKill(q, SKB_DROP_REASON_NOT_SPECIFIED);
  mib[IPSTATS_MIB_REASMFAILS]!++;
  kfreeSkbReason(skb, reason);
  return null;
}

/**
 * Linux: ip_frag_reasm(): build the datagram from the queue. `last` is the fragment
 * that completed it (its dst and device are kept, as Linux keeps them). Returns null
 * on failure (oversized or bad ECN mix: ReasmFails; the queue is killed by the caller).
 */
function ipFragReasm(q: Ipq, last: SkBuff): SkBuff | null {
  const net = q.fqdir.net;
  const mib = ipv4Net(net).mib.ip;
  const ecn = IP_FRAG_ECN_TABLE[q.ecn]!;
  if (ecn === 0xff) {
    mib[IPSTATS_MIB_REASMFAILS]!++;
    return null;
  }
  const headSkb = q.runs[0]!.skbs[0]!;
  const hb = headSkb.buf;
  const hnh = headSkb.networkHeader;
  const ihl = (hb[hnh]! & 0x0f) * 4;
  const len = ihl + q.len;
  if (len > 65535) {
    // "Oversized IP packet from %pI4" (ping of death).
    mib[IPSTATS_MIB_REASMFAILS]!++;
    return null;
  }
  const skb = allocSkb(MAX_HEADER + len);
  skb.data = skb.tail = MAX_HEADER;
  const b = skb.buf;
  const nh = skb.data;
  b.set(hb.subarray(hnh, hnh + ihl), nh);
  for (const run of q.runs) {
    for (let i = 0; i < run.skbs.length; i++) {
      const f = run.skbs[i]!;
      b.set(f.buf.subarray(f.data, f.tail), nh + ihl + run.offsets[i]!);
    }
  }
  skb.tail = nh + len;
  skb.networkHeader = nh;
  skb.transportHeader = nh + ihl;
  skb.macHeader = -1;
  skb.dev = last.dev;
  skb.protocol = last.protocol;
  skb.pktType = last.pktType;
  skb.mark = headSkb.mark;
  skb.priority = headSkb.priority;
  skb.skbIif = last.skbIif;
  skb.tstamp = last.tstamp;
  skb.ipSummed = CHECKSUM_NONE;
  skb.dst = last.dst;
  const cb = IPCB(skb);
  const hcb = IPCB(headSkb);
  cb.iif = hcb.iif;
  cb.opt = hcb.opt;
  cb.flags = hcb.flags | IPSKB_FRAG_COMPLETE;
  cb.fragMaxSize = Math.max(q.maxDfSize, q.maxSize);
  writeU16(b, nh + IPH_TOT_LEN, len);
  writeU16(b, nh + IPH_FRAG_OFF, q.maxDfSize === q.maxSize ? IP_DF : 0);
  b[nh + IPH_TOS] = b[nh + IPH_TOS]! | ecn;
  writeU16(b, nh + IPH_CHECK, 0);
  writeU16(b, nh + IPH_CHECK, ipFastCsum(b, nh, ihl >> 2));
  mib[IPSTATS_MIB_REASMOKS]!++;
  return skb;
}

/**
 * Linux: ip_defrag(). `skb.data` and `skb.networkHeader` point at the fragment's IP
 * header. Returns the whole datagram (data at its IP header, transport header set)
 * when this fragment completed it; otherwise null and the skb is queued or freed.
 */
export function ipDefrag(net: Net, skb: SkBuff, user: number): SkBuff | null {
  const mib = ipv4Net(net).mib.ip;
  mib[IPSTATS_MIB_REASMREQDS]!++;
  skbOrphan(skb);
  const q = ipFind(net, skb.buf, skb.networkHeader, user, 0);
  if (q !== null) return ipFragQueue(q, skb);
  mib[IPSTATS_MIB_REASMFAILS]!++;
  kfreeSkbReason(skb, SKB_DROP_REASON_NOMEM);
  return null;
}

/** Reassembly memory in use in `net` (Linux: frag_mem_limit(), for /proc/net/sockstat FRAG). */
export function ipFragMem(net: Net): { inuse: number; memory: number } {
  const fq = fqdirOf(net);
  return { inuse: fq.nqueues, memory: fq.mem };
}

/** Linux: ipfrag_init(): per-namespace reassembly state; a dying namespace frees its queues. */
export function ipfragInit(k: Kernel): void {
  k.registerPernetSubsys({
    name: 'ipfrag',
    init: (net) => { ipv4Net(net).ipfrag = new IpFqdir(net); },
    exit: (net) => {
      const fq = fqdirOf(net);
      for (const bucket of [...fq.queues.values()]) for (const q of [...bucket]) ipqKill(q);
    },
  });
}
