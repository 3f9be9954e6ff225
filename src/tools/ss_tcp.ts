/**
 * ss's TCP source and extras (iproute2 6.1 misc/ss.c: sockdiag_send()/inet_show_netlink(),
 * parse_diag_msg(), inet_show_sock(), tcp_timer_print(), sock_details_print(),
 * print_skmeminfo(), tcp_show_info(), tcp_stats_print(), sprint_bw()): one
 * SOCK_DIAG_BY_FAMILY dump over NETLINK_SOCK_DIAG, the socket lines built by ss.ts, and
 * the text ss appends after the Process cell for -o, -e, -m and -i.
 */
import type { ToolContext } from './tool.js';
import * as sys from '../socket/syscalls.js';
import { AF_NETLINK, SOCK_RAW, SOCK_CLOEXEC } from '../socket/socket.js';
import { NlMsgBuilder, NLM_F_REQUEST, NLMSG_HDRLEN, NETLINK_SOCK_DIAG, nlaWalk } from '../wire/netlink.js';
import { Rtnl, rtnlDump } from './lib/libnetlink.js';
import { fmtG } from './iperf3/format.js';
import type { SockStat } from './ss.js';

const SOCK_DIAG_BY_FAMILY = 20;
const INET_DIAG_MEMINFO = 1;
const INET_DIAG_INFO = 2;
const INET_DIAG_VEGASINFO = 3;
const INET_DIAG_CONG = 4;
const INET_DIAG_SKMEMINFO = 7;
const INET_DIAG_SHUTDOWN = 8;
const TCPI_OPT_TIMESTAMPS = 1;
const TCPI_OPT_SACK = 2;
const TCPI_OPT_WSCALE = 4;
const TCPI_OPT_ECN = 8;
const TCPI_OPT_ECN_SEEN = 16;
const TCPI_OPT_SYN_DATA = 32;
const SS_LISTEN = 10;

/** The diag message fields and attributes ss uses. */
export interface DiagInfo {
  timer: number;
  retrans: number;
  expires: number;
  cookie: bigint;
  shutdown: number | null;
  meminfo: Uint8Array | null;
  skmeminfo: Uint8Array | null;
  info: Uint8Array | null;
  cong: string | null;
}

