/**
 * `traceroute` as Debian 12's traceroute package has it (Modern traceroute for
 * Linux 2.1.2, Dmitry Butskoy), IPv4: the "default" method (a UDP socket per probe
 * to ports 33434 and up, errors from IP_RECVERR), -U (UDP to one port) and -I (ICMP
 * echo on a raw socket connected to the target, or a ping socket). Userspace: only
 * syscalls.
 *
 * Behaviour follows traceroute.c do_it(): up to -N (16) probes in flight, hops
 * printed in order as their probes are done, the MAX,HERE,NEAR wait rules of
 * get_timeout(), check_expired()'s moving of a late "final" answer into an expired
 * slot, the annotations of parse_icmp_res() (!H !N !P !X !S !F-mtu ...), and the
 * option parsing and messages of its CLIF library. Times come from
 * clock_gettime(CLOCK_REALTIME) on the task: on a virtual clock the round trip over
 * veth is 0.000 ms, so the HERE/NEAR factors (which need a positive round trip)
 * never shorten a wait as they do on a real host.
 *
 * Not supported: IPv6, -T/-D/-P/-UL methods, -g gateways, -e extensions, -A AS
 * lookups, --mtu, --back; name resolution (a target must be an address; a name fails
 * as on a host without DNS).
 */
import type { ToolContext } from './tool.js';
import * as sys from '../socket/syscalls.js';
import { EINVAL } from '../socket/errno.js';
import { inetAton } from './arping.js';
import { ntoa } from './ping_common.js';

import {
  Exit, Probe, Traceroute, error, exError, getTime, doPoll, MODULES, MAX_HOPS, MAX_PROBES, DEF_WAIT_PREC, DEF_DATA_LEN,
  MAX_PACKET_LEN, IPV4_HDR_LEN,
} from './traceroute_mod.js';

const VERSION = 'Modern traceroute for Linux, version 2.1.2\nCopyright (c) 2016  Dmitry Butskoy,   License: GPL v2 or any later\n';

const HELP = `Usage:
  traceroute [ -46dFITnreAUDV ] [ -f first_ttl ] [ -g gate,... ] [ -i device ] [ -m max_ttl ] [ -N squeries ] [ -p port ] [ -t tos ] [ -l flow_label ] [ -w MAX,HERE,NEAR ] [ -q nqueries ] [ -s src_addr ] [ -z sendwait ] [ --fwmark=num ] host [ packetlen ]
Options:
  -4                          Use IPv4
  -6                          Use IPv6
  -d  --debug                 Enable socket level debugging
  -F  --dont-fragment         Do not fragment packets
  -f first_ttl  --first=first_ttl
                              Start from the first_ttl hop (instead from 1)
  -g gate,...  --gateway=gate,...
                              Route packets through the specified gateway
                              (maximum 8 for IPv4 and 127 for IPv6)
  -I  --icmp                  Use ICMP ECHO for tracerouting
  -T  --tcp                   Use TCP SYN for tracerouting (default port is 80)
  -i device  --interface=device
                              Specify a network interface to operate with
  -m max_ttl  --max-hops=max_ttl
                              Set the max number of hops (max TTL to be
                              reached). Default is 30
  -N squeries  --sim-queries=squeries
                              Set the number of probes to be tried
                              simultaneously (default is 16)
  -n                          Do not resolve IP addresses to their domain names
  -p port  --port=port        Set the destination port to use. It is either
                              initial udp port value for "default" method
                              (incremented by each probe, default is 33434), or
                              initial seq for "icmp" (incremented as well,
                              default from 1), or some constant destination
                              port for other methods (with default of 80 for
                              "tcp", 53 for "udp", etc.)
  -t tos  --tos=tos           Set the TOS (IPv4 type of service) or TC (IPv6
                              traffic class) value for outgoing packets
  -l flow_label  --flowlabel=flow_label
                              Use specified flow_label for IPv6 packets
  -w MAX,HERE,NEAR  --wait=MAX,HERE,NEAR
                              Wait for a probe no more than HERE (default 3)
                              times longer than a response from the same hop,
                              or no more than NEAR (default 10) times than some
                              next hop, or MAX (default 5.0) seconds (float
                              point values allowed too)
  -q nqueries  --queries=nqueries
                              Set the number of probes per each hop. Default is
                              3
  -r                          Bypass the normal routing and send directly to a
                              host on an attached network
  -s src_addr  --source=src_addr
                              Use source src_addr for outgoing packets
  -z sendwait  --sendwait=sendwait
                              Minimal time interval between probes (default 0).
                              If the value is more than 10, then it specifies a
                              number in milliseconds, else it is a number of
                              seconds (float point values allowed too)
  -e  --extensions            Show ICMP extensions (if present), including MPLS
  -A  --as-path-lookups       Perform AS path lookups in routing registries and
                              print results directly after the corresponding
                              addresses
  -M name  --module=name      Use specified module (either builtin or external)
                              for traceroute operations. Most methods have
                              their shortcuts (\`-I' means \`-M icmp' etc.)
  -O OPTS,...  --options=OPTS,...
                              Use module-specific option OPTS for the
                              traceroute module. Several OPTS allowed,
                              separated by comma. If OPTS is "help", print info
                              about available options
  --sport=num                 Use source port num for outgoing packets. Implies
                              \`-N 1'
  --fwmark=num                Set firewall mark for outgoing packets
  -U  --udp                   Use UDP to particular port for tracerouting
                              (instead of increasing the port per each probe),
                              default port is 53
  -UL                         Use UDPLITE for tracerouting (default dest port
                              is 53)
  -D  --dccp                  Use DCCP Request for tracerouting (default port
                              is 33434)
  -P prot  --protocol=prot    Use raw packet of protocol prot for tracerouting
  --mtu                       Discover MTU along the path being traced. Implies
                              \`-F -N 1'
  --back                      Guess the number of hops in the backward path and
                              print if it differs
  -V  --version               Print version info and exit
  --help                      Read this help and exit

Arguments:
+     host          The host to traceroute to
      packetlen     The full packet length (default is the length of an IP
                    header plus 40). Can be ignored or increased to a minimal
                    allowed value
`;
/* ------------------------------------------------------------------ */
/* Printing, timeouts, expiry (traceroute.c)                           */

