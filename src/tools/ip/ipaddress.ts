/**
 * `ip address` (iproute2 6.1: ip/ipaddress.c): add/change/replace/delete build
 * RTM_NEWADDR/RTM_DELADDR requests (ipaddr_modify); show/list dumps the links
 * and the addresses and prints each link as `ip link` does (print_linkinfo from
 * iplink.ts) followed by its addresses (print_addrinfo), in the normal, -br,
 * -o, -j and -4 forms, with iproute2's selectors (dev, scope, to, label, up,
 * down, flags, master, type, group); flush deletes what show would list, in
 * rounds, as ipaddr_flush does. Error texts and exit statuses are iproute2's.
 * IPv6 is not implemented in tuxnet: no inet6 lines are ever printed (a Linux
 * host prints its fe80:: addresses too). Userspace only: rtnetlink sockets.
 */
import * as sys from '../../socket/syscalls.js';
import { AF_INET, AF_INET6, AF_UNSPEC } from '../../socket/socket.js';
import { strerror } from '../../socket/errno.js';
import {
  type NlMsg, type NlaTable, NlMsgBuilder, NLM_F_REQUEST, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, NLMSG_HDRLEN,
  NLMSG_ERROR, nlmsgParse, nlaParseNested, nlaGetU32, nlaGetString, nlmsgSplit, nlmsgerrParse,
} from '../../wire/netlink.js';
import { RTM_NEWADDR, RTM_DELADDR, RTM_GETADDR, RTM_GETLINK, RTM_NEWLINK } from '../../wire/rtnetlink.js';
import {
  IFINFOMSG_LEN, ifinfomsgParse, IFLA_EXT_MASK, IFLA_IFNAME, IFLA_MASTER, IFLA_GROUP, IFLA_LINKINFO, IFLA_INFO_KIND,
  IFLA_INFO_SLAVE_KIND, IFLA_INFO_MAX, IFLA_MAX, IFLA_LINK_NETNSID, RTEXT_FILTER_VF, RTEXT_FILTER_SKIP_STATS,
} from '../../wire/if_link.js';
import {
  IFADDRMSG_LEN, IFA_ADDRESS, IFA_LOCAL, IFA_LABEL, IFA_BROADCAST, IFA_ANYCAST, IFA_CACHEINFO, IFA_FLAGS,
  IFA_RT_PRIORITY, IFA_F_SECONDARY, IFA_F_MCAUTOJOIN, ifaCacheinfoEmit, inAddrBytes,
} from '../../wire/if_addr.js';
import { buildRequest, rtnlTalk, rtnlDump, talkErrorText } from '../lib/libnetlink.js';
import { type LlMap, llInitMap } from '../lib/ll_map.js';
import { matches } from '../lib/utils.js';
import { rtnlRtscopeA2n, rtnlGroupA2n, strtoul } from '../lib/rt_names.js';
import { Printer } from './json_print.js';
import { type IpEnv, type LinkPrintCtx, llNameToIndex, printLinkinfoFields, printLinkStats, netnsNameMap } from './iplink.js';
import { type InetPrefix, IpArgError, PREFIXLEN_SPECIFIED, nextArg, invarg, getPrefix, getAddr } from './iproute.js';
import {
  type AddrFilter, type AddrMsg, type AddrCtx, newAddrFilter, getFilter, lookupFlagData, addrMsg, printAddrinfo,
  labelMismatch, prefixMatches,
} from './ipaddress_print.js';

const AF_PACKET = 17;
const IFF_UP = 0x1;
const INFINITY_LIFE_TIME = 0xffffffff;

