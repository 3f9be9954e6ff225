/**
 * node:dgram over a tuxnet namespace (no Linux counterpart: this is Node's lib/dgram.js
 * and libuv's uv_udp_* re-spelled over the tuxnet syscall layer). `dgramApi(ns)` gives
 * `{ createSocket, Socket }` bound to one namespace; a Socket is an EventEmitter with
 * node:dgram's surface (bind, connect, send, close, address, the socket options,
 * membership, ref/unref, buffer sizes) and events ('listening', 'message', 'connect',
 * 'error', 'close'), with Node 20's argument handling (dgram_args.ts), state machine
 * and errors:
 *
 * - As libuv, the kernel socket is created at the first bind (explicit, or implicit on
 *   the first send/connect, or the deferred bind of addMembership): before it,
 *   address() is `getsockname EBADF`, buffer sizes are ERR_SOCKET_BUFFER_SIZE.
 * - Names go through the `lookup` option or the namespace's resolver (net_addr.ts:
 *   IP literals and localhost), asynchronously, as dns.lookup answers.
 * - Receiving: one pending wait per bound socket on the socket's wait queue, the
 *   datagrams then read with non-blocking recvmsg(2) (at most RECV_BATCH per event-loop
 *   turn, as libuv reads 32 per poll) and emitted from a setImmediate callback, so a
 *   listener's exception is an uncaught exception as in Node. The wait is this
 *   socket's own (not the namespace task's), so close() can end it and close(2) the fd
 *   synchronously, freeing the port at once as uv_close() does; a blocking recvmsg(2)
 *   on the fd could not be cancelled without touching the other sockets of the task,
 *   and a wake-up after close(2) would read whatever socket reused the fd number.
 *   The wait counts as a blocked task for the virtual clock, so time moves on while
 *   a program waits for datagrams.
 * - A send is one sendto(2) that queues the datagram or fails at once: the callback
 *   comes on the next tick with the byte count or the error (a send error without a
 *   callback is dropped, as Node drops it). When the send buffer is full (EAGAIN:
 *   skbs still held by a qdisc) the datagram waits in the handle's send queue, as
 *   libuv queues it, and goes out in order when the socket's wait queue reports
 *   room (getSendQueueSize/Count count it; close() cancels it with ECANCELED).
 * - An ICMP error on a connected socket comes as an 'error' event from recvmsg
 *   (`recvmsg ECONNREFUSED`), as libuv reports it.
 *
 * Differences (the kernel has no IPv6 and no source-specific multicast): 'udp6'
 * sockets are created but their bind fails with `bind EAFNOSUPPORT ::` (socket(2) of
 * AF_INET6 fails), as Node on a kernel without IPv6; addSourceSpecificMembership
 * fails with ENOPROTOOPT. Node 20 has no `reusePort` option (22.12 added it): it is
 * ignored as Node 20 ignores it. The `fd` of bind options and cluster sharing are not
 * supported (there is no host fd): `fd` is ignored, every bind is exclusive.
 */
import { EventEmitter } from 'node:events';
import { Buffer } from 'node:buffer';
import type * as NodeDgram from 'node:dgram';
import type { Netns } from '../api/kernel.js';
import type { Interruptible } from '../core/wait.js';
import { sockfdLookup } from '../socket/syscalls.js';
import {
  type Socket as KernelSocket, type SockaddrIn, AF_INET, AF_INET6, AF_UNSPEC, SOCK_DGRAM, SOL_SOCKET, SO_BROADCAST,
  SO_REUSEADDR, SO_RCVBUF, SO_SNDBUF,
} from '../socket/socket.js';
import { EBADF, EINVAL, ENOPROTOOPT, EAGAIN } from '../socket/errno.js';
import {
  SOL_IP, IP_TTL, IP_MULTICAST_TTL, IP_MULTICAST_LOOP, IP_MULTICAST_IF, IP_ADD_MEMBERSHIP, IP_DROP_MEMBERSHIP,
} from '../ipv4/inet_sock.js';
import { parseIpv4, ipv4ToString } from '../wire/iphdr.js';
import { keepAliveOf, HandleRef } from './ref.js';
import { isIPv6, validatePort } from './net_addr.js';
import {
  errnoException, exceptionWithHostPort, ERR_INVALID_ARG_TYPE, ERR_MISSING_ARGS, ERR_SOCKET_ALREADY_BOUND,
  ERR_SOCKET_DGRAM_NOT_RUNNING, ERR_SOCKET_DGRAM_IS_CONNECTED, ERR_SOCKET_DGRAM_NOT_CONNECTED, ERR_SOCKET_BAD_TYPE,
  ERR_SOCKET_BAD_BUFFER_SIZE, ERR_SOCKET_BUFFER_SIZE,
} from './errors.js';
import {
  errnoOf, toInt32, validateNumber, validateString, validateUint32, nullHandle, isView, sliceBuffer, fixBufferList,
  gather, defaultLookup,
} from './dgram_args.js';

