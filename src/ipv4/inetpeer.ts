/**
 * Long-lived per-peer state (Linux: net/ipv4/inetpeer.c, include/net/inetpeer.h).
 * One `InetPeer` per remote IPv4 address and namespace holds the token buckets that
 * rate-limit what this host sends to that address: ICMP errors (icmpv4_xrlim_allow
 * through `inetPeerXrlimAllow`), "no route" errors (route.c ip_error) and redirects
 * (route.c ip_rt_send_redirect). The namespace's base is `ipv4Peers(net)` in route.ts
 * (Linux: net->ipv4.peers).
 *
 * Times are jiffies at HZ = 250, as on the reference host, because the sysctls that
 * feed these buckets (net.ipv4.route.error_cost, redirect_load ...) are in jiffies.
 * Linux keeps the peers in an rbtree and collects up to PEER_MAX_GC stale nodes met on
 * the lookup path; here a Map keyed by address (insertion order = oldest first) is
 * swept by the same rule when a peer is created.
 */
import type { Kernel } from '../core/net_namespace.js';

/** The tick rate the jiffies-valued sysctls assume (CONFIG_HZ of the reference host). */
export const HZ = 250;
const NS_PER_JIFFY = 1_000_000_000 / HZ;

/** Linux: jiffies, from the kernel clock. */
export function jiffies(k: Kernel): number {
  return Math.floor(k.clock.now() / NS_PER_JIFFY);
}

/** Linux: XRLIM_BURST_FACTOR. */
export const XRLIM_BURST_FACTOR = 6;
/** Linux: PEER_MAX_GC. */
const PEER_MAX_GC = 32;

/** Linux: struct inet_peer (the IPv4 fields). */
export class InetPeer {
  readonly daddr: number;
  /** Layer-3 master ifindex (Linux: inetpeer_addr.vif), 0 without VRFs. */
  readonly vif: number;
  /** Last use, jiffies (Linux: dtime). */
  dtime: number;
  /** Token bucket shared by ip_error and icmp xrlim (jiffies). */
  rateTokens = 0;
  /** Last refill, jiffies. */
  rateLast: number;
  /** Redirects sent (ip_rt_send_redirect backoff). */
  nRedirects = 0;
  constructor(daddr: number, vif: number, now: number) {
    this.daddr = daddr;
    this.vif = vif;
    this.dtime = now;
    // Linux: "60*HZ is arbitrary, but chosen enough high so that the first
    // calculation of tokens is at its maximum."
    this.rateLast = now - 60 * HZ;
  }
}

/** Linux: struct inet_peer_base. */
export class InetPeerBase {
  readonly peers = new Map<number, InetPeer>();
  get total(): number {
    return this.peers.size;
  }
}

/** Linux: net.ipv4.inet_peer_threshold / inet_peer_minttl / inet_peer_maxttl (jiffies). */
export const INET_PEER_THRESHOLD = 65536 + 128;
export const INET_PEER_MINTTL = 120 * HZ;
export const INET_PEER_MAXTTL = 10 * 60 * HZ;

function peerKey(daddr: number, vif: number): number {
  return vif === 0 ? daddr >>> 0 : (vif * 2 ** 32) + (daddr >>> 0);
}

/** Linux: inet_peer_gc(): drop idle peers, more eagerly as the base fills up. */
function inetPeerGc(base: InetPeerBase, now: number): void {
  const total = base.total;
  const ttl = total >= INET_PEER_THRESHOLD ? 0
    : INET_PEER_MAXTTL - Math.floor(Math.floor((INET_PEER_MAXTTL - INET_PEER_MINTTL) / HZ) * total / INET_PEER_THRESHOLD) * HZ;
  let seen = 0;
  for (const [key, p] of base.peers) {
    if (seen++ >= PEER_MAX_GC) break;
    if (now - p.dtime >= ttl) base.peers.delete(key);
  }
}

/** Linux: inet_getpeer_v4(): the peer for `daddr`, created when missing. */
export function inetGetpeerV4(k: Kernel, base: InetPeerBase, daddr: number, vif = 0): InetPeer {
  const key = peerKey(daddr, vif);
  const now = jiffies(k);
  let p = base.peers.get(key);
  if (p !== undefined) {
    p.dtime = now;
    return p;
  }
  inetPeerGc(base, now);
  p = new InetPeer(daddr >>> 0, vif, now);
  base.peers.set(key, p);
  return p;
}

/** Look a peer up without creating it (Linux: inet_getpeer(base, addr, create=0)). */
export function inetPeerLookup(base: InetPeerBase, daddr: number, vif = 0): InetPeer | null {
  return base.peers.get(peerKey(daddr, vif)) ?? null;
}

/**
 * Linux: inet_peer_xrlim_allow(): token bucket of `timeout` jiffies per message
 * and a burst of XRLIM_BURST_FACTOR messages. A null peer always passes.
 */
export function inetPeerXrlimAllow(k: Kernel, peer: InetPeer | null, timeout: number): boolean {
  if (peer === null) return true;
  const now = jiffies(k);
  let token = peer.rateTokens + (now - peer.rateLast);
  peer.rateLast = now;
  let rc = false;
  if (token > XRLIM_BURST_FACTOR * timeout) token = XRLIM_BURST_FACTOR * timeout;
  if (token >= timeout) {
    token -= timeout;
    rc = true;
  }
  peer.rateTokens = token;
  return rc;
}

/** Linux: inetpeer_invalidate_tree(). */
export function inetpeerInvalidateTree(base: InetPeerBase): void {
  base.peers.clear();
}
