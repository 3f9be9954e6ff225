/**
 * FIB semantics (Linux: net/ipv4/fib_semantics.c, with net/ipv4/metrics.c): turning
 * a route request (FibConfig) into a shared FibInfo — nexthop validation
 * (fib_check_nh: a gateway must be reachable through a route of narrower scope, or
 * be declared onlink on an up device; a device route needs an up device with IPv4),
 * preferred source checks, metrics (mtu, advmss ..., with their lock bits),
 * multipath nexthops with weights; sharing of identical FibInfo between routes;
 * matching for deletes; device events (fib_sync_down_dev / fib_sync_up marking
 * RTNH_F_DEAD and RTNH_F_LINKDOWN); path selection (fib_select_path, ECMP by
 * fib_multipath_hash, the default-route round robin of fib_select_default); and the
 * RTM_NEWROUTE encoding of a route (fib_dump_info) sent to RTNLGRP_IPV4_ROUTE
 * (rtmsg_fib), attribute for attribute as Linux emits it.
 *
 * The FibInfo hashes (sharing, by preferred source, nexthops by device) are per
 * namespace (net.generic 'ipv4.fib_info'), as in current Linux.
 *
 * The multipath hash: Linux hashes the flow keys with siphash under a random boot
 * key (flow_hash_from_keys); here the same keys (made symmetric the way
 * __flow_hash_consistentify does) go through Bob Jenkins' jhash2 under a per-kernel
 * seed drawn from the kernel rng, so the choice of path is deterministic for a seed.
 */
import type { Net } from '../core/net_namespace.js';
import type { NetDevice } from '../core/netdevice.js';
import { IFF_LOWER_UP, IFF_RUNNING, IFF_UP, netifCarrierOk } from '../core/netdevice.js';
import { NETDEV_CHANGE, NETDEV_DOWN, NETDEV_UNREGISTER } from '../core/notifier.js';
import { devGetFlags } from '../core/dev.js';
import { AF_INET, AF_INET6 } from '../socket/socket.js';
import { EINVAL, ENETDOWN, ENODEV, EOPNOTSUPP } from '../socket/errno.js';
import {
  type NetlinkExtAck, type NlAttr, nlaWalk, nlaGetU16, nlaGetU32, nlaGetBe32, nlaGetString, nlSetErrMsgAttr,
} from '../wire/netlink.js';
import {
  RTA_ENCAP, RTA_ENCAP_TYPE, RTA_FLOW, RTA_GATEWAY, RTA_VIA, RTAX_CC_ALGO, RTAX_FEATURES, RTAX_MAX, RTNH_F_DEAD, RTNH_F_LINKDOWN, RTNH_F_ONLINK, RTNH_F_PERVASIVE,
  RTNH_LEN, RTN_ANYCAST, RTN_BROADCAST, RTN_LOCAL, RTN_MAX, RTN_MULTICAST, RTN_UNICAST, RT_SCOPE_HOST, RT_SCOPE_LINK,
  RT_SCOPE_NOWHERE, RT_TABLE_LOCAL, RT_TABLE_MAIN, rtnhWalk,
} from '../wire/route.js';
import { readU32 } from '../wire/bytes.js';
import { Flowi4 } from './rtable.js';
import { inDevGet, inDevIgnoreRoutesWithLinkdown } from './inetdevice.js';
import {
  type FibConfig, FibInfo, FibNh, FibResult, FIB_LOOKUP_IGNORE_LINKSTATE, FIB_LOOKUP_NOREF, RTNH_COMPARE_MASK, fibProps,
} from './fib_lookup.js';
import { fibTableLookup } from './fib_trie.js';
import { DST_FEATURE_ECN_CA, ipFibMetricsInit, tcpCaGetKeyByName } from './metrics.js';
import { fibLookup, fibGetTable, inetAddrTypeTable, inetAddrTypeDevTable } from './fib_frontend.js';
import { inetSelectAddr } from './devinet.js';
import { ipv4Net } from './netns_ipv4.js';

/** Linux: net->ipv4.dev_addr_genid (devinet.ts): cached nexthop sources are redone after it moves. */
function devAddrGenid(net: Net): number {
  return ipv4Net(net).devinet.devAddrGenid;
}

/** Linux: LOOPBACK_IFINDEX. */
const LOOPBACK_IFINDEX = 1;
/** Linux: LWTUNNEL_ENCAP_MAX. */
const LWTUNNEL_ENCAP_MAX = 10;

/* ------------------------------------------------------------------ */
/* Per-namespace FibInfo hashes                                         */

/** Linux: fib_info_hash, fib_info_laddrhash, fib_info_devhash (per namespace here). */
class FibInfoHashes {
  readonly info = new Map<number, FibInfo[]>();
  readonly laddr = new Map<number, FibInfo[]>();
  /** Nexthops by device ifindex. */
  readonly dev = new Map<number, FibNh[]>();
  count = 0;
}

