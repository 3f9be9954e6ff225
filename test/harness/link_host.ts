/**
 * Helpers for the link tests (QEMU, VDE, WebSocket): real-time tuxnet hosts that run
 * tools (ip, ping) as processes of a namespace, bounded waits, free local ports, and
 * child processes killed by pid at the end.
 */
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { spawn, type ChildProcess } from 'node:child_process';
import { createKernel } from '../../src/index.js';
import type { Kernel, Net } from '../../src/core/net_namespace.js';
import { type NetDevice, netifCarrierOk } from '../../src/core/netdevice.js';
import { Task } from '../../src/socket/task.js';
import * as sys from '../../src/socket/syscalls.js';
import { programs } from '../../src/tools/registry.js';
import { BufferStdio } from '../../src/tools/tool.js';

export interface ToolRun {
  rc: number;
  out: string;
  err: string;
}

/** A real-time kernel (one host). */
export function realHost(seed = 1): { k: Kernel; net: Net } {
  const k = createKernel({ time: 'real', seed });
  return { k, net: k.initNet };
}

/** Run one command line (no shell syntax) as a process of `net`. */
export async function run(k: Kernel, net: Net, line: string): Promise<ToolRun> {
  const argv = line.split(' ').filter((w) => w !== '');
  const o = new BufferStdio();
  const e = new BufferStdio();
  const task = new Task(k, net, o, e);
  const main = programs.get(argv[0]!);
  if (!main) throw new Error(`no program ${argv[0]}`);
  const rc = await main({ task, argv, stdout: o, stderr: e, env: {}, exec: async () => 127 });
  sys.exitTask(task);
  return { rc, out: o.text, err: e.text };
}

/** `ip addr add ADDR dev DEV; ip link set DEV up` (throws on failure). */
export async function configure(k: Kernel, net: Net, dev: string, cidr: string): Promise<void> {
  for (const line of [`ip addr add ${cidr} dev ${dev}`, `ip link set ${dev} up`]) {
    const r = await run(k, net, line);
    if (r.rc !== 0) throw new Error(`${line}: ${r.err}`);
  }
}

/** Wait (bounded) until `cond()` holds; false on timeout. */
export async function waitFor(cond: () => boolean, timeoutMs = 5000, stepMs = 20): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return cond();
}

export function carrier(dev: NetDevice): boolean {
  return netifCarrierOk(dev);
}

/** `ping -c COUNT -W 1 -i 0.2 DST` until one run succeeds, at most `tries` runs. */
export async function pingOk(k: Kernel, net: Net, dst: string, tries = 5): Promise<ToolRun> {
  let last: ToolRun = { rc: -1, out: '', err: '' };
  for (let i = 0; i < tries; i++) {
    last = await run(k, net, `ping -c 2 -i 0.2 -W 1 ${dst}`);
    if (last.rc === 0) return last;
  }
  return last;
}

/** A free TCP/UDP port on 127.0.0.1 (bound and released; small race accepted in tests). */
/** Ports handed out by freePort in this process (bind(0) may give the same one twice). */
const givenPorts = new Set<number>();

/** One port that bind(0) gives on 127.0.0.1 for `type`, released at once. */
function probePort(type: 'tcp' | 'udp', want = 0): Promise<number> {
  return new Promise((resolve) => {
    if (type === 'tcp') {
      const s = createServer();
      s.once('error', () => resolve(-1));
      s.listen(want, '127.0.0.1', () => {
        const a = s.address();
        const port = typeof a === 'object' && a !== null ? a.port : -1;
        s.close(() => resolve(port));
      });
    } else {
      const u = createSocket('udp4');
      u.once('error', () => {
        u.close();
        resolve(-1);
      });
      u.bind(want, '127.0.0.1', () => {
        const port = u.address().port;
        u.close(() => resolve(port));
      });
    }
  });
}

/**
 * A port free on 127.0.0.1 for both TCP and UDP (tests use it for QEMU's stream and
 * dgram netdevs alike), never one this process handed out before.
 */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await probePort('tcp');
    if (port <= 0 || givenPorts.has(port)) continue;
    if ((await probePort('udp', port)) !== port) continue;
    givenPorts.add(port);
    return port;
  }
  throw new Error('no free port on 127.0.0.1 after 50 tries');
}

/** A child process with its stderr collected; `stop()` kills it by pid and waits (bounded). */
export interface Child {
  proc: ChildProcess;
  stderr(): string;
  stop(): Promise<void>;
}

/** Start `cmd`; its stdin is a pipe kept open (vde_switch exits at EOF on stdin). */
export function startChild(cmd: string, args: string[]): Child {
  const proc = spawn(cmd, args, { stdio: ['pipe', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  proc.on('error', (e) => {
    err += String(e);
  });
  return {
    proc,
    stderr: () => err,
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null || proc.pid === undefined) return;
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      process.kill(proc.pid, 'SIGTERM');
      const t = setTimeout(() => {
        if (proc.exitCode === null && proc.pid !== undefined) process.kill(proc.pid, 'SIGKILL');
      }, 2000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** Whether `cmd` can be run (found on PATH). */
export async function haveCommand(cmd: string): Promise<boolean> {
  return new Promise((resolve) => {
    const p = spawn('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    p.on('exit', (code) => resolve(code === 0));
    p.on('error', () => resolve(false));
  });
}
