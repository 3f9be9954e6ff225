/**
 * The TCP socket API (Linux: net/ipv4/tcp.c): socket initialisation (tcp_init_sock),
 * the send path from the user's buffer into the write queue (tcp_sendmsg_locked,
 * tcp_push, autocorking), the receive path from the receive queue into the user's
 * buffer (tcp_recvmsg_locked, tcp_cleanup_rbuf, urgent data), close/shutdown/
 * disconnect with their state transitions (tcp_close, tcp_shutdown, tcp_disconnect,
 * tcp_set_state, tcp_done), poll and ioctl, and the protocol registration (tcp_prot,
 * tcp_init). The receive half (tcp_recvmsg, urgent data, tcp_cleanup_rbuf) is tcp_recv.ts,
 * socket options are tcp_sockopt.ts, TCP_INFO is tcp_info.ts, the BSD-socket half
 * (connect/accept/listen) is af_inet_stream.ts.
 *
 * Differences from Linux:
 * - The kernel never sleeps: where tcp_sendmsg/tcp_recvmsg would wait (sk_stream_wait_*,
 *   sk_wait_data), they return what they did so far or -EAGAIN, and the syscall layer
 *   waits on the socket's wait queue and calls again (syscalls.ts streamRecv/streamSend).
 *   The checks Linux makes around its sleeps are made on each call.
 * - Write-queue skbs hold their payload in one linear area sized for the size goal (Linux:
 *   page frags); tcp_write_xmit cuts GSO-sized skbs into MSS segments as GSO would. No
 *   zerocopy, no TFO, no repair mode.
 * - Memory accounting is per socket only (sk_wmem_queued against sk_sndbuf); there is no
 *   global tcp_mem pressure, so tcp_check_oom only counts orphans.
 */
import type { Net, Kernel } from '../core/net_namespace.js';
import { type SkBuff, allocSkb, skbReserve, consumeSkb, kfreeSkbReason, CHECKSUM_PARTIAL, SKB_TRUESIZE_OVERHEAD, pskbExpandHead } from '../core/skbuff.js';
import { SKB_DROP_REASON_QUEUE_PURGE } from '../core/drop_reason.js';
import {
  sockFlag, SOCK_DEAD, SOCK_DONE, SOCK_LINGER, RCV_SHUTDOWN, SEND_SHUTDOWN, SHUTDOWN_MASK, skDstReset,
} from '../core/sock.js';
import { SOCK_URGINLINE } from '../core/sock_opt.js';
import {
  skStreamWaitConnect, skStreamWaitMemory, skStreamError, skStreamWspace, skStreamMinWspace, skStateChange,
} from '../core/stream.js';
import {
  type Socket, SOCK_STREAM, MSG_OOB, MSG_MORE, MSG_EOR,
  POLLIN, POLLRDNORM, POLLRDHUP, POLLOUT, POLLWRNORM, POLLPRI, POLLERR, POLLHUP,
} from '../socket/socket.js';
import { EINVAL, EAGAIN, ECONNRESET, EPIPE } from '../socket/errno.js';
import { IPPROTO_TCP } from '../wire/iphdr.js';
import { TCPHDR_ACK, TCPHDR_PSH, TCPHDR_FIN } from '../wire/tcphdr.js';
import {
  TCP_MIB_CURRESTAB, TCP_MIB_ESTABRESETS, TCP_MIB_ATTEMPTFAILS, LINUX_MIB_TCPABORTONCLOSE, LINUX_MIB_TCPABORTONDATA,
  LINUX_MIB_TCPABORTONLINGER, LINUX_MIB_TCPABORTONMEMORY, LINUX_MIB_TCPAUTOCORKING,
} from '../core/snmp.js';
import {
  type Proto, inetRegisterProtosw, inetSockList, INET_PROTOSW_PERMANENT, INET_PROTOSW_ICSK, SOCK_BINDPORT_LOCK,
  SOCK_BINDADDR_LOCK, SIOCINQ, SIOCOUTQ, ENOIOCTLCMD,
} from './af_inet.js';
import type { InetSock } from './inet_sock.js';
import { inetAddProtocol } from './protocol.js';
import { ipv4Net } from './netns_ipv4.js';
import {
  TcpSock, TcpSkbCb, TCP_SKB_CB, tcpJiffies32, tcpRtxQueueEmpty, tcpRtxAndWriteQueuesEmpty, tcpSendHead,
  tcpReceiveWindow,
} from './tcp_sock.js';
import {
  TCP_ESTABLISHED, TCP_SYN_SENT, TCP_SYN_RECV, TCP_FIN_WAIT1, TCP_FIN_WAIT2, TCP_CLOSE,
  TCP_CLOSE_WAIT, TCP_LAST_ACK, TCP_LISTEN, TCP_CLOSING, TCPF_ESTABLISHED, TCPF_CLOSE_WAIT,
  TCPF_SYN_SENT, TCPF_SYN_RECV, TCPF_FIN_WAIT1, TCPF_FIN_WAIT2, TCPF_CLOSING, TCPF_LAST_ACK,
  TCP_INIT_CWND, TCP_INFINITE_SSTHRESH, TCP_MSS_DEFAULT, TCP_TIMEOUT_INIT, TCP_DELACK_MAX, TCP_TIMEWAIT_LEN,
  TCP_URG_VALID, TCP_NAGLE_PUSH, TCP_NAGLE_CORK, TCP_CA_Open, TCP_CHRONO_UNSPEC, TCP_CHRONO_BUSY,
  MAX_TCP_HEADER, HZ, TCPF_CA_CWR, TCPF_CA_Recovery, CA_EVENT_CWND_RESTART,
} from './tcp_defs.js';
import { tcpAssignCongestionControl, tcpCaEvent } from './tcp_cong.js';
import { tcpClearRetrans } from './tcp_fastretrans.js';
import { TCP_TIMER_FNS, tcpClearXmitTimers, inetCskDelackInit, tcpResetKeepaliveTimer } from './tcp_timer.js';
import {
  __tcpPushPendingFrames, tcpPushOne, tcpCurrentMss, tcpSendFin, tcpSendActiveReset,
} from './tcp_output.js';
import { tcpV4Rcv, tcpV4Err, tcpV4Connect } from './tcp_ipv4.js';
import { inetCskListenStop, inetCskDestroySock } from './inet_connection_sock.js';
import { inetHash, inetUnhash, inetCskGetPort, inetPutPort, tcpNet, tcpNetInit } from './inet_hashtables.js';
import { tcpTimeWait } from './tcp_minisocks.js';
import { tcpCongInit } from './tcp_cong.js';
import { tcpProcInit } from './tcp_proc.js';
import { tcpSetsockopt, tcpGetsockopt } from './tcp_sockopt.js';
import { tcpRecvmsgAlloc, tcpRecvfromInto, tcpInq } from './tcp_recv.js';

