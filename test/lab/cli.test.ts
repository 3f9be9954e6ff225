/**
 * The `tuxnet` command: help, version, usage errors (exit 2), a missing script
 * (127), a syntax error (2, FILE:LINE), --realtime, `run`, and a lab that can
 * never finish (every process blocked, no timer: exit 124 with a message).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli.js');

function tuxnet(...args: string[]): { status: number; out: string; err: string } {
  // The timeout only guards against a hang: with every test file running at once on a
  // small machine, starting node and loading every module took over a minute.
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 600_000 });
  return { status: r.status ?? -1, out: r.stdout, err: r.stderr };
}

test('tuxnet --help, --version and usage errors', () => {
  const h = tuxnet('--help');
  assert.equal(h.status, 0);
  assert.match(h.out, /^Usage: tuxnet lab FILE \[--seed N\] \[--capture DIR\] \[--trace\] \[--realtime\]/);
  assert.match(h.out, /Programs: .*\barping\b.*\bip\b/);
  const v = tuxnet('--version');
  assert.deepEqual([v.status, /^tuxnet \d+\.\d+\.\d+\n$/.test(v.out)], [0, true]);
  for (const [args, msg] of [
    [[], 'missing command'], [['frob'], "unknown command 'frob'"], [['lab'], 'lab: missing FILE'],
    [['lab', '--seed', 'x', 'f.sh'], "lab: invalid seed 'x'"], [['lab', '--bogus', 'f.sh'], "lab: unrecognized option '--bogus'"],
  ] as [string[], string][]) {
    const r = tuxnet(...args);
    assert.equal(r.status, 2, args.join(' '));
    assert.ok(r.err.startsWith(`tuxnet: ${msg}`), r.err);
    assert.match(r.err, /Try 'tuxnet --help' for more information\.\n$/);
  }
});

test('tuxnet lab: missing script, syntax error, status, --realtime, stuck lab, run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tuxnet-cli-'));
  try {
    const missing = tuxnet('lab', join(dir, 'none.sh'));
    assert.equal(missing.status, 127);
    assert.match(missing.err, /none\.sh: No such file or directory/);

    const bad = join(dir, 'bad.sh');
    writeFileSync(bad, 'echo one\necho two |\n');
    const b = tuxnet('lab', bad);
    assert.equal(b.status, 2);
    assert.equal(b.out, '');
    assert.equal(b.err, `${bad}:2: syntax error: near unexpected token '|': pipelines are not supported by the lab runner\n`);

    const ok = join(dir, 'ok.sh');
    writeFileSync(ok, 'echo "args: $1 $2"\nsleep 0.05\nexit 7\n');
    const o = tuxnet('lab', ok, 'x', 'y');
    assert.deepEqual([o.status, o.out, o.err], [7, 'args: x y\n', '']);
    const rt = tuxnet('lab', '--realtime', ok);
    assert.deepEqual([rt.status, rt.out], [7, 'args:  \n']);

    const stuck = join(dir, 'stuck.sh');
    writeFileSync(stuck, 'tcpdump -i lo -n &\nwait\necho never\n');
    const s = tuxnet('lab', stuck);
    assert.equal(s.status, 124);
    assert.doesNotMatch(s.out, /never/);
    assert.match(s.err, /the lab is stuck: every process is blocked and no timer is pending/);

    const run = tuxnet('run', 'ip', '-br', 'link');
    assert.deepEqual([run.status, run.out], [0, 'lo               UNKNOWN        00:00:00:00:00:00 <LOOPBACK,UP,LOWER_UP> \n']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
