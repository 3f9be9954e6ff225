/**
 * The AF_INET socket family (Linux: net/ipv4/af_inet.c, include/net/sock.h struct
 * proto, include/net/protocol.h struct inet_protosw). `socket(AF_INET, type,
 * protocol)` looks (type, protocol) up in the inetsw table, where each transport
 * registered an `InetProtosw` (UDP here; raw and ping sockets from raw.ts/ping.ts;
 * TCP later): the entry gives the socket its `ProtoOps` (the BSD-socket half,
 * shared by every inet datagram socket: inetBind, inetDgramConnect, inetGetname ...)
 * and its `Proto` (the transport half: udp_sendmsg, udp_recvmsg, udp_lib_get_port ...).
 * The common operations here do the generic work and call into the `Proto`.
 *
 * Differences from Linux: no socket filters, BPF cgroup hooks, l3mdev tables or
 * module autoloading; capabilities are "uid 0" (CAP_NET_RAW, CAP_NET_BIND_SERVICE).
 */
import type { Kernel, Net } from '../core/net_namespace.js';
import type { SkBuff } from '../core/skbuff.js';
import {
  type Sock, sockFlag, SOCK_DEAD, skDstReset, skPurgeQueues, RCV_SHUTDOWN, SEND_SHUTDOWN, SHUTDOWN_MASK,
  SK_RMEM_DEFAULT, SK_WMEM_DEFAULT, skErrorReport,
} from '../core/sock.js';
import {
  type Socket, type ProtoOps, type Sockaddr, type SockaddrIn, type RecvResult, type Cmsg, AF_INET, AF_UNSPEC,
  SOCK_RAW, POLLIN, POLLOUT, POLLERR, POLLHUP, SOL_SOCKET, sockRegister, nextSocketIno,
} from '../socket/socket.js';
import {
  EINVAL, EAFNOSUPPORT, EPROTONOSUPPORT, ESOCKTNOSUPPORT, EPERM, EAGAIN, ENOTCONN, EOPNOTSUPP, EACCES,
  EADDRINUSE, EADDRNOTAVAIL,
} from '../socket/errno.js';
import { IPPROTO_IP, IPPROTO_RAW } from '../wire/iphdr.js';
import { RTN_LOCAL, RTN_BROADCAST, RTN_MULTICAST } from '../wire/route.js';
import { devinetIoctl } from './devinet.js';
import { inetAddrType } from './fib_frontend.js';
import { udpInit } from './udp.js';
import { tcpInit } from './tcp.js';
import { ipProcInit } from './proc.js';
import { InetSock, IP_PMTUDISC_DONT, IP_PMTUDISC_WANT } from './inet_sock.js';
import { ipv4Net } from './netns_ipv4.js';
import { sockSetsockopt, sockGetsockopt, type SockOptEnv } from '../core/sock_opt.js';

/** Linux: IPPROTO_MAX. */
export const IPPROTO_MAX = 263;
/** Linux: SOCK_MAX. */
export const SOCK_MAX = 11;

/* inet_protosw flags (Linux: INET_PROTOSW_*). */
export const INET_PROTOSW_REUSE = 0x01;
export const INET_PROTOSW_PERMANENT = 0x02;
export const INET_PROTOSW_ICSK = 0x04;

/* struct socket states (Linux: socket_state SS_*). */
export const SS_FREE = 0;
export const SS_UNCONNECTED = 1;
export const SS_CONNECTING = 2;
export const SS_CONNECTED = 3;
export const SS_DISCONNECTING = 4;

/* TCP states that datagram sockets use too (Linux: include/net/tcp_states.h). */
export const TCP_ESTABLISHED = 1;
export const TCP_SYN_SENT = 2;
export const TCP_SYN_RECV = 3;
export const TCP_CLOSE = 7;
export const TCP_LISTEN = 10;

/* sk_userlocks bits (Linux: SOCK_*_LOCK). */
export const SOCK_SNDBUF_LOCK = 1;
export const SOCK_RCVBUF_LOCK = 2;
export const SOCK_BINDADDR_LOCK = 4;
export const SOCK_BINDPORT_LOCK = 8;

/** Kernel-internal "not my ioctl" (Linux ENOIOCTLCMD). */
export const ENOIOCTLCMD = 515;

