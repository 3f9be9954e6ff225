/**
 * SO_REUSEPORT groups (Linux: net/core/sock_reuseport.c): sockets bound to the
 * same address and port with SO_REUSEPORT by the same user share one group, and a
 * datagram for the port goes to one member chosen by a hash of its 4-tuple
 * (reuseport_select_sock without a BPF program). Connected members are skipped by
 * the hash choice; once a member connects (`hasConns`), lookups fall back to scoring
 * so the connected socket gets its own flow.
 */
import type { Sock } from './sock.js';

const TCP_ESTABLISHED = 1;

/** Linux: struct sock_reuseport. */
export class SockReuseport {
  readonly socks: Sock[] = [];
  /** Some member connected (Linux: has_conns). */
  hasConns = false;
  /** The group was created by a socket bound to INADDR_ANY (Linux: bind_inany). */
  bindInany: boolean;
  constructor(bindInany: boolean) {
    this.bindInany = bindInany;
  }
}

function groupOf(sk: Sock): SockReuseport | null {
  return sk.reuseportCb as SockReuseport | null;
}

/** Linux: reuseport_alloc(): a new group holding `sk`. */
export function reuseportAlloc(sk: Sock, bindInany: boolean): number {
  if (groupOf(sk)) return 0;
  const reuse = new SockReuseport(bindInany);
  reuse.socks.push(sk);
  sk.reuseportCb = reuse;
  return 0;
}

/** Linux: reuseport_add_sock(): `sk` joins the group of `sk2` (created if needed). */
export function reuseportAddSock(sk: Sock, sk2: Sock, bindInany: boolean): number {
  if (!groupOf(sk2)) reuseportAlloc(sk2, bindInany);
  const reuse = groupOf(sk2)!;
  const old = groupOf(sk);
  if (old === reuse) return 0;
  if (old) reuseportDetachSock(sk);
  reuse.socks.push(sk);
  sk.reuseportCb = reuse;
  return 0;
}

/** Linux: reuseport_detach_sock(): the last member takes the leaver's place. */
export function reuseportDetachSock(sk: Sock): void {
  const reuse = groupOf(sk);
  if (!reuse) return;
  const socks = reuse.socks;
  const i = socks.indexOf(sk);
  if (i >= 0) {
    socks[i] = socks[socks.length - 1]!;
    socks.pop();
  }
  sk.reuseportCb = null;
}

/** Linux: reuseport_has_conns_set(). */
export function reuseportHasConnsSet(sk: Sock): void {
  const reuse = groupOf(sk);
  if (reuse) reuse.hasConns = true;
}

/** Linux: reuseport_has_conns(). */
export function reuseportHasConns(sk: Sock): boolean {
  const reuse = groupOf(sk);
  return reuse !== null && reuse.hasConns;
}

/** Linux: reciprocal_scale(): `val` scaled into [0, n). */
export function reciprocalScale(val: number, n: number): number {
  return Math.floor(((val >>> 0) * n) / 4294967296);
}

/**
 * Linux: reuseport_select_sock() (no BPF program: reuseport_select_sock_by_hash()):
 * the member for a flow hash, skipping connected members; null when every member
 * is connected or `sk` has no group.
 */
export function reuseportSelectSock(sk: Sock, hash: number): Sock | null {
  const reuse = groupOf(sk);
  if (!reuse) return null;
  const socks = reuse.socks;
  const n = socks.length;
  if (n === 0) return null;
  let i = reciprocalScale(hash, n);
  const j = i;
  do {
    const s = socks[i]!;
    if (s.state !== TCP_ESTABLISHED) return s;
    if (++i >= n) i = 0;
  } while (i !== j);
  return null;
}