const USAGE = 'Usage: ip address {add|change|replace} IFADDR dev IFNAME [ LIFETIME ]\n' +
  '                                                      [ CONFFLAG-LIST ]\n' +
  '       ip address del IFADDR dev IFNAME [mngtmpaddr]\n' +
  '       ip address {save|flush} [ dev IFNAME ] [ scope SCOPE-ID ]\n' +
  '                            [ to PREFIX ] [ FLAG-LIST ] [ label LABEL ] [up]\n' +
  '       ip address [ show [ dev IFNAME ] [ scope SCOPE-ID ] [ master DEVICE ]\n' +
  '                         [ nomaster ]\n' +
  '                         [ type TYPE ] [ to PREFIX ] [ FLAG-LIST ]\n' +
  '                         [ label LABEL ] [up] [ vrf NAME ] ]\n' +
  '       ip address {showdump|restore}\n' +
  'IFADDR := PREFIX | ADDR peer PREFIX\n' +
  '          [ broadcast ADDR ] [ anycast ADDR ]\n' +
  '          [ label IFNAME ] [ scope SCOPE-ID ] [ metric METRIC ]\n' +
  'SCOPE-ID := [ host | link | global | NUMBER ]\n' +
  'FLAG-LIST := [ FLAG-LIST ] FLAG\n' +
  'FLAG  := [ permanent | dynamic | secondary | primary |\n' +
  '           [-]tentative | [-]deprecated | [-]dadfailed | temporary |\n' +
  '           CONFFLAG-LIST ]\n' +
  'CONFFLAG-LIST := [ CONFFLAG-LIST ] CONFFLAG\n' +
  'CONFFLAG  := [ home | nodad | mngtmpaddr | noprefixroute | autojoin ]\n' +
  'LIFETIME := [ valid_lft LFT ] [ preferred_lft LFT ]\n' +
  'LFT := forever | SECONDS\n' +
  'TYPE := { amt | bareudp | bond | bond_slave | bridge | bridge_slave |\n' +
  '          dsa | dummy | erspan | geneve | gre | gretap | gtp | ifb |\n' +
  '          ip6erspan | ip6gre | ip6gretap | ip6tnl |\n' +
  '          ipip | ipoib | ipvlan | ipvtap |\n' +
  '          macsec | macvlan | macvtap |\n' +
  '          netdevsim | nlmon | rmnet | sit | team | team_slave |\n' +
  '          vcan | veth | vlan | vrf | vti | vxcan | vxlan | wwan |\n' +
  '          xfrm | virt_wifi }\n';

/* ------------------------------------------------------------------ */
/* ip address show / flush                                             */

interface LinkMsg {
  m: NlMsg;
  index: number;
  flags: number;
  tb: NlaTable;
}

function linkMsg(m: NlMsg): LinkMsg | null {
  if (m.type !== RTM_NEWLINK || m.msg.length < NLMSG_HDRLEN + IFINFOMSG_LEN) return null;
  const ifi = ifinfomsgParse(m.msg, NLMSG_HDRLEN);
  const tb = nlmsgParse(m.msg, IFINFOMSG_LEN, IFLA_MAX, null);
  return { m, index: ifi.index, flags: ifi.flags, tb: typeof tb === 'number' ? [] : tb };
}

function kindOf(tb: NlaTable, slave: boolean): string {
  const li = tb[IFLA_LINKINFO] ? nlaParseNested(tb[IFLA_LINKINFO], IFLA_INFO_MAX, null) : null;
  if (!li || typeof li === 'number') return '';
  const a = li[slave ? IFLA_INFO_SLAVE_KIND : IFLA_INFO_KIND];
  return a ? nlaGetString(a) : '';
}

/**
 * iproute2: the filters at the top of print_linkinfo(): -1 when the link is
 * not shown, 0 when only its addresses are (label filter), 1 to print it.
 */
function linkFilter(f: AddrFilter, l: LinkMsg): number {
  if (f.ifindex && l.index !== f.ifindex) return -1;
  if (f.up && !(l.flags & IFF_UP)) return -1;
  if (f.down && l.flags & IFF_UP) return -1;
  if (!l.tb[IFLA_IFNAME]) return -1;
  if (f.label) return 0;
  if (l.tb[IFLA_GROUP] && f.group !== -1 && nlaGetU32(l.tb[IFLA_GROUP]) !== f.group) return -1;
  if (l.tb[IFLA_MASTER]) {
    if (f.master > 0 && nlaGetU32(l.tb[IFLA_MASTER]) !== f.master) return -1;
  } else if (f.master > 0) return -1;
  // iproute2: match_link_kind() (a link without IFLA_LINKINFO never matches).
  if (f.kind && (!l.tb[IFLA_LINKINFO] || kindOf(l.tb, false) !== f.kind)) return -1;
  if (f.slaveKind && (!l.tb[IFLA_LINKINFO] || kindOf(l.tb, true) !== f.slaveKind)) return -1;
  return 1;
}

