/**
 * iproute2's print_addrinfo() and the address filter of ip/ipaddress.c, shared
 * by `ip address` (ipaddress.ts) and `ip monitor`: one RTM_NEWADDR/RTM_DELADDR
 * message printed as iproute2 6.1 prints it (text, -br, -o, JSON), the flag
 * names (ifa_flag_data) and the selectors (scope, flags, label, to PREFIX).
 * Userspace only.
 */
import { AF_INET, AF_INET6, AF_UNSPEC } from '../../socket/socket.js';
import { type NlMsg, type NlaTable, NlMsgBuilder, NLM_F_REQUEST, NLMSG_HDRLEN, nlmsgParse, nlaGetU32, nlaGetString } from '../../wire/netlink.js';
import { RTM_NEWADDR, RTM_DELADDR } from '../../wire/rtnetlink.js';
import {
  IFADDRMSG_LEN, IFA_MAX, IFA_ADDRESS, IFA_LOCAL, IFA_LABEL, IFA_BROADCAST, IFA_ANYCAST, IFA_MULTICAST, IFA_CACHEINFO,
  IFA_FLAGS, IFA_RT_PRIORITY, IFA_CACHEINFO_LEN, IFA_F_SECONDARY, IFA_F_NODAD, IFA_F_OPTIMISTIC, IFA_F_DADFAILED,
  IFA_F_HOMEADDRESS, IFA_F_DEPRECATED, IFA_F_TENTATIVE, IFA_F_PERMANENT, IFA_F_MANAGETEMPADDR, IFA_F_NOPREFIXROUTE,
  IFA_F_MCAUTOJOIN, IFA_F_STABLE_PRIVACY, ifaddrmsgParse, ifaCacheinfoParse, inAddrOf, inAddrNtoa,
} from '../../wire/if_addr.js';
import { type LlMap, llIndexToName } from '../lib/ll_map.js';
import { rtnlRtscopeN2a } from '../lib/rt_names.js';
import { type InetPrefix, inetAddrMatch } from './iproute.js';
import type { Printer } from './json_print.js';
import type { IpEnv } from './iplink.js';

const AF_PACKET = 17;
const INFINITY_LIFE_TIME = 0xffffffff;

/* ------------------------------------------------------------------ */
/* Flags (iproute2: ifa_flag_data)                                     */

interface IfaFlagData {
  name: string;
  mask: number;
  readonly: boolean;
  v6only: boolean;
}

const IFA_FLAG_DATA: readonly IfaFlagData[] = [
  { name: 'secondary', mask: IFA_F_SECONDARY, readonly: true, v6only: false },
  { name: 'temporary', mask: IFA_F_SECONDARY, readonly: true, v6only: false },
  { name: 'nodad', mask: IFA_F_NODAD, readonly: false, v6only: true },
  { name: 'optimistic', mask: IFA_F_OPTIMISTIC, readonly: false, v6only: true },
  { name: 'dadfailed', mask: IFA_F_DADFAILED, readonly: true, v6only: true },
  { name: 'home', mask: IFA_F_HOMEADDRESS, readonly: false, v6only: true },
  { name: 'deprecated', mask: IFA_F_DEPRECATED, readonly: true, v6only: true },
  { name: 'tentative', mask: IFA_F_TENTATIVE, readonly: true, v6only: true },
  { name: 'permanent', mask: IFA_F_PERMANENT, readonly: true, v6only: true },
  { name: 'mngtmpaddr', mask: IFA_F_MANAGETEMPADDR, readonly: false, v6only: true },
  { name: 'noprefixroute', mask: IFA_F_NOPREFIXROUTE, readonly: false, v6only: false },
  { name: 'autojoin', mask: IFA_F_MCAUTOJOIN, readonly: false, v6only: false },
  { name: 'stable-privacy', mask: IFA_F_STABLE_PRIVACY, readonly: true, v6only: true },
];

export function lookupFlagData(name: string): IfaFlagData | null {
  return IFA_FLAG_DATA.find((f) => f.name === name) ?? null;
}

/* ------------------------------------------------------------------ */
/* The filter (iproute2: struct link_filter, the part ip address uses) */

export interface AddrFilter {
  family: number;
  ifindex: number;
  scope: number;
  scopemask: number;
  flags: number;
  flagmask: number;
  up: boolean;
  down: boolean;
  label: string | null;
  group: number;
  master: number;
  kind: string | null;
  slaveKind: string | null;
  pfx: InetPrefix | null;
  oneline: boolean;
  /** ipaddr_flush: the RTM_DELADDR requests of the current round (null when not flushing). */
  flushb: NlMsgBuilder | null;
  flushed: number;
}

