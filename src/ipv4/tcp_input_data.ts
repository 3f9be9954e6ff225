/**
 * The receive data path (Linux: net/ipv4/tcp_input.c tcp_data_queue(), tcp_queue_rcv(),
 * tcp_try_coalesce(), tcp_ofo_queue(), tcp_data_queue_ofo(), tcp_sack_new_ofo_skb(),
 * tcp_sack_remove(), tcp_sack_maybe_coalesce(), tcp_dsack_set()/tcp_dsack_extend(),
 * tcp_send_dupack(), tcp_try_rmem_schedule(), tcp_prune_queue(), tcp_prune_ofo_queue(),
 * tcp_clamp_window(), tcp_data_ready(); the delayed-ACK engine tcp_measure_rcv_mss(),
 * tcp_incr_quickack(), tcp_enter_quickack_mode(), tcp_in_quickack_mode(), tcp_grow_window(),
 * tcp_event_data_recv(), __tcp_ack_snd_check()/tcp_ack_snd_check() with SACK compression).
 *
 * Queues hold payload-only skbs (skb.data past the TCP header) with their TcpSkbCb.
 *
 * Memory accounting follows Linux byte for byte, for a peer that is a Linux sender: a
 * received segment of `len` payload bytes costs Linux `len + 832` bytes of truesize (the
 * sk_buff and its kmalloc'ed head; the payload sits in page fragments) — measured on Linux
 * 6.18 over veth with skmem r for 100-, 1000- and 1448-byte segments. That truesize is what
 * tcp_measure_rcv_mss turns into the 6.x `scaling_ratio` (1448-byte segments: 162/256) and
 * what tcp_grow_window and the window computations see, so advertised windows are Linux's.
 * Linux coalesces an in-order segment into the tail skb (tcp_try_coalesce: page frags move,
 * TCPRcvCoalesce, only `len` more is charged) until the tail has MAX_SKB_FRAGS (17) frags;
 * tuxnet keeps the skbs apart (no copy) but charges and counts exactly as that coalescing
 * would. sk_forward_alloc (whole pages reserved ahead, which decides whether the header-
 * prediction fast path may take a data segment) is modelled on the receive side as
 * `tp.rcvFwdAlloc` with the same page rounding and reclaim as sk_rmem_schedule /
 * sk_mem_reclaim.
 */
import type { SkBuff } from '../core/skbuff.js';
import { kfreeSkbReason, consumeSkb } from '../core/skbuff.js';
import { skbOrphan, skDataReady, sockFlag, SOCK_DEAD, SOCK_DONE } from '../core/sock.js';
import {
  SKB_DROP_REASON_NOT_SPECIFIED, SKB_DROP_REASON_TCP_ZEROWINDOW, SKB_DROP_REASON_PROTO_MEM,
  SKB_DROP_REASON_TCP_OLD_DATA, SKB_DROP_REASON_TCP_OVERWINDOW, SKB_DROP_REASON_TCP_OFOMERGE,
  SKB_DROP_REASON_TCP_OFO_DROP, SKB_DROP_REASON_TCP_OFO_QUEUE_PRUNE,
} from '../core/drop_reason.js';
import {
  LINUX_MIB_TCPZEROWINDOWDROP, LINUX_MIB_TCPRCVQDROP, LINUX_MIB_DELAYEDACKLOST, LINUX_MIB_TCPOFODROP,
  LINUX_MIB_TCPOFOQUEUE, LINUX_MIB_TCPOFOMERGE, LINUX_MIB_TCPRCVCOALESCE, LINUX_MIB_TCPDSACKOLDSENT,
  LINUX_MIB_TCPDSACKOFOSENT, LINUX_MIB_TCPACKCOMPRESSED, LINUX_MIB_PRUNECALLED, LINUX_MIB_RCVPRUNED,
  LINUX_MIB_OFOPRUNED,
} from '../core/snmp.js';
import { TCPHDR_FIN } from '../wire/tcphdr.js';
import { ARPHRD_NONE } from '../core/netdevice.js';
import { ipv4Net } from './netns_ipv4.js';
import type { TcpSock } from './tcp_sock.js';
import { TCP_SKB_CB, tcpIsSack, tcpReceiveWindow } from './tcp_sock.js';
import { after, before, ICSK_ACK_NOW, ICSK_ACK_NOMEM, TCP_MAX_QUICKACKS, TCP_NUM_SACKS } from './tcp_defs.js';
import { tcpSackReset } from './tcp_input_opts.js';
import { tcpRcvbufGrow, SOCK_RCVBUF_LOCK } from './tcp_input_rtt.js';
import { inetCskScheduleAck } from './tcp_timer.js';
import { tcpSendAck } from './tcp_output.js';
import { tcpFin } from './tcp_input_state.js';
import { tcpEcnCheckCe } from './tcp_ecn.js';
import { tcpMeasureRcvMss, tcpEnterQuickackMode, tcpGrowWindow, tcpEventDataRecv } from './tcp_input_delack.js';
// The contract names these as tcp_input_data exports: re-exported from the delayed-ACK file.
export {
  tcpEnterQuickackMode, tcpEventDataRecv, __tcpAckSndCheck, tcpAckSndCheck, tcpInQuickackMode, tcpMeasureRcvMss,
  tcpGrowWindow, inetCskInPingpongMode,
} from './tcp_input_delack.js';

