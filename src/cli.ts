#!/usr/bin/env node
/**
 * The `tuxnet` command (package.json "bin"):
 *
 *   tuxnet lab FILE [--seed N] [--capture DIR] [--trace] [--realtime] [ARGS...]
 *   tuxnet run [--seed N] PROGRAM [ARGS...]
 *   tuxnet packetdrill [--seed N] [OPTIONS] FILE.pkt...
 *   tuxnet tap --dev TAP[=DEV]... [--vnet-hdr] [--link DEV=SPEC]... [--script FILE] (cli_tap.ts)
 *   tuxnet relay [--listen HOST:PORT] (platform/node/relay.ts)
 *   tuxnet --help | --version
 *
 * `lab` runs a lab script (src/tools/lab/); `run` runs one program (ip, bridge,
 * tc, tcpdump ...) against a freshly booted kernel, which is mostly useful to
 * read a tool's help or see a pristine host's `ip link`. Usage errors exit 2.
 */
import { readFileSync } from 'node:fs';
import { runLab } from './tools/lab/lab.js';
import { programs } from './tools/registry.js';
import { packetdrillCli } from './tools/packetdrill/index.js';
import { tapCli } from './cli_tap.js';

const USAGE = `Usage: tuxnet lab FILE [--seed N] [--capture DIR] [--trace] [--realtime] [ARGS...]
       tuxnet run [--seed N] PROGRAM [ARGS...]
       tuxnet packetdrill [--seed N] [OPTIONS] FILE.pkt...
       tuxnet tap --dev TAP[=DEV]... [--vnet-hdr] [--link DEV=SPEC]...
                  [--script FILE] [--seed N] [--capture DIR] [-- ARGS...]
       tuxnet relay [--listen HOST:PORT] [--quiet]
       tuxnet --help | --version

tuxnet is the Linux networking stack rebuilt in TypeScript. A lab is a shell
script (one command per line) that runs in-process on a virtual clock, with
no root and no network, and also runs unchanged under bash on a Linux host.

  lab FILE        run the lab script FILE
    --seed N      seed of the kernel's random numbers (default 1): same seed,
                  same output, byte-identical captures
    --capture DIR write one pcapng file per device, DIR/<netns>-<dev>.pcapng
    --trace       print every packet's path through the kernel's tracepoints
    --realtime    run on the wall clock instead of virtual time
  run PROGRAM     run one program (e.g. \`tuxnet run ip link\`) on a fresh kernel
  packetdrill     run packetdrill scripts (google/packetdrill's dialect, local
                  mode over tun0), each on a fresh kernel; options as upstream's
  tap             run a host in real time on Linux TAP interfaces and VM links
                  until SIGINT/SIGTERM (\`tuxnet tap --help\`)
  relay           a WebSocket Ethernet switch for v86 (relay_url) and ws: links
                  (default --listen 127.0.0.1:8086), until SIGINT/SIGTERM

Programs: ${'%PROGRAMS%'}
`;

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return 'unknown';
  }
}

// Bytes are copied: the stream may keep a Buffer after write() returns, the caller reuses its array.
const out = {
  write: (t: string) => void process.stdout.write(t),
  writeBytes: (b: Uint8Array) => void process.stdout.write(Buffer.from(b)),
};
const err = { write: (t: string) => void process.stderr.write(t) };

function usageError(msg: string): number {
  err.write(`tuxnet: ${msg}\nTry 'tuxnet --help' for more information.\n`);
  return 2;
}

interface Parsed {
  seed?: number;
  capture?: string;
  trace?: boolean;
  realtime?: boolean;
  rest: string[];
}

/** Options before the first operand; `--` ends them. */
function parseOptions(argv: string[], allowed: Set<string>): Parsed | string {
  const p: Parsed = { rest: [] };
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('--') || a === '-') break;
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (!allowed.has(name)) return `unrecognized option '${a}'`;
    const value = (): string | null => (eq > 0 ? a.slice(eq + 1) : (argv[++i] ?? null));
    if (name === '--seed') {
      const v = value();
      if (v === null || !/^[0-9]+$/.test(v) || Number(v) > 0xffffffff) return `invalid seed '${v ?? ''}': expected an integer 0..4294967295`;
      p.seed = Number(v);
    } else if (name === '--capture') {
      const v = value();
      if (v === null || v === '') return "option '--capture' requires a directory";
      p.capture = v;
    } else if (name === '--trace') {
      p.trace = true;
    } else if (name === '--realtime') {
      p.realtime = true;
    }
  }
  p.rest = argv.slice(i);
  return p;
}