/** iproute2: ipaddr_filter(): keep links with an address passing the filter (or none, without a family). */
function ipaddrFilter(c: AddrCtx, links: LinkMsg[], addrs: AddrMsg[]): LinkMsg[] {
  const f = c.f;
  return links.filter((l) => {
    let missing = true;
    for (const a of addrs) {
      if (a.index !== l.index) continue;
      missing = false;
      if (f.family && f.family !== a.family) continue;
      if (((f.scope ^ a.scope) & f.scopemask) !== 0) continue;
      if (((f.flags ^ a.flags) & f.flagmask) !== 0) continue;
      if (labelMismatch(c, a.index, a.tb[IFA_LABEL])) continue;
      const local = a.tb[IFA_LOCAL] ?? a.tb[IFA_ADDRESS];
      if (f.pfx && !prefixMatches(f.pfx, local)) continue;
      return true;
    }
    return missing && (f.family === AF_UNSPEC || f.family === AF_PACKET);
  });
}

/** iproute2: rtnl_addrdump_req() with ipaddr_dump_filter (ifa_index = filter.ifindex). */
function addrDump(c: AddrCtx): { msgs: AddrMsg[]; error: number; msg?: string } {
  const b = buildRequest(RTM_GETADDR, 0, IFADDRMSG_LEN, (bb, h) => {
    bb.setU8(h, c.f.family);
    bb.setU32(h + 4, c.f.ifindex);
  });
  const r = rtnlDump(c.env.rth, b);
  const msgs: AddrMsg[] = [];
  for (const m of r.msgs) {
    const a = addrMsg(m);
    if (a) msgs.push(a);
  }
  return { msgs, error: r.error, msg: r.msg };
}

/** iproute2: ipaddr_link_get() / ip_link_list() with iplink_filter_req(). */
function linkList(c: AddrCtx): LinkMsg[] | null {
  const f = c.f;
  const mask = RTEXT_FILTER_VF | (c.env.opts.stats ? 0 : RTEXT_FILTER_SKIP_STATS);
  if (f.ifindex) {
    const b = buildRequest(RTM_GETLINK, 0, IFINFOMSG_LEN, (bb, h) => {
      bb.setU8(h, f.family);
      bb.setS32(h + 4, f.ifindex);
      bb.nlaPutU32(IFLA_EXT_MASK, mask);
    });
    const r = rtnlTalk(c.env.rth, b, true);
    if (r.error || !r.reply) {
      c.env.err(`Cannot send link request: ${strerror(r.error)}\n`);
      return null;
    }
    const l = linkMsg(r.reply);
    return l ? [l] : [];
  }
  const b = buildRequest(RTM_GETLINK, 0, IFINFOMSG_LEN, (bb, h) => {
    bb.setU8(h, c.env.opts.family);
    bb.nlaPutU32(IFLA_EXT_MASK, mask);
    if (f.master) bb.nlaPutU32(IFLA_MASTER, f.master);
    if (f.kind) {
      const li = bb.nlaNestStart(IFLA_LINKINFO);
      bb.nlaPut(IFLA_INFO_KIND, new TextEncoder().encode(f.kind));
      bb.nlaNestEnd(li);
    }
  });
  const r = rtnlDump(c.env.rth, b);
  if (r.error) {
    c.env.err('Dump terminated\n');
    return null;
  }
  const out: LinkMsg[] = [];
  for (const m of r.msgs) {
    const l = linkMsg(m);
    if (l) out.push(l);
  }
  return out;
}

/** Send a round of flush requests (iproute2: flush_update() / rtnl_send_check()). */
function flushUpdate(c: AddrCtx): number {
  const b = c.f.flushb!;
  if (b.len === 0) return 0;
  const rth = c.env.rth;
  sys.send(rth.task, rth.fd, b.bytes());
  b.trim(0);
  // rtnl_send_check(): an immediate NLMSG_ERROR fails the round, except
  // EADDRNOTAVAIL (the kernel may already have deleted a secondary with its primary).
  for (;;) {
    const r = sys.recvmsgNow(rth.task, rth.fd, 32768);
    if (!r) return 0;
    for (const m of nlmsgSplit(r.data).msgs) {
      if (m.type !== NLMSG_ERROR) continue;
      const e = nlmsgerrParse(m);
      if (e.error && e.error !== -99) {
        c.env.err(`Failed to send flush request: ${strerror(e.error)}\n`);
        return -1;
      }
    }
  }
}

