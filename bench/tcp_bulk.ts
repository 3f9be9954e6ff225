/**
 * TCP bulk transfer measured with the same iperf3 command on tuxnet and on Linux (no
 * kernel counterpart: the yardstick). Figures:
 *
 * `tcp_veth_bulk_bits_per_s`: `iperf3 -c 10.0.0.2 -n N` from namespace tnxta to an
 * `iperf3 -s -1 -B 10.0.0.2` in tnxtb over a veth pair (MTU 1500) with offloads off
 * (`ethtool -K veth-X tx off rx off tso off gso off gro off`). tuxnet: bits moved per
 * CPU-second of this process (both iperf3 ends and the whole stack run in it, on the
 * virtual clock, so CPU time is the cost). Linux: the same setup in real namespaces,
 * `iperf3 -t SECS -J`, end.sum_received.bits_per_second (wall time; sender and
 * receiver on their own CPUs), median over runs, divided by the CPU share iperf3 reports
 * for both processes (cpu_utilization_percent host_total + remote_total: user + system time,
 * which holds the softirq work each runs) to give bits per CPU-second like tuxnet's; the
 * wall-clock figure is printed in the note (on a shared, loaded machine it is the CPU the
 * scheduler granted, not the stack's cost).
 *
 * `tcp_lo_bulk_bits_per_s`: the same over `lo` (MTU 65536) inside one namespace.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type BenchOptions, type Figure, cpuNs, median, withLinux, check } from './common.js';
import { linuxUnavailable } from './linux.js';
import type { Kernel } from '../src/core/net_namespace.js';
import { runLab } from '../src/tools/lab/lab.js';
import { Task, type Stdio } from '../src/socket/task.js';
import { exitTask } from '../src/socket/syscalls.js';
import { programs } from '../src/tools/registry.js';
import { BufferStdio } from '../src/tools/tool.js';

const nullStdio: Stdio = { write: () => {} };

/**
 * The veth topology as a script that runs unchanged under `tuxnet lab` and sh: two
 * namespaces joined by a veth pair (10.0.0.1 in `a`, 10.0.0.2 in `b`), checksum and
 * segmentation offloads off unless `offloads` (bench/tap.ts's vnet yardstick).
 */
export function vethScript(a: string, b: string, offloads = false): string {
  const lines = [
    `ip netns add ${a}`,
    `ip netns add ${b}`,
    `ip -n ${a} link add veth-a type veth peer name veth-b netns ${b}`,
    `ip -n ${a} addr add 10.0.0.1/24 dev veth-a`,
    `ip -n ${b} addr add 10.0.0.2/24 dev veth-b`,
    `ip -n ${a} link set lo up`,
    `ip -n ${b} link set lo up`,
    `ip -n ${a} link set veth-a up`,
    `ip -n ${b} link set veth-b up`,
  ];
  if (!offloads) {
    lines.push(`ip netns exec ${a} ethtool -K veth-a tx off rx off tso off gso off gro off`,
      `ip netns exec ${b} ethtool -K veth-b tx off rx off tso off gso off gro off`);
  }
  return `${lines.join('\n')}\n`;
}

export function loScript(a: string): string {
  return `ip netns add ${a}\nip -n ${a} link set lo up\n`;
}

async function boot(script: string): Promise<Kernel> {
  let k: Kernel | null = null;
  const err = new BufferStdio();
  const status = await runLab({ file: 'tcp.sh', source: script, stdout: nullStdio, stderr: err, onKernel: (kk) => { k = kk; } });
  // ethtool -K may report features tuxnet's veth does not have: not fatal.
  check(status === 0 || /ethtool/.test(err.text), `topology script: ${err.text}`);
  const kernel = k as unknown as Kernel;
  await kernel.sleep(2e9);
  return kernel;
}

/** Run one program line in namespace `ns` of `k`; its exit status and output. */
export async function run(k: Kernel, ns: string, line: string): Promise<{ rc: number; out: string; err: string }> {
  const argv = line.split(' ');
  const out = new BufferStdio();
  const err = new BufferStdio();
  const task = new Task(k, k.netnsNames.get(ns)!, out, err);
  const rc = await programs.get(argv[0]!)!({ task, argv, stdout: out, stderr: err, env: {}, exec: async () => 127 });
  exitTask(task);
  return { rc, out: out.text, err: err.text };
}

/** One tuxnet iperf3 run of `bytes`: bits per CPU-second of this process. */
async function tuxnetIperf(k: Kernel, srvNs: string, cliNs: string, addr: string, bytes: number): Promise<number> {
  const srv = run(k, srvNs, `iperf3 -s -1 -B ${addr}`);
  await k.sleep(1e8);
  const c0 = cpuNs();
  const cli = await run(k, cliNs, `iperf3 -c ${addr} -n ${bytes} -J`);
  const dt = cpuNs() - c0;
  const s = await srv;
  check(cli.rc === 0, `iperf3 client: ${cli.err || cli.out.slice(-300)}`);
  check(s.rc === 0, `iperf3 server: ${s.err}`);
  const j = JSON.parse(cli.out) as { end: { sum_received: { bytes: number } } };
  check(j.end.sum_received.bytes >= bytes, `received ${j.end.sum_received.bytes} of ${bytes}`);
  return (j.end.sum_received.bytes * 8 * 1e9) / dt;
}

