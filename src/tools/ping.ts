/**
 * `ping` as Debian 12's iputils-ping (iputils 20221126) has it, IPv4 only: send ICMP
 * echo requests and report the replies, the errors, and the statistics. Userspace:
 * everything goes through the syscall layer.
 *
 * Behaviour follows iputils ping.c/ping_common.c: it tries a ping socket
 * (SOCK_DGRAM/IPPROTO_ICMP) first and falls back to a raw socket on EACCES, as the
 * default net.ipv4.ping_group_range ("1 0") refuses even root; the source address
 * comes from a UDP probe socket connected to the target (which is also where "Do you
 * want to ping broadcast? Then -b" comes from); the send loop is pinger()'s token
 * bucket over -i; the receive loop reads replies and, on POLLERR, the IP_RECVERR
 * error queue ("From X icmp_seq=N Destination Host Unreachable", "local error:
 * message too long, mtu=N"); statistics and exit status are finish()'s (0 with a
 * reply, 1 without, 2 on errors). Times come from clock_gettime on the task, so on a
 * virtual clock round trips over veth are 0.000 ms.
 *
 * Options: -4 -b -c -D -e -i -I -M do|want|dont|probe -n -p -q -Q -s -S -t -v -V -w -W
 * (-a -A -B -d -f -l -L -m -O -r -U -C parse and behave as iputils where it matters
 * here). No name resolution: a target must be an IPv4 address (a name fails as on a
 * host without DNS); IPv6, record route (-R) and timestamps (-T) are not supported.
 */
import type { ToolContext } from './tool.js';
import * as sys from '../socket/syscalls.js';
import {
  strerror, EACCES, EAFNOSUPPORT, EPROTONOSUPPORT, EAGAIN, EINTR, EMSGSIZE, EINVAL, EDESTADDRREQ, ERANGE,
} from '../socket/errno.js';
import {
  AF_INET, SOCK_DGRAM, SOCK_RAW, SOL_SOCKET, SO_BROADCAST, SO_BINDTODEVICE, SO_MARK, MSG_DONTWAIT,
  MSG_ERRQUEUE, type SockaddrIn, type RecvResult,
} from '../socket/socket.js';
import { IPPROTO_ICMP, IPPROTO_IP } from '../wire/iphdr.js';
import {
  ICMP_ECHO, ICMP_ECHOREPLY, ICMP_DEST_UNREACH, ICMP_SOURCE_QUENCH, ICMP_REDIRECT, ICMP_TIME_EXCEEDED,
  ICMP_PARAMETERPROB,
} from '../wire/icmphdr.js';
import { csumFold, csumPartial } from '../wire/checksum.js';
import {
  SOL_IP, IP_TOS, IP_TTL, IP_MTU_DISCOVER, IP_RECVERR, IP_RECVTTL, IP_RETOPTS, IP_MULTICAST_TTL, IP_MULTICAST_LOOP,
  IP_PMTUDISC_DO, IP_PMTUDISC_DONT, IP_PMTUDISC_WANT, IP_PMTUDISC_PROBE, SO_EE_ORIGIN_LOCAL, SO_EE_ORIGIN_ICMP,
  type SockExtendedErr,
} from '../ipv4/inet_sock.js';
import { inetAton } from './arping.js';
import {
  PingFuncSet, MAXIPLEN, MAXICMPLEN, MAX_DUP_CHK, IDENTIFIER_MAX, INT_MAX, TIMEVAL_LEN, ICMP_MAX_DATALEN,
  Exit, PingRts, errnoOf, fill, sockSetbufs, ntoa, setup, rcvdClear, u16, acknowledge, gettimeofday,
  printTimestamp, writeTimeval, isOurs, mainLoop, recvTime, gatherStatistics,
} from './ping_common.js';

/* Linux: SOL_RAW / ICMP_FILTER (raw sockets). */
const SOL_RAW = 255;
const ICMP_FILTER = 1;

