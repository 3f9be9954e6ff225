import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBrowserPlatform, browserRealClock } from './platform.js';

test('browser platform: defer runs callbacks in order after pending promise continuations, each batch once', async () => {
  const p = createBrowserPlatform();
  const seen: string[] = [];
  p.defer(() => {
    seen.push('d1');
    p.defer(() => seen.push('d3'));
  });
  p.defer(() => seen.push('d2'));
  void Promise.resolve().then(() => seen.push('microtask'));
  seen.push('sync');
  await new Promise<void>((ok) => p.defer(ok));
  await new Promise<void>((ok) => p.defer(ok));
  assert.deepEqual(seen, ['sync', 'microtask', 'd1', 'd2', 'd3']);
});

test('browser platform: timers fire and can be cancelled; the real clock is monotonic', async () => {
  const p = createBrowserPlatform();
  let fired = 0;
  const h = p.setTimer(() => fired++, 1);
  p.clearTimer(h);
  await new Promise<void>((ok) => p.setTimer(ok, 5));
  assert.equal(fired, 0);
  const c = browserRealClock();
  const a = c.now();
  const b = c.now();
  assert.ok(Number.isInteger(a) && b >= a);
  assert.equal(c.virtual, false);
});
