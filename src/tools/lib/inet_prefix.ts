/**
 * iproute2's argument and address helpers (lib/utils.c): the errors its parsers
 * exit with (NEXT_ARG's "Command line is not complete", invarg, duparg2), IPv4
 * addresses and prefixes as get_addr()/get_prefix() read them ("default", "all",
 * "any", 1-4 dotted parts, masks as lengths or dotted), inet_addr_match(), and the
 * text rtnl_dump_filter() prints when a dump fails. Userspace only.
 */
import { AF_INET, AF_INET6, AF_UNSPEC } from '../../socket/socket.js';
import { talkErrorText } from './libnetlink.js';
import { strtoul } from './rt_names.js';

/** An iproute2 error: the text it prints on stderr and the exit status. */
export class IpArgError {
  constructor(readonly text: string, readonly status: number) {}
}

/** iproute2: NEXT_ARG() / incomplete_command(). */
export function nextArg(args: string[], i: number): string {
  const v = args[i + 1];
  if (v === undefined) throw new IpArgError('Command line is not complete. Try option "help"\n', 255);
  return v;
}
/** iproute2: invarg(). */
export function invarg(msg: string, arg: string): never {
  throw new IpArgError(`Error: argument "${arg}" is wrong: ${msg}\n`, 255);
}
/** iproute2: duparg2(). */
export function duparg2(key: string, arg: string): never {
  throw new IpArgError(`Error: either "${key}" is duplicate, or "${arg}" is a garbage.\n`, 255);
}

/** iproute2: inet_prefix (IPv4 only in tuxnet: `addr` is the host-order u32). */
export interface InetPrefix {
  family: number;
  bytelen: number;
  /** -1 unset, -2 for "default"/"all"/"any" without a length. */
  bitlen: number;
  flags: number;
  addr: number;
}
/** iproute2: PREFIXLEN_SPECIFIED. */
export const PREFIXLEN_SPECIFIED = 1;

/** iproute2: family_name_verbose(). */
function familyNameVerbose(family: number): string {
  if (family === AF_UNSPEC) return 'any valid';
  if (family === AF_INET) return 'inet';
  if (family === AF_INET6) return 'inet6';
  return String(family);
}

/** iproute2: get_addr_ipv4(): 1..4 dotted parts, each strtoul base 0, up to 255. */
function getAddrIpv4(s: string): number | null {
  const parts = s.split('.');
  if (parts.length > 4) return null;
  const b = [0, 0, 0, 0];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (!/^(0[xX][0-9a-fA-F]+|[0-9]+)$/.test(p)) return null;
    const n = strtoul(p, 0);
    if (n === null || n > 255) return null;
    b[i] = n;
  }
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}

/** iproute2: get_addr_1(): an address, or null. */
export function getAddr1(arg: string, family: number): InetPrefix | null {
  // "default" means exactly /0 (iproute2 marks its length as given), "all"/"any" match anything.
  if (arg === 'default') return { family, bytelen: 0, bitlen: -2, flags: PREFIXLEN_SPECIFIED, addr: 0 };
  if (arg === 'all' || arg === 'any') return { family, bytelen: 0, bitlen: -2, flags: 0, addr: 0 };
  if (arg.includes(':')) return null; // IPv6 is not supported by tuxnet's tools yet
  if (family !== AF_UNSPEC && family !== AF_INET) return null;
  const a = getAddrIpv4(arg);
  if (a === null) return null;
  return { family: AF_INET, bytelen: 4, bitlen: -1, flags: 0, addr: a };
}

/** iproute2: get_netmask(): a length, or a contiguous dotted mask. */
function getNetmask(arg: string): number | null {
  const n = strtoul(arg, 0);
  if (n !== null) return n;
  const m = getAddrIpv4(arg);
  if (m === null) return null;
  let len = 0;
  while (len < 32 && (m << len) & 0x80000000) len++;
  if (((m << len) | 0) !== 0 && len < 32) return null;
  return len;
}

/** iproute2: get_prefix_1(): a prefix, or null. */
export function getPrefix1(arg: string, family: number): InetPrefix | null {
  const slash = arg.indexOf('/');
  const dst = getAddr1(slash >= 0 ? arg.slice(0, slash) : arg, family);
  if (!dst) return null;
  let bitlen = 32;
  if (slash >= 0) {
    if (dst.bitlen === -2) return null;
    const plen = getNetmask(arg.slice(slash + 1));
    if (plen === null || plen > bitlen) return null;
    dst.flags |= PREFIXLEN_SPECIFIED;
    bitlen = plen;
  } else if (dst.bitlen === -2) {
    bitlen = 0;
  }
  dst.bitlen = bitlen;
  if (dst.family === AF_UNSPEC) dst.bitlen = bitlen;
  return dst;
}

/** iproute2: get_prefix(): exits with "prefix is expected" on failure. */
export function getPrefix(arg: string, family: number): InetPrefix {
  const p = getPrefix1(arg, family);
  if (!p) throw new IpArgError(`Error: ${familyNameVerbose(family)} prefix is expected rather than "${arg}".\n`, 1);
  return p;
}

/** iproute2: get_addr(): exits with "address is expected" on failure. */
export function getAddr(arg: string, family: number): InetPrefix {
  const p = getAddr1(arg, family);
  if (!p) throw new IpArgError(`Error: ${familyNameVerbose(family)} address is expected rather than "${arg}".\n`, 1);
  return p;
}

/** iproute2: inet_addr_match() for IPv4 prefixes. */
export function inetAddrMatch(a: number, b: number, bits: number): boolean {
  if (bits <= 0) return true;
  const mask = bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
  return ((a ^ b) & mask) === 0;
}

/** Dotted quad of a host-order u32. */
export function fmtAddr(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/** A host-order u32 as the 4 bytes of a network-order address attribute. */
export function be32Bytes(v: number): Uint8Array {
  return new Uint8Array([v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255]);
}

/**
 * iproute2: what rtnl_dump_filter() prints when a dump fails (rtnl_dump_done /
 * NLMSG_ERROR), before the caller's "Dump terminated".
 */
export function dumpErrorText(error: number, msg?: string): string {
  if (msg) return `Error: ${msg}${msg.endsWith('.') ? '' : '.'}\n`;
  if (error === -2 /* ENOENT */ || error === -95 /* EOPNOTSUPP */) return '';
  if (error === -90 /* EMSGSIZE */) return 'Error: Buffer too small for object.\n';
  return talkErrorText({ error, reply: null });
}