const USAGE = `
Usage
  ping [options] <destination>

Options:
  <destination>      dns name or ip address
  -a                 use audible ping
  -A                 use adaptive ping
  -B                 sticky source address
  -c <count>         stop after <count> replies
  -C                 call connect() syscall on socket creation
  -D                 print timestamps
  -d                 use SO_DEBUG socket option
  -e <identifier>    define identifier for ping session, default is random for
                     SOCK_RAW and kernel defined for SOCK_DGRAM
                     Imply using SOCK_RAW (for IPv4 only for identifier 0)
  -f                 flood ping
  -h                 print help and exit
  -I <interface>     either interface name or address
  -i <interval>      seconds between sending each packet
  -L                 suppress loopback of multicast packets
  -l <preload>       send <preload> number of packages while waiting replies
  -m <mark>          tag the packets going out
  -M <pmtud opt>     define mtu discovery, can be one of <do|dont|want>
  -n                 no dns name resolution
  -O                 report outstanding replies
  -p <pattern>       contents of padding byte
  -q                 quiet output
  -Q <tclass>        use quality of service <tclass> bits
  -s <size>          use <size> as number of data bytes to be sent
  -S <size>          use <size> as SO_SNDBUF socket option value
  -t <ttl>           define time to live
  -U                 print user-to-user latency
  -v                 verbose output
  -V                 print version and exit
  -w <deadline>      reply wait <deadline> in seconds
  -W <timeout>       time to wait for response

IPv4 options:
  -4                 use IPv4
  -b                 allow pinging broadcast
  -R                 record route
  -T <timestamp>     define timestamp, can be one of <tsonly|tsandaddr|tsprespec>

IPv6 options:
  -6                 use IPv6
  -F <flowlabel>     define flow label, default is random
  -N <nodeinfo opt>  use icmp6 node info query, try <help> as argument

For more details see ping(8).
`;

const VERSION = 'ping from iputils 20221126\n' +
  'libcap: yes, IDN: yes, NLS: no, error.h: yes, getrandom(): yes, __fpending(): yes\n';

/** Linux userspace: the ones'-complement checksum of in_cksum(). */
function inCksum(buf: Uint8Array, off: number, len: number): number {
  return csumFold(csumPartial(buf, off, len));
}

export async function pingMain(ctx: ToolContext): Promise<number> {
  try {
    return await ping(ctx);
  } catch (e) {
    if (e instanceof Exit) return e.status;
    throw e;
  }
}

