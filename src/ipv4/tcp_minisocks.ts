/**
 * TIME_WAIT and SYN_RECV mini sockets (Linux: net/ipv4/tcp_minisocks.c and the
 * inet_timewait_sock part of net/ipv4/inet_timewait_sock.c).
 *
 * - `tcpTimeWait` turns a closing full socket into a `TimeWaitSock` (TIME_WAIT, or the
 *   FIN_WAIT2 substate of an orphan waiting for the peer's FIN) that takes its place in
 *   ehash and in the bind bucket, for 60 s (TCP_TIMEWAIT_LEN) or the FIN_WAIT2 timeout;
 *   `tcpTimewaitStateProcess` answers segments for it (PAWS, RFC 1337 with
 *   tcp_rfc1337, SYN reuse with an ISN past the old connection).
 * - `tcpCheckReq` processes a segment for a request sock (TCP_NEW_SYN_RECV): retransmitted
 *   SYN, ACK check, window/PAWS check, RST/SYN, TCP_DEFER_ACCEPT, then the child socket
 *   through tcp_v4_syn_recv_sock and inet_csk_complete_hashdance;
 *   `tcpCreateOpenreqChild` builds the child, `tcpChildProcess` feeds it the segment.
 */
import type { SkBuff } from '../core/skbuff.js';
import type { TimerList } from '../core/timer.js';
import type { Net } from '../core/net_namespace.js';
import type { TcpHdr } from '../wire/tcphdr.js';
import {
  LINUX_MIB_TIMEWAITED, LINUX_MIB_TIMEWAITKILLED, LINUX_MIB_TCPTIMEWAITOVERFLOW, LINUX_MIB_PAWSTIMEWAIT,
  LINUX_MIB_TCPACKSKIPPEDTIMEWAIT, LINUX_MIB_TCPACKSKIPPEDSYNRECV, LINUX_MIB_PAWSESTABREJECTED,
  LINUX_MIB_TSECRREJECTED, LINUX_MIB_EMBRYONICRSTS, LINUX_MIB_TCPDEFERACCEPTDROP, TCP_MIB_ATTEMPTFAILS,
  TCP_MIB_PASSIVEOPENS, LINUX_MIB_TCPACKSKIPPEDFINWAIT2,
} from '../core/snmp.js';
import { ipv4Net } from './netns_ipv4.js';
import {
  TcpSock, RequestSock, TimeWaitSock, TCP_SKB_CB, tcpJiffies32, tcpReceiveWindow,
} from './tcp_sock.js';
import {
  TCP_TIME_WAIT, TCP_FIN_WAIT2, TCP_SYN_RECV, TCP_TIMEWAIT_LEN, TCP_RTO_MAX, HZ, before, after, between,
  seqAdd,
} from './tcp_defs.js';
import {
  tcpNet, ehashInsert, ehashRemove, inetTwskBindHash, inetTwskBindUnhash,
} from './inet_hashtables.js';
import { sockProtInuseAdd } from './af_inet.js';
import { TCPOLEN_TSTAMP_ALIGNED } from './tcp_input_opts.js';
import { tcpParseOptions, tcpPawsReject, tcpGetSeconds } from './tcp_input.js';
import { tcpV4SynRecvSock, tcpV4SendReset, tcpV4ReqskSendAck, tcpV4SendSynack } from './tcp_ipv4.js';
import {
  inetCskReqskQueueDrop, inetCskCompleteHashdance, inetCskCloneLock, reqskTimeout,
} from './inet_connection_sock.js';
import { tcpRcvStateProcess } from './tcp_input_state.js';
import { tcpInitWl, tcpSynackRttMeas } from './tcp_input.js';
import { tcpEcnOpenreqChild } from './tcp_ecn.js';
import { tcpDone } from './tcp.js';
import { tcpResetKeepaliveTimer } from './tcp_timer.js';
import { sockFlag, SOCK_KEEPOPEN, skDataReady } from '../core/sock.js';
import { TCP_MIB_RETRANSSEGS, LINUX_MIB_TCPSYNRETRANS } from '../core/snmp.js';

