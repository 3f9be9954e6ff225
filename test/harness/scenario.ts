/**
 * Scenario helpers: build namespaces with a lab script (ip, sysctl ... as on a
 * Linux host), then act in them as userspace does: run a tool in a namespace
 * (`ping`, `nstat`, `cat /proc/...`), open sockets as a process of that namespace,
 * and read counters the way a user reads them (nstat, /proc/net/snmp). Everything
 * runs on the kernel's virtual clock: `sleep` advances it.
 */
import assert from 'node:assert/strict';
import type { Kernel, Net } from '../../src/core/net_namespace.js';
import { runLab } from '../../src/tools/lab/lab.js';
import { Task, type Stdio } from '../../src/socket/task.js';
import * as sys from '../../src/socket/syscalls.js';
import { programs } from '../../src/tools/registry.js';
import { BufferStdio } from '../../src/tools/tool.js';

const quiet: Stdio = { write: () => {} };

export interface ToolRun {
  rc: number;
  out: string;
  err: string;
}

export interface Scenario {
  k: Kernel;
  /** Output of the setup script. */
  setupOut: string;
  net(name: string): Net;
  /** A process in namespace `name` (its sockets are closed by `exitTask`). */
  task(name: string): Task;
  /** Run one tool command line (no shell syntax) as a process in namespace `name`. */
  run(name: string, line: string): Promise<ToolRun>;
  /** `nstat -az NAMES...` in namespace `name`, as a name -> value record. */
  nstat(name: string, ...names: string[]): Promise<Record<string, number>>;
  /** `cat /proc/net/snmp` (and netstat) in namespace `name`, as "Ip.ReasmFails" -> value. */
  snmp(name: string, file?: string): Promise<Record<string, number>>;
  /** Advance virtual time by `seconds`. */
  sleep(seconds: number): Promise<void>;
}

/** Boot a kernel and run the setup `script` (a lab script); it must exit 0. */
export async function scenario(script: string, seed = 1): Promise<Scenario> {
  let k: Kernel | null = null;
  const out = new BufferStdio();
  const err = new BufferStdio();
  const status = await runLab({ file: 'setup.sh', source: script, seed, stdout: out, stderr: err, onKernel: (kk) => { k = kk; } });
  assert.equal(status, 0, err.text);
  const kernel = k as unknown as Kernel;
  const net = (name: string): Net => {
    const n = kernel.netnsNames.get(name);
    assert.ok(n, `no namespace ${name}`);
    return n;
  };
  const run = async (name: string, line: string): Promise<ToolRun> => {
    const argv = line.split(' ').filter((w) => w !== '');
    const o = new BufferStdio();
    const e = new BufferStdio();
    const task = new Task(kernel, net(name), o, e);
    const main = programs.get(argv[0]!);
    assert.ok(main, `no program ${argv[0]}`);
    const rc = await main({ task, argv, stdout: o, stderr: e, env: {}, exec: async () => 127 });
    sys.exitTask(task);
    return { rc, out: o.text, err: e.text };
  };
  return {
    k: kernel,
    setupOut: out.text,
    net,
    task: (name) => new Task(kernel, net(name), quiet, quiet),
    run,
    async nstat(name, ...names) {
      const r = await run(name, `nstat -az ${names.join(' ')}`);
      assert.equal(r.rc, 0, r.err);
      const v: Record<string, number> = {};
      for (const l of r.out.split('\n')) {
        const m = /^(\S+)\s+(\d+)\s/.exec(l);
        if (m) v[m[1]!] = Number(m[2]);
      }
      for (const n of names) assert.ok(n in v, `nstat printed no ${n}:\n${r.out}`);
      return v;
    },
    async snmp(name, file = '/proc/net/snmp') {
      const r = await run(name, `cat ${file}`);
      assert.equal(r.rc, 0, r.err);
      const v: Record<string, number> = {};
      const lines = r.out.split('\n');
      for (let i = 0; i + 1 < lines.length; i += 2) {
        const head = lines[i]!.split(' ');
        const vals = lines[i + 1]!.split(' ');
        const group = head[0]!.replace(/:$/, '');
        for (let j = 1; j < head.length; j++) v[`${group}.${head[j]}`] = Number(vals[j]);
      }
      return v;
    },
    sleep: (seconds) => kernel.sleep(Math.round(seconds * 1e9)),
  };
}

/** Dotted quad -> host-order u32. */
export function ip(s: string): number {
  return s.split('.').reduce((a, b) => a * 256 + Number(b), 0) >>> 0;
}
