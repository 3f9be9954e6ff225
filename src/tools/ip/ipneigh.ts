/**
 * `ip neigh` (iproute2 6.1: ip/ipneigh.c): add/change/replace/delete build
 * RTM_NEWNEIGH/RTM_DELNEIGH requests, show/flush dump RTM_GETNEIGH with
 * iproute2's client-side filters (state, prefix, device, protocol, unused),
 * get sends a non-dump RTM_GETNEIGH. Text and -j output, -s statistics
 * (`ref N used a/b/c probes N`), error texts and exit statuses are iproute2's.
 * Userspace only: rtnetlink sockets.
 */
import * as sys from '../../socket/syscalls.js';
import { AF_INET, AF_INET6, AF_UNSPEC, AF_BRIDGE, SOL_NETLINK } from '../../socket/socket.js';
import {
  type NlMsg, NlMsgBuilder, NETLINK_GET_STRICT_CHK, NLM_F_REQUEST, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE,
  NLM_F_DUMP_FILTERED, NLMSG_HDRLEN, nlmsgParse, nlaGetU32, nlaGetU8,
} from '../../wire/netlink.js';
import { RTM_NEWNEIGH, RTM_DELNEIGH, RTM_GETNEIGH } from '../../wire/rtnetlink.js';
import {
  NDMSG_LEN, NDA_DST, NDA_LLADDR, NDA_CACHEINFO, NDA_PROBES, NDA_PROTOCOL, NDA_FLAGS_EXT, NDA_IFINDEX, NDA_MASTER,
  NDA_MAX, NUD_INCOMPLETE, NUD_REACHABLE, NUD_STALE, NUD_DELAY, NUD_PROBE, NUD_FAILED, NUD_NOARP, NUD_PERMANENT,
  NUD_NONE, NTF_PROXY, NTF_ROUTER, NTF_USE, NTF_EXT_LEARNED, NTF_OFFLOADED, NTF_EXT_MANAGED, ndmsgParse,
  ndaCacheinfoParse,
} from '../../wire/neighbour.js';
import { type Rtnl, buildRequest, rtnlTalk, rtnlDump, talkErrorText } from '../lib/libnetlink.js';
import { type LlMap, llInitMap, llIndexToName, llNameToIndex } from '../lib/ll_map.js';
import { matches } from '../lib/utils.js';
import { rtnlRtprotN2a, rtnlRtprotA2n, strtoul } from '../lib/rt_names.js';
import { Printer } from './json_print.js';
import type { IpEnv } from './iplink.js';
import { type InetPrefix, IpArgError, nextArg, invarg, getPrefix, getAddr, inetAddrMatch, fmtAddr } from './iproute.js';

const USAGE = 'Usage: ip neigh { add | del | change | replace }\n' +
  '                { ADDR [ lladdr LLADDR ] [ nud STATE ] proxy ADDR }\n' +
  '                [ dev DEV ] [ router ] [ use ] [ managed ] [ extern_learn ]\n' +
  '                [ protocol PROTO ]\n' +
  '\n' +
  '\tip neigh { show | flush } [ proxy ] [ to PREFIX ] [ dev DEV ] [ nud STATE ]\n' +
  '\t\t\t\t  [ vrf NAME ] [ nomaster ]\n' +
  '\tip neigh get { ADDR | proxy ADDR } dev DEV\n' +
  '\n' +
  'STATE := { delay | failed | incomplete | noarp | none |\n' +
  '           permanent | probe | reachable | stale }\n';

/** iproute2: MAX_ROUNDS of a flush. */
const MAX_ROUNDS = 10;
/** iproute2: get_user_hz() (sysconf(_SC_CLK_TCK)). */
const USER_HZ = 100;

function usage(): never {
  throw new IpArgError(USAGE, 255);
}

