/**
 * TCP socket options (Linux: net/ipv4/tcp.c do_tcp_setsockopt(), do_tcp_getsockopt(),
 * tcp_set_rcvlowat(), and the SOL_SOCKET options TCP hooks: SO_KEEPALIVE ->
 * tcp_set_keepalive, SO_RCVLOWAT -> tcp_set_rcvlowat, SO_SNDBUF -> sk_stream_write_space).
 * Other levels go to ip_setsockopt()/ip_getsockopt() (icsk_af_ops).
 *
 * Values are JS values: integers for int options, a string for TCP_CONGESTION, the
 * TcpInfo object for TCP_INFO. Not supported, answered as a Linux kernel built without
 * them answers: TCP_MD5SIG/TCP_MD5SIG_EXT (EINVAL, as a short option), TCP_AO_* (no
 * CONFIG_TCP_AO: ENOPROTOOPT), TCP_ULP (no ULP modules: ENOENT), TCP_REPAIR* (EPERM, as an unprivileged
 * caller), TCP_ZEROCOPY_RECEIVE (EINVAL). TCP Fast Open options are stored and reported
 * but Fast Open itself is not implemented; TCP_TX_DELAY is stored (no EDT pacing here).
 */
import { sockFlag, SOCK_KEEPOPEN } from '../core/sock.js';
import { EINVAL, ENOPROTOOPT, EPERM, ENOENT, EOPNOTSUPP } from '../socket/errno.js';
import { capable, SOCK_RCVBUF_LOCK } from './af_inet.js';
import { ipSetsockopt, ipGetsockopt } from './ip_sockglue.js';
import { sockoptInt } from '../core/sock_opt.js';
import { ipv4Net } from './netns_ipv4.js';
import { type TcpSock, tcpJiffies32, tcpWinFromSpace } from './tcp_sock.js';
import {
  SOL_TCP, TCP_NODELAY, TCP_MAXSEG, TCP_CORK, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT, TCP_SYNCNT, TCP_LINGER2,
  TCP_DEFER_ACCEPT, TCP_WINDOW_CLAMP, TCP_INFO, TCP_QUICKACK, TCP_CONGESTION, TCP_THIN_LINEAR_TIMEOUTS,
  TCP_THIN_DUPACK, TCP_USER_TIMEOUT, TCP_REPAIR, TCP_REPAIR_QUEUE, TCP_QUEUE_SEQ, TCP_REPAIR_OPTIONS, TCP_FASTOPEN,
  TCP_TIMESTAMP, TCP_NOTSENT_LOWAT, TCP_CC_INFO, TCP_SAVE_SYN, TCP_SAVED_SYN, TCP_REPAIR_WINDOW,
  TCP_FASTOPEN_CONNECT, TCP_ULP, TCP_FASTOPEN_KEY, TCP_FASTOPEN_NO_COOKIE, TCP_ZEROCOPY_RECEIVE, TCP_INQ,
  TCP_TX_DELAY, TCP_MD5SIG, TCP_MD5SIG_EXT, TCP_NAGLE_OFF, TCP_NAGLE_PUSH, TCP_NAGLE_CORK, MAX_TCP_KEEPIDLE, MAX_TCP_KEEPINTVL,
  MAX_TCP_KEEPCNT, MAX_TCP_SYNCNT, MAX_TCP_WINDOW, TCP_FIN_TIMEOUT_MAX, TCP_TIMEOUT_INIT, TCP_RTO_MAX, TCP_RTO_MIN,
  TCP_TIMEOUT_MIN, TCP_DELACK_MAX, HZ, TCPF_CLOSE, TCPF_LISTEN, TCPF_ESTABLISHED, TCPF_CLOSE_WAIT, TCP_CLOSE,
  TCP_CA_NAME_MAX, ICSK_ACK_PUSHED,
} from './tcp_defs.js';
import { tcpSetCongestionControl } from './tcp_cong.js';
import {
  tcpResetKeepaliveTimer, keepaliveTimeWhen, keepaliveIntvlWhen, keepaliveProbes, keepaliveTimeElapsed,
} from './tcp_timer.js';
import { tcpGetInfo } from './tcp_info.js';
import { tcpPushPendingFrames, tcpCleanupRbuf, inetCskInPingpongMode } from './tcp.js';
import { SOCK_MIN_RCVBUF } from '../core/sock.js';

