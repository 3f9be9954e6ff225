/**
 * Argument parsing and number printing shared by `tc` (iproute2: tc/tc_util.c,
 * tc/tc_core.c, lib/utils.c): TIME, SIZE, RATE and PERCENT parsers, C-style %g,
 * and the printers that make `tc qdisc show` read like iproute2 6.1's.
 * Parsers return null on bad input (iproute2's -1); the caller prints the message.
 */

/** TIME_UNITS_PER_SEC: tc's TIME is in microseconds. */
export const TIME_UNITS_PER_SEC = 1_000_000;
/** From /proc/net/psched "000003e8 00000040 000f4240 3b9aca00": 1000/64 ticks per usec. */
export const TICK_IN_USEC = 15.625;

/** C strtod(): the longest numeric prefix; null if none. */
export function strtod(s: string): { value: number; rest: string } | null {
  const m = /^\s*[+-]?(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan)/i.exec(s);
  if (!m) return null;
  const t = m[0].trim();
  let value: number;
  if (/^[+-]?0x/i.test(t)) value = (t.startsWith('-') ? -1 : 1) * parseInt(t.replace(/^[+-]?0x/i, ''), 16);
  else if (/inf/i.test(t)) value = t.startsWith('-') ? -Infinity : Infinity;
  else value = Number(t);
  return { value, rest: s.slice(m[0].length) };
}

