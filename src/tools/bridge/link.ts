/**
 * `bridge link` (iproute2 6.1: bridge/link.c): show bridge ports from an
 * AF_BRIDGE RTM_GETLINK dump (state, priority, cost; with -d every port flag),
 * and `bridge link set dev DEV ...`, an AF_BRIDGE RTM_SETLINK carrying a nested
 * IFLA_PROTINFO of IFLA_BRPORT_* attributes.
 */
import { type NlMsg, type NlaTable, NLA_F_NESTED, NLMSG_HDRLEN, nlmsgParse, nlaParseNested, nlaGetU8, nlaGetU16, nlaGetU32, nlaGetString } from '../../wire/netlink.js';
import { IFINFOMSG_LEN, IFLA_IFNAME, IFLA_LINK, IFLA_LINK_NETNSID, IFLA_MASTER, IFLA_MAX, IFLA_MTU, IFLA_PROTINFO, IFLA_AF_SPEC, ifinfomsgParse } from '../../wire/if_link.js';
import * as B from '../../wire/if_bridge.js';
import { RTM_DELLINK, RTM_GETLINK, RTM_SETLINK } from '../../wire/rtnetlink.js';
import { AF_BRIDGE } from '../../socket/socket.js';
import { Printer } from '../ip/json_print.js';
import { buildRequest, rtnlDump, rtnlTalkOrReport } from '../lib/libnetlink.js';
import type { BridgeEnv } from './bridge.js';
import { llIndexToName, llNameToIndex } from '../lib/ll_map.js';
import { matches } from '../lib/utils.js';

const PORT_STATES = ['disabled', 'listening', 'learning', 'forwarding', 'blocking'];
const HW_MODE = ['VEB', 'VEPA'];
const IFF_UP = 0x1;
const IFF_RUNNING = 0x40;
const FLAG_NAMES: [number, string][] = [
  [0x8, 'LOOPBACK'], [0x2, 'BROADCAST'], [0x10, 'POINTOPOINT'], [0x1000, 'MULTICAST'], [0x80, 'NOARP'],
  [0x200, 'ALLMULTI'], [0x100, 'PROMISC'], [0x400, 'MASTER'], [0x800, 'SLAVE'], [0x4, 'DEBUG'],
  [0x8000, 'DYNAMIC'], [0x4000, 'AUTOMEDIA'], [0x2000, 'PORTSEL'], [0x20, 'NOTRAILERS'], [0x1, 'UP'],
  [0x10000, 'LOWER_UP'], [0x20000, 'DORMANT'], [0x40000, 'ECHO'],
];

const USAGE = 'Usage: bridge link set dev DEV [ cost COST ] [ priority PRIO ] [ state STATE ]\n' +
  '                               [ guard {on | off} ]\n' +
  '                               [ hairpin {on | off} ]\n' +
  '                               [ fastleave {on | off} ]\n' +
  '                               [ root_block {on | off} ]\n' +
  '                               [ learning {on | off} ]\n' +
  '                               [ learning_sync {on | off} ]\n' +
  '                               [ flood {on | off} ]\n' +
  '                               [ mcast_router MULTICAST_ROUTER ]\n' +
  '                               [ mcast_flood {on | off} ]\n' +
  '                               [ bcast_flood {on | off} ]\n' +
  '                               [ mcast_to_unicast {on | off} ]\n' +
  '                               [ neigh_suppress {on | off} ]\n' +
  '                               [ vlan_tunnel {on | off} ]\n' +
  '                               [ isolated {on | off} ]\n' +
  '                               [ locked {on | off} ]\n' +
  '                               [ hwmode {vepa | veb} ]\n' +
  '                               [ backup_port DEVICE ] [ nobackup_port ]\n' +
  '                               [ self ] [ master ]\n' +
  '       bridge link show [dev DEV]\n';

