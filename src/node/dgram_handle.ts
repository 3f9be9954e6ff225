/**
 * The UDP handle under src/node/dgram.ts (no Linux counterpart: Node's udp_wrap and
 * libuv's uv_udp_* for Linux, over the tuxnet syscall layer instead of the host's):
 * a lazily created kernel socket, bind/connect/options that return 0 or -errno, the
 * receive loop and the send queue. dgram.ts turns the errnos into Node's errors.
 *
 * - As libuv, socket(2) happens at the first bind (explicit, implicit, or the
 *   deferred bind of a membership call); before it, everything is -EBADF.
 * - Receiving: one pending wait per handle on the socket's wait queue, then
 *   non-blocking recvmsg(2) for what is queued (at most RECV_BATCH per event-loop
 *   turn, as libuv reads 32 per poll), delivered from a setImmediate callback so a
 *   listener's exception is an uncaught exception as in Node. The wait is the
 *   handle's own (not the namespace task's), so close() ends it and close(2)s the fd
 *   synchronously, freeing the port at once as uv_close() does: a blocking recvmsg(2)
 *   on the fd could not be cancelled without touching the task's other sockets, and
 *   one woken after close(2) would read whatever socket reused the fd number. The
 *   wait counts as a blocked task for the virtual clock, so time moves on while a
 *   program waits for datagrams.
 * - Sending: one sendto(2) that queues the datagram or fails at once. When the send
 *   buffer is full (EAGAIN: skbs still held by a qdisc) the datagram waits in the
 *   handle's queue, as libuv queues it, and goes out in order when the wait queue
 *   reports room; close() completes what is left with -ECANCELED.
 */
import type { Netns } from '../api/kernel.js';
import type { Interruptible } from '../core/wait.js';
import { sockfdLookup } from '../socket/syscalls.js';
import {
  type Socket as KernelSocket, type SockaddrIn, AF_INET, AF_INET6, AF_UNSPEC, SOCK_DGRAM, SOL_SOCKET, SO_REUSEADDR,
} from '../socket/socket.js';
import { EBADF, EINVAL, EAGAIN } from '../socket/errno.js';
import { parseIpv4 } from '../wire/iphdr.js';
import { keepAliveOf, HandleRef } from './ref.js';
import { isIPv6 } from './net_addr.js';
import { errnoOf } from './errors.js';

/** libuv's UV_ECANCELED (Linux ECANCELED): what close() gives sends still queued. */
export const ECANCELED = 125;
/** Datagrams read per event-loop turn (libuv: 32 recvmsg calls per poll event). */
const RECV_BATCH = 32;
/** The receive buffer Node hands libuv (64 KiB), larger than any IPv4 UDP payload. */
const RECV_BUFFER_LEN = 64 * 1024;

/** A datagram handed to the handle: sent at once, or queued until there is room. */
export interface SendReq {
  data: Uint8Array;
  /** The destination; null on a connected socket (send(2)). */
  sa: SockaddrIn | null;
  /** Called once with the bytes sent or -errno (-ECANCELED when closed first). */
  done(r: number): void;
}

/** Where a handle delivers what it reads (Node: handle.onmessage). */
export interface UdpReceiver {
  /** A datagram from an IPv4 peer: its bytes and its address (host-order u32) and port. */
  onMessage(data: Uint8Array, addr: number, port: number): void;
  /** A receive error (-errno): a pending ICMP error on a connected socket (ECONNREFUSED). */
  onError(err: number): void;
}

/** The UDP handle of one dgram Socket. */
export class UdpHandle {
  /** The kernel socket's fd, -1 until the first bind. */
  private fd = -1;
  private receiving = false;
  /** The kernel socket (its wait queue), the pending wait, the scheduled read. */
  private ksock: KernelSocket | null = null;
  private readonly waiting = new Set<Interruptible>();
  private readPending: ReturnType<typeof setImmediate> | null = null;
  /** Datagrams waiting for send-buffer room (libuv's write queue), and their bytes. */
  private sendQueue: SendReq[] = [];
  private queuedBytes = 0;
  private readonly refs: HandleRef;

  constructor(private readonly ns: Netns, readonly family: 'udp4' | 'udp6', private readonly receiver: UdpReceiver) {
    this.refs = new HandleRef(keepAliveOf(ns.kernel));
  }

