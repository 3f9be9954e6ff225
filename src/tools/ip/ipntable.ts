/**
 * `ip ntable` (iproute2 6.1: ip/ipntable.c): show dumps RTM_GETNEIGHTBL (each
 * table with its thresholds and default parameters, then the parameters of the
 * devices of the namespace), change sends RTM_SETNEIGHTBL. Text, -s and -j
 * output, errors and exit statuses as iproute2 prints them. Userspace only.
 */
import * as sys from '../../socket/syscalls.js';
import { AF_INET, AF_INET6 } from '../../socket/socket.js';
import {
  type NlMsg, type NlaTable, NLM_F_REPLACE, NLMSG_HDRLEN, nlmsgParse, nlaParseNested, nlaGetU32,
  nlaGetU64, nlaGetString,
} from '../../wire/netlink.js';
import {
  RTM_NEWNEIGHTBL, RTM_GETNEIGHTBL, RTM_SETNEIGHTBL, NDTMSG_LEN, NDTA_NAME, NDTA_THRESH1, NDTA_THRESH2, NDTA_THRESH3,
  NDTA_CONFIG, NDTA_PARMS, NDTA_STATS, NDTA_GC_INTERVAL, NDTA_MAX, NDTPA_IFINDEX, NDTPA_REFCNT, NDTPA_REACHABLE_TIME,
  NDTPA_BASE_REACHABLE_TIME, NDTPA_RETRANS_TIME, NDTPA_GC_STALETIME, NDTPA_DELAY_PROBE_TIME, NDTPA_QUEUE_LEN,
  NDTPA_APP_PROBES, NDTPA_UCAST_PROBES, NDTPA_MCAST_PROBES, NDTPA_ANYCAST_DELAY, NDTPA_PROXY_DELAY, NDTPA_PROXY_QLEN,
  NDTPA_LOCKTIME, NDTPA_MAX,
} from '../../wire/neighbour.js';
import { buildRequest, rtnlTalk, rtnlDump, talkErrorText } from '../lib/libnetlink.js';
import { type LlMap, llInitMap, llIndexToName, llNameToIndex } from '../lib/ll_map.js';
import { matches } from '../lib/utils.js';
import { strtoul } from '../lib/rt_names.js';
import { Printer } from './json_print.js';
import type { IpEnv } from './iplink.js';
import { IpArgError, nextArg, invarg } from './iproute.js';

const USAGE = 'Usage: ip ntable change name NAME [ dev DEV ]\n' +
  '        [ thresh1 VAL ] [ thresh2 VAL ] [ thresh3 VAL ] [ gc_int MSEC ]\n' +
  '        [ PARMS ]\n' +
  'Usage: ip ntable show [ dev DEV ] [ name NAME ]\n' +
  'PARMS := [ base_reachable MSEC ] [ retrans MSEC ] [ gc_stale MSEC ]\n' +
  '         [ delay_probe MSEC ] [ queue LEN ]\n' +
  '         [ app_probes VAL ] [ ucast_probes VAL ] [ mcast_probes VAL ]\n' +
  '         [ anycast_delay MSEC ] [ proxy_delay MSEC ] [ proxy_queue LEN ]\n' +
  '         [ locktime MSEC ]\n';

/** iproute2: NONE_DEV (`dev none`: the tables' own parameters only). */
const NONE_DEV = -1;

/** What each PARMS keyword sends: attribute, and whether it is a u64 (msecs) or a u32. */
const PARMS: Record<string, [number, boolean]> = {
  base_reachable: [NDTPA_BASE_REACHABLE_TIME, true],
  retrans: [NDTPA_RETRANS_TIME, true],
  gc_stale: [NDTPA_GC_STALETIME, true],
  delay_probe: [NDTPA_DELAY_PROBE_TIME, true],
  queue: [NDTPA_QUEUE_LEN, false],
  app_probes: [NDTPA_APP_PROBES, false],
  ucast_probes: [NDTPA_UCAST_PROBES, false],
  mcast_probes: [NDTPA_MCAST_PROBES, false],
  anycast_delay: [NDTPA_ANYCAST_DELAY, true],
  proxy_delay: [NDTPA_PROXY_DELAY, true],
  proxy_queue: [NDTPA_PROXY_QLEN, false],
  locktime: [NDTPA_LOCKTIME, true],
};

