/**
 * Policy routing rules: the generic rule engine (Linux: net/core/fib_rules.c) and
 * its IPv4 flavour (net/ipv4/fib_rules.c). A namespace keeps one ordered rule list
 * per family (`FibRulesOps`); a lookup walks it by priority, matching selectors
 * (iif, oif, fwmark/mask, uid range, then the family's from/to/tos), following
 * `goto`, skipping `nop`, and running the action: look up a table (a result the
 * rule's `suppress_prefixlength`/`suppress_ifgroup` may veto, -EAGAIN = go on) or
 * fail with unreachable (-ENETUNREACH), prohibit (-EACCES) or blackhole (-EINVAL).
 * RTM_NEWRULE/DELRULE/GETRULE speak `struct fib_rule_hdr` + FRA_* attributes and
 * notify RTNLGRP_IPV4_RULE.
 *
 * The generic part lives here with the IPv4 part (Linux keeps it in net/core)
 * because it talks rtnetlink, which sits above core in tuxnet's import order;
 * IPv6 rules will reuse `FibRulesOps` from this file.
 */
import type { Kernel, Net } from '../core/net_namespace.js';
import type { NetDevice } from '../core/netdevice.js';
import { NETDEV_REGISTER, NETDEV_UNREGISTER, NETDEV_CHANGENAME, NOTIFY_DONE } from '../core/notifier.js';
import { AF_INET, AF_UNSPEC } from '../socket/socket.js';
import { EAFNOSUPPORT, EAGAIN, EACCES, EEXIST, EINVAL, ENETUNREACH, ENOBUFS, ENOENT, EPERM, ESRCH } from '../socket/errno.js';
import {
  type NlaPolicy, type NlaTable, type NetlinkExtAck, NlMsgBuilder, NLA_STRING, NLA_U8, NLA_U32, NLA_U64, NLA_UNSPEC,
  NLM_F_EXCL, NLM_F_MULTI, NLMSG_HDRLEN, nlmsgAlign, nlmsgParse, nlaGetU8, nlaGetU32, nlaGetBe32, nlaGetString,
} from '../wire/netlink.js';
import {
  FIB_RULE_HDR_LEN, FIB_RULE_INVERT, FIB_RULE_PERMANENT, FIB_RULE_UNRESOLVED, FIB_RULE_IIF_DETACHED,
  FIB_RULE_OIF_DETACHED, FRA_DST, FRA_SRC, FRA_IIFNAME, FRA_OIFNAME, FRA_GOTO, FRA_PRIORITY, FRA_FWMARK, FRA_FWMASK,
  FRA_FLOW, FRA_TUN_ID, FRA_SUPPRESS_IFGROUP, FRA_SUPPRESS_PREFIXLEN, FRA_TABLE, FRA_L3MDEV, FRA_UID_RANGE,
  FRA_PROTOCOL, FRA_IP_PROTO, FRA_SPORT_RANGE, FRA_DPORT_RANGE, FRA_MAX, FR_ACT_TO_TBL, FR_ACT_GOTO, FR_ACT_NOP,
  FR_ACT_UNREACHABLE, FR_ACT_PROHIBIT, FR_ACT_BLACKHOLE, type FibRuleHdr, fibRuleHdrParse, fibRuleHdrPut,
  fibRuleUidRangeBytes, fibRuleUidRangeParse, fibRulePortRangeBytes, fibRulePortRangeParse,
} from '../wire/fib_rules.js';
import { RTM_NEWRULE, RTM_DELRULE, RTM_GETRULE, RTNLGRP_IPV4_RULE } from '../wire/rtnetlink.js';
import { RTPROT_KERNEL, RTPROT_UNSPEC, RT_TABLE_COMPAT, RT_TABLE_DEFAULT, RT_TABLE_LOCAL, RT_TABLE_MAIN, RT_TABLE_UNSPEC } from '../wire/route.js';
import { rtnlRegister, rtnlNotify, rtnlSetSkErr, rtnlMsgFamily, type RtnlRequest } from '../netlink/rtnetlink.js';
import type { NetlinkCallback } from '../netlink/af_netlink.js';
import type { Flowi4 } from './rtable.js';
import { inetMakeMask } from './inetdevice.js';
import { ipv4Net, rtGenidBumpIpv4 } from './netns_ipv4.js';
import type { FibResult } from './fib_lookup.js';
import { fibTableLookup } from './fib_trie.js';
import { fibGetTable, fibNewTable, fibUnmerge } from './fib_frontend.js';

const IFNAMSIZ = 16;
/** Linux: INVALID_UID, the end of an unset uid range. */
const UID_INVALID = 0xffffffff;
/** IPTOS_TOS_MASK and INET_DSCP_MASK (include/uapi/linux/ip.h, include/net/inet_dscp.h). */
const IPTOS_TOS_MASK = 0x1e;
const INET_DSCP_MASK = 0xfc;

/* ------------------------------------------------------------------ */
/* Rules and their ops (Linux: include/net/fib_rules.h)                */

