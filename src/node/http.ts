/**
 * node:http and node:https bound to a tuxnet namespace (no Linux counterpart). The
 * servers are Node's own http.Server / https.Server: only their listen(), close(),
 * address(), listening, ref/unref and getConnections are bridged to a tuxnet
 * net.Server, whose accepted sockets are fed in with `server.emit('connection',
 * socket)`, so Node's HTTP parser, keep-alive and timeouts run unchanged on tuxnet
 * sockets (which support setTimeout/setNoDelay/setKeepAlive/ref/unref, without
 * which Node silently disables keep-alive and idle timeouts). socket.setTimeout runs on
 * Node's own (unref'd) timers as node:net's does, so keepAliveTimeout, server.timeout
 * and headersTimeout count real time on either kernel clock: a virtual clock skips
 * idle kernel time, a pause of the program expires them only as it would in Node.
 * server.maxConnections is the tuxnet listener's, read at each accepted connection
 * (set before or after listen()). An https.Server is a
 * tls.Server: the raw tuxnet socket is wrapped by TLS as any duplex would be.
 * Clients: an http.Agent / https.Agent subclass whose createConnection opens tuxnet
 * sockets (TLS with tls.connect({ socket })), used by request()/get() unless the
 * caller passes an agent of their own. The rest of node:http is re-exported.
 */
import * as nodeHttp from 'node:http';
import * as nodeHttps from 'node:https';
import * as tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type { NetModule } from './net.js';
import type { TuxnetServer, TuxnetSocket, ConnectOptions } from './net.js';

type AnyServer = nodeHttp.Server | nodeHttps.Server;
type Listener = (req: nodeHttp.IncomingMessage, res: nodeHttp.ServerResponse) => void;
type RequestArgs = [string | URL | nodeHttp.RequestOptions, (nodeHttp.RequestOptions | ((res: nodeHttp.IncomingMessage) => void))?, ((res: nodeHttp.IncomingMessage) => void)?];

/** node:http bound to a namespace: Node's module with the server and client parts replaced. */
export type HttpModule = Omit<typeof nodeHttp, 'createServer' | 'Server' | 'request' | 'get' | 'Agent' | 'globalAgent'> & {
  /** A real http.Server listening in the namespace. */
  createServer(options?: nodeHttp.ServerOptions | Listener, listener?: Listener): nodeHttp.Server;
  /** http.Server whose listen() binds in the namespace. */
  Server: new (options?: nodeHttp.ServerOptions | Listener, listener?: Listener) => nodeHttp.Server;
  /** http.request over the namespace (the module's globalAgent unless an agent is given). */
  request(...args: RequestArgs): nodeHttp.ClientRequest;
  get(...args: RequestArgs): nodeHttp.ClientRequest;
  /** http.Agent whose connections are tuxnet sockets. */
  Agent: new (options?: nodeHttp.AgentOptions) => nodeHttp.Agent;
  globalAgent: nodeHttp.Agent;
};

/** node:https bound to a namespace. */
export type HttpsModule = Omit<typeof nodeHttps, 'createServer' | 'Server' | 'request' | 'get' | 'Agent' | 'globalAgent'> & {
  /** A real https.Server (a tls.Server) listening in the namespace. */
  createServer(options?: nodeHttps.ServerOptions | Listener, listener?: Listener): nodeHttps.Server;
  Server: new (options?: nodeHttps.ServerOptions | Listener, listener?: Listener) => nodeHttps.Server;
  /** https.request over the namespace (TLS over a tuxnet socket). */
  request(...args: RequestArgs): nodeHttp.ClientRequest;
  get(...args: RequestArgs): nodeHttp.ClientRequest;
  /** https.Agent whose connections are TLS over tuxnet sockets. */
  Agent: new (options?: nodeHttps.AgentOptions) => nodeHttps.Agent;
  globalAgent: nodeHttps.Agent;
};

/** What the servers of http and https share: the tuxnet listener behind a Node server. */
const kTuxnet = Symbol('tuxnet.httpListener');

/**
 * Bridge a Node http/https server to a tuxnet net.Server: listen/close/address/
 * listening/ref/unref/getConnections act on the tuxnet listener, whose connections
 * are emitted on the Node server as 'connection'.
 */
