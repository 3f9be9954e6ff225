/**
 * The probing half of traceroute 2.1.2 (mod-udp.c, mod-icmp.c, poll.c and the socket
 * and receive helpers of traceroute.c): the program state, the "default" (UDP to
 * ports 33434 and up), "udp" (-U) and "icmp" (-I) methods, the poll set, and
 * recv_reply() turning a datagram or an IP_RECVERR error-queue entry into a done
 * probe with its annotation. traceroute.ts drives them (do_it) and prints.
 */
import type { ToolContext } from './tool.js';
import * as sys from '../socket/syscalls.js';
import { SystemError, strerror, EINVAL, ENOBUFS, EAGAIN, EMSGSIZE, EHOSTUNREACH } from '../socket/errno.js';
import {
  AF_INET, SOCK_DGRAM, SOCK_RAW, SOL_SOCKET, SO_TIMESTAMP, SO_MARK, SO_DEBUG, SO_DONTROUTE, SO_BINDTODEVICE,
  MSG_ERRQUEUE, MSG_DONTWAIT, POLLIN, POLLERR, type SockaddrIn, type RecvResult,
} from '../socket/socket.js';
import { IPPROTO_ICMP, IPPROTO_UDP } from '../wire/iphdr.js';
import {
  ICMP_ECHO, ICMP_ECHOREPLY, ICMP_TIME_EXCEEDED, ICMP_DEST_UNREACH, ICMP_SOURCE_QUENCH, ICMP_REDIRECT,
} from '../wire/icmphdr.js';
import { csumFold, csumPartial } from '../wire/checksum.js';
import {
  SOL_IP, IP_TTL, IP_TOS, IP_MTU_DISCOVER, IP_RECVERR, IP_RECVTTL, IP_PMTUDISC_DONT, IP_PMTUDISC_PROBE,
  IP_PMTUDISC_DO, SO_EE_ORIGIN_ICMP, SO_EE_ORIGIN_LOCAL, type SockExtendedErr,
} from '../ipv4/inet_sock.js';

export const MAX_HOPS = 255;
export const MAX_PROBES = 10;
export const DEF_HOPS = 30;
export const DEF_SIM_PROBES = 16;
export const DEF_NUM_PROBES = 3;
export const DEF_WAIT_SECS = 5.0;
export const DEF_HERE_FACTOR = 3;
export const DEF_NEAR_FACTOR = 10;
/** +1 ms to avoid precision issues. */
export const DEF_WAIT_PREC = 0.001;
export const DEF_DATA_LEN = 40;
export const MAX_PACKET_LEN = 65000;
export const DEF_START_PORT = 33434;
export const DEF_UDP_PORT = 53;
export const IPV4_HDR_LEN = 20;
export const UDP_HDR_LEN = 8;
export const ICMP_HDR_LEN = 8;


/** exit() from deep inside. */
export class Exit {
  constructor(readonly status: number) {}
}

/** Linux userspace: struct probe_struct. */
export class Probe {
  done = false;
  final = false;
  /** The answering address; `resSet` false = none (sa_family 0). */
  res = 0;
  resSet = false;
  sendTime = 0;
  recvTime = 0;
  recvTtl = 0;
  sk = 0;
  seq = 0;
  errStr = '';

  copyFrom(o: Probe): void {
    this.done = o.done; this.final = o.final; this.res = o.res; this.resSet = o.resSet;
    this.sendTime = o.sendTime; this.recvTime = o.recvTime; this.recvTtl = o.recvTtl; this.sk = o.sk;
    this.seq = o.seq; this.errStr = o.errStr;
  }
}

/** Linux userspace: tr_module. */
export interface TrModule {
  name: string;
  headerLen: number;
  init(tr: Traceroute): void;
  sendProbe(tr: Traceroute, pb: Probe, ttl: number): void;
  recvProbe(tr: Traceroute, fd: number, revents: number): void;
  expireProbe(tr: Traceroute, pb: Probe): void;
}

type CheckReply = (tr: Traceroute, sk: number, err: boolean, fromPort: number, buf: Uint8Array) => Probe | null;

