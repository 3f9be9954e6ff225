/**
 * Input routing (Linux: net/ipv4/route.c ip_route_input_noref, ip_route_input_slow,
 * ip_route_input_mc, __mkroute_input, ip_error, ip_rt_send_redirect). For each
 * received IPv4 packet ip_rcv_finish asks `ipRouteInputNoref` where it goes; the answer
 * is an Rtable on skb.dst whose `input` is ipLocalDeliver (for us, broadcast or a joined
 * multicast group), ipForward (another host, when forwarding is on) or ipError (no
 * route: ICMP destination unreachable, rate-limited per source), or a drop reason for
 * martians and rp_filter failures (the caller frees the skb and, for
 * SKB_DROP_REASON_IP_RPFILTER, counts LINUX_MIB_IPRPFILTER as ip_rcv_finish_core does).
 *
 * Return values follow Linux 6.13+ (enum skb_drop_reason): 0 = routed, else the
 * reason. The forwarding fast path reuses the route cached on the nexthop (or on its
 * exception) and allocates nothing.
 */
import type { Net } from '../core/net_namespace.js';
import type { NetDevice } from '../core/netdevice.js';
import { type SkBuff, kfreeSkbReason } from '../core/skbuff.js';
import {
  SKB_DROP_REASON_NOT_SPECIFIED, SKB_DROP_REASON_INVALID_PROTO, SKB_DROP_REASON_IP_INADDRERRORS,
  SKB_DROP_REASON_IP_INNOROUTES, SKB_DROP_REASON_IP_RPFILTER, SKB_DROP_REASON_IP_INVALID_SOURCE,
  SKB_DROP_REASON_IP_INVALID_DEST, SKB_DROP_REASON_IP_LOCALNET, SKB_DROP_REASON_IP_LOCAL_SOURCE,
  SKB_DROP_REASON_ARP_PVLAN_DISABLE,
} from '../core/drop_reason.js';
import { IPSTATS_MIB_INADDRERRORS, IPSTATS_MIB_INNOROUTES } from '../core/snmp.js';
import { EACCES, EHOSTUNREACH, EINVAL, ENETUNREACH, EXDEV } from '../socket/errno.js';
import { AF_INET } from '../socket/socket.js';
import { ETH_P_IP } from '../wire/ethhdr.js';
import { IPH_DADDR, IPH_PROTOCOL, IPH_SADDR, IPPROTO_IGMP, readU32 } from '../wire/iphdr.js';
import {
  ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, ICMP_NET_UNREACH, ICMP_PKT_FILTERED, ICMP_REDIRECT, ICMP_REDIR_HOST,
} from '../wire/icmphdr.js';
import { IFF_UP } from '../core/netdevice.js';
import { RTN_BROADCAST, RTN_LOCAL, RTN_MULTICAST, RTN_UNICAST, RTN_UNREACHABLE, RT_SCOPE_UNIVERSE } from '../wire/route.js';
import { ipv4Net } from './netns_ipv4.js';
import {
  type InDevice, IPV4_DEVCONF_BC_FORWARDING, IPV4_DEVCONF_NOPOLICY, inDevBforward, inDevForward, inDevGet,
  inDevLogMartians, inDevOrConf, inDevProxyArpPvlan, inDevRouteLocalnet, inDevSharedMedia, inDevTxRedirects,
  ipv4IsLbcast, ipv4IsLocalMulticast, ipv4IsLoopback, ipv4IsMulticast, ipv4IsZeronet,
} from './inetdevice.js';
import { IPCB, IPSKB_DOREDIRECT, IPSKB_MULTIPATH, IPSKB_NOPOLICY } from './ip.js';
import { type Rtable, RTCF_BROADCAST, RTCF_LOCAL, RTCF_MULTICAST, rtNexthop, skbRtable } from './rtable.js';
import { type FibResult, FIB_RES_NH, FIB_RES_OIF, fibInfoNumPath } from './fib_lookup.js';
import { inetAddrOnlink } from './devinet.js';
import { inetGetpeerV4, jiffies } from './inetpeer.js';
import {
  findException, inAddrStr, ipRtBug, rtCacheRoute, rtCacheValid, rtDstAlloc, rtLog, rtNet, rtSetNexthop,
} from './route.js';
import { fibLookup, fibValidateSource, inetAddrType } from './fib_frontend.js';
import { fibMultipathHash, fibSelectMultipath } from './fib_select.js';
import { icmpSend } from './icmp.js';
import { ipForward } from './ip_forward.js';

