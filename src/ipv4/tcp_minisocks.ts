/**
 * TIME_WAIT and SYN_RECV mini sockets (Linux: net/ipv4/tcp_minisocks.c). Owner: CONN.
 * First version: exports only.
 */
import type { SkBuff } from '../core/skbuff.js';
import type { TcpHdr } from '../wire/tcphdr.js';
import type { TcpSock, RequestSock, TimeWaitSock } from './tcp_sock.js';

/** Linux: enum tcp_tw_status. */
export const TCP_TW_SUCCESS = 0;
export const TCP_TW_RST = 1;
export const TCP_TW_ACK = 2;
export const TCP_TW_SYN = 3;

export function tcpTimewaitStateProcess(_tw: TimeWaitSock, _skb: SkBuff, _th: TcpHdr): number {
  return TCP_TW_SUCCESS;
}
export function tcpTimeWait(_sk: TcpSock, _state: number, _timeo: number): void {}
export function inetTwskDeschedulePut(_tw: TimeWaitSock): void {}
export function tcpCheckReq(_sk: TcpSock, _skb: SkBuff, _req: RequestSock): TcpSock | null {
  return null;
}
export function tcpCreateOpenreqChild(sk: TcpSock, _req: RequestSock, _skb: SkBuff): TcpSock {
  return sk;
}
export function tcpChildProcess(_parent: TcpSock, _child: TcpSock, _skb: SkBuff): number {
  return 0;
}
