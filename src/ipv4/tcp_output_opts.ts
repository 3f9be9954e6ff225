/**
 * TCP options on output (Linux: net/ipv4/tcp_output.c tcp_syn_options(),
 * tcp_synack_options(), tcp_established_options(), tcp_options_write(),
 * tcp_advertise_mss(); include/net/tcp.h TCPOLEN_*_ALIGNED). The layout is Linux's,
 * 32-bit aligned, in this order (middleboxes are sensitive to it, and SACK_PERM first
 * is known to break some):
 *
 * ```
 *   MSS          02 04 mm mm
 *   TS + SACKOK  04 02 08 0a  tsval  tsecr      (SACK permitted packed before TS)
 *   TS           01 01 08 0a  tsval  tsecr
 *   SACKOK only  01 01 04 02
 *   WSCALE       01 03 03 ws
 *   SACK blocks  01 01 05 len  (start end)*n
 * ```
 * A SYN carries MSS, TS, SACK_PERM, WSCALE as the sysctls allow; a SYN-ACK what the
 * request negotiated; other segments TS and SACK/D-SACK blocks (as many as fit in 40
 * bytes). MD5/AO, Fast Open, MPTCP and AccECN options are not implemented.
 * The window field's value (tcp_select_initial_window, tcp_select_window) is chosen
 * here too.
 */
import type { DstEntry } from '../core/dst.js';
import { writeU32 } from '../wire/bytes.js';
import { TCPOPT_MSS, TCPOPT_NOP, TCPOPT_SACK, TCPOPT_SACK_PERM, TCPOPT_TIMESTAMP, TCPOPT_WINDOW } from '../wire/tcphdr.js';
import { RTAX_ADVMSS } from '../wire/route.js';
import { ipv4Net } from './netns_ipv4.js';
import type { Rtable } from './rtable.js';
import type { TcpSock, RequestSock } from './tcp_sock.js';
import {
  MAX_TCP_OPTION_SPACE, OPTION_SACK_ADVERTISE, OPTION_TS, OPTION_WSCALE, TCP_MAX_WSCALE, MAX_TCP_WINDOW,
  ICSK_ACK_NOMEM,
} from './tcp_defs.js';
import {
  LINUX_MIB_TCPTOZEROWINDOWADV, LINUX_MIB_TCPFROMZEROWINDOWADV, LINUX_MIB_TCPWANTZEROWINDOWADV,
} from '../core/snmp.js';
import { tcpSpace, tcpFullSpace } from './tcp_input_rtt.js';

/** Linux: TCPOLEN_*_ALIGNED and the SACK block sizes. */
export const TCPOLEN_MSS_ALIGNED = 4;
export const TCPOLEN_TSTAMP_ALIGNED = 12;
export const TCPOLEN_WSCALE_ALIGNED = 4;
export const TCPOLEN_SACKPERM_ALIGNED = 4;
export const TCPOLEN_SACK_BASE = 2;
export const TCPOLEN_SACK_BASE_ALIGNED = 4;
export const TCPOLEN_SACK_PERBLOCK = 8;

/** Linux: sysctl_rmem_max default (net.core.rmem_max). */
const SYSCTL_RMEM_MAX = 212992;

/** Linux: tcp_select_initial_window()'s outputs. */
export class TcpInitialWindow {
  rcvWnd = 0;
  windowClamp = 0;
  rcvWscale = 0;
}

/** Linux: IPV4_MAX_PMTU and ip_rt_min_advmss (net/ipv4/route.c: 256). */
const IPV4_MAX_PMTU = 65535;
const IP_RT_MIN_ADVMSS = 256;

/** Linux: struct tcp_out_options (SYN and SYN-ACK only; data segments write inline). */
export class TcpOutOptions {
  /** OPTION_* bits. */
  options = 0;
  /** 0 = no MSS option. */
  mss = 0;
  ws = 0;
  numSackBlocks = 0;
  tsval = 0;
  tsecr = 0;
}

