/**
 * Number and JSON formatting as iperf 3.12 prints them (esnet/iperf src/units.c
 * unit_snprintf()/unit_atof(), and its bundled cJSON's formatted printer): adaptive
 * byte/bit units ("300 KByte" + "s", "9.99 Mbit" + "s/sec"), printf's %g, and JSON with
 * tab indentation, `"key":<TAB>value`, arrays printed inline (`[{` ... `}, {` ... `}]`),
 * integers as integers, other numbers with 15 significant digits unless 17 are needed
 * to read back the same double. iperf's cJSON also prints unsigned 64-bit values, which
 * iperf uses for "not available" (-1 -> 18446744073709551615): `U64_MAX` stands for that.
 */

/** iperf's "(uint64_t) -1" in JSON. */
export const U64_MAX = Symbol('u64max');

/** A JSON object with keys in insertion order, duplicates allowed (iperf repeats "sock_bufsize" per stream). */
export class JObj {
  readonly e: [string, JsonValue][] = [];
  constructor(init?: Record<string, JsonValue>) {
    if (init) for (const k of Object.keys(init)) this.e.push([k, init[k]!]);
  }
  set(k: string, v: JsonValue): this {
    this.e.push([k, v]);
    return this;
  }
}

export type JsonValue = number | string | boolean | null | typeof U64_MAX | JObj | JsonValue[];

/** printf("%.<prec>g", x). */
export function fmtG(x: number, prec: number): string {
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : x < 0 ? '-inf' : 'nan';
  if (x === 0) return '0';
  const p = prec === 0 ? 1 : prec;
  const e = Number(x.toExponential(p - 1).split('e')[1]);
  let s: string;
  if (e < -4 || e >= p) {
    const [m, ex] = x.toExponential(p - 1).split('e');
    let mant = m!;
    if (mant.includes('.')) mant = mant.replace(/0+$/, '').replace(/\.$/, '');
    const en = Number(ex);
    s = `${mant}e${en < 0 ? '-' : '+'}${String(Math.abs(en)).padStart(2, '0')}`;
  } else {
    s = x.toFixed(Math.max(0, p - 1 - e));
    if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  }
  return s;
}

/** printf("%<w>.<p>f"). */
export function fmtF(x: number, width: number, prec: number): string {
  return x.toFixed(prec).padStart(width);
}

/** cJSON print_number (iperf's copy): integers as such, else %1.15g or %1.17g. */
function jsonNumber(d: number): string {
  if (!Number.isFinite(d)) return 'null';
  if (Number.isInteger(d) && Math.abs(d) < 1e15) return String(d);
  const s15 = fmtG(d, 15);
  return Number(s15) === d ? s15 : fmtG(d, 17);
}

function jsonString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (c === 8) out += '\\b';
    else if (c === 12) out += '\\f';
    else if (c === 10) out += '\\n';
    else if (c === 13) out += '\\r';
    else if (c === 9) out += '\\t';
    else if (c < 32) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + '"';
}

/** cJSON_Print (formatted). */
export function jsonPrint(v: JsonValue, depth = 0): string {
  if (v === U64_MAX) return '18446744073709551615';
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return jsonNumber(v);
  if (typeof v === 'string') return jsonString(v);
  if (Array.isArray(v)) {
    // print_array: depth+1 for the elements, printed inline separated by ", ".
    return '[' + v.map((e) => jsonPrint(e, depth + 1)).join(', ') + ']';
  }
  const entries = v.e;
  const d = depth + 1;
  if (entries.length === 0) return '{\n' + '\t'.repeat(d - 1) + '}';
  let out = '{\n';
  entries.forEach(([k, x], i) => {
    out += '\t'.repeat(d) + jsonString(k) + ':\t' + jsonPrint(x, d);
    out += i < entries.length - 1 ? ',\n' : '\n';
  });
  return out + '\t'.repeat(d - 1) + '}';
}

/** cJSON_PrintUnformatted (what goes over the control connection). */
export function jsonPrintCompact(v: JsonValue): string {
  if (v === U64_MAX) return '18446744073709551615';
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return jsonNumber(v);
  if (typeof v === 'string') return jsonString(v);
  if (Array.isArray(v)) return '[' + v.map(jsonPrintCompact).join(',') + ']';
  return '{' + v.e.map(([k, x]) => jsonString(k) + ':' + jsonPrintCompact(x)).join(',') + '}';
}

const LABEL_BYTE = ['Byte', 'KByte', 'MByte', 'GByte', 'TByte'];
const LABEL_BIT = ['bit', 'Kbit', 'Mbit', 'Gbit', 'Tbit'];

/**
 * iperf: unit_snprintf(s, len, n, fmt, -1): 'A' adaptive bytes (base 1024), 'a' adaptive
 * bits (base 1000, n given in bytes), or a fixed unit [BKMGT] / [bkmgt].
 */
export function unitSnprintf(inNum: number, fmt: string): string {
  const lower = fmt !== fmt.toUpperCase();
  let n = lower ? inNum * 8 : inNum;
  let conv = 0;
  const f = fmt.toUpperCase();
  if (f === 'K') conv = 1;
  else if (f === 'M') conv = 2;
  else if (f === 'G') conv = 3;
  else if (f === 'T') conv = 4;
  else if (f !== 'B') {
    const base = lower ? 1000 : 1024;
    let t = n;
    while (t >= base && conv < 4) {
      t /= base;
      conv++;
    }
  }
  n /= (lower ? 1000 : 1024) ** conv;
  const label = lower ? LABEL_BIT[conv]! : LABEL_BYTE[conv]!;
  const prec = n < 9.995 ? 2 : n < 99.95 ? 1 : 0;
  return `${fmtF(n, 4, prec)} ${label}`;
}

/** iperf: unit_atof(): a number with an optional [kKmMgGtT] suffix (powers of 1024). */
export function unitAtof(s: string): number {
  const m = /^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([kKmMgGtT]?)/.exec(s);
  if (!m) return 0;
  const n = Number(m[1]);
  const mult: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
  return n * mult[m[2]!.toLowerCase()]!;
}

/** iperf: unit_atof_rate(): like unit_atof with powers of 1000 (bit rates). */
export function unitAtofRate(s: string): number {
  const m = /^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([kKmMgGtT]?)/.exec(s);
  if (!m) return 0;
  const n = Number(m[1]);
  const mult: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12 };
  return n * mult[m[2]!.toLowerCase()]!;
}
