/**
 * RTT estimation, RTO, pacing rate, receive-buffer autotuning and send-buffer growth
 * (Linux: net/ipv4/tcp_input.c tcp_rtt_estimator(), tcp_set_rto(), tcp_update_rtt_min(),
 * tcp_rtt_tsopt_us(), tcp_ack_update_rtt(), tcp_synack_rtt_meas(), tcp_update_pacing_rate(),
 * tcp_init_cwnd(), tcp_rcv_rtt_update()/tcp_rcv_rtt_measure()/tcp_rcv_rtt_measure_ts(),
 * tcp_sndbuf_expand(), tcp_init_buffer_space(), tcp_rcvbuf_grow(), tcp_rcv_space_adjust(),
 * tcp_initialize_rcv_mss(), tcp_should_expand_sndbuf()/tcp_new_space()/tcp_check_space();
 * lib/win_minmax.c minmax_running_min(); include/net/tcp.h __tcp_set_rto(), tcp_bound_rto(),
 * tcp_space(), tcp_full_space(), tcp_space_from_win()).
 *
 * Linux 6.18's autotuning (tcp_rcvbuf_grow: the receive buffer follows twice the bytes
 * the application read in the last RTT plus what sits in the out-of-order queue) is the
 * one modelled here, with the RTT of the receiver taken as a minimum (tcp_rcv_rtt_update).
 */
import type { SkBuff } from '../core/skbuff.js';
import { skWriteSpace } from '../core/sock.js';
import { ipv4Net } from './netns_ipv4.js';
import { tcpChronoStop } from './tcp_output.js';
import type { Minmax, RateSample, RequestSock, TcpSock } from './tcp_sock.js';
import {
  TCP_SKB_CB, tcpJiffies32, tcpClockUs, tcpMstampRefresh, tcpPacketsInFlight, tcpWinFromSpace, TCP_RMEM_TO_WIN_SCALE,
} from './tcp_sock.js';
import {
  FLAG_ACKED, FLAG_ACK_MAYBE_DELAYED, FLAG_SYN_ACKED, TCP_INIT_CWND, TCP_MSS_DEFAULT, USEC_PER_SEC, TCP_TS_HZ,
  HZ, after, before, TCP_CHRONO_SNDBUF_LIMITED,
} from './tcp_defs.js';

/** Linux: TCP_MIN_MSS (88). */
export const TCP_MIN_MSS = 88;
/** Linux: SOCK_RCVBUF_LOCK / SOCK_SNDBUF_LOCK (sk_userlocks). */
export const SOCK_SNDBUF_LOCK = 1;
export const SOCK_RCVBUF_LOCK = 2;
/** Linux: RTAX_INITCWND. */
const RTAX_INITCWND = 11;

/** Linux: usecs_to_jiffies() at HZ 1000 (rounds up). */
export function usecsToJiffies(us: number): number {
  return Math.ceil(us / (USEC_PER_SEC / HZ));
}

/** Linux: tcp_stamp_us_delta(t1, t0): max(t1 - t0, 0). */
export function tcpStampUsDelta(t1: number, t0: number): number {
  const d = t1 - t0;
  return d > 0 ? d : 0;
}

/* ---- lib/win_minmax.c ---- */

/** Linux: minmax_reset(). */
export function minmaxReset(m: Minmax, t: number, meas: number): number {
  m.t0 = m.t1 = m.t2 = t;
  m.v0 = m.v1 = m.v2 = meas;
  return meas;
}

function minmaxSubwinUpdate(m: Minmax, win: number, t: number, v: number): number {
  const dt = (t - m.t0) >>> 0;
  if (dt > win) {
    // Passed the entire window without a new minimum: make the 2nd choice the new
    // minimum, the 3rd the new 2nd, and the new sample the 3rd (and once more if needed).
    m.t0 = m.t1; m.v0 = m.v1;
    m.t1 = m.t2; m.v1 = m.v2;
    m.t2 = t; m.v2 = v;
    if (((t - m.t0) >>> 0) > win) {
      m.t0 = m.t1; m.v0 = m.v1;
      m.t1 = m.t2; m.v1 = m.v2;
      m.t2 = t; m.v2 = v;
    }
  } else if (m.t1 === m.t0 && dt > win / 4) {
    // A quarter of the window passed without a new minimum: take a 2nd choice.
    m.t2 = m.t1 = t;
    m.v2 = m.v1 = v;
  } else if (m.t2 === m.t1 && dt > win / 2) {
    m.t2 = t;
    m.v2 = v;
  }
  return m.v0;
}

