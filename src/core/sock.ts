/**
 * The protocol-independent socket (Linux: include/net/sock.h struct sock,
 * net/core/sock.c, net/core/datagram.c). Inet sockets (UDP, raw, ping, later TCP)
 * extend it with `InetSock` (src/ipv4/inet_sock.ts); the socket layer's `Socket`
 * points to it through `sock.sk`.
 *
 * Memory accounting follows Linux: a received skb is charged to the socket by its
 * truesize (sk_rmem_alloc) and refused once sk_rmem_alloc would pass sk_rcvbuf
 * (sock_queue_rcv_skb -> -ENOMEM, counted by the caller, sk_drops++); a sent skb is
 * charged to sk_wmem_alloc until the device or the peer frees it.
 */
import type { Net } from './net_namespace.js';
import type { SkBuff } from './skbuff.js';
import { kfreeSkbReason, consumeSkb } from './skbuff.js';
import { SKB_DROP_REASON_QUEUE_PURGE } from './drop_reason.js';
import type { DstEntry } from './dst.js';
import { SkBuffHead } from './skb_queue.js';
import type { WaitQueueHead } from './wait.js';

/** Linux: sysctl_rmem_default / rmem_max / wmem_default / wmem_max on a typical host (bytes). */
export const SK_RMEM_DEFAULT = 212992;
export const SK_RMEM_MAX = 212992;
export const SK_WMEM_DEFAULT = 212992;
export const SK_WMEM_MAX = 212992;
/** Linux: SOCK_MIN_RCVBUF / SOCK_MIN_SNDBUF (2 * 2048 + sizeof(struct sk_buff), rounded). */
export const SOCK_MIN_RCVBUF = 2304;
export const SOCK_MIN_SNDBUF = 4608;

/* sk_shutdown bits (Linux: RCV_SHUTDOWN, SEND_SHUTDOWN). */
export const RCV_SHUTDOWN = 1;
export const SEND_SHUTDOWN = 2;
export const SHUTDOWN_MASK = 3;

/* sock_flag() bits (Linux: enum sock_flags, the ones used here). */
export const SOCK_DEAD = 1 << 0;
export const SOCK_DONE = 1 << 1;
export const SOCK_BROADCAST = 1 << 2;
export const SOCK_RCVTSTAMP = 1 << 3;
export const SOCK_RCVTSTAMPNS = 1 << 4;
export const SOCK_KEEPOPEN = 1 << 5;
export const SOCK_LINGER = 1 << 6;
export const SOCK_RXQ_OVFL = 1 << 7;
export const SOCK_ZAPPED = 1 << 8;

/** Linux: struct sock (the fields every protocol shares). */
export class Sock {
  readonly net: Net;
  /** AF_INET ... (sk_family). */
  readonly family: number;
  /** SOCK_DGRAM ... (sk_type). */
  readonly type: number;
  /** IPPROTO_* (sk_protocol). */
  protocol: number;
  /** Protocol state (TCP_ESTABLISHED ...; UDP uses TCP_CLOSE/TCP_ESTABLISHED as Linux). */
  state = 7; /* TCP_CLOSE */
  /** Wait queue of the owning struct socket (sk_wq); null for kernel/orphaned sockets. */
  wq: WaitQueueHead | null = null;
  flags = 0;
  /** SO_REUSEADDR (sk_reuse): 0 no, 1 yes. */
  reuse = 0;
  /** SO_REUSEPORT (sk_reuseport). */
  reuseport = 0;
  /** SO_BINDTODEVICE ifindex (sk_bound_dev_if), 0 when unbound. */
  boundDevIf = 0;
  mark = 0;
  priority = 0;
  /** Owner uid (sk_uid), for route lookups by uid and ping_group_range. */
  uid = 0;
  gid = 0;
  rcvbuf = SK_RMEM_DEFAULT;
  sndbuf = SK_WMEM_DEFAULT;
  /** SOCK_RCVBUF_LOCK / SOCK_SNDBUF_LOCK bits (sk_userlocks). */
  userlocks = 0;
  rmemAlloc = 0;
  wmemAlloc = 0;
  /** Receive drops (sk_drops), reported by ss and SO_RXQ_OVFL. */
  drops = 0;
  /** Pending hard error, positive errno (sk_err); consumed by sock_error(). */
  err = 0;
  /** Soft error for connection-oriented sockets (sk_err_soft). */
  errSoft = 0;
  shutdown = 0;
  rcvlowat = 1;
  /** SO_LINGER seconds (sk_lingertime). */
  lingertime = 0;
  /** Linux: sk_rcvtimeo / sk_sndtimeo in ns. */
  rcvtimeo = Infinity;
  sndtimeo = Infinity;
  readonly receiveQueue = new SkBuffHead();
  readonly errorQueue = new SkBuffHead();
  /** Cached route (sk_dst_cache); checked with sk_dst_check before use. */
  dstCache: DstEntry | null = null;
  /** Flow hash for ECMP/queue selection (sk_txhash). */
  txhash = 0;
  /** SO_REUSEPORT group (sk_reuseport_cb): a SockReuseport of core/sock_reuseport.ts, or null. */
  reuseportCb: unknown = null;

