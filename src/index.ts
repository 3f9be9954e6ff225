/**
 * tuxnet for Node.js: boot a kernel with Node's platform, and the public API.
 */
import { bootKernel, type BootOptions } from './boot.js';
import { VirtualClock } from './core/clock.js';
import { nodePlatform, nodeRealClock } from './platform/node/platform.js';
import type { Kernel } from './core/net_namespace.js';

export interface CreateKernelOptions {
  /** 'virtual' (default): discrete-event time; 'real': wall-clock time. */
  time?: 'virtual' | 'real';
  seed?: number;
  loUp?: boolean;
}

/** Boot a kernel on Node. */
export function createKernel(opts: CreateKernelOptions = {}): Kernel {
  const clock = opts.time === 'real' ? nodeRealClock() : new VirtualClock();
  const bo: BootOptions = { clock, platform: nodePlatform, seed: opts.seed ?? 1, loUp: opts.loUp };
  return bootKernel(bo);
}

export { Kernel, Net } from './core/net_namespace.js';
export { VirtualClock, RealClock } from './core/clock.js';
export * from './core/skbuff.js';
export * from './core/netdevice.js';
export { Task } from './socket/task.js';
export * as sys from './socket/syscalls.js';
