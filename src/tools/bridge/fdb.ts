/**
 * `bridge fdb` (iproute2 6.1: bridge/fdb.c): show the forwarding database from
 * an AF_BRIDGE RTM_GETNEIGH dump (filtered by `br`, `brport`/`dev`, `vlan`,
 * `state`), and add/append/replace/del entries with RTM_NEWNEIGH/RTM_DELNEIGH.
 */
import { type NlMsg, NLMSG_HDRLEN, NLM_F_CREATE, NLM_F_EXCL, NLM_F_APPEND, NLM_F_REPLACE, nlmsgParse, nlaGetU16, nlaGetU32, nlaGetBe16 } from '../../wire/netlink.js';
import * as B from '../../wire/if_bridge.js';
import { RTM_DELNEIGH, RTM_GETNEIGH, RTM_NEWNEIGH } from '../../wire/rtnetlink.js';
import { AF_BRIDGE } from '../../socket/socket.js';
import { Printer } from '../ip/json_print.js';
import { buildRequest, rtnlDump, rtnlTalkOrReport } from '../lib/libnetlink.js';
import type { BridgeEnv } from './bridge.js';
import { llIndexToName, llNameToIndex } from '../lib/ll_map.js';
import { matches } from '../lib/utils.js';

const USAGE = 'Usage: bridge fdb { add | append | del | replace } ADDR dev DEV\n' +
  '              [ self ] [ master ] [ use ] [ router ] [ extern_learn ]\n' +
  '              [ sticky ] [ local | static | dynamic ] [ vlan VID ]\n' +
  '              { [ dst IPADDR ] [ port PORT] [ vni VNI ] | [ nhid NHID ] }\n' +
  '\t       [ via DEV ] [ src_vni VNI ]\n' +
  '       bridge fdb [ show [ br BRDEV ] [ brport DEV ] [ vlan VID ]\n' +
  '              [ state STATE ] [ dynamic ] ]\n' +
  '       bridge fdb get [ to ] LLADDR [ br BRDEV ] { brport | dev } DEV\n' +
  '              [ vlan VID ] [ vni VNI ] [ self ] [ master ] [ dynamic ]\n' +
  '       bridge fdb flush dev DEV [ brport DEV ] [ vlan VID ]\n' +
  '              [ self ] [ master ] [ [no]permanent | [no]static | [no]dynamic ]\n' +
  '              [ [no]added_by_user ] [ [no]extern_learn ] [ [no]sticky ]\n' +
  '              [ [no]offloaded ]\n';

/** USER_HZ as get_user_hz() returns it. */
const HZ = 100;

/** iproute2: state_n2a(). */
function stateN2a(s: number): string {
  if (s & B.NUD_PERMANENT) return 'permanent';
  if (s & B.NUD_NOARP) return 'static';
  if (s & B.NUD_STALE) return 'stale';
  if (s & B.NUD_REACHABLE) return '';
  return `state=${s === 0 ? '0' : '0x' + s.toString(16)}`;
}

/** iproute2: state_a2n(). */
function stateA2n(arg: string): number | null {
  if (matches(arg, 'permanent')) return B.NUD_PERMANENT;
  if (matches(arg, 'static') || matches(arg, 'temp')) return B.NUD_NOARP;
  if (matches(arg, 'stale')) return B.NUD_STALE;
  if (matches(arg, 'reachable') || matches(arg, 'dynamic')) return B.NUD_REACHABLE;
  if (arg === 'all') return ~0 >>> 0;
  if (/^(0x[0-9a-f]+|\d+)$/i.test(arg)) return Number(arg);
  return null;
}

