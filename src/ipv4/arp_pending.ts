/**
 * TEMPORARY (helper N): the functions of other IPv4 helpers that arp.ts calls,
 * re-exported from one place while their modules land (fib_frontend.ts: F2,
 * devinet.ts: D, route_input.ts/route.ts: R, icmp.ts: I). Each re-export moves
 * into arp.ts's imports once its module is committed; then this file goes
 * (devinet.ts and icmp.ts are imported directly already).
 * Until then the stand-ins below have the contract's signatures and the most
 * neutral behaviour, never an implementation.
 */
import type { Net } from '../core/net_namespace.js';
import type { NetDevice } from '../core/netdevice.js';
import type { SkBuff } from '../core/skbuff.js';
import { RTN_UNICAST, RTN_MULTICAST, RTN_BROADCAST } from '../wire/route.js';
import { ipv4IsMulticast, ipv4IsLbcast, ipv4IsZeronet } from './inetdevice.js';
import type { Flowi4, Rtable } from './rtable.js';
import { ENETUNREACH } from '../socket/errno.js';

/** F2: fib_frontend.ts inet_addr_type_dev_table(). */
export function inetAddrTypeDevTable(_net: Net, _dev: NetDevice | null, addr: number): number {
  addr >>>= 0;
  if (ipv4IsZeronet(addr) || ipv4IsLbcast(addr)) return RTN_BROADCAST;
  if (ipv4IsMulticast(addr)) return RTN_MULTICAST;
  return RTN_UNICAST;
}
/** R: route_input.ts ip_route_input_noref(): 0 or a drop reason. */
export function ipRouteInputNoref(_skb: SkBuff, _daddr: number, _saddr: number, _tos: number, _dev: NetDevice): number {
  return 2;
}
/** R: route.ts ip_route_output_key(). */
export function ipRouteOutputKey(_net: Net, _fl4: Flowi4): Rtable | number {
  return -ENETUNREACH;
}
