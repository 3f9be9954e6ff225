/**
 * Output routing and what ICMP teaches it (Linux: net/ipv4/route.c
 * ip_route_output_key_hash_rcu, __mkroute_output, ip_route_output_flow,
 * __ip_rt_update_pmtu, ipv4_update_pmtu, ipv4_sk_update_pmtu, __ip_do_redirect,
 * ipv4_redirect, ipv4_sk_redirect; include/net/route.h ip_route_connect).
 *
 * `ipRouteOutputKey(net, fl4)` finds the route for a locally generated packet and
 * fills in what the caller left open in `fl4` (source address, output device);
 * errors come back as negative errno numbers (-ENETUNREACH when nothing matches,
 * -EHOSTUNREACH / -EACCES / -EINVAL for unreachable / prohibit / blackhole routes,
 * -ENODEV for a bad oif). Callers count OutNoRoutes, as Linux's callers do
 * (ip_queue_xmit, udp_sendmsg, raw_sendmsg ...).
 */
import type { Net } from '../core/net_namespace.js';
import type { NetDevice } from '../core/netdevice.js';
import { IFF_LOOPBACK, IFF_UP } from '../core/netdevice.js';
import type { SkBuff } from '../core/skbuff.js';
import type { Sock } from '../core/sock.js';
import { skDstSet, sockFlag } from '../core/sock.js';
import { SOCK_LOCALROUTE } from '../core/sock_opt.js';
import { EINVAL, ENETUNREACH, ENODEV } from '../socket/errno.js';
import { RTN_BROADCAST, RTN_LOCAL, RTN_MULTICAST, RTN_UNICAST, RTN_UNSPEC, RT_SCOPE_HOST, RT_SCOPE_LINK,
  RT_SCOPE_UNIVERSE, RTAX_LOCK, RTAX_MTU } from '../wire/route.js';
import { IPH_DADDR, IPH_PROTOCOL, IPH_SADDR, IPH_TOS, IPPROTO_IGMP, IPPROTO_RAW, readU32 } from '../wire/iphdr.js';
import {
  ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, ICMP_REDIR_HOST, ICMP_REDIR_HOSTTOS, ICMP_REDIR_NET, ICMP_REDIR_NETTOS,
} from '../wire/icmphdr.js';
import { ipv4Net } from './netns_ipv4.js';
import {
  inDevGet, inDevRouteLocalnet, inDevRxRedirects, inDevSecRedirects, inDevSharedMedia, inDevLogMartians,
  ipv4IsLbcast, ipv4IsLocalMulticast, ipv4IsLoopback, ipv4IsMulticast, ipv4IsZeronet,
} from './inetdevice.js';
import {
  Flowi4, Rtable, FLOWI_FLAG_ANYSRC, FLOWI_FLAG_KNOWN_NH, RTCF_BROADCAST, RTCF_LOCAL, RTCF_MULTICAST, RTCF_REDIRECTED,
} from './rtable.js';
import { FibResult, FIB_RES_NH, FIB_RES_DEV, FIB_RES_OIF, fibInfoNh, fibInfoNumPath } from './fib_lookup.js';
import { type InetSock, IP_PMTUDISC_INTERFACE, IP_PMTUDISC_OMIT } from './inet_sock.js';
import { inetAddrOnlink, inetSelectAddr, ipDevFind, INADDR_LOOPBACK } from './devinet.js';
import { AF_INET } from '../socket/socket.js';
import {
  LOOPBACK_IFINDEX, INET_DSCP_MASK, findException, inAddrStr, jiffiesToNs, rtCacheValid, rtDstAlloc, rtKill, rtLog,
  rtNet, rtSetNexthop, updateOrCreateFnhe,
} from './route.js';
import { ipCheckMcRcu } from './route_input.js';
import { fibLookup, inetAddrType } from './fib_frontend.js';
import { fibSelectPath } from './fib_select.js';
import { ipFibCheckDefault } from './fib_semantics.js';
import { icmpSend } from './icmp.js';
import { ipMcOutput } from './ip_output.js';
import { ipv4NeighValidOrResolve } from './arp.js';