async function tuxnetFigure(opts: BenchOptions, script: string, srvNs: string, cliNs: string, addr: string): Promise<number> {
  const k = await boot(script);
  const bytes = Math.max(4, Math.round(512 * opts.scale)) * 1024 * 1024;
  for (let i = 0; i < opts.warmup; i++) await tuxnetIperf(k, srvNs, cliNs, addr, Math.min(bytes, 64 << 20));
  const xs: number[] = [];
  for (let i = 0; i < opts.runs; i++) xs.push(await tuxnetIperf(k, srvNs, cliNs, addr, bytes));
  return median(xs);
}

/* ------------------------------------------------------------------ */
/* Linux                                                               */

function iperfMissing(): string | null {
  return spawnSync('sh', ['-c', 'command -v iperf3 && command -v ethtool']).status === 0 ? null : 'iperf3/ethtool missing';
}

/**
 * `iperf3 -c ADDR -t SECS -J` against `iperf3 -s -1 -B ADDR` in fresh tnx* namespaces: the median
 * received bits per second of wall time, and per CPU-second of the two iperf3 processes.
 */
export function linuxIperfTcp(script: string, names: string[], srvNs: string, cliNs: string, addr: string, secs: number,
  runs: number): { perCpu: number; wall: number } {
  const nsExists = (n: string): boolean => existsSync(`/run/netns/${n}`);
  for (const n of names) {
    if (!n.startsWith('tnx')) throw new Error(`refusing namespace ${n}`);
    if (nsExists(n)) spawnSync('ip', ['netns', 'del', n]);
  }
  try {
    execFileSync('sh', ['-e', '-c', script], { stdio: ['ignore', 'ignore', 'pipe'] });
    for (const n of names) {
      execFileSync('ip', ['netns', 'exec', n, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1',
        'net.ipv6.conf.default.disable_ipv6=1'], { stdio: 'ignore' });
    }
    const xs: number[] = [];
    const cpus: number[] = [];
    for (let r = 0; r < runs; r++) {
      const srv = spawn('ip', ['netns', 'exec', srvNs, 'iperf3', '-s', '-1', '-B', addr], { stdio: 'ignore' });
      try {
        spawnSync('sleep', ['0.3']);
        const text = execFileSync('ip', ['netns', 'exec', cliNs, 'iperf3', '-c', addr, '-t', String(secs), '-J'],
          { encoding: 'utf8', timeout: (secs + 15) * 1000 });
        const j = JSON.parse(text) as {
          end: { sum_received: { bits_per_second: number }; cpu_utilization_percent: { host_total: number; remote_total: number } };
        };
        // Per CPU-second like tuxnet's figure: both iperf3 processes' CPU (user + system,
        // which includes the softirq work they run) over the test.
        const cpu = (j.end.cpu_utilization_percent.host_total + j.end.cpu_utilization_percent.remote_total) / 100;
        xs.push(j.end.sum_received.bits_per_second);
        cpus.push(cpu > 0 ? j.end.sum_received.bits_per_second / cpu : NaN);
      } finally {
        srv.kill('SIGKILL');
      }
    }
    return { perCpu: median(cpus), wall: median(xs) };
  } finally {
    for (const n of names) if (nsExists(n)) spawnSync('ip', ['netns', 'del', n]);
  }
}

export async function main(opts: BenchOptions): Promise<Figure[]> {
  const out: Figure[] = [];
  const why = opts.linux ? linuxUnavailable() ?? iperfMissing() : 'disabled (--no-linux)';
  const secs = Math.max(1, Math.round(3 * opts.scale));
  const linux = (script: string, names: string[], srvNs: string, cliNs: string, addr: string): [number | null, string | undefined] => {
    if (why) return [null, why];
    try {
      const r = linuxIperfTcp(script, names, srvNs, cliNs, addr, secs, opts.runs);
      return [r.perCpu, `linux per CPU-second of both iperf3 processes; ${(r.wall / 1e9).toFixed(2)} Gbit/s of wall time`];
    } catch (e) {
      return [null, `linux: ${(e as Error).message.split('\n')[0]}`];
    }
  };
  {
    const v = await tuxnetFigure(opts, vethScript('tnxta', 'tnxtb'), 'tnxtb', 'tnxta', '10.0.0.2');
    const [l, note] = linux(vethScript('tnxta', 'tnxtb'), ['tnxta', 'tnxtb'], 'tnxtb', 'tnxta', '10.0.0.2');
    const f = withLinux({ name: 'tcp_veth_bulk_bits_per_s', value: v, unit: 'bit/s' }, l, note);
    if (l !== null && note) f.note = note;
    out.push(f);
  }
  {
    const v = await tuxnetFigure(opts, loScript('tnxtl'), 'tnxtl', 'tnxtl', '127.0.0.1');
    const [l, note] = linux(loScript('tnxtl'), ['tnxtl'], 'tnxtl', 'tnxtl', '127.0.0.1');
    const f = withLinux({ name: 'tcp_lo_bulk_bits_per_s', value: v, unit: 'bit/s' }, l, note);
    if (l !== null && note) f.note = note;
    out.push(f);
  }
  return out;
}
