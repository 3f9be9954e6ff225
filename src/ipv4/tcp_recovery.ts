/**
 * RACK-TLP loss detection (RFC 8985; Linux: net/ipv4/tcp_recovery.c). RACK marks a sent
 * packet lost when a packet sent after it has been (S)ACKed and more than RACK.rtt plus a
 * reordering window (reo_wnd) has passed since it was sent. The window starts at min_rtt/4,
 * grows by a step per round with D-SACKs (tcp_rack_update_reo_wnd) up to srtt, persists for
 * TCP_RACK_RECOVERY_THRESH recoveries, and is 0 while no reordering was seen and the
 * connection is in recovery or has reached the dupack threshold. Packets not yet overdue arm
 * the REO_TIMEOUT timer (tcp_rack_reo_timeout). Also here: NewReno's loss marking for
 * connections without SACK (tcp_newreno_mark_lost, RFC 6582).
 *
 * Enabled by net.ipv4.tcp_recovery bit 0 (TCP_RACK_LOSS_DETECTION, default 1); bit 1
 * TCP_RACK_STATIC_REO_WND keeps reo_wnd at min_rtt/4, bit 2 TCP_RACK_NO_DUPTHRESH stops the
 * dupack-threshold shortcut. Tail loss probes (the TLP half) are OUTPUT's
 * tcp_schedule_loss_probe/tcp_send_loss_probe and tcp_process_tlp_ack in tcp_fastretrans.ts.
 *
 * Linux walks tp->tsorted_sent_queue (skbs in send-time order, SACKed and RACK-lost ones
 * unlinked). tuxnet has no such list: tcp_rack_detect_loss walks the retransmission queue and
 * skips the skbs that list would not hold (SACKed; lost and not retransmitted). The loop in
 * Linux stops at the first skb sent after RACK.xmit_time; that test is monotonic over the
 * send-time order, so testing every skb gives the same set, and the walk may stop at the first
 * never-retransmitted skb sent after RACK.xmit_time (original sends follow sequence order).
 */
import type { SkBuff } from '../core/skbuff.js';
import { ipv4Net } from './netns_ipv4.js';
import { TCP_SKB_CB, tcpPacketsInFlight, type TcpSock, type RateSample } from './tcp_sock.js';
import {
  before, TCP_CA_Recovery, TCPCB_LOST, TCPCB_RETRANS, TCPCB_SACKED_ACKED, TCPCB_SACKED_RETRANS, TCP_TIMEOUT_MIN,
  TCPCB_EVER_RETRANS,
  ICSK_TIME_REO_TIMEOUT, ICSK_TIME_RETRANS, TCP_RACK_STATIC_REO_WND, TCP_RACK_NO_DUPTHRESH, TCP_RACK_RECOVERY_THRESH,
} from './tcp_defs.js';
import { tcpMinRtt, tcpSkbSentAfter } from './tcp_rate.js';
import { tcpMarkSkbLost, tcpEnterRecovery, tcpCwndReduction } from './tcp_fastretrans.js';
import { inetCskResetXmitTimer, tcpRearmRto } from './tcp_timer.js';
import { tcpXmitRetransmitQueue } from './tcp_output.js';

/** Linux: usecs_to_jiffies() at HZ 1000 (rounds up). */
function usecsToJiffies(us: number): number {
  return Math.ceil(us / 1000);
}

/**
 * Linux: tcp_rack_reo_wnd(): the reordering window in µs. Without reordering seen, be
 * aggressive (0) in recovery or once the dupack threshold is reached.
 */
export function tcpRackReoWnd(sk: TcpSock): number {
  const tp = sk;
  if (!tp.reordSeen) {
    if (tp.icskCaState >= TCP_CA_Recovery) return 0;
    if (tp.sackedOut >= tp.reordering && !(ipv4Net(sk.net).sysctl.tcpRecovery & TCP_RACK_NO_DUPTHRESH)) return 0;
  }
  /* min_rtt/4 per step (min_rtt is path property, less related to queuing or delayed ACKs),
   * at most the smoothed RTT. */
  return Math.min((tcpMinRtt(tp) >>> 2) * tp.rackReoWndSteps, tp.srttUs >>> 3);
}

/** Linux: tcp_rack_skb_timeout(): µs left before `skb` is overdue (<= 0: lost). */
export function tcpRackSkbTimeout(tp: TcpSock, skb: SkBuff, reoWnd: number): number {
  return tp.rackRttUs + reoWnd - (tp.tcpMstamp - TCP_SKB_CB(skb).txMstamp);
}

/** Linux: tcp_rack_detect_loss(): mark overdue skbs lost; returns the longest wait left (µs, 0 = none). */
function tcpRackDetectLoss(sk: TcpSock): number {
  const tp = sk;
  let reoTimeout = 0;
  const reoWnd = tcpRackReoWnd(sk);
  for (let skb = tp.rtxQueue.peek(); skb; skb = skb.next) {
    const scb = TCP_SKB_CB(skb);
    const sentBeforeRack = tcpSkbSentAfter(tp.rackMstamp, scb.txMstamp, tp.rackEndSeq, scb.endSeq);
    /* A never-retransmitted skb sent after RACK.xmit_time: every later skb in sequence order
     * was (first) sent after it too, so none can be lost yet (Linux's "break" on its
     * send-time ordered list). */
    if (!sentBeforeRack && !(scb.sacked & TCPCB_EVER_RETRANS)) break;
    /* Not on Linux's tsorted list: SACKed ones. */
    if (scb.sacked & TCPCB_SACKED_ACKED) continue;
    /* Skip ones marked lost but not yet retransmitted. */
    if ((scb.sacked & TCPCB_LOST) && !(scb.sacked & TCPCB_SACKED_RETRANS)) continue;
    if (!sentBeforeRack) continue;
    /* A packet is lost if it has not been s/acked beyond the recent RTT plus the reordering window. */
    const remaining = tcpRackSkbTimeout(tp, skb, reoWnd);
    if (remaining <= 0) {
      tcpMarkSkbLost(sk, skb);
    } else if (remaining > reoTimeout) {
      /* Record maximum wait time. */
      reoTimeout = remaining;
    }
  }
  return reoTimeout;
}