/** iproute2: print_link_flags(). */
function printLinkFlags(p: Printer, flags: number, mdown: boolean): void {
  const names: string[] = [];
  if (flags & IFF_UP && !(flags & IFF_RUNNING)) names.push('NO-CARRIER');
  flags &= ~IFF_RUNNING;
  for (const [bit, name] of FLAG_NAMES) {
    if (flags & bit) {
      flags &= ~bit;
      names.push(name);
    }
  }
  if (flags) names.push(flags.toString(16));
  if (mdown) names.push('M-DOWN');
  if (p.isJson) {
    p.openArray('flags');
    for (const n of names) p.jsonOnly(null, n);
    p.closeArray();
  } else {
    p.fp(`<${names.join(',')}> `);
  }
}

function printOnoff(p: Printer, flag: string, val: number): void {
  if (p.isJson) p.jsonOnly(flag, val !== 0);
  else p.fp(`${flag} ${val ? 'on' : 'off'} `);
}

/** iproute2: print_portstate(). */
function printPortstate(p: Printer, state: number): void {
  if (state <= B.BR_STATE_BLOCKING) p.any('state', 'state %s ', PORT_STATES[state]!);
  else p.any('state', 'state (%s) ', state);
}

/** iproute2: print_protinfo(). */
function printProtinfo(env: BridgeEnv, p: Printer, tb: NlaTable): void {
  const attr = tb[IFLA_PROTINFO]!;
  if (!(attr.rawType & NLA_F_NESTED)) {
    printPortstate(p, nlaGetU8(attr));
    return;
  }
  const prtb = nlaParseNested(attr, B.IFLA_BRPORT_MAX, null);
  if (typeof prtb === 'number') return;
  if (prtb[B.IFLA_BRPORT_STATE]) printPortstate(p, nlaGetU8(prtb[B.IFLA_BRPORT_STATE]));
  if (prtb[B.IFLA_BRPORT_PRIORITY]) p.any('priority', 'priority %s ', nlaGetU16(prtb[B.IFLA_BRPORT_PRIORITY]));
  if (prtb[B.IFLA_BRPORT_COST]) p.any('cost', 'cost %s ', nlaGetU32(prtb[B.IFLA_BRPORT_COST]));
  if (!env.details) return;
  p.fp('\n    ');
  const onoff: [number, string][] = [
    [B.IFLA_BRPORT_MODE, 'hairpin'], [B.IFLA_BRPORT_GUARD, 'guard'], [B.IFLA_BRPORT_PROTECT, 'root_block'],
    [B.IFLA_BRPORT_FAST_LEAVE, 'fastleave'], [B.IFLA_BRPORT_LEARNING, 'learning'],
    [B.IFLA_BRPORT_LEARNING_SYNC, 'learning_sync'], [B.IFLA_BRPORT_UNICAST_FLOOD, 'flood'],
    [B.IFLA_BRPORT_MCAST_FLOOD, 'mcast_flood'], [B.IFLA_BRPORT_BCAST_FLOOD, 'bcast_flood'],
  ];
  for (const [a, name] of onoff) if (prtb[a]) printOnoff(p, name, nlaGetU8(prtb[a]));
  if (prtb[B.IFLA_BRPORT_MULTICAST_ROUTER]) {
    p.any('mcast_router', 'mcast_router %s ', nlaGetU8(prtb[B.IFLA_BRPORT_MULTICAST_ROUTER]));
  }
  const rest: [number, string][] = [
    [B.IFLA_BRPORT_MCAST_TO_UCAST, 'mcast_to_unicast'], [B.IFLA_BRPORT_NEIGH_SUPPRESS, 'neigh_suppress'],
    [B.IFLA_BRPORT_VLAN_TUNNEL, 'vlan_tunnel'],
  ];
  for (const [a, name] of rest) if (prtb[a]) printOnoff(p, name, nlaGetU8(prtb[a]));
  if (prtb[B.IFLA_BRPORT_BACKUP_PORT]) {
    p.any('backup_port', 'backup_port %s ', llIndexToName(env.ll, nlaGetU32(prtb[B.IFLA_BRPORT_BACKUP_PORT])));
  }
  if (prtb[B.IFLA_BRPORT_ISOLATED]) printOnoff(p, 'isolated', nlaGetU8(prtb[B.IFLA_BRPORT_ISOLATED]));
  if (prtb[B.IFLA_BRPORT_LOCKED]) printOnoff(p, 'locked', nlaGetU8(prtb[B.IFLA_BRPORT_LOCKED]));
}