/** Linux: __mkroute_output(): build (or reuse the cached) route out of `devOut`. */
function mkrouteOutput(res: FibResult, fl4: Flowi4, origOif: number, devOut: NetDevice, flags: number): Rtable | number {
  let fi = res.fi;
  let type = res.type;
  const inDev = inDevGet(devOut);
  if (inDev === null) return -EINVAL;
  if (!inDevRouteLocalnet(inDev)) {
    if (ipv4IsLoopback(fl4.saddr) && !(devOut.flags & IFF_LOOPBACK)) return -EINVAL;
  }
  if (ipv4IsLbcast(fl4.daddr)) type = RTN_BROADCAST;
  else if (ipv4IsMulticast(fl4.daddr)) type = RTN_MULTICAST;
  else if (ipv4IsZeronet(fl4.daddr)) return -EINVAL;
  if (devOut.flags & IFF_LOOPBACK) flags |= RTCF_LOCAL;

  let doCache = true;
  if (type === RTN_BROADCAST) {
    flags |= RTCF_BROADCAST | RTCF_LOCAL;
    fi = null;
  } else if (type === RTN_MULTICAST) {
    flags |= RTCF_MULTICAST | RTCF_LOCAL;
    if (!ipCheckMcRcu(inDev, fl4.daddr, fl4.saddr, fl4.proto)) flags &= ~RTCF_LOCAL;
    else doCache = false;
    // If a multicast route does not exist use the default one, but do not use
    // its gateway. (Linux: "Yes, it is hack.")
    if (fi !== null && res.prefixlen < 4) fi = null;
  } else if (type === RTN_LOCAL && origOif !== 0 && origOif !== devOut.ifindex) {
    // A local route that asks for a particular interface is not cached: with several
    // addresses on the interface, the cached result would deliver on loopback with
    // the wrong IP_PKTINFO ifindex.
    doCache = false;
  }

  let fnhe = null;
  doCache = doCache && fi !== null;
  if (fi !== null) {
    const nh = FIB_RES_NH(res);
    fnhe = findException(nh, fl4.daddr);
    if (doCache) {
      let cached: Rtable | null;
      if (fnhe !== null) {
        cached = fnhe.fnheRthOutput;
      } else if ((fl4.flags & FLOWI_FLAG_KNOWN_NH) !== 0 && !(nh.fibNhGwFamily && nh.fibNhScope === RT_SCOPE_LINK)) {
        doCache = false;
        cached = null;
      } else {
        cached = nh.nhRthOutput as Rtable | null;
      }
      if (doCache && rtCacheValid(cached)) return cached;
    }
  }

  const rth = rtDstAlloc(devOut, flags, type);
  rth.rtIif = origOif;
  const stat = rtNet(devOut.net).stat;
  stat.outSlowTot++;
  if (flags & (RTCF_BROADCAST | RTCF_MULTICAST)) {
    if ((flags & RTCF_LOCAL) !== 0 && !(devOut.flags & IFF_LOOPBACK)) {
      rth.output = ipMcOutput;
      stat.outSlowMc++;
    }
    // Ensure the MTU value of broadcast routes is retained.
    if (type === RTN_BROADCAST && res.fi !== null) rth.metrics = res.fi.fibMetrics;
  }
  rtSetNexthop(rth, fl4.daddr, res, fnhe, fi, 0, doCache);
  return rth;
}

/**
 * Linux: ip_route_output_key_hash_rcu(): the output route for `fl4`; fills
 * fl4.saddr (when 0) and fl4.oif. Returns the route or a negative errno.
 */