/** Linux: minmax_running_min(): Kathleen Nichols' windowed min filter. */
export function minmaxRunningMin(m: Minmax, win: number, t: number, meas: number): number {
  if (meas <= m.v0 || ((t - m.t2) >>> 0) > win) return minmaxReset(m, t, meas);
  if (meas <= m.v1) {
    m.t2 = m.t1 = t;
    m.v2 = m.v1 = meas;
  } else if (meas <= m.v2) {
    m.t2 = t;
    m.v2 = meas;
  }
  return minmaxSubwinUpdate(m, win, t, meas);
}

/* ---- RTT and RTO ---- */

/** Linux: tcp_rto_min_us(). */
export function tcpRtoMinUs(sk: TcpSock): number {
  return sk.icskRtoMin * (USEC_PER_SEC / HZ);
}

/**
 * Linux: tcp_rtt_estimator(): Jacobson's SIGCOMM '88 estimator with Linux's changes:
 * srtt_us holds 8*srtt, mdev_us 4*mdev; a decreasing RTT moves mdev with a finer gain
 * (like Eifel), and rttvar_us follows the largest mdev of the last RTT and decays once
 * per RTT (when snd_una passes rtt_seq), never below tcp_rto_min_us.
 */
export function tcpRttEstimator(sk: TcpSock, mrttUs: number): void {
  let m = mrttUs;
  let srtt = sk.srttUs;
  if (srtt !== 0) {
    m -= srtt >>> 3; /* m is now error in rtt est */
    srtt += m; /* rtt = 7/8 rtt + 1/8 new */
    if (m < 0) {
      m = -m; /* m is now abs(error) */
      m -= sk.mdevUs >>> 2; /* similar update on mdev */
      // Eifel-like: finer gain (alpha*beta) for mdev when the RTT decreases.
      if (m > 0) m >>= 3;
    } else {
      m -= sk.mdevUs >>> 2;
    }
    sk.mdevUs += m; /* mdev = 3/4 mdev + 1/4 new */
    if (sk.mdevUs > sk.mdevMaxUs) {
      sk.mdevMaxUs = sk.mdevUs;
      if (sk.mdevMaxUs > sk.rttvarUs) sk.rttvarUs = sk.mdevMaxUs;
    }
    if (after(sk.sndUna, sk.rttSeq)) {
      if (sk.mdevMaxUs < sk.rttvarUs) sk.rttvarUs -= (sk.rttvarUs - sk.mdevMaxUs) >>> 2;
      sk.rttSeq = sk.sndNxt;
      sk.mdevMaxUs = tcpRtoMinUs(sk);
    }
  } else {
    /* no previous measure. */
    srtt = m << 3; /* take the measured time to be rtt */
    sk.mdevUs = m << 1; /* make sure rto = 3*rtt */
    sk.rttvarUs = Math.max(sk.mdevUs, tcpRtoMinUs(sk));
    sk.mdevMaxUs = sk.rttvarUs;
    sk.rttSeq = sk.sndNxt;
  }
  sk.srttUs = Math.max(1, srtt);
}

/** Linux: __tcp_set_rto(): srtt + 4*mdev-ish (rttvar), in jiffies. */
export function __tcpSetRto(sk: TcpSock): number {
  return usecsToJiffies((sk.srttUs >>> 3) + sk.rttvarUs);
}

/** Linux: tcp_bound_rto(): never above icsk_rto_max (net.ipv4.tcp_rto_max_ms / TCP_RTO_MAX_MS). */
export function tcpBoundRto(sk: TcpSock): void {
  if (sk.icskRto > sk.icskRtoMax) sk.icskRto = sk.icskRtoMax;
}

