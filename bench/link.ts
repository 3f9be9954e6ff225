/**
 * tuxnet to tuxnet over the VM/emulator links between two processes (issue 5's links; no
 * kernel counterpart: the yardstick). Every run starts fresh `tuxnet tap` processes of
 * this build (dist/src/cli.js) on 127.0.0.1:
 *
 * `link_stream_tcp`: host A `--link eth0=qemu-stream:listen:tcp:127.0.0.1:P` runs
 * `iperf3 -s &` (10.78.0.1/24); host B `--link eth0=qemu-stream:connect:tcp:127.0.0.1:P`
 * runs `iperf3 -c 10.78.0.1 -t SECS -J` (B sends, A receives and ACKs).
 * `link_ws_tcp`: the same through a `tuxnet relay --listen 127.0.0.1:P` with
 * `--link eth0=ws:ws://127.0.0.1:P/` on both hosts (three processes).
 *
 * Figure: Gbit/s of end.sum_received (wall time), median over runs. The note adds the
 * same bits per CPU-second of all the processes involved during the transfer (utime +
 * stime from /proc/PID/stat between the start and the end of the iperf3 run): on a
 * machine shared with other work the wall figure is the CPU the scheduler granted, the
 * per-CPU figure is the cost of the link path. No Linux figure: there is no Linux
 * counterpart of these links (Linux-to-Linux numbers are in tap_tcp's and tcp_bulk's).
 * Every run is bounded: processes are killed SECS + 30 s after they start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchOptions, type Figure, median } from './common.js';

const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));
const SRV_ADDR = '10.78.0.1';
const CLI_ADDR = '10.78.0.2';
const START = 'LINKBENCH-START';
const END = 'LINKBENCH-END';
/** Clock ticks per second of /proc/PID/stat's utime and stime (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/** CPU seconds (user + system) a live process has used, or NaN when it is gone. */
function procCpu(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 (utime, stime) are at 11 and 12 after the state field.
    return (Number(f[11]) + Number(f[12])) / USER_HZ;
  } catch {
    return NaN;
  }
}

/** A child process whose output lines are watched for a pattern. */
class Proc {
  readonly child: ChildProcess;
  out = '';
  err = '';
  private waiters: { re: RegExp; stream: 'out' | 'err'; resolve: () => void }[] = [];
  readonly exited: Promise<number>;

  constructor(argv: string[], readonly timeoutMs: number) {
    this.child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (b: Buffer) => this.feed('out', b.toString()));
    this.child.stderr!.on('data', (b: Buffer) => this.feed('err', b.toString()));
    const t = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    this.exited = new Promise((resolve) => this.child.on('exit', (code, sig) => {
      clearTimeout(t);
      for (const w of this.waiters) w.resolve();
      this.waiters = [];
      resolve(code ?? (sig ? 128 : 1));
    }));
  }

  private feed(stream: 'out' | 'err', text: string): void {
    if (stream === 'out') this.out += text;
    else this.err += text;
    const all = stream === 'out' ? this.out : this.err;
    this.waiters = this.waiters.filter((w) => {
      if (w.stream !== stream || !w.re.test(all)) return true;
      w.resolve();
      return false;
    });
  }

  /** Resolves when `re` matches the stream so far (or the process is gone). */
  wait(stream: 'out' | 'err', re: RegExp): Promise<void> {
    if (re.test(stream === 'out' ? this.out : this.err) || this.child.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ re, stream, resolve }));
  }

  cpu(): number {
    return procCpu(this.child.pid);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(t);
  }
}

interface RunResult {
  bitsPerSec: number;
  bitsPerCpuSec: number;
}

/**
 * One transfer: the link specs of the server and client hosts (and a relay to start
 * first, for ws). Throws with the processes' stderr when the run fails.
 */