/** Linux: ip_hdr(skb)->protocol (0 when the skb has no network header, e.g. a bare ARP test skb). */
function ipHdrProtocol(skb: SkBuff): number {
  return skb.networkHeader >= 0 ? skb.buf[skb.networkHeader + IPH_PROTOCOL] ?? 0 : 0;
}

/**
 * IPCB(skb)->flags |= flag. Linux writes these bits into skb->cb even for the ARP
 * skbs arp_process routes (proxy ARP); there the IPv4 and neighbour control blocks
 * share cb bytes without overlapping. Here cb is one object per layer, so the bits
 * are only set on IPv4 skbs, the only ones that read them.
 */
function ipcbSetFlag(skb: SkBuff, flag: number): void {
  if (skb.protocol === ETH_P_IP) IPCB(skb).flags |= flag;
}

/** Linux: IN_DEV_NET_ROUTE_LOCALNET(). */
function inDevNetRouteLocalnet(inDev: InDevice): boolean {
  return inDevRouteLocalnet(inDev);
}

/**
 * Linux: fib_validate_source_reason(): 0 when the source passes (rp_filter,
 * accept_local), else the drop reason. fib_validate_source's errors map as in
 * Linux 6.13: -EXDEV is the reverse path filter, a local source address without
 * accept_local is IP_LOCAL_SOURCE, the rest IP_INVALID_SOURCE.
 */
export function fibValidateSourceReason(skb: SkBuff, saddr: number, daddr: number, tos: number, oif: number,
  dev: NetDevice, inDev: InDevice, itag: { value: number }): number {
  const err = fibValidateSource(skb, saddr, daddr, tos, oif, dev, inDev, itag);
  return err < 0 ? validateErrReason(dev.net, err, saddr) : 0;
}

/**
 * fib_validate_source() answers -EXDEV (rp_filter) or -EINVAL; Linux 6.13 tells a
 * source that is one of our addresses (RTN_LOCAL, refused without accept_local)
 * from any other invalid source.
 */
function validateErrReason(net: Net, err: number, saddr: number): number {
  if (err === -EXDEV) return SKB_DROP_REASON_IP_RPFILTER;
  if (inetAddrType(net, saddr) === RTN_LOCAL) return SKB_DROP_REASON_IP_LOCAL_SOURCE;
  return SKB_DROP_REASON_IP_INVALID_SOURCE;
}

/**
 * Linux: ip_check_mc_rcu(): is this host a member of group `mcAddr` on the device?
 * There is no IGMP yet: the only membership is 224.0.0.1 (all-hosts), which Linux
 * joins on every device that has IPv4 (ip_mc_up).
 */
export function ipCheckMcRcu(inDev: InDevice, mcAddr: number, _srcAddr: number, _proto: number): boolean {
  return mcAddr >>> 0 === 0xe0000001 && (inDev.dev.flags & IFF_UP) !== 0;
}

/** Linux: ip_handle_martian_source(). */
function ipHandleMartianSource(dev: NetDevice, inDev: InDevice, skb: SkBuff, daddr: number, saddr: number): void {
  const net = dev.net;
  rtNet(net).stat.inMartianSrc++;
  if (inDevLogMartians(inDev)) {
    // RFC1812 recommendation: if the source is martian, the only hint is the MAC header.
    let msg = `martian source ${inAddrStr(daddr)} from ${inAddrStr(saddr)}, on dev ${dev.name}`;
    if (dev.hardHeaderLen && skb.macHeader >= 0) {
      const ll = skb.buf.subarray(skb.macHeader, skb.macHeader + dev.hardHeaderLen);
      msg += `\nll header: 00000000: ${Array.from(ll, (b) => b.toString(16).padStart(2, '0')).join(' ')}`;
    }
    rtLog(net, msg);
  }
}

