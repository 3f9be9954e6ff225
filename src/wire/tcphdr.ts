/**
 * The TCP header and options (Linux: include/uapi/linux/tcp.h struct tcphdr,
 * include/net/tcp.h TCPHDR_* and TCPOPT_*; RFC 9293 §3.1, RFC 7323, RFC 2018).
 *
 * ```
 *   0        2        4                 8                 12   13       14       16       18       20
 *   +--------+--------+-----------------+-----------------+----+--------+--------+--------+--------+
 *   | source |  dest  |      seq        |    ack_seq      |doff| flags  | window | check  |urg_ptr |
 *   +--------+--------+-----------------+-----------------+----+--------+--------+--------+--------+
 *   flags: CWR ECE URG ACK PSH RST SYN FIN (bit 7 .. 0); doff: header length in words (high nibble)
 * ```
 * Sequence numbers are u32 (>>> 0). `tcpOptionsParse` decodes the option list
 * the way tcp_parse_options() walks it (EOL ends, NOP is one byte, a length < 2
 * or past the end stops parsing).
 */
import { csumPartial, csumTcpudpMagic, csumIpv6Magic } from './checksum.js';
import { IPPROTO_TCP } from './iphdr.js';
import { HeaderView, readU16, writeU16, readU32, writeU32 } from './bytes.js';

export const TCP_HLEN = 20;
export const TCP_MAX_HLEN = 60;

export const TCP_FIELD_SOURCE = 0;
export const TCP_FIELD_DEST = 2;
export const TCP_FIELD_SEQ = 4;
export const TCP_FIELD_ACK_SEQ = 8;
export const TCP_FIELD_DOFF = 12;
export const TCP_FIELD_FLAGS = 13;
export const TCP_FIELD_WINDOW = 14;
export const TCP_FIELD_CHECK = 16;
export const TCP_FIELD_URG_PTR = 18;

export const TCPHDR_FIN = 0x01;
export const TCPHDR_SYN = 0x02;
export const TCPHDR_RST = 0x04;
export const TCPHDR_PSH = 0x08;
export const TCPHDR_ACK = 0x10;
export const TCPHDR_URG = 0x20;
export const TCPHDR_ECE = 0x40;
export const TCPHDR_CWR = 0x80;

export const TCPOPT_EOL = 0;
export const TCPOPT_NOP = 1;
export const TCPOPT_MSS = 2;
export const TCPOPT_WINDOW = 3;
export const TCPOPT_SACK_PERM = 4;
export const TCPOPT_SACK = 5;
export const TCPOPT_TIMESTAMP = 8;
export const TCPOPT_MD5SIG = 19;
export const TCPOPT_MPTCP = 30;
export const TCPOPT_FASTOPEN = 34;
export const TCPOPT_EXP = 254;

export const TCPOLEN_MSS = 4;
export const TCPOLEN_WINDOW = 3;
export const TCPOLEN_SACK_PERM = 2;
export const TCPOLEN_TIMESTAMP = 10;

