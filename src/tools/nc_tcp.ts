/**
 * The TCP half of `nc` (netcat-openbsd 1.219-1 as Debian 12 ships it: netcat.c
 * local_listen(), remote_connect(), readwrite(), report_sock(), connection_info());
 * option parsing and UDP are in nc.ts, which documents the behaviour.
 */
import { type ToolContext, readInputBytes, writeOutputBytes } from './tool.js';
import * as sys from '../socket/syscalls.js';
import { SystemError, strerror } from '../socket/errno.js';
import { AF_INET, SOCK_STREAM, SOL_SOCKET, SO_REUSEADDR, POLLIN, SHUT_WR, type SockaddrIn } from '../socket/socket.js';
import { TCP_SERVICES } from './lib/services.js';
import { NcExit, parseIp, ipStr } from './nc_common.js';
import { connectStream, writeAll, readSome } from './iperf3/io.js';

const NSEC = 1_000_000_000;
/** Bytes per read(2) from the connection (netcat.c reads BUFSIZE = 16384; more is fewer wake-ups here). */
const NC_BUFSIZE = 128 * 1024;
const SO_REUSEPORT = 15;

export interface NcTcpOptions {
  listen: boolean;
  keep: boolean;
  verbose: boolean;
  zero: boolean;
  numeric: boolean;
  shutdownWr: boolean;
  srcAddr: number | null;
  srcPort: number | null;
  quitAfter: number;
  timeoutSec: number;
  rest: string[];
  usage: string;
}

/** Ports of the command line: "80", "20-25" (nc's build_ports()). */
function buildPorts(s: string): number[] | null {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s);
  if (!m) return null;
  let lo = Number(m[1]);
  let hi = m[2] !== undefined ? Number(m[2]) : lo;
  if (lo > hi) [lo, hi] = [hi, lo];
  if (lo < 1 || hi > 65535) return null;
  const out: number[] = [];
  for (let p = lo; p <= hi; p++) out.push(p);
  return out;
}

/** getnameinfo() in a namespace without DNS: /etc/hosts knows 127.0.0.1 only. */
function hostName(addr: number, numeric: boolean): string | null {
  if (numeric) return ipStr(addr);
  return addr === 0x7f000001 ? 'localhost' : null;
}

export async function ncTcp(ctx: ToolContext, o: NcTcpOptions): Promise<number> {
  const err = (s: string): void => ctx.stderr.write(s);
  const task = ctx.task;
  const die = (msg: string): never => {
    err(`nc: ${msg}\n`);
    throw new NcExit(1);
  };
  const rest = o.rest;
  if (o.listen) {
    let host: string | null = null;
    let portStr: string;
    if (rest.length === 1) portStr = rest[0]!;
    else if (rest.length === 2) [host, portStr] = [rest[0]!, rest[1]!];
    else if (rest.length === 0 && o.srcPort !== null) portStr = String(o.srcPort);
    else {
      err(o.usage);
      return 1;
    }
    const port = Number(portStr);
    if (!/^\d+$/.test(portStr) || port < 1 || port > 65535) die(`port number invalid: ${portStr}`);
    const addr = host === null ? (o.srcAddr ?? 0) : parseIp(host);
    if (addr === null) die(`getaddrinfo for host "${host}" port ${portStr}: Temporary failure in name resolution`);
    const fd = sys.socket(task, AF_INET, SOCK_STREAM, 0);
    try {
      sys.setsockopt(task, fd, SOL_SOCKET, SO_REUSEADDR, 1);
      sys.setsockopt(task, fd, SOL_SOCKET, SO_REUSEPORT, 1);
      sys.bind(task, fd, { family: AF_INET, addr: addr!, port });
      sys.listen(task, fd, 1);
    } catch (e) {
      if (e instanceof SystemError) die(strerror(e.errno));
      throw e;
    }
    if (o.verbose) {
      const name = hostName(addr!, o.numeric);
      err(name === null ? 'nc: getnameinfo: Temporary failure in name resolution\n' : `Listening on ${name} ${port}\n`);
    }
    for (;;) {
      if (o.timeoutSec >= 0) {
        const r = await sys.poll(task, [{ fd, events: POLLIN }], o.timeoutSec * NSEC);
        if (r === 0) break;
      }
      const a = await sys.accept(task, fd);
      if (o.verbose) {
        const peer = a.addr as SockaddrIn | null;
        const name = peer ? hostName(peer.addr, o.numeric) : null;
        err(name === null || !peer ? 'nc: getnameinfo: Temporary failure in name resolution\n'
          : `Connection received on ${name} ${peer.port}\n`);
      }
      await readwrite(ctx, a.fd, o, !o.keep);
      sys.close(task, a.fd);
      if (!o.keep) break;
    }
    sys.close(task, fd);
    return 0;
  }
  if (rest.length < 2) {
    err(o.usage);
    return 1;
  }
  const host = rest[0]!;
  const daddr = parseIp(host);
  if (daddr === null) die(`getaddrinfo for host "${host}" port ${rest[1]}: Temporary failure in name resolution`);
  const ports: number[] = [];
  for (const p of rest.slice(1)) {
    const list = buildPorts(p);
    if (!list) die(`port range not valid: ${p}`);
    ports.push(...list!);
  }
  let status = 1;
  for (const port of ports) {
    const fd = sys.socket(task, AF_INET, SOCK_STREAM, 0);
    try {
      if (o.srcAddr !== null || o.srcPort !== null) {
        sys.setsockopt(task, fd, SOL_SOCKET, SO_REUSEADDR, 1);
        sys.bind(task, fd, { family: AF_INET, addr: o.srcAddr ?? 0, port: o.srcPort ?? 0 });
      }
    } catch (e) {
      if (e instanceof SystemError) die(strerror(e.errno));
      throw e;
    }
    let failed: string | null = null;
    try {
      if (o.timeoutSec >= 0) sys.setsockopt(task, fd, SOL_SOCKET, 21 /* SO_SNDTIMEO */, o.timeoutSec * NSEC);
      await connectStream(task, fd, { family: AF_INET, addr: daddr!, port });
    } catch (e) {
      if (!(e instanceof SystemError)) throw e;
      failed = strerror(e.code === 'EINPROGRESS' || e.code === 'EAGAIN' ? 110 : e.errno);
    }
    if (failed !== null) {
      if (o.verbose) err(`nc: connect to ${host} port ${port} (tcp) failed: ${failed}\n`);
      sys.close(task, fd);
      continue;
    }
    status = 0;
    if (o.verbose) err(`Connection to ${host} ${port} port [tcp/${TCP_SERVICES[port] ?? '*'}] succeeded!\n`);
    if (!o.zero) await readwrite(ctx, fd, o, true);
    sys.close(task, fd);
  }
  return status;
}

