/**
 * TCP's /proc files (Linux: net/ipv4/tcp_ipv4.c tcp4_seq_show() with get_tcp4_sock(),
 * get_openreq4() and get_timewait4_sock(); net/ipv4/proc.c sockstat_seq_show()'s TCP line).
 * `ss` falls back to /proc/net/tcp, `netstat`-era tools read it, and `ss -s` reads
 * /proc/net/sockstat.
 *
 * /proc/net/tcp: a 149-column header, then one line per socket in Linux's walk order:
 * listeners first (the listening hash), then the established hash (full sockets, request
 * socks as SYN_RECV lines, TIME_WAIT socks), each line padded to 149 columns
 * (seq_setwidth(TMPSZ - 1) + seq_pad). Times are clock_t (USER_HZ 100: jiffies / 10).
 * The `%pK` pointer column is a stable per-socket stand-in (no kernel addresses here).
 */
import type { Kernel, Net } from '../core/net_namespace.js';
import { procFilesOf } from '../socket/syscalls.js';
import { ipv4Net } from './netns_ipv4.js';
import { sockProtInuseGet, inetSockList } from './af_inet.js';
import { TcpSock, RequestSock, TimeWaitSock, tcpJiffies32 } from './tcp_sock.js';
import {
  TCP_LISTEN, TCP_SYN_RECV, TCP_INFINITE_SSTHRESH, ICSK_TIME_RETRANS, ICSK_TIME_REO_TIMEOUT, ICSK_TIME_LOSS_PROBE,
  ICSK_TIME_PROBE0,
} from './tcp_defs.js';
import { tcpForEachSock, tcpNet, type EhashSock } from './inet_hashtables.js';
import { inetDiagInit } from './inet_diag.js';

type AnySock = EhashSock;

/** Linux: TMPSZ in tcp_ipv4.c. */
const TMPSZ = 150;

function hex(v: number, width: number): string {
  return (v >>> 0).toString(16).toUpperCase().padStart(width, '0');
}

/** A __be32 address as a little-endian host prints it with %08X. */
function beAddrHex(a: number): string {
  return hex((((a & 0xff) << 24) | (((a >>> 8) & 0xff) << 16) | (((a >>> 16) & 0xff) << 8) | (a >>> 24)) >>> 0, 8);
}

/** Linux: jiffies_delta_to_clock_t(): a jiffies delta (ms here) as clock_t (1/100 s), never negative. */
function deltaToClockT(deltaJiffies: number): number {
  return deltaJiffies <= 0 ? 0 : Math.floor(deltaJiffies / 10);
}

/** Linux: jiffies_to_clock_t(). */
function jiffiesToClockT(j: number): number {
  return Math.floor(j / 10);
}

/** A stand-in for %pK (hashed pointers print as 8 zeros + 8 lower-case hex digits): stable per object. */
function pointerOf(seed: number): string {
  return '00000000' + (Math.imul(seed | 1, 0x9e3779b1) >>> 0).toString(16).padStart(8, '0');
}

function pad(line: string): string {
  return (line.length < TMPSZ - 1 ? line.padEnd(TMPSZ - 1) : line) + '\n';
}

/** Timers as ms of the kernel clock (jiffies) from a TimerList's ns expiry. */
function expiresJiffies(ns: number): number {
  return Math.floor(ns / 1_000_000);
}

/** Linux: get_tcp4_sock(). */
function getTcp4Sock(sk: TcpSock, i: number, now: number): string {
  let timerActive: number;
  let timerExpires: number;
  const pending = sk.icskPending;
  if (pending === ICSK_TIME_RETRANS || pending === ICSK_TIME_REO_TIMEOUT || pending === ICSK_TIME_LOSS_PROBE) {
    timerActive = 1;
    timerExpires = sk.icskTimeout;
  } else if (pending === ICSK_TIME_PROBE0) {
    timerActive = 4;
    timerExpires = sk.icskTimeout;
  } else if (sk.skTimer.pending()) {
    timerActive = 2;
    timerExpires = expiresJiffies(sk.skTimer.expires);
  } else {
    timerActive = 0;
    timerExpires = now;
  }
  const state = sk.state;
  // Linux: listeners show the accept-queue length; others the unread bytes.
  const rxQueue = state === TCP_LISTEN ? sk.ackBacklog : Math.max((sk.rcvNxt - sk.copiedSeq) | 0, 0);
  const txQueue = (sk.writeSeq - sk.sndUna) >>> 0;
  const pingpong = sk.icskAckPingpong >= ipv4Net(sk.net).sysctl.tcpPingpongThresh ? 1 : 0;
  // Linux: listeners print fastopenq->max_qlen (0 without TCP_FASTOPEN); others snd_ssthresh or -1 in initial slow start.
  const last = state === TCP_LISTEN ? 0 : sk.sndSsthresh >= TCP_INFINITE_SSTHRESH ? -1 : sk.sndSsthresh;
  return `${String(i).padStart(4)}: ${beAddrHex(sk.inetRcvSaddr)}:${hex(sk.inetNum || sk.inetSport, 4)} ` +
    `${beAddrHex(sk.inetDaddr)}:${hex(sk.inetDport, 4)} ${hex(state, 2)} ${hex(txQueue, 8)}:${hex(rxQueue, 8)} ` +
    `${hex(timerActive, 2)}:${hex(deltaToClockT(timerExpires - now), 8)} ${hex(sk.icskRetransmits, 8)} ` +
    `${String(sk.uid).padStart(5)} ${String(sk.icskProbesOut).padStart(8)} ${sk.ino} ${state === TCP_LISTEN ? 1 : 2} ${pointerOf(sk.ino || i)} ` +
    `${jiffiesToClockT(sk.icskRto)} ${jiffiesToClockT(sk.icskAckAto)} ${(sk.icskAckQuick << 1) | pingpong} ` +
    `${sk.sndCwnd} ${last}`;
}

