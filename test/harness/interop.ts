/**
 * Interop harness: the real Linux kernel as the peer of a tuxnet host or router across
 * TAP devices (issue 5, item 4). A test opens a `Scope`, which owns everything the test
 * creates and removes it in `close()` (call it in a finally block):
 *
 *   - network namespaces `tnxi<tag><pid>` (`scope.netns(tag)`): IPv6 off (tuxnet has
 *     none, and its autoconfiguration would only add noise to the captures), lo up;
 *   - persistent TAP devices (`ns.tap(name)`) that the kernel side configures before
 *     tuxnet attaches to them, so a tuxnet script may use the link from its first line;
 *   - child processes (`scope.spawn`): the kernel-side programs run with
 *     `ip netns exec NS ...` (which execs, so the pid is the program's), and are killed
 *     by pid when the scope closes, SIGTERM then SIGKILL;
 *   - the tuxnet side, `ip netns exec NS node dist/src/cli.js tap --dev TAP=DEV --script
 *     FILE` (`scope.tuxnet`): resolves once `tuxnet tap: ready` is on its stderr (the
 *     script's foreground part is done), `stop()` sends SIGINT and expects a clean exit 0;
 *   - captures on the kernel side (`scope.capture`): tcpdump in immediate mode (without it
 *     tcpdump leaves the last TPACKET_V3 block unread when interrupted), then
 *     `tsharkExpert(file)`: tshark's expert info with checksum validation on for IPv4,
 *     TCP and UDP (ICMP's is always checked), which must hold no error, no malformed
 *     packet and no bad checksum (ICMP's bad checksum is only a warning in tshark: it is
 *     looked for in every severity).
 *
 * Everything is bounded: each child has a deadline and is killed when it passes it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync, openSync, writeSync, closeSync, createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tapUnavailableReason } from '../../src/platform/node/tap.js';

/** The built CLI (dist/src/cli.js), next to this file's compiled form (dist/test/harness/). */
export const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));

/** The text `tuxnet tap` prints on stderr once its script's foreground part is done. */
export const READY_LINE = 'tuxnet tap: ready';

/** Programs every interop test needs on the Linux side. */
const BASE_TOOLS = ['ip', 'tcpdump', 'tshark'];