/** Linux: the martian_destination label of ip_route_input_slow(). */
function martianDestination(dev: NetDevice, inDev: InDevice, daddr: number, saddr: number, reason: number): number {
  rtNet(dev.net).stat.inMartianDst++;
  if (inDevLogMartians(inDev)) {
    rtLog(dev.net, `martian destination ${inAddrStr(daddr)} from ${inAddrStr(saddr)}, dev ${dev.name}`);
  }
  return reason;
}

/** Linux: ip_mc_validate_source(). */
export function ipMcValidateSource(skb: SkBuff, daddr: number, saddr: number, tos: number, dev: NetDevice,
  inDev: InDevice | null, itag: { value: number }): number {
  if (inDev === null) return SKB_DROP_REASON_NOT_SPECIFIED;
  if (ipv4IsMulticast(saddr) || ipv4IsLbcast(saddr)) return SKB_DROP_REASON_IP_INVALID_SOURCE;
  if (skb.protocol !== ETH_P_IP) return SKB_DROP_REASON_INVALID_PROTO;
  if (ipv4IsLoopback(saddr) && !inDevRouteLocalnet(inDev)) return SKB_DROP_REASON_IP_LOCALNET;
  if (ipv4IsZeronet(saddr)) {
    if (!ipv4IsLocalMulticast(daddr) && ipHdrProtocol(skb) !== IPPROTO_IGMP) return SKB_DROP_REASON_IP_INVALID_SOURCE;
  } else {
    const reason = fibValidateSourceReason(skb, saddr, 0, tos, 0, dev, inDev, itag);
    if (reason) return reason;
  }
  return 0;
}

/** Linux: ip_route_input_mc(): a group we are a member of. No multicast routing (ipmr). */
function ipRouteInputMc(skb: SkBuff, daddr: number, saddr: number, tos: number, dev: NetDevice, our: boolean): number {
  const net = dev.net;
  const inDev = inDevGet(dev);
  const itag = rtNet(net).itag;
  itag.value = 0;
  const reason = ipMcValidateSource(skb, daddr, saddr, tos, dev, inDev, itag);
  if (reason) return reason;
  let flags = RTCF_MULTICAST;
  if (our) flags |= RTCF_LOCAL;
  if (inDevOrConf(inDev!, IPV4_DEVCONF_NOPOLICY)) ipcbSetFlag(skb, IPSKB_NOPOLICY);
  const rth = rtDstAlloc(net.loopbackDev!, flags, RTN_MULTICAST);
  rth.tclassid = itag.value;
  rth.output = ipRtBug;
  rth.rtIsInput = true;
  rtNet(net).stat.inSlowMc++;
  skb.dst = rth;
  return 0;
}