function printProbe(tr: Traceroute, idx: number, out: (t: string) => void): void {
  const pb = tr.probes[idx]!;
  const ttl = Math.trunc(idx / tr.probesPerHop) + 1;
  let np = idx % tr.probesPerHop;
  if (np === 0) out(`\n${String(ttl).padStart(2)} `);
  if (!pb.resSet) out(' *');
  else {
    let prn = !np; // print if the first...
    if (np) { // ...and if differs with previous
      let pi = idx - 1;
      // skip expired
      while (np && !tr.probes[pi]!.resSet) {
        pi--;
        np--;
      }
      if (!np || tr.probes[pi]!.res !== pb.res) prn = true;
    }
    if (prn) out(tr.noresolve ? ` ${ntoa(pb.res)}` : ` ${ntoa(pb.res)} (${ntoa(pb.res)})`);
  }
  if (pb.recvTime) out(`  ${((pb.recvTime - pb.sendTime) * 1000).toFixed(3)} ms`);
  if (pb.errStr) out(` ${pb.errStr}`);
}

/** get_timeout(). */
function getTimeout(tr: Traceroute, idx: number): number {
  let value: number;
  if (tr.hereFactor) {
    // Check for already replied from the same hop.
    const base = idx - (idx % tr.probesPerHop);
    for (let i = 0; i < tr.probesPerHop; i++) {
      const p = tr.probes[base + i]!;
      if (p.done && (value = p.recvTime - p.sendTime) > 0) {
        value += DEF_WAIT_PREC;
        value *= tr.hereFactor;
        return value < tr.waitSecs ? value : tr.waitSecs;
      }
    }
  }
  if (tr.nearFactor) {
    // Check forward for already replied.
    for (let i = idx + 1; i < tr.numProbes && tr.probes[i]!.sendTime; i++) {
      const p = tr.probes[i]!;
      if (p.done && (value = p.recvTime - p.sendTime) > 0) {
        value += DEF_WAIT_PREC;
        value *= tr.nearFactor;
        return value < tr.waitSecs ? value : tr.waitSecs;
      }
    }
  }
  return tr.waitSecs;
}