function onPath(prog: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${prog}`], { stdio: 'ignore' }).status === 0;
}

/** Why `tools` cannot run here (a program missing), or null: for checks that need no root. */
export function toolsSkipReason(tools: readonly string[]): string | null {
  const missing = tools.filter((p) => !onPath(p));
  return missing.length > 0 ? `missing on this host: ${missing.join(', ')} (.ci/run installs them)` : null;
}

/**
 * Why the Linux side cannot run here (not root, no /dev/net/tun, a program missing), or
 * null. `tools` are the extra programs a test uses (socat, iperf3, ...).
 */
export function linuxSkipReason(tools: readonly string[] = []): string | null {
  if (process.platform !== 'linux') return 'needs Linux (network namespaces, TAP devices)';
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, TAP devices, tcpdump)';
  const missing = [...BASE_TOOLS, ...tools].filter((p) => !onPath(p));
  if (missing.length > 0) return `missing on this host: ${missing.join(', ')} (.ci/run installs them)`;
  return null;
}

/**
 * Why tuxnet cannot attach to a TAP here, or null: the Linux-side reasons, the CLI not
 * built, or the TAP addon's own answer (addon not built or no compiler at install, no
 * /dev/net/tun, not root).
 */
export function tapSkipReason(tools: readonly string[] = []): string | null {
  const linux = linuxSkipReason(tools);
  if (linux) return linux;
  if (!existsSync(CLI)) return `${CLI} missing (run npm run build)`;
  const tap = tapUnavailableReason();
  return tap ? `TAP unavailable: ${tap}` : null;
}

/** The result of a finished child. */
export interface RunResult {
  status: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** The deadline passed and the child was killed. */
  timedOut: boolean;
  /** Wall time from spawn to exit, ms. */
  ms: number;
  /** With `hashStdout`: sha256 (hex) and length of everything written on stdout. */
  sha256?: string;
  bytes?: number;
}

export interface SpawnOptions {
  /** Deadline: the child is killed (SIGKILL) this many ms after it started. Default 60 s. */
  timeoutMs?: number;
  /** Written to the child's stdin, which is then closed. Default: stdin closed at once. */
  input?: string | Uint8Array;
  /** Keep stdin open (the caller writes to `proc.child.stdin`). */
  keepStdin?: boolean;
  /** Hash stdout instead of keeping it (bulk transfers). */
  hashStdout?: boolean;
  /** The most output kept per stream, bytes (the rest is counted, not kept). Default 4 MiB. */
  maxOutput?: number;
}

/** A child process started by a scope. */
export class Proc {
  readonly child: ChildProcess;
  readonly pid: number;
  stdout = '';
  stderr = '';
  exitStatus: number | null = null;
  exitSignal: string | null = null;
  exited = false;
  timedOut = false;
  private readonly start = Date.now();
  private readonly hash: ReturnType<typeof createHash> | null;
  private bytes = 0;
  private readonly done: Promise<void>;
  private readonly watchers = new Set<() => void>();
  private readonly timer: NodeJS.Timeout;

  constructor(readonly argv: readonly string[], opts: SpawnOptions) {
    const max = opts.maxOutput ?? 4 << 20;
    this.hash = opts.hashStdout ? createHash('sha256') : null;
    this.child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    this.pid = this.child.pid ?? -1;
    this.child.on('error', (e) => {
      this.stderr += `spawn ${argv[0]}: ${e.message}\n`;
    });
    this.child.stdout!.on('data', (d: Buffer) => {
      this.bytes += d.length;
      if (this.hash) this.hash.update(d);
      else if (this.stdout.length < max) this.stdout += d.toString('latin1');
      this.notify();
    });
    this.child.stderr!.on('data', (d: Buffer) => {
      if (this.stderr.length < max) this.stderr += d.toString('utf8');
      this.notify();
    });
    this.child.stdin!.on('error', () => { /* the child closed its stdin first */ });
    if (opts.input !== undefined) this.child.stdin!.end(opts.input);
    else if (!opts.keepStdin) this.child.stdin!.end();
    this.done = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        this.exited = true;
        this.exitStatus = code;
        this.exitSignal = signal;
        clearTimeout(this.timer);
        this.notify();
        resolve();
      });
    });
    this.timer = setTimeout(() => {
      if (this.exited) return;
      this.timedOut = true;
      this.kill('SIGKILL');
    }, opts.timeoutMs ?? 60_000);
  }

  private notify(): void {
    for (const w of [...this.watchers]) w();
  }

  /** Send a signal to this child (by pid). */
  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.exited || this.pid <= 0) return;
    try {
      process.kill(this.pid, signal);
    } catch { /* already gone */ }
  }

  /**
   * Wait until `pred(stdout, stderr)` holds (true), the child exits or `timeoutMs` passes
   * (false in both cases unless the predicate holds on the final output).
   */
  waitFor(pred: (stdout: string, stderr: string) => boolean, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const check = (): void => {
        const ok = pred(this.stdout, this.stderr);
        if (ok || this.exited) {
          this.watchers.delete(check);
          clearTimeout(timer);
          resolve(ok);
        }
      };
      const timer = setTimeout(() => {
        this.watchers.delete(check);
        resolve(pred(this.stdout, this.stderr));
      }, timeoutMs);
      this.watchers.add(check);
      check();
    });
  }

  /** Wait for the exit (the deadline given at spawn bounds it). */
  async wait(): Promise<RunResult> {
    await this.done;
    return this.result();
  }

  /** Wait at most `ms` for the exit; true when it exited. */
  async waitExit(ms: number): Promise<boolean> {
    if (this.exited) return true;
    let timer: NodeJS.Timeout | undefined;
    const t = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    const r = await Promise.race([this.done.then(() => true as const), t]);
    clearTimeout(timer);
    return r;
  }

  result(): RunResult {
    return {
      status: this.exitStatus, signal: this.exitSignal, stdout: this.stdout, stderr: this.stderr,
      timedOut: this.timedOut, ms: Date.now() - this.start,
      ...(this.hash ? { sha256: this.hash.copy().digest('hex'), bytes: this.bytes } : {}),
    };
  }

  /** Stop it: SIGTERM (or `signal`), then SIGKILL after `graceMs`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 3000): Promise<RunResult> {
    if (!this.exited) {
      this.kill(signal);
      if (!(await this.waitExit(graceMs))) {
        this.kill('SIGKILL');
        await this.done;
      }
    }
    return this.result();
  }
}

/** A network namespace of this host, created by a scope. */
export class Netns {
  constructor(readonly name: string) {}

  /** Run a short command inside the namespace, synchronously; throws on a non-zero status. */
  sh(line: string, timeoutMs = 10_000): string {
    const r = spawnSync('ip', ['netns', 'exec', this.name, 'sh', '-c', line], {
      encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL',
    });
    if (r.status !== 0) {
      throw new Error(`[${this.name}] ${line}: status ${r.status ?? r.signal}\n${r.stdout}${r.stderr}`);
    }
    return r.stdout;
  }

  /** Create a persistent TAP device here (`ip tuntap add NAME mode tap`), down. */
  tap(name: string): void {
    this.sh(`ip tuntap add dev ${name} mode tap`);
  }

  /** argv for running `argv` inside this namespace. */
  argv(argv: readonly string[]): string[] {
    return ['ip', 'netns', 'exec', this.name, ...argv];
  }
}

/** A tcpdump capture running on the kernel side. */
export class Capture {
  constructor(readonly file: string, private readonly proc: Proc) {}

  /** Stop tcpdump (SIGINT, it writes its statistics) and return how many packets it kept. */
  async stop(): Promise<{ captured: number; dropped: number; stderr: string }> {
    // Let the last frames reach the ring before interrupting.
    await new Promise((r) => setTimeout(r, 200));
    const r = await this.proc.stop('SIGINT', 5000);
    const num = (re: RegExp): number => Number(re.exec(r.stderr)?.[1] ?? -1);
    return {
      captured: num(/(\d+) packets? captured/), stderr: r.stderr,
      dropped: num(/(\d+) packets? dropped by kernel/) + Math.max(num(/(\d+) packets? dropped by interface/), 0),
    };
  }
}

export interface CaptureOptions {
  /** Bytes kept per packet (tcpdump -s). Default 0 (whole packets). */
  snaplen?: number;
  /** Stop after this many packets (tcpdump -c). */
  count?: number;
  /** A pcap filter expression. */
  filter?: string;
}

/** The output of `tuxnet tap` running as a child process. */
export class Tuxnet {
  constructor(readonly proc: Proc, readonly scriptFile: string) {}

  get stdout(): string {
    return this.proc.stdout;
  }

  get stderr(): string {
    return this.proc.stderr;
  }

  /**
   * Interrupt it (SIGINT, as Ctrl-C) and wait for the exit; throws unless it exits with
   * status 0 within `graceMs` (it is then killed).
   */
  async stop(graceMs = 10_000): Promise<RunResult> {
    const r = await this.proc.stop('SIGINT', graceMs);
    if (r.status !== 0) {
      throw new Error(`tuxnet tap did not exit cleanly on SIGINT (status ${r.status}, signal ${r.signal})\n` +
        `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    }
    return r;
  }
}