/** node:dgram socket types. */
export type SocketType = 'udp4' | 'udp6';
/** What createSocket takes (Node 20's dgram.SocketOptions). */
export type SocketOptions = NodeDgram.SocketOptions;
/** The sender of a datagram ('message' event). */
export type RemoteInfo = NodeDgram.RemoteInfo;
/** What address()/remoteAddress() return. */
export interface AddressInfo { address: string; family: string; port: number }
/** A dns.lookup-shaped resolver (the `lookup` option). */
export type LookupFunction = (hostname: string, family: number,
  callback: (err: Error | null, address: string, family?: number) => void) => void;
type SendCallback = (error: Error | null, bytes?: number) => void;
type BufferLike = string | NodeJS.ArrayBufferView | readonly (string | NodeJS.ArrayBufferView)[];

/** Linux: IP_ADD_SOURCE_MEMBERSHIP / IP_DROP_SOURCE_MEMBERSHIP (uapi/linux/in.h); tuxnet has neither. */
const IP_ADD_SOURCE_MEMBERSHIP = 39;
const IP_DROP_SOURCE_MEMBERSHIP = 40;
/** libuv's UV_ECANCELED (Linux ECANCELED), what close() gives sends still queued. */
const ECANCELED = 125;
/** Datagrams read per event-loop turn (libuv: 32 recvmsg calls per poll event). */
const RECV_BATCH = 32;
/** The receive buffer Node hands libuv (64 KiB), larger than any IPv4 UDP payload. */
const RECV_BUFFER_LEN = 64 * 1024;

const BIND_STATE_UNBOUND = 0;
const BIND_STATE_BINDING = 1;
const BIND_STATE_BOUND = 2;
const CONNECT_STATE_DISCONNECTED = 0;
const CONNECT_STATE_CONNECTING = 1;
const CONNECT_STATE_CONNECTED = 2;

/** A datagram waiting for send-buffer room. */
interface PendingSend {
  data: Uint8Array;
  /** The destination; null on a connected socket (send(2)). */
  sa: SockaddrIn | null;
  /** As the caller gave them (for the error's text). */
  address: string | undefined;
  port: number | undefined;
  callback: SendCallback | undefined;
}

/** A send's callback on the next tick: (null, bytes) or Node's `send ECODE address:port` error. */
function sendDone(callback: SendCallback | undefined, r: number, address: string | undefined, port: number | undefined): void {
  if (!callback) return; // Node: a failed send without a callback is not an 'error'
  if (r >= 0) process.nextTick(callback, null, r);
  else process.nextTick(callback, exceptionWithHostPort(r, 'send', address, port));
}

/**
 * A UDP socket in a tuxnet namespace with node:dgram's Socket surface. Obtain one from
 * `nodeApi(ns).dgram.createSocket('udp4')` (or `new nodeApi(ns).dgram.Socket('udp4')`).
 */
export class DgramSocket extends EventEmitter {
  /** 'udp4' or 'udp6'. */
  readonly type: SocketType;
  private readonly ns: Netns;
  private readonly resolve: (address: string, cb: (err: Error | null, ip: string) => void) => void;
  /** The kernel socket's fd, -1 until the first bind (libuv creates it there). */
  private fd = -1;
  /** False once closed (Node: the handle is null). */
  private open = true;
  private bindState = BIND_STATE_UNBOUND;
  private connectState = CONNECT_STATE_DISCONNECTED;
  /** Work waiting for the bind to finish (Node: state.queue). */
  private queue: (() => void)[] | undefined = undefined;
  private receiving = false;
  private readonly reuseAddr: boolean;
  private readonly ipv6Only: boolean;
  private readonly recvBufferSize: number | undefined;
  private readonly sendBufferSize: number | undefined;
  private readonly handleRef: HandleRef;
  private readonly unhookKernel: () => void;
  /** The receive side: the kernel socket (its wait queue), the pending wait, the scheduled read. */
  private ksock: KernelSocket | null = null;
  private readonly waiting = new Set<Interruptible>();
  private readPending: ReturnType<typeof setImmediate> | null = null;
  /** Datagrams waiting for send-buffer room (libuv's write queue), and their bytes. */
  private sendQueue: PendingSend[] = [];
  private sendQueueBytes = 0;

