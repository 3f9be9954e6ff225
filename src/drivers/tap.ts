/**
 * The TAP link kind: a tuxnet Ethernet device whose wire is a Linux TAP interface
 * (the fd side of drivers/net/tun.c, as QEMU's tap backend or a virtio-net device
 * sees it). The fd I/O lives in src/platform/node/tap.ts; this file is the wire
 * format only, so it stays free of Node APIs and is testable with a fake port.
 *
 * Without IFF_VNET_HDR a read or write is one bare Ethernet frame (link.ts's default
 * handling). With IFF_VNET_HDR every frame is preceded by a `struct virtio_net_hdr`
 * (include/uapi/linux/virtio_net.h, little-endian on x86, 10 bytes, 12 after
 * TUNSETVNETHDRSZ):
 *
 *    0      1          2         4          6            8             10
 *   +------+----------+---------+----------+------------+-------------+(num_buffers)
 *   |flags |gso_type  |hdr_len  |gso_size  |csum_start  |csum_offset  |
 *   +------+----------+---------+----------+------------+-------------+
 *
 * Receive (frames the Linux kernel sends us; Linux: tun_put_user writes the header
 * with virtio_net_hdr_from_skb, and a virtio-net driver turns it back into skb
 * state with virtio_net_hdr_to_skb): NEEDS_CSUM -> CHECKSUM_PARTIAL with
 * csum_start/csum_offset, DATA_VALID -> CHECKSUM_UNNECESSARY, GSO_TCPV4/TCPV6/UDP
 * -> gsoSize/gsoType (| SKB_GSO_DODGY: the header came from outside and is checked
 * again before segmentation). A header that virtio_net_hdr_to_skb would refuse is
 * dropped and counted in rx_frame_errors (tun_get_user's counter for the same case).
 *
 * Transmit (tun_get_user parses what we write): the header says NEEDS_CSUM for a
 * CHECKSUM_PARTIAL skb (the Linux side finishes or offloads the checksum) and
 * GSO_TCPV4/TCPV6 with gso_size for a GSO skb (the Linux side segments it or takes it
 * whole), as virtio_net_hdr_from_skb.
 */
import {
  type NetDevice, ETH_HLEN, VLAN_HLEN, NETIF_F_HW_CSUM, NETIF_F_SG, NETIF_F_TSO, NETIF_F_TSO_ECN, NETIF_F_TSO6,
} from '../core/netdevice.js';
import {
  type SkBuff, CHECKSUM_PARTIAL, CHECKSUM_UNNECESSARY, CHECKSUM_NONE, SKB_GSO_TCPV4, SKB_GSO_TCPV6, SKB_GSO_DODGY,
  SKB_GSO_TCP_ECN, skbFromBytes, NET_SKB_PAD,
} from '../core/skbuff.js';
import { skbChecksumHelp } from '../core/dev.js';
import { ETH_P_IP, ETH_P_IPV6, ETH_P_8021Q, ETH_P_8021AD } from '../wire/ethhdr.js';
import { IPPROTO_TCP } from '../wire/iphdr.js';
import { type LinkKindOps, NET_IP_ALIGN, linkFrameToSkb, linkPriv, linkMaxFrame, linkRxLengthError } from './link.js';

/* include/uapi/linux/virtio_net.h */
export const VIRTIO_NET_HDR_F_NEEDS_CSUM = 1;
export const VIRTIO_NET_HDR_F_DATA_VALID = 2;
export const VIRTIO_NET_HDR_F_RSC_INFO = 4;
export const VIRTIO_NET_HDR_GSO_NONE = 0;
export const VIRTIO_NET_HDR_GSO_TCPV4 = 1;
export const VIRTIO_NET_HDR_GSO_UDP = 3;
export const VIRTIO_NET_HDR_GSO_TCPV6 = 4;
export const VIRTIO_NET_HDR_GSO_UDP_L4 = 5;
export const VIRTIO_NET_HDR_GSO_ECN = 0x80;
/** sizeof(struct virtio_net_hdr): the default vnet header size of a TAP. */
export const VIRTIO_NET_HDR_LEN = 10;
/** sizeof(struct virtio_net_hdr_mrg_rxbuf) (TUNSETVNETHDRSZ 12). */
export const VIRTIO_NET_HDR_MRG_RXBUF_LEN = 12;

