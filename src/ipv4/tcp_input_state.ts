/**
 * TCP's state machine on input (Linux: net/ipv4/tcp_input.c tcp_rcv_state_process,
 * tcp_rcv_synsent_state_process, tcp_finish_connect, tcp_fin, tcp_reset,
 * tcp_done_with_error, tcp_conn_request with tcp_openreq_init / tcp_openreq_init_rwin /
 * tcp_syn_flood_action). The established fast/slow path (tcp_rcv_established), tcp_ack,
 * tcp_validate_incoming and data queueing are INPUT's (tcp_input*.ts).
 *
 * Return convention as Linux 6.x: 0 when the segment was consumed (freed or queued); a
 * non-zero drop reason when the caller must answer with a RST and free the segment.
 */
import type { SkBuff } from '../core/skbuff.js';
import { kfreeSkbReason, consumeSkb } from '../core/skbuff.js';
import {
  SKB_DROP_REASON_NOT_SPECIFIED, SKB_DROP_REASON_TCP_FLAGS, SKB_DROP_REASON_TCP_RESET,
  SKB_DROP_REASON_TCP_CLOSE, SKB_DROP_REASON_TCP_OLD_ACK, SKB_DROP_REASON_TCP_ABORT_ON_DATA,
  SKB_DROP_REASON_TCP_INVALID_ACK_SEQUENCE, SKB_DROP_REASON_TCP_RFC7323_PAWS,
} from '../core/drop_reason.js';
import {
  LINUX_MIB_TCPABORTONDATA, LINUX_MIB_PAWSACTIVEREJECTED, LINUX_MIB_LISTENOVERFLOWS, LINUX_MIB_LISTENDROPS,
  LINUX_MIB_TCPREQQFULLDOCOOKIES, LINUX_MIB_TCPREQQFULLDROP, LINUX_MIB_SYNCOOKIESSENT,
} from '../core/snmp.js';
import {
  sockFlag, sockSetFlag, SOCK_DEAD, SOCK_DONE, SOCK_KEEPOPEN, RCV_SHUTDOWN, SEND_SHUTDOWN,
  skErrorReport,
} from '../core/sock.js';
import { skStateChange } from '../core/stream.js';
import { TcpHdr, TCPHDR_FIN, TCPHDR_SYN, TCPHDR_RST, TCPHDR_ACK } from '../wire/tcphdr.js';
import { readU32 } from '../wire/bytes.js';
import { IPH_SADDR, IPH_DADDR } from '../wire/iphdr.js';
import { RTAX_WINDOW, RTAX_INITRWND } from '../wire/route.js';
import { ECONNREFUSED, EPIPE, ECONNRESET } from '../socket/errno.js';
import { ipv4Net } from './netns_ipv4.js';
import { SOCK_RCVBUF_LOCK } from './af_inet.js';
import { Flowi4 } from './rtable.js';
import type { Rtable } from './rtable.js';
import {
  TcpSock, RequestSock, TcpOptionsReceived, TCP_SKB_CB, tcpJiffies32, tcpMstampRefresh, tcpWinFromSpace, tcpIsSack,
} from './tcp_sock.js';
import {
  TCP_ESTABLISHED, TCP_SYN_SENT, TCP_SYN_RECV, TCP_FIN_WAIT1, TCP_FIN_WAIT2, TCP_TIME_WAIT, TCP_CLOSE,
  TCP_CLOSE_WAIT, TCP_LAST_ACK, TCP_LISTEN, TCP_CLOSING, TCP_TIMEWAIT_LEN, TCP_TIMEOUT_MIN, TCP_TIMEOUT_INIT,
  TCP_DELACK_MAX, TCP_MAX_QUICKACKS, ICSK_TIME_RETRANS, ICSK_TIME_DACK, FLAG_SLOWPATH, FLAG_UPDATE_TS_RECENT,
  FLAG_NO_CHALLENGE_ACK, HZ, TCP_MSS_DEFAULT, after, before, between, seqAdd,
} from './tcp_defs.js';
import { TCPOLEN_TSTAMP_ALIGNED } from './tcp_input_opts.js';
import {
  tcpAck, tcpValidateIncoming, tcpUrg, tcpDataSndCheck, tcpInitTransfer, tcpSendChallengeAck, tcpInitWl,
  tcpParseOptions, tcpStoreTsRecent, tcpPawsReject, tcpClearOptions, tcpSackReset, tcpDataQueue, tcpAckSndCheck,
  tcpEnterQuickackMode, __tcpFastPathOn, tcpFastPathOn, tcpInitializeRcvMss, tcpSynackRttMeas,
  tcpUpdatePacingRate, inetCskInPingpongMode,
} from './tcp_input.js';
import { tcpSendAck, tcpSyncMss, tcpMtupInit, tcpSendSynack, tcpSelectInitialWindow, TCP_SYNACK_NORMAL, TCP_SYNACK_COOKIE } from './tcp_output.js';
import { inetCskResetXmitTimer, inetCskScheduleAck, tcpResetKeepaliveTimer } from './tcp_timer.js';
import { tcpEcnRcvSynack, tcpEcnRcvSyn, tcpEcnCreateRequest } from './tcp_ecn.js';
import { tcpSetState, tcpDone, tcpWriteQueuePurge, tcpShutdown, tcpFinTime } from './tcp.js';
import { tcpTimeWait } from './tcp_minisocks.js';
import {
  inetCskReqskQueueIsFull, skAcceptqIsFull, inetCskReqskQueueLen, inetCskReqskQueueHashAdd, inetReqskAlloc,
} from './inet_connection_sock.js';
import { tcpV4SendSynack, inetCskRouteReq, dstMetricAdvmss } from './tcp_ipv4.js';
import { secureTcpSeq, secureTcpTsOff } from './tcp_secure_seq.js';
import { cookieV4InitSequence } from './syncookies.js';
import { tcpNet } from './inet_hashtables.js';