/* Socket ioctls (Linux: include/uapi/linux/sockios.h, asm-generic/ioctls.h). */
export const FIONREAD = 0x541b;
export const SIOCINQ = FIONREAD;
export const SIOCOUTQ = 0x5411;
export const SIOCGIFADDR = 0x8915;
export const SIOCSIFADDR = 0x8916;
export const SIOCGIFDSTADDR = 0x8917;
export const SIOCSIFDSTADDR = 0x8918;
export const SIOCGIFBRDADDR = 0x8919;
export const SIOCSIFBRDADDR = 0x891a;
export const SIOCGIFNETMASK = 0x891b;
export const SIOCSIFNETMASK = 0x891c;
export const SIOCGIFPFLAGS = 0x8935;
export const SIOCSIFPFLAGS = 0x8934;
export const SIOCSIFFLAGS = 0x8914;
export const SIOCADDRT = 0x890b;
export const SIOCDELRT = 0x890c;
export const SIOCRTMSG = 0x890d;
export const SIOCDARP = 0x8953;
export const SIOCGARP = 0x8954;
export const SIOCSARP = 0x8955;

/** INADDR_ANY / INADDR_BROADCAST / INADDR_LOOPBACK, host order. */
export const INADDR_ANY = 0;
export const INADDR_BROADCAST = 0xffffffff;
export const INADDR_LOOPBACK = 0x7f000001;

/**
 * Linux: struct proto, the transport half of an inet socket. Every function gets
 * the sock; the socket layer half (`Socket`) is `sk.skSocket`.
 */
export interface Proto {
  name: string;
  /** Allocate the sock (Linux: sk_alloc() from prot->slab); InetSock when absent. */
  allocSock?(net: Net, type: number, protocol: number): InetSock;
  /** Linux: proto->init(): per-protocol setup after the generic init; 0 or -errno. */
  init?(sk: InetSock): number;
  /** Linux: proto->close(): the last close of the socket. */
  close(sk: InetSock, timeout: number): void;
  /** Linux: proto->pre_connect() / connect() (for datagram sockets: ip4_datagram_connect). */
  connect?(sk: InetSock, addr: Sockaddr): number;
  /** Linux: proto->disconnect() (connect(AF_UNSPEC)). */
  disconnect?(sk: InetSock, flags: number): number;
  /** Linux: proto->bind(): when present it replaces inet_bind's generic part (raw, ping). */
  bind?(sk: InetSock, addr: Sockaddr): number;
  /** Linux: proto->ioctl(): -ENOIOCTLCMD for commands it does not know. */
  ioctl?(sk: InetSock, cmd: number, arg: unknown): unknown | number;
  /** Linux: proto->shutdown() (sk_shutdown already updated). */
  shutdown?(sk: InetSock, how: number): void;
  /** Linux: proto->setsockopt() for levels other than SOL_SOCKET. */
  setsockopt?(sk: InetSock, level: number, optname: number, value: unknown): number;
  getsockopt?(sk: InetSock, level: number, optname: number): unknown | number;
  /** Linux: proto->sendmsg(): bytes sent or -errno. */
  sendmsg(sk: InetSock, data: Uint8Array, addr: Sockaddr | null, flags: number, cmsgs?: Cmsg[]): number;
  /** Linux: proto->recvmsg(): a datagram, or -EAGAIN when nothing is queued, or -errno. */
  recvmsg(sk: InetSock, maxLen: number, flags: number): RecvResult | number;
  /** recvfrom(2) into the caller's buffer, no allocation (see ProtoOps.recvfromInto). */
  recvfromInto?(sk: InetSock, buf: Uint8Array, flags: number, addr: Sockaddr | null): number;
  /** Linux: proto->hash(): add to the lookup tables; 0 or -errno. */
  hash(sk: InetSock): number;
  /** Linux: proto->unhash(). */
  unhash(sk: InetSock): void;
  /** Linux: proto->rehash(): the bound address changed (connect picked a source). */
  rehash?(sk: InetSock): void;
  /** Linux: proto->get_port(): bind `snum` (0: pick one); 0, or nonzero when in use. */
  getPort(sk: InetSock, snum: number): number;
  /** ICMP error for this socket (Linux: the protocol's err handler after the socket lookup). */
  errHandler?(sk: InetSock, skb: SkBuff, info: number): void;
  /** Linux: proto->no_autobind (raw sockets never get an ephemeral port). */
  noAutobind?: boolean;
}

