/**
 * tuxnet for browsers: the entry point of the browser build (`dist/browser/tuxnet.js`,
 * bundled by scripts/build-browser.mjs, and the "browser" condition of the package's
 * "." export). The same `Kernel` as on Node, on the page's timers and clock; no host
 * files (`>FILE` redirections fail with EACCES, `tcpdump -r`/`sysctl -p` find no
 * file), no Node adapters, no TAP addon. Imports nothing from node:*.
 *
 * ```js
 * import { Kernel } from './tuxnet.js';
 * const kernel = new Kernel({ clock: 'virtual', seed: 1 });
 * await kernel.sh('ip netns add a');
 * ```
 */
import { Kernel as ApiKernel, type KernelOptions, type HostEnvironment } from './api/kernel.js';
import { createBrowserPlatform, browserRealClock } from './platform/browser/platform.js';

/** A host for one kernel: the page's event loop (MessageChannel, setTimeout) and performance.now(). */
export function browserHost(): HostEnvironment {
  return { platform: createBrowserPlatform(), realClock: browserRealClock };
}

/**
 * A booted tuxnet kernel in the page, with a root shell (`sh`) and namespace handles
 * (`netns`). See `api/kernel.ts`.
 */
export class Kernel extends ApiKernel {
  constructor(opts: KernelOptions = {}, host: HostEnvironment = browserHost()) {
    super(opts, host);
  }
}

export { createBrowserPlatform, browserRealClock } from './platform/browser/platform.js';
export * from './api/exports.js';
/**
 * Wires for a page: a v86 emulator's NIC on a tuxnet device (`attachV86Bus(kernel.core,
 * kernel.netns('a').net, emulator.bus, { name: 'eth0' })`) and a WebSocket link to a
 * `tuxnet relay` or v86 relay (`openWebSocketLink(kernel.core, net, url, { name })`).
 */
export {
  attachV86Bus, v86NetworkAdapter, openWebSocketLink, type V86Bus, type V86NetworkAdapter,
  type WebSocketCtor, type WebSocketLike, type WebSocketLinkOptions,
} from './platform/browser/v86.js';