/** iproute2: ipaddr_flush(). Returns the exit status. */
function ipaddrFlush(c: AddrCtx): number {
  const MAX_FLUSH_LOOPS = 10;
  const o = c.env.opts;
  const f = c.f;
  f.flushb = new NlMsgBuilder(4096);
  let round = 0;
  const done = (): number => {
    if (o.stats) {
      if (round === 0) c.env.out('Nothing to flush.\n');
      else c.env.out(`*** Flush is complete after ${round} round${round > 1 ? 's' : ''} ***\n`);
    }
    return 0;
  };
  while (round < MAX_FLUSH_LOOPS) {
    const r = addrDump(c);
    if (r.error) {
      c.env.err('Flush terminated\n');
      return 1;
    }
    f.flushed = 0;
    const p = new Printer(false, false);
    for (const a of r.msgs) printAddrinfo(p, c, a);
    c.env.out(p.text);
    if (f.flushed === 0) return done();
    round++;
    if (flushUpdate(c) < 0) return 255;
    if (o.stats) c.env.out(`\n*** Round ${round}, deleting ${f.flushed} addresses ***\n`);
    // Flushing only primaries: one round, else the promoted secondaries would go too.
    if (!(f.flags & IFA_F_SECONDARY) && f.flagmask & IFA_F_SECONDARY) return done();
  }
  c.env.err(`*** Flush remains incomplete after ${MAX_FLUSH_LOOPS} rounds. ***\n`);
  return 255;
}

