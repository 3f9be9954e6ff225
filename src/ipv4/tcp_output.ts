/**
 * The TCP output engine (Linux: net/ipv4/tcp_output.c): building and sending segments
 * (tcp_transmit_skb), the send loop with its congestion-window, receive-window, Nagle and
 * cork tests (tcp_write_xmit), window selection (RFC 7323 scaling, never shrinking),
 * MSS bookkeeping from the path MTU, pure ACKs, delayed ACKs, FIN, RST, SYN and SYN-ACK.
 * Retransmission, tail loss probes and zero-window probes are in tcp_output_xmit.ts,
 * option layout in tcp_output_opts.ts; this module re-exports them.
 *
 * Segments in the write and retransmit queues hold only payload, with MAX_TCP_HEADER of
 * headroom: a transmission clones the skb (or copies it when an earlier clone still
 * shares its data, as Linux's skb_cloned() check does) and pushes the TCP header into
 * the clone, then hands it to ipQueueXmit. To a device with TSO (tcp_output_tso.ts) one
 * transmission is a GSO skb of up to tcp_tso_segs() segments, split into MSS-sized skbs
 * in the retransmit queue once sent; otherwise every skb sent is at most one MSS (a
 * larger one is split first, sharing its buffer). tcp_skb_pcount is 1 for queued sent skbs.
 *
 * Not modelled (differences from Linux): TSO skbs in the retransmit queue and what
 * depends on them (tcp_grow_skb, the PSH forced on GSO packets);
 * pacing and TCP small queues (tcp_pacing_check, tcp_small_queue_check; the TSQ handler
 * only releases autocorked data); MTU probing (tcp_mtu_probe, off by default in Linux
 * too); MD5/AO, Fast Open, MPTCP and AccECN options.
 */
import type { SkBuff } from '../core/skbuff.js';
import {
  allocSkb, skbReserve, skbPush, skbClone, skbCloned, CHECKSUM_NONE, CHECKSUM_PARTIAL, SKB_TRUESIZE_OVERHEAD,
  SKB_GSO_TCPV4, SKB_GSO_TCP_ECN,
} from '../core/skbuff.js';
import {
  tcpSkCanGso, tcpTsoLimit, tcpWndEnd, tcpUrgMode, tcpNagleTest, tcpMinshallUpdate,
} from './tcp_output_tso.js';

// tcp_wnd_end and tcp_urg_mode sit with the push decisions in tcp_output_tso.ts.
export { tcpWndEnd, tcpUrgMode } from './tcp_output_tso.js';

import { TimerList } from '../core/timer.js';

import { NET_XMIT_CN, NETIF_F_HW_CSUM, NETIF_F_IP_CSUM } from '../core/netdevice.js';

import {
  TCP_MIB_OUTSEGS, LINUX_MIB_TCPORIGDATASENT, LINUX_MIB_TCPACKCOMPRESSED, LINUX_MIB_TCPSPURIOUSRTXHOSTQUEUES,
} from '../core/snmp.js';
import { writeU16, writeU32 } from '../wire/bytes.js';
import { csumPartial, csumTcpudpMagic, csumTcpudpNofold, csumFold } from '../wire/checksum.js';
import { IPPROTO_TCP } from '../wire/iphdr.js';
import { TCPHDR_ACK, TCPHDR_FIN, TCPHDR_PSH, TCPHDR_SYN, TCPHDR_URG, TCPHDR_CWR } from '../wire/tcphdr.js';

import { ipv4Net } from './netns_ipv4.js';
import { Flowi4 } from './rtable.js';
import { ipQueueXmit } from './ip_output.js';

import {
  type TcpSock, type TimerWithSock, TcpSkbCb, TCP_SKB_CB, tcpMstampRefresh, tcpJiffies32, tcpPacketsInFlight,
  tcpRtxAndWriteQueuesEmpty, tcpWriteQueueEmpty, tcpInSlowStart, tcpIsReno,
} from './tcp_sock.js';
import {
  MAX_TCP_HEADER, TCP_CLOSE, TCPF_ESTABLISHED, TCPF_CLOSE_WAIT, TCP_NAGLE_PUSH, TCP_ATO_MIN,
  TCP_CHRONO_BUSY, TCP_CHRONO_RWND_LIMITED, TCP_CHRONO_SNDBUF_LIMITED, TCP_CHRONO_UNSPEC, TCP_MSS_DEFAULT,
  ICSK_TIME_DACK, ICSK_TIME_LOSS_PROBE, ICSK_TIME_PROBE0, TCPCB_SACKED_ACKED, TCPCB_SACKED_RETRANS, TCPCB_LOST,
  CA_EVENT_TX_START, TCPF_CA_CWR, TCPF_CA_Recovery, TCP_CA_Open, after, before,
} from './tcp_defs.js';
import {
  TcpOutOptions, tcpSynOptions, tcpOptionsWrite, tcpOptionsWriteEstablished, tcpEstablishedSackBlocks,
  tcpEstablishedOptionsSize, TCPOLEN_TSTAMP_ALIGNED, TCPOLEN_SACK_BASE_ALIGNED, TCPOLEN_SACK_PERBLOCK,
} from './tcp_output_opts.js';
import { inetCskClearXmitTimer, inetCskAckScheduled, tcpResetXmitTimer, tcpRearmRto } from './tcp_timer.js';
import { tcpScheduleLossProbe, tcpProbe0Base } from './tcp_output_xmit.js';
import { tcpSelectWindow } from './tcp_output_opts.js';
import { tcpEcnSend } from './tcp_ecn.js';
import { tcpRateSkbSent } from './tcp_rate.js';
import { tcpCaEvent } from './tcp_cong.js';
import { tcpEnterCwr, tcpCurrentSsthresh } from './tcp_fastretrans.js';
import { tcpCheckSpace, tcpInitCwnd } from './tcp_input_rtt.js';

