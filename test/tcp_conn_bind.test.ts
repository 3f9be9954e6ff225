/**
 * TCP bind conflicts, ephemeral-port parity and TIME_WAIT ports, compared with Linux 6.18:
 * every expectation below is what the same python3 script printed in a namespace on this
 * host (addresses 10.9.0.1 and 10.9.0.2 on lo there; here on a dummy device).
 * - SO_REUSEADDR lets bound sockets share a port until one listens; a listener keeps
 *   every other socket off its port (any address).
 * - SO_REUSEPORT sockets of one user share a port, listening too; a plain socket can not.
 * - bind(port 0) picks odd ports (inet_csk_find_open_port), connect() even ones
 *   (__inet_hash_connect).
 * - A TIME_WAIT port conflicts with bind() unless BOTH the new socket and the TIME_WAIT
 *   one had SO_REUSEADDR.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKernel } from '../src/index.js';
import type { Kernel } from '../src/core/net_namespace.js';
import { Task } from '../src/socket/task.js';
import * as sys from '../src/socket/syscalls.js';
import { AF_INET, SOCK_STREAM, SOL_SOCKET, SO_REUSEADDR, SO_REUSEPORT, type SockaddrIn } from '../src/socket/socket.js';
import { SystemError } from '../src/socket/errno.js';
import { programs } from '../src/tools/registry.js';
import { BufferStdio } from '../src/tools/tool.js';

const ip = (s: string): number => s.split('.').reduce((x, y) => x * 256 + Number(y), 0) >>> 0;

async function rig(): Promise<{ k: Kernel; t: Task }> {
  const k = createKernel({ seed: 3 });
  for (const line of ['ip link set lo up', 'ip link add d0 type dummy', 'ip addr add 10.9.0.1/24 dev d0',
    'ip addr add 10.9.0.2/24 dev d0', 'ip link set d0 up']) {
    const argv = line.split(' ');
    const out = new BufferStdio();
    const task = new Task(k, k.initNet, out, out, 1);
    const rc = await programs.get(argv[0]!)!({ task, argv, stdout: out, stderr: out, env: {}, exec: async () => 0 });
    assert.equal(rc, 0, `${line}: ${out.text}`);
  }
  return { k, t: new Task(k, k.initNet, new BufferStdio(), new BufferStdio(), 2) };
}

function sock(t: Task, reuse = 0, reuseport = 0): number {
  const fd = sys.socket(t, AF_INET, SOCK_STREAM, 0);
  if (reuse) sys.setsockopt(t, fd, SOL_SOCKET, SO_REUSEADDR, 1);
  if (reuseport) sys.setsockopt(t, fd, SOL_SOCKET, SO_REUSEPORT, 1);
  return fd;
}
function code(f: () => void): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (e instanceof SystemError) return e.code;
    throw e;
  }
}
const b = (t: Task, fd: number, addr: string, port: number): string =>
  code(() => sys.bind(t, fd, { family: AF_INET, addr: ip(addr), port }));
const l = (t: Task, fd: number): string => code(() => sys.listen(t, fd, 5));

test('tcp bind: SO_REUSEADDR / SO_REUSEPORT conflicts as Linux 6.18', async () => {
  const { t } = await rig();
  let a: number;
  let c: number;
  let d: number;
  const rows: [string, string[]][] = [];
  a = sock(t); c = sock(t);
  rows.push(['plain any then lo', [b(t, a, '0.0.0.0', 7001), b(t, c, '127.0.0.1', 7001)]]);
  a = sock(t, 1); c = sock(t, 1);
  rows.push(['reuseaddr both bound', [b(t, a, '0.0.0.0', 7002), b(t, c, '0.0.0.0', 7002), l(t, a), l(t, c)]]);
  a = sock(t, 1);
  rows.push(['reuseaddr vs listener', [b(t, a, '0.0.0.0', 7003), l(t, a), b(t, c = sock(t, 1), '0.0.0.0', 7003)]]);
  a = sock(t, 1);
  rows.push(['reuseaddr vs listener specific', [b(t, a, '0.0.0.0', 7013), l(t, a), b(t, c = sock(t, 1), '127.0.0.1', 7013)]]);
  a = sock(t, 0, 1); c = sock(t, 0, 1);
  rows.push(['reuseport both', [b(t, a, '0.0.0.0', 7004), b(t, c, '0.0.0.0', 7004), l(t, a), l(t, c)]]);
  a = sock(t, 0, 1);
  rows.push(['reuseport listener vs plain', [b(t, a, '0.0.0.0', 7005), l(t, a), b(t, c = sock(t), '0.0.0.0', 7005)]]);
  a = sock(t); c = sock(t); d = sock(t);
  rows.push(['distinct addrs then any', [b(t, a, '10.9.0.1', 7006), b(t, c, '10.9.0.2', 7006), b(t, d, '0.0.0.0', 7006)]]);
  a = sock(t, 1); c = sock(t, 1); d = sock(t, 1);
  rows.push(['distinct addrs reuse then any listen',
    [b(t, a, '10.9.0.1', 7007), l(t, a), b(t, c, '10.9.0.2', 7007), l(t, c), b(t, d, '0.0.0.0', 7007)]]);
  a = sock(t, 0, 1); c = sock(t, 0, 1);
  rows.push(['reuseport bound not listening both', [b(t, a, '0.0.0.0', 7008), b(t, c, '0.0.0.0', 7008)]]);
  a = sock(t, 0, 1); c = sock(t, 0, 1);
  rows.push(['reuseport any + specific', [b(t, a, '0.0.0.0', 7009), l(t, a), b(t, c, '127.0.0.1', 7009), l(t, c)]]);
  a = sock(t, 1, 1); c = sock(t, 1, 1);
  rows.push(['both opts', [b(t, a, '0.0.0.0', 7010), l(t, a), b(t, c, '0.0.0.0', 7010), l(t, c)]]);
  a = sock(t); b(t, a, '0.0.0.0', 7011);
  rows.push(['plain bound (no listen) vs plain', [b(t, sock(t), '0.0.0.0', 7011)]]);
  a = sock(t, 1); b(t, a, '0.0.0.0', 7012);
  rows.push(['reuse bound vs plain', [b(t, sock(t), '0.0.0.0', 7012)]]);
  void d;
  assert.deepEqual(rows, [
    ['plain any then lo', ['ok', 'EADDRINUSE']],
    ['reuseaddr both bound', ['ok', 'ok', 'ok', 'EADDRINUSE']],
    ['reuseaddr vs listener', ['ok', 'ok', 'EADDRINUSE']],
    ['reuseaddr vs listener specific', ['ok', 'ok', 'EADDRINUSE']],
    ['reuseport both', ['ok', 'ok', 'ok', 'ok']],
    ['reuseport listener vs plain', ['ok', 'ok', 'EADDRINUSE']],
    ['distinct addrs then any', ['ok', 'ok', 'EADDRINUSE']],
    ['distinct addrs reuse then any listen', ['ok', 'ok', 'ok', 'ok', 'EADDRINUSE']],
    ['reuseport bound not listening both', ['ok', 'ok']],
    ['reuseport any + specific', ['ok', 'ok', 'ok', 'ok']],
    ['both opts', ['ok', 'ok', 'ok', 'ok']],
    ['plain bound (no listen) vs plain', ['EADDRINUSE']],
    ['reuse bound vs plain', ['EADDRINUSE']],
  ]);
});

test('tcp bind: bind(0) picks odd ports, connect() even ones; a TIME_WAIT port needs SO_REUSEADDR on both', async () => {
  const { k, t } = await rig();
  let odd = 0;
  for (let i = 0; i < 20; i++) {
    const fd = sock(t);
    sys.bind(t, fd, { family: AF_INET, addr: 0, port: 0 });
    const p = (sys.getsockname(t, fd) as SockaddrIn).port;
    assert.ok(p >= 32768 && p <= 60999);
    odd += p % 2;
  }
  assert.equal(odd, 20);
  const srv = sock(t, 1);
  sys.bind(t, srv, { family: AF_INET, addr: ip('127.0.0.1'), port: 7100 });
  sys.listen(t, srv, 5);
  const cl = sock(t);
  await sys.connect(t, cl, { family: AF_INET, addr: ip('127.0.0.1'), port: 7100 });
  const cp = (sys.getsockname(t, cl) as SockaddrIn).port;
  assert.equal(cp % 2, 0);
  const { fd: acc } = await sys.accept(t, srv);
  sys.close(t, cl);
  await k.sleep(50e6);
  sys.close(t, acc);
  await k.sleep(100e6);
  assert.equal(b(t, sock(t), '127.0.0.1', cp), 'EADDRINUSE');
  assert.equal(b(t, sock(t, 1), '127.0.0.1', cp), 'EADDRINUSE');
  sys.close(t, srv);
  assert.equal(b(t, sock(t), '127.0.0.1', 7100), 'ok');
});

test('tcp bind: SO_REUSEPORT listeners share the connections by flow hash; a closed member gets none', async () => {
  const { k, t } = await rig();
  const l1 = sock(t, 0, 1);
  const l2 = sock(t, 0, 1);
  sys.bind(t, l1, { family: AF_INET, addr: 0, port: 9100 });
  sys.bind(t, l2, { family: AF_INET, addr: 0, port: 9100 });
  sys.listen(t, l1, 64);
  sys.listen(t, l2, 64);
  const lo = ip('127.0.0.1');
  for (let i = 0; i < 20; i++) await sys.connect(t, sock(t), { family: AF_INET, addr: lo, port: 9100 });
  let n1 = 0;
  let n2 = 0;
  sys.fcntl(t, l1, sys.F_SETFL, sys.O_NONBLOCK);
  sys.fcntl(t, l2, sys.F_SETFL, sys.O_NONBLOCK);
  const drain = async (fd: number): Promise<number> => {
    let n = 0;
    for (;;) {
      try {
        await sys.accept(t, fd);
        n++;
      } catch (e) {
        assert.ok(e instanceof SystemError && e.code === 'EAGAIN');
        return n;
      }
    }
  };
  n1 = await drain(l1);
  n2 = await drain(l2);
  assert.equal(n1 + n2, 20);
  assert.ok(n1 > 0 && n2 > 0, `spread ${n1}/${n2}`);
  sys.close(t, l1);
  for (let i = 0; i < 5; i++) await sys.connect(t, sock(t), { family: AF_INET, addr: lo, port: 9100 });
  assert.equal(await drain(l2), 5);
  void k;
});
