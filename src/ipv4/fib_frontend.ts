/**
 * The IPv4 FIB frontend (Linux: net/ipv4/fib_frontend.c): the namespace's routing
 * tables (local 255, main 254, default 253 and numbered ones, created on demand as
 * fib_new_table does), `fibLookup` (the rules, or Linux's fast path over local +
 * main + default while no custom rule exists), address types (`inetAddrType`), the
 * reverse-path check `fibValidateSource` (rp_filter 0/1/2, accept_local), the routes
 * that addresses create (fib_add_ifaddr/fib_del_ifaddr, fed by the inetaddr chain)
 * and the reaction to devices going down, up, changing MTU or leaving
 * (fib_sync_*), RTM_NEWROUTE/DELROUTE and the RTM_GETROUTE dump, and /proc/net/route.
 *
 * Tables are never merged: Linux lets the local table share main's trie until the
 * first custom rule (fib_unmerge), so its fast path is one lookup over both; tuxnet
 * keeps them apart and looks up local then main. The two differ only when a local-
 * table route is less specific than a main route covering the same address.
 */
import type { Kernel, Net } from '../core/net_namespace.js';
import { type NetDevice, IFF_UP, IFF_LOOPBACK, IFF_RUNNING, IFF_LOWER_UP } from '../core/netdevice.js';
import type { SkBuff } from '../core/skbuff.js';
import {
  NETDEV_UP, NETDEV_DOWN, NETDEV_CHANGE, NETDEV_CHANGEMTU, NETDEV_UNREGISTER, NETDEV_CHANGEUPPER, NOTIFY_DONE,
  type NetdevNotifierInfo,
} from '../core/notifier.js';
import { devGetFlags } from '../core/dev.js';
import { procFilesOf } from '../socket/syscalls.js';
import { AF_INET } from '../socket/socket.js';
import { EINVAL, ENETUNREACH, EXDEV, EAGAIN } from '../socket/errno.js';
import { RTM_NEWROUTE, RTM_DELROUTE, RTM_GETROUTE } from '../wire/rtnetlink.js';
import {
  RTN_BROADCAST, RTN_LOCAL, RTN_MULTICAST, RTN_UNICAST, RTNH_F_DEAD, RTNH_F_LINKDOWN, RTPROT_KERNEL, RT_SCOPE_HOST,
  RT_SCOPE_LINK, RT_SCOPE_UNIVERSE, RT_TABLE_DEFAULT, RT_TABLE_LOCAL, RT_TABLE_MAIN,
} from '../wire/route.js';
import { rtnlRegister } from '../netlink/rtnetlink.js';
import { Flowi4 } from './rtable.js';
import {
  type InDevice, type InIfaddr, IFA_F_SECONDARY, IFA_F_NOPREFIXROUTE, inDevGet, inDevRpfilter, inDevAcceptLocal,
  inDevTxRedirects, inDevSrcVmark, inetIfaMatch, ipv4IsZeronet, ipv4IsLbcast, ipv4IsMulticast,
} from './inetdevice.js';
import { ipv4Net, rtGenidBumpIpv4 } from './netns_ipv4.js';
import { inetaddrChain, inetIfaByPrefix, inetLookupIfaddr, inetSelectAddr, devinetSetFibOps } from './devinet.js';
import { FibConfig, FibResult, FIB_LOOKUP_NOREF, FIB_LOOKUP_IGNORE_LINKSTATE } from './fib_lookup.js';
import { type FibTable, fibTrieTable, fibTableLookup, fibTableInsert, fibTableDelete, fibTableFlush } from './fib_trie.js';
import { fibInfoNhUsesDev, fibResultPrefsrc, fibSyncDownDev, fibSyncUp, fibSyncDownAddr } from './fib_semantics.js';
import { type FibRulesOps, fib4RulesInit, fib4RulesExit, fibLookupRules, fibRulesInit } from './fib_rules.js';
import { fibSyncMtu } from './route.js';
import { inetRtmNewroute, inetRtmDelroute, inetDumpFib, procNetRoute } from './fib_netlink.js';

