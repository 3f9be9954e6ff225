/**
 * epoll (Linux: fs/eventpoll.c): epoll_create1(2), epoll_ctl(2), epoll_wait(2)
 * over the syscall layer's files. An epoll instance is a file of the task
 * (anon_inode:[eventpoll]) holding an interest list; epoll_wait reports the
 * ready entries as poll(2) sees them (EPOLLERR and EPOLLHUP always), waiting in
 * kernel time like poll. Level-triggered; EPOLLONESHOT disables an entry after
 * it is reported. Not modelled: EPOLLET edge semantics (reported as level),
 * EPOLLEXCLUSIVE wake-one, nested epoll instances, EPOLLWAKEUP.
 */
import type { Task, ChrdevFile, FileOperations } from './task.js';
import { WaitQueueHead } from '../core/wait.js';
import { SystemError, EBADF, EINVAL, EEXIST, ENOENT, EPERM } from './errno.js';
import { poll, type PollFd } from './syscalls.js';

export const EPOLL_CTL_ADD = 1;
export const EPOLL_CTL_DEL = 2;
export const EPOLL_CTL_MOD = 3;
export const EPOLLIN = 0x001;
export const EPOLLPRI = 0x002;
export const EPOLLOUT = 0x004;
export const EPOLLERR = 0x008;
export const EPOLLHUP = 0x010;
export const EPOLLRDNORM = 0x040;
export const EPOLLWRNORM = 0x100;
export const EPOLLRDHUP = 0x2000;
export const EPOLLEXCLUSIVE = 1 << 28;
export const EPOLLWAKEUP = 1 << 29;
export const EPOLLONESHOT = 1 << 30;
export const EPOLLET = 2 ** 31;
/** Linux: EP_PRIVATE_BITS, the flags that are not events. */
const EP_PRIVATE_BITS = EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE;
/** Linux: EP_MAX_EVENTS. */
const EP_MAX_EVENTS = Math.floor(0x7fffffff / 12);

/** struct epoll_event: the events mask and the caller's data (fd, u32, u64 or ptr). */
export interface EpollEvent {
  events: number;
  data: unknown;
}

/** Linux: struct epitem. */
interface Epitem {
  fd: number;
  events: number;
  data: unknown;
}

/** Linux: struct eventpoll. */
class Eventpoll {
  readonly items = new Map<number, Epitem>();
  readonly wq = new WaitQueueHead();
}

function fail(err: number, syscall: string): never {
  throw new SystemError(err, syscall);
}

const epollFops: FileOperations = {
  read: () => -EINVAL,
  write: () => -EINVAL,
  ioctl: () => -25, // -ENOTTY
  poll: () => 0,
  release: () => {},
  waitQueue: (file) => (file.priv as Eventpoll).wq,
};

function epOf(task: Task, epfd: number, syscall: string): Eventpoll {
  const f = task.fds.get(epfd);
  if (!f) fail(EBADF, syscall);
  if (f.kind !== 'chrdev' || f.fops !== epollFops) fail(EINVAL, syscall);
  return f.priv as Eventpoll;
}

/** Linux: epoll_create1(2). Flags: EPOLL_CLOEXEC only. */
export function epollCreate1(task: Task, flags = 0): number {
  if (flags & ~0o2000000) fail(EINVAL, 'epoll_create1');
  const file: ChrdevFile = { kind: 'chrdev', path: 'anon_inode:[eventpoll]', refs: 1, nonblock: false, fops: epollFops, priv: new Eventpoll() };
  return task.allocFd(file);
}

/** Linux: epoll_create(2): `size` must be positive and is otherwise ignored. */
export function epollCreate(task: Task, size: number): number {
  if (size <= 0) fail(EINVAL, 'epoll_create');
  return epollCreate1(task, 0);
}

/** Linux: epoll_ctl(2). */
export function epollCtl(task: Task, epfd: number, op: number, fd: number, event?: EpollEvent): void {
  const ep = epOf(task, epfd, 'epoll_ctl');
  const f = task.fds.get(fd);
  if (!f) fail(EBADF, 'epoll_ctl');
  if (fd === epfd) fail(EINVAL, 'epoll_ctl');
  // Linux: files without f_op->poll (regular files, /proc) are EPERM.
  if (f.kind !== 'socket' && f.kind !== 'chrdev') fail(EPERM, 'epoll_ctl');
  if (f.kind === 'chrdev' && f.fops === epollFops) fail(EINVAL, 'epoll_ctl');
  const cur = ep.items.get(fd);
  switch (op) {
    case EPOLL_CTL_ADD:
      if (!event) fail(EINVAL, 'epoll_ctl');
      if (cur) fail(EEXIST, 'epoll_ctl');
      ep.items.set(fd, { fd, events: event.events | EPOLLERR | EPOLLHUP, data: event.data });
      break;
    case EPOLL_CTL_MOD:
      if (!event) fail(EINVAL, 'epoll_ctl');
      if (!cur) fail(ENOENT, 'epoll_ctl');
      cur.events = event.events | EPOLLERR | EPOLLHUP;
      cur.data = event.data;
      break;
    case EPOLL_CTL_DEL:
      if (!cur) fail(ENOENT, 'epoll_ctl');
      ep.items.delete(fd);
      break;
    default:
      fail(EINVAL, 'epoll_ctl');
  }
}

/**
 * Linux: epoll_wait(2): up to `maxEvents` ready entries, waiting up to
 * `timeoutNs` (Infinity: forever, 0: just look). Entries whose fd was closed
 * are dropped (Linux removes them at the last close).
 */
export async function epollWait(task: Task, epfd: number, maxEvents: number, timeoutNs = Infinity): Promise<EpollEvent[]> {
  const ep = epOf(task, epfd, 'epoll_wait');
  if (maxEvents <= 0 || maxEvents > EP_MAX_EVENTS) fail(EINVAL, 'epoll_wait');
  for (const fd of [...ep.items.keys()]) if (!task.fds.has(fd)) ep.items.delete(fd);
  const items = [...ep.items.values()].filter((it) => (it.events & ~EP_PRIVATE_BITS) !== 0);
  const pfds: PollFd[] = items.map((it) => ({ fd: it.fd, events: it.events & ~EP_PRIVATE_BITS & 0xffff }));
  const n = pfds.length ? await poll(task, pfds, timeoutNs) : await poll(task, [], timeoutNs);
  const out: EpollEvent[] = [];
  if (n <= 0) return out;
  for (let i = 0; i < items.length && out.length < maxEvents; i++) {
    const rev = (pfds[i]!.revents ?? 0) & (items[i]!.events | EPOLLERR | EPOLLHUP);
    if (!rev) continue;
    out.push({ events: rev, data: items[i]!.data });
    if (items[i]!.events & EPOLLONESHOT) items[i]!.events &= EP_PRIVATE_BITS;
  }
  return out;
}