/** The program state (traceroute.c's statics). */
export class Traceroute {
  debug = false;
  firstHop = 1;
  maxHops = DEF_HOPS;
  simProbes = DEF_SIM_PROBES;
  probesPerHop = DEF_NUM_PROBES;
  headerLen = 0;
  dataLen = 0;
  dontfrag = false;
  noresolve = false;
  dstPortSeq = 0;
  tos = 0;
  noroute = false;
  fwmark = 0;
  packetLen = -1;
  waitSecs = DEF_WAIT_SECS;
  hereFactor = DEF_HERE_FACTOR;
  nearFactor = DEF_NEAR_FACTOR;
  sendSecs = 0;
  dstAddr = 0;
  dstName = '';
  device: string | null = null;
  srcAddr = 0;
  srcSet = false;
  srcPort = 0;
  module = 'default';
  ops!: TrModule;
  probes: Probe[] = [];
  numProbes = 0;
  /** The poll set (poll.c): fds in slot order, -1 for a hole. */
  pfd: { fd: number; events: number }[] = [];
  /* Module state. */
  data = new Uint8Array(0);
  destPort = 0;
  currPort = 0;
  icmpSk = -1;
  icmpSeq = 1;
  ident = 0;
  lastTtl = 0;
  constructor(readonly ctx: ToolContext) {}
}

/** traceroute error(): "\n" + perror(str), exit 1. */
export function error(tr: Traceroute, str: string, errno: number): never {
  tr.ctx.stderr.write(`\n${str}: ${strerror(errno)}\n`);
  throw new Exit(1);
}

/** traceroute ex_error(): the message, exit 2. */
export function exError(tr: Traceroute, msg: string): never {
  tr.ctx.stderr.write(msg + '\n');
  throw new Exit(2);
}

export function errnoOf(e: unknown): number {
  return e instanceof SystemError ? Math.abs(e.errno) : EINVAL;
}

/** get_time(): gettimeofday() as seconds. */
export function getTime(tr: Traceroute): number {
  const ns = sys.clockGettime(tr.ctx.task, sys.CLOCK_REALTIME);
  const sec = Math.floor(ns / 1e9);
  const usec = Math.floor((ns - sec * 1e9) / 1000);
  return usec / 1000000 + sec;
}

/* ------------------------------------------------------------------ */
/* poll.c                                                              */

function addPoll(tr: Traceroute, fd: number, events: number): void {
  let i = 0;
  while (i < tr.pfd.length && tr.pfd[i]!.fd > 0) i++;
  if (i === tr.pfd.length) tr.pfd.push({ fd, events });
  else tr.pfd[i] = { fd, events };
}

function delPoll(tr: Traceroute, fd: number): void {
  const i = tr.pfd.findIndex((p) => p.fd === fd);
  if (i >= 0) tr.pfd[i]!.fd = -1;
}

function cleanupPolls(tr: Traceroute): number {
  let i = 0;
  while (i < tr.pfd.length && tr.pfd[i]!.fd > 0) i++;
  if (i < tr.pfd.length) {
    for (let j = i + 1; j < tr.pfd.length; j++) {
      if (tr.pfd[j]!.fd > 0) {
        tr.pfd[i++] = { ...tr.pfd[j]! };
        tr.pfd[j]!.fd = -1;
      }
    }
  }
  return i;
}

export async function doPoll(tr: Traceroute, timeout: number): Promise<void> {
  const nfds = cleanupPolls(tr);
  if (!nfds) return;
  const set: sys.PollFd[] = tr.pfd.slice(0, nfds).map((p) => ({ fd: p.fd, events: p.events }));
  let n = await sys.poll(tr.ctx.task, set, Math.ceil(timeout * 1000) * 1e6);
  for (let i = 0; n && i < set.length; i++) {
    const rev = set[i]!.revents ?? 0;
    if (rev) {
      tr.ops.recvProbe(tr, set[i]!.fd, rev);
      n--;
    }
  }
}

/* ------------------------------------------------------------------ */
/* Common socket set-up and receive (traceroute.c)                     */

function setOpt(tr: Traceroute, sk: number, level: number, opt: number, v: unknown, what: string): void {
  try {
    sys.setsockopt(tr.ctx.task, sk, level, opt, v);
  } catch (e) {
    error(tr, what, errnoOf(e));
  }
}

/** bind_socket(). */
function bindSocket(tr: Traceroute, sk: number): void {
  if (tr.device) setOpt(tr, sk, SOL_SOCKET, SO_BINDTODEVICE, tr.device, 'setsockopt SO_BINDTODEVICE');
  try {
    sys.bind(tr.ctx.task, sk, { family: AF_INET, addr: tr.srcSet ? tr.srcAddr : 0, port: tr.srcPort });
  } catch (e) {
    error(tr, 'bind', errnoOf(e));
  }
}

