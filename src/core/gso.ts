/**
 * Generic segmentation offload (Linux: net/core/gso.c, skb_segment() of
 * net/core/skbuff.c, and the GSO half of net/core/dev.c: netif_skb_features,
 * gso_features_check, harmonize_features, netif_needs_gso, validate_xmit_skb with
 * skb_csum_hwoffload_help/skb_checksum_help, the offload tables of
 * dev_add_offload/inet_add_offload).
 *
 * A GSO skb is one large packet (gsoSize > 0: the payload of each wire segment)
 * that the stack carries as a whole. It is cut into wire-sized packets only where
 * something below cannot take it whole: a device without the matching NETIF_F_TSO/
 * GSO feature (validate_xmit_skb -> skbGsoSegment before ndo_start_xmit), or an
 * egress MTU smaller than its segments (ip_finish_output_gso). The cutting goes
 * down the same path as in Linux: skbMacGsoSegment picks the packet offload of the
 * ethertype (inet_gso_segment for IPv4), that one the protocol offload (TCP, UDP),
 * and the protocol calls skbSegment to copy headers and payload.
 *
 *   GSO skb: [mac | ip | tcp | payload (n * gsoSize + rest) ]
 *   segments: [mac | ip' | tcp' | gsoSize] [mac | ip' | tcp' | gsoSize] ... [mac | ip' | tcp' | rest]
 *
 * Differences from Linux: skbs are linear, so skb_segment copies every segment
 * (Linux shares page frags); no GSO_PARTIAL, frag_list GSO, tunnels or SCTP.
 * Segment lists are arrays, not skb->next chains.
 */
import type { Kernel } from './net_namespace.js';
import type { NetDevice } from './netdevice.js';
import {
  NETIF_F_TSO, NETIF_F_GSO_ROBUST, NETIF_F_TSO_ECN, NETIF_F_TSO_MANGLEID, NETIF_F_TSO6, NETIF_F_GSO_UDP_L4,
  NETIF_F_HW_CSUM, NETIF_F_IP_CSUM, NETIF_F_IPV6_CSUM, NETIF_F_ALL_TSO, featClear, featHas,
} from './netdevice.js';
import {
  type SkBuff, allocSkb, CHECKSUM_NONE, CHECKSUM_PARTIAL, CHECKSUM_UNNECESSARY, SKB_GSO_TCPV4, SKB_GSO_DODGY,
  SKB_GSO_TCP_ECN, SKB_GSO_TCP_FIXEDID, SKB_GSO_TCPV6, SKB_GSO_UDP_L4, copySkbHeader, skbCbCopy, consumeSkb,
  kfreeSkbReason,
} from './skbuff.js';
import { SKB_DROP_REASON_NOT_SPECIFIED } from './drop_reason.js';
import { EINVAL, EPROTONOSUPPORT } from '../socket/errno.js';
import { csumFold, csumPartial } from '../wire/checksum.js';

/** Linux: NETIF_F_GSO_MASK: every segmentation feature bit (NETIF_F_GSO_SHIFT up to the last GSO bit). */
export const NETIF_F_GSO_MASK = 2 ** 35 - 2 ** 16;
/** Linux: NETIF_F_CSUM_MASK. */
export const NETIF_F_CSUM_MASK = NETIF_F_IP_CSUM + NETIF_F_IPV6_CSUM + NETIF_F_HW_CSUM;
/** Linux: GSO_LEGACY_MAX_SIZE / GSO_MAX_SIZE for IPv4 (no BIG TCP). */
export const GSO_LEGACY_MAX_SIZE = 65536;

const ETH_P_IP = 0x0800;
const ETH_P_IPV6 = 0x86dd;

/**
 * The result of a segmentation: the segments, `null` when the skb was only checked
 * and may go on whole (a DODGY skb to a device that does the segmenting), or a
 * negative errno (the caller drops the skb).
 */
