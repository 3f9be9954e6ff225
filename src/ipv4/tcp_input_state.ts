/**
 * TCP's state machine on input (Linux: net/ipv4/tcp_input.c tcp_rcv_state_process and
 * the parts it calls). Owner: CONN. First version: exports only.
 */
import type { SkBuff } from '../core/skbuff.js';
import type { TcpHdr } from '../wire/tcphdr.js';
import type { TcpSock } from './tcp_sock.js';

export function tcpRcvStateProcess(_sk: TcpSock, _skb: SkBuff): number {
  return 0;
}
export function tcpRcvSynsentStateProcess(_sk: TcpSock, _skb: SkBuff, _th: TcpHdr): number {
  return 0;
}
export function tcpRcvSynRecvStateProcess(_sk: TcpSock, _skb: SkBuff): number {
  return 0;
}
export function tcpConnRequest(_sk: TcpSock, _skb: SkBuff): number {
  return 0;
}
export function tcpFinishConnect(_sk: TcpSock, _skb: SkBuff | null): void {}
export function tcpFin(_sk: TcpSock): void {}
export function tcpReset(_sk: TcpSock, _skb: SkBuff | null): void {}