function bridgeServer(server: AnyServer, net: NetModule): void {
  const s = server as AnyServer & { [kTuxnet]?: TuxnetServer };
  const tux = net.createServer({ pauseOnConnect: false });
  s[kTuxnet] = tux;
  tux.on('connection', (socket: TuxnetSocket) => server.emit('connection', socket));
  tux.on('listening', () => server.emit('listening'));
  tux.on('error', (err: Error) => server.emit('error', err));
  tux.on('close', () => server.emit('close'));
  tux.on('drop', (data: unknown) => server.emit('drop', data));
  // node:net reads server.maxConnections at each accepted connection, so a value set
  // after listen() (the usual order) counts: the property is the tuxnet listener's.
  const initialMax = (server as { maxConnections?: number }).maxConnections;
  if (initialMax != null) tux.maxConnections = initialMax;
  Object.defineProperty(server, 'maxConnections', {
    get: () => tux.maxConnections,
    set: (v: number | undefined) => {
      tux.maxConnections = v;
    },
    configurable: true,
    enumerable: true,
  });
  const self = server as unknown as Record<string, unknown>;
  self.listen = function listen(...args: unknown[]): AnyServer {
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      server.once('listening', last as () => void);
      args = args.slice(0, -1);
    }
    if (args.length === 0) args = [0];
    tux.listen(...args);
    return server;
  };
  self.close = function close(cb?: (err?: Error) => void): AnyServer {
    // Node: httpServerPreClose(): idle keep-alive connections close, the checking interval stops.
    const closeIdle = (server as { closeIdleConnections?: () => void }).closeIdleConnections;
    if (typeof closeIdle === 'function') closeIdle.call(server);
    for (const sym of Object.getOwnPropertySymbols(server)) {
      if (sym.description?.includes('connectionsCheckingInterval')) {
        clearInterval((server as unknown as Record<symbol, ReturnType<typeof setInterval>>)[sym]);
      }
    }
    tux.close(cb);
    return server;
  };
  self.address = () => tux.address();
  self.ref = () => {
    tux.ref();
    return server;
  };
  self.unref = () => {
    tux.unref();
    return server;
  };
  self.getConnections = (cb: (err: Error | null, n: number) => void) => {
    tux.getConnections(cb);
    return server;
  };
  Object.defineProperty(server, 'listening', { get: () => tux.listening, configurable: true, enumerable: false });
}

/**
 * A TLSSocket over a tuxnet socket wraps it through a JS stream handle, which has no
 * getpeername/getsockname: its remoteAddress/localAddress would be undefined. Give it
 * the tuxnet socket's names (node:net reads `_peername`/`_sockname` first), once
 * connected. For tls.connect({ socket }) users too (the fetch connector).
 */
export function adoptTuxnetAddresses(tlsSocket: Duplex, raw: TuxnetSocket): void {
  const set = (): void => {
    const t = tlsSocket as unknown as { _peername?: object; _sockname?: object };
    if (raw.remoteAddress !== undefined) t._peername = { address: raw.remoteAddress, family: raw.remoteFamily, port: raw.remotePort };
    if (raw.localAddress !== undefined) t._sockname = { address: raw.localAddress, family: raw.localFamily, port: raw.localPort };
  };
  if (raw.connecting) raw.once('connect', set);
  else set();
}

/** The tuxnet socket under a server-side TLSSocket (Node: the JSStreamSocket of its TLSWrap). */
function tuxnetSocketUnder(tlsSocket: Duplex, TuxSocket: NetModule['Socket']): TuxnetSocket | null {
  const wrap = (tlsSocket as unknown as { _handle?: { _parentWrap?: { stream?: unknown } } })._handle?._parentWrap;
  const raw = wrap?.stream;
  return raw instanceof TuxSocket ? raw : null;
}

/** Put `agent` into request arguments that name none (Node's globalAgent otherwise). */
function withAgent(args: RequestArgs, agent: () => nodeHttp.Agent, Agent: new (o?: nodeHttp.AgentOptions) => nodeHttp.Agent): RequestArgs {
  const fix = (o: nodeHttp.RequestOptions): nodeHttp.RequestOptions => {
    if (o.createConnection) return o;
    if (o.agent === undefined || o.agent === null) return { ...o, agent: agent() };
    if (o.agent === false) return { ...o, agent: new Agent() };
    return o;
  };
  const [a, b, c] = args;
  if (typeof a === 'string' || a instanceof URL) {
    if (typeof b === 'function' || b === undefined) return [a, fix({}), b as ((res: nodeHttp.IncomingMessage) => void) | undefined];
    return [a, fix(b), c];
  }
  return [fix(a), b, c];
}

