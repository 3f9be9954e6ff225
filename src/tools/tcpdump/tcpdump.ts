/**
 * tcpdump (tcpdump 4.99 over libpcap 1.10's Linux backend, pcap-linux.c), as a
 * userspace program over an AF_PACKET socket: `-i DEV|any`, `-c N`, `-n`/`-nn`,
 * `-e`, `-q`, `-v`, `-l`, `-p`, `-s N`, `-w FILE`, `-r FILE`, and a filter
 * expression (the subset in filter.ts). Like libpcap it opens a SOCK_RAW packet
 * socket bound to the device (SOCK_DGRAM for `any`, whose frames are printed the
 * way tcpdump prints LINUX_SLL2), makes the device promiscuous through
 * PACKET_ADD_MEMBERSHIP (not with -p, never for `any`), asks for SO_TIMESTAMPNS,
 * and at the end reads PACKET_STATISTICS for the "received by filter" / "dropped
 * by kernel" lines.
 *
 * Differences: timestamps print in UTC (the simulated host has no time zone);
 * `-w` writes classic pcap with microsecond timestamps like tcpdump (the lab
 * capture writes pcapng); `-r` reads pcap and pcapng. A kill (EINTR) ends the
 * capture with the summary and status 0, as SIGINT does.
 */
import { readHostFile, writeHostFile, type ToolContext } from '../tool.js';
import * as sys from '../../socket/syscalls.js';
import {
  AF_PACKET, SOCK_RAW, SOCK_DGRAM, SOL_PACKET, SOL_SOCKET, type SockaddrLl,
} from '../../socket/socket.js';
import { SystemError, EISDIR, strerror } from '../../socket/errno.js';
import {
  PACKET_ADD_MEMBERSHIP, PACKET_MR_PROMISC, PACKET_STATISTICS, SO_TIMESTAMPNS, SCM_TIMESTAMPNS,
  type TpacketStats, type Timespec,
} from '../../packet/af_packet.js';
import { SIOCGIFINDEX, SIOCGIFNAME, SIOCGIFFLAGS, type Ifreq } from '../../core/dev_ioctl.js';
import { Printer, type PrintOptions } from './print.js';
import { compileFilter, type FilterFn } from './filter.js';
import { PcapWriter, readPcap } from '../pcap.js';
import { readPcapng } from '../pcapng.js';

const ETH_P_ALL = 0x0003;
const IFF_UP = 0x1;
const IFF_LOOPBACK = 0x8;
const LINKTYPE_ETHERNET = 1;
const LINKTYPE_LINUX_SLL2 = 276;
const PACKET_OUTGOING = 4;

const VERSION_LINES = 'tcpdump version 4.99.3\nlibpcap version 1.10.3 (with TPACKET_V3)\n';
const USAGE = `${VERSION_LINES}Usage: tcpdump [-AbdDefhHIJKlLnNOpqStuUvxX#] [ -B size ] [ -c count ] [--count]
\t\t[ -C file_size ] [ -E algo:secret ] [ -F file ] [ -G seconds ]
\t\t[ -i interface ] [ --immediate-mode ] [ -j tstamptype ]
\t\t[ -M secret ] [ --number ] [ --print ] [ -Q in|out|inout ]
\t\t[ -r file ] [ -s snaplen ] [ -T type ] [ --version ]
\t\t[ -V file ] [ -w file ] [ -W filecount ] [ -y datalinktype ]
\t\t[ --time-stamp-precision precision ] [ --micro ] [ --nano ]
\t\t[ -z postrotate-command ] [ -Z user ] [ expression ]
`;

interface Args {
  iface: string | null;
  count: number;
  print: PrintOptions;
  promisc: boolean;
  snaplen: number;
  wfile: string | null;
  rfile: string | null;
  expr: string[];
}

function plural(n: number): string {
  return n === 1 ? '' : 's';
}

/** "HH:MM:SS.uuuuuu" (UTC) of a realtime timestamp. */
export function formatTimestamp(sec: number, nsec: number): string {
  const d = sec % 86400;
  const p = (v: number): string => String(v).padStart(2, '0');
  return `${p(Math.floor(d / 3600))}:${p(Math.floor((d % 3600) / 60))}:${p(d % 60)}.${String(Math.floor(nsec / 1000)).padStart(6, '0')}`;
}

