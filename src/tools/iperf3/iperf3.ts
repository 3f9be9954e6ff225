/**
 * `iperf3` compatible with iperf 3.12 (esnet/iperf): the same options, control protocol
 * (protocol.ts), human output and -J document, so the same command measures tuxnet and
 * Linux and a tuxnet iperf3 can talk to a real one. Implemented: -s [-1] [-p] [-B],
 * -c HOST [-p] [-t] [-n] [-k] [-l] [-P] [-R] [-u] [-b] [-N] [-M] [-w] [-C] [--cport], -i,
 * -f, -J, -V/-v/-h. Server and client run their streams as concurrent loops of
 * blocking syscalls (iperf3 uses one select() loop; the bytes on the wire are the same).
 *
 * Differences: CPU utilisation is reported as 0 (a process here has no CPU clock);
 * "socket" numbers are this process's fds; system_info names tuxnet. In virtual time a
 * path with neither delay nor a rate limit moves data without the clock advancing, so a
 * sender whose clock stood still for 64 blocks sleeps one pacing tick (1 ms, iperf3's
 * --pacing-timer default) — with -t on such a path the figure is that tick's, not a
 * rate; use -n, or give the link a rate (tc ... netem rate / tbf) for a meaningful -t.
 */
import type { ToolContext } from '../tool.js';
import type { Task } from '../../socket/task.js';
import * as sys from '../../socket/syscalls.js';
import { SystemError, strerror } from '../../socket/errno.js';
import {
  AF_INET, SOCK_STREAM, SOCK_DGRAM, SOL_SOCKET, SO_REUSEADDR, SO_SNDBUF, SO_RCVBUF, POLLIN, POLLOUT, MSG_DONTWAIT,
  type SockaddrIn,
} from '../../socket/socket.js';
import { getoptLong, type LongOpt } from '../lib/getopt.js';
import { connectStream, writeAll, readExact } from './io.js';
import { JObj, jsonPrint, unitAtof, unitAtofRate, U64_MAX, type JsonValue } from './format.js';
import {
  TEST_START, TEST_RUNNING, TEST_END, PARAM_EXCHANGE, CREATE_STREAMS, SERVER_TERMINATE, CLIENT_TERMINATE,
  EXCHANGE_RESULTS, DISPLAY_RESULTS, IPERF_DONE, ACCESS_DENIED, SERVER_ERROR, COOKIE_SIZE, PORT, DEFAULT_TCP_BLKSIZE,
  DEFAULT_UDP_BLKSIZE, DEFAULT_UDP_RATE, MAX_UDP_BLOCKSIZE, UDP_CONNECT_MSG, UDP_CONNECT_REPLY, VERSION, Prng,
  makeCookie, cookieString, sendState, readState, jsonWrite, jsonRead, jnum,
} from './protocol.js';
import {
  Stream, type IntervalResult, type PeerStream, SEPARATOR, HDR_BW, HDR_BW_RETRANS, HDR_BW_RETRANS_CWND, HDR_UDP,
  HDR_UDP_SENDER, lineBw, lineRetrans, lineRetransCwnd, lineUdp, lineUdpSender, intervalJson, intervalSumJson, endJson,
  usec,
} from './report.js';

const SOL_TCP = 6;
const TCP_NODELAY = 1;
const TCP_MAXSEG = 2;
const TCP_INFO = 11;
const TCP_CONGESTION = 13;
/** How long a block started before the end may wait for send room after it (see sendLoop). */
const END_BLOCK_PATIENCE_NS = 5_000_000_000;
const NSEC = 1e9;
const USAGE_HEAD = 'Usage: iperf3 [-s|-c host] [options]\n       iperf3 [-h|--help] [-v|--version]\n';

class IperfError extends Error {}

/** The test's settings (iperf: struct iperf_settings + struct iperf_test). */
interface Settings {
  server: boolean;
  host: string;
  port: number;
  udp: boolean;
  duration: number;
  bytes: number;
  blocks: number;
  blksize: number;
  parallel: number;
  reverse: boolean;
  rate: number;
  json: boolean;
  interval: number;
  oneOff: boolean;
  format: string;
  nodelay: boolean;
  mss: number;
  window: number;
  congestion: string;
  cport: number;
  bind: string;
}

const LONGOPTS: LongOpt[] = [
  { name: 'port', hasArg: 1, val: 'p' }, { name: 'format', hasArg: 1, val: 'f' }, { name: 'interval', hasArg: 1, val: 'i' },
  { name: 'verbose', hasArg: 0, val: 'V' }, { name: 'json', hasArg: 0, val: 'J' }, { name: 'version', hasArg: 0, val: 'v' },
  { name: 'server', hasArg: 0, val: 's' }, { name: 'client', hasArg: 1, val: 'c' }, { name: 'udp', hasArg: 0, val: 'u' },
  { name: 'bitrate', hasArg: 1, val: 'b' }, { name: 'bandwidth', hasArg: 1, val: 'b' }, { name: 'time', hasArg: 1, val: 't' },
  { name: 'bytes', hasArg: 1, val: 'n' }, { name: 'blockcount', hasArg: 1, val: 'k' }, { name: 'length', hasArg: 1, val: 'l' },
  { name: 'parallel', hasArg: 1, val: 'P' }, { name: 'reverse', hasArg: 0, val: 'R' }, { name: 'window', hasArg: 1, val: 'w' },
  { name: 'set-mss', hasArg: 1, val: 'M' }, { name: 'no-delay', hasArg: 0, val: 'N' }, { name: 'version4', hasArg: 0, val: '4' },
  { name: 'one-off', hasArg: 0, val: '1' }, { name: 'bind', hasArg: 1, val: 'B' }, { name: 'congestion', hasArg: 1, val: 'C' },
  { name: 'help', hasArg: 0, val: 'h' }, { name: 'cport', hasArg: 1, val: 'X' }, { name: 'omit', hasArg: 1, val: 'O' },
  { name: 'title', hasArg: 1, val: 'T' }, { name: 'debug', hasArg: 2, val: 'd' }, { name: 'zerocopy', hasArg: 0, val: 'Z' },
];