/** ttl2hops(). */
function ttl2hops(x: number): number {
  return (x <= 64 ? 65 : x <= 128 ? 129 : 256) - x;
}

/**
 * check_expired(): "*(this) * * ... final": when a final answer (an ICMP unreach)
 * seems to belong to this expired slot, move it here.
 */
function checkExpired(tr: Traceroute, idx: number): void {
  const pb = tr.probes[idx]!;
  const pph = tr.probesPerHop;
  let fp = -1;
  let pfp = -1;
  if (!pb.done) return; // an ops method still not release it
  // Check all the previous in the same hop.
  for (let p = idx - (idx % pph); p < idx; p++) {
    const q = tr.probes[p]!;
    if (!q.done || !q.final) return;
    pfp = p; // some of the previous probes is final
  }
  // Check forward all the sent probes.
  for (let p = idx + 1; p < tr.numProbes && tr.probes[p]!.sendTime; p++) {
    const q = tr.probes[p]!;
    if (q.done) { // some next probe already done...
      if (!q.final) return; // ...was ttl-exceeded. OK, we are expired.
      fp = p;
      break;
    }
  }
  if (fp < 0) return; // no any final probe found. Assume expired.
  const f = tr.probes[fp]!;
  if (!f.errStr) return; // not an icmp_unreach error report...
  let replace = false;
  if (pfp >= 0 || (idx % pph) + (fp - idx) < pph) {
    replace = true;
  } else {
    for (let p = idx - 1; p >= 0; p--) {
      if (tr.probes[p]!.resSet && f.resSet && tr.probes[p]!.res === f.res) {
        replace = true;
        break;
      }
    }
    if (!replace && f.recvTtl) {
      let backHops = ttl2hops(f.recvTtl);
      for (let p = idx - 1; p >= 0; p--) {
        const q = tr.probes[p]!;
        if (q.done && !q.final && q.recvTtl) {
          const hops = ttl2hops(q.recvTtl);
          if (hops < backHops) {
            const t = Math.trunc(p / pph) + 1;
            backHops = (backHops - hops) + t;
            break;
          }
        }
      }
      const ttl = Math.trunc(idx / pph) + 1;
      if (backHops <= ttl) replace = true;
    }
  }
  if (!replace) return;
  pb.copyFrom(f);
  tr.probes[fp] = new Probe();
  tr.probes[fp]!.sendTime = 1; // block extra re-send
}

/** do_it(): send, wait, print, in hop order. */
async function doIt(tr: Traceroute, out: (t: string) => void): Promise<void> {
  let start = (tr.firstHop - 1) * tr.probesPerHop;
  let end = tr.numProbes;
  let lastSend = 0;
  // print_header(): without ending new-line.
  out(`traceroute to ${tr.dstName} (${ntoa(tr.dstAddr)}), ${tr.maxHops} hops max, ${tr.headerLen + tr.dataLen} byte packets`);
  while (start < end) {
    let num = 0;
    let nextTime = 0;
    const nowTime = getTime(tr);
    for (let n = start; n < end; n++) {
      let pb = tr.probes[n]!;
      if (n === start && !pb.done && pb.sendTime) { // probably time to print, but yet not replied
        const expireTime = pb.sendTime + getTimeout(tr, n);
        if (expireTime > nowTime) nextTime = expireTime;
        else {
          tr.ops.expireProbe(tr, pb);
          checkExpired(tr, n);
          pb = tr.probes[n]!;
        }
      }
      if (pb.done) {
        if (n === start) { // can print it now
          printProbe(tr, n, out);
          start++;
        }
        if (pb.final) end = (Math.trunc(n / tr.probesPerHop) + 1) * tr.probesPerHop;
        continue;
      }
      if (!pb.sendTime) {
        let next: number;
        if (tr.sendSecs && (next = lastSend + tr.sendSecs) > nowTime) {
          nextTime = next;
          break;
        }
        const ttl = Math.trunc(n / tr.probesPerHop) + 1;
        tr.ops.sendProbe(tr, pb, ttl);
        if (!pb.sendTime) {
          if (nextTime) break; // have chances later
          error(tr, 'send probe', EINVAL);
        }
        lastSend = pb.sendTime;
      }
      if (!nextTime) nextTime = pb.sendTime + getTimeout(tr, n);
      num++;
      if (num >= tr.simProbes) break;
    }
    if (nextTime) {
      let timeout = nextTime - getTime(tr);
      if (timeout < 0) timeout = 0;
      await doPoll(tr, timeout);
    }
  }
  out('\n'); // print_end()
}