// The rtnetlink half lives in fib_netlink.ts; these names stay importable from here.
export {
  rtmIpv4Policy, rtmToFibConfig, ipValidFibDumpReq, inetDumpFib, fibSetDumpExceptions, procNetRoute,
} from './fib_netlink.js';

/** Linux: FIB_TABLE_HASHSZ. */
export const FIB_TABLE_HASHSZ = 256;
/** Linux: LOOPBACK_IFINDEX. */
const LOOPBACK_IFINDEX = 1;

/** The FIB state of a namespace (Linux: the fib_* fields of struct netns_ipv4). */
export class FibNet {
  /** Tables by bucket (id & 255), the newest first in a bucket (Linux: fib_table_hash). */
  readonly tableHash: FibTable[][] = [];
  fibMain: FibTable | null = null;
  fibDefault: FibTable | null = null;
  /** The local table (255), found without the bucket walk (bucket 255 also holds tables 511, 767 ...). */
  fibLocal: FibTable | null = null;
  /** The IPv4 rule list (Linux: net->ipv4.rules_ops). */
  rulesOps!: FibRulesOps;
  /** Set by the first rule added or deleted: lookups go through the rules from then on. */
  hasCustomRules = false;
  /** A RTN_LOCAL route was added by netlink (fib_validate_source then does the full check). */
  hasCustomLocalRoutes = false;
  /** Rules and routes using realms (Linux: fib_num_tclassid_users). */
  numTclassidUsers = 0;
  /**
   * Scratch keys and results for the lookups made on behalf of the packet path
   * (address types, reverse-path checks): lookups are synchronous and never nest
   * within one of these uses, so one pair each is enough and nothing is allocated.
   */
  readonly addrFl4 = new Flowi4();
  readonly addrRes = new FibResult();
  readonly srcFl4 = new Flowi4();
  readonly srcRes = new FibResult();
  constructor(readonly net: Net) {
    for (let i = 0; i < FIB_TABLE_HASHSZ; i++) this.tableHash.push([]);
  }
}

/** A zeroed flow key (Linux initialises struct flowi4 on the stack). */
function flowi4Reset(fl4: Flowi4): Flowi4 {
  fl4.oif = 0;
  fl4.iif = 0;
  fl4.mark = 0;
  fl4.tos = 0;
  fl4.scope = 0;
  fl4.proto = 0;
  fl4.flags = 0;
  fl4.uid = 0;
  fl4.daddr = 0;
  fl4.saddr = 0;
  fl4.sport = 0;
  fl4.dport = 0;
  fl4.icmpType = 0;
  fl4.icmpCode = 0;
  fl4.multipathHash = 0;
  return fl4;
}

/** The namespace's FIB state. */
export function fibNet(net: Net): FibNet {
  return ipv4Net(net).fib;
}

/* ------------------------------------------------------------------ */
/* Tables                                                              */

/** Linux: fib_get_table() (id 0 means main). */
export function fibGetTable(net: Net, id: number): FibTable | null {
  if (id === 0) id = RT_TABLE_MAIN;
  const bucket = fibNet(net).tableHash[(id >>> 0) & (FIB_TABLE_HASHSZ - 1)]!;
  for (const tb of bucket) if (tb.tbId === id >>> 0) return tb;
  return null;
}

/** Linux: fib_new_table(): the table `id` (0 = main), created when missing. */
export function fibNewTable(net: Net, id: number): FibTable | null {
  if (id === 0) id = RT_TABLE_MAIN;
  id >>>= 0;
  const existing = fibGetTable(net, id);
  if (existing) return existing;
  const fn = fibNet(net);
  const tb = fibTrieTable(id);
  if (id === RT_TABLE_MAIN) fn.fibMain = tb;
  else if (id === RT_TABLE_DEFAULT) fn.fibDefault = tb;
  else if (id === RT_TABLE_LOCAL) fn.fibLocal = tb;
  fn.tableHash[id & (FIB_TABLE_HASHSZ - 1)]!.unshift(tb);
  return tb;
}

/** Linux: fib_unmerge(). Tables are never merged in tuxnet (see the file comment): nothing to split. */
export function fibUnmerge(_net: Net): number {
  return 0;
}

