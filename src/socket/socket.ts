/**
 * Sockets (Linux: net/socket.c, include/linux/net.h struct socket, struct proto_ops,
 * struct net_proto_family). A family registers `create`; each socket gets the
 * family's ProtoOps. Operations are synchronous and return a negative errno on
 * failure; -EAGAIN from recvmsg means "would block", and the syscall layer
 * (syscalls.ts) sleeps on `sock.wq` and retries for blocking sockets.
 */
import type { Net } from '../core/net_namespace.js';
import { WaitQueueHead } from '../core/wait.js';

export const AF_UNSPEC = 0;
export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_BRIDGE = 7;
export const AF_INET6 = 10;
export const AF_NETLINK = 16;
export const AF_PACKET = 17;
export const PF_UNSPEC = AF_UNSPEC;
export const PF_INET = AF_INET;
export const PF_INET6 = AF_INET6;
export const PF_NETLINK = AF_NETLINK;
export const PF_PACKET = AF_PACKET;

export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_RAW = 3;
export const SOCK_RDM = 4;
export const SOCK_SEQPACKET = 5;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;
export const SOCK_TYPE_MASK = 0xf;

export const MSG_OOB = 1;
export const MSG_PEEK = 2;
export const MSG_DONTROUTE = 4;
export const MSG_CTRUNC = 8;
export const MSG_TRUNC = 0x20;
export const MSG_DONTWAIT = 0x40;
export const MSG_EOR = 0x80;
export const MSG_WAITALL = 0x100;
export const MSG_ERRQUEUE = 0x2000;
export const MSG_NOSIGNAL = 0x4000;
export const MSG_PROBE = 0x10;
export const MSG_CONFIRM = 0x800;
export const MSG_MORE = 0x8000;

export const SOL_SOCKET = 1;
export const SOL_PACKET = 263;
export const SOL_NETLINK = 270;
export const SO_DEBUG = 1;
export const SO_REUSEADDR = 2;
export const SO_TYPE = 3;
export const SO_ERROR = 4;
export const SO_BROADCAST = 6;
export const SO_SNDBUF = 7;
export const SO_RCVBUF = 8;
export const SO_KEEPALIVE = 9;
export const SO_PRIORITY = 12;
export const SO_RCVTIMEO = 20;
export const SO_SNDTIMEO = 21;
export const SO_BINDTODEVICE = 25;
export const SO_TIMESTAMP = 29;
export const SO_MARK = 36;
export const SO_RXQ_OVFL = 40;
export const SO_BUSY_POLL = 46;
export const SO_DONTROUTE = 5;
export const SO_OOBINLINE = 10;
export const SO_NO_CHECK = 11;
export const SO_LINGER = 13;
export const SO_REUSEPORT = 15;
export const SO_PASSCRED = 16;
export const SO_RCVLOWAT = 18;
export const SO_SNDLOWAT = 19;
export const SO_ACCEPTCONN = 30;
export const SO_SNDBUFFORCE = 32;
export const SO_RCVBUFFORCE = 33;
export const SO_TIMESTAMPNS = 35;
export const SO_PROTOCOL = 38;
export const SO_DOMAIN = 39;
export const SO_COOKIE = 57;
export const SO_BINDTOIFINDEX = 62;
export const SCM_TIMESTAMP = SO_TIMESTAMP;
export const SCM_TIMESTAMPNS = SO_TIMESTAMPNS;

/* shutdown(2) how (Linux: SHUT_*). */
export const SHUT_RD = 0;
export const SHUT_WR = 1;
export const SHUT_RDWR = 2;

/** Socket addresses as plain objects (the syscall layer's view of struct sockaddr_*). */
export interface SockaddrNl {
  family: typeof AF_NETLINK;
  pid: number;
  groups: number;
}
export interface SockaddrLl {
  family: typeof AF_PACKET;
  /** Ethertype, host order. */
  protocol: number;
  ifindex: number;
  hatype: number;
  pktType: number;
  addr: Uint8Array;
}
export interface SockaddrIn {
  family: typeof AF_INET;
  port: number;
  /** Host-order u32. */
  addr: number;
}
export interface SockaddrIn6 {
  family: typeof AF_INET6;
  port: number;
  addr: Uint8Array;
  flowinfo: number;
  scopeId: number;
}
/** connect(AF_UNSPEC) dissolves an association (Linux: struct sockaddr with sa_family 0). */
export interface SockaddrUnspec {
  family: typeof AF_UNSPEC;
}
export type Sockaddr = SockaddrNl | SockaddrLl | SockaddrIn | SockaddrIn6 | SockaddrUnspec;

/** Ancillary data (struct cmsghdr), decoded. */
export interface Cmsg {
  level: number;
  type: number;
  data: unknown;
}

