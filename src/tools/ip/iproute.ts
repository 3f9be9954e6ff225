/**
 * `ip route` (iproute2 6.1: ip/iproute.c): add/del/change/append/prepend/replace/test
 * build RTM_NEWROUTE/RTM_DELROUTE requests, list/show/flush dump RTM_GETROUTE with
 * iproute2's selectors (table, proto, scope, type, dev, via, src, metric, root/match/
 * exact prefixes), get sends a non-dump RTM_GETROUTE. Output (text and -j JSON) and
 * error texts and exit statuses are iproute2's. Userspace only: rtnetlink sockets.
 */
import * as sys from '../../socket/syscalls.js';
import { AF_INET, AF_INET6, AF_UNSPEC, SOL_NETLINK } from '../../socket/socket.js';
import {
  type NlMsg, type NlaTable, NlMsgBuilder, NETLINK_GET_STRICT_CHK, NLM_F_REQUEST, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE,
  NLM_F_APPEND, NLMSG_HDRLEN, nlaParse, nlaGetU32, nlaGetU8, nlaGetString, nlmsgParse,
} from '../../wire/netlink.js';
import { RTM_NEWROUTE, RTM_DELROUTE, RTM_GETROUTE } from '../../wire/rtnetlink.js';
import {
  RTMSG_LEN, rtmsgParse, rtmsgPut, type Rtmsg, RTA_DST, RTA_SRC, RTA_IIF, RTA_OIF, RTA_GATEWAY, RTA_PRIORITY,
  RTA_PREFSRC, RTA_METRICS, RTA_MULTIPATH, RTA_FLOW, RTA_CACHEINFO, RTA_TABLE, RTA_MARK, RTA_VIA, RTA_NEWDST,
  RTA_PREF, RTA_EXPIRES, RTA_UID, RTA_TTL_PROPAGATE, RTA_IP_PROTO, RTA_SPORT, RTA_DPORT, RTA_NH_ID, RTA_MAX,
  RTAX_LOCK, RTAX_MTU, RTAX_WINDOW, RTAX_RTT, RTAX_RTTVAR, RTAX_SSTHRESH, RTAX_CWND, RTAX_ADVMSS, RTAX_REORDERING,
  RTAX_HOPLIMIT, RTAX_INITCWND, RTAX_FEATURES, RTAX_RTO_MIN, RTAX_INITRWND, RTAX_QUICKACK, RTAX_CC_ALGO,
  RTAX_FASTOPEN_NO_COOKIE, RTAX_MAX, RTM_F_CLONED, RTM_F_NOTIFY, RTM_F_LOOKUP_TABLE, RTM_F_FIB_MATCH,
  RTM_F_OFFLOAD, RTM_F_TRAP, RTNH_F_DEAD, RTNH_F_ONLINK, RTNH_F_PERVASIVE, RTNH_F_OFFLOAD, RTNH_F_LINKDOWN,
  RTNH_F_UNRESOLVED, RTNH_F_TRAP, RTN_UNICAST, RTN_LOCAL, RTN_BROADCAST, RTN_NAT, RTN_ANYCAST, RTN_MULTICAST,
  RTN_UNSPEC, RTPROT_BOOT, RT_SCOPE_UNIVERSE, RT_SCOPE_HOST, RT_SCOPE_LINK, RT_SCOPE_NOWHERE, RT_TABLE_MAIN,
  RT_TABLE_LOCAL, RT_TABLE_UNSPEC, RTNH_LEN, rtnhAlign, rtnexthopParse, rtnexthopPut,
} from '../../wire/route.js';
import { type Rtnl, buildRequest, rtnlTalk, rtnlDump, talkErrorText } from '../lib/libnetlink.js';
import { type LlMap, llInitMap, llIndexToName, llNameToIndex } from '../lib/ll_map.js';
import { matches } from '../lib/utils.js';
import {
  rtnlRtntypeN2a, rtnlRtntypeA2n, rtnlRtprotN2a, rtnlRtprotA2n, rtnlRtscopeN2a, rtnlRtscopeA2n, rtnlRttableN2a,
  rtnlRttableA2n, rtnlDsfieldN2a, rtnlDsfieldA2n, rtnlRtrealmN2a, rtnlRtrealmA2n, strtoul,
} from '../lib/rt_names.js';
import { Printer } from './json_print.js';
import type { IpEnv } from './iplink.js';