/* ------------------------------------------------------------------ */
/* Errors, reset, FIN                                                  */

/** Linux: tcp_done_with_error(): report `err` to the user and close. */
export function tcpDoneWithError(sk: TcpSock, err: number): void {
  sk.err = err;
  tcpWriteQueuePurge(sk);
  tcpDone(sk);
  if (!sockFlag(sk, SOCK_DEAD)) skErrorReport(sk);
}

/**
 * Linux: tcp_reset(): a valid RST arrived: ECONNREFUSED in SYN_SENT, EPIPE in
 * CLOSE_WAIT, ECONNRESET otherwise (as BSD); nothing for a closed socket.
 */
export function tcpReset(sk: TcpSock, _skb: SkBuff | null): void {
  let err: number;
  switch (sk.state) {
    case TCP_SYN_SENT:
      err = ECONNREFUSED;
      break;
    case TCP_CLOSE_WAIT:
      err = EPIPE;
      break;
    case TCP_CLOSE:
      return;
    default:
      err = ECONNRESET;
  }
  tcpWriteQueuePurge(sk);
  tcpDoneWithError(sk, err);
}

/** Linux: inet_csk_enter_pingpong_mode(). */
function inetCskEnterPingpongMode(sk: TcpSock): void {
  sk.icskAckPingpong = ipv4Net(sk.net).sysctl.tcpPingpongThresh;
}

/**
 * Linux: tcp_fin(): the peer's FIN was processed in sequence: shut down the receive
 * side, move on (ESTABLISHED -> CLOSE_WAIT, FIN_WAIT1 -> CLOSING, FIN_WAIT2 -> TIME_WAIT).
 */
export function tcpFin(sk: TcpSock): void {
  inetCskScheduleAck(sk);
  sk.shutdown |= RCV_SHUTDOWN;
  sockSetFlag(sk, SOCK_DONE);
  switch (sk.state) {
    case TCP_SYN_RECV:
    case TCP_ESTABLISHED:
      // Move to CLOSE_WAIT.
      tcpSetState(sk, TCP_CLOSE_WAIT);
      inetCskEnterPingpongMode(sk);
      break;
    case TCP_CLOSE_WAIT:
    case TCP_CLOSING:
      // A retransmission of the FIN: do nothing.
      break;
    case TCP_LAST_ACK:
      // RFC 793: remain in the LAST-ACK state.
      break;
    case TCP_FIN_WAIT1:
      // Simultaneous close: ACK the FIN and enter CLOSING.
      tcpSendAck(sk);
      tcpSetState(sk, TCP_CLOSING);
      break;
    case TCP_FIN_WAIT2:
      // FIN: ACK it and enter TIME_WAIT.
      tcpSendAck(sk);
      tcpTimeWait(sk, TCP_TIME_WAIT, 0);
      break;
    default:
      break;
  }
  // Out-of-order data after the FIN is dropped.
  sk.outOfOrderQueue.purge(consumeSkb);
  sk.oooLastSkb = null;
  if (tcpIsSack(sk)) tcpSackReset(sk.rxOpt);
  if (!sockFlag(sk, SOCK_DEAD)) skStateChange(sk);
}

