/**
 * The lab script language: a small, strict subset of the POSIX shell, parsed in
 * full before anything runs (so a syntax error on line 40 stops the lab before
 * line 1 creates a namespace). No Linux kernel counterpart; the grammar is bash's,
 * cut down to what a network lab needs, so the same file runs under `bash` on a
 * real host:
 *
 *   - one command per line; `;` also separates commands; `#` starts a comment
 *     at the beginning of a word;
 *   - `\` + newline continues a line; a newline after `&&` or `||` continues too;
 *   - quoting: '...' (literal), "..." (`\` escapes `$ " \` and newline, `$VAR` expands),
 *     `\c` outside quotes;
 *   - `$NAME`, `${NAME}`, `$?`, `$!`, `$$`, `$0`..`$9`, `$#`: expanded at run time;
 *     unquoted expansions are split on blanks (space, tab, newline) as bash does with
 *     the default IFS; there is no globbing;
 *   - `NAME=value` alone sets a shell variable; before a command it sets the
 *     variable in that command's environment only;
 *   - lists: `a && b`, `a || b`, `cmd &` (background job);
 *   - redirections: `>FILE`, `>>FILE`, `N>FILE`, `N>>FILE`, `N>&M`, `>&M`, `&>FILE`,
 *     and input from a file: `<FILE`, `0<FILE` (bytes, so `nc h p <file` sends
 *     binary data unchanged).
 *
 * Everything else bash has (pipelines, `if`/`for`/`while`, functions, subshells,
 * `$(...)`, here-documents, `<&`, `<>`) is reported as a syntax error naming the
 * construct, with FILE:LINE, instead of being half-supported.
 */

/** A piece of a word: literal text or a parameter expansion, and whether it was quoted. */
export type WordPart =
  | { kind: 'lit'; text: string; quoted: boolean }
  | { kind: 'var'; name: string; quoted: boolean };

export interface Word {
  parts: WordPart[];
}

export interface Redirect {
  /** The fd redirected (0 for '<', 1 or 2; -1 for `&>`, both). */
  fd: number;
  /** '>' truncate, '>>' append, '>&' duplicate another fd, '<' read a file. */
  op: '>' | '>>' | '>&' | '<';
  /** File name for '>'/'>>'/'<'; for '>&' the word naming the fd. */
  target: Word;
}

export interface Assignment {
  name: string;
  value: Word;
}

export interface SimpleCommand {
  line: number;
  assigns: Assignment[];
  words: Word[];
  redirects: Redirect[];
}

/** `a && b || c`: run `first`, then each of `rest` depending on the last status. */
export interface AndOrList {
  first: SimpleCommand;
  rest: { op: '&&' | '||'; cmd: SimpleCommand }[];
}

export interface Statement {
  line: number;
  list: AndOrList;
  background: boolean;
  /** The source text of the statement (what `jobs` prints). */
  text: string;
}

export interface Script {
  file: string;
  statements: Statement[];
}

/** A syntax error: `FILE:LINE: syntax error: ...`. Nothing of the script has run. */
export class LabSyntaxError extends Error {
  constructor(readonly file: string, readonly line: number, readonly detail: string) {
    super(`${file}:${line}: syntax error: ${detail}`);
    this.name = 'LabSyntaxError';
  }
}

type Token =
  | { t: 'word'; word: Word; line: number; start: number; end: number; plain: string | null }
  | { t: 'op'; op: string; line: number; start: number; end: number }
  | { t: 'redir'; fd: number; op: '>' | '>>' | '>&' | '<'; line: number; start: number; end: number }
  | { t: 'nl'; line: number; start: number; end: number }
  | { t: 'eof'; line: number; start: number; end: number };

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const META = new Set([' ', '\t', '\n', ';', '&', '|', '<', '>', '(', ')']);

/** Words that start a bash compound command or are otherwise unsupported at a command's start. */
const RESERVED = new Map<string, string>([
  ['if', "'if' (conditionals)"], ['then', "'then'"], ['else', "'else'"], ['elif', "'elif'"], ['fi', "'fi'"],
  ['for', "'for' (loops)"], ['while', "'while' (loops)"], ['until', "'until' (loops)"], ['do', "'do'"],
  ['done', "'done'"], ['case', "'case'"], ['esac', "'esac'"], ['function', "'function' (functions)"],
  ['select', "'select'"], ['{', "'{' (command groups)"], ['}', "'}'"], ['!', "'!' (negation)"],
  ['[[', "'[[' (tests)"], ['((', "'((' (arithmetic)"], ['time', "'time'"], ['coproc', "'coproc'"],
]);

