/**
 * TCP over IPv4 (Linux: net/ipv4/tcp_ipv4.c). Owner: CONN. First version: exports only.
 */
import type { SkBuff } from '../core/skbuff.js';
import { consumeSkb as kfreeSkb } from '../core/skbuff.js';
import type { Net } from '../core/net_namespace.js';
import type { TcpSock, RequestSock, TimeWaitSock } from './tcp_sock.js';
import type { Sockaddr } from '../socket/socket.js';
import { EINVAL } from '../socket/errno.js';

export function tcpV4Rcv(skb: SkBuff): number {
  kfreeSkb(skb);
  return 0;
}
export function tcpV4Err(_skb: SkBuff, _info: number): number {
  return 0;
}
export function tcpV4DoRcv(_sk: TcpSock, skb: SkBuff): number {
  kfreeSkb(skb);
  return 0;
}
export function tcpV4Connect(_sk: TcpSock, _addr: Sockaddr): number {
  return -EINVAL;
}
export function tcpV4SendReset(_sk: TcpSock | TimeWaitSock | RequestSock | null, _skb: SkBuff, _reason = 0): void {}
export function tcpV4SendAck(_net: Net, _skb: SkBuff, _seq: number, _ack: number, _win: number, _tsval: number,
  _tsecr: number, _oif: number, _tos = 0): void {}
export function tcpV4ConnRequest(_sk: TcpSock, skb: SkBuff): number {
  kfreeSkb(skb);
  return 0;
}
export function tcpV4SynRecvSock(_sk: TcpSock, _skb: SkBuff, _req: RequestSock): TcpSock | null {
  return null;
}
export function tcpV4SendSynack(_sk: TcpSock, _req: RequestSock): number {
  return 0;
}
export function tcpV4Destroy(_sk: TcpSock): void {}
export function tcpV4MtuReduced(_sk: TcpSock): void {}
