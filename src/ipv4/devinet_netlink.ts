/**
 * The rtnetlink side of IPv4 addresses (Linux: net/ipv4/devinet.c, the
 * inet_rtm_newaddr / inet_rtm_deladdr / inet_dump_ifaddr / rtmsg_ifa /
 * inet_fill_link_af half, kept apart from devinet.ts for size):
 * RTM_NEWADDR (add, or change an existing address with NLM_F_REPLACE),
 * RTM_DELADDR, the RTM_GETADDR dump (with strict-check filters by ifindex and
 * IFA_TARGET_NETNSID), RTNLGRP_IPV4_IFADDR notifications, and IFLA_INET_CONF in
 * every link message's IFLA_AF_SPEC.
 */
import type { Kernel, Net } from '../core/net_namespace.js';
import type { NetDevice } from '../core/netdevice.js';
import { AF_INET } from '../socket/socket.js';
import { EINVAL, ENODEV, ENOBUFS, EEXIST, EADDRNOTAVAIL, EMSGSIZE, ENODATA } from '../socket/errno.js';
import {
  type NlMsg, type NlaPolicy, type NlaTable, NlMsgBuilder, NLA_U8, NLA_U32, NLA_S32, NLA_STRING, NLA_UNSPEC,
  NLM_F_EXCL, NLM_F_REPLACE, NLM_F_MULTI, NLM_F_DUMP_FILTERED, NLMSG_HDRLEN, nlmsgParse, nlaGetU32, nlaGetU8,
  nlaGetS32, nlaGetString,
} from '../wire/netlink.js';
import { RTM_NEWADDR, RTM_DELADDR, RTM_GETADDR, RTNLGRP_IPV4_IFADDR } from '../wire/rtnetlink.js';
import {
  type IfaddrRepr, IFADDRMSG_LEN, IFA_MAX, IFA_LOCAL, IFA_ADDRESS, IFA_BROADCAST, IFA_LABEL, IFA_CACHEINFO,
  IFA_FLAGS, IFA_RT_PRIORITY, IFA_TARGET_NETNSID, IFA_PROTO, IFA_CACHEINFO_LEN, IFA_F_PERMANENT, IFLA_INET_CONF,
  ifaddrmsgParse, ifaddrmsgEmit, ifaddrAttrsEmit, ifaCacheinfoParse, inAddrOf,
} from '../wire/if_addr.js';
import { type InIfaddr, INFINITY_LIFE_TIME, IPV4_DEVCONF_MAX, inDevGet, inetIfaMatch, inetMakeMask } from './inetdevice.js';
import {
  inetAllocIfa, inetInsertIfaFull, inetDelIfaFull, setIfaLifetime, ipv4DevconfSetall, inetdevByIndex,
  addrChkWorkKick, devinetFibOps,
} from './devinet.js';
import { type RtnlRequest, rtnlRegister, rtnlNotify, rtnlSetSkErr } from '../netlink/rtnetlink.js';
import { rtnlAfRegister } from '../netlink/rtnl_link.js';
import type { NetlinkCallback } from '../netlink/af_netlink.js';

const IFNAMSIZ = 16;

/** Linux: ifa_ipv4_policy. */
export const ifaIpv4Policy: NlaPolicy = {
  [IFA_LOCAL]: { type: NLA_U32 },
  [IFA_ADDRESS]: { type: NLA_U32 },
  [IFA_BROADCAST]: { type: NLA_U32 },
  [IFA_LABEL]: { type: NLA_STRING, len: IFNAMSIZ - 1 },
  [IFA_CACHEINFO]: { type: NLA_UNSPEC, len: IFA_CACHEINFO_LEN },
  [IFA_FLAGS]: { type: NLA_U32 },
  [IFA_RT_PRIORITY]: { type: NLA_U32 },
  [IFA_TARGET_NETNSID]: { type: NLA_S32 },
  [IFA_PROTO]: { type: NLA_U8 },
};

/** Linux: struct inet_fill_args. */
interface InetFillArgs {
  portid: number;
  seq: number;
  event: number;
  flags: number;
  netnsid: number;
}

