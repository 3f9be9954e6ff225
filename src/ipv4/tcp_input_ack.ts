/**
 * The ACK side of TCP input (Linux: net/ipv4/tcp_input.c tcp_ack(), tcp_clean_rtx_queue(),
 * tcp_tso_acked(), tcp_ack_update_window(), tcp_may_update_window() (in tcp_input_opts.ts),
 * tcp_snd_una_update(), tcp_ack_probe(), tcp_ack_is_dubious(), tcp_in_ack_event(),
 * tcp_set_xmit_timer(), __tcp_oow_rate_limited()/tcp_oow_rate_limited(),
 * tcp_send_challenge_ack(); tcp_output.c tcp_cwnd_restart() for
 * tcp_slow_start_after_idle_check()).
 *
 * tcp_ack() calls RECOVERY's loss-recovery, SACK-tagging, rate and congestion-control
 * functions (tcp_sacktag.ts, tcp_fastretrans.ts, tcp_recovery.ts, tcp_rate.ts, tcp_ecn.ts)
 * at the places Linux calls them. Its on-stack state (struct tcp_sacktag_state, struct
 * rate_sample, struct ack_sample, flag/rexmit) lives in a per-socket scratch object, so an
 * ACK allocates nothing.
 */
import type { SkBuff } from '../core/skbuff.js';
import { SKB_DROP_REASON_TCP_TOO_OLD_ACK, SKB_DROP_REASON_TCP_ACK_UNSENT_DATA } from '../core/drop_reason.js';
import {
  LINUX_MIB_TCPHPACKS, LINUX_MIB_TCPPUREACKS, LINUX_MIB_TCPACKSKIPPEDCHALLENGE, LINUX_MIB_TCPCHALLENGEACK,
} from '../core/snmp.js';
import { TcpHdr, TCPHDR_SYN } from '../wire/tcphdr.js';
import type { Net } from '../core/net_namespace.js';
import { ipv4Net } from './netns_ipv4.js';
import { tcpNet } from './inet_hashtables.js';
import {
  AckSample, RateSample, TCP_SKB_CB, tcpIsSack, tcpIsReno, tcpPacketsInFlight, tcpJiffies32, tcpSndCwndSet,
} from './tcp_sock.js';
import type { TcpSock } from './tcp_sock.js';
import {
  after, before, between, FLAG_DATA, FLAG_WIN_UPDATE, FLAG_DATA_ACKED, FLAG_RETRANS_DATA_ACKED, FLAG_SYN_ACKED,
  FLAG_ECE, FLAG_SLOWPATH, FLAG_ORIG_SACK_ACKED, FLAG_SND_UNA_ADVANCED, FLAG_DSACKING_ACK, FLAG_SET_XMIT_TIMER,
  FLAG_SACK_RENEGING, FLAG_UPDATE_TS_RECENT, FLAG_NO_CHALLENGE_ACK, FLAG_ACK_MAYBE_DELAYED, FLAG_ACKED,
  FLAG_NOT_DUP, FLAG_CA_ALERT, CA_ACK_SLOWPATH, CA_ACK_WIN_UPDATE, CA_ACK_ECE, CA_EVENT_CWND_RESTART,
  TCPCB_RETRANS, TCPCB_SACKED_RETRANS, TCPCB_SACKED_ACKED, TCPCB_LOST, TCP_CA_Open, TCP_RTO_MAX, TCP_RTO_MIN,
  ICSK_TIME_PROBE0, TCP_CHRONO_BUSY,
} from './tcp_defs.js';
import { tcpReplaceTsRecent, tcpMayUpdateWindow } from './tcp_input_opts.js';
import { tcpAckUpdateRtt, tcpInitCwnd } from './tcp_input_rtt.js';
import { tcpFastPathCheck } from './tcp_input_data.js';
import { inetCskClearXmitTimer, inetCskResetXmitTimer, tcpRearmRto, tcpClampProbe0ToUserTimeout } from './tcp_timer.js';
import { tcpSendAck, tcpSyncMss, tcpScheduleLossProbe, tcpChronoStop } from './tcp_output.js';
import {
  TcpSacktagState, tcpSacktagWriteQueue, tcpHighestSackSeq, tcpHighestSackReplace, tcpCheckSackReordering,
} from './tcp_sacktag.js';
import {
  TcpAckRef, REXMIT_NONE, tcpFastretransAlert, tcpCongControl, tcpProcessTlpAck, tcpXmitRecovery,
  tcpCountDelivered, tcpNewlyDelivered, tcpRemoveRenoSacks, tcpSkbSpuriousRetrans, tcpCurrentSsthresh,
} from './tcp_fastretrans.js';
import { tcpRackAdvance, tcpRackUpdateReoWnd } from './tcp_recovery.js';
import { tcpRateSkbDelivered, tcpRateGen } from './tcp_rate.js';
import { tcpEcnAcceptCwr, tcpEcnRcvEcnEcho } from './tcp_ecn.js';
import { tcpWmemFreeSkb } from './tcp.js';