/** Linux: enum tcp_tw_status. */
export const TCP_TW_SUCCESS = 0;
export const TCP_TW_RST = 1;
export const TCP_TW_ACK = 2;
export const TCP_TW_SYN = 3;

const TCPHDR_FIN = 0x01;
const TCPHDR_SYN = 0x02;
const TCPHDR_RST = 0x04;
const TCPHDR_ACK = 0x10;
const TCP_HLEN = 20;

/** ms of the kernel clock (Linux: tcp_clock_ms()). */
function tcpClockMs(net: Net): number {
  return Math.floor(net.kernel.clock.now() / 1e6);
}

/** Linux: tcp_tw_tsval(): the timestamp a TIME_WAIT ACK carries. */
export function tcpTwTsval(tw: TimeWaitSock): number {
  return (tcpClockMs(tw.net) + tw.tsOffset) >>> 0;
}

/** Linux: tcp_in_window(). */
export function tcpInWindow(seq: number, endSeq: number, sWin: number, eWin: number): boolean {
  if (seq === sWin) return true;
  if (after(endSeq, sWin) && before(seq, eWin)) return true;
  return seq === eWin && seq === endSeq;
}

/**
 * Linux: tcp_oow_rate_limited(): at most one ACK per tcp_invalid_ratelimit ms for
 * out-of-window segments (data segments without SYN are never limited). `holder` keeps
 * the last time in its `lastOowAckTime`.
 */
export function tcpOowRateLimited(net: Net, skb: SkBuff, mibIdx: number,
  holder: { lastOowAckTime: number }): boolean {
  const tcb = TCP_SKB_CB(skb);
  if (tcb.seq !== tcb.endSeq && !(tcb.tcpFlags & TCPHDR_SYN)) return false;
  const now = tcpJiffies32(net.kernel);
  const val = holder.lastOowAckTime;
  if (val) {
    const elapsed = (now - val) | 0;
    if (elapsed >= 0 && elapsed < ipv4Net(net).sysctl.tcpInvalidRatelimit) {
      ipv4Net(net).mib.net[mibIdx]++;
      return true;
    }
  }
  holder.lastOowAckTime = now || 1;
  return false;
}

/* ------------------------------------------------------------------ */
/* TIME_WAIT                                                           */

/** Linux: inet_twsk_kill(): out of ehash and the bind bucket. */
function inetTwskKill(tw: TimeWaitSock): void {
  const t = tcpNet(tw.net);
  if (tw.hashed) {
    ehashRemove(t, tw);
    tw.hashed = false;
  }
  inetTwskBindUnhash(tw);
  t.twCount--;
}

/** Linux: tw_timer_handler(). */
function twTimerHandler(timer: TimerList): void {
  const tw = (timer as TimerList & { tw: TimeWaitSock }).tw;
  inetTwskKill(tw);
}

/**
 * Linux: __inet_twsk_schedule(): arm (TW or TWKilled counted: short timeouts are
 * "killed") or re-arm the TIME_WAIT timer for `timeo` jiffies.
 */
function inetTwskSchedule(tw: TimeWaitSock, timeo: number, rearm: boolean): void {
  const k = tw.net.kernel;
  if (!rearm) {
    const kill = timeo <= 4 * HZ;
    tw.kill = kill;
    ipv4Net(tw.net).mib.net[kill ? LINUX_MIB_TIMEWAITKILLED : LINUX_MIB_TIMEWAITED]++;
    tcpNet(tw.net).twCount++;
  } else if (!tw.timer.pending()) {
    return;
  }
  tw.expires = tcpJiffies32(k) + timeo;
  k.modTimer(tw.timer, k.clock.now() + timeo * 1e6);
}

