/**
 * The IPv4 route decision layer (Linux: net/ipv4/route.c). Lookups in the FIB
 * (fib_frontend.ts, fib_trie.ts) answer "which prefix"; this layer turns the answer
 * into the `Rtable` (dst) an skb carries: which function handles the packet next
 * (ipLocalDeliver, ipForward, ipError, ipOutput, ipMcOutput), through which device,
 * to which gateway, with which MTU.
 *
 * As in Linux since 3.6 there is no global route cache: a route built for a nexthop is
 * cached ON the nexthop (`FibNh.nhRthInput` / `nhRthOutput`, Linux nhc_rth_input and
 * nhc_pcpu_rth_output) and reused while the namespace's route generation is unchanged,
 * so forwarding does not allocate per packet. What is learned per destination (path
 * MTU from ICMP "fragmentation needed", gateways from ICMP redirects) lives in the
 * nexthop's exception table (`FibNhException`, Linux fib_nh_exception, "fnhe"), with
 * its own expiry, and routes built for such a destination carry it (rt_pmtu, rt_gw4,
 * RTCF_REDIRECTED).
 *
 * Files: this one holds the per-namespace state, sysctls (net.ipv4.route.*), dst
 * allocation, the nexthop caches and exceptions; route_input.ts is
 * ip_route_input_noref and ip_error; route_output.ts is ip_route_output_key_hash and
 * the PMTU/redirect updates; route_netlink.ts is RTM_GETROUTE (`ip route get`) and the
 * exception dump (`ip route show cache`).
 *
 * Times: Linux keeps jiffies; here ns of the kernel clock except where a sysctl is
 * defined in jiffies (HZ 250, see inetpeer.ts).
 */
import type { Kernel, Net } from '../core/net_namespace.js';
import type { NetDevice } from '../core/netdevice.js';
import { type SkBuff, kfreeSkbReason } from '../core/skbuff.js';
import { SKB_DROP_REASON_NOT_SPECIFIED } from '../core/drop_reason.js';
import { type SysctlEntry, intEntry } from '../core/sysctl.js';
import { procFilesOf } from '../socket/syscalls.js';
import { AF_INET } from '../socket/socket.js';
import { RTAX_MAX, RT_SCOPE_LINK, RT_SCOPE_UNIVERSE } from '../wire/route.js';
import { IPH_DADDR, IPH_SADDR, IPH_TOS, readU32 } from '../wire/iphdr.js';
import { ipv4Net, rtGenidBumpIpv4 } from './netns_ipv4.js';
import { Flowi4, Rtable, RTCF_LOCAL, RTCF_REDIRECTED, rtNexthop, type DstInputFn, type DstOutputFn } from './rtable.js';
import { type FibInfo, type FibNh, FibResult, FIB_RES_NH } from './fib_lookup.js';
import { inetSelectAddr } from './devinet.js';
import { HZ, InetPeerBase, jiffies } from './inetpeer.js';
import { fibLookup, fibSetDumpExceptions } from './fib_frontend.js';
import { fibNexthopsOfDev, fibResultPrefsrc } from './fib_semantics.js';
import { ipLocalDeliver } from './ip_input.js';
import { ipOutput } from './ip_output.js';
import { fibDumpInfoFnhe, inetRtmGetroute } from './route_netlink.js';
import { rtnlRegister } from '../netlink/rtnetlink.js';
import { RTM_GETROUTE } from '../wire/rtnetlink.js';

/** Linux: LOOPBACK_IFINDEX. */
export const LOOPBACK_IFINDEX = 1;
/** Linux: INET_DSCP_MASK: the TOS bits routing looks at (dscp_t since 6.13). */
export const INET_DSCP_MASK = 0xfc;
/** Linux: IPV4_MIN_MTU, the floor of net.ipv4.route.min_pmtu. */
const IP_MIN_VALID_PMTU = 68;

/* Nexthop exception hash (Linux: FNHE_HASH_SHIFT, FNHE_RECLAIM_DEPTH). */
export const FNHE_HASH_SHIFT = 11;
export const FNHE_HASH_SIZE = 1 << FNHE_HASH_SHIFT;
export const FNHE_RECLAIM_DEPTH = 5;

