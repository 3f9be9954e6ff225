/**
 * ARP, the Address Resolution Protocol for IPv4 over the generic neighbour cache
 * (Linux: net/ipv4/arp.c, include/net/arp.h, and the ARP parts of devinet.c's
 * inetdev_event and route.h's ip_neigh_gw4). `arpTbl` is the kernel's "arp_cache"
 * table; its constructor decides how an entry resolves (NOARP for loopback,
 * IFF_NOARP, multicast and broadcast; direct output without a link header),
 * `arpSolicit` sends the requests (arp_announce chooses their source),
 * `arpRcv`/`arpProcess` validate and answer requests (arp_ignore, arp_filter,
 * proxy_arp and proxy entries with the proxy_delay queue) and learn from
 * replies (arp_accept, gratuitous ARP, locktime). For the IP output path:
 * `ipNeighOutput` (ip_finish_output2's lookup-or-create + neigh_output) and
 * `dstConfirmNeigh`. Per-device parameters hang off in_device (arp_parms).
 */
import type { Kernel, Net } from '../core/net_namespace.js';
import {
  type NetDevice, IFF_LOOPBACK, IFF_NOARP, IFF_POINTOPOINT, ARPHRD_ETHER, netifCarrierOk,
} from '../core/netdevice.js';
import {
  type SkBuff, PACKET_HOST, PACKET_OTHERHOST, PACKET_LOOPBACK, allocSkb, skbReserve, skbResetNetworkHeader,
  skbPut, skbClone, consumeSkb, kfreeSkbReason, pskbMayPull,
} from '../core/skbuff.js';
import { type PacketType, ETH_P_ARP, ETH_P_IP, devAddPack, devQueueXmit } from '../core/dev.js';
import {
  NETDEV_UP, NETDEV_DOWN, NETDEV_CHANGE, NETDEV_CHANGEADDR, NETDEV_REGISTER, NETDEV_UNREGISTER,
  NETDEV_NOTIFY_PEERS, NOTIFY_DONE, type NetdevNotifierInfo,
} from '../core/notifier.js';
import { SKB_DROP_REASON_NEIGH_CREATEFAIL, SKB_DROP_REASON_NOT_SPECIFIED, SKB_DROP_REASON_PKT_TOO_SMALL, SKB_DROP_REASON_NEIGH_FAILED } from '../core/drop_reason.js';
import {
  type Neighbour, type NeighOps, type NeighParms, NeighTable, NEIGH_ARP_TABLE, NEIGH_VAR_DATA_MAX,
  NEIGH_VAR_MCAST_PROBES, NEIGH_VAR_UCAST_PROBES, NEIGH_VAR_RETRANS_TIME, NEIGH_VAR_BASE_REACHABLE_TIME,
  NEIGH_VAR_DELAY_PROBE_TIME, NEIGH_VAR_INTERVAL_PROBE_TIME_MS, NEIGH_VAR_GC_STALETIME, NEIGH_VAR_QUEUE_LEN_BYTES,
  NEIGH_VAR_PROXY_QLEN, NEIGH_VAR_ANYCAST_DELAY, NEIGH_VAR_PROXY_DELAY, NEIGH_VAR_LOCKTIME, NEIGH_VAR_APP_PROBES,
  NEIGH_UPDATE_F_OVERRIDE, NEIGH_UPDATE_F_ADMIN, neighTableInit, neighTables, neighParmsAlloc, neighParmsRelease,
  neighDevParms, neighSetParms, neighResolveOutput, neighDirectOutput, neighLookupNoref32, neighCreate, neighOutput,
  neighEventSend, neighConfirm, neighUpdate, neighEventNs, neighRelease, neighLookup, neighLookupCreate,
  neighRemoveOne, neighIfdown, neighCarrierDown, neighChangeaddr, neighVar, pneighLookup, pneighEnqueue,
  neighCbFlags, LOCALLY_ENQUEUED, devHardHeader,
} from '../core/neighbour.js';
import { neighInit, neighAppNs, neighStatSeqShow } from '../core/neighbour_netlink.js';
import { neighSysctlInit } from '../core/neighbour_sysctl.js';
import { NUD_VALID, NUD_NOARP, NUD_REACHABLE, NUD_STALE, NUD_FAILED } from '../wire/neighbour.js';
import {
  ArpHdr, ARPOP_REQUEST, ARPOP_REPLY, ARP_FIELD_SHA, ARPHRD_IEEE802,
} from '../wire/arphdr.js';
import { RTN_UNICAST, RTN_LOCAL, RTN_MULTICAST, RTN_BROADCAST, RT_SCOPE_HOST, RT_SCOPE_LINK } from '../wire/route.js';
import { NFPROTO_ARP, NF_ARP_IN, NF_ARP_OUT, nfHook } from '../netfilter/core.js';
import { EINVAL, ENXIO } from '../socket/errno.js';
import { LINUX_MIB_ARPFILTER } from '../core/snmp.js';
import { procFilesOf } from '../socket/syscalls.js';
import {
  type InDevice, inDevGet, inDevArpAnnounce, inDevArpIgnore, inDevArpAccept, inDevArpfilter, inDevArpNotify,
  inDevArpEvictNocarrier, inDevDropGratuitousArp, inDevRouteLocalnet, inDevForward, inDevProxyArp,
  inDevProxyArpPvlan, inDevConf, IPV4_DEVCONF_MEDIUM_ID, ipv4IsMulticast, ipv4IsLoopback,
} from './inetdevice.js';
import { ipv4Net, rtGenidBumpIpv4 } from './netns_ipv4.js';
import { Flowi4, type Rtable, skbRtable, rtNexthop, RTCF_MULTICAST, RTCF_BROADCAST, RTCF_LOCAL } from './rtable.js';
import { inetSelectAddr, inetConfirmAddr, inetAddrOnlink, registerInetaddrNotifier } from './devinet.js';
import { inetAddrTypeDevTable } from './fib_frontend.js';
import { ipRouteInputNoref } from './route_input.js';
import { ipRouteOutputKey, ipv4LinkFailure } from './route_output.js';

