/**
 * TEMPORARY (helper O): stand-ins with the contract's signatures for functions other
 * IPv4 helpers are writing in parallel (route.ts, icmp.ts, raw.ts, ip_fragment.ts,
 * ip_options.ts, ip_sockglue.ts, neighbour/arp). The packet path in ip_input.ts,
 * ip_forward.ts and ip_output.ts imports them from here until the real modules land;
 * then each import moves to its module and this file is deleted. None of these is
 * an implementation: each one does the least that keeps an skb accounted for.
 */
import type { Net } from '../core/net_namespace.js';
import type { NetDevice } from '../core/netdevice.js';
import type { SkBuff } from '../core/skbuff.js';
import type { Rtable } from './rtable.js';
import type { IpOptions } from './inet_sock.js';

/** G: ip_fragment.ts ipDefrag(). */
export function ipDefrag(_net: Net, skb: SkBuff, _user: number): SkBuff | null {
  return skb;
}
/** G: ip_options.ts. */
export function ipRcvOptions(_skb: SkBuff, _dev: NetDevice): number {
  return 0;
}
export function ipForwardOptions(_skb: SkBuff): void {}
export function ipOptionsBuild(_skb: SkBuff, _opt: IpOptions, _daddr: number, _rt: Rtable): void {}
export function ipOptionsFragment(_skb: SkBuff): void {}