/** Linux: __mkroute_input(): a route to forward the packet (cached on the nexthop). */
function mkrouteInput(skb: SkBuff, res: FibResult, inDev: InDevice, daddr: number, saddr: number, tos: number): number {
  const nh = FIB_RES_NH(res);
  const outDev = inDevGet(nh.fibNhDev);
  const net = inDev.dev.net;
  if (outDev === null) return SKB_DROP_REASON_NOT_SPECIFIED; // Linux: "Bug in ip_route_input_slow()"
  const itag = rtNet(net).itag;
  itag.value = 0;
  const err = fibValidateSource(skb, saddr, daddr, tos, FIB_RES_OIF(res), inDev.dev, inDev, itag);
  if (err < 0) {
    ipHandleMartianSource(inDev.dev, inDev, skb, daddr, saddr);
    return validateErrReason(net, err, saddr);
  }
  const doCache = res.fi !== null && !itag.value;
  if (outDev === inDev && err && inDevTxRedirects(outDev) && skb.protocol === ETH_P_IP) {
    const gw = nh.fibNhGwFamily === AF_INET ? nh.fibNhGw4 : 0;
    if (inDevSharedMedia(outDev) || inetAddrOnlink(outDev, saddr, gw)) ipcbSetFlag(skb, IPSKB_DOREDIRECT);
  }
  if (skb.protocol !== ETH_P_IP) {
    // Not IP (i.e. ARP). Do not create a route if it is invalid for proxy arp
    // (proxy ARP back out of the same interface needs proxy_arp_pvlan).
    if (outDev === inDev && !inDevProxyArpPvlan(inDev)) return SKB_DROP_REASON_ARP_PVLAN_DISABLE;
  }
  if (inDevOrConf(inDev, IPV4_DEVCONF_NOPOLICY)) ipcbSetFlag(skb, IPSKB_NOPOLICY);
  const fnhe = findException(nh, daddr);
  if (doCache) {
    const cached = fnhe !== null ? fnhe.fnheRthInput : (nh.nhRthInput as Rtable | null);
    if (rtCacheValid(cached)) {
      skb.dst = cached;
      return 0;
    }
  }
  const rth = rtDstAlloc(outDev.dev, 0, res.type);
  rth.rtIsInput = true;
  rtNet(net).stat.inSlowTot++;
  rth.input = ipForward;
  rtSetNexthop(rth, daddr, res, fnhe, res.fi, itag.value, doCache);
  skb.dst = rth;
  return 0;
}

/** Linux: ip_mkroute_input(): pick the path of a multipath route by the flow hash. */
function ipMkrouteInput(skb: SkBuff, res: FibResult, inDev: InDevice, daddr: number, saddr: number, tos: number): number {
  if (res.fi !== null && fibInfoNumPath(res.fi) > 1) {
    const h = fibMultipathHash(res.fi.fibNet, null, skb);
    fibSelectMultipath(res, h);
    ipcbSetFlag(skb, IPSKB_MULTIPATH);
  }
  return mkrouteInput(skb, res, inDev, daddr, saddr, tos);
}

/**
 * The local_input label of ip_route_input_slow(): a route to us (local or
 * broadcast) or, after no_route, to ip_error. Cached on the nexthop when the FIB
 * gave one and there is no realm tag.
 */
function localInput(skb: SkBuff, dev: NetDevice, inDev: InDevice, res: FibResult, flags: number, doCache: boolean,
  itag: number, err: number): number {
  const net = dev.net;
  if (inDevOrConf(inDev, IPV4_DEVCONF_NOPOLICY)) ipcbSetFlag(skb, IPSKB_NOPOLICY);
  doCache = doCache && res.fi !== null && !itag;
  if (doCache) {
    const rth = FIB_RES_NH(res).nhRthInput as Rtable | null;
    if (rtCacheValid(rth)) {
      skb.dst = rth;
      return 0;
    }
  }
  // Linux ip_rt_get_dev(): the l3mdev master of the nexthop device, else loopback.
  const rth = rtDstAlloc(net.loopbackDev!, flags | RTCF_LOCAL, res.type);
  rth.output = ipRtBug;
  rth.tclassid = itag;
  rth.rtIsInput = true;
  rtNet(net).stat.inSlowTot++;
  if (res.type === RTN_UNREACHABLE) {
    rth.input = ipError;
    rth.error = -err;
    rth.rtFlags = (rth.rtFlags & ~RTCF_LOCAL) >>> 0;
  }
  if (doCache) rtCacheRoute(FIB_RES_NH(res), rth);
  skb.dst = rth;
  return 0;
}