/* ------------------------------------------------------------------ */
/* Active open                                                         */

/**
 * Linux: tcp_finish_connect(): our SYN was acknowledged: ESTABLISHED, transfer setup
 * (INPUT's tcp_init_transfer), keepalive, header prediction.
 */
export function tcpFinishConnect(sk: TcpSock, _skb: SkBuff | null): void {
  tcpSetState(sk, TCP_ESTABLISHED);
  sk.icskAckLrcvtime = tcpJiffies32(sk.net.kernel);
  tcpInitTransfer(sk);
  // Prevent a spurious tcp_cwnd_restart() on the first data packet.
  sk.lsndtime = tcpJiffies32(sk.net.kernel);
  if (sockFlag(sk, SOCK_KEEPOPEN)) {
    tcpResetKeepaliveTimer(sk, sk.keepaliveTime || ipv4Net(sk.net).sysctl.tcpKeepaliveTime * HZ);
  }
  if (!sk.rxOpt.sndWscale) __tcpFastPathOn(sk, sk.sndWnd);
  else sk.predFlags = 0;
}

/** Linux: tcp_try_undo_spurious_syn(): the SYN timeout was spurious if the ACK echoes the first SYN's timestamp. */
function tcpTryUndoSpuriousSyn(sk: TcpSock): void {
  const synStamp = sk.retransStamp;
  if (sk.undoMarker && synStamp && sk.rxOpt.sawTstamp && synStamp === sk.rxOpt.rcvTsecr) sk.undoMarker = 0;
}

/**
 * Linux: tcp_rcv_synsent_state_process(): a segment in SYN_SENT (RFC 9293 §3.10.7.3).
 * Returns -1 when the caller continues "step 6 onward" (the skb is still the caller's),
 * 0 when consumed, or a drop reason (the caller sends a RST and frees the skb).
 */
