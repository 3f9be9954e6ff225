/**
 * The library's front door (no Linux counterpart: this is what a program sees of the
 * machine). A `Kernel` boots a whole tuxnet kernel; `kernel.sh(line)` is a root shell
 * on it (the lab shell and every tool: `ip`, `ping`, `nc` ...); `kernel.netns(name)`
 * is a process living in a network namespace, whose `.syscalls` is the BSD-style
 * socket API bound to it, and which the web-streams sockets and the Node adapters
 * (`tuxnet/node`) use.
 *
 * Browser-safe: the host (timers, clock, files) comes in through `HostEnvironment`;
 * `src/index.ts` (Node) and `src/browser.ts` supply theirs.
 */
import { bootKernel } from '../boot.js';
import { ERR_INVALID_ARG_TYPE } from './errors.js';
import { VirtualClock, type Clock } from '../core/clock.js';
import type { Platform } from '../core/softirq.js';
import type { Kernel as KernelCore, Net } from '../core/net_namespace.js';
import { Task, type Stdio } from '../socket/task.js';
import * as sys from '../socket/syscalls.js';
import { LabShell, type RedirectFile, type RedirectInput } from '../tools/lab/shell.js';
import { parseScript, LabSyntaxError } from '../tools/lab/parse.js';
import { programs as registry } from '../tools/registry.js';
import type { HostFs } from '../tools/tool.js';
import { connectTcp, listenTcp, type TcpConnectOptions, type TcpConnection, type TcpListenOptions, type TcpListener } from './streams.js';
import { openUdp, type UdpOpenOptions, type UdpSocket } from './streams_udp.js';

/** What the host gives a kernel: timers, a real clock, and (optionally) its files. */
export interface HostEnvironment {
  platform: Platform;
  /** A clock on the host's monotonic time, for `clock: 'real'`. */
  realClock(): Clock;
  /** `>FILE` in `kernel.sh`; absent: redirections to files fail (EACCES). */
  openFile?(path: string, append: boolean): RedirectFile;
  /** `<FILE` in `kernel.sh`; absent: such redirections fail. */
  openInput?(path: string): RedirectInput;
  /**
   * The host's files programs read and write (`httpd -h DIR`, `sysctl -p FILE`,
   * `tcpdump -r/-w FILE`, packetdrill scripts), as their ToolContext.fs; absent: none,
   * and every open fails with ENOENT as for a missing file (the `>FILE` redirections
   * are `openFile`'s: EACCES without it).
   */
  hostFs?: HostFs;
  /**
   * Keep the host process alive until the returned function is called (Node: a ref'd
   * handle; the platform's own timers are unref'd so an idle kernel lets Node exit).
   * Absent (a browser page): nothing to do.
   */
  keepAlive?(): () => void;
}

export interface KernelOptions {
  /**
   * 'virtual' (default): discrete-event time that jumps over idle periods, so the same
   * program with the same seed gives the same packets. 'real': the host's clock, for
   * kernels that talk to the outside world (TAPs, links) or serve programs that wait
   * on real time.
   */
  clock?: 'virtual' | 'real';
  /** Seed of the kernel's random numbers (MACs, ISNs, ports, netem). Default 1. */
  seed?: number;
  /**
   * Where output of background jobs goes when it is written while no `sh()` call
   * runs (`nc -l 80 &` reporting later). Default: kept, see `backgroundOutput()`.
   */
  onBackgroundOutput?: (text: string, stream: 'stdout' | 'stderr') => void;
}

/** What `kernel.sh(line)` resolves to. */
export interface ShResult {
  /** The exit status of the last command, as `$?` (127 unknown program, 2 syntax error). */
  status: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved in the order they were written, as a terminal shows them. */
  output: string;
}

/** Kept output of background jobs, at most this many characters (the oldest are dropped). */
const BACKGROUND_OUTPUT_MAX = 64 * 1024;