/** iproute2: ipaddr_list_flush_or_save() for list and flush. Returns the exit status. */
function ipaddrListFlush(env: IpEnv, args: string[], flush: boolean): number {
  const f = newAddrFilter(env.opts.family, env.opts.oneline);
  let llMap: LlMap | null = null;
  const c: AddrCtx = { env, f, ll: () => (llMap ??= llInitMap(env.rth)) };
  if (flush) {
    if (args.length === 0) {
      env.err('Flush requires arguments.\n');
      return 1;
    }
    if (f.family === AF_PACKET) {
      env.err('Cannot flush link addresses.\n');
      return 1;
    }
  }
  let filterDev: string | null = null;
  try {
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === 'to') {
        const v = nextArg(args, i++);
        const pfx = getPrefix(v, f.family);
        f.pfx = pfx;
        if (f.family === AF_UNSPEC) f.family = pfx.family;
      } else if (a === 'scope') {
        const v = nextArg(args, i++);
        f.scopemask = -1;
        let scope = rtnlRtscopeA2n(v);
        if (scope < 0) {
          if (v !== 'all') invarg('invalid "scope"\n', v);
          scope = 255;
          f.scopemask = 0;
        }
        f.scope = scope;
      } else if (a === 'up') f.up = true;
      else if (a === 'down') f.down = true;
      else if (getFilter(f, a)) { /* a flag selector */ } else if (a === 'label') {
        f.label = nextArg(args, i++);
      } else if (a === 'group') {
        const v = nextArg(args, i++);
        const g = rtnlGroupA2n(v);
        if (g === null) invarg('Invalid "group" value\n', v);
        f.group = g!;
      } else if (a === 'master') {
        const v = nextArg(args, i++);
        const idx = llNameToIndex(env, v);
        if (!idx) invarg('Device does not exist\n', v);
        f.master = idx;
      } else if (a === 'vrf') {
        const v = nextArg(args, i++);
        // No VRF devices in tuxnet: any name is "not a valid VRF name", as for a non-VRF device.
        invarg('Not a valid VRF name\n', v);
      } else if (a === 'nomaster') f.master = -1;
      else if (a === 'type') {
        const v = nextArg(args, i++);
        if (v.endsWith('_slave')) f.slaveKind = v.slice(0, -'_slave'.length);
        else f.kind = v;
      } else if (a === 'novf') { /* no VFs in tuxnet */ } else {
        let v = a;
        if (a === 'dev') v = nextArg(args, i++);
        else if (matches(a, 'help')) throw new IpArgError(USAGE, 255);
        if (filterDev) throw new IpArgError(`Error: either "dev" is duplicate, or "${v}" is a garbage.\n`, 255);
        filterDev = v;
      }
    }
  } catch (e) {
    if (e instanceof IpArgError) {
      env.err(e.text);
      return e.status;
    }
    throw e;
  }
  if (filterDev !== null) {
    f.ifindex = llNameToIndex(env, filterDev);
    if (f.ifindex <= 0) {
      env.err(`Device "${filterDev}" does not exist.\n`);
      return 1;
    }
  }
  if (flush) return ipaddrFlush(c);

  const o = env.opts;
  const p = new Printer(o.json, o.pretty);
  p.openArray(null);
  const links = linkList(c);
  let addrs: AddrMsg[] = [];
  let kept = links ?? [];
  let noLink = false;
  if (links && f.family !== AF_PACKET) {
    if (f.oneline) noLink = true;
    const r = addrDump(c);
    if (r.error) {
      env.err('Dump terminated\n');
      kept = [];
    } else {
      addrs = r.msgs;
      kept = ipaddrFilter(c, links, addrs);
    }
  }
  if (f.group !== -1) kept = kept.filter((l) => !l.tb[IFLA_GROUP] || nlaGetU32(l.tb[IFLA_GROUP]) === f.group);
  const ctx: LinkPrintCtx = {
    env, cache: new Map(), nsNames: null, doLink: false, family: f.family, showQueue: true,
  };
  for (const l of kept) {
    ctx.cache.set(l.index, { name: l.tb[IFLA_IFNAME] ? nlaGetString(l.tb[IFLA_IFNAME]) : `if${l.index}`, flags: l.flags });
    if (l.tb[IFLA_LINK_NETNSID] && !ctx.nsNames && !o.json) ctx.nsNames = netnsNameMap(env);
  }
  for (const l of kept) {
    p.openObject(null);
    let res = 0;
    if (o.brief || !noLink) {
      res = linkFilter(f, l);
      if (res > 0) res = printLinkinfoFields(p, ctx, l.m);
    }
    if (res >= 0 && f.family !== AF_PACKET) printSelectedAddrinfo(p, c, l, addrs);
    // iproute2: print_link_stats() after the addresses with -s.
    if (res > 0 && o.stats) {
      printLinkStats(p, l.tb, o.stats, o.oneline ? '\\' : '\n');
      p.fp(o.oneline ? '\\' : '\n');
    }
    p.closeObject();
  }
  p.closeArray();
  env.out(p.result());
  return 0;
}

/** iproute2: print_selected_addrinfo(): the link's addresses (an addr_info array in JSON). */
function printSelectedAddrinfo(p: Printer, c: AddrCtx, l: LinkMsg, addrs: AddrMsg[]): void {
  const f = c.f;
  p.openArray('addr_info');
  for (const a of addrs) {
    if (a.m.type !== RTM_NEWADDR) continue;
    if (a.index !== l.index || (f.family && f.family !== a.family)) continue;
    if (f.up && !(l.flags & IFF_UP)) continue;
    if (f.down && l.flags & IFF_UP) continue;
    p.openObject(null);
    printAddrinfo(p, c, a);
    p.closeObject();
  }
  p.closeArray();
  if (c.env.opts.brief) p.fp('\n');
}

/* ------------------------------------------------------------------ */
/* ip address add / change / replace / delete                          */

/** iproute2: set_lifetime(). */
function setLifetime(arg: string): number | null {
  if (arg === 'forever') return INFINITY_LIFE_TIME;
  return strtoul(arg, 0);
}

/** iproute2: default_scope(): 127.x.x.x is host scope. */
function defaultScope(lcl: InetPrefix | null): number {
  return lcl && lcl.family === AF_INET && lcl.bytelen >= 1 && lcl.addr >>> 24 === 127 ? 254 : 0;
}

