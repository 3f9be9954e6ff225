/**
 * The syscall layer (Linux: net/socket.c sys_socket, sys_bind, sys_sendmsg,
 * sys_recvmsg ..., kernel/nsproxy.c setns/unshare, and the few file operations
 * networking tools need: /run/netns and /proc/sys/net).
 *
 * Every call runs with bottom halves disabled and re-enables them on the way out,
 * so packets the call generated are processed before it returns, as Linux does at
 * local_bh_enable(). Errors are thrown as SystemError (code, errno, syscall), the
 * way Node's own syscalls fail. Blocking calls return Promises.
 */
import { type Task, type File, type ChrdevFile, type FileOperations, type Stdio, taskList } from './task.js';
import {
  Socket, type Sockaddr, type RecvResult, type Cmsg, familiesOf, SOCK_NONBLOCK, SOCK_CLOEXEC,
  SOCK_TYPE_MASK, MSG_DONTWAIT, MSG_TRUNC, SOL_SOCKET, SO_RCVTIMEO, SO_SNDTIMEO, POLLIN, MSG_ERRQUEUE,
  POLLERR, POLLHUP, POLLNVAL, SOCK_STREAM, SOCK_SEQPACKET, nextSocketIno, MSG_OOB, MSG_PEEK, MSG_WAITALL,
  type LingeringClose,
} from './socket.js';
import {
  SystemError, EAFNOSUPPORT, EBADF, ENOTSOCK, EAGAIN, EINTR, ENOENT, EINVAL, EEXIST, EISDIR, ENOTDIR, EACCES,
  EOPNOTSUPP, EINPROGRESS, EALREADY,
} from './errno.js';
import type { Interruptible } from '../core/wait.js';
import { WAIT_INTERRUPTED, WAIT_TIMEOUT, WaitQueueHead } from '../core/wait.js';
import type { Net, Kernel } from '../core/net_namespace.js';
import { devIoctl } from '../core/dev_ioctl.js';

export const CLONE_NEWNET = 0x40000000;

function fail(err: number, syscall: string, detail?: string): never {
  throw new SystemError(err, syscall, detail);
}

/** Run a kernel operation with bottom halves disabled (Linux: local_bh_disable/enable). */
function inKernel<T>(task: Task, fn: () => T): T {
  const s = task.kernel.sched;
  // Linux `current`: rtnetlink resolves IFLA_NET_NS_FD/PID in the caller's fd table.
  const prev = task.kernel.generic.get('current');
  task.kernel.generic.set('current', task);
  s.localBhDisable();
  try {
    return fn();
  } finally {
    s.localBhEnable();
    task.kernel.generic.set('current', prev);
  }
}

function fileOf(task: Task, fd: number, syscall: string): File {
  const f = task.fds.get(fd);
  if (!f) fail(EBADF, syscall);
  return f;
}

/** The socket behind an fd (Linux: sockfd_lookup()). */
export function sockfdLookup(task: Task, fd: number, syscall = 'sockfd_lookup'): Socket {
  const f = fileOf(task, fd, syscall);
  if (f.kind !== 'socket') fail(ENOTSOCK, syscall);
  return f.socket;
}

/** Linux: sock_inuse_add(): user sockets per namespace ("sockets: used" of /proc/net/sockstat). */
function sockInuseAdd(net: Net, n: number): void {
  net.generic.set('sock.inuse', ((net.generic.get('sock.inuse') as number | undefined) ?? 0) + n);
}

/** Linux: socket(2). */
export function socket(task: Task, family: number, type: number, protocol = 0): number {
  const fam = familiesOf(task.net).get(family);
  if (!fam) fail(EAFNOSUPPORT, 'socket');
  const sock = new Socket(task.net, type & SOCK_TYPE_MASK, family);
  sock.nonblock = (type & SOCK_NONBLOCK) !== 0;
  sock.ino = nextSocketIno(task.net);
  void SOCK_CLOEXEC;
  const err = inKernel(task, () => fam.create(task.net, sock, protocol, false));
  if (err < 0) fail(-err, 'socket');
  sockInuseAdd(sock.net, 1);
  return task.allocFd({ kind: 'socket', socket: sock, refs: 1 });
}

/** Linux: bind(2). */
export function bind(task: Task, fd: number, addr: Sockaddr): void {
  const sock = sockfdLookup(task, fd, 'bind');
  const err = inKernel(task, () => sock.ops.bind(sock, addr));
  if (err < 0) fail(-err, 'bind');
}

/**
 * Linux: connect(2). A blocking stream socket waits (in kernel time) until the handshake
 * ends (Linux: inet_wait_for_connect()), bounded by SO_SNDTIMEO (then EINPROGRESS); a
 * killed task gets EINTR and the handshake goes on. A non-blocking one gets EINPROGRESS,
 * later calls EALREADY, then 0 once connected (or the error), then EISCONN.
 */
export async function connect(task: Task, fd: number, addr: Sockaddr): Promise<void> {
  const sock = sockfdLookup(task, fd, 'connect');
  if (!sock.ops.connect) fail(95, 'connect');
  const connectFlags = sock.nonblock ? O_NONBLOCK : 0;
  let err = inKernel(task, () => sock.ops.connect!(sock, addr, connectFlags));
  if ((err === -EINPROGRESS || err === -EALREADY) && !sock.nonblock && sock.type === SOCK_STREAM) {
    const k = task.kernel;
    const deadline = sock.sndTimeo === Infinity ? Infinity : k.clock.now() + sock.sndTimeo;
    for (;;) {
      // The tail of __inet_stream_connect(): -EALREADY while the handshake still runs (the
      // handshake may have ended already, when bottom halves ran at the end of the call).
      const seen = sock.wq.wakeups;
      const r = inKernel(task, () => sock.ops.connect!(sock, addr, O_NONBLOCK));
      if (r !== -EALREADY) {
        err = r;
        break;
      }
      if (task.killed) fail(EINTR, 'connect');
      if (sock.wq.wakeups !== seen) continue;
      const left = deadline === Infinity ? Infinity : deadline - k.clock.now();
      if (left <= 0) break;
      const w = await sock.wq.wait(k, left, task.blockedOn);
      if (w === WAIT_INTERRUPTED) fail(EINTR, 'connect');
    }
  }
  if (err < 0) fail(-err, 'connect');
}

/**
 * connect(2) as one non-blocking attempt (the kernel operation once, no wait): for
 * datagram sockets from synchronous code; a stream socket gets EINPROGRESS/EALREADY.
 */