/* ------------------------------------------------------------------ */
/* Command line (the CLIF library)                                     */

interface OptSpec {
  short: string | null;
  long: string | null;
  arg: string | null;
  set: (tr: Traceroute, arg: string) => boolean;
}

/** strtoul(arg, &q, 0) with the "whole string" check of set_uint. */
function parseUint(s: string): number | null {
  const t = s.trim();
  let v: number;
  if (/^[+-]?0[xX][0-9a-fA-F]+$/.test(t)) v = parseInt(t, 16);
  else if (/^[+-]?0[0-7]*$/.test(t)) v = parseInt(t, 8);
  else if (/^[+-]?[1-9][0-9]*$/.test(t)) v = parseInt(t, 10);
  else return null;
  if (v < 0) v = (v + 2 ** 32) % 2 ** 32;
  return v >>> 0;
}

function parseDouble(s: string): number | null {
  return /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s) ? Number(s) : null;
}

function uintSetter(key: 'firstHop' | 'maxHops' | 'simProbes' | 'probesPerHop' | 'tos' | 'fwmark'): (tr: Traceroute, a: string) => boolean {
  return (tr, a) => {
    const v = parseUint(a);
    if (v === null) return false;
    tr[key] = v;
    return true;
  };
}

function moduleSetter(name: string): (tr: Traceroute) => boolean {
  return (tr) => {
    tr.module = name;
    return true;
  };
}

const OPTIONS: OptSpec[] = [
  { short: '4', long: null, arg: null, set: () => true },
  { short: 'd', long: 'debug', arg: null, set: (tr) => { tr.debug = true; return true; } },
  { short: 'F', long: 'dont-fragment', arg: null, set: (tr) => { tr.dontfrag = true; return true; } },
  { short: 'f', long: 'first', arg: 'first_ttl', set: uintSetter('firstHop') },
  { short: 'I', long: 'icmp', arg: null, set: moduleSetter('icmp') },
  { short: 'i', long: 'interface', arg: 'device', set: (tr, a) => { tr.device = a; return true; } },
  { short: 'm', long: 'max-hops', arg: 'max_ttl', set: uintSetter('maxHops') },
  { short: 'N', long: 'sim-queries', arg: 'squeries', set: uintSetter('simProbes') },
  { short: 'n', long: null, arg: null, set: (tr) => { tr.noresolve = true; return true; } },
  {
    short: 'p', long: 'port', arg: 'port', set: (tr, a) => {
      const v = parseUint(a);
      if (v === null) return false;
      tr.dstPortSeq = v;
      return true;
    },
  },
  { short: 't', long: 'tos', arg: 'tos', set: uintSetter('tos') },
  {
    short: 'w', long: 'wait', arg: 'MAX,HERE,NEAR', set: (tr, a) => {
      // set_wait_specs()
      const parts = a.split(',');
      tr.hereFactor = tr.nearFactor = 0;
      const w = parseDouble(parts[0]!);
      if (w === null || parts.length > 3) return false;
      tr.waitSecs = w;
      if (parts.length > 1) {
        const h = parseDouble(parts[1]!);
        if (h === null) return false;
        tr.hereFactor = h;
      }
      if (parts.length > 2) {
        const nf = parseDouble(parts[2]!);
        if (nf === null) return false;
        tr.nearFactor = nf;
      }
      return true;
    },
  },
  { short: 'q', long: 'queries', arg: 'nqueries', set: uintSetter('probesPerHop') },
  { short: 'r', long: null, arg: null, set: (tr) => { tr.noroute = true; return true; } },
  {
    short: 's', long: 'source', arg: 'src_addr', set: (tr, a) => {
      const v = inetAton(a);
      if (v === null) {
        tr.ctx.stderr.write(`${a}: Temporary failure in name resolution\n`);
        return false;
      }
      tr.srcAddr = v;
      tr.srcSet = true;
      return true;
    },
  },
  {
    short: 'z', long: 'sendwait', arg: 'sendwait', set: (tr, a) => {
      const v = parseDouble(a);
      if (v === null) return false;
      tr.sendSecs = v;
      return true;
    },
  },
  { short: 'M', long: 'module', arg: 'name', set: (tr, a) => { tr.module = a; return true; } },
  {
    short: null, long: 'sport', arg: 'num', set: (tr, a) => {
      const v = parseUint(a);
      if (v === null) return false;
      tr.srcPort = v & 0xffff;
      return true;
    },
  },
  { short: null, long: 'fwmark', arg: 'num', set: uintSetter('fwmark') },
  { short: 'U', long: 'udp', arg: null, set: moduleSetter('udp') },
];