/** iproute2: get_filter(): a flag selector (`dynamic`, `primary`, `-tentative` ...). */
export function getFilter(f: AddrFilter, arg: string): boolean {
  let inv = false;
  if (arg.startsWith('-')) {
    inv = true;
    arg = arg.slice(1);
  }
  if (arg === 'dynamic') {
    inv = !inv;
    arg = 'permanent';
  } else if (arg === 'primary') {
    inv = !inv;
    arg = 'secondary';
  }
  const fd = lookupFlagData(arg);
  if (!fd) return false;
  if (inv) f.flags &= ~fd.mask;
  else f.flags |= fd.mask;
  f.flagmask |= fd.mask;
  return true;
}

/** fnmatch(3) without flags: `*`, `?` and `[...]`. */
function fnmatch(pattern: string, s: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const j = pattern.indexOf(']', i + 2);
      if (j < 0) re += '\\[';
      else {
        let body = pattern.slice(i + 1, j);
        if (body.startsWith('!')) body = '^' + body.slice(1);
        re += '[' + body.replace(/\\/g, '\\\\') + ']';
        i = j;
      }
    } else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(re + '$', 's').test(s);
}

/* ------------------------------------------------------------------ */
/* print_addrinfo                                                      */

export interface AddrMsg {
  m: NlMsg;
  index: number;
  family: number;
  prefixlen: number;
  scope: number;
  flags: number;
  tb: NlaTable;
}

export function addrMsg(m: NlMsg): AddrMsg | null {
  if (m.msg.length < NLMSG_HDRLEN + IFADDRMSG_LEN) return null;
  const ifa = ifaddrmsgParse(m.msg, NLMSG_HDRLEN);
  const tb = nlmsgParse(m.msg, IFADDRMSG_LEN, IFA_MAX, null);
  if (typeof tb === 'number') return null;
  // iproute2: get_ifa_flags(): the 32-bit IFA_FLAGS when present.
  const flags = tb[IFA_FLAGS] && tb[IFA_FLAGS].data.length >= 4 ? nlaGetU32(tb[IFA_FLAGS]) : ifa.flags;
  return { m, index: ifa.index, family: ifa.family, prefixlen: ifa.prefixlen, scope: ifa.scope, flags, tb };
}

function familyName(family: number): string {
  switch (family) {
    case AF_INET: return 'inet';
    case AF_INET6: return 'inet6';
    case AF_PACKET: return 'link';
    case 7: return 'bridge';
    case 28: return 'mpls';
    default: return '?';
  }
}

