/**
 * NETLINK_SOCK_DIAG for TCP over IPv4 (Linux: net/core/sock_diag.c sock_diag_rcv_msg(),
 * net/ipv4/inet_diag.c inet_diag_dump_icsk() / inet_sk_diag_fill() / inet_twsk_diag_fill() /
 * inet_req_diag_fill(), net/ipv4/tcp_diag.c tcp_diag_get_info()). `ss` asks this first:
 * a SOCK_DIAG_BY_FAMILY dump request (struct inet_diag_req_v2: family, protocol, idiag_ext
 * bits, idiag_states) answered by one inet_diag_msg per socket (state, timer, queues, uid,
 * inode, cookie) with the attributes asked for: INET_DIAG_SHUTDOWN always, MEMINFO,
 * SKMEMINFO, INFO (struct tcp_info in 6.18's layout, up to tcpi_total_rto_time), CONG.
 * Request socks and TIME_WAIT socks get the mini forms Linux gives them. Bytecode filters
 * (INET_DIAG_REQ_BYTECODE) are ignored: every socket in the states asked for is dumped.
 * UDP and raw sockets are not served (ss reads /proc/net/udp and /proc/net/raw here).
 */
import type { Kernel, Net } from '../core/net_namespace.js';
import {
  netlinkKernelCreate, netlinkRcvSkb, netlinkDumpStart, type NetlinkSock, type NetlinkCallback,
} from '../netlink/af_netlink.js';
import { NETLINK_SOCK_DIAG, NLM_F_DUMP, NLM_F_MULTI, NLMSG_HDRLEN, type NlMsg } from '../wire/netlink.js';
import { EINVAL, ENOENT, EOPNOTSUPP } from '../socket/errno.js';
import { TcpSock, RequestSock, TimeWaitSock, tcpJiffies32 } from './tcp_sock.js';
import {
  TCP_LISTEN, TCP_SYN_RECV, ICSK_TIME_RETRANS, ICSK_TIME_REO_TIMEOUT, ICSK_TIME_LOSS_PROBE, ICSK_TIME_PROBE0,
} from './tcp_defs.js';
import { tcpForEachSock, type EhashSock } from './inet_hashtables.js';
import { tcpGetInfo, type TcpInfo } from './tcp_info.js';

export const SOCK_DIAG_BY_FAMILY = 20;
export const INET_DIAG_MEMINFO = 1;
export const INET_DIAG_INFO = 2;
export const INET_DIAG_CONG = 4;
export const INET_DIAG_TOS = 5;
export const INET_DIAG_SKMEMINFO = 7;
export const INET_DIAG_SHUTDOWN = 8;
const AF_INET = 2;
const IPPROTO_TCP = 6;
/** sizeof(struct inet_diag_req_v2), sizeof(struct inet_diag_msg). */
const REQ_V2_LEN = 56;
const DIAG_MSG_LEN = 72;
/** struct tcp_info as encoded here: 6.18's layout through tcpi_total_rto_time. */
export const TCP_INFO_LEN = 248;

/** Linux: sock_gen_cookie(): a kernel-wide, never reused number per socket. */
function sockCookie(k: Kernel, o: object): number {
  let m = k.generic.get('sock.cookies') as WeakMap<object, number> | undefined;
  if (!m) {
    m = new WeakMap();
    k.generic.set('sock.cookies', m);
  }
  let c = m.get(o);
  if (c === undefined) {
    c = ((k.generic.get('sock.cookie.next') as number | undefined) ?? 0x1000) + 1;
    k.generic.set('sock.cookie.next', c);
    m.set(o, c);
  }
  return c;
}

