/**
 * Fast retransmit, recovery, loss state and undo (Linux: tcp_fastretrans_alert() and the
 * surrounding functions of net/ipv4/tcp_input.c). (Skeleton: full implementation follows.)
 */
import type { SkBuff } from '../core/skbuff.js';
import type { TcpSock, RateSample } from './tcp_sock.js';

/** Linux: enum { REXMIT_NONE, REXMIT_LOST, REXMIT_NEW }. */
export const REXMIT_NONE = 0;
export const REXMIT_LOST = 1;
export const REXMIT_NEW = 2;

/** tcp_ack()'s `flag` and `rexmit`, passed by reference (Linux: int *ack_flag, int *rexmit). */
export class TcpAckRef {
  flag = 0;
  rexmit = REXMIT_NONE;
}

/** Linux: tcp_fastretrans_alert(). Updates ref.flag and ref.rexmit. */
export function tcpFastretransAlert(sk: TcpSock, priorSndUna: number, numDupack: number, ref: TcpAckRef): void {
  void sk; void priorSndUna; void numDupack; void ref;
}
/** Linux: tcp_enter_recovery(). */
export function tcpEnterRecovery(sk: TcpSock, eceAck: boolean): void { void sk; void eceAck; }
/** Linux: tcp_enter_loss() (RTO). */
export function tcpEnterLoss(sk: TcpSock): void { void sk; }
/** Linux: tcp_process_loss(). */
export function tcpProcessLoss(sk: TcpSock, flag: number, numDupack: number, ref: TcpAckRef): void {
  void sk; void flag; void numDupack; void ref;
}
/** Linux: tcp_try_undo_recovery(). */
export function tcpTryUndoRecovery(sk: TcpSock): boolean { void sk; return false; }
/** Linux: tcp_try_undo_dsack(). */
export function tcpTryUndoDsack(sk: TcpSock): boolean { void sk; return false; }
/** Linux: tcp_try_undo_loss(). */
export function tcpTryUndoLoss(sk: TcpSock, frtoUndo: boolean): boolean { void sk; void frtoUndo; return false; }
/** Linux: tcp_try_undo_partial(). */
export function tcpTryUndoPartial(sk: TcpSock, priorSndUna: number, ref: TcpAckRef): boolean {
  void sk; void priorSndUna; void ref; return false;
}
/** Linux: tcp_cwnd_reduction() (PRR, RFC 6937). */
export function tcpCwndReduction(sk: TcpSock, newlyAckedSacked: number, newlyLost: number, flag: number): void {
  void sk; void newlyAckedSacked; void newlyLost; void flag;
}
/** Linux: tcp_init_cwnd_reduction(). */
export function tcpInitCwndReduction(sk: TcpSock): void { void sk; }
/** Linux: tcp_end_cwnd_reduction(). */
export function tcpEndCwndReduction(sk: TcpSock): void { void sk; }
/** Linux: tcp_enter_cwr(). */
export function tcpEnterCwr(sk: TcpSock): void { void sk; }
/** Linux: tcp_mark_skb_lost(). */
export function tcpMarkSkbLost(sk: TcpSock, skb: SkBuff): void { void sk; void skb; }
/** Linux: tcp_update_scoreboard(). */
export function tcpUpdateScoreboard(sk: TcpSock, fastRexmit: boolean): void { void sk; void fastRexmit; }
/** Linux: tcp_cong_avoid(). */
export function tcpCongAvoid(sk: TcpSock, ack: number, acked: number): void { void sk; void ack; void acked; }
/** Linux: tcp_cong_control(). */
export function tcpCongControl(sk: TcpSock, ack: number, ackedSacked: number, flag: number, rs: RateSample): void {
  void sk; void ack; void ackedSacked; void flag; void rs;
}
/** Linux: tcp_process_tlp_ack(). */
export function tcpProcessTlpAck(sk: TcpSock, ack: number, flag: number): void { void sk; void ack; void flag; }
/** Linux: tcp_xmit_recovery(). */
export function tcpXmitRecovery(sk: TcpSock, rexmit: number): void { void sk; void rexmit; }
