/**
 * `nc -u` as Debian 12's netcat-openbsd (OpenBSD netcat 1.219-1) behaves for UDP:
 *
 *   nc -u [-n] [-v] [-s addr] [-p port] [-q secs] [-w secs] host port
 *     connects a UDP socket, sends each chunk read from stdin as one datagram and
 *     copies every datagram received to stdout. After EOF on stdin: -q 0 quits,
 *     -q N quits N seconds later, no -q keeps reading the network. -w N ends after N
 *     idle seconds. A refused datagram (ICMP port unreachable -> ECONNREFUSED) ends
 *     the network side, as nc's poll() seeing POLLERR does. -v first probes the port
 *     with four "X" datagrams (udptest()) and prints "Connection to H P port
 *     [udp/SERVICE] succeeded!"; -z does only that.
 *   nc -u -l [-p] port | nc -u -l [addr] port
 *     binds (-v: "Bound on ADDR PORT"), waits for a datagram, connects to its
 *     sender (-v: "Connection received on ADDR PORT") unless -k, then copies as
 *     above; -W N ends after N datagrams.
 *
 * TCP (nc_tcp.ts):
 *   nc [-v] [-n] [-z] [-N] [-q secs] [-w secs] [-s addr] [-p port] host port[-port] ...
 *     connects (-v: "Connection to H P port [tcp/SERVICE] succeeded!", a failure
 *     "nc: connect to H port P (tcp) failed: STRERROR" with -v, exit 1), copies stdin
 *     to the connection and the connection to stdout until the peer closes; on EOF of
 *     stdin -N shuts the sending side down, -q N quits N seconds later; -z only
 *     connects (each port of a list or range); -w N gives up after N idle seconds.
 *   nc -l [-k] [-v] [-n] [addr] port | nc -l -p port
 *     binds and listens (-v: "Listening on ADDR PORT"), accepts a connection
 *     ("Connection received on HOST PORT") and copies as above; -k accepts again after
 *     each connection ends.
 *
 * Errors are printed as nc's err(1, ...): "nc: " + strerror, exit 1. Differences:
 * host names are not resolved (no resolver: "Temporary failure in name resolution",
 * as in a namespace without DNS: only 127.0.0.1 has a name, "localhost", from
 * /etc/hosts); stdin is read to its end before the network is waited on (tools'
 * stdin here is a finite buffer, not a terminal).
 */
import { type ToolContext, readInputBytes, writeOutputBytes } from './tool.js';
import * as sys from '../socket/syscalls.js';
import { SystemError, strerror } from '../socket/errno.js';
import { AF_INET, SOCK_DGRAM, POLLIN, MSG_PEEK, MSG_DONTWAIT, type SockaddrIn } from '../socket/socket.js';
import { getoptLong } from './lib/getopt.js';
import { UDP_SERVICES } from './lib/services.js';
import { ncTcp } from './nc_tcp.js';
import { NcExit, parseIp, ipStr, parsePort } from './nc_common.js';

const USAGE =
  'usage: nc [-46CDdFhklNnrStUuvZz] [-I length] [-i interval] [-M ttl]\n' +
  '\t  [-m minttl] [-O length] [-P proxy_username] [-p source_port]\n' +
  '\t  [-q seconds] [-s sourceaddr] [-T keyword] [-V rtable] [-W recvlimit]\n' +
  '\t  [-w timeout] [-X proxy_protocol] [-x proxy_address[:port]]\n' +
  '\t  [destination] [port]\n';

const NSEC = 1_000_000_000;
/** netcat.c BUFSIZE: one read(2) of stdin, so one datagram, carries at most this much. */
const NC_UDP_BUFSIZE = 16384;

export async function ncMain(ctx: ToolContext): Promise<number> {
  try {
    return await nc(ctx);
  } catch (e) {
    if (e instanceof NcExit) return e.code;
    throw e;
  }
}