  /** Whether the kernel socket exists (libuv: fd != -1). */
  get hasSocket(): boolean {
    return this.fd >= 0;
  }

  /** socket(2) when there is no fd yet (libuv's lazy socket); 0 or -errno. */
  private ensureFd(): number {
    if (this.fd >= 0) return 0;
    try {
      this.fd = this.ns.syscalls.socket(this.family === 'udp4' ? AF_INET : AF_INET6, SOCK_DGRAM);
    } catch (e) {
      return errnoOf(e);
    }
    return 0;
  }

  /**
   * libuv uv_udp_bind(): the address as this family's (-EINVAL otherwise, and for
   * UV_UDP_IPV6ONLY on IPv4), the socket, SO_REUSEADDR, bind(2); 0 or -errno.
   */
  bind(ip: string, port: unknown, reuse: boolean, ipv6Only = false): number {
    // The port as V8's Uint32 conversion and uv_ip4_addr's htons() leave it.
    const p = (Number(port) >>> 0) & 0xffff;
    let sa: SockaddrIn | null = null;
    if (this.family === 'udp4') {
      const a = parseIpv4(ip);
      if (a === null || ipv6Only) return -EINVAL;
      sa = { family: AF_INET, port: p, addr: a };
    } else if (!isIPv6(ip)) {
      return -EINVAL;
    }
    const err = this.ensureFd();
    if (err) return err;
    try {
      if (reuse) this.ns.syscalls.setsockopt(this.fd, SOL_SOCKET, SO_REUSEADDR, 1);
      // udp6 never gets here: socket(AF_INET6) fails (no IPv6 stack).
      this.ns.syscalls.bind(this.fd, sa!);
    } catch (e) {
      return errnoOf(e);
    }
    return 0;
  }

  /**
   * libuv uv__udp_maybe_deferred_bind(): membership calls on a handle without a socket
   * create it and bind it to the any address, port 0, with SO_REUSEADDR.
   */
  deferredBind(): number {
    if (this.fd >= 0) return 0;
    return this.bind(this.family === 'udp4' ? '0.0.0.0' : '::', 0, true);
  }

  /** connect(2) to an IPv4 address and port (datagram: no wait); 0 or -errno. */
  connect(ip: string, port: number): number {
    const a = this.family === 'udp4' ? parseIpv4(ip) : null;
    if (a === null) return -EINVAL;
    return this.call(() => this.ns.syscalls.connectNow(this.fd, { family: AF_INET, port, addr: a }));
  }

  /** connect(AF_UNSPEC): dissolve the association; 0 or -errno. */
  disconnect(): number {
    return this.call(() => this.ns.syscalls.connectNow(this.fd, { family: AF_UNSPEC }));
  }

  /** getsockname(2)/getpeername(2), or -errno. */
  name(peer: boolean): SockaddrIn | number {
    if (this.fd < 0) return -EBADF;
    try {
      return (peer ? this.ns.syscalls.getpeername(this.fd) : this.ns.syscalls.getsockname(this.fd)) as SockaddrIn;
    } catch (e) {
      return errnoOf(e);
    }
  }

  /** setsockopt(2); 0 or -errno (-EBADF before the socket exists, as libuv). */
  setopt(level: number, optname: number, value: unknown): number {
    return this.call(() => this.ns.syscalls.setsockopt(this.fd, level, optname, value));
  }

  /** getsockopt(2) of an int option: the value, or -errno. */
  getopt(level: number, optname: number): number {
    if (this.fd < 0) return -EBADF;
    try {
      return Number(this.ns.syscalls.getsockopt(this.fd, level, optname));
    } catch (e) {
      return errnoOf(e);
    }
  }

  private call(fn: () => void): number {
    if (this.fd < 0) return -EBADF;
    try {
      fn();
    } catch (e) {
      return errnoOf(e);
    }
    return 0;
  }

  /* ---------------------------------------------------------------- */
  /* send                                                              */

  /** Send now, or queue behind earlier datagrams / until the send buffer has room. */
  send(req: SendReq): void {
    if (this.sendQueue.length === 0) {
      const r = this.trySend(req);
      if (r !== -EAGAIN) {
        req.done(r);
        return;
      }
    }
    this.sendQueue.push(req);
    this.queuedBytes += req.data.byteLength;
    this.waitForData();
  }

