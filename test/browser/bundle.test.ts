/**
 * The browser build (scripts/build-browser.mjs): one ES module with no Node builtin
 * anywhere in its module graph, the guard that fails the build naming the module
 * that imports one, and the bundle itself booting a kernel.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUNDLE, METAFILE, ensureBundle, loadBuildScript } from './bundle_util.js';

test('the bundle imports no node:* module; the module graph of src/browser.ts has no Node builtin', async () => {
  await ensureBundle();
  const { isNodeBuiltin } = await loadBuildScript();
  const text = readFileSync(BUNDLE, 'utf8');
  assert.doesNotMatch(text, /\b(?:from|import)\s*\(?\s*["']node:/, 'an import of node:*');
  assert.doesNotMatch(text, /\brequire\s*\(\s*["']/, 'a require() call');
  const meta = JSON.parse(readFileSync(METAFILE, 'utf8')) as {
    inputs: Record<string, { imports: { path: string; kind: string; external?: boolean }[] }>;
  };
  const inputs = Object.keys(meta.inputs);
  assert.ok(inputs.includes('dist/src/browser.js'), 'the entry is src/browser.ts');
  assert.ok(inputs.includes('dist/src/platform/browser/platform.js'));
  assert.ok(inputs.includes('dist/src/tools/registry.js'), 'the tools come along (kernel.sh)');
  for (const f of inputs) {
    assert.ok(!f.startsWith('dist/src/platform/node/') && !f.startsWith('dist/src/node/') && f !== 'dist/src/index.js',
      `${f} is Node-only and may not be in the browser graph`);
    for (const im of meta.inputs[f]!.imports) {
      assert.ok(!isNodeBuiltin(im.path), `${f} imports ${im.path}`);
      assert.ok(!im.external, `${f} leaves ${im.path} external`);
    }
  }
});

test('the build fails on a Node builtin import and names the module that has it', async () => {
  const { buildBrowser } = await loadBuildScript();
  const dir = mkdtempSync(join(tmpdir(), 'tnx-bb-'));
  try {
    writeFileSync(join(dir, 'entry.js'), "import { f } from './middle.js';\nexport const g = f;\n");
    writeFileSync(join(dir, 'middle.js'), "import { readFileSync } from 'node:fs';\nimport 'path';\nexport const f = readFileSync;\n");
    await assert.rejects(buildBrowser({ entry: join(dir, 'entry.js'), outfile: join(dir, 'out.js') }), (e: Error & { nodeImports?: { importer: string; path: string }[] }) => {
      assert.match(e.message, /the browser build imports Node builtins:\n {2}\S*middle\.js -> node:fs\n {2}\S*middle\.js -> path$/);
      assert.deepEqual(e.nodeImports?.map((x) => x.path), ['node:fs', 'path']);
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the bundle boots a kernel (here on Node, whose MessageChannel and performance it uses as a page would)', async () => {
  await ensureBundle();
  const m = await import(pathToFileURL(BUNDLE).href) as typeof import('../../src/browser.js');
  assert.equal(typeof m.Netns, 'function');
  assert.equal(typeof m.SystemError, 'function');
  assert.equal(m.AF_INET, 2);
  const k = new m.Kernel({ seed: 3 });
  try {
    const r = await k.sh('ip link add d0 type dummy; ip link set d0 up; ip -br link show d0; ping -c 1 -q 127.0.0.1');
    assert.equal(r.status, 0, r.output);
    assert.match(r.stdout, /^d0 +UNKNOWN +[0-9a-f:]{17} <BROADCAST,NOARP,UP,LOWER_UP> \n/);
    assert.match(r.stdout, /1 packets transmitted, 1 received, 0% packet loss/);
  } finally {
    await k.close();
  }
});
