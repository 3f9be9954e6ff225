/**
 * `ip rule` (iproute2 6.1: ip/iprule.c): add/del build RTM_NEWRULE/RTM_DELRULE
 * (fib_rule_hdr + FRA_*), list/show dump RTM_GETRULE with iproute2's selectors,
 * flush deletes every rule with a priority that matches (so not rule 0). Text and -j
 * output, error texts and exit statuses are iproute2's. Userspace only.
 */
import { AF_INET, AF_INET6, AF_UNSPEC } from '../../socket/socket.js';
import { type NlMsg, type NlaTable, NlMsgBuilder, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST, NLMSG_HDRLEN, nlmsgParse,
  nlaGetU32, nlaGetU8, nlaGetString } from '../../wire/netlink.js';
import { RTM_NEWRULE, RTM_DELRULE, RTM_GETRULE } from '../../wire/rtnetlink.js';
import {
  FIB_RULE_HDR_LEN, type FibRuleHdr, fibRuleHdrParse, fibRuleHdrPut, fibRuleUidRangeBytes, fibRuleUidRangeParse,
  fibRulePortRangeBytes, fibRulePortRangeParse, FIB_RULE_INVERT, FIB_RULE_UNRESOLVED, FIB_RULE_IIF_DETACHED,
  FIB_RULE_OIF_DETACHED, FRA_DST, FRA_SRC, FRA_IIFNAME, FRA_OIFNAME, FRA_GOTO, FRA_PRIORITY, FRA_FWMARK, FRA_FWMASK,
  FRA_FLOW, FRA_TUN_ID, FRA_SUPPRESS_IFGROUP, FRA_SUPPRESS_PREFIXLEN, FRA_TABLE, FRA_L3MDEV, FRA_UID_RANGE,
  FRA_PROTOCOL, FRA_IP_PROTO, FRA_SPORT_RANGE, FRA_DPORT_RANGE, FRA_MAX, FR_ACT_UNSPEC, FR_ACT_TO_TBL, FR_ACT_GOTO,
  FR_ACT_NOP,
} from '../../wire/fib_rules.js';
import { RTA_GATEWAY, RTN_NAT, RTPROT_KERNEL, RT_TABLE_MAIN, RT_TABLE_UNSPEC } from '../../wire/route.js';
import { buildRequest, rtnlTalk, rtnlDump, talkErrorText } from '../lib/libnetlink.js';
import { matches, checkIfname } from '../lib/utils.js';
import {
  rtnlRtntypeN2a, rtnlRtntypeA2n, rtnlRtprotN2a, rtnlRtprotA2n, rtnlRttableN2a, rtnlRttableA2n, rtnlDsfieldN2a,
  rtnlDsfieldA2n, rtnlRtrealmN2a, rtnlGroupN2a, rtnlGroupA2n, strtoul,
} from '../lib/rt_names.js';
import { Printer } from './json_print.js';
import type { IpEnv } from './iplink.js';
import { getRtRealmsOrRaw } from './iproute.js';
import {
  IpArgError, dumpErrorText, nextArg, invarg, getPrefix, getAddr, fmtAddr, inetAddrMatch, type InetPrefix,
} from '../lib/inet_prefix.js';

const USAGE = 'Usage: ip rule { add | del } SELECTOR ACTION\n' +
  '       ip rule { flush | save | restore }\n' +
  '       ip rule [ list [ SELECTOR ]]\n' +
  'SELECTOR := [ not ] [ from PREFIX ] [ to PREFIX ] [ tos TOS ]\n' +
  '            [ fwmark FWMARK[/MASK] ]\n' +
  '            [ iif STRING ] [ oif STRING ] [ pref NUMBER ] [ l3mdev ]\n' +
  '            [ uidrange NUMBER-NUMBER ]\n' +
  '            [ ipproto PROTOCOL ]\n' +
  '            [ sport [ NUMBER | NUMBER-NUMBER ]\n' +
  '            [ dport [ NUMBER | NUMBER-NUMBER ] ]\n' +
  'ACTION := [ table TABLE_ID ]\n' +
  '          [ protocol PROTO ]\n' +
  '          [ nat ADDRESS ]\n' +
  '          [ realms [SRCREALM/]DSTREALM ]\n' +
  '          [ goto NUMBER ]\n' +
  '          SUPPRESSOR\n' +
  'SUPPRESSOR := [ suppress_prefixlength NUMBER ]\n' +
  '              [ suppress_ifgroup DEVGROUP ]\n' +
  'TABLE_ID := [ local | main | default | NUMBER ]\n';

