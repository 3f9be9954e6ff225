/**
 * Netlink wire format (Linux: include/uapi/linux/netlink.h, include/net/netlink.h,
 * lib/nlattr.c): the 16-byte `struct nlmsghdr`, the 4-byte `struct nlattr` TLVs,
 * alignment rules, the NLM_F_* flags and NLMSG_* control types, and the helpers
 * both sides use: the kernel to parse requests and build replies, userspace
 * tools (ip, bridge, tc) to build requests and parse replies.
 *
 * ```
 *  nlmsghdr (16 bytes, host order)         nlattr (4 bytes + payload, padded to 4)
 *  0      4      6       8      12     16   0       2       4
 *  | len  | type | flags | seq  | pid  |    | len   | type  | payload ... | pad |
 * ```
 *
 * Netlink uses host byte order. tuxnet fixes it to little endian, what Linux uses on
 * x86-64 and arm64, so captures and golden bytes compare with a real host's.
 * Messages are plain Uint8Arrays: a request is parsed in place (attributes are
 * views into the caller's buffer), a reply is written by `NlMsgBuilder`, which
 * plays the role of the kernel's reply skb (`nlmsg_put`, `nla_put_*`,
 * `nla_nest_start`, `nlmsg_end`, `nlmsg_cancel`).
 */

/* ------------------------------------------------------------------ */
/* Protocols, header layout, flags (uapi/linux/netlink.h)             */

export const NETLINK_ROUTE = 0;
export const NETLINK_UNUSED = 1;
export const NETLINK_USERSOCK = 2;
export const NETLINK_FIREWALL = 3;
export const NETLINK_SOCK_DIAG = 4;
export const NETLINK_NFLOG = 5;
export const NETLINK_XFRM = 6;
export const NETLINK_SELINUX = 7;
export const NETLINK_ISCSI = 8;
export const NETLINK_AUDIT = 9;
export const NETLINK_FIB_LOOKUP = 10;
export const NETLINK_CONNECTOR = 11;
export const NETLINK_NETFILTER = 12;
export const NETLINK_IP6_FW = 13;
export const NETLINK_DNRTMSG = 14;
export const NETLINK_KOBJECT_UEVENT = 15;
export const NETLINK_GENERIC = 16;
export const MAX_LINKS = 32;

export const NLMSG_ALIGNTO = 4;
export const NLMSG_HDRLEN = 16;
export const NLA_ALIGNTO = 4;
export const NLA_HDRLEN = 4;

/** Flags values (nlmsg_flags). */
export const NLM_F_REQUEST = 0x01;
export const NLM_F_MULTI = 0x02;
export const NLM_F_ACK = 0x04;
export const NLM_F_ECHO = 0x08;
export const NLM_F_DUMP_INTR = 0x10;
export const NLM_F_DUMP_FILTERED = 0x20;
/** Modifiers to GET requests. */
export const NLM_F_ROOT = 0x100;
export const NLM_F_MATCH = 0x200;
export const NLM_F_ATOMIC = 0x400;
export const NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;
/** Modifiers to NEW requests. */
export const NLM_F_REPLACE = 0x100;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;
export const NLM_F_APPEND = 0x800;
/** Modifiers to DELETE requests. */
export const NLM_F_NONREC = 0x100;
export const NLM_F_BULK = 0x200;
/** Flags for ACK messages. */
export const NLM_F_CAPPED = 0x100;
export const NLM_F_ACK_TLVS = 0x200;

/** Control message types. */
export const NLMSG_NOOP = 0x1;
export const NLMSG_ERROR = 0x2;
export const NLMSG_DONE = 0x3;
export const NLMSG_OVERRUN = 0x4;
export const NLMSG_MIN_TYPE = 0x10;

