/**
 * Retransmission and probes (Linux: net/ipv4/tcp_output.c __tcp_retransmit_skb(),
 * tcp_retransmit_skb(), tcp_xmit_retransmit_queue(), tcp_schedule_loss_probe(),
 * tcp_send_loss_probe(), tcp_send_probe0(), tcp_write_wakeup(), tcp_xmit_probe_skb(),
 * tcp_trim_head(); include/net/tcp.h tcp_probe0_base/when, tcp_rto_delta_us).
 *
 * Retransmission resends the skb from the retransmit queue (trimmed of what was
 * acknowledged, split to the current MSS and the peer's window). The loss-recovery
 * state (which skbs are lost, PRR's cwnd) belongs to tcp_fastretrans.ts/tcp_recovery.ts;
 * tcp_xmit_retransmit_queue sends lost skbs while cwnd - in_flight allows, as Linux.
 * Small skbs are merged on retransmission (tcp_retrans_try_collapse) as Linux does.
 */
import { type SkBuff, allocSkb, skbCloned } from '../core/skbuff.js';
import {
  TCP_MIB_RETRANSSEGS, LINUX_MIB_TCPSYNRETRANS, LINUX_MIB_TCPRETRANSFAIL, LINUX_MIB_TCPLOSSPROBES,
  LINUX_MIB_TCPFASTRETRANS, LINUX_MIB_TCPSLOWSTARTRETRANS, LINUX_MIB_TCPWINPROBE,
} from '../core/snmp.js';
import { TCPHDR_ACK, TCPHDR_CWR, TCPHDR_ECE, TCPHDR_PSH, TCPHDR_SYN } from '../wire/tcphdr.js';
import { EAGAIN, EBUSY, EHOSTUNREACH, EINVAL } from '../socket/errno.js';
import { skDstCheck } from '../core/sock.js';
import { ipv4Net } from './netns_ipv4.js';
import { type TcpSock, TCP_SKB_CB, tcpPacketsInFlight, tcpIsSack, tcpWriteQueueEmpty } from './tcp_sock.js';
import {
  TCP_CLOSE, TCP_CA_Loss, TCP_CA_Open, TCP_CA_CWR, TCPF_CA_CWR, TCPF_CA_Recovery, TCPCB_LOST,
  TCPCB_SACKED_ACKED, TCPCB_SACKED_RETRANS, TCPCB_EVER_RETRANS, TCPCB_RETRANS, ICSK_TIME_RETRANS,
  ICSK_TIME_PROBE0, ICSK_TIME_LOSS_PROBE, ICSK_TIME_REO_TIMEOUT, TCP_RTO_MAX, TCP_RTO_MIN, TCP_TIMEOUT_INIT,
  TCP_RESOURCE_PROBE_INTERVAL, TCP_NAGLE_OFF, MAX_TCP_HEADER, before, between, after,
} from './tcp_defs.js';
import {
  tcpCurrentMss, tcpFragment, tcpTransmitSkb, tcpWriteXmit, tcpEventNewDataSent, tcpWndEnd, tcpSetSkbTsoSegs,
  tcpAllocHeaderSkb, tcpInitNondataSkb, tcpSndWndTest, tcpAdjustPcount, skbStillInHostQueue, TCP_FRAG_IN_RTX_QUEUE, TCP_FRAG_IN_WRITE_QUEUE,
} from './tcp_output.js';
import { tcpEcnClearSyn } from './tcp_ecn.js';
import { tcpWmemFreeSkb } from './tcp.js';
import { tcpResetXmitTimer, tcpRearmRto, tcpClampProbe0ToUserTimeout } from './tcp_timer.js';

/** Linux: TCP_TIMEOUT_MIN_US. */
const TCP_TIMEOUT_MIN_US = 2000;

/** Linux: usecs_to_jiffies() at HZ 1000 (rounds up). */
function usToJiffies(us: number): number {
  return Math.ceil(us / 1000);
}

/** Linux: tcp_in_cwnd_reduction(). */
function tcpInCwndReduction(tp: TcpSock): boolean {
  return ((TCPF_CA_CWR | TCPF_CA_Recovery) & (1 << tp.icskCaState)) !== 0;
}

