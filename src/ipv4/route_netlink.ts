/**
 * Routes over rtnetlink (Linux: net/ipv4/route.c inet_rtm_getroute, rt_fill_info,
 * fib_dump_info_fnhe; net/core/rtnetlink.c rtnl_put_cacheinfo, rtnetlink_put_metrics).
 *
 * A non-dump RTM_GETROUTE is `ip route get`: the request is turned into a dummy
 * packet (IP header plus a UDP/TCP/ICMP header for the ports) and sent through the
 * real output lookup (or, with RTA_IIF, the real input lookup, as if it had arrived
 * on that device); the answer is the resulting route as an RTM_NEWROUTE with
 * RTM_F_CLONED, its RTCF_* flags in the high bits of rtm_flags (iproute2 prints them
 * as `<local,brd,redirect...>`), and RTA_CACHEINFO (expiry of a learned PMTU or
 * redirect, the error of a reject route). With RTM_F_FIB_MATCH the matching FIB
 * entry is returned instead. The dump of RTM_GETROUTE belongs to fib_frontend.ts; it
 * calls `fibDumpInfoFnhe` for `ip route show cache` (RTM_F_CLONED).
 */
import type { Net } from '../core/net_namespace.js';
import { allocSkb, skbPut, skbReserve, type SkBuff } from '../core/skbuff.js';
import { EINVAL, EHOSTUNREACH, EMSGSIZE, ENODEV, EOPNOTSUPP } from '../socket/errno.js';
import { AF_INET } from '../socket/socket.js';
import {
  type NlaPolicy, type NlaTable, type NetlinkExtAck, NlMsgBuilder, NLA_NESTED, NLA_U16, NLA_U32, NLA_U8,
  nlaGetBe16, nlaGetBe32, nlaGetU32, nlaGetU8, nlmsgParse, NLMSG_HDRLEN,
} from '../wire/netlink.js';
import { RTM_NEWROUTE } from '../wire/rtnetlink.js';
import {
  RTA_CACHEINFO, RTA_DPORT, RTA_DST, RTA_FLOW, RTA_GATEWAY, RTA_IIF, RTA_IP_PROTO, RTA_MARK, RTA_METRICS,
  RTA_NH_ID, RTA_OIF, RTA_PREFSRC, RTA_SPORT, RTA_SRC, RTA_TABLE, RTA_UID, RTAX_CC_ALGO, RTAX_FEATURES, RTAX_LOCK,
  RTAX_MAX, RTAX_MTU, RTM_F_CLONED, RTM_F_FIB_MATCH, RTM_F_LOOKUP_TABLE, RTM_F_NOTIFY, RTNH_F_DEAD, RTPROT_UNSPEC,
  RT_SCOPE_UNIVERSE, RT_TABLE_COMPAT, RT_TABLE_MAIN, RTA_MULTIPATH, RTA_ENCAP_TYPE, RTA_ENCAP, RTA_PRIORITY,
} from '../wire/route.js';
import { ETH_P_IP } from '../wire/ethhdr.js';
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, writeU32 } from '../wire/iphdr.js';
import { ICMP_ECHO } from '../wire/icmphdr.js';
import { NETLINK_F_STRICT_CHK } from '../netlink/af_netlink.js';
import type { NetlinkCallback } from '../netlink/af_netlink.js';
import { type RtnlRequest, rtnlUnicast } from '../netlink/rtnetlink.js';
import { IPCB, IPSKB_DOREDIRECT } from './ip.js';
import { Flowi4, type Rtable, RTCF_DOREDIRECT, RTCF_NOTIFY, skbRtable } from './rtable.js';
import { type FibInfo, FibResult, fibProps } from './fib_lookup.js';
import { INET_DSCP_MASK, LOOPBACK_IFINDEX, fnheEntries, rtIsCached, rtNet } from './route.js';
import { ipRouteInputRcu } from './route_input.js';
import { ipRouteOutputKeyHashRcu } from './route_output.js';
import { fibDumpInfo } from './fib_semantics.js';

/** struct rtmsg is 12 bytes. */
const RTMSG_LEN = 12;
/** Linux: INVALID_UID as the u32 RTA_UID would carry it. */
const INVALID_UID = 0xffffffff;
/** USER_HZ (clock_t units of RTA_CACHEINFO) and the jiffy length. */
const USER_HZ = 100;
const NS_PER_JIFFY = 4_000_000;
/** Linux: RTAX_FEATURE_MASK. */
const RTAX_FEATURE_MASK = 0x1f;