/** enum nlmsgerr_attrs: TLVs after an NLMSG_ERROR when NETLINK_EXT_ACK is on. */
export const NLMSGERR_ATTR_UNUSED = 0;
export const NLMSGERR_ATTR_MSG = 1;
export const NLMSGERR_ATTR_OFFS = 2;
export const NLMSGERR_ATTR_COOKIE = 3;
export const NLMSGERR_ATTR_POLICY = 4;
export const NLMSGERR_ATTR_MISS_TYPE = 5;
export const NLMSGERR_ATTR_MISS_NEST = 6;

/** Socket options at SOL_NETLINK. */
export const NETLINK_ADD_MEMBERSHIP = 1;
export const NETLINK_DROP_MEMBERSHIP = 2;
export const NETLINK_PKTINFO = 3;
export const NETLINK_BROADCAST_ERROR = 4;
export const NETLINK_NO_ENOBUFS = 5;
export const NETLINK_RX_RING = 6;
export const NETLINK_TX_RING = 7;
export const NETLINK_LISTEN_ALL_NSID = 8;
export const NETLINK_LIST_MEMBERSHIPS = 9;
export const NETLINK_CAP_ACK = 10;
export const NETLINK_EXT_ACK = 11;
export const NETLINK_GET_STRICT_CHK = 12;

/** nlattr type bits. */
export const NLA_F_NESTED = 1 << 15;
export const NLA_F_NET_BYTEORDER = 1 << 14;
export const NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xffff;

/** Linux: NLMSG_ALIGN() / NLA_ALIGN(). */
export function nlmsgAlign(len: number): number {
  return (len + NLMSG_ALIGNTO - 1) & ~(NLMSG_ALIGNTO - 1);
}
export const nlaAlign = nlmsgAlign;
/** Linux: nlmsg_msg_size(): header plus payload, unpadded. */
export function nlmsgMsgSize(payload: number): number {
  return NLMSG_HDRLEN + payload;
}
/** Linux: nlmsg_total_size(). */
export function nlmsgTotalSize(payload: number): number {
  return nlmsgAlign(nlmsgMsgSize(payload));
}
/** Linux: nla_total_size(). */
export function nlaTotalSize(payload: number): number {
  return nlaAlign(NLA_HDRLEN + payload);
}

/* ------------------------------------------------------------------ */
/* Reading                                                            */

/** struct nlmsghdr, decoded. `off` is where it starts in its buffer. */
export interface NlMsghdr {
  len: number;
  type: number;
  flags: number;
  seq: number;
  pid: number;
}

/** A message found in a datagram: its header, where it starts, and its whole bytes. */
export interface NlMsg extends NlMsghdr {
  /** The whole message (header + payload), a view into the datagram. */
  msg: Uint8Array;
  /** Offset of the message in the datagram (extack offsets are from the message start). */
  off: number;
}