/** Linux: struct fib_rule (the family-independent part). */
export class FibRule {
  pref = 0;
  table = 0;
  action = 0;
  flags = 0;
  /** RTPROT_* of whoever added it (Linux: rule->proto). */
  proto = RTPROT_UNSPEC;
  /** 0 = any, -1 = named device absent (detached), else the device's ifindex. */
  iifindex = 0;
  oifindex = 0;
  iifname = '';
  oifname = '';
  mark = 0;
  markMask = 0;
  /** FRA_TUN_ID, kept as its 8 raw bytes in network order (0 = none). */
  tunId = 0n;
  l3mdev = 0;
  /** goto target priority and the rule it resolves to (Linux: target, ctarget). */
  target = 0;
  ctarget: FibRule | null = null;
  suppressPrefixlen = -1;
  suppressIfgroup = -1;
  uidStart = 0;
  uidEnd = UID_INVALID;
  ipProto = 0;
  sportStart = 0;
  sportEnd = 0;
  dportStart = 0;
  dportEnd = 0;
  constructor(readonly net: Net) {}
}

/** Linux: struct fib4_rule. */
export class Fib4Rule extends FibRule {
  dstLen = 0;
  srcLen = 0;
  /** The dsfield the rule matches (0 = any). */
  tos = 0;
  src = 0;
  srcmask = 0;
  dst = 0;
  dstmask = 0;
  tclassid = 0;
}

/** Linux: struct fib_lookup_arg. */
export interface FibLookupArg {
  result: FibResult;
  flags: number;
  rule: FibRule | null;
}

/** Linux: struct fib_rules_ops, one per (namespace, family). */
export interface FibRulesOps {
  family: number;
  /** Address size in bytes (4 for IPv4). */
  addrSize: number;
  net: Net;
  rulesList: FibRule[];
  unresolvedRules: number;
  nrGotoRules: number;
  nlgroup: number;
  alloc(net: Net): FibRule;
  action(rule: FibRule, fl: Flowi4, flags: number, arg: FibLookupArg): number;
  suppress(rule: FibRule, flags: number, arg: FibLookupArg): boolean;
  match(rule: FibRule, fl: Flowi4, flags: number): boolean;
  configure(rule: FibRule, net: Net, frh: FibRuleHdr, tb: NlaTable, extack: NetlinkExtAck): number;
  delete(rule: FibRule): number;
  compare(rule: FibRule, frh: FibRuleHdr, tb: NlaTable): boolean;
  fill(rule: FibRule, b: NlMsgBuilder, frhOff: number): void;
  defaultPref(ops: FibRulesOps): number;
  flushCache(ops: FibRulesOps): void;
}

function rulesOpsList(net: Net): FibRulesOps[] {
  let l = net.generic.get('fib_rules.ops') as FibRulesOps[] | undefined;
  if (!l) {
    l = [];
    net.generic.set('fib_rules.ops', l);
  }
  return l;
}

/** Linux: lookup_rules_ops(). */
export function lookupRulesOps(net: Net, family: number): FibRulesOps | null {
  for (const ops of rulesOpsList(net)) if (ops.family === family) return ops;
  return null;
}

/** Linux: fib_rules_register(). */
export function fibRulesRegister(ops: FibRulesOps): number {
  const l = rulesOpsList(ops.net);
  if (l.some((o) => o.family === ops.family)) return -EEXIST;
  l.push(ops);
  return 0;
}

/** Linux: fib_rules_unregister(). */
export function fibRulesUnregister(ops: FibRulesOps): void {
  const l = rulesOpsList(ops.net);
  const i = l.indexOf(ops);
  if (i >= 0) l.splice(i, 1);
  ops.rulesList.length = 0;
}

/** Linux: fib_default_rule_add(). */
export function fibDefaultRuleAdd(ops: FibRulesOps, pref: number, table: number): void {
  const r = ops.alloc(ops.net);
  r.action = FR_ACT_TO_TBL;
  r.pref = pref;
  r.table = table;
  r.proto = RTPROT_KERNEL;
  ops.rulesList.push(r);
}

/** Linux: fib_default_rule_pref(): one below the second rule's priority (0 when none). */
export function fibDefaultRulePref(ops: FibRulesOps): number {
  const second = ops.rulesList[1];
  if (second && second.pref) return second.pref - 1;
  return 0;
}

/** Linux: fib_rule_port_range_set(). */
function portRangeSet(start: number, end: number): boolean {
  return start !== 0 && end !== 0;
}
/** Linux: uid_range_set(). */
function uidRangeSet(r: FibRule): boolean {
  return r.uidStart !== UID_INVALID && r.uidEnd !== UID_INVALID;
}

/** Linux: fib_rule_match(). */
function fibRuleMatch(rule: FibRule, ops: FibRulesOps, fl: Flowi4, flags: number): boolean {
  let ret = false;
  if (rule.iifindex && rule.iifindex !== fl.iif) ret = false;
  else if (rule.oifindex && rule.oifindex !== fl.oif) ret = false;
  else if (((rule.mark ^ fl.mark) & rule.markMask) !== 0) ret = false;
  else if (rule.tunId !== 0n) ret = false; // flows carry no tunnel key here
  else if ((fl.uid >>> 0) < rule.uidStart || (fl.uid >>> 0) > rule.uidEnd) ret = false;
  else ret = ops.match(rule, fl, flags);
  return (rule.flags & FIB_RULE_INVERT) ? !ret : ret;
}

/**
 * Linux: fib_rules_lookup(): walk the rules; the first action that answers
 * anything but -EAGAIN ends the walk (arg.rule = that rule). -ESRCH when no rule
 * answered.
 */