/** Every table of the namespace in Linux's hash order (what dumps and flushes walk). */
export function fibTables(net: Net): FibTable[] {
  const out: FibTable[] = [];
  for (const bucket of fibNet(net).tableHash) for (const tb of bucket) out.push(tb);
  return out;
}

/** Linux: rt_cache_flush(). */
function rtCacheFlush(net: Net): void {
  rtGenidBumpIpv4(net);
}

/** Linux: fib_flush(): remove dead routes from every table. */
export function fibFlush(net: Net): void {
  let flushed = 0;
  for (const tb of fibTables(net)) flushed += fibTableFlush(net, tb, false);
  if (flushed) rtCacheFlush(net);
}

/* ------------------------------------------------------------------ */
/* Lookups                                                             */

/**
 * Linux: fib_lookup() (include/net/ip_fib.h): with no custom rule, the main table
 * (here: local, then main; see the file comment) and then the default table; else
 * the rules. 0 with `res` filled, or -errno (-ENETUNREACH when nothing matched).
 */
export function fibLookup(net: Net, fl4: Flowi4, res: FibResult, flags: number): number {
  flags |= FIB_LOOKUP_NOREF;
  const fn = ipv4Net(net).fib;
  if (fn.hasCustomRules) return fibLookupRules(net, fl4, res, flags);
  res.tclassid = 0;
  let err = -ENETUNREACH;
  const local = fn.fibLocal;
  if (local !== null) {
    err = fibTableLookup(local, fl4, res, flags);
    // Linux found it in the main table that the local one is merged into.
    if (err === 0 && fn.fibMain !== null) res.table = fn.fibMain;
  }
  if (err === -EAGAIN || err === -ENETUNREACH) {
    const main = fn.fibMain;
    if (main !== null) err = fibTableLookup(main, fl4, res, flags);
  }
  if (err !== 0) {
    const dflt = fn.fibDefault;
    if (dflt !== null) err = fibTableLookup(dflt, fl4, res, flags);
  }
  if (err === -EAGAIN) err = -ENETUNREACH;
  return err;
}

/**
 * Linux: __inet_dev_addr_type(): the type of `addr` as the local table sees it
 * (restricted to routes through `dev` when given): RTN_LOCAL, RTN_BROADCAST,
 * RTN_MULTICAST or RTN_UNICAST.
 */
function inetDevAddrTypeTable(net: Net, dev: NetDevice | null, addr: number, tbId: number): number {
  addr >>>= 0;
  if (ipv4IsZeronet(addr) || ipv4IsLbcast(addr)) return RTN_BROADCAST;
  if (ipv4IsMulticast(addr)) return RTN_MULTICAST;
  let ret = RTN_BROADCAST;
  const table = fibGetTable(net, tbId);
  if (table) {
    ret = RTN_UNICAST;
    const fn = fibNet(net);
    const fl4 = flowi4Reset(fn.addrFl4);
    fl4.daddr = addr;
    const res = fn.addrRes;
    if (fibTableLookup(table, fl4, res, FIB_LOOKUP_NOREF) === 0) {
      const nhDev = res.fi !== null ? res.fi.fibNh[0]!.fibNhDev : null;
      if (dev === null || dev === nhDev) ret = res.type;
    }
  }
  return ret;
}

/** Linux: inet_addr_type_table(). */
export function inetAddrTypeTable(net: Net, addr: number, tbId: number): number {
  return inetDevAddrTypeTable(net, null, addr, tbId);
}

/** Linux: inet_addr_type(): RTN_* of `addr` in the namespace. */
export function inetAddrType(net: Net, addr: number): number {
  return inetDevAddrTypeTable(net, null, addr, RT_TABLE_LOCAL);
}

/** Linux: inet_dev_addr_type(): as inetAddrType, counting only routes through `dev`. */
export function inetDevAddrType(net: Net, dev: NetDevice | null, addr: number): number {
  return inetDevAddrTypeTable(net, dev, addr, RT_TABLE_LOCAL);
}

/** Linux: inet_addr_type_dev_table() (no l3mdev: the local table). */
export function inetAddrTypeDevTable(net: Net, _dev: NetDevice | null, addr: number): number {
  return inetDevAddrTypeTable(net, null, addr, RT_TABLE_LOCAL);
}

