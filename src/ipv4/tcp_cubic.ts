/**
 * CUBIC congestion control (RFC 9438; Linux: net/ipv4/tcp_cubic.c) with HyStart.
 * (Skeleton: full implementation follows.)
 */
import type { TcpCongestionOps, TcpSock } from './tcp_sock.js';
import { tcpCaKey, tcpRenoSsthresh, tcpRenoCongAvoid, tcpRenoUndoCwnd } from './tcp_cong.js';

/** Linux: cubictcp_recalc_ssthresh(). */
export function cubictcpRecalcSsthresh(sk: TcpSock): number {
  return tcpRenoSsthresh(sk);
}

/** Linux: cubictcp_cong_avoid(). */
export function cubictcpCongAvoid(sk: TcpSock, ack: number, acked: number): void {
  tcpRenoCongAvoid(sk, ack, acked);
}

/** Linux: struct tcp_congestion_ops cubictcp. */
export const tcpCubic: TcpCongestionOps = {
  name: 'cubic',
  flags: 0,
  key: tcpCaKey('cubic'),
  ssthresh: cubictcpRecalcSsthresh,
  congAvoid: cubictcpCongAvoid,
  undoCwnd: tcpRenoUndoCwnd,
};
