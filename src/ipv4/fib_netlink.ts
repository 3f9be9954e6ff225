/**
 * The rtnetlink side of the IPv4 FIB frontend (Linux: net/ipv4/fib_frontend.c
 * rtm_to_fib_config, inet_rtm_newroute/delroute, ip_valid_fib_dump_req,
 * inet_dump_fib) and /proc/net/route (Linux: net/ipv4/fib_trie.c
 * fib_route_seq_show). RTM_NEWROUTE/DELROUTE become a FibConfig for the trie; the
 * RTM_GETROUTE dump walks the tables in Linux's hash order with the filters of a
 * strict-checking socket, and asks route.ts for nexthop exceptions (RTM_F_CLONED).
 */
import type { Kernel, Net } from '../core/net_namespace.js';
import { AF_INET, AF_INET6 } from '../socket/socket.js';
import { EINVAL, ENOBUFS, ENODEV, ENOENT, EOPNOTSUPP, ESRCH } from '../socket/errno.js';
import {
  type NlaPolicy, type NetlinkExtAck, NLA_U8, NLA_U16, NLA_U32, NLA_NESTED, NLA_UNSPEC, NLMSG_HDRLEN, nlmsgParse,
  nlaWalk, nlaGetU16, nlaGetU32, nlaGetBe32, nlSetErrMsgAttr,
} from '../wire/netlink.js';
import {
  RTA_DST, RTA_SRC, RTA_IIF, RTA_OIF, RTA_GATEWAY, RTA_PRIORITY, RTA_PREFSRC, RTA_METRICS, RTA_MULTIPATH, RTA_FLOW,
  RTA_ENCAP_TYPE, RTA_ENCAP, RTA_UID, RTA_MARK, RTA_TABLE, RTA_IP_PROTO, RTA_SPORT, RTA_DPORT, RTA_NH_ID, RTA_VIA,
  RTA_MAX, RTMSG_LEN, RTM_F_CLONED, RTM_F_PREFIX, RTN_BROADCAST, RTN_LOCAL, RTN_MAX, RTN_MULTICAST, RTN_UNREACHABLE,
  RTN_PROHIBIT, RT_TABLE_MAIN, RTVIA_ADDR_OFF, rtmsgParse,
} from '../wire/route.js';
import { rtnlMsgFamily, type RtnlRequest } from '../netlink/rtnetlink.js';
import type { NetlinkCallback } from '../netlink/af_netlink.js';
import { FibConfig, type FibDumpFilter } from './fib_lookup.js';
import { type FibDumpExceptionsFn, fibTableInsert, fibTableDelete, fibTableDump, fibTableWalk } from './fib_trie.js';
import { fibGetTable, fibNewTable, fibNet, FIB_TABLE_HASHSZ } from './fib_frontend.js';

