/**
 * The IPv4 header (Linux: include/uapi/linux/ip.h struct iphdr, include/net/ip.h
 * IP_DF/IP_MF/IP_OFFSET; RFC 791 §3.1) and IP protocol numbers
 * (include/uapi/linux/in.h IPPROTO_*).
 *
 * ```
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-------+-------+---------------+-------------------------------+
 *   |version|  ihl  |      tos      |            tot_len            |  0
 *   +-------+-------+---------------+-----+-------------------------+
 *   |              id               |flags|       frag_off          |  4
 *   +---------------+---------------+-----+-------------------------+
 *   |      ttl      |   protocol    |            check              |  8
 *   +---------------+---------------+-------------------------------+
 *   |                            saddr                              | 12
 *   |                            daddr                              | 16
 *   |                    options (ihl > 5) ...                      | 20
 * ```
 *
 * `IpHdr` is a zero-copy view (accessors named after the struct fields; addresses
 * as host-order u32); `IpRepr` is the plain-object form. `ipReprParse` checks what
 * ip_rcv_core() checks (version, ihl >= 5, tot_len within the buffer and >= ihl*4)
 * and returns a negative code saying which check failed.
 */
import { csumFold, csumPartial, ipFastCsum } from './checksum.js';
import { HeaderView, readU16, writeU16, readU32, writeU32 } from './bytes.js';

/** The big-endian helpers, still importable from here. */
export { readU32, writeU32 };

export const IPV4_HLEN = 20;
export const IPV4_MAX_HLEN = 60;
export const IPVERSION = 4;
export const IPDEFTTL = 64;
export const IP_MAXPACKET = 65535;

/** Field offsets in struct iphdr. */
export const IPH_VERSION_IHL = 0;
export const IPH_TOS = 1;
export const IPH_TOT_LEN = 2;
export const IPH_ID = 4;
export const IPH_FRAG_OFF = 6;
export const IPH_TTL = 8;
export const IPH_PROTOCOL = 9;
export const IPH_CHECK = 10;
export const IPH_SADDR = 12;
export const IPH_DADDR = 16;

/** frag_off bits (host order). */
export const IP_CE = 0x8000;
export const IP_DF = 0x4000;
export const IP_MF = 0x2000;
export const IP_OFFSET = 0x1fff;

/** ECN codepoints in the low two bits of tos (RFC 3168). */
export const INET_ECN_NOT_ECT = 0;
export const INET_ECN_ECT_1 = 1;
export const INET_ECN_ECT_0 = 2;
export const INET_ECN_CE = 3;
export const INET_ECN_MASK = 3;

/* IP protocol numbers. */
export const IPPROTO_IP = 0;
export const IPPROTO_HOPOPTS = 0;
export const IPPROTO_ICMP = 1;
export const IPPROTO_IGMP = 2;
export const IPPROTO_IPIP = 4;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_IPV6 = 41;
export const IPPROTO_ROUTING = 43;
export const IPPROTO_FRAGMENT = 44;
export const IPPROTO_GRE = 47;
export const IPPROTO_ESP = 50;
export const IPPROTO_AH = 51;
export const IPPROTO_ICMPV6 = 58;
export const IPPROTO_NONE = 59;
export const IPPROTO_DSTOPTS = 60;
export const IPPROTO_SCTP = 132;
export const IPPROTO_UDPLITE = 136;
export const IPPROTO_RAW = 255;

/** Option numbers (include/uapi/linux/ip.h IPOPT_*). */
export const IPOPT_END = 0;
export const IPOPT_NOOP = 1;
export const IPOPT_RR = 7;
export const IPOPT_TS = 68;
export const IPOPT_SEC = 130;
export const IPOPT_LSRR = 131;
export const IPOPT_SSRR = 137;
export const IPOPT_RA = 148;