/** Options may also follow FILE (`tuxnet lab x.sh --seed 2`): pull them out up to `--`. */
function hoistLabOptions(argv: string[]): string[] {
  const opts: string[] = [];
  const operands: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      operands.push(...argv.slice(i));
      break;
    }
    if (/^--(seed|capture)$/.test(a)) {
      opts.push(a);
      if (i + 1 < argv.length) opts.push(argv[++i]!);
    } else if (a.startsWith('--')) {
      opts.push(a);
    } else {
      operands.push(a);
    }
  }
  return [...opts, ...(operands[0] === '--' ? operands : ['--', ...operands])];
}

async function main(argv: string[]): Promise<number> {
  const cmd = argv[0];
  if (cmd === undefined) return usageError('missing command');
  if (cmd === '--help' || cmd === '-h' || cmd === 'help') {
    out.write(USAGE.replace('%PROGRAMS%', [...programs.keys(), 'echo', 'sleep', 'true', 'false'].sort().join(' ')));
    return 0;
  }
  if (cmd === '--version' || cmd === '-V') {
    out.write(`tuxnet ${version()}\n`);
    return 0;
  }
  if (cmd === 'lab') {
    const p = parseOptions(hoistLabOptions(argv.slice(1)), new Set(['--seed', '--capture', '--trace', '--realtime']));
    if (typeof p === 'string') return usageError(`lab: ${p}`);
    const [file, ...args] = p.rest;
    if (file === undefined) return usageError('lab: missing FILE');
    const lab = (): Promise<number> => runLab({
      file, args, seed: p.seed, captureDir: p.capture, trace: p.trace, realtime: p.realtime, stdout: out, stderr: err,
    });
    return p.realtime ? runKeptAlive(lab) : runWatched(lab);
  }
  if (cmd === 'run') {
    const p = parseOptions(argv.slice(1), new Set(['--seed']));
    if (typeof p === 'string') return usageError(`run: ${p}`);
    if (p.rest.length === 0) return usageError('run: missing PROGRAM');
    const line = p.rest.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
    return runWatched(() => runLab({ file: 'tuxnet-run', source: line + '\n', seed: p.seed, stdout: out, stderr: err }));
  }
  if (cmd === 'packetdrill') return runWatched(() => packetdrillCli(argv.slice(1), out, err));
  if (cmd === 'tap') return exitAfterShutdown(await tapCli(argv.slice(1), out, err));
  if (cmd === 'relay') return (await import('./platform/node/relay.js')).relayCli(argv.slice(1), out, err);
  return usageError(`unknown command '${cmd}'`);
}

/**
 * Run a lab and notice when it can never finish: in virtual time, when every
 * process is blocked with no kernel timer pending, Node's event loop empties
 * (on a real host the script would hang forever). Say so instead of exiting silently.
 */
function runWatched(fn: () => Promise<number>): Promise<number> {
  let done = false;
  const stuck = (): void => {
    if (done) return;
    err.write('tuxnet: the lab is stuck: every process is blocked and no timer is pending ' +
      '(e.g. `wait` for a job that never ends); giving up\n');
    process.exit(124);
  };
  process.on('beforeExit', stuck);
  return fn().finally(() => {
    done = true;
    process.off('beforeExit', stuck);
  });
}

/**
 * `tuxnet tap` has released its devices and closed its sockets, so the event loop
 * should drain and the process exit; if a handle still holds it, exit anyway.
 */
function exitAfterShutdown(status: number): number {
  setTimeout(() => {
    err.write('tuxnet tap: a handle is still open after shutdown; exiting\n');
    process.exit(status);
  }, 3000).unref();
  return status;
}

/**
 * Real time: kernel timers do not hold the process open (an idle host does not
 * keep Node alive), so the lab does while it runs.
 */
function runKeptAlive(fn: () => Promise<number>): Promise<number> {
  const keep = setInterval(() => {}, 1 << 30);
  return fn().finally(() => clearInterval(keep));
}

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (e: unknown) => {
    err.write(`tuxnet: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 70;
  },
);
