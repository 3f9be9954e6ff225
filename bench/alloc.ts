/**
 * Heap allocation counter for the benchmarks (no Linux counterpart). V8 has no
 * running "bytes allocated" counter, but every GC reports the heap size before
 * and after it; the bytes allocated over an interval are the growth between
 * consecutive GCs plus the growth after the last one. Objects that escape
 * analysis removes are (correctly) not counted.
 */
import v8 from 'node:v8';

interface GcStat {
  beforeGC: { heapStatistics: { usedHeapSize: number } };
  afterGC: { heapStatistics: { usedHeapSize: number } };
}

/** Heap bytes allocated while `fn` runs (young and old generation, not ArrayBuffer backing stores). */
export function allocatedBytes(fn: () => void): number {
  const prof = new v8.GCProfiler();
  prof.start();
  const h0 = v8.getHeapStatistics().used_heap_size;
  fn();
  const h1 = v8.getHeapStatistics().used_heap_size;
  const r = prof.stop() as unknown as { statistics: GcStat[] };
  let total = 0;
  let last = h0;
  for (const s of r.statistics) {
    total += s.beforeGC.heapStatistics.usedHeapSize - last;
    last = s.afterGC.heapStatistics.usedHeapSize;
  }
  total += h1 - last;
  return total;
}

/** Run a full GC when the process has --expose-gc; returns whether it could. */
export function fullGc(): boolean {
  const g = (globalThis as { gc?: () => void }).gc;
  if (!g) return false;
  g();
  g();
  return true;
}
