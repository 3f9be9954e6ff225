/**
 * The delayed-ACK engine and receive-window growth (Linux: net/ipv4/tcp_input.c
 * tcp_measure_rcv_mss() with 6.x scaling_ratio, tcp_incr_quickack(), tcp_enter_quickack_mode(),
 * tcp_in_quickack_mode(), __tcp_grow_window()/tcp_grow_window(), tcp_event_data_recv(),
 * __tcp_ack_snd_check()/tcp_ack_snd_check() with SACK compression (tcp_comp_sack_*) and
 * tcp_compressed_ack_kick(); tcp.c tcp_set_window_clamp() as used on a ratio change).
 *
 * Truesizes are those of Linux's skb for the segment (tcpRxSetTruesize, see tcp_input_data.ts).
 */
import type { SkBuff } from '../core/skbuff.js';
import { TimerList } from '../core/timer.js';
import { TCPHDR_FIN, TCPHDR_SYN, TCPHDR_PSH, TCPHDR_URG } from '../wire/tcphdr.js';
import { ipv4Net } from './netns_ipv4.js';
import type { TcpSock, TimerWithSock } from './tcp_sock.js';
import { TCP_SKB_CB, tcpIsSack, tcpJiffies32, tcpWinFromSpace, TCP_RMEM_TO_WIN_SCALE } from './tcp_sock.js';
import {
  ICSK_ACK_PUSHED, ICSK_ACK_PUSHED2, ICSK_ACK_NOW, TCP_MAX_QUICKACKS, TCP_ATO_MIN, TCP_MSS_DEFAULT,
  TCP_FASTRETRANS_THRESH,
} from './tcp_defs.js';
import { tcpRxTruesizeAdjusted } from './tcp_input_data.js';
import { tcpRcvRttMeasure, tcpSpace, TCP_MIN_MSS } from './tcp_input_rtt.js';
import { inetCskScheduleAck, inetCskAckScheduled } from './tcp_timer.js';
import { tcpSendAck, tcpSendDelayedAck, __tcpSelectWindow } from './tcp_output.js';
import { tcpEcnCheckCe } from './tcp_ecn.js';

/** Linux: RTAX_QUICKACK. */
const RTAX_QUICKACK = 15;


/* ---- delayed ACK engine ---- */

/** Linux: inet_csk_in_pingpong_mode(). */
export function inetCskInPingpongMode(sk: TcpSock): boolean {
  return sk.icskAckPingpong >= ipv4Net(sk.net).sysctl.tcpPingpongThresh;
}

/** Linux: tcp_set_window_clamp() as used on a scaling_ratio change (tcp.c). */
function tcpSetWindowClampForRatio(sk: TcpSock, val: number): void {
  const old = sk.windowClamp;
  const nw = Math.max(2304 >> 1 /* SOCK_MIN_RCVBUF / 2 */, val);
  if (nw === old) return;
  sk.windowClamp = nw;
  if (nw < old) {
    sk.rcvSsthresh = Math.min(sk.rcvSsthresh, nw);
  } else {
    const n = Math.min(sk.rcvWnd, nw);
    sk.rcvSsthresh = Math.max(n, sk.rcvSsthresh);
  }
}

/**
 * Linux: tcp_measure_rcv_mss(): track the peer's segment size for delayed-ACK decisions,
 * and (6.x) the payload/truesize ratio that turns buffer space into window.
 */
