/**
 * The ARP header (Linux: include/uapi/linux/if_arp.h struct arphdr and the
 * Ethernet/IPv4 body that net/ipv4/arp.c reads; RFC 826).
 *
 * ```
 *   0        2        4    5    6        8                14       18                24       28
 *   +--------+--------+----+----+--------+-----------------+--------+-----------------+--------+
 *   | ar_hrd | ar_pro |hln |pln | ar_op  | ar_sha (6)      | ar_sip | ar_tha (6)      | ar_tip |
 *   +--------+--------+----+----+--------+-----------------+--------+-----------------+--------+
 * ```
 * The body offsets assume hln = 6 and pln = 4 (Ethernet + IPv4); `ArpHdr.isEthIp()`
 * says whether they apply. IPv4 addresses are host-order u32.
 */
import { HeaderView, readU16, writeU16, readU32, writeU32 } from './bytes.js';

export const ARP_HLEN = 8;
/** Length of an Ethernet/IPv4 ARP packet. */
export const ARP_ETH_IP_LEN = 28;

export const ARPHRD_ETHER = 1;
export const ARPHRD_IEEE802 = 6;

export const ARPOP_REQUEST = 1;
export const ARPOP_REPLY = 2;
export const ARPOP_RREQUEST = 3;
export const ARPOP_RREPLY = 4;
export const ARPOP_InREQUEST = 8;
export const ARPOP_InREPLY = 9;
export const ARPOP_NAK = 10;

/** Field offsets. */
export const ARP_FIELD_HRD = 0;
export const ARP_FIELD_PRO = 2;
export const ARP_FIELD_HLN = 4;
export const ARP_FIELD_PLN = 5;
export const ARP_FIELD_OP = 6;
export const ARP_FIELD_SHA = 8;
export const ARP_FIELD_SIP = 14;
export const ARP_FIELD_THA = 18;
export const ARP_FIELD_TIP = 24;

/** Zero-copy view of struct arphdr (+ the Ethernet/IPv4 body). */
export class ArpHdr extends HeaderView {
  get arHrd(): number {
    return readU16(this.buf, this.off + ARP_FIELD_HRD);
  }
  set arHrd(v: number) {
    writeU16(this.buf, this.off + ARP_FIELD_HRD, v);
  }
  get arPro(): number {
    return readU16(this.buf, this.off + ARP_FIELD_PRO);
  }
  set arPro(v: number) {
    writeU16(this.buf, this.off + ARP_FIELD_PRO, v);
  }
  get arHln(): number {
    return this.buf[this.off + ARP_FIELD_HLN]!;
  }
  set arHln(v: number) {
    this.buf[this.off + ARP_FIELD_HLN] = v;
  }
  get arPln(): number {
    return this.buf[this.off + ARP_FIELD_PLN]!;
  }
  set arPln(v: number) {
    this.buf[this.off + ARP_FIELD_PLN] = v;
  }
  get arOp(): number {
    return readU16(this.buf, this.off + ARP_FIELD_OP);
  }
  set arOp(v: number) {
    writeU16(this.buf, this.off + ARP_FIELD_OP, v);
  }
  /** True when the body is the Ethernet (6) / IPv4 (4) layout the accessors below assume. */
  isEthIp(): boolean {
    return this.arHln === 6 && this.arPln === 4;
  }
  get arSha(): Uint8Array {
    return this.buf.subarray(this.off + ARP_FIELD_SHA, this.off + ARP_FIELD_SHA + 6);
  }
  set arSha(a: Uint8Array) {
    this.buf.set(a.subarray(0, 6), this.off + ARP_FIELD_SHA);
  }
  get arSip(): number {
    return readU32(this.buf, this.off + ARP_FIELD_SIP);
  }
  set arSip(v: number) {
    writeU32(this.buf, this.off + ARP_FIELD_SIP, v);
  }
  get arTha(): Uint8Array {
    return this.buf.subarray(this.off + ARP_FIELD_THA, this.off + ARP_FIELD_THA + 6);
  }
  set arTha(a: Uint8Array) {
    this.buf.set(a.subarray(0, 6), this.off + ARP_FIELD_THA);
  }
  get arTip(): number {
    return readU32(this.buf, this.off + ARP_FIELD_TIP);
  }
  set arTip(v: number) {
    writeU32(this.buf, this.off + ARP_FIELD_TIP, v);
  }
}

/** Plain-object Ethernet/IPv4 ARP packet. */
export interface ArpRepr {
  hrd: number;
  pro: number;
  op: number;
  sha: Uint8Array;
  sip: number;
  tha: Uint8Array;
  tip: number;
}

/** Parse an Ethernet/IPv4 ARP packet; null if truncated or of another hardware/protocol size. */
export function arpReprParse(buf: Uint8Array, off: number, len: number): ArpRepr | null {
  if (len < ARP_ETH_IP_LEN) return null;
  const h = new ArpHdr(buf, off);
  if (!h.isEthIp()) return null;
  return { hrd: h.arHrd, pro: h.arPro, op: h.arOp, sha: h.arSha.slice(), sip: h.arSip, tha: h.arTha.slice(), tip: h.arTip };
}

/** Write an Ethernet/IPv4 ARP packet; returns 28. */
export function arpReprEmit(r: ArpRepr, buf: Uint8Array, off: number): number {
  const h = new ArpHdr(buf, off);
  h.arHrd = r.hrd;
  h.arPro = r.pro;
  h.arHln = 6;
  h.arPln = 4;
  h.arOp = r.op;
  h.arSha = r.sha;
  h.arSip = r.sip;
  h.arTha = r.tha;
  h.arTip = r.tip;
  return ARP_ETH_IP_LEN;
}
