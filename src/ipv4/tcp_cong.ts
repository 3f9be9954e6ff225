/**
 * Pluggable congestion control (Linux: net/ipv4/tcp_cong.c). Algorithms register a
 * `TcpCongestionOps` on the kernel; each namespace picks its default with
 * net.ipv4.tcp_congestion_control, and a socket may choose another with
 * TCP_CONGESTION (unprivileged users only from tcp_allowed_congestion_control).
 * Reno (the fallback that is always there) lives here with the generic helpers
 * (tcp_slow_start, tcp_cong_avoid_ai, tcp_reno_*); CUBIC is tcp_cubic.ts.
 */
import type { Kernel, Net } from '../core/net_namespace.js';
import { ENOENT, EPERM, EBUSY } from '../socket/errno.js';
import { ipv4Net } from './netns_ipv4.js';
import { tcpInSlowStart, type TcpCongestionOps, type TcpSock } from './tcp_sock.js';
import { TCP_CONG_NON_RESTRICTED } from './tcp_defs.js';
import { tcpCubic } from './tcp_cubic.js';

/** The kernel's list of algorithms, in registration order (Linux: tcp_cong_list). */
export function tcpCongList(k: Kernel): TcpCongestionOps[] {
  let l = k.generic.get('tcp.cong_list') as TcpCongestionOps[] | undefined;
  if (!l) {
    l = [];
    k.generic.set('tcp.cong_list', l);
  }
  return l;
}