export {
  TcpInitialWindow, tcpSelectInitialWindow, __tcpSelectWindow, tcpSelectWindow,
} from './tcp_output_opts.js';
export {
  __tcpSendAck, tcpSendAck, tcpSendDelayedAck, tcpDelackRetry, tcpSendFin, tcpSendActiveReset, tcpMakeSynack,
  tcpSendSynack, tcpConnect, tcpDropSkb,
} from './tcp_output_ctl.js';
export {
  __tcpRetransmitSkb, tcpRetransmitSkb, tcpXmitRetransmitQueue, tcpSendProbe0, tcpWriteWakeup, tcpSendLossProbe,
  tcpScheduleLossProbe, tcpTrimHead, tcpProbe0Base, tcpProbe0When, tcpRtoDeltaUs,
} from './tcp_output_xmit.js';

/** Linux: enum tcp_queue (which queue tcp_fragment() links the new skb into). */
export const TCP_FRAG_IN_WRITE_QUEUE = 0;
export const TCP_FRAG_IN_RTX_QUEUE = 1;
/** Linux: enum tcp_synack_type. */
export const TCP_SYNACK_NORMAL = 0;
export const TCP_SYNACK_FASTOPEN = 1;
export const TCP_SYNACK_COOKIE = 2;
/** Linux: TSQ_THROTTLED (tcp.ts's TSQF_THROTTLED). */
const TSQF_THROTTLED = 1;
/** IPv4 header length (Linux: icsk_af_ops->net_header_len). */
const NET_HEADER_LEN = 20;

/* ------------------------------------------------------------------ */
/* Small helpers of include/net/tcp.h                                  */

/** Linux: tcp_in_cwnd_reduction(). */
function tcpInCwndReduction(tp: TcpSock): boolean {
  return ((TCPF_CA_CWR | TCPF_CA_Recovery) & (1 << tp.icskCaState)) !== 0;
}

/** Linux: tcp_acceptable_seq(): snd_nxt, or the window's edge if the peer shrank it. */
export function tcpAcceptableSeq(tp: TcpSock): number {
  const end = tcpWndEnd(tp);
  return !before(end, tp.sndNxt) ? tp.sndNxt : end;
}

/** Linux: tcp_init_nondata_skb(): control bits of an skb without data; SYN/FIN take a sequence number. */
export function tcpInitNondataSkb(skb: SkBuff, seq: number, flags: number): void {
  skb.ipSummed = CHECKSUM_PARTIAL;
  let tcb = skb.cb as TcpSkbCb | null;
  if (!(tcb instanceof TcpSkbCb)) {
    tcb = new TcpSkbCb();
    skb.cb = tcb;
  }
  tcb.tcpFlags = flags;
  tcb.sacked = 0;
  tcb.pcount = 1;
  tcb.seq = seq >>> 0;
  if (flags & (TCPHDR_SYN | TCPHDR_FIN)) seq++;
  tcb.endSeq = seq >>> 0;
}

/** An skb with MAX_TCP_HEADER headroom and no data (Linux: alloc_skb(MAX_TCP_HEADER) + skb_reserve). */
export function tcpAllocHeaderSkb(): SkBuff {
  const skb = allocSkb(MAX_TCP_HEADER);
  skbReserve(skb, MAX_TCP_HEADER);
  return skb;
}

/** Linux: tcp_set_skb_tso_segs(): how many MSS-sized segments the skb counts as. */
export function tcpSetSkbTsoSegs(skb: SkBuff, mssNow: number): number {
  const tcb = TCP_SKB_CB(skb);
  const len = skb.tail - skb.data;
  const segs = len <= mssNow ? 1 : Math.ceil(len / mssNow);
  tcb.pcount = segs;
  return segs;
}

/** Linux: tcp_adjust_pcount(): an skb's segment count changed by -decr; fix the counters. */
export function tcpAdjustPcount(tp: TcpSock, skb: SkBuff, decr: number): void {
  const sacked = TCP_SKB_CB(skb).sacked;
  tp.packetsOut -= decr;
  if (sacked & TCPCB_SACKED_ACKED) tp.sackedOut -= decr;
  if (sacked & TCPCB_SACKED_RETRANS) tp.retransOut -= decr;
  if (sacked & TCPCB_LOST) tp.lostOut -= decr;
  // Reno case is special. Sigh...
  if (tcpIsReno(tp) && decr > 0) tp.sackedOut -= Math.min(tp.sackedOut, decr);
}

/* ------------------------------------------------------------------ */
/* Chronographs (Linux: tcp_chrono_start/stop)                         */

function tcpChronoSet(tp: TcpSock, newType: number): void {
  const now = tcpJiffies32(tp.net.kernel);
  if (tp.chronoType > TCP_CHRONO_UNSPEC) tp.chronoStat[tp.chronoType - 1]! += (now - tp.chronoStart) >>> 0;
  tp.chronoStart = now;
  tp.chronoType = newType;
}

/** Linux: tcp_chrono_start(). */
export function tcpChronoStart(tp: TcpSock, type: number): void {
  if (type > tp.chronoType) tcpChronoSet(tp, type);
}