/** Linux: cstamp_delta(): hundredths of a second since boot. */
function cstampDelta(ns: number): number {
  return Math.floor(ns / 1e7) >>> 0;
}

/**
 * Linux: inet_fill_ifaddr(): one RTM_NEWADDR/RTM_DELADDR message. Lifetimes
 * count down from the last update (whole seconds). Returns 0 or -EMSGSIZE
 * (the partial message removed) when the buffer's limit is exceeded.
 */
export function inetFillIfaddr(skb: NlMsgBuilder, ifa: InIfaddr, args: InetFillArgs): number {
  const mark = skb.len;
  const dev = ifa.ifaDev.dev;
  let preferred = INFINITY_LIFE_TIME;
  let valid = INFINITY_LIFE_TIME;
  if (!(ifa.ifaFlags & IFA_F_PERMANENT)) {
    preferred = ifa.ifaPreferredLft;
    valid = ifa.ifaValidLft;
    if (preferred !== INFINITY_LIFE_TIME) {
      const tval = Math.floor((dev.net.kernel.clock.now() - ifa.ifaTstamp) / 1e9);
      preferred = preferred > tval ? preferred - tval : 0;
      if (valid !== INFINITY_LIFE_TIME) valid = valid > tval ? valid - tval : 0;
    }
  }
  const r: IfaddrRepr = {
    // ifm->ifa_flags is a u8: the 32-bit value goes in IFA_FLAGS.
    msg: { family: AF_INET, prefixlen: ifa.ifaPrefixlen, flags: ifa.ifaFlags & 0xff, scope: ifa.ifaScope, index: dev.ifindex },
    flags: ifa.ifaFlags >>> 0,
    cacheinfo: { prefered: preferred, valid, cstamp: cstampDelta(ifa.ifaCstamp), tstamp: cstampDelta(ifa.ifaTstamp) },
  };
  if (ifa.ifaAddress) r.address = ifa.ifaAddress;
  if (ifa.ifaLocal) r.local = ifa.ifaLocal;
  if (ifa.ifaBroadcast) r.broadcast = ifa.ifaBroadcast;
  if (ifa.ifaLabel) r.label = ifa.ifaLabel;
  if (ifa.ifaProto) r.proto = ifa.ifaProto;
  if (ifa.ifaRtPriority) r.rtPriority = ifa.ifaRtPriority;
  const nlh = skb.nlmsgPut(args.portid, args.seq, args.event, IFADDRMSG_LEN, args.flags);
  ifaddrmsgEmit(skb.buf, nlh + NLMSG_HDRLEN, r.msg);
  if (args.netnsid >= 0) skb.nlaPutS32(IFA_TARGET_NETNSID, args.netnsid);
  ifaddrAttrsEmit(skb, r);
  skb.nlmsgEnd(nlh);
  if (skb.overLimit()) {
    skb.trim(mark);
    return -EMSGSIZE;
  }
  return 0;
}

/** Linux: rtmsg_ifa(): tell RTNLGRP_IPV4_IFADDR (and echo to the requester). */
export function rtmsgIfa(event: number, ifa: InIfaddr, nlh: NlMsg | null, portid: number): void {
  const net = ifa.ifaDev.dev.net;
  const skb = new NlMsgBuilder(256);
  const err = inetFillIfaddr(skb, ifa, { portid, seq: nlh ? nlh.seq : 0, event, flags: 0, netnsid: -1 });
  if (err < 0) {
    rtnlSetSkErr(net, RTNLGRP_IPV4_IFADDR, ENOBUFS);
    return;
  }
  rtnlNotify(net, skb.bytes(), portid, RTNLGRP_IPV4_IFADDR, nlh);
}

/* ------------------------------------------------------------------ */
/* RTM_NEWADDR / RTM_DELADDR                                           */

