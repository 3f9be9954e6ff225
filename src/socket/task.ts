/**
 * A userspace process as the kernel sees it (Linux: struct task_struct, reduced
 * to what networking needs): its network namespace (nsproxy->net_ns), its file
 * descriptor table, and its standard streams. Tools run as Tasks and reach the
 * kernel only through the syscalls in syscalls.ts.
 */
import type { Kernel, Net } from '../core/net_namespace.js';
import type { Socket } from './socket.js';
import type { Interruptible, WaitQueueHead } from '../core/wait.js';

/** An open file: a socket, or a namespace handle (/run/netns/NAME, /proc/self/ns/net). */
export type File =
  | { kind: 'socket'; socket: Socket; refs: number }
  | { kind: 'netns'; net: Net; refs: number }
  | { kind: 'proc'; path: string; refs: number; content: string; pos: number }
  | ChrdevFile;

/**
 * An open character device (Linux: a struct file whose f_op is a misc device's,
 * e.g. /dev/net/tun). `priv` is the driver's per-file state (Linux: private_data).
 */
export interface ChrdevFile {
  kind: 'chrdev';
  path: string;
  refs: number;
  /** O_NONBLOCK. */
  nonblock: boolean;
  fops: FileOperations;
  priv: unknown;
}

/** Linux: struct file_operations of a character device, reduced to what tuxnet's devices use. */
export interface FileOperations {
  /** One read: bytes copied into buf, -EAGAIN when nothing is ready, or -errno. */
  read(file: ChrdevFile, buf: Uint8Array): number;
  /** One write: bytes consumed, or -errno. */
  write(file: ChrdevFile, data: Uint8Array): number;
  /** 0 or -errno; `net` is the caller's namespace. */
  ioctl(file: ChrdevFile, cmd: number, arg: unknown, net: Net): number;
  poll(file: ChrdevFile): number;
  release(file: ChrdevFile): void;
  /** Where blocked readers sleep. */
  waitQueue(file: ChrdevFile): WaitQueueHead;
}

/** Where a task's output goes (its fd 1 and 2). */
export interface Stdio {
  write(text: string): void;
  /**
   * Write raw bytes (binary data: what `nc` receives). Optional: a Stdio without it
   * gets the bytes as UTF-8 text (writeOutputBytes in tools/tool.ts). The callee must
   * not keep `b` after returning (callers reuse their buffers).
   */
  writeBytes?(b: Uint8Array): void;
}

export class Task {
  net: Net;
  readonly fds = new Map<number, File>();
  /** Credentials (Linux: current_cred() fsuid/fsgid); 0 = root, which holds every capability here. */
  uid = 0;
  gid = 0;
  /** The program's name (Linux: task->comm, at most 15 characters; set at exec), for /proc/PID/stat. */
  comm = '';
  /** Set by kill: blocking calls return -EINTR. */
  killed = false;
  /** What the task sleeps on, so kill can interrupt it. */
  readonly blockedOn = new Set<Interruptible>();
  constructor(readonly kernel: Kernel, net: Net, readonly stdout: Stdio, readonly stderr: Stdio,
    readonly pid = 0) {
    this.net = net;
    net.refcnt++;
    taskList(kernel).add(this);
  }

  /** Linux: get_unused_fd(): lowest free number from 3 (0-2 are stdio). */
  allocFd(file: File): number {
    let fd = 3;
    while (this.fds.has(fd)) fd++;
    this.fds.set(fd, file);
    return fd;
  }

  /** Linux: send SIGKILL/SIGTERM: blocking calls return -EINTR. */
  kill(): void {
    this.killed = true;
    for (const b of [...this.blockedOn]) b.cancel();
  }

  /** A child process: same namespace, same stdio unless given (fork + exec). */
  fork(stdout: Stdio = this.stdout, stderr: Stdio = this.stderr, pid = 0): Task {
    const t = new Task(this.kernel, this.net, stdout, stderr, pid);
    t.uid = this.uid;
    t.gid = this.gid;
    t.comm = this.comm;
    return t;
  }

  /** Leave the namespace (task exit). Open files are closed by exitFiles in syscalls. */
  exitNs(): void {
    taskList(this.kernel).delete(this);
    this.kernel.putNet(this.net);
  }
}

/** Every live task of a kernel (Linux: the task list /proc shows). */
export function taskList(k: Kernel): Set<Task> {
  let s = k.generic.get('tasks') as Set<Task> | undefined;
  if (!s) {
    s = new Set();
    k.generic.set('tasks', s);
  }
  return s;
}
