/**
 * Transport protocol registration above IPv4 (Linux: net/ipv4/protocol.c,
 * include/net/protocol.h): `inetAddProtocol(k, proto, IPPROTO_UDP)` puts a handler
 * into the kernel-wide inet_protos table that ip_local_deliver_finish indexes by
 * the IP header's protocol field; `errHandler` receives ICMP errors quoting a
 * packet of that protocol (Linux: net_protocol->err_handler).
 */
import type { Kernel } from '../core/net_namespace.js';
import type { SkBuff } from '../core/skbuff.js';

/* IPPROTO_* constants live in wire/iphdr.ts. */
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