/** iproute2: duparg(). */
function duparg(key: string, arg: string): never {
  throw new IpArgError(`Error: duplicate "${key}": "${arg}" is the second value.\n`, 255);
}
/** iproute2: duparg2(). */
function duparg2(key: string, arg: string): never {
  throw new IpArgError(`Error: either "${key}" is duplicate, or "${arg}" is a garbage.\n`, 255);
}

/** iproute2: nud_state_a2n(): the state, or null. */
function nudStateA2n(arg: string): number | null {
  if (matches(arg, 'permanent')) return NUD_PERMANENT;
  if (matches(arg, 'reachable')) return NUD_REACHABLE;
  if (arg === 'noarp') return NUD_NOARP;
  if (arg === 'none') return NUD_NONE;
  if (arg === 'stale') return NUD_STALE;
  if (arg === 'incomplete') return NUD_INCOMPLETE;
  if (arg === 'delay') return NUD_DELAY;
  if (arg === 'probe') return NUD_PROBE;
  if (matches(arg, 'failed')) return NUD_FAILED;
  const v = strtoul(arg, 0);
  if (v === null || v >= 0x100 || (v & (v - 1))) return null;
  return v;
}

/** C sscanf("%x"): leading blanks, optional sign and 0x, hex digits; trailing garbage ignored. */
function scanHex(s: string): number | null {
  const m = /^\s*([+-]?)(?:0[xX])?([0-9a-fA-F]+)/.exec(s);
  if (!m) return null;
  const v = parseInt(m[2]!, 16);
  return m[1] === '-' ? -v : v;
}

/**
 * iproute2: ll_addr_a2n(): "aa:bb:..." (hex bytes) or a dotted IPv4 address.
 * Returns the bytes, or prints `"X" is invalid lladdr.` and returns null.
 */
function llAddrA2n(env: IpEnv, arg: string, maxLen: number): Uint8Array | null {
  if (arg.includes('.')) {
    let a: InetPrefix | null = null;
    try {
      a = getAddr(arg, AF_INET);
    } catch {
      a = null;
    }
    if (!a) {
      env.err(`"${arg}" is invalid lladdr.\n`);
      return null;
    }
    return new Uint8Array([a.addr >>> 24, (a.addr >>> 16) & 255, (a.addr >>> 8) & 255, a.addr & 255]);
  }
  const out: number[] = [];
  let rest: string | null = arg;
  for (let i = 0; i < maxLen && rest !== null; i++) {
    const c = rest.indexOf(':');
    const tok = c >= 0 ? rest.slice(0, c) : rest;
    rest = c >= 0 ? rest.slice(c + 1) : null;
    const v = scanHex(tok);
    if (v === null || v < 0 || v > 255) {
      env.err(`"${tok}" is invalid lladdr.\n`);
      return null;
    }
    out.push(v);
  }
  return new Uint8Array(out);
}

function addrBytes(p: InetPrefix): Uint8Array {
  return new Uint8Array([p.addr >>> 24, (p.addr >>> 16) & 255, (p.addr >>> 8) & 255, p.addr & 255]);
}

