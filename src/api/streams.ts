/**
 * Web-streams sockets (no Linux counterpart: this is the library's face for programs
 * that speak WHATWG streams, in Node and in browsers). `ns.connectTcp()` and
 * `ns.listenTcp()` give TCP connections as a `ReadableStream<Uint8Array>` plus a
 * `WritableStream<Uint8Array>`; `ns.openUdp()` (streams_udp.ts) gives datagrams.
 * Everything goes through the namespace's syscall layer (`ns.syscalls`), exactly as a
 * program on Linux would use socket/connect/read/write/shutdown/close, and every wait is
 * a blocking syscall (no polling), so virtual time advances while a stream waits.
 *
 * Backpressure is the kernel's: the readable is pull-based (a byte stream with
 * highWaterMark 0), so bytes stay in the kernel socket until the consumer asks for them,
 * the receive queue fills up to SO_RCVBUF and the advertised TCP window shrinks to zero;
 * on the sending side `write()` resolves only once the kernel took the bytes into its
 * send buffer (a blocking write(2)), so a writer that awaits its writes is held back.
 *
 * Browser-safe: no node:* imports, no Buffer; ReadableStream/WritableStream are globals.
 *
 * ```ts
 * import { Kernel } from 'tuxnet';
 * const kernel = new Kernel();
 * await kernel.sh('ip netns add a; ip netns add b; ip link add va netns a type veth peer name vb netns b; ' +
 *   'ip -n a addr add 10.0.0.1/24 dev va; ip -n a link set va up; ' +
 *   'ip -n b addr add 10.0.0.2/24 dev vb; ip -n b link set vb up');
 * // An echo server in b ...
 * const listener = await kernel.netns('b').listenTcp({ port: 7 });
 * (async () => {
 *   for await (const conn of listener) conn.readable.pipeTo(conn.writable).catch(() => {});
 * })();
 * // ... and a client in a.
 * const conn = kernel.netns('a').connectTcp({ host: '10.0.0.2', port: 7 });
 * await conn.opened;
 * const writer = conn.writable.getWriter();
 * await writer.write(new TextEncoder().encode('hello'));
 * await writer.close();                       // half-close: FIN, we can still read
 * for await (const chunk of conn.readable) console.log(new TextDecoder().decode(chunk));
 * await conn.closed;
 * await kernel.close();                       // closes the listener and every connection
 * ```
 */
import type { Netns } from './kernel.js';
import {
  ERR_INVALID_ARG_TYPE, ERR_INVALID_ARG_VALUE, ERR_INVALID_IP_ADDRESS, ERR_OUT_OF_RANGE, ERR_SOCKET_CLOSED,
  ERR_SOCKET_CLOSED_BEFORE_CONNECTION,
} from './errors.js';
import { isIP, lookupHost, validatePort } from './net_addr.js';
import { parseIpv4, ipv4ToString } from '../wire/iphdr.js';
import {
  AF_INET, AF_INET6, SOCK_STREAM, SOL_SOCKET, SO_REUSEADDR, SO_LINGER, SHUT_RD, SHUT_WR, SHUT_RDWR, POLLERR, POLLRDHUP,
  type SockaddrIn,
} from '../socket/socket.js';
import { SocketFd, openSocket } from './socket_fd.js';

export type { UdpDatagram, UdpOpenOptions, UdpSocket } from './streams_udp.js';

/** Linux: IPPROTO_TCP / TCP_NODELAY (include/uapi/linux/tcp.h). */
const IPPROTO_TCP = 6;
const TCP_NODELAY = 1;
/** How much one pull of a default reader asks the kernel for (a BYOB reader's view sets its own). */
const READ_CHUNK = 64 * 1024;
/** Node's default listen backlog. */
const DEFAULT_BACKLOG = 511;

/** Where `connectTcp` goes, and from where. */
export interface TcpConnectOptions {
  /** The peer: an IPv4 address ('10.0.0.2'), or 'localhost' (127.0.0.1). tuxnet has no resolver. */
  host: string;
  /** The peer's port, 1-65535. */
  port: number;
  /** Bind to this local address first (default: the route's source address). */
  localAddress?: string;
  /** Bind to this local port first (default: an ephemeral port). */
  localPort?: number;
  /** Set TCP_NODELAY (turn Nagle's algorithm off). */
  noDelay?: boolean;
}

