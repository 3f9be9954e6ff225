/**
 * The SACK scoreboard (Linux: tcp_sacktag_write_queue() and its helpers in
 * net/ipv4/tcp_input.c; RFC 2018 SACK, RFC 2883 D-SACK, RFC 3708 D-SACK use).
 *
 * The scoreboard is the retransmission queue `tp.rtxQueue` (sent, unacknowledged skbs in
 * sequence order) with the TCPCB_SACKED_ACKED / TCPCB_SACKED_RETRANS / TCPCB_LOST bits in
 * each skb's `TcpSkbCb.sacked`, counted in `tp.sackedOut` / `tp.retransOut` / `tp.lostOut`.
 * An incoming ACK's SACK blocks are validated (tcp_is_sackblock_valid), the first one checked
 * for D-SACK (tcp_check_dsack), the rest sorted and walked over the queue, tagging the skbs
 * they cover (tcp_sacktag_one), detecting reordering (a never-retransmitted hole below the
 * highest SACK got SACKed: TCPSACKReorder) and feeding RACK (tcp_rack_advance) and the
 * delivery-rate sampler (tcp_rate_skb_delivered).
 *
 * Differences from Linux: the queue is a list, not an rbtree (tcp_sacktag_bsearch is a walk
 * from the current position); skbs are always one segment (no GSO here, so pcount is 1 and
 * tcp_match_skb_to_sack never fragments); Linux merges newly SACKed skbs into their SACKed
 * predecessor (tcp_shift_skb_data: SACKShifted/SACKMerged) — tuxnet keeps them apart, which
 * changes nothing on the wire, but those two counters stay 0.
 */
import type { SkBuff } from '../core/skbuff.js';
import { ipv4Net } from './netns_ipv4.js';
import {
  LINUX_MIB_TCPDSACKRECV, LINUX_MIB_TCPDSACKOFORECV, LINUX_MIB_TCPDSACKIGNOREDDUBIOUS, LINUX_MIB_TCPDSACKRECVSEGS,
  LINUX_MIB_TCPDSACKIGNOREDNOUNDO, LINUX_MIB_TCPDSACKIGNOREDOLD, LINUX_MIB_TCPSACKDISCARD, LINUX_MIB_TCPTSREORDER,
  LINUX_MIB_TCPSACKREORDER,
} from '../core/snmp.js';
import { RateSample, TCP_SKB_CB, TcpSackBlock, type TcpSock } from './tcp_sock.js';
import {
  after, before, TCP_NUM_SACKS, TCP_CA_Loss, TCPCB_RETRANS, TCPCB_SACKED_ACKED, TCPCB_SACKED_RETRANS, TCPCB_LOST,
  FLAG_DSACK_TLP, FLAG_DSACKING_ACK, FLAG_ORIG_SACK_ACKED, FLAG_DATA_SACKED,
} from './tcp_defs.js';
import { tcpRateSkbDelivered } from './tcp_rate.js';
import { tcpRackAdvance } from './tcp_recovery.js';

/** Linux: TCPOLEN_SACK_BASE (kind + length). */
const TCPOLEN_SACK_BASE = 2;
/** Linux: TCP_DSACK_SEEN in rx_opt.sack_ok: the peer sent a D-SACK. */
export const TCP_DSACK_SEEN = 1 << 2;
/** Linux: TCP_SACK_SEEN (rx_opt.sack_ok bit 0: the peer is SACK capable). */
export const TCP_SACK_SEEN = 1 << 0;

/** Linux: struct tcp_sacktag_state (filled by tcp_sacktag_write_queue and tcp_clean_rtx_queue). */
export class TcpSacktagState {
  /**
   * µs send times of the earliest and latest never-retransmitted skb newly SACKed (0 = none):
   * the RTO takes the earliest RTT, congestion control the latest.
   */
  firstSackt = 0;
  lastSackt = 0;
  /** Lowest sequence newly (S)ACKed out of order (reordering detection). */
  reord = 0;
  /** Packets newly SACKed, including D-SACKed spurious retransmissions (Linux: sack_delivered). */
  sackDelivered = 0;
  /** FLAG_* collected. */
  flag = 0;
  /** Linux: mss_now (tcp_current_mss at the start of the walk). */
  mssNow = 0;
  /** The ACK's rate sample (Linux: state->rate points at tcp_ack's rs). */
  rate: RateSample = new RateSample();
}