export { tcpRecvmsg, tcpCleanupRbuf, tcpInq, tcpInqHint, inetCskInPingpongMode } from './tcp_recv.js';
export { tcpSetsockopt, tcpGetsockopt } from './tcp_sockopt.js';
export { tcpGetInfo, type TcpInfo } from './tcp_info.js';
// inet_stream_ops (af_inet_stream.ts imports this file too; it is read only at boot, in tcpInit).
import { inetStreamOps } from './af_inet_stream.js';

/** Linux: SIOCATMARK / SIOCOUTQNSD (include/uapi/linux/sockios.h). */
export const SIOCATMARK = 0x8905;
export const SIOCOUTQNSD = 0x894b;

/** Linux: TSQ_THROTTLED (bit 0 of tp->tsq_flags, enum tsq_enum). */
export const TSQF_THROTTLED = 1 << 0;

/** Linux: sysctl_tcp_max_orphans (kernel-wide; the value this host's 6.18 computes from its memory). */
export const TCP_MAX_ORPHANS = 131072;

/** Linux: TCP_STATE_MASK / TCP_ACTION_FIN (tcp.c new_state[] encoding). */
const TCP_STATE_MASK = 0xf;
const TCP_ACTION_FIN = 1 << TCP_CLOSE;

/** Linux: tcp_sk(sk) for the InetSock the generic layer hands us. */
function tcpOf(sk: InetSock): TcpSock {
  return sk as TcpSock;
}

/* ------------------------------------------------------------------ */
/* Socket setup                                                        */

/**
 * Linux: tcp_init_sock(): the state every new TCP socket starts with (the timers are
 * made by the TcpSock constructor, tcp_init_xmit_timers).
 */
export function tcpInitSock(sk: TcpSock): void {
  const net = sk.net;
  const sys = ipv4Net(net).sysctl;
  const now = tcpJiffies32(net.kernel);
  sk.icskRto = TCP_TIMEOUT_INIT;
  // Linux 6.18: icsk_rto_min/max come from net.ipv4.tcp_rto_min_us / tcp_rto_max_ms.
  sk.icskRtoMin = Math.max(1, Math.floor(sys.tcpRtoMinUs / 1000));
  sk.icskRtoMax = sys.tcpRtoMaxMs;
  sk.icskDelackMax = TCP_DELACK_MAX;
  sk.mdevUs = TCP_TIMEOUT_INIT * 1000; /* jiffies_to_usecs(TCP_TIMEOUT_INIT) */
  // minmax_reset(&tp->rtt_min, tcp_jiffies32, ~0U)
  const m = sk.rttMin;
  m.t0 = m.t1 = m.t2 = now;
  m.v0 = m.v1 = m.v2 = 0xffffffff;
  sk.sndCwnd = TCP_INIT_CWND;
  /* There's a bubble in the pipe until at least the first ACK. */
  sk.appLimited = 0xffffffff;
  sk.rateAppLimited = true;
  sk.sndSsthresh = TCP_INFINITE_SSTHRESH;
  sk.sndCwndClamp = 0xffffffff;
  sk.mssCache = TCP_MSS_DEFAULT;
  sk.reordering = sys.tcpReordering;
  tcpAssignCongestionControl(sk);
  sk.tsoffset = 0;
  sk.rackReoWndSteps = 1;
  /* sock_init_data(): no pacing rate until TCP computes one (~0UL). */
  sk.pacingRate = 0xffffffffffff;
  sk.sndbuf = sys.tcpWmem[1]!;
  sk.rcvbuf = sys.tcpRmem[1]!;
}

/** Linux: tcp_v4_init_sock() (proto->init). */
function tcpV4InitSock(sk: InetSock): number {
  tcpInitSock(tcpOf(sk));
  return 0;
}

/* ------------------------------------------------------------------ */
/* Helpers shared with the other TCP files                             */

/** Linux: tcp_notsent_lowat(). */
export function tcpNotsentLowat(tp: TcpSock): number {
  return tp.notsentLowat || ipv4Net(tp.net).sysctl.tcpNotsentLowat;
}

/** Linux: tcp_stream_memory_free(sk, wake): unsent bytes below TCP_NOTSENT_LOWAT. */
export function tcpStreamMemoryFree(tp: TcpSock, wake: number): boolean {
  const notsent = (tp.writeSeq - tp.sndNxt) >>> 0;
  return notsent * (1 << wake) < tcpNotsentLowat(tp);
}

/** Linux: __sk_stream_memory_free(sk, wake) for TCP. */
export function skStreamMemoryFree(tp: TcpSock, wake = 0): boolean {
  if (tp.wmemQueued >= tp.sndbuf) return false;
  return tcpStreamMemoryFree(tp, wake);
}

/** Linux: __sk_stream_is_writeable(sk, wake). */
export function skStreamIsWriteable(tp: TcpSock, wake: number): boolean {
  return skStreamWspace(tp, tp.wmemQueued) >= skStreamMinWspace(tp.wmemQueued) && skStreamMemoryFree(tp, wake);
}

