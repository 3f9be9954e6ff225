/**
 * The IPv6 header (Linux: include/uapi/linux/ipv6.h struct ipv6hdr; RFC 8200 §3),
 * extension header walking (Linux: net/ipv6/exthdrs_core.c ipv6_skip_exthdr()),
 * and address text forms (RFC 5952, as glibc inet_ntop/inet_pton print and read them).
 *
 * ```
 *   +-------+---------------+---------------------------------------+
 *   |version| traffic class |              flow label               |  0
 *   +-------+---------------+-------+---------------+---------------+
 *   |         payload_len           |    nexthdr    |   hop_limit   |  4
 *   +-------------------------------+---------------+---------------+
 *   |                     saddr (16 bytes)                          |  8
 *   |                     daddr (16 bytes)                          | 24
 * ```
 * Addresses are 16-byte arrays; the view returns subarrays (no copy).
 */
import { HeaderView, readU16, writeU16 } from './bytes.js';

export const IPV6_HLEN = 40;
export const IPV6_MIN_MTU = 1280;
export const IPV6_FIELD_PAYLOAD_LEN = 4;
export const IPV6_FIELD_NEXTHDR = 6;
export const IPV6_FIELD_HOP_LIMIT = 7;
export const IPV6_FIELD_SADDR = 8;
export const IPV6_FIELD_DADDR = 24;

/* Next-header values that are extension headers (include/net/ipv6.h NEXTHDR_*). */
export const NEXTHDR_HOP = 0;
export const NEXTHDR_TCP = 6;
export const NEXTHDR_UDP = 17;
export const NEXTHDR_IPV6 = 41;
export const NEXTHDR_ROUTING = 43;
export const NEXTHDR_FRAGMENT = 44;
export const NEXTHDR_GRE = 47;
export const NEXTHDR_ESP = 50;
export const NEXTHDR_AUTH = 51;
export const NEXTHDR_ICMP = 58;
export const NEXTHDR_NONE = 59;
export const NEXTHDR_DEST = 60;
export const NEXTHDR_MOBILITY = 135;

/** Zero-copy view of struct ipv6hdr. */
export class Ipv6Hdr extends HeaderView {
  get version(): number {
    return this.buf[this.off]! >> 4;
  }
  /** Traffic class (Linux: priority:4 + flow_lbl[0] high nibble). */
  get trafficClass(): number {
    return ((this.buf[this.off]! & 0xf) << 4) | (this.buf[this.off + 1]! >> 4);
  }
  set trafficClass(v: number) {
    this.buf[this.off] = (this.buf[this.off]! & 0xf0) | ((v >> 4) & 0xf);
    this.buf[this.off + 1] = ((v & 0xf) << 4) | (this.buf[this.off + 1]! & 0xf);
  }
  get flowLbl(): number {
    return ((this.buf[this.off + 1]! & 0xf) << 16) | (this.buf[this.off + 2]! << 8) | this.buf[this.off + 3]!;
  }
  set flowLbl(v: number) {
    this.buf[this.off + 1] = (this.buf[this.off + 1]! & 0xf0) | ((v >> 16) & 0xf);
    this.buf[this.off + 2] = (v >> 8) & 0xff;
    this.buf[this.off + 3] = v & 0xff;
  }
  get payloadLen(): number {
    return readU16(this.buf, this.off + IPV6_FIELD_PAYLOAD_LEN);
  }
  set payloadLen(v: number) {
    writeU16(this.buf, this.off + IPV6_FIELD_PAYLOAD_LEN, v);
  }
  get nexthdr(): number {
    return this.buf[this.off + IPV6_FIELD_NEXTHDR]!;
  }
  set nexthdr(v: number) {
    this.buf[this.off + IPV6_FIELD_NEXTHDR] = v;
  }
  get hopLimit(): number {
    return this.buf[this.off + IPV6_FIELD_HOP_LIMIT]!;
  }
  set hopLimit(v: number) {
    this.buf[this.off + IPV6_FIELD_HOP_LIMIT] = v;
  }
  get saddr(): Uint8Array {
    return this.buf.subarray(this.off + IPV6_FIELD_SADDR, this.off + IPV6_FIELD_DADDR);
  }
  set saddr(a: Uint8Array) {
    this.buf.set(a.subarray(0, 16), this.off + IPV6_FIELD_SADDR);
  }
  get daddr(): Uint8Array {
    return this.buf.subarray(this.off + IPV6_FIELD_DADDR, this.off + IPV6_HLEN);
  }
  set daddr(a: Uint8Array) {
    this.buf.set(a.subarray(0, 16), this.off + IPV6_FIELD_DADDR);
  }
}

export interface Ipv6Repr {
  trafficClass: number;
  flowLbl: number;
  payloadLen: number;
  nexthdr: number;
  hopLimit: number;
  saddr: Uint8Array;
  daddr: Uint8Array;
}

export const IPV6_PARSE_TRUNCATED = -1;
export const IPV6_PARSE_BAD_VERSION = -2;
export const IPV6_PARSE_BAD_LEN = -3;