/** Linux: tcp_highest_sack_seq(): start of the skb after the highest SACKed one. */
export function tcpHighestSackSeq(tp: TcpSock): number {
  if (!tp.sackedOut) return tp.sndUna;
  if (tp.highestSack === null) return tp.sndNxt;
  return TCP_SKB_CB(tp.highestSack).seq;
}

/** Linux: tcp_highest_sack_reset(). */
export function tcpHighestSackReset(tp: TcpSock): void {
  tp.highestSack = tp.rtxQueue.peek();
}

/** Linux: tcp_advance_highest_sack(): the skb after `skb` (null at the end). */
export function tcpAdvanceHighestSack(tp: TcpSock, skb: SkBuff): void {
  tp.highestSack = skb.next;
}

/** Linux: tcp_highest_sack_replace(): called when `old` leaves the queue. */
export function tcpHighestSackReplace(tp: TcpSock, old: SkBuff, next: SkBuff | null): void {
  if (old === tp.highestSack) tp.highestSack = next;
}

/**
 * Linux: tcp_is_sackblock_valid(). A SACK block must lie in (snd_una, snd_nxt]; a D-SACK
 * block may also lie below snd_una, down to undo_marker (or cross it by at most max_window).
 */
export function tcpIsSackblockValid(tp: TcpSock, isDsack: boolean, startSeq: number, endSeq: number): boolean {
  /* Too far in future, or reversed (interpretation is ambiguous). */
  if (after(endSeq, tp.sndNxt) || !before(startSeq, endSeq)) return false;
  /* Nasty start_seq wrap-around check. */
  if (!before(startSeq, tp.sndNxt)) return false;
  /* In outstanding window? Valid for D-SACKs too; start_seq == snd_una is nonsensical. */
  if (after(startSeq, tp.sndUna)) return true;
  if (!isDsack || !tp.undoMarker) return false;
  /* ...then it is a D-SACK, and must reside below snd_una completely. */
  if (after(endSeq, tp.sndUna)) return false;
  if (!before(startSeq, tp.undoMarker)) return true;
  /* Too old. */
  if (!after(endSeq, tp.undoMarker)) return false;
  /* Undo_marker boundary crossing (overestimates a lot). */
  return !before(startSeq, (endSeq - tp.maxWindow) >>> 0);
}

/**
 * Linux: tcp_dsack_seen(): note a D-SACK; returns the duplicate segments it reports, or 0
 * for a dubious one (larger than the peer's window, or more D-SACKed than we retransmitted).
 */
function tcpDsackSeen(tp: TcpSock, startSeq: number, endSeq: number, state: TcpSacktagState): number {
  let dupSegs = 1;
  if (!before(startSeq, endSeq)) return 0;
  const seqLen = (endSeq - startSeq) >>> 0;
  /* Dubious DSACK: DSACKed range greater than maximum advertised rwnd. */
  if (seqLen > tp.maxWindow) return 0;
  if (seqLen > tp.mssCache) dupSegs = Math.ceil(seqLen / tp.mssCache);
  else if (tp.tlpHighSeq && tp.tlpHighSeq === endSeq) state.flag |= FLAG_DSACK_TLP;
  tp.dsackDups += dupSegs;
  /* Skip the DSACK if dup segs weren't retransmitted by sender. */
  if (tp.dsackDups > tp.totalRetrans) return 0;
  tp.rxOpt.sackOk |= TCP_DSACK_SEEN;
  /* RACK widens its reordering window in rounds with D-SACKs that may come from reordering
   * (not from TLP probes, which are timer-driven). */
  if (tp.reordSeen && !(state.flag & FLAG_DSACK_TLP)) tp.rackDsackSeen = true;
  state.flag |= FLAG_DSACKING_ACK;
  /* A spurious retransmission is delivered. */
  state.sackDelivered += dupSegs;
  return dupSegs;
}

/**
 * Linux: tcp_check_dsack(): is the first block a D-SACK (RFC 2883: below the cumulative ACK,
 * or inside the second block)? Counts TCPDSACKRecv / TCPDSACKOfoRecv.
 */
