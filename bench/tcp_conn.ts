/**
 * TCP connection costs (no kernel counterpart: figures of the stack), through the socket
 * API on the virtual clock, both ends in one namespace over `lo`:
 *
 * `tcp_idle_conn_heap_bytes`: V8 heap per established idle connection (both ends: the
 * client socket and the accepted one, with their hash entries and timers), measured as the
 * heap growth between full GCs over 10,000 connections after their handshakes and delayed
 * ACKs settled; nothing is queued on them, so no buffers are counted (packet data lives
 * in ArrayBuffers outside the V8 heap anyway; their growth is `tcp_idle_conn_buffer_bytes`).
 * Needs --expose-gc (bench/run.ts passes it).
 *
 * `tcp_connect_accept_close_per_s`: connect()+accept() then close() on both ends
 * (server first, so TIME_WAIT stays on the server and client ports are reused), cycles per
 * CPU-second of this process.
 */
import { type BenchOptions, type Figure, cpuNs, median, check } from './common.js';
import { fullGc } from './alloc.js';
import { createKernel } from '../src/index.js';
import type { Kernel, Net } from '../src/core/net_namespace.js';
import { Task, type Stdio } from '../src/socket/task.js';
import * as sys from '../src/socket/syscalls.js';
import { AF_INET, SOCK_STREAM } from '../src/socket/socket.js';

const nullStdio: Stdio = { write: () => {} };
const LO = 0x7f000001;

interface Ends {
  k: Kernel;
  net: Net;
  task: Task;
  lfd: number;
}

async function setup(port: number): Promise<Ends> {
  const k = createKernel({ seed: 1 });
  const net = k.initNet;
  const task = new Task(k, net, nullStdio, nullStdio);
  // `ip link set lo up` through the tool, as a user would.
  const { programs } = await import('../src/tools/registry.js');
  await programs.get('ip')!({ task, argv: ['ip', 'link', 'set', 'lo', 'up'], stdout: nullStdio, stderr: nullStdio, env: {},
    exec: async () => 127 });
  const lfd = sys.socket(task, AF_INET, SOCK_STREAM, 0);
  sys.bind(task, lfd, { family: AF_INET, addr: LO, port });
  sys.listen(task, lfd, 4096);
  return { k, net, task, lfd };
}

async function connectOne(e: Ends, port: number): Promise<[number, number]> {
  const fd = sys.socket(e.task, AF_INET, SOCK_STREAM, 0);
  const [, a] = await Promise.all([sys.connect(e.task, fd, { family: AF_INET, addr: LO, port }), sys.accept(e.task, e.lfd)]);
  return [fd, a.fd];
}

async function idleHeap(n: number): Promise<{ heap: number; buffers: number }> {
  const e = await setup(5001);
  // Warm the code paths and the tables first.
  const warm: number[] = [];
  for (let i = 0; i < 200; i++) warm.push(...(await connectOne(e, 5001)));
  await e.k.sleep(1e9);
  fullGc();
  const m0 = process.memoryUsage();
  const fds: number[] = [];
  for (let i = 0; i < n; i++) fds.push(...(await connectOne(e, 5001)));
  await e.k.sleep(1e9); // delayed ACKs and the like settle
  fullGc();
  const m1 = process.memoryUsage();
  // Use the kernel after the measurement: else V8 may find it dead and collect it before m1.
  check(fds.length === 2 * n && e.task.fds.size >= 2 * n, 'every connection accepted and still open');
  return { heap: (m1.heapUsed - m0.heapUsed) / n, buffers: (m1.arrayBuffers - m0.arrayBuffers) / n };
}

async function cycles(e: Ends, port: number, n: number): Promise<number> {
  const c0 = cpuNs();
  for (let i = 0; i < n; i++) {
    const [c, s] = await connectOne(e, port);
    sys.close(e.task, s);
    sys.close(e.task, c);
  }
  return (n * 1e9) / (cpuNs() - c0);
}

export async function main(opts: BenchOptions): Promise<Figure[]> {
  const out: Figure[] = [];
  const n = Math.max(500, Math.round(10_000 * opts.scale));
  if (!fullGc()) {
    out.push({ name: 'tcp_idle_conn_heap_bytes', value: NaN, unit: 'B/connection', note: 'needs node --expose-gc' });
  } else {
    const hs: number[] = [];
    const bs: number[] = [];
    for (let r = 0; r < Math.max(1, Math.min(opts.runs, 3)); r++) {
      const m = await idleHeap(n);
      hs.push(m.heap);
      bs.push(m.buffers);
    }
    out.push({ name: 'tcp_idle_conn_heap_bytes', value: median(hs), unit: 'B/connection',
      note: `${n} connections, both ends; target <= 8192 (4 KiB per socket)` });
    out.push({ name: 'tcp_idle_conn_buffer_bytes', value: median(bs), unit: 'B/connection' });
  }
  const e = await setup(5002);
  const m = Math.max(1000, Math.round(20_000 * opts.scale));
  for (let i = 0; i < opts.warmup; i++) await cycles(e, 5002, Math.min(m, 2000));
  const xs: number[] = [];
  for (let i = 0; i < opts.runs; i++) xs.push(await cycles(e, 5002, m));
  out.push({ name: 'tcp_connect_accept_close_per_s', value: median(xs), unit: 'cycles/s', note: 'target >= 20 k/s' });
  return out;
}