/** Zero-copy view of struct iphdr. */
export class IpHdr extends HeaderView {
  get version(): number {
    return this.buf[this.off]! >> 4;
  }
  set version(v: number) {
    this.buf[this.off] = ((v & 0xf) << 4) | (this.buf[this.off]! & 0xf);
  }
  /** Header length in 32-bit words. */
  get ihl(): number {
    return this.buf[this.off]! & 0xf;
  }
  set ihl(v: number) {
    this.buf[this.off] = (this.buf[this.off]! & 0xf0) | (v & 0xf);
  }
  get tos(): number {
    return this.buf[this.off + IPH_TOS]!;
  }
  set tos(v: number) {
    this.buf[this.off + IPH_TOS] = v;
  }
  get totLen(): number {
    return readU16(this.buf, this.off + IPH_TOT_LEN);
  }
  set totLen(v: number) {
    writeU16(this.buf, this.off + IPH_TOT_LEN, v);
  }
  get id(): number {
    return readU16(this.buf, this.off + IPH_ID);
  }
  set id(v: number) {
    writeU16(this.buf, this.off + IPH_ID, v);
  }
  /** frag_off with the flag bits (IP_DF, IP_MF), host order. */
  get fragOff(): number {
    return readU16(this.buf, this.off + IPH_FRAG_OFF);
  }
  set fragOff(v: number) {
    writeU16(this.buf, this.off + IPH_FRAG_OFF, v);
  }
  get ttl(): number {
    return this.buf[this.off + IPH_TTL]!;
  }
  set ttl(v: number) {
    this.buf[this.off + IPH_TTL] = v;
  }
  get protocol(): number {
    return this.buf[this.off + IPH_PROTOCOL]!;
  }
  set protocol(v: number) {
    this.buf[this.off + IPH_PROTOCOL] = v;
  }
  get check(): number {
    return readU16(this.buf, this.off + IPH_CHECK);
  }
  set check(v: number) {
    writeU16(this.buf, this.off + IPH_CHECK, v);
  }
  /** saddr as a host-order u32. */
  get saddr(): number {
    return readU32(this.buf, this.off + IPH_SADDR);
  }
  set saddr(v: number) {
    writeU32(this.buf, this.off + IPH_SADDR, v);
  }
  get daddr(): number {
    return readU32(this.buf, this.off + IPH_DADDR);
  }
  set daddr(v: number) {
    writeU32(this.buf, this.off + IPH_DADDR, v);
  }
  /** Header length in bytes. */
  get hlen(): number {
    return (this.buf[this.off]! & 0xf) * 4;
  }
  /** Linux: ip_send_check(): recompute the header checksum in place. */
  sendCheck(): void {
    this.check = 0;
    this.check = ipFastCsum(this.buf, this.off, this.ihl);
  }
  /** True if the header checksum verifies. */
  checkOk(): boolean {
    return csumFold(csumPartial(this.buf, this.off, this.hlen)) === 0;
  }
  /** Linux: ip_is_fragment(). */
  isFragment(): boolean {
    return (this.fragOff & (IP_MF | IP_OFFSET)) !== 0;
  }
}

/** Plain-object IPv4 header. `totLen` includes header and payload. */
export interface IpRepr {
  tos: number;
  totLen: number;
  id: number;
  /** frag_off including IP_DF/IP_MF. */
  fragOff: number;
  ttl: number;
  protocol: number;
  /** Host-order u32. */
  saddr: number;
  daddr: number;
  /** Raw options (length a multiple of 4, at most 40). */
  options: Uint8Array;
  /** As found when parsed; recomputed by emit. */
  check: number;
}

/** Why an IPv4 header did not parse (ip_rcv_core()'s checks). */
export const IP_PARSE_TRUNCATED = -1;
export const IP_PARSE_BAD_VERSION = -2;
export const IP_PARSE_BAD_IHL = -3;
export const IP_PARSE_BAD_TOT_LEN = -4;

/** Parse the header at `off` given `len` bytes available. Returns the repr or an IP_PARSE_* code. */
export function ipReprParse(buf: Uint8Array, off: number, len: number): IpRepr | number {
  if (len < IPV4_HLEN) return IP_PARSE_TRUNCATED;
  const h = new IpHdr(buf, off);
  if (h.version !== IPVERSION) return IP_PARSE_BAD_VERSION;
  const hlen = h.hlen;
  if (hlen < IPV4_HLEN) return IP_PARSE_BAD_IHL;
  if (len < hlen) return IP_PARSE_TRUNCATED;
  const totLen = h.totLen;
  if (totLen < hlen || totLen > len) return IP_PARSE_BAD_TOT_LEN;
  return {
    tos: h.tos, totLen, id: h.id, fragOff: h.fragOff, ttl: h.ttl, protocol: h.protocol,
    saddr: h.saddr, daddr: h.daddr, options: buf.slice(off + IPV4_HLEN, off + hlen), check: h.check,
  };
}

/** Header length a repr emits. */
export function ipReprHeaderLen(r: IpRepr): number {
  return IPV4_HLEN + ((r.options.length + 3) & ~3);
}

/** Write the header (with a fresh checksum) at `off`; returns its length. */
export function ipReprEmit(r: IpRepr, buf: Uint8Array, off: number): number {
  const hlen = ipReprHeaderLen(r);
  if (hlen > IPV4_MAX_HLEN) throw new RangeError('IPv4 options longer than 40 bytes');
  const h = new IpHdr(buf, off);
  buf[off] = (IPVERSION << 4) | (hlen >> 2);
  h.tos = r.tos;
  h.totLen = r.totLen;
  h.id = r.id;
  h.fragOff = r.fragOff;
  h.ttl = r.ttl;
  h.protocol = r.protocol;
  h.saddr = r.saddr;
  h.daddr = r.daddr;
  buf.fill(0, off + IPV4_HLEN, off + hlen);
  buf.set(r.options, off + IPV4_HLEN);
  h.sendCheck();
  return hlen;
}

/** "10.0.0.1" from a host-order u32. */
export function ipv4ToString(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}`;
}

/** Parse dotted-quad "10.0.0.1" into a host-order u32; null if malformed (inet_pton rules). */
export function parseIpv4(s: string): number | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let v = 0;
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    v = v * 256 + n;
  }
  return v >>> 0;
}
