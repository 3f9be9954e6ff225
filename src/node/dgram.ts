/**
 * node:dgram over a tuxnet namespace (no Linux counterpart: this is Node's lib/dgram.js
 * re-spelled, over the UDP handle of dgram_handle.ts). `dgramApi(ns)` gives
 * `{ createSocket, Socket }` bound to one namespace; a Socket is an EventEmitter with
 * node:dgram's surface (bind, connect, send, close, address, the socket options,
 * membership, ref/unref, buffer sizes) and events ('listening', 'message', 'connect',
 * 'error', 'close'), with Node 20's argument handling (dgram_args.ts), state machine
 * and errors:
 *
 * - The kernel side (the lazily created socket, the receive loop, the send queue) is
 *   dgram_handle.ts, as Node's udp_wrap and libuv sit under lib/dgram.js: before the
 *   first bind, address() is `getsockname EBADF`, buffer sizes ERR_SOCKET_BUFFER_SIZE.
 * - Names go through the `lookup` option or the namespace's resolver (net_addr.ts:
 *   IP literals and localhost), asynchronously, as dns.lookup answers.
 * - 'message' is emitted from the handle's setImmediate callback; a send's callback
 *   comes on the next tick with the byte count or the error (a send error without a
 *   callback is dropped, as Node drops it); sends queued for send-buffer room count
 *   in getSendQueueSize/Count and close() cancels them (`send ECANCELED`).
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
import { type SockaddrIn, AF_INET, SOL_SOCKET, SO_BROADCAST, SO_RCVBUF, SO_SNDBUF } from '../socket/socket.js';
import { EAFNOSUPPORT, EBADF, EINVAL, ENOPROTOOPT } from '../socket/errno.js';
import {
  SOL_IP, IP_TTL, IP_MULTICAST_TTL, IP_MULTICAST_LOOP, IP_MULTICAST_IF, IP_ADD_MEMBERSHIP, IP_DROP_MEMBERSHIP,
} from '../ipv4/inet_sock.js';
import { parseIpv4, ipv4ToString } from '../wire/iphdr.js';
import { validatePort } from './net_addr.js';
import { type AddressInfo, addressInfo } from './net_util.js';
import {
  errnoException, exceptionWithHostPort, ERR_INVALID_ARG_TYPE, ERR_MISSING_ARGS, ERR_SOCKET_ALREADY_BOUND,
  ERR_SOCKET_DGRAM_NOT_RUNNING, ERR_SOCKET_DGRAM_IS_CONNECTED, ERR_SOCKET_DGRAM_NOT_CONNECTED, ERR_SOCKET_BAD_TYPE,
  ERR_SOCKET_BAD_BUFFER_SIZE, ERR_SOCKET_BUFFER_SIZE,
} from './errors.js';
import {
  toInt32, validateNumber, validateString, validateUint32, nullHandle, isView, sliceBuffer, fixBufferList, gather,
  defaultLookup,
} from './dgram_args.js';
import { UdpHandle } from './dgram_handle.js';

/** node:dgram socket types. */
export type SocketType = 'udp4' | 'udp6';
/** What createSocket takes (Node 20's dgram.SocketOptions). */
export type SocketOptions = NodeDgram.SocketOptions;
/** The sender of a datagram ('message' event). */
export type RemoteInfo = NodeDgram.RemoteInfo;
/** What address()/remoteAddress() return (node:net's, one definition). */
export type { AddressInfo } from './net_util.js';
/** A dns.lookup-shaped resolver (the `lookup` option). */
export type LookupFunction = (hostname: string, family: number,
  callback: (err: Error | null, address: string, family?: number) => void) => void;
type SendCallback = (error: Error | null, bytes?: number) => void;
type BufferLike = string | NodeJS.ArrayBufferView | readonly (string | NodeJS.ArrayBufferView)[];