/* ------------------------------------------------------------------ */
/* Argument helpers (iproute2: lib/utils.c)                            */

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
function duparg2(key: string, arg: string): never {
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

function be32Bytes(v: number): Uint8Array {
  return new Uint8Array([v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255]);
}

/** iproute2: get_time_rtt(): milliseconds (ceil), `raw` when no unit was given. */
function getTimeRtt(arg: string): { val: number; raw: boolean } | null {
  const m = /^([0-9.]+|0[xX][0-9a-fA-F]+)(.*)$/.exec(arg);
  if (!m) return null;
  let t = m[1]!.includes('.') ? Number(m[1]) : strtoul(m[1]!, 0);
  if (t === null || !Number.isFinite(t)) return null;
  const unit = m[2]!.toLowerCase();
  let raw = true;
  if (unit) {
    raw = false;
    if (unit === 's' || unit === 'sec' || unit === 'secs') t *= 1000;
    else if (unit !== 'ms' && unit !== 'msec' && unit !== 'msecs') return null;
  }
  let val = Math.trunc(t) >>> 0;
  if (val < t) val += 1;
  return { val, raw };
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

/** Make sure dumps are checked strictly by the kernel, as iproute2 asks (rtnl_set_strict_dump). */
function setStrictDump(rth: Rtnl): void {
  try {
    sys.setsockopt(rth.task, rth.fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1);
  } catch {
    // older kernels: iproute2 ignores the failure too
  }
}

/* ------------------------------------------------------------------ */
/* The show filter (iproute2: the static `filter` of iproute.c)        */

interface RouteFilter {
  tb: number;
  cloned: number;
  flushed: number;
  flushing: boolean;
  protocol: number;
  protocolmask: number;
  scope: number;
  scopemask: number;
  typemask: number;
  tos: number;
  tosmask: number;
  iif: number;
  iifmask: number;
  oif: number;
  oifmask: number;
  mark: number;
  markmask: number;
  realm: number;
  realmmask: number;
  metric: number;
  metricmask: number;
  rprefsrc: InetPrefix;
  rvia: InetPrefix;
  rdst: InetPrefix;
  mdst: InetPrefix;
  rsrc: InetPrefix;
  msrc: InetPrefix;
}

function emptyPrefix(): InetPrefix {
  return { family: 0, bytelen: 0, bitlen: 0, flags: 0, addr: 0 };
}

/** iproute2: iproute_reset_filter(). */
function resetFilter(ifindex = 0): RouteFilter {
  const f: RouteFilter = {
    tb: 0, cloned: 0, flushed: 0, flushing: false, protocol: 0, protocolmask: 0, scope: 0, scopemask: 0, typemask: 0,
    tos: 0, tosmask: 0, iif: 0, iifmask: 0, oif: ifindex, oifmask: 0, mark: 0, markmask: 0, realm: 0, realmmask: 0,
    metric: 0, metricmask: 0, rprefsrc: emptyPrefix(), rvia: emptyPrefix(), rdst: emptyPrefix(),
    mdst: emptyPrefix(), rsrc: emptyPrefix(), msrc: emptyPrefix(),
  };
  f.mdst.bitlen = -1;
  f.msrc.bitlen = -1;
  if (f.oif > 0) f.oifmask = -1;
  return f;
}

/** iproute2: rtm_get_table(). */
function rtmGetTable(r: Rtmsg, tb: NlaTable): number {
  const a = tb[RTA_TABLE];
  return a ? nlaGetU32(a) : r.table;
}

/** The first 4 bytes of an address attribute as a host-order u32 (0 when absent). */
function attrAddr(a: { data: Uint8Array } | undefined): number {
  if (!a || a.data.length < 4) return 0;
  return ((a.data[0]! << 24) | (a.data[1]! << 16) | (a.data[2]! << 8) | a.data[3]!) >>> 0;
}

/** iproute2: filter_nlmsg(). */
function filterNlmsg(f: RouteFilter, family: number, r: Rtmsg, tb: NlaTable): boolean {
  const table = rtmGetTable(r, tb);
  if (family !== AF_UNSPEC && r.family !== family) return false;
  if (f.cloned === ((r.flags & RTM_F_CLONED) ? 0 : 1)) return false;
  if (f.tb > 0 && f.tb !== table) return false;
  if ((f.protocol ^ r.protocol) & f.protocolmask) return false;
  if ((f.scope ^ r.scope) & f.scopemask) return false;
  if (f.typemask && !(f.typemask & (1 << r.type))) return false;
  if ((f.tos ^ r.tos) & f.tosmask) return false;
  if (f.rdst.family || f.rdst.flags & PREFIXLEN_SPECIFIED) {
    if ((f.rdst.family && r.family !== f.rdst.family) || f.rdst.bitlen > r.dstLen) return false;
  }
  if (f.mdst.family || f.mdst.flags & PREFIXLEN_SPECIFIED) {
    if ((f.mdst.family && r.family !== f.mdst.family) || (f.mdst.bitlen >= 0 && f.mdst.bitlen < r.dstLen)) return false;
  }
  if (f.rsrc.family || f.rsrc.flags & PREFIXLEN_SPECIFIED) {
    if ((f.rsrc.family && r.family !== f.rsrc.family) || f.rsrc.bitlen > r.srcLen) return false;
  }
  if (f.msrc.family || f.msrc.flags & PREFIXLEN_SPECIFIED) {
    if ((f.msrc.family && r.family !== f.msrc.family) || (f.msrc.bitlen >= 0 && f.msrc.bitlen < r.srcLen)) return false;
  }
  if (f.rvia.family) {
    let fam = r.family;
    const via = tb[RTA_VIA];
    if (via && via.data.length >= 2) fam = via.data[0]! | (via.data[1]! << 8);
    if (fam !== f.rvia.family) return false;
  }
  if (f.rprefsrc.family && r.family !== f.rprefsrc.family) return false;
  const dst = r.dstLen ? attrAddr(tb[RTA_DST]) : 0;
  const src = attrAddr(tb[RTA_SRC]);
  if ((f.rdst.family || f.rdst.flags & PREFIXLEN_SPECIFIED) && !inetAddrMatch(dst, f.rdst.addr, f.rdst.bitlen)) return false;
  if ((f.mdst.family || f.mdst.flags & PREFIXLEN_SPECIFIED) && !inetAddrMatch(dst, f.mdst.addr, r.dstLen)) return false;
  if ((f.rsrc.family || f.rsrc.flags & PREFIXLEN_SPECIFIED) && !inetAddrMatch(src, f.rsrc.addr, f.rsrc.bitlen)) return false;
  if ((f.msrc.family || f.msrc.flags & PREFIXLEN_SPECIFIED) && f.msrc.bitlen >= 0 &&
    !inetAddrMatch(src, f.msrc.addr, r.srcLen)) return false;
  if (f.rvia.family && !inetAddrMatch(f.rvia.bitlen > 0 ? attrAddr(tb[RTA_GATEWAY]) : 0, f.rvia.addr, f.rvia.bitlen)) {
    return false;
  }
  if (f.rprefsrc.family &&
    !inetAddrMatch(f.rprefsrc.bitlen > 0 ? attrAddr(tb[RTA_PREFSRC]) : 0, f.rprefsrc.addr, f.rprefsrc.bitlen)) {
    return false;
  }
  if (f.realmmask) {
    const realms = tb[RTA_FLOW] ? nlaGetU32(tb[RTA_FLOW]) : 0;
    if (((realms ^ f.realm) & f.realmmask) !== 0) return false;
  }
  if (f.iifmask) {
    const iif = tb[RTA_IIF] ? nlaGetU32(tb[RTA_IIF]) : 0;
    if ((iif ^ f.iif) & f.iifmask) return false;
  }
  if (f.oifmask) {
    const oif = tb[RTA_OIF] ? nlaGetU32(tb[RTA_OIF]) : 0;
    if ((oif ^ f.oif) & f.oifmask) return false;
  }
  if (f.markmask) {
    const mark = tb[RTA_MARK] ? nlaGetU32(tb[RTA_MARK]) : 0;
    if ((mark ^ f.mark) & f.markmask) return false;
  }
  if (f.metricmask) {
    const metric = tb[RTA_PRIORITY] ? nlaGetU32(tb[RTA_PRIORITY]) : 0;
    if (((metric ^ f.metric) & f.metricmask) !== 0) return false;
  }
  return true;
}

/* ------------------------------------------------------------------ */
/* Printing (iproute2: print_route and friends)                        */

const MX_NAMES: Record<number, string> = {
  [RTAX_MTU]: 'mtu', [RTAX_WINDOW]: 'window', [RTAX_RTT]: 'rtt', [RTAX_RTTVAR]: 'rttvar',
  [RTAX_SSTHRESH]: 'ssthresh', [RTAX_CWND]: 'cwnd', [RTAX_ADVMSS]: 'advmss', [RTAX_REORDERING]: 'reordering',
  [RTAX_HOPLIMIT]: 'hoplimit', [RTAX_INITCWND]: 'initcwnd', [RTAX_FEATURES]: 'features', [RTAX_RTO_MIN]: 'rto_min',
  [RTAX_INITRWND]: 'initrwnd', [RTAX_QUICKACK]: 'quickack', [RTAX_CC_ALGO]: 'congctl',
  [RTAX_FASTOPEN_NO_COOKIE]: 'fastopen_no_cookie',
};

/** RTM_F_OFFLOAD_FAILED (include/uapi/linux/rtnetlink.h). */
const RTM_F_OFFLOAD_FAILED = 0x20000000;
/* RTCF_* printed by print_cache_flags (include/uapi/linux/in_route.h). */
const CACHE_FLAGS: [number, string][] = [
  [0x80000000, 'local'], [0x40000000, 'reject'], [0x20000000, 'mc'], [0x10000000, 'brd'], [0x08000000, 'dst-nat'],
  [0x00800000, 'src-nat'], [0x00400000, 'masq'], [0x02000000, 'dst-direct'], [0x04000000, 'src-direct'],
  [0x00040000, 'redirected'], [0x01000000, 'redirect'], [0x00200000, 'fastroute'], [0x00010000, 'notify'],
  [0x00020000, 'proxy'],
];

/** iproute2: print_rt_flags(). */
export function printRtFlags(p: Printer, flags: number): void {
  p.openArray(p.isJson ? 'flags' : '');
  const names: [number, string][] = [
    [RTNH_F_DEAD, 'dead'], [RTNH_F_ONLINK, 'onlink'], [RTNH_F_PERVASIVE, 'pervasive'], [RTNH_F_OFFLOAD, 'offload'],
    [RTNH_F_TRAP, 'trap'], [RTM_F_NOTIFY, 'notify'], [RTNH_F_LINKDOWN, 'linkdown'], [RTNH_F_UNRESOLVED, 'unresolved'],
    [RTM_F_OFFLOAD, 'rt_offload'], [RTM_F_TRAP, 'rt_trap'], [RTM_F_OFFLOAD_FAILED, 'rt_offload_failed'],
  ];
  for (const [bit, name] of names) if ((flags & bit) >>> 0) p.any(null, '%s ', name);
  p.closeArray();
}

/** iproute2: print_cache_flags(). */
function printCacheFlags(p: Printer, flags: number): void {
  let f = (flags & ~0xffff) >>> 0;
  if (p.json) {
    p.json.name('cache');
    p.json.startArray();
  } else {
    p.text += '\n    cache ';
    if (f === 0) return;
    p.text += '<';
  }
  for (const [bit, name] of CACHE_FLAGS) {
    if (!((f & bit) >>> 0)) continue;
    f = (f & ~bit) >>> 0;
    if (p.json) p.json.value(name);
    else p.text += `${name}${f ? ',' : '> '}`;
  }
  if (f) p.any('flags', '%s>', f.toString(16));
  if (p.json) p.json.endArray();
}

/** iproute2: print_rta_cacheinfo() (USER_HZ 100). */
function printRtaCacheinfo(p: Printer, d: Uint8Array, stats: number): void {
  const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
  const u32 = (i: number): number => (d.length >= i * 4 + 4 ? v.getUint32(i * 4, true) : 0);
  const clntref = u32(0);
  const lastuse = u32(1);
  const expires = d.length >= 12 ? v.getInt32(8, true) : 0;
  const error = u32(3);
  const used = u32(4);
  const id = u32(5);
  const ts = u32(6);
  const tsage = u32(7);
  const hz = 100;
  if (expires !== 0) p.any('expires', 'expires %ssec ', Math.trunc(expires / hz));
  if (error !== 0) p.any('error', 'error %s ', error);
  if (stats) {
    if (clntref) p.any('users', 'users %s ', clntref);
    if (used !== 0) p.any('used', 'used %s ', used);
    if (lastuse !== 0) p.any('age', 'age %ssec ', Math.trunc(lastuse / hz));
  }
  if (id) p.any('ipid', 'ipid %s ', `0x${id.toString(16).padStart(4, '0')}`);
  if (ts || tsage) {
    p.any('ts', 'ts %s', `0x${ts.toString(16)}`);
    p.any('tsage', 'tsage %ssec ', tsage);
  }
}

/** iproute2: print_rta_flow(). */
function printRtaFlow(p: Printer, v: number): void {
  const to = v & 0xffff;
  const from = v >>> 16;
  if (p.json) {
    p.openObject('flow');
    if (from) p.jsonOnly('from', rtnlRtrealmN2a(from));
    p.jsonOnly('to', rtnlRtrealmN2a(to));
    p.closeObject();
  } else {
    p.text += `realm${from ? 's' : ''} `;
    if (from) p.text += `${rtnlRtrealmN2a(from)}/`;
    p.text += `${rtnlRtrealmN2a(to)} `;
  }
}

/** iproute2: print_rta_metrics(). */
function printRtaMetrics(p: Printer, a: { data: Uint8Array; offset: number }): void {
  p.openArray('metrics');
  p.openObject(null);
  const mx = nlaParse(a.data, 0, a.data.length, RTAX_MAX, null);
  const tb = typeof mx === 'number' ? [] : mx;
  const mxlock = tb[RTAX_LOCK] ? nlaGetU32(tb[RTAX_LOCK]) : 0;
  for (let i = 2; i <= RTAX_MAX; i++) {
    const m = tb[i];
    if (!m && !(mxlock & (1 << i))) continue;
    let val = m && i !== RTAX_CC_ALGO ? nlaGetU32(m) : 0;
    if (i === RTAX_HOPLIMIT && (val | 0) === -1) continue;
    if (!p.json) {
      p.text += MX_NAMES[i] ? `${MX_NAMES[i]} ` : `metric ${i} `;
      if (mxlock & (1 << i)) p.text += 'lock ';
    }
    switch (i) {
      case RTAX_FEATURES: {
        let f = val;
        if (f & 1) {
          if (p.json) p.jsonOnly('ecn', null);
          else p.fp('ecn ');
          f &= ~1;
        }
        if (f) p.any('features', '%s ', `0x${val.toString(16)}`);
        break;
      }
      case RTAX_RTT:
      case RTAX_RTTVAR:
      case RTAX_RTO_MIN:
        if (i === RTAX_RTT) val = Math.trunc(val / 8);
        else if (i === RTAX_RTTVAR) val = Math.trunc(val / 4);
        if (p.json) p.jsonOnly(MX_NAMES[i]!, val);
        else p.text += val >= 1000 ? `${val / 1e3}s ` : `${val}ms `;
        break;
      case RTAX_CC_ALGO:
        p.any('congestion', '%s ', m ? nlaGetString(m) : '');
        break;
      default:
        p.any(MX_NAMES[i] ?? null, '%s ', val);
        break;
    }
  }
  p.closeObject();
  p.closeArray();
}

/** iproute2: print_rta_multipath(). */
function printRtaMultipath(p: Printer, r: Rtmsg, data: Uint8Array, ll: LlMap): void {
  p.openArray('nexthops');
  let off = 0;
  let len = data.length;
  let first = true;
  const mcast = (r.flags & RTM_F_CLONED) !== 0 && r.type === RTN_MULTICAST;
  while (len >= RTNH_LEN) {
    const nh = rtnexthopParse(data, off);
    if (nh.len > len || nh.len < RTNH_LEN) break;
    p.openObject(null);
    if (mcast) {
      p.fp(first ? 'Oifs: ' : ' ');
      first = false;
    } else {
      p.fp('\n\tnexthop ');
    }
    if (nh.len > RTNH_LEN) {
      const tbr = nlaParse(data, off + RTNH_LEN, nh.len - RTNH_LEN, RTA_MAX, null);
      const tb = typeof tbr === 'number' ? [] : tbr;
      if (tb[RTA_GATEWAY]) printRtaGateway(p, tb[RTA_GATEWAY]);
      if (tb[RTA_FLOW]) printRtaFlow(p, nlaGetU32(tb[RTA_FLOW]));
    }
    if (mcast) {
      p.any('dev', '%s', llIndexToName(ll, nh.ifindex));
      if (nh.hops !== 1) p.any('ttl', '(ttl>%s)', nh.hops);
      p.fp(' ');
    } else {
      p.any('dev', 'dev %s ', llIndexToName(ll, nh.ifindex));
      p.any('weight', 'weight %s ', nh.hops + 1);
    }
    printRtFlags(p, nh.flags);
    const step = rtnhAlign(nh.len);
    len -= step;
    off += step;
    p.closeObject();
  }
  p.closeArray();
}

/** iproute2: print_rta_gateway(). */
function printRtaGateway(p: Printer, a: { data: Uint8Array }): void {
  const gw = fmtAddr(attrAddr(a));
  if (p.json) p.jsonOnly('gateway', gw);
  else p.text += `via ${gw} `;
}

export interface PrintRouteCtx {
  filter: RouteFilter;
  ll: LlMap;
  details: number;
  stats: number;
}

/** iproute2: print_route(): one route message into `p`; false when filtered out. */
export function printRoute(p: Printer, m: NlMsg, ctx: PrintRouteCtx): boolean {
  const f = ctx.filter;
  if (m.type !== RTM_NEWROUTE && m.type !== RTM_DELROUTE) return false;
  if (m.msg.length < NLMSG_HDRLEN + RTMSG_LEN) return false;
  const r = rtmsgParse(m.msg, NLMSG_HDRLEN);
  const tbr = nlmsgParse(m.msg, RTMSG_LEN, RTA_MAX, null);
  const tb: NlaTable = typeof tbr === 'number' ? [] : tbr;
  const hostLen = r.family === AF_INET ? 32 : r.family === AF_INET6 ? 128 : -1;
  const table = rtmGetTable(r, tb);
  p.openObject(null);
  if (m.type === RTM_DELROUTE) {
    if (p.json) p.jsonOnly('deleted', true);
    else p.fp('Deleted ');
  }
  if ((r.type !== RTN_UNICAST || ctx.details > 0) && (!f.typemask || (f.typemask & (1 << r.type)))) {
    p.any('type', '%s ', rtnlRtntypeN2a(r.type));
  }
  let b1: string;
  const dstA = tb[RTA_DST];
  if (dstA) b1 = r.dstLen !== hostLen ? `${fmtAddr(attrAddr(dstA))}/${r.dstLen}` : fmtAddr(attrAddr(dstA));
  else if (r.dstLen) b1 = `0/${r.dstLen} `;
  else b1 = 'default';
  p.any('dst', '%s ', b1);
  const srcA = tb[RTA_SRC];
  if (srcA) {
    p.any('from', 'from %s ', r.srcLen !== hostLen ? `${fmtAddr(attrAddr(srcA))}/${r.srcLen}` : fmtAddr(attrAddr(srcA)));
  } else if (r.srcLen) {
    p.any('src', 'from %s ', `0/${r.srcLen}`);
  }
  if (tb[RTA_NH_ID]) p.any('nhid', 'nhid %s ', nlaGetU32(tb[RTA_NH_ID]));
  if (tb[RTA_NEWDST]) {
    if (p.json) p.jsonOnly('to', fmtAddr(attrAddr(tb[RTA_NEWDST])));
    else p.text += `as to ${fmtAddr(attrAddr(tb[RTA_NEWDST]))} `;
  }
  if (r.tos && f.tosmask !== -1) p.any('tos', 'tos %s ', rtnlDsfieldN2a(r.tos));
  if (tb[RTA_GATEWAY] && f.rvia.bitlen !== hostLen) printRtaGateway(p, tb[RTA_GATEWAY]);
  if (tb[RTA_OIF] && f.oifmask !== -1) {
    const name = llIndexToName(ctx.ll, nlaGetU32(tb[RTA_OIF]));
    if (p.json) p.jsonOnly('dev', name);
    else p.text += `dev ${name} `;
  }
  if (table && (table !== RT_TABLE_MAIN || ctx.details > 0) && !f.tb) p.any('table', 'table %s ', rtnlRttableN2a(table));
  if (!(r.flags & RTM_F_CLONED)) {
    if ((r.protocol !== RTPROT_BOOT || ctx.details > 0) && f.protocolmask !== -1) {
      p.any('protocol', 'proto %s ', rtnlRtprotN2a(r.protocol));
    }
    if ((r.scope !== RT_SCOPE_UNIVERSE || ctx.details > 0) && f.scopemask !== -1) {
      p.any('scope', 'scope %s ', rtnlRtscopeN2a(r.scope));
    }
  }
  if (tb[RTA_PREFSRC] && f.rprefsrc.bitlen !== hostLen) {
    const psrc = fmtAddr(attrAddr(tb[RTA_PREFSRC]));
    if (p.json) p.jsonOnly('prefsrc', psrc);
    else p.text += `src ${psrc} `;
  }
  if (tb[RTA_PRIORITY] && f.metricmask !== -1) p.any('metric', 'metric %s ', nlaGetU32(tb[RTA_PRIORITY]));
  printRtFlags(p, r.flags);
  if (tb[RTA_MARK]) {
    const mark = nlaGetU32(tb[RTA_MARK]);
    if (mark) {
      if (p.json) p.jsonOnly('mark', mark);
      else p.text += mark >= 16 ? `mark 0x${mark.toString(16)} ` : `mark ${mark} `;
    }
  }
  if (tb[RTA_FLOW] && f.realmmask !== 0xffffffff) printRtaFlow(p, nlaGetU32(tb[RTA_FLOW]));
  if (tb[RTA_UID]) p.any('uid', 'uid %s ', nlaGetU32(tb[RTA_UID]));
  if (r.family === AF_INET) {
    if (r.flags & RTM_F_CLONED) printCacheFlags(p, r.flags);
    if (tb[RTA_CACHEINFO]) printRtaCacheinfo(p, tb[RTA_CACHEINFO].data, ctx.stats);
  }
  if (tb[RTA_METRICS]) printRtaMetrics(p, tb[RTA_METRICS]);
  if (tb[RTA_IIF] && f.iifmask !== -1) {
    const name = llIndexToName(ctx.ll, nlaGetU32(tb[RTA_IIF]));
    if (p.json) p.jsonOnly('iif', name);
    else p.text += `iif ${name} `;
  }
  if (tb[RTA_PREF]) {
    const pref = nlaGetU8(tb[RTA_PREF]);
    const names: Record<number, string> = { 3: 'low', 0: 'medium', 1: 'high' };
    if (names[pref] !== undefined) p.any('pref', 'pref %s', names[pref]);
    else p.any('pref', '%s', pref);
  }
  if (tb[RTA_TTL_PROPAGATE]) {
    const prop = nlaGetU8(tb[RTA_TTL_PROPAGATE]) !== 0;
    if (p.json) p.jsonOnly('ttl-propogate', prop);
    else p.text += `ttl-propogate ${prop ? 'enabled' : 'disabled'}`;
  }
  if (tb[RTA_MULTIPATH]) printRtaMultipath(p, r, tb[RTA_MULTIPATH].data, ctx.ll);
  p.fp('\n');
  p.closeObject();
  return true;
}

/* ------------------------------------------------------------------ */
/* ip route add / del / change / append / prepend / replace / test      */

const USAGE = 'Usage: ip route { list | flush } SELECTOR\n' +
  '       ip route save SELECTOR\n' +
  '       ip route restore\n' +
  '       ip route showdump\n' +
  '       ip route get [ ROUTE_GET_FLAGS ] ADDRESS\n' +
  '                            [ from ADDRESS iif STRING ]\n' +
  '                            [ oif STRING ] [ tos TOS ]\n' +
  '                            [ mark NUMBER ] [ vrf NAME ]\n' +
  '                            [ uid NUMBER ] [ ipproto PROTOCOL ]\n' +
  '                            [ sport NUMBER ] [ dport NUMBER ]\n' +
  '       ip route { add | del | change | append | replace } ROUTE\n' +
  'SELECTOR := [ root PREFIX ] [ match PREFIX ] [ exact PREFIX ]\n' +
  '            [ table TABLE_ID ] [ vrf NAME ] [ proto RTPROTO ]\n' +
  '            [ type TYPE ] [ scope SCOPE ]\n' +
  'ROUTE := NODE_SPEC [ INFO_SPEC ]\n' +
  'NODE_SPEC := [ TYPE ] PREFIX [ tos TOS ]\n' +
  '             [ table TABLE_ID ] [ proto RTPROTO ]\n' +
  '             [ scope SCOPE ] [ metric METRIC ]\n' +
  '             [ ttl-propagate { enabled | disabled } ]\n' +
  'INFO_SPEC := { NH | nhid ID } OPTIONS FLAGS [ nexthop NH ]...\n' +
  'NH := [ encap ENCAPTYPE ENCAPHDR ] [ via [ FAMILY ] ADDRESS ]\n' +
  '      [ dev STRING ] [ weight NUMBER ] NHFLAGS\n' +
  'FAMILY := [ inet | inet6 | mpls | bridge | link ]\n' +
  'OPTIONS := FLAGS [ mtu NUMBER ] [ advmss NUMBER ] [ as [ to ] ADDRESS ]\n' +
  '           [ rtt TIME ] [ rttvar TIME ] [ reordering NUMBER ]\n' +
  '           [ window NUMBER ] [ cwnd NUMBER ] [ initcwnd NUMBER ]\n' +
  '           [ ssthresh NUMBER ] [ realms REALM ] [ src ADDRESS ]\n' +
  '           [ rto_min TIME ] [ hoplimit NUMBER ] [ initrwnd NUMBER ]\n' +
  '           [ features FEATURES ] [ quickack BOOL ] [ congctl NAME ]\n' +
  '           [ pref PREF ] [ expires TIME ] [ fastopen_no_cookie BOOL ]\n' +
  'TYPE := { unicast | local | broadcast | multicast | throw |\n' +
  '          unreachable | prohibit | blackhole | nat }\n' +
  'TABLE_ID := [ local | main | default | all | NUMBER ]\n' +
  'SCOPE := [ host | link | global | NUMBER ]\n' +
  'NHFLAGS := [ onlink | pervasive ]\n' +
  'RTPROTO := [ kernel | boot | static | NUMBER ]\n' +
  'PREF := [ low | medium | high ]\n' +
  'TIME := NUMBER[s|ms]\n' +
  'BOOL := [1|0]\n' +
  'FEATURES := ecn\n' +
  'ENCAPTYPE := [ mpls | ip | ip6 | seg6 | seg6local | rpl | ioam6 | xfrm ]\n' +
  'ENCAPHDR := [ MPLSLABEL | SEG6HDR | SEG6LOCAL | IOAM6HDR | XFRMINFO ]\n' +
  'SEG6HDR := [ mode SEGMODE ] segs ADDR1,ADDRi,ADDRn [hmac HMACKEYID] [cleanup]\n' +
  'SEGMODE := [ encap | encap.red | inline | l2encap | l2encap.red ]\n' +
  'SEG6LOCAL := action ACTION [ OPTIONS ] [ count ]\n' +
  'ACTION := { End | End.X | End.T | End.DX2 | End.DX6 | End.DX4 |\n' +
  '            End.DT6 | End.DT4 | End.DT46 | End.B6 | End.B6.Encaps |\n' +
  '            End.BM | End.S | End.AS | End.AM | End.BPF }\n' +
  'OPTIONS := OPTION [ OPTIONS ]\n' +
  'OPTION := { flavors FLAVORS | srh SEG6HDR | nh4 ADDR | nh6 ADDR | iif DEV | oif DEV |\n' +
  '            table TABLEID | vrftable TABLEID | endpoint PROGNAME }\n' +
  'FLAVORS := { FLAVOR[,FLAVOR] }\n' +
  'FLAVOR := { psp | usp | usd | next-csid }\n' +
  'IOAM6HDR := trace prealloc type IOAM6_TRACE_TYPE ns IOAM6_NAMESPACE size IOAM6_TRACE_SIZE\n' +
  'XFRMINFO := if_id IF_ID [ link_dev LINK ]\n' +
  'ROUTE_GET_FLAGS := [ fibmatch ]\n';

function usage(): never {
  throw new IpArgError(USAGE, 255);
}

/** iproute2: read_family(). */
function readFamily(name: string): number {
  if (name === 'inet') return AF_INET;
  if (name === 'inet6') return AF_INET6;
  if (name === 'link') return 17;
  if (name === 'mpls') return 28;
  if (name === 'bridge') return 7;
  return AF_UNSPEC;
}

interface Nexthop {
  gw: InetPrefix | null;
  ifindex: number;
  hops: number;
  flags: number;
  realm: number | null;
}

/** iproute2: parse_one_nh(): consumes the nexthop's words; returns the index of the next unparsed one. */
function parseOneNh(env: IpEnv, ll: () => LlMap, r: Rtmsg, args: string[], i: number, nh: Nexthop): number {
  while (++i < args.length) {
    const a = args[i]!;
    if (a === 'via') {
      let v = nextArg(args, i++);
      let family = readFamily(v);
      if (family === AF_UNSPEC) family = r.family;
      else v = nextArg(args, i++);
      const addr = getAddr(v, family);
      if (r.family === AF_UNSPEC) r.family = addr.family;
      nh.gw = addr;
    } else if (a === 'dev') {
      const v = nextArg(args, i++);
      nh.ifindex = llNameToIndex(ll(), v);
      if (!nh.ifindex) throw new IpArgError(`Cannot find device "${v}"\n`, 1);
    } else if (a === 'weight') {
      const v = nextArg(args, i++);
      const w = strtoul(v, 0);
      if (w === null || w === 0 || w > 256) invarg('"weight" is invalid\n', v);
      nh.hops = w - 1;
    } else if (a === 'onlink') {
      nh.flags |= RTNH_F_ONLINK;
    } else if (matches(a, 'realms')) {
      const v = nextArg(args, i++);
      const realm = getRtRealmsOrRaw(v);
      if (realm === null) invarg('"realm" value is invalid\n', v);
      nh.realm = realm;
    } else {
      break;
    }
  }
  void env;
  return i;
}

/** iproute2: get_rt_realms_or_raw(): "[SRC/]DST" realm names or a raw number. */
function getRtRealmsOrRaw(arg: string): number | null {
  const raw = strtoul(arg, 0);
  if (raw !== null) return raw;
  const slash = arg.indexOf('/');
  if (slash >= 0) {
    const from = rtnlRtrealmA2n(arg.slice(0, slash));
    const to = rtnlRtrealmA2n(arg.slice(slash + 1));
    if (from < 0 || to < 0) return null;
    return ((from << 16) | to) >>> 0;
  }
  const to = rtnlRtrealmA2n(arg);
  return to < 0 ? null : to;
}

/** iproute2: parse_nexthops(): RTA_MULTIPATH from "nexthop NH ..." words. */
function parseNexthops(env: IpEnv, ll: () => LlMap, r: Rtmsg, args: string[], i: number): Nexthop[] {
  const out: Nexthop[] = [];
  while (i < args.length) {
    if (args[i] !== 'nexthop') {
      throw new IpArgError(`Error: "nexthop" or end of line is expected instead of "${args[i]}"\n`, 255);
    }
    if (i + 1 >= args.length) throw new IpArgError('Error: unexpected end of line after "nexthop"\n', 255);
    const nh: Nexthop = { gw: null, ifindex: 0, hops: 0, flags: 0, realm: null };
    i = parseOneNh(env, ll, r, args, i, nh);
    out.push(nh);
  }
  return out;
}

function putMultipath(b: NlMsgBuilder, nhs: Nexthop[]): void {
  const start = b.nlaNestStartNoflag(RTA_MULTIPATH);
  for (const nh of nhs) {
    const off = b.reserve(RTNH_LEN);
    if (nh.gw) b.nlaPut(RTA_GATEWAY, be32Bytes(nh.gw.addr));
    if (nh.realm !== null) b.nlaPutU32(RTA_FLOW, nh.realm);
    rtnexthopPut(b, off, { len: b.len - off, flags: nh.flags, hops: nh.hops, ifindex: nh.ifindex });
  }
  b.nlaNestEnd(start);
}

/** iproute2: iproute_modify(). Returns the exit status. */
function iprouteModify(env: IpEnv, cmd: number, flags: number, args: string[]): number {
  const r: Rtmsg = {
    family: env.opts.family, dstLen: 0, srcLen: 0, tos: 0, table: RT_TABLE_MAIN, protocol: 0,
    scope: RT_SCOPE_NOWHERE, type: 0, flags: 0,
  };
  if (cmd !== RTM_DELROUTE) {
    r.protocol = RTPROT_BOOT;
    r.scope = RT_SCOPE_UNIVERSE;
    r.type = RTN_UNICAST;
  }
  let llCache: LlMap | null = null;
  const ll = (): LlMap => (llCache ??= llInitMap(env.rth));
  // Attributes are collected in iproute2's order and written after the header is final.
  const attrs: ((b: NlMsgBuilder) => void)[] = [];
  const mx: [number, number | string][] = [];
  let mxlock = 0;
  let d: string | null = null;
  let gwOk = false;
  let dstOk = false;
  let nhsOk = false;
  let scopeOk = false;
  let tableOk = false;
  let typeOk = false;
  let nhid = 0;
  let i = 0;
  const lockable = (key: number): string => {
    let v = nextArg(args, i++);
    if (v === 'lock') {
      mxlock |= 1 << key;
      v = nextArg(args, i++);
    }
    return v;
  };
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === 'src') {
      const v = nextArg(args, i++);
      const addr = getAddr(v, r.family);
      if (r.family === AF_UNSPEC) r.family = addr.family;
      attrs.push((b) => b.nlaPut(RTA_PREFSRC, be32Bytes(addr.addr).subarray(0, addr.bytelen)));
    } else if (a === 'as') {
      let v = nextArg(args, i++);
      if (v === 'to') v = nextArg(args, i++);
      const addr = getAddr(v, r.family);
      if (r.family === AF_UNSPEC) r.family = addr.family;
      attrs.push((b) => b.nlaPut(RTA_NEWDST, be32Bytes(addr.addr).subarray(0, addr.bytelen)));
    } else if (a === 'via') {
      if (gwOk) invarg('use nexthop syntax to specify multiple via\n', a);
      gwOk = true;
      let v = nextArg(args, i++);
      let family = readFamily(v);
      if (family === AF_UNSPEC) family = r.family;
      else v = nextArg(args, i++);
      const addr = getAddr(v, family);
      if (r.family === AF_UNSPEC) r.family = addr.family;
      attrs.push((b) => b.nlaPut(RTA_GATEWAY, be32Bytes(addr.addr).subarray(0, addr.bytelen)));
    } else if (a === 'from') {
      const v = nextArg(args, i++);
      const addr = getPrefix(v, r.family);
      if (r.family === AF_UNSPEC) r.family = addr.family;
      if (addr.bytelen) attrs.push((b) => b.nlaPut(RTA_SRC, be32Bytes(addr.addr)));
      r.srcLen = addr.bitlen;
    } else if (a === 'tos' || matches(a, 'dsfield')) {
      const v = nextArg(args, i++);
      const tos = rtnlDsfieldA2n(v);
      if (tos < 0) invarg('"tos" value is invalid\n', v);
      r.tos = tos;
    } else if (a === 'expires') {
      const v = nextArg(args, i++);
      const e = strtoul(v, 0);
      if (e === null) invarg('"expires" value is invalid\n', v);
      attrs.push((b) => b.nlaPutU32(RTA_EXPIRES, e));
    } else if (matches(a, 'metric') || matches(a, 'priority') || a === 'preference') {
      const v = nextArg(args, i++);
      const metric = strtoul(v, 0);
      if (metric === null) invarg('"metric" value is invalid\n', v);
      attrs.push((b) => b.nlaPutU32(RTA_PRIORITY, metric));
    } else if (a === 'scope') {
      const v = nextArg(args, i++);
      const scope = rtnlRtscopeA2n(v);
      if (scope < 0) invarg('invalid "scope" value\n', v);
      r.scope = scope;
      scopeOk = true;
    } else if (a === 'mtu') {
      const v = lockable(RTAX_MTU);
      const n = strtoul(v, 0);
      if (n === null) invarg('"mtu" value is invalid\n', v);
      mx.push([RTAX_MTU, n]);
    } else if (a === 'hoplimit') {
      const v = lockable(RTAX_HOPLIMIT);
      const n = strtoul(v, 0);
      if (n === null || n > 255) invarg('"hoplimit" value is invalid\n', v);
      mx.push([RTAX_HOPLIMIT, n]);
    } else if (a === 'advmss') {
      const v = lockable(RTAX_ADVMSS);
      const n = strtoul(v, 0);
      if (n === null) invarg('"mss" value is invalid\n', v);
      mx.push([RTAX_ADVMSS, n]);
    } else if (matches(a, 'reordering')) {
      const v = lockable(RTAX_REORDERING);
      const n = strtoul(v, 0);
      if (n === null) invarg('"reordering" value is invalid\n', v);
      mx.push([RTAX_REORDERING, n]);
    } else if (a === 'rtt') {
      const v = lockable(RTAX_RTT);
      const t = getTimeRtt(v);
      if (!t) invarg('"rtt" value is invalid\n', v);
      mx.push([RTAX_RTT, t.raw ? t.val : t.val * 8]);
    } else if (a === 'rto_min') {
      const v = nextArg(args, i++);
      mxlock |= 1 << RTAX_RTO_MIN;
      const t = getTimeRtt(v);
      if (!t) invarg('"rto_min" value is invalid\n', v);
      mx.push([RTAX_RTO_MIN, t.val]);
    } else if (matches(a, 'window')) {
      const v = lockable(RTAX_WINDOW);
      const n = strtoul(v, 0);
      if (n === null) invarg('"window" value is invalid\n', v);
      mx.push([RTAX_WINDOW, n]);
    } else if (matches(a, 'cwnd')) {
      const v = lockable(RTAX_CWND);
      const n = strtoul(v, 0);
      if (n === null) invarg('"cwnd" value is invalid\n', v);
      mx.push([RTAX_CWND, n]);
    } else if (matches(a, 'initcwnd')) {
      const v = lockable(RTAX_INITCWND);
      const n = strtoul(v, 0);
      if (n === null) invarg('"initcwnd" value is invalid\n', v);
      mx.push([RTAX_INITCWND, n]);
    } else if (matches(a, 'initrwnd')) {
      const v = lockable(RTAX_INITRWND);
      const n = strtoul(v, 0);
      if (n === null) invarg('"initrwnd" value is invalid\n', v);
      mx.push([RTAX_INITRWND, n]);
    } else if (matches(a, 'features')) {
      const v = nextArg(args, i++);
      if (v !== 'ecn') invarg('"features" value not valid\n', v);
      mx.push([RTAX_FEATURES, 1]);
    } else if (matches(a, 'quickack')) {
      const v = nextArg(args, i++);
      const n = strtoul(v, 0);
      if (n === null) invarg('"quickack" value is invalid\n', v);
      if (n !== 0 && n !== 1) invarg('"quickack" value should be 0 or 1\n', v);
      mx.push([RTAX_QUICKACK, n]);
    } else if (matches(a, 'congctl')) {
      const v = lockable(RTAX_CC_ALGO);
      mx.push([RTAX_CC_ALGO, v]);
    } else if (matches(a, 'rttvar')) {
      const v = lockable(RTAX_RTTVAR);
      const t = getTimeRtt(v);
      if (!t) invarg('"rttvar" value is invalid\n', v);
      mx.push([RTAX_RTTVAR, t.raw ? t.val : t.val * 4]);
    } else if (matches(a, 'ssthresh')) {
      const v = lockable(RTAX_SSTHRESH);
      const n = strtoul(v, 0);
      if (n === null) invarg('"ssthresh" value is invalid\n', v);
      mx.push([RTAX_SSTHRESH, n]);
    } else if (matches(a, 'realms')) {
      const v = nextArg(args, i++);
      const realm = getRtRealmsOrRaw(v);
      if (realm === null) invarg('"realm" value is invalid\n', v);
      attrs.push((b) => b.nlaPutU32(RTA_FLOW, realm));
    } else if (a === 'onlink') {
      r.flags |= RTNH_F_ONLINK;
    } else if (a === 'nexthop') {
      nhsOk = true;
      break;
    } else if (a === 'nhid') {
      const v = nextArg(args, i++);
      const n = strtoul(v, 0);
      if (n === null) invarg('"id" value is invalid\n', v);
      nhid = n;
      attrs.push((b) => b.nlaPutU32(RTA_NH_ID, n));
    } else if (matches(a, 'protocol')) {
      const v = nextArg(args, i++);
      const prot = rtnlRtprotA2n(v);
      if (prot < 0) invarg('"protocol" value is invalid\n', v);
      r.protocol = prot;
    } else if (matches(a, 'table')) {
      const v = nextArg(args, i++);
      const tid = rtnlRttableA2n(v);
      if (tid < 0) invarg('"table" value is invalid\n', v);
      if (tid < 256) r.table = tid;
      else {
        r.table = RT_TABLE_UNSPEC;
        attrs.push((b) => b.nlaPutU32(RTA_TABLE, tid));
      }
      tableOk = true;
    } else if (matches(a, 'vrf')) {
      const v = nextArg(args, i++);
      invarg('Invalid VRF\n', v);
    } else if (a === 'dev' || a === 'oif') {
      d = nextArg(args, i++);
    } else if (matches(a, 'pref')) {
      const v = nextArg(args, i++);
      let pref: number | null;
      if (v === 'low') pref = 3;
      else if (v === 'medium') pref = 0;
      else if (v === 'high') pref = 1;
      else {
        pref = strtoul(v, 0);
        if (pref === null || pref > 255) invarg('"pref" value is invalid\n', v);
      }
      const pv = pref;
      attrs.push((b) => b.nlaPutU8(RTA_PREF, pv));
    } else if (a === 'encap') {
      const v = nextArg(args, i++);
      invarg('"encap type" value is invalid\n', v);
    } else if (a === 'ttl-propagate') {
      const v = nextArg(args, i++);
      let prop = 0;
      if (matches(v, 'enabled')) prop = 1;
      else if (matches(v, 'disabled')) prop = 0;
      else invarg('"ttl-propagate" value is invalid\n', v);
      attrs.push((b) => b.nlaPutU8(RTA_TTL_PROPAGATE, prop));
    } else if (matches(a, 'fastopen_no_cookie')) {
      const v = nextArg(args, i++);
      const n = strtoul(v, 0);
      if (n === null) invarg('"fastopen_no_cookie" value is invalid\n', v);
      if (n !== 0 && n !== 1) invarg('"fastopen_no_cookie" value should be 0 or 1\n', v);
      mx.push([RTAX_FASTOPEN_NO_COOKIE, n]);
    } else {
      let w = a;
      if (w === 'to') w = nextArg(args, i++);
      const c = w.charCodeAt(0);
      if (!(c >= 0x30 && c <= 0x39)) {
        const type = rtnlRtntypeA2n(w);
        if (type >= 0) {
          w = nextArg(args, i++);
          r.type = type;
          typeOk = true;
        }
      }
      if (matches(w, 'help')) usage();
      if (dstOk) duparg2('to', w);
      const dst = getPrefix(w, r.family);
      if (r.family === AF_UNSPEC) r.family = dst.family;
      r.dstLen = dst.bitlen;
      dstOk = true;
      if (dst.bytelen) attrs.push((b) => b.nlaPut(RTA_DST, be32Bytes(dst.addr)));
    }
  }
  if (!dstOk) usage();
  let oif = 0;
  if (d !== null) {
    oif = llNameToIndex(ll(), d);
    if (!oif) throw new IpArgError(`Cannot find device "${d}"\n`, 1);
  }
  const nhs = nhsOk ? parseNexthops(env, ll, r, args, i) : [];
  if (r.family === AF_UNSPEC) r.family = AF_INET;
  if (!tableOk) {
    if (r.type === RTN_LOCAL || r.type === RTN_BROADCAST || r.type === RTN_NAT || r.type === RTN_ANYCAST) {
      r.table = RT_TABLE_LOCAL;
    }
  }
  if (!scopeOk) {
    if (r.family === AF_INET6 || r.family === 28) r.scope = RT_SCOPE_UNIVERSE;
    else if (r.type === RTN_LOCAL || r.type === RTN_NAT) r.scope = RT_SCOPE_HOST;
    else if (r.type === RTN_BROADCAST || r.type === RTN_MULTICAST || r.type === RTN_ANYCAST) r.scope = RT_SCOPE_LINK;
    else if (r.type === RTN_UNICAST || r.type === RTN_UNSPEC) {
      if (cmd === RTM_DELROUTE) r.scope = RT_SCOPE_NOWHERE;
      else if (!gwOk && !nhsOk && !nhid) r.scope = RT_SCOPE_LINK;
    }
  }
  void typeOk;
  const b = buildRequest(cmd, flags, RTMSG_LEN, (bb, h) => {
    rtmsgPut(bb, h, r);
    for (const put of attrs) put(bb);
    if (oif) bb.nlaPutU32(RTA_OIF, oif);
    if (mx.length || mxlock) {
      const nest = bb.nlaNestStartNoflag(RTA_METRICS);
      for (const [k, v] of mx) {
        if (typeof v === 'string') bb.nlaPut(k, new TextEncoder().encode(v));
        else bb.nlaPutU32(k, v);
      }
      if (mxlock) bb.nlaPutU32(RTAX_LOCK, mxlock);
      bb.nlaNestEnd(nest);
    }
    if (nhs.length) putMultipath(bb, nhs);
  });
  const res = rtnlTalk(env.rth, b);
  if (res.error) {
    env.err(talkErrorText(res));
    return 2;
  }
  return 0;
}