function mib(sk: TcpSock): Float64Array {
  return ipv4Net(sk.net).mib.net;
}
/** Per-socket scratch of tcp_ack (Linux: its on-stack sack_state, rate_sample, ack_sample, flag/rexmit). */
export class TcpAckScratch {
  readonly state = new TcpSacktagState();
  readonly ref = new TcpAckRef();
  readonly sample = new AckSample();
  /** tcp_rcv_established's header view (re-pointed per segment: no allocation on the slow path). */
  readonly th = new TcpHdr(EMPTY, 0);
}

const EMPTY = new Uint8Array(0);

export function ackScratch(sk: TcpSock): TcpAckScratch {
  let s = sk.ackScratch as TcpAckScratch | null;
  if (s === null) {
    s = new TcpAckScratch();
    sk.ackScratch = s;
  }
  return s;
}

/** Linux: `struct rate_sample rs = { .prior_delivered = 0 }`. */
function rateSampleZero(rs: RateSample): void {
  rs.priorMstamp = 0;
  rs.priorDelivered = 0;
  rs.priorDeliveredCe = 0;
  rs.delivered = 0;
  rs.deliveredCe = 0;
  rs.intervalUs = 0;
  rs.sndIntervalUs = 0;
  rs.rcvIntervalUs = 0;
  rs.rttUs = 0;
  rs.losses = 0;
  rs.ackedSacked = 0;
  rs.priorInFlight = 0;
  rs.lastEndSeq = 0;
  rs.isAppLimited = false;
  rs.isRetrans = false;
  rs.isAckDelayed = false;
}

/* ---- window ---- */

/** Linux: tcp_init_wl(). */
export function tcpInitWl(tp: TcpSock, seq: number): void {
  tp.sndWl1 = seq >>> 0;
}

/** Linux: tcp_update_wl(). */
export function tcpUpdateWl(tp: TcpSock, seq: number): void {
  tp.sndWl1 = seq >>> 0;
}

/** Linux: tcp_snd_una_update(): also counts bytes_acked. */
export function tcpSndUnaUpdate(tp: TcpSock, ack: number): void {
  tp.bytesAcked += (ack - tp.sndUna) >>> 0;
  tp.sndUna = ack >>> 0;
}

/** Linux: tcp_cwnd_restart() (tcp_output.c): cwnd decays once per RTO of idleness. */
function tcpCwndRestart(sk: TcpSock, delta: number): void {
  let restartCwnd = tcpInitCwnd(sk);
  let cwnd = sk.sndCwnd;
  sk.icskCaOps?.cwndEvent?.(sk, CA_EVENT_CWND_RESTART);
  sk.sndSsthresh = tcpCurrentSsthresh(sk);
  restartCwnd = Math.min(restartCwnd, cwnd);
  while ((delta -= sk.icskRto) > 0 && cwnd > restartCwnd) cwnd >>>= 1;
  tcpSndCwndSet(sk, Math.max(cwnd, restartCwnd));
  sk.sndCwndStamp = tcpJiffies32(sk.net.kernel);
  sk.sndCwndUsed = 0;
}

