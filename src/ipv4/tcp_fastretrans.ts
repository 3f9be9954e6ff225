/**
 * Loss recovery and the congestion-window state machine (Linux: tcp_fastretrans_alert() and
 * the functions around it in net/ipv4/tcp_input.c; RFC 5681, RFC 6582 NewReno, RFC 6675,
 * RFC 6937 PRR, RFC 5682 F-RTO, RFC 3708/Eifel-style undo).
 *
 * States (icskCaState): Open, Disorder (SACKs or dupacks seen), CWR (cwnd reduced after ECE,
 * local congestion or a TLP-repaired loss), Recovery (fast retransmit), Loss (RTO or SACK
 * reneging). tcp_ack (INPUT) calls tcpFastretransAlert for "dubious" ACKs, then
 * tcpCongControl, then tcpXmitRecovery. The scoreboard lives on tp.rtxQueue (see
 * tcp_sacktag.ts). Loss detection is RACK (tcp_recovery.ts) with SACK, NewReno without.
 * Linux 6.17 removed the RFC 3517/RFC 6675 dupack-threshold loss marking (tcp_mark_head_lost,
 * tcp_update_scoreboard, tcp_force_fast_retransmit, the lost_skb_hint/lost_cnt_hint state):
 * net.ipv4.tcp_recovery bit 0 no longer has any effect, RACK is always on, as here.
 *
 * Functions passed `int *ack_flag` / `int *rexmit` in Linux take a `TcpAckRef` here and
 * update its `flag` / `rexmit` fields.
 */
import type { SkBuff } from '../core/skbuff.js';
import { ipv4Net } from './netns_ipv4.js';
import {
  LINUX_MIB_TCPLOSTRETRANSMIT, LINUX_MIB_TCPRENOREORDER, LINUX_MIB_TCPSACKRENEGING, LINUX_MIB_TCPLOSSUNDO,
  LINUX_MIB_TCPFULLUNDO, LINUX_MIB_TCPDSACKUNDO, LINUX_MIB_TCPSPURIOUSRTOS, LINUX_MIB_TCPPARTIALUNDO,
  LINUX_MIB_TCPRENORECOVERY, LINUX_MIB_TCPSACKRECOVERY, LINUX_MIB_TCPLOSSPROBERECOVERY, LINUX_MIB_TCPDELIVERED,
  LINUX_MIB_TCPDELIVEREDCE,
} from '../core/snmp.js';
import {
  TCP_SKB_CB, tcpIsReno, tcpIsSack, tcpPacketsInFlight, tcpLeftOut, tcpWriteQueueEmpty, tcpTimeStampMs, tcpJiffies32,
  type TcpSock, type RateSample,
} from './tcp_sock.js';
import {
  after, before, TCP_CA_Open, TCP_CA_Disorder, TCP_CA_CWR, TCP_CA_Recovery, TCP_CA_Loss, TCPF_CA_CWR, TCPF_CA_Recovery,
  TCPCB_SACKED_ACKED, TCPCB_SACKED_RETRANS, TCPCB_LOST, TCPCB_RETRANS, TCPCB_EVER_RETRANS, TCP_INFINITE_SSTHRESH,
  CA_EVENT_LOSS, CA_EVENT_COMPLETE_CWR, FLAG_SACK_RENEGING, FLAG_SND_UNA_ADVANCED, FLAG_SET_XMIT_TIMER, FLAG_ECE,
  FLAG_DATA_SACKED, FLAG_ORIG_SACK_ACKED, FLAG_LOST_RETRANS, FLAG_DSACK_TLP, FLAG_NOT_DUP, FLAG_FORWARD_PROGRESS,
  FLAG_DATA_ACKED, TCP_RACK_RECOVERY_THRESH, ICSK_TIME_RETRANS, TCP_RTO_MAX, TCP_SYN_SENT,
  TCP_NAGLE_OFF,
} from './tcp_defs.js';
import { tcpSetCaState, tcpCaEvent } from './tcp_cong.js';
import { tcpCheckSackReordering } from './tcp_sacktag.js';
import { tcpRackMarkLost, tcpRackSkbTimeout, tcpNewrenoMarkLost } from './tcp_recovery.js';
import { tcpEcnQueueCwr, tcpEcnWithdrawCwr } from './tcp_ecn.js';
import { inetCskResetXmitTimer } from './tcp_timer.js';
import { tcpXmitRetransmitQueue, __tcpPushPendingFrames, tcpCurrentMss } from './tcp_output.js';
import { tcpUpdatePacingRate } from './tcp_input.js';

/** Linux: enum { REXMIT_NONE, REXMIT_LOST, REXMIT_NEW } (what tcp_xmit_recovery sends). */
export const REXMIT_NONE = 0;
export const REXMIT_LOST = 1;
export const REXMIT_NEW = 2;

/**
 * tcp_ack()'s `flag` and `rexmit` passed by reference (Linux: int *ack_flag, int *rexmit).
 * tcp_ack makes one per ACK (or reuses one, resetting both fields).
 */
export class TcpAckRef {
  flag = 0;
  rexmit = REXMIT_NONE;
}

/** Linux: tcp_in_cwnd_reduction(): in CWR or Recovery. */
export function tcpInCwndReduction(sk: TcpSock): boolean {
  return ((TCPF_CA_CWR | TCPF_CA_Recovery) & (1 << sk.icskCaState)) !== 0;
}

