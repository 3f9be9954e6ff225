/**
 * The `ip` program (iproute2 6.1: ip/ip.c): global options (-br, -j, -p, -s
 * (repeatable), -d, -o, -n NETNS, -c=never), then the object: link, netns,
 * monitor. Everything goes through rtnetlink sockets and the syscall layer.
 */
import type { ToolContext } from '../tool.js';
import * as sys from '../../socket/syscalls.js';
import type { Task } from '../../socket/task.js';
import { type IpEnv, type IpOptions, doIplink } from './iplink.js';
import { doNetns } from './ipnetns.js';
import { doIpaddr } from './ipaddress.js';
import { doIpmonitor } from './ipmonitor.js';
import { doIpneigh } from './ipneigh.js';
import { doIpntable } from './ipntable.js';
import { doIproute } from './iproute.js';
import { doIprule } from './iprule.js';
import { rtnlOpen, rtnlClose } from '../lib/libnetlink.js';
import { matches, netnsSwitch } from '../lib/utils.js';

const USAGE = 'Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }\n' +
  '       ip [ -force ] -batch filename\n' +
  'where  OBJECT := { address | addrlabel | amt | fou | help | ila | ioam | l2tp | link |\n' +
  '                   macsec | maddress | monitor | mptcp | mroute | mrule |\n' +
  '                   neighbor | neighbour | netconf | netns | nexthop | ntable |\n' +
  '                   ntbl | route | rule | sr | tap | tcpmetrics |\n' +
  '                   token | tunnel | tuntap | vrf | xfrm }\n' +
  '       OPTIONS := { -V[ersion] | -s[tatistics] | -d[etails] | -r[esolve] |\n' +
  '                    -h[uman-readable] | -iec | -j[son] | -p[retty] |\n' +
  '                    -f[amily] { inet | inet6 | mpls | bridge | link } |\n' +
  '                    -4 | -6 | -M | -B | -0 |\n' +
  '                    -l[oops] { maximum-addr-flush-attempts } | -br[ief] |\n' +
  '                    -o[neline] | -t[imestamp] | -ts[hort] | -b[atch] [filename] |\n' +
  '                    -rc[vbuf] [size] | -n[etns] name | -N[umeric] | -a[ll] |\n' +
  '                    -c[olor]}\n';

export async function ipMain(ctx: ToolContext): Promise<number> {
  const opts: IpOptions = { json: false, pretty: false, brief: false, details: 0, stats: 0, oneline: false, family: 0 };
  const args = ctx.argv.slice(1);
  let netns: string | null = null;
  while (args.length && args[0]!.startsWith('-') && args[0] !== '-') {
    let opt = args.shift()!;
    if (opt.startsWith('--')) opt = opt.slice(1);
    const o = opt.slice(1);
    if (o === 'br' || matches(o, 'brief') && o.length >= 2) opts.brief = true;
    else if (matches(o, 'json') && o.length >= 1 && o[0] === 'j') opts.json = true;
    else if (matches(o, 'pretty') && o[0] === 'p') opts.pretty = true;
    else if (matches(o, 'statistics') || matches(o, 'stats')) opts.stats++;
    else if (matches(o, 'details')) opts.details++;
    else if (matches(o, 'oneline')) opts.oneline = true;
    else if (o === '4') opts.family = 2; /* AF_INET */
    else if (o === '6') opts.family = 10; /* AF_INET6 */
    else if (o === '0') opts.family = 17; /* AF_PACKET */
    else if (o === 'M') opts.family = 28; /* AF_MPLS */
    else if (o === 'B') opts.family = 7; /* AF_BRIDGE */
    else if (matches(o, 'family') && o[0] === 'f') {
      const v = args.shift();
      const fam: Record<string, number> = { inet: 2, inet6: 10, link: 17, bridge: 7, mpls: 28 };
      if (v === undefined || fam[v] === undefined) {
        ctx.stderr.write(v === undefined ? 'Command line is not complete. Try option "help"\n' : `Error: argument "${v}" is wrong: invalid protocol family\n`);
        return 255;
      }
      opts.family = fam[v]!;
    } else if (o === 'N' || matches(o, 'Numeric')) opts.numeric = true;
    else if (o.startsWith('c') && matches(o.split('=')[0]!, 'color')) { /* colors are never used */ }
    else if (matches(o, 'netns') && o[0] === 'n') {
      const v = args.shift();
      if (v === undefined) {
        ctx.stderr.write('Command line is not complete. Try option "help"\n');
        return 255;
      }
      netns = v;
    } else if (o === 'V' || matches(o, 'Version')) {
      ctx.stdout.write('ip utility, iproute2-6.1.0, libbpf 1.1.2\n');
      return 0;
    } else if (matches(o, 'help')) {
      ctx.stderr.write(USAGE);
      return 255;
    } else {
      ctx.stderr.write(`Option "${opt}" is unknown, try "ip -help".\n`);
      return 255;
    }
  }
  let task: Task = ctx.task;
  let child: Task | null = null;
  if (netns !== null) {
    child = netnsSwitch(ctx.task, netns, (t) => ctx.stderr.write(t));
    if (!child) return 255;
    task = child;
  }
  const rth = rtnlOpen(task);
  const env: IpEnv = {
    task, rth, opts,
    out: (t) => ctx.stdout.write(t),
    err: (t) => ctx.stderr.write(t),
  };
  try {
    const obj = args.shift();
    if (obj === undefined) {
      ctx.stderr.write(USAGE);
      return 255;
    }
    if (matches(obj, 'route')) return doIproute(env, args);
    if (matches(obj, 'rule')) return doIprule(env, args);
    if (matches(obj, 'address')) return doIpaddr(env, args);
    if (matches(obj, 'neighbor') || matches(obj, 'neighbour')) return doIpneigh(env, args);
    if (matches(obj, 'ntable') || matches(obj, 'ntbl')) return doIpntable(env, args);
    if (matches(obj, 'link')) return doIplink(env, args);
    if (obj === 'netns') return await doNetns({ ...ctx, task }, env, args);
    if (matches(obj, 'monitor')) return await doIpmonitor(env, args);
    if (matches(obj, 'help')) {
      ctx.stderr.write(USAGE);
      return 255;
    }
    ctx.stderr.write(`Object "${obj}" is unknown, try "ip help".\n`);
    return 255;
  } finally {
    rtnlClose(rth);
    if (child) sys.exitTask(child);
  }
}