/** Linux: rtm_ipv4_policy (fib_frontend.c). */
export const rtmIpv4Policy: NlaPolicy = {
  [RTA_DST]: { type: NLA_U32 },
  [RTA_SRC]: { type: NLA_U32 },
  [RTA_IIF]: { type: NLA_U32 },
  [RTA_OIF]: { type: NLA_U32 },
  [RTA_GATEWAY]: { type: NLA_U32 },
  [RTA_PRIORITY]: { type: NLA_U32 },
  [RTA_PREFSRC]: { type: NLA_U32 },
  [RTA_METRICS]: { type: NLA_NESTED },
  [RTA_MULTIPATH]: { type: 0, len: 8 },
  [RTA_FLOW]: { type: NLA_U32 },
  [RTA_ENCAP_TYPE]: { type: NLA_U16 },
  [RTA_ENCAP]: { type: NLA_NESTED },
  [RTA_UID]: { type: NLA_U32 },
  [RTA_MARK]: { type: NLA_U32 },
  [RTA_TABLE]: { type: NLA_U32 },
  [RTA_IP_PROTO]: { type: NLA_U8 },
  [RTA_SPORT]: { type: NLA_U16 },
  [RTA_DPORT]: { type: NLA_U16 },
  [RTA_NH_ID]: { type: NLA_U32 },
};

function nowJiffies(net: Net): number {
  return Math.floor(net.kernel.clock.now() / NS_PER_JIFFY);
}

/** Linux: jiffies_to_clock_t() at HZ 250 / USER_HZ 100. */
function jiffiesToClockT(j: number): number {
  return Math.floor(j * USER_HZ / 250);
}

/** An IPv4 address attribute (Linux: nla_put_in_addr: 4 bytes in network order, no byte-order flag). */
function putInAddr(b: NlMsgBuilder, type: number, addr: number): void {
  const a = new Uint8Array(4);
  writeU32(a, 0, addr >>> 0);
  b.nlaPut(type, a);
}

/** Linux: rtnetlink_put_metrics(): only the metrics that are set; nothing when none is. */
function putMetrics(b: NlMsgBuilder, metrics: Uint32Array): void {
  const mark = b.len;
  const mx = b.nlaNestStartNoflag(RTA_METRICS);
  let valid = 0;
  for (let i = 1; i <= RTAX_MAX; i++) {
    let v = metrics[i] ?? 0;
    if (!v) continue;
    if (i === RTAX_CC_ALGO) continue; // congestion control names come with TCP
    if (i === RTAX_FEATURES) {
      v &= RTAX_FEATURE_MASK;
      if (!v) continue;
    }
    b.nlaPutU32(i, v);
    valid++;
  }
  if (!valid) b.trim(mark);
  else b.nlaNestEnd(mx);
}

/** What rt_fill_info needs to know besides the route. */
export interface RtFillCtx {
  net: Net;
  dst: number;
  src: number;
  tableId: number;
  tos: number;
  /** The lookup's flow (null for the exception dump). */
  fl4: Flowi4 | null;
  /** IPCB flags of the lookup's skb (IPSKB_DOREDIRECT). */
  ipcbFlags: number;
  portid: number;
  seq: number;
  flags: number;
  /** Reference count to report (rta_clntref). */
  users: number;
}

/**
 * Linux: rt_fill_info(): one RTM_NEWROUTE describing `rt`. Returns 0 or -EMSGSIZE
 * (message cancelled) when `b` is over its limit.
 */