export function tcpRcvSynsentStateProcess(sk: TcpSock, skb: SkBuff, th: TcpHdr): number {
  const net = sk.net;
  const tcb = TCP_SKB_CB(skb);
  const rx = sk.rxOpt;
  const savedClamp = rx.mssClamp;
  const flags = tcb.tcpFlags;
  tcpParseOptions(net, skb, th, rx, false);
  if (rx.sawTstamp && rx.rcvTsecr) rx.rcvTsecr = (rx.rcvTsecr - sk.tsoffset) >>> 0;
  if (flags & TCPHDR_ACK) {
    // RFC 793: "If SEG.ACK =< ISS, or SEG.ACK > SND.NXT, send a reset (unless the RST bit is set)".
    if (!after(tcb.ackSeq, sk.sndUna) || after(tcb.ackSeq, sk.sndNxt)) {
      // A previous FIN/ACK or RST/ACK might be ignored.
      if (sk.icskRetransmits === 0) inetCskResetXmitTimer(sk, ICSK_TIME_RETRANS, TCP_TIMEOUT_MIN, sk.icskRtoMax);
      tcpClearOptions(rx);
      rx.mssClamp = savedClamp;
      return SKB_DROP_REASON_TCP_INVALID_ACK_SEQUENCE;
    }
    if (rx.sawTstamp && rx.rcvTsecr &&
      !between(rx.rcvTsecr, sk.retransStamp, Math.floor(sk.tcpMstamp / 1000) >>> 0)) {
      ipv4Net(net).mib.net[LINUX_MIB_PAWSACTIVEREJECTED]++;
      tcpClearOptions(rx);
      rx.mssClamp = savedClamp;
      return SKB_DROP_REASON_TCP_RFC7323_PAWS;
    }
    // The ACK is acceptable. "If the RST bit is set ... signal connection reset".
    if (flags & TCPHDR_RST) {
      tcpReset(sk, skb);
      consumeSkb(skb);
      return 0;
    }
    // "fifth, if neither of the SYN or RST bits is set then drop the segment".
    if (!(flags & TCPHDR_SYN)) {
      tcpClearOptions(rx);
      rx.mssClamp = savedClamp;
      kfreeSkbReason(skb, SKB_DROP_REASON_TCP_FLAGS);
      return 0;
    }
    // "If the SYN bit is on ... our SYN has been ACKed, change to ESTABLISHED".
    tcpEcnRcvSynack(sk, flags);
    tcpInitWl(sk, tcb.seq);
    tcpTryUndoSpuriousSyn(sk);
    tcpAck(sk, skb, FLAG_SLOWPATH);
    sk.rcvNxt = seqAdd(tcb.seq, 1);
    sk.rcvWup = sk.rcvNxt;
    // RFC 7323: the window in SYN and SYN-ACK segments is never scaled.
    sk.sndWnd = th.window;
    if (!rx.wscaleOk) {
      rx.sndWscale = rx.rcvWscale = 0;
      sk.windowClamp = Math.min(sk.windowClamp, 65535);
    }
    if (rx.sawTstamp) {
      rx.tstampOk = true;
      sk.tcpHeaderLen = 20 + TCPOLEN_TSTAMP_ALIGNED;
      sk.advmss -= TCPOLEN_TSTAMP_ALIGNED;
      tcpStoreTsRecent(sk);
    } else {
      sk.tcpHeaderLen = 20;
    }
    tcpSyncMss(sk, sk.icskPmtuCookie);
    tcpInitializeRcvMss(sk);
    // Change state from SYN-SENT only after copied_seq is initialized (tcp_poll).
    sk.copiedSeq = sk.rcvNxt;
    tcpFinishConnect(sk, skb);
    if (!sockFlag(sk, SOCK_DEAD)) skStateChange(sk);
    if (sk.deferAccept || inetCskInPingpongMode(sk)) {
      // Save one ACK: data will be ready after several ticks.
      inetCskScheduleAck(sk);
      tcpEnterQuickackMode(sk, TCP_MAX_QUICKACKS);
      inetCskResetXmitTimer(sk, ICSK_TIME_DACK, TCP_DELACK_MAX, sk.icskRtoMax);
      consumeSkb(skb);
      return 0;
    }
    tcpSendAck(sk);
    return -1;
  }
  // No ACK in the segment. "If the RST bit is set ... Otherwise (no ACK) drop the segment".
  if (flags & TCPHDR_RST) {
    tcpClearOptions(rx);
    rx.mssClamp = savedClamp;
    kfreeSkbReason(skb, SKB_DROP_REASON_TCP_RESET);
    return 0;
  }
  // PAWS check.
  if (rx.tsRecentStamp && rx.sawTstamp && tcpPawsReject(rx, false, net.kernel)) {
    tcpClearOptions(rx);
    rx.mssClamp = savedClamp;
    kfreeSkbReason(skb, SKB_DROP_REASON_TCP_RFC7323_PAWS);
    return 0;
  }
  if (flags & TCPHDR_SYN) {
    // A SYN without ACK: simultaneous connect with crossed SYNs (or a connect to self).
    tcpSetState(sk, TCP_SYN_RECV);
    if (rx.sawTstamp) {
      rx.tstampOk = true;
      tcpStoreTsRecent(sk);
      sk.tcpHeaderLen = 20 + TCPOLEN_TSTAMP_ALIGNED;
    } else {
      sk.tcpHeaderLen = 20;
    }
    sk.rcvNxt = seqAdd(tcb.seq, 1);
    sk.copiedSeq = sk.rcvNxt;
    sk.rcvWup = sk.rcvNxt;
    // RFC 7323: the window in SYN and SYN-ACK segments is never scaled.
    sk.sndWnd = th.window;
    sk.sndWl1 = tcb.seq;
    sk.maxWindow = sk.sndWnd;
    tcpEcnRcvSyn(sk, flags);
    tcpMtupInit(sk);
    tcpSyncMss(sk, sk.icskPmtuCookie);
    tcpInitializeRcvMss(sk);
    tcpSendSynack(sk);
    // Data in an ACK-less SYN is discarded for sanity (as Linux).
    consumeSkb(skb);
    return 0;
  }
  // "fifth, if neither of the SYN or RST bits is set then drop the segment and return."
  tcpClearOptions(rx);
  rx.mssClamp = savedClamp;
  kfreeSkbReason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
  return 0;
}

