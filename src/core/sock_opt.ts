/**
 * Socket-level options of every `struct sock` (Linux: net/core/sock.c
 * sk_setsockopt(), sk_getsockopt()): the SOL_SOCKET part of setsockopt(2) and
 * getsockopt(2) for protocol families built on `Sock` (AF_INET; AF_INET6 later).
 * SO_RCVTIMEO/SO_SNDTIMEO are kept on the `Socket` by the syscall layer.
 *
 * Values are JS values: integers (booleans are taken as 0/1), a device name for
 * SO_BINDTODEVICE, `{ onoff, linger }` for SO_LINGER. Capabilities are "uid 0".
 */
import type { Sock } from './sock.js';
import type { SkBuff } from './skbuff.js';
import {
  SOCK_BROADCAST, SOCK_KEEPOPEN, SOCK_LINGER, SOCK_RXQ_OVFL, SOCK_RCVTSTAMP, SOCK_RCVTSTAMPNS, sockSetFlag, sockFlag,
  SK_RMEM_MAX, SK_WMEM_MAX, SOCK_MIN_RCVBUF, SOCK_MIN_SNDBUF, skWriteSpace, skDstReset,
} from './sock.js';
import {
  SO_DEBUG, SO_REUSEADDR, SO_REUSEPORT, SO_TYPE, SO_ERROR, SO_DONTROUTE, SO_BROADCAST, SO_SNDBUF, SO_RCVBUF,
  SO_SNDBUFFORCE, SO_RCVBUFFORCE, SO_KEEPALIVE, SO_OOBINLINE, SO_NO_CHECK, SO_PRIORITY, SO_LINGER, SO_PASSCRED,
  SO_RCVLOWAT, SO_SNDLOWAT, SO_TIMESTAMP, SO_TIMESTAMPNS, SO_BINDTODEVICE, SO_BINDTOIFINDEX, SO_MARK, SO_RXQ_OVFL,
  SO_PROTOCOL, SO_DOMAIN, SO_ACCEPTCONN, SO_BUSY_POLL, SO_COOKIE, AF_INET, AF_INET6, SOL_SOCKET, type Cmsg,
} from '../socket/socket.js';
import { EINVAL, ENOPROTOOPT, EPERM, ENODEV, EOPNOTSUPP } from '../socket/errno.js';

/* sock_flag() bits used only by socket options (after the ones sock.ts defines). */
export const SOCK_DBG = 1 << 16;
export const SOCK_LOCALROUTE = 1 << 17;
export const SOCK_URGINLINE = 1 << 18;
export const SOCK_NO_CHECK_TX = 1 << 19;
export const SOCK_PASSCRED = 1 << 20;

/** Linux: IFNAMSIZ. */
const IFNAMSIZ = 16;
const INT_MAX = 0x7fffffff;
/** Linux: TCP_LISTEN (SO_ACCEPTCONN). */
const TCP_LISTEN = 10;

/** struct linger. */
export interface Linger {
  onoff: number;
  linger: number;
}

/** What the options need to know beyond the sock (the caller's capability, the protocol's rehash). */
export interface SockOptEnv {
  /** The caller has CAP_NET_ADMIN/CAP_NET_RAW (uid 0). */
  capable: boolean;
  /** Linux: sk->sk_prot->rehash, after SO_BINDTODEVICE. */
  rehash?: (sk: Sock) => void;
}

/** An integer option value (Linux copies an int; anything else is -EINVAL as optlen < sizeof(int)). */
export function sockoptInt(value: unknown): number | null {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value !== 'number' || !Number.isFinite(value)) return null;
  return value | 0;
}

/** Linux: min_t(u32, val, max): a negative int is a huge unsigned value. */
function minU32(v: number, max: number): number {
  return v < 0 || v > max ? max : v;
}

/** Linux: __sock_set_rcvbuf(). */
export function sockSetRcvbuf(sk: Sock, val: number): void {
  val = Math.min(val, INT_MAX >> 1);
  sk.userlocks |= 2; /* SOCK_RCVBUF_LOCK */
  sk.rcvbuf = Math.max(val * 2, SOCK_MIN_RCVBUF);
}