/** The brd_input label of ip_route_input_slow(). */
function brdInput(skb: SkBuff, daddr: number, saddr: number, tos: number, dev: NetDevice, inDev: InDevice,
  res: FibResult, doCache: boolean): number {
  if (skb.protocol !== ETH_P_IP) return SKB_DROP_REASON_INVALID_PROTO;
  const itag = rtNet(dev.net).itag;
  itag.value = 0;
  if (!ipv4IsZeronet(saddr)) {
    const reason = fibValidateSourceReason(skb, saddr, 0, tos, 0, dev, inDev, itag);
    if (reason) {
      ipHandleMartianSource(dev, inDev, skb, daddr, saddr);
      return reason;
    }
  }
  res.type = RTN_BROADCAST;
  rtNet(dev.net).stat.inBrd++;
  return localInput(skb, dev, inDev, res, RTCF_BROADCAST, doCache, itag.value, -EINVAL);
}

/**
 * Linux: ip_route_input_slow(). NOTE (Linux): all packets with a local source
 * address are dropped: every properly looped-back packet already carries the
 * route the output path attached, and spoofing is filtered with certainty.
 */
function ipRouteInputSlow(skb: SkBuff, daddr: number, saddr: number, tos: number, dev: NetDevice, res: FibResult): number {
  const inDev = inDevGet(dev);
  const net = dev.net;
  // IP on this device is disabled.
  if (inDev === null) return SKB_DROP_REASON_NOT_SPECIFIED;
  const rn = rtNet(net);
  skb.dst = null;

  // Check for the most weird martians, which can be not detected by fib_lookup.
  if (ipv4IsMulticast(saddr) || ipv4IsLbcast(saddr)) {
    ipHandleMartianSource(dev, inDev, skb, daddr, saddr);
    return SKB_DROP_REASON_IP_INVALID_SOURCE;
  }
  res.fi = null;
  res.table = null;
  if (ipv4IsLbcast(daddr) || (saddr === 0 && daddr === 0)) return brdInput(skb, daddr, saddr, tos, dev, inDev, res, true);
  // Accept zero addresses only to limited broadcast.
  if (ipv4IsZeronet(saddr)) {
    ipHandleMartianSource(dev, inDev, skb, daddr, saddr);
    return SKB_DROP_REASON_IP_INVALID_SOURCE;
  }
  if (ipv4IsZeronet(daddr)) return martianDestination(dev, inDev, daddr, saddr, SKB_DROP_REASON_IP_INVALID_DEST);
  if (ipv4IsLoopback(daddr)) {
    if (!inDevNetRouteLocalnet(inDev)) return martianDestination(dev, inDev, daddr, saddr, SKB_DROP_REASON_IP_LOCALNET);
  } else if (ipv4IsLoopback(saddr)) {
    if (!inDevNetRouteLocalnet(inDev)) {
      ipHandleMartianSource(dev, inDev, skb, daddr, saddr);
      return SKB_DROP_REASON_IP_LOCALNET;
    }
  }

  // Now we are ready to route the packet.
  const fl4 = rn.inFl4;
  fl4.oif = 0;
  fl4.iif = dev.ifindex;
  fl4.mark = skb.mark;
  fl4.tos = tos;
  fl4.scope = RT_SCOPE_UNIVERSE;
  fl4.flags = 0;
  fl4.daddr = daddr;
  fl4.saddr = saddr;
  fl4.uid = 0; // Linux: sock_net_uid(net, NULL), the namespace's root uid
  fl4.multipathHash = 0;
  // Linux fib4_rules_early_flow_dissect() fills these only with port/proto rules.
  fl4.proto = 0;
  fl4.sport = 0;
  fl4.dport = 0;
  fl4.icmpType = 0;
  fl4.icmpCode = 0;

  let err = fibLookup(net, fl4, res, 0);
  if (err !== 0) {
    if (!inDevForward(inDev)) err = -EHOSTUNREACH;
    return noRoute(skb, dev, inDev, res, err);
  }
  if (res.type === RTN_BROADCAST) {
    if (inDevBforward(inDev)) return ipMkrouteInput(skb, res, inDev, daddr, saddr, tos);
    // Do not cache if bc_forwarding is enabled.
    const doCache = ipv4Net(net).devconfAll[IPV4_DEVCONF_BC_FORWARDING] === 0;
    return brdInput(skb, daddr, saddr, tos, dev, inDev, res, doCache);
  }
  if (res.type === RTN_LOCAL) {
    const itag = rn.itag;
    itag.value = 0;
    const reason = fibValidateSourceReason(skb, saddr, daddr, tos, 0, dev, inDev, itag);
    if (reason) {
      ipHandleMartianSource(dev, inDev, skb, daddr, saddr);
      return reason;
    }
    return localInput(skb, dev, inDev, res, 0, true, itag.value, -EINVAL);
  }
  if (!inDevForward(inDev)) return noRoute(skb, dev, inDev, res, -EHOSTUNREACH);
  if (res.type !== RTN_UNICAST) return martianDestination(dev, inDev, daddr, saddr, SKB_DROP_REASON_IP_INVALID_DEST);
  return ipMkrouteInput(skb, res, inDev, daddr, saddr, tos);
}

