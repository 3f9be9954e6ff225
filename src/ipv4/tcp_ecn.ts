/**
 * Classic ECN for TCP (RFC 3168; Linux: the tcp_ecn_* helpers of net/ipv4/tcp_input.c,
 * net/ipv4/tcp_output.c and include/net/tcp_ecn.h).
 *
 * Negotiation: with net.ipv4.tcp_ecn = 1 (or a route with the ecn feature, or a CC that needs
 * ECN) an active open sends SYN with ECE|CWR; a listener with tcp_ecn 1 or 2 (the default,
 * "accept only") answers an ECN-setup SYN with a SYN-ACK carrying ECE; the connection then
 * has TCP_ECN_OK. Data segments (not retransmissions, not pure ACKs) go out ECT(0). A
 * receiver that gets a CE-marked segment sets ECE on its ACKs (TCP_ECN_DEMAND_CWR) until a
 * segment with CWR arrives; the sender reduces cwnd once per window (tcp_enter_cwr via
 * tcp_fastretrans_alert) and sets CWR on its next new data segment (TCP_ECN_QUEUE_CWR).
 * tcp_ecn_fallback (default 1): a retransmitted SYN drops ECE|CWR, in case a middlebox drops
 * ECN-setup SYNs. TCPDeliveredCE is counted in tcp_fastretrans.ts (tcp_newly_delivered).
 *
 * Not implemented: Accurate ECN (the AE flag and the AccECN option that 6.18 has
 * tcp_ecn_option / tcp_ecn_option_beacon sysctls for). This host's 6.18 refuses tcp_ecn
 * values above 2 (sysctl range 0..2, as in sysctl_net_ipv4.ts), so only classic ECN is
 * negotiated and no AccECN option is ever sent.
 * A route with `features ecn` (RTAX_FEATURE_ECN) requests ECN on its connections whatever
 * tcp_ecn says, and a listener accepts it over such a route, as Linux (dst_feature()).
 *
 * The send-side helpers return TCP header flag bits (TCPHDR_*) for the caller to put in the
 * header instead of writing `th->ece`/`th->cwr` as Linux does.
 */
import type { SkBuff } from '../core/skbuff.js';
import { INET_ECN_CE, INET_ECN_ECT_0, INET_ECN_MASK, INET_ECN_NOT_ECT } from '../wire/iphdr.js';
import { TCPHDR_CWR, TCPHDR_ECE, TCPHDR_SYN } from '../wire/tcphdr.js';
import { ipv4Net } from './netns_ipv4.js';
import { TCP_SKB_CB, type TcpSock, type RequestSock } from './tcp_sock.js';
import {
  before, TCP_ECN_OK, TCP_ECN_QUEUE_CWR, TCP_ECN_DEMAND_CWR, TCP_ECN_SEEN, TCP_CONG_NEEDS_ECN, CA_EVENT_ECN_IS_CE,
  CA_EVENT_ECN_NO_CE, ICSK_ACK_NOW,
} from './tcp_defs.js';
import { tcpCaEvent } from './tcp_cong.js';
import { tcpEnterQuickackMode } from './tcp_input.js';
import { RTAX_FEATURES, RTAX_FEATURE_ECN } from '../wire/route.js';
import { DST_FEATURE_ECN_CA } from './metrics.js';

/** Linux: TCPHDR_SYN_ECN. */
export const TCPHDR_SYN_ECN = TCPHDR_SYN | TCPHDR_ECE | TCPHDR_CWR;

/** Linux: tcp_ca_needs_ecn(). */
export function tcpCaNeedsEcn(sk: TcpSock): boolean {
  const ops = sk.icskCaOps;
  return ops !== null && (ops.flags & TCP_CONG_NEEDS_ECN) !== 0;
}

/** Linux: INET_ECN_xmit(): send ECT(0) from now on. */
function inetEcnXmit(sk: TcpSock): void {
  sk.tos |= INET_ECN_ECT_0;
}

/** Linux: INET_ECN_dontxmit(): send Not-ECT. */
function inetEcnDontxmit(sk: TcpSock): void {
  sk.tos &= ~INET_ECN_MASK;
}

/** Linux: DST_FEATURE_ECN_MASK. */
const DST_FEATURE_ECN_MASK = (DST_FEATURE_ECN_CA | RTAX_FEATURE_ECN) >>> 0;

/** Linux: dst_feature(dst, mask): the route's RTAX_FEATURES bits in `mask` (0 without a route). */
function dstFeature(dst: unknown, mask: number): number {
  const m = dst ? (dst as { metrics?: Uint32Array }).metrics : undefined;
  return m ? (m[RTAX_FEATURES]! & mask) >>> 0 : 0;
}

/** The IP ECN field of a received segment (Linux: TCP_SKB_CB(skb)->ip_dsfield & INET_ECN_MASK). */
export function tcpSkbEcnField(skb: SkBuff): number {
  if (skb.networkHeader < 0) return INET_ECN_NOT_ECT;
  return skb.buf[skb.networkHeader + 1] & INET_ECN_MASK;
}