/** Truesize Linux gives a received segment beyond its payload (see the file comment). */
export const LINUX_RX_SKB_OVERHEAD = 832;
/** Tailroom of that skb's head: a Linux sender's skb_small_head_cache head is all MAX_TCP_HEADER headroom. */
const LINUX_RX_HEAD_TAILROOM = 0;
/** Linux: MAX_SKB_FRAGS (17 with 4 KiB pages). */
const MAX_SKB_FRAGS = 17;
/** Linux: the page_frag chunk tcp_sendmsg fills (32 KiB): payload frags per segment. */
const PAGE_FRAG_SIZE = 32768;
const PAGE_SIZE = 4096;
/** Linux: TCP_SACK_BLOCKS_EXPECTED. */
const TCP_SACK_BLOCKS_EXPECTED = 2;
/** Linux (x86_64): NET_SKB_PAD (tun's align), SKB_DATA_ALIGN(sizeof(struct skb_shared_info)), of sk_buff. */
const LINUX_NET_SKB_PAD = 64;
const LINUX_SHINFO = 320;
const LINUX_SKBUFF = 256;

/** The truesize Linux would have for a received segment of `len` payload bytes (veth from a Linux sender). */
export function tcpLinuxRxTruesize(len: number): number {
  return len + LINUX_RX_SKB_OVERHEAD;
}

/** Linux: the kmalloc cache a `size`-byte allocation lands in (kmalloc-96/192, powers of two). */
function kmallocSize(size: number): number {
  if (size <= 96 && size > 64) return 96;
  if (size <= 192 && size > 128) return 192;
  let k = 8;
  while (k < size) k *= 2;
  return k;
}

/**
 * The truesize (and linear tailroom) Linux's skb for this received segment has, noted in its
 * TcpSkbCb and in skb.truesize (nothing is charged yet). A tun device (ARPHRD_NONE: the
 * packetdrill injection path) builds a linear skb: kmalloc(SKB_DATA_ALIGN(NET_SKB_PAD +
 * packet) + shinfo); anything else is modelled as a Linux sender's segment over veth
 * (payload in page frags, len + 832). Idempotent; call before the header is pulled.
 */
export function tcpRxSetTruesize(skb: SkBuff): void {
  const cb = TCP_SKB_CB(skb);
  if (cb.rxTruesize !== 0) {
    skb.truesize = cb.rxTruesize;
    return;
  }
  const th = skb.transportHeader;
  const payload = Math.max(0, skb.tail - th - (skb.buf[th + 12]! >> 4) * 4);
  const dev = skb.dev;
  if (dev !== null && dev.type === ARPHRD_NONE && skb.networkHeader >= 0) {
    const total = skb.tail - skb.networkHeader;
    const k = kmallocSize(((LINUX_NET_SKB_PAD + total + 63) & ~63) + LINUX_SHINFO);
    cb.rxTruesize = k + LINUX_SKBUFF;
    cb.rxLinearRoom = Math.max(0, k - LINUX_SHINFO - LINUX_NET_SKB_PAD - total);
  } else {
    cb.rxTruesize = payload + LINUX_RX_SKB_OVERHEAD;
    cb.rxLinearRoom = -1;
  }
  skb.truesize = cb.rxTruesize;
}

/** truesize_adjust(): with the payload in page frags, only the payload counts. */
export function tcpRxTruesizeAdjusted(skb: SkBuff, adjust: boolean): number {
  const cb = TCP_SKB_CB(skb);
  return adjust && cb.rxLinearRoom < 0 ? skb.len : cb.rxTruesize || tcpLinuxRxTruesize(skb.len);
}

function rxFrags(len: number): number {
  return len <= PAGE_FRAG_SIZE ? 1 : Math.ceil(len / PAGE_FRAG_SIZE);
}

function mib(sk: TcpSock): Float64Array {
  return ipv4Net(sk.net).mib.net;
}

/* ---- receive memory (sk_rmem_schedule, skb_set_owner_r, sk_mem_reclaim) ---- */

/** Destructor of queued receive skbs: uncharge and reclaim whole pages (Linux: sock_rfree + sk_mem_uncharge). */
function tcpRfree(skb: SkBuff): void {
  const sk = skb.sk as TcpSock;
  sk.rmemAlloc -= skb.truesize;
  sk.rcvFwdAlloc += skb.truesize;
  if (sk.rcvFwdAlloc >= PAGE_SIZE) sk.rcvFwdAlloc -= Math.floor(sk.rcvFwdAlloc / PAGE_SIZE) * PAGE_SIZE;
}

/** Linux: skb_set_owner_r() + sk_mem_charge(), charging `charge` bytes (the Linux truesize or coalesce delta). */
function tcpSkbSetOwnerR(sk: TcpSock, skb: SkBuff, charge: number): void {
  skbOrphan(skb);
  skb.sk = sk;
  skb.truesize = charge;
  skb.destructor = tcpRfree;
  sk.rmemAlloc += charge;
  sk.rcvFwdAlloc -= charge;
}

/** Change the charge of a queued skb (Linux: the coalesce delta and the freed head of the merged skb). */
function tcpRecharge(sk: TcpSock, skb: SkBuff, charge: number): void {
  const d = skb.truesize - charge;
  sk.rmemAlloc -= d;
  sk.rcvFwdAlloc += d;
  skb.truesize = charge;
  if (sk.rcvFwdAlloc >= PAGE_SIZE) sk.rcvFwdAlloc -= Math.floor(sk.rcvFwdAlloc / PAGE_SIZE) * PAGE_SIZE;
}

