/**
 * IPv4 forwarding (Linux: net/ipv4/ip_forward.c, ip_decrease_ttl() of
 * include/net/ip.h). `ipForward` is the
 * input function of routes that leave by another interface; the route lookup has
 * already refused forwarding when net.ipv4.conf.<in>.forwarding (set for every
 * device by net.ipv4.ip_forward) is off (Linux: ip_route_input_slow, IN_DEV_FORWARD).
 * Here, in Linux's order: router alert, packets not for us at link level, TTL
 * expiry (ICMP time exceeded, RFC 1812 5.3.1), strict source routes through a
 * gateway, DF packets larger than the next hop's MTU (ICMP fragmentation needed
 * with that MTU, RFC 1191), then the header is made private, the TTL decremented
 * with an incremental checksum update (RFC 1624), a redirect sent if the route
 * asks for one, and the packet goes through NF_INET_FORWARD to ipForwardFinish
 * (options updated, OutForwDatagrams) and the route's output (ipOutput).
 */
import type { Net } from '../core/net_namespace.js';
import { NET_RX_SUCCESS, NET_RX_DROP } from '../core/netdevice.js';
import { type SkBuff, kfreeSkbReason, skbCow, PACKET_HOST, CHECKSUM_COMPLETE, CHECKSUM_NONE } from '../core/skbuff.js';
import { dstOutput } from '../core/dst.js';
import {
  SKB_DROP_REASON_NOT_SPECIFIED, SKB_DROP_REASON_PKT_TOO_BIG, SKB_DROP_REASON_IP_INHDR,
} from '../core/drop_reason.js';
import { IPSTATS_MIB_INHDRERRORS, IPSTATS_MIB_FRAGFAILS, IPSTATS_MIB_OUTFORWDATAGRAMS } from '../core/snmp.js';
import { NFPROTO_IPV4, NF_INET_FORWARD, nfHook } from '../netfilter/core.js';
import { readU16 } from '../wire/bytes.js';
import { IP_DF, IPH_TTL, IPH_TOS, IPH_CHECK, IPH_FRAG_OFF } from '../wire/iphdr.js';
import {
  ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, ICMP_SR_FAILED, ICMP_TIME_EXCEEDED, ICMP_EXC_TTL,
} from '../wire/icmphdr.js';
import { ipv4Net } from './netns_ipv4.js';
import { type Rtable, RTCF_DOREDIRECT } from './rtable.js';
import { IPCB_FORWARDED, IPSKB_FORWARDED, IPSKB_DOREDIRECT } from './ip.js';
import { ipcbPeek, ipDstMtuMaybeForward, llReservedSpace } from './ip_output.js';
import { ipCallRaChain } from './ip_input.js';
import { icmpSend } from './icmp.js';
import { ipRtSendRedirect } from './route_input.js';
import { rtTos2priority } from './ip_sockglue.js';
import { ipForwardOptions } from './ip_options.js';
import { skbGsoValidateNetworkLen } from '../core/gso.js';

/**
 * Linux: ip_decrease_ttl(): TTL - 1 with the checksum updated incrementally
 * (RFC 1624 eqn. 3, as Linux computes it: the checksum field read as a
 * little-endian word plus htons(0x0100), end-around carry, so the byte results
 * match the kernel's on x86). Returns the new TTL.
 */
export function ipDecreaseTtl(buf: Uint8Array, off: number): number {
  let check = buf[off + IPH_CHECK]! | (buf[off + IPH_CHECK + 1]! << 8);
  check += 0x0001; // htons(0x0100) on a little-endian host
  check = (check + (check >= 0xffff ? 1 : 0)) & 0xffff;
  buf[off + IPH_CHECK] = check & 0xff;
  buf[off + IPH_CHECK + 1] = check >>> 8;
  return --buf[off + IPH_TTL]!;
}

/**
 * Linux: ip_exceeds_mtu(): a DF packet larger than `mtu` may not be forwarded,
 * nor one reassembled from a fragment larger than `mtu`; ignore_df lets it pass.
 */