export function fibRulesLookup(ops: FibRulesOps, fl: Flowi4, flags: number, arg: FibLookupArg): number {
  const list = ops.rulesList;
  let err = -ESRCH;
  for (let i = 0; i < list.length; i++) {
    let rule = list[i]!;
    for (;;) {
      if (!fibRuleMatch(rule, ops, fl, flags)) break;
      if (rule.action === FR_ACT_GOTO) {
        const target = rule.ctarget;
        if (target === null) break;
        // Linux: `rule = target; goto jumped;` and the walk then continues after the target.
        rule = target;
        i = list.indexOf(target);
        continue;
      }
      if (rule.action === FR_ACT_NOP) break;
      err = ops.action(rule, fl, flags, arg);
      if (err === 0 && ops.suppress(rule, flags, arg)) {
        err = -ESRCH;
        break;
      }
      if (err !== -EAGAIN) {
        arg.rule = rule;
        return err;
      }
      break;
    }
  }
  return -ESRCH;
}

/* ------------------------------------------------------------------ */
/* Netlink (Linux: fib_nl_newrule/delrule/dumprule)                    */

/** Linux: fib_rule_policy. FRA_SRC/FRA_DST are checked against the family's address size. */
const fibRulePolicy: NlaPolicy = {
  [FRA_IIFNAME]: { type: NLA_STRING, len: IFNAMSIZ - 1 },
  [FRA_OIFNAME]: { type: NLA_STRING, len: IFNAMSIZ - 1 },
  [FRA_PRIORITY]: { type: NLA_U32 },
  [FRA_FWMARK]: { type: NLA_U32 },
  [FRA_FLOW]: { type: NLA_U32 },
  [FRA_TUN_ID]: { type: NLA_U64 },
  [FRA_FWMASK]: { type: NLA_U32 },
  [FRA_TABLE]: { type: NLA_U32 },
  [FRA_SUPPRESS_PREFIXLEN]: { type: NLA_U32 },
  [FRA_SUPPRESS_IFGROUP]: { type: NLA_U32 },
  [FRA_GOTO]: { type: NLA_U32 },
  [FRA_L3MDEV]: { type: NLA_U8 },
  [FRA_UID_RANGE]: { type: NLA_UNSPEC, len: 8 },
  [FRA_PROTOCOL]: { type: NLA_U8 },
  [FRA_IP_PROTO]: { type: NLA_U8 },
  [FRA_SPORT_RANGE]: { type: NLA_UNSPEC, len: 4 },
  [FRA_DPORT_RANGE]: { type: NLA_UNSPEC, len: 4 },
};

/** Linux: frh_get_table(). */
export function frhGetTable(frh: FibRuleHdr, tb: NlaTable): number {
  const a = tb[FRA_TABLE];
  return a ? nlaGetU32(a) : frh.table;
}