const AF_INET = 2;
const NET_RX_SUCCESS = 0;
const NET_RX_DROP = 1;
/** Linux: SK_WMEM_MAX (the default unres_qlen_bytes). */
export const SK_WMEM_MAX = 212992;

/* ------------------------------------------------------------------ */
/* Keys                                                                */

/** An IPv4 address (host-order u32) as a neighbour key: 4 bytes, network order. */
export function ipv4Key(addr: number): Uint8Array {
  const k = new Uint8Array(4);
  k[0] = addr >>> 24;
  k[1] = (addr >>> 16) & 0xff;
  k[2] = (addr >>> 8) & 0xff;
  k[3] = addr & 0xff;
  return k;
}

function key32Of(key: Uint8Array): number {
  return ((key[0]! << 24) | (key[1]! << 16) | (key[2]! << 8) | key[3]!) >>> 0;
}

/** Linux: arp_hashfn(): (key ^ hash32_ptr(dev)) * hash_rnd[0]; the device stands in by its ifindex and namespace. */
function arpHash(key32: number, dev: NetDevice, rnd: Uint32Array): number {
  const devHash = (Math.imul(dev.ifindex, 0x9e3779b1) ^ dev.net.inum) >>> 0;
  return Math.imul((key32 ^ devHash) >>> 0, rnd[0]!) >>> 0;
}

/* ------------------------------------------------------------------ */
/* The table                                                           */

/** Linux: arp_tbl's parameters (times in ms). */
function arpDefaults(): Int32Array {
  const d = new Int32Array(NEIGH_VAR_DATA_MAX);
  d[NEIGH_VAR_MCAST_PROBES] = 3;
  d[NEIGH_VAR_UCAST_PROBES] = 3;
  d[NEIGH_VAR_RETRANS_TIME] = 1000;
  d[NEIGH_VAR_BASE_REACHABLE_TIME] = 30000;
  d[NEIGH_VAR_DELAY_PROBE_TIME] = 5000;
  d[NEIGH_VAR_INTERVAL_PROBE_TIME_MS] = 5000;
  d[NEIGH_VAR_GC_STALETIME] = 60000;
  d[NEIGH_VAR_QUEUE_LEN_BYTES] = SK_WMEM_MAX;
  d[NEIGH_VAR_PROXY_QLEN] = 64;
  d[NEIGH_VAR_ANYCAST_DELAY] = 1000;
  d[NEIGH_VAR_PROXY_DELAY] = 800;
  d[NEIGH_VAR_LOCKTIME] = 1000;
  return d;
}

/** Linux: arp_tbl (one per kernel). Only valid after arpInit. */
export function arpTbl(net: Net): NeighTable {
  return neighTables(net.kernel)[NEIGH_ARP_TABLE]!;
}

function arpTblOf(k: Kernel): NeighTable {
  return neighTables(k)[NEIGH_ARP_TABLE]!;
}

/** The ARP table from a device, without a map lookup (the output path's way). */
function arpTblDev(dev: NetDevice): NeighTable {
  return ipv4Net(dev.net).arp;
}

/** The ARP parameters of a device (Linux: in_dev->arp_parms), made when its in_device exists. */
export function arpParmsOf(dev: NetDevice): NeighParms | null {
  const tbl = arpTblOf(dev.net.kernel);
  let p = neighDevParms(tbl, dev);
  if (p) return p;
  const inDev = inDevGet(dev);
  if (!inDev) return null;
  p = neighParmsAlloc(dev, tbl);
  inDev.arpParms = p;
  return p;
}

/** Linux: arp_generic_ops / arp_hh_ops / arp_direct_ops. */
const arpHhOps: NeighOps = {
  family: AF_INET,
  solicit: arpSolicit,
  errorReport: arpErrorReport,
  output: neighResolveOutput,
  connectedOutput: neighResolveOutput,
};
const arpDirectOps: NeighOps = {
  family: AF_INET,
  solicit: null,
  errorReport: null,
  output: neighDirectOutput,
  connectedOutput: neighDirectOutput,
};

