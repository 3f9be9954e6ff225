/**
 * SYN cookies (Linux: net/ipv4/syncookies.c, the cookie parts of tcp_input.c and
 * include/net/tcp.h). When the SYN queue overflows, the SYN-ACK's sequence number
 * encodes the connection instead of a request sock:
 *   ISN = H0(4-tuple) + their ISN + (count << 24) + ((H1(4-tuple, count) + mssind) mod 2^24)
 * with count the minute counter (tcp_cookie_time) and mssind the index of the MSS in
 * Linux 6.x's table {536, 1300, 1440, 1460}; a cookie is valid for two minutes
 * (MAX_SYNCOOKIE_AGE). With timestamps the low 6 bits of our TSval carry the options:
 * window scale (0xf = none), SACK (bit 4) and ECN (bit 5). H0/H1 are tuxnet's own keyed
 * hash (HalfSipHash-2-4 with per-namespace secrets) where Linux uses siphash.
 */
import type { SkBuff } from '../core/skbuff.js';
import { LINUX_MIB_SYNCOOKIESFAILED, LINUX_MIB_SYNCOOKIESRECV, IPSTATS_MIB_OUTNOROUTES } from '../core/snmp.js';
import { readU32 } from '../wire/bytes.js';
import { IPH_SADDR, IPH_DADDR, IPPROTO_TCP } from '../wire/iphdr.js';
import { RTAX_WINDOW, RTAX_INITRWND } from '../wire/route.js';
import type { Net } from '../core/net_namespace.js';
import { ipv4Net } from './netns_ipv4.js';
import { SOCK_RCVBUF_LOCK } from './af_inet.js';
import { Flowi4 } from './rtable.js';
import { ipRouteOutputPorts } from './route_output.js';
import { TcpSock, RequestSock, TcpOptionsReceived, TCP_SKB_CB, tcpJiffies32 } from './tcp_sock.js';
import { HZ } from './tcp_defs.js';
import { tcpNet } from './inet_hashtables.js';
import { halfSipHash, secureTcpTsOff } from './tcp_secure_seq.js';
import { TCP_SACK_SEEN } from './tcp_input_opts.js';
import { tcpParseOptions, tcpClearOptions } from './tcp_input.js';
import { tcpSelectInitialWindow } from './tcp_output.js';
import { inetReqskAlloc, inetCskReqskQueueAdd } from './inet_connection_sock.js';
import { tcpV4SynRecvSock } from './tcp_ipv4.js';
import { tcpFullSpace } from './tcp_input_state.js';

const COOKIEBITS = 24;
const COOKIEMASK = (1 << COOKIEBITS) - 1;
/** Linux: MAX_SYNCOOKIE_AGE (minutes) and TCP_SYNCOOKIE_PERIOD. */
const MAX_SYNCOOKIE_AGE = 2;
const TCP_SYNCOOKIE_PERIOD = 60 * HZ;
/** Linux: TCP_SYNCOOKIE_VALID. */
export const TCP_SYNCOOKIE_VALID = MAX_SYNCOOKIE_AGE * TCP_SYNCOOKIE_PERIOD;
/* The options in the low bits of the timestamp (Linux: TS_OPT_*, TSBITS). */
const TS_OPT_WSCALE_MASK = 0xf;
const TS_OPT_SACK = 1 << 4;
const TS_OPT_ECN = 1 << 5;
const TSBITS = 6;
/** Linux 6.x: msstab[] (sorted). */
export const MSSTAB: readonly number[] = [536, 1300, 1440, 1460];

/** Linux: tcp_cookie_time(): minutes of the jiffies clock. */
function tcpCookieTime(net: Net): number {
  return Math.floor(tcpJiffies32(net.kernel) / TCP_SYNCOOKIE_PERIOD) >>> 0;
}

/** Linux: cookie_hash(): keyed hash of the 4-tuple and `count` with secret `c`. */
function cookieHash(net: Net, saddr: number, daddr: number, sport: number, dport: number, count: number,
  c: number): number {
  const s = tcpNet(net).syncookieSecret;
  return halfSipHash(s[2 * c]!, s[2 * c + 1]!, 4, saddr, daddr, ((sport << 16) | dport) >>> 0, count);
}

/** Linux: secure_tcp_syn_cookie(). */
function secureTcpSynCookie(net: Net, saddr: number, daddr: number, sport: number, dport: number, sseq: number,
  data: number): number {
  const count = tcpCookieTime(net);
  return (cookieHash(net, saddr, daddr, sport, dport, 0, 0) + sseq + ((count << COOKIEBITS) >>> 0) +
    ((cookieHash(net, saddr, daddr, sport, dport, count, 1) + data) & COOKIEMASK)) >>> 0;
}

