/**
 * node:net's Socket over a tuxnet TCP socket (no Linux counterpart: this is Node's
 * lib/net.js Socket with libuv's TCP handle replaced by one fd of a namespace's
 * process, driven only through its syscalls).
 *
 * Reading is a pump with one pending blocking `read()` at a time; what it returns is
 * pushed, and when push() says the stream's buffer is full the pump stops, so the
 * bytes stay in the kernel socket and TCP's advertised window shrinks (real
 * backpressure, as libuv stopping its reads does). `_read()` restarts it.
 * Writing tries a non-blocking send first (MSG_DONTWAIT) and awaits the blocking
 * write for the rest; `_writev` coalesces; `_final` is shutdown(SHUT_WR); `_destroy`
 * closes the fd (SO_LINGER 0 first for resetAndDestroy()).
 * Connecting is libuv's: a non-blocking connect attempt (errors it returns at once,
 * such as ENETUNREACH, are reported with `- Local (addr:port)` as Node does), then a
 * poll for POLLOUT and SO_ERROR.
 * setTimeout runs on Node's own timers (unref'd, inactivity measured in real milliseconds
 * with performance.now()), as node:net's: a program's notion of time is Node's, so a
 * real pause expires it and idle kernel time that a virtual clock skips does not.
 */
import { Duplex } from 'node:stream';
import {
  AF_INET, SOCK_STREAM, MSG_DONTWAIT, MSG_NOSIGNAL, SHUT_WR, SOL_SOCKET, SO_ERROR, SO_KEEPALIVE, SO_LINGER,
  POLLOUT, type SockaddrIn,
} from '../socket/socket.js';
import { FIONREAD } from '../ipv4/af_inet.js';
import { SystemError, EAGAIN, ENOTCONN, ENETUNREACH, ENOENT } from '../socket/errno.js';
import { sockfdLookup, ioctl, recvfromNow } from '../socket/syscalls.js';
import { SOL_TCP, TCP_NODELAY, TCP_KEEPIDLE } from '../ipv4/tcp_defs.js';
import {
  errnoException, exceptionWithHostPort, ERR_INVALID_ARG_TYPE, ERR_MISSING_ARGS, ERR_SOCKET_CLOSED, ERR_SOCKET_CLOSED_BEFORE_CONNECTION,
  ERR_INVALID_IP_ADDRESS, ERR_INVALID_ADDRESS_FAMILY, ERR_INVALID_FD_TYPE,
} from './errors.js';
import { isIP, sockaddrIn, validatePort, lookup as namespaceLookup } from './net_addr.js';
import { ipv4ToString } from '../wire/iphdr.js';
import { HandleRef } from './ref.js';
import {
  kContext, kServer, macrotask, normalizeArgs, getTimerDuration, validateFunction, onReadableStreamEnd, addressInfo, closeAndWake,
  type NetContext, type SocketOptions, type ConnectOptions, type AddressInfo, type Cb,
} from './net_util.js';

export {
  kContext, kServer, macrotask, normalizeArgs, getTimerDuration, addressInfo,
  type NetContext, type SocketOptions, type ConnectOptions, type AddressInfo,
} from './net_util.js';

/** Bytes one read asks for (libuv reads 64 KiB at a time). */
const READ_SIZE = 64 * 1024;
/** The most one non-blocking read of a batch takes (what FIONREAD counts, capped). */
const MAX_READ = 256 * 1024;
/** Reads land in slabs of this size. */
const SLAB_SIZE = 1024 * 1024;
/** Reads shorter than this are copied out of the slab (which is then reused). */
const COPY_BELOW = 16 * 1024;

/**
 * A TCP connection in a tuxnet namespace with node:net's Socket surface: events
 * connect/ready/lookup/data/end/close(hadError)/error/timeout/drain, setTimeout,
 * setNoDelay, setKeepAlive, ref/unref, address(), remote and local address/port/family,
 * bytesRead/bytesWritten, allowHalfOpen, destroySoon, resetAndDestroy, pending,
 * connecting, readyState. Get one from `nodeApi(ns).net` (`new net.Socket()`,
 * `net.connect(...)`), or from a Server's 'connection' event.
 */