function dv(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Decode the nlmsghdr at `off`; the caller checked 16 bytes are there. */
export function nlmsgHdr(buf: Uint8Array, off = 0): NlMsghdr {
  const v = dv(buf);
  return {
    len: v.getUint32(off, true),
    type: v.getUint16(off + 4, true),
    flags: v.getUint16(off + 6, true),
    seq: v.getUint32(off + 8, true),
    pid: v.getUint32(off + 12, true),
  };
}

/** Write an nlmsghdr at `off`. */
export function nlmsgPutHdr(buf: Uint8Array, off: number, h: NlMsghdr): void {
  const v = dv(buf);
  v.setUint32(off, h.len >>> 0, true);
  v.setUint16(off + 4, h.type & 0xffff, true);
  v.setUint16(off + 6, h.flags & 0xffff, true);
  v.setUint32(off + 8, h.seq >>> 0, true);
  v.setUint32(off + 12, h.pid >>> 0, true);
}

/**
 * Split a datagram into messages (Linux: NLMSG_OK/NLMSG_NEXT). Stops at the
 * first malformed header: `bad` then holds its offset (a length under 16, or
 * past the end of the datagram), -1 when the datagram parsed to the end.
 * Trailing bytes too short for a header are ignored, as Linux does.
 */
export function nlmsgSplit(buf: Uint8Array): { msgs: NlMsg[]; bad: number } {
  const msgs: NlMsg[] = [];
  let off = 0;
  while (buf.length - off >= NLMSG_HDRLEN) {
    const h = nlmsgHdr(buf, off);
    if (h.len < NLMSG_HDRLEN || h.len > buf.length - off) return { msgs, bad: off };
    msgs.push({ ...h, msg: buf.subarray(off, off + h.len), off });
    off += Math.min(nlmsgAlign(h.len), buf.length - off);
  }
  return { msgs, bad: -1 };
}

/** Payload of a message (Linux: nlmsg_data() .. nlmsg_len()). */
export function nlmsgData(m: { msg: Uint8Array }): Uint8Array {
  return m.msg.subarray(NLMSG_HDRLEN);
}

/** One attribute, a view into its message. */
export class NlAttr {
  constructor(
    /** Type without the NESTED/NET_BYTEORDER bits. */
    readonly type: number,
    /** The raw nla_type (with flag bits). */
    readonly rawType: number,
    /** Payload (nla_len - 4 bytes). */
    readonly data: Uint8Array,
    /** Offset of the attribute header from the start of the containing buffer given to the parser. */
    readonly offset: number,
  ) {}
  get nested(): boolean {
    return (this.rawType & NLA_F_NESTED) !== 0;
  }
}

/**
 * Walk a stream of attributes (Linux: nla_for_each_attr). Returns the attributes
 * in order and `rem`, the bytes left that did not form a whole attribute
 * (Linux warns "bytes leftover after parsing attributes").
 * `base` is added to each attribute's offset (so offsets can be message-relative).
 */
export function nlaWalk(buf: Uint8Array, off: number, len: number, base = 0): { attrs: NlAttr[]; rem: number } {
  const attrs: NlAttr[] = [];
  const v = dv(buf);
  let rem = Math.min(len, buf.length - off);
  let p = off;
  while (rem >= NLA_HDRLEN) {
    const alen = v.getUint16(p, true);
    if (alen < NLA_HDRLEN || alen > rem) break;
    const rawType = v.getUint16(p + 2, true);
    attrs.push(new NlAttr(rawType & NLA_TYPE_MASK, rawType, buf.subarray(p + NLA_HDRLEN, p + alen), base + p));
    const step = nlaAlign(alen);
    p += step;
    rem -= step;
  }
  return { attrs, rem: Math.max(rem, 0) };
}

/* Attribute payload getters (Linux: nla_get_*). They read what is there; policy checks lengths. */
export function nlaGetU8(a: NlAttr): number {
  return a.data[0] ?? 0;
}
export function nlaGetU16(a: NlAttr): number {
  return a.data.length >= 2 ? dv(a.data).getUint16(0, true) : 0;
}
export function nlaGetBe16(a: NlAttr): number {
  return a.data.length >= 2 ? dv(a.data).getUint16(0, false) : 0;
}
export function nlaGetU32(a: NlAttr): number {
  return a.data.length >= 4 ? dv(a.data).getUint32(0, true) : 0;
}
export function nlaGetBe32(a: NlAttr): number {
  return a.data.length >= 4 ? dv(a.data).getUint32(0, false) : 0;
}
export function nlaGetS32(a: NlAttr): number {
  return a.data.length >= 4 ? dv(a.data).getInt32(0, true) : 0;
}
/** A u64 as a JS number (exact below 2^53). */
export function nlaGetU64(a: NlAttr): number {
  if (a.data.length < 8) return 0;
  const v = dv(a.data);
  return v.getUint32(4, true) * 2 ** 32 + v.getUint32(0, true);
}
/** A string attribute up to its first NUL (Linux: nla_strscpy semantics). */
export function nlaGetString(a: NlAttr): string {
  let end = a.data.indexOf(0);
  if (end < 0) end = a.data.length;
  return new TextDecoder().decode(a.data.subarray(0, end));
}
/** Linux: nla_get_flag(). */
export function nlaGetFlag(a: NlAttr | undefined): boolean {
  return a !== undefined;
}

/* ------------------------------------------------------------------ */
/* Policies (Linux: struct nla_policy, lib/nlattr.c validate_nla)     */

/** Attribute data types (Linux: enum nla_types in include/net/netlink.h). */
export const NLA_UNSPEC = 0;
export const NLA_U8 = 1;
export const NLA_U16 = 2;
export const NLA_U32 = 3;
export const NLA_U64 = 4;
export const NLA_STRING = 5;
export const NLA_FLAG = 6;
export const NLA_MSECS = 7;
export const NLA_NESTED = 8;
export const NLA_NESTED_ARRAY = 9;
export const NLA_NUL_STRING = 10;
export const NLA_BINARY = 11;
export const NLA_S8 = 12;
export const NLA_S16 = 13;
export const NLA_S32 = 14;
export const NLA_S64 = 15;
export const NLA_BITFIELD32 = 16;
export const NLA_REJECT = 17;
export const NLA_BE16 = 18;
export const NLA_BE32 = 19;

const NLA_MINLEN: Record<number, number> = {
  [NLA_U8]: 1, [NLA_U16]: 2, [NLA_U32]: 4, [NLA_U64]: 8, [NLA_MSECS]: 8, [NLA_NESTED]: NLA_HDRLEN,
  [NLA_S8]: 1, [NLA_S16]: 2, [NLA_S32]: 4, [NLA_S64]: 8, [NLA_BITFIELD32]: 8, [NLA_BE16]: 2, [NLA_BE32]: 4,
};

export interface NlaPolicyEntry {
  type: number;
  /** STRING/BINARY: maximum length; others: minimum length. */
  len?: number;
  /** NLA_REJECT: message for the extended ack. */
  rejectMsg?: string;
}
/** A policy: entry per attribute type; types without an entry are accepted unchecked. */
export type NlaPolicy = Record<number, NlaPolicyEntry>;

/** Linux: struct netlink_ext_ack (what the kernel reports beyond an errno). */
export interface NetlinkExtAck {
  msg?: string;
  /** Offset of the offending attribute from the start of the message (NLMSGERR_ATTR_OFFS). */
  badAttrOffset?: number;
  missType?: number;
}

/** Linux: NL_SET_ERR_MSG_ATTR(). */
export function nlSetErrMsgAttr(extack: NetlinkExtAck | undefined, a: NlAttr, msg: string): void {
  if (!extack) return;
  extack.msg = msg;
  extack.badAttrOffset = a.offset;
}

/**
 * Linux: validate_nla() in its liberal ("deprecated") form, which rtnetlink uses:
 * an attribute shorter than its type needs is -ERANGE ("Attribute failed policy
 * validation"); a string or binary longer than `len` is -ERANGE; NLA_REJECT is -EINVAL.
 */
export function nlaValidateOne(a: NlAttr, pt: NlaPolicyEntry | undefined, extack?: NetlinkExtAck): number {
  if (!pt) return 0;
  const attrlen = a.data.length;
  switch (pt.type) {
    case NLA_REJECT:
      nlSetErrMsgAttr(extack, a, pt.rejectMsg ?? 'Attribute not supported');
      return -22;
    case NLA_FLAG:
      if (attrlen > 0) break;
      return 0;
    case NLA_STRING:
      if (pt.len) {
        let l = attrlen;
        if (l > 0 && a.data[l - 1] === 0) l--;
        if (l > pt.len) break;
      }
      return 0;
    case NLA_NUL_STRING: {
      const maxlen = pt.len ? pt.len + 1 : attrlen;
      if (attrlen > maxlen || a.data.subarray(0, Math.min(attrlen, maxlen)).indexOf(0) < 0) {
        nlSetErrMsgAttr(extack, a, 'Attribute failed policy validation');
        return -22;
      }
      return 0;
    }
    case NLA_BINARY:
      if (pt.len && attrlen > pt.len) break;
      return 0;
    case NLA_NESTED:
      if (attrlen === 0) return 0;
      if (attrlen < NLA_HDRLEN) break;
      return 0;
    case NLA_UNSPEC:
      if (pt.len && attrlen < pt.len) break;
      return 0;
    default: {
      const minlen = pt.len ?? NLA_MINLEN[pt.type] ?? 0;
      if (attrlen < minlen) break;
      return 0;
    }
  }
  nlSetErrMsgAttr(extack, a, 'Attribute failed policy validation');
  return -34; // -ERANGE
}

/** Parsed attribute table (Linux: struct nlattr *tb[maxtype + 1]); a later duplicate wins, as in Linux. */
export type NlaTable = (NlAttr | undefined)[];

/**
 * Linux: __nla_parse() with NL_VALIDATE_LIBERAL: fill tb[] with attributes
 * 1..maxtype, ignore unknown ones (types above maxtype), validate against the
 * policy. Leftover bytes are ignored unless `strict` (Linux NL_VALIDATE_TRAILING),
 * then -EINVAL. Returns the table or a negative errno (extack filled).
 */
export function nlaParse(buf: Uint8Array, off: number, len: number, maxtype: number, policy: NlaPolicy | null,
  extack?: NetlinkExtAck, base = 0, strict = false): NlaTable | number {
  const { attrs, rem } = nlaWalk(buf, off, len, base);
  const tb: NlaTable = new Array<NlAttr | undefined>(maxtype + 1);
  for (const a of attrs) {
    if (a.type === 0 || a.type > maxtype) {
      if (strict) {
        nlSetErrMsgAttr(extack, a, 'Unknown attribute type');
        return -22;
      }
      continue;
    }
    if (policy) {
      const err = nlaValidateOne(a, policy[a.type], extack);
      if (err < 0) return err;
    }
    tb[a.type] = a;
  }
  if (rem > 0 && strict) {
    if (extack) extack.msg = 'bytes leftover after parsing attributes';
    return -22;
  }
  return tb;
}

/** Linux: nla_parse_nested_deprecated(). Offsets stay relative to the same base as `a`. */
export function nlaParseNested(a: NlAttr, maxtype: number, policy: NlaPolicy | null, extack?: NetlinkExtAck,
  strict = false): NlaTable | number {
  return nlaParse(a.data, 0, a.data.length, maxtype, policy, extack, a.offset + NLA_HDRLEN, strict);
}

/**
 * Linux: nlmsg_parse_deprecated(): the fixed family header of `hdrlen` bytes must
 * be there ("Invalid header length", -EINVAL), then attributes follow at
 * NLMSG_ALIGN(hdrlen). Attribute offsets are relative to the message start.
 */
export function nlmsgParse(msg: Uint8Array, hdrlen: number, maxtype: number, policy: NlaPolicy | null,
  extack?: NetlinkExtAck, strict = false): NlaTable | number {
  if (msg.length < nlmsgMsgSize(hdrlen)) {
    if (extack) extack.msg = 'Invalid header length';
    return -22;
  }
  const start = NLMSG_HDRLEN + nlmsgAlign(hdrlen);
  return nlaParse(msg, start, Math.max(0, msg.length - start), maxtype, policy, extack, 0, strict);
}

/* ------------------------------------------------------------------ */
/* Writing                                                            */

const encoder = new TextEncoder();

/**
 * A growable message buffer (the kernel's reply skb, or a tool's request buffer).
 * `limit` is the room a dump has (skb tailroom): writers fill a whole message
 * and then call `overLimit()`; if it is over, `trim(mark)` removes the partial
 * message (Linux: nlmsg_cancel) and the dump resumes from it next time.
 */
export class NlMsgBuilder {
  buf: Uint8Array;
  private view: DataView;
  len = 0;
  constructor(initial = 512, readonly limit = Infinity) {
    this.buf = new Uint8Array(Math.max(64, initial));
    this.view = new DataView(this.buf.buffer);
  }

  /** Reserve `n` zeroed bytes at the tail; returns their offset. */
  reserve(n: number): number {
    const off = this.len;
    const need = off + n;
    if (need > this.buf.length) {
      let cap = this.buf.length * 2;
      while (cap < need) cap *= 2;
      const nb = new Uint8Array(cap);
      nb.set(this.buf.subarray(0, this.len));
      this.buf = nb;
      this.view = new DataView(nb.buffer);
    }
    this.buf.fill(0, off, need);
    this.len = need;
    return off;
  }

  /** Whether the content exceeds the room given (the last message must be cancelled). */
  overLimit(): boolean {
    return this.len > this.limit;
  }
  /** Cut back to `mark` (Linux: nlmsg_cancel / nla_nest_cancel / skb_trim). */
  trim(mark: number): void {
    if (mark < this.len) this.len = mark;
  }

  /**
   * Linux: nlmsg_put(): a header plus `payload` zeroed bytes (aligned).
   * Returns the header's offset; the payload starts at offset + 16.
   */
  nlmsgPut(portid: number, seq: number, type: number, payload: number, flags: number): number {
    const off = this.reserve(nlmsgTotalSize(payload));
    nlmsgPutHdr(this.buf, off, { len: nlmsgMsgSize(payload), type, flags, seq, pid: portid });
    return off;
  }
  /** Linux: nlmsg_end(): set nlmsg_len to cover everything added since. */
  nlmsgEnd(nlh: number): void {
    this.view.setUint32(nlh, this.len - nlh, true);
  }
  /** Set nlmsg_flags of the message at `nlh`. */
  setFlags(nlh: number, flags: number): void {
    this.view.setUint16(nlh + 6, flags, true);
  }
  flagsOf(nlh: number): number {
    return this.view.getUint16(nlh + 6, true);
  }

  /* Raw field writers for fixed family headers (ifinfomsg, ifaddrmsg, tcmsg ...). */
  setU8(off: number, v: number): void {
    this.buf[off] = v & 0xff;
  }
  setU16(off: number, v: number): void {
    this.view.setUint16(off, v & 0xffff, true);
  }
  setU32(off: number, v: number): void {
    this.view.setUint32(off, v >>> 0, true);
  }
  setS32(off: number, v: number): void {
    this.view.setInt32(off, v | 0, true);
  }
  setBytes(off: number, b: Uint8Array): void {
    this.buf.set(b, off);
  }
  /** Append raw bytes, padded to 4. */
  putBytes(b: Uint8Array): number {
    const off = this.reserve(nlaAlign(b.length));
    this.buf.set(b, off);
    return off;
  }

  /** Linux: nla_put(): one attribute with `data`, padded. Returns its offset. */
  nlaPut(type: number, data: Uint8Array): number {
    const off = this.reserve(nlaTotalSize(data.length));
    this.view.setUint16(off, NLA_HDRLEN + data.length, true);
    this.view.setUint16(off + 2, type, true);
    this.buf.set(data, off + NLA_HDRLEN);
    return off;
  }
  private nlaPutFixed(type: number, size: number): number {
    const off = this.reserve(nlaTotalSize(size));
    this.view.setUint16(off, NLA_HDRLEN + size, true);
    this.view.setUint16(off + 2, type, true);
    return off + NLA_HDRLEN;
  }
  // The offset is taken before touching buf/view: nlaPutFixed may grow (replace) them.
  nlaPutU8(type: number, v: number): void {
    const off = this.nlaPutFixed(type, 1);
    this.buf[off] = v & 0xff;
  }
  nlaPutU16(type: number, v: number): void {
    const off = this.nlaPutFixed(type, 2);
    this.view.setUint16(off, v & 0xffff, true);
  }
  nlaPutBe16(type: number, v: number): void {
    const off = this.nlaPutFixed(type | NLA_F_NET_BYTEORDER, 2);
    this.view.setUint16(off, v & 0xffff, false);
  }
  nlaPutU32(type: number, v: number): void {
    const off = this.nlaPutFixed(type, 4);
    this.view.setUint32(off, v >>> 0, true);
  }
  nlaPutBe32(type: number, v: number): void {
    const off = this.nlaPutFixed(type | NLA_F_NET_BYTEORDER, 4);
    this.view.setUint32(off, v >>> 0, false);
  }
  nlaPutS32(type: number, v: number): void {
    const off = this.nlaPutFixed(type, 4);
    this.view.setInt32(off, v | 0, true);
  }
  /** A u64 from a JS number (exact below 2^53). Linux pads 64-bit attributes with IFLA_PAD-like attrs only on some arches; x86-64 does not need it. */
  nlaPutU64(type: number, v: number): void {
    const off = this.nlaPutFixed(type, 8);
    this.view.setUint32(off, v % 2 ** 32, true);
    this.view.setUint32(off + 4, Math.floor(v / 2 ** 32), true);
  }
  /** Linux: nla_put_string(): with its NUL. */
  nlaPutString(type: number, s: string): void {
    const b = encoder.encode(s);
    const off = this.nlaPutFixed(type, b.length + 1);
    this.buf.set(b, off);
  }
  /** Linux: nla_put_flag(). */
  nlaPutFlag(type: number): void {
    this.nlaPutFixed(type, 0);
  }
  /** Linux: nla_nest_start(): returns the nest's offset for nlaNestEnd. */
  nlaNestStart(type: number): number {
    const off = this.reserve(NLA_HDRLEN);
    this.view.setUint16(off + 2, type | NLA_F_NESTED, true);
    return off;
  }
  /** Linux: nla_nest_start_noflag() (attributes iproute2 and old kernels nest without the flag). */
  nlaNestStartNoflag(type: number): number {
    const off = this.reserve(NLA_HDRLEN);
    this.view.setUint16(off + 2, type, true);
    return off;
  }
  /** Linux: nla_nest_end(). */
  nlaNestEnd(off: number): void {
    this.view.setUint16(off, this.len - off, true);
  }

  /** A copy of the content. */
  bytes(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/* ------------------------------------------------------------------ */
/* NLMSG_ERROR (struct nlmsgerr)                                      */

/** struct nlmsgerr: int error; struct nlmsghdr msg; [payload]; [TLVs]. */
export const NLMSGERR_SIZE = 4 + NLMSG_HDRLEN;

/** A decoded NLMSG_ERROR: the errno (negative, 0 for an ACK) and extack TLVs. */
export interface NlErrorInfo {
  error: number;
  /** The request header echoed back. */
  orig: NlMsghdr | null;
  msg?: string;
  offs?: number;
  missType?: number;
}

/** Decode the payload of an NLMSG_ERROR message (what iproute2's nl_dump_ext_ack reads). */
export function nlmsgerrParse(m: NlMsg): NlErrorInfo {
  const p = nlmsgData(m);
  if (p.length < 4) return { error: -22, orig: null };
  const error = dv(p).getInt32(0, true);
  const orig = p.length >= NLMSGERR_SIZE ? nlmsgHdr(p, 4) : null;
  const info: NlErrorInfo = { error, orig };
  if (!(m.flags & NLM_F_ACK_TLVS) || !orig) return info;
  // TLVs follow the echoed request unless the reply is capped to its header.
  let tlvOff = NLMSGERR_SIZE;
  if (!(m.flags & NLM_F_CAPPED)) tlvOff = 4 + nlmsgAlign(orig.len);
  const { attrs } = nlaWalk(p, tlvOff, p.length - tlvOff);
  for (const a of attrs) {
    if (a.type === NLMSGERR_ATTR_MSG) info.msg = nlaGetString(a);
    else if (a.type === NLMSGERR_ATTR_OFFS) info.offs = nlaGetU32(a);
    else if (a.type === NLMSGERR_ATTR_MISS_TYPE) info.missType = nlaGetU32(a);
  }
  return info;
}
