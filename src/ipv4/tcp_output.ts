/**
 * TCP output engine (Linux: net/ipv4/tcp_output.c). Skeleton with the contracted
 * exports; bodies follow.
 */
import type { SkBuff } from '../core/skbuff.js';
import type { DstEntry } from '../core/dst.js';
import type { TcpSock, RequestSock } from './tcp_sock.js';

export const TCP_FRAG_IN_WRITE_QUEUE = 0;
export const TCP_FRAG_IN_RTX_QUEUE = 1;
/** Linux: enum tcp_synack_type. */
export const TCP_SYNACK_NORMAL = 0;
export const TCP_SYNACK_FASTOPEN = 1;
export const TCP_SYNACK_COOKIE = 2;

/** Linux: tcp_select_initial_window()'s outputs. */
export class TcpInitialWindow {
  rcvWnd = 0;
  windowClamp = 0;
  rcvWscale = 0;
}

/** Linux: tcp_transmit_skb(). */
export function tcpTransmitSkb(sk: TcpSock, skb: SkBuff, cloneIt: boolean, rcvNxt = sk.rcvNxt): number {
  void sk; void skb; void cloneIt; void rcvNxt;
  return 0;
}
/** Linux: tcp_write_xmit(). */
export function tcpWriteXmit(sk: TcpSock, mssNow: number, nonagle: number, pushOne: number): boolean {
  void sk; void mssNow; void nonagle; void pushOne;
  return false;
}
/** Linux: __tcp_push_pending_frames(). */
export function __tcpPushPendingFrames(sk: TcpSock, curMss: number, nonagle: number): void {
  void sk; void curMss; void nonagle;
}
/** Linux: tcp_push_one(). */
export function tcpPushOne(sk: TcpSock, mssNow: number): void {
  void sk; void mssNow;
}
/** Linux: tcp_current_mss(). */
export function tcpCurrentMss(sk: TcpSock): number {
  return sk.mssCache;
}
/** Linux: tcp_sync_mss(). */
export function tcpSyncMss(sk: TcpSock, pmtu: number): number {
  void pmtu;
  return sk.mssCache;
}
/** Linux: tcp_mtup_init(). */
export function tcpMtupInit(sk: TcpSock): void {
  void sk;
}
/** Linux: tcp_mss_to_mtu(). */
export function tcpMssToMtu(sk: TcpSock, mss: number): number {
  void sk;
  return mss + 40;
}
/** Linux: tcp_mtu_to_mss(). */
export function tcpMtuToMss(sk: TcpSock, pmtu: number): number {
  void sk;
  return pmtu - 40;
}
/** Linux: tcp_select_initial_window(). */
export function tcpSelectInitialWindow(sk: TcpSock, space: number, mss: number, windowClamp: number,
  wscaleOk: boolean, initRcvWnd: number): TcpInitialWindow {
  void sk; void space; void mss; void windowClamp; void wscaleOk; void initRcvWnd;
  return new TcpInitialWindow();
}
/** Linux: __tcp_select_window(). */
export function __tcpSelectWindow(sk: TcpSock): number {
  void sk;
  return 0;
}
/** Linux: tcp_select_window(). */
export function tcpSelectWindow(sk: TcpSock): number {
  void sk;
  return 0;
}
/** Linux: __tcp_send_ack(). */
export function __tcpSendAck(sk: TcpSock, rcvNxt: number): void {
  void sk; void rcvNxt;
}
/** Linux: tcp_send_ack(). */
export function tcpSendAck(sk: TcpSock): void {
  __tcpSendAck(sk, sk.rcvNxt);
}
/** Linux: tcp_send_delayed_ack(). */
export function tcpSendDelayedAck(sk: TcpSock): void {
  void sk;
}
/** Linux: tcp_send_fin(). */
export function tcpSendFin(sk: TcpSock): void {
  void sk;
}
/** Linux: tcp_send_active_reset(). */
export function tcpSendActiveReset(sk: TcpSock, reason = 0): void {
  void sk; void reason;
}
/** Linux: tcp_make_synack(). */
export function tcpMakeSynack(sk: TcpSock, dst: DstEntry | null, req: RequestSock, synackType: number): SkBuff | null {
  void sk; void dst; void req; void synackType;
  return null;
}
/** Linux: tcp_send_synack(). */
export function tcpSendSynack(sk: TcpSock): number {
  void sk;
  return 0;
}
/** Linux: tcp_connect(). */
export function tcpConnect(sk: TcpSock): number {
  void sk;
  return 0;
}
/** Linux: __tcp_retransmit_skb(). */
export function __tcpRetransmitSkb(sk: TcpSock, skb: SkBuff, segs: number): number {
  void sk; void skb; void segs;
  return 0;
}
/** Linux: tcp_retransmit_skb(). */
export function tcpRetransmitSkb(sk: TcpSock, skb: SkBuff, segs: number): number {
  return __tcpRetransmitSkb(sk, skb, segs);
}
/** Linux: tcp_xmit_retransmit_queue(). */
export function tcpXmitRetransmitQueue(sk: TcpSock): void {
  void sk;
}
/** Linux: tcp_send_probe0(). */
export function tcpSendProbe0(sk: TcpSock): void {
  void sk;
}
/** Linux: tcp_write_wakeup(). */
export function tcpWriteWakeup(sk: TcpSock, mib: number): number {
  void sk; void mib;
  return -1;
}
/** Linux: tcp_send_loss_probe(). */
export function tcpSendLossProbe(sk: TcpSock): void {
  void sk;
}
/** Linux: tcp_schedule_loss_probe(). */
export function tcpScheduleLossProbe(sk: TcpSock, advanced: boolean): boolean {
  void sk; void advanced;
  return false;
}
/** Linux: tcp_fragment(). */
export function tcpFragment(sk: TcpSock, skb: SkBuff, len: number, mssNow: number, tcpQueue = -1): number {
  void sk; void skb; void len; void mssNow; void tcpQueue;
  return 0;
}
/** Linux: tcp_cwnd_validate(). */
export function tcpCwndValidate(sk: TcpSock, isCwndLimited: boolean): void {
  void sk; void isCwndLimited;
}
/** Linux: tcp_event_new_data_sent(). */
export function tcpEventNewDataSent(sk: TcpSock, skb: SkBuff): void {
  void sk; void skb;
}
/** Linux: __tcp_v4_send_check(). */
export function tcpV4SendCheck(skb: SkBuff, saddr: number, daddr: number): void {
  void skb; void saddr; void daddr;
}
/** Linux: tcp_mtu_probe() (tcp_mtu_probing 0: off). */
export function tcpMtuProbe(sk: TcpSock): number {
  void sk;
  return -1;
}
