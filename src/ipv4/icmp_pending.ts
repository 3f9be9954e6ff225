/**
 * TEMPORARY (helper I): stand-ins with the contract's signatures for functions other
 * IPv4 helpers are writing in parallel (route.ts, ip_options.ts), so icmp.ts, raw.ts
 * and ping.ts compile before those land. Each import moves to its real module as
 * soon as it exists, and this file is then deleted. None of these is an implementation.
 */
import type { Net } from '../core/net_namespace.js';
import type { SkBuff } from '../core/skbuff.js';
import { ENETUNREACH } from '../socket/errno.js';
import type { InetSock, IpOptions } from './inet_sock.js';
import type { Flowi4, Rtable } from './rtable.js';
import { InetPeerBase } from './inetpeer.js';

/** R: route.ts ipv4Peers(). */
export function ipv4Peers(net: Net): InetPeerBase {
  let b = net.generic.get('inetpeer.tmp') as InetPeerBase | undefined;
  if (!b) {
    b = new InetPeerBase();
    net.generic.set('inetpeer.tmp', b);
  }
  return b;
}
/** R: route.ts ipRouteOutputKey(). */
export function ipRouteOutputKey(_net: Net, _fl4: Flowi4): Rtable | number {
  return -ENETUNREACH;
}
/** R: route.ts ipRouteOutputFlow(). */
export function ipRouteOutputFlow(_net: Net, _fl4: Flowi4, _sk: unknown): Rtable | number {
  return -ENETUNREACH;
}
/** R: route.ts. */
export function ipv4UpdatePmtu(_skb: SkBuff, _net: Net, _mtu: number, _oif: number, _protocol: number): void {}
export function ipv4Redirect(_skb: SkBuff, _net: Net, _oif: number, _protocol: number): void {}
export function ipv4SkUpdatePmtu(_skb: SkBuff, _sk: InetSock, _mtu: number): void {}
export function ipv4SkRedirect(_skb: SkBuff, _sk: InetSock): void {}
/** G: ip_options.ts ipOptionsEcho(). */
export function ipOptionsEcho(_net: Net, _dopt: IpOptions, _skb: SkBuff): number {
  return 0;
}