function showOpt(o: OptSpec, short: boolean): string {
  return short ? `-${o.short}` : `--${o.long}`;
}

/** CLIF_parse() of traceroute's tables with CLIF_MAY_JOIN_ARG | CLIF_HELP_EMPTY. */
function parseCmdline(tr: Traceroute, argv: string[]): void {
  const err = (m: string): never => exError(tr, m);
  const ctx = tr.ctx;
  if (argv.length <= 1) {
    ctx.stderr.write(HELP);
    throw new Exit(0);
  }
  const args: { s: string; i: number }[] = [];
  let optsDone = false;
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i]!;
    if (optsDone || !arg.startsWith('-') || arg === '-') {
      args.push({ s: arg, i });
      continue;
    }
    if (arg.startsWith('--')) {
      const body = arg.slice(2);
      if (body === '') {
        optsDone = true;
        continue;
      }
      if (body === 'help') {
        ctx.stderr.write(HELP);
        throw new Exit(0);
      }
      if (body === 'version') {
        ctx.stderr.write(VERSION);
        throw new Exit(0);
      }
      const eq = body.indexOf('=');
      const name = eq >= 0 ? body.slice(0, eq) : body;
      const o = OPTIONS.find((x) => x.long === name);
      if (!o) {
        if (eq >= 0) err(`Bad option \`${arg}' (with arg \`${body.slice(eq + 1)}') (argc ${i})`);
        err(`Bad option \`${arg}' (argc ${i})`);
      }
      let val = eq >= 0 ? body.slice(eq + 1) : null;
      if (o!.arg && val === null) err(`Option \`--${o!.long}' (argc ${i}) requires an argument: \`--${o!.long}=${o!.arg}'`);
      if (!o!.arg) val = '';
      if (!o!.set(tr, val!)) {
        if (o!.arg) err(`Cannot handle \`--${o!.long}' option with arg \`${val}' (argc ${i})`);
        err(`Cannot handle \`--${o!.long}' option (argc ${i})`);
      }
      continue;
    }
    // Short options, possibly grouped; an argument may be joined (-q1).
    let j = 1;
    while (j < arg.length) {
      const c = arg[j]!;
      if (c === 'V') {
        ctx.stderr.write(VERSION);
        throw new Exit(0);
      }
      const o = OPTIONS.find((x) => x.short === c);
      if (!o) {
        if ('6TDPgleAO'.includes(c)) err(`traceroute: option \`-${c}' is not supported here`);
        err(`Bad option \`-${c}' (argc ${i})`);
      }
      let val = '';
      if (o!.arg) {
        if (j + 1 < arg.length) {
          if (j !== 1) err(`Option \`${showOpt(o!, true)}' (argc ${i}) requires an argument: \`${showOpt(o!, true)} ${o!.arg}'`);
          val = arg.slice(j + 1);
        } else {
          if (i + 1 >= argv.length) err(`Option \`${showOpt(o!, true)}' (argc ${i}) requires an argument: \`${showOpt(o!, true)} ${o!.arg}'`);
          val = argv[++i]!;
        }
        if (!o!.set(tr, val)) err(`Cannot handle \`${showOpt(o!, true)}' option with arg \`${val}' (argc ${i})`);
        break;
      }
      o!.set(tr, val);
      j++;
    }
  }
  // Arguments: host (strict) [ packetlen ].
  if (args.length < 1) err('Specify "host" missing argument.');
  if (args.length > 2) err(`Extra arg \`${args[2]!.s}' (position 3, argc ${args[2]!.i})`);
  const host = args[0]!;
  const addr = inetAton(host.s);
  if (addr === null) {
    ctx.stderr.write(`${host.s}: Temporary failure in name resolution\n`);
    err(`Cannot handle "host" cmdline arg \`${host.s}' on position 1 (argc ${host.i})`);
  }
  tr.dstAddr = addr!;
  tr.dstName = host.s;
  if (args.length > 1) {
    const p = args[1]!;
    const t = p.s.trim();
    let v: number | null = null;
    if (/^[+-]?0[xX][0-9a-fA-F]+$/.test(t)) v = parseInt(t, 16);
    else if (/^[+-]?0[0-7]*$/.test(t)) v = parseInt(t, 8);
    else if (/^[+-]?[1-9][0-9]*$/.test(t)) v = parseInt(t, 10);
    if (v === null) err(`Cannot handle "packetlen" cmdline arg \`${p.s}' on position 2 (argc ${p.i})`);
    tr.packetLen = v! | 0;
  }
}

