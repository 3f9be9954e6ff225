/**
 * IPv4 per-packet control block and send parameters (Linux: include/net/ip.h):
 * `InetSkbParm` is what IPCB(skb) points to while IPv4 owns an skb (options found
 * on input, IPSKB_* flags, the largest fragment seen); `IpcmCookie` carries what a
 * sendmsg caller chose (address, TTL, TOS, options, device) down to ip_make_skb.
 */
import type { SkBuff, SkbCbCopyable } from '../core/skbuff.js';
import { IpOptions } from './inet_sock.js';

/* IPCB(skb)->flags (Linux: IPSKB_*). */
export const IPSKB_FORWARDED = 1 << 0;
export const IPSKB_XFRM_TUNNEL_SIZE = 1 << 1;
export const IPSKB_XFRM_TRANSFORMED = 1 << 2;
export const IPSKB_FRAG_COMPLETE = 1 << 3;
export const IPSKB_REROUTED = 1 << 4;
export const IPSKB_DOREDIRECT = 1 << 5;
export const IPSKB_FRAG_PMTU = 1 << 6;
export const IPSKB_L3SLAVE = 1 << 7;
export const IPSKB_NOPOLICY = 1 << 8;
export const IPSKB_MULTIPATH = 1 << 9;

/* ip_defrag() users (Linux: enum ip_defrag_users). */
export const IP_DEFRAG_LOCAL_DELIVER = 0;
export const IP_DEFRAG_CALL_RA_CHAIN = 1;
export const IP_DEFRAG_CONNTRACK_IN = 2;
export const IP_DEFRAG_CONNTRACK_OUT = 3;
export const IP_DEFRAG_VS_IN = 4;
export const IP_DEFRAG_VS_OUT = 5;
export const IP_DEFRAG_VS_FWD = 6;
export const IP_DEFRAG_AF_PACKET = 7;
export const IP_DEFRAG_MACVLAN = 8;

/** Linux: struct inet_skb_parm (IPCB). */
export class InetSkbParm implements SkbCbCopyable {
  /** Input interface index (Linux: iif). */
  iif = 0;
  opt = new IpOptions();
  flags = 0;
  /** Largest fragment received, for PMTU on forward of a reassembled datagram (Linux: frag_max_size). */
  fragMaxSize = 0;

  /**
   * The copy a GSO segment gets (Linux memcpy's the whole cb, options included);
   * the shared read-only IPCB_FORWARDED stays shared (IPCB() copies it before a write).
   */
  cbCopy(): InetSkbParm {
    if (this === IPCB_FORWARDED) return this;
    const n = new InetSkbParm();
    n.iif = this.iif;
    Object.assign(n.opt, this.opt);
    n.flags = this.flags;
    n.fragMaxSize = this.fragMaxSize;
    return n;
  }
}

/**
 * The control block of a forwarded packet that nobody else gave one: only
 * IPSKB_FORWARDED set. ip_forward marks packets with it instead of allocating (the
 * forwarding fast path allocates nothing per packet; Linux's cb lives inside the
 * skb); it is shared and read-only: IPCB() swaps in a private copy before any write.
 */
export const IPCB_FORWARDED: InetSkbParm = new InetSkbParm();
IPCB_FORWARDED.flags = IPSKB_FORWARDED;

/**
 * Linux: IPCB(skb): the control block, created on first use by IPv4. ip_rcv clears
 * it (Linux: memset + iif = skb_iif), so one made later starts with iif = skbIif.
 * Callers may write to what it returns.
 */
export function IPCB(skb: SkBuff): InetSkbParm {
  const cb = skb.cb;
  if (cb instanceof InetSkbParm && cb !== IPCB_FORWARDED) return cb;
  const n = new InetSkbParm();
  n.iif = skb.skbIif;
  if (cb === IPCB_FORWARDED) n.flags = IPSKB_FORWARDED;
  skb.cb = n;
  return n;
}

/** Linux: struct ipcm_cookie: per-sendmsg choices (cmsgs and socket defaults). */
export class IpcmCookie {
  addr = 0;
  oif = 0;
  opt: IpOptions | null = null;
  /** -1 = socket/sysctl default */
  ttl = -1;
  tos = -1;
  protocol = 0;
  mark = 0;
  priority = 0;
  gsoSize = 0;
  sockcFlags = 0;
}

/** Linux: ip_is_fragment(). `fragOff` is the host-order frag_off field. */
export function ipIsFragment(fragOff: number): boolean {
  return (fragOff & 0x3fff) !== 0;
}
