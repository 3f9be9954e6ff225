/**
 * node:net bound to a tuxnet namespace (no Linux counterpart: Node's lib/net.js
 * module surface). `netModule(ns)` returns what `import net from 'node:net'` gives
 * (Socket, Server, createServer, createConnection/connect, isIP/isIPv4/isIPv6 ...),
 * with sockets living in the namespace `ns`. Sockets and servers of a kernel close
 * when it closes. The classes are in net_socket.ts and net_server.ts.
 */
import type { Netns } from '../api/kernel.js';
import { Socket as SocketBase, kContext, normalizeArgs, type NetContext, type SocketOptions, type ConnectOptions } from './net_socket.js';
import { Server as ServerBase, type ServerOptions } from './net_server.js';
import { isIP, isIPv4, isIPv6 } from './net_addr.js';
import { keepAliveOf } from './ref.js';

export type { SocketOptions, ConnectOptions, AddressInfo } from './net_socket.js';
export type { ServerOptions, ListenOptions } from './net_server.js';
export { SocketBase as TuxnetSocket, ServerBase as TuxnetServer };

/** node:net's module surface, bound to one namespace. */
export interface NetModule {
  /** The namespace's Socket class: `new net.Socket(options)`. */
  Socket: new (options?: SocketOptions) => SocketBase;
  /** Node's alias of Socket. */
  Stream: new (options?: SocketOptions) => SocketBase;
  /** The namespace's Server class. */
  Server: new (options?: ServerOptions | ((socket: SocketBase) => void), listener?: (socket: SocketBase) => void) => ServerBase;
  /** node:net createServer([options][, connectionListener]). */
  createServer(options?: ServerOptions | ((socket: SocketBase) => void), listener?: (socket: SocketBase) => void): ServerBase;
  /** node:net connect(options[, listener]) / (port[, host][, listener]). */
  connect(options: ConnectOptions, listener?: () => void): SocketBase;
  connect(port: number | string, host?: string, listener?: () => void): SocketBase;
  connect(port: number | string, listener?: () => void): SocketBase;
  /** The same as connect. */
  createConnection: NetModule['connect'];
  isIP(input: unknown): number;
  isIPv4(input: unknown): boolean;
  isIPv6(input: unknown): boolean;
  /** Node 20: family autoselection is a no-op over tuxnet (IPv4 only). */
  getDefaultAutoSelectFamily(): boolean;
  setDefaultAutoSelectFamily(value: boolean): void;
  getDefaultAutoSelectFamilyAttemptTimeout(): number;
  setDefaultAutoSelectFamilyAttemptTimeout(value: number): void;
}

/** Build the net module of a namespace (nodeApi(ns).net caches it). */
export function netModule(ns: Netns): NetModule {
  const ctx = { ns, keepAlive: keepAliveOf(ns.kernel), handles: new Set() } as unknown as NetContext;
  // Per-namespace subclasses: the namespace lives on their prototype.
  const Socket = class Socket extends SocketBase {};
  const Server = class Server extends ServerBase {};
  Object.defineProperty(Socket.prototype, kContext, { value: ctx });
  Object.defineProperty(Server.prototype, kContext, { value: ctx });
  ctx.Socket = Socket;
  ns.kernel.onClose(() => {
    for (const h of [...ctx.handles]) h.kernelClosed();
  });

  function connect(...args: unknown[]): SocketBase {
    const normalized = normalizeArgs(args);
    const options = normalized[0];
    const socket = new Socket(options as SocketOptions);
    if (options.timeout) socket.setTimeout(options.timeout);
    return socket.connect(normalized);
  }
  let autoSelectFamily = true;
  let attemptTimeout = 250;
  return {
    Socket,
    Stream: Socket,
    Server,
    createServer: (options, listener) => new Server(options, listener),
    connect: connect as NetModule['connect'],
    createConnection: connect as NetModule['connect'],
    isIP,
    isIPv4,
    isIPv6,
    getDefaultAutoSelectFamily: () => autoSelectFamily,
    setDefaultAutoSelectFamily: (v) => {
      autoSelectFamily = Boolean(v);
    },
    getDefaultAutoSelectFamilyAttemptTimeout: () => attemptTimeout,
    setDefaultAutoSelectFamilyAttemptTimeout: (v) => {
      attemptTimeout = Math.max(10, Number(v) | 0);
    },
  };
}