  constructor(net: Net, family: number, type: number, protocol: number) {
    this.net = net;
    this.family = family;
    this.type = type;
    this.protocol = protocol;
  }
}

/** Linux: sock_flag(). */
export function sockFlag(sk: Sock, flag: number): boolean {
  return (sk.flags & flag) !== 0;
}

/** Linux: sock_set_flag()/sock_reset_flag(). */
export function sockSetFlag(sk: Sock, flag: number, on = true): void {
  if (on) sk.flags |= flag;
  else sk.flags &= ~flag;
}

/** Linux: sk->sk_data_ready = sock_def_readable(): wake readers. */
export function skDataReady(sk: Sock): void {
  sk.wq?.wakeUp(sk.net.kernel);
}

/** Linux: sock_def_write_space() / sk_error_report(): wake writers and pollers. */
export function skWriteSpace(sk: Sock): void {
  sk.wq?.wakeUp(sk.net.kernel);
}
export function skErrorReport(sk: Sock): void {
  sk.wq?.wakeUp(sk.net.kernel);
}

function sockRfree(skb: SkBuff): void {
  const sk = skb.sk as Sock;
  sk.rmemAlloc -= skb.truesize;
}

function sockWfree(skb: SkBuff): void {
  const sk = skb.sk as Sock;
  sk.wmemAlloc -= skb.truesize;
  skWriteSpace(sk);
}

/** Linux: skb_orphan(): run the destructor and forget the owner. */
export function skbOrphan(skb: SkBuff): void {
  if (skb.destructor) {
    const d = skb.destructor;
    skb.destructor = null;
    d(skb);
  }
  skb.sk = null;
}

/** Linux: skb_set_owner_r(): charge a received skb to `sk`. */
export function skbSetOwnerR(skb: SkBuff, sk: Sock): void {
  skbOrphan(skb);
  skb.sk = sk;
  skb.destructor = sockRfree;
  sk.rmemAlloc += skb.truesize;
}

/** Linux: skb_set_owner_w(): charge a sent skb to `sk` until it is freed. */
export function skbSetOwnerW(skb: SkBuff, sk: Sock): void {
  skbOrphan(skb);
  skb.sk = sk;
  skb.destructor = sockWfree;
  sk.wmemAlloc += skb.truesize;
}

/**
 * Linux: __sock_queue_rcv_skb() / sock_queue_rcv_skb_reason(). Queues `skb` on the
 * receive queue and wakes readers; returns 0, or -ENOMEM (12) when the receive
 * buffer is full: the caller frees the skb and counts the drop (sk_drops here).
 */
export function sockQueueRcvSkb(sk: Sock, skb: SkBuff): number {
  if (sk.rmemAlloc >= sk.rcvbuf) {
    sk.drops++;
    return -12;
  }
  skbSetOwnerR(skb, sk);
  skb.dev = null;
  sk.receiveQueue.enqueueTail(skb);
  if (!sockFlag(sk, SOCK_DEAD)) skDataReady(sk);
  return 0;
}

/**
 * Linux: sock_queue_err_skb(): queue an error report (with its sock_extended_err in
 * skb.cb) on sk_error_queue and wake the socket. Returns 0 or -ENOMEM.
 */
export function sockQueueErrSkb(sk: Sock, skb: SkBuff): number {
  if (sk.rmemAlloc + skb.truesize >= sk.rcvbuf) return -12;
  skbSetOwnerR(skb, sk);
  sk.errorQueue.enqueueTail(skb);
  if (!sockFlag(sk, SOCK_DEAD)) skErrorReport(sk);
  return 0;
}

/** Linux: sock_error(): take the pending error (as a negative errno), or 0. */
export function sockError(sk: Sock): number {
  const e = sk.err;
  if (!e) return 0;
  sk.err = 0;
  return -e;
}

/** Linux: skb_free_datagram() / consume_skb() after a read. */
export function skbFreeDatagram(_sk: Sock, skb: SkBuff): void {
  consumeSkb(skb);
}

/** Linux: __sk_dst_reset(). */
export function skDstReset(sk: Sock): void {
  sk.dstCache = null;
}

/** Linux: sk_dst_set(). */
export function skDstSet(sk: Sock, dst: DstEntry | null): void {
  sk.dstCache = dst;
}

/**
 * Linux: __sk_dst_check(): the cached route if it is still valid, else null (and the
 * cache is reset). A route is invalid once obsolete (its FIB generation changed, a
 * PMTU/redirect exception replaced it) — the route type decides via `dst.obsolete`
 * (0 = valid; IPv4 makes it a getter comparing the namespace's route generation).
 */
export function skDstCheck(sk: Sock): DstEntry | null {
  const dst = sk.dstCache;
  if (dst && dst.obsolete !== 0) {
    sk.dstCache = null;
    return null;
  }
  return dst;
}

function purgeOne(skb: SkBuff): void {
  kfreeSkbReason(skb, SKB_DROP_REASON_QUEUE_PURGE);
}

/** Free every skb on the socket's queues (Linux: sk_common_release / inet_sock_destruct). */
export function skPurgeQueues(sk: Sock): void {
  sk.receiveQueue.purge(purgeOne);
  sk.errorQueue.purge(purgeOne);
}