/** Linux: rtm_ipv4_policy. */
export const rtmIpv4Policy: NlaPolicy = {
  [RTA_DST]: { type: NLA_U32 },
  [RTA_SRC]: { type: NLA_U32 },
  [RTA_IIF]: { type: NLA_U32 },
  [RTA_OIF]: { type: NLA_U32 },
  [RTA_GATEWAY]: { type: NLA_U32 },
  [RTA_PRIORITY]: { type: NLA_U32 },
  [RTA_PREFSRC]: { type: NLA_U32 },
  [RTA_METRICS]: { type: NLA_NESTED },
  [RTA_MULTIPATH]: { type: NLA_UNSPEC, len: 8 },
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

/** Linux: LWTUNNEL_ENCAP_MAX (6.1). */
const LWTUNNEL_ENCAP_MAX = 9;

/** Linux: lwtunnel_valid_encap_type(): no lightweight tunnel types are built in. */
function lwtunnelValidEncapType(type: number, extack: NetlinkExtAck): number {
  if (type === 0 || type > LWTUNNEL_ENCAP_MAX) {
    extack.msg = 'Unknown LWT encapsulation type';
    return -EINVAL;
  }
  extack.msg = 'LWT encapsulation type not supported';
  return -EOPNOTSUPP;
}

/** Linux: fib_gw_from_via(). */
function fibGwFromVia(cfg: FibConfig, data: Uint8Array, extack: NetlinkExtAck): number {
  if (data.length < RTVIA_ADDR_OFF) {
    extack.msg = 'Invalid attribute length for RTA_VIA';
    return -EINVAL;
  }
  const family = data[0]! | (data[1]! << 8);
  const alen = data.length - RTVIA_ADDR_OFF;
  if (family === AF_INET) {
    if (alen !== 4) {
      extack.msg = 'Invalid IPv4 address in RTA_VIA';
      return -EINVAL;
    }
    cfg.fcGwFamily = AF_INET;
    cfg.fcGw4 = ((data[2]! << 24) | (data[3]! << 16) | (data[4]! << 8) | data[5]!) >>> 0;
    return 0;
  }
  if (family === AF_INET6) {
    // IPv4 routes with IPv6 gateways need the IPv6 stack (not there yet).
    extack.msg = 'IPv6 support not enabled in kernel';
    return -EINVAL;
  }
  extack.msg = 'Unsupported address family in RTA_VIA';
  return -EINVAL;
}

/** Linux: rtm_to_fib_config(). */
export function rtmToFibConfig(net: Net, req: RtnlRequest, cfg: FibConfig): number {
  const msg = req.nlh.msg;
  const extack = req.extack;
  const tb = nlmsgParse(msg, RTMSG_LEN, RTA_MAX, rtmIpv4Policy, extack);
  if (typeof tb === 'number') return tb;
  const rtm = rtmsgParse(msg, NLMSG_HDRLEN);
  if (rtm.tos & 0x03) {
    extack.msg = 'Invalid dsfield (tos): ECN bits must be 0';
    return -EINVAL;
  }
  cfg.fcTos = rtm.tos;
  cfg.fcDstLen = rtm.dstLen;
  cfg.fcTable = rtm.table;
  cfg.fcProtocol = rtm.protocol;
  cfg.fcScope = rtm.scope;
  cfg.fcType = rtm.type;
  cfg.fcFlags = rtm.flags;
  cfg.fcNlflags = req.nlh.flags;
  cfg.fcNlinfo = { nlh: req.nlh, nlNet: net, portid: req.portid };
  if (cfg.fcType > RTN_MAX) {
    extack.msg = 'Invalid route type';
    return -EINVAL;
  }
  let hasGw = false;
  let hasVia = false;
  // Linux walks the attributes in order (nlmsg_for_each_attr): a repeated one wins as it comes last.
  const start = NLMSG_HDRLEN + RTMSG_LEN;
  for (const attr of nlaWalk(msg, start, msg.length - start).attrs) {
    switch (attr.type) {
      case RTA_DST: cfg.fcDst = nlaGetBe32(attr); break;
      case RTA_OIF: cfg.fcOif = nlaGetU32(attr); break;
      case RTA_GATEWAY:
        hasGw = true;
        cfg.fcGw4 = nlaGetBe32(attr);
        if (cfg.fcGw4) cfg.fcGwFamily = AF_INET;
        break;
      case RTA_VIA: {
        hasVia = true;
        const err = fibGwFromVia(cfg, attr.data, extack);
        if (err) return err;
        break;
      }
      case RTA_PRIORITY: cfg.fcPriority = nlaGetU32(attr); break;
      case RTA_PREFSRC: cfg.fcPrefsrc = nlaGetBe32(attr); break;
      case RTA_METRICS: cfg.fcMx = attr; break;
      case RTA_MULTIPATH: cfg.fcMp = attr; break;
      case RTA_FLOW: cfg.fcFlow = nlaGetU32(attr); break;
      case RTA_TABLE: cfg.fcTable = nlaGetU32(attr); break;
      case RTA_ENCAP: cfg.fcEncap = attr; break;
      case RTA_ENCAP_TYPE: {
        cfg.fcEncapType = nlaGetU16(attr);
        const err = lwtunnelValidEncapType(cfg.fcEncapType, extack);
        if (err < 0) return err;
        break;
      }
      case RTA_NH_ID: cfg.fcNhId = nlaGetU32(attr); break;
      default: break;
    }
  }
  if (cfg.fcNhId) {
    if (cfg.fcOif || cfg.fcGwFamily || cfg.fcEncap || cfg.fcMp) {
      extack.msg = 'Nexthop specification and nexthop id are mutually exclusive';
      return -EINVAL;
    }
  }
  if (hasGw && hasVia) {
    extack.msg = 'Nexthop configuration can not contain both GATEWAY and VIA';
    return -EINVAL;
  }
  if (!cfg.fcTable) cfg.fcTable = RT_TABLE_MAIN;
  return 0;
}

/** Linux: inet_rtm_delroute(). */
export function inetRtmDelroute(req: RtnlRequest): number {
  const net = req.net;
  const cfg = new FibConfig(net);
  const err = rtmToFibConfig(net, req, cfg);
  if (err < 0) return err;
  if (cfg.fcNhId) {
    // nexthop objects (RTM_NEWNEXTHOP) are not implemented: no id exists.
    req.extack.msg = 'Nexthop id does not exist';
    return -EINVAL;
  }
  const tb = fibGetTable(net, cfg.fcTable);
  if (!tb) {
    req.extack.msg = 'FIB table does not exist';
    return -ESRCH;
  }
  return fibTableDelete(net, tb, cfg, req.extack);
}

/** Linux: inet_rtm_newroute(). */
export function inetRtmNewroute(req: RtnlRequest): number {
  const net = req.net;
  const cfg = new FibConfig(net);
  const err0 = rtmToFibConfig(net, req, cfg);
  if (err0 < 0) return err0;
  const tb = fibNewTable(net, cfg.fcTable);
  if (!tb) return -ENOBUFS;
  const err = fibTableInsert(net, tb, cfg, req.extack);
  if (!err && cfg.fcType === RTN_LOCAL) fibNet(net).hasCustomLocalRoutes = true;
  return err;
}

function newDumpFilter(): FibDumpFilter {
  return { table: 0, dumpRoutes: true, dumpExceptions: true, filterSet: false, rtType: 0, protocol: 0, dev: null, flags: 0 };
}

/** Linux: ip_valid_fib_dump_req() (sockets with NETLINK_GET_STRICT_CHK). */
export function ipValidFibDumpReq(net: Net, cb: NetlinkCallback, filter: FibDumpFilter): number {
  const extack = cb.extack;
  const msg = cb.nlh.msg;
  if (msg.length < NLMSG_HDRLEN + RTMSG_LEN) {
    extack.msg = 'Invalid header for FIB dump request';
    return -EINVAL;
  }
  const rtm = rtmsgParse(msg, NLMSG_HDRLEN);
  if (rtm.dstLen || rtm.srcLen || rtm.tos || rtm.scope) {
    extack.msg = 'Invalid values in header for FIB dump request';
    return -EINVAL;
  }
  if (rtm.flags & ~(RTM_F_CLONED | RTM_F_PREFIX)) {
    extack.msg = 'Invalid flags for FIB dump request';
    return -EINVAL;
  }
  if (rtm.flags & RTM_F_CLONED) filter.dumpRoutes = false;
  else filter.dumpExceptions = false;
  filter.flags = rtm.flags;
  filter.protocol = rtm.protocol;
  filter.rtType = rtm.type;
  filter.table = rtm.table;
  const tb = nlmsgParse(msg, RTMSG_LEN, RTA_MAX, rtmIpv4Policy, extack, true);
  if (typeof tb === 'number') return tb;
  for (let i = 0; i <= RTA_MAX; i++) {
    const a = tb[i];
    if (!a) continue;
    if (i === RTA_TABLE) filter.table = nlaGetU32(a);
    else if (i === RTA_OIF) {
      filter.dev = net.devGetByIndex(nlaGetU32(a));
      if (!filter.dev) return -ENODEV;
    } else {
      nlSetErrMsgAttr(extack, a, 'Unsupported attribute in dump request');
      extack.badAttrOffset = undefined;
      return -EINVAL;
    }
  }
  if (filter.flags || filter.protocol || filter.rtType || filter.table || filter.dev) filter.filterSet = true;
  return 0;
}

/** The nexthop-exception dumper route.ts installs (Linux: fib_dump_info_fnhe). */
export function fibSetDumpExceptions(k: Kernel, fn: FibDumpExceptionsFn | null): void {
  k.generic.set('ipv4.fib_dump_exceptions', fn);
}
function dumpExceptionsFn(k: Kernel): FibDumpExceptionsFn | null {
  return (k.generic.get('ipv4.fib_dump_exceptions') as FibDumpExceptionsFn | null | undefined) ?? null;
}

/** Linux: inet_dump_fib(): the RTM_GETROUTE dump over every table (or the one asked for). */
export function inetDumpFib(cb: NetlinkCallback): number {
  const net = cb.net;
  const skb = cb.skb;
  const filter = newDumpFilter();
  if (cb.strictCheck) {
    const err = ipValidFibDumpReq(net, cb, filter);
    if (err < 0) return err;
  } else if (cb.nlh.msg.length >= NLMSG_HDRLEN + RTMSG_LEN) {
    filter.flags = rtmsgParse(cb.nlh.msg, NLMSG_HDRLEN).flags & (RTM_F_PREFIX | RTM_F_CLONED);
  }
  // ipv4 does not use prefix flag
  if (filter.flags & RTM_F_PREFIX) return skb.len;
  const fnhe = dumpExceptionsFn(net.kernel);
  if (filter.table) {
    const tb = fibGetTable(net, filter.table);
    if (!tb) {
      if (rtnlMsgFamily(cb.nlh) !== AF_INET) return skb.len;
      cb.extack.msg = 'ipv4: FIB table does not exist';
      return -ENOENT;
    }
    const err = fibTableDump(tb, skb, cb, filter, fnhe);
    return skb.len ? skb.len : err;
  }
  const hash = fibNet(net).tableHash;
  const sH = cb.args[0]!;
  let sE = cb.args[1]!;
  let dumped = false;
  let h = sH;
  let e = 0;
  for (; h < FIB_TABLE_HASHSZ; h++, sE = 0) {
    e = 0;
    for (const tb of hash[h]!) {
      if (e < sE) {
        e++;
        continue;
      }
      if (dumped) for (let i = 2; i < cb.args.length; i++) cb.args[i] = 0;
      const err = fibTableDump(tb, skb, cb, filter, fnhe);
      if (err < 0) {
        cb.args[1] = e;
        cb.args[0] = h;
        return skb.len ? skb.len : err;
      }
      dumped = true;
      e++;
    }
  }
  cb.args[1] = e;
  cb.args[0] = h;
  return skb.len;
}

/* ------------------------------------------------------------------ */
/* /proc/net/route                                                     */

const RTF_UP = 0x0001;
const RTF_GATEWAY = 0x0002;
const RTF_HOST = 0x0004;
const RTF_REJECT = 0x0200;

/** A u32 as Linux prints a __be32 with %08X on a little-endian host. */
function hexBe32(v: number): string {
  const sw = (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;
  return sw.toString(16).toUpperCase().padStart(8, '0');
}

/** Linux: fib_route_seq_show() (net/ipv4/fib_trie.c): the main table in the old fib_hash format. */
export function procNetRoute(net: Net): string {
  let out = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT'.padEnd(127) + '\n';
  const tb = fibGetTable(net, RT_TABLE_MAIN);
  if (!tb) return out;
  fibTableWalk(tb, (prefix, plen, fa) => {
    if (fa.faType === RTN_BROADCAST || fa.faType === RTN_MULTICAST) return;
    if (fa.tbId !== tb.tbId) return;
    const fi = fa.faInfo;
    const mask = plen === 0 ? 0 : (0xffffffff << (32 - plen)) >>> 0;
    const nh = fi.fibNh[0];
    let flags = RTF_UP;
    if (fa.faType === RTN_UNREACHABLE || fa.faType === RTN_PROHIBIT) flags |= RTF_REJECT;
    if (nh && nh.fibNhGw4) flags |= RTF_GATEWAY;
    if (mask === 0xffffffff) flags |= RTF_HOST;
    const gw = nh && nh.fibNhGwFamily === AF_INET ? nh.fibNhGw4 : 0;
    const name = nh && nh.fibNhDev ? nh.fibNhDev.name : '*';
    const line = `${name}\t${hexBe32(prefix)}\t${hexBe32(gw)}\t${flags.toString(16).toUpperCase().padStart(4, '0')}\t0\t0\t` +
      `${fi.fibPriority >>> 0}\t${hexBe32(mask)}\t${fi.fibAdvmss ? fi.fibAdvmss + 40 : 0}\t${fi.fibWindow}\t${fi.fibRtt >>> 3}`;
    out += line.padEnd(127) + '\n';
  });
  return out;
}

