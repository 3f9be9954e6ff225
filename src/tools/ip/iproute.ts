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
  type NlMsg, NlMsgBuilder, NETLINK_GET_STRICT_CHK, NLM_F_REQUEST, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE,
  NLM_F_APPEND, NLMSG_HDRLEN, nlmsgParse,
} from '../../wire/netlink.js';
import { RTM_NEWROUTE, RTM_DELROUTE, RTM_GETROUTE } from '../../wire/rtnetlink.js';
import {
  RTMSG_LEN, rtmsgParse, rtmsgPut, type Rtmsg, RTA_DST, RTA_SRC, RTA_IIF, RTA_OIF, RTA_GATEWAY, RTA_PRIORITY,
  RTA_PREFSRC, RTA_METRICS, RTA_MULTIPATH, RTA_FLOW, RTA_TABLE, RTA_MARK, RTA_NEWDST, RTA_PREF, RTA_EXPIRES, RTA_UID,
  RTA_TTL_PROPAGATE, RTA_IP_PROTO, RTA_SPORT, RTA_DPORT, RTA_NH_ID, RTA_MAX, RTAX_LOCK, RTAX_MTU, RTAX_WINDOW,
  RTAX_RTT, RTAX_RTTVAR, RTAX_SSTHRESH, RTAX_CWND, RTAX_ADVMSS, RTAX_REORDERING, RTAX_HOPLIMIT, RTAX_INITCWND,
  RTAX_FEATURES, RTAX_RTO_MIN, RTAX_INITRWND, RTAX_QUICKACK, RTAX_CC_ALGO, RTAX_FASTOPEN_NO_COOKIE, RTM_F_CLONED,
  RTM_F_NOTIFY, RTM_F_LOOKUP_TABLE, RTM_F_FIB_MATCH, RTNH_F_ONLINK, RTN_UNICAST, RTN_LOCAL, RTN_BROADCAST, RTN_NAT,
  RTN_ANYCAST, RTN_MULTICAST, RTN_UNSPEC, RTPROT_BOOT, RT_SCOPE_UNIVERSE, RT_SCOPE_HOST, RT_SCOPE_LINK,
  RT_SCOPE_NOWHERE, RT_TABLE_MAIN, RT_TABLE_LOCAL, RT_TABLE_UNSPEC, RTNH_LEN, rtnexthopPut,
} from '../../wire/route.js';
import { type Rtnl, buildRequest, rtnlTalk, rtnlDump, talkErrorText } from '../lib/libnetlink.js';
import { type LlMap, llInitMap, llNameToIndex } from '../lib/ll_map.js';
import { matches } from '../lib/utils.js';
import {
  rtnlRtntypeA2n, rtnlRtprotA2n, rtnlRtscopeA2n, rtnlRttableA2n, rtnlDsfieldA2n, rtnlRtrealmA2n, strtoul,
} from '../lib/rt_names.js';
import {
  type InetPrefix, IpArgError, nextArg, invarg, duparg2, getPrefix, getAddr, be32Bytes, dumpErrorText,
} from '../lib/inet_prefix.js';
import { type PrintRouteCtx, type RouteFilter, resetFilter, filterNlmsg, printRoute } from './iproute_print.js';
import { Printer } from './json_print.js';
import type { IpEnv } from './iplink.js';

// The helpers moved to lib/inet_prefix.ts and iproute_print.ts; other `ip` objects import them from here.
export {
  type InetPrefix, PREFIXLEN_SPECIFIED, IpArgError, nextArg, invarg, duparg2, getAddr1, getPrefix1, getPrefix, getAddr,
  inetAddrMatch, fmtAddr, dumpErrorText,
} from '../lib/inet_prefix.js';
export { type PrintRouteCtx, printRoute, printRtFlags } from './iproute_print.js';

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

/** Make sure dumps are checked strictly by the kernel, as iproute2 asks (rtnl_set_strict_dump). */
function setStrictDump(rth: Rtnl): void {
  try {
    sys.setsockopt(rth.task, rth.fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1);
  } catch {
    // older kernels: iproute2 ignores the failure too
  }
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
export function getRtRealmsOrRaw(arg: string): number | null {
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
  const ctx: PrintRouteCtx = {
    filter: f, ll: ll ?? llInitMap(env.rth), details: env.opts.details, stats: env.opts.stats, oneline: env.opts.oneline,
  };
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
    if (env.opts.stats >= 2) {
      // iproute2 prints what it deletes with -s -s.
      const p = new Printer(false, false);
      const ctx: PrintRouteCtx = {
        filter: f, ll: llInitMap(env.rth), details: env.opts.details, stats: env.opts.stats, oneline: env.opts.oneline,
      };
      for (const m of victims) printRoute(p, m, ctx);
      env.out(p.text);
    }
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
  printRoute(p, res.reply, {
    filter: f, ll: ll ?? llInitMap(env.rth), details: env.opts.details, stats: env.opts.stats, oneline: env.opts.oneline,
  });
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

