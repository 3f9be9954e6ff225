/**
 * TCP receive processing for synchronized states (Linux: net/ipv4/tcp_input.c
 * tcp_rcv_established() with header prediction, tcp_validate_incoming() (PAWS, sequence
 * check, RFC 5961 RST/SYN handling), tcp_ack(), tcp_clean_rtx_queue(), tcp_ack_update_window(),
 * tcp_ack_probe(), tcp_send_challenge_ack(), tcp_oow_rate_limited(), tcp_urg()/tcp_check_urg(),
 * tcp_init_transfer(), tcp_data_snd_check()).
 *
 * The non-established state machine is CONN's tcp_input_state.ts; the data queue, SACK
 * generation and delayed ACKs are tcp_input_data.ts; options and PAWS tcp_input_opts.ts;
 * RTT/RTO/autotuning tcp_input_rtt.ts. Loss recovery, SACK tagging, congestion control,
 * rate sampling and ECN are RECOVERY's (tcp_sacktag, tcp_fastretrans, tcp_recovery,
 * tcp_rate, tcp_ecn): tcp_ack() calls them exactly where Linux does.
 *
 * Differences from Linux: the fast path does not re-verify the checksum (tcp_v4_rcv did);
 * there is no socket backlog (segments never wait for the socket owner), so
 * FLAG_ACK_MAYBE_DELAYED aggregation of GRO'd pure ACKs (gso_segs) does not happen.
 */
import type { SkBuff } from '../core/skbuff.js';
import { consumeSkb } from '../core/skbuff.js';
import { sockFlag, skDataReady, SOCK_DEAD } from '../core/sock.js';
import {
  SKB_DROP_REASON_NOT_SPECIFIED, SKB_DROP_REASON_PKT_TOO_SMALL, SKB_DROP_REASON_TCP_CSUM,
  SKB_DROP_REASON_TCP_FLAGS, SKB_DROP_REASON_TCP_RESET, SKB_DROP_REASON_TCP_INVALID_SEQUENCE,
  SKB_DROP_REASON_TCP_OLD_SEQUENCE, SKB_DROP_REASON_TCP_INVALID_END_SEQUENCE, SKB_DROP_REASON_TCP_RFC7323_PAWS,
  SKB_DROP_REASON_TCP_INVALID_SYN,
} from '../core/drop_reason.js';
import {
  LINUX_MIB_TCPHPHITS, LINUX_MIB_PAWSESTABREJECTED, LINUX_MIB_TCPACKSKIPPEDPAWS, LINUX_MIB_TCPACKSKIPPEDSEQ,
  LINUX_MIB_TCPSYNCHALLENGE, LINUX_MIB_BEYONDWINDOW, TCP_MIB_INERRS, TCP_MIB_CSUMERRORS,
} from '../core/snmp.js';
import { TcpHdr, TCPHDR_ACK, TCPHDR_RST, TCPHDR_SYN, TCPHDR_URG } from '../wire/tcphdr.js';
import { ipv4Net } from './netns_ipv4.js';
import { TCP_SKB_CB, tcpIsSack, tcpJiffies32, tcpMstampRefresh, tcpReceiveWindow, tcpSndCwndSet } from './tcp_sock.js';
import type { TcpSock } from './tcp_sock.js';
import {
  after, before, FLAG_DATA, FLAG_SLOWPATH, FLAG_UPDATE_TS_RECENT, TCPF_CLOSE_WAIT, TCPF_LAST_ACK, TCPF_CLOSING,
  TCP_URG_NOTYET, TCP_URG_VALID, TCP_INFINITE_SSTHRESH, TCP_TIMEOUT_FALLBACK, USEC_PER_SEC, HZ,
} from './tcp_defs.js';
import { tcpFastParseOptions, tcpPawsDiscard, tcpStoreTsRecent, TCPOLEN_TSTAMP_ALIGNED } from './tcp_input_opts.js';
import { tcpRcvRttMeasureTs, tcpCheckSpace, tcpInitBufferSpace, tcpInitCwnd } from './tcp_input_rtt.js';
import {
  tcpDataQueue, tcpSendDupack, tcpQueueRcv, tcpDataReady, tcpDropReason, tcpRxSetTruesize,
} from './tcp_input_data.js';
import { inetCskAckScheduled } from './tcp_timer.js';
import { __tcpPushPendingFrames, tcpCurrentMss, tcpMtupInit } from './tcp_output.js';
import { tcpReset } from './tcp_input_state.js';
import { tcpInitCongestionControl } from './tcp_cong.js';
import { tcpAck, tcpOowRateLimited, tcpSendChallengeAck, tcpUpdateWl, ackScratch } from './tcp_input_ack.js';
import { tcpEventDataRecv, __tcpAckSndCheck, tcpAckSndCheck } from './tcp_input_delack.js';