function parseIp(s: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  const b = m.slice(1).map(Number);
  if (b.some((x) => x > 255)) return null;
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}

function ipStr(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}`;
}

export async function iperf3Main(ctx: ToolContext): Promise<number> {
  const err = (s: string): void => ctx.stderr.write(s);
  const { opts, rest } = getoptLong(ctx.argv, '+p:f:i:D1VJvsc:ub:t:n:k:l:P:Rw:B:M:N46S:L:ZO:F:A:T:C:dI:hX:', LONGOPTS, err, 'iperf3');
  const st: Settings = {
    server: false, host: '', port: PORT, udp: false, duration: 10, bytes: 0, blocks: 0, blksize: 0, parallel: 1,
    reverse: false, rate: 0, json: false, interval: 1, oneOff: false, format: 'a', nodelay: false, mss: 0, window: 0,
    congestion: '', cport: 0, bind: '',
  };
  let client = false;
  let rateSet = false;
  let durationSet = false;
  const paramError = (msg: string): number => {
    err(`iperf3: parameter error - ${msg}\n`);
    return 1;
  };
  for (const o of opts) {
    const a = o.arg ?? '';
    switch (o.opt) {
      case 'p': {
        const p = Number(a);
        if (!Number.isInteger(p) || p < 1 || p > 65535) return paramError('port number must be between 1 and 65535 inclusive');
        st.port = p;
        break;
      }
      case 'f': st.format = a[0] ?? 'a'; break;
      case 'i': st.interval = Number(a); break;
      case 'J': st.json = true; break;
      case 'v':
        ctx.stdout.write(`iperf ${VERSION} (cJSON 1.7.15)\nLinux tuxnet\nOptional features available: tuxnet\n`);
        return 0;
      case 's': st.server = true; break;
      case 'c': client = true; st.host = a; break;
      case 'u': st.udp = true; break;
      case 'b': st.rate = unitAtofRate(a.split('/')[0]!); rateSet = true; break;
      case 't': st.duration = Number(a); durationSet = true; break;
      case 'n': st.bytes = unitAtof(a); break;
      case 'k': st.blocks = unitAtof(a); break;
      case 'l': st.blksize = unitAtof(a); break;
      case 'P': st.parallel = Number(a); break;
      case 'R': st.reverse = true; break;
      case 'w': st.window = unitAtof(a); break;
      case 'M': st.mss = Number(a); break;
      case 'N': st.nodelay = true; break;
      case '1': st.oneOff = true; break;
      case 'B': st.bind = a; break;
      case 'C': st.congestion = a; break;
      case 'X': st.cport = Number(a); break;
      case 'h':
        ctx.stdout.write(USAGE_HEAD);
        return 0;
      case '?':
        err(USAGE_HEAD);
        return 1;
      default: break;
    }
  }
  if (st.server === client) {
    if (st.server) return paramError('cannot be both server and client');
    err(`iperf3: parameter error - must either be a client (-c) or server (-s)\n\n${USAGE_HEAD}`);
    return 1;
  }
  if (rest.length) {
    err(`iperf3: parameter error - ${'some option you are trying to set is client only'}\n`);
    return 1;
  }
  if ([st.bytes > 0, st.blocks > 0, durationSet].filter(Boolean).length > 1) {
    err(`iperf3: parameter error - only one test end condition (-t, -n, -k) may be specified\n\n${USAGE_HEAD}`);
    return 1;
  }
  if (st.bytes || st.blocks) st.duration = 0;
  if (st.udp && !rateSet) st.rate = DEFAULT_UDP_RATE;
  if (st.udp && st.blksize > MAX_UDP_BLOCKSIZE) return paramError(`block size too large (maximum = ${MAX_UDP_BLOCKSIZE} bytes)`);
  const t = new IperfTest(ctx, st);
  try {
    return st.server ? await t.runServer() : await t.runClient();
  } catch (e) {
    const msg = e instanceof IperfError ? e.message : e instanceof SystemError ? strerror(e.errno) : String(e);
    t.fail(msg);
    return 1;
  }
}

/** iperf: struct iperf_test for one run. */
class IperfTest {
  readonly task: Task;
  readonly rng: Prng;
  streams: Stream[] = [];
  ctrl = -1;
  listenFd = -1;
  cookie: Uint8Array = new Uint8Array(COOKIE_SIZE);
  startNs = 0;
  done = false;
  bytesSent = 0;
  bytesReceived = 0;
  blocksSent = 0;
  nextInterval = 0;
  lastIntervalEnd = 0;
  peer: { streams: PeerStream[]; senderHasRetransmits: number; congestion: string } | null = null;
  readonly jsonStart = new JObj();
  readonly jsonIntervals: JsonValue[] = [];
  jsonEnd = new JObj();
  congestion = '';
  ctrlMss = 0;
  testNo = 1;
  private frozenAt = -1;
  private frozenCount = 0;

  constructor(readonly ctx: ToolContext, readonly st: Settings) {
    this.task = ctx.task;
    this.rng = new Prng(Math.floor(sys.clockGettime(this.task, sys.CLOCK_REALTIME) / 1000) ^ 0x5bd1e995);
  }

  out(s: string): void {
    if (!this.st.json) this.ctx.stdout.write(s);
  }

  now(): number {
    return (sys.clockGettime(this.task) - this.startNs) / NSEC;
  }

  fail(msg: string): void {
    if (this.st.json) {
      const doc = new JObj().set('start', this.jsonStart).set('intervals', this.jsonIntervals).set('end', this.jsonEnd)
        .set('error', msg);
      this.ctx.stdout.write(jsonPrint(doc) + '\n');
    } else {
      this.ctx.stderr.write(`iperf3: error - ${msg}\n`);
    }
  }

  get sending(): boolean {
    return this.st.server ? this.st.reverse : !this.st.reverse;
  }

  /** In virtual time a path without delay never lets the clock move: sleep a pacing tick now and then. */
  async yieldIfFrozen(): Promise<void> {
    const t = sys.clockGettime(this.task);
    if (t !== this.frozenAt) {
      this.frozenAt = t;
      this.frozenCount = 0;
      return;
    }
    if (++this.frozenCount >= 64) {
      this.frozenCount = 0;
      await sys.poll(this.task, [], 1_000_000);
    }
  }

  startJson(): void {
    const s = this.jsonStart;
    s.set('connected', []).set('version', `iperf ${VERSION}`).set('system_info', 'Linux tuxnet 6.18.0-tuxnet #1 SMP x86_64');
    const wall = sys.clockGettime(this.task, sys.CLOCK_REALTIME);
    s.set('timestamp', new JObj({ time: new Date(Math.floor(wall / 1e6)).toUTCString(), timesecs: Math.floor(wall / NSEC) }));
  }

  connectedJson(sp: Stream): void {
    const arr = this.jsonStart.e.find(([k]) => k === 'connected')![1] as JsonValue[];
    arr.push(new JObj({ socket: sp.fd, local_host: sp.local, local_port: sp.lport, remote_host: sp.remote,
      remote_port: sp.rport }));
  }

  /* ---------------------------------------------------------------- */
  /* client                                                            */

  async runClient(): Promise<number> {
    const st = this.st;
    const task = this.task;
    this.startJson();
    const daddr = parseIp(st.host);
    if (daddr === null) throw new IperfError(`unable to resolve host: Temporary failure in name resolution`);
    this.out(`Connecting to host ${st.host}, port ${st.port}\n`);
    this.jsonStart.set('connecting_to', new JObj({ host: st.host, port: st.port }));
    this.ctrl = sys.socket(task, AF_INET, SOCK_STREAM, 0);
    try {
      await connectStream(task, this.ctrl, { family: AF_INET, addr: daddr, port: st.port });
    } catch (e) {
      throw new IperfError(`unable to connect to server: ${e instanceof SystemError ? strerror(e.errno) : String(e)}`);
    }
    this.cookie = makeCookie(this.rng);
    this.jsonStart.set('cookie', cookieString(this.cookie));
    await writeAll(task, this.ctrl, this.cookie);
    try {
      this.ctrlMss = Number(sys.getsockopt(task, this.ctrl, SOL_TCP, TCP_MAXSEG)) || 0;
    } catch { /* no TCP_MAXSEG */ }
    if (!st.udp) this.jsonStart.set('tcp_mss_default', this.ctrlMss);
    if (st.blksize === 0) st.blksize = st.udp ? (this.ctrlMss > 0 ? Math.min(this.ctrlMss, MAX_UDP_BLOCKSIZE) : DEFAULT_UDP_BLKSIZE) : DEFAULT_TCP_BLKSIZE;
    this.jsonStart.set('target_bitrate', st.rate);
    for (;;) {
      const state = await readState(task, this.ctrl);
      if (state === null) throw new IperfError('control socket has closed unexpectedly');
      switch (state) {
        case PARAM_EXCHANGE: await jsonWrite(task, this.ctrl, this.params()); break;
        case CREATE_STREAMS: await this.clientCreateStreams(daddr); break;
        case TEST_START: this.testStartJson(); break;
        case TEST_RUNNING: await this.runData(); await sendState(task, this.ctrl, TEST_END); break;
        case EXCHANGE_RESULTS: await jsonWrite(task, this.ctrl, this.results()); this.takePeerResults(await jsonRead(task, this.ctrl)); break;
        case DISPLAY_RESULTS:
          this.printResults();
          await sendState(task, this.ctrl, IPERF_DONE);
          this.closeAll();
          if (st.json) this.ctx.stdout.write(jsonPrint(this.document()) + '\n');
          else this.out('\niperf Done.\n');
          return 0;
        case SERVER_TERMINATE: throw new IperfError('the server has terminated');
        case ACCESS_DENIED: throw new IperfError('test denied by server');
        case SERVER_ERROR: throw new IperfError('the server has returned an error');
        default: throw new IperfError(`received an unknown control message (state ${state})`);
      }
    }
  }

  params(): JObj {
    const st = this.st;
    const p = new JObj();
    p.set(st.udp ? 'udp' : 'tcp', true).set('omit', 0).set('time', st.duration).set('num', st.bytes)
      .set('blockcount', st.blocks);
    if (st.mss) p.set('MSS', st.mss);
    if (st.nodelay) p.set('nodelay', true);
    p.set('parallel', st.parallel);
    if (st.reverse) p.set('reverse', true);
    if (st.window) p.set('window', st.window);
    p.set('len', st.blksize);
    if (st.rate) p.set('bandwidth', st.rate);
    p.set('pacing_timer', 1000);
    if (st.congestion) p.set('congestion', st.congestion);
    p.set('client_version', VERSION);
    return p;
  }

  async clientCreateStreams(daddr: number): Promise<void> {
    const st = this.st;
    const task = this.task;
    if (st.reverse) this.out(`Reverse mode, remote host ${st.host} is sending\n`);
    for (let i = 0; i < st.parallel; i++) {
      const fd = sys.socket(task, AF_INET, st.udp ? SOCK_DGRAM : SOCK_STREAM, 0);
      this.applySockopts(fd);
      if (st.cport) {
        sys.setsockopt(task, fd, SOL_SOCKET, SO_REUSEADDR, 1);
        sys.bind(task, fd, { family: AF_INET, addr: 0, port: st.cport });
      }
      const dst: SockaddrIn = { family: AF_INET, addr: daddr, port: st.port };
      if (st.udp) {
        await connectStream(task, fd, dst);
        const msg = new Uint8Array(4);
        new DataView(msg.buffer).setUint32(0, UDP_CONNECT_MSG, true);
        sys.send(task, fd, msg);
        const buf = new Uint8Array(4);
        await sys.recvfrom(task, fd, buf);
      } else {
        await connectStream(task, fd, dst);
        await writeAll(task, fd, this.cookie);
      }
      this.addStream(fd, i, this.sending);
    }
  }

  applySockopts(fd: number): void {
    const st = this.st;
    const task = this.task;
    try {
      if (!st.udp && st.nodelay) sys.setsockopt(task, fd, SOL_TCP, TCP_NODELAY, 1);
      if (!st.udp && st.mss) sys.setsockopt(task, fd, SOL_TCP, TCP_MAXSEG, st.mss);
      if (st.window) {
        sys.setsockopt(task, fd, SOL_SOCKET, SO_SNDBUF, st.window);
        sys.setsockopt(task, fd, SOL_SOCKET, SO_RCVBUF, st.window);
      }
      if (!st.udp && st.congestion) sys.setsockopt(task, fd, SOL_TCP, TCP_CONGESTION, st.congestion);
    } catch (e) {
      if (e instanceof SystemError) throw new IperfError(`unable to set socket option: ${strerror(e.errno)}`);
      throw e;
    }
  }

  addStream(fd: number, i: number, sender: boolean): void {
    const task = this.task;
    const l = sys.getsockname(task, fd) as SockaddrIn;
    const r = sys.getpeername(task, fd) as SockaddrIn;
    const sp = new Stream(i === 0 ? 1 : i + 2, fd, sender, ipStr(l.addr), l.port, ipStr(r.addr), r.port);
    this.streams.push(sp);
    this.out(`[${String(fd).padStart(3)}] local ${sp.local} port ${sp.lport} connected to ${sp.remote} port ${sp.rport}\n`);
    this.connectedJson(sp);
    const num = (opt: number): number => {
      try {
        return Number(sys.getsockopt(task, fd, SOL_SOCKET, opt)) || 0;
      } catch {
        return 0;
      }
    };
    this.jsonStart.set('sock_bufsize', this.st.window).set('sndbuf_actual', num(SO_SNDBUF)).set('rcvbuf_actual', num(SO_RCVBUF));
  }

  testStartJson(): void {
    const st = this.st;
    this.jsonStart.set('test_start', new JObj({
      protocol: st.udp ? 'UDP' : 'TCP', num_streams: st.parallel, blksize: st.blksize, omit: 0, duration: st.duration,
      bytes: st.bytes, blocks: st.blocks, reverse: st.reverse ? 1 : 0, tos: 0, target_bitrate: st.rate,
    }));
  }

  /* ---------------------------------------------------------------- */
  /* server                                                            */

  async runServer(): Promise<number> {
    const st = this.st;
    const task = this.task;
    const bindAddr = st.bind ? parseIp(st.bind) : 0;
    if (bindAddr === null) throw new IperfError('unable to start listener for connections: Temporary failure in name resolution');
    this.listenFd = sys.socket(task, AF_INET, SOCK_STREAM, 0);
    try {
      sys.setsockopt(task, this.listenFd, SOL_SOCKET, SO_REUSEADDR, 1);
      sys.bind(task, this.listenFd, { family: AF_INET, addr: bindAddr, port: st.port });
      sys.listen(task, this.listenFd, 0x7fffffff); // iperf: netannounce() listens with INT_MAX (somaxconn clamps it)
    } catch (e) {
      throw new IperfError(`unable to start listener for connections: ${e instanceof SystemError ? strerror(e.errno) : String(e)}`);
    }
    for (;;) {
      const banner = '-----------------------------------------------------------\n';
      this.out(`${banner}Server listening on ${st.port} (test #${this.testNo})\n${banner}`);
      await this.serveOne(bindAddr);
      if (st.json) this.ctx.stdout.write(jsonPrint(this.document()) + '\n');
      if (st.oneOff) {
        sys.close(task, this.listenFd);
        return 0;
      }
      this.reset();
      this.testNo++;
    }
  }

  reset(): void {
    Object.assign(this.st, { udp: false, duration: 10, bytes: 0, blocks: 0, blksize: 0, parallel: 1, reverse: false, rate: 0 });
    this.streams = [];
    this.done = false;
    this.bytesSent = this.bytesReceived = this.blocksSent = 0;
    this.peer = null;
    this.jsonStart.e.length = 0;
    this.jsonIntervals.length = 0;
    this.jsonEnd = new JObj();
  }

  async serveOne(bindAddr: number): Promise<void> {
    const st = this.st;
    const task = this.task;
    this.startJson();
    const a = await sys.accept(task, this.listenFd);
    this.ctrl = a.fd;
    const peer = a.addr as SockaddrIn;
    const cookie = await readExact(task, this.ctrl, COOKIE_SIZE);
    if (!cookie) {
      sys.close(task, this.ctrl);
      return;
    }
    this.cookie = cookie;
    this.out(`Accepted connection from ${ipStr(peer.addr)}, port ${peer.port}\n`);
    this.jsonStart.set('accepted_connection', new JObj({ host: ipStr(peer.addr), port: peer.port }));
    this.jsonStart.set('cookie', cookieString(cookie));
    try {
      await sendState(task, this.ctrl, PARAM_EXCHANGE);
      const p = await jsonRead(task, this.ctrl);
      if (!p) throw new IperfError('unable to receive parameters from client');
      st.udp = p.udp === true;
      st.duration = jnum(p.time);
      st.bytes = jnum(p.num);
      st.blocks = jnum(p.blockcount);
      st.parallel = Math.max(1, jnum(p.parallel));
      st.reverse = p.reverse === true;
      st.blksize = jnum(p.len) || (st.udp ? DEFAULT_UDP_BLKSIZE : DEFAULT_TCP_BLKSIZE);
      st.rate = jnum(p.bandwidth);
      st.nodelay = p.nodelay === true;
      st.window = jnum(p.window);
      st.congestion = typeof p.congestion === 'string' ? p.congestion : '';
      if (!st.udp) this.jsonStart.set('tcp_mss_default', 0);
      this.jsonStart.set('target_bitrate', st.rate);
      let udpFd = -1;
      if (st.udp) {
        udpFd = this.udpListener(bindAddr);
      }
      await sendState(task, this.ctrl, CREATE_STREAMS);
      for (let i = 0; i < st.parallel; i++) {
        if (st.udp) {
          const from: SockaddrIn = { family: AF_INET, addr: 0, port: 0 };
          const buf = new Uint8Array(MAX_UDP_BLOCKSIZE);
          await sys.recvfrom(task, udpFd, buf, 0, from);
          await connectStream(task, udpFd, from);
          const reply = new Uint8Array(4);
          new DataView(reply.buffer).setUint32(0, UDP_CONNECT_REPLY, true);
          sys.send(task, udpFd, reply);
          this.addStream(udpFd, i, this.sending);
          if (i + 1 < st.parallel) udpFd = this.udpListener(bindAddr);
        } else {
          const c = await sys.accept(task, this.listenFd);
          const ck = await readExact(task, c.fd, COOKIE_SIZE);
          if (!ck || cookieString(ck) !== cookieString(this.cookie)) {
            sys.close(task, c.fd);
            i--;
            continue;
          }
          this.applySockopts(c.fd);
          this.addStream(c.fd, i, this.sending);
        }
      }
      this.testStartJson();
      await sendState(task, this.ctrl, TEST_START);
      await sendState(task, this.ctrl, TEST_RUNNING);
      await this.runData();
      // iperf_handle_message_server(TEST_END): the server closes every stream before
      // EXCHANGE_RESULTS. A 3.12 client in -R mode reads whole blocks on blocking sockets
      // after TEST_END, so only that EOF ends its last read (it hung when the stream stayed open).
      this.closeStreams();
      await sendState(task, this.ctrl, EXCHANGE_RESULTS);
      this.takePeerResults(await jsonRead(task, this.ctrl));
      await jsonWrite(task, this.ctrl, this.results());
      await sendState(task, this.ctrl, DISPLAY_RESULTS);
      this.printResults();
      await readState(task, this.ctrl);
    } finally {
      this.closeAll();
    }
  }

  udpListener(bindAddr: number): number {
    const fd = sys.socket(this.task, AF_INET, SOCK_DGRAM, 0);
    sys.setsockopt(this.task, fd, SOL_SOCKET, SO_REUSEADDR, 1);
    sys.bind(this.task, fd, { family: AF_INET, addr: bindAddr, port: this.st.port });
    return fd;
  }

  /** Close the data streams (their loops see EBADF and end). */
  closeStreams(): void {
    this.done = true;
    for (const sp of this.streams) {
      if (sp.fd < 0) continue;
      try {
        sys.close(this.task, sp.fd);
      } catch { /* closed */ }
      sp.fd = -1;
    }
  }

  closeAll(): void {
    // The stream loops end too (a loop left polling would keep the virtual clock running).
    this.closeStreams();
    if (this.ctrl >= 0) {
      try {
        sys.close(this.task, this.ctrl);
      } catch { /* closed */ }
      this.ctrl = -1;
    }
  }

  /* ---------------------------------------------------------------- */
  /* the data phase                                                    */

  /** TEST_RUNNING until the end condition (client) or TEST_END (server); interval reports on the way. */
  async runData(): Promise<void> {
    const st = this.st;
    const task = this.task;
    this.startNs = sys.clockGettime(task);
    this.nextInterval = st.interval > 0 ? st.interval : Infinity;
    this.lastIntervalEnd = 0;
    this.printIntervalHeader();
    const loops = this.streams.map((sp) => (sp.sender ? this.sendLoop(sp) : this.recvLoop(sp)));
    for (;;) {
      if (!st.server && this.endConditionMet()) break;
      const now = this.now();
      if (now >= this.nextInterval) {
        this.intervalReport(now);
        this.nextInterval += st.interval;
      }
      const untilEnd = !st.server && st.duration > 0 ? st.duration - this.now() : Infinity;
      const wait = Math.max(0, Math.min(this.nextInterval - this.now(), untilEnd, 0.1));
      const n = await sys.poll(task, [{ fd: this.ctrl, events: POLLIN }], Math.ceil(wait * NSEC));
      if (n > 0) {
        if (!st.server) throw new IperfError('the server has terminated');
        const state = await readState(task, this.ctrl);
        if (state === TEST_END) break;
        if (state === null || state === CLIENT_TERMINATE) throw new IperfError('the client has terminated');
      }
    }
    this.done = true;
    const end = this.now();
    for (const sp of this.streams) if (!sp.done) sp.endTime = end;
    this.intervalReport(end, true);
    void Promise.allSettled(loops);
  }

  endConditionMet(): boolean {
    const st = this.st;
    if (this.done) return true;
    if (st.duration > 0) return this.now() >= st.duration;
    const moved = this.sending ? this.bytesSent : this.bytesReceived;
    if (st.bytes > 0) return moved >= st.bytes || this.streams.every((s) => s.done);
    if (st.blocks > 0) return this.blocksSent >= st.blocks || this.streams.every((s) => s.done);
    return false;
  }

  async sendLoop(sp: Stream): Promise<void> {
    const st = this.st;
    const task = this.task;
    const buf = new Uint8Array(st.blksize);
    for (let i = 0; i < buf.length; i += 4) {
      const r = this.rng.next();
      buf[i] = r;
      buf[i + 1] = r >>> 8;
      buf[i + 2] = r >>> 16;
      buf[i + 3] = r >>> 24;
    }
    const view = new DataView(buf.buffer);
    try {
      while (!this.done) {
        if (st.bytes > 0 && this.bytesSent >= st.bytes) break;
        if (st.blocks > 0 && this.blocksSent >= st.blocks) break;
        let sent = buf.length;
        if (st.udp) {
          if (st.rate > 0 && sp.bytes * 8 >= st.rate * this.now()) {
            await sys.poll(task, [], 1_000_000);
            continue;
          }
          const wall = sys.clockGettime(task, sys.CLOCK_REALTIME);
          const us = Math.floor(wall / 1000);
          view.setUint32(0, Math.floor(us / 1e6));
          view.setUint32(4, us % 1e6);
          view.setUint32(8, sp.packets + 1);
          try {
            sys.send(task, sp.fd, buf);
          } catch (e) {
            if (!(e instanceof SystemError && (e.code === 'ENOBUFS' || e.code === 'EAGAIN' || e.code === 'ECONNREFUSED'))) throw e;
          }
          sp.packets++;
          sp.ivPackets++;
        } else {
          // iperf3 waits for writability with a timeout (select()), so a stream whose peer
          // stopped reading still sees the end of the test. A block once started is
          // finished even when the test ends meanwhile: a real iperf3 receiver (3.12's
          // client in -R mode) reads whole blocks with Nread() on a blocking socket and
          // would wait for ever for the rest of a cut block. That client drains the
          // streams after TEST_END, but a few MB queued here may take it a while on a
          // loaded machine: only a peer that lets the socket stay unwritable for
          // END_BLOCK_PATIENCE_NS after the end cuts the block.
          let off = 0;
          let stuckSince = -1;
          while (off < buf.length && !(off === 0 && this.done)) {
            try {
              off += sys.sendto(task, sp.fd, off === 0 ? buf : buf.subarray(off), null, MSG_DONTWAIT);
              stuckSince = -1;
            } catch (e) {
              if (!(e instanceof SystemError && e.code === 'EAGAIN')) throw e;
              const ready = await sys.poll(task, [{ fd: sp.fd, events: POLLOUT }], 100_000_000);
              if (ready === 0 && this.done) {
                const now = sys.clockGettime(task);
                if (stuckSince < 0) stuckSince = now;
                else if (now - stuckSince >= END_BLOCK_PATIENCE_NS) break;
              }
            }
          }
          if (off === 0) break;
          sent = off;
        }
        sp.bytes += sent;
        sp.ivBytes += sent;
        this.bytesSent += sent;
        this.blocksSent++;
        await this.yieldIfFrozen();
      }
    } catch {
      /* the peer went away: the control connection says why */
    }
    sp.done = true;
    sp.endTime = this.now();
  }

  async recvLoop(sp: Stream): Promise<void> {
    const st = this.st;
    const task = this.task;
    const buf = new Uint8Array(st.udp ? MAX_UDP_BLOCKSIZE : Math.max(st.blksize, 65536));
    const view = new DataView(buf.buffer);
    try {
      while (!this.done) {
        let n: number;
        try {
          // Non-blocking reads and a poll with a timeout (iperf3's select()): the loop sees the end of the test.
          n = sys.recvfromNow(task, sp.fd, buf, MSG_DONTWAIT);
        } catch (e) {
          if (e instanceof SystemError && e.code === 'EAGAIN') {
            await sys.poll(task, [{ fd: sp.fd, events: POLLIN }], 100_000_000);
            continue;
          }
          throw e;
        }
        if (n <= 0 && !st.udp) break;
        sp.bytes += n;
        sp.ivBytes += n;
        this.bytesReceived += n;
        if (st.udp && n >= 12) {
          sp.packets++;
          sp.ivPackets++;
          const sent = view.getUint32(0) + view.getUint32(4) / 1e6;
          const pcount = view.getUint32(8);
          const arrival = sys.clockGettime(task, sys.CLOCK_REALTIME) / NSEC;
          // iperf_udp_recv(): RFC 1889 jitter and sequence accounting.
          const transit = arrival - sent;
          const d = Math.abs(transit - sp.prevTransit);
          sp.prevTransit = transit;
          sp.jitter += (d - sp.jitter) / 16;
          if (pcount >= sp.packetCount + 1) {
            if (pcount > sp.packetCount + 1) sp.cntError += pcount - 1 - sp.packetCount;
            sp.packetCount = pcount;
          } else {
            sp.outOfOrder++;
            if (sp.cntError > 0) sp.cntError--;
          }
        }
      }
    } catch {
      /* reset by the peer */
    }
    sp.done = true;
    sp.endTime = this.now();
  }

  tcpInfo(fd: number): Record<string, number> | null {
    try {
      const v = sys.getsockopt(this.task, fd, SOL_TCP, TCP_INFO);
      return v && typeof v === 'object' ? (v as Record<string, number>) : null;
    } catch {
      return null;
    }
  }

  /* ---------------------------------------------------------------- */
  /* reports                                                           */

  printIntervalHeader(): void {
    const st = this.st;
    if (st.interval <= 0) return;
    if (st.udp) this.out(this.sending ? HDR_UDP_SENDER : HDR_UDP);
    else this.out(this.sending ? HDR_BW_RETRANS_CWND : HDR_BW);
  }

  /** iperf_stats_callback() + iperf_print_intermediate(). */
  intervalReport(now: number, last = false): void {
    const st = this.st;
    const start = this.lastIntervalEnd;
    if (last && now - start < 1e-6 && this.streams.every((s) => s.ivBytes === 0)) return;
    for (const sp of this.streams) {
      const r: IntervalResult = { start, end: now, bytes: sp.ivBytes, packets: sp.ivPackets, retrans: 0, sndCwnd: 0,
        sndWnd: 0, rtt: 0, rttvar: 0, pmtu: 0, jitter: sp.jitter, lost: 0, outOfOrder: 0 };
      if (!st.udp && sp.sender) {
        const ti = this.tcpInfo(sp.fd);
        if (ti) {
          const tot = ti.tcpi_total_retrans ?? 0;
          if (sp.retransBase < 0) sp.retransBase = 0;
          r.retrans = tot - sp.ivRetransBase;
          sp.ivRetransBase = tot;
          sp.retrans = tot;
          r.sndCwnd = (ti.tcpi_snd_cwnd ?? 0) * (ti.tcpi_snd_mss ?? 0);
          r.sndWnd = ti.tcpi_snd_wnd ?? 0;
          r.rtt = ti.tcpi_rtt ?? 0;
          r.rttvar = ti.tcpi_rttvar ?? 0;
          r.pmtu = ti.tcpi_pmtu ?? 0;
          sp.maxSndCwnd = Math.max(sp.maxSndCwnd, r.sndCwnd);
          sp.maxSndWnd = Math.max(sp.maxSndWnd, r.sndWnd);
          sp.maxRtt = Math.max(sp.maxRtt, r.rtt);
          sp.minRtt = sp.rttCount ? Math.min(sp.minRtt, r.rtt) : r.rtt;
          sp.sumRtt += r.rtt;
          sp.rttCount++;
        }
      }
      if (st.udp && !sp.sender) {
        r.lost = sp.cntError - sp.ivCntErrorBase;
        r.packets = sp.packetCount - sp.ivPacketCountBase;
        r.outOfOrder = sp.outOfOrder - sp.ivOutOfOrderBase;
        sp.ivCntErrorBase = sp.cntError;
        sp.ivPacketCountBase = sp.packetCount;
        sp.ivOutOfOrderBase = sp.outOfOrder;
      }
      sp.intervals.push(r);
      sp.ivBytes = 0;
      sp.ivPackets = 0;
    }
    this.lastIntervalEnd = now;
    if (st.interval <= 0 || !this.streams.length) return;
    const all = this.streams.map((s) => s.intervals[s.intervals.length - 1]!);
    const sending = this.sending;
    const fmt = st.format;
    let text = '';
    for (let i = 0; i < this.streams.length; i++) {
      const sp = this.streams[i]!;
      const r = all[i]!;
      if (st.udp) {
        text += sending ? lineUdpSender(sp.fd, r.start, r.end, r.bytes, fmt, r.packets, '')
          : lineUdp(sp.fd, r.start, r.end, r.bytes, fmt, r.jitter * 1000, r.lost, r.packets, '');
      } else if (sending) {
        text += lineRetransCwnd(sp.fd, r.start, r.end, r.bytes, fmt, r.retrans, r.sndCwnd);
      } else {
        text += lineBw(sp.fd, r.start, r.end, r.bytes, fmt, '');
      }
    }
    if (this.streams.length > 1) {
      const bytes = all.reduce((a, r) => a + r.bytes, 0);
      const r0 = all[0]!;
      if (st.udp) {
        const packets = all.reduce((a, r) => a + r.packets, 0);
        text += sending ? lineUdpSender('SUM', r0.start, r0.end, bytes, fmt, packets, '')
          : lineUdp('SUM', r0.start, r0.end, bytes, fmt, (all.reduce((a, r) => a + r.jitter, 0) / all.length) * 1000,
            all.reduce((a, r) => a + r.lost, 0), packets, '');
      } else if (sending) {
        text += lineRetrans('SUM', r0.start, r0.end, bytes, fmt, all.reduce((a, r) => a + r.retrans, 0), '');
      } else {
        text += lineBw('SUM', r0.start, r0.end, bytes, fmt, '');
      }
      text += SEPARATOR;
    }
    this.out(text);
    this.jsonIntervals.push(new JObj({
      streams: this.streams.map((sp, i) => intervalJson(sp, all[i]!, st.udp)),
      sum: intervalSumJson(all, sending, st.udp, !st.udp && sending),
    }));
  }

  /** This side's results JSON (iperf: send_results()). */
  results(): JObj {
    const st = this.st;
    const sending = this.sending;
    const o = new JObj({ cpu_util_total: 0, cpu_util_user: 0, cpu_util_system: 0 });
    o.set('sender_has_retransmits', st.udp ? 0 : sending ? 1 : U64_MAX);
    if (!st.udp) {
      this.congestion = this.readCongestion();
      o.set('congestion_used', this.congestion);
    }
    o.set('streams', this.streams.map((sp) => new JObj({
      id: sp.id, bytes: sp.bytes, retransmits: !st.udp && sp.sender ? sp.retrans : U64_MAX,
      jitter: sp.sender ? 0 : sp.jitter, errors: sp.sender ? 0 : sp.cntError, packets: sp.sender ? sp.packets : sp.packetCount,
      start_time: 0, end_time: usec(sp.endTime),
    })));
    return o;
  }

  readCongestion(): string {
    if (!this.streams.length) return '';
    try {
      const v = sys.getsockopt(this.task, this.streams[0]!.fd, SOL_TCP, TCP_CONGESTION);
      if (typeof v === 'string') return v.replace(/\0.*$/, '');
      if (v instanceof Uint8Array) return new TextDecoder().decode(v).replace(/\0.*$/, '');
    } catch { /* none */ }
    return '';
  }

  takePeerResults(j: Record<string, unknown> | null): void {
    if (!j) throw new IperfError('unable to receive results');
    const streams = Array.isArray(j.streams) ? (j.streams as Record<string, unknown>[]) : [];
    this.peer = {
      senderHasRetransmits: jnum(j.sender_has_retransmits),
      congestion: typeof j.congestion_used === 'string' ? j.congestion_used : '',
      streams: streams.map((s) => ({ id: jnum(s.id), bytes: jnum(s.bytes), retrans: jnum(s.retransmits),
        jitter: jnum(s.jitter), errors: jnum(s.errors), packets: jnum(s.packets), endTime: jnum(s.end_time) })),
    };
  }

  /** iperf_print_results(): the client prints both ends of every stream, the server its own. */
  printResults(): void {
    const st = this.st;
    const fmt = st.format;
    const sending = this.sending;
    const client = !st.server;
    const peerOf = (sp: Stream): PeerStream | undefined => this.peer?.streams.find((p) => p.id === sp.id);
    let text = this.streams.length > 1 ? '' : SEPARATOR;
    const tcpSenderShown = !st.udp && (sending || client);
    text += st.udp ? HDR_UDP : tcpSenderShown ? HDR_BW_RETRANS : HDR_BW;
    const jStreams: JsonValue[] = [];
    let sumSent = 0;
    let sumRecv = 0;
    let sumRetr = 0;
    let sentEnd = 0;
    let recvEnd = 0;
    let sumPackets = 0;
    let sumLost = 0;
    let sumJitter = 0;
    for (const sp of this.streams) {
      const p = peerOf(sp);
      // The sender's and the receiver's figures, whichever end measured them.
      const snd = sp.sender ? { bytes: sp.bytes, end: sp.endTime, retr: sp.retrans, packets: sp.packets }
        : { bytes: p?.bytes ?? 0, end: p?.endTime ?? 0, retr: p?.retrans ?? 0, packets: p?.packets ?? 0 };
      const rcv = sp.sender ? { bytes: p?.bytes ?? 0, end: p?.endTime ?? 0, jitter: p?.jitter ?? 0, lost: p?.errors ?? 0,
        packets: p?.packets ?? 0 }
        : { bytes: sp.bytes, end: sp.endTime, jitter: sp.jitter, lost: sp.cntError, packets: sp.packetCount };
      sumSent += snd.bytes;
      sumRecv += rcv.bytes;
      sumRetr += Math.max(0, snd.retr);
      sentEnd = Math.max(sentEnd, snd.end);
      recvEnd = Math.max(recvEnd, rcv.end);
      sumPackets += snd.packets;
      sumLost += rcv.lost;
      sumJitter += rcv.jitter;
      const showSender = client || sp.sender;
      const showReceiver = client || !sp.sender;
      if (st.udp) {
        if (showSender) text += lineUdp(sp.fd, 0, snd.end, snd.bytes, fmt, 0, 0, snd.packets, 'sender');
        if (showReceiver) text += lineUdp(sp.fd, 0, rcv.end, rcv.bytes, fmt, rcv.jitter * 1000, rcv.lost, rcv.packets, 'receiver');
        jStreams.push(new JObj({ udp: endJson(sp.fd, sp.sender ? snd.end : rcv.end, sp.sender ? snd.bytes : rcv.bytes, [
          ['jitter_ms', rcv.jitter * 1000], ['lost_packets', rcv.lost], ['packets', sp.sender ? snd.packets : rcv.packets],
          ['lost_percent', rcv.packets ? (rcv.lost * 100) / rcv.packets : 0], ['out_of_order', sp.outOfOrder]], sp.sender) }));
      } else {
        if (showSender) text += lineRetrans(sp.fd, 0, snd.end, snd.bytes, fmt, Math.max(0, snd.retr), 'sender');
        if (showReceiver) text += lineBw(sp.fd, 0, rcv.end, rcv.bytes, fmt, 'receiver');
        const s = new JObj();
        s.set('sender', endJson(sp.fd, snd.end, snd.bytes, [['retransmits', Math.max(0, snd.retr)],
          ['max_snd_cwnd', sp.maxSndCwnd], ['max_snd_wnd', sp.maxSndWnd], ['max_rtt', sp.maxRtt], ['min_rtt', sp.minRtt],
          ['mean_rtt', sp.rttCount ? Math.floor(sp.sumRtt / sp.rttCount) : 0]], sending));
        s.set('receiver', endJson(sp.fd, rcv.end, rcv.bytes, [], sending, snd.end));
        jStreams.push(s);
      }
    }
    if (this.streams.length > 1) {
      if (st.udp) {
        if (client || sending) text += lineUdp('SUM', 0, sentEnd, sumSent, fmt, 0, 0, sumPackets, 'sender');
        if (client || !sending) {
          text += lineUdp('SUM', 0, recvEnd, sumRecv, fmt, (sumJitter / this.streams.length) * 1000, sumLost,
            this.streams.reduce((a, sp) => a + (sp.sender ? peerOf(sp)?.packets ?? 0 : sp.packetCount), 0), 'receiver');
        }
      } else {
        if (client || sending) text += lineRetrans('SUM', 0, sentEnd, sumSent, fmt, sumRetr, 'sender');
        if (client || !sending) text += lineBw('SUM', 0, recvEnd, sumRecv, fmt, 'receiver');
      }
    }
    this.out(text);
    const sum = (end: number, bytes: number, extra: [string, JsonValue][]): JObj => {
      const o = new JObj({ start: 0, end: usec(end), seconds: usec(end), bytes, bits_per_second: end > 0 ? (bytes * 8) / end : 0 });
      for (const [k, v] of extra) o.set(k, v);
      return o.set('sender', sending);
    };
    const e = this.jsonEnd;
    e.set('streams', jStreams);
    if (st.udp) {
      const udpExtra = (jit: number, lost: number, packets: number): [string, JsonValue][] => [['jitter_ms', jit],
        ['lost_packets', lost], ['packets', packets], ['lost_percent', packets ? (lost * 100) / packets : 0]];
      e.set('sum', sum(recvEnd, sumRecv, udpExtra((sumJitter / Math.max(1, this.streams.length)) * 1000, sumLost, sumPackets)));
      e.set('sum_sent', sum(sentEnd, sumSent, udpExtra(0, 0, sumPackets)));
      e.set('sum_received', sum(recvEnd, sumRecv, udpExtra((sumJitter / Math.max(1, this.streams.length)) * 1000, sumLost,
        sumPackets)));
    } else {
      e.set('sum_sent', sum(sentEnd, sumSent, [['retransmits', sumRetr]]));
      e.set('sum_received', sum(recvEnd, sumRecv, []));
    }
    e.set('cpu_utilization_percent', new JObj({ host_total: 0, host_user: 0, host_system: 0, remote_total: 0,
      remote_user: 0, remote_system: 0 }));
    if (!st.udp) {
      const mine = this.congestion || this.readCongestion();
      const theirs = this.peer?.congestion ?? '';
      e.set('sender_tcp_congestion', sending ? mine : theirs).set('receiver_tcp_congestion', sending ? theirs : mine);
    }
  }

  document(): JObj {
    return new JObj().set('start', this.jsonStart).set('intervals', this.jsonIntervals).set('end', this.jsonEnd);
  }
}
