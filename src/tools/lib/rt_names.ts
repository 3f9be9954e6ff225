/**
 * iproute2's name tables (lib/rt_names.c) with the contents of a stock
 * /etc/iproute2 (rt_protos, rt_scopes, rt_tables, rt_dsfield, rt_realms, group) as
 * iproute2 6.1 installs them: route types, protocols, scopes, tables, dsfield
 * values, realms and device groups, both ways (n2a prints, a2n parses). Userspace only.
 */
import { matches } from './utils.js';

const RTN_NAMES = ['none', 'unicast', 'local', 'broadcast', 'anycast', 'multicast', 'blackhole', 'unreachable',
  'prohibit', 'throw', 'nat', 'xresolve'];

/** iproute2: rtnl_rtntype_n2a(). */
export function rtnlRtntypeN2a(id: number): string {
  return RTN_NAMES[id] ?? String(id);
}

/** iproute2: rtnl_rtntype_a2n(): the type, or -1. */
export function rtnlRtntypeA2n(arg: string): number {
  if (arg === 'local') return 2;
  if (arg === 'nat') return 10;
  if (matches(arg, 'broadcast') || arg === 'brd') return 3;
  if (matches(arg, 'anycast')) return 4;
  if (matches(arg, 'multicast')) return 5;
  if (matches(arg, 'prohibit')) return 8;
  if (matches(arg, 'unreachable')) return 7;
  if (matches(arg, 'blackhole')) return 6;
  if (matches(arg, 'xresolve')) return 11;
  if (matches(arg, 'unicast')) return 1;
  if (arg === 'throw') return 9;
  const n = strtoul(arg, 0);
  return n === null || n > 255 ? -1 : n;
}

/** /etc/iproute2/rt_protos (iproute2 6.1). */
const RTPROT: Record<number, string> = {
  0: 'unspec', 1: 'redirect', 2: 'kernel', 3: 'boot', 4: 'static', 8: 'gated', 9: 'ra', 10: 'mrt', 11: 'zebra',
  12: 'bird', 13: 'dnrouted', 14: 'xorp', 15: 'ntk', 16: 'dhcp', 18: 'keepalived', 42: 'babel', 99: 'openr',
  186: 'bgp', 187: 'isis', 188: 'ospf', 189: 'rip', 192: 'eigrp',
};

/** iproute2: rtnl_rtprot_n2a(). */
export function rtnlRtprotN2a(id: number): string {
  return RTPROT[id] ?? String(id);
}

/** Look a name up in a table, else a number (strtoul base 0) up to `max`; -1 when neither. */
function a2n(table: Record<number, string>, arg: string, max: number, base = 0): number {
  for (const [k, v] of Object.entries(table)) if (v === arg) return Number(k);
  const n = strtoul(arg, base);
  return n === null || n > max ? -1 : n;
}

/** iproute2: rtnl_rtprot_a2n(). */
export function rtnlRtprotA2n(arg: string): number {
  return a2n(RTPROT, arg, 255);
}

/** /etc/iproute2/rt_scopes. */
const SCOPES: Record<number, string> = { 0: 'global', 255: 'nowhere', 254: 'host', 253: 'link', 200: 'site' };

/** iproute2: rtnl_rtscope_n2a(). */
export function rtnlRtscopeN2a(id: number): string {
  return SCOPES[id] ?? String(id);
}

/** iproute2: rtnl_rtscope_a2n(). */
export function rtnlRtscopeA2n(arg: string): number {
  return a2n(SCOPES, arg, 255);
}

/** /etc/iproute2/rt_tables. */
const TABLES: Record<number, string> = { 255: 'local', 254: 'main', 253: 'default', 0: 'unspec' };

/** iproute2: rtnl_rttable_n2a(). */
export function rtnlRttableN2a(id: number): string {
  return TABLES[id] ?? String(id >>> 0);
}

/** iproute2: rtnl_rttable_a2n(): a table id, or -1. */
export function rtnlRttableA2n(arg: string): number {
  return a2n(TABLES, arg, 0xffffffff);
}

/** /etc/iproute2/rt_dsfield. */
const DSFIELD: Record<number, string> = {
  0x0: 'default', 0x28: 'AF11', 0x30: 'AF12', 0x38: 'AF13', 0x48: 'AF21', 0x50: 'AF22', 0x58: 'AF23', 0x68: 'AF31',
  0x70: 'AF32', 0x78: 'AF33', 0x88: 'AF41', 0x90: 'AF42', 0x98: 'AF43', 0x20: 'CS1', 0x40: 'CS2', 0x60: 'CS3',
  0x80: 'CS4', 0xa0: 'CS5', 0xc0: 'CS6', 0xe0: 'CS7', 0xb8: 'EF',
};

/** iproute2: rtnl_dsfield_n2a(). */
export function rtnlDsfieldN2a(id: number): string {
  return DSFIELD[id] ?? `0x${id.toString(16).padStart(2, '0')}`;
}

/** iproute2: rtnl_dsfield_a2n(): names, else hexadecimal (as iproute2 reads TOS values). */
export function rtnlDsfieldA2n(arg: string): number {
  return a2n(DSFIELD, arg, 255, 16);
}

/** /etc/iproute2/rt_realms. */
const REALMS: Record<number, string> = { 0: 'cosmos' };

/** iproute2: rtnl_rtrealm_n2a(). */
export function rtnlRtrealmN2a(id: number): string {
  return REALMS[id] ?? String(id);
}

/** iproute2: rtnl_rtrealm_a2n(). */
export function rtnlRtrealmA2n(arg: string): number {
  return a2n(REALMS, arg, 0xffff);
}

/** /etc/iproute2/group. */
const GROUPS: Record<number, string> = { 0: 'default' };

/** iproute2: rtnl_group_n2a(). */
export function rtnlGroupN2a(id: number): string {
  return GROUPS[id] ?? String(id);
}

/** iproute2: rtnl_group_a2n(): a group id (a signed number), or null. */
export function rtnlGroupA2n(arg: string): number | null {
  for (const [k, v] of Object.entries(GROUPS)) if (v === arg) return Number(k);
  const m = /^-?\d+$/.exec(arg);
  if (!m) return null;
  const n = Number(arg);
  return n >= -2147483648 && n <= 0xffffffff ? n | 0 : null;
}

/**
 * C's strtoul(arg, &end, base) accepting only a complete number (what iproute2's
 * get_unsigned/get_u32 check): optional 0x/0 prefixes with base 0, no trailing
 * characters. null when it is not a number or exceeds 32 bits.
 */
export function strtoul(arg: string, base: number): number | null {
  let s = arg.replace(/^[ \t\n\v\f\r]+/, '');
  if (s.startsWith('+')) s = s.slice(1);
  // A minus sign wraps to a value above 32 bits on LP64, which the callers refuse.
  else if (s.startsWith('-')) return null;
  let b = base;
  if ((b === 0 || b === 16) && /^0[xX][0-9a-fA-F]/.test(s)) {
    s = s.slice(2);
    b = 16;
  } else if (b === 0 && s.startsWith('0') && s.length > 1) {
    b = 8;
  } else if (b === 0) {
    b = 10;
  }
  const digits = b === 16 ? /^[0-9a-fA-F]+$/ : b === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  if (!digits.test(s)) return null;
  const v = parseInt(s, b);
  if (!Number.isFinite(v) || v > 0xffffffff) return null;
  return v;
}