/** Zero-copy view of struct tcphdr. */
export class TcpHdr extends HeaderView {
  get source(): number {
    return readU16(this.buf, this.off + TCP_FIELD_SOURCE);
  }
  set source(v: number) {
    writeU16(this.buf, this.off + TCP_FIELD_SOURCE, v);
  }
  get dest(): number {
    return readU16(this.buf, this.off + TCP_FIELD_DEST);
  }
  set dest(v: number) {
    writeU16(this.buf, this.off + TCP_FIELD_DEST, v);
  }
  get seq(): number {
    return readU32(this.buf, this.off + TCP_FIELD_SEQ);
  }
  set seq(v: number) {
    writeU32(this.buf, this.off + TCP_FIELD_SEQ, v);
  }
  get ackSeq(): number {
    return readU32(this.buf, this.off + TCP_FIELD_ACK_SEQ);
  }
  set ackSeq(v: number) {
    writeU32(this.buf, this.off + TCP_FIELD_ACK_SEQ, v);
  }
  /** Header length in 32-bit words. */
  get doff(): number {
    return this.buf[this.off + TCP_FIELD_DOFF]! >> 4;
  }
  set doff(v: number) {
    this.buf[this.off + TCP_FIELD_DOFF] = ((v & 0xf) << 4) | (this.buf[this.off + TCP_FIELD_DOFF]! & 0xf);
  }
  /** The flag byte (TCPHDR_*); Linux: tcp_flag_byte(). */
  get flags(): number {
    return this.buf[this.off + TCP_FIELD_FLAGS]!;
  }
  set flags(v: number) {
    this.buf[this.off + TCP_FIELD_FLAGS] = v;
  }
  get fin(): boolean {
    return (this.flags & TCPHDR_FIN) !== 0;
  }
  get syn(): boolean {
    return (this.flags & TCPHDR_SYN) !== 0;
  }
  get rst(): boolean {
    return (this.flags & TCPHDR_RST) !== 0;
  }
  get psh(): boolean {
    return (this.flags & TCPHDR_PSH) !== 0;
  }
  get ack(): boolean {
    return (this.flags & TCPHDR_ACK) !== 0;
  }
  get urg(): boolean {
    return (this.flags & TCPHDR_URG) !== 0;
  }
  get ece(): boolean {
    return (this.flags & TCPHDR_ECE) !== 0;
  }
  get cwr(): boolean {
    return (this.flags & TCPHDR_CWR) !== 0;
  }
  get window(): number {
    return readU16(this.buf, this.off + TCP_FIELD_WINDOW);
  }
  set window(v: number) {
    writeU16(this.buf, this.off + TCP_FIELD_WINDOW, v);
  }
  get check(): number {
    return readU16(this.buf, this.off + TCP_FIELD_CHECK);
  }
  set check(v: number) {
    writeU16(this.buf, this.off + TCP_FIELD_CHECK, v);
  }
  get urgPtr(): number {
    return readU16(this.buf, this.off + TCP_FIELD_URG_PTR);
  }
  set urgPtr(v: number) {
    writeU16(this.buf, this.off + TCP_FIELD_URG_PTR, v);
  }
  /** Header length in bytes. */
  get hlen(): number {
    return this.doff * 4;
  }
}

/** One decoded option. */
export type TcpOption =
  | { kind: 'mss'; mss: number }
  | { kind: 'wscale'; shift: number }
  | { kind: 'sackOK' }
  | { kind: 'sack'; blocks: [number, number][] }
  | { kind: 'timestamp'; tsval: number; tsecr: number }
  | { kind: 'nop' }
  | { kind: 'eol' }
  | { kind: 'unknown'; type: number; data: Uint8Array };

/** Decode the option bytes [off, end). A malformed length ends the walk (what follows is not decoded). */
export function tcpOptionsParse(buf: Uint8Array, off: number, end: number): TcpOption[] {
  const out: TcpOption[] = [];
  let i = off;
  while (i < end) {
    const t = buf[i]!;
    if (t === TCPOPT_EOL) {
      out.push({ kind: 'eol' });
      break;
    }
    if (t === TCPOPT_NOP) {
      out.push({ kind: 'nop' });
      i++;
      continue;
    }
    if (i + 1 >= end) break;
    const len = buf[i + 1]!;
    if (len < 2 || i + len > end) break;
    const d = i + 2;
    if (t === TCPOPT_MSS && len === TCPOLEN_MSS) out.push({ kind: 'mss', mss: readU16(buf, d) });
    else if (t === TCPOPT_WINDOW && len === TCPOLEN_WINDOW) out.push({ kind: 'wscale', shift: buf[d]! });
    else if (t === TCPOPT_SACK_PERM && len === TCPOLEN_SACK_PERM) out.push({ kind: 'sackOK' });
    else if (t === TCPOPT_TIMESTAMP && len === TCPOLEN_TIMESTAMP) out.push({ kind: 'timestamp', tsval: readU32(buf, d), tsecr: readU32(buf, d + 4) });
    else if (t === TCPOPT_SACK && len >= 10 && (len - 2) % 8 === 0) {
      const blocks: [number, number][] = [];
      for (let o = d; o < i + len; o += 8) blocks.push([readU32(buf, o), readU32(buf, o + 4)]);
      out.push({ kind: 'sack', blocks });
    } else out.push({ kind: 'unknown', type: t, data: buf.slice(d, i + len) });
    i += len;
  }
  return out;
}

