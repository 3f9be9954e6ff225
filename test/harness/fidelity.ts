/**
 * Fidelity helpers: run the same tool script (`ip ...`, `sysctl ...` lines) in a
 * fresh network namespace of this Linux host and in a fresh tuxnet namespace,
 * each line's transcript being "$ LINE\n[STATUS]\nSTDOUT+STDERR". The host side
 * needs root and iproute2/procps (hostAvailable() says why not); its namespace
 * is named `tnx<prefix><pid>`, has IPv6 disabled (tuxnet has no IPv6) and is
 * deleted afterwards. TNX_DUMP=FILE writes FILE.host and FILE.ours, to
 * regenerate a golden transcript.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createKernel } from '../../src/index.js';
import { Task } from '../../src/socket/task.js';
import { programs } from '../../src/tools/registry.js';
import { BufferStdio } from '../../src/tools/tool.js';

/** Why the host side cannot run here, or null when it can. */
export function hostAvailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root';
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
    execFileSync('sysctl', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'iproute2/procps not installed';
  }
  return null;
}

/** Run `setup` then `script` in a new host namespace; the transcript of `script`. */
export function runHostScript(prefix: string, setup: readonly string[], script: readonly string[]): string[] {
  const ns = `tnx${prefix}${process.pid % 100000}`;
  const run = (line: string): string => {
    const r = spawnSync('ip', ['netns', 'exec', ns, ...line.split(' ')], { encoding: 'utf8' });
    return `$ ${line}\n[${r.status}]\n${r.stdout}${r.stderr}`;
  };
  const out: string[] = [];
  try {
    execFileSync('ip', ['netns', 'add', ns]);
    for (const k of ['all', 'default']) {
      execFileSync('ip', ['netns', 'exec', ns, 'sysctl', '-qw', `net.ipv6.conf.${k}.disable_ipv6=1`]);
    }
    for (const l of setup) run(l);
    for (const l of script) out.push(run(l));
  } finally {
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    } catch { /* already gone */ }
  }
  return out;
}

/** A shell over a fresh namespace of a new tuxnet kernel: each call runs one line, returns its transcript. */
export function tuxnetShell(seed = 7): (line: string) => Promise<string> {
  const k = createKernel({ seed });
  const net = k.newNet();
  net.refcnt++;
  return async (line) => {
    const argv = line.split(' ');
    const out = new BufferStdio();
    const err = new BufferStdio();
    const task = new Task(k, net, out, err, 1);
    const main = programs.get(argv[0]!)!;
    const rc = await main({ task, argv, stdout: out, stderr: err, env: {}, exec: async () => 0 });
    return `$ ${line}\n[${rc}]\n${out.text}${err.text}`;
  };
}

/** Run `setup` then `script` on tuxnet; the transcript of `script`. */
export async function runTuxnetScript(setup: readonly string[], script: readonly string[]): Promise<string[]> {
  const sh = tuxnetShell();
  for (const l of setup) await sh(l);
  const out: string[] = [];
  for (const l of script) out.push(await sh(l));
  return out;
}

/** With TNX_DUMP=FILE set, write both transcripts (FILE.host, FILE.ours). */
export function dumpTranscripts(host: readonly string[], ours: readonly string[]): void {
  const f = process.env.TNX_DUMP;
  if (!f) return;
  writeFileSync(`${f}.host`, host.join(''));
  writeFileSync(`${f}.ours`, ours.join(''));
}
