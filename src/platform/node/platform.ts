/**
 * The Node.js platform: the only place that touches Node's timers and clocks.
 * The kernel receives these through `Platform` and `Clock`.
 */
import type { Platform } from '../../core/softirq.js';
import { RealClock } from '../../core/clock.js';

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

/** A real clock from process.hrtime, with the wall clock of now as its epoch. */
export function nodeRealClock(): RealClock {
  return new RealClock(() => Number(process.hrtime.bigint()), Date.now() * 1e6);
}