/** Linux: ip_eth_mc_map(): 01:00:5e + the low 23 bits of the group. */
export function ipEthMcMap(addr: number, haddr: Uint8Array): void {
  haddr[0] = 0x01;
  haddr[1] = 0x00;
  haddr[2] = 0x5e;
  haddr[3] = (addr >>> 16) & 0x7f;
  haddr[4] = (addr >>> 8) & 0xff;
  haddr[5] = addr & 0xff;
}

/** Linux: arp_mc_map(): the link address of an IPv4 multicast group on `dev`. 0 or -EINVAL. */
export function arpMcMap(addr: number, haddr: Uint8Array, dev: NetDevice, dir: number): number {
  switch (dev.type) {
    case ARPHRD_ETHER:
    case ARPHRD_IEEE802:
      ipEthMcMap(addr, haddr);
      return 0;
    default:
      if (dir) {
        haddr.set(dev.broadcast.subarray(0, dev.addrLen));
        return 0;
      }
  }
  return -EINVAL;
}

/** Linux: arp_constructor(). */
function arpConstructor(n: Neighbour): number {
  const dev = n.dev;
  if (dev.flags & (IFF_LOOPBACK | IFF_POINTOPOINT)) n.primaryKey.fill(0);
  const addr = key32Of(n.primaryKey);
  const inDev = inDevGet(dev);
  if (!inDev) return -EINVAL;
  n.type = inetAddrTypeDevTable(dev.net, dev, addr);
  const parms = arpParmsOf(dev);
  if (parms) neighSetParms(n, parms);
  if (!dev.headerOps) {
    n.nudState = NUD_NOARP;
    n.ops = arpDirectOps;
    n.output = neighDirectOutput;
    return 0;
  }
  if (n.type === RTN_MULTICAST) {
    n.nudState = NUD_NOARP;
    arpMcMap(addr, n.ha, dev, 1);
  } else if (dev.flags & (IFF_NOARP | IFF_LOOPBACK)) {
    n.nudState = NUD_NOARP;
    n.ha.set(dev.devAddr.subarray(0, n.ha.length));
  } else if (n.type === RTN_BROADCAST || (dev.flags & IFF_POINTOPOINT)) {
    n.nudState = NUD_NOARP;
    n.ha.set(dev.broadcast.subarray(0, n.ha.length));
  }
  n.ops = arpHhOps;
  n.output = n.nudState & NUD_VALID ? n.ops.connectedOutput : n.ops.output;
  return 0;
}

/**
 * Linux: arp_error_report() -> dst_link_failure() (route_output.ts ipv4LinkFailure):
 * resolution failed, so the sender hears "host unreachable", the route expires and
 * the packet is dropped.
 */
function arpErrorReport(_n: Neighbour, skb: SkBuff): void {
  ipv4LinkFailure(skb);
  kfreeSkbReason(skb, SKB_DROP_REASON_NEIGH_FAILED);
}

/* ------------------------------------------------------------------ */
/* Sending                                                             */

/** Linux: arp_hdr_len(). */
export function arpHdrLen(dev: NetDevice): number {
  return 8 + 2 * (dev.addrLen + 4);
}

/** Linux: LL_RESERVED_SPACE(). */
function llReservedSpace(dev: NetDevice): number {
  return ((dev.hardHeaderLen + dev.neededHeadroom) & ~15) + 16;
}

/**
 * Linux: arp_create(): an ARP packet with its link header. A null `destHw` is
 * the broadcast address; a null `targetHw` is all zeros. Null on failure.
 */
export function arpCreate(type: number, ptype: number, destIp: number, dev: NetDevice, srcIp: number,
  destHw: Uint8Array | null, srcHw: Uint8Array | null, targetHw: Uint8Array | null): SkBuff | null {
  const hlen = llReservedSpace(dev);
  const alen = dev.addrLen;
  const skb = allocSkb(arpHdrLen(dev) + hlen + dev.neededTailroom);
  skbReserve(skb, hlen);
  skbResetNetworkHeader(skb);
  const off = skbPut(skb, arpHdrLen(dev));
  skb.dev = dev;
  skb.protocol = ETH_P_ARP;
  const src = srcHw ?? dev.devAddr;
  const dst = destHw ?? dev.broadcast;
  if (devHardHeader(skb, dev, ptype, dst.subarray(0, alen), src.subarray(0, alen), skb.len) < 0) return null;
  const b = skb.buf;
  const h = new ArpHdr(b, off);
  h.arHrd = dev.type;
  h.arPro = ETH_P_IP;
  h.arHln = alen;
  h.arPln = 4;
  h.arOp = type;
  let p = off + ARP_FIELD_SHA;
  b.set(src.subarray(0, alen), p);
  p += alen;
  writeBe32(b, p, srcIp);
  p += 4;
  if (targetHw) b.set(targetHw.subarray(0, alen), p);
  else b.fill(0, p, p + alen);
  p += alen;
  writeBe32(b, p, destIp);
  return skb;
}

