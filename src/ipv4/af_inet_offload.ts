/**
 * The IPv4 packet offload (Linux: net/ipv4/af_inet.c inet_gso_segment,
 * inet_gro_receive, inet_gro_complete, ipv4_offload_init, and inet_gro_flush of
 * include/net/gro.h). GSO: the IPv4 header of every segment gets its own tot_len,
 * an IP ID counting up from the original's (unless the skb is SKB_GSO_TCP_FIXEDID)
 * and a fresh header checksum. GRO: only plain 20-byte headers of unfragmented
 * packets with a correct checksum are considered, and a packet joins a held one only
 * with the same addresses, protocol, TTL, TOS and DF, and an IP ID that counts up by
 * one per segment (or stays fixed with DF set).
 */
import type { Kernel } from '../core/net_namespace.js';
import { type SkBuff } from '../core/skbuff.js';
import {
  type GsoSegs, type PacketOffload, devAddOffload, offloadTables, inetAddOffload,
} from '../core/gso.js';
import { type GroCb, groCb } from '../core/gro.js';
import { EINVAL, EPROTONOSUPPORT } from '../socket/errno.js';
import { readU16, readU32, writeU16 } from '../wire/bytes.js';
import { ipFastCsum } from '../wire/checksum.js';
import {
  IPH_TOT_LEN, IPH_ID, IPH_FRAG_OFF, IPH_TTL, IPH_TOS, IPH_PROTOCOL, IPH_CHECK, IPH_SADDR, IPH_DADDR, IP_DF,
  IPPROTO_TCP, IPPROTO_UDP, IPV4_HLEN,
} from '../wire/iphdr.js';
import { SKB_GSO_TCP_FIXEDID } from '../core/skbuff.js';
import { tcpv4Offload } from './tcp_offload.js';
import { udpv4Offload } from './udp_offload.js';

const ETH_P_IP = 0x0800;

/** Linux: ip_send_check() on a segment's header. */
function ipSendCheck(buf: Uint8Array, off: number): void {
  buf[off + IPH_CHECK] = 0;
  buf[off + IPH_CHECK + 1] = 0;
  writeU16(buf, off + IPH_CHECK, ipFastCsum(buf, off, buf[off]! & 0xf));
}

/**
 * Linux: inet_gso_segment(). skb.data is at the IPv4 header; the protocol offload
 * cuts the payload, then every segment's IPv4 header is finished here.
 */
export function inetGsoSegment(skb: SkBuff, features: number): GsoSegs {
  skb.networkHeader = skb.data;
  const nhoff = skb.networkHeader - skb.macHeader;
  if (skb.tail - skb.data < IPV4_HLEN) return -EINVAL;
  const buf = skb.buf;
  const nh = skb.data;
  const ihl = (buf[nh]! & 0xf) * 4;
  if (ihl < IPV4_HLEN || skb.tail - skb.data < ihl) return -EINVAL;
  let id = readU16(buf, nh + IPH_ID);
  const proto = buf[nh + IPH_PROTOCOL]!;
  skb.data += ihl;
  skb.transportHeader = skb.data;
  const fixedid = (skb.gsoType & SKB_GSO_TCP_FIXEDID) !== 0;
  const ops = offloadTables(skb.dev!.net.kernel).inet[proto];
  let segs: GsoSegs = -EPROTONOSUPPORT;
  if (ops !== undefined && ops.gsoSegment) segs = ops.gsoSegment(skb, features);
  if (segs === null) skb.networkHeader = skb.macHeader + nhoff;
  if (segs === null || typeof segs === 'number') return segs;
  for (const seg of segs) {
    const iph = seg.macHeader + nhoff;
    const b = seg.buf;
    // Segments that are GSO themselves (GSO_PARTIAL) do not exist here: one ID each.
    if (!fixedid) writeU16(b, iph + IPH_ID, id++ & 0xffff);
    writeU16(b, iph + IPH_TOT_LEN, seg.len - nhoff);
    ipSendCheck(b, iph);
    seg.networkHeader = iph;
    seg.macLen = seg.networkHeader - seg.macHeader;
  }
  return segs;
}

/**
 * Linux: inet_gro_flush(): all fields must match except length and checksum; the
 * IP ID must count up by one per merged segment, or stay fixed when DF is set
 * (decided on the second segment). Returns true to flush.
 */
