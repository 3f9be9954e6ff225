/**
 * `ip link` (iproute2 6.1: ip/iplink.c for add/set/delete, ip/ipaddress.c
 * print_linkinfo() for show): output in the normal, -br, -j, -s and -d forms,
 * and error texts and exit statuses as iproute2 prints them.
 */
import type { Task } from '../../socket/task.js';
import * as sys from '../../socket/syscalls.js';
import { AF_UNSPEC } from '../../socket/socket.js';
import {
  type NlMsg, type NlaTable, NlMsgBuilder, NLM_F_CREATE, NLM_F_EXCL, NLMSG_HDRLEN, nlmsgParse, nlaParseNested,
  nlaGetU32, nlaGetS32, nlaGetU8, nlaGetString,
} from '../../wire/netlink.js';
import {
  IFINFOMSG_LEN, ifinfomsgParse, IFLA_ADDRESS, IFLA_BROADCAST, IFLA_IFNAME, IFLA_MTU, IFLA_LINK, IFLA_QDISC,
  IFLA_MASTER, IFLA_TXQLEN, IFLA_OPERSTATE, IFLA_LINKMODE, IFLA_LINKINFO, IFLA_NET_NS_PID, IFLA_IFALIAS,
  IFLA_STATS64, IFLA_GROUP, IFLA_NET_NS_FD, IFLA_EXT_MASK, IFLA_PROMISCUITY, IFLA_NUM_TX_QUEUES,
  IFLA_NUM_RX_QUEUES, IFLA_CARRIER_CHANGES, IFLA_LINK_NETNSID, IFLA_PROTO_DOWN, IFLA_GSO_MAX_SEGS,
  IFLA_GSO_MAX_SIZE, IFLA_MIN_MTU, IFLA_MAX_MTU, IFLA_GRO_MAX_SIZE, IFLA_TSO_MAX_SIZE, IFLA_TSO_MAX_SEGS,
  IFLA_ALLMULTI, IFLA_MAX, IFLA_INFO_KIND, IFLA_INFO_DATA, IFLA_INFO_SLAVE_KIND, IFLA_INFO_SLAVE_DATA,
  IFLA_INFO_MAX, IFLA_AF_SPEC, IFLA_INET6_ADDR_GEN_MODE, RTEXT_FILTER_VF,
} from '../../wire/if_link.js';
import { RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK, RTM_GETNSID } from '../../wire/rtnetlink.js';
import { type Rtnl, buildRequest, rtnlTalk, rtnlDump, talkErrorText, rtnlTalkOrReport } from '../lib/libnetlink.js';
import { Printer } from './json_print.js';
import { LINK_UTILS } from './iplink_kinds.js';
import { checkIfname, matches } from '../lib/utils.js';

export interface IpOptions {
  json: boolean;
  pretty: boolean;
  brief: boolean;
  details: number;
  stats: number;
  oneline: boolean;
  /** -4 / -6 / -0 / -f FAMILY (Linux: preferred_family); 0 = AF_UNSPEC. */
  family: number;
  /** -N / -Numeric and -r / -resolve. */
  numeric?: boolean;
}

/** What `ip link` commands share: the process, its rtnetlink socket, output. */
export interface IpEnv {
  task: Task;
  rth: Rtnl;
  opts: IpOptions;
  out(text: string): void;
  err(text: string): void;
}

/* ------------------------------------------------------------------ */
/* Names and caches (iproute2: lib/ll_map.c)                           */

interface LinkCacheEntry {
  name: string;
  flags: number;
}

/** iproute2: ll_link_get(): RTM_GETLINK by name or index. */
function linkGet(env: IpEnv, name: string | null, index = 0): NlMsg | null {
  const b = buildRequest(RTM_GETLINK, 0, IFINFOMSG_LEN, (bb, h) => {
    bb.setS32(h + 4, index);
    if (name !== null) bb.nlaPutString(IFLA_IFNAME, name);
    bb.nlaPutU32(IFLA_EXT_MASK, RTEXT_FILTER_VF);
  });
  const r = rtnlTalk(env.rth, b, true);
  return r.error ? null : r.reply;
}

/** iproute2: ll_name_to_index(). 0 when there is no such device. */
export function llNameToIndex(env: IpEnv, name: string): number {
  if (!checkIfname(name)) return 0;
  const m = linkGet(env, name);
  return m ? ifinfomsgParse(m.msg, NLMSG_HDRLEN).index : 0;
}

function linkTb(m: NlMsg): NlaTable {
  const tb = nlmsgParse(m.msg, IFINFOMSG_LEN, IFLA_MAX, null);
  return typeof tb === 'number' ? [] : tb;
}

/* ------------------------------------------------------------------ */
/* print_linkinfo                                                      */

const OPER_STATES = ['UNKNOWN', 'NOTPRESENT', 'DOWN', 'LOWERLAYERDOWN', 'TESTING', 'DORMANT', 'UP'];
const LINK_MODES = ['DEFAULT', 'DORMANT'];
const FLAG_NAMES: [number, string][] = [
  [0x8, 'LOOPBACK'], [0x2, 'BROADCAST'], [0x10, 'POINTOPOINT'], [0x1000, 'MULTICAST'], [0x80, 'NOARP'],
  [0x200, 'ALLMULTI'], [0x100, 'PROMISC'], [0x400, 'MASTER'], [0x800, 'SLAVE'], [0x4, 'DEBUG'],
  [0x8000, 'DYNAMIC'], [0x4000, 'AUTOMEDIA'], [0x2000, 'PORTSEL'], [0x20, 'NOTRAILERS'], [0x1, 'UP'],
  [0x10000, 'LOWER_UP'], [0x20000, 'DORMANT'], [0x40000, 'ECHO'],
];