/* Options newer than tcp_defs.ts's list (Linux 6.18 include/uapi/linux/tcp.h). */
export const TCP_AO_ADD_KEY = 38;
export const TCP_AO_DEL_KEY = 39;
export const TCP_AO_INFO = 40;
export const TCP_AO_GET_KEYS = 41;
export const TCP_AO_REPAIR = 42;
export const TCP_IS_MPTCP = 43;
export const TCP_RTO_MAX_MS = 44;
export const TCP_RTO_MIN_US = 45;
export const TCP_DELACK_MAX_US = 46;

/** Linux: TCP_MIN_MSS. */
const TCP_MIN_MSS = 88;
/** Linux: TCP_RTO_MAX_SEC. */
const TCP_RTO_MAX_SEC = 120;
/** Linux: TFO_CLIENT_ENABLE bit of net.ipv4.tcp_fastopen. */
const TFO_CLIENT_ENABLE = 1;

/** Linux: usecs_to_jiffies() at HZ 1000 (rounds up). */
function usecsToJiffies(us: number): number {
  return Math.ceil(us / 1000);
}

/** Linux: secs_to_retrans(): TCP_DEFER_ACCEPT seconds as SYN-ACK retransmissions. */
export function secsToRetrans(seconds: number, timeout: number, rtoMax: number): number {
  let res = 0;
  if (seconds > 0) {
    let period = timeout;
    res = 1;
    while (seconds > period && res < 255) {
      res++;
      timeout <<= 1;
      if (timeout > rtoMax) timeout = rtoMax;
      period += timeout;
    }
  }
  return res;
}

/** Linux: retrans_to_secs(). */
export function retransToSecs(retrans: number, timeout: number, rtoMax: number): number {
  let period = 0;
  if (retrans > 0) {
    period = timeout;
    while (--retrans) {
      timeout <<= 1;
      if (timeout > rtoMax) timeout = rtoMax;
      period += timeout;
    }
  }
  return period;
}

/** Linux: inet_csk_enter_pingpong_mode() / inet_csk_exit_pingpong_mode(). */
function inetCskEnterPingpongMode(tp: TcpSock): void {
  tp.icskAckPingpong = ipv4Net(tp.net).sysctl.tcpPingpongThresh;
}
function inetCskExitPingpongMode(tp: TcpSock): void {
  tp.icskAckPingpong = 0;
}

/** Linux: __tcp_sock_set_cork(). */
export function tcpSockSetCork(tp: TcpSock, on: boolean): void {
  if (on) {
    tp.nonagle |= TCP_NAGLE_CORK;
  } else {
    tp.nonagle &= ~TCP_NAGLE_CORK;
    if (tp.nonagle & TCP_NAGLE_OFF) tp.nonagle |= TCP_NAGLE_PUSH;
    tcpPushPendingFrames(tp);
  }
}

/** Linux: __tcp_sock_set_nodelay(). TCP_NODELAY on pushes at once, even a corked queue. */
export function tcpSockSetNodelay(tp: TcpSock, on: boolean): void {
  if (on) {
    tp.nonagle |= TCP_NAGLE_OFF | TCP_NAGLE_PUSH;
    tcpPushPendingFrames(tp);
  } else {
    tp.nonagle &= ~TCP_NAGLE_OFF;
  }
}

/** Linux: __tcp_sock_set_quickack(). */
function tcpSockSetQuickack(tp: TcpSock, val: number): void {
  if (!val) {
    inetCskEnterPingpongMode(tp);
    return;
  }
  inetCskExitPingpongMode(tp);
  if (((1 << tp.state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT)) && (tp.icskAckPending & 1 /* ICSK_ACK_SCHED */)) {
    tp.icskAckPending |= ICSK_ACK_PUSHED;
    tcpCleanupRbuf(tp, 1);
    if (!(val & 1)) inetCskEnterPingpongMode(tp);
  }
}

/** Linux: tcp_sock_set_keepidle_locked(). */
function tcpSockSetKeepidle(tp: TcpSock, val: number): number {
  if (val < 1 || val > MAX_TCP_KEEPIDLE) return -EINVAL;
  tp.keepaliveTime = val * HZ;
  if (sockFlag(tp, SOCK_KEEPOPEN) && !((1 << tp.state) & (TCPF_CLOSE | TCPF_LISTEN))) {
    let elapsed = keepaliveTimeElapsed(tp);
    if (tp.keepaliveTime > elapsed) elapsed = tp.keepaliveTime - elapsed;
    else elapsed = 0;
    tcpResetKeepaliveTimer(tp, elapsed);
  }
  return 0;
}

