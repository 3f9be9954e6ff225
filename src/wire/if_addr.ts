/**
 * Address messages for rtnetlink (Linux: include/uapi/linux/if_addr.h).
 * RTM_NEWADDR, RTM_DELADDR and RTM_GETADDR carry a `struct ifaddrmsg` followed
 * by IFA_* attributes; addresses inside attributes are in network byte order
 * (read and written here as host-order u32 numbers), IFA_CACHEINFO is a
 * `struct ifa_cacheinfo` of four host-order u32. IFLA_INET_CONF (the AF_INET
 * part of IFLA_AF_SPEC, include/uapi/linux/if_link.h) is here too: it is the
 * per-device IPv4 configuration that devinet reports with every link.
 */
import {
  type NlMsgBuilder, NLMSG_HDRLEN, nlmsgParse, nlaGetString, nlaGetU8, nlaGetU32,
} from './netlink.js';

/** struct ifaddrmsg: u8 family, u8 prefixlen, u8 flags, u8 scope, u32 index. */
export const IFADDRMSG_LEN = 8;
export const IFA_FAMILY = 0;
export const IFA_PREFIXLEN = 1;
export const IFA_FLAGS_OFF = 2;
export const IFA_SCOPE_OFF = 3;
export const IFA_INDEX = 4;

export interface Ifaddrmsg {
  family: number;
  prefixlen: number;
  /** Only the low 8 bits of the address flags fit here; IFA_FLAGS has all 32. */
  flags: number;
  scope: number;
  index: number;
}

/** Decode the ifaddrmsg at `off` (the caller checked 8 bytes). */
export function ifaddrmsgParse(buf: Uint8Array, off: number): Ifaddrmsg {
  return {
    family: buf[off + IFA_FAMILY]!,
    prefixlen: buf[off + IFA_PREFIXLEN]!,
    flags: buf[off + IFA_FLAGS_OFF]!,
    scope: buf[off + IFA_SCOPE_OFF]!,
    index: (buf[off + IFA_INDEX]! | buf[off + IFA_INDEX + 1]! << 8 | buf[off + IFA_INDEX + 2]! << 16 |
      buf[off + IFA_INDEX + 3]! << 24) >>> 0,
  };
}

/** Encode an ifaddrmsg at `off`. */
export function ifaddrmsgEmit(buf: Uint8Array, off: number, m: Ifaddrmsg): void {
  buf[off + IFA_FAMILY] = m.family & 0xff;
  buf[off + IFA_PREFIXLEN] = m.prefixlen & 0xff;
  buf[off + IFA_FLAGS_OFF] = m.flags & 0xff;
  buf[off + IFA_SCOPE_OFF] = m.scope & 0xff;
  const i = m.index >>> 0;
  buf[off + IFA_INDEX] = i & 0xff;
  buf[off + IFA_INDEX + 1] = (i >>> 8) & 0xff;
  buf[off + IFA_INDEX + 2] = (i >>> 16) & 0xff;
  buf[off + IFA_INDEX + 3] = i >>> 24;
}

/* enum IFA_* */
export const IFA_UNSPEC = 0;
export const IFA_ADDRESS = 1;
export const IFA_LOCAL = 2;
export const IFA_LABEL = 3;
export const IFA_BROADCAST = 4;
export const IFA_ANYCAST = 5;
export const IFA_CACHEINFO = 6;
export const IFA_MULTICAST = 7;
export const IFA_FLAGS = 8;
export const IFA_RT_PRIORITY = 9;
export const IFA_TARGET_NETNSID = 10;
export const IFA_PROTO = 11;
export const IFA_MAX = 11;

/* IFA_F_* (ifa_flags) */
export const IFA_F_SECONDARY = 0x01;
export const IFA_F_TEMPORARY = IFA_F_SECONDARY;
export const IFA_F_NODAD = 0x02;
export const IFA_F_OPTIMISTIC = 0x04;
export const IFA_F_DADFAILED = 0x08;
export const IFA_F_HOMEADDRESS = 0x10;
export const IFA_F_DEPRECATED = 0x20;
export const IFA_F_TENTATIVE = 0x40;
export const IFA_F_PERMANENT = 0x80;
export const IFA_F_MANAGETEMPADDR = 0x100;
export const IFA_F_NOPREFIXROUTE = 0x200;
export const IFA_F_MCAUTOJOIN = 0x400;
export const IFA_F_STABLE_PRIVACY = 0x800;

/* IFAPROT_* (IFA_PROTO values) */
export const IFAPROT_UNSPEC = 0;
export const IFAPROT_KERNEL_LO = 1;
export const IFAPROT_KERNEL_RA = 2;
export const IFAPROT_KERNEL_LL = 3;

/** struct ifa_cacheinfo: lifetimes in seconds, stamps in hundredths of a second since boot. */
export const IFA_CACHEINFO_LEN = 16;
export interface IfaCacheinfo {
  prefered: number;
  valid: number;
  cstamp: number;
  tstamp: number;
}

function u32le(b: Uint8Array, o: number): number {
  return (b[o]! | b[o + 1]! << 8 | b[o + 2]! << 16 | b[o + 3]! << 24) >>> 0;
}
function putU32le(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
  b[o + 2] = (v >>> 16) & 0xff;
  b[o + 3] = v >>> 24;
}

/** Decode struct ifa_cacheinfo (16 bytes). */
export function ifaCacheinfoParse(b: Uint8Array): IfaCacheinfo {
  return { prefered: u32le(b, 0), valid: u32le(b, 4), cstamp: u32le(b, 8), tstamp: u32le(b, 12) };
}