/** Linux: inet_twsk_reschedule(). */
export function inetTwskReschedule(tw: TimeWaitSock, timeo: number): void {
  inetTwskSchedule(tw, timeo, true);
}

/** Linux: inet_twsk_deschedule_put(): stop the timer and kill the TIME_WAIT sock now. */
export function inetTwskDeschedulePut(tw: TimeWaitSock): void {
  const k = tw.net.kernel;
  if (tw.timer.pending()) {
    k.delTimer(tw.timer);
    inetTwskKill(tw);
  }
}

/**
 * Linux: tcp_time_wait(): move `sk` to TIME_WAIT (or FIN_WAIT2 substate) as a mini sock
 * for `timeo` jiffies (at least 3.5 RTO; exactly TCP_TIMEWAIT_LEN for TIME_WAIT), then
 * tcp_done the full socket. Past tcp_max_tw_buckets the socket just closes
 * (TCPTimeWaitOverflow).
 */
export function tcpTimeWait(sk: TcpSock, state: number, timeo: number): void {
  const net = sk.net;
  const t = tcpNet(net);
  if (t.twCount >= ipv4Net(net).sysctl.tcpMaxTwBuckets) {
    ipv4Net(net).mib.net[LINUX_MIB_TCPTIMEWAITOVERFLOW]++;
    tcpDone(sk);
    return;
  }
  const tw = new TimeWaitSock(net, twTimerHandler);
  (tw.timer as TimerList & { tw: TimeWaitSock }).tw = tw;
  const rto = (sk.icskRto << 2) - (sk.icskRto >> 1);
  tw.substate = state;
  tw.rcvSaddr = sk.inetRcvSaddr;
  tw.daddr = sk.inetDaddr;
  tw.num = sk.inetNum;
  tw.dport = sk.inetDport;
  tw.boundDevIf = sk.boundDevIf;
  tw.tos = sk.tos;
  tw.reuse = sk.reuse;
  tw.reuseport = sk.reuseport;
  tw.uid = sk.uid;
  tw.mark = sk.mark;
  tw.rcvWscale = sk.rxOpt.rcvWscale;
  tw.entryStamp = tcpClockMs(net);
  tw.rcvNxt = sk.rcvNxt;
  tw.sndNxt = sk.sndNxt;
  tw.rcvWnd = tcpReceiveWindow(sk);
  tw.tsRecent = sk.rxOpt.tsRecent;
  tw.tsRecentStamp = sk.rxOpt.tsRecentStamp;
  tw.tsOffset = sk.tsoffset;
  tw.tstampOk = sk.rxOpt.tstampOk;
  tw.lastOowAckTime = 0;
  if (timeo < rto) timeo = rto;
  if (state === TCP_TIME_WAIT) timeo = TCP_TIMEWAIT_LEN;
  // Linux: inet_twsk_hashdance_schedule(): the tw takes the socket's place in the tables.
  inetTwskBindHash(tw, sk);
  ehashInsert(t, tw);
  tw.hashed = true;
  if (sk.skHashed) {
    ehashRemove(t, sk);
    sk.skHashed = false;
    sockProtInuseAdd(net, sk.skProt, -1);
  }
  inetTwskSchedule(tw, timeo, false);
  tcpDone(sk);
}

/**
 * Linux: tcp_timewait_state_process(): what to do with a segment for a TIME_WAIT (or
 * FIN_WAIT2 substate) sock: TCP_TW_SUCCESS (drop), TCP_TW_ACK, TCP_TW_RST or
 * TCP_TW_SYN (a new connection may reuse the 4-tuple: TCP_SKB_CB(skb).twIsn is set).
 */
