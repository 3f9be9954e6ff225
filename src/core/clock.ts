/**
 * Time for the kernel. Linux reads jiffies and ktime; tuxnet injects a Clock so the
 * same lab runs in virtual time (discrete events: idle time is skipped) or in real
 * time (taps, interop). Time is a number of nanoseconds since the clock's epoch
 * (exact in a float64 up to ~104 days).
 */
export interface Clock {
  /** Linux: ktime_get_ns(). Monotonic nanoseconds. */
  now(): number;
  /** True when the kernel may jump time forward over idle periods. */
  readonly virtual: boolean;
  /** Wall-clock offset (ns since the Unix epoch at now()==0), for timestamps in captures. */
  readonly realtimeOffsetNs: number;
}

export const NSEC_PER_USEC = 1_000;
export const NSEC_PER_MSEC = 1_000_000;
export const NSEC_PER_SEC = 1_000_000_000;

/**
 * What the kernel's monotonic clock reads when userspace first runs: time since boot is
 * never 0 by then, and Linux code relies on it (TCP treats a zero µs/ms stamp as "unset":
 * req->snt_synack, retrans_stamp, the RACK and rate-sample stamps, CUBIC's epoch). Both
 * clocks start here; `realtimeOffsetNs` is lowered by as much, so wall-clock times (and
 * capture timestamps) are what they were.
 */
export const BOOT_TIME_NS = NSEC_PER_SEC;

/** Discrete-event time: only the kernel's scheduler moves it, to the next timer. */
export class VirtualClock implements Clock {
  readonly virtual = true;
  readonly realtimeOffsetNs: number;
  private t = BOOT_TIME_NS;
  /** @param epochNs wall-clock time when the clock starts; fixed by default so captures are reproducible. */
  constructor(epochNs = 1_700_000_000 * NSEC_PER_SEC) {
    this.realtimeOffsetNs = epochNs - BOOT_TIME_NS;
  }
  now(): number {
    return this.t;
  }
  /** Move time forward (never backwards). */
  advanceTo(t: number): void {
    if (t > this.t) this.t = t;
  }
}

/** A clock read from a monotonic source the platform supplies (e.g. process.hrtime). */
export class RealClock implements Clock {
  readonly virtual = false;
  readonly realtimeOffsetNs: number;
  private readonly base: number;
  constructor(private readonly monotonicNs: () => number, wallNs: number) {
    this.base = monotonicNs() - BOOT_TIME_NS;
    this.realtimeOffsetNs = wallNs - BOOT_TIME_NS;
  }
  now(): number {
    return this.monotonicNs() - this.base;
  }
}