/**
 * Linux: tcp_trim_head(): drop `len` acknowledged bytes from the front of an skb of the
 * retransmit queue (its data moves, the buffer is not written).
 */
export function tcpTrimHead(sk: TcpSock, skb: SkBuff, len: number): number {
  const tcb = TCP_SKB_CB(skb);
  const have = skb.tail - skb.data;
  if (len > have) len = have;
  skb.data += len;
  tcb.seq = (tcb.seq + len) >>> 0;
  if (sk.rtxQueue.head !== null) sk.rtxQueue.bytes -= len;
  // Any change of skb->len requires recalculation of tso factor.
  if (tcb.pcount > 1) tcpSetSkbTsoSegs(skb, sk.mssCache);
  return 0;
}

/**
 * Linux: __tcp_retransmit_skb(): resend `skb` (at most `segs` MSS, within the peer's
 * window; the acknowledged head trimmed, a SYN whose sequence was acked stripped).
 * Counts RetransSegs, TCPSynRetrans, total_retrans, bytes_retrans; TCPRetransFail on
 * error. Always marks the skb EVER_RETRANS.
 */
export function __tcpRetransmitSkb(sk: TcpSock, skb: SkBuff, segs: number): number {
  const tp = sk;
  const net = ipv4Net(sk.net);
  const tcb = TCP_SKB_CB(skb);
  // Inconclusive MTU probe.
  if (sk.icskMtupProbeSize) sk.icskMtupProbeSize = 0;
  if (skbStillInHostQueue(sk, skb)) return -EBUSY;
  for (;;) {
    if (!before(tcb.seq, tp.sndUna)) break;
    if (tcb.tcpFlags & TCPHDR_SYN) {
      tcb.tcpFlags &= ~TCPHDR_SYN;
      tcb.seq = (tcb.seq + 1) >>> 0;
      continue;
    }
    if (before(tcb.endSeq, tp.sndUna)) return -EINVAL;
    tcpTrimHead(sk, skb, (tp.sndUna - tcb.seq) >>> 0);
    break;
  }
  if (skDstCheck(sk) === null && sk.dstCache === null && sk.inetDaddr === 0) return -EHOSTUNREACH;
  const curMss = tcpCurrentMss(sk);
  let availWnd = (tcpWndEnd(tp) - tcb.seq) | 0;
  // If receiver has shrunk his window, and skb is out of new window, do not retransmit
  // it. The exception is the case, when window is shrunk to zero. In this case our
  // retransmit of one segment serves as a zero window probe.
  if (availWnd <= 0) {
    if (tcb.seq !== tp.sndUna) return -EAGAIN;
    availWnd = curMss;
  }
  let len = curMss * segs;
  if (len > availWnd) {
    len = Math.floor(availWnd / curMss) * curMss;
    if (!len) len = availWnd;
  }
  if (skb.tail - skb.data > len) {
    if (tcpFragment(sk, skb, len, curMss, TCP_FRAG_IN_RTX_QUEUE)) return -12; // -ENOMEM: try again later
  } else {
    const before0 = tcb.pcount;
    tcpSetSkbTsoSegs(skb, curMss);
    const diff = before0 - tcb.pcount;
    if (diff) tp.packetsOut -= diff;
    availWnd = Math.min(availWnd, curMss);
    if (skb.tail - skb.data < availWnd) tcpRetransTryCollapse(sk, skb, availWnd);
  }
  // RFC 3168, section 6.1.1.1. ECN fallback.
  if ((tcb.tcpFlags & (TCPHDR_SYN | TCPHDR_ECE | TCPHDR_CWR)) === (TCPHDR_SYN | TCPHDR_ECE | TCPHDR_CWR)) {
    tcpEcnClearSyn(sk, skb);
  }
  // Update global and local TCP statistics.
  segs = tcb.pcount;
  net.mib.tcp[TCP_MIB_RETRANSSEGS]! += segs;
  if (tcb.tcpFlags & TCPHDR_SYN) net.mib.net[LINUX_MIB_TCPSYNRETRANS]!++;
  tp.totalRetrans += segs;
  tp.bytesRetrans += skb.tail - skb.data;
  const err = tcpTransmitSkb(sk, skb, true);
  // To avoid taking spuriously low RTT samples based on a timestamp for a transmit that
  // never happened, always mark EVER_RETRANS.
  tcb.sacked |= TCPCB_EVER_RETRANS;
  if (err) net.mib.net[LINUX_MIB_TCPRETRANSFAIL]! += segs;
  return err;
}

