/**
 * Generic stream-socket helpers (Linux: net/core/stream.c, include/net/sock.h sk_stream_*).
 * TCP uses them to decide when a writer may queue more data, when pollers see POLLOUT,
 * and what a failed send reports.
 *
 * Difference from Linux: the kernel never sleeps here. Where Linux's
 * sk_stream_wait_connect()/sk_stream_wait_memory() would put the caller to sleep, the
 * functions report -EAGAIN and the syscall layer (socket/syscalls.ts) waits on the
 * socket's wait queue and calls again, honouring O_NONBLOCK, SO_SNDTIMEO and signals;
 * the checks made before and after the sleep are the ones Linux makes.
 */
import { type Sock, sockFlag, SOCK_DEAD, SEND_SHUTDOWN, sockError } from './sock.js';
import { EPIPE, EAGAIN } from '../socket/errno.js';

/* Linux: TCPF_SYN_SENT | TCPF_SYN_RECV (include/net/tcp_states.h). */
const TCPF_SYN_SENT = 1 << 2;
const TCPF_SYN_RECV = 1 << 3;

/** Linux: sk_stream_wspace(): send-buffer space left. */
export function skStreamWspace(sk: Sock, wmemQueued: number): number {
  return sk.sndbuf - wmemQueued;
}

/** Linux: sk_stream_min_wspace(): writers are woken once half the queued memory is free. */
export function skStreamMinWspace(wmemQueued: number): number {
  return wmemQueued >> 1;
}

/**
 * Linux: sk_stream_wait_connect() before the sleep: 0 when the connection is usable,
 * the pending error, -EPIPE when it can no longer become established, -EAGAIN while
 * the handshake is still running (the caller waits and retries).
 */
export function skStreamWaitConnect(sk: Sock): number {
  if (sk.err) return sockError(sk);
  if ((1 << sk.state) & ~(TCPF_SYN_SENT | TCPF_SYN_RECV)) return -EPIPE;
  return -EAGAIN;
}

/**
 * Linux: sk_stream_wait_memory() before the sleep: -EPIPE after an error or a
 * shutdown for writing, otherwise -EAGAIN (the caller waits for write space).
 */
export function skStreamWaitMemory(sk: Sock): number {
  if (sk.err || (sk.shutdown & SEND_SHUTDOWN)) return -EPIPE;
  return -EAGAIN;
}

/**
 * Linux: sk_stream_error(): the error a failed stream send reports: the socket error
 * when there is one and the send failed with EPIPE, else `err` (SIGPIPE is not modeled:
 * there are no signals, so MSG_NOSIGNAL changes nothing).
 */
export function skStreamError(sk: Sock, _flags: number, err: number): number {
  if (err === -EPIPE) err = sockError(sk) || -EPIPE;
  return err;
}

/** Linux: sk_stream_write_space() (sk->sk_write_space of TCP): wake writers once there is room. */
export function skStreamWriteSpace(sk: Sock, writeable: boolean): void {
  if (writeable && !sockFlag(sk, SOCK_DEAD)) sk.wq?.wakeUp(sk.net.kernel);
}

/** Linux: sk->sk_state_change = sock_def_wakeup(): wake everyone sleeping on the socket. */
export function skStateChange(sk: Sock): void {
  sk.wq?.wakeUp(sk.net.kernel);
}
