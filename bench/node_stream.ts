/**
 * Bulk TCP throughput through the Node adapter against the raw syscall layer (no kernel
 * counterpart: a budget of the library face). Both move the same bytes between two
 * namespaces joined by a veth pair (10.0.0.1 in a, 10.0.0.2 in b), in this process on
 * a virtual-clock kernel, with CHUNK-byte writes and reads of up to RAW_READ bytes:
 *
 * `node_stream_syscalls`: ns.syscalls.write() loop in b, ns.syscalls.read() loop in a
 * (what the adapter itself is built on), bytes per CPU-second of this process (both ends
 * and the whole stack run in it).
 * `node_stream_adapter`: nodeApi(b).net.createConnection() writing with write()/'drain'
 * backpressure, nodeApi(a).net.createServer() counting 'data' bytes.
 * `node_stream_adapter_cost`: 100 * (1 - adapter / syscalls), in % (target <= 20): the
 * median over runs of each run's ratio; a run measures syscalls, adapter, adapter,
 * syscalls back to back (ABBA), which cancels most of the drift of a shared machine. (No
 * forced GC between runs: a gc() before a run made the run ~5x slower here, with either
 * transport.)
 */
import { once } from 'node:events';
import { type BenchOptions, type Figure, cpuNs, median, check } from './common.js';
import { Kernel, AF_INET, SOCK_STREAM, type Netns } from '../src/index.js';
import { nodeApi } from '../src/node/index.js';

const CHUNK = 64 * 1024;
/**
 * The raw reader's buffer: as large as the most the adapter's read pump takes in one
 * read(2) (net_socket.ts: up to 256 KiB of what FIONREAD counts), so both sides make
 * the same number of receive calls and the cost is the adapter's own.
 */
const RAW_READ = 256 * 1024;
const SERVER = 0x0a000001; // 10.0.0.1
let nextPort = 9000;

async function topology(): Promise<Kernel> {
  const kernel = new Kernel({ clock: 'virtual', seed: 1 });
  const r = await kernel.sh(['ip netns add a', 'ip netns add b', 'ip link add veth0 netns a type veth peer name veth1 netns b',
    'ip -n a addr add 10.0.0.1/24 dev veth0', 'ip -n b addr add 10.0.0.2/24 dev veth1',
    'ip -n a link set veth0 up', 'ip -n b link set veth1 up', 'sleep 1'].join('\n'));
  check(r.status === 0, `topology: ${r.output}`);
  return kernel;
}

/** `bytes` through the syscall layer; returns bytes per CPU-second. */
async function viaSyscalls(a: Netns, b: Netns, bytes: number): Promise<number> {
  const port = nextPort++;
  const lfd = a.syscalls.socket(AF_INET, SOCK_STREAM);
  a.syscalls.bind(lfd, { family: AF_INET, addr: SERVER, port });
  a.syscalls.listen(lfd, 16);
  const cfd = b.syscalls.socket(AF_INET, SOCK_STREAM);
  const [, acc] = await Promise.all([b.syscalls.connect(cfd, { family: AF_INET, addr: SERVER, port }), a.syscalls.accept(lfd)]);
  const buf = new Uint8Array(CHUNK).fill(0x61);
  const rbuf = new Uint8Array(RAW_READ);
  const t0 = cpuNs();
  const writer = (async () => {
    let sent = 0;
    while (sent < bytes) sent += await b.syscalls.write(cfd, buf.subarray(0, Math.min(CHUNK, bytes - sent)));
    b.syscalls.close(cfd);
  })();
  let got = 0;
  while (true) {
    const n = await a.syscalls.read(acc.fd, rbuf);
    if (n === 0) break;
    got += n;
  }
  await writer;
  const dt = cpuNs() - t0;
  a.syscalls.close(acc.fd);
  a.syscalls.close(lfd);
  check(got === bytes, `syscalls moved ${got} of ${bytes}`);
  return (bytes * 1e9) / dt;
}

/** `bytes` through nodeApi's net.Socket; returns bytes per CPU-second. */
async function viaAdapter(a: Netns, b: Netns, bytes: number): Promise<number> {
  const port = nextPort++;
  const A = nodeApi(a);
  const B = nodeApi(b);
  let got = 0;
  let t0 = 0;
  const received = new Promise<void>((resolve) => {
    const server = A.net.createServer((s) => {
      s.on('data', (d: Buffer) => { got += d.length; });
      s.on('end', () => {
        s.end();
        server.close();
        resolve();
      });
    });
    server.listen(port, '10.0.0.1');
  });
  await new Promise((r) => setImmediate(r));
  const c = B.net.createConnection({ host: '10.0.0.1', port });
  await once(c, 'connect');
  const buf = Buffer.alloc(CHUNK, 0x61);
  t0 = cpuNs();
  let sent = 0;
  while (sent < bytes) {
    const n = Math.min(CHUNK, bytes - sent);
    sent += n;
    if (!c.write(n === CHUNK ? buf : buf.subarray(0, n))) await once(c, 'drain');
  }
  c.end();
  await received;
  const dt = cpuNs() - t0;
  c.destroy();
  check(got === bytes, `adapter moved ${got} of ${bytes}`);
  return (bytes * 1e9) / dt;
}

export async function main(opts: BenchOptions): Promise<Figure[]> {
  const bytes = Math.max(1 << 20, Math.round(256 * (1 << 20) * opts.scale));
  const kernel = await topology();
  const a = kernel.netns('a');
  const b = kernel.netns('b');
  try {
    for (let i = 0; i < opts.warmup; i++) {
      await viaSyscalls(a, b, bytes);
      await viaAdapter(a, b, bytes);
    }
    // One run = syscalls, adapter, adapter, syscalls (ABBA: a linear drift of the
    // machine's load cancels out); each figure is the run's mean.
    const sx: number[] = [];
    const ax: number[] = [];
    for (let i = 0; i < opts.runs; i++) {
      const s1 = await viaSyscalls(a, b, bytes);
      const a1 = await viaAdapter(a, b, bytes);
      const a2 = await viaAdapter(a, b, bytes);
      const s2 = await viaSyscalls(a, b, bytes);
      sx.push((s1 + s2) / 2);
      ax.push((a1 + a2) / 2);
    }
    return [
      { name: 'node_stream_syscalls', value: median(sx) / 1e6, unit: 'MB/s' },
      { name: 'node_stream_adapter', value: median(ax) / 1e6, unit: 'MB/s' },
      { name: 'node_stream_adapter_cost', value: median(sx.map((s, i) => 100 * (1 - ax[i]! / s))), unit: '%' },
    ];
  } finally {
    await kernel.close();
  }
}