export function connectNow(task: Task, fd: number, addr: Sockaddr): void {
  const sock = sockfdLookup(task, fd, 'connect');
  if (!sock.ops.connect) fail(95, 'connect');
  const connectFlags = sock.nonblock ? O_NONBLOCK : 0;
  const err = inKernel(task, () => sock.ops.connect!(sock, addr, connectFlags));
  if (err < 0) fail(-err, 'connect');
}

/** Linux: sendmsg(2)/sendto(2). Returns bytes sent. */
export function sendto(task: Task, fd: number, data: Uint8Array, addr: Sockaddr | null = null, flags = 0, cmsgs?: Cmsg[]): number {
  const sock = sockfdLookup(task, fd, 'sendmsg');
  // inKernel() spelled out: no closure per call on the data path.
  const s = task.kernel.sched;
  let r: number;
  // Linux `current` for netlink requests (IFLA_NET_NS_FD names an fd of the sender).
  const nl = sock.family === 16;
  if (nl) task.kernel.generic.set('current', task);
  s.localBhDisable();
  try {
    r = sock.ops.sendmsg(sock, data, addr, flags, cmsgs);
  } finally {
    s.localBhEnable();
    if (nl) task.kernel.generic.delete('current');
  }
  if (r < 0) fail(-r, 'sendmsg');
  return r;
}

/** Linux: send(2). */
export function send(task: Task, fd: number, data: Uint8Array, flags = 0): number {
  return sendto(task, fd, data, null, flags);
}

/** Non-blocking receive: the result, or null when nothing is queued. */
export function recvmsgNow(task: Task, fd: number, maxLen = 65536, flags = 0): RecvResult | null {
  const sock = sockfdLookup(task, fd, 'recvmsg');
  const s = task.kernel.sched;
  let r: RecvResult | number;
  s.localBhDisable();
  try {
    r = sock.ops.recvmsg(sock, maxLen, flags);
  } finally {
    s.localBhEnable();
  }
  if (typeof r === 'number') {
    if (r === -EAGAIN) return null;
    fail(-r, 'recvmsg');
  }
  return r;
}

/**
 * Linux: recvmsg(2). Blocks (in kernel time) unless the socket is non-blocking
 * or MSG_DONTWAIT is given; honours SO_RCVTIMEO; a killed task gets EINTR.
 */
export async function recvmsg(task: Task, fd: number, maxLen = 65536, flags = 0): Promise<RecvResult> {
  const slice = task.kernel.sched.timeslice(); // real time: let the event loop run
  if (slice !== null) await slice;
  const sock = sockfdLookup(task, fd, 'recvmsg');
  if (sock.type === SOCK_STREAM && !(flags & (MSG_OOB | MSG_ERRQUEUE))) return streamRecvmsg(task, sock, maxLen, flags);
  // Reading the error queue never waits (Linux: ip_recv_error() returns -EAGAIN at once).
  const nonblock = sock.nonblock || (flags & (MSG_DONTWAIT | MSG_ERRQUEUE)) !== 0;
  const k = task.kernel;
  const deadline = sock.rcvTimeo === Infinity ? Infinity : k.clock.now() + sock.rcvTimeo;
  for (;;) {
    if (task.killed) fail(EINTR, 'recvmsg');
    const r = recvmsgNow(task, fd, maxLen, flags);
    if (r) return r;
    if (nonblock) fail(EAGAIN, 'recvmsg');
    const left = deadline === Infinity ? Infinity : deadline - k.clock.now();
    if (left <= 0) fail(EAGAIN, 'recvmsg');
    const w = await sock.wq.wait(k, left, task.blockedOn);
    if (w === WAIT_INTERRUPTED) fail(EINTR, 'recvmsg');
    if (w === WAIT_TIMEOUT && deadline !== Infinity && k.clock.now() >= deadline) fail(EAGAIN, 'recvmsg');
  }
}

/** recvfrom for a family without recvfromInto: recvmsg, then copy what it returned. */
function recvfromCopy(sock: Socket, buf: Uint8Array, flags: number, addr: Sockaddr | null): number {
  const r = sock.ops.recvmsg(sock, buf.length, flags);
  if (typeof r === 'number') return r;
  const data = r.data.length > buf.length ? r.data.subarray(0, buf.length) : r.data;
  buf.set(data);
  if (addr && r.addr) Object.assign(addr, r.addr);
  return flags & MSG_TRUNC ? r.fullLength : data.length;
}

/** One receive attempt into `buf`: the length, or -errno (-EAGAIN: nothing queued). */
function recvfromOnce(task: Task, sock: Socket, buf: Uint8Array, flags: number, addr: Sockaddr | null): number {
  const s = task.kernel.sched;
  const ops = sock.ops;
  let r: number;
  s.localBhDisable();
  try {
    r = ops.recvfromInto !== undefined ? ops.recvfromInto(sock, buf, flags, addr) : recvfromCopy(sock, buf, flags, addr);
  } finally {
    s.localBhEnable();
  }
  return r;
}

/**
 * Linux: recvfrom(2) on a non-blocking path: copies the next datagram into `buf`
 * (truncated to buf.length; with MSG_TRUNC the datagram's real length is returned)
 * and fills `addr` in place when given. Returns the length; throws SystemError,
 * EAGAIN when nothing is queued. No allocation per call (for families with
 * recvfromInto).
 */
export function recvfromNow(task: Task, fd: number, buf: Uint8Array, flags = 0, addr: Sockaddr | null = null): number {
  const sock = sockfdLookup(task, fd, 'recvfrom');
  const r = recvfromOnce(task, sock, buf, flags, addr);
  if (r < 0) fail(-r, 'recvfrom');
  return r;
}

/**
 * Linux: recvfrom(2). Like recvfromNow, but blocks (in kernel time) unless the
 * socket is non-blocking or MSG_DONTWAIT is given; honours SO_RCVTIMEO; a killed
 * task gets EINTR.
 */
