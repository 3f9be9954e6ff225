import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testKernel, ethFrame, txSkb, BCAST } from '../../test/harness/kernel.js';
import type { Kernel } from '../core/net_namespace.js';
import { Task } from '../socket/task.js';
import { BufferStdio } from './tool.js';
import { tcMain } from './tc.js';
import { vethCreate } from '../drivers/veth.js';
import { devOpen, devQueueXmit } from '../core/dev.js';
import { testDevCreate } from '../../test/harness/txdev.js';

async function tc(k: Kernel, line: string): Promise<{ out: string; err: string; rc: number }> {
  const out = new BufferStdio();
  const err = new BufferStdio();
  const task = new Task(k, k.initNet, out, err);
  const argv = ['tc', ...line.split(' ').filter(Boolean)];
  const rc = await tcMain({ task, argv, stdout: out, stderr: err, env: {}, exec: async () => 127 });
  return { out: out.text, err: err.text, rc };
}

function vethPair(k: Kernel): void {
  const r = vethCreate(k.initNet, { name: 'veth0', peerName: 'veth1' });
  assert.ok(Array.isArray(r));
  devOpen(r[0]);
  devOpen(r[1]);
}

test('tc qdisc show: noqueue on lo and veth, as iproute2 6.1 prints it', async () => {
  const k = testKernel();
  vethPair(k);
  const r = await tc(k, 'qdisc show');
  assert.equal(r.rc, 0);
  assert.equal(r.out,
    'qdisc noqueue 0: dev lo root refcnt 2 \n' +
    'qdisc noqueue 0: dev veth1 root refcnt 2 \n' +
    'qdisc noqueue 0: dev veth0 root refcnt 2 \n');
  assert.equal((await tc(k, 'qdisc show dev lo')).out, 'qdisc noqueue 0: root refcnt 2 \n');
  assert.equal((await tc(k, 'q')).out, r.out, '`tc qdisc` alone lists');
});

test('tc qdisc add netem: delay and jitter, handle 8001:, show and -s show', async () => {
  const k = testKernel();
  vethPair(k);
  let r = await tc(k, 'qdisc add dev veth0 root netem delay 100ms 10ms');
  assert.deepEqual(r, { out: '', err: '', rc: 0 });
  r = await tc(k, 'qdisc show dev veth0');
  assert.equal(r.out, 'qdisc netem 8001: root refcnt 2 limit 1000 delay 100ms  10ms\n');
  r = await tc(k, 'qdisc show');
  assert.match(r.out, /^qdisc netem 8001: dev veth0 root refcnt 2 limit 1000 delay 100ms {2}10ms$/m);
  r = await tc(k, '-s qdisc show dev veth0');
  assert.equal(r.out,
    'qdisc netem 8001: root refcnt 2 limit 1000 delay 100ms  10ms\n' +
    ' Sent 0 bytes 0 pkt (dropped 0, overlimits 0 requeues 0) \n' +
    ' backlog 0b 0p requeues 0\n');
  // Second add: EXCL.
  r = await tc(k, 'qdisc add dev veth0 root netem delay 1ms');
  assert.deepEqual(r, { out: '', err: 'Error: Exclusivity flag on, cannot modify.\n', rc: 2 });
  // change keeps the handle; replace with the same kind changes too.
  assert.equal((await tc(k, 'qdisc change dev veth0 root netem loss 1% 25%')).rc, 0);
  assert.equal((await tc(k, 'qdisc show dev veth0')).out, 'qdisc netem 8001: root refcnt 2 limit 1000 loss 1% 25%\n');
  assert.equal((await tc(k, 'qdisc replace dev veth0 root netem delay 5ms')).rc, 0);
  assert.equal((await tc(k, 'qdisc show dev veth0')).out, 'qdisc netem 8001: root refcnt 2 limit 1000 delay 5ms\n');
  // del brings the default back.
  assert.deepEqual(await tc(k, 'qdisc del dev veth0 root'), { out: '', err: '', rc: 0 });
  assert.equal((await tc(k, 'qdisc show dev veth0')).out, 'qdisc noqueue 0: root refcnt 2 \n');
  r = await tc(k, 'qdisc del dev veth0 root');
  assert.deepEqual(r, { out: '', err: 'Error: Cannot delete qdisc with handle of zero.\n', rc: 2 });
  // Handles come from one kernel-wide counter.
  assert.equal((await tc(k, 'qdisc add dev veth1 root netem delay 1ms')).rc, 0);
  assert.match((await tc(k, 'qdisc show dev veth1')).out, /^qdisc netem 8002: /);
});

