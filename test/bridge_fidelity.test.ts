/**
 * Fidelity: the same `ip`/`bridge` script on tuxnet and on this Linux host (in a
 * `tnx*` network namespace), outputs compared. Masked: the multicast "self"
 * entries the IPv4/IPv6 stacks put in device filters (33:33:*, 01:00:5e:*),
 * since tuxnet's bridge tests run without those stacks. IPv6 is disabled in the
 * host namespace so no traffic makes the host learn addresses.
 * Needs root and iproute2; skips with a reason otherwise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createKernel } from '../src/index.js';
import { Task } from '../src/socket/task.js';
import { programs } from '../src/tools/registry.js';
import { BufferStdio } from '../src/tools/tool.js';

const SETUP = [
  'ip link add br0 type bridge',
  'ip link add veth0 address 02:00:00:00:00:10 type veth peer name veth1 address 02:00:00:00:00:11',
  'ip link add veth2 address 02:00:00:00:00:20 type veth peer name veth3 address 02:00:00:00:00:21',
  'ip link set veth0 master br0',
  'ip link set veth2 master br0',
  'ip link set br0 up',
  'ip link set veth0 up',
  'ip link set veth1 up',
  'ip link set veth2 up',
  'ip link set veth3 up',
];

const SCRIPT = [
  'bridge fdb add 02:aa:00:00:00:01 dev veth0 master static',
  'bridge fdb add 02:aa:00:00:00:02 dev veth2 master',
  'bridge fdb add 02:aa:00:00:00:03 dev veth0',
  'bridge fdb add 02:aa:00:00:00:04 dev br0 self',
  'bridge fdb add 02:aa:00:00:00:05 dev veth0 master sticky static',
  'bridge fdb add 02:aa:00:00:00:01 dev veth0 master static',
  'bridge fdb add 02:aa:00:00:00:06 dev veth1 master static',
  'bridge fdb add 02:aa:00:00:00:07 dev veth0 master vlan 5',
  'bridge fdb del 02:aa:00:00:00:09 dev veth0 master',
  'bridge fdb add 00:00:00:00:00:00 dev veth0 master',
  'bridge fdb add zz dev veth0',
  'bridge fdb add 02:aa:00:00:00:08 dev nope',
  'bridge fdb replace 02:aa:00:00:00:02 dev veth0 master static',
  'bridge fdb show',
  'bridge fdb show br br0',
  'bridge fdb show dev veth0',
  'bridge fdb show br br0 state static',
  'bridge -j fdb show br br0',
  'bridge -j -p fdb show dev veth2',
  'bridge fdb del 02:aa:00:00:00:01 dev veth0 master',
  'bridge fdb show br br0',
  'bridge link',
  'bridge link show dev veth2',
  'bridge -d link show',
  'bridge -j -d link',
  'bridge link set dev veth0 learning off flood off cost 7 priority 10',
  'bridge link set dev veth0 learning maybe',
  'bridge link set dev veth1 learning off',
  'bridge link set dev veth0 state 9',
  'bridge link set dev veth0 state blocking',
  'bridge -d link show dev veth0',
  'bridge -j -p link show dev veth0',
  'bridge link set dev nope learning off',
  'bridge fdb show br nope',
];

function mask(text: string): string {
  if (text.trimStart().startsWith('[')) {
    const v = JSON.parse(text) as { mac?: string }[];
    return JSON.stringify(v.filter((o) => !o.mac || !/^(33:33|01:00:5e)/.test(o.mac)), null, 1);
  }
  return text.split('\n').filter((l) => !/^(33:33|01:00:5e)/.test(l)).join('\n');
}

function runHost(ns: string, line: string): string {
  const argv = line.split(' ');
  try {
    const out = execFileSync('ip', ['netns', 'exec', ns, ...argv], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return `[0]\n${mask(out)}`;
  } catch (e) {
    const x = e as { status: number; stdout: string; stderr: string };
    return `[${x.status}]\n${mask(x.stdout)}${x.stderr}`;
  }
}

function hostAvailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root';
  try {
    execFileSync('bridge', ['-V'], { stdio: 'ignore' });
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'iproute2 not installed';
  }
  return null;
}

test('bridge fdb/link output matches Linux (iproute2 6.1)', async (t) => {
  const why = hostAvailable();
  if (why) {
    t.skip(why);
    return;
  }
  const ns = `tnxbr${process.pid % 100000}`;
  const host: string[] = [];
  try {
    execFileSync('ip', ['netns', 'add', ns]);
    try {
      // Probe in a device of its own namespace so ifindexes of the real run are not shifted.
      execFileSync('ip', ['netns', 'add', `${ns}p`]);
      execFileSync('ip', ['netns', 'exec', `${ns}p`, 'ip', 'link', 'add', 'tnxprobe', 'type', 'bridge'], { stdio: 'ignore' });
    } catch {
      t.skip('no bridge support in this kernel');
      return;
    } finally {
      try {
        execFileSync('ip', ['netns', 'del', `${ns}p`], { stdio: 'ignore' });
      } catch { /* not created */ }
    }
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
  const run = async (line: string): Promise<string> => {
    const argv = line.split(' ');
    const out = new BufferStdio();
    const err = new BufferStdio();
    const task = new Task(k, k.initNet, out, err, 1);
    const main = programs.get(argv[0]!)!;
    const rc = await main({ task, argv, stdout: out, stderr: err, env: {}, exec: async () => 0 });
    return `[${rc}]\n${mask(out.text)}${err.text}`;
  };
  for (const l of SETUP) await run(l);
  const ours: string[] = [];
  for (const l of SCRIPT) ours.push(`$ ${l}\n${await run(l)}`);
  assert.deepEqual(ours, host);
});