export async function recvfrom(task: Task, fd: number, buf: Uint8Array, flags = 0, addr: Sockaddr | null = null): Promise<number> {
  const slice = task.kernel.sched.timeslice(); // real time: let the event loop run
  if (slice !== null) await slice;
  const sock = sockfdLookup(task, fd, 'recvfrom');
  if (sock.type === SOCK_STREAM) return streamRecv(task, sock, buf, flags, 'recvfrom');
  const nonblock = sock.nonblock || (flags & (MSG_DONTWAIT | MSG_ERRQUEUE)) !== 0;
  const k = task.kernel;
  const deadline = sock.rcvTimeo === Infinity ? Infinity : k.clock.now() + sock.rcvTimeo;
  for (;;) {
    if (task.killed) fail(EINTR, 'recvfrom');
    const r = recvfromOnce(task, sock, buf, flags, addr);
    if (r >= 0) return r;
    if (r !== -EAGAIN || nonblock) fail(-r, 'recvfrom');
    const left = deadline === Infinity ? Infinity : deadline - k.clock.now();
    if (left <= 0) fail(EAGAIN, 'recvfrom');
    const w = await sock.wq.wait(k, left, task.blockedOn);
    if (w === WAIT_INTERRUPTED) fail(EINTR, 'recvfrom');
    if (w === WAIT_TIMEOUT && deadline !== Infinity && k.clock.now() >= deadline) fail(EAGAIN, 'recvfrom');
  }
}

/**
 * Linux: poll(2) on one fd for POLLIN with a timeout (ns; Infinity: forever).
 * Returns the revents, 0 on timeout.
 */
export async function pollIn(task: Task, fd: number, timeoutNs = Infinity): Promise<number> {
  const sock = sockfdLookup(task, fd, 'poll');
  const k = task.kernel;
  const deadline = timeoutNs === Infinity ? Infinity : k.clock.now() + timeoutNs;
  for (;;) {
    if (task.killed) fail(EINTR, 'poll');
    const ev = inKernel(task, () => sock.ops.poll(sock));
    if (ev & POLLIN) return ev;
    const left = deadline === Infinity ? Infinity : deadline - k.clock.now();
    if (left <= 0) return 0;
    const w = await sock.wq.wait(k, left, task.blockedOn);
    if (w === WAIT_INTERRUPTED) fail(EINTR, 'poll');
  }
}

/** Linux: setsockopt(2). Socket-level timeouts are handled here; the rest by the family. */
export function setsockopt(task: Task, fd: number, level: number, optname: number, value: unknown): void {
  const sock = sockfdLookup(task, fd, 'setsockopt');
  if (level === SOL_SOCKET && (optname === SO_RCVTIMEO || optname === SO_SNDTIMEO)) {
    const ns = Number(value);
    if (!(ns >= 0)) fail(EINVAL, 'setsockopt');
    if (optname === SO_RCVTIMEO) sock.rcvTimeo = ns === 0 ? Infinity : ns;
    else sock.sndTimeo = ns === 0 ? Infinity : ns;
    return;
  }
  const err = inKernel(task, () => sock.ops.setsockopt(sock, level, optname, value));
  if (err < 0) fail(-err, 'setsockopt');
}

/** Linux: getsockopt(2). SO_RCVTIMEO/SO_SNDTIMEO (ns, 0 = none) come from the socket; the rest from the family. */
export function getsockopt(task: Task, fd: number, level: number, optname: number): unknown {
  const sock = sockfdLookup(task, fd, 'getsockopt');
  if (level === SOL_SOCKET && (optname === SO_RCVTIMEO || optname === SO_SNDTIMEO)) {
    const t = optname === SO_RCVTIMEO ? sock.rcvTimeo : sock.sndTimeo;
    return t === Infinity ? 0 : t;
  }
  const r = inKernel(task, () => sock.ops.getsockopt(sock, level, optname));
  if (typeof r === 'number' && r < 0) fail(-r, 'getsockopt');
  // A negative option value (TCP_LINGER2 -1) comes boxed, as a negative number is an errno.
  if (r instanceof Number) return r.valueOf();
  return r;
}

/** Linux: getsockname(2). */
export function getsockname(task: Task, fd: number): Sockaddr {
  const sock = sockfdLookup(task, fd, 'getsockname');
  if (!sock.ops.getname) fail(95, 'getsockname');
  const r = sock.ops.getname(sock, false);
  if (typeof r === 'number') fail(-r, 'getsockname');
  return r;
}

/** Linux: FIONBIO (asm-generic/ioctls.h). */
export const FIONBIO = 0x5421;

/** Kernel-internal "not my ioctl" (Linux -ENOIOCTLCMD). */
const ENOIOCTLCMD_NEG = -515;

/** Linux: ioctl(2) on a socket or a character device. */
export function ioctl(task: Task, fd: number, cmd: number, arg?: unknown): unknown {
  const cf = task.fds.get(fd);
  if (cf?.kind === 'chrdev') return chrdevIoctl(task, cf, cmd, arg);
  const sock = sockfdLookup(task, fd, 'ioctl');
  // Linux: FIONBIO is a file ioctl (do_vfs_ioctl): the O_NONBLOCK flag.
  if (cmd === FIONBIO) {
    sock.nonblock = Boolean(arg);
    return 0;
  }
  // Linux sock_do_ioctl(): what the family does not know (-ENOIOCTLCMD) goes to dev_ioctl().
  let r = sock.ops.ioctl ? inKernel(task, () => sock.ops.ioctl!(sock, cmd, arg)) : ENOIOCTLCMD_NEG;
  if (r === ENOIOCTLCMD_NEG) r = inKernel(task, () => devIoctl(task.net, cmd, arg));
  if (typeof r === 'number' && r < 0) fail(-r, 'ioctl');
  return r;
}

/** Linux: close(2). The last reference releases the socket. */
export function close(task: Task, fd: number): void | Promise<void> {
  const f = fileOf(task, fd, 'close');
  task.fds.delete(fd);
  // SO_LINGER with a time on a stream socket: the last close waits for the FIN's ACK or the
  // linger time (Linux: sk_stream_wait_close() in __tcp_close), and returns a Promise then.
  if (f.kind === 'socket' && f.refs === 1 && f.socket.ops.releaseLinger) {
    const sock = f.socket;
    const lc = inKernel(task, () => sock.ops.releaseLinger!(sock));
    if (lc) {
      f.refs = 0;
      return lingerClose(task, sock, lc);
    }
  }
  releaseFile(task, f);
}