export interface TuxnetOptions {
  /** `TAP=DEV` pairs: the TAP's name on Linux, the device's name in tuxnet. */
  devs: readonly string[];
  /** The lab script (its text). */
  script: string;
  vnetHdr?: boolean;
  seed?: number;
  /** How long the foreground part of the script may take. Default 60 s. */
  readyTimeoutMs?: number;
  /** Deadline of the whole process. Default 240 s. */
  timeoutMs?: number;
}

/**
 * Scopes not closed yet. Should the test process end before a test's finally block
 * ran (a node:test timeout lets the process exit while the test still awaits), the
 * exit handler kills their children by pid and deletes their namespaces, so no
 * `tuxnet tap` or tcpdump outlives the test run.
 */
const openScopes = new Set<Scope>();
process.on('exit', () => {
  for (const s of openScopes) s.closeNow();
});

/** Everything one test creates; `close()` removes it all. */
export class Scope {
  private readonly procs: Proc[] = [];
  private readonly namespaces: Netns[] = [];
  readonly dir: string;
  private readonly suffix = String(process.pid % 100000);

  constructor(readonly tag: string) {
    this.dir = mkdtempSync(join(tmpdir(), `tnxi-${tag}-`));
    openScopes.add(this);
  }

  /** A new namespace `tnxi<tag><letter><pid>`, IPv6 off, lo up. */
  netns(letter: string): Netns {
    const ns = new Netns(`tnxi${this.tag}${letter}${this.suffix}`);
    spawnSync('ip', ['netns', 'del', ns.name], { stdio: 'ignore' }); // a leftover of a killed run of ours
    const r = spawnSync('ip', ['netns', 'add', ns.name], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`ip netns add ${ns.name}: ${r.stderr}`);
    this.namespaces.push(ns);
    ns.sh('sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1; ip link set lo up');
    return ns;
  }