/* include/uapi/linux/if_tun.h */
export const IFF_TUN = 0x0001;
export const IFF_TAP = 0x0002;
export const IFF_NAPI = 0x0010;
export const IFF_MULTI_QUEUE = 0x0100;
export const IFF_NO_PI = 0x1000;
export const IFF_VNET_HDR = 0x4000;
export const IFF_TUN_EXCL = 0x8000;
export const TUN_F_CSUM = 0x01;
export const TUN_F_TSO4 = 0x02;
export const TUN_F_TSO6 = 0x04;
export const TUN_F_TSO_ECN = 0x08;
export const TUN_F_UFO = 0x10;
export const TUN_F_USO4 = 0x20;
export const TUN_F_USO6 = 0x40;

/** The offloads tuxnet accepts from the Linux side (TUNSETOFFLOAD): partial checksums and TCP GSO. */
export const TAP_OFFLOADS = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN;

/**
 * Device features with vnet headers: the Linux side finishes checksums (HW_CSUM) and
 * segments TCP (TSO/TSO6/TSO_ECN), as a virtio-net NIC offers with those features
 * negotiated. Without vnet headers a TAP has link.ts's defaults (SG, HIGHDMA, GRO).
 */
export const TAP_VNET_FEATURES = NETIF_F_HW_CSUM + NETIF_F_SG + NETIF_F_TSO + NETIF_F_TSO_ECN + NETIF_F_TSO6;

/** The largest frame a TAP can carry (the Linux side's 64 KiB GSO packets plus link headers). */
export const TAP_MAX_GSO_FRAME = 0xffff + ETH_HLEN + VLAN_HLEN;

const TCPHDR_LEN = 20;
/** offsetof(struct tcphdr, check). */
const TCP_CSUM_OFFSET = 16;

/** TAP without vnet headers: frames are bare Ethernet (link.ts's default encap/decap). */
export const tapOps: LinkKindOps = { driver: 'tun' };

/** TAP with IFF_VNET_HDR: a virtio_net_hdr before every frame. */
export const tapVnetOps: LinkKindOps = { driver: 'tun', encap: tapVnetEncap, decap: tapVnetDecap };

function le16(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8);
}

function be16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

/** A header virtio_net_hdr_to_skb refuses (tun_get_user: rx_frame_errors, -EINVAL). */
function badVnetHdr(dev: NetDevice): null {
  dev.stats.rxFrameErrors++;
  return null;
}

/**
 * The L3 protocol and the offset of the network header in an Ethernet frame, past
 * up to two VLAN tags (Linux: dev_parse_header_protocol + __vlan_get_protocol).
 * Returns [ethertype, offset] packed as ethertype * 0x10000 + offset, or -1.
 */
function frameL3(f: Uint8Array, off: number, len: number): number {
  let p = off + 12;
  if (p + 2 > off + len) return -1;
  let type = be16(f, p);
  for (let i = 0; i < 2 && (type === ETH_P_8021Q || type === ETH_P_8021AD); i++) {
    p += VLAN_HLEN;
    if (p + 2 > off + len) return -1;
    type = be16(f, p);
  }
  return type * 0x10000 + (p + 2 - off);
}

/**
 * For a GSO frame without NEEDS_CSUM (Linux probes with the flow dissector): the
 * offset of the transport header, after checking the IP header carries `ipProto`.
 * -1 when the frame is not the IPv4/IPv6 packet the gso_type claims.
 */
function gsoTransportOffset(f: Uint8Array, off: number, len: number, gsoKind: number, ipProto: number): number {
  const l3 = frameL3(f, off, len);
  if (l3 < 0) return -1;
  const type = Math.floor(l3 / 0x10000);
  const nh = l3 & 0xffff;
  if (type === ETH_P_IP && gsoKind !== VIRTIO_NET_HDR_GSO_TCPV6) {
    if (nh + 20 > len) return -1;
    const vihl = f[off + nh]!;
    const ihl = (vihl & 0x0f) * 4;
    if (vihl >> 4 !== 4 || ihl < 20 || nh + ihl > len) return -1;
    if (f[off + nh + 9] !== ipProto) return -1;
    return nh + ihl;
  }
  if (type === ETH_P_IPV6 && gsoKind !== VIRTIO_NET_HDR_GSO_TCPV4) {
    // No extension headers: the flow dissector would walk them; a TSO6 packet from the
    // Linux stack has none in practice.
    if (nh + 40 > len || f[off + nh]! >> 4 !== 6 || f[off + nh + 6] !== ipProto) return -1;
    return nh + 40;
  }
  return -1;
}