/** Linux: tcp_wmem_free_skb(): drop an skb of the write or retransmit queue and uncharge it. */
export function tcpWmemFreeSkb(tp: TcpSock, skb: SkBuff): void {
  tp.wmemQueued -= skb.truesize;
  consumeSkb(skb);
}

/** Linux: tcp_chrono_set(). */
function tcpChronoSet(tp: TcpSock, newType: number): void {
  const now = tcpJiffies32(tp.net.kernel);
  if (tp.chronoType > TCP_CHRONO_UNSPEC) tp.chronoStat[tp.chronoType - 1]! += (now - tp.chronoStart) >>> 0;
  tp.chronoStart = now;
  tp.chronoType = newType;
}

/** Linux: tcp_chrono_start(). */
function tcpChronoStart(tp: TcpSock, type: number): void {
  if (type > tp.chronoType) tcpChronoSet(tp, type);
}

/** Linux: tcp_chrono_stop(). */
function tcpChronoStop(tp: TcpSock, type: number): void {
  if (tcpRtxAndWriteQueuesEmpty(tp)) tcpChronoSet(tp, TCP_CHRONO_UNSPEC);
  else if (type === tp.chronoType) tcpChronoSet(tp, TCP_CHRONO_BUSY);
}

/** Linux: tcp_write_queue_purge(). */
export function tcpWriteQueuePurge(tp: TcpSock): void {
  tcpChronoStop(tp, TCP_CHRONO_BUSY);
  let skb: SkBuff | null;
  while ((skb = tp.writeQueue.dequeue()) !== null) tcpWmemFreeSkb(tp, skb);
  while ((skb = tp.rtxQueue.dequeue()) !== null) tcpWmemFreeSkb(tp, skb);
  tp.highestSack = null;
  tp.lostSkbHint = null;
  tp.retransmitSkbHint = null;
  tp.packetsOut = 0;
  tp.icskBackoff = 0;
}

/* ------------------------------------------------------------------ */
/* State                                                               */

/** Linux: tcp_set_state(). */
export function tcpSetState(sk: TcpSock, state: number): void {
  const oldstate = sk.state;
  const mib = ipv4Net(sk.net).mib.tcp;
  if (state === TCP_ESTABLISHED) {
    if (oldstate !== TCP_ESTABLISHED) mib[TCP_MIB_CURRESTAB]!++;
  } else {
    if (state === TCP_CLOSE) {
      if (oldstate === TCP_CLOSE_WAIT || oldstate === TCP_ESTABLISHED) mib[TCP_MIB_ESTABRESETS]!++;
      sk.skProt.unhash(sk);
      if (sk.icskBindHash && !(sk.userlocks & SOCK_BINDPORT_LOCK)) inetPutPort(sk);
    }
    if (oldstate === TCP_ESTABLISHED) mib[TCP_MIB_CURRESTAB]!--;
  }
  /* Change state AFTER socket is unhashed to avoid closed socket sitting in hash tables. */
  sk.state = state;
}

/** Linux: new_state[] of tcp.c: the state a close moves to, and whether a FIN goes out. */
const NEW_STATE: number[] = [
  TCP_CLOSE, /* 0: invalid */
  TCP_FIN_WAIT1 | TCP_ACTION_FIN, /* ESTABLISHED */
  TCP_CLOSE, /* SYN_SENT */
  TCP_FIN_WAIT1 | TCP_ACTION_FIN, /* SYN_RECV */
  TCP_FIN_WAIT1, /* FIN_WAIT1 */
  TCP_FIN_WAIT2, /* FIN_WAIT2 */
  TCP_CLOSE, /* TIME_WAIT */
  TCP_CLOSE, /* CLOSE */
  TCP_LAST_ACK | TCP_ACTION_FIN, /* CLOSE_WAIT */
  TCP_LAST_ACK, /* LAST_ACK */
  TCP_CLOSE, /* LISTEN */
  TCP_CLOSING, /* CLOSING */
  TCP_CLOSE, /* NEW_SYN_RECV: should not happen */
  TCP_CLOSE, /* BOUND_INACTIVE */
];

/** Linux: tcp_close_state(): move to the closing state; true when a FIN must be sent. */
export function tcpCloseState(sk: TcpSock): boolean {
  const next = NEW_STATE[sk.state] ?? TCP_CLOSE;
  tcpSetState(sk, next & TCP_STATE_MASK);
  return (next & TCP_ACTION_FIN) !== 0;
}

/** Linux: tcp_done(): the connection is over (reset, timeout, last ACK of LAST_ACK ...). */
export function tcpDone(sk: TcpSock): void {
  if (sk.state === TCP_SYN_SENT || sk.state === TCP_SYN_RECV) ipv4Net(sk.net).mib.tcp[TCP_MIB_ATTEMPTFAILS]!++;
  tcpSetState(sk, TCP_CLOSE);
  tcpClearXmitTimers(sk);
  sk.shutdown = SHUTDOWN_MASK;
  if (!sockFlag(sk, SOCK_DEAD)) skStateChange(sk);
  else inetCskDestroySock(sk);
}

/** Linux: tcp_need_reset(): states that send RST on ABORT (RFC 793). */
function tcpNeedReset(state: number): boolean {
  return ((1 << state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT | TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2 | TCPF_SYN_RECV)) !== 0;
}

/* ------------------------------------------------------------------ */
/* Send                                                                */

/** Linux: tcp_mark_push(). */
function tcpMarkPush(tp: TcpSock, skb: SkBuff): void {
  TCP_SKB_CB(skb).tcpFlags |= TCPHDR_PSH;
  tp.pushedSeq = tp.writeSeq;
}

/** Linux: forced_push(): more than half the peer's largest window written since the last PSH. */
function forcedPush(tp: TcpSock): boolean {
  return ((tp.writeSeq - ((tp.pushedSeq + (tp.maxWindow >>> 1)) >>> 0)) | 0) > 0;
}

