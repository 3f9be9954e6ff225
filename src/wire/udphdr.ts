/**
 * The UDP header (Linux: include/uapi/linux/udp.h struct udphdr; RFC 768).
 *
 * ```
 *   0        2        4        6        8
 *   +--------+--------+--------+--------+
 *   | source |  dest  |  len   | check  |
 *   +--------+--------+--------+--------+
 * ```
 * `len` covers header and payload. A zero `check` means "no checksum" over IPv4
 * (RFC 768); a computed zero is sent as 0xffff.
 */
import { csumPartial, csumTcpudpMagic, csumIpv6Magic, udpCsumMangle } from './checksum.js';
import { IPPROTO_UDP } from './iphdr.js';

export const UDP_HLEN = 8;
export const UDP_FIELD_SOURCE = 0;
export const UDP_FIELD_DEST = 2;
export const UDP_FIELD_LEN = 4;
export const UDP_FIELD_CHECK = 6;

/** Zero-copy view of struct udphdr. */
export class UdpHdr {
  constructor(public buf: Uint8Array, public off = 0) {}
  at(buf: Uint8Array, off: number): this {
    this.buf = buf;
    this.off = off;
    return this;
  }
  private u16(o: number): number {
    return (this.buf[this.off + o]! << 8) | this.buf[this.off + o + 1]!;
  }
  private setU16(o: number, v: number): void {
    this.buf[this.off + o] = (v >> 8) & 0xff;
    this.buf[this.off + o + 1] = v & 0xff;
  }
  get source(): number {
    return this.u16(0);
  }
  set source(v: number) {
    this.setU16(0, v);
  }
  get dest(): number {
    return this.u16(2);
  }
  set dest(v: number) {
    this.setU16(2, v);
  }
  get len(): number {
    return this.u16(4);
  }
  set len(v: number) {
    this.setU16(4, v);
  }
  get check(): number {
    return this.u16(6);
  }
  set check(v: number) {
    this.setU16(6, v);
  }
}

export interface UdpRepr {
  source: number;
  dest: number;
  /** Header + payload length. */
  len: number;
  check: number;
}

/** Parse; null if truncated or `len` is not within [8, available]. */
export function udpReprParse(buf: Uint8Array, off: number, avail: number): UdpRepr | null {
  if (avail < UDP_HLEN) return null;
  const h = new UdpHdr(buf, off);
  if (h.len < UDP_HLEN || h.len > avail) return null;
  return { source: h.source, dest: h.dest, len: h.len, check: h.check };
}

/** Write the header (check as given); returns 8. */
export function udpReprEmit(r: UdpRepr, buf: Uint8Array, off: number): number {
  const h = new UdpHdr(buf, off);
  h.source = r.source;
  h.dest = r.dest;
  h.len = r.len;
  h.check = r.check;
  return UDP_HLEN;
}

/** Compute and store the checksum of the datagram at `off` (header + `len - 8` payload) over IPv4. */
export function udpV4SetCheck(buf: Uint8Array, off: number, saddr: number, daddr: number): void {
  const h = new UdpHdr(buf, off);
  h.check = 0;
  h.check = udpCsumMangle(csumTcpudpMagic(saddr, daddr, h.len, IPPROTO_UDP, csumPartial(buf, off, h.len)));
}

/** Same over IPv6 (the checksum is mandatory there, RFC 8200 §8.1). */
export function udpV6SetCheck(buf: Uint8Array, off: number, saddr: Uint8Array, daddr: Uint8Array): void {
  const h = new UdpHdr(buf, off);
  h.check = 0;
  h.check = udpCsumMangle(csumIpv6Magic(saddr, daddr, h.len, IPPROTO_UDP, csumPartial(buf, off, h.len)));
}
