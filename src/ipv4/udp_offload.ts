/**
 * UDPv4 GSO (Linux: net/ipv4/udp_offload.c udp4_ufo_fragment, __udp_gso_segment):
 * SKB_GSO_UDP_L4 skbs (UDP_SEGMENT sends, or a virtio_net_hdr GSO_UDP_L4 packet from a
 * TAP being forwarded) are cut into datagrams of gsoSize payload bytes, each with its
 * own UDP length and checksum (left partial for a device that checksums, computed
 * here otherwise; a computed 0 is sent as 0xffff, RFC 768). The IPv4 headers are
 * finished by inet_gso_segment (one IP ID each).
 *
 * Differences from Linux: no UFO (SKB_GSO_UDP, IP fragments of one datagram), no
 * tunnels, no frag_list GSO, no UDP GRO.
 */
import type { SkBuff } from '../core/skbuff.js';
import { CHECKSUM_PARTIAL, SKB_GSO_UDP_L4 } from '../core/skbuff.js';
import {
  type GsoSegs, type PacketOffload, skbSegment, gsoMakeChecksum, gsoResetChecksum, gsoHandOverOwner,
} from '../core/gso.js';
import { EINVAL } from '../socket/errno.js';
import { readU32, writeU16 } from '../wire/bytes.js';
import { csumFold, csumTcpudpNofold, udpCsumMangle } from '../wire/checksum.js';
import { IPH_SADDR, IPH_DADDR, IPPROTO_UDP } from '../wire/iphdr.js';

const UDP_HLEN = 8;

/** Linux: __udp_gso_segment() (IPv4). skb.data is at the UDP header. */
export function udpGsoSegment(skb: SkBuff, features: number): GsoSegs {
  const mss = skb.gsoSize;
  if (skb.tail - skb.data <= UDP_HLEN + mss) return -EINVAL;
  // The checksum must be left for completion at the UDP header (the sender set up the pseudo-header sum).
  if (skb.ipSummed !== CHECKSUM_PARTIAL || skb.csumStart !== skb.transportHeader) return -EINVAL;
  skb.data += UDP_HLEN;
  const segs = skbSegment(skb, features);
  if (segs === null || typeof segs === 'number') return segs;
  const nhoff = skb.networkHeader - skb.macHeader;
  const thoff = skb.transportHeader - skb.macHeader;
  for (const seg of segs) {
    const b = seg.buf;
    const uh = seg.macHeader + thoff;
    const iph = seg.macHeader + nhoff;
    const ulen = seg.tail - uh;
    writeU16(b, uh + 4, ulen);
    writeU16(b, uh + 6, ~csumFold(csumTcpudpNofold(readU32(b, iph + IPH_SADDR), readU32(b, iph + IPH_DADDR), ulen,
      IPPROTO_UDP, 0)) & 0xffff);
    if (seg.ipSummed === CHECKSUM_PARTIAL) gsoResetChecksum(seg);
    else writeU16(b, uh + 6, udpCsumMangle(gsoMakeChecksum(seg)));
  }
  gsoHandOverOwner(skb, segs);
  return segs;
}

/** Linux: udp4_ufo_fragment(): only SKB_GSO_UDP_L4 here. */
function udp4UfoFragment(skb: SkBuff, features: number): GsoSegs {
  if ((skb.gsoType & SKB_GSO_UDP_L4) === 0) return -EINVAL;
  if (skb.tail - skb.data < UDP_HLEN) return -EINVAL;
  return udpGsoSegment(skb, features);
}

/** Linux: udpv4_offload (GSO only: UDP GRO is off without UDP_GRO sockets or rx-udp-gro-forwarding). */
export const udpv4Offload: PacketOffload = {
  gsoSegment: udp4UfoFragment,
};