/** Linux: struct inet_protosw. */
export interface InetProtosw {
  type: number;
  /** IPPROTO_*; IPPROTO_IP is the wildcard (raw). */
  protocol: number;
  prot: Proto;
  ops: ProtoOps;
  /** INET_PROTOSW_* */
  flags?: number;
}

/** The kernel's inetsw table: one list per socket type. */
export function inetsw(k: Kernel): InetProtosw[][] {
  let t = k.generic.get('inetsw') as InetProtosw[][] | undefined;
  if (!t) {
    t = [];
    for (let i = 0; i < SOCK_MAX; i++) t.push([]);
    k.generic.set('inetsw', t);
  }
  return t;
}

/**
 * Linux: inet_register_protosw(). A new entry goes after the permanent ones of its
 * type (so it wins over older non-permanent entries); overriding a permanent
 * (type, protocol) is refused (-EPERM here; Linux logs and ignores it).
 */
export function inetRegisterProtosw(k: Kernel, p: InetProtosw): number {
  if (p.type < 0 || p.type >= SOCK_MAX) return -EINVAL;
  const list = inetsw(k)[p.type]!;
  let at = 0;
  for (; at < list.length; at++) {
    const answer = list[at]!;
    if (!((answer.flags ?? 0) & INET_PROTOSW_PERMANENT)) break;
    if (answer.protocol === p.protocol) return -EPERM;
  }
  list.splice(at, 0, p);
  return 0;
}

/** Linux: inet_unregister_protosw(). */
export function inetUnregisterProtosw(k: Kernel, p: InetProtosw): void {
  const list = inetsw(k)[p.type];
  if (!list) return;
  const i = list.indexOf(p);
  if (i >= 0 && !((p.flags ?? 0) & INET_PROTOSW_PERMANENT)) list.splice(i, 1);
}

/* ------------------------------------------------------------------ */
/* The sock behind a socket, credentials                               */

/** Linux: sk->sk_prot. */
export function skProt(sk: InetSock): Proto {
  return sk.skProt;
}

/** Linux: inet_sk(sock->sk). */
export function inetSk(sock: Socket): InetSock {
  return sock.sk as InetSock;
}

/** The task making the current system call (Linux `current`), when there is one. */
interface Cred {
  uid?: number;
  gid?: number;
}
export function currentCred(k: Kernel): Cred | null {
  return (k.generic.get('current') as Cred | undefined) ?? null;
}

/** Linux: ns_capable(CAP_NET_RAW / CAP_NET_BIND_SERVICE ...): root, or the kernel itself. */
export function capable(k: Kernel): boolean {
  const c = currentCred(k);
  return c === null || (c.uid ?? 0) === 0;
}

/* ------------------------------------------------------------------ */
/* Protocol in-use counters (Linux: sock_prot_inuse_add, for sockstat) */

/** Linux: sock_prot_inuse_add(). */
export function sockProtInuseAdd(net: Net, prot: Proto, n: number): void {
  const m = protInuse(net);
  m.set(prot.name, (m.get(prot.name) ?? 0) + n);
}

/** Linux: sock_prot_inuse_get(). */
export function sockProtInuseGet(net: Net, name: string): number {
  return protInuse(net).get(name) ?? 0;
}

/** Linux: sock_inuse_get(): every user socket of the namespace (counted by the syscall layer). */
export function sockInuseGet(net: Net): number {
  return (net.generic.get('sock.inuse') as number | undefined) ?? 0;
}

function protInuse(net: Net): Map<string, number> {
  let m = net.generic.get('prot.inuse') as Map<string, number> | undefined;
  if (!m) {
    m = new Map();
    net.generic.set('prot.inuse', m);
  }
  return m;
}

/** Every inet sock of a namespace, in creation order (for /proc/net/udp, ss). */
export function inetSockList(net: Net): Set<InetSock> {
  let s = net.generic.get('inet.socks') as Set<InetSock> | undefined;
  if (!s) {
    s = new Set();
    net.generic.set('inet.socks', s);
  }
  return s;
}


/** Linux: sock_i_ino(). */
export function sockIIno(sk: InetSock): number {
  return sk.ino;
}