/** Linux: get_openreq4(). */
function getOpenreq4(req: RequestSock, i: number, now: number): string {
  const ttd = req.timer.pending() ? expiresJiffies(req.timer.expires) - now : 0;
  return `${String(i).padStart(4)}: ${beAddrHex(req.locAddr)}:${hex(req.num, 4)} ${beAddrHex(req.rmtAddr)}:${hex(req.rmtPort, 4)} ` +
    `${hex(TCP_SYN_RECV, 2)} ${hex(0, 8)}:${hex(0, 8)} ${hex(1, 2)}:${hex(deltaToClockT(ttd), 8)} ${hex(req.numTimeout, 8)} ` +
    `${String(req.listener.uid).padStart(5)} ${String(0).padStart(8)} 0 0 ${pointerOf(req.sntIsn ^ req.rmtPort)}`;
}

/** Linux: get_timewait4_sock(). */
function getTimewait4Sock(tw: TimeWaitSock, i: number, now: number): string {
  const delta = tw.timer.pending() ? expiresJiffies(tw.timer.expires) - now : 0;
  return `${String(i).padStart(4)}: ${beAddrHex(tw.rcvSaddr)}:${hex(tw.num, 4)} ${beAddrHex(tw.daddr)}:${hex(tw.dport, 4)} ` +
    `${hex(tw.substate, 2)} ${hex(0, 8)}:${hex(0, 8)} ${hex(3, 2)}:${hex(deltaToClockT(delta), 8)} ${hex(0, 8)} ` +
    `${String(0).padStart(5)} ${String(0).padStart(8)} 0 3 ${pointerOf(tw.sndNxt ^ tw.dport)}`;
}

/** Linux: tcp4_seq_show() over the whole table (/proc/net/tcp). */
export function tcp4SeqShow(net: Net): string {
  let out = pad('  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode');
  const now = tcpJiffies32(net.kernel);
  let i = 0;
  tcpForEachSock(net, (sk: AnySock) => {
    if (sk instanceof TimeWaitSock) out += pad(getTimewait4Sock(sk, i, now));
    else if (sk instanceof RequestSock) out += pad(getOpenreq4(sk, i, now));
    else out += pad(getTcp4Sock(sk, i, now));
    i++;
  });
  return out;
}

/** Pages TCP sockets hold (Linux: tcp_memory_allocated; per-CPU reserves of 256 pages hide small amounts). */
function tcpMemPages(net: Net): number {
  let bytes = 0;
  for (const sk of inetSockList(net)) {
    if (sk instanceof TcpSock) bytes += sk.rmemAlloc + sk.wmemQueued;
  }
  const pages = Math.ceil(bytes / 4096);
  return pages >= 256 ? pages : 0;
}

/**
 * Linux: sockstat_seq_show()'s TCP line: inuse (hashed full sockets), orphan
 * (tcp_orphan_count), tw (TIME_WAIT socks), alloc (tcp_sockets_allocated: every TCP
 * socket not yet destroyed), mem (pages).
 */
export function tcpSockstatLine(net: Net): string {
  const tn = ipv4Net(net).tcp ? tcpNet(net) : null;
  let alloc = 0;
  for (const sk of inetSockList(net)) if (sk instanceof TcpSock) alloc++;
  return `TCP: inuse ${sockProtInuseGet(net, 'TCP')} orphan ${tn ? tn.orphanCount : 0} tw ${tn ? tn.twCount : 0} ` +
    `alloc ${alloc} mem ${tcpMemPages(net)}\n`;
}

/**
 * Linux: tcp4_proc_init(): /proc/net/tcp (the sockstat TCP line is tcpSockstatLine, called
 * by proc.ts); and tcp_diag_init(): NETLINK_SOCK_DIAG for TCP (inet_diag.ts), what ss reads.
 */
export function tcpProcInit(k: Kernel): void {
  procFilesOf(k).set('/proc/net/tcp', tcp4SeqShow);
  inetDiagInit(k);
}