function fibHashes(net: Net): FibInfoHashes {
  let h = net.generic.get('ipv4.fib_info') as FibInfoHashes | undefined;
  if (h === undefined) {
    h = new FibInfoHashes();
    net.generic.set('ipv4.fib_info', h);
  }
  return h;
}

function listAdd<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const l = m.get(k);
  if (l === undefined) m.set(k, [v]);
  else l.push(v);
}

function listDel<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const l = m.get(k);
  if (l === undefined) return;
  const i = l.indexOf(v);
  if (i >= 0) l.splice(i, 1);
  if (l.length === 0) m.delete(k);
}

/** Linux: fib_info_hashfn(). */
function fibInfoHashfn(fi: FibInfo): number {
  let val = fi.fibNhs ^ ((fi.fibProtocol << 8) | fi.fibScope) ^ fi.fibPrefsrc ^ fi.fibPriority;
  for (const nh of fi.fibNh) val ^= nh.fibNhOif;
  val >>>= 0;
  return (val ^ (val >>> 7) ^ (val >>> 12)) & 0x3fffffff;
}

/** Linux: nh_comp(). */
function nhComp(fi: FibInfo, ofi: FibInfo): boolean {
  for (let i = 0; i < fi.fibNhs; i++) {
    const nh = fi.fibNh[i]!;
    const onh = ofi.fibNh[i]!;
    if (nh.fibNhOif !== onh.fibNhOif || nh.fibNhGwFamily !== onh.fibNhGwFamily || nh.fibNhScope !== onh.fibNhScope ||
      nh.fibNhWeight !== onh.fibNhWeight || nh.nhTclassid !== onh.nhTclassid ||
      ((nh.fibNhFlags ^ onh.fibNhFlags) & ~RTNH_COMPARE_MASK) !== 0) return false;
    if (nh.fibNhGwFamily === AF_INET && nh.fibNhGw4 !== onh.fibNhGw4) return false;
  }
  return true;
}