export function tcpMeasureRcvMss(sk: TcpSock, skb: SkBuff): void {
  const lss = sk.icskAckLastSegSize;
  sk.icskAckLastSegSize = 0;
  // skb->len may jitter because of SACKs, even if the peer sends full-sized frames; a GRO
  // or GSO packet counts by its segment size (Linux: gso_size ?: skb->len).
  let len = skb.gsoSize || skb.len;
  if (len >= sk.icskAckRcvMss) {
    if (len !== sk.icskAckRcvMss) {
      const val = Math.floor((skb.len * (1 << TCP_RMEM_TO_WIN_SCALE)) / (TCP_SKB_CB(skb).rxTruesize || skb.len + 832));
      const oldRatio = sk.scalingRatio;
      sk.scalingRatio = val ? val : 1;
      if (oldRatio !== sk.scalingRatio) {
        tcpSetWindowClampForRatio(sk, tcpWinFromSpace(sk, sk.rcvbuf));
        if (sk.windowClamp < sk.rcvqSpaceSpace) sk.rcvqSpaceSpace = sk.windowClamp;
      }
    }
    sk.icskAckRcvMss = Math.min(len, sk.advmss);
    // A 1*MSS segment with PSH is likely the end of an application write: ACK on read.
    if (TCP_SKB_CB(skb).tcpFlags & TCPHDR_PSH) sk.icskAckPending |= ICSK_ACK_PUSHED;
  } else {
    // "len" is the invariant segment length, including the TCP header.
    len += skb.data - skb.transportHeader;
    if (len >= TCP_MSS_DEFAULT + 20 ||
        (len >= TCP_MIN_MSS + 20 && !(TCP_SKB_CB(skb).tcpFlags & (TCPHDR_FIN | TCPHDR_URG | TCPHDR_SYN | TCPHDR_PSH)))) {
      // Subtract the invariant (tcp header plus fixed timestamp option): MSS free of SACK jitter.
      len -= sk.tcpHeaderLen;
      sk.icskAckLastSegSize = len;
      if (len === lss) {
        sk.icskAckRcvMss = len;
        return;
      }
    }
    if (sk.icskAckPending & ICSK_ACK_PUSHED) sk.icskAckPending |= ICSK_ACK_PUSHED2;
    sk.icskAckPending |= ICSK_ACK_PUSHED;
  }
}

/** Linux: tcp_incr_quickack(). */
function tcpIncrQuickack(sk: TcpSock, maxQuickacks: number): void {
  let quickacks = Math.floor(sk.rcvWnd / (2 * sk.icskAckRcvMss));
  if (quickacks === 0) quickacks = 2;
  quickacks = Math.min(quickacks, maxQuickacks);
  if (quickacks > sk.icskAckQuick) sk.icskAckQuick = quickacks;
}

/** Linux: tcp_enter_quickack_mode(). */
export function tcpEnterQuickackMode(sk: TcpSock, maxQuickacks: number): void {
  tcpIncrQuickack(sk, maxQuickacks);
  sk.icskAckPingpong = 0; /* inet_csk_exit_pingpong_mode */
  sk.icskAckAto = TCP_ATO_MIN;
}

/** Linux: tcp_in_quickack_mode(): the route's quickack metric, or quick ACKs left and not interactive. */
export function tcpInQuickackMode(sk: TcpSock): boolean {
  const dst = sk.dstCache as { metrics?: Uint32Array } | null;
  if (dst && dst.metrics && dst.metrics[RTAX_QUICKACK]) return true;
  return sk.icskAckQuick !== 0 && !inetCskInPingpongMode(sk);
}

/** Linux: __tcp_grow_window(): slow part of check #2. */
function __tcpGrowWindow(sk: TcpSock, skb: SkBuff, skbTruesize: number): number {
  let truesize = tcpWinFromSpace(sk, skbTruesize) >> 1;
  let window = tcpWinFromSpace(sk, ipv4Net(sk.net).sysctl.tcpRmem[2]!) >> 1;
  while (sk.rcvSsthresh <= window) {
    if (truesize <= skb.len) return 2 * sk.icskAckRcvMss;
    truesize >>= 1;
    window >>= 1;
  }
  return 0;
}

/**
 * Linux: tcp_grow_window(): open rcv_ssthresh by 2*advmss (at least 2*len) per segment
 * whose overhead would still fit the buffer, up to min(window_clamp, tcp_space).
 * `adjust`: the head is not counted (truesize_adjust: payload in page frags).
 */
export function tcpGrowWindow(sk: TcpSock, skb: SkBuff, adjust: boolean): void {
  const room = Math.min(sk.windowClamp, tcpSpace(sk)) - sk.rcvSsthresh;
  if (room <= 0) return;
  const len = skb.len;
  const truesize = tcpRxTruesizeAdjusted(skb, adjust);
  let incr: number;
  if (tcpWinFromSpace(sk, truesize) <= len) incr = 2 * sk.advmss;
  else incr = __tcpGrowWindow(sk, skb, truesize);
  if (incr) {
    incr = Math.max(incr, 2 * len);
    sk.rcvSsthresh += Math.min(room, incr);
    sk.icskAckQuick |= 1;
  }
}

/**
 * Linux: tcp_event_data_recv(): schedule an ACK, track rcv_mss and the receiver RTT, adapt
 * the delayed-ACK timeout (ato) to the inter-arrival time, check CE, grow the window.
 */
