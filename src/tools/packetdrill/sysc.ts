/**
 * The system calls a script makes (upstream: run_system_call.c), made through
 * tuxnet's syscall layer by the script's Task. Arguments are evaluated from the
 * script's expressions (`...` means "the obvious value": the configured local
 * address for bind, the remote one for connect, a zero-filled buffer of the
 * given size), the result and errno are compared with the script's, and the
 * socket bookkeeping upstream keeps for mapping packets (the socket under test,
 * its live 4-tuple) is updated. Errors are upstream's texts ("Expected result 0
 * but got -1 with errno 111 (Connection refused)").
 */
import * as sys from '../../socket/syscalls.js';
import type { Task } from '../../socket/task.js';
import { SystemError, strerror } from '../../socket/errno.js';
import type { Expr, SyscallSpec } from './script.js';
import { symbols } from './symbols.js';
import { ipv4FromString } from './parser.js';
import type { Config } from './config.js';
import {
  AF_INET, SOCK_STREAM, SOCK_DGRAM, SOCK_TYPE_MASK, type Sockaddr, type SockaddrIn,
} from '../../socket/socket.js';
import type { PollFd } from '../../socket/syscalls.js';
import { epollCreate, epollCreate1, epollCtl, epollWait, type EpollEvent } from '../../socket/eventpoll.js';

export type SockState = 'new' | 'listening' | 'passive_packet_received' | 'passive_synack_sent' | 'passive_synack_acked' |
  'active_connecting' | 'active_syn_sent' | 'active_syn_acked';

/** Upstream's struct socket: what the runner knows of a socket to map its packets. */
export class SockModel {
  state: SockState = 'new';
  protocol = 6;
  scriptFd = -1;
  liveFd = -1;
  localIp = 0;
  localPort = 0;
  remoteIp = 0;
  remotePort = 0;
  scriptLocalIsn = 0;
  liveLocalIsn = 0;
  scriptRemoteIsn = 0;
  liveRemoteIsn = 0;
  /** Script TS val -> live TS val of outbound packets. */
  readonly tsValMap = new Map<number, number>();
  foundFirstTs = false;
  firstScriptTsVal = 0;
  firstActualTsVal = 0;
}

/** What the system calls need of the runner. */
export interface SyscallHost {
  task: Task;
  cfg: Config;
  sockets: SockModel[];
  sut: SockModel | null;
  fdMap: Map<number, number>;
}

class ScriptError extends Error {}

function symbolValue(name: string): number {
  const v = symbols().get(name);
  if (v === undefined) throw new ScriptError(`bad symbolic constant: '${name}'`);
  return v;
}

/** Upstream's get_s32/evaluate for integer-like expressions. */
export function evalInt(e: Expr): number {
  switch (e.k) {
    case 'int': return e.v;
    case 'word': return symbolValue(e.w);
    case 'binary':
      if (e.op === '|') return (evalInt(e.l) | evalInt(e.r)) >>> 0;
      break;
    case 'list':
      if (e.items.length === 1) return evalInt(e.items[0]!);
      break;
    default:
      break;
  }
  throw new ScriptError(`bad integer expression: ${exprType(e)}`);
}

function exprType(e: Expr): string {
  const names: Record<string, string> = {
    int: 'integer', ellipsis: 'ellipsis', word: 'symbol', string: 'string', binary: 'binary_expression', list: 'list',
    struct: 'list', sockaddr: 'sockaddr', msghdr: 'msghdr', iovec: 'iovec', pollfd: 'pollfd', linger: 'linger',
    cmsg: 'cmsg', epollev: 'epollev',
  };
  return names[e.k] ?? e.k;
}

function isEllipsis(e: Expr | undefined): boolean {
  return e === undefined || e.k === 'ellipsis';
}

function argCount(sc: SyscallSpec, n: number): void {
  if (sc.args.length !== n) throw new ScriptError(`expected ${n} args but got ${sc.args.length}`);
}