function usage(): never {
  throw new IpArgError(USAGE, 255);
}

const IP_PROTOS: Record<string, number> = {
  ip: 0, icmp: 1, igmp: 2, ipencap: 4, tcp: 6, egp: 8, udp: 17, ipv6: 41, gre: 47, esp: 50, ah: 51,
  'ipv6-icmp': 58, ospf: 89, pim: 103, sctp: 132, udplite: 136,
};

/** iproute2: inet_proto_a2n() (getprotobyname, else a number). */
function inetProtoA2n(arg: string): number {
  if (IP_PROTOS[arg] !== undefined) return IP_PROTOS[arg]!;
  const n = strtoul(arg, 0);
  return n === null || n > 255 ? -1 : n;
}
/** iproute2: inet_proto_n2a(). */
function inetProtoN2a(n: number): string {
  for (const [k, v] of Object.entries(IP_PROTOS)) if (v === n) return k;
  return `ipproto-${n}`;
}

/** sscanf "%u-%u" / "%hu-%hu": both numbers, or one for ports. */
function parseRange(arg: string, max: number): [number, number] | [number] | null {
  const m = /^\s*(\d+)(?:-(\d+))?/.exec(arg);
  if (!m) return null;
  const a = Number(m[1]);
  if (m[2] === undefined) return a > max ? null : [a & max];
  return [a & max, Number(m[2]) & max];
}

/* ------------------------------------------------------------------ */
/* The show filter (iproute2: the static `filter` of iprule.c)          */

interface RuleFilter {
  not: boolean;
  l3mdev: boolean;
  iifmask: boolean;
  oifmask: boolean;
  uidrange: boolean;
  tb: number;
  tos: number;
  tosmask: boolean;
  pref: number;
  prefmask: boolean;
  fwmark: number;
  fwmask: number;
  iif: string;
  oif: string;
  range: [number, number];
  src: InetPrefix | null;
  dst: InetPrefix | null;
  protocol: number;
  protocolmask: number;
  sport: [number, number];
  dport: [number, number];
  ipproto: number;
}

function newFilter(): RuleFilter {
  return {
    not: false, l3mdev: false, iifmask: false, oifmask: false, uidrange: false, tb: 0, tos: 0, tosmask: false,
    pref: 0, prefmask: false, fwmark: 0, fwmask: 0, iif: '', oif: '', range: [0, 0], src: null, dst: null,
    protocol: 0, protocolmask: 0, sport: [0, 0], dport: [0, 0], ipproto: 0,
  };
}

/** iproute2: frh_get_table(). */
function frhGetTable(frh: FibRuleHdr, tb: NlaTable): number {
  return tb[FRA_TABLE] ? nlaGetU32(tb[FRA_TABLE]) : frh.table;
}

function attrAddr(a: { data: Uint8Array } | undefined): number {
  if (!a || a.data.length < 4) return 0;
  return ((a.data[0]! << 24) | (a.data[1]! << 16) | (a.data[2]! << 8) | a.data[3]!) >>> 0;
}