/**
 * readwrite(): stdin to the connection, the connection to stdout, until the peer
 * closes (or -q N seconds after stdin's EOF, or -w N idle seconds).
 */
async function readwrite(ctx: ToolContext, fd: number, o: NcTcpOptions, useStdin: boolean): Promise<void> {
  const task = ctx.task;
  // Bytes in, bytes out: binary data passes unchanged when stdout takes bytes (a file).
  const dec = new TextDecoder('utf-8');
  const buf = new Uint8Array(NC_BUFSIZE);
  let netOpen = true;
  let netError = false;
  const drainNet = async (): Promise<void> => {
    for (;;) {
      const r = await sys.poll(task, [{ fd, events: POLLIN }], 0);
      if (r === 0) return;
      let n: number;
      try {
        n = await readSome(task, fd, buf);
      } catch {
        n = 0;
        netError = true;
      }
      if (n <= 0) {
        netOpen = false;
        return;
      }
      writeOutputBytes(ctx.stdout, buf.subarray(0, n), dec);
    }
  };
  if (useStdin && ctx.stdin) {
    for (;;) {
      const chunk = await readInputBytes(ctx.stdin);
      if (chunk === null) break;
      try {
        await writeAll(task, fd, chunk);
      } catch {
        netError = true;
        break;
      }
      await drainNet();
    }
    // EOF on stdin: -N sends our FIN.
    if (o.shutdownWr && !netError) {
      try {
        sys.shutdown(task, fd, SHUT_WR);
      } catch { /* not connected any more */ }
    }
  }
  if (netError) return;
  const quitAt = o.quitAfter >= 0 ? sys.clockGettime(task) + o.quitAfter * NSEC : Infinity;
  while (netOpen) {
    if (o.quitAfter === 0) break;
    let wait = quitAt - sys.clockGettime(task);
    if (o.timeoutSec >= 0) wait = Math.min(wait, o.timeoutSec * NSEC);
    if (wait <= 0) break;
    const r = await sys.poll(task, [{ fd, events: POLLIN }], wait);
    if (r === 0) {
      if (sys.clockGettime(task) >= quitAt || o.timeoutSec >= 0) break;
      continue;
    }
    await drainNet();
  }
  const tail = dec.decode();
  if (tail) ctx.stdout.write(tail);
}