async function ping(ctx: ToolContext): Promise<number> {
  const task = ctx.task;
  const rts = new PingRts();
  rts.uid = (task as { uid?: number }).uid ?? 0;
  const out = (t: string): void => ctx.stdout.write(t);
  /** iputils error(status, errnum, fmt...): "ping: msg[: strerror]". */
  const error = (status: number, errnum: number, msg: string): void => {
    ctx.stderr.write(`ping: ${msg}${errnum ? ': ' + strerror(errnum) : ''}\n`);
    if (status) throw new Exit(status);
  };
  const usage = (): never => {
    ctx.stderr.write(USAGE);
    throw new Exit(2);
  };
  /** iputils strtol_or_err() / strtoul_or_err(). */
  const numArg = (s: string, min: number, max: number): number => {
    if (!/^\s*[+-]?[0-9]+$/.test(s)) error(1, 0, `invalid argument: '${s}'`);
    const v = Number(s);
    if (!Number.isSafeInteger(v)) error(1, ERANGE, `invalid argument: '${s}'`);
    if (v < min || v > max) error(1, 0, `invalid argument: '${s}': out of range: ${min} <= value <= ${max === 2 ** 63 - 1 ? '9223372036854775807' : max}`);
    return v;
  };
  /** ping_strtod(): garbage only warns (num is then what strtod read, 0 if nothing). */
  const strtodArg = (s: string, what: string): number => {
    const m = /^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/.exec(s);
    const num = m ? Number(m[1]) : 0;
    if (!m || m[0].length !== s.length) {
      error(0, 0, `option argument contains garbage: ${m ? s.slice(m[0].length) : s}`);
      error(0, 0, 'this will become fatal error in the future');
    }
    if (!Number.isFinite(num)) error(2, ERANGE, `${what}: ${s}`);
    return num;
  };

  // getopt(argc, argv, "h?" "4bRT:" "6F:N:" "aABc:CdDe:fi:I:l:Lm:M:nOp:qQ:rs:S:t:UvVw:W:")
  const withArg = 'TFNceiIlmMpQsStwW';
  const noArg = 'h?4bR6aABCdDfLnOqrUvV';
  const operands: string[] = [];
  const argv = ctx.argv.slice(1);
  let optVersion = false;
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
      let val: string | null = null;
      if (withArg.includes(ch)) {
        val = a.slice(j + 1);
        if (val === '') {
          if (i + 1 >= argv.length) {
            ctx.stderr.write(`ping: option requires an argument -- '${ch}'\n`);
            usage();
          }
          val = argv[++i]!;
        }
      } else if (!noArg.includes(ch)) {
        ctx.stderr.write(`ping: invalid option -- '${ch}'\n`);
        usage();
      }
      switch (ch) {
        case '4': break;
        case 'b': rts.broadcastPings = true; break;
        case 'e': rts.ident = numArg(val!, 0, IDENTIFIER_MAX); break;
        case 'R': case 'T': case '6': case 'F': case 'N':
          error(2, 0, `option -${ch} is not supported`);
          break;
        case 'a': rts.optAudible = true; break;
        case 'A': rts.optAdaptive = true; break;
        case 'B': rts.optStrictsource = true; break;
        case 'c': rts.npackets = numArg(val!, 1, 2 ** 63 - 1); break;
        case 'C': rts.optConnectSk = true; break;
        case 'd': rts.optSoDebug = true; break;
        case 'D': rts.optPtimeofday = true; break;
        case 'i': {
          const v = strtodArg(val!, 'bad timing interval');
          if (v < 0 || v > INT_MAX / 1000) error(2, 0, `bad timing interval: ${val}`);
          rts.interval = Math.trunc(v * 1000);
          rts.optInterval = true;
          break;
        }
        case 'I': {
          const addr = /^\d+\.\d+\.\d+\.\d+$/.test(val!) ? inetAton(val!) : null;
          if (addr !== null) {
            rts.source = addr;
            rts.optStrictsource = true;
          } else {
            rts.device = val!;
          }
          break;
        }
        case 'l':
          rts.preload = numArg(val!, 1, MAX_DUP_CHK);
          if (rts.uid && rts.preload > 3) error(2, 0, `cannot set preload to value greater than 3: ${rts.preload}`);
          break;
        case 'L': rts.optNoloop = true; break;
        case 'm': rts.mark = numArg(val!, 0, 0xffffffff); rts.optMark = true; break;
        case 'M':
          if (val === 'do') rts.pmtudisc = IP_PMTUDISC_DO;
          else if (val === 'dont') rts.pmtudisc = IP_PMTUDISC_DONT;
          else if (val === 'want') rts.pmtudisc = IP_PMTUDISC_WANT;
          else if (val === 'probe') rts.pmtudisc = IP_PMTUDISC_PROBE;
          else error(2, 0, `invalid -M argument: ${val}`);
          break;
        case 'n': rts.optNumeric = true; break;
        case 'O': rts.optOutstanding = true; break;
        case 'f':
          rts.optFlood = true;
          rts.optNumeric = true;
          break;
        case 'p':
          rts.optPingfilled = true;
          fill(rts, val!, out, error);
          break;
        case 'q': rts.optQuiet = true; break;
        case 'Q': rts.settos = parsetos(val!, error); break;
        case 'r': rts.optSoDontroute = true; break;
        case 's': rts.datalen = numArg(val!, 0, INT_MAX); break;
        case 'S': rts.sndbuf = numArg(val!, 1, INT_MAX); break;
        case 't': rts.ttl = numArg(val!, 0, 255); rts.optTtl = true; break;
        case 'U': rts.optLatency = true; break;
        case 'v': rts.optVerbose = true; break;
        case 'V': optVersion = true; break;
        case 'w': rts.deadline = numArg(val!, 0, INT_MAX); break;
        case 'W': {
          const v = strtodArg(val!, 'bad linger time');
          if (v < 0 || v > INT_MAX / 1000) error(2, 0, `bad linger time: ${val}`);
          rts.lingertime = Math.trunc(v * 1000);
          break;
        }
        default: usage();
      }
      if (val !== null) break;
    }
  }
  if (optVersion) {
    out(VERSION);
    return 0;
  }
  if (operands.length === 0) error(1, EDESTADDRREQ, 'usage error');
  const target = operands[operands.length - 1]!;

  // Create the socket: a ping socket, or raw when not allowed (or when -e 0).
  let socktype = rts.ident === 0 ? SOCK_RAW : SOCK_DGRAM;
  let fd = -1;
  let err = 0;
  if (socktype === SOCK_DGRAM) {
    try {
      fd = sys.socket(task, AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
    } catch (e) {
      err = errnoOf(e);
    }
  }
  if (fd < 0 && (socktype === SOCK_RAW || err === EACCES || err === EAFNOSUPPORT || err === EPROTONOSUPPORT)) {
    socktype = SOCK_RAW;
    try {
      fd = sys.socket(task, AF_INET, SOCK_RAW, IPPROTO_ICMP);
    } catch (e) {
      err = errnoOf(e);
    }
  }
  if (fd < 0) {
    error(0, 0, `socktype: ${socktype === SOCK_RAW ? 'SOCK_RAW' : 'SOCK_DGRAM'}`);
    error(0, err, 'socket');
    if (socktype === SOCK_RAW && rts.uid !== 0) error(0, 0, '=> missing cap_net_raw+p capability or setuid?');
    throw new Exit(2);
  }
  rts.fd = fd;
  rts.socktype = socktype;
  if (rts.datalen > ICMP_MAX_DATALEN) {
    error(1, 0, `invalid -s value: '${rts.datalen}': out of range: 0 <= value <= ${ICMP_MAX_DATALEN}`);
  }
  if (rts.settos) setOpt(task, fd, IPPROTO_IP, IP_TOS, rts.settos, error);

  // Only literal addresses: there is no resolver here.
  const addr = inetAton(target);
  if (addr === null) error(2, 0, `${target}: Temporary failure in name resolution`);
  try {
    return await ping4Run(ctx, rts, target, addr!, operands.length, out, error);
  } finally {
    try {
      sys.close(task, fd);
    } catch {
      // already closed
    }
  }
}

