import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testKernel } from '../../../test/harness/kernel.js';
import { Task } from '../../socket/task.js';
import { BufferStdio } from '../tool.js';
import { programs } from '../registry.js';
import { IPADDR_SETUP, IPADDR_GOLDEN } from './ipaddress.golden.js';
import { tuxnetShell } from '../../../test/harness/fidelity.js';

/** A tuxnet shell answering `[status]\nstdout+stderr` per line (the golden's format). */
function shell(): (line: string) => Promise<string> {
  const sh = tuxnetShell();
  return async (line) => (await sh(line)).slice(`$ ${line}\n`.length);
}

test('ip address: the transcript captured from iproute2 6.1 on Linux, command by command', async () => {
  const sh = shell();
  for (const l of IPADDR_SETUP) await sh(l);
  for (const [cmd, expected] of IPADDR_GOLDEN) assert.equal(await sh(cmd), expected, cmd);
});

test('ip a / ip addr / ip address and usage errors', async () => {
  const sh = shell();
  const a = await sh('ip a');
  assert.equal(await sh('ip addr'), a);
  assert.equal(await sh('ip address show'), a);
  assert.equal(await sh('ip addr lst'), a);
  assert.match(await sh('ip addr help'), /^\[255\]\nUsage: ip address \{add\|change\|replace\} IFADDR dev IFNAME/);
  assert.equal(await sh('ip addr add 1.2.3.4/24 dev lo peer'), '[255]\nCommand line is not complete. Try option "help"\n');
  assert.equal(await sh('ip addr show dev lo dev lo'), '[255]\nError: either "dev" is duplicate, or "lo" is a garbage.\n');
  assert.equal(await sh('ip addr add 10.0.0.1/24 10.0.0.2/24 dev lo'),
    '[255]\nError: either "local" is duplicate, or "10.0.0.2/24" is a garbage.\n');
  assert.equal(await sh('ip addr add 10.0.0.1/24 dev lo metric x'), '[255]\nError: argument "x" is wrong: "metric" value is invalid\n\n');
  assert.equal(await sh('ip -6 addr add 10.0.0.1/24 dev lo'), '[1]\nError: inet6 prefix is expected rather than "10.0.0.1/24".\n');
  assert.equal(await sh('ip addr add 10.0.0.1/24 dev lo autojoin'), '[1]\nautojoin needs multicast address\n');
});

test('ip addr add on lo: 127.x gets host scope by default; brd - clears the host bits', async () => {
  const sh = shell();
  await sh('ip link set lo up');
  assert.equal(await sh('ip addr add 127.0.0.2/8 dev lo'), '[0]\n');
  assert.equal(await sh('ip addr add 10.8.0.5/16 brd - dev lo'), '[0]\n');
  assert.equal(await sh('ip -4 -o addr show dev lo'),
    '[0]\n1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever\n' +
    '1: lo    inet 10.8.0.5/16 brd 10.8.0.0 scope global lo\\       valid_lft forever preferred_lft forever\n' +
    '1: lo    inet 127.0.0.2/8 scope host secondary lo\\       valid_lft forever preferred_lft forever\n');
});

test('ip monitor address prints RTM_NEWADDR/RTM_DELADDR as iproute2 6.1 does (checked on Linux 6.18)', async () => {
  const k = testKernel(7);
  const net = k.newNet();
  net.refcnt++;
  const sh = async (line: string): Promise<void> => {
    const argv = line.split(' ');
    const task = new Task(k, net, new BufferStdio(), new BufferStdio(), 1);
    await programs.get(argv[0]!)!({ task, argv, stdout: new BufferStdio(), stderr: new BufferStdio(), env: {}, exec: async () => 0 });
  };
  await sh('ip link add veth0 type veth peer name veth1');
  const out = new BufferStdio();
  const mon = new Task(k, net, out, new BufferStdio(), 2);
  const done = programs.get('ip')!({ task: mon, argv: ['ip', 'monitor', 'address'], stdout: out, stderr: new BufferStdio(), env: {},
    exec: async () => 0 });
  await k.sleep(1e6);
  await sh('ip addr add 10.0.0.1/24 dev veth0');
  await sh('ip addr add 10.0.0.2/24 dev veth0 label veth0:x');
  await sh('ip addr del 10.0.0.1/24 dev veth0');
  await k.sleep(1e6);
  mon.kill();
  assert.equal(await done, 0);
  assert.equal(out.text,
    '3: veth0    inet 10.0.0.1/24 scope global veth0\n' +
    '       valid_lft forever preferred_lft forever\n' +
    '3: veth0    inet 10.0.0.2/24 scope global secondary veth0:x\n' +
    '       valid_lft forever preferred_lft forever\n' +
    'Deleted 3: veth0    inet 10.0.0.2/24 scope global secondary veth0:x\n' +
    '       valid_lft forever preferred_lft forever\n' +
    'Deleted 3: veth0    inet 10.0.0.1/24 scope global veth0\n' +
    '       valid_lft forever preferred_lft forever\n');
});