/** Linux: fib_nl2rule(): a rule from a request, or -errno (extack set). */
function fibNl2rule(net: Net, frh: FibRuleHdr, tb: NlaTable, ops: FibRulesOps, extack: NetlinkExtAck):
  { rule: FibRule; userPriority: boolean } | number {
  const src = tb[FRA_SRC];
  if (frh.srcLen && (!src || frh.srcLen > ops.addrSize * 8 || src.data.length !== ops.addrSize)) {
    extack.msg = 'Invalid source address';
    return -EINVAL;
  }
  const dst = tb[FRA_DST];
  if (frh.dstLen && (!dst || frh.dstLen > ops.addrSize * 8 || dst.data.length !== ops.addrSize)) {
    extack.msg = 'Invalid dst address';
    return -EINVAL;
  }
  const rule = ops.alloc(net);
  let userPriority = false;
  const prio = tb[FRA_PRIORITY];
  if (prio) {
    rule.pref = nlaGetU32(prio);
    userPriority = true;
  } else {
    rule.pref = ops.defaultPref(ops);
  }
  const proto = tb[FRA_PROTOCOL];
  rule.proto = proto ? nlaGetU8(proto) : RTPROT_UNSPEC;
  const iif = tb[FRA_IIFNAME];
  if (iif) {
    rule.iifindex = -1;
    rule.iifname = nlaGetString(iif).slice(0, IFNAMSIZ - 1);
    const dev = net.devGetByName(rule.iifname);
    if (dev) rule.iifindex = dev.ifindex;
  }
  const oif = tb[FRA_OIFNAME];
  if (oif) {
    rule.oifindex = -1;
    rule.oifname = nlaGetString(oif).slice(0, IFNAMSIZ - 1);
    const dev = net.devGetByName(rule.oifname);
    if (dev) rule.oifindex = dev.ifindex;
  }
  const fwmark = tb[FRA_FWMARK];
  if (fwmark) {
    rule.mark = nlaGetU32(fwmark);
    // compatibility: if the mark value is non-zero all bits are compared unless a mask is given
    if (rule.mark) rule.markMask = 0xffffffff;
  }
  const fwmask = tb[FRA_FWMASK];
  if (fwmask) rule.markMask = nlaGetU32(fwmask);
  const tun = tb[FRA_TUN_ID];
  if (tun) {
    let v = 0n;
    for (let i = 0; i < 8; i++) v = (v << 8n) | BigInt(tun.data[i] ?? 0);
    rule.tunId = v;
  }
  const l3 = tb[FRA_L3MDEV];
  if (l3) {
    // tuxnet has no l3mdev (VRF) devices: Linux without CONFIG_NET_L3_MASTER_DEV answers this.
    extack.msg = 'l3mdev support is not enabled in kernel';
    return -EINVAL;
  }
  rule.action = frh.action;
  rule.flags = frh.flags;
  rule.table = frhGetTable(frh, tb);
  const spl = tb[FRA_SUPPRESS_PREFIXLEN];
  rule.suppressPrefixlen = spl ? nlaGetU32(spl) | 0 : -1;
  const sig = tb[FRA_SUPPRESS_IFGROUP];
  rule.suppressIfgroup = sig ? nlaGetU32(sig) | 0 : -1;
  const gotoAttr = tb[FRA_GOTO];
  if (gotoAttr) {
    if (rule.action !== FR_ACT_GOTO) {
      extack.msg = 'Unexpected goto';
      return -EINVAL;
    }
    rule.target = nlaGetU32(gotoAttr);
    // Backward jumps are prohibited to avoid endless loops
    if (rule.target <= rule.pref) {
      extack.msg = 'Backward goto not supported';
      return -EINVAL;
    }
  } else if (rule.action === FR_ACT_GOTO) {
    extack.msg = 'Missing goto target for action goto';
    return -EINVAL;
  }
  const uid = tb[FRA_UID_RANGE];
  if (uid) {
    const r = fibRuleUidRangeParse(uid.data);
    rule.uidStart = r.start;
    rule.uidEnd = r.end;
    if (!uidRangeSet(rule) || rule.uidStart > rule.uidEnd) {
      extack.msg = 'Invalid uid range';
      return -EINVAL;
    }
  }
  const ipp = tb[FRA_IP_PROTO];
  if (ipp) rule.ipProto = nlaGetU8(ipp);
  const sp = tb[FRA_SPORT_RANGE];
  if (sp) {
    const r = fibRulePortRangeParse(sp.data);
    if (!portRangeValid(r.start, r.end)) {
      extack.msg = 'Invalid sport range';
      return -EINVAL;
    }
    rule.sportStart = r.start;
    rule.sportEnd = r.end;
  }
  const dp = tb[FRA_DPORT_RANGE];
  if (dp) {
    const r = fibRulePortRangeParse(dp.data);
    if (!portRangeValid(r.start, r.end)) {
      extack.msg = 'Invalid dport range';
      return -EINVAL;
    }
    rule.dportStart = r.start;
    rule.dportEnd = r.end;
  }
  return { rule, userPriority };
}

/** Linux: fib_rule_port_range_valid(). */
function portRangeValid(start: number, end: number): boolean {
  return start > 0 && start <= 0xffff && end > 0 && end <= 0xffff && start <= end;
}

/** Linux: rule_exists(). */
function ruleExists(ops: FibRulesOps, frh: FibRuleHdr, tb: NlaTable, rule: FibRule): boolean {
  for (const r of ops.rulesList) {
    if (r.action !== rule.action || r.table !== rule.table || r.pref !== rule.pref) continue;
    if (r.iifname !== rule.iifname || r.oifname !== rule.oifname) continue;
    if (r.mark !== rule.mark || r.suppressIfgroup !== rule.suppressIfgroup) continue;
    if (r.suppressPrefixlen !== rule.suppressPrefixlen || r.markMask !== rule.markMask) continue;
    if (r.tunId !== rule.tunId || r.l3mdev !== rule.l3mdev) continue;
    if (r.uidStart !== rule.uidStart || r.uidEnd !== rule.uidEnd) continue;
    if (r.ipProto !== rule.ipProto || r.proto !== rule.proto) continue;
    if (r.sportStart !== rule.sportStart || r.sportEnd !== rule.sportEnd) continue;
    if (r.dportStart !== rule.dportStart || r.dportEnd !== rule.dportEnd) continue;
    if (!ops.compare(r, frh, tb)) continue;
    return true;
  }
  return false;
}

/** Linux: rule_find() (the delete request's selectors; unset fields match anything). */
function ruleFind(ops: FibRulesOps, frh: FibRuleHdr, tb: NlaTable, rule: FibRule, userPriority: boolean): FibRule | null {
  for (const r of ops.rulesList) {
    if (rule.action && r.action !== rule.action) continue;
    if (rule.table && r.table !== rule.table) continue;
    if (userPriority && r.pref !== rule.pref) continue;
    if (rule.iifname && r.iifname !== rule.iifname) continue;
    if (rule.oifname && r.oifname !== rule.oifname) continue;
    if (rule.mark && r.mark !== rule.mark) continue;
    if (rule.suppressIfgroup !== -1 && r.suppressIfgroup !== rule.suppressIfgroup) continue;
    if (rule.suppressPrefixlen !== -1 && r.suppressPrefixlen !== rule.suppressPrefixlen) continue;
    if (rule.markMask && r.markMask !== rule.markMask) continue;
    if (rule.tunId && r.tunId !== rule.tunId) continue;
    if (rule.l3mdev && r.l3mdev !== rule.l3mdev) continue;
    if (uidRangeSet(rule) && (r.uidStart !== rule.uidStart || r.uidEnd !== rule.uidEnd)) continue;
    if (rule.ipProto && r.ipProto !== rule.ipProto) continue;
    if (rule.proto && r.proto !== rule.proto) continue;
    if (portRangeSet(rule.sportStart, rule.sportEnd) && (r.sportStart !== rule.sportStart || r.sportEnd !== rule.sportEnd)) continue;
    if (portRangeSet(rule.dportStart, rule.dportEnd) && (r.dportStart !== rule.dportStart || r.dportEnd !== rule.dportEnd)) continue;
    if (!ops.compare(r, frh, tb)) continue;
    return r;
  }
  return null;
}