/** iputils parsetos(). */
function parsetos(str: string, error: (s: number, e: number, m: string) => void): number {
  let tos: number;
  let ok: boolean;
  if (/^0[xX]/.test(str)) {
    ok = /^0[xX][0-9a-fA-F]*$/.test(str);
    tos = parseInt(str.slice(2) || '0', 16);
  } else {
    ok = /^[+-]?\d+$/.test(str);
    tos = parseInt(str, 10);
  }
  if (!ok) error(2, 0, `bad TOS value: ${str}`);
  if (tos > 255) error(2, 0, `the decimal value of TOS bits must be in range 0-255: ${tos}`);
  return tos;
}

function setOpt(task: ToolContext['task'], fd: number, level: number, optname: number, value: unknown,
  error: (s: number, e: number, m: string) => void): void {
  try {
    sys.setsockopt(task, fd, level, optname, value);
  } catch (e) {
    error(2, errnoOf(e), 'setsockopt');
  }
}

/** iputils ping4_run(): everything between the socket and the main loop. */
async function ping4Run(ctx: ToolContext, rts: PingRts, target: string, addr: number, argc: number,
  out: (t: string) => void, error: (s: number, e: number, m: string) => void): Promise<number> {
  const task = ctx.task;
  const fd = rts.fd;
  if (argc > 1) error(2, 0, 'source routing (several targets) is not supported');
  rts.whereto = addr;
  rts.hostname = target;
  rts.optNumeric = true;

  const bindToDevice = (sfd: number): void => {
    try {
      sys.setsockopt(task, sfd, SOL_SOCKET, SO_BINDTODEVICE, rts.device!);
    } catch (e) {
      error(2, errnoOf(e), `SO_BINDTODEVICE ${rts.device}`);
    }
  };
  if (rts.source === 0) {
    let probe: number;
    try {
      probe = sys.socket(task, AF_INET, SOCK_DGRAM, 0);
    } catch (e) {
      error(2, errnoOf(e), 'socket');
      return 2;
    }
    try {
      if (rts.device) {
        bindToDevice(probe);
        bindToDevice(fd);
      }
      if (rts.settos) {
        try {
          sys.setsockopt(task, probe, IPPROTO_IP, IP_TOS, rts.settos);
        } catch (e) {
          error(0, errnoOf(e), 'warning: QOS sockopts');
        }
      }
      if (rts.optMark) sockSetmark(task, rts, probe, error);
      const dst: SockaddrIn = { family: AF_INET, addr: rts.whereto, port: 1025 };
      try {
        await sys.connect(task, probe, dst);
      } catch (e) {
        const en = errnoOf(e);
        if (en === EACCES) {
          if (!rts.broadcastPings) error(2, 0, 'Do you want to ping broadcast? Then -b. If not, check your local firewall rules');
          ctx.stderr.write('WARNING: pinging broadcast address\n');
          try {
            sys.setsockopt(task, probe, SOL_SOCKET, SO_BROADCAST, 1);
          } catch (e2) {
            error(2, errnoOf(e2), 'cannot set broadcasting');
          }
          try {
            await sys.connect(task, probe, dst);
          } catch (e2) {
            error(2, errnoOf(e2), 'connect');
          }
        } else {
          error(2, en, 'connect');
        }
      }
      const name = sys.getsockname(task, probe) as SockaddrIn;
      rts.source = name.addr >>> 0;
    } finally {
      sys.close(task, probe);
    }
  } else if (rts.device) {
    bindToDevice(fd);
  }
  if (rts.whereto === 0) rts.whereto = rts.source;
  if (rts.broadcastPings || (rts.whereto >>> 28) === 0xe) {
    rts.multicast = true;
    if (rts.uid) {
      if (rts.interval < 1000) error(2, 0, `broadcast ping with too short interval: ${rts.interval}`);
      if (rts.pmtudisc >= 0 && rts.pmtudisc !== IP_PMTUDISC_DO) error(2, 0, 'broadcast ping does not fragment');
    }
    if (rts.pmtudisc < 0) rts.pmtudisc = IP_PMTUDISC_DO;
  }
  if (rts.pmtudisc >= 0) {
    try {
      sys.setsockopt(task, fd, SOL_IP, IP_MTU_DISCOVER, rts.pmtudisc);
    } catch (e) {
      error(2, errnoOf(e), 'IP_MTU_DISCOVER');
    }
  }
  const setIdent = rts.ident > 0 && rts.socktype === SOCK_DGRAM;
  if (rts.optStrictsource || setIdent) {
    try {
      sys.bind(task, fd, { family: AF_INET, addr: rts.source, port: setIdent ? rts.ident : 0 });
    } catch (e) {
      error(2, errnoOf(e), 'bind');
    }
  }
  if (rts.socktype === SOCK_RAW) {
    const filt = ~((1 << ICMP_SOURCE_QUENCH) | (1 << ICMP_DEST_UNREACH) | (1 << ICMP_TIME_EXCEEDED) |
      (1 << ICMP_PARAMETERPROB) | (1 << ICMP_REDIRECT) | (1 << ICMP_ECHOREPLY)) >>> 0;
    try {
      sys.setsockopt(task, fd, SOL_RAW, ICMP_FILTER, filt);
    } catch (e) {
      error(0, errnoOf(e), 'WARNING: setsockopt(ICMP_FILTER)');
    }
  }
  try {
    sys.setsockopt(task, fd, SOL_IP, IP_RECVERR, 1);
  } catch {
    error(0, 0, 'WARNING: your kernel is veeery old. No problems.');
  }
  if (rts.socktype === SOCK_DGRAM) {
    try {
      sys.setsockopt(task, fd, SOL_IP, IP_RECVTTL, 1);
    } catch (e) {
      error(0, errnoOf(e), 'WARNING: setsockopt(IP_RECVTTL)');
    }
    try {
      sys.setsockopt(task, fd, SOL_IP, IP_RETOPTS, 1);
    } catch (e) {
      error(0, errnoOf(e), 'WARNING: setsockopt(IP_RETOPTS)');
    }
  }
  // Estimate memory eaten by single packet. It is rough estimate.
  let hold = rts.datalen + 8;
  hold += Math.trunc((hold + 511) / 512) * (0 + 20 + 16 + 64 + 160);
  sockSetbufs(task, rts, hold, error);
  if (rts.broadcastPings) {
    try {
      sys.setsockopt(task, fd, SOL_SOCKET, SO_BROADCAST, 1);
    } catch (e) {
      error(2, errnoOf(e), 'cannot set broadcasting');
    }
  }
  if (rts.optNoloop) {
    try {
      sys.setsockopt(task, fd, IPPROTO_IP, IP_MULTICAST_LOOP, 0);
    } catch (e) {
      error(2, errnoOf(e), 'cannot disable multicast loopback');
    }
  }
  if (rts.optTtl) {
    try {
      sys.setsockopt(task, fd, IPPROTO_IP, IP_MULTICAST_TTL, rts.ttl);
    } catch (e) {
      error(2, errnoOf(e), 'cannot set multicast time-to-live');
    }
    try {
      sys.setsockopt(task, fd, IPPROTO_IP, IP_TTL, rts.ttl);
    } catch (e) {
      error(2, errnoOf(e), 'cannot set unicast time-to-live');
    }
  }
  if (rts.datalen >= TIMEVAL_LEN) rts.timing = true;
  const packlen = rts.datalen + MAXIPLEN + MAXICMPLEN;

  out(`PING ${rts.hostname} (${ntoa(rts.whereto)}) `);
  if (rts.device || rts.optStrictsource) out(`from ${ntoa(rts.source)} ${rts.device ?? ''}: `);
  out(`${rts.datalen}(${rts.datalen + 8 + 20}) bytes of data.\n`);

  setup(ctx, rts);
  if (rts.optConnectSk) {
    try {
      await sys.connect(task, fd, { family: AF_INET, addr: rts.whereto, port: 0 });
    } catch (e) {
      error(2, errnoOf(e), 'connect failed');
    }
  }
  return mainLoop(ctx, rts, ping4FuncSet, packlen, out, error);
}