export type GsoSegs = SkBuff[] | null | number;

/** Linux: struct packet_offload (by ethertype) and struct net_offload (by IP protocol). */
export interface PacketOffload {
  gsoSegment?(skb: SkBuff, features: number): GsoSegs;
  groReceive?(held: SkBuff[], skb: SkBuff): SkBuff | null;
  groComplete?(skb: SkBuff, nhoff: number): number;
}

/**
 * Linux: net_hotdata.offload_base and inet_offloads[]: registered once per kernel by
 * the protocol initcalls (kept in k.generic, as Linux keeps them in global tables).
 */
export class OffloadTables {
  /** Packet offloads by ethertype (host order). */
  readonly base = new Map<number, PacketOffload>();
  /** IPv4 protocol offloads (Linux inet_offloads). */
  readonly inet: (PacketOffload | undefined)[] = [];
}

const OFFLOAD_KEY = 'gso.offloads';

/** The offload tables of a kernel (created on first use). */
export function offloadTables(k: Kernel): OffloadTables {
  let t = k.generic.get(OFFLOAD_KEY) as OffloadTables | undefined;
  if (t === undefined) {
    t = new OffloadTables();
    k.generic.set(OFFLOAD_KEY, t);
  }
  return t;
}

/** Linux: dev_add_offload(). */
export function devAddOffload(k: Kernel, type: number, ops: PacketOffload): void {
  offloadTables(k).base.set(type, ops);
}

/** Linux: inet_add_offload(). */
export function inetAddOffload(k: Kernel, protocol: number, ops: PacketOffload): void {
  offloadTables(k).inet[protocol] = ops;
}

/** Linux: skb_is_gso(). */
export function skbIsGso(skb: SkBuff): boolean {
  return skb.gsoSize !== 0;
}

/** The NETIF_F_* feature a device needs to take an skb of one SKB_GSO_* bit whole (Linux: gso_type << NETIF_F_GSO_SHIFT). */
function gsoTypeFeature(bit: number): number {
  switch (bit) {
    case SKB_GSO_TCPV4: return NETIF_F_TSO;
    case SKB_GSO_DODGY: return NETIF_F_GSO_ROBUST;
    case SKB_GSO_TCP_ECN: return NETIF_F_TSO_ECN;
    case SKB_GSO_TCP_FIXEDID: return NETIF_F_TSO_MANGLEID;
    case SKB_GSO_TCPV6: return NETIF_F_TSO6;
    case SKB_GSO_UDP_L4: return NETIF_F_GSO_UDP_L4;
    default: return -1;
  }
}

/** Linux: net_gso_ok(): the features cover every SKB_GSO_* bit of `gsoType`. */
export function netGsoOk(features: number, gsoType: number): boolean {
  for (let t = gsoType >>> 0, bit = 1; t !== 0; bit <<= 1) {
    if ((t & bit) === 0) continue;
    t &= ~bit;
    const f = gsoTypeFeature(bit);
    if (f < 0 || !featHas(features, f)) return false;
  }
  return true;
}

/** Linux: skb_gso_ok() (no frag_list here). */
export function skbGsoOk(skb: SkBuff, features: number): boolean {
  return netGsoOk(features, skb.gsoType);
}

/**
 * Linux: netif_needs_gso(): the skb is GSO and the device cannot take it whole (no
 * feature for its type, or its checksum is neither left to the device nor verified).
 */
export function netifNeedsGso(skb: SkBuff, features: number): boolean {
  return skb.gsoSize !== 0 && (!skbGsoOk(skb, features) ||
    (skb.ipSummed !== CHECKSUM_PARTIAL && skb.ipSummed !== CHECKSUM_UNNECESSARY));
}