/** iproute2: ipneigh_modify(). */
function ipneighModify(env: IpEnv, cmd: number, flags: number, args: string[]): number {
  let state = NUD_PERMANENT;
  let ndmFlags = 0;
  let extFlags = 0;
  let dev: string | null = null;
  let devOk = false;
  let dst: InetPrefix | null = null;
  let lla: string | null = null;
  let protocol: number | null = null;
  const family = env.opts.family;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (matches(a, 'lladdr')) {
      const v = nextArg(args, i++);
      if (lla !== null) duparg('lladdr', v);
      lla = v;
    } else if (a === 'nud') {
      const v = nextArg(args, i++);
      const s = nudStateA2n(v);
      if (s === null) invarg('nud state is bad', v);
      state = s;
    } else if (matches(a, 'proxy')) {
      const v = nextArg(args, i++);
      if (matches(v, 'help')) usage();
      if (dst) duparg('address', v);
      dst = getAddr(v, family);
      devOk = true;
      ndmFlags |= NTF_PROXY;
    } else if (a === 'router') {
      ndmFlags |= NTF_ROUTER;
    } else if (a === 'use') {
      ndmFlags |= NTF_USE;
    } else if (a === 'managed') {
      extFlags |= NTF_EXT_MANAGED;
      state = NUD_NONE;
    } else if (matches(a, 'extern_learn')) {
      ndmFlags |= NTF_EXT_LEARNED;
    } else if (a === 'dev') {
      dev = nextArg(args, i++);
      devOk = true;
    } else if (matches(a, 'protocol')) {
      const v = nextArg(args, i++);
      const p = rtnlRtprotA2n(v);
      if (p < 0) invarg('"protocol" value is invalid\n', v);
      protocol = p;
    } else {
      let v = a;
      if (v === 'to') v = nextArg(args, i++);
      if (matches(v, 'help')) v = nextArg(args, i++);
      if (dst) duparg2('to', v);
      dst = getAddr(v, family);
    }
  }
  if (!devOk || !dst || dst.family === AF_UNSPEC) {
    throw new IpArgError('Device and destination are required arguments.\n', 255);
  }
  let ll: Uint8Array | null = null;
  if (lla !== null && lla !== 'null') {
    ll = llAddrA2n(env, lla, 20);
    if (!ll) return 1;
  }
  let ifindex = 0;
  if (dev !== null) {
    const map = llInitMap(env.rth);
    ifindex = llNameToIndex(map, dev);
    if (!ifindex) {
      env.err(`Cannot find device "${dev}"\n`);
      return 1;
    }
  }
  const d = dst;
  const b = buildRequest(cmd, flags, NDMSG_LEN, (bb, h) => {
    bb.setU8(h, d.family);
    bb.setS32(h + 4, ifindex);
    bb.setU16(h + 8, state);
    bb.setU8(h + 10, ndmFlags);
    if (protocol !== null) bb.nlaPutU8(NDA_PROTOCOL, protocol);
    bb.nlaPut(NDA_DST, addrBytes(d));
    if (extFlags) bb.nlaPutU32(NDA_FLAGS_EXT, extFlags);
    if (ll) bb.nlaPut(NDA_LLADDR, ll);
  });
  const r = rtnlTalk(env.rth, b);
  if (r.error) {
    env.err(talkErrorText(r));
    return 2;
  }
  return 0;
}

/** The client-side filter of show/flush (iproute2: the static `filter` of ipneigh.c). */
interface NeighFilter {
  family: number;
  index: number;
  state: number;
  unusedOnly: boolean;
  pfx: InetPrefix | null;
  master: number;
  protocol: number;
  ndmFlags: number;
  flush: boolean;
  /** Delete requests gathered this round. */
  flushed: NlMsg[];
}

function resetFilter(ifindex: number): NeighFilter {
  return {
    family: AF_UNSPEC, index: ifindex, state: ~0, unusedOnly: false, pfx: null, master: 0, protocol: 0,
    ndmFlags: 0, flush: false, flushed: [],
  };
}

/** iproute2: format_host() of NDA_DST (numeric). */
function formatDst(family: number, data: Uint8Array): string {
  if (family === AF_INET && data.length === 4) return fmtAddr(((data[0]! << 24) | (data[1]! << 16) | (data[2]! << 8) | data[3]!) >>> 0);
  if (family === AF_INET6 && data.length === 16) return formatIpv6(data);
  return '???';
}

/** inet_ntop(AF_INET6) with the longest zero run compressed. */
function formatIpv6(a: Uint8Array): string {
  const w: number[] = [];
  for (let i = 0; i < 16; i += 2) w.push((a[i]! << 8) | a[i + 1]!);
  let bestS = -1;
  let bestL = 0;
  for (let i = 0; i < 8;) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestL && j - i >= 2) {
      bestS = i;
      bestL = j - i;
    }
    i = j;
  }
  const hex = (x: number[]): string => x.map((v) => v.toString(16)).join(':');
  if (bestS < 0) return hex(w);
  return `${hex(w.slice(0, bestS))}::${hex(w.slice(bestS + bestL))}`;
}