/** Linux: sk_rmem_schedule(): reserve whole pages ahead (no global TCP memory limits in tuxnet). */
function skRmemSchedule(sk: TcpSock, size: number): boolean {
  const delta = size - sk.rcvFwdAlloc;
  if (delta > 0) sk.rcvFwdAlloc += Math.ceil(delta / PAGE_SIZE) * PAGE_SIZE;
  return true;
}

/** Linux: tcp_can_ingest() (6.17+): the payload fits in sk_rcvbuf. */
function tcpCanIngest(sk: TcpSock, skb: SkBuff): boolean {
  return sk.rmemAlloc + skb.len <= sk.rcvbuf;
}

/** Linux: tcp_drop_reason(): sk_drops + kfree_skb_reason. */
export function tcpDropReason(sk: TcpSock, skb: SkBuff, reason: number): void {
  sk.drops++;
  kfreeSkbReason(skb, reason);
}

/** Linux: tcp_clamp_window(): the buffer is full: grow it if allowed, else shrink rcv_ssthresh. */
function tcpClampWindow(sk: TcpSock): void {
  const rmem2 = ipv4Net(sk.net).sysctl.tcpRmem[2]!;
  sk.icskAckQuick = 0;
  if (sk.rcvbuf < rmem2 && !(sk.userlocks & SOCK_RCVBUF_LOCK)) sk.rcvbuf = Math.min(sk.rmemAlloc, rmem2);
  if (sk.rmemAlloc > sk.rcvbuf) sk.rcvSsthresh = Math.min(sk.windowClamp, 2 * sk.advmss);
}

/* ---- SACK and D-SACK blocks we send ---- */

/** Linux: tcp_sack_extend(). */
function tcpSackExtend(sp: { startSeq: number; endSeq: number }, seq: number, endSeq: number): boolean {
  if (!after(seq, sp.endSeq) && !after(sp.startSeq, endSeq)) {
    if (before(seq, sp.startSeq)) sp.startSeq = seq;
    if (after(endSeq, sp.endSeq)) sp.endSeq = endSeq;
    return true;
  }
  return false;
}

/** Linux: tcp_dsack_set(): report [seq, endSeq) as a duplicate (RFC 2883), when SACK and tcp_dsack. */
export function tcpDsackSet(sk: TcpSock, seq: number, endSeq: number): void {
  if (tcpIsSack(sk) && ipv4Net(sk.net).sysctl.tcpDsack) {
    mib(sk)[before(seq, sk.rcvNxt) ? LINUX_MIB_TCPDSACKOLDSENT : LINUX_MIB_TCPDSACKOFOSENT]++;
    sk.rxOpt.dsack = true;
    sk.duplicateSack[0]!.startSeq = seq >>> 0;
    sk.duplicateSack[0]!.endSeq = endSeq >>> 0;
  }
}

/** Linux: tcp_dsack_extend(). */
export function tcpDsackExtend(sk: TcpSock, seq: number, endSeq: number): void {
  if (!sk.rxOpt.dsack) tcpDsackSet(sk, seq, endSeq);
  else tcpSackExtend(sk.duplicateSack[0]!, seq, endSeq);
}

/**
 * Linux: tcp_send_dupack(): an old or out-of-window segment: ACK now; for duplicate data
 * (DelayedACKLost) enter quick-ACK mode and report a D-SACK.
 */
export function tcpSendDupack(sk: TcpSock, skb: SkBuff): void {
  const cb = TCP_SKB_CB(skb);
  if (cb.endSeq !== cb.seq && before(cb.seq, sk.rcvNxt)) {
    mib(sk)[LINUX_MIB_DELAYEDACKLOST]++;
    tcpEnterQuickackMode(sk, TCP_MAX_QUICKACKS);
    if (tcpIsSack(sk) && ipv4Net(sk.net).sysctl.tcpDsack) {
      let endSeq = cb.endSeq;
      if (after(cb.endSeq, sk.rcvNxt)) endSeq = sk.rcvNxt;
      tcpDsackSet(sk, cb.seq, endSeq);
    }
  }
  tcpSendAck(sk);
}

/** Linux: tcp_sack_maybe_coalesce(): the first block grew; swallow blocks it now covers. */
function tcpSackMaybeCoalesce(tp: TcpSock): void {
  const sp = tp.selectiveAcks;
  let thisSack = 1;
  while (thisSack < tp.rxOpt.numSacks) {
    const swalk = sp[thisSack]!;
    if (tcpSackExtend(sp[0]!, swalk.startSeq, swalk.endSeq)) {
      // Zap swalk by moving every further block up one slot.
      tp.rxOpt.numSacks--;
      for (let i = thisSack; i < tp.rxOpt.numSacks; i++) {
        sp[i]!.startSeq = sp[i + 1]!.startSeq;
        sp[i]!.endSeq = sp[i + 1]!.endSeq;
      }
      continue;
    }
    thisSack++;
  }
}

/** Linux: tcp_sack_compress_send_ack(): flush compressed ACKs before the SACK blocks change much. */
export function tcpSackCompressSendAck(sk: TcpSock): void {
  if (!sk.compressedAck) return;
  if (sk.compressedAckTimer !== null) sk.net.kernel.delTimer(sk.compressedAckTimer);
  // One ACK goes out now: count compressed_ack - 1 to keep TCPAckCompressed accurate.
  mib(sk)[LINUX_MIB_TCPACKCOMPRESSED] += sk.compressedAck - 1;
  sk.compressedAck = 0;
  tcpSendAck(sk);
}

