/**
 * The Node.js platform: the only place that touches Node's timers and clocks.
 * The kernel receives these through `Platform` and `Clock`.
 */
import type { Platform } from '../../core/softirq.js';
import { performanceRealClock } from '../clock.js';

export const nodePlatform: Platform = {
  defer: (cb) => {
    setImmediate(cb);
  },
  setTimer: (cb, ms) => {
    const t = setTimeout(cb, ms);
    // A pending kernel timer alone does not keep the process alive (like an idle host).
    t.unref();
    return t;
  },
  clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Node's real clock: the platforms' one clock on performance.now() (platform/clock.ts). */
export const nodeRealClock = performanceRealClock;