/** iproute2: ll_addr_n2a() for Ethernet-like addresses. */
function llAddrN2a(data: Uint8Array): string {
  return Array.from(data, (x) => x.toString(16).padStart(2, '0')).join(':');
}

/** iproute2: print_neigh(). Returns false when the message was filtered out. */
function printNeigh(p: Printer, m: NlMsg, filter: NeighFilter, ll: LlMap, showStats: number): boolean {
  if (m.type !== RTM_NEWNEIGH && m.type !== RTM_DELNEIGH && m.type !== RTM_GETNEIGH) return false;
  if (m.msg.length < NLMSG_HDRLEN + NDMSG_LEN) return false;
  const r = ndmsgParse(m.msg, NLMSG_HDRLEN);
  if (filter.flush && m.type !== RTM_NEWNEIGH) return false;
  if (filter.family && filter.family !== r.family) return false;
  if (filter.index && filter.index !== r.ifindex) return false;
  if (!(filter.state & r.state) && !(r.flags & NTF_PROXY) && !(r.flags & NTF_EXT_LEARNED) &&
    (r.state || !(filter.state & 0x100))) return false;
  const tbp = nlmsgParse(m.msg, NDMSG_LEN, NDA_MAX, null);
  const tb = typeof tbp === 'number' ? [] : tbp;
  const dstAttr = tb[NDA_DST];
  if (filter.pfx && filter.pfx.family !== AF_UNSPEC && filter.pfx.bitlen > 0 && dstAttr) {
    if (r.family !== filter.pfx.family || dstAttr.data.length !== 4) return false;
    const a = ((dstAttr.data[0]! << 24) | (dstAttr.data[1]! << 16) | (dstAttr.data[2]! << 8) | dstAttr.data[3]!) >>> 0;
    if (!inetAddrMatch(a, filter.pfx.addr, filter.pfx.bitlen)) return false;
  }
  const protocol = tb[NDA_PROTOCOL] ? nlaGetU8(tb[NDA_PROTOCOL]) : 0;
  const extFlags = tb[NDA_FLAGS_EXT] ? nlaGetU32(tb[NDA_FLAGS_EXT]) : 0;
  if (filter.protocol && filter.protocol !== protocol) return false;
  const ci = tb[NDA_CACHEINFO] ? ndaCacheinfoParse(tb[NDA_CACHEINFO].data) : null;
  if (filter.unusedOnly && ci && ci.refcnt) return false;
  if (filter.flush) {
    filter.flushed.push(m);
    if (showStats < 2) return false;
  }
  p.openObject(null);
  if (m.type === RTM_DELNEIGH) {
    if (p.isJson) p.jsonOnly('deleted', true);
    else p.fp('Deleted ');
  } else if (m.type === RTM_GETNEIGH) {
    if (p.isJson) p.jsonOnly('miss', null);
    else p.fp('miss ');
  }
  if (dstAttr) {
    let family = r.family;
    if (family === AF_BRIDGE) family = dstAttr.data.length === 16 ? AF_INET6 : AF_INET;
    p.any('dst', '%s ', formatDst(family, dstAttr.data));
  }
  if (!filter.index && r.ifindex) {
    p.fp('dev ');
    p.any('dev', '%s ', llIndexToName(ll, r.ifindex));
  }
  if (tb[NDA_LLADDR]) {
    p.fp('lladdr ');
    p.any('lladdr', '%s ', llAddrN2a(tb[NDA_LLADDR].data));
  }
  const printNull = (key: string): void => {
    if (p.isJson) p.jsonOnly(key, null);
    else p.fp(`${key} `);
  };
  if (r.flags & NTF_ROUTER) printNull('router');
  if (r.flags & NTF_PROXY) printNull('proxy');
  if (extFlags & NTF_EXT_MANAGED) printNull('managed');
  if (r.flags & NTF_EXT_LEARNED) printNull('extern_learn');
  if (r.flags & NTF_OFFLOADED) printNull('offload');
  if (showStats) {
    if (ci) {
      if (ci.refcnt) p.any('refcnt', ' ref %s', ci.refcnt);
      p.any('used', ' used %s', Math.floor(ci.used / USER_HZ));
      p.any('confirmed', '/%s', Math.floor(ci.confirmed / USER_HZ));
      p.any('updated', '/%s', Math.floor(ci.updated / USER_HZ));
    }
    if (tb[NDA_PROBES]) p.any('probes', 'probes %s ', nlaGetU32(tb[NDA_PROBES]));
  }
  if (r.state) {
    p.openArray(p.isJson ? 'state' : '');
    let nud = r.state;
    for (const [bit, name] of [[NUD_INCOMPLETE, 'INCOMPLETE'], [NUD_REACHABLE, 'REACHABLE'], [NUD_STALE, 'STALE'],
      [NUD_DELAY, 'DELAY'], [NUD_PROBE, 'PROBE'], [NUD_FAILED, 'FAILED'], [NUD_NOARP, 'NOARP'],
      [NUD_PERMANENT, 'PERMANENT']] as const) {
      if (nud & bit) {
        nud &= ~bit;
        p.any(null, '%s ', name);
      }
    }
    p.closeArray();
  }
  if (protocol) p.any('protocol', 'proto %s ', rtnlRtprotN2a(protocol));
  p.fp('\n');
  p.closeObject();
  return true;
}