/** Build node:http bound to the namespace of `net`. */
export function httpModule(net: NetModule): HttpModule {
  class Agent extends nodeHttp.Agent {
    /** Connections are tuxnet sockets of the namespace. */
    override createConnection(options: ConnectOptions): Duplex {
      return net.createConnection(options);
    }
  }
  // Node 20's globalAgent: keep-alive, lifo scheduling, 5 s socket timeout.
  const globalAgent = new Agent({ keepAlive: true, scheduling: 'lifo', timeout: 5000 } as nodeHttp.AgentOptions);
  class Server extends nodeHttp.Server {
    constructor(options?: nodeHttp.ServerOptions | Listener, listener?: Listener) {
      super(options as nodeHttp.ServerOptions, listener);
      bridgeServer(this, net);
    }
  }
  const mod: HttpModule = {
    ...nodeHttp,
    Server: Server as unknown as HttpModule['Server'],
    createServer: (options, listener) => new Server(options, listener),
    Agent: Agent as unknown as HttpModule['Agent'],
    globalAgent: globalAgent as unknown as nodeHttp.Agent,
    request: (...args: RequestArgs) => {
      const [a, b, c] = withAgent(args, () => mod.globalAgent, Agent as unknown as HttpModule['Agent']);
      return (nodeHttp.request as (...x: unknown[]) => nodeHttp.ClientRequest)(a, b, c);
    },
    get: (...args: RequestArgs) => {
      const req = mod.request(...args);
      req.end();
      return req;
    },
  };
  return mod;
}

/** Build node:https bound to the namespace of `net`. */
export function httpsModule(net: NetModule): HttpsModule {
  class Agent extends nodeHttps.Agent {
    /** TLS over a tuxnet socket of the namespace (tls.connect({ socket })). */
    override createConnection(options: tls.ConnectionOptions & ConnectOptions, cb?: unknown): Duplex {
      const socket = net.createConnection({
        host: options.host ?? undefined,
        port: options.port ?? 443,
        localAddress: options.localAddress,
        localPort: options.localPort,
        lookup: options.lookup as ConnectOptions['lookup'],
      });
      const parent = nodeHttps.Agent.prototype as unknown as { createConnection(o: unknown, cb?: unknown): Duplex };
      const tlsSocket = parent.createConnection.call(this, { ...options, socket }, cb);
      adoptTuxnetAddresses(tlsSocket, socket);
      return tlsSocket;
    }
  }
  const globalAgent = new Agent({ keepAlive: true, scheduling: 'lifo', timeout: 5000 } as nodeHttps.AgentOptions);
  class Server extends nodeHttps.Server {
    constructor(options?: nodeHttps.ServerOptions | Listener, listener?: Listener) {
      super(options as nodeHttps.ServerOptions, listener);
      bridgeServer(this, net);
      this.prependListener('secureConnection', (tlsSocket: Duplex) => {
        const raw = tuxnetSocketUnder(tlsSocket, net.Socket);
        if (raw) adoptTuxnetAddresses(tlsSocket, raw);
      });
    }
  }
  const mod: HttpsModule = {
    ...nodeHttps,
    Server: Server as unknown as HttpsModule['Server'],
    createServer: (options, listener) => new Server(options, listener),
    Agent: Agent as unknown as HttpsModule['Agent'],
    globalAgent: globalAgent as unknown as nodeHttps.Agent,
    request: (...args: RequestArgs) => {
      const [a, b, c] = withAgent(args, () => mod.globalAgent, Agent as unknown as HttpsModule['Agent']);
      return (nodeHttps.request as (...x: unknown[]) => nodeHttp.ClientRequest)(a, b, c);
    },
    get: (...args: RequestArgs) => {
      const req = mod.request(...args);
      req.end();
      return req;
    },
  };
  return mod;
}