export function tcpTimewaitStateProcess(tw: TimeWaitSock, skb: SkBuff, th: TcpHdr): number {
  const net = tw.net;
  const tcb = TCP_SKB_CB(skb);
  const flags = tcb.tcpFlags;
  const rcvNxt = tw.rcvNxt;
  const tmp = tcpNet(net).tmpOpt;
  tmp.sawTstamp = false;
  let pawsReject = false;
  const tsRecentStamp = tw.tsRecentStamp;
  if (th.doff > TCP_HLEN >> 2 && tsRecentStamp) {
    tcpParseOptions(net, skb, th, tmp, false);
    if (tmp.sawTstamp) {
      if (tmp.rcvTsecr) tmp.rcvTsecr = (tmp.rcvTsecr - tw.tsOffset) >>> 0;
      tmp.tsRecent = tw.tsRecent;
      tmp.tsRecentStamp = tsRecentStamp;
      pawsReject = tcpPawsReject(tmp, (flags & TCPHDR_RST) !== 0, net.kernel);
    }
  }
  if (tw.substate === TCP_FIN_WAIT2) {
    // Just repeat all the checks of tcp_rcv_state_process(). Out of window: ACK.
    if (pawsReject || !tcpInWindow(tcb.seq, tcb.endSeq, rcvNxt, seqAdd(rcvNxt, tw.rcvWnd))) {
      return tcpTimewaitCheckOowRateLimit(tw, skb, LINUX_MIB_TCPACKSKIPPEDFINWAIT2);
    }
    if (flags & TCPHDR_RST) {
      inetTwskDeschedulePut(tw);
      return TCP_TW_SUCCESS;
    }
    if ((flags & TCPHDR_SYN) && !before(tcb.seq, rcvNxt)) return TCP_TW_RST;
    // Dup ACK?
    if (!(flags & TCPHDR_ACK) || !after(tcb.endSeq, rcvNxt) || tcb.endSeq === tcb.seq) return TCP_TW_SUCCESS;
    // New data or FIN. New data after a half-duplex close: reset.
    if (!(flags & TCPHDR_FIN) || tcb.endSeq !== seqAdd(rcvNxt, 1)) return TCP_TW_RST;
    // FIN arrived: enter true TIME_WAIT.
    tw.substate = TCP_TIME_WAIT;
    tw.rcvNxt = tcb.endSeq;
    if (tmp.sawTstamp) {
      const ts = tcpClockMs(net);
      tw.entryStamp = ts;
      tw.tsRecentStamp = Math.floor(ts / 1000) || 1;
      tw.tsRecent = tmp.rcvTsval;
    }
    inetTwskReschedule(tw, TCP_TIMEWAIT_LEN);
    return TCP_TW_ACK;
  }
  // Real TIME_WAIT (RFC 1122: only a new SYN with a higher sequence number is accepted).
  if (!pawsReject && tcb.seq === rcvNxt && (tcb.seq === tcb.endSeq || (flags & TCPHDR_RST))) {
    // In-window segment: only a reset or a bare ACK.
    if (flags & TCPHDR_RST) {
      // TIME_WAIT assassination (RFC 1337): ignored with tcp_rfc1337.
      if (!ipv4Net(net).sysctl.tcpRfc1337) {
        inetTwskDeschedulePut(tw);
        return TCP_TW_SUCCESS;
      }
    } else {
      inetTwskReschedule(tw, TCP_TIMEWAIT_LEN);
    }
    if (tmp.sawTstamp) {
      tw.tsRecent = tmp.rcvTsval;
      tw.tsRecentStamp = tcpGetSeconds(net.kernel);
    }
    return TCP_TW_SUCCESS;
  }
  // Out of window: ACK it, except a new SYN that is not an old duplicate.
  if ((flags & TCPHDR_SYN) && !(flags & TCPHDR_RST) && !(flags & TCPHDR_ACK) && !pawsReject &&
    (after(tcb.seq, rcvNxt) || (tmp.sawTstamp && ((tw.tsRecent - tmp.rcvTsval) | 0) < 0))) {
    let isn = (tw.sndNxt + 65535 + 2) >>> 0;
    if (isn === 0) isn++;
    tcb.twIsn = isn;
    return TCP_TW_SYN;
  }
  if (pawsReject) ipv4Net(net).mib.net[LINUX_MIB_PAWSTIMEWAIT]++;
  if (!(flags & TCPHDR_RST)) {
    // Reset the TIMEWAIT timer, except for an ACK-less SYN that may be a new good SYN.
    if (pawsReject || (flags & TCPHDR_ACK)) inetTwskReschedule(tw, TCP_TIMEWAIT_LEN);
    return tcpTimewaitCheckOowRateLimit(tw, skb, LINUX_MIB_TCPACKSKIPPEDTIMEWAIT);
  }
  return TCP_TW_SUCCESS;
}