function metricsEqual(a: Uint32Array, b: Uint32Array): boolean {
  if (a === b) return true;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Linux: fib_find_info(): an existing FibInfo equal to `nfi`. */
function fibFindInfo(h: FibInfoHashes, nfi: FibInfo): FibInfo | null {
  const bucket = h.info.get(fibInfoHashfn(nfi));
  if (bucket === undefined) return null;
  for (const fi of bucket) {
    if (fi.fibNhs !== nfi.fibNhs) continue;
    if (nfi.fibProtocol === fi.fibProtocol && nfi.fibScope === fi.fibScope && nfi.fibPrefsrc === fi.fibPrefsrc &&
      nfi.fibPriority === fi.fibPriority && nfi.fibType === fi.fibType &&
      metricsEqual(nfi.fibMetrics, fi.fibMetrics) && ((nfi.fibFlags ^ fi.fibFlags) & ~RTNH_COMPARE_MASK) === 0 &&
      nhComp(fi, nfi)) return fi;
  }
  return null;
}

/** Linux: fib_release_info(): drop one table reference; unlink when the last goes. */
export function fibReleaseInfo(fi: FibInfo): void {
  if (--fi.fibTreeref !== 0) return;
  const h = fibHashes(fi.fibNet);
  listDel(h.info, fi.fibHash, fi);
  if (fi.fibPrefsrc) listDel(h.laddr, fi.fibPrefsrc, fi);
  for (const nh of fi.fibNh) if (nh.fibNhDev !== null) listDel(h.dev, nh.fibNhDev.ifindex, nh);
  fi.fibDead = 1;
  h.count--;
}

/** Number of FibInfo linked in the namespace (Linux: fib_info_cnt). */
export function fibInfoCount(net: Net): number {
  return fibHashes(net).count;
}

/** Linux: ip_ignore_linkdown(). */
export function ipIgnoreLinkdown(dev: NetDevice | null): boolean {
  const inDev = inDevGet(dev);
  return inDev !== null && inDevIgnoreRoutesWithLinkdown(inDev);
}

/* ------------------------------------------------------------------ */
/* Metrics                                                              */

/** Linux: fib_metrics_match(): the metrics a delete names equal the route's. */
export function fibMetricsMatch(cfg: FibConfig, fi: FibInfo): boolean {
  if (cfg.fcMx === null) return true;
  const { attrs } = nlaWalk(cfg.fcMx.data, 0, cfg.fcMx.data.length);
  for (const nla of attrs) {
    const type = nla.type;
    if (!type) continue;
    if (type > RTAX_MAX) return false;
    let val: number;
    if (type === RTAX_CC_ALGO) {
      val = tcpCaGetKeyByName(nlaGetString(nla));
    } else {
      if (nla.data.length !== 4) return false;
      val = nlaGetU32(nla);
    }
    let fiVal = fi.fibMetrics[type]!;
    if (type === RTAX_FEATURES) fiVal = (fiVal & ~DST_FEATURE_ECN_CA) >>> 0;
    if (fiVal !== val) return false;
  }
  return true;
}

/* ------------------------------------------------------------------ */
/* Nexthops                                                             */

/** Linux: fib_gw_from_via(), for RTA_VIA inside a nexthop. */
function fibGwFromVia(out: { family: number; gw4: number }, nla: NlAttr, extack: NetlinkExtAck | undefined): number {
  if (nla.data.length < 2) {
    if (extack) extack.msg = 'Invalid attribute length for RTA_VIA';
    return -EINVAL;
  }
  const family = nlaGetU16(nla);
  const alen = nla.data.length - 2;
  switch (family) {
    case AF_INET:
      if (alen !== 4) {
        if (extack) extack.msg = 'Invalid IPv4 address in RTA_VIA';
        return -EINVAL;
      }
      out.family = AF_INET;
      out.gw4 = readU32(nla.data, 2);
      return 0;
    case AF_INET6:
      // tuxnet has no IPv6 FIB yet: as a kernel built without IPv6.
      if (extack) extack.msg = 'IPv6 support not enabled in kernel';
      return -EINVAL;
    default:
      if (extack) extack.msg = 'Unsupported address family in RTA_VIA';
      return -EINVAL;
  }
}

/** The nexthop part of a FibConfig (what Linux copies into a fib_cfg per nexthop). */
interface NhCfg {
  oif: number;
  gwFamily: number;
  gw4: number;
  flags: number;
  flow: number;
  encap: NlAttr | null;
  encapType: number;
}

/** Linux: fib_nh_init() (+ fib_nh_common_init's lightweight tunnel part, which is not supported). */
function fibNhInit(nh: FibNh, c: NhCfg, weight: number, extack: NetlinkExtAck | undefined): number {
  if (c.encap !== null) {
    if (c.encapType === 0) {
      if (extack) extack.msg = 'LWT encap type not specified';
      return -EINVAL;
    }
    if (c.encapType > LWTUNNEL_ENCAP_MAX) {
      nlSetErrMsgAttr(extack, c.encap, 'Unknown LWT encapsulation type');
      return -EINVAL;
    }
    nlSetErrMsgAttr(extack, c.encap, 'LWT encapsulation type not supported');
    return -EOPNOTSUPP;
  }
  nh.fibNhOif = c.oif;
  nh.fibNhGwFamily = c.gwFamily;
  nh.fibNhGw4 = c.gwFamily === AF_INET ? c.gw4 >>> 0 : 0;
  nh.fibNhFlags = c.flags;
  nh.nhTclassid = c.flow;
  nh.fibNhWeight = weight;
  return 0;
}

/** Linux: fib_count_nexthops(). */
function fibCountNexthops(mp: NlAttr, extack: NetlinkExtAck | undefined): number {
  const { nhs, rem } = rtnhWalk(mp.data);
  if (rem > 0) {
    if (extack) extack.msg = 'Invalid nexthop configuration - extra data after nexthops';
    return 0;
  }
  return nhs.length;
}

/** Linux: nla_find(). */
function nlaFind(attrs: NlAttr[], type: number): NlAttr | undefined {
  for (const a of attrs) if (a.type === type) return a;
  return undefined;
}

/** Linux: fib_get_nhs(): the nexthops of RTA_MULTIPATH. */
function fibGetNhs(fi: FibInfo, mp: NlAttr, cfg: FibConfig, extack: NetlinkExtAck | undefined): number {
  const { nhs } = rtnhWalk(mp.data);
  for (let i = 0; i < fi.fibNhs; i++) {
    const e = nhs[i];
    if (e === undefined) {
      if (extack) extack.msg = 'Invalid nexthop configuration - extra data after nexthop';
      return -EINVAL;
    }
    if (e.nh.flags & (RTNH_F_DEAD | RTNH_F_LINKDOWN)) {
      if (extack) extack.msg = 'Invalid flags for nexthop - can not contain DEAD or LINKDOWN';
      return -EINVAL;
    }
    const c: NhCfg = { oif: e.nh.ifindex, gwFamily: 0, gw4: 0, flags: (cfg.fcFlags & ~0xff) | e.nh.flags, flow: 0,
      encap: null, encapType: 0 };
    if (e.attrs.length > 0) {
      const { attrs } = nlaWalk(e.attrs, 0, e.attrs.length, mp.offset + 4 + e.offset + RTNH_LEN);
      const nla = nlaFind(attrs, RTA_GATEWAY);
      const nlav = nlaFind(attrs, RTA_VIA);
      if (nla && nlav) {
        if (extack) extack.msg = 'Nexthop configuration can not contain both GATEWAY and VIA';
        return -EINVAL;
      }
      if (nla) {
        c.gw4 = nlaGetBe32(nla);
        if (c.gw4) c.gwFamily = AF_INET;
      } else if (nlav) {
        const via = { family: 0, gw4: 0 };
        const err = fibGwFromVia(via, nlav, extack);
        if (err) return err;
        c.gwFamily = via.family;
        c.gw4 = via.gw4;
      }
      const flow = nlaFind(attrs, RTA_FLOW);
      if (flow) c.flow = nlaGetU32(flow);
      c.encap = nlaFind(attrs, RTA_ENCAP) ?? null;
      const et = nlaFind(attrs, RTA_ENCAP_TYPE);
      if (et) c.encapType = nlaGetU16(et);
    }
    const err = fibNhInit(fi.fibNh[i]!, c, e.nh.hops + 1, extack);
    if (err) return err;
  }
  const nh = fi.fibNh[0]!;
  if (cfg.fcOif && nh.fibNhOif !== cfg.fcOif) {
    if (extack) extack.msg = 'Nexthop device index does not match RTA_OIF';
    return -EINVAL;
  }
  if (cfg.fcGwFamily) {
    if (cfg.fcGwFamily !== nh.fibNhGwFamily || (cfg.fcGwFamily === AF_INET && nh.fibNhGw4 !== cfg.fcGw4 >>> 0)) {
      if (extack) extack.msg = 'Nexthop gateway does not match RTA_GATEWAY or RTA_VIA';
      return -EINVAL;
    }
  }
  if (cfg.fcFlow && nh.nhTclassid !== cfg.fcFlow) {
    if (extack) extack.msg = 'Nexthop class id does not match RTA_FLOW';
    return -EINVAL;
  }
  return 0;
}

/** Linux: fib_rebalance(): hash bounds of the live nexthops, proportional to their weights. */
function fibRebalance(fi: FibInfo): void {
  if (fi.fibNhs < 2) return;
  let total = 0;
  for (const nh of fi.fibNh) {
    if (nh.fibNhFlags & RTNH_F_DEAD) continue;
    if (ipIgnoreLinkdown(nh.fibNhDev) && (nh.fibNhFlags & RTNH_F_LINKDOWN)) continue;
    total += nh.fibNhWeight;
  }
  let w = 0;
  for (const nh of fi.fibNh) {
    if (nh.fibNhFlags & RTNH_F_DEAD) {
      nh.fibNhUpperBound = -1;
    } else if (ipIgnoreLinkdown(nh.fibNhDev) && (nh.fibNhFlags & RTNH_F_LINKDOWN)) {
      nh.fibNhUpperBound = -1;
    } else {
      w += nh.fibNhWeight;
      // DIV_ROUND_CLOSEST_ULL((u64)w << 31, total) - 1
      nh.fibNhUpperBound = Math.floor((w * 2147483648 + Math.floor(total / 2)) / total) - 1;
    }
  }
}

/**
 * Linux: fib_nh_match(): does the nexthop part of a delete request match `fi`? 0 yes,
 * 1 no, <0 malformed RTA_MULTIPATH.
 */
export function fibNhMatch(_net: Net, cfg: FibConfig, fi: FibInfo, extack?: NetlinkExtAck): number {
  if (cfg.fcPriority && cfg.fcPriority !== fi.fibPriority) return 1;
  if (cfg.fcNhId) return 1; // no nexthop objects: nothing uses one
  if (cfg.fcOif || cfg.fcGwFamily) {
    const nh = fi.fibNh[0]!;
    if (cfg.fcEncap !== null) return 1; // no route has an encap to match
    if (cfg.fcFlow && cfg.fcFlow !== nh.nhTclassid) return 1;
    if ((cfg.fcOif && cfg.fcOif !== nh.fibNhOif) || (cfg.fcGwFamily && cfg.fcGwFamily !== nh.fibNhGwFamily)) return 1;
    if (cfg.fcGwFamily === AF_INET && cfg.fcGw4 >>> 0 !== nh.fibNhGw4) return 1;
    return 0;
  }
  if (cfg.fcMp === null) return 0;
  const { nhs } = rtnhWalk(cfg.fcMp.data);
  for (let i = 0; i < fi.fibNhs; i++) {
    const nh = fi.fibNh[i]!;
    const e = nhs[i];
    if (e === undefined) return -EINVAL;
    if (e.nh.ifindex && e.nh.ifindex !== nh.fibNhOif) return 1;
    if (e.attrs.length > 0) {
      const { attrs } = nlaWalk(e.attrs, 0, e.attrs.length);
      const nla = nlaFind(attrs, RTA_GATEWAY);
      const nlav = nlaFind(attrs, RTA_VIA);
      if (nla && nlav) {
        if (extack) extack.msg = 'Nexthop configuration can not contain both GATEWAY and VIA';
        return -EINVAL;
      }
      if (nla) {
        if (nh.fibNhGwFamily !== AF_INET || nlaGetBe32(nla) !== nh.fibNhGw4) return 1;
      } else if (nlav) {
        const via = { family: 0, gw4: 0 };
        const err = fibGwFromVia(via, nlav, extack);
        if (err) return err;
        if (nh.fibNhGwFamily === AF_INET && (via.family !== AF_INET || via.gw4 !== nh.fibNhGw4)) return 1;
      }
      const flow = nlaFind(attrs, RTA_FLOW);
      if (flow && nlaGetU32(flow) !== nh.nhTclassid) return 1;
    }
  }
  return 0;
}

/**
 * Linux: fib_check_nh_v4_gw(). The gateway must be reachable through a route of
 * narrower scope than the route being added (so recursion ends at a link or host
 * route), or the nexthop is declared onlink: then the device must exist and be up
 * and the gateway must be a unicast address there.
 */
function fibCheckNhV4Gw(net: Net, nh: FibNh, table: number, scope: number, extack: NetlinkExtAck | undefined): number {
  if (nh.fibNhFlags & RTNH_F_ONLINK) {
    if (scope >= RT_SCOPE_LINK) {
      if (extack) extack.msg = 'Nexthop has invalid scope';
      return -EINVAL;
    }
    const dev = net.devGetByIndex(nh.fibNhOif);
    if (dev === null) {
      if (extack) extack.msg = 'Nexthop device required for onlink';
      return -ENODEV;
    }
    if (!(dev.flags & IFF_UP)) {
      if (extack) extack.msg = 'Nexthop device is not up';
      return -ENETDOWN;
    }
    if (inetAddrTypeDevTable(net, dev, nh.fibNhGw4) !== RTN_UNICAST) {
      if (extack) extack.msg = 'Nexthop has invalid gateway';
      return -EINVAL;
    }
    if (!netifCarrierOk(dev)) nh.fibNhFlags |= RTNH_F_LINKDOWN;
    nh.fibNhDev = dev;
    nh.fibNhScope = RT_SCOPE_LINK;
    return 0;
  }
  const fl4 = new Flowi4();
  fl4.daddr = nh.fibNhGw4;
  fl4.scope = scope + 1;
  fl4.oif = nh.fibNhOif;
  fl4.iif = LOOPBACK_IFINDEX;
  // It is not necessary, but requires a bit of thinking (Linux's comment).
  if (fl4.scope < RT_SCOPE_LINK) fl4.scope = RT_SCOPE_LINK;
  const res = new FibResult();
  let err = 0;
  const tbl = table && table !== RT_TABLE_MAIN ? fibGetTable(net, table) : null;
  if (tbl !== null) err = fibTableLookup(tbl, fl4, res, FIB_LOOKUP_IGNORE_LINKSTATE | FIB_LOOKUP_NOREF);
  // On error or if no table given do a full lookup: nexthops may be in the local table.
  if (tbl === null || err) err = fibLookup(net, fl4, res, FIB_LOOKUP_IGNORE_LINKSTATE);
  if (err) {
    if (extack) extack.msg = 'Nexthop has invalid gateway';
    return err;
  }
  if (res.type !== RTN_UNICAST && res.type !== RTN_LOCAL) {
    if (extack) extack.msg = 'Nexthop has invalid gateway';
    return -EINVAL;
  }
  nh.fibNhScope = res.scope;
  nh.fibNhOif = res.nhc !== null ? res.nhc.fibNhOif : 0;
  const dev = res.nhc !== null ? res.nhc.fibNhDev : null;
  nh.fibNhDev = dev;
  if (dev === null) {
    if (extack) extack.msg = 'No egress device for nexthop gateway';
    return -EINVAL;
  }
  if (!netifCarrierOk(dev)) nh.fibNhFlags |= RTNH_F_LINKDOWN;
  return dev.flags & IFF_UP ? 0 : -ENETDOWN;
}

/** Linux: fib_check_nh_nongw(): a device route needs an up device with IPv4. */
function fibCheckNhNongw(net: Net, nh: FibNh, extack: NetlinkExtAck | undefined): number {
  if (nh.fibNhFlags & (RTNH_F_PERVASIVE | RTNH_F_ONLINK)) {
    if (extack) extack.msg = 'Invalid flags for nexthop - PERVASIVE and ONLINK can not be set';
    return -EINVAL;
  }
  const inDev = inDevGet(net.devGetByIndex(nh.fibNhOif));
  if (inDev === null) return -ENODEV;
  if (!(inDev.dev.flags & IFF_UP)) {
    if (extack) extack.msg = 'Device for nexthop is not up';
    return -ENETDOWN;
  }
  nh.fibNhDev = inDev.dev;
  nh.fibNhScope = RT_SCOPE_HOST;
  if (!netifCarrierOk(inDev.dev)) nh.fibNhFlags |= RTNH_F_LINKDOWN;
  return 0;
}

/** Linux: fib_check_nh(). */
export function fibCheckNh(net: Net, nh: FibNh, table: number, scope: number, extack?: NetlinkExtAck): number {
  if (nh.fibNhGwFamily === AF_INET) return fibCheckNhV4Gw(net, nh, table, scope, extack);
  return fibCheckNhNongw(net, nh, extack);
}

/** Linux: fib_info_update_nhc_saddr(): cache the source address for this nexthop. */
export function fibInfoUpdateNhcSaddr(net: Net, nh: FibNh, scope: number): number {
  nh.nhSaddr = nh.fibNhDev !== null ? inetSelectAddr(nh.fibNhDev, nh.fibNhGw4, scope) : 0;
  nh.nhSaddrGenid = devAddrGenid(net);
  return nh.nhSaddr;
}

/** Linux: fib_result_prefsrc(): the route's preferred source, else the nexthop's cached choice. */
export function fibResultPrefsrc(net: Net, res: FibResult): number {
  const fi = res.fi!;
  if (fi.fibPrefsrc) return fi.fibPrefsrc;
  const nh = res.nhc!;
  if (nh.nhSaddrGenid === devAddrGenid(net)) return nh.nhSaddr;
  return fibInfoUpdateNhcSaddr(net, nh, fi.fibScope);
}

/** Linux: fib_valid_prefsrc(): a preferred source must be a local address (of the table, or the local table). */
function fibValidPrefsrc(cfg: FibConfig, prefsrc: number): boolean {
  if (cfg.fcType !== RTN_LOCAL || !cfg.fcDst || prefsrc !== cfg.fcDst >>> 0) {
    let tbId = cfg.fcTable;
    if (tbId === RT_TABLE_MAIN) tbId = RT_TABLE_LOCAL;
    let rc = inetAddrTypeTable(cfg.fcNlinfo.nlNet, prefsrc, tbId);
    if (rc !== RTN_LOCAL && tbId !== RT_TABLE_LOCAL) rc = inetAddrTypeTable(cfg.fcNlinfo.nlNet, prefsrc, RT_TABLE_LOCAL);
    if (rc !== RTN_LOCAL) return false;
  }
  return true;
}

/**
 * Linux: fib_create_info(): validate a route request and return the FibInfo it
 * shares with equal routes (its table reference taken), or -errno with extack set.
 */
export function fibCreateInfo(net: Net, cfg: FibConfig, extack?: NetlinkExtAck): FibInfo | number {
  if (cfg.fcType > RTN_MAX) return -EINVAL;
  // Fast check to catch the most weird cases.
  if (fibProps[cfg.fcType]!.scope > cfg.fcScope) {
    if (extack) extack.msg = 'Invalid scope';
    return -EINVAL;
  }
  if (cfg.fcFlags & (RTNH_F_DEAD | RTNH_F_LINKDOWN)) {
    if (extack) extack.msg = 'Invalid rtm_flags - can not contain DEAD or LINKDOWN';
    return -EINVAL;
  }
  if (cfg.fcNhId) {
    // Nexthop objects (RTM_NEWNEXTHOP) are not implemented: no id exists.
    if (extack) extack.msg = 'Nexthop id does not exist';
    return -EINVAL;
  }
  let nhs = 1;
  if (cfg.fcMp !== null) {
    nhs = fibCountNexthops(cfg.fcMp, extack);
    if (nhs === 0) return -EINVAL;
  }
  const fi = new FibInfo(net);
  const metrics = ipFibMetricsInit(cfg.fcMx, extack);
  if (typeof metrics === 'number') return metrics;
  fi.fibMetrics = metrics;
  fi.fibProtocol = cfg.fcProtocol;
  fi.fibScope = cfg.fcScope;
  fi.fibFlags = cfg.fcFlags;
  fi.fibPriority = cfg.fcPriority >>> 0;
  fi.fibPrefsrc = cfg.fcPrefsrc >>> 0;
  fi.fibType = cfg.fcType;
  fi.fibTbId = cfg.fcTable;
  fi.fibNhs = nhs;
  for (let i = 0; i < nhs; i++) fi.fibNh.push(new FibNh(fi));
  let err: number;
  if (cfg.fcMp !== null) {
    err = fibGetNhs(fi, cfg.fcMp, cfg, extack);
  } else {
    err = fibNhInit(fi.fibNh[0]!, { oif: cfg.fcOif, gwFamily: cfg.fcGwFamily, gw4: cfg.fcGw4, flags: cfg.fcFlags,
      flow: cfg.fcFlow, encap: cfg.fcEncap, encapType: cfg.fcEncapType }, 1, extack);
  }
  if (err) return err;

  if (fibProps[cfg.fcType]!.error) {
    if (cfg.fcGwFamily || cfg.fcOif || cfg.fcMp !== null) {
      if (extack) extack.msg = 'Gateway, device and multipath can not be specified for this route type';
      return -EINVAL;
    }
    return fibLinkInfo(net, fi);
  }
  switch (cfg.fcType) {
    case RTN_UNICAST: case RTN_LOCAL: case RTN_BROADCAST: case RTN_ANYCAST: case RTN_MULTICAST:
      break;
    default:
      if (extack) extack.msg = 'Invalid route type';
      return -EINVAL;
  }
  if (cfg.fcScope > RT_SCOPE_HOST) {
    if (extack) extack.msg = 'Invalid scope';
    return -EINVAL;
  }
  if (cfg.fcScope === RT_SCOPE_HOST) {
    const nh = fi.fibNh[0]!;
    // Local address is added.
    if (nhs !== 1) {
      if (extack) extack.msg = 'Route with host scope can not have multiple nexthops';
      return -EINVAL;
    }
    if (nh.fibNhGwFamily) {
      if (extack) extack.msg = 'Route with host scope can not have a gateway';
      return -EINVAL;
    }
    nh.fibNhScope = RT_SCOPE_NOWHERE;
    nh.fibNhDev = net.devGetByIndex(nh.fibNhOif);
    if (nh.fibNhDev === null) return -ENODEV;
  } else {
    let linkdown = 0;
    for (const nh of fi.fibNh) {
      err = fibCheckNh(net, nh, cfg.fcTable, cfg.fcScope, extack);
      if (err) return err;
      if (nh.fibNhFlags & RTNH_F_LINKDOWN) linkdown++;
    }
    if (linkdown === fi.fibNhs) fi.fibFlags |= RTNH_F_LINKDOWN;
  }
  if (fi.fibPrefsrc && !fibValidPrefsrc(cfg, fi.fibPrefsrc)) {
    if (extack) extack.msg = 'Invalid prefsrc address';
    return -EINVAL;
  }
  for (const nh of fi.fibNh) fibInfoUpdateNhcSaddr(net, nh, fi.fibScope);
  fibRebalance(fi);
  return fibLinkInfo(net, fi);
}

/** fib_create_info's link_it: share an equal FibInfo, or link this one into the hashes. */
function fibLinkInfo(net: Net, fi: FibInfo): FibInfo {
  const h = fibHashes(net);
  const ofi = fibFindInfo(h, fi);
  if (ofi !== null) {
    ofi.fibTreeref++;
    return ofi;
  }
  fi.fibTreeref++;
  fi.fibHash = fibInfoHashfn(fi);
  listAdd(h.info, fi.fibHash, fi);
  if (fi.fibPrefsrc) listAdd(h.laddr, fi.fibPrefsrc, fi);
  for (const nh of fi.fibNh) if (nh.fibNhDev !== null) listAdd(h.dev, nh.fibNhDev.ifindex, nh);
  h.count++;
  return fi;
}

/** Linux: ip_fib_check_default(): is `gw` a live gateway on `dev`? 0 yes, -1 no (for redirects). */
export function ipFibCheckDefault(gw: number, dev: NetDevice): number {
  const l = fibHashes(dev.net).dev.get(dev.ifindex);
  if (l !== undefined) {
    for (const nh of l) if (nh.fibNhDev === dev && nh.fibNhGw4 === gw >>> 0 && !(nh.fibNhFlags & RTNH_F_DEAD)) return 0;
  }
  return -1;
}

/** Linux: fib_info_nh_uses_dev(). */
export function fibInfoNhUsesDev(fi: FibInfo, dev: NetDevice): boolean {
  for (const nh of fi.fibNh) if (nh.fibNhDev === dev) return true;
  return false;
}

/* ------------------------------------------------------------------ */
/* Device and address events                                            */

/**
 * Linux: fib_sync_down_addr(): a local address went away: the routes that prefer it
 * as source die (the next table flush removes them). Returns how many FibInfo.
 */
export function fibSyncDownAddr(dev: NetDevice, local: number): number {
  const net = dev.net;
  if (local === 0) return 0;
  const l = fibHashes(net).laddr.get(local >>> 0);
  if (l === undefined) return 0;
  let ret = 0;
  // Linux: tb_id = l3mdev_fib_table(dev) ?: RT_TABLE_MAIN (no VRF here).
  for (const fi of l) {
    if (fi.fibTbId !== RT_TABLE_MAIN) continue;
    if (fi.fibPrefsrc === local >>> 0) {
      fi.fibFlags |= RTNH_F_DEAD;
      ret++;
    }
  }
  return ret;
}

/**
 * Linux: fib_sync_down_dev(). The nexthops through `dev` are marked:
 *   NETDEV_CHANGE      force 0   LINKDOWN        carrier off, not for scope host
 *   NETDEV_DOWN        force 0   LINKDOWN|DEAD   link down, not for scope host
 *   NETDEV_DOWN        force 1   LINKDOWN|DEAD   last address removed
 *   NETDEV_UNREGISTER  force 1   LINKDOWN|DEAD   device removed
 * A FibInfo all of whose nexthops are down gets the flags too (and a flush then
 * removes the dead ones). Returns the number of FibInfo that went down.
 */
export function fibSyncDownDev(dev: NetDevice, event: number, force: boolean): number {
  const l = fibHashes(dev.net).dev.get(dev.ifindex);
  if (l === undefined) return 0;
  const scope = force ? -1 : RT_SCOPE_NOWHERE;
  let ret = 0;
  const seen = new Set<FibInfo>();
  for (const nhd of l) {
    const fi = nhd.nhParent;
    if (nhd.fibNhDev !== dev || seen.has(fi)) continue;
    seen.add(fi);
    let dead = 0;
    for (const nh of fi.fibNh) {
      if (nh.fibNhFlags & RTNH_F_DEAD) {
        dead++;
      } else if (nh.fibNhDev === dev && nh.fibNhScope !== scope) {
        switch (event) {
          case NETDEV_DOWN:
          case NETDEV_UNREGISTER:
            nh.fibNhFlags |= RTNH_F_DEAD | RTNH_F_LINKDOWN;
            break;
          case NETDEV_CHANGE:
            nh.fibNhFlags |= RTNH_F_LINKDOWN;
            break;
        }
        dead++;
      }
      if (event === NETDEV_UNREGISTER && nh.fibNhDev === dev) {
        dead = fi.fibNhs;
        break;
      }
    }
    if (dead === fi.fibNhs) {
      switch (event) {
        case NETDEV_DOWN:
        case NETDEV_UNREGISTER:
          fi.fibFlags |= RTNH_F_DEAD | RTNH_F_LINKDOWN;
          break;
        case NETDEV_CHANGE:
          fi.fibFlags |= RTNH_F_LINKDOWN;
          break;
      }
      ret++;
    }
    fibRebalance(fi);
  }
  return ret;
}

/**
 * Linux: fib_sync_up(): `dev` came up (nhFlags RTNH_F_DEAD) or got its carrier back
 * (RTNH_F_LINKDOWN): clear those flags on its nexthops. Returns how many FibInfo revived.
 */
export function fibSyncUp(dev: NetDevice, nhFlags: number): number {
  if (!(dev.flags & IFF_UP)) return 0;
  if (nhFlags & RTNH_F_DEAD) {
    if (devGetFlags(dev) & (IFF_RUNNING | IFF_LOWER_UP)) nhFlags |= RTNH_F_LINKDOWN;
  }
  const l = fibHashes(dev.net).dev.get(dev.ifindex);
  if (l === undefined) return 0;
  let ret = 0;
  const seen = new Set<FibInfo>();
  for (const nhd of l) {
    const fi = nhd.nhParent;
    if (nhd.fibNhDev !== dev || seen.has(fi)) continue;
    seen.add(fi);
    let alive = 0;
    for (const nh of fi.fibNh) {
      if (!(nh.fibNhFlags & nhFlags)) {
        alive++;
        continue;
      }
      if (nh.fibNhDev === null || !(nh.fibNhDev.flags & IFF_UP)) continue;
      if (nh.fibNhDev !== dev || inDevGet(dev) === null) continue;
      alive++;
      nh.fibNhFlags &= ~nhFlags;
    }
    if (alive > 0) {
      fi.fibFlags &= ~nhFlags;
      ret++;
    }
    fibRebalance(fi);
  }
  return ret;
}

/** The nexthops that use `dev` (for route.ts: fib_sync_mtu's exception walk, Linux fib_info_devhash). */
export function fibNexthopsOfDev(dev: NetDevice): readonly FibNh[] {
  return fibHashes(dev.net).dev.get(dev.ifindex) ?? [];
}

export { fibDumpInfo, rtmsgFib, rtnetlinkPutMetrics } from './fib_notify.js';
export { fibSelectPath, fibSelectMultipath, fibMultipathHash } from './fib_select.js';