/** Where `listenTcp` listens. */
export interface TcpListenOptions {
  /** 0 or absent: an ephemeral port (read it back from `listener.localPort`). */
  port?: number;
  /** The local IPv4 address to listen on; default '0.0.0.0' (every address). */
  host?: string;
  /** listen(2) backlog; default 511 as Node's. */
  backlog?: number;
}

/** Both ends of a connection, as `opened` reports them. */
export interface TcpAddresses {
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
  localPort: number;
}

/**
 * A TCP connection as web streams. Reading and writing are independent: closing the
 * writable is a half-close (shutdown(SHUT_WR), the peer reads end-of-stream, this side
 * can still read); the readable ends when the peer half-closes. `closed` settles once
 * both directions are done and the socket is closed.
 */
export interface TcpConnection {
  /**
   * The received bytes: a byte stream (BYOB readers read straight into their buffer) that
   * reads from the kernel only when the consumer pulls, so a slow reader shrinks the
   * advertised window instead of buffering. Cancelling it on an open connection is
   * shutdown(SHUT_RD): bytes arriving later are not read (and closing with unread bytes
   * resets, as Linux does). Cancelling it before the connection opened only ends the
   * readable: no shutdown(2) is done once it opens (the data that arrives stays unread).
   */
  readonly readable: ReadableStream<Uint8Array>;
  /**
   * The bytes to send: `write()` resolves once the kernel accepted them into the send
   * buffer (a blocking write(2)); `close()` is shutdown(SHUT_WR) (a FIN after the queued
   * data); `abort()` resets the connection (close with SO_LINGER 0: an RST).
   */
  readonly writable: WritableStream<Uint8Array>;
  /** Resolves with the addresses once connected; rejects with the SystemError (ECONNREFUSED, ETIMEDOUT, ENETUNREACH ...). */
  readonly opened: Promise<TcpAddresses>;
  /**
   * Resolves when both directions are done and the socket is closed; rejects on an error
   * (ECONNRESET ...). Until the peer's FIN, a reset is noticed even when nobody reads or
   * writes (a poll(2) for POLLERR runs beside the streams and reads no data): `closed`
   * rejects and later reads and writes fail with the kernel's error (sk_err, as Linux's
   * next read or SO_ERROR reports it). After the peer's FIN, the reader sees it.
   */
  readonly closed: Promise<void>;
  /**
   * Close both directions now (close(2)): the data the kernel already took is still sent,
   * followed by a FIN; unread received data makes it a reset (RFC 2525, as Linux). Pending
   * reads end, pending and later writes fail. Resolves when the socket is closed.
   */
  close(): Promise<void>;
  /** Set once opened ('' and 0 before). */
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
  localPort: number;
  /** The socket's descriptor in `ns.syscalls` (-1 before it exists and after close), for socket options. */
  readonly fd: number;
}

/** A listening TCP socket: async-iterate it for the accepted connections. */
export interface TcpListener extends AsyncIterable<TcpConnection> {
  readonly localAddress: string;
  readonly localPort: number;
  /** The next connection (accept(2)); rejects with the SystemError, or once the listener is closed. */
  accept(): Promise<TcpConnection>;
  /** Stop listening: pending accepts and the iteration end; queued connections are reset. */
  close(): Promise<void>;
  /** Resolves when the listener is closed. */
  readonly closed: Promise<void>;
  readonly fd: number;
}

/* ------------------------------------------------------------------ */
/* Arguments and addresses (shared with streams_udp.ts)                */

/**
 * A port given as a number (unlike node:net, no numeric strings): ERR_INVALID_ARG_TYPE
 * for anything else, Node's ERR_SOCKET_BAD_PORT when out of range. `allowZero` for
 * bind/listen, where 0 means "any".
 */
export function checkPort(name: string, value: unknown, allowZero: boolean): number {
  if (typeof value !== 'number') throw ERR_INVALID_ARG_TYPE(name, 'number', value);
  return validatePort(value, name, allowZero);
}

/** An options object (or undefined when `optional`). */
export function checkOptions(name: string, value: unknown, optional: boolean): Record<string, unknown> {
  if (value === undefined && optional) return {};
  if (value === null || typeof value !== 'object') throw ERR_INVALID_ARG_TYPE(name, 'object', value);
  return value as Record<string, unknown>;
}

/** A resolved host: the family (AF_INET, or AF_INET6 for an IPv6 literal) and the IPv4 address. */
export interface ResolvedHost {
  family: number;
  addr: number;
}