/** Linux: tcp_chrono_stop(). */
export function tcpChronoStop(tp: TcpSock, type: number): void {
  if (tcpRtxAndWriteQueuesEmpty(tp)) tcpChronoSet(tp, TCP_CHRONO_UNSPEC);
  else if (type === tp.chronoType) tcpChronoSet(tp, TCP_CHRONO_BUSY);
}

/* ------------------------------------------------------------------ */
/* Events after sending                                                */

/**
 * Linux: tcp_wfree() without the small-queue tasklet: the clone of a sent segment is
 * freed (or orphaned by the device); uncharge it. A sender corked by autocorking
 * (TSQ_THROTTLED) is pushed from a timer due now, as Linux's TSQ handler does after
 * TX completion (never from inside the transmit path itself).
 */
function tcpWfree(skb: SkBuff): void {
  const sk = skb.sk as TcpSock | null;
  if (sk === null) return; // orphaned without running the destructor
  sk.wmemAlloc -= skb.truesize;
  if ((sk.tsqFlags & TSQF_THROTTLED) !== 0) {
    sk.tsqFlags &= ~TSQF_THROTTLED;
    const k = sk.net.kernel;
    k.modTimer(tcpTsqTimer(sk), k.clock.now());
  }
}

function tcpTsqTimer(sk: TcpSock): TimerList {
  let t = sk.tsqTimer;
  if (t === null) {
    t = new TimerList(tcpTsqHandler);
    (t as TimerWithSock).sk = sk;
    sk.tsqTimer = t;
  }
  return t;
}

/**
 * Linux: skb_still_in_host_queue(): the clone of the previous transmission of `skb` is
 * still charged to the socket (sitting in a qdisc, not yet handed to the device); a
 * retransmission now would be spurious (TCPSpuriousRtxHostQueues).
 */
export function skbStillInHostQueue(sk: TcpSock, skb: SkBuff): boolean {
  const c = TCP_SKB_CB(skb).txClone;
  if (c === null || c.destructor !== tcpWfree || c.sk !== sk) return false;
  ipv4Net(sk.net).mib.net[LINUX_MIB_TCPSPURIOUSRTXHOSTQUEUES]!++;
  return true;
}

/** Linux: tcp_tsq_handler() / tcp_tsq_write(). */
function tcpTsqHandler(t: TimerList): void {
  const sk = (t as TimerWithSock).sk;
  if (((1 << sk.state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT | (1 << 4) | (1 << 11) | (1 << 9))) === 0) return;
  tcpMstampRefresh(sk);
  tcpWriteXmit(sk, tcpCurrentMss(sk), sk.nonagle, 0);
}

/** Linux: tcp_event_data_sent(): congestion state after sending data. */
function tcpEventDataSent(tp: TcpSock): void {
  const now = tcpJiffies32(tp.net.kernel);
  if (tcpPacketsInFlight(tp) === 0) tcpCaEvent(tp, CA_EVENT_TX_START);
  tp.lsndtime = now;
  // If it is a reply for ato after last received packet, increase pingpong count.
  if (((now - tp.icskAckLrcvtime) >>> 0) < tp.icskAckAto && tp.icskAckPingpong < 255) tp.icskAckPingpong++;
}

/** Linux: tcp_dec_quickack_mode(). */
function tcpDecQuickackMode(sk: TcpSock): void {
  if (sk.icskAckQuick) {
    // How many ACKs S/ACKing new data have we sent?
    const pkts = inetCskAckScheduled(sk) ? 1 : 0;
    if (pkts >= sk.icskAckQuick) {
      sk.icskAckQuick = 0;
      // Leaving quickack mode we deflate ATO.
      sk.icskAckAto = TCP_ATO_MIN;
    } else {
      sk.icskAckQuick -= pkts;
    }
  }
}

/** Linux: tcp_event_ack_sent(): an ACK went out; the delayed ACK is no longer needed. */
function tcpEventAckSent(sk: TcpSock, rcvNxt: number): void {
  if (sk.compressedAck !== 0) {
    ipv4Net(sk.net).mib.net[LINUX_MIB_TCPACKCOMPRESSED]! += sk.compressedAck;
    sk.compressedAck = 0;
    if (sk.compressedAckTimer !== null) sk.net.kernel.delTimer(sk.compressedAckTimer);
  }
  if (rcvNxt !== sk.rcvNxt) return; // Special ACK sent by DCTCP to reflect ECN
  tcpDecQuickackMode(sk);
  inetCskClearXmitTimer(sk, ICSK_TIME_DACK);
}

/* ------------------------------------------------------------------ */
/* Checksum and transmit                                               */

/**
 * Linux: __tcp_v4_send_check() + validate_xmit_skb()'s software fallback: when the
 * route's device can checksum (NETIF_F_HW_CSUM/IP_CSUM: lo, veth) the header carries
 * the pseudo-header sum and the skb is CHECKSUM_PARTIAL (receivers on lo/veth trust it;
 * dev.ts finishes it for devices that cannot); otherwise the full checksum is computed
 * here in software.
 */