/* ------------------------------------------------------------------ */
/* socket(AF_INET, ...)                                                */

/** Linux: inet_create(). */
function inetCreate(net: Net, sock: Socket, protocol: number, kern: boolean): number {
  if (protocol < 0 || protocol >= IPPROTO_MAX) return -EINVAL;
  sock.state = SS_UNCONNECTED;
  const k = net.kernel;
  const list = inetsw(k)[sock.type];
  let err = -ESOCKTNOSUPPORT;
  let answer: InetProtosw | null = null;
  if (list) {
    for (const a of list) {
      err = 0;
      // Check the non-wild match.
      if (protocol === a.protocol) {
        if (protocol !== IPPROTO_IP) {
          answer = a;
          break;
        }
      } else {
        // The two wild cases.
        if (protocol === IPPROTO_IP) {
          protocol = a.protocol;
          answer = a;
          break;
        }
        if (a.protocol === IPPROTO_IP) {
          answer = a;
          break;
        }
      }
      err = -EPROTONOSUPPORT;
    }
  }
  if (err || !answer) return err || -EPROTONOSUPPORT;
  if (sock.type === SOCK_RAW && !kern && !capable(k)) return -EPERM;
  sock.ops = answer.ops;
  const prot = answer.prot;
  const sk = prot.allocSock ? prot.allocSock(net, sock.type, protocol) : new InetSock(net, AF_INET, sock.type, protocol);
  sk.skProt = prot;
  sk.skSocket = sock;
  sk.ino = sock.ino || nextSocketIno(net); // the socket's inode (kernel sockets get one here)
  if ((answer.flags ?? 0) & INET_PROTOSW_REUSE) sk.reuse = 1;
  if (sock.type === SOCK_RAW) {
    sk.inetNum = protocol;
    if (protocol === IPPROTO_RAW) sk.hdrincl = true;
  }
  const sys = ipv4Net(net).sysctl;
  sk.pmtudisc = sys.ipNoPmtuDisc ? IP_PMTUDISC_DONT : IP_PMTUDISC_WANT;
  sk.inetId = 0;
  // sock_init_data()
  sk.rcvbuf = SK_RMEM_DEFAULT;
  sk.sndbuf = SK_WMEM_DEFAULT;
  sk.wq = sock.wq;
  const cred = kern ? null : currentCred(k);
  sk.uid = cred?.uid ?? 0;
  sk.gid = cred?.gid ?? 0;
  sk.protocol = protocol;
  sk.ucTtl = -1;
  sk.mcLoop = true;
  sk.mcTtl = 1;
  sk.mcIndex = 0;
  sock.sk = sk;
  inetSockList(net).add(sk);
  if (sk.inetNum) {
    // A protocol that assigns the number at creation (raw) is hashed at once.
    sk.inetSport = sk.inetNum;
    const e = prot.hash(sk);
    if (e) {
      skCommonRelease(sk);
      sock.sk = null;
      return e;
    }
  }
  if (prot.init) {
    const e = prot.init(sk);
    if (e) {
      skCommonRelease(sk);
      sock.sk = null;
      return e;
    }
  }
  return 0;
}

/**
 * Linux: sk_common_release(): what a datagram protocol's close() ends with:
 * unhash, orphan, purge the queues.
 */
export function skCommonRelease(sk: InetSock): void {
  const prot = skProt(sk);
  prot.unhash(sk);
  sk.flags |= SOCK_DEAD;
  sk.wq = null;
  sk.skSocket = null;
  skPurgeQueues(sk);
  skDstReset(sk);
  inetSockList(sk.net).delete(sk);
}

/** Linux: inet_release(). */
export function inetRelease(sock: Socket): void {
  const sk = sock.sk as InetSock | null;
  if (!sk) return;
  sock.sk = null;
  skProt(sk).close(sk, 0);
}

/* ------------------------------------------------------------------ */
/* bind                                                                */

/** Linux: inet_addr_valid_or_nonlocal(). `addrType` is RTN_* of the address. */
export function inetAddrValidOrNonlocal(net: Net, sk: InetSock, addr: number, addrType: number): boolean {
  return inetCanNonlocalBind(net, sk) || addr === INADDR_ANY || addrType === RTN_LOCAL ||
    addrType === RTN_MULTICAST || addrType === RTN_BROADCAST;
}

