/**
 * The README's library examples are programs: every ```js block after an
 * `<!-- example: NAME -->` marker runs as an ES module (its `tuxnet` and `tuxnet/node`
 * imports pointed at this checkout's build), and the ```text block that follows it,
 * if any, is exactly what it must print.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '..', '..');

interface Example {
  name: string;
  code: string;
  output: string | null;
}

/** The marked examples of a Markdown text, in order. */
export function readmeExamples(md: string): Example[] {
  const out: Example[] = [];
  const re = /<!-- example: ([\w-]+) -->\s*```js\n([\s\S]*?)```/g;
  for (let m = re.exec(md); m; m = re.exec(md)) {
    const rest = md.slice(re.lastIndex);
    // The expected output: a ```text block before the next example or heading.
    const next = /<!-- example: |\n#/.exec(rest);
    const scope = next ? rest.slice(0, next.index) : rest;
    const t = /```text\n([\s\S]*?)```/.exec(scope);
    out.push({ name: m[1]!, code: m[2]!, output: t ? t[1]! : null });
  }
  return out;
}

const examples = readmeExamples(readFileSync(join(root, 'README.md'), 'utf8'));

test('README has library examples to run', () => {
  assert.ok(examples.length >= 3, `found ${examples.map((e) => e.name).join(', ')}`);
});

for (const ex of examples) {
  test(`README example "${ex.name}" runs and prints what the README shows`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'tnx-readme-'));
    try {
      const url = (p: string): string => pathToFileURL(join(root, p)).href;
      const code = ex.code
        .replaceAll(`from 'tuxnet/node'`, `from '${url('dist/src/node/index.js')}'`)
        .replaceAll(`from 'tuxnet'`, `from '${url('dist/src/index.js')}'`);
      const file = join(dir, `${ex.name}.mjs`);
      writeFileSync(file, code);
      const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 60_000, cwd: dir });
      assert.equal(r.status, 0, `exit ${r.status ?? r.signal}\n${r.stdout}\n${r.stderr}`);
      if (ex.output !== null) assert.equal(r.stdout, ex.output);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