/** Linux: tcp_current_ssthresh(): ssthresh, or 3/4 cwnd if larger, outside cwnd reduction. */
export function tcpCurrentSsthresh(sk: TcpSock): number {
  const tp = sk;
  if (tcpInCwndReduction(sk)) return tp.sndSsthresh;
  return Math.max(tp.sndSsthresh, (tp.sndCwnd >>> 1) + (tp.sndCwnd >>> 2));
}

/** Linux: tcp_wnd_end(). */
function tcpWndEnd(tp: TcpSock): number {
  return (tp.sndUna + tp.sndWnd) >>> 0;
}

/** Linux: tcp_clear_all_retrans_hints() (6.17+: only the retransmit hint is left). */
export function tcpClearAllRetransHints(tp: TcpSock): void {
  tp.retransmitSkbHint = null;
}

/** Linux: tcp_count_delivered(): count delivered (and CE-echoed) packets. */
export function tcpCountDelivered(tp: TcpSock, delivered: number, eceAck: boolean): void {
  tp.delivered += delivered;
  if (eceAck) tp.deliveredCe += delivered;
}

/** Linux: tcp_newly_delivered(): packets newly (S)ACKed by this ACK; TCPDelivered, TCPDeliveredCE. */
export function tcpNewlyDelivered(sk: TcpSock, priorDelivered: number, flag: number): number {
  const delivered = sk.delivered - priorDelivered;
  const mib = ipv4Net(sk.net).mib.net;
  mib[LINUX_MIB_TCPDELIVERED] += delivered;
  if (flag & FLAG_ECE) mib[LINUX_MIB_TCPDELIVEREDCE] += delivered;
  return delivered;
}

/* ---- Reno: SACK emulation by duplicate ACKs ---- */

/** Linux: tcp_limit_reno_sacked(): keep sacked_out + lost_out <= packets_out. */
export function tcpLimitRenoSacked(tp: TcpSock): boolean {
  let holes = Math.max(tp.lostOut, 1);
  holes = Math.min(holes, tp.packetsOut);
  if (tp.sackedOut + holes > tp.packetsOut) {
    tp.sackedOut = tp.packetsOut - holes;
    return true;
  }
  return false;
}

/** Linux: tcp_check_reno_reordering(): more dupacks than segments means reordering. */
function tcpCheckRenoReordering(sk: TcpSock, addend: number): void {
  const tp = sk;
  if (!tcpLimitRenoSacked(tp)) return;
  const net = ipv4Net(sk.net);
  tp.reordering = Math.min(tp.packetsOut + addend, net.sysctl.tcpMaxReordering);
  tp.reordSeen++;
  net.mib.net[LINUX_MIB_TCPRENOREORDER]++;
}

/** Linux: tcp_add_reno_sack(): account `numDupack` new duplicate ACKs. */
export function tcpAddRenoSack(sk: TcpSock, numDupack: number, eceAck: boolean): void {
  if (!numDupack) return;
  const tp = sk;
  const priorSacked = tp.sackedOut;
  tp.sackedOut += numDupack;
  tcpCheckRenoReordering(sk, 0);
  const delivered = tp.sackedOut - priorSacked;
  if (delivered > 0) tcpCountDelivered(tp, delivered, eceAck);
}

/** Linux: tcp_remove_reno_sacks(): an ACK cumulatively acked `acked` packets in Reno recovery. */
export function tcpRemoveRenoSacks(sk: TcpSock, acked: number, eceAck: boolean): void {
  const tp = sk;
  if (acked > 0) {
    /* One ACK acked hole. The rest eat duplicate ACKs. */
    tcpCountDelivered(tp, Math.max(acked - tp.sackedOut, 1), eceAck);
    if (acked - 1 >= tp.sackedOut) tp.sackedOut = 0;
    else tp.sackedOut -= acked - 1;
  }
  tcpCheckRenoReordering(sk, acked);
}

/** Linux: tcp_reset_reno_sack(). */
export function tcpResetRenoSack(tp: TcpSock): void {
  tp.sackedOut = 0;
}

/** Linux: tcp_clear_retrans() (tcp_disconnect, socket init). */
export function tcpClearRetrans(tp: TcpSock): void {
  tp.retransOut = 0;
  tp.lostOut = 0;
  tp.undoMarker = 0;
  tp.undoRetrans = -1;
  tp.sackedOut = 0;
  tp.rtoStamp = 0;
  tp.totalRto = 0;
  tp.totalRtoRecoveries = 0;
  tp.totalRtoTime = 0;
}

/** Linux: tcp_init_undo(): remember where undo information starts. */
function tcpInitUndo(tp: TcpSock): void {
  tp.undoMarker = tp.sndUna;
  /* Retransmission still in flight may cause DSACKs later. */
  tp.undoRetrans = tp.retransOut ? tp.retransOut : -1;
}

/* ---- marking lost ---- */

/**
 * Linux: tcp_verify_retransmit_hint(): must run before lost_out/retrans_out change for a new
 * loss: the lowest newly lost skb becomes the retransmit hint.
 */
