/**
 * TCP timers (Linux: net/ipv4/tcp_timer.c, with the inet_csk_* timer helpers of
 * include/net/inet_connection_sock.h and tcp_rearm_rto/tcp_reset_xmit_timer of
 * tcp_input.c/tcp.h). A socket has three kernel timers:
 * - the retransmit timer (icsk_retransmit_timer), multiplexed by `icskPending`: RTO
 *   (tcp_retransmit_timer), zero-window probe (tcp_probe_timer), tail loss probe
 *   (tcp_send_loss_probe) and RACK reordering timeout (tcp_rack_reo_timeout);
 * - the delayed-ACK timer;
 * - sk_timer: keepalive probes, and the FIN_WAIT2 timeout of an orphan.
 * Times are jiffies (ms, HZ 1000); a timer is armed at an absolute jiffy (expiry in ns =
 * jiffies * 1e6), and a handler that finds its deadline still ahead re-arms, as Linux's.
 */
import type { TimerList } from '../core/timer.js';
import { SOCK_DEAD, SOCK_KEEPOPEN, skDstReset, skErrorReport, sockFlag } from '../core/sock.js';
import {
  LINUX_MIB_TCPTIMEOUTS, LINUX_MIB_TCPABORTONTIMEOUT, LINUX_MIB_TCPABORTONMEMORY, LINUX_MIB_DELAYEDACKS,
  LINUX_MIB_TCPKEEPALIVE, LINUX_MIB_TCPSACKRECOVERYFAIL, LINUX_MIB_TCPRENORECOVERYFAIL, LINUX_MIB_TCPLOSSFAILURES,
  LINUX_MIB_TCPSACKFAILURES, LINUX_MIB_TCPRENOFAILURES,
} from '../core/snmp.js';
import { ETIMEDOUT } from '../socket/errno.js';
import { ipv4Net } from './netns_ipv4.js';
import type { Rtable } from './rtable.js';
import {
  type TcpSock, type TcpTimerFns, type TimerWithSock, tcpJiffies32, tcpMstampRefresh, tcpIsSack, tcpWriteQueueEmpty,
  TCP_SKB_CB,
} from './tcp_sock.js';
import {
  ICSK_ACK_SCHED, ICSK_ACK_TIMER, ICSK_TIME_DACK, ICSK_TIME_RETRANS, ICSK_TIME_PROBE0, ICSK_TIME_LOSS_PROBE,
  ICSK_TIME_REO_TIMEOUT, TCPF_CLOSE, TCPF_LISTEN, TCPF_SYN_SENT, TCPF_SYN_RECV, TCP_SYN_SENT, TCP_ESTABLISHED,
  TCP_FIN_WAIT2, TCP_LISTEN, TCP_ATO_MIN, TCP_RTO_MIN, TCP_RTO_MAX, TCP_TIMEOUT_INIT, TCP_TIMEOUT_MIN,
  TCP_TIMEWAIT_LEN, TCP_RESOURCE_PROBE_INTERVAL, TCP_CA_Recovery, TCP_CA_Loss, TCP_CA_Disorder, HZ,
  TCP_INFINITE_SSTHRESH,
} from './tcp_defs.js';
import {
  tcpSendAck, tcpSendActiveReset, tcpRetransmitSkb, tcpSendProbe0, tcpSendLossProbe, tcpWriteWakeup, tcpMtuToMss,
  tcpMssToMtu, tcpSyncMss, tcpRtoDeltaUs,
} from './tcp_output.js';
import { tcpEnterLoss } from './tcp_fastretrans.js';
import { tcpRackReoTimeout } from './tcp_recovery.js';
import { __tcpSetRto } from './tcp_input_rtt.js';
import { tcpDone, tcpWriteQueuePurge, tcpCheckOom, tcpFinTime } from './tcp.js';
import { tcpTimeWait } from './tcp_minisocks.js';

/** Linux: TCP_THIN_LINEAR_RETRIES. */
export const TCP_THIN_LINEAR_RETRIES = 6;