/** Linux: sk_setsockopt() for SOL_SOCKET. Returns 0 or -errno. */
export function sockSetsockopt(sk: Sock, optname: number, value: unknown, env: SockOptEnv): number {
  if (optname === SO_BINDTODEVICE) return sockSetbindtodevice(sk, value, env);
  if (optname === SO_LINGER) {
    const l = value as Linger | null;
    if (!l || typeof l !== 'object' || typeof l.onoff !== 'number' || typeof l.linger !== 'number') return -EINVAL;
    if (!l.onoff) sockSetFlag(sk, SOCK_LINGER, false);
    else {
      sk.lingertime = Math.max(0, l.linger);
      sockSetFlag(sk, SOCK_LINGER, true);
    }
    return 0;
  }
  const val = sockoptInt(value);
  if (val === null) return -EINVAL;
  const valbool = val !== 0;
  switch (optname) {
    case SO_DEBUG:
      if (val && !env.capable) return -EACCES_NEG;
      sockSetFlag(sk, SOCK_DBG, valbool);
      return 0;
    case SO_REUSEADDR:
      sk.reuse = valbool ? 1 : 0;
      return 0;
    case SO_REUSEPORT:
      if (valbool && sk.family !== AF_INET && sk.family !== AF_INET6) return -EOPNOTSUPP;
      sk.reuseport = valbool ? 1 : 0;
      return 0;
    case SO_TYPE:
    case SO_PROTOCOL:
    case SO_DOMAIN:
    case SO_ERROR:
    case SO_ACCEPTCONN:
    case SO_COOKIE:
      return -ENOPROTOOPT;
    case SO_DONTROUTE:
      sockSetFlag(sk, SOCK_LOCALROUTE, valbool);
      skDstReset(sk);
      return 0;
    case SO_BROADCAST:
      sockSetFlag(sk, SOCK_BROADCAST, valbool);
      return 0;
    case SO_SNDBUF:
    case SO_SNDBUFFORCE: {
      let v: number;
      if (optname === SO_SNDBUF) v = minU32(val, SK_WMEM_MAX);
      else {
        if (!env.capable) return -EPERM;
        v = val < 0 ? 0 : val;
      }
      v = Math.min(v, INT_MAX >> 1);
      sk.userlocks |= 1; /* SOCK_SNDBUF_LOCK */
      sk.sndbuf = Math.max(v * 2, SOCK_MIN_SNDBUF);
      skWriteSpace(sk);
      return 0;
    }
    case SO_RCVBUF:
      sockSetRcvbuf(sk, minU32(val, SK_RMEM_MAX));
      return 0;
    case SO_RCVBUFFORCE:
      if (!env.capable) return -EPERM;
      sockSetRcvbuf(sk, Math.max(val, 0));
      return 0;
    case SO_KEEPALIVE:
      sockSetFlag(sk, SOCK_KEEPOPEN, valbool);
      return 0;
    case SO_OOBINLINE:
      sockSetFlag(sk, SOCK_URGINLINE, valbool);
      return 0;
    case SO_NO_CHECK:
      sockSetFlag(sk, SOCK_NO_CHECK_TX, valbool);
      return 0;
    case SO_PRIORITY:
      if ((val >= 0 && val <= 6) || env.capable) {
        sk.priority = val >>> 0;
        return 0;
      }
      return -EPERM;
    case SO_PASSCRED:
      sockSetFlag(sk, SOCK_PASSCRED, valbool);
      return 0;
    case SO_TIMESTAMP:
    case SO_TIMESTAMPNS:
      if (valbool) {
        sockSetFlag(sk, SOCK_RCVTSTAMPNS, optname === SO_TIMESTAMPNS);
        sockSetFlag(sk, SOCK_RCVTSTAMP, true);
      } else {
        sockSetFlag(sk, SOCK_RCVTSTAMP, false);
        sockSetFlag(sk, SOCK_RCVTSTAMPNS, false);
      }
      return 0;
    case SO_RCVLOWAT:
      sk.rcvlowat = val < 0 ? INT_MAX : val || 1;
      return 0;
    case SO_SNDLOWAT:
      // Linux: not changeable (ENOPROTOOPT).
      return -ENOPROTOOPT;
    case SO_MARK:
      if (!env.capable) return -EPERM;
      if (sk.mark !== val >>> 0) {
        sk.mark = val >>> 0;
        skDstReset(sk);
      }
      return 0;
    case SO_RXQ_OVFL:
      sockSetFlag(sk, SOCK_RXQ_OVFL, valbool);
      return 0;
    case SO_BINDTOIFINDEX:
      return sockBindtoindex(sk, val, env);
    case SO_BUSY_POLL:
      if (val < 0) return -EINVAL;
      return 0;
    default:
      return -ENOPROTOOPT;
  }
}

const EACCES_NEG = -13;

/** Linux: sock_bindtoindex_locked(). */
function sockBindtoindex(sk: Sock, ifindex: number, env: SockOptEnv): number {
  // Since 5.7 an unprivileged socket may bind once; changing a binding needs CAP_NET_RAW.
  if (sk.boundDevIf && !env.capable) return -EPERM;
  if (ifindex < 0) return -EINVAL;
  if (ifindex && !sk.net.devGetByIndex(ifindex)) return -ENODEV;
  sk.boundDevIf = ifindex;
  env.rehash?.(sk);
  skDstReset(sk);
  return 0;
}

/** Linux: sock_setbindtodevice(): a device name; "" unbinds. */
function sockSetbindtodevice(sk: Sock, value: unknown, env: SockOptEnv): number {
  if (typeof value !== 'string') return -EINVAL;
  // Linux copies at most IFNAMSIZ-1 bytes and stops at the first NUL.
  let name = value.length >= IFNAMSIZ ? value.slice(0, IFNAMSIZ - 1) : value;
  const nul = name.indexOf('\0');
  if (nul >= 0) name = name.slice(0, nul);
  let index = 0;
  if (name) {
    const dev = sk.net.devGetByName(name);
    if (!dev) return -ENODEV;
    index = dev.ifindex;
  }
  return sockBindtoindex(sk, index, env);
}

