/**
 * The protocol-independent half of iputils ping (ping_common.c of iputils 20221126):
 * the program state (struct ping_rts), the -p pattern, socket buffers and timeouts
 * (setup), the send scheduler pinger() with its token bucket, the main loop that
 * waits for replies and errors, the per-reply line and the statistics of finish().
 * The IPv4 half (ping.ts) gives it the send/parse/error functions (ping_func_set_st).
 *
 * Signals are modelled on virtual time: the -w deadline and the wait after the last
 * probe are alarms (`alarmAt`) that end a blocking receive as SIGALRM would (EINTR,
 * then `exiting`). No module state: everything lives on the PingRts of one run.
 */
import type { ToolContext } from './tool.js';
import * as sys from '../socket/syscalls.js';
import { SystemError, strerror, EAGAIN, EINTR, ENOBUFS, ENOMEM, EINVAL } from '../socket/errno.js';
import {
  SOL_SOCKET, SO_RCVBUF, SO_SNDBUF, SO_TIMESTAMP, SO_RCVTIMEO, SO_SNDTIMEO, SO_DEBUG, SO_DONTROUTE, SO_MARK,
  MSG_DONTWAIT, POLLIN, POLLERR, SOCK_RAW, SOCK_DGRAM, type RecvResult, type Cmsg,
} from '../socket/socket.js';

/** Linux: ping_func_set_st: what the protocol half provides. */
export interface PingFuncSet {
  /** Send probe number ntransmitted + 1: 0, or -errno. */
  sendProbe(ctx: ToolContext, rts: PingRts): number;
  /** Read the error queue: net errors (> 0) or minus the local ones; sets rts.errno. */
  receiveErrorMsg(ctx: ToolContext, rts: PingRts, out: (t: string) => void, savedErrno: number): number;
  /** 0 for one of ours, 1 otherwise. */
  parseReply(ctx: ToolContext, rts: PingRts, res: RecvResult, out: (t: string) => void): number;
}

export const DEFDATALEN = 56;
export const MAXIPLEN = 60;
export const MAXICMPLEN = 76;
export const MAXWAIT = 10;
export const MININTERVAL = 10;
export const MINUSERINTERVAL = 200;
export const MAX_DUP_CHK = 0x10000;
export const IDENTIFIER_MAX = 0xffff;
/** sysconf(_SC_CLK_TCK). */
export const HZ = 100;
export const INT_MAX = 2147483647;
/** sizeof(struct timeval) on a 64-bit host. */
export const TIMEVAL_LEN = 16;
export const NS_PER_US = 1000;
/** MAXPACKET - 20 - 8 (max IPv4 payload of an echo). */
export const ICMP_MAX_DATALEN = 65535 - 20 - 8;

/** exit() from deep inside, as iputils' error(status, ...). */
export class Exit {
  constructor(readonly status: number) {}
}

/** Linux: struct ping_rts, the program state. */
export class PingRts {
  interval = 1000;
  preload = 1;
  lingertime = MAXWAIT * 1000;
  npackets = 0;
  deadline = 0;
  datalen = DEFDATALEN;
  ident = -1;
  ttl = 0;
  settos = 0;
  pmtudisc = -1;
  mark = 0;
  sndbuf = 0;
  uid = 0;
  device: string | null = null;
  hostname = '';
  source = 0;
  whereto = 0;
  broadcastPings = false;
  multicast = false;
  optAdaptive = false;
  optAudible = false;
  optFlood = false;
  optFloodPoll = false;
  optInterval = false;
  optLatency = false;
  optMark = false;
  optNoloop = false;
  optNumeric = false;
  optOutstanding = false;
  optPingfilled = false;
  optPtimeofday = false;
  optQuiet = false;
  optSoDebug = false;
  optSoDontroute = false;
  optStrictsource = false;
  optTtl = false;
  optVerbose = false;
  optConnectSk = false;
  timing = false;
  outpack = new Uint8Array(0x10000);
  ntransmitted = 0;
  nreceived = 0;
  nrepeats = 0;
  nchecksum = 0;
  nerrors = 0;
  acked = 0;
  pipesize = -1;
  tmin = Number.MAX_SAFE_INTEGER;
  tmax = 0;
  tsum = 0;
  tsum2 = 0;
  rtt = 0;
  rttAddend = 0;
  confirmFlag = 0;
  rcvdTbl = new Uint8Array(MAX_DUP_CHK / 8);
  /** CLOCK_MONOTONIC ns of the last pinger() step and of setup(). */
  curTime = 0;
  curTimeSet = false;
  startTime = 0;
  tokens = 0;
  oomCount = 0;
  exiting = false;
  /** When the SIGALRM of -w or of the exit wait fires (ns), Infinity: none. */
  alarmAt = Infinity;
  waittime = 0;
  fd = -1;
  socktype = 0;
  /** What errno is after receive_error_msg() (0: "not our error, clear"). */
  errno = 0;
}