/**
 * Linux: tcp_rack_mark_lost(): run RACK when an ACK advanced RACK.xmit_time; arm the
 * REO_TIMEOUT timer for packets not overdue yet. Returns true when that timer was armed
 * (the caller then leaves the retransmit timer alone: Linux clears FLAG_SET_XMIT_TIMER).
 */
export function tcpRackMarkLost(sk: TcpSock): boolean {
  const tp = sk;
  if (!tp.rackAdvanced) return false;
  /* Reset the advanced flag to avoid unnecessary queue scanning. */
  tp.rackAdvanced = false;
  let timeout = tcpRackDetectLoss(sk);
  if (timeout) {
    timeout = usecsToJiffies(timeout) + TCP_TIMEOUT_MIN;
    inetCskResetXmitTimer(sk, ICSK_TIME_REO_TIMEOUT, timeout, sk.icskRto);
  }
  return timeout !== 0;
}

/**
 * Linux: tcp_rack_advance(): an skb sent at `xmitTime` (µs) ending at `endSeq` with bits
 * `sacked` was (S)ACKed: advance RACK.xmit_time / end_seq and take RACK.rtt (RFC 8985 step 2).
 */
export function tcpRackAdvance(tp: TcpSock, sacked: number, endSeq: number, xmitTime: number): void {
  const rttUs = tp.tcpMstamp - xmitTime;
  if (rttUs < tcpMinRtt(tp) && (sacked & TCPCB_RETRANS)) {
    /* The SACK of a retransmitted packet is ambiguous: assume the original can be delayed up
     * to an RTT + min_rtt; a sample shorter than min_rtt must come from the original. */
    return;
  }
  tp.rackAdvanced = true;
  tp.rackRttUs = rttUs;
  if (tcpSkbSentAfter(xmitTime, tp.rackMstamp, endSeq, tp.rackEndSeq)) {
    tp.rackMstamp = xmitTime;
    tp.rackEndSeq = endSeq;
  }
}

/**
 * Linux: tcp_rack_reo_timeout() (the ICSK_TIME_REO_TIMEOUT event of the retransmit timer):
 * we waited long enough for reordering; mark the expired packets lost and retransmit them.
 */
export function tcpRackReoTimeout(sk: TcpSock): void {
  const tp = sk;
  const lost = tp.lost;
  const priorInflight = tcpPacketsInFlight(tp);
  tcpRackDetectLoss(sk);
  if (priorInflight !== tcpPacketsInFlight(tp)) {
    if (tp.icskCaState !== TCP_CA_Recovery) {
      tcpEnterRecovery(sk, false);
      if (!sk.icskCaOps?.congControl) tcpCwndReduction(sk, 1, tp.lost - lost, 0);
    }
    tcpXmitRetransmitQueue(sk);
  }
  if (sk.icskPending !== ICSK_TIME_RETRANS) tcpRearmRto(sk);
}

/**
 * Linux: tcp_rack_update_reo_wnd(): called per ACK with its rate sample. After a round with
 * a D-SACK, widen reo_wnd by one step (min_rtt/4, at most once per round trip) and keep it
 * for TCP_RACK_RECOVERY_THRESH recoveries; then fall back to one step.
 */
export function tcpRackUpdateReoWnd(sk: TcpSock, rs: RateSample): void {
  const tp = sk;
  if ((ipv4Net(sk.net).sysctl.tcpRecovery & TCP_RACK_STATIC_REO_WND) || !rs.priorDelivered) return;
  /* Disregard DSACK if a rtt has not passed since we adjusted reo_wnd. */
  if (before(rs.priorDelivered, tp.rackLastDelivered)) tp.rackDsackSeen = false;
  /* Adjust the reo_wnd if update is pending. */
  if (tp.rackDsackSeen) {
    tp.rackReoWndSteps = Math.min(0xff, tp.rackReoWndSteps + 1);
    tp.rackDsackSeen = false;
    tp.rackLastDelivered = tp.delivered;
    tp.rackReoWndPersist = TCP_RACK_RECOVERY_THRESH;
  } else if (!tp.rackReoWndPersist) {
    tp.rackReoWndSteps = 1;
  }
}

/**
 * Linux: tcp_newreno_mark_lost() (RFC 6582 NewReno for connections without SACK): mark the
 * head lost on reaching the dupack threshold, and on each partial ACK in recovery.
 */
export function tcpNewrenoMarkLost(sk: TcpSock, sndUnaAdvanced: boolean): void {
  const tp = sk;
  const state = tp.icskCaState;
  if ((state < TCP_CA_Recovery && tp.sackedOut >= tp.reordering) || (state === TCP_CA_Recovery && sndUnaAdvanced)) {
    const skb = tp.rtxQueue.peek();
    if (!skb) return;
    if (TCP_SKB_CB(skb).sacked & TCPCB_LOST) return;
    /* One-segment skbs: Linux's tcp_fragment to one MSS never applies here. */
    tcpMarkSkbLost(sk, skb);
  }
}