  constructor(ns: Netns, type: SocketType | SocketOptions, listener?: (msg: Buffer, rinfo: RemoteInfo) => void) {
    super();
    let options: SocketOptions | undefined;
    let lookup: unknown;
    let t: unknown = type;
    if (type !== null && typeof type === 'object') {
      options = type;
      t = options.type;
      lookup = options.lookup;
      if (options.recvBufferSize) validateUint32(options.recvBufferSize, 'options.recvBufferSize');
      if (options.sendBufferSize) validateUint32(options.sendBufferSize, 'options.sendBufferSize');
    }
    if (lookup !== undefined && typeof lookup !== 'function') throw ERR_INVALID_ARG_TYPE('lookup', 'Function', lookup);
    if (t !== 'udp4' && t !== 'udp6') throw ERR_SOCKET_BAD_TYPE();
    this.type = t;
    this.ns = ns;
    const fn = (lookup ?? defaultLookup) as LookupFunction;
    // Node's lookup4/lookup6: an empty address is the loopback one.
    this.resolve = t === 'udp4'
      ? (address, cb) => fn(address || '127.0.0.1', 4, cb)
      : (address, cb) => fn(address || '::1', 6, cb);
    if (typeof listener === 'function') this.on('message', listener);
    this.reuseAddr = Boolean(options?.reuseAddr);
    this.ipv6Only = Boolean(options?.ipv6Only);
    this.recvBufferSize = options?.recvBufferSize;
    this.sendBufferSize = options?.sendBufferSize;
    this.handleRef = new HandleRef(keepAliveOf(ns.kernel));
    // The kernel's shutdown closes the socket as a process exit would.
    this.unhookKernel = ns.kernel.onClose(() => {
      if (this.open) this.destroyHandle();
    });
    const signal = options?.signal as unknown;
    if (signal !== undefined) {
      if (signal === null || typeof signal !== 'object' || !('aborted' in signal)) {
        throw ERR_INVALID_ARG_TYPE('options.signal', 'AbortSignal', signal);
      }
      const s = signal as AbortSignal;
      const onAborted = (): void => {
        if (this.open) this.close();
      };
      if (s.aborted) onAborted();
      else {
        s.addEventListener('abort', onAborted, { once: true });
        this.once('close', () => s.removeEventListener('abort', onAborted));
      }
    }
  }

  /* ---------------------------------------------------------------- */
  /* bind / connect                                                    */

  /**
   * node:dgram bind(port?, address?, callback?) or bind(options, callback?): resolves
   * the address, binds (EADDRINUSE etc. as an 'error' event: `bind EADDRINUSE
   * 0.0.0.0:41234`), then starts receiving and emits 'listening'.
   */
  bind(port?: number | NodeDgram.BindOptions | (() => void), address?: string | (() => void), callback?: () => void): this;
  bind(...args: unknown[]): this {
    this.healthCheck();
    if (this.bindState !== BIND_STATE_UNBOUND) throw ERR_SOCKET_ALREADY_BOUND();
    this.bindState = BIND_STATE_BINDING;
    const cb = args.length > 0 ? args[args.length - 1] : undefined;
    if (typeof cb === 'function') {
      const removeListeners = (): void => {
        this.removeListener('error', removeListeners);
        this.removeListener('listening', onListening);
      };
      const onListening = (): void => {
        removeListeners();
        (cb as () => void).call(this);
      };
      this.on('error', removeListeners);
      this.on('listening', onListening);
    }
    let port = args[0];
    let address: unknown;
    if (port !== null && typeof port === 'object') {
      // { port, address, exclusive, fd }: `fd` names a host descriptor; there is none here.
      const o = port as NodeDgram.BindOptions;
      address = o.address || '';
      port = o.port;
    } else {
      address = typeof args[1] === 'function' ? '' : args[1];
    }
    if (!address) address = this.type === 'udp4' ? '0.0.0.0' : '::';
    this.resolve(address as string, (err, ip) => {
      if (!this.open) return; // closed in the meantime
      if (err) {
        this.bindState = BIND_STATE_UNBOUND;
        this.emit('error', err);
        return;
      }
      const r = this.kernelBind(ip, port, this.reuseAddr);
      if (r !== 0) {
        this.bindState = BIND_STATE_UNBOUND;
        this.emit('error', exceptionWithHostPort(r, 'bind', ip, port as number));
        return;
      }
      this.startListening();
    });
    return this;
  }

  /** socket(2) when there is no fd yet (libuv's lazy socket); 0 or -errno. */
  private ensureFd(): number {
    if (this.fd >= 0) return 0;
    try {
      this.fd = this.ns.syscalls.socket(this.type === 'udp4' ? AF_INET : AF_INET6, SOCK_DGRAM);
    } catch (e) {
      return -errnoOf(e);
    }
    return 0;
  }