/**
 * Linux: dst_metric_advmss() with ipv4_default_advmss(): the route's advmss metric, else
 * the path MTU less 40 bytes of headers (at least ip_rt_min_advmss, at most 65495).
 */
export function dstMetricAdvmss(dst: DstEntry | null): number {
  if (dst === null) return 536;
  const rt = dst as Rtable;
  const m = rt.metrics !== undefined ? rt.metrics[RTAX_ADVMSS]! : 0;
  if (m !== 0) return m;
  const headerSize = 40;
  const advmss = Math.max(rt.mtu() - headerSize, IP_RT_MIN_ADVMSS);
  return Math.min(advmss, IPV4_MAX_PMTU - headerSize);
}

/** Linux: tcp_mss_clamp(): the user's TCP_MAXSEG bounds the MSS. */
export function tcpMssClamp(tp: TcpSock, mss: number): number {
  const userMss = tp.rxOpt.userMss;
  return userMss !== 0 && userMss < mss ? userMss : mss;
}

/** Linux: tcp_advertise_mss(): advmss, lowered to the route's advmss metric. */
export function tcpAdvertiseMss(tp: TcpSock): number {
  let mss = tp.advmss;
  const dst = tp.dstCache;
  if (dst !== null) {
    const metric = dstMetricAdvmss(dst);
    if (metric < mss) {
      mss = metric;
      tp.advmss = mss;
    }
  }
  return mss & 0xffff;
}

/**
 * Linux: tcp_syn_options(): MSS always, then TS, WSCALE and SACK_PERM as
 * net.ipv4.tcp_timestamps/window_scaling/sack allow. Returns the options' size.
 * `tsval` is the SYN's timestamp (its send time in ms plus tsoffset).
 */
export function tcpSynOptions(tp: TcpSock, tsval: number, opts: TcpOutOptions): number {
  const s = ipv4Net(tp.net).sysctl;
  let remaining = MAX_TCP_OPTION_SPACE;
  opts.mss = tcpAdvertiseMss(tp);
  remaining -= TCPOLEN_MSS_ALIGNED;
  if (s.tcpTimestamps !== 0) {
    opts.options |= OPTION_TS;
    opts.tsval = tsval >>> 0;
    opts.tsecr = tp.rxOpt.tsRecent >>> 0;
    remaining -= TCPOLEN_TSTAMP_ALIGNED;
  }
  if (s.tcpWindowScaling !== 0) {
    opts.ws = tp.rxOpt.rcvWscale;
    opts.options |= OPTION_WSCALE;
    remaining -= TCPOLEN_WSCALE_ALIGNED;
  }
  if (s.tcpSack !== 0) {
    opts.options |= OPTION_SACK_ADVERTISE;
    if ((opts.options & OPTION_TS) === 0) remaining -= TCPOLEN_SACKPERM_ALIGNED;
  }
  return MAX_TCP_OPTION_SPACE - remaining;
}

/** Linux: tcp_synack_options(): what the request negotiated (MSS always). */
export function tcpSynackOptions(req: RequestSock, mss: number, tsval: number, opts: TcpOutOptions): number {
  let remaining = MAX_TCP_OPTION_SPACE;
  opts.mss = mss;
  remaining -= TCPOLEN_MSS_ALIGNED;
  if (req.wscaleOk) {
    opts.ws = req.rcvWscale;
    opts.options |= OPTION_WSCALE;
    remaining -= TCPOLEN_WSCALE_ALIGNED;
  }
  if (req.tstampOk) {
    opts.options |= OPTION_TS;
    opts.tsval = tsval >>> 0;
    opts.tsecr = req.tsRecent >>> 0;
    remaining -= TCPOLEN_TSTAMP_ALIGNED;
  }
  if (req.sackOk) {
    opts.options |= OPTION_SACK_ADVERTISE;
    if (!req.tstampOk) remaining -= TCPOLEN_SACKPERM_ALIGNED;
  }
  return MAX_TCP_OPTION_SPACE - remaining;
}