/** Linux: tcp_slow_start_after_idle_check() (include/net/tcp.h). */
function tcpSlowStartAfterIdleCheck(sk: TcpSock): void {
  if (!ipv4Net(sk.net).sysctl.tcpSlowStartAfterIdle || sk.packetsOut || sk.icskCaOps?.congControl) return;
  const delta = (tcpJiffies32(sk.net.kernel) - sk.lsndtime) | 0;
  if (delta > sk.icskRto) tcpCwndRestart(sk, delta);
}

/**
 * Linux: tcp_ack_update_window(): RFC 793 window update with the SND.WL1 rule; a new
 * window re-arms header prediction and may grow max_window (and so the MSS).
 */
export function tcpAckUpdateWindow(sk: TcpSock, skb: SkBuff, ack: number, ackSeq: number): number {
  const b = skb.buf;
  const th = skb.transportHeader;
  let flag = 0;
  let nwin = (b[th + 14]! << 8) | b[th + 15]!;
  if (!(b[th + 13]! & TCPHDR_SYN)) nwin = nwin * (1 << sk.rxOpt.sndWscale);
  if (tcpMayUpdateWindow(sk, ack, ackSeq, nwin)) {
    flag |= FLAG_WIN_UPDATE;
    tcpUpdateWl(sk, ackSeq);
    if (sk.sndWnd !== nwin) {
      sk.sndWnd = nwin;
      // The only place where the fast path is recovered for sending TCP.
      sk.predFlags = 0;
      tcpFastPathCheck(sk);
      if (sk.writeQueue.peek() !== null) tcpSlowStartAfterIdleCheck(sk);
      if (nwin > sk.maxWindow) {
        sk.maxWindow = nwin;
        tcpSyncMss(sk, sk.icskPmtuCookie);
      }
    }
  }
  tcpSndUnaUpdate(sk, ack);
  return flag;
}

/* ---- out-of-window ACK rate limiting and RFC 5961 challenge ACKs ---- */

/** Linux: __tcp_oow_rate_limited(): one dupack per tcp_invalid_ratelimit ms per socket. */
function __tcpOowRateLimited(net: Net, mibIdx: number, tp: TcpSock): boolean {
  const now = tcpJiffies32(net.kernel);
  const val = tp.lastOowAckTime;
  if (val) {
    const elapsed = (now - val) | 0;
    if (elapsed >= 0 && elapsed < ipv4Net(net).sysctl.tcpInvalidRatelimit) {
      ipv4Net(net).mib.net[mibIdx]++;
      return true; /* rate-limited: don't send yet! */
    }
  }
  tp.lastOowAckTime = now;
  return false;
}

/**
 * Linux: tcp_oow_rate_limited(): rate-limit dupacks answering out-of-window SYNs or pure
 * ACKs (ACK loops, DoS); data segments without SYN are not part of a loop.
 */
export function tcpOowRateLimited(net: Net, skb: SkBuff, mibIdx: number, tp: TcpSock): boolean {
  const cb = TCP_SKB_CB(skb);
  if (cb.seq !== cb.endSeq && !(cb.tcpFlags & TCPHDR_SYN)) return false;
  return __tcpOowRateLimited(net, mibIdx, tp);
}

/**
 * Linux: tcp_send_challenge_ack(): RFC 5961 §7 ACK throttling: the per-socket
 * tcp_invalid_ratelimit first, then the per-netns tcp_challenge_ack_limit per second
 * (randomized around the limit; INT_MAX, the 6.x default, means no global limit).
 */
export function tcpSendChallengeAck(sk: TcpSock): void {
  const net = sk.net;
  if (__tcpOowRateLimited(net, LINUX_MIB_TCPACKSKIPPEDCHALLENGE, sk)) return;
  const ackLimit = ipv4Net(net).sysctl.tcpChallengeAckLimit;
  if (ackLimit !== 0x7fffffff) {
    const tn = tcpNet(net);
    const now = Math.floor(net.kernel.clock.now() / 1e9);
    if (now !== tn.challengeTimestamp) {
      const half = (ackLimit + 1) >>> 1;
      tn.challengeTimestamp = now;
      tn.challengeCount = half + net.kernel.rng.below(ackLimit); /* get_random_u32_inclusive(half, limit + half - 1) */
    }
    if (tn.challengeCount <= 0) return;
    tn.challengeCount--;
  }
  mib(sk)[LINUX_MIB_TCPCHALLENGEACK]++;
  tcpSendAck(sk);
}

