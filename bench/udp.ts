/**
 * UDP through the socket API between two namespaces joined by a veth pair
 * (Linux: udp_sendmsg -> ip_make_skb -> ip_output -> veth -> ip_rcv -> udp_rcv ->
 * udp_recvmsg), set up with `ip` as a lab script: a (10.0.0.1) sends 64-byte
 * datagrams with sendto() to b (10.0.0.2:5001), b reads them with recvfrom() after
 * each batch of 64.
 *
 * `udp_64b_dgrams_per_s`: datagrams received by b per CPU-second of this process
 * (sender and receiver both run here). The Linux figure is `iperf3 -u -l 64 -b 0`
 * between two namespaces `tnxua`/`tnxub` of this host for the same duration
 * (root and iperf3 needed): datagrams the iperf3 server received per second of wall
 * time (one sender core, so seconds of the sender's CPU). `udp_64b_connected_dgrams_per_s`:
 * the same with a connected sender (send() on the socket's cached route). `udp_heap_bytes_per_dgram`:
 * heap allocated per datagram in steady state (the skb and its data, which Linux
 * allocates too; nothing per datagram in the socket layer).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type BenchOptions, type Figure, rate, withLinux, check } from './common.js';
import { allocatedBytes } from './alloc.js';
import { linuxUnavailable } from './linux.js';
import type { Kernel } from '../src/core/net_namespace.js';
import { runLab } from '../src/tools/lab/lab.js';
import { Task, type Stdio } from '../src/socket/task.js';
import { AF_INET, SOCK_DGRAM, type SockaddrIn } from '../src/socket/socket.js';
import * as sys from '../src/socket/syscalls.js';
import type { SystemError } from '../src/socket/errno.js';

const COUNT = 1_000_000;
const MAX_NS = 3e9;
const PAYLOAD = 64;
const A_IP = 0x0a000001;
const B_IP = 0x0a000002;
const PORT = 5001;

/** The topology, as a script that runs unchanged under `tuxnet lab` and bash. */
export function udpScript(a: string, b: string): string {
  return [
    `ip netns add ${a}`,
    `ip netns add ${b}`,
    `ip -n ${a} link add a0 type veth peer name b0 netns ${b}`,
    `ip -n ${a} addr add 10.0.0.1/24 dev a0`,
    `ip -n ${b} addr add 10.0.0.2/24 dev b0`,
    `ip -n ${a} link set lo up`,
    `ip -n ${b} link set lo up`,
    `ip -n ${a} link set a0 up`,
    `ip -n ${b} link set b0 up`,
  ].join('\n') + '\n';
}

const nullStdio: Stdio = { write: () => {} };

/** Sender on a, receiver on b: sendto() in batches of 64, then recvfrom() until the socket is empty. */
class UdpEnds {
  readonly tx: Task;
  readonly rx: Task;
  readonly txFd: number;
  readonly rxFd: number;
  readonly payload = new Uint8Array(PAYLOAD).fill(0x5a);
  readonly dst: SockaddrIn;
  readonly rxBuf = new Uint8Array(2048);
  readonly from: SockaddrIn = { family: AF_INET, addr: 0, port: 0 };
  received = 0;

  constructor(k: Kernel, port = PORT) {
    const a = k.netnsNames.get('tnxua')!;
    const b = k.netnsNames.get('tnxub')!;
    this.tx = new Task(k, a, nullStdio, nullStdio);
    this.rx = new Task(k, b, nullStdio, nullStdio);
    this.dst = { family: AF_INET, addr: B_IP, port };
    this.txFd = sys.socket(this.tx, AF_INET, SOCK_DGRAM, 0);
    this.rxFd = sys.socket(this.rx, AF_INET, SOCK_DGRAM, 0);
    sys.bind(this.rx, this.rxFd, { family: AF_INET, addr: 0, port });
  }

  /** Like run() with send() on the connected socket. */
  runConnected(n: number): number {
    const tx = this.tx;
    const rx = this.rx;
    for (let i = 0; i < n; i += 64) {
      const m = n - i < 64 ? n - i : 64;
      for (let j = 0; j < m; j++) sys.send(tx, this.txFd, this.payload);
      try {
        for (let j = 0; j < m; j++) {
          sys.recvfromNow(rx, this.rxFd, this.rxBuf, 0, this.from);
          this.received++;
        }
      } catch (e) {
        if ((e as SystemError).code !== 'EAGAIN') throw e;
      }
    }
    return n;
  }

  /** connect() the sender: sends then use the socket's cached route (no lookup per datagram). */
  connect(): void {
    sys.connectNow(this.tx, this.txFd, this.dst);
  }

  run(n: number): number {
    const tx = this.tx;
    const rx = this.rx;
    for (let i = 0; i < n; i += 64) {
      const m = n - i < 64 ? n - i : 64;
      for (let j = 0; j < m; j++) sys.sendto(tx, this.txFd, this.payload, this.dst);
      // Every datagram has arrived when sendto() returns (veth delivers in the sender's
      // softirq): read exactly as many, so no EAGAIN exception is built per batch.
      try {
        for (let j = 0; j < m; j++) {
          sys.recvfromNow(rx, this.rxFd, this.rxBuf, 0, this.from);
          this.received++;
        }
      } catch (e) {
        if ((e as SystemError).code !== 'EAGAIN') throw e;
      }
    }
    return n;
  }
}

