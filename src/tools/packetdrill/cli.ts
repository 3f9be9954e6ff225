/**
 * The `packetdrill` command (upstream: packetdrill.c main() + config.c usage):
 * `tuxnet packetdrill [--seed N] [options] FILE.pkt...` and the registered
 * program of the same name. Each script runs on a fresh kernel.
 */
import type { Stdio } from '../../socket/task.js';
import { readHostText, type ToolMain, type HostFs } from '../tool.js';
import type { Kernel } from '../../core/net_namespace.js';
import { SystemError, strerror } from '../../socket/errno.js';
import { bootKernel } from '../../boot.js';
import { VirtualClock } from '../../core/clock.js';
import { defaultConfig, parseArgv } from './config.js';
import { runPacketdrillScript } from './run_script.js';

/** Where the command gets its scripts and kernels (the Node entry: node:fs and createKernel). */
export interface PacketdrillHost {
  /** The host's files (the scripts, and the shell files they name); absent: none. */
  fs?: HostFs;
  /** The environment: relative script paths are read from $PWD (absent: the host's working directory). */
  env?: Record<string, string>;
  /** A fresh kernel on the virtual clock for one script. */
  newKernel(seed: number): Kernel;
}

/**
 * `packetdrill [options] FILE.pkt...` (also `tuxnet packetdrill`): each file on a
 * fresh kernel (seed 1, or --seed N), errors on stderr as upstream prints them;
 * exit status 0 when every script passed, 1 otherwise, 2 for bad usage.
 */
export async function packetdrillCli(argv: string[], stdout: Stdio, stderr: Stdio, host: PacketdrillHost): Promise<number> {
  const cfg = defaultConfig();
  let seed = 1;
  const pass: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--seed' || a.startsWith('--seed=')) {
      const v = a.includes('=') ? a.slice(7) : argv[++i];
      if (v === undefined || !/^[0-9]+$/.test(v)) {
        stderr.write(`packetdrill: bad --seed: ${v ?? ''}\n`);
        return 2;
      }
      seed = Number(v);
      continue;
    }
    if (a === '-h' || a === '--help') {
      stderr.write(USAGE);
      return 0;
    }
    pass.push(a);
  }
  try {
    parseArgv(cfg, pass);
  } catch (e) {
    stderr.write(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (cfg.files.length === 0) {
    stderr.write(USAGE);
    return 2;
  }
  const optArgs = pass.filter((a) => !cfg.files.includes(a));
  const files = { fs: host.fs, env: host.env ?? {} };
  let status = 0;
  for (const file of cfg.files) {
    let text: string;
    try {
      text = readHostText(files, file);
    } catch (e) {
      stderr.write(`parse error opening script file '${file}': ${e instanceof SystemError ? strerror(e.errno) : String(e)}\n`);
      status = 1;
      continue;
    }
    const k = host.newKernel(seed);
    const r = await runPacketdrillScript(k, text, { path: file, argv: optArgs, stdout, fs: host.fs, env: files.env });
    for (const e of r.errors) stderr.write(e.endsWith('\n') ? e : e + '\n');
    if (!r.ok) status = 1;
  }
  return status;
}

const USAGE = `Usage: packetdrill
\t[--ip_version=ipv4]
\t[--bind_port=bind_port]
\t[--connect_port=connect_port]
\t[--remote_ip=remote_ip]
\t[--local_ip=local_ip]
\t[--gateway_ip=gateway_ip]
\t[--netmask_ip=netmask_ip]
\t[--init_scripts=<comma separated filenames>
\t[--mtu=<MTU in bytes>
\t[--tolerance_usecs=tolerance_usecs]
\t[--tolerance_percent=percentage]
\t[--tcp_ts_ecr_scaled]
\t[--tcp_ts_tick_usecs=<microseconds per TCP TS val tick>]
\t[--strict_segments]
\t[--non_fatal=<comma separated types: packet,syscall>]
\t[--define symbol1=val1 --define symbol2=val2 ...]
\t[--verbose|-v]
\t[--seed=N]   (tuxnet: seed of the kernel's random numbers, default 1)
\tscript_path ...
`;

/** The `packetdrill` program of the tools registry (runs inside labs too). */
export const packetdrillMain: ToolMain = (ctx) => packetdrillCli(ctx.argv.slice(1), ctx.stdout, ctx.stderr, {
  fs: ctx.fs,
  env: ctx.env,
  // Each script gets its own machine, booted on the host this kernel runs on.
  newKernel: (seed) => bootKernel({ clock: new VirtualClock(), platform: ctx.task.kernel.sched.platform, seed }),
});