/**
 * Resolve a host as a tuxnet namespace can (one resolver for the web-streams sockets;
 * the same answers as the Node adapters' lookupHost): an IPv4 literal as itself; an IPv6
 * literal as AF_INET6 (no IPv6 stack: socket() then answers EAFNOSUPPORT); 'localhost'
 * and names ending '.localhost' as 127.0.0.1 (glibc's nss-myhostname); anything else is
 * Node's `getaddrinfo ENOTFOUND name` error (tuxnet has no DNS resolver).
 */
export function resolveHost(host: string): ResolvedHost | Error {
  const r = lookupHost(host);
  if (r instanceof Error) return r;
  return r.family === 6 ? { family: AF_INET6, addr: 0 } : { family: AF_INET, addr: parseIpv4(r.address)! };
}

/** A host option: a string, resolved; an unresolvable name rejects with ENOTFOUND as Node's lookup. */
export function checkHost(name: string, value: unknown): ResolvedHost {
  if (typeof value !== 'string') throw ERR_INVALID_ARG_TYPE(name, 'string', value);
  const r = resolveHost(value);
  if (r instanceof Error) throw r;
  return r;
}

/** A local IP literal (net.connect's localAddress: Node throws ERR_INVALID_IP_ADDRESS for anything else). */
function checkLocalIp(name: string, value: unknown): ResolvedHost {
  if (typeof value !== 'string') throw ERR_INVALID_ARG_TYPE(name, 'string', value);
  const v = isIP(value);
  if (v === 4) return { family: AF_INET, addr: parseIpv4(value)! };
  if (v === 6) return { family: AF_INET6, addr: 0 };
  throw ERR_INVALID_IP_ADDRESS(value);
}

/** A promise whose rejection is not reported as unhandled (the user may look at only one of opened/closed). */
export function quiet<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {});
  return p;
}

/** The error streams and writes get once a socket was closed locally (Node's ERR_SOCKET_CLOSED). */
export const socketClosedError = ERR_SOCKET_CLOSED;

/** The bytes of a chunk a writable accepts: any ArrayBufferView or ArrayBuffer. */
export function chunkBytes(name: string, chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  throw ERR_INVALID_ARG_TYPE(name, ['Uint8Array', 'ArrayBufferView', 'ArrayBuffer'], chunk);
}

/* ------------------------------------------------------------------ */
/* TCP connections                                                     */

/**
 * One connection. The descriptor's life: created (connect) or handed over (accept), read by
 * the readable's pulls and written by the writable's sink, each a blocking syscall, and
 * watched meanwhile by a poll(2) for an error (a reset that nobody reads or writes would
 * otherwise go unnoticed: the readable reads only when pulled); torn down once
 * (`teardown`) when both halves are done, on close()/abort(), on an error, or when the
 * kernel closes. Syscalls still blocked at teardown are woken the Linux way, shutdown(2)
 * (a close(2) would not wake a blocked reader), and waited for before close(2).
 */
class TcpConnectionImpl implements TcpConnection {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  readonly opened: Promise<TcpAddresses>;
  readonly closed: Promise<void>;
  remoteAddress = '';
  remotePort = 0;
  localAddress = '';
  localPort = 0;
  private readonly sock: SocketFd;
  private state: 'connecting' | 'open' | 'closing' | 'closed' = 'connecting';
  private readDone = false;
  private writeDone = false;
  private readPending = false;
  private writePending = false;
  private connectPending = false;
  /** The error watch (a poll(2)) is blocked. */
  private watchPending = false;
  private rc!: ReadableByteStreamController;
  private wc!: WritableStreamDefaultController;
  private resolveOpened!: (a: TcpAddresses) => void;
  private rejectOpened!: (e: unknown) => void;
  private resolveClosed!: () => void;
  private rejectClosed!: (e: unknown) => void;
  /** Resolves true once connected, false if the connection never opened (no rejection). */
  private readonly ready: Promise<boolean>;
  private unregister: () => void = () => {};
  private scratch: Uint8Array | null = null;
  private teardownPromise: Promise<void> | null = null;
  /** What the writable was errored with by a teardown (pending writes reject with it). */
  private writeError: unknown = undefined;
  /** abort() was called: the write in flight is being woken, the sink's abort follows. */
  private aborting = false;