function tcpCheckDsack(sk: TcpSock, ackSeq: number, sp: TcpSackBlock[], numSacks: number, priorSndUna: number,
  state: TcpSacktagState): boolean {
  const tp = sk;
  const mib = ipv4Net(sk.net).mib.net;
  const startSeq0 = sp[0].startSeq;
  const endSeq0 = sp[0].endSeq;
  if (before(startSeq0, ackSeq)) {
    mib[LINUX_MIB_TCPDSACKRECV]++;
  } else if (numSacks > 1) {
    const endSeq1 = sp[1].endSeq;
    const startSeq1 = sp[1].startSeq;
    if (after(endSeq0, endSeq1) || before(startSeq0, startSeq1)) return false;
    mib[LINUX_MIB_TCPDSACKOFORECV]++;
  } else {
    return false;
  }
  const dupSegs = tcpDsackSeen(tp, startSeq0, endSeq0, state);
  if (!dupSegs) {
    mib[LINUX_MIB_TCPDSACKIGNOREDDUBIOUS]++;
    return false;
  }
  mib[LINUX_MIB_TCPDSACKRECVSEGS] += dupSegs;
  /* D-SACK for already forgotten data... Do dumb counting. */
  if (tp.undoMarker && tp.undoRetrans > 0 && !after(endSeq0, priorSndUna) && after(endSeq0, tp.undoMarker)) {
    tp.undoRetrans = Math.max(0, tp.undoRetrans - dupSegs);
  }
  return true;
}

/**
 * Linux: tcp_check_sack_reordering(): a never-retransmitted sequence `lowSeq` below the
 * highest SACK was delivered late: reordering. The degree (tp.reordering, in MSS-sized
 * packets) grows to the distance, capped by tcp_max_reordering. `ts`: detected by timestamps
 * (TCPTSReorder) rather than SACK (TCPSACKReorder).
 */
export function tcpCheckSackReordering(sk: TcpSock, lowSeq: number, ts: boolean): void {
  const tp = sk;
  const mss = tp.mssCache;
  const fack = tcpHighestSackSeq(tp);
  if (!before(lowSeq, fack)) return;
  const metric = (fack - lowSeq) >>> 0;
  const net = ipv4Net(sk.net);
  if (metric > tp.reordering * mss && mss) {
    tp.reordering = Math.min(Math.floor((metric + mss - 1) / mss), net.sysctl.tcpMaxReordering);
  }
  /* This exciting event is worth to be remembered. 8) */
  tp.reordSeen++;
  net.mib.net[ts ? LINUX_MIB_TCPTSREORDER : LINUX_MIB_TCPSACKREORDER]++;
}

/**
 * Linux: tcp_sacktag_one(): tag the newly SACKed range [startSeq, endSeq) of one skb whose
 * bits are `sacked`; returns the new bits. Adjusts the counters, RACK and the RTT samples.
 */
function tcpSacktagOne(sk: TcpSock, state: TcpSacktagState, sacked: number, startSeq: number, endSeq: number,
  dupSack: boolean, pcount: number, xmitTime: number): number {
  const tp = sk;
  /* Account D-SACK for retransmitted packet. */
  if (dupSack && (sacked & TCPCB_RETRANS)) {
    if (tp.undoMarker && tp.undoRetrans > 0 && after(endSeq, tp.undoMarker)) {
      tp.undoRetrans = Math.max(0, tp.undoRetrans - pcount);
    }
    if ((sacked & TCPCB_SACKED_ACKED) && before(startSeq, state.reord)) state.reord = startSeq;
  }
  /* Nothing to do; acked frame is about to be dropped (was ACKed). */
  if (!after(endSeq, tp.sndUna)) return sacked;

  if (!(sacked & TCPCB_SACKED_ACKED)) {
    tcpRackAdvance(tp, sacked, endSeq, xmitTime);
    if (sacked & TCPCB_SACKED_RETRANS) {
      /* If the segment is not tagged as lost, we do not clear RETRANS, believing that the
       * retransmission is still in flight. */
      if (sacked & TCPCB_LOST) {
        sacked &= ~(TCPCB_LOST | TCPCB_SACKED_RETRANS);
        tp.lostOut -= pcount;
        tp.retransOut -= pcount;
      }
    } else {
      if (!(sacked & TCPCB_RETRANS)) {
        /* New sack for not retransmitted frame, which was in hole. It is reordering. */
        if (before(startSeq, tcpHighestSackSeq(tp)) && before(startSeq, state.reord)) state.reord = startSeq;
        if (!after(endSeq, tp.highSeq)) state.flag |= FLAG_ORIG_SACK_ACKED;
        if (state.firstSackt === 0) state.firstSackt = xmitTime;
        state.lastSackt = xmitTime;
      }
      if (sacked & TCPCB_LOST) {
        sacked &= ~TCPCB_LOST;
        tp.lostOut -= pcount;
      }
    }
    sacked |= TCPCB_SACKED_ACKED;
    state.flag |= FLAG_DATA_SACKED;
    tp.sackedOut += pcount;
    /* Out-of-order packets delivered. */
    state.sackDelivered += pcount;
  }
  /* D-SACK. We can detect redundant retransmission in S|R and plain R frames and clear it. */
  if (dupSack && (sacked & TCPCB_SACKED_RETRANS)) {
    sacked &= ~TCPCB_SACKED_RETRANS;
    tp.retransOut -= pcount;
  }
  return sacked;
}

