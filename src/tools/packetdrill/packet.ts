/**
 * Packets of a packetdrill run (upstream: packet.c, tcp_packet.c, udp_packet.c,
 * icmp_packet.c, packet_parser.c, packet_to_string.c, tcp_options_to_string.c
 * and the verify_* half of run_packet.c): building the IPv4 packet a `<` line
 * injects, parsing what the kernel wrote to the TUN device, comparing it field
 * by field with a `>` line (upstream's messages: `live packet field tcp_window:
 * expected: 29200 (0x7210) vs actual: 65535 (0xffff)`), and printing packets the
 * way upstream's dumps do (`S. 0:0(0) ack 1 win 29200 <mss 1460,...>`).
 */
import type { PacketSpec, TcpOptSpec } from './script.js';
import { csumPartial, csumTcpudpMagic, ipFastCsum, csumFold } from '../../wire/checksum.js';

export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

/** A raw TCP option as found in a packet. */
export interface RawOpt {
  kind: number;
  len: number;
  data: Uint8Array;
}

/** An IPv4 packet with its TCP/UDP/ICMP header decoded (upstream: struct packet). */
export interface Pkt {
  bytes: Uint8Array;
  /** Script time (us) at which it was seen; for script packets the event time. */
  timeUs: number;
  ihl: number;
  tos: number;
  ttl: number;
  totLen: number;
  proto: number;
  saddr: number;
  daddr: number;
  sport: number;
  dport: number;
  /* TCP */
  seq: number;
  ack: number;
  doff: number;
  /** Flag byte (FIN 0x01 ... CWR 0x80). */
  flags: number;
  /** AE (the former NS bit) and the other 3 reserved bits. */
  ae: number;
  res1: number;
  win: number;
  urg: number;
  options: RawOpt[];
  /** Options present but not checked (`<...>`). */
  optionsNocheck: boolean;
  winNocheck: boolean;
  payloadOff: number;
  payloadLen: number;
  /* UDP */
  udpLen: number;
  /* ICMP */
  icmpType: number;
  icmpCode: number;
}

export const TH_FIN = 0x01;
export const TH_SYN = 0x02;
export const TH_RST = 0x04;
export const TH_PSH = 0x08;
export const TH_ACK = 0x10;
export const TH_URG = 0x20;
export const TH_ECE = 0x40;
export const TH_CWR = 0x80;

const rd16 = (b: Uint8Array, o: number): number => (b[o]! << 8) | b[o + 1]!;
const rd32 = (b: Uint8Array, o: number): number => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
function wr16(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 8) & 0xff;
  b[o + 1] = v & 0xff;
}
function wr32(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 24) & 0xff;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}

