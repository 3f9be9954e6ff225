/**
 * `tc`, the traffic control tool (iproute2 6.1: tc/tc.c, tc/tc_qdisc.c,
 * tc/tc_util.c print_tcstats). Supports `tc [-s] [-d] [-r] [-iec] [-n NETNS]
 * qdisc { add | change | replace | link | delete | show } ...` for the
 * disciplines this kernel has (pfifo_fast, noqueue, netem) and prints what any
 * other kind the kernel reports. Talks rtnetlink only; output and messages are
 * iproute2's, byte for byte where we could compare (see tc.test.ts).
 */
import type { ToolContext } from './tool.js';
import * as sys from '../socket/syscalls.js';
import type { Task } from '../socket/task.js';
import { AF_UNSPEC } from '../socket/socket.js';
import { NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, NLMSG_HDRLEN, type NlMsg } from '../wire/netlink.js';
import { RTM_DELQDISC, RTM_GETQDISC, RTM_NEWQDISC } from '../wire/rtnetlink.js';
import {
  AttrWriter, TCA_KIND, TCA_OPTIONS, TCMSG_LEN, netemOptionsEncode, rtaGetStr, rtaParse, statsDecode,
  tcPrioQoptDecode, tcmsgDecode, tcmsgEncode, type Tcmsg,
} from '../wire/pkt_sched.js';
import { IncompleteCommand, netemParseOpt, netemPrintOpt } from './tc/q_netem.js';
import { type Rtnl, buildRequest, rtnlClose, rtnlDump, rtnlOpen, rtnlTalkOrReport } from './lib/libnetlink.js';
import { type LlMap, llIndexToName, llInitMap, llNameToIndex } from './lib/ll_map.js';
import { matches, netnsSwitch } from './lib/utils.js';
import { getQdiscHandle, getTcClassid, printTcClassid, sprintSize } from './tc/tc_util.js';

const TC_H_ROOT = 0xffffffff;
const TC_H_INGRESS = 0xfffffff1;
const TC_H_CLSACT = TC_H_INGRESS;
const IFNAMSIZ = 16;

const TC_USAGE =
  'Usage:\ttc [ OPTIONS ] OBJECT { COMMAND | help }\n' +
  '\ttc [-force] -batch filename\n' +
  'where  OBJECT := { qdisc | class | filter | chain |\n' +
  '\t\t    action | monitor | exec }\n' +
  '       OPTIONS := { -V[ersion] | -s[tatistics] | -d[etails] | -r[aw] |\n' +
  '\t\t    -o[neline] | -j[son] | -p[retty] | -c[olor]\n' +
  '\t\t    -b[atch] [filename] | -n[etns] name | -N[umeric] |\n' +
  '\t\t     -nm | -nam[es] | { -cf | -conf } path\n' +
  '\t\t     -br[ief] }\n';

const QDISC_USAGE =
  'Usage: tc qdisc [ add | del | replace | change | show ] dev STRING\n' +
  '       [ handle QHANDLE ] [ root | ingress | clsact | parent CLASSID ]\n' +
  '       [ estimator INTERVAL TIME_CONSTANT ]\n' +
  '       [ stab [ help | STAB_OPTIONS] ]\n' +
  '       [ ingress_block BLOCK_INDEX ] [ egress_block BLOCK_INDEX ]\n' +
  '       [ [ QDISC_KIND ] [ help | OPTIONS ] ]\n' +
  '\n' +
  '       tc qdisc { show | list } [ dev STRING ] [ QDISC_ID ] [ invisible ]\n' +
  'Where:\n' +
  'QDISC_KIND := { [p|b]fifo | tbf | prio | cbq | red | etc. }\n' +
  'OPTIONS := ... try tc qdisc add <desired QDISC_KIND> help\n' +
  'STAB_OPTIONS := ... try tc qdisc add stab help\n' +
  'QDISC_ID := { root | ingress | handle QHANDLE | parent CLASSID }\n';

/** iproute2 exits with these through exit(-1) and friends. */
class TcExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

interface TcOptions {
  stats: number;
  details: number;
  raw: number;
  iec: number;
}

class TcCtx {
  out = '';
  constructor(readonly ctx: ToolContext, readonly opts: TcOptions, readonly rth: Rtnl) {}
  err(s: string): void {
    this.ctx.stderr.write(s);
  }
}

