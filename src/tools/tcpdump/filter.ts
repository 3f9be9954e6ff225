/**
 * A subset of pcap-filter(7) expressions, evaluated in userspace (libpcap would
 * compile them to BPF and attach with SO_ATTACH_FILTER; tuxnet has no BPF yet).
 * Primitives: `ip`, `ip6`, `arp`, `icmp`, `icmp6`, `tcp`, `udp`,
 * `[src|dst] host ADDR`, `[src|dst] [tcp|udp] port N`, `ether proto N`,
 * combined with `and`/`&&`, `or`/`||`, `not`/`!` and parentheses.
 * Unsupported syntax is refused with libpcap's message.
 */
import { parseIpv4, readU32 } from '../../wire/iphdr.js';
import { parseIpv6 } from '../../wire/ipv6hdr.js';

/** `data` is an Ethernet frame when `proto` is -1, else a cooked packet of ethertype `proto`. */
export type FilterFn = (data: Uint8Array, proto: number) => boolean;

interface Pkt {
  type: number;
  b: Uint8Array;
  /** Offset of the network header. */
  nh: number;
}

function pkt(data: Uint8Array, proto: number): Pkt | null {
  if (proto >= 0) return { type: proto, b: data, nh: 0 };
  if (data.length < 14) return null;
  let type = (data[12]! << 8) | data[13]!;
  let nh = 14;
  if ((type === 0x8100 || type === 0x88a8) && data.length >= 18) {
    type = (data[16]! << 8) | data[17]!;
    nh = 18;
  }
  return { type, b: data, nh };
}

/** Upper-layer protocol and its offset (IPv4 or IPv6 without extension headers beyond one hop). */
function l4(p: Pkt): [number, number] | null {
  const b = p.b;
  if (p.type === 0x0800 && b.length >= p.nh + 20) {
    const frag = ((b[p.nh + 6]! << 8) | b[p.nh + 7]!) & 0x1fff;
    return [b[p.nh + 9]!, frag ? -1 : p.nh + (b[p.nh]! & 0xf) * 4];
  }
  if (p.type === 0x86dd && b.length >= p.nh + 40) {
    let nh = b[p.nh + 6]!;
    let o = p.nh + 40;
    while ((nh === 0 || nh === 60 || nh === 43) && o + 8 <= b.length) {
      const next = b[o]!;
      o += (b[o + 1]! + 1) * 8;
      nh = next;
    }
    return [nh, o];
  }
  return null;
}

type Node = FilterFn;

class Parser {
  private i = 0;
  constructor(private readonly t: string[]) {}
  private peek(): string | undefined {
    return this.t[this.i];
  }
  private next(): string {
    const v = this.t[this.i++];
    if (v === undefined) throw new Error('syntax error');
    return v;
  }
  parse(): Node {
    const n = this.expr();
    if (this.i !== this.t.length) throw new Error('syntax error');
    return n;
  }
  private expr(): Node {
    let l = this.term();
    while (this.peek() === 'or' || this.peek() === '||') {
      this.i++;
      const a = l;
      const r = this.term();
      l = (d, p) => a(d, p) || r(d, p);
    }
    return l;
  }
  private term(): Node {
    let l = this.factor();
    for (;;) {
      const w = this.peek();
      if (w === 'and' || w === '&&') this.i++;
      else if (w === undefined || w === ')' || w === 'or' || w === '||') break;
      // pcap-filter: juxtaposition is not allowed; but "tcp port 80" is one primitive (handled in factor).
      else throw new Error('syntax error');
      const a = l;
      const r = this.factor();
      l = (d, p) => a(d, p) && r(d, p);
    }
    return l;
  }
  private factor(): Node {
    const w = this.next();
    if (w === 'not' || w === '!') {
      const f = this.factor();
      return (d, p) => !f(d, p);
    }
    if (w === '(') {
      const e = this.expr();
      if (this.next() !== ')') throw new Error('syntax error');
      return e;
    }
    return this.primitive(w);
  }
  private primitive(w: string): Node {
    let dir: 'src' | 'dst' | null = null;
    if (w === 'src' || w === 'dst') {
      dir = w;
      w = this.next();
    }
    let proto: number | null = null;
    if ((w === 'tcp' || w === 'udp') && this.peek() === 'port') {
      proto = w === 'tcp' ? 6 : 17;
      w = this.next();
    }
    switch (w) {
      case 'host': return hostMatch(this.next(), dir);
      case 'port': {
        const v = this.next();
        if (!/^\d+$/.test(v) || Number(v) > 65535) throw new Error(`illegal port number ${v}`);
        return portMatch(Number(v), dir, proto);
      }
      case 'ether': {
        if (this.next() !== 'proto') throw new Error('syntax error');
        const v = this.next().replace(/^\\/, '');
        const n = v === 'ip' ? 0x0800 : v === 'ip6' ? 0x86dd : v === 'arp' ? 0x0806 : Number(v);
        if (!Number.isFinite(n)) throw new Error('syntax error');
        return (d, p) => pkt(d, p)?.type === n;
      }
      default:
        if (dir !== null) throw new Error('syntax error');
        return protoMatch(w);
    }
  }
}