function llTypeName(type: number): string {
  switch (type) {
    case 1: return 'ether';
    case 772: return 'loopback';
    case 0xfffe: return 'none';
    case 768: return 'ipip';
    case 776: return 'sit';
    default: return `[${type}]`;
  }
}

function llAddr(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/** iproute2: print_link_flags(). */
function printLinkFlags(p: Printer, flags: number, mdown: boolean): void {
  const names: string[] = [];
  if (flags & 0x1 && !(flags & 0x40)) names.push('NO-CARRIER');
  flags &= ~0x40;
  for (const [bit, name] of FLAG_NAMES) {
    if (flags & bit) {
      flags &= ~bit;
      names.push(name);
    }
  }
  if (flags) names.push((flags >>> 0).toString(16));
  if (mdown) names.push('M-DOWN');
  if (p.isJson) {
    p.openArray('flags');
    for (const n of names) p.jsonOnly(null, n);
    p.closeArray();
  } else p.fp(`<${names.join(',')}> `);
}

export interface LinkPrintCtx {
  env: IpEnv;
  /** ifindex -> name/flags of devices known from the dump. */
  cache: Map<number, LinkCacheEntry>;
  /** nsid -> netns name. */
  nsNames: Map<number, string> | null;
  /** `ip link` (prints mode and qlen), false for `ip monitor`. */
  doLink: boolean;
  /**
   * iproute2's filter.family: AF_PACKET (17) for `ip link` (the default), the
   * address family for `ip addr` (0 = all). Other than AF_PACKET, -br prints no
   * link address and flags, and only 0 prints the link/ether line (or -d).
   */
  family?: number;
  /** iproute2's filter.showqueue (`qlen N`); defaults to doLink. `ip addr` sets it. */
  showQueue?: boolean;
}

function nameOf(ctx: LinkPrintCtx, idx: number): LinkCacheEntry | null {
  const c = ctx.cache.get(idx);
  if (c) return c;
  const m = linkGet(ctx.env, null, idx);
  if (!m) return null;
  const tb = linkTb(m);
  const e = { name: tb[IFLA_IFNAME] ? nlaGetString(tb[IFLA_IFNAME]) : `if${idx}`, flags: ifinfomsgParse(m.msg, NLMSG_HDRLEN).flags };
  ctx.cache.set(idx, e);
  return e;
}

/** iproute2: print_name_and_link(). Returns the M-DOWN flag. */
function printNameAndLink(p: Printer, ctx: LinkPrintCtx, fmt: string, name: string, tb: NlaTable): boolean {
  let link: string | null = null;
  let mdown = false;
  if (tb[IFLA_LINK]) {
    const iflink = nlaGetU32(tb[IFLA_LINK]);
    if (iflink) {
      if (tb[IFLA_LINK_NETNSID]) {
        if (p.isJson) p.jsonOnly('link_index', iflink);
        else link = `if${iflink}`;
      } else {
        const e = nameOf(ctx, iflink);
        link = e ? e.name : `if${iflink}`;
        if (p.isJson) {
          p.jsonOnly('link', link);
          link = null;
        }
        mdown = e ? !(e.flags & 0x1) : false;
      }
    } else if (p.isJson) p.jsonOnly('link', null);
    else link = 'NONE';
    if (link) name = `${name}@${link}`;
  }
  p.any('ifname', fmt, name);
  return mdown;
}

function printOperstate(p: Printer, brief: boolean, state: number): void {
  const s = OPER_STATES[state];
  if (s === undefined) {
    if (p.isJson) p.jsonOnly('operstate_index', state);
    else p.fp(`state 0x${state.toString(16)} `);
  } else if (brief) p.any('operstate', '%s', p.isJson ? s : s.padEnd(14) + ' ');
  else if (p.isJson) p.jsonOnly('operstate', s);
  else p.fp(`state ${s} `);
}

function statsOf(tb: NlaTable): number[] | null {
  const a = tb[IFLA_STATS64];
  if (!a || a.data.length < 23 * 8) return null;
  const v = new DataView(a.data.buffer, a.data.byteOffset, a.data.byteLength);
  const out: number[] = [];
  for (let i = 0; i * 8 + 8 <= a.data.length; i++) out.push(v.getUint32(i * 8 + 4, true) * 2 ** 32 + v.getUint32(i * 8, true));
  while (out.length < 25) out.push(0);
  return out;
}

/* rtnl_link_stats64 field positions */
const S = {
  rxPackets: 0, txPackets: 1, rxBytes: 2, txBytes: 3, rxErrors: 4, txErrors: 5, rxDropped: 6, txDropped: 7,
  multicast: 8, collisions: 9, rxLength: 10, rxOver: 11, rxCrc: 12, rxFrame: 13, rxFifo: 14, rxMissed: 15,
  txAborted: 16, txCarrier: 17, txFifo: 18, txHeartbeat: 19, txWindow: 20, rxCompressed: 21,
  txCompressed: 22, rxNohandler: 23, rxOtherhost: 24,
} as const;

/** iproute2 6.1: print_link_stats64(). */
export function printLinkStats(p: Printer, tb: NlaTable, level: number, sl: string): void {
  const s = statsOf(tb);
  if (!s) return;
  const cc = tb[IFLA_CARRIER_CHANGES] ? nlaGetU32(tb[IFLA_CARRIER_CHANGES]) : null;
  if (p.isJson) {
    p.openObject('stats64');
    p.openObject('rx');
    p.jsonOnly('bytes', s[S.rxBytes]!);
    p.jsonOnly('packets', s[S.rxPackets]!);
    p.jsonOnly('errors', s[S.rxErrors]!);
    p.jsonOnly('dropped', s[S.rxDropped]!);
    p.jsonOnly('over_errors', s[S.rxOver]!);
    p.jsonOnly('multicast', s[S.multicast]!);
    if (s[S.rxCompressed]) p.jsonOnly('compressed', s[S.rxCompressed]!);
    if (level > 1) {
      p.jsonOnly('length_errors', s[S.rxLength]!);
      p.jsonOnly('crc_errors', s[S.rxCrc]!);
      p.jsonOnly('frame_errors', s[S.rxFrame]!);
      p.jsonOnly('fifo_errors', s[S.rxFifo]!);
      p.jsonOnly('missed_errors', s[S.rxMissed]!);
      if (s[S.rxNohandler]) p.jsonOnly('nohandler', s[S.rxNohandler]!);
      if (s[S.rxOtherhost]) p.jsonOnly('otherhost', s[S.rxOtherhost]!);
    }
    p.closeObject();
    p.openObject('tx');
    p.jsonOnly('bytes', s[S.txBytes]!);
    p.jsonOnly('packets', s[S.txPackets]!);
    p.jsonOnly('errors', s[S.txErrors]!);
    p.jsonOnly('dropped', s[S.txDropped]!);
    p.jsonOnly('carrier_errors', s[S.txCarrier]!);
    p.jsonOnly('collisions', s[S.collisions]!);
    if (s[S.txCompressed]) p.jsonOnly('compressed', s[S.txCompressed]!);
    if (level > 1) {
      p.jsonOnly('aborted_errors', s[S.txAborted]!);
      p.jsonOnly('fifo_errors', s[S.txFifo]!);
      p.jsonOnly('window_errors', s[S.txWindow]!);
      p.jsonOnly('heartbeat_errors', s[S.txHeartbeat]!);
      if (cc !== null) p.jsonOnly('carrier_changes', cc);
    }
    p.closeObject();
    p.closeObject();
    return;
  }
  const cols = ['*X errors:'.length, 'packets'.length, 'errors'.length, 'dropped'.length, 'heartbt'.length,
    'overrun'.length, 'compressed'.length];
  const size = (...vals: number[]): void => {
    vals.forEach((v, i) => {
      const l = String(v).length;
      if (i < cols.length && l > cols[i]!) cols[i] = l;
    });
  };
  size(s[S.rxBytes]!, s[S.rxPackets]!, s[S.rxErrors]!, s[S.rxDropped]!, s[S.rxMissed]!, s[S.multicast]!,
    s[S.rxCompressed]!);
  size(s[S.txBytes]!, s[S.txPackets]!, s[S.txErrors]!, s[S.txDropped]!, s[S.txCarrier]!, s[S.collisions]!,
    s[S.txCompressed]!);
  if (level > 1) {
    size(0, s[S.rxLength]!, s[S.rxCrc]!, s[S.rxFrame]!, s[S.rxFifo]!, s[S.rxOver]!, s[S.rxNohandler]!);
    size(0, s[S.txAborted]!, s[S.txFifo]!, s[S.txWindow]!, s[S.txHeartbeat]!, cc ?? 0);
  }
  const c = (i: number): number => cols[i]!;
  const num = (w: number, v: number): string => String(v).padStart(w) + ' ';
  let t = `    RX: ${'bytes'.padStart(c(0) - 4)} ${'packets'.padStart(c(1))} ${'errors'.padStart(c(2))} ` +
    `${'dropped'.padStart(c(3))} ${'missed'.padStart(c(4))} ${'mcast'.padStart(c(5))} ` +
    `${(s[S.rxCompressed] ? 'compressed' : '').padStart(c(6))}${sl}`;
  t += '    ' + num(c(0), s[S.rxBytes]!) + num(c(1), s[S.rxPackets]!) + num(c(2), s[S.rxErrors]!) +
    num(c(3), s[S.rxDropped]!) + num(c(4), s[S.rxMissed]!) + num(c(5), s[S.multicast]!);
  if (s[S.rxCompressed]) t += num(c(6), s[S.rxCompressed]!);
  if (level > 1) {
    t += sl;
    const nh = s[S.rxNohandler]!;
    t += `    RX errors:${''.padStart(c(0) - 10)} ${'length'.padStart(c(1))} ${'crc'.padStart(c(2))} ` +
      `${'frame'.padStart(c(3))} ${'fifo'.padStart(c(4))} ${'overrun'.padStart(c(5))}` +
      `${nh ? ' ' + 'nohandler'.padStart(c(6)) : ''}${sl}`;
    t += ''.padStart(c(0) + 5) + num(c(1), s[S.rxLength]!) + num(c(2), s[S.rxCrc]!) + num(c(3), s[S.rxFrame]!) +
      num(c(4), s[S.rxFifo]!) + num(c(5), s[S.rxOver]!);
    if (nh) t += num(c(6), nh);
  }
  t += sl;
  t += `    TX: ${'bytes'.padStart(c(0) - 4)} ${'packets'.padStart(c(1))} ${'errors'.padStart(c(2))} ` +
    `${'dropped'.padStart(c(3))} ${'carrier'.padStart(c(4))} ${'collsns'.padStart(c(5))} ` +
    `${(s[S.txCompressed] ? 'compressed' : '').padStart(c(6))}${sl}`;
  t += '    ' + num(c(0), s[S.txBytes]!) + num(c(1), s[S.txPackets]!) + num(c(2), s[S.txErrors]!) +
    num(c(3), s[S.txDropped]!) + num(c(4), s[S.txCarrier]!) + num(c(5), s[S.collisions]!);
  if (s[S.txCompressed]) t += num(c(6), s[S.txCompressed]!);
  if (level > 1) {
    t += sl;
    t += `    TX errors:${''.padStart(c(0) - 10)} ${'aborted'.padStart(c(1))} ${'fifo'.padStart(c(2))} ` +
      `${'window'.padStart(c(3))} ${'heartbt'.padStart(c(4))} ${(cc !== null ? 'transns' : '').padStart(cc !== null ? c(5) : 0)}${sl}`;
    t += ''.padStart(c(0) + 5) + num(c(1), s[S.txAborted]!) + num(c(2), s[S.txFifo]!) + num(c(3), s[S.txWindow]!) +
      num(c(4), s[S.txHeartbeat]!);
    if (cc !== null) t += num(c(5), cc);
  }
  p.fp(t);
}

/** iproute2: print_linktype() (-d): kind, kind data, slave kind, slave data. */
function printLinktype(p: Printer, a: NlaTable[number], sl: string): void {
  if (!a) return;
  const li = nlaParseNested(a, IFLA_INFO_MAX, null);
  if (typeof li === 'number') return;
  p.openObject('linkinfo');
  if (li[IFLA_INFO_KIND]) {
    const kind = nlaGetString(li[IFLA_INFO_KIND]);
    p.fp(sl);
    p.any('info_kind', '    %s ', kind);
    const lu = LINK_UTILS.get(kind);
    if (lu?.printOpt) {
      let data: NlaTable | null = null;
      if (li[IFLA_INFO_DATA]) {
        const d = nlaParseNested(li[IFLA_INFO_DATA], lu.maxattr, null);
        if (typeof d !== 'number') data = d;
      }
      p.openObject('info_data');
      lu.printOpt(p, data);
      p.closeObject();
    }
  }
  if (li[IFLA_INFO_SLAVE_KIND]) {
    const sk = nlaGetString(li[IFLA_INFO_SLAVE_KIND]);
    p.fp(sl);
    p.any('info_slave_kind', '    %s_slave ', sk);
    const lu = LINK_UTILS.get(`${sk}_slave`);
    if (lu?.printOpt) {
      let data: NlaTable | null = null;
      if (li[IFLA_INFO_SLAVE_DATA]) {
        const d = nlaParseNested(li[IFLA_INFO_SLAVE_DATA], lu.maxattr, null);
        if (typeof d !== 'number') data = d;
      }
      p.openObject('info_slave_data');
      lu.printOpt(p, data);
      p.closeObject();
    }
  }
  p.closeObject();
}

/** iproute2: print_af_spec() (addrgenmode from AF_INET6). */
function printAfSpec(p: Printer, a: NlaTable[number]): void {
  if (!a) return;
  const spec = nlaParseNested(a, 10, null);
  if (typeof spec === 'number' || !spec[10]) return;
  const in6 = nlaParseNested(spec[10], 16, null);
  if (typeof in6 === 'number' || !in6[IFLA_INET6_ADDR_GEN_MODE]) return;
  const modes = ['eui64', 'none', 'stable_secret', 'random'];
  const m = nlaGetU8(in6[IFLA_INET6_ADDR_GEN_MODE]);
  p.any('inet6_addr_gen_mode', 'addrgenmode %s ', modes[m] ?? `0x${m.toString(16).padStart(2, '0')}`);
}

/**
 * iproute2: print_linkinfo(): one RTM_NEWLINK/RTM_DELLINK message in its own
 * JSON object. Returns false when the message is filtered out.
 */
export function printLinkinfo(p: Printer, ctx: LinkPrintCtx, m: NlMsg, filterUp = false): boolean {
  if (m.type !== RTM_NEWLINK && m.type !== RTM_DELLINK) return false;
  if (m.msg.length < NLMSG_HDRLEN + IFINFOMSG_LEN) return false;
  const ifi = ifinfomsgParse(m.msg, NLMSG_HDRLEN);
  if (filterUp && !(ifi.flags & 0x1)) return false;
  const tb = linkTb(m);
  if (!tb[IFLA_IFNAME]) return false;
  p.openObject(null);
  printLinkinfoFields(p, ctx, m);
  p.closeObject();
  return true;
}

/**
 * iproute2: print_linkinfo() after its filters, into the JSON object the caller
 * opened (`ip addr` adds addr_info to it). Returns 0 for -br (iproute2's
 * print_linkinfo_brief), 1 otherwise.
 */
export function printLinkinfoFields(p: Printer, ctx: LinkPrintCtx, m: NlMsg): number {
  const ifi = ifinfomsgParse(m.msg, NLMSG_HDRLEN);
  const tb = linkTb(m);
  const name = tb[IFLA_IFNAME] ? nlaGetString(tb[IFLA_IFNAME]) : `if${ifi.index}`;
  const o = ctx.env.opts;
  const sl = o.oneline ? '\\' : '\n';
  const family = ctx.family ?? 17; /* AF_PACKET */
  if (m.type === RTM_DELLINK) p.any('deleted', 'Deleted ', 'Deleted ');
  if (o.brief) {
    const mdown = printNameAndLink(p, ctx, '%s', name, tb);
    if (!p.isJson) {
      // "%-16s " on the composed name.
      const idx = p.text.lastIndexOf('\n') + 1;
      const line = p.text.slice(idx);
      const start = line.startsWith('Deleted ') ? 'Deleted '.length : 0;
      p.text = p.text.slice(0, idx) + line.slice(0, start) + line.slice(start).padEnd(16) + ' ';
    }
    if (tb[IFLA_OPERSTATE]) printOperstate(p, true, nlaGetU8(tb[IFLA_OPERSTATE]));
    if (family === 17) {
      if (tb[IFLA_ADDRESS]) p.any('address', '%s ', llAddr(tb[IFLA_ADDRESS].data));
      printLinkFlags(p, ifi.flags, mdown);
      p.fp('\n');
    }
    return 0;
  }
  p.any('ifindex', '%s: ', ifi.index);
  const mdown = printNameAndLink(p, ctx, '%s: ', name, tb);
  printLinkFlags(p, ifi.flags, mdown);
  if (tb[IFLA_MTU]) p.any('mtu', 'mtu %s ', nlaGetU32(tb[IFLA_MTU]));
  if (tb[IFLA_QDISC]) p.any('qdisc', 'qdisc %s ', nlaGetString(tb[IFLA_QDISC]));
  if (tb[IFLA_MASTER]) {
    const mi = nlaGetU32(tb[IFLA_MASTER]);
    p.any('master', 'master %s ', nameOf(ctx, mi)?.name ?? `if${mi}`);
  }
  if (tb[IFLA_OPERSTATE]) printOperstate(p, false, nlaGetU8(tb[IFLA_OPERSTATE]));
  if (ctx.doLink && tb[IFLA_LINKMODE]) {
    const mode = nlaGetU8(tb[IFLA_LINKMODE]);
    if (LINK_MODES[mode]) p.any('linkmode', 'mode %s ', LINK_MODES[mode]);
    else p.any('linkmode_index', 'mode %s ', mode);
  }
  if (tb[IFLA_GROUP]) {
    const g = nlaGetU32(tb[IFLA_GROUP]);
    p.any('group', 'group %s ', g === 0 ? 'default' : String(g));
  }
  if ((ctx.showQueue ?? ctx.doLink) && tb[IFLA_TXQLEN]) {
    const q = nlaGetU32(tb[IFLA_TXQLEN]);
    if (q) p.any('txqlen', 'qlen %s', q);
  }
  if (!family || family === 17 || o.details) {
    p.fp(sl);
    p.any('link_type', '    link/%s ', llTypeName(ifi.type));
    if (tb[IFLA_ADDRESS]) p.any('address', '%s', llAddr(tb[IFLA_ADDRESS].data));
    if (tb[IFLA_BROADCAST]) {
      if (ifi.flags & 0x10) {
        p.fp(' peer ');
        p.jsonOnly('link_pointtopoint', true);
      } else p.fp(' brd ');
      p.any('broadcast', '%s', llAddr(tb[IFLA_BROADCAST].data));
    }
  }
  if (tb[IFLA_LINK_NETNSID]) {
    const id = nlaGetS32(tb[IFLA_LINK_NETNSID]);
    if (p.isJson) p.jsonOnly('link_netnsid', id);
    else if (id >= 0) {
      const nsName = ctx.nsNames?.get(id);
      p.fp(nsName ? ` link-netns ${nsName}` : ` link-netnsid ${id}`);
    } else p.fp(' link-netnsid unknown');
  }
  if (tb[IFLA_PROTO_DOWN] && nlaGetU8(tb[IFLA_PROTO_DOWN])) p.any('proto_down', ' protodown on ', ' protodown on ');
  if (o.details) {
    if (tb[IFLA_PROMISCUITY]) p.any('promiscuity', ' promiscuity %s ', nlaGetU32(tb[IFLA_PROMISCUITY]));
    if (tb[IFLA_ALLMULTI]) p.any('allmulti', ' allmulti %s ', nlaGetU32(tb[IFLA_ALLMULTI]));
    if (tb[IFLA_MIN_MTU]) p.any('min_mtu', 'minmtu %s ', nlaGetU32(tb[IFLA_MIN_MTU]));
    if (tb[IFLA_MAX_MTU]) p.any('max_mtu', 'maxmtu %s ', nlaGetU32(tb[IFLA_MAX_MTU]));
    printLinktype(p, tb[IFLA_LINKINFO], sl);
    if (ctx.doLink) printAfSpec(p, tb[IFLA_AF_SPEC]);
    const u32 = (t: number, key: string, fmt: string): void => {
      if (tb[t]) p.any(key, fmt, nlaGetU32(tb[t]));
    };
    u32(IFLA_NUM_TX_QUEUES, 'num_tx_queues', 'numtxqueues %s ');
    u32(IFLA_NUM_RX_QUEUES, 'num_rx_queues', 'numrxqueues %s ');
    u32(IFLA_GSO_MAX_SIZE, 'gso_max_size', 'gso_max_size %s ');
    u32(IFLA_GSO_MAX_SEGS, 'gso_max_segs', 'gso_max_segs %s ');
    u32(IFLA_TSO_MAX_SIZE, 'tso_max_size', 'tso_max_size %s ');
    u32(IFLA_TSO_MAX_SEGS, 'tso_max_segs', 'tso_max_segs %s ');
    u32(IFLA_GRO_MAX_SIZE, 'gro_max_size', 'gro_max_size %s ');
  }
  if ((ctx.doLink || o.details) && tb[IFLA_IFALIAS]) {
    p.fp(`${sl}    `);
    p.any('ifalias', 'alias %s', nlaGetString(tb[IFLA_IFALIAS]));
  }
  if (ctx.doLink && o.stats) {
    p.fp(sl);
    printLinkStats(p, tb, o.stats, sl);
  }
  p.fp('\n');
  return 1;
}

/** iproute2: netns_map_init() + get_name_from_nsid(): nsid -> name of each /run/netns entry. */
export function netnsNameMap(env: IpEnv): Map<number, string> {
  const map = new Map<number, string>();
  for (const name of sys.readdir(env.task, '/run/netns')) {
    const id = getNetnsidFromName(env, name);
    if (id >= 0) map.set(id, name);
  }
  return map;
}

/** iproute2: get_netnsid_from_name(): RTM_GETNSID with NETNSA_FD. */
export function getNetnsidFromName(env: IpEnv, name: string): number {
  let fd: number;
  try {
    fd = sys.open(env.task, `/run/netns/${name}`);
  } catch {
    return -1;
  }
  const b = buildRequest(RTM_GETNSID, 0, 1, (bb, h) => {
    bb.setU8(h, AF_UNSPEC);
    bb.nlaPutU32(3 /* NETNSA_FD */, fd);
  });
  const r = rtnlTalk(env.rth, b, true);
  sys.close(env.task, fd);
  if (r.error || !r.reply) return -1;
  const tb = nlmsgParse(r.reply.msg, 1, 5, null);
  if (typeof tb === 'number' || !tb[1]) return -1;
  return nlaGetS32(tb[1]);
}

/* ------------------------------------------------------------------ */
/* ip link show                                                        */

/** `ip link show [ [dev] DEV ] [up] [type KIND] [master DEV]`. Returns the exit status. */
export function iplinkShow(env: IpEnv, args: string[]): number {
  let dev: string | null = null;
  let up = false;
  let kind: string | null = null;
  let master = 0;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === 'up') up = true;
    else if (a === 'type' || a === 'master') {
      const v = args[++i];
      if (v === undefined) {
        env.err('Command line is not complete. Try option "help"\n');
        return 255;
      }
      if (a === 'type') kind = v;
      else {
        master = llNameToIndex(env, v);
        if (!master) {
          env.err(`Device "${v}" does not exist.\n`);
          return 1;
        }
      }
    } else {
      let name = a;
      if (a === 'dev') {
        const v = args[++i];
        if (v === undefined) {
          env.err('Command line is not complete. Try option "help"\n');
          return 255;
        }
        name = v;
      }
      if (dev !== null) {
        env.err(`Error: either "dev" is duplicate, or "${name}" is a garbage.\n`);
        return 255;
      }
      dev = name;
    }
  }
  const p = new Printer(env.opts.json, env.opts.pretty);
  p.openArray(null);
  const ctx: LinkPrintCtx = { env, cache: new Map(), nsNames: null, doLink: true };
  let msgs: NlMsg[];
  if (dev !== null) {
    const idx = llNameToIndex(env, dev);
    if (!idx) {
      env.err(`Device "${dev}" does not exist.\n`);
      return 1;
    }
    const m = linkGet(env, dev);
    msgs = m ? [m] : [];
  } else {
    const b = buildRequest(RTM_GETLINK, 0, IFINFOMSG_LEN, (bb) => {
      bb.nlaPutU32(IFLA_EXT_MASK, RTEXT_FILTER_VF);
      if (master) bb.nlaPutU32(IFLA_MASTER, master);
      if (kind) {
        const li = bb.nlaNestStart(IFLA_LINKINFO);
        bb.nlaPutString(IFLA_INFO_KIND, kind);
        bb.nlaNestEnd(li);
      }
    });
    const r = rtnlDump(env.rth, b);
    if (r.error) {
      env.err(talkErrorText({ error: r.error, msg: r.msg, reply: null }));
      return 2;
    }
    msgs = r.msgs;
  }
  for (const m of msgs) {
    const tb = linkTb(m);
    if (tb[IFLA_IFNAME]) {
      ctx.cache.set(ifinfomsgParse(m.msg, NLMSG_HDRLEN).index,
        { name: nlaGetString(tb[IFLA_IFNAME]), flags: ifinfomsgParse(m.msg, NLMSG_HDRLEN).flags });
    }
    if (tb[IFLA_LINK_NETNSID] && !ctx.nsNames && !env.opts.json) ctx.nsNames = netnsNameMap(env);
  }
  for (const m of msgs) {
    if (kind && dev !== null) {
      const tb = linkTb(m);
      const li = tb[IFLA_LINKINFO] ? nlaParseNested(tb[IFLA_LINKINFO], IFLA_INFO_MAX, null) : null;
      const k = li && typeof li !== 'number' && li[IFLA_INFO_KIND] ? nlaGetString(li[IFLA_INFO_KIND]) : '';
      if (k !== kind) continue;
    }
    printLinkinfo(p, ctx, m, up);
  }
  p.closeArray();
  env.out(p.result());
  return 0;
}

