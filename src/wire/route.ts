/**
 * Routing message constants (Linux: include/uapi/linux/rtnetlink.h: rtmsg, RTN_*,
 * RT_SCOPE_*, RTPROT_*, RT_TABLE_*, RTA_*, RTAX_*, struct rtnexthop). The FIB
 * frontend extends this file with rtmsg encode/decode.
 */
import type { NlMsgBuilder } from './netlink.js';

/* Route types (rtm_type). */
export const RTN_UNSPEC = 0;
export const RTN_UNICAST = 1;
export const RTN_LOCAL = 2;
export const RTN_BROADCAST = 3;
export const RTN_ANYCAST = 4;
export const RTN_MULTICAST = 5;
export const RTN_BLACKHOLE = 6;
export const RTN_UNREACHABLE = 7;
export const RTN_PROHIBIT = 8;
export const RTN_THROW = 9;
export const RTN_NAT = 10;
export const RTN_XRESOLVE = 11;
export const RTN_MAX = 11;

/* rtm_scope */
export const RT_SCOPE_UNIVERSE = 0;
export const RT_SCOPE_SITE = 200;
export const RT_SCOPE_LINK = 253;
export const RT_SCOPE_HOST = 254;
export const RT_SCOPE_NOWHERE = 255;

/* rtm_protocol */
export const RTPROT_UNSPEC = 0;
export const RTPROT_REDIRECT = 1;
export const RTPROT_KERNEL = 2;
export const RTPROT_BOOT = 3;
export const RTPROT_STATIC = 4;
export const RTPROT_DHCP = 16;

/* Reserved table ids. */
export const RT_TABLE_UNSPEC = 0;
export const RT_TABLE_COMPAT = 252;
export const RT_TABLE_DEFAULT = 253;
export const RT_TABLE_MAIN = 254;
export const RT_TABLE_LOCAL = 255;
export const RT_TABLE_MAX = 0xffffffff;

/* rtm_flags */
export const RTM_F_NOTIFY = 0x100;
export const RTM_F_CLONED = 0x200;
export const RTM_F_EQUALIZE = 0x400;
export const RTM_F_PREFIX = 0x800;
export const RTM_F_LOOKUP_TABLE = 0x1000;
export const RTM_F_FIB_MATCH = 0x2000;
export const RTM_F_OFFLOAD = 0x4000;
export const RTM_F_TRAP = 0x8000;

/* Nexthop flags (rtnh_flags / rtm_flags low byte). */
export const RTNH_F_DEAD = 1;
export const RTNH_F_PERVASIVE = 2;
export const RTNH_F_ONLINK = 4;
export const RTNH_F_OFFLOAD = 8;
export const RTNH_F_LINKDOWN = 16;
export const RTNH_F_UNRESOLVED = 32;
export const RTNH_F_TRAP = 64;

/* Route attributes. */
export const RTA_UNSPEC = 0;
export const RTA_DST = 1;
export const RTA_SRC = 2;
export const RTA_IIF = 3;
export const RTA_OIF = 4;
export const RTA_GATEWAY = 5;
export const RTA_PRIORITY = 6;
export const RTA_PREFSRC = 7;
export const RTA_METRICS = 8;
export const RTA_MULTIPATH = 9;
export const RTA_PROTOINFO = 10;
export const RTA_FLOW = 11;
export const RTA_CACHEINFO = 12;
export const RTA_SESSION = 13;
export const RTA_MP_ALGO = 14;
export const RTA_TABLE = 15;
export const RTA_MARK = 16;
export const RTA_MFC_STATS = 17;
export const RTA_VIA = 18;
export const RTA_NEWDST = 19;
export const RTA_PREF = 20;
export const RTA_ENCAP_TYPE = 21;
export const RTA_ENCAP = 22;
export const RTA_EXPIRES = 23;
export const RTA_PAD = 24;
export const RTA_UID = 25;
export const RTA_TTL_PROPAGATE = 26;
export const RTA_IP_PROTO = 27;
export const RTA_SPORT = 28;
export const RTA_DPORT = 29;
export const RTA_NH_ID = 30;
export const RTA_MAX = 30;

/* Route metrics (RTA_METRICS nested attribute types). */
export const RTAX_UNSPEC = 0;
export const RTAX_LOCK = 1;
export const RTAX_MTU = 2;
export const RTAX_WINDOW = 3;
export const RTAX_RTT = 4;
export const RTAX_RTTVAR = 5;
export const RTAX_SSTHRESH = 6;
export const RTAX_CWND = 7;
export const RTAX_ADVMSS = 8;
export const RTAX_REORDERING = 9;
export const RTAX_HOPLIMIT = 10;
export const RTAX_INITCWND = 11;
export const RTAX_FEATURES = 12;
export const RTAX_RTO_MIN = 13;
export const RTAX_INITRWND = 14;
export const RTAX_QUICKACK = 15;
export const RTAX_CC_ALGO = 16;
export const RTAX_FASTOPEN_NO_COOKIE = 17;
export const RTAX_MAX = 17;

/* ------------------------------------------------------------------ */
/* struct rtmsg, struct rtnexthop, struct rtvia                        */