/** The absolute kernel time (ns) of jiffy `j` taken relative to now. */
function armAt(sk: TcpSock, t: TimerList, jiffiesFromNow: number): void {
  const k = sk.net.kernel;
  k.modTimer(t, (Math.floor(k.clock.now() / 1e6) + jiffiesFromNow) * 1e6);
}

/* ------------------------------------------------------------------ */
/* inet_connection_sock timer helpers                                  */

/**
 * Linux: inet_csk_reset_xmit_timer(): arm the retransmit timer for `what` (RETRANS,
 * PROBE0, LOSS_PROBE, REO_TIMEOUT) or the delayed-ACK timer (DACK) `when` jiffies from
 * now, at most `maxWhen`.
 */
export function inetCskResetXmitTimer(sk: TcpSock, what: number, when: number, maxWhen: number): void {
  if (when > maxWhen) when = maxWhen;
  if (when < 0) when = 0;
  const jiffies = tcpJiffies32(sk.net.kernel);
  if (what === ICSK_TIME_DACK) {
    sk.icskAckPending |= ICSK_ACK_TIMER;
    sk.icskAckTimeout = (jiffies + when) >>> 0;
    armAt(sk, sk.icskDelackTimer, when);
    return;
  }
  sk.icskPending = what;
  sk.icskTimeout = (jiffies + when) >>> 0;
  armAt(sk, sk.icskRetransmitTimer, when);
}

/** Linux: inet_csk_clear_xmit_timer(). */
export function inetCskClearXmitTimer(sk: TcpSock, what: number): void {
  if (what === ICSK_TIME_DACK) {
    sk.icskAckPending = 0;
    sk.icskAckRetry = 0;
    sk.net.kernel.delTimer(sk.icskDelackTimer);
  } else {
    sk.icskPending = 0;
    sk.net.kernel.delTimer(sk.icskRetransmitTimer);
  }
}

/** Linux: inet_csk_clear_xmit_timers(). */
export function inetCskClearXmitTimers(sk: TcpSock): void {
  sk.icskPending = 0;
  sk.icskAckPending = 0;
  sk.icskAckRetry = 0;
  const k = sk.net.kernel;
  k.delTimer(sk.icskRetransmitTimer);
  k.delTimer(sk.icskDelackTimer);
  k.delTimer(sk.skTimer);
  if (sk.tsqTimer !== null) k.delTimer(sk.tsqTimer);
}

/** Linux: inet_csk_schedule_ack(). */
export function inetCskScheduleAck(sk: TcpSock): void {
  sk.icskAckPending |= ICSK_ACK_SCHED;
}

/** Linux: inet_csk_ack_scheduled(). */
export function inetCskAckScheduled(sk: TcpSock): boolean {
  return (sk.icskAckPending & ICSK_ACK_SCHED) !== 0;
}

/** Linux: inet_csk_delack_init(). */
export function inetCskDelackInit(sk: TcpSock): void {
  sk.icskAckPending = 0;
  sk.icskAckQuick = 0;
  sk.icskAckPingpong = 0;
  sk.icskAckRetry = 0;
  sk.icskAckAto = 0;
  sk.icskAckTimeout = 0;
  sk.icskAckLrcvtime = 0;
  sk.icskAckLastSegSize = 0;
  sk.icskAckRcvMss = 0;
}

/** Linux: inet_csk_in_pingpong_mode(). */
function inPingpongMode(sk: TcpSock): boolean {
  return sk.icskAckPingpong >= ipv4Net(sk.net).sysctl.tcpPingpongThresh;
}

/** Linux: tcp_reset_xmit_timer(): inet_csk_reset_xmit_timer bounded by tcp_rto_max (no pacing delay here). */
export function tcpResetXmitTimer(sk: TcpSock, what: number, when: number, _paceDelay = true): void {
  inetCskResetXmitTimer(sk, what, when, sk.icskRtoMax);
}

/**
 * Linux: tcp_rearm_rto(): restart the RTO for the head of the retransmit queue (counting
 * the time already spent when a TLP or RACK timer held it), or stop it when nothing is
 * in flight.
 */
