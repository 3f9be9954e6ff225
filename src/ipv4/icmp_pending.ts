/**
 * TEMPORARY (helper I): stand-ins with the contract's signatures for functions other
 * IPv4 helpers are writing in parallel (route.ts, devinet.ts, fib_frontend.ts,
 * ip_output.ts, ip_options.ts, ip_sockglue.ts, udp.ts), so icmp.ts, raw.ts and
 * ping.ts compile before those land. Each import moves to its real module as soon as
 * it exists, and this file is then deleted. None of these is an implementation.
 */
import type { Net } from '../core/net_namespace.js';
import type { NetDevice } from '../core/netdevice.js';
import type { SkBuff } from '../core/skbuff.js';
import type { Sockaddr, RecvResult, Cmsg } from '../socket/socket.js';
import { ENETUNREACH, ENOPROTOOPT, EAGAIN } from '../socket/errno.js';
import { RTN_UNICAST } from '../wire/route.js';
import type { InetSock, IpOptions } from './inet_sock.js';
import type { IpcmCookie } from './ip.js';
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
/** F2: fib_frontend.ts. */
export function inetDevAddrType(_net: Net, _dev: NetDevice | null, _addr: number): number {
  return RTN_UNICAST;
}
export function inetAddrType(_net: Net, _addr: number): number {
  return RTN_UNICAST;
}
export function fibComputeSpecDst(_skb: SkBuff): number {
  return 0;
}
/** G: ip_options.ts ipOptionsEcho(). */
export function ipOptionsEcho(_net: Net, _dopt: IpOptions, _skb: SkBuff): number {
  return 0;
}
/** U: ip_sockglue.ts. */
export function ipIcmpError(_sk: InetSock, _skb: SkBuff, _err: number, _port: number, _info: number, _payload: number): void {}
export function ipLocalError(_sk: InetSock, _err: number, _daddr: number, _port: number, _info: number): void {}
export function ipRecvError(_sk: InetSock, _maxLen: number): RecvResult | number {
  return -EAGAIN;
}
export function ipCmsgRecv(_sk: InetSock, _skb: SkBuff): Cmsg[] {
  return [];
}
export function ipCmsgSend(_sk: InetSock, _cmsgs: Cmsg[], _ipc: IpcmCookie): number {
  return 0;
}
export function ipSetsockopt(_sk: InetSock, _level: number, _optname: number, _value: unknown): number {
  return -ENOPROTOOPT;
}
export function ipGetsockopt(_sk: InetSock, _level: number, _optname: number): unknown {
  return -ENOPROTOOPT;
}
/** U: udp.ts / datagram.ts. */
export function ip4DatagramConnect(_sk: InetSock, _addr: Sockaddr): number {
  return -ENETUNREACH;
}
export function udpDisconnect(_sk: InetSock, _flags: number): number {
  return 0;
}