/* ------------------------------------------------------------------ */
/* ip link add / set / delete                                          */

class ArgError {
  constructor(readonly text: string, readonly status: number) {}
}

function parseMac(s: string): Uint8Array | null {
  const parts = s.split(':');
  if (parts.length < 1 || parts.length > 32) return null;
  const out = new Uint8Array(parts.length);
  for (let i = 0; i < parts.length; i++) {
    if (!/^[0-9a-fA-F]{1,2}$/.test(parts[i]!)) return null;
    out[i] = parseInt(parts[i]!, 16);
  }
  return out;
}

function getInteger(s: string): number | null {
  if (!/^(0x[0-9a-fA-F]+|0[0-7]*|[+-]?[1-9][0-9]*)$/.test(s)) return null;
  const v = s.startsWith('0x') ? parseInt(s, 16) : s.startsWith('0') && s.length > 1 ? parseInt(s, 8) : Number(s);
  return v >= -(2 ** 31) && v < 2 ** 31 ? v : null;
}

interface ParsedLink {
  dev: string | null;
  name: string | null;
  type: string | null;
  rest: string[];
  flags: number;
  change: number;
}

/**
 * iproute2: iplink_parse(): link options into the request `b` (after its
 * ifinfomsg at `ifm`). Throws ArgError with iproute2's message and exit status.
 */
