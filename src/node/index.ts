/**
 * tuxnet's Node adapters, the package's second entry point (`tuxnet/node`):
 * `nodeApi(kernel.netns('a'))` gives Node's networking modules bound to that
 * namespace, so existing Node code (an HTTP server, a fetch client, a database
 * driver) runs over tuxnet by swapping the module it imports:
 *
 * ```ts
 * import { Kernel } from 'tuxnet';
 * import { nodeApi } from 'tuxnet/node';
 * const kernel = new Kernel();
 * await kernel.sh('ip netns add a; ...');
 * const { net, http } = nodeApi(kernel.netns('a'));
 * http.createServer((req, res) => res.end('hi')).listen(80);
 * ```
 *
 * Node only (the browser build has the web-streams sockets of `Netns` instead).
 */
import type { Netns } from '../api/kernel.js';
import { netModule, type NetModule } from './net.js';
import { dgramApi, type DgramModule } from './dgram.js';
import { httpModule, httpsModule, type HttpModule, type HttpsModule } from './http.js';
import { fetchApi, type FetchApi } from './fetch.js';

export type { NetModule } from './net.js';
export type { HttpModule, HttpsModule } from './http.js';
export type { DgramModule, DgramSocket, SocketType, SocketOptions, RemoteInfo } from './dgram.js';
export type { FetchApi, DispatcherOptions, ConnectOptions } from './fetch.js';
export { isIP, isIPv4, isIPv6, lookupHost, type LookupResult } from './net_addr.js';

/** Node's networking modules bound to one tuxnet namespace. */
export interface NodeApi extends FetchApi {
  /** node:net (createServer, createConnection/connect, Socket, Server, isIP ...) in the namespace. */
  net: NetModule;
  /** node:dgram (createSocket, Socket) in the namespace. */
  dgram: DgramModule;
  /** node:http: createServer gives a real http.Server listening in the namespace; request/get connect from it. */
  http: HttpModule;
  /** node:https: the same with TLS over tuxnet sockets. */
  https: HttpsModule;
}

const cache = new WeakMap<Netns, NodeApi>();

/**
 * Node's `net`, `dgram`, `http`, `https` and `fetch` bound to the namespace `ns`
 * (one object per namespace handle: the same call returns the same modules).
 */
export function nodeApi(ns: Netns): NodeApi {
  let api = cache.get(ns);
  if (api) return api;
  const net = netModule(ns);
  api = {
    net,
    dgram: dgramApi(ns),
    http: httpModule(net),
    https: httpsModule(net),
    ...fetchApi(ns, net),
  };
  cache.set(ns, api);
  return api;
}