/**
 * struct rtmsg (12 bytes), the fixed header of RTM_*ROUTE messages:
 * ```
 *  0        1         2         3       4         5          6         7        8
 *  | family | dst_len | src_len | tos   | table   | protocol | scope   | type   | flags (u32) |
 * ```
 */
export const RTMSG_LEN = 12;

export interface Rtmsg {
  family: number;
  dstLen: number;
  srcLen: number;
  tos: number;
  table: number;
  protocol: number;
  scope: number;
  type: number;
  flags: number;
}

/** Decode the rtmsg at `off` (the caller checked 12 bytes are there). */
export function rtmsgParse(buf: Uint8Array, off: number): Rtmsg {
  return {
    family: buf[off]!,
    dstLen: buf[off + 1]!,
    srcLen: buf[off + 2]!,
    tos: buf[off + 3]!,
    table: buf[off + 4]!,
    protocol: buf[off + 5]!,
    scope: buf[off + 6]!,
    type: buf[off + 7]!,
    flags: (buf[off + 8]! | (buf[off + 9]! << 8) | (buf[off + 10]! << 16) | (buf[off + 11]! << 24)) >>> 0,
  };
}

/** Write an rtmsg at `off` of a message being built. */
export function rtmsgPut(b: NlMsgBuilder, off: number, r: Rtmsg): void {
  b.setU8(off, r.family);
  b.setU8(off + 1, r.dstLen);
  b.setU8(off + 2, r.srcLen);
  b.setU8(off + 3, r.tos);
  b.setU8(off + 4, r.table);
  b.setU8(off + 5, r.protocol);
  b.setU8(off + 6, r.scope);
  b.setU8(off + 7, r.type);
  b.setU32(off + 8, r.flags);
}

/**
 * struct rtnexthop (8 bytes) heading each nexthop inside RTA_MULTIPATH, followed by
 * its own attributes (RTA_GATEWAY, RTA_FLOW ...), the whole padded to 4:
 * ```
 *  0           2             3            4
 *  | len (u16) | flags (u8)  | hops (u8)  | ifindex (s32) |
 * ```
 * `hops` is the weight minus one.
 */
export const RTNH_LEN = 8;
export const RTNH_ALIGNTO = 4;

export interface Rtnexthop {
  len: number;
  flags: number;
  hops: number;
  ifindex: number;
}

export function rtnhAlign(len: number): number {
  return (len + RTNH_ALIGNTO - 1) & ~(RTNH_ALIGNTO - 1);
}

/** Decode the rtnexthop at `off` (the caller checked 8 bytes are there). */
export function rtnexthopParse(buf: Uint8Array, off: number): Rtnexthop {
  return {
    len: buf[off]! | (buf[off + 1]! << 8),
    flags: buf[off + 2]!,
    hops: buf[off + 3]!,
    ifindex: buf[off + 4]! | (buf[off + 5]! << 8) | (buf[off + 6]! << 16) | (buf[off + 7]! << 24),
  };
}

/** Write an rtnexthop at `off`. */
export function rtnexthopPut(b: NlMsgBuilder, off: number, h: Rtnexthop): void {
  b.setU16(off, h.len);
  b.setU8(off + 2, h.flags);
  b.setU8(off + 3, h.hops);
  b.setS32(off + 4, h.ifindex);
}

/** struct rta_cacheinfo (RTA_CACHEINFO): eight u32s. */
export const RTA_CACHEINFO_LEN = 32;

/** struct rtvia: u16 family (host order) then the address (RTA_VIA). */
export const RTVIA_ADDR_OFF = 2;

/**
 * Walk the rtnexthop entries of an RTA_MULTIPATH payload (Linux: rtnh_ok()/rtnh_next()):
 * each entry's header, its attributes and its offset in `buf`. `rem` is what is left
 * that did not form a whole entry (Linux's "extra data after nexthops").
 */
export function rtnhWalk(buf: Uint8Array): { nhs: { nh: Rtnexthop; attrs: Uint8Array; offset: number }[]; rem: number } {
  const nhs: { nh: Rtnexthop; attrs: Uint8Array; offset: number }[] = [];
  let off = 0;
  let remaining = buf.length;
  while (remaining >= RTNH_LEN) {
    const nh = rtnexthopParse(buf, off);
    if (nh.len < RTNH_LEN || nh.len > remaining) break;
    nhs.push({ nh, attrs: buf.subarray(off + RTNH_LEN, off + nh.len), offset: off });
    const step = rtnhAlign(nh.len);
    off += step;
    remaining -= step;
  }
  return { nhs, rem: Math.max(0, remaining) };
}

/* RTAX_FEATURES bits (Linux: RTAX_FEATURE_*) and the mask userspace may set. */
export const RTAX_FEATURE_ECN = 1 << 0;
export const RTAX_FEATURE_SACK = 1 << 1;
export const RTAX_FEATURE_TIMESTAMP = 1 << 2;
export const RTAX_FEATURE_ALLFRAG = 1 << 3;
export const RTAX_FEATURE_TCP_USEC_TS = 1 << 4;
export const RTAX_FEATURE_MASK = RTAX_FEATURE_ECN | RTAX_FEATURE_SACK | RTAX_FEATURE_TIMESTAMP |
  RTAX_FEATURE_ALLFRAG | RTAX_FEATURE_TCP_USEC_TS;
