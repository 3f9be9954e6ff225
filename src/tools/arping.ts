/**
 * `arping` as Debian 12's iputils-arping (iputils 20221126) has it: send ARP
 * requests from a packet socket (PF_PACKET, SOCK_DGRAM, bound to ETH_P_ARP on
 * one interface) and print the replies. It is the lab scripts' traffic source
 * because it exists on both sides: it needs no IPv4 stack in duplicate address
 * detection mode (`arping -D -I DEV ADDR`: sender address 0.0.0.0), so the same
 * line puts the same broadcast frames on the wire on tuxnet and on a Linux host.
 *
 * Behaviour follows iputils arping.c: option letters `bfDUAqc:w:i:s:I:Vh`; the
 * device checks (`Device X not available.`, `Interface "X" is down`, `Interface
 * "X" is not ARPable`); the probe loop (first probe at once, then one per
 * interval tick until `-c` probes were sent, `-w` seconds passed, a reply ends a
 * DAD run, or a signal arrives); the `Sent N probes (M broadcast(s))` /
 * `Received N response(s)` summary and the exit status of finish(). Modes that
 * need an IPv4 socket (without -D, or -D with -s) open one exactly as arping
 * does: a UDP socket bound to the device, connected to the target with
 * SO_DONTROUTE so the kernel picks the source address. Without -I, arping asks
 * the routing table for the device (RTM_GETROUTE); that is not done here yet
 * (arping then fails as iputils does when the answer cannot be parsed).
 */
import type { ToolContext } from './tool.js';
import * as sys from '../socket/syscalls.js';
import { SystemError, strerror, EINTR, ENODEV } from '../socket/errno.js';
import {
  AF_PACKET, AF_INET, PF_PACKET, SOCK_DGRAM, POLLIN, SOL_SOCKET, SO_BINDTODEVICE, SO_DONTROUTE, type SockaddrLl, type SockaddrIn,
} from '../socket/socket.js';
import { SIOCGIFINDEX, SIOCGIFFLAGS, type Ifreq } from '../core/dev_ioctl.js';
import { ETH_P_ARP } from '../core/dev.js';
import { IFF_UP, IFF_NOARP, IFF_LOOPBACK } from '../core/netdevice.js';
import { PACKET_HOST, PACKET_BROADCAST, PACKET_MULTICAST } from '../core/skbuff.js';

const ARPHRD_ETHER = 1;
const ARPHRD_AX25 = 3;
const ARPHRD_NETROM = 0;
const ARPHRD_FDDI = 774;
const AX25_P_IP = 0xcc;
const ETH_P_IP = 0x0800;
const ARPOP_REQUEST = 1;
const ARPOP_REPLY = 2;
const FINAL_PACKS = 2;
const NSEC_PER_SEC = 1_000_000_000;

const USAGE = `
Usage:
  arping [options] <destination>

Options:
  -f            quit on first reply
  -q            be quiet
  -b            keep on broadcasting, do not unicast
  -D            duplicate address detection mode
  -U            unsolicited ARP mode, update your neighbours
  -A            ARP answer mode, update your neighbours
  -V            print version and exit
  -c <count>    how many packets to send
  -w <timeout>  how long to wait for a reply
  -i <interval> set interval between packets (default: 1 second)
  -I <device>   which ethernet device to use
  -s <source>   source IP address
  <destination> DNS name or IP address

For more details see arping(8).
`;

/** Thrown to end the program with a status (arping calls exit() from deep inside). */
class Exit {
  constructor(readonly status: number) {}
}