/** Linux: inet_can_nonlocal_bind(). */
export function inetCanNonlocalBind(net: Net, sk: InetSock): boolean {
  return ipv4Net(net).sysctl.ipNonlocalBind !== 0 || sk.freebind || sk.transparent;
}

/** Linux: inet_port_requires_bind_service(). */
export function inetPortRequiresBindService(net: Net, port: number): boolean {
  return port < ipv4Net(net).sysctl.ipUnprivilegedPortStart;
}


/** Linux: inet_bind(). */
export function inetBind(sock: Socket, addr: Sockaddr): number {
  const sk = inetSk(sock);
  const prot = skProt(sk);
  if (prot.bind) return prot.bind(sk, addr);
  return inetBindSk(sk, addr, 0);
}

/* __inet_bind() flags */
export const BIND_FORCE_ADDRESS_NO_PORT = 1 << 0;
export const BIND_WITH_LOCK = 1 << 1;
export const BIND_NO_CAP_NET_BIND_SERVICE = 1 << 3;

/** Linux: __inet_bind(). */
export function inetBindSk(sk: InetSock, uaddr: Sockaddr, flags: number): number {
  const net = sk.net;
  if (uaddr.family !== AF_INET) {
    // Compatibility: AF_UNSPEC is accepted (as AF_INET) only with INADDR_ANY.
    const a = uaddr as { family: number; addr?: unknown };
    if (uaddr.family !== AF_UNSPEC || (typeof a.addr === 'number' && a.addr !== INADDR_ANY)) return -EAFNOSUPPORT;
  }
  const sin = uaddr as SockaddrIn;
  const saddr = (sin.addr ?? 0) >>> 0;
  const chkAddrRet = inetAddrType(net, saddr);
  if (!inetAddrValidOrNonlocal(net, sk, saddr, chkAddrRet)) return -EADDRNOTAVAIL;
  const snum = (sin.port ?? 0) & 0xffff;
  if (!(flags & BIND_NO_CAP_NET_BIND_SERVICE) && snum && inetPortRequiresBindService(net, snum) && !capable(net.kernel)) {
    return -EACCES;
  }
  // Active socket or double bind.
  if (sk.state !== TCP_CLOSE || sk.inetNum) return -EINVAL;
  sk.inetRcvSaddr = sk.inetSaddr = saddr;
  if (chkAddrRet === RTN_MULTICAST || chkAddrRet === RTN_BROADCAST) sk.inetSaddr = 0; // use the device's
  if (snum || !(sk.bindAddressNoPort || (flags & BIND_FORCE_ADDRESS_NO_PORT))) {
    if (skProt(sk).getPort(sk, snum)) {
      sk.inetSaddr = sk.inetRcvSaddr = 0;
      return -EADDRINUSE;
    }
  }
  if (sk.inetRcvSaddr) sk.userlocks |= SOCK_BINDADDR_LOCK;
  if (snum) sk.userlocks |= SOCK_BINDPORT_LOCK;
  sk.inetSport = sk.inetNum;
  sk.inetDaddr = 0;
  sk.inetDport = 0;
  skDstReset(sk);
  return 0;
}

/** Linux: inet_autobind(): give an unbound socket an ephemeral port; 0 or -EAGAIN. */
export function inetAutobind(sk: InetSock): number {
  if (!sk.inetNum) {
    if (skProt(sk).getPort(sk, 0)) return -EAGAIN;
    sk.inetSport = sk.inetNum;
  }
  return 0;
}

/** Linux: inet_send_prepare(). */
export function inetSendPrepare(sk: InetSock): number {
  if (!sk.inetNum && !skProt(sk).noAutobind && inetAutobind(sk)) return -EAGAIN;
  return 0;
}

/* ------------------------------------------------------------------ */
/* connect, getname, shutdown                                          */

/** Linux: inet_dgram_connect(). AF_UNSPEC disconnects. */
export function inetDgramConnect(sock: Socket, addr: Sockaddr, _flags: number): number {
  const sk = inetSk(sock);
  const prot = skProt(sk);
  if (addr.family === AF_UNSPEC) return prot.disconnect ? prot.disconnect(sk, 0) : 0;
  if (!prot.connect) return -EOPNOTSUPP;
  if (!sk.inetNum && !prot.noAutobind && inetAutobind(sk)) return -EAGAIN;
  return prot.connect(sk, addr);
}