export function ipString(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/** Upstream's flag letters -> TCP header flag bits (and AE). */
export function flagsFromString(s: string): { flags: number; ae: number } {
  let flags = 0;
  let ae = 0;
  for (const c of s) {
    switch (c) {
      case 'F': flags |= TH_FIN; break;
      case 'S': flags |= TH_SYN; break;
      case 'R': flags |= TH_RST; break;
      case 'P': flags |= TH_PSH; break;
      case '.': flags |= TH_ACK; break;
      case 'U': flags |= TH_URG; break;
      case 'E': flags |= TH_ECE; break;
      case 'W': flags |= TH_CWR; break;
      case 'A': ae = 1; break;
      default: break;
    }
  }
  return { flags, ae };
}

/** Encode script TCP options (upstream: tcp_options_append + packet layout). */
export function encodeOptions(opts: TcpOptSpec[]): RawOpt[] {
  const out: RawOpt[] = [];
  for (const o of opts) {
    switch (o.kind) {
      case 'nop': out.push({ kind: 1, len: 1, data: new Uint8Array(0) }); break;
      case 'eol': out.push({ kind: 0, len: 1, data: new Uint8Array(0) }); break;
      case 'mss': {
        const d = new Uint8Array(2);
        wr16(d, 0, o.value);
        out.push({ kind: 2, len: 4, data: d });
        break;
      }
      case 'wscale': out.push({ kind: 3, len: 3, data: Uint8Array.of(o.value) }); break;
      case 'sackOK': out.push({ kind: 4, len: 2, data: new Uint8Array(0) }); break;
      case 'sack': {
        const d = new Uint8Array(8 * o.blocks.length);
        o.blocks.forEach(([l, r], k) => {
          wr32(d, 8 * k, l);
          wr32(d, 8 * k + 4, r);
        });
        out.push({ kind: 5, len: 2 + d.length, data: d });
        break;
      }
      case 'TS': {
        const d = new Uint8Array(8);
        wr32(d, 0, o.val);
        wr32(d, 4, o.ecr);
        out.push({ kind: 8, len: 10, data: d });
        break;
      }
      case 'FO': out.push({ kind: 34, len: 2 + o.cookie.length, data: o.cookie.slice() }); break;
      case 'FOEXP': {
        const d = new Uint8Array(2 + o.cookie.length);
        wr16(d, 0, 0xf989);
        d.set(o.cookie, 2);
        out.push({ kind: 254, len: 2 + d.length, data: d });
        break;
      }
      case 'md5': out.push({ kind: 19, len: 2 + o.digest.length, data: o.digest.slice() }); break;
    }
  }
  return out;
}

export function optionsLen(opts: RawOpt[]): number {
  let n = 0;
  for (const o of opts) n += o.len;
  return n;
}

/** Parse a TCP option area (upstream: tcp_options_iterator.c); null with a reason when malformed. */
export function parseOptions(b: Uint8Array, off: number, end: number): RawOpt[] | string {
  const out: RawOpt[] = [];
  let i = off;
  while (i < end) {
    const kind = b[i]!;
    if (kind === 0 || kind === 1) {
      out.push({ kind, len: 1, data: new Uint8Array(0) });
      i++;
      continue;
    }
    if (i + 1 >= end) return 'TCP option overflows TCP header';
    const len = b[i + 1]!;
    if (len < 2) return `TCP option too short: ${len} bytes`;
    if (i + len > end) return 'TCP option overflows TCP header';
    out.push({ kind, len, data: b.slice(i + 2, i + len) });
    i += len;
  }
  return out;
}

/** Parse an IPv4 packet read from the TUN device; a string says why it is not one we handle. */
export function parsePacket(bytes: Uint8Array, timeUs: number): Pkt | string {
  if (bytes.length < 20 || bytes[0]! >> 4 !== 4) return 'not an IPv4 packet';
  const ihl = bytes[0]! & 15;
  const totLen = rd16(bytes, 2);
  if (ihl < 5 || totLen < ihl * 4 || totLen > bytes.length) return 'bad IPv4 header';
  const p: Pkt = {
    bytes, timeUs, ihl, tos: bytes[1]!, ttl: bytes[8]!, totLen, proto: bytes[9]!, saddr: rd32(bytes, 12),
    daddr: rd32(bytes, 16), sport: 0, dport: 0, seq: 0, ack: 0, doff: 0, flags: 0, ae: 0, res1: 0, win: 0, urg: 0,
    options: [], optionsNocheck: false, winNocheck: false, payloadOff: totLen, payloadLen: 0, udpLen: 0, icmpType: 0,
    icmpCode: 0,
  };
  const l4 = ihl * 4;
  if (p.proto === IPPROTO_TCP) {
    if (totLen - l4 < 20) return 'truncated TCP header';
    p.sport = rd16(bytes, l4);
    p.dport = rd16(bytes, l4 + 2);
    p.seq = rd32(bytes, l4 + 4);
    p.ack = rd32(bytes, l4 + 8);
    p.doff = bytes[l4 + 12]! >> 4;
    p.ae = bytes[l4 + 12]! & 1;
    p.res1 = (bytes[l4 + 12]! >> 1) & 7;
    p.flags = bytes[l4 + 13]!;
    p.win = rd16(bytes, l4 + 14);
    p.urg = rd16(bytes, l4 + 18);
    if (p.doff < 5 || l4 + p.doff * 4 > totLen) return 'bad TCP data offset';
    const o = parseOptions(bytes, l4 + 20, l4 + p.doff * 4);
    if (typeof o === 'string') return o;
    p.options = o;
    p.payloadOff = l4 + p.doff * 4;
    p.payloadLen = totLen - p.payloadOff;
  } else if (p.proto === IPPROTO_UDP) {
    if (totLen - l4 < 8) return 'truncated UDP header';
    p.sport = rd16(bytes, l4);
    p.dport = rd16(bytes, l4 + 2);
    p.udpLen = rd16(bytes, l4 + 4);
    p.payloadOff = l4 + 8;
    p.payloadLen = totLen - p.payloadOff;
  } else if (p.proto === IPPROTO_ICMP) {
    if (totLen - l4 < 8) return 'truncated ICMP header';
    p.icmpType = bytes[l4]!;
    p.icmpCode = bytes[l4 + 1]!;
    p.payloadOff = l4 + 8;
    p.payloadLen = totLen - p.payloadOff;
  } else {
    return `unsupported IP protocol ${p.proto}`;
  }
  return p;
}

/** ICMPv4 type and code names (upstream: icmp_packet.c tables). */
const ICMP_TYPE_NUM: Record<string, number> = {
  echo_reply: 0, destination_unreachable: 3, unreachable: 3, source_quench: 4, redirect: 5, echo_request: 8,
  time_exceeded: 11, parameter_problem: 12, timestamp_request: 13, timestamp_reply: 14, information_request: 15,
  information_reply: 16,
};
const ICMP_UNREACH_CODES: Record<string, number> = {
  net_unreachable: 0, host_unreachable: 1, protocol_unreachable: 2, port_unreachable: 3, frag_needed: 4,
  source_route_failed: 5, net_unknown: 6, host_unknown: 7, source_host_isolated: 8, net_prohibited: 9,
  host_prohibited: 10, net_unreachable_for_tos: 11, host_unreachable_for_tos: 12, packet_filtered: 13,
  precedence_violation: 14, precedence_cutoff: 15,
};
const ICMP_OTHER_CODES: Record<string, number> = {
  ttl_exceeded: 0, fragment_reassembly_time_exceeded: 1, redirect_net: 0, redirect_host: 1,
  redirect_tos_net: 2, redirect_tos_host: 3,
};

export function icmpTypeCode(type: string, code: string | null): [number, number] | string {
  const t = /^[0-9]+$/.test(type) ? Number(type) : ICMP_TYPE_NUM[type];
  if (t === undefined) return `unknown ICMP type '${type}'`;
  if (code === null) return [t, 0];
  const c = /^[0-9]+$/.test(code) ? Number(code) : (t === 3 ? ICMP_UNREACH_CODES[code] : ICMP_OTHER_CODES[code]);
  if (c === undefined) return `unknown ICMP code '${code}'`;
  return [t, c];
}

export interface BuildTuple {
  saddr: number;
  daddr: number;
  sport: number;
  dport: number;
}

/** Fill in IPv4 header and checksums (upstream: checksum_packet()). */
function finishIp(b: Uint8Array, proto: number, t: BuildTuple, tos: number, ttl: number): void {
  b[0] = 0x45;
  b[1] = tos;
  wr16(b, 2, b.length);
  wr16(b, 4, 0);
  wr16(b, 6, 0x4000); // DF, as upstream's ipv4_header_append
  b[8] = ttl || 255;
  b[9] = proto;
  wr32(b, 12, t.saddr);
  wr32(b, 16, t.daddr);
  wr16(b, 10, 0);
  wr16(b, 10, ipFastCsum(b, 0, 5));
}

/**
 * Build the TCP segment of an inbound line with live values already mapped
 * (seq, ack, options with SACK/TS ecr rewritten). Payload bytes are zeros, as
 * upstream's.
 */
export function buildTcp(t: BuildTuple, spec: PacketSpec, seq: number, ack: number, opts: RawOpt[]): Uint8Array {
  let olen = optionsLen(opts);
  const pad = (4 - (olen & 3)) & 3;
  olen += pad;
  const hl = 20 + olen;
  const b = new Uint8Array(20 + hl + spec.payload);
  const o = 20;
  const { flags, ae } = flagsFromString(spec.flags);
  wr16(b, o, t.sport);
  wr16(b, o + 2, t.dport);
  wr32(b, o + 4, seq >>> 0);
  wr32(b, o + 8, flags & TH_ACK ? ack >>> 0 : 0);
  b[o + 12] = ((hl / 4) << 4) | ae;
  b[o + 13] = flags;
  wr16(b, o + 14, spec.win < 0 ? 0 : spec.win);
  wr16(b, o + 18, spec.urg);
  let i = o + 20;
  for (const x of opts) {
    b[i] = x.kind;
    if (x.len > 1) {
      b[i + 1] = x.len;
      b.set(x.data, i + 2);
    }
    i += x.len;
  }
  const tos = spec.ip.tosCheck === 'ecn' || spec.ip.tosCheck === 'tos' ? spec.ip.tos : 0;
  finishIp(b, IPPROTO_TCP, t, tos, spec.ip.ttl);
  const l4len = b.length - 20;
  wr16(b, o + 16, 0);
  wr16(b, o + 16, csumTcpudpMagic(t.saddr, t.daddr, l4len, IPPROTO_TCP, csumPartial(b, o, l4len)));
  return b;
}

export function buildUdp(t: BuildTuple, spec: PacketSpec): Uint8Array {
  const b = new Uint8Array(28 + spec.udpLen);
  wr16(b, 20, t.sport);
  wr16(b, 22, t.dport);
  wr16(b, 24, 8 + spec.udpLen);
  const tos = spec.ip.tosCheck === 'tos' ? spec.ip.tos : 0;
  finishIp(b, IPPROTO_UDP, t, tos, spec.ip.ttl);
  const c = csumTcpudpMagic(t.saddr, t.daddr, 8 + spec.udpLen, IPPROTO_UDP, csumPartial(b, 20, 8 + spec.udpLen));
  wr16(b, 26, c === 0 ? 0xffff : c);
  return b;
}

/**
 * An inbound ICMP error quoting a packet we "sent" (upstream: new_icmp_packet):
 * the quoted IP header goes from the socket's local address to the remote, then
 * 8 bytes of TCP (ports, seq) or a UDP header.
 */
export function buildIcmp(t: BuildTuple, spec: PacketSpec, type: number, code: number, echoedSeq: number): Uint8Array {
  if (type === 0 || type === 8) {
    // Echo request/reply: id (ping sockets match it to their port) and a zero payload.
    const e = new Uint8Array(28 + spec.echoed.payload);
    e[20] = type;
    e[21] = code;
    wr16(e, 24, spec.icmpEchoId);
    const etos = spec.ip.tosCheck === 'tos' ? spec.ip.tos : 0;
    finishIp(e, IPPROTO_ICMP, { ...t, sport: 0, dport: 0 }, etos, spec.ip.ttl);
    wr16(e, 22, csumFold(csumPartial(e, 20, e.length - 20)));
    return e;
  }
  const quotedL4 = 8;
  const b = new Uint8Array(20 + 8 + 20 + quotedL4);
  b[20] = type;
  b[21] = code;
  if (type === 3 && code === 4 && spec.icmpMtu >= 0) wr16(b, 26, spec.icmpMtu);
  if ((type === 0 || type === 8) && spec.icmpEchoId) wr16(b, 24, spec.icmpEchoId);
  // Quoted header: the packet the remote end could not take, from us (t.daddr) to it (t.saddr).
  const q = 28;
  const proto = spec.echoed.protocol === 'udp' ? IPPROTO_UDP : spec.echoed.protocol === 'raw' ? 255 : IPPROTO_TCP;
  const qlen = 20 + (proto === IPPROTO_TCP ? 20 : 8) + spec.echoed.payload;
  b[q] = 0x45;
  wr16(b, q + 2, qlen);
  wr16(b, q + 6, 0x4000);
  b[q + 8] = 64;
  b[q + 9] = proto;
  wr32(b, q + 12, t.daddr);
  wr32(b, q + 16, t.saddr);
  wr16(b, q + 10, ipFastCsum(b, q, 5));
  wr16(b, q + 20, t.dport);
  wr16(b, q + 22, t.sport);
  if (proto === IPPROTO_TCP) wr32(b, q + 24, echoedSeq >>> 0);
  else if (proto === IPPROTO_UDP) wr16(b, q + 24, 8 + spec.echoed.payload);
  const tos = spec.ip.tosCheck === 'tos' ? spec.ip.tos : 0;
  finishIp(b, IPPROTO_ICMP, { ...t, sport: 0, dport: 0 }, tos, spec.ip.ttl);
  wr16(b, 22, csumFold(csumPartial(b, 20, b.length - 20)));
  return b;
}

/* ------------------------------------------------------------------ */
/* Printing (upstream: packet_to_string.c, tcp_options_to_string.c)    */

export function optionsToString(opts: RawOpt[]): string {
  const out: string[] = [];
  for (const o of opts) {
    switch (o.kind) {
      case 0: out.push('eol'); break;
      case 1: out.push('nop'); break;
      case 2: out.push(o.data.length === 2 ? `mss ${rd16(o.data, 0)}` : `mss ?`); break;
      case 3: out.push(`wscale ${o.data[0] ?? 0}`); break;
      case 4: out.push('sackOK'); break;
      case 5: {
        const blocks: string[] = [];
        for (let k = 0; k + 8 <= o.data.length; k += 8) blocks.push(`${rd32(o.data, k)}:${rd32(o.data, k + 4)}`);
        out.push(`sack ${blocks.join(' ')}`);
        break;
      }
      case 8: out.push(o.data.length === 8 ? `TS val ${rd32(o.data, 0)} ecr ${rd32(o.data, 4)}` : 'TS ?'); break;
      case 34: out.push(o.data.length ? `FO ${hex(o.data)}` : 'FO'); break;
      case 254: out.push(o.data.length > 2 ? `FOEXP ${hex(o.data.subarray(2))}` : 'FOEXP'); break;
      case 19: out.push(`md5 ${hex(o.data)}`); break;
      default: out.push(`option ${o.kind} len ${o.len}`); break;
    }
  }
  return out.join(',');
}

function hex(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

/** `S. 0:0(0) ack 1 win 29200 <mss 1460>` (upstream DUMP_SHORT), with endpoints for DUMP_FULL. */
export function packetToString(p: Pkt, withEndpoints: boolean): string {
  let s = withEndpoints ? `${ipString(p.saddr)}:${p.sport} > ${ipString(p.daddr)}:${p.dport} ` : '';
  if (p.proto === IPPROTO_UDP) return s + `udp (${p.payloadLen})`;
  if (p.proto === IPPROTO_ICMP) return (withEndpoints ? `${ipString(p.saddr)} > ${ipString(p.daddr)} ` : '') + 'icmpv4';
  const f = p.flags;
  if (f & TH_FIN) s += 'F';
  if (f & TH_SYN) s += 'S';
  if (f & TH_RST) s += 'R';
  if (f & TH_PSH) s += 'P';
  if (f & TH_ACK) s += '.';
  if (f & TH_URG) s += 'U';
  if (f & TH_ECE) s += 'E';
  if (f & TH_CWR) s += 'W';
  if (p.ae) s += 'A';
  s += ` ${p.seq >>> 0}:${(p.seq + p.payloadLen) >>> 0}(${p.payloadLen}) `;
  if (f & TH_ACK) s += `ack ${p.ack >>> 0} `;
  if (!p.winNocheck) s += `win ${p.win} `;
  if (p.optionsNocheck) s += '<...>';
  else if (p.options.length) s += `<${optionsToString(p.options)}>`;
  return s.trimEnd();
}

/** A script packet as a Pkt in script space (for comparison and dumps). */
export function scriptPacket(spec: PacketSpec, timeUs: number): Pkt {
  const { flags, ae } = flagsFromString(spec.flags);
  const opts = spec.options === null ? [] : encodeOptions(spec.options);
  const olen = optionsLen(opts);
  const l4 = spec.proto === 'tcp' ? 20 + olen : 8;
  const payload = spec.proto === 'tcp' ? spec.payload : spec.proto === 'udp' ? spec.udpLen : 0;
  const ic = spec.proto === 'icmp' ? icmpTypeCode(spec.icmpType, spec.icmpCode) : [0, 0];
  const [icmpType, icmpCode] = typeof ic === 'string' ? [0, 0] : ic;
  return {
    bytes: new Uint8Array(0), timeUs, ihl: 5, tos: spec.ip.tos, ttl: spec.ip.ttl, totLen: 20 + l4 + payload,
    proto: spec.proto === 'tcp' ? IPPROTO_TCP : spec.proto === 'udp' ? IPPROTO_UDP : IPPROTO_ICMP, saddr: 0, daddr: 0,
    sport: spec.srcPort, dport: spec.dstPort, seq: spec.seq >>> 0, ack: spec.ack >>> 0, doff: (20 + olen) / 4, flags, ae,
    res1: 0, win: spec.win < 0 ? 0 : spec.win, urg: spec.urg, options: opts, optionsNocheck: spec.options === null,
    winNocheck: spec.win < 0, payloadOff: 0, payloadLen: payload, udpLen: 8 + payload, icmpType, icmpCode,
  };
}

/* ------------------------------------------------------------------ */
/* Verification (upstream: run_packet.c verify_outbound_live_*)         */

/** Upstream's check_field() message, or null when equal. */
export function checkField(name: string, expected: number, actual: number): string | null {
  if ((expected >>> 0) === (actual >>> 0)) return null;
  const e = expected >>> 0;
  const a = actual >>> 0;
  return `live packet field ${name}: expected: ${e} (0x${e.toString(16)}) vs actual: ${a} (0x${a.toString(16)})`;
}

/**
 * Compare an actual packet (already mapped to script space) with the script's.
 * Returns the first mismatch as upstream words it, or null.
 */
export function verifyPacket(actual: Pkt, script: Pkt, spec: PacketSpec, toleranceUsecs: number, tsTickUsecs: number): string | null {
  const allowance = script.optionsNocheck ? optionsLen(actual.options) : 0;
  let e = checkField('ipv4_version', 4, actual.bytes.length ? actual.bytes[0]! >> 4 : 4) ??
    checkField('ipv4_protocol', script.proto, actual.proto) ??
    checkField('ipv4_header_length', 5, actual.ihl) ??
    // ICMP errors quote as much of the offending packet as fits: the length is not the script's to know.
    (script.proto === IPPROTO_ICMP ? null : checkField('ipv4_total_length', script.totLen + allowance, actual.totLen));
  if (e) return e;
  const ecn = actual.tos & 3;
  if (spec.ip.tosCheck === 'ect01') {
    if (ecn !== 1 && ecn !== 2) return `live packet field ip_ecn: expected: 0x1 or 0x2 vs actual: 0x${ecn.toString(16)}`;
  } else if (spec.ip.tosCheck === 'ecn') {
    e = checkField('ip_ecn', spec.ip.tos, ecn);
  } else if (spec.ip.tosCheck === 'tos') {
    e = checkField('tos', spec.ip.tos, actual.tos);
  }
  if (e) return e;
  if (spec.ip.ttl) e = checkField('ttl', spec.ip.ttl, actual.ttl);
  if (e) return e;
  if (script.proto === IPPROTO_TCP) {
    const bit = (x: Pkt, m: number): number => (x.flags & m ? 1 : 0);
    e = checkField('tcp_data_offset', script.doff + allowance / 4, actual.doff) ??
      checkField('tcp_fin', bit(script, TH_FIN), bit(actual, TH_FIN)) ??
      checkField('tcp_syn', bit(script, TH_SYN), bit(actual, TH_SYN)) ??
      checkField('tcp_rst', bit(script, TH_RST), bit(actual, TH_RST)) ??
      checkField('tcp_psh', bit(script, TH_PSH), bit(actual, TH_PSH)) ??
      checkField('tcp_ack', bit(script, TH_ACK), bit(actual, TH_ACK)) ??
      checkField('tcp_urg', bit(script, TH_URG), bit(actual, TH_URG)) ??
      checkField('tcp_ece', bit(script, TH_ECE), bit(actual, TH_ECE)) ??
      checkField('tcp_cwr', bit(script, TH_CWR), bit(actual, TH_CWR)) ??
      checkField('tcp_ae', script.ae, actual.ae) ??
      checkField('tcp_reserved_bits', 0, actual.res1) ??
      checkField('tcp_seq', script.seq, actual.seq) ??
      checkField('tcp_ack_seq', script.ack, actual.ack) ??
      (script.winNocheck ? null : checkField('tcp_window', script.win, actual.win)) ??
      checkField('tcp_urg_ptr', script.urg, actual.urg);
    if (e) return e;
    if (!script.optionsNocheck) {
      const n = Math.max(script.options.length, actual.options.length);
      for (let k = 0; k < n; k++) {
        const a = actual.options[k];
        const s = script.options[k];
        if (!a || !s || a.kind !== s.kind) return 'bad outbound TCP options';
        if (a.kind === 0 || a.kind === 1) continue;
        if (a.kind === 8) {
          if (tsTickUsecs && a.data.length === 8 && s.data.length === 8) {
            const d = Math.abs((rd32(a.data, 0) - rd32(s.data, 0)) | 0);
            if (d * tsTickUsecs > toleranceUsecs) return `bad outbound TCP timestamp value, tolerance ${toleranceUsecs}`;
          }
          continue;
        }
        if (a.len !== s.len) return `bad lengths for outbound TCP option ${s.kind}`;
        for (let j = 0; j < s.data.length; j++) if (a.data[j] !== s.data[j]) return `bad value outbound TCP option ${s.kind}`;
      }
    }
  } else if (script.proto === IPPROTO_UDP) {
    e = checkField('udp_len', script.udpLen, actual.udpLen);
    if (e) return e;
  } else if (script.proto === IPPROTO_ICMP) {
    e = checkField('icmp_type', script.icmpType, actual.icmpType) ?? checkField('icmp_code', script.icmpCode, actual.icmpCode);
    if (e) return e;
    return null; // upstream skips the ICMP payload
  }
  for (let k = 0; k < actual.payloadLen; k++) {
    if (actual.bytes[actual.payloadOff + k] !== 0) return 'incorrect outbound data payload';
  }
  return null;
}

/** Read/write helpers for the mapping code. */
export { rd16, rd32, wr16, wr32 };