class Lexer {
  pos = 0;
  line = 1;
  constructor(readonly file: string, readonly src: string) {}

  error(line: number, detail: string): never {
    throw new LabSyntaxError(this.file, line, detail);
  }

  /** Skip blanks, comments and backslash-newline continuations. */
  private skipBlanks(): void {
    const s = this.src;
    for (;;) {
      const c = s[this.pos];
      if (c === ' ' || c === '\t' || c === '\r') {
        this.pos++;
      } else if (c === '\\' && s[this.pos + 1] === '\n') {
        this.pos += 2;
        this.line++;
      } else if (c === '\\' && s[this.pos + 1] === '\r' && s[this.pos + 2] === '\n') {
        this.pos += 3;
        this.line++;
      } else if (c === '#') {
        while (this.pos < s.length && s[this.pos] !== '\n') this.pos++;
      } else {
        return;
      }
    }
  }

  next(): Token {
    this.skipBlanks();
    const s = this.src;
    const start = this.pos;
    const line = this.line;
    if (this.pos >= s.length) return { t: 'eof', line, start, end: start };
    const c = s[this.pos]!;
    if (c === '\n') {
      this.pos++;
      this.line++;
      return { t: 'nl', line, start, end: this.pos };
    }
    // An IO number: digits immediately followed by '>' or '<'.
    const io = /^([0-9]+)(?=[<>])/.exec(s.slice(this.pos, this.pos + 12));
    if (io) {
      this.pos += io[1]!.length;
      return this.redirect(Number(io[1]), start, line);
    }
    if (c === '>') return this.redirect(1, start, line);
    if (c === '<') return this.redirect(0, start, line);
    if (c === '&' && s[this.pos + 1] === '>') {
      this.pos++;
      const r = this.redirect(-1, start, line);
      if (r.t === 'redir' && r.op === '>&') this.error(line, "near unexpected token '&>&'");
      return r;
    }
    for (const op of ['&&', '||', ';;', '&', '|', ';', '(', ')']) {
      if (s.startsWith(op, this.pos)) {
        this.pos += op.length;
        return { t: 'op', op, line, start, end: this.pos };
      }
    }
    return this.word(start, line);
  }

  private redirect(fd: number, start: number, line: number): Token {
    const s = this.src;
    if (s[this.pos] === '<') {
      const n = s[this.pos + 1];
      if (n === '<') this.error(line, "here-documents ('<<') are not supported by the lab runner");
      if (n === '&' || n === '>' || n === '(') this.error(line, `redirection '<${n}' is not supported by the lab runner (only '<FILE')`);
      if (fd !== 0) this.error(line, `redirection of fd ${fd} from a file: only 0 (stdin) can be read in a lab`);
      this.pos++;
      return { t: 'redir', fd, op: '<', line, start, end: this.pos };
    }
    this.pos++; // '>'
    let op: '>' | '>>' | '>&' = '>';
    if (s[this.pos] === '>') {
      op = '>>';
      this.pos++;
    } else if (s[this.pos] === '&') {
      op = '>&';
      this.pos++;
    } else if (s[this.pos] === '|') {
      this.pos++; // '>|' is '>' without noclobber; same thing here
    }
    if (fd !== -1 && fd !== 1 && fd !== 2) this.error(line, `redirection of fd ${fd}: only 1 (stdout) and 2 (stderr) exist in a lab`);
    return { t: 'redir', fd, op, line, start, end: this.pos };
  }

