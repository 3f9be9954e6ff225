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
import { HeaderView, readU16, writeU16 } from './bytes.js';

export const UDP_HLEN = 8;
export const UDP_FIELD_SOURCE = 0;
export const UDP_FIELD_DEST = 2;
export const UDP_FIELD_LEN = 4;
export const UDP_FIELD_CHECK = 6;

/** Zero-copy view of struct udphdr. */
export class UdpHdr extends HeaderView {
  get source(): number {
    return readU16(this.buf, this.off + UDP_FIELD_SOURCE);
  }
  set source(v: number) {
    writeU16(this.buf, this.off + UDP_FIELD_SOURCE, v);
  }
  get dest(): number {
    return readU16(this.buf, this.off + UDP_FIELD_DEST);
  }
  set dest(v: number) {
    writeU16(this.buf, this.off + UDP_FIELD_DEST, v);
  }
  get len(): number {
    return readU16(this.buf, this.off + UDP_FIELD_LEN);
  }
  set len(v: number) {
    writeU16(this.buf, this.off + UDP_FIELD_LEN, v);
  }
  get check(): number {
    return readU16(this.buf, this.off + UDP_FIELD_CHECK);
  }
  set check(v: number) {
    writeU16(this.buf, this.off + UDP_FIELD_CHECK, v);
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