/** glibc %g with C's default precision (6). */
export function fmtG(v: number): string {
  if (v === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(v)));
  let s: string;
  if (exp < -4 || exp >= 6) {
    s = v.toExponential(5);
    const parts = s.split('e') as [string, string];
    let m = parts[0];
    const e = parts[1];
    if (m.includes('.')) m = m.replace(/0+$/, '').replace(/\.$/, '');
    const en = Number(e);
    s = `${m}e${en < 0 ? '-' : '+'}${String(Math.abs(en)).padStart(2, '0')}`;
  } else {
    s = v.toPrecision(6);
    if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  }
  return s;
}

export function errnoOf(e: unknown): number {
  return e instanceof SystemError ? Math.abs(e.errno) : EINVAL;
}

/** iputils fill(): the -p pattern over the data, printed unless quiet. */
export function fill(rts: PingRts, patp: string, out: (t: string) => void, error: (s: number, e: number, m: string) => void): void {
  for (let i = 0; i < patp.length; i++) {
    if (!/[0-9a-fA-F]/.test(patp[i]!)) error(2, 0, `patterns must be specified as hex digits: ${patp.slice(i)}`);
  }
  // sscanf("%2x" x16): up to 16 bytes, two hex digits each.
  const pat: number[] = [];
  for (let i = 0; i < patp.length && pat.length < 16; i += 2) pat.push(parseInt(patp.slice(i, i + 2), 16));
  const ii = pat.length;
  const bp = 8;
  const size = rts.outpack.length;
  if (ii > 0) {
    const max = size < ii + 8 ? 0 : size - ii + 8;
    for (let kk = 0; kk <= max; kk += ii) {
      for (let jj = 0; jj < ii; jj++) if (bp + jj + kk < size) rts.outpack[bp + jj + kk] = pat[jj]!;
    }
  }
  if (!rts.optQuiet) {
    let s = 'PATTERN: 0x';
    for (let jj = 0; jj < ii; jj++) s += rts.outpack[bp + jj]!.toString(16).padStart(2, '0');
    out(s + '\n');
  }
}

/** iputils sock_setbufs(). */
export function sockSetbufs(task: ToolContext['task'], rts: PingRts, alloc: number, error: (s: number, e: number, m: string) => void): void {
  if (!rts.sndbuf) rts.sndbuf = alloc;
  try {
    sys.setsockopt(task, rts.fd, SOL_SOCKET, SO_SNDBUF, rts.sndbuf);
  } catch {
    // ignored, as iputils does
  }
  const rcvbuf = alloc * rts.preload;
  let hold = rcvbuf < 65536 ? 65536 : rcvbuf;
  try {
    sys.setsockopt(task, rts.fd, SOL_SOCKET, SO_RCVBUF, hold);
    hold = Number(sys.getsockopt(task, rts.fd, SOL_SOCKET, SO_RCVBUF));
    if (hold < rcvbuf) error(0, 0, 'WARNING: probably, rcvbuf is not enough to hold preload');
  } catch {
    // ignored
  }
}