/** iputils sock_setmark(). */
function sockSetmark(task: ToolContext['task'], rts: PingRts, fd: number, error: (s: number, e: number, m: string) => void): void {
  try {
    sys.setsockopt(task, fd, SOL_SOCKET, SO_MARK, rts.mark);
  } catch (e) {
    error(0, errnoOf(e), `WARNING: failed to set mark: ${rts.mark}`);
  }
}

const UNREACH_TEXT = [
  'Destination Net Unreachable', 'Destination Host Unreachable', 'Destination Protocol Unreachable',
  'Destination Port Unreachable', '', 'Source Route Failed', 'Destination Net Unknown', 'Destination Host Unknown',
  'Source Host Isolated', 'Destination Net Prohibited', 'Destination Host Prohibited',
  'Destination Net Unreachable for Type of Service', 'Destination Host Unreachable for Type of Service',
  'Packet filtered', 'Precedence Violation', 'Precedence Cutoff',
];

/**
 * iputils pr_icmph() without the verbose header dump: the line describing an ICMP
 * message. `info` is the next-hop MTU, the redirect gateway (host order) or the
 * parameter problem pointer.
 */
export function icmpDescription(type: number, code: number, info: number): string {
  switch (type) {
    case ICMP_ECHOREPLY: return 'Echo Reply\n';
    case ICMP_DEST_UNREACH:
      if (code === 4) return `Frag needed and DF set (mtu = ${info >>> 0})\n`;
      if (code < UNREACH_TEXT.length) return UNREACH_TEXT[code] + '\n';
      return `Dest Unreachable, Bad Code: ${code}\n`;
    case ICMP_SOURCE_QUENCH: return 'Source Quench\n';
    case ICMP_REDIRECT: {
      const what = ['Redirect Network', 'Redirect Host', 'Redirect Type of Service and Network',
        'Redirect Type of Service and Host'][code] ?? `Redirect, Bad Code: ${code}`;
      return `${what}(New nexthop: ${ntoa(info >>> 0)})\n`;
    }
    case ICMP_ECHO: return 'Echo Request\n';
    case ICMP_TIME_EXCEEDED:
      if (code === 0) return 'Time to live exceeded\n';
      if (code === 1) return 'Frag reassembly time exceeded\n';
      return `Time exceeded, Bad Code: ${code}\n`;
    case ICMP_PARAMETERPROB: return `Parameter problem: pointer = ${info >>> 0}\n`;
    case 13: return 'Timestamp\n';
    case 14: return 'Timestamp Reply\n';
    case 15: return 'Information Request\n';
    case 16: return 'Information Reply\n';
    case 17: return 'Address Mask Request\n';
    case 18: return 'Address Mask Reply\n';
    default: return `Bad ICMP type: ${type}\n`;
  }
}

