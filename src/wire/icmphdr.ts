/**
 * ICMP and ICMPv6 headers (Linux: include/uapi/linux/icmp.h struct icmphdr,
 * include/uapi/linux/icmpv6.h struct icmp6hdr; RFC 792, RFC 4443, RFC 4861).
 *
 * ```
 *   0      1      2        4                 8
 *   +------+------+--------+-----------------+---------
 *   | type | code |checksum| un (4 bytes)    | data
 *   +------+------+--------+-----------------+---------
 *   un: echo {id, sequence} | gateway (redirect) | frag {unused, mtu} | pointer (param problem)
 * ```
 * Both headers share the layout; one view (`IcmpHdr`) serves both. The ICMP
 * checksum covers the whole message; ICMPv6 adds the IPv6 pseudo-header.
 */
import { csumFold, csumPartial, csumIpv6Magic } from './checksum.js';
import { IPPROTO_ICMPV6 } from './iphdr.js';
import { HeaderView, readU16, writeU16, readU32, writeU32 } from './bytes.js';

export const ICMP_HLEN = 8;

/* ICMP types (RFC 792). */
export const ICMP_ECHOREPLY = 0;
export const ICMP_DEST_UNREACH = 3;
export const ICMP_SOURCE_QUENCH = 4;
export const ICMP_REDIRECT = 5;
export const ICMP_ECHO = 8;
export const ICMP_TIME_EXCEEDED = 11;
export const ICMP_PARAMETERPROB = 12;
export const ICMP_TIMESTAMP = 13;
export const ICMP_TIMESTAMPREPLY = 14;
export const ICMP_INFO_REQUEST = 15;
export const ICMP_INFO_REPLY = 16;
export const ICMP_ADDRESS = 17;
export const ICMP_ADDRESSREPLY = 18;
export const NR_ICMP_TYPES = 18;

/* Codes for ICMP_DEST_UNREACH. */
export const ICMP_NET_UNREACH = 0;
export const ICMP_HOST_UNREACH = 1;
export const ICMP_PROT_UNREACH = 2;
export const ICMP_PORT_UNREACH = 3;
export const ICMP_FRAG_NEEDED = 4;
export const ICMP_SR_FAILED = 5;
export const ICMP_NET_UNKNOWN = 6;
export const ICMP_HOST_UNKNOWN = 7;
export const ICMP_HOST_ISOLATED = 8;
export const ICMP_NET_ANO = 9;
export const ICMP_HOST_ANO = 10;
export const ICMP_NET_UNR_TOS = 11;
export const ICMP_HOST_UNR_TOS = 12;
export const ICMP_PKT_FILTERED = 13;
export const ICMP_PREC_VIOLATION = 14;
export const ICMP_PREC_CUTOFF = 15;
export const NR_ICMP_UNREACH = 15;
/* Codes for ICMP_REDIRECT. */
export const ICMP_REDIR_NET = 0;
export const ICMP_REDIR_HOST = 1;
export const ICMP_REDIR_NETTOS = 2;
export const ICMP_REDIR_HOSTTOS = 3;
/* Codes for ICMP_TIME_EXCEEDED. */
export const ICMP_EXC_TTL = 0;
export const ICMP_EXC_FRAGTIME = 1;

/* ICMPv6 types (RFC 4443, 4861, 3810). */
export const ICMPV6_DEST_UNREACH = 1;
export const ICMPV6_PKT_TOOBIG = 2;
export const ICMPV6_TIME_EXCEED = 3;
export const ICMPV6_PARAMPROB = 4;
export const ICMPV6_ECHO_REQUEST = 128;
export const ICMPV6_ECHO_REPLY = 129;
export const ICMPV6_MGM_QUERY = 130;
export const ICMPV6_MGM_REPORT = 131;
export const ICMPV6_MGM_REDUCTION = 132;
export const NDISC_ROUTER_SOLICITATION = 133;
export const NDISC_ROUTER_ADVERTISEMENT = 134;
export const NDISC_NEIGHBOUR_SOLICITATION = 135;
export const NDISC_NEIGHBOUR_ADVERTISEMENT = 136;
export const NDISC_REDIRECT = 137;
export const ICMPV6_MLD2_REPORT = 143;
/* ICMPv6 codes. */
export const ICMPV6_NOROUTE = 0;
export const ICMPV6_ADM_PROHIBITED = 1;
export const ICMPV6_NOT_NEIGHBOUR = 2;
export const ICMPV6_ADDR_UNREACH = 3;
export const ICMPV6_PORT_UNREACH = 4;
export const ICMPV6_EXC_HOPLIMIT = 0;
export const ICMPV6_EXC_FRAGTIME = 1;