/* ------------------------------------------------------------------ */
/* ip route list / show / flush                                        */

/** iproute2: iproute_list_flush_or_save() (list and flush). */
function iprouteListFlush(env: IpEnv, args: string[], flush: boolean): number {
  let dumpFamily = env.opts.family;
  let id: string | null = null;
  let od: string | null = null;
  let mark = 0;
  const f = resetFilter(0);
  f.tb = RT_TABLE_MAIN;
  if (flush && args.length === 0) {
    env.err('"ip route flush" requires arguments.\n');
    return 1;
  }
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (matches(a, 'table')) {
      const v = nextArg(args, i++);
      const tid = rtnlRttableA2n(v);
      if (tid < 0) {
        if (v === 'all') f.tb = 0;
        else if (v === 'cache') f.cloned = 1;
        else if (v === 'help') usage();
        else invarg('table id value is invalid\n', v);
      } else {
        f.tb = tid;
      }
    } else if (matches(a, 'vrf')) {
      const v = nextArg(args, i++);
      invarg('Invalid VRF\n', v);
    } else if (matches(a, 'cached') || matches(a, 'cloned')) {
      f.cloned = 1;
    } else if (a === 'tos' || matches(a, 'dsfield')) {
      const v = nextArg(args, i++);
      const tos = rtnlDsfieldA2n(v);
      if (tos < 0) invarg('TOS value is invalid\n', v);
      f.tos = tos;
      f.tosmask = -1;
    } else if (matches(a, 'protocol')) {
      const v = nextArg(args, i++);
      f.protocolmask = -1;
      let prot = rtnlRtprotA2n(v);
      if (prot < 0) {
        if (v !== 'all') invarg('invalid "protocol"\n', v);
        prot = 0;
        f.protocolmask = 0;
      }
      f.protocol = prot;
    } else if (matches(a, 'scope')) {
      const v = nextArg(args, i++);
      f.scopemask = -1;
      let scope = rtnlRtscopeA2n(v);
      if (scope < 0) {
        if (v !== 'all') invarg('invalid "scope"\n', v);
        scope = RT_SCOPE_NOWHERE;
        f.scopemask = 0;
      }
      f.scope = scope;
    } else if (matches(a, 'type')) {
      const v = nextArg(args, i++);
      const type = rtnlRtntypeA2n(v);
      if (type < 0) invarg('node type value is invalid\n', v);
      f.typemask = 1 << type;
    } else if (a === 'dev' || a === 'oif') {
      od = nextArg(args, i++);
    } else if (a === 'iif') {
      id = nextArg(args, i++);
    } else if (a === 'mark') {
      const v = nextArg(args, i++);
      const m = strtoul(v, 0);
      if (m === null) invarg('invalid mark value', v);
      mark = m;
      f.markmask = -1;
    } else if (matches(a, 'metric') || matches(a, 'priority') || a === 'preference') {
      const v = nextArg(args, i++);
      const metric = strtoul(v, 0);
      if (metric === null) invarg('"metric" value is invalid\n', v);
      f.metric = metric;
      f.metricmask = -1;
    } else if (a === 'via') {
      let v = nextArg(args, i++);
      let family = readFamily(v);
      if (family === AF_UNSPEC) family = dumpFamily;
      else v = nextArg(args, i++);
      f.rvia = getPrefix(v, family);
    } else if (a === 'src') {
      const v = nextArg(args, i++);
      f.rprefsrc = getPrefix(v, dumpFamily);
    } else if (matches(a, 'realms')) {
      const v = nextArg(args, i++);
      const realm = getRtRealmsOrRaw(v);
      if (realm === null) invarg('invalid realms\n', v);
      f.realm = realm;
      f.realmmask = 0xffffffff;
      if ((f.realm & 0xffff) === 0 && v.endsWith('/')) f.realmmask = (f.realmmask & ~0xffff) >>> 0;
      if ((f.realm & 0xffff0000) === 0 && (!v.includes('/') || v.startsWith('/'))) f.realmmask &= 0xffff;
    } else if (matches(a, 'from')) {
      let v = nextArg(args, i++);
      if (matches(v, 'root')) {
        v = nextArg(args, i++);
        f.rsrc = getPrefix(v, dumpFamily);
      } else if (matches(v, 'match')) {
        v = nextArg(args, i++);
        f.msrc = getPrefix(v, dumpFamily);
      } else {
        if (matches(v, 'exact')) v = nextArg(args, i++);
        f.msrc = getPrefix(v, dumpFamily);
        f.rsrc = { ...f.msrc };
      }
    } else {
      let v = a;
      if (matches(v, 'to')) v = nextArg(args, i++);
      if (matches(v, 'root')) {
        v = nextArg(args, i++);
        f.rdst = getPrefix(v, dumpFamily);
      } else if (matches(v, 'match')) {
        v = nextArg(args, i++);
        f.mdst = getPrefix(v, dumpFamily);
      } else {
        if (matches(v, 'exact')) v = nextArg(args, i++);
        f.mdst = getPrefix(v, dumpFamily);
        f.rdst = { ...f.mdst };
      }
    }
  }
  if (dumpFamily === AF_UNSPEC && f.tb) dumpFamily = AF_INET;
  let ll: LlMap | null = null;
  if (id !== null || od !== null) {
    ll = llInitMap(env.rth);
    if (id !== null) {
      const idx = llNameToIndex(ll, id);
      if (!idx) throw new IpArgError(`Cannot find device "${id}"\n`, 1);
      f.iif = idx;
      f.iifmask = -1;
    }
    if (od !== null) {
      const idx = llNameToIndex(ll, od);
      if (!idx) throw new IpArgError(`Cannot find device "${od}"\n`, 1);
      f.oif = idx;
      f.oifmask = -1;
    }
  }
  f.mark = mark;
  setStrictDump(env.rth);
  if (flush) return iprouteFlush(env, dumpFamily, f);
  const dump = routeDump(env, dumpFamily, f);
  if (dump.error) {
    env.err(dumpErrorText(dump.error, dump.msg));
    env.err('Dump terminated\n');
    return 2;
  }
  const ctx: PrintRouteCtx = { filter: f, ll: ll ?? llInitMap(env.rth), details: env.opts.details, stats: env.opts.stats };
  const p = new Printer(env.opts.json, env.opts.pretty);
  p.openArray(null);
  for (const m of dump.msgs) {
    const r = rtmsgParse(m.msg, NLMSG_HDRLEN);
    const tbr = nlmsgParse(m.msg, RTMSG_LEN, RTA_MAX, null);
    if (typeof tbr === 'number' || !filterNlmsg(f, env.opts.family, r, tbr)) continue;
    printRoute(p, m, ctx);
  }
  p.closeArray();
  env.out(p.json ? p.result() : p.text);
  return 0;
}