function tcpVerifyRetransmitHint(tp: TcpSock, skb: SkBuff): void {
  if ((!tp.retransmitSkbHint && tp.retransOut >= tp.lostOut) ||
      (tp.retransmitSkbHint && before(TCP_SKB_CB(skb).seq, TCP_SKB_CB(tp.retransmitSkbHint).seq))) {
    tp.retransmitSkbHint = skb;
  }
}

/**
 * Linux: tcp_mark_skb_lost(): mark `skb` lost (unless SACKed); a lost retransmission loses its
 * RETRANS bit and counts TCPLostRetransmit. tp.lost sums every loss (tcp_notify_skb_loss_event).
 */
export function tcpMarkSkbLost(sk: TcpSock, skb: SkBuff): void {
  const tp = sk;
  const scb = TCP_SKB_CB(skb);
  const sacked = scb.sacked;
  if (sacked & TCPCB_SACKED_ACKED) return;
  tcpVerifyRetransmitHint(tp, skb);
  if (sacked & TCPCB_LOST) {
    if (sacked & TCPCB_SACKED_RETRANS) {
      /* Account for retransmits that are lost again. */
      scb.sacked &= ~TCPCB_SACKED_RETRANS;
      tp.retransOut -= scb.pcount;
      ipv4Net(sk.net).mib.net[LINUX_MIB_TCPLOSTRETRANSMIT] += scb.pcount;
      tp.lost += scb.pcount;
    }
  } else {
    tp.lostOut += scb.pcount;
    scb.sacked |= TCPCB_LOST;
    tp.lost += scb.pcount;
  }
}

/**
 * Linux: tcp_timeout_mark_lost(): on RTO mark the queue lost. If the head is SACKed the
 * receiver reneged: forget all SACKs (TCPSACKReneging). With RACK, skbs sent too recently
 * to be overdue (RACK) stay unmarked, except the head.
 */
function tcpTimeoutMarkLost(sk: TcpSock): void {
  const tp = sk;
  const head = tp.rtxQueue.peek();
  const isReneg = head !== null && (TCP_SKB_CB(head).sacked & TCPCB_SACKED_ACKED) !== 0;
  if (isReneg) {
    ipv4Net(sk.net).mib.net[LINUX_MIB_TCPSACKRENEGING]++;
    tp.sackedOut = 0;
    /* Mark SACK reneging until we recover from this loss event. */
    tp.isSackReneg = true;
  } else if (tcpIsReno(tp)) {
    tcpResetRenoSack(tp);
  }
  for (let skb = head; skb; skb = skb.next) {
    if (isReneg) TCP_SKB_CB(skb).sacked &= ~TCPCB_SACKED_ACKED;
    else if (skb !== head && tcpRackSkbTimeout(tp, skb, 0) > 0) continue; /* Don't mark recently sent ones lost yet */
    tcpMarkSkbLost(sk, skb);
  }
  tcpClearAllRetransHints(tp);
}

/**
 * Linux: tcp_enter_loss(): the RTO fired (tcp_retransmit_timer) or SACK reneging persisted.
 * Reduce ssthresh once per window, cwnd to in-flight + 1, enter Loss, and arm F-RTO
 * (RFC 5682 3.1 step 1) when net.ipv4.tcp_frto is on.
 */
export function tcpEnterLoss(sk: TcpSock): void {
  const tp = sk;
  const net = ipv4Net(sk.net);
  const newRecovery = tp.icskCaState < TCP_CA_Recovery;
  tcpTimeoutMarkLost(sk);
  /* Reduce ssthresh if it has not yet been made inside this window. */
  if (tp.icskCaState <= TCP_CA_Disorder || !after(tp.highSeq, tp.sndUna) ||
      (tp.icskCaState === TCP_CA_Loss && !tp.icskRetransmits)) {
    tp.priorSsthresh = tcpCurrentSsthresh(sk);
    tp.priorCwnd = tp.sndCwnd;
    tp.sndSsthresh = sk.icskCaOps ? sk.icskCaOps.ssthresh(sk) : Math.max(tp.sndCwnd >>> 1, 2);
    tcpCaEvent(sk, CA_EVENT_LOSS);
    tcpInitUndo(tp);
  }
  tp.sndCwnd = tcpPacketsInFlight(tp) + 1;
  tp.sndCwndCnt = 0;
  tp.sndCwndStamp = tcpJiffies32(sk.net.kernel);
  /* A timeout in Disorder after many dupacks: the reordering degree is over-estimated. */
  const reordering = net.sysctl.tcpReordering;
  if (tp.icskCaState <= TCP_CA_Disorder && tp.sackedOut >= reordering) {
    tp.reordering = Math.min(tp.reordering, reordering);
  }
  tcpSetCaState(sk, TCP_CA_Loss);
  tp.highSeq = tp.sndNxt;
  tcpEcnQueueCwr(tp);
  /* F-RTO RFC 5682 sec 3.1 step 1: retransmit SND.UNA if no previous loss recovery is
   * underway except recurring timeouts on the same SND.UNA (sec 3.2); not while MTU probing. */
  tp.frto = net.sysctl.tcpFrto !== 0 && (newRecovery || tp.icskRetransmits !== 0) && !sk.icskMtupProbeSize;
}

/**
 * Linux: tcp_check_sack_reneging(): the ACK points into remembered SACKs: give the receiver
 * max(RTT/2, 10 ms) to restore the scoreboard before the RTO clears it.
 */
