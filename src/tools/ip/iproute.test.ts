import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testKernel } from '../../../test/harness/kernel.js';
import { Task } from '../../socket/task.js';
import { BufferStdio } from '../tool.js';
import { programs } from '../registry.js';
import { IPROUTE_SETUP, IPROUTE_GOLDEN } from './iproute.golden.js';

/** Run tool command lines in a fresh namespace of a new kernel, as a shell would. */
function shell(): (line: string) => Promise<string> {
  const k = testKernel(7);
  const net = k.newNet();
  net.refcnt++;
  return async (line) => {
    const argv = line.split(' ');
    const out = new BufferStdio();
    const err = new BufferStdio();
    const task = new Task(k, net, out, err, 1);
    const rc = await programs.get(argv[0]!)!({ task, argv, stdout: out, stderr: err, env: {}, exec: async () => 0 });
    return `[${rc}]\n${out.text}${err.text}`;
  };
}

test('ip route / ip rule: the transcript captured from iproute2 6.1 on Linux, command by command', async () => {
  const sh = shell();
  for (const l of IPROUTE_SETUP) await sh(l);
  for (const [cmd, expected] of IPROUTE_GOLDEN) assert.equal(await sh(cmd), expected, cmd);
});

test('ip route: usage, unknown commands and abbreviations', async () => {
  const sh = shell();
  await sh('ip link set lo up');
  assert.equal(await sh('ip r'), await sh('ip route show'));
  assert.equal(await sh('ip ro li'), await sh('ip route list'));
  assert.match(await sh('ip route help'), /^\[255\]\nUsage: ip route \{ list \| flush \} SELECTOR\n/);
  assert.equal(await sh('ip route get'), '[1]\nneed at least a destination address\n');
  assert.equal(await sh('ip route get foo'), '[1]\nError: any valid prefix is expected rather than "foo".\n');
  assert.equal(await sh('ip -4 route add foo dev lo'), '[1]\nError: inet prefix is expected rather than "foo".\n');
  assert.equal(await sh('ip route add 10.0.0.0/8 via foo'), '[1]\nError: inet address is expected rather than "foo".\n');
  assert.equal(await sh('ip route add 10.0.0.0/8 via 1.2.3.4 via 1.2.3.5'),
    '[255]\nError: argument "via" is wrong: use nexthop syntax to specify multiple via\n\n');
  assert.equal(await sh('ip route add 10.0.0.0/8 nexthop'), '[255]\nError: unexpected end of line after "nexthop"\n');
  assert.equal(await sh('ip route show table foo'), '[255]\nError: argument "foo" is wrong: table id value is invalid\n\n');
  assert.equal(await sh('ip rule foo'), '[255]\nCommand "foo" is unknown, try "ip rule help".\n');
  assert.match(await sh('ip rule help'), /^\[255\]\nUsage: ip rule \{ add \| del \} SELECTOR ACTION\n/);
  assert.equal(await sh('ip rule add from 1.2.3.4 goto'), '[255]\nCommand line is not complete. Try option "help"\n');
});
