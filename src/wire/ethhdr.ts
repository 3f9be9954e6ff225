/**
 * The Ethernet header (Linux: include/uapi/linux/if_ether.h struct ethhdr,
 * include/linux/if_vlan.h struct vlan_hdr) and ethertype numbers.
 *
 * ```
 *   0                   6                  12        14
 *   +-------------------+-------------------+---------+---------
 *   | h_dest            | h_source          | h_proto | payload
 *   +-------------------+-------------------+---------+---------
 *   802.1Q: h_proto = 0x8100, then TCI (PCP:3 DEI:1 VID:12) and the inner type.
 * ```
 *
 * `EthHdr` is a zero-copy view over a buffer at an offset (re-point it with `at`
 * to reuse one view per packet path); `EthRepr` is the plain-object form for
 * control-plane code with `ethReprParse`/`ethReprEmit`. The ETH_P_* values are
 * the same as core/dev.ts exports (the wire layer sits below core and cannot
 * import it).
 */
import { HeaderView, readU16, writeU16 } from './bytes.js';

export const ETH_ALEN = 6;
export const ETH_HLEN = 14;
export const ETH_ZLEN = 60;
export const ETH_DATA_LEN = 1500;
export const ETH_FRAME_LEN = 1514;
export const ETH_FCS_LEN = 4;
export const VLAN_HLEN = 4;
export const VLAN_ETH_HLEN = 18;

/** Field offsets in struct ethhdr. */
export const ETH_FIELD_DEST = 0;
export const ETH_FIELD_SOURCE = 6;
export const ETH_FIELD_PROTO = 12;
/** Field offsets in struct vlan_hdr (after the 0x8100 of the outer header). */
export const VLAN_FIELD_TCI = 0;
export const VLAN_FIELD_ENCAP_PROTO = 2;
export const VLAN_VID_MASK = 0x0fff;
export const VLAN_PRIO_SHIFT = 13;
export const VLAN_CFI_MASK = 0x1000;

/* Ethertypes (include/uapi/linux/if_ether.h). */
export const ETH_P_LOOP = 0x0060;
export const ETH_P_IP = 0x0800;
export const ETH_P_ARP = 0x0806;
export const ETH_P_RARP = 0x8035;
export const ETH_P_8021Q = 0x8100;
export const ETH_P_IPV6 = 0x86dd;
export const ETH_P_PAUSE = 0x8808;
export const ETH_P_SLOW = 0x8809;
export const ETH_P_MPLS_UC = 0x8847;
export const ETH_P_PPP_DISC = 0x8863;
export const ETH_P_PPP_SES = 0x8864;
export const ETH_P_8021AD = 0x88a8;
export const ETH_P_802_EX1 = 0x88b5;
export const ETH_P_LLDP = 0x88cc;
export const ETH_P_MACSEC = 0x88e5;
export const ETH_P_1588 = 0x88f7;
export const ETH_P_802_3_MIN = 0x0600;
export const ETH_P_802_3 = 0x0001;
export const ETH_P_ALL = 0x0003;
export const ETH_P_802_2 = 0x0004;

/** Zero-copy view of struct ethhdr at `off` in `buf`. */
export class EthHdr extends HeaderView {
  /** h_dest as a view (no copy). */
  get hDest(): Uint8Array {
    return this.buf.subarray(this.off, this.off + ETH_ALEN);
  }
  set hDest(a: Uint8Array) {
    this.buf.set(a.subarray(0, ETH_ALEN), this.off);
  }
  get hSource(): Uint8Array {
    return this.buf.subarray(this.off + ETH_FIELD_SOURCE, this.off + ETH_FIELD_SOURCE + ETH_ALEN);
  }
  set hSource(a: Uint8Array) {
    this.buf.set(a.subarray(0, ETH_ALEN), this.off + ETH_FIELD_SOURCE);
  }
  /** h_proto, host order. */
  get hProto(): number {
    return readU16(this.buf, this.off + ETH_FIELD_PROTO);
  }
  set hProto(v: number) {
    writeU16(this.buf, this.off + ETH_FIELD_PROTO, v);
  }
}

/** Plain-object Ethernet header (with at most one 802.1Q/802.1ad tag). */
export interface EthRepr {
  dst: Uint8Array;
  src: Uint8Array;
  /** The ethertype after any tag (or the 802.3 length). */
  proto: number;
  /** The tag, if the frame carries one. */
  vlan: { tpid: number; tci: number } | null;
}

/** Header length of a repr (14, or 18 with a tag). */
export function ethReprHeaderLen(r: EthRepr): number {
  return r.vlan ? VLAN_ETH_HLEN : ETH_HLEN;
}

/** Parse an Ethernet header; null if `len` bytes cannot hold it. */
export function ethReprParse(buf: Uint8Array, off: number, len: number): EthRepr | null {
  if (len < ETH_HLEN) return null;
  const dst = buf.slice(off, off + 6);
  const src = buf.slice(off + 6, off + 12);
  const proto = readU16(buf, off + ETH_FIELD_PROTO);
  if ((proto === ETH_P_8021Q || proto === ETH_P_8021AD) && len >= VLAN_ETH_HLEN) {
    const tci = readU16(buf, off + ETH_HLEN + VLAN_FIELD_TCI);
    return { dst, src, proto: readU16(buf, off + ETH_HLEN + VLAN_FIELD_ENCAP_PROTO), vlan: { tpid: proto, tci } };
  }
  return { dst, src, proto, vlan: null };
}

/** Write the header at `off`; returns its length. */
export function ethReprEmit(r: EthRepr, buf: Uint8Array, off: number): number {
  buf.set(r.dst.subarray(0, 6), off);
  buf.set(r.src.subarray(0, 6), off + 6);
  let o = off + 12;
  if (r.vlan) {
    writeU16(buf, o, r.vlan.tpid);
    writeU16(buf, o + 2, r.vlan.tci);
    o += VLAN_HLEN;
  }
  writeU16(buf, o, r.proto);
  return o + 2 - off;
}

/** "aa:bb:cc:dd:ee:ff" of 6 bytes at `off`. */
export function macToString(buf: Uint8Array, off = 0): string {
  let s = '';
  for (let i = 0; i < 6; i++) {
    const b = buf[off + i]!;
    if (i) s += ':';
    s += (b < 16 ? '0' : '') + b.toString(16);
  }
  return s;
}
