import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
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

test('browser platform: a throwing callback does not drop the rest of its batch; its error is re-thrown in a microtask', async () => {
  const p = createBrowserPlatform();
  const seen: string[] = [];
  const thrown: unknown[] = [];
  const boom = new Error('boom');
  // The re-throw would be an uncaught exception (what a page's window.onerror sees): catch
  // it here by wrapping the microtasks queued while the batch runs.
  const orig = globalThis.queueMicrotask;
  globalThis.queueMicrotask = (fn: () => void) => orig(() => {
    try {
      fn();
    } catch (e) {
      thrown.push(e);
    }
  });
  try {
    p.defer(() => seen.push('a'));
    p.defer(() => {
      throw boom;
    });
    p.defer(() => seen.push('c'));
    await new Promise<void>((ok) => p.defer(ok));
    await new Promise<void>((ok) => orig(ok));
  } finally {
    globalThis.queueMicrotask = orig;
  }
  assert.deepEqual(seen, ['a', 'c']);
  assert.deepEqual(thrown, [boom]);
});

test('browser platform on Node: a pending deferral keeps the process alive, none lets it exit (port ref/unref)', () => {
  const url = new URL('./platform.js', import.meta.url).href;
  // Runs its deferrals (the port is ref'd while one is pending: the second one, posted when
  // nothing else keeps Node alive, is lost without it), then exits (unref'd after a batch).
  const script = `import { createBrowserPlatform } from ${JSON.stringify(url)};
    const p = createBrowserPlatform();
    p.defer(() => { console.log('ran'); setTimeout(() => p.defer(() => console.log('ran again')), 10); });`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.signal, null, 'the process exits by itself (not killed by the timeout)');
  assert.deepEqual([r.status, r.stdout, r.stderr], [0, 'ran\nran again\n', '']);
});
