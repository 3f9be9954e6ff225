/**
 * `ip route` output (iproute2 6.1: ip/iproute.c print_route(), filter_nlmsg() and
 * the print_rta_* helpers): one RTM_NEWROUTE/DELROUTE message as text or JSON, with
 * the fields a show filter selected left out as iproute2 does, and the client-side
 * filter itself. Used by `ip route show/flush/get` (and `ip monitor`). Userspace only.
 */
import { AF_INET, AF_INET6, AF_UNSPEC } from '../../socket/socket.js';
import { type NlMsg, type NlaTable, NLMSG_HDRLEN, nlaParse, nlaGetU32, nlaGetU8, nlaGetString, nlmsgParse } from '../../wire/netlink.js';
import { RTM_NEWROUTE, RTM_DELROUTE } from '../../wire/rtnetlink.js';
import {
  RTMSG_LEN, rtmsgParse, type Rtmsg, RTA_DST, RTA_SRC, RTA_IIF, RTA_OIF, RTA_GATEWAY, RTA_PRIORITY, RTA_PREFSRC,
  RTA_METRICS, RTA_MULTIPATH, RTA_FLOW, RTA_CACHEINFO, RTA_TABLE, RTA_MARK, RTA_VIA, RTA_NEWDST, RTA_PREF, RTA_UID,
  RTA_TTL_PROPAGATE, RTA_NH_ID, RTA_MAX, RTAX_LOCK, RTAX_MTU, RTAX_WINDOW, RTAX_RTT, RTAX_RTTVAR, RTAX_SSTHRESH,
  RTAX_CWND, RTAX_ADVMSS, RTAX_REORDERING, RTAX_HOPLIMIT, RTAX_INITCWND, RTAX_FEATURES, RTAX_RTO_MIN, RTAX_INITRWND,
  RTAX_QUICKACK, RTAX_CC_ALGO, RTAX_FASTOPEN_NO_COOKIE, RTAX_MAX, RTM_F_CLONED, RTM_F_NOTIFY, RTM_F_OFFLOAD,
  RTM_F_TRAP, RTNH_F_DEAD, RTNH_F_ONLINK, RTNH_F_PERVASIVE, RTNH_F_OFFLOAD, RTNH_F_LINKDOWN, RTNH_F_UNRESOLVED,
  RTNH_F_TRAP, RTN_UNICAST, RTN_MULTICAST, RTPROT_BOOT, RT_SCOPE_UNIVERSE, RT_TABLE_MAIN, RTNH_LEN, rtnhAlign,
  rtnexthopParse,
} from '../../wire/route.js';
import { type LlMap, llIndexToName } from '../lib/ll_map.js';
import { rtnlRtntypeN2a, rtnlRtprotN2a, rtnlRtscopeN2a, rtnlRttableN2a, rtnlDsfieldN2a, rtnlRtrealmN2a } from '../lib/rt_names.js';
import { type InetPrefix, PREFIXLEN_SPECIFIED, inetAddrMatch, fmtAddr } from '../lib/inet_prefix.js';
import { Printer } from './json_print.js';

export interface RouteFilter {
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
export function resetFilter(ifindex = 0): RouteFilter {
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
export function filterNlmsg(f: RouteFilter, family: number, r: Rtmsg, tb: NlaTable): boolean {
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
function printCacheFlags(p: Printer, flags: number, sl: string): void {
  let f = (flags & ~0xffff) >>> 0;
  if (p.json) {
    p.json.name('cache');
    p.json.startArray();
  } else {
    p.text += `${sl}    cache `;
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
function printRtaMultipath(p: Printer, r: Rtmsg, data: Uint8Array, ll: LlMap, sl: string): void {
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
      p.fp(`${sl}\tnexthop `);
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
  /** -o: iproute2's _SL_ is a backslash instead of a newline. */
  oneline?: boolean;
}

/** iproute2: print_route(): one route message into `p`; false when filtered out. */
export function printRoute(p: Printer, m: NlMsg, ctx: PrintRouteCtx): boolean {
  const f = ctx.filter;
  const sl = ctx.oneline ? '\\' : '\n';
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
    if (r.flags & RTM_F_CLONED) printCacheFlags(p, r.flags, sl);
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
  if (tb[RTA_MULTIPATH]) printRtaMultipath(p, r, tb[RTA_MULTIPATH].data, ctx.ll, sl);
  p.fp('\n');
  p.closeObject();
  return true;
}