/** iputils ping4_send_probe(): 0, or -errno. */
function ping4SendProbe(ctx: ToolContext, rts: PingRts): number {
  const icp = rts.outpack;
  icp[0] = ICMP_ECHO;
  icp[1] = 0;
  icp[2] = 0;
  icp[3] = 0;
  const seq = u16(rts.ntransmitted + 1);
  icp[6] = seq >> 8;
  icp[7] = seq & 0xff;
  // The identifier is stored in host order (little-endian) into the __be16 field.
  const id = rts.ident < 0 ? 0 : rts.ident;
  icp[4] = id & 0xff;
  icp[5] = id >> 8;
  rcvdClear(rts, rts.ntransmitted + 1);
  const cc = rts.datalen + 8;
  if (rts.timing) {
    const [s, us] = gettimeofday(ctx);
    writeTimeval(icp, 8, s, us);
  }
  const ck = inCksum(icp, 0, cc);
  icp[2] = ck >> 8;
  icp[3] = ck & 0xff;
  try {
    const n = sys.sendto(ctx.task, rts.fd, icp.subarray(0, cc), { family: AF_INET, addr: rts.whereto, port: 0 }, rts.confirmFlag);
    return n === cc ? 0 : -EINVAL;
  } catch (e) {
    return -errnoOf(e);
  }
}