/** The wait of a lingering close (Linux: sk_stream_wait_close(), interrupted by a signal). */
async function lingerClose(task: Task, sock: Socket, lc: LingeringClose): Promise<void> {
  const k = task.kernel;
  const deadline = k.clock.now() + lc.timeoutNs;
  for (;;) {
    const seen = sock.wq.wakeups;
    if (lc.done() || task.killed) break;
    if (sock.wq.wakeups !== seen) continue;
    const left = deadline - k.clock.now();
    if (left <= 0) break;
    const w = await sock.wq.wait(k, left, task.blockedOn);
    if (w === WAIT_INTERRUPTED) break;
  }
  inKernel(task, () => lc.finish());
  sockInuseAdd(sock.net, -1);
}

function releaseFile(task: Task, f: File): void {
  if (--f.refs > 0) return;
  if (f.kind === 'socket') {
    inKernel(task, () => f.socket.ops.release(f.socket));
    sockInuseAdd(f.socket.net, -1);
  }
  else if (f.kind === 'netns') task.kernel.putNet(f.net);
  else if (f.kind === 'chrdev') inKernel(task, () => f.fops.release(f));
}

/**
 * Linux: fork(2), the part networking sees (copy_files): a child task in the same
 * namespace with a copy of the fd table, each open file gaining a reference (a socket
 * is released when its last holder closes it). A daemon forks so the listening socket
 * outlives the parent.
 */
export function fork(task: Task, stdout?: Stdio, stderr?: Stdio, pid = 0): Task {
  const child = task.fork(stdout, stderr, pid);
  for (const [fd, f] of task.fds) {
    f.refs++;
    child.fds.set(fd, f);
  }
  return child;
}

/** Close every fd (process exit) and leave the namespace. */
export function exitTask(task: Task): void {
  // Linux: a socket closed by exit lingers in the background (PF_EXITING: no wait).
  for (const fd of [...task.fds.keys()]) {
    const f = task.fds.get(fd)!;
    task.fds.delete(fd);
    releaseFile(task, f);
  }
  task.exitNs();
}

/** Linux: getpeername(2): ENOTCONN when the socket has no peer. */
export function getpeername(task: Task, fd: number): Sockaddr {
  const sock = sockfdLookup(task, fd, 'getpeername');
  if (!sock.ops.getname) fail(EOPNOTSUPP, 'getpeername');
  const r = inKernel(task, () => sock.ops.getname!(sock, true));
  if (typeof r === 'number') fail(-r, 'getpeername');
  return r;
}

/** Linux: shutdown(2): SHUT_RD, SHUT_WR or SHUT_RDWR. */
export function shutdown(task: Task, fd: number, how: number): void {
  const sock = sockfdLookup(task, fd, 'shutdown');
  if (!sock.ops.shutdown) fail(EOPNOTSUPP, 'shutdown');
  const err = inKernel(task, () => sock.ops.shutdown!(sock, how));
  if (err < 0) fail(-err, 'shutdown');
}

/** Linux: net.core.somaxconn default (listen backlogs are capped at it). */
export const SOMAXCONN = 4096;

/** Linux: listen(2). Datagram sockets: EOPNOTSUPP (sock_no_listen). */
export function listen(task: Task, fd: number, backlog = SOMAXCONN): void {
  const sock = sockfdLookup(task, fd, 'listen');
  if (!sock.ops.listen) fail(EOPNOTSUPP, 'listen');
  const n = Math.min(backlog >>> 0, SOMAXCONN);
  const err = inKernel(task, () => sock.ops.listen!(sock, n));
  if (err < 0) fail(-err, 'listen');
}

/** What accept(2) returns: the new fd and the peer's address. */
export interface AcceptResult {
  fd: number;
  addr: Sockaddr | null;
}

/** One accept attempt: the new socket, or -errno (-EAGAIN: nothing pending). */
function acceptOnce(task: Task, sock: Socket, flags: number, ino = 0): Socket | number {
  const newsock = new Socket(task.net, sock.type, sock.family);
  newsock.nonblock = (flags & SOCK_NONBLOCK) !== 0;
  newsock.ino = ino;
  const err = inKernel(task, () => sock.ops.accept!(sock, newsock, flags));
  return err < 0 ? err : newsock;
}

function acceptResult(task: Task, newsock: Socket): AcceptResult {
  const addr = newsock.ops.getname ? newsock.ops.getname(newsock, true) : null;
  const fd = task.allocFd({ kind: 'socket', socket: newsock, refs: 1 });
  sockInuseAdd(newsock.net, 1);
  return { fd, addr: typeof addr === 'number' ? null : addr };
}

/**
 * Linux: accept4(2). Blocks (in kernel time) unless the listening socket is
 * non-blocking; `flags` may hold SOCK_NONBLOCK for the new socket. Datagram
 * sockets have no connections: EOPNOTSUPP (sock_no_accept).
 */
export async function accept(task: Task, fd: number, flags = 0): Promise<AcceptResult> {
  const slice = task.kernel.sched.timeslice(); // real time: let the event loop run
  if (slice !== null) await slice;
  const sock = sockfdLookup(task, fd, 'accept');
  if (!sock.ops.accept || (sock.type !== SOCK_STREAM && sock.type !== SOCK_SEQPACKET)) fail(EOPNOTSUPP, 'accept');
  const k = task.kernel;
  const deadline = sock.rcvTimeo === Infinity ? Infinity : k.clock.now() + sock.rcvTimeo;
  // Linux: sock_alloc() of the new socket (and its inode) happens once per accept call.
  const ino = nextSocketIno(task.net);
  for (;;) {
    if (task.killed) fail(EINTR, 'accept');
    const r = acceptOnce(task, sock, flags, ino);
    if (typeof r !== 'number') return acceptResult(task, r);
    if (r !== -EAGAIN || sock.nonblock) fail(-r, 'accept');
    const left = deadline === Infinity ? Infinity : deadline - k.clock.now();
    if (left <= 0) fail(EAGAIN, 'accept');
    const w = await sock.wq.wait(k, left, task.blockedOn);
    if (w === WAIT_INTERRUPTED) fail(EINTR, 'accept');
  }
}

/** A message for sendmsg(2) (Linux: struct msghdr). */
export interface MsgHdr {
  data: Uint8Array;
  /** msg_name: the destination, or null on a connected socket. */
  addr?: Sockaddr | null;
  /** msg_control, decoded. */
  cmsgs?: Cmsg[];
}

/** Linux: sendmsg(2) with a msghdr. Returns bytes sent. */
export function sendmsg(task: Task, fd: number, msg: MsgHdr, flags = 0): number {
  return sendto(task, fd, msg.data, msg.addr ?? null, flags, msg.cmsgs);
}

