/**
 * `tuxnet tap`: run a tuxnet host (or router) on real wires, in real time, until
 * interrupted.
 *
 *   tuxnet tap --dev TAP[=DEV]... [--vnet-hdr] [--link DEV=SPEC]... [--script FILE]
 *              [--seed N] [--capture DIR] [-- ARGS...]
 *
 * Boots a kernel on the wall clock, attaches each Linux TAP interface TAP as the
 * tuxnet device DEV (default: the TAP's name; src/platform/node/tap.ts) and each
 * VM/emulator link SPEC as DEV (src/platform/node/link_spec.ts: qemu-stream, qemu-dgram,
 * vde, ws), runs the lab-style script FILE (addresses, routes, sysctls, and
 * long-running programs started with `&`: `nc -l`, `iperf3 -s`, `httpd -f`), prints
 * `tuxnet tap: ready` on stderr once the script's foreground part is done, and keeps
 * running. SIGINT or SIGTERM shuts down: every job is killed (their sockets close, a
 * TCP peer sees FIN or RST), the devices are released (a TAP the process created
 * disappears), exit status 0. An `exit N` in the script (or a failure under `set -e`)
 * ends the host at once with status N, before `ready`.
 *
 * No kernel counterpart: this is the machine the stack runs on, as `tuxnet lab` is
 * for virtual time. Errors: usage errors exit 2 (`tuxnet: tap: ...`, as the rest of
 * the CLI); a device that cannot be attached exits 1 with the reason (the TAP
 * loader's TapUnavailableError says what is missing: the addon, /dev/net/tun, root).
 */
import { readFileSync } from 'node:fs';
import { randomInt } from 'node:crypto';
import type { Kernel, Net } from './core/net_namespace.js';
import type { NetDevice } from './core/netdevice.js';
import type { Stdio } from './socket/task.js';
import { runLab } from './tools/lab/lab.js';
import type { LabShell } from './tools/lab/shell.js';

export const TAP_USAGE = `Usage: tuxnet tap --dev TAP[=DEV]... [--vnet-hdr] [--link DEV=SPEC]...
                  [--script FILE] [--seed N] [--capture DIR] [-- ARGS...]

Run a tuxnet host in real time on Linux TAP interfaces and VM links until
SIGINT/SIGTERM; prints "tuxnet tap: ready" on stderr once FILE's foreground
commands are done (background jobs keep running).

  --dev TAP[=DEV]  attach the Linux TAP interface TAP (created if missing,
                   attached if persistent) as the tuxnet device DEV (default TAP)
  --vnet-hdr       TAPs use virtio_net_hdr with checksum and TSO offloads
  --link DEV=SPEC  attach a VM/emulator link as DEV; SPEC is one of
                     qemu-stream:listen|connect:tcp:HOST:PORT
                     qemu-stream:listen|connect:unix:PATH
                     qemu-dgram:LOCALHOST:LPORT:REMOTEHOST:RPORT
                     vde:SOCKPATH    ws:URL
  --script FILE    lab-style script run at start ($1... are ARGS)
  --seed N         seed of the kernel's random numbers (default: random, so
                   two hosts get different MAC addresses)
  --capture DIR    write one pcapng file per device, DIR/<netns>-<dev>.pcapng
`;

/** What an attached device gives back: the tuxnet device and how to release it. */
export interface DeviceHandle {
  dev: NetDevice;
  close(): void | Promise<void>;
}

/** src/platform/node/tap.ts openTap options (the subset `tuxnet tap` uses). */
export interface TapOpenOptions {
  ifname: string;
  devName?: string;
  vnetHdr?: boolean;
}

export type OpenTapFn = (k: Kernel, net: Net, o: TapOpenOptions) => DeviceHandle | Promise<DeviceHandle>;
export type OpenLinkSpecFn = (k: Kernel, net: Net, devName: string, spec: string, log: (msg: string) => void) =>
  Promise<DeviceHandle>;

/** Injection points (tests: a fake TAP, a stop promise instead of signals). */
export interface TapCliDeps {
  openTap?: OpenTapFn;
  openLinkSpec?: OpenLinkSpecFn;
  /** Resolves with a signal name when the host should shut down; default: SIGINT/SIGTERM. */
  stop?: Promise<string>;
  /** Called with the kernel once booted. */
  onKernel?: (k: Kernel) => void;
  /** Called once ready was printed. */
  onReady?: () => void;
}