/**
 * Linux: a virtio-net receive: virtio_net_hdr_to_skb() on the header, then the frame
 * into an skb. Returns null after counting when the bytes cannot be a frame: shorter
 * than the vnet header plus an Ethernet header (rx_length_errors), a header Linux
 * refuses (rx_frame_errors: unknown gso_type, gso_size 0, csum_start/csum_offset or
 * the transport header past the end, a GSO type that does not match the packet), or
 * longer than the MTU without GSO (rx_length_errors, link.ts's check).
 */
export function tapVnetDecap(dev: NetDevice, frame: Uint8Array): SkBuff | null {
  const hlen = linkPriv(dev).vnetHdrLen;
  const len = frame.length - hlen;
  if (len < ETH_HLEN) return linkRxLengthError(dev);
  const flags = frame[0]!;
  const gsoRaw = frame[1]!;
  let gsoType = 0;
  let thlen = 0;
  let ipProto = 0;
  const gsoKind = gsoRaw & ~VIRTIO_NET_HDR_GSO_ECN;
  let gsoSize = 0;
  if (gsoRaw !== VIRTIO_NET_HDR_GSO_NONE) {
    if (gsoKind === VIRTIO_NET_HDR_GSO_TCPV4) {
      gsoType = SKB_GSO_TCPV4;
      ipProto = IPPROTO_TCP;
      thlen = TCPHDR_LEN;
    } else if (gsoKind === VIRTIO_NET_HDR_GSO_TCPV6) {
      gsoType = SKB_GSO_TCPV6;
      ipProto = IPPROTO_TCP;
      thlen = TCPHDR_LEN;
    } else {
      // VIRTIO_NET_HDR_GSO_UDP (UFO) and UDP_L4 are not offered in TUNSETOFFLOAD
      // (TAP_OFFLOADS), so a well-behaved kernel never sends them.
      return badVnetHdr(dev);
    }
    if (gsoRaw & VIRTIO_NET_HDR_GSO_ECN) gsoType |= SKB_GSO_TCP_ECN;
    gsoSize = le16(frame, 4);
    if (gsoSize === 0) return badVnetHdr(dev);
  }
  const hdrLen = le16(frame, 2);
  // tun_get_user: a hdr_len hint longer than the packet, or shorter than an Ethernet
  // header on a TAP, is -EINVAL.
  if (hdrLen > len || (hdrLen !== 0 && hdrLen < ETH_HLEN)) return badVnetHdr(dev);
  // Without GSO a frame is held to the MTU like any NIC's (link.ts: rx_length_errors);
  // a GSO frame may be up to 64 KiB of payload.
  if (gsoType === 0 && (flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) === 0) {
    const skb = linkFrameToSkb(dev, frame.subarray(hlen));
    if (skb !== null && flags & VIRTIO_NET_HDR_F_DATA_VALID) skb.ipSummed = CHECKSUM_UNNECESSARY;
    return skb;
  }
  let csumStart = 0;
  let csumOffset = 0;
  let pOff = 0;
  if (flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
    csumStart = le16(frame, 6);
    csumOffset = le16(frame, 8);
    // virtio_net_hdr_to_skb: a TCP GSO packet's checksum is the TCP header's check field
    // (csum_offset == offsetof(struct tcphdr, check)), or -EINVAL: GSO would write the
    // checksum of every segment there.
    if (ipProto === IPPROTO_TCP && gsoType !== 0 && csumOffset !== TCP_CSUM_OFFSET) return badVnetHdr(dev);
    // pskb_may_pull(start + max(thlen, off + 2)) and skb_partial_csum_set's bounds.
    const needed = csumStart + Math.max(thlen, csumOffset + 2);
    if (needed > len || csumStart < ETH_HLEN) return badVnetHdr(dev);
    pOff = csumStart + thlen;
    if (gsoType !== 0) {
      // The packet must be what the gso_type says, with the transport header where
      // csum_start puts it (Linux leaves that to the GSO layer's DODGY checks).
      if (gsoTransportOffset(frame, hlen, len, gsoKind, ipProto) !== csumStart) return badVnetHdr(dev);
    }
  } else if (gsoType !== 0) {
    const th = gsoTransportOffset(frame, hlen, len, gsoKind, ipProto);
    if (th < 0) return badVnetHdr(dev);
    pOff = th + thlen;
    if (pOff > len) return badVnetHdr(dev);
    csumStart = th;
  }
  // The header is sound; now the size (a GSO frame may carry up to 64 KiB of IP).
  if (len > (gsoType ? TAP_MAX_GSO_FRAME : linkMaxFrame(dev))) return linkRxLengthError(dev);
  const skb = skbFromBytes(dev, frame.subarray(hlen), NET_SKB_PAD + NET_IP_ALIGN);
  if (flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
    // skb_partial_csum_set(): CHECKSUM_PARTIAL, transport header at csum_start.
    skb.ipSummed = CHECKSUM_PARTIAL;
    skb.csumStart = skb.data + csumStart;
    skb.csumOffset = csumOffset;
    skb.transportHeader = skb.data + csumStart;
    if (gsoType === 0 && !partialIsTcp(frame, hlen, len, csumStart)) {
      // tuxnet's UDP and ICMP receive paths verify unless CHECKSUM_UNNECESSARY (Linux's
      // skb_csum_unnecessary also accepts CHECKSUM_PARTIAL): finish the checksum here
      // so the packet is correct wherever it goes, and skip the re-verification.
      skbChecksumHelp(skb);
      skb.ipSummed = CHECKSUM_UNNECESSARY;
    }
  } else if (flags & VIRTIO_NET_HDR_F_DATA_VALID) {
    skb.ipSummed = CHECKSUM_UNNECESSARY;
  } else {
    skb.ipSummed = CHECKSUM_NONE;
    if (gsoType !== 0) skb.transportHeader = skb.data + csumStart;
  }
  // "Too small packets are not really GSO ones."
  if (gsoType !== 0 && len - pOff > gsoSize) {
    skb.gsoSize = gsoSize;
    skb.gsoType = gsoType | SKB_GSO_DODGY;
    skb.gsoSegs = 0;
  }
  return skb;
}

