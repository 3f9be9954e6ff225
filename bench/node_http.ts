/**
 * HTTP/1.1 keep-alive requests per second through the Node adapters (no kernel
 * counterpart: a budget of the library face). Figures:
 *
 * `node_http_keepalive` (the budget: requests per second relative to the host
 * loopback, target >= 0.8): undici's fetch in namespace b (on nodeApi(b).dispatcher(),
 * an Agent of CONCURRENCY keep-alive connections, with CONCURRENCY request loops) to an
 * `http.createServer` of nodeApi(a), both in this process on a real-time kernel, the
 * namespaces joined by a veth pair; requests per second of wall time. The `linux`
 * figure is the same two programs in this process over the host's loopback (node:http
 * on 127.0.0.1, undici's fetch on a plain Agent), measured in the same run, each run
 * alternating SLICES slices of the two, so a load change on a shared machine hits both.
 *
 * `node_http_keepalive_per_cpu`: the same requests per CPU-second of this process (as
 * the other benches: time spent waiting for a CPU on a shared machine is not the
 * cost); on the loopback side the CPU time includes the host kernel's loopback TCP
 * work (system time of this process).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, fetch as undiciFetch, type Dispatcher } from 'undici';
import { type BenchOptions, type Figure, cpuNs, median, nowNs, withLinux, check } from './common.js';
import { Kernel } from '../src/index.js';
import { nodeApi } from '../src/node/index.js';

/** Parallel request loops, each with its own keep-alive connection. */
const CONCURRENCY = 4;
const BODY = 'hello from the server\n';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
const handler: Handler = (req, res) => {
  req.resume();
  req.on('end', () => {
    res.setHeader('content-type', 'text/plain');
    res.end(BODY);
  });
};

interface Side {
  url: string;
  dispatcher: Dispatcher;
  close(): Promise<void>;
}

/** Requests done, CPU ns and wall ns, summed over slices. */
interface Tally { done: number; cpu: number; wall: number }

/** CONCURRENCY request loops for `ns` nanoseconds of wall time; adds to `t`. */
async function load(side: Side, ns: number, t: Tally): Promise<void> {
  let done = 0;
  const t0 = nowNs();
  const c0 = cpuNs();
  const deadline = t0 + ns;
  const loop = async (): Promise<void> => {
    while (nowNs() < deadline) {
      const r = await undiciFetch(side.url, { dispatcher: side.dispatcher });
      const text = await r.text();
      if (r.status !== 200 || text !== BODY) throw new Error(`bad response ${r.status} ${text}`);
      done++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, loop));
  t.done += done;
  t.cpu += cpuNs() - c0;
  t.wall += nowNs() - t0;
}

/** Slices per run: the two sides alternate within a run, so load changes on the machine hit both. */
const SLICES = 4;

async function loopbackSide(): Promise<Side> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const dispatcher = new Agent({ connections: CONCURRENCY });
  return {
    url: `http://127.0.0.1:${port}/`,
    dispatcher,
    async close() {
      await dispatcher.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function tuxnetSide(): Promise<Side> {
  const kernel = new Kernel({ clock: 'real', seed: 1 });
  const r = await kernel.sh(['ip netns add a', 'ip netns add b', 'ip link add veth0 netns a type veth peer name veth1 netns b',
    'ip -n a addr add 10.0.0.1/24 dev veth0', 'ip -n b addr add 10.0.0.2/24 dev veth1',
    'ip -n a link set veth0 up', 'ip -n b link set veth1 up', 'sleep 1'].join('\n'));
  check(r.status === 0, `topology: ${r.output}`);
  const a = nodeApi(kernel.netns('a'));
  const b = nodeApi(kernel.netns('b'));
  const server = a.http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(8080, '10.0.0.1', () => resolve()));
  const dispatcher = b.dispatcher({ connections: CONCURRENCY });
  return {
    url: 'http://10.0.0.1:8080/',
    dispatcher,
    async close() {
      await dispatcher.close();
      await new Promise((resolve) => server.close(resolve));
      await kernel.close();
    },
  };
}

export async function main(opts: BenchOptions): Promise<Figure[]> {
  const runNs = Math.max(0.05, opts.scale) * 2e9;
  const tux = await tuxnetSide();
  const lo = opts.linux ? await loopbackSide() : null;
  try {
    const tx: Tally[] = [];
    const lx: Tally[] = [];
    for (let i = 0; i < opts.warmup + opts.runs; i++) {
      const t: Tally = { done: 0, cpu: 0, wall: 0 };
      const l: Tally = { done: 0, cpu: 0, wall: 0 };
      for (let k = 0; k < SLICES; k++) {
        await load(tux, runNs / SLICES, t);
        if (lo) await load(lo, runNs / SLICES, l);
      }
      if (i < opts.warmup) continue;
      tx.push(t);
      lx.push(l);
    }
    const perCpu = (x: Tally): number => (x.done * 1e9) / x.cpu;
    const perWall = (x: Tally): number => (x.done * 1e9) / x.wall;
    const wall: Figure = { name: 'node_http_keepalive', value: median(tx.map(perWall)), unit: 'req/s' };
    const cpu: Figure = { name: 'node_http_keepalive_per_cpu', value: median(tx.map(perCpu)), unit: 'req/CPU-s' };
    if (!lo) return [wall, cpu].map((f) => withLinux(f, null, 'host loopback not measured (--no-linux)'));
    withLinux(wall, median(lx.map(perWall)));
    withLinux(cpu, median(lx.map(perCpu)));
    wall.note = 'per second of wall time (the budget, target >= 0.8x)';
    cpu.note = 'per CPU-second of this process';
    return [wall, cpu];
  } finally {
    await tux.close();
    await lo?.close();
  }
}