/** iproute2: filter_nlmsg() of iprule.c. */
function filterRule(f: RuleFilter, family: number, frh: FibRuleHdr, tb: NlaTable): boolean {
  if (family !== AF_UNSPEC && frh.family !== family) return false;
  if (f.prefmask && f.pref !== (tb[FRA_PRIORITY] ? nlaGetU32(tb[FRA_PRIORITY]) : 0)) return false;
  if (f.not && !(frh.flags & FIB_RULE_INVERT)) return false;
  if (f.src) {
    if (f.src.family !== frh.family || f.src.bitlen > frh.srcLen) return false;
    if (!inetAddrMatch(attrAddr(tb[FRA_SRC]), f.src.addr, f.src.bitlen)) return false;
  }
  if (f.dst) {
    if (f.dst.family !== frh.family || f.dst.bitlen > frh.dstLen) return false;
    if (!inetAddrMatch(attrAddr(tb[FRA_DST]), f.dst.addr, f.dst.bitlen)) return false;
  }
  if (f.tosmask && f.tos !== frh.tos) return false;
  if (f.fwmark && f.fwmark !== (tb[FRA_FWMARK] ? nlaGetU32(tb[FRA_FWMARK]) : 0)) return false;
  if (f.fwmask && f.fwmask !== (tb[FRA_FWMASK] ? nlaGetU32(tb[FRA_FWMASK]) : 0)) return false;
  if (f.iifmask && (!tb[FRA_IIFNAME] || nlaGetString(tb[FRA_IIFNAME]) !== f.iif)) return false;
  if (f.oifmask && (!tb[FRA_OIFNAME] || nlaGetString(tb[FRA_OIFNAME]) !== f.oif)) return false;
  if (f.l3mdev && !(tb[FRA_L3MDEV] && nlaGetU8(tb[FRA_L3MDEV]))) return false;
  if (f.uidrange) {
    if (!tb[FRA_UID_RANGE]) return false;
    const r = fibRuleUidRangeParse(tb[FRA_UID_RANGE].data);
    if (r.start !== f.range[0] || r.end !== f.range[1]) return false;
  }
  if (f.ipproto && f.ipproto !== (tb[FRA_IP_PROTO] ? nlaGetU8(tb[FRA_IP_PROTO]) : 0)) return false;
  if (f.sport[0]) {
    if (!tb[FRA_SPORT_RANGE]) return false;
    const r = fibRulePortRangeParse(tb[FRA_SPORT_RANGE].data);
    if (r.start !== f.sport[0] || r.end !== f.sport[1]) return false;
  }
  if (f.dport[0]) {
    if (!tb[FRA_DPORT_RANGE]) return false;
    const r = fibRulePortRangeParse(tb[FRA_DPORT_RANGE].data);
    if (r.start !== f.dport[0] || r.end !== f.dport[1]) return false;
  }
  const table = frhGetTable(frh, tb);
  if (f.tb > 0 && f.tb !== table) return false;
  return true;
}