/* ------------------------------------------------------------------ */
/* The state machine                                                   */

/**
 * Linux: tcp_rcv_state_process(): every state but ESTABLISHED (and TIME_WAIT, which has
 * its mini sock). 0: consumed; non-zero: the caller answers with a RST and frees the skb.
 */
export function tcpRcvStateProcess(sk: TcpSock, skb: SkBuff): number {
  const net = sk.net;
  const tcb = TCP_SKB_CB(skb);
  const flags = tcb.tcpFlags;
  const th = rxThOf(sk, skb);
  let queued = false;
  switch (sk.state) {
    case TCP_CLOSE:
      kfreeSkbReason(skb, SKB_DROP_REASON_TCP_CLOSE);
      return 0;
    case TCP_LISTEN:
      if (flags & TCPHDR_ACK) return SKB_DROP_REASON_TCP_FLAGS;
      if (flags & TCPHDR_RST) {
        kfreeSkbReason(skb, SKB_DROP_REASON_TCP_RESET);
        return 0;
      }
      if (flags & TCPHDR_SYN) {
        if (flags & TCPHDR_FIN) {
          kfreeSkbReason(skb, SKB_DROP_REASON_TCP_FLAGS);
          return 0;
        }
        tcpConnRequest(sk, skb);
        consumeSkb(skb);
        return 0;
      }
      kfreeSkbReason(skb, SKB_DROP_REASON_TCP_FLAGS);
      return 0;
    case TCP_SYN_SENT: {
      sk.rxOpt.sawTstamp = false;
      tcpMstampRefresh(sk);
      const r = tcpRcvSynsentStateProcess(sk, skb, th);
      if (r >= 0) return r;
      // Do step 6 onward by hand.
      tcpUrg(sk, skb, th);
      consumeSkb(skb);
      tcpDataSndCheck(sk);
      return 0;
    }
    default:
      break;
  }
  tcpMstampRefresh(sk);
  sk.rxOpt.sawTstamp = false;
  if (!(flags & (TCPHDR_ACK | TCPHDR_RST | TCPHDR_SYN))) {
    kfreeSkbReason(skb, SKB_DROP_REASON_TCP_FLAGS);
    return 0;
  }
  if (!tcpValidateIncoming(sk, skb, th, false)) return 0;
  // step 5: check the ACK field.
  const ackRet = tcpAck(sk, skb, FLAG_SLOWPATH | FLAG_UPDATE_TS_RECENT | FLAG_NO_CHALLENGE_ACK);
  if (ackRet <= 0) {
    if (sk.state === TCP_SYN_RECV) {
      // Send one RST.
      return ackRet === 0 ? SKB_DROP_REASON_TCP_OLD_ACK : -ackRet;
    }
    // Accept an old ACK during closing.
    if (ackRet < 0) {
      tcpSendChallengeAck(sk);
      kfreeSkbReason(skb, -ackRet);
      return 0;
    }
  }
  switch (sk.state) {
    case TCP_SYN_RECV: {
      sk.delivered++; // SYN-ACK delivery isn't tracked in tcp_ack
      const req = sk.synRecvReq;
      sk.synRecvReq = null;
      if (!sk.srttUs) tcpSynackRttMeas(sk, req);
      tcpTryUndoSpuriousSyn(sk);
      sk.retransStamp = 0;
      // Linux 6.16+: the timestamp bytes come off advmss before tcp_init_transfer (rcvq_space = 10 * 1448).
      if (sk.rxOpt.tstampOk) sk.advmss -= TCPOLEN_TSTAMP_ALIGNED;
      tcpInitTransfer(sk);
      sk.copiedSeq = sk.rcvNxt;
      tcpSetState(sk, TCP_ESTABLISHED);
      skStateChange(sk);
      sk.sndUna = tcb.ackSeq;
      sk.sndWnd = th.window << sk.rxOpt.sndWscale;
      tcpInitWl(sk, tcb.seq);
      if (!sk.icskCaOps?.congControl) tcpUpdatePacingRate(sk);
      // Prevent a spurious tcp_cwnd_restart() on the first data packet.
      sk.lsndtime = tcpJiffies32(net.kernel);
      tcpInitializeRcvMss(sk);
      tcpFastPathOn(sk);
      if (sk.shutdown & SEND_SHUTDOWN) tcpShutdown(sk, SEND_SHUTDOWN);
      break;
    }
    case TCP_FIN_WAIT1: {
      if (sk.sndUna !== sk.writeSeq) break;
      tcpSetState(sk, TCP_FIN_WAIT2);
      sk.shutdown |= SEND_SHUTDOWN;
      if (!sockFlag(sk, SOCK_DEAD)) {
        // Wake up a lingering close().
        skStateChange(sk);
        break;
      }
      if (sk.linger2 < 0) {
        tcpDone(sk);
        ipv4Net(net).mib.net[LINUX_MIB_TCPABORTONDATA]++;
        return SKB_DROP_REASON_TCP_ABORT_ON_DATA;
      }
      if (tcb.endSeq !== tcb.seq && after((tcb.endSeq - (flags & TCPHDR_FIN)) >>> 0, sk.rcvNxt)) {
        // Out-of-order FIN or data after close().
        tcpDone(sk);
        ipv4Net(net).mib.net[LINUX_MIB_TCPABORTONDATA]++;
        return SKB_DROP_REASON_TCP_ABORT_ON_DATA;
      }
      const tmo = tcpFinTime(sk);
      if (tmo > TCP_TIMEWAIT_LEN) {
        tcpResetKeepaliveTimer(sk, tmo - TCP_TIMEWAIT_LEN);
      } else if (flags & TCPHDR_FIN) {
        // Bad case: we could lose such a FIN otherwise.
        tcpResetKeepaliveTimer(sk, tmo);
      } else {
        tcpTimeWait(sk, TCP_FIN_WAIT2, tmo);
        consumeSkb(skb);
        return 0;
      }
      break;
    }
    case TCP_CLOSING:
      if (sk.sndUna === sk.writeSeq) {
        tcpTimeWait(sk, TCP_TIME_WAIT, 0);
        consumeSkb(skb);
        return 0;
      }
      break;
    case TCP_LAST_ACK:
      if (sk.sndUna === sk.writeSeq) {
        tcpDone(sk);
        consumeSkb(skb);
        return 0;
      }
      break;
    default:
      break;
  }
  // step 6: check the URG bit.
  tcpUrg(sk, skb, th);
  // step 7: process the segment text.
  const st = sk.state;
  let doQueue = st === TCP_ESTABLISHED || st === TCP_FIN_WAIT1 || st === TCP_FIN_WAIT2;
  if (st === TCP_CLOSE_WAIT || st === TCP_CLOSING || st === TCP_LAST_ACK) doQueue = before(tcb.seq, sk.rcvNxt);
  if (doQueue && st !== TCP_ESTABLISHED) {
    // RFC 793 says to queue data in these states, RFC 1122 says we MUST send a reset.
    if ((sk.shutdown & RCV_SHUTDOWN) && tcb.endSeq !== tcb.seq &&
      after((tcb.endSeq - (flags & TCPHDR_FIN)) >>> 0, sk.rcvNxt)) {
      ipv4Net(net).mib.net[LINUX_MIB_TCPABORTONDATA]++;
      tcpReset(sk, skb);
      return SKB_DROP_REASON_TCP_ABORT_ON_DATA;
    }
  }
  if (doQueue) {
    tcpDataQueue(sk, skb);
    queued = true;
  }
  // tcp_data could move the socket to TIME_WAIT.
  if (sk.state !== TCP_CLOSE) {
    tcpDataSndCheck(sk);
    tcpAckSndCheck(sk);
  }
  if (!queued) kfreeSkbReason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
  return 0;
}