/** Linux: tcp_match_skb_to_sack() for one-segment skbs: 1 when the skb lies inside the block. */
function tcpMatchSkbToSack(skb: SkBuff, startSeq: number, endSeq: number): number {
  const scb = TCP_SKB_CB(skb);
  return !after(startSeq, scb.seq) && !before(endSeq, scb.endSeq) ? 1 : 0;
}

/**
 * Linux: tcp_sacktag_walk(): tag the skbs from `skb` on that lie in [startSeq, endSeq);
 * `nextDup` is a D-SACK block to apply on the way. Returns where the walk stopped.
 */
function tcpSacktagWalk(skb: SkBuff | null, sk: TcpSock, nextDup: TcpSackBlock | null, state: TcpSacktagState,
  startSeq: number, endSeq: number, dupSackIn: boolean): SkBuff | null {
  const tp = sk;
  for (; skb; skb = skb.next) {
    const scb = TCP_SKB_CB(skb);
    let inSack = 0;
    let dupSack = dupSackIn;
    /* Queue is in order: we can short-circuit the walk early. */
    if (!before(scb.seq, endSeq)) break;
    if (nextDup && before(scb.seq, nextDup.endSeq)) {
      inSack = tcpMatchSkbToSack(skb, nextDup.startSeq, nextDup.endSeq);
      if (inSack > 0) dupSack = true;
    }
    /* Linux first tries tcp_shift_skb_data() (merge into a SACKed predecessor); see header. */
    if (inSack <= 0) inSack = tcpMatchSkbToSack(skb, startSeq, endSeq);
    if (inSack) {
      scb.sacked = tcpSacktagOne(sk, state, scb.sacked, scb.seq, scb.endSeq, dupSack, scb.pcount, scb.txMstamp);
      tcpRateSkbDelivered(sk, skb, state.rate);
      if (!before(scb.seq, tcpHighestSackSeq(tp))) tcpAdvanceHighestSack(tp, skb);
    }
  }
  return skb;
}

/**
 * Linux: tcp_sacktag_bsearch(): the skb holding `seq`, or null. A list walk here, not a tree
 * search: it starts from the closest known skb at or below `seq` among the walk position,
 * highest_sack and the retransmit hint, else from the head.
 */
function tcpSacktagBsearch(sk: TcpSock, from: SkBuff | null, seq: number): SkBuff | null {
  const tp = sk;
  let skb = tp.rtxQueue.peek();
  if (!skb || before(seq, TCP_SKB_CB(skb).seq)) return null;
  skb = closerStart(skb, from, seq);
  /* The hints are only trusted while they are still unacknowledged (on the queue). */
  const h = tp.highestSack;
  if (h && after(TCP_SKB_CB(h).endSeq, tp.sndUna)) skb = closerStart(skb, h, seq);
  const r = tp.retransmitSkbHint;
  if (r && after(TCP_SKB_CB(r).endSeq, tp.sndUna)) skb = closerStart(skb, r, seq);
  for (; skb; skb = skb.next) {
    const scb = TCP_SKB_CB(skb);
    if (before(seq, scb.seq)) return null;
    if (before(seq, scb.endSeq)) return skb;
  }
  return null;
}

/** `cand` if it is a later start than `cur` and still at or below `seq` (both on the queue). */
function closerStart(cur: SkBuff, cand: SkBuff | null, seq: number): SkBuff {
  if (cand === null) return cur;
  const s = TCP_SKB_CB(cand).seq;
  return !after(s, seq) && after(s, TCP_SKB_CB(cur).seq) ? cand : cur;
}

/** Linux: tcp_sacktag_skip(). */
function tcpSacktagSkip(skb: SkBuff | null, sk: TcpSock, skipToSeq: number): SkBuff | null {
  if (skb && after(TCP_SKB_CB(skb).seq, skipToSeq)) return skb;
  return tcpSacktagBsearch(sk, skb, skipToSeq);
}