  constructor(private readonly ns: Netns) {
    this.sock = new SocketFd(ns.syscalls);
    this.opened = quiet(new Promise<TcpAddresses>((resolve, reject) => {
      this.resolveOpened = resolve;
      this.rejectOpened = reject;
    }));
    this.closed = quiet(new Promise<void>((resolve, reject) => {
      this.resolveClosed = resolve;
      this.rejectClosed = reject;
    }));
    this.ready = this.opened.then(() => true, () => false);
    this.readable = new ReadableStream({
      type: 'bytes',
      start: (c) => {
        this.rc = c;
      },
      pull: (c) => this.pull(c),
      cancel: () => this.cancelRead(),
    }, { highWaterMark: 0 });
    this.writable = new WritableStream<Uint8Array>({
      start: (c) => {
        this.wc = c;
        // abort() waits for the write in flight, which may be blocked for good (the peer
        // does not read): wake it now, the connection is going away with an RST.
        const signal = (c as WritableStreamDefaultController & { signal?: AbortSignal }).signal;
        signal?.addEventListener('abort', () => this.wakeForAbort(signal.reason));
      },
      write: (chunk) => this.writeChunk(chunk),
      close: () => this.closeWrite(),
      abort: (reason) => this.abortWrite(reason),
    }, { highWaterMark: 1 });
    this.unregister = ns.kernel.onClose(() => void this.teardown('close'));
  }

  get fd(): number {
    return this.sock.fd;
  }

  /** An accepted connection: the descriptor is connected already. */
  adopt(fd: number): void {
    this.sock.fd = fd;
    this.setOpen();
  }