/** Linux: tcp_timewait_check_oow_rate_limit(). */
function tcpTimewaitCheckOowRateLimit(tw: TimeWaitSock, skb: SkBuff, mibIdx: number): number {
  return tcpOowRateLimited(tw.net, skb, mibIdx, tw) ? TCP_TW_SUCCESS : TCP_TW_ACK;
}

/* ------------------------------------------------------------------ */
/* SYN_RECV                                                            */

/** Linux: tcp_rtx_synack() via inet_rtx_syn_ack(): resend the SYN-ACK of `req`. 0 or -errno. */
export function tcpRtxSynack(sk: TcpSock, req: RequestSock): number {
  const res = tcpV4SendSynack(sk, req);
  if (!res) {
    const m = ipv4Net(sk.net).mib;
    m.tcp[TCP_MIB_RETRANSSEGS]++;
    m.net[LINUX_MIB_TCPSYNRETRANS]++;
    req.numRetrans++;
  }
  return res;
}

/**
 * Linux: tcp_check_req(): a segment for request sock `req` of listener `sk`. Returns the
 * new child (the handshake completed), `sk` (the listener must handle it, e.g. a bad ACK
 * is answered with a RST by tcp_rcv_state_process), or null (consumed or dropped: the
 * caller frees the skb).
 */