export function tcpV4SendCheck(skb: SkBuff, saddr: number, daddr: number): void {
  const buf = skb.buf;
  const off = skb.transportHeader;
  const len = skb.tail - off;
  buf[off + 16] = 0;
  buf[off + 17] = 0;
  let dst = skb.dst;
  if (dst === null) {
    const sk = skb.sk as TcpSock | null;
    if (sk !== null) dst = sk.dstCache;
  }
  const dev = dst !== null ? dst.dev : null;
  if (dev !== null && (dev.features & (NETIF_F_HW_CSUM | NETIF_F_IP_CSUM)) !== 0) {
    skb.ipSummed = CHECKSUM_PARTIAL;
    skb.csumStart = off;
    skb.csumOffset = 16;
    // ~csum_tcpudp_magic(): the folded pseudo-header sum, not complemented.
    writeU16(buf, off + 16, ~csumFold(csumTcpudpNofold(saddr, daddr, len, IPPROTO_TCP, 0)) & 0xffff);
  } else {
    skb.ipSummed = CHECKSUM_NONE;
    writeU16(buf, off + 16, csumTcpudpMagic(saddr, daddr, len, IPPROTO_TCP, csumPartial(buf, off, len)));
  }
}

/**
 * Linux: pskb_copy() for a payload-only skb: a private copy of the payload with
 * MAX_TCP_HEADER of fresh headroom, for a transmission whose data area is shared (an
 * earlier clone still in flight or queued at the receiver, or a split part): the
 * headers must not be written into shared memory.
 */
function tcpPskbCopy(oskb: SkBuff): SkBuff {
  const len = oskb.tail - oskb.data;
  const n = allocSkb(MAX_TCP_HEADER + len);
  skbReserve(n, MAX_TCP_HEADER);
  // A view constructor is much cheaper than subarray() on a large buffer in V8.
  const src = oskb.buf;
  n.buf.set(new Uint8Array(src.buffer, src.byteOffset + oskb.data, len), n.data);
  n.tail = n.data + len;
  n.ipSummed = oskb.ipSummed;
  n.priority = oskb.priority;
  n.mark = oskb.mark;
  return n;
}

/** The socket's flow for ipQueueXmit (Linux: inet->cork.fl), kept in step with the addresses. */
export function tcpFlow(sk: TcpSock): Flowi4 {
  let fl4 = sk.corkFl4 as Flowi4 | null;
  if (fl4 === null) {
    fl4 = new Flowi4();
    fl4.proto = IPPROTO_TCP;
    sk.corkFl4 = fl4;
  }
  if (fl4.daddr !== sk.inetDaddr || fl4.saddr !== sk.inetSaddr) {
    fl4.daddr = sk.inetDaddr;
    fl4.saddr = sk.inetSaddr;
    fl4.dport = sk.inetDport;
    fl4.sport = sk.inetSport;
  }
  return fl4;
}

/**
 * Linux: __tcp_transmit_skb(). Sends `oskb` (a clone of it when `cloneIt`, the skb itself
 * otherwise: pure ACKs, RSTs, probes) with a TCP header: options as Linux lays them out,
 * the window from tcp_select_window (unscaled in SYNs), ECN bits, checksum. Counts
 * OutSegs for new data and control segments (retransmissions count RetransSegs instead).
 * Returns 0 or an error (then nothing was sent and a clone was freed).
 */