export function ipRouteOutputKeyHashRcu(net: Net, fl4: Flowi4, res: FibResult, skb: SkBuff | null): Rtable | number {
  let devOut: NetDevice | null = null;
  let origOif = fl4.oif;
  let flags = 0;

  if (fl4.saddr) {
    if (ipv4IsMulticast(fl4.saddr) || ipv4IsLbcast(fl4.saddr) || ipv4IsZeronet(fl4.saddr)) return -EINVAL;
    // Moreover, we are allowed to send packets with the saddr of another iface. --ANK
    if (fl4.oif === 0 && (ipv4IsMulticast(fl4.daddr) || ipv4IsLbcast(fl4.daddr))) {
      // It is equivalent to inet_addr_type(saddr) == RTN_LOCAL.
      devOut = ipDevFind(net, fl4.saddr);
      if (devOut === null) return -ENETUNREACH;
      // Special hack: a multicast or limited broadcast leaves by the interface
      // that owns the source address (vic, vat and friends rely on it).
      fl4.oif = devOut.ifindex;
      return mkrouteOutput(res, fl4, origOif, devOut, flags);
    }
    if (!(fl4.flags & FLOWI_FLAG_ANYSRC)) {
      if (ipDevFind(net, fl4.saddr) === null) return -ENETUNREACH;
    }
  }

  if (fl4.oif) {
    devOut = net.devGetByIndex(fl4.oif);
    if (devOut === null) return -ENODEV;
    // RACE: Check return value of inet_select_addr instead.
    if (!(devOut.flags & IFF_UP) || inDevGet(devOut) === null) return -ENETUNREACH;
    if (ipv4IsLocalMulticast(fl4.daddr) || ipv4IsLbcast(fl4.daddr) || fl4.proto === IPPROTO_IGMP) {
      if (!fl4.saddr) fl4.saddr = inetSelectAddr(devOut, 0, RT_SCOPE_LINK);
      return mkrouteOutput(res, fl4, origOif, devOut, flags);
    }
    if (!fl4.saddr) {
      if (ipv4IsMulticast(fl4.daddr)) fl4.saddr = inetSelectAddr(devOut, 0, fl4.scope);
      else if (!fl4.daddr) fl4.saddr = inetSelectAddr(devOut, 0, RT_SCOPE_HOST);
    }
  }

  if (!fl4.daddr) {
    fl4.daddr = fl4.saddr;
    if (!fl4.daddr) fl4.daddr = fl4.saddr = INADDR_LOOPBACK;
    devOut = net.loopbackDev!;
    fl4.oif = LOOPBACK_IFINDEX;
    res.type = RTN_LOCAL;
    flags |= RTCF_LOCAL;
    return mkrouteOutput(res, fl4, origOif, devOut, flags);
  }

  const err = fibLookup(net, fl4, res, 0);
  if (err) {
    res.fi = null;
    res.table = null;
    if (fl4.oif) {
      // Apparently, routing tables are wrong. Assume that the destination is on
      // link: we are allowed to send to an interface even if it has no routes and
      // no addresses; with oif the tables only tell whether the destination is
      // gatewayed. --ANK
      if (fl4.saddr === 0) fl4.saddr = inetSelectAddr(devOut!, 0, RT_SCOPE_LINK);
      res.type = RTN_UNICAST;
      return mkrouteOutput(res, fl4, origOif, devOut!, flags);
    }
    return err;
  }

  if (res.type === RTN_LOCAL) {
    if (!fl4.saddr) {
      if (res.fi!.fibPrefsrc) fl4.saddr = res.fi!.fibPrefsrc;
      else fl4.saddr = fl4.daddr;
    }
    // The loopback device carries traffic to local addresses (no L3 master devices here).
    devOut = net.loopbackDev!;
    // Make sure orig_oif points to the FIB result device even though the packet
    // goes over loopback.
    origOif = FIB_RES_OIF(res);
    fl4.oif = devOut.ifindex;
    flags |= RTCF_LOCAL;
    return mkrouteOutput(res, fl4, origOif, devOut, flags);
  }

  fibSelectPath(net, res, fl4, skb);
  devOut = FIB_RES_DEV(res);
  if (devOut === null) return -ENETUNREACH;
  return mkrouteOutput(res, fl4, origOif, devOut, flags);
}

/** Linux: ip_route_output_key_hash(). */
export function ipRouteOutputKeyHash(net: Net, fl4: Flowi4, skb: SkBuff | null): Rtable | number {
  // A fresh result each time, as Linux's on-stack one: the namespace's scratch, reset.
  const res = rtNet(net).outRes;
  res.prefix = 0;
  res.prefixlen = 0;
  res.nhSel = 0;
  res.type = RTN_UNSPEC;
  res.scope = 0;
  res.tclassid = 0;
  res.nhc = null;
  res.fi = null;
  res.table = null;
  res.tos = 0;
  res.faPfx = 0;
  fl4.iif = LOOPBACK_IFINDEX;
  fl4.tos &= INET_DSCP_MASK;
  return ipRouteOutputKeyHashRcu(net, fl4, res, skb);
}

