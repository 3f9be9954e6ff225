/**
 * The lab shell: runs a parsed lab script (parse.ts) against one kernel, the way
 * bash runs it on a Linux host. No kernel counterpart: this is userspace (bash's
 * execute_cmd.c and jobs.c, cut down). Every command is a process: a Task forked
 * from the shell's own task, in the namespace the shell is in (the initial one),
 * with its own pid; programs come from the tools registry and hostUtilities().
 *
 * Semantics are bash's defaults:
 *   - a failing command does not stop the script (`set -e` turns that on, as in bash);
 *   - `cmd &` starts a background job silently (non-interactive bash prints nothing);
 *     `$!` is its pid; `jobs`, `wait [%N|PID]`, `kill [-SIG] %N|PID` work on the job
 *     table; `kill` ends every process of the job (blocking syscalls return EINTR,
 *     `sleep` returns 143 like a process killed by SIGTERM);
 *   - `exit [N]`; the script's status is the last command's.
 * Differences, all deliberate: errors are printed as `FILE:LINE: message` (bash:
 * `FILE: line N: message`); when the script ends, jobs still running are killed
 * and waited for, so a lab never leaves processes behind (bash would orphan them);
 * a job ended by `kill` is not announced (bash prints `FILE: line N: PID
 * Terminated  CMD` on stderr when it reaps one; `jobs` shows it as Terminated).
 * `set -x` prints `+ ARGS` on stderr like bash. `<FILE` gives a program a stdin
 * that hands out the file's bytes (readBytes) or text (read); a command without
 * it reads /dev/null, as bash's background jobs do. Programs run as processes of
 * their own even for bash builtins such as `echo` (like /bin/echo), so `$!` and
 * pids count them; pids start at 100 and are deterministic.
 */
import type { Kernel } from '../../core/net_namespace.js';
import { Task, type Stdio } from '../../socket/task.js';
import { exitTask, fork as forkTask } from '../../socket/syscalls.js';
import { SystemError, ENOENT } from '../../socket/errno.js';
import type { ToolContext, ToolMain, Stdin, HostFs } from '../tool.js';
import type { Script, SimpleCommand, Statement, Word, AndOrList } from './parse.js';
import { hostUtilities, STATUS_SIGTERM } from './utils.js';

/** Status of a command skipped or ended by an interrupt (128 + SIGINT), as a shell reports it. */
const STATUS_SIGINT = 128 + 2;

/** A file opened by a redirection. */
export interface RedirectFile extends Stdio {
  close(): void;
}

/** A file opened for reading by `<FILE`. */
export interface RedirectInput extends Stdin {
  close(): void;
}

export interface LabShellOptions {
  kernel: Kernel;
  stdout: Stdio;
  stderr: Stdio;
  /** Programs by name (default: none besides hostUtilities; the lab passes the registry). */
  programs?: Map<string, ToolMain>;
  /** Positional parameters ($1 ...). */
  args?: string[];
  /** Initial variables (the environment). */
  env?: Record<string, string>;
  /** Open a file for `>FILE`/`>>FILE`; throws a SystemError on failure. Default: refuse. */
  openFile?: (path: string, append: boolean) => RedirectFile;
  /** Open a file for `<FILE`; throws a SystemError on failure. Default: refuse. */
  openInput?: (path: string) => RedirectInput;
  /** The host's files for programs (ToolContext.fs). Default: none. */
  hostFs?: HostFs;
}

const SIGNALS: Record<string, number> = { HUP: 1, INT: 2, QUIT: 3, KILL: 9, USR1: 10, USR2: 12, TERM: 15 };

/** A background (or the foreground) job: one statement and every process it started. */
export class Job {
  status: number | null = null;
  readonly tasks = new Set<Task>();
  promise: Promise<number> = Promise.resolve(0);
  constructor(readonly id: number, readonly pid: number, readonly text: string) {}
  /** Signal every process of the job (they see EINTR). */
  kill(): void {
    for (const t of [...this.tasks]) t.kill();
  }
}

/** `exit` unwinds through this. */
class ExitRequest {
  constructor(readonly status: number) {}
}

