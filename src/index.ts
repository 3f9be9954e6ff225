/**
 * tuxnet for Node.js: the public API. `new Kernel({ clock, seed })` boots a kernel on
 * Node's timers and clock with the host's files for `kernel.sh` redirections;
 * `kernel.netns(name)` hands out namespaces. The Node adapters (net, dgram, http,
 * https, fetch) come from the second entry point, `tuxnet/node`.
 */
import { bootKernel, type BootOptions } from './boot.js';
import { VirtualClock } from './core/clock.js';
import { nodePlatform, nodeRealClock } from './platform/node/platform.js';
import { hostFile, hostInput, nodeHostFs } from './platform/node/host_fs.js';
import type { Kernel as KernelCore } from './core/net_namespace.js';
import { Kernel as ApiKernel, type KernelOptions, type HostEnvironment } from './api/kernel.js';

/** Node's timers, clock and files. */
export const nodeHost: HostEnvironment = {
  platform: nodePlatform,
  realClock: nodeRealClock,
  openFile: hostFile,
  openInput: hostInput,
  hostFs: nodeHostFs,
  keepAlive: () => {
    // Any ref'd handle will do; the period only has to be long.
    const t = setInterval(() => {}, 1 << 30);
    return () => clearInterval(t);
  },
};

/**
 * A booted tuxnet kernel on Node, with a root shell (`sh`) and namespace handles
 * (`netns`). See `api/kernel.ts`.
 */
export class Kernel extends ApiKernel {
  constructor(opts: KernelOptions = {}, host: HostEnvironment = nodeHost) {
    super(opts, host);
  }
}

export interface CreateKernelOptions {
  /** 'virtual' (default): discrete-event time; 'real': wall-clock time. */
  time?: 'virtual' | 'real';
  seed?: number;
  loUp?: boolean;
}

/** Boot a bare kernel core on Node (no shell): what tests and the CLI build on. */
export function createKernel(opts: CreateKernelOptions = {}): KernelCore {
  const clock = opts.time === 'real' ? nodeRealClock() : new VirtualClock();
  const bo: BootOptions = { clock, platform: nodePlatform, seed: opts.seed ?? 1, loUp: opts.loUp };
  return bootKernel(bo);
}

export * from './api/exports.js';
