/**
 * IPv4 receive (Linux: net/ipv4/ip_input.c). `ipRcv` is the ETH_P_IP packet_type
 * handler: ip_rcv_core checks the header in Linux's order (PACKET_OTHERHOST,
 * version and ihl, header checksum, tot_len against the frame, padding trimmed),
 * counting each failure in its MIB counter with Linux's drop reason; the
 * NF_INET_PRE_ROUTING hook follows, then ipRcvFinish asks the route (R's
 * ipRouteInputNoref: local, broadcast, forward, martian, rp_filter ...), compiles
 * options (G's ipRcvOptions) and calls the route's input function (dstInput):
 * ipLocalDeliver (here), ipForward (ip_forward.ts) or ipError (route.ts).
 * ipLocalDeliver reassembles fragments (G's ipDefrag), runs NF_INET_LOCAL_IN and
 * demultiplexes by protocol: raw sockets first (I's rawLocalDeliver), then
 * inet_protos; an unknown protocol nobody's raw socket wanted gets ICMP protocol
 * unreachable (RFC 1122 3.2.2.1) and counts InUnknownProtos.
 *
 * Ownership: every function here consumes its skb. The receive path never throws.
 */
import type { Net, Kernel } from '../core/net_namespace.js';
import { type NetDevice, NET_RX_SUCCESS, NET_RX_DROP } from '../core/netdevice.js';
import {
  type SkBuff, kfreeSkbReason, consumeSkb, skbClone, pskbMayPull, skbTrim, PACKET_OTHERHOST, PACKET_BROADCAST,
  PACKET_MULTICAST, CHECKSUM_COMPLETE, CHECKSUM_NONE,
} from '../core/skbuff.js';
import { skbOrphan } from '../core/sock.js';
import { dstInput } from '../core/dst.js';
import { ETH_P_IP, devAddPack, type PacketType } from '../core/dev.js';
import {
  SKB_DROP_REASON_OTHERHOST, SKB_DROP_REASON_NOT_SPECIFIED, SKB_DROP_REASON_IP_INHDR, SKB_DROP_REASON_IP_CSUM,
  SKB_DROP_REASON_PKT_TOO_SMALL, SKB_DROP_REASON_IP_RPFILTER, SKB_DROP_REASON_UNICAST_IN_L2_MULTICAST,
  SKB_DROP_REASON_IP_NOPROTO,
} from '../core/drop_reason.js';
import {
  IPSTATS_MIB_INPKTS, IPSTATS_MIB_INOCTETS, IPSTATS_MIB_INHDRERRORS, IPSTATS_MIB_CSUMERRORS,
  IPSTATS_MIB_INTRUNCATEDPKTS, IPSTATS_MIB_NOECTPKTS, IPSTATS_MIB_INMCASTPKTS, IPSTATS_MIB_INMCASTOCTETS,
  IPSTATS_MIB_INBCASTPKTS, IPSTATS_MIB_INBCASTOCTETS, IPSTATS_MIB_INDELIVERS, IPSTATS_MIB_INUNKNOWNPROTOS,
  LINUX_MIB_IPRPFILTER,
} from '../core/snmp.js';
import { NFPROTO_IPV4, NF_INET_PRE_ROUTING, NF_INET_LOCAL_IN, nfHook } from '../netfilter/core.js';
import { readU16, readU32 } from '../wire/bytes.js';
import {
  IPV4_HLEN, IPH_TOS, IPH_TOT_LEN, IPH_FRAG_OFF, IPH_PROTOCOL, IPH_SADDR, IPH_DADDR, INET_ECN_MASK, IPPROTO_RAW,
} from '../wire/iphdr.js';
import { ICMP_DEST_UNREACH, ICMP_PROT_UNREACH } from '../wire/icmphdr.js';
import { RTN_BROADCAST, RTN_MULTICAST } from '../wire/route.js';
import { ipv4Net } from './netns_ipv4.js';
import { type Rtable } from './rtable.js';
import { IPCB, InetSkbParm, IP_DEFRAG_LOCAL_DELIVER, IP_DEFRAG_CALL_RA_CHAIN, IPSKB_NOPOLICY, ipIsFragment } from './ip.js';
import type { InetSock } from './inet_sock.js';
import { inDevGet, inDevOrConf, IPV4_DEVCONF_NOPOLICY, IPV4_DEVCONF_DROP_UNICAST_IN_L2_MULTICAST } from './inetdevice.js';
import { icmpSend } from './icmp.js';
import { rawLocalDeliver, rawRcv } from './raw.js';
import { SOCK_RAW } from '../socket/socket.js';
import { EINVAL, EADDRINUSE, ENOBUFS } from '../socket/errno.js';
import { ipRouteInputNoref } from './route_input.js';
import { ipDefrag } from './ip_fragment.js';
import { ipRcvOptions } from './ip_options.js';

