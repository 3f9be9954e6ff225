/**
 * The packetdrill interpreter loop (upstream: run.c run_script(), run_packet.c
 * run_packet_event(), run_system_call.c's blocking-call thread, code.c), over a
 * tuxnet kernel on its virtual clock. The script is a process (Task) in the
 * kernel's initial namespace; a second task of the same process ("the sniffer
 * thread") holds the TUN file: it reads every packet the kernel sends on tun0
 * and stamps it with the virtual time, and writes the packets `<` lines inject.
 * Blocking calls marked with `...` run concurrently with later events, as in
 * upstream's syscall thread. Time never depends on the host: a run is
 * deterministic and takes milliseconds.
 */
import type { Kernel } from '../../core/net_namespace.js';
import { Task, type Stdio } from '../../socket/task.js';
import type { ToolContext } from '../tool.js';
import * as sys from '../../socket/syscalls.js';
import { SystemError } from '../../socket/errno.js';
import { WaitQueueHead, WAIT_INTERRUPTED, type Interruptible } from '../../core/wait.js';
import { IFF_TUN, IFF_NO_PI, TUNSETIFF } from '../../drivers/tun.js';
import { PacketdrillSyntaxError } from './lexer.js';
import { parsePacketdrillScript, PacketdrillSemanticError } from './parser.js';
import type { PacketSpec, Script, ScriptEvent, SyscallSpec } from './script.js';
import { type Config, ConfigError, applyOption, defaultConfig, parseArgv } from './config.js';
import { runShell, type ShellEnv } from './commands.js';
import { SockModel, runSyscall, type SyscallHost } from './sysc.js';
import {
  type Pkt, type RawOpt, parsePacket, scriptPacket, verifyPacket, packetToString, buildTcp, buildUdp, buildIcmp,
  encodeOptions, icmpTypeCode, ipString, rd32, wr32, TH_SYN, TH_ACK, TH_FIN, TH_PSH, IPPROTO_TCP, IPPROTO_UDP,
  IPPROTO_ICMP, flagsFromString,
} from './packet.js';
import { PythonError, PythonSession } from './python.js';
import { readHostText, type ToolMain, type HostFs } from '../tool.js';

export interface PacketdrillOptions {
  /** Script path for messages and for resolving relative shell files. */
  path?: string;
  /** Command-line options (upstream's). */
  argv?: string[];
  /** Host file reader for shell scripts named in backtick commands; null when missing. */
  readFile?: (path: string) => string | null;
  /**
   * Without `readFile`: the host's files the shell scripts are read from, relative to
   * the script's directory (the Node entry `index.ts` passes node:fs); absent, no host
   * files (a `defaults.sh` runs the built-in copy).
   */
  fs?: HostFs;
  /** The environment for `fs`: relative paths are read from $PWD (absent: the host's working directory). */
  env?: Record<string, string>;
  /** Programs for backtick commands (default: the tools registry). */
  exec?: (argv: string[], task: Task) => Promise<number>;
  /** Where command output and -v dumps go (also collected in `output`). */
  stdout?: Stdio;
}

export interface PacketdrillResult {
  ok: boolean;
  /** 0 on success, 1 on failure (upstream's exit status). */
  status: number;
  errors: string[];
  output: string;
}

/** Virtual time the runner waits at most for anything (a packet, a stuck call). */
const GIVE_UP_US = 600e6;

/** Uptime a fresh kernel reaches before the script starts. */
const BOOT_UPTIME_NS = 1e9;

class FatalError extends Error {}

/** Marks a packet mismatch --non_fatal=packet turns into a warning. */
const NON_FATAL = '\u0001nonfatal\u0001';

/** A blocking system call in flight (upstream's syscall thread state). */
interface InFlight {
  ev: ScriptEvent;
  done: boolean;
  promise: Promise<void>;
}

class Runner implements SyscallHost {
  readonly task: Task;
  readonly sniffer: Task;
  tunFd = -1;
  readonly sockets: SockModel[] = [];
  sut: SockModel | null = null;
  readonly fdMap = new Map<number, number>();
  private liveStartNs = 0;
  private readonly sniffed: Pkt[] = [];
  private readonly sniffWq = new WaitQueueHead();
  private lastEvent: ScriptEvent | null = null;
  private numEvents = 0;
  private inflight: InFlight | null = null;
  /** An error raised by the blocking-call thread, reported at the next check. */
  private threadError: string | null = null;
  private readonly code: ({ kind: 'data'; vars: Record<string, number> } | { kind: 'text'; line: number; text: string })[] = [];
  private nextEphemeral: number;
  readonly errors: string[] = [];
  private sniffing: Promise<void> | null = null;
  /** Line of the event being run (for internal errors). */
  currentLine = 0;