function inetGroFlush(buf: Uint8Array, iph: number, buf2: Uint8Array, iph2: number, pcb: GroCb): boolean {
  const df = readU16(buf, iph + IPH_FRAG_OFF) & IP_DF;
  if ((buf[iph + IPH_TTL]! ^ buf2[iph2 + IPH_TTL]!) | (buf[iph + IPH_TOS]! ^ buf2[iph2 + IPH_TOS]!) |
    (df ^ (readU16(buf2, iph2 + IPH_FRAG_OFF) & IP_DF))) {
    return true;
  }
  const ipidOffset = (readU16(buf, iph + IPH_ID) - readU16(buf2, iph2 + IPH_ID)) & 0xffff;
  if (pcb.count === 1 && df !== 0 && ipidOffset === 0) pcb.ipFixedid = true;
  if (pcb.ipFixedid && df !== 0) return ipidOffset !== 0;
  return ipidOffset !== (pcb.count & 0xffff);
}

/** Linux: gro_receive_network_flush() for an IPv4 flow: compare with the held packet's header. */
export function inetGroNetworkFlush(skb: SkBuff, p: SkBuff): boolean {
  const cb = groCb(skb);
  const pcb = groCb(p);
  return inetGroFlush(skb.buf, skb.data + cb.networkOffset, p.buf, p.data + pcb.networkOffset, pcb);
}

/**
 * Linux: inet_gro_receive(): check the IPv4 header, mark held packets of other
 * address pairs as other flows, and pass the packet to its protocol's GRO. Returns
 * the held packet to complete now, if any.
 */
export function inetGroReceive(held: SkBuff[], skb: SkBuff): SkBuff | null {
  const cb = groCb(skb);
  const off = cb.groOffset;
  const buf = skb.buf;
  const iph = skb.data + off;
  let pp: SkBuff | null = null;
  let flush = true;
  out: {
    if (skb.tail - iph < IPV4_HLEN) break out;
    const proto = buf[iph + IPH_PROTOCOL]!;
    const ops = offloadTables(skb.dev!.net.kernel).inet[proto];
    if (ops === undefined || !ops.groReceive) break out;
    if (buf[iph] !== 0x45) break out;
    if ((readU16(buf, iph + IPH_FRAG_OFF) & 0x3fff) !== 0) break out;
    if (ipFastCsum(buf, iph, 5) !== 0) break out;
    cb.proto = proto;
    // A length other than what is left (Ethernet padding) or fragment bits other than DF: flush.
    flush = readU16(buf, iph + IPH_TOT_LEN) !== skb.tail - iph ||
      (readU16(buf, iph + IPH_FRAG_OFF) & ~IP_DF & 0xffff) !== 0;
    const saddr = readU32(buf, iph + IPH_SADDR);
    const daddr = readU32(buf, iph + IPH_DADDR);
    for (const p of held) {
      const pcb = groCb(p);
      if (!pcb.sameFlow) continue;
      const b2 = p.buf;
      const iph2 = p.data + off;
      if (b2[iph2 + IPH_PROTOCOL] !== proto || readU32(b2, iph2 + IPH_SADDR) !== saddr ||
        readU32(b2, iph2 + IPH_DADDR) !== daddr) {
        pcb.sameFlow = false;
      }
    }
    if (flush) cb.flush = true;
    cb.networkOffset = off;
    cb.groOffset += IPV4_HLEN;
    skb.transportHeader = skb.data + cb.groOffset;
    pp = ops.groReceive(held, skb);
  }
  if (flush) cb.flush = true;
  return pp;
}

/** Linux: inet_gro_complete(): the merged packet's tot_len (checksum patched), then the protocol's completion. */
export function inetGroComplete(skb: SkBuff, nhoff: number): number {
  const buf = skb.buf;
  const iph = skb.data + nhoff;
  const totlen = skb.len - nhoff;
  writeU16(buf, iph + IPH_TOT_LEN, totlen <= 0xffff ? totlen : 0);
  ipSendCheck(buf, iph);
  const ops = offloadTables(skb.dev!.net.kernel).inet[buf[iph + IPH_PROTOCOL]!];
  if (ops === undefined || !ops.groComplete) return -EINVAL;
  return ops.groComplete(skb, nhoff + IPV4_HLEN);
}

const ipPacketOffload: PacketOffload = {
  gsoSegment: inetGsoSegment,
  groReceive: inetGroReceive,
  groComplete: inetGroComplete,
};

/** Linux: ipv4_offload_init() (fs_initcall): TCP and UDP offloads, then the IPv4 packet offload. */
export function ipv4OffloadInit(k: Kernel): void {
  inetAddOffload(k, IPPROTO_UDP, udpv4Offload);
  inetAddOffload(k, IPPROTO_TCP, tcpv4Offload);
  devAddOffload(k, ETH_P_IP, ipPacketOffload);
}
