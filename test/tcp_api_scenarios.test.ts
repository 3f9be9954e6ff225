/**
 * The TCP socket API over lo, scenario by scenario, with what Linux 6.18 answers for the
 * same calls (python3 sockets in a namespace on the host): shutdown half-close and the
 * poll masks on each side, SO_LINGER 0 and close with unread data (RST, ECONNRESET,
 * TCPAbortOnData/TCPAbortOnClose), refused connects (blocking and non-blocking with
 * SO_ERROR), MSG_PEEK/MSG_WAITALL/MSG_DONTWAIT, FIONREAD/SIOCOUTQ, urgent data, a bulk
 * transfer through blocking write/read, a full send buffer with a non-blocking writer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKernel } from '../src/index.js';
import type { Kernel } from '../src/core/net_namespace.js';
import { Task } from '../src/socket/task.js';
import { BufferStdio } from '../src/tools/tool.js';
import * as sys from '../src/socket/syscalls.js';
import {
  AF_INET, SOCK_STREAM, SOCK_NONBLOCK, SOL_SOCKET, SO_ERROR, SO_LINGER, SHUT_WR, MSG_PEEK, MSG_WAITALL, MSG_DONTWAIT,
  MSG_OOB, SO_RCVTIMEO, SO_SNDTIMEO, type SockaddrIn,
} from '../src/socket/socket.js';
import type { SystemError } from '../src/socket/errno.js';
import { FIONREAD, SIOCOUTQ } from '../src/ipv4/af_inet.js';
import { SIOCATMARK, SIOCOUTQNSD } from '../src/ipv4/tcp.js';
import { ipv4Net } from '../src/ipv4/netns_ipv4.js';
import { SOL_TCP, TCP_INFO, TCP_INQ } from '../src/ipv4/tcp_defs.js';
import type { TcpInfo } from '../src/ipv4/tcp_info.js';
import { LINUX_MIB_TCPABORTONDATA, LINUX_MIB_TCPABORTONCLOSE, TCP_MIB_ESTABRESETS } from '../src/core/snmp.js';

const LO = 0x7f000001;
const enc = new TextEncoder();
const dec = new TextDecoder();

function sin(port: number): SockaddrIn {
  return { family: AF_INET, addr: LO, port };
}

function rig(seed = 5): { k: Kernel; task: Task } {
  const k = createKernel({ seed });
  const out = new BufferStdio();
  return { k, task: new Task(k, k.initNet, out, out, 1) };
}

function code(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    return (e as SystemError).code;
  }
}

async function pm(task: Task, fd: number): Promise<number> {
  const p: sys.PollFd[] = [{ fd, events: 0xffff }];
  await sys.poll(task, p, 0);
  return p[0]!.revents!;
}

/** A second task (thread) sharing fd `fd` with `task`, as after fork(). */
function thread(task: Task, fd: number): Task {
  const t = task.fork();
  const f = task.fds.get(fd)!;
  f.refs++;
  t.fds.set(fd, f);
  return t;
}

/** A connected pair over lo: [client fd, accepted fd, listener fd]. */
async function pair(task: Task, port: number): Promise<[number, number, number]> {
  const l = sys.socket(task, AF_INET, SOCK_STREAM, 0);
  sys.bind(task, l, sin(port));
  sys.listen(task, l, 8);
  const c = sys.socket(task, AF_INET, SOCK_STREAM, 0);
  await sys.connect(task, c, sin(port));
  const { fd: a } = await sys.accept(task, l);
  return [c, a, l];
}

