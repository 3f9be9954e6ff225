/**
 * Smoke test of the benchmarks: every bench file runs (tiny counts, no Linux
 * figures) and yields its figures under their stable names with positive
 * values. No timing is asserted: the values are only checked to be numbers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BenchMain, BenchOptions } from './common.js';
import { fullGc } from './alloc.js';

const tiny: BenchOptions = { runs: 1, warmup: 0, linux: false, scale: 0.001 };

const expected: Record<string, string[]> = {
  skb_ops: ['skb_alloc_free_ops', 'skb_push_pull_ops', 'skb_clone_free_ops'],
  heap: ['heap_bytes_per_skbuff', 'mem_bytes_per_skbuff_188', 'heap_bytes_per_netdevice'],
  veth_frames: ['veth_frames_64', 'veth_frames_1500', 'veth_pfifo_fast_frames_64', 'veth_kernel_frames_64',
    'veth_kernel_frames_1500', 'veth_heap_bytes_per_frame_64'],
  bridge_frames: ['bridge_frames_64', 'bridge_kernel_frames_64', 'bridge_heap_bytes_per_frame_64'],
  ip_forward: ['ipv4_forward_pps', 'ipv4_forward_kernel_pps', 'ipv4_forward_heap_bytes_per_packet'],
  fib: ['fib_lookup_mpps', 'fib_heap_bytes_per_route', 'fib_load_s'],
};

for (const [file, names] of Object.entries(expected)) {
  test(`bench ${file} runs and reports ${names.length} figures`, async () => {
    const mod = (await import(`./${file}.js`)) as { main: BenchMain };
    const figs = await mod.main(tiny);
    if (file === 'heap' && !fullGc()) {
      // Without --expose-gc the heap bench says why instead of measuring.
      assert.equal(figs.length, 1);
      assert.match(figs[0]!.note ?? '', /expose-gc/);
      return;
    }
    assert.deepEqual(figs.map((f) => f.name), names);
    for (const f of figs) {
      // A memory figure needs --expose-gc; without it the bench says so instead.
      if (!fullGc() && Number.isNaN(f.value) && /expose-gc/.test(f.note ?? '')) continue;
      assert.ok(Number.isFinite(f.value) && f.value > 0, `${f.name} = ${f.value}`);
      assert.equal(f.linux, undefined);
    }
  });
}