export async function tracerouteMain(ctx: ToolContext): Promise<number> {
  const tr = new Traceroute(ctx);
  const out = (t: string): void => ctx.stdout.write(t);
  try {
    const base = (ctx.argv[0] ?? 'traceroute').split('/').pop()!;
    if (base.startsWith('tracert')) tr.module = 'icmp';
    parseCmdline(tr, ctx.argv);
    const ops = MODULES.get(tr.module);
    if (!ops) exError(tr, `Unknown traceroute module ${tr.module}`);
    tr.ops = ops!;
    if (!tr.firstHop || tr.firstHop > tr.maxHops) exError(tr, 'first hop out of range');
    if (tr.maxHops > MAX_HOPS) exError(tr, `max hops cannot be more than ${MAX_HOPS}`);
    if (!tr.probesPerHop || tr.probesPerHop > MAX_PROBES) exError(tr, `no more than ${MAX_PROBES} probes per hop`);
    if (tr.waitSecs < 0 || tr.hereFactor < 0 || tr.nearFactor < 0) {
      exError(tr, `bad wait specifications \`${tr.waitSecs},${tr.hereFactor},${tr.nearFactor}' used`);
    }
    if (tr.packetLen > MAX_PACKET_LEN) exError(tr, `too big packetlen ${tr.packetLen} specified`);
    if (tr.sendSecs < 0) exError(tr, `bad sendtime \`${tr.sendSecs}' specified`);
    if (tr.sendSecs >= 10) tr.sendSecs /= 1000; // it is milliseconds
    if (tr.srcPort) tr.simProbes = 1;
    if (tr.srcPort) tr.hereFactor = tr.nearFactor = 0;
    tr.headerLen = IPV4_HDR_LEN + tr.ops.headerLen;
    if (tr.packetLen < 0) {
      if (DEF_DATA_LEN >= tr.ops.headerLen) tr.dataLen = DEF_DATA_LEN - tr.ops.headerLen;
    } else if (tr.packetLen >= tr.headerLen) {
      tr.dataLen = tr.packetLen - tr.headerLen;
    }
    tr.numProbes = tr.maxHops * tr.probesPerHop;
    for (let i = 0; i < tr.numProbes; i++) tr.probes.push(new Probe());
    tr.ops.init(tr);
    await doIt(tr, out);
    return 0;
  } catch (e) {
    if (e instanceof Exit) return e.status;
    throw e;
  } finally {
    for (const p of tr.probes) {
      if (p.sk) {
        try {
          sys.close(ctx.task, p.sk);
        } catch {
          // gone
        }
      }
    }
    if (tr.icmpSk >= 0) {
      try {
        sys.close(ctx.task, tr.icmpSk);
      } catch {
        // gone
      }
    }
  }
}

