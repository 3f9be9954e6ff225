/**
 * Transport protocol registration above IPv4 (Linux: net/ipv4/protocol.c,
 * include/net/protocol.h): `inetAddProtocol(k, proto, IPPROTO_UDP)` puts a handler
 * into the kernel-wide inet_protos table that ip_local_deliver_finish indexes by
 * the IP header's protocol field; `errHandler` receives ICMP errors quoting a
 * packet of that protocol (Linux: net_protocol->err_handler).
 */
import type { Kernel } from '../core/net_namespace.js';
import type { SkBuff } from '../core/skbuff.js';

export const IPPROTO_IP = 0;
export const IPPROTO_ICMP = 1;
export const IPPROTO_IGMP = 2;
export const IPPROTO_IPIP = 4;
export const IPPROTO_TCP = 6;
export const IPPROTO_EGP = 8;
export const IPPROTO_PUP = 12;
export const IPPROTO_UDP = 17;
export const IPPROTO_IDP = 22;
export const IPPROTO_TP = 29;
export const IPPROTO_DCCP = 33;
export const IPPROTO_IPV6 = 41;
export const IPPROTO_RSVP = 46;
export const IPPROTO_GRE = 47;
export const IPPROTO_ESP = 50;
export const IPPROTO_AH = 51;
export const IPPROTO_ICMPV6 = 58;
export const IPPROTO_MTP = 92;
export const IPPROTO_BEETPH = 94;
export const IPPROTO_ENCAP = 98;
export const IPPROTO_PIM = 103;
export const IPPROTO_COMP = 108;
export const IPPROTO_L2TP = 115;
export const IPPROTO_SCTP = 132;
export const IPPROTO_UDPLITE = 136;
export const IPPROTO_MPLS = 137;
export const IPPROTO_ETHERNET = 143;
export const IPPROTO_RAW = 255;
export const IPPROTO_MPTCP = 262;
export const MAX_INET_PROTOS = 256;

/** Linux: struct net_protocol. */
export interface NetProtocol {
  /** Consumes the skb; returns 0, or a positive protocol number to resubmit (Linux), or -errno. */
  handler(skb: SkBuff): number;
  /**
   * ICMP error about a packet this protocol sent: `skb.data` points at the quoted IP
   * header; `info` is the ICMP-specific value (next-hop MTU, gateway ...). The ICMP
   * type and code are in the skb's ICMP header (icmp_hdr). Returns 0 or -errno.
   */
  errHandler?(skb: SkBuff, info: number): number;
  /** Linux: icmp_strict_tag_validation. */
  icmpStrictTagValidation?: boolean;
}

/** The kernel's inet_protos table. */
export function inetProtos(k: Kernel): (NetProtocol | null)[] {
  let t = k.generic.get('inet_protos') as (NetProtocol | null)[] | undefined;
  if (!t) {
    t = new Array<NetProtocol | null>(MAX_INET_PROTOS).fill(null);
    k.generic.set('inet_protos', t);
  }
  return t;
}

/** Linux: inet_add_protocol(): 0, or -1 when the slot is taken. */
export function inetAddProtocol(k: Kernel, prot: NetProtocol, protocol: number): number {
  const t = inetProtos(k);
  if (t[protocol]) return -1;
  t[protocol] = prot;
  return 0;
}

/** Linux: inet_del_protocol(). */
export function inetDelProtocol(k: Kernel, prot: NetProtocol, protocol: number): number {
  const t = inetProtos(k);
  if (t[protocol] !== prot) return -1;
  t[protocol] = null;
  return 0;
}