/** Field offsets. */
export const ICMP_FIELD_TYPE = 0;
export const ICMP_FIELD_CODE = 1;
export const ICMP_FIELD_CHECKSUM = 2;
export const ICMP_FIELD_ID = 4;
export const ICMP_FIELD_SEQUENCE = 6;
export const ICMP_FIELD_GATEWAY = 4;
export const ICMP_FIELD_MTU = 6;
/** The 32-bit union after the checksum (echo, gateway, frag, pointer, icmp6_mtu). */
const ICMP_FIELD_UN = 4;

/** Zero-copy view of struct icmphdr / icmp6hdr. */
export class IcmpHdr extends HeaderView {
  get type(): number {
    return this.buf[this.off + ICMP_FIELD_TYPE]!;
  }
  set type(v: number) {
    this.buf[this.off + ICMP_FIELD_TYPE] = v;
  }
  get code(): number {
    return this.buf[this.off + ICMP_FIELD_CODE]!;
  }
  set code(v: number) {
    this.buf[this.off + ICMP_FIELD_CODE] = v;
  }
  get checksum(): number {
    return readU16(this.buf, this.off + ICMP_FIELD_CHECKSUM);
  }
  set checksum(v: number) {
    writeU16(this.buf, this.off + ICMP_FIELD_CHECKSUM, v);
  }
  /** un.echo.id */
  get echoId(): number {
    return readU16(this.buf, this.off + ICMP_FIELD_ID);
  }
  set echoId(v: number) {
    writeU16(this.buf, this.off + ICMP_FIELD_ID, v);
  }
  /** un.echo.sequence */
  get echoSequence(): number {
    return readU16(this.buf, this.off + ICMP_FIELD_SEQUENCE);
  }
  set echoSequence(v: number) {
    writeU16(this.buf, this.off + ICMP_FIELD_SEQUENCE, v);
  }
  /** un.gateway (redirect), host-order u32. */
  get gateway(): number {
    return readU32(this.buf, this.off + ICMP_FIELD_GATEWAY);
  }
  set gateway(v: number) {
    writeU32(this.buf, this.off + ICMP_FIELD_GATEWAY, v);
  }
  /** un.frag.mtu (ICMP_FRAG_NEEDED). */
  get fragMtu(): number {
    return readU16(this.buf, this.off + ICMP_FIELD_MTU);
  }
  set fragMtu(v: number) {
    writeU16(this.buf, this.off + ICMP_FIELD_MTU, v);
  }
  /** icmp6_mtu (ICMPV6_PKT_TOOBIG) / icmp6_pointer: the 32-bit word after the checksum. */
  get un32(): number {
    return readU32(this.buf, this.off + ICMP_FIELD_UN);
  }
  set un32(v: number) {
    writeU32(this.buf, this.off + ICMP_FIELD_UN, v);
  }
}

export interface IcmpRepr {
  type: number;
  code: number;
  checksum: number;
  /** The 4 bytes after the checksum (id/sequence, gateway, mtu ...), host-order u32. */
  rest: number;
  /** The message body after the 8-byte header. */
  data: Uint8Array;
}

/** Parse an ICMP or ICMPv6 message of `len` bytes. */
export function icmpReprParse(buf: Uint8Array, off: number, len: number): IcmpRepr | null {
  if (len < ICMP_HLEN) return null;
  const h = new IcmpHdr(buf, off);
  return { type: h.type, code: h.code, checksum: h.checksum, rest: h.un32, data: buf.slice(off + ICMP_HLEN, off + len) };
}

/** Write header and body with a zero checksum (what both emitters share); returns the length. */
function icmpWriteZeroCsum(r: IcmpRepr, buf: Uint8Array, off: number): number {
  buf[off + ICMP_FIELD_TYPE] = r.type;
  buf[off + ICMP_FIELD_CODE] = r.code;
  writeU16(buf, off + ICMP_FIELD_CHECKSUM, 0);
  writeU32(buf, off + ICMP_FIELD_UN, r.rest);
  buf.set(r.data, off + ICMP_HLEN);
  return ICMP_HLEN + r.data.length;
}

/** Write an ICMP (v4) message with its checksum; returns its length. */
export function icmpReprEmit(r: IcmpRepr, buf: Uint8Array, off: number): number {
  const len = icmpWriteZeroCsum(r, buf, off);
  writeU16(buf, off + ICMP_FIELD_CHECKSUM, csumFold(csumPartial(buf, off, len)));
  return len;
}

/** Write an ICMPv6 message with its checksum over the pseudo-header; returns its length. */
export function icmpv6ReprEmit(r: IcmpRepr, buf: Uint8Array, off: number, saddr: Uint8Array, daddr: Uint8Array): number {
  const len = icmpWriteZeroCsum(r, buf, off);
  writeU16(buf, off + ICMP_FIELD_CHECKSUM, csumIpv6Magic(saddr, daddr, len, IPPROTO_ICMPV6, csumPartial(buf, off, len)));
  return len;
}