/** Linux: can_checksum_protocol(): the device can finish a TCP/UDP checksum of this ethertype. */
export function canChecksumProtocol(features: number, protocol: number): boolean {
  if (featHas(features, NETIF_F_HW_CSUM)) return true;
  if (protocol === ETH_P_IP) return featHas(features, NETIF_F_IP_CSUM);
  if (protocol === ETH_P_IPV6) return featHas(features, NETIF_F_IPV6_CSUM);
  return false;
}

/** The ethertype below any VLAN tag (Linux: vlan_get_protocol(), skb_network_protocol()). */
function skbNetworkProtocol(skb: SkBuff): number {
  return skb.protocol;
}

/** Linux: gso_features_check() (IPv4/IPv6, no tunnels, no GSO_PARTIAL). */
function gsoFeaturesCheck(skb: SkBuff, dev: NetDevice, features: number): number {
  if (skb.gsoSegs > dev.gsoMaxSegs) return featClear(features, NETIF_F_GSO_MASK);
  if (skb.len >= dev.gsoMaxSize) return featClear(features, NETIF_F_GSO_MASK);
  if (skb.gsoType === 0) return featClear(features, NETIF_F_GSO_MASK);
  // Make sure to clear the IPv4 ID mangling feature if the IPv4 header has the potential
  // to be fragmented so that TSO does not generate segments with the same ID.
  if ((skb.gsoType & SKB_GSO_TCPV4) !== 0 && skb.networkHeader >= 0 &&
    (skb.buf[skb.networkHeader + 6]! & 0x40) === 0) {
    features = featClear(features, NETIF_F_TSO_MANGLEID);
  }
  return features;
}

/** Linux: harmonize_features(): no checksum offload for this protocol means no TSO either. */
function harmonizeFeatures(skb: SkBuff, features: number): number {
  if (skb.ipSummed !== CHECKSUM_NONE && !canChecksumProtocol(features, skbNetworkProtocol(skb))) {
    features = featClear(features, NETIF_F_CSUM_MASK + NETIF_F_GSO_MASK);
  }
  return features;
}

/** Linux: netif_skb_features(): what the device can do for this skb. */
export function netifSkbFeatures(skb: SkBuff): number {
  const dev = skb.dev!;
  let features = dev.features;
  // Linux: netdev_fix_features() drops TSO from a device without checksum offload
  // (`ethtool -K dev tx off` turns TSO off too); feature sets here are not fixed up.
  if (!featHas(features, NETIF_F_HW_CSUM) && !featHas(features, NETIF_F_IP_CSUM)) {
    features = featClear(features, NETIF_F_ALL_TSO);
  }
  if (skb.gsoSize !== 0) features = gsoFeaturesCheck(skb, dev, features);
  return harmonizeFeatures(skb, features);
}

/** Linux: skb_checksum_help(): fold the sum from csum_start into the field at csum_offset (0 sent as 0xffff). */
export function skbChecksumHelp(skb: SkBuff): void {
  const buf = skb.buf;
  const start = skb.csumStart;
  const csum = csumFold(csumPartial(buf, start, skb.tail - start));
  const v = csum === 0 ? 0xffff : csum;
  buf[start + skb.csumOffset] = v >> 8;
  buf[start + skb.csumOffset + 1] = v & 0xff;
  skb.ipSummed = CHECKSUM_NONE;
}

/**
 * Linux: skb_csum_hwoffload_help(): finish a CHECKSUM_PARTIAL checksum in software
 * for a device that cannot (taps then see the final checksum too).
 */
function skbCsumHwoffloadHelp(skb: SkBuff, dev: NetDevice): void {
  if (skb.ipSummed === CHECKSUM_PARTIAL && (dev.features & (NETIF_F_HW_CSUM | NETIF_F_IP_CSUM)) === 0) {
    skbChecksumHelp(skb);
  }
}

