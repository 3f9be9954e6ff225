/**
 * Fidelity: the same `ip address` (and `sysctl`) script on tuxnet and on this
 * Linux host (in a `tnx*` network namespace with IPv6 disabled, since tuxnet
 * has no IPv6 and would print no inet6 lines), outputs and exit statuses
 * compared command by command. MACs are fixed by the script. The script and
 * the transcript this produced on the development host are in
 * src/tools/ip/ipaddress.golden.ts (ipaddress.test.ts replays it without root;
 * TNX_DUMP=FILE writes FILE.host and FILE.ours for regenerating it). Needs
 * root and iproute2; skips with a reason otherwise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createKernel } from '../src/index.js';
import { Task } from '../src/socket/task.js';
import { programs } from '../src/tools/registry.js';
import { BufferStdio } from '../src/tools/tool.js';
import { IPADDR_SETUP, IPADDR_GOLDEN } from '../src/tools/ip/ipaddress.golden.js';

const SETUP = IPADDR_SETUP;
const SCRIPT = IPADDR_GOLDEN.map(([cmd]) => cmd);

/**
 * Finite lifetimes count down in real time on the host (a loaded machine can
 * take over a second between two commands): their values are masked here. The
 * golden replay in ipaddress.test.ts checks them exactly on virtual time.
 */
function maskLifetimes(t: string): string {
  return t.replace(/(valid_lft|preferred_lft) \d+sec/g, '$1 Nsec')
    .replace(/"(valid|preferred)_life_time":(?!4294967295)\d+/g, '"$1_life_time":N')
    .replace(/"(valid|preferred)_life_time": (?!4294967295)\d+/g, '"$1_life_time": N');
}

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

test('ip address output matches Linux (iproute2 6.1)', async (t) => {
  const why = hostAvailable();
  if (why) {
    t.skip(why);
    return;
  }
  const ns = `tnxad${process.pid % 100000}`;
  const host: string[] = [];
  try {
    execFileSync('ip', ['netns', 'add', ns]);
    for (const k of ['all', 'default']) {
      execFileSync('ip', ['netns', 'exec', ns, 'sysctl', '-qw', `net.ipv6.conf.${k}.disable_ipv6=1`]);
    }
    for (const l of SETUP) runHost(ns, l);
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
  for (const l of SETUP) await run(l);
  const ours: string[] = [];
  for (const l of SCRIPT) ours.push(`$ ${l}\n${await run(l)}`);
  if (process.env.TNX_DUMP) {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${process.env.TNX_DUMP}.host`, host.join(''));
    writeFileSync(`${process.env.TNX_DUMP}.ours`, ours.join(''));
  }
  for (let i = 0; i < SCRIPT.length; i++) assert.equal(maskLifetimes(ours[i]!), maskLifetimes(host[i]!));
});