/** Linux: inet_validate_rtm(). */
function inetValidateRtm(req: RtnlRequest): { tb: NlaTable; valid: number; preferred: number } | number {
  const tb = nlmsgParse(req.nlh.msg, IFADDRMSG_LEN, IFA_MAX, ifaIpv4Policy, req.extack);
  if (typeof tb === 'number') return tb;
  const ifm = ifaddrmsgParse(req.nlh.msg, NLMSG_HDRLEN);
  if (ifm.prefixlen > 32) {
    req.extack.msg = 'ipv4: Invalid prefix length';
    return -EINVAL;
  }
  if (!tb[IFA_LOCAL]) {
    req.extack.msg = 'ipv4: Local address is not supplied';
    return -EINVAL;
  }
  let valid = INFINITY_LIFE_TIME;
  let preferred = INFINITY_LIFE_TIME;
  if (tb[IFA_CACHEINFO]) {
    const ci = ifaCacheinfoParse(tb[IFA_CACHEINFO].data);
    if (!ci.valid || ci.prefered > ci.valid) {
      req.extack.msg = 'ipv4: address lifetime invalid';
      return -EINVAL;
    }
    valid = ci.valid;
    preferred = ci.prefered;
  }
  return { tb, valid, preferred };
}

/** Linux: inet_rtm_to_ifa(). */
function inetRtmToIfa(net: Net, req: RtnlRequest, tb: NlaTable): InIfaddr | number {
  const ifm = ifaddrmsgParse(req.nlh.msg, NLMSG_HDRLEN);
  const dev = net.devGetByIndex(ifm.index);
  if (!dev) {
    req.extack.msg = 'ipv4: Device not found';
    return -ENODEV;
  }
  const inDev = inDevGet(dev);
  if (!inDev) return -ENOBUFS;
  const ifa = inetAllocIfa(inDev);
  ipv4DevconfSetall(inDev);
  const local = inAddrOf(tb[IFA_LOCAL]!.data);
  const address = tb[IFA_ADDRESS] ? inAddrOf(tb[IFA_ADDRESS].data) : local;
  ifa.ifaPrefixlen = ifm.prefixlen;
  ifa.ifaMask = inetMakeMask(ifm.prefixlen);
  ifa.ifaFlags = tb[IFA_FLAGS] ? nlaGetU32(tb[IFA_FLAGS]) : ifm.flags;
  ifa.ifaScope = ifm.scope;
  ifa.ifaLocal = local;
  ifa.ifaAddress = address;
  if (tb[IFA_BROADCAST]) ifa.ifaBroadcast = inAddrOf(tb[IFA_BROADCAST].data);
  // nla_strscpy(ifa_label, IFA_LABEL, IFNAMSIZ): at most 15 bytes.
  ifa.ifaLabel = tb[IFA_LABEL] ? nlaGetString(tb[IFA_LABEL]).slice(0, IFNAMSIZ - 1) : dev.name;
  if (tb[IFA_RT_PRIORITY]) ifa.ifaRtPriority = nlaGetU32(tb[IFA_RT_PRIORITY]);
  if (tb[IFA_PROTO]) ifa.ifaProto = nlaGetU8(tb[IFA_PROTO]);
  return ifa;
}

/** Linux: find_matching_ifa(). */
function findMatchingIfa(ifa: InIfaddr): InIfaddr | null {
  for (const ifa1 of ifa.ifaDev.ifaList) {
    if (ifa1.ifaMask === ifa.ifaMask && inetIfaMatch(ifa1.ifaAddress, ifa) && ifa1.ifaLocal === ifa.ifaLocal) return ifa1;
  }
  return null;
}

