/**
 * IPv4 output (Linux: net/ipv4/ip_output.c, the inline helpers of include/net/ip.h
 * and include/net/route.h they use, and __ip_select_ident() of net/ipv4/route.c).
 * A datagram built by a transport (ipQueueXmit for connected sockets,
 * ipBuildAndSendPkt for replies with a known route, ipMakeSkb + ipSendSkb for
 * datagram senders) gets its header here and goes through ipLocalOut (LOCAL_OUT
 * hook) to the route's output function: ipOutput (POST_ROUTING hook) or ipMcOutput
 * (which first loops a copy back to this host), then ipFinishOutput, which
 * fragments what exceeds the path MTU (ipFragment/ipDoFragment, Linux's sizes:
 * payload a multiple of 8 bytes, options copied per their copy flag) and hands
 * each packet to the neighbour layer (ipFinishOutput2 -> ipNeighOutput).
 * Forwarded packets join at ipOutput (ip_forward.ts calls dst_output).
 *
 * Every function here consumes the skb it is given and returns 0, a positive
 * NET_XMIT_* code, or a negative errno, as Linux's do.
 */
import type { Net } from '../core/net_namespace.js';
import type { NetDevice } from '../core/netdevice.js';
import { NET_XMIT_CN } from '../core/netdevice.js';
import {
  type SkBuff, allocSkb, kfreeSkbReason, consumeSkb, skbClone, skbHeadroom, skbReserve, skbPut, skbPush,
  skbResetNetworkHeader, skbResetMacHeader, pskbExpandHead, CHECKSUM_PARTIAL, CHECKSUM_NONE,
  CHECKSUM_UNNECESSARY, PACKET_LOOPBACK,
} from '../core/skbuff.js';
import { skbSetOwnerW, skDstCheck, skDstSet } from '../core/sock.js';
import type { Sock } from '../core/sock.js';
import { dstOutput } from '../core/dst.js';
import { ETH_P_IP, netifRx, skbChecksumHelp } from '../core/dev.js';
import {
  SKB_DROP_REASON_IP_OUTNOROUTES, SKB_DROP_REASON_PKT_TOO_BIG, SKB_DROP_REASON_SKB_GSO_SEG,
  SKB_DROP_REASON_NOT_SPECIFIED,
} from '../core/drop_reason.js';
import {
  IPSTATS_MIB_OUTREQUESTS, IPSTATS_MIB_OUTPKTS, IPSTATS_MIB_OUTOCTETS, IPSTATS_MIB_OUTMCASTPKTS,
  IPSTATS_MIB_OUTMCASTOCTETS, IPSTATS_MIB_OUTBCASTPKTS, IPSTATS_MIB_OUTBCASTOCTETS, IPSTATS_MIB_OUTNOROUTES,
  IPSTATS_MIB_FRAGOKS, IPSTATS_MIB_FRAGFAILS, IPSTATS_MIB_FRAGCREATES, IPSTATS_MIB_OUTDISCARDS,
} from '../core/snmp.js';
import {
  NFPROTO_IPV4, NF_INET_LOCAL_OUT, NF_INET_POST_ROUTING, nfHook, nfHookCond, nfHookNoOkfn,
} from '../netfilter/core.js';
import { readU16, writeU16, writeU32 } from '../wire/bytes.js';
import {
  IPV4_HLEN, IP_DF, IP_MF, IP_OFFSET, IPH_TOT_LEN, IPH_ID, IPH_FRAG_OFF, IPH_TTL, IPH_PROTOCOL, IPH_CHECK,
  IPH_SADDR, IPH_DADDR, IPH_TOS, IPPROTO_ICMP, IPPROTO_TCP,
} from '../wire/iphdr.js';
import { ipFastCsum } from '../wire/checksum.js';
import { ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED } from '../wire/icmphdr.js';
import { RTAX_HOPLIMIT, RTAX_LOCK, RTAX_MTU, RTN_BROADCAST, RTN_MULTICAST } from '../wire/route.js';
import { EHOSTUNREACH, EMSGSIZE, ENETUNREACH, ENOBUFS, ENOMEM, EAGAIN, EINVAL } from '../socket/errno.js';
import { featuresNoGso, netifSkbFeatures, skbGsoSegment, skbGsoValidateNetworkLen } from '../core/gso.js';
import { SOCK_RAW } from '../socket/socket.js';
import { ipv4Net } from './netns_ipv4.js';
import {
  type Rtable, type Flowi4, IP_MAX_MTU, FLOWI_FLAG_KNOWN_NH, RTCF_MULTICAST, RTCF_BROADCAST, RTCF_LOCAL, rtNexthop, skbRtable,
} from './rtable.js';
import {
  IPCB, InetSkbParm, IpcmCookie, IPSKB_FORWARDED, IPSKB_REROUTED, IPSKB_FRAG_COMPLETE, IPSKB_FRAG_PMTU,
} from './ip.js';
import {
  type InetSock, type IpOptions, IP_PMTUDISC_DO, IP_PMTUDISC_WANT, IP_PMTUDISC_PROBE, IP_PMTUDISC_OMIT,
} from './inet_sock.js';
import { icmpSend, icmpOutCount } from './icmp.js';
import { ipLocalError } from './ip_sockglue.js';
import { ipNeighOutput } from './arp.js';
import { ipRouteOutputPorts } from './route_output.js';
import { ipOptionsBuild, ipOptionsFragment } from './ip_options.js';