  constructor(readonly k: Kernel, readonly cfg: Config, readonly script: Script, readonly out: Stdio,
    readonly shellEnv: Omit<ShellEnv, 'task'>) {
    this.task = new Task(k, k.initNet, out, out);
    this.task.comm = 'packetdrill';
    this.sniffer = this.task.fork();
    this.nextEphemeral = 32768 + k.rng.below(28232);
  }

  get path(): string {
    return this.script.path;
  }

  nowUs(): number {
    return (this.k.clock.now() - this.liveStartNs) / 1000;
  }

  private die(msg: string): never {
    throw new FatalError(msg);
  }

  private sh(text: string): Promise<number> {
    return runShell({ ...this.shellEnv, task: this.task }, text);
  }

  /** Upstream's local_netdev_new(): tun0, address, route to the remote prefix via the gateway. */
  async setupNetdev(): Promise<void> {
    // A Linux host under test has been up for a while: its clocks are never 0, and TCP
    // uses 0 as "unset" for many stamps (snt_synack, retrans_stamp ...). Start a fresh
    // kernel's script at 1 s of uptime.
    const now = this.k.clock.now();
    if (now < BOOT_UPTIME_NS) await sys.nanosleep(this.task, BOOT_UPTIME_NS - now);
    const t = this.sniffer;
    this.tunFd = sys.open(t, '/dev/net/tun');
    const req = { name: '', flags: IFF_TUN | IFF_NO_PI };
    sys.ioctl(t, this.tunFd, TUNSETIFF, req);
    if (req.name !== 'tun0') this.die(`TUNSETIFF: got ${req.name}, tests rely on tun0`);
    const c = this.cfg;
    const prefix = popcount(c.netmaskIp);
    const rmask = c.remotePrefixLen === 0 ? 0 : (0xffffffff << (32 - c.remotePrefixLen)) >>> 0;
    const rnet = `${ipString((c.remoteIp & rmask) >>> 0)}/${c.remotePrefixLen}`;
    const cmds = [
      ...(c.mtu !== 1500 ? [`ip link set dev tun0 mtu ${c.mtu}`] : []),
      'ip link set dev tun0 up',
      `ip addr add ${ipString(c.localIp)}/${prefix} dev tun0`,
      `ip route del ${rnet} > /dev/null 2>&1 ; ip route add ${rnet} dev tun0 via ${ipString(c.gatewayIp)} > /dev/null 2>&1`,
    ];
    for (const cmd of cmds) {
      const st = await this.sh(cmd);
      if (st !== 0) this.die(`error executing route command '${cmd}'`);
    }
    this.sniffing = this.sniffLoop();
  }

  /** The sniffer thread: every packet tun0 transmits, stamped with the virtual time it left. */
  private async sniffLoop(): Promise<void> {
    const buf = new Uint8Array(65536);
    for (;;) {
      let n: number;
      try {
        n = await sys.chrdevRead(this.sniffer, this.tunFd, buf);
      } catch {
        return;
      }
      const p = parsePacket(buf.slice(0, n), this.nowUs());
      if (typeof p !== 'string') {
        this.sniffed.push(p);
        this.sniffWq.wakeUp(this.k);
      }
    }
  }

  private async nextSniffed(deadlineUs: number): Promise<Pkt | null> {
    for (;;) {
      const p = this.sniffed.shift();
      if (p) return p;
      const left = deadlineUs - this.nowUs();
      if (left <= 0) return null;
      const w = await this.sniffWq.wait(this.k, left * 1000, this.task.blockedOn);
      if (w === WAIT_INTERRUPTED) return null;
    }
  }

  private async sleepUntil(us: number): Promise<void> {
    const d = us - this.nowUs();
    if (d > 0) await sys.nanosleep(this.task, d * 1000);
  }

  /** Upstream's verify_time(); null or the error text. */
  private verifyTime(ev: ScriptEvent, scriptUs: number, scriptEndUs: number | null, liveUs: number, lastUs: number | null,
    description: string): string | null {
    if (ev.timeType === 'any') return null;
    let tol = this.cfg.toleranceUsecs;
    if (lastUs !== null) {
      const dyn = (this.cfg.tolerancePercent / 100) * (scriptUs - lastUs);
      if (dyn > tol) tol = dyn;
    }
    const s = (us: number): string => (us / 1e6).toFixed(6);
    if (ev.timeType === 'absolute_range' || ev.timeType === 'relative_range') {
      const end = scriptEndUs ?? scriptUs;
      if (liveUs < scriptUs - tol || liveUs > end + tol) {
        if (ev.timeType === 'absolute_range') {
          return `timing error: expected ${description} in time range ${s(scriptUs)}~${s(end)} sec but happened at ${s(liveUs)} sec`;
        }
        const off = ev.offsetUs;
        const signed = (us: number): string => (us >= 0 ? '+' : '-') + s(Math.abs(us));
        return `timing error: expected ${description} in relative time range +${s(scriptUs - off)}~+${s(end - off)} sec but happened at ${signed(liveUs - off)} sec`;
      }
      return null;
    }
    if (liveUs < scriptUs - tol || liveUs > scriptUs + tol) {
      return `timing error: expected ${description} at ${s(scriptUs)} sec but happened at ${s(liveUs)} sec; tolerance ${s(tol)} sec`;
    }
    return null;
  }