/* ------------------------------------------------------------------ */
/* Local delivery                                                      */

/** The namespace's raw sockets that set IP_ROUTER_ALERT, oldest first (Linux: net->ipv4.ra_chain). */
function raChain(net: Net): InetSock[] {
  let c = net.generic.get('ip_ra_chain') as InetSock[] | undefined;
  if (c === undefined) {
    c = [];
    net.generic.set('ip_ra_chain', c);
  }
  return c;
}

/**
 * Linux: ip_ra_control() (ip_sockglue.c): IP_ROUTER_ALERT on (append the raw socket
 * to the namespace's chain; -EADDRINUSE if it is there) or off (remove it; -ENOBUFS
 * if it was not). Raw sockets only, not IPPROTO_RAW (-EINVAL). setsockopt and the
 * raw socket's close call it.
 */
export function ipRaControl(sk: InetSock, on: boolean): number {
  if (sk.type !== SOCK_RAW || sk.inetNum === IPPROTO_RAW) return -EINVAL;
  const chain = raChain(sk.net);
  const i = chain.indexOf(sk);
  if (i >= 0) {
    if (on) return -EADDRINUSE;
    chain.splice(i, 1);
    return 0;
  }
  if (!on) return -ENOBUFS;
  chain.push(sk);
  return 0;
}

/**
 * Linux: ip_call_ra_chain(): a packet with the Router Alert option (RFC 2113) being
 * forwarded goes to the raw sockets of its protocol that set IP_ROUTER_ALERT (bound
 * to its input device, or unbound), reassembled first; true when one took it.
 */
export function ipCallRaChain(skb: SkBuff): boolean {
  const dev = skb.dev!;
  const net = dev.net;
  const chain = net.generic.get('ip_ra_chain') as InetSock[] | undefined;
  if (chain === undefined || chain.length === 0) return false;
  const protocol = skb.buf[skb.networkHeader + IPH_PROTOCOL]!;
  let last: InetSock | null = null;
  for (const sk of chain) {
    // If the socket is bound to an interface, only report the packet if it came from that interface.
    if (sk.inetNum !== protocol || (sk.boundDevIf !== 0 && sk.boundDevIf !== dev.ifindex)) continue;
    if (ipIsFragment(readU16(skb.buf, skb.networkHeader + IPH_FRAG_OFF))) {
      const whole = ipDefrag(net, skb, IP_DEFRAG_CALL_RA_CHAIN);
      if (whole === null) return true;
      skb = whole;
    }
    if (last !== null) rawRcv(last, skbClone(skb));
    last = sk;
  }
  if (last !== null) {
    rawRcv(last, skb);
    return true;
  }
  return false;
}

/**
 * Linux: ip_protocol_deliver_rcu(): raw sockets see a copy first, then the
 * protocol's handler consumes the skb (a positive return resubmits it as that
 * protocol, as an encapsulation does). With neither, ICMP protocol unreachable.
 */
export function ipProtocolDeliverRcu(net: Net, skb: SkBuff, protocol: number): void {
  const n4 = ipv4Net(net);
  const protos = n4.protos;
  const mib = n4.mib.ip;
  for (;;) {
    const raw = rawLocalDeliver(skb, protocol);
    const ipprot = protos[protocol];
    if (ipprot) {
      // No xfrm policy to check; nf_reset_ct(): conntrack's reference ends here.
      skb.nfct = null;
      const ret = ipprot.handler(skb);
      if (ret > 0) {
        protocol = ret;
        continue;
      }
      mib[IPSTATS_MIB_INDELIVERS]++;
    } else if (!raw) {
      // RFC 1122 3.2.2.1: a host SHOULD generate Destination Unreachable messages
      // with code 2 (Protocol Unreachable) when the designated transport protocol is
      // not supported.
      mib[IPSTATS_MIB_INUNKNOWNPROTOS]++;
      icmpSend(skb, ICMP_DEST_UNREACH, ICMP_PROT_UNREACH, 0);
      kfreeSkbReason(skb, SKB_DROP_REASON_IP_NOPROTO);
    } else {
      mib[IPSTATS_MIB_INDELIVERS]++;
      consumeSkb(skb);
    }
    return;
  }
}

/** Linux: ip_local_deliver_finish(): past the IP header, then to the protocol. */
export function ipLocalDeliverFinish(net: Net, _sk: unknown, skb: SkBuff): number {
  // __skb_pull(skb, skb_network_header_len(skb))
  skb.data = skb.transportHeader;
  ipProtocolDeliverRcu(net, skb, skb.buf[skb.networkHeader + IPH_PROTOCOL]!);
  return 0;
}

