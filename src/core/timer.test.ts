import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TimerBase, TimerList } from './timer.js';
import { testKernel } from '../../test/harness/kernel.js';
import { Rng } from './rng.js';
import { NSEC_PER_SEC, BOOT_TIME_NS } from './clock.js';

test('timers fire in expiry order, ties in arming order; del and mod work', () => {
  const tb = new TimerBase();
  const fired: string[] = [];
  const mk = (n: string) => new TimerList(() => fired.push(n));
  const a = mk('a'), b = mk('b'), c = mk('c'), d = mk('d');
  tb.modTimer(a, 30);
  tb.modTimer(b, 10);
  tb.modTimer(c, 10);
  tb.modTimer(d, 20);
  assert.ok(tb.delTimer(d));
  assert.ok(!tb.delTimer(d));
  tb.modTimer(a, 5);
  assert.equal(tb.nextExpiry(), 5);
  assert.equal(tb.runExpired(10), 3);
  assert.deepEqual(fired, ['a', 'b', 'c']);
  assert.equal(tb.size, 0);
});

test('virtual time: a 30 s sleep finishes at once and the clock reads 30 s', async () => {
  const k = testKernel();
  const t0 = Date.now();
  await k.sleep(30 * NSEC_PER_SEC);
  assert.equal(k.clock.now() - BOOT_TIME_NS, 30 * NSEC_PER_SEC);
  assert.ok(Date.now() - t0 < 5000);
  // Concurrent sleepers wake in order.
  const order: number[] = [];
  await Promise.all([2, 1, 3].map((s) => k.sleep(s * NSEC_PER_SEC).then(() => order.push(s))));
  assert.deepEqual(order, [1, 2, 3]);
  assert.equal(k.clock.now() - BOOT_TIME_NS, 33 * NSEC_PER_SEC);
});

test('kernel timers fire while userspace sleeps past them', async () => {
  const k = testKernel();
  const at: number[] = [];
  const t = new TimerList(() => at.push(k.clock.now()));
  k.modTimer(t, BOOT_TIME_NS + 5 * NSEC_PER_SEC);
  await k.sleep(10 * NSEC_PER_SEC);
  assert.deepEqual(at, [BOOT_TIME_NS + 5 * NSEC_PER_SEC]);
});

test('rng: same seed, same sequence; different seeds differ', () => {
  const a = new Rng(42), b = new Rng(42), c = new Rng(43);
  const sa = Array.from({ length: 5 }, () => a.u32());
  const sb = Array.from({ length: 5 }, () => b.u32());
  const sc = Array.from({ length: 5 }, () => c.u32());
  assert.deepEqual(sa, sb);
  assert.notDeepEqual(sa, sc);
  const f = new Rng(1);
  let sum = 0;
  for (let i = 0; i < 10000; i++) sum += f.float();
  assert.ok(Math.abs(sum / 10000 - 0.5) < 0.02);
});