  private eventDescription(ev: ScriptEvent): string {
    switch (ev.type) {
      case 'packet': return ev.packet.direction === 'in' ? 'inbound packet' : 'outbound packet';
      case 'syscall': return 'system call start';
      case 'command': return 'command';
      default: return 'data collection for code';
    }
  }

  /** Upstream's wait_for_event() + check_event_time(). */
  private async waitForEvent(ev: ScriptEvent): Promise<void> {
    await this.sleepUntil(ev.timeUs);
    this.checkThread();
    if (this.numEvents > 0) {
      const err = this.verifyTime(ev, ev.timeUs, ev.timeEndUs, this.nowUs(), this.lastEvent?.timeUs ?? null,
        this.eventDescription(ev));
      if (err) this.die(`${this.path}:${ev.line}: ${err}`);
    }
  }

  /** Upstream's adjust_relative_event_times(). */
  private adjustRelative(ev: ScriptEvent): void {
    if (ev.timeType !== 'any' && ev.timeType !== 'relative' && ev.timeType !== 'relative_range') return;
    const anchored = (e: ScriptEvent): boolean => e.type === 'packet' && e.packet.direction === 'in';
    const off = this.lastEvent && anchored(this.lastEvent) && anchored(ev) ? this.lastEvent.timeUs : this.nowUs();
    ev.offsetUs = off;
    ev.timeUs += off;
    if (ev.timeType === 'relative_range' && ev.timeEndUs !== null) ev.timeEndUs += off;
    if (ev.timeType === 'relative' && ev.type === 'syscall' && ev.syscall.endUs !== null) ev.syscall.endUs += off;
  }

  private checkThread(): void {
    if (this.threadError !== null) this.die(this.threadError);
  }

  /* ---------------------------- the loop ---------------------------- */

  async run(): Promise<void> {
    const s = this.script;
    this.liveStartNs = this.k.clock.now();
    for (let i = 0; i < s.events.length; i++) {
      const ev = s.events[i]!;
      if (i === 0 && ev.timeUs !== 0) {
        this.die(`${this.path}:${ev.line}: first event should be at time 0`);
      }
      const last = this.lastEvent;
      const abs = (e: ScriptEvent): boolean => e.timeType === 'absolute' || e.timeType === 'absolute_range';
      if (last && abs(last) && abs(ev) && ev.timeUs < last.timeUs) {
        this.die(`${this.path}:${ev.line}: time goes backward in script from ${last.timeUs} usec to ${ev.timeUs} usec`);
      }
      this.adjustRelative(ev);
      this.currentLine = ev.line;
      switch (ev.type) {
        case 'packet': await this.packetEvent(ev, ev.packet); break;
        case 'syscall': await this.syscallEvent(ev, ev.syscall); break;
        case 'command': {
          await this.waitForEvent(ev);
          const st = await this.sh(ev.command);
          if (st !== 0) this.die(`${this.path}:${ev.line}: error executing \`${ev.command}\` command: non-zero status ${st}`);
          break;
        }
        case 'code':
          await this.waitForEvent(ev);
          this.collectCode(ev.line, ev.code);
          break;
      }
      this.checkThread();
      this.numEvents++;
      this.lastEvent = ev;
    }
    if (this.inflight && !this.inflight.done) {
      if (!(await this.awaitIdle())) {
        this.die(`${this.path}:${this.inflight.ev.line}: runtime error: exiting while a blocking system call is in progress`);
      }
    }
    this.checkThread();
  }

  /* ---------------------------- system calls ---------------------------- */