/** Linux: ip_local_deliver(): the input function of local routes. */
export function ipLocalDeliver(skb: SkBuff): number {
  const net = skb.dev!.net;
  // Reassemble IP fragments.
  if (ipIsFragment(readU16(skb.buf, skb.networkHeader + IPH_FRAG_OFF))) {
    const whole = ipDefrag(net, skb, IP_DEFRAG_LOCAL_DELIVER);
    if (whole === null) return 0;
    skb = whole;
  }
  return nfHook(NFPROTO_IPV4, NF_INET_LOCAL_IN, net, null, skb, skb.dev, null, ipLocalDeliverFinish);
}

/* ------------------------------------------------------------------ */
/* ip_rcv                                                              */

/**
 * Linux: ip_rcv_finish_core(): route the packet (unless a route came with it, as
 * on a looped-back multicast copy), compile its options, count multicast and
 * broadcast, refuse unicast received as link-layer multicast when configured.
 * Returns NET_RX_SUCCESS (the caller calls dst_input) or NET_RX_DROP (freed).
 */
function ipRcvFinishCore(net: Net, skb: SkBuff, dev: NetDevice): number {
  const buf = skb.buf;
  const nh = skb.networkHeader;
  let reason = SKB_DROP_REASON_NOT_SPECIFIED;
  // No early demux: the route is looked up for every packet.
  if (skb.dst === null) {
    reason = ipRouteInputNoref(skb, readU32(buf, nh + IPH_DADDR), readU32(buf, nh + IPH_SADDR), buf[nh + IPH_TOS]!, dev);
    if (reason !== 0) {
      if (reason === SKB_DROP_REASON_IP_RPFILTER) ipv4Net(net).mib.net[LINUX_MIB_IPRPFILTER]++;
      kfreeSkbReason(skb, reason);
      return NET_RX_DROP;
    }
    reason = SKB_DROP_REASON_NOT_SPECIFIED;
  } else {
    const inDev = inDevGet(dev);
    if (inDev !== null && inDevOrConf(inDev, IPV4_DEVCONF_NOPOLICY)) IPCB(skb).flags |= IPSKB_NOPOLICY;
  }
  if ((buf[nh]! & 0xf) > 5 && ipRcvOptions(skb, dev) !== 0) {
    kfreeSkbReason(skb, reason);
    return NET_RX_DROP;
  }
  const rt = skb.dst as Rtable;
  const mib = ipv4Net(net).mib.ip;
  if (rt.rtType === RTN_MULTICAST) {
    mib[IPSTATS_MIB_INMCASTPKTS]++;
    mib[IPSTATS_MIB_INMCASTOCTETS] += skb.len;
  } else if (rt.rtType === RTN_BROADCAST) {
    mib[IPSTATS_MIB_INBCASTPKTS]++;
    mib[IPSTATS_MIB_INBCASTOCTETS] += skb.len;
  } else if (skb.pktType === PACKET_BROADCAST || skb.pktType === PACKET_MULTICAST) {
    // RFC 1122 3.3.6: a host SHOULD silently discard a datagram that is received via
    // a link-layer broadcast but does not specify an IP multicast or broadcast
    // destination address (Linux does it when drop_unicast_in_l2_multicast is set).
    const inDev = inDevGet(dev);
    if (inDev !== null && inDevOrConf(inDev, IPV4_DEVCONF_DROP_UNICAST_IN_L2_MULTICAST)) {
      kfreeSkbReason(skb, SKB_DROP_REASON_UNICAST_IN_L2_MULTICAST);
      return NET_RX_DROP;
    }
  }
  return NET_RX_SUCCESS;
}

/** Linux: ip_rcv_finish(): the continuation of NF_INET_PRE_ROUTING. */
export function ipRcvFinish(net: Net, _sk: unknown, skb: SkBuff): number {
  // No L3 master devices (l3mdev_ip_rcv).
  let ret = ipRcvFinishCore(net, skb, skb.dev!);
  if (ret !== NET_RX_DROP) ret = dstInput(skb);
  return ret;
}

/**
 * Linux: ip_fast_csum(iph, ihl) != 0: the one's-complement sum of a received header
 * (at most 60 bytes: 30 words cannot overflow 32 bits) must be all ones.
 */
function ipHdrCsumBad(b: Uint8Array, off: number, hlen: number): boolean {
  let s = 0;
  for (let i = off, end = off + hlen; i < end; i += 2) s += (b[i]! << 8) | b[i + 1]!;
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return s !== 0xffff;
}

