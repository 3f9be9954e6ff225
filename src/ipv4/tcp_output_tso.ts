/**
 * TCP segmentation offload on the send side (Linux: net/ipv4/tcp_output.c
 * tcp_tso_autosize, tcp_tso_segs, tcp_mss_split_point, the TSO branch of tcp_write_xmit
 * with the Nagle/Minshall tests it shares with the non-TSO path (tcp_nagle_test),
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
 * pacing, so tcp_wstamp_ns is the time of the last transmission. No software GSO
 * without NETIF_F_TSO (a device with
 * only NETIF_F_GSO gets MSS-sized skbs: copying every segment in skb_segment would
 * cost more than the per-segment path it replaces).
 */
import type { SkBuff } from '../core/skbuff.js';
import { NETIF_F_TSO, NETIF_F_HW_CSUM, NETIF_F_IP_CSUM, featHas } from '../core/netdevice.js';
import { type TcpSock, TCP_SKB_CB, tcpPacketsInFlight } from './tcp_sock.js';
import { ipv4Net } from './netns_ipv4.js';
import { tcpMinRttUs } from './tcp_input_rtt.js';
import { MAX_TCP_HEADER, TCP_CA_Recovery, TCP_NAGLE_CORK, TCP_NAGLE_PUSH, after } from './tcp_defs.js';
import { TCPHDR_FIN } from '../wire/tcphdr.js';

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

/**
 * Linux: tcp_tso_should_defer(): hold a TSO packet that cwnd or the window cut short
 * when an ACK that would let a bigger one go is expected soon: only while the last
 * transmission was within 1 ms, outside loss recovery, when less than a full TSO packet
 * and less than 1/tcp_tso_win_divisor of the window may go now, and when the ACK of
 * the oldest packet in flight is due within min(srtt/2, 1 ms). Sets `limited.cwnd` or
 * `limited.rwnd` when it defers for that reason.
 */
export function tcpTsoShouldDefer(sk: TcpSock, skb: SkBuff, limited: { cwnd: boolean; rwnd: boolean }, maxSegs: number,
  isTail: boolean, wndEnd: number, inFlight: number, head: SkBuff | null): boolean {
  const tp = sk;
  if (tp.icskCaState >= TCP_CA_Recovery) return false;
  // Avoid bursty behavior by allowing defer only if the last write was recent (1 ms).
  if (tp.tcpMstamp - tp.tcpWstampUs - 1000 > 0) return false;
  const mss = tp.mssCache;
  const sendWin = (wndEnd - TCP_SKB_CB(skb).seq) >>> 0;
  // From the cwnd test, cwnd > in_flight.
  const congWin = (tp.sndCwnd - inFlight) * mss;
  const limit = Math.min(sendWin, congWin);
  const len = skb.tail - skb.data;
  // If a full-sized TSO skb can be sent, do it.
  if (limit >= maxSegs * mss) return false;
  // Middle in queue won't get any more data, full sendable already?
  if (!isTail && limit >= len) return false;
  const winDivisor = ipv4Net(sk.net).sysctl.tcpTsoWinDivisor;
  if (winDivisor !== 0) {
    // If at least some fraction of a window is available, just use it.
    const chunk = Math.floor(Math.min(tp.sndWnd, tp.sndCwnd * mss) / winDivisor);
    if (limit >= chunk) return false;
  } else if (limit > tcpMaxTsoDeferredMss() * mss) {
    // Different approach, try not to defer past a single ACK.
    return false;
  }
  if (head === null) return false;
  const srttUs = tp.srttUs / 8;
  // When is the ACK expected, and how far from now is it?
  const howFarIsTheAck = TCP_SKB_CB(head).txMstamp + srttUs - tp.tcpMstamp;
  // If the next ACK is likely to come too late (in more than min(1 ms, srtt/2)), do not defer.
  const threshold = Math.min(srttUs / 2, 1000);
  if (howFarIsTheAck - threshold > 0) return false;
  // Ok, it looks like it is advisable to defer: cwnd-limited, rwnd-limited or application-limited.
  if (congWin < sendWin) {
    if (congWin <= len) {
      limited.cwnd = true;
      return true;
    }
  } else if (sendWin <= len) {
    limited.rwnd = true;
    return true;
  }
  // If this packet won't get more data, do not wait.
  if ((TCP_SKB_CB(skb).tcpFlags & TCPHDR_FIN) !== 0 || TCP_SKB_CB(skb).eor) return false;
  return true;
}