function writeBe32(b: Uint8Array, off: number, v: number): void {
  b[off] = v >>> 24;
  b[off + 1] = (v >>> 16) & 0xff;
  b[off + 2] = (v >>> 8) & 0xff;
  b[off + 3] = v & 0xff;
}

function readBe32(b: Uint8Array, off: number): number {
  return ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;
}

function arpXmitFinish(_net: Net, _sk: unknown, skb: SkBuff): number {
  return devQueueXmit(skb);
}

/** Linux: arp_xmit(): through NF_ARP_OUT to the device. */
export function arpXmit(skb: SkBuff): void {
  nfHook(NFPROTO_ARP, NF_ARP_OUT, skb.dev!.net, null, skb, null, skb.dev, arpXmitFinish);
}

/** Linux: arp_send_dst() / arp_send(): create and transmit (nothing on IFF_NOARP devices). */
export function arpSend(type: number, ptype: number, destIp: number, dev: NetDevice, srcIp: number,
  destHw: Uint8Array | null, srcHw: Uint8Array | null, targetHw: Uint8Array | null): void {
  if (dev.flags & IFF_NOARP) return;
  const skb = arpCreate(type, ptype, destIp, dev, srcIp, destHw, srcHw, targetHw);
  if (!skb) return;
  arpXmit(skb);
}

/** Source address of the IPv4 packet in `skb` (Linux: ip_hdr(skb)->saddr). */
function ipSaddr(skb: SkBuff): number {
  return readBe32(skb.buf, skb.networkHeader + 12);
}

/** Linux: arp_solicit(): one request for the entry; arp_announce picks its source. */
function arpSolicit(n: Neighbour, skb: SkBuff | null): void {
  const dev = n.dev;
  const target = key32Of(n.primaryKey);
  let probes = n.probes;
  const inDev = inDevGet(dev);
  if (!inDev) return;
  let saddr = 0;
  switch (inDevArpAnnounce(inDev)) {
    default:
    case 0:
      // By default announce any local IP.
      if (skb && inetAddrTypeDevTable(dev.net, dev, ipSaddr(skb)) === RTN_LOCAL) saddr = ipSaddr(skb);
      break;
    case 1:
      // Restrict announcements of saddr in the same subnet.
      if (!skb) break;
      saddr = ipSaddr(skb);
      if (inetAddrTypeDevTable(dev.net, dev, saddr) === RTN_LOCAL && inetAddrOnlink(inDev, target, saddr)) break;
      saddr = 0;
      break;
    case 2:
      // Avoid secondary IPs, get a primary/preferred one.
      break;
  }
  if (!saddr) saddr = inetSelectAddr(dev, target, RT_SCOPE_LINK);
  let dstHw: Uint8Array | null = null;
  probes -= neighVar(n.parms, NEIGH_VAR_UCAST_PROBES);
  if (probes < 0) {
    dstHw = n.ha.slice();
  } else {
    probes -= neighVar(n.parms, NEIGH_VAR_APP_PROBES);
    if (probes < 0) {
      neighAppNs(n);
      return;
    }
  }
  arpSend(ARPOP_REQUEST, ETH_P_ARP, target, dev, saddr, dstHw, dev.devAddr, null);
}

/* ------------------------------------------------------------------ */
/* Receiving                                                           */

/** Linux: arp_ignore(): 1 when the request must not be answered. */
function arpIgnore(inDev: InDevice, sip: number, tip: number): number {
  const net = inDev.dev.net;
  let scope: number;
  let dev: InDevice | null = inDev;
  switch (inDevArpIgnore(inDev)) {
    case 0: // Reply, the tip is already validated.
      return 0;
    case 1: // Reply only if tip is configured on the incoming interface.
      sip = 0;
      scope = RT_SCOPE_HOST;
      break;
    case 2: // ... and is in the same subnet as sip.
      scope = RT_SCOPE_HOST;
      break;
    case 3: // Do not reply for scope host addresses.
      sip = 0;
      scope = RT_SCOPE_LINK;
      dev = null;
      break;
    case 4: case 5: case 6: case 7: // Reserved.
      return 0;
    case 8: // Do not reply.
      return 1;
    default:
      return 0;
  }
  return inetConfirmAddr(net, dev, sip, tip, scope) ? 0 : 1;
}

/** Linux: arp_accept(): may unsolicited ARP create entries? */
function arpAccept(inDev: InDevice, sip: number): boolean {
  switch (inDevArpAccept(inDev)) {
    case 0: return false;
    case 1: return true;
    case 2: return inetConfirmAddr(inDev.dev.net, inDev, sip, 0, RT_SCOPE_LINK) !== 0;
    default: return false;
  }
}

/** Linux: arp_filter(): 1 when the reply would leave by another device. */
function arpFilter(sip: number, tip: number, dev: NetDevice): number {
  const net = dev.net;
  const fl4 = new Flowi4();
  fl4.daddr = sip;
  fl4.saddr = tip;
  const rt = ipRouteOutputKey(net, fl4);
  if (typeof rt === 'number') return 1;
  if (rt.dev !== dev) {
    ipv4Net(net).mib.net[LINUX_MIB_ARPFILTER]!++;
    return 1;
  }
  return 0;
}