/** Linux: inet_rtm_newaddr(). */
function inetRtmNewaddr(req: RtnlRequest): number {
  const v = inetValidateRtm(req);
  if (typeof v === 'number') return v;
  const tb = v.tb;
  if (!inAddrOf(tb[IFA_LOCAL]!.data)) return 0;
  const ifa = inetRtmToIfa(req.net, req, tb);
  if (typeof ifa === 'number') return ifa;
  const existing = findMatchingIfa(ifa);
  if (!existing) {
    // Linux: "It would be best to check for !NLM_F_CREATE here but userspace
    // already relies on not having to provide this." (IFA_F_MCAUTOJOIN: no IGMP
    // in tuxnet, the flag is kept and nothing is joined.)
    setIfaLifetime(ifa, v.valid, v.preferred, true);
    return inetInsertIfaFull(ifa, req.nlh, req.portid, req.extack);
  }
  if (req.nlh.flags & NLM_F_EXCL || !(req.nlh.flags & NLM_F_REPLACE)) {
    req.extack.msg = 'ipv4: Address already assigned';
    return -EEXIST;
  }
  if (existing.ifaRtPriority !== ifa.ifaRtPriority) {
    devinetFibOps(req.net.kernel)?.fibModifyPrefixMetric?.(existing, ifa.ifaRtPriority);
    existing.ifaRtPriority = ifa.ifaRtPriority;
  }
  existing.ifaProto = ifa.ifaProto;
  setIfaLifetime(existing, v.valid, v.preferred, false);
  addrChkWorkKick(req.net);
  rtmsgIfa(RTM_NEWADDR, existing, req.nlh, req.portid);
  return 0;
}

/** Linux: inet_rtm_deladdr(): the first address matching local, label and prefix (each if given). */
function inetRtmDeladdr(req: RtnlRequest): number {
  const tb = nlmsgParse(req.nlh.msg, IFADDRMSG_LEN, IFA_MAX, ifaIpv4Policy, req.extack);
  if (typeof tb === 'number') return tb;
  const ifm = ifaddrmsgParse(req.nlh.msg, NLMSG_HDRLEN);
  const inDev = inetdevByIndex(req.net, ifm.index);
  if (!inDev) {
    req.extack.msg = 'ipv4: Device not found';
    return -ENODEV;
  }
  for (const ifa of inDev.ifaList) {
    if (tb[IFA_LOCAL] && ifa.ifaLocal !== inAddrOf(tb[IFA_LOCAL].data)) continue;
    if (tb[IFA_LABEL] && nlaGetString(tb[IFA_LABEL]) !== ifa.ifaLabel) continue;
    if (tb[IFA_ADDRESS] && (ifm.prefixlen !== ifa.ifaPrefixlen || !inetIfaMatch(inAddrOf(tb[IFA_ADDRESS].data), ifa))) continue;
    inetDelIfaFull(inDev, ifa, true, req.nlh, req.portid);
    return 0;
  }
  req.extack.msg = 'ipv4: Address not found';
  return -EADDRNOTAVAIL;
}

/* ------------------------------------------------------------------ */
/* RTM_GETADDR dump                                                    */

interface DumpCtx {
  args: InetFillArgs;
  tgtNet: Net;
  ifindex: number;
}

/** The namespace `net` knows as `nsid` (Linux: rtnl_get_net_ns_capable()). */
function netByNsid(net: Net, nsid: number): Net | null {
  for (const [n, id] of net.netnsIds) if (id === nsid) return n;
  return null;
}

/** Linux: inet_valid_dump_ifaddr_req() (NETLINK_GET_STRICT_CHK sockets only). */
function inetValidDumpIfaddrReq(cb: NetlinkCallback, ctx: DumpCtx): number {
  const msg = cb.nlh.msg;
  if (msg.length < NLMSG_HDRLEN + IFADDRMSG_LEN) {
    cb.extack.msg = 'ipv4: Invalid header for address dump request';
    return -EINVAL;
  }
  const ifm = ifaddrmsgParse(msg, NLMSG_HDRLEN);
  if (ifm.prefixlen || ifm.flags || ifm.scope) {
    cb.extack.msg = 'ipv4: Invalid values in header for address dump request';
    return -EINVAL;
  }
  ctx.ifindex = ifm.index;
  if (ctx.ifindex) ctx.args.flags |= NLM_F_DUMP_FILTERED;
  const tb = nlmsgParse(msg, IFADDRMSG_LEN, IFA_MAX, ifaIpv4Policy, cb.extack, true);
  if (typeof tb === 'number') return tb;
  for (let i = 0; i <= IFA_MAX; i++) {
    if (!tb[i]) continue;
    if (i === IFA_TARGET_NETNSID) {
      const nsid = nlaGetS32(tb[i]!);
      const n = netByNsid(cb.net, nsid);
      if (!n) {
        cb.extack.msg = 'ipv4: Invalid target network namespace id';
        return -EINVAL;
      }
      ctx.args.netnsid = nsid;
      ctx.tgtNet = n;
    } else {
      cb.extack.msg = 'ipv4: Unsupported attribute in dump request';
      return -EINVAL;
    }
  }
  return 0;
}