/* ---- the ACK ---- */

/** Linux: tcp_tso_acked() + tcp_trim_head(): a multi-segment skb partly acked. */
function tcpTsoAcked(sk: TcpSock, skb: SkBuff): number {
  const cb = TCP_SKB_CB(skb);
  const packetsAcked = cb.pcount;
  const trim = (sk.sndUna - cb.seq) >>> 0;
  if (trim >= skb.len) return 0;
  skb.data += trim;
  cb.seq = sk.sndUna;
  const mss = skb.gsoSize || sk.mssCache;
  cb.pcount = Math.max(1, Math.ceil(skb.len / mss));
  // tcp_trim_head(): the trimmed bytes leave sk_wmem_queued and the skb's truesize.
  skb.truesize -= trim;
  sk.wmemQueued -= trim;
  return packetsAcked - cb.pcount;
}

/** Linux: tcp_rtx_queue_unlink_and_free(): the head of the retransmit queue leaves. */
function tcpRtxQueueUnlinkAndFree(sk: TcpSock, skb: SkBuff): void {
  sk.rtxQueue.dequeue();
  tcpWmemFreeSkb(sk, skb);
}

/**
 * Linux: tcp_clean_rtx_queue(): free what `snd_una` now covers, counting delivered,
 * retransmitted, SACKed and lost segments off; take the RTT sample (Karn: only from
 * never-retransmitted data), feed the rate sampler and RACK, detect reordering.
 */