export {
  tcpParseOptions, tcpFastParseOptions, tcpStoreTsRecent, tcpReplaceTsRecent, tcpParseMssOption, tcpPawsCheck,
  tcpPawsReject, tcpPawsDiscard, tcpClearOptions, tcpSackReset, tcpGetSeconds, tcpMayUpdateWindow,
} from './tcp_input_opts.js';
export {
  tcpRttEstimator, tcpSetRto, tcpAckUpdateRtt, tcpInitBufferSpace, tcpRcvSpaceAdjust, tcpCheckSpace,
  tcpInitializeRcvMss, tcpSynackRttMeas, tcpUpdatePacingRate, tcpInitCwnd, tcpRcvbufGrow, tcpSpace, tcpFullSpace,
} from './tcp_input_rtt.js';
export {
  tcpDataQueue, tcpOfoQueue, tcpDsackSet, tcpDsackExtend, tcpSackNewOfoSkb, tcpSackRemove, tcpSendDupack,
  tcpFastPathCheck, tcpFastPathOn, __tcpFastPathOn, tcpOfoPurge, tcpDataReady, tcpRcvNxtUpdate,
} from './tcp_input_data.js';
export {
  tcpEventDataRecv, __tcpAckSndCheck, tcpAckSndCheck, tcpEnterQuickackMode, tcpInQuickackMode, inetCskInPingpongMode,
  tcpMeasureRcvMss, tcpGrowWindow,
} from './tcp_input_delack.js';
export {
  tcpAck, tcpCleanRtxQueue, tcpAckUpdateWindow, tcpInitWl, tcpUpdateWl, tcpSndUnaUpdate, tcpSendChallengeAck,
  tcpOowRateLimited,
} from './tcp_input_ack.js';

/** Linux: TCP_HP_BITS = ~(TCP_RESERVED_BITS | TCP_FLAG_PSH) over the doff/flags/window word. */
const TCP_HP_BITS = ~(0x0f000000 | 0x00080000) >>> 0;

function mib(sk: TcpSock): Float64Array {
  return ipv4Net(sk.net).mib.net;
}

function rd32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/* ---- segment validation (RFC 793 steps 1-4, RFC 7323 PAWS, RFC 5961) ---- */

/** Linux: tcp_sequence() (6.17+): is the segment in the window? */
function tcpSequence(sk: TcpSock, seq: number, endSeq: number): number {
  const tp = sk;
  if (before(endSeq, tp.rcvWup)) return SKB_DROP_REASON_TCP_OLD_SEQUENCE;
  const right = (tp.rcvNxt + tcpReceiveWindow(tp)) >>> 0;
  if (after(endSeq, right)) {
    if (after(seq, right)) return SKB_DROP_REASON_TCP_INVALID_SEQUENCE;
    // Only accept this packet if the receive queue is empty.
    if (sk.receiveQueue.qlen) return SKB_DROP_REASON_TCP_INVALID_END_SEQUENCE;
  }
  return 0;
}