/** Linux: inet_getname(). */
export function inetGetname(sock: Socket, peer: boolean): Sockaddr | number {
  const sk = inetSk(sock);
  if (peer) {
    if (!sk.inetDport || (sk.state === TCP_CLOSE || sk.state === TCP_SYN_SENT)) return -ENOTCONN;
    return { family: AF_INET, port: sk.inetDport, addr: sk.inetDaddr };
  }
  const addr = sk.inetRcvSaddr || sk.inetSaddr;
  return { family: AF_INET, port: sk.inetSport, addr };
}

/** Linux: inet_shutdown(). `how` is SHUT_RD (0), SHUT_WR (1) or SHUT_RDWR (2). */
export function inetShutdown(sock: Socket, how: number): number {
  const sk = inetSk(sock);
  how++; // 0->1 RCV_SHUTDOWN, 1->2 SEND_SHUTDOWN, 2->3 both
  if ((how & ~SHUTDOWN_MASK) || !how) return -EINVAL;
  if (sock.state === SS_CONNECTING) {
    sock.state = sk.state === TCP_SYN_SENT || sk.state === TCP_SYN_RECV || sk.state === TCP_CLOSE
      ? SS_DISCONNECTING : SS_CONNECTED;
  }
  let err = 0;
  const prot = skProt(sk);
  const state = sk.state;
  if (state === TCP_SYN_SENT || (state === TCP_LISTEN && (how & RCV_SHUTDOWN))) {
    err = prot.disconnect ? prot.disconnect(sk, 0) : 0;
    sock.state = err ? SS_DISCONNECTING : SS_UNCONNECTED;
  } else if (state !== TCP_LISTEN) {
    // TCP_CLOSE: ENOTCONN, but the bits are still set so pollers see POLLHUP (Linux's "hack").
    if (state === TCP_CLOSE) err = -ENOTCONN;
    sk.shutdown |= how;
    prot.shutdown?.(sk, how);
  }
  // sk_state_change(): wake anyone sleeping in poll or recv.
  skErrorReport(sk);
  return err;
}

/* ------------------------------------------------------------------ */
/* send / receive / poll / ioctl / options                             */

/** Linux: inet_sendmsg(). */
export function inetSendmsg(sock: Socket, data: Uint8Array, addr: Sockaddr | null, flags: number, cmsgs?: Cmsg[]): number {
  const sk = sock.sk as InetSock;
  if (!sk.inetNum && inetSendPrepare(sk)) return -EAGAIN;
  return skProt(sk).sendmsg(sk, data, addr, flags, cmsgs);
}

/** Linux: inet_recvmsg(). */
export function inetRecvmsg(sock: Socket, maxLen: number, flags: number): RecvResult | number {
  const sk = sock.sk as InetSock;
  return skProt(sk).recvmsg(sk, maxLen, flags);
}

/** recvfrom(2) into the caller's buffer (falls back to the copying path when the proto has none). */
export function inetRecvfromInto(sock: Socket, buf: Uint8Array, flags: number, addr: Sockaddr | null): number {
  const sk = sock.sk as InetSock;
  const prot = skProt(sk);
  if (prot.recvfromInto) return prot.recvfromInto(sk, buf, flags, addr);
  const r = prot.recvmsg(sk, buf.length, flags);
  if (typeof r === 'number') return r;
  const n = r.data.length > buf.length ? buf.length : r.data.length;
  buf.set(r.data.subarray(0, n));
  if (addr && r.addr) Object.assign(addr, r.addr);
  return flags & 0x20 /* MSG_TRUNC */ ? r.fullLength : n;
}

/**
 * Linux: datagram_poll() (udp_poll() adds only the pruning of bad-checksum
 * datagrams, which never reach the queue here).
 */