/** tune_socket(). */
function tuneSocket(tr: Traceroute, sk: number): void {
  if (tr.debug) setOpt(tr, sk, SOL_SOCKET, SO_DEBUG, 1, 'setsockopt SO_DEBUG');
  if (tr.fwmark) setOpt(tr, sk, SOL_SOCKET, SO_MARK, tr.fwmark, 'setsockopt SO_MARK');
  bindSocket(tr, sk);
  try {
    sys.setsockopt(tr.ctx.task, sk, SOL_IP, IP_MTU_DISCOVER, tr.dontfrag ? IP_PMTUDISC_PROBE : IP_PMTUDISC_DONT);
  } catch (e) {
    if (!tr.dontfrag) error(tr, 'setsockopt IP_MTU_DISCOVER', errnoOf(e));
    setOpt(tr, sk, SOL_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO, 'setsockopt IP_MTU_DISCOVER');
  }
  if (tr.tos) setOpt(tr, sk, SOL_IP, IP_TOS, tr.tos, 'setsockopt IP_TOS');
  if (tr.noroute) setOpt(tr, sk, SOL_SOCKET, SO_DONTROUTE, 1, 'setsockopt SO_DONTROUTE');
  // use_timestamp(), use_recv_ttl(): errors ignored.
  try {
    sys.setsockopt(tr.ctx.task, sk, SOL_SOCKET, SO_TIMESTAMP, 1);
  } catch {
    // foo on errors
  }
  try {
    sys.setsockopt(tr.ctx.task, sk, SOL_IP, IP_RECVTTL, 1);
  } catch {
    // foo on errors
  }
  sys.ioctl(tr.ctx.task, sk, sys.FIONBIO, 1);
}

/** use_recverr(). */
function useRecverr(tr: Traceroute, sk: number): void {
  setOpt(tr, sk, SOL_IP, IP_RECVERR, 1, 'setsockopt IP_RECVERR');
}

/** set_ttl(). */
function setTtl(tr: Traceroute, sk: number, ttl: number): void {
  setOpt(tr, sk, SOL_IP, IP_TTL, ttl, 'setsockopt IP_TTL');
}

/** do_send(): bytes sent, -1 to try later (ENOBUFS/EAGAIN), 0 when recverr will tell. */
function doSend(tr: Traceroute, sk: number, data: Uint8Array): number {
  try {
    return sys.send(tr.ctx.task, sk, data);
  } catch (e) {
    const en = errnoOf(e);
    if (en === ENOBUFS || en === EAGAIN) return -1;
    if (en === EMSGSIZE || en === EHOSTUNREACH) return 0; // recverr will say more...
    error(tr, 'send', en); // not recoverable
  }
}

/** parse_icmp_res(): the annotation of an ICMP answer; every answer but TTL exceeded is final. */
function parseIcmpRes(pb: Probe, type: number, code: number, info: number): void {
  let str: string | null = null;
  if (type === ICMP_TIME_EXCEEDED) {
    if (code === 0) return;
  } else if (type === ICMP_DEST_UNREACH) {
    switch (code) {
      case 0: case 6: case 8: case 11: str = '!N'; break;
      case 1: case 7: case 12: str = '!H'; break;
      case 9: case 10: case 13: str = '!X'; break;
      case 3: str = ''; break; // dest host is reached
      case 2: str = '!P'; break;
      case 4: str = `!F-${info | 0}`; break;
      case 5: str = '!S'; break;
      case 14: str = '!V'; break;
      case 15: str = '!C'; break;
      default: str = `!<${code}>`; break;
    }
  }
  if (str === null) str = `!<${type}-${code}>`;
  if (str) pb.errStr = str.slice(0, 15);
  pb.final = true;
}

/** probe_done(). */
export function probeDone(tr: Traceroute, pb: Probe): void {
  if (pb.sk) {
    delPoll(tr, pb.sk);
    try {
      sys.close(tr.ctx.task, pb.sk);
    } catch {
      // already closed
    }
    pb.sk = 0;
  }
  pb.seq = 0;
  pb.done = true;
}