  private async syscallEvent(ev: ScriptEvent, sc: SyscallSpec): Promise<void> {
    if (sc.endUs === null) {
      await this.waitForEvent(ev);
      const err = await this.guard(runSyscall(this, sc), ev);
      if (err) this.syscallFail(ev, sc, err);
      return;
    }
    // A blocking call: wait for the previous one, start this one, continue once it blocks or ends.
    if (this.inflight && !this.inflight.done && !(await this.awaitIdle())) {
      this.die(`${this.path}:${ev.line}: runtime error in ${sc.name} call: blocking system call while another blocking system call is already in progress`);
    }
    await this.waitForEvent(ev);
    const fl: InFlight = { ev, done: false, promise: Promise.resolve() };
    fl.promise = (async () => {
      const err = await runSyscall(this, sc).catch((e: unknown) => (e instanceof Error ? e.message : String(e)));
      const endUs = this.nowUs();
      fl.done = true;
      if (this.threadError !== null) return;
      if (err) {
        this.threadError = `${this.path}:${ev.line}: runtime error in ${sc.name} call: ${err}`;
      } else {
        const t = this.verifyTime(ev, sc.endUs!, null, endUs, ev.timeUs, 'system call return');
        if (t) this.threadError = `${this.path}:${ev.line}: ${t}`;
      }
      this.sniffWq.wakeUp(this.k);
    })();
    this.inflight = fl;
    // Let the call run until it completes or sleeps (upstream: is_thread_sleeping()).
    for (let i = 0; i < 64 && !fl.done; i++) await Promise.resolve();
    this.checkThread();
  }

  /** Upstream's await_idle_thread(): up to 1 s for the blocking call to finish. */
  private async awaitIdle(): Promise<boolean> {
    const fl = this.inflight;
    if (!fl || fl.done) return true;
    const deadline = this.nowUs() + 1e6;
    while (!fl.done && this.nowUs() < deadline) {
      await this.sniffWq.wait(this.k, (deadline - this.nowUs()) * 1000, this.task.blockedOn);
    }
    return fl.done;
  }

  /** Await a call that should not block forever; gives up after GIVE_UP_US of virtual time. */
  private async guard<T>(p: Promise<T>, ev: ScriptEvent): Promise<T> {
    const wd = new WaitQueueHead();
    const blockers = new Set<Interruptible>();
    let gaveUp = false;
    const timer = wd.wait(this.k, GIVE_UP_US * 1000, blockers).then((w) => {
      if (w !== WAIT_INTERRUPTED) {
        gaveUp = true;
        this.task.kill();
      }
    });
    try {
      const r = await p;
      if (gaveUp) {
        const name = ev.type === 'syscall' ? ` in ${ev.syscall.name} call` : '';
        this.die(`${this.path}:${ev.line}: runtime error${name}: the call never returned (tuxnet gave up after ${GIVE_UP_US / 1e6} s of virtual time)`);
      }
      return r;
    } finally {
      for (const b of [...blockers]) b.cancel();
      await timer;
    }
  }

  private syscallFail(ev: ScriptEvent, sc: SyscallSpec, err: string): never {
    this.die(`${this.path}:${ev.line}: runtime error in ${sc.name} call: ${err}`);
  }

  /* ---------------------------- code ---------------------------- */

  private collectCode(line: number, text: string): void {
    const s = this.sut;
    if (s && s.liveFd >= 0 && s.protocol === IPPROTO_TCP) {
      try {
        const info = sys.getsockopt(this.task, s.liveFd, 6, 11) as Record<string, unknown>;
        const vars: Record<string, number> = {};
        for (const [name, v] of Object.entries(info ?? {})) {
          if (typeof v === 'number') vars[name] = v;
          else if (typeof v === 'bigint') vars[name] = Number(v);
          else if (typeof v === 'boolean') vars[name] = v ? 1 : 0;
        }
        this.code.push({ kind: 'data', vars });
      } catch (e) {
        if (!(e instanceof SystemError)) throw e;
      }
    }
    this.code.push({ kind: 'text', line, text });
  }

  /** Upstream's code_execute(): the snippets run in order after the script, with the data they saw. */
  runCode(): void {
    if (!this.code.some((c) => c.kind === 'text')) return;
    const py = new PythonSession((t) => this.out.write(t + '\n'));
    const sym: Record<string, number> = {
      TCP_ESTABLISHED: 1, TCP_SYN_SENT: 2, TCP_SYN_RECV: 3, TCP_FIN_WAIT1: 4, TCP_FIN_WAIT2: 5, TCP_TIME_WAIT: 6,
      TCP_CLOSE: 7, TCP_CLOSE_WAIT: 8, TCP_LAST_ACK: 9, TCP_LISTEN: 10, TCP_CLOSING: 11, TCP_CA_Open: 0,
      TCP_CA_Disorder: 1, TCP_CA_CWR: 2, TCP_CA_Recovery: 3, TCP_CA_Loss: 4, TCPI_OPT_TIMESTAMPS: 1, TCPI_OPT_SACK: 2,
      TCPI_OPT_WSCALE: 4, TCPI_OPT_ECN: 8, TCPI_OPT_ECN_SEEN: 16, TCPI_OPT_SYN_DATA: 32, TCPI_OPT_USEC_TS: 64,
      TCPI_OPT_TFO_CHILD: 128,
    };
    for (const c of this.code) {
      if (c.kind === 'data') {
        for (const [n, v] of Object.entries(sym)) py.set(n, v);
        for (const [n, v] of Object.entries(c.vars)) py.set(n, v);
        continue;
      }
      try {
        py.exec(c.text);
      } catch (e) {
        if (e instanceof PythonError) this.die(`${this.path}:${c.line}: error in Python code\n${e.message}`);
        throw e;
      }
    }
  }