/**
 * Linux: fib_compute_spec_dst(): the local address a reply to `skb` should come
 * from (ICMP replies, IP options): its destination when it was for us, else the
 * preferred source towards its sender.
 */
export function fibComputeSpecDst(skb: SkBuff, daddr: number, saddr: number, tos: number, rtFlagsLocalOnly: boolean): number {
  const dev = skb.dev!;
  if (rtFlagsLocalOnly) return daddr >>> 0;
  const inDev = inDevGet(dev);
  const net = dev.net;
  let scope = RT_SCOPE_UNIVERSE;
  if (!ipv4IsZeronet(saddr >>> 0)) {
    const vmark = inDev !== null && inDevSrcVmark(inDev);
    const fn = fibNet(net);
    const fl4 = flowi4Reset(fn.srcFl4);
    fl4.iif = LOOPBACK_IFINDEX;
    fl4.daddr = saddr >>> 0;
    fl4.tos = tos & 0x1e;
    fl4.scope = scope;
    fl4.mark = vmark ? skb.mark : 0;
    const res = fn.srcRes;
    if (fibLookup(net, fl4, res, 0) === 0) return fibResultPrefsrc(net, res);
  } else {
    scope = RT_SCOPE_LINK;
  }
  return inetSelectAddr(dev, saddr >>> 0, scope);
}

/** Linux: __fib_validate_source(): the full reverse-path lookup. */
function fibValidateSourceFull(skb: SkBuff, src: number, dst: number, tos: number, oif: number, dev: NetDevice,
  rpf: number, idev: InDevice, itag: { value: number }): number {
  const net = dev.net;
  const fn = fibNet(net);
  const fl4 = flowi4Reset(fn.srcFl4);
  fl4.oif = 0;
  fl4.iif = oif ? oif : LOOPBACK_IFINDEX;
  fl4.daddr = src >>> 0;
  fl4.saddr = dst >>> 0;
  fl4.tos = tos;
  fl4.scope = RT_SCOPE_UNIVERSE;
  const noAddr = idev.ifaList.length === 0;
  fl4.mark = inDevSrcVmark(idev) ? skb.mark : 0;
  const res = fn.srcRes;
  if (fibLookup(net, fl4, res, 0) !== 0) {
    // last_resort
    if (rpf) return -EXDEV;
    itag.value = 0;
    return 0;
  }
  if (res.type !== RTN_UNICAST && (res.type !== RTN_LOCAL || !inDevAcceptLocal(idev))) return -EINVAL;
  itag.value = 0;
  // This is not common: loopback packets keep their dst and do not get here.
  const devMatch = fibInfoNhUsesDev(res.fi!, dev) || (res.type === RTN_LOCAL && dev === net.loopbackDev);
  if (devMatch) return res.nhc!.fibNhScope >= RT_SCOPE_HOST ? 1 : 0;
  if (noAddr) {
    if (rpf) return -EXDEV;
    itag.value = 0;
    return 0;
  }
  if (rpf === 1) return -EXDEV;
  fl4.oif = dev.ifindex;
  let ret = 0;
  if (fibLookup(net, fl4, res, FIB_LOOKUP_IGNORE_LINKSTATE) === 0) {
    if (res.type === RTN_UNICAST) ret = res.nhc!.fibNhScope >= RT_SCOPE_HOST ? 1 : 0;
  }
  return ret;
}

/**
 * Linux: fib_validate_source(): is `src` an acceptable source for a packet to `dst`
 * arriving on `dev`? -EINVAL (a local or non-unicast source), -EXDEV (rp_filter
 * failed), else 0, or 1 when the source is directly connected (RTCF_DIRECTSRC).
 * `itag` receives the realms (always 0: no route classids).
 */