/** iproute2: print_name_and_link(): NAME@LINK, and whether the link is down (M-DOWN). */
function printNameAndLink(env: BridgeEnv, p: Printer, name: string, tb: NlaTable): boolean {
  let mdown = false;
  let shown = name;
  if (tb[IFLA_LINK]) {
    const iflink = nlaGetU32(tb[IFLA_LINK]);
    if (iflink) {
      if (tb[IFLA_LINK_NETNSID]) {
        if (p.isJson) p.jsonOnly('link_index', iflink);
        else shown = `${name}@if${iflink}`;
      } else {
        const link = llIndexToName(env.ll, iflink);
        if (p.isJson) p.jsonOnly('link', link);
        else shown = `${name}@${link}`;
        const e = env.ll.get(iflink);
        mdown = !((e?.flags ?? 0) & IFF_UP);
      }
    } else if (p.isJson) {
      p.jsonOnly('link', null);
    } else {
      shown = `${name}@NONE`;
    }
  }
  p.any('ifname', '%s: ', shown);
  return mdown;
}

/** iproute2: print_linkinfo() of bridge/link.c. */
export function printBridgeLinkinfo(env: BridgeEnv, p: Printer, m: NlMsg, filterIndex: number): void {
  const ifi = ifinfomsgParse(m.msg, NLMSG_HDRLEN);
  if (!(ifi.family === AF_BRIDGE || ifi.family === 0)) return;
  if (filterIndex && filterIndex !== ifi.index) return;
  const tb = nlmsgParse(m.msg, IFINFOMSG_LEN, IFLA_MAX, null);
  if (typeof tb === 'number') return;
  const name = tb[IFLA_IFNAME] ? nlaGetString(tb[IFLA_IFNAME]) : llIndexToName(env.ll, ifi.index);
  p.openObject(null);
  if (m.type === RTM_DELLINK) {
    if (p.isJson) p.jsonOnly('deleted', true);
    else p.fp('Deleted ');
  }
  p.any('ifindex', '%s: ', ifi.index);
  const mdown = printNameAndLink(env, p, name, tb);
  printLinkFlags(p, ifi.flags, mdown);
  if (tb[IFLA_MTU]) p.any('mtu', 'mtu %s ', nlaGetU32(tb[IFLA_MTU]));
  if (tb[IFLA_MASTER]) p.any('master', 'master %s ', llIndexToName(env.ll, nlaGetU32(tb[IFLA_MASTER])));
  if (tb[IFLA_PROTINFO]) printProtinfo(env, p, tb);
  if (tb[IFLA_AF_SPEC]) {
    const af = nlaParseNested(tb[IFLA_AF_SPEC], 3, null);
    if (typeof af !== 'number' && af[B.IFLA_BRIDGE_MODE]) {
      const mode = nlaGetU16(af[B.IFLA_BRIDGE_MODE]);
      p.any('hwmode', 'hwmode %s ', HW_MODE[mode] ?? `0x${mode.toString(16)}`);
    }
  }
  p.fp('\n');
  p.closeObject();
}

