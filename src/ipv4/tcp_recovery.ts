/**
 * RACK-TLP loss detection (RFC 8985; Linux: net/ipv4/tcp_recovery.c).
 * (Skeleton: full implementation follows.)
 */
import type { TcpSock } from './tcp_sock.js';

/** Linux: tcp_rack_mark_lost(). Returns true when skbs were newly marked lost. */
export function tcpRackMarkLost(sk: TcpSock): boolean { void sk; return false; }
/** Linux: tcp_rack_advance(). */
export function tcpRackAdvance(tp: TcpSock, sacked: number, endSeq: number, xmitTime: number): void {
  void tp; void sacked; void endSeq; void xmitTime;
}
/** Linux: tcp_rack_reo_timeout(). */
export function tcpRackReoTimeout(sk: TcpSock): void { void sk; }
/** Linux: tcp_rack_update_reo_wnd(). */
export function tcpRackUpdateReoWnd(sk: TcpSock, rs: { rttUs: number; priorDelivered: number }): void { void sk; void rs; }
/** Linux: tcp_newreno_mark_lost(). */
export function tcpNewrenoMarkLost(sk: TcpSock, sndUnaAdvanced: boolean): void { void sk; void sndUnaAdvanced; }