/** Linux: tcp_can_collapse(): one segment, data not shared, not SACKed. */
function tcpCanCollapse(skb: SkBuff): boolean {
  const tcb = TCP_SKB_CB(skb);
  if (tcb.pcount > 1) return false;
  if (skbCloned(skb)) return false;
  return (tcb.sacked & TCPCB_SACKED_ACKED) === 0;
}

/**
 * Linux: tcp_collapse_retrans(): append the next skb of the retransmit queue to `skb`
 * (sequence range, flags, EVER_RETRANS, eor) and free it, fixing the counters.
 */
function tcpCollapseRetrans(sk: TcpSock, skb: SkBuff): boolean {
  const tp = sk;
  const next = skb.next;
  if (next === null) return false;
  const len = skb.tail - skb.data;
  const nlen = next.tail - next.data;
  if (len + nlen >= 65535 * 8) return false;
  if (nlen !== 0) {
    if (skb.end - skb.tail < nlen) {
      // Linear data: a bigger area with the same headroom (Linux shifts page frags).
      const n = allocSkb(MAX_TCP_HEADER + len + nlen);
      n.buf.set(new Uint8Array(skb.buf.buffer, skb.buf.byteOffset + skb.data, len), MAX_TCP_HEADER);
      skb.buf = n.buf;
      skb.shinfo = n.shinfo;
      skb.cloned = false;
      skb.head = 0;
      skb.data = MAX_TCP_HEADER;
      skb.tail = MAX_TCP_HEADER + len;
      skb.end = n.end;
    }
    skb.buf.set(new Uint8Array(next.buf.buffer, next.buf.byteOffset + next.data, nlen), skb.tail);
    skb.tail += nlen;
    skb.truesize += nlen;
    next.truesize -= nlen;
  }
  if (tp.highestSack === next) tp.highestSack = skb;
  const tcb = TCP_SKB_CB(skb);
  const ncb = TCP_SKB_CB(next);
  // Update sequence range on original skb; merge over control information (PSH/FIN ...).
  tcb.endSeq = ncb.endSeq;
  tcb.tcpFlags |= ncb.tcpFlags;
  tcb.sacked |= ncb.sacked & TCPCB_EVER_RETRANS;
  tcb.eor = ncb.eor;
  // Changed transmit queue under us so clear hints.
  if (next === tp.retransmitSkbHint) tp.retransmitSkbHint = skb;
  if (next === tp.lostSkbHint) tp.lostSkbHint = skb;
  tcpAdjustPcount(tp, next, ncb.pcount);
  // tcp_rtx_queue_unlink_and_free()
  const q = tp.rtxQueue;
  skb.next = next.next;
  if (q.tail === next) q.tail = skb;
  q.qlen--;
  next.next = null;
  tcpWmemFreeSkb(tp, next);
  return true;
}

/**
 * Linux: tcp_retrans_try_collapse() (net.ipv4.tcp_retrans_collapse): on retransmission,
 * merge the following small unshared skbs into `to` while they fit in `space` (one MSS
 * or the window) and in the peer's window, so fewer packets go on the wire.
 */
export function tcpRetransTryCollapse(sk: TcpSock, to: SkBuff, space: number): void {
  const tp = sk;
  if (!ipv4Net(sk.net).sysctl.tcpRetransCollapse) return;
  if (TCP_SKB_CB(to).tcpFlags & TCPHDR_SYN) return;
  let first = true;
  for (let skb: SkBuff | null = to; skb !== null;) {
    const next: SkBuff | null = skb.next;
    if (!tcpCanCollapse(skb)) break;
    if (TCP_SKB_CB(to).eor) break; // tcp_skb_can_collapse()
    space -= skb.tail - skb.data;
    if (first) {
      first = false;
      skb = next;
      continue;
    }
    if (space < 0) break;
    if (after(TCP_SKB_CB(skb).endSeq, tcpWndEnd(tp))) break;
    if (!tcpCollapseRetrans(sk, to)) break;
    skb = to.next;
  }
}

