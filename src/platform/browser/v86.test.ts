/**
 * The browser side stays browser-safe: nothing reachable by import from
 * platform/browser/v86.ts is a Node module (node:*), an npm package, or Node
 * platform code (platform/node/). Walks the TypeScript sources' import graph.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// dist/src/platform/browser/v86.test.js -> the repository's src/platform/browser/
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../../..');
const entry = join(root, 'src/platform/browser/v86.ts');

test('v86.ts and everything it imports use no Node module, npm package or platform/node code', { skip: !existsSync(entry) ? 'sources not found' : false }, () => {
  const seen = new Set<string>();
  const bad: string[] = [];
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*'([^']+)'|import\(\s*'([^']+)'\s*\)/g)) {
      const spec = (m[1] ?? m[2])!;
      const where = relative(root, file);
      if (!spec.startsWith('.')) {
        bad.push(`${where}: ${spec}`);
        continue;
      }
      const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
      if (target.includes(`${join('src', 'platform', 'node')}`)) bad.push(`${where}: ${spec}`);
      else if (existsSync(target)) visit(target);
    }
  };
  visit(entry);
  assert.ok(seen.size > 5, `walked ${seen.size} files`);
  assert.deepEqual(bad, []);
});

test('v86 bus adapter: a non-byte value from the bus is a counted drop; destroy() unregisters even after the device went away', async () => {
  const { testKernel } = await import('../../../test/harness/kernel.js');
  const { attachV86Bus } = await import('./v86.js');
  const { linkDestroy } = await import('../../drivers/link.js');
  const { devOpen } = await import('../../core/dev.js');
  const k = testKernel();
  const handlers = new Map<string, (data: Uint8Array) => void>();
  const bus = {
    register: (name: string, fn: (data: Uint8Array) => void): void => {
      handlers.set(name, fn);
    },
    unregister: (name: string, fn: (data: Uint8Array) => void): void => {
      if (handlers.get(name) === fn) handlers.delete(name);
    },
    send: (): void => {},
  };
  const a = attachV86Bus(k, k.initNet, bus, { devName: 'vm0' });
  assert.equal(devOpen(a.dev), 0);
  const send = handlers.get('net0-send')!;
  const before = a.dev.coreStats.rxDropped;
  for (const bad of [undefined, null, 'text', 42, [1, 2, 3], new ArrayBuffer(60)]) {
    assert.doesNotThrow(() => send(bad as unknown as Uint8Array));
  }
  assert.equal(a.dev.coreStats.rxDropped - before, 6);
  // The device goes away first (its namespace dismantled): v86's later destroy() still unhooks the bus.
  k.sched.localBhDisable();
  linkDestroy(a.dev);
  k.sched.localBhEnable();
  a.destroy();
  assert.equal(handlers.has('net0-send'), false);
  a.destroy();
});
