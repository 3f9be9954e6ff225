/**
 * Classic ECN for TCP (RFC 3168; Linux: the tcp_ecn_* helpers of net/ipv4/tcp_input.c,
 * tcp_output.c and include/net/tcp_ecn.h). (Skeleton: full implementation follows.)
 */
import type { SkBuff } from '../core/skbuff.js';
import type { TcpSock, RequestSock } from './tcp_sock.js';

/** Linux: tcp_ecn_send_syn(). Returns TCPHDR_ECE|TCPHDR_CWR bits to set on the SYN. */
export function tcpEcnSendSyn(sk: TcpSock, skb: SkBuff): number { void sk; void skb; return 0; }
/** Linux: tcp_ecn_send_synack(). Returns TCPHDR_* bits to set on the SYN-ACK of a full socket. */
export function tcpEcnSendSynack(sk: TcpSock, skb: SkBuff): number { void sk; void skb; return 0; }
/** Linux: tcp_ecn_make_synack(). Returns TCPHDR_ECE when the request negotiated ECN. */
export function tcpEcnMakeSynack(req: RequestSock): number { void req; return 0; }
/** Linux: tcp_ecn_rcv_syn(). */
export function tcpEcnRcvSyn(tp: TcpSock, thFlags: number): void { void tp; void thFlags; }
/** Linux: tcp_ecn_rcv_synack(). */
export function tcpEcnRcvSynack(tp: TcpSock, thFlags: number): void { void tp; void thFlags; }
/** Linux: tcp_ecn_send(). Returns TCPHDR_CWR/ECE bits for the header. */
export function tcpEcnSend(sk: TcpSock, skb: SkBuff, tcpHeaderLen: number): number { void sk; void skb; void tcpHeaderLen; return 0; }
/** Linux: tcp_ecn_check_ce(). */
export function tcpEcnCheckCe(sk: TcpSock, skb: SkBuff): void { void sk; void skb; }
/** Linux: tcp_ecn_accept_cwr(). */
export function tcpEcnAcceptCwr(sk: TcpSock, skb: SkBuff): void { void sk; void skb; }
/** Linux: tcp_ecn_queue_cwr(). */
export function tcpEcnQueueCwr(tp: TcpSock): void { void tp; }
/** Linux: tcp_ecn_withdraw_cwr(). */
export function tcpEcnWithdrawCwr(tp: TcpSock): void { void tp; }