/** Linux: __ip_route_output_key(). */
export function ipRouteOutputKeyRaw(net: Net, fl4: Flowi4): Rtable | number {
  return ipRouteOutputKeyHash(net, fl4, null);
}

/** Linux: ip_route_output_flow(): the route for a socket's flow (xfrm has nothing to add here). */
export function ipRouteOutputFlow(net: Net, fl4: Flowi4, _sk: unknown): Rtable | number {
  const rt = ipRouteOutputKeyHash(net, fl4, null);
  if (typeof rt === 'number') return rt;
  if (fl4.proto) fl4.oif = rt.dev!.ifindex;
  return rt;
}

/** Linux: ip_route_output_key(). */
export function ipRouteOutputKey(net: Net, fl4: Flowi4): Rtable | number {
  return ipRouteOutputFlow(net, fl4, null);
}

/** Linux: ip_route_output_ports(): a flow from its parts, then ip_route_output_flow. */
export function ipRouteOutputPorts(net: Net, fl4: Flowi4, sk: InetSock | null, daddr: number, saddr: number,
  dport: number, sport: number, proto: number, tos: number, oif: number): Rtable | number {
  initOutputFlow(fl4, oif, sk !== null ? sk.mark : 0, tos & INET_DSCP_MASK, ipSockRtScope(sk), proto,
    sk !== null ? inetSkFlowiFlags(sk) : 0, daddr, saddr, dport, sport, sk !== null ? sk.uid : 0);
  return ipRouteOutputFlow(net, fl4, sk);
}

/** Linux: flowi4_init_output() on an existing flow. */
function initOutputFlow(f: Flowi4, oif: number, mark: number, tos: number, scope: number, proto: number,
  flags: number, daddr: number, saddr: number, dport: number, sport: number, uid: number): void {
  f.oif = oif;
  f.iif = LOOPBACK_IFINDEX;
  f.mark = mark;
  f.tos = tos;
  f.scope = scope;
  f.proto = proto;
  f.flags = flags;
  f.daddr = daddr >>> 0;
  f.saddr = saddr >>> 0;
  f.dport = dport;
  f.sport = sport;
  f.uid = uid;
  f.multipathHash = 0;
  f.icmpType = 0;
  f.icmpCode = 0;
}

/** Linux: ip_sock_rt_scope(): SO_DONTROUTE (SOCK_LOCALROUTE) restricts the lookup to link scope. */
function ipSockRtScope(sk: Sock | null): number {
  return sk !== null && sockFlag(sk, SOCK_LOCALROUTE) ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
}

/** Linux: ip_sock_rt_tos(). */
function ipSockRtTos(sk: InetSock): number {
  return sk.tos & INET_DSCP_MASK;
}

/** Linux: inet_sk_flowi_flags(): FLOWI_FLAG_ANYSRC for transparent/freebind sockets. */
function inetSkFlowiFlags(sk: InetSock): number {
  return sk.transparent || sk.hdrincl ? FLOWI_FLAG_ANYSRC : 0;
}

/**
 * Linux: ip_route_connect() (include/net/route.h): route for connect()/sendto on a
 * socket. When the source or destination is still open, a first lookup picks them
 * and the flow is updated (flowi4_update_output) before the final lookup.
 */
export function ipRouteConnect(fl4: Flowi4, dst: number, src: number, oif: number, protocol: number,
  sport: number, dport: number, sk: InetSock): Rtable | number {
  const net = sk.net;
  initOutputFlow(fl4, oif, sk.mark, ipSockRtTos(sk), ipSockRtScope(sk), protocol, inetSkFlowiFlags(sk),
    dst, src, dport, sport, sk.uid);
  if (!dst || !src) {
    const rt = ipRouteOutputKeyRaw(net, fl4);
    if (typeof rt === 'number') return rt;
    // Linux: flowi4_update_output(fl4, oif, fl4->daddr, fl4->saddr).
    fl4.oif = oif;
  }
  return ipRouteOutputFlow(net, fl4, sk);
}

/* ------------------------------------------------------------------ */
/* PMTU and redirects learned from ICMP                                */