test('tc netem options print back as iproute2 6.1 prints them (golden from tc monitor file)', async () => {
  const k = testKernel();
  vethPair(k);
  // Each expected line is what the real iproute2 6.1 `tc -s monitor file` printed for the
  // dump our kernel produced (checked on a Linux host without sch_netem).
  const cases: Array<[string, string]> = [
    ['delay 1.5ms 1.234ms 25% loss 10% 50% duplicate 5% reorder 30% corrupt 1% rate 1mbit -14 48 5', 'limit 1000 delay 1.5ms  1.23ms 25% loss 10% 50% duplicate 5% reorder 30% corrupt 1% rate 1Mbit packetoverhead -14 cellsize 48 celloverhead 5 gap 1'],
    ['delay 1us', 'limit 1000 delay 0us'],
    ['delay 999us', 'limit 1000 delay 998us'],
    ['delay 12345678us', 'limit 1000 delay 12.3s'],
    ['limit 50 delay 100ms 10ms distribution normal', 'limit 50 delay 100ms  10ms'],
    ['loss state 1% 30% 2% 90% 0.5%', 'limit 1000 loss state p13 1% p31 30% p32 2% p23 90% p14 0.5%'],
    ['loss state 1%', 'limit 1000 loss state p13 1% p31 99% p32 0% p23 100% p14 0%'],
    ['loss gemodel 1% 10% 70% 0.1%', 'limit 1000 loss gemodel p 1% r 10% 1-h 70% 1-k 0.1%'],
    ['loss gemodel 3%', 'limit 1000 loss gemodel p 3% r 97% 1-h 100% 1-k 0%'],
    ['loss random 2% ecn', 'limit 1000 loss 2% ecn '],
    ['delay 10ms reorder 25% 50% gap 5', 'limit 1000 delay 10ms reorder 25% 50% gap 5'],
    ['rate 1500kbit', 'limit 1000 rate 1500Kbit'],
    ['rate 10gbit', 'limit 1000 rate 10Gbit'],
    ['slot 10ms 20ms packets 4 bytes 3000', 'limit 1000 slot 10ms 20ms packets 4 bytes 3000'],
    ['slot distribution pareto 10ms 2ms', 'limit 1000 slot distribution 10ms 2ms'],
    ['delay 10ms 5ms 30 duplicate 3% 7% corrupt 0.1% 1%', 'limit 1000 delay 10ms  5ms 30% duplicate 3% 7% corrupt 0.1% 1%'],
    ['limit 1000000', 'limit 1000000'],
    ['delay 4s 1s', 'limit 1000 delay 4s  1s'],
    ['loss 0.001%', 'limit 1000 loss 0.00100001%'],
    ['loss 33.3333%', 'limit 1000 loss 33.3333%'],
  ];
  for (const [args, want] of cases) {
    await tc(k, 'qdisc del dev veth0 root');
    const r = await tc(k, `qdisc add dev veth0 root netem ${args}`);
    assert.equal(r.err, '', args);
    assert.equal(r.rc, 0, args);
    const out = (await tc(k, 'qdisc show dev veth0')).out;
    assert.equal(out.replace(/^qdisc netem [0-9a-f]+: /, ''), `root refcnt 2 ${want}\n`, args);
  }
  // replace with the same kind is a change: options not given keep their values (Linux netem_change()).
  assert.equal((await tc(k, 'qdisc replace dev veth0 root netem corrupt 2%')).rc, 0);
  assert.equal((await tc(k, 'qdisc replace dev veth0 root netem delay 5ms')).rc, 0);
  assert.match((await tc(k, 'qdisc show dev veth0')).out, /limit 1000 delay 5ms corrupt 2%\n$/);
});