/**
 * Linux: validate_xmit_skb() (net/core/dev.c; here next to netif_skb_features): make
 * `skb` something `dev` can send. A GSO skb the device cannot take whole
 * (netif_needs_gso) is segmented in software (skb_gso_segment) and the original
 * consumed: the segments come back. Otherwise a CHECKSUM_PARTIAL checksum the device
 * cannot finish is finished here. A segmentation error drops the skb (tx_dropped)
 * and returns null.
 */
export function validateXmitSkb(skb: SkBuff, dev: NetDevice): SkBuff | SkBuff[] | null {
  if (skb.gsoSize !== 0) {
    const features = netifSkbFeatures(skb);
    if (netifNeedsGso(skb, features)) {
      const segs = skbGsoSegment(skb, features);
      if (typeof segs === 'number') {
        dev.coreStats.txDropped++;
        kfreeSkbReason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
        return null;
      }
      // null: a DODGY skb checked by a GSO_ROBUST device, which takes it whole.
      if (segs === null) return skb;
      consumeSkb(skb);
      for (const seg of segs) skbCsumHwoffloadHelp(seg, dev);
      return segs;
    }
  }
  skbCsumHwoffloadHelp(skb, dev);
  return skb;
}

/** Linux: skb_gso_transport_seglen(): L4 header + gsoSize (the size of each segment from the L4 header). */
export function skbGsoTransportSeglen(skb: SkBuff): number {
  let thlen = 0;
  if ((skb.gsoType & (SKB_GSO_TCPV4 | SKB_GSO_TCPV6)) !== 0) {
    if (skb.transportHeader >= 0) thlen = (skb.buf[skb.transportHeader + 12]! >> 4) * 4;
  } else if ((skb.gsoType & SKB_GSO_UDP_L4) !== 0) {
    thlen = 8;
  }
  return thlen + skb.gsoSize;
}

/** Linux: skb_gso_validate_network_len(): do the segments, IP header included, fit `mtu`? */
export function skbGsoValidateNetworkLen(skb: SkBuff, mtu: number): boolean {
  return skb.transportHeader - skb.networkHeader + skbGsoTransportSeglen(skb) <= mtu;
}

/** Linux: skb_gso_validate_mac_len(): do the segments, link header included, fit `len`? */
export function skbGsoValidateMacLen(skb: SkBuff, len: number): boolean {
  return skb.transportHeader - skb.macHeader + skbGsoTransportSeglen(skb) <= len;
}

/**
 * Linux: skb_segment() for a linear skb. On entry skb.data is at the payload (the
 * protocol pulled its header); the headers from the MAC header up to skb.data are
 * copied in front of every `gsoSize` bytes of payload. Each segment starts at its
 * MAC header, with the same header offsets and headroom as the original. Without a
 * checksum feature for the protocol (`features`) the segments come out
 * CHECKSUM_NONE and the protocol computes their checksums in software
 * (gso_make_checksum); with one they keep CHECKSUM_PARTIAL (gso_reset_checksum).
 */
export function skbSegment(skb: SkBuff, features: number): GsoSegs {
  const mss = skb.gsoSize;
  const mac = skb.macHeader;
  const doffset = skb.data - mac;
  const headroom = mac - skb.head;
  const len = skb.tail - skb.data;
  if (mss === 0 || doffset < 0) return -EINVAL;
  const csum = canChecksumProtocol(features, skbNetworkProtocol(skb));
  const nhOff = skb.networkHeader - mac;
  const thOff = skb.transportHeader - mac;
  const buf = skb.buf;
  const segs: SkBuff[] = [];
  for (let offset = 0; offset < len; offset += mss) {
    const size = len - offset < mss ? len - offset : mss;
    const nskb = allocSkb(headroom + doffset + size);
    const nb = nskb.buf;
    nb.set(buf.subarray(mac, skb.data), headroom);
    nb.set(buf.subarray(skb.data + offset, skb.data + offset + size), headroom + doffset);
    nskb.data = headroom;
    nskb.tail = headroom + doffset + size;
    copySkbHeader(nskb, skb);
    // Each segment has its own control block (skb_segment: __copy_skb_header memcpy's skb->cb).
    nskb.cb = skbCbCopy(skb.cb);
    nskb.macHeader = headroom;
    nskb.networkHeader = headroom + nhOff;
    nskb.transportHeader = headroom + thOff;
    nskb.macLen = skb.macLen;
    if (skb.ipSummed === CHECKSUM_PARTIAL) nskb.csumStart = skb.csumStart - mac + headroom;
    if (!csum) nskb.ipSummed = CHECKSUM_NONE;
    segs.push(nskb);
  }
  return segs;
}