/** The no_route label: an RTN_UNREACHABLE route whose input is ip_error. */
function noRoute(skb: SkBuff, dev: NetDevice, inDev: InDevice, res: FibResult, err: number): number {
  rtNet(dev.net).stat.inNoRoute++;
  res.type = RTN_UNREACHABLE;
  res.fi = null;
  res.table = null;
  return localInput(skb, dev, inDev, res, 0, true, 0, err);
}

/**
 * Linux: ip_route_input_rcu(): multicast recognition, then the slow path. A group
 * we are not a member of (and no multicast routing) is dropped here.
 */
export function ipRouteInputRcu(skb: SkBuff, daddr: number, saddr: number, tos: number, dev: NetDevice,
  res: FibResult): number {
  if (ipv4IsMulticast(daddr)) {
    const inDev = inDevGet(dev);
    if (inDev === null) return SKB_DROP_REASON_NOT_SPECIFIED;
    const our = ipCheckMcRcu(inDev, daddr, saddr, ipHdrProtocol(skb));
    // Linux also routes to ip_mr_input when mc_forwarding is on; no ipmr here.
    if (our) return ipRouteInputMc(skb, daddr, saddr, tos, dev, our);
    return SKB_DROP_REASON_NOT_SPECIFIED;
  }
  return ipRouteInputSlow(skb, daddr, saddr, tos, dev, res);
}

/**
 * Linux: ip_route_input_noref(): route a received packet. Returns 0 with skb.dst
 * set, or a drop reason (the caller frees the skb).
 */
export function ipRouteInputNoref(skb: SkBuff, daddr: number, saddr: number, tos: number, dev: NetDevice): number {
  const res = rtNet(dev.net).inRes;
  res.fi = null;
  res.table = null;
  res.nhc = null;
  res.faHead = null;
  res.type = 0;
  res.tclassid = 0;
  return ipRouteInputRcu(skb, daddr >>> 0, saddr >>> 0, tos & 0xfc, dev, res);
}

/* ------------------------------------------------------------------ */
/* ip_error and redirects                                              */

/**
 * Linux: ip_error(): the input function of "no route" routes. Without forwarding
 * the packet was for a host we are not: InAddrErrors (or InNoRoutes). Otherwise
 * ICMP destination unreachable (net, host or administratively filtered) goes back,
 * limited per source by a token bucket of error_burst jiffies refilled one per
 * jiffy, each message costing error_cost.
 */