/** iproute2: rtnl_routedump_req() with iproute_dump_filter(). */
function routeDump(env: IpEnv, family: number, f: RouteFilter): ReturnType<typeof rtnlDump> {
  const b = buildRequest(RTM_GETROUTE, 0, RTMSG_LEN, (bb, h) => {
    rtmsgPut(bb, h, {
      family, dstLen: 0, srcLen: 0, tos: 0, table: 0, protocol: f.protocol, scope: 0, type: 0,
      flags: f.cloned ? RTM_F_CLONED : 0,
    });
    if (f.tb) bb.nlaPutU32(RTA_TABLE, f.tb);
    if (f.oif) bb.nlaPutU32(RTA_OIF, f.oif);
  });
  return rtnlDump(env.rth, b);
}

/** iproute2: iproute_flush(): dump, delete what matched, repeat until nothing is left. */
function iprouteFlush(env: IpEnv, family: number, f: RouteFilter): number {
  if (f.cloned) {
    // The IPv4 route cache is flushed through /proc/sys/net/ipv4/route/flush.
    try {
      sys.writeFile(env.task, '/proc/sys/net/ipv4/route/flush', '-1');
    } catch {
      // nothing to flush
    }
    if (env.opts.stats) env.out('*** IPv4 routing cache is flushed.\n');
    if (family === AF_INET) return 0;
  }
  let round = 0;
  for (;;) {
    const dump = routeDump(env, family, f);
    if (dump.error) {
      env.err(dumpErrorText(dump.error, dump.msg));
      env.err('Flush terminated\n');
      return 2;
    }
    const victims: NlMsg[] = [];
    for (const m of dump.msgs) {
      if (m.type !== RTM_NEWROUTE) continue;
      const r = rtmsgParse(m.msg, NLMSG_HDRLEN);
      const tbr = nlmsgParse(m.msg, RTMSG_LEN, RTA_MAX, null);
      if (typeof tbr === 'number' || !filterNlmsg(f, env.opts.family, r, tbr)) continue;
      victims.push(m);
    }
    if (victims.length === 0) {
      if (env.opts.stats) {
        if (round === 0 && (!f.cloned || family === AF_INET6)) env.out('Nothing to flush.\n');
        else env.out(`*** Flush is complete after ${round} round${round > 1 ? 's' : ''} ***\n`);
      }
      return 0;
    }
    round++;
    for (const m of victims) {
      const b = new NlMsgBuilder(m.msg.length);
      b.putBytes(m.msg);
      b.setU16(4, RTM_DELROUTE);
      b.setU16(6, NLM_F_REQUEST);
      rtnlTalk(env.rth, b);
    }
    if (env.opts.stats) env.out(`\n*** Round ${round}, deleting ${victims.length} entries ***\n`);
    if (round > 100) return 1;
  }
}