/** Linux: arp_fwd_proxy(): may we proxy for this path (proxy_arp, medium_id)? */
function arpFwdProxy(inDev: InDevice, dev: NetDevice, rt: Rtable): boolean {
  if (rt.dev === dev) return false;
  if (!inDevProxyArp(inDev)) return false;
  const imi = inDevConf(inDev, IPV4_DEVCONF_MEDIUM_ID);
  if (imi === 0) return true;
  if (imi === -1) return false;
  const outDev = inDevGet(rt.dev);
  const omi = outDev ? inDevConf(outDev, IPV4_DEVCONF_MEDIUM_ID) : -1;
  return omi !== imi && omi !== -1;
}

/** Linux: arp_fwd_pvlan(): RFC 3069 proxy back out of the same device. */
function arpFwdPvlan(inDev: InDevice, dev: NetDevice, rt: Rtable, sip: number, tip: number): boolean {
  if (rt.dev !== dev) return false;
  if (sip === tip) return false;
  return inDevProxyArpPvlan(inDev);
}

/** Linux: arp_is_garp(). Returns the address type of sip through `type` when it was computed. */
function arpIsGarp(net: Net, dev: NetDevice, type: { addrType: number }, op: number, sip: number, tip: number,
  b: Uint8Array, shaOff: number, thaOff: number): boolean {
  let isGarp = tip === sip;
  // Gratuitous ARP replies also require the target hardware address to be the sender's.
  if (isGarp && op === ARPOP_REPLY) {
    for (let i = 0; i < dev.addrLen; i++) {
      if (b[thaOff + i] !== b[shaOff + i]) {
        isGarp = false;
        break;
      }
    }
  }
  if (isGarp) {
    type.addrType = inetAddrTypeDevTable(net, dev, sip);
    if (type.addrType !== RTN_UNICAST) isGarp = false;
  }
  return isGarp;
}

/** Linux: arp_process(): answer and learn. Consumes the skb. */
export function arpProcess(net: Net, _sk: unknown, skb: SkBuff): number {
  const dev = skb.dev!;
  const inDev = inDevGet(dev);
  const tbl = arpTblOf(net.kernel);
  if (!inDev) return arpDrop(skb);
  const b = skb.buf;
  const arpOff = skb.networkHeader;
  const arp = new ArpHdr(b, arpOff);
  // ARPHRD_ETHER/IEEE802 devices accept either hardware type (RFC 2625, RFC 1390).
  if (dev.type === ARPHRD_ETHER || dev.type === ARPHRD_IEEE802) {
    if ((arp.arHrd !== ARPHRD_ETHER && arp.arHrd !== ARPHRD_IEEE802) || arp.arPro !== ETH_P_IP) return arpDrop(skb);
  } else if (arp.arPro !== ETH_P_IP || arp.arHrd !== dev.type) {
    return arpDrop(skb);
  }
  const op = arp.arOp;
  // Understand only these message types.
  if (op !== ARPOP_REPLY && op !== ARPOP_REQUEST) return arpDrop(skb);
  const alen = dev.addrLen;
  const shaOff = arpOff + 8;
  const sip = readBe32(b, shaOff + alen);
  const thaOff = shaOff + alen + 4;
  const tip = readBe32(b, thaOff + alen);
  // Bad requests for 127.x.x.x and requests for multicast addresses.
  if (ipv4IsMulticast(tip) || (!inDevRouteLocalnet(inDev) && ipv4IsLoopback(tip))) return arpDrop(skb);
  // Where gratuitous ARP frames are attacks (802.11 with an ARP proxy), drop them.
  if (sip === tip && inDevDropGratuitousArp(inDev)) return arpDrop(skb);
  const sha = b.slice(shaOff, shaOff + alen);
  const sipKey = ipv4Key(sip);

  // Special case: IPv4 duplicate address detection packet (RFC 2131).
  if (sip === 0) {
    if (op === ARPOP_REQUEST && inetAddrTypeDevTable(net, dev, tip) === RTN_LOCAL && !arpIgnore(inDev, sip, tip)) {
      arpSend(ARPOP_REPLY, ETH_P_ARP, sip, dev, tip, sha, dev.devAddr, sha);
    }
    consumeSkb(skb);
    return NET_RX_SUCCESS;
  }

  if (op === ARPOP_REQUEST && ipRouteInputNoref(skb, tip, sip, 0, dev) === 0) {
    const rt = skbRtable(skb)!;
    const addrType = rt.rtType;
    if (addrType === RTN_LOCAL) {
      let dontSend = arpIgnore(inDev, sip, tip);
      if (!dontSend && inDevArpfilter(inDev)) dontSend = arpFilter(sip, tip, dev);
      if (!dontSend) {
        const n = neighEventNs(tbl, sha, sipKey, dev);
        if (n) {
          arpSend(ARPOP_REPLY, ETH_P_ARP, sip, dev, tip, sha, dev.devAddr, sha);
          neighRelease(n);
        }
      }
      consumeSkb(skb);
      return NET_RX_SUCCESS;
    } else if (inDevForward(inDev)) {
      if (addrType === RTN_UNICAST &&
        (arpFwdProxy(inDev, dev, rt) || arpFwdPvlan(inDev, dev, rt, sip, tip) ||
          (rt.dev !== dev && pneighLookup(tbl, net, ipv4Key(tip), dev) !== null))) {
        const n = neighEventNs(tbl, sha, sipKey, dev);
        if (n) neighRelease(n);
        const parms = arpParmsOf(dev);
        if ((neighCbFlags(skb) & LOCALLY_ENQUEUED) || skb.pktType === PACKET_HOST || !parms ||
          neighVar(parms, NEIGH_VAR_PROXY_DELAY) === 0) {
          arpSend(ARPOP_REPLY, ETH_P_ARP, sip, dev, tip, sha, dev.devAddr, sha);
        } else {
          pneighEnqueue(tbl, parms, skb);
          return NET_RX_SUCCESS;
        }
        consumeSkb(skb);
        return NET_RX_SUCCESS;
      }
    }
  }

  // Update our ARP tables.
  let n = neighLookup(tbl, sipKey, dev);
  const type = { addrType: -1 };
  let isGarp = false;
  const accept = arpAccept(inDev, sip);
  if (n || accept) isGarp = arpIsGarp(net, dev, type, op, sip, tip, b, shaOff, thaOff);
  if (accept) {
    // Unsolicited ARP is not accepted by default.
    if (!n && (isGarp || (op === ARPOP_REPLY &&
      (type.addrType === RTN_UNICAST || (type.addrType < 0 && inetAddrTypeDevTable(net, dev, sip) === RTN_UNICAST))))) {
      n = neighLookupCreate(tbl, sipKey, dev, true);
    }
  }
  if (n) {
    // Several different replies back to back: use the FIRST one (fastest proxy or router).
    const override = net.kernel.clock.now() > n.updated + neighVar(n.parms, NEIGH_VAR_LOCKTIME) * 1e6 || isGarp;
    // Broadcast replies and requests do not assert reachability.
    const state = op !== ARPOP_REPLY || skb.pktType !== PACKET_HOST ? NUD_STALE : NUD_REACHABLE;
    neighUpdate(n, sha, state, override ? NEIGH_UPDATE_F_OVERRIDE : 0, 0);
    neighRelease(n);
  }
  consumeSkb(skb);
  return NET_RX_SUCCESS;
}