export class Socket extends Duplex {
  declare [kContext]: NetContext;
  /** True while a connect is in progress (Node: socket.connecting). */
  connecting = false;
  /** The timeout set by setTimeout (ms), undefined until then. */
  timeout: number | undefined = undefined;
  /** Node 20: addresses tried by family autoselection (tuxnet tries one: IPv4 only). */
  autoSelectFamilyAttemptedAddresses: string[] = [];
  /** The Server that accepted this socket, or null. */
  server: unknown = null;
  /** Node: the same as `server` (libraries read either). */
  _server: unknown = null;
  private fd: number | null = null;
  private readonly handleRef: HandleRef;
  private wantRead = false;
  private pumping = false;
  private scratch: Buffer | null = null;
  private slabOff = 0;
  private readBytes = 0;
  private dispatched = 0;
  private peer: AddressInfo | null = null;
  private local: AddressInfo | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** The inactivity timeout in ms (0: none) and the last activity (performance.now()). */
  private timeoutMs = 0;
  private lastActive = 0;
  private pendingWrite: { data: Buffer; cb: Cb } | null = null;
  private pendingFinal: Cb | null = null;
  /** The callback of the blocking write in flight (Node: the WriteWrap libuv holds). */
  private inflightWrite: Cb | null = null;
  private noDelaySet = false;
  private keepAliveSet = false;
  private keepAliveDelay = 0;
  private resetAndClosing = false;
  private sndFull = false;
  private hadHandle = false;
  private readonly acceptedBy: { connectionClosed(): void } | null;

  constructor(options: SocketOptions = {}) {
    if (typeof options === 'number') options = { fd: options };
    else if (options === null || typeof options !== 'object') options = {};
    super({
      allowHalfOpen: Boolean(options.allowHalfOpen),
      emitClose: false,
      autoDestroy: true,
      decodeStrings: false,
      highWaterMark: options.highWaterMark,
      signal: options.signal,
    });
    const ctx = this[kContext];
    if (!ctx) throw new TypeError('use the Socket class of nodeApi(ns).net');
    this.handleRef = new HandleRef(ctx.keepAlive);
    this.acceptedBy = options[kServer] ?? null;
    if (options.noDelay) this.noDelaySet = true;
    if (options.keepAlive) {
      this.keepAliveSet = true;
      this.keepAliveDelay = ~~((options.keepAliveInitialDelay ?? 0) / 1000);
    }
    this.on('end', onReadableStreamEnd);
    if (options.fd !== undefined) {
      if (typeof options.fd !== 'number') throw ERR_INVALID_ARG_TYPE('fd', 'number', options.fd);
      // Node: an fd that is no TCP socket is ERR_INVALID_FD_TYPE (guessHandleType 'UNKNOWN').
      try {
        sockfdLookup(ctx.ns.task, options.fd, 'fstat');
      } catch {
        throw ERR_INVALID_FD_TYPE('UNKNOWN');
      }
      this.attach(options.fd);
      this.applyOptions();
      if (options.readable === false) this.push(null);
      if (options.writable === false) this.end();
      // Node: start reading at once (the server does it itself, after pauseOnConnect).
      if (!options[kServer]) this.read(0);
    }
  }

  /* ---------------------------------------------------------------- */
  /* Connecting                                                        */

  /**
   * node:net socket.connect(options[, listener]) / (port[, host][, listener]).
   * Resolves names as the namespace can (IP literals, localhost) and connects.
   */
  connect(...args: unknown[]): this {
    const [options, cb] = Array.isArray(args[0]) && args.length === 1 ? (args[0] as [ConnectOptions, Cb | null]) : normalizeArgs(args);
    if (options.port === undefined && options.path == null) throw ERR_MISSING_ARGS(['options', 'port', 'path']);
    if (this.write !== Socket.prototype.write) this.write = Socket.prototype.write;
    if (this.destroyed) this.undestroy();
    if (cb !== null) this.once('connect', cb);
    this.connecting = true;
    this.hadHandle = true;
    this.handleRef.setActive(true);
    this[kContext].handles.add(this);
    if (options.path != null) {
      if (typeof options.path !== 'string') throw ERR_INVALID_ARG_TYPE('options.path', 'string', options.path);
      // No AF_UNIX in tuxnet: a pipe path does not exist.
      const path = options.path;
      process.nextTick(() => {
        if (this.connecting) this.destroy(exceptionWithHostPort(ENOENT, 'connect', path));
      });
      return this;
    }
    try {
      this.lookupAndConnect(options);
    } catch (e) {
      // A bad argument: nothing is connecting, so nothing may hold the process (Node's
      // handle was never started either).
      this.connecting = false;
      this.handleRef.setActive(false);
      this[kContext].handles.delete(this);
      throw e;
    }
    return this;
  }

