/**
 * Connection-oriented socket helpers (Linux: net/ipv4/inet_connection_sock.c).
 * Owner: CONN. First version: exports only, bodies follow.
 */
import type { TcpSock, RequestSock } from './tcp_sock.js';
import type { TimerList } from '../core/timer.js';
import { EINVAL, EAGAIN } from '../socket/errno.js';

export function inetCskListenStart(_sk: TcpSock): number {
  return -EINVAL;
}
export function inetCskListenStop(_sk: TcpSock): void {}
export function inetCskAccept(_sk: TcpSock, _flags: number): TcpSock | number {
  return -EAGAIN;
}
export function inetCskReqskQueueHashAdd(_sk: TcpSock, _req: RequestSock, _timeout: number): void {}
export function inetCskReqskQueueAdd(_sk: TcpSock, _req: RequestSock, child: TcpSock): TcpSock | null {
  return child;
}
export function inetCskCompleteHashdance(_sk: TcpSock, child: TcpSock, _req: RequestSock, _own: boolean): TcpSock | null {
  return child;
}
export function inetCskReqskQueueDrop(_sk: TcpSock, _req: RequestSock): boolean {
  return false;
}
export function reqskTimerHandler(_t: TimerList): void {}
export function inetCskDestroySock(_sk: TcpSock): void {}
export function inetCskCloneLock(_sk: TcpSock, _req: RequestSock): TcpSock | null {
  return null;
}
export function inetCskReqskQueueIsFull(_sk: TcpSock): boolean {
  return false;
}
export function skAcceptqIsFull(_sk: TcpSock): boolean {
  return false;
}