  /** A word: runs of unquoted text, quoted strings and expansions up to a metacharacter. */
  private word(start: number, line: number): Token {
    const s = this.src;
    const parts: WordPart[] = [];
    let lit = '';
    let plain = true;
    const flush = (quoted: boolean): void => {
      if (lit !== '' || quoted) parts.push({ kind: 'lit', text: lit, quoted });
      lit = '';
    };
    while (this.pos < s.length) {
      const c = s[this.pos]!;
      if (META.has(c) || c === '\r') break;
      if (c === '\\') {
        const n = s[this.pos + 1];
        if (n === undefined) this.error(this.line, "unexpected end of file after '\\' (a line continuation needs a next line)");
        if (n === '\n') {
          this.pos += 2;
          this.line++;
          continue;
        }
        flush(false);
        lit = n;
        flush(true);
        plain = false;
        this.pos += 2;
        continue;
      }
      if (c === "'") {
        flush(false);
        const qline = this.line;
        const end = s.indexOf("'", this.pos + 1);
        if (end < 0) this.error(qline, "unexpected end of file while looking for matching `''");
        lit = s.slice(this.pos + 1, end);
        for (const ch of lit) if (ch === '\n') this.line++;
        flush(true);
        plain = false;
        this.pos = end + 1;
        continue;
      }
      if (c === '"') {
        flush(false);
        this.doubleQuoted(parts);
        plain = false;
        continue;
      }
      if (c === '`') this.error(this.line, 'command substitution (`...`) is not supported by the lab runner');
      if (c === '$') {
        flush(false);
        const p = this.dollar(false);
        if (p) {
          parts.push(p);
          plain = false;
        } else {
          lit = '$';
        }
        continue;
      }
      lit += c;
      this.pos++;
    }
    flush(false);
    const text = plain ? parts.map((p) => (p.kind === 'lit' ? p.text : '')).join('') : null;
    return { t: 'word', word: { parts }, line, start, end: this.pos, plain: text };
  }

  private doubleQuoted(parts: WordPart[]): void {
    const s = this.src;
    const qline = this.line;
    this.pos++; // opening "
    let lit = '';
    let any = false;
    const flush = (): void => {
      if (lit !== '') parts.push({ kind: 'lit', text: lit, quoted: true });
      if (lit !== '') any = true;
      lit = '';
    };
    for (;;) {
      if (this.pos >= s.length) this.error(qline, 'unexpected end of file while looking for matching `"\'');
      const c = s[this.pos]!;
      if (c === '"') {
        this.pos++;
        break;
      }
      if (c === '\\') {
        const n = s[this.pos + 1];
        if (n === '\n') {
          this.pos += 2;
          this.line++;
          continue;
        }
        if (n === '$' || n === '"' || n === '\\' || n === '`') {
          lit += n;
          this.pos += 2;
          continue;
        }
        lit += c;
        this.pos++;
        continue;
      }
      if (c === '`') this.error(this.line, 'command substitution (`...`) is not supported by the lab runner');
      if (c === '$') {
        const save = lit;
        lit = '';
        if (save !== '') {
          lit = save;
          flush();
        }
        const p = this.dollar(true);
        if (p) {
          parts.push(p);
          any = true;
        } else {
          lit += '$';
        }
        continue;
      }
      if (c === '\n') this.line++;
      lit += c;
      this.pos++;
    }
    flush();
    // "" is an (empty) argument of its own.
    if (!any) parts.push({ kind: 'lit', text: '', quoted: true });
  }