/** The TCP header of a received segment (skb.transportHeader), through the namespace's cached view. */
function rxThOf(sk: TcpSock, skb: SkBuff): TcpHdr {
  return tcpNet(sk.net).rxTh.at(skb.buf, skb.transportHeader);
}

/** Linux: tcp_rcv_synrecv_state_process is folded into tcpRcvStateProcess (kept for the contract). */
export function tcpRcvSynRecvStateProcess(sk: TcpSock, skb: SkBuff): number {
  return tcpRcvStateProcess(sk, skb);
}

/* ------------------------------------------------------------------ */
/* Passive open: SYN at a listener                                     */

/** Linux: tcp_syn_flood_action(): cookies (TCPReqQFullDoCookies) or drop (TCPReqQFullDrop). */
function tcpSynFloodAction(sk: TcpSock): boolean {
  const net = sk.net;
  const syncookies = ipv4Net(net).sysctl.tcpSyncookies;
  let wantCookie = false;
  if (syncookies) {
    wantCookie = true;
    ipv4Net(net).mib.net[LINUX_MIB_TCPREQQFULLDOCOOKIES]++;
  } else {
    ipv4Net(net).mib.net[LINUX_MIB_TCPREQQFULLDROP]++;
  }
  // Linux prints "TCP: request_sock_TCP: Possible SYN flooding on port ..." once per listener.
  if (!sk.synfloodWarned && syncookies !== 2) sk.synfloodWarned = true;
  return wantCookie;
}