/**
 * Linux: the SACK part of tcp_established_options(): how many SACK blocks (D-SACK
 * first) fit after `size` bytes of other options; 0 when none are to be sent.
 */
export function tcpEstablishedSackBlocks(tp: TcpSock, size: number): number {
  const effSacks = tp.rxOpt.numSacks + (tp.rxOpt.dsack ? 1 : 0);
  if (effSacks === 0) return 0;
  const remaining = MAX_TCP_OPTION_SPACE - size;
  if (remaining < TCPOLEN_SACK_BASE_ALIGNED + TCPOLEN_SACK_PERBLOCK) return 0;
  const fit = Math.floor((remaining - TCPOLEN_SACK_BASE_ALIGNED) / TCPOLEN_SACK_PERBLOCK);
  return effSacks < fit ? effSacks : fit;
}

/**
 * Linux: tcp_established_options() (size only): timestamps when negotiated plus the
 * SACK blocks that fit. tcp_current_mss() uses it to size data segments.
 */
export function tcpEstablishedOptionsSize(tp: TcpSock): number {
  let size = tp.rxOpt.tstampOk ? TCPOLEN_TSTAMP_ALIGNED : 0;
  const n = tcpEstablishedSackBlocks(tp, size);
  if (n !== 0) size += TCPOLEN_SACK_BASE_ALIGNED + n * TCPOLEN_SACK_PERBLOCK;
  return size;
}

function put4(buf: Uint8Array, off: number, a: number, b: number, c: number, d: number): void {
  buf[off] = a;
  buf[off + 1] = b;
  buf[off + 2] = c;
  buf[off + 3] = d;
}

/**
 * Linux: tcp_options_write() for SYN / SYN-ACK options (`off` = first option byte).
 * Returns the offset after the options.
 */
export function tcpOptionsWrite(buf: Uint8Array, off: number, opts: TcpOutOptions): number {
  let options = opts.options;
  if (opts.mss !== 0) {
    put4(buf, off, TCPOPT_MSS, 4, (opts.mss >> 8) & 0xff, opts.mss & 0xff);
    off += 4;
  }
  if ((options & OPTION_TS) !== 0) {
    if ((options & OPTION_SACK_ADVERTISE) !== 0) {
      put4(buf, off, TCPOPT_SACK_PERM, 2, TCPOPT_TIMESTAMP, 10);
      options &= ~OPTION_SACK_ADVERTISE;
    } else {
      put4(buf, off, TCPOPT_NOP, TCPOPT_NOP, TCPOPT_TIMESTAMP, 10);
    }
    writeU32(buf, off + 4, opts.tsval);
    writeU32(buf, off + 8, opts.tsecr);
    off += 12;
  }
  if ((options & OPTION_SACK_ADVERTISE) !== 0) {
    put4(buf, off, TCPOPT_NOP, TCPOPT_NOP, TCPOPT_SACK_PERM, 2);
    off += 4;
  }
  if ((options & OPTION_WSCALE) !== 0) {
    put4(buf, off, TCPOPT_NOP, TCPOPT_WINDOW, 3, opts.ws);
    off += 4;
  }
  return off;
}

/**
 * Linux: tcp_options_write() for an established-state segment: the timestamp option
 * (NOP NOP TS) and `numSackBlocks` SACK blocks (NOP NOP SACK), the D-SACK block first
 * when one is pending (Linux reads duplicate_sack[] and selective_acks[] as one array).
 * Sending clears the pending D-SACK (rx_opt.dsack = 0).
 */