/* ------------------------------------------------------------------ */
/* ip route get                                                        */

/** iproute2: iproute_get(). */
function iprouteGet(env: IpEnv, args: string[]): number {
  const r: Rtmsg = {
    family: env.opts.family, dstLen: 0, srcLen: 0, tos: 0, table: 0, protocol: 0, scope: 0, type: 0, flags: 0,
  };
  const attrs: ((b: NlMsgBuilder) => void)[] = [];
  let idev: string | null = null;
  let odev: string | null = null;
  let fibMatch = false;
  let mark = 0;
  let addressFound = false;
  const f = resetFilter(0);
  f.cloned = 2;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === 'tos' || matches(a, 'dsfield')) {
      const v = nextArg(args, i++);
      const tos = rtnlDsfieldA2n(v);
      if (tos < 0) invarg('TOS value is invalid\n', v);
      r.tos = tos;
    } else if (matches(a, 'from')) {
      const v = nextArg(args, i++);
      if (matches(v, 'help')) usage();
      const addr = getPrefix(v, r.family);
      if (r.family === AF_UNSPEC) r.family = addr.family;
      if (addr.bytelen) attrs.push((b) => b.nlaPut(RTA_SRC, be32Bytes(addr.addr)));
      r.srcLen = addr.bitlen;
    } else if (matches(a, 'iif')) {
      idev = nextArg(args, i++);
    } else if (matches(a, 'mark')) {
      const v = nextArg(args, i++);
      const m = strtoul(v, 0);
      if (m === null) invarg('invalid mark value', v);
      mark = m;
    } else if (matches(a, 'oif') || a === 'dev') {
      odev = nextArg(args, i++);
    } else if (matches(a, 'notify')) {
      r.flags |= RTM_F_NOTIFY;
    } else if (matches(a, 'connected')) {
      // `connected` re-asks with the answer's source; not needed by tuxnet's users
    } else if (matches(a, 'vrf')) {
      const v = nextArg(args, i++);
      invarg('Invalid VRF\n', v);
    } else if (matches(a, 'uid')) {
      const v = nextArg(args, i++);
      const uid = strtoul(v, 0);
      if (uid === null) invarg('invalid UID\n', v);
      attrs.push((b) => b.nlaPutU32(RTA_UID, uid));
    } else if (matches(a, 'fibmatch')) {
      fibMatch = true;
    } else if (matches(a, 'sport')) {
      const v = nextArg(args, i++);
      const port = strtoul(v, 0);
      if (port === null || port > 0xffff) invarg('invalid sport\n', v);
      attrs.push((b) => b.nlaPutBe16(RTA_SPORT, port));
    } else if (matches(a, 'dport')) {
      const v = nextArg(args, i++);
      const port = strtoul(v, 0);
      if (port === null || port > 0xffff) invarg('invalid dport\n', v);
      attrs.push((b) => b.nlaPutBe16(RTA_DPORT, port));
    } else if (matches(a, 'ipproto')) {
      const v = nextArg(args, i++);
      const names: Record<string, number> = { icmp: 1, tcp: 6, udp: 17, icmpv6: 58, ipv6icmp: 58 };
      const proto = names[v] ?? strtoul(v, 0);
      if (proto === null || proto > 255) invarg('Invalid "ipproto" value\n', v);
      attrs.push((b) => b.nlaPutU8(RTA_IP_PROTO, proto));
    } else {
      let v = a;
      if (v === 'to') v = nextArg(args, i++);
      if (matches(v, 'help')) usage();
      const addr = getPrefix(v, r.family);
      if (r.family === AF_UNSPEC) r.family = addr.family;
      if (addr.bytelen) attrs.push((b) => b.nlaPut(RTA_DST, be32Bytes(addr.addr)));
      if (r.family === AF_INET && addr.bitlen !== 32) {
        env.err(`Warning: /${addr.bitlen} as prefix is invalid, only /32 (or none) is supported.\n`);
        r.dstLen = 32;
      } else {
        r.dstLen = addr.bitlen;
      }
      addressFound = true;
    }
  }
  if (!addressFound) {
    env.err('need at least a destination address\n');
    return 1;
  }
  let ll: LlMap | null = null;
  let iifIdx = 0;
  let oifIdx = 0;
  if (idev !== null || odev !== null) {
    ll = llInitMap(env.rth);
    if (idev !== null) {
      iifIdx = llNameToIndex(ll, idev);
      if (!iifIdx) throw new IpArgError(`Cannot find device "${idev}"\n`, 1);
    }
    if (odev !== null) {
      oifIdx = llNameToIndex(ll, odev);
      if (!oifIdx) throw new IpArgError(`Cannot find device "${odev}"\n`, 1);
    }
  }
  if (r.family === AF_UNSPEC) r.family = AF_INET;
  if (r.family === AF_INET) r.flags |= RTM_F_LOOKUP_TABLE;
  if (fibMatch) r.flags |= RTM_F_FIB_MATCH;
  const b = buildRequest(RTM_GETROUTE, 0, RTMSG_LEN, (bb, h) => {
    rtmsgPut(bb, h, r);
    for (const put of attrs) put(bb);
    if (iifIdx) bb.nlaPutU32(RTA_IIF, iifIdx);
    if (oifIdx) bb.nlaPutU32(RTA_OIF, oifIdx);
    if (mark) bb.nlaPutU32(RTA_MARK, mark);
  });
  const res = rtnlTalk(env.rth, b, true);
  if (res.error || !res.reply) {
    env.err(talkErrorText(res));
    return 2;
  }
  const p = new Printer(env.opts.json, env.opts.pretty);
  p.openArray(null);
  printRoute(p, res.reply, { filter: f, ll: ll ?? llInitMap(env.rth), details: env.opts.details, stats: env.opts.stats });
  p.closeArray();
  env.out(p.json ? p.result() : p.text);
  return 0;
}

