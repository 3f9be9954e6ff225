/**
 * Kernel timers (Linux: kernel/time/timer.c, struct timer_list). A binary min-heap
 * ordered by expiry (ns) and then by insertion order, so timers due at the same
 * instant fire in the order they were armed: deterministic runs need that.
 */
export class TimerList {
  /** Absolute expiry in ns of the kernel clock. */
  expires = 0;
  /** Index in the heap, -1 when not pending. */
  heapIndex = -1;
  /** Tie-breaker: arming order. */
  seq = 0;
  /**
   * @param deferrable Linux: TIMER_DEFERRABLE (and the power-efficient workqueues of
   *   periodic housekeeping): the timer runs when its time has come, but it never wakes
   *   an idle machine. On the virtual clock: idle time is skipped toward it only when a
   *   timer that is not deferrable is pending too (softirq.ts idleCheck).
   */
  constructor(public func: (timer: TimerList) => void, public readonly deferrable = false) {}
  /** Linux: timer_pending(). */
  pending(): boolean {
    return this.heapIndex >= 0;
  }
}

export class TimerBase {
  private readonly heap: TimerList[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  /** Linux: mod_timer(): (re)arm at an absolute expiry. Returns true if it was pending. */
  modTimer(timer: TimerList, expires: number): boolean {
    const wasPending = timer.heapIndex >= 0;
    if (wasPending) this.remove(timer);
    timer.expires = expires;
    timer.seq = this.seq++;
    timer.heapIndex = this.heap.length;
    this.heap.push(timer);
    this.up(timer.heapIndex);
    return wasPending;
  }

  /** Linux: add_timer(). */
  addTimer(timer: TimerList): void {
    this.modTimer(timer, timer.expires);
  }

  /** Linux: del_timer(). Returns true if it was pending. */
  delTimer(timer: TimerList): boolean {
    if (timer.heapIndex < 0) return false;
    this.remove(timer);
    return true;
  }

  /** Cancel every pending timer (a machine shutting down: nothing of it may run again). */
  clear(): void {
    for (const t of this.heap) t.heapIndex = -1;
    this.heap.length = 0;
  }

  /** Expiry of the earliest pending timer, or Infinity. */
  nextExpiry(): number {
    return this.heap.length ? this.heap[0]!.expires : Infinity;
  }

  /** Expiry of the earliest pending timer that may wake an idle machine (not deferrable), or Infinity. */
  nextWakeExpiry(): number {
    const top = this.heap[0];
    if (top === undefined) return Infinity;
    if (!top.deferrable) return top.expires;
    let next = Infinity;
    for (const t of this.heap) if (!t.deferrable && t.expires < next) next = t.expires;
    return next;
  }

  /** Linux: run_timers(): fire every timer with expires <= now, earliest first. Returns how many fired. */
  runExpired(now: number): number {
    let n = 0;
    while (this.heap.length && this.heap[0]!.expires <= now) {
      const t = this.heap[0]!;
      this.remove(t);
      n++;
      t.func(t);
    }
    return n;
  }

  private remove(timer: TimerList): void {
    const i = timer.heapIndex;
    const last = this.heap.pop()!;
    timer.heapIndex = -1;
    if (last !== timer) {
      this.heap[i] = last;
      last.heapIndex = i;
      this.down(i);
      this.up(last.heapIndex);
    }
  }

  private less(a: TimerList, b: TimerList): boolean {
    return a.expires < b.expires || (a.expires === b.expires && a.seq < b.seq);
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      this.swap(i, p);
      i = p;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }

  private swap(i: number, j: number): void {
    const h = this.heap;
    const a = h[i]!;
    const b = h[j]!;
    h[i] = b;
    h[j] = a;
    a.heapIndex = j;
    b.heapIndex = i;
  }
}
