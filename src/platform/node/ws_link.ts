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
import type { Kernel, Net } from '../../core/net_namespace.js';
import type { LinkHandle, LinkDeviceOptions } from '../link_handle.js';
import { type WebSocketCtor, openWebSocketLink } from '../browser/websocket_link.js';

/** The largest message a link or the relay accepts: a 64 KiB frame and then some (ws's default is 100 MiB). */
export const WS_MAX_PAYLOAD = 65536 + 4096;

/** ws's client with a bounded message size, as a browser-style constructor. */
class BoundedWebSocket extends WebSocket {
  constructor(url: string) {
    super(url, { maxPayload: WS_MAX_PAYLOAD, perMessageDeflate: false });
  }
}

/** Connect a new link device to the WebSocket relay at `url` (ws:// or wss://). */
export function openWsLink(k: Kernel, ns: Net, url: string, o: LinkDeviceOptions): Promise<LinkHandle> {
  return openWebSocketLink(k, ns, url, { ...o, WebSocket: BoundedWebSocket as unknown as WebSocketCtor, defer: setImmediate });
}