function tcpCheckSackReneging(sk: TcpSock, ref: TcpAckRef): boolean {
  if ((ref.flag & FLAG_SACK_RENEGING) && (ref.flag & FLAG_SND_UNA_ADVANCED)) {
    const tp = sk;
    const delay = Math.max(Math.ceil((tp.srttUs >>> 4) / 1000), 10);
    inetCskResetXmitTimer(sk, ICSK_TIME_RETRANS, delay, TCP_RTO_MAX);
    ref.flag &= ~FLAG_SET_XMIT_TIMER;
    return true;
  }
  return false;
}

/** Linux: tcp_time_to_recover() (6.17+): has loss detection marked at least one packet lost? */
function tcpTimeToRecover(sk: TcpSock): boolean {
  return sk.lostOut !== 0;
}

/* ---- undo ---- */

/** Linux: tcp_tsopt_ecr_before(): the echoed timestamp predates `when` (TS clock, ms). */
function tcpTsoptEcrBefore(tp: TcpSock, when: number): boolean {
  return tp.rxOpt.sawTstamp && tp.rxOpt.rcvTsecr !== 0 && before(tp.rxOpt.rcvTsecr, when);
}

/** Linux: tcp_skb_spurious_retrans(): the echoed timestamp predates the skb's (re)transmission. */
export function tcpSkbSpuriousRetrans(tp: TcpSock, skb: SkBuff): boolean {
  const scb = TCP_SKB_CB(skb);
  return (scb.sacked & TCPCB_RETRANS) !== 0 && tcpTsoptEcrBefore(tp, Math.floor(scb.txMstamp / 1000) >>> 0);
}

/**
 * Linux: tcp_packet_delayed() (as fixed in 6.10 and 6.16): the echoed timestamp predates the
 * first retransmission; or nothing was retransmitted yet (retrans_stamp 0), except where
 * Linux clears retrans_stamp despite retransmissions (Reno at high_seq, SYN_SENT).
 */
function tcpPacketDelayed(tp: TcpSock): boolean {
  /* Received an echoed timestamp before the first retransmission? */
  if (tp.retransStamp) return tcpTsoptEcrBefore(tp, tp.retransStamp);
  /* (1) For non-SACK connections, tcp_is_non_sack_preventing_reopen() clears
   * retrans_stamp when snd_una == high_seq. */
  if (!tcpIsSack(tp) && !before(tp.sndUna, tp.highSeq)) return false;
  /* (2) In SYN_SENT tcp_clean_rtx_queue() clears retrans_stamp with FLAG_SYN_ACKED. */
  if (tp.state === TCP_SYN_SENT) return false;
  return true; /* retrans_stamp is zero; no retransmit yet */
}

/** Linux: tcp_any_retrans_done(). */
export function tcpAnyRetransDone(sk: TcpSock): boolean {
  const tp = sk;
  if (tp.retransOut) return true;
  const skb = tp.rtxQueue.peek();
  return skb !== null && (TCP_SKB_CB(skb).sacked & TCPCB_EVER_RETRANS) !== 0;
}

/** Linux: tcp_retrans_stamp_cleanup(): forget retrans_stamp when nothing is retransmitted. */
function tcpRetransStampCleanup(sk: TcpSock): void {
  if (!tcpAnyRetransDone(sk)) sk.retransStamp = 0;
}

/** Linux: tcp_undo_cwnd_reduction(): restore cwnd/ssthresh; `unmarkLoss` clears the LOST bits. */
function tcpUndoCwndReduction(sk: TcpSock, unmarkLoss: boolean): void {
  const tp = sk;
  if (unmarkLoss) {
    for (let skb = tp.rtxQueue.peek(); skb; skb = skb.next) TCP_SKB_CB(skb).sacked &= ~TCPCB_LOST;
    tp.lostOut = 0;
    tcpClearAllRetransHints(tp);
  }
  if (tp.priorSsthresh) {
    tp.sndCwnd = sk.icskCaOps ? sk.icskCaOps.undoCwnd(sk) : Math.max(tp.sndCwnd, tp.priorCwnd);
    if (tp.priorSsthresh > tp.sndSsthresh) {
      tp.sndSsthresh = tp.priorSsthresh;
      tcpEcnWithdrawCwr(tp);
    }
  }
  tp.sndCwndStamp = tcpJiffies32(sk.net.kernel);
  tp.undoMarker = 0;
  /* Force RACK to re-exam losses. */
  tp.rackAdvanced = true;
}

/** Linux: tcp_may_undo(). */
function tcpMayUndo(tp: TcpSock): boolean {
  return tp.undoMarker !== 0 && (!tp.undoRetrans || tcpPacketDelayed(tp));
}

/** Linux: tcp_is_non_sack_preventing_reopen(): Reno holds the state until above high_seq is ACKed (RFC 2582). */
function tcpIsNonSackPreventingReopen(sk: TcpSock): boolean {
  const tp = sk;
  if (tp.sndUna === tp.highSeq && tcpIsReno(tp)) {
    tcpRetransStampCleanup(sk);
    return true;
  }
  return false;
}