function duparg(key: string, arg: string, t: TcCtx): never {
  t.err(`Error: duplicate "${key}": "${arg}" is the second value.\n`);
  throw new TcExit(255);
}
function invarg(msg: string, arg: string, t: TcCtx): never {
  t.err(`Error: argument "${arg}" is wrong: ${msg}\n`);
  throw new TcExit(255);
}

/** tc_qdisc.c tc_qdisc_modify(): add / change / replace / link / delete. */
async function tcQdiscModify(t: TcCtx, cmd: number, flags: number, argv: string[]): Promise<number> {
  let dev = '';
  let kind = '';
  const tcm: Tcmsg = { family: AF_UNSPEC, ifindex: 0, handle: 0, parent: 0, info: 0 };
  let i = 0;
  const next = (): string => {
    if (i + 1 >= argv.length) throw new IncompleteCommand();
    return argv[++i]!;
  };
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === 'dev') {
      const d = next();
      if (dev) duparg('dev', d, t);
      // tc 6.1 copies the name into char d[IFNAMSIZ] without check_ifname(); a bad one is "Cannot find device".
      dev = d.slice(0, IFNAMSIZ - 1);
    } else if (a === 'handle') {
      if (tcm.handle) duparg('handle', a, t);
      const h = getQdiscHandle(next());
      if (h === null) invarg('invalid qdisc ID', argv[i]!, t);
      tcm.handle = h;
    } else if (a === 'root') {
      if (tcm.parent) {
        t.err('Error: "root" is duplicate parent ID\n');
        return 255;
      }
      tcm.parent = TC_H_ROOT;
    } else if (a === 'clsact' || a === 'ingress') {
      if (tcm.parent) {
        t.err(`Error: "${a}" is a duplicate parent ID\n`);
        return 255;
      }
      tcm.parent = TC_H_CLSACT;
      tcm.handle = 0xffff0000;
      kind = a;
      i++;
      break;
    } else if (a === 'parent') {
      const p = next();
      if (tcm.parent) duparg('parent', p, t);
      const h = getTcClassid(p);
      if (h === null) invarg('invalid parent ID', p, t);
      tcm.parent = h;
    } else if (matches(a, 'help')) {
      t.err(QDISC_USAGE);
    } else {
      kind = a;
      i++;
      break;
    }
  }
  const rest = argv.slice(i);
  const w = new AttrWriter();
  if (kind) w.putString(TCA_KIND, kind);
  if (kind === 'netem') {
    const o = netemParseOpt(rest, (s) => t.err(s));
    if (!o) return 1;
    w.put(TCA_OPTIONS, netemOptionsEncode(o));
  } else if (kind === 'pfifo_fast') {
    if (rest.length) {
      t.err(`qdisc '${kind}' does not support option parsing\n`);
      return 255;
    }
  } else if (kind && kind !== 'ingress' && kind !== 'clsact') {
    // get_qdisc_kind() of a kind tc has no parser for: parse_noqopt().
    if (rest.length) {
      t.err(`Unknown qdisc "${kind}", hence option "${rest[0]}" is unparsable\n`);
      return 1;
    }
  } else if (!kind && rest.length) {
    t.err(`Garbage instead of arguments "${rest[0]} ...". Try "tc qdisc help".\n`);
    return 255;
  }
  if (dev) {
    const idx = llNameToIndex(llInitMap(t.rth), dev);
    if (!idx) {
      t.err(`Cannot find device "${dev}"\n`);
      return 1;
    }
    tcm.ifindex = idx;
  }
  const req = buildRequest(cmd, flags, TCMSG_LEN, (b, h) => {
    b.setBytes(h, tcmsgEncode(tcm));
    b.putBytes(w.bytes());
  });
  return rtnlTalkOrReport(t.rth, req, (s) => t.err(s), 2);
}

/** What print_qdisc prints for the options of a kind. */
function printQopt(kind: string, opt: Uint8Array | undefined): string {
  if (!opt) return '';
  if (kind === 'netem') return netemPrintOpt(opt) ?? '';
  if (kind === 'pfifo_fast' || kind === 'prio') {
    const p = tcPrioQoptDecode(opt);
    if (!p) return '';
    return `bands ${p.bands} priomap ${p.priomap.join(' ')}`;
  }
  // print_noqopt() of a kind tc does not know.
  return opt.length ? `[Unknown qdisc, optlen=${opt.length}] ` : '';
}