/** Linux: tcp_maybe_skipping_dsack(). */
function tcpMaybeSkippingDsack(skb: SkBuff | null, sk: TcpSock, nextDup: TcpSackBlock | null,
  state: TcpSacktagState, skipToSeq: number): SkBuff | null {
  if (!nextDup) return skb;
  if (before(nextDup.startSeq, skipToSeq)) {
    skb = tcpSacktagSkip(skb, sk, nextDup.startSeq);
    skb = tcpSacktagWalk(skb, sk, null, state, nextDup.startSeq, nextDup.endSeq, true);
  }
  return skb;
}

/**
 * Scratch SACK blocks of one call (Linux: the on-stack sp[] and the wire blocks): reused by
 * every call, never kept across calls (the packet path is synchronous and not reentrant).
 */
const spScratch = [new TcpSackBlock(), new TcpSackBlock(), new TcpSackBlock(), new TcpSackBlock()];
const wireScratch = [new TcpSackBlock(), new TcpSackBlock(), new TcpSackBlock(), new TcpSackBlock()];

/** Big-endian u32 at buf[off]. */
function be32(buf: Uint8Array, off: number): number {
  return ((buf[off] << 24) | (buf[off + 1] << 16) | (buf[off + 2] << 8) | buf[off + 3]) >>> 0;
}

/**
 * Linux: tcp_sacktag_write_queue(). Processes the SACK option of the ACK `ackSkb`:
 * `TCP_SKB_CB(ackSkb).sacked` is the offset of the option (its kind byte) from the TCP header
 * at `ackSkb.transportHeader`, as Linux's tcp_parse_options leaves it (0: no SACK option).
 * `TCP_SKB_CB(ackSkb).ackSeq` is the ACK number. Returns the FLAG_* bits (also in state.flag).
 * The caller (tcp_ack) sets state.firstSackt = 0, state.sackDelivered = 0 and state.rate.
 */