export class LabShell {
  readonly kernel: Kernel;
  readonly root: Task;
  readonly vars = new Map<string, string>();
  readonly jobs: Job[] = [];
  /** `set -e` / `set -x` / `set -u`. */
  errexit = false;
  xtrace = false;
  nounset = false;
  lastStatus = 0;
  lastBgPid = '';
  /** Set by interrupt(): no further statement runs. */
  interrupted = false;
  /** The foreground job while one runs. */
  private fg: Job | null = null;
  /** Daemons started by programs (ToolContext.daemon), with what ends them. */
  private readonly daemons = new Map<Task, Promise<void>>();
  private nextPid = 100;
  private readonly programs: Map<string, ToolMain>;
  private readonly utilities = hostUtilities();
  private file = '';
  private args: string[];

  constructor(private readonly opts: LabShellOptions) {
    this.kernel = opts.kernel;
    this.root = new Task(opts.kernel, opts.kernel.initNet, opts.stdout, opts.stderr, this.allocPid());
    this.programs = opts.programs ?? new Map();
    this.args = opts.args ?? [];
    for (const [k, v] of Object.entries(opts.env ?? {})) this.vars.set(k, v);
  }

  private allocPid(): number {
    return this.nextPid++;
  }

  /**
   * Run a parsed script; resolves to its exit status. `hold`, when given, runs once
   * every statement has (not after `exit` or an interrupt), while background jobs
   * still run: `tuxnet tap` waits there for SIGINT before the jobs are killed.
   */
  async run(script: Script, hold?: () => Promise<void>): Promise<number> {
    const status = await this.runStatements(script, hold);
    await this.reapAll();
    return status;
  }

  /** The statements of a script in order, until the end, `exit` or an interrupt; then `hold`. */
  private async runStatements(script: Script, hold?: () => Promise<void>): Promise<number> {
    this.file = script.file;
    let status = 0;
    try {
      for (const st of script.statements) {
        if (this.interrupted) break;
        status = await this.statement(st);
      }
      if (hold && !this.interrupted) await hold();
    } catch (e) {
      if (!(e instanceof ExitRequest)) throw e;
      status = e.status;
    }
    return status;
  }

  /**
   * Run one parsed piece of an interactive session (the library's `kernel.sh`): like
   * run(), but background jobs and daemons outlive it, as they outlive a command line
   * in an interactive shell; `exit N` ends only this piece, with status N. End the
   * session with shutdown().
   */
  async runInteractive(script: Script): Promise<number> {
    const status = await this.runStatements(script);
    // Finished background jobs are reaped (bash forgets them once reported).
    for (let i = this.jobs.length - 1; i >= 0; i--) if (this.jobs[i]!.status !== null) this.jobs.splice(i, 1);
    return status;
  }

  /** End an interactive session: kill every job and daemon and wait for them (the shell exits). */
  async shutdown(): Promise<void> {
    this.interrupted = true;
    await this.reapAll();
  }

  /**
   * SIGINT/SIGTERM to the whole script (`tuxnet tap` on Ctrl-C): the foreground
   * process and every job are killed and no further statement runs.
   */
  interrupt(): void {
    this.interrupted = true;
    this.fg?.kill();
    for (const j of this.jobs) if (j.status === null) j.kill();
    for (const t of this.daemons.keys()) t.kill();
  }

  /** ToolContext.daemon: a process outside every job, its output on /dev/null. */
  private daemon(parent: Task, body: (task: Task) => Promise<void>): number {
    const devNull: Stdio = { write: () => {} };
    // fork(2): the child holds the parent's open files (a daemon's listening socket).
    const t = forkTask(parent, devNull, devNull, this.allocPid());
    const done = body(t).catch(() => {}).finally(() => {
      this.daemons.delete(t);
      exitTask(t);
    });
    this.daemons.set(t, done);
    return t.pid;
  }

  /** End of script: kill what still runs (jobs and daemons) and wait for it. */
  private async reapAll(): Promise<void> {
    for (const j of this.jobs) if (j.status === null) j.kill();
    for (const t of this.daemons.keys()) t.kill();
    for (const j of this.jobs) await j.promise;
    await Promise.all([...this.daemons.values()]);
    this.jobs.length = 0;
    exitTask(this.root);
  }

  private msg(line: number, text: string): void {
    this.opts.stderr.write(`${this.file}:${line}: ${text}\n`);
  }