/**
 * Linux: tcp_ecn_send_syn(): an active open asks for ECN when tcp_ecn is 1 (or the CC needs
 * it). Resets tp.ecnFlags. Returns the TCPHDR_ECE|TCPHDR_CWR bits for the SYN (also ORed into
 * TCP_SKB_CB(skb).tcpFlags as Linux does, so a retransmission keeps them).
 */
export function tcpEcnSendSyn(sk: TcpSock, skb: SkBuff): number {
  const tp = sk;
  const sysctlEcn = ipv4Net(sk.net).sysctl.tcpEcn;
  /* 1 = request ECN on outgoing connections (2 = only accept it). */
  let useEcn = sysctlEcn === 1 || tcpCaNeedsEcn(sk);
  if (!useEcn && dstFeature(sk.dstCache, RTAX_FEATURE_ECN)) useEcn = true;
  tp.ecnFlags = 0;
  if (!useEcn) return 0;
  TCP_SKB_CB(skb).tcpFlags |= TCPHDR_ECE | TCPHDR_CWR;
  tp.ecnFlags = TCP_ECN_OK;
  if (tcpCaNeedsEcn(sk)) inetEcnXmit(sk);
  return TCPHDR_ECE | TCPHDR_CWR;
}

/**
 * Linux: tcp_ecn_clear_syn(): with tcp_ecn_fallback, a retransmitted ECN-setup SYN goes out
 * without ECE|CWR (tp.ecnFlags is settled when the SYN-ACK arrives). Call from
 * __tcp_retransmit_skb when (tcpFlags & TCPHDR_SYN_ECN) === TCPHDR_SYN_ECN.
 */
export function tcpEcnClearSyn(sk: TcpSock, skb: SkBuff): void {
  if (ipv4Net(sk.net).sysctl.tcpEcnFallback) TCP_SKB_CB(skb).tcpFlags &= ~(TCPHDR_ECE | TCPHDR_CWR);
}

/**
 * Linux: tcp_ecn_send_synack() (a SYN-ACK sent by a full socket: simultaneous open or
 * retransmission). Returns TCPHDR_ECE when ECN was negotiated, else 0; never CWR. Also
 * clears CWR (and ECE when not negotiated) from TCP_SKB_CB(skb).tcpFlags.
 */
export function tcpEcnSendSynack(sk: TcpSock, skb: SkBuff): number {
  const tp = sk;
  const scb = TCP_SKB_CB(skb);
  scb.tcpFlags &= ~TCPHDR_CWR;
  if (!(tp.ecnFlags & TCP_ECN_OK)) {
    scb.tcpFlags &= ~TCPHDR_ECE;
    return 0;
  }
  if (tcpCaNeedsEcn(sk)) inetEcnXmit(sk);
  return TCPHDR_ECE;
}

/** Linux: tcp_ecn_make_synack(): a request sock's SYN-ACK carries ECE when the SYN negotiated ECN. */
export function tcpEcnMakeSynack(req: RequestSock): number {
  return req.ecnOk ? TCPHDR_ECE : 0;
}

/**
 * Linux: tcp_ecn_create_request(): a listener accepts ECN from a SYN with ECE|CWR when
 * tcp_ecn is non-zero, the SYN itself is not ECT (RFC 3168 6.1.1: an ECT SYN hints at a
 * broken path) or has reserved bits set (`res1`, the 4 bits before CWR), or the CC needs ECN.
 * `dst` is the route of the reply (its `features ecn` also allows ECN).
 */
export function tcpEcnCreateRequest(req: RequestSock, skb: SkBuff, listenSk: TcpSock, thFlags: number, res1: number,
  dst: unknown = null): void {
  const thEcn = (thFlags & TCPHDR_ECE) !== 0 && (thFlags & TCPHDR_CWR) !== 0;
  if (!thEcn) return;
  const ect = tcpSkbEcnField(skb) !== INET_ECN_NOT_ECT;
  const ecnOkDst = dstFeature(dst, DST_FEATURE_ECN_MASK);
  const ecnOk = ipv4Net(listenSk.net).sysctl.tcpEcn !== 0 || ecnOkDst !== 0;
  if (((!ect || res1 !== 0) && ecnOk) || tcpCaNeedsEcn(listenSk) || (ecnOkDst & DST_FEATURE_ECN_CA)) req.ecnOk = true;
}

/** Linux: tcp_ecn_openreq_child(): the child of a request inherits its ECN state. */
export function tcpEcnOpenreqChild(tp: TcpSock, req: RequestSock): void {
  tp.ecnFlags = req.ecnOk ? TCP_ECN_OK : 0;
}

/** Linux: tcp_ecn_rcv_synack(): the SYN-ACK must carry ECE without CWR, else no ECN. */
export function tcpEcnRcvSynack(tp: TcpSock, thFlags: number): void {
  if ((tp.ecnFlags & TCP_ECN_OK) && (!(thFlags & TCPHDR_ECE) || (thFlags & TCPHDR_CWR))) {
    tp.ecnFlags &= ~TCP_ECN_OK;
  }
}