  /** libuv uv_udp_bind(): the address as this family's, the socket, SO_REUSEADDR, bind(2); 0 or -errno. */
  private kernelBind(ip: string, port: unknown, reuse: boolean): number {
    // The port as V8's Uint32 conversion and uv_ip4_addr's htons() leave it.
    const p = (Number(port) >>> 0) & 0xffff;
    let sa: SockaddrIn | null = null;
    if (this.type === 'udp4') {
      const a = parseIpv4(ip);
      if (a === null) return -EINVAL;
      if (this.ipv6Only) return -EINVAL; // UV_UDP_IPV6ONLY on an IPv4 address
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
      return -errnoOf(e);
    }
    return 0;
  }

  private startListening(): void {
    this.bindState = BIND_STATE_BOUND;
    this.startReceiving();
    if (this.recvBufferSize) this.bufferSize(this.recvBufferSize, true);
    if (this.sendBufferSize) this.bufferSize(this.sendBufferSize, false);
    this.emit('listening');
  }

  /** Run `fn` once the bind finished (Node: enqueue(); a failed bind drops the queue). */
  private enqueue(fn: () => void): void {
    if (this.queue === undefined) {
      this.queue = [];
      const onListenError = (): void => {
        this.removeListener('listening', onListenSuccess);
        this.queue = undefined;
      };
      const onListenSuccess = (): void => {
        this.removeListener(EventEmitter.errorMonitor, onListenError);
        const q = this.queue!;
        this.queue = undefined;
        for (const f of q) f();
      };
      this.once(EventEmitter.errorMonitor, onListenError);
      this.once('listening', onListenSuccess);
    }
    this.queue.push(fn);
  }

  /** Implicit bind to 0.0.0.0:0 (send/connect on an unbound socket). */
  private implicitBind(): void {
    if (this.bindState === BIND_STATE_UNBOUND) this.bind({ port: 0, exclusive: true });
  }

  /** node:dgram connect(port, address?, callback?): a default peer; 'connect' when done. */
  connect(port: number, address?: string | (() => void), callback?: () => void): void {
    const p = validatePort(port, 'Port', false);
    let addr: unknown = address;
    let cb = callback;
    if (typeof addr === 'function') {
      cb = addr as () => void;
      addr = '';
    } else if (addr === undefined) {
      addr = '';
    }
    validateString(addr, 'address');
    if (this.connectState !== CONNECT_STATE_DISCONNECTED) throw ERR_SOCKET_DGRAM_IS_CONNECTED();
    this.connectState = CONNECT_STATE_CONNECTING;
    this.implicitBind();
    if (this.bindState !== BIND_STATE_BOUND) {
      this.enqueue(() => this.startConnect(p, addr as string, cb));
      return;
    }
    this.startConnect(p, addr, cb);
  }

  private startConnect(port: number, address: string, callback: ((err?: Error) => void) | undefined): void {
    if (callback) this.once('connect', callback);
    this.resolve(address, (ex, ip) => {
      if (!this.open) return;
      let err: Error | null = ex;
      if (!err) {
        const r = this.kernelConnect(ip, port);
        if (r) err = exceptionWithHostPort(r, 'connect', address, port);
      }
      if (err) {
        const e = err;
        this.connectState = CONNECT_STATE_DISCONNECTED;
        process.nextTick(() => {
          if (callback) {
            this.removeListener('connect', callback);
            callback(e);
          } else {
            this.emit('error', e);
          }
        });
        return;
      }
      this.connectState = CONNECT_STATE_CONNECTED;
      process.nextTick(() => this.emit('connect'));
    });
  }

  private kernelConnect(ip: string, port: number): number {
    if (this.type !== 'udp4') return -EINVAL;
    const a = parseIpv4(ip);
    if (a === null) return -EINVAL;
    try {
      this.ns.syscalls.connectNow(this.fd, { family: AF_INET, port, addr: a });
    } catch (e) {
      return -errnoOf(e);
    }
    return 0;
  }

  /** node:dgram disconnect(): connect(AF_UNSPEC) dissolves the association. */
  disconnect(): void {
    if (this.connectState !== CONNECT_STATE_CONNECTED) throw ERR_SOCKET_DGRAM_NOT_CONNECTED();
    try {
      this.ns.syscalls.connectNow(this.fd, { family: AF_UNSPEC });
    } catch (e) {
      throw errnoException(errnoOf(e), 'connect');
    }
    this.connectState = CONNECT_STATE_DISCONNECTED;
  }

  /* ---------------------------------------------------------------- */
  /* send                                                              */