/** Encode options; returns the byte length before padding. The caller pads to 4 with NOP/EOL. */
export function tcpOptionsEmit(opts: TcpOption[], buf: Uint8Array, off: number): number {
  let i = off;
  for (const o of opts) {
    switch (o.kind) {
      case 'nop': buf[i++] = TCPOPT_NOP; break;
      case 'eol': buf[i++] = TCPOPT_EOL; break;
      case 'mss': buf[i] = TCPOPT_MSS; buf[i + 1] = 4; writeU16(buf, i + 2, o.mss); i += 4; break;
      case 'wscale': buf[i] = TCPOPT_WINDOW; buf[i + 1] = 3; buf[i + 2] = o.shift; i += 3; break;
      case 'sackOK': buf[i] = TCPOPT_SACK_PERM; buf[i + 1] = 2; i += 2; break;
      case 'timestamp':
        buf[i] = TCPOPT_TIMESTAMP; buf[i + 1] = 10; writeU32(buf, i + 2, o.tsval); writeU32(buf, i + 6, o.tsecr); i += 10;
        break;
      case 'sack':
        buf[i] = TCPOPT_SACK; buf[i + 1] = 2 + 8 * o.blocks.length; i += 2;
        for (const [l, r] of o.blocks) {
          writeU32(buf, i, l); writeU32(buf, i + 4, r); i += 8;
        }
        break;
      case 'unknown':
        buf[i] = o.type; buf[i + 1] = 2 + o.data.length; buf.set(o.data, i + 2); i += 2 + o.data.length;
        break;
    }
  }
  return i - off;
}

/** Byte length `tcpOptionsEmit` will produce. */
export function tcpOptionsLen(opts: TcpOption[]): number {
  let n = 0;
  for (const o of opts) {
    switch (o.kind) {
      case 'nop': case 'eol': n += 1; break;
      case 'mss': n += 4; break;
      case 'wscale': n += 3; break;
      case 'sackOK': n += 2; break;
      case 'timestamp': n += 10; break;
      case 'sack': n += 2 + 8 * o.blocks.length; break;
      case 'unknown': n += 2 + o.data.length; break;
    }
  }
  return n;
}

export interface TcpRepr {
  source: number;
  dest: number;
  seq: number;
  ackSeq: number;
  /** TCPHDR_* bits. */
  flags: number;
  window: number;
  check: number;
  urgPtr: number;
  options: TcpOption[];
}

/** Parse the header of a segment of `len` bytes; null if truncated or doff is out of range. */
export function tcpReprParse(buf: Uint8Array, off: number, len: number): TcpRepr | null {
  if (len < TCP_HLEN) return null;
  const h = new TcpHdr(buf, off);
  const hlen = h.hlen;
  if (hlen < TCP_HLEN || hlen > len) return null;
  return {
    source: h.source, dest: h.dest, seq: h.seq, ackSeq: h.ackSeq, flags: h.flags, window: h.window,
    check: h.check, urgPtr: h.urgPtr, options: tcpOptionsParse(buf, off + TCP_HLEN, off + hlen),
  };
}

/** Header length a repr emits (options padded to 4 bytes with zero = EOL). */
export function tcpReprHeaderLen(r: TcpRepr): number {
  return TCP_HLEN + ((tcpOptionsLen(r.options) + 3) & ~3);
}

/** Write the header (check as given; see tcpV4SetCheck); returns its length. */
export function tcpReprEmit(r: TcpRepr, buf: Uint8Array, off: number): number {
  const hlen = tcpReprHeaderLen(r);
  if (hlen > TCP_MAX_HLEN) throw new RangeError('TCP options longer than 40 bytes');
  const h = new TcpHdr(buf, off);
  h.source = r.source;
  h.dest = r.dest;
  h.seq = r.seq;
  h.ackSeq = r.ackSeq;
  buf[off + TCP_FIELD_DOFF] = (hlen / 4) << 4;
  h.flags = r.flags;
  h.window = r.window;
  h.check = r.check;
  h.urgPtr = r.urgPtr;
  buf.fill(0, off + TCP_HLEN, off + hlen);
  tcpOptionsEmit(r.options, buf, off + TCP_HLEN);
  return hlen;
}

/** Compute and store the checksum of a `len`-byte segment at `off` over IPv4. */
export function tcpV4SetCheck(buf: Uint8Array, off: number, len: number, saddr: number, daddr: number): void {
  const h = new TcpHdr(buf, off);
  h.check = 0;
  h.check = csumTcpudpMagic(saddr, daddr, len, IPPROTO_TCP, csumPartial(buf, off, len));
}

/** Same over IPv6. */
export function tcpV6SetCheck(buf: Uint8Array, off: number, len: number, saddr: Uint8Array, daddr: Uint8Array): void {
  const h = new TcpHdr(buf, off);
  h.check = 0;
  h.check = csumIpv6Magic(saddr, daddr, len, IPPROTO_TCP, csumPartial(buf, off, len));
}
