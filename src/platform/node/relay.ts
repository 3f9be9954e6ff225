/**
 * `tuxnet relay`: an Ethernet switch between WebSocket clients, one frame per binary
 * message — what v86's `net_device.relay_url` (websockproxy) expects, so browser VMs,
 * tuxnet WebSocket links and other relay clients share one broadcast domain.
 *
 * Like a learning bridge (net/bridge/br_fdb.c, br_forward.c): the source MAC of every
 * frame is learned for the client it came from; a frame to a learned unicast address
 * goes to that client only, anything else (broadcast, multicast, unknown unicast) is
 * flooded to every other client. A client's addresses are forgotten when it leaves;
 * entries also age out after 300 s without traffic (br's default ageing_time).
 *
 * Bad input never takes the relay down: text messages and runts (< 14 bytes) are
 * dropped and counted, oversized messages close that client (ws: 1009), a non-WebSocket
 * request gets an HTTP error, a client whose send queue is full loses frames.
 */
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import type { IncomingMessage } from 'node:http';
import { WS_MAX_PAYLOAD, TickCork, wsSocket } from './ws_link.js';
import type { LinkLog } from '../link_handle.js';

/** br's default ageing_time: 300 s. */
export const RELAY_AGEING_MS = 300_000;
/**
 * The most source addresses the relay learns (a bridge's fdb has such a cap too:
 * IFLA_BR_FDB_MAX_LEARNED). Past it, stale entries are swept first; if none is stale,
 * the new address is not learned and its frames' replies are flooded. Without a cap a
 * client sending random source MACs would grow the table without bound.
 */
export const RELAY_FDB_MAX = 4096;
const ETH_HLEN = 14;
const CLIENT_QUEUE_LIMIT = 4 << 20;

export interface RelayOptions {
  host: string;
  port: number;
  log?: LinkLog;
}

export interface RelayStats {
  clients: number;
  forwarded: number;
  flooded: number;
  /** Text messages and runts. */
  dropped: number;
  /** Frames lost to a full client queue. */
  queueDrops: number;
}

export interface Relay {
  /** The port actually bound (useful with port 0). */
  port: number;
  stats: RelayStats;
  /** Source addresses learned (at most RELAY_FDB_MAX). */
  fdbSize(): number;
  /** Stop listening and close every client. */
  close(): Promise<void>;
}

interface FdbEntry {
  client: WebSocket;
  updated: number;
}

function macKey(b: Uint8Array, off: number): number {
  // 48 bits fit a double exactly.
  return ((b[off]! << 8) | b[off + 1]!) * 0x100000000 + (((b[off + 2]! << 24) | (b[off + 3]! << 16) | (b[off + 4]! << 8) | b[off + 5]!) >>> 0);
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

/** Start the relay; resolves once listening (rejects with the reason, e.g. EADDRINUSE). */
export function startRelay(o: RelayOptions): Promise<Relay> {
  const log = o.log ?? (() => {});
  const fdb = new Map<number, FdbEntry>();
  const clients = new Set<WebSocket>();
  const stats: RelayStats = { clients: 0, forwarded: 0, flooded: 0, dropped: 0, queueDrops: 0 };
  const names = new WeakMap<WebSocket, string>();
  const cork = new TickCork();

  const sendTo = (c: WebSocket, frame: Uint8Array): void => {
    if (c.readyState !== c.OPEN || c.bufferedAmount > CLIENT_QUEUE_LIMIT) {
      stats.queueDrops++;
      return;
    }
    // Frames forwarded from one read leave in one writev per client.
    cork.add(wsSocket(c));
    c.send(frame);
  };

  const forward = (from: WebSocket, frame: Uint8Array): void => {
    const now = Date.now();
    if ((frame[6]! & 1) === 0) {
      const src = macKey(frame, 6);
      const e = fdb.get(src);
      if (e === undefined) {
        if (fdb.size >= RELAY_FDB_MAX) {
          for (const [mac, old] of fdb) if (now - old.updated > RELAY_AGEING_MS) fdb.delete(mac);
        }
        if (fdb.size < RELAY_FDB_MAX) fdb.set(src, { client: from, updated: now });
      } else {
        e.client = from;
        e.updated = now;
      }
    }
    if ((frame[0]! & 1) === 0) {
      const e = fdb.get(macKey(frame, 0));
      if (e !== undefined && now - e.updated <= RELAY_AGEING_MS) {
        if (e.client !== from) {
          stats.forwarded++;
          sendTo(e.client, frame);
        }
        return;
      }
    }
    stats.flooded++;
    for (const c of clients) if (c !== from) sendTo(c, frame);
  };

  const wss = new WebSocketServer({ host: o.host, port: o.port, maxPayload: WS_MAX_PAYLOAD, perMessageDeflate: false });
  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    const name = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
    names.set(ws, name);
    clients.add(ws);
    stats.clients = clients.size;
    log(`relay: client ${name} connected (${clients.size} connected)`);
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const frame = toBytes(data);
      if (!isBinary || frame.length < ETH_HLEN) {
        stats.dropped++;
        return;
      }
      forward(ws, frame);
    });
    ws.on('error', (e: Error) => log(`relay: client ${name}: ${e.message}`));
    ws.on('close', (code: number, reason: Buffer) => {
      clients.delete(ws);
      stats.clients = clients.size;
      for (const [k, e] of fdb) if (e.client === ws) fdb.delete(k);
      const r = reason.toString();
      log(`relay: client ${name} disconnected (${code}${r !== '' ? ` ${r}` : ''})`);
    });
  });

  return new Promise((resolve, reject) => {
    const fail = (e: NodeJS.ErrnoException): void => {
      reject(new Error(`cannot listen on ${o.host}:${o.port}: ${e.code ?? e.message}`));
    };
    wss.once('error', fail);
    wss.once('listening', () => {
      wss.off('error', fail);
      wss.on('error', (e) => log(`relay: ${e.message}`));
      const a = wss.address();
      const port = typeof a === 'object' && a !== null ? a.port : o.port;
      log(`relay: listening on ws://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}/`);
      resolve({
        port,
        stats,
        fdbSize: () => fdb.size,
        close: async () => {
          // Every client's 'close' (and its log line) comes before close() resolves.
          await Promise.all([...clients].map((c) => new Promise<void>((gone) => {
            c.once('close', () => gone());
            c.terminate();
          })));
          await new Promise<void>((done) => wss.close(() => done()));
        },
      });
    });
  });
}

