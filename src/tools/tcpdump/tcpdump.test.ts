import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testKernel, ethFrame } from '../../../test/harness/kernel.js';
import { vethCreate } from '../../drivers/veth.js';
import { devOpen, unregisterNetdevice } from '../../core/dev.js';
import { Task } from '../../socket/task.js';
import * as sys from '../../socket/syscalls.js';
import { AF_PACKET, SOCK_RAW } from '../../socket/socket.js';
import { BufferStdio, type ToolContext } from '../tool.js';
import { tcpdumpMain } from './tcpdump.js';
import { readPcap } from '../pcap.js';
import { nodeHostFs } from '../../platform/node/host_fs.js';

function setup() {
  const k = testKernel();
  const r = vethCreate(k.initNet, { name: 'veth0', peerName: 'veth1',
    address: Uint8Array.of(2, 0, 0, 0, 0, 1), peerAddress: Uint8Array.of(2, 0, 0, 0, 0, 2) });
  assert.ok(Array.isArray(r));
  devOpen(r[0]);
  devOpen(r[1]);
  const out = new BufferStdio();
  const err = new BufferStdio();
  const task = new Task(k, k.initNet, out, err);
  const ctx = (argv: string[], env: Record<string, string> = {}): ToolContext => ({
    task, argv: ['tcpdump', ...argv], stdout: out, stderr: err, env, exec: async () => 127, fs: nodeHostFs,
  });
  const sender = new Task(k, k.initNet, new BufferStdio(), new BufferStdio());
  const fd = sys.socket(sender, AF_PACKET, SOCK_RAW, 0x88b5);
  sys.bind(sender, fd, { family: AF_PACKET, protocol: 0x88b5, ifindex: r[0].ifindex, hatype: 0, pktType: 0, addr: new Uint8Array(0) });
  const send = (): void => void sys.sendto(sender, fd, ethFrame(r[1].devAddr, r[0].devAddr, 0x88b5, 46));
  return { k, a: r[0], b: r[1], out, err, task, ctx, send };
}

test('tcpdump -i veth1 -c 2: startup line, frames, summary; promiscuity held only while running', async () => {
  const { k, b, out, err, ctx, send } = setup();
  const run = tcpdumpMain(ctx(['-i', 'veth1', '-c', '2', '-nn']));
  await k.sleep(1_000_000);
  assert.equal(b.promiscuity, 1);
  send();
  await k.sleep(1_000_000);
  send();
  assert.equal(await run, 0);
  assert.equal(b.promiscuity, 0);
  assert.equal(err.text, 'tcpdump: verbose output suppressed, use -v[v]... for full protocol decode\n' +
    'listening on veth1, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n' +
    '2 packets captured\n2 packets received by filter\n0 packets dropped by kernel\n');
  const lines = out.text.split('\n');
  assert.equal(lines[0], '22:13:20.001000 02:00:00:00:00:01 > 02:00:00:00:00:02, ethertype Unknown (0x88b5), length 60: ');
  assert.match(lines[4]!, /^22:13:20\.002000 /);
});

test('tcpdump killed: newline on stdout, summary, status 0; -i any prints SLL2 lines', async () => {
  const { k, out, err, ctx, task, send } = setup();
  const run = tcpdumpMain(ctx(['-i', 'any', '-n']));
  await k.sleep(1000);
  send();
  await k.sleep(1000);
  task.kill();
  assert.equal(await run, 0);
  assert.match(err.text, /^tcpdump: data link type LINUX_SLL2\n.*\nlistening on any, link-type LINUX_SLL2 \(Linux cooked v2\), snapshot length 262144 bytes\n2 packets captured\n2 packets received by filter\n0 packets dropped by kernel\n$/);
  const lines = out.text.split('\n').filter((l) => /^\d\d:/.test(l));
  assert.deepEqual(lines.map((l) => l.slice(16, 26)), ['veth0 Out ', 'veth1 In  ']);
  assert.ok(out.text.endsWith('\n\n'));
});

test('tcpdump on a device that is deleted: "The interface disappeared", status 1', async () => {
  const { k, a, err, ctx } = setup();
  const run = tcpdumpMain(ctx(['-i', 'veth1']));
  await k.sleep(1000);
  unregisterNetdevice(a);
  assert.equal(await run, 1);
  assert.match(err.text, /tcpdump: pcap_loop: The interface disappeared\n0 packets captured\n/);
});

test('tcpdump errors: no such device, bad option, unreadable file', async () => {
  const { ctx, err } = setup();
  assert.equal(await tcpdumpMain(ctx(['-i', 'nosuch'])), 1);
  assert.equal(err.text, 'tcpdump: nosuch: No such device exists\n(No such device exists)\n');
  err.text = '';
  assert.equal(await tcpdumpMain(ctx(['-c'])), 1);
  assert.match(err.text, /^tcpdump: option requires an argument -- 'c'\ntcpdump version 4\.99\.3\n/);
  err.text = '';
  assert.equal(await tcpdumpMain(ctx(['-r', '/nonexistent/x.pcap'])), 1);
  assert.equal(err.text, 'tcpdump: /nonexistent/x.pcap: No such file or directory\n');
});

test('tcpdump -w writes classic pcap; -r prints it back', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tnx-td-'));
  try {
    const { k, out, err, ctx, send } = setup();
    const run = tcpdumpMain(ctx(['-i', 'veth1', '-c', '1', '-w', 'x.pcap'], { PWD: dir }));
    await k.sleep(1000);
    send();
    assert.equal(await run, 0);
    assert.equal(err.text.split('\n')[0], 'listening on veth1, link-type EN10MB (Ethernet), snapshot length 262144 bytes');
    const f = readPcap(new Uint8Array(readFileSync(join(dir, 'x.pcap'))));
    assert.equal(f.linktype, 1);
    assert.equal(f.packets.length, 1);
    assert.equal(f.packets[0]!.data.length, 60);
    assert.equal(out.text, '');
    err.text = '';
    assert.equal(await tcpdumpMain(ctx(['-r', 'x.pcap', '-nn'], { PWD: dir })), 0);
    assert.equal(err.text, 'reading from file x.pcap, link-type EN10MB (Ethernet), snapshot length 262144\n');
    assert.match(out.text, /^22:13:20\.000001 02:00:00:00:00:01 > 02:00:00:00:00:02, ethertype Unknown \(0x88b5\), length 60: /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