/**
 * Linux: tcp_sack_new_ofo_skb(): the newest out-of-order range goes first (RFC 2018:
 * the first block MUST report the most recent segment); extend a block it touches, else
 * push a new one, forgetting the oldest when all TCP_NUM_SACKS are used.
 */
export function tcpSackNewOfoSkb(sk: TcpSock, seq: number, endSeq: number): void {
  const sp = sk.selectiveAcks;
  const curSacks = sk.rxOpt.numSacks;
  let thisSack = 0;
  if (curSacks) {
    for (; thisSack < curSacks; thisSack++) {
      if (tcpSackExtend(sp[thisSack]!, seq, endSeq)) {
        if (thisSack >= TCP_SACK_BLOCKS_EXPECTED) tcpSackCompressSendAck(sk);
        // Rotate this block to the first slot.
        for (; thisSack > 0; thisSack--) {
          const t = sp[thisSack]!;
          sp[thisSack] = sp[thisSack - 1]!;
          sp[thisSack - 1] = t;
        }
        if (curSacks > 1) tcpSackMaybeCoalesce(sk);
        return;
      }
    }
    if (thisSack >= TCP_SACK_BLOCKS_EXPECTED) tcpSackCompressSendAck(sk);
    // No adjacent block: build a new one in front, shift the others down (drop the last if full).
    if (thisSack >= TCP_NUM_SACKS) {
      thisSack--;
      sk.rxOpt.numSacks--;
    }
    const spare = sp[thisSack]!;
    for (; thisSack > 0; thisSack--) sp[thisSack] = sp[thisSack - 1]!;
    sp[0] = spare;
  }
  sp[0]!.startSeq = seq >>> 0;
  sp[0]!.endSeq = endSeq >>> 0;
  sk.rxOpt.numSacks++;
}

/** Linux: tcp_sack_remove(): rcv_nxt advanced; drop the blocks it covers. */
export function tcpSackRemove(tp: TcpSock): void {
  if (tp.outOfOrderQueue.peek() === null) {
    tp.rxOpt.numSacks = 0;
    return;
  }
  const sp = tp.selectiveAcks;
  let numSacks = tp.rxOpt.numSacks;
  let thisSack = 0;
  while (thisSack < numSacks) {
    if (!before(tp.rcvNxt, sp[thisSack]!.startSeq)) {
      const zapped = sp[thisSack]!;
      for (let i = thisSack + 1; i < numSacks; i++) sp[i - 1] = sp[i]!;
      sp[numSacks - 1] = zapped;
      numSacks--;
      continue;
    }
    thisSack++;
  }
  tp.rxOpt.numSacks = numSacks;
}

/* ---- queues ---- */

/**
 * Linux: tcp_try_coalesce() / skb_try_coalesce(): would Linux merge `from` into the tail
 * skb of the receive queue (`ofo` false) or of the ofo queue? Returns the bytes Linux then
 * charges for `from` (0 when copied into the tail's linear tailroom, its payload when its
 * page frags move over), or -1 when it is queued on its own. A tail whose data the Linux
 * sender still holds (not yet acknowledged by us: a clone) cannot take anything.
 * tuxnet keeps `from` as its own skb either way (see the file comment).
 */
function tcpTryCoalesceCharge(sk: TcpSock, to: SkBuff, from: SkBuff, ofo: boolean): number {
  const fromCb = TCP_SKB_CB(from);
  const toCb = TCP_SKB_CB(to);
  if (fromCb.seq !== toCb.endSeq) return -1;
  if (toCb.rxLinearRoom < 0 && after(toCb.endSeq, sk.rcvWup)) return -1; /* skb_cloned(to) */
  const len = from.len;
  const room = ofo ? sk.ofoTailRoom : sk.rcvqTailRoom;
  let charge: number;
  if (len <= room) {
    if (ofo) sk.ofoTailRoom = room - len;
    else sk.rcvqTailRoom = room - len;
    charge = 0;
  } else {
    // A linear head is kmalloc'ed: it cannot be stolen, only page frags move.
    if (fromCb.rxLinearRoom >= 0) return -1;
    const frags = rxFrags(len);
    const have = ofo ? sk.ofoTailFrags : sk.rcvqTailFrags;
    if (have + frags > MAX_SKB_FRAGS) return -1;
    if (ofo) sk.ofoTailFrags = have + frags;
    else sk.rcvqTailFrags = have + frags;
    charge = len;
  }
  mib(sk)[LINUX_MIB_TCPRCVCOALESCE]++;
  return charge;
}

/** Start a new (virtual) tail skb in the receive or ofo queue. */
function tcpRxNewTail(sk: TcpSock, skb: SkBuff, ofo: boolean): void {
  const cb = TCP_SKB_CB(skb);
  const frags = cb.rxLinearRoom >= 0 ? 0 : rxFrags(skb.len);
  const room = cb.rxLinearRoom >= 0 ? cb.rxLinearRoom : LINUX_RX_HEAD_TAILROOM;
  if (ofo) {
    sk.ofoTailFrags = frags;
    sk.ofoTailRoom = room;
  } else {
    sk.rcvqTailFrags = frags;
    sk.rcvqTailRoom = room;
  }
}

/** Linux: tcp_rcv_nxt_update(). */
export function tcpRcvNxtUpdate(tp: TcpSock, seq: number): void {
  tp.bytesReceived += (seq - tp.rcvNxt) >>> 0;
  tp.rcvNxt = seq >>> 0;
}