export function rtFillInfo(b: NlMsgBuilder, rt: Rtable, c: RtFillCtx): number {
  const start = b.len;
  const nlh = b.nlmsgPut(c.portid, c.seq, RTM_NEWROUTE, RTMSG_LEN, c.flags);
  const r = nlh + NLMSG_HDRLEN;
  b.setU8(r, AF_INET);
  b.setU8(r + 1, 32);
  b.setU8(r + 2, 0);
  b.setU8(r + 3, c.tos);
  b.setU8(r + 4, c.tableId < 256 ? c.tableId : RT_TABLE_COMPAT);
  b.nlaPutU32(RTA_TABLE, c.tableId);
  b.setU8(r + 7, rt.rtType);
  b.setU8(r + 6, RT_SCOPE_UNIVERSE);
  b.setU8(r + 5, RTPROT_UNSPEC);
  let rtmFlags = ((rt.rtFlags & ~0xffff) | RTM_F_CLONED) >>> 0;
  if (rt.rtFlags & RTCF_NOTIFY) rtmFlags |= RTM_F_NOTIFY;
  if (c.ipcbFlags & IPSKB_DOREDIRECT) rtmFlags = (rtmFlags | RTCF_DOREDIRECT) >>> 0;
  b.setU32(r + 8, rtmFlags);

  putInAddr(b, RTA_DST, c.dst);
  if (c.src) {
    b.setU8(r + 2, 32);
    putInAddr(b, RTA_SRC, c.src);
  }
  if (rt.dev !== null) b.nlaPutU32(RTA_OIF, rt.dev.ifindex);
  if (rt.tclassid) b.nlaPutU32(RTA_FLOW, rt.tclassid);
  if (c.fl4 !== null && !rt.rtIsInput && c.fl4.saddr !== c.src) putInAddr(b, RTA_PREFSRC, c.fl4.saddr);
  if (rt.rtUsesGateway && rt.rtGwFamily === AF_INET) putInAddr(b, RTA_GATEWAY, rt.rtGw4);

  let expires = 0;
  if (rt.expires) {
    const now = nowJiffies(c.net);
    const exp = Math.floor(rt.expires / NS_PER_JIFFY);
    expires = now < exp ? exp - now : 0;
  }
  const metrics = Uint32Array.from(rt.metrics);
  if (rt.rtPmtu && expires) metrics[RTAX_MTU] = rt.rtPmtu;
  if (rt.rtMtuLocked && expires) metrics[RTAX_LOCK] = (metrics[RTAX_LOCK]! | (1 << RTAX_MTU)) >>> 0;
  putMetrics(b, metrics);

  if (c.fl4 !== null) {
    if (c.fl4.mark) b.nlaPutU32(RTA_MARK, c.fl4.mark);
    if ((c.fl4.uid >>> 0) !== INVALID_UID) b.nlaPutU32(RTA_UID, c.fl4.uid);
    if (rt.rtIsInput) b.nlaPutU32(RTA_IIF, c.fl4.iif);
  }

  // Linux: rtnl_put_cacheinfo(skb, &rt->dst, 0, expires, rt->dst.error).
  const ci = new Uint8Array(32);
  const v = new DataView(ci.buffer);
  const lastuse = nowJiffies(c.net) - Math.floor(rt.lastuse / NS_PER_JIFFY);
  v.setUint32(0, c.users, true); // rta_clntref
  v.setUint32(4, jiffiesToClockT(Math.max(0, lastuse)), true); // rta_lastuse
  v.setInt32(8, Math.min(jiffiesToClockT(expires), 0x7fffffff), true); // rta_expires
  v.setUint32(12, rt.error >>> 0, true); // rta_error
  v.setUint32(16, 0, true); // rta_used (dst->__use is not counted for IPv4)
  b.nlaPut(RTA_CACHEINFO, ci);
  b.nlmsgEnd(nlh);
  if (b.overLimit()) {
    b.trim(start);
    return -EMSGSIZE;
  }
  return 0;
}

/**
 * Linux: fib_dump_info_fnhe(): the exceptions of `fi`'s nexthops that have a route
 * bound to them, as RTM_NEWROUTE messages (`ip route show cache`). `faIndex`
 * counts entries across calls; those before `faStart` were sent in an earlier
 * round. Returns 0, or -EMSGSIZE when the buffer is full (resume from faIndex).
 */
export function fibDumpInfoFnhe(b: NlMsgBuilder, cb: NetlinkCallback, tableId: number, fi: FibInfo,
  faIndex: { value: number }, faStart: number, flags: number): number {
  const net = cb.net;
  const genid = rtNet(net).fnheGenid;
  const now = net.kernel.clock.now();
  for (const nh of fi.fibNh) {
    if (nh.fibNhFlags & RTNH_F_DEAD) continue;
    for (const fnhe of fnheEntries(nh)) {
      if (faIndex.value >= faStart && fnhe.fnheGenid === genid && !(fnhe.fnheExpires && now > fnhe.fnheExpires)) {
        const rt = fnhe.fnheRthInput ?? fnhe.fnheRthOutput;
        if (rt !== null) {
          const err = rtFillInfo(b, rt, {
            net, dst: fnhe.fnheDaddr, src: 0, tableId, tos: 0, fl4: null, ipcbFlags: 0,
            portid: cb.sk.portid, seq: cb.nlh.seq, flags, users: 1,
          });
          if (err) return err;
        }
      }
      faIndex.value++;
    }
  }
  return 0;
}

