/**
 * Control segments and connection setup on output (Linux: net/ipv4/tcp_output.c
 * __tcp_send_ack(), tcp_send_delayed_ack(), tcp_send_fin(), tcp_send_active_reset(),
 * tcp_make_synack(), tcp_send_synack(), tcp_connect_init(), tcp_connect()). Pure ACKs
 * and RSTs are built in a fresh header-only skb and sent without cloning; the SYN and a
 * FIN go through the retransmit/write queues like data.
 */
import type { SkBuff } from '../core/skbuff.js';
import { kfreeSkbReason, skbPush, CHECKSUM_PARTIAL, SKB_TRUESIZE_OVERHEAD } from '../core/skbuff.js';
import type { DstEntry } from '../core/dst.js';
import { skDstCheck, skDstSet, SOCK_DONE } from '../core/sock.js';
import { SKB_DROP_REASON_NOT_SPECIFIED } from '../core/drop_reason.js';
import { TCP_MIB_OUTSEGS, TCP_MIB_OUTRSTS, TCP_MIB_ACTIVEOPENS, LINUX_MIB_TCPABORTFAILED } from '../core/snmp.js';
import { writeU16, writeU32 } from '../wire/bytes.js';
import { IPPROTO_TCP } from '../wire/iphdr.js';
import { TCPHDR_ACK, TCPHDR_FIN, TCPHDR_RST, TCPHDR_SYN } from '../wire/tcphdr.js';
import { RTAX_INITRWND, RTAX_WINDOW } from '../wire/route.js';
import { EHOSTUNREACH, EFAULT } from '../socket/errno.js';
import { ipv4Net } from './netns_ipv4.js';
import type { Rtable } from './rtable.js';
import { ipRouteOutputPorts } from './route_output.js';
import { type TcpSock, type RequestSock, TCP_SKB_CB, tcpMstampRefresh, tcpJiffies32 } from './tcp_sock.js';
import {
  MAX_TCP_HEADER, TCP_CLOSE, TCP_NAGLE_OFF, TCP_ATO_MIN, TCP_DELACK_MIN, TCP_DELACK_MAX, HZ, TCP_CHRONO_BUSY,
  TCP_TIMEOUT_INIT, ICSK_ACK_SCHED, ICSK_ACK_TIMER, ICSK_ACK_PUSHED, ICSK_TIME_DACK, ICSK_TIME_RETRANS,
} from './tcp_defs.js';
import {
  TcpOutOptions, tcpSynackOptions, tcpOptionsWrite, dstMetricAdvmss, tcpMssClamp, tcpSelectInitialWindow,
  TCPOLEN_TSTAMP_ALIGNED,
} from './tcp_output_opts.js';
import {
  tcpTransmitSkb, tcpAllocHeaderSkb, tcpInitNondataSkb, tcpAcceptableSeq, tcpChronoStart, tcpFlow,
  __tcpPushPendingFrames, tcpCurrentMss, tcpMtupInit, tcpSyncMss, TCP_SYNACK_COOKIE,
} from './tcp_output.js';
import { inetCskResetXmitTimer, inetCskScheduleAck, tcpResetXmitTimer } from './tcp_timer.js';
import { tcpEcnSendSyn, tcpEcnSendSynack, tcpEcnMakeSynack } from './tcp_ecn.js';
import { tcpFullSpace, tcpInitializeRcvMss } from './tcp_input_rtt.js';
import { cookieInitTimestamp } from './syncookies.js';
import { tcpWriteQueuePurge } from './tcp.js';

/* ------------------------------------------------------------------ */
/* ACKs                                                                */

/**
 * Linux: __tcp_send_ack(): a pure ACK (seq = snd_nxt or the window edge) acknowledging
 * `rcvNxt`, with the current window, timestamps and SACK blocks.
 */
export function __tcpSendAck(sk: TcpSock, rcvNxt: number, flags = 0): void {
  // If we have been reset, we may not send again.
  if (sk.state === TCP_CLOSE) return;
  const buff = tcpAllocHeaderSkb();
  tcpInitNondataSkb(buff, tcpAcceptableSeq(sk), TCPHDR_ACK | flags);
  // Send it off, this clears delayed acks for us.
  tcpTransmitSkb(sk, buff, false, rcvNxt);
}

/** Linux: tcp_send_ack(). */
export function tcpSendAck(sk: TcpSock): void {
  __tcpSendAck(sk, sk.rcvNxt, 0);
}

/**
 * Linux: tcp_send_delayed_ack(): arm the delayed-ACK timer for ato, bounded by the RTT
 * (and 200 ms, or 500 ms outside pingpong/PUSHED), by TCP_DELACK_MAX (icsk_delack_max);
 * an earlier pending timer wins, and one about to expire sends the ACK now.
 */
