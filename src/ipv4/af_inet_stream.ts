/**
 * The stream half of the AF_INET socket family (Linux: net/ipv4/af_inet.c
 * inet_stream_ops, __inet_stream_connect(), inet_accept(), inet_listen(), inet_release()
 * for connection-oriented sockets, and the SOL_SOCKET hooks of net/core/sock.c that
 * call into TCP: sk_prot->keepalive, sock->ops->set_rcvlowat, sk_write_space).
 *
 * connect(2) on a blocking socket: Linux sleeps inside __inet_stream_connect() until the
 * handshake ends. Here the operation never sleeps: it returns -EINPROGRESS (first call)
 * or -EALREADY (later calls) while the socket is in SYN_SENT/SYN_RECV, and the syscall
 * layer (syscalls.ts connect) waits on the socket's wait queue and calls again; that
 * second call runs the tail of __inet_stream_connect() (SS_CONNECTED and 0, or the
 * socket error and a disconnect), exactly what a non-blocking caller's next connect()
 * sees in Linux.
 */
import {
  type Socket, type ProtoOps, type Sockaddr, type LingeringClose, AF_INET, AF_UNSPEC, SOCK_STREAM, SOL_SOCKET, SO_KEEPALIVE,
  SO_RCVLOWAT, SO_SNDBUF, SO_SNDBUFFORCE, SO_OOBINLINE,
} from '../socket/socket.js';
import { EINVAL, EISCONN, EALREADY, EINPROGRESS, ECONNABORTED } from '../socket/errno.js';
import { SOCK_LINGER, sockFlag, sockError } from '../core/sock.js';
import { sockSetsockopt, sockGetsockopt, sockoptInt, SOCK_URGINLINE } from '../core/sock_opt.js';
import {
  inetSk, skProt, inetBind, inetGetname, inetShutdown, inetIoctl, inetSendmsg, inetRecvmsg, inetRecvfromInto,
  sockOptEnv, SS_UNCONNECTED, SS_CONNECTING, SS_CONNECTED, SS_DISCONNECTING,
} from './af_inet.js';
import { ipv4Net } from './netns_ipv4.js';
import type { TcpSock } from './tcp_sock.js';
import { TCPF_SYN_SENT, TCPF_SYN_RECV, TCPF_CLOSE, TCPF_LISTEN, TCP_CLOSE, TCP_LISTEN } from './tcp_defs.js';
import { tcpPoll, skStreamIsWriteable, tcpCloseStart, tcpCloseFinish, skStreamClosing } from './tcp.js';
import { tcpSetRcvlowat } from './tcp_sockopt.js';
import { inetCskListenStart, inetCskAccept } from './inet_connection_sock.js';
import { tcpSetKeepalive } from './tcp_timer.js';

/** Linux: O_NONBLOCK (the flags argument of proto_ops->connect / accept). */
export const O_NONBLOCK = 0o4000;

/**
 * Linux: __inet_stream_connect(). Returns 0 (connected), -EINPROGRESS (just started,
 * the handshake is running), -EALREADY (still running), -EISCONN, or the error that
 * ended the attempt (then the socket is disconnected, as Linux's sock_error path).
 */