  /** connect(2) in the background; `opened` tells the outcome. */
  async connect(dest: { family: number; addr: number } | Error, port: number,
    local: { family: number; addr: number } | null, localPort: number, noDelay: boolean): Promise<void> {
    const sys = this.ns.syscalls;
    try {
      if (dest instanceof Error) throw dest;
      const fd = this.sock.fd = sys.socket(local?.family === AF_INET6 ? AF_INET6 : dest.family, SOCK_STREAM);
      if (local !== null || localPort) {
        if (localPort) sys.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
        sys.bind(fd, { family: AF_INET, port: localPort, addr: local?.addr ?? 0 });
      }
      if (noDelay) sys.setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, 1);
      this.connectPending = true;
      try {
        await this.sock.track(sys.connect(fd, { family: AF_INET, port, addr: dest.addr }));
      } finally {
        this.connectPending = false;
      }
    } catch (e) {
      if (this.state !== 'connecting') return; // closed meanwhile: teardown settled `opened`
      this.state = 'closing';
      this.sock.closeQuietly();
      this.rejectOpened(e);
      this.failStreams(e);
      this.finish(e);
      return;
    }
    if (this.state !== 'connecting') return;
    this.setOpen();
  }

  private setOpen(): void {
    let reset: unknown = null;
    try {
      const local = this.sock.localName();
      const peer = this.ns.syscalls.getpeername(this.sock.fd) as SockaddrIn;
      this.localAddress = local.address;
      this.localPort = local.port;
      this.remoteAddress = ipv4ToString(peer.addr);
      this.remotePort = peer.port;
    } catch (e) {
      // Reset before we looked (ENOTCONN): the kernel holds the reset's error (sk_err).
      reset = this.sock.pendingError('read') ?? e;
    }
    this.state = 'open';
    this.resolveOpened({
      remoteAddress: this.remoteAddress, remotePort: this.remotePort,
      localAddress: this.localAddress, localPort: this.localPort,
    });
    // Connected, then reset at once: opened, then the error (as net.Socket: 'connect', then 'error').
    if (reset !== null) void this.teardown('error', reset);
    else void this.watch();
  }

  /**
   * Notice a reset while nobody reads or writes: poll(2) for POLLRDHUP (POLLERR and
   * POLLHUP always count) beside the streams; data arriving does not end the poll, so
   * nothing is read and backpressure stays the kernel's. A reset (POLLERR: sk_err set)
   * tears the connection down with the kernel's error, taken as a read would take it.
   * The peer's FIN (POLLRDHUP) ends the watch: what follows is read to its end by the
   * consumer (the reader gets any later error), and a teardown wakes it with SHUT_RD.
   */
  private async watch(): Promise<void> {
    const pfd = { fd: this.sock.fd, events: POLLRDHUP, revents: 0 };
    this.watchPending = true;
    try {
      await this.sock.track(this.ns.syscalls.poll([pfd]));
    } catch {
      return; // EINTR: the process is exiting (kernel.close), the teardown follows
    } finally {
      this.watchPending = false;
    }
    if (this.state !== 'open' || !(pfd.revents & POLLERR)) return;
    const e = this.sock.pendingError('read');
    // A read or write woken by the same reset may have taken the error first: it tears down.
    if (e !== null) void this.teardown('error', e);
  }

  /** A pull: one blocking read(2) into the reader's buffer (BYOB) or a fresh chunk. */
  private async pull(c: ReadableByteStreamController): Promise<void> {
    if (!(await this.ready) || this.readDone) return;
    // A BYOB reader: read(2) straight into its buffer. A default reader: into a scratch
    // buffer, then a chunk of exactly the bytes read (one pull runs at a time).
    const req = c.byobRequest;
    const v = req?.view ?? null;
    const buf = v ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength) : (this.scratch ??= new Uint8Array(READ_CHUNK));
    let n: number;
    this.readPending = true;
    try {
      n = await this.sock.track(this.ns.syscalls.read(this.sock.fd, buf));
    } catch (e) {
      if (this.readDone || this.state !== 'open') return;
      void this.teardown('error', e);
      return;
    } finally {
      this.readPending = false;
    }
    // Cancelled or closed while reading: the stream has been answered already (or, when
    // the writable is being aborted, is about to be errored).
    if (this.readDone || this.aborting) return;
    if (n === 0) {
      // The peer's FIN: end of stream; the write half may go on.
      this.readDone = true;
      c.close();
      c.byobRequest?.respond(0);
      this.maybeFinish();
      return;
    }
    if (req && v) req.respond(n);
    else c.enqueue(buf.slice(0, n));
  }

  /** The consumer cancelled the readable: shutdown(SHUT_RD), which also wakes a blocked read. */
  private async cancelRead(): Promise<void> {
    if (this.readDone) return;
    this.readDone = true;
    if (this.state === 'open') this.sock.shutdownQuietly(SHUT_RD); // ENOTCONN after a reset: nothing to wake
    this.maybeFinish();
  }

  /** The sink's write: a blocking write(2) of the whole chunk. */
  private async writeChunk(chunk: unknown): Promise<void> {
    const data = chunkBytes('chunk', chunk);
    if (!(await this.ready)) throw socketClosedError();
    if (this.state !== 'open' || this.writeDone) throw socketClosedError();
    let off = 0;
    this.writePending = true;
    try {
      while (off < data.length) {
        off += await this.sock.track(this.ns.syscalls.write(this.sock.fd, off ? data.subarray(off) : data));
      }
    } catch (e) {
      if (this.aborting) throw this.writeError ?? e;
      if (this.teardownPromise === null) {
        void this.teardown('error', e);
        throw e;
      }
      // Woken by our own close: the write fails as the writable does.
      throw this.writeError ?? socketClosedError();
    } finally {
      this.writePending = false;
    }
  }

  /** The writable closed: shutdown(SHUT_WR), the peer reads end-of-stream. */
  private async closeWrite(): Promise<void> {
    if (!(await this.ready) || this.state !== 'open') throw socketClosedError();
    try {
      this.ns.syscalls.shutdown(this.sock.fd, SHUT_WR);
    } catch (e) {
      // shutdown(2) of a reset socket answers ENOTCONN (Linux too); the reset's own error
      // (ECONNRESET) waits in sk_err for the next read or SO_ERROR: report that one.
      const err = this.sock.pendingError('read') ?? e;
      void this.teardown('error', err);
      throw err;
    }
    this.writeDone = true;
    this.maybeFinish();
  }

  /** abort() signalled: make the close a reset and wake a write blocked on a full send buffer. */
  private wakeForAbort(reason: unknown): void {
    if (this.state !== 'open' || this.writeDone) return;
    this.aborting = true;
    this.writeError = reason ?? socketClosedError();
    this.setLingerZero();
    if (this.writePending) this.sock.shutdownQuietly(SHUT_RDWR);
  }

  private async abortWrite(reason: unknown): Promise<void> {
    if (this.writeDone && this.state === 'closed') return;
    this.writeDone = true;
    await this.teardown('abort', reason);
  }

  private setLingerZero(): void {
    try {
      this.ns.syscalls.setsockopt(this.sock.fd, SOL_SOCKET, SO_LINGER, { onoff: 1, linger: 0 });
    } catch {
      // already reset
    }
  }

  /** Both halves done: close the socket. */
  private maybeFinish(): void {
    if (this.readDone && this.writeDone && this.state === 'open') void this.teardown('close');
  }

  close(): Promise<void> {
    return this.teardown('close');
  }

  /**
   * End the connection once: 'close' (close(2), FIN or RST as Linux decides), 'abort'
   * (SO_LINGER 0: RST; the readable errors with the reason), 'error' (a syscall failed:
   * both streams error, `closed` rejects). Resolves when the descriptor is closed.
   */
  private teardown(kind: 'close' | 'abort' | 'error', err?: unknown): Promise<void> {
    if (this.teardownPromise) return this.teardownPromise;
    this.teardownPromise = this.runTeardown(kind, err);
    return this.teardownPromise;
  }

  private async runTeardown(kind: 'close' | 'abort' | 'error', err: unknown): Promise<void> {
    const wasConnecting = this.state === 'connecting';
    this.state = 'closing';
    if (wasConnecting) this.rejectOpened(kind === 'error' ? err : ERR_SOCKET_CLOSED_BEFORE_CONNECTION());
    if (this.sock.fd >= 0) {
      if (kind === 'abort') this.setLingerZero();
      // Wake what still blocks: a reader or the watch with SHUT_RD (no packet), a writer
      // or a connect with SHUT_RDWR (the write fails with EPIPE; a handshake is abandoned).
      if (this.writePending || this.connectPending) this.sock.shutdownQuietly(SHUT_RDWR);
      else if (this.readPending || this.watchPending) this.sock.shutdownQuietly(SHUT_RD);
    }
    if (kind === 'error') this.failStreams(err);
    else if (kind === 'abort') this.failStreams(err ?? socketClosedError(), socketClosedError());
    else this.endStreams();
    await this.sock.drain();
    this.sock.closeQuietly();
    this.finish(kind === 'error' ? err : undefined);
  }

  /** Error both streams (the readable with `readErr`, the writable with `writeErr`). */
  private failStreams(readErr: unknown, writeErr: unknown = readErr): void {
    if (!this.readDone) {
      this.readDone = true;
      try {
        this.rc.error(readErr);
      } catch {
        // already closed or errored
      }
    }
    if (!this.writeDone) {
      this.writeDone = true;
      this.writeError = writeErr;
      try {
        this.wc.error(writeErr);
      } catch {
        // already closed or errored
      }
    }
  }

  /** A local close: the readable ends (pending reads are done), the writable errors. */
  private endStreams(): void {
    if (!this.readDone) {
      this.readDone = true;
      try {
        this.rc.close();
        this.rc.byobRequest?.respond(0);
      } catch {
        // already closed or errored
      }
    }
    if (!this.writeDone) {
      this.writeDone = true;
      this.writeError = socketClosedError();
      try {
        this.wc.error(this.writeError);
      } catch {
        // already closed or errored
      }
    }
  }

  private finish(err: unknown): void {
    this.state = 'closed';
    this.unregister();
    if (err === undefined) this.resolveClosed();
    else this.rejectClosed(err);
  }
}