interface ParsedRuleMsg {
  ops: FibRulesOps;
  frh: FibRuleHdr;
  tb: NlaTable;
}

/** The common start of newrule/delrule: header, ops, attributes. */
function parseRuleMsg(req: RtnlRequest): ParsedRuleMsg | number {
  const msg = req.nlh.msg;
  if (msg.length < NLMSG_HDRLEN + FIB_RULE_HDR_LEN) {
    req.extack.msg = 'Invalid msg length';
    return -EINVAL;
  }
  const frh = fibRuleHdrParse(msg, NLMSG_HDRLEN);
  const ops = lookupRulesOps(req.net, frh.family);
  if (!ops) {
    req.extack.msg = 'Rule family not supported';
    return -EAFNOSUPPORT;
  }
  const tb = nlmsgParse(msg, FIB_RULE_HDR_LEN, FRA_MAX, fibRulePolicy, req.extack);
  if (typeof tb === 'number') {
    req.extack.msg = 'Error parsing msg';
    return tb;
  }
  return { ops, frh, tb };
}

/** Linux: fib_nl_newrule(). */
export function fibNlNewrule(req: RtnlRequest): number {
  const p = parseRuleMsg(req);
  if (typeof p === 'number') return p;
  const { ops, frh, tb } = p;
  const r0 = fibNl2rule(req.net, frh, tb, ops, req.extack);
  if (typeof r0 === 'number') return r0;
  const rule = r0.rule;
  if ((req.nlh.flags & NLM_F_EXCL) && ruleExists(ops, frh, tb, rule)) return -EEXIST;
  const err = ops.configure(rule, req.net, frh, tb, req.extack);
  if (err < 0) return err;
  const list = ops.rulesList;
  for (const r of list) {
    if (r.pref === rule.target) {
      rule.ctarget = r;
      break;
    }
  }
  const unresolved = rule.ctarget === null;
  // Insert after the last rule with pref <= ours.
  let at = 0;
  while (at < list.length && list[at]!.pref <= rule.pref) at++;
  list.splice(at, 0, rule);
  if (ops.unresolvedRules) {
    // There are unresolved goto rules in the list, check if any of them point to this new rule.
    for (const r of list) {
      if (r.action === FR_ACT_GOTO && r.target === rule.pref && r.ctarget === null) {
        r.ctarget = rule;
        if (--ops.unresolvedRules === 0) break;
      }
    }
  }
  if (rule.action === FR_ACT_GOTO) {
    ops.nrGotoRules++;
    if (unresolved) ops.unresolvedRules++;
  }
  notifyRuleChange(RTM_NEWRULE, rule, ops, req.nlh.seq, req.portid, req);
  ops.flushCache(ops);
  return 0;
}

/** Linux: fib_nl_delrule(). */
export function fibNlDelrule(req: RtnlRequest): number {
  const p = parseRuleMsg(req);
  if (typeof p === 'number') return p;
  const { ops, frh, tb } = p;
  const r0 = fibNl2rule(req.net, frh, tb, ops, req.extack);
  if (typeof r0 === 'number') return r0;
  const rule = ruleFind(ops, frh, tb, r0.rule, r0.userPriority);
  if (!rule) return -ENOENT;
  if (rule.flags & FIB_RULE_PERMANENT) return -EPERM;
  const err = ops.delete(rule);
  if (err) return err;
  const list = ops.rulesList;
  const idx = list.indexOf(rule);
  list.splice(idx, 1);
  if (rule.action === FR_ACT_GOTO) {
    ops.nrGotoRules--;
    if (rule.ctarget === null) ops.unresolvedRules--;
  }
  // Goto rules pointing at it move to the next rule of the same priority, or become unresolved.
  if (ops.nrGotoRules > 0) {
    const next = list[idx];
    const n = next && next.pref === rule.pref ? next : null;
    for (const r of list) {
      if (r.ctarget !== rule) continue;
      r.ctarget = n;
      if (!n) ops.unresolvedRules++;
    }
  }
  notifyRuleChange(RTM_DELRULE, rule, ops, req.nlh.seq, req.portid, req);
  ops.flushCache(ops);
  return 0;
}