/**
 * Linux: tcp_reset_check(): accept a RST at rcv_nxt - 1 after a FIN (Mac OS X sends FIN
 * then RST with the FIN's sequence number).
 */
function tcpResetCheck(sk: TcpSock, skb: SkBuff): boolean {
  return TCP_SKB_CB(skb).seq === ((sk.rcvNxt - 1) >>> 0) &&
    ((1 << sk.state) & (TCPF_CLOSE_WAIT | TCPF_LAST_ACK | TCPF_CLOSING)) !== 0;
}

/**
 * Linux: tcp_validate_incoming(): PAWS first (RFC 7323), then the sequence check
 * (out-of-window: a rate-limited dupack), the RST rules of RFC 5961 §3 (exact rcv_nxt,
 * rcv_nxt-1 after FIN or the right edge of the highest SACK block resets; other
 * in-window RSTs get a challenge ACK) and SYN in synchronized states (§4: challenge
 * ACK). Returns false when the segment was consumed.
 */
export function tcpValidateIncoming(sk: TcpSock, skb: SkBuff, th: TcpHdr, synInerr: boolean): boolean {
  const tp = sk;
  const net = sk.net;
  const cb = TCP_SKB_CB(skb);
  const flags = th.flags;
  const rst = (flags & TCPHDR_RST) !== 0;
  const syn = (flags & TCPHDR_SYN) !== 0;
  let reason = SKB_DROP_REASON_NOT_SPECIFIED;

  // RFC 1323: H1. Apply the PAWS check first.
  if (tcpFastParseOptions(net, skb, th, tp) && tp.rxOpt.sawTstamp && tcpPawsDiscard(sk, skb, th)) {
    if (!rst) {
      if (syn) return synChallenge(sk, skb, synInerr);
      mib(sk)[LINUX_MIB_PAWSESTABREJECTED]++;
      if (!tcpOowRateLimited(net, skb, LINUX_MIB_TCPACKSKIPPEDPAWS, tp)) tcpSendDupack(sk, skb);
      tcpDropReason(sk, skb, SKB_DROP_REASON_TCP_RFC7323_PAWS);
      return false;
    }
    // A reset is accepted even if it did not pass PAWS.
  }

  // Step 1: check the sequence number.
  reason = tcpSequence(sk, cb.seq, cb.endSeq);
  if (reason) {
    // RFC 793 p. 37/69: out-of-window segments get an ACK unless they carry RST.
    if (!rst) {
      if (syn) return synChallenge(sk, skb, synInerr);
      if (reason === SKB_DROP_REASON_TCP_INVALID_SEQUENCE || reason === SKB_DROP_REASON_TCP_INVALID_END_SEQUENCE) {
        mib(sk)[LINUX_MIB_BEYONDWINDOW]++;
      }
      if (!tcpOowRateLimited(net, skb, LINUX_MIB_TCPACKSKIPPEDSEQ, tp)) tcpSendDupack(sk, skb);
    } else if (tcpResetCheck(sk, skb)) {
      return doReset(sk, skb);
    }
    tcpDropReason(sk, skb, reason);
    return false;
  }

  // Step 2: check the RST bit (RFC 5961 3.2, extended to rcv_nxt - 1 after a FIN and the SACK edge).
  if (rst) {
    if (cb.seq === tp.rcvNxt || tcpResetCheck(sk, skb)) return doReset(sk, skb);
    if (tcpIsSack(tp) && tp.rxOpt.numSacks > 0) {
      const sp = tp.selectiveAcks;
      let maxSack = sp[0]!.endSeq;
      for (let i = 1; i < tp.rxOpt.numSacks; i++) if (after(sp[i]!.endSeq, maxSack)) maxSack = sp[i]!.endSeq;
      if (cb.seq === maxSack) return doReset(sk, skb);
    }
    tcpSendChallengeAck(sk);
    tcpDropReason(sk, skb, SKB_DROP_REASON_TCP_RESET);
    return false;
  }

  // Step 3: check security and precedence [ignored].
  // Step 4: check for a SYN: RFC 5961 4.2, send a challenge ACK.
  if (syn) return synChallenge(sk, skb, synInerr);
  return true;
}