function brlinkShow(env: BridgeEnv, args: string[]): number {
  let filterDev: string | null = null;
  while (args.length) {
    const a = args.shift()!;
    if (a === 'dev') {
      const v = args.shift();
      if (v === undefined) {
        env.err('Command line is not complete. Try option "help"\n');
        return 255;
      }
      if (filterDev) {
        env.err(`Error: duplicate "dev": "${v}" is the second value.\n`);
        return 255;
      }
      filterDev = v;
    }
  }
  let filterIndex = 0;
  if (filterDev) {
    filterIndex = llNameToIndex(env.ll, filterDev);
    if (!filterIndex) {
      env.err(`Cannot find device "${filterDev}"\n`);
      return 255;
    }
  }
  const b = buildRequest(RTM_GETLINK, 0, IFINFOMSG_LEN, (bb, h) => bb.setU8(h, AF_BRIDGE));
  const r = rtnlDump(env.rth, b);
  if (r.error) {
    env.err('Dump terminated\n');
    return 1;
  }
  const p = new Printer(env.json, env.pretty);
  p.openArray(null);
  for (const m of r.msgs) printBridgeLinkinfo(env, p, m, filterIndex);
  p.closeArray();
  env.out(p.result());
  return 0;
}

const ONOFF_ATTRS: Record<string, number> = {
  guard: B.IFLA_BRPORT_GUARD, hairpin: B.IFLA_BRPORT_MODE, fastleave: B.IFLA_BRPORT_FAST_LEAVE,
  root_block: B.IFLA_BRPORT_PROTECT, flood: B.IFLA_BRPORT_UNICAST_FLOOD, mcast_flood: B.IFLA_BRPORT_MCAST_FLOOD,
  bcast_flood: B.IFLA_BRPORT_BCAST_FLOOD, mcast_to_unicast: B.IFLA_BRPORT_MCAST_TO_UCAST,
  learning: B.IFLA_BRPORT_LEARNING, learning_sync: B.IFLA_BRPORT_LEARNING_SYNC,
  neigh_suppress: B.IFLA_BRPORT_NEIGH_SUPPRESS, vlan_tunnel: B.IFLA_BRPORT_VLAN_TUNNEL,
  isolated: B.IFLA_BRPORT_ISOLATED, locked: B.IFLA_BRPORT_LOCKED,
};
/** The order brlink_modify() writes the flags in. */
const ONOFF_ORDER = ['guard', 'hairpin', 'fastleave', 'root_block', 'flood', 'mcast_flood', 'bcast_flood',
  'mcast_to_unicast', 'learning', 'learning_sync'];

/** iproute2: parse_on_off(). */
function parseOnOff(env: BridgeEnv, msg: string, val: string): number {
  if (matches(val, 'off')) return 0;
  if (matches(val, 'on')) return 1;
  env.err(`Error: argument of "${msg}" must be one of "off", "on", not "${val}"\n`);
  return -1;
}