export function tcpTransmitSkb(sk: TcpSock, oskb: SkBuff, cloneIt: boolean, rcvNxt = sk.rcvNxt, gsoSize = 0): number {
  const tp = sk;
  const tcb = TCP_SKB_CB(oskb);
  tcpMstampRefresh(tp);
  // skb_set_delivery_time(): the send time of this transmission (tcp_wstamp_ns).
  tcb.txMstamp = tp.tcpMstamp;
  if (tp.tcpMstamp > tp.tcpWstampUs) tp.tcpWstampUs = tp.tcpMstamp;
  let skb = oskb;
  if (cloneIt) {
    if (skbCloned(oskb)) {
      skb = tcpPskbCopy(oskb);
    } else {
      skb = skbClone(oskb);
      tcb.txClone = skb;
    }
  }

  const flagsIn = tcb.tcpFlags;
  const tsval = (Math.floor(tp.tcpMstamp / 1000) + tp.tsoffset) >>> 0;
  let synOpts: TcpOutOptions | null = null;
  let optSize: number;
  let numSacks = 0;
  if (flagsIn & TCPHDR_SYN) {
    synOpts = new TcpOutOptions();
    optSize = tcpSynOptions(tp, tsval, synOpts);
  } else {
    optSize = tp.rxOpt.tstampOk ? TCPOLEN_TSTAMP_ALIGNED : 0;
    numSacks = tcpEstablishedSackBlocks(tp, optSize);
    if (numSacks !== 0) optSize += TCPOLEN_SACK_BASE_ALIGNED + numSacks * TCPOLEN_SACK_PERBLOCK;
  }
  const hlen = optSize + 20;
  skbPush(skb, hlen);
  skb.transportHeader = skb.data;
  // skb_orphan() + ownership: the clone is charged to the socket until freed (TSQ).
  skb.sk = sk;
  skb.destructor = tcpWfree;
  sk.wmemAlloc += skb.truesize;

  const buf = skb.buf;
  const th = skb.data;
  writeU16(buf, th, sk.inetSport);
  writeU16(buf, th + 2, sk.inetDport);
  writeU32(buf, th + 4, tcb.seq);
  writeU32(buf, th + 8, rcvNxt);
  let flags = flagsIn;
  buf[th + 16] = 0;
  buf[th + 17] = 0;
  buf[th + 18] = 0;
  buf[th + 19] = 0;
  // The urg_mode check is necessary during a below snd_una win probe.
  if (tcpUrgMode(tp) && before(tcb.seq, tp.sndUp)) {
    if (before(tp.sndUp, (tcb.seq + 0x10000) >>> 0)) {
      writeU16(buf, th + 18, (tp.sndUp - tcb.seq) & 0xffff);
      flags |= TCPHDR_URG;
    } else if (after((tcb.seq + 0xffff) >>> 0, tp.sndNxt)) {
      writeU16(buf, th + 18, 0xffff);
      flags |= TCPHDR_URG;
    }
  }
  if ((flagsIn & TCPHDR_SYN) === 0) {
    writeU16(buf, th + 14, tcpSelectWindow(sk));
    skb.cb = tcb;
    flags |= tcpEcnSend(sk, skb, hlen);
  } else {
    // RFC 1323: the window in SYN & SYN/ACK segments is never scaled.
    writeU16(buf, th + 14, tp.rcvWnd < 65535 ? tp.rcvWnd : 65535);
  }
  buf[th + 12] = (hlen >> 2) << 4;
  buf[th + 13] = flags & 0xff;
  if (synOpts !== null) tcpOptionsWrite(buf, th + 20, synOpts);
  else if (optSize !== 0) tcpOptionsWriteEstablished(tp, buf, th + 20, tsval, numSacks);

  tcpV4SendCheck(skb, sk.inetSaddr, sk.inetDaddr);
  if (gsoSize !== 0) {
    // A TSO packet (tcp_output_tso.ts): the device or software GSO cuts it into MSS segments.
    skb.gsoSegs = tcb.pcount;
    skb.gsoSize = gsoSize;
    skb.gsoType = SKB_GSO_TCPV4 | ((flags & TCPHDR_CWR) !== 0 ? SKB_GSO_TCP_ECN : 0);
  }

  if (flags & TCPHDR_ACK) tcpEventAckSent(sk, rcvNxt);
  const pcount = tcb.pcount;
  if (skb.tail - skb.data !== hlen) {
    tcpEventDataSent(tp);
    tp.dataSegsOut += pcount;
    tp.bytesSent += skb.tail - skb.data - hlen;
  }
  if (after(tcb.endSeq, tp.sndNxt) || tcb.seq === tcb.endSeq) ipv4Net(sk.net).mib.tcp[TCP_MIB_OUTSEGS]! += pcount;
  tp.segsOut += pcount;
  // Cleanup our debris for IP stacks.
  skb.cb = null;
  let err = ipQueueXmit(sk, skb, tcpFlow(sk));
  if (err > 0) {
    tcpEnterCwr(sk);
    err = err === NET_XMIT_CN ? 0 : err;
  }
  if (err === 0 && cloneIt) tcpRateSkbSent(sk, oskb);
  return err;
}

/* ------------------------------------------------------------------ */
/* MSS                                                                 */

/** Linux: __tcp_mtu_to_mss(): MSS without TCP options for a path MTU. */
function __tcpMtuToMss(sk: TcpSock, pmtu: number): number {
  // Calculate base mss without TCP options: it is MMS_S - sizeof(tcphdr) of rfc1122.
  let mssNow = pmtu - NET_HEADER_LEN - 20;
  // Clamp it (mss_clamp does not include tcp options).
  if (mssNow > sk.rxOpt.mssClamp) mssNow = sk.rxOpt.mssClamp;
  // Now subtract optional transport overhead.
  mssNow -= sk.icskExtHdrLen;
  // Then reserve room for full set of TCP options and 8 bytes of data.
  return Math.max(mssNow, ipv4Net(sk.net).sysctl.tcpMinSndMss);
}

/** Linux: tcp_mtu_to_mss(): less the usual options (not SACK). */
export function tcpMtuToMss(sk: TcpSock, pmtu: number): number {
  return __tcpMtuToMss(sk, pmtu) - (sk.tcpHeaderLen - 20);
}

/** Linux: tcp_mss_to_mtu(). */
export function tcpMssToMtu(sk: TcpSock, mss: number): number {
  return mss + sk.tcpHeaderLen + sk.icskExtHdrLen + NET_HEADER_LEN;
}

/** Linux: tcp_mtup_init(): MTU probing state (net.ipv4.tcp_mtu_probing > 1 enables it). */
export function tcpMtupInit(sk: TcpSock): void {
  const s = ipv4Net(sk.net).sysctl;
  sk.icskMtupEnabled = s.tcpMtuProbing > 1;
  sk.icskMtupSearchHigh = sk.rxOpt.mssClamp + 20 + NET_HEADER_LEN;
  sk.icskMtupSearchLow = tcpMssToMtu(sk, s.tcpBaseMss);
  sk.icskMtupProbeSize = 0;
  if (sk.icskMtupEnabled) sk.icskMtupProbeTimestamp = tcpJiffies32(sk.net.kernel);
}

/** Linux: tcp_bound_to_half_wnd(): no segment bigger than half the peer's largest window. */
function tcpBoundToHalfWnd(tp: TcpSock, pktsize: number): number {
  const cutoff = tp.maxWindow > TCP_MSS_DEFAULT ? tp.maxWindow >>> 1 : tp.maxWindow;
  if (cutoff && pktsize > cutoff) return Math.max(cutoff, 68 - tp.tcpHeaderLen);
  return pktsize;
}

/**
 * Linux: tcp_sync_mss(): recompute mss_cache for a new path MTU (the route MTU, the
 * peer's MSS clamp, TCP_MAXSEG, tcp_min_snd_mss, half the peer's window) and remember
 * the MTU (icsk_pmtu_cookie).
 */