export function fibValidateSource(skb: SkBuff, src: number, dst: number, tos: number, oif: number, dev: NetDevice,
  idev: InDevice, itag: { value: number }): number {
  const r = inDevRpfilter(idev);
  const net = dev.net;
  const fn = fibNet(net);
  if (!r && !fn.numTclassidUsers && (dev.ifindex !== oif || !inDevTxRedirects(idev))) {
    if (!inDevAcceptLocal(idev)) {
      // With custom local routes, checking local addresses only is too optimistic;
      // with custom rules, it can be too strict.
      if (fn.hasCustomLocalRoutes || fn.hasCustomRules) {
        return fibValidateSourceFull(skb, src, dst, tos, oif, dev, r, idev, itag);
      }
      if (inetLookupIfaddr(net, src >>> 0)) return -EINVAL;
    }
    itag.value = 0;
    return 0;
  }
  return fibValidateSourceFull(skb, src, dst, tos, oif, dev, r, idev, itag);
}
/* ------------------------------------------------------------------ */
/* Routes that addresses create                                        */

/**
 * Linux: fib_magic(): insert or delete, in the kernel's name, a route for an
 * address: local/broadcast routes go to the local table, prefix routes to main,
 * protocol kernel, scope host (local) or link, preferred source the address.
 */
function fibMagic(cmd: number, type: number, dst: number, dstLen: number, ifa: InIfaddr, rtPriority: number): void {
  const dev = ifa.ifaDev.dev;
  const net = dev.net;
  const cfg = new FibConfig(net);
  cfg.fcProtocol = RTPROT_KERNEL;
  cfg.fcType = type;
  cfg.fcDst = dst >>> 0;
  cfg.fcDstLen = dstLen;
  cfg.fcPriority = rtPriority;
  cfg.fcPrefsrc = ifa.ifaLocal;
  cfg.fcOif = dev.ifindex;
  cfg.fcNlflags = 0x400 /* NLM_F_CREATE */ | 0x800 /* NLM_F_APPEND */;
  const tbId = type === RTN_UNICAST ? RT_TABLE_MAIN : RT_TABLE_LOCAL;
  const tb = fibNewTable(net, tbId);
  if (!tb) return;
  cfg.fcTable = tb.tbId;
  cfg.fcScope = type !== RTN_LOCAL ? RT_SCOPE_LINK : RT_SCOPE_HOST;
  if (cmd === RTM_NEWROUTE) fibTableInsert(net, tb, cfg);
  else fibTableDelete(net, tb, cfg);
}

/**
 * Linux: fib_add_ifaddr(): `local A` (local table); once the device is up, the
 * explicit broadcast, and for a primary address the prefix route (main table,
 * unless IFA_F_NOPREFIXROUTE or a /32) and, below /31, the subnet broadcast.
 * Since Linux 5.19 (commit "ipv4: Stop adding network broadcast route") there is no
 * broadcast route for the network address itself; 6.x kernels do not add it.
 */
export function fibAddIfaddr(ifa: InIfaddr): void {
  const inDev = ifa.ifaDev;
  const dev = inDev.dev;
  let prim: InIfaddr | null = ifa;
  const mask = ifa.ifaMask;
  const addr = ifa.ifaLocal;
  const prefix = (ifa.ifaAddress & mask) >>> 0;
  if (ifa.ifaFlags & IFA_F_SECONDARY) {
    prim = inetIfaByPrefix(inDev, prefix, mask);
    if (!prim) return; // Linux: pr_warn("bug: prim == NULL")
  }
  fibMagic(RTM_NEWROUTE, RTN_LOCAL, addr, 32, prim, 0);
  if (!(dev.flags & IFF_UP)) return;
  // Add broadcast address, if it is explicitly assigned.
  if (ifa.ifaBroadcast && ifa.ifaBroadcast >>> 0 !== 0xffffffff) {
    fibMagic(RTM_NEWROUTE, RTN_BROADCAST, ifa.ifaBroadcast, 32, prim, 0);
  }
  if (!ipv4IsZeronet(prefix) && !(ifa.ifaFlags & IFA_F_SECONDARY) && (prefix !== addr || ifa.ifaPrefixlen < 32)) {
    if (!(ifa.ifaFlags & IFA_F_NOPREFIXROUTE)) {
      fibMagic(RTM_NEWROUTE, dev.flags & IFF_LOOPBACK ? RTN_LOCAL : RTN_UNICAST, prefix, ifa.ifaPrefixlen, prim,
        ifa.ifaRtPriority);
    }
    // Add the subnet broadcast, when it makes sense.
    if (ifa.ifaPrefixlen < 31) {
      fibMagic(RTM_NEWROUTE, RTN_BROADCAST, (prefix | ~mask) >>> 0, 32, prim, 0);
    }
  }
}