/** One entry of poll(2) (Linux: struct pollfd). */
export interface PollFd {
  fd: number;
  events: number;
  revents?: number;
}

/**
 * Linux: poll(2) over sockets: fills each entry's `revents` (POLLERR and POLLHUP
 * always count; POLLNVAL for a bad fd) and returns how many are ready, waiting up
 * to `timeoutNs` (Infinity: forever, 0: just look) in kernel time.
 */
export async function poll(task: Task, fds: PollFd[], timeoutNs = Infinity): Promise<number> {
  const slice = task.kernel.sched.timeslice(); // real time: let the event loop run
  if (slice !== null) await slice;
  const k = task.kernel;
  const deadline = timeoutNs === Infinity ? Infinity : k.clock.now() + timeoutNs;
  let rechecks = 0;
  for (;;) {
    if (task.killed) fail(EINTR, 'poll');
    let ready = 0;
    const socks: Socket[] = [];
    const seen: number[] = [];
    for (const p of fds) {
      const f = task.fds.get(p.fd);
      let rev = 0;
      if (p.fd < 0) rev = 0;
      else if (!f || f.kind !== 'socket') rev = f ? (p.events & (POLLIN | 0x4)) : POLLNVAL;
      else {
        const sock = f.socket;
        socks.push(sock);
        seen.push(sock.wq.wakeups);
        rev = inKernel(task, () => sock.ops.poll(sock)) & (p.events | POLLERR | POLLHUP);
      }
      p.revents = rev;
      if (rev) ready++;
    }
    if (ready) return ready;
    // Linux queues the poller on every wait queue (poll_wait) before asking ->poll, so a
    // wake-up from the packets processed when bottom halves were re-enabled at the end of
    // a check is not lost: it makes the sleep return at once. Here the sleep starts after
    // the checks: a queue woken since its check means look again instead of sleeping
    // until the timeout (bounded, in case some ->poll wakes its own queue).
    if (rechecks < 8 && socks.some((sk, i) => sk.wq.wakeups !== seen[i])) {
      rechecks++;
      continue;
    }
    rechecks = 0;
    const left = deadline === Infinity ? Infinity : deadline - k.clock.now();
    if (left <= 0) return 0;
    // Sleep on every socket's wait queue; the first wake-up (or the timeout) ends the sleep.
    const waits = new Set<Interruptible>();
    const group: Interruptible = { cancel: () => { for (const x of [...waits]) x.cancel(); } };
    task.blockedOn.add(group);
    const sleeps = socks.length ? socks.map((sk) => sk.wq.wait(k, left, waits)) : [new WaitQueueHead().wait(k, left, waits)];
    const w = await Promise.race(sleeps);
    task.blockedOn.delete(group);
    group.cancel();
    if (task.killed || w === WAIT_INTERRUPTED) fail(EINTR, 'poll');
  }
}

/* ------------------------------------------------------------------ */
/* Namespaces                                                          */

/** Linux: unshare(CLONE_NEWNET): the task moves into a new namespace. */
export function unshare(task: Task, flags: number): void {
  if (!(flags & CLONE_NEWNET)) fail(EINVAL, 'unshare');
  const old = task.net;
  task.net = task.kernel.newNet();
  task.net.refcnt++;
  task.kernel.putNet(old);
}

/** Linux: setns(fd, CLONE_NEWNET). */
export function setns(task: Task, fd: number, nstype = CLONE_NEWNET): void {
  const f = fileOf(task, fd, 'setns');
  if (f.kind !== 'netns' || (nstype !== 0 && nstype !== CLONE_NEWNET)) fail(EINVAL, 'setns');
  const old = task.net;
  task.net = f.net;
  f.net.refcnt++;
  task.kernel.putNet(old);
}

function netnsName(path: string): string | null {
  const m = /^\/(?:var\/)?run\/netns\/([^/]+)$/.exec(path);
  return m ? m[1]! : null;
}

/** Linux: mount --bind /proc/self/ns/net /run/netns/NAME (what `ip netns add` ends with). */
export function mountNetns(task: Task, path: string, net: Net = task.net): void {
  const name = netnsName(path);
  if (!name || name === '.' || name === '..') fail(EINVAL, 'mount');
  if (task.kernel.netnsNames.has(name)) fail(EEXIST, 'mount');
  task.kernel.netnsNames.set(name, net);
  net.refcnt++;
}

/** Linux: umount2(MNT_DETACH) + unlink of /run/netns/NAME (what `ip netns del` does). */
export function umountNetns(task: Task, path: string): void {
  const name = netnsName(path);
  const net = name ? task.kernel.netnsNames.get(name) : undefined;
  if (!name || !net) fail(ENOENT, 'umount2');
  task.kernel.netnsNames.delete(name);
  task.kernel.putNet(net);
}

/* ------------------------------------------------------------------ */
/* Files: /run/netns, /proc/self/ns/net, /proc/sys/net                */

/** Linux: openat(2) for namespace handles, proc files and character devices (/dev/net/tun). */
export function open(task: Task, path: string, flags = 0): number {
  const misc = miscDevices(task.kernel).get(path);
  if (misc) return task.allocFd({ kind: 'chrdev', path, refs: 1, nonblock: (flags & O_NONBLOCK) !== 0, fops: misc, priv: null });
  const name = netnsName(path);
  if (name !== null) {
    const net = task.kernel.netnsNames.get(name);
    if (!net) fail(ENOENT, 'open', path);
    net.refcnt++;
    return task.allocFd({ kind: 'netns', net, refs: 1 });
  }
  if (path === '/proc/self/ns/net' || path === '/proc/thread-self/ns/net') {
    task.net.refcnt++;
    return task.allocFd({ kind: 'netns', net: task.net, refs: 1 });
  }
  const content = readFile(task, path);
  return task.allocFd({ kind: 'proc', path, refs: 1, content, pos: 0 });
}

/** The namespace an fd refers to (for IFLA_NET_NS_FD). */
export function netnsOfFd(task: Task, fd: number): Net | null {
  const f = task.fds.get(fd);
  return f && f.kind === 'netns' ? f.net : null;
}

function sysctlName(path: string): string | null {
  const m = /^\/proc\/sys\/(.+)$/.exec(path);
  return m ? m[1]!.replace(/\/+$/, '').split('/').join('.') : null;
}

/** A file of the in-memory /tmp (kernel-wide, as /tmp is one mount shared by namespaces). */
interface TmpFile {
  content: string;
  uid: number;
  /** Last write, ns of the kernel clock. */
  mtime: number;
}