/** Linux: tcp_set_window_clamp(). */
function tcpSetWindowClamp(tp: TcpSock, val: number): number {
  if (!val) {
    if (tp.state !== TCP_CLOSE) return -EINVAL;
    tp.windowClamp = 0;
    return 0;
  }
  const oldClamp = tp.windowClamp;
  const newClamp = Math.max(SOCK_MIN_RCVBUF / 2, val);
  if (newClamp === oldClamp) return 0;
  tp.windowClamp = newClamp;
  /* The reserved-memory provisioning applies only when shrinking the clamp. */
  if (newClamp < oldClamp) {
    tp.rcvSsthresh = Math.min(tp.rcvSsthresh, newClamp); // __tcp_adjust_rcv_ssthresh (no reserved mem)
  } else {
    const newRcvSsthresh = Math.min(tp.rcvWnd, newClamp);
    tp.rcvSsthresh = Math.max(newRcvSsthresh, tp.rcvSsthresh);
  }
  return 0;
}

/**
 * Linux: tcp_set_rcvlowat() (SO_RCVLOWAT on a TCP socket): the low-water mark, capped
 * at half the receive buffer, and the receive buffer grown to twice it when not locked.
 */
export function tcpSetRcvlowat(tp: TcpSock, val: number): number {
  const cap = tp.userlocks & SOCK_RCVBUF_LOCK ? tp.rcvbuf >> 1 : ipv4Net(tp.net).sysctl.tcpRmem[2]! >> 1;
  val = Math.min(val, cap);
  tp.rcvlowat = val || 1;
  /* Check if we need to signal EPOLLIN right now (tcp_data_ready). */
  tp.wq?.wakeUp(tp.net.kernel);
  if (tp.userlocks & SOCK_RCVBUF_LOCK) return 0;
  val <<= 1;
  if (val > tp.rcvbuf) {
    tp.rcvbuf = val;
    tp.windowClamp = tcpWinFromSpace(tp, val);
  }
  return 0;
}

