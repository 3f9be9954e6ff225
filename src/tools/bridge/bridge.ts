/**
 * The `bridge` program (iproute2 6.1: bridge/bridge.c): global options
 * (-s, -d, -j, -p, -n NETNS, -V), then the object: `link` (link.ts) or `fdb`
 * (fdb.ts). Like iproute2's bridge it turns on NETLINK_GET_STRICT_CHK and reads
 * the link table once to map ifindexes to names (ll_init_map). Only syscalls.
 */
import type { ToolContext } from '../tool.js';
import * as sys from '../../socket/syscalls.js';
import type { Task } from '../../socket/task.js';
import { SOL_NETLINK } from '../../socket/socket.js';
import { NETLINK_GET_STRICT_CHK } from '../../wire/netlink.js';
import { type Rtnl, rtnlOpen, rtnlClose } from '../lib/libnetlink.js';
import { type LlMap, llInitMap } from '../lib/ll_map.js';
import { matches, netnsSwitch } from '../lib/utils.js';
import { doLink } from './link.js';
import { doFdb } from './fdb.js';

const USAGE = 'Usage: bridge [ OPTIONS ] OBJECT { COMMAND | help }\n' +
  '       bridge [ -force ] -batch filename\n' +
  'where  OBJECT := { link | fdb | mdb | vlan | monitor }\n' +
  '       OPTIONS := { -V[ersion] | -s[tatistics] | -d[etails] |\n' +
  '                    -o[neline] | -t[imestamp] | -n[etns] name |\n' +
  '                    -c[ompressvlans] -color -p[retty] -j[son] }\n';

export interface BridgeEnv {
  task: Task;
  rth: Rtnl;
  json: boolean;
  pretty: boolean;
  stats: number;
  details: number;
  /** ifindex -> device (iproute2's ll_map). */
  ll: LlMap;
  out(text: string): void;
  err(text: string): void;
}

export async function bridgeMain(ctx: ToolContext): Promise<number> {
  const args = ctx.argv.slice(1);
  let json = false;
  let pretty = false;
  let stats = 0;
  let details = 0;
  let netns: string | null = null;
  while (args.length && args[0]!.startsWith('-') && args[0] !== '-') {
    let opt = args.shift()!;
    if (opt.startsWith('--')) opt = opt.slice(1);
    const o = opt.slice(1);
    if (matches(o, 'help')) {
      ctx.stderr.write(USAGE);
      return 255;
    } else if (o === 'V' || matches(o, 'Version')) {
      ctx.stdout.write('bridge utility, 6.1.0\n');
      return 0;
    } else if (matches(o, 'stats') || matches(o, 'statistics')) {
      stats++;
    } else if (matches(o, 'details')) {
      details++;
    } else if (matches(o, 'oneline') || matches(o, 'timestamp') || matches(o, 'compressvlans') || o.startsWith('c')) {
      // Accepted; they change nothing for link and fdb output here.
    } else if (matches(o, 'netns')) {
      const v = args.shift();
      if (v === undefined) {
        ctx.stderr.write('Command line is not complete. Try option "help"\n');
        return 255;
      }
      netns = v;
    } else if (matches(o, 'json')) {
      json = true;
    } else if (matches(o, 'pretty')) {
      pretty = true;
    } else {
      ctx.stderr.write(`Option "${opt}" is unknown, try "bridge help".\n`);
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
  // bridge.c: rtnl_set_strict_dump()
  sys.setsockopt(task, rth.fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1);
  const env: BridgeEnv = {
    task, rth, json, pretty, stats, details, ll: new Map(),
    out: (t) => ctx.stdout.write(t),
    err: (t) => ctx.stderr.write(t),
  };
  try {
    const obj = args.shift();
    if (obj === undefined) {
      ctx.stderr.write(USAGE);
      return 255;
    }
    if (matches(obj, 'link')) {
      llInitMap(rth, env.ll);
      return doLink(env, args);
    }
    if (matches(obj, 'fdb')) {
      llInitMap(rth, env.ll);
      return doFdb(env, args);
    }
    if (matches(obj, 'help')) {
      ctx.stderr.write(USAGE);
      return 255;
    }
    ctx.stderr.write(`Object "${obj}" is unknown, try "bridge help".\n`);
    return 255;
  } finally {
    rtnlClose(rth);
    if (child) sys.exitTask(child);
  }
}