function iplinkParse(env: IpEnv, args: string[], b: NlMsgBuilder): ParsedLink {
  const r: ParsedLink = { dev: null, name: null, type: null, rest: [], flags: 0, change: 0 };
  let mtu = false;
  let qlen = false;
  let netns = false;
  let group = false;
  let i = 0;
  const next = (): string => {
    const v = args[++i];
    if (v === undefined) throw new ArgError('Command line is not complete. Try option "help"\n', 255);
    return v;
  };
  const invarg = (msg: string, arg: string): never => {
    throw new ArgError(`Error: argument "${arg}" is wrong: ${msg}\n`, 255);
  };
  const duparg = (key: string, arg: string): never => {
    throw new ArgError(`Error: duplicate "${key}": "${arg}" is the second value.\n`, 255);
  };
  const onOff = (flag: number, key: string): void => {
    const v = next();
    r.change |= flag;
    if (v === 'on') r.flags |= flag;
    else if (v === 'off') r.flags &= ~flag;
    else throw new ArgError(`Error: argument of "${key}" must be "on" or "off", not "${v}"\n`, 1);
  };
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === 'up') {
      r.change |= 0x1;
      r.flags |= 0x1;
    } else if (a === 'down') {
      r.change |= 0x1;
      r.flags &= ~0x1;
    } else if (a === 'name') {
      const v = next();
      if (r.name) duparg('name', v);
      if (!checkIfname(v)) invarg('"name" not a valid ifname', v);
      r.name = v;
      if (!r.dev) r.dev = v;
    } else if (matches(a, 'address')) {
      const v = next();
      const mac = parseMac(v);
      if (!mac) throw new ArgError(`"${v}" is invalid lladdr.\n`, 1);
      b.nlaPut(IFLA_ADDRESS, mac);
    } else if (matches(a, 'broadcast') || a === 'brd') {
      const v = next();
      const mac = parseMac(v);
      if (!mac) throw new ArgError(`"${v}" is invalid lladdr.\n`, 1);
      b.nlaPut(IFLA_BROADCAST, mac);
    } else if (matches(a, 'txqueuelen') || a === 'qlen' || matches(a, 'txqlen')) {
      const v = next();
      if (qlen) duparg('txqueuelen', v);
      const n = getInteger(v);
      if (n === null) invarg('Invalid "txqueuelen" value\n', v);
      qlen = true;
      b.nlaPutU32(IFLA_TXQLEN, n!);
    } else if (a === 'mtu') {
      const v = next();
      if (mtu) duparg('mtu', v);
      const n = getInteger(v);
      if (n === null) invarg('Invalid "mtu" value\n', v);
      mtu = true;
      b.nlaPutU32(IFLA_MTU, n!);
    } else if (a === 'netns') {
      const v = next();
      if (netns) duparg('netns', v);
      netns = true;
      let fd = -1;
      try {
        fd = sys.open(env.task, v.includes('/') ? v : `/run/netns/${v}`);
      } catch {
        fd = -1;
      }
      if (fd >= 0) b.nlaPutU32(IFLA_NET_NS_FD, fd);
      else {
        const n = getInteger(v);
        if (n === null) invarg('Invalid "netns" value\n', v);
        b.nlaPutU32(IFLA_NET_NS_PID, n!);
      }
    } else if (a === 'multicast') onOff(0x1000, 'multicast');
    else if (a === 'allmulticast') onOff(0x200, 'allmulticast');
    else if (a === 'promisc') onOff(0x100, 'promisc');
    else if (a === 'trailers') {
      const v = next();
      r.change |= 0x20;
      if (v === 'off') r.flags |= 0x20;
      else if (v === 'on') r.flags &= ~0x20;
      else throw new ArgError(`Error: argument of "trailers" must be "on" or "off", not "${v}"\n`, 1);
    } else if (a === 'arp') {
      const v = next();
      r.change |= 0x80;
      if (v === 'on') r.flags &= ~0x80;
      else if (v === 'off') r.flags |= 0x80;
      else throw new ArgError(`Error: argument of "arp" must be "on" or "off", not "${v}"\n`, 1);
    } else if (matches(a, 'master')) {
      const v = next();
      const idx = llNameToIndex(env, v);
      if (!idx) invarg('Device does not exist\n', v);
      b.nlaPutU32(IFLA_MASTER, idx);
    } else if (matches(a, 'nomaster')) {
      b.nlaPutU32(IFLA_MASTER, 0);
    } else if (matches(a, 'type')) {
      r.type = next();
      r.rest = args.slice(i + 1);
      break;
    } else if (matches(a, 'alias')) {
      const v = next();
      if (v.length >= 256) invarg('alias too long\n', v);
      b.nlaPut(IFLA_IFALIAS, new TextEncoder().encode(v));
    } else if (a === 'group') {
      const v = next();
      if (group) duparg('group', v);
      const n = v === 'default' ? 0 : getInteger(v);
      if (n === null) invarg('Invalid "group" value\n', v);
      group = true;
      b.nlaPutU32(IFLA_GROUP, n!);
    } else if (a === 'numtxqueues' || a === 'numrxqueues') {
      const v = next();
      const n = getInteger(v);
      if (n === null) invarg(`Invalid "${a}" value\n`, v);
      b.nlaPutU32(a === 'numtxqueues' ? IFLA_NUM_TX_QUEUES : IFLA_NUM_RX_QUEUES, n!);
    } else {
      let v = a;
      if (a === 'dev') v = next();
      if (r.dev !== r.name) throw new ArgError(`Error: either "dev" is duplicate, or "${v}" is a garbage.\n`, 255);
      if (!checkIfname(v)) invarg('"dev" not a valid ifname', v);
      r.dev = v;
    }
  }
  return r;
}

