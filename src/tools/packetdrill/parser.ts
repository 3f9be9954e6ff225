/**
 * The packetdrill script parser (upstream: gtests/net/packetdrill/parser.y),
 * a recursive-descent reading of the same grammar: option lines, an optional
 * untimed init command, timed events (packets `<`/`>` for TCP, UDP and ICMP,
 * system calls with expressions, back-quoted commands, `%{ }%` code), and an
 * optional untimed cleanup command. Errors are upstream's: `FILE:LINE: parse
 * error at 'TOKEN': syntax error` and `FILE:LINE: semantic error: ...`.
 * Not parsed: IPv6, GRE/MPLS encapsulation, fuzzing `{...}` suffixes, AccECN ACE.
 */
import { tokenize, PacketdrillSyntaxError, type Token } from './lexer.js';
import type { Expr, IpInfo, PacketSpec, Script, ScriptEvent, SyscallSpec, TcpOptSpec, TimeType, EventAction } from './script.js';

export class PacketdrillSemanticError extends Error {
  constructor(readonly path: string, readonly line: number, why: string) {
    super(`${path}:${line}: semantic error: ${why}`);
  }
}

const U32 = 0xffffffff;

class Parser {
  private i = 0;
  constructor(private readonly path: string, private readonly toks: Token[]) {}

  peek(o = 0): Token {
    return this.toks[Math.min(this.i + o, this.toks.length - 1)]!;
  }
  next(): Token {
    const t = this.peek();
    if (this.i < this.toks.length - 1) this.i++;
    return t;
  }
  isChar(c: string, o = 0): boolean {
    const t = this.peek(o);
    return t.kind === 'CHAR' && t.text === c;
  }
  isWord(w: string, o = 0): boolean {
    const t = this.peek(o);
    return t.kind === 'WORD' && t.text === w;
  }
  fail(t: Token = this.peek()): never {
    throw new PacketdrillSyntaxError(this.path, t.line, t.kind === 'EOF' ? '' : tokText(t), 'syntax error');
  }
  semantic(line: number, why: string): never {
    throw new PacketdrillSemanticError(this.path, line, why);
  }
  expectChar(c: string): Token {
    if (!this.isChar(c)) this.fail();
    return this.next();
  }
  expectWord(w?: string): Token {
    const t = this.peek();
    if (t.kind !== 'WORD' || (w !== undefined && t.text !== w)) this.fail();
    return this.next();
  }
  expectInt(): number {
    const t = this.peek();
    if (t.kind !== 'INTEGER') this.fail();
    this.next();
    return t.value;
  }
  expectAnyInt(): number {
    const t = this.peek();
    if (t.kind !== 'INTEGER' && t.kind !== 'HEX') this.fail();
    this.next();
    return t.value;
  }