/** Linux: fib_nl_fill_rule(). */
function fibNlFillRule(b: NlMsgBuilder, rule: FibRule, portid: number, seq: number, type: number, flags: number,
  ops: FibRulesOps): void {
  const nlh = b.nlmsgPut(portid, seq, type, FIB_RULE_HDR_LEN, flags);
  const off = nlh + NLMSG_HDRLEN;
  let frhFlags = rule.flags;
  if (rule.action === FR_ACT_GOTO && rule.ctarget === null) frhFlags |= FIB_RULE_UNRESOLVED;
  if (rule.iifname && rule.iifindex === -1) frhFlags |= FIB_RULE_IIF_DETACHED;
  if (rule.oifname && rule.oifindex === -1) frhFlags |= FIB_RULE_OIF_DETACHED;
  fibRuleHdrPut(b, off, {
    family: ops.family, dstLen: 0, srcLen: 0, tos: 0,
    table: rule.table < 256 ? rule.table : RT_TABLE_COMPAT, res1: 0, res2: 0, action: rule.action, flags: frhFlags,
  });
  b.nlaPutU32(FRA_TABLE, rule.table);
  b.nlaPutU32(FRA_SUPPRESS_PREFIXLEN, rule.suppressPrefixlen);
  b.nlaPutU8(FRA_PROTOCOL, rule.proto);
  if (rule.iifname) b.nlaPutString(FRA_IIFNAME, rule.iifname);
  if (rule.oifname) b.nlaPutString(FRA_OIFNAME, rule.oifname);
  if (rule.pref) b.nlaPutU32(FRA_PRIORITY, rule.pref);
  if (rule.mark) b.nlaPutU32(FRA_FWMARK, rule.mark);
  if (rule.markMask || rule.mark) b.nlaPutU32(FRA_FWMASK, rule.markMask);
  if (rule.target) b.nlaPutU32(FRA_GOTO, rule.target);
  if (rule.tunId) {
    const t = new Uint8Array(8);
    let v = rule.tunId;
    for (let i = 7; i >= 0; i--) {
      t[i] = Number(v & 0xffn);
      v >>= 8n;
    }
    b.nlaPut(FRA_TUN_ID, t);
  }
  if (rule.l3mdev) b.nlaPutU8(FRA_L3MDEV, rule.l3mdev);
  if (uidRangeSet(rule)) b.nlaPut(FRA_UID_RANGE, fibRuleUidRangeBytes({ start: rule.uidStart, end: rule.uidEnd }));
  if (portRangeSet(rule.sportStart, rule.sportEnd)) {
    b.nlaPut(FRA_SPORT_RANGE, fibRulePortRangeBytes({ start: rule.sportStart, end: rule.sportEnd }));
  }
  if (portRangeSet(rule.dportStart, rule.dportEnd)) {
    b.nlaPut(FRA_DPORT_RANGE, fibRulePortRangeBytes({ start: rule.dportStart, end: rule.dportEnd }));
  }
  if (rule.ipProto) b.nlaPutU8(FRA_IP_PROTO, rule.ipProto);
  if (rule.suppressIfgroup !== -1) b.nlaPutU32(FRA_SUPPRESS_IFGROUP, rule.suppressIfgroup);
  ops.fill(rule, b, off);
  b.nlmsgEnd(nlh);
}

/** Linux: notify_rule_change(). */
function notifyRuleChange(event: number, rule: FibRule, ops: FibRulesOps, seq: number, portid: number,
  req: RtnlRequest | null): void {
  const b = new NlMsgBuilder(nlmsgAlign(FIB_RULE_HDR_LEN) + 256);
  try {
    fibNlFillRule(b, rule, portid, seq, event, 0, ops);
  } catch {
    rtnlSetSkErr(ops.net, ops.nlgroup, -ENOBUFS);
    return;
  }
  rtnlNotify(ops.net, b.bytes(), portid, ops.nlgroup, req ? req.nlh : null);
}

/** Linux: dump_rules(): returns true when the buffer filled up. */
function dumpRules(cb: NetlinkCallback, ops: FibRulesOps): boolean {
  const list = ops.rulesList;
  let idx = 0;
  for (; idx < list.length; idx++) {
    if (idx < cb.args[1]!) continue;
    const mark = cb.skb.len;
    fibNlFillRule(cb.skb, list[idx]!, cb.sk.portid, cb.nlh.seq, RTM_NEWRULE, NLM_F_MULTI, ops);
    if (cb.skb.overLimit()) {
      cb.skb.trim(mark);
      cb.args[1] = idx;
      return true;
    }
  }
  cb.args[1] = idx;
  return false;
}

/** Linux: fib_valid_dumprule_req() (strict checking sockets only). */
function fibValidDumpruleReq(cb: NetlinkCallback): number {
  const msg = cb.nlh.msg;
  if (msg.length < NLMSG_HDRLEN + FIB_RULE_HDR_LEN) {
    cb.extack.msg = 'Invalid header for fib rule dump request';
    return -EINVAL;
  }
  const frh = fibRuleHdrParse(msg, NLMSG_HDRLEN);
  if (frh.dstLen || frh.srcLen || frh.tos || frh.table || frh.res1 || frh.res2 || frh.action || frh.flags) {
    cb.extack.msg = 'Invalid values in header for fib rule dump request';
    return -EINVAL;
  }
  if (msg.length > NLMSG_HDRLEN + nlmsgAlign(FIB_RULE_HDR_LEN)) {
    cb.extack.msg = 'Invalid data after header in fib rule dump request';
    return -EINVAL;
  }
  return 0;
}

