/**
 * What node:net's Socket and Server share over tuxnet (no Linux counterpart: helpers
 * of Node's lib/net.js): option and address types, the per-namespace context, Node's
 * argument normalisation (normalizeArgs, getTimerDuration), the write-after-FIN rule
 * of sockets without allowHalfOpen, and the macrotask hop that makes socket events
 * come from the event loop as libuv's callbacks do.
 */
import { Duplex } from 'node:stream';
import type { Netns } from '../api/kernel.js';
import { sockfdLookup } from '../socket/syscalls.js';
import { AF_INET, type Sockaddr } from '../socket/socket.js';
import { ipv4ToString } from '../wire/iphdr.js';
import type { KernelKeepAlive } from './ref.js';
import type { Socket } from './net_socket.js';


/** What the classes of one namespace's `net` module share. */
export interface NetContext {
  ns: Netns;
  keepAlive: KernelKeepAlive;
  /** Open sockets and servers: closed when the kernel closes. */
  handles: Set<{ kernelClosed(): void }>;
  /** The namespace's Socket class (servers make their accepted sockets with it). */
  Socket: new (options?: SocketOptions) => Socket;
}

/** Where a class finds its namespace: set on the prototype of the per-namespace subclass. */
export const kContext = Symbol('tuxnet.netContext');
/** Internal option of accepted sockets: the server that accepted them. */
export const kServer = Symbol('tuxnet.server');

/** node:net Socket constructor options (those that mean something over tuxnet). */
export interface SocketOptions {
  /** A tuxnet fd of the namespace's process (an already connected TCP socket). */
  fd?: number;
  allowHalfOpen?: boolean;
  readable?: boolean;
  writable?: boolean;
  signal?: AbortSignal;
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
  highWaterMark?: number;
  [kServer]?: { connectionClosed(): void };
}

/** node:net connect options. */
export interface ConnectOptions {
  port?: number | string;
  host?: string;
  localAddress?: string;
  localPort?: number;
  family?: number;
  lookup?: (hostname: string, options: object, cb: (err: Error | null, address: string, family: number) => void) => void;
  timeout?: number;
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
  path?: string;
  allowHalfOpen?: boolean;
  [k: string]: unknown;
}

/** Resolve on a later turn of the event loop (where libuv would call back). */
export function macrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Node: normalizeArgs(): [options, cb] from (port, host, cb) / (options, cb) / (path, cb). */
export function normalizeArgs(args: unknown[]): [ConnectOptions, ((...a: unknown[]) => void) | null] {
  if (args.length === 0) return [{}, null];
  const arg0 = args[0];
  let options: ConnectOptions = {};
  if (typeof arg0 === 'object' && arg0 !== null) options = arg0 as ConnectOptions;
  else if (isPipeName(arg0)) options.path = arg0 as string;
  else {
    options.port = arg0 as number;
    if (args.length > 1 && typeof args[1] === 'string') options.host = args[1];
  }
  const cb = args[args.length - 1];
  return [options, typeof cb === 'function' ? (cb as (...a: unknown[]) => void) : null];
}

function isPipeName(s: unknown): boolean {
  return typeof s === 'string' && !(Number(s) >= 0);
}

export { getTimerDuration, validateFunction } from './validators.js';

export type Cb = (err?: Error | null) => void;

/** Node: the address objects of address()/server.address(). */
export interface AddressInfo {
  address: string;
  family: string;
  port: number;
}


/** Node: onReadableStreamEnd(): without allowHalfOpen, a write after the peer's FIN fails with EPIPE. */
export function onReadableStreamEnd(this: Socket): void {
  if (!this.allowHalfOpen) this.write = writeAfterFIN as Socket['write'];
}

function writeAfterFIN(this: Socket, chunk: unknown, encoding?: unknown, cb?: unknown): boolean {
  if (!this.writableEnded) {
    return (Duplex.prototype.write as (...a: unknown[]) => boolean).call(this, chunk, encoding, cb);
  }
  if (typeof encoding === 'function') cb = encoding;
  const er = nodeErrorWithCode('This socket has been ended by the other party', 'EPIPE');
  if (typeof cb === 'function') process.nextTick(cb as Cb, er);
  this.destroy(er);
  return false;
}

/** Node: genericNodeError(message, {code}): a plain Error with a code. */
function nodeErrorWithCode(message: string, code: string): Error & { code: string } {
  const e = new Error(message) as Error & { code: string };
  e.code = code;
  return e;
}

/** A syscall-layer sockaddr as Node's address object. */
export function addressInfo(sa: Sockaddr): AddressInfo | null {
  if (sa.family !== AF_INET) return null;
  return { address: ipv4ToString(sa.addr), family: 'IPv4', port: sa.port };
}

/**
 * close(2) an adapter's fd and wake whatever still waits on its socket (a pending
 * read/write/poll/accept) so it ends; `beforeClose` runs on the still-open fd (e.g.
 * SO_LINGER 0 for an RST). Nothing happens if the fd is already gone.
 */
export function closeAndWake(ns: Netns, fd: number, beforeClose?: () => void): void {
  let sock;
  try {
    sock = sockfdLookup(ns.task, fd, 'close');
  } catch {
    return;
  }
  beforeClose?.();
  try {
    const r = ns.syscalls.close(fd);
    if (r) r.catch(() => {});
  } catch {
    // already gone (EBADF) or the kernel closed
  }
  sock.wq.wakeUp(ns.kernel.core);
}