/* ------------------------------------------------------------------ */
/* Dispatch                                                            */

function doIprouteInner(env: IpEnv, args: string[]): number {
  if (args.length < 1) return iprouteListFlush(env, [], false);
  const c = args[0]!;
  const rest = args.slice(1);
  if (matches(c, 'add')) return iprouteModify(env, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, rest);
  if (matches(c, 'change') || c === 'chg') return iprouteModify(env, RTM_NEWROUTE, NLM_F_REPLACE, rest);
  if (matches(c, 'replace')) return iprouteModify(env, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, rest);
  if (matches(c, 'prepend')) return iprouteModify(env, RTM_NEWROUTE, NLM_F_CREATE, rest);
  if (matches(c, 'append')) return iprouteModify(env, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_APPEND, rest);
  if (matches(c, 'test')) return iprouteModify(env, RTM_NEWROUTE, NLM_F_EXCL, rest);
  if (matches(c, 'delete')) return iprouteModify(env, RTM_DELROUTE, 0, rest);
  if (matches(c, 'list') || matches(c, 'show') || matches(c, 'lst')) return iprouteListFlush(env, rest, false);
  if (matches(c, 'get')) return iprouteGet(env, rest);
  if (matches(c, 'flush')) return iprouteListFlush(env, rest, true);
  if (matches(c, 'help')) usage();
  env.err(`Command "${c}" is unknown, try "ip route help".\n`);
  return 255;
}

/** iproute2: do_iproute(). Returns the exit status. */
export function doIproute(env: IpEnv, args: string[]): number {
  try {
    return doIprouteInner(env, args);
  } catch (e) {
    if (e instanceof IpArgError) {
      env.err(e.text);
      return e.status;
    }
    throw e;
  }
}
