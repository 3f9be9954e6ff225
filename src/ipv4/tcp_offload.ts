/**
 * TCPv4 GSO and GRO (Linux: net/ipv4/tcp_offload.c tcp4_gso_segment, tcp_gso_segment,
 * tcp4_gro_receive, tcp_gro_receive, tcp4_gro_complete, tcp_gro_complete).
 *
 * GSO: every segment gets the original TCP header with its own sequence number
 * (seq + i * gsoSize); FIN and PSH stay only on the last segment and CWR only on
 * the first (RFC 3168 §6.1.2: CWR is set on the first new segment only); the
 * checksum is left to the device (CHECKSUM_PARTIAL, pseudo-header sum of the
 * segment's length in the field) or computed here. Segments take over the socket's
 * send-buffer charge (TCP Small Queues see each segment's completion).
 *
 * GRO: a segment joins the held packet of its flow when it continues it exactly:
 * same ports, ACK number, flags other than CWR/FIN/PSH, window, options, and a
 * sequence number that starts where the held payload ends, with a payload no
 * larger than the first segment's. A short segment or PSH/URG/RST/SYN/FIN ends the
 * packet.
 */
import type { SkBuff } from '../core/skbuff.js';
import { CHECKSUM_NONE, CHECKSUM_COMPLETE, CHECKSUM_PARTIAL, CHECKSUM_UNNECESSARY, SKB_GSO_TCPV4, SKB_GSO_TCP_ECN, SKB_GSO_TCP_FIXEDID } from '../core/skbuff.js';
import {
  type GsoSegs, type PacketOffload, skbSegment, skbGsoOk, gsoMakeChecksum, gsoResetChecksum, gsoHandOverOwner,
} from '../core/gso.js';
import { NETIF_F_GSO_ROBUST, featOr } from '../core/netdevice.js';
import { type GroCb, groCb, skbGroLen, skbGroReceive } from '../core/gro.js';
import { EINVAL } from '../socket/errno.js';
import { readU32, writeU16, writeU32 } from '../wire/bytes.js';
import { csumFold, csumPartial, csumTcpudpMagic, csumTcpudpNofold } from '../wire/checksum.js';
import { IPH_SADDR, IPH_DADDR, IPPROTO_TCP } from '../wire/iphdr.js';
import { TCPHDR_FIN, TCPHDR_PSH, TCPHDR_CWR } from '../wire/tcphdr.js';
import { inetGroNetworkFlush } from './af_inet_offload.js';

/** The pseudo-header sum of a `len`-byte TCP segment, folded, not complemented (what a CHECKSUM_PARTIAL header carries). */
function tcpPseudoCheck(buf: Uint8Array, iph: number, len: number): number {
  return ~csumFold(csumTcpudpNofold(readU32(buf, iph + IPH_SADDR), readU32(buf, iph + IPH_DADDR), len, IPPROTO_TCP, 0)) & 0xffff;
}

/**
 * Linux: tcp4_gso_segment(). skb.data is at the TCP header; the IPv4 header is at
 * skb.networkHeader. An skb whose checksum is not CHECKSUM_PARTIAL gets the
 * pseudo-header sum set up first (__tcp_v4_send_check).
 */
function tcp4GsoSegment(skb: SkBuff, features: number): GsoSegs {
  if ((skb.gsoType & SKB_GSO_TCPV4) === 0) return -EINVAL;
  if (skb.tail - skb.data < 20) return -EINVAL;
  if (skb.ipSummed !== CHECKSUM_PARTIAL) {
    const th = skb.transportHeader;
    skb.ipSummed = CHECKSUM_PARTIAL;
    skb.csumStart = th;
    skb.csumOffset = 16;
    writeU16(skb.buf, th + 16, tcpPseudoCheck(skb.buf, skb.networkHeader, skb.tail - th));
  }
  return tcpGsoSegment(skb, features);
}

