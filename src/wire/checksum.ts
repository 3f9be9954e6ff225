/**
 * The Internet checksum (RFC 1071; Linux: include/net/checksum.h, lib/checksum.c,
 * arch csum_partial, csum_tcpudp_magic, csum_ipv6_magic).
 *
 * A "partial" checksum (Linux __wsum) is an unfolded 32-bit one's-complement
 * accumulator; `csumFold` folds it to 16 bits and complements it (__sum16).
 * Sums run over big-endian 16-bit words straight from the buffer; an odd length
 * pads the last byte with zero (RFC 1071 §4.1). The accumulator is kept below
 * 2^32 by folding carries as it goes, so it stays a small integer in V8.
 *
 * Verification: the checksum over data that includes a correct checksum field
 * folds to 0 (`csumFold(...) === 0`).
 */

/** Linux: csum_partial(): add `len` bytes at `off` to the partial sum `sum`. */
export function csumPartial(buf: Uint8Array, off: number, len: number, sum = 0): number {
  let s = sum >>> 0;
  const end = off + len;
  let i = off;
  // 16 bytes per round keeps the intermediate below 2^32 + 8 * 0xffff.
  while (i + 16 <= end) {
    s += ((buf[i]! << 8) | buf[i + 1]!) + ((buf[i + 2]! << 8) | buf[i + 3]!) +
      ((buf[i + 4]! << 8) | buf[i + 5]!) + ((buf[i + 6]! << 8) | buf[i + 7]!) +
      ((buf[i + 8]! << 8) | buf[i + 9]!) + ((buf[i + 10]! << 8) | buf[i + 11]!) +
      ((buf[i + 12]! << 8) | buf[i + 13]!) + ((buf[i + 14]! << 8) | buf[i + 15]!);
    s = (s & 0xffff) + Math.floor(s / 65536);
    i += 16;
  }
  while (i + 2 <= end) {
    s += (buf[i]! << 8) | buf[i + 1]!;
    i += 2;
  }
  if (i < end) s += buf[i]! << 8;
  while (s > 0xffffffff) s = (s & 0xffff) + Math.floor(s / 65536);
  return s >>> 0;
}

/** Linux: csum_add(): one's-complement addition of two partial sums. */
export function csumAdd(a: number, b: number): number {
  const s = (a >>> 0) + (b >>> 0);
  return (s > 0xffffffff ? s - 0xffffffff : s) >>> 0;
}

/** Linux: csum_sub(). */
export function csumSub(a: number, b: number): number {
  return csumAdd(a, ~b >>> 0);
}

/** Linux: csum_fold(): fold a partial sum to 16 bits and complement it. */
export function csumFold(sum: number): number {
  let s = sum >>> 0;
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/** Linux: csum_unfold(): a 16-bit value as a partial sum. */
export function csumUnfold(v: number): number {
  return v & 0xffff;
}

/** Linux: ip_fast_csum(): checksum of an IPv4 header of `ihl` 32-bit words. */
export function ipFastCsum(buf: Uint8Array, off: number, ihl: number): number {
  return csumFold(csumPartial(buf, off, ihl * 4));
}

/** Linux: ip_compute_csum(): folded checksum of a whole area (ICMP, IGMP). */
export function ipComputeCsum(buf: Uint8Array, off: number, len: number): number {
  return csumFold(csumPartial(buf, off, len));
}

/**
 * Linux: csum_tcpudp_nofold(): the IPv4 pseudo-header (RFC 793 §3.1, RFC 768)
 * added to `sum`. Addresses are host-order u32.
 */
export function csumTcpudpNofold(saddr: number, daddr: number, len: number, proto: number, sum = 0): number {
  let s = (sum >>> 0) + (saddr >>> 16) + (saddr & 0xffff) + (daddr >>> 16) + (daddr & 0xffff) + proto + len;
  while (s > 0xffffffff) s = (s & 0xffff) + Math.floor(s / 65536);
  return s >>> 0;
}

/** Linux: csum_tcpudp_magic(): the folded TCP/UDP checksum over pseudo-header + `sum`. */
export function csumTcpudpMagic(saddr: number, daddr: number, len: number, proto: number, sum = 0): number {
  return csumFold(csumTcpudpNofold(saddr, daddr, len, proto, sum));
}

/**
 * Linux: csum_ipv6_magic(): the IPv6 pseudo-header (RFC 8200 §8.1: addresses,
 * upper-layer length, next header) added to `sum`, folded.
 */
export function csumIpv6Magic(saddr: Uint8Array, daddr: Uint8Array, len: number, proto: number, sum = 0,
  soff = 0, doff = 0): number {
  let s = csumPartial(saddr, soff, 16, sum);
  s = csumPartial(daddr, doff, 16, s);
  s = csumAdd(s, len >>> 16);
  s = csumAdd(s, len & 0xffff);
  s = csumAdd(s, proto);
  return csumFold(s);
}

/**
 * Checksum field value for UDP: a computed 0 is sent as 0xffff (RFC 768: 0 means
 * "no checksum"; Linux CSUM_MANGLED_0).
 */
export function udpCsumMangle(check: number): number {
  return check === 0 ? 0xffff : check;
}
