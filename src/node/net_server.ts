/**
 * node:net's Server over a tuxnet listening socket (no Linux counterpart: Node's
 * lib/net.js Server with libuv's TCP handle replaced by a namespace fd). listen()
 * does what libuv does (socket, SO_REUSEADDR, bind, listen with backlog 511) and
 * reports failures as Node does (`listen EADDRINUSE: address already in use
 * 10.0.0.1:80`, emitted on the next tick); an accept loop keeps one blocking
 * accept() pending and emits 'connection' with a Socket of the namespace.
 */
import { EventEmitter } from 'node:events';
import { AF_INET, SOCK_STREAM, SOL_SOCKET, SO_REUSEADDR } from '../socket/socket.js';
import { EAFNOSUPPORT, type SystemError } from '../socket/errno.js';
import { closeAndWake } from './net_util.js';
import {
  errnoException, uvExceptionWithHostPort, ERR_INVALID_ARG_TYPE, ERR_INVALID_ARG_VALUE, ERR_SERVER_ALREADY_LISTEN,
  ERR_SERVER_NOT_RUNNING,
} from './errors.js';
import { sockaddrIn, validatePort, lookup as namespaceLookup } from './net_addr.js';
import { HandleRef } from './ref.js';
import { kContext, kServer, normalizeArgs, macrotask, addressInfo, type NetContext, type AddressInfo, type Socket } from './net_socket.js';

/** node:net Server options. */
export interface ServerOptions {
  allowHalfOpen?: boolean;
  pauseOnConnect?: boolean;
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
  highWaterMark?: number;
}

/** node:net listen options. */
export interface ListenOptions {
  port?: number | string | null;
  host?: string;
  backlog?: number;
  path?: string;
  exclusive?: boolean;
  ipv6Only?: boolean;
  signal?: AbortSignal;
  [k: string]: unknown;
}

/** Node: the listen backlog when none is given (512 entries after the kernel's rounding). */
const DEFAULT_BACKLOG = 511;

function toNumber(x: unknown): number | false {
  const n = Number(x);
  return n >= 0 ? n : false;
}

/**
 * A TCP server in a tuxnet namespace with node:net's Server surface: listen (all of
 * Node's overloads), events listening/connection/close/error/drop, close(cb),
 * address(), getConnections, maxConnections, ref/unref, listening.
 */
export class Server extends EventEmitter {
  declare [kContext]: NetContext;
  /** Refuse (close) new connections beyond this many (Node: server.maxConnections). */
  maxConnections: number | undefined = undefined;
  /** Connections accepted from the kernel, not yet delivered as 'connection'. */
  private accepting = 0;
  readonly allowHalfOpen: boolean;
  readonly pauseOnConnect: boolean;
  readonly noDelay: boolean;
  readonly keepAlive: boolean;
  readonly keepAliveInitialDelay: number;
  readonly highWaterMark: number | undefined;
  private fd: number | null = null;
  private connections = 0;
  private readonly handleRef: HandleRef;

  constructor(options?: ServerOptions | ((socket: Socket) => void), connectionListener?: (socket: Socket) => void) {
    super();
    let opts: ServerOptions;
    if (typeof options === 'function') {
      connectionListener = options;
      opts = {};
      this.on('connection', connectionListener);
    } else if (options == null || typeof options === 'object') {
      opts = { ...options };
      if (typeof connectionListener === 'function') this.on('connection', connectionListener);
    } else {
      throw ERR_INVALID_ARG_TYPE('options', 'Object', options);
    }
    const ctx = this[kContext];
    if (!ctx) throw new TypeError('use the Server class of nodeApi(ns).net');
    this.allowHalfOpen = opts.allowHalfOpen || false;
    this.pauseOnConnect = Boolean(opts.pauseOnConnect);
    this.noDelay = Boolean(opts.noDelay);
    this.keepAlive = Boolean(opts.keepAlive);
    this.keepAliveInitialDelay = ~~((opts.keepAliveInitialDelay ?? 0) / 1000);
    this.highWaterMark = opts.highWaterMark;
    this.handleRef = new HandleRef(ctx.keepAlive);
  }

