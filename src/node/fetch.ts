/**
 * fetch over a tuxnet namespace (no Linux counterpart: the Node adapters' HTTP client).
 * An undici 7 `Agent` whose `connect` hook opens the connection with the namespace's
 * `net.createConnection` (and, for https:, `tls.connect({ socket })` over it) instead
 * of the host's TCP; `fetch` is undici's fetch on a shared per-namespace Agent, and
 * `installGlobalDispatcher()` makes that Agent undici's global dispatcher, so code that
 * calls the global `fetch()` unchanged goes through the namespace.
 *
 * Node 20's own global fetch is a bundled undici 6: it reads the global dispatcher from
 * `globalThis[Symbol.for('undici.globalDispatcher.1')]`, which undici 7's
 * `setGlobalDispatcher` writes too, and it drives an undici-7 Agent through the
 * dispatch-handler API both versions accept.
 *
 * What the hook does like undici's own connector (lib/core/connect.js): `setNoDelay(true)`,
 * TCP keep-alive after 60 s, ALPN `http/1.1` (plus `h2` with `allowH2`), SNI from the
 * host name (none for an IP literal), a connect timeout (10 s default, `connect.timeout`)
 * failing with undici's ConnectTimeoutError. Differences: names are resolved by the
 * namespace's `net` (no DNS: IP literals and localhost; any other name fails as
 * getaddrinfo ENOTFOUND), the timeout runs on the kernel's clock (virtual time in a
 * virtual kernel), and TLS sessions are not cached between connections.
 */
import type { Duplex } from 'node:stream';
import { isIP, type Socket as NetSocket } from 'node:net';
import * as tls from 'node:tls';
import { Agent, errors, fetch as undiciFetch, getGlobalDispatcher, setGlobalDispatcher, type Dispatcher,
  type RequestInfo, type RequestInit, type Response, type buildConnector } from 'undici';
import { TimerList } from '../core/timer.js';
import { ERR_INVALID_ARG_TYPE } from './errors.js';
import { adoptTuxnetAddresses } from './http.js';
import type { TuxnetSocket } from './net.js';
import type { Netns } from '../api/kernel.js';

/** A socket of the namespace, as `api.net.createConnection` returns it. */
export type NsSocket = Duplex & {
  setNoDelay?(noDelay?: boolean): unknown;
  setKeepAlive?(enable?: boolean, initialDelay?: number): unknown;
};

/** The part of `nodeApi(ns).net` the connector uses. */
export interface NetConnector {
  createConnection(options: { host: string; port: number; localAddress?: string }): NsSocket;
}

/** TLS and connection options of the hook: what undici's `connect: {...}` option carries. */
export type ConnectOptions = tls.ConnectionOptions & {
  /** Connect timeout in ms (TCP handshake + TLS handshake); 0 or null: none. Default 10000, as undici. */
  timeout?: number | null;
  /** Default true: SO_KEEPALIVE on the connection, first probe after `keepAliveInitialDelay`. */
  keepAlive?: boolean | null;
  keepAliveInitialDelay?: number | null;
  /** Offer h2 in ALPN (undici's Agent passes it from its own `allowH2`). */
  allowH2?: boolean;
};

/** Options of `dispatcher()`: undici's Agent options; `connect` is an object of ConnectOptions (a function is refused). */
export type DispatcherOptions = Omit<Agent.Options, 'connect'> & { connect?: ConnectOptions };

/** What `nodeApi(ns)` gets from this module. */
export interface FetchApi {
  /** undici's fetch, its connections made in the namespace (unless `init.dispatcher` says otherwise). */
  fetch(input: RequestInfo, init?: RequestInit): Promise<Response>;
  /** A new undici Agent whose connections are made in the namespace. Close it when done. */
  dispatcher(options?: DispatcherOptions): Agent;
  /**
   * Make the namespace's shared Agent the global dispatcher: the global `fetch()` (Node's
   * bundled undici and undici 7 alike) then connects through the namespace. Returns
   * `restore()`, which puts back the dispatcher that was global before (also done when
   * the kernel closes).
   */
  installGlobalDispatcher(): () => void;
}

const GLOBAL_DISPATCHER_1 = Symbol.for('undici.globalDispatcher.1');
const GLOBAL_DISPATCHER_2 = Symbol.for('undici.globalDispatcher.2');
const DEFAULT_CONNECT_TIMEOUT_MS = 10e3;
const DEFAULT_KEEPALIVE_DELAY_MS = 60e3;

/**
 * undici's `connect(opts, callback)` hook over the namespace. The callback is always
 * called asynchronously (a synchronous call hangs undici's Client), exactly once.
 */