/** iproute2: format_host_rta() (numeric: tuxnet's tools never resolve names). */
function formatHost(family: number, a: { data: Uint8Array }): string {
  if (family === AF_INET && a.data.length >= 4) return inAddrNtoa(inAddrOf(a.data));
  return [...a.data].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** iproute2: print_ifa_flags(). */
function printIfaFlags(p: Printer, family: number, flags: number): void {
  for (const fd of IFA_FLAG_DATA) {
    if (fd.mask === IFA_F_PERMANENT) {
      if (!(flags & fd.mask)) printBool(p, 'dynamic', 'dynamic ');
    } else if (flags & fd.mask) {
      if (fd.mask === IFA_F_SECONDARY && family === AF_INET6) printBool(p, 'temporary', 'temporary ');
      else printBool(p, fd.name, `${fd.name} `);
    }
    flags &= ~fd.mask;
  }
  if (flags) {
    const hex = flags.toString(16).padStart(2, '0');
    if (p.isJson) p.jsonOnly('ifa_flags', hex);
    else p.fp(`flags ${hex} `);
  }
}

/** iproute2: print_bool(PRINT_ANY, key, text, true). */
function printBool(p: Printer, key: string, text: string): void {
  p.fp(text);
  p.jsonOnly(key, true);
}

export interface AddrCtx {
  env: IpEnv;
  f: AddrFilter;
  ll: () => LlMap;
}

/**
 * iproute2: print_addrinfo(): one address, or nothing when the filter drops
 * it. When flushing, a kept address becomes an RTM_DELADDR request instead.
 */
export function printAddrinfo(p: Printer, c: AddrCtx, a: AddrMsg): void {
  const { f } = c;
  const o = c.env.opts;
  const m = a.m;
  if (m.type !== RTM_NEWADDR && m.type !== RTM_DELADDR) return;
  if (f.flushb && m.type !== RTM_NEWADDR) return;
  const tb = a.tb.slice();
  if (!tb[IFA_LOCAL]) tb[IFA_LOCAL] = tb[IFA_ADDRESS];
  if (!tb[IFA_ADDRESS]) tb[IFA_ADDRESS] = tb[IFA_LOCAL];
  if (f.ifindex && f.ifindex !== a.index) return;
  if (((f.scope ^ a.scope) & f.scopemask) !== 0) return;
  if (((f.flags ^ a.flags) & f.flagmask) !== 0) return;
  if (f.family && f.family !== a.family) return;
  if (labelMismatch(c, a.index, tb[IFA_LABEL])) return;
  if (f.pfx && !prefixMatches(f.pfx, tb[IFA_LOCAL])) return;
  if (f.flushb) {
    const b = f.flushb;
    const off = b.putBytes(m.msg);
    b.setU16(off + 4, RTM_DELADDR);
    b.setU16(off + 6, NLM_F_REQUEST);
    b.setU32(off + 8, ++c.env.rth.seq);
    f.flushed++;
    if (o.stats < 2) return;
  }
  if (m.type === RTM_DELADDR) printBool(p, 'deleted', 'Deleted ');
  if (!o.brief) {
    if (f.oneline || f.flushb) {
      const dev = llIndexToName(c.ll(), a.index);
      if (p.isJson) {
        p.jsonOnly('index', a.index);
        p.jsonOnly('dev', dev);
      } else p.fp(`${a.index}: ${dev}`);
    }
    const name = familyName(a.family);
    if (name !== '?') p.any('family', '    %s ', name);
    else p.any('family_index', '    family %s ', a.family);
  }
  if (tb[IFA_LOCAL]) {
    p.any('local', '%s', formatHost(a.family, tb[IFA_LOCAL]));
    const local = tb[IFA_LOCAL].data;
    const addr = tb[IFA_ADDRESS]?.data;
    const n = a.family === AF_INET ? 4 : 16;
    if (addr && addr.subarray(0, n).some((x, i) => x !== local[i])) {
      p.fp(' peer ');
      p.any('address', '%s', formatHost(a.family, tb[IFA_ADDRESS]!));
    }
    p.any('prefixlen', '/%s ', a.prefixlen);
    if (tb[IFA_RT_PRIORITY]) p.any('metric', 'metric %s ', nlaGetU32(tb[IFA_RT_PRIORITY]));
  }
  if (o.brief) return;
  if (tb[IFA_BROADCAST]) {
    p.fp('brd ');
    p.any('broadcast', '%s ', formatHost(a.family, tb[IFA_BROADCAST]));
  }
  if (tb[IFA_ANYCAST]) {
    p.fp('any ');
    p.any('anycast', '%s ', formatHost(a.family, tb[IFA_ANYCAST]));
  }
  if (tb[IFA_MULTICAST]) {
    p.fp('mcast ');
    p.any('multicast', '%s ', formatHost(a.family, tb[IFA_MULTICAST]));
  }
  p.any('scope', 'scope %s ', rtnlRtscopeN2a(a.scope));
  printIfaFlags(p, a.family, a.flags);
  if (tb[IFA_LABEL]) p.any('label', '%s', nlaGetString(tb[IFA_LABEL]));
  if (tb[IFA_CACHEINFO] && tb[IFA_CACHEINFO].data.length >= IFA_CACHEINFO_LEN) {
    const ci = ifaCacheinfoParse(tb[IFA_CACHEINFO].data);
    // print_nl(): the -o option's separator (ip monitor sets filter.oneline for the prefix only).
    p.fp(o.oneline ? '\\' : '\n');
    p.fp('       valid_lft ');
    if (ci.valid === INFINITY_LIFE_TIME) {
      p.jsonOnly('valid_life_time', INFINITY_LIFE_TIME);
      p.fp('forever');
    } else p.any('valid_life_time', '%ssec', ci.valid);
    p.fp(' preferred_lft ');
    if (ci.prefered === INFINITY_LIFE_TIME) {
      p.jsonOnly('preferred_life_time', INFINITY_LIFE_TIME);
      p.fp('forever');
    } else if (a.flags & IFA_F_DEPRECATED) p.any('preferred_life_time', '%ssec', ci.prefered | 0);
    else p.any('preferred_life_time', '%ssec', ci.prefered);
  }
  p.fp('\n');
}

/** iproute2: ifa_label_match_rta(): true when a label filter is set and does not match. */
export function labelMismatch(c: AddrCtx, index: number, rta: NlaTable[number]): boolean {
  if (!c.f.label) return false;
  const label = rta ? nlaGetString(rta) : llIndexToName(c.ll(), index);
  return !fnmatch(c.f.label, label);
}

/** iproute2: inet_addr_match_rta() == 0 (no attribute, no family or no length: a match). */
export function prefixMatches(pfx: InetPrefix, rta: { data: Uint8Array } | undefined): boolean {
  if (!rta || pfx.family === AF_UNSPEC || pfx.bitlen <= 0) return true;
  if (pfx.family !== AF_INET || rta.data.length !== 4) return false;
  return inetAddrMatch(inAddrOf(rta.data), pfx.addr, pfx.bitlen);
}

/** iproute2: ipaddr_reset_filter(oneline, ifindex) with filter.family = the -4/-6/-f family. */
export function newAddrFilter(family: number, oneline: boolean, ifindex = 0): AddrFilter {
  return {
    family, ifindex, scope: 0, scopemask: 0, flags: 0, flagmask: 0, up: false, down: false, label: null, group: -1,
    master: 0, kind: null, slaveKind: null, pfx: null, oneline, flushb: null, flushed: 0,
  };
}

