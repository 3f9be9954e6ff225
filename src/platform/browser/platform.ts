/**
 * The browser platform: the kernel's timers and clock on a web page's globals
 * (MessageChannel, setTimeout, performance.now). No Linux counterpart; it is the
 * browser twin of platform/node/platform.ts, and like it the only place of the
 * browser build that touches the host's event loop.
 *
 * `defer` (ksoftirqd's wakeup, and the turn virtual time waits for before it jumps)
 * posts a message on a MessageChannel: a task that runs after the pending promise
 * continuations, like Node's setImmediate. Not `setTimeout(cb, 0)`: browsers clamp
 * nested zero timeouts to 4 ms (HTML: timer nesting level > 5), and the kernel
 * defers on every pass, so a lab would crawl at 250 passes per second.
 */
import type { Platform } from '../../core/softirq.js';
import { performanceRealClock } from '../clock.js';

/**
 * What the platform uses of a MessageChannel, the same in browsers and in Node
 * (whose typings declare the port as an EventEmitter without `onmessage`).
 */
interface PortLike {
  onmessage: ((ev: unknown) => void) | null;
  postMessage(message: unknown): void;
  /** Node only. */
  ref?(): void;
  unref?(): void;
}
interface ChannelLike {
  port1: PortLike;
  port2: PortLike;
}

/**
 * A Platform for one kernel: its own MessageChannel and queue of deferred callbacks
 * (no state shared between kernels on one page).
 */
export function createBrowserPlatform(): Platform {
  let queue: (() => void)[] = [];
  let posted = false;
  let channel: ChannelLike | null = null;
  const run = (): void => {
    posted = false;
    channel?.port1.unref?.();
    const batch = queue;
    queue = [];
    for (const cb of batch) {
      try {
        cb();
      } catch (e) {
        // One failing callback must not drop the rest of the batch; the error still
        // reaches the page's error handler (window.onerror / the console).
        queueMicrotask(() => {
          throw e;
        });
      }
    }
  };
  const port = (): ChannelLike => {
    if (channel === null) {
      channel = new MessageChannel() as unknown as ChannelLike;
      channel.port1.onmessage = run;
    }
    return channel;
  };
  return {
    defer: (cb) => {
      queue.push(cb);
      if (posted) return;
      posted = true;
      const c = port();
      // Node (which has MessageChannel too, and runs this module's tests) keeps its
      // event loop alive for a port with a listener: only while a deferral is pending,
      // as setImmediate does on the Node platform. Browsers have no ref/unref.
      c.port1.ref?.();
      c.port2.postMessage(null);
    },
    setTimer: (cb, ms) => setTimeout(cb, ms),
    clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  };
}

/** The page's real clock: the platforms' one clock on performance.now() (platform/clock.ts). */
export const browserRealClock = performanceRealClock;
