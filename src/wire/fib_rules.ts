/**
 * Policy routing rule messages (Linux: include/uapi/linux/fib_rules.h): the
 * 12-byte `struct fib_rule_hdr` that starts RTM_NEWRULE/DELRULE/GETRULE
 * payloads, the FRA_* attributes, the FR_ACT_* actions and FIB_RULE_* flags.
 * Both the kernel side (src/core/fib_rules.ts) and `ip rule` use them.
 *
 * ```
 *  fib_rule_hdr (12 bytes, host order)
 *  0        1        2        3        4       5      6      7        8
 *  | family | dst_len| src_len| tos    | table | res1 | res2 | action | flags (u32) |
 * ```
 */
import type { NlMsgBuilder } from './netlink.js';

export const FIB_RULE_HDR_LEN = 12;

/* frh->flags */
export const FIB_RULE_PERMANENT = 0x00000001;
export const FIB_RULE_INVERT = 0x00000002;
export const FIB_RULE_UNRESOLVED = 0x00000004;
export const FIB_RULE_IIF_DETACHED = 0x00000008;
export const FIB_RULE_DEV_DETACHED = FIB_RULE_IIF_DETACHED;
export const FIB_RULE_OIF_DETACHED = 0x00000010;
/** try to find source address in routing lookups */
export const FIB_RULE_FIND_SADDR = 0x00010000;

/* enum FRA_* (rule attributes). */
export const FRA_UNSPEC = 0;
export const FRA_DST = 1;
export const FRA_SRC = 2;
export const FRA_IIFNAME = 3;
/** Old name of FRA_IIFNAME. */
export const FRA_IFNAME = FRA_IIFNAME;
export const FRA_GOTO = 4;
export const FRA_UNUSED2 = 5;
export const FRA_PRIORITY = 6;
export const FRA_UNUSED3 = 7;
export const FRA_UNUSED4 = 8;
export const FRA_UNUSED5 = 9;
export const FRA_FWMARK = 10;
export const FRA_FLOW = 11;
export const FRA_TUN_ID = 12;
export const FRA_SUPPRESS_IFGROUP = 13;
export const FRA_SUPPRESS_PREFIXLEN = 14;
export const FRA_TABLE = 15;
export const FRA_FWMASK = 16;
export const FRA_OIFNAME = 17;
export const FRA_PAD = 18;
export const FRA_L3MDEV = 19;
export const FRA_UID_RANGE = 20;
export const FRA_PROTOCOL = 21;
export const FRA_IP_PROTO = 22;
export const FRA_SPORT_RANGE = 23;
export const FRA_DPORT_RANGE = 24;
export const FRA_MAX = 24;

/* enum FR_ACT_* (frh->action). */
export const FR_ACT_UNSPEC = 0;
/** Pass to fixed table */
export const FR_ACT_TO_TBL = 1;
/** Jump to another rule */
export const FR_ACT_GOTO = 2;
/** No operation */
export const FR_ACT_NOP = 3;
export const FR_ACT_RES3 = 4;
export const FR_ACT_RES4 = 5;
/** Drop without notification */
export const FR_ACT_BLACKHOLE = 6;
/** Drop with ENETUNREACH */
export const FR_ACT_UNREACHABLE = 7;
/** Drop with EACCES */
export const FR_ACT_PROHIBIT = 8;
export const FR_ACT_MAX = 8;

/** struct fib_rule_hdr, decoded. */
export interface FibRuleHdr {
  family: number;
  dstLen: number;
  srcLen: number;
  tos: number;
  table: number;
  res1: number;
  res2: number;
  action: number;
  flags: number;
}

/** Decode the fib_rule_hdr at `off` (the caller checked 12 bytes are there). */
export function fibRuleHdrParse(buf: Uint8Array, off: number): FibRuleHdr {
  return {
    family: buf[off]!,
    dstLen: buf[off + 1]!,
    srcLen: buf[off + 2]!,
    tos: buf[off + 3]!,
    table: buf[off + 4]!,
    res1: buf[off + 5]!,
    res2: buf[off + 6]!,
    action: buf[off + 7]!,
    flags: (buf[off + 8]! | (buf[off + 9]! << 8) | (buf[off + 10]! << 16) | (buf[off + 11]! << 24)) >>> 0,
  };
}

/** Write a fib_rule_hdr at `off` of a message being built. */
export function fibRuleHdrPut(b: NlMsgBuilder, off: number, h: FibRuleHdr): void {
  b.setU8(off, h.family);
  b.setU8(off + 1, h.dstLen);
  b.setU8(off + 2, h.srcLen);
  b.setU8(off + 3, h.tos);
  b.setU8(off + 4, h.table);
  b.setU8(off + 5, h.res1);
  b.setU8(off + 6, h.res2);
  b.setU8(off + 7, h.action);
  b.setU32(off + 8, h.flags);
}

/** struct fib_rule_uid_range { u32 start, end } (host order). */
export interface FibRuleUidRange {
  start: number;
  end: number;
}
/** struct fib_rule_port_range { u16 start, end } (host order). */
export interface FibRulePortRange {
  start: number;
  end: number;
}

/** Encode a uid range attribute payload. */
export function fibRuleUidRangeBytes(r: FibRuleUidRange): Uint8Array {
  const a = new Uint8Array(8);
  const v = new DataView(a.buffer);
  v.setUint32(0, r.start >>> 0, true);
  v.setUint32(4, r.end >>> 0, true);
  return a;
}
/** Decode a uid range attribute payload (short payloads read as zeros). */
export function fibRuleUidRangeParse(d: Uint8Array): FibRuleUidRange {
  const a = new Uint8Array(8);
  a.set(d.subarray(0, 8));
  const v = new DataView(a.buffer);
  return { start: v.getUint32(0, true), end: v.getUint32(4, true) };
}
/** Encode a port range attribute payload. */
export function fibRulePortRangeBytes(r: FibRulePortRange): Uint8Array {
  const a = new Uint8Array(4);
  const v = new DataView(a.buffer);
  v.setUint16(0, r.start & 0xffff, true);
  v.setUint16(2, r.end & 0xffff, true);
  return a;
}
/** Decode a port range attribute payload (short payloads read as zeros). */
export function fibRulePortRangeParse(d: Uint8Array): FibRulePortRange {
  const a = new Uint8Array(4);
  a.set(d.subarray(0, 4));
  const v = new DataView(a.buffer);
  return { start: v.getUint16(0, true), end: v.getUint16(2, true) };
}
