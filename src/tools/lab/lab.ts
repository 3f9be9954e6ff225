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
import { readFileSync, openSync, writeSync, readSync, closeSync, statSync, fstatSync } from 'node:fs';
import type { Kernel } from '../../core/net_namespace.js';
import type { Stdio } from '../../socket/task.js';
import { EISDIR, SystemError } from '../../socket/errno.js';
import type { ToolMain, HostFs } from '../tool.js';
import { programs as registry } from '../registry.js';
import { createKernel } from '../../index.js';
import { parseScript, LabSyntaxError } from './parse.js';
import { LabShell, type RedirectFile, type RedirectInput } from './shell.js';
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

/** errno of a failed host open(2), from Node's error code. */
function hostErrno(e: unknown): number {
  const code = (e as { code?: string }).code;
  return code === 'ENOENT' ? 2 : code === 'EACCES' ? 13 : code === 'EISDIR' ? 21 : 5;
}

/** A redirection target file on the host (node:fs). */
function hostFile(path: string, append: boolean): RedirectFile {
  let fd: number;
  try {
    fd = openSync(path, append ? 'a' : 'w');
  } catch (e) {
    throw new SystemError(hostErrno(e), 'open', path);
  }
  return {
    write: (t: string) => {
      if (fd >= 0) writeSync(fd, t);
    },
    writeBytes: (b: Uint8Array) => {
      let off = 0;
      while (fd >= 0 && off < b.length) off += writeSync(fd, b, off, b.length - off);
    },
    close: () => {
      if (fd >= 0) closeSync(fd);
      fd = -1;
    },
  };
}

/** Bytes per read(2) of a `<FILE` input (what `nc` then sends in one write). */
const INPUT_CHUNK = 128 * 1024;

/**
 * A `<FILE` input on the host: read(2) in INPUT_CHUNK pieces, synchronously (a
 * local file does not block for long), each chunk a fresh array the reader owns.
 */
export function hostInput(path: string): RedirectInput {
  let fd = -1;
  let errno = 0;
  try {
    fd = openSync(path, 'r');
    // Opening a directory succeeds and reading it fails with EISDIR (a zero-length
    // read does not reach the file system): refuse it here, as an error bash reports.
    if (fstatSync(fd).isDirectory()) errno = EISDIR;
  } catch (e) {
    errno = hostErrno(e);
  }
  if (errno !== 0) {
    // Failed after the open: do not leak the descriptor.
    if (fd >= 0) {
      try {
        closeSync(fd);
      } catch {
        // The first error is the one to report.
      }
    }
    throw new SystemError(errno, 'open', path);
  }
  const dec = new TextDecoder();
  const readBytes = async (): Promise<Uint8Array | null> => {
    if (fd < 0) return null;
    const buf = new Uint8Array(INPUT_CHUNK);
    const n = readSync(fd, buf, 0, buf.length, null);
    return n === 0 ? null : buf.subarray(0, n);
  };
  return {
    readBytes,
    read: async () => {
      const b = await readBytes();
      if (b !== null) return dec.decode(b, { stream: true });
      const tail = dec.decode();
      return tail === '' ? null : tail;
    },
    close: () => {
      if (fd >= 0) closeSync(fd);
      fd = -1;
    },
  };
}

/** errno of a failed host call, from Node's error code. */
function hostCallErrno(e: unknown): number {
  const code = (e as { code?: string }).code;
  const table: Record<string, number> = { ENOENT: 2, EACCES: 13, EISDIR: 21, ENOTDIR: 20, ELOOP: 40, ENAMETOOLONG: 36, EPERM: 1 };
  return (code !== undefined ? table[code] : undefined) ?? 5;
}

/** The host's files for programs (ToolContext.fs): node:fs, synchronous. */
export const nodeHostFs: HostFs = {
  stat: (path) => {
    try {
      const st = statSync(path);
      return { isFile: st.isFile(), isDirectory: st.isDirectory(), size: st.size, mtimeMs: st.mtimeMs };
    } catch (e) {
      throw new SystemError(hostCallErrno(e), 'stat', path);
    }
  },
  open: (path) => {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (e) {
      throw new SystemError(hostCallErrno(e), 'open', path);
    }
    return {
      read: (buf, position) => {
        try {
          return readSync(fd, buf, 0, buf.length, position);
        } catch (e) {
          throw new SystemError(hostCallErrno(e), 'read', path);
        }
      },
      close: () => {
        if (fd >= 0) closeSync(fd);
        fd = -1;
      },
    };
  },
};

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