test('tcp api: established, data, half-close: poll masks and read 0 as Linux', async () => {
  const { task } = rig();
  const [c, a] = await pair(task, 6000);
  assert.equal(await pm(task, c), 0x104);
  assert.equal(await pm(task, a), 0x104);
  assert.equal(await sys.write(task, c, new Uint8Array(1000).fill(120)), 1000);
  await sys.nanosleep(task, 50e6);
  assert.equal(sys.ioctl(task, a, FIONREAD), 1000);
  assert.equal(sys.ioctl(task, c, SIOCOUTQ), 0);
  assert.equal(sys.ioctl(task, c, SIOCOUTQNSD), 0);
  assert.equal(await pm(task, a), 0x145);
  const buf = new Uint8Array(2000);
  assert.equal(await sys.recv(task, a, buf.subarray(0, 100), MSG_PEEK), 100);
  assert.equal(await sys.read(task, a, buf), 1000);
  sys.shutdown(task, c, SHUT_WR);
  await sys.nanosleep(task, 50e6);
  assert.equal(await pm(task, a), 0x2145);
  assert.equal(await pm(task, c), 0x104);
  assert.equal(await sys.read(task, a, buf), 0);
  // The other direction still works after the half-close.
  assert.equal(await sys.write(task, a, enc.encode('back')), 4);
  assert.equal(dec.decode(buf.subarray(0, await sys.read(task, c, buf))), 'back');
  sys.shutdown(task, a, SHUT_WR);
  await sys.nanosleep(task, 50e6);
  assert.equal(await pm(task, a), 0x2155);
  assert.equal(await pm(task, c), 0x2155);
  await assert.rejects(sys.write(task, c, new Uint8Array(1)), { code: 'EPIPE' });
});

test('tcp api: SO_LINGER 0 close sends RST: ECONNRESET, POLLERR, then EPIPE (TCPAbortOnData)', async () => {
  const { k, task } = rig();
  const [c, a] = await pair(task, 6001);
  const mib = ipv4Net(k.initNet).mib;
  const abort0 = mib.net[LINUX_MIB_TCPABORTONDATA]!;
  const resets0 = mib.tcp[TCP_MIB_ESTABRESETS]!;
  sys.setsockopt(task, c, SOL_SOCKET, SO_LINGER, { onoff: 1, linger: 0 });
  sys.close(task, c);
  await sys.nanosleep(task, 50e6);
  assert.equal(mib.net[LINUX_MIB_TCPABORTONDATA], abort0 + 1);
  assert.equal(mib.tcp[TCP_MIB_ESTABRESETS], resets0 + 2);
  assert.equal(await pm(task, a), 0x215d);
  await assert.rejects(sys.read(task, a, new Uint8Array(10)), { code: 'ECONNRESET' });
  assert.equal(await pm(task, a), 0x2155);
  await assert.rejects(sys.write(task, a, new Uint8Array(1)), { code: 'EPIPE' });
});

test('tcp api: close with unread data resets the peer (RFC 2525 2.17, TCPAbortOnClose)', async () => {
  const { k, task } = rig();
  const [c, a] = await pair(task, 6002);
  const mib = ipv4Net(k.initNet).mib;
  const abort0 = mib.net[LINUX_MIB_TCPABORTONCLOSE]!;
  await sys.write(task, c, enc.encode('abc'));
  await sys.nanosleep(task, 50e6);
  sys.close(task, a);
  await sys.nanosleep(task, 50e6);
  assert.equal(mib.net[LINUX_MIB_TCPABORTONCLOSE], abort0 + 1);
  await assert.rejects(sys.read(task, c, new Uint8Array(10)), { code: 'ECONNRESET' });
});

