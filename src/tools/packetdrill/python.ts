/**
 * A small Python subset for packetdrill's `%{ ... }%` snippets (upstream runs
 * them with python3 after the script, see code.c). Supported: statements
 * `assert EXPR[, MSG]`, `NAME = EXPR`, `print(...)`, `pass`, separated by
 * newlines or `;`; expressions with `or/and/not`, chained comparisons
 * (`== != < <= > >= in not in is`), `| ^ & << >> + - * / // % **`, unary
 * `- + ~`, calls of `abs min max int float len bool str`, ints, floats,
 * strings, True/False/None, tuples/lists and parentheses. Failure raises
 * PythonError with Python's exception text (`AssertionError: msg`).
 */

export class PythonError extends Error {
  constructor(readonly pyType: string, msg: string) {
    super(msg === '' ? pyType : `${pyType}: ${msg}`);
  }
}

type Val = number | string | boolean | null | Val[];

interface Tok { t: 'num' | 'str' | 'name' | 'op' | 'end'; v: string }

function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (c === '\\' && src[i + 1] === '\n') {
      i += 2;
      continue;
    }
    if (c === '\n' || c === ';') {
      out.push({ t: 'op', v: '\n' });
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    const rest = src.slice(i);
    let m = /^(0x[0-9a-fA-F]+|[0-9]+\.[0-9]*(e[-+]?[0-9]+)?|\.[0-9]+|[0-9]+(e[-+]?[0-9]+)?)/.exec(rest);
    if (m) {
      out.push({ t: 'num', v: m[0] });
      i += m[0].length;
      continue;
    }
    m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (m) {
      out.push({ t: 'name', v: m[0] });
      i += m[0].length;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let s = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\' && j + 1 < src.length) {
          j++;
          s += src[j] === 'n' ? '\n' : src[j];
        } else s += src[j];
        j++;
      }
      out.push({ t: 'str', v: s });
      i = j + 1;
      continue;
    }
    m = /^(\*\*|\/\/|<<|>>|<=|>=|==|!=|[-+*/%&|^~<>()[\],=.:])/.exec(rest);
    if (m) {
      out.push({ t: 'op', v: m[0] });
      i += m[0].length;
      continue;
    }
    throw new PythonError('SyntaxError', `invalid character '${c}'`);
  }
  out.push({ t: 'end', v: '' });
  return out;
}

function truthy(v: Val): boolean {
  if (Array.isArray(v)) return v.length > 0;
  return Boolean(v);
}

function repr(v: Val): string {
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (Array.isArray(v)) return `[${v.map(repr).join(', ')}]`;
  if (typeof v === 'string') return `'${v}'`;
  return String(v);
}

function str(v: Val): string {
  return typeof v === 'string' ? v : repr(v);
}

function num(v: Val): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new PythonError('TypeError', `unsupported operand type(s): '${typeof v}'`);
}

function pyEq(a: Val, b: Val): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, k) => pyEq(x, b[k]!));
  if (typeof a === 'boolean' || typeof b === 'boolean') {
    if ((typeof a === 'number' || typeof a === 'boolean') && (typeof b === 'number' || typeof b === 'boolean')) return num(a) === num(b);
  }
  return a === b;
}

/** Python's integer ops on doubles: exact while |x| < 2^53, which tcp_info fields are. */
function intOp(op: string, a: number, b: number): number {
  if (Number.isInteger(a) && Number.isInteger(b) && Math.abs(a) < 2 ** 53 && Math.abs(b) < 2 ** 53) {
    const x = BigInt(a);
    const y = BigInt(b);
    let r: bigint;
    switch (op) {
      case '|': r = x | y; break;
      case '&': r = x & y; break;
      case '^': r = x ^ y; break;
      case '<<': r = x << y; break;
      default: r = x >> y; break;
    }
    return Number(r);
  }
  throw new PythonError('TypeError', `unsupported operand type(s) for ${op}: 'float'`);
}

class Interp {
  private i = 0;
  private toks: Tok[] = [];
  constructor(readonly vars: Map<string, Val>, readonly print: (s: string) => void) {}

  peek(): Tok {
    return this.toks[this.i]!;
  }
  isOp(v: string): boolean {
    const t = this.peek();
    return t.t === 'op' && t.v === v;
  }
  isName(v: string): boolean {
    const t = this.peek();
    return t.t === 'name' && t.v === v;
  }
  eat(v: string): void {
    if (!this.isOp(v) && !this.isName(v)) throw new PythonError('SyntaxError', `invalid syntax near '${this.peek().v}'`);
    this.i++;
  }