export function tcpEventDataRecv(sk: TcpSock, skb: SkBuff): void {
  inetCskScheduleAck(sk);
  tcpMeasureRcvMss(sk, skb);
  tcpRcvRttMeasure(sk);
  const now = tcpJiffies32(sk.net.kernel);
  if (!sk.icskAckAto) {
    // The first data packet received: initialize the delayed-ACK engine.
    tcpIncrQuickack(sk, TCP_MAX_QUICKACKS);
    sk.icskAckAto = TCP_ATO_MIN;
  } else {
    const m = (now - sk.icskAckLrcvtime) | 0;
    if (m <= TCP_ATO_MIN / 2) {
      // The fastest case is the first.
      sk.icskAckAto = (sk.icskAckAto >> 1) + TCP_ATO_MIN / 2;
    } else if (m < sk.icskAckAto) {
      sk.icskAckAto = (sk.icskAckAto >> 1) + m;
      if (sk.icskAckAto > sk.icskRto) sk.icskAckAto = sk.icskRto;
    } else if (m > sk.icskRto) {
      // Too long gap: apparently the sender failed to restart its window; ACK quickly.
      tcpIncrQuickack(sk, TCP_MAX_QUICKACKS);
    }
  }
  sk.icskAckLrcvtime = now;
  tcpEcnCheckCe(sk, skb);
  if (skb.len >= 128) tcpGrowWindow(sk, skb, true);
}

/* ---- ACK decisions ---- */

function tcpCompressedAckKick(t: TimerList): void {
  const sk = (t as TimerWithSock).sk;
  if (sk.compressedAck) {
    // One ACK goes out: subtract it to keep TCPAckCompressed accurate.
    sk.compressedAck--;
    tcpSendAck(sk);
  }
}

/**
 * Linux: __tcp_ack_snd_check(): ACK now when more than one full segment is unacknowledged
 * and the window moved enough (or SO_RCVLOWAT is not yet met), in quick-ACK mode, or when
 * ICSK_ACK_NOW is set; with out-of-order data and SACK, compress ACKs after the first
 * three dupacks (tcp_comp_sack_nr, tcp_comp_sack_delay_ns); otherwise delay the ACK.
 */
export function __tcpAckSndCheck(sk: TcpSock, ofoPossible: boolean): void {
  const tp = sk;
  if ((((tp.rcvNxt - tp.rcvWup) >>> 0) > sk.icskAckRcvMss &&
       (((tp.rcvNxt - tp.copiedSeq) >>> 0) < sk.rcvlowat || __tcpSelectWindow(sk) >= tp.rcvWnd)) ||
      tcpInQuickackMode(sk) ||
      (sk.icskAckPending & ICSK_ACK_NOW)) {
    tcpSendAck(sk);
    return;
  }
  if (!ofoPossible || tp.outOfOrderQueue.peek() === null) {
    tcpSendDelayedAck(sk);
    return;
  }
  const s = ipv4Net(sk.net).sysctl;
  if (!tcpIsSack(tp) || tp.compressedAck >= s.tcpCompSackNr) {
    tcpSendAck(sk);
    return;
  }
  if (tp.compressedAckRcvNxt !== tp.rcvNxt) {
    tp.compressedAckRcvNxt = tp.rcvNxt;
    tp.dupAckCounter = 0;
  }
  if (tp.dupAckCounter < TCP_FASTRETRANS_THRESH) {
    tp.dupAckCounter++;
    tcpSendAck(sk);
    return;
  }
  tp.compressedAck++;
  let timer = tp.compressedAckTimer;
  if (timer !== null && timer.pending()) return;
  if (timer === null) {
    timer = new TimerList(tcpCompressedAckKick);
    (timer as TimerWithSock).sk = sk;
    tp.compressedAckTimer = timer;
  }
  // Compress-ACK timer: 5 % of the RTT, at most tcp_comp_sack_delay_ns (+ slack; tuxnet fires at the start).
  let rtt = tp.rcvRttEstRttUs;
  if (tp.srttUs && tp.srttUs < rtt) rtt = tp.srttUs;
  const delayNs = Math.min(s.tcpCompSackDelayNs, Math.floor((rtt * (1000 >> 3)) / 20));
  sk.net.kernel.modTimer(timer, sk.net.kernel.clock.now() + delayNs);
}

/** Linux: tcp_ack_snd_check(): nothing to do if a data segment already carried the ACK. */
export function tcpAckSndCheck(sk: TcpSock): void {
  if (!inetCskAckScheduled(sk)) return;
  __tcpAckSndCheck(sk, true);
}