export function tcpCheckReq(sk: TcpSock, skb: SkBuff, req: RequestSock): TcpSock | null {
  const net = sk.net;
  const mib = ipv4Net(net).mib;
  const tcb = TCP_SKB_CB(skb);
  const th = tcpNet(net).rxTh;
  let flg = tcb.tcpFlags & (TCPHDR_RST | TCPHDR_SYN | TCPHDR_ACK);
  let tsecrReject = false;
  let pawsReject = false;
  const tmp = tcpNet(net).tmpOpt;
  tmp.sawTstamp = false;
  if (th.doff > TCP_HLEN >> 2) {
    tcpParseOptions(net, skb, th, tmp, false);
    if (tmp.sawTstamp) {
      tmp.tsRecent = req.tsRecent;
      if (tmp.rcvTsecr) {
        if (req.tstampOk && req.sntTsvalFirst) {
          tsecrReject = !between(tmp.rcvTsecr, req.sntTsvalFirst, req.sntTsvalLast);
        }
        tmp.rcvTsecr = (tmp.rcvTsecr - req.tsOff) >>> 0;
      }
      // We do not store the true stamp; it can be estimated from the timeouts.
      tmp.tsRecentStamp = tcpGetSeconds(net.kernel) - Math.floor(reqskTimeout(req, TCP_RTO_MAX) / HZ);
      pawsReject = tcpPawsReject(tmp, (flg & TCPHDR_RST) !== 0, net.kernel);
    }
  }
  // Check for a pure retransmitted SYN: resend the SYN-ACK (RFC 1122 fixing RFC 793 fig. 8).
  if (tcb.seq === req.rcvIsn && flg === TCPHDR_SYN && !pawsReject) {
    if (!tcpOowRateLimited(net, skb, LINUX_MIB_TCPACKSKIPPEDSYNRECV, req) && !tcpRtxSynack(sk, req)) {
      const k = net.kernel;
      if (req.timer.pending()) {
        const j = reqskTimeout(req, TCP_RTO_MAX);
        req.expires = tcpJiffies32(k) + j;
        k.modTimer(req.timer, k.clock.now() + j * 1e6);
      }
    }
    return null;
  }
  // RFC 793 p. 36: an unacceptable ACK in a non-synchronized state: the listener resets.
  if ((flg & TCPHDR_ACK) && tcb.ackSeq !== seqAdd(req.sntIsn, 1)) return sk;
  // RFC 793: "first check sequence number".
  if (pawsReject || tsecrReject ||
    !tcpInWindow(tcb.seq, tcb.endSeq, req.rcvNxt, seqAdd(req.rcvNxt, Math.min(req.rcvWnd, 65535 << req.rcvWscale)))) {
    // Out of window: send ACK and drop.
    if (!(flg & TCPHDR_RST) && !tcpOowRateLimited(net, skb, LINUX_MIB_TCPACKSKIPPEDSYNRECV, req)) {
      tcpV4ReqskSendAck(sk, skb, req);
    }
    if (pawsReject) mib.net[LINUX_MIB_PAWSESTABREJECTED]++;
    else if (tsecrReject) mib.net[LINUX_MIB_TSECRREJECTED]++;
    return null;
  }
  // In sequence, PAWS is OK.
  if (tmp.sawTstamp && !after(tcb.seq, req.rcvNxt)) req.tsRecent = tmp.rcvTsval;
  // Truncate a SYN: it is out of window starting at rcv_isn + 1.
  if (tcb.seq === req.rcvIsn) flg &= ~TCPHDR_SYN;
  // RFC 793: "second check the RST bit" and "fourth, check the SYN bit".
  if (flg & (TCPHDR_RST | TCPHDR_SYN)) {
    mib.tcp[TCP_MIB_ATTEMPTFAILS]++;
    return embryonicReset(sk, skb, req, flg);
  }
  // Without ACK, silently drop.
  if (!(flg & TCPHDR_ACK)) return null;
  // While TCP_DEFER_ACCEPT is active, drop a bare ACK.
  if (req.numTimeout < sk.deferAccept && tcb.endSeq === seqAdd(req.rcvIsn, 1)) {
    req.acked = true;
    mib.net[LINUX_MIB_TCPDEFERACCEPTDROP]++;
    return null;
  }
  // The ACK is valid: create the full socket and feed it this segment.
  const child = tcpV4SynRecvSock(sk, skb, req);
  if (child === null) {
    // listen_overflow:
    if (!ipv4Net(net).sysctl.tcpAbortOnOverflow) {
      req.acked = true;
      return null;
    }
    return embryonicReset(sk, skb, req, flg);
  }
  tcpSynackRttMeas(child, req);
  return inetCskCompleteHashdance(sk, child, req, child.synRecvOwnReq);
}

/** The `embryonic_reset:` tail of tcp_check_req. */
function embryonicReset(sk: TcpSock, skb: SkBuff, req: RequestSock, flg: number): null {
  // A bad SYN gets a RST; a valid RST just kills the request.
  if (!(flg & TCPHDR_RST)) tcpV4SendReset(sk, skb);
  if (inetCskReqskQueueDrop(sk, req)) ipv4Net(sk.net).mib.net[LINUX_MIB_EMBRYONICRSTS]++;
  return null;
}

/**
 * Linux: tcp_create_openreq_child(): the child socket of `req`, in TCP_SYN_RECV, with
 * the sequence space, window, options and timestamps the handshake negotiated.
 */