  /** After '$': an expansion part, or null when the '$' is literal (consumed). */
  private dollar(quoted: boolean): WordPart | null {
    const s = this.src;
    this.pos++; // '$'
    const c = s[this.pos];
    if (c === '(') this.error(this.line, 'command substitution $(...) and arithmetic $((...)) are not supported by the lab runner');
    if (c === '{') {
      const end = s.indexOf('}', this.pos);
      const inner = end < 0 ? '' : s.slice(this.pos + 1, end);
      if (end < 0) this.error(this.line, "unexpected end of file while looking for matching `}'");
      if (!NAME_RE.test(inner) && !/^[0-9?!$#]$/.test(inner)) this.error(this.line, `\${${inner}}: bad substitution (only \${NAME} is supported)`);
      this.pos = end + 1;
      return { kind: 'var', name: inner, quoted };
    }
    if (c !== undefined && /[?!$#0-9]/.test(c)) {
      this.pos++;
      return { kind: 'var', name: c, quoted };
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(this.pos, this.pos + 256));
    if (m) {
      this.pos += m[0].length;
      return { kind: 'var', name: m[0], quoted };
    }
    return null;
  }
}

/** Parse a whole script. Throws LabSyntaxError. */
export function parseScript(file: string, src: string): Script {
  const lx = new Lexer(file, src);
  const statements: Statement[] = [];
  let tok = lx.next();
  const advance = (): Token => (tok = lx.next());
  const tokText = (t: Token): string => (t.t === 'nl' ? 'newline' : t.t === 'eof' ? 'end of file' : src.slice(t.start, t.end));
  const unexpected = (t: Token): never => {
    if (t.t === 'eof') return lx.error(t.line, 'unexpected end of file');
    if (t.t === 'op' && t.op === '|') lx.error(t.line, "near unexpected token '|': pipelines are not supported by the lab runner");
    if (t.t === 'op' && (t.op === '(' || t.op === ')')) lx.error(t.line, `near unexpected token '${t.op}': subshells and functions are not supported by the lab runner`);
    return lx.error(t.line, `near unexpected token '${tokText(t)}'`);
  };
  /** The current token (a call, so TypeScript does not keep a stale narrowing across advance()). */
  const cur = (): Token => tok;

  const simpleCommand = (): SimpleCommand => {
    const cmd: SimpleCommand = { line: tok.line, assigns: [], words: [], redirects: [] };
    for (;;) {
      if (tok.t === 'word') {
        const w = tok;
        if (cmd.words.length === 0) {
          const first = w.word.parts[0];
          const m = first && first.kind === 'lit' && !first.quoted ? /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(first.text) : null;
          if (m && first && first.kind === 'lit') {
            const rest: WordPart[] = [{ kind: 'lit', quoted: false, text: first.text.slice(m[0].length) }, ...w.word.parts.slice(1)];
            cmd.assigns.push({ name: m[1]!, value: { parts: rest.filter((p) => p.kind !== 'lit' || p.text !== '' || p.quoted) } });
            advance();
            continue;
          }
          if (w.plain !== null && RESERVED.has(w.plain)) {
            lx.error(w.line, `${RESERVED.get(w.plain)!} is not supported by the lab runner (one simple command per line)`);
          }
        }
        cmd.words.push(w.word);
        advance();
      } else if (tok.t === 'redir') {
        const r = tok;
        const tt = advance();
        if (tt.t !== 'word') {
          if (tt.t === 'nl' || tt.t === 'eof') lx.error(r.line, "near unexpected token 'newline': a redirection needs a target");
          return unexpected(tt);
        }
        const target = tt.word;
        if (r.op === '>&') {
          const plainTarget = tt.plain;
          if (plainTarget === null || !/^[12]$/.test(plainTarget)) {
            lx.error(r.line, `redirection '>&${plainTarget ?? '...'}': only '>&1' and '>&2' are supported`);
          }
        }
        cmd.redirects.push({ fd: r.fd, op: r.op, target });
        advance();
      } else {
        break;
      }
    }
    if (cmd.words.length === 0 && cmd.assigns.length === 0 && cmd.redirects.length === 0) unexpected(tok);
    return cmd;
  };

  for (;;) {
    while (tok.t === 'nl') advance();
    if (tok.t === 'eof') break;
    if (tok.t === 'op' && tok.op === ';') unexpected(tok);
    const startTok = tok;
    const first = simpleCommand();
    const list: AndOrList = { first, rest: [] };
    while (tok.t === 'op' && (tok.op === '&&' || tok.op === '||')) {
      const op = tok.op;
      advance();
      while (cur().t === 'nl') advance();
      if (cur().t !== 'word' && cur().t !== 'redir') unexpected(tok);
      list.rest.push({ op, cmd: simpleCommand() });
    }
    let background = false;
    let endPos = tok.start;
    if (tok.t === 'op' && (tok.op === '&' || tok.op === ';')) {
      background = tok.op === '&';
      endPos = tok.end;
      advance();
    } else if (tok.t === 'op') {
      unexpected(tok);
    }
    // What `jobs` shows: the statement's source, continuations joined.
    const text = src.slice(startTok.start, endPos).replace(/\\\r?\n[ \t]*/g, '').replace(/\s+$/, '');
    statements.push({ line: startTok.line, list, background, text });
    if (tok.t === 'op') {
      // `a & ;` or `a ; ;`: bash rejects a separator with no command before it.
      if (tok.op === '&' || tok.op === ';' || tok.op === '&&' || tok.op === '||') unexpected(tok);
    }
  }
  return { file, statements };
}