/** Linux: fib_nl_dumprule(). */
export function fibNlDumprule(cb: NetlinkCallback): number {
  if (cb.strictCheck) {
    const err = fibValidDumpruleReq(cb);
    if (err < 0) return err;
  }
  const family = rtnlMsgFamily(cb.nlh);
  if (family !== AF_UNSPEC) {
    const ops = lookupRulesOps(cb.net, family);
    if (!ops) return -EAFNOSUPPORT;
    return dumpRules(cb, ops) ? cb.skb.len : 0;
  }
  const all = rulesOpsList(cb.net);
  for (let idx = cb.args[0]!; idx < all.length; idx++) {
    if (dumpRules(cb, all[idx]!)) {
      cb.args[0] = idx;
      return cb.skb.len;
    }
    cb.args[1] = 0;
  }
  cb.args[0] = all.length;
  return 0;
}

/* Device events (Linux: attach_rules/detach_rules/fib_rules_event). */
function attachRules(rules: FibRule[], dev: NetDevice): void {
  for (const rule of rules) {
    if (rule.iifindex === -1 && rule.iifname === dev.name) rule.iifindex = dev.ifindex;
    if (rule.oifindex === -1 && rule.oifname === dev.name) rule.oifindex = dev.ifindex;
  }
}
function detachRules(rules: FibRule[], dev: NetDevice): void {
  for (const rule of rules) {
    if (rule.iifindex === dev.ifindex) rule.iifindex = -1;
    if (rule.oifindex === dev.ifindex) rule.oifindex = -1;
  }
}
function fibRulesEvent(event: number, dev: NetDevice): number {
  const l = dev.net.generic.get('fib_rules.ops') as FibRulesOps[] | undefined;
  if (!l) return NOTIFY_DONE;
  for (const ops of l) {
    if (event === NETDEV_REGISTER) attachRules(ops.rulesList, dev);
    else if (event === NETDEV_CHANGENAME) {
      detachRules(ops.rulesList, dev);
      attachRules(ops.rulesList, dev);
    } else if (event === NETDEV_UNREGISTER) detachRules(ops.rulesList, dev);
  }
  return NOTIFY_DONE;
}

/** Linux: fib_rules_init() (subsys_initcall): the rtnetlink handlers and the netdev notifier, once per kernel. */
export function fibRulesInit(k: Kernel): void {
  if (k.generic.has('fib_rules')) return;
  k.generic.set('fib_rules', true);
  rtnlRegister(k, AF_UNSPEC, RTM_NEWRULE, fibNlNewrule, null);
  rtnlRegister(k, AF_UNSPEC, RTM_DELRULE, fibNlDelrule, null);
  rtnlRegister(k, AF_UNSPEC, RTM_GETRULE, null, fibNlDumprule);
  k.netdevChain.register((event, dev) => fibRulesEvent(event, dev));
}

/* ------------------------------------------------------------------ */
/* IPv4 (Linux: net/ipv4/fib_rules.c)                                  */

/** Linux: fib4_rule_action(). */
function fib4RuleAction(rule: FibRule, fl: Flowi4, _flags: number, arg: FibLookupArg): number {
  switch (rule.action) {
    case FR_ACT_TO_TBL:
      break;
    case FR_ACT_UNREACHABLE:
      return -ENETUNREACH;
    case FR_ACT_PROHIBIT:
      return -EACCES;
    case FR_ACT_BLACKHOLE:
    default:
      return -EINVAL;
  }
  const tbl = fibGetTable(rule.net, rule.table);
  if (!tbl) return -EAGAIN;
  return fibTableLookup(tbl, fl, arg.result, arg.flags);
}

/** Linux: fib4_rule_suppress(). */
function fib4RuleSuppress(rule: FibRule, _flags: number, arg: FibLookupArg): boolean {
  const result = arg.result;
  const dev = result.fi !== null ? result.fi.fibNh[0]?.fibNhDev ?? null : null;
  // do not accept result if the route does not meet the required prefix length
  if (result.prefixlen <= rule.suppressPrefixlen) return true;
  // do not accept result if the route uses a device belonging to a forbidden interface group
  if (rule.suppressIfgroup !== -1 && dev !== null && dev.group === rule.suppressIfgroup) return true;
  return false;
}

/** Linux: fib4_rule_match(). */
function fib4RuleMatch(rule: FibRule, fl: Flowi4): boolean {
  const r = rule as Fib4Rule;
  if (((fl.saddr ^ r.src) & r.srcmask) !== 0 || ((fl.daddr ^ r.dst) & r.dstmask) !== 0) return false;
  if (r.tos && r.tos !== (fl.tos & INET_DSCP_MASK)) return false;
  if (rule.ipProto && rule.ipProto !== fl.proto) return false;
  if (portRangeSet(rule.sportStart, rule.sportEnd) && (fl.sport < rule.sportStart || fl.sport > rule.sportEnd)) return false;
  if (portRangeSet(rule.dportStart, rule.dportEnd) && (fl.dport < rule.dportStart || fl.dport > rule.dportEnd)) return false;
  return true;
}

/** Linux: fib_empty_table(): the first unused table id from 1. */
function fibEmptyTable(net: Net): number {
  for (let id = 1; id <= 0xffffffff; id++) {
    if (fibGetTable(net, id) === null) return fibNewTable(net, id) ? id : 0;
  }
  return 0;
}