test('tc error messages and exit codes match iproute2 6.1', async () => {
  const k = testKernel();
  vethPair(k);
  const usage = (await tc(k, 'qdisc add dev veth0 root netem help')).err;
  assert.match(usage, /^Usage: \.\.\. netem \[ limit PACKETS \]\n/);
  const cases: Array<[string, string, number]> = [
    ['qdisc add dev nosuch root netem', 'Cannot find device "nosuch"\n', 1],
    ['qdisc add dev veth0 root foo', 'Error: Specified qdisc kind is unknown.\n', 2],
    ['qdisc add dev veth0 root foo bar', 'Unknown qdisc "foo", hence option "bar" is unparsable\n', 1],
    ['qdisc add dev veth0 root pfifo_fast bands 3', 'qdisc \'pfifo_fast\' does not support option parsing\n', 255],
    ['qdisc change dev veth1 root netem delay 1ms', 'Error: Qdisc not found. To create specify NLM_F_CREATE flag.\n', 2],
    ['qdisc add dev veth0 netem', 'Error: Handle cannot be zero.\n', 2],
    ['qdisc add root netem', 'RTNETLINK answers: No such device\n', 2],
    ['qdisc add dev veth0 parent 1: netem', 'Error: Failed to find specified qdisc.\n', 2],
    ['qdisc del dev veth0', 'Error: Failed to find qdisc with specified handle.\n', 2],
    ['qdisc add dev veth0 root root netem', 'Error: "root" is duplicate parent ID\n', 255],
    ['qdisc add dev veth0 root handle zz netem', 'Error: argument "zz" is wrong: invalid qdisc ID\n', 255],
    ['qdisc foo', 'Command "foo" is unknown, try "tc qdisc help".\n', 255],
    ['foo', 'Object "foo" is unknown, try "tc help".\n', 255],
    ['-x qdisc', 'Option "-x" is unknown, try "tc -help".\n', 255],
    ['qdisc show foo', 'What is "foo"? Try "tc qdisc help".\n', 255],
    ['qdisc show dev nosuch', 'Cannot find device "nosuch"\n', 1],
    ['qdisc add dev veth0 root netem delay', 'Command line is not complete. Try option "help"\n', 255],
    ['qdisc add dev veth0 root netem delay abc', 'Illegal "latency"\n', 1],
    ['qdisc add dev veth0 root netem loss 150%', 'Illegal "loss percent"\n', 1],
    ['qdisc add dev veth0 root netem loss foo 1%', 'Unknown loss parameter: foo\n', 1],
    ['qdisc add dev veth0 root netem loss 1% loss 2%', 'Illegal "duplicate loss argument\n"\n', 1],
    ['qdisc add dev veth0 root netem rate foo', 'Illegal "rate"\n', 1],
    ['qdisc add dev veth0 root netem limit x', 'Illegal "limit"\n', 1],
    ['qdisc add dev veth0 root netem slot foo', 'Unknown slot parameter: foo\n', 1],
    ['qdisc add dev veth0 root netem delay 10ms 1ms distribution uniform',
      'No distribution data for uniform (/usr/lib/x86_64-linux-gnu/tc//uniform.dist: No such file or directory)\n', 1],
    ['qdisc add dev veth0 root netem gap 5', `gap specified without reorder probability\n${usage}`, 1],
    ['qdisc add dev veth0 root netem reorder 10%', `reordering not possible without specifying some delay\n${usage}`, 1],
    ['qdisc add dev veth0 root netem ecn', `ecn requested without loss model\n${usage}`, 1],
    ['qdisc add dev veth0 root netem foo', `What is "foo"?\n${usage}`, 1],
  ];
  for (const [line, err, rc] of cases) {
    const r = await tc(k, line);
    assert.equal(r.err, err, line);
    assert.equal(r.rc, rc, line);
    assert.equal(r.out, '', line);
  }
});