/** A Stdio that forwards to whatever the kernel currently routes it to. */
class Router implements Stdio {
  target: ((text: string) => void) | null = null;
  /** One streaming decoder: a UTF-8 character split across two writes stays whole. */
  private readonly decoder = new TextDecoder();
  constructor(private readonly idle: (text: string) => void) {}
  write(text: string): void {
    (this.target ?? this.idle)(text);
  }
  writeBytes(b: Uint8Array): void {
    const text = this.decoder.decode(b, { stream: true });
    if (text !== '') this.write(text);
  }
}

/**
 * A booted tuxnet kernel with a root shell.
 *
 * ```ts
 * const kernel = new Kernel({ clock: 'virtual', seed: 1 });
 * await kernel.sh('ip netns add a');
 * const r = await kernel.sh('ip netns exec a ip -br link');
 * console.log(r.status, r.stdout);
 * ```
 */
export class Kernel {
  /** The kernel's own objects (namespaces, devices, tracepoints), for code that reaches below the API. */
  readonly core: KernelCore;
  private readonly shell: LabShell;
  private readonly outRouter: Router;
  private readonly errRouter: Router;
  private readonly handles = new Map<string, Netns>();
  /** Handles whose name now names another namespace (after `ip netns del`): released at close. */
  private readonly retired: Netns[] = [];
  private initHandle: Netns | null = null;
  private bgOut = '';
  /** sh() calls run one at a time (one terminal); this is the tail of that queue. */
  private shQueue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private closing: Promise<void> | null = null;
  private readonly closers = new Set<() => void>();
  private holds = 0;
  private releaseHost: (() => void) | null = null;
  private readonly host: HostEnvironment;

  constructor(opts: KernelOptions = {}, host?: HostEnvironment) {
    if (opts === null || typeof opts !== 'object') throw ERR_INVALID_ARG_TYPE('options', 'object', opts);
    if (opts.clock !== undefined && opts.clock !== 'virtual' && opts.clock !== 'real') {
      throw new TypeError(`options.clock must be 'virtual' or 'real', got ${String(opts.clock)}`);
    }
    if (opts.seed !== undefined && (typeof opts.seed !== 'number' || !Number.isInteger(opts.seed))) {
      throw new TypeError(`options.seed must be an integer, got ${String(opts.seed)}`);
    }
    if (!host) throw new TypeError('a HostEnvironment is required (import Kernel from "tuxnet", which supplies it)');
    this.host = host;
    const clock = opts.clock === 'real' ? host.realClock() : new VirtualClock();
    this.core = bootKernel({ clock, platform: host.platform, seed: opts.seed ?? 1 });
    const keep = (stream: 'stdout' | 'stderr') => (text: string): void => {
      if (opts.onBackgroundOutput) {
        opts.onBackgroundOutput(text, stream);
        return;
      }
      this.bgOut += text;
      if (this.bgOut.length > BACKGROUND_OUTPUT_MAX) this.bgOut = this.bgOut.slice(-BACKGROUND_OUTPUT_MAX);
    };
    this.outRouter = new Router(keep('stdout'));
    this.errRouter = new Router(keep('stderr'));
    this.shell = new LabShell({
      kernel: this.core,
      stdout: this.outRouter,
      stderr: this.errRouter,
      programs: registry,
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', USER: 'root' },
      openFile: host.openFile,
      openInput: host.openInput,
      hostFs: host.hostFs,
    });
  }

  /**
   * Run a line (or several) in the kernel's root shell: the lab's shell language and
   * tools, e.g. `ip netns add a`, `ip netns exec a ping -c 3 10.0.0.2`. Jobs started
   * with `&` keep running after the call; variables persist between calls. Calls are
   * queued and run one at a time. Resolves to the output and the exit status; never
   * rejects for a failing command (a syntax error is status 2 with the message on stderr).
   */
  sh(line: string): Promise<ShResult> {
    if (typeof line !== 'string') {
      return Promise.reject(ERR_INVALID_ARG_TYPE('line', 'string', line));
    }
    // A running command keeps the process alive (`sleep 1` on the real clock waits on
    // an unref'd platform timer only).
    const release = this.hold();
    const run = this.shQueue.then(() => this.runSh(line)).finally(release);
    this.shQueue = run.catch(() => {});
    return run;
  }

