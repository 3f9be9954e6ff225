/**
 * A route as an rtnetlink message (Linux: net/ipv4/fib_semantics.c fib_dump_info(),
 * fib_nexthop_info(), fib_add_nexthop(), rtmsg_fib(); net/core/rtnetlink.c
 * rtnetlink_put_metrics()). The attributes come in Linux's order, so iproute2 prints
 * the same text: rtmsg, RTA_TABLE, RTA_DST, RTA_PRIORITY, RTA_METRICS, RTA_PREFSRC,
 * then RTA_GATEWAY/RTA_OIF/RTA_FLOW for one nexthop or RTA_MULTIPATH for several.
 * fib_semantics.ts re-exports these (they are fib_semantics.c functions in Linux).
 */
import type { Net } from '../core/net_namespace.js';
import { AF_INET } from '../socket/socket.js';
import { EMSGSIZE } from '../socket/errno.js';
import { NlMsgBuilder, NLM_F_ECHO, NLMSG_HDRLEN } from '../wire/netlink.js';
import { RTNLGRP_IPV4_ROUTE } from '../wire/rtnetlink.js';
import {
  RTA_DST, RTA_FLOW, RTA_GATEWAY, RTA_METRICS, RTA_MULTIPATH, RTA_OIF, RTA_PREFSRC, RTA_PRIORITY, RTA_TABLE,
  RTAX_CC_ALGO, RTAX_FEATURES, RTAX_FEATURE_MASK, RTAX_MAX, RTM_F_OFFLOAD, RTM_F_TRAP, RTMSG_LEN, RTNH_F_DEAD,
  RTNH_F_LINKDOWN, RTNH_F_OFFLOAD, RTNH_F_ONLINK, RTNH_F_TRAP, RTNH_LEN, RT_TABLE_COMPAT, rtmsgPut, rtnexthopPut,
} from '../wire/route.js';
import { rtnlHasListeners, rtnlNotify } from '../netlink/rtnetlink.js';
import { inDevGet, inDevIgnoreRoutesWithLinkdown } from './inetdevice.js';
import type { FibAlias, FibInfo, FibNh, FibRtInfo, NlInfo } from './fib_lookup.js';
import { tcpCaGetNameByKey } from './metrics.js';