/**
 * Linux: tcp_set_rto(): RTO without backoff. No clamp at TCP_RTO_MIN is needed: rttvar
 * is at least tcp_rto_min_us, so RTO >= srtt + rto_min.
 */
export function tcpSetRto(sk: TcpSock): void {
  sk.icskRto = __tcpSetRto(sk);
  tcpBoundRto(sk);
}

/** Linux: tcp_min_rtt(). */
export function tcpMinRttUs(tp: TcpSock): number {
  return tp.rttMin.v0;
}

/** Linux: tcp_update_rtt_min(): skip probable delayed ACKs that would inflate the minimum. */
export function tcpUpdateRttMin(sk: TcpSock, rttUs: number, flag: number): void {
  const wlen = ipv4Net(sk.net).sysctl.tcpMinRttWlen * HZ;
  if ((flag & FLAG_ACK_MAYBE_DELAYED) && rttUs > tcpMinRttUs(sk)) return;
  minmaxRunningMin(sk.rttMin, wlen, tcpJiffies32(sk.net.kernel), rttUs || USEC_PER_SEC / HZ);
}

/**
 * Linux: tcp_rtt_tsopt_us(tp, min): RTT from the echoed timestamp, µs; a zero delta counts
 * as `min` ticks; -1 when the echo is absurd.
 */
export function tcpRttTsoptUs(tp: TcpSock, min: number): number {
  let delta = (tcpTimeStampTs(tp) - tp.rxOpt.rcvTsecr) >>> 0;
  if (delta < Math.floor(0x7fffffff / (USEC_PER_SEC / TCP_TS_HZ))) {
    if (!delta) delta = min;
    return delta * (USEC_PER_SEC / TCP_TS_HZ);
  }
  return -1;
}

/** Linux: tcp_time_stamp_ts(tp): our TSval clock (ms) without the per-connection offset. */
export function tcpTimeStampTs(tp: TcpSock): number {
  return Math.floor(tp.tcpMstamp / 1000) >>> 0;
}

/**
 * Linux: tcp_ack_update_rtt(): prefer the RTT measured from ACK timing (Karn: none when
 * retransmitted data is acked), else a SACK RTT, else the timestamp echo (RFC 7323 RTTM:
 * only for an ACK of new data). Updates rtt_min, srtt/rttvar, RTO; resets the backoff.
 */
export function tcpAckUpdateRtt(sk: TcpSock, flag: number, seqRttUs: number, sackRttUs: number, caRttUs: number,
  rs: RateSample | null): boolean {
  if (seqRttUs < 0) seqRttUs = sackRttUs;
  if (seqRttUs < 0 && sk.rxOpt.sawTstamp && sk.rxOpt.rcvTsecr && (flag & FLAG_ACKED)) {
    seqRttUs = caRttUs = tcpRttTsoptUs(sk, 1);
  }
  if (rs) rs.rttUs = caRttUs; /* RTT of last (S)ACKed packet (or -1) */
  if (seqRttUs < 0) return false;
  tcpUpdateRttMin(sk, caRttUs, flag);
  tcpRttEstimator(sk, seqRttUs);
  tcpSetRto(sk);
  // RFC 6298: only reset backoff on a valid RTT measurement.
  sk.icskBackoff = 0;
  return true;
}

/** Linux: tcp_synack_rtt_meas(): RTT between the (only) SYN-ACK and the ACK completing the handshake. */
export function tcpSynackRttMeas(sk: TcpSock, req: RequestSock | null): void {
  let rttUs = -1;
  if (req && !req.numRetrans && req.sntSynack) rttUs = tcpStampUsDelta(tcpClockUs(sk.net.kernel), req.sntSynack);
  tcpAckUpdateRtt(sk, FLAG_SYN_ACKED, rttUs, -1, rttUs, null);
}

/** Linux: tcp_update_pacing_rate(): 200 % of cwnd*mss/srtt in slow start, 120 % after. */
export function tcpUpdatePacingRate(sk: TcpSock): void {
  const s = ipv4Net(sk.net).sysctl;
  let rate = sk.mssCache * ((USEC_PER_SEC / 100) << 3);
  if (sk.sndCwnd < sk.sndSsthresh / 2) rate *= s.tcpPacingSsRatio;
  else rate *= s.tcpPacingCaRatio;
  rate *= Math.max(sk.sndCwnd, sk.packetsOut);
  if (sk.srttUs) rate = Math.floor(rate / sk.srttUs);
  sk.pacingRate = Math.min(rate, sk.maxPacingRate);
}

