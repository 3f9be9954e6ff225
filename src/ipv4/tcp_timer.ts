/**
 * TCP timers (Linux: net/ipv4/tcp_timer.c, and the inet_csk_* timer helpers of
 * include/net/inet_connection_sock.h / net/ipv4/inet_connection_sock.c). A socket has
 * three kernel timers: the retransmit timer (icsk_retransmit_timer) multiplexes RTO,
 * zero-window probe, tail loss probe and RACK reordering timeouts by `icskPending`;
 * the delayed-ACK timer; and sk_timer (keepalive, FIN_WAIT2). Times are jiffies (ms).
 * Skeleton: bodies follow.
 */
import type { TimerList } from '../core/timer.js';
import type { TcpSock, TcpTimerFns, TimerWithSock } from './tcp_sock.js';
import { ICSK_ACK_SCHED, ICSK_ACK_TIMER, ICSK_TIME_DACK } from './tcp_defs.js';

/** Linux: inet_csk_reset_xmit_timer(). */
export function inetCskResetXmitTimer(sk: TcpSock, what: number, when: number, maxWhen: number): void {
  if (when > maxWhen) when = maxWhen;
  const k = sk.net.kernel;
  const now = k.clock.now();
  if (what === ICSK_TIME_DACK) {
    sk.icskAckPending |= ICSK_ACK_TIMER;
    sk.icskAckTimeout = Math.floor(now / 1e6) + when;
    k.modTimer(sk.icskDelackTimer, now + when * 1e6);
    return;
  }
  sk.icskPending = what;
  sk.icskTimeout = Math.floor(now / 1e6) + when;
  k.modTimer(sk.icskRetransmitTimer, now + when * 1e6);
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
  const k = sk.net.kernel;
  k.delTimer(sk.icskRetransmitTimer);
  k.delTimer(sk.icskDelackTimer);
  k.delTimer(sk.skTimer);
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

/** Linux: tcp_reset_xmit_timer(). */
export function tcpResetXmitTimer(sk: TcpSock, what: number, when: number, _paceDelay = 0): void {
  inetCskResetXmitTimer(sk, what, when, sk.icskRtoMax);
}

/** Linux: tcp_rearm_rto(). */
export function tcpRearmRto(sk: TcpSock): void {
  void sk;
}

/** Linux: tcp_retransmit_timer(). */
export function tcpRetransmitTimer(sk: TcpSock): void {
  void sk;
}

/** Linux: tcp_probe_timer(). */
export function tcpProbeTimer(sk: TcpSock): void {
  void sk;
}

/** Linux: tcp_delack_timer_handler(). */
export function tcpDelackTimerHandler(sk: TcpSock): void {
  void sk;
}

/** Linux: inet_csk_reset_keepalive_timer() / tcp_reset_keepalive_timer(). */
export function tcpResetKeepaliveTimer(sk: TcpSock, len: number): void {
  const k = sk.net.kernel;
  k.modTimer(sk.skTimer, k.clock.now() + len * 1e6);
}

/** Linux: tcp_delete_keepalive_timer(). */
export function tcpDeleteKeepaliveTimer(sk: TcpSock): void {
  sk.net.kernel.delTimer(sk.skTimer);
}

/** Linux: tcp_set_keepalive(). */
export function tcpSetKeepalive(sk: TcpSock, on: boolean): void {
  void sk;
  void on;
}

/** Linux: tcp_keepalive_timer(). */
export function tcpKeepaliveTimer(t: TimerList): void {
  void (t as TimerWithSock).sk;
}

/** Linux: tcp_write_timer(). */
export function tcpWriteTimer(t: TimerList): void {
  void (t as TimerWithSock).sk;
}

/** Linux: tcp_delack_timer(). */
export function tcpDelackTimer(t: TimerList): void {
  tcpDelackTimerHandler((t as TimerWithSock).sk);
}

/** Linux: tcp_clear_xmit_timers(). */
export function tcpClearXmitTimers(sk: TcpSock): void {
  inetCskClearXmitTimers(sk);
}

/** Linux: tcp_write_err(). */
export function tcpWriteErr(sk: TcpSock): void {
  void sk;
}

/** Linux: tcp_out_of_resources(). */
export function tcpOutOfResources(sk: TcpSock, doReset: boolean): boolean {
  void sk;
  void doReset;
  return false;
}

/** Linux: tcp_init_xmit_timers(): the handlers every TcpSock is built with. */
export const TCP_TIMER_FNS: TcpTimerFns = {
  retransmit: tcpWriteTimer,
  delack: tcpDelackTimer,
  keepalive: tcpKeepaliveTimer,
};