/** Linux: tcp_try_undo_recovery(): recovery ended; undo if it was spurious (TCPFullUndo / TCPLossUndo). */
export function tcpTryUndoRecovery(sk: TcpSock): boolean {
  const tp = sk;
  if (tcpMayUndo(tp)) {
    /* Happy end! We did not retransmit anything or our original transmission succeeded. */
    tcpUndoCwndReduction(sk, false);
    ipv4Net(sk.net).mib.net[tp.icskCaState === TCP_CA_Loss ? LINUX_MIB_TCPLOSSUNDO : LINUX_MIB_TCPFULLUNDO]++;
  } else if (tp.rackReoWndPersist) {
    tp.rackReoWndPersist--;
  }
  if (tcpIsNonSackPreventingReopen(sk)) return true;
  tcpSetCaState(sk, TCP_CA_Open);
  tp.isSackReneg = false;
  return false;
}

/** Linux: tcp_try_undo_dsack(): D-SACKs covered every retransmission (TCPDSACKUndo). */
export function tcpTryUndoDsack(sk: TcpSock): boolean {
  const tp = sk;
  if (tp.undoMarker && !tp.undoRetrans) {
    tp.rackReoWndPersist = Math.min(TCP_RACK_RECOVERY_THRESH, tp.rackReoWndPersist + 1);
    tcpUndoCwndReduction(sk, false);
    ipv4Net(sk.net).mib.net[LINUX_MIB_TCPDSACKUNDO]++;
    return true;
  }
  return false;
}

/** Linux: tcp_try_undo_loss(): undo in Loss after a partial ACK or by F-RTO (TCPLossUndo, TCPSpuriousRTOs). */
export function tcpTryUndoLoss(sk: TcpSock, frtoUndo: boolean): boolean {
  const tp = sk;
  if (frtoUndo || tcpMayUndo(tp)) {
    tcpUndoCwndReduction(sk, true);
    const mib = ipv4Net(sk.net).mib.net;
    mib[LINUX_MIB_TCPLOSSUNDO]++;
    if (frtoUndo) mib[LINUX_MIB_TCPSPURIOUSRTOS]++;
    sk.icskRetransmits = 0;
    if (tcpIsNonSackPreventingReopen(sk)) return true;
    if (frtoUndo || tcpIsSack(tp)) {
      tcpSetCaState(sk, TCP_CA_Open);
      tp.isSackReneg = false;
    }
    return true;
  }
  return false;
}

/* ---- PRR (RFC 6937) and CWR ---- */

/** Linux: tcp_init_cwnd_reduction(): start a reduction: ssthresh from the CC, PRR counters reset. */
export function tcpInitCwndReduction(sk: TcpSock): void {
  const tp = sk;
  tp.highSeq = tp.sndNxt;
  tp.tlpHighSeq = 0;
  tp.sndCwndCnt = 0;
  tp.priorCwnd = tp.sndCwnd;
  tp.prrDelivered = 0;
  tp.prrOut = 0;
  tp.sndSsthresh = sk.icskCaOps ? sk.icskCaOps.ssthresh(sk) : Math.max(tp.sndCwnd >>> 1, 2);
  tcpEcnQueueCwr(tp);
}

/**
 * Linux: tcp_cwnd_reduction() (PRR): above ssthresh spread the reduction over a round
 * (proportional rate reduction); below it send as much as was delivered, +1 slow start on
 * a clean snd_una advance, up to ssthresh. At least one packet when PRR has sent nothing yet
 * (the fast retransmit).
 */
export function tcpCwndReduction(sk: TcpSock, newlyAckedSacked: number, newlyLost: number, flag: number): void {
  const tp = sk;
  let sndcnt = 0;
  const delta = tp.sndSsthresh - tcpPacketsInFlight(tp);
  if (newlyAckedSacked <= 0 || !tp.priorCwnd) return;
  tp.prrDelivered += newlyAckedSacked;
  if (delta < 0) {
    const dividend = tp.sndSsthresh * tp.prrDelivered + tp.priorCwnd - 1;
    sndcnt = Math.floor(dividend / tp.priorCwnd) - tp.prrOut;
  } else {
    sndcnt = Math.max(tp.prrDelivered - tp.prrOut, newlyAckedSacked);
    if ((flag & FLAG_SND_UNA_ADVANCED) && !newlyLost) sndcnt++;
    sndcnt = Math.min(delta, sndcnt);
  }
  /* Force a fast retransmit upon entering fast recovery. */
  sndcnt = Math.max(sndcnt, tp.prrOut ? 0 : 1);
  tp.sndCwnd = tcpPacketsInFlight(tp) + sndcnt;
}

/** Linux: tcp_end_cwnd_reduction(): cwnd = ssthresh when CWR/Recovery ends (unless undone). */
export function tcpEndCwndReduction(sk: TcpSock): void {
  const tp = sk;
  if (sk.icskCaOps?.congControl) return;
  /* Reset cwnd to ssthresh in CWR or Recovery (unless it's undone). */
  if (tp.sndSsthresh < TCP_INFINITE_SSTHRESH && (tp.icskCaState === TCP_CA_CWR || tp.undoMarker)) {
    tp.sndCwnd = tp.sndSsthresh;
    tp.sndCwndStamp = tcpJiffies32(sk.net.kernel);
  }
  tcpCaEvent(sk, CA_EVENT_COMPLETE_CWR);
}