/** Encode struct ifa_cacheinfo. */
export function ifaCacheinfoEmit(ci: IfaCacheinfo): Uint8Array {
  const b = new Uint8Array(IFA_CACHEINFO_LEN);
  putU32le(b, 0, ci.prefered >>> 0);
  putU32le(b, 4, ci.valid >>> 0);
  putU32le(b, 8, ci.cstamp >>> 0);
  putU32le(b, 12, ci.tstamp >>> 0);
  return b;
}

/** An IPv4 address attribute payload (network byte order) from a host-order u32. */
export function inAddrBytes(addr: number): Uint8Array {
  return new Uint8Array([addr >>> 24, (addr >>> 16) & 0xff, (addr >>> 8) & 0xff, addr & 0xff]);
}

/** Host-order u32 from the first four bytes of a network-order address. */
export function inAddrOf(b: Uint8Array): number {
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}

/** Dotted quad of a host-order u32 (inet_ntoa). */
export function inAddrNtoa(addr: number): string {
  return `${addr >>> 24}.${(addr >>> 16) & 0xff}.${(addr >>> 8) & 0xff}.${addr & 0xff}`;
}

/* IFLA_AF_SPEC / AF_INET (include/uapi/linux/if_link.h enum IFLA_INET_*). */
export const IFLA_INET_UNSPEC = 0;
export const IFLA_INET_CONF = 1;
export const IFLA_INET_MAX = 1;

/**
 * A whole address message in plain form (control-plane Repr): the header and
 * the attributes it carries (undefined = absent).
 */
export interface IfaddrRepr {
  msg: Ifaddrmsg;
  address?: number;
  local?: number;
  broadcast?: number;
  label?: string;
  flags?: number;
  rtPriority?: number;
  proto?: number;
  cacheinfo?: IfaCacheinfo;
}

/**
 * Append the attributes of `r` to a message being built, in the order Linux's
 * inet_fill_ifaddr() puts them: ADDRESS, LOCAL, BROADCAST, LABEL, PROTO, FLAGS,
 * RT_PRIORITY, CACHEINFO. The ifaddrmsg itself is written by the caller (it
 * sits in the message's fixed header, see ifaddrmsgEmit).
 */
export function ifaddrAttrsEmit(b: NlMsgBuilder, r: IfaddrRepr): void {
  if (r.address !== undefined) b.nlaPut(IFA_ADDRESS, inAddrBytes(r.address));
  if (r.local !== undefined) b.nlaPut(IFA_LOCAL, inAddrBytes(r.local));
  if (r.broadcast !== undefined) b.nlaPut(IFA_BROADCAST, inAddrBytes(r.broadcast));
  if (r.label !== undefined) b.nlaPutString(IFA_LABEL, r.label);
  if (r.proto !== undefined) b.nlaPutU8(IFA_PROTO, r.proto);
  if (r.flags !== undefined) b.nlaPutU32(IFA_FLAGS, r.flags);
  if (r.rtPriority !== undefined) b.nlaPutU32(IFA_RT_PRIORITY, r.rtPriority);
  if (r.cacheinfo !== undefined) b.nlaPut(IFA_CACHEINFO, ifaCacheinfoEmit(r.cacheinfo));
}

/** Build one whole address message (header, ifaddrmsg, attributes). Returns the header offset. */
export function ifaddrMsgEmit(b: NlMsgBuilder, type: number, flags: number, seq: number, portid: number,
  r: IfaddrRepr): number {
  const nlh = b.nlmsgPut(portid, seq, type, IFADDRMSG_LEN, flags);
  ifaddrmsgEmit(b.buf, nlh + NLMSG_HDRLEN, r.msg);
  ifaddrAttrsEmit(b, r);
  b.nlmsgEnd(nlh);
  return nlh;
}

/**
 * Decode an address message (header included) into its Repr, leniently as
 * iproute2 reads it: attributes too short for their type are ignored. Returns
 * -EINVAL (-22) when the ifaddrmsg does not fit.
 */
export function ifaddrMsgParse(msg: Uint8Array): IfaddrRepr | number {
  const tb = nlmsgParse(msg, IFADDRMSG_LEN, IFA_MAX, null);
  if (typeof tb === 'number') return tb;
  const r: IfaddrRepr = { msg: ifaddrmsgParse(msg, NLMSG_HDRLEN) };
  const addr = (t: number): number | undefined => {
    const a = tb[t];
    return a && a.data.length >= 4 ? inAddrOf(a.data) : undefined;
  };
  const address = addr(IFA_ADDRESS);
  const local = addr(IFA_LOCAL);
  const broadcast = addr(IFA_BROADCAST);
  if (address !== undefined) r.address = address;
  if (local !== undefined) r.local = local;
  if (broadcast !== undefined) r.broadcast = broadcast;
  if (tb[IFA_LABEL]) r.label = nlaGetString(tb[IFA_LABEL]);
  if (tb[IFA_PROTO] && tb[IFA_PROTO].data.length >= 1) r.proto = nlaGetU8(tb[IFA_PROTO]);
  if (tb[IFA_FLAGS] && tb[IFA_FLAGS].data.length >= 4) r.flags = nlaGetU32(tb[IFA_FLAGS]);
  if (tb[IFA_RT_PRIORITY] && tb[IFA_RT_PRIORITY].data.length >= 4) r.rtPriority = nlaGetU32(tb[IFA_RT_PRIORITY]);
  if (tb[IFA_CACHEINFO] && tb[IFA_CACHEINFO].data.length >= IFA_CACHEINFO_LEN) {
    r.cacheinfo = ifaCacheinfoParse(tb[IFA_CACHEINFO].data);
  }
  return r;
}