export function tcpOptionsWriteEstablished(tp: TcpSock, buf: Uint8Array, off: number, tsval: number,
  numSackBlocks: number): void {
  if (tp.rxOpt.tstampOk) {
    put4(buf, off, TCPOPT_NOP, TCPOPT_NOP, TCPOPT_TIMESTAMP, 10);
    writeU32(buf, off + 4, tsval >>> 0);
    writeU32(buf, off + 8, tp.rxOpt.tsRecent >>> 0);
    off += 12;
  }
  if (numSackBlocks !== 0) {
    put4(buf, off, TCPOPT_NOP, TCPOPT_NOP, TCPOPT_SACK, TCPOLEN_SACK_BASE + numSackBlocks * TCPOLEN_SACK_PERBLOCK);
    off += 4;
    const dsack = tp.rxOpt.dsack;
    for (let i = 0; i < numSackBlocks; i++) {
      const sp = dsack ? (i === 0 ? tp.duplicateSack[0]! : tp.selectiveAcks[i - 1]!) : tp.selectiveAcks[i]!;
      writeU32(buf, off, sp.startSeq >>> 0);
      writeU32(buf, off + 4, sp.endSeq >>> 0);
      off += 8;
    }
    tp.rxOpt.dsack = false;
  }
}

/* ------------------------------------------------------------------ */
/* Window selection                                                    */

/**
 * Linux: tcp_select_initial_window() (6.x): the SYN's window is the receive space
 * (rounded down to MSS multiples, bounded by the route's initrwnd), the scale is chosen
 * from the largest buffer the socket could grow to (tcp_rmem[2], rmem_max, the clamp).
 */
export function tcpSelectInitialWindow(sk: TcpSock, space: number, mss: number, windowClamp: number,
  wscaleOk: boolean, initRcvWnd: number): TcpInitialWindow {
  const r = new TcpInitialWindow();
  const s = ipv4Net(sk.net).sysctl;
  if (space < 0) space = 0;
  // If no clamp set the clamp to the max possible scaled window.
  if (windowClamp === 0) windowClamp = 65535 * (1 << TCP_MAX_WSCALE);
  space = Math.min(windowClamp, space);
  // Quantize space offering to a multiple of mss if possible.
  if (space > mss) space = Math.floor(space / mss) * mss;
  r.rcvWnd = s.tcpWorkaroundSignedWindows ? Math.min(space, MAX_TCP_WINDOW) : space;
  if (initRcvWnd) r.rcvWnd = Math.min(r.rcvWnd, initRcvWnd * mss);
  r.rcvWscale = 0;
  if (wscaleOk) {
    // Set window scaling on max possible window.
    space = Math.max(space, s.tcpRmem[2]!, SYSCTL_RMEM_MAX);
    space = Math.min(space, windowClamp);
    const ilog2 = space > 0 ? 31 - Math.clz32(space) : 0;
    r.rcvWscale = Math.min(Math.max(ilog2 - 15, 0), TCP_MAX_WSCALE);
  }
  // Set the clamp no higher than max representable value.
  r.windowClamp = Math.min(65535 * (1 << r.rcvWscale), windowClamp);
  return r;
}

/**
 * Linux: __tcp_select_window(): the window the free receive space allows, with the SWS
 * rules (RFC 1122 4.2.3.3: zero when below an MSS or 1/16 of the buffer), rounded to
 * the scale (or kept as a multiple of MSS without scaling).
 */
