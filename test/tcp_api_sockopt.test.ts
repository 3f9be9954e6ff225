/**
 * TCP socket options and the states of an unconnected socket through the syscall layer,
 * with the values Linux 6.18 answers (python3 in a namespace on the host, see the
 * USER helper's report): getsockopt defaults, setsockopt limits and rounding
 * (TCP_DEFER_ACCEPT 5 -> 7, TCP_LINGER2 200 -> 120, TCP_WINDOW_CLAMP 100 -> 1152 ...),
 * SO_RCVLOWAT capping, poll masks of a fresh socket and an empty listener, send/recv/
 * ioctl on unconnected and listening sockets, fcntl O_NONBLOCK.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKernel } from '../src/index.js';
import { Task } from '../src/socket/task.js';
import { BufferStdio } from '../src/tools/tool.js';
import * as sys from '../src/socket/syscalls.js';
import { AF_INET, SOCK_STREAM, SOCK_NONBLOCK, SOL_SOCKET, SO_SNDBUF, SO_RCVBUF, SO_RCVLOWAT } from '../src/socket/socket.js';
import type { SystemError } from '../src/socket/errno.js';
import {
  SOL_TCP, TCP_MAXSEG, TCP_NODELAY, TCP_CORK, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT, TCP_SYNCNT, TCP_LINGER2,
  TCP_DEFER_ACCEPT, TCP_WINDOW_CLAMP, TCP_QUICKACK, TCP_THIN_LINEAR_TIMEOUTS, TCP_USER_TIMEOUT, TCP_FASTOPEN,
  TCP_NOTSENT_LOWAT, TCP_SAVE_SYN, TCP_INQ, TCP_TX_DELAY, TCP_CONGESTION, TCP_INFO, TCP_THIN_DUPACK, TCP_ULP,
  TCP_REPAIR_QUEUE,
} from '../src/ipv4/tcp_defs.js';
import { TCP_IS_MPTCP, TCP_RTO_MAX_MS, TCP_RTO_MIN_US, TCP_DELACK_MAX_US } from '../src/ipv4/tcp_sockopt.js';
import type { TcpInfo } from '../src/ipv4/tcp_info.js';
import { FIONREAD } from '../src/ipv4/af_inet.js';

function rig(): { task: Task } {
  const k = createKernel({ seed: 11 });
  const out = new BufferStdio();
  return { task: new Task(k, k.initNet, out, out, 1) };
}

function code(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    return (e as SystemError).code;
  }
}

test('tcp sockopt: getsockopt defaults of a fresh socket as Linux 6.18', () => {
  const { task } = rig();
  const fd = sys.socket(task, AF_INET, SOCK_STREAM, 0);
  const g = (o: number): unknown => sys.getsockopt(task, fd, SOL_TCP, o);
  assert.deepEqual({
    MAXSEG: g(TCP_MAXSEG), NODELAY: g(TCP_NODELAY), CORK: g(TCP_CORK), KEEPIDLE: g(TCP_KEEPIDLE),
    KEEPINTVL: g(TCP_KEEPINTVL), KEEPCNT: g(TCP_KEEPCNT), SYNCNT: g(TCP_SYNCNT), LINGER2: g(TCP_LINGER2),
    DEFER_ACCEPT: g(TCP_DEFER_ACCEPT), WINDOW_CLAMP: g(TCP_WINDOW_CLAMP), QUICKACK: g(TCP_QUICKACK),
    THIN_LT: g(TCP_THIN_LINEAR_TIMEOUTS), USER_TIMEOUT: g(TCP_USER_TIMEOUT), FASTOPEN: g(TCP_FASTOPEN),
    NOTSENT_LOWAT: g(TCP_NOTSENT_LOWAT), SAVE_SYN: g(TCP_SAVE_SYN), INQ: g(TCP_INQ), TX_DELAY: g(TCP_TX_DELAY),
    IS_MPTCP: g(TCP_IS_MPTCP), RTO_MAX_MS: g(TCP_RTO_MAX_MS), RTO_MIN_US: g(TCP_RTO_MIN_US),
    DELACK_MAX_US: g(TCP_DELACK_MAX_US),
  }, {
    MAXSEG: 536, NODELAY: 0, CORK: 0, KEEPIDLE: 7200, KEEPINTVL: 75, KEEPCNT: 9, SYNCNT: 6, LINGER2: 60,
    DEFER_ACCEPT: 0, WINDOW_CLAMP: 0, QUICKACK: 1, THIN_LT: 0, USER_TIMEOUT: 0, FASTOPEN: 0, NOTSENT_LOWAT: 0,
    SAVE_SYN: 0, INQ: 0, TX_DELAY: 0, IS_MPTCP: 0, RTO_MAX_MS: 120000, RTO_MIN_US: 200000, DELACK_MAX_US: 200000,
  });
  assert.equal(code(() => g(TCP_REPAIR_QUEUE)), 'EINVAL');
  assert.equal(g(TCP_CONGESTION), 'cubic');
  // tcp_init_sock(): sk_sndbuf = tcp_wmem[1], sk_rcvbuf = tcp_rmem[1].
  assert.equal(sys.getsockopt(task, fd, SOL_SOCKET, SO_SNDBUF), 16384);
  assert.equal(sys.getsockopt(task, fd, SOL_SOCKET, SO_RCVBUF), 131072);
  assert.equal(sys.getsockopt(task, fd, SOL_SOCKET, SO_RCVLOWAT), 1);
  const info = g(TCP_INFO) as TcpInfo;
  assert.equal(info.tcpi_state, 7);
  assert.equal(info.tcpi_snd_cwnd, 10);
  assert.equal(info.tcpi_reordering, 3);
  assert.equal(info.tcpi_snd_mss, 536);
  assert.equal(info.tcpi_rto, 1000000);
  assert.equal(info.tcpi_snd_ssthresh, 0x7fffffff);
  assert.equal(Object.keys(info).length, 72);
  assert.equal(sys.fcntl(task, fd, sys.F_GETFL), 2);
});

test('tcp sockopt: setsockopt limits and rounding as Linux 6.18', () => {
  const { task } = rig();
  const fd = sys.socket(task, AF_INET, SOCK_STREAM, 0);
  const st = (o: number, v: unknown): unknown => {
    const c = code(() => sys.setsockopt(task, fd, SOL_TCP, o, v));
    return c === 'ok' ? sys.getsockopt(task, fd, SOL_TCP, o) : c;
  };
  assert.deepEqual({
    DEFER5: st(TCP_DEFER_ACCEPT, 5), DEFER100: st(TCP_DEFER_ACCEPT, 100), LINGER2m1: st(TCP_LINGER2, -1),
    LINGER2_200: st(TCP_LINGER2, 200), LINGER2_0: st(TCP_LINGER2, 0), MAXSEG87: st(TCP_MAXSEG, 87),
    MAXSEG88: st(TCP_MAXSEG, 88), MAXSEG0: st(TCP_MAXSEG, 0), WCLAMP0: st(TCP_WINDOW_CLAMP, 0),
    WCLAMP100: st(TCP_WINDOW_CLAMP, 100), KEEPIDLE0: st(TCP_KEEPIDLE, 0), KEEPCNT128: st(TCP_KEEPCNT, 128),
    SYNCNT0: st(TCP_SYNCNT, 0), QUICKACK0: st(TCP_QUICKACK, 0), QUICKACK2: st(TCP_QUICKACK, 2),
    USER_TIMEOUTm1: st(TCP_USER_TIMEOUT, -1), NOTSENT: st(TCP_NOTSENT_LOWAT, 12345), INQ2: st(TCP_INQ, 2),
    RTO_MIN_US_1000: st(TCP_RTO_MIN_US, 1000), RTO_MIN_US_300000: st(TCP_RTO_MIN_US, 300000),
    RTO_MAX_999: st(TCP_RTO_MAX_MS, 999), DELACK_MAX_US_1: st(TCP_DELACK_MAX_US, 1), THINDUP2: st(TCP_THIN_DUPACK, 2),
    FASTOPEN5: st(TCP_FASTOPEN, 5),
  }, {
    DEFER5: 7, DEFER100: 127, LINGER2m1: -1, LINGER2_200: 120, LINGER2_0: 60, MAXSEG87: 'EINVAL', MAXSEG88: 88,
    MAXSEG0: 536, WCLAMP0: 0, WCLAMP100: 1152, KEEPIDLE0: 'EINVAL', KEEPCNT128: 'EINVAL', SYNCNT0: 'EINVAL',
    QUICKACK0: 0, QUICKACK2: 1, USER_TIMEOUTm1: 'EINVAL', NOTSENT: 12345, INQ2: 'EINVAL', RTO_MIN_US_1000: 'EINVAL',
    RTO_MIN_US_300000: 'EINVAL', RTO_MAX_999: 'EINVAL', DELACK_MAX_US_1: 'EINVAL', THINDUP2: 'EINVAL', FASTOPEN5: 5,
  });
  assert.equal(code(() => sys.setsockopt(task, fd, SOL_TCP, TCP_ULP, 'tls')), 'ENOENT');
  assert.equal(code(() => sys.setsockopt(task, fd, SOL_TCP, TCP_CONGESTION, 'bogus')), 'ENOENT');
  sys.setsockopt(task, fd, SOL_TCP, TCP_CONGESTION, 'reno');
  assert.equal(sys.getsockopt(task, fd, SOL_TCP, TCP_CONGESTION), 'reno');
  // SO_RCVLOWAT: capped at tcp_rmem[2] / 2, and the receive buffer grows to twice it.
  sys.setsockopt(task, fd, SOL_SOCKET, SO_RCVLOWAT, 100000000);
  assert.equal(sys.getsockopt(task, fd, SOL_SOCKET, SO_RCVLOWAT), 16777216);
  assert.equal(sys.getsockopt(task, fd, SOL_SOCKET, SO_RCVBUF), 33554432);
});

test('tcp api: unconnected and listening sockets (poll, send, recv, ioctl, fcntl)', async () => {
  const { task } = rig();
  const fd = sys.socket(task, AF_INET, SOCK_STREAM, 0);
  const pm = async (f: number): Promise<number> => {
    const p: sys.PollFd[] = [{ fd: f, events: 0xffff }];
    await sys.poll(task, p, 0);
    return p[0]!.revents!;
  };
  assert.equal(await pm(fd), 0x114); /* POLLOUT|POLLWRNORM|POLLHUP */
  // write() on a never-connected socket: EPIPE (and it got an ephemeral port, as Linux's inet_send_prepare).
  await assert.rejects(sys.write(task, fd, new Uint8Array(1)), { code: 'EPIPE' });
  assert.notEqual(sys.getsockname(task, fd).family === AF_INET && (sys.getsockname(task, fd) as { port: number }).port, 0);
  await assert.rejects(sys.read(task, fd, new Uint8Array(1)), { code: 'ENOTCONN' });
  const l = sys.socket(task, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  sys.bind(task, l, { family: AF_INET, addr: 0x7f000001, port: 6000 });
  sys.listen(task, l, 8);
  assert.equal(await pm(l), 0);
  assert.equal(code(() => sys.ioctl(task, l, FIONREAD)), 'EINVAL');
  await assert.rejects(sys.accept(task, l), { code: 'EAGAIN' });
  assert.equal(sys.fcntl(task, l, sys.F_GETFL), 2 | sys.O_NONBLOCK);
  sys.fcntl(task, l, sys.F_SETFL, 0);
  assert.equal(sys.fcntl(task, l, sys.F_GETFL), 2);
  const info = sys.getsockopt(task, l, SOL_TCP, TCP_INFO) as TcpInfo;
  assert.equal(info.tcpi_state, 10);
  assert.equal(info.tcpi_sacked, 8); /* listener: max backlog */
  assert.equal(info.tcpi_unacked, 0);
  sys.close(task, l);
  sys.close(task, fd);
});