export function tcpSendDelayedAck(sk: TcpSock): void {
  let ato = sk.icskAckAto;
  if (ato > TCP_DELACK_MIN) {
    let maxAto = HZ / 2;
    const pingpong = sk.icskAckPingpong >= ipv4Net(sk.net).sysctl.tcpPingpongThresh;
    if (pingpong || (sk.icskAckPending & ICSK_ACK_PUSHED)) maxAto = TCP_DELACK_MAX;
    // Slow path, intersegment interval is "high". If some rtt estimate is known, use it
    // to bound delayed ack.
    if (sk.srttUs) {
      const rtt = Math.max(Math.ceil((sk.srttUs >>> 3) / 1000), TCP_DELACK_MIN);
      if (rtt < maxAto) maxAto = rtt;
    }
    ato = Math.min(ato, maxAto);
  }
  ato = Math.min(ato, sk.icskDelackMax);
  // Stay within the limit we were given.
  const k = sk.net.kernel;
  const jiffies = tcpJiffies32(k);
  let timeout = (jiffies + ato) >>> 0;
  // Use new timeout only if there wasn't a older one earlier.
  if (sk.icskAckPending & ICSK_ACK_TIMER) {
    // If delack timer is about to expire, send ACK now.
    if (((sk.icskAckTimeout - ((jiffies + (ato >> 2)) >>> 0)) | 0) <= 0) {
      tcpSendAck(sk);
      return;
    }
    if (((timeout - sk.icskAckTimeout) | 0) >= 0) timeout = sk.icskAckTimeout;
  }
  sk.icskAckPending |= ICSK_ACK_SCHED | ICSK_ACK_TIMER;
  sk.icskAckTimeout = timeout;
  k.modTimer(sk.icskDelackTimer, (Math.floor(k.clock.now() / 1e6) + ((timeout - jiffies) | 0)) * 1e6);
}

/** Linux: tcp_send_ack() when the ACK could not be allocated: retry from the delack timer. */
export function tcpDelackRetry(sk: TcpSock): void {
  const delay = TCP_DELACK_MAX << sk.icskAckRetry;
  if (delay < sk.icskRtoMax) sk.icskAckRetry++;
  inetCskScheduleAck(sk);
  sk.icskAckAto = TCP_ATO_MIN;
  inetCskResetXmitTimer(sk, ICSK_TIME_DACK, delay, sk.icskRtoMax);
}

/* ------------------------------------------------------------------ */
/* FIN and RST                                                         */

/**
 * Linux: tcp_send_fin(): put FIN on the last unsent skb, or queue a new empty FIN skb,
 * and push with Nagle off.
 */
export function tcpSendFin(sk: TcpSock): void {
  const tp = sk;
  const tail = tp.writeQueue.tail;
  if (tail !== null) {
    const tcb = TCP_SKB_CB(tail);
    tcb.tcpFlags |= TCPHDR_FIN;
    tcb.endSeq = (tcb.endSeq + 1) >>> 0;
    tp.writeSeq = (tp.writeSeq + 1) >>> 0;
  } else {
    const skb = tcpAllocHeaderSkb();
    skb.truesize = SKB_TRUESIZE_OVERHEAD + MAX_TCP_HEADER;
    // FIN eats a sequence byte, write_seq advanced by tcp_queue_skb().
    tcpInitNondataSkb(skb, tp.writeSeq, TCPHDR_ACK | TCPHDR_FIN);
    // tcp_queue_skb()
    tp.writeSeq = TCP_SKB_CB(skb).endSeq;
    tp.writeQueue.enqueueTail(skb);
    if (tp.writeQueue.head === skb) tcpChronoStart(tp, TCP_CHRONO_BUSY);
    tp.wmemQueued += skb.truesize;
  }
  __tcpPushPendingFrames(sk, tcpCurrentMss(sk), TCP_NAGLE_OFF);
}

/**
 * Linux: tcp_send_active_reset(): a RST (with ACK) at the acceptable sequence; counts
 * OutRsts (TCPAbortFailed if it could not be sent). Never retransmitted.
 */
export function tcpSendActiveReset(sk: TcpSock, reason = 0): void {
  void reason;
  const net = ipv4Net(sk.net);
  net.mib.tcp[TCP_MIB_OUTRSTS]!++;
  const skb = tcpAllocHeaderSkb();
  tcpInitNondataSkb(skb, tcpAcceptableSeq(sk), TCPHDR_ACK | TCPHDR_RST);
  tcpMstampRefresh(sk);
  if (tcpTransmitSkb(sk, skb, false)) net.mib.net[LINUX_MIB_TCPABORTFAILED]!++;
}

/* ------------------------------------------------------------------ */
/* SYN-ACK                                                             */