/**
 * Linux: tcp_queue_rcv(): append an in-order payload skb to the receive queue (charged as
 * Linux charges it). Returns true when Linux would have coalesced it into the tail.
 */
export function tcpQueueRcv(sk: TcpSock, skb: SkBuff): boolean {
  const tail = sk.receiveQueue.tail;
  const charge = tail !== null ? tcpTryCoalesceCharge(sk, tail, skb, false) : -1;
  tcpRcvNxtUpdate(sk, TCP_SKB_CB(skb).endSeq);
  if (charge < 0) tcpRxNewTail(sk, skb, false);
  skb.dst = null;
  skb.dev = null;
  tcpSkbSetOwnerR(sk, skb, charge >= 0 ? charge : TCP_SKB_CB(skb).rxTruesize);
  sk.receiveQueue.enqueueTail(skb);
  return charge >= 0;
}

/** Linux: tcp_rmem_pressure(). */
function tcpRmemPressure(sk: TcpSock): boolean {
  const rcvbuf = sk.rcvbuf;
  const threshold = rcvbuf - (rcvbuf >> 3);
  return sk.rmemAlloc > threshold;
}

/** Linux: tcp_epollin_ready(). */
export function tcpEpollinReady(sk: TcpSock, target: number): boolean {
  const avail = (sk.rcvNxt - sk.copiedSeq) | 0;
  if (avail <= 0) return false;
  return avail >= target || tcpRmemPressure(sk) || tcpReceiveWindow(sk) <= sk.icskAckRcvMss;
}

/** Linux: tcp_data_ready(): wake the reader once SO_RCVLOWAT bytes are there (or EOF). */
export function tcpDataReady(sk: TcpSock): void {
  if (tcpEpollinReady(sk, sk.rcvlowat) || sockFlag(sk, SOCK_DONE)) skDataReady(sk);
}

/** Linux: __tcp_fast_path_on(): pred_flags = doff<<28 | ACK | window (the header word we predict). */
export function __tcpFastPathOn(tp: TcpSock, sndWnd: number): void {
  tp.predFlags = (((tp.tcpHeaderLen << 26) | (0x10 << 16) | (sndWnd & 0xffff)) >>> 0);
}

/** Linux: tcp_fast_path_on(). */
export function tcpFastPathOn(tp: TcpSock): void {
  __tcpFastPathOn(tp, tp.sndWnd >>> tp.rxOpt.sndWscale);
}

/** Linux: tcp_fast_path_check(): no holes, window open, room, no urgent data. */
export function tcpFastPathCheck(sk: TcpSock): void {
  if (sk.outOfOrderQueue.peek() === null && sk.rcvWnd && sk.rmemAlloc < sk.rcvbuf && !sk.urgData) tcpFastPathOn(sk);
}

/** Remove and return the skb after `prev` (or the head when prev is null) of the ofo queue. */
function ofoUnlinkAfter(sk: TcpSock, prev: SkBuff | null): SkBuff {
  const q = sk.outOfOrderQueue;
  const skb = prev === null ? q.head! : prev.next!;
  if (prev === null) q.head = skb.next;
  else prev.next = skb.next;
  if (q.tail === skb) q.tail = prev;
  skb.next = null;
  q.qlen--;
  q.bytes -= skb.len;
  return skb;
}

/** Insert `skb` after `prev` (head when null) in the ofo queue. */
function ofoInsertAfter(sk: TcpSock, prev: SkBuff | null, skb: SkBuff): void {
  const q = sk.outOfOrderQueue;
  if (prev === null) {
    skb.next = q.head;
    q.head = skb;
  } else {
    skb.next = prev.next;
    prev.next = skb;
  }
  if (skb.next === null) q.tail = skb;
  q.qlen++;
  q.bytes += skb.len;
}

/** Linux: skb_rbtree_purge() of the ofo queue (tcp_fin, tcp_prune). */
export function tcpOfoPurge(sk: TcpSock, reason: number): void {
  let skb: SkBuff | null;
  while ((skb = sk.outOfOrderQueue.dequeue()) !== null) kfreeSkbReason(skb, reason);
  sk.oooLastSkb = null;
}

/**
 * Linux: tcp_ofo_queue(): move what rcv_nxt reached from the out-of-order queue to the
 * receive queue, D-SACKing overlaps, handing a FIN to tcp_fin.
 */
export function tcpOfoQueue(sk: TcpSock): void {
  let dsackHigh = sk.rcvNxt;
  let skb: SkBuff | null;
  while ((skb = sk.outOfOrderQueue.head) !== null) {
    const cb = TCP_SKB_CB(skb);
    if (after(cb.seq, sk.rcvNxt)) break;
    if (before(cb.seq, dsackHigh)) {
      const dsack = dsackHigh;
      if (before(cb.endSeq, dsackHigh)) dsackHigh = cb.endSeq;
      tcpDsackExtend(sk, cb.seq, dsack);
    }
    ofoUnlinkAfter(sk, null);
    if (sk.oooLastSkb === skb) sk.oooLastSkb = null;
    if (!after(cb.endSeq, sk.rcvNxt)) {
      tcpDropReason(sk, skb, SKB_DROP_REASON_TCP_OFO_DROP);
      continue;
    }
    // Trim what rcv_nxt already covers so the receive queue stays contiguous.
    if (before(cb.seq, sk.rcvNxt)) {
      skb.data += (sk.rcvNxt - cb.seq) >>> 0;
      cb.seq = sk.rcvNxt;
    }
    // Already charged in the ofo queue: move the charge to the receive queue as Linux does.
    const tail = sk.receiveQueue.tail;
    const charge = tail !== null ? tcpTryCoalesceCharge(sk, tail, skb, false) : -1;
    tcpRcvNxtUpdate(sk, cb.endSeq);
    if (charge < 0) tcpRxNewTail(sk, skb, false);
    // Coalesced into the tail, Linux frees the skb's head: only what moved stays charged.
    else if (skb.truesize > charge) tcpRecharge(sk, skb, charge);
    sk.receiveQueue.enqueueTail(skb);
    if (cb.tcpFlags & TCPHDR_FIN) {
      // tcp_fin() purges the out-of-order queue: stop here.
      tcpFin(sk);
      break;
    }
  }
}

