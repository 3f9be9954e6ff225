/**
 * IPv4 routes as the packet path sees them (Linux: include/net/route.h struct rtable,
 * include/net/flow.h struct flowi4). A route lookup (route.ts: ipRouteInputNoref,
 * ipRouteOutputKey) fills a `Flowi4` and returns an `Rtable`, the dst attached to the
 * skb: its `input`/`output` functions decide what happens next (ipLocalDeliver,
 * ipForward, ipError, ipOutput, ipMcOutput ...).
 *
 * Validity: a cached Rtable is good while its `rtGenid` equals the namespace's
 * `ipv4Net(net).rtGenid` (bumped by any FIB, rule, address or device change, Linux:
 * rt_genid_bump_ipv4) and it has not been killed or expired; `obsolete` is then 0
 * (Linux: ipv4_dst_check()).
 */
import type { NetDevice } from '../core/netdevice.js';
import type { SkBuff } from '../core/skbuff.js';
import type { Net } from '../core/net_namespace.js';
import type { DstEntry } from '../core/dst.js';
import { ipv4Net } from './netns_ipv4.js';

/* rt_flags (Linux: include/uapi/linux/in_route.h RTCF_*). */
export const RTCF_NOTIFY = 0x00010000;
export const RTCF_REDIRECTED = 0x00040000;
export const RTCF_DOREDIRECT = 0x01000000;
export const RTCF_DIRECTSRC = 0x04000000;
export const RTCF_DNAT = 0x08000000;
export const RTCF_BROADCAST = 0x10000000;
export const RTCF_MULTICAST = 0x20000000;
export const RTCF_REJECT = 0x40000000;
export const RTCF_LOCAL = 0x80000000;

/* flowi4_flags (Linux: FLOWI_FLAG_*). */
export const FLOWI_FLAG_ANYSRC = 0x01;
export const FLOWI_FLAG_KNOWN_NH = 0x02;

/** Linux: IP_MAX_MTU. */
export const IP_MAX_MTU = 0xffff;

/** Linux: struct flowi4. Addresses host-order u32. */
export class Flowi4 {
  oif = 0;
  iif = 0;
  mark = 0;
  /** Only the TOS bits that routing uses (IPTOS_RT_MASK). */
  tos = 0;
  /** RT_SCOPE_* the caller asks for (Linux: flowi4_scope). */
  scope = 0;
  proto = 0;
  flags = 0;
  uid = 0;
  daddr = 0;
  saddr = 0;
  sport = 0;
  dport = 0;
  icmpType = 0;
  icmpCode = 0;
  /** Multipath hash chosen for this flow, 0 = compute (Linux: flowi4_multipath_hash). */
  multipathHash = 0;

  /** Linux: flowi4_init_output(). */
  static output(oif: number, mark: number, tos: number, scope: number, proto: number, flags: number,
    daddr: number, saddr: number, dport: number, sport: number, uid: number): Flowi4 {
    const f = new Flowi4();
    f.oif = oif; f.mark = mark; f.tos = tos; f.scope = scope; f.proto = proto; f.flags = flags;
    f.daddr = daddr; f.saddr = saddr; f.dport = dport; f.sport = sport; f.uid = uid;
    return f;
  }
}

export type DstInputFn = (skb: SkBuff) => number;
export type DstOutputFn = (net: Net, sk: unknown, skb: SkBuff) => number;

/** Linux: struct rtable (with its struct dst_entry). */
export class Rtable implements DstEntry {
  dev: NetDevice | null;
  input: DstInputFn;
  output: DstOutputFn;
  /** dst->error of input routes to ip_error: a positive errno, as Linux IPv4 stores it (EHOSTUNREACH, ENETUNREACH, EACCES, EINVAL). */
  error = 0;
  /** Namespace route generation when created (Linux: rt_genid). */
  rtGenid: number;
  /** RTCF_* */
  rtFlags = 0;
  /** RTN_* */
  rtType = 0;
  /** True for routes made by input lookup (Linux: rt_is_input). */
  rtIsInput = false;
  /** The nexthop is a gateway, not the destination itself (Linux: rt_uses_gateway). */
  rtUsesGateway = false;
  /** Input interface index (Linux: rt_iif). */
  rtIif = 0;
  /** Gateway family (AF_INET or 0) and address (Linux: rt_gw_family, rt_gw4). */
  rtGwFamily = 0;
  rtGw4 = 0;
  /** Learned path MTU and its lock (Linux: rt_pmtu, rt_mtu_locked). */
  rtPmtu = 0;
  rtMtuLocked = false;
  /** Route metrics (Linux: dst metrics, indexed by RTAX_*); 0 = unset. */
  metrics: Uint32Array;
  /** Expiry in ns of the kernel clock, 0 = none (Linux: dst.expires). */
  expires = 0;
  lastuse = 0;
  /** Set when the route was removed from every cache (Linux: DST_OBSOLETE_DEAD). */
  dead = false;
  /** Realm of the route (Linux: dst.tclassid). */
  tclassid = 0;

  constructor(dev: NetDevice | null, input: DstInputFn, output: DstOutputFn, genid: number, metrics: Uint32Array) {
    this.dev = dev;
    this.input = input;
    this.output = output;
    this.rtGenid = genid;
    this.metrics = metrics;
  }

  /** Linux: ipv4_dst_check(): 0 while valid. */
  get obsolete(): number {
    if (this.dead || this.dev === null) return 1;
    if (this.rtGenid !== ipv4Net(this.dev.net).rtGenid) return 1;
    if (this.expires !== 0 && this.dev.net.kernel.clock.now() >= this.expires) return 1;
    return 0;
  }

  /** Linux: ipv4_mtu(). */
  mtu(): number {
    let mtu = this.rtPmtu;
    if (mtu === 0 || (this.expires !== 0 && this.dev !== null && this.dev.net.kernel.clock.now() >= this.expires)) {
      mtu = this.metrics[2 /* RTAX_MTU */]!;
    }
    if (mtu === 0) {
      mtu = this.dev !== null ? this.dev.mtu : IP_MAX_MTU;
      // Linux: ip_mtu_locked() && rt_uses_gateway caps an unknown path at 576.
      if (this.rtMtuLocked && this.rtUsesGateway && mtu > 576) mtu = 576;
    }
    return Math.min(mtu, IP_MAX_MTU);
  }
}

/** Linux: rt_nexthop(): where to send a packet for `daddr` on this route. */
export function rtNexthop(rt: Rtable, daddr: number): number {
  return rt.rtGwFamily !== 0 ? rt.rtGw4 : daddr;
}

/** Linux: skb_rtable(). */
export function skbRtable(skb: SkBuff): Rtable | null {
  return skb.dst as Rtable | null;
}