/** Parse the fixed header; checks what ipv6_rcv() checks (version, payload within the buffer). */
export function ipv6ReprParse(buf: Uint8Array, off: number, len: number): Ipv6Repr | number {
  if (len < IPV6_HLEN) return IPV6_PARSE_TRUNCATED;
  const h = new Ipv6Hdr(buf, off);
  if (h.version !== 6) return IPV6_PARSE_BAD_VERSION;
  // payload_len 0 is a jumbogram (RFC 2675), accepted only with a hop-by-hop option; not here.
  if (h.payloadLen + IPV6_HLEN > len) return IPV6_PARSE_BAD_LEN;
  return {
    trafficClass: h.trafficClass, flowLbl: h.flowLbl, payloadLen: h.payloadLen, nexthdr: h.nexthdr,
    hopLimit: h.hopLimit, saddr: h.saddr.slice(), daddr: h.daddr.slice(),
  };
}

export function ipv6ReprEmit(r: Ipv6Repr, buf: Uint8Array, off: number): number {
  const h = new Ipv6Hdr(buf, off);
  buf[off] = 0x60;
  buf[off + 1] = 0;
  h.trafficClass = r.trafficClass;
  h.flowLbl = r.flowLbl;
  h.payloadLen = r.payloadLen;
  h.nexthdr = r.nexthdr;
  h.hopLimit = r.hopLimit;
  h.saddr = r.saddr;
  h.daddr = r.daddr;
  return IPV6_HLEN;
}

/** Linux: ipv6_ext_hdr(). */
export function ipv6ExtHdr(nexthdr: number): boolean {
  return nexthdr === NEXTHDR_HOP || nexthdr === NEXTHDR_ROUTING || nexthdr === NEXTHDR_FRAGMENT ||
    nexthdr === NEXTHDR_AUTH || nexthdr === NEXTHDR_NONE || nexthdr === NEXTHDR_DEST;
}

/**
 * Linux: ipv6_skip_exthdr(): from the header after the fixed one at `off`
 * (kind `nexthdr`), skip extension headers. Returns [offset, nexthdr, fragOff]
 * of the upper-layer header, or null when truncated. fragOff is the fragment
 * offset field (non-zero: not the first fragment).
 */
export function ipv6SkipExthdr(buf: Uint8Array, off: number, end: number, nexthdr: number): [number, number, number] | null {
  let fragOff = 0;
  while (ipv6ExtHdr(nexthdr)) {
    if (nexthdr === NEXTHDR_NONE) return [off, nexthdr, fragOff];
    if (off + 8 > end) return null;
    let hdrlen: number;
    if (nexthdr === NEXTHDR_FRAGMENT) {
      fragOff = readU16(buf, off + 2) & ~0x7;
      hdrlen = 8;
    } else if (nexthdr === NEXTHDR_AUTH) {
      hdrlen = (buf[off + 1]! + 2) << 2;
    } else {
      hdrlen = (buf[off + 1]! + 1) << 3;
    }
    nexthdr = buf[off]!;
    off += hdrlen;
    if (fragOff !== 0) break;
  }
  return [off, nexthdr, fragOff];
}

/** Text form of 16 bytes at `off` as inet_ntop() prints it (RFC 5952, IPv4-mapped dotted). */
export function ipv6ToString(a: Uint8Array, off = 0): string {
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push(readU16(a, off + 2 * i));
  // ::ffff:a.b.c.d and ::a.b.c.d (glibc prints the deprecated compatible form too, except ::, ::1)
  if (w[0] === 0 && w[1] === 0 && w[2] === 0 && w[3] === 0 && w[4] === 0 && (w[5] === 0xffff || (w[5] === 0 && w[6] !== 0))) {
    const v4 = `${a[off + 12]}.${a[off + 13]}.${a[off + 14]}.${a[off + 15]}`;
    return w[5] === 0xffff ? `::ffff:${v4}` : `::${v4}`;
  }
  // Longest run of zero words (length >= 2), first one on ties.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestStart = -1;
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      s += '::';
      i += bestLen - 1;
      continue;
    }
    if (s !== '' && !s.endsWith(':')) s += ':';
    s += w[i]!.toString(16);
  }
  return s;
}

/** Parse an IPv6 address (inet_pton rules, including a trailing dotted quad); null if malformed. */
export function parseIpv6(s: string): Uint8Array | null {
  if (s.length === 0 || s.length > 45) return null;
  let head = s;
  let v4: number[] | null = null;
  const lastColon = s.lastIndexOf(':');
  if (lastColon >= 0 && s.indexOf('.', lastColon) >= 0) {
    const q = s.slice(lastColon + 1).split('.');
    if (q.length !== 4 || q.some((p) => !/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255)) return null;
    v4 = q.map(Number);
    head = s.slice(0, lastColon + 1);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const maxWords = v4 ? 6 : 8;
  const dbl = head.indexOf('::');
  if (dbl >= 0 && head.indexOf('::', dbl + 1) >= 0) return null;
  const parseWords = (t: string): number[] | null => {
    if (t === '') return [];
    const out: number[] = [];
    for (const p of t.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return null;
      out.push(parseInt(p, 16));
    }
    return out;
  };
  let words: number[];
  if (dbl >= 0) {
    const l = parseWords(head.slice(0, dbl));
    const r = parseWords(head.slice(dbl + 2));
    if (!l || !r || l.length + r.length > maxWords - 1) return null;
    words = [...l, ...new Array<number>(maxWords - l.length - r.length).fill(0), ...r];
  } else {
    const all = parseWords(head);
    if (!all || all.length !== maxWords) return null;
    words = all;
  }
  const out = new Uint8Array(16);
  for (let i = 0; i < words.length; i++) writeU16(out, 2 * i, words[i]!);
  if (v4) out.set(v4, 12);
  return out;
}