/**
 * iproute2: ipmonitor's accept_msg() for RTM_NEWNEIGH/DELNEIGH/GETNEIGH: print_neigh()
 * with the filter ipneigh_reset_filter(0) leaves (every state); -4/-6 select the family.
 * Returns the text, or '' when the message is not shown.
 */
export function neighMonitorText(m: NlMsg, family: number, ll: LlMap): string {
  if (m.msg.length >= NLMSG_HDRLEN + NDMSG_LEN && family && ndmsgParse(m.msg, NLMSG_HDRLEN).family !== family) return '';
  const p = new Printer(false, false);
  printNeigh(p, m, resetFilter(0), ll, 0);
  return p.text;
}

/** iproute2: rtnl_neighdump_req() with ipneigh_dump_filter(). */
function neighDumpRequest(filter: NeighFilter): NlMsgBuilder {
  return buildRequest(RTM_GETNEIGH, 0, NDMSG_LEN, (bb, h) => {
    bb.setU8(h, filter.family);
    bb.setU8(h + 10, filter.ndmFlags);
    if (filter.index) bb.nlaPutU32(NDA_IFINDEX, filter.index);
    if (filter.master) bb.nlaPutU32(NDA_MASTER, filter.master);
  });
}

/** iproute2: rtnl_set_strict_dump(). */
function setStrictDump(rth: Rtnl): void {
  try {
    sys.setsockopt(rth.task, rth.fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1);
  } catch {
    // Older kernels: iproute2 ignores the failure too.
  }
}