  /* ---------------------------- packets ---------------------------- */

  private ephemeralPort(): number {
    const p = this.nextEphemeral;
    this.nextEphemeral = p >= 60999 ? 32768 : p + 1;
    return p;
  }

  /** Upstream's find_or_create_socket_for_script_packet(). */
  private socketForScriptPacket(p: PacketSpec): SockModel | string {
    const sut = this.sut;
    const { flags } = flagsFromString(p.flags);
    if (p.proto === 'tcp') {
      if (p.direction === 'in' && (sut === null || sut.state === 'listening')) {
        const s = new SockModel();
        s.state = 'passive_packet_received';
        s.protocol = IPPROTO_TCP;
        s.remoteIp = this.cfg.remoteIp;
        s.remotePort = this.ephemeralPort();
        s.localIp = this.cfg.localIp;
        s.localPort = sut && sut.localPort ? sut.localPort : this.cfg.bindPort;
        s.scriptRemoteIsn = s.liveRemoteIsn = p.seq >>> 0;
        this.sockets.push(s);
        this.sut = s;
        return s;
      }
      if (p.direction === 'out' && flags & TH_SYN && !(flags & TH_ACK) && sut && sut.state === 'active_connecting') {
        sut.state = 'active_syn_sent';
        sut.scriptLocalIsn = p.seq >>> 0;
        return sut;
      }
    }
    if (sut) {
      const proto = sut.protocol;
      if ((proto === IPPROTO_TCP && (p.proto === 'tcp' || p.proto === 'icmp')) ||
        (proto === IPPROTO_UDP && (p.proto === 'udp' || p.proto === 'icmp')) || (proto === IPPROTO_ICMP && p.proto === 'icmp')) return sut;
      if (p.srcPort || p.dstPort) return sut;
    }
    return 'no matching socket for script packet';
  }

  private async packetEvent(ev: ScriptEvent, p: PacketSpec): Promise<void> {
    const s = this.socketForScriptPacket(p);
    let err: string | null;
    if (typeof s === 'string') err = s;
    else if (p.direction === 'out') err = await this.outbound(ev, p, s);
    else {
      await this.waitForEvent(ev);
      err = this.inbound(ev, p, s);
    }
    if (err !== null) {
      const nonFatal = err.startsWith(NON_FATAL);
      if (nonFatal) err = err.slice(NON_FATAL.length);
      if (this.cfg.nonFatalPacket && nonFatal) {
        this.out.write(`${this.path}:${ev.line}: warning handling packet: ${err}\n`);
        return;
      }
      this.die(`${this.path}:${ev.line}: error handling packet: ${err}`);
    }
  }

  /** Does a live outbound packet belong to socket `s` (upstream: find_socket_for_live_packet + find_connect_for_live_packet)? */
  private liveMatches(s: SockModel, pkt: Pkt): boolean {
    if (pkt.proto === IPPROTO_ICMP) return pkt.saddr === (s.localIp || this.cfg.localIp) && pkt.daddr === s.remoteIp;
    if (s.localPort && pkt.saddr === s.localIp && pkt.sport === s.localPort && pkt.daddr === s.remoteIp && pkt.dport === s.remotePort) {
      return (pkt.proto === IPPROTO_TCP) === (s.protocol === IPPROTO_TCP);
    }
    const tcpSyn = pkt.proto === IPPROTO_TCP && pkt.flags & TH_SYN && !(pkt.flags & TH_ACK) && s.protocol === IPPROTO_TCP &&
      s.state === 'active_syn_sent';
    const udp = pkt.proto === IPPROTO_UDP && s.protocol === IPPROTO_UDP && s.state === 'active_connecting';
    if ((tcpSyn || udp) && pkt.daddr === s.remoteIp && pkt.dport === s.remotePort) {
      s.localIp = pkt.saddr;
      s.localPort = pkt.sport;
      if (tcpSyn) s.liveLocalIsn = pkt.seq;
      return true;
    }
    return false;
  }