/** Linux: tcp_setsockopt() / do_tcp_setsockopt(). 0 or -errno. */
export function tcpSetsockopt(tp: TcpSock, level: number, optname: number, value: unknown): number {
  if (level !== SOL_TCP) return ipSetsockopt(tp, level, optname, value);
  /* These are data/string values, all the others are ints. */
  switch (optname) {
    case TCP_CONGESTION: {
      if (typeof value !== 'string' || value.length < 1) return -EINVAL;
      let name = value.slice(0, TCP_CA_NAME_MAX - 1);
      const nul = name.indexOf('\0');
      if (nul >= 0) name = name.slice(0, nul);
      return tcpSetCongestionControl(tp, name, capable(tp.net.kernel));
    }
    case TCP_ULP:
      if (typeof value !== 'string' || value.length < 1) return -EINVAL;
      return -ENOENT; /* no upper-layer protocol modules (tls, espintcp, mptcp) */
    case TCP_FASTOPEN_KEY:
      return -EINVAL; /* the key must be 16 or 32 bytes; Fast Open keys are not kept */
    default:
      break;
  }
  const val = sockoptInt(value);
  if (val === null) return -EINVAL;
  switch (optname) {
    case TCP_RTO_MAX_MS:
      if (val < 1000 || val > TCP_RTO_MAX_SEC * 1000) return -EINVAL;
      tp.icskRtoMax = val;
      return 0;
    case TCP_RTO_MIN_US: {
      const rtoMin = usecsToJiffies(val);
      if (rtoMin > TCP_RTO_MIN || rtoMin < TCP_TIMEOUT_MIN) return -EINVAL;
      tp.icskRtoMin = rtoMin;
      return 0;
    }
    case TCP_DELACK_MAX_US: {
      const delackMax = usecsToJiffies(val);
      if (delackMax > TCP_DELACK_MAX || delackMax < TCP_TIMEOUT_MIN) return -EINVAL;
      tp.icskDelackMax = delackMax;
      return 0;
    }
    case TCP_MAXSEG:
      /* Values greater than interface MTU won't take effect. */
      if (val && (val < TCP_MIN_MSS || val > MAX_TCP_WINDOW)) return -EINVAL;
      tp.rxOpt.userMss = val;
      return 0;
    case TCP_NODELAY:
      tcpSockSetNodelay(tp, val !== 0);
      return 0;
    case TCP_THIN_LINEAR_TIMEOUTS:
      if (val < 0 || val > 1) return -EINVAL;
      tp.thinLto = val === 1;
      return 0;
    case TCP_THIN_DUPACK:
      if (val < 0 || val > 1) return -EINVAL;
      return 0;
    case TCP_REPAIR:
    case TCP_REPAIR_QUEUE:
    case TCP_REPAIR_WINDOW:
      return -EPERM; /* repair mode is not supported */
    case TCP_QUEUE_SEQ:
      if (tp.state !== TCP_CLOSE) return -EPERM;
      return -EINVAL; /* no repair queue selected */
    case TCP_REPAIR_OPTIONS:
      return -EINVAL; /* !tp->repair */
    case TCP_CORK:
      tcpSockSetCork(tp, val !== 0);
      return 0;
    case TCP_KEEPIDLE:
      return tcpSockSetKeepidle(tp, val);
    case TCP_KEEPINTVL:
      if (val < 1 || val > MAX_TCP_KEEPINTVL) return -EINVAL;
      tp.keepaliveIntvl = val * HZ;
      return 0;
    case TCP_KEEPCNT:
      if (val < 1 || val > MAX_TCP_KEEPCNT) return -EINVAL;
      tp.keepaliveProbes = val;
      return 0;
    case TCP_SYNCNT:
      if (val < 1 || val > MAX_TCP_SYNCNT) return -EINVAL;
      tp.icskSynRetries = val;
      return 0;
    case TCP_SAVE_SYN:
      /* 0: disable, 1: enable, 2: start from ether_header */
      if (val < 0 || val > 2) return -EINVAL;
      tp.saveSyn = val;
      return 0;
    case TCP_LINGER2:
      if (val < 0) tp.linger2 = -1;
      else if (val > TCP_FIN_TIMEOUT_MAX / HZ) tp.linger2 = TCP_FIN_TIMEOUT_MAX;
      else tp.linger2 = val * HZ;
      return 0;
    case TCP_DEFER_ACCEPT:
      /* Translate value in seconds to number of retransmits */
      tp.deferAccept = secsToRetrans(val, TCP_TIMEOUT_INIT / HZ, TCP_RTO_MAX / HZ);
      return 0;
    case TCP_WINDOW_CLAMP:
      return tcpSetWindowClamp(tp, val);
    case TCP_QUICKACK:
      tcpSockSetQuickack(tp, val);
      return 0;
    case TCP_USER_TIMEOUT:
      /* Cap the max time in ms TCP will retry or probe the window before giving up. */
      if (val < 0) return -EINVAL;
      tp.icskUserTimeout = val;
      return 0;
    case TCP_FASTOPEN:
      if (val >= 0 && ((1 << tp.state) & (TCPF_CLOSE | TCPF_LISTEN))) {
        tp.fastopenMaxQlen = Math.min(val, ipv4Net(tp.net).sysctl.somaxconn); // fastopen_queue_tune
        return 0;
      }
      return -EINVAL;
    case TCP_FASTOPEN_CONNECT:
      if (val > 1 || val < 0) return -EINVAL;
      if (ipv4Net(tp.net).sysctl.tcpFastopen & TFO_CLIENT_ENABLE) {
        if (tp.state !== TCP_CLOSE) return -EINVAL;
        tp.fastopenConnect = val;
        return 0;
      }
      return -EOPNOTSUPP;
    case TCP_FASTOPEN_NO_COOKIE:
      if (val > 1 || val < 0) return -EINVAL;
      if (!((1 << tp.state) & (TCPF_CLOSE | TCPF_LISTEN))) return -EINVAL;
      tp.fastopenNoCookie = val;
      return 0;
    case TCP_TIMESTAMP:
      return -EPERM; /* !tp->repair */
    case TCP_NOTSENT_LOWAT:
      tp.notsentLowat = val >>> 0;
      tp.wq?.wakeUp(tp.net.kernel); /* sk->sk_write_space(sk) */
      return 0;
    case TCP_INQ:
      if (val > 1 || val < 0) return -EINVAL;
      tp.recvmsgInq = val === 1;
      return 0;
    case TCP_TX_DELAY:
      tp.tcpTxDelay = val;
      return 0;
    case TCP_MD5SIG:
    case TCP_MD5SIG_EXT:
      return -EINVAL; /* no struct tcp_md5sig: as a short optlen (MD5 signatures are not supported) */
    default:
      return -ENOPROTOOPT;
  }
}

