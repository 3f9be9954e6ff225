/**
 * Delivery-rate sampling (Linux: net/ipv4/tcp_rate.c). Every transmitted skb records the
 * connection's delivery state (`tcpRateSkbSent`); when it is (S)ACKed, `tcpRateSkbDelivered`
 * picks the most recently sent delivered skb for the sample, and `tcpRateGen` turns it into
 * a `RateSample` (delivered packets over max(send interval, ack interval)). Application-limited
 * periods are marked by `tcpRateCheckAppLimited` so CC (BBR, TCP_INFO delivery_rate) can
 * discount them.
 *
 * The sample is taken per ACK; skb timestamps are `TcpSkbCb.txMstamp` (µs), the connection's
 * clock is `tp.tcpMstamp` (µs). A `txDeliveredMstamp` of 0 means "no rate state" (never
 * sent through tcpRateSkbSent, or already used while SACKed), as in Linux.
 */
import type { SkBuff } from '../core/skbuff.js';
import { TCP_SKB_CB, tcpPacketsInFlight, type TcpSock, type RateSample } from './tcp_sock.js';
import { after, TCPCB_RETRANS, TCPCB_SACKED_ACKED } from './tcp_defs.js';

/** Linux: SKB_TRUESIZE(1): the memory of one tiny skb (sk_buff + shared info, rounded). */
const SKB_TRUESIZE_1 = 768;
/** Linux: TCPCB_DELIVERED_CE_MASK (delivered_ce has 20 bits in the skb control block). */
export const TCPCB_DELIVERED_CE_MASK = (1 << 20) - 1;

/** Linux: tcp_skb_sent_after(): was (t1, seq1) sent after (t2, seq2)? */
export function tcpSkbSentAfter(t1: number, t2: number, seq1: number, seq2: number): boolean {
  return t1 > t2 || (t1 === t2 && after(seq1, seq2));
}

/** Linux: tcp_min_rtt(): the windowed minimum RTT in µs (~0 when none yet). */
export function tcpMinRtt(tp: TcpSock): number {
  return tp.rttMin.v0;
}

/**
 * Linux: tcp_rate_skb_sent(). Called by the transmit path for every (re)transmitted skb,
 * after its `txMstamp` was set. Snapshots the connection's delivery state into the skb.
 */
export function tcpRateSkbSent(sk: TcpSock, skb: SkBuff): void {
  const tp = sk;
  const scb = TCP_SKB_CB(skb);
  /* Start the sample at the time of the most recent ACK; with nothing in flight, any ACK
   * after now shows the network delivered those packets within the interval. */
  if (!tp.packetsOut) {
    const tstampUs = scb.txMstamp;
    tp.firstTxMstamp = tstampUs;
    tp.deliveredMstamp = tstampUs;
  }
  scb.txFirstTxMstamp = tp.firstTxMstamp;
  scb.txDeliveredMstamp = tp.deliveredMstamp;
  scb.txDelivered = tp.delivered;
  scb.txDeliveredCe = tp.deliveredCe;
  scb.txIsAppLimited = tp.appLimited !== 0;
}

/**
 * Linux: tcp_rate_skb_delivered(). When an skb is SACKed or cumulatively ACKed, take the
 * delivery state of the most recently sent of the newly delivered skbs into `rs`.
 */
export function tcpRateSkbDelivered(sk: TcpSock, skb: SkBuff, rs: RateSample): void {
  const tp = sk;
  const scb = TCP_SKB_CB(skb);
  if (!scb.txDeliveredMstamp) return;
  const txTstamp = scb.txMstamp;
  if (!rs.priorDelivered || tcpSkbSentAfter(txTstamp, tp.firstTxMstamp, scb.endSeq, rs.lastEndSeq)) {
    rs.priorDeliveredCe = scb.txDeliveredCe;
    rs.priorDelivered = scb.txDelivered;
    rs.priorMstamp = scb.txDeliveredMstamp;
    rs.isAppLimited = scb.txIsAppLimited;
    rs.isRetrans = (scb.sacked & TCPCB_RETRANS) !== 0;
    rs.lastEndSeq = scb.endSeq;
    /* Record send time of most recently ACKed packet, and the "send phase" duration. */
    tp.firstTxMstamp = txTstamp;
    rs.intervalUs = tp.firstTxMstamp - scb.txFirstTxMstamp;
  }
  /* A SACKed skb is marked used so its cumulative ACK does not count it again. */
  if (scb.sacked & TCPCB_SACKED_ACKED) scb.txDeliveredMstamp = 0;
}

/**
 * Linux: tcp_rate_gen(). Makes the rate sample of this ACK: `delivered` packets newly
 * (S)ACKed, `lost` newly marked lost. An invalid sample has delivered = intervalUs = -1.
 */
export function tcpRateGen(sk: TcpSock, delivered: number, lost: number, isSackReneg: boolean, rs: RateSample): void {
  const tp = sk;
  /* Clear app limited if bubble is acked and gone. */
  if (tp.appLimited && after(tp.delivered, tp.appLimited)) tp.appLimited = 0;
  if (delivered) tp.deliveredMstamp = tp.tcpMstamp;
  rs.ackedSacked = delivered;
  rs.losses = lost;
  /* No timing information, or SACK reneging (bw over-estimated): invalid sample. */
  if (!rs.priorMstamp || isSackReneg) {
    rs.delivered = -1;
    rs.intervalUs = -1;
    return;
  }
  rs.delivered = tp.delivered - rs.priorDelivered;
  rs.deliveredCe = (tp.deliveredCe - rs.priorDeliveredCe) & TCPCB_DELIVERED_CE_MASK;
  /* Sending and ACKing are separate pipeline phases; use the longer one. */
  const sndUs = rs.intervalUs;
  const ackUs = tp.tcpMstamp - rs.priorMstamp;
  rs.intervalUs = Math.max(sndUs, ackUs);
  rs.sndIntervalUs = sndUs;
  rs.rcvIntervalUs = ackUs;
  /* Normally interval_us >= min_rtt; a shorter one is an invalid sample. */
  if (rs.intervalUs < tcpMinRtt(tp)) {
    rs.intervalUs = -1;
    return;
  }
  /* Record the last non-app-limited or the highest app-limited bw. */
  if (!rs.isAppLimited || rs.delivered * tp.rateIntervalUs >= tp.rateDelivered * rs.intervalUs) {
    tp.rateDelivered = rs.delivered;
    tp.rateIntervalUs = rs.intervalUs;
    tp.rateAppLimited = rs.isAppLimited;
  }
}

/** Linux: tcp_rate_check_app_limited(): mark the connection app-limited when a gap in sending shows. */
export function tcpRateCheckAppLimited(sk: TcpSock): void {
  const tp = sk;
  if (((tp.writeSeq - tp.sndNxt) >>> 0) < tp.mssCache &&
      /* Nothing in the host's qdisc or NIC queues. */
      tp.wmemAlloc < SKB_TRUESIZE_1 &&
      /* Not cwnd-limited. */
      tcpPacketsInFlight(tp) < tp.sndCwnd &&
      /* All lost packets have been retransmitted. */
      tp.lostOut <= tp.retransOut) {
    tp.appLimited = ((tp.delivered + tcpPacketsInFlight(tp)) >>> 0) || 1;
  }
}
