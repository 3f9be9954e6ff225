/**
 * Addresses as Node's net module sees them, without Node (no Linux counterpart:
 * node:net's isIP family, validatePort, and the resolver step of net.connect):
 * isIP/isIPv4/isIPv6 with the same regular expressions as Node 20's
 * lib/internal/net.js, so the answers match; port validation; and the name lookup a
 * namespace has. tuxnet has no resolver, so only IP literals and `localhost`
 * (127.0.0.1, as /etc/hosts maps it) resolve; any other name fails as getaddrinfo
 * does for an unknown name (ENOTFOUND). Browser-safe: the web-streams sockets use it,
 * and node/net_addr.ts re-exports it for the Node adapters.
 */
import { dnsException, ERR_SOCKET_BAD_PORT, type NodeSystemError } from './errors.js';

const V4_SEG = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])';
const V4_STR = `(?:${V4_SEG}\\.){3}${V4_SEG}`;
const IPV4_RE = new RegExp(`^${V4_STR}$`);
const V6_SEG = '(?:[0-9a-fA-F]{1,4})';
const IPV6_RE = new RegExp('^(?:' +
  `(?:${V6_SEG}:){7}(?:${V6_SEG}|:)|` +
  `(?:${V6_SEG}:){6}(?:${V4_STR}|:${V6_SEG}|:)|` +
  `(?:${V6_SEG}:){5}(?::${V4_STR}|(?::${V6_SEG}){1,2}|:)|` +
  `(?:${V6_SEG}:){4}(?:(?::${V6_SEG}){0,1}:${V4_STR}|(?::${V6_SEG}){1,3}|:)|` +
  `(?:${V6_SEG}:){3}(?:(?::${V6_SEG}){0,2}:${V4_STR}|(?::${V6_SEG}){1,4}|:)|` +
  `(?:${V6_SEG}:){2}(?:(?::${V6_SEG}){0,3}:${V4_STR}|(?::${V6_SEG}){1,5}|:)|` +
  `(?:${V6_SEG}:){1}(?:(?::${V6_SEG}){0,4}:${V4_STR}|(?::${V6_SEG}){1,6}|:)|` +
  `(?::(?:(?::${V6_SEG}){0,5}:${V4_STR}|(?::${V6_SEG}){1,7}|:))` +
')(?:%[0-9a-zA-Z-.:]{1,})?$');

/** node:net isIPv4(). */
export function isIPv4(input: unknown): boolean {
  return IPV4_RE.test(`${String(input)}`);
}

/** node:net isIPv6(). */
export function isIPv6(input: unknown): boolean {
  return IPV6_RE.test(`${String(input)}`);
}

/** node:net isIP(): 4, 6 or 0. */
export function isIP(input: unknown): number {
  if (isIPv4(input)) return 4;
  if (isIPv6(input)) return 6;
  return 0;
}

/** Node: isLegalPort(): an integer-like number or numeric string in [0, 65535]. */
export function isLegalPort(port: unknown): boolean {
  if ((typeof port !== 'number' && typeof port !== 'string') ||
      (typeof port === 'string' && port.trim().length === 0)) return false;
  const n = Number(port);
  return n >>> 0 === n && n <= 0xffff;
}

/** Node: validatePort(port, name, allowZero): the port as a number, or ERR_SOCKET_BAD_PORT. */
export function validatePort(port: unknown, name = 'Port', allowZero = true): number {
  if (!isLegalPort(port) || (!allowZero && Number(port) === 0)) throw ERR_SOCKET_BAD_PORT(name, port, allowZero);
  return Number(port) | 0;
}

/** The result of a lookup in a namespace. */
export interface LookupResult {
  address: string;
  family: 4 | 6;
}

/**
 * Resolve a host name as a tuxnet namespace can: IP literals as themselves,
 * `localhost` (and names ending `.localhost`, as glibc's nss-myhostname does) to
 * 127.0.0.1, the empty name to 127.0.0.1 (Node: connect's default host
 * 'localhost'); anything else is Node's `getaddrinfo ENOTFOUND name` error.
 * Synchronous: callers deliver the answer asynchronously, as dns.lookup does.
 */
export function lookupHost(hostname: string): LookupResult | NodeSystemError {
  const v = isIP(hostname);
  if (v === 4) return { address: hostname, family: 4 };
  if (v === 6) return { address: hostname, family: 6 };
  const h = hostname.toLowerCase().replace(/\.$/, '');
  if (h === '' || h === 'localhost' || h.endsWith('.localhost')) return { address: '127.0.0.1', family: 4 };
  return dnsException(hostname);
}