/** Linux: tcp_try_rmem_schedule(). */
function tcpTryRmemSchedule(sk: TcpSock, skb: SkBuff, size: number): number {
  if (!tcpCanIngest(sk, skb) || !skRmemSchedule(sk, size)) {
    if (tcpPruneQueue(sk, skb) < 0) return -1;
    while (!skRmemSchedule(sk, size)) {
      if (!tcpPruneOfoQueue(sk, skb)) return -1;
    }
  }
  return 0;
}

/**
 * Linux: tcp_data_queue_ofo(): insert an out-of-order segment, dropping or replacing
 * what it duplicates (TCPOFOMerge + D-SACK), coalescing with its predecessor, and update
 * the SACK blocks we send.
 */
function tcpDataQueueOfo(sk: TcpSock, skb: SkBuff): void {
  // Linux 6.17+: rcv_mss and scaling_ratio learn from out-of-order segments too.
  tcpMeasureRcvMss(sk, skb);
  tcpEcnCheckCe(sk, skb);
  const truesize = TCP_SKB_CB(skb).rxTruesize;
  if (tcpTryRmemSchedule(sk, skb, truesize)) {
    mib(sk)[LINUX_MIB_TCPOFODROP]++;
    skDataReady(sk);
    tcpDropReason(sk, skb, SKB_DROP_REASON_PROTO_MEM);
    return;
  }
  // Disable header prediction.
  sk.predFlags = 0;
  inetCskScheduleAck(sk);
  sk.rcvOoopack += 1;
  mib(sk)[LINUX_MIB_TCPOFOQUEUE]++;
  const cb = TCP_SKB_CB(skb);
  const seq = cb.seq;
  const endSeq = cb.endSeq;
  const q = sk.outOfOrderQueue;
  skb.dst = null;
  skb.dev = null;
  let kept: SkBuff | null = skb;
  outer: {
    if (q.head === null) {
      // Initial out-of-order segment: build 1 SACK block.
      if (tcpIsSack(sk)) {
        sk.rxOpt.numSacks = 1;
        sk.selectiveAcks[0]!.startSeq = seq;
        sk.selectiveAcks[0]!.endSeq = endSeq;
      }
      ofoInsertAfter(sk, null, skb);
      sk.oooLastSkb = skb;
      tcpRxNewTail(sk, skb, true);
      tcpFinishOfo(sk, skb, false, truesize);
      return;
    }
    const last = sk.oooLastSkb ?? q.tail!;
    // The typical case: appending to the end of the queue.
    const lastCharge = last === q.tail ? tcpOfoTryCoalesce(sk, last, skb) : -1;
    if (lastCharge >= 0) {
      if (tcpIsSack(sk)) tcpGrowWindow(sk, skb, true);
      tcpSkbSetOwnerR(sk, skb, lastCharge);
      ofoInsertAfter(sk, last, skb);
      sk.oooLastSkb = skb;
      kept = null;
      break outer;
    }
    if (!before(seq, TCP_SKB_CB(last).endSeq) && last === q.tail) {
      ofoInsertAfter(sk, last, skb);
      sk.oooLastSkb = skb;
      tcpRxNewTail(sk, skb, true);
      break outer;
    }
    // Find the place to insert this segment, handling overlaps on the way.
    let prevCharge = -1;
    let prev: SkBuff | null = null;
    let p: SkBuff | null = q.head;
    while (p !== null && !before(seq, TCP_SKB_CB(p).seq)) {
      prev = p;
      p = p.next;
    }
    // prev: last skb with prev.seq <= seq (the skb1 Linux finds on its way right).
    if (prev !== null) {
      const pcb = TCP_SKB_CB(prev);
      if (before(seq, pcb.endSeq)) {
        if (!after(endSeq, pcb.endSeq)) {
          // All the bits are present: drop.
          mib(sk)[LINUX_MIB_TCPOFOMERGE]++;
          tcpDropReason(sk, skb, SKB_DROP_REASON_TCP_OFOMERGE);
          kept = null;
          tcpDsackSet(sk, seq, endSeq);
          break outer;
        }
        if (after(seq, pcb.seq)) {
          // Partial overlap.
          tcpDsackSet(sk, seq, pcb.endSeq);
        } else {
          // Same seq and skb covers prev: replace prev with skb.
          let pp: SkBuff | null = null;
          for (let w: SkBuff | null = q.head; w !== null && w !== prev; w = w.next) pp = w;
          ofoUnlinkAfter(sk, pp);
          tcpDsackExtend(sk, pcb.seq, pcb.endSeq);
          mib(sk)[LINUX_MIB_TCPOFOMERGE]++;
          if (sk.oooLastSkb === prev) sk.oooLastSkb = null;
          tcpDropReason(sk, prev, SKB_DROP_REASON_TCP_OFOMERGE);
          prev = pp;
        }
      } else if ((prevCharge = tcpOfoTryCoalesce(sk, prev, skb)) >= 0) {
        if (tcpIsSack(sk)) tcpGrowWindow(sk, skb, true);
        tcpSkbSetOwnerR(sk, skb, prevCharge);
        ofoInsertAfter(sk, prev, skb);
        if (skb.next === null) sk.oooLastSkb = skb;
        kept = null;
        // Linux's coalesce_done path does not run merge_right.
        break outer;
      }
    }
    ofoInsertAfter(sk, prev, skb);
    // merge_right: remove the following segments skb covers.
    let n: SkBuff | null;
    while ((n = skb.next) !== null) {
      const ncb = TCP_SKB_CB(n);
      if (!after(endSeq, ncb.seq)) break;
      if (before(endSeq, ncb.endSeq)) {
        tcpDsackExtend(sk, ncb.seq, endSeq);
        break;
      }
      ofoUnlinkAfter(sk, skb);
      tcpDsackExtend(sk, ncb.seq, ncb.endSeq);
      mib(sk)[LINUX_MIB_TCPOFOMERGE]++;
      if (sk.oooLastSkb === n) sk.oooLastSkb = null;
      tcpDropReason(sk, n, SKB_DROP_REASON_TCP_OFOMERGE);
    }
    // If there is no skb after us, we are the last skb.
    if (skb.next === null) {
      sk.oooLastSkb = skb;
      tcpRxNewTail(sk, skb, true);
    }
    if (sk.oooLastSkb === null) sk.oooLastSkb = q.tail;
  }
  if (tcpIsSack(sk)) tcpSackNewOfoSkb(sk, seq, endSeq);
  tcpFinishOfo(sk, kept, true, truesize);
}