export function tcpCleanRtxQueue(sk: TcpSock, ackSkb: SkBuff, priorFack: number, priorSndUna: number,
  sack: TcpSacktagState, eceAck: boolean): number {
  const tp = sk;
  let firstAckt = 0;
  let lastAckt = 0;
  const priorSacked = tp.sackedOut;
  let reord = tp.sndNxt; /* lowest acked un-retx un-sacked seq */
  let fullyAcked = true;
  let sackRttUs = -1;
  let seqRttUs = -1;
  let caRttUs = -1;
  let pktsAcked = 0;
  let flag = 0;
  let skb: SkBuff | null;
  void ackSkb;

  for (skb = tp.rtxQueue.head; skb !== null; skb = tp.rtxQueue.head) {
    const scb = TCP_SKB_CB(skb);
    const startSeq = scb.seq;
    const sacked = scb.sacked;
    let ackedPcount: number;

    // Determine how many packets and what bytes were acked, TSO and else.
    if (after(scb.endSeq, tp.sndUna)) {
      if (scb.pcount === 1 || !after(tp.sndUna, scb.seq)) break;
      ackedPcount = tcpTsoAcked(sk, skb);
      if (!ackedPcount) break;
      fullyAcked = false;
    } else {
      ackedPcount = scb.pcount;
    }

    if (sacked & TCPCB_RETRANS) {
      if (sacked & TCPCB_SACKED_RETRANS) tp.retransOut -= ackedPcount;
      flag |= FLAG_RETRANS_DATA_ACKED;
    } else if (!(sacked & TCPCB_SACKED_ACKED)) {
      lastAckt = scb.txMstamp;
      if (!firstAckt) firstAckt = lastAckt;
      if (before(startSeq, reord)) reord = startSeq;
      if (!after(scb.endSeq, tp.highSeq)) flag |= FLAG_ORIG_SACK_ACKED;
    }

    if (sacked & TCPCB_SACKED_ACKED) {
      tp.sackedOut -= ackedPcount;
    } else if (tcpIsSack(tp)) {
      tcpCountDelivered(tp, ackedPcount, eceAck);
      if (!tcpSkbSpuriousRetrans(tp, skb)) tcpRackAdvance(tp, sacked, scb.endSeq, scb.txMstamp);
    }
    if (sacked & TCPCB_LOST) tp.lostOut -= ackedPcount;

    tp.packetsOut -= ackedPcount;
    pktsAcked += ackedPcount;
    tcpRateSkbDelivered(sk, skb, sack.rate);

    // The SYN is not data: acking it must not end slow start one packet early.
    if (!(scb.tcpFlags & TCPHDR_SYN)) {
      flag |= FLAG_DATA_ACKED;
    } else {
      flag |= FLAG_SYN_ACKED;
      tp.retransStamp = 0;
    }

    if (!fullyAcked) break;

    const next = skb.next;
    if (skb === tp.retransmitSkbHint) tp.retransmitSkbHint = null;
    if (skb === tp.lostSkbHint) tp.lostSkbHint = null;
    tcpHighestSackReplace(tp, skb, next);
    tcpRtxQueueUnlinkAndFree(sk, skb);
  }

  if (skb === null) tcpChronoStop(sk, TCP_CHRONO_BUSY);

  if (between(tp.sndUp, priorSndUna, tp.sndUna)) tp.sndUp = tp.sndUna;

  if (skb !== null && (TCP_SKB_CB(skb).sacked & TCPCB_SACKED_ACKED)) flag |= FLAG_SACK_RENEGING;

  if (firstAckt && !(flag & FLAG_RETRANS_DATA_ACKED)) {
    seqRttUs = Math.max(tp.tcpMstamp - firstAckt, 0);
    caRttUs = Math.max(tp.tcpMstamp - lastAckt, 0);
    if (pktsAcked === 1 && fullyAcked && !priorSacked &&
        ((tp.sndUna - priorSndUna) >>> 0) < tp.mssCache &&
        sack.rate.priorDelivered + 1 === tp.delivered &&
        !(flag & (FLAG_CA_ALERT | FLAG_SYN_ACKED))) {
      // Conservatively mark a delayed ACK: typically from a lone runt packet.
      flag |= FLAG_ACK_MAYBE_DELAYED;
    }
  }
  if (sack.firstSackt) {
    sackRttUs = Math.max(tp.tcpMstamp - sack.firstSackt, 0);
    caRttUs = Math.max(tp.tcpMstamp - sack.lastSackt, 0);
  }
  const rttUpdate = tcpAckUpdateRtt(sk, flag, seqRttUs, sackRttUs, caRttUs, sack.rate);

  if (flag & FLAG_ACKED) {
    flag |= FLAG_SET_XMIT_TIMER; /* set TLP or RTO timer */
    if (tcpIsReno(tp)) {
      tcpRemoveRenoSacks(sk, pktsAcked, eceAck);
      // Without SACK, progress cannot be credited to the original transmission when any
      // acked segment was retransmitted.
      if (flag & FLAG_RETRANS_DATA_ACKED) flag &= ~FLAG_ORIG_SACK_ACKED;
    } else {
      // Non-retransmitted hole got filled? That's reordering.
      if (before(reord, priorFack)) tcpCheckSackReordering(sk, reord, false);
    }
  } else if (skb !== null && rttUpdate && sackRttUs >= 0 &&
             sackRttUs > Math.max(tp.tcpMstamp - TCP_SKB_CB(skb).txMstamp, 0)) {
    // Do not re-arm the RTO if the SACK RTT is measured from data sent after the head was
    // last (re)transmitted: the timeout could keep extending in loss recovery.
    flag |= FLAG_SET_XMIT_TIMER;
  }

  const ca = sk.icskCaOps;
  if (ca && ca.pktsAcked) {
    const sample = ackScratch(sk).sample;
    sample.pktsAcked = pktsAcked;
    sample.rttUs = sack.rate.rttUs;
    sample.inFlight = tp.mssCache * (tp.delivered - sack.rate.priorDelivered);
    ca.pktsAcked(sk, sample);
  }
  return flag;
}

/** Linux: tcp_probe0_base() / tcp_probe0_when(). */
function tcpProbe0When(sk: TcpSock, maxWhen: number): number {
  const base = Math.max(sk.icskRto, TCP_RTO_MIN);
  const when = base * 2 ** Math.min(sk.icskBackoff, 31);
  return Math.min(when, maxWhen);
}

/**
 * Linux: tcp_ack_probe(): an ACK while nothing is in flight: if the window now fits the
 * next segment, stop zero-window probing; else re-arm the probe timer.
 */