/** A host-order IPv4 address written so that its little-endian u32 store gives network order. */
function bswap32(v: number): number {
  return (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;
}

/** Linux: nla_put_in_addr() (no NLA_F_NET_BYTEORDER flag, unlike nla_put_be32). */
function nlaPutInAddr(skb: NlMsgBuilder, type: number, addr: number): void {
  skb.nlaPutU32(type, bswap32(addr));
}

/** Linux: ip_ignore_linkdown() (kept local: this file sits below fib_semantics.ts). */
function ignoreLinkdown(nh: FibNh): boolean {
  const inDev = inDevGet(nh.fibNhDev);
  return inDev !== null && inDevIgnoreRoutesWithLinkdown(inDev);
}

/** Linux: rtnetlink_put_metrics(): RTA_METRICS with the set metrics, nothing when none is set. */
export function rtnetlinkPutMetrics(skb: NlMsgBuilder, metrics: Uint32Array): void {
  const mx = skb.nlaNestStartNoflag(RTA_METRICS);
  let valid = 0;
  for (let i = 1; i <= RTAX_MAX; i++) {
    const v = metrics[i]!;
    if (!v) continue;
    if (i === RTAX_CC_ALGO) {
      const name = tcpCaGetNameByKey(v);
      if (name === null) continue;
      skb.nlaPutString(i, name);
    } else if (i === RTAX_FEATURES) {
      const user = v & RTAX_FEATURE_MASK;
      if (!user) continue;
      skb.nlaPutU32(i, user);
    } else {
      skb.nlaPutU32(i, v);
    }
    valid++;
  }
  if (!valid) skb.trim(mx);
  else skb.nlaNestEnd(mx);
}

/**
 * Linux: fib_nexthop_info(): RTA_GATEWAY and (unless `skipOif`) RTA_OIF of a
 * nexthop; returns the RTNH_F_* flags to report for it.
 */
function fibNexthopInfo(skb: NlMsgBuilder, nh: FibNh, skipOif: boolean): number {
  let flags = 0;
  if (nh.fibNhFlags & RTNH_F_DEAD) flags |= RTNH_F_DEAD;
  if (nh.fibNhFlags & RTNH_F_LINKDOWN) {
    flags |= RTNH_F_LINKDOWN;
    if (ignoreLinkdown(nh)) flags |= RTNH_F_DEAD;
  }
  if (nh.fibNhGwFamily === AF_INET) nlaPutInAddr(skb, RTA_GATEWAY, nh.fibNhGw4);
  flags |= nh.fibNhFlags & (RTNH_F_ONLINK | RTNH_F_OFFLOAD | RTNH_F_TRAP);
  if (!skipOif && nh.fibNhDev !== null) skb.nlaPutU32(RTA_OIF, nh.fibNhDev.ifindex);
  return flags;
}

/** Linux: fib_add_nexthop(): one struct rtnexthop with its attributes. */
function fibAddNexthop(skb: NlMsgBuilder, nh: FibNh): void {
  const at = skb.reserve(RTNH_LEN);
  const flags = fibNexthopInfo(skb, nh, true);
  if (nh.nhTclassid) skb.nlaPutU32(RTA_FLOW, nh.nhTclassid);
  rtnexthopPut(skb, at, { len: skb.len - at, flags, hops: nh.fibNhWeight - 1, ifindex: nh.fibNhDev !== null ? nh.fibNhDev.ifindex : 0 });
}

/**
 * Linux: fib_dump_info(): append one RTM_NEWROUTE/RTM_DELROUTE message for the route
 * `fri` to `skb`. 0, or -EMSGSIZE when it did not fit in skb.limit (nothing is left of it).
 */
export function fibDumpInfo(skb: NlMsgBuilder, portid: number, seq: number, event: number, fri: FibRtInfo,
  flags: number): number {
  const fi = fri.fi;
  const nhs = fi.fibNhs;
  const tbId = fri.tbId >>> 0;
  const nlh = skb.nlmsgPut(portid, seq, event, RTMSG_LEN, flags);
  let rtmFlags = fi.fibFlags;
  skb.nlaPutU32(RTA_TABLE, tbId);
  if (fri.dstLen) nlaPutInAddr(skb, RTA_DST, fri.dst);
  if (fi.fibPriority) skb.nlaPutU32(RTA_PRIORITY, fi.fibPriority);
  rtnetlinkPutMetrics(skb, fi.fibMetrics);
  if (fi.fibPrefsrc) nlaPutInAddr(skb, RTA_PREFSRC, fi.fibPrefsrc);
  if (nhs === 1) {
    const nh = fi.fibNh[0]!;
    rtmFlags = fibNexthopInfo(skb, nh, false);
    if (nh.nhTclassid) skb.nlaPutU32(RTA_FLOW, nh.nhTclassid);
  } else {
    const mp = skb.nlaNestStartNoflag(RTA_MULTIPATH);
    for (const nh of fi.fibNh) fibAddNexthop(skb, nh);
    skb.nlaNestEnd(mp);
  }
  if (fri.offload) rtmFlags |= RTM_F_OFFLOAD;
  if (fri.trap) rtmFlags |= RTM_F_TRAP;
  rtmsgPut(skb, nlh + NLMSG_HDRLEN, {
    family: AF_INET, dstLen: fri.dstLen, srcLen: 0, tos: fri.tos, table: tbId < 256 ? tbId : RT_TABLE_COMPAT,
    protocol: fi.fibProtocol, scope: fi.fibScope, type: fri.type, flags: rtmFlags,
  });
  skb.nlmsgEnd(nlh);
  if (skb.overLimit()) {
    skb.trim(nlh);
    return -EMSGSIZE;
  }
  return 0;
}

/** Linux: fib_nlmsg_size(), a room estimate for one route. */
function fibNlmsgSize(fi: FibInfo): number {
  return 16 + 12 + 5 * 8 + 20 + 4 + RTAX_MAX * 8 + fi.fibNhs * (8 + 2 * 8 + 4);
}

/**
 * Linux: rtmsg_fib(): announce a route change to RTNLGRP_IPV4_ROUTE (and echo it to
 * the requester with NLM_F_ECHO). The message is only built when someone will read it.
 */
export function rtmsgFib(event: number, key: number, fa: FibAlias, dstLen: number, tbId: number, info: NlInfo,
  nlmFlags: number): void {
  const net: Net = info.nlNet;
  const echo = info.nlh !== null && (info.nlh.flags & NLM_F_ECHO) !== 0;
  if (!echo && !rtnlHasListeners(net, RTNLGRP_IPV4_ROUTE)) return;
  const skb = new NlMsgBuilder(fibNlmsgSize(fa.faInfo));
  const seq = info.nlh !== null ? info.nlh.seq : 0;
  fibDumpInfo(skb, info.portid, seq, event,
    { fi: fa.faInfo, tbId, dst: key, dstLen, tos: fa.faTos, type: fa.faType }, nlmFlags);
  rtnlNotify(net, skb.bytes(), info.portid, RTNLGRP_IPV4_ROUTE, info.nlh);
}