/** Linux: sk_getsockopt() for SOL_SOCKET: the value, or -errno. */
export function sockGetsockopt(sk: Sock, optname: number, sockType: number): unknown {
  switch (optname) {
    case SO_DEBUG: return sockFlag(sk, SOCK_DBG) ? 1 : 0;
    case SO_DONTROUTE: return sockFlag(sk, SOCK_LOCALROUTE) ? 1 : 0;
    case SO_BROADCAST: return sockFlag(sk, SOCK_BROADCAST) ? 1 : 0;
    case SO_SNDBUF: return sk.sndbuf;
    case SO_RCVBUF: return sk.rcvbuf;
    case SO_REUSEADDR: return sk.reuse;
    case SO_REUSEPORT: return sk.reuseport;
    case SO_KEEPALIVE: return sockFlag(sk, SOCK_KEEPOPEN) ? 1 : 0;
    case SO_TYPE: return sockType;
    case SO_PROTOCOL: return sk.protocol;
    case SO_DOMAIN: return sk.family;
    case SO_ERROR: {
      // Linux: -sock_error(sk), else the soft error; both are consumed.
      let v = sk.err;
      sk.err = 0;
      if (v === 0) {
        v = sk.errSoft;
        sk.errSoft = 0;
      }
      return v;
    }
    case SO_OOBINLINE: return sockFlag(sk, SOCK_URGINLINE) ? 1 : 0;
    case SO_NO_CHECK: return sockFlag(sk, SOCK_NO_CHECK_TX) ? 1 : 0;
    case SO_PRIORITY: return sk.priority;
    case SO_LINGER: {
      const l: Linger = { onoff: sockFlag(sk, SOCK_LINGER) ? 1 : 0, linger: sk.lingertime };
      return l;
    }
    case SO_PASSCRED: return sockFlag(sk, SOCK_PASSCRED) ? 1 : 0;
    case SO_TIMESTAMP: return sockFlag(sk, SOCK_RCVTSTAMP) && !sockFlag(sk, SOCK_RCVTSTAMPNS) ? 1 : 0;
    case SO_TIMESTAMPNS: return sockFlag(sk, SOCK_RCVTSTAMPNS) ? 1 : 0;
    case SO_RCVLOWAT: return sk.rcvlowat;
    case SO_SNDLOWAT: return 1;
    case SO_MARK: return sk.mark;
    case SO_RXQ_OVFL: return sockFlag(sk, SOCK_RXQ_OVFL) ? 1 : 0;
    case SO_BINDTODEVICE: {
      if (!sk.boundDevIf) return '';
      const dev = sk.net.devGetByIndex(sk.boundDevIf);
      return dev ? dev.name : -ENODEV;
    }
    case SO_BINDTOIFINDEX: return sk.boundDevIf;
    case SO_ACCEPTCONN: return sk.state === TCP_LISTEN ? 1 : 0;
    case SO_BUSY_POLL: return 0;
    default: return -ENOPROTOOPT;
  }
}

/** SCM_TIMESTAMP payload (struct timeval, CLOCK_REALTIME). */
export interface Timeval {
  tvSec: number;
  tvUsec: number;
}
/** SCM_TIMESTAMPNS payload (struct timespec, CLOCK_REALTIME). */
export interface Timespec {
  tvSec: number;
  tvNsec: number;
}

/** An skb timestamp (ns of the kernel clock) as CLOCK_REALTIME seconds and nanoseconds. */
export function skbTstampRealtime(sk: Sock, tstamp: number): Timespec {
  const ns = sk.net.kernel.clock.realtimeOffsetNs + tstamp;
  const sec = Math.floor(ns / 1e9);
  return { tvSec: sec, tvNsec: Math.round(ns - sec * 1e9) };
}

/**
 * Linux: sock_recv_ts_and_drops() (net/socket.c): SCM_TIMESTAMP(NS) when
 * SO_TIMESTAMP(NS) is on, SO_RXQ_OVFL with the socket's drop count.
 */
export function sockRecvTsAndDrops(sk: Sock, skb: SkBuff, out: Cmsg[]): void {
  if (sockFlag(sk, SOCK_RCVTSTAMP)) {
    const ts = skbTstampRealtime(sk, skb.tstamp);
    if (sockFlag(sk, SOCK_RCVTSTAMPNS)) out.push({ level: SOL_SOCKET, type: SO_TIMESTAMPNS, data: ts });
    else {
      const tv: Timeval = { tvSec: ts.tvSec, tvUsec: Math.floor(ts.tvNsec / 1000) };
      out.push({ level: SOL_SOCKET, type: SO_TIMESTAMP, data: tv });
    }
  }
  if (sockFlag(sk, SOCK_RXQ_OVFL) && sk.drops) out.push({ level: SOL_SOCKET, type: SO_RXQ_OVFL, data: sk.drops >>> 0 });
}