/** getopt-style parsing of tcpdump's flags; returns an error message for bad usage. */
function parseArgs(argv: string[]): Args | string {
  const a: Args = {
    iface: null, count: -1, print: { nflag: 0, eflag: false, qflag: false, vflag: 0 }, promisc: true,
    snaplen: 262144, wfile: null, rfile: null, expr: [],
  };
  let i = 1;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      i++;
      break;
    }
    if (arg.startsWith('--')) {
      if (arg === '--immediate-mode' || arg === '--print') continue;
      return `tcpdump: unrecognized option '${arg}'\n`;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    for (let j = 1; j < arg.length; j++) {
      const c = arg[j]!;
      const needs = 'icwrsCBFGMQTVWyzZEjA'.includes(c) && c !== 'A';
      if (needs) {
        let v = arg.slice(j + 1);
        if (v === '') {
          if (i + 1 >= argv.length) return `tcpdump: option requires an argument -- '${c}'\n`;
          v = argv[++i]!;
        }
        if (c === 'i') a.iface = v;
        else if (c === 'c') {
          if (!/^\d+$/.test(v) || Number(v) <= 0) return `tcpdump: invalid packet count ${v}\n`;
          a.count = Number(v);
        } else if (c === 'w') a.wfile = v;
        else if (c === 'r') a.rfile = v;
        else if (c === 's') {
          if (!/^\d+$/.test(v)) return `tcpdump: invalid snaplen ${v}\n`;
          a.snaplen = Number(v) === 0 ? 262144 : Number(v);
        }
        break;
      }
      switch (c) {
        case 'n': a.print.nflag++; break;
        case 'e': a.print.eflag = true; break;
        case 'q': a.print.qflag = true; break;
        case 'v': a.print.vflag++; break;
        case 'p': a.promisc = false; break;
        case 'l': case 'U': case 'S': case 't': case 'x': case 'X': case 'A': case 'K': case 'N': break;
        default: return `tcpdump: invalid option -- '${c}'\n`;
      }
    }
  }
  a.expr = argv.slice(i);
  return a;
}

/** Print a received frame as tcpdump does, after its timestamp. */
function formatFrame(pr: Printer, any: boolean, data: Uint8Array, origLen: number, ll: SockaddrLl, ifname: string): string {
  if (!any) return pr.ether(data, origLen);
  // LINUX_SLL2 (the `any` device): "IFNAME DIR " then the network layer.
  const dir = ll.pktType === PACKET_OUTGOING ? 'Out' : ll.pktType === 0 ? 'In ' : ll.pktType === 1 ? 'B  ' : ll.pktType === 2 ? 'M  ' : 'P  ';
  let s = `${ifname} ${dir} `;
  const len = origLen + 20;
  if (pr.o.eflag) {
    const mac = ll.addr.length === 6 ? pr.mac(ll.addr, 0) : '';
    s += `ifindex ${ll.ifindex} ${mac ? mac + ' ' : ''}ethertype ${pr.ethertypeName(ll.protocol)}, length ${len}: `;
    const body = pr.ethertype(ll.protocol, data, 0, origLen, data.length);
    return s + (body ?? '');
  }
  const body = pr.ethertype(ll.protocol, data, 0, origLen, data.length);
  return s + (body ?? `ethertype ${pr.ethertypeName(ll.protocol)}, length ${len}: `);
}

/** pcap_open_offline / pcap_dump_open failed: "tcpdump: FILE: strerror" as libpcap words it. */
function fileError(ctx: ToolContext, path: string, e: unknown): number {
  const msg = e instanceof SystemError ? strerror(e.errno) : String((e as Error).message);
  ctx.stderr.write(`tcpdump: ${path}: ${msg}\n`);
  return 1;
}