/** Linux: tcp_gso_segment(). */
export function tcpGsoSegment(skb: SkBuff, features: number): GsoSegs {
  const buf = skb.buf;
  const th = skb.transportHeader;
  const thlen = (buf[th + 12]! >> 4) * 4;
  if (thlen < 20) return -EINVAL;
  if (skb.csumStart !== th) return -EINVAL;
  if (skb.tail - skb.data < thlen) return -EINVAL;
  skb.data += thlen;
  const mss = skb.gsoSize;
  const len = skb.tail - skb.data;
  if (len <= mss) return -EINVAL;
  if (skbGsoOk(skb, featOr(features, NETIF_F_GSO_ROBUST))) {
    // Packet is from an untrusted source (DODGY) and the device segments: only reset gso_segs.
    skb.gsoSegs = Math.ceil(len / mss);
    return null;
  }
  const segs = skbSegment(skb, features);
  if (segs === null || typeof segs === 'number') return segs;
  const nhoff = skb.networkHeader - skb.macHeader;
  const thoff = th - skb.macHeader;
  let seq = readU32(buf, th + 4);
  const last = segs.length - 1;
  for (let i = 0; i <= last; i++) {
    const seg = segs[i]!;
    const b = seg.buf;
    const sth = seg.macHeader + thoff;
    writeU32(b, sth + 4, seq);
    seq = (seq + mss) >>> 0;
    let flags = b[sth + 13]!;
    if (i !== last) flags &= ~(TCPHDR_FIN | TCPHDR_PSH);
    // Linux: th->cwr &= ecn_cwr_mask (kept on every segment only for AccECN, not modelled).
    if (i !== 0) flags &= ~TCPHDR_CWR;
    b[sth + 13] = flags;
    const l4len = seg.tail - sth;
    writeU16(b, sth + 16, tcpPseudoCheck(b, seg.macHeader + nhoff, l4len));
    if (seg.ipSummed === CHECKSUM_PARTIAL) gsoResetChecksum(seg);
    else writeU16(b, sth + 16, gsoMakeChecksum(seg));
  }
  // TCP Small Queues see the send-buffer charge leave with each segment.
  gsoHandOverOwner(skb, segs);
  return segs;
}

/** The 32-bit word of a TCP header holding doff, flags and window (Linux tcp_flag_word()). */
function tcpFlagWord(buf: Uint8Array, th: number): number {
  return readU32(buf, th + 12);
}
const TCP_FLAG_CWR = 0x00800000;
const TCP_FLAG_FIN = 0x00010000;
const TCP_FLAG_PSH = 0x00080000;
const TCP_FLAG_URG = 0x00200000;
const TCP_FLAG_RST = 0x00040000;
const TCP_FLAG_SYN = 0x00020000;

/** Linux: tcp_gro_lookup(): the held packet of the same flow (addresses checked by IP, ports here). */
function tcpGroLookup(held: SkBuff[], skb: SkBuff, th: number): SkBuff | null {
  const ports = readU32(skb.buf, th);
  for (const p of held) {
    const pcb = groCb(p);
    if (!pcb.sameFlow) continue;
    if (readU32(p.buf, p.transportHeader) !== ports) {
      pcb.sameFlow = false;
      continue;
    }
    return p;
  }
  return null;
}

/**
 * Linux: skb_gro_checksum_validate() for TCP: a segment whose checksum nobody checked
 * yet is checked now (a bad one is not merged; TCP drops and counts it); a good one is
 * CHECKSUM_UNNECESSARY from here on.
 */
function tcp4GroChecksumOk(skb: SkBuff, cb: GroCb): boolean {
  if (skb.ipSummed === CHECKSUM_UNNECESSARY || skb.ipSummed === CHECKSUM_PARTIAL) return true;
  if (skb.ipSummed !== CHECKSUM_NONE && skb.ipSummed !== CHECKSUM_COMPLETE) return false;
  const b = skb.buf;
  const iph = skb.data + cb.networkOffset;
  const th = skb.data + cb.groOffset;
  const len = skb.tail - th;
  if (csumTcpudpMagic(readU32(b, iph + IPH_SADDR), readU32(b, iph + IPH_DADDR), len, IPPROTO_TCP,
    csumPartial(b, th, len)) !== 0) {
    return false;
  }
  skb.ipSummed = CHECKSUM_UNNECESSARY;
  return true;
}