  private async statement(st: Statement): Promise<number> {
    if (st.background) {
      const job = new Job(this.nextJobId(), this.nextPid, st.text);
      this.jobs.push(job);
      this.lastBgPid = String(job.pid);
      job.promise = this.andOr(st.list, job).then(
        (s) => (job.status = s),
        (e: unknown) => {
          if (e instanceof ExitRequest) return (job.status = e.status);
          this.msg(st.line, `internal error: ${String(e)}`);
          return (job.status = 1);
        });
      this.lastStatus = 0;
      return 0;
    }
    const fg = new Job(0, this.nextPid, st.text);
    this.fg = fg;
    try {
      const s = await this.andOr(st.list, fg);
      this.lastStatus = s;
      return s;
    } finally {
      this.fg = null;
    }
  }

  private nextJobId(): number {
    let max = 0;
    for (const j of this.jobs) max = Math.max(max, j.id);
    return max + 1;
  }

  private async andOr(list: AndOrList, job: Job): Promise<number> {
    let status = await this.simple(list.first, job);
    this.lastStatus = status;
    let lastRan = list.rest.length === 0;
    for (let i = 0; i < list.rest.length; i++) {
      const { op, cmd } = list.rest[i]!;
      if ((op === '&&') !== (status === 0)) continue;
      status = await this.simple(cmd, job);
      this.lastStatus = status;
      lastRan = i === list.rest.length - 1;
    }
    // bash: `set -e` ignores failures of commands in && / || lists but the last.
    if (this.errexit && status !== 0 && lastRan && job.id === 0) throw new ExitRequest(status);
    return status;
  }

  /* ---------------------------------------------------------------- */
  /* Expansion                                                         */

  private lookup(name: string, line: number): string {
    switch (name) {
      case '?': return String(this.lastStatus);
      case '!': return this.lastBgPid;
      case '$': return String(this.root.pid);
      case '#': return String(this.args.length);
      case '0': return this.file;
      default:
        if (/^[1-9]$/.test(name)) return this.args[Number(name) - 1] ?? '';
    }
    const v = this.vars.get(name);
    if (v === undefined && this.nounset) {
      this.msg(line, `${name}: unbound variable`);
      throw new ExitRequest(1);
    }
    return v ?? '';
  }

  /** Expand a word into fields: unquoted expansions split on blanks; no globbing. */
  expandWord(w: Word, line: number): string[] {
    const fields: string[] = [];
    let cur = '';
    let have = false;
    for (const p of w.parts) {
      if (p.kind === 'lit') {
        cur += p.text;
        if (p.quoted || p.text !== '') have = true;
        continue;
      }
      const v = this.lookup(p.name, line);
      if (p.quoted) {
        cur += v;
        have = true;
        continue;
      }
      const pieces = v.split(/[ \t\n]+/);
      for (let i = 0; i < pieces.length; i++) {
        if (i > 0) {
          if (have) fields.push(cur);
          cur = '';
          have = false;
        }
        if (pieces[i] !== '') {
          cur += pieces[i];
          have = true;
        }
      }
    }
    if (have) fields.push(cur);
    return fields;
  }

  /** Expand without splitting (assignment values, redirection targets). */
  private expandJoined(w: Word, line: number): string {
    let s = '';
    for (const p of w.parts) s += p.kind === 'lit' ? p.text : this.lookup(p.name, line);
    return s;
  }

  /* ---------------------------------------------------------------- */
  /* Simple commands                                                   */

  private async simple(cmd: SimpleCommand, job: Job): Promise<number> {
    if (this.interrupted) return STATUS_SIGINT;
    const argv: string[] = [];
    for (const w of cmd.words) argv.push(...this.expandWord(w, cmd.line));
    const assigns = cmd.assigns.map((a) => [a.name, this.expandJoined(a.value, cmd.line)] as const);
    const io = this.redirections(cmd, job);
    if (!io) return 1;
    try {
      if (this.xtrace) {
        const shown = [...assigns.map(([n, v]) => `${n}=${shellQuote(v)}`), ...argv.map(shellQuote)];
        this.opts.stderr.write(`+ ${shown.join(' ')}\n`);
      }
      if (argv.length === 0) {
        for (const [n, v] of assigns) this.vars.set(n, v);
        return 0;
      }
      const builtin = this.builtin(argv[0]!);
      if (builtin) return await builtin(argv, io.stdout, io.stderr, cmd.line);
      const env = Object.fromEntries(this.vars);
      for (const [n, v] of assigns) env[n] = v;
      const main = this.resolve(argv[0]!);
      if (!main) {
        io.stderr.write(`${this.file}:${cmd.line}: ${argv[0]}: command not found\n`);
        return 127;
      }
      const task = this.root.fork(io.stdout, io.stderr, this.allocPid());
      return await this.runProgram(main, argv, task, env, job, io.stdin);
    } finally {
      for (const f of io.opened) f.close();
    }
  }