/** Linux: tcp_skb_can_collapse_to(): data may be appended (not after MSG_EOR). */
function tcpSkbCanCollapseTo(skb: SkBuff): boolean {
  return !TCP_SKB_CB(skb).eor;
}

/** Linux: tcp_in_cwnd_reduction(). */
function tcpInCwndReduction(tp: TcpSock): boolean {
  return ((TCPF_CA_CWR | TCPF_CA_Recovery) & (1 << tp.icskCaState)) !== 0;
}

/** Linux: tcp_cwnd_restart() (tcp_output.c): cwnd decays after an idle period longer than the RTO. */
function tcpCwndRestart(tp: TcpSock, delta: number): void {
  let restartCwnd = Math.min(TCP_INIT_CWND, tp.sndCwndClamp);
  let cwnd = tp.sndCwnd;
  tcpCaEvent(tp, CA_EVENT_CWND_RESTART);
  // tcp_current_ssthresh()
  tp.sndSsthresh = tcpInCwndReduction(tp) ? tp.sndSsthresh : Math.max(tp.sndSsthresh, (cwnd >>> 1) + (cwnd >>> 2));
  restartCwnd = Math.min(restartCwnd, cwnd);
  while ((delta -= tp.icskRto) > 0 && cwnd > restartCwnd) cwnd >>>= 1;
  tp.sndCwnd = Math.max(cwnd, restartCwnd);
  tp.sndCwndStamp = tcpJiffies32(tp.net.kernel);
  tp.sndCwndUsed = 0;
}

/** Linux: tcp_slow_start_after_idle_check(). */
function tcpSlowStartAfterIdleCheck(tp: TcpSock): void {
  if (!ipv4Net(tp.net).sysctl.tcpSlowStartAfterIdle || tp.packetsOut || tp.icskCaOps?.congControl) return;
  const delta = (tcpJiffies32(tp.net.kernel) - tp.lsndtime) | 0;
  if (delta > tp.icskRto) tcpCwndRestart(tp, delta);
}

/** Linux: GSO_LEGACY_MAX_SIZE - (MAX_TCP_HEADER + 1): sk_gso_max_size (sk_setup_caps). */
const TCP_GSO_MAX_SIZE = 65536 - (MAX_TCP_HEADER + 1);
/** Linux: GSO_MAX_SEGS (dev->gso_max_segs). */
const GSO_MAX_SEGS = 65535;

/** Linux: tcp_bound_to_half_wnd(). */
function tcpBoundToHalfWnd(tp: TcpSock, pktsize: number): number {
  /* When the peer uses tiny windows, there is no use in packetizing to sub-MSS pieces. */
  const cutoff = tp.maxWindow > TCP_MSS_DEFAULT ? tp.maxWindow >>> 1 : tp.maxWindow;
  if (cutoff && pktsize > cutoff) return Math.max(cutoff, 68 - tp.tcpHeaderLen);
  return pktsize;
}

/**
 * Linux: tcp_xmit_size_goal(): Linux TCP always builds GSO-sized skbs (sk_setup_caps turns
 * GSO on for TCP), so a write-queue skb holds up to half the peer's largest window, in whole
 * MSS, at most 64 KiB; tcp_write_xmit cuts it into MSS segments (tso_fragment without TSO).
 */
export function tcpXmitSizeGoal(tp: TcpSock, mssNow: number, largeAllowed: boolean): number {
  if (!largeAllowed) return mssNow;
  /* Note : tcp_tso_autosize() will eventually split this later */
  const newSizeGoal = tcpBoundToHalfWnd(tp, TCP_GSO_MAX_SIZE);
  /* We try hard to avoid divides here */
  let sizeGoal = tp.gsoSegs * mssNow;
  if (newSizeGoal < sizeGoal || newSizeGoal >= sizeGoal + mssNow) {
    tp.gsoSegs = Math.min(Math.floor(newSizeGoal / mssNow), GSO_MAX_SEGS);
    sizeGoal = tp.gsoSegs * mssNow;
  }
  return Math.max(sizeGoal, mssNow);
}

/** Linux: tcp_send_mss(): the current MSS, and the size goal through `goal[0]`. */
export function tcpSendMss(tp: TcpSock, goal: number[], flags: number): number {
  const mssNow = tcpCurrentMss(tp);
  goal[0] = tcpXmitSizeGoal(tp, mssNow, !(flags & MSG_OOB));
  return mssNow;
}

/**
 * Linux: tcp_stream_alloc_skb(): an skb for the write queue with MAX_TCP_HEADER of
 * headroom and room for `size` payload bytes. Its truesize counts the headers and the
 * skb itself; payload is added as it is copied in (as Linux charges page frags).
 */
export function tcpStreamAllocSkb(size: number): SkBuff {
  const skb = allocSkb(size + MAX_TCP_HEADER);
  skbReserve(skb, MAX_TCP_HEADER);
  skb.truesize = SKB_TRUESIZE_OVERHEAD + MAX_TCP_HEADER;
  skb.ipSummed = CHECKSUM_PARTIAL;
  skb.cb = new TcpSkbCb();
  return skb;
}

/** Linux: tcp_skb_entail(): queue a fresh skb at the tail of the write queue. */
export function tcpSkbEntail(tp: TcpSock, skb: SkBuff): void {
  const tcb = TCP_SKB_CB(skb);
  tcb.seq = tcb.endSeq = tp.writeSeq;
  tcb.tcpFlags = TCPHDR_ACK;
  // tcp_add_write_queue_tail()
  tp.writeQueue.enqueueTail(skb);
  if (tp.writeQueue.head === skb) tcpChronoStart(tp, TCP_CHRONO_BUSY);
  tp.wmemQueued += skb.truesize;
  if (tp.nonagle & TCP_NAGLE_PUSH) tp.nonagle &= ~TCP_NAGLE_PUSH;
  tcpSlowStartAfterIdleCheck(tp);
}

