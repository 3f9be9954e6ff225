/**
 * Shared plumbing of the benchmarks (no Linux counterpart): the figure record
 * that `npm run bench -- --json` prints, options, and the measuring loop.
 *
 * A figure is the median of `runs` timed runs after `warmup` untimed ones. Every
 * load loop is bounded twice: by a count and by a time limit, so a regression
 * that makes the stack 1000x slower still ends. Machines are shared and noisy:
 * the medians matter, single runs do not.
 */

/** One printed figure. Names are stable across commits (they are compared over time). */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** The same figure measured on the Linux kernel of this machine, same run. */
  linux?: number;
  /** value / linux. */
  ratio?: number;
  /** Free text printed in the table only (why a Linux figure is missing, ...). */
  note?: string;
}

export interface BenchOptions {
  /** Timed runs per figure; the median is reported. */
  runs: number;
  /** Untimed runs first (JIT warm-up). */
  warmup: number;
  /** Measure Linux too, where possible. */
  linux: boolean;
  /** Scale for counts (0 < scale <= 1 makes a quick smoke run). */
  scale: number;
}

export const defaultBenchOptions: BenchOptions = { runs: 5, warmup: 2, linux: true, scale: 1 };

/** A bench file's entry point. */
export type BenchMain = (opts: BenchOptions) => Promise<Figure[]>;

/** Monotonic time in ns (the bench may read the host clock; the kernel never does). */
export function nowNs(): number {
  return Number(process.hrtime.bigint());
}

/** CPU time of this process (all threads, user + system) in ns. */
export function cpuNs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

export function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

/**
 * One timed run: `body(n)` performs up to n operations and returns how many it did.
 * It is called in chunks of `chunk` until `count` operations or `maxNs` of wall time.
 * Returns operations per second of CPU time of this process: on a shared machine
 * the time the process waits for a CPU is not the stack's cost (the Linux helper
 * measures its sender the same way). GC helper threads count too.
 */
export function rateOnce(body: (n: number) => number, count: number, maxNs: number, chunk = 1024): number {
  const t0 = nowNs();
  const c0 = cpuNs();
  let done = 0;
  while (done < count) {
    const n = Math.min(chunk, count - done);
    const did = body(n);
    done += did;
    if (did < n || nowNs() - t0 >= maxNs) break;
  }
  const dt = cpuNs() - c0;
  return dt > 0 ? (done * 1e9) / dt : 0;
}

/** Median rate over opts.runs timed runs after opts.warmup untimed ones. */
export function rate(opts: BenchOptions, body: (n: number) => number, count: number, maxNs = 5e9): number {
  const n = Math.max(1000, Math.round(count * opts.scale));
  for (let i = 0; i < opts.warmup; i++) rateOnce(body, n, maxNs);
  const xs: number[] = [];
  for (let i = 0; i < opts.runs; i++) xs.push(rateOnce(body, n, maxNs));
  return median(xs);
}

/** Attach a Linux figure and the ratio to a figure. */
export function withLinux(f: Figure, linux: number | null, note?: string): Figure {
  if (linux !== null && linux > 0) {
    f.linux = linux;
    f.ratio = f.value / linux;
  } else if (note) {
    f.note = note;
  }
  return f;
}

/** Throw (programmer error in the bench) when a sanity condition fails. */
export function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(`bench sanity check failed: ${what}`);
}