export function tcpRearmRto(sk: TcpSock): void {
  if (!sk.packetsOut) {
    inetCskClearXmitTimer(sk, ICSK_TIME_RETRANS);
    return;
  }
  let rto = sk.icskRto;
  // Offset the time elapsed after installing regular RTO.
  if (sk.icskPending === ICSK_TIME_REO_TIMEOUT || sk.icskPending === ICSK_TIME_LOSS_PROBE) {
    const deltaUs = tcpRtoDeltaUs(sk);
    rto = Math.ceil(Math.max(deltaUs, 1) / 1000);
  }
  tcpResetXmitTimer(sk, ICSK_TIME_RETRANS, rto);
}

/* ------------------------------------------------------------------ */
/* Errors and limits                                                   */

/** Linux: tcp_done_with_error(): report `err` (positive errno), purge, close. */
export function tcpDoneWithError(sk: TcpSock, err: number): void {
  sk.err = err;
  tcpWriteQueuePurge(sk);
  tcpDone(sk);
  if (!sockFlag(sk, SOCK_DEAD)) skErrorReport(sk);
}

/** Linux: tcp_write_err(): give up (ETIMEDOUT, or the ICMP soft error seen), TCPAbortOnTimeout. */
export function tcpWriteErr(sk: TcpSock): void {
  tcpDoneWithError(sk, sk.errSoft || ETIMEDOUT);
  ipv4Net(sk.net).mib.net[LINUX_MIB_TCPABORTONTIMEOUT]!++;
}

/**
 * Linux: tcp_out_of_resources(): an orphan when too many orphans exist: reset it (if it
 * sent recently or the window is closed) and close it; counts TCPAbortOnMemory.
 */
export function tcpOutOfResources(sk: TcpSock, doReset: boolean): boolean {
  const now = tcpJiffies32(sk.net.kernel);
  let shift = 0;
  // If peer does not open window for long time, or did not transmit anything for long time, penalize it.
  if (((now - sk.lsndtime) | 0) > 2 * TCP_RTO_MAX || !doReset) shift++;
  // If some dubious ICMP arrived, penalize even more.
  if (sk.errSoft) shift++;
  if (tcpCheckOom(sk, shift)) {
    // Catch exceptional cases, when connection requires reset.
    if (((now - sk.lsndtime) | 0) <= TCP_TIMEWAIT_LEN || (!sk.sndWnd && !sk.packetsOut)) doReset = true;
    if (doReset) tcpSendActiveReset(sk);
    tcpDone(sk);
    ipv4Net(sk.net).mib.net[LINUX_MIB_TCPABORTONMEMORY]!++;
    return true;
  }
  return false;
}

/** Linux: tcp_orphan_retries(). */
function tcpOrphanRetries(sk: TcpSock, alive: boolean): number {
  let retries = ipv4Net(sk.net).sysctl.tcpOrphanRetries; // May be zero.
  // We know from an ICMP that something is wrong.
  if (sk.errSoft && !alive) retries = 0;
  // However, if socket sent something recently, select some safe number of retries.
  // 8 corresponds to >100 seconds with minimal RTO of 200msec.
  if (retries === 0 && alive) retries = 8;
  return retries;
}

/** Linux: tcp_mtu_probing(): PMTU black-hole detection (net.ipv4.tcp_mtu_probing). */
function tcpMtuProbing(sk: TcpSock): void {
  const s = ipv4Net(sk.net).sysctl;
  if (!s.tcpMtuProbing) return;
  if (!sk.icskMtupEnabled) {
    sk.icskMtupEnabled = true;
    sk.icskMtupProbeTimestamp = tcpJiffies32(sk.net.kernel);
  } else {
    let mss = tcpMtuToMss(sk, sk.icskMtupSearchLow) >> 1;
    mss = Math.min(s.tcpBaseMss, mss);
    mss = Math.max(mss, s.tcpMtuProbeFloor);
    mss = Math.max(mss, s.tcpMinSndMss);
    sk.icskMtupSearchLow = tcpMssToMtu(sk, mss);
  }
  tcpSyncMss(sk, sk.icskPmtuCookie);
}

