/**
 * Symbolic constants a script may name (upstream: symbols_linux.c): socket,
 * protocol, option, flag, poll, ioctl and errno names with Linux's values, taken
 * from tuxnet's own constant modules plus the few file-level ones below.
 */
import * as socketC from '../../socket/socket.js';
import * as errnoC from '../../socket/errno.js';
import * as tcpC from '../../ipv4/tcp_defs.js';
import * as inetC from '../../ipv4/inet_sock.js';
import * as ipC from '../../wire/iphdr.js';
import * as epollC from '../../socket/eventpoll.js';

const EXTRA: Record<string, number> = {
  SOL_IP: 0, SOL_IPV6: 41, SOL_TCP: 6, SOL_UDP: 17,
  O_RDONLY: 0, O_WRONLY: 1, O_RDWR: 2, O_NONBLOCK: 0o4000, O_NDELAY: 0o4000, O_CLOEXEC: 0o2000000,
  F_DUPFD: 0, F_GETFD: 1, F_SETFD: 2, F_GETFL: 3, F_SETFL: 4, FD_CLOEXEC: 1,
  FIONREAD: 0x541b, SIOCINQ: 0x541b, TIOCOUTQ: 0x5411, SIOCOUTQ: 0x5411, SIOCOUTQNSD: 0x894b, FIONBIO: 0x5421,
  SIOCATMARK: 0x8905, SIOCGSTAMP: 0x8906,
  SO_BSDCOMPAT: 14, SO_PEERCRED: 17, SO_RCVBUFFORCE: 33, SO_MAX_PACING_RATE: 47, SO_INCOMING_CPU: 49,
  SO_MEMINFO: 55, SO_INCOMING_NAPI_ID: 56, SO_ZEROCOPY: 60, SO_TXTIME: 61,
  INADDR_ANY: 0, IP_PMTUDISC_DONT: 0, IP_PMTUDISC_WANT: 1, IP_PMTUDISC_DO: 2, IP_PMTUDISC_PROBE: 3,
  IP_PMTUDISC_INTERFACE: 4, IP_PMTUDISC_OMIT: 5,
  EPOLLIN: 0x1, EPOLLPRI: 0x2, EPOLLOUT: 0x4, EPOLLERR: 0x8, EPOLLHUP: 0x10, EPOLLRDNORM: 0x40, EPOLLWRNORM: 0x100,
  EPOLLRDHUP: 0x2000, EPOLLET: 0x80000000, EPOLL_CTL_ADD: 1, EPOLL_CTL_DEL: 2, EPOLL_CTL_MOD: 3,
  POLLRDBAND: 0x80, POLLWRBAND: 0x200, POLLMSG: 0x400, POLLREMOVE: 0x1000,
  MSG_ZEROCOPY: 0x4000000, MSG_FASTOPEN: 0x20000000, MSG_CMSG_CLOEXEC: 0x40000000,
  TCP_CM_INQ: 36, TCP_ESTABLISHED: 1, TCP_SYN_SENT: 2, TCP_SYN_RECV: 3, TCP_FIN_WAIT1: 4, TCP_FIN_WAIT2: 5,
  TCP_TIME_WAIT: 6, TCP_CLOSE: 7, TCP_CLOSE_WAIT: 8, TCP_LAST_ACK: 9, TCP_LISTEN: 10, TCP_CLOSING: 11,
};

let table: Map<string, number> | null = null;

/** The symbol table (built once per process; constants only). */
export function symbols(): Map<string, number> {
  if (table) return table;
  const t = new Map<string, number>();
  for (const mod of [socketC, errnoC, tcpC, inetC, ipC, epollC] as Record<string, unknown>[]) {
    for (const [name, v] of Object.entries(mod)) {
      if (typeof v === 'number' && /^[A-Z][A-Z0-9_a-z]*$/.test(name) && /[A-Z]/.test(name[0]!)) t.set(name, v);
    }
  }
  for (const [name, v] of Object.entries(EXTRA)) t.set(name, v);
  table = t;
  return t;
}