/** Linux: tcp_max_tso_deferred_mss(): three segments (the receiver ACKs every other one). */
function tcpMaxTsoDeferredMss(): number {
  return 3;
}

/** Linux: tcp_wnd_end(): the right edge of the peer's window. */
export function tcpWndEnd(tp: TcpSock): number {
  return (tp.sndUna + tp.sndWnd) >>> 0;
}

/** Linux: tcp_urg_mode(). */
export function tcpUrgMode(tp: TcpSock): boolean {
  return tp.sndUna !== tp.sndUp;
}

/** Linux: tcp_minshall_check(): a small segment is still unacknowledged. */
function tcpMinshallCheck(tp: TcpSock): boolean {
  return after(tp.sndSml, tp.sndUna) && !after(tp.sndSml, tp.sndNxt);
}

/** Linux: tcp_minshall_update(). */
export function tcpMinshallUpdate(tp: TcpSock, mssNow: number, skb: SkBuff): void {
  if (skb.tail - skb.data < TCP_SKB_CB(skb).pcount * mssNow) tp.sndSml = TCP_SKB_CB(skb).endSeq;
}

/**
 * Linux: tcp_nagle_test(): may this (last, partial) segment go now? Nagle (RFC 896) with
 * Minshall's variant: hold a partial segment while another small one is unacknowledged;
 * TCP_CORK holds any partial segment; urgent data and FIN are never held.
 */
export function tcpNagleTest(tp: TcpSock, skb: SkBuff, curMss: number, nonagle: number): boolean {
  if (nonagle & TCP_NAGLE_PUSH) return true;
  if (tcpUrgMode(tp) || (TCP_SKB_CB(skb).tcpFlags & TCPHDR_FIN) !== 0) return true;
  const partial = skb.tail - skb.data < curMss;
  const hold = partial && ((nonagle & TCP_NAGLE_CORK) !== 0 || (!nonagle && tp.packetsOut !== 0 && tcpMinshallCheck(tp)));
  return !hold;
}


/**
 * The TSO branch of Linux's tcp_write_xmit(): how many bytes of the write queue's
 * head `skb` (more than one MSS) to send as one TSO packet: up to tcp_tso_segs()
 * segments, within cwnd (`cwndQuota`) and the peer's window, the partial tail only
 * if Nagle allows (tcp_mss_split_point). Returns -1 to wait for the next ACK, which
 * lets a bigger packet go (tcp_tso_should_defer; `limited` says why); tcp_push_one
 * and a loss probe (`pushOne` != 0) never wait but still send a TSO packet.
 */
export function tcpTsoLimit(sk: TcpSock, skb: SkBuff, mssNow: number, cwndQuota: number, nonagle: number,
  pushOne: number, limited: { cwnd: boolean; rwnd: boolean }): number {
  const tp = sk;
  const isTail = skb === tp.writeQueue.tail;
  const maxSegs = tcpTsoSegs(sk, mssNow);
  if (pushOne === 0 && tcpTsoShouldDefer(sk, skb, limited, maxSegs, isTail, tcpWndEnd(tp),
    tcpPacketsInFlight(tp), tp.rtxQueue.peek())) {
    return -1;
  }
  const partialHeld = (nonagle & TCP_NAGLE_CORK) !== 0 || (!nonagle && tp.packetsOut !== 0 && tcpMinshallCheck(tp));
  return tcpMssSplitPoint(sk, skb, mssNow, Math.min(cwndQuota, maxSegs), isTail, tcpWndEnd(tp), partialHeld);
}