export function tcpSacktagWriteQueue(sk: TcpSock, ackSkb: SkBuff, priorSndUna: number, state: TcpSacktagState): number {
  const tp = sk;
  const ackCb = TCP_SKB_CB(ackSkb);
  const buf = ackSkb.buf;
  const ptr = ackSkb.transportHeader + ackCb.sacked;
  let numSacks = 0;
  if (ackCb.sacked && ptr + 1 < ackSkb.tail) {
    numSacks = Math.min(TCP_NUM_SACKS, (buf[ptr + 1] - TCPOLEN_SACK_BASE) >> 3);
    /* Never read past the segment (the option was length-checked by tcp_parse_options). */
    while (numSacks > 0 && ptr + 2 + numSacks * 8 > ackSkb.tail) numSacks--;
    if (numSacks < 0) numSacks = 0;
  }
  const sp = spScratch;
  /* The wire blocks, in arrival order (Linux: sp_wire[]). */
  const wire = wireScratch;
  for (let i = 0; i < numSacks; i++) {
    wire[i].startSeq = be32(buf, ptr + 2 + i * 8);
    wire[i].endSeq = be32(buf, ptr + 6 + i * 8);
  }
  const mib = ipv4Net(sk.net).mib.net;

  state.flag = 0;
  state.reord = tp.sndNxt;
  if (!tp.sackedOut) tcpHighestSackReset(tp);
  if (numSacks === 0) return 0;

  const foundDupSack = tcpCheckDsack(sk, ackCb.ackSeq, wire, numSacks, priorSndUna, state);

  /* Eliminate too old ACKs, but take into account more or less fresh ones, they can contain
   * valid SACK info. */
  if (before(ackCb.ackSeq, (priorSndUna - tp.maxWindow) >>> 0)) return 0;
  if (!tp.packetsOut) return state.flag;

  let usedSacks = 0;
  let firstSackIndex = 0;
  for (let i = 0; i < numSacks; i++) {
    const dupSack = i === 0 && foundDupSack;
    sp[usedSacks].startSeq = wire[i].startSeq;
    sp[usedSacks].endSeq = wire[i].endSeq;
    if (!tcpIsSackblockValid(tp, dupSack, sp[usedSacks].startSeq, sp[usedSacks].endSeq)) {
      let mibIdx: number;
      if (dupSack) {
        mibIdx = !tp.undoMarker ? LINUX_MIB_TCPDSACKIGNOREDNOUNDO : LINUX_MIB_TCPDSACKIGNOREDOLD;
      } else {
        /* Don't count olds caused by ACK reordering. */
        if (ackCb.ackSeq !== tp.sndUna && !after(sp[usedSacks].endSeq, tp.sndUna)) continue;
        mibIdx = LINUX_MIB_TCPSACKDISCARD;
      }
      mib[mibIdx]++;
      if (i === 0) firstSackIndex = -1;
      continue;
    }
    /* Ignore very old stuff early. */
    if (!after(sp[usedSacks].endSeq, priorSndUna)) {
      if (i === 0) firstSackIndex = -1;
      continue;
    }
    usedSacks++;
  }

  /* Order SACK blocks to allow in order walk of the retrans queue. */
  for (let i = usedSacks - 1; i > 0; i--) {
    for (let j = 0; j < i; j++) {
      if (after(sp[j].startSeq, sp[j + 1].startSeq)) {
        const s = sp[j].startSeq; const e = sp[j].endSeq;
        sp[j].startSeq = sp[j + 1].startSeq; sp[j].endSeq = sp[j + 1].endSeq;
        sp[j + 1].startSeq = s; sp[j + 1].endSeq = e;
        /* Track where the first SACK block goes to. */
        if (j === firstSackIndex) firstSackIndex = j + 1;
      }
    }
  }

  state.mssNow = tp.mssCache;
  let skb: SkBuff | null = null;
  const cacheArr = tp.recvSackCache;
  const cacheLen = cacheArr.length;
  let cache: number;
  if (!tp.sackedOut) {
    /* It's already past, so skip checking against it. */
    cache = cacheLen;
  } else {
    cache = 0;
    /* Skip empty blocks in at head of the cache. */
    while (cache < cacheLen && !cacheArr[cache].startSeq && !cacheArr[cache].endSeq) cache++;
  }

  let i = 0;
  while (i < usedSacks) {
    const startSeq = sp[i].startSeq;
    const endSeq = sp[i].endSeq;
    const dupSack = foundDupSack && i === firstSackIndex;
    const nextDup = foundDupSack && i + 1 === firstSackIndex ? sp[i + 1] : null;
    let doWalk = true;

    /* Skip too early cached blocks. */
    while (cache < cacheLen && !before(startSeq, cacheArr[cache].endSeq)) cache++;

    /* Can skip some work by looking at recv_sack_cache? */
    if (cache < cacheLen && !dupSack && after(endSeq, cacheArr[cache].startSeq)) {
      const c = cacheArr[cache];
      /* Head todo? */
      if (before(startSeq, c.startSeq)) {
        skb = tcpSacktagSkip(skb, sk, startSeq);
        skb = tcpSacktagWalk(skb, sk, nextDup, state, startSeq, c.startSeq, dupSack);
      }
      /* Rest of the block already fully processed? */
      if (!after(endSeq, c.endSeq)) {
        i++;
        continue;
      }
      skb = tcpMaybeSkippingDsack(skb, sk, nextDup, state, c.endSeq);
      /* ...tail remains todo... */
      if (tcpHighestSackSeq(tp) === c.endSeq) {
        /* ...but better entrypoint exists! */
        skb = tp.highestSack;
        if (!skb) break;
        cache++;
        skb = tcpSacktagWalk(skb, sk, nextDup, state, startSeq, endSeq, dupSack);
        i++;
        continue;
      }
      skb = tcpSacktagSkip(skb, sk, c.endSeq);
      /* Check overlap against next cached too (past this one already). */
      cache++;
      doWalk = false;
    }
    if (!doWalk) continue;

    if (!before(startSeq, tcpHighestSackSeq(tp))) {
      skb = tp.highestSack;
      if (!skb) break;
    }
    skb = tcpSacktagSkip(skb, sk, startSeq);
    skb = tcpSacktagWalk(skb, sk, nextDup, state, startSeq, endSeq, dupSack);
    i++;
  }

  /* Clear the head of the cache sack blocks so we can skip it next time. */
  let k = 0;
  for (; k < cacheLen - usedSacks; k++) {
    cacheArr[k].startSeq = 0;
    cacheArr[k].endSeq = 0;
  }
  for (let j = 0; j < usedSacks; j++, k++) {
    cacheArr[k].startSeq = sp[j].startSeq;
    cacheArr[k].endSeq = sp[j].endSeq;
  }

  if (tp.icskCaState !== TCP_CA_Loss || tp.undoMarker) tcpCheckSackReordering(sk, state.reord, false);
  return state.flag;
}
