/**
 * Stream-socket I/O for the TCP tools (iperf3, nc): blocking connect(2), write(2) of a
 * whole buffer, read(2) of what is there, and "read exactly n bytes" (iperf's Nread /
 * Nwrite in net.c). Only syscalls: the syscall layer's blocking `connect`, `write`,
 * `read` (Linux semantics: write blocks until every byte is queued unless the socket
 * is non-blocking; read returns 0 at end of stream).
 */
import type { Task } from '../../socket/task.js';
import * as sys from '../../socket/syscalls.js';
import type { Sockaddr } from '../../socket/socket.js';

/** connect(2), waiting for a blocking stream socket's handshake. Throws SystemError. */
export async function connectStream(task: Task, fd: number, addr: Sockaddr): Promise<void> {
  await sys.connect(task, fd, addr);
}

/** write(2) of all of `data` (Nwrite). Throws SystemError (EPIPE, ECONNRESET ...). */
export async function writeAll(task: Task, fd: number, data: Uint8Array): Promise<void> {
  let off = 0;
  while (off < data.length) {
    const n = await sys.write(task, fd, off === 0 ? data : data.subarray(off));
    if (n <= 0) break;
    off += n;
  }
}

/** read(2): what is queued (blocking until something is), 0 at end of stream. */
export async function readSome(task: Task, fd: number, buf: Uint8Array): Promise<number> {
  return sys.read(task, fd, buf);
}

/** Nread: exactly n bytes, or null when the stream ends first. */
export async function readExact(task: Task, fd: number, n: number): Promise<Uint8Array | null> {
  const out = new Uint8Array(n);
  let off = 0;
  while (off < n) {
    const r = await readSome(task, fd, out.subarray(off));
    if (r <= 0) return null;
    off += r;
  }
  return out;
}