/** Linux: tcp_init_cwnd(): the route's initcwnd metric, else TCP_INIT_CWND (RFC 6928). */
export function tcpInitCwnd(tp: TcpSock): number {
  const dst = tp.dstCache as { metrics?: Uint32Array } | null;
  let cwnd = dst && dst.metrics ? dst.metrics[RTAX_INITCWND] ?? 0 : 0;
  if (!cwnd) cwnd = TCP_INIT_CWND;
  return Math.min(cwnd, tp.sndCwndClamp);
}

/* ---- receiver RTT (DRS) and buffer autotuning ---- */

/**
 * Linux: tcp_rcv_rtt_update() (6.16+): the receiver's RTT estimate seeks the minimum;
 * larger timestamp samples are smoothed in only while the receive queue is empty.
 */
export function tcpRcvRttUpdate(tp: TcpSock, sample: number, winDep: boolean): void {
  const old = tp.rcvRttEstRttUs;
  const m = sample * 8;
  if (old === 0 || m < old) {
    tp.rcvRttEstRttUs = m;
    return;
  }
  if (winDep) return;
  // Do not use this sample if the receive queue is not empty.
  if (tp.rcvNxt !== tp.copiedSeq) return;
  tp.rcvRttEstRttUs = old - (old >>> 3) + sample;
}

/** Linux: tcp_rcv_rtt_measure(): one window's worth of data per RTT sample (no timestamps). */
export function tcpRcvRttMeasure(tp: TcpSock): void {
  if (tp.rcvRttEstTime !== 0) {
    if (before(tp.rcvNxt, tp.rcvRttEstSeq)) return;
    let deltaUs = tcpStampUsDelta(tp.tcpMstamp, tp.rcvRttEstTime);
    if (!deltaUs) deltaUs = 1;
    tcpRcvRttUpdate(tp, deltaUs, true);
  }
  tp.rcvRttEstSeq = (tp.rcvNxt + tp.rcvWnd) >>> 0;
  // 0 means "no measurement yet": a virtual clock can really be at 0 µs.
  tp.rcvRttEstTime = tp.tcpMstamp || 1;
}

/** Linux: tcp_rcv_rtt_measure_ts(): a timestamp sample from a full-sized segment, once per TSecr. */
export function tcpRcvRttMeasureTs(sk: TcpSock, skb: SkBuff): void {
  const tp = sk;
  if (tp.rxOpt.rcvTsecr === tp.rcvRttLastTsecr) return;
  tp.rcvRttLastTsecr = tp.rxOpt.rcvTsecr;
  const cb = TCP_SKB_CB(skb);
  if (((cb.endSeq - cb.seq) >>> 0) >= sk.icskAckRcvMss) {
    const delta = tcpRttTsoptUs(tp, 0);
    if (delta > 0) tcpRcvRttUpdate(tp, delta, false);
  }
}

/** Linux: tcp_space_from_win(): the buffer a window needs at the current scaling ratio. */
export function tcpSpaceFromWin(tp: TcpSock, win: number): number {
  return Math.floor((win * (1 << TCP_RMEM_TO_WIN_SCALE)) / tp.scalingRatio);
}

/** Linux: tcp_space(): window the free receive buffer allows. */
export function tcpSpace(sk: TcpSock): number {
  return tcpWinFromSpace(sk, sk.rcvbuf - sk.rmemAlloc);
}

/** Linux: tcp_full_space(). */
export function tcpFullSpace(sk: TcpSock): number {
  return tcpWinFromSpace(sk, sk.rcvbuf);
}

/** Linux: roundup_pow_of_two(). */
function roundupPowOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/**
 * Linux: tcp_sndbuf_expand(): room for 2 * max(cwnd, 10, reordering+1) segments, each
 * costing what a non-GSO skb costs in Linux (power-of-two head + sk_buff; x86_64 sizes).
 */