export function tcpSyncMss(sk: TcpSock, pmtu: number): number {
  if (sk.icskMtupSearchHigh > pmtu) sk.icskMtupSearchHigh = pmtu;
  let mssNow = tcpMtuToMss(sk, pmtu);
  mssNow = tcpBoundToHalfWnd(sk, mssNow);
  sk.icskPmtuCookie = pmtu;
  if (sk.icskMtupEnabled) mssNow = Math.min(mssNow, tcpMtuToMss(sk, sk.icskMtupSearchLow));
  sk.mssCache = mssNow;
  return mssNow;
}

/**
 * Linux: tcp_current_mss(): the MSS for the next data segment: resynced when the route's
 * MTU changed, less the option bytes this segment needs beyond the usual (SACK blocks).
 */
export function tcpCurrentMss(sk: TcpSock): number {
  let mssNow = sk.mssCache;
  const dst = sk.dstCache;
  if (dst !== null) {
    const mtu = dst.mtu();
    if (mtu !== sk.icskPmtuCookie) mssNow = tcpSyncMss(sk, mtu);
  }
  const headerLen = tcpEstablishedOptionsSize(sk) + 20;
  if (headerLen !== sk.tcpHeaderLen) mssNow -= headerLen - sk.tcpHeaderLen;
  return mssNow;
}

/* ------------------------------------------------------------------ */
/* Queues, fragmenting                                                 */

/** Link `buff` after `skb` in the queue that holds `skb` (Linux: tcp_insert_write_queue_after / rbtree insert). */
function tcpQueueInsertAfter(tp: TcpSock, skb: SkBuff, buff: SkBuff, tcpQueue: number): void {
  const q = tcpQueue === TCP_FRAG_IN_RTX_QUEUE ? tp.rtxQueue : tp.writeQueue;
  buff.next = skb.next;
  skb.next = buff;
  if (q.tail === skb) q.tail = buff;
  q.qlen++;
  q.bytes += buff.tail - buff.data;
}

/**
 * Linux: tcp_fragment(): split `skb` after `len` bytes; the tail goes into a new skb
 * linked right after it (PSH and FIN move to the second part; the scoreboard bits and
 * send-time state are copied). A sent skb's split adjusts packets_out and friends.
 * `tcpQueue` defaults to the queue the sequence number says the skb is in.
 */
export function tcpFragment(sk: TcpSock, skb: SkBuff, len: number, mssNow: number, tcpQueue = -1): number {
  const tp = sk;
  const skbLen = skb.tail - skb.data;
  if (len > skbLen || len <= 0) return -22;
  const tcb = TCP_SKB_CB(skb);
  if (tcpQueue < 0) tcpQueue = before(tcb.seq, tp.sndNxt) ? TCP_FRAG_IN_RTX_QUEUE : TCP_FRAG_IN_WRITE_QUEUE;
  const nlen = skbLen - len;
  // skb_split() without copying: the second part shares the data area (Linux shares
  // page frags the same way); a transmission of either part then copies only its own
  // payload (see tcpTransmitSkb), and nobody writes into the shared bytes.
  const buff = skbClone(skb);
  buff.data = skb.data + len;
  buff.tail = skb.tail;
  buff.next = null;
  // Truesize moves with the data (Linux: buff->truesize += nlen; skb->truesize -= nlen).
  buff.truesize = SKB_TRUESIZE_OVERHEAD + MAX_TCP_HEADER + nlen;
  skb.truesize -= nlen;
  tp.wmemQueued += buff.truesize - nlen;
  const bcb = new TcpSkbCb();
  buff.cb = bcb;
  // Correct the sequence numbers.
  bcb.seq = (tcb.seq + len) >>> 0;
  bcb.endSeq = tcb.endSeq;
  tcb.endSeq = bcb.seq;
  // PSH and FIN should only be set in the second packet.
  const flags = tcb.tcpFlags;
  tcb.tcpFlags = flags & ~(TCPHDR_FIN | TCPHDR_PSH);
  bcb.tcpFlags = flags;
  bcb.sacked = tcb.sacked;
  bcb.eor = tcb.eor;
  tcb.eor = false;
  // skb_split(): the first part keeps `len` bytes.
  skb.tail = skb.data + len;
  const q = tcpQueue === TCP_FRAG_IN_RTX_QUEUE ? tp.rtxQueue : tp.writeQueue;
  q.bytes -= nlen;
  // Send time and delivery state (tcp_fragment_tstamp, TCP_SKB_CB(buff)->tx).
  bcb.txMstamp = tcb.txMstamp;
  bcb.txDelivered = tcb.txDelivered;
  bcb.txDeliveredCe = tcb.txDeliveredCe;
  bcb.txDeliveredMstamp = tcb.txDeliveredMstamp;
  bcb.txFirstTxMstamp = tcb.txFirstTxMstamp;
  bcb.txIsAppLimited = tcb.txIsAppLimited;
  const oldFactor = tcb.pcount;
  // Fix up tso_factor for both original and new SKB.
  tcpSetSkbTsoSegs(skb, mssNow);
  tcpSetSkbTsoSegs(buff, mssNow);
  // If this packet has been sent out already, we must adjust the various packet counters.
  if (!before(tp.sndNxt, bcb.endSeq)) {
    const diff = oldFactor - tcb.pcount - bcb.pcount;
    if (diff) tcpAdjustPcount(tp, skb, diff);
  }
  tcpQueueInsertAfter(tp, skb, buff, tcpQueue);
  return 0;
}