/** Linux: tcp_should_autocork(). */
function tcpShouldAutocork(tp: TcpSock, skb: SkBuff, sizeGoal: number): boolean {
  return skb.len < sizeGoal && ipv4Net(tp.net).sysctl.tcpAutocorking !== 0 && !tcpRtxQueueEmpty(tp) &&
    tp.wmemAlloc > skb.truesize && tcpSkbCanCollapseTo(skb);
}

/** Linux: tcp_push(). */
export function tcpPush(tp: TcpSock, flags: number, mssNow: number, nonagle: number, sizeGoal: number): void {
  const skb = tp.writeQueue.tail;
  if (!skb) return;
  if (!(flags & MSG_MORE) || forcedPush(tp)) tcpMarkPush(tp, skb);
  // tcp_mark_urg()
  if (flags & MSG_OOB) tp.sndUp = tp.writeSeq;
  if (tcpShouldAutocork(tp, skb, sizeGoal)) {
    if (!(tp.tsqFlags & TSQF_THROTTLED)) {
      ipv4Net(tp.net).mib.net[LINUX_MIB_TCPAUTOCORKING]!++;
      tp.tsqFlags |= TSQF_THROTTLED;
    }
    /* It is possible TX completion already happened before we set TSQ_THROTTLED. */
    if (tp.wmemAlloc > skb.truesize) return;
  }
  if (flags & MSG_MORE) nonagle = TCP_NAGLE_CORK;
  __tcpPushPendingFrames(tp, mssNow, nonagle);
}

/** Linux: tcp_push_pending_frames(). */
export function tcpPushPendingFrames(tp: TcpSock): void {
  if (tcpSendHead(tp)) __tcpPushPendingFrames(tp, tcpCurrentMss(tp), tp.nonagle);
}

/** Linux: tcp_remove_empty_skb(). */
function tcpRemoveEmptySkb(tp: TcpSock): void {
  const skb = tp.writeQueue.tail;
  if (!skb) return;
  const cb = TCP_SKB_CB(skb);
  if (cb.seq !== cb.endSeq) return;
  // Unlink the tail (the queue is singly linked: walk to its predecessor).
  const q = tp.writeQueue;
  if (q.head === skb) {
    q.dequeue();
  } else {
    let p = q.head!;
    while (p.next !== skb) p = p.next!;
    p.next = null;
    q.tail = p;
    q.qlen--;
    q.bytes -= skb.len;
  }
  if (q.head === null) tcpChronoStop(tp, TCP_CHRONO_BUSY);
  tcpWmemFreeSkb(tp, skb);
}

/**
 * Linux: tcp_sendmsg_locked(). Copies `data` into the write queue in MSS-sized skbs and
 * pushes. Returns the bytes queued (possibly fewer than asked: the send buffer filled up
 * and the caller must wait for write space), or -EAGAIN (nothing could be queued yet:
 * connecting, or no space), -EPIPE / the socket error.
 */
export function tcpSendmsg(tp: TcpSock, data: Uint8Array, flags: number): number {
  let copied = 0;
  let err = 0;
  let mssNow = 0;
  let sizeGoal = 0;
  const size = data.length;
  out: {
    doError: {
      /* Wait for a connection to finish. */
      if ((1 << tp.state) & ~(TCPF_ESTABLISHED | TCPF_CLOSE_WAIT)) {
        err = skStreamWaitConnect(tp);
        if (err !== 0) break doError;
      }
      mssNow = tcpCurrentMss(tp);
      sizeGoal = tcpXmitSizeGoal(tp, mssNow, !(flags & MSG_OOB));
      err = -EPIPE;
      if (tp.err || (tp.shutdown & SEND_SHUTDOWN)) break doError;
      while (copied < size) {
        let skb = tp.writeQueue.tail;
        let copy = skb ? sizeGoal - skb.len : 0;
        // Linux appends page frags to the tail skb up to the size goal; here its linear area
        // grows instead (a remainder left by tcp_fragment after tcp_push_one sent its head has
        // no tailroom, and the MSS may have grown since the allocation). Charges stay per byte.
        // It grows only when this write's bytes do not fit, and then by one more size goal
        // than needed, so a writer woken for every ACK does not reallocate per MSS; and only
        // MAX_TCP_HEADER of headroom moves along: a remainder shares its original's area,
        // whose headroom holds the bytes already sent (copying them made every growth of a
        // long stream's tail larger than the last).
        if (skb && copy > 0 && Math.min(copy, size - copied) > skb.end - skb.tail && tcpSkbCanCollapseTo(skb)) {
          const truesize = skb.truesize;
          if (skb.data - skb.head > MAX_TCP_HEADER) skb.head = skb.data - MAX_TCP_HEADER;
          pskbExpandHead(skb, 0, copy + sizeGoal - (skb.end - skb.tail));
          skb.truesize = truesize;
        }
        if (copy <= 0 || !tcpSkbCanCollapseTo(skb!)) {
          if (!skStreamMemoryFree(tp)) {
            // wait_for_space: set_bit(SOCK_NOSPACE); the writer sleeps until tcp_check_space()
            tp.sockNospace = true;
            if (copied) tcpPush(tp, flags & ~MSG_MORE, mssNow, TCP_NAGLE_PUSH, sizeGoal);
            err = skStreamWaitMemory(tp);
            break doError;
          }
          // Room for the rest of this write in whole MSS, at most the size goal (Linux fills
          // page frags instead; a small write does not get a 64 KiB area).
          const left = size - copied;
          const room = left >= sizeGoal ? sizeGoal : Math.min(sizeGoal, Math.max(mssNow, Math.ceil(left / mssNow) * mssNow));
          skb = tcpStreamAllocSkb(room);
          tcpSkbEntail(tp, skb);
          copy = room;
        }
        const s = skb!;
        if (copy > size - copied) copy = size - copied;
        s.buf.set(copied === 0 && copy === size ? data : data.subarray(copied, copied + copy), s.tail);
        s.tail += copy;
        s.truesize += copy;
        tp.writeQueue.bytes += copy;
        tp.wmemQueued += copy;
        const tcb = TCP_SKB_CB(s);
        if (!copied) tcb.tcpFlags &= ~TCPHDR_PSH;
        tp.writeSeq = (tp.writeSeq + copy) >>> 0;
        tcb.endSeq = (tcb.endSeq + copy) >>> 0;
        copied += copy;
        if (copied === size) {
          if (flags & MSG_EOR) tcb.eor = true;
          break out;
        }
        if (s.len < sizeGoal || (flags & MSG_OOB)) continue;
        if (forcedPush(tp)) {
          tcpMarkPush(tp, s);
          __tcpPushPendingFrames(tp, mssNow, TCP_NAGLE_PUSH);
        } else if (s === tcpSendHead(tp)) {
          tcpPushOne(tp, mssNow);
        }
      }
      break out;
    }
    // do_error:
    tcpRemoveEmptySkb(tp);
    if (copied) break out;
    // out_err:
    err = skStreamError(tp, flags, err);
    /* make sure we wake any epoll edge trigger waiter */
    if (tcpRtxAndWriteQueuesEmpty(tp) && err === -EAGAIN) tcpChronoStop(tp, TCP_CHRONO_BUSY);
    return err;
  }
  // out:
  if (copied) tcpPush(tp, flags, mssNow, tp.nonagle, sizeGoal);
  return copied;
}