/** `tcpdump -r FILE`: print a saved capture (pcap or pcapng). */
function readSaved(ctx: ToolContext, a: Args, filter: FilterFn | null): number {
  let bytes: Uint8Array;
  try {
    bytes = readHostFile(ctx, a.rfile!);
  } catch (e) {
    // A directory opens (fopen) and fails at the first read, which libpcap reports so.
    if (e instanceof SystemError && e.errno === -EISDIR) {
      ctx.stderr.write(`tcpdump: error reading dump file: ${strerror(EISDIR)}\n`);
      return 1;
    }
    return fileError(ctx, a.rfile!, e);
  }
  let packets: { tsNs: bigint; data: Uint8Array; origLen: number }[];
  let snaplen = 262144;
  try {
    if (bytes.length >= 4 && bytes[0] === 0x0a && bytes[1] === 0x0d && bytes[2] === 0x0d && bytes[3] === 0x0a) {
      const f = readPcapng(bytes);
      packets = f.packets;
      snaplen = f.interfaces[0]?.snaplen ?? snaplen;
    } else {
      const f = readPcap(bytes);
      packets = f.packets;
      snaplen = f.snaplen;
    }
  } catch {
    ctx.stderr.write(`tcpdump: ${a.rfile}: unknown file format\n`);
    return 1;
  }
  ctx.stderr.write(`reading from file ${a.rfile}, link-type EN10MB (Ethernet), snapshot length ${snaplen}\n`);
  const pr = new Printer(a.print);
  let n = 0;
  for (const p of packets) {
    if (filter && !filter(p.data, -1)) continue;
    const sec = Number(p.tsNs / 1000000000n);
    const nsec = Number(p.tsNs % 1000000000n);
    ctx.stdout.write(`${formatTimestamp(sec, nsec)} ${pr.ether(p.data, p.origLen)}\n`);
    if (a.count > 0 && ++n >= a.count) break;
  }
  return 0;
}

export async function tcpdumpMain(ctx: ToolContext): Promise<number> {
  const a = parseArgs(ctx.argv);
  if (typeof a === 'string') {
    ctx.stderr.write(a + USAGE);
    return 1;
  }
  let filter: FilterFn | null = null;
  if (a.expr.length) {
    const f = compileFilter(a.expr.join(' '));
    if (typeof f === 'string') {
      ctx.stderr.write(`tcpdump: ${f}\n`);
      return 1;
    }
    filter = f;
  }
  if (a.rfile !== null) return readSaved(ctx, a, filter);
  const t = ctx.task;
  // Default device: the first up, non-loopback interface (pcap_lookupdev), else "any".
  let iface = a.iface;
  if (iface === null) iface = defaultDevice(ctx) ?? 'any';
  const any = iface === 'any';
  const fd = sys.socket(t, AF_PACKET, any ? SOCK_DGRAM : SOCK_RAW, ETH_P_ALL);
  try {
    let ifindex = 0;
    if (!any) {
      try {
        ifindex = (sys.ioctl(t, fd, SIOCGIFINDEX, { name: iface } satisfies Ifreq) as Ifreq).ifindex!;
      } catch {
        ctx.stderr.write(`tcpdump: ${iface}: No such device exists\n(No such device exists)\n`);
        return 1;
      }
    }
    sys.bind(t, fd, { family: AF_PACKET, protocol: ETH_P_ALL, ifindex, hatype: 0, pktType: 0, addr: new Uint8Array(0) });
    if (!any && a.promisc) sys.setsockopt(t, fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, { ifindex, type: PACKET_MR_PROMISC });
    sys.setsockopt(t, fd, SOL_SOCKET, SO_TIMESTAMPNS, 1);
    let wpath: string | null = null;
    const chunks: Uint8Array[] = [];
    let writer: PcapWriter | null = null;
    if (a.wfile !== null) {
      wpath = a.wfile;
      try {
        writeHostFile(ctx, wpath, new Uint8Array(0));
      } catch (e) {
        return fileError(ctx, a.wfile, e);
      }
      writer = new PcapWriter((c) => chunks.push(c.slice()), any ? LINKTYPE_LINUX_SLL2 : LINKTYPE_ETHERNET, a.snaplen);
    }
    if (any) ctx.stderr.write('tcpdump: data link type LINUX_SLL2\n');
    if (!a.print.vflag && writer === null) ctx.stderr.write('tcpdump: verbose output suppressed, use -v[v]... for full protocol decode\n');
    ctx.stderr.write(any ? `listening on any, link-type LINUX_SLL2 (Linux cooked v2), snapshot length ${a.snaplen} bytes\n`
      : `listening on ${iface}, link-type EN10MB (Ethernet), snapshot length ${a.snaplen} bytes\n`);
    const pr = new Printer(a.print);
    const names = new Map<number, string>();
    let captured = 0;
    let status = 0;
    for (;;) {
      let r;
      try {
        r = await sys.recvmsg(t, fd, a.snaplen);
      } catch (e) {
        const code = e instanceof SystemError ? e.code : '';
        if (code === 'EINTR') {
          ctx.stdout.write('\n');
          break;
        }
        if (code === 'ENETDOWN') {
          let gone = false;
          try {
            sys.ioctl(t, fd, SIOCGIFINDEX, { name: iface });
          } catch {
            gone = true;
          }
          ctx.stderr.write(`tcpdump: pcap_loop: ${gone ? 'The interface disappeared' : 'The interface went down'}\n`);
          status = 1;
          break;
        }
        throw e;
      }
      const ll = r.addr as SockaddrLl;
      if (filter && !filter(r.data, any ? ll.protocol : -1)) continue;
      const ts = (r.cmsgs.find((c) => c.level === SOL_SOCKET && c.type === SCM_TIMESTAMPNS)?.data ?? { tvSec: 0, tvNsec: 0 }) as Timespec;
      captured++;
      if (writer) {
        const tsNs = BigInt(ts.tvSec) * 1000000000n + BigInt(ts.tvNsec);
        writer.writePacket(tsNs, any ? sll2Header(ll, r.data) : r.data, any ? r.fullLength + 20 : r.fullLength);
      } else {
        let ifname = '';
        if (any) {
          ifname = names.get(ll.ifindex) ?? '';
          if (!ifname) {
            try {
              ifname = (sys.ioctl(t, fd, SIOCGIFNAME, { ifindex: ll.ifindex }) as Ifreq).name!;
            } catch {
              ifname = `#${ll.ifindex}`;
            }
            names.set(ll.ifindex, ifname);
          }
        }
        ctx.stdout.write(`${formatTimestamp(ts.tvSec, ts.tvNsec)} ${formatFrame(pr, any, r.data, r.fullLength, ll, ifname)}\n`);
      }
      if (a.count > 0 && captured >= a.count) break;
    }
    if (writer && wpath) {
      const total = chunks.reduce((n, c) => n + c.length, 0);
      const buf = new Uint8Array(total);
      let o = 0;
      for (const c of chunks) {
        buf.set(c, o);
        o += c.length;
      }
      try {
        writeHostFile(ctx, wpath, buf);
      } catch (e) {
        status = fileError(ctx, wpath, e);
      }
    }
    const st = sys.getsockopt(t, fd, SOL_PACKET, PACKET_STATISTICS) as TpacketStats;
    ctx.stderr.write(`${captured} packet${plural(captured)} captured\n`);
    ctx.stderr.write(`${st.tpPackets} packet${plural(st.tpPackets)} received by filter\n`);
    ctx.stderr.write(`${st.tpDrops} packet${plural(st.tpDrops)} dropped by kernel\n`);
    return status;
  } finally {
    sys.close(t, fd);
  }
}

