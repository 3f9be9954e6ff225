/**
 * Wait queues (Linux: kernel/sched/wait.c, include/linux/wait.h). The packet
 * path only calls `wakeUp`; userspace (the syscall layer) awaits. A waiter counts
 * as blocked for the virtual clock, so a blocked reader lets time advance to the
 * timer that will wake it.
 */
import type { Kernel } from './net_namespace.js';
import { TimerList } from './timer.js';

export const WAIT_WOKEN = 1;
export const WAIT_TIMEOUT = 0;
export const WAIT_INTERRUPTED = -1;

/** Something a task can be interrupted out of (a signal: `kill %1`). */
export interface Interruptible {
  cancel(): void;
}

interface Waiter extends Interruptible {
  done: boolean;
  finish(r: number): void;
}

export class WaitQueueHead {
  private waiters: Waiter[] = [];
  /**
   * Wake-ups so far, waiters or not. A caller that tries an operation with bottom halves
   * disabled and then decides to sleep compares it before and after: packets processed
   * when bottom halves were re-enabled may already have woken the queue (Linux avoids the
   * lost wake-up by queueing itself before the test: prepare_to_wait()).
   */
  wakeups = 0;

  /** Linux: wake_up_interruptible_all(). Safe from the packet path: resolution runs as a microtask. */
  wakeUp(_kernel: Kernel): void {
    this.wakeups++;
    if (this.waiters.length === 0) return;
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w.finish(WAIT_WOKEN);
  }

  get active(): boolean {
    return this.waiters.length > 0;
  }

  /**
   * Sleep until woken, `timeoutNs` passes (Infinity: never), or the task is
   * interrupted through `blockers`. Resolves WAIT_WOKEN, WAIT_TIMEOUT or
   * WAIT_INTERRUPTED; the caller re-checks its condition.
   */
  wait(kernel: Kernel, timeoutNs = Infinity, blockers?: Set<Interruptible>): Promise<number> {
    return new Promise((resolve) => {
      let timer: TimerList | null = null;
      const w: Waiter = {
        done: false,
        finish: (r: number) => {
          if (w.done) return;
          w.done = true;
          if (timer) kernel.delTimer(timer);
          const i = this.waiters.indexOf(w);
          if (i >= 0) this.waiters.splice(i, 1);
          blockers?.delete(w);
          kernel.sched.endWait();
          resolve(r);
        },
        cancel: () => w.finish(WAIT_INTERRUPTED),
      };
      kernel.sched.beginWait();
      if (timeoutNs !== Infinity) {
        timer = new TimerList(() => w.finish(WAIT_TIMEOUT));
        kernel.modTimer(timer, kernel.clock.now() + Math.max(0, timeoutNs));
      }
      this.waiters.push(w);
      blockers?.add(w);
    });
  }
}
