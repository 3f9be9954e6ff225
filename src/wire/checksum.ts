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

/**
 * Linux: csum_partial(): add `len` bytes at `off` to the partial sum `sum`.
 *
 * The result is a partial sum like Linux's: only its folded value (and its
 * one's-complement arithmetic) is defined, not the 32-bit pattern. Long areas of
 * off-heap buffers (skb data) are read 32 bits at a time; short ones byte by byte,
 * even and odd bytes summed apart so that no shift is needed per byte.
 */
export function csumPartial(buf: Uint8Array, off: number, len: number, sum = 0): number {
  // Typed arrays of at most 64 bytes may keep their data on V8's heap, where reading
  // `.buffer` would move it: those always take the byte loop.
  const s = len >= CSUM_WORDS_MIN && LITTLE_ENDIAN && buf.length > 64 ? csumWords(buf, off, len) : csumBytes(buf, off, len);
  const t = s + (sum >>> 0);
  return (t > 0xffffffff ? (t & 0xffff) + Math.floor(t / 65536) : t) >>> 0;
}

/** Areas from this many bytes are summed in 32-bit words (when the array's data is off V8's heap). */
const CSUM_WORDS_MIN = 256;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Fold a non-negative sum below 2^31 to 16 bits without turning a non-zero sum into 0. */
function fold16(s: number): number {
  s = (s & 0xffff) + (s >>> 16);
  return (s & 0xffff) + (s >>> 16);
}

/** The big-endian 16-bit one's-complement sum of `len` bytes, folded to 16 bits (0 only for all-zero data). */
function csumBytes(buf: Uint8Array, off: number, len: number): number {
  if (len > 65536) {
    // Keep the byte sums below 2^31: 64 KiB at a time.
    let s = 0;
    for (let i = 0; i < len; i += 65536) {
      const c = csumBytes(buf, off + i, len - i > 65536 ? 65536 : len - i);
      // A chunk starts an even number of bytes in: its sum adds as it is.
      s = fold16(s + c);
    }
    return s;
  }
  let hi = 0;
  let lo = 0;
  let i = off;
  const end = off + len;
  for (; i + 8 <= end; i += 8) {
    hi += buf[i]! + buf[i + 2]! + buf[i + 4]! + buf[i + 6]!;
    lo += buf[i + 1]! + buf[i + 3]! + buf[i + 5]! + buf[i + 7]!;
  }
  for (; i + 2 <= end; i += 2) {
    hi += buf[i]!;
    lo += buf[i + 1]!;
  }
  if (i < end) hi += buf[i]!;
  return fold16(fold16(hi) * 256 + lo);
}

/**
 * The 32-bit view of the ArrayBuffer of the last array summed in words, and that
 * array's offset in it. One packet is summed several times (IP header on output
 * and input, UDP on output and input) and packets share 64 KiB slabs
 * (skbDataAlloc), so the slow `.buffer`/`.byteOffset` getters run about once per
 * packet and a new view about once per slab. A cache only (rebuilt for any other
 * array), like the slab cache: no kernel state.
 */
class CsumWordView {
  array: Uint8Array | null = null;
  buffer: ArrayBufferLike | null = null;
  base = 0;
  words: Int32Array<ArrayBufferLike> = new Int32Array(0);
}
const csumWordView = new CsumWordView();

/**
 * csumBytes() of an off-heap area, reading the aligned middle as little-endian
 * 32-bit words: their 16-bit halves sum to the byte-swapped big-endian sum when
 * the aligned part starts an even number of bytes into the area (a swap is a
 * multiplication by 256 modulo 0xffff), to the plain one when odd.
 */
function csumWords(buf: Uint8Array, off: number, len: number): number {
  const v = csumWordView;
  if (v.array !== buf) {
    const ab = buf.buffer;
    v.array = buf;
    v.base = buf.byteOffset;
    if (v.buffer !== ab) {
      v.buffer = ab;
      v.words = new Int32Array(ab, 0, ab.byteLength >>> 2);
    }
  }
  const w = v.words;
  const start = v.base + off;
  const end = start + len;
  // Bytes before the first word boundary and after the last one.
  const head = (4 - (start & 3)) & 3;
  let j = (start + head) >>> 2;
  const jend = end >>> 2;
  let s = 0;
  for (; j + 4 <= jend; j += 4) {
    const a = w[j]!;
    const b = w[j + 1]!;
    const c = w[j + 2]!;
    const d = w[j + 3]!;
    s += (a & 0xffff) + (a >>> 16) + (b & 0xffff) + (b >>> 16) + (c & 0xffff) + (c >>> 16) + (d & 0xffff) + (d >>> 16);
    s = (s & 0xffff) + (s >>> 16);
  }
  for (; j < jend; j++) {
    const a = w[j]!;
    s += (a & 0xffff) + (a >>> 16);
  }
  s = fold16(s);
  if ((head & 1) === 0) s = ((s & 0xff) << 8) | (s >>> 8);
  const tail = end - (jend << 2);
  let h = 0;
  let l = 0;
  for (let k = 0; k < head; k++) {
    if (k & 1) l += buf[off + k]!;
    else h += buf[off + k]!;
  }
  for (let k = len - tail; k < len; k++) {
    if (k & 1) l += buf[off + k]!;
    else h += buf[off + k]!;
  }
  return fold16(s + h * 256 + l);
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