export function datagramPoll(sock: Socket): number {
  const sk = sock.sk as InetSock;
  let mask = 0;
  if (sk.err || sk.errorQueue.qlen) mask |= POLLERR;
  if (sk.shutdown & RCV_SHUTDOWN) mask |= POLLIN | 0x40 /* POLLRDNORM */ | 0x2000 /* POLLRDHUP */;
  if (sk.shutdown === SHUTDOWN_MASK) mask |= POLLHUP;
  if (sk.receiveQueue.qlen) mask |= POLLIN | 0x40;
  if (sockFlag(sk, SOCK_DEAD)) return mask;
  // sock_writeable(): less than half the send buffer in flight.
  if (!(sk.shutdown & SEND_SHUTDOWN) && sk.wmemAlloc < (sk.sndbuf >> 1)) mask |= POLLOUT | 0x100 /* POLLWRNORM */ | 0x200;
  return mask;
}

/** Linux: inet_ioctl(): address ioctls go to devinet, the rest to the protocol. */
export function inetIoctl(sock: Socket, cmd: number, arg: unknown): unknown | number {
  const sk = inetSk(sock);
  const net = sk.net;
  switch (cmd) {
    case SIOCADDRT:
    case SIOCDELRT:
    case SIOCRTMSG:
      return -EINVAL;
    case SIOCGIFADDR: case SIOCGIFBRDADDR: case SIOCGIFNETMASK: case SIOCGIFDSTADDR: case SIOCGIFPFLAGS:
    case SIOCSIFADDR: case SIOCSIFBRDADDR: case SIOCSIFNETMASK: case SIOCSIFDSTADDR: case SIOCSIFPFLAGS:
    case SIOCSIFFLAGS:
      return devinetIoctl(net, cmd, arg);
    case SIOCDARP: case SIOCGARP: case SIOCSARP: {
      const fn = net.kernel.generic.get('arp_ioctl') as ((net: Net, cmd: number, arg: unknown) => unknown) | undefined;
      if (fn) return fn(net, cmd, arg);
      return -ENOIOCTLCMD;
    }
    default: {
      const prot = skProt(sk);
      return prot.ioctl ? prot.ioctl(sk, cmd, arg) : -ENOIOCTLCMD;
    }
  }
}

function rehashSk(sk: Sock): void {
  const isk = sk as InetSock;
  isk.skProt.rehash?.(isk);
}

/** The caller's capability and the protocol's rehash, for sk_setsockopt(). */
export function sockOptEnv(sk: InetSock): SockOptEnv {
  return { capable: capable(sk.net.kernel), rehash: rehashSk };
}

/** Linux: sock_common_setsockopt() (+ sock_setsockopt() for SOL_SOCKET). */
export function inetSetsockopt(sock: Socket, level: number, optname: number, value: unknown): number {
  const sk = inetSk(sock);
  if (level === SOL_SOCKET) return sockSetsockopt(sk, optname, value, sockOptEnv(sk));
  const prot = skProt(sk);
  return prot.setsockopt ? prot.setsockopt(sk, level, optname, value) : -92 /* ENOPROTOOPT */;
}

/** Linux: sock_common_getsockopt() (+ sk_getsockopt() for SOL_SOCKET). */
export function inetGetsockopt(sock: Socket, level: number, optname: number): unknown | number {
  const sk = inetSk(sock);
  if (level === SOL_SOCKET) return sockGetsockopt(sk, optname, sock.type);
  const prot = skProt(sk);
  return prot.getsockopt ? prot.getsockopt(sk, level, optname) : -92;
}

/** Linux: inet_dgram_ops (UDP, ping). */
export const inetDgramOps: ProtoOps = {
  family: AF_INET,
  release: inetRelease,
  bind: inetBind,
  connect: inetDgramConnect,
  sendmsg: inetSendmsg,
  recvmsg: inetRecvmsg,
  recvfromInto: inetRecvfromInto,
  setsockopt: inetSetsockopt,
  getsockopt: inetGetsockopt,
  getname: inetGetname,
  poll: datagramPoll,
  ioctl: inetIoctl,
  shutdown: inetShutdown,
};

/** Linux: inet_sockraw_ops (raw sockets): the same operations over datagram_poll. */
export const inetSockrawOps: ProtoOps = { ...inetDgramOps };

/**
 * Linux: inet_init() (the AF_INET part): the socket family. The transports add
 * their inetsw entries (udpInit below in boot order, raw/ping from their files).
 */
export function inetInit(k: Kernel): void {
  sockRegister(k.initNet, { family: AF_INET, create: inetCreate });
  udpInit(k);
  tcpInit(k);
  ipProcInit(k);
}