/**
 * iputils ping4_receive_error_msg(): net errors (> 0), or minus the local ones;
 * rts.errno is then `savedErrno`, or 0 for an error that was not ours.
 */
function ping4ReceiveErrorMsg(ctx: ToolContext, rts: PingRts, out: (t: string) => void, savedErrno: number): number {
  let netErrors = 0;
  let localErrors = 0;
  rts.errno = savedErrno;
  let r: RecvResult | null;
  try {
    r = sys.recvmsgNow(ctx.task, rts.fd, 8, MSG_ERRQUEUE | MSG_DONTWAIT);
  } catch (e) {
    const en = errnoOf(e);
    if (en === EAGAIN || en === EINTR) localErrors++;
    return -localErrors;
  }
  if (r === null) return -1;
  let ee: SockExtendedErr | null = null;
  for (const c of r.cmsgs) if (c.level === SOL_IP && c.type === IP_RECVERR) ee = c.data as SockExtendedErr;
  if (ee === null) throw new Error('ping: no IP_RECVERR control message on the error queue');
  if (ee.eeOrigin === SO_EE_ORIGIN_LOCAL) {
    localErrors++;
    if (!rts.optQuiet) {
      if (rts.optFlood) out('E');
      else if (ee.eeErrno !== EMSGSIZE) ctx.stderr.write(`ping: local error: ${strerror(ee.eeErrno)}\n`);
      else ctx.stderr.write(`ping: local error: message too long, mtu=${ee.eeInfo >>> 0}\n`);
    }
    rts.nerrors++;
  } else if (ee.eeOrigin === SO_EE_ORIGIN_ICMP) {
    const d = r.data;
    const targetAddr = r.addr && r.addr.family === AF_INET ? (r.addr as SockaddrIn).addr >>> 0 : 0;
    const id = d.length >= 6 ? d[4]! | (d[5]! << 8) : -1;
    if (d.length < 8 || targetAddr !== rts.whereto || d[0] !== ICMP_ECHO || !isOurs(rts, id)) {
      // Not our error, not an error at all. Clear.
      rts.errno = 0;
      return 0;
    }
    const seq = (d[6]! << 8) | d[7]!;
    acknowledge(rts, seq);
    if (rts.socktype === SOCK_RAW) {
      const filt = ~((1 << ICMP_SOURCE_QUENCH) | (1 << ICMP_REDIRECT) | (1 << ICMP_ECHOREPLY)) >>> 0;
      try {
        sys.setsockopt(ctx.task, rts.fd, SOL_RAW, ICMP_FILTER, filt);
      } catch (e) {
        ctx.stderr.write(`ping: setsockopt(ICMP_FILTER): ${strerror(errnoOf(e))}\n`);
        throw new Exit(2);
      }
    }
    netErrors++;
    rts.nerrors++;
    if (!rts.optQuiet) {
      if (rts.optFlood) out('\bE');
      else {
        printTimestamp(ctx, rts, out);
        out(`From ${ntoa(ee.offender)} icmp_seq=${seq} `);
        out(icmpDescription(ee.eeType, ee.eeCode, ee.eeInfo >>> 0));
      }
    }
  }
  return netErrors ? netErrors : -localErrors;
}