/** Linux: check_tcp_syn_cookie(): the data (mss index) of a valid cookie, or 0xffffffff. */
function checkTcpSynCookie(net: Net, cookie: number, saddr: number, daddr: number, sport: number, dport: number,
  sseq: number): number {
  const count = tcpCookieTime(net);
  // Strip away the layers from the cookie.
  cookie = (cookie - cookieHash(net, saddr, daddr, sport, dport, 0, 0) - sseq) >>> 0;
  // Cookie is now reduced to (count * 2^24) ^ (hash % 2^24).
  const diff = (count - (cookie >>> COOKIEBITS)) & (0xffffffff >>> COOKIEBITS);
  if (diff >= MAX_SYNCOOKIE_AGE) return 0xffffffff;
  return (cookie - cookieHash(net, saddr, daddr, sport, dport, count - diff, 1)) & COOKIEMASK;
}

/**
 * Linux: cookie_v4_init_sequence() / __cookie_v4_init_sequence(): the cookie ISN for the
 * SYN in `skb`; `mssOut.mss` is rounded down to the MSS the cookie encodes.
 */
export function cookieV4InitSequence(skb: SkBuff, mssOut: { mss: number }): number {
  const b = skb.buf;
  const nh = skb.networkHeader;
  const th = skb.transportHeader;
  const mss = mssOut.mss;
  let mssind = MSSTAB.length - 1;
  for (; mssind; mssind--) if (mss >= MSSTAB[mssind]!) break;
  mssOut.mss = MSSTAB[mssind]!;
  return secureTcpSynCookie(skb.dev!.net, readU32(b, nh + IPH_SADDR), readU32(b, nh + IPH_DADDR),
    (b[th]! << 8) | b[th + 1]!, (b[th + 2]! << 8) | b[th + 3]!, readU32(b, th + 4), mssind);
}

/** Linux: __cookie_v4_check(): the MSS of a valid cookie ACK, or 0. */
export function __cookieV4Check(net: Net, skb: SkBuff): number {
  const b = skb.buf;
  const nh = skb.networkHeader;
  const th = skb.transportHeader;
  const cookie = (readU32(b, th + 8) - 1) >>> 0;
  const seq = (readU32(b, th + 4) - 1) >>> 0;
  const mssind = checkTcpSynCookie(net, cookie, readU32(b, nh + IPH_SADDR), readU32(b, nh + IPH_DADDR),
    (b[th]! << 8) | b[th + 1]!, (b[th + 2]! << 8) | b[th + 3]!, seq);
  return mssind < MSSTAB.length ? MSSTAB[mssind]! : 0;
}

/**
 * Linux: cookie_init_timestamp(): our first TSval clock (`now` and the result in ns, as
 * Linux) with the options in the low 6 bits of its millisecond value, never above now.
 */
export function cookieInitTimestamp(req: RequestSock, now: number): number {
  const tsNow = Math.floor(now / 1e6);
  let options = req.wscaleOk ? req.sndWscale : TS_OPT_WSCALE_MASK;
  if (req.sackOk) options |= TS_OPT_SACK;
  if (req.ecnOk) options |= TS_OPT_ECN;
  let ts = Math.floor(tsNow / (1 << TSBITS)) * (1 << TSBITS);
  ts += options;
  if (ts > tsNow) ts -= 1 << TSBITS;
  return ts * 1e6;
}

/**
 * Linux: cookie_timestamp_decode(): the options a cookie ACK's echoed timestamp carries;
 * false when one of them is disabled here.
 */
export function cookieTimestampDecode(net: Net, opt: TcpOptionsReceived): boolean {
  // Echoed timestamp: the lowest bits contain the options.
  const options = opt.rcvTsecr;
  if (!opt.sawTstamp) {
    tcpClearOptions(opt);
    return true;
  }
  const sys = ipv4Net(net).sysctl;
  if (!sys.tcpTimestamps) return false;
  opt.sackOk = (options & TS_OPT_SACK) ? TCP_SACK_SEEN : 0;
  if (opt.sackOk && !sys.tcpSack) return false;
  if ((options & TS_OPT_WSCALE_MASK) === TS_OPT_WSCALE_MASK) return true; // no window scaling
  opt.wscaleOk = true;
  opt.sndWscale = options & TS_OPT_WSCALE_MASK;
  return sys.tcpWindowScaling !== 0;
}

/** Linux: tcp_synq_no_recent_overflow(): no SYN-queue overflow within the cookie lifetime. */
function tcpSynqNoRecentOverflow(sk: TcpSock): boolean {
  const last = sk.synqOverflowStamp;
  if (!last) return true;
  const now = tcpJiffies32(sk.net.kernel);
  return !(((now - (last - HZ)) | 0) >= 0 && ((now - (last + TCP_SYNCOOKIE_VALID)) | 0) <= 0);
}