/** Append IFLA_LINKINFO for `type KIND [ARGS]` (iproute2: iplink_modify). */
function putLinkinfo(env: IpEnv, b: NlMsgBuilder, type: string, rest: string[]): void {
  const li = b.nlaNestStart(IFLA_LINKINFO);
  const slave = type.endsWith('_slave');
  const kindAttr = new TextEncoder().encode(slave ? type.slice(0, -6) : type);
  b.nlaPut(slave ? IFLA_INFO_SLAVE_KIND : IFLA_INFO_KIND, kindAttr);
  const lu = LINK_UTILS.get(type);
  if (lu?.parseOpt && rest.length) {
    const data = b.nlaNestStart(slave ? IFLA_INFO_SLAVE_DATA : IFLA_INFO_DATA);
    let errText = '';
    const st = lu.parseOpt(rest, b, (t) => {
      errText += t;
    }, (peerArgs, bb) => {
      const ifm = bb.reserve(IFINFOMSG_LEN);
      const pr = iplinkParse(env, peerArgs, bb);
      if (pr.type) throw new ArgError(`Error: duplicate "type": "${pr.type}" is the second value.\n`, 255);
      bb.setU32(ifm + 8, pr.flags);
      bb.setU32(ifm + 12, pr.change);
      if (pr.dev) bb.nlaPutString(IFLA_IFNAME, pr.dev);
      return 0;
    });
    if (st) throw new ArgError(errText, st);
    b.nlaNestEnd(data);
  } else if (rest.length) {
    throw new ArgError(`Garbage instead of arguments "${rest[0]} ...". Try "ip link help".\n`, 255);
  }
  b.nlaNestEnd(li);
}