/** iproute2: ipaddr_modify(). Returns the exit status. */
function ipaddrModify(env: IpEnv, cmd: number, flags: number, args: string[]): number {
  const b = new NlMsgBuilder(512);
  const nlh = b.nlmsgPut(0, 0, cmd, IFADDRMSG_LEN, NLM_F_REQUEST | flags);
  const ifm = nlh + NLMSG_HDRLEN;
  let family = env.opts.family;
  let prefixlen = 0;
  let scope = 0;
  let d: string | null = null;
  let lclArg: string | null = null;
  let lcl: InetPrefix | null = null;
  let peer: InetPrefix | null = null;
  let brdLen = 0;
  let anyLen = 0;
  let scoped = false;
  let validLft = INFINITY_LIFE_TIME;
  let preferredLft = INFINITY_LIFE_TIME;
  let validSet = false;
  let preferredSet = false;
  let ifaFlags = 0;
  const dup = (key: string, arg: string): never => {
    throw new IpArgError(`Error: duplicate "${key}": "${arg}" is the second value.\n`, 255);
  };
  try {
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === 'peer' || a === 'remote') {
        const v = nextArg(args, i++);
        if (peer) dup('peer', v);
        peer = getPrefix(v, family);
        if (family === AF_UNSPEC) family = peer.family;
        b.nlaPut(IFA_ADDRESS, inAddrBytes(peer.addr));
        prefixlen = peer.bitlen;
      } else if (matches(a, 'broadcast') || a === 'brd') {
        const v = nextArg(args, i++);
        if (brdLen) dup('broadcast', v);
        if (v === '+') brdLen = -1;
        else if (v === '-') brdLen = -2;
        else {
          const addr = getAddr(v, family);
          if (family === AF_UNSPEC) family = addr.family;
          b.nlaPut(IFA_BROADCAST, inAddrBytes(addr.addr));
          brdLen = addr.bytelen;
        }
      } else if (a === 'anycast') {
        const v = nextArg(args, i++);
        if (anyLen) dup('anycast', v);
        const addr = getAddr(v, family);
        if (family === AF_UNSPEC) family = addr.family;
        b.nlaPut(IFA_ANYCAST, inAddrBytes(addr.addr));
        anyLen = addr.bytelen;
      } else if (a === 'scope') {
        const v = nextArg(args, i++);
        const s = rtnlRtscopeA2n(v);
        if (s < 0) invarg('invalid scope value.', v);
        scope = s;
        scoped = true;
      } else if (a === 'dev') {
        d = nextArg(args, i++);
      } else if (a === 'label') {
        const v = nextArg(args, i++);
        b.nlaPutString(IFA_LABEL, v);
      } else if (matches(a, 'metric') || matches(a, 'priority') || matches(a, 'preference')) {
        const v = nextArg(args, i++);
        const metric = strtoul(v, 0);
        if (metric === null) invarg('"metric" value is invalid\n', v);
        b.nlaPutU32(IFA_RT_PRIORITY, metric!);
      } else if (matches(a, 'valid_lft')) {
        if (validSet) dup('valid_lft', args[i]!);
        const v = nextArg(args, i++);
        validSet = true;
        const lft = setLifetime(v);
        if (lft === null) invarg('valid_lft value', v);
        validLft = lft!;
      } else if (matches(a, 'preferred_lft')) {
        if (preferredSet) dup('preferred_lft', args[i]!);
        const v = nextArg(args, i++);
        preferredSet = true;
        const lft = setLifetime(v);
        if (lft === null) invarg('preferred_lft value', v);
        preferredLft = lft!;
      } else if (lookupFlagData(a)) {
        const fd = lookupFlagData(a)!;
        if (fd.readonly) env.err(`Warning: ${fd.name} option is not mutable from userspace\n`);
        else if (fd.v6only && family !== AF_INET6) env.err(`Warning: ${fd.name} option can be set only for IPv6 addresses\n`);
        else ifaFlags |= fd.mask;
      } else {
        let v = a;
        if (a === 'local') v = nextArg(args, i++);
        if (matches(v, 'help')) throw new IpArgError(USAGE, 255);
        if (lcl) throw new IpArgError(`Error: either "local" is duplicate, or "${v}" is a garbage.\n`, 255);
        lclArg = v;
        lcl = getPrefix(v, family);
        if (family === AF_UNSPEC) family = lcl.family;
        b.nlaPut(IFA_LOCAL, inAddrBytes(lcl.addr));
      }
    }
  } catch (e) {
    if (e instanceof IpArgError) {
      env.err(e.text);
      return e.status;
    }
    throw e;
  }
  if (ifaFlags <= 0xff) b.setU8(ifm + 2, ifaFlags);
  else b.nlaPutU32(IFA_FLAGS, ifaFlags);
  if (d === null) {
    env.err('Not enough information: "dev" argument is required.\n');
    return 1;
  }
  if (!peer && lcl) {
    if (cmd === RTM_DELADDR && lcl.family === AF_INET && !(lcl.flags & PREFIXLEN_SPECIFIED)) {
      env.err('Warning: Executing wildcard deletion to stay compatible with old scripts.\n' +
        `         Explicitly specify the prefix length (${lclArg}/${lcl.bytelen * 8}) to avoid this warning.\n` +
        '         This special behaviour is likely to disappear in further releases,\n' +
        '         fix your scripts!\n');
    } else {
      peer = lcl;
      b.nlaPut(IFA_ADDRESS, inAddrBytes(lcl.addr));
    }
  }
  if (prefixlen === 0 && lcl) prefixlen = lcl.bitlen;
  if (brdLen < 0 && cmd !== RTM_DELADDR) {
    if (family !== AF_INET) {
      env.err('Broadcast can be set only for IPv4 addresses\n');
      return 1;
    }
    const brd = peer ?? lcl;
    if (brd && brd.bitlen <= 30) {
      const host = brd.bitlen <= 0 ? 0xffffffff : (0xffffffff >>> brd.bitlen);
      const addr = brdLen === -1 ? (brd.addr | host) >>> 0 : (brd.addr & ~host) >>> 0;
      b.nlaPut(IFA_BROADCAST, inAddrBytes(addr));
    }
  }
  if (!scoped && cmd !== RTM_DELADDR) scope = defaultScope(lcl);
  const index = llNameToIndex(env, d);
  if (!index) {
    env.err(`Cannot find device "${d}"\n`);
    return 1;
  }
  if (validSet || preferredSet) {
    if (!validLft) {
      env.err('valid_lft is zero\n');
      return 1;
    }
    if (validLft < preferredLft) {
      env.err('preferred_lft is greater than valid_lft\n');
      return 1;
    }
    b.nlaPut(IFA_CACHEINFO, ifaCacheinfoEmit({ prefered: preferredLft, valid: validLft, cstamp: 0, tstamp: 0 }));
  }
  if (ifaFlags & IFA_F_MCAUTOJOIN && !(lcl && (lcl.addr & 0xf0000000) >>> 0 === 0xe0000000)) {
    env.err('autojoin needs multicast address\n');
    return 1;
  }
  b.setU8(ifm, family);
  b.setU8(ifm + 1, prefixlen < 0 ? 0 : prefixlen);
  b.setU8(ifm + 3, scope);
  b.setU32(ifm + 4, index);
  b.nlmsgEnd(nlh);
  const r = rtnlTalk(env.rth, b);
  if (r.error) {
    env.err(talkErrorText(r));
    return 2;
  }
  return 0;
}

/** `ip address ...` (iproute2: do_ipaddr). Returns the exit status. */
export function doIpaddr(env: IpEnv, args: string[]): number {
  const cmd = args[0];
  if (cmd === undefined) return ipaddrListFlush(env, [], false);
  const rest = args.slice(1);
  if (matches(cmd, 'add')) return ipaddrModify(env, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, rest);
  if (matches(cmd, 'change') || cmd === 'chg') return ipaddrModify(env, RTM_NEWADDR, NLM_F_REPLACE, rest);
  if (matches(cmd, 'replace')) return ipaddrModify(env, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, rest);
  if (matches(cmd, 'delete')) return ipaddrModify(env, RTM_DELADDR, 0, rest);
  if (matches(cmd, 'list') || matches(cmd, 'show') || matches(cmd, 'lst')) return ipaddrListFlush(env, rest, false);
  if (matches(cmd, 'flush')) return ipaddrListFlush(env, rest, true);
  if (matches(cmd, 'help')) {
    env.err(USAGE);
    return 255;
  }
  env.err(`Command "${cmd}" is unknown, try "ip address help".\n`);
  return 255;
}