/** Linux: inet_rtm_getroute_build_skb(): the dummy packet a `ip route get` routes. */
function inetRtmGetrouteBuildSkb(src: number, dst: number, ipProto: number, sport: number, dport: number): SkBuff {
  const skb = allocSkb(256);
  skbReserve(skb, 64);
  skb.macHeader = skb.data;
  skb.networkHeader = skb.data;
  skb.protocol = ETH_P_IP;
  const iph = skbPut(skb, 20);
  const buf = skb.buf;
  buf[iph] = 0x45;
  buf[iph + 9] = ipProto;
  writeU32(buf, iph + 12, src);
  writeU32(buf, iph + 16, dst);
  skb.transportHeader = skb.tail;
  if (ipProto === IPPROTO_UDP) {
    const u = skbPut(skb, 8);
    buf[u] = sport >> 8; buf[u + 1] = sport & 0xff;
    buf[u + 2] = dport >> 8; buf[u + 3] = dport & 0xff;
    buf[u + 5] = 8;
  } else if (ipProto === IPPROTO_TCP) {
    const t = skbPut(skb, 20);
    buf[t] = sport >> 8; buf[t + 1] = sport & 0xff;
    buf[t + 2] = dport >> 8; buf[t + 3] = dport & 0xff;
    buf[t + 12] = 5 << 4;
    buf[t + 13] = 0x04; // RST
  } else if (ipProto === IPPROTO_ICMP) {
    const i = skbPut(skb, 8);
    buf[i] = ICMP_ECHO;
  }
  return skb;
}

/** Linux: rtm_getroute_parse_ip_proto(). */
function rtmGetrouteParseIpProto(proto: number, extack: NetlinkExtAck): number {
  if (proto === IPPROTO_TCP || proto === IPPROTO_UDP || proto === IPPROTO_ICMP) return 0;
  extack.msg = 'Unsupported ip proto';
  return -EOPNOTSUPP;
}

/** Linux: inet_rtm_valid_getroute_req(). */
function inetRtmValidGetrouteReq(req: RtnlRequest): NlaTable | number {
  const msg = req.nlh.msg;
  const extack = req.extack;
  if (msg.length < NLMSG_HDRLEN + RTMSG_LEN) {
    extack.msg = 'ipv4: Invalid header for route get request';
    return -EINVAL;
  }
  if (!(req.sk.flags & NETLINK_F_STRICT_CHK)) return nlmsgParse(msg, RTMSG_LEN, RTA_NH_ID, rtmIpv4Policy, extack);
  const r = NLMSG_HDRLEN;
  const srcLen = msg[r + 2]!;
  const dstLen = msg[r + 1]!;
  if ((srcLen && srcLen !== 32) || (dstLen && dstLen !== 32) || msg[r + 4] || msg[r + 5] || msg[r + 6] || msg[r + 7]) {
    extack.msg = 'ipv4: Invalid values in header for route get request';
    return -EINVAL;
  }
  const rtmFlags = new DataView(msg.buffer, msg.byteOffset + r + 8, 4).getUint32(0, true);
  if (rtmFlags & ~(RTM_F_NOTIFY | RTM_F_LOOKUP_TABLE | RTM_F_FIB_MATCH)) {
    extack.msg = 'ipv4: Unsupported rtm_flags for route get request';
    return -EINVAL;
  }
  const tb = nlmsgParse(msg, RTMSG_LEN, RTA_NH_ID, rtmIpv4Policy, extack, true);
  if (typeof tb === 'number') return tb;
  if ((tb[RTA_SRC] && !srcLen) || (tb[RTA_DST] && !dstLen)) {
    extack.msg = 'ipv4: rtm_src_len and rtm_dst_len must be 32 for IPv4';
    return -EINVAL;
  }
  for (let i = 0; i < tb.length; i++) {
    if (!tb[i]) continue;
    switch (i) {
      case RTA_IIF: case RTA_OIF: case RTA_SRC: case RTA_DST: case RTA_IP_PROTO:
      case RTA_SPORT: case RTA_DPORT: case RTA_MARK: case RTA_UID:
        break;
      default:
        extack.msg = 'ipv4: Unsupported attribute in route get request';
        return -EINVAL;
    }
  }
  return tb;
}