/**
 * Linux: tcp_retransmit_skb(): __tcp_retransmit_skb plus the scoreboard: SACKED_RETRANS
 * and retrans_out on success, retrans_stamp of the first attempt, undo_retrans.
 */
export function tcpRetransmitSkb(sk: TcpSock, skb: SkBuff, segs: number): number {
  const tp = sk;
  const err = __tcpRetransmitSkb(sk, skb, segs);
  const tcb = TCP_SKB_CB(skb);
  if (err === 0) {
    tcb.sacked |= TCPCB_RETRANS;
    tp.retransOut += tcb.pcount;
  }
  // Save stamp of the first (attempted) retransmit.
  if (!tp.retransStamp) tp.retransStamp = Math.floor(tcb.txMstamp / 1000) >>> 0 || 1;
  if (tp.undoRetrans < 0) tp.undoRetrans = 0;
  tp.undoRetrans += tcb.pcount;
  return err;
}

/**
 * Linux: tcp_xmit_retransmit_queue(): retransmit the skbs marked lost, in sequence order,
 * while the congestion window (already reduced by PRR in recovery) has room; counts
 * TCPFastRetrans / TCPSlowStartRetrans; rearms the RTO when the head was resent.
 */
export function tcpXmitRetransmitQueue(sk: TcpSock): void {
  const tp = sk;
  if (!tp.packetsOut) return;
  const mib = ipv4Net(sk.net).mib.net;
  const rtxHead = tp.rtxQueue.head;
  let skb = tp.retransmitSkbHint ?? rtxHead;
  let hole: SkBuff | null = null;
  let rearmTimer = false;
  for (; skb !== null; skb = skb.next) {
    // We could do better than to assign each time.
    if (hole === null) tp.retransmitSkbHint = skb;
    const segs = tp.sndCwnd - tcpPacketsInFlight(tp);
    if (segs <= 0) break;
    const sacked = TCP_SKB_CB(skb).sacked;
    let mibIdx: number;
    if (tp.retransOut >= tp.lostOut) {
      break;
    } else if (!(sacked & TCPCB_LOST)) {
      if (hole === null && !(sacked & (TCPCB_SACKED_RETRANS | TCPCB_SACKED_ACKED))) hole = skb;
      continue;
    } else {
      mibIdx = sk.icskCaState !== TCP_CA_Loss ? LINUX_MIB_TCPFASTRETRANS : LINUX_MIB_TCPSLOWSTARTRETRANS;
    }
    if (sacked & (TCPCB_SACKED_ACKED | TCPCB_SACKED_RETRANS)) continue;
    if (tcpRetransmitSkb(sk, skb, 1)) break;
    mib[mibIdx]! += TCP_SKB_CB(skb).pcount;
    if (tcpInCwndReduction(tp)) tp.prrOut += TCP_SKB_CB(skb).pcount;
    if (skb === rtxHead && sk.icskPending !== ICSK_TIME_REO_TIMEOUT) rearmTimer = true;
  }
  if (rearmTimer) tcpResetXmitTimer(sk, ICSK_TIME_RETRANS, sk.icskRto);
}

/* ------------------------------------------------------------------ */
/* Tail loss probe (RFC 8985 section 7)                                */

/** Linux: tcp_rto_delta_us(): how far in the future (µs) the RTO of the head would fire. */
export function tcpRtoDeltaUs(sk: TcpSock): number {
  const skb = sk.rtxQueue.head;
  const rto = sk.icskRto;
  if (skb !== null) return TCP_SKB_CB(skb).txMstamp + rto * 1000 - sk.tcpMstamp;
  return rto * 1000;
}

