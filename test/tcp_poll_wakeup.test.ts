/**
 * poll(POLLOUT) on a TCP socket is woken when ACKs free send-buffer space (Linux:
 * tcp_poll() sets SOCK_NOSPACE when it finds the socket unwritable, and
 * tcp_check_space() -> sk_stream_write_space() wakes the poller). The case that stalled
 * tuxnet's iperf3 over a TAP: a wake-up cleared SOCK_NOSPACE while the socket was
 * writable, the same softirq pass made it unwritable again (tcp_fragment charges), and
 * the poller, finding no room, slept until its timeout because nothing set the flag again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKernel } from '../src/index.js';
import { Task } from '../src/socket/task.js';
import { BufferStdio } from '../src/tools/tool.js';
import * as sys from '../src/socket/syscalls.js';
import { AF_INET, SOCK_STREAM, MSG_DONTWAIT, POLLOUT, type SockaddrIn } from '../src/socket/socket.js';
import type { SystemError } from '../src/socket/errno.js';
import type { TcpSock } from '../src/ipv4/tcp_sock.js';

const LO = 0x7f000001;
const SEC = 1e9;

function sin(port: number): SockaddrIn {
  return { family: AF_INET, addr: LO, port };
}

test('poll(POLLOUT) on a full TCP send buffer re-arms SOCK_NOSPACE and is woken by the ACKs that free it', async () => {
  const k = createKernel({ seed: 7 });
  const out = new BufferStdio();
  const task = new Task(k, k.initNet, out, out, 1);
  const l = sys.socket(task, AF_INET, SOCK_STREAM);
  sys.bind(task, l, sin(5201));
  sys.listen(task, l, 4);
  const c = sys.socket(task, AF_INET, SOCK_STREAM);
  await sys.connect(task, c, sin(5201));
  const a = (await sys.accept(task, l)).fd;

  // Fill the send buffer: the receiver does not read, its window closes, the writer gets EAGAIN.
  const block = new Uint8Array(65536).fill(0x5a);
  let queued = 0;
  for (let i = 0; i < 10_000; i++) {
    try {
      queued += sys.sendto(task, c, block, null, MSG_DONTWAIT);
    } catch (e) {
      assert.equal((e as SystemError).code, 'EAGAIN');
      break;
    }
    await k.sleep(1_000_000);
  }
  assert.ok(queued > 0);
  const tp = sys.sockfdLookup(task, c).sk as TcpSock;

  // A wake-up that found room cleared SOCK_NOSPACE; the socket is unwritable again.
  tp.sockNospace = false;
  const p0: sys.PollFd[] = [{ fd: c, events: POLLOUT }];
  assert.equal(await sys.poll(task, p0, 0), 0);
  assert.equal(tp.sockNospace, true, 'tcp_poll sets SOCK_NOSPACE when the socket is not writeable');

  // The poller sleeps; the receiver drains; the ACKs free space and wake it long before its timeout.
  const t0 = k.clock.now();
  const p1: sys.PollFd[] = [{ fd: c, events: POLLOUT }];
  const polled = sys.poll(task, p1, 60 * SEC);
  const buf = new Uint8Array(65536);
  let got = 0;
  let woken = -1;
  void polled.then(() => { woken = k.clock.now(); });
  while (woken < 0 && got < queued) {
    try {
      got += sys.recvfromNow(task, a, buf, MSG_DONTWAIT);
    } catch (e) {
      assert.equal((e as SystemError).code, 'EAGAIN');
      await k.sleep(1_000_000);
    }
  }
  assert.equal(await polled, 1);
  assert.ok(p1[0]!.revents! & POLLOUT);
  assert.ok(woken - t0 < 10 * SEC, `woken by write space, not by the timeout (after ${(woken - t0) / SEC} s)`);
  for (const fd of [a, c, l]) sys.close(task, fd);
});