/** Linux/iproute2: sockdiag_send() + the dump: null when NETLINK_SOCK_DIAG is not there (ss falls back to /proc). */
export function sockDiagDump(ctx: ToolContext, states: number, showMem: boolean, showTcpinfo: boolean): SockStat[] | null {
  const task = ctx.task;
  let fd: number;
  try {
    fd = sys.socket(task, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  } catch {
    return null;
  }
  try {
    const b = new NlMsgBuilder(128);
    const nlh = b.nlmsgPut(0, 0, SOCK_DIAG_BY_FAMILY, 56, NLM_F_REQUEST);
    const p = nlh + NLMSG_HDRLEN;
    let ext = 0;
    if (showMem) ext |= (1 << (INET_DIAG_MEMINFO - 1)) | (1 << (INET_DIAG_SKMEMINFO - 1));
    if (showTcpinfo) ext |= (1 << (INET_DIAG_INFO - 1)) | (1 << (INET_DIAG_VEGASINFO - 1)) | (1 << (INET_DIAG_CONG - 1));
    b.setU8(p, 2 /* AF_INET */);
    b.setU8(p + 1, 6 /* IPPROTO_TCP */);
    b.setU8(p + 2, ext);
    b.setU32(p + 4, states >>> 0);
    b.nlmsgEnd(nlh);
    const r = rtnlDump(new Rtnl(task, fd, 123456), b);
    if (r.error) return null;
    const out: SockStat[] = [];
    for (const m of r.msgs) {
      const d = m.msg.subarray(NLMSG_HDRLEN);
      if (d.length < 72) continue;
      const v = new DataView(d.buffer, d.byteOffset, d.length);
      const be32 = (off: number): number => v.getUint32(off) >>> 0;
      const diag: DiagInfo = {
        timer: d[2]!, retrans: d[3]!, expires: v.getUint32(52, true),
        cookie: (BigInt(v.getUint32(48, true)) << 32n) | BigInt(v.getUint32(44, true)),
        shutdown: null, meminfo: null, skmeminfo: null, info: null, cong: null,
      };
      for (const a of nlaWalk(d, 72, d.length - 72).attrs) {
        if (a.type === INET_DIAG_SHUTDOWN) diag.shutdown = a.data[0] ?? 0;
        else if (a.type === INET_DIAG_MEMINFO) diag.meminfo = a.data;
        else if (a.type === INET_DIAG_SKMEMINFO) diag.skmeminfo = a.data;
        else if (a.type === INET_DIAG_INFO) diag.info = a.data;
        else if (a.type === INET_DIAG_CONG) diag.cong = new TextDecoder().decode(a.data).replace(/\0.*$/s, '');
      }
      out.push({
        db: 0, state: d[1]!, lport: v.getUint16(4), rport: v.getUint16(6), laddr: be32(8), raddr: be32(24),
        rq: v.getUint32(56, true), wq: v.getUint32(60, true), uid: v.getUint32(64, true), ino: v.getUint32(68, true), diag,
      });
    }
    return out;
  } finally {
    sys.close(task, fd);
  }
}

/** Linux/iproute2: print_ms_timer(). */
function printMsTimer(timeout: number): string {
  let secs = Math.floor(timeout / 1000);
  const minutes = Math.floor(secs / 60);
  secs %= 60;
  let msecs = timeout % 1000;
  let buf = '';
  if (minutes) {
    msecs = 0;
    buf = `${minutes}min`;
    if (minutes > 9) secs = 0;
  }
  if (secs) {
    if (secs > 9) msecs = 0;
    buf += `${secs}${msecs ? '.' : 'sec'}`;
  }
  if (msecs) buf += `${String(msecs).padStart(3, '0')}ms`;
  return buf;
}

/** Linux/iproute2: sprint_bw(): raw with -n, else 3 significant digits and a K/M/G/T suffix. */
function sprintBw(bw: number, numeric: boolean): string {
  if (numeric) return bw.toFixed(0);
  if (bw >= 1e12) return `${fmtG(bw / 1e12, 3)}T`;
  if (bw >= 1e9) return `${fmtG(bw / 1e9, 3)}G`;
  if (bw >= 1e6) return `${fmtG(bw / 1e6, 3)}M`;
  if (bw >= 1e3) return `${fmtG(bw / 1e3, 3)}K`;
  return fmtG(bw, 6);
}

export interface ExtFlags {
  showOptions: boolean;
  showDetails: boolean;
  showMem: boolean;
  showTcpinfo: boolean;
  oneline: boolean;
  numeric: boolean;
}

/** What inet_show_sock() appends after the Process cell for one TCP socket. */
export function inetShowSockExt(s: SockStat, d: DiagInfo, f: ExtFlags): string {
  let out = '';
  if (f.showOptions && d.timer) {
    const names = ['off', 'on', 'keepalive', 'timewait', 'persist', 'unknown'];
    out += ` timer:(${names[Math.min(d.timer, 5)]},${printMsTimer(d.expires)},${d.retrans})`;
  }
  if (f.showDetails) {
    if (s.uid) out += ` uid:${s.uid}`;
    out += ` ino:${s.ino} sk:${d.cookie.toString(16)}`;
    if (d.shutdown !== null) out += ` ${d.shutdown & 1 ? '-' : '<'}-${d.shutdown & 2 ? '-' : '>'}`;
  }
  if (f.showMem || f.showTcpinfo) {
    if (!f.oneline) out += '\n\t';
    out += tcpShowInfo(s, d, f);
  }
  return out;
}

/** Linux/iproute2: tcp_show_info(): skmem, then the TCP_INFO figures (tcp_stats_print()). */
function tcpShowInfo(s: SockStat, d: DiagInfo, f: ExtFlags): string {
  let out = '';
  if (d.skmeminfo) {
    const m = d.skmeminfo;
    const v = new DataView(m.buffer, m.byteOffset, m.length);
    const g = (i: number): number => (m.length >= 4 * (i + 1) ? v.getUint32(4 * i, true) : 0);
    out += ` skmem:(r${g(0)},rb${g(1)},t${g(2)},tb${g(3)},f${g(4)},w${g(5)},o${g(6)}`;
    if (m.length >= 32) out += `,bl${g(7)}`;
    if (m.length >= 36) out += `,d${g(8)}`;
    out += ')';
  } else if (d.meminfo) {
    const v = new DataView(d.meminfo.buffer, d.meminfo.byteOffset, d.meminfo.length);
    out += ` mem:(r${v.getUint32(0, true)},w${v.getUint32(4, true)},f${v.getUint32(8, true)},t${v.getUint32(12, true)})`;
  }
  if (!d.info) return out;
  // Short (older kernel) structs read as zeros past their end, as ss does.
  const raw = new Uint8Array(Math.max(248, d.info.length));
  raw.set(d.info);
  const v = new DataView(raw.buffer);
  const u32 = (off: number): number => v.getUint32(off, true);
  const u64 = (off: number): number => v.getUint32(off, true) + v.getUint32(off + 4, true) * 2 ** 32;
  const u64IsMax = (off: number): boolean => v.getUint32(off, true) === 0xffffffff && v.getUint32(off + 4, true) === 0xffffffff;
  const opts = raw[5]!;
  // iproute2 fills the option flags only with -o (or -e, which implies it).
  if (f.showOptions) {
    if (opts & TCPI_OPT_TIMESTAMPS) out += ' ts';
    if (opts & TCPI_OPT_SACK) out += ' sack';
    if (opts & TCPI_OPT_ECN) out += ' ecn';
    if (opts & TCPI_OPT_ECN_SEEN) out += ' ecnseen';
    if (opts & TCPI_OPT_SYN_DATA) out += ' fastopen';
  }
  if (d.cong) out += ` ${d.cong}`;
  if (opts & TCPI_OPT_WSCALE) out += ` wscale:${raw[6]! & 0xf},${raw[6]! >> 4}`;
  const rto = u32(8);
  if (rto && rto !== 3000000) out += ` rto:${fmtG(rto / 1000, 6)}`;
  if (raw[4]) out += ` backoff:${raw[4]}`;
  const rtt = u32(68);
  if (rtt) out += ` rtt:${fmtG(rtt / 1000, 6)}/${fmtG(u32(72) / 1000, 6)}`;
  if (u32(12)) out += ` ato:${fmtG(u32(12) / 1000, 6)}`;
  const mss = u32(16);
  if (mss) out += ` mss:${mss}`;
  if (u32(60)) out += ` pmtu:${u32(60)}`;
  if (u32(20)) out += ` rcvmss:${u32(20)}`;
  if (u32(84)) out += ` advmss:${u32(84)}`;
  const cwnd = u32(80);
  if (cwnd) out += ` cwnd:${cwnd}`;
  if (u32(76) < 0xffff && u32(76)) out += ` ssthresh:${u32(76)}`;
  if (u64(200)) out += ` bytes_sent:${u64(200)}`;
  if (u64(208)) out += ` bytes_retrans:${u64(208)}`;
  if (u64(120)) out += ` bytes_acked:${u64(120)}`;
  if (u64(128)) out += ` bytes_received:${u64(128)}`;
  if (u32(136)) out += ` segs_out:${u32(136)}`;
  if (u32(140)) out += ` segs_in:${u32(140)}`;
  if (u32(156)) out += ` data_segs_out:${u32(156)}`;
  if (u32(152)) out += ` data_segs_in:${u32(152)}`;
  if (rtt > 0 && mss && cwnd) out += ` send ${sprintBw((cwnd * mss * 8000000) / rtt, f.numeric)}bps`;
  if (u32(44)) out += ` lastsnd:${u32(44)}`;
  if (u32(52)) out += ` lastrcv:${u32(52)}`;
  if (u32(56)) out += ` lastack:${u32(56)}`;
  if (u64(104) && !u64IsMax(104)) {
    out += ` pacing_rate ${sprintBw(u64(104) * 8, f.numeric)}bps`;
    if (u64(112) && !u64IsMax(112)) out += `/${sprintBw(u64(112) * 8, f.numeric)}bps`;
  }
  if (u64(160)) out += ` delivery_rate ${sprintBw(u64(160) * 8, f.numeric)}bps`;
  if (u32(192)) out += ` delivered:${u32(192)}`;
  if (u32(196)) out += ` delivered_ce:${u32(196)}`;
  if (raw[7]! & 1) out += ' app_limited';
  const busy = u64(168);
  if (busy) {
    out += ` busy:${Math.floor(busy / 1000)}ms`;
    const rwnd = u64(176);
    const sndbuf = u64(184);
    if (rwnd) out += ` rwnd_limited:${Math.floor(rwnd / 1000)}ms(${((100 * rwnd) / busy).toFixed(1)}%)`;
    if (sndbuf) out += ` sndbuf_limited:${Math.floor(sndbuf / 1000)}ms(${((100 * sndbuf) / busy).toFixed(1)}%)`;
  }
  if (u32(24)) out += ` unacked:${u32(24)}`;
  if (u32(36) || u32(100)) out += ` retrans:${u32(36)}/${u32(100)}`;
  if (u32(32)) out += ` lost:${u32(32)}`;
  if (u32(28) && s.state !== SS_LISTEN) out += ` sacked:${u32(28)}`;
  if (u32(216)) out += ` dsack_dups:${u32(216)}`;
  if (u32(40)) out += ` fackets:${u32(40)}`;
  if (u32(88) !== 3) out += ` reordering:${u32(88)}`;
  if (u32(220)) out += ` reord_seen:${u32(220)}`;
  if (u32(92)) out += ` rcv_rtt:${fmtG(u32(92) / 1000, 6)}`;
  if (u32(96)) out += ` rcv_space:${u32(96)}`;
  if (u32(64)) out += ` rcv_ssthresh:${u32(64)}`;
  if (u32(144)) out += ` notsent:${u32(144)}`;
  const minRtt = u32(148);
  if (minRtt && minRtt !== 0xffffffff) out += ` minrtt:${fmtG(minRtt / 1000, 6)}`;
  if (u32(224)) out += ` rcv_ooopack:${u32(224)}`;
  if (u32(228)) out += ` snd_wnd:${u32(228)}`;
  return out;
}
