/**
 * WebSocket link: a tuxnet link device whose wire is a WebSocket carrying one Ethernet
 * frame per binary message, no header: the protocol of v86's NetworkAdapter
 * (`net_device.relay_url` / `network_relay_url`) and of the relays it talks to
 * (websockproxy, `tuxnet relay`). Browser-safe: it uses only a WebSocket constructor
 * given by the caller (the browser's `WebSocket`, or the `ws` package on Node, see
 * platform/node/ws_link.ts), and the global setTimeout.
 *
 * Carrier follows the connection; when it closes (server gone, protocol error) the
 * link goes down with the close code and reason logged and the client reconnects
 * with backoff (100 ms doubling to 5 s) until the handle is closed. Text messages are
 * not frames: they are dropped and counted (rx_dropped), the link stays up.
 */
import type { Kernel, Net } from '../../core/net_namespace.js';
import { type LinkKindOps, type LinkPort, linkAttach, linkDetach, linkPriv, linkReceive } from '../../drivers/link.js';
import {
  type LinkHandle, type LinkDeviceOptions, Reconnector, RxBatch, noLog, closeLinkDevice, createLinkDevice, inBh, linkDeviceGone,
} from '../link_handle.js';

export const wsLinkOps: LinkKindOps = { driver: 'websocket' };

/** What the link needs of a WebSocket (the browser's, or ws's on Node). */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  readonly bufferedAmount: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketCtor = new (url: string) => WebSocketLike;

/** WebSocket.OPEN */
const WS_OPEN = 1;
/** Bytes queued in the socket beyond which transmit drops (tx_dropped). */
const WS_TX_QUEUE_LIMIT = 4 << 20;

export interface WebSocketLinkOptions extends LinkDeviceOptions {
  /** The WebSocket constructor (default: globalThis.WebSocket). */
  WebSocket?: WebSocketCtor;
  /** How received messages are gathered into one softirq pass (RxBatch; Node: setImmediate). */
  defer?: (fn: () => void) => void;
}

/** Turn a message's data into bytes, or null when it is not binary. */
export function messageBytes(data: unknown): Uint8Array | null {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (Array.isArray(data)) {
    // ws's 'fragments' binaryType: the pieces of one message.
    const parts = data.filter((p): p is Uint8Array => p instanceof Uint8Array);
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
  return null;
}

class WsPort implements LinkPort {
  closed = false;
  constructor(private readonly ws: WebSocketLike) {}
  transmit(frame: Uint8Array): boolean {
    if (this.closed || this.ws.readyState !== WS_OPEN || this.ws.bufferedAmount > WS_TX_QUEUE_LIMIT) return false;
    // The frame's buffer is reused after we return: send a copy.
    this.ws.send(frame.slice());
    return true;
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.ws.close(1000, 'link closed');
    } catch {
      // already closing
    }
  }
}

/** Human text for a close event ("1006", "1002 Invalid opcode 3"). */
function closeText(code: number, reason: string): string {
  return reason !== '' ? `${code} ${reason}` : String(code);
}

/**
 * Connect a new link device to the WebSocket relay at `url`. Resolves at once with the
 * handle; carrier comes on when the socket opens and follows it from then on.
 */
export function openWebSocketLink(k: Kernel, ns: Net, url: string, o: WebSocketLinkOptions): Promise<LinkHandle> {
  const Ctor = o.WebSocket ?? (globalThis as unknown as { WebSocket?: WebSocketCtor }).WebSocket;
  if (Ctor === undefined) return Promise.reject(new Error('no WebSocket implementation: pass options.WebSocket'));
  const log = o.log ?? noLog;
  const dev = createLinkDevice(ns, o, wsLinkOps);
  const rc = new Reconnector(() => connect());
  let ws: WebSocketLike | null = null;
  let lastFailure = '';


  const connect = (): void => {
    if (rc.stopped || linkDeviceGone(dev)) return;
    let s: WebSocketLike;
    try {
      s = new Ctor(url);
    } catch (e) {
      log(`cannot connect to ${url}: ${e instanceof Error ? e.message : String(e)}`);
      return; // a bad URL does not get better by retrying
    }
    ws = s;
    s.binaryType = 'arraybuffer';
    let port: WsPort | null = null;
    let errText = '';
    s.onopen = () => {
      rc.reset();
      lastFailure = '';
      port = new WsPort(s);
      inBh(k, () => linkAttach(dev, port!));
      log(`link up (${url})`);
    };
    const rx = new RxBatch(k, (f) => {
      if (port !== null && !port.closed) linkReceive(dev, f);
    }, o.defer);
    s.onmessage = (ev) => {
      if (port === null || port.closed) return;
      const frame = messageBytes(ev.data);
      if (frame === null) {
        dev.coreStats.rxDropped++;
        return;
      }
      rx.push(frame);
    };
    s.onerror = (ev) => {
      const m = (ev as { message?: unknown } | null)?.message;
      if (typeof m === 'string') errText = m;
    };
    s.onclose = (ev) => {
      if (ws === s) ws = null;
      if (rc.stopped) return;
      if (port === null) {
        const msg = `cannot connect to ${url}: ${errText !== '' ? errText : closeText(ev.code, ev.reason)}`;
        if (msg !== lastFailure) log(`${msg}; retrying`);
        lastFailure = msg;
      } else if (!port.closed) {
        const reason = `websocket closed (${closeText(ev.code, ev.reason)}${errText !== '' ? `: ${errText}` : ''})`;
        log(`link down (${url}): ${reason}`);
        if (linkPriv(dev).port === port) inBh(k, () => linkDetach(dev, reason));
        else port.close();
      }
      rc.schedule();
    };
  };

  connect();
  return Promise.resolve({
    dev,
    close: () => {
      rc.stop();
      closeLinkDevice(k, dev);
      if (ws !== null) {
        try {
          ws.close(1000, 'link closed');
        } catch {
          // closing already
        }
      }
    },
  });
}