export function buildNsConnector(ns: Netns, net: NetConnector, options: ConnectOptions = {}): buildConnector.connector {
  const { timeout, keepAlive, keepAliveInitialDelay, allowH2: allowH2Default, ...tlsOptions } = options;
  const timeoutMs = timeout === undefined || timeout === null ? DEFAULT_CONNECT_TIMEOUT_MS : timeout;
  const core = ns.kernel.core;
  return (opts, callback) => {
    const o = opts as buildConnector.Options & { allowH2?: boolean };
    const https = o.protocol === 'https:';
    const port = Number(o.port) || (https ? 443 : 80);
    let done = false;
    let socket: NsSocket | tls.TLSSocket | null = null;
    const timer = new TimerList(() => {
      // softirq context: only schedule.
      queueMicrotask(() => {
        if (done) return;
        const err = new errors.ConnectTimeoutError(
          `Connect Timeout Error (attempted address: ${o.hostname}:${port}, timeout: ${timeoutMs}ms)`);
        socket?.destroy(err);
        finish(err, null);
      });
    });
    const finish = (err: Error | null, s: NsSocket | tls.TLSSocket | null): void => {
      if (done) return;
      done = true;
      core.delTimer(timer);
      if (err) {
        socket?.destroy();
        callback(err, null);
      } else {
        // undici types the socket as net.Socket | TLSSocket; a namespace socket has net.Socket's surface.
        callback(null, s as unknown as NetSocket);
      }
    };
    const onError = (err: Error): void => finish(err, null);
    if (timeoutMs) core.modTimer(timer, core.clock.now() + timeoutMs * 1e6);
    let tcp: NsSocket;
    try {
      // The namespace's net resolves the name as node:net's lookup would (IP literals, localhost; else ENOTFOUND).
      tcp = net.createConnection({ host: o.hostname, port, localAddress: o.localAddress ?? undefined });
    } catch (err) {
      process.nextTick(finish, err as Error, null);
      return;
    }
    socket = tcp;
    tcp.setNoDelay?.(true);
    if (keepAlive ?? true) tcp.setKeepAlive?.(true, keepAliveInitialDelay ?? DEFAULT_KEEPALIVE_DELAY_MS);
    tcp.once('error', onError);
    tcp.once('connect', () => {
      tcp.removeListener('error', onError);
      if (!https) {
        finish(null, tcp);
        return;
      }
      // The TCP connection first, then the handshake over it (as a TLS upgrade of a connected socket).
      const allowH2 = o.allowH2 ?? allowH2Default ?? false;
      const servername = o.servername || tlsOptions.servername || (isIP(o.hostname) ? undefined : o.hostname);
      const t = tls.connect({
        ...tlsOptions,
        socket: tcp,
        servername,
        // checkServerIdentity is done against servername || host.
        host: o.hostname,
        port,
        ALPNProtocols: allowH2 ? ['http/1.1', 'h2'] : ['http/1.1'],
      });
      socket = t;
      // remoteAddress & co. of the TLS socket are the TCP socket's (its JS stream handle has no names).
      adoptTuxnetAddresses(t, tcp as unknown as TuxnetSocket);
      // An error of the TCP socket under TLS reaches undici through the TLS socket.
      t.once('error', onError);
      t.once('secureConnect', () => {
        t.removeListener('error', onError);
        finish(null, t);
      });
    });
  };
}

/** A new undici Agent whose connections are opened in the namespace `ns` through `net`. */
export function createDispatcher(ns: Netns, net: NetConnector, options: DispatcherOptions = {}): Agent {
  if (options === null || typeof options !== 'object') throw ERR_INVALID_ARG_TYPE('options', 'object', options);
  const { connect, ...rest } = options;
  // A connect function would replace the namespace's connector: only its options are taken.
  if (connect !== undefined && (connect === null || typeof connect !== 'object')) {
    throw ERR_INVALID_ARG_TYPE('options.connect', 'object', connect);
  }
  return new Agent({ ...rest, connect: buildNsConnector(ns, net, connect) });
}

/**
 * The fetch face of `nodeApi(ns)`: `fetch`, `dispatcher`, `installGlobalDispatcher`,
 * sharing one Agent per namespace (created on first use, destroyed when the kernel closes).
 */
export function fetchApi(ns: Netns, net: NetConnector): FetchApi {
  let shared: Agent | null = null;
  let restoreGlobal: (() => void) | null = null;
  // Agents from dispatcher(), held weakly; destroyed with the kernel. One close hook per
  // namespace (not one per Agent: a program making a dispatcher per request would grow
  // the kernel's hook list without bound); closed or collected Agents are pruned.
  const agents = new Set<WeakRef<Agent>>();
  let hooked = false;
  const hook = (): void => {
    if (hooked) return;
    hooked = true;
    ns.kernel.onClose(() => {
      hooked = false;
      restoreGlobal?.();
      const all = [shared, ...[...agents].map((r) => r.deref())];
      shared = null;
      agents.clear();
      for (const agent of all) void agent?.destroy().catch(() => {});
    });
  };
  const sharedAgent = (): Agent => {
    if (shared === null || shared.destroyed || shared.closed) {
      shared = createDispatcher(ns, net);
      hook();
    }
    return shared;
  };
  return {
    fetch(input: RequestInfo, init?: RequestInit): Promise<Response> {
      if (init?.dispatcher) return undiciFetch(input, init);
      return undiciFetch(input, { ...init, dispatcher: sharedAgent() });
    },
    dispatcher(options?: DispatcherOptions): Agent {
      const agent = createDispatcher(ns, net, options);
      for (const r of agents) {
        const a = r.deref();
        if (a === undefined || a.destroyed || a.closed) agents.delete(r);
      }
      agents.add(new WeakRef(agent));
      hook();
      return agent;
    },
    installGlobalDispatcher(): () => void {
      const g = globalThis as unknown as Record<symbol, Dispatcher | undefined>;
      const prev1 = g[GLOBAL_DISPATCHER_1] ?? getGlobalDispatcher();
      const prev2 = g[GLOBAL_DISPATCHER_2];
      const agent = sharedAgent();
      setGlobalDispatcher(agent);
      let restored = false;
      const restore = (): void => {
        if (restored) return;
        restored = true;
        if (restoreGlobal === restore) restoreGlobal = null;
        // Put the previous ones back only if ours is still the global one (installs may nest).
        if (g[GLOBAL_DISPATCHER_1] === agent) g[GLOBAL_DISPATCHER_1] = prev1;
        if (g[GLOBAL_DISPATCHER_2] === agent && prev2 !== undefined) g[GLOBAL_DISPATCHER_2] = prev2;
      };
      restoreGlobal = restore;
      return restore;
    },
  };
}