/** Linux: tcp_enter_cwr(): reduce cwnd for ECE or local congestion; undo is disabled (congestion is proven). */
export function tcpEnterCwr(sk: TcpSock): void {
  const tp = sk;
  tp.priorSsthresh = 0;
  if (tp.icskCaState < TCP_CA_CWR) {
    tp.undoMarker = 0;
    tcpInitCwndReduction(sk);
    tcpSetCaState(sk, TCP_CA_CWR);
  }
}

/** Linux: tcp_try_keep_open(): Open, or Disorder while anything is SACKed/lost/retransmitted. */
function tcpTryKeepOpen(sk: TcpSock): void {
  const tp = sk;
  let state = TCP_CA_Open;
  if (tcpLeftOut(tp) || tcpAnyRetransDone(sk)) state = TCP_CA_Disorder;
  if (tp.icskCaState !== state) {
    tcpSetCaState(sk, state);
    tp.highSeq = tp.sndNxt;
  }
}

/** Linux: tcp_try_to_open(). */
function tcpTryToOpen(sk: TcpSock, flag: number): void {
  const tp = sk;
  tcpRetransStampCleanup(sk);
  if (flag & FLAG_ECE) tcpEnterCwr(sk);
  if (tp.icskCaState !== TCP_CA_CWR) tcpTryKeepOpen(sk);
}

/**
 * Linux: tcp_simple_retransmit() (PMTU dropped: tcp_v4_mtu_reduced): mark every skb larger
 * than the new MSS lost and retransmit without touching cwnd.
 */
export function tcpSimpleRetransmit(sk: TcpSock): void {
  const tp = sk;
  const mss = tcpCurrentMss(sk);
  for (let skb = tp.rtxQueue.peek(); skb; skb = skb.next) {
    if (skb.len > mss) tcpMarkSkbLost(sk, skb);
  }
  if (!tp.lostOut) return;
  if (tcpIsReno(tp)) tcpLimitRenoSacked(tp);
  /* Don't muck with the congestion window: units changed, not the data in flight. */
  if (tp.icskCaState !== TCP_CA_Loss) {
    tp.highSeq = tp.sndNxt;
    tp.sndSsthresh = tcpCurrentSsthresh(sk);
    tp.priorSsthresh = 0;
    tp.undoMarker = 0;
    tcpSetCaState(sk, TCP_CA_Loss);
  }
  tcpXmitRetransmitQueue(sk);
}

/** Linux: tcp_enter_recovery(): fast recovery (TCPSackRecovery / TCPRenoRecovery). */
export function tcpEnterRecovery(sk: TcpSock, eceAck: boolean): void {
  const tp = sk;
  /* Start the clock with our fast retransmit, for undo and ETIMEDOUT (6.12). */
  tcpRetransStampCleanup(sk);
  ipv4Net(sk.net).mib.net[tcpIsReno(tp) ? LINUX_MIB_TCPRENORECOVERY : LINUX_MIB_TCPSACKRECOVERY]++;
  tp.priorSsthresh = 0;
  tcpInitUndo(tp);
  if (!tcpInCwndReduction(sk)) {
    if (!eceAck) tp.priorSsthresh = tcpCurrentSsthresh(sk);
    tcpInitCwndReduction(sk);
  }
  tcpSetCaState(sk, TCP_CA_Recovery);
}

/** Linux: tcp_update_rto_time(): add the time spent in RTO recovery to total_rto_time. */
function tcpUpdateRtoTime(tp: TcpSock): void {
  if (tp.rtoStamp) {
    tp.totalRtoTime += tcpTimeStampMs(tp.net.kernel) - tp.rtoStamp;
    tp.rtoStamp = 0;
  }
}

/**
 * Linux: tcp_process_loss(): an ACK in Loss. Undo if spurious (F-RTO, RFC 5682 sack-enhanced),
 * else keep retransmitting on partial ACKs. Sets ref.rexmit.
 */
export function tcpProcessLoss(sk: TcpSock, flag: number, numDupack: number, ref: TcpAckRef): void {
  const tp = sk;
  const recovered = !before(tp.sndUna, tp.highSeq);
  if ((flag & FLAG_SND_UNA_ADVANCED) && tcpTryUndoLoss(sk, false)) return;
  if (tp.frto) { /* F-RTO RFC 5682 sec 3.1 (sack enhanced version). */
    /* Step 3.b. A timeout is spurious if not all data are lost, i.e., never-retransmitted
     * data are (s)acked. */
    if ((flag & FLAG_ORIG_SACK_ACKED) && tcpTryUndoLoss(sk, true)) return;
    if (after(tp.sndNxt, tp.highSeq)) {
      if ((flag & FLAG_DATA_SACKED) || numDupack) tp.frto = false; /* Step 3.a. loss was real */
    } else if ((flag & FLAG_SND_UNA_ADVANCED) && !recovered) {
      tp.highSeq = tp.sndNxt;
      /* Step 2.b. Try send new data (but deferred until cwnd is updated in tcp_ack()).
       * Otherwise fall back to the conventional recovery. */
      if (!tcpWriteQueueEmpty(tp) && after(tcpWndEnd(tp), tp.sndNxt)) {
        ref.rexmit = REXMIT_NEW;
        return;
      }
      tp.frto = false;
    }
  }
  if (recovered) {
    /* F-RTO RFC 5682 sec 3.1 step 2.a and 1st part of step 3.a. */
    tcpTryUndoRecovery(sk);
    return;
  }
  if (tcpIsReno(tp)) {
    /* A Reno DUPACK means new data in F-RTO step 2.b above are delivered. Lower inflight to
     * clock out (re)transmissions. */
    if (after(tp.sndNxt, tp.highSeq) && numDupack) tcpAddRenoSack(sk, numDupack, (flag & FLAG_ECE) !== 0);
    else if (flag & FLAG_SND_UNA_ADVANCED) tcpResetRenoSack(tp);
  }
  ref.rexmit = REXMIT_LOST;
}