/** Linux: the end of tcp_data_queue_ofo(): grow the window (SACK flows), charge, grow rcvbuf. */
function tcpFinishOfo(sk: TcpSock, skb: SkBuff | null, _sackDone: boolean, truesize: number): void {
  if (skb !== null) {
    // For non-SACK flows, do not grow the window: force DUPACKs and fast retransmit.
    if (tcpIsSack(sk)) tcpGrowWindow(sk, skb, false);
    tcpSkbSetOwnerR(sk, skb, truesize);
  }
  // Do not grow rcvbuf for not-yet-accepted or orphaned sockets.
  if (sk.wq !== null) tcpRcvbufGrow(sk);
}

/**
 * Coalescing in the ofo queue (Linux: tcp_ooo_try_coalesce): the charge, or -1. Only the
 * tail group's room is tracked; an skb in the middle of the queue is assumed full.
 */
function tcpOfoTryCoalesce(sk: TcpSock, to: SkBuff, from: SkBuff): number {
  if (to !== sk.outOfOrderQueue.tail) return -1;
  return tcpTryCoalesceCharge(sk, to, from, true);
}

/**
 * Linux: tcp_prune_ofo_queue(): drop out-of-order data from the highest sequence down,
 * an eighth of rcvbuf at a time, until the incoming skb fits (OfoPruned, SACK reset).
 */
function tcpPruneOfoQueue(sk: TcpSock, inSkb: SkBuff): boolean {
  const q = sk.outOfOrderQueue;
  if (q.head === null) return false;
  let goal = sk.rcvbuf >> 3;
  let pruned = false;
  const inSeq = TCP_SKB_CB(inSkb).seq;
  while (q.tail !== null) {
    const skb = q.tail;
    // If the incoming skb would land last in the ofo queue, stop pruning.
    if (after(inSeq, TCP_SKB_CB(skb).seq)) break;
    pruned = true;
    let prev: SkBuff | null = null;
    for (let w: SkBuff | null = q.head; w !== null && w !== skb; w = w.next) prev = w;
    ofoUnlinkAfter(sk, prev);
    goal -= skb.truesize;
    tcpDropReason(sk, skb, SKB_DROP_REASON_TCP_OFO_QUEUE_PRUNE);
    sk.oooLastSkb = prev;
    if (prev === null || goal <= 0) {
      if (tcpCanIngest(sk, inSkb)) break;
      goal = sk.rcvbuf >> 3;
    }
  }
  if (pruned) {
    mib(sk)[LINUX_MIB_OFOPRUNED]++;
    // Reset SACK state, as a conforming implementation does at an RTO.
    if (sk.rxOpt.sackOk) tcpSackReset(sk.rxOpt);
  }
  return pruned;
}

/**
 * Linux: tcp_prune_queue(): the buffer is overcommitted. Clamp the window, then (Linux
 * collapses queues here: tuxnet's queued skbs are never bloated beyond Linux's own
 * accounting, so there is nothing to collapse) prune the ofo queue; -1: drop the segment.
 */
function tcpPruneQueue(sk: TcpSock, inSkb: SkBuff): number {
  mib(sk)[LINUX_MIB_PRUNECALLED]++;
  if (sk.rmemAlloc >= sk.rcvbuf) tcpClampWindow(sk);
  if (tcpCanIngest(sk, inSkb)) return 0;
  tcpPruneOfoQueue(sk, inSkb);
  if (tcpCanIngest(sk, inSkb)) return 0;
  // Really abused: silently drop receive data; it will be retransmitted.
  mib(sk)[LINUX_MIB_RCVPRUNED]++;
  // Massive buffer overcommit.
  sk.predFlags = 0;
  return -1;
}