  /**
   * node:dgram send(msg, [offset, length,] port, address?, callback?), or on a
   * connected socket send(msg, [offset, length,] callback?). `msg`: a string, a
   * Buffer/TypedArray/DataView, or an array of them (one datagram). An unbound socket
   * binds to 0.0.0.0:0 first. The callback gets (error, bytes) on the next tick.
   */
  send(msg: BufferLike, port?: number, address?: string, callback?: SendCallback): void;
  send(msg: BufferLike, port?: number, callback?: SendCallback): void;
  send(msg: BufferLike, callback?: SendCallback): void;
  send(msg: BufferLike, offset: number, length: number, port?: number, address?: string, callback?: SendCallback): void;
  send(msg: BufferLike, offset: number, length: number, port?: number, callback?: SendCallback): void;
  send(msg: BufferLike, offset: number, length: number, callback?: SendCallback): void;
  send(msg: unknown, offset?: unknown, length?: unknown, port?: unknown, address?: unknown, callback?: unknown): void {
    let buffer: unknown = msg;
    let list: NodeJS.ArrayBufferView[];
    const connected = this.connectState === CONNECT_STATE_CONNECTED;
    if (!connected) {
      if (address || (port && typeof port !== 'function')) {
        buffer = sliceBuffer(buffer, offset, length);
      } else {
        callback = port;
        port = offset;
        address = length;
      }
    } else {
      if (typeof length === 'number') {
        buffer = sliceBuffer(buffer, offset, length);
        if (typeof port === 'function') {
          callback = port;
          port = null;
        }
      } else {
        callback = offset;
      }
      if (port || address) throw ERR_SOCKET_DGRAM_IS_CONNECTED();
    }
    if (!Array.isArray(buffer)) {
      if (typeof buffer === 'string') list = [Buffer.from(buffer)];
      else if (!isView(buffer)) throw ERR_INVALID_ARG_TYPE('buffer', ['Buffer', 'TypedArray', 'DataView', 'string'], buffer);
      else list = [buffer];
    } else {
      const fixed = fixBufferList(buffer);
      if (!fixed) throw ERR_INVALID_ARG_TYPE('buffer list arguments', ['Buffer', 'TypedArray', 'DataView', 'string'], buffer);
      list = fixed;
    }
    if (!connected) port = validatePort(port, 'Port', false);
    let cb = typeof callback === 'function' ? callback as SendCallback : undefined;
    if (typeof address === 'function') {
      cb = address as SendCallback;
      address = undefined;
    } else if (address !== undefined && address !== null) {
      validateString(address, 'address');
    }
    this.healthCheck();
    this.implicitBind();
    if (list.length === 0) list.push(Buffer.alloc(0));
    const p = port as number | undefined;
    const a = address as string | undefined;
    if (this.bindState !== BIND_STATE_BOUND) {
      // Re-entered after the bind with the port and address already sorted out.
      this.enqueue(() => this.send(list, p, a, cb));
      return;
    }
    if (!connected) this.resolve(a as string, (ex, ip) => this.doSend(ex, ip, list, a, p, cb));
    else this.doSend(null, null, list, a, p, cb);
  }

  private doSend(ex: Error | null, ip: string | null, list: NodeJS.ArrayBufferView[], address: string | undefined,
    port: number | undefined, callback: SendCallback | undefined): void {
    if (ex) {
      if (callback) process.nextTick(callback, ex);
      else process.nextTick(() => this.emit('error', ex));
      return;
    }
    if (!this.open) return;
    let sa: SockaddrIn | null = null;
    if (port) {
      const a = this.type === 'udp4' ? parseIpv4(ip!) : null;
      if (a === null) {
        sendDone(callback, -EINVAL, address, port);
        return;
      }
      sa = { family: AF_INET, port, addr: a };
    }
    const req: PendingSend = { data: gather(list), sa, address, port, callback };
    // Behind queued datagrams, or no room now: wait in the queue (in order).
    if (this.sendQueue.length === 0) {
      const r = this.trySend(req);
      if (r !== -EAGAIN) {
        sendDone(callback, r, address, port);
        return;
      }
    }
    this.sendQueue.push(req);
    this.sendQueueBytes += req.data.byteLength;
    this.waitForData();
  }

  /** One sendto(2)/send(2): the bytes sent or -errno. */
  private trySend(req: PendingSend): number {
    try {
      return req.sa ? this.ns.syscalls.sendto(this.fd, req.data, req.sa) : this.ns.syscalls.send(this.fd, req.data);
    } catch (e) {
      return -errnoOf(e);
    }
  }

  /** Send what the queue holds while the kernel takes it (libuv: uv__udp_sendmsg on POLLOUT). */
  private flushSendQueue(): void {
    while (this.sendQueue.length > 0 && this.open) {
      const req = this.sendQueue[0]!;
      const r = this.trySend(req);
      if (r === -EAGAIN) return;
      this.sendQueue.shift();
      this.sendQueueBytes -= req.data.byteLength;
      sendDone(req.callback, r, req.address, req.port);
    }
  }