/**
 * Open a TCP connection from namespace `ns` (what `ns.connectTcp()` does). Arguments are
 * checked at once (TypeError/RangeError); the connection's outcome arrives in `opened`.
 */
export function connectTcp(ns: Netns, options: TcpConnectOptions): TcpConnection {
  const o = checkOptions('options', options, false);
  if (typeof o.host !== 'string') throw ERR_INVALID_ARG_TYPE('options.host', 'string', o.host);
  if (o.host === '') throw ERR_INVALID_ARG_VALUE('options.host', o.host, 'must be a non-empty string');
  const port = checkPort('options.port', o.port, false);
  const local = o.localAddress === undefined ? null : checkLocalIp('options.localAddress', o.localAddress);
  const localPort = o.localPort === undefined ? 0 : checkPort('options.localPort', o.localPort, true);
  if (o.noDelay !== undefined && typeof o.noDelay !== 'boolean') throw ERR_INVALID_ARG_TYPE('options.noDelay', 'boolean', o.noDelay);
  const conn = new TcpConnectionImpl(ns);
  // An unresolvable host fails asynchronously (as Node's lookup), through `opened`.
  void conn.connect(resolveHost(o.host), port, local, localPort, o.noDelay === true);
  return conn;
}

/* ------------------------------------------------------------------ */
/* TCP listeners                                                       */