function arpDrop(skb: SkBuff): number {
  kfreeSkbReason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
  return NET_RX_DROP;
}

/** Linux: parp_redo(): a delayed proxy request's turn has come. */
function parpRedo(skb: SkBuff): void {
  arpProcess(skb.dev!.net, null, skb);
}

/** Linux: arp_rcv(): the ETH_P_ARP handler. */
export function arpRcv(skb: SkBuff, dev: NetDevice, _pt: PacketType, _orig: NetDevice): number {
  // Do not tweak dropwatch on an ARP we will ignore.
  if ((dev.flags & IFF_NOARP) || skb.pktType === PACKET_OTHERHOST || skb.pktType === PACKET_LOOPBACK) {
    consumeSkb(skb);
    return NET_RX_SUCCESS;
  }
  // Linux: skb_share_check().
  if (skb.users > 1) {
    const nskb = skbClone(skb);
    consumeSkb(skb);
    skb = nskb;
  }
  // ARP header, plus 2 device addresses, plus 2 IP addresses.
  if (!pskbMayPull(skb, arpHdrLen(dev))) {
    kfreeSkbReason(skb, SKB_DROP_REASON_PKT_TOO_SMALL);
    return NET_RX_DROP;
  }
  const b = skb.buf;
  const nh = skb.networkHeader >= 0 ? skb.networkHeader : skb.data;
  skb.networkHeader = nh;
  if (b[nh + 4] !== dev.addrLen || b[nh + 5] !== 4) {
    kfreeSkbReason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
    return NET_RX_DROP;
  }
  skb.cb = null;
  return nfHook(NFPROTO_ARP, NF_ARP_IN, dev.net, null, skb, dev, null, arpProcess);
}

/* ------------------------------------------------------------------ */
/* For the IP layer                                                    */

/** Linux: __ipv4_neigh_lookup_noref(). */
export function ipv4NeighLookupNoref(dev: NetDevice, key: number): Neighbour | null {
  if (dev.flags & (IFF_LOOPBACK | IFF_POINTOPOINT)) key = 0;
  return neighLookupNoref32(arpTblDev(dev), key >>> 0, dev);
}

/** Linux: ip_neigh_gw4(): lookup or create (no reference). A negative errno on failure. */
export function ipNeighGw4(dev: NetDevice, daddr: number): Neighbour | number {
  const n = ipv4NeighLookupNoref(dev, daddr);
  if (n) return n;
  return neighCreate(arpTblDev(dev), ipv4Key(daddr >>> 0), dev, false);
}