/** inet_ntoa() of a host-order address. */
export function ntoa(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

export const SCHINT = (a: number): number => (a <= MININTERVAL ? MININTERVAL : a);

/** iputils setup(): socket timeouts, the data pattern, the identifier, the deadline alarm. */
export function setup(ctx: ToolContext, rts: PingRts): void {
  const task = ctx.task;
  const fd = rts.fd;
  if (rts.optFlood && !rts.optInterval) rts.interval = 0;
  if (rts.uid && rts.interval < MINUSERINTERVAL) {
    ctx.stderr.write(`ping: cannot flood; minimal interval allowed for user is ${MINUSERINTERVAL}ms\n`);
    throw new Exit(2);
  }
  if (rts.interval >= INT_MAX / rts.preload) {
    ctx.stderr.write(`ping: illegal preload and/or interval: ${rts.interval}\n`);
    throw new Exit(2);
  }
  const set = (level: number, opt: number, v: unknown): void => {
    try {
      sys.setsockopt(task, fd, level, opt, v);
    } catch {
      // as iputils: not fatal
    }
  };
  if (rts.optSoDebug) set(SOL_SOCKET, SO_DEBUG, 1);
  if (rts.optSoDontroute) set(SOL_SOCKET, SO_DONTROUTE, 1);
  if (!rts.optLatency) {
    try {
      sys.setsockopt(task, fd, SOL_SOCKET, SO_TIMESTAMP, 1);
    } catch {
      ctx.stderr.write('ping: Warning: no SO_TIMESTAMP support, falling back to SIOCGSTAMP\n');
    }
  }
  if (rts.optMark) {
    try {
      sys.setsockopt(task, fd, SOL_SOCKET, SO_MARK, rts.mark);
    } catch (e) {
      ctx.stderr.write(`ping: WARNING: failed to set mark: ${rts.mark}: ${strerror(errnoOf(e))}\n`);
    }
  }
  // SO_SNDTIMEO: one second, or the interval when shorter; SO_RCVTIMEO: the interval.
  set(SOL_SOCKET, SO_SNDTIMEO, (rts.interval < 1000 ? SCHINT(rts.interval) : 1000) * 1e6);
  set(SOL_SOCKET, SO_RCVTIMEO, SCHINT(rts.interval) * 1e6);
  if (!rts.optPingfilled) {
    for (let i = 0; i < rts.datalen && 8 + i < rts.outpack.length; i++) rts.outpack[8 + i] = i & 0xff;
  }
  // glibc rand() never seeded: its first value, 1804289383, masked.
  if (rts.socktype === SOCK_RAW && rts.ident === -1) rts.ident = 1804289383 & IDENTIFIER_MAX;
  rts.startTime = sys.clockGettime(task, sys.CLOCK_MONOTONIC);
  if (rts.deadline) rts.alarmAt = rts.startTime + rts.deadline * 1e9;
}

/* The received-sequence bitmap (rcvd_tbl). */
export function rcvdTest(rts: PingRts, seq: number): boolean {
  const bit = (seq % MAX_DUP_CHK);
  return (rts.rcvdTbl[bit >> 3]! & (1 << (bit & 7))) !== 0;
}
export function rcvdSet(rts: PingRts, seq: number): void {
  const bit = (seq % MAX_DUP_CHK);
  rts.rcvdTbl[bit >> 3]! |= 1 << (bit & 7);
}
export function rcvdClear(rts: PingRts, seq: number): void {
  const bit = (seq % MAX_DUP_CHK);
  rts.rcvdTbl[bit >> 3]! &= ~(1 << (bit & 7));
}

export function u16(v: number): number {
  return v & 0xffff;
}

/** iputils in_flight(). */
export function inFlight(rts: PingRts): number {
  const diff = u16(u16(rts.ntransmitted) - rts.acked);
  return diff <= 0x7fff ? diff : rts.ntransmitted - rts.nreceived - rts.nerrors;
}

/** iputils acknowledge(). */
export function acknowledge(rts: PingRts, seq: number): void {
  const diff = u16(u16(rts.ntransmitted) - seq);
  if (diff <= 0x7fff) {
    if (diff + 1 > rts.pipesize) rts.pipesize = diff + 1;
    const d = u16(seq - rts.acked);
    if ((d > 0 && d < 0x8000) || u16(u16(rts.ntransmitted) - rts.acked) > 0x7fff) rts.acked = seq;
  }
}

/** iputils advance_ntransmitted(). */
export function advanceNtransmitted(rts: PingRts): void {
  rts.ntransmitted++;
  // Invalidate acked, if 16 bit seq overflows.
  if (u16(u16(rts.ntransmitted) - rts.acked) > 0x7fff) rts.acked = u16(u16(rts.ntransmitted) + 1);
}

/** The REALTIME clock as iputils' struct timeval (gettimeofday). */
export function gettimeofday(ctx: ToolContext): [number, number] {
  const ns = sys.clockGettime(ctx.task, sys.CLOCK_REALTIME);
  const sec = Math.floor(ns / 1e9);
  return [sec, Math.floor((ns - sec * 1e9) / NS_PER_US)];
}

/** iputils print_timestamp() (-D). */
export function printTimestamp(ctx: ToolContext, rts: PingRts, out: (t: string) => void): void {
  if (rts.optPtimeofday) {
    const [s, us] = gettimeofday(ctx);
    out(`[${s}.${String(us).padStart(6, '0')}] `);
  }
}

export function writeTimeval(b: Uint8Array, off: number, sec: number, usec: number): void {
  const dv = new DataView(b.buffer, b.byteOffset + off, TIMEVAL_LEN);
  dv.setBigInt64(0, BigInt(sec), true);
  dv.setBigInt64(8, BigInt(usec), true);
}

export function readTimeval(b: Uint8Array, off: number): [number, number] {
  const dv = new DataView(b.buffer, b.byteOffset + off, TIMEVAL_LEN);
  return [Number(dv.getBigInt64(0, true)), Number(dv.getBigInt64(8, true))];
}

/**
 * iputils pinger(): send one probe when it is due; returns the ms until the next one.
 * Local errors are handled as iputils does (error queue first, then "sendmsg: ...").
 */
export function pinger(ctx: ToolContext, rts: PingRts, fset: PingFuncSet, out: (t: string) => void): number {
  // Have we already sent enough? If we have, return an arbitrary positive value.
  if (rts.exiting || (rts.npackets && rts.ntransmitted >= rts.npackets && !rts.deadline)) return 1000;
  // Check that packets < rate*time + preload.
  if (!rts.curTimeSet) {
    rts.curTime = sys.clockGettime(ctx.task, sys.CLOCK_MONOTONIC);
    rts.curTimeSet = true;
    rts.tokens = rts.interval * (rts.preload - 1);
  } else {
    const now = sys.clockGettime(ctx.task, sys.CLOCK_MONOTONIC);
    let ntokens = Math.trunc((now - rts.curTime) / 1e6);
    if (!rts.interval) {
      // Case of unlimited flood is special; if we see no reply, they are limited to 100pps.
      if (ntokens < MININTERVAL && inFlight(rts) >= rts.preload) return MININTERVAL - ntokens;
    }
    ntokens += rts.tokens;
    const tmp = rts.interval * rts.preload;
    if (tmp < ntokens) ntokens = tmp;
    if (ntokens < rts.interval) return rts.interval - ntokens;
    rts.curTime = now;
    rts.tokens = ntokens - rts.interval;
  }
  if (rts.optOutstanding && rts.ntransmitted > 0 && !rcvdTest(rts, rts.ntransmitted)) {
    printTimestamp(ctx, rts, out);
    out(`no answer yet for icmp_seq=${rts.ntransmitted % MAX_DUP_CHK}\n`);
  }
  for (;;) {
    const r = fset.sendProbe(ctx, rts);
    if (r === 0) {
      rts.oomCount = 0;
      advanceNtransmitted(rts);
      if (!rts.optQuiet && rts.optFlood) out('.');
      return rts.interval - rts.tokens;
    }
    let i = 0;
    const errno = -r;
    if (errno === ENOBUFS || errno === ENOMEM) {
      // Device queue overflow or OOM. Packet is not sent.
      rts.tokens = 0;
      rts.rttAddend += rts.rtt < 8 * 50000 ? Math.trunc(rts.rtt / 8) : 50000;
      let noresInterval = Math.trunc(SCHINT(rts.interval) / 2);
      if (noresInterval > 500) noresInterval = 500;
      rts.oomCount++;
      if (rts.oomCount * noresInterval < rts.lingertime) return noresInterval;
      i = 0;
    } else if (errno === EAGAIN) {
      // Socket buffer is full.
      rts.tokens += rts.interval;
      return MININTERVAL;
    } else {
      i = fset.receiveErrorMsg(ctx, rts, out, errno);
      if (i > 0) {
        // An ICMP error arrived as well: report the errno of the send, a hard local error.
        i = 0;
      } else if (rts.errno === 0) {
        continue; // resend
      }
    }
    // Hard local error. Pretend we sent packet.
    advanceNtransmitted(rts);
    if (i === 0 && !rts.optQuiet) {
      if (rts.optFlood) out('E');
      else ctx.stderr.write(`ping: sendmsg: ${strerror(errno)}\n`);
    }
    rts.tokens = 0;
    return SCHINT(rts.interval);
  }
}

/** iputils is_ours(). */
export function isOurs(rts: PingRts, id: number): boolean {
  return rts.socktype === SOCK_DGRAM || id === rts.ident;
}

/** iputils __schedule_exit(): once everything was sent, wait for the last replies. */
export function scheduleExit(ctx: ToolContext, rts: PingRts, next: number): number {
  if (!(rts.npackets && rts.ntransmitted >= rts.npackets && !rts.deadline)) return next;
  if (rts.waittime) return next;
  if (rts.nreceived) {
    rts.waittime = 2 * rts.tmax;
    if (rts.waittime < 1000 * rts.interval) rts.waittime = 1000 * rts.interval;
  } else {
    rts.waittime = rts.lingertime * 1000;
  }
  if (next < 0 || next < rts.waittime / 1000) next = Math.trunc(rts.waittime / 1000);
  // setitimer(ITIMER_REAL, waittime us) replaces any earlier alarm.
  rts.alarmAt = sys.clockGettime(ctx.task, sys.CLOCK_MONOTONIC) + rts.waittime * 1000;
  return next;
}

/**
 * A wait of up to `ms` for the socket (POLLIN or POLLERR), cut short by the alarm:
 * returns the poll revents, 0 on timeout, or -1 when the alarm fired (SIGALRM:
 * exiting is set, as sigexit() does).
 */
export async function waitSocket(ctx: ToolContext, rts: PingRts, ms: number): Promise<number> {
  const now = sys.clockGettime(ctx.task, sys.CLOCK_MONOTONIC);
  if (now >= rts.alarmAt) {
    rts.exiting = true;
    return -1;
  }
  const timeout = Math.min(ms * 1e6, rts.alarmAt - now);
  const fds: sys.PollFd[] = [{ fd: rts.fd, events: POLLIN }];
  const n = await sys.poll(ctx.task, fds, timeout);
  if (n > 0) return fds[0]!.revents ?? 0;
  if (sys.clockGettime(ctx.task, sys.CLOCK_MONOTONIC) >= rts.alarmAt) {
    rts.exiting = true;
    return -1;
  }
  return 0;
}

/** iputils main_loop(). */
export async function mainLoop(ctx: ToolContext, rts: PingRts, fset: PingFuncSet, packlen: number, out: (t: string) => void,
  error: (s: number, e: number, m: string) => void): Promise<number> {
  for (;;) {
    // Check exit conditions.
    if (rts.exiting) break;
    if (rts.npackets && rts.nreceived + rts.nerrors >= rts.npackets) break;
    if (rts.deadline && rts.nerrors) break;
    if (sys.clockGettime(ctx.task, sys.CLOCK_MONOTONIC) >= rts.alarmAt) {
      rts.exiting = true;
      break;
    }
    // Send probes scheduled to this time.
    let next: number;
    do {
      next = pinger(ctx, rts, fset, out);
      next = scheduleExit(ctx, rts, next);
    } while (next <= 0);
    // "next" is time to send next probe, if positive.
    let polling = 0;
    let recvError = 0;
    if (rts.optAdaptive || rts.optFloodPoll || next < SCHINT(rts.interval)) {
      const recvExpected = inFlight(rts);
      if (next <= 1000 / HZ) {
        // Very short timeout... So, if we wait for something, we sleep for
        // MININTERVAL. Otherwise, spin!
        if (recvExpected) {
          next = MININTERVAL;
        } else {
          next = 0;
          polling = MSG_DONTWAIT;
        }
      }
      if (!polling && (rts.optAdaptive || rts.optFloodPoll || rts.interval)) {
        const rev = await waitSocket(ctx, rts, next);
        if (rev < 0) continue;
        if (!(rev & (POLLIN | POLLERR))) continue;
        polling = MSG_DONTWAIT;
        recvError = rev & POLLERR;
      }
    }
    for (;;) {
      let notOurs = false;
      let res: RecvResult | null = null;
      let errno = 0;
      if (!polling) {
        // A blocking recvmsg() with SO_RCVTIMEO = the interval; SIGALRM interrupts it.
        const rev = await waitSocket(ctx, rts, SCHINT(rts.interval));
        if (rev < 0) errno = EINTR;
        else if (rev === 0) errno = EAGAIN;
      }
      polling = MSG_DONTWAIT;
      if (!errno) {
        try {
          res = sys.recvmsgNow(ctx.task, rts.fd, packlen, MSG_DONTWAIT);
          if (res === null) errno = EAGAIN;
        } catch (e) {
          errno = errnoOf(e);
        }
      }
      if (res === null) {
        // If there was a POLLERR and there is no packet on the socket, try to read
        // the error queue. Otherwise, give up.
        if ((errno === EAGAIN && !recvError) || errno === EINTR) break;
        recvError = 0;
        if (!fset.receiveErrorMsg(ctx, rts, out, errno)) {
          if (rts.errno) {
            error(0, rts.errno, 'recvmsg');
            break;
          }
          notOurs = true;
        }
      } else {
        notOurs = fset.parseReply(ctx, rts, res, out) !== 0;
      }
      void notOurs; // the BPF filter of other pings: raw sockets here see only their own traffic
      // If nothing is in flight, "break" returns us to pinger.
      if (inFlight(rts) === 0) break;
    }
  }
  return finish(ctx, rts, out);
}

/** The receive time: SO_TIMESTAMP when it came, else gettimeofday. */
export function recvTime(ctx: ToolContext, cmsgs: Cmsg[]): [number, number] {
  for (const c of cmsgs) {
    if (c.level === SOL_SOCKET && c.type === SO_TIMESTAMP) {
      const tv = c.data as { tvSec: number; tvUsec: number };
      return [tv.tvSec, tv.tvUsec];
    }
  }
  return gettimeofday(ctx);
}

/** iputils gather_statistics(): count a reply and print its line; 1 when the line is complete. */
export function gatherStatistics(ctx: ToolContext, rts: PingRts, buf: Uint8Array, icp: number, cc: number, seq: number,
  hops: number, csfailed: boolean, tv: [number, number], from: string, multicast: boolean, wrongSource: boolean,
  out: (t: string) => void): boolean {
  let dupflag = false;
  let triptime = 0;
  const ptr = icp + 8;
  ++rts.nreceived;
  if (!csfailed) acknowledge(rts, seq);
  if (rts.timing && cc >= 8 + TIMEVAL_LEN) {
    const [ss, su] = readTimeval(buf, ptr);
    triptime = (tv[0] - ss) * 1000000 + (tv[1] - su);
    if (triptime < 0) {
      ctx.stderr.write(`ping: Warning: time of day goes back (${triptime}us), taking countermeasures\n`);
      triptime = 0;
      if (!rts.optLatency) rts.optLatency = true;
    }
    if (!csfailed) {
      rts.tsum += triptime;
      rts.tsum2 += triptime * triptime;
      if (triptime < rts.tmin) rts.tmin = triptime;
      if (triptime > rts.tmax) rts.tmax = triptime;
      if (!rts.rtt) rts.rtt = triptime * 8;
      else rts.rtt += triptime - Math.trunc(rts.rtt / 8);
    }
  }
  if (csfailed) {
    ++rts.nchecksum;
    --rts.nreceived;
  } else if (rcvdTest(rts, seq)) {
    ++rts.nrepeats;
    --rts.nreceived;
    dupflag = true;
  } else {
    rcvdSet(rts, seq);
  }
  rts.confirmFlag = 0;
  if (rts.optQuiet) return true;
  if (rts.optFlood) {
    out(csfailed ? '\bC' : '\b \b');
    return false;
  }
  printTimestamp(ctx, rts, out);
  let line = `${cc} bytes from ${from}: icmp_seq=${seq}`;
  if (hops >= 0) line += ` ttl=${hops}`;
  if (cc < rts.datalen + 8) {
    out(line + ' (truncated)\n');
    return true;
  }
  if (rts.timing) {
    if (triptime >= 100000 - 50) line += ` time=${Math.trunc((triptime + 500) / 1000)} ms`;
    else if (triptime >= 10000 - 5) {
      line += ` time=${Math.trunc((triptime + 50) / 1000)}.${Math.trunc(((triptime + 50) % 1000) / 100)} ms`;
    } else if (triptime >= 1000) {
      line += ` time=${Math.trunc((triptime + 5) / 1000)}.${String(Math.trunc(((triptime + 5) % 1000) / 10)).padStart(2, '0')} ms`;
    } else {
      line += ` time=${Math.trunc(triptime / 1000)}.${String(triptime % 1000).padStart(3, '0')} ms`;
    }
  }
  if (dupflag && (!multicast || rts.optVerbose)) line += ' (DUP!)';
  if (csfailed) line += ' (BAD CHECKSUM!)';
  if (wrongSource) line += ' (DIFFERENT ADDRESS!)';
  // Check the data.
  const cp0 = ptr + TIMEVAL_LEN;
  for (let i = TIMEVAL_LEN; i < rts.datalen; i++) {
    const cpv = buf[cp0 + i - TIMEVAL_LEN]!;
    const dpv = rts.outpack[8 + i]!;
    if (cpv !== dpv) {
      line += `\nwrong data byte #${i} should be 0x${dpv.toString(16)} but was 0x${cpv.toString(16)}`;
      for (let k = TIMEVAL_LEN; k < rts.datalen; k++) {
        if ((k % 32) === TIMEVAL_LEN) line += `\n#${k}\t`;
        line += `${buf[cp0 + k - TIMEVAL_LEN]!.toString(16)} `;
      }
      break;
    }
  }
  out(line);
  return false;
}

/** iputils llsqrt(). */
export function llsqrt(a: number): number {
  let prev = Number.MAX_SAFE_INTEGER;
  let x = a;
  if (x > 0) {
    while (x < prev) {
      prev = x;
      x = Math.trunc((x + Math.trunc(a / x)) / 2);
    }
  }
  return x;
}

/** iputils finish(): the statistics; the exit status. */
export function finish(ctx: ToolContext, rts: PingRts, out: (t: string) => void): number {
  const tv = (rts.curTimeSet ? rts.curTime : rts.startTime) - rts.startTime;
  const tvSec = Math.floor(tv / 1e9);
  const tvNsec = tv - tvSec * 1e9;
  out('\n');
  let s = `--- ${rts.hostname} ping statistics ---\n`;
  s += `${rts.ntransmitted} packets transmitted, ${rts.nreceived} received`;
  if (rts.nrepeats) s += `, +${rts.nrepeats} duplicates`;
  if (rts.nchecksum) s += `, +${rts.nchecksum} corrupted`;
  if (rts.nerrors) s += `, +${rts.nerrors} errors`;
  if (rts.ntransmitted) {
    const loss = Math.fround(((rts.ntransmitted - rts.nreceived) * 100.0) / rts.ntransmitted);
    s += `, ${fmtG(loss)}% packet loss`;
    s += `, time ${1000 * tvSec + Math.trunc((tvNsec + 500000) / 1000000)}ms`;
  }
  s += '\n';
  let comma = '';
  if (rts.nreceived && rts.timing) {
    const total = rts.nreceived + rts.nrepeats;
    const tmavg = Math.trunc(rts.tsum / total);
    let tmvar: number;
    if (rts.tsum < INT_MAX) tmvar = Math.trunc((rts.tsum2 - Math.trunc((rts.tsum * rts.tsum) / total)) / total);
    else tmvar = Math.trunc(rts.tsum2 / total) - tmavg * tmavg;
    const tmdev = llsqrt(tmvar);
    const ms = (v: number): string => `${Math.trunc(v / 1000)}.${String(v % 1000).padStart(3, '0')}`;
    s += `rtt min/avg/max/mdev = ${ms(rts.tmin)}/${ms(tmavg)}/${ms(rts.tmax)}/${ms(tmdev)} ms`;
    comma = ', ';
  }
  if (rts.pipesize > 1) {
    s += `${comma}pipe ${rts.pipesize}`;
    comma = ', ';
  }
  if (rts.nreceived && (!rts.interval || rts.optFlood || rts.optAdaptive) && rts.ntransmitted > 1) {
    const ipg = Math.trunc((1000000 * tvSec + Math.trunc(tvNsec / 1000)) / (rts.ntransmitted - 1));
    s += `${comma}ipg/ewma ${Math.trunc(ipg / 1000)}.${String(ipg % 1000).padStart(3, '0')}/` +
      `${Math.trunc(rts.rtt / 8000)}.${String(Math.trunc(rts.rtt / 8) % 1000).padStart(3, '0')} ms`;
  }
  s += '\n';
  out(s);
  void ctx;
  return (!rts.nreceived || (rts.deadline && rts.nreceived < rts.npackets)) ? 1 : 0;
}