/**
 * Linux: tcp_schedule_loss_probe(): arm the TLP timer (PTO = 2*SRTT, plus the minimum
 * RTO as an ACK-delay allowance when only one packet is in flight, else 2 ms; 1 s
 * without an RTT sample; never later than the RTO) for SACK connections in Open/CWR
 * with tcp_early_retrans 3 or 4.
 */
export function tcpScheduleLossProbe(sk: TcpSock, advancingRto: boolean): boolean {
  const tp = sk;
  const earlyRetrans = ipv4Net(sk.net).sysctl.tcpEarlyRetrans;
  if ((earlyRetrans !== 3 && earlyRetrans !== 4) || !tp.packetsOut || !tcpIsSack(tp) ||
    (sk.icskCaState !== TCP_CA_Open && sk.icskCaState !== TCP_CA_CWR)) return false;
  let timeout: number;
  if (tp.srttUs) {
    let timeoutUs = tp.srttUs >>> 2;
    if (tp.packetsOut === 1) timeoutUs += sk.icskRtoMin * 1000;
    else timeoutUs += TCP_TIMEOUT_MIN_US;
    timeout = usToJiffies(timeoutUs);
  } else {
    timeout = TCP_TIMEOUT_INIT;
  }
  // If the RTO formula yields an earlier time, then use that time.
  const rtoDeltaUs = advancingRto ? sk.icskRto * 1000 : tcpRtoDeltaUs(sk);
  if (rtoDeltaUs > 0) timeout = Math.min(timeout, usToJiffies(rtoDeltaUs));
  tcpResetXmitTimer(sk, ICSK_TIME_LOSS_PROBE, timeout);
  return true;
}

/**
 * Linux: tcp_send_loss_probe(): the TLP timer fired: send new data if the window allows,
 * else retransmit the last skb (its last MSS); one probe per episode (tlp_high_seq);
 * counts TCPLossProbes and rearms the RTO.
 */
export function tcpSendLossProbe(sk: TcpSock): void {
  const tp = sk;
  const mss = tcpCurrentMss(sk);
  probe: {
    // At most one outstanding TLP.
    if (tp.tlpHighSeq) break probe;
    tp.tlpRetrans = false;
    let skb = tp.writeQueue.head;
    if (skb !== null && tcpSndWndTest(tp, skb, mss)) {
      const pcount = tp.packetsOut;
      tcpWriteXmit(sk, mss, TCP_NAGLE_OFF, 2);
      if (tp.packetsOut > pcount) sent(sk);
      break probe;
    }
    skb = tp.rtxQueue.tail;
    if (skb === null) {
      sk.icskPending = 0;
      return;
    }
    if (skbStillInHostQueue(sk, skb)) break probe;
    const pcount = TCP_SKB_CB(skb).pcount;
    if (pcount > 1 && skb.tail - skb.data > (pcount - 1) * mss) {
      if (tcpFragment(sk, skb, (pcount - 1) * mss, mss, TCP_FRAG_IN_RTX_QUEUE)) break probe;
      skb = skb.next;
    }
    if (skb === null || !TCP_SKB_CB(skb).pcount) break probe;
    if (__tcpRetransmitSkb(sk, skb, 1)) break probe;
    tp.tlpRetrans = true;
    sent(sk);
  }
  tcpRearmRto(sk);
}

/** The probe_sent part of tcp_send_loss_probe(). */
function sent(sk: TcpSock): void {
  // Record snd_nxt for loss detection.
  sk.tlpHighSeq = sk.sndNxt;
  ipv4Net(sk.net).mib.net[LINUX_MIB_TCPLOSSPROBES]!++;
  // Reset s.t. tcp_rearm_rto will restart timer from now.
  sk.icskPending = 0;
}

/* ------------------------------------------------------------------ */
/* Window probes and keepalives                                        */

/** Linux: tcp_probe0_base(): max(RTO, TCP_RTO_MIN). */
export function tcpProbe0Base(sk: TcpSock): number {
  return Math.max(sk.icskRto, TCP_RTO_MIN);
}

/** Linux: tcp_probe0_when(): the base backed off, at most `maxWhen`. */
export function tcpProbe0When(sk: TcpSock, maxWhen: number): number {
  const backoff = Math.min(Math.floor(Math.log2(TCP_RTO_MAX / TCP_RTO_MIN)) + 1, sk.icskBackoff);
  return Math.min(tcpProbe0Base(sk) * 2 ** backoff, maxWhen);
}