/** A buffer argument: `...` or an int count -> zeros; a string -> its bytes. */
function bufferArg(e: Expr | undefined, count: number): Uint8Array {
  if (e && e.k === 'string') {
    const b = new TextEncoder().encode(e.s);
    const out = new Uint8Array(Math.max(count, 0));
    out.set(b.subarray(0, out.length));
    return out;
  }
  return new Uint8Array(Math.max(count, 0));
}

function sockaddrArg(h: SyscallHost, e: Expr | undefined, local: boolean): SockaddrIn {
  if (e && e.k === 'sockaddr') {
    if (e.family !== 'AF_INET') throw new ScriptError(`unsupported address family ${e.family}`);
    return { family: AF_INET, port: e.port, addr: ipv4FromString(e.addr) ?? 0 };
  }
  if (!isEllipsis(e)) throw new ScriptError(`bad socket address: ${exprType(e!)}`);
  return local ? { family: AF_INET, port: h.cfg.bindPort, addr: h.cfg.localIp } :
    { family: AF_INET, port: h.cfg.connectPort, addr: h.cfg.remoteIp };
}

function liveFd(h: SyscallHost, e: Expr | undefined): number {
  if (e === undefined) throw new ScriptError('missing fd argument');
  const fd = evalInt(e);
  return h.fdMap.get(fd) ?? fd;
}

/** The outcome of the live call: a result and an errno (0 on success). */
interface Outcome {
  result: number;
  errno: number;
}

async function attempt(fn: () => unknown): Promise<Outcome & { value: unknown }> {
  try {
    const value = await fn();
    return { result: typeof value === 'number' ? value : 0, errno: 0, value };
  } catch (e) {
    if (e instanceof SystemError) return { result: -1, errno: -e.errno, value: undefined };
    throw e;
  }
}

/** Upstream's end_syscall(): compare result and errno. */
function checkResult(sc: SyscallSpec, o: Outcome, mode: 'exact' | 'fd'): void {
  const expected = evalInt(sc.result);
  if (mode === 'fd' && expected >= 0) {
    if (o.result < 0) throw new ScriptError(`Expected non-negative result but got ${o.result} with errno ${o.errno} (${strerror(o.errno)})`);
  } else if (o.result !== expected) {
    if (o.result < 0) throw new ScriptError(`Expected result ${expected} but got ${o.result} with errno ${o.errno} (${strerror(o.errno)})`);
    throw new ScriptError(`Expected result ${expected} but got ${o.result}`);
  }
  if (sc.errno !== null) {
    const want = symbolValue(sc.errno);
    if (o.errno !== want) throw new ScriptError(`Expected errno ${want} (${strerror(want)}) but got ${o.errno} (${strerror(o.errno)})`);
  }
}

const anySys = sys as unknown as Record<string, ((...a: unknown[]) => unknown) | undefined>;

async function doWrite(task: Task, fd: number, data: Uint8Array, flags = 0): Promise<number> {
  const w = anySys['write'];
  if (w) return (await w(task, fd, data, flags)) as number;
  return sys.sendto(task, fd, data, null, flags);
}

async function doRead(task: Task, fd: number, buf: Uint8Array, flags = 0): Promise<number> {
  const r = flags === 0 ? anySys['read'] : (anySys['recv'] ?? anySys['read']);
  if (r) return (await r(task, fd, buf, flags)) as number;
  return sys.recvfrom(task, fd, buf, flags);
}

const F_GETFL = 3;
const F_SETFL = 4;
const F_GETFD = 1;
const F_SETFD = 2;
const O_RDWR = 2;
const O_NONBLOCK = 0o4000;

function doFcntl(task: Task, fd: number, cmd: number, arg: number): number {
  const f = anySys['fcntl'];
  if (f) return f(task, fd, cmd, arg) as number;
  const sock = sys.sockfdLookup(task, fd, 'fcntl');
  if (cmd === F_GETFL) return O_RDWR | (sock.nonblock ? O_NONBLOCK : 0);
  if (cmd === F_SETFL) {
    sock.nonblock = (arg & O_NONBLOCK) !== 0;
    return 0;
  }
  if (cmd === F_GETFD || cmd === F_SETFD) return 0;
  throw new SystemError(22, 'fcntl');
}