function usage(): never {
  throw new IpArgError(USAGE, 255);
}

/** iproute2: get_u32()/get_u64() (strtoul base 0, whole string). */
function getUnsigned(arg: string, max: number): number | null {
  const v = strtoul(arg, 0);
  return v === null || v > max ? null : v;
}

/** iproute2: ipntable_modify(). */
function ipntableModify(env: IpEnv, args: string[]): number {
  let name: string | null = null;
  let thresh = false;
  let gcInt = false;
  let parmsChange = false;
  const top: [number, number, boolean][] = [];
  const parms: [number, number, boolean][] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === 'name') {
      const v = nextArg(args, i++);
      if (name !== null) throw new IpArgError(`Error: duplicate "NAME": "${v}" is the second value.\n`, 255);
      name = v;
    } else if (a === 'thresh1' || a === 'thresh2' || a === 'thresh3') {
      const v = nextArg(args, i++);
      thresh = true;
      const n = getUnsigned(v, 0xffffffff);
      if (n === null) invarg(`"${a}" value is invalid`, v);
      top.push([a === 'thresh1' ? NDTA_THRESH1 : a === 'thresh2' ? NDTA_THRESH2 : NDTA_THRESH3, n, false]);
    } else if (a === 'gc_int') {
      const v = nextArg(args, i++);
      gcInt = true;
      const n = getUnsigned(v, Number.MAX_SAFE_INTEGER);
      if (n === null) invarg('"gc_int" value is invalid', v);
      top.push([NDTA_GC_INTERVAL, n, true]);
    } else if (a === 'dev') {
      const v = nextArg(args, i++);
      const ifindex = llNameToIndex(llInitMap(env.rth), v);
      if (!ifindex) {
        env.err(`Cannot find device "${v}"\n`);
        return 1;
      }
      parms.push([NDTPA_IFINDEX, ifindex, false]);
    } else if (PARMS[a]) {
      const [type, u64] = PARMS[a];
      const v = nextArg(args, i++);
      const n = getUnsigned(v, u64 ? Number.MAX_SAFE_INTEGER : 0xffffffff);
      if (n === null) invarg(`"${a}" value is invalid`, v);
      parms.push([type, n, u64]);
      parmsChange = true;
    } else {
      invarg('unknown', a);
    }
  }
  if (name === null) throw new IpArgError('Error: argument "NAME" is required\n', 255);
  if (!thresh && !gcInt && !parmsChange) {
    throw new IpArgError('Not enough information: changeable attributes required.\n', 255);
  }
  const nm = name;
  const b = buildRequest(RTM_SETNEIGHTBL, NLM_F_REPLACE, NDTMSG_LEN, (bb, h) => {
    bb.setU8(h, env.opts.family);
    bb.nlaPutString(NDTA_NAME, nm);
    for (const [type, v, u64] of top) {
      if (u64) bb.nlaPutU64(type, v);
      else bb.nlaPutU32(type, v);
    }
    if (parms.length) {
      const nest = bb.nlaNestStartNoflag(NDTA_PARMS);
      for (const [type, v, u64] of parms) {
        if (u64) bb.nlaPutU64(type, v);
        else bb.nlaPutU32(type, v);
      }
      bb.nlaNestEnd(nest);
    }
  });
  const r = rtnlTalk(env.rth, b);
  if (r.error) {
    env.err(talkErrorText(r));
    return 2;
  }
  return 0;
}