/* ------------------------------------------------------------------ */
/* Close, shutdown, disconnect                                         */

/** Linux: tcp_shutdown(): SHUT_WR sends a FIN once the queued data is out. */
export function tcpShutdown(sk: TcpSock, how: number): void {
  if (!(how & SEND_SHUTDOWN)) return;
  /* If we've already sent a FIN, or it's a closed state, skip this. */
  if ((1 << sk.state) & (TCPF_ESTABLISHED | TCPF_SYN_SENT | TCPF_SYN_RECV | TCPF_CLOSE_WAIT)) {
    /* Clear out any half completed packets.  FIN if needed. */
    if (tcpCloseState(sk)) tcpSendFin(sk);
  }
}

/** Linux: tcp_fin_time(): how long an orphan waits in FIN_WAIT2 (jiffies). */
export function tcpFinTime(tp: TcpSock): number {
  let finTimeout = tp.linger2 || ipv4Net(tp.net).sysctl.tcpFinTimeout * HZ;
  const rto = tp.icskRto;
  if (finTimeout < (rto << 2) - (rto >> 1)) finTimeout = (rto << 2) - (rto >> 1);
  return finTimeout;
}

/** Linux: tcp_check_oom() (only the orphan limit: there is no global TCP memory here). */
export function tcpCheckOom(sk: TcpSock, shift: number): boolean {
  return tcpNet(sk.net).orphanCount * (1 << shift) > TCP_MAX_ORPHANS;
}

/** Linux: sock_orphan() + the orphan count of __tcp_close(). */
function tcpOrphan(sk: TcpSock): void {
  sk.flags |= SOCK_DEAD;
  sk.skSocket = null;
  sk.wq = null;
  if (!sk.orphaned) {
    sk.orphaned = true;
    tcpNet(sk.net).orphanCount++;
  }
  inetSockList(sk.net).delete(sk);
}

/**
 * Linux: __tcp_close(). The last close of the socket: unread data or SO_LINGER 0 abort
 * with a RST, otherwise a FIN is queued and the orphan lives on until the connection is
 * over (FIN_WAIT2 bounded by TCP_LINGER2 / tcp_fin_timeout). With SO_LINGER and a time,
 * close(2) waits between the two halves (tcpCloseStart, sk_stream_wait_close in the
 * syscall layer, tcpCloseFinish); `_timeout` is that wait, done by the caller.
 */
export function tcpClose(sk: TcpSock, _timeout: number): void {
  tcpCloseStart(sk);
  tcpCloseFinish(sk);
}

/** Linux: sk_stream_closing(): a FIN of ours is not yet acknowledged. */
export function skStreamClosing(sk: TcpSock): boolean {
  return ((1 << sk.state) & (TCPF_FIN_WAIT1 | TCPF_CLOSING | TCPF_LAST_ACK)) !== 0;
}

/** Linux: __tcp_close() up to sk_stream_wait_close(): flush, abort or send the FIN. */
export function tcpCloseStart(sk: TcpSock): void {
  const mib = ipv4Net(sk.net).mib.net;
  let dataWasUnread = 0;
  sk.shutdown = SHUTDOWN_MASK;
  if (sk.state === TCP_LISTEN) {
    tcpSetState(sk, TCP_CLOSE);
    /* Special case. */
    inetCskListenStop(sk);
    return;
  }
  /* We need to flush the recv. buffs. */
  let skb: SkBuff | null;
  while ((skb = sk.receiveQueue.dequeue()) !== null) {
    const cb = TCP_SKB_CB(skb);
    let len = (cb.endSeq - cb.seq) >>> 0;
    if (cb.tcpFlags & TCPHDR_FIN) len--;
    dataWasUnread += len;
    kfreeSkbReason(skb, SKB_DROP_REASON_QUEUE_PURGE);
  }
  /* If socket has been already reset (e.g. in tcp_reset()) - kill it. */
  if (sk.state === TCP_CLOSE) return;
  if (dataWasUnread) {
    /* RFC 2525 §2.17: unread data was tossed, zap the connection. */
    mib[LINUX_MIB_TCPABORTONCLOSE]!++;
    tcpSetState(sk, TCP_CLOSE);
    tcpSendActiveReset(sk);
  } else if (sockFlag(sk, SOCK_LINGER) && !sk.lingertime) {
    /* Check zero linger _after_ checking for unread data. */
    tcpDisconnect(sk, 0);
    mib[LINUX_MIB_TCPABORTONDATA]!++;
  } else if (tcpCloseState(sk)) {
    /* We FIN if the application ate all the data before zapping the connection. */
    tcpSendFin(sk);
  }
}