/** Linux: tcp_model_timeout(): ms an exponential backoff from rto_base takes for `boundary` retries. */
export function tcpModelTimeout(sk: TcpSock, boundary: number, rtoBase: number): number {
  const rtoMax = sk.icskRtoMax;
  const linearBackoffThresh = Math.floor(Math.log2(rtoMax / rtoBase));
  if (boundary <= linearBackoffThresh) return ((2 << boundary) - 1) * rtoBase;
  return ((2 << linearBackoffThresh) - 1) * rtoBase + (boundary - linearBackoffThresh) * rtoMax;
}

/**
 * Linux: retransmits_timed_out(): has the first retransmission been pending longer than
 * `boundary` exponential backoffs would take (or `timeout` ms when given)?
 */
export function retransmitsTimedOut(sk: TcpSock, boundary: number, timeout: number): boolean {
  if (!sk.icskRetransmits) return false;
  const startTs = sk.retransStamp;
  if (timeout === 0) {
    let rtoBase = TCP_RTO_MIN;
    if ((1 << sk.state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) rtoBase = TCP_TIMEOUT_INIT;
    timeout = tcpModelTimeout(sk, boundary, rtoBase);
  }
  const nowMs = Math.floor(sk.tcpMstamp / 1000) >>> 0;
  return ((nowMs - startTs - timeout) | 0) >= 0;
}

/** Linux: __dst_negative_advice(): drop a cached route that a PMTU exception made temporary. */
function dstNegativeAdvice(sk: TcpSock): void {
  const rt = sk.dstCache as Rtable | null;
  if (rt !== null && (rt.obsolete !== 0 || rt.expires !== 0)) skDstReset(sk);
}

/**
 * Linux: tcp_write_timeout(): has this connection retransmitted for too long? SYN_SENT/
 * SYN_RECV count retransmissions against tcp_syn_retries (TCP_SYNCNT; SYN_SENT adds
 * tcp_syn_linear_timeouts), others the time model of tcp_retries2 (tcp_retries1 gives
 * the route negative advice), orphans tcp_orphan_retries; TCP_USER_TIMEOUT replaces the
 * model. Returns true when the connection was closed.
 */
function tcpWriteTimeout(sk: TcpSock): boolean {
  const s = ipv4Net(sk.net).sysctl;
  let expired = false;
  let retryUntil: number;
  if ((1 << sk.state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
    if (sk.icskRetransmits) dstNegativeAdvice(sk);
    retryUntil = sk.icskSynRetries || s.tcpSynRetries;
    let maxRetransmits = retryUntil;
    if (sk.state === TCP_SYN_SENT) maxRetransmits += s.tcpSynLinearTimeouts;
    expired = sk.icskRetransmits >= maxRetransmits;
  } else {
    if (retransmitsTimedOut(sk, s.tcpRetries1, 0)) {
      // Black hole detection.
      tcpMtuProbing(sk);
      dstNegativeAdvice(sk);
    }
    retryUntil = s.tcpRetries2;
    if (sockFlag(sk, SOCK_DEAD)) {
      const alive = sk.icskRto < sk.icskRtoMax;
      retryUntil = tcpOrphanRetries(sk, alive);
      const doReset = alive || !retransmitsTimedOut(sk, retryUntil, 0);
      if (tcpOutOfResources(sk, doReset)) return true;
    }
  }
  if (!expired) expired = retransmitsTimedOut(sk, retryUntil, sk.icskUserTimeout);
  if (expired) {
    // Has it gone just too far?
    tcpWriteErr(sk);
    return true;
  }
  return false;
}

/** Linux: tcp_clamp_rto_to_user_timeout(). */
function tcpClampRtoToUserTimeout(sk: TcpSock): number {
  const userTimeout = sk.icskUserTimeout;
  if (!userTimeout) return sk.icskRto;
  const elapsed = ((Math.floor(sk.tcpMstamp / 1000) >>> 0) - sk.retransStamp) | 0;
  const remaining = userTimeout - elapsed;
  if (remaining <= 0) return 1; // user timeout has passed; fire ASAP
  return Math.min(sk.icskRto, remaining);
}

/** Linux: tcp_clamp_probe0_to_user_timeout(). */
export function tcpClampProbe0ToUserTimeout(sk: TcpSock, when: number): number {
  const userTimeout = sk.icskUserTimeout;
  if (!userTimeout || !sk.icskProbesTstamp) return when;
  let elapsed = (tcpJiffies32(sk.net.kernel) - sk.icskProbesTstamp) | 0;
  if (elapsed < 0) elapsed = 0;
  let remaining = userTimeout - elapsed;
  remaining = Math.max(remaining, TCP_TIMEOUT_MIN);
  return Math.min(remaining, when);
}

/** Linux: tcp_stream_is_thin(): fewer than 4 packets out, past the initial slow start. */
function tcpStreamIsThin(sk: TcpSock): boolean {
  return sk.packetsOut < 4 && sk.sndSsthresh < TCP_INFINITE_SSTHRESH;
}

/** Linux: tcp_rtx_probe0_timed_out(): a zero-window peer that stopped answering for too long. */
function tcpRtxProbe0TimedOut(sk: TcpSock, rtxDelta: number): boolean {
  const userTimeout = sk.icskUserTimeout;
  let timeout = TCP_RTO_MAX * 2;
  if (userTimeout) {
    // A TCP_USER_TIMEOUT user does not want win 0 packets to 'reset the timer'.
    if (rtxDelta > userTimeout) return true;
    timeout = Math.min(timeout, userTimeout);
  }
  const rcvDelta = (sk.icskTimeout - sk.rcvTstamp) | 0;
  if (rcvDelta <= timeout) return false;
  return rtxDelta > timeout;
}

/** Linux: tcp_update_rto_stats(). */
function tcpUpdateRtoStats(sk: TcpSock): void {
  if (!sk.icskRetransmits) {
    sk.totalRtoRecoveries++;
    sk.rtoStamp = Math.floor(sk.tcpMstamp / 1000) >>> 0;
  }
  sk.icskRetransmits++;
  sk.totalRto++;
}

/* ------------------------------------------------------------------ */
/* The retransmit timer                                                */

/**
 * Linux: tcp_retransmit_timer(): the RTO fired. Probe a zero window by retransmission
 * (without giving up while the peer answers), else check tcp_write_timeout, enter Loss,
 * retransmit the head, back off (doubling up to the max RTO; linear for thin streams
 * with TCP_THIN_LINEAR_TIMEOUTS and for the first tcp_syn_linear_timeouts SYNs) and
 * rearm; TCPTimeouts and the *Failures counters as Linux.
 */
export function tcpRetransmitTimer(sk: TcpSock): void {
  const tp = sk;
  const net = ipv4Net(sk.net);
  if (!tp.packetsOut) return;
  const skb = tp.rtxQueue.head;
  if (skb === null) return;
  tp.tlpHighSeq = 0;
  resetTimer: {
    if (!tp.sndWnd && !sockFlag(sk, SOCK_DEAD) && !((1 << sk.state) & (TCPF_SYN_SENT | TCPF_SYN_RECV))) {
      // Receiver dastardly shrinks window. Our retransmits become zero probes, but we
      // should not timeout this connection. If the socket is an orphan, time it out,
      // we cannot allow such beasts to hang infinitely.
      const nowMs = Math.floor(tp.tcpMstamp / 1000) >>> 0;
      const rtxDelta = (nowMs - (tp.retransStamp || (Math.floor(TCP_SKB_CB(skb).txMstamp / 1000) >>> 0))) | 0;
      if (tcpRtxProbe0TimedOut(sk, rtxDelta)) {
        tcpWriteErr(sk);
        return;
      }
      tcpEnterLoss(sk);
      tcpRetransmitSkb(sk, skb, 1);
      skDstReset(sk);
      break resetTimer;
    }
    net.mib.net[LINUX_MIB_TCPTIMEOUTS]!++;
    if (tcpWriteTimeout(sk)) return;
    if (sk.icskRetransmits === 0) {
      let mibIdx = 0;
      if (sk.icskCaState === TCP_CA_Recovery) {
        mibIdx = tcpIsSack(tp) ? LINUX_MIB_TCPSACKRECOVERYFAIL : LINUX_MIB_TCPRENORECOVERYFAIL;
      } else if (sk.icskCaState === TCP_CA_Loss) {
        mibIdx = LINUX_MIB_TCPLOSSFAILURES;
      } else if (sk.icskCaState === TCP_CA_Disorder || tp.sackedOut) {
        mibIdx = tcpIsSack(tp) ? LINUX_MIB_TCPSACKFAILURES : LINUX_MIB_TCPRENOFAILURES;
      }
      if (mibIdx) net.mib.net[mibIdx]!++;
    }
    tcpEnterLoss(sk);
    tcpUpdateRtoStats(sk);
    if (tcpRetransmitSkb(sk, tp.rtxQueue.head ?? skb, 1) > 0) {
      // Retransmission failed because of local congestion, do not backoff.
      inetCskResetXmitTimer(sk, ICSK_TIME_RETRANS, TCP_RESOURCE_PROBE_INTERVAL, sk.icskRtoMax);
      return;
    }
    // Increase the timeout each time we retransmit. Note that we do not increase the rtt
    // estimate. rto is initialized from rtt, but increases here (Jacobson, SIGCOMM 88).
    sk.icskBackoff++;
  }
  // out_reset_timer:
  if (sk.state === TCP_ESTABLISHED && (tp.thinLto || net.sysctl.tcpThinLinearTimeouts) && tcpStreamIsThin(tp) &&
    sk.icskRetransmits <= TCP_THIN_LINEAR_RETRIES) {
    // Thin streams: linear timeouts for the first retries (TCP_THIN_LINEAR_TIMEOUTS).
    sk.icskBackoff = 0;
    sk.icskRto = Math.min(Math.max(__tcpSetRto(sk), sk.icskRtoMin), sk.icskRtoMax);
  } else if (sk.state !== TCP_SYN_SENT || tp.totalRto > net.sysctl.tcpSynLinearTimeouts) {
    // Use normal (exponential) backoff unless linear timeouts are activated.
    sk.icskRto = Math.min(sk.icskRto << 1, sk.icskRtoMax);
  }
  tcpResetXmitTimer(sk, ICSK_TIME_RETRANS, tcpClampRtoToUserTimeout(sk));
  if (retransmitsTimedOut(sk, net.sysctl.tcpRetries1 + 1, 0)) skDstReset(sk);
}

/**
 * Linux: tcp_probe_timer(): the persist timer fired. RFC 1122 4.2.2.17: keep probing a
 * zero window while the peer answers; an orphan or a TCP_USER_TIMEOUT socket gives up
 * after tcp_retries2 (orphan: tcp_orphan_retries) probes or the user timeout.
 */
export function tcpProbeTimer(sk: TcpSock): void {
  const tp = sk;
  const skb = tp.writeQueue.head;
  if (tp.packetsOut || skb === null) {
    sk.icskProbesOut = 0;
    sk.icskProbesTstamp = 0;
    return;
  }
  const now = tcpJiffies32(sk.net.kernel);
  let abort = false;
  if (!sk.icskProbesTstamp) {
    sk.icskProbesTstamp = now;
  } else {
    const userTimeout = sk.icskUserTimeout;
    if (userTimeout && ((now - sk.icskProbesTstamp) | 0) >= userTimeout) abort = true;
  }
  if (!abort) {
    let maxProbes = ipv4Net(sk.net).sysctl.tcpRetries2;
    if (sockFlag(sk, SOCK_DEAD)) {
      const rtoMax = sk.icskRtoMax;
      const alive = Math.min(sk.icskRto * 2 ** sk.icskBackoff, rtoMax) < rtoMax;
      maxProbes = tcpOrphanRetries(sk, alive);
      if (!alive && sk.icskBackoff >= maxProbes) abort = true;
      else if (tcpOutOfResources(sk, true)) return;
    }
    if (!abort && sk.icskProbesOut >= maxProbes) abort = true;
  }
  if (abort) tcpWriteErr(sk);
  else tcpSendProbe0(sk); // Only send another probe if we didn't close things up.
}

/** Linux: tcp_write_timer_handler(): dispatch the retransmit timer on icsk_pending. */
export function tcpWriteTimerHandler(sk: TcpSock): void {
  if (((1 << sk.state) & (TCPF_CLOSE | TCPF_LISTEN)) || !sk.icskPending) return;
  const jiffies = tcpJiffies32(sk.net.kernel);
  if (((sk.icskTimeout - jiffies) | 0) > 0) {
    armAt(sk, sk.icskRetransmitTimer, (sk.icskTimeout - jiffies) | 0);
    return;
  }
  tcpMstampRefresh(sk);
  switch (sk.icskPending) {
    case ICSK_TIME_REO_TIMEOUT:
      tcpRackReoTimeout(sk);
      break;
    case ICSK_TIME_LOSS_PROBE:
      tcpSendLossProbe(sk);
      break;
    case ICSK_TIME_RETRANS:
      sk.icskPending = 0;
      tcpRetransmitTimer(sk);
      break;
    case ICSK_TIME_PROBE0:
      sk.icskPending = 0;
      tcpProbeTimer(sk);
      break;
  }
}

/** Linux: tcp_write_timer() (sockets are never owned by user here: no deferral). */
export function tcpWriteTimer(t: TimerList): void {
  tcpWriteTimerHandler((t as TimerWithSock).sk);
}

/* ------------------------------------------------------------------ */
/* The delayed-ACK timer                                               */

/**
 * Linux: tcp_delack_timer_handler(): the delayed ACK is due: send it. A missed delayed
 * ACK inflates ato (doubling up to the RTO) unless in pingpong mode, which it leaves
 * (ato back to TCP_ATO_MIN); counts DelayedACKs.
 */
export function tcpDelackTimerHandler(sk: TcpSock): void {
  if ((1 << sk.state) & (TCPF_CLOSE | TCPF_LISTEN)) return;
  if (!(sk.icskAckPending & ICSK_ACK_TIMER)) return;
  const jiffies = tcpJiffies32(sk.net.kernel);
  if (((sk.icskAckTimeout - jiffies) | 0) > 0) {
    armAt(sk, sk.icskDelackTimer, (sk.icskAckTimeout - jiffies) | 0);
    return;
  }
  sk.icskAckPending &= ~ICSK_ACK_TIMER;
  if (inetCskAckScheduled(sk)) {
    if (!inPingpongMode(sk)) {
      // Delayed ACK missed: inflate ATO.
      sk.icskAckAto = Math.min(sk.icskAckAto << 1, sk.icskRto);
    } else {
      // Delayed ACK missed: leave pingpong mode and deflate ATO.
      sk.icskAckPingpong = 0;
      sk.icskAckAto = TCP_ATO_MIN;
    }
    tcpMstampRefresh(sk);
    tcpSendAck(sk);
    ipv4Net(sk.net).mib.net[LINUX_MIB_DELAYEDACKS]!++;
  }
}

/** Linux: tcp_delack_timer(). */
export function tcpDelackTimer(t: TimerList): void {
  tcpDelackTimerHandler((t as TimerWithSock).sk);
}

/* ------------------------------------------------------------------ */
/* Keepalive and FIN_WAIT2                                             */

/** Linux: keepalive_time_when(): jiffies of idleness before the first probe. */
export function keepaliveTimeWhen(tp: TcpSock): number {
  return tp.keepaliveTime || ipv4Net(tp.net).sysctl.tcpKeepaliveTime * HZ;
}

/** Linux: keepalive_intvl_when(). */
export function keepaliveIntvlWhen(tp: TcpSock): number {
  return tp.keepaliveIntvl || ipv4Net(tp.net).sysctl.tcpKeepaliveIntvl * HZ;
}

/** Linux: keepalive_probes(). */
export function keepaliveProbes(tp: TcpSock): number {
  return tp.keepaliveProbes || ipv4Net(tp.net).sysctl.tcpKeepaliveProbes;
}

/** Linux: keepalive_time_elapsed(): since the last segment or ACK received. */
export function keepaliveTimeElapsed(tp: TcpSock): number {
  const now = tcpJiffies32(tp.net.kernel);
  return Math.min((now - tp.icskAckLrcvtime) >>> 0, (now - tp.rcvTstamp) >>> 0);
}

/** Linux: inet_csk_reset_keepalive_timer(): sk_timer `len` jiffies from now. */
export function tcpResetKeepaliveTimer(sk: TcpSock, len: number): void {
  armAt(sk, sk.skTimer, len);
}

/** Linux: inet_csk_delete_keepalive_timer(). */
export function tcpDeleteKeepaliveTimer(sk: TcpSock): void {
  sk.net.kernel.delTimer(sk.skTimer);
}

/** Linux: tcp_set_keepalive() (SO_KEEPALIVE; called before SOCK_KEEPOPEN changes). */
export function tcpSetKeepalive(sk: TcpSock, on: boolean): void {
  if ((1 << sk.state) & (TCPF_CLOSE | TCPF_LISTEN)) return;
  if (on && !sockFlag(sk, SOCK_KEEPOPEN)) tcpResetKeepaliveTimer(sk, keepaliveTimeWhen(sk));
  else if (!on) tcpDeleteKeepaliveTimer(sk);
}

/**
 * Linux: tcp_keepalive_timer(): an orphan in FIN_WAIT2 moves to TIME_WAIT (FIN_WAIT2
 * substate) for the rest of tcp_fin_timeout or is reset; an idle SO_KEEPALIVE
 * connection gets probes (TCPKeepAlive) every keepalive interval and is reset and
 * closed (ETIMEDOUT) after keepalive_probes unanswered ones (or TCP_USER_TIMEOUT).
 */
export function tcpKeepaliveTimer(t: TimerList): void {
  const sk = (t as TimerWithSock).sk;
  const tp = sk;
  if (sk.state === TCP_LISTEN) return;
  tcpMstampRefresh(tp);
  if (sk.state === TCP_FIN_WAIT2 && sockFlag(sk, SOCK_DEAD)) {
    if (tp.linger2 >= 0) {
      const tmo = tcpFinTime(tp) - TCP_TIMEWAIT_LEN;
      if (tmo > 0) {
        tcpTimeWait(sk, TCP_FIN_WAIT2, tmo);
        return;
      }
    }
    tcpSendActiveReset(sk);
    tcpDone(sk);
    return;
  }
  if (!sockFlag(sk, SOCK_KEEPOPEN) || ((1 << sk.state) & (TCPF_CLOSE | TCPF_SYN_SENT))) return;
  let elapsed = keepaliveTimeWhen(tp);
  // It is alive without keepalive 8)
  if (!(tp.packetsOut || !tcpWriteQueueEmpty(tp))) {
    elapsed = keepaliveTimeElapsed(tp);
    if (elapsed >= keepaliveTimeWhen(tp)) {
      const userTimeout = sk.icskUserTimeout;
      // If the TCP_USER_TIMEOUT option is enabled, use that to determine when to timeout instead.
      if ((userTimeout !== 0 && elapsed >= userTimeout && sk.icskProbesOut > 0) ||
        (userTimeout === 0 && sk.icskProbesOut >= keepaliveProbes(tp))) {
        tcpSendActiveReset(sk);
        tcpWriteErr(sk);
        return;
      }
      if (tcpWriteWakeup(sk, LINUX_MIB_TCPKEEPALIVE) <= 0) {
        sk.icskProbesOut++;
        elapsed = keepaliveIntvlWhen(tp);
      } else {
        // If keepalive was lost due to local congestion, try harder.
        elapsed = TCP_RESOURCE_PROBE_INTERVAL;
      }
    } else {
      // It is tp->rcv_tstamp + keepalive_time_when(tp).
      elapsed = keepaliveTimeWhen(tp) - elapsed;
    }
  }
  tcpResetKeepaliveTimer(sk, elapsed);
}

/** Linux: tcp_clear_xmit_timers(). */
export function tcpClearXmitTimers(sk: TcpSock): void {
  inetCskClearXmitTimers(sk);
}

/** Linux: tcp_init_xmit_timers(): the handlers every TcpSock is built with. */
export const TCP_TIMER_FNS: TcpTimerFns = {
  retransmit: tcpWriteTimer,
  delack: tcpDelackTimer,
  keepalive: tcpKeepaliveTimer,
};