test('tcp api: refused connects: blocking ECONNREFUSED; non-blocking EINPROGRESS, SO_ERROR, ECONNABORTED', async () => {
  const { task } = rig();
  const s = sys.socket(task, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  await assert.rejects(sys.connect(task, s, sin(6003)), { code: 'EINPROGRESS' });
  await sys.nanosleep(task, 50e6);
  assert.equal(await pm(task, s), 0x215d);
  assert.equal(sys.getsockopt(task, s, SOL_SOCKET, SO_ERROR), 111 /* ECONNREFUSED */);
  await assert.rejects(sys.connect(task, s, sin(6003)), { code: 'ECONNABORTED' });
  const b = sys.socket(task, AF_INET, SOCK_STREAM, 0);
  await assert.rejects(sys.connect(task, b, sin(6003)), { code: 'ECONNREFUSED' });
  // A non-blocking connect that succeeds: EINPROGRESS, then 0, then EISCONN.
  const l = sys.socket(task, AF_INET, SOCK_STREAM, 0);
  sys.bind(task, l, sin(6004));
  sys.listen(task, l, 8);
  const n = sys.socket(task, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  await assert.rejects(sys.connect(task, n, sin(6004)), { code: 'EINPROGRESS' });
  await sys.connect(task, n, sin(6004));
  await assert.rejects(sys.connect(task, n, sin(6004)), { code: 'EISCONN' });
});

test('tcp api: MSG_DONTWAIT, MSG_WAITALL across writes of another task, urgent data', async () => {
  const { task } = rig();
  const [c, a] = await pair(task, 6005);
  const buf = new Uint8Array(64);
  await assert.rejects(sys.recv(task, a, buf, MSG_DONTWAIT), { code: 'EAGAIN' });
  await assert.rejects(sys.recv(task, a, buf, MSG_OOB), { code: 'EINVAL' });
  const writer = thread(task, c);
  const later = (async () => {
    await sys.nanosleep(writer, 10e6);
    await sys.write(writer, c, enc.encode('0123'));
    await sys.nanosleep(writer, 10e6);
    await sys.write(writer, c, enc.encode('4567'));
  })();
  assert.equal(await sys.recv(task, a, buf.subarray(0, 8), MSG_WAITALL), 8);
  assert.equal(dec.decode(buf.subarray(0, 8)), '01234567');
  await later;
  // Urgent data: "ab" then "c" with MSG_OOB.
  assert.equal(sys.send(task, c, enc.encode('ab')), 2);
  assert.equal(sys.send(task, c, enc.encode('c'), MSG_OOB), 1);
  await sys.nanosleep(task, 50e6);
  assert.equal(await pm(task, a), 0x147);
  assert.equal(sys.ioctl(task, a, SIOCATMARK), 0);
  assert.equal(sys.ioctl(task, a, FIONREAD), 2);
  assert.equal(dec.decode(buf.subarray(0, await sys.read(task, a, buf))), 'ab');
  assert.equal(sys.ioctl(task, a, SIOCATMARK), 1);
  assert.equal(await sys.recv(task, a, buf, MSG_OOB), 1);
  assert.equal(buf[0], 'c'.charCodeAt(0));
  await assert.rejects(sys.recv(task, a, buf, MSG_OOB), { code: 'EINVAL' });
  await assert.rejects(sys.recv(task, a, buf, MSG_DONTWAIT), { code: 'EAGAIN' });
  void code;
});

test('tcp api: 4 MiB through blocking write/read, byte-exact; non-blocking writer fills the buffer', async () => {
  const { task } = rig();
  const [c, a] = await pair(task, 6006);
  const total = 4 << 20;
  const data = new Uint8Array(total);
  for (let i = 0; i < total; i++) data[i] = (i * 7 + (i >>> 11)) & 0xff;
  const writer = thread(task, c);
  const w = sys.write(writer, c, data);
  const got = new Uint8Array(total);
  let off = 0;
  while (off < total) {
    const n = await sys.read(task, a, got.subarray(off, Math.min(total, off + 100000)));
    assert.ok(n > 0);
    off += n;
  }
  assert.equal(await w, total);
  assert.deepEqual(got, data);
  // Nobody reads now: a non-blocking writer queues until the buffers are full, then EAGAIN.
  sys.fcntl(task, c, sys.F_SETFL, sys.O_NONBLOCK);
  let queued = 0;
  for (;;) {
    try {
      queued += await sys.write(task, c, new Uint8Array(65536));
    } catch (e) {
      assert.equal((e as SystemError).code, 'EAGAIN');
      break;
    }
  }
  assert.ok(queued > 0);
  assert.equal((await pm(task, c)) & 0x4, 0);
  assert.ok((sys.ioctl(task, c, SIOCOUTQ) as number) > 0);
});

test('tcp api: TCP_INFO after the handshake and one exchange over lo, fields as Linux 6.18', async () => {
  const { task } = rig();
  const [c, a, l] = await pair(task, 6007);
  await sys.nanosleep(task, 100e6);
  const info = (fd: number): TcpInfo => sys.getsockopt(task, fd, SOL_TCP, TCP_INFO) as TcpInfo;
  const pick = (i: TcpInfo, keys: (keyof TcpInfo)[]): Record<string, number> =>
    Object.fromEntries(keys.map((x) => [x, i[x]]));
  const keys: (keyof TcpInfo)[] = ['tcpi_state', 'tcpi_options', 'tcpi_snd_wscale', 'tcpi_rcv_wscale', 'tcpi_ato',
    'tcpi_snd_mss', 'tcpi_rcv_mss', 'tcpi_pmtu', 'tcpi_rcv_ssthresh', 'tcpi_advmss', 'tcpi_reordering', 'tcpi_rcv_space',
    'tcpi_snd_ssthresh', 'tcpi_bytes_acked', 'tcpi_bytes_received', 'tcpi_segs_out', 'tcpi_segs_in',
    'tcpi_data_segs_out', 'tcpi_delivered', 'tcpi_bytes_sent', 'tcpi_snd_wnd', 'tcpi_rcv_wnd', 'tcpi_last_data_sent',
    'tcpi_last_ack_recv', 'tcpi_unacked', 'tcpi_total_retrans'];
  assert.deepEqual(pick(info(c), keys), {
    tcpi_state: 1, tcpi_options: 7, tcpi_snd_wscale: 10, tcpi_rcv_wscale: 10, tcpi_ato: 0, tcpi_snd_mss: 32741,
    tcpi_rcv_mss: 536, tcpi_pmtu: 65535, tcpi_rcv_ssthresh: 65495, tcpi_advmss: 65483, tcpi_reordering: 3,
    tcpi_rcv_space: 65495, tcpi_snd_ssthresh: 0x7fffffff, tcpi_bytes_acked: 1, tcpi_bytes_received: 0, tcpi_segs_out: 2,
    tcpi_segs_in: 1, tcpi_data_segs_out: 0, tcpi_delivered: 1, tcpi_bytes_sent: 0, tcpi_snd_wnd: 65483,
    tcpi_rcv_wnd: 65536, tcpi_last_data_sent: 100, tcpi_last_ack_recv: 100, tcpi_unacked: 0, tcpi_total_retrans: 0,
  });
  assert.deepEqual(pick(info(a), keys), {
    tcpi_state: 1, tcpi_options: 7, tcpi_snd_wscale: 10, tcpi_rcv_wscale: 10, tcpi_ato: 0, tcpi_snd_mss: 32768,
    tcpi_rcv_mss: 536, tcpi_pmtu: 65535, tcpi_rcv_ssthresh: 65483, tcpi_advmss: 65483, tcpi_reordering: 3,
    tcpi_rcv_space: 65483, tcpi_snd_ssthresh: 0x7fffffff, tcpi_bytes_acked: 0, tcpi_bytes_received: 0, tcpi_segs_out: 0,
    tcpi_segs_in: 2, tcpi_data_segs_out: 0, tcpi_delivered: 1, tcpi_bytes_sent: 0, tcpi_snd_wnd: 65536,
    tcpi_rcv_wnd: 65483, tcpi_last_data_sent: 100, tcpi_last_ack_recv: 100, tcpi_unacked: 0, tcpi_total_retrans: 0,
  });
  await sys.write(task, c, new Uint8Array(1000));
  await sys.nanosleep(task, 100e6);
  await sys.read(task, a, new Uint8Array(2000));
  await sys.write(task, a, new Uint8Array(10));
  await sys.nanosleep(task, 100e6);
  await sys.read(task, c, new Uint8Array(100));
  const ic = info(c);
  const ia = info(a);
  assert.deepEqual([ic.tcpi_ato, ic.tcpi_snd_mss, ic.tcpi_bytes_acked, ic.tcpi_bytes_received, ic.tcpi_bytes_sent,
    ic.tcpi_segs_out, ic.tcpi_segs_in, ic.tcpi_data_segs_in, ic.tcpi_data_segs_out, ic.tcpi_delivered, ic.tcpi_snd_wnd],
  [40000, 35328, 1001, 10, 1000, 4, 3, 1, 1, 2, 70656]);
  assert.deepEqual([ia.tcpi_ato, ia.tcpi_rcv_mss, ia.tcpi_rcv_ssthresh, ia.tcpi_bytes_acked, ia.tcpi_bytes_received,
    ia.tcpi_segs_out, ia.tcpi_segs_in, ia.tcpi_rcv_wnd, ia.tcpi_rcv_rtt],
  [40000, 1000, 70173, 10, 1000, 2, 4, 70656, 100000]);
  const il = info(l);
  assert.deepEqual([il.tcpi_state, il.tcpi_sacked, il.tcpi_unacked, il.tcpi_snd_cwnd, il.tcpi_reordering, il.tcpi_rto],
    [10, 8, 0, 10, 3, 0]);
  assert.equal(il.tcpi_pacing_rate, 2 ** 64 - 1);
});

test('tcp api: SO_RCVTIMEO/SO_SNDTIMEO and kill end blocking calls; TCP_INQ control message', async () => {
  const { k, task } = rig();
  const [c, a] = await pair(task, 6008);
  const buf = new Uint8Array(16);
  sys.setsockopt(task, a, SOL_SOCKET, SO_RCVTIMEO, 100e6);
  const t0 = k.clock.now();
  await assert.rejects(sys.read(task, a, buf), { code: 'EAGAIN' });
  assert.ok(k.clock.now() - t0 >= 100e6);
  // MSG_WAITALL with a timeout returns what came before it.
  await sys.write(task, c, enc.encode('abc'));
  assert.equal(await sys.recv(task, a, buf, MSG_WAITALL), 3);
  sys.setsockopt(task, a, SOL_SOCKET, SO_RCVTIMEO, 0);
  // A signal ends a blocking read with EINTR.
  const reader = thread(task, a);
  const pending = sys.read(reader, a, buf);
  await sys.nanosleep(task, 10e6);
  reader.kill();
  await assert.rejects(pending, { code: 'EINTR' });
  // TCP_INQ: recvmsg reports the bytes left in a TCP_CM_INQ control message.
  sys.setsockopt(task, a, SOL_TCP, TCP_INQ, 1);
  await sys.write(task, c, enc.encode('hello'));
  const r = await sys.recvmsg(task, a, 2);
  assert.equal(dec.decode(r.data), 'he');
  assert.deepEqual(r.cmsgs, [{ level: SOL_TCP, type: 1, data: 3 }]);
  // connect() to a listener whose accept queue is full: the SYN is dropped (ListenOverflows), the
  // client stays in SYN-SENT and SO_SNDTIMEO ends the wait with EINPROGRESS.
  const l = sys.socket(task, AF_INET, SOCK_STREAM, 0);
  sys.bind(task, l, sin(6009));
  sys.listen(task, l, 0);
  const first = sys.socket(task, AF_INET, SOCK_STREAM, 0);
  await sys.connect(task, first, sin(6009));
  const second = sys.socket(task, AF_INET, SOCK_STREAM, 0);
  sys.setsockopt(task, second, SOL_SOCKET, SO_SNDTIMEO, 500e6);
  const t1 = k.clock.now();
  await assert.rejects(sys.connect(task, second, sin(6009)), { code: 'EINPROGRESS' });
  assert.ok(k.clock.now() - t1 >= 500e6);
  await assert.rejects(sys.connect(task, second, sin(6009)), { code: 'EALREADY' });
});

test('tcp api: SO_LINGER with a time: close() waits until the FIN is acknowledged', async () => {
  const { k, task } = rig();
  const [c, a] = await pair(task, 6010);
  sys.setsockopt(task, c, SOL_SOCKET, SO_LINGER, { onoff: 1, linger: 5 });
  const t0 = k.clock.now();
  const r = sys.close(task, c);
  assert.ok(r instanceof Promise);
  await r;
  assert.ok(k.clock.now() - t0 < 5e9);
  assert.equal(await sys.read(task, a, new Uint8Array(4)), 0);
  // Without SO_LINGER close() is synchronous.
  assert.equal(sys.close(task, a), undefined);
});