/**
 * Linux: tcp_xmit_probe_skb(): an ACK with an old sequence number (snd_una - 1, or
 * snd_una for the urgent variant) so that the peer answers with its window.
 */
function tcpXmitProbeSkb(sk: TcpSock, urgent: boolean, mib: number): number {
  const skb = tcpAllocHeaderSkb();
  // Use a previous sequence. This should cause the other end to send an ack.
  tcpInitNondataSkb(skb, (sk.sndUna - (urgent ? 0 : 1)) >>> 0, TCPHDR_ACK);
  ipv4Net(sk.net).mib.net[mib]!++;
  return tcpTransmitSkb(sk, skb, false);
}

/**
 * Linux: tcp_write_wakeup(): a window or keepalive probe: new data if the window has
 * room (a sub-MSS piece if that is all it has), else an ACK with an old sequence.
 * Returns 0 when sent, >0 on local congestion, <0 when nothing could be sent.
 */
export function tcpWriteWakeup(sk: TcpSock, mib: number): number {
  const tp = sk;
  if (sk.state === TCP_CLOSE) return -1;
  const skb = tp.writeQueue.head;
  if (skb !== null && before(TCP_SKB_CB(skb).seq, tcpWndEnd(tp))) {
    const tcb = TCP_SKB_CB(skb);
    const mss = tcpCurrentMss(sk);
    let segSize = (tcpWndEnd(tp) - tcb.seq) >>> 0;
    if (before(tp.pushedSeq, tcb.endSeq)) tp.pushedSeq = tcb.endSeq;
    // We are probing the opening of a window but the window size is != 0: must have
    // been a result of SWS avoidance (sender).
    if (segSize < ((tcb.endSeq - tcb.seq) >>> 0) || skb.tail - skb.data > mss) {
      segSize = Math.min(segSize, mss);
      tcb.tcpFlags |= TCPHDR_PSH;
      if (tcpFragment(sk, skb, segSize, mss, TCP_FRAG_IN_WRITE_QUEUE)) return -1;
    } else if (!tcb.pcount) {
      tcpSetSkbTsoSegs(skb, mss);
    }
    tcb.tcpFlags |= TCPHDR_PSH;
    const err = tcpTransmitSkb(sk, skb, true);
    if (!err) tcpEventNewDataSent(sk, skb);
    return err;
  }
  if (between(tp.sndUp, (tp.sndUna + 1) >>> 0, (tp.sndUna + 0xffff) >>> 0)) tcpXmitProbeSkb(sk, true, mib);
  return tcpXmitProbeSkb(sk, false, mib);
}

/**
 * Linux: tcp_send_probe0(): the persist timer fired: probe the zero window (TCPWinProbe)
 * and back off (up to tcp_retries2 doublings, at most the max RTO, bounded by
 * TCP_USER_TIMEOUT); stop probing once data is in flight or nothing is queued.
 */
export function tcpSendProbe0(sk: TcpSock): void {
  const tp = sk;
  const err = tcpWriteWakeup(sk, LINUX_MIB_TCPWINPROBE);
  if (tp.packetsOut || tcpWriteQueueEmpty(tp)) {
    // Cancel probe timer, if it is not required.
    sk.icskProbesOut = 0;
    sk.icskBackoff = 0;
    sk.icskProbesTstamp = 0;
    return;
  }
  sk.icskProbesOut++;
  let timeout: number;
  if (err <= 0) {
    if (sk.icskBackoff < ipv4Net(sk.net).sysctl.tcpRetries2) sk.icskBackoff++;
    timeout = tcpProbe0When(sk, sk.icskRtoMax);
  } else {
    // If packet was not sent due to local congestion, let senders fight for local
    // resources conservatively.
    timeout = TCP_RESOURCE_PROBE_INTERVAL;
  }
  timeout = tcpClampProbe0ToUserTimeout(sk, timeout);
  tcpResetXmitTimer(sk, ICSK_TIME_PROBE0, timeout);
}