function protoMatch(w: string): Node {
  switch (w) {
    case 'ip': return (d, p) => pkt(d, p)?.type === 0x0800;
    case 'ip6': return (d, p) => pkt(d, p)?.type === 0x86dd;
    case 'arp': return (d, p) => pkt(d, p)?.type === 0x0806;
    case 'icmp': return l4is(0x0800, 1);
    case 'icmp6': return l4is(0x86dd, 58);
    case 'tcp': return l4is(-1, 6);
    case 'udp': return l4is(-1, 17);
    default: throw new Error('syntax error');
  }
}

function l4is(family: number, proto: number): Node {
  return (d, p) => {
    const k = pkt(d, p);
    if (!k || (family >= 0 && k.type !== family)) return false;
    return l4(k)?.[0] === proto;
  };
}

function hostMatch(addr: string, dir: 'src' | 'dst' | null): Node {
  const v4 = parseIpv4(addr);
  const v6 = v4 === null ? parseIpv6(addr) : null;
  if (v4 === null && v6 === null) throw new Error(`unknown host '${addr}'`);
  return (d, p) => {
    const k = pkt(d, p);
    if (!k) return false;
    const b = k.b;
    if (v4 !== null) {
      if (k.type === 0x0800 && b.length >= k.nh + 20) {
        const s = readU32(b, k.nh + 12) === v4;
        const t = readU32(b, k.nh + 16) === v4;
        return dir === 'src' ? s : dir === 'dst' ? t : s || t;
      }
      if (k.type === 0x0806 && b.length >= k.nh + 28) {
        const s = readU32(b, k.nh + 14) === v4;
        const t = readU32(b, k.nh + 24) === v4;
        return dir === 'src' ? s : dir === 'dst' ? t : s || t;
      }
      return false;
    }
    if (k.type !== 0x86dd || b.length < k.nh + 40) return false;
    const eq = (o: number): boolean => {
      for (let i = 0; i < 16; i++) if (b[o + i] !== v6![i]) return false;
      return true;
    };
    const s = eq(k.nh + 8);
    const t = eq(k.nh + 24);
    return dir === 'src' ? s : dir === 'dst' ? t : s || t;
  };
}

function portMatch(port: number, dir: 'src' | 'dst' | null, proto: number | null): Node {
  return (d, p) => {
    const k = pkt(d, p);
    if (!k) return false;
    const x = l4(k);
    if (!x || x[1] < 0 || (x[0] !== 6 && x[0] !== 17) || (proto !== null && x[0] !== proto)) return false;
    const b = k.b;
    if (b.length < x[1] + 4) return false;
    const s = ((b[x[1]]! << 8) | b[x[1] + 1]!) === port;
    const t = ((b[x[1] + 2]! << 8) | b[x[1] + 3]!) === port;
    return dir === 'src' ? s : dir === 'dst' ? t : s || t;
  };
}

/** Compile an expression; a string is libpcap's error text. */
export function compileFilter(expr: string): FilterFn | string {
  const tokens = expr.replace(/([()])/g, ' $1 ').split(/\s+/).filter(Boolean);
  if (tokens.length === 0) return () => true;
  try {
    return new Parser(tokens).parse();
  } catch (e) {
    return `can't parse filter expression: ${(e as Error).message}`;
  }
}