interface QdiscFilter {
  ifindex: number;
  parent: number;
  handle: number;
}

/** tc_qdisc.c print_qdisc(). */
function printQdisc(t: TcCtx, m: NlMsg, ll: LlMap, f: QdiscFilter): void {
  if (m.type !== RTM_NEWQDISC && m.type !== RTM_DELQDISC) {
    t.err('Not a qdisc\n');
    return;
  }
  const len = m.msg.length - NLMSG_HDRLEN - TCMSG_LEN;
  if (len < 0) {
    t.err(`Wrong len ${len}\n`);
    return;
  }
  const tcm = tcmsgDecode(m.msg, NLMSG_HDRLEN);
  if (f.ifindex && f.ifindex !== tcm.ifindex) return;
  if (f.parent && f.parent !== tcm.parent) return;
  if (f.handle && f.handle !== tcm.handle) return;
  const tb = rtaParse(m.msg, NLMSG_HDRLEN + TCMSG_LEN);
  const kindAttr = tb.get(TCA_KIND);
  if (!kindAttr) {
    t.err('print_qdisc: NULL kind\n');
    return;
  }
  const kind = rtaGetStr(kindAttr);
  let s = '';
  if (m.type === RTM_DELQDISC) s += 'deleted ';
  s += `qdisc ${kind} ${(tcm.handle >>> 16).toString(16)}:`;
  if (t.opts.raw) s += `[${tcm.handle.toString(16).padStart(8, '0')}]`;
  s += ' ';
  if (!f.ifindex) s += `dev ${llIndexToName(ll, tcm.ifindex)} `;
  if (tcm.parent === TC_H_ROOT) s += 'root ';
  else if (tcm.parent) s += `parent ${printTcClassid(tcm.parent)} `;
  if (tcm.info !== 1) s += `refcnt ${tcm.info} `;
  s += printQopt(kind, tb.get(TCA_OPTIONS));
  s += '\n';
  if (t.opts.stats) {
    const st = statsDecode(tb);
    if (st) {
      s += ` Sent ${st.bytes} bytes ${st.packets} pkt (dropped ${st.drops}, overlimits ${st.overlimits} requeues ${st.requeues}) \n`;
      s += ` backlog ${sprintSize(st.backlog)} ${st.qlen}p requeues ${st.requeues}\n`;
    }
  }
  t.ctx.stdout.write(s);
}

/** tc_qdisc.c tc_qdisc_list(): `tc qdisc show`. */
async function tcQdiscList(t: TcCtx, argv: string[]): Promise<number> {
  let dev = '';
  const f: QdiscFilter = { ifindex: 0, parent: 0, handle: 0 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = (): string => {
      if (i + 1 >= argv.length) throw new IncompleteCommand();
      return argv[++i]!;
    };
    if (a === 'dev') {
      dev = next().slice(0, IFNAMSIZ - 1);
    } else if (a === 'root') {
      if (f.parent) {
        t.err('Duplicate parent ID\n');
        t.err(QDISC_USAGE);
        return 255;
      }
      f.parent = TC_H_ROOT;
    } else if (a === 'ingress' || a === 'clsact') {
      if (f.parent) {
        t.err('Duplicate parent ID\n');
        t.err(QDISC_USAGE);
        return 255;
      }
      f.parent = TC_H_INGRESS;
    } else if (a === 'parent') {
      const p = next();
      const h = getTcClassid(p);
      if (h === null) invarg('invalid parent ID', p, t);
      f.parent = h;
    } else if (a === 'handle') {
      const p = next();
      const h = getQdiscHandle(p);
      if (h === null) invarg('invalid qdisc ID', p, t);
      f.handle = h;
    } else if (matches(a, 'help')) {
      t.err(QDISC_USAGE);
      return 255;
    } else if (a === 'invisible') {
      // No invisible qdiscs exist here.
    } else {
      t.err(`What is "${a}"? Try "tc qdisc help".\n`);
      return 255;
    }
  }
  const ll = llInitMap(t.rth);
  if (dev) {
    f.ifindex = llNameToIndex(ll, dev);
    if (!f.ifindex) {
      t.err(`Cannot find device "${dev}"\n`);
      return 1;
    }
  }
  const req = buildRequest(RTM_GETQDISC, 0, TCMSG_LEN, (b, h) => {
    b.setBytes(h, tcmsgEncode({ family: AF_UNSPEC, ifindex: f.ifindex, handle: 0, parent: 0, info: 0 }));
  });
  const r = rtnlDump(t.rth, req);
  for (const m of r.msgs) printQdisc(t, m, ll, f);
  if (r.error < 0) {
    t.err('Dump terminated\n');
    return 1;
  }
  return 0;
}

