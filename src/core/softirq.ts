/**
 * Softirq emulation and the kernel's event loop (Linux: kernel/softirq.c,
 * kernel/time/timer.c run_timer_softirq).
 *
 * Packet work that Linux defers to softirq context (NET_RX: NAPI polls and the
 * backlog; NET_TX: qdiscs to rerun; TIMER: expired timers) is queued here and run
 * synchronously at `localBhEnable` (as Linux runs pending softirqs when a
 * bottom-half section ends), or later from the platform's `defer` (ksoftirqd).
 * Like __do_softirq, one pass restarts at most MAX_SOFTIRQ_RESTART times and
 * then yields, so userspace and other devices get their turn.
 *
 * Virtual time: when nothing is runnable and some userspace task waits (a sleep,
 * a blocking read with a timer behind it), time jumps to the next timer. Real
 * time: one platform timer is armed for the earliest kernel timer.
 */
import type { Kernel } from './net_namespace.js';
import { TimerList } from './timer.js';
import type { VirtualClock } from './clock.js';
import { NSEC_PER_MSEC } from './clock.js';

/** What the kernel needs from its host; src/platform/ provides it. */
export interface Platform {
  /** Run `cb` soon, after pending promise continuations (setImmediate). */
  defer(cb: () => void): void;
  /** Run `cb` after `ms` real milliseconds; returns a handle for clearTimer. */
  setTimer(cb: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export const NET_TX_SOFTIRQ = 1 << 2;
export const NET_RX_SOFTIRQ = 1 << 3;
export const TIMER_SOFTIRQ = 1 << 1;
export const MAX_SOFTIRQ_RESTART = 10;
/** Real time: how long userspace may run on promise continuations before the event loop gets a turn. */
export const TIMESLICE_NS = 2 * NSEC_PER_MSEC;

export class SoftirqScheduler {
  /** Pending softirq bits (Linux: local_softirq_pending()). */
  pending = 0;
  /** Nonzero inside __do_softirq or a timer callback (Linux: in_softirq()). */
  inSoftirq = false;
  /** local_bh_disable() depth. */
  bhDepth = 0;
  /** Userspace tasks blocked on the kernel (sleeps, blocking syscalls). */
  waiters = 0;
  /** Handlers by softirq bit; napi.ts and sch_generic.ts install theirs. */
  netRxAction: () => void = () => {};
  netTxAction: () => void = () => {};
  private deferred = false;
  private generation = 0;
  private realTimer: unknown = null;
  private realTimerAt = Infinity;
  /** Real time: when the event loop last ran one of our callbacks (ns). */
  private lastTurn = 0;

  /** `platform`: the host this kernel runs on (readable so a program can boot a sibling kernel on it: packetdrill). */
  constructor(private readonly kernel: Kernel, readonly platform: Platform) {}

  /** Linux: raise_softirq_irqoff(). From outside softirq context this also schedules a run. */
  raise(nr: number): void {
    this.pending |= nr;
    if (!this.inSoftirq && this.bhDepth === 0) this.kick();
  }

  /** Linux: local_bh_disable(). */
  localBhDisable(): void {
    this.bhDepth++;
  }

  /** Linux: local_bh_enable(): runs pending softirqs when the outermost section ends. */
  localBhEnable(): void {
    if (--this.bhDepth === 0 && this.pending !== 0 && !this.inSoftirq) this.doSoftirq();
  }

  /** Linux: __do_softirq(). */
  doSoftirq(): void {
    if (this.inSoftirq) return;
    this.inSoftirq = true;
    let restart = MAX_SOFTIRQ_RESTART;
    try {
      while (this.pending !== 0 && restart-- > 0) {
        const p = this.pending;
        this.pending = 0;
        if (p & TIMER_SOFTIRQ) this.kernel.timers.runExpired(this.kernel.clock.now());
        if (p & NET_TX_SOFTIRQ) this.netTxAction();
        if (p & NET_RX_SOFTIRQ) this.netRxAction();
      }
    } finally {
      this.inSoftirq = false;
    }
    // Still pending after the restart limit: hand over to "ksoftirqd".
    if (this.pending !== 0) this.kick();
  }

  /** Run softirqs and due timers now; used by tests and by the loop. */
  runPending(): void {
    if (this.kernel.timers.nextExpiry() <= this.kernel.clock.now()) this.pending |= TIMER_SOFTIRQ;
    this.doSoftirq();
  }

  /** Ask the platform to run the loop soon (ksoftirqd wakeup). */
  kick(): void {
    this.generation++;
    if (this.deferred) return;
    this.deferred = true;
    this.platform.defer(this.loopRun);
  }

  /** A timer was armed: real time may need an earlier platform timer; virtual time a loop pass. */
  timerArmed(expires: number): void {
    if (this.kernel.clock.virtual) {
      if (this.waiters > 0) this.kick();
    } else if (expires < this.realTimerAt) {
      this.armRealTimer();
    }
  }

  /** Userspace sleep on kernel time. */
  sleep(ns: number): Promise<void> {
    return new Promise((resolve) => {
      const t = new TimerList(() => {
        this.waiters--;
        resolve();
      });
      this.waiters++;
      this.kernel.modTimer(t, this.kernel.clock.now() + Math.max(0, ns));
      this.kick();
    });
  }

  /**
   * Block userspace until `wake` is called (by a wait queue) — counts as a waiter so
   * virtual time may advance toward the timer that will wake it.
   */
  beginWait(): void {
    this.waiters++;
    this.kick();
  }
  endWait(): void {
    this.waiters--;
  }

  /**
   * Real time: a task that never blocks (a sender and a receiver in one process over a
   * veth pair always find data or room) would run on promise continuations for ever,
   * and timers, I/O and signals would never run. Like a scheduler tick ending a
   * timeslice, a syscall made more than TIMESLICE_NS after the event loop's last turn
   * first waits for one (platform.defer). Null (no wait) in virtual time and within the
   * slice, so labs stay deterministic.
   */
  timeslice(): Promise<void> | null {
    const k = this.kernel;
    if (k.clock.virtual || k.clock.now() - this.lastTurn < TIMESLICE_NS) return null;
    return new Promise((resolve) => {
      this.platform.defer(() => {
        this.lastTurn = this.kernel.clock.now();
        resolve();
      });
    });
  }

  private readonly loopRun = (): void => {
    this.deferred = false;
    if (!this.kernel.clock.virtual) this.lastTurn = this.kernel.clock.now();
    this.runPending();
    if (this.pending !== 0) {
      this.kick();
      return;
    }
    if (this.kernel.clock.virtual) {
      if (this.waiters > 0 && this.kernel.timers.size > 0) this.idleCheck(this.generation, 0);
    } else {
      this.armRealTimer();
    }
  };

  /**
   * Virtual time: advance only when two deferred turns pass with no new kernel work,
   * i.e. every promise continuation in userspace has run and is waiting again.
   */
  private idleCheck(gen: number, stage: number): void {
    this.platform.defer(() => {
      if (gen !== this.generation || this.deferred || this.pending !== 0) return;
      if (stage < 1) {
        this.idleCheck(gen, stage + 1);
        return;
      }
      if (this.waiters <= 0) return;
      // Idle time is skipped only toward a timer that may wake an idle machine; on the
      // way there every timer runs in order, deferrable ones included (so labs see the
      // neighbour GC passes they always saw). With only deferrable housekeeping left
      // (neighbour GC, bridge FDB ageing), time stands still until something else
      // moves it: a program waiting on the world outside the kernel does not make the
      // clock race through GC passes, burning CPU and years of virtual time.
      if (this.kernel.timers.nextWakeExpiry() === Infinity) return;
      const next = this.kernel.timers.nextExpiry();
      (this.kernel.clock as VirtualClock).advanceTo(next);
      this.kick();
    });
  }

  /**
   * Real time: make sure a platform timer fires by the earliest kernel timer. A platform
   * timer already armed for that time or earlier is kept (it re-arms when it fires), so
   * the common case of a packet pushing a timer later (RTO, delayed ACK) costs no
   * clearTimeout/setTimeout pair; a timer that fires with nothing due is a no-op pass.
   */
  private armRealTimer(): void {
    const next = this.kernel.timers.nextExpiry();
    if (next === Infinity || (this.realTimer !== null && this.realTimerAt <= next)) return;
    if (this.realTimer !== null) {
      this.platform.clearTimer(this.realTimer);
      this.realTimer = null;
      this.realTimerAt = Infinity;
    }
    const ms = Math.max(0, (next - this.kernel.clock.now()) / NSEC_PER_MSEC);
    this.realTimerAt = next;
    this.realTimer = this.platform.setTimer(() => {
      this.realTimer = null;
      this.realTimerAt = Infinity;
      this.kick();
    }, Math.ceil(ms));
  }
}