function tmpfs(k: Kernel): Map<string, TmpFile> {
  let m = k.generic.get('tmpfs') as Map<string, TmpFile> | undefined;
  if (!m) {
    m = new Map();
    k.generic.set('tmpfs', m);
  }
  return m;
}

function isTmpPath(path: string): boolean {
  return /^\/(?:var\/)?tmp\/[^/]+$/.test(path);
}

/** Linux: unlink(2), for files under /tmp. */
export function unlink(task: Task, path: string): void {
  if (!isTmpPath(path) || !tmpfs(task.kernel).delete(path)) fail(ENOENT, 'unlink', path);
}

/** Linux: stat(2) of a /tmp file: its owner and modification time (ns), or ENOENT. */
export function statTmp(task: Task, path: string): { uid: number; mtime: number } {
  const f = isTmpPath(path) ? tmpfs(task.kernel).get(path) : undefined;
  if (!f) fail(ENOENT, 'stat', path);
  return { uid: f.uid, mtime: f.mtime };
}

/** Read a whole file (Linux: open + read + close): /proc/sys/net/..., /proc/net/... and /tmp files. */
export function readFile(task: Task, path: string): string {
  if (isTmpPath(path)) {
    const f = tmpfs(task.kernel).get(path);
    if (!f) fail(ENOENT, 'open', path);
    return f.content;
  }
  const name = sysctlName(path);
  if (name !== null) {
    const e = task.kernel.sysctl.find(task.net, name);
    if (!e) {
      if (readdir(task, path).length) fail(EISDIR, 'read', path);
      fail(ENOENT, 'open', path);
    }
    // A write-only entry (net.ipv4.route.flush, mode 0200) cannot be opened for reading.
    if (!(e.mode & 0o444)) fail(EACCES, 'open', path);
    return e.get(task.net) + '\n';
  }
  const gen = procFiles(task).get(path);
  if (gen) return gen(task.net);
  const stat = /^\/proc\/(\d+|self)\/stat$/.exec(path);
  if (stat) {
    // Linux: proc_pid_stat(): "pid (comm) state ppid ..." (the fields tools read).
    const t = procTask(task, stat[1]!, 'open', path);
    return `${t.pid} (${t.comm}) S 1 ${t.pid} ${t.pid} 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 0 0 0\n`;
  }
  fail(ENOENT, 'open', path);
}

/** Write a file: sysctl values, or a /tmp file (created or replaced). */
export function writeFile(task: Task, path: string, content: string): void {
  if (isTmpPath(path)) {
    const m = tmpfs(task.kernel);
    const f = m.get(path);
    if (f && f.uid !== task.uid && task.uid !== 0) fail(EACCES, 'open', path);
    m.set(path, { content, uid: f ? f.uid : task.uid, mtime: task.kernel.clock.now() });
    return;
  }
  const name = sysctlName(path);
  if (name === null) fail(EACCES, 'open', path);
  const e = task.kernel.sysctl.find(task.net, name);
  if (!e) fail(ENOENT, 'open', path);
  if (!(e.mode & 0o200)) fail(EACCES, 'open', path);
  const err = inKernel(task, () => e.set(task.net, content));
  if (err < 0) fail(-err, 'write', path);
}

/** List a directory: /run/netns and the /proc/sys tree. */
export function readdir(task: Task, path: string): string[] {
  const p = path.replace(/\/+$/, '');
  if (p === '/run/netns' || p === '/var/run/netns') return [...task.kernel.netnsNames.keys()].sort();
  if (p === '/proc') {
    const pids = [...taskList(task.kernel)].map((t) => t.pid).filter((x) => x > 0);
    return [...new Set(pids)].sort((x, y) => x - y).map(String).concat(['net', 'self', 'sys']);
  }
  const fdDir = /^\/proc\/(\d+|self)\/fd$/.exec(p);
  if (fdDir) return [...procTask(task, fdDir[1]!, 'opendir', path).fds.keys()].sort((x, y) => x - y).map(String);
  const prefix = sysctlName(p + '/x');
  if (prefix !== null) {
    const dir = prefix.slice(0, -2);
    const out = new Set<string>();
    for (const e of task.kernel.sysctl.list(task.net)) {
      if (e.name.startsWith(dir + '.')) out.add(e.name.slice(dir.length + 1).split('.')[0]!);
    }
    return [...out].sort();
  }
  fail(ENOTDIR, 'opendir', path);
}

/** The task /proc/PID names (or ENOENT). */
function procTask(task: Task, pid: string, syscall: string, path: string): Task {
  if (pid === 'self') return task;
  for (const t of taskList(task.kernel)) if (t.pid === Number(pid)) return t;
  fail(ENOENT, syscall, path);
}

/** Linux: readlink(2) of /proc/PID/fd/N: "socket:[INO]" for a socket, "net:[INUM]" for a namespace handle. */
export function readlink(task: Task, path: string): string {
  const m = /^\/proc\/(\d+|self)\/fd\/(\d+)$/.exec(path);
  if (!m) fail(EINVAL, 'readlink', path);
  const t = procTask(task, m[1]!, 'readlink', path);
  const f = t.fds.get(Number(m[2]));
  if (!f) fail(ENOENT, 'readlink', path);
  if (f.kind === 'socket') return `socket:[${f.socket.ino}]`;
  if (f.kind === 'netns') return `net:[${f.net.inum}]`;
  return f.path;
}

/** Generators of /proc/net files; subsystems register theirs. */
export function procFiles(task: Task): Map<string, (net: Net) => string> {
  return procFilesOf(task.kernel);
}

/** The /proc/net generator table of a kernel (for subsystems registering at init). */
export function procFilesOf(k: Kernel): Map<string, (net: Net) => string> {
  let m = k.generic.get('procfs') as Map<string, (net: Net) => string> | undefined;
  if (!m) {
    m = new Map();
    k.generic.set('procfs', m);
  }
  return m;
}

/* ------------------------------------------------------------------ */
/* Time                                                                */

export const CLOCK_REALTIME = 0;
export const CLOCK_MONOTONIC = 1;

/** Linux: clock_gettime(2), in ns: the kernel clock (virtual or real) for CLOCK_MONOTONIC. */
export function clockGettime(task: Task, clockid = CLOCK_MONOTONIC): number {
  const c = task.kernel.clock;
  if (clockid === CLOCK_REALTIME) return c.now() + c.realtimeOffsetNs;
  if (clockid !== CLOCK_MONOTONIC) fail(EINVAL, 'clock_gettime');
  return c.now();
}