/** A LINUX_SLL2 header in front of a cooked frame (for -w on `any`). */
function sll2Header(ll: SockaddrLl, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(20 + data.length);
  out[0] = ll.protocol >> 8;
  out[1] = ll.protocol & 0xff;
  out[4] = (ll.ifindex >>> 24) & 0xff;
  out[5] = (ll.ifindex >>> 16) & 0xff;
  out[6] = (ll.ifindex >>> 8) & 0xff;
  out[7] = ll.ifindex & 0xff;
  out[8] = ll.hatype >> 8;
  out[9] = ll.hatype & 0xff;
  out[10] = ll.pktType;
  out[11] = ll.addr.length;
  out.set(ll.addr.subarray(0, 8), 12);
  out.set(data, 20);
  return out;
}

/** pcap_lookupdev(): the first interface that is up and not loopback, from /proc/net/dev order. */
function defaultDevice(ctx: ToolContext): string | null {
  let text: string;
  try {
    text = sys.readFile(ctx.task, '/proc/net/dev');
  } catch {
    return null;
  }
  const fd = sys.socket(ctx.task, AF_PACKET, SOCK_DGRAM, 0);
  try {
    for (const line of text.split('\n').slice(2)) {
      const name = line.split(':')[0]!.trim();
      if (!name) continue;
      const f = (sys.ioctl(ctx.task, fd, SIOCGIFFLAGS, { name }) as Ifreq).flags!;
      if (f & IFF_UP && !(f & IFF_LOOPBACK)) return name;
    }
  } catch {
    return null;
  } finally {
    sys.close(ctx.task, fd);
  }
  return null;
}
