/**
 * Fidelity: the `ip route` / `ip rule` script of src/tools/ip/iproute.golden.ts on
 * tuxnet and on this Linux host (in a `tnxf2*` network namespace with IPv6 disabled,
 * since tuxnet has no IPv6), outputs and exit statuses compared command by command.
 * iproute.test.ts replays the stored transcript without root; this test reruns the
 * script live. TNX_DUMP=FILE writes FILE.host and FILE.ours. Needs root and
 * iproute2; skips with a reason otherwise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createKernel } from '../src/index.js';
import { Task } from '../src/socket/task.js';
import { programs } from '../src/tools/registry.js';
import { BufferStdio } from '../src/tools/tool.js';
import { IPROUTE_SETUP, IPROUTE_GOLDEN } from '../src/tools/ip/iproute.golden.js';

const SCRIPT = IPROUTE_GOLDEN.map(([cmd]) => cmd);

function runHost(ns: string, line: string): string {
  const r = spawnSync('ip', ['netns', 'exec', ns, ...line.split(' ')], { encoding: 'utf8' });
  return `[${r.status}]\n${r.stdout}${r.stderr}`;
}

function hostAvailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root';
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
    execFileSync('sysctl', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'iproute2/procps not installed';
  }
  return null;
}

test('ip route / ip rule output matches Linux (iproute2 6.1)', async (t) => {
  const why = hostAvailable();
  if (why) {
    t.skip(why);
    return;
  }
  const ns = `tnxf2f${process.pid % 100000}`;
  const host: string[] = [];
  try {
    execFileSync('ip', ['netns', 'add', ns]);
    for (const k of ['all', 'default']) {
      execFileSync('ip', ['netns', 'exec', ns, 'sysctl', '-qw', `net.ipv6.conf.${k}.disable_ipv6=1`]);
    }
    for (const l of IPROUTE_SETUP) runHost(ns, l);
    for (const l of SCRIPT) host.push(`$ ${l}\n${runHost(ns, l)}`);
  } finally {
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    } catch { /* already gone */ }
  }
  const k = createKernel({ seed: 7 });
  const net = k.newNet();
  net.refcnt++;
  const run = async (line: string): Promise<string> => {
    const argv = line.split(' ');
    const out = new BufferStdio();
    const err = new BufferStdio();
    const task = new Task(k, net, out, err, 1);
    const main = programs.get(argv[0]!)!;
    const rc = await main({ task, argv, stdout: out, stderr: err, env: {}, exec: async () => 0 });
    return `[${rc}]\n${out.text}${err.text}`;
  };
  for (const l of IPROUTE_SETUP) await run(l);
  const ours: string[] = [];
  for (const l of SCRIPT) ours.push(`$ ${l}\n${await run(l)}`);
  if (process.env.TNX_DUMP) {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${process.env.TNX_DUMP}.host`, host.join(''));
    writeFileSync(`${process.env.TNX_DUMP}.ours`, ours.join(''));
  }
  for (let i = 0; i < SCRIPT.length; i++) assert.equal(ours[i], host[i]);
});