  /** A path in this scope's temporary directory; with `content`, the file is written. */
  file(name: string, content?: string | Uint8Array): string {
    const p = join(this.dir, name);
    if (content !== undefined) writeFileSync(p, content);
    return p;
  }

  /** Start `argv` inside `ns` (or on the host when ns is null). */
  spawn(ns: Netns | null, argv: readonly string[], opts: SpawnOptions = {}): Proc {
    const p = new Proc(ns ? ns.argv(argv) : [...argv], opts);
    this.procs.push(p);
    return p;
  }

  /** Run `argv` inside `ns` to its end (bounded by opts.timeoutMs). */
  run(ns: Netns | null, argv: readonly string[], opts: SpawnOptions = {}): Promise<RunResult> {
    return this.spawn(ns, argv, opts).wait();
  }

  /** Start tcpdump on `dev` in `ns`, writing `<dir>/<name>.pcap`; resolves once it listens. */
  async capture(ns: Netns, dev: string, name: string, opts: CaptureOptions = {}): Promise<Capture> {
    const file = this.file(`${name}.pcap`);
    const argv = ['tcpdump', '-Z', 'root', '--immediate-mode', '-U', '-n', '-i', dev, '-s', String(opts.snaplen ?? 0),
      '-w', file];
    if (opts.count !== undefined) argv.push('-c', String(opts.count));
    if (opts.filter) argv.push(...opts.filter.split(' '));
    const p = this.spawn(ns, argv, { timeoutMs: 280_000 });
    if (!(await p.waitFor((_o, e) => e.includes('listening on'), 15_000))) {
      await p.stop();
      throw new Error(`tcpdump on ${ns.name}/${dev} did not start:\n${p.stderr}`);
    }
    return new Capture(file, p);
  }