/**
 * Linux: tcp_try_undo_partial(): a partial ACK in Recovery. If the hole was filled by the
 * delayed original (timestamps), it was reordering: undo (TCPPartialUndo). Returns true when
 * the caller must stop.
 */
export function tcpTryUndoPartial(sk: TcpSock, priorSndUna: number): boolean {
  const tp = sk;
  if (tp.undoMarker && tcpPacketDelayed(tp)) {
    /* Plain luck! Hole if filled with delayed packet, rather than with a retransmit. */
    tcpCheckSackReordering(sk, priorSndUna, true);
    /* With retransmits still out, clock out new packets but do not mark or retransmit more. */
    if (tp.retransOut) return true;
    tcpRetransStampCleanup(sk);
    tcpUndoCwndReduction(sk, true);
    ipv4Net(sk.net).mib.net[LINUX_MIB_TCPPARTIALUNDO]++;
    tcpTryKeepOpen(sk);
  }
  return false;
}

/** Linux: tcp_identify_packet_loss(): NewReno without SACK, RACK with it. */
function tcpIdentifyPacketLoss(sk: TcpSock, ref: TcpAckRef): void {
  const tp = sk;
  if (tp.rtxQueue.peek() === null) return;
  if (tcpIsReno(tp)) {
    tcpNewrenoMarkLost(sk, (ref.flag & FLAG_SND_UNA_ADVANCED) !== 0);
  } else {
    const priorRetrans = tp.retransOut;
    if (tcpRackMarkLost(sk)) ref.flag &= ~FLAG_SET_XMIT_TIMER;
    if (priorRetrans > tp.retransOut) ref.flag |= FLAG_LOST_RETRANS;
  }
}

/**
 * Linux: tcp_fastretrans_alert(): called by tcp_ack for ACKs that are dubious (dupack, SACK,
 * ECE) or when not in Open. Updates the scoreboard estimate and the CA state; cwnd itself is
 * changed later by tcpCongControl. `ref.flag` is tcp_ack's flag (FLAG_SET_XMIT_TIMER may be
 * cleared, FLAG_LOST_RETRANS set); `ref.rexmit` says what tcpXmitRecovery must send.
 */
export function tcpFastretransAlert(sk: TcpSock, priorSndUna: number, numDupack: number, ref: TcpAckRef): void {
  const tp = sk;
  const flag = ref.flag;
  const eceAck = (flag & FLAG_ECE) !== 0;

  if (!tp.packetsOut && tp.sackedOut) tp.sackedOut = 0;

  /* A. ECE, hence prohibit cwnd undoing, the reduction is required. */
  if (eceAck) tp.priorSsthresh = 0;

  /* B. In all the states check for reneging SACKs. */
  if (tcpCheckSackReneging(sk, ref)) return;

  /* D. Check state exit conditions. State can be terminated when high_seq is ACKed. */
  if (tp.icskCaState === TCP_CA_Open) {
    tp.retransStamp = 0;
  } else if (!before(tp.sndUna, tp.highSeq)) {
    switch (tp.icskCaState) {
      case TCP_CA_CWR:
        /* CWR is to be held something *above* high_seq is ACKed for CWR bit to reach receiver. */
        if (tp.sndUna !== tp.highSeq) {
          tcpEndCwndReduction(sk);
          tcpSetCaState(sk, TCP_CA_Open);
        }
        break;
      case TCP_CA_Recovery:
        if (tcpIsReno(tp)) tcpResetRenoSack(tp);
        if (tcpTryUndoRecovery(sk)) return;
        tcpEndCwndReduction(sk);
        break;
    }
  }

  /* E. Process state. */
  let toDefault = false;
  switch (tp.icskCaState) {
    case TCP_CA_Recovery:
      if (!(flag & FLAG_SND_UNA_ADVANCED)) {
        if (tcpIsReno(tp)) tcpAddRenoSack(sk, numDupack, eceAck);
      } else if (tcpTryUndoPartial(sk, priorSndUna)) {
        return;
      }
      if (tcpTryUndoDsack(sk)) tcpTryKeepOpen(sk);
      tcpIdentifyPacketLoss(sk, ref);
      if (tp.icskCaState !== TCP_CA_Recovery) {
        if (!tcpTimeToRecover(sk)) return;
        /* Undo reverts the recovery state. If loss is evident, starts a new recovery
         * (e.g. reordering then loss). */
        tcpEnterRecovery(sk, eceAck);
      }
      break;
    case TCP_CA_Loss:
      tcpProcessLoss(sk, flag, numDupack, ref);
      /* (the state may have changed in tcpProcessLoss: read it afresh) */
      if ((tp.icskCaState as number) !== TCP_CA_Loss) tcpUpdateRtoTime(tp);
      tcpIdentifyPacketLoss(sk, ref);
      if (!((tp.icskCaState as number) === TCP_CA_Open || (ref.flag & FLAG_LOST_RETRANS))) return;
      /* Change state if cwnd is undone or retransmits are lost. */
      toDefault = true;
      break;
    default:
      toDefault = true;
  }
  if (toDefault) {
    if (tcpIsReno(tp)) {
      if (flag & FLAG_SND_UNA_ADVANCED) tcpResetRenoSack(tp);
      tcpAddRenoSack(sk, numDupack, eceAck);
    }
    if (tp.icskCaState <= TCP_CA_Disorder) tcpTryUndoDsack(sk);
    tcpIdentifyPacketLoss(sk, ref);
    if (!tcpTimeToRecover(sk)) {
      tcpTryToOpen(sk, flag);
      return;
    }
    /* MTU probe failure (tcp_mtup_probe_failed) is not modelled: tcp_mtu_probing is 0 by default. */
    /* Otherwise enter Recovery state. */
    tcpEnterRecovery(sk, eceAck);
  }
  ref.rexmit = REXMIT_LOST;
}