/** Linux: tcp_ecn_rcv_syn() (simultaneous open): the SYN must carry ECE and CWR. */
export function tcpEcnRcvSyn(tp: TcpSock, thFlags: number): void {
  if ((tp.ecnFlags & TCP_ECN_OK) && (!(thFlags & TCPHDR_ECE) || !(thFlags & TCPHDR_CWR))) {
    tp.ecnFlags &= ~TCP_ECN_OK;
  }
}

/** Linux: tcp_ecn_rcv_ecn_echo(): this ACK echoes congestion (ECE on a non-SYN with ECN on): FLAG_ECE. */
export function tcpEcnRcvEcnEcho(tp: TcpSock, thFlags: number): boolean {
  return (thFlags & TCPHDR_ECE) !== 0 && !(thFlags & TCPHDR_SYN) && (tp.ecnFlags & TCP_ECN_OK) !== 0;
}

/**
 * Linux: tcp_ecn_send(): for an outgoing segment of an ECN connection. `skb.len` includes the
 * TCP header (`tcpHeaderLen` bytes) as when Linux calls it after skb_push. New data goes out
 * ECT(0) and takes a queued CWR; pure ACKs and retransmissions go out Not-ECT (RFC 3168 6.1.5).
 * Returns the TCPHDR_CWR / TCPHDR_ECE bits to set in the header.
 */
export function tcpEcnSend(sk: TcpSock, skb: SkBuff, tcpHeaderLen: number): number {
  const tp = sk;
  let bits = 0;
  if (!(tp.ecnFlags & TCP_ECN_OK)) return 0;
  /* Not-retransmitted data segment: set ECT and inject CWR. */
  if (skb.len !== tcpHeaderLen && !before(TCP_SKB_CB(skb).seq, tp.sndNxt)) {
    inetEcnXmit(sk);
    if (tp.ecnFlags & TCP_ECN_QUEUE_CWR) {
      tp.ecnFlags &= ~TCP_ECN_QUEUE_CWR;
      bits |= TCPHDR_CWR;
    }
  } else if (!tcpCaNeedsEcn(sk)) {
    /* ACK or retransmitted segment: clear ECT|CE. */
    inetEcnDontxmit(sk);
  }
  if (tp.ecnFlags & TCP_ECN_DEMAND_CWR) bits |= TCPHDR_ECE;
  return bits;
}

/**
 * Linux: tcp_ecn_check_ce() (from tcp_event_data_recv for every data segment): CE asks the
 * peer to reduce (ECE until CWR) and ACKs quickly; ECT marks the path ECN-capable.
 */
export function tcpEcnCheckCe(sk: TcpSock, skb: SkBuff): void {
  const tp = sk;
  if (!(tp.ecnFlags & TCP_ECN_OK)) return;
  switch (tcpSkbEcnField(skb)) {
    case INET_ECN_NOT_ECT:
      /* Insure that GCN will not continue to mark packets. */
      if (tp.ecnFlags & TCP_ECN_SEEN) tcpEnterQuickackMode(sk, 2);
      break;
    case INET_ECN_CE:
      if (tcpCaNeedsEcn(sk)) tcpCaEvent(sk, CA_EVENT_ECN_IS_CE);
      if (!(tp.ecnFlags & TCP_ECN_DEMAND_CWR)) {
        /* Better not delay acks, sender can have a very low cwnd. */
        tcpEnterQuickackMode(sk, 2);
        tp.ecnFlags |= TCP_ECN_DEMAND_CWR;
      }
      tp.ecnFlags |= TCP_ECN_SEEN;
      break;
    default:
      if (tcpCaNeedsEcn(sk)) tcpCaEvent(sk, CA_EVENT_ECN_NO_CE);
      tp.ecnFlags |= TCP_ECN_SEEN;
      break;
  }
}

/**
 * Linux: tcp_ecn_accept_cwr() (tcp_data_queue): CWR from the peer ends our ECE echo; a data
 * segment with CWR is ACKed at once (the sender's cwnd may be tiny).
 */
export function tcpEcnAcceptCwr(sk: TcpSock, skb: SkBuff): void {
  const scb = TCP_SKB_CB(skb);
  if (scb.tcpFlags & TCPHDR_CWR) {
    sk.ecnFlags &= ~TCP_ECN_DEMAND_CWR;
    if (scb.seq !== scb.endSeq) sk.icskAckPending |= ICSK_ACK_NOW;
  }
}

/** Linux: tcp_ecn_queue_cwr(): a cwnd reduction happened: put CWR on the next new data segment. */
export function tcpEcnQueueCwr(tp: TcpSock): void {
  if (tp.ecnFlags & TCP_ECN_OK) tp.ecnFlags |= TCP_ECN_QUEUE_CWR;
}

/** Linux: tcp_ecn_withdraw_cwr(): the reduction was undone. */
export function tcpEcnWithdrawCwr(tp: TcpSock): void {
  tp.ecnFlags &= ~TCP_ECN_QUEUE_CWR;
}