/** Linux: in_dev_dump_ifaddr(): cb.args[1] = index of the next address of the device. */
function inDevDumpIfaddr(dev: NetDevice, cb: NetlinkCallback, ctx: DumpCtx): number {
  const inDev = inDevGet(dev);
  if (!inDev) return 0;
  let ipIdx = 0;
  for (const ifa of inDev.ifaList) {
    if (ipIdx < cb.args[1]!) {
      ipIdx++;
      continue;
    }
    const err = inetFillIfaddr(cb.skb, ifa, ctx.args);
    if (err < 0) {
      cb.args[1] = ipIdx;
      return err;
    }
    ipIdx++;
  }
  cb.args[1] = 0;
  return 0;
}

/** Linux: inet_dump_ifaddr(): devices in ifindex order; cb.args[0] = ifindex to resume at. */
function inetDumpIfaddr(cb: NetlinkCallback): number {
  let ctx = cb.data as DumpCtx | null;
  const skb = cb.skb;
  if (!ctx) {
    ctx = {
      args: { portid: cb.sk.portid, seq: cb.nlh.seq, event: RTM_NEWADDR, flags: NLM_F_MULTI, netnsid: -1 },
      tgtNet: cb.net,
      ifindex: 0,
    };
    cb.data = ctx;
    if (cb.strictCheck) {
      const err = inetValidDumpIfaddrReq(cb, ctx);
      if (err < 0) return err;
    }
  }
  if (ctx.ifindex) {
    if (cb.args[2]) return 0;
    const dev = ctx.tgtNet.devGetByIndex(ctx.ifindex);
    if (!dev) return -ENODEV;
    const err = inDevDumpIfaddr(dev, cb, ctx);
    if (err < 0 && skb.len === 0) return err;
    if (err === 0) cb.args[2] = 1;
    return skb.len;
  }
  const devs = [...ctx.tgtNet.devices].sort((a, b) => a.ifindex - b.ifindex);
  for (const dev of devs) {
    if (dev.ifindex < cb.args[0]!) continue;
    cb.args[0] = dev.ifindex;
    const err = inDevDumpIfaddr(dev, cb, ctx);
    if (err < 0) return skb.len === 0 ? err : skb.len;
    cb.args[0] = dev.ifindex + 1;
  }
  return skb.len;
}

/* ------------------------------------------------------------------ */
/* IFLA_AF_SPEC                                                        */

/** Linux: inet_fill_link_af(): IFLA_INET_CONF = the device's conf values 1..IPV4_DEVCONF_MAX as u32. */
function inetFillLinkAf(skb: NlMsgBuilder, dev: NetDevice): number {
  const inDev = inDevGet(dev);
  if (!inDev) return -ENODATA;
  const n = IPV4_DEVCONF_MAX - 1;
  const b = new Uint8Array(n * 4);
  const v = new DataView(b.buffer);
  for (let i = 0; i < n; i++) v.setUint32(i * 4, inDev.cnf[i + 1]! >>> 0, true);
  skb.nlaPut(IFLA_INET_CONF, b);
  return 0;
}

/** Register the address messages and the AF_INET link filler (part of Linux's devinet_init). */
export function devinetNetlinkInit(k: Kernel): void {
  rtnlRegister(k, AF_INET, RTM_NEWADDR, inetRtmNewaddr, null);
  rtnlRegister(k, AF_INET, RTM_DELADDR, inetRtmDeladdr, null);
  rtnlRegister(k, AF_INET, RTM_GETADDR, null, inetDumpIfaddr);
  rtnlAfRegister(k, { family: AF_INET, fillLinkAf: inetFillLinkAf });
}