/* ---- cwnd growth ---- */

/** Linux: tcp_cong_avoid(): the CC's cong_avoid (slow start / congestion avoidance). */
export function tcpCongAvoid(sk: TcpSock, ack: number, acked: number): void {
  sk.icskCaOps?.congAvoid?.(sk, ack, acked);
  sk.sndCwndStamp = tcpJiffies32(sk.net.kernel);
}

/**
 * Linux: tcp_may_raise_cwnd(): grow cwnd only on in-order delivery (RFC 5681), or on any
 * delivery when reordering is high.
 */
function tcpMayRaiseCwnd(sk: TcpSock, flag: number): boolean {
  if (sk.reordering > ipv4Net(sk.net).sysctl.tcpReordering) return (flag & FLAG_FORWARD_PROGRESS) !== 0;
  return (flag & FLAG_DATA_ACKED) !== 0;
}

/**
 * Linux: tcp_cong_control(): after an ACK, reduce cwnd by PRR in CWR/Recovery or grow it
 * through the CC; a CC with its own cong_control (BBR) replaces both. `rs.losses` is the
 * number of packets newly marked lost by this ACK.
 */
export function tcpCongControl(sk: TcpSock, ack: number, ackedSacked: number, flag: number, rs: RateSample): void {
  const ops = sk.icskCaOps;
  if (ops && ops.congControl) {
    ops.congControl(sk, ack, flag, rs);
    return;
  }
  if (tcpInCwndReduction(sk)) {
    /* Reduce cwnd if state mandates. */
    tcpCwndReduction(sk, ackedSacked, rs.losses, flag);
  } else if (tcpMayRaiseCwnd(sk, flag)) {
    /* Advance cwnd if state allows. */
    tcpCongAvoid(sk, ack, ackedSacked);
  }
  tcpUpdatePacingRate(sk);
}

/**
 * Linux: tcp_process_tlp_ack(): ACKs during a tail-loss-probe episode. A probe that repaired
 * a real loss reduces cwnd once (CWR, TCPLossProbeRecovery); a D-SACK of the probe or a
 * pure dupack means nothing was lost.
 */
export function tcpProcessTlpAck(sk: TcpSock, ack: number, flag: number): void {
  const tp = sk;
  if (before(ack, tp.tlpHighSeq)) return;
  if (!tp.tlpRetrans) {
    /* TLP of new data has been acknowledged. */
    tp.tlpHighSeq = 0;
  } else if (flag & FLAG_DSACK_TLP) {
    /* This DSACK means original and TLP probe arrived; no loss. */
    tp.tlpHighSeq = 0;
  } else if (after(ack, tp.tlpHighSeq)) {
    /* ACK advances: there was a loss, so reduce cwnd. tlp_high_seq is reset in
     * tcp_init_cwnd_reduction(). */
    tcpInitCwndReduction(sk);
    tcpSetCaState(sk, TCP_CA_CWR);
    tcpEndCwndReduction(sk);
    tcpTryKeepOpen(sk);
    ipv4Net(sk.net).mib.net[LINUX_MIB_TCPLOSSPROBERECOVERY]++;
  } else if (!(flag & (FLAG_SND_UNA_ADVANCED | FLAG_NOT_DUP | FLAG_DATA_SACKED))) {
    /* Pure dupack: original and TLP probe arrived; no loss. */
    tp.tlpHighSeq = 0;
  }
}

/**
 * Linux: tcp_xmit_recovery(): after cwnd was updated, send what loss recovery decided:
 * new data for F-RTO (REXMIT_NEW) or the lost skbs (REXMIT_LOST).
 */
export function tcpXmitRecovery(sk: TcpSock, rexmit: number): void {
  const tp = sk;
  if (rexmit === REXMIT_NONE || sk.state === TCP_SYN_SENT) return;
  if (rexmit === REXMIT_NEW) {
    __tcpPushPendingFrames(sk, tcpCurrentMss(sk), TCP_NAGLE_OFF);
    if (after(tp.sndNxt, tp.highSeq)) return;
    tp.frto = false;
  }
  tcpXmitRetransmitQueue(sk);
}