/** iproute2: do_show_or_flush(). */
function doShowOrFlush(env: IpEnv, args: string[], flush: boolean): number {
  const filter = resetFilter(0);
  let filterDev: string | null = null;
  let stateGiven = false;
  filter.family = env.opts.family;
  if (flush) {
    if (args.length === 0) {
      env.err('Flush requires arguments.\n');
      return 1;
    }
    filter.state = ~(NUD_PERMANENT | NUD_NOARP);
  } else {
    filter.state = 0xff & ~NUD_NOARP;
  }
  const ll = llInitMap(env.rth);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === 'dev') {
      const v = nextArg(args, i++);
      if (filterDev !== null) duparg('dev', v);
      filterDev = v;
    } else if (a === 'master') {
      const v = nextArg(args, i++);
      const ifindex = llNameToIndex(ll, v);
      if (!ifindex) invarg('Device does not exist\n', v);
      filter.master = ifindex;
    } else if (a === 'vrf') {
      const v = nextArg(args, i++);
      // No VRF devices here: every name is "not a valid VRF name".
      invarg('Not a valid VRF name\n', v);
    } else if (a === 'nomaster') {
      filter.master = -1;
    } else if (a === 'unused') {
      filter.unusedOnly = true;
    } else if (a === 'nud') {
      const v = nextArg(args, i++);
      if (!stateGiven) {
        stateGiven = true;
        filter.state = 0;
      }
      let s = nudStateA2n(v);
      if (s === null) {
        if (v !== 'all') invarg('nud state is bad', v);
        s = ~0;
        if (flush) s &= ~NUD_NOARP;
      }
      if (s === 0) s = 0x100;
      filter.state |= s;
    } else if (a === 'proxy') {
      filter.ndmFlags = NTF_PROXY;
    } else if (matches(a, 'protocol')) {
      const v = nextArg(args, i++);
      let prot = rtnlRtprotA2n(v);
      if (prot < 0) {
        if (v !== 'all') invarg('invalid "protocol"\n', v);
        prot = 0;
      }
      filter.protocol = prot;
    } else {
      let v = a;
      if (v === 'to') v = nextArg(args, i++);
      if (matches(v, 'help')) usage();
      filter.pfx = getPrefix(v, filter.family);
      if (filter.family === AF_UNSPEC) filter.family = filter.pfx.family;
    }
  }
  if (filterDev !== null) {
    filter.index = llNameToIndex(ll, filterDev);
    if (!filter.index) {
      env.err(`Cannot find device "${filterDev}"\n`);
      return 1;
    }
  }
  setStrictDump(env.rth);
  const showStats = env.opts.stats;
  if (flush) {
    filter.flush = true;
    let round = 0;
    while (round < MAX_ROUNDS) {
      filter.flushed = [];
      const p = new Printer(false, false);
      const r = rtnlDump(env.rth, neighDumpRequest(filter));
      if (r.error) {
        env.err('Flush terminated\n');
        return 1;
      }
      for (const m of r.msgs) printNeigh(p, m, filter, ll, showStats);
      env.out(p.text);
      if (filter.flushed.length === 0) {
        if (showStats) {
          if (round === 0) env.out('Nothing to flush.\n');
          else env.out(`*** Flush is complete after ${round} round${round > 1 ? 's' : ''} ***\n`);
        }
        return 0;
      }
      round++;
      flushSend(env, filter.flushed);
      if (showStats) env.out(`\n*** Round ${round}, deleting ${filter.flushed.length} entries ***\n`);
      filter.state &= ~NUD_FAILED;
    }
    env.out(`*** Flush not complete bailing out after ${MAX_ROUNDS} rounds\n`);
    return 1;
  }
  const r = rtnlDump(env.rth, neighDumpRequest(filter));
  if (r.error) {
    env.err(talkErrorText({ error: r.error, msg: r.msg, reply: null }));
    env.err('Dump terminated\n');
    return 1;
  }
  const p = new Printer(env.opts.json, env.opts.pretty);
  p.openArray(null);
  let warned = false;
  for (const m of r.msgs) {
    if (filter.master && !(m.flags & NLM_F_DUMP_FILTERED) && !warned) {
      warned = true;
      p.fp('\nWARNING: Kernel does not support filtering by master device\n\n');
    }
    printNeigh(p, m, filter, ll, showStats);
  }
  p.closeArray();
  env.out(p.json ? p.result() : p.text);
  return 0;
}