  /** A program by name, as execvp would find it. */
  private resolve(name: string): ToolMain | null {
    return this.programs.get(name) ?? this.utilities.get(name) ?? null;
  }

  /** Run `main` as process `task` of `job`; the task exits when it returns. */
  private async runProgram(main: ToolMain, argv: string[], task: Task, env: Record<string, string>, job: Job,
    stdin: Stdin | undefined, ownsTask = true): Promise<number> {
    job.tasks.add(task);
    task.comm = (argv[0] ?? '').split('/').pop()!.slice(0, 15); // exec sets comm
    const ctx: ToolContext = {
      task,
      argv,
      stdout: task.stdout,
      stderr: task.stderr,
      stdin,
      fs: this.opts.hostFs,
      env,
      // A child inherits fd 0 (`ip netns exec NS nc h p <file`).
      exec: (childArgv: string[], child: Task) => this.exec(childArgv, child, env, job, stdin),
      daemon: (body) => this.daemon(task, body),
    };
    try {
      const r = await main(ctx);
      return r & 0xff;
    } catch (e) {
      if (task.killed) return STATUS_SIGTERM;
      if (e instanceof SystemError && e.syscall === 'execvp') {
        // An exec the program did not handle: report it as the shell would.
        task.stderr.write(`${argv[0]}: ${e.message}\n`);
        return 127;
      }
      task.stderr.write(`${argv[0]}: ${e instanceof Error ? e.message : String(e)}\n`);
      return 1;
    } finally {
      job.tasks.delete(task);
      if (ownsTask) exitTask(task);
    }
  }

  /**
   * ToolContext.exec: run a program in the given (already forked) task, e.g. after
   * `ip netns exec` moved it with setns. The caller owns `child` and exits it;
   * an unknown program rejects with SystemError ENOENT (syscall 'execvp').
   */
  private exec(argv: string[], child: Task, env: Record<string, string>, job: Job,
    stdin: Stdin | undefined): Promise<number> {
    const main = argv.length ? this.resolve(argv[0]!) : null;
    if (!main) return Promise.reject(new SystemError(ENOENT, 'execvp', argv[0] ?? ''));
    if (child.pid === 0) (child as { pid: number }).pid = this.allocPid();
    return this.runProgram(main, argv, child, env, job, stdin, false);
  }

  /** Open the command's redirections; null (after a message) when one fails. */
  private redirections(cmd: SimpleCommand, job: Job):
    { stdout: Stdio; stderr: Stdio; stdin: Stdin | undefined; opened: { close(): void }[] } | null {
    void job;
    let stdout: Stdio = this.opts.stdout;
    let stderr: Stdio = this.opts.stderr;
    let stdin: Stdin | undefined;
    const opened: { close(): void }[] = [];
    for (const r of cmd.redirects) {
      let target: Stdio;
      if (r.op === '<') {
        const path = this.expandJoined(r.target, cmd.line);
        try {
          if (path === '/dev/null') {
            stdin = { read: async () => null, readBytes: async () => null };
            continue;
          }
          if (!this.opts.openInput) throw new SystemError(13, 'open');
          const f = this.opts.openInput(path);
          opened.push(f);
          stdin = f;
        } catch (e) {
          const why = e instanceof SystemError ? e.message.replace(/^.*: /, '') : String(e);
          this.msg(cmd.line, `${path}: ${why}`);
          for (const f of opened) f.close();
          return null;
        }
        continue;
      }
      if (r.op === '>&') {
        target = this.expandJoined(r.target, cmd.line) === '1' ? stdout : stderr;
      } else {
        const path = this.expandJoined(r.target, cmd.line);
        if (path === '/dev/null') target = { write: () => {} };
        else if (path === '/dev/stdout') target = stdout;
        else if (path === '/dev/stderr') target = stderr;
        else {
          try {
            if (!this.opts.openFile) throw new SystemError(13, 'open');
            const f = this.opts.openFile(path, r.op === '>>');
            opened.push(f);
            target = f;
          } catch (e) {
            const why = e instanceof SystemError ? e.message.replace(/^.*: /, '') : String(e);
            this.msg(cmd.line, `${path}: ${why}`);
            for (const f of opened) f.close();
            return null;
          }
        }
      }
      if (r.fd === 1 || r.fd === -1) stdout = target;
      if (r.fd === 2 || r.fd === -1) stderr = target;
    }
    return { stdout, stderr, stdin, opened };
  }

