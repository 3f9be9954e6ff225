/**
 * Addresses for the Node adapters (no Linux counterpart: node:net's isIP family and
 * the resolver step of net.connect): the browser-safe part (isIP*, validatePort,
 * lookupHost) lives in api/net_addr.ts and is re-exported here; this file adds the
 * syscall layer's sockaddr for an IPv4 string and a dns.lookup-shaped `lookup` that
 * answers on a later tick, as dns.lookup does.
 */
import { AF_INET, type SockaddrIn } from '../socket/socket.js';
import { parseIpv4 } from '../wire/iphdr.js';
import { lookupHost } from '../api/net_addr.js';
import type { NodeSystemError } from './errors.js';

export { isIP, isIPv4, isIPv6, isLegalPort, validatePort, lookupHost, type LookupResult } from '../api/net_addr.js';

/** The syscall layer's sockaddr for an IPv4 string and a port. */
export function sockaddrIn(address: string, port: number): SockaddrIn {
  return { family: AF_INET, port, addr: parseIpv4(address) ?? 0 };
}

/** A dns.lookup-compatible function over lookupHost (for `lookup` options of Node APIs). */
export function lookup(
  hostname: string,
  options: unknown,
  callback?: (err: NodeSystemError | null, address: string, family: number) => void,
): void {
  const cb = (typeof options === 'function' ? options : callback) as (err: NodeSystemError | null, address: unknown, family?: number) => void;
  const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all === true;
  const r = lookupHost(hostname);
  process.nextTick(() => {
    if (r instanceof Error) cb(r, undefined);
    else if (all) cb(null, [{ address: r.address, family: r.family }]);
    else cb(null, r.address, r.family);
  });
}