test('tc -s qdisc show: pfifo_fast statistics after traffic and drops', async () => {
  const k = testKernel();
  const dev = testDevCreate(k.initNet);
  let r = await tc(k, 'qdisc show dev tq0');
  assert.equal(r.out, 'qdisc pfifo_fast 0: root refcnt 2 bands 3 priomap 1 2 2 2 1 2 0 0 1 1 1 1 1 1 1 1\n');
  for (let i = 0; i < 3; i++) devQueueXmit(txSkb(dev, ethFrame(BCAST, dev.devAddr, 0x88b5, 1010)));
  r = await tc(k, '-s qdisc show dev tq0');
  assert.equal(r.out,
    'qdisc pfifo_fast 0: root refcnt 2 bands 3 priomap 1 2 2 2 1 2 0 0 1 1 1 1 1 1 1 1\n' +
    ' Sent 3072 bytes 3 pkt (dropped 0, overlimits 0 requeues 0) \n' +
    ' backlog 0b 0p requeues 0\n');
  // A user-added root on a one-queue device: refcnt 2; netem counts its losses.
  assert.equal((await tc(k, 'qdisc add dev tq0 root netem loss 100%')).rc, 0);
  for (let i = 0; i < 2; i++) devQueueXmit(txSkb(dev, ethFrame(BCAST, dev.devAddr, 0x88b5, 100)));
  r = await tc(k, '-s qdisc show dev tq0');
  assert.equal(r.out,
    'qdisc netem 8001: root refcnt 2 limit 1000 loss 100%\n' +
    ' Sent 0 bytes 0 pkt (dropped 2, overlimits 0 requeues 0) \n' +
    ' backlog 0b 0p requeues 0\n');
});

test('netem on a veth delays what crosses it (tc + kernel end to end)', async () => {
  const k = testKernel();
  vethPair(k);
  assert.equal((await tc(k, 'qdisc add dev veth0 root netem delay 20ms')).rc, 0);
  const a = k.initNet.devGetByName('veth0')!;
  const got: number[] = [];
  const t0 = k.clock.now();
  const { devAddPack } = await import('../core/dev.js');
  devAddPack(k.initNet, {
    type: 0x88b5, dev: k.initNet.devGetByName('veth1'), ignoreOutgoing: false, afPacketPriv: null,
    func: (skb) => {
      got.push(k.clock.now() - t0);
      void skb;
      return 0;
    },
  });
  devQueueXmit(txSkb(a, ethFrame(BCAST, a.devAddr, 0x88b5)));
  await k.sleep(30_000_000);
  assert.deepEqual(got, [20_000_000]);
});

test('tc -n NETNS and a qdisc set while the device is down', async () => {
  const k = testKernel();
  const ns = k.newNet();
  const r = vethCreate(k.initNet, { name: 'veth0', peerName: 'veth1', peerNet: ns });
  assert.ok(Array.isArray(r));
  const { mountNetns } = await import('../socket/syscalls.js');
  mountNetns(new Task(k, k.initNet, new BufferStdio(), new BufferStdio()), '/run/netns/blue', ns);
  // veth1 lives in "blue" and is down: the qdisc waits for it (Linux keeps it as dev->qdisc).
  assert.equal((await tc(k, '-n blue qdisc add dev veth1 root netem delay 10ms')).rc, 0);
  assert.equal((await tc(k, '-n blue qdisc show dev veth1')).out, 'qdisc netem 8001: root refcnt 2 limit 1000 delay 10ms\n');
  assert.equal((await tc(k, 'qdisc show dev veth1')).err, 'Cannot find device "veth1"\n');
  devOpen(r[1]);
  devOpen(r[0]);
  k.settle();
  assert.equal(r[1].qdisc?.ops.id, 'netem', 'active once up with carrier');
  const bad = await tc(k, '-n nope qdisc');
  assert.deepEqual(bad, { out: '', err: 'Cannot open network namespace "nope": No such file or directory\n', rc: 255 });
});