  /**
   * node:net server.listen([port[, host[, backlog]]][, callback]) / listen(options[, callback]).
   * No host: 0.0.0.0 (tuxnet has no IPv6: Node would take '::').
   */
  listen(...args: unknown[]): this {
    const [normalized, cb] = normalizeArgs(args);
    let options = normalized as ListenOptions;
    if (this.fd !== null) throw ERR_SERVER_ALREADY_LISTEN();
    if (cb !== null) this.once('listening', cb);
    const backlogFromArgs = toNumber(args.length > 1 && args[1]) || toNumber(args.length > 2 && args[2]);
    options = ((options as { _handle?: unknown; handle?: unknown })._handle ||
      (options as { handle?: unknown }).handle || options) as ListenOptions;
    // Node: addServerAbortSignalOption(): an aborted signal closes the server.
    const signal = (options as ListenOptions).signal;
    if (signal !== undefined) {
      if (signal === null || typeof signal !== 'object' || !('aborted' in signal)) {
        throw ERR_INVALID_ARG_TYPE('options.signal', 'AbortSignal', signal);
      }
      if (signal.aborted) {
        process.nextTick(() => this.close());
        return this;
      }
      const onAborted = (): void => {
        this.close();
      };
      signal.addEventListener('abort', onAborted, { once: true });
      this.once('close', () => signal.removeEventListener('abort', onAborted));
    }
    if (args.length === 0 || typeof args[0] === 'function' ||
        (typeof options.port === 'undefined' && 'port' in options) || options.port === null) {
      options.port = 0;
    }
    if (typeof options.port === 'number' || typeof options.port === 'string') {
      validatePort(options.port, 'options.port');
      const backlog = options.backlog || backlogFromArgs || DEFAULT_BACKLOG;
      const port = Number(options.port) | 0;
      if (options.host) this.lookupAndListen(port, options.host, backlog);
      else this.setupListenHandle('0.0.0.0', port, 4, backlog);
      return this;
    }
    if (options.path) {
      // No AF_UNIX sockets in tuxnet.
      const path = String(options.path);
      process.nextTick(() => this.emit('error', uvExceptionWithHostPort(EAFNOSUPPORT, 'listen', path)));
      return this;
    }
    if (!('port' in options || 'path' in options)) {
      throw ERR_INVALID_ARG_VALUE('options', options, 'must have the property "port" or "path"');
    }
    throw ERR_INVALID_ARG_VALUE('options', options);
  }

  private lookupAndListen(port: number, host: string, backlog: number): void {
    if (typeof host !== 'string') throw ERR_INVALID_ARG_TYPE('hostname', 'string', host);
    // The lookup answers asynchronously (Node: dns.lookup).
    namespaceLookup(host, {}, (err, address, family) => {
      if (err) this.emit('error', err);
      else this.setupListenHandle(address, port, family, backlog);
    });
  }

  /** Node: setupListenHandle(): socket, SO_REUSEADDR, bind, listen; errors on the next tick. */
  private setupListenHandle(address: string, port: number, family: number, backlog: number): void {
    const sys = this[kContext].ns.syscalls;
    const fail = (e: SystemError | number): void => {
      const ex = uvExceptionWithHostPort(e, 'listen', address, port);
      process.nextTick(() => this.emit('error', ex));
    };
    // '::' (IPv6 any) is accepted as 0.0.0.0; other IPv6 addresses have no stack to bind to.
    if (family === 6 && address !== '::') {
      fail(EAFNOSUPPORT);
      return;
    }
    const v4 = family === 6 ? '0.0.0.0' : address;
    let fd: number;
    try {
      fd = sys.socket(AF_INET, SOCK_STREAM);
    } catch (e) {
      fail(e as SystemError);
      return;
    }
    try {
      sys.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
      sys.bind(fd, sockaddrIn(v4, port));
      sys.listen(fd, backlog);
    } catch (e) {
      sys.close(fd);
      fail(e as SystemError);
      return;
    }
    this.fd = fd;
    this.handleRef.setActive(true);
    this[kContext].handles.add(this);
    process.nextTick(() => {
      if (this.fd === fd) this.emit('listening');
    });
    this.acceptLoop(fd).catch((e: unknown) => {
      if (this.fd === fd) this.emit('error', e);
    });
  }