function synChallenge(sk: TcpSock, skb: SkBuff, synInerr: boolean): boolean {
  if (synInerr) ipv4Net(sk.net).mib.tcp[TCP_MIB_INERRS]++;
  mib(sk)[LINUX_MIB_TCPSYNCHALLENGE]++;
  tcpSendChallengeAck(sk);
  tcpDropReason(sk, skb, SKB_DROP_REASON_TCP_INVALID_SYN);
  return false;
}

function doReset(sk: TcpSock, skb: SkBuff): boolean {
  tcpReset(sk, skb);
  consumeSkb(skb);
  return false;
}

/* ---- urgent data (minimal, as Linux) ---- */

/**
 * Linux: tcp_check_urg(): a new urgent pointer (BSD semantics unless tcp_stdurg: it points
 * one past the urgent byte). Ignored when already read, behind rcv_nxt, or not newer.
 */
function tcpCheckUrg(sk: TcpSock, th: TcpHdr): void {
  const tp = sk;
  let ptr = th.urgPtr;
  if (ptr && !ipv4Net(sk.net).sysctl.tcpStdurg) ptr--;
  ptr = (ptr + th.seq) >>> 0;
  // Ignore urgent data that we've already seen and read.
  if (after(tp.copiedSeq, ptr)) return;
  // Do not replay the urgent pointer.
  if (before(ptr, tp.rcvNxt)) return;
  // Do we already have a newer (or duplicate) urgent pointer?
  if (tp.urgData && !after(ptr, tp.urgSeq)) return;
  // (Linux: sk_send_sigurg(): no signals in tuxnet.)
  // Adding urgent data when the last byte read was urgent: skip it (not SO_OOBINLINE).
  if (tp.urgSeq === tp.copiedSeq && tp.urgData && !sk.urgInline && tp.copiedSeq !== tp.rcvNxt) {
    const skb = sk.receiveQueue.peek();
    tp.copiedSeq = (tp.copiedSeq + 1) >>> 0;
    if (skb !== null && !before(tp.copiedSeq, TCP_SKB_CB(skb).endSeq)) {
      sk.receiveQueue.dequeue();
      consumeSkb(skb);
    }
  }
  tp.urgData = TCP_URG_NOTYET;
  tp.urgSeq = ptr;
  // Disable header prediction.
  tp.predFlags = 0;
}

/** Linux: tcp_urg(): note a new urgent pointer; fetch the urgent byte once it arrives. */
export function tcpUrg(sk: TcpSock, skb: SkBuff, th: TcpHdr): void {
  const tp = sk;
  if (th.flags & TCPHDR_URG) tcpCheckUrg(sk, th);
  if (tp.urgData === TCP_URG_NOTYET) {
    // Offset of the urgent byte from the TCP header (the skb still starts at the header here).
    const ptr = (tp.urgSeq - th.seq + th.doff * 4 - (th.flags & TCPHDR_SYN ? 1 : 0)) >>> 0;
    const hdr = skb.transportHeader;
    if (ptr < skb.tail - hdr) {
      tp.urgData = TCP_URG_VALID | skb.buf[hdr + ptr]!;
      if (!sockFlag(sk, SOCK_DEAD)) skDataReady(sk);
    }
  }
}

/* ---- established-state receive ---- */

/** Linux: tcp_push_pending_frames() + tcp_check_space() (tcp_data_snd_check). */
export function tcpDataSndCheck(sk: TcpSock): void {
  if (sk.writeQueue.peek() !== null) __tcpPushPendingFrames(sk, tcpCurrentMss(sk), sk.nonagle);
  tcpCheckSpace(sk);
}