async function udpTopo(): Promise<Kernel> {
  let k: Kernel | null = null;
  const err: string[] = [];
  const status = await runLab({
    file: 'udp.sh', source: udpScript('tnxua', 'tnxub'), stdout: nullStdio,
    stderr: { write: (s: string) => { err.push(s); } }, onKernel: (kk) => { k = kk; },
  });
  check(status === 0, `topology script: ${err.join('')}`);
  const kernel = k as unknown as Kernel;
  await kernel.sleep(2e9); // link watch: carrier up
  return kernel;
}

export async function main(opts: BenchOptions): Promise<Figure[]> {
  const out: Figure[] = [];
  const k = await udpTopo();
  const ends = new UdpEnds(k);
  ends.run(1);
  await k.sleep(1e9); // ARP resolution of 10.0.0.2 completes; the queued datagram arrives
  ends.run(1);
  check(ends.received >= 1, 'a datagram sent on a reaches the socket on b');
  check(ends.from.addr === A_IP && ends.rxBuf[0] === 0x5a, 'from 10.0.0.1 with the payload');
  const before = ends.received;
  ends.run(1000);
  check(ends.received - before === 1000, 'every datagram received');
  const v = rate(opts, (n) => ends.run(n), COUNT, MAX_NS);
  let linux: number | null = null;
  let note: string | undefined;
  const why = opts.linux ? linuxUnavailable() ?? iperfMissing() : 'disabled (--no-linux)';
  if (why) note = why;
  else {
    try {
      linux = linuxIperf3(Math.max(1, Math.round(3 * opts.scale)), opts.runs);
    } catch (e) {
      note = `linux: ${(e as Error).message.split('\n')[0]}`;
    }
  }
  out.push(withLinux({ name: 'udp_64b_dgrams_per_s', value: v, unit: 'datagrams/s' }, linux, note));
  {
    // The same with a connected sender (send() on the cached route: udp_sendmsg's fast path).
    const c = new UdpEnds(k, PORT + 1);
    c.connect();
    c.runConnected(1000);
    check(c.received === 1000, 'every datagram of the connected sender received');
    out.push({ name: 'udp_64b_connected_dgrams_per_s', value: rate(opts, (n) => c.runConnected(n), COUNT, MAX_NS), unit: 'datagrams/s' });
  }
  ends.run(20_000);
  const n = 50_000;
  const r0 = ends.received;
  const bytes = allocatedBytes(() => ends.run(n));
  check(ends.received - r0 === n, 'every datagram received while measuring the heap');
  out.push({ name: 'udp_heap_bytes_per_dgram', value: bytes / n, unit: 'B/datagram' });
  return out;
}

/* ------------------------------------------------------------------ */
/* The Linux figure                                                    */

function iperfMissing(): string | null {
  return spawnSync('sh', ['-c', 'command -v iperf3']).status === 0 ? null : 'iperf3 missing (apt-get install -y iperf3)';
}

interface IperfSum {
  seconds: number;
  packets: number;
  lost_packets: number;
}

/**
 * `iperf3 -u -l 64 -b 0 -t SECS` from tnxua to an iperf3 server in tnxub (namespaces
 * created by the same script under sh, deleted after): datagrams the server received
 * per second, median over `runs`.
 */
export function linuxIperf3(secs: number, runs: number): number {
  const names = ['tnxua', 'tnxub'];
  const nsExists = (n: string): boolean => existsSync(`/run/netns/${n}`);
  for (const n of names) if (nsExists(n)) spawnSync('ip', ['netns', 'del', n]);
  try {
    execFileSync('sh', ['-e', '-c', udpScript(names[0]!, names[1]!)], { stdio: ['ignore', 'ignore', 'pipe'] });
    for (const n of names) {
      execFileSync('ip', ['netns', 'exec', n, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1',
        'net.ipv6.conf.default.disable_ipv6=1'], { stdio: 'ignore' });
    }
    const xs: number[] = [];
    for (let r = 0; r < runs; r++) {
      const srv = spawn('ip', ['netns', 'exec', names[1]!, 'iperf3', '-s', '-1', '-B', '10.0.0.2'], { stdio: 'ignore' });
      try {
        spawnSync('sleep', ['0.3']);
        const text = execFileSync('ip', ['netns', 'exec', names[0]!, 'iperf3', '-c', '10.0.0.2', '-u', '-l', '64', '-b', '0',
          '-t', String(secs), '--json'], { encoding: 'utf8', timeout: (secs + 10) * 1000 });
        const j = JSON.parse(text) as { end: { sum: IperfSum } };
        const s = j.end.sum;
        if (process.env.TNX_BENCH_DEBUG) process.stderr.write(`${JSON.stringify(s)}\n`);
        xs.push((s.packets - s.lost_packets) / s.seconds);
      } finally {
        srv.kill('SIGKILL');
      }
    }
    xs.sort((x, y) => x - y);
    return xs[(xs.length - 1) >> 1]!;
  } finally {
    for (const n of names) if (nsExists(n)) spawnSync('ip', ['netns', 'del', n]);
  }
}