/** iproute2: print_rule(). */
export function printRule(p: Printer, m: NlMsg, details: number): void {
  const frh = fibRuleHdrParse(m.msg, NLMSG_HDRLEN);
  const tbr = nlmsgParse(m.msg, FIB_RULE_HDR_LEN, FRA_MAX, null);
  const tb: NlaTable = typeof tbr === 'number' ? [] : tbr;
  const hostLen = frh.family === AF_INET ? 32 : frh.family === AF_INET6 ? 128 : -1;
  p.openObject(null);
  if (m.type === RTM_DELRULE) if (p.json) p.jsonOnly('deleted', true);
  else p.fp('Deleted ');
  const prio = tb[FRA_PRIORITY] ? nlaGetU32(tb[FRA_PRIORITY]) : 0;
  p.any('priority', '%s:\t', prio);
  if (frh.flags & FIB_RULE_INVERT) printNull(p, 'not', 'not ');
  if (tb[FRA_SRC]) {
    p.fp('from ');
    p.any('src', '%s', fmtAddr(attrAddr(tb[FRA_SRC])));
    if (frh.srcLen !== hostLen) p.any('srclen', '/%s', frh.srcLen);
  } else if (frh.srcLen) {
    p.any('src', 'from %s', '0');
    p.any('srclen', '/%s', frh.srcLen);
  } else {
    p.any('src', 'from %s', 'all');
  }
  if (tb[FRA_DST]) {
    p.fp(' to ');
    p.any('dst', '%s', fmtAddr(attrAddr(tb[FRA_DST])));
    if (frh.dstLen !== hostLen) p.any('dstlen', '/%s', frh.dstLen);
  } else if (frh.dstLen) {
    p.any('dst', ' to %s', '0');
    p.any('dstlen', '/%s', frh.dstLen);
  }
  if (frh.tos) p.any('tos', ' tos %s', rtnlDsfieldN2a(frh.tos));
  if (tb[FRA_FWMARK] || tb[FRA_FWMASK]) {
    const mark = tb[FRA_FWMARK] ? nlaGetU32(tb[FRA_FWMARK]) : 0;
    const mask = tb[FRA_FWMASK] ? nlaGetU32(tb[FRA_FWMASK]) : 0;
    p.any('fwmark', ' fwmark %s', hex(mark));
    if (tb[FRA_FWMASK] && mask !== 0xffffffff) p.any('fwmask', '/%s', hex(mask));
  }
  if (tb[FRA_IIFNAME]) {
    p.fp(' iif ');
    p.any('iif', '%s', nlaGetString(tb[FRA_IIFNAME]));
    if (frh.flags & FIB_RULE_IIF_DETACHED) printNull(p, 'iif_detached', ' [detached]');
  }
  if (tb[FRA_OIFNAME]) {
    p.fp(' oif ');
    p.any('oif', '%s', nlaGetString(tb[FRA_OIFNAME]));
    if (frh.flags & FIB_RULE_OIF_DETACHED) printNull(p, 'oif_detached', ' [detached]');
  }
  if (tb[FRA_L3MDEV] && nlaGetU8(tb[FRA_L3MDEV])) printNull(p, 'l3mdev', ' lookup [l3mdev-table]');
  if (tb[FRA_UID_RANGE]) {
    const r = fibRuleUidRangeParse(tb[FRA_UID_RANGE].data);
    p.any('uid_start', ' uidrange %s', r.start);
    p.any('uid_end', '-%s', r.end);
  }
  if (tb[FRA_IP_PROTO]) p.any('ipproto', ' ipproto %s', inetProtoN2a(nlaGetU8(tb[FRA_IP_PROTO])));
  for (const [attr, key] of [[FRA_SPORT_RANGE, 'sport'], [FRA_DPORT_RANGE, 'dport']] as const) {
    const a = tb[attr];
    if (!a) continue;
    const r = fibRulePortRangeParse(a.data);
    if (r.start === r.end) p.any(key, ` ${key} %s`, r.start);
    else {
      p.any(`${key}_start`, ` ${key} %s`, r.start);
      p.any(`${key}_end`, '-%s', r.end);
    }
  }
  if (tb[FRA_TUN_ID]) {
    let v = 0n;
    for (const byte of tb[FRA_TUN_ID].data.subarray(0, 8)) v = (v << 8n) | BigInt(byte);
    p.any('tun_id', ' tun_id %s', v.toString());
  }
  const table = frhGetTable(frh, tb);
  if (table) {
    p.any('table', ' lookup %s', rtnlRttableN2a(table));
    if (tb[FRA_SUPPRESS_PREFIXLEN]) {
      const pl = nlaGetU32(tb[FRA_SUPPRESS_PREFIXLEN]) | 0;
      if (pl !== -1) p.any('suppress_prefixlen', ' suppress_prefixlength %s', pl);
    }
    if (tb[FRA_SUPPRESS_IFGROUP]) {
      const group = nlaGetU32(tb[FRA_SUPPRESS_IFGROUP]) | 0;
      if (group !== -1) p.any('suppress_ifgroup', ' suppress_ifgroup %s', rtnlGroupN2a(group));
    }
  }
  if (tb[FRA_FLOW]) {
    const v = nlaGetU32(tb[FRA_FLOW]);
    const to = v & 0xffff;
    const from = v >>> 16;
    if (from) p.any('flow_from', ' realms %s/', rtnlRtrealmN2a(from));
    else p.fp(' realms ');
    p.any('flow_to', '%s', rtnlRtrealmN2a(to));
  }
  if (frh.action === RTN_NAT) {
    if (tb[RTA_GATEWAY]) p.any('nat_gateway', ' map-to %s', fmtAddr(attrAddr(tb[RTA_GATEWAY])));
    else printNull(p, 'masquerade', ' masquerade');
  } else if (frh.action === FR_ACT_GOTO) {
    if (tb[FRA_GOTO]) p.any('goto', ' goto %s', nlaGetU32(tb[FRA_GOTO]));
    else p.any('goto', ' goto %s', 'none');
    if (frh.flags & FIB_RULE_UNRESOLVED) printNull(p, 'unresolved', ' [unresolved]');
  } else if (frh.action === FR_ACT_NOP) {
    printNull(p, 'nop', ' nop');
  } else if (frh.action !== FR_ACT_TO_TBL) {
    p.any('action', ' %s', rtnlRtntypeN2a(frh.action));
  }
  if (tb[FRA_PROTOCOL]) {
    const protocol = nlaGetU8(tb[FRA_PROTOCOL]);
    if ((protocol && protocol !== RTPROT_KERNEL) || details > 0) p.any('protocol', ' proto %s', rtnlRtprotN2a(protocol));
  }
  p.fp('\n');
  p.closeObject();
}