export function inetStreamConnect(sock: Socket, uaddr: Sockaddr, flags: number): number {
  const sk = inetSk(sock) as TcpSock;
  const prot = skProt(sk);
  let err: number;
  if (uaddr.family === AF_UNSPEC) {
    err = prot.disconnect ? prot.disconnect(sk, flags) : 0;
    sock.state = err ? SS_DISCONNECTING : SS_UNCONNECTED;
    return err;
  }
  switch (sock.state) {
    default:
      return -EINVAL;
    case SS_CONNECTED:
      return -EISCONN;
    case SS_CONNECTING:
      err = -EALREADY;
      /* Fall out of switch with err, set for this state */
      break;
    case SS_UNCONNECTED:
      err = -EISCONN;
      if (sk.state !== TCP_CLOSE) return err;
      err = prot.connect!(sk, uaddr);
      if (err < 0) return err;
      sock.state = SS_CONNECTING;
      /* Just entered SS_CONNECTING state; the only difference is that return value in
       * non-blocking case is EINPROGRESS, rather than EALREADY. */
      err = -EINPROGRESS;
      break;
  }
  if ((1 << sk.state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
    /* Error code is set above; the syscall layer waits (blocking sockets) and calls again. */
    return err;
  }
  /* Connection was closed by RST, timeout, ICMP error or another process disconnected us. */
  if (sk.state === TCP_CLOSE) {
    err = sockError(sk) || -ECONNABORTED;
    sock.state = SS_UNCONNECTED;
    if (prot.disconnect && prot.disconnect(sk, flags)) sock.state = SS_DISCONNECTING;
    return err;
  }
  /* sk->sk_err may be non-zero now if RECVERR was ordered and an error arrived after the
   * socket became established: it is reported later, as Linux does. */
  sock.state = SS_CONNECTED;
  return 0;
}

/** Linux: inet_accept(): move the next established child into `newsock`. */
export function inetAccept(sock: Socket, newsock: Socket, flags: number): number {
  const sk1 = inetSk(sock) as TcpSock;
  const r = inetCskAccept(sk1, flags);
  if (typeof r === 'number') return r;
  const sk2 = r;
  // __inet_accept(): sock_graft(sk2, newsock)
  sk2.wq = newsock.wq;
  sk2.skSocket = newsock;
  sk2.ino = newsock.ino;
  newsock.sk = sk2;
  newsock.ops = sock.ops;
  newsock.state = SS_CONNECTED;
  return 0;
}

/** Linux: inet_listen(). `backlog` is already capped by the syscall layer; net.core.somaxconn caps it too. */
export function inetListen(sock: Socket, backlog: number): number {
  const sk = inetSk(sock) as TcpSock;
  if (sock.state !== SS_UNCONNECTED || sock.type !== SOCK_STREAM) return -EINVAL;
  const oldState = sk.state;
  if (!((1 << oldState) & (TCPF_CLOSE | TCPF_LISTEN))) return -EINVAL;
  const somaxconn = ipv4Net(sk.net).sysctl.somaxconn;
  if ((backlog >>> 0) > somaxconn) backlog = somaxconn;
  sk.maxAckBacklog = backlog;
  /* Really, if the socket is already in listen state we can only allow the backlog to be adjusted. */
  if (oldState !== TCP_LISTEN) {
    const err = inetCskListenStart(sk);
    if (err) return err;
  }
  return 0;
}

/** Linux: inet_release() for streams: the SO_LINGER time is the close timeout. */
export function inetStreamRelease(sock: Socket): void {
  const sk = sock.sk as TcpSock | null;
  if (!sk) return;
  const timeout = sockFlag(sk, SOCK_LINGER) ? sk.lingertime * 1000 : 0;
  sock.sk = null;
  skProt(sk).close(sk, timeout);
}

/**
 * Linux: inet_release() -> tcp_close() with SO_LINGER and a time: the first half of
 * __tcp_close now; close(2) then waits while our FIN is unacknowledged (sk_stream_closing)
 * for at most the linger time, and finish() orphans the socket.
 */
export function inetStreamReleaseLinger(sock: Socket): LingeringClose | null {
  const sk = sock.sk as TcpSock | null;
  if (!sk || !sockFlag(sk, SOCK_LINGER) || !sk.lingertime) return null;
  tcpCloseStart(sk);
  return {
    timeoutNs: sk.lingertime * 1e9,
    done: () => !skStreamClosing(sk),
    finish: () => {
      sock.sk = null;
      tcpCloseFinish(sk);
    },
  };
}

/**
 * Linux: sock_common_setsockopt() for a TCP socket: SOL_SOCKET options go through
 * sk_setsockopt() with TCP's hooks (SO_KEEPALIVE arms the keepalive timer, SO_RCVLOWAT
 * is tcp_set_rcvlowat, SO_SNDBUF wakes writers through sk_stream_write_space).
 */
export function inetStreamSetsockopt(sock: Socket, level: number, optname: number, value: unknown): number {
  const sk = inetSk(sock) as TcpSock;
  if (level === SOL_SOCKET) {
    if (optname === SO_KEEPALIVE) {
      const v = sockoptInt(value);
      if (v === null) return -EINVAL;
      // Linux: sk->sk_prot->keepalive(sk, valbool) before sock_valbool_flag(SOCK_KEEPOPEN).
      tcpSetKeepalive(sk, v !== 0);
      return sockSetsockopt(sk, optname, value, sockOptEnv(sk));
    }
    if (optname === SO_RCVLOWAT) {
      let v = sockoptInt(value);
      if (v === null) return -EINVAL;
      if (v < 0) v = 0x7fffffff;
      return tcpSetRcvlowat(sk, v);
    }
    const err = sockSetsockopt(sk, optname, value, sockOptEnv(sk));
    // tcp_input.ts reads SOCK_URGINLINE as a field of the TcpSock.
    if (!err && optname === SO_OOBINLINE) sk.urgInline = sockFlag(sk, SOCK_URGINLINE);
    if (!err && (optname === SO_SNDBUF || optname === SO_SNDBUFFORCE) && skStreamIsWriteable(sk, 0)) {
      sk.wq?.wakeUp(sk.net.kernel); /* sk->sk_write_space(sk) */
    }
    return err;
  }
  return skProt(sk).setsockopt!(sk, level, optname, value);
}

/** Linux: sock_common_getsockopt() for a TCP socket. */
export function inetStreamGetsockopt(sock: Socket, level: number, optname: number): unknown {
  const sk = inetSk(sock);
  if (level === SOL_SOCKET) return sockGetsockopt(sk, optname, sock.type);
  return skProt(sk).getsockopt!(sk, level, optname);
}

/** Linux: inet_stream_ops. */
export const inetStreamOps: ProtoOps = {
  family: AF_INET,
  release: inetStreamRelease,
  bind: inetBind,
  connect: inetStreamConnect,
  sendmsg: inetSendmsg,
  recvmsg: inetRecvmsg,
  recvfromInto: inetRecvfromInto,
  setsockopt: inetStreamSetsockopt,
  getsockopt: inetStreamGetsockopt,
  getname: inetGetname,
  poll: tcpPoll,
  ioctl: inetIoctl,
  shutdown: inetShutdown,
  listen: inetListen,
  accept: inetAccept,
  releaseLinger: inetStreamReleaseLinger,
};