/** Linux: fib_modify_prefix_metric(): the prefix route moves to a new metric. */
export function fibModifyPrefixMetric(ifa: InIfaddr, newMetric: number): void {
  const prefix = (ifa.ifaAddress & ifa.ifaMask) >>> 0;
  const dev = ifa.ifaDev.dev;
  if (!(dev.flags & IFF_UP) || ifa.ifaFlags & (IFA_F_SECONDARY | IFA_F_NOPREFIXROUTE) || ipv4IsZeronet(prefix) ||
    (prefix === ifa.ifaLocal && ifa.ifaPrefixlen === 32)) return;
  const type = dev.flags & IFF_LOOPBACK ? RTN_LOCAL : RTN_UNICAST;
  fibMagic(RTM_NEWROUTE, type, prefix, ifa.ifaPrefixlen, ifa, newMetric);
  fibMagic(RTM_DELROUTE, type, prefix, ifa.ifaPrefixlen, ifa, ifa.ifaRtPriority);
}

const LOCAL_OK = 1;
const BRD_OK = 2;
const BRD1_OK = 8;

/**
 * Linux: fib_del_ifaddr(): remove the routes of a deleted address unless another
 * address of the device still needs them (same local, same broadcast). When the
 * local address is gone from everywhere, routes using it as source die
 * (fib_sync_down_addr + fib_flush). `iprim`: on promotion, the addresses of that
 * subnet count as deleted.
 */
export function fibDelIfaddr(ifa: InIfaddr, iprim: InIfaddr | null): void {
  const inDev = ifa.ifaDev;
  const dev = inDev.dev;
  let prim: InIfaddr = ifa;
  let prim1: InIfaddr | null = null;
  const brd = (ifa.ifaAddress | ~ifa.ifaMask) >>> 0;
  const any = (ifa.ifaAddress & ifa.ifaMask) >>> 0;
  let ok = 0;
  let subnet = false;
  let gone = true;
  let sameprefsrc = false;
  if (ifa.ifaFlags & IFA_F_SECONDARY) {
    const p = inetIfaByPrefix(inDev, any, ifa.ifaMask);
    if (!p) return; // the device is gone, or Linux's "bug: prim == NULL"
    if (iprim && iprim !== p) return; // Linux: "bug: iprim != prim"
    prim = p;
  } else if (!ipv4IsZeronet(any) && (any !== ifa.ifaLocal || ifa.ifaPrefixlen < 32)) {
    if (!(ifa.ifaFlags & IFA_F_NOPREFIXROUTE)) {
      fibMagic(RTM_DELROUTE, dev.flags & IFF_LOOPBACK ? RTN_LOCAL : RTN_UNICAST, any, ifa.ifaPrefixlen, prim, 0);
    }
    subnet = true;
  }
  if (!inDev.dead) {
    // Deletion is more complicated than add: make sure the addresses are really gone.
    for (const ifa1 of inDev.ifaList) {
      if (ifa1 === ifa) {
        // promotion, keep the IP
        gone = false;
        continue;
      }
      // Ignore IFAs from our subnet
      if (iprim && ifa1.ifaMask === iprim.ifaMask && inetIfaMatch(ifa1.ifaAddress, iprim)) continue;
      // Ignore ifa1 if it uses a different primary IP (prefsrc)
      if (ifa1.ifaFlags & IFA_F_SECONDARY) {
        // Another address from our subnet?
        if (ifa1.ifaMask === prim.ifaMask && inetIfaMatch(ifa1.ifaAddress, prim)) {
          prim1 = prim;
        } else {
          // We reached the secondaries, so same_prefsrc should be determined.
          if (!sameprefsrc) continue;
          // Search new prim1 if ifa1 is not using the current prim1
          if (!prim1 || ifa1.ifaMask !== prim1.ifaMask || !inetIfaMatch(ifa1.ifaAddress, prim1)) {
            prim1 = inetIfaByPrefix(inDev, ifa1.ifaAddress, ifa1.ifaMask);
          }
          if (!prim1) continue;
          if (prim1.ifaLocal !== prim.ifaLocal) continue;
        }
      } else {
        if (prim.ifaLocal !== ifa1.ifaLocal) continue;
        prim1 = ifa1;
        if (prim !== prim1) sameprefsrc = true;
      }
      if (ifa.ifaLocal === ifa1.ifaLocal) ok |= LOCAL_OK;
      if (ifa.ifaBroadcast === ifa1.ifaBroadcast) ok |= BRD_OK;
      if (brd === ifa1.ifaBroadcast) ok |= BRD1_OK;
      // primary has network specific broadcasts
      if (prim1 === ifa1 && ifa1.ifaPrefixlen < 31) {
        const brd1 = (ifa1.ifaAddress | ~ifa1.ifaMask) >>> 0;
        const any1 = (ifa1.ifaAddress & ifa1.ifaMask) >>> 0;
        if (!ipv4IsZeronet(any1)) {
          if (ifa.ifaBroadcast === brd1) ok |= BRD_OK;
          if (brd === brd1) ok |= BRD1_OK;
        }
      }
    }
  }
  if (!(ok & BRD_OK)) fibMagic(RTM_DELROUTE, RTN_BROADCAST, ifa.ifaBroadcast, 32, prim, 0);
  if (subnet && ifa.ifaPrefixlen < 31 && !(ok & BRD1_OK)) fibMagic(RTM_DELROUTE, RTN_BROADCAST, brd, 32, prim, 0);
  if (!(ok & LOCAL_OK)) {
    fibMagic(RTM_DELROUTE, RTN_LOCAL, ifa.ifaLocal, 32, prim, 0);
    // Check that this local address finally disappeared.
    const addrType = inetAddrTypeDevTable(dev.net, dev, ifa.ifaLocal);
    if (gone && addrType !== RTN_LOCAL) {
      // And the last, but not the least thing: flush stray FIB entries (routes with this prefsrc).
      if (fibSyncDownAddr(dev, ifa.ifaLocal)) fibFlush(dev.net);
    }
  }
}