/** Whether the partial checksum is a TCP one (IPv4/IPv6 with protocol TCP, transport at csumStart). */
function partialIsTcp(f: Uint8Array, off: number, len: number, csumStart: number): boolean {
  return gsoTransportOffset(f, off, len, VIRTIO_NET_HDR_GSO_NONE, IPPROTO_TCP) === csumStart;
}

/**
 * Linux: virtio_net_hdr_from_skb() + the frame: the bytes for one write(2). The header
 * goes into the skb's headroom when there is room (no copy: headroom below skb.data is
 * not part of any clone's data, and the bytes are written out before this returns),
 * else into a copy. Returns null (counted as tx_dropped by link.ts) for a GSO type
 * the virtio header cannot carry.
 */
export function tapVnetEncap(dev: NetDevice, skb: SkBuff): Uint8Array | null {
  const hlen = linkPriv(dev).vnetHdrLen;
  const len = skb.tail - skb.data;
  let flags = 0;
  let gso = VIRTIO_NET_HDR_GSO_NONE;
  let hdrLen = 0;
  let gsoSize = 0;
  let csumStart = 0;
  let csumOffset = 0;
  if (skb.gsoSize !== 0) {
    if (skb.gsoType & SKB_GSO_TCPV4) gso = VIRTIO_NET_HDR_GSO_TCPV4;
    else if (skb.gsoType & SKB_GSO_TCPV6) gso = VIRTIO_NET_HDR_GSO_TCPV6;
    else return null;
    if (skb.gsoType & SKB_GSO_TCP_ECN) gso |= VIRTIO_NET_HDR_GSO_ECN;
    gsoSize = skb.gsoSize;
    // hdr_len: "a hint as to how much should be linear": Linux puts skb_headlen();
    // our skbs are all linear, so the real header length is the useful hint (QEMU's).
    const th = skb.transportHeader;
    hdrLen = th > skb.data && th + 13 <= skb.tail ? th - skb.data + ((skb.buf[th + 12]! >> 4) * 4) : len;
    if (hdrLen > len) hdrLen = len;
  }
  if (skb.ipSummed === CHECKSUM_PARTIAL) {
    flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
    csumStart = skb.csumStart - skb.data;
    csumOffset = skb.csumOffset;
  }
  let out: Uint8Array;
  let b: Uint8Array;
  let o: number;
  if (skb.data - skb.head >= hlen) {
    b = skb.buf;
    o = skb.data - hlen;
    out = b.subarray(o, skb.tail);
  } else {
    out = b = new Uint8Array(hlen + len);
    out.set(skb.buf.subarray(skb.data, skb.tail), hlen);
    o = 0;
  }
  b[o] = flags;
  b[o + 1] = gso;
  b[o + 2] = hdrLen & 0xff;
  b[o + 3] = hdrLen >> 8;
  b[o + 4] = gsoSize & 0xff;
  b[o + 5] = gsoSize >> 8;
  b[o + 6] = csumStart & 0xff;
  b[o + 7] = csumStart >> 8;
  b[o + 8] = csumOffset & 0xff;
  b[o + 9] = csumOffset >> 8;
  for (let i = 10; i < hlen; i++) b[o + i] = 0;
  return out;
}