/** recv_reply(): one datagram or error-queue entry for the probe `check` names. */
function recvReply(tr: Traceroute, sk: number, err: boolean, check: CheckReply): void {
  let r: RecvResult | null;
  try {
    r = sys.recvmsgNow(tr.ctx.task, sk, 1280, (err ? MSG_ERRQUEUE : 0) | MSG_DONTWAIT);
  } catch {
    return;
  }
  if (r === null) return;
  let buf = r.data;
  // When not MSG_ERRQUEUE, AF_INET returns the full IPv4 header on raw sockets.
  if (!err && tr.ops.headerLen === 0) {
    if (buf.length < IPV4_HDR_LEN) return;
    const hlen = (buf[0]! & 0xf) << 2;
    if (buf.length < hlen) return;
    buf = buf.subarray(hlen);
  }
  const from = r.addr && r.addr.family === AF_INET ? r.addr as SockaddrIn : null;
  const pb = check(tr, sk, err, from ? from.port : 0, buf);
  if (!pb) return;
  let recvTime = 0;
  let recvTtl = 0;
  let ee: SockExtendedErr | null = null;
  for (const c of r.cmsgs) {
    if (c.level === SOL_SOCKET && c.type === SO_TIMESTAMP) {
      const tv = c.data as { tvSec: number; tvUsec: number };
      recvTime = tv.tvSec + tv.tvUsec / 1000000;
    } else if (c.level === SOL_IP) {
      if (c.type === IP_TTL) recvTtl = Number(c.data);
      else if (c.type === IP_RECVERR) {
        ee = c.data as SockExtendedErr;
        if (ee.eeOrigin !== SO_EE_ORIGIN_ICMP && ee.eeOrigin !== SO_EE_ORIGIN_LOCAL) return;
        // Dgram icmp sockets might return extra things...
        if (ee.eeOrigin === SO_EE_ORIGIN_ICMP && (ee.eeType === ICMP_SOURCE_QUENCH || ee.eeType === ICMP_REDIRECT)) return;
      }
    }
  }
  if (!recvTime) recvTime = getTime(tr);
  if (!err && from) {
    pb.res = from.addr >>> 0;
    pb.resSet = true;
  }
  pb.recvTime = recvTime;
  pb.recvTtl = recvTtl;
  if (ee && ee.eeOrigin !== SO_EE_ORIGIN_LOCAL) {
    pb.res = ee.offender >>> 0;
    pb.resSet = true;
    parseIcmpRes(pb, ee.eeType, ee.eeCode, ee.eeInfo);
  }
  if (ee && ee.eeOrigin === SO_EE_ORIGIN_LOCAL) {
    // parse_local_res()
    if (ee.eeErrno === EMSGSIZE && ee.eeInfo !== 0) {
      pb.errStr = `!F-${ee.eeInfo | 0}`;
      pb.final = true;
    } else {
      error(tr, 'local recverr', ee.eeErrno);
    }
  }
  probeDone(tr, pb);
}

function probeBySeq(tr: Traceroute, seq: number): Probe | null {
  if (seq <= 0) return null;
  for (const p of tr.probes) if (p.seq === seq) return p;
  return null;
}

function probeBySk(tr: Traceroute, sk: number): Probe | null {
  if (sk <= 0) return null;
  for (const p of tr.probes) if (p.sk === sk) return p;
  return null;
}

/* ------------------------------------------------------------------ */
/* Modules                                                             */

function fillData(tr: Traceroute, from: number): void {
  tr.data = new Uint8Array(tr.dataLen);
  for (let i = from; i < tr.dataLen; i++) tr.data[i] = 0x40 + (i & 0x3f);
}

function udpSendProbe(tr: Traceroute, pb: Probe, ttl: number): void {
  const task = tr.ctx.task;
  let sk: number;
  try {
    sk = sys.socket(task, AF_INET, SOCK_DGRAM, IPPROTO_UDP);
  } catch (e) {
    error(tr, 'socket', errnoOf(e));
  }
  tuneSocket(tr, sk);
  setTtl(tr, sk, ttl);
  try {
    sys.connectNow(task, sk, { family: AF_INET, addr: tr.dstAddr, port: tr.destPort });
  } catch (e) {
    error(tr, 'connect', errnoOf(e));
  }
  useRecverr(tr, sk);
  pb.sendTime = getTime(tr);
  if (doSend(tr, sk, tr.data) < 0) {
    sys.close(task, sk);
    pb.sendTime = 0;
    return;
  }
  pb.sk = sk;
  addPoll(tr, sk, POLLIN | POLLERR);
  pb.seq = tr.destPort;
  if (tr.currPort) { // traditional udp method
    tr.currPort++;
    tr.destPort = tr.currPort & 0xffff;
  }
}

function udpCheckReply(tr: Traceroute, sk: number, err: boolean, fromPort: number): Probe | null {
  const pb = probeBySk(tr, sk);
  if (!pb) return null;
  if (pb.seq !== fromPort) return null;
  if (!err) pb.final = true;
  return pb;
}

const udpBase = {
  headerLen: UDP_HDR_LEN,
  sendProbe: udpSendProbe,
  recvProbe: (tr: Traceroute, fd: number, revents: number): void => {
    if (!(revents & (POLLIN | POLLERR))) return;
    recvReply(tr, fd, (revents & POLLERR) !== 0, udpCheckReply);
  },
  expireProbe: probeDone,
};

