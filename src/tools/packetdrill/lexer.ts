/**
 * The packetdrill script lexer (upstream: gtests/net/packetdrill/lexer.l),
 * written as a hand-rolled longest-match scanner with the same token classes:
 * C and C++ comments, `%{ code }%` snippets, `--option` names, `...`, floats,
 * decimal and 0x integers, IPv4 addresses, words (`[A-Za-z0-9_]+`, which also
 * carry the reserved words such as `ack`, `win`, `mss`), "strings",
 * `back-quoted commands`, and single punctuation characters. Every token keeps
 * its line number for diagnostics. IPv6 addresses are not recognised (the runner
 * is IPv4 only).
 */

export type TokenKind = 'INTEGER' | 'HEX' | 'FLOAT' | 'WORD' | 'STRING' | 'BACKQ' | 'CODE' | 'IPV4' |
  'OPTION' | 'ELLIPSIS' | 'CHAR' | 'EOF';

export interface Token {
  kind: TokenKind;
  /** The source text (for CHAR the character; for STRING/BACKQ/CODE the contents). */
  text: string;
  /** Numeric value for INTEGER/HEX/FLOAT. */
  value: number;
  line: number;
}

export class PacketdrillSyntaxError extends Error {
  constructor(readonly path: string, readonly line: number, readonly near: string, why: string) {
    super(`${path}:${line}: parse error at '${near}': ${why}`);
  }
}

const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isWordChar = (c: string): boolean => /[A-Za-z0-9_]/.test(c);

/** Unescape a quoted string body the way upstream's quoted() does (\n, \t, \\, \", \`). */
function unescape(s: string): string {
  return s.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c === 'r' ? '\r' : c === '0' ? '\0' : c));
}

/** Tokenize a whole script. `defines` substitutes words as upstream's -D SYM=VAL does. */
export function tokenize(path: string, src: string, defines: Map<string, string> = new Map()): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  const n = src.length;
  const push = (kind: TokenKind, text: string, value = 0, at = line): void => {
    out.push({ kind, text, value, line: at });
  };
  while (i < n) {
    const c = src[i]!;
    if (c === '\n') {
      line++;
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    // Comments.
    if (c === '/' && src[i + 1] === '/') {
      while (i < n && src[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      for (let j = i; j < stop; j++) if (src[j] === '\n') line++;
      i = stop;
      continue;
    }
    // Code snippet %{ ... }%.
    if (c === '%' && src[i + 1] === '{') {
      const end = src.indexOf('}%', i + 2);
      if (end < 0) throw new PacketdrillSyntaxError(path, line, '%{', 'unterminated code snippet');
      const body = src.slice(i + 2, end);
      const at = line;
      for (const ch of body) if (ch === '\n') line++;
      push('CODE', body.replace(/^[ \t]+/, '').replace(/[ \t]+$/, ''), 0, at);
      i = end + 2;
      continue;
    }
    if (c === '.' && src[i + 1] === '.' && src[i + 2] === '.') {
      push('ELLIPSIS', '...');
      i += 3;
      continue;
    }
    if (c === '-' && src[i + 1] === '-' && i + 2 < n && isWordChar(src[i + 2]!)) {
      let j = i + 2;
      while (j < n && isWordChar(src[j]!)) j++;
      push('OPTION', src.slice(i + 2, j));
      i = j;
      continue;
    }
    if (c === '"' || c === '`') {
      let j = i + 1;
      const at = line;
      while (j < n && src[j] !== c) {
        if (src[j] === '\\' && j + 1 < n) j++;
        if (src[j] === '\n') line++;
        j++;
      }
      if (j >= n) throw new PacketdrillSyntaxError(path, at, c, 'unterminated string');
      push(c === '"' ? 'STRING' : 'BACKQ', unescape(src.slice(i + 1, j)), 0, at);
      i = j + 1;
      continue;
    }
    // Numbers, addresses and words: longest match among the number/word rules.
    const neg = c === '-' && i + 1 < n && (isDigit(src[i + 1]!) || (src[i + 1] === '.' && isDigit(src[i + 2] ?? '')));
    if (isDigit(c) || isWordChar(c) || neg || (c === '.' && isDigit(src[i + 1] ?? ''))) {
      const rest = src.slice(i, i + 64);
      const cands: [TokenKind, string][] = [];
      let m = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+/.exec(rest);
      if (m) cands.push(['IPV4', m[0]]);
      m = /^-?[0-9]*\.[0-9]+/.exec(rest);
      if (m) cands.push(['FLOAT', m[0]]);
      m = /^-?[0-9]+/.exec(rest);
      if (m) cands.push(['INTEGER', m[0]]);
      m = /^0x[0-9a-fA-F]+/.exec(rest);
      if (m) cands.push(['HEX', m[0]]);
      m = /^[A-Za-z0-9_]+/.exec(rest);
      if (m) cands.push(['WORD', m[0]]);
      let best = cands[0]!;
      for (const x of cands) if (x[1].length > best[1].length) best = x;
      const [kind, text] = best;
      i += text.length;
      if (kind === 'FLOAT') push(kind, text, parseFloat(text));
      else if (kind === 'INTEGER') push(kind, text, Number(text));
      else if (kind === 'HEX') push(kind, text, parseInt(text.slice(2), 16));
      else if (kind === 'WORD' && defines.has(text)) {
        const v = defines.get(text)!;
        // Upstream's word(): a defined symbol expands to its value's token.
        if (/^-?[0-9]+$/.test(v)) push('INTEGER', v, Number(v));
        else if (/^0x[0-9a-fA-F]+$/.test(v)) push('HEX', v, parseInt(v.slice(2), 16));
        else if (/^".*"$/s.test(v)) push('STRING', v.slice(1, -1));
        else if (/^`.*`$/s.test(v)) push('BACKQ', v.slice(1, -1));
        else push('WORD', v);
      } else push(kind, text);
      continue;
    }
    push('CHAR', c);
    i++;
  }
  push('EOF', '');
  return out;
}