/** Linux: skb_share_check(): a private skb header before changing it. */
function skbShareCheck(skb: SkBuff): SkBuff {
  if (skb.users > 1) {
    const nskb = skbClone(skb);
    consumeSkb(skb);
    return nskb;
  }
  return skb;
}

/**
 * Linux: ip_rcv_core(): validate the header. Returns the skb to continue with, or
 * null when it was dropped (counted, with its reason).
 */
export function ipRcvCore(skb: SkBuff, net: Net): SkBuff | null {
  // When the interface is in promisc. mode, drop all the crap that it receives, do
  // not try to analyse it.
  if (skb.pktType === PACKET_OTHERHOST) {
    skb.dev!.coreStats.rxOtherhostDropped++;
    kfreeSkbReason(skb, SKB_DROP_REASON_OTHERHOST);
    return null;
  }
  const mib = ipv4Net(net).mib.ip;
  mib[IPSTATS_MIB_INPKTS]++;
  mib[IPSTATS_MIB_INOCTETS] += skb.len;
  skb = skbShareCheck(skb);
  let reason = SKB_DROP_REASON_NOT_SPECIFIED;
  hdr: {
    if (!pskbMayPull(skb, IPV4_HLEN)) break hdr;
    const buf = skb.buf;
    const nh = skb.networkHeader;
    // RFC 1122 3.2.1.2: a host MUST verify the IP header checksum on every received
    // datagram and silently discard every datagram that has a bad checksum. Is the
    // datagram acceptable? 1. at least an IP header, 2. version 4, 3. checksums
    // correctly, 4. doesn't have a bogus length.
    const ihl = buf[nh]! & 0xf;
    if (ihl < 5 || buf[nh]! >> 4 !== 4) break hdr;
    mib[IPSTATS_MIB_NOECTPKTS + (buf[nh + IPH_TOS]! & INET_ECN_MASK)] += skb.gsoSegs > 1 ? skb.gsoSegs : 1;
    const hlen = ihl * 4;
    if (!pskbMayPull(skb, hlen)) break hdr;
    if (ipHdrCsumBad(buf, nh, hlen)) {
      reason = SKB_DROP_REASON_IP_CSUM;
      mib[IPSTATS_MIB_CSUMERRORS]++;
      break hdr;
    }
    const len = readU16(buf, nh + IPH_TOT_LEN);
    if (skb.len < len) {
      mib[IPSTATS_MIB_INTRUNCATEDPKTS]++;
      kfreeSkbReason(skb, SKB_DROP_REASON_PKT_TOO_SMALL);
      return null;
    }
    if (len < hlen) break hdr;
    // Our transport medium may have padded the buffer out. Now we know it is IP we
    // can trim to the true length of the frame (Linux: pskb_trim_rcsum(); a
    // CHECKSUM_COMPLETE sum no longer covers the data, so it is dropped).
    if (skb.len > len) {
      skbTrim(skb, len);
      if (skb.ipSummed === CHECKSUM_COMPLETE) skb.ipSummed = CHECKSUM_NONE;
    }
    skb.transportHeader = nh + hlen;
    // Remove any debris in the socket control block; IPCB is made on first use and
    // then starts with iif = skb_iif (Linux: memset + IPCB(skb)->iif = skb->skb_iif).
    const cb = skb.cb;
    if (cb instanceof InetSkbParm) skb.cb = null;
    // Must drop socket now because of tproxy.
    skbOrphan(skb);
    return skb;
  }
  if (reason === SKB_DROP_REASON_NOT_SPECIFIED) reason = SKB_DROP_REASON_IP_INHDR;
  mib[IPSTATS_MIB_INHDRERRORS]++;
  kfreeSkbReason(skb, reason);
  return null;
}

/** Linux: ip_rcv(): the ETH_P_IP packet_type handler. */
export function ipRcv(skb: SkBuff, dev: NetDevice, _pt: PacketType, _origDev: NetDevice): number {
  const net = dev.net;
  const s = ipRcvCore(skb, net);
  if (s === null) return NET_RX_DROP;
  return nfHook(NFPROTO_IPV4, NF_INET_PRE_ROUTING, net, null, s, dev, null, ipRcvFinish);
}

/** Linux: ip_packet_type (the ETH_P_IP entry of ptype_base). */
function ipPacketType(): PacketType {
  return { type: ETH_P_IP, dev: null, func: ipRcv, ignoreOutgoing: false, afPacketPriv: null };
}

/** Linux: inet_init()'s dev_add_pack(&ip_packet_type): IPv4 receive starts here. */
export function ipInit(k: Kernel): void {
  devAddPack(k.initNet, ipPacketType());
}