  /**
   * Keep the host process alive (Node's rule for active, ref'd handles) until the
   * returned function is called; calling it again does nothing. Counted: the host's
   * handle exists while any hold does. The Node adapters hold for their ref'd servers
   * and sockets.
   */
  hold(): () => void {
    let held = true;
    if (this.holds++ === 0 && this.host.keepAlive) this.releaseHost = this.host.keepAlive();
    return () => {
      if (!held) return;
      held = false;
      if (--this.holds === 0 && this.releaseHost) {
        this.releaseHost();
        this.releaseHost = null;
      }
    };
  }

  private async runSh(line: string): Promise<ShResult> {
    let stdout = '';
    let stderr = '';
    let output = '';
    if (this.closed) {
      stderr = 'tuxnet: the kernel is closed\n';
      return { status: 126, stdout, stderr, output: stderr };
    }
    this.outRouter.target = (t) => {
      stdout += t;
      output += t;
    };
    this.errRouter.target = (t) => {
      stderr += t;
      output += t;
    };
    try {
      let status: number;
      try {
        status = await this.shell.runInteractive(parseScript('sh', line.endsWith('\n') ? line : line + '\n'));
      } catch (e) {
        if (!(e instanceof LabSyntaxError)) throw e;
        this.errRouter.write(e.message + '\n');
        status = 2;
      }
      return { status, stdout, stderr, output };
    } finally {
      this.outRouter.target = null;
      this.errRouter.target = null;
    }
  }

  /** Output background jobs wrote while no `sh()` ran (without `onBackgroundOutput`); reading clears it. */
  backgroundOutput(): string {
    const s = this.bgOut;
    this.bgOut = '';
    return s;
  }

  /**
   * A handle on a network namespace: `kernel.netns()` is the initial one; a name is
   * one of `ip netns` (/run/netns/NAME), created as `ip netns add NAME` does when it
   * does not exist yet. The handle is a process in that namespace: it keeps the
   * namespace alive after `ip netns del`, as a process inside it would on Linux.
   */
  netns(name?: string): Netns {
    if (this.closed) throw new Error('the kernel is closed');
    if (name === undefined) {
      this.initHandle ??= new Netns(this, '', this.core.initNet);
      return this.initHandle;
    }
    if (typeof name !== 'string') throw ERR_INVALID_ARG_TYPE('name', 'string', name);
    if (name === '' || name === '.' || name === '..' || name.includes('/') || name.length > 255) {
      throw new TypeError(`invalid namespace name ${JSON.stringify(name)}`);
    }
    const cached = this.handles.get(name);
    let net = this.core.netnsNames.get(name);
    if (cached && cached.net === net) return cached;
    if (cached) this.retired.push(cached);
    if (!net) {
      // What `ip netns add NAME` does: unshare(CLONE_NEWNET) in a child, then bind-mount it.
      const child = new Task(this.core, this.core.initNet, devNull, devNull);
      sys.unshare(child, sys.CLONE_NEWNET);
      sys.mountNetns(child, `/run/netns/${name}`);
      net = child.net;
      sys.exitTask(child);
    }
    const h = new Netns(this, name, net);
    this.handles.set(name, h);
    return h;
  }

  /** True once close() began: handles refuse new work. */
  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Run `fn` when the kernel closes (sockets of the adapters close themselves here);
   * returns the function that unregisters it. On a closed kernel `fn` runs soon (a
   * microtask) instead.
   */
  onClose(fn: () => void): () => void {
    if (this.closed) {
      queueMicrotask(fn);
      return () => {};
    }
    this.closers.add(fn);
    return () => this.closers.delete(fn);
  }