function protocolOf(type: number, proto: number): number {
  if (proto) return proto;
  const t = type & SOCK_TYPE_MASK;
  return t === SOCK_STREAM ? 6 : t === SOCK_DGRAM ? 17 : 0;
}

function findByLiveFd(h: SyscallHost, fd: number): SockModel | null {
  for (const s of h.sockets) if (s.liveFd === fd) return s;
  return null;
}

function optvalArg(e: Expr): unknown {
  if (e.k === 'linger') return { onoff: e.onoff, linger: e.linger };
  if (e.k === 'string') return e.s;
  if (e.k === 'list' && e.items.length === 1 && e.items[0]!.k === 'string') return (e.items[0] as { s: string }).s;
  return evalInt(e);
}

function sumIov(e: Expr): number {
  if (e.k === 'list') return e.items.reduce((n, x) => n + (x.k === 'iovec' ? x.len : 0), 0);
  if (e.k === 'iovec') return e.len;
  throw new ScriptError(`bad iovec: ${exprType(e)}`);
}

/**
 * Run one system call line. Resolves to null on success, or the error text that
 * follows `runtime error in NAME call: `.
 */
export async function runSyscall(h: SyscallHost, sc: SyscallSpec): Promise<string | null> {
  try {
    await runSyscallInner(h, sc);
    return null;
  } catch (e) {
    if (e instanceof ScriptError) return e.message;
    throw e;
  }
}