/**
 * Linux: ip_finish_output2()'s neighbour step: find or create the entry for
 * `nexthop` on `dev` and hand the packet to it (neigh_output). Consumes the skb;
 * without an entry it is dropped with NEIGH_CREATEFAIL.
 */
export function ipNeighOutput(_net: Net, dev: NetDevice, nexthop: number, skb: SkBuff): number {
  const n = ipNeighGw4(dev, nexthop);
  if (typeof n !== 'number') return neighOutput(n, skb, false);
  // Linux: net_dbg_ratelimited("%s: No header cache and no neighbour!\n")
  kfreeSkbReason(skb, SKB_DROP_REASON_NEIGH_CREATEFAIL);
  return n;
}

/** Linux: ipv4_confirm_neigh() (dst_confirm_neigh for IPv4 routes). */
export function dstConfirmNeigh(rt: Rtable, daddr: number | null): void {
  const dev = rt.dev;
  if (!dev) return;
  let key: number;
  if (rt.rtGwFamily === AF_INET) key = rt.rtGw4;
  else if (daddr === null || (rt.rtFlags & (RTCF_MULTICAST | RTCF_BROADCAST | RTCF_LOCAL))) return;
  else key = daddr;
  neighConfirm(ipv4NeighLookupNoref(dev, key));
}

/** The NUD state of the ARP entry for `addr` on `dev`, -1 when there is none. */
export function arpNudState(dev: NetDevice, addr: number): number {
  const n = ipv4NeighLookupNoref(dev, addr);
  return n ? n.nudState : -1;
}

/**
 * Linux: __ip_do_redirect()'s neighbour check: true when the entry for `gw` is
 * valid; otherwise it is created if needed and resolution starts.
 */
export function ipv4NeighValidOrResolve(dev: NetDevice, gw: number): boolean {
  const n = ipNeighGw4(dev, gw);
  if (typeof n === 'number') return false;
  if (!(n.nudState & NUD_VALID)) {
    neighEventSend(n, null);
    return false;
  }
  return true;
}

/** Linux: rt_nexthop() + ip_neigh_gw4 for callers holding a route. */
export function ipNeighForRoute(rt: Rtable, daddr: number): Neighbour | number {
  return ipNeighGw4(rt.dev!, rtNexthop(rt, daddr));
}

/** Linux: arp_invalidate(): forget the entry (force: even a valid one). 0, or -ENXIO when none. */
export function arpInvalidate(dev: NetDevice, ip: number, force: boolean): number {
  const tbl = arpTblOf(dev.net.kernel);
  const n = neighLookup(tbl, ipv4Key(ip), dev);
  if (!n) return -ENXIO;
  if ((n.nudState & NUD_VALID) && !force) {
    neighRelease(n);
    return 0;
  }
  let err = -ENXIO;
  if (n.nudState & ~NUD_NOARP) err = neighUpdate(n, null, NUD_FAILED, NEIGH_UPDATE_F_OVERRIDE | NEIGH_UPDATE_F_ADMIN, 0);
  neighRelease(n);
  neighRemoveOne(n);
  return err;
}

/** Linux: arp_ifdown(): flush the device's entries (the FIB calls it when IPv4 goes down on it). */
export function arpIfdown(dev: NetDevice): void {
  neighIfdown(arpTblOf(dev.net.kernel), dev);
}

/* ------------------------------------------------------------------ */
/* Device events                                                       */

/** Linux: inetdev_send_gratuitous_arp(): one request per address, from and for itself. */
function inetdevSendGratuitousArp(dev: NetDevice, inDev: InDevice): void {
  for (const ifa of inDev.ifaList) {
    arpSend(ARPOP_REQUEST, ETH_P_ARP, ifa.ifaLocal, dev, ifa.ifaLocal, null, dev.devAddr, null);
  }
}

/**
 * Linux: arp_netdev_event() and the ARP part of devinet.c inetdev_event():
 * per-device parameters, flushes on down/unregister/address change/carrier
 * loss (arp_evict_nocarrier), gratuitous ARP on up/address change (arp_notify)
 * and on NETDEV_NOTIFY_PEERS.
 */