function tcpAckProbe(sk: TcpSock): void {
  const head = sk.writeQueue.peek();
  if (head === null) return;
  if (!after(TCP_SKB_CB(head).endSeq, (sk.sndUna + sk.sndWnd) >>> 0)) {
    sk.icskBackoff = 0;
    sk.icskProbesTstamp = 0;
    inetCskClearXmitTimer(sk, ICSK_TIME_PROBE0);
    // The socket is woken by the following tcp_data_snd_check().
  } else {
    let when = tcpProbe0When(sk, TCP_RTO_MAX);
    when = tcpClampProbe0ToUserTimeout(sk, when);
    inetCskResetXmitTimer(sk, ICSK_TIME_PROBE0, when, TCP_RTO_MAX);
  }
}

/** Linux: tcp_ack_is_dubious(). */
function tcpAckIsDubious(sk: TcpSock, flag: number): boolean {
  return !(flag & FLAG_NOT_DUP) || (flag & FLAG_CA_ALERT) !== 0 || sk.icskCaState !== TCP_CA_Open;
}

/** Linux: tcp_in_ack_event(). */
function tcpInAckEvent(sk: TcpSock, flags: number): void {
  sk.icskCaOps?.inAckEvent?.(sk, flags);
}

/** Linux: tcp_set_xmit_timer(): a loss probe if possible, else the RTO. */
function tcpSetXmitTimer(sk: TcpSock): void {
  if (!tcpScheduleLossProbe(sk, true)) tcpRearmRto(sk);
}

/**
 * Linux: tcp_ack(): process the ACK field of a segment. Returns 1 when the ACK was
 * processed, 0 for an old ACK (below snd_una, not too old), and a negative
 * SKB_DROP_REASON when the segment must be dropped (ACK of unsent data; far too old
 * ACK, answered with a challenge ACK unless FLAG_NO_CHALLENGE_ACK).
 */
