/**
 * Memory per object (Linux: sizeof(struct sk_buff) + skb_shared_info, and
 * struct net_device + its queues): bytes of V8 heap per idle SkBuff (header
 * objects only; the frame buffer lives outside the heap) and per idle buffer
 * byte total, and bytes per registered NetDevice (dummy kind, down). Measured
 * as the heap growth over N live objects between full GCs, so it needs
 * --expose-gc (bench/run.ts starts every bench with it).
 */
import { type BenchOptions, type Figure, median } from './common.js';
import { fullGc } from './alloc.js';
import { type SkBuff, allocSkb, skbReserve, MAX_HEADER } from '../src/core/skbuff.js';
import { type NetDevice, allocNetdev } from '../src/core/netdevice.js';
import { registerNetdevice } from '../src/core/dev.js';
import { dummyOps, dummySetup } from '../src/drivers/dummy.js';
import { createKernel } from '../src/index.js';

interface Mem {
  heap: number;
  arrayBuffers: number;
}

function mem(): Mem {
  fullGc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, arrayBuffers: m.arrayBuffers };
}

/** Heap (and ArrayBuffer) growth per object while `n` objects made by `make` stay alive. */
function perObject<T>(n: number, make: (i: number) => T): Mem {
  const keep: T[] = new Array<T>(n);
  const m0 = mem();
  for (let i = 0; i < n; i++) keep[i] = make(i);
  const m1 = mem();
  const r = { heap: (m1.heap - m0.heap) / n, arrayBuffers: (m1.arrayBuffers - m0.arrayBuffers) / n };
  keep.length = 0;
  return r;
}

export async function main(opts: BenchOptions): Promise<Figure[]> {
  if (!fullGc()) {
    return [{ name: 'heap_bytes_per_skbuff', value: NaN, unit: 'B', note: 'needs node --expose-gc' }];
  }
  const runs = Math.max(1, opts.runs);
  const nSkb = Math.max(1000, Math.round(100_000 * opts.scale));
  const skbHeap: number[] = [];
  const skbTotal: number[] = [];
  for (let r = 0; r < runs; r++) {
    const m = perObject<SkBuff>(nSkb, () => {
      const skb = allocSkb(MAX_HEADER + 60);
      skbReserve(skb, MAX_HEADER);
      return skb;
    });
    skbHeap.push(m.heap);
    skbTotal.push(m.heap + m.arrayBuffers);
  }
  const nDev = Math.max(200, Math.round(2000 * opts.scale));
  const devHeap: number[] = [];
  for (let r = 0; r < runs; r++) {
    const k = createKernel({ seed: 1 });
    const net = k.newNet();
    const m = perObject<NetDevice>(nDev, () => {
      const dev = allocNetdev('dummy%d', (d) => dummySetup(d, k.rng), dummyOps);
      dev.net = net;
      registerNetdevice(net, dev);
      return dev;
    });
    devHeap.push(m.heap);
  }
  return [
    { name: 'heap_bytes_per_skbuff', value: median(skbHeap), unit: 'B' },
    { name: 'mem_bytes_per_skbuff_188', value: median(skbTotal), unit: 'B' },
    { name: 'heap_bytes_per_netdevice', value: median(devHeap), unit: 'B' },
  ];
}