export function tcpSndbufExpand(sk: TcpSock): void {
  // Linux 6.18 x86_64 (this host): MAX_TCP_HEADER 256 — the sender's skb head is the 576-byte
  // skb_small_head_cache object (256 + shinfo), which is why a received segment costs len + 832.
  const MAX_TCP_HEADER_LINUX = 256;
  const SHINFO = 320;
  const SKBUFF = 256;
  let perMss = Math.max(sk.rxOpt.mssClamp, sk.mssCache) + MAX_TCP_HEADER_LINUX + SHINFO;
  perMss = roundupPowOfTwo(perMss) + SKBUFF;
  let nrSegs = Math.max(TCP_INIT_CWND, sk.sndCwnd);
  nrSegs = Math.max(nrSegs, sk.reordering + 1);
  // Fast Recovery (RFC 5681 3.2): CUBIC needs 1.7, rounded to 2.
  const sndmem = 2 * nrSegs * perMss;
  if (sk.sndbuf < sndmem) sk.sndbuf = Math.min(sndmem, ipv4Net(sk.net).sysctl.tcpWmem[2]!);
}

/**
 * Linux: tcp_init_buffer_space(): once established: grow sndbuf, start the DRS
 * measurement, clamp the window to the full space minus the application share
 * (tcp_app_win), and seed rcvq_space with min(rcv_ssthresh, rcv_wnd, 10 * advmss).
 */
export function tcpInitBufferSpace(sk: TcpSock): void {
  const appWin = ipv4Net(sk.net).sysctl.tcpAppWin;
  if (!(sk.userlocks & SOCK_SNDBUF_LOCK)) tcpSndbufExpand(sk);
  tcpMstampRefresh(sk);
  sk.rcvqSpaceTime = sk.tcpMstamp;
  sk.rcvqSpaceSeq = sk.copiedSeq;
  const maxwin = tcpFullSpace(sk);
  if (sk.windowClamp >= maxwin) {
    sk.windowClamp = maxwin;
    if (appWin && maxwin > 4 * sk.advmss) sk.windowClamp = Math.max(maxwin - (maxwin >> appWin), 4 * sk.advmss);
  }
  // Force reservation of one segment.
  if (appWin && sk.windowClamp > 2 * sk.advmss && sk.windowClamp + sk.advmss > maxwin) {
    sk.windowClamp = Math.max(2 * sk.advmss, maxwin - sk.advmss);
  }
  sk.rcvSsthresh = Math.min(sk.rcvSsthresh, sk.windowClamp);
  sk.sndCwndStamp = tcpJiffies32(sk.net.kernel);
  sk.rcvqSpaceSpace = Math.min(sk.rcvSsthresh, sk.rcvWnd, TCP_INIT_CWND * sk.advmss);
}

/**
 * Linux: tcp_rcvbuf_grow() (6.16+): with tcp_moderate_rcvbuf and no SO_RCVBUF lock, let
 * the sender double its rate (slow start) and cover what waits in the out-of-order queue.
 */
export function tcpRcvbufGrow(sk: TcpSock): void {
  const s = ipv4Net(sk.net).sysctl;
  if (!s.tcpModerateRcvbuf || (sk.userlocks & SOCK_RCVBUF_LOCK)) return;
  let rcvwin = sk.rcvqSpaceSpace * 2;
  const last = sk.oooLastSkb;
  if (sk.outOfOrderQueue.peek() !== null && last !== null) rcvwin += (TCP_SKB_CB(last).endSeq - sk.rcvNxt) | 0;
  const cap = s.tcpRmem[2]!;
  const rcvbuf = Math.min(tcpSpaceFromWin(sk, rcvwin), cap);
  if (rcvbuf > sk.rcvbuf) {
    sk.rcvbuf = rcvbuf;
    // Make the window clamp follow along.
    sk.windowClamp = tcpWinFromSpace(sk, rcvbuf);
  }
}

/**
 * Linux: tcp_rcv_space_adjust(): called as the application reads (tcp_recvmsg, via USER's
 * tcp_cleanup_rbuf path). Once per receiver RTT, compare what was read (minus what is
 * still queued) with the last measure and grow the buffer when the reader keeps up.
 */
