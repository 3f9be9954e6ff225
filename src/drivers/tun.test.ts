import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testKernel } from '../../test/harness/kernel.js';
import { Task } from '../socket/task.js';
import * as sys from '../socket/syscalls.js';
import { BufferStdio } from '../tools/tool.js';
import { programs } from '../tools/registry.js';
import { TUNSETIFF, IFF_TUN, IFF_NO_PI } from './tun.js';
import { csumFold, csumPartial } from '../wire/checksum.js';

async function run(task: Task, argv: string[]): Promise<string> {
  const out = new BufferStdio();
  const child = task.fork(out, out);
  const st = await programs.get(argv[0]!)!({ task: child, argv, stdout: out, stderr: out, env: {}, exec: () => Promise.resolve(127) });
  sys.exitTask(child);
  assert.equal(st, 0, out.text);
  return out.text;
}

/** An ICMP echo request 192.0.2.1 -> 192.168.0.1. */
function echoRequest(): Uint8Array {
  const b = new Uint8Array(28 + 8);
  b.set([0x45, 0, 0, b.length, 0, 1, 0x40, 0, 64, 1, 0, 0, 192, 0, 2, 1, 192, 168, 0, 1]);
  const c = csumFold(csumPartial(b, 0, 20));
  b[10] = c >> 8;
  b[11] = c & 0xff;
  b.set([8, 0, 0, 0, 0x12, 0x34, 0, 1], 20);
  b.set([1, 2, 3, 4, 5, 6, 7, 8], 28);
  const ic = csumFold(csumPartial(b, 20, 16));
  b[22] = ic >> 8;
  b[23] = ic & 0xff;
  return b;
}

test('tun: TUNSETIFF creates tun0 (ARPHRD_NONE, POINTOPOINT,NOARP), write injects IP, read returns what the stack sends', async () => {
  const k = testKernel();
  const out = new BufferStdio();
  const task = new Task(k, k.initNet, out, out);
  const fd = sys.open(task, '/dev/net/tun');
  // Before TUNSETIFF the file has no device.
  await assert.rejects(sys.chrdevRead(task, fd, new Uint8Array(100), 0), { code: 'EBADFD' });
  const req = { name: '', flags: IFF_TUN | IFF_NO_PI };
  sys.ioctl(task, fd, TUNSETIFF, req);
  assert.equal(req.name, 'tun0');
  const link = await run(task, ['ip', 'link', 'show', 'tun0']);
  assert.match(link, /tun0: <POINTOPOINT,MULTICAST,NOARP> mtu 1500 .* state DOWN .*qlen 500/);
  assert.match(link, /link\/none/);
  await run(task, ['ip', 'link', 'set', 'tun0', 'up']);
  await run(task, ['ip', 'addr', 'add', '192.168.0.1/16', 'dev', 'tun0']);
  await run(task, ['ip', 'route', 'add', '192.0.2.0/24', 'dev', 'tun0', 'via', '192.168.0.2']);

  assert.equal(sys.write.length >= 3, true);
  assert.equal(sys.chrdevWrite(task, fd, echoRequest()), 36);
  const buf = new Uint8Array(2000);
  const n = await sys.chrdevRead(task, fd, buf, 1e9);
  assert.equal(n, 36, 'the echo reply, IP header first (IFF_NO_PI)');
  assert.deepEqual([...buf.subarray(12, 20)], [192, 168, 0, 1, 192, 0, 2, 1]);
  assert.equal(buf[20], 0, 'ICMP echo reply');
  assert.deepEqual([...buf.subarray(28, 36)], [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(csumFold(csumPartial(buf, 0, 20)), 0, 'IP checksum complete');

  // Nothing more: a bounded read times out with EAGAIN in virtual time.
  await assert.rejects(sys.chrdevRead(task, fd, buf, 5e6), { code: 'EAGAIN' });
  // Closing the file removes the non-persistent device.
  sys.close(task, fd);
  assert.equal(k.initNet.devGetByName('tun0'), null);
  sys.exitTask(task);
});

test('tun: a second open may attach to a free tun device by name; a busy one is EBUSY; non-IP writes are EINVAL', () => {
  const k = testKernel();
  const out = new BufferStdio();
  const task = new Task(k, k.initNet, out, out);
  const a = sys.open(task, '/dev/net/tun');
  sys.ioctl(task, a, TUNSETIFF, { name: 'tnx%d', flags: IFF_TUN | IFF_NO_PI });
  const b = sys.open(task, '/dev/net/tun');
  assert.throws(() => sys.ioctl(task, b, TUNSETIFF, { name: 'tnx0', flags: IFF_TUN | IFF_NO_PI }), { code: 'EBUSY' });
  assert.throws(() => sys.ioctl(task, b, TUNSETIFF, { name: 'x', flags: 2 }), { code: 'EINVAL' });
  assert.throws(() => sys.chrdevWrite(task, a, new Uint8Array([0x60, 0])), { code: 'EIO' }, 'device down');
  sys.exitTask(task);
  assert.equal(k.initNet.devGetByName('tnx0'), null);
});
