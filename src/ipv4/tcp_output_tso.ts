/**
 * TCP segmentation offload on the send side (Linux: net/ipv4/tcp_output.c
 * tcp_tso_autosize, tcp_tso_segs, tcp_mss_split_point, the TSO branch of tcp_write_xmit
 * and the GSO fields __tcp_transmit_skb sets). When the route's device takes TCPv4
 * GSO packets whole (NETIF_F_TSO: a TAP with vnet headers, veth, loopback), one
 * transmission carries up to tcp_tso_segs() MSS-sized segments as a single GSO skb
 * (gso_size = MSS, gso_segs = tcp_skb_pcount); the device or validate_xmit_skb's
 * software GSO cuts it into the same segments the non-TSO path would have sent one by one.
 *
 * Differences from Linux: once sent, a TSO skb is split into MSS-sized skbs in the
 * retransmit queue (the rest of this TCP keeps one segment per sent skb: SACK
 * tagging, retransmission and loss marking work on single segments, as Linux's do
 * after tcp_fragment), so tcp_skb_pcount is 1 for skbs in the retransmit queue. No
 * tcp_tso_should_defer (a TSO burst goes out when the window allows it, as the
 * non-TSO path sends it) and no software GSO without NETIF_F_TSO (a device with
 * only NETIF_F_GSO gets MSS-sized skbs: copying every segment in skb_segment would
 * cost more than the per-segment path it replaces).
 */
import type { SkBuff } from '../core/skbuff.js';
import { NETIF_F_TSO, NETIF_F_HW_CSUM, NETIF_F_IP_CSUM, featHas } from '../core/netdevice.js';
import { type TcpSock, TCP_SKB_CB } from './tcp_sock.js';
import { ipv4Net } from './netns_ipv4.js';
import { tcpMinRttUs } from './tcp_input_rtt.js';
import { MAX_TCP_HEADER } from './tcp_defs.js';

/** Linux: sk_gso_max_size for IPv4 without BIG TCP: GSO_LEGACY_MAX_SIZE - (MAX_TCP_HEADER + 1). */
const TCP_SK_GSO_MAX_SIZE = 65536 - (MAX_TCP_HEADER + 1);
/** Linux: sk_gso_max_segs (dev->gso_max_segs, GSO_MAX_SEGS). */
const TCP_SK_GSO_MAX_SEGS = 65535;
/** Linux: sk_pacing_shift default (SK_DEFAULT_PACING_SHIFT): about 1 ms of data per TSO packet. */
const SK_PACING_SHIFT = 10;

/**
 * Linux: sk_can_gso() for a TCP socket here: the cached route's device takes TCPv4 GSO
 * packets (NETIF_F_TSO with checksum offload; TCP's skbs are CHECKSUM_PARTIAL only for
 * such devices).
 */
export function tcpSkCanGso(sk: TcpSock): boolean {
  const dst = sk.dstCache;
  const dev = dst !== null ? dst.dev : null;
  // TSO needs checksum offload (netdev_fix_features drops it otherwise).
  return dev !== null && featHas(dev.features, NETIF_F_TSO) &&
    (featHas(dev.features, NETIF_F_HW_CSUM) || featHas(dev.features, NETIF_F_IP_CSUM));
}

/**
 * Linux: tcp_tso_autosize(): segments per TSO packet so that one packet holds about
 * 1 ms of data at the pacing rate (sk_pacing_rate >> sk_pacing_shift), plus a share of
 * the 64 KiB maximum that shrinks as the minimum RTT grows (tcp_tso_rtt_log), and at
 * least `minTsoSegs`.
 */
export function tcpTsoAutosize(sk: TcpSock, mssNow: number, minTsoSegs: number): number {
  let bytes = Math.floor(sk.pacingRate / 2 ** SK_PACING_SHIFT);
  const r = Math.floor(tcpMinRttUs(sk) / 2 ** ipv4Net(sk.net).sysctl.tcpTsoRttLog);
  if (r < 32) bytes += Math.floor(TCP_SK_GSO_MAX_SIZE / 2 ** r);
  bytes = Math.min(bytes, TCP_SK_GSO_MAX_SIZE);
  return Math.max(Math.floor(bytes / mssNow), minTsoSegs);
}

/** Linux: tcp_tso_segs(): the most segments one TSO packet may carry now. */
export function tcpTsoSegs(sk: TcpSock, mssNow: number): number {
  const minTso = ipv4Net(sk.net).sysctl.tcpMinTsoSegs;
  return Math.min(tcpTsoAutosize(sk, mssNow, minTso), TCP_SK_GSO_MAX_SEGS);
}

/**
 * Linux: tcp_mss_split_point(): how many bytes of `skb` to send as one TSO packet: up
 * to `maxSegs` segments, within the peer's window; the last partial segment only if
 * Nagle allows it (`nagleHolds` tells whether Nagle would hold a partial segment now).
 */
export function tcpMssSplitPoint(sk: TcpSock, skb: SkBuff, mssNow: number, maxSegs: number, isTail: boolean,
  wndEnd: number, nagleHolds: boolean): number {
  const window = (wndEnd - TCP_SKB_CB(skb).seq) >>> 0;
  const maxLen = mssNow * maxSegs;
  if (maxLen <= window && !isTail) return maxLen;
  const needed = Math.min(skb.tail - skb.data, window);
  if (maxLen <= needed) return maxLen;
  const partial = needed % mssNow;
  // If the last segment is not a full MSS, check if Nagle rules allow us to send it now.
  if (partial !== 0 && nagleHolds) return needed - partial;
  return needed;
}
