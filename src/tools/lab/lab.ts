/**
 * `tuxnet lab FILE [--seed N] [--capture DIR] [--trace] [--realtime]`: boot a
 * kernel, parse the whole script (a syntax error stops everything before the
 * first command runs, exit status 2), run it with the lab shell (shell.ts), and
 * exit with the script's status. No kernel counterpart: this is the "machine"
 * a lab runs on, the in-process equivalent of `sudo bash FILE` on a Linux host.
 *
 * --seed N      the kernel's rng seed (MAC addresses, netem decisions); default 1.
 *               Same script + same seed = same output and byte-identical captures.
 * --capture DIR one pcapng per device of every namespace, `DIR/<ns>-<dev>.pcapng`
 *               (src/tools/capture.ts names and writes them).
 * --trace       print every packet's path through the kernel's tracepoints (trace.ts).
 * --realtime    run on the wall clock instead of virtual time (`sleep 1` takes 1 s).
 */
import { readFileSync } from 'node:fs';
import { hostFile, hostInput, nodeHostFs } from '../../platform/node/host_fs.js';
import type { Kernel } from '../../core/net_namespace.js';
import type { Stdio } from '../../socket/task.js';
import type { ToolMain } from '../tool.js';
import { programs as registry } from '../registry.js';
import { createKernel } from '../../index.js';
import { parseScript, LabSyntaxError } from './parse.js';
import { LabShell } from './shell.js';
import { startPacketTrace } from './trace.js';
import { startCapture } from '../capture.js';

export interface LabOptions {
  /** Script path (for messages, and read from disk when `source` is not given). */
  file: string;
  source?: string;
  seed?: number;
  captureDir?: string;
  trace?: boolean;
  realtime?: boolean;
  stdout: Stdio;
  stderr: Stdio;
  /** Positional parameters $1... */
  args?: string[];
  /** Programs (default: the tools registry). */
  programs?: Map<string, ToolMain>;
  /** Called with the kernel once booted (tests inspect it). */
  onKernel?: (k: Kernel) => void;
  /**
   * Called once the kernel is booted and capture started, before the first command
   * (`tuxnet tap` attaches its devices here). A rejection ends the lab before the
   * script runs; it propagates to the caller.
   */
  prepare?: (k: Kernel) => Promise<void>;
  /** Called with the shell before the script runs (to interrupt it on a signal). */
  onShell?: (shell: LabShell) => void;
  /** Passed to LabShell.run: awaited after the last statement, before jobs are killed. */
  hold?: () => Promise<void>;
}

/** Run a lab script; resolves to its exit status (2 for a syntax error). */
export async function runLab(opts: LabOptions): Promise<number> {
  let source = opts.source;
  if (source === undefined) {
    try {
      source = readFileSync(opts.file, 'utf8');
    } catch (e) {
      const code = (e as { code?: string }).code;
      const why = code === 'ENOENT' ? 'No such file or directory' : code === 'EISDIR' ? 'Is a directory' : String(e);
      opts.stderr.write(`tuxnet lab: ${opts.file}: ${why}\n`);
      return 127;
    }
  }
  let script;
  try {
    script = parseScript(opts.file, source);
  } catch (e) {
    if (e instanceof LabSyntaxError) {
      opts.stderr.write(e.message + '\n');
      return 2;
    }
    throw e;
  }
  const k = createKernel({ seed: opts.seed ?? 1, time: opts.realtime ? 'real' : 'virtual' });
  opts.onKernel?.(k);
  const capture = opts.captureDir !== undefined ? startCapture(k, opts.captureDir) : null;
  const tracer = opts.trace ? startPacketTrace(k, opts.stdout) : null;
  if (opts.prepare) {
    try {
      await opts.prepare(k);
    } catch (e) {
      tracer?.stop();
      await capture?.stop();
      throw e;
    }
  }
  const shell = new LabShell({
    kernel: k,
    stdout: opts.stdout,
    stderr: opts.stderr,
    programs: opts.programs ?? registry,
    args: opts.args,
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', USER: 'root' },
    openFile: hostFile,
    openInput: hostInput,
    hostFs: nodeHostFs,
  });
  opts.onShell?.(shell);
  try {
    return await shell.run(script, opts.hold);
  } finally {
    k.settle();
    tracer?.stop();
    await capture?.stop();
  }
}