/**
 * After a TSO packet went out: split it in the retransmit queue into MSS-sized skbs
 * (from its end, so each split leaves `skb` as the front part), as the non-TSO path
 * would have queued them; the rest of this TCP keeps one segment per sent skb.
 */
function tcpTsoSplitSent(sk: TcpSock, skb: SkBuff, mssNow: number): void {
  for (let n = TCP_SKB_CB(skb).pcount - 1; n > 0; n--) {
    if (tcpFragment(sk, skb, n * mssNow, mssNow, TCP_FRAG_IN_RTX_QUEUE) !== 0) break;
  }
}

/**
 * Linux: tcp_event_new_data_sent(): the head of the write queue was sent: advance
 * snd_nxt, move it to the retransmit queue, arm the RTO if it is the first packet out
 * (or a loss probe was pending), count TCPOrigDataSent, wake writers waiting for space.
 */
export function tcpEventNewDataSent(sk: TcpSock, skb: SkBuff): void {
  const tp = sk;
  const priorPackets = tp.packetsOut;
  const tcb = TCP_SKB_CB(skb);
  tp.sndNxt = tcb.endSeq;
  if (tp.writeQueue.head === skb) {
    tp.writeQueue.dequeue();
  } else {
    // Not the head (never in Linux's callers): unlink by walking.
    const q = tp.writeQueue;
    let p = q.head;
    while (p !== null && p.next !== skb) p = p.next;
    if (p !== null) {
      p.next = skb.next;
      if (q.tail === skb) q.tail = p;
      q.qlen--;
      q.bytes -= skb.tail - skb.data;
      skb.next = null;
    }
  }
  tp.rtxQueue.enqueueTail(skb);
  if (tp.highestSack === null) tp.highestSack = skb;
  tp.packetsOut += tcb.pcount;
  if (!priorPackets || sk.icskPending === ICSK_TIME_LOSS_PROBE) tcpRearmRto(sk);
  ipv4Net(sk.net).mib.net[LINUX_MIB_TCPORIGDATASENT]! += tcb.pcount;
  tcpCheckSpace(sk);
}

/* ------------------------------------------------------------------ */
/* cwnd validation (RFC 7661 as Linux)                                 */

/** Linux: tcp_cwnd_application_limited(): decay an unused cwnd after an RTO of idleness. */
function tcpCwndApplicationLimited(sk: TcpSock): void {
  const tp = sk;
  if (sk.icskCaState === TCP_CA_Open && sk.skSocket !== null && !tp.sockNospace) {
    // Limited by application or receiver window.
    const initWin = tcpInitCwnd(tp);
    const winUsed = Math.max(tp.sndCwndUsed, initWin);
    if (winUsed < tp.sndCwnd) {
      tp.sndSsthresh = tcpCurrentSsthresh(sk);
      tp.sndCwnd = (tp.sndCwnd + winUsed) >>> 1;
    }
    tp.sndCwndUsed = 0;
  }
  tp.sndCwndStamp = tcpJiffies32(sk.net.kernel);
}

/**
 * Linux: tcp_cwnd_validate(): track whether the cwnd is fully used (is_cwnd_limited,
 * max_packets_out per window, read by tcp_is_cwnd_limited), and shrink an unused cwnd
 * after an idle RTO when tcp_slow_start_after_idle is set.
 */
export function tcpCwndValidate(sk: TcpSock, isCwndLimited: boolean): void {
  const tp = sk;
  if (!before(tp.sndUna, tp.cwndUsageSeq) || isCwndLimited ||
    (!tp.isCwndLimited && tp.packetsOut > tp.maxPacketsOut)) {
    tp.isCwndLimited = isCwndLimited;
    tp.maxPacketsOut = tp.packetsOut;
    tp.cwndUsageSeq = tp.sndNxt;
  }
  const limited = tp.isCwndLimited || (tcpInSlowStart(tp) && tp.sndCwnd < 2 * tp.maxPacketsOut);
  if (limited) {
    // Network is feed fully.
    tp.sndCwndUsed = 0;
    tp.sndCwndStamp = tcpJiffies32(sk.net.kernel);
  } else {
    // Network starves.
    if (tp.packetsOut > tp.sndCwndUsed) tp.sndCwndUsed = tp.packetsOut;
    if (ipv4Net(sk.net).sysctl.tcpSlowStartAfterIdle &&
      ((tcpJiffies32(sk.net.kernel) - tp.sndCwndStamp) | 0) >= sk.icskRto && !sk.icskCaOps?.congControl) {
      tcpCwndApplicationLimited(sk);
    }
    // Starvation caused by a small send buffer: nothing left to send, writer waiting.
    if (tcpWriteQueueEmpty(tp) && sk.skSocket !== null && tp.sockNospace &&
      ((1 << sk.state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT)) !== 0) {
      tcpChronoStart(tp, TCP_CHRONO_SNDBUF_LIMITED);
    }
  }
}

/* ------------------------------------------------------------------ */
/* The send loop                                                       */

/** Linux: tcp_cwnd_test(): how many segments the congestion window allows now. */
function tcpCwndTest(tp: TcpSock, skb: SkBuff): number {
  const tcb = TCP_SKB_CB(skb);
  // Don't be strict about the congestion window for the final FIN.
  if ((tcb.tcpFlags & TCPHDR_FIN) !== 0 && tcb.pcount === 1) return 1;
  const inFlight = tcpPacketsInFlight(tp);
  const cwnd = tp.sndCwnd;
  if (inFlight >= cwnd) return 0;
  // For better scheduling, ensure we have at least 2 GSO packets in flight.
  const halfcwnd = Math.max(cwnd >>> 1, 1);
  return Math.min(halfcwnd, cwnd - inFlight);
}