const NS_PER_SEC = 1_000_000_000;
const NS_PER_JIFFY = NS_PER_SEC / HZ;

/** Linux: struct rt_cache_stat (/proc/net/stat/rt_cache); kept per namespace here. */
export class RtCacheStat {
  inSlowTot = 0;
  inSlowMc = 0;
  inNoRoute = 0;
  inBrd = 0;
  inMartianDst = 0;
  inMartianSrc = 0;
  outSlowTot = 0;
  outSlowMc = 0;
}

/** Linux: struct fib_nh_exception: what was learned about one destination behind a nexthop. */
export class FibNhException {
  fnheNext: FibNhException | null = null;
  fnheGenid: number;
  fnheDaddr: number;
  /** Learned path MTU, 0 = none. */
  fnhePmtu = 0;
  fnheMtuLocked = false;
  /** Gateway learned from a redirect, 0 = none. */
  fnheGw = 0;
  /** Expiry, ns of the kernel clock (never 0 once set, Linux max(1, expires)). */
  fnheExpires = 0;
  /** Routes built for this destination (Linux: fnhe_rth_input / fnhe_rth_output). */
  fnheRthInput: Rtable | null = null;
  fnheRthOutput: Rtable | null = null;
  /** Last update, ns (Linux: fnhe_stamp), for reclaiming the oldest. */
  fnheStamp = 0;
  constructor(genid: number, daddr: number) {
    this.fnheGenid = genid;
    this.fnheDaddr = daddr;
  }
}

/** One nexthop's exception table: FNHE_HASH_SIZE chains (Linux: struct fnhe_hash_bucket[]). */
export type FnheTable = (FibNhException | null)[];

/** Kernel-wide route state: the global sysctls Linux keeps in statics. */
export class RtGlobal {
  /* net.ipv4.route.gc_* (accepted, no garbage collector to drive: routes live on nexthops). */
  gcThresh = -1;
  maxSize = 2147483647;
  /** jiffies */
  gcMinInterval = HZ / 2;
  gcTimeout = 300 * HZ;
  gcInterval = 60 * HZ;
  gcElasticity = 8;
  /** Key of the exception hash (Linux: fnhe_hash_key, random once). */
  readonly fnheHashKey: number;
  /** Linux: net_ratelimit_state (net.core.message_cost 5 s, message_burst 10), jiffies. */
  rlBegin = 0;
  rlPrinted = 0;
  rlMissed = 0;
  constructor(k: Kernel) {
    this.fnheHashKey = k.rng.u32();
  }
}

/** Per-namespace route state (Linux: parts of net->ipv4 and net->fnhe_genid). */
export class RtNet {
  readonly global: RtGlobal;
  /** Linux: net->ipv4.peers. */
  readonly peers = new InetPeerBase();
  /** Linux: net->fnhe_genid (bumped by a write to route/flush). */
  fnheGenid = 0;
  readonly stat = new RtCacheStat();
  /** Scratch lookup state of the input path (Linux keeps these on the stack). */
  readonly inRes = new FibResult();
  readonly inFl4 = new Flowi4();
  readonly itag = { value: 0 };
  /** Scratch FIB result of ip_route_output_key_hash (Linux keeps it on the stack). */
  readonly outRes = new FibResult();
  /** The last route allocated (route_netlink reports refcounts as Linux would). */
  lastAlloc: Rtable | null = null;
  constructor(global: RtGlobal) {
    this.global = global;
  }
}

/** The namespace's route state. */
export function rtNet(net: Net): RtNet {
  return ipv4Net(net).rt;
}

/** Linux: net->ipv4.peers (ICMP rate limits share it). */
export function ipv4Peers(net: Net): InetPeerBase {
  return ipv4Net(net).rt.peers;
}

/** jiffies -> ns and back, for the jiffies-valued sysctls. */
export function jiffiesToNs(j: number): number {
  return j * NS_PER_JIFFY;
}

/**
 * Linux: net_ratelimit(): at most message_burst (10) messages per message_cost
 * (5 s); a new window first reports how many were suppressed.
 */