  private undestroy(): void {
    this.fd = null;
    this.peer = null;
    this.local = null;
    // Node: this._undestroy() (stream's internal reset).
    (this as unknown as { _undestroy(): void })._undestroy();
  }

  private lookupAndConnect(options: ConnectOptions): void {
    const { localAddress, localPort } = options;
    const host = options.host || 'localhost';
    let port: unknown = options.port;
    if (localAddress && !isIP(localAddress)) throw ERR_INVALID_IP_ADDRESS(localAddress);
    if (localPort && typeof localPort !== 'number') throw ERR_INVALID_ARG_TYPE('options.localPort', 'number', localPort);
    if (port !== undefined) {
      if (typeof port !== 'number' && typeof port !== 'string') throw ERR_INVALID_ARG_TYPE('options.port', ['number', 'string'], port);
      validatePort(port);
    }
    port = Number(port) | 0;
    if (options.noDelay !== undefined) this.noDelaySet = Boolean(options.noDelay);
    if (options.keepAlive) {
      this.keepAliveSet = true;
      this.keepAliveDelay = ~~((options.keepAliveInitialDelay ?? 0) / 1000);
    }
    const addressType = isIP(host);
    if (addressType) {
      process.nextTick(() => {
        if (this.connecting) this.internalConnect(host, port as number, addressType, localAddress, localPort).catch(this.failed);
      });
      return;
    }
    if (options.lookup != null) validateFunction(options.lookup, 'options.lookup');
    if (options.lookup == null && typeof host !== 'string') throw ERR_INVALID_ARG_TYPE('hostname', 'string', host);
    const done = (err: Error | null, ip: string, family: number): void => {
      this.emit('lookup', err, ip, family, host);
      if (!this.connecting) return;
      if (err) process.nextTick(() => this.destroy(err));
      else if (!isIP(ip)) process.nextTick(() => this.destroy(ERR_INVALID_IP_ADDRESS(ip)));
      else if (family !== 4 && family !== 6) {
        process.nextTick(() => this.destroy(ERR_INVALID_ADDRESS_FAMILY(family, String(options.host), options.port)));
      } else {
        this.internalConnect(ip, port as number, family, localAddress, localPort).catch(this.failed);
      }
    };
    if (options.lookup) {
      options.lookup(host, { family: options.family ?? 0, hints: 0 }, done);
      return;
    }
    namespaceLookup(host, { family: options.family ?? 0, hints: 0 }, done as (err: Error | null, address: string, family: number) => void);
  }

  private async internalConnect(address: string, port: number, addressType: number, localAddress?: string, localPort?: number): Promise<void> {
    const sys = this[kContext].ns.syscalls;
    if (addressType === 6) {
      // tuxnet has no IPv6 stack: as a host with IPv6 but no route to the destination
      // (the synchronous connect error, with the unbound local address Node adds).
      this.destroy(exceptionWithHostPort(ENETUNREACH, 'connect', address, port, ':::0'));
      return;
    }
    let fd: number;
    try {
      fd = sys.socket(AF_INET, SOCK_STREAM);
    } catch (e) {
      this.destroy(exceptionWithHostPort(e as SystemError, 'connect', address, port));
      return;
    }
    this.fd = fd;
    if (localAddress || localPort) {
      const la = localAddress || '0.0.0.0';
      try {
        sys.bind(fd, sockaddrIn(la, localPort ?? 0));
      } catch (e) {
        this.destroy(exceptionWithHostPort(e as SystemError, 'bind', la, localPort));
        return;
      }
    }
    try {
      sys.connectNow(fd, sockaddrIn(address, port));
    } catch (e) {
      const se = e as SystemError;
      if (se.code !== 'EINPROGRESS') {
        let details: string | undefined;
        try {
          const sn = sys.getsockname(fd) as SockaddrIn;
          details = `${ipv4ToString(sn.addr)}:${sn.port}`;
        } catch {
          details = undefined;
        }
        this.destroy(exceptionWithHostPort(se, 'connect', address, port, details));
        return;
      }
    }
    // libuv: wait for writability, then SO_ERROR says how the handshake ended.
    let err = 0;
    try {
      const pfd = { fd, events: POLLOUT, revents: 0 };
      for (;;) {
        await sys.poll([pfd]);
        if (this.fd !== fd) return;
        if (pfd.revents) break;
      }
      err = Number(sys.getsockopt(fd, SOL_SOCKET, SO_ERROR)) || 0;
    } catch (e) {
      if (this.fd !== fd) return;
      err = -(e as SystemError).errno;
    }
    // libuv reports the connect from the event loop.
    await macrotask();
    if (this.fd !== fd || this.destroyed) return;
    this.connecting = false;
    if (err !== 0) {
      const details = localAddress && localPort ? `${localAddress}:${localPort}` : undefined;
      const ex = exceptionWithHostPort(err, 'connect', address, port, details);
      if (details) {
        ex.localAddress = localAddress;
        ex.localPort = localPort;
      }
      this.destroy(ex);
      return;
    }
    this.cacheNames();
    this.activity();
    this.applyOptions();
    this.emit('connect');
    this.emit('ready');
    this.flushPending();
    // A _read() that came while connecting is still outstanding: serve it now.
    if (this.wantRead) this._read();
    else if (!this.isPaused()) this.read(0);
  }