/** Linux: __build_flow_key(): a flow for the quoted header at `off` in `buf`. */
function buildFlowKey(fl4: Flowi4, sk: InetSock | null, buf: Uint8Array, off: number, oif: number,
  tos: number, prot: number, mark: number, flowFlags: number): void {
  let scope = RT_SCOPE_UNIVERSE;
  let uid = 0;
  if (sk !== null) {
    oif = sk.boundDevIf;
    mark = sk.mark;
    tos = ipSockRtTos(sk);
    scope = ipSockRtScope(sk);
    prot = sk.hdrincl ? IPPROTO_RAW : sk.protocol;
    uid = sk.uid;
  }
  initOutputFlow(fl4, oif, mark, tos & INET_DSCP_MASK, scope, prot, flowFlags,
    readU32(buf, off + IPH_DADDR), readU32(buf, off + IPH_SADDR), 0, 0, uid);
}

/** Linux: ip_mtu_locked(). */
function ipMtuLocked(rt: Rtable): boolean {
  return rt.rtMtuLocked || (rt.metrics[RTAX_LOCK]! & (1 << RTAX_MTU)) !== 0;
}

/**
 * Linux: __ip_rt_update_pmtu(): remember a smaller path MTU for fl4.daddr on the
 * nexthop(s) the route uses, for mtu_expires seconds. Below min_pmtu the MTU is
 * clamped to min_pmtu and locked (DF is then no longer set: ip_dont_fragment).
 */
function ipRtUpdatePmtuFlow(rt: Rtable, fl4: Flowi4, mtu: number): void {
  if (ipMtuLocked(rt)) return;
  const oldMtu = rt.mtu();
  if (oldMtu < mtu) return;
  const net = rt.dev!.net;
  const sysctl = ipv4Net(net).sysctl;
  const now = net.kernel.clock.now();
  let lock = false;
  if (mtu < sysctl.routeMinPmtu) {
    lock = true;
    mtu = Math.min(oldMtu, sysctl.routeMinPmtu);
  }
  const expiresNs = sysctl.routeMtuExpires * 1_000_000_000;
  if (rt.rtPmtu === mtu && !lock && now < rt.expires - expiresNs / 2) return;
  const res = new FibResult();
  if (fibLookup(net, fl4, res, 0) === 0) {
    fibSelectPath(net, res, fl4, null);
    if (res.fi !== null && fibInfoNumPath(res.fi) > 1) {
      for (let nhsel = 0; nhsel < fibInfoNumPath(res.fi); nhsel++) {
        updateOrCreateFnhe(fibInfoNh(res.fi, nhsel), fl4.daddr, 0, mtu, lock, now + expiresNs);
      }
      return;
    }
    if (res.nhc !== null) updateOrCreateFnhe(FIB_RES_NH(res), fl4.daddr, 0, mtu, lock, now + expiresNs);
  }
}

/**
 * Linux: ip_rt_update_pmtu() (dst_ops->update_pmtu): an ICMP frag-needed or a
 * tunnel reported `mtu` for the packet `skb` (or the socket's flow when skb is null).
 */
export function ipRtUpdatePmtu(rt: Rtable, sk: InetSock | null, skb: SkBuff | null, mtu: number): void {
  const fl4 = new Flowi4();
  if (skb !== null) {
    const nh = skb.networkHeader;
    buildFlowKey(fl4, sk, skb.buf, nh, skb.dev !== null ? skb.dev.ifindex : 0, skb.buf[nh + IPH_TOS]!,
      skb.buf[nh + IPH_PROTOCOL]!, skb.mark, 0);
  } else if (sk !== null) {
    buildSkFlowKey(fl4, sk);
  } else {
    return;
  }
  ipRtUpdatePmtuFlow(rt, fl4, mtu);
}

/** Linux: build_sk_flow_key(). */
function buildSkFlowKey(fl4: Flowi4, sk: InetSock): void {
  let daddr = sk.inetDaddr;
  const opt = sk.inetOpt;
  if (opt !== null && opt.srr) daddr = opt.faddr;
  initOutputFlow(fl4, sk.boundDevIf, sk.mark, ipSockRtTos(sk), ipSockRtScope(sk),
    sk.hdrincl ? IPPROTO_RAW : sk.protocol, inetSkFlowiFlags(sk), daddr, sk.inetSaddr, 0, 0, sk.uid);
}