export function __tcpSelectWindow(sk: TcpSock): number {
  const tp = sk;
  let mss = sk.icskAckRcvMss;
  let freeSpace = tcpSpace(sk);
  const allowedSpace = tcpFullSpace(sk);
  const fullSpace = Math.min(tp.windowClamp, allowedSpace);
  const wscale = tp.rxOpt.rcvWscale;
  const unit = 1 << wscale;
  if (mss > fullSpace) {
    mss = fullSpace;
    if (mss <= 0) return 0;
  }
  if (ipv4Net(sk.net).sysctl.tcpShrinkWindow !== 0 && wscale !== 0) {
    // shrink_window_allowed: the new window is always a multiple of the scale unit.
    freeSpace = Math.floor(freeSpace / unit) * unit;
    if (freeSpace < (fullSpace >> 1)) {
      sk.icskAckQuick = 0;
      if (freeSpace < (allowedSpace >> 4) || freeSpace > tp.rcvSsthresh || freeSpace < unit) return 0;
    }
    if (freeSpace > tp.rcvSsthresh) freeSpace = Math.ceil(tp.rcvSsthresh / unit) * unit;
    return freeSpace;
  }
  if (freeSpace < (fullSpace >> 1)) {
    sk.icskAckQuick = 0;
    // free_space might become our new window, make sure we don't increase it due to wscale.
    freeSpace = Math.floor(freeSpace / unit) * unit;
    // Below 1/16 of the buffer or an MSS: move to a zero window (tcp_clamp_window()
    // would otherwise grow the buffer and data would be dropped at the memory limit).
    if (freeSpace < (allowedSpace >> 4) || freeSpace < mss) return 0;
  }
  if (freeSpace > tp.rcvSsthresh) freeSpace = tp.rcvSsthresh;
  let window: number;
  if (wscale !== 0) {
    // Advertise enough space so that it won't get scaled away.
    window = Math.ceil(freeSpace / unit) * unit;
  } else {
    window = tp.rcvWnd;
    // The largest window that is a nice multiple of mss; keep the current offer when
    // it is within one mss of the free space.
    if (window <= freeSpace - mss || window > freeSpace) window = Math.floor(freeSpace / mss) * mss;
    else if (mss === fullSpace && freeSpace > window + (fullSpace >> 1)) window = freeSpace;
  }
  return window;
}

/**
 * Linux: tcp_select_window(): choose the window to advertise, never shrinking the
 * offered one (unless net.ipv4.tcp_shrink_window with scaling), record it (rcv_wnd,
 * rcv_wup) and return it scaled for th->window; counts the zero-window transitions.
 */
export function tcpSelectWindow(sk: TcpSock): number {
  const tp = sk;
  const mib = ipv4Net(sk.net).mib.net;
  const s = ipv4Net(sk.net).sysctl;
  const oldWin = tp.rcvWnd;
  const wscale = tp.rxOpt.rcvWscale;
  // Make the window 0 if we failed to queue the data because we are out of memory.
  if (sk.icskAckPending & ICSK_ACK_NOMEM) {
    tp.predFlags = 0;
    tp.rcvWnd = 0;
    tp.rcvWup = tp.rcvNxt;
    return 0;
  }
  let curWin = (tp.rcvWup + tp.rcvWnd - tp.rcvNxt) | 0;
  if (curWin < 0) curWin = 0;
  let newWin = __tcpSelectWindow(sk);
  if (newWin < curWin) {
    // Danger Will Robinson! Don't update rcv_wup/rcv_wnd here or else we will not be
    // able to advertise a zero window in time. --DaveM  Relax Will Robinson.
    if (s.tcpShrinkWindow === 0 || wscale === 0) {
      // Never shrink the offered window.
      if (newWin === 0) mib[LINUX_MIB_TCPWANTZEROWINDOWADV]!++;
      const unit = 1 << wscale;
      newWin = Math.ceil(curWin / unit) * unit;
    }
  }
  tp.rcvWnd = newWin;
  tp.rcvWup = tp.rcvNxt;
  // Make sure we do not exceed the maximum possible scaled window.
  if (wscale === 0 && s.tcpWorkaroundSignedWindows) newWin = Math.min(newWin, MAX_TCP_WINDOW);
  else newWin = Math.min(newWin, 65535 * (1 << wscale));
  // RFC 1323 scaling applied.
  newWin = Math.floor(newWin / (1 << wscale));
  // If we advertise zero window, disable fast path.
  if (newWin === 0) {
    tp.predFlags = 0;
    if (oldWin) mib[LINUX_MIB_TCPTOZEROWINDOWADV]!++;
  } else if (oldWin === 0) {
    mib[LINUX_MIB_TCPFROMZEROWINDOWADV]!++;
  }
  return newWin;
}