/** mod-udp.c "default": ports 33434 and up. */
const defaultOps: TrModule = {
  name: 'default', ...udpBase,
  init: (tr) => {
    tr.currPort = tr.dstPortSeq ? tr.dstPortSeq : DEF_START_PORT;
    tr.destPort = tr.currPort & 0xffff;
    fillData(tr, 0);
  },
};

/** mod-udp.c "udp" (-U): one port, 53 by default. */
const udpOps: TrModule = {
  name: 'udp', ...udpBase,
  init: (tr) => {
    tr.destPort = (tr.dstPortSeq ? tr.dstPortSeq : DEF_UDP_PORT) & 0xffff;
    fillData(tr, 0);
  },
};

/** mod-icmp.c (-I): echo requests on one socket, raw when allowed, else a ping socket. */
const icmpOps: TrModule = {
  name: 'icmp',
  headerLen: 0,
  init: (tr) => {
    const task = tr.ctx.task;
    if (tr.dstPortSeq) tr.icmpSeq = tr.dstPortSeq & 0xffff;
    if (tr.dataLen < ICMP_HDR_LEN) tr.dataLen = ICMP_HDR_LEN;
    fillData(tr, ICMP_HDR_LEN);
    let dgram = false;
    let sk = -1;
    try {
      sk = sys.socket(task, AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
    } catch {
      sk = -1;
    }
    try {
      const rawSk = sys.socket(task, AF_INET, SOCK_RAW, IPPROTO_ICMP);
      // Prefer the traditional "raw" way when possible.
      if (sk >= 0) sys.close(task, sk);
      sk = rawSk;
    } catch (e) {
      if (sk < 0) {
        const en = errnoOf(e);
        if (en === 1 /* EPERM */) tr.ctx.stderr.write('You do not have enough privileges to use this traceroute method.');
        error(tr, 'socket', en);
      }
      dgram = true;
    }
    tr.icmpSk = sk;
    tuneSocket(tr, sk);
    // Don't want to catch packets from another hosts.
    try {
      sys.connectNow(task, sk, { family: AF_INET, addr: tr.dstAddr, port: 0 });
    } catch (e) {
      error(tr, 'connect', errnoOf(e));
    }
    useRecverr(tr, sk);
    if (dgram) {
      const name = sys.getsockname(task, sk) as SockaddrIn;
      tr.ident = name.port & 0xffff;
    } else {
      tr.ident = (task.pid || 1) & 0xffff;
    }
    addPoll(tr, sk, POLLIN | POLLERR);
  },
  sendProbe: (tr, pb, ttl) => {
    if (ttl !== tr.lastTtl) {
      setTtl(tr, tr.icmpSk, ttl);
      tr.lastTtl = ttl;
    }
    const d = tr.data;
    d[0] = ICMP_ECHO;
    d[1] = 0;
    d[2] = 0;
    d[3] = 0;
    d[4] = tr.ident >> 8;
    d[5] = tr.ident & 0xff;
    d[6] = tr.icmpSeq >> 8;
    d[7] = tr.icmpSeq & 0xff;
    const ck = csumFold(csumPartial(d, 0, d.length));
    d[2] = ck >> 8;
    d[3] = ck & 0xff;
    pb.sendTime = getTime(tr);
    if (doSend(tr, tr.icmpSk, d) < 0) {
      pb.sendTime = 0;
      return;
    }
    pb.seq = tr.icmpSeq;
    tr.icmpSeq = (tr.icmpSeq + 1) & 0xffff;
  },
  recvProbe: (tr, fd, revents) => {
    if (!(revents & (POLLIN | POLLERR))) return;
    recvReply(tr, fd, (revents & POLLERR) !== 0, (t, _sk, err, _port, buf) => {
      if (buf.length < ICMP_HDR_LEN) return null;
      const type = buf[0]!;
      const recvId = (buf[4]! << 8) | buf[5]!;
      const recvSeq = (buf[6]! << 8) | buf[7]!;
      if (recvId !== t.ident) return null;
      const pb = probeBySeq(t, recvSeq);
      if (!pb) return null;
      if (!err) {
        if (type !== ICMP_ECHOREPLY) return null;
        pb.final = true;
      }
      return pb;
    });
  },
  expireProbe: probeDone,
};

export const MODULES = new Map<string, TrModule>([['default', defaultOps], ['udp', udpOps], ['icmp', icmpOps]]);