/**
 * Linux: cookie_v4_check(): a non-SYN segment at a listener may be the ACK of a cookie
 * SYN-ACK. Returns the listener when it is not one (the state machine handles it), the
 * new child, or null (dropped: bad cookie counted as SyncookiesFailed, or no child).
 */
export function cookieV4Check(sk: TcpSock, skb: SkBuff): TcpSock | null {
  const net = sk.net;
  const sys = ipv4Net(net).sysctl;
  const tcb = TCP_SKB_CB(skb);
  if (!sys.tcpSyncookies || !(tcb.tcpFlags & 0x10) || (tcb.tcpFlags & 0x04)) return sk;
  // cookie_tcp_check():
  if (tcpSynqNoRecentOverflow(sk)) return sk;
  const mss = __cookieV4Check(net, skb);
  const mib = ipv4Net(net).mib.net;
  if (!mss) {
    mib[LINUX_MIB_SYNCOOKIESFAILED]++;
    return sk;
  }
  mib[LINUX_MIB_SYNCOOKIESRECV]++;
  const b = skb.buf;
  const nh = skb.networkHeader;
  const th = skb.transportHeader;
  const saddr = readU32(b, nh + IPH_SADDR);
  const daddr = readU32(b, nh + IPH_DADDR);
  const opt = new TcpOptionsReceived();
  tcpParseOptions(net, skb, tcpNet(net).rxTh.at(b, th), opt, false);
  let tsoff = 0;
  if (opt.sawTstamp && opt.rcvTsecr) {
    // Linux: secure_tcp_seq_and_ts_off(daddr, saddr, dest, source).ts_off
    const dest = (b[th + 2]! << 8) | b[th + 3]!;
    const source = (b[th]! << 8) | b[th + 1]!;
    tsoff = sys.tcpTimestamps === 1 ? secureTcpTsOff(net.kernel, daddr, saddr, dest, source) : 0;
    opt.rcvTsecr = (opt.rcvTsecr - tsoff) >>> 0;
  }
  if (!cookieTimestampDecode(net, opt)) return sk;
  // cookie_tcp_reqsk_alloc():
  const req = inetReqskAlloc(sk);
  req.mss = mss;
  req.tsRecent = opt.sawTstamp ? opt.rcvTsval : 0;
  req.sndWscale = opt.sndWscale;
  req.tstampOk = opt.sawTstamp;
  req.sackOk = opt.sackOk !== 0;
  req.wscaleOk = opt.wscaleOk;
  req.ecnOk = (opt.rcvTsecr & TS_OPT_ECN) !== 0;
  req.tsOff = tsoff;
  req.rcvIsn = (readU32(b, th + 4) - 1) >>> 0;
  req.rcvNxt = (req.rcvIsn + 1) >>> 0;
  req.sntIsn = (readU32(b, th + 8) - 1) >>> 0;
  req.tos = b[nh + 1]!;
  req.num = (b[th + 2]! << 8) | b[th + 3]!;
  req.rmtPort = (b[th]! << 8) | b[th + 1]!;
  req.locAddr = daddr;
  req.rmtAddr = saddr;
  req.iif = sk.boundDevIf || skb.skbIif || (skb.dev !== null ? skb.dev.ifindex : 0);
  req.mark = sk.mark;
  req.syncookie = true;
  // Look up the route to get at the window size (it may have changed since the SYN).
  const fl4 = new Flowi4();
  const rt = ipRouteOutputPorts(net, fl4, sk, saddr, daddr, req.rmtPort, req.num, IPPROTO_TCP, sk.tos, req.iif);
  if (typeof rt === 'number') {
    ipv4Net(net).mib.ip[IPSTATS_MIB_OUTNOROUTES]++;
    return null;
  }
  // Try to redo what tcp_v4_send_synack did.
  req.windowClamp = sk.windowClamp || rt.metrics[RTAX_WINDOW]!;
  const fullSpace = tcpFullSpace(sk);
  if ((sk.userlocks & SOCK_RCVBUF_LOCK) && (req.windowClamp > fullSpace || req.windowClamp === 0)) {
    req.windowClamp = fullSpace;
  }
  const w = tcpSelectInitialWindow(sk, fullSpace, req.mss, req.windowClamp, req.wscaleOk,
    rt.metrics[RTAX_INITRWND]!);
  req.rcvWnd = w.rcvWnd;
  req.windowClamp = w.windowClamp;
  req.rcvWscale = w.rcvWscale;
  req.ecnOk = req.ecnOk && sys.tcpEcn !== 0;
  // tcp_get_cookie_sock():
  const child = tcpV4SynRecvSock(sk, skb, req, rt, null);
  if (child === null) return null;
  if (inetCskReqskQueueAdd(sk, req, child) === null) return null;
  child.corkFl4 = fl4;
  return child;
}