export function tcpRcvSpaceAdjust(sk: TcpSock): void {
  if (!sk.rcvRttEstRttUs) return;
  // Linux does not refresh tcp_mstamp here: the last cached value is enough for DRS.
  // On a virtual clock a transfer over a zero-latency link takes 0 µs; count at least 1 µs
  // per call, as a real reader always spends (else DRS never runs there).
  const time = Math.max(1, tcpStampUsDelta(sk.tcpMstamp, sk.rcvqSpaceTime));
  if (time < (sk.rcvRttEstRttUs >>> 3)) return;
  let copied = (sk.copiedSeq - sk.rcvqSpaceSeq) | 0;
  const inq = (sk.rcvNxt - sk.copiedSeq) | 0;
  copied -= inq;
  if (copied > sk.rcvqSpaceSpace) {
    sk.rcvqSpaceSpace = copied;
    tcpRcvbufGrow(sk);
  }
  sk.rcvqSpaceSeq = sk.copiedSeq;
  sk.rcvqSpaceTime = sk.tcpMstamp;
}

/**
 * Linux: tcp_initialize_rcv_mss(): our guess of the peer's MSS, for delayed-ACK
 * decisions; underestimate (tcp_measure_rcv_mss corrects upward).
 */
export function tcpInitializeRcvMss(sk: TcpSock): void {
  let hint = Math.min(sk.advmss, sk.mssCache);
  hint = Math.min(hint, Math.floor(sk.rcvWnd / 2));
  hint = Math.min(hint, TCP_MSS_DEFAULT);
  hint = Math.max(hint, TCP_MIN_MSS);
  sk.icskAckRcvMss = hint;
}

/* ---- send-buffer space (tcp_new_space) ---- */

/** Linux: tcp_notsent_lowat(). */
export function tcpNotsentLowat(tp: TcpSock): number {
  return tp.notsentLowat || ipv4Net(tp.net).sysctl.tcpNotsentLowat;
}

/** Linux: tcp_stream_memory_free(sk, wake): unsent bytes (doubled when waking) under TCP_NOTSENT_LOWAT. */
export function tcpStreamMemoryFree(tp: TcpSock, wake: number): boolean {
  const notsent = (tp.writeSeq - tp.sndNxt) >>> 0;
  return notsent * (1 << wake) < tcpNotsentLowat(tp);
}

/** Linux: tcp_should_expand_sndbuf() (no global memory pressure in tuxnet). */
function tcpShouldExpandSndbuf(sk: TcpSock): boolean {
  if (sk.userlocks & SOCK_SNDBUF_LOCK) return false;
  if (tcpPacketsInFlight(sk) >= sk.sndCwnd) return false;
  return true;
}

/**
 * Linux: sk_stream_write_space(): wake writers once at least a third of sndbuf is free
 * (wspace >= wmem_queued/2) and unsent data is under TCP_NOTSENT_LOWAT.
 */
function skStreamWriteSpaceLocal(sk: TcpSock): void {
  const wspace = sk.sndbuf - sk.wmemQueued;
  if (wspace >= (sk.wmemQueued >> 1) && tcpStreamMemoryFree(sk, 1)) {
    sk.sockNospace = false;
    skWriteSpace(sk);
  }
}

/** Linux: tcp_new_space(). */
export function tcpNewSpace(sk: TcpSock): void {
  if (tcpShouldExpandSndbuf(sk)) {
    tcpSndbufExpand(sk);
    sk.sndCwndStamp = tcpJiffies32(sk.net.kernel);
  }
  skStreamWriteSpaceLocal(sk);
}

/**
 * Linux: tcp_check_space(): after acked data freed queue space or new data left the
 * write queue, wake a writer that found no space (SOCK_NOSPACE).
 */
export function tcpCheckSpace(sk: TcpSock): void {
  if (sk.sockNospace) {
    tcpNewSpace(sk);
    if (!sk.sockNospace) tcpChronoStop(sk, TCP_CHRONO_SNDBUF_LIMITED);
  }
}