export function netRatelimit(k: Kernel): boolean {
  const g = rtGlobal(k);
  const now = jiffies(k);
  if (!g.rlBegin) g.rlBegin = now;
  if (now > g.rlBegin + 5 * HZ) {
    if (g.rlMissed) k.printk(`net_ratelimit: ${g.rlMissed} callbacks suppressed`);
    g.rlBegin = now;
    g.rlPrinted = 0;
    g.rlMissed = 0;
  }
  if (g.rlPrinted < 10) {
    g.rlPrinted++;
    return true;
  }
  g.rlMissed++;
  return false;
}

/**
 * A route.c warning, rate-limited (Linux: net_warn_ratelimited / pr_warn after
 * net_ratelimit(), with route.c's pr_fmt "IPv4: "). Each line of `msg` is a printk.
 */
export function rtLog(net: Net, msg: string): void {
  const k = net.kernel;
  if (!netRatelimit(k)) return;
  const lines = msg.split('\n');
  for (let i = 0; i < lines.length; i++) k.printk(i === 0 ? `IPv4: ${lines[i]}` : lines[i]!);
}

/** Dotted quad for log lines (Linux %pI4). */
export function inAddrStr(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}`;
}

/* ------------------------------------------------------------------ */
/* dst allocation                                                      */

/** Linux: dst_default_metrics: no metric set. Never written. */
export const DST_DEFAULT_METRICS: Uint32Array = new Uint32Array(RTAX_MAX + 1);

/** Linux: dst_discard(). */
export function dstDiscard(skb: SkBuff): number {
  kfreeSkbReason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
  return 0;
}
/** Linux: dst_discard_out(). */
export function dstDiscardOut(_net: Net, _sk: unknown, skb: SkBuff): number {
  kfreeSkbReason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
  return 0;
}
/** Linux: ip_rt_bug(): output through an input route: a bug; the packet is dropped. */
export function ipRtBug(_net: Net, _sk: unknown, skb: SkBuff): number {
  kfreeSkbReason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
  return 0;
}

/**
 * Linux: rt_dst_alloc(): a route on `dev` with RTCF_* `flags` and RTN_* `type`;
 * output is ip_output and a local route's input is ip_local_deliver.
 */
export function rtDstAlloc(dev: NetDevice, flags: number, type: number): Rtable {
  const input: DstInputFn = (flags & RTCF_LOCAL) !== 0 ? ipLocalDeliver : dstDiscard;
  const output: DstOutputFn = ipOutput;
  const rt = new Rtable(dev, input, output, ipv4Net(dev.net).rtGenid, DST_DEFAULT_METRICS);
  rt.rtFlags = flags >>> 0; // RTCF_* as an unsigned u32 (RTCF_LOCAL is bit 31)
  rt.rtType = type;
  rt.lastuse = dev.net.kernel.clock.now();
  rtNet(dev.net).lastAlloc = rt;
  return rt;
}

/** Linux: rt_cache_valid(). */
export function rtCacheValid(rt: Rtable | null): rt is Rtable {
  return rt !== null && rt.obsolete === 0;
}

/** Linux: dst->obsolete = DST_OBSOLETE_KILL: holders must look the route up again. */
export function rtKill(rt: Rtable): void {
  rt.dead = true;
}

/** Linux: rt_cache_flush(). */
export function rtCacheFlush(net: Net): void {
  rtGenidBumpIpv4(net);
}

/** Linux: fnhe_genid_bump(). */
export function fnheGenidBump(net: Net): void {
  rtNet(net).fnheGenid++;
}

/* ------------------------------------------------------------------ */
/* Nexthop exceptions                                                  */

/** Linux: fnhe_hashfun(). */
function fnheHashfun(net: Net, daddr: number): number {
  const h = Math.imul((daddr ^ rtNet(net).global.fnheHashKey) >>> 0, 0x9e3779b1) >>> 0;
  return h >>> (32 - FNHE_HASH_SHIFT);
}

function nhNet(nh: FibNh): Net {
  return nh.nhParent.fibNet;
}

/** Linux: fill_route_from_fnhe(). */
function fillRouteFromFnhe(rt: Rtable, fnhe: FibNhException): void {
  rt.rtPmtu = fnhe.fnhePmtu;
  rt.rtMtuLocked = fnhe.fnheMtuLocked;
  rt.expires = fnhe.fnheExpires;
  if (fnhe.fnheGw) {
    rt.rtFlags = (rt.rtFlags | RTCF_REDIRECTED) >>> 0;
    rt.rtUsesGateway = true;
    rt.rtGwFamily = AF_INET;
    rt.rtGw4 = fnhe.fnheGw;
  }
}

/** Linux: fnhe_flush_routes(). */
function fnheFlushRoutes(fnhe: FibNhException): void {
  if (fnhe.fnheRthInput) {
    rtKill(fnhe.fnheRthInput);
    fnhe.fnheRthInput = null;
  }
  if (fnhe.fnheRthOutput) {
    rtKill(fnhe.fnheRthOutput);
    fnhe.fnheRthOutput = null;
  }
}

/** Linux: fnhe_remove_oldest(). */
function fnheRemoveOldest(table: FnheTable, hval: number): void {
  let oldest: FibNhException | null = null;
  let oldestPrev: FibNhException | null = null;
  let prev: FibNhException | null = null;
  for (let f = table[hval] ?? null; f !== null; prev = f, f = f.fnheNext) {
    if (oldest === null || f.fnheStamp < oldest.fnheStamp) {
      oldest = f;
      oldestPrev = prev;
    }
  }
  if (oldest === null) return;
  fnheFlushRoutes(oldest);
  if (oldestPrev === null) table[hval] = oldest.fnheNext;
  else oldestPrev.fnheNext = oldest.fnheNext;
}

/**
 * Linux: update_or_create_fnhe(): record a gateway (`gw` != 0) and/or a path MTU
 * (`pmtu` != 0) for `daddr` behind nexthop `nh`, valid until `expires` (ns).
 */
export function updateOrCreateFnhe(nh: FibNh, daddr: number, gw: number, pmtu: number, lock: boolean,
  expires: number): void {
  const net = nhNet(nh);
  const k = net.kernel;
  const genid = rtNet(net).fnheGenid;
  const hval = fnheHashfun(net, daddr);
  let table = nh.nhExceptions as FnheTable | null;
  if (table === null) {
    table = new Array<FibNhException | null>(FNHE_HASH_SIZE).fill(null);
    nh.nhExceptions = table;
  }
  let depth = 0;
  let fnhe = table[hval] ?? null;
  for (; fnhe !== null; fnhe = fnhe.fnheNext) {
    if (fnhe.fnheDaddr === daddr) break;
    depth++;
  }
  if (fnhe !== null) {
    if (fnhe.fnheGenid !== genid) fnhe.fnheGenid = genid;
    if (gw) fnhe.fnheGw = gw;
    if (pmtu) {
      fnhe.fnhePmtu = pmtu;
      fnhe.fnheMtuLocked = lock;
    }
    fnhe.fnheExpires = Math.max(1, expires);
    // Update all cached dsts too.
    if (fnhe.fnheRthInput) fillRouteFromFnhe(fnhe.fnheRthInput, fnhe);
    if (fnhe.fnheRthOutput) fillRouteFromFnhe(fnhe.fnheRthOutput, fnhe);
  } else {
    // Randomize max depth to avoid some side channels attacks.
    const maxDepth = FNHE_RECLAIM_DEPTH + k.rng.below(FNHE_RECLAIM_DEPTH);
    while (depth > maxDepth) {
      fnheRemoveOldest(table, hval);
      depth--;
    }
    fnhe = new FibNhException(genid, daddr);
    fnhe.fnheNext = table[hval] ?? null;
    fnhe.fnheGw = gw;
    fnhe.fnhePmtu = pmtu;
    fnhe.fnheMtuLocked = lock;
    fnhe.fnheExpires = Math.max(1, expires);
    table[hval] = fnhe;
    // Exception created; mark the cached routes for the nexthop stale, so anyone
    // caching it rechecks if this exception applies to them.
    const rin = nh.nhRthInput as Rtable | null;
    if (rin) rtKill(rin);
    const rout = nh.nhRthOutput as Rtable | null;
    if (rout) rtKill(rout);
  }
  fnhe.fnheStamp = k.clock.now();
}

/** Linux: ip_del_fnhe(). */
export function ipDelFnhe(nh: FibNh, daddr: number): void {
  const table = nh.nhExceptions as FnheTable | null;
  if (table === null) return;
  const hval = fnheHashfun(nhNet(nh), daddr);
  let prev: FibNhException | null = null;
  for (let f = table[hval] ?? null; f !== null; prev = f, f = f.fnheNext) {
    if (f.fnheDaddr === daddr) {
      if (prev === null) table[hval] = f.fnheNext;
      else prev.fnheNext = f.fnheNext;
      // Set fnhe_daddr to 0 so it won't bind with new dsts in rt_bind_exception().
      f.fnheDaddr = 0;
      fnheFlushRoutes(f);
      return;
    }
  }
}

/** Linux: find_exception(): the live exception for `daddr` (an expired one is deleted). */
export function findException(nh: FibNh, daddr: number): FibNhException | null {
  const table = nh.nhExceptions as FnheTable | null;
  if (table === null) return null;
  const net = nhNet(nh);
  for (let f = table[fnheHashfun(net, daddr)] ?? null; f !== null; f = f.fnheNext) {
    if (f.fnheDaddr === daddr) {
      if (f.fnheExpires && net.kernel.clock.now() > f.fnheExpires) {
        ipDelFnhe(nh, daddr);
        break;
      }
      return f;
    }
  }
  return null;
}

/** Every live exception of a nexthop, in Linux's dump order (bucket, then chain). */
export function* fnheEntries(nh: FibNh): Generator<FibNhException> {
  const table = nh.nhExceptions as FnheTable | null;
  if (table === null) return;
  for (let i = 0; i < FNHE_HASH_SIZE; i++) {
    for (let f = table[i] ?? null; f !== null; f = f.fnheNext) yield f;
  }
}

/**
 * Linux: fib_nhc_update_mtu(): the nexthop's device MTU went from `orig` to
 * `newMtu`. Learned PMTUs above the new MTU come down to it, those equal to the
 * old device MTU follow it, and a locked (min_pmtu-clamped) one is replaced
 * when the device goes below it.
 */
export function fibNhcUpdateMtu(nh: FibNh, newMtu: number, orig: number): void {
  for (const fnhe of fnheEntries(nh)) {
    if (fnhe.fnheMtuLocked) {
      if (newMtu <= fnhe.fnhePmtu) {
        fnhe.fnhePmtu = newMtu;
        fnhe.fnheMtuLocked = false;
      }
    } else if (newMtu < fnhe.fnhePmtu || orig === fnhe.fnhePmtu) {
      fnhe.fnhePmtu = newMtu;
    }
  }
}

/**
 * Linux: fib_sync_mtu() (fib_semantics.c, NETDEV_CHANGEMTU in fib_netdev_event):
 * update the exceptions of every nexthop through `dev`; the caller flushes the
 * route cache (rt_cache_flush) so routes are rebuilt from them.
 */
export function fibSyncMtu(dev: NetDevice, origMtu: number): void {
  for (const nh of fibNexthopsOfDev(dev)) {
    if (nh.fibNhDev === dev) fibNhcUpdateMtu(nh, dev.mtu, origMtu);
  }
}

/**
 * Linux: ip_mtu_from_fib_result(): 1. the route's locked mtu (or any with
 * ip_forward_use_pmtu), 2. a learned PMTU, 3. the device.
 */
export function ipMtuFromFibResult(res: FibResult, daddr: number): number {
  const nh = FIB_RES_NH(res);
  const dev = nh.fibNhDev!;
  const fi = res.fi!;
  let mtu = 0;
  if (ipv4Net(dev.net).sysctl.ipForwardUsePmtu || (fi.fibMetrics[1 /* RTAX_LOCK */]! & (1 << 2 /* RTAX_MTU */)) !== 0) {
    mtu = fi.fibMtu;
  }
  if (!mtu) {
    const fnhe = findException(nh, daddr);
    if (fnhe !== null && dev.net.kernel.clock.now() < fnhe.fnheExpires) mtu = fnhe.fnhePmtu;
  }
  if (!mtu) mtu = Math.min(dev.mtu, 0xffff);
  return mtu;
}

/** Linux: rt_bind_exception(): attach `rt` to its destination's exception. */
function rtBindException(rt: Rtable, fnhe: FibNhException, daddr: number, doCache: boolean): boolean {
  let ret = false;
  if (daddr === fnhe.fnheDaddr) {
    const net = rt.dev!.net;
    const genid = rtNet(net).fnheGenid;
    let orig = rt.rtIsInput ? fnhe.fnheRthInput : fnhe.fnheRthOutput;
    if (fnhe.fnheGenid !== genid) {
      fnhe.fnheGenid = genid;
      fnhe.fnheGw = 0;
      fnhe.fnhePmtu = 0;
      fnhe.fnheExpires = 0;
      fnhe.fnheMtuLocked = false;
      fnheFlushRoutes(fnhe);
      orig = null;
    }
    fillRouteFromFnhe(rt, fnhe);
    if (!rt.rtGw4) {
      rt.rtGw4 = daddr;
      rt.rtGwFamily = AF_INET;
    }
    if (doCache) {
      if (rt.rtIsInput) fnhe.fnheRthInput = rt;
      else fnhe.fnheRthOutput = rt;
      if (orig !== null && orig !== rt) rtKill(orig);
      ret = true;
    }
    fnhe.fnheStamp = net.kernel.clock.now();
  }
  return ret;
}

/** Linux: rt_cache_route(): remember `rt` on its nexthop (one CPU: one output slot). */
export function rtCacheRoute(nh: FibNh, rt: Rtable): boolean {
  if (rt.rtIsInput) nh.nhRthInput = rt;
  else nh.nhRthOutput = rt;
  return true;
}

/** Whether `rt` is the route cached on `nh` or on one of its exceptions (refcount for RTA_CACHEINFO). */
export function rtIsCached(nh: FibNh | null, rt: Rtable): boolean {
  if (nh === null) return false;
  if (nh.nhRthInput === rt || nh.nhRthOutput === rt) return true;
  for (const f of fnheEntries(nh)) if (f.fnheRthInput === rt || f.fnheRthOutput === rt) return true;
  return false;
}

/**
 * Linux: rt_set_nexthop(): gateway, metrics and realm from the FIB answer, then
 * cache the route on the exception or the nexthop. An uncached route carries
 * daddr as rt_gw4 (Linux does so too), so rtNexthop() works either way.
 */
export function rtSetNexthop(rt: Rtable, daddr: number, res: FibResult, fnhe: FibNhException | null,
  fi: FibInfo | null, itag: number, doCache: boolean): void {
  let cached = false;
  if (fi !== null) {
    const nh = FIB_RES_NH(res);
    if (nh.fibNhGwFamily && nh.fibNhScope === RT_SCOPE_LINK) {
      rt.rtUsesGateway = true;
      rt.rtGwFamily = nh.fibNhGwFamily;
      rt.rtGw4 = nh.fibNhGw4;
    }
    rt.metrics = fi.fibMetrics;
    rt.tclassid = nh.nhTclassid;
    if (fnhe !== null) cached = rtBindException(rt, fnhe, daddr, doCache);
    else if (doCache) cached = rtCacheRoute(nh, rt);
    if (!cached && !rt.rtGw4) {
      // Routes we intend to cache in nexthop exception or FIB nexthop have the
      // DST_NOCACHE bit clear; an uncached one needs its gateway set.
      rt.rtGwFamily = AF_INET;
      rt.rtGw4 = daddr;
    }
  }
  // Linux: set_class_tag(rt, res->tclassid) and set_class_tag(rt, itag).
  setClassTag(rt, res.tclassid);
  setClassTag(rt, itag);
}

/** Linux: set_class_tag(). */
function setClassTag(rt: Rtable, tag: number): void {
  if (!(rt.tclassid & 0xffff)) rt.tclassid |= tag & 0xffff;
  if (!(rt.tclassid & 0xffff0000)) rt.tclassid = (rt.tclassid | (tag & 0xffff0000)) >>> 0;
}

/* ------------------------------------------------------------------ */
/* Options support                                                     */

/**
 * Linux: ip_rt_get_source(): the address to record in RR/TS options: the packet's
 * source for an output route; for a forwarded packet, the preferred source of
 * the route out (or an address of the output device).
 */
export function ipRtGetSource(buf: Uint8Array, off: number, skb: SkBuff, rt: Rtable): void {
  let src: number;
  const nh = skb.networkHeader;
  if (!rt.rtIsInput) {
    src = readU32(skb.buf, nh + IPH_SADDR);
  } else {
    const net = rt.dev!.net;
    const daddr = readU32(skb.buf, nh + IPH_DADDR);
    const fl4 = new Flowi4();
    fl4.daddr = daddr;
    fl4.saddr = readU32(skb.buf, nh + IPH_SADDR);
    fl4.tos = skb.buf[nh + IPH_TOS]! & INET_DSCP_MASK;
    fl4.oif = rt.dev!.ifindex;
    fl4.iif = skb.dev !== null ? skb.dev.ifindex : 0;
    fl4.mark = skb.mark;
    const res = new FibResult();
    if (fibLookup(net, fl4, res, 0) === 0) src = fibResultPrefsrc(net, res);
    else src = inetSelectAddr(rt.dev!, rtNexthop(rt, daddr), RT_SCOPE_UNIVERSE);
  }
  buf[off] = src >>> 24;
  buf[off + 1] = (src >>> 16) & 0xff;
  buf[off + 2] = (src >>> 8) & 0xff;
  buf[off + 3] = src & 0xff;
}

/** Linux: ipv4_default_advmss(). */
export function ipv4DefaultAdvmss(rt: Rtable): number {
  const headerSize = 20 + 20;
  const net = rt.dev!.net;
  const advmss = Math.max(rt.mtu() - headerSize, ipv4Net(net).sysctl.routeMinAdvMss);
  return Math.min(advmss, 65535 - headerSize);
}

/** Linux: ip_rt_multicast_event(). */
export function ipRtMulticastEvent(inDev: { dev: NetDevice }): void {
  rtCacheFlush(inDev.dev.net);
}

/* ------------------------------------------------------------------ */
/* sysctls and init                                                    */

/** Linux: proc_dointvec_jiffies over a jiffies value: shown and written in seconds. */
function jiffiesEntry(name: string, get: (net: Net) => number, set: (net: Net, v: number) => void): SysctlEntry {
  const lim = Math.floor(2147483647 / HZ);
  return intEntry(name, (net) => Math.trunc(get(net) / HZ), (net, v) => set(net, v * HZ), -lim, lim);
}

/** Linux: proc_dointvec_ms_jiffies: shown and written in ms. */
function msJiffiesEntry(name: string, get: (net: Net) => number, set: (net: Net, v: number) => void): SysctlEntry {
  return intEntry(name, (net) => Math.trunc(get(net) * 1000 / HZ), (net, v) => set(net, Math.trunc(v * HZ / 1000)));
}

/**
 * net.ipv4.route.*: flush, min_pmtu, mtu_expires and min_adv_mss exist in every
 * namespace; the rest (ipv4_route_table) only in the initial one, as in Linux.
 */
function routeSysctls(k: Kernel, g: RtGlobal): (net: Net) => SysctlEntry[] {
  const P = 'net.ipv4.route.';
  const initSysctl = (): ReturnType<typeof ipv4Net>['sysctl'] => ipv4Net(k.initNet).sysctl;
  const global: SysctlEntry[] = [
    intEntry(P + 'gc_thresh', () => g.gcThresh, (_n, v) => { g.gcThresh = v; }),
    intEntry(P + 'max_size', () => g.maxSize, (_n, v) => { g.maxSize = v; }),
    jiffiesEntry(P + 'gc_min_interval', () => g.gcMinInterval, (_n, v) => { g.gcMinInterval = v; }),
    msJiffiesEntry(P + 'gc_min_interval_ms', () => g.gcMinInterval, (_n, v) => { g.gcMinInterval = v; }),
    jiffiesEntry(P + 'gc_timeout', () => g.gcTimeout, (_n, v) => { g.gcTimeout = v; }),
    jiffiesEntry(P + 'gc_interval', () => g.gcInterval, (_n, v) => { g.gcInterval = v; }),
    intEntry(P + 'redirect_load', () => initSysctl().routeRedirectLoad, (_n, v) => { initSysctl().routeRedirectLoad = v; }),
    intEntry(P + 'redirect_number', () => initSysctl().routeRedirectNumber, (_n, v) => { initSysctl().routeRedirectNumber = v; }),
    intEntry(P + 'redirect_silence', () => initSysctl().routeRedirectSilence, (_n, v) => { initSysctl().routeRedirectSilence = v; }),
    intEntry(P + 'error_cost', () => initSysctl().routeErrorCost, (_n, v) => { initSysctl().routeErrorCost = v; }),
    intEntry(P + 'error_burst', () => initSysctl().routeErrorBurst, (_n, v) => { initSysctl().routeErrorBurst = v; }),
    intEntry(P + 'gc_elasticity', () => g.gcElasticity, (_n, v) => { g.gcElasticity = v; }),
  ];
  const perNet: SysctlEntry[] = [
    {
      // Linux: ipv4_sysctl_rtcache_flush(): any write flushes; reading is -EINVAL (mode 0200).
      name: P + 'flush',
      mode: 0o200,
      get: () => '',
      set: (net) => {
        rtCacheFlush(net);
        fnheGenidBump(net);
        return 0;
      },
    },
    intEntry(P + 'min_pmtu', (net) => ipv4Net(net).sysctl.routeMinPmtu, (net, v) => { ipv4Net(net).sysctl.routeMinPmtu = v; },
      IP_MIN_VALID_PMTU),
    // proc_dointvec_jiffies; the value is kept in seconds (the Ipv4Sysctls unit).
    intEntry(P + 'mtu_expires', (net) => ipv4Net(net).sysctl.routeMtuExpires,
      (net, v) => { ipv4Net(net).sysctl.routeMtuExpires = v; }, -Math.floor(2147483647 / HZ), Math.floor(2147483647 / HZ)),
    intEntry(P + 'min_adv_mss', (net) => ipv4Net(net).sysctl.routeMinAdvMss, (net, v) => { ipv4Net(net).sysctl.routeMinAdvMss = v; }),
  ];
  return (net) => (net === k.initNet ? [...perNet, ...global] : perNet);
}

/** /proc/net/stat/rt_cache (Linux: rt_cpu_seq_show; one CPU). */
function rtCpuSeqShow(net: Net): string {
  const s = rtNet(net).stat;
  const h = (v: number): string => (v >>> 0).toString(16).padStart(8, '0');
  const head = 'entries  in_hit   in_slow_tot in_slow_mc in_no_route in_brd   in_martian_dst in_martian_src out_hit  '
    + 'out_slow_tot out_slow_mc gc_total gc_ignored gc_goal_miss gc_dst_overflow in_hlist_search out_hlist_search\n';
  return head + `${h(0)} ${h(0)} ${h(s.inSlowTot)}    ${h(s.inSlowMc)}   ${h(s.inNoRoute)}    ${h(s.inBrd)} `
    + `${h(s.inMartianDst)}       ${h(s.inMartianSrc)}       ${h(0)} ${h(s.outSlowTot)}     ${h(s.outSlowMc)}    `
    + `${h(0)} ${h(0)}   ${h(0)}     ${h(0)}        ${h(0)}        ${h(0)}\n`;
}

/** Linux: ip_rt_init() (and its pernet parts: netns_ip_rt_init, rt_genid_init, ipv4_inetpeer_init). */
export function ipRtInit(k: Kernel): void {
  const g = new RtGlobal(k);
  k.generic.set('ipv4.route', g);
  k.registerPernetSubsys({
    name: 'ipv4_route',
    init: (net) => { ipv4Net(net).rt = new RtNet(g); },
  });
  k.sysctl.register(routeSysctls(k, g));
  const proc = procFilesOf(k);
  // Linux: /proc/net/rt_cache has only its header since the route cache went away.
  proc.set('/proc/net/rt_cache', () => `${'Iface\tDestination\tGateway \tFlags\t\tRefCnt\tUse\tMetric\tSource\t\tMTU\tWindow\tIRTT\tTOS\tHHRef\tHHUptod\tSpecDst'.padEnd(127)}\n`);
  proc.set('/proc/net/stat/rt_cache', rtCpuSeqShow);
  rtnlRegister(k, AF_INET, RTM_GETROUTE, inetRtmGetroute, null);
  fibSetDumpExceptions(k, fibDumpInfoFnhe);
}

/** The kernel's route globals. */
export function rtGlobal(k: Kernel): RtGlobal {
  return k.generic.get('ipv4.route') as RtGlobal;
}