export function tcpCreateOpenreqChild(sk: TcpSock, req: RequestSock, skb: SkBuff): TcpSock {
  const newtp = inetCskCloneLock(sk, req)!;
  const k = sk.net.kernel;
  const now = tcpJiffies32(k);
  newtp.predFlags = 0;
  let seq = seqAdd(req.rcvIsn, 1);
  newtp.rcvWup = seq;
  newtp.copiedSeq = seq;
  newtp.rcvNxt = seq;
  newtp.segsIn = 1;
  seq = seqAdd(req.sntIsn, 1);
  newtp.sndSml = seq;
  newtp.sndUna = seq;
  newtp.sndNxt = seq;
  newtp.sndUp = seq;
  tcpInitWl(newtp, req.rcvIsn);
  const m = newtp.rttMin;
  m.t0 = m.t1 = m.t2 = now;
  m.v0 = m.v1 = m.v2 = 0xffffffff;
  newtp.icskAckLrcvtime = now;
  newtp.lsndtime = now;
  newtp.totalRetrans = req.numRetrans;
  newtp.writeSeq = seq;
  newtp.pushedSeq = seq;
  if (sockFlag(newtp, SOCK_KEEPOPEN)) {
    const kt = newtp.keepaliveTime || ipv4Net(sk.net).sysctl.tcpKeepaliveTime * HZ;
    tcpResetKeepaliveTimer(newtp, kt);
  }
  const rx = newtp.rxOpt;
  rx.tstampOk = req.tstampOk;
  rx.sackOk = req.sackOk ? 1 : 0;
  newtp.windowClamp = req.windowClamp;
  newtp.rcvSsthresh = req.rcvWnd;
  newtp.rcvWnd = req.rcvWnd;
  rx.wscaleOk = req.wscaleOk;
  if (rx.wscaleOk) {
    rx.sndWscale = req.sndWscale;
    rx.rcvWscale = req.rcvWscale;
  } else {
    rx.sndWscale = rx.rcvWscale = 0;
    newtp.windowClamp = Math.min(newtp.windowClamp, 65535);
  }
  const b = skb.buf;
  const th = skb.transportHeader;
  newtp.sndWnd = ((b[th + 14]! << 8) | b[th + 15]!) << rx.sndWscale;
  newtp.maxWindow = newtp.sndWnd;
  if (rx.tstampOk) {
    rx.tsRecent = req.tsRecent;
    rx.tsRecentStamp = tcpGetSeconds(k);
    newtp.tcpHeaderLen = TCP_HLEN + TCPOLEN_TSTAMP_ALIGNED;
  } else {
    rx.tsRecentStamp = 0;
    newtp.tcpHeaderLen = TCP_HLEN;
  }
  if (req.numTimeout) {
    newtp.totalRto = req.numTimeout;
    newtp.undoMarker = req.sntIsn;
    newtp.retransStamp = Math.floor(req.sntSynack / 1000);
    newtp.totalRtoTime = Math.floor(k.clock.now() / 1e6) - newtp.retransStamp;
  }
  newtp.tsoffset = req.tsOff;
  if (skb.len >= 536 + newtp.tcpHeaderLen) newtp.icskAckLastSegSize = skb.len - newtp.tcpHeaderLen;
  rx.mssClamp = req.mss;
  tcpEcnOpenreqChild(newtp, req);
  ipv4Net(sk.net).mib.tcp[TCP_MIB_PASSIVEOPENS]++;
  return newtp;
}

/**
 * Linux: tcp_child_process(): feed the segment that completed the handshake to the child
 * (in SYN_RECV); wake the listener when the child moved on. Returns a drop reason
 * (non-zero: the caller sends a RST for the child and frees the skb).
 */
export function tcpChildProcess(parent: TcpSock, child: TcpSock, skb: SkBuff): number {
  const state = child.state;
  child.segsIn++;
  if (skb.len > (skb.buf[skb.transportHeader + 12]! >> 4) * 4) child.dataSegsIn++;
  const reason = tcpRcvStateProcess(child, skb);
  // Wake up the parent (accept()).
  if (state === TCP_SYN_RECV && child.state !== state) skDataReady(parent);
  return reason;
}