/** struct tcp_info in Linux's binary layout (little endian; 64-bit fields split). */
export function tcpInfoEncode(i: TcpInfo): Uint8Array {
  const b = new Uint8Array(TCP_INFO_LEN);
  const v = new DataView(b.buffer);
  const u32 = (off: number, x: number): void => v.setUint32(off, x >>> 0, true);
  const u64 = (off: number, x: number): void => {
    // ~0ULL (unlimited pacing) arrives as -1 or as a number at or past 2^64.
    if (x < 0 || x >= 2 ** 64 - 4096) {
      v.setUint32(off, 0xffffffff, true);
      v.setUint32(off + 4, 0xffffffff, true);
      return;
    }
    v.setUint32(off, x % 2 ** 32, true);
    v.setUint32(off + 4, Math.floor(x / 2 ** 32), true);
  };
  b[0] = i.tcpi_state;
  b[1] = i.tcpi_ca_state;
  b[2] = i.tcpi_retransmits;
  b[3] = i.tcpi_probes;
  b[4] = i.tcpi_backoff;
  b[5] = i.tcpi_options;
  b[6] = (i.tcpi_snd_wscale & 0xf) | ((i.tcpi_rcv_wscale & 0xf) << 4);
  b[7] = (i.tcpi_delivery_rate_app_limited & 1) | ((i.tcpi_fastopen_client_fail & 3) << 1);
  const u32s = [i.tcpi_rto, i.tcpi_ato, i.tcpi_snd_mss, i.tcpi_rcv_mss, i.tcpi_unacked, i.tcpi_sacked, i.tcpi_lost,
    i.tcpi_retrans, i.tcpi_fackets, i.tcpi_last_data_sent, i.tcpi_last_ack_sent, i.tcpi_last_data_recv,
    i.tcpi_last_ack_recv, i.tcpi_pmtu, i.tcpi_rcv_ssthresh, i.tcpi_rtt, i.tcpi_rttvar, i.tcpi_snd_ssthresh,
    i.tcpi_snd_cwnd, i.tcpi_advmss, i.tcpi_reordering, i.tcpi_rcv_rtt, i.tcpi_rcv_space, i.tcpi_total_retrans];
  u32s.forEach((x, j) => u32(8 + 4 * j, x));
  u64(104, i.tcpi_pacing_rate);
  u64(112, i.tcpi_max_pacing_rate);
  u64(120, i.tcpi_bytes_acked);
  u64(128, i.tcpi_bytes_received);
  u32(136, i.tcpi_segs_out);
  u32(140, i.tcpi_segs_in);
  u32(144, i.tcpi_notsent_bytes);
  u32(148, i.tcpi_min_rtt);
  u32(152, i.tcpi_data_segs_in);
  u32(156, i.tcpi_data_segs_out);
  u64(160, i.tcpi_delivery_rate);
  u64(168, i.tcpi_busy_time);
  u64(176, i.tcpi_rwnd_limited);
  u64(184, i.tcpi_sndbuf_limited);
  u32(192, i.tcpi_delivered);
  u32(196, i.tcpi_delivered_ce);
  u64(200, i.tcpi_bytes_sent);
  u64(208, i.tcpi_bytes_retrans);
  u32(216, i.tcpi_dsack_dups);
  u32(220, i.tcpi_reord_seen);
  u32(224, i.tcpi_rcv_ooopack);
  u32(228, i.tcpi_snd_wnd);
  u32(232, i.tcpi_rcv_wnd);
  u32(236, i.tcpi_rehash);
  v.setUint16(240, i.tcpi_total_rto & 0xffff, true);
  v.setUint16(242, i.tcpi_total_rto_recoveries & 0xffff, true);
  u32(244, i.tcpi_total_rto_time);
  return b;
}

/** Linux: jiffies_delta_to_msecs(): never negative. */
function deltaMs(expiresJiffies: number, now: number): number {
  const d = expiresJiffies - now;
  return d > 0 ? d : 0;
}

