/**
 * SYN cookies (Linux: net/ipv4/syncookies.c). Owner: CONN. First version: exports only.
 */
import type { SkBuff } from '../core/skbuff.js';
import type { TcpSock, RequestSock } from './tcp_sock.js';

export function cookieV4InitSequence(_skb: SkBuff, _mssOut: { mss: number }): number {
  return 0;
}
export function cookieV4Check(_sk: TcpSock, _skb: SkBuff): TcpSock | null {
  return null;
}
export function cookieInitTimestamp(_req: RequestSock, now: number): number {
  return now;
}
export function cookieTimestampDecode(_tsecr: number): boolean {
  return false;
}