  /* ---------------------------------------------------------------- */
  /* Shell builtins (the ones that act on the shell itself)           */

  private builtin(name: string): ((argv: string[], out: Stdio, err: Stdio, line: number) => Promise<number>) | null {
    switch (name) {
      case 'wait': return (a, o, e, l) => this.builtinWait(a, e, l);
      case 'kill': return async (a, o, e, l) => this.builtinKill(a, e, l);
      case 'jobs': return async (a, o) => this.builtinJobs(o);
      case 'set': return async (a, o, e, l) => this.builtinSet(a, l);
      case 'exit': return async (a, o, e, l) => this.builtinExit(a, l);
      case 'export': return async (a, o, e, l) => this.builtinExport(a, l);
      case 'unset': return async (a) => {
        for (const n of a.slice(1)) this.vars.delete(n);
        return 0;
      };
      case ':': return async () => 0;
      default: return null;
    }
  }

  /** A job spec (%N, %%, %+, %-) or a pid; null when none matches. */
  private findJob(spec: string): Job | null {
    if (spec === '%%' || spec === '%+' || spec === '%') return this.jobs[this.jobs.length - 1] ?? null;
    if (spec === '%-') return this.jobs[this.jobs.length - 2] ?? null;
    const m = /^%([0-9]+)$/.exec(spec);
    if (m) return this.jobs.find((j) => j.id === Number(m[1])) ?? null;
    if (/^[0-9]+$/.test(spec)) return this.jobs.find((j) => j.pid === Number(spec)) ?? null;
    return null;
  }

  private forget(job: Job): void {
    const i = this.jobs.indexOf(job);
    if (i >= 0) this.jobs.splice(i, 1);
  }

  /** bash wait: no operand waits for all and returns 0; else the last operand's status. */
  private async builtinWait(argv: string[], err: Stdio, line: number): Promise<number> {
    const specs = argv.slice(1);
    if (specs.length === 0) {
      for (const j of [...this.jobs]) {
        await j.promise;
        this.forget(j);
      }
      return 0;
    }
    let status = 0;
    for (const s of specs) {
      const j = this.findJob(s);
      if (!j) {
        if (s.startsWith('%')) err.write(`${this.file}:${line}: wait: ${s}: no such job\n`);
        else if (/^[0-9]+$/.test(s)) err.write(`${this.file}:${line}: wait: pid ${s} is not a child of this shell\n`);
        else err.write(`${this.file}:${line}: wait: \`${s}': not a pid or valid job spec\n`);
        status = 127;
        continue;
      }
      status = await j.promise;
      this.forget(j);
    }
    return status;
  }