async function runSyscallInner(h: SyscallHost, sc: SyscallSpec): Promise<void> {
  const a = sc.args;
  const task = h.task;
  switch (sc.name) {
    case 'socket': {
      argCount(sc, 3);
      const type = evalInt(a[1]!);
      const proto = evalInt(a[2]!);
      const domain = isEllipsis(a[0]) ? AF_INET : evalInt(a[0]!);
      const o = await attempt(() => sys.socket(task, domain, type, proto));
      checkResult(sc, o, 'fd');
      if (o.result >= 0) {
        const s = new SockModel();
        s.protocol = protocolOf(type, proto);
        s.scriptFd = evalInt(sc.result);
        s.liveFd = o.result;
        h.sockets.push(s);
        h.sut = s;
        h.fdMap.set(s.scriptFd, s.liveFd);
      }
      return;
    }
    case 'bind': {
      argCount(sc, 3);
      const fd = liveFd(h, a[0]);
      const addr = sockaddrArg(h, a[1], true);
      const o = await attempt(() => sys.bind(task, fd, addr));
      checkResult(sc, o, 'exact');
      const s = findByLiveFd(h, fd);
      if (s && o.result === 0) {
        s.localIp = addr.addr || h.cfg.localIp;
        s.localPort = addr.port;
      }
      return;
    }
    case 'listen': {
      argCount(sc, 2);
      const fd = liveFd(h, a[0]);
      const backlog = evalInt(a[1]!);
      const o = await attempt(() => sys.listen(task, fd, backlog));
      checkResult(sc, o, 'exact');
      const s = findByLiveFd(h, fd);
      if (s && o.result === 0) s.state = 'listening';
      return;
    }
    case 'accept':
    case 'accept4': {
      if (sc.args.length !== 3 && sc.args.length !== 4) argCount(sc, 3);
      const fd = liveFd(h, a[0]);
      const flags = a[3] ? evalInt(a[3]) : 0;
      const o = await attempt(async () => (await sys.accept(task, fd, flags)).fd);
      checkResult(sc, o, 'fd');
      if (o.result >= 0) {
        const scriptFd = evalInt(sc.result);
        // Upstream: the accepted socket is the child the inbound SYN created.
        let child = h.sut && h.sut.liveFd < 0 && h.sut.state.startsWith('passive') ? h.sut : null;
        if (!child) {
          child = new SockModel();
          child.protocol = 6;
          h.sockets.push(child);
        }
        child.scriptFd = scriptFd;
        child.liveFd = o.result;
        h.fdMap.set(scriptFd, o.result);
      }
      return;
    }
    case 'connect': {
      argCount(sc, 3);
      const fd = liveFd(h, a[0]);
      const addr = sockaddrArg(h, a[1], false);
      const s = findByLiveFd(h, fd);
      if (s) {
        s.state = 'active_connecting';
        s.remoteIp = addr.addr;
        s.remotePort = addr.port;
        h.sut = s;
      }
      const o = await attempt(() => sys.connect(task, fd, addr as Sockaddr));
      checkResult(sc, o, 'exact');
      return;
    }
    case 'write':
    case 'send': {
      argCount(sc, sc.name === 'write' ? 3 : 4);
      const fd = liveFd(h, a[0]);
      const n = evalInt(a[2]!);
      const flags = sc.name === 'send' ? evalInt(a[3]!) : 0;
      const o = await attempt(() => doWrite(task, fd, bufferArg(a[1], n), flags));
      checkResult(sc, o, 'exact');
      return;
    }
    case 'sendto': {
      argCount(sc, 6);
      const fd = liveFd(h, a[0]);
      const n = evalInt(a[2]!);
      const flags = evalInt(a[3]!);
      const s = findByLiveFd(h, fd);
      let addr: SockaddrIn | null = null;
      const fastopen = (flags & 0x20000000) !== 0; // MSG_FASTOPEN: the address is the connect()'s
      if (!(isEllipsis(a[4]) && s && s.protocol === 6 && !fastopen)) addr = sockaddrArg(h, a[4], false);
      if (s && addr && (s.protocol !== 6 || fastopen)) {
        s.remoteIp = addr.addr;
        s.remotePort = addr.port;
        if (s.state === 'new') s.state = 'active_connecting';
        if (fastopen) h.sut = s;
      }
      const o = await attempt(() => sys.sendto(task, fd, bufferArg(a[1], n), addr, flags));
      checkResult(sc, o, 'exact');
      return;
    }
    case 'writev':
    case 'sendmsg': {
      argCount(sc, 3);
      const fd = liveFd(h, a[0]);
      let n: number;
      let flags = 0;
      if (sc.name === 'writev') n = sumIov(a[1]!);
      else {
        const m = a[1]!;
        if (m.k !== 'msghdr') throw new ScriptError(`bad msghdr: ${exprType(m)}`);
        n = sumIov(m.iov);
        flags = evalInt(a[2]!);
      }
      const o = await attempt(() => (flags === 0 ? doWrite(task, fd, new Uint8Array(n)) : sys.sendto(task, fd, new Uint8Array(n), null, flags)));
      checkResult(sc, o, 'exact');
      return;
    }
    case 'read':
    case 'recv':
    case 'recvfrom': {
      argCount(sc, sc.name === 'read' ? 3 : sc.name === 'recv' ? 4 : 6);
      const fd = liveFd(h, a[0]);
      const n = evalInt(a[2]!);
      const flags = sc.name === 'read' ? 0 : evalInt(a[3]!);
      const buf = new Uint8Array(Math.max(n, 0));
      const o = await attempt(() => (sc.name === 'recvfrom' ? sys.recvfrom(task, fd, buf, flags) : doRead(task, fd, buf, flags)));
      checkResult(sc, o, 'exact');
      return;
    }
    case 'readv':
    case 'recvmsg': {
      argCount(sc, 3);
      const fd = liveFd(h, a[0]);
      let n: number;
      let flags = 0;
      const m = a[1]!;
      if (sc.name === 'readv') n = sumIov(m);
      else {
        if (m.k !== 'msghdr') throw new ScriptError(`bad msghdr: ${exprType(m)}`);
        n = sumIov(m.iov);
        flags = evalInt(a[2]!);
      }
      let msgFlags = 0;
      const o = await attempt(async () => {
        if (sc.name === 'readv' && flags === 0) return doRead(task, fd, new Uint8Array(n));
        const r = await sys.recvmsg(task, fd, n, flags);
        msgFlags = r.flags;
        return (flags & 0x20) ? r.fullLength : r.data.length;
      });
      checkResult(sc, o, 'exact');
      if (m.k === 'msghdr' && o.result >= 0 && !isEllipsis(m.flags)) {
        const want = evalInt(m.flags);
        if (want !== msgFlags) throw new ScriptError(`Expected msg_flags 0x${want.toString(16)} but got 0x${msgFlags.toString(16)}`);
      }
      return;
    }
    case 'close': {
      argCount(sc, 1);
      const scriptFd = evalInt(a[0]!);
      const fd = h.fdMap.get(scriptFd) ?? scriptFd;
      const o = await attempt(() => sys.close(task, fd));
      checkResult(sc, o, 'exact');
      if (o.result === 0) h.fdMap.delete(scriptFd);
      return;
    }
    case 'shutdown': {
      argCount(sc, 2);
      const fd = liveFd(h, a[0]);
      const how = evalInt(a[1]!);
      const o = await attempt(() => sys.shutdown(task, fd, how));
      checkResult(sc, o, 'exact');
      return;
    }
    case 'fcntl': {
      if (sc.args.length !== 2 && sc.args.length !== 3) argCount(sc, 3);
      const fd = liveFd(h, a[0]);
      const cmd = evalInt(a[1]!);
      const arg = a[2] ? evalInt(a[2]) : 0;
      const o = await attempt(() => doFcntl(task, fd, cmd, arg));
      checkResult(sc, o, 'exact');
      return;
    }
    case 'ioctl': {
      argCount(sc, 3);
      const fd = liveFd(h, a[0]);
      const cmd = evalInt(a[1]!);
      const argE = a[2]!;
      const o = await attempt(() => sys.ioctl(task, fd, cmd, isEllipsis(argE) ? undefined : evalInt(argE)));
      // Value-returning ioctls (SIOCINQ, SIOCOUTQ ...) return the value; the syscall returns 0.
      const value = o.value;
      checkResult(sc, { result: o.errno ? -1 : 0, errno: o.errno }, 'exact');
      if (!o.errno && argE.k === 'list' && typeof value === 'number') {
        const want = evalInt(argE);
        if (want !== value) throw new ScriptError(`Bad ioctl optval: expected: ${want} actual: ${value}`);
      }
      return;
    }
    case 'setsockopt': {
      if (sc.args.length !== 5 && sc.args.length !== 4) argCount(sc, 5);
      const fd = liveFd(h, a[0]);
      const level = evalInt(a[1]!);
      const name = evalInt(a[2]!);
      const val = optvalArg(a[3]!);
      const o = await attempt(() => sys.setsockopt(task, fd, level, name, val));
      checkResult(sc, o, 'exact');
      return;
    }
    case 'getsockopt': {
      argCount(sc, 5);
      const fd = liveFd(h, a[0]);
      const level = evalInt(a[1]!);
      const name = evalInt(a[2]!);
      const o = await attempt(() => sys.getsockopt(task, fd, level, name));
      checkResult(sc, { result: o.errno ? -1 : 0, errno: o.errno }, 'exact');
      if (o.errno) return;
      const want = a[3]!;
      const got = o.value;
      if (isEllipsis(want)) return;
      if (want.k === 'linger') {
        const l = got as { onoff?: number; linger?: number } | null;
        if (!l || (l.onoff ? 1 : 0) !== (want.onoff ? 1 : 0) || l.linger !== want.linger) {
          throw new ScriptError(`Bad getsockopt SO_LINGER: expected: {onoff=${want.onoff}, linger=${want.linger}} actual: {onoff=${l?.onoff ?? '?'}, linger=${l?.linger ?? '?'}}`);
        }
        return;
      }
      if (want.k === 'string' || (want.k === 'list' && want.items[0]?.k === 'string')) {
        const s = optvalArg(want) as string;
        if (String(got) !== s) throw new ScriptError(`Bad getsockopt optval: expected: '${s}' actual: '${String(got)}'`);
        return;
      }
      const w = evalInt(want);
      const g = typeof got === 'boolean' ? Number(got) : typeof got === 'number' ? got : NaN;
      if (g !== w) throw new ScriptError(`Bad getsockopt optval: expected: ${w} actual: ${Number.isNaN(g) ? String(got) : g}`);
      return;
    }
    case 'poll': {
      argCount(sc, 3);
      const list = a[0]!;
      if (list.k !== 'list') throw new ScriptError(`bad pollfd array: ${exprType(list)}`);
      const fds: PollFd[] = [];
      const wants: number[] = [];
      for (const p of list.items) {
        if (p.k !== 'pollfd') throw new ScriptError(`bad pollfd: ${exprType(p)}`);
        fds.push({ fd: liveFd(h, p.fd), events: evalInt(p.events) });
        wants.push(evalInt(p.revents));
      }
      const nfds = evalInt(a[1]!);
      if (nfds !== fds.length) throw new ScriptError(`nfds ${nfds} does not match ${fds.length}-element pollfd array`);
      const timeout = evalInt(a[2]!);
      const o = await attempt(() => sys.poll(task, fds, timeout < 0 ? Infinity : timeout * 1e6));
      checkResult(sc, o, 'exact');
      fds.forEach((p, k) => {
        if ((p.revents ?? 0) !== wants[k]) {
          throw new ScriptError(`poll() revents for fd ${list.items[k]!.k === 'pollfd' ? evalInt((list.items[k] as { fd: Expr }).fd) : p.fd}: expected: 0x${wants[k]!.toString(16)} vs actual: 0x${(p.revents ?? 0).toString(16)}`);
        }
      });
      return;
    }
    case 'epoll_create':
    case 'epoll_create1': {
      argCount(sc, 1);
      const v = evalInt(a[0]!);
      const o = await attempt(() => (sc.name === 'epoll_create' ? epollCreate(task, v) : epollCreate1(task, v)));
      checkResult(sc, o, 'fd');
      if (o.result >= 0) h.fdMap.set(evalInt(sc.result), o.result);
      return;
    }
    case 'epoll_ctl': {
      argCount(sc, 4);
      const epfd = liveFd(h, a[0]);
      const op = evalInt(a[1]!);
      const fd = liveFd(h, a[2]);
      const ev = a[3]!;
      let event: EpollEvent | undefined;
      if (ev.k === 'epollev') event = { events: evalInt(ev.events), data: `${ev.field}=${evalInt(ev.value)}` };
      else if (!isEllipsis(ev)) throw new ScriptError(`bad epoll_event: ${exprType(ev)}`);
      const o = await attempt(() => epollCtl(task, epfd, op, fd, event));
      checkResult(sc, o, 'exact');
      return;
    }
    case 'epoll_wait': {
      argCount(sc, 4);
      const epfd = liveFd(h, a[0]);
      const want = a[1]!;
      const maxEvents = evalInt(a[2]!);
      const timeout = evalInt(a[3]!);
      let got: EpollEvent[] = [];
      const o = await attempt(async () => {
        got = await epollWait(task, epfd, maxEvents, timeout < 0 ? Infinity : timeout * 1e6);
        return got.length;
      });
      checkResult(sc, o, 'exact');
      const wants = want.k === 'epollev' ? [want] : want.k === 'list' ? want.items : [];
      wants.forEach((w, k) => {
        if (w.k !== 'epollev' || k >= got.length) return;
        const ev = evalInt(w.events);
        if (got[k]!.events !== ev) {
          throw new ScriptError(`epoll_event->events does not match script: expected: 0x${ev.toString(16)} actual: 0x${got[k]!.events.toString(16)}`);
        }
        const data = `${w.field}=${evalInt(w.value)}`;
        if (got[k]!.data !== data) throw new ScriptError(`epoll_event->data does not match script: expected: ${data} actual: ${String(got[k]!.data)}`);
      });
      return;
    }
    default:
      throw new ScriptError(`Unknown system call: '${sc.name}'`);
  }
}