  private async outbound(ev: ScriptEvent, p: PacketSpec, s: SockModel): Promise<string | null> {
    const { flags } = flagsFromString(p.flags);
    const synack = p.proto === 'tcp' && (flags & (TH_SYN | TH_ACK)) === (TH_SYN | TH_ACK);
    if (s.state === 'passive_packet_received' && synack) s.scriptLocalIsn = p.seq >>> 0;
    const expectedPayload = p.proto === 'tcp' ? p.payload : p.proto === 'udp' ? p.udpLen : 0;
    const deadline = Math.max(this.nowUs(), (ev.timeEndUs ?? ev.timeUs) + this.cfg.toleranceUsecs) + GIVE_UP_US;
    const parts: Pkt[] = [];
    let got = 0;
    do {
      let live: Pkt | null = null;
      for (;;) {
        live = await this.nextSniffed(deadline);
        this.checkThread();
        if (!live) return 'Timed out waiting for packet';
        if (this.liveMatches(s, live)) break;
        if (this.sut && this.sut !== s && this.liveMatches(this.sut, live)) return 'packet is not for expected socket';
      }
      if (s.state === 'passive_packet_received' && synack) {
        s.state = 'passive_synack_sent';
        s.liveLocalIsn = live.seq;
      }
      if (this.cfg.verbose) this.out.write(`outbound sniffed packet: ${fmtTime(live.timeUs)} ${packetToString(live, true)}\n`);
      parts.push(live);
      got += live.payloadLen;
    } while (got < expectedPayload && !this.cfg.strictSegments && p.proto === 'tcp');
    if (got !== expectedPayload && p.proto !== 'icmp') {
      return `live packet payload: expected ${expectedPayload} bytes vs actual ${got} bytes`;
    }
    const live = parts.length === 1 ? parts[0]! : aggregate(parts);
    return this.verifyOutbound(ev, p, s, live);
  }

  private verifyOutbound(ev: ScriptEvent, p: PacketSpec, s: SockModel, live: Pkt): string | null {
    const script = scriptPacket(p, ev.timeUs);
    // The actual packet in script space (upstream: map_outbound_live_packet()).
    const actual: Pkt = { ...live, options: live.options.map((o) => ({ ...o, data: o.data.slice() })) };
    let err: string | null = null;
    if (live.proto === IPPROTO_TCP) {
      actual.seq = (live.seq + (s.scriptLocalIsn - s.liveLocalIsn)) >>> 0;
      const ackOff = s.scriptRemoteIsn - s.liveRemoteIsn;
      if (live.flags & TH_ACK) actual.ack = (live.ack + ackOff) >>> 0;
      offsetSack(actual.options, ackOff);
      const sTs = script.options.find((o) => o.kind === 8 && o.data.length === 8);
      const aTs = actual.options.find((o) => o.kind === 8 && o.data.length === 8);
      if (sTs && aTs) {
        const sv = rd32(sTs.data, 0);
        const av = rd32(aTs.data, 0);
        s.tsValMap.set(sv, av);
        if (!s.foundFirstTs) {
          s.foundFirstTs = true;
          s.firstScriptTsVal = sv;
          s.firstActualTsVal = av;
        }
        wr32(aTs.data, 0, (s.firstScriptTsVal + (av - s.firstActualTsVal)) >>> 0);
      }
    }
    actual.winNocheck = script.winNocheck;
    actual.optionsNocheck = false;
    if ((live.bytes[10]! << 8 | live.bytes[11]!) !== 0 && ipHeaderBad(live.bytes)) err = 'bad outbound IP checksum';
    let nonFatal = false;
    if (!err) {
      err = verifyPacket(actual, script, p, this.cfg.toleranceUsecs, this.cfg.tcpTsTickUsecs);
      nonFatal = err !== null;
    }
    if (!err) {
      err = this.verifyTime(ev, ev.timeUs, ev.timeEndUs, live.timeUs, this.lastEvent?.timeUs ?? null, 'outbound packet');
      nonFatal = err !== null;
    }
    if (!err) return null;
    const dump = `${err}\nscript packet: ${fmtTime(ev.timeUs)} ${packetToString(script, false)}\n` +
      `actual packet: ${fmtTime(live.timeUs)} ${packetToString(actual, false)}`;
    return (nonFatal ? NON_FATAL : '') + dump;
  }

