import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testKernel } from '../../../test/harness/kernel.js';
import { Task } from '../../socket/task.js';
import { BufferStdio } from '../tool.js';
import { ipMain } from './ip.js';

function mask(s: string): string {
  return s.replace(/link\/ether ([0-9a-f]{2}:){5}[0-9a-f]{2}/g, 'link/ether MAC')
    .replace(/ {2}([0-9a-f]{2}:){5}[0-9a-f]{2} </g, '  MAC <').replace(/"address":"[0-9a-f:]+"/g, '"address":"MAC"');
}

function shell(): (cmd: string) => Promise<{ rc: number; out: string; err: string }> {
  const k = testKernel();
  const task = new Task(k, k.initNet, new BufferStdio(), new BufferStdio(), 100);
  return async (cmd) => {
    const out = new BufferStdio();
    const err = new BufferStdio();
    const rc = await ipMain({ task, argv: ['ip', ...cmd.split(' ')], stdout: out, stderr: err, env: {}, exec: async () => 0 });
    return { rc, out: mask(out.text), err: err.text };
  };
}

test('ip link: veth across namespaces, as iproute2 6.1 prints it', async () => {
  const ip = shell();
  assert.equal((await ip('netns add tnxb')).rc, 0);
  assert.equal((await ip('link add veth0 type veth peer name veth1 netns tnxb')).rc, 0);
  const r = await ip('link show veth0');
  assert.equal(r.out,
    '2: veth0@if2: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000\n' +
    '    link/ether MAC brd ff:ff:ff:ff:ff:ff link-netns tnxb\n');
  assert.equal((await ip('-br link show veth0')).out, 'veth0@if2        DOWN           MAC <BROADCAST,MULTICAST> \n');
  assert.equal((await ip('-j link show veth0')).out,
    '[{"ifindex":2,"link_index":2,"ifname":"veth0","flags":["BROADCAST","MULTICAST"],"mtu":1500,"qdisc":"noop",' +
    '"operstate":"DOWN","linkmode":"DEFAULT","group":"default","txqlen":1000,"link_type":"ether","address":"MAC",' +
    '"broadcast":"ff:ff:ff:ff:ff:ff","link_netnsid":0}]\n');
  assert.equal((await ip('netns list')).out, 'tnxb (id: 0)\n');
});

test('ip -s link shows the 6.1 statistics block', async () => {
  const ip = shell();
  const r = await ip('-s link show lo');
  assert.equal(r.out,
    '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\n' +
    '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n' +
    '    RX:  bytes packets errors dropped  missed   mcast           \n' +
    '             0       0      0       0       0       0 \n' +
    '    TX:  bytes packets errors dropped carrier collsns           \n' +
    '             0       0      0       0       0       0 \n');
});

test('ip errors: messages and exit statuses of iproute2', async () => {
  const ip = shell();
  assert.equal((await ip('link add d0 type dummy')).rc, 0);
  assert.deepEqual(await ip('link add d0 type dummy'), { rc: 2, out: '', err: 'RTNETLINK answers: File exists\n' });
  assert.deepEqual(await ip('link set nosuch up'), { rc: 1, out: '', err: 'Cannot find device "nosuch"\n' });
  assert.deepEqual(await ip('link show nosuch'), { rc: 1, out: '', err: 'Device "nosuch" does not exist.\n' });
  assert.equal((await ip('link add a/b type dummy')).err, 'Error: argument "a/b" is wrong: "dev" not a valid ifname\n');
  assert.equal((await ip('link add name aaaaaaaaaaaaaaaaaaaa type dummy')).err,
    'Error: argument "aaaaaaaaaaaaaaaaaaaa" is wrong: "name" not a valid ifname\n');
  assert.equal((await ip('link set d0 mtu abc')).err, 'Error: argument "abc" is wrong: Invalid "mtu" value\n\n');
  assert.equal((await ip('link add v0 type veth peer name v1')).rc, 0);
  assert.deepEqual(await ip('link set v0 mtu 10'), { rc: 2, out: '', err: 'Error: mtu less than device minimum.\n' });
  assert.equal((await ip('link add v9 type nosuchkind')).err, 'Error: Unknown device type.\n');
  await ip('netns add tnxb');
  assert.deepEqual(await ip('link set lo netns tnxb'), { rc: 2, out: '', err: 'Error: The interface netns is immutable.\n' });
  assert.equal((await ip('link del lo')).err, 'RTNETLINK answers: Operation not supported\n');
  assert.equal((await ip('netns add tnxb')).err, 'Cannot create namespace file "/run/netns/tnxb": File exists\n');
});