function arpNetdevEvent(event: number, dev: NetDevice, info?: NetdevNotifierInfo): number {
  const tbl = arpTblOf(dev.net.kernel);
  const inDev = inDevGet(dev);
  switch (event) {
    case NETDEV_REGISTER:
      arpParmsOf(dev);
      break;
    case NETDEV_UNREGISTER: {
      neighIfdown(tbl, dev);
      const p = neighDevParms(tbl, dev);
      neighParmsRelease(tbl, p);
      if (inDev && inDev.arpParms === p) inDev.arpParms = null;
      break;
    }
    case NETDEV_DOWN:
      neighIfdown(tbl, dev);
      break;
    case NETDEV_UP:
      if (inDev && inDevArpNotify(inDev)) inetdevSendGratuitousArp(dev, inDev);
      break;
    case NETDEV_NOTIFY_PEERS:
      if (inDev) inetdevSendGratuitousArp(dev, inDev);
      break;
    case NETDEV_CHANGEADDR:
      neighChangeaddr(tbl, dev);
      // Linux: rt_cache_flush().
      if (dev.net.ipv4) rtGenidBumpIpv4(dev.net);
      if (inDev && inDevArpNotify(inDev)) inetdevSendGratuitousArp(dev, inDev);
      break;
    case NETDEV_CHANGE: {
      if ((info?.change ?? 0) & IFF_NOARP) neighChangeaddr(tbl, dev);
      const evict = inDev ? inDevArpEvictNocarrier(inDev) : true;
      if (evict && !netifCarrierOk(dev)) neighCarrierDown(tbl, dev);
      break;
    }
    default:
      break;
  }
  return NOTIFY_DONE;
}

/* ------------------------------------------------------------------ */
/* /proc/net/arp                                                       */

const ATF_COM = 0x02;
const ATF_PERM = 0x04;
const ATF_PUBL = 0x08;

/** Linux: arp_state_to_flags(). */
function arpStateToFlags(n: Neighbour): number {
  if (n.nudState & 0x80) return ATF_PERM | ATF_COM;
  if (n.nudState & NUD_VALID) return ATF_COM;
  return 0;
}

function ip4Str(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}`;
}

function hex(v: number): string {
  return (v >>> 0).toString(16);
}

/** Linux: arp_seq_show() over the namespace's entries (NOARP skipped), then its proxy entries. */
export function procNetArp(net: Net): string {
  const tbl = arpTblOf(net.kernel);
  let out = 'IP address       HW type     Flags       HW address            Mask     Device\n';
  for (let h = 0; h < tbl.buckets.length; h++) {
    for (let n = tbl.buckets[h] ?? null; n; n = n.next) {
      if (n.dev.net !== net || !(n.nudState & ~NUD_NOARP)) continue;
      const ha = Array.from(n.ha, (x) => x.toString(16).padStart(2, '0')).join(':');
      out += `${ip4Str(key32Of(n.primaryKey)).padEnd(16)} 0x${hex(n.dev.type).padEnd(10)}0x${hex(arpStateToFlags(n)).padEnd(10)}` +
        `${ha.padEnd(17)}     *        ${n.dev.name}\n`;
    }
  }
  for (let h = 0; h < tbl.phashBuckets.length; h++) {
    for (let pn = tbl.phashBuckets[h] ?? null; pn; pn = pn.next) {
      if (pn.net !== net) continue;
      out += `${ip4Str(key32Of(pn.key)).padEnd(16)} 0x${hex(pn.dev ? pn.dev.type : 0).padEnd(10)}0x${hex(ATF_PUBL | ATF_PERM).padEnd(10)}` +
        `00:00:00:00:00:00     *        ${pn.dev ? pn.dev.name : '*'}\n`;
    }
  }
  return out;
}

/* ------------------------------------------------------------------ */
/* Init                                                                */

/** Linux: arp_init(): the table, the ETH_P_ARP handler, /proc/net/arp, sysctls, the notifier. */
export function arpInit(k: Kernel): void {
  const tbl = new NeighTable(k, {
    family: AF_INET,
    keyLen: 4,
    protocol: ETH_P_IP,
    id: 'arp_cache',
    hash: arpHash,
    key32Of,
    construct: arpConstructor,
    proxyRedo: parpRedo,
    isMulticast: (key) => ipv4IsMulticast(key32Of(key)),
    data: arpDefaults(),
    gcInterval: 30000,
    gcThresh1: 128,
    gcThresh2: 512,
    gcThresh3: 1024,
  });
  neighTableInit(k, NEIGH_ARP_TABLE, tbl);
  neighInit(k);
  neighSysctlInit(k, tbl, 'ipv4', arpParmsOf);
  const pt: PacketType = { type: ETH_P_ARP, dev: null, func: arpRcv, ignoreOutgoing: false, afPacketPriv: null };
  devAddPack(k.initNet, pt);
  procFilesOf(k).set('/proc/net/arp', procNetArp);
  // Linux: proc_create_seq_data(tbl->id, ...) under /proc/net/stat (kernel-wide figures).
  procFilesOf(k).set('/proc/net/stat/arp_cache', () => neighStatSeqShow(tbl));
  k.netdevChain.register(arpNetdevEvent);
  k.registerPernetSubsys({
    name: 'arp',
    init: (net) => {
      ipv4Net(net).arp = tbl;
      for (const dev of net.devices) arpParmsOf(dev);
    },
  });
  // Linux: fib_inetaddr_event(): the last address gone disables IP on the device (fib_disable_ip -> arp_ifdown).
  registerInetaddrNotifier(k, (event, ifa) => {
    if (event === NETDEV_DOWN && ifa.ifaDev.ifaList.length === 0) neighIfdown(tbl, ifa.ifaDev.dev);
    return NOTIFY_DONE;
  });
}