/** Linux: IP_ADD_SOURCE_MEMBERSHIP / IP_DROP_SOURCE_MEMBERSHIP (uapi/linux/in.h); tuxnet has neither. */
const IP_ADD_SOURCE_MEMBERSHIP = 39;
const IP_DROP_SOURCE_MEMBERSHIP = 40;
const BIND_STATE_UNBOUND = 0;
const BIND_STATE_BINDING = 1;
const BIND_STATE_BOUND = 2;
const CONNECT_STATE_DISCONNECTED = 0;
const CONNECT_STATE_CONNECTING = 1;
const CONNECT_STATE_CONNECTED = 2;

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
  private readonly resolve: (address: string, cb: (err: Error | null, ip: string) => void) => void;
  /** The UDP handle (kernel socket, receive loop, send queue). */
  private readonly handle: UdpHandle;
  /** False once closed (Node: the handle is null). */
  private open = true;
  private bindState = BIND_STATE_UNBOUND;
  private connectState = CONNECT_STATE_DISCONNECTED;
  /** Work waiting for the bind to finish (Node: state.queue). */
  private queue: (() => void)[] | undefined = undefined;
  private readonly reuseAddr: boolean;
  private readonly ipv6Only: boolean;
  private readonly recvBufferSize: number | undefined;
  private readonly sendBufferSize: number | undefined;
  private readonly unhookKernel: () => void;

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
    this.handle = new UdpHandle(ns, t, {
      onMessage: (data, addr, port) => {
        const msg = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
        const rinfo: RemoteInfo = { address: ipv4ToString(addr), family: 'IPv4', port, size: msg.length };
        this.emit('message', msg, rinfo);
      },
      onError: (err) => this.emit('error', errnoException(err, 'recvmsg')),
    });
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
      const r = this.handle.bind(ip, port, this.reuseAddr, this.ipv6Only);
      if (r !== 0) {
        this.bindState = BIND_STATE_UNBOUND;
        this.emit('error', exceptionWithHostPort(r, 'bind', ip, port as number));
        return;
      }
      this.startListening();
    });
    return this;
  }

  private startListening(): void {
    this.bindState = BIND_STATE_BOUND;
    this.handle.recvStart();
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
        const r = this.handle.connect(ip, port);
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

  /** node:dgram disconnect(): connect(AF_UNSPEC) dissolves the association. */
  disconnect(): void {
    if (this.connectState !== CONNECT_STATE_CONNECTED) throw ERR_SOCKET_DGRAM_NOT_CONNECTED();
    const r = this.handle.disconnect();
    if (r) throw errnoException(r, 'connect');
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
    this.handle.send({ data: gather(list), sa, done: (r) => sendDone(callback, r, address, port) });
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
    this.handle.close();
    this.open = false;
    this.unhookKernel();
    process.nextTick(() => this.emit('close'));
  }

  /** Node: healthCheck(): ERR_SOCKET_DGRAM_NOT_RUNNING once closed. */
  private healthCheck(): void {
    if (!this.open) throw ERR_SOCKET_DGRAM_NOT_RUNNING();
  }

  private sockname(peer: boolean): AddressInfo {
    const sa = this.handle.name(peer);
    const info = typeof sa === 'number' ? sa : addressInfo(sa) ?? -EAFNOSUPPORT;
    if (typeof info === 'number') throw errnoException(info, peer ? 'getpeername' : 'getsockname');
    return info;
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

  /** A socket option the way Node's handle methods set it: ErrnoException(err, method) on failure. */
  private option(method: string, level: number, name: number, value: unknown): void {
    if (!this.open) throw nullHandle(method);
    const r = this.handle.setopt(level, name, value);
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

  private membership(method: string, optname: number, multicastAddress: unknown, interfaceAddress: unknown): void {
    this.healthCheck();
    if (!multicastAddress) throw ERR_MISSING_ARGS('multicastAddress');
    const group = this.type === 'udp4' ? parseIpv4(String(multicastAddress)) : null;
    if (group === null) throw errnoException(EINVAL, method);
    let r = this.handle.deferredBind();
    if (r) throw errnoException(r, method);
    let iface = 0;
    if (interfaceAddress !== undefined && interfaceAddress !== null) {
      const a = parseIpv4(String(interfaceAddress));
      if (a === null) throw errnoException(EINVAL, method);
      iface = a;
    }
    r = this.handle.setopt(SOL_IP, optname, { multiaddr: group, address: iface, ifindex: 0 });
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
    const r = this.handle.deferredBind();
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
    if (!this.handle.hasSocket) throw ERR_SOCKET_BUFFER_SIZE(EBADF, syscall);
    if (size !== 0) {
      const r = this.handle.setopt(SOL_SOCKET, name, size);
      if (r) throw ERR_SOCKET_BUFFER_SIZE(r, syscall);
      return size;
    }
    const v = this.handle.getopt(SOL_SOCKET, name);
    if (v < 0) throw ERR_SOCKET_BUFFER_SIZE(v, syscall);
    return v;
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
    return this.handle.sendQueueSize;
  }

  /** node:dgram getSendQueueCount(): datagrams waiting in the handle for send-buffer room. */
  getSendQueueCount(): number {
    if (!this.open) throw nullHandle('getSendQueueCount');
    return this.handle.sendQueueCount;
  }

  /** node:dgram ref(): a bound socket keeps the process alive (the default). */
  ref(): this {
    if (this.open) this.handle.ref();
    return this;
  }

  /** node:dgram unref(): a bound socket no longer keeps the process alive. */
  unref(): this {
    if (this.open) this.handle.unref();
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