  /** Bytes waiting in the send queue (Node: getSendQueueSize). */
  get sendQueueSize(): number {
    return this.queuedBytes;
  }

  /** Datagrams waiting in the send queue (Node: getSendQueueCount). */
  get sendQueueCount(): number {
    return this.sendQueue.length;
  }

  /** One sendto(2)/send(2): the bytes sent or -errno. */
  private trySend(req: SendReq): number {
    try {
      return req.sa ? this.ns.syscalls.sendto(this.fd, req.data, req.sa) : this.ns.syscalls.send(this.fd, req.data);
    } catch (e) {
      return errnoOf(e);
    }
  }

  /** Send what the queue holds while the kernel takes it (libuv: uv__udp_sendmsg on POLLOUT). */
  private flushSendQueue(): void {
    while (this.sendQueue.length > 0 && this.fd >= 0) {
      const req = this.sendQueue[0]!;
      const r = this.trySend(req);
      if (r === -EAGAIN) return;
      this.sendQueue.shift();
      this.queuedBytes -= req.data.byteLength;
      req.done(r);
    }
  }

  /* ---------------------------------------------------------------- */
  /* receive                                                           */

  /** libuv uv_udp_recv_start(): read and deliver datagrams until recvStop()/close(). */
  recvStart(): void {
    if (this.receiving || this.fd < 0) return;
    this.receiving = true;
    this.ksock = sockfdLookup(this.ns.task, this.fd, 'recvmsg');
    this.refs.setActive(true);
    this.scheduleRead();
  }

  /** libuv uv_udp_recv_stop(). */
  recvStop(): void {
    if (!this.receiving) return;
    this.receiving = false;
    this.refs.setActive(false);
    if (this.readPending !== null) clearImmediate(this.readPending);
    this.readPending = null;
    for (const w of [...this.waiting]) w.cancel();
  }

  private scheduleRead(): void {
    if (this.readPending === null && this.receiving) this.readPending = setImmediate(this.readDatagrams);
  }

  /** Send what waits, read what is queued (up to RECV_BATCH) and deliver it; then wait again. */
  private readonly readDatagrams = (): void => {
    this.readPending = null;
    let settled = false;
    try {
      for (let i = 0; i < RECV_BATCH && this.receiving; i++) {
        const wq = this.ksock!.wq;
        const seen = wq.wakeups;
        if (this.sendQueue.length > 0) this.flushSendQueue();
        let r;
        try {
          r = this.ns.syscalls.recvmsgNow(this.fd, RECV_BUFFER_LEN);
        } catch (e) {
          const err = -errnoOf(e);
          if (err === EBADF) { // the fd is gone (the kernel closed it): nothing more to read
            settled = true;
            this.recvStop();
            return;
          }
          this.receiver.onError(-err);
          continue;
        }
        if (r === null || r.addr === null || r.addr.family !== AF_INET) {
          // Nothing queued: sleep unless the queue was woken meanwhile (bottom halves ran).
          if (r === null && wq.wakeups !== seen) continue;
          settled = true;
          this.waitForData();
          return;
        }
        this.receiver.onMessage(r.data, r.addr.addr, r.addr.port);
      }
      settled = true;
      this.scheduleRead();
    } finally {
      // A listener threw (an uncaught exception, as in Node): keep receiving.
      if (!settled) this.scheduleRead();
    }
  };

  private waitForData(): void {
    if (!this.receiving || this.waiting.size > 0) return;
    void this.ksock!.wq.wait(this.ns.kernel.core, Infinity, this.waiting).then(() => this.scheduleRead());
  }

  /* ---------------------------------------------------------------- */
  /* ref, close                                                        */

  ref(): void {
    this.refs.ref();
  }

  unref(): void {
    this.refs.unref();
  }

  /** libuv uv_close(): stop receiving, cancel queued sends, close(2) the fd. */
  close(): void {
    this.recvStop();
    const queued = this.sendQueue;
    this.sendQueue = [];
    this.queuedBytes = 0;
    for (const req of queued) req.done(-ECANCELED);
    if (this.fd >= 0) {
      const fd = this.fd;
      this.fd = -1;
      try {
        void this.ns.syscalls.close(fd);
      } catch {
        // EBADF: the kernel closed its fds first.
      }
    }
    this.ksock = null;
  }
}