/** Linux: fib_disable_ip(): the device's routes die (and are flushed), cached routes too. */
function fibDisableIp(dev: NetDevice, event: number, force: boolean): void {
  if (fibSyncDownDev(dev, event, force)) fibFlush(dev.net);
  else rtCacheFlush(dev.net);
  // Linux also calls arp_ifdown() here; the ARP code flushes its entries on the same events.
}

/** Linux: fib_inetaddr_event(). */
function fibInetaddrEvent(event: number, ifa: InIfaddr): number {
  const dev = ifa.ifaDev.dev;
  const net = dev.net;
  if (!net.ipv4) return NOTIFY_DONE;
  const devinet = ipv4Net(net).devinet as { devAddrGenid: number } | undefined;
  if (event === NETDEV_UP) {
    fibAddIfaddr(ifa);
    fibSyncUp(dev, RTNH_F_DEAD);
    if (devinet) devinet.devAddrGenid++;
    rtCacheFlush(net);
  } else if (event === NETDEV_DOWN) {
    fibDelIfaddr(ifa, null);
    if (devinet) devinet.devAddrGenid++;
    // Last address was deleted from this interface: disable IP.
    if (ifa.ifaDev.ifaList.length === 0) fibDisableIp(dev, event, true);
    else rtCacheFlush(net);
  }
  return NOTIFY_DONE;
}