/** Linux: IPV4_MIN_MTU (RFC 791: every host must accept 68-byte datagrams unfragmented). */
export const IPV4_MIN_MTU = 68;
/** Linux: HH_DATA_MOD: link-layer headers are reserved in 16-byte units. */
const HH_DATA_MOD = 16;
/** Linux: MSG_PROBE (do not send, only probe the path). */
export const MSG_PROBE = 0x10;

/* ------------------------------------------------------------------ */
/* Small helpers of include/net/ip.h, route.h, netdevice.h             */

/** Linux: LL_RESERVED_SPACE(dev): headroom a link-layer header needs, rounded to 16. */
export function llReservedSpace(dev: NetDevice): number {
  return ((dev.hardHeaderLen + dev.neededHeadroom) & ~(HH_DATA_MOD - 1)) + HH_DATA_MOD;
}

/** The IPCB of an skb if IPv4 made one, without making it (IPCB allocation is lazy here). */
export function ipcbPeek(skb: SkBuff): InetSkbParm | null {
  const cb = skb.cb;
  return cb instanceof InetSkbParm ? cb : null;
}

/** IPCB(skb)->flags, 0 when there is no control block yet. */
export function ipcbFlags(skb: SkBuff): number {
  const cb = skb.cb;
  return cb instanceof InetSkbParm ? cb.flags : 0;
}

/** Linux: ip_send_check(): recompute the header checksum of the IPv4 header at `off`. */
export function ipSendCheck(buf: Uint8Array, off: number): void {
  buf[off + IPH_CHECK] = 0;
  buf[off + IPH_CHECK + 1] = 0;
  writeU16(buf, off + IPH_CHECK, ipFastCsum(buf, off, buf[off]! & 0xf));
}

/** Linux: ip_mtu_locked(): the route's MTU must not be changed by PMTU discovery. */
export function ipMtuLocked(rt: Rtable): boolean {
  return rt.rtMtuLocked || (rt.metrics[RTAX_LOCK]! & (1 << RTAX_MTU)) !== 0;
}

/** Linux: ip_sk_use_pmtu(): the socket follows the route's path MTU. */
export function ipSkUsePmtu(sk: InetSock): boolean {
  return sk.pmtudisc < IP_PMTUDISC_PROBE;
}

/** Linux: ip_sk_ignore_df(): this host may fragment the socket's datagrams even with DF. */
export function ipSkIgnoreDf(sk: InetSock): boolean {
  return sk.pmtudisc < IP_PMTUDISC_DO || sk.pmtudisc === IP_PMTUDISC_OMIT;
}

/** Linux: ip_dont_fragment(): whether the socket's datagrams carry DF on this route. */
export function ipDontFragment(sk: InetSock, rt: Rtable): boolean {
  const pmtudisc = sk.pmtudisc;
  return pmtudisc === IP_PMTUDISC_DO || (pmtudisc === IP_PMTUDISC_WANT && !ipMtuLocked(rt));
}

/**
 * Linux: ip_dst_mtu_maybe_forward(): the MTU a packet on `rt` must fit. A forwarded
 * packet ignores a learned PMTU unless net.ipv4.ip_forward_use_pmtu or the route's
 * MTU is locked (the route metric always counts).
 */
export function ipDstMtuMaybeForward(rt: Rtable, forwarding: boolean): number {
  const dev = rt.dev!;
  let mtu = 0;
  if (ipv4Net(dev.net).sysctl.ipForwardUsePmtu !== 0 || ipMtuLocked(rt) || !forwarding) {
    mtu = rt.rtPmtu;
    if (mtu !== 0 && rt.expires !== 0 && dev.net.kernel.clock.now() < rt.expires) {
      return mtu < IP_MAX_MTU ? mtu : IP_MAX_MTU;
    }
  }
  mtu = rt.metrics[RTAX_MTU]!;
  if (mtu === 0) {
    mtu = dev.mtu;
    if (ipMtuLocked(rt) && rt.rtUsesGateway && mtu > 576) mtu = 576;
  }
  return mtu < IP_MAX_MTU ? mtu : IP_MAX_MTU;
}

/** Linux: ip_skb_dst_mtu(): the MTU ipFinishOutput fragments to. */
export function ipSkbDstMtu(sk: unknown, skb: SkBuff): number {
  const rt = skb.dst as Rtable;
  if (sk === null || ipSkUsePmtu(sk as InetSock)) {
    return ipDstMtuMaybeForward(rt, (ipcbFlags(skb) & IPSKB_FORWARDED) !== 0);
  }
  const mtu = rt.dev!.mtu;
  return mtu < IP_MAX_MTU ? mtu : IP_MAX_MTU;
}

/** Linux: ip4_dst_hoplimit(): the route's hoplimit metric, else net.ipv4.ip_default_ttl. */
export function ip4DstHoplimit(rt: Rtable): number {
  const hoplimit = rt.metrics[RTAX_HOPLIMIT]!;
  return hoplimit !== 0 ? hoplimit : ipv4Net(rt.dev!.net).sysctl.ipDefaultTtl;
}

/** Linux: ip_select_ttl(): IP_TTL of the socket, else the route's hoplimit. */
export function ipSelectTtl(sk: InetSock, rt: Rtable): number {
  const ttl = sk.ucTtl;
  return ttl >= 0 ? ttl : ip4DstHoplimit(rt);
}

/* ------------------------------------------------------------------ */
/* IP identifiers (Linux: net/ipv4/route.c ip_idents_reserve, __ip_select_ident) */

