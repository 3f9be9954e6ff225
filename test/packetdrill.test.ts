/**
 * Runs every packetdrill script under test/packetdrill/ (google/packetdrill's
 * dialect, Linux 6.x semantics) through tuxnet's packetdrill runner, each on a
 * fresh kernel, each as its own subtest. A failing script reports the runner's
 * diagnostics (script:line, expected vs actual) as upstream prints them.
 *
 * Scripts that still fail against tuxnet are listed in KNOWN_FAILURES with the
 * reason (who owns the bug); they run as `todo` so they are reported, never
 * silently skipped. Every script was written for, and (see
 * test/packetdrill/README.md) checked against, the real Linux 6.18 kernel: a
 * failure is a tuxnet bug unless the README says otherwise.
 *
 * PACKETDRILL_FILTER=substring runs only the scripts whose path contains it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKernel } from '../src/index.js';
import { runPacketdrillScript } from '../src/tools/packetdrill/index.js';

/** The scripts live in the source tree (dist/test/ -> test/packetdrill/). */
const SCRIPT_DIR = fileURLToPath(new URL('../../test/packetdrill', import.meta.url));

/**
 * Scripts known to fail against tuxnet, by path relative to test/packetdrill,
 * with the reason and the owner of the fix (see /work/wip/tcp-bugs.md).
 */
const KNOWN_FAILURES: ReadonlyMap<string, string> = new Map<string, string>([]);

function findScripts(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findScripts(p));
    else if (name.endsWith('.pkt')) out.push(p);
  }
  return out;
}

const scripts = findScripts(SCRIPT_DIR);
const filter = process.env.PACKETDRILL_FILTER ?? '';

test('packetdrill: the script tree has at least 80 scripts', () => {
  assert.ok(scripts.length >= 80, `only ${scripts.length} scripts in ${SCRIPT_DIR}`);
});

test('packetdrill: every known failure names an existing script', () => {
  const names = new Set(scripts.map((p) => relative(SCRIPT_DIR, p)));
  for (const name of KNOWN_FAILURES.keys()) assert.ok(names.has(name), `KNOWN_FAILURES names missing ${name}`);
});

for (const path of scripts) {
  const name = relative(SCRIPT_DIR, path);
  if (filter && !name.includes(filter)) continue;
  const reason = KNOWN_FAILURES.get(name);
  test(`packetdrill: ${name}`, reason ? { todo: reason } : {}, async () => {
    const text = readFileSync(path, 'utf8');
    const k = createKernel({ seed: 1 });
    const r = await runPacketdrillScript(k, text, { path });
    if (!r.ok) {
      const tail = r.output.length > 2000 ? `...${r.output.slice(-2000)}` : r.output;
      assert.fail(`${r.errors.join('\n')}${tail ? `\n--- runner output ---\n${tail}` : ''}`);
    }
    assert.equal(r.status, 0);
  });
}