/** Linux: __tcp_close() from adjudge_to_death: orphan the socket; FIN_WAIT2 and orphan limits. */
export function tcpCloseFinish(sk: TcpSock): void {
  const mib = ipv4Net(sk.net).mib.net;
  // adjudge_to_death:
  const state = sk.state;
  tcpOrphan(sk);
  /* Have we already been destroyed by a softirq or backlog? */
  if (state !== TCP_CLOSE && sk.state === TCP_CLOSE) return;
  if (sk.state === TCP_FIN_WAIT2) {
    if (sk.linger2 < 0) {
      tcpSetState(sk, TCP_CLOSE);
      tcpSendActiveReset(sk);
      mib[LINUX_MIB_TCPABORTONLINGER]!++;
    } else {
      const tmo = tcpFinTime(sk);
      if (tmo > TCP_TIMEWAIT_LEN) {
        tcpResetKeepaliveTimer(sk, tmo - TCP_TIMEWAIT_LEN);
      } else {
        tcpTimeWait(sk, TCP_FIN_WAIT2, tmo);
        return;
      }
    }
  }
  if (sk.state !== TCP_CLOSE) {
    if (tcpCheckOom(sk, 0)) {
      tcpSetState(sk, TCP_CLOSE);
      tcpSendActiveReset(sk);
      mib[LINUX_MIB_TCPABORTONMEMORY]!++;
    }
  }
  if (sk.state === TCP_CLOSE) inetCskDestroySock(sk);
  /* Otherwise, socket is reprieved until protocol close. */
}

/** Linux: tcp_disconnect(): ABORT (RFC 793) and reset the socket for reuse (connect(AF_UNSPEC)). */
export function tcpDisconnect(sk: TcpSock, _flags: number): number {
  const oldState = sk.state;
  if (oldState !== TCP_CLOSE) tcpSetState(sk, TCP_CLOSE);
  /* ABORT function of RFC793 */
  if (oldState === TCP_LISTEN) {
    inetCskListenStop(sk);
  } else if (tcpNeedReset(oldState) ||
    (sk.sndNxt !== sk.writeSeq && ((1 << oldState) & (TCPF_CLOSING | TCPF_LAST_ACK)))) {
    /* The last check adjusts for discrepancy of Linux wrt. RFC states */
    tcpSendActiveReset(sk);
    sk.err = ECONNRESET;
  } else if (oldState === TCP_SYN_SENT) {
    sk.err = ECONNRESET;
  }
  tcpClearXmitTimers(sk);
  sk.receiveQueue.purge(purgeOne);
  sk.copiedSeq = sk.rcvNxt;
  sk.urgData = 0;
  tcpWriteQueuePurge(sk);
  sk.outOfOrderQueue.purge(purgeOne);
  sk.inetDport = 0;
  if (!(sk.userlocks & SOCK_BINDADDR_LOCK)) sk.inetSaddr = sk.inetRcvSaddr = 0;
  sk.shutdown = 0;
  sk.flags &= ~SOCK_DONE;
  sk.srttUs = 0;
  sk.mdevUs = TCP_TIMEOUT_INIT * 1000;
  sk.rcvRttLastTsecr = 0;
  let seq = (sk.writeSeq + sk.maxWindow + 2) >>> 0;
  if (!seq) seq = 1;
  sk.writeSeq = seq;
  sk.icskBackoff = 0;
  sk.icskProbesOut = 0;
  sk.icskProbesTstamp = 0;
  sk.icskRto = TCP_TIMEOUT_INIT;
  sk.icskRtoMin = Math.max(1, Math.floor(ipv4Net(sk.net).sysctl.tcpRtoMinUs / 1000));
  sk.icskDelackMax = TCP_DELACK_MAX;
  sk.sndSsthresh = TCP_INFINITE_SSTHRESH;
  sk.sndCwnd = TCP_INIT_CWND;
  sk.sndCwndCnt = 0;
  sk.windowClamp = 0;
  sk.delivered = 0;
  sk.deliveredCe = 0;
  sk.icskCaOps?.release?.(sk);
  sk.icskCaPriv = null;
  sk.icskCaInitialized = false;
  // tcp_set_ca_state(sk, TCP_CA_Open)
  sk.icskCaOps?.setState?.(sk, TCP_CA_Open);
  sk.icskCaState = TCP_CA_Open;
  sk.isSackReneg = false;
  tcpClearRetrans(sk);
  sk.totalRetrans = 0;
  inetCskDelackInit(sk);
  /* Initialize rcv_mss to TCP_MIN_MSS to avoid division by 0 in __tcp_select_window() */
  sk.icskAckRcvMss = 88; /* TCP_MIN_MSS */
  const o = sk.rxOpt;
  o.tsRecentStamp = o.tsRecent = o.rcvTsval = o.rcvTsecr = 0;
  o.sawTstamp = o.tstampOk = o.dsack = o.wscaleOk = o.sawUnknown = false;
  o.sackOk = o.sndWscale = o.rcvWscale = o.numSacks = o.userMss = o.mssClamp = 0;
  skDstReset(sk);
  sk.compressedAck = 0;
  sk.segsIn = sk.segsOut = 0;
  sk.bytesSent = sk.bytesAcked = sk.bytesReceived = sk.bytesRetrans = 0;
  sk.dataSegsIn = sk.dataSegsOut = 0;
  sk.duplicateSack[0]!.startSeq = sk.duplicateSack[0]!.endSeq = 0;
  sk.dsackDups = 0;
  sk.reordSeen = 0;
  sk.tlpHighSeq = 0;
  sk.lastOowAckTime = 0;
  /* There's a bubble in the pipe until at least the first ACK. */
  sk.appLimited = 0xffffffff;
  sk.rateAppLimited = true;
  sk.rackMstamp = 0;
  sk.rackAdvanced = false;
  sk.rackReoWndSteps = 1;
  sk.rackLastDelivered = 0;
  sk.rackReoWndPersist = 0;
  sk.rackDsackSeen = false;
  sk.rcvOoopack = 0;
  // sk_error_report()
  skStateChange(sk);
  return 0;
}