/** Parse `HOST:PORT` / `[V6]:PORT` / `PORT` for --listen; a string is an error message. */
export function parseListen(s: string): { host: string; port: number } | string {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(s) ?? /^()()(\d{1,5})$/.exec(s);
  if (m === null) return `invalid listen address '${s}': expected HOST:PORT`;
  const port = Number(m[3]);
  if (port > 65535) return `invalid port '${m[3]}'`;
  const host = m[1] ?? m[2] ?? '';
  return { host: host === '' ? '127.0.0.1' : host, port };
}

const RELAY_USAGE = `Usage: tuxnet relay [--listen HOST:PORT] [--quiet]

An Ethernet switch between WebSocket clients, one frame per binary message:
v86's net_device.relay_url, tuxnet's ws: links (tuxnet tap --link DEV=ws:URL).
  --listen HOST:PORT  address to listen on (default 127.0.0.1:8086)
  --quiet             do not log clients connecting and leaving
Runs until SIGINT/SIGTERM.
`;

/** `tuxnet relay`: run the relay until SIGINT/SIGTERM. Usage errors return 2. */
export async function relayCli(argv: string[], out: { write(t: string): void }, err: { write(t: string): void }): Promise<number> {
  let listen = '127.0.0.1:8086';
  let quiet = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') {
      out.write(RELAY_USAGE);
      return 0;
    }
    if (a === '--quiet' || a === '-q') quiet = true;
    else if (a === '--listen' || a === '-l' || a.startsWith('--listen=')) {
      const v = a.startsWith('--listen=') ? a.slice(9) : argv[++i];
      if (v === undefined) {
        err.write("tuxnet: relay: option '--listen' requires HOST:PORT\nTry 'tuxnet relay --help' for more information.\n");
        return 2;
      }
      listen = v;
    } else {
      err.write(`tuxnet: relay: unrecognized argument '${a}'\nTry 'tuxnet relay --help' for more information.\n`);
      return 2;
    }
  }
  const where = parseListen(listen);
  if (typeof where === 'string') {
    err.write(`tuxnet: relay: ${where}\n`);
    return 2;
  }
  let relay: Relay;
  try {
    relay = await startRelay({
      ...where,
      log: (m) => {
        if (!quiet || m.startsWith('relay: listening')) err.write(`tuxnet ${m}\n`);
      },
    });
  } catch (e) {
    err.write(`tuxnet: relay: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  const s = relay.stats;
  await relay.close();
  err.write(`tuxnet relay: stopped: ${s.forwarded} forwarded, ${s.flooded} flooded, ${s.dropped} dropped, ${s.queueDrops} queue drops\n`);
  return 0;
}