/** iproute2: print_null(PRINT_ANY): `null` in JSON, the text otherwise. */
function printNull(p: Printer, key: string, text: string): void {
  if (p.json) p.jsonOnly(key, null);
  else p.fp(text);
}

/** print_0xhex "%#llx": 0 prints as 0. */
function hex(v: number): string {
  return v === 0 ? '0' : `0x${(v >>> 0).toString(16)}`;
}

/* ------------------------------------------------------------------ */
/* Commands                                                            */

function ruleDump(env: IpEnv, family: number): ReturnType<typeof rtnlDump> {
  const b = buildRequest(RTM_GETRULE, 0, FIB_RULE_HDR_LEN, (bb, h) => {
    fibRuleHdrPut(bb, h, { family, dstLen: 0, srcLen: 0, tos: 0, table: 0, res1: 0, res2: 0, action: 0, flags: 0 });
  });
  return rtnlDump(env.rth, b);
}

/** iproute2: iprule_list_flush_or_save() (list and flush). */
function iruleListFlush(env: IpEnv, args: string[], flush: boolean): number {
  let af = env.opts.family;
  if (af === AF_UNSPEC) af = AF_INET;
  const f = newFilter();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (matches(a, 'preference') || matches(a, 'order') || matches(a, 'priority')) {
      const v = nextArg(args, i++);
      const pref = strtoul(v, 0);
      if (pref === null) invarg('preference value is invalid\n', v);
      f.pref = pref;
      f.prefmask = true;
    } else if (a === 'not') {
      f.not = true;
    } else if (a === 'tos') {
      const v = nextArg(args, i++);
      const tos = rtnlDsfieldA2n(v);
      if (tos < 0) invarg('TOS value is invalid\n', v);
      f.tos = tos;
      f.tosmask = true;
    } else if (a === 'fwmark') {
      const v = nextArg(args, i++);
      const slash = v.indexOf('/');
      const markS = slash >= 0 ? v.slice(0, slash) : v;
      const mark = strtoul(markS, 0);
      if (mark === null) invarg('fwmark value is invalid\n', markS);
      f.fwmark = mark;
      if (slash >= 0) {
        const mask = strtoul(v.slice(slash + 1), 0);
        if (mask === null) invarg('fwmask value is invalid\n', v.slice(slash + 1));
        f.fwmask = mask;
      }
    } else if (a === 'dev' || a === 'iif') {
      const v = nextArg(args, i++);
      if (!checkIfname(v)) invarg('"iif"/"dev" not a valid ifname', v);
      f.iif = v;
      f.iifmask = true;
    } else if (a === 'oif') {
      const v = nextArg(args, i++);
      if (!checkIfname(v)) invarg('"oif" not a valid ifname', v);
      f.oif = v;
      f.oifmask = true;
    } else if (a === 'l3mdev') {
      f.l3mdev = true;
    } else if (a === 'uidrange') {
      const v = nextArg(args, i++);
      const r = parseRange(v, 0xffffffff);
      if (!r || r.length !== 2) invarg('invalid UID range\n', v);
      f.uidrange = true;
      f.range = r as [number, number];
    } else if (matches(a, 'tun_id')) {
      const v = nextArg(args, i++);
      if (strtoul(v, 0) === null) invarg('"tun_id" value is invalid\n', v);
    } else if (matches(a, 'lookup') || matches(a, 'table')) {
      const v = nextArg(args, i++);
      const tid = rtnlRttableA2n(v);
      if (tid < 0) invarg('table id value is invalid\n', v);
      f.tb = tid;
    } else if (matches(a, 'from') || matches(a, 'src')) {
      const v = nextArg(args, i++);
      f.src = getPrefixOr(v, af, 'from value is invalid\n');
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
    } else if (a === 'ipproto') {
      const v = nextArg(args, i++);
      const ipproto = inetProtoA2n(v);
      if (ipproto < 0) invarg('Invalid "ipproto" value\n', v);
      f.ipproto = ipproto;
    } else if (a === 'sport' || a === 'dport') {
      const v = nextArg(args, i++);
      const r = parseRange(v, 0xffff);
      if (!r) invarg(a === 'sport' ? 'invalid port range\n' : 'invalid dport range\n', v);
      const range: [number, number] = r.length === 1 ? [r[0], r[0]] : r;
      if (a === 'sport') f.sport = range;
      else f.dport = range;
    } else {
      let v = a;
      if (matches(v, 'dst') || matches(v, 'to')) v = nextArg(args, i++);
      f.dst = getPrefixOr(v, af, 'to value is invalid\n');
    }
  }
  const dump = ruleDump(env, af);
  if (dump.error) {
    env.err(dumpErrorText(dump.error, dump.msg));
    env.err('Dump terminated\n');
    return 1;
  }
  if (flush) {
    for (const m of dump.msgs) {
      const frh = fibRuleHdrParse(m.msg, NLMSG_HDRLEN);
      const tbr = nlmsgParse(m.msg, FIB_RULE_HDR_LEN, FRA_MAX, null);
      if (typeof tbr === 'number' || !filterRule(f, env.opts.family, frh, tbr)) continue;
      if (tbr[FRA_PROTOCOL] && ((f.protocol ^ nlaGetU8(tbr[FRA_PROTOCOL])) & f.protocolmask)) continue;
      if (!tbr[FRA_PRIORITY]) continue;
      const b = new NlMsgBuilder(m.msg.length);
      b.putBytes(m.msg);
      b.setU16(4, RTM_DELRULE);
      b.setU16(6, NLM_F_REQUEST);
      const r = rtnlTalk(env.rth, b);
      if (r.error) {
        env.err(talkErrorText(r));
        return 2;
      }
    }
    return 0;
  }
  const p = new Printer(env.opts.json, env.opts.pretty);
  p.openArray(null);
  for (const m of dump.msgs) {
    if (m.type !== RTM_NEWRULE && m.type !== RTM_DELRULE) continue;
    if (m.msg.length < NLMSG_HDRLEN + FIB_RULE_HDR_LEN) continue;
    const frh = fibRuleHdrParse(m.msg, NLMSG_HDRLEN);
    const tbr = nlmsgParse(m.msg, FIB_RULE_HDR_LEN, FRA_MAX, null);
    if (typeof tbr === 'number' || !filterRule(f, env.opts.family, frh, tbr)) continue;
    printRule(p, m, env.opts.details);
  }
  p.closeArray();
  env.out(p.json ? p.result() : p.text);
  return 0;
}