/** Linux: nanosleep(2): sleep `ns` of kernel time; a killed task gets EINTR. */
export async function nanosleep(task: Task, ns: number): Promise<void> {
  if (!(ns >= 0)) fail(EINVAL, 'nanosleep');
  if (task.killed) fail(EINTR, 'nanosleep');
  const w = await new WaitQueueHead().wait(task.kernel, ns, task.blockedOn);
  if (w === WAIT_INTERRUPTED) fail(EINTR, 'nanosleep');
}

/* ------------------------------------------------------------------ */
/* Character devices (misc devices such as /dev/net/tun)               */

/** Linux: O_NONBLOCK (asm-generic/fcntl.h). */
export const O_NONBLOCK = 0o4000;

/** Registered misc devices by path (Linux: misc_register(); drivers add theirs at init). */
export function miscDevices(k: Kernel): Map<string, FileOperations> {
  let m = k.generic.get('miscdev') as Map<string, FileOperations> | undefined;
  if (!m) {
    m = new Map();
    k.generic.set('miscdev', m);
  }
  return m;
}

function chrdevOf(task: Task, fd: number, syscall: string): ChrdevFile {
  const f = fileOf(task, fd, syscall);
  if (f.kind !== 'chrdev') fail(EINVAL, syscall);
  return f;
}

function chrdevIoctl(task: Task, f: ChrdevFile, cmd: number, arg: unknown): number {
  if (cmd === FIONBIO) {
    f.nonblock = Boolean(arg);
    return 0;
  }
  const r = inKernel(task, () => f.fops.ioctl(f, cmd, arg, task.net));
  if (r < 0) fail(-r, 'ioctl');
  return r;
}

/**
 * Linux: read(2) on a character device: blocks (in kernel time) until the device
 * has data, unless O_NONBLOCK; `timeoutNs` bounds the wait (EAGAIN after it, as a
 * poll with timeout followed by read would). Returns the bytes read.
 */
export async function chrdevRead(task: Task, fd: number, buf: Uint8Array, timeoutNs = Infinity): Promise<number> {
  const f = chrdevOf(task, fd, 'read');
  const k = task.kernel;
  const deadline = timeoutNs === Infinity ? Infinity : k.clock.now() + timeoutNs;
  for (;;) {
    if (task.killed) fail(EINTR, 'read');
    const r = inKernel(task, () => f.fops.read(f, buf));
    if (r >= 0) return r;
    if (r !== -EAGAIN || f.nonblock) fail(-r, 'read');
    const left = deadline === Infinity ? Infinity : deadline - k.clock.now();
    if (left <= 0) fail(EAGAIN, 'read');
    const w = await f.fops.waitQueue(f).wait(k, left, task.blockedOn);
    if (w === WAIT_INTERRUPTED) fail(EINTR, 'read');
  }
}

/** Linux: write(2) on a character device. Returns the bytes written. */
export function chrdevWrite(task: Task, fd: number, data: Uint8Array): number {
  const f = chrdevOf(task, fd, 'write');
  const r = inKernel(task, () => f.fops.write(f, data));
  if (r < 0) fail(-r, 'write');
  return r;
}

/* ------------------------------------------------------------------ */
/* Stream sockets: read/write/recv, fcntl                              */

/** Linux: fcntl(2) commands (asm-generic/fcntl.h). */
export const F_GETFD = 1;
export const F_SETFD = 2;
export const F_GETFL = 3;
export const F_SETFL = 4;
export const FD_CLOEXEC = 1;
/** Linux: O_RDWR, what F_GETFL reports for a socket besides O_NONBLOCK. */
export const O_RDWR = 2;

/**
 * Linux: sock_rcvlowat(sk, waitall, len): how many bytes a stream read waits for
 * (MSG_WAITALL: all of them; else SO_RCVLOWAT, at least 1).
 */
function sockRcvlowat(sock: Socket, waitall: boolean, len: number): number {
  const sk = sock.sk as { rcvlowat?: number } | null;
  const v = waitall ? len : Math.min(sk?.rcvlowat ?? 1, len);
  return v || 1;
}

/**
 * A stream receive (Linux: tcp_recvmsg()'s loop with its sk_wait_data() sleeps): copies
 * what is queued, and unless non-blocking waits until `target` bytes (SO_RCVLOWAT, or
 * all with MSG_WAITALL) have been read, the stream ended (0), an error came, the
 * SO_RCVTIMEO timeout passed or the task was killed; once some bytes were read those
 * end the call with the count instead of an error, as Linux does.
 */
async function streamRecv(task: Task, sock: Socket, buf: Uint8Array, flags: number, syscall: string): Promise<number> {
  const nonblock = sock.nonblock || (flags & (MSG_DONTWAIT | MSG_ERRQUEUE)) !== 0;
  const peek = (flags & MSG_PEEK) !== 0;
  const k = task.kernel;
  // recv(MSG_OOB) never blocks (tcp_recv_urg).
  if (flags & (MSG_OOB | MSG_ERRQUEUE)) {
    const r = recvfromOnce(task, sock, buf, flags, null);
    if (r < 0) fail(-r, syscall);
    return r;
  }
  const target = sockRcvlowat(sock, (flags & MSG_WAITALL) !== 0, buf.length);
  const deadline = sock.rcvTimeo === Infinity ? Infinity : k.clock.now() + sock.rcvTimeo;
  let copied = 0;
  for (;;) {
    if (task.killed) {
      if (copied) return copied;
      fail(EINTR, syscall);
    }
    // MSG_PEEK leaves the data queued: each try looks from the start again.
    const seen = sock.wq.wakeups;
    const r = recvfromOnce(task, sock, peek ? buf : buf.subarray(copied), flags, null);
    if (r > 0) {
      copied = peek ? r : copied + r;
      if (copied >= target || copied >= buf.length) return copied;
    } else if (r === 0) {
      return copied;
    } else if (r !== -EAGAIN) {
      if (copied) return copied;
      fail(-r, syscall);
    }
    if (nonblock) {
      if (copied) return copied;
      fail(EAGAIN, syscall);
    }
    // Woken while trying (bottom halves ran at the end of the call): try again at once.
    if (sock.wq.wakeups !== seen) continue;
    const left = deadline === Infinity ? Infinity : deadline - k.clock.now();
    if (left <= 0) {
      if (copied) return copied;
      fail(EAGAIN, syscall);
    }
    const w = await sock.wq.wait(k, left, task.blockedOn);
    if (w === WAIT_INTERRUPTED) {
      if (copied) return copied;
      fail(EINTR, syscall);
    }
  }
}