/** iproute2: flush_update(): send the gathered RTM_DELNEIGH requests (no ACKs asked). */
function flushSend(env: IpEnv, msgs: NlMsg[]): void {
  for (const m of msgs) {
    const b = new NlMsgBuilder(m.msg.length);
    const off = b.reserve(m.msg.length);
    b.setBytes(off, m.msg);
    b.setU16(4, RTM_DELNEIGH);
    b.setU16(6, NLM_F_REQUEST);
    b.setU32(8, ++env.rth.seq);
    sys.send(env.rth.task, env.rth.fd, b.bytes());
  }
  // iproute2's rtnl_send_check(): drain answers; errors of a delete are reported.
  for (;;) {
    const r = sys.recvmsgNow(env.rth.task, env.rth.fd, 32768);
    if (!r) break;
  }
}

/** iproute2: ipneigh_get(). */
function ipneighGet(env: IpEnv, args: string[]): number {
  let dev: string | null = null;
  let devOk = false;
  let dst: InetPrefix | null = null;
  let ndmFlags = 0;
  const family = env.opts.family;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === 'dev') {
      dev = nextArg(args, i++);
      devOk = true;
    } else if (matches(a, 'proxy')) {
      const v = nextArg(args, i++);
      if (matches(v, 'help')) usage();
      if (dst) duparg('address', v);
      dst = getAddr(v, family);
      devOk = true;
      ndmFlags |= NTF_PROXY;
    } else {
      let v = a;
      if (v === 'to') v = nextArg(args, i++);
      if (matches(v, 'help')) usage();
      if (dst) duparg2('to', v);
      dst = getAddr(v, family);
    }
  }
  if (!devOk || !dst || dst.family === AF_UNSPEC) {
    env.err('Device and address are required arguments.\n');
    return 1;
  }
  const ll = llInitMap(env.rth);
  let ifindex = 0;
  if (dev !== null) {
    ifindex = llNameToIndex(ll, dev);
    if (!ifindex) {
      env.err(`Cannot find device "${dev}"\n`);
      return 1;
    }
  }
  const d = dst;
  const b = buildRequest(RTM_GETNEIGH, 0, NDMSG_LEN, (bb, h) => {
    bb.setU8(h, d.family);
    bb.setS32(h + 4, ifindex);
    bb.setU8(h + 10, ndmFlags);
    bb.nlaPut(NDA_DST, addrBytes(d));
  });
  const r = rtnlTalk(env.rth, b, true);
  if (r.error || !r.reply) {
    env.err(talkErrorText(r));
    return 2;
  }
  // The answer prints as text even with -j: iproute2 opens no JSON context here.
  const p = new Printer(false, false);
  printNeigh(p, r.reply, resetFilter(0), ll, env.opts.stats);
  env.out(p.text);
  return 0;
}

/** iproute2: do_ipneigh(). */
export function doIpneigh(env: IpEnv, args: string[]): number {
  try {
    const cmd = args[0];
    if (cmd === undefined) return doShowOrFlush(env, [], false);
    const rest = args.slice(1);
    if (matches(cmd, 'add')) return ipneighModify(env, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_EXCL, rest);
    if (matches(cmd, 'change') || cmd === 'chg') return ipneighModify(env, RTM_NEWNEIGH, NLM_F_REPLACE, rest);
    if (matches(cmd, 'replace')) return ipneighModify(env, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, rest);
    if (matches(cmd, 'delete')) return ipneighModify(env, RTM_DELNEIGH, 0, rest);
    if (matches(cmd, 'get')) return ipneighGet(env, rest);
    if (matches(cmd, 'show') || matches(cmd, 'lst') || matches(cmd, 'list')) return doShowOrFlush(env, rest, false);
    if (matches(cmd, 'flush')) return doShowOrFlush(env, rest, true);
    if (matches(cmd, 'help')) usage();
    env.err(`Command "${cmd}" is unknown, try "ip neigh help".\n`);
    return 255;
  } catch (e) {
    if (e instanceof IpArgError) {
      env.err(e.text);
      return e.status;
    }
    throw e;
  }
}