/** iproute2: iplink_modify(): `ip link add|set|delete`. Returns the exit status. */
export function iplinkModify(env: IpEnv, cmd: number, flags: number, args: string[]): number {
  const b = new NlMsgBuilder(512);
  const nlh = b.nlmsgPut(0, 0, cmd, IFINFOMSG_LEN, 0x1 | flags);
  const ifm = nlh + NLMSG_HDRLEN;
  try {
    const r = iplinkParse(env, args, b);
    b.setU32(ifm + 8, r.flags);
    b.setU32(ifm + 12, r.change);
    if (r.type) putLinkinfo(env, b, r.type, r.rest);
    let name = r.name;
    if (!(flags & NLM_F_CREATE)) {
      if (!r.dev) {
        env.err('Not enough information: "dev" argument is required.\n');
        return 255;
      }
      const idx = llNameToIndex(env, r.dev);
      if (!idx) {
        env.err(`Cannot find device "${r.dev}"\n`);
        return 1;
      }
      b.setS32(ifm + 4, idx);
      if (name === r.dev) name = null;
    } else {
      name = r.dev;
    }
    if (name) b.nlaPutString(IFLA_IFNAME, name);
  } catch (e) {
    if (e instanceof ArgError) {
      env.err(e.text);
      return e.status;
    }
    throw e;
  }
  b.nlmsgEnd(nlh);
  return rtnlTalkOrReport(env.rth, b, env.err, 2);
}

const IPLINK_USAGE = 'Usage: ip link add [link DEV | parentdev NAME] [ name ] NAME\n';

/** `ip link ...` (iproute2: do_iplink). */
export function doIplink(env: IpEnv, args: string[]): number {
  const cmd = args[0];
  if (cmd === undefined) return iplinkShow(env, []);
  const rest = args.slice(1);
  if (matches(cmd, 'add')) return iplinkModify(env, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, rest);
  if (matches(cmd, 'set') || matches(cmd, 'change')) return iplinkModify(env, RTM_NEWLINK, 0, rest);
  if (matches(cmd, 'delete')) return iplinkModify(env, RTM_DELLINK, 0, rest);
  if (matches(cmd, 'show') || matches(cmd, 'lst') || matches(cmd, 'list')) return iplinkShow(env, rest);
  if (matches(cmd, 'help')) {
    env.err(IPLINK_USAGE);
    return 255;
  }
  env.err(`Command "${cmd}" is unknown, try "ip link help".\n`);
  return 255;
}