/** get_prefix() failing with invarg (what iprule_list does). */
function getPrefixOr(v: string, af: number, msg: string): InetPrefix {
  try {
    return getPrefix(v, af);
  } catch (e) {
    if (e instanceof IpArgError) invarg(msg, v);
    throw e;
  }
}

/** iproute2: iprule_modify(). */
function iruleModify(env: IpEnv, cmd: number, args: string[]): number {
  let tableOk = false;
  let l3mdevRule = false;
  let tid = 0;
  const frh: FibRuleHdr = {
    family: env.opts.family, dstLen: 0, srcLen: 0, tos: 0, table: 0, res1: 0, res2: 0, action: FR_ACT_UNSPEC, flags: 0,
  };
  let nlflags = 0;
  if (cmd === RTM_NEWRULE) {
    if (args.length === 0) {
      env.err('"ip rule add" requires arguments.\n');
      return 1;
    }
    nlflags |= NLM_F_CREATE | NLM_F_EXCL;
    frh.action = FR_ACT_TO_TBL;
  }
  if (cmd === RTM_DELRULE && args.length === 0) {
    env.err('"ip rule del" requires arguments.\n');
    return 1;
  }
  const attrs: ((b: NlMsgBuilder) => void)[] = [];
  const enc = new TextEncoder();
  const strAttr = (type: number, s: string): ((b: NlMsgBuilder) => void) => (b) => {
    const bytes = enc.encode(s);
    const z = new Uint8Array(bytes.length + 1);
    z.set(bytes);
    b.nlaPut(type, z);
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === 'not') {
      frh.flags |= FIB_RULE_INVERT;
    } else if (a === 'from' || a === 'to') {
      const v = nextArg(args, i++);
      const dst = getPrefix(v, frh.family);
      if (a === 'from') frh.srcLen = dst.bitlen;
      else frh.dstLen = dst.bitlen;
      const bytes = new Uint8Array([dst.addr >>> 24, (dst.addr >>> 16) & 255, (dst.addr >>> 8) & 255, dst.addr & 255]);
      attrs.push((b) => b.nlaPut(a === 'from' ? FRA_SRC : FRA_DST, bytes.subarray(0, dst.bytelen)));
    } else if (matches(a, 'preference') || matches(a, 'order') || matches(a, 'priority')) {
      const v = nextArg(args, i++);
      const pref = strtoul(v, 0);
      if (pref === null) invarg('preference value is invalid\n', v);
      attrs.push((b) => b.nlaPutU32(FRA_PRIORITY, pref));
    } else if (a === 'tos' || matches(a, 'dsfield')) {
      const v = nextArg(args, i++);
      const tos = rtnlDsfieldA2n(v);
      if (tos < 0) invarg('TOS value is invalid\n', v);
      frh.tos = tos;
    } else if (a === 'fwmark') {
      const v = nextArg(args, i++);
      const slash = v.indexOf('/');
      const markS = slash >= 0 ? v.slice(0, slash) : v;
      const mark = strtoul(markS, 0);
      if (mark === null) invarg('fwmark value is invalid\n', markS);
      attrs.push((b) => b.nlaPutU32(FRA_FWMARK, mark));
      if (slash >= 0) {
        const maskS = v.slice(slash + 1);
        const mask = strtoul(maskS, 0);
        if (mask === null) invarg('fwmask value is invalid\n', maskS);
        attrs.push((b) => b.nlaPutU32(FRA_FWMASK, mask));
      }
    } else if (matches(a, 'realms')) {
      const v = nextArg(args, i++);
      const realm = getRtRealmsOrRaw(v);
      if (realm === null) invarg('invalid realms\n', v);
      attrs.push((b) => b.nlaPutU32(FRA_FLOW, realm));
    } else if (matches(a, 'protocol')) {
      const v = nextArg(args, i++);
      const proto = rtnlRtprotA2n(v);
      if (proto < 0) invarg('"protocol" value is invalid\n', v);
      attrs.push((b) => b.nlaPutU8(FRA_PROTOCOL, proto));
    } else if (matches(a, 'tun_id')) {
      const v = nextArg(args, i++);
      const id = strtoul(v, 0);
      if (id === null) invarg('"tun_id" value is invalid\n', v);
      attrs.push((b) => {
        const t = new Uint8Array(8);
        new DataView(t.buffer).setUint32(4, id);
        b.nlaPut(FRA_TUN_ID, t);
      });
    } else if (matches(a, 'table') || a === 'lookup') {
      const v = nextArg(args, i++);
      const t = rtnlRttableA2n(v);
      if (t < 0) invarg('invalid table ID\n', v);
      tid = t;
      if (tid < 256) frh.table = tid;
      else {
        frh.table = RT_TABLE_UNSPEC;
        attrs.push((b) => b.nlaPutU32(FRA_TABLE, tid));
      }
      tableOk = true;
    } else if (matches(a, 'suppress_prefixlength') || a === 'sup_pl') {
      const v = nextArg(args, i++);
      const pl = /^-?\d+$/.test(v) ? Number(v) : strtoul(v, 0);
      if (pl === null || pl < 0 || pl > 0x7fffffff) invarg('suppress_prefixlength value is invalid\n', v);
      attrs.push((b) => b.nlaPutU32(FRA_SUPPRESS_PREFIXLEN, pl));
    } else if (matches(a, 'suppress_ifgroup') || a === 'sup_group') {
      const v = nextArg(args, i++);
      const group = rtnlGroupA2n(v);
      if (group === null) invarg('Invalid "suppress_ifgroup" value\n', v);
      attrs.push((b) => b.nlaPutU32(FRA_SUPPRESS_IFGROUP, group));
    } else if (a === 'dev' || a === 'iif') {
      const v = nextArg(args, i++);
      if (!checkIfname(v)) invarg('"iif"/"dev" not a valid ifname', v);
      attrs.push(strAttr(FRA_IIFNAME, v));
    } else if (a === 'oif') {
      const v = nextArg(args, i++);
      if (!checkIfname(v)) invarg('"oif" not a valid ifname', v);
      attrs.push(strAttr(FRA_OIFNAME, v));
    } else if (a === 'l3mdev') {
      attrs.push((b) => b.nlaPutU8(FRA_L3MDEV, 1));
      tableOk = true;
      l3mdevRule = true;
    } else if (a === 'uidrange') {
      const v = nextArg(args, i++);
      const r = parseRange(v, 0xffffffff);
      if (!r || r.length !== 2) invarg('invalid UID range\n', v);
      const rr = r as [number, number];
      attrs.push((b) => b.nlaPut(FRA_UID_RANGE, fibRuleUidRangeBytes({ start: rr[0], end: rr[1] })));
    } else if (a === 'nat' || matches(a, 'map-to')) {
      const v = nextArg(args, i++);
      env.err('Warning: route NAT is deprecated\n');
      const addr = getAddr(v, AF_INET);
      attrs.push((b) => b.nlaPutBe32(RTA_GATEWAY, addr.addr));
      frh.action = RTN_NAT;
    } else if (a === 'ipproto') {
      const v = nextArg(args, i++);
      const ipproto = inetProtoA2n(v);
      if (ipproto < 0) invarg('Invalid "ipproto" value\n', v);
      attrs.push((b) => b.nlaPutU8(FRA_IP_PROTO, ipproto));
    } else if (a === 'sport' || a === 'dport') {
      const v = nextArg(args, i++);
      const r = parseRange(v, 0xffff);
      if (!r) invarg(a === 'sport' ? 'invalid port range\n' : 'invalid dport range\n', v);
      const range = { start: r[0], end: r.length === 1 ? r[0] : r[1] };
      attrs.push((b) => b.nlaPut(a === 'sport' ? FRA_SPORT_RANGE : FRA_DPORT_RANGE, fibRulePortRangeBytes(range)));
    } else {
      let w = a;
      if (w === 'type') w = nextArg(args, i++);
      let type: number;
      if (matches(w, 'help')) usage();
      else if (matches(w, 'goto')) {
        type = FR_ACT_GOTO;
        const v = nextArg(args, i++);
        const target = strtoul(v, 0);
        if (target === null) invarg('invalid target\n', v);
        attrs.push((b) => b.nlaPutU32(FRA_GOTO, target));
      } else if (matches(w, 'nop')) {
        type = FR_ACT_NOP;
      } else {
        type = rtnlRtntypeA2n(w);
        if (type < 0) invarg('Failed to parse rule type', w);
      }
      frh.action = type!;
      tableOk = true;
    }
  }
  if (l3mdevRule && tid !== 0) {
    env.err('table can not be specified for l3mdev rules\n');
    return 22;
  }
  if (frh.family === AF_UNSPEC) frh.family = AF_INET;
  if (!tableOk && cmd === RTM_NEWRULE) frh.table = RT_TABLE_MAIN;
  const b = buildRequest(cmd, nlflags, FIB_RULE_HDR_LEN, (bb, h) => {
    fibRuleHdrPut(bb, h, frh);
    for (const put of attrs) put(bb);
  });
  const r = rtnlTalk(env.rth, b);
  if (r.error) {
    env.err(talkErrorText(r));
    return 2;
  }
  return 0;
}

function doIpruleInner(env: IpEnv, args: string[]): number {
  if (args.length < 1) return iruleListFlush(env, [], false);
  const c = args[0]!;
  const rest = args.slice(1);
  if (matches(c, 'list') || matches(c, 'lst') || matches(c, 'show')) return iruleListFlush(env, rest, false);
  if (matches(c, 'add')) return iruleModify(env, RTM_NEWRULE, rest);
  if (matches(c, 'delete')) return iruleModify(env, RTM_DELRULE, rest);
  if (matches(c, 'flush')) return iruleListFlush(env, rest, true);
  if (matches(c, 'help')) usage();
  env.err(`Command "${c}" is unknown, try "ip rule help".\n`);
  return 255;
}

/** iproute2: do_iprule(). Returns the exit status. */
export function doIprule(env: IpEnv, args: string[]): number {
  try {
    return doIpruleInner(env, args);
  } catch (e) {
    if (e instanceof IpArgError) {
      env.err(e.text);
      return e.status;
    }
    throw e;
  }
}