/** glibc inet_aton(): a.b.c.d, a.b.c (c 16 bits), a.b (b 24 bits), a (32 bits); decimal, 0x hex, 0 octal. */
export function inetAton(s: string): number | null {
  const parts = s.split('.');
  if (parts.length < 1 || parts.length > 4) return null;
  const nums: number[] = [];
  for (const p of parts) {
    let v: number;
    if (/^0[xX][0-9a-fA-F]*$/.test(p)) v = p.length > 2 ? parseInt(p.slice(2), 16) : 0;
    else if (/^0[0-7]*$/.test(p)) v = parseInt(p, 8);
    else if (/^[1-9][0-9]*$/.test(p)) v = parseInt(p, 10);
    else return null;
    nums.push(v);
  }
  const last = nums.pop()!;
  for (const n of nums) if (n > 255) return null;
  const lastMax = [0xffffffff, 0xffffff, 0xffff, 0xff][nums.length]!;
  if (last > lastMax) return null;
  let addr = 0;
  nums.forEach((n, i) => { addr += n * 2 ** (24 - 8 * i); });
  return (addr + last) >>> 0;
}

function ntoa(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

function hex(b: Uint8Array, off: number, len: number): string {
  const out: string[] = [];
  for (let i = 0; i < len; i++) out.push(b[off + i]!.toString(16).toUpperCase().padStart(2, '0'));
  return out.join(':');
}

function errnoOf(e: unknown): number {
  return e instanceof SystemError ? -e.errno : 5;
}

interface RunState {
  device: string | null;
  ifindex: number;
  source: string | null;
  gsrc: number;
  gdst: number;
  count: number;
  timeout: number;
  interval: number;
  fd: number;
  me: SockaddrLl;
  he: SockaddrLl;
  last: number;
  lastSet: boolean;
  sent: number;
  brdSent: number;
  received: number;
  brdRecv: number;
  reqRecv: number;
  advert: boolean;
  broadcastOnly: boolean;
  dad: boolean;
  quiet: boolean;
  quitOnReply: boolean;
  unicasting: boolean;
  unsolicited: boolean;
}

/** iputils strtol_or_err(). */
function numArg(ctx: ToolContext, s: string, min: number, max: number): number {
  if (!/^\s*[+-]?[0-9]+$/.test(s)) {
    ctx.stderr.write(`arping: invalid argument: '${s}'\n`);
    throw new Exit(1);
  }
  const v = Number(s);
  if (v < min || v > max) {
    ctx.stderr.write(`arping: invalid argument: '${s}': Numerical result out of range\n`);
    throw new Exit(1);
  }
  return v;
}

export async function arpingMain(ctx: ToolContext): Promise<number> {
  try {
    return await arping(ctx);
  } catch (e) {
    if (e instanceof Exit) return e.status;
    throw e;
  }
}

async function arping(ctx: ToolContext): Promise<number> {
  const task = ctx.task;
  const out = (t: string): void => ctx.stdout.write(t);
  const die = (status: number, msg: string, err?: number): never => {
    ctx.stderr.write(`arping: ${msg}${err ? ': ' + strerror(err) : ''}\n`);
    throw new Exit(status);
  };
  const usage = (): never => {
    ctx.stderr.write(USAGE);
    throw new Exit(2);
  };
  const ctl: RunState = {
    device: null, ifindex: 0, source: null, gsrc: 0, gdst: 0, count: -1, timeout: 0, interval: 1, fd: -1,
    me: { family: AF_PACKET, protocol: 0, ifindex: 0, hatype: 0, pktType: 0, addr: new Uint8Array(0) },
    he: { family: AF_PACKET, protocol: 0, ifindex: 0, hatype: 0, pktType: 0, addr: new Uint8Array(0) },
    last: 0, lastSet: false, sent: 0, brdSent: 0, received: 0, brdRecv: 0, reqRecv: 0,
    advert: false, broadcastOnly: false, dad: false, quiet: false, quitOnReply: false, unicasting: false, unsolicited: false,
  };

  // getopt(argc, argv, "h?bfDUAqc:w:i:s:I:V"), with glibc's argument permutation.
  const operands: string[] = [];
  const argv = ctx.argv.slice(1);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      operands.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      operands.push(a);
      continue;
    }
    for (let j = 1; j < a.length; j++) {
      const ch = a[j]!;
      if ('cwisI'.includes(ch)) {
        let val = a.slice(j + 1);
        if (val === '') {
          if (i + 1 >= argv.length) {
            ctx.stderr.write(`arping: option requires an argument -- '${ch}'\n`);
            return usage();
          }
          val = argv[++i]!;
        }
        if (ch === 'c') ctl.count = numArg(ctx, val, 1, 0x7fffffff);
        else if (ch === 'w') ctl.timeout = numArg(ctx, val, 0, 0x7fffffff);
        else if (ch === 'i') ctl.interval = numArg(ctx, val, 0, 0x7fffffff);
        else if (ch === 's') ctl.source = val;
        else ctl.device = val;
        break;
      }
      switch (ch) {
        case 'b': ctl.broadcastOnly = true; break;
        case 'D': ctl.dad = true; ctl.quitOnReply = true; break;
        case 'U': ctl.unsolicited = true; break;
        case 'A': ctl.advert = true; ctl.unsolicited = true; break;
        case 'q': ctl.quiet = true; break;
        case 'f': ctl.quitOnReply = true; break;
        case 'V':
          out('arping from iputils 20221126\nlibcap: yes, IDN: yes, NLS: no, error.h: yes, getrandom(): yes, __fpending(): yes\n');
          return 0;
        case 'h': case '?':
          return usage();
        default:
          ctx.stderr.write(`arping: invalid option -- '${ch}'\n`);
          return usage();
      }
    }
  }
  if (operands.length !== 1) return usage();

  try {
    ctl.fd = sys.socket(task, PF_PACKET, SOCK_DGRAM, 0);
  } catch (e) {
    return die(2, 'socket', errnoOf(e));
  }
  const target = operands[0]!;
  if (ctl.device === '') ctl.device = null;
  const dst = inetAton(target);
  if (dst === null) return die(2, `${target}: Name or service not known`);
  ctl.gdst = dst;

  if (ctl.device === null) {
    // guess_device(): RTM_GETROUTE for the target; tuxnet has no IPv4 routes yet.
    return die(1, 'NETLINK_ROUTE unexpected iov element');
  }
  checkDevice(ctx, ctl);
  if (!ctl.ifindex) return die(2, `Device ${ctl.device} not available.`);

  if (ctl.source !== null) {
    const s = inetAton(ctl.source);
    if (s === null) return die(2, `invalid source ${ctl.source}`);
    ctl.gsrc = s;
  }
  if (!ctl.dad && ctl.unsolicited && ctl.source === null) ctl.gsrc = ctl.gdst;
  if (!ctl.dad || ctl.source !== null) {
    // The probe socket that checks (or finds) the source address: an IPv4 UDP socket
    // bound to the device; connecting it to the target with SO_DONTROUTE makes the
    // kernel pick the source address an on-link route to the target would use.
    let probe: number;
    try {
      probe = sys.socket(task, AF_INET, SOCK_DGRAM, 0);
    } catch (e) {
      return die(2, 'socket', errnoOf(e));
    }
    try {
      if (ctl.device !== null) {
        try {
          sys.setsockopt(task, probe, SOL_SOCKET, SO_BINDTODEVICE, ctl.device);
        } catch (e) {
          return die(2, 'setsockopt(SO_BINDTODEVICE)', errnoOf(e));
        }
      }
      if (ctl.source !== null || ctl.gsrc) {
        try {
          sys.bind(task, probe, { family: AF_INET, port: 0, addr: ctl.gsrc });
        } catch (e) {
          return die(2, 'bind', errnoOf(e));
        }
      } else if (!ctl.dad) {
        if (!ctl.unsolicited) {
          try {
            sys.setsockopt(task, probe, SOL_SOCKET, SO_DONTROUTE, 1);
          } catch (e) {
            ctx.stderr.write(`arping: WARNING: setsockopt(SO_DONTROUTE): ${strerror(errnoOf(e))}\n`);
          }
          try {
            await sys.connect(task, probe, { family: AF_INET, port: 1025, addr: ctl.gdst });
          } catch (e) {
            return die(2, 'connect', errnoOf(e));
          }
          try {
            ctl.gsrc = (sys.getsockname(task, probe) as SockaddrIn).addr;
          } catch (e) {
            return die(2, 'getsockname', errnoOf(e));
          }
        }
      }
    } finally {
      sys.close(task, probe);
    }
  }

  try {
    sys.bind(task, ctl.fd, { family: AF_PACKET, protocol: ETH_P_ARP, ifindex: ctl.ifindex, hatype: 0, pktType: 0, addr: new Uint8Array(0) });
  } catch (e) {
    return die(2, 'bind', errnoOf(e));
  }
  try {
    ctl.me = sys.getsockname(task, ctl.fd) as SockaddrLl;
  } catch (e) {
    return die(2, 'getsockname', errnoOf(e));
  }
  if (ctl.me.addr.length === 0) {
    if (!ctl.quiet) out(`Interface "${ctl.device}" is not ARPable (no ll address)\n`);
    throw new Exit(ctl.dad ? 0 : 2);
  }
  // find_broadcast_address(): the device's broadcast address (all ones on Ethernet).
  ctl.he = { ...ctl.me, addr: new Uint8Array(ctl.me.addr.length).fill(0xff) };

  if (!ctl.quiet) out(`ARPING ${ntoa(ctl.gdst)} from ${ntoa(ctl.gsrc)} ${ctl.device}\n`);
  if (ctl.source === null && !ctl.gsrc && !ctl.dad) return die(2, 'no source address in not-DAD mode');

  return eventLoop(ctx, ctl);
}