function mac(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

interface FdbFilter {
  index: number;
  vlan: number;
  state: number;
}

/** iproute2: fdb_print_flags(). */
function fdbPrintFlags(p: Printer, flags: number, extFlags: number): void {
  p.openArray('flags');
  const names: [number, string][] = [
    [B.NTF_SELF, 'self'], [B.NTF_ROUTER, 'router'], [B.NTF_EXT_LEARNED, 'extern_learn'],
    [B.NTF_OFFLOADED, 'offload'], [B.NTF_MASTER, 'master'], [B.NTF_STICKY, 'sticky'],
  ];
  for (const [bit, n] of names) if (flags & bit) p.any(null, '%s ', n);
  if (extFlags & B.NTF_EXT_LOCKED) p.any(null, '%s ', 'locked');
  p.closeArray();
}

/** iproute2: print_fdb(). */
export function printFdb(env: BridgeEnv, p: Printer, m: NlMsg, f: FdbFilter): void {
  if (m.type !== RTM_NEWNEIGH && m.type !== RTM_DELNEIGH) return;
  if (m.msg.length < NLMSG_HDRLEN + B.NDMSG_LEN) return;
  const r = B.ndmsgParse(m.msg, NLMSG_HDRLEN);
  if (r.family !== AF_BRIDGE) return;
  if (f.index && f.index !== r.ifindex) return;
  if (f.state && !(r.state & f.state)) return;
  const tb = nlmsgParse(m.msg, B.NDMSG_LEN, B.NDA_MAX, null);
  if (typeof tb === 'number') return;
  const vid = tb[B.NDA_VLAN] ? nlaGetU16(tb[B.NDA_VLAN]) : 0;
  if (f.vlan && f.vlan !== vid) return;
  p.openObject(null);
  if (m.type === RTM_DELNEIGH) {
    if (p.isJson) p.jsonOnly('deleted', true);
    else p.fp('Deleted ');
  }
  if (tb[B.NDA_LLADDR]) p.any('mac', '%s ', mac(tb[B.NDA_LLADDR].data));
  if (!f.index && r.ifindex) p.any('ifname', 'dev %s ', llIndexToName(env.ll, r.ifindex));
  if (vid) p.any('vlan', 'vlan %s ', vid);
  if (tb[B.NDA_PORT]) p.any('port', 'port %s ', nlaGetBe16(tb[B.NDA_PORT]));
  if (tb[B.NDA_VNI]) p.any('vni', 'vni %s ', nlaGetU32(tb[B.NDA_VNI]));
  if (tb[B.NDA_SRC_VNI]) p.any('src_vni', 'src_vni %s ', nlaGetU32(tb[B.NDA_SRC_VNI]));
  if (tb[B.NDA_IFINDEX]) {
    const ifindex = nlaGetU32(tb[B.NDA_IFINDEX]);
    if (tb[B.NDA_LINK_NETNSID]) p.any('viaIfIndex', 'via ifindex %s ', ifindex);
    else p.any('viaIf', 'via %s ', llIndexToName(env.ll, ifindex));
  }
  if (tb[B.NDA_LINK_NETNSID]) p.any('linkNetNsId', 'link-netnsid %s ', nlaGetU32(tb[B.NDA_LINK_NETNSID]));
  if (env.stats && tb[B.NDA_CACHEINFO] && tb[B.NDA_CACHEINFO].data.length >= 16) {
    const d = tb[B.NDA_CACHEINFO].data;
    const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
    const used = Math.floor(v.getUint32(4, true) / HZ);
    const updated = Math.floor(v.getUint32(8, true) / HZ);
    if (p.isJson) {
      p.jsonOnly('used', used);
      p.jsonOnly('updated', updated);
    } else {
      p.fp(`used ${used}/${updated} `);
    }
  }
  fdbPrintFlags(p, r.flags, tb[B.NDA_FLAGS_EXT] ? nlaGetU32(tb[B.NDA_FLAGS_EXT]) : 0);
  if (tb[B.NDA_MASTER]) p.any('master', 'master %s ', llIndexToName(env.ll, nlaGetU32(tb[B.NDA_MASTER])));
  p.any('state', '%s\n', stateN2a(r.state));
  p.closeObject();
}

/** iproute2: fdb_show(). */
function fdbShow(env: BridgeEnv, args: string[]): number {
  let filterDev: string | null = null;
  let br: string | null = null;
  const f: FdbFilter = { index: 0, vlan: 0, state: 0 };
  while (args.length) {
    const a = args.shift()!;
    const next = (): string | null => {
      const v = args.shift();
      if (v === undefined) env.err('Command line is not complete. Try option "help"\n');
      return v ?? null;
    };
    if (a === 'brport' || a === 'dev') {
      filterDev = next();
      if (filterDev === null) return 255;
    } else if (a === 'br') {
      br = next();
      if (br === null) return 255;
    } else if (a === 'vlan') {
      const v = next();
      if (v === null) return 255;
      if (f.vlan) {
        env.err(`Error: duplicate "vlan": "${v}" is the second value.\n`);
        return 255;
      }
      f.vlan = parseInt(v, 10) || 0;
    } else if (a === 'state') {
      const v = next();
      if (v === null) return 255;
      const s = stateA2n(v);
      if (s === null) {
        env.err(`Error: argument "${v}" is wrong: invalid state\n`);
        return 255;
      }
      f.state |= s;
    } else if (a === 'dynamic') {
      f.state |= B.NUD_REACHABLE;
    } else if (matches(a, 'help')) {
      env.err(USAGE);
      return 255;
    }
  }
  let brIndex = 0;
  if (br) {
    brIndex = llNameToIndex(env.ll, br);
    if (!brIndex) {
      env.err(`Cannot find bridge device "${br}"\n`);
      return 255;
    }
  }
  if (filterDev) {
    f.index = llNameToIndex(env.ll, filterDev);
    if (!f.index) {
      env.err(`Cannot find device "${filterDev}"\n`);
      return 255;
    }
  }
  const b = buildRequest(RTM_GETNEIGH, 0, B.NDMSG_LEN, (bb, h) => {
    bb.setU8(h, AF_BRIDGE);
    bb.setS32(h + 4, f.index);
    if (brIndex) bb.nlaPutU32(B.NDA_MASTER, brIndex);
  });
  const r = rtnlDump(env.rth, b);
  if (r.error) {
    if (r.msg) env.err(`Error: ${r.msg}.\n`);
    env.err('Dump terminated\n');
    return 1;
  }
  const p = new Printer(env.json, env.pretty);
  p.openArray(null);
  for (const m of r.msgs) printFdb(env, p, m, f);
  p.closeArray();
  env.out(p.result());
  return 0;
}

/** iproute2: fdb_modify(). */
function fdbModify(env: BridgeEnv, cmd: number, nlFlags: number, args: string[]): number {
  let ndmFlags = 0;
  let state = B.NUD_NOARP;
  let addr: string | null = null;
  let d: string | null = null;
  let vid = -1;
  let via = 0;
  while (args.length) {
    let a = args.shift()!;
    const next = (): string | null => {
      const v = args.shift();
      if (v === undefined) env.err('Command line is not complete. Try option "help"\n');
      return v ?? null;
    };
    if (a === 'dev') {
      d = next();
      if (d === null) return 255;
    } else if (a === 'self') {
      ndmFlags |= B.NTF_SELF;
    } else if (matches(a, 'master')) {
      ndmFlags |= B.NTF_MASTER;
    } else if (matches(a, 'router')) {
      ndmFlags |= B.NTF_ROUTER;
    } else if (matches(a, 'local') || matches(a, 'permanent')) {
      state |= B.NUD_PERMANENT;
    } else if (matches(a, 'temp') || matches(a, 'static')) {
      state |= B.NUD_REACHABLE;
    } else if (matches(a, 'dynamic')) {
      state |= B.NUD_REACHABLE;
      state &= ~B.NUD_NOARP;
    } else if (matches(a, 'vlan')) {
      if (vid >= 0) {
        env.err(`Error: either "vlan" is duplicate, or "${a}" is a garbage.\n`);
        return 255;
      }
      const v = next();
      if (v === null) return 255;
      vid = (parseInt(v, 10) || 0) & 0xffff;
    } else if (matches(a, 'use')) {
      ndmFlags |= B.NTF_USE;
    } else if (matches(a, 'extern_learn')) {
      ndmFlags |= B.NTF_EXT_LEARNED;
    } else if (matches(a, 'sticky')) {
      ndmFlags |= B.NTF_STICKY;
    } else if (a === 'via') {
      const v = next();
      if (v === null) return 255;
      via = llNameToIndex(env.ll, v);
      if (!via) {
        env.err(`Cannot find device "${v}"\n`);
        return 255;
      }
    } else {
      if (a === 'to') {
        const v = next();
        if (v === null) return 255;
        a = v;
      }
      if (matches(a, 'help')) {
        env.err(USAGE);
        return 255;
      }
      if (addr) {
        env.err(`Error: either "to" is duplicate, or "${a}" is a garbage.\n`);
        return 255;
      }
      addr = a;
    }
  }
  if (d === null || addr === null) {
    env.err('Device and address are required arguments.\n');
    return 255;
  }
  // "Assume self" / "Assume permanent"
  if (!(ndmFlags & (B.NTF_SELF | B.NTF_MASTER))) ndmFlags |= B.NTF_SELF;
  if (!(state & (B.NUD_PERMANENT | B.NUD_REACHABLE))) state |= B.NUD_PERMANENT;
  const parts = addr.split(':');
  const lladdr = new Uint8Array(6);
  let ok = parts.length >= 6;
  for (let i = 0; ok && i < 6; i++) {
    const m = /^[0-9a-fA-F]{1,2}/.exec(parts[i]!);
    if (!m) ok = false;
    else lladdr[i] = parseInt(m[0], 16);
  }
  if (!ok) {
    env.err(`Invalid mac address ${addr}\n`);
    return 255;
  }
  const index = llNameToIndex(env.ll, d);
  if (!index) {
    env.err(`Cannot find device "${d}"\n`);
    return 255;
  }
  const b = buildRequest(cmd, nlFlags, B.NDMSG_LEN, (bb, h) => {
    B.ndmsgEmit(bb.buf, h, { family: AF_BRIDGE, ifindex: index, state, flags: ndmFlags, type: 0 });
    bb.nlaPut(B.NDA_LLADDR, lladdr);
    if (vid >= 0) bb.nlaPutU16(B.NDA_VLAN, vid);
    if (via) bb.nlaPutU32(B.NDA_IFINDEX, via);
  });
  return rtnlTalkOrReport(env.rth, b, env.err, 255);
}

/** iproute2: do_fdb(). */
export function doFdb(env: BridgeEnv, args: string[]): number {
  if (!args.length) return fdbShow(env, []);
  const cmd = args.shift()!;
  if (matches(cmd, 'add')) return fdbModify(env, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_EXCL, args);
  if (matches(cmd, 'append')) return fdbModify(env, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_APPEND, args);
  if (matches(cmd, 'replace')) return fdbModify(env, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, args);
  if (matches(cmd, 'delete')) return fdbModify(env, RTM_DELNEIGH, 0, args);
  if (matches(cmd, 'show') || matches(cmd, 'lst') || matches(cmd, 'list')) return fdbShow(env, args);
  if (matches(cmd, 'help')) {
    env.err(USAGE);
    return 255;
  }
  env.err(`Command "${cmd}" is unknown, try "bridge fdb help".\n`);
  return 255;
}