/** What recvmsg returns. */
export interface RecvResult {
  data: Uint8Array;
  /** Bytes the datagram really had (for MSG_TRUNC). */
  fullLength: number;
  addr: Sockaddr | null;
  flags: number;
  cmsgs: Cmsg[];
}

/** Linux: struct proto_ops. Every operation returns 0/length or a negative errno. */
export interface ProtoOps {
  family: number;
  release(sock: Socket): void;
  bind(sock: Socket, addr: Sockaddr): number;
  connect?(sock: Socket, addr: Sockaddr, flags: number): number;
  /** Returns bytes sent or -errno. */
  sendmsg(sock: Socket, data: Uint8Array, addr: Sockaddr | null, flags: number, cmsgs?: Cmsg[]): number;
  /** Returns a datagram, or -EAGAIN when none is queued. */
  recvmsg(sock: Socket, maxLen: number, flags: number): RecvResult | number;
  /**
   * Linux: recvfrom(2) into a caller-supplied buffer and sockaddr: copies the next
   * datagram into `buf` (truncated to buf.length), fills `addr`'s fields in place
   * when given, and returns the bytes copied (with MSG_TRUNC: the datagram's real
   * length), or -EAGAIN when none is queued, or -errno. Optional: without it the
   * syscall layer falls back to recvmsg and copies.
   */
  recvfromInto?(sock: Socket, buf: Uint8Array, flags: number, addr: Sockaddr | null): number;
  setsockopt(sock: Socket, level: number, optname: number, value: unknown): number;
  getsockopt(sock: Socket, level: number, optname: number): unknown | number;
  getname?(sock: Socket, peer: boolean): Sockaddr | number;
  /** Readiness for poll(): POLLIN etc. */
  poll(sock: Socket): number;
  ioctl?(sock: Socket, cmd: number, arg: unknown): unknown | number;
  shutdown?(sock: Socket, how: number): number;
  /** Linux: proto_ops->listen(); absent = sock_no_listen (-EOPNOTSUPP). */
  listen?(sock: Socket, backlog: number): number;
  /**
   * Linux: proto_ops->accept(): move the next connection into `newsock` (fresh,
   * same family and type); 0, -EAGAIN when none is pending, or -errno. Absent =
   * sock_no_accept (-EOPNOTSUPP).
   */
  accept?(sock: Socket, newsock: Socket, flags: number): number;
  /**
   * Linux: the lingering part of proto->close (SO_LINGER with a time on a stream socket:
   * __tcp_close's sk_stream_wait_close()). Absent, or null: close(2) releases at once.
   * Otherwise the first half of the close is done and close(2) waits on `sock.wq` until
   * `done()` or `timeoutNs`, then calls `finish()` (which releases the socket).
   */
  releaseLinger?(sock: Socket): LingeringClose | null;
}

/** A close(2) that waits (see ProtoOps.releaseLinger). */
export interface LingeringClose {
  timeoutNs: number;
  done(): boolean;
  finish(): void;
}

export const POLLIN = 0x1;
export const POLLPRI = 0x2;
export const POLLOUT = 0x4;
export const POLLERR = 0x8;
export const POLLHUP = 0x10;
export const POLLNVAL = 0x20;
export const POLLRDNORM = 0x40;
export const POLLWRNORM = 0x100;
export const POLLRDHUP = 0x2000;

/** Linux: struct socket. */
export class Socket {
  state = 0;
  flags = 0;
  ops!: ProtoOps;
  /** Protocol-private sock (Linux: sock->sk). */
  sk: unknown = null;
  readonly wq = new WaitQueueHead();
  /** SO_RCVTIMEO / SO_SNDTIMEO in ns (Infinity: none). */
  rcvTimeo = Infinity;
  sndTimeo = Infinity;
  nonblock = false;
  /** The sockfs inode number (Linux: SOCK_INODE(sock)->i_ino): /proc/PID/fd links, /proc/net/*, ss. */
  ino = 0;
  constructor(readonly net: Net, readonly type: number, readonly family: number) {}
}

/** Linux: struct net_proto_family. */
export interface NetProtoFamily {
  family: number;
  create(net: Net, sock: Socket, protocol: number, kern: boolean): number;
}

/** Linux: sock_register(); the table lives on the kernel. */
export function sockRegister(net: Net, fam: NetProtoFamily): void {
  familiesOf(net).set(fam.family, fam);
}

export function familiesOf(net: Net): Map<number, NetProtoFamily> {
  const k = net.kernel;
  let m = k.generic.get('socket.families') as Map<number, NetProtoFamily> | undefined;
  if (!m) {
    m = new Map();
    k.generic.set('socket.families', m);
  }
  return m;
}

/** Linux: get_next_ino() for sockfs: the next socket inode number of the kernel. */
export function nextSocketIno(net: Net): number {
  const k = net.kernel;
  const n = ((k.generic.get('sock.ino') as number | undefined) ?? 10000) + 1;
  k.generic.set('sock.ino', n);
  return n;
}