/**
 * Linux: tcp_make_synack(): the SYN-ACK of a request sock (the caller checksums it with
 * tcpV4SendCheck and sends it with ipBuildAndSendPkt). Options from what the SYN
 * negotiated; under syncookies the timestamp encodes the options (cookieInitTimestamp).
 */
export function tcpMakeSynack(sk: TcpSock, dst: DstEntry | null, req: RequestSock, synackType: number): SkBuff | null {
  const skb = tcpAllocHeaderSkb();
  skb.dst = dst;
  const mss = tcpMssClamp(sk, dstMetricAdvmss(dst));
  const now = sk.net.kernel.clock.now();
  let tsNs = now;
  if (synackType === TCP_SYNACK_COOKIE && req.tstampOk) {
    tsNs = cookieInitTimestamp(req, now);
  } else if (!req.sntSynack) {
    // Timestamp first SYNACK.
    req.sntSynack = Math.floor(now / 1000);
  }
  const tsval = (Math.floor(tsNs / 1e6) + req.tsOff) >>> 0;
  if (req.tstampOk) {
    // tcp_synack_options(): remember the TSvals sent for tcp_check_req's TSecr check.
    if (!req.sntTsvalFirst) req.sntTsvalFirst = tsval;
    req.sntTsvalLast = tsval;
  }
  const opts = new TcpOutOptions();
  const hlen = tcpSynackOptions(req, mss, tsval, opts) + 20;
  skbPush(skb, hlen);
  skb.transportHeader = skb.data;
  const buf = skb.buf;
  const th = skb.data;
  buf.fill(0, th, th + 20);
  writeU16(buf, th, req.num);
  writeU16(buf, th + 2, req.rmtPort);
  skb.mark = req.mark;
  skb.ipSummed = CHECKSUM_PARTIAL;
  writeU32(buf, th + 4, req.sntIsn);
  // XXX data is queued and acked as is. No buffer/window check.
  writeU32(buf, th + 8, (req.rcvIsn + 1) >>> 0);
  // RFC 1323: the window in SYN & SYN/ACK segments is never scaled.
  writeU16(buf, th + 14, req.rcvWnd < 65535 ? req.rcvWnd : 65535);
  tcpOptionsWrite(buf, th + 20, opts);
  buf[th + 12] = (hlen >> 2) << 4;
  buf[th + 13] = TCPHDR_SYN | TCPHDR_ACK | tcpEcnMakeSynack(req);
  ipv4Net(sk.net).mib.tcp[TCP_MIB_OUTSEGS]!++;
  skb.tstamp = now;
  return skb;
}

/**
 * Linux: tcp_send_synack(): in SYN_SENT, a simultaneous open turns our SYN (head of the
 * retransmit queue) into a SYN-ACK and sends it.
 */
export function tcpSendSynack(sk: TcpSock): number {
  const skb = sk.rtxQueue.head;
  if (skb === null || (TCP_SKB_CB(skb).tcpFlags & TCPHDR_SYN) === 0) return -EFAULT;
  const tcb = TCP_SKB_CB(skb);
  if ((tcb.tcpFlags & TCPHDR_ACK) === 0) {
    tcb.tcpFlags |= TCPHDR_ACK;
    // tcp_ecn_send_synack(): CWR off, ECE only when ECN is on.
    tcb.tcpFlags = (tcb.tcpFlags & ~(0x80 | 0x40)) | tcpEcnSendSynack(sk, skb);
  }
  return tcpTransmitSkb(sk, skb, true);
}

/* ------------------------------------------------------------------ */
/* Active open                                                         */

/** Linux: inet_sk_rebuild_header(): make sure the socket has a route. */
function tcpRebuildHeader(sk: TcpSock): number {
  if (skDstCheck(sk) !== null) return 0;
  const r = ipRouteOutputPorts(sk.net, tcpFlow(sk), sk, sk.inetDaddr, sk.inetSaddr, sk.inetDport, sk.inetSport,
    IPPROTO_TCP, sk.tos, sk.boundDevIf);
  if (typeof r === 'number') return r;
  skDstSet(sk, r);
  return 0;
}

/**
 * Linux: tcp_connect_init(): the connection's sending state from the route: header
 * length, MSS (clamp, TCP_MAXSEG, route MTU), advmss, window clamp, the SYN's window
 * and scale, initial sequence state (write_seq was chosen by tcp_v4_connect), RTO.
 */