async function nc(ctx: ToolContext): Promise<number> {
  const err = (s: string): void => ctx.stderr.write(s);
  const die = (msg: string): never => {
    err(`nc: ${msg}\n`);
    throw new NcExit(1);
  };
  const sysErr = (e: unknown): never => {
    if (e instanceof SystemError) die(strerror(e.errno));
    throw e;
  };
  const { opts, rest } = getoptLong(ctx.argv, '46bCDdFhI:i:klM:m:NnO:P:p:q:rSs:T:tUuV:vW:w:X:x:Zz', [], err, 'nc');
  let udp = false;
  let listen = false;
  let keep = false;
  let verbose = false;
  let zero = false;
  let srcPort: number | null = null;
  let srcAddr: number | null = null;
  let quitAfter = -1;
  let timeoutSec = -1;
  let recvLimit = -1;
  let broadcast = false;
  let numeric = false;
  let shutdownWr = false;
  for (const o of opts) {
    switch (o.opt) {
      case 'u': udp = true; break;
      case 'l': listen = true; break;
      case 'k': keep = true; break;
      case 'v': verbose = true; break;
      case 'z': zero = true; break;
      case 'n': numeric = true; break;
      case 'N': shutdownWr = true; break;
      case '4': case 'd': case 'D': case 'C': break;
      case 'b': broadcast = true; break;
      case 'p': {
        const p = parsePort(o.arg ?? '');
        if (p === null) die(`port number ${/^\d+$/.test(o.arg ?? '') ? 'too large' : 'invalid'}: ${o.arg}`);
        srcPort = p;
        break;
      }
      case 's': {
        const a = parseIp(o.arg ?? '');
        if (a === null) die(`getaddrinfo: Temporary failure in name resolution`);
        srcAddr = a;
        break;
      }
      case 'q': quitAfter = Number.parseInt(o.arg ?? '', 10); break;
      case 'w': {
        const w = Number.parseInt(o.arg ?? '', 10);
        if (!(w >= 0)) die(`timeout invalid: ${o.arg}`);
        timeoutSec = w;
        break;
      }
      case 'W': recvLimit = Number.parseInt(o.arg ?? '', 10); break;
      case 'h':
        err(USAGE);
        return 1;
      case '6':
        die('getaddrinfo: Address family for hostname not supported');
        break;
      default:
        if (o.opt === '?') {
          err(USAGE);
          return 1;
        }
        break;
    }
  }
  if (!udp) {
    return ncTcp(ctx, { listen, keep, verbose, zero, numeric, shutdownWr, srcAddr, srcPort, quitAfter, timeoutSec, rest, usage: USAGE });
  }
  const task = ctx.task;
  let host: string | null = null;
  let portStr: string | null = null;
  if (listen) {
    if (rest.length === 1) portStr = rest[0]!;
    else if (rest.length === 2) {
      host = rest[0]!;
      portStr = rest[1]!;
    } else if (rest.length === 0 && srcPort !== null) {
      portStr = String(srcPort);
      srcPort = null;
    } else {
      err(USAGE);
      return 1;
    }
  } else {
    if (rest.length !== 2) {
      err(USAGE);
      return 1;
    }
    host = rest[0]!;
    portStr = rest[1]!;
  }
  const port = parsePort(portStr);
  if (port === null) die(`port number invalid: ${portStr}`);
  const fd = sys.socket(task, AF_INET, SOCK_DGRAM, 0);
  if (broadcast) sys.setsockopt(task, fd, 1, 6 /* SO_BROADCAST */, 1);
  const out = new TextDecoder('utf-8');
  const buf = new Uint8Array(65536);
  const from: SockaddrIn = { family: AF_INET, addr: 0, port: 0 };

  if (listen) {
    const addr = host === null ? (srcAddr ?? 0) : parseIp(host);
    if (addr === null) die(`getaddrinfo for host "${host}" port ${portStr}: Temporary failure in name resolution`);
    try {
      sys.setsockopt(task, fd, 1, 2 /* SO_REUSEADDR */, 1);
      sys.setsockopt(task, fd, 1, 15 /* SO_REUSEPORT */, 1);
      sys.bind(task, fd, { family: AF_INET, addr: addr!, port: port! });
    } catch (e) {
      sysErr(e);
    }
    if (verbose) err(`Bound on ${ipStr(addr!)} ${port}\n`);
    // For UDP, wait for a datagram and connect to its sender.
    if (!(await waitReadable(ctx, fd, timeoutSec))) return 0;
    try {
      sys.recvfromNow(task, fd, buf, MSG_PEEK, from);
    } catch (e) {
      sysErr(e);
    }
    if (!keep) {
      try {
        await sys.connect(task, fd, { family: AF_INET, addr: from.addr, port: from.port });
      } catch (e) {
        sysErr(e);
      }
    }
    if (verbose) err(`Connection received on ${ipStr(from.addr)} ${from.port}\n`);
  } else {
    const daddr = parseIp(host!);
    if (daddr === null) die(`getaddrinfo for host "${host}" port ${portStr}: Temporary failure in name resolution`);
    try {
      if (srcAddr !== null || srcPort !== null) {
        sys.setsockopt(task, fd, 1, 2 /* SO_REUSEADDR */, 1);
        sys.bind(task, fd, { family: AF_INET, addr: srcAddr ?? 0, port: srcPort ?? 0 });
      }
      await sys.connect(task, fd, { family: AF_INET, addr: daddr!, port: port! });
    } catch (e) {
      sysErr(e);
    }
    if (verbose || zero) {
      // udptest(): a few writes to see if the UDP port is there.
      let ok = true;
      for (let i = 0; i <= 3; i++) {
        try {
          ok = sys.send(task, fd, new Uint8Array([0x58])) === 1;
        } catch {
          ok = false;
        }
      }
      if (!ok) return 1;
      if (verbose) err(`Connection to ${host} ${portStr} port [udp/${UDP_SERVICES[port!] ?? '*'}] succeeded!\n`);
      if (zero) return 0;
    }
  }

  // readwrite(): stdin to the network, the network to stdout.
  let received = 0;
  let netOpen = true;
  const drain = (): void => {
    for (;;) {
      let n: number;
      try {
        n = sys.recvfromNow(task, fd, buf, MSG_DONTWAIT, keep ? from : null);
      } catch (e) {
        if (e instanceof SystemError && e.code === 'EAGAIN') return;
        netOpen = false; // POLLERR (e.g. ECONNREFUSED): the network side is done
        return;
      }
      writeOutputBytes(ctx.stdout, buf.subarray(0, n), out);
      received++;
      if (recvLimit >= 0 && received >= recvLimit) throw new NcExit(0);
    }
  };
  drain();
  if (ctx.stdin) {
    for (;;) {
      const chunk = await readInputBytes(ctx.stdin);
      if (chunk === null) break;
      for (let off = 0; off < chunk.length; off += NC_UDP_BUFSIZE) {
        const dgram = chunk.subarray(off, off + NC_UDP_BUFSIZE);
        try {
          if (keep) sys.sendto(task, fd, dgram, { family: AF_INET, addr: from.addr, port: from.port });
          else sys.send(task, fd, dgram);
        } catch (e) {
          if (!(e instanceof SystemError && e.code === 'ECONNREFUSED')) sysErr(e);
          netOpen = false;
        }
        drain();
      }
    }
  }
  // EOF on stdin: -q N quits N seconds later, -q 0 at once; -w N after N idle seconds.
  const k = task.kernel;
  const quitAt = quitAfter >= 0 ? k.clock.now() + quitAfter * NSEC : Infinity;
  while (netOpen) {
    if (quitAfter === 0) break;
    const now = k.clock.now();
    let wait = quitAt - now;
    if (timeoutSec >= 0) wait = Math.min(wait, timeoutSec * NSEC);
    if (wait <= 0) break;
    const rev = await sys.poll(task, [{ fd, events: POLLIN }], wait);
    if (rev === 0) {
      if (k.clock.now() >= quitAt || timeoutSec >= 0) break;
      continue;
    }
    drain();
  }
  const tail = out.decode();
  if (tail) ctx.stdout.write(tail);
  sys.close(task, fd);
  return 0;
}

/** Wait until `fd` is readable: false on the -w timeout. */
async function waitReadable(ctx: ToolContext, fd: number, timeoutSec: number): Promise<boolean> {
  const r = await sys.poll(ctx.task, [{ fd, events: POLLIN }], timeoutSec >= 0 ? timeoutSec * NSEC : Infinity);
  return r > 0;
}