/** Linux: tcp_openreq_init(). */
function tcpOpenreqInit(req: RequestSock, rx: TcpOptionsReceived, skb: SkBuff, th: TcpHdr): void {
  const tcb = TCP_SKB_CB(skb);
  req.rcvWnd = 0; // so that tcp_send_synack() knows
  req.rcvIsn = tcb.seq;
  req.rcvNxt = seqAdd(tcb.seq, 1);
  req.sntSynack = 0;
  req.sntTsvalFirst = 0;
  req.lastOowAckTime = 0;
  req.mss = rx.mssClamp;
  req.tsRecent = rx.sawTstamp ? rx.rcvTsval : 0;
  req.tstampOk = rx.tstampOk;
  req.sackOk = rx.sackOk !== 0;
  req.sndWscale = rx.sndWscale;
  req.wscaleOk = rx.wscaleOk;
  req.acked = false;
  req.ecnOk = false;
  req.rmtPort = th.source;
  req.num = th.dest;
  req.mark = req.listener.mark;
}

/** Linux: tcp_full_space(). */
export function tcpFullSpace(sk: TcpSock): number {
  return tcpWinFromSpace(sk, sk.rcvbuf);
}

/** Linux: tcp_openreq_init_rwin(): the window and scale the SYN-ACK offers. */
export function tcpOpenreqInitRwin(req: RequestSock, sk: TcpSock, dst: Rtable): void {
  let fullSpace = tcpFullSpace(sk);
  const advmss = dstMetricAdvmss(dst);
  const userMss = sk.rxOpt.userMss;
  const mss = userMss && userMss < advmss ? userMss : advmss;
  req.windowClamp = sk.windowClamp || dst.metrics[RTAX_WINDOW]!;
  // Limit the window selection if the user enforces a smaller receive buffer.
  if ((sk.userlocks & SOCK_RCVBUF_LOCK) && (req.windowClamp > fullSpace || req.windowClamp === 0)) {
    req.windowClamp = fullSpace;
  }
  const rcvWnd = dst.metrics[RTAX_INITRWND]!;
  if (rcvWnd !== 0 && fullSpace < rcvWnd * mss) fullSpace = rcvWnd * mss;
  const w = tcpSelectInitialWindow(sk, fullSpace, mss - (req.tstampOk ? TCPOLEN_TSTAMP_ALIGNED : 0),
    req.windowClamp, req.wscaleOk, rcvWnd);
  req.rcvWnd = w.rcvWnd;
  req.windowClamp = w.windowClamp;
  req.rcvWscale = w.rcvWscale;
}

/**
 * Linux: tcp_conn_request() (tcp_request_sock_ipv4_ops): a SYN at a listener: a request
 * sock in the SYN queue and a SYN-ACK, or a SYN cookie when the queue is full (or
 * tcp_syncookies = 2), or a drop (ListenOverflows / ListenDrops). Always 0; the caller
 * frees the SYN.
 */