/**
 * Linux: ipv4_update_pmtu(): ICMP "fragmentation needed" quoting a packet we sent
 * (`skb.data` at the quoted IP header): learn `mtu` for its destination.
 */
export function ipv4UpdatePmtu(skb: SkBuff, net: Net, mtu: number, oif: number, protocol: number): void {
  const fl4 = new Flowi4();
  // Linux: IP4_REPLY_MARK(net, skb->mark): the mark only with fwmark_reflect (0 here).
  buildFlowKey(fl4, null, skb.buf, skb.data, oif, skb.buf[skb.data + IPH_TOS]!, protocol, 0, 0);
  const rt = ipRouteOutputKeyRaw(net, fl4);
  if (typeof rt !== 'number') ipRtUpdatePmtuFlow(rt, fl4, mtu);
}

/** Linux: ip_sk_accept_pmtu(). */
function ipSkAcceptPmtu(sk: InetSock): boolean {
  return sk.pmtudisc !== IP_PMTUDISC_INTERFACE && sk.pmtudisc !== IP_PMTUDISC_OMIT;
}

/**
 * Linux: ipv4_sk_update_pmtu(): as ipv4UpdatePmtu for a socket's packet; the
 * socket's cached route is refreshed so its next send sees the new MTU.
 */
export function ipv4SkUpdatePmtu(skb: SkBuff, sk: InetSock, mtu: number): void {
  const net = sk.net;
  if (!ipSkAcceptPmtu(sk)) return;
  const odst = sk.dstCache as Rtable | null;
  const fl4 = new Flowi4();
  buildFlowKey(fl4, sk, skb.buf, skb.data, 0, 0, 0, 0, 0);
  if (odst === null) {
    // Linux: __ipv4_sk_update_pmtu().
    const rt = ipRouteOutputKeyRaw(net, fl4);
    if (typeof rt !== 'number') ipRtUpdatePmtuFlow(rt, fl4, mtu);
    return;
  }
  let rt: Rtable | number = odst;
  let fresh = false;
  if (odst.obsolete) {
    rt = ipRouteOutputFlow(net, fl4, sk);
    if (typeof rt === 'number') return;
    fresh = true;
  }
  ipRtUpdatePmtuFlow(rt, fl4, mtu);
  if (rt.obsolete) {
    rt = ipRouteOutputFlow(net, fl4, sk);
    if (typeof rt === 'number') return;
    fresh = true;
  }
  if (fresh) skDstSet(sk, rt);
}

/**
 * Linux: __ip_do_redirect(): an ICMP redirect (outer IP header at
 * skb.networkHeader, ICMP header at skb.transportHeader, quoted header at
 * skb.data) from our gateway `old_gw` tells us to use `new_gw` for fl4.daddr.
 * Accepted per accept_redirects, secure_redirects and shared_media as Linux does,
 * and only once the new gateway's neighbour entry is valid (else resolution starts).
 */