/** check_device() + check_ifflags() for the -I device. */
function checkDevice(ctx: ToolContext, ctl: RunState): void {
  const task = ctx.task;
  let ifr: Ifreq;
  try {
    ifr = sys.ioctl(task, ctl.fd, SIOCGIFINDEX, { name: ctl.device! }) as Ifreq;
  } catch (e) {
    if (errnoOf(e) === ENODEV) return;
    throw e;
  }
  const flags = (sys.ioctl(task, ctl.fd, SIOCGIFFLAGS, { name: ctl.device! }) as Ifreq).flags ?? 0;
  if (!(flags & IFF_UP)) {
    if (!ctl.quiet) ctx.stdout.write(`Interface "${ctl.device}" is down\n`);
    throw new Exit(2);
  }
  if (flags & (IFF_NOARP | IFF_LOOPBACK)) {
    if (!ctl.quiet) ctx.stdout.write(`Interface "${ctl.device}" is not ARPable\n`);
    throw new Exit(ctl.dad ? 0 : 2);
  }
  ctl.ifindex = ifr.ifindex ?? 0;
}

/** send_pack(): one ARP request (or reply with -A) to the broadcast (or learned) address. */
function sendPack(ctx: ToolContext, ctl: RunState): void {
  const hln = ctl.me.addr.length;
  const buf = new Uint8Array(8 + 2 * (hln + 4));
  let hrd = ctl.me.hatype;
  if (hrd === ARPHRD_FDDI) hrd = ARPHRD_ETHER;
  const pro = hrd === ARPHRD_AX25 || hrd === ARPHRD_NETROM ? AX25_P_IP : ETH_P_IP;
  const op = ctl.advert ? ARPOP_REPLY : ARPOP_REQUEST;
  buf[0] = hrd >> 8; buf[1] = hrd & 255;
  buf[2] = pro >> 8; buf[3] = pro & 255;
  buf[4] = hln; buf[5] = 4;
  buf[6] = 0; buf[7] = op;
  let p = 8;
  buf.set(ctl.me.addr, p); p += hln;
  const put32 = (v: number): void => {
    buf[p++] = v >>> 24; buf[p++] = (v >>> 16) & 255; buf[p++] = (v >>> 8) & 255; buf[p++] = v & 255;
  };
  put32(ctl.gsrc);
  buf.set(ctl.advert ? ctl.me.addr : ctl.he.addr, p); p += hln;
  put32(ctl.gdst);
  const now = sys.clockGettime(ctx.task);
  let n: number;
  try {
    n = sys.sendto(ctx.task, ctl.fd, buf, { ...ctl.he, protocol: ETH_P_ARP });
  } catch {
    return; // arping ignores send errors (the count of sent probes just does not move)
  }
  if (n === buf.length) {
    ctl.last = now;
    ctl.lastSet = true;
    ctl.sent++;
    if (!ctl.unicasting) ctl.brdSent++;
  }
}