/** Linux: fib_netdev_event(). */
function fibNetdevEvent(event: number, dev: NetDevice, info?: NetdevNotifierInfo): number {
  const net = dev.net;
  if (!net.ipv4 || !ipv4Net(net).fib) return NOTIFY_DONE;
  if (event === NETDEV_UNREGISTER) {
    fibDisableIp(dev, event, true);
    return NOTIFY_DONE;
  }
  const inDev = inDevGet(dev);
  if (!inDev) return NOTIFY_DONE;
  const devinet = ipv4Net(net).devinet as { devAddrGenid: number } | undefined;
  switch (event) {
    case NETDEV_UP:
      for (const ifa of inDev.ifaList.slice()) fibAddIfaddr(ifa);
      fibSyncUp(dev, RTNH_F_DEAD);
      if (devinet) devinet.devAddrGenid++;
      rtCacheFlush(net);
      break;
    case NETDEV_DOWN:
      fibDisableIp(dev, event, false);
      break;
    case NETDEV_CHANGE:
      if (devGetFlags(dev) & (IFF_RUNNING | IFF_LOWER_UP)) fibSyncUp(dev, RTNH_F_LINKDOWN);
      else fibSyncDownDev(dev, event, false);
      rtCacheFlush(net);
      break;
    case NETDEV_CHANGEMTU:
      // Lowers learned PMTUs (nexthop exceptions, route.ts) above the new MTU; info.change is the old MTU.
      fibSyncMtu(dev, info?.change ?? 0);
      rtCacheFlush(net);
      break;
    case NETDEV_CHANGEUPPER:
      // Linux flushes when linked to an L3 master (VRF); tuxnet has none.
      break;
    default:
      break;
  }
  return NOTIFY_DONE;
}
/* ------------------------------------------------------------------ */
/* Init                                                                */

/** Linux: ip_fib_net_init() + fib4_rules_init(): tables and the default rules. */
function fibNetInit(net: Net): void {
  const fn = new FibNet(net);
  ipv4Net(net).fib = fn;
  fn.rulesOps = fib4RulesInit(net);
  fn.hasCustomRules = false;
  // A new namespace already has its main table (what `ip route show table main` finds on Linux 6.x).
  fibNewTable(net, RT_TABLE_MAIN);
}

/** Linux: ip_fib_net_exit(): flush every table, the local one first, then drop the rules. */
function fibNetExit(net: Net): void {
  const fn = fibNet(net);
  fn.fibMain = null;
  fn.fibDefault = null;
  fn.fibLocal = null;
  for (let i = FIB_TABLE_HASHSZ - 1; i >= 0; i--) {
    const bucket = fn.tableHash[i]!;
    for (const tb of bucket.slice()) fibTableFlush(net, tb, true);
    bucket.length = 0;
  }
  fib4RulesExit(fn.rulesOps);
}

/** Linux: __ip_dev_find()'s fallback: a RTN_LOCAL route of the local table (loopback subnets). */
function ipDevFindFallback(net: Net, addr: number): NetDevice | null {
  const tb = fibGetTable(net, RT_TABLE_LOCAL);
  if (!tb) return null;
  const fl4 = new Flowi4();
  fl4.daddr = addr >>> 0;
  const res = new FibResult();
  if (fibTableLookup(tb, fl4, res, FIB_LOOKUP_NOREF) !== 0 || res.type !== RTN_LOCAL) return null;
  return res.nhc !== null ? res.nhc.fibNhDev : null;
}

/**
 * Linux: ip_fib_init(): the pernet tables and rules, the netdevice and inetaddr
 * notifiers, the RTM_*ROUTE handlers, the rule handlers, /proc/net/route.
 * The first IPv4 initcall after ipv4NetnsInit.
 */
export function fibInit(k: Kernel): void {
  fibRulesInit(k);
  k.registerPernetSubsys({ name: 'fib', init: fibNetInit, exit: fibNetExit });
  k.netdevChain.register(fibNetdevEvent);
  inetaddrChain(k).register(fibInetaddrEvent);
  devinetSetFibOps(k, { fibAddIfaddr, fibDelIfaddr, fibModifyPrefixMetric });
  k.generic.set('ipv4.ip_dev_find_fallback', ipDevFindFallback);
  rtnlRegister(k, AF_INET, RTM_NEWROUTE, inetRtmNewroute, null);
  rtnlRegister(k, AF_INET, RTM_DELROUTE, inetRtmDelroute, null);
  rtnlRegister(k, AF_INET, RTM_GETROUTE, null, inetDumpFib);
  procFilesOf(k).set('/proc/net/route', procNetRoute);
}