function ipDoRedirectFlow(rt: Rtable, skb: SkBuff, fl4: Flowi4, killRoute: boolean): void {
  const icmp = skb.transportHeader;
  const newGw = readU32(skb.buf, icmp + 4);
  const oldGw = readU32(skb.buf, skb.networkHeader + IPH_SADDR);
  const dev = skb.dev;
  const code = skb.buf[icmp + 1]! & 7;
  if (code !== ICMP_REDIR_NET && code !== ICMP_REDIR_NETTOS && code !== ICMP_REDIR_HOST && code !== ICMP_REDIR_HOSTTOS) return;
  if (rt.rtGwFamily !== AF_INET || rt.rtGw4 !== oldGw) return;
  const inDev = inDevGet(dev);
  if (inDev === null || dev === null) return;
  const net = dev.net;
  let ok = true;
  if (newGw === oldGw || !inDevRxRedirects(inDev) || ipv4IsMulticast(newGw) || ipv4IsLbcast(newGw)
    || ipv4IsZeronet(newGw)) {
    ok = false;
  } else if (!inDevSharedMedia(inDev)) {
    if (!inetAddrOnlink(inDev, newGw, oldGw)) ok = false;
    else if (inDevSecRedirects(inDev) && ipFibCheckDefault(newGw, dev) !== 0) ok = false;
  } else if (inetAddrType(net, newGw) !== RTN_UNICAST) {
    ok = false;
  }
  if (!ok) {
    if (inDevLogMartians(inDev)) {
      const iph = skb.data;
      rtLog(net, `Redirect from ${inAddrStr(oldGw)} on ${dev.name} about ${inAddrStr(newGw)} ignored\n`
        + `  Advised path = ${inAddrStr(readU32(skb.buf, iph + IPH_SADDR))} -> ${inAddrStr(readU32(skb.buf, iph + IPH_DADDR))}`);
    }
    return;
  }
  if (!ipv4NeighValidOrResolve(rt.dev!, newGw)) return;
  const res = new FibResult();
  if (fibLookup(net, fl4, res, 0) === 0) {
    fibSelectPath(net, res, fl4, skb);
    if (res.nhc !== null) {
      updateOrCreateFnhe(FIB_RES_NH(res), fl4.daddr, newGw, 0, false,
        net.kernel.clock.now() + jiffiesToNs(rtNet(net).global.gcTimeout));
    }
  }
  if (killRoute) rtKill(rt);
}

/** Linux: ip_do_redirect() (dst_ops->redirect): a redirect for a socket's cached route. */
export function ipDoRedirect(rt: Rtable, sk: InetSock | null, skb: SkBuff): void {
  const fl4 = new Flowi4();
  const iph = skb.data;
  buildFlowKey(fl4, sk, skb.buf, iph, skb.dev!.ifindex, skb.buf[iph + IPH_TOS]!, skb.buf[iph + IPH_PROTOCOL]!,
    skb.mark, 0);
  ipDoRedirectFlow(rt, skb, fl4, true);
}

/** Linux: ipv4_redirect(): an ICMP redirect quoting a packet of `protocol` we sent. */
export function ipv4Redirect(skb: SkBuff, net: Net, oif: number, protocol: number): void {
  const fl4 = new Flowi4();
  buildFlowKey(fl4, null, skb.buf, skb.data, oif, skb.buf[skb.data + IPH_TOS]!, protocol, 0, 0);
  const rt = ipRouteOutputKeyRaw(net, fl4);
  if (typeof rt !== 'number') ipDoRedirectFlow(rt, skb, fl4, false);
}

/** Linux: ipv4_sk_redirect(). */
export function ipv4SkRedirect(skb: SkBuff, sk: InetSock): void {
  const net = sk.net;
  const fl4 = new Flowi4();
  buildFlowKey(fl4, sk, skb.buf, skb.data, 0, 0, 0, 0, 0);
  const rt = ipRouteOutputKeyRaw(net, fl4);
  if (typeof rt !== 'number') ipDoRedirectFlow(rt, skb, fl4, false);
}

/** Linux: ipv4_negative_advice(): the socket drops a route that looks bad. */
export function ipv4NegativeAdvice(sk: Sock, rt: Rtable): void {
  if (rt.obsolete > 0 || (rt.rtFlags & RTCF_REDIRECTED) !== 0 || rt.expires) skDstSet(sk, null);
}

/**
 * Linux: ipv4_link_failure() (dst_ops->link_failure, called when the neighbour
 * cannot be resolved): ICMP host unreachable to the sender (ipv4_send_dest_unreach)
 * and the route expires now (dst_set_expires(dst, 0)).
 */
export function ipv4LinkFailure(skb: SkBuff): void {
  const nh = skb.networkHeader;
  // Linux re-checks that there is a sane IPv4 header (the options are recompiled there).
  if (nh >= 0 && skb.tail - nh >= 20 && skb.buf[nh]! >> 4 === 4 && (skb.buf[nh]! & 0xf) >= 5) {
    icmpSend(skb, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0);
  }
  const rt = skb.dst as Rtable | null;
  if (rt !== null && rt.dev !== null) {
    const expires = rt.dev.net.kernel.clock.now() || 1;
    if (rt.expires === 0 || expires < rt.expires) rt.expires = expires;
  }
}
