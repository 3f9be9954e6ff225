/**
 * Web-streams UDP sockets (no Linux counterpart; see streams.ts for the TCP side):
 * `ns.openUdp({ port, host })` binds a datagram socket and gives its datagrams as a
 * `ReadableStream<{ data, address, port }>` and a `WritableStream` of the same shape,
 * plus `send()`. Reads are blocking recvmsg(2) calls made only when the consumer pulls
 * (highWaterMark 0): datagrams wait in the kernel socket, and when the consumer falls
 * behind the socket's receive buffer overflows and the kernel drops, as on Linux (counted
 * in /proc/net/snmp RcvbufErrors) — nothing is buffered without bound in the library.
 *
 * ```ts
 * const server = await kernel.netns('b').openUdp({ port: 5353 });
 * const client = await kernel.netns('a').openUdp();
 * await client.send({ data: new TextEncoder().encode('ping'), address: '10.0.0.2', port: 5353 });
 * const reader = server.readable.getReader();
 * const { value } = await reader.read();      // { data, address: '10.0.0.1', port: <client port> }
 * await server.send({ data: value!.data, address: value!.address, port: value!.port });
 * ```
 */
import type { Netns } from './kernel.js';
import { AF_INET, AF_INET6, SOCK_DGRAM, SHUT_RD, type SockaddrIn } from '../socket/socket.js';
import { ipv4ToString } from '../wire/iphdr.js';
import { SocketFd, openSocket } from './socket_fd.js';
import {
  checkOptions, checkPort, checkHost, chunkBytes, resolveHost, quiet, socketClosedError,
} from './streams.js';
import { ERR_INVALID_ARG_TYPE } from './errors.js';

/** The largest UDP payload over IPv4 (65535 - 20 - 8). */
const MAX_DATAGRAM = 65507;

/** One datagram: its payload and the far end (the source when received, the destination when sent). */
export interface UdpDatagram {
  data: Uint8Array;
  address: string;
  port: number;
}

/** Where `openUdp` binds. */
export interface UdpOpenOptions {
  /** 0 or absent: an ephemeral port. */
  port?: number;
  /** The local IPv4 address; default '0.0.0.0' (every address). */
  host?: string;
}

/** A bound UDP socket as web streams. */
export interface UdpSocket {
  /** Received datagrams, read from the kernel only when pulled. */
  readonly readable: ReadableStream<UdpDatagram>;
  /** Datagrams to send (sendto(2) each); an error (ENETUNREACH, EMSGSIZE ...) errors the stream. */
  readonly writable: WritableStream<UdpDatagram>;
  /** Send one datagram without the writable (rejects with that send's error only). */
  send(d: UdpDatagram): Promise<void>;
  readonly localAddress: string;
  readonly localPort: number;
  /** Close the socket: the readable ends, the writable errors. */
  close(): Promise<void>;
  /** Resolves when the socket is closed (rejects on a receive error). */
  readonly closed: Promise<void>;
  readonly fd: number;
}

/**
 * A datagram to send, checked (TypeError/RangeError as Node's dgram); its destination
 * resolved (an unknown name throws ENOTFOUND, as the lookup of dgram's send reports it).
 */
function checkDatagram(d: unknown): { data: Uint8Array; addr: SockaddrIn | null } {
  if (d === null || typeof d !== 'object') throw ERR_INVALID_ARG_TYPE('datagram', 'object', d);
  const o = d as Record<string, unknown>;
  const data = chunkBytes('datagram.data', o.data);
  if (typeof o.address !== 'string') throw ERR_INVALID_ARG_TYPE('datagram.address', 'string', o.address);
  const port = checkPort('datagram.port', o.port, false);
  const r = resolveHost(o.address);
  if (r instanceof Error) throw r;
  // An IPv6 destination (null): the kernel answers for the wrong family.
  return { data, addr: r.family === AF_INET ? { family: AF_INET, port, addr: r.addr } : null };
}

class UdpSocketImpl implements UdpSocket {
  readonly readable: ReadableStream<UdpDatagram>;
  readonly writable: WritableStream<UdpDatagram>;
  readonly closed: Promise<void>;
  localAddress = '';
  localPort = 0;
  private rc!: ReadableStreamDefaultController<UdpDatagram>;
  private wc!: WritableStreamDefaultController;
  private readDone = false;
  private writeDone = false;
  private readPending = false;
  private readonly sock: SocketFd;
  private resolveClosed!: () => void;
  private rejectClosed!: (e: unknown) => void;
  private closing: Promise<void> | null = null;
  private readonly unregister: () => void;