  run(src: string): void {
    this.toks = lex(src);
    this.i = 0;
    while (this.peek().t !== 'end') {
      if (this.isOp('\n')) {
        this.i++;
        continue;
      }
      this.statement();
      if (!this.isOp('\n') && this.peek().t !== 'end') throw new PythonError('SyntaxError', `invalid syntax near '${this.peek().v}'`);
    }
  }

  statement(): void {
    if (this.isName('pass')) {
      this.i++;
      return;
    }
    if (this.isName('assert')) {
      this.i++;
      const cond = this.expr();
      let msg: Val | undefined;
      if (this.isOp(',')) {
        this.i++;
        msg = this.expr();
      }
      if (!truthy(cond)) throw new PythonError('AssertionError', msg === undefined ? '' : str(msg));
      return;
    }
    const t = this.peek();
    const t1 = this.toks[this.i + 1]!;
    if (t.t === 'name' && t1.t === 'op' && t1.v === '=') {
      this.i += 2;
      this.vars.set(t.v, this.expr());
      return;
    }
    this.expr();
  }

  expr(): Val {
    let v = this.andExpr();
    while (this.isName('or')) {
      this.i++;
      const r = this.andExpr();
      v = truthy(v) ? v : r;
    }
    return v;
  }
  andExpr(): Val {
    let v = this.notExpr();
    while (this.isName('and')) {
      this.i++;
      const r = this.notExpr();
      v = truthy(v) ? r : v;
    }
    return v;
  }
  notExpr(): Val {
    if (this.isName('not')) {
      this.i++;
      return !truthy(this.notExpr());
    }
    return this.comparison();
  }
  compOp(): string | null {
    const t = this.peek();
    if (t.t === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(t.v)) {
      this.i++;
      return t.v;
    }
    if (t.t === 'name' && t.v === 'in') {
      this.i++;
      return 'in';
    }
    if (t.t === 'name' && t.v === 'is') {
      this.i++;
      if (this.isName('not')) {
        this.i++;
        return 'is not';
      }
      return 'is';
    }
    if (t.t === 'name' && t.v === 'not' && this.toks[this.i + 1]!.v === 'in') {
      this.i += 2;
      return 'not in';
    }
    return null;
  }
  comparison(): Val {
    let left = this.bitOr();
    let result: Val = true;
    let any = false;
    for (;;) {
      const op = this.compOp();
      if (op === null) break;
      const right = this.bitOr();
      any = true;
      let ok: boolean;
      switch (op) {
        case '==': ok = pyEq(left, right); break;
        case '!=': ok = !pyEq(left, right); break;
        case 'is': ok = left === right; break;
        case 'is not': ok = left !== right; break;
        case 'in': ok = Array.isArray(right) ? right.some((x) => pyEq(x, left)) : String(right).includes(String(left)); break;
        case 'not in': ok = !(Array.isArray(right) ? right.some((x) => pyEq(x, left)) : String(right).includes(String(left))); break;
        case '<': ok = num(left) < num(right); break;
        case '<=': ok = num(left) <= num(right); break;
        case '>': ok = num(left) > num(right); break;
        default: ok = num(left) >= num(right); break;
      }
      if (!ok) result = false;
      left = right;
    }
    return any ? result : left;
  }
  bitOr(): Val {
    let v = this.bitXor();
    while (this.isOp('|')) {
      this.i++;
      v = intOp('|', num(v), num(this.bitXor()));
    }
    return v;
  }
  bitXor(): Val {
    let v = this.bitAnd();
    while (this.isOp('^')) {
      this.i++;
      v = intOp('^', num(v), num(this.bitAnd()));
    }
    return v;
  }
  bitAnd(): Val {
    let v = this.shift();
    while (this.isOp('&')) {
      this.i++;
      v = intOp('&', num(v), num(this.shift()));
    }
    return v;
  }
  shift(): Val {
    let v = this.arith();
    while (this.isOp('<<') || this.isOp('>>')) {
      const op = this.peek().v;
      this.i++;
      v = intOp(op, num(v), num(this.arith()));
    }
    return v;
  }
  arith(): Val {
    let v = this.term();
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.peek().v;
      this.i++;
      const r = this.term();
      if (op === '+' && typeof v === 'string' && typeof r === 'string') v = v + r;
      else v = op === '+' ? num(v) + num(r) : num(v) - num(r);
    }
    return v;
  }
  term(): Val {
    let v = this.unary();
    while (this.isOp('*') || this.isOp('/') || this.isOp('//') || this.isOp('%')) {
      const op = this.peek().v;
      this.i++;
      const r = this.unary();
      if (op === '%' && typeof v === 'string') {
        const args = Array.isArray(r) ? r : [r];
        let k = 0;
        v = v.replace(/%[-0-9.]*[sdifxr%]/g, (f) => (f === '%%' ? '%' : f.endsWith('r') ? repr(args[k++] ?? null) : str(args[k++] ?? null)));
        continue;
      }
      const a = num(v);
      const b = num(r);
      if (op !== '*' && b === 0) throw new PythonError('ZeroDivisionError', 'division by zero');
      if (op === '*') v = a * b;
      else if (op === '/') v = a / b;
      else if (op === '//') v = Math.floor(a / b);
      else v = a - b * Math.floor(a / b);
    }
    return v;
  }
  unary(): Val {
    if (this.isOp('-')) {
      this.i++;
      return -num(this.unary());
    }
    if (this.isOp('+')) {
      this.i++;
      return num(this.unary());
    }
    if (this.isOp('~')) {
      this.i++;
      return -num(this.unary()) - 1;
    }
    return this.power();
  }
  power(): Val {
    const v = this.atom();
    if (this.isOp('**')) {
      this.i++;
      return num(v) ** num(this.unary());
    }
    return v;
  }
  args(): Val[] {
    const out: Val[] = [];
    this.eat('(');
    while (!this.isOp(')')) {
      out.push(this.expr());
      if (!this.isOp(',')) break;
      this.i++;
    }
    this.eat(')');
    return out;
  }
  atom(): Val {
    const t = this.peek();
    if (t.t === 'num') {
      this.i++;
      return t.v.startsWith('0x') ? parseInt(t.v, 16) : Number(t.v);
    }
    if (t.t === 'str') {
      this.i++;
      let s = t.v;
      while (this.peek().t === 'str') s += this.toks[this.i++]!.v;
      return s;
    }
    if (t.t === 'op' && (t.v === '(' || t.v === '[')) {
      this.i++;
      const close = t.v === '(' ? ')' : ']';
      const items: Val[] = [];
      let tuple = t.v === '[';
      while (!this.isOp(close)) {
        items.push(this.expr());
        if (!this.isOp(',')) break;
        tuple = true;
        this.i++;
      }
      this.eat(close);
      return tuple ? items : (items[0] ?? []);
    }
    if (t.t === 'name') {
      this.i++;
      if (t.v === 'True') return true;
      if (t.v === 'False') return false;
      if (t.v === 'None') return null;
      if (this.isOp('(')) {
        const a = this.args();
        switch (t.v) {
          case 'abs': return Math.abs(num(a[0]!));
          case 'min': return Math.min(...(a.length === 1 && Array.isArray(a[0]) ? a[0] : a).map(num));
          case 'max': return Math.max(...(a.length === 1 && Array.isArray(a[0]) ? a[0] : a).map(num));
          case 'int': return Math.trunc(typeof a[0] === 'string' ? Number(a[0]) : num(a[0]!));
          case 'float': return num(a[0]!);
          case 'bool': return truthy(a[0]!);
          case 'str': return str(a[0]!);
          case 'len': return Array.isArray(a[0]) || typeof a[0] === 'string' ? a[0].length : 0;
          case 'print': this.print(a.map(str).join(' ')); return null;
          default: throw new PythonError('NameError', `name '${t.v}' is not defined`);
        }
      }
      const v = this.vars.get(t.v);
      if (v === undefined) throw new PythonError('NameError', `name '${t.v}' is not defined`);
      return v;
    }
    throw new PythonError('SyntaxError', `invalid syntax near '${t.v}'`);
  }
}

/** A Python "module" whose variables persist across snippets (as one python3 run does). */
export class PythonSession {
  readonly vars = new Map<string, Val>();
  constructor(private readonly print: (s: string) => void = () => {}) {}
  set(name: string, v: number): void {
    this.vars.set(name, v);
  }
  /** Run a snippet; throws PythonError. */
  exec(src: string): void {
    new Interp(this.vars, this.print).run(src);
  }
}