/** iputils ping4_parse_reply(): 0 for one of ours (reply or error), 1 otherwise. */
function ping4ParseReply(ctx: ToolContext, rts: PingRts, res: RecvResult, out: (t: string) => void): number {
  const buf = res.data;
  let cc = buf.length;
  const from = res.addr && res.addr.family === AF_INET ? (res.addr as SockaddrIn).addr >>> 0 : 0;
  let hlen: number;
  let replyTtl: number;
  if (rts.socktype === SOCK_RAW) {
    hlen = (buf[0]! & 0xf) * 4;
    if (cc < hlen + 8 || (buf[0]! & 0xf) < 5) {
      if (rts.optVerbose) ctx.stderr.write(`ping: packet too short (${cc} bytes) from ${ntoa(from)}\n`);
      return 1;
    }
    replyTtl = buf[8]!;
  } else {
    hlen = 0;
    replyTtl = 0;
    for (const c of res.cmsgs) {
      if (c.level === SOL_IP && c.type === IP_TTL) replyTtl = Number(c.data) & 0xff;
    }
  }
  // Now the ICMP part.
  cc -= hlen;
  const icp = hlen;
  const csfailed = inCksum(buf, icp, cc) !== 0;
  const type = buf[icp]!;
  if (type === ICMP_ECHOREPLY) {
    const id = buf[icp + 4]! | (buf[icp + 5]! << 8);
    if (!isOurs(rts, id)) return 1; // 'Twas not our ECHO
    const wrongSource = !rts.broadcastPings && !rts.multicast && from !== rts.whereto;
    const seq = (buf[icp + 6]! << 8) | buf[icp + 7]!;
    const tv = recvTime(ctx, res.cmsgs);
    if (gatherStatistics(ctx, rts, buf, icp, cc, seq, replyTtl, csfailed, tv, ntoa(from), rts.multicast, wrongSource, out)) {
      return 0;
    }
  } else {
    // We fall here when a redirect or source quench arrived.
    switch (type) {
      case ICMP_ECHO:
        return 1; // MUST NOT
      case ICMP_SOURCE_QUENCH:
      case ICMP_REDIRECT:
      case ICMP_DEST_UNREACH:
      case ICMP_TIME_EXCEEDED:
      case ICMP_PARAMETERPROB: {
        const iph = icp + 8;
        if (cc < 8 + 20 + 8) return 1;
        const ihl = (buf[iph]! & 0xf) * 4;
        if (cc < 8 + ihl + 8) return 1;
        const icp1 = iph + ihl;
        const daddr = ((buf[iph + 16]! << 24) | (buf[iph + 17]! << 16) | (buf[iph + 18]! << 8) | buf[iph + 19]!) >>> 0;
        const id1 = buf[icp1 + 4]! | (buf[icp1 + 5]! << 8);
        if (buf[icp1] !== ICMP_ECHO || daddr !== rts.whereto || !isOurs(rts, id1)) return 1;
        const seq1 = (buf[icp1 + 6]! << 8) | buf[icp1 + 7]!;
        const errorPkt = type !== ICMP_REDIRECT && type !== ICMP_SOURCE_QUENCH;
        if (errorPkt) {
          acknowledge(rts, seq1);
          return 0;
        }
        if (rts.optQuiet || rts.optFlood) return 1;
        printTimestamp(ctx, rts, out);
        out(`From ${ntoa(from)}: icmp_seq=${seq1} `);
        if (csfailed) out('(BAD CHECKSUM)');
        const gw = ((buf[icp + 4]! << 24) | (buf[icp + 5]! << 16) | (buf[icp + 6]! << 8) | buf[icp + 7]!) >>> 0;
        out(icmpDescription(type, buf[icp + 1]!, gw));
        return 1;
      }
      default:
        break;
    }
    if (rts.optFlood && !(rts.optVerbose || rts.optQuiet)) {
      out(csfailed ? '!EC' : '!E');
      return 0;
    }
    if (!rts.optVerbose || rts.uid) return 0;
    if (rts.optPtimeofday) {
      const [s, us] = gettimeofday(ctx);
      out(`${s}.${String(us).padStart(6, '0')} `);
    }
    out(`From ${ntoa(from)}: `);
    if (csfailed) {
      out('(BAD CHECKSUM)\n');
      return 0;
    }
    const gw = ((buf[icp + 4]! << 24) | (buf[icp + 5]! << 16) | (buf[icp + 6]! << 8) | buf[icp + 7]!) >>> 0;
    out(icmpDescription(type, buf[icp + 1]!, type === ICMP_PARAMETERPROB ? gw >>> 24 : gw));
    return 0;
  }
  if (rts.optAudible) out('\x07');
  if (!rts.optFlood) out('\n'); // pr_options() (no options here) + ping_finish_line()
  return 0;
}


/** Linux: ping4_func_set. */
const ping4FuncSet: PingFuncSet = {
  sendProbe: ping4SendProbe,
  receiveErrorMsg: ping4ReceiveErrorMsg,
  parseReply: ping4ParseReply,
};