class TcpListenerImpl implements TcpListener {
  localAddress = '';
  localPort = 0;
  readonly closed: Promise<void>;
  private resolveClosed!: () => void;
  private state: 'open' | 'closing' | 'closed' = 'open';
  private acceptPending = false;
  private readonly sock: SocketFd;
  /** accept() calls run one after the other. */
  private chain: Promise<unknown> = Promise.resolve();
  private readonly unregister: () => void;
  private closing: Promise<void> | null = null;

  constructor(private readonly ns: Netns, fd: number) {
    this.sock = new SocketFd(ns.syscalls, fd);
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
    ({ address: this.localAddress, port: this.localPort } = this.sock.localName());
    this.unregister = ns.kernel.onClose(() => void this.close());
  }

  get fd(): number {
    return this.sock.fd;
  }

  accept(): Promise<TcpConnection> {
    const p = this.chain.then(() => this.acceptOne());
    this.chain = p.catch(() => {});
    return p;
  }

  private async acceptOne(): Promise<TcpConnection> {
    if (this.state !== 'open') throw socketClosedError();
    this.acceptPending = true;
    let fd: number;
    try {
      fd = (await this.sock.track(this.ns.syscalls.accept(this.sock.fd))).fd;
    } catch (e) {
      if (this.state !== 'open') throw socketClosedError();
      throw e;
    } finally {
      this.acceptPending = false;
    }
    if (this.state !== 'open') {
      // Accepted while closing: the connection goes as the queued ones do.
      new SocketFd(this.ns.syscalls, fd).closeQuietly();
      throw socketClosedError();
    }
    const conn = new TcpConnectionImpl(this.ns);
    conn.adopt(fd);
    return conn;
  }

  [Symbol.asyncIterator](): AsyncIterator<TcpConnection> {
    return {
      next: async (): Promise<IteratorResult<TcpConnection>> => {
        try {
          return { value: await this.accept(), done: false };
        } catch (e) {
          if (this.state !== 'open') return { value: undefined, done: true };
          throw e;
        }
      },
      // Leaving a for-await loop closes the listener, as it cancels a stream.
      return: async (): Promise<IteratorResult<TcpConnection>> => {
        await this.close();
        return { value: undefined, done: true };
      },
    };
  }

  close(): Promise<void> {
    this.closing ??= this.runClose();
    return this.closing;
  }

  private async runClose(): Promise<void> {
    this.state = 'closing';
    // shutdown(SHUT_RD) stops listening and wakes a blocked accept(2) (EINVAL), as on Linux.
    if (this.acceptPending) this.sock.shutdownQuietly(SHUT_RD);
    await this.sock.drain();
    this.sock.closeQuietly();
    this.state = 'closed';
    this.unregister();
    this.resolveClosed();
  }
}

/** Listen for TCP connections in namespace `ns` (what `ns.listenTcp()` does). */
export async function listenTcp(ns: Netns, options: TcpListenOptions = {}): Promise<TcpListener> {
  const o = checkOptions('options', options, true);
  const port = o.port === undefined ? 0 : checkPort('options.port', o.port, true);
  const local = o.host === undefined ? { family: AF_INET, addr: 0 } : checkHost('options.host', o.host);
  let backlog = DEFAULT_BACKLOG;
  if (o.backlog !== undefined) {
    if (typeof o.backlog !== 'number') throw ERR_INVALID_ARG_TYPE('options.backlog', 'number', o.backlog);
    if (!Number.isInteger(o.backlog) || o.backlog < 0) {
      throw ERR_OUT_OF_RANGE('options.backlog', 'an integer >= 0', o.backlog);
    }
    backlog = o.backlog;
  }
  const sys = ns.syscalls;
  const fd = openSocket(sys, local.family, SOCK_STREAM, (s) => {
    // As libuv: listening sockets reuse TIME_WAIT ports (a listener on the port still conflicts).
    sys.setsockopt(s, SOL_SOCKET, SO_REUSEADDR, 1);
    sys.bind(s, { family: AF_INET, port, addr: local.addr });
    sys.listen(s, backlog);
  });
  return new TcpListenerImpl(ns, fd);
}