/**
 * Linux: tcp_rcv_established(). Header prediction (Van Jacobson): when the flag/window word
 * matches pred_flags, the segment is in order and acks nothing unsent, a pure ACK
 * (TCPHPAcks via tcp_ack's fast branch) or in-order data (TCPHPHits) skips the RFC 793
 * checks. Everything else takes the slow path: validate, ACK, urgent, data, then decide
 * whether to send data and ACKs. `skb.data` is at the TCP header. Consumes the skb.
 */
export function tcpRcvEstablished(sk: TcpSock, skb: SkBuff): void {
  const tp = sk;
  const b = skb.buf;
  const hoff = skb.data;
  const cb = TCP_SKB_CB(skb);
  const len = skb.len;
  let reason = SKB_DROP_REASON_NOT_SPECIFIED;

  tcpMstampRefresh(tp);
  tp.rxOpt.sawTstamp = false;

  slow: {
    if (((rd32(b, hoff + 12) & TCP_HP_BITS) >>> 0) === tp.predFlags && cb.seq === tp.rcvNxt && !after(cb.ackSeq, tp.sndNxt)) {
      const hl = tp.tcpHeaderLen;
      // Timestamp header prediction: hl equals doff*4 since pred_flags matched.
      if (hl === 20 + TCPOLEN_TSTAMP_ALIGNED) {
        if (!tcpParseAlignedTimestampAt(tp, b, hoff)) break slow;
        // If PAWS failed, check it more carefully in the slow path.
        if (((tp.rxOpt.rcvTsval - tp.rxOpt.tsRecent) | 0) < 0) break slow;
        // Do not update ts_recent here: a corrupted timestamp would hang the connection.
      }
      if (len <= hl) {
        // Bulk data transfer: sender.
        if (len === hl) {
          // Predicted packet is in window by definition: seq == rcv_nxt, rcv_wup <= rcv_nxt.
          if (hl === 20 + TCPOLEN_TSTAMP_ALIGNED && tp.rcvNxt === tp.rcvWup) tcpStoreTsRecent(tp);
          tcpAck(sk, skb, 0);
          consumeSkb(skb);
          tcpDataSndCheck(sk);
          // Pure ACK in the fast path: note the echoed timestamp instead of measuring.
          tp.rcvRttLastTsecr = tp.rxOpt.rcvTsecr;
          return;
        }
        // Header too small.
        ipv4Net(sk.net).mib.tcp[TCP_MIB_INERRS]++;
        tcpDropReason(sk, skb, SKB_DROP_REASON_PKT_TOO_SMALL);
        return;
      }
      // Bulk data transfer: receiver. Linux takes the fast path only when the reserved
      // memory (sk_forward_alloc) already covers the segment.
      tcpRxSetTruesize(skb);
      if (cb.rxTruesize > tp.rcvFwdAlloc) {
        step5(sk, skb, ackScratch(sk).th.at(b, hoff));
        return;
      }
      if (hl === 20 + TCPOLEN_TSTAMP_ALIGNED && tp.rcvNxt === tp.rcvWup) tcpStoreTsRecent(tp);
      tcpRcvRttMeasureTs(sk, skb);
      mib(sk)[LINUX_MIB_TCPHPHITS]++;
      skb.dst = null;
      skb.data += hl;
      tcpQueueRcv(sk, skb);
      tcpEventDataRecv(sk, skb);
      if (cb.ackSeq !== tp.sndUna) {
        // Well, only one small jumplet in the fast path...
        tcpAck(sk, skb, FLAG_DATA);
        tcpDataSndCheck(sk);
        if (!inetCskAckScheduled(sk)) {
          tcpDataReady(sk);
          return;
        }
      } else {
        tcpUpdateWl(tp, cb.seq);
      }
      __tcpAckSndCheck(sk, false);
      tcpDataReady(sk);
      return;
    }
  }

  // slow_path:
  const th = ackScratch(sk).th.at(b, hoff);
  const doff = th.doff * 4;
  if (len < doff || doff < 20) {
    reason = SKB_DROP_REASON_TCP_CSUM;
    ipv4Net(sk.net).mib.tcp[TCP_MIB_CSUMERRORS]++;
    ipv4Net(sk.net).mib.tcp[TCP_MIB_INERRS]++;
    tcpDropReason(sk, skb, reason);
    return;
  }
  const fl = th.flags;
  if (!(fl & TCPHDR_ACK) && !(fl & TCPHDR_RST) && !(fl & TCPHDR_SYN)) {
    tcpDropReason(sk, skb, SKB_DROP_REASON_TCP_FLAGS);
    return;
  }
  // Standard slow path.
  if (!tcpValidateIncoming(sk, skb, th, true)) return;
  step5(sk, skb, th);
}