/** iproute2: ntable_strtime_delta(): the wall-clock time `msec` ago, or "(error)". */
function strtimeDelta(env: IpEnv, msec: number): string {
  if (msec === 0) return '(error)';
  const nowSec = Math.floor(sys.clockGettime(env.task, sys.CLOCK_REALTIME) / 1e9);
  const d = new Date((nowSec - Math.floor(msec / 1000)) * 1000);
  const p2 = (x: number): string => String(x).padStart(2, '0');
  // The reference host's timezone is UTC.
  return `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())} ` +
    `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
}

interface NtableFilter {
  index: number;
  name: string;
}

/** iproute2: print_ntable(). */
function printNtable(env: IpEnv, p: Printer, m: NlMsg, filter: NtableFilter, ll: LlMap): void {
  if (m.type !== RTM_NEWNEIGHTBL) return;
  const family = m.msg[NLMSG_HDRLEN]!;
  if (env.opts.family && env.opts.family !== family) return;
  const tbp0 = nlmsgParse(m.msg, NDTMSG_LEN, NDTA_MAX, null);
  const tb: NlaTable = typeof tbp0 === 'number' ? [] : tbp0;
  const name = tb[NDTA_NAME] ? nlaGetString(tb[NDTA_NAME]) : null;
  if (name !== null && filter.name && filter.name !== name) return;
  let tpb: NlaTable = [];
  if (tb[NDTA_PARMS]) {
    const r = nlaParseNested(tb[NDTA_PARMS], NDTPA_MAX, null);
    tpb = typeof r === 'number' ? [] : r;
    if (tpb[NDTPA_IFINDEX]) {
      if (filter.index && filter.index !== nlaGetU32(tpb[NDTPA_IFINDEX])) return;
    } else if (filter.index && filter.index !== NONE_DEV) {
      return;
    }
  }
  const u32 = (t: NlaTable, i: number): number | null => (t[i] ? nlaGetU32(t[i]!) : null);
  const u64 = (t: NlaTable, i: number): number | null => (t[i] ? nlaGetU64(t[i]!) : null);
  const stats = env.opts.stats > 0;
  p.openObject(null);
  p.any('family', '%s ', family === AF_INET ? 'inet' : family === AF_INET6 ? 'inet6' : `(${family})`);
  if (name !== null) p.any('name', '%s ', name);
  p.fp('\n');
  const hasThresh = tb[NDTA_THRESH1] || tb[NDTA_THRESH2] || tb[NDTA_THRESH3] || tb[NDTA_GC_INTERVAL];
  if (hasThresh) p.fp('    ');
  for (const [i, key] of [[NDTA_THRESH1, 'thresh1'], [NDTA_THRESH2, 'thresh2'], [NDTA_THRESH3, 'thresh3']] as const) {
    const v = u32(tb, i);
    if (v !== null) p.any(key, `${key} %s `, v);
  }
  const gc = u64(tb, NDTA_GC_INTERVAL);
  if (gc !== null) p.any('gc_interval', 'gc_int %s ', gc);
  if (hasThresh) p.fp('\n');
  if (tb[NDTA_CONFIG] && stats && tb[NDTA_CONFIG].data.length >= 32) {
    const c = tb[NDTA_CONFIG].data;
    const v = new DataView(c.buffer, c.byteOffset, c.byteLength);
    p.fp('    config ');
    p.any('key_length', 'key_len %s ', v.getUint16(0, true));
    p.any('entry_size', 'entry_size %s ', v.getUint16(2, true));
    p.any('entries', 'entries %s ', v.getUint32(4, true));
    p.fp('\n        ');
    p.any('last_flush', 'last_flush %s ', strtimeDelta(env, v.getUint32(8, true)));
    p.any('last_rand', 'last_rand %s ', strtimeDelta(env, v.getUint32(12, true)));
    p.fp('\n        ');
    p.any('hash_rnd', 'hash_rnd %s ', v.getUint32(16, true));
    const mask = v.getUint32(20, true);
    if (p.isJson) p.jsonOnly('hash_mask', `0x${mask.toString(16)}`);
    else p.fp(`hash_mask ${mask.toString(16).padStart(8, '0')} `);
    p.any('hash_chain_gc', 'hash_chain_gc %s ', v.getUint32(24, true));
    p.any('proxy_qlen', 'proxy_qlen %s ', v.getUint32(28, true));
    p.fp('\n');
  }
  if (tb[NDTA_PARMS]) {
    const ifindex = u32(tpb, NDTPA_IFINDEX);
    if (ifindex !== null) {
      p.fp('    dev ');
      p.any('dev', '%s ', llIndexToName(ll, ifindex));
      p.fp('\n');
    }
    const line = (items: [number, string, string, boolean][]): void => {
      p.fp('    ');
      for (const [i, key, label, is64] of items) {
        const v = is64 ? u64(tpb, i) : u32(tpb, i);
        if (v !== null) p.any(key, `${label} %s `, v);
      }
      p.fp('\n');
    };
    line([[NDTPA_REFCNT, 'refcnt', 'refcnt', false], [NDTPA_REACHABLE_TIME, 'reachable', 'reachable', true],
      [NDTPA_BASE_REACHABLE_TIME, 'base_reachable', 'base_reachable', true], [NDTPA_RETRANS_TIME, 'retrans', 'retrans', true]]);
    line([[NDTPA_GC_STALETIME, 'gc_stale', 'gc_stale', true], [NDTPA_DELAY_PROBE_TIME, 'delay_probe', 'delay_probe', true],
      [NDTPA_QUEUE_LEN, 'queue', 'queue', false]]);
    line([[NDTPA_APP_PROBES, 'app_probes', 'app_probes', false], [NDTPA_UCAST_PROBES, 'ucast_probes', 'ucast_probes', false],
      [NDTPA_MCAST_PROBES, 'mcast_probes', 'mcast_probes', false]]);
    line([[NDTPA_ANYCAST_DELAY, 'anycast_delay', 'anycast_delay', true], [NDTPA_PROXY_DELAY, 'proxy_delay', 'proxy_delay', true],
      [NDTPA_PROXY_QLEN, 'proxy_queue', 'proxy_queue', false], [NDTPA_LOCKTIME, 'locktime', 'locktime', true]]);
  }
  if (tb[NDTA_STATS] && stats && tb[NDTA_STATS].data.length >= 88) {
    const s = tb[NDTA_STATS].data;
    const v = new DataView(s.buffer, s.byteOffset, s.byteLength);
    const at = (i: number): number => Number(v.getBigUint64(i * 8, true));
    p.fp('    stats ');
    p.any('allocs', 'allocs %s ', at(0));
    p.any('destroys', 'destroys %s ', at(1));
    p.any('hash_grows', 'hash_grows %s ', at(2));
    p.fp('\n    ');
    p.any('res_failed', 'res_failed %s ', at(3));
    p.any('lookups', 'lookups %s ', at(4));
    p.any('hits', 'hits %s ', at(5));
    p.fp('\n    ');
    p.any('rcv_probes_mcast', 'rcv_probes_mcast %s ', at(6));
    p.any('rcv_probes_ucast', 'rcv_probes_ucast %s ', at(7));
    p.fp('\n    ');
    p.any('periodic_gc_runs', 'periodic_gc_runs %s ', at(8));
    p.any('forced_gc_runs', 'forced_gc_runs %s ', at(9));
    p.fp('\n    ');
    p.any('table_fulls', 'table_fulls %s ', at(10));
    p.fp('\n');
  }
  p.fp('\n');
  p.closeObject();
}

/** iproute2: ipntable_show(). */
function ipntableShow(env: IpEnv, args: string[], ll: LlMap): number {
  const filter: NtableFilter = { index: 0, name: '' };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === 'dev') {
      const v = nextArg(args, i++);
      if (v === 'none') filter.index = NONE_DEV;
      else {
        filter.index = llNameToIndex(ll, v);
        if (!filter.index) invarg('"DEV" is invalid', v);
      }
    } else if (a === 'name') {
      filter.name = nextArg(args, i++);
    } else {
      invarg('unknown', a);
    }
  }
  const b = buildRequest(RTM_GETNEIGHTBL, 0, NDTMSG_LEN, (bb, h) => bb.setU8(h, env.opts.family));
  const r = rtnlDump(env.rth, b);
  if (r.error) {
    env.err('Dump terminated\n');
    return 1;
  }
  const p = new Printer(env.opts.json, env.opts.pretty);
  p.openArray(null);
  for (const m of r.msgs) printNtable(env, p, m, filter, ll);
  p.closeArray();
  env.out(p.json ? p.result() : p.text);
  return 0;
}

/** iproute2: do_ipntable(). */
export function doIpntable(env: IpEnv, args: string[]): number {
  try {
    const ll = llInitMap(env.rth);
    const cmd = args[0];
    if (cmd === undefined) return ipntableShow(env, [], ll);
    if (matches(cmd, 'change') || matches(cmd, 'chg')) return ipntableModify(env, args.slice(1));
    if (matches(cmd, 'show') || matches(cmd, 'lst') || matches(cmd, 'list')) return ipntableShow(env, args.slice(1), ll);
    if (matches(cmd, 'help')) usage();
    env.err(`Command "${cmd}" is unknown, try "ip ntable help".\n`);
    return 255;
  } catch (e) {
    if (e instanceof IpArgError) {
      env.err(e.text);
      return e.status;
    }
    throw e;
  }
}