/** Linux: the size of ip_idents (2048 is the floor alloc_large_system_hash gives). */
const IP_IDENTS_SZ = 2048;
/** Linux: jiffies start 5 minutes before wrapping (INITIAL_JIFFIES, as u32 at HZ 250). */
const INITIAL_JIFFIES = 0xfffedb08;
const NS_PER_JIFFY = 4_000_000;

/** The kernel-wide ID generators (Linux: ip_idents + ip_tstamps, global, not per namespace). */
export class IpIdents {
  readonly ids = new Uint32Array(IP_IDENTS_SZ);
  readonly tstamps = new Uint32Array(IP_IDENTS_SZ);
}

function ipIdents(net: Net): IpIdents {
  const n4 = ipv4Net(net);
  const c = n4.idents;
  if (c !== null) return c;
  const k = net.kernel;
  let t = k.generic.get('ip_idents') as IpIdents | undefined;
  if (t === undefined) {
    t = new IpIdents();
    k.generic.set('ip_idents', t);
  }
  n4.idents = t;
  return t;
}

/**
 * Linux: ip_idents_reserve(): reserve `segs` consecutive IDs from the bucket of
 * `hash`. A bucket unused for a while jumps ahead by a random amount below the
 * jiffies elapsed, so an observer cannot count the packets sent in between.
 */
function ipIdentsReserve(net: Net, hash: number, segs: number): number {
  const t = ipIdents(net);
  const k = net.kernel;
  const bucket = hash & (IP_IDENTS_SZ - 1);
  const now = (INITIAL_JIFFIES + Math.floor(k.clock.now() / NS_PER_JIFFY)) >>> 0;
  const old = t.tstamps[bucket]!;
  let delta = 0;
  if (old !== now) {
    t.tstamps[bucket] = now;
    delta = k.rng.below((now - old) >>> 0);
  }
  const id = (t.ids[bucket]! + segs + delta) >>> 0;
  t.ids[bucket] = id;
  return (id - segs) >>> 0;
}