  /** bash kill: `kill [-s SIG | -n NUM | -SIG] %N|PID...` (every signal ends the job). */
  private builtinKill(argv: string[], err: Stdio, line: number): number {
    const a = argv.slice(1);
    const usage = (): number => {
      err.write(`${this.file}:${line}: kill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... or kill -l [sigspec]\n`);
      return 2;
    };
    if (a[0] === '-s' || a[0] === '-n') {
      const sig = a[1];
      if (sig === undefined) return usage();
      if (!validSignal(sig)) {
        err.write(`${this.file}:${line}: kill: ${sig}: invalid signal specification\n`);
        return 1;
      }
      a.splice(0, 2);
    } else if (a[0] !== undefined && a[0] !== '--' && /^-./.test(a[0])) {
      const sig = a[0]!.slice(1);
      if (!validSignal(sig)) {
        err.write(`${this.file}:${line}: kill: ${sig}: invalid signal specification\n`);
        return 1;
      }
      a.shift();
    }
    if (a[0] === '--') a.shift();
    if (a.length === 0) return usage();
    let status = 0;
    for (const s of a) {
      const j = this.findJob(s);
      if (!j) {
        if (s.startsWith('%')) err.write(`${this.file}:${line}: kill: ${s}: no such job\n`);
        else if (/^[0-9]+$/.test(s)) err.write(`${this.file}:${line}: kill: (${s}) - No such process\n`);
        else err.write(`${this.file}:${line}: kill: ${s}: arguments must be process or job IDs\n`);
        status = 1;
        continue;
      }
      j.kill();
    }
    return status;
  }

  /** bash jobs: `[N]+  Running                 TEXT`. */
  private builtinJobs(out: Stdio): number {
    const n = this.jobs.length;
    this.jobs.forEach((j, i) => {
      const mark = i === n - 1 ? '+' : i === n - 2 ? '-' : ' ';
      const state = j.status === null ? 'Running' : j.status === 0 ? 'Done' : j.status === STATUS_SIGTERM ? 'Terminated' : `Exit ${j.status}`;
      const text = j.status === null ? j.text : j.text.replace(/\s*&$/, '');
      out.write(`[${j.id}]${mark}  ${state.padEnd(24)}${text}\n`);
    });
    // bash forgets finished jobs once it has reported them.
    for (const j of [...this.jobs]) if (j.status !== null) this.forget(j);
    return 0;
  }

  /** set -e/+e, -x/+x, -u/+u, -o errexit|xtrace|nounset|pipefail. */
  private builtinSet(argv: string[], line: number): number {
    const a = argv.slice(1);
    const apply = (opt: string, on: boolean): boolean => {
      switch (opt) {
        case 'e': case 'errexit': this.errexit = on; return true;
        case 'x': case 'xtrace': this.xtrace = on; return true;
        case 'u': case 'nounset': this.nounset = on; return true;
        case 'pipefail': return true; // no pipelines: nothing to change
        default: return false;
      }
    };
    for (let i = 0; i < a.length; i++) {
      const s = a[i]!;
      const on = s[0] === '-';
      if ((s[0] !== '-' && s[0] !== '+') || s.length < 2) {
        this.msg(line, `set: positional parameters are not supported by the lab runner`);
        return 2;
      }
      if (s.slice(1) === 'o') {
        const name = a[++i];
        if (!name || !apply(name, on)) {
          this.msg(line, `set: ${name ?? ''}: invalid option name`);
          return 2;
        }
        continue;
      }
      for (const ch of s.slice(1)) {
        if (!apply(ch, on)) {
          this.msg(line, `set: ${s[0]}${ch}: invalid option`);
          return 2;
        }
      }
    }
    return 0;
  }

  private builtinExit(argv: string[], line: number): never {
    const a = argv[1];
    if (a === undefined) throw new ExitRequest(this.lastStatus);
    if (!/^-?[0-9]+$/.test(a)) {
      this.msg(line, `exit: ${a}: numeric argument required`);
      throw new ExitRequest(2);
    }
    throw new ExitRequest(Number(a) & 0xff);
  }

  private builtinExport(argv: string[], line: number): number {
    let status = 0;
    for (const a of argv.slice(1)) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/s.exec(a);
      if (!m) {
        this.msg(line, `export: \`${a}': not a valid identifier`);
        status = 1;
        continue;
      }
      if (m[2] !== undefined) this.vars.set(m[1]!, m[2]);
      else if (!this.vars.has(m[1]!)) this.vars.set(m[1]!, '');
    }
    return status;
  }
}

function validSignal(s: string): boolean {
  if (/^[0-9]+$/.test(s)) return Number(s) > 0 && Number(s) < 65;
  const name = s.toUpperCase().replace(/^SIG/, '');
  return SIGNALS[name] !== undefined;
}

/** Quote an argument the way `set -x` shows it. */
export function shellQuote(s: string): string {
  if (s !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, "'\\''")}'`;
}