  /** An fd that is already connected (accepted, or given as `fd`). */
  private attach(fd: number): void {
    this.fd = fd;
    this.hadHandle = true;
    this.handleRef.setActive(true);
    this[kContext].handles.add(this);
    this.cacheNames();
  }

  private cacheNames(): void {
    const sys = this[kContext].ns.syscalls;
    if (this.fd === null) return;
    try {
      this.peer = addressInfo(sys.getpeername(this.fd));
    } catch {
      this.peer = null;
    }
    try {
      this.local = addressInfo(sys.getsockname(this.fd));
    } catch {
      this.local = null;
    }
  }

  private applyOptions(): void {
    if (this.noDelaySet) this.setNoDelayNow(true);
    if (this.keepAliveSet) this.setKeepAliveNow(true, this.keepAliveDelay);
  }

  private flushPending(): void {
    const w = this.pendingWrite;
    this.pendingWrite = null;
    if (w) this.writeGeneric(w.data, w.cb);
    const f = this.pendingFinal;
    this.pendingFinal = null;
    if (f) this._final(f);
  }

  /** An unexpected failure of the adapter itself (a closed kernel's syscalls): the socket is destroyed with it. */
  private readonly failed = (e: unknown): void => {
    if (!this.destroyed) this.destroy(e instanceof Error ? e : new Error(String(e)));
  };

  /* ---------------------------------------------------------------- */
  /* Reading                                                           */

  override _read(): void {
    this.wantRead = true;
    if (this.fd !== null && !this.connecting && !this.pumping) this.pump(this.fd).catch(this.failed);
  }