  /** Thin wrapper for dgram_legacy compatibility (Node: sendto). */
  sendto(buffer: BufferLike, offset: number, length: number, port: number, address: string, callback?: SendCallback): void {
    validateNumber(offset, 'offset');
    validateNumber(length, 'length');
    validateNumber(port, 'port');
    validateString(address, 'address');
    this.send(buffer, offset, length, port, address, callback);
  }

  /* ---------------------------------------------------------------- */
  /* receive                                                           */

  private startReceiving(): void {
    this.receiving = true;
    this.ksock = sockfdLookup(this.ns.task, this.fd, 'recvmsg');
    this.handleRef.setActive(true);
    this.scheduleRead();
  }

  private stopReceiving(): void {
    if (!this.receiving) return;
    this.receiving = false;
    this.handleRef.setActive(false);
    if (this.readPending !== null) clearImmediate(this.readPending);
    this.readPending = null;
    for (const w of [...this.waiting]) w.cancel();
  }

  private scheduleRead(): void {
    if (this.readPending === null && this.receiving) this.readPending = setImmediate(this.readDatagrams);
  }

  /** Read what is queued (up to RECV_BATCH) and emit it; then wait on the socket again. */
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
          const err = errnoOf(e);
          if (err === EBADF) { // the fd is gone (the kernel closed it): nothing more to read
            settled = true;
            this.stopReceiving();
            return;
          }
          this.emit('error', errnoException(err, 'recvmsg'));
          continue;
        }
        if (r === null || r.addr === null || r.addr.family !== AF_INET) {
          // Nothing queued: sleep unless the queue was woken meanwhile (bottom halves ran).
          if (r === null && wq.wakeups !== seen) continue;
          settled = true;
          this.waitForData();
          return;
        }
        const msg = Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength);
        const rinfo: RemoteInfo = { address: ipv4ToString(r.addr.addr), family: 'IPv4', port: r.addr.port, size: msg.length };
        this.emit('message', msg, rinfo);
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
    const core = this.ns.kernel.core;
    void this.ksock!.wq.wait(core, Infinity, this.waiting).then(() => this.scheduleRead());
  }

  /* ---------------------------------------------------------------- */
  /* close, addresses                                                  */

  /** node:dgram close(callback?): stops receiving, closes the socket; 'close' on the next tick. */
  close(callback?: () => void): this {
    if (typeof callback === 'function') this.on('close', callback);
    if (this.queue !== undefined) {
      this.queue.push(() => this.close());
      return this;
    }
    this.healthCheck();
    this.destroyHandle();
    return this;
  }

  private destroyHandle(): void {
    this.stopReceiving();
    // libuv's uv_close(): queued sends complete with UV_ECANCELED.
    for (const req of this.sendQueue) sendDone(req.callback, -ECANCELED, req.address, req.port);
    this.sendQueue = [];
    this.sendQueueBytes = 0;
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
    this.open = false;
    this.unhookKernel();
    process.nextTick(() => this.emit('close'));
  }

  /** Node: healthCheck(): ERR_SOCKET_DGRAM_NOT_RUNNING once closed. */
  private healthCheck(): void {
    if (!this.open) throw ERR_SOCKET_DGRAM_NOT_RUNNING();
  }

  private sockname(peer: boolean): AddressInfo {
    const syscall = peer ? 'getpeername' : 'getsockname';
    if (this.fd < 0) throw errnoException(EBADF, syscall);
    let sa;
    try {
      sa = peer ? this.ns.syscalls.getpeername(this.fd) : this.ns.syscalls.getsockname(this.fd);
    } catch (e) {
      throw errnoException(errnoOf(e), syscall);
    }
    const s = sa as SockaddrIn;
    return { address: ipv4ToString(s.addr), family: 'IPv4', port: s.port };
  }

  /** node:dgram address(): { address, family, port } of the bound socket. */
  address(): AddressInfo {
    this.healthCheck();
    return this.sockname(false);
  }

  /** node:dgram remoteAddress(): the connected peer. */
  remoteAddress(): AddressInfo {
    this.healthCheck();
    if (this.connectState !== CONNECT_STATE_CONNECTED) throw ERR_SOCKET_DGRAM_NOT_CONNECTED();
    return this.sockname(true);
  }

  /* ---------------------------------------------------------------- */
  /* options                                                           */

  /** setsockopt(2) on the fd: 0 or -errno (-EBADF before the socket exists, as libuv). */
  private setopt(level: number, name: number, value: unknown): number {
    if (this.fd < 0) return -EBADF;
    try {
      this.ns.syscalls.setsockopt(this.fd, level, name, value);
    } catch (e) {
      return -errnoOf(e);
    }
    return 0;
  }

  /** A socket option the way Node's handle methods set it: ErrnoException(err, method) on failure. */
  private option(method: string, level: number, name: number, value: unknown): void {
    if (!this.open) throw nullHandle(method);
    const r = this.setopt(level, name, value);
    if (r) throw errnoException(r, method);
  }

  /** node:dgram setBroadcast(flag): SO_BROADCAST. */
  setBroadcast(flag: boolean): void {
    this.option('setBroadcast', SOL_SOCKET, SO_BROADCAST, flag ? 1 : 0);
  }

  /** node:dgram setTTL(ttl): IP_TTL (1..255, as libuv checks). */
  setTTL(ttl: number): number {
    validateNumber(ttl, 'ttl');
    const v = toInt32(ttl);
    if (!this.open) throw nullHandle('setTTL');
    if (v < 1 || v > 255) throw errnoException(EINVAL, 'setTTL');
    this.option('setTTL', SOL_IP, IP_TTL, v);
    return ttl;
  }

  /** node:dgram setMulticastTTL(ttl): IP_MULTICAST_TTL (0..255). */
  setMulticastTTL(ttl: number): number {
    validateNumber(ttl, 'ttl');
    const v = toInt32(ttl);
    if (!this.open) throw nullHandle('setMulticastTTL');
    if (v < 0 || v > 255) throw errnoException(EINVAL, 'setMulticastTTL');
    this.option('setMulticastTTL', SOL_IP, IP_MULTICAST_TTL, v);
    return ttl;
  }

  /** node:dgram setMulticastLoopback(flag): IP_MULTICAST_LOOP. */
  setMulticastLoopback(flag: boolean): boolean {
    this.option('setMulticastLoopback', SOL_IP, IP_MULTICAST_LOOP, flag ? 1 : 0);
    return flag;
  }

  /** node:dgram setMulticastInterface(address): IP_MULTICAST_IF. */
  setMulticastInterface(interfaceAddress: string): void {
    this.healthCheck();
    validateString(interfaceAddress, 'interfaceAddress');
    const a = this.type === 'udp4' ? parseIpv4(interfaceAddress) : null;
    if (a === null) throw errnoException(EINVAL, 'setMulticastInterface');
    this.option('setMulticastInterface', SOL_IP, IP_MULTICAST_IF, a);
  }

  /**
   * libuv's uv__udp_maybe_deferred_bind(): membership calls on a socket without one
   * create it and bind it to 0.0.0.0:0 with SO_REUSEADDR (receiving does not start).
   */
  private deferredBind(): number {
    if (this.fd >= 0) return 0;
    return this.kernelBind(this.type === 'udp4' ? '0.0.0.0' : '::', 0, true);
  }

  private membership(method: string, optname: number, multicastAddress: unknown, interfaceAddress: unknown): void {
    this.healthCheck();
    if (!multicastAddress) throw ERR_MISSING_ARGS('multicastAddress');
    const group = this.type === 'udp4' ? parseIpv4(String(multicastAddress)) : null;
    if (group === null) throw errnoException(EINVAL, method);
    let r = this.deferredBind();
    if (r) throw errnoException(r, method);
    let iface = 0;
    if (interfaceAddress !== undefined && interfaceAddress !== null) {
      const a = parseIpv4(String(interfaceAddress));
      if (a === null) throw errnoException(EINVAL, method);
      iface = a;
    }
    r = this.setopt(SOL_IP, optname, { multiaddr: group, address: iface, ifindex: 0 });
    if (r) throw errnoException(r, method);
  }

  /** node:dgram addMembership(group, interface?): IP_ADD_MEMBERSHIP. */
  addMembership(multicastAddress: string, interfaceAddress?: string): void {
    this.membership('addMembership', IP_ADD_MEMBERSHIP, multicastAddress, interfaceAddress);
  }

  /** node:dgram dropMembership(group, interface?): IP_DROP_MEMBERSHIP. */
  dropMembership(multicastAddress: string, interfaceAddress?: string): void {
    this.membership('dropMembership', IP_DROP_MEMBERSHIP, multicastAddress, interfaceAddress);
  }

  private sourceMembership(method: string, sourceAddress: unknown, groupAddress: unknown): void {
    this.healthCheck();
    validateString(sourceAddress, 'sourceAddress');
    validateString(groupAddress, 'groupAddress');
    if (this.type !== 'udp4' || parseIpv4(sourceAddress) === null || parseIpv4(groupAddress) === null) {
      throw errnoException(EINVAL, method);
    }
    const r = this.deferredBind();
    if (r) throw errnoException(r, method);
    // tuxnet's IP layer has no IP_{ADD,DROP}_SOURCE_MEMBERSHIP: Linux's answer to an
    // unknown IP option (what a kernel built without them would say).
    void IP_ADD_SOURCE_MEMBERSHIP;
    void IP_DROP_SOURCE_MEMBERSHIP;
    throw errnoException(ENOPROTOOPT, method);
  }

  /** node:dgram addSourceSpecificMembership(): not supported by the kernel (ENOPROTOOPT). */
  addSourceSpecificMembership(sourceAddress: string, groupAddress: string, _interfaceAddress?: string): void {
    this.sourceMembership('addSourceSpecificMembership', sourceAddress, groupAddress);
  }

  /** node:dgram dropSourceSpecificMembership(): not supported by the kernel (ENOPROTOOPT). */
  dropSourceSpecificMembership(sourceAddress: string, groupAddress: string, _interfaceAddress?: string): void {
    this.sourceMembership('dropSourceSpecificMembership', sourceAddress, groupAddress);
  }

  /** Node: bufferSize(): SO_RCVBUF/SO_SNDBUF, read (size 0) or set; Linux reports twice what was set. */
  private bufferSize(size: number, recv: boolean): number {
    if (size >>> 0 !== size) throw ERR_SOCKET_BAD_BUFFER_SIZE();
    if (!this.open) throw nullHandle('bufferSize');
    const syscall = recv ? 'uv_recv_buffer_size' : 'uv_send_buffer_size';
    const name = recv ? SO_RCVBUF : SO_SNDBUF;
    if (this.fd < 0) throw ERR_SOCKET_BUFFER_SIZE(EBADF, syscall);
    if (size !== 0) {
      const r = this.setopt(SOL_SOCKET, name, size);
      if (r) throw ERR_SOCKET_BUFFER_SIZE(r, syscall);
      return size;
    }
    try {
      return Number(this.ns.syscalls.getsockopt(this.fd, SOL_SOCKET, name));
    } catch (e) {
      throw ERR_SOCKET_BUFFER_SIZE(errnoOf(e), syscall);
    }
  }

  /** node:dgram setRecvBufferSize(size): SO_RCVBUF. */
  setRecvBufferSize(size: number): void {
    this.bufferSize(size, true);
  }

  /** node:dgram setSendBufferSize(size): SO_SNDBUF. */
  setSendBufferSize(size: number): void {
    this.bufferSize(size, false);
  }

  /** node:dgram getRecvBufferSize(): SO_RCVBUF. */
  getRecvBufferSize(): number {
    return this.bufferSize(0, true);
  }

  /** node:dgram getSendBufferSize(): SO_SNDBUF. */
  getSendBufferSize(): number {
    return this.bufferSize(0, false);
  }

  /** node:dgram getSendQueueSize(): bytes waiting in the handle for send-buffer room. */
  getSendQueueSize(): number {
    if (!this.open) throw nullHandle('getSendQueueSize');
    return this.sendQueueBytes;
  }

  /** node:dgram getSendQueueCount(): datagrams waiting in the handle for send-buffer room. */
  getSendQueueCount(): number {
    if (!this.open) throw nullHandle('getSendQueueCount');
    return this.sendQueue.length;
  }

  /** node:dgram ref(): a bound socket keeps the process alive (the default). */
  ref(): this {
    if (this.open) this.handleRef.ref();
    return this;
  }

  /** node:dgram unref(): a bound socket no longer keeps the process alive. */
  unref(): this {
    if (this.open) this.handleRef.unref();
    return this;
  }
}