  /** Upstream's do_inbound_script_packet(): map to live values and inject through tun0. */
  private inbound(ev: ScriptEvent, p: PacketSpec, s: SockModel): string | null {
    const { flags } = flagsFromString(p.flags);
    if (p.proto === 'tcp') {
      if (s.state === 'passive_synack_sent' && flags & TH_ACK) s.state = 'passive_synack_acked';
      else if (s.state === 'active_syn_sent' && (flags & (TH_SYN | TH_ACK)) === (TH_SYN | TH_ACK)) {
        s.state = 'active_syn_acked';
        s.scriptRemoteIsn = s.liveRemoteIsn = p.seq >>> 0;
      }
    }
    const remoteIp = s.remoteIp || this.cfg.remoteIp;
    const remotePort = s.remotePort || this.cfg.connectPort;
    const localIp = s.localIp || this.cfg.localIp;
    const localPort = s.localPort || this.cfg.bindPort;
    const t = { saddr: remoteIp, daddr: localIp, sport: p.srcPort || remotePort, dport: p.dstPort || localPort };
    let bytes: Uint8Array;
    const ackOff = s.liveLocalIsn - s.scriptLocalIsn;
    if (p.proto === 'tcp') {
      const seq = (p.seq + (s.liveRemoteIsn - s.scriptRemoteIsn)) >>> 0;
      const ack = (p.ack + ackOff) >>> 0;
      const opts: RawOpt[] = encodeOptions(p.options ?? []);
      offsetSack(opts, ackOff);
      const ts = opts.find((o) => o.kind === 8 && o.data.length === 8);
      if (flags & TH_ACK && ts) {
        const ecr = rd32(ts.data, 4);
        const mapped = s.tsValMap.get(ecr);
        if (mapped !== undefined) wr32(ts.data, 4, mapped);
        else if (this.cfg.tcpTsEcrScaled && s.foundFirstTs) wr32(ts.data, 4, (ecr - s.firstScriptTsVal + s.firstActualTsVal) >>> 0);
        else return `unable to infer live TS ecr for script TS ecr ${ecr};  no matching or preceding outbound TS val`;
      }
      bytes = buildTcp(t, p, seq, ack, opts);
    } else if (p.proto === 'udp') {
      bytes = buildUdp(t, p);
    } else {
      const tc = icmpTypeCode(p.icmpType, p.icmpCode);
      if (typeof tc === 'string') return tc;
      bytes = buildIcmp(t, p, tc[0], tc[1], (p.echoed.seq + ackOff) >>> 0);
    }
    if (this.cfg.verbose) {
      const pk = parsePacket(bytes, this.nowUs());
      if (typeof pk !== 'string') this.out.write(`inbound injected packet: ${fmtTime(this.nowUs())} ${packetToString(pk, true)}\n`);
    }
    try {
      sys.chrdevWrite(this.sniffer, this.tunFd, bytes);
    } catch (e) {
      return `tun write: ${(e as Error).message}`;
    }
    return null;
  }

  /** Stop the sniffer and close every file (upstream: state_free()). */
  async close(): Promise<void> {
    this.sniffer.kill();
    await this.sniffing;
    sys.exitTask(this.sniffer);
    try {
      sys.exitTask(this.task);
    } catch {
      // closing after a killed call: nothing more to do
    }
    this.k.settle();
  }
}

function popcount(x: number): number {
  let n = 0;
  for (let v = x >>> 0; v; v >>>= 1) n += v & 1;
  return n;
}

function fmtTime(us: number): string {
  return (us / 1e6).toFixed(6).padStart(9, ' ');
}