  /**
   * Start `tuxnet tap` inside `ns` with `script` and wait for its ready line. Rejects
   * (with its output) when it exits first or the foreground part outlasts readyTimeoutMs.
   */
  async tuxnet(ns: Netns, opts: TuxnetOptions): Promise<Tuxnet> {
    const scriptFile = this.file(`tuxnet-${this.procs.length}.sh`, opts.script);
    const argv = [process.execPath, CLI, 'tap'];
    for (const d of opts.devs) argv.push('--dev', d);
    if (opts.vnetHdr) argv.push('--vnet-hdr');
    argv.push('--seed', String(opts.seed ?? 1), '--script', scriptFile);
    const p = this.spawn(ns, argv, { timeoutMs: opts.timeoutMs ?? 240_000 });
    const ready = await p.waitFor((_o, e) => e.includes(READY_LINE), opts.readyTimeoutMs ?? 60_000);
    if (!ready) {
      const why = p.exited ? `exited (status ${p.exitStatus}, signal ${p.exitSignal})` : 'timed out';
      await p.stop('SIGKILL');
      throw new Error(`tuxnet tap ${why} before "${READY_LINE}"\nscript:\n${opts.script}\nstdout:\n${p.stdout}\nstderr:\n${p.stderr}`);
    }
    return new Tuxnet(p, scriptFile);
  }