/** Linux: fib4_rule_configure(). */
function fib4RuleConfigure(rule: FibRule, net: Net, frh: FibRuleHdr, tb: NlaTable, extack: NetlinkExtAck): number {
  const r = rule as Fib4Rule;
  if (frh.tos & ~INET_DSCP_MASK) {
    extack.msg = 'Invalid dsfield (tos): ECN bits must be 0';
    return -EINVAL;
  }
  // IPv4 currently doesn't handle high order DSCP bits correctly
  if (frh.tos & ~IPTOS_TOS_MASK) {
    extack.msg = 'Invalid tos';
    return -EINVAL;
  }
  // split local/main if they are not already split
  fibUnmerge(net);
  if (rule.table === RT_TABLE_UNSPEC && !rule.l3mdev && rule.action === FR_ACT_TO_TBL) {
    const id = fibEmptyTable(net);
    if (!id) return -ENOBUFS;
    rule.table = id;
  }
  if (frh.srcLen) r.src = nlaGetBe32(tb[FRA_SRC]!);
  if (frh.dstLen) r.dst = nlaGetBe32(tb[FRA_DST]!);
  const flow = tb[FRA_FLOW];
  if (flow) {
    r.tclassid = nlaGetU32(flow);
    if (r.tclassid) ipv4Net(net).fib.numTclassidUsers++;
  }
  r.srcLen = frh.srcLen;
  r.srcmask = inetMakeMask(r.srcLen);
  r.dstLen = frh.dstLen;
  r.dstmask = inetMakeMask(r.dstLen);
  r.tos = frh.tos;
  ipv4Net(net).fib.hasCustomRules = true;
  return 0;
}

/** Linux: fib4_rule_delete(). */
function fib4RuleDelete(rule: FibRule): number {
  const net = rule.net;
  fibUnmerge(net);
  if ((rule as Fib4Rule).tclassid) ipv4Net(net).fib.numTclassidUsers--;
  ipv4Net(net).fib.hasCustomRules = true;
  return 0;
}

/** Linux: fib4_rule_compare(). */
function fib4RuleCompare(rule: FibRule, frh: FibRuleHdr, tb: NlaTable): boolean {
  const r = rule as Fib4Rule;
  if (frh.srcLen && r.srcLen !== frh.srcLen) return false;
  if (frh.dstLen && r.dstLen !== frh.dstLen) return false;
  if (frh.tos && r.tos !== frh.tos) return false;
  const flow = tb[FRA_FLOW];
  if (flow && r.tclassid !== nlaGetU32(flow)) return false;
  if (frh.srcLen && r.src !== nlaGetBe32(tb[FRA_SRC]!)) return false;
  if (frh.dstLen && r.dst !== nlaGetBe32(tb[FRA_DST]!)) return false;
  return true;
}

/** Linux: fib4_rule_fill(). */
function fib4RuleFill(rule: FibRule, b: NlMsgBuilder, frhOff: number): void {
  const r = rule as Fib4Rule;
  b.setU8(frhOff + 1, r.dstLen);
  b.setU8(frhOff + 2, r.srcLen);
  b.setU8(frhOff + 3, r.tos);
  if (r.dstLen) b.nlaPutBe32(FRA_DST, r.dst);
  if (r.srcLen) b.nlaPutBe32(FRA_SRC, r.src);
  if (r.tclassid) b.nlaPutU32(FRA_FLOW, r.tclassid);
}

/** Linux: fib4_rules_ops_template. */
function fib4RulesOps(net: Net): FibRulesOps {
  return {
    family: AF_INET,
    addrSize: 4,
    net,
    rulesList: [],
    unresolvedRules: 0,
    nrGotoRules: 0,
    nlgroup: RTNLGRP_IPV4_RULE,
    alloc: (n) => new Fib4Rule(n),
    action: fib4RuleAction,
    suppress: fib4RuleSuppress,
    match: fib4RuleMatch,
    configure: fib4RuleConfigure,
    delete: fib4RuleDelete,
    compare: fib4RuleCompare,
    fill: fib4RuleFill,
    defaultPref: fibDefaultRulePref,
    flushCache: (ops) => rtGenidBumpIpv4(ops.net),
  };
}

/** Linux: fib4_rules_init(): the rule list with its three default rules. */
export function fib4RulesInit(net: Net): FibRulesOps {
  const ops = fib4RulesOps(net);
  fibRulesRegister(ops);
  fibDefaultRuleAdd(ops, 0, RT_TABLE_LOCAL);
  fibDefaultRuleAdd(ops, 0x7ffe, RT_TABLE_MAIN);
  fibDefaultRuleAdd(ops, 0x7fff, RT_TABLE_DEFAULT);
  return ops;
}

/** Linux: fib4_rules_exit(). */
export function fib4RulesExit(ops: FibRulesOps): void {
  fibRulesUnregister(ops);
}

/**
 * Linux: __fib_lookup(): the rules path of fib_lookup (used once custom rules
 * exist). -ESRCH (no rule answered) becomes -ENETUNREACH.
 */
export function fibLookupRules(net: Net, fl4: Flowi4, res: FibResult, flags: number): number {
  const arg: FibLookupArg = { result: res, flags, rule: null };
  let err = fibRulesLookup(ipv4Net(net).fib.rulesOps, fl4, 0, arg);
  res.tclassid = arg.rule ? (arg.rule as Fib4Rule).tclassid : 0;
  if (err === -ESRCH) err = -ENETUNREACH;
  return err;
}