function ipHeaderBad(b: Uint8Array): boolean {
  let sum = 0;
  const ihl = (b[0]! & 15) * 4;
  for (let i = 0; i < ihl; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum !== 0xffff;
}

function offsetSack(opts: RawOpt[], off: number): void {
  for (const o of opts) {
    if (o.kind !== 5) continue;
    for (let k = 0; k + 4 <= o.data.length; k += 4) wr32(o.data, k, (rd32(o.data, k) + off) >>> 0);
  }
}

/** Upstream's aggregate_packets(): one packet carrying the payload of several consecutive segments. */
function aggregate(parts: Pkt[]): Pkt {
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  const payload = parts.reduce((n, x) => n + x.payloadLen, 0);
  const bytes = new Uint8Array(first.payloadOff + payload);
  bytes.set(first.bytes.subarray(0, first.payloadOff));
  let o = first.payloadOff;
  for (const x of parts) {
    bytes.set(x.bytes.subarray(x.payloadOff, x.payloadOff + x.payloadLen), o);
    o += x.payloadLen;
  }
  const flags = (first.flags & ~(TH_PSH | TH_FIN)) | (last.flags & (TH_PSH | TH_FIN));
  return { ...first, bytes, totLen: bytes.length, payloadLen: payload, flags };
}

/* ------------------------------------------------------------------ */
/* Entry points                                                        */

/**
 * Run a tuxnet program as a child process. Synchronous up to the program's own
 * waits: an `await import()` here would let virtual time (and kernel timers) run
 * in the middle of a command.
 */
async function execWith(programs: Map<string, ToolMain>, argv: string[], task: Task): Promise<number> {
  const main = programs.get(argv[0] ?? '');
  if (!main) throw new SystemError(2, 'execvp', argv[0] ?? '');
  const ctx: ToolContext = {
    task, argv, stdout: task.stdout, stderr: task.stderr, env: {},
    exec: (a, t) => execWith(programs, a, t),
  };
  return main(ctx);
}

function dirname(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '.' : i === 0 ? '/' : p.slice(0, i);
}

/** A shell file a script names, relative to the script's directory; null when it cannot be read. */
function hostReadFile(opts: PacketdrillOptions, scriptPath: string, file: string): string | null {
  if (!opts.fs) return null;
  try {
    return readHostText({ fs: opts.fs, env: opts.env ?? {} }, file.startsWith('/') ? file : `${dirname(scriptPath)}/${file}`);
  } catch {
    return null;
  }
}

/**
 * Run one script against kernel `k` (see index.ts). Never throws for script
 * problems: they come back in `errors`.
 */
export async function runPacketdrillScript(k: Kernel, text: string, opts: PacketdrillOptions = {}): Promise<PacketdrillResult> {
  const path = opts.path ?? 'script.pkt';
  let output = '';
  const userOut = opts.stdout;
  const out: Stdio = { write: (t: string) => { output += t; userOut?.write(t); } };
  const errors: string[] = [];
  const cfg = defaultConfig();
  let script: Script;
  try {
    parseArgv(cfg, opts.argv ?? []);
    // Upstream's lexer consults the defines as it goes: `--define=SYM=VAL` option lines apply to the events.
    for (const m of text.matchAll(/^[ \t]*--define[= ]([A-Za-z0-9_]+=\S+)/gm)) applyOption(cfg, 'define', m[1]!, path);
    script = parsePacketdrillScript(path, text, cfg.defines);
    for (const o of script.options) if (o.name !== 'define') applyOption(cfg, o.name, o.value, path);
  } catch (e) {
    if (e instanceof PacketdrillSyntaxError || e instanceof PacketdrillSemanticError || e instanceof ConfigError) {
      return { ok: false, status: 1, errors: [e.message], output };
    }
    throw e;
  }
  const files = new Map<string, string | null>();
  const readFile = opts.readFile ?? ((f: string) => files.get(f) ?? null);
  if (!opts.readFile) {
    // Pre-read the shell files the script names (the reader is synchronous).
    const cmds = [script.initCommand?.command, script.cleanupCommand?.command, ...cfg.initScripts,
      ...script.events.map((e) => (e.type === 'command' ? e.command : undefined))];
    for (const c of cmds) {
      if (!c) continue;
      for (const w of c.split(/[\s;&|`]+/)) {
        if (/\.sh$/.test(w) && !files.has(w)) files.set(w, hostReadFile(opts, path, w));
      }
    }
  }
  // The tools registry imports this module: load it here, before the kernel runs (see execWith).
  const programs = opts.exec ? null : (await import('../registry.js')).programs;
  const runner = new Runner(k, cfg, script, out, {
    stdout: out, stderr: out, exec: opts.exec ?? ((argv, t) => execWith(programs!, argv, t)), readFile,
  });
  let initRan = false;
  try {
    await runner.setupNetdev();
    for (const f of cfg.initScripts) {
      const st = await runShell({ ...runner.shellEnv, task: runner.task }, f);
      if (st !== 0) throw new FatalError(`${path}: error executing init script ${f}: non-zero status ${st}`);
    }
    if (script.initCommand) {
      const st = await runShell({ ...runner.shellEnv, task: runner.task }, script.initCommand.command);
      if (st !== 0) throw new FatalError(`${path}: error executing init command: non-zero status ${st}`);
      initRan = true;
    }
    await runner.run();
  } catch (e) {
    // A kernel exception is a tuxnet bug, not a script failure: report it where it happened.
    if (e instanceof FatalError) errors.push(e.message);
    else errors.push(`${path}:${runner.currentLine}: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  }
  // Upstream's run_cleanup_command(): only after an init command ran, whether the script passed or not.
  if (script.cleanupCommand && initRan) {
    const st = await runShell({ ...runner.shellEnv, task: runner.task }, script.cleanupCommand.command).catch(() => 1);
    if (st !== 0) errors.push(`${path}: error executing cleanup command: non-zero status ${st}`);
  }
  if (errors.length === 0) {
    try {
      runner.runCode();
    } catch (e) {
      if (e instanceof FatalError) errors.push(e.message);
      else throw e;
    }
  }
  try {
    await runner.close();
  } catch (e) {
    errors.push(`${path}: internal error closing the script's files: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { ok: errors.length === 0, status: errors.length ? 1 : 0, errors, output };
}