export interface TapArgs {
  devs: { ifname: string; devName?: string }[];
  links: { devName: string; spec: string }[];
  vnetHdr: boolean;
  script?: string;
  seed?: number;
  capture?: string;
  args: string[];
}

const IFNAMSIZ = 16;

function validIfname(s: string): boolean {
  return s.length > 0 && s.length < IFNAMSIZ && !/[\s/:]/.test(s) && s !== '.' && s !== '..';
}

/** Parse `tuxnet tap`'s arguments; a string is a usage error. */
export function parseTapArgs(argv: string[]): TapArgs | string {
  const a: TapArgs = { devs: [], links: [], vnetHdr: false, args: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      a.args = argv.slice(i + 1);
      break;
    }
    if (!arg.startsWith('--')) return `tap: unexpected argument '${arg}' (script arguments go after '--')`;
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string | null => (eq > 0 ? arg.slice(eq + 1) : (argv[++i] ?? null));
    switch (name) {
      case '--dev': {
        const v = value();
        if (v === null || v === '') return "tap: option '--dev' requires TAP[=DEV]";
        const j = v.indexOf('=');
        const ifname = j < 0 ? v : v.slice(0, j);
        const devName = j < 0 ? undefined : v.slice(j + 1);
        if (!validIfname(ifname)) return `tap: invalid TAP interface name '${ifname}'`;
        if (devName !== undefined && !validIfname(devName)) return `tap: invalid device name '${devName}'`;
        a.devs.push({ ifname, devName });
        break;
      }
      case '--link': {
        const v = value();
        const j = v === null ? -1 : v.indexOf('=');
        if (v === null || j <= 0 || j === v.length - 1) return "tap: option '--link' requires DEV=SPEC";
        const devName = v.slice(0, j);
        if (!validIfname(devName)) return `tap: invalid device name '${devName}'`;
        a.links.push({ devName, spec: v.slice(j + 1) });
        break;
      }
      case '--vnet-hdr':
        if (eq > 0) return "tap: option '--vnet-hdr' doesn't allow an argument";
        a.vnetHdr = true;
        break;
      case '--script': {
        const v = value();
        if (v === null || v === '') return "tap: option '--script' requires a file";
        a.script = v;
        break;
      }
      case '--seed': {
        const v = value();
        if (v === null || !/^[0-9]+$/.test(v) || Number(v) > 0xffffffff) return `tap: invalid seed '${v ?? ''}': expected an integer 0..4294967295`;
        a.seed = Number(v);
        break;
      }
      case '--capture': {
        const v = value();
        if (v === null || v === '') return "tap: option '--capture' requires a directory";
        a.capture = v;
        break;
      }
      default:
        return `tap: unrecognized option '${arg}'`;
    }
  }
  if (a.devs.length === 0 && a.links.length === 0) return 'tap: no device: give --dev TAP or --link DEV=SPEC';
  const names = [...a.devs.map((d) => d.devName ?? d.ifname), ...a.links.map((l) => l.devName)];
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) return `tap: device '${dup}' given twice`;
  return a;
}

// The TAP addon loader and the link drivers (node:net, ws) load only when a device asks for them.
async function defaultOpenTap(k: Kernel, net: Net, o: TapOpenOptions): Promise<DeviceHandle> {
  const m = await import('./platform/node/tap.js');
  return m.openTap(k, net, o);
}

async function defaultOpenLinkSpec(k: Kernel, net: Net, devName: string, spec: string,
  log: (msg: string) => void): Promise<DeviceHandle> {
  const m = await import('./platform/node/link_spec.js');
  return m.openLinkSpec(k, net, devName, spec, log);
}