  /**
   * Shut the machine down: the running `sh()` command and background jobs are killed
   * (as by a signal), the adapters' and streams' sockets close (peers see FIN or RST
   * as on a process exit), every handle's process exits (its fds close, its syscalls
   * fail from then on), and the kernel's timers are cancelled, so nothing of it runs
   * any more. Idempotent; concurrent calls share one shutdown.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    // Like a signal to the shell: the foreground command (say `nc -l` waiting for ever)
    // and the jobs get EINTR, so the sh() queue drains.
    this.shell.interrupt();
    for (const fn of [...this.closers]) fn();
    this.closers.clear();
    await this.shQueue;
    await this.shell.shutdown();
    for (const h of [this.initHandle, ...this.handles.values(), ...this.retired]) h?.release();
    this.core.settle();
    this.core.timers.clear();
  }
}

const devNull: Stdio = { write: () => {} };

/** What a syscall of a handle whose kernel was closed throws (its process has exited). */
function kernelClosedError(syscall: string): Error {
  return Object.assign(new Error(`${syscall}: the kernel is closed`), { code: 'ERR_TUXNET_CLOSED', syscall });
}

/** The syscalls bound to a handle's process (the first argument, the task, is filled in). */
const BOUND = [
  'socket', 'bind', 'connect', 'connectNow', 'listen', 'accept', 'sendto', 'send', 'sendmsg', 'sendAll', 'write',
  'recvmsg', 'recvmsgNow', 'recvfrom', 'recvfromNow', 'recv', 'read', 'pollIn', 'poll', 'setsockopt', 'getsockopt',
  'getsockname', 'getpeername', 'shutdown', 'close', 'ioctl', 'fcntl', 'readFile', 'writeFile', 'clockGettime',
  'nanosleep',
] as const;
type BoundName = typeof BOUND[number];
type DropTask<F> = F extends (task: Task, ...args: infer A) => infer R ? (...args: A) => R : never;

/**
 * The BSD-style syscall layer bound to one process: `socket(AF_INET, SOCK_STREAM)`
 * returns an fd; blocking calls (`connect`, `accept`, `read`, `write`, `recvmsg`,
 * `poll`) return Promises; failures throw SystemError with Node's `code`/`errno`/`syscall`.
 * The constants (AF_INET, SOCK_STREAM, SOL_SOCKET ...) are exported by the package.
 */
export type Syscalls = { readonly [K in BoundName]: DropTask<typeof sys[K]> };

/** A process in a network namespace, from `kernel.netns(name)`. */
export class Netns {
  /** The process the syscalls run as (fd table, namespace). */
  readonly task: Task;
  readonly syscalls: Syscalls;
  private exited = false;
  constructor(readonly kernel: Kernel, readonly name: string, readonly net: Net) {
    this.task = new Task(kernel.core, net, devNull, devNull);
    const bound: Record<string, unknown> = {};
    for (const n of BOUND) {
      const f = sys[n] as (task: Task, ...a: unknown[]) => unknown;
      bound[n] = (...a: unknown[]) => {
        if (this.exited) throw kernelClosedError(n);
        return f(this.task, ...a);
      };
    }
    this.syscalls = bound as Syscalls;
  }

  /**
   * A TCP connection from this namespace as web streams (see api/streams.ts). Returns at
   * once; `opened` resolves with the addresses or rejects with the SystemError
   * (ECONNREFUSED, ETIMEDOUT, ENETUNREACH ...). Bad arguments throw TypeError/RangeError.
   */
  connectTcp(options: TcpConnectOptions): TcpConnection {
    return connectTcp(this, options);
  }

  /** Listen for TCP connections (async-iterate the listener); EADDRINUSE etc. reject. */
  listenTcp(options?: TcpListenOptions): Promise<TcpListener> {
    return listenTcp(this, options);
  }

  /** A bound UDP socket with datagram streams (see api/streams_udp.ts). */
  openUdp(options?: UdpOpenOptions): Promise<UdpSocket> {
    return openUdp(this, options);
  }

  /** The process exits: its fds close and its syscalls fail from then on (kernel.close()). */
  release(): void {
    if (this.exited) return;
    this.exited = true;
    sys.exitTask(this.task);
  }
}