/** recvmsg(2) on a stream socket: streamRecv into a fresh buffer. */
async function streamRecvmsg(task: Task, sock: Socket, maxLen: number, flags: number): Promise<RecvResult> {
  const buf = new Uint8Array(maxLen);
  const n = await streamRecv(task, sock, buf, flags, 'recvmsg');
  // The control messages as the read left them (TCP_INQ): a zero-length receive reports them.
  const s = task.kernel.sched;
  let r: RecvResult | number;
  s.localBhDisable();
  try {
    r = sock.ops.recvmsg(sock, 0, flags & ~MSG_WAITALL);
  } finally {
    s.localBhEnable();
  }
  const cmsgs = typeof r === 'number' ? [] : r.cmsgs;
  return { data: buf.subarray(0, n), fullLength: n, addr: null, flags: 0, cmsgs };
}

/**
 * Linux: recv(2) = recvfrom without an address. Stream sockets: blocking with
 * MSG_PEEK/MSG_WAITALL/MSG_DONTWAIT/MSG_TRUNC/MSG_OOB as tcp_recvmsg(); 0 at end of stream.
 */
export async function recv(task: Task, fd: number, buf: Uint8Array, flags = 0): Promise<number> {
  return recvfrom(task, fd, buf, flags, null);
}

/**
 * Linux: read(2): recv with no flags on a socket (0 at end of stream), the device's
 * read on a character device.
 */
export async function read(task: Task, fd: number, buf: Uint8Array, flags = 0): Promise<number> {
  const slice = task.kernel.sched.timeslice(); // real time: let the event loop run
  if (slice !== null) await slice;
  const f = fileOf(task, fd, 'read');
  if (f.kind === 'chrdev') return chrdevRead(task, fd, buf);
  if (f.kind !== 'socket') fail(EINVAL, 'read');
  const sock = f.socket;
  if (sock.type === SOCK_STREAM) return streamRecv(task, sock, buf, flags, 'read');
  return recvfrom(task, fd, buf, flags, null);
}

/** One send attempt: bytes queued or -errno (no exception, no closure on the data path). */
function sendOnce(task: Task, sock: Socket, data: Uint8Array, flags: number): number {
  const s = task.kernel.sched;
  s.localBhDisable();
  try {
    return sock.ops.sendmsg(sock, data, null, flags);
  } finally {
    s.localBhEnable();
  }
}

/**
 * Linux: write(2) / a blocking send(2) on a stream socket (tcp_sendmsg with its
 * sk_stream_wait_memory() sleeps): queues all of `data`, waiting for send-buffer space
 * unless the socket is non-blocking or MSG_DONTWAIT is given; SO_SNDTIMEO and a kill end
 * the wait. Returns the bytes queued (fewer than asked only when the wait ended after
 * some were queued); throws EAGAIN (nothing queued, would block), EPIPE (shut down for
 * writing, or reset: the socket error is reported instead when there is one). Datagram
 * sockets and character devices: one send, as sendto/write.
 */
export async function write(task: Task, fd: number, data: Uint8Array, flags = 0): Promise<number> {
  const slice = task.kernel.sched.timeslice(); // real time: let the event loop run
  if (slice !== null) await slice;
  const f = fileOf(task, fd, 'write');
  if (f.kind === 'chrdev') return chrdevWrite(task, fd, data);
  if (f.kind !== 'socket') fail(EINVAL, 'write');
  const sock = f.socket;
  if (sock.type !== SOCK_STREAM) return sendto(task, fd, data, null, flags);
  const nonblock = sock.nonblock || (flags & MSG_DONTWAIT) !== 0;
  const k = task.kernel;
  const deadline = sock.sndTimeo === Infinity ? Infinity : k.clock.now() + sock.sndTimeo;
  let sent = 0;
  for (;;) {
    if (task.killed) {
      if (sent) return sent;
      fail(EINTR, 'write');
    }
    const seen = sock.wq.wakeups;
    const r = sendOnce(task, sock, sent ? data.subarray(sent) : data, flags);
    if (r >= 0) {
      sent += r;
      if (sent >= data.length) return sent;
    } else if (r !== -EAGAIN) {
      if (sent) return sent;
      fail(-r, 'write');
    }
    if (nonblock) {
      if (sent) return sent;
      fail(EAGAIN, 'write');
    }
    if (sock.wq.wakeups !== seen) continue;
    const left = deadline === Infinity ? Infinity : deadline - k.clock.now();
    if (left <= 0) {
      if (sent) return sent;
      fail(EAGAIN, 'write');
    }
    const w = await sock.wq.wait(k, left, task.blockedOn);
    if (w === WAIT_INTERRUPTED) {
      if (sent) return sent;
      fail(EINTR, 'write');
    }
  }
}

/** Linux: send(2) that blocks like write(2) on a stream socket (flags as send). */
export async function sendAll(task: Task, fd: number, data: Uint8Array, flags = 0): Promise<number> {
  return write(task, fd, data, flags);
}

/**
 * Linux: fcntl(2) with F_GETFL/F_SETFL (O_NONBLOCK; sockets report O_RDWR) and
 * F_GETFD/F_SETFD (FD_CLOEXEC is accepted and not kept: there is no exec).
 */
export function fcntl(task: Task, fd: number, cmd: number, arg = 0): number {
  const f = fileOf(task, fd, 'fcntl');
  switch (cmd) {
    case F_GETFD:
      return 0;
    case F_SETFD:
      return 0;
    case F_GETFL: {
      const nb = f.kind === 'socket' ? f.socket.nonblock : f.kind === 'chrdev' ? f.nonblock : false;
      return (f.kind === 'proc' ? 0 : O_RDWR) | (nb ? O_NONBLOCK : 0);
    }
    case F_SETFL:
      if (f.kind === 'socket') f.socket.nonblock = (arg & O_NONBLOCK) !== 0;
      else if (f.kind === 'chrdev') f.nonblock = (arg & O_NONBLOCK) !== 0;
      return 0;
    default:
      fail(EINVAL, 'fcntl');
  }
}