  /**
   * The read side, as libuv drives a TCP handle: wait (in kernel time) until the
   * socket is readable, then, from a macrotask (every libuv callback comes from the
   * event loop: code that defers with setImmediate between socket events, as
   * undici's keep-alive does, relies on it), read what is queued without blocking
   * until push() reports a full buffer or nothing is left. When the pump stops, the
   * bytes stay in the kernel socket and the advertised window shrinks.
   */
  private async pump(fd: number): Promise<void> {
    this.pumping = true;
    const { syscalls: sys, task } = this[kContext].ns;
    try {
      while (this.wantRead && this.fd === fd) {
        // The first read of a batch blocks (kernel time); the rest take, without a
        // promise hop each, what FIONREAD counts (up to MAX_READ per read).
        let want = READ_SIZE;
        let first = true;
        while (this.wantRead && this.fd === fd) {
          if (!first) {
            want = Number(ioctl(task, fd, FIONREAD));
            if (!(want > 0)) break;
            if (want > MAX_READ) want = MAX_READ;
          }
          // Reads go into a slab (several reads per allocation: less GC than a fresh
          // 64 KiB buffer each); a short read is copied out so it does not pin the slab.
          let slab = this.scratch;
          if (slab === null || slab.length - this.slabOff < want) {
            slab = this.scratch = Buffer.allocUnsafe(SLAB_SIZE);
            this.slabOff = 0;
          }
          const buf = slab.subarray(this.slabOff, this.slabOff + want);
          let n: number;
          try {
            n = first ? await sys.read(fd, buf) : recvfromNow(task, fd, buf, MSG_DONTWAIT);
          } catch (e) {
            if ((e as SystemError).errno === -EAGAIN) break;
            if (first) await macrotask();
            if (this.fd === fd) this.destroy(errnoException(e as SystemError, 'read'));
            return;
          }
          // libuv's read callbacks come from the event loop: code that defers with
          // setImmediate between socket events (undici's keep-alive) relies on it.
          if (first) await macrotask();
          first = false;
          if (this.fd !== fd) return;
          if (n === 0) {
            this.wantRead = false;
            this.push(null);
            this.read(0);
            return;
          }
          let chunk: Buffer;
          if (n < COPY_BELOW) chunk = Buffer.from(buf.subarray(0, n));
          else {
            chunk = buf.subarray(0, n);
            this.slabOff += n;
          }
          this.readBytes += n;
          this.activity();
          this.wantRead = this.push(chunk);
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  /* ---------------------------------------------------------------- */
  /* Writing                                                           */

  override _write(chunk: unknown, encoding: BufferEncoding, cb: Cb): void {
    const data = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : (chunk as Buffer);
    this.writeGeneric(data, cb);
  }

  override _writev(chunks: { chunk: unknown; encoding: BufferEncoding }[], cb: Cb): void {
    const bufs = chunks.map((c) => (typeof c.chunk === 'string' ? Buffer.from(c.chunk, c.encoding) : (c.chunk as Buffer)));
    this.writeGeneric(bufs.length === 1 ? bufs[0]! : Buffer.concat(bufs), cb);
  }

  private writeGeneric(data: Buffer, cb: Cb): void {
    if (this.connecting) {
      this.pendingWrite = { data, cb };
      return;
    }
    const fd = this.fd;
    if (fd === null) {
      cb(ERR_SOCKET_CLOSED());
      return;
    }
    const sys = this[kContext].ns.syscalls;
    this.dispatched += data.length;
    this.activity();
    let n = 0;
    // After a write that found the send buffer full, go straight to the blocking write
    // (which tries once without an exception) until one completes with room to spare.
    if (!this.sndFull) {
      try {
        n = sys.send(fd, data, MSG_DONTWAIT | MSG_NOSIGNAL);
      } catch (e) {
        if ((e as SystemError).errno !== -EAGAIN) {
          cb(errnoException(e as SystemError, 'write'));
          return;
        }
      }
      if (n >= data.length) {
        cb();
        return;
      }
      this.sndFull = true;
    }
    this.inflightWrite = cb;
    sys.write(fd, n ? data.subarray(n) : data, MSG_NOSIGNAL).then(async () => {
      this.sndFull = false;
      await macrotask();
      if (this.inflightWrite !== cb) return; // destroy() answered it
      this.inflightWrite = null;
      this.activity();
      cb();
    }, async (e: SystemError) => {
      await macrotask();
      if (this.inflightWrite !== cb) return;
      this.inflightWrite = null;
      cb(errnoException(e, 'write'));
    });
  }

  override _final(cb: Cb): void {
    if (this.connecting || (this.fd === null && !this.hadHandle)) {
      // Node: a pending socket shuts down once connected.
      this.pendingFinal = cb;
      return;
    }
    const fd = this.fd;
    if (fd === null) {
      cb();
      return;
    }
    try {
      this[kContext].ns.syscalls.shutdown(fd, SHUT_WR);
    } catch (e) {
      if ((e as SystemError).errno !== -ENOTCONN) {
        cb(errnoException(e as SystemError, 'shutdown'));
        return;
      }
    }
    cb();
  }

  /* ---------------------------------------------------------------- */
  /* Closing                                                           */

  override _destroy(err: Error | null, cb: Cb): void {
    this.connecting = false;
    this.clearTimer();
    // Node: a write made while connecting fails with ERR_SOCKET_CLOSED_BEFORE_CONNECTION
    // on 'close'; a write in flight is answered without an error (onWriteComplete on a
    // destroyed stream), after which the stream fails what it buffered.
    const pending = this.pendingWrite;
    this.pendingWrite = null;
    if (pending) this.prependOnceListener('close', () => pending.cb(ERR_SOCKET_CLOSED_BEFORE_CONNECTION()));
    const inflight = this.inflightWrite;
    this.inflightWrite = null;
    if (inflight) process.nextTick(inflight);
    const fd = this.fd;
    const ctx = this[kContext];
    ctx.handles.delete(this);
    this.handleRef.setActive(false);
    if (fd !== null) {
      this.fd = null;
      // Node: _sockname is dropped on destroy, the peer's name stays cached.
      this.local = null;
      this.closeFd(fd);
      cb(err);
      const hadError = Boolean(err);
      setImmediate(() => this.emit('close', hadError));
    } else {
      cb(err);
      const hadError = this.hadHandle ? Boolean(err) : undefined;
      process.nextTick(() => (hadError === undefined ? this.emit('close') : this.emit('close', hadError)));
    }
    if (this.acceptedBy) this.acceptedBy.connectionClosed();
  }

  /** close(2), waking any read/write/poll still pending on the socket so it ends. */
  private closeFd(fd: number): void {
    const { ns } = this[kContext];
    const reset = this.resetAndClosing;
    this.resetAndClosing = false;
    closeAndWake(ns, fd, reset ? () => {
      try {
        ns.syscalls.setsockopt(fd, SOL_SOCKET, SO_LINGER, { onoff: 1, linger: 0 });
      } catch {
        // closed anyway
      }
    } : undefined);
  }

  /** The kernel closed: the fd is gone (peers saw the process exit). */
  kernelClosed(): void {
    if (!this.destroyed) this.destroy();
  }

  /**
   * node:net destroySoon(): end the writable side, destroy once everything is flushed.
   */
  destroySoon(): void {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once('finish', () => this.destroy());
  }

  /** node:net resetAndDestroy(): close with an RST (SO_LINGER 0) instead of a FIN. */
  resetAndDestroy(): this {
    if (this.fd !== null || this.connecting) {
      if (this.connecting) {
        this.once('connect', () => {
          this.resetAndClosing = true;
          this.destroy();
        });
      } else {
        this.resetAndClosing = true;
        this.destroy();
      }
    } else {
      this.destroy(ERR_SOCKET_CLOSED());
    }
    return this;
  }

  /* ---------------------------------------------------------------- */
  /* Options                                                           */

  /**
   * node:net setTimeout(msecs[, callback]): 'timeout' after `msecs` of inactivity, on
   * Node's clock (an unref'd Node timer, as node:net's); 0 disables it.
   */
  setTimeout(msecs: number, callback?: () => void): this {
    if (this.destroyed) return this;
    this.timeout = msecs;
    const ms = getTimerDuration(msecs, 'msecs');
    this.clearTimer();
    if (ms === 0) {
      if (callback !== undefined) {
        validateFunction(callback, 'callback');
        this.removeListener('timeout', callback);
      }
      this.timeoutMs = 0;
      return this;
    }
    this.timeoutMs = ms;
    this.lastActive = performance.now();
    this.armTimer(ms);
    if (callback !== undefined) {
      validateFunction(callback, 'callback');
      this.once('timeout', callback);
    }
    return this;
  }

  private armTimer(ms: number): void {
    this.timer = setTimeout(() => this.onTimer(), Math.max(1, Math.ceil(ms)));
    this.timer.unref();
  }

  /** Fires `timeoutMs` after the last activity; activity meanwhile only moved lastActive (lazy re-arm). */
  private onTimer(): void {
    this.timer = null;
    if (this.destroyed || this.timeoutMs === 0) return;
    const left = this.lastActive + this.timeoutMs - performance.now();
    if (left > 0) {
      this.armTimer(left);
      return;
    }
    this.emit('timeout');
  }

  /** Data moved: the idle timer restarts (Node: _unrefTimer / timer.refresh()). */
  private activity(): void {
    if (this.timeoutMs === 0) return;
    this.lastActive = performance.now();
    // After a 'timeout' Node's timer is refreshed by the next activity: arm it again.
    if (this.timer === null) this.armTimer(this.timeoutMs);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** node:net setNoDelay([noDelay]): TCP_NODELAY. */
  setNoDelay(noDelay?: boolean): this {
    const on = noDelay === undefined ? true : Boolean(noDelay);
    if (this.fd === null || this.connecting) {
      this.noDelaySet = on;
      return this;
    }
    if (on !== this.noDelaySet) {
      this.noDelaySet = on;
      this.setNoDelayNow(on);
    }
    return this;
  }

  private setNoDelayNow(on: boolean): void {
    if (this.fd === null) return;
    try {
      this[kContext].ns.syscalls.setsockopt(this.fd, SOL_TCP, TCP_NODELAY, on ? 1 : 0);
    } catch {
      // Node ignores the result of uv_tcp_nodelay here.
    }
  }

  /** node:net setKeepAlive([enable][, initialDelay]): SO_KEEPALIVE and TCP_KEEPIDLE (seconds). */
  setKeepAlive(enable?: boolean, initialDelay?: number): this {
    const on = Boolean(enable);
    const delay = ~~((initialDelay ?? 0) / 1000);
    if (this.fd === null || this.connecting) {
      this.keepAliveSet = on;
      this.keepAliveDelay = delay;
      return this;
    }
    if (on !== this.keepAliveSet || (on && this.keepAliveDelay !== delay)) {
      this.keepAliveSet = on;
      this.keepAliveDelay = delay;
      this.setKeepAliveNow(on, delay);
    }
    return this;
  }

  private setKeepAliveNow(on: boolean, delaySec: number): void {
    if (this.fd === null) return;
    const sys = this[kContext].ns.syscalls;
    try {
      sys.setsockopt(this.fd, SOL_SOCKET, SO_KEEPALIVE, on ? 1 : 0);
      if (on && delaySec > 0) sys.setsockopt(this.fd, SOL_TCP, TCP_KEEPIDLE, delaySec);
    } catch {
      // as uv_tcp_keepalive's result, not reported
    }
  }

  /** node:net ref(): an open socket keeps the process alive (default). */
  ref(): this {
    this.handleRef.ref();
    return this;
  }

  /** node:net unref(): this socket alone does not keep the process alive. */
  unref(): this {
    this.handleRef.unref();
    return this;
  }

  /* ---------------------------------------------------------------- */
  /* State                                                             */

  /** node:net address(): the local address, {} when not connected. */
  address(): AddressInfo | Record<string, never> {
    if (this.fd !== null && !this.local) this.cacheNames();
    return this.local ? { ...this.local } : {};
  }

  get remoteAddress(): string | undefined {
    return this.peerInfo()?.address;
  }
  get remotePort(): number | undefined {
    return this.peerInfo()?.port;
  }
  get remoteFamily(): string | undefined {
    return this.peerInfo()?.family;
  }
  get localAddress(): string | undefined {
    return this.localInfo()?.address;
  }
  get localPort(): number | undefined {
    return this.localInfo()?.port;
  }
  get localFamily(): string | undefined {
    return this.localInfo()?.family;
  }

  private peerInfo(): AddressInfo | null {
    if (!this.peer && this.fd !== null && !this.connecting) this.cacheNames();
    return this.peer;
  }

  private localInfo(): AddressInfo | null {
    if (!this.local && this.fd !== null) this.cacheNames();
    return this.local;
  }

  /** Bytes received. */
  get bytesRead(): number {
    return this.readBytes;
  }

  /** Bytes written: handed to the kernel plus those still queued in the stream (as Node counts). */
  get bytesWritten(): number | undefined {
    let bytes = this.dispatched;
    const buffered = (this as unknown as { writableBuffer?: { chunk: unknown; encoding: BufferEncoding }[] }).writableBuffer;
    if (!buffered) return undefined;
    for (const el of buffered) {
      bytes += Buffer.isBuffer(el.chunk) || el.chunk instanceof Uint8Array
        ? (el.chunk as Uint8Array).length : Buffer.byteLength(el.chunk as string, el.encoding);
    }
    if (this.pendingWrite) bytes += this.pendingWrite.data.length;
    return bytes;
  }

  /** Node (deprecated): bytes waiting in the stream's write buffer. */
  get bufferSize(): number {
    return this.writableLength;
  }

  /** True until connected (Node: !this._handle || this.connecting). */
  get pending(): boolean {
    return this.fd === null || this.connecting;
  }

  /** 'opening' | 'open' | 'readOnly' | 'writeOnly' | 'closed', as node:net. */
  get readyState(): string {
    if (this.connecting) return 'opening';
    if (this.readable && this.writable) return 'open';
    if (this.readable && !this.writable) return 'readOnly';
    if (!this.readable && this.writable) return 'writeOnly';
    return 'closed';
  }

  /** The tuxnet fd (for code that reaches below the adapter), or null. */
  get tuxnetFd(): number | null {
    return this.fd;
  }
}