/** tc_qdisc.c do_qdisc(). */
async function doQdisc(t: TcCtx, argv: string[]): Promise<number> {
  if (argv.length < 1) return tcQdiscList(t, []);
  const a = argv[0]!;
  const rest = argv.slice(1);
  if (matches(a, 'add')) return tcQdiscModify(t, RTM_NEWQDISC, NLM_F_EXCL | NLM_F_CREATE, rest);
  if (matches(a, 'change')) return tcQdiscModify(t, RTM_NEWQDISC, 0, rest);
  if (matches(a, 'replace')) return tcQdiscModify(t, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_REPLACE, rest);
  if (matches(a, 'link')) return tcQdiscModify(t, RTM_NEWQDISC, NLM_F_REPLACE, rest);
  if (matches(a, 'delete')) return tcQdiscModify(t, RTM_DELQDISC, 0, rest);
  if (matches(a, 'list') || matches(a, 'show') || matches(a, 'lst')) return tcQdiscList(t, rest);
  if (matches(a, 'help')) {
    t.err(QDISC_USAGE);
    return 0;
  }
  t.err(`Command "${a}" is unknown, try "tc qdisc help".\n`);
  return 255;
}

/** tc.c main(): the process runs in a child task once `-n NETNS` switched it. */
export async function tcMain(ctx: ToolContext): Promise<number> {
  const ns: { child: Task | null } = { child: null };
  try {
    return await tcRun(ctx, ns);
  } finally {
    if (ns.child) sys.exitTask(ns.child);
  }
}

async function tcRun(ctx: ToolContext, ns: { child: Task | null }): Promise<number> {
  const argv = ctx.argv.slice(1);
  const opts: TcOptions = { stats: 0, details: 0, raw: 0, iec: 0 };
  const err = (s: string): void => ctx.stderr.write(s);
  while (argv.length > 0 && argv[0]!.startsWith('-')) {
    const a = argv[0]!;
    if (matches(a, '-stats') || matches(a, '-statistics')) opts.stats++;
    else if (matches(a, '-details')) opts.details++;
    else if (matches(a, '-raw')) opts.raw++;
    else if (matches(a, '-pretty') || matches(a, '-graph') || matches(a, '-force') || matches(a, '-oneline') ||
      matches(a, '-brief') || matches(a, '-timestamp') || matches(a, '-tshort') || matches(a, '-color')) {
      // Accepted; they change nothing in qdisc text output.
    } else if (matches(a, '-Version')) {
      ctx.stdout.write('tc utility, iproute2-6.1.0, libbpf 1.1.2\n');
      return 0;
    } else if (matches(a, '-iec')) {
      opts.iec++;
    } else if (matches(a, '-help')) {
      err(TC_USAGE);
      return 0;
    } else if (matches(a, '-netns')) {
      if (argv.length < 2) {
        err('Command line is not complete. Try option "help"\n');
        return 255;
      }
      if (ns.child) sys.exitTask(ns.child);
      ns.child = netnsSwitch(ctx.task, argv[1]!, err);
      if (!ns.child) return 255;
      argv.shift();
    } else {
      err(`Option "${a}" is unknown, try "tc -help".\n`);
      return 255;
    }
    argv.shift();
  }
  if (argv.length === 0) {
    err(TC_USAGE);
    return 0;
  }
  let rth: Rtnl;
  try {
    rth = rtnlOpen(ns.child ?? ctx.task);
  } catch {
    err('Cannot open rtnetlink\n');
    return 1;
  }
  const t = new TcCtx(ctx, opts, rth);
  try {
    const obj = argv[0]!;
    const rest = argv.slice(1);
    if (matches(obj, 'qdisc')) return await doQdisc(t, rest);
    if (matches(obj, 'help')) {
      err(TC_USAGE);
      return 0;
    }
    err(`Object "${obj}" is unknown, try "tc help".\n`);
    return 255;
  } catch (e) {
    if (e instanceof IncompleteCommand) {
      err(`${e.message}\n`);
      return 255;
    }
    if (e instanceof TcExit) return e.code;
    throw e;
  } finally {
    rtnlClose(rth);
  }
}