/** iproute2: brlink_modify(). */
function brlinkModify(env: BridgeEnv, args: string[]): number {
  let d: string | null = null;
  const onoff = new Map<string, number>();
  let cost = 0;
  let priority = -1;
  let state = -1;
  let mode = -1;
  let flags = 0;
  let mcastRouter = -1;
  let backupPort = -1;
  while (args.length) {
    const a = args.shift()!;
    const next = (): string | null => {
      const v = args.shift();
      if (v === undefined) env.err('Command line is not complete. Try option "help"\n');
      return v ?? null;
    };
    if (a === 'dev') {
      d = next();
      if (d === null) return 255;
    } else if (a in ONOFF_ATTRS) {
      const v = next();
      if (v === null) return 255;
      const val = parseOnOff(env, a, v);
      if (val < 0) return 234;
      onoff.set(a, val);
    } else if (a === 'cost') {
      const v = next();
      if (v === null) return 255;
      cost = parseInt(v, 10) || 0;
    } else if (a === 'priority') {
      const v = next();
      if (v === null) return 255;
      priority = parseInt(v, 10) || 0;
    } else if (a === 'state') {
      const v = next();
      if (v === null) return 255;
      if (/^-?\d+$/.test(v)) {
        state = Number(v) & 0xff;
      } else {
        state = PORT_STATES.indexOf(v);
        if (state < 0) {
          env.err('Error: invalid STP port state\n');
          return 255;
        }
      }
    } else if (a === 'mcast_router') {
      const v = next();
      if (v === null) return 255;
      mcastRouter = parseInt(v, 10) & 0xff;
    } else if (a === 'hwmode') {
      const v = next();
      if (v === null) return 255;
      flags = B.BRIDGE_FLAGS_SELF;
      if (v === 'vepa') mode = B.BRIDGE_MODE_VEPA;
      else if (v === 'veb') mode = B.BRIDGE_MODE_VEB;
      else {
        env.err('Mode argument must be "vepa" or "veb".\n');
        return 255;
      }
    } else if (a === 'backup_port') {
      const v = next();
      if (v === null) return 255;
      backupPort = llNameToIndex(env.ll, v);
      if (!backupPort) {
        env.err(`Cannot find device "${v}"\n`);
        return 255;
      }
    } else if (a === 'nobackup_port') {
      backupPort = 0;
    } else if (a === 'self') {
      flags |= B.BRIDGE_FLAGS_SELF;
    } else if (a === 'master') {
      flags |= B.BRIDGE_FLAGS_MASTER;
    } else {
      env.err(USAGE);
      return 255;
    }
  }
  if (d === null) {
    env.err('Device is a required argument.\n');
    return 255;
  }
  const index = llNameToIndex(env.ll, d);
  if (!index) {
    env.err(`Cannot find bridge device "${d}"\n`);
    return 255;
  }
  const b = buildRequest(RTM_SETLINK, 0, IFINFOMSG_LEN, (bb, h) => {
    bb.setU8(h, AF_BRIDGE);
    bb.setS32(h + 4, index);
    const nest = bb.nlaNestStart(IFLA_PROTINFO);
    for (const name of ONOFF_ORDER) if (onoff.has(name)) bb.nlaPutU8(ONOFF_ATTRS[name]!, onoff.get(name)!);
    if (cost > 0) bb.nlaPutU32(B.IFLA_BRPORT_COST, cost);
    if (priority >= 0) bb.nlaPutU16(B.IFLA_BRPORT_PRIORITY, priority);
    if (state >= 0) bb.nlaPutU8(B.IFLA_BRPORT_STATE, state);
    if (mcastRouter >= 0) bb.nlaPutU8(B.IFLA_BRPORT_MULTICAST_ROUTER, mcastRouter);
    for (const name of ['neigh_suppress', 'vlan_tunnel', 'isolated', 'locked']) {
      if (onoff.has(name)) bb.nlaPutU8(ONOFF_ATTRS[name]!, onoff.get(name)!);
    }
    if (backupPort >= 0) bb.nlaPutU32(B.IFLA_BRPORT_BACKUP_PORT, backupPort);
    bb.nlaNestEnd(nest);
    if (mode >= 0 || flags > 0) {
      const af = bb.nlaNestStartNoflag(IFLA_AF_SPEC);
      if (flags > 0) bb.nlaPutU16(B.IFLA_BRIDGE_FLAGS, flags);
      if (mode >= 0) bb.nlaPutU16(B.IFLA_BRIDGE_MODE, mode);
      bb.nlaNestEnd(af);
    }
  });
  return rtnlTalkOrReport(env.rth, b, env.err, 255);
}

/** iproute2: do_link(). */
export function doLink(env: BridgeEnv, args: string[]): number {
  if (!args.length) return brlinkShow(env, []);
  const cmd = args.shift()!;
  if (matches(cmd, 'set') || matches(cmd, 'change')) return brlinkModify(env, args);
  if (matches(cmd, 'show') || matches(cmd, 'lst') || matches(cmd, 'list')) return brlinkShow(env, args);
  if (matches(cmd, 'help')) {
    env.err(USAGE);
    return 255;
  }
  env.err(`Command "${cmd}" is unknown, try "bridge link help".\n`);
  return 255;
}