/**
 * Linux: skb_mac_gso_segment(): hand the skb to the packet offload of its ethertype
 * with skb.data at the network header; the original is left starting at its MAC header.
 */
export function skbMacGsoSegment(skb: SkBuff, features: number): GsoSegs {
  const type = skbNetworkProtocol(skb);
  const k = skb.dev!.net.kernel;
  const ops = offloadTables(k).base.get(type);
  skb.data += skb.macLen;
  let segs: GsoSegs = -EPROTONOSUPPORT;
  if (ops !== undefined && ops.gsoSegment) segs = ops.gsoSegment(skb, features);
  skb.data = skb.macHeader;
  return segs;
}

/**
 * Linux: __skb_gso_segment() / skb_gso_segment(): segment `skb` (data at the MAC
 * header, or at the network header for a caller above the link layer, which then
 * has an empty MAC header) for a device with `features`. The original skb is not
 * freed: the caller consumes it when segments come back.
 */
export function skbGsoSegment(skb: SkBuff, features: number): GsoSegs {
  // Linux: skb_needs_check(): a transmitted skb must have a checksum state GSO can
  // finish (PARTIAL) or none to finish (UNNECESSARY); others get their header checksum set up below.
  skb.macHeader = skb.data;
  skb.macLen = skb.networkHeader >= 0 ? skb.networkHeader - skb.macHeader : 0;
  return skbMacGsoSegment(skb, features);
}

/**
 * The software checksum of one segment from its L4 header to its end, seeded with
 * the pseudo-header sum already in the checksum field (Linux: gso_make_checksum()
 * after the protocol stored ~pseudo in the field). Returns the folded checksum.
 */
export function gsoMakeChecksum(seg: SkBuff): number {
  // The field holds the folded pseudo-header sum (not complemented): summing it with
  // the header and payload and folding gives the final checksum (RFC 1071 §2).
  const th = seg.transportHeader;
  return csumFold(csumPartial(seg.buf, th, seg.tail - th));
}

/** An owner of send-buffer memory (struct sock's sk_wmem_alloc). */
interface WmemOwner {
  wmemAlloc: number;
}

/**
 * The segments take over the GSO skb's send-buffer charge (Linux: the destructor swap
 * of tcp_gso_segment / __udp_gso_segment): each segment is charged to the socket with
 * the original's destructor, so TCP Small Queues and write space see each segment
 * leave; the GSO skb keeps no charge.
 */
export function gsoHandOverOwner(skb: SkBuff, segs: SkBuff[]): void {
  if (skb.destructor === null || skb.sk === null) return;
  let sumTruesize = 0;
  for (const seg of segs) {
    seg.sk = skb.sk;
    seg.destructor = skb.destructor;
    sumTruesize += seg.truesize;
  }
  (skb.sk as WmemOwner).wmemAlloc += sumTruesize - skb.truesize;
  skb.sk = null;
  skb.destructor = null;
}

/** Linux: gso_reset_checksum(): a segment left CHECKSUM_PARTIAL points at its own L4 header. */
export function gsoResetChecksum(seg: SkBuff): void {
  seg.csumStart = seg.transportHeader;
}

/** The feature set with every segmentation bit cleared: segment everything in software. */
export function featuresNoGso(features: number): number {
  return featClear(features, NETIF_F_GSO_MASK);
}