/** Linux: jhash of the name (any stable hash does: it is only an identifier). */
export function tcpCaKey(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Linux: tcp_register_congestion_control(): -EEXIST when the name is taken. */
export function tcpRegisterCongestionControl(k: Kernel, ca: TcpCongestionOps): number {
  const l = tcpCongList(k);
  if (l.some((x) => x.name === ca.name)) return -17;
  l.push(ca);
  return 0;
}

/** Linux: tcp_ca_find(). */
export function tcpCaFind(k: Kernel, name: string): TcpCongestionOps | null {
  for (const ca of tcpCongList(k)) if (ca.name === name) return ca;
  return null;
}

/** Linux: tcp_get_available_congestion_control(): names, space separated, registration order. */
export function tcpGetAvailableCongestionControl(k: Kernel): string {
  return tcpCongList(k).map((c) => c.name).join(' ');
}

/** Linux: tcp_set_default_congestion_control() (the sysctl write): -ENOENT for an unknown name. */
export function tcpSetDefaultCongestionControl(net: Net, name: string): number {
  const ca = tcpCaFind(net.kernel, name);
  if (!ca) return -ENOENT;
  const s = ipv4Net(net).sysctl;
  s.tcpCongestionControl = name;
  // Linux: the default is always allowed (it gets TCP_CONG_NON_RESTRICTED).
  const allowed = s.tcpAllowedCongestionControl.split(/\s+/).filter(Boolean);
  if (!allowed.includes(name)) s.tcpAllowedCongestionControl = [...allowed, name].join(' ');
  return 0;
}

/** Linux: tcp_set_allowed_congestion_control(): every name must be registered. */
export function tcpSetAllowedCongestionControl(net: Net, text: string): number {
  const names = text.split(/\s+/).filter(Boolean);
  for (const n of names) if (!tcpCaFind(net.kernel, n)) return -ENOENT;
  const s = ipv4Net(net).sysctl;
  if (!names.includes(s.tcpCongestionControl)) names.push(s.tcpCongestionControl);
  // Linux lists them in registration order.
  s.tcpAllowedCongestionControl = tcpCongList(net.kernel).filter((c) => names.includes(c.name)).map((c) => c.name).join(' ');
  return 0;
}

/** Whether an unprivileged socket may select `ca` (Linux: TCP_CONG_NON_RESTRICTED via the allowed list). */
export function tcpCaAllowed(net: Net, ca: TcpCongestionOps): boolean {
  if (ca.flags & TCP_CONG_NON_RESTRICTED) return true;
  return ipv4Net(net).sysctl.tcpAllowedCongestionControl.split(/\s+/).includes(ca.name);
}

/** Linux: tcp_assign_congestion_control(): a new socket gets the namespace's default. */
export function tcpAssignCongestionControl(sk: TcpSock): void {
  const k = sk.net.kernel;
  const ca = tcpCaFind(k, ipv4Net(sk.net).sysctl.tcpCongestionControl) ?? tcpCaFind(k, 'reno');
  sk.icskCaOps = ca;
  sk.icskCaPriv = null;
}

/** Linux: tcp_init_congestion_control(). */
export function tcpInitCongestionControl(sk: TcpSock): void {
  sk.icskCaInitialized = true;
  sk.icskCaOps?.init?.(sk);
}

/** Linux: tcp_cleanup_congestion_control(). */
export function tcpCleanupCongestionControl(sk: TcpSock): void {
  sk.icskCaOps?.release?.(sk);
  sk.icskCaPriv = null;
}

/**
 * Linux: tcp_set_congestion_control() (TCP_CONGESTION): -ENOENT unknown, -EPERM not allowed
 * for an unprivileged user. `cap` is CAP_NET_ADMIN.
 */
export function tcpSetCongestionControl(sk: TcpSock, name: string, cap: boolean): number {
  const ca = tcpCaFind(sk.net.kernel, name);
  if (!ca) return -ENOENT;
  if (sk.icskCaOps === ca) {
    sk.icskCaSetsockopt = true;
    return 0;
  }
  if (!cap && !tcpCaAllowed(sk.net, ca)) return -EPERM;
  void EBUSY;
  sk.icskCaSetsockopt = true;
  if (sk.icskCaInitialized) {
    tcpCleanupCongestionControl(sk);
    sk.icskCaOps = ca;
    tcpInitCongestionControl(sk);
  } else {
    sk.icskCaOps = ca;
  }
  return 0;
}

/* ---- Reno and the generic helpers (Linux: tcp_cong.c, include/net/tcp.h) ---- */

/**
 * Linux: tcp_is_cwnd_limited(): is the sender using its cwnd? (`isCwndLimited` is set by
 * the transmit path's tcp_cwnd_validate). In slow start cwnd may grow to twice what was
 * in flight.
 */
export function tcpIsCwndLimited(sk: TcpSock): boolean {
  const tp = sk;
  if (tp.isCwndLimited) return true;
  if (tcpInSlowStart(tp)) return tp.sndCwnd < 2 * tp.maxPacketsOut;
  return false;
}

/**
 * Linux: tcp_slow_start(): grow cwnd by `acked` up to ssthresh (RFC 5681 / RFC 3465 ABC with
 * L = infinity, as Linux). Returns the packets left over for congestion avoidance.
 */
export function tcpSlowStart(tp: TcpSock, acked: number): number {
  const cwnd = Math.min(tp.sndCwnd + acked, tp.sndSsthresh);
  acked -= cwnd - tp.sndCwnd;
  tp.sndCwnd = Math.min(cwnd, tp.sndCwndClamp);
  return acked;
}

/** Linux: tcp_cong_avoid_ai(): cwnd += 1 per `w` packets acked (additive increase). */
export function tcpCongAvoidAi(tp: TcpSock, w: number, acked: number): void {
  /* If credits accumulated at a higher w, apply them gently now. */
  if (tp.sndCwndCnt >= w) {
    tp.sndCwndCnt = 0;
    tp.sndCwnd++;
  }
  tp.sndCwndCnt += acked;
  if (tp.sndCwndCnt >= w) {
    const delta = Math.floor(tp.sndCwndCnt / w);
    tp.sndCwndCnt -= delta * w;
    tp.sndCwnd += delta;
  }
  tp.sndCwnd = Math.min(tp.sndCwnd, tp.sndCwndClamp);
}

/** Linux: tcp_reno_cong_avoid() (RFC 5681 slow start and congestion avoidance). */
export function tcpRenoCongAvoid(sk: TcpSock, ack: number, acked: number): void {
  void ack;
  const tp = sk;
  if (!tcpIsCwndLimited(sk)) return;
  /* In "safe" area, increase. */
  if (tcpInSlowStart(tp)) {
    acked = tcpSlowStart(tp, acked);
    if (!acked) return;
  }
  /* In dangerous area, increase slowly. */
  tcpCongAvoidAi(tp, tp.sndCwnd, acked);
}

/** Linux: tcp_reno_ssthresh(): half the cwnd, at least 2. */
export function tcpRenoSsthresh(sk: TcpSock): number {
  return Math.max(sk.sndCwnd >>> 1, 2);
}

/** Linux: tcp_reno_undo_cwnd(). */
export function tcpRenoUndoCwnd(sk: TcpSock): number {
  return Math.max(sk.sndCwnd, sk.priorCwnd);
}

/** Linux: struct tcp_congestion_ops tcp_reno (always available, TCP_CONG_NON_RESTRICTED). */
export const tcpReno: TcpCongestionOps = {
  name: 'reno',
  flags: TCP_CONG_NON_RESTRICTED,
  key: tcpCaKey('reno'),
  ssthresh: tcpRenoSsthresh,
  congAvoid: tcpRenoCongAvoid,
  undoCwnd: tcpRenoUndoCwnd,
};

/** Linux: tcp_set_ca_state(): tell the CC module, then switch icsk_ca_state. */
export function tcpSetCaState(sk: TcpSock, caState: number): void {
  const ops = sk.icskCaOps;
  if (ops && ops.setState) ops.setState(sk, caState);
  sk.icskCaState = caState;
}

/** Linux: tcp_ca_event(). */
export function tcpCaEvent(sk: TcpSock, event: number): void {
  const ops = sk.icskCaOps;
  if (ops && ops.cwndEvent) ops.cwndEvent(sk, event);
}

/**
 * Register the algorithms tuxnet has, in Linux's order: tcp_init() registers reno first,
 * the built-in cubic module follows (device initcall), so tcp_available_congestion_control
 * reads "reno cubic" (Linux: tcp_init(), cubictcp_register()).
 */
export function tcpCongInit(k: Kernel): void {
  if (!tcpCaFind(k, 'reno')) tcpRegisterCongestionControl(k, tcpReno);
  if (!tcpCaFind(k, 'cubic')) tcpRegisterCongestionControl(k, tcpCubic);
}
