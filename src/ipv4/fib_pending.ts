/**
 * TEMPORARY (helper F1): stand-ins with the contract's signatures for functions that
 * other IPv4 helpers are writing in parallel (fib_frontend.ts, devinet.ts, neighbour/arp).
 * fib_semantics.ts imports them from here until the real modules land; then each import
 * moves to its module and this file is deleted. None of these is an implementation.
 */
import type { Net } from '../core/net_namespace.js';
import type { NetDevice } from '../core/netdevice.js';
import { ENETUNREACH } from '../socket/errno.js';
import { RTN_UNICAST } from '../wire/route.js';
import type { Flowi4 } from './rtable.js';
import type { FibResult } from './fib_lookup.js';
import type { FibTable } from './fib_trie.js';

/** F2: fib_frontend.ts fib_lookup(). */
export function fibLookup(_net: Net, _fl4: Flowi4, _res: FibResult, _flags: number): number {
  return -ENETUNREACH;
}
/** F2: fib_frontend.ts fib_get_table(). */
export function fibGetTable(_net: Net, _id: number): FibTable | null {
  return null;
}
/** F2: fib_frontend.ts inet_addr_type_table(). */
export function inetAddrTypeTable(_net: Net, _addr: number, _tbId: number): number {
  return RTN_UNICAST;
}
/** F2: fib_frontend.ts inet_addr_type_dev_table(). */
export function inetAddrTypeDevTable(_net: Net, _dev: NetDevice, _addr: number): number {
  return RTN_UNICAST;
}
/** D: devinet.ts inet_select_addr(). */
export function inetSelectAddr(_dev: NetDevice, _dst: number, _scope: number): number {
  return 0;
}
/** D: net->ipv4.dev_addr_genid. */
export function devAddrGenid(_net: Net): number {
  return 0;
}
/** N: the NUD state of the ARP entry for `addr` on `dev`, -1 when there is none (neigh_lookup on arp_tbl). */
export function arpNudState(_dev: NetDevice, _addr: number): number {
  return -1;
}
/** N: wire/neighbour.ts NUD_* states. */
export const NUD_INCOMPLETE = 0x01;
export const NUD_REACHABLE = 0x02;
export const NUD_VALID = 0x02 | 0x04 | 0x08 | 0x10 | 0x40 | 0x80;