function purgeOne(skb: SkBuff): void {
  kfreeSkbReason(skb, SKB_DROP_REASON_QUEUE_PURGE);
}

/* ------------------------------------------------------------------ */
/* poll, ioctl                                                         */

/** Linux: tcp_rmem_pressure() (no global memory pressure here). */
function tcpRmemPressure(tp: TcpSock): boolean {
  const rcvbuf = tp.rcvbuf;
  const threshold = rcvbuf - (rcvbuf >> 3);
  return tp.rmemAlloc > threshold;
}

/** Linux: tcp_epollin_ready() (tcp_stream_is_readable without sockmap). */
function tcpEpollinReady(tp: TcpSock, target: number): boolean {
  const avail = (tp.rcvNxt - tp.copiedSeq) | 0;
  if (avail <= 0) return false;
  return avail >= target || tcpRmemPressure(tp) || tcpReceiveWindow(tp) <= tp.icskAckRcvMss;
}

/** Linux: tcp_poll(). */
export function tcpPoll(sock: Socket): number {
  const sk = sock.sk as TcpSock;
  const state = sk.state;
  // inet_csk_listen_poll()
  if (state === TCP_LISTEN) return sk.icskAcceptQueue.head !== null ? POLLIN | POLLRDNORM : 0;
  let mask = 0;
  /* EPOLLHUP only when shut down both ways, or closed (so poll on a fresh socket does not block). */
  if (sk.shutdown === SHUTDOWN_MASK || state === TCP_CLOSE) mask |= POLLHUP;
  if (sk.shutdown & RCV_SHUTDOWN) mask |= POLLIN | POLLRDNORM | POLLRDHUP;
  /* Connected or passive Fast Open socket? */
  if (state !== TCP_SYN_SENT && state !== TCP_SYN_RECV) {
    let target = sk.rcvlowat || 1; /* sock_rcvlowat(sk, 0, INT_MAX) */
    if (sk.urgData && sk.urgSeq === sk.copiedSeq && !sockFlag(sk, SOCK_URGINLINE)) target++;
    if (tcpEpollinReady(sk, target)) mask |= POLLIN | POLLRDNORM;
    if (!(sk.shutdown & SEND_SHUTDOWN)) {
      if (skStreamIsWriteable(sk, 1)) mask |= POLLOUT | POLLWRNORM;
      // set_bit(SOCK_NOSPACE): a poller that found no room is woken by tcp_check_space()
      // when ACKs free it, even if no write failed first.
      else sk.sockNospace = true;
    } else {
      mask |= POLLOUT | POLLWRNORM;
    }
    if (sk.urgData & TCP_URG_VALID) mask |= POLLPRI;
  }
  if (sk.err || sk.errorQueue.qlen) mask |= POLLERR;
  return mask;
}

/** Linux: tcp_ioctl(): SIOCINQ/FIONREAD, SIOCATMARK, SIOCOUTQ, SIOCOUTQNSD. */
export function tcpIoctl(isk: InetSock, cmd: number, _arg: unknown): unknown {
  const tp = tcpOf(isk);
  switch (cmd) {
    case SIOCINQ:
      if (tp.state === TCP_LISTEN) return -EINVAL;
      return tcpInq(tp);
    case SIOCATMARK:
      return tp.urgData && tp.urgSeq === tp.copiedSeq ? 1 : 0;
    case SIOCOUTQ:
      if (tp.state === TCP_LISTEN) return -EINVAL;
      if ((1 << tp.state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) return 0;
      return (tp.writeSeq - tp.sndUna) >>> 0;
    case SIOCOUTQNSD:
      if (tp.state === TCP_LISTEN) return -EINVAL;
      if ((1 << tp.state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) return 0;
      return (tp.writeSeq - tp.sndNxt) >>> 0;
    default:
      return -ENOIOCTLCMD;
  }
}

/* ------------------------------------------------------------------ */
/* Registration                                                        */

/** Linux: tcp_prot. */
export const tcpProt: Proto = {
  name: 'TCP',
  allocSock: (net: Net, type: number, protocol: number) => new TcpSock(net, type, protocol, TCP_TIMER_FNS),
  init: tcpV4InitSock,
  close: (sk, timeout) => tcpClose(tcpOf(sk), timeout),
  connect: (sk, addr) => tcpV4Connect(tcpOf(sk), addr),
  disconnect: (sk, flags) => tcpDisconnect(tcpOf(sk), flags),
  ioctl: tcpIoctl,
  shutdown: (sk, how) => tcpShutdown(tcpOf(sk), how),
  setsockopt: (sk, level, optname, value) => tcpSetsockopt(tcpOf(sk), level, optname, value),
  getsockopt: (sk, level, optname) => tcpGetsockopt(tcpOf(sk), level, optname),
  sendmsg: (sk, data, _addr, flags) => tcpSendmsg(tcpOf(sk), data, flags),
  recvmsg: tcpRecvmsgAlloc,
  recvfromInto: tcpRecvfromInto,
  hash: (sk) => inetHash(tcpOf(sk)),
  unhash: (sk) => inetUnhash(tcpOf(sk)),
  getPort: (sk, snum) => inetCskGetPort(tcpOf(sk), snum),
};

/**
 * Linux: tcp_init() + the TCP part of inet_init(): the SOCK_STREAM inetsw entry, the
 * IPPROTO_TCP handler, the per-namespace tables, congestion controls and /proc files.
 */
export function tcpInit(k: Kernel): void {
  inetRegisterProtosw(k, {
    type: SOCK_STREAM, protocol: IPPROTO_TCP, prot: tcpProt, ops: inetStreamOps,
    flags: INET_PROTOSW_PERMANENT | INET_PROTOSW_ICSK,
  });
  inetAddProtocol(k, { handler: tcpV4Rcv, errHandler: tcpV4Err }, IPPROTO_TCP);
  tcpNetInit(k);
  tcpCongInit(k);
  tcpProcInit(k);
}