/** Linux: tcp_snd_wnd_test(): does the first segment of skb fit in the peer's window? */
export function tcpSndWndTest(tp: TcpSock, skb: SkBuff, curMss: number): boolean {
  const tcb = TCP_SKB_CB(skb);
  let endSeq = tcb.endSeq;
  if (skb.tail - skb.data > curMss) endSeq = (tcb.seq + curMss) >>> 0;
  return !after(endSeq, tcpWndEnd(tp));
}

/**
 * Linux: tcp_write_xmit(): send what the congestion window, the peer's window and
 * Nagle/cork allow from the head of the write queue. `pushOne` 1 sends at most one
 * segment, 2 is a loss probe (sends one even when cwnd is full). Returns true when
 * nothing is in flight, data is queued, and nothing could be sent (the caller arms the
 * zero-window probe timer).
 */
export function tcpWriteXmit(sk: TcpSock, mssNow: number, nonagle: number, pushOne: number): boolean {
  const tp = sk;
  let sentPkts = 0;
  let isRwndLimited = false;
  const deferLimited = { cwnd: false, rwnd: false };
  tcpMstampRefresh(tp);
  let skb: SkBuff | null;
  while ((skb = tp.writeQueue.head) !== null) {
    let cwndQuota = tcpCwndTest(tp, skb);
    if (cwndQuota === 0) {
      if (pushOne === 2) cwndQuota = 1; // Force out a loss probe pkt.
      else break;
    }
    const tsoSegs = tcpSetSkbTsoSegs(skb, mssNow);
    if (!tcpSndWndTest(tp, skb, mssNow)) {
      isRwndLimited = true;
      break;
    }
    let tso = false;
    if (tsoSegs === 1) {
      if (!tcpNagleTest(tp, skb, mssNow, skb === tp.writeQueue.tail ? nonagle : TCP_NAGLE_PUSH)) break;
    } else if (!tcpUrgMode(tp) && tcpSkCanGso(sk)) {
      // TSO: up to tcp_tso_segs() segments at once, or wait for a bigger TSO packet.
      const limit = tcpTsoLimit(sk, skb, mssNow, cwndQuota, nonagle, pushOne, deferLimited);
      if (limit < 0) break;
      if (skb.tail - skb.data > limit && tcpFragment(sk, skb, limit, mssNow, TCP_FRAG_IN_WRITE_QUEUE) !== 0) break;
      tso = TCP_SKB_CB(skb).pcount > 1;
    } else if (tcpFragment(sk, skb, mssNow, mssNow, TCP_FRAG_IN_WRITE_QUEUE) !== 0) {
      // No GSO: a segment larger than the MSS is split to one MSS first.
      break;
    }
    const tcb = TCP_SKB_CB(skb);
    // An empty skb (a writer sleeping in sendmsg): do not send a pure ACK from it.
    if (tcb.endSeq === tcb.seq) break;
    if (tcpTransmitSkb(sk, skb, true, tp.rcvNxt, tso ? mssNow : 0) !== 0) break;
    // Advance the send_head. This one is sent out. This call will increment packets_out.
    tcpEventNewDataSent(sk, skb);
    tcpMinshallUpdate(tp, mssNow, skb);
    sentPkts += tcb.pcount;
    if (tso) tcpTsoSplitSent(sk, skb, mssNow);
    if (pushOne) break;
  }
  if (deferLimited.rwnd) isRwndLimited = true;
  if (isRwndLimited) tcpChronoStart(tp, TCP_CHRONO_RWND_LIMITED);
  else if (tp.chronoType === TCP_CHRONO_RWND_LIMITED) tcpChronoStop(tp, TCP_CHRONO_RWND_LIMITED);
  const isCwndLimited = deferLimited.cwnd || tcpPacketsInFlight(tp) >= tp.sndCwnd;
  if (sentPkts || isCwndLimited) tcpCwndValidate(sk, isCwndLimited);
  if (sentPkts) {
    if (tcpInCwndReduction(tp)) tp.prrOut += sentPkts;
    // Send one loss probe per tail loss episode.
    if (pushOne !== 2) tcpScheduleLossProbe(sk, false);
    return false;
  }
  return !tp.packetsOut && !tcpWriteQueueEmpty(tp);
}

/** Linux: tcp_check_probe_timer(): nothing in flight and no timer: start the persist timer. */
export function tcpCheckProbeTimer(sk: TcpSock): void {
  if (!sk.packetsOut && !sk.icskPending) tcpResetXmitTimer(sk, ICSK_TIME_PROBE0, tcpProbe0Base(sk));
}

/** Linux: __tcp_push_pending_frames(). */
export function __tcpPushPendingFrames(sk: TcpSock, curMss: number, nonagle: number): void {
  // If we are closed, the bytes will have to remain here.
  if (sk.state === TCP_CLOSE) return;
  if (tcpWriteXmit(sk, curMss, nonagle, 0)) tcpCheckProbeTimer(sk);
}

/** Linux: tcp_push_one(): send the first queued (full-sized) segment now. */
export function tcpPushOne(sk: TcpSock, mssNow: number): void {
  if (sk.writeQueue.head === null) return;
  tcpWriteXmit(sk, mssNow, TCP_NAGLE_PUSH, 1);
}