export function ipExceedsMtu(skb: SkBuff, mtu: number): boolean {
  if (skb.len <= mtu) return false;
  if ((readU16(skb.buf, skb.networkHeader + IPH_FRAG_OFF) & IP_DF) === 0) return false;
  // Original fragment exceeds mtu and DF is set.
  const cb = ipcbPeek(skb);
  if (cb !== null && cb.fragMaxSize > mtu) return true;
  if (skb.ignoreDf) return false;
  // A GSO packet passes when each of its segments fits (skb_gso_validate_network_len).
  if (skb.gsoSize !== 0 && skbGsoValidateNetworkLen(skb, mtu)) return false;
  return true;
}

/** Linux: ip_forward_finish(): the continuation of NF_INET_FORWARD. */
export function ipForwardFinish(net: Net, sk: unknown, skb: SkBuff): number {
  ipv4Net(net).mib.ip[IPSTATS_MIB_OUTFORWDATAGRAMS]++;
  const cb = ipcbPeek(skb);
  if (cb !== null && cb.opt.optlen !== 0) ipForwardOptions(skb);
  skb.tstamp = 0; // skb_clear_tstamp()
  return dstOutput(net, sk, skb);
}

/** Linux: ip_forward(): the input function of forwarding routes. Consumes the skb. */
export function ipForward(skb: SkBuff): number {
  let reason = SKB_DROP_REASON_NOT_SPECIFIED;
  drop: {
    // That should never happen.
    if (skb.pktType !== PACKET_HOST) break drop;
    if (skb.sk !== null) break drop;
    // No LRO, no xfrm policies.
    const cb = ipcbPeek(skb);
    if (cb !== null && cb.opt.routerAlert !== 0 && ipCallRaChain(skb)) return NET_RX_SUCCESS;
    // Linux: skb_forward_csum(): a receive checksum does not survive the TTL change.
    if (skb.ipSummed === CHECKSUM_COMPLETE) skb.ipSummed = CHECKSUM_NONE;
    const net = skb.dev!.net;
    const nh = skb.networkHeader;
    // According to the RFC, we must first decrease the TTL field. If that reaches
    // zero, we must reply an ICMP control message telling that the packet's lifetime
    // expired (RFC 1812 5.3.1: a router MUST NOT forward a packet with TTL 0 or 1).
    if (skb.buf[nh + IPH_TTL]! <= 1) {
      ipv4Net(net).mib.ip[IPSTATS_MIB_INHDRERRORS]++;
      icmpSend(skb, ICMP_TIME_EXCEEDED, ICMP_EXC_TTL, 0);
      reason = SKB_DROP_REASON_IP_INHDR;
      break drop;
    }
    const rt = skb.dst as Rtable;
    if (cb !== null && cb.opt.isStrictroute && rt.rtUsesGateway) {
      // Strict routing permits no gatewaying.
      icmpSend(skb, ICMP_DEST_UNREACH, ICMP_SR_FAILED, 0);
      break drop;
    }
    // IPCB(skb)->flags |= IPSKB_FORWARDED, without allocating a control block.
    if (cb === null) skb.cb = IPCB_FORWARDED;
    else if (cb !== IPCB_FORWARDED) cb.flags |= IPSKB_FORWARDED;
    const mtu = ipDstMtuMaybeForward(rt, true);
    if (ipExceedsMtu(skb, mtu)) {
      ipv4Net(net).mib.ip[IPSTATS_MIB_FRAGFAILS]++;
      icmpSend(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, mtu);
      reason = SKB_DROP_REASON_PKT_TOO_BIG;
      break drop;
    }
    // We are about to mangle the packet. Copy it!
    skbCow(skb, llReservedSpace(rt.dev!));
    const buf = skb.buf;
    const off = skb.networkHeader;
    // Decrease ttl after skb cow done.
    ipDecreaseTtl(buf, off);
    // We now generate an ICMP HOST REDIRECT giving the route we calculated.
    if (((cb !== null && (cb.flags & IPSKB_DOREDIRECT) !== 0) || (rt.rtFlags & RTCF_DOREDIRECT) !== 0) &&
      (cb === null || cb.opt.srr === 0)) {
      ipRtSendRedirect(skb);
    }
    if (ipv4Net(net).sysctl.ipForwardUpdatePriority !== 0) skb.priority = rtTos2priority(buf[off + IPH_TOS]!);
    return nfHook(NFPROTO_IPV4, NF_INET_FORWARD, net, null, skb, skb.dev, rt.dev, ipForwardFinish);
  }
  kfreeSkbReason(skb, reason);
  return NET_RX_DROP;
}