export function tcpConnRequest(sk: TcpSock, skb: SkBuff): number {
  const net = sk.net;
  const sys = ipv4Net(net).sysctl;
  const mib = ipv4Net(net).mib.net;
  const tcb = TCP_SKB_CB(skb);
  let isn = tcb.twIsn;
  tcb.twIsn = 0;
  const syncookies = sys.tcpSyncookies;
  let wantCookie = false;
  // TW buckets are converted to open requests without limitations: the peer is evidently real.
  if ((syncookies === 2 || inetCskReqskQueueIsFull(sk)) && !isn) {
    wantCookie = tcpSynFloodAction(sk);
    if (!wantCookie) return tcpListendrop(sk);
  }
  if (skAcceptqIsFull(sk)) {
    mib[LINUX_MIB_LISTENOVERFLOWS]++;
    return tcpListendrop(sk);
  }
  const req = inetReqskAlloc(sk);
  req.syncookie = wantCookie;
  req.tsOff = 0;
  const th = rxThOf(sk, skb);
  const rx = new TcpOptionsReceived();
  rx.mssClamp = TCP_MSS_DEFAULT; // Linux: tcp_request_sock_ipv4_ops.mss_clamp
  rx.userMss = sk.rxOpt.userMss;
  tcpParseOptions(net, skb, th, rx, false);
  if (wantCookie && !rx.sawTstamp) tcpClearOptions(rx);
  rx.tstampOk = rx.sawTstamp;
  tcpOpenreqInit(req, rx, skb, th);
  const b = skb.buf;
  const nh = skb.networkHeader;
  const saddr = readU32(b, nh + IPH_SADDR);
  const daddr = readU32(b, nh + IPH_DADDR);
  // Linux: tcp_v4_init_req().
  req.locAddr = daddr;
  req.rmtAddr = saddr;
  req.iif = sk.boundDevIf || (skb.skbIif || (skb.dev !== null ? skb.dev.ifindex : 0));
  req.tos = b[nh + 1]!;
  const dst = inetCskRouteReq(sk, new Flowi4(), req);
  if (dst === null) return tcpListendrop(sk);
  if (rx.tstampOk) req.tsOff = sys.tcpTimestamps === 1 ? secureTcpTsOff(net.kernel, daddr, saddr, th.dest, th.source) : 0;
  if (!wantCookie && !isn) {
    const maxSynBacklog = sys.tcpMaxSynBacklog;
    // Without syncookies the last quarter of the backlog is for destinations proven to be alive.
    if (!syncookies && maxSynBacklog - inetCskReqskQueueLen(sk) < (maxSynBacklog >> 2)) {
      return tcpListendrop(sk);
    }
    isn = secureTcpSeq(net.kernel, daddr, saddr, th.dest, th.source);
  }
  tcpEcnCreateRequest(req, skb, sk, tcb.tcpFlags, b[skb.transportHeader + 12]! & 0xf, dst);
  if (wantCookie) {
    const mssOut = { mss: req.mss };
    ipv4Net(net).mib.net[LINUX_MIB_SYNCOOKIESSENT]++;
    tcpSynqOverflow(sk);
    isn = cookieV4InitSequence(skb, mssOut);
    req.mss = mssOut.mss;
    if (!req.tstampOk) req.ecnOk = false;
  }
  req.sntIsn = isn;
  tcpOpenreqInitRwin(req, sk, dst);
  if (!wantCookie) {
    req.timeout = TCP_TIMEOUT_INIT;
    inetCskReqskQueueHashAdd(sk, req, req.timeout);
  }
  tcpV4SendSynack(sk, req, dst, wantCookie ? TCP_SYNACK_COOKIE : TCP_SYNACK_NORMAL);
  return 0;
}

/** Linux: tcp_listendrop(). */
function tcpListendrop(sk: TcpSock): number {
  ipv4Net(sk.net).mib.net[LINUX_MIB_LISTENDROPS]++;
  return 0;
}

/** Linux: tcp_synq_overflow(): remember when the SYN queue last overflowed (for cookie checks). */
export function tcpSynqOverflow(sk: TcpSock): void {
  const now = tcpJiffies32(sk.net.kernel) || 1;
  const last = sk.synqOverflowStamp;
  if (!last || !(((now - last) | 0) >= 0 && ((now - (last + HZ)) | 0) <= 0)) sk.synqOverflowStamp = now;
}