// Node 20's Socket[Symbol.asyncDispose] (close, awaiting 'close'), where the runtime has the symbol.
const asyncDispose = (Symbol as unknown as { asyncDispose?: symbol }).asyncDispose;
if (asyncDispose) {
  Object.defineProperty(DgramSocket.prototype, asyncDispose, {
    value: function (this: DgramSocket): Promise<void> {
      if (!(this as unknown as { open: boolean }).open) return Promise.resolve();
      return new Promise((resolve) => this.close(() => resolve()));
    },
    writable: true,
    configurable: true,
  });
}

/** A Socket class bound to a namespace: `new Socket('udp4')` as node:dgram's. */
export interface DgramSocketConstructor {
  new (type: SocketType | SocketOptions, listener?: (msg: Buffer, rinfo: RemoteInfo) => void): DgramSocket;
}

/** What `nodeApi(ns).dgram` is: node:dgram bound to a namespace. */
export interface DgramModule {
  /** node:dgram createSocket(type | options, listener?). */
  createSocket(type: SocketType | SocketOptions, listener?: (msg: Buffer, rinfo: RemoteInfo) => void): DgramSocket;
  Socket: DgramSocketConstructor;
}

/** node:dgram for one namespace (nodeApi(ns).dgram). */
export function dgramApi(ns: Netns): DgramModule {
  class Socket extends DgramSocket {
    constructor(type: SocketType | SocketOptions, listener?: (msg: Buffer, rinfo: RemoteInfo) => void) {
      super(ns, type, listener);
    }
  }
  return {
    createSocket: (type, listener) => new Socket(type, listener),
    Socket,
  };
}