/** C strtoul(s, &p, base) for bases 0/10/16, with the unparsed rest. */
export function strtoul(s: string, base: number): { value: number; rest: string } | null {
  let m: RegExpExecArray | null;
  if (base === 16) m = /^\s*(?:0[xX])?([0-9a-fA-F]+)/.exec(s);
  else if (base === 10) m = /^\s*\+?([0-9]+)/.exec(s);
  else m = /^\s*(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(s);
  if (!m) return null;
  const t = m[1]!;
  let value: number;
  if (base === 16) value = parseInt(t, 16);
  else if (base === 10) value = parseInt(t, 10);
  else if (/^0[xX]/.test(t)) value = parseInt(t.slice(2), 16);
  else if (t.length > 1 && t.startsWith('0')) value = parseInt(t, 8);
  else value = parseInt(t, 10);
  return { value, rest: s.slice(m[0].length) };
}

/** lib/utils.c get_u32(): the whole string must be a number that fits. */
export function getU32(s: string, base = 0): number | null {
  const r = strtoul(s, base);
  if (!r || r.rest !== '' || r.value > 0xffffffff) return null;
  return r.value;
}

/** lib/utils.c get_s32(). */
export function getS32(s: string, base = 0): number | null {
  const neg = s.startsWith('-');
  const r = strtoul(neg ? s.slice(1) : s, base);
  if (!r || r.rest !== '') return null;
  const v = neg ? -r.value : r.value;
  if (v > 0x7fffffff || v < -0x80000000) return null;
  return v;
}

/** tc_util.c get_time(): TIME in usec; no unit means usec. */
export function getTime(s: string): number | null {
  const r = strtod(s);
  if (!r) return null;
  let t = r.value;
  const p = r.rest.toLowerCase();
  if (p) {
    if (p === 's' || p === 'sec' || p === 'secs') t *= TIME_UNITS_PER_SEC;
    else if (p === 'ms' || p === 'msec' || p === 'msecs') t *= TIME_UNITS_PER_SEC / 1000;
    else if (p === 'us' || p === 'usec' || p === 'usecs') t *= 1;
    else return null;
  }
  return Math.trunc(t) >>> 0;
}

/** tc_util.c get_time64(): TIME in ns (slot delays). */
export function getTime64(s: string): number | null {
  const r = strtod(s);
  if (!r) return null;
  let t = r.value;
  const p = r.rest.toLowerCase();
  if (p) {
    if (p === 's' || p === 'sec' || p === 'secs') t *= 1e9;
    else if (p === 'ms' || p === 'msec' || p === 'msecs') t *= 1e6;
    else if (p === 'us' || p === 'usec' || p === 'usecs') t *= 1e3;
    else if (p === 'ns' || p === 'nsec' || p === 'nsecs') t *= 1;
    else return null;
  }
  return Math.trunc(t);
}

/** tc_core.c: usec -> psched ticks, with tc_core_time2big()'s overflow check. */
export function timeToTicks(usec: number): number | null {
  const t = Math.trunc(usec * TICK_IN_USEC);
  if (t >= 2 ** 32) return null;
  return t;
}

/** tc_core.c tc_core_tick2time(): ticks -> usec (truncated). */
export function ticksToTime(ticks: number): number {
  return Math.trunc(ticks / TICK_IN_USEC);
}

/** tc_util.c get_size(): SIZE in bytes. */
export function getSize(s: string): number | null {
  const r = strtod(s);
  if (!r) return null;
  let sz = r.value;
  const p = r.rest.toLowerCase();
  if (p) {
    if (p === 'kb' || p === 'k') sz *= 1024;
    else if (p === 'gb' || p === 'g') sz *= 1024 * 1024 * 1024;
    else if (p === 'gbit') sz *= (1024 * 1024 * 1024) / 8;
    else if (p === 'mb' || p === 'm') sz *= 1024 * 1024;
    else if (p === 'mbit') sz *= (1024 * 1024) / 8;
    else if (p === 'kbit') sz *= 1024 / 8;
    else if (p !== 'b') return null;
  }
  const size = Math.trunc(sz) >>> 0;
  if (size !== Math.floor(sz)) return null;
  return size;
}

const RATE_SUFFIXES: Array<[string, number]> = [
  ['bit', 1], ['kibit', 1024], ['kbit', 1000], ['mibit', 1024 * 1024], ['mbit', 1e6],
  ['gibit', 1024 ** 3], ['gbit', 1e9], ['tibit', 1024 ** 4], ['tbit', 1e12],
  ['bps', 8], ['kibps', 8 * 1024], ['kbps', 8000], ['mibps', 8 * 1024 * 1024], ['mbps', 8e6],
  ['gibps', 8 * 1024 ** 3], ['gbps', 8e9], ['tibps', 8 * 1024 ** 4], ['tbps', 8e12],
];

/** tc_util.c get_rate64(): RATE in bytes per second (suffixes are case-insensitive). */
export function getRate64(s: string): number | null {
  const r = strtod(s);
  if (!r) return null;
  let bps = r.value;
  let p = r.rest;
  for (const [name, scale] of RATE_SUFFIXES) {
    if (p.toLowerCase() === name) {
      bps *= scale;
      p = '';
      break;
    }
  }
  if (p) return null;
  return Math.trunc(bps / 8);
}

/** lib/utils.c parse_percent(): "10", "10%" -> 0.1. */
export function parsePercent(s: string): number | null {
  const r = strtod(s);
  if (!r) return null;
  const v = r.value / 100;
  if (!(v <= 1.0 && v >= 0.0)) return null;
  if (r.rest && r.rest !== '%') return null;
  return v;
}

/** q_netem.c set_percent(): a fraction scaled to u32 (rint(per * UINT32_MAX)). */
export function percentToU32(per: number): number {
  return rint(per * 0xffffffff);
}

/** C rint(): round half to even. */
export function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** lib/utils.c get_qdisc_handle(): "1:" or "1" -> 0x10000; "none" -> 0. */
export function getQdiscHandle(s: string): number | null {
  if (s === 'none') return 0;
  const r = strtoul(s, 16);
  if (!r || r.value >= 1 << 16) return null;
  if (r.rest !== '' && !r.rest.startsWith(':')) return null;
  return (r.value << 16) >>> 0;
}

/** tc_util.c get_tc_classid(): "root", "none", "maj:min", "maj:" or a hex number. */
export function getTcClassid(s: string): number | null {
  if (s === 'root') return 0xffffffff;
  if (s === 'none') return 0;
  const r = strtoul(s, 16);
  if (!r) return null;
  if (r.rest === '') {
    // A bare number is a minor of the root class (TC_H_MAKE(0, maj)? iproute2: maj only).
    return r.value >= 1 << 16 ? null : r.value;
  }
  if (!r.rest.startsWith(':')) return null;
  const maj = r.value;
  if (maj >= 1 << 16) return null;
  const restStr = r.rest.slice(1);
  let min = 0;
  if (restStr !== '') {
    const m = strtoul(restStr, 16);
    if (!m || m.rest !== '' || m.value >= 1 << 16) return null;
    min = m.value;
  }
  return ((maj << 16) | min) >>> 0;
}

/** tc_util.c print_tc_classid(). */
export function printTcClassid(h: number): string {
  if (h === 0xffffffff) return 'root';
  if (h === 0) return 'none';
  const maj = h >>> 16;
  const min = h & 0xffff;
  if (maj === 0) return `:${min.toString(16)}`;
  if (min === 0) return `${maj.toString(16)}:`;
  return `${maj.toString(16)}:${min.toString(16)}`;
}

/** C printf "%.{prec}g". */
export function fmtG(x: number, prec = 6): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x < 0 ? '-inf' : 'inf';
  if (x === 0) return '0';
  const p = Math.max(1, prec);
  const exp = Number(x.toExponential(p - 1).split('e')[1]);
  if (exp < -4 || exp >= p) {
    const [mant, e] = x.toExponential(p - 1).split('e') as [string, string];
    const m = mant.includes('.') ? mant.replace(/0+$/, '').replace(/\.$/, '') : mant;
    const en = Number(e);
    return `${m}e${en < 0 ? '-' : '+'}${String(Math.abs(en)).padStart(2, '0')}`;
  }
  const s = x.toFixed(Math.max(0, p - 1 - exp));
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** tc_util.c print_time(): usec as "%uus", "%.3gms" or "%.3gs". */
export function sprintTime(usec: number): string {
  if (usec >= TIME_UNITS_PER_SEC) return `${fmtG(usec / TIME_UNITS_PER_SEC, 3)}s`;
  if (usec >= TIME_UNITS_PER_SEC / 1000) return `${fmtG(usec / (TIME_UNITS_PER_SEC / 1000), 3)}ms`;
  return `${usec >>> 0}us`;
}

/** tc_util.c sprint_ticks(). */
export function sprintTicks(ticks: number): string {
  return sprintTime(ticksToTime(ticks));
}

/** tc_util.c print_time64(): ns. */
export function sprintTime64(ns: number): string {
  if (ns >= 1e9) return `${fmtG(ns / 1e9, 3)}s`;
  if (ns >= 1e6) return `${fmtG(ns / 1e6, 3)}ms`;
  if (ns >= 1e3) return `${fmtG(ns / 1e3, 3)}us`;
  return `${ns}ns`;
}

/** tc_util.c sprint_rate(): bytes/s -> "1Mbit", "1500Kbit" (SI unless -iec). */
export function sprintRate(bytesPerSec: number, iec = false): string {
  const kilo = iec ? 1024 : 1000;
  const units = ['', 'K', 'M', 'G', 'T'];
  let rate = bytesPerSec * 8;
  let i = 0;
  for (; i < units.length - 1; i++) {
    if (rate < kilo) break;
    if (rate % kilo !== 0 && rate < 1000 * kilo) break;
    rate = Math.floor(rate / kilo);
  }
  return `${rate.toFixed(0)}${units[i]}${iec ? 'i' : ''}bit`;
}

/** tc_util.c sprint_size(). */
export function sprintSize(sz: number): string {
  const MB = 1024 * 1024;
  if (sz >= MB && Math.abs(MB * rint(sz / MB) - sz) < 1024) return `${fmtG(rint(sz / MB))}Mb`;
  if (sz >= 1024 && Math.abs(1024 * rint(sz / 1024) - sz) < 16) return `${fmtG(rint(sz / 1024))}Kb`;
  return `${sz >>> 0}b`;
}

/** A percentage of UINT32_MAX as q_netem prints it: "%g%%". */
export function sprintPercent(per: number): string {
  return `${fmtG((100 * per) / 0xffffffff)}%`;
}