/** tcp_rcv_established()'s step5: ACK, RTT, urgent data, segment text, then send checks. */
function step5(sk: TcpSock, skb: SkBuff, th: TcpHdr): void {
  const r = tcpAck(sk, skb, FLAG_SLOWPATH | FLAG_UPDATE_TS_RECENT);
  if (r < 0) {
    tcpDropReason(sk, skb, -r);
    return;
  }
  tcpRcvRttMeasureTs(sk, skb);
  // Process urgent data.
  tcpUrg(sk, skb, th);
  // Step 7: process the segment text.
  tcpDataQueue(sk, skb);
  tcpDataSndCheck(sk);
  tcpAckSndCheck(sk);
}

/** tcp_parse_aligned_timestamp() over the raw header at `hoff` (fast path: no view object). */
function tcpParseAlignedTimestampAt(tp: TcpSock, b: Uint8Array, hoff: number): boolean {
  const p = hoff + 20;
  if (rd32(b, p) !== 0x0101080a) return false;
  tp.rxOpt.sawTstamp = true;
  tp.rxOpt.rcvTsval = rd32(b, p + 4);
  const ecr = rd32(b, p + 8);
  tp.rxOpt.rcvTsecr = ecr ? (ecr - tp.tsoffset) >>> 0 : 0;
  return true;
}

/**
 * Linux: tcp_init_transfer(): the connection is established: MTU probing state, initial
 * cwnd (1 after more than one SYN/SYN-ACK retransmission, else the route's initcwnd or
 * RFC 6928's 10), congestion control init, buffer space. `skb` is unused (BPF sockops).
 */
export function tcpInitTransfer(sk: TcpSock, _bpfOp = 0, _skb: SkBuff | null = null): void {
  const tp = sk;
  tcpMtupInit(sk);
  // (Linux: icsk_af_ops->rebuild_header: the route is already cached.)
  tcpInitMetrics(sk);
  if (tp.totalRetrans > 1 && tp.undoMarker) tcpSndCwndSet(tp, 1);
  else tcpSndCwndSet(tp, tcpInitCwnd(tp));
  tp.sndCwndStamp = tcpJiffies32(sk.net.kernel);
  if (!sk.icskCaInitialized) tcpInitCongestionControl(sk);
  tcpInitBufferSpace(sk);
}

/**
 * Linux: tcp_metrics.c tcp_init_metrics() without a metrics cache (tuxnet keeps no
 * per-destination TCP metrics, as after `ip tcp_metrics flush`): restore ssthresh after the
 * handshake, and when the handshake gave no RTT sample (retransmitted SYN/SYN-ACK, syncookies)
 * fall back to a 3 s RTO (RFC 6298 5.7).
 */
export function tcpInitMetrics(sk: TcpSock): void {
  sk.sndSsthresh = TCP_INFINITE_SSTHRESH;
  if (sk.srttUs === 0) {
    sk.rttvarUs = TCP_TIMEOUT_FALLBACK * (USEC_PER_SEC / HZ);
    sk.mdevUs = sk.mdevMaxUs = sk.rttvarUs;
    sk.icskRto = TCP_TIMEOUT_FALLBACK;
  }
}
