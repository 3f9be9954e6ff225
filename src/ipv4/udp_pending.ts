/**
 * TEMPORARY (helper U): stand-ins with the contract's signatures for functions other
 * IPv4 helpers are writing in parallel (fib_frontend.ts, route.ts, ip_output.ts,
 * icmp.ts, ip_options.ts, devinet.ts), so af_inet.ts, udp.ts and ip_sockglue.ts
 * compile before those land. Each import moves to its real module as soon as it
 * exists, and this file is then deleted. None of these is an implementation.
 */
import type { Net } from '../core/net_namespace.js';
import { type SkBuff, kfreeSkbReason } from '../core/skbuff.js';
import { SKB_DROP_REASON_NOT_SPECIFIED } from '../core/drop_reason.js';
import { ENETUNREACH, ENOBUFS, EINVAL } from '../socket/errno.js';
import type { InetSock, IpOptions } from './inet_sock.js';
import type { IpcmCookie } from './ip.js';
import type { Flowi4, Rtable } from './rtable.js';

/** R: route.ts ipRouteOutputFlow(). */
export function ipRouteOutputFlow(_net: Net, _fl4: Flowi4, _sk: unknown): Rtable | number {
  return -ENETUNREACH;
}
/** R: route.ts. */
export function ipv4SkUpdatePmtu(_skb: SkBuff, _sk: InetSock, _mtu: number): void {}
export function ipv4SkRedirect(_skb: SkBuff, _sk: InetSock): void {}
/** O: ip_output.ts. */
export function ipMakeSkb(_sk: InetSock, _fl4: Flowi4, _rt: Rtable, _payload: Uint8Array, _transhdrlen: number,
  _ipc: IpcmCookie, _flags: number): SkBuff | number {
  return -ENOBUFS;
}
export function ipSendSkb(_net: Net, skb: SkBuff): number {
  kfreeSkbReason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
  return -ENOBUFS;
}
/** I: icmp.ts icmpSend(). */
export function icmpSend(_skbIn: SkBuff, _type: number, _code: number, _info: number): void {}
/** G: ip_options.ts ip_options_get() (IP_OPTIONS / IP_RETOPTS data -> compiled options). */
export function ipOptionsGetFromUser(_net: Net, _data: Uint8Array): IpOptions | number {
  return -EINVAL;
}
/** D: devinet.ts devinet_ioctl(). */
export function devinetIoctl(_net: Net, _cmd: number, _arg: unknown): unknown {
  return -EINVAL;
}
/** G: ip_fragment.ts ipFragMem() (queues and memory for /proc/net/sockstat FRAG). */
export function ipFragMem(_net: Net): { inuse: number; memory: number } {
  return { inuse: 0, memory: 0 };
}