/** A malformed --link SPEC is a usage error: the parser's reason, or null when every spec parses. */
async function checkLinkSpecs(links: TapArgs['links']): Promise<string | null> {
  if (links.length === 0) return null;
  const m = await import('./platform/node/link_spec.js');
  for (const l of links) {
    try {
      m.parseLinkSpec(l.spec);
    } catch (e) {
      return `tap: --link ${l.devName}: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  return null;
}

/** SIGINT/SIGTERM as a promise; a second signal during shutdown exits at once (128 + signal). */
function processSignals(err: Stdio): { stop: Promise<string>; dispose(): void } {
  let fired = false;
  let resolveStop: (sig: string) => void = () => {};
  const stop = new Promise<string>((r) => (resolveStop = r));
  const handler = (sig: NodeJS.Signals): void => {
    if (fired) {
      err.write(`tuxnet tap: ${sig} again: exiting without cleanup\n`);
      process.exit(128 + (sig === 'SIGINT' ? 2 : 15));
    }
    fired = true;
    resolveStop(sig);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    stop,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

/** Give started background jobs a few event-loop turns to reach their blocking call (listen, accept). */
async function settleJobs(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r));
}

/**
 * `tuxnet tap ARGS`: resolves to the exit status once the host has shut down (its
 * devices released). Usage errors print `tuxnet: tap: ...` and resolve to 2.
 */
export async function tapCli(argv: string[], out: Stdio, err: Stdio, deps: TapCliDeps = {}): Promise<number> {
  const opts = argv.indexOf('--') < 0 ? argv : argv.slice(0, argv.indexOf('--'));
  if (opts.includes('--help') || opts.includes('-h')) {
    out.write(TAP_USAGE);
    return 0;
  }
  const a = parseTapArgs(argv);
  const bad = typeof a === 'string' ? a : deps.openLinkSpec ? null : await checkLinkSpecs(a.links);
  if (typeof a === 'string' || bad !== null) {
    err.write(`tuxnet: ${bad}\nTry 'tuxnet --help' for more information.\n`);
    return 2;
  }
  let source = '';
  const file = a.script ?? 'tuxnet-tap';
  if (a.script !== undefined) {
    try {
      source = readFileSync(a.script, 'utf8');
    } catch (e) {
      const code = (e as { code?: string }).code;
      const why = code === 'ENOENT' ? 'No such file or directory' : code === 'EISDIR' ? 'Is a directory'
        : code === 'EACCES' ? 'Permission denied' : String(e);
      err.write(`tuxnet tap: ${a.script}: ${why}\n`);
      return 127;
    }
  }
  const openTap = deps.openTap ?? defaultOpenTap;
  const openLinkSpec = deps.openLinkSpec ?? defaultOpenLinkSpec;
  const signals = deps.stop ? null : processSignals(err);
  const stop = deps.stop ?? signals!.stop;
  let stopped = false;
  let shell: LabShell | null = null;
  void stop.then(() => {
    stopped = true;
    shell?.interrupt();
  });
  // Kernel timers do not hold the process (an idle host does not keep Node alive): the host does.
  const keepAlive = setInterval(() => {}, 1 << 30);
  const handles: DeviceHandle[] = [];
  let attachFailed = false;
  try {
    const status = await runLab({
      // Unlike a lab, a host on a real wire must not share its MAC addresses (and ISNs) with
      // another tuxnet on the same segment: the default seed is random.
      file, source, args: a.args, seed: a.seed ?? randomInt(0x100000000), captureDir: a.capture, realtime: true, stdout: out, stderr: err,
      onKernel: deps.onKernel,
      prepare: async (k) => {
        const net = k.initNet;
        try {
          for (const d of a.devs) {
            handles.push(await openTap(k, net, { ifname: d.ifname, devName: d.devName, vnetHdr: a.vnetHdr }));
          }
          for (const l of a.links) {
            handles.push(await openLinkSpec(k, net, l.devName, l.spec, (m) => err.write(`tuxnet tap: ${l.devName}: ${m}\n`)));
          }
        } catch (e) {
          attachFailed = true;
          throw e;
        }
      },
      onShell: (s) => {
        shell = s;
        if (stopped) s.interrupt();
      },
      hold: async () => {
        await settleJobs();
        if (stopped) return;
        err.write('tuxnet tap: ready\n');
        deps.onReady?.();
        await stop;
      },
    });
    return stopped ? 0 : status;
  } catch (e) {
    if (!attachFailed) throw e;
    err.write(`tuxnet tap: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  } finally {
    for (const h of handles.reverse()) {
      try {
        await h.close();
      } catch (e) {
        err.write(`tuxnet tap: releasing ${h.dev.name}: ${e instanceof Error ? e.message : String(e)}\n`);
      }
    }
    clearInterval(keepAlive);
    signals?.dispose();
  }
}
