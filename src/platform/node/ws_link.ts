/**
 * WebSocket link on Node: the browser-safe link of platform/browser/websocket_link.ts
 * (one Ethernet frame per binary message, v86-relay compatible, reconnect with
 * backoff) driven by the `ws` package's WebSocket client, which has the browser API.
 *
 *   tuxnet relay --listen 127.0.0.1:8086        # the switch
 *   openWsLink(k, net, 'ws://127.0.0.1:8086/', { devName: 'eth0' })
 *   v86: new V86({ net_device: { relay_url: 'ws://127.0.0.1:8086/' }, ... })
 */
import { WebSocket } from 'ws';
import type { Writable } from 'node:stream';
import type { Kernel, Net } from '../../core/net_namespace.js';
import type { LinkHandle, LinkDeviceOptions } from '../link_handle.js';
import { type WebSocketCtor, openWebSocketLink } from '../browser/websocket_link.js';

/** The largest message a link or the relay accepts: a 64 KiB frame and then some (ws's default is 100 MiB). */
export const WS_MAX_PAYLOAD = 65536 + 4096;

/**
 * Corks sockets until the next tick: every message sent to a socket in one softirq pass
 * (or one relay read) leaves in one writev. ws writes each message with its own
 * cork/uncork, so without this every frame cost a write(2) and a wake-up of the peer.
 */
export class TickCork {
  private readonly socks = new Set<Writable>();
  private scheduled = false;

  /** Cork `sock` (once) until the next tick. */
  add(sock: Writable | null | undefined): void {
    if (sock === null || sock === undefined || this.socks.has(sock)) return;
    sock.cork();
    this.socks.add(sock);
    if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(this.release);
    }
  }

  readonly release = (): void => {
    this.scheduled = false;
    for (const s of this.socks) s.uncork();
    this.socks.clear();
  };
}

/** The TCP socket under a `ws` WebSocket (ws keeps it in `_socket`; null before it opens). */
export function wsSocket(ws: WebSocket): Writable | null {
  return (ws as unknown as { _socket?: Writable | null })._socket ?? null;
}

/** ws's client with a bounded message size, as a browser-style constructor; sends of one tick share a writev. */
class BoundedWebSocket extends WebSocket {
  private readonly txCork = new TickCork();
  constructor(url: string) {
    super(url, { maxPayload: WS_MAX_PAYLOAD, perMessageDeflate: false });
    // The link asks for 'arraybuffer' (the browser's type); on Node a Buffer view of the
    // received message is as good and spares ws a copy of every frame (toArrayBuffer).
    const d = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'binaryType');
    if (d?.get !== undefined && d.set !== undefined) {
      const { get, set } = d;
      Object.defineProperty(this, 'binaryType', {
        get: () => get.call(this) as string,
        set: (t: string) => set.call(this, t === 'arraybuffer' ? 'nodebuffer' : t),
      });
    }
  }

  override send(data: Parameters<WebSocket['send']>[0], ...rest: unknown[]): void {
    if (this.readyState === WebSocket.OPEN) this.txCork.add(wsSocket(this));
    (super.send as (...a: unknown[]) => void).call(this, data, ...rest);
  }
}

/** Connect a new link device to the WebSocket relay at `url` (ws:// or wss://). */
export function openWsLink(k: Kernel, ns: Net, url: string, o: LinkDeviceOptions): Promise<LinkHandle> {
  return openWebSocketLink(k, ns, url, { ...o, WebSocket: BoundedWebSocket as unknown as WebSocketCtor, defer: setImmediate });
}