/**
 * Linux: tcp_data_queue(): step 7 of RFC 793 segment processing. `skb.data` is at the TCP
 * header on entry; the header is pulled and the payload queued in order, out of order,
 * or dropped (old data -> D-SACK + immediate ACK, beyond the window, zero window).
 * Consumes the skb.
 */
export function tcpDataQueue(sk: TcpSock, skb: SkBuff): void {
  const cb = TCP_SKB_CB(skb);
  if (cb.seq === cb.endSeq) {
    consumeSkb(skb);
    return;
  }
  tcpRxSetTruesize(skb);
  skb.dst = null;
  skb.data += (skb.buf[skb.data + 12]! >> 4) * 4;
  if (skb.data > skb.tail) skb.data = skb.tail;
  let reason = SKB_DROP_REASON_NOT_SPECIFIED;
  sk.rxOpt.dsack = false;

  // Queue data for delivery to the user: in sequence to the receive queue, out of
  // sequence to the out-of-order queue.
  if (cb.seq === sk.rcvNxt) {
    if (tcpReceiveWindow(sk) === 0) {
      // Some stacks send bare FINs in a loop even at RWIN 0: accepting one is harmless.
      if (!(skb.len === 0 && (cb.tcpFlags & TCPHDR_FIN))) {
        reason = SKB_DROP_REASON_TCP_ZEROWINDOW;
        mib(sk)[LINUX_MIB_TCPZEROWINDOWDROP]++;
        tcpOutOfWindow(sk, skb, reason);
        return;
      }
    }
    tcpQueueAndOut(sk, skb);
    return;
  }

  if (!after(cb.endSeq, sk.rcvNxt)) {
    // A retransmit, 2nd most common case: force an immediate ACK.
    mib(sk)[LINUX_MIB_DELAYEDACKLOST]++;
    tcpDsackSet(sk, cb.seq, cb.endSeq);
    tcpOutOfWindow(sk, skb, SKB_DROP_REASON_TCP_OLD_DATA);
    return;
  }

  // Out of window, e.g. a zero-window probe.
  if (!before(cb.seq, (sk.rcvNxt + tcpReceiveWindow(sk)) >>> 0)) {
    tcpOutOfWindow(sk, skb, SKB_DROP_REASON_TCP_OVERWINDOW);
    return;
  }

  if (before(cb.seq, sk.rcvNxt)) {
    // Partial packet, seq < rcv_nxt < end_seq.
    tcpDsackSet(sk, cb.seq, sk.rcvNxt);
    // If the window is closed, drop the tail of the packet (after the D-SACK for its head).
    if (!tcpReceiveWindow(sk)) {
      mib(sk)[LINUX_MIB_TCPZEROWINDOWDROP]++;
      tcpOutOfWindow(sk, skb, SKB_DROP_REASON_TCP_ZEROWINDOW);
      return;
    }
    // Linux queues the whole skb (the reader skips what copied_seq passed); tuxnet's
    // receive queue holds only new bytes, so trim the already-received head.
    const dup = (sk.rcvNxt - cb.seq) >>> 0;
    skb.data += Math.min(dup, skb.len);
    cb.seq = sk.rcvNxt;
    tcpQueueAndOut(sk, skb);
    return;
  }

  tcpDataQueueOfo(sk, skb);
}

/** tcp_data_queue()'s out_of_window/drop path. */
function tcpOutOfWindow(sk: TcpSock, skb: SkBuff, reason: number): void {
  tcpEnterQuickackMode(sk, TCP_MAX_QUICKACKS);
  inetCskScheduleAck(sk);
  tcpDropReason(sk, skb, reason);
}

/** tcp_data_queue()'s queue_and_out path. */
function tcpQueueAndOut(sk: TcpSock, skb: SkBuff): void {
  const cb = TCP_SKB_CB(skb);
  const truesize = cb.rxTruesize;
  if (tcpTryRmemSchedule(sk, skb, truesize)) {
    sk.icskAckPending |= ICSK_ACK_NOMEM | ICSK_ACK_NOW;
    inetCskScheduleAck(sk);
    skDataReady(sk);
    if (sk.receiveQueue.qlen && skb.len) {
      mib(sk)[LINUX_MIB_TCPRCVQDROP]++;
      tcpDropReason(sk, skb, SKB_DROP_REASON_PROTO_MEM);
      return;
    }
    // sk_forced_mem_schedule()
    skRmemSchedule(sk, truesize);
  }
  // A bare FIN is queued too (Linux merges its flag into the tail skb or queues a 0-byte
  // skb): the reader moves copied_seq past it.
  tcpQueueRcv(sk, skb);
  if (skb.len) tcpEventDataRecv(sk, skb);
  if (cb.tcpFlags & TCPHDR_FIN) tcpFin(sk);
  if (sk.outOfOrderQueue.peek() !== null) {
    tcpOfoQueue(sk);
    // RFC 5681 4.2: SHOULD send an immediate ACK when a gap in the queue is filled.
    if (sk.outOfOrderQueue.peek() === null) sk.icskAckPending |= ICSK_ACK_NOW;
  }
  if (sk.rxOpt.numSacks) tcpSackRemove(sk);
  tcpFastPathCheck(sk);
  if (!sockFlag(sk, SOCK_DEAD)) tcpDataReady(sk);
}