  constructor(private readonly ns: Netns, fd: number) {
    this.sock = new SocketFd(ns.syscalls, fd);
    this.closed = quiet(new Promise((resolve, reject) => {
      this.resolveClosed = resolve;
      this.rejectClosed = reject;
    }));
    ({ address: this.localAddress, port: this.localPort } = this.sock.localName());
    this.readable = new ReadableStream<UdpDatagram>({
      start: (c) => {
        this.rc = c;
      },
      pull: (c) => this.pull(c),
      cancel: () => this.cancelRead(),
    }, { highWaterMark: 0 });
    this.writable = new WritableStream<UdpDatagram>({
      start: (c) => {
        this.wc = c;
      },
      write: (d) => this.send(d),
      close: () => {
        // UDP has no half-close: the write side just ends.
        this.writeDone = true;
        this.maybeFinish();
      },
      abort: () => {
        this.writeDone = true;
        this.maybeFinish();
      },
    });
    this.unregister = ns.kernel.onClose(() => void this.close());
  }

  get fd(): number {
    return this.sock.fd;
  }

  /** One blocking recvmsg(2). */
  private async pull(c: ReadableStreamDefaultController<UdpDatagram>): Promise<void> {
    if (this.readDone) return;
    this.readPending = true;
    let r;
    try {
      r = await this.sock.track(this.ns.syscalls.recvmsg(this.sock.fd, MAX_DATAGRAM));
    } catch (e) {
      if (!this.readDone) this.closing ??= this.teardown(e);
      return;
    } finally {
      this.readPending = false;
    }
    if (this.readDone) return;
    // A shut-down socket answers a datagram with no source: the end (a real empty datagram has one).
    if (r.addr === null || r.addr.family !== AF_INET) {
      this.readDone = true;
      c.close();
      this.maybeFinish();
      return;
    }
    c.enqueue({ data: r.data, address: ipv4ToString(r.addr.addr), port: r.addr.port });
  }

  private cancelRead(): void {
    if (this.readDone) return;
    this.readDone = true;
    this.wakeReader();
    this.maybeFinish();
  }

  private wakeReader(): void {
    // Wakes the blocked recvmsg; an unconnected socket answers ENOTCONN (the bits are set anyway).
    if (this.readPending) this.sock.shutdownQuietly(SHUT_RD);
  }

  async send(d: UdpDatagram): Promise<void> {
    const { data, addr } = checkDatagram(d);
    if (this.sock.fd < 0 || this.closing) throw socketClosedError();
    if (addr === null) {
      // An IPv6 destination from an IPv4 socket: Linux's answer for the wrong family.
      this.ns.syscalls.sendto(this.sock.fd, data, { family: AF_INET6 } as unknown as SockaddrIn);
      return;
    }
    this.ns.syscalls.sendto(this.sock.fd, data, addr);
  }

  private maybeFinish(): void {
    if (this.readDone && this.writeDone) void this.close();
  }

  close(): Promise<void> {
    this.closing ??= this.teardown(undefined);
    return this.closing;
  }

  private async teardown(err: unknown): Promise<void> {
    if (!this.readDone) {
      this.readDone = true;
      this.wakeReader();
      try {
        if (err === undefined) this.rc.close();
        else this.rc.error(err);
      } catch {
        // already closed
      }
    }
    if (!this.writeDone) {
      this.writeDone = true;
      try {
        this.wc.error(err ?? socketClosedError());
      } catch {
        // already closed
      }
    }
    await this.sock.drain();
    this.sock.closeQuietly();
    this.unregister();
    if (err === undefined) this.resolveClosed();
    else this.rejectClosed(err);
  }
}

/** Open a UDP socket in namespace `ns` (what `ns.openUdp()` does). */
export async function openUdp(ns: Netns, options: UdpOpenOptions = {}): Promise<UdpSocket> {
  const o = checkOptions('options', options, true);
  const port = o.port === undefined ? 0 : checkPort('options.port', o.port, true);
  const local = o.host === undefined ? { family: AF_INET, addr: 0 } : checkHost('options.host', o.host);
  const sys = ns.syscalls;
  const fd = openSocket(sys, local.family, SOCK_DGRAM, (s) => sys.bind(s, { family: AF_INET, port, addr: local.addr }));
  return new UdpSocketImpl(ns, fd);
}