/** struct inet_diag_msg's fixed part (family, state, timer, retrans, sockid, expires, queues, uid, inode). */
function putDiagMsg(cb: NetlinkCallback, state: number, timer: number, retrans: number, saddr: number, sport: number,
  daddr: number, dport: number, ifindex: number, cookie: number, expires: number, rq: number, wq: number, uid: number,
  ino: number): number {
  const skb = cb.skb;
  const nlh = skb.nlmsgPut(cb.sk.portid, cb.nlh.seq, SOCK_DIAG_BY_FAMILY, DIAG_MSG_LEN, NLM_F_MULTI);
  const p = nlh + NLMSG_HDRLEN;
  skb.setU8(p, AF_INET);
  skb.setU8(p + 1, state);
  skb.setU8(p + 2, timer);
  skb.setU8(p + 3, retrans);
  // inet_diag_sockid: ports and addresses in network order.
  const be16 = (off: number, x: number): void => {
    skb.setU8(off, x >>> 8);
    skb.setU8(off + 1, x & 0xff);
  };
  const be32 = (off: number, x: number): void => {
    be16(off, x >>> 16);
    be16(off + 2, x & 0xffff);
  };
  be16(p + 4, sport);
  be16(p + 6, dport);
  be32(p + 8, saddr);
  be32(p + 24, daddr);
  skb.setU32(p + 40, ifindex);
  skb.setU32(p + 44, cookie);
  skb.setU32(p + 48, 0);
  skb.setU32(p + 52, expires);
  skb.setU32(p + 56, rq);
  skb.setU32(p + 60, wq);
  skb.setU32(p + 64, uid);
  skb.setU32(p + 68, ino);
  return nlh;
}

/** Linux: inet_sk_diag_fill() for a full TCP socket. */
function skDiagFill(cb: NetlinkCallback, sk: TcpSock, ext: number, now: number): void {
  let timer = 0;
  let retrans = 0;
  let expires = 0;
  const pending = sk.icskPending;
  if (pending === ICSK_TIME_RETRANS || pending === ICSK_TIME_REO_TIMEOUT || pending === ICSK_TIME_LOSS_PROBE) {
    timer = 1;
    retrans = sk.icskRetransmits;
    expires = deltaMs(sk.icskTimeout, now);
  } else if (pending === ICSK_TIME_PROBE0) {
    timer = 4;
    retrans = sk.icskProbesOut;
    expires = deltaMs(sk.icskTimeout, now);
  } else if (sk.skTimer.pending()) {
    timer = 2;
    retrans = sk.icskProbesOut;
    expires = deltaMs(Math.floor(sk.skTimer.expires / 1e6), now);
  }
  // Linux: tcp_diag_get_info(): listeners report their accept queue and backlog.
  const listen = sk.state === TCP_LISTEN;
  const rq = listen ? sk.ackBacklog : Math.max((sk.rcvNxt - sk.copiedSeq) | 0, 0);
  const wq = listen ? sk.maxAckBacklog : (sk.writeSeq - sk.sndUna) >>> 0;
  const nlh = putDiagMsg(cb, sk.state, timer, retrans & 0xff, sk.inetRcvSaddr, sk.inetNum || sk.inetSport, sk.inetDaddr,
    sk.inetDport, sk.boundDevIf, sockCookie(sk.net.kernel, sk), expires, rq, wq, sk.uid, sk.ino);
  const skb = cb.skb;
  // inet_diag_msg_attrs_fill(): the shutdown mask always.
  skb.nlaPutU8(INET_DIAG_SHUTDOWN, sk.shutdown & 3);
  if (ext & (1 << (INET_DIAG_TOS - 1))) skb.nlaPutU8(INET_DIAG_TOS, sk.tos);
  if (ext & (1 << (INET_DIAG_MEMINFO - 1))) {
    const m = new Uint8Array(16);
    const v = new DataView(m.buffer);
    v.setUint32(0, sk.rmemAlloc >>> 0, true);
    v.setUint32(4, sk.wmemQueued >>> 0, true);
    v.setUint32(8, 0, true);
    v.setUint32(12, sk.wmemAlloc >>> 0, true);
    skb.nlaPut(INET_DIAG_MEMINFO, m);
  }
  if (ext & (1 << (INET_DIAG_SKMEMINFO - 1))) {
    // Linux: sk_get_meminfo(): rmem_alloc, rcvbuf, wmem_alloc, sndbuf, fwd_alloc, wmem_queued, optmem, backlog, drops.
    const m = new Uint8Array(36);
    const v = new DataView(m.buffer);
    [sk.rmemAlloc, sk.rcvbuf, sk.wmemAlloc, sk.sndbuf, 0, sk.wmemQueued, 0, 0, sk.drops]
      .forEach((x, j) => v.setUint32(4 * j, x >>> 0, true));
    skb.nlaPut(INET_DIAG_SKMEMINFO, m);
  }
  if (ext & (1 << (INET_DIAG_INFO - 1))) skb.nlaPut(INET_DIAG_INFO, tcpInfoEncode(tcpGetInfo(sk)));
  if (ext & (1 << (INET_DIAG_CONG - 1)) && sk.icskCaOps) skb.nlaPutString(INET_DIAG_CONG, sk.icskCaOps.name);
  skb.nlmsgEnd(nlh);
}