/** A keyed 32-bit mix of (daddr, saddr, protocol) (Linux: siphash_3u32 with net->ipv4.ip_id_key). */
function identHash(daddr: number, saddr: number, protocol: number, key: number): number {
  let h = Math.imul(daddr ^ key, 0xcc9e2d51);
  h = Math.imul((h << 15) | (h >>> 17), 0x1b873593) ^ saddr;
  h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
  h ^= Math.imul(protocol ^ (key >>> 16), 0x85ebca6b);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Linux: __ip_select_ident(): an ID from the hashed generators for the header at `off`. */
export function __ipSelectIdent(net: Net, buf: Uint8Array, off: number, segs: number): void {
  const hash = identHash(readU32At(buf, off + IPH_DADDR), readU32At(buf, off + IPH_SADDR), buf[off + IPH_PROTOCOL]!,
    ipv4Net(net).identSeed);
  writeU16(buf, off + IPH_ID, ipIdentsReserve(net, hash, segs) & 0xffff);
}

function readU32At(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/**
 * Linux: ip_select_ident_segs(): a connected socket numbers its packets itself
 * (inet_id); a DF packet that this host may not fragment gets ID 0 (RFC 6864: the
 * ID of an atomic datagram is meaningless); the rest use the hashed generators.
 */
export function ipSelectIdentSegs(net: Net, skb: SkBuff, sk: unknown, segs: number): void {
  const buf = skb.buf;
  const off = skb.networkHeader;
  const inet = sk as InetSock | null;
  if (inet !== null && inet.inetDaddr !== 0) {
    let val: number;
    if (inet.protocol === IPPROTO_TCP) {
      // TCP holds the socket lock: the current value, then advance.
      val = inet.inetId;
      inet.inetId = (val + segs) & 0xffff;
    } else {
      // Linux: atomic_add_return(): the advanced value.
      val = inet.inetId = (inet.inetId + segs) & 0xffff;
    }
    writeU16(buf, off + IPH_ID, val);
    return;
  }
  if ((readU16(buf, off + IPH_FRAG_OFF) & IP_DF) !== 0 && !skb.ignoreDf) {
    writeU16(buf, off + IPH_ID, 0);
  } else {
    __ipSelectIdent(net, buf, off, segs);
  }
}

/** Linux: ip_select_ident(). */
export function ipSelectIdent(net: Net, skb: SkBuff, sk: unknown): void {
  ipSelectIdentSegs(net, skb, sk, 1);
}

/* ------------------------------------------------------------------ */
/* ip_local_out, ip_output, ip_finish_output                           */

/**
 * Linux: __ip_local_out(): set tot_len and the checksum, run NF_INET_LOCAL_OUT.
 * Returns 1 when the caller should continue with dst_output.
 */
export function __ipLocalOut(net: Net, sk: unknown, skb: SkBuff): number {
  const buf = skb.buf;
  const off = skb.networkHeader;
  ipv4Net(net).mib.ip[IPSTATS_MIB_OUTREQUESTS]++;
  // Linux: iph_set_totlen(): a BIG TCP packet over 64 KiB says 0.
  writeU16(buf, off + IPH_TOT_LEN, skb.len <= IP_MAX_MTU ? skb.len : 0);
  ipSendCheck(buf, off);
  skb.protocol = ETH_P_IP;
  return nfHookNoOkfn(NFPROTO_IPV4, NF_INET_LOCAL_OUT, net, sk, skb, null, skb.dst!.dev, dstOutput);
}

/** Linux: ip_local_out(). Consumes the skb (its data starts at the IP header, skb.dst set). */
export function ipLocalOut(net: Net, sk: unknown, skb: SkBuff): number {
  let err = __ipLocalOut(net, sk, skb);
  if (err === 1) err = dstOutput(net, sk, skb);
  return err;
}

/** Linux: ip_output(): the output function of unicast routes. */
export function ipOutput(net: Net, sk: unknown, skb: SkBuff): number {
  const dev = skb.dst!.dev!;
  const indev = skb.dev;
  skb.dev = dev;
  skb.protocol = ETH_P_IP;
  return nfHookCond(NFPROTO_IPV4, NF_INET_POST_ROUTING, net, sk, skb, indev, dev, ipFinishOutput,
    (ipcbFlags(skb) & IPSKB_REROUTED) === 0);
}

/** Linux: ip_finish_output() / __ip_finish_output() (no BPF cgroup programs, no xfrm). */
export function ipFinishOutput(net: Net, sk: unknown, skb: SkBuff): number {
  const mtu = ipSkbDstMtu(sk, skb);
  if (skb.gsoSize !== 0) return ipFinishOutputGso(net, sk, skb, mtu);
  const cb = ipcbPeek(skb);
  if (skb.len > mtu || (cb !== null && cb.fragMaxSize !== 0)) return ipFragment(net, sk, skb, mtu, ipFinishOutput2);
  return ipFinishOutput2(net, sk, skb);
}

/**
 * Linux: ip_finish_output_gso(). The common case: every segment fits the MTU and the
 * GSO skb goes on whole (the device segments it, or validate_xmit_skb does in
 * software). Otherwise (a GRO packet forwarded without DF, a TAP's GSO packet, a
 * smaller egress MTU) it is segmented in software here, and each segment is
 * fragmented if it still does not fit (ip_fragment: DF segments get frag-needed).
 */
function ipFinishOutputGso(net: Net, sk: unknown, skb: SkBuff, mtu: number): number {
  // Common case: seglen is <= mtu.
  if (skbGsoValidateNetworkLen(skb, mtu)) return ipFinishOutput2(net, sk, skb);
  const features = featuresNoGso(netifSkbFeatures(skb));
  const segs = skbGsoSegment(skb, features);
  if (segs === null || typeof segs === 'number') {
    kfreeSkbReason(skb, SKB_DROP_REASON_SKB_GSO_SEG);
    return -ENOMEM;
  }
  consumeSkb(skb);
  let ret = 0;
  for (const seg of segs) {
    // Each segment carries its own copy of the IPCB (skb_segment copies skb->cb).
    const err = ipFragment(net, sk, seg, mtu, ipFinishOutput2);
    if (err !== 0 && ret === 0) ret = err;
  }
  return ret;
}

/**
 * Linux: ip_finish_output2(): count, make room for the link-layer header, and hand
 * the packet to the neighbour of the route's next hop (N's ipNeighOutput: lookup or
 * create, then neigh_output; it drops with NEIGH_CREATEFAIL itself).
 */
export function ipFinishOutput2(net: Net, _sk: unknown, skb: SkBuff): number {
  const rt = skb.dst as Rtable;
  const dev = rt.dev!;
  const mib = ipv4Net(net).mib.ip;
  const len = skb.len;
  if (rt.rtType === RTN_MULTICAST) {
    mib[IPSTATS_MIB_OUTMCASTPKTS]++;
    mib[IPSTATS_MIB_OUTMCASTOCTETS] += len;
  } else if (rt.rtType === RTN_BROADCAST) {
    mib[IPSTATS_MIB_OUTBCASTPKTS]++;
    mib[IPSTATS_MIB_OUTBCASTOCTETS] += len;
  }
  // Linux: "OUTOCTETS should be counted after fragment" (OutTransmits per packet sent).
  mib[IPSTATS_MIB_OUTPKTS]++;
  mib[IPSTATS_MIB_OUTOCTETS] += len;
  // Be paranoid, rather than too clever (Linux: skb_expand_head()).
  const hhLen = llReservedSpace(dev);
  if (skbHeadroom(skb) < hhLen && dev.headerOps !== null) pskbExpandHead(skb, hhLen - skbHeadroom(skb), 0);
  const nexthop = rtNexthop(rt, readU32At(skb.buf, skb.networkHeader + IPH_DADDR));
  return ipNeighOutput(net, dev, nexthop, skb);
}

/** Linux: ip_mc_finish_output(): a looped-back copy of a multicast/broadcast packet. */
function ipMcFinishOutput(net: Net, sk: unknown, skb: SkBuff): number {
  // Linux: rt_dst_clone(net->loopback_dev, rt) with rt_iif 0, so IP_PKTINFO reports
  // skb_iif: the copy's route is a clone on lo.
  const rt = skbRtable(skb);
  const lo = net.loopbackDev;
  if (rt !== null && lo !== null) skb.dst = rtDstClone(lo, rt);
  return devLoopbackXmit(net, sk, skb);
}

/** Linux: rt_dst_clone(): a copy of `rt` on device `dev` with rt_iif 0. */
function rtDstClone(dev: NetDevice, rt: Rtable): Rtable {
  const n = Object.create(Object.getPrototypeOf(rt) as object) as Rtable;
  Object.assign(n, rt);
  n.dev = dev;
  n.rtIif = 0;
  return n;
}

/**
 * Linux: net/core/dev.c dev_loopback_xmit(): give a copy of an outgoing packet to
 * our own receive path (as PACKET_LOOPBACK, checksum trusted), keeping its route.
 */
export function devLoopbackXmit(_net: Net, _sk: unknown, skb: SkBuff): number {
  skbResetMacHeader(skb);
  skb.data = skb.networkHeader;
  skb.pktType = PACKET_LOOPBACK;
  if (skb.ipSummed === CHECKSUM_NONE) skb.ipSummed = CHECKSUM_UNNECESSARY;
  netifRx(skb);
  return 0;
}

/**
 * Linux: ip_mc_output(): the output function of multicast and broadcast routes that
 * this host also receives (RTCF_LOCAL): a clone loops back through
 * dev_loopback_xmit (after POST_ROUTING), then the packet goes out as ip_output.
 * Multicast with TTL 0 stays on the host.
 */
export function ipMcOutput(net: Net, sk: unknown, skb: SkBuff): number {
  const rt = skb.dst as Rtable;
  const dev = rt.dev!;
  skb.dev = dev;
  skb.protocol = ETH_P_IP;
  if ((rt.rtFlags & RTCF_MULTICAST) !== 0) {
    // Linux: sk_mc_loop(): no socket (forwarded) loops; a socket says IP_MULTICAST_LOOP.
    // With CONFIG_IP_MROUTE only local traffic loops (forwarded copies would be dropped by ip_mr_input).
    const loop = sk === null || (sk as InetSock).mcLoop !== false;
    if (loop && ((rt.rtFlags & RTCF_LOCAL) !== 0 || (ipcbFlags(skb) & IPSKB_FORWARDED) === 0)) {
      const newskb = skbClone(skb);
      nfHook(NFPROTO_IPV4, NF_INET_POST_ROUTING, net, sk, newskb, null, newskb.dev, ipMcFinishOutput);
    }
    // Multicasts with ttl 0 must not go beyond the host.
    if (skb.buf[skb.networkHeader + IPH_TTL] === 0) {
      kfreeSkbReason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
      return 0;
    }
  }
  if ((rt.rtFlags & RTCF_BROADCAST) !== 0) {
    const newskb = skbClone(skb);
    nfHook(NFPROTO_IPV4, NF_INET_POST_ROUTING, net, sk, newskb, null, newskb.dev, ipMcFinishOutput);
  }
  return nfHookCond(NFPROTO_IPV4, NF_INET_POST_ROUTING, net, sk, skb, null, skb.dev, ipFinishOutput,
    (ipcbFlags(skb) & IPSKB_REROUTED) === 0);
}

/* ------------------------------------------------------------------ */
/* Fragmentation                                                       */

export type IpOutputFn = (net: Net, sk: unknown, skb: SkBuff) => number;

/**
 * Linux: ip_fragment(): a packet too big for `mtu`. Without DF, or when this host may
 * fragment it anyway (skb.ignoreDf, and no received fragment was larger than the MTU),
 * it is fragmented; otherwise it is refused with ICMP fragmentation needed (to the
 * local sender too: icmp_send accepts our own address) and -EMSGSIZE.
 */
export function ipFragment(net: Net, sk: unknown, skb: SkBuff, mtu: number, output: IpOutputFn): number {
  const fragOff = readU16(skb.buf, skb.networkHeader + IPH_FRAG_OFF);
  if ((fragOff & IP_DF) === 0) return ipDoFragment(net, sk, skb, output);
  const cb = ipcbPeek(skb);
  const fragMaxSize = cb !== null ? cb.fragMaxSize : 0;
  if (!skb.ignoreDf || (fragMaxSize !== 0 && fragMaxSize > mtu)) {
    ipv4Net(net).mib.ip[IPSTATS_MIB_FRAGFAILS]++;
    icmpSend(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, mtu);
    kfreeSkbReason(skb, SKB_DROP_REASON_PKT_TOO_BIG);
    return -EMSGSIZE;
  }
  return ipDoFragment(net, sk, skb, output);
}

/** Linux: struct ip_frag_state. */
export class IpFragState {
  /** Keep DF on the fragments (IPSKB_FRAG_PMTU). */
  df: boolean;
  hlen: number;
  llRs: number;
  /** Payload space per fragment. */
  mtu: number;
  left: number;
  /** Offset of the next payload byte, from the IP header. */
  ptr: number;
  /** Fragment offset of the next fragment, in bytes. */
  offset: number;
  notLastFrag: boolean;
  constructor(skb: SkBuff, hlen: number, llRs: number, mtu: number, df: boolean) {
    const fragOff = readU16(skb.buf, skb.networkHeader + IPH_FRAG_OFF);
    this.df = df;
    this.hlen = hlen;
    this.llRs = llRs;
    this.mtu = mtu;
    this.left = skb.len - hlen;
    this.ptr = hlen;
    this.offset = (fragOff & IP_OFFSET) << 3;
    this.notLastFrag = (fragOff & IP_MF) !== 0;
  }
}

/** Linux: ip_copy_metadata(): what each fragment inherits from the datagram. */
function ipCopyMetadata(to: SkBuff, from: SkBuff): void {
  to.pktType = from.pktType;
  to.priority = from.priority;
  to.protocol = from.protocol;
  to.dst = from.dst;
  to.dev = from.dev;
  to.mark = from.mark;
  to.skbIif = from.skbIif;
  to.nfct = from.nfct;
  to.tstamp = from.tstamp;
}

/**
 * Linux: ip_frag_next(): the next fragment: `len` bytes of payload (a multiple of 8
 * unless it is the last), the header copied, frag_off/MF/tot_len set, checksummed.
 */
export function ipFragNext(skb: SkBuff, state: IpFragState): SkBuff {
  let len = state.left;
  // IF: it doesn't fit, use 'mtu' - the data space left.
  if (len > state.mtu) len = state.mtu;
  // IF: we are not sending up to and including the packet end then align the next
  // start on an eight byte boundary (RFC 791: fragment offsets count 8-octet units).
  if (len < state.left) len &= ~7;
  const hlen = state.hlen;
  const skb2 = allocSkb(len + hlen + state.llRs);
  ipCopyMetadata(skb2, skb);
  skbReserve(skb2, state.llRs);
  skbPut(skb2, len + hlen);
  skbResetNetworkHeader(skb2);
  skb2.transportHeader = skb2.networkHeader + hlen;
  if (skb.sk !== null) skbSetOwnerW(skb2, skb.sk as Sock);
  const src = skb.buf;
  const dst = skb2.buf;
  const nh = skb.networkHeader;
  const nh2 = skb2.networkHeader;
  dst.set(src.subarray(nh, nh + hlen), nh2);
  dst.set(src.subarray(nh + state.ptr, nh + state.ptr + len), nh2 + hlen);
  state.left -= len;
  let fragOff = state.offset >> 3;
  if (state.df) fragOff |= IP_DF;
  // Added AC: if we are fragmenting a fragment that's not the last fragment then keep MF on each.
  if (state.left > 0 || state.notLastFrag) fragOff |= IP_MF;
  writeU16(dst, nh2 + IPH_FRAG_OFF, fragOff);
  state.ptr += len;
  state.offset += len;
  writeU16(dst, nh2 + IPH_TOT_LEN, len + hlen);
  ipSendCheck(dst, nh2);
  return skb2;
}

/**
 * Linux: ip_frag_ipcb(): fragments keep the datagram's IPCB flags; before the first
 * one, options without the copy flag are overwritten with NOPs in the datagram's
 * header (G's ipOptionsFragment), so every later fragment copies the trimmed header.
 */
function ipFragIpcb(from: SkBuff, to: SkBuff, firstFrag: boolean): void {
  const fromCb = ipcbPeek(from);
  if (fromCb !== null && fromCb.flags !== 0) IPCB(to).flags = fromCb.flags;
  if (firstFrag && fromCb !== null && fromCb.opt.optlen !== 0) ipOptionsFragment(from);
}

/**
 * Linux: ip_do_fragment(): cut the datagram into fragments that fit the path MTU
 * (or the largest received fragment of a reassembled datagram) and send each with
 * `output`. Counts FragCreates per fragment and FragOKs, or FragFails on error.
 * (Linux's frag_list fast path produces the same fragments; skbs here are linear.)
 */
export function ipDoFragment(net: Net, sk: unknown, skb: SkBuff, output: IpOutputFn): number {
  const mib = ipv4Net(net).mib.ip;
  const rt = skb.dst as Rtable;
  // For offloaded checksums clean up the checksum before fragmentation.
  if (skb.ipSummed === CHECKSUM_PARTIAL) skbChecksumHelp(skb);
  let mtu = ipSkbDstMtu(sk, skb);
  const cb = IPCB(skb);
  if (cb.fragMaxSize !== 0 && cb.fragMaxSize < mtu) mtu = cb.fragMaxSize;
  const hlen = (skb.buf[skb.networkHeader]! & 0xf) * 4;
  mtu -= hlen; // Size of data space.
  cb.flags |= IPSKB_FRAG_COMPLETE;
  const llRs = llReservedSpace(rt.dev!);
  if (mtu < 8) {
    // Linux would loop forever making 0-byte fragments; no device has an MTU this small.
    mib[IPSTATS_MIB_FRAGFAILS]++;
    kfreeSkbReason(skb, SKB_DROP_REASON_PKT_TOO_BIG);
    return -EINVAL;
  }
  const state = new IpFragState(skb, hlen, llRs, mtu, (cb.flags & IPSKB_FRAG_PMTU) !== 0);
  let err = 0;
  while (state.left > 0) {
    const firstFrag = state.offset === 0;
    const skb2 = ipFragNext(skb, state);
    ipFragIpcb(skb, skb2, firstFrag);
    err = output(net, sk, skb2);
    if (err !== 0) {
      kfreeSkbReason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
      mib[IPSTATS_MIB_FRAGFAILS]++;
      return err;
    }
    mib[IPSTATS_MIB_FRAGCREATES]++;
  }
  consumeSkb(skb);
  mib[IPSTATS_MIB_FRAGOKS]++;
  return err;
}

/* ------------------------------------------------------------------ */
/* Senders                                                             */

/** Linux: RT_TOS(): the TOS bits a route lookup is given (IPTOS_TOS_MASK). */
const IPTOS_TOS_MASK = 0x1e;

/**
 * Linux: ip_queue_xmit() / __ip_queue_xmit(): send a transport segment (data starts
 * at the transport header) of a connected socket: route by the socket's cached dst or
 * a fresh lookup for (inet_daddr, inet_saddr, ports), push the IP header (options
 * included), choose ID, TTL, DF, and go out through ip_local_out.
 */
export function ipQueueXmit(sk: InetSock, skb: SkBuff, fl4: Flowi4, tos = sk.tos): number {
  const net = sk.net;
  const inetOpt = sk.inetOpt;
  let rt = skbRtable(skb);
  if (rt === null) {
    rt = skDstCheck(sk) as Rtable | null;
    if (rt === null) {
      // Use the correct destination address if we have options.
      let daddr = sk.inetDaddr;
      if (inetOpt !== null && inetOpt.srr !== 0) daddr = inetOpt.faddr;
      const r = ipRouteOutputPorts(net, fl4, sk, daddr, sk.inetSaddr, sk.inetDport, sk.inetSport, sk.protocol,
        tos & IPTOS_TOS_MASK, sk.boundDevIf);
      if (typeof r === 'number') return ipQueueXmitNoRoute(net, skb);
      rt = r;
      skDstSet(sk, rt); // Linux: sk_setup_caps()
    }
    skb.dst = rt;
  }
  if (inetOpt !== null && inetOpt.isStrictroute && rt.rtUsesGateway) return ipQueueXmitNoRoute(net, skb);
  // OK, we know where to send it, allocate and build IP header.
  const optlen = inetOpt !== null ? inetOpt.optlen : 0;
  skbPush(skb, IPV4_HLEN + optlen);
  skbResetNetworkHeader(skb);
  const buf = skb.buf;
  const off = skb.networkHeader;
  buf[off] = 0x45;
  buf[off + IPH_TOS] = tos & 0xff;
  writeU16(buf, off + IPH_FRAG_OFF, ipDontFragment(sk, rt) && !skb.ignoreDf ? IP_DF : 0);
  buf[off + IPH_TTL] = ipSelectTtl(sk, rt);
  buf[off + IPH_PROTOCOL] = sk.protocol;
  writeU32(buf, off + IPH_SADDR, fl4.saddr);
  writeU32(buf, off + IPH_DADDR, fl4.daddr);
  // Transport layer set skb->h.foo itself.
  if (inetOpt !== null && optlen !== 0) {
    buf[off] = 0x40 | ((IPV4_HLEN + optlen) >> 2);
    ipOptionsBuild(skb, inetOpt, sk.inetDaddr, rt);
  }
  ipSelectIdentSegs(net, skb, sk, skb.gsoSegs !== 0 ? skb.gsoSegs : 1);
  skb.priority = sk.priority;
  skb.mark = sk.mark;
  return ipLocalOut(net, sk, skb);
}

function ipQueueXmitNoRoute(net: Net, skb: SkBuff): number {
  ipv4Net(net).mib.ip[IPSTATS_MIB_OUTNOROUTES]++;
  kfreeSkbReason(skb, SKB_DROP_REASON_IP_OUTNOROUTES);
  return -EHOSTUNREACH;
}

/**
 * Linux: ip_build_and_send_pkt(): push an IP header for a packet whose route is
 * already attached (skb.dst), e.g. a SYN-ACK or a reply, and send it.
 */
export function ipBuildAndSendPkt(skb: SkBuff, sk: InetSock, saddr: number, daddr: number,
  opt: IpOptions | null, tos = sk.tos): number {
  const rt = skb.dst as Rtable;
  const net = sk.net;
  const optlen = opt !== null ? opt.optlen : 0;
  skbPush(skb, IPV4_HLEN + optlen);
  skbResetNetworkHeader(skb);
  const buf = skb.buf;
  const off = skb.networkHeader;
  buf[off] = 0x45;
  buf[off + IPH_TOS] = tos & 0xff;
  buf[off + IPH_TTL] = ipSelectTtl(sk, rt);
  writeU32(buf, off + IPH_DADDR, opt !== null && opt.srr !== 0 ? opt.faddr : daddr);
  writeU32(buf, off + IPH_SADDR, saddr);
  buf[off + IPH_PROTOCOL] = sk.protocol;
  // Do not bother generating IPID for small packets (eg SYNACK).
  if (skb.len <= IPV4_MIN_MTU || ipDontFragment(sk, rt)) {
    writeU16(buf, off + IPH_FRAG_OFF, IP_DF);
    writeU16(buf, off + IPH_ID, 0);
  } else {
    writeU16(buf, off + IPH_FRAG_OFF, 0);
    // TCP packets here are SYN-ACKs with fat options: avoid the hashed generator.
    if (sk.protocol === IPPROTO_TCP) writeU16(buf, off + IPH_ID, net.kernel.rng.u32() & 0xffff);
    else __ipSelectIdent(net, buf, off, 1);
  }
  if (opt !== null && optlen !== 0) {
    buf[off] = 0x40 | ((IPV4_HLEN + optlen) >> 2);
    ipOptionsBuild(skb, opt, daddr, rt);
  }
  skb.priority = sk.priority;
  if (skb.mark === 0) skb.mark = sk.mark;
  return ipLocalOut(net, skb.sk, skb);
}

/**
 * Linux: ip_make_skb() (ip_setup_cork + __ip_append_data + __ip_make_skb) for one
 * uncorked datagram: an skb with link-layer headroom, the IP header (options built),
 * `transhdrlen` bytes left for the transport header at skb.transportHeader (the
 * caller fills it and its checksum) and then `payload`. Returns the skb (route
 * attached, owned by `sk`), 0 for MSG_PROBE (nothing to send), or -errno:
 * -EMSGSIZE when the datagram exceeds 65535 bytes, or the path MTU while DF must be
 * kept (IP_PMTUDISC_DO/PROBE), reported to an IP_RECVERR socket by ip_local_error;
 * -ENETUNREACH when the MTU is below 68; -EAGAIN when the send buffer is full.
 * Linux builds a queue of MTU-sized skbs fragmented later by the frag_list fast
 * path; one linear skb fragmented by the slow path gives the same fragments.
 */
export function ipMakeSkb(sk: InetSock, fl4: Flowi4, rt: Rtable, payload: Uint8Array, transhdrlen: number,
  ipc: IpcmCookie, flags: number): SkBuff | number {
  const net = sk.net;
  const dev = rt.dev!;
  const opt = ipc.opt;
  // ip_setup_cork(): the fragment size follows the path MTU unless IP_PMTUDISC_PROBE.
  const mtu = ipSkUsePmtu(sk) ? rt.mtu() : (dev.mtu < IP_MAX_MTU ? dev.mtu : IP_MAX_MTU);
  if (mtu < IPV4_MIN_MTU) return -ENETUNREACH; // Linux: inetdev_valid_mtu()
  const length = payload.length + transhdrlen;
  const optlen = opt !== null ? opt.optlen : 0;
  const hhLen = llReservedSpace(dev);
  const fragheaderlen = IPV4_HLEN + optlen;
  const maxnonfragsize = ipSkIgnoreDf(sk) ? IP_MAX_MTU : mtu;
  if (length > maxnonfragsize - fragheaderlen) {
    ipLocalError(sk, EMSGSIZE, fl4.daddr, sk.inetDport, mtu - optlen);
    return -EMSGSIZE;
  }
  if ((flags & MSG_PROBE) !== 0) return 0;
  // Linux: sock_alloc_send_skb(): the send buffer must have room (a blocking sender
  // would sleep; the synchronous stack returns -EAGAIN and lets the caller wait).
  if (sk.wmemAlloc >= sk.sndbuf) return -EAGAIN;
  const skb = allocSkb(hhLen + fragheaderlen + length + 15);
  skbReserve(skb, hhLen);
  const off = skbPut(skb, fragheaderlen + length);
  skb.networkHeader = off;
  skb.transportHeader = off + fragheaderlen;
  skb.buf.set(payload, off + fragheaderlen + transhdrlen);
  skbSetOwnerW(skb, sk);

  // __ip_make_skb(): unless IP_PMTUDISC_DO, this host may fragment what it built.
  skb.ignoreDf = ipSkIgnoreDf(sk);
  // DF is set when we want to see DF on outgoing frames; with ignoreDf we may still
  // fragment locally.
  const pmtudisc = sk.pmtudisc;
  const df = pmtudisc === IP_PMTUDISC_DO || pmtudisc === IP_PMTUDISC_PROBE ||
    (skb.len <= rt.mtu() && ipDontFragment(sk, rt)) ? IP_DF : 0;
  let ttl: number;
  if (ipc.ttl > 0) ttl = ipc.ttl;
  else if (rt.rtType === RTN_MULTICAST) ttl = sk.mcTtl;
  else ttl = ipSelectTtl(sk, rt);
  const buf = skb.buf;
  buf[off] = 0x45;
  buf[off + IPH_TOS] = ipc.tos !== -1 ? ipc.tos : sk.tos;
  writeU16(buf, off + IPH_FRAG_OFF, df);
  buf[off + IPH_TTL] = ttl;
  buf[off + IPH_PROTOCOL] = sk.protocol;
  writeU32(buf, off + IPH_SADDR, fl4.saddr);
  writeU32(buf, off + IPH_DADDR, fl4.daddr);
  ipSelectIdent(net, skb, sk);
  if (opt !== null && optlen !== 0) {
    buf[off] = 0x40 | (fragheaderlen >> 2);
    ipOptionsBuild(skb, opt, ipc.addr, rt);
  }
  skb.priority = ipc.tos !== -1 ? ipc.priority : sk.priority;
  skb.mark = ipc.mark !== 0 ? ipc.mark : sk.mark;
  skb.dst = rt;
  // Linux: icmp_out_count() in __ip_make_skb: a SOCK_RAW socket (the raw sockets and
  // the kernel's ICMP control socket) counts the flow's ICMP type, which
  // icmp_reply leaves 0 (echo and timestamp replies both count as OutType0 there);
  // other sockets count their header's type, written after ipMakeSkb here, so
  // ipSendSkb counts those.
  if (sk.protocol === IPPROTO_ICMP && sk.type === SOCK_RAW && (fl4.flags & FLOWI_FLAG_KNOWN_NH) === 0) {
    icmpOutCount(net, fl4.icmpType);
  }
  return skb;
}

/**
 * Linux: ip_send_skb(): send what ipMakeSkb built; counts OutDiscards on failure.
 * An ICMP message of a socket that is not SOCK_RAW (ping) is counted here by its
 * header's type (Linux: icmp_out_count() in __ip_make_skb, after getfrag wrote it).
 */
export function ipSendSkb(net: Net, skb: SkBuff): number {
  if (skb.buf[skb.networkHeader + IPH_PROTOCOL] === IPPROTO_ICMP && (skb.sk as InetSock | null)?.type !== SOCK_RAW) {
    icmpOutCount(net, skb.buf[skb.transportHeader]!);
  }
  let err = ipLocalOut(net, skb.sk, skb);
  if (err !== 0) {
    // Linux: net_xmit_errno(): congestion notification is not an error.
    if (err > 0) err = err !== NET_XMIT_CN ? -ENOBUFS : 0;
    if (err !== 0) ipv4Net(net).mib.ip[IPSTATS_MIB_OUTDISCARDS]++;
  }
  return err;
}

