/**
 * The descriptor under a web-streams socket (streams.ts, streams_udp.ts): one small
 * object that the TCP connection, the TCP listener and the UDP socket share for the
 * parts of an fd's life that are the same for all three — the blocking syscalls in
 * flight (waited for before close(2)), shutdown(2) as a wake-up that may find the
 * socket reset, close(2) that may find the process gone, the local name, and the
 * error the kernel holds for the socket (SO_ERROR). No Linux counterpart: this is
 * what a userspace program keeps next to its fd.
 */
import type { Syscalls } from './kernel.js';
import { ipv4ToString } from '../wire/iphdr.js';
import { SystemError } from '../socket/errno.js';
import { SOL_SOCKET, SO_ERROR, type SockaddrIn } from '../socket/socket.js';

export class SocketFd {
  /** Blocking syscalls in flight. */
  private readonly inflight = new Set<Promise<unknown>>();

  /** @param fd the descriptor, or -1 until socket(2) made one */
  constructor(private readonly sys: Syscalls, public fd = -1) {}

  /** Remember a blocking syscall until it settles (`drain` waits for it). */
  track<T>(p: Promise<T>): Promise<T> {
    this.inflight.add(p);
    const done = (): void => {
      this.inflight.delete(p);
    };
    p.then(done, done);
    return p;
  }

  /** Wait until no tracked syscall is in flight (those woken may start no new one). */
  async drain(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  /**
   * shutdown(2) to wake the blocked syscalls (Linux: inet_shutdown() wakes the socket's
   * sleepers even when it answers ENOTCONN for a reset socket; the bits are set anyway).
   */
  shutdownQuietly(how: number): void {
    if (this.fd < 0) return;
    try {
      this.sys.shutdown(this.fd, how);
    } catch {
      // ENOTCONN: reset, or a datagram socket with no peer
    }
  }

  /** close(2) once; the fd becomes -1. */
  closeQuietly(): void {
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    try {
      // A lingering close (SO_LINGER with a time) returns a Promise; it runs on in the kernel.
      const r = this.sys.close(fd);
      if (r) r.catch(() => {});
    } catch {
      // EBADF: the kernel closed it first (the process exited)
    }
  }

  /** getsockname(2) as an address string and a port. */
  localName(): { address: string; port: number } {
    const a = this.sys.getsockname(this.fd) as SockaddrIn;
    return { address: ipv4ToString(a.addr), port: a.port };
  }

  /**
   * The error the kernel holds for the socket (Linux: getsockopt SO_ERROR, which takes
   * sk_err, e.g. ECONNRESET after a reset), as the SystemError `syscall` would have
   * reported had it been the one to find it; null when there is none. Taking it clears it.
   */
  pendingError(syscall: string): SystemError | null {
    if (this.fd < 0) return null;
    let err: number;
    try {
      err = this.sys.getsockopt(this.fd, SOL_SOCKET, SO_ERROR) as number;
    } catch {
      return null;
    }
    return err ? new SystemError(err, syscall) : null;
  }
}

/**
 * socket(2), then `setup(fd)` (bind, listen ...); when setup throws, the socket is
 * closed and the error goes on (listenTcp and openUdp).
 */
export function openSocket(sys: Syscalls, family: number, type: number, setup: (fd: number) => void): number {
  const fd = sys.socket(family, type);
  try {
    setup(fd);
  } catch (e) {
    sys.close(fd);
    throw e;
  }
  return fd;
}