/** Linux: inet_twsk_diag_fill(). */
function twDiagFill(cb: NetlinkCallback, tw: TimeWaitSock, now: number): void {
  const expires = tw.timer.pending() ? deltaMs(Math.floor(tw.timer.expires / 1e6), now) : 0;
  const nlh = putDiagMsg(cb, tw.substate, 3, 0, tw.rcvSaddr, tw.num, tw.daddr, tw.dport, tw.boundDevIf,
    sockCookie(tw.net.kernel, tw), expires, 0, 0, 0, 0);
  cb.skb.nlmsgEnd(nlh);
}

/** Linux: inet_req_diag_fill(). */
function reqDiagFill(cb: NetlinkCallback, req: RequestSock, now: number): void {
  const expires = req.timer.pending() ? deltaMs(Math.floor(req.timer.expires / 1e6), now) : 0;
  const nlh = putDiagMsg(cb, TCP_SYN_RECV, 1, req.numRetrans & 0xff, req.locAddr, req.num, req.rmtAddr, req.rmtPort,
    req.iif, sockCookie(req.listener.net.kernel, req), expires, 0, 0, 0, 0);
  cb.skb.nlmsgEnd(nlh);
}

interface DiagDumpState {
  states: number;
  ext: number;
}

/** Linux: inet_diag_dump_icsk(): resumes at cb.args[0] (sockets already sent). */
function tcpDiagDump(cb: NetlinkCallback): number {
  const st = cb.data as DiagDumpState;
  const net: Net = cb.net;
  const now = tcpJiffies32(net.kernel);
  const all: EhashSock[] = [];
  tcpForEachSock(net, (o) => all.push(o));
  let i = cb.args[0]!;
  for (; i < all.length; i++) {
    const o = all[i]!;
    const state = o instanceof RequestSock ? TCP_SYN_RECV : o instanceof TimeWaitSock ? o.substate : o.state;
    if (!(st.states & (1 << state))) continue;
    const mark = cb.skb.len;
    if (o instanceof TimeWaitSock) twDiagFill(cb, o, now);
    else if (o instanceof RequestSock) reqDiagFill(cb, o, now);
    else skDiagFill(cb, o, st.ext, now);
    if (cb.skb.overLimit()) {
      cb.skb.trim(mark);
      break;
    }
  }
  cb.args[0] = i;
  return i < all.length ? cb.skb.len : 0;
}

/** Linux: sock_diag_rcv_msg() -> inet_diag_handler_cmd(). */
function sockDiagRcvMsg(nlh: NlMsg, sk: NetlinkSock): number {
  if (nlh.type !== SOCK_DIAG_BY_FAMILY) return -EINVAL;
  const p = nlh.msg;
  if (p.length < NLMSG_HDRLEN + REQ_V2_LEN) return -EINVAL;
  const family = p[NLMSG_HDRLEN]!;
  const protocol = p[NLMSG_HDRLEN + 1]!;
  if (family !== AF_INET) return -ENOENT;
  if (protocol !== IPPROTO_TCP) return -ENOENT;
  if (!(nlh.flags & NLM_F_DUMP)) return -EOPNOTSUPP;
  const v = new DataView(p.buffer, p.byteOffset, p.length);
  const data: DiagDumpState = { ext: p[NLMSG_HDRLEN + 2]!, states: v.getUint32(NLMSG_HDRLEN + 4, true) };
  return netlinkDumpStart(sk, nlh, { dump: tcpDiagDump, data });
}

function sockDiagRcv(data: Uint8Array, sk: NetlinkSock): void {
  netlinkRcvSkb(data, sk, sockDiagRcvMsg);
}

/** Linux: sock_diag_init() + inet_diag_init() + tcp_diag_init(). */
export function inetDiagInit(k: Kernel): void {
  netlinkKernelCreate(k, NETLINK_SOCK_DIAG, { groups: 0, input: sockDiagRcv });
}