/** Linux: tcp4_gro_receive() + tcp_gro_pull_header() + tcp_gro_receive(). */
function tcp4GroReceive(held: SkBuff[], skb: SkBuff): SkBuff | null {
  const cb = groCb(skb);
  // Don't bother verifying checksum if we're going to flush anyway.
  if (!cb.flush && !tcp4GroChecksumOk(skb, cb)) {
    cb.flush = true;
    return null;
  }
  const b = skb.buf;
  const th = skb.data + cb.groOffset;
  if (skb.tail - th < 20) {
    cb.flush = true;
    return null;
  }
  const thlen = (b[th + 12]! >> 4) * 4;
  if (thlen < 20 || skb.tail - th < thlen) {
    cb.flush = true;
    return null;
  }
  cb.groOffset += thlen;
  const len = skbGroLen(skb);
  const flags = tcpFlagWord(b, th);
  let mss = 1;
  let flush = true;
  const p = tcpGroLookup(held, skb, th);
  if (p !== null) {
    const b2 = p.buf;
    const th2 = p.transportHeader;
    flush = (flags & TCP_FLAG_CWR) !== 0;
    flush ||= ((flags ^ tcpFlagWord(b2, th2)) & ~(TCP_FLAG_CWR | TCP_FLAG_FIN | TCP_FLAG_PSH)) !== 0;
    flush ||= readU32(b, th + 8) !== readU32(b2, th2 + 8);
    for (let i = 20; i < thlen && !flush; i += 4) flush = readU32(b, th + i) !== readU32(b2, th2 + i);
    flush ||= inetGroNetworkFlush(skb, p);
    mss = p.gsoSize;
    // A single frame larger than the first segment's payload is not merged.
    flush ||= ((len - 1) >>> 0) >= mss;
    flush ||= ((readU32(b2, th2 + 4) + skbGroLen(p)) >>> 0) !== readU32(b, th + 4);
    if (flush || skbGroReceive(p, skb) !== 0) {
      mss = 1;
    } else {
      b2[th2 + 13] |= b[th + 13]! & (TCPHDR_FIN | TCPHDR_PSH);
    }
  }
  // Force a flush if the last segment is smaller than mss.
  flush = len < mss || (flags & (TCP_FLAG_URG | TCP_FLAG_PSH | TCP_FLAG_RST | TCP_FLAG_SYN | TCP_FLAG_FIN)) !== 0;
  let pp: SkBuff | null = null;
  if (p !== null && (!cb.sameFlow || flush)) pp = p;
  if (flush) cb.flush = true;
  return pp;
}

/**
 * Linux: tcp4_gro_complete() + tcp_gro_complete(): the merged packet leaves GRO as a
 * GSO skb with its checksum partial (pseudo-header sum of the whole length in the field).
 */
function tcp4GroComplete(skb: SkBuff, thoff: number): number {
  const b = skb.buf;
  const iph = skb.data + groCb(skb).networkOffset;
  const th = skb.data + thoff;
  skb.transportHeader = th;
  writeU16(b, th + 16, tcpPseudoCheck(b, iph, skb.tail - th));
  skb.csumStart = th;
  skb.csumOffset = 16;
  skb.ipSummed = CHECKSUM_PARTIAL;
  const cb = groCb(skb);
  skb.gsoSegs = cb.count;
  skb.gsoType |= SKB_GSO_TCPV4 | (cb.ipFixedid ? SKB_GSO_TCP_FIXEDID : 0);
  if ((b[th + 13]! & TCPHDR_CWR) !== 0) skb.gsoType |= SKB_GSO_TCP_ECN;
  return 0;
}

/** Linux: net_hotdata.tcpv4_offload. */
export const tcpv4Offload: PacketOffload = {
  gsoSegment: tcp4GsoSegment,
  groReceive: tcp4GroReceive,
  groComplete: tcp4GroComplete,
};

