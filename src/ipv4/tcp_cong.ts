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
import type { TcpCongestionOps, TcpSock } from './tcp_sock.js';
import { TCP_CONG_NON_RESTRICTED } from './tcp_defs.js';

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