function tcpConnectInit(sk: TcpSock): void {
  const tp = sk;
  const s = ipv4Net(sk.net).sysctl;
  const dst = sk.dstCache as Rtable | null;
  // We'll fix this up when we get a response from the other end.
  tp.tcpHeaderLen = 20;
  if (s.tcpTimestamps) tp.tcpHeaderLen += TCPOLEN_TSTAMP_ALIGNED;
  // If user gave his TCP_MAXSEG, record it to clamp.
  if (tp.rxOpt.userMss) tp.rxOpt.mssClamp = tp.rxOpt.userMss;
  tp.maxWindow = 0;
  tcpMtupInit(sk);
  tcpSyncMss(sk, dst !== null ? dst.mtu() : 576);
  if (!tp.windowClamp) tp.windowClamp = dst !== null ? dst.metrics[RTAX_WINDOW]! : 0;
  tp.advmss = tcpMssClamp(tp, dstMetricAdvmss(dst));
  tcpInitializeRcvMss(sk);
  // Limit the window selection if the user enforces a smaller rx buffer.
  const full = tcpFullSpace(sk);
  if ((sk.userlocks & 2 /* SOCK_RCVBUF_LOCK */) && (tp.windowClamp > full || tp.windowClamp === 0)) tp.windowClamp = full;
  const initRwnd = dst !== null ? dst.metrics[RTAX_INITRWND]! : 0;
  const w = tcpSelectInitialWindow(sk, full,
    tp.advmss - (tp.rxOpt.tsRecentStamp ? tp.tcpHeaderLen - 20 : 0), tp.windowClamp, s.tcpWindowScaling !== 0,
    initRwnd);
  tp.rcvWnd = w.rcvWnd;
  tp.windowClamp = w.windowClamp;
  tp.rxOpt.rcvWscale = w.rcvWscale;
  tp.rcvSsthresh = tp.rcvWnd;
  sk.err = 0;
  sk.flags &= ~SOCK_DONE;
  tp.sndWnd = 0;
  tp.sndWl1 = 0; // tcp_init_wl(tp, 0)
  tcpWriteQueuePurge(tp);
  tp.sndUna = tp.writeSeq;
  tp.sndSml = tp.writeSeq;
  tp.sndUp = tp.writeSeq;
  tp.sndNxt = tp.writeSeq;
  if (!tp.repair) tp.rcvNxt = 0;
  else tp.rcvTstamp = tcpJiffies32(sk.net.kernel);
  tp.rcvWup = tp.rcvNxt;
  tp.copiedSeq = tp.rcvNxt;
  sk.icskRto = TCP_TIMEOUT_INIT;
  sk.icskRetransmits = 0;
  // tcp_clear_retrans()
  tp.retransOut = 0;
  tp.lostOut = 0;
  tp.undoMarker = 0;
  tp.undoRetrans = -1;
  tp.sackedOut = 0;
  tp.rcvOoopack = 0;
}

/**
 * Linux: tcp_connect(): build and send the SYN (MSS, SACK_PERM, TS, WSCALE; ECN SYN as
 * tcp_ecn says), queue it for retransmission, count ActiveOpens, arm the SYN timer.
 */
export function tcpConnect(sk: TcpSock): number {
  const tp = sk;
  if (tcpRebuildHeader(sk) !== 0) return -EHOSTUNREACH; // Routing failure or similar.
  tcpConnectInit(sk);
  const buff = tcpAllocHeaderSkb();
  buff.truesize = SKB_TRUESIZE_OVERHEAD + MAX_TCP_HEADER;
  // SYN eats a sequence byte, write_seq updated by tcp_connect_queue_skb().
  tcpInitNondataSkb(buff, tp.writeSeq, TCPHDR_SYN);
  tcpMstampRefresh(tp);
  tp.retransStamp = Math.floor(tp.tcpMstamp / 1000) >>> 0;
  // tcp_connect_queue_skb()
  const tcb = TCP_SKB_CB(buff);
  tp.wmemQueued += buff.truesize;
  tp.writeSeq = tcb.endSeq;
  tp.packetsOut += tcb.pcount;
  tcb.tcpFlags |= tcpEcnSendSyn(sk, buff);
  tp.rtxQueue.enqueueTail(buff);
  // Send off SYN.
  tcpTransmitSkb(sk, buff, true);
  // We change tp->snd_nxt after the tcp_transmit_skb() call in order to make this packet
  // get counted in tcpOutSegs.
  tp.sndNxt = tp.writeSeq;
  tp.pushedSeq = tp.writeSeq;
  const head = tp.writeQueue.head;
  if (head !== null) {
    tp.sndNxt = TCP_SKB_CB(head).seq;
    tp.pushedSeq = TCP_SKB_CB(head).seq;
  }
  ipv4Net(sk.net).mib.tcp[TCP_MIB_ACTIVEOPENS]!++;
  // Timer for repeating the SYN until an answer.
  tcpResetXmitTimer(sk, ICSK_TIME_RETRANS, sk.icskRto);
  return 0;
}

/** Drop an skb TCP built but will not send (kept for symmetry with Linux's kfree_skb on error paths). */
export function tcpDropSkb(skb: SkBuff): void {
  kfreeSkbReason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
}