  parseScript(): Script {
    const script: Script = { path: this.path, options: [], initCommand: null, events: [], cleanupCommand: null };
    while (this.peek().kind === 'OPTION') {
      const t = this.next();
      let value: string | null = null;
      if (this.isChar('=')) {
        this.next();
        const v = this.next();
        if (!['INTEGER', 'WORD', 'STRING', 'IPV4', 'FLOAT', 'HEX'].includes(v.kind)) this.fail(v);
        value = v.text;
        // --define=SYM=VAL
        if (this.isChar('=')) {
          this.next();
          const w = this.next();
          value = `${v.text}=${w.kind === 'STRING' ? `"${w.text}"` : w.kind === 'BACKQ' ? `\`${w.text}\`` : w.text}`;
        }
      }
      script.options.push({ name: t.text, value, line: t.line });
    }
    if (this.peek().kind === 'BACKQ') {
      const t = this.next();
      script.initCommand = { command: t.text, line: t.line };
    }
    while (this.peek().kind !== 'EOF') {
      if (this.peek().kind === 'BACKQ' && this.peek(1).kind === 'EOF') {
        const t = this.next();
        script.cleanupCommand = { command: t.text, line: t.line };
        break;
      }
      script.events.push(this.parseEvent());
    }
    if (script.events.length === 0) this.fail();
    return script;
  }

  parseTime(): number {
    const t = this.peek();
    if (t.kind === 'FLOAT' || t.kind === 'INTEGER') {
      this.next();
      if (t.value < 0) this.semantic(t.line, 'negative time');
      return Math.round(t.value * 1e6);
    }
    this.fail();
  }

  parseEvent(): ScriptEvent {
    const first = this.peek();
    let timeType: TimeType;
    let timeUs = 0;
    let timeEndUs: number | null = null;
    if (this.isChar('+')) {
      this.next();
      timeUs = this.parseTime();
      timeType = 'relative';
      if (this.isChar('~')) {
        this.next();
        this.expectChar('+');
        timeEndUs = this.parseTime();
        timeType = 'relative_range';
      }
    } else if (this.isChar('*')) {
      this.next();
      timeType = 'any';
    } else {
      timeUs = this.parseTime();
      timeType = 'absolute';
      if (this.isChar('~')) {
        this.next();
        timeEndUs = this.parseTime();
        timeType = 'absolute_range';
      }
    }
    const action = this.parseAction();
    const line = first.line;
    if (timeEndUs !== null && timeEndUs < timeUs) this.semantic(line, 'time range is backwards');
    const outbound = action.type === 'packet' && action.packet.direction === 'out';
    if (timeType === 'any' && !outbound) this.semantic(line, 'event time <star> can only be used with outbound packets');
    if ((timeType === 'absolute_range' || timeType === 'relative_range') && !outbound) {
      this.semantic(line, 'event time range can only be used with outbound packets');
    }
    return { ...action, line, timeType, timeUs, timeEndUs, offsetUs: 0 } as ScriptEvent;
  }

  parseAction(): EventAction {
    const t = this.peek();
    if (t.kind === 'CHAR' && (t.text === '<' || t.text === '>')) return { type: 'packet', packet: this.parsePacket() };
    if (t.kind === 'BACKQ') {
      this.next();
      return { type: 'command', command: t.text };
    }
    if (t.kind === 'CODE') {
      this.next();
      return { type: 'code', code: t.text };
    }
    if (t.kind === 'ELLIPSIS' || t.kind === 'WORD') return { type: 'syscall', syscall: this.parseSyscall() };
    this.fail();
  }

  /* ---------------- packets ---------------- */

  parseIpInfo(): IpInfo {
    const ip: IpInfo = { tosCheck: 'none', tos: 0, ttl: 0 };
    if (!(this.isChar('(') || this.isChar('['))) return ip;
    const close = this.next().text === '(' ? ')' : ']';
    const t = this.peek();
    if (t.kind !== 'WORD') this.fail();
    const w = this.next().text;
    const ecn: Record<string, number> = { noecn: 0, ect1: 1, ect0: 2, ce: 3 };
    if (w in ecn) {
      ip.tosCheck = 'ecn';
      ip.tos = ecn[w]!;
    } else if (w === 'ect01') {
      ip.tosCheck = 'ect01';
    } else if (w === 'tos') {
      const v = this.peek();
      if (v.kind !== 'HEX' && v.kind !== 'INTEGER') this.fail();
      this.next();
      if (v.value > 255) this.semantic(v.line, 'tos out of range for 8 bits');
      ip.tosCheck = 'tos';
      ip.tos = v.value;
    } else if (w === 'ttl') {
      ip.ttl = this.expectInt();
    } else if (w === 'flowlabel') {
      this.expectAnyInt();
    } else {
      this.fail(t);
    }
    if (this.isChar(',')) {
      this.next();
      this.expectWord('flowlabel');
      this.expectAnyInt();
    }
    this.expectChar(close);
    return ip;
  }

  parsePortInfo(): [number, number] {
    if (this.peek().kind === 'INTEGER' && this.isChar('>', 1) && this.peek(2).kind === 'INTEGER') {
      const s = this.next();
      this.next();
      const d = this.next();
      if (s.value > 0xffff) this.semantic(s.line, 'src port out of range');
      if (d.value > 0xffff) this.semantic(d.line, 'dst port out of range');
      return [s.value, d.value];
    }
    return [0, 0];
  }

  parsePacket(): PacketSpec {
    const dirTok = this.next();
    const direction = dirTok.text === '<' ? 'in' : 'out';
    const line = dirTok.line;
    const p: PacketSpec = {
      direction, proto: 'tcp', ip: { tosCheck: 'none', tos: 0, ttl: 0 }, srcPort: 0, dstPort: 0, flags: '', seq: 0,
      payload: 0, ack: 0, win: -1, urg: 0, options: [], udpLen: 0, icmpType: '', icmpCode: null, icmpMtu: -1,
      icmpEchoId: 0, echoed: { protocol: 'tcp', seq: 0, payload: 0 },
    };
    p.ip = this.parseIpInfo();
    if (p.ip.tosCheck === 'ect01' && direction !== 'out') this.semantic(line, '[ect01] can only be used with outbound packets');
    if (this.isWord('udp')) {
      this.next();
      p.proto = 'udp';
      if (p.ip.tosCheck === 'ecn') this.semantic(line, 'ECN can only be used with TCP packets');
      [p.srcPort, p.dstPort] = this.parsePortInfo();
      this.expectChar('(');
      p.udpLen = this.expectInt();
      if (p.udpLen > 0xffff) this.semantic(line, 'UDP payload size out of range');
      this.expectChar(')');
      return p;
    }
    if (this.isWord('icmp')) {
      this.next();
      p.proto = 'icmp';
      p.icmpType = this.expectWord().text;
      if (this.peek().kind === 'WORD' && !['mtu', 'id'].includes(this.peek().text)) p.icmpCode = this.next().text;
      if (this.isWord('mtu')) {
        this.next();
        p.icmpMtu = this.expectInt();
      }
      if (this.isWord('id')) {
        this.next();
        p.icmpEchoId = this.expectInt();
      }
      if (this.isChar('[')) {
        this.next();
        if (this.isWord('udp') || this.isWord('raw')) {
          p.echoed.protocol = this.next().text as 'udp' | 'raw';
          this.expectChar('(');
          p.echoed.payload = this.expectInt();
          this.expectChar(')');
        } else {
          const [s, len] = this.parseSeq();
          p.echoed = { protocol: 'tcp', seq: s, payload: len };
        }
        this.expectChar(']');
      }
      if (!icmpTypeKnown(p.icmpType)) this.semantic(line, `unknown ICMP type '${p.icmpType}'`);
      return p;
    }
    [p.srcPort, p.dstPort] = this.parsePortInfo();
    // flags: WORD ['.'] | '.' | '-'
    const ft = this.peek();
    if (ft.kind === 'WORD') {
      this.next();
      p.flags = ft.text;
      if (this.isChar('.')) {
        this.next();
        p.flags += '.';
      }
    } else if (ft.kind === 'CHAR' && ft.text === '.') {
      this.next();
      p.flags = '.';
    } else if (ft.kind === 'CHAR' && ft.text === '-') {
      this.next();
      p.flags = '';
    } else {
      this.fail();
    }
    for (const ch of p.flags) {
      if (!'FSRP.UEWA'.includes(ch)) this.semantic(line, `unknown TCP flag '${ch}'`);
    }
    [p.seq, p.payload] = this.parseSeq();
    if (this.isWord('ack')) {
      this.next();
      p.ack = this.expectInt();
      if (p.ack > U32 || p.ack < 0) this.semantic(line, 'TCP ack sequence number out of range');
    }
    if (this.isWord('win')) {
      this.next();
      p.win = this.expectInt();
      if (p.win > 0xffff || p.win < 0) this.semantic(line, 'TCP window value out of range');
    }
    if (this.isWord('urg')) {
      this.next();
      p.urg = this.expectInt();
    }
    if (this.isChar('<')) {
      this.next();
      if (this.peek().kind === 'ELLIPSIS') {
        this.next();
        p.options = null;
      } else {
        p.options = this.parseTcpOptions();
      }
      this.expectChar('>');
    }
    if (p.options === null && direction !== 'out') this.semantic(line, '<...> for TCP options can only be used with outbound packets');
    if (p.win < 0 && direction === 'in') this.semantic(line, 'window must be specified for inbound packets');
    return p;
  }

  parseSeq(): [number, number] {
    const t = this.peek();
    const start = this.expectInt();
    this.expectChar(':');
    const end = this.expectInt();
    this.expectChar('(');
    const len = this.expectInt();
    this.expectChar(')');
    if (start > U32 || start < 0) this.semantic(t.line, 'TCP start sequence number out of range');
    if (end > U32 || end < 0) this.semantic(t.line, 'TCP end sequence number out of range');
    if (len > 0xffff) this.semantic(t.line, 'TCP payload size out of range');
    if (end !== start + len) this.semantic(t.line, 'inconsistent TCP sequence numbers and payload size');
    return [start, len];
  }

  parseTcpOptions(): TcpOptSpec[] {
    const opts: TcpOptSpec[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'WORD') this.fail();
      this.next();
      switch (t.text) {
        case 'nop': opts.push({ kind: 'nop' }); break;
        case 'eol': opts.push({ kind: 'eol' }); break;
        case 'mss': {
          const v = this.expectInt();
          if (v > 0xffff) this.semantic(t.line, 'mss value out of range');
          opts.push({ kind: 'mss', value: v });
          break;
        }
        case 'wscale': {
          const v = this.expectInt();
          if (v > 255) this.semantic(t.line, 'window scale shift count out of range');
          opts.push({ kind: 'wscale', value: v });
          break;
        }
        case 'sackOK': opts.push({ kind: 'sackOK' }); break;
        case 'sack': {
          const blocks: [number, number][] = [];
          while (this.peek().kind === 'INTEGER' && this.isChar(':', 1)) {
            const l = this.expectInt();
            this.expectChar(':');
            const r = this.expectInt();
            blocks.push([l >>> 0, r >>> 0]);
          }
          if (!blocks.length) this.fail();
          opts.push({ kind: 'sack', blocks });
          break;
        }
        case 'TS': {
          this.expectWord('val');
          const val = this.expectInt();
          this.expectWord('ecr');
          const ecr = this.expectInt();
          if (val > U32) this.semantic(t.line, 'ts val out of range');
          if (ecr > U32) this.semantic(t.line, 'ecr val out of range');
          opts.push({ kind: 'TS', val, ecr });
          break;
        }
        case 'FO':
        case 'FOEXP':
        case 'md5': {
          let hex = '';
          const h = this.peek();
          if (h.kind === 'WORD' || h.kind === 'INTEGER') {
            this.next();
            hex = h.text;
          }
          if (hex.length & 1) this.semantic(t.line, 'TCP fast open cookie has an odd number of digits');
          const bytes = new Uint8Array(hex.length / 2);
          for (let k = 0; k < bytes.length; k++) {
            const b = parseInt(hex.slice(2 * k, 2 * k + 2), 16);
            if (Number.isNaN(b)) this.semantic(t.line, `TCP fast open cookie '${hex}' is not a valid hex string`);
            bytes[k] = b;
          }
          if (t.text === 'md5') opts.push({ kind: 'md5', digest: bytes });
          else opts.push({ kind: t.text as 'FO' | 'FOEXP', cookie: bytes });
          break;
        }
        default:
          this.fail(t);
      }
      if (!this.isChar(',')) break;
      this.next();
    }
    return opts;
  }

  /* ---------------- system calls ---------------- */

  parseSyscall(): SyscallSpec {
    let endUs: number | null = null;
    if (this.peek().kind === 'ELLIPSIS') {
      this.next();
      endUs = this.parseTime();
    }
    const name = this.expectWord().text;
    this.expectChar('(');
    const args: Expr[] = [];
    if (!this.isChar(')')) {
      for (;;) {
        args.push(this.parseExpr());
        if (!this.isChar(',')) break;
        this.next();
      }
    }
    this.expectChar(')');
    this.expectChar('=');
    const result = this.parseExpr();
    let errno: string | null = null;
    let note: string | null = null;
    if (this.peek().kind === 'WORD' && this.isChar('(', 1)) {
      errno = this.next().text;
      note = this.parseNote();
    } else if (this.isChar('(')) {
      note = this.parseNote();
    }
    return { name, args, result, errno, note, endUs };
  }

  parseNote(): string {
    this.expectChar('(');
    const words: string[] = [];
    while (!this.isChar(')')) {
      const t = this.next();
      if (t.kind === 'EOF') this.fail(t);
      words.push(tokText(t));
    }
    this.next();
    return words.join(' ');
  }

  parseExpr(): Expr {
    let e = this.parsePrimary();
    for (;;) {
      if (this.isChar('|')) {
        this.next();
        e = { k: 'binary', op: '|', l: e, r: this.parsePrimary() };
      } else if (e.k === 'string' && this.peek().kind === 'STRING') {
        e = { k: 'binary', op: '.', l: e, r: this.parsePrimary() };
      } else {
        return e;
      }
    }
  }

  parsePrimary(): Expr {
    const t = this.peek();
    switch (t.kind) {
      case 'ELLIPSIS':
        this.next();
        return { k: 'ellipsis' };
      case 'INTEGER':
        this.next();
        return { k: 'int', v: t.value, hex: false };
      case 'HEX':
        this.next();
        return { k: 'int', v: t.value, hex: true };
      case 'STRING': {
        this.next();
        if (this.peek().kind === 'ELLIPSIS') {
          this.next();
          return { k: 'string', s: t.text, ellipsis: true };
        }
        return { k: 'string', s: t.text, ellipsis: false };
      }
      case 'WORD': {
        this.next();
        if (this.isChar('=')) {
          this.next();
          return { k: 'binary', op: '=', l: { k: 'word', w: t.text }, r: this.parseExpr() };
        }
        if (t.text === 'inet_addr' && this.isChar('(')) {
          this.next();
          const s = this.next();
          if (s.kind !== 'STRING') this.fail(s);
          this.expectChar(')');
          return { k: 'int', v: ipv4FromString(s.text) ?? 0xffffffff, hex: true };
        }
        if (t.text === 'htons' && this.isChar('(')) {
          this.next();
          const v = this.expectAnyInt();
          this.expectChar(')');
          return { k: 'int', v, hex: false };
        }
        return { k: 'word', w: t.text };
      }
      case 'CHAR':
        if (t.text === '[') {
          this.next();
          const items: Expr[] = [];
          if (!this.isChar(']')) {
            for (;;) {
              items.push(this.parseExpr());
              if (!this.isChar(',')) break;
              this.next();
            }
          }
          this.expectChar(']');
          return { k: 'list', items };
        }
        if (t.text === '{') return this.parseBrace();
        break;
      default:
        break;
    }
    this.fail();
  }

  /** `{...}`: sockaddr, msghdr, iovec, pollfd, linger, cmsg, epoll_event, or a plain list. */
  parseBrace(): Expr {
    const open = this.next();
    const w = this.peek().kind === 'WORD' ? this.peek().text : '';
    if (w === 'sa_family') {
      this.next();
      this.expectChar('=');
      const family = this.expectWord().text;
      this.expectChar(',');
      this.expectWord('sin_port');
      this.expectChar('=');
      this.expectWord('htons');
      this.expectChar('(');
      const port = this.expectInt();
      this.expectChar(')');
      this.expectChar(',');
      this.expectWord('sin_addr');
      this.expectChar('=');
      this.expectWord('inet_addr');
      this.expectChar('(');
      const a = this.next();
      if (a.kind !== 'STRING') this.fail(a);
      this.expectChar(')');
      this.expectChar('}');
      if (family === 'AF_INET' && ipv4FromString(a.text) === null) this.semantic(open.line, 'invalid IPv4 address');
      return { k: 'sockaddr', family, port, addr: a.text };
    }
    if (w === 'msg_name') {
      this.next();
      this.expectChar('(');
      if (this.peek().kind === 'ELLIPSIS') this.next();
      this.expectChar(')');
      this.expectChar('=');
      this.parseExpr();
      this.expectChar(',');
      this.expectWord('msg_iov');
      this.expectChar('(');
      const iovlen = this.expectInt();
      this.expectChar(')');
      this.expectChar('=');
      const iov = this.parseExpr();
      this.expectChar(',');
      this.expectWord('msg_flags');
      this.expectChar('=');
      const flags = this.parseExpr();
      let control: Expr = { k: 'list', items: [] };
      if (this.isChar(',')) {
        this.next();
        this.expectWord('msg_control');
        this.expectChar('=');
        control = this.parseExpr();
      }
      this.expectChar('}');
      return { k: 'msghdr', iov, iovlen, flags, control };
    }
    if (this.peek().kind === 'ELLIPSIS' && this.isChar(',', 1)) {
      this.next();
      this.next();
      const len = this.expectInt();
      this.expectChar('}');
      return { k: 'iovec', len };
    }
    if ((w === 'fd' || w === 'events') && this.isChar('=', 1)) {
      this.next();
      this.next();
      const a = this.parseExpr();
      this.expectChar(',');
      const f2 = this.expectWord().text;
      this.expectChar('=');
      const b = this.parseExpr();
      if (w === 'fd') {
        if (f2 !== 'events') this.fail();
        let revents: Expr = { k: 'int', v: 0, hex: false };
        if (this.isChar(',')) {
          this.next();
          this.expectWord('revents');
          this.expectChar('=');
          revents = this.parseExpr();
        }
        this.expectChar('}');
        return { k: 'pollfd', fd: a, events: b, revents };
      }
      this.expectChar('}');
      return { k: 'epollev', events: a, field: f2, value: b };
    }
    if (w === 'onoff' && this.isChar('=', 1)) {
      this.next();
      this.next();
      const onoff = this.expectInt();
      this.expectChar(',');
      this.expectWord('linger');
      this.expectChar('=');
      const linger = this.expectInt();
      this.expectChar('}');
      return { k: 'linger', onoff, linger };
    }
    if (w === 'cmsg_level' && this.isChar('=', 1)) {
      this.next();
      this.next();
      const level = this.parseExpr();
      this.expectChar(',');
      this.expectWord('cmsg_type');
      this.expectChar('=');
      const type = this.parseExpr();
      this.expectChar(',');
      this.expectWord('cmsg_data');
      this.expectChar('=');
      const data = this.parseExpr();
      this.expectChar('}');
      return { k: 'cmsg', level, type, data };
    }
    const items: Expr[] = [];
    for (;;) {
      items.push(this.parseExpr());
      if (!this.isChar(',')) break;
      this.next();
    }
    this.expectChar('}');
    return { k: 'struct', items };
  }
}

function tokText(t: Token): string {
  if (t.kind === 'STRING') return `"${t.text}"`;
  if (t.kind === 'BACKQ') return `\`${t.text}\``;
  if (t.kind === 'OPTION') return `--${t.text}`;
  return t.text;
}

/** Known ICMP type names (upstream: icmp_packet.c icmpv4_type_table). */
const ICMP_TYPES = ['echo_reply', 'destination_unreachable', 'unreachable', 'source_quench', 'redirect', 'echo_request',
  'time_exceeded', 'parameter_problem', 'timestamp_request', 'timestamp_reply', 'information_request',
  'information_reply'];
function icmpTypeKnown(name: string): boolean {
  return ICMP_TYPES.includes(name) || /^[0-9]+$/.test(name);
}

export function ipv4FromString(s: string): number | null {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (!m) return null;
  const b = m.slice(1).map(Number);
  if (b.some((x) => x > 255)) return null;
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}

/** Parse a whole script; throws PacketdrillSyntaxError / PacketdrillSemanticError. */
export function parsePacketdrillScript(path: string, text: string, defines?: Map<string, string>): Script {
  return new Parser(path, tokenize(path, text, defines)).parseScript();
}