export function tcpAck(sk: TcpSock, skb: SkBuff, flag: number): number {
  const tp = sk;
  const scratch = ackScratch(sk);
  const sackState = scratch.state;
  const rs = sackState.rate;
  const ref = scratch.ref;
  const cb = TCP_SKB_CB(skb);
  const priorSndUna = tp.sndUna;
  const isSackReneg = tp.isSackReneg;
  const ackSeq = cb.seq;
  const ack = cb.ackSeq;
  let numDupack = 0;
  const priorPackets = tp.packetsOut;
  let delivered = tp.delivered;
  let lost = tp.lost;
  ref.rexmit = REXMIT_NONE;

  rateSampleZero(rs);
  sackState.firstSackt = 0;
  sackState.sackDelivered = 0;

  // If the ACK is older than previous ACKs, we can probably ignore it.
  if (before(ack, priorSndUna)) {
    // Do not accept an ACK for bytes we never sent.
    const maxWindow = Math.min(tp.maxWindow, tp.bytesAcked);
    // RFC 5961 5.2 [Blind Data Injection Attack].[Mitigation]
    if (before(ack, (priorSndUna - maxWindow) >>> 0)) {
      if (!(flag & FLAG_NO_CHALLENGE_ACK)) tcpSendChallengeAck(sk);
      return -SKB_DROP_REASON_TCP_TOO_OLD_ACK;
    }
    // old_ack: if data was SACKed, tag it and see whether to send more; D-SACK may undo.
    if (cb.sacked) {
      flag |= tcpSacktagWriteQueue(sk, skb, priorSndUna, sackState);
      ref.flag = flag;
      tcpFastretransAlert(sk, priorSndUna, numDupack, ref);
      flag = ref.flag;
      tcpNewlyDelivered(sk, delivered, flag);
      tcpXmitRecovery(sk, ref.rexmit);
    }
    return 0;
  }

  // If the ACK includes data we haven't sent yet, drop the segment. RFC 793 3.9 and RFC 5961
  // 5.2 require an ACK back (Linux 6.18 stable: a rate-limited challenge ACK).
  if (after(ack, tp.sndNxt)) {
    if (!(flag & FLAG_NO_CHALLENGE_ACK)) tcpSendChallengeAck(sk);
    return -SKB_DROP_REASON_TCP_ACK_UNSENT_DATA;
  }

  if (after(ack, priorSndUna)) {
    flag |= FLAG_SND_UNA_ADVANCED;
    sk.icskRetransmits = 0;
  }

  const priorFack = tcpIsSack(tp) ? tcpHighestSackSeq(tp) : tp.sndUna;
  rs.priorInFlight = tcpPacketsInFlight(tp);

  // ts_recent update must be made after we are sure that the packet is in window.
  if (flag & FLAG_UPDATE_TS_RECENT) tcpReplaceTsRecent(tp, cb.seq);

  if ((flag & (FLAG_SLOWPATH | FLAG_SND_UNA_ADVANCED)) === FLAG_SND_UNA_ADVANCED) {
    // Window is constant, pure forward advance: no more checks (SND.UNA >= SND.WL2).
    tcpUpdateWl(tp, ackSeq);
    tcpSndUnaUpdate(tp, ack);
    flag |= FLAG_WIN_UPDATE;
    tcpInAckEvent(sk, CA_ACK_WIN_UPDATE);
    mib(sk)[LINUX_MIB_TCPHPACKS]++;
  } else {
    let ackEvFlags = CA_ACK_SLOWPATH;
    if (ackSeq !== cb.endSeq) flag |= FLAG_DATA;
    else mib(sk)[LINUX_MIB_TCPPUREACKS]++;
    flag |= tcpAckUpdateWindow(sk, skb, ack, ackSeq);
    if (cb.sacked) flag |= tcpSacktagWriteQueue(sk, skb, priorSndUna, sackState);
    if (tcpEcnRcvEcnEcho(tp, skb.buf[skb.transportHeader + 13]!)) {
      flag |= FLAG_ECE;
      ackEvFlags |= CA_ACK_ECE;
    }
    if (sackState.sackDelivered) tcpCountDelivered(tp, sackState.sackDelivered, (flag & FLAG_ECE) !== 0);
    if (flag & FLAG_WIN_UPDATE) ackEvFlags |= CA_ACK_WIN_UPDATE;
    tcpInAckEvent(sk, ackEvFlags);
  }

  // RFC 3168 deviation: CWR is accepted on pure ACKs too.
  tcpEcnAcceptCwr(sk, skb);

  // We passed data and got it acked: remove any soft error log. Something worked...
  sk.errSoft = 0;
  sk.icskProbesOut = 0;
  tp.rcvTstamp = tcpJiffies32(sk.net.kernel);
  if (!priorPackets) {
    // no_queue: if data was D-SACKed, see if we can undo a cwnd reduction.
    if (flag & FLAG_DSACKING_ACK) {
      ref.flag = flag;
      tcpFastretransAlert(sk, priorSndUna, numDupack, ref);
      flag = ref.flag;
      tcpNewlyDelivered(sk, delivered, flag);
    }
    // An ACK opening a zero window clears the backoff used to time the probes.
    tcpAckProbe(sk);
    if (tp.tlpHighSeq) tcpProcessTlpAck(sk, ack, flag);
    return 1;
  }

  // See if we can take anything off of the retransmit queue.
  flag |= tcpCleanRtxQueue(sk, skb, priorFack, priorSndUna, sackState, (flag & FLAG_ECE) !== 0);

  tcpRackUpdateReoWnd(sk, rs);

  if (tp.tlpHighSeq) tcpProcessTlpAck(sk, ack, flag);

  if (tcpAckIsDubious(sk, flag)) {
    if (!(flag & (FLAG_SND_UNA_ADVANCED | FLAG_NOT_DUP | FLAG_DSACKING_ACK))) numDupack = 1;
    ref.flag = flag;
    tcpFastretransAlert(sk, priorSndUna, numDupack, ref);
    flag = ref.flag;
  }

  // If needed, reset the TLP/RTO timer when RACK did not set it.
  if (flag & FLAG_SET_XMIT_TIMER) tcpSetXmitTimer(sk);

  delivered = tcpNewlyDelivered(sk, delivered, flag);
  lost = tp.lost - lost; /* freshly marked lost */
  rs.isAckDelayed = (flag & FLAG_ACK_MAYBE_DELAYED) !== 0;
  tcpRateGen(sk, delivered, lost, isSackReneg, rs);
  tcpCongControl(sk, ack, delivered, flag, rs);
  tcpXmitRecovery(sk, ref.rexmit);
  return 1;
}