async function oneRun(dir: string, secs: number, srvSpec: string, cliSpec: string, relayPort: number | null): Promise<RunResult> {
  const srvScript = join(dir, 'srv.sh');
  const cliScript = join(dir, 'cli.sh');
  writeFileSync(srvScript, `ip link set eth0 up\nip addr add ${SRV_ADDR}/24 dev eth0\niperf3 -s &\n`);
  writeFileSync(cliScript, [
    'ip link set eth0 up', `ip addr add ${CLI_ADDR}/24 dev eth0`,
    // The client reconnects every 100 ms..; ARP and the first SYN wait for carrier.
    `ping -c 1 -w 10 ${SRV_ADDR}`,
    `echo ${START}`, `iperf3 -c ${SRV_ADDR} -t ${secs} -J`, `echo ${END}`, 'sleep 60',
  ].join('\n') + '\n');
  const limit = (secs + 30) * 1000;
  const procs: Proc[] = [];
  try {
    if (relayPort !== null) {
      const relay = new Proc([CLI, 'relay', '--quiet', '--listen', `127.0.0.1:${relayPort}`], limit);
      procs.push(relay);
      await relay.wait('err', /listening/);
    }
    const srv = new Proc([CLI, 'tap', '--link', `eth0=${srvSpec}`, '--script', srvScript, '--seed', '1'], limit);
    procs.push(srv);
    await srv.wait('err', /tuxnet tap: ready/);
    const cli = new Proc([CLI, 'tap', '--link', `eth0=${cliSpec}`, '--script', cliScript, '--seed', '2'], limit);
    procs.push(cli);
    await cli.wait('out', new RegExp(START));
    const cpu0 = procs.map((p) => p.cpu());
    await cli.wait('out', new RegExp(END));
    const cpu1 = procs.map((p) => p.cpu());
    const text = cli.out.slice(cli.out.indexOf(START) + START.length, cli.out.indexOf(END));
    if (!cli.out.includes(END)) {
      throw new Error(`no result: ${procs.map((p) => p.err.trim().split('\n').slice(-3).join(' | ')).join(' || ')}`);
    }
    const j = JSON.parse(text) as { end?: { sum_received?: { bits_per_second: number; bytes: number } }; error?: string };
    const r = j.end?.sum_received;
    if (r === undefined || !(r.bytes > 0)) throw new Error(`iperf3: ${j.error ?? text.slice(0, 300)}`);
    const cpu = cpu1.reduce((s, c, i) => s + (c - cpu0[i]!), 0);
    return { bitsPerSec: r.bits_per_second, bitsPerCpuSec: cpu > 0 ? (r.bytes * 8) / cpu : NaN };
  } finally {
    for (const p of procs.reverse()) await p.stop();
  }
}

async function figure(name: string, opts: BenchOptions, dir: string, secs: number,
  specs: () => { srv: string; cli: string; relay: number | null }): Promise<Figure> {
  const wall: number[] = [];
  const perCpu: number[] = [];
  let why = '';
  for (let i = 0; i < opts.runs; i++) {
    const s = specs();
    try {
      const r = await oneRun(dir, secs, s.srv, s.cli, s.relay);
      wall.push(r.bitsPerSec);
      perCpu.push(r.bitsPerCpuSec);
    } catch (e) {
      why = e instanceof Error ? e.message : String(e);
      process.stderr.write(`bench: ${name}: run ${i + 1} failed: ${why}\n`);
    }
  }
  if (wall.length === 0) return { name, value: NaN, unit: 'Gbit/s', note: `every run failed: ${why}` };
  return {
    name, value: median(wall) / 1e9, unit: 'Gbit/s',
    note: `${(median(wall) / 1e9).toFixed(3)} Gbit/s, ${(median(perCpu) / 1e9).toFixed(3)} Gbit per CPU-second of the ${name === 'link_ws_tcp' ? 'three' : 'two'} processes, ` +
      `${wall.length} runs of iperf3 -t ${secs}`,
  };
}

export async function main(opts: BenchOptions): Promise<Figure[]> {
  // Long enough for slow start and the JIT's warm-up (each run is a fresh pair of processes).
  const secs = Math.max(1, Math.round(8 * opts.scale));
  const o = { ...opts, runs: Math.min(opts.runs, 3) };
  const dir = mkdtempSync(join(tmpdir(), 'tnxlink-'));
  // Ports from a range unlikely to be in use, a fresh one per run (no TIME_WAIT clash).
  let next = 20000 + (process.pid % 2000) * 10;
  const port = (): number => next++;
  try {
    const stream = await figure('link_stream_tcp', o, dir, secs, () => {
      const p = port();
      return { srv: `qemu-stream:listen:tcp:127.0.0.1:${p}`, cli: `qemu-stream:connect:tcp:127.0.0.1:${p}`, relay: null };
    });
    const ws = await figure('link_ws_tcp', o, dir, secs, () => {
      const p = port();
      return { srv: `ws:ws://127.0.0.1:${p}/`, cli: `ws:ws://127.0.0.1:${p}/`, relay: p };
    });
    return [stream, ws];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