/** Linux: inet_rtm_getroute(): `ip route get`. */
export function inetRtmGetroute(req: RtnlRequest): number {
  const net = req.net;
  const tb = inetRtmValidGetrouteReq(req);
  if (typeof tb === 'number') return tb;
  const msg = req.nlh.msg;
  const r = NLMSG_HDRLEN;
  const rtmTos = msg[r + 3]!;
  const rtmFlags = new DataView(msg.buffer, msg.byteOffset + r + 8, 4).getUint32(0, true);
  let tableId = RT_TABLE_MAIN;
  const src = tb[RTA_SRC] ? nlaGetBe32(tb[RTA_SRC]) : 0;
  const dst = tb[RTA_DST] ? nlaGetBe32(tb[RTA_DST]) : 0;
  const iif = tb[RTA_IIF] ? nlaGetU32(tb[RTA_IIF]) : 0;
  const mark = tb[RTA_MARK] ? nlaGetU32(tb[RTA_MARK]) : 0;
  // current_uid(): the requesting process; tasks here run as root.
  const uid = tb[RTA_UID] ? nlaGetU32(tb[RTA_UID]) : iif ? INVALID_UID : 0;
  let ipProto = IPPROTO_UDP;
  if (tb[RTA_IP_PROTO]) {
    ipProto = nlaGetU8(tb[RTA_IP_PROTO]);
    const err = rtmGetrouteParseIpProto(ipProto, req.extack);
    if (err) return err;
  }
  const sport = tb[RTA_SPORT] ? nlaGetBe16(tb[RTA_SPORT]) : 0;
  const dport = tb[RTA_DPORT] ? nlaGetBe16(tb[RTA_DPORT]) : 0;
  const skb = inetRtmGetrouteBuildSkb(src, dst, ipProto, sport, dport);

  const fl4 = new Flowi4();
  fl4.daddr = dst;
  fl4.saddr = src;
  fl4.tos = rtmTos & INET_DSCP_MASK;
  fl4.oif = tb[RTA_OIF] ? nlaGetU32(tb[RTA_OIF]) : 0;
  fl4.mark = mark;
  fl4.uid = uid;
  fl4.sport = sport;
  fl4.dport = dport;
  fl4.proto = ipProto;

  const res = new FibResult();
  let rt: Rtable;
  let fresh: boolean;
  rtNet(net).lastAlloc = null;
  if (iif) {
    const dev = net.devGetByIndex(iif);
    if (dev === null) return -ENODEV;
    fl4.iif = iif; // for rt_fill_info
    skb.dev = dev;
    skb.mark = mark;
    const reason = ipRouteInputRcu(skb, dst, src, rtmTos & INET_DSCP_MASK, dev, res);
    if (reason) return -EINVAL;
    rt = skbRtable(skb)!;
    if (rt.error) return -rt.error;
    fresh = rtNet(net).lastAlloc === rt;
  } else {
    fl4.iif = LOOPBACK_IFINDEX;
    skb.dev = net.loopbackDev;
    const out = ipRouteOutputKeyHashRcu(net, fl4, res, skb);
    if (typeof out === 'number') return out;
    rt = out;
    skb.dst = rt;
    fresh = true; // the skb holds a reference of its own
  }
  if (rtmFlags & RTM_F_NOTIFY) rt.rtFlags = (rt.rtFlags | RTCF_NOTIFY) >>> 0;
  if (rtmFlags & RTM_F_LOOKUP_TABLE) tableId = res.table !== null ? fibTableId(res) : 0;

  const b = new NlMsgBuilder(512);
  let err: number;
  if (rtmFlags & RTM_F_FIB_MATCH) {
    if (res.fi === null) {
      err = fibProps[res.type]?.error ?? 0;
      return err || -EHOSTUNREACH;
    }
    err = fibDumpInfo(b, req.portid, req.nlh.seq, RTM_NEWROUTE,
      { fi: res.fi, tbId: tableId, dst: res.prefix, dstLen: res.prefixlen, tos: resDscp(res), type: rt.rtType, offload: false, trap: false }, 0);
  } else {
    // Linux: the dst's refcount: the nexthop's cache and the skb, or only one of them.
    const cached = rtIsCached(res.nhc, rt);
    const users = cached ? (fresh ? 2 : 1) : 1;
    err = rtFillInfo(b, rt, {
      net, dst, src, tableId, tos: resDscp(res), fl4, ipcbFlags: IPCB(skb).flags, portid: req.portid, seq: req.nlh.seq,
      flags: 0, users,
    });
  }
  if (err < 0) return err;
  // Linux: rtnl_unicast() is 0 or -errno (netlink_unicast's length is not passed on).
  const ret = rtnlUnicast(net, b.bytes(), req.portid);
  return ret < 0 ? ret : 0;
}

/**
 * Linux: res.dscp, the tos of the FIB alias the lookup matched (0 for routes
 * without one): rtm_tos of the answer is the route's, not the request's.
 */
function resDscp(res: FibResult): number {
  if (res.fi === null) return 0;
  for (let fa = res.faHead; fa !== null; fa = fa.next) {
    if (fa.faInfo === res.fi && fa.faType === res.type && fa.faSlen === 32 - res.prefixlen) return fa.faTos;
  }
  return 0;
}

/** The id of the table the lookup matched in. */
function fibTableId(res: FibResult): number {
  return (res.table as unknown as { tbId: number }).tbId;
}