export function ipError(skb: SkBuff): number {
  const rt = skbRtable(skb)!;
  const dev = skb.dev;
  let reason = SKB_DROP_REASON_NOT_SPECIFIED;
  const inDev = inDevGet(dev);
  // IP on this device is disabled.
  if (inDev === null || rt.dev === null) {
    kfreeSkbReason(skb, reason);
    return 0;
  }
  const net = rt.dev.net;
  const mib = ipv4Net(net).mib.ip;
  if (!inDevForward(inDev)) {
    if (rt.error === EHOSTUNREACH) {
      reason = SKB_DROP_REASON_IP_INADDRERRORS;
      mib[IPSTATS_MIB_INADDRERRORS]!++;
    } else if (rt.error === ENETUNREACH) {
      reason = SKB_DROP_REASON_IP_INNOROUTES;
      mib[IPSTATS_MIB_INNOROUTES]!++;
    }
    kfreeSkbReason(skb, reason);
    return 0;
  }
  let code: number;
  switch (rt.error) {
    case EHOSTUNREACH:
      code = ICMP_HOST_UNREACH;
      break;
    case ENETUNREACH:
      code = ICMP_NET_UNREACH;
      reason = SKB_DROP_REASON_IP_INNOROUTES;
      mib[IPSTATS_MIB_INNOROUTES]!++;
      break;
    case EACCES:
      code = ICMP_PKT_FILTERED;
      break;
    case EINVAL:
    default:
      kfreeSkbReason(skb, reason);
      return 0;
  }
  const k = net.kernel;
  const g = ipv4Net(k.initNet).sysctl; // error_cost/error_burst are global in Linux
  const saddr = readU32(skb.buf, skb.networkHeader + IPH_SADDR);
  const peer = inetGetpeerV4(k, rtNet(net).peers, saddr, 0);
  let send = true;
  const now = jiffies(k);
  peer.rateTokens += now - peer.rateLast;
  if (peer.rateTokens > g.routeErrorBurst) peer.rateTokens = g.routeErrorBurst;
  peer.rateLast = now;
  if (peer.rateTokens >= g.routeErrorCost) peer.rateTokens -= g.routeErrorCost;
  else send = false;
  if (send) icmpSend(skb, ICMP_DEST_UNREACH, code, 0);
  kfreeSkbReason(skb, reason);
  return 0;
}

/**
 * Linux: ip_rt_send_redirect(), called by ip_forward for a packet leaving by the
 * interface it came in on (IPSKB_DOREDIRECT). Per source host: the first
 * redirect_number redirects go out with exponential backoff (redirect_load <<
 * n jiffies apart), then none, assuming the host ignores them; after
 * redirect_silence jiffies without such packets the count starts over.
 */
export function ipRtSendRedirect(skb: SkBuff): void {
  const rt = skbRtable(skb);
  if (rt === null || rt.dev === null) return;
  const inDev = inDevGet(rt.dev);
  if (inDev === null || !inDevTxRedirects(inDev)) return;
  const logMartians = inDevLogMartians(inDev);
  const net = rt.dev.net;
  const k = net.kernel;
  const g = ipv4Net(k.initNet).sysctl; // redirect_* are global in Linux
  const nh = skb.networkHeader;
  const saddr = readU32(skb.buf, nh + IPH_SADDR);
  const daddr = readU32(skb.buf, nh + IPH_DADDR);
  const peer = inetGetpeerV4(k, rtNet(net).peers, saddr, 0);
  const now = jiffies(k);
  // No redirected packets during redirect_silence: reset the algorithm.
  if (now > peer.rateLast + g.routeRedirectSilence) {
    peer.rateTokens = 0;
    peer.nRedirects = 0;
  }
  // Too many ignored redirects; do not send anything, but remember the last packet.
  if (peer.nRedirects >= g.routeRedirectNumber) {
    peer.rateLast = now;
    return;
  }
  // Check for load limit; set rate_last to the latest sent redirect.
  if (peer.nRedirects === 0 || now > peer.rateLast + g.routeRedirectLoad * 2 ** peer.nRedirects) {
    const gw = rtNexthop(rt, daddr);
    icmpSend(skb, ICMP_REDIRECT, ICMP_REDIR_HOST, gw);
    peer.rateLast = now;
    ++peer.nRedirects;
    if (logMartians && peer.nRedirects === g.routeRedirectNumber) {
      const iif = IPCB(skb).iif || (skb.dev !== null ? skb.dev.ifindex : 0);
      rtLog(net, `host ${inAddrStr(saddr)}/if${iif} ignores redirects for ${inAddrStr(daddr)} to ${inAddrStr(gw)}`);
    }
  }
}