/** recv_pack(): 1 when the packet counted, FINAL_PACKS when arping should stop, 0 otherwise. */
function recvPack(ctx: ToolContext, ctl: RunState, b: Uint8Array, from: SockaddrLl): number {
  const ts = sys.clockGettime(ctx.task);
  if (from.pktType !== PACKET_HOST && from.pktType !== PACKET_BROADCAST && from.pktType !== PACKET_MULTICAST) return 0;
  if (b.length < 8) return 0;
  const hrd = (b[0]! << 8) | b[1]!;
  const pro = (b[2]! << 8) | b[3]!;
  const hln = b[4]!;
  const pln = b[5]!;
  const op = (b[6]! << 8) | b[7]!;
  if (op !== ARPOP_REQUEST && op !== ARPOP_REPLY) return 0;
  if (hrd !== from.hatype && (from.hatype !== ARPHRD_FDDI || hrd !== ARPHRD_ETHER)) return 0;
  if (hrd === ARPHRD_AX25 || hrd === ARPHRD_NETROM) {
    if (pro !== AX25_P_IP) return 0;
  } else if (pro !== ETH_P_IP) {
    return 0;
  }
  if (pln !== 4) return 0;
  const myLen = ctl.me.addr.length;
  if (hln !== myLen) return 0;
  if (b.length < 8 + 2 * (4 + hln)) return 0;
  const get32 = (o: number): number => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
  const sha = 8;
  const srcIp = get32(8 + hln);
  const tha = 8 + hln + 4;
  const dstIp = get32(8 + hln + 4 + hln);
  const sameAsMe = (off: number): boolean => {
    for (let i = 0; i < hln; i++) if (b[off + i] !== ctl.me.addr[i]) return false;
    return true;
  };
  if (!ctl.dad) {
    if (srcIp !== ctl.gdst) return 0;
    if (ctl.gsrc !== dstIp) return 0;
    if (!sameAsMe(tha)) return 0;
  } else {
    // DAD: a request/reply from the tested address, from another hardware address.
    if (srcIp !== ctl.gdst) return 0;
    if (sameAsMe(sha)) return 0;
    if (ctl.gsrc && ctl.gsrc !== dstIp) return 0;
  }
  if (!ctl.quiet) {
    let line = `${from.pktType === PACKET_HOST ? 'Unicast' : 'Broadcast'} `;
    line += `${op === ARPOP_REPLY ? 'reply' : 'request'} from `;
    line += `${ntoa(srcIp)} [${hex(b, sha, hln)}] `;
    let sPrinted = false;
    if (dstIp !== ctl.gsrc) {
      line += `for ${ntoa(dstIp)} `;
      sPrinted = true;
    }
    if (!sameAsMe(tha)) {
      if (!sPrinted) line += 'for ';
      line += `[${hex(b, tha, hln)}]`;
    }
    if (ctl.lastSet) {
      let usecs = Math.trunc((ts - ctl.last + 500) / 1000);
      const msecs = Math.trunc((usecs + 500) / 1000);
      usecs -= msecs * 1000 - 500;
      line += ` ${msecs}.${String(usecs).padStart(3, '0')}ms\n`;
    } else {
      line += ' UNSOLICITED?\n';
    }
    ctx.stdout.write(line);
  }
  ctl.received++;
  if (ctl.timeout && ctl.received === ctl.count) return FINAL_PACKS;
  if (from.pktType !== PACKET_HOST) ctl.brdRecv++;
  if (op === ARPOP_REQUEST) ctl.reqRecv++;
  if (ctl.quitOnReply || (ctl.count === 0 && ctl.received === ctl.sent)) return FINAL_PACKS;
  if (!ctl.broadcastOnly) {
    ctl.he = { ...ctl.he, addr: b.slice(sha, sha + myLen) };
    ctl.unicasting = true;
  }
  return 1;
}