/** Linux: tcp_getsockopt() / do_tcp_getsockopt(): the value, or -errno. */
export function tcpGetsockopt(tp: TcpSock, level: number, optname: number): unknown {
  if (level !== SOL_TCP) return ipGetsockopt(tp, level, optname);
  const sys = ipv4Net(tp.net).sysctl;
  switch (optname) {
    case TCP_MAXSEG:
      if (tp.rxOpt.userMss && ((1 << tp.state) & (TCPF_CLOSE | TCPF_LISTEN))) return tp.rxOpt.userMss;
      return tp.mssCache;
    case TCP_NODELAY: return tp.nonagle & TCP_NAGLE_OFF ? 1 : 0;
    case TCP_CORK: return tp.nonagle & TCP_NAGLE_CORK ? 1 : 0;
    case TCP_KEEPIDLE: return Math.floor(keepaliveTimeWhen(tp) / HZ);
    case TCP_KEEPINTVL: return Math.floor(keepaliveIntvlWhen(tp) / HZ);
    case TCP_KEEPCNT: return keepaliveProbes(tp);
    case TCP_SYNCNT: return tp.icskSynRetries || sys.tcpSynRetries;
    case TCP_LINGER2: {
      const val = tp.linger2;
      // -1 (no FIN_WAIT2 timeout) is boxed: a negative number would read as an errno.
      return val >= 0 ? Math.floor((val || sys.tcpFinTimeout * HZ) / HZ) : new Number(val);
    }
    case TCP_DEFER_ACCEPT: return retransToSecs(tp.deferAccept, TCP_TIMEOUT_INIT / HZ, TCP_RTO_MAX / HZ);
    case TCP_WINDOW_CLAMP: return tp.windowClamp;
    case TCP_INFO: return tcpGetInfo(tp);
    case TCP_CC_INFO: return tp.icskCaOps?.getInfo?.(tp) ?? null;
    case TCP_QUICKACK: return inetCskInPingpongMode(tp) ? 0 : 1;
    case TCP_CONGESTION: return tp.icskCaOps ? tp.icskCaOps.name : '';
    case TCP_ULP: return '';
    case TCP_FASTOPEN_KEY: return new Uint8Array(0);
    case TCP_THIN_LINEAR_TIMEOUTS: return tp.thinLto ? 1 : 0;
    case TCP_THIN_DUPACK: return 0;
    case TCP_REPAIR: return tp.repair ? 1 : 0;
    case TCP_REPAIR_QUEUE: return -EINVAL;
    case TCP_REPAIR_WINDOW: return -EINVAL;
    case TCP_QUEUE_SEQ: return -EINVAL;
    case TCP_USER_TIMEOUT: return tp.icskUserTimeout;
    case TCP_FASTOPEN: return tp.fastopenMaxQlen;
    case TCP_FASTOPEN_CONNECT: return tp.fastopenConnect;
    case TCP_FASTOPEN_NO_COOKIE: return tp.fastopenNoCookie;
    case TCP_TX_DELAY: return tp.tcpTxDelay;
    case TCP_TIMESTAMP: return (tcpJiffies32(tp.net.kernel) + tp.tsoffset) >>> 0;
    case TCP_NOTSENT_LOWAT: return tp.notsentLowat;
    case TCP_INQ: return tp.recvmsgInq ? 1 : 0;
    case TCP_SAVE_SYN: return tp.saveSyn;
    case TCP_SAVED_SYN: return new Uint8Array(0); /* the SYN is not saved */
    case TCP_ZEROCOPY_RECEIVE: return -EINVAL;
    case TCP_IS_MPTCP: return 0;
    case TCP_RTO_MAX_MS: return tp.icskRtoMax;
    case TCP_RTO_MIN_US: return tp.icskRtoMin * 1000;
    case TCP_DELACK_MAX_US: return tp.icskDelackMax * 1000;
    default: return -ENOPROTOOPT;
  }
}