  /** Kill what is still running (by pid), delete the namespaces and the temporary files. */
  async close(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.stop('SIGTERM', 2000)));
    this.closeNow();
  }

  /** Synchronous part of close(): SIGKILL what still runs, delete namespaces and files. */
  closeNow(): void {
    openScopes.delete(this);
    for (const p of this.procs) p.kill('SIGKILL');
    for (const ns of this.namespaces) {
      // Anything left inside (a grandchild of ours) keeps the namespace's devices alive.
      const pids = spawnSync('ip', ['netns', 'pids', ns.name], { encoding: 'utf8' }).stdout ?? '';
      for (const pid of pids.split(/\s+/).filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch { /* gone */ }
      }
      spawnSync('ip', ['netns', 'del', ns.name], { stdio: 'ignore' });
    }
    if (!process.env.TNXI_KEEP) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** tshark's expert information about one capture. */
export interface ExpertReport {
  /** Every item line, as `Severity/Group/Protocol: Summary (xN)`. */
  items: string[];
  /** The items that fail a capture: any error, any malformed packet, any bad checksum (ICMP's is a warning). */
  problems: string[];
  /**
   * Errors of dissectors above TCP/UDP that tshark picked by port or heuristics for
   * the tests' random payloads (Thrift on port 5001, ...): not the stack's, not failures.
   */
  ignored: string[];
  /** tshark's whole output. */
  text: string;
}

/** The protocols whose errors count: the stack's own, and HTTP (tuxnet's httpd). */
const CHECKED_PROTOCOLS = /^(Frame|ETH|Ethernet|ARP|IPv4|IP|ICMP|TCP|UDP|HTTP)$/i;

/**
 * tshark with checksum validation for IPv4, TCP and UDP (ICMP's is always on), and
 * without TCP stream reassembly for the protocols above: the tests' random payloads
 * otherwise wake dissectors (Thrift, ...) that may gather a whole 200 MiB stream (one
 * such run took tshark over 3 minutes for 20000 packets).
 */
export const TSHARK_CHECKSUMS = [
  '-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE',
  '-o', 'tcp.desegment_tcp_streams:FALSE',
];

/**
 * `tshark -r FILE -q -z expert[,FILTER]` with checksum validation, parsed. With `filter`
 * (a display filter) only the matching packets are judged: with checksum offload on the
 * kernel's side, a capture there holds the kernel's own packets before their checksums
 * are filled in, and only tuxnet's are to be checked.
 */
export function tsharkExpert(file: string, filter?: string): ExpertReport {
  const z = filter ? `expert,${filter}` : 'expert';
  const r = spawnSync('tshark', ['-n', '-r', file, '-q', ...TSHARK_CHECKSUMS, '-z', z], {
    encoding: 'utf8', timeout: 90_000, killSignal: 'SIGKILL', maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`tshark -r ${file}: status ${r.status ?? r.signal}\n${r.stderr}`);
  const items: string[] = [];
  const ignored: string[] = [];
  const problems = new Map<string, number>();
  let severity = '';
  for (const line of r.stdout.split('\n')) {
    const head = /^(Errors|Warns|Notes|Chats|Comments) \(\d+\)/.exec(line);
    if (head) {
      severity = head[1]!;
      continue;
    }
    const m = /^\s+(\d+)\s+(\S+)\s+(\S+)\s+(.*)$/.exec(line);
    if (!m || !severity) continue;
    items.push(`${severity}/${m[2]}/${m[3]}: ${m[4]} (x${m[1]})`);
    // Checksum items other than "Bad checksum" are not failures: "TCP Checksum 0xffff
    // instead of 0x0000 (see RFC 1624)" is what Linux's skb_checksum_help() writes too
    // (csum_fold(csum) ?: CSUM_MANGLED_0, for every protocol), and it verifies.
    const bad = severity === 'Errors' || m[2] === 'Malformed' || /bad checksum|malformed/i.test(m[4]!);
    if (bad && !CHECKED_PROTOCOLS.test(m[3]!)) {
      ignored.push(items[items.length - 1]!);
    } else if (bad) {
      // One entry per kind: "Bad checksum [should be 0x1234]" differs per packet.
      const kind = `${severity}/${m[2]}/${m[3]}: ${m[4]!.replace(/ \[should be 0x[0-9a-f]+\]/, '')}`;
      problems.set(kind, (problems.get(kind) ?? 0) + Number(m[1]));
    }
  }
  return { items, problems: [...problems].map(([k, n]) => `${k} (x${n})`), ignored, text: r.stdout };
}

/** Throw with tshark's report when the capture holds an error, a malformed packet or a bad checksum. */
export function assertCleanCapture(file: string, filter?: string): ExpertReport {
  const rep = tsharkExpert(file, filter);
  if (rep.problems.length > 0) {
    const text = rep.text.length > 6000 ? `${rep.text.slice(0, 6000)}\n...` : rep.text;
    throw new Error(`tshark expert on ${file}${filter ? ` (${filter})` : ''}: ${rep.problems.join('; ')}\n${text}`);
  }
  return rep;
}

/** `tshark -r FILE -Y FILTER -T fields -e F...`: one array of field values per matching packet. */
export function tsharkFields(file: string, filter: string, fields: readonly string[]): string[][] {
  const argv = ['-n', '-r', file, ...TSHARK_CHECKSUMS, '-T', 'fields', '-E', 'occurrence=f'];
  if (filter) argv.push('-Y', filter);
  for (const f of fields) argv.push('-e', f);
  const r = spawnSync('tshark', argv, { encoding: 'utf8', timeout: 90_000, killSignal: 'SIGKILL', maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`tshark ${argv.join(' ')}: status ${r.status ?? r.signal}\n${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
}

/** Write `bytes` random bytes to `path` (in 1 MiB pieces) and return their sha256. */
export function randomFile(path: string, bytes: number): string {
  const h = createHash('sha256');
  const fd = openSync(path, 'w');
  try {
    for (let left = bytes; left > 0;) {
      const chunk = randomBytes(Math.min(left, 1 << 20));
      h.update(chunk);
      writeSync(fd, chunk);
      left -= chunk.length;
    }
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

/** sha256 (hex) and length of a file. */
export function sha256File(path: string): Promise<{ sha256: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    let bytes = 0;
    createReadStream(path)
      .on('data', (d) => {
        const b = d as Buffer;
        bytes += b.length;
        h.update(b);
      })
      .on('error', reject)
      .on('end', () => resolve({ sha256: h.digest('hex'), bytes }));
  });
}

/** Bits per second as `N.NN Gbit/s` / `Mbit/s`. */
export function rate(bytes: number, ms: number): string {
  const bps = (bytes * 8) / (ms / 1000);
  return bps >= 1e9 ? `${(bps / 1e9).toFixed(2)} Gbit/s` : `${(bps / 1e6).toFixed(1)} Mbit/s`;
}

/** Pause for `ms` of wall time. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