  private async acceptLoop(fd: number): Promise<void> {
    const sys = this[kContext].ns.syscalls;
    while (this.fd === fd) {
      let r;
      try {
        r = await sys.accept(fd);
      } catch (e) {
        if (this.fd !== fd) return;
        this.emit('error', errnoException(e as SystemError, 'accept'));
        const code = (e as SystemError).code;
        if (code !== 'EMFILE' && code !== 'ENFILE' && code !== 'ENOBUFS' && code !== 'ENOMEM' && code !== 'ECONNABORTED') return;
        continue;
      }
      // libuv's onconnection comes from the event loop; libuv accepts and calls it in one
      // callback, so a close() in between (Node would have delivered the connection
      // already) does not drop it: it is counted until delivered.
      this.accepting++;
      await macrotask();
      this.accepting--;
      if (this[kContext].ns.kernel.isClosed) return; // the fd went with the kernel
      this.onconnection(r.fd);
      if (this.fd !== fd) {
        this.emitCloseIfDrained();
        return;
      }
    }
  }

  /** Node: onconnection(): wrap the accepted fd, or drop it beyond maxConnections. */
  private onconnection(fd: number): void {
    const ctx = this[kContext];
    if (this.maxConnections != null && this.connections >= this.maxConnections) {
      const sys = ctx.ns.syscalls;
      const data: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
      try {
        const l = addressInfo(sys.getsockname(fd));
        const p = addressInfo(sys.getpeername(fd));
        if (l) Object.assign(data, { localAddress: l.address, localPort: l.port, localFamily: l.family });
        if (p) Object.assign(data, { remoteAddress: p.address, remotePort: p.port, remoteFamily: p.family });
      } catch {
        // the peer may be gone already
      }
      sys.close(fd);
      this.emit('drop', data);
      return;
    }
    const socket = new ctx.Socket({
      fd,
      allowHalfOpen: this.allowHalfOpen,
      highWaterMark: this.highWaterMark,
      noDelay: this.noDelay,
      keepAlive: this.keepAlive,
      keepAliveInitialDelay: this.keepAliveInitialDelay * 1000,
      [kServer]: { connectionClosed: () => this.connectionClosed() },
    });
    this.connections++;
    socket.server = this;
    socket._server = this;
    if (this.pauseOnConnect) socket.pause();
    else socket.read(0);
    this.emit('connection', socket);
  }

  private connectionClosed(): void {
    this.connections--;
    this.emitCloseIfDrained();
  }

  private emitCloseIfDrained(): void {
    if (this.fd !== null || this.connections > 0 || this.accepting > 0) return;
    process.nextTick(() => this.emit('close'));
  }

  /**
   * node:net server.close([callback]): stop accepting; 'close' once every connection
   * has ended. The callback gets ERR_SERVER_NOT_RUNNING when the server was not listening.
   */
  close(cb?: (err?: Error) => void): this {
    if (typeof cb === 'function') {
      if (this.fd === null) this.once('close', () => cb(ERR_SERVER_NOT_RUNNING()));
      else this.once('close', cb);
    }
    const fd = this.fd;
    if (fd !== null) {
      this.fd = null;
      closeAndWake(this[kContext].ns, fd);
      this.handleRef.setActive(false);
      this[kContext].handles.delete(this);
    }
    this.emitCloseIfDrained();
    return this;
  }

  /** The kernel closed: stop listening (connections close themselves). */
  kernelClosed(): void {
    this.close();
  }

  /** node:net server.address(): {address, family, port} while listening, else null. */
  address(): AddressInfo | null {
    if (this.fd === null) return null;
    const sa = this[kContext].ns.syscalls.getsockname(this.fd);
    return addressInfo(sa);
  }

  /** node:net server.getConnections(cb). */
  getConnections(cb: (err: Error | null, count: number) => void): this {
    if (typeof cb === 'function') process.nextTick(cb, null, this.connections);
    return this;
  }

  /** Whether the server is listening. */
  get listening(): boolean {
    return this.fd !== null;
  }

  /** node:net ref(): a listening server keeps the process alive (default). */
  ref(): this {
    this.handleRef.ref();
    return this;
  }

  /** node:net unref(). */
  unref(): this {
    this.handleRef.unref();
    return this;
  }
}