/** event_loop(): the interval timer, the -w timeout, signals and the socket. */
async function eventLoop(ctx: ToolContext, ctl: RunState): Promise<number> {
  const task = ctx.task;
  const start = sys.clockGettime(task);
  const intervalNs = ctl.interval * NSEC_PER_SEC;
  let nextTick = ctl.interval > 0 ? start + intervalNs : Infinity;
  const deadline = ctl.timeout > 0 ? start + ctl.timeout * NSEC_PER_SEC : Infinity;
  let totalExpires = 1;
  let exitLoop = false;
  sendPack(ctx, ctl);
  while (!exitLoop) {
    if (ctl.sent === ctl.count && ctl.unsolicited) break;
    const wakeAt = Math.min(nextTick, deadline);
    let revents: number;
    try {
      revents = await sys.pollIn(task, ctl.fd, wakeAt === Infinity ? Infinity : Math.max(0, wakeAt - sys.clockGettime(task)));
    } catch (e) {
      if (errnoOf(e) === EINTR) break; // SIGINT/SIGQUIT/SIGTERM: print the summary
      ctx.stderr.write(`arping: poll failed: ${strerror(errnoOf(e))}\n`);
      break;
    }
    const now = sys.clockGettime(task);
    if (now >= nextTick) {
      const exp = Math.floor((now - nextTick) / intervalNs) + 1;
      totalExpires += exp;
      nextTick += exp * intervalNs;
      if (ctl.count > 0 && ctl.count < totalExpires) exitLoop = true;
      else sendPack(ctx, ctl);
    }
    if (now >= deadline) exitLoop = true;
    if (revents & POLLIN) {
      let r;
      try {
        r = sys.recvmsgNow(task, ctl.fd, 4096);
      } catch (e) {
        const err = errnoOf(e);
        ctx.stderr.write(`arping: recvfrom: ${strerror(err)}\n`);
        if (err === 100 /* ENETDOWN */) return 2;
        continue;
      }
      if (r && r.addr && r.addr.family === AF_PACKET && recvPack(ctx, ctl, r.data, r.addr) === FINAL_PACKS) exitLoop = true;
    }
  }
  sys.close(task, ctl.fd);
  return finish(ctx, ctl);
}

/** finish(): the summary and arping's exit status. */
function finish(ctx: ToolContext, ctl: RunState): number {
  if (!ctl.quiet) {
    let s = `Sent ${ctl.sent} probes (${ctl.brdSent} broadcast(s))\nReceived ${ctl.received} response(s)`;
    if (ctl.brdRecv || ctl.reqRecv) {
      s += ' (';
      if (ctl.reqRecv) s += `${ctl.reqRecv} request(s)`;
      if (ctl.brdRecv) s += `${ctl.reqRecv ? ', ' : ''}${ctl.brdRecv} broadcast(s)`;
      s += ')';
    }
    ctx.stdout.write(s + '\n');
  }
  if (ctl.dad) return ctl.received ? 1 : 0;
  if (ctl.unsolicited) return 0;
  if (ctl.timeout && ctl.count > 0 && !ctl.quitOnReply) return ctl.count <= ctl.received ? 0 : 1;
  return ctl.received ? 0 : 1;
}
