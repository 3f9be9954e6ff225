/**
 * `nstat` as iproute2 6.1 has it (misc/nstat.c): the kernel's SNMP counters from
 * /proc/net/snmp, /proc/net/snmp6 and /proc/net/netstat, one per line
 * (`%-32s%-16llu%6.1f`, or JSON with -j/-p), in nstat's order (snmp, snmp6, then
 * netstat). By default it prints what changed since its last run, which it keeps
 * in a history file (NSTAT_HISTORY, else /tmp/.nstat.u<uid>; /tmp is the kernel's
 * in-memory /tmp here, shared by namespaces as a host's /tmp is): the first run
 * prints absolute values. -a ignores the history, -s does not update it, -n prints
 * nothing, -r resets it, -z shows zero counters; operands are fnmatch() patterns.
 * The constant "useless numbers" (IpForwarding, TcpRtoMin ...) are never shown.
 *
 * Differences: no daemon mode (-d/-t print an error), so rates are always 0.0; the
 * "history is aged out" check (file older than /proc/uptime) is not made.
 */
import type { ToolContext } from './tool.js';
import * as sys from '../socket/syscalls.js';
import { SystemError } from '../socket/errno.js';
import { getoptLong, type LongOpt } from './lib/getopt.js';

interface NstatEnt {
  id: string;
  val: number;
  rate: number;
}

const USELESS_NUMBERS = new Set([
  'IpForwarding', 'IpDefaultTTL', 'TcpRtoAlgorithm', 'TcpRtoMin', 'TcpRtoMax', 'TcpMaxConn', 'TcpCurrEstab',
]);

const USAGE =
  'Usage: nstat [OPTION] [ PATTERN [ PATTERN ] ]\n' +
  '   -h, --help\t\tthis message\n' +
  '   -a, --ignore\tignore history\n' +
  '   -d, --scan=SECS\tsample every statistics every SECS\n' +
  '   -j, --json          format output in JSON\n' +
  '   -n, --nooutput\tdo history only\n' +
  '   -p, --pretty        pretty print\n' +
  '   -r, --reset\t\treset history\n' +
  '   -s, --noupdate\tdon\'t update history\n' +
  '   -t, --interval=SECS\treport average over the last SECS\n' +
  '   -V, --version\toutput version information\n' +
  '   -z, --zeros\t\tshow entries with zero activity\n';

const LONGOPTS: LongOpt[] = [
  { name: 'help', hasArg: 0, val: 'h' }, { name: 'ignore', hasArg: 0, val: 'a' }, { name: 'scan', hasArg: 1, val: 'd' },
  { name: 'nooutput', hasArg: 0, val: 'n' }, { name: 'json', hasArg: 0, val: 'j' }, { name: 'reset', hasArg: 0, val: 'r' },
  { name: 'noupdate', hasArg: 0, val: 's' }, { name: 'pretty', hasArg: 0, val: 'p' },
  { name: 'interval', hasArg: 1, val: 't' }, { name: 'version', hasArg: 0, val: 'V' }, { name: 'zeros', hasArg: 0, val: 'z' },
];

/** Linux/iproute2: load_ugly_table(): "Prefix: Name Name ..." / "Prefix: v v ..." line pairs. */
function loadUglyTable(text: string): NstatEnt[] {
  const out: NstatEnt[] = [];
  const lines = text.split('\n').filter((l) => l.length > 0);
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const head = lines[i]!;
    const colon = head.indexOf(':');
    if (colon < 0) break;
    const prefix = head.slice(0, colon);
    const names = head.slice(colon + 1).trim().split(/\s+/).filter((s) => s);
    const vals = lines[i + 1]!.slice(colon + 1).trim().split(/\s+/).filter((s) => s);
    for (let j = 0; j < names.length; j++) {
      const id = prefix + names[j]!;
      if (USELESS_NUMBERS.has(id)) continue;
      const v = Number(vals[j] ?? '0');
      out.push({ id, val: Number.isFinite(v) ? v : 0, rate: 0 });
    }
  }
  return out;
}

/** Linux/iproute2: load_good_table(): "#source" then "Name value [rate]" lines. */
function loadGoodTable(text: string, src: { infoSource: string }): NstatEnt[] {
  const out: NstatEnt[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    if (line.startsWith('#')) {
      src.infoSource = line.slice(1);
      continue;
    }
    const f = line.trim().split(/\s+/);
    if (f.length < 2) continue;
    if (USELESS_NUMBERS.has(f[0]!)) continue;
    out.push({ id: f[0]!, val: Number(f[1]), rate: f.length > 2 ? Number(f[2]) : 0 });
  }
  return out;
}

/** fnmatch(3) without flags: `*`, `?`, `[...]` (with `!`/`^` negation and ranges), `\` escapes. */
export function fnmatch(pattern: string, s: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, end);
      if (body.startsWith('!') || body.startsWith('^')) body = '^' + body.slice(1);
      re += '[' + body.replace(/\\/g, '\\\\') + ']';
      i = end;
    } else if (c === '\\' && i + 1 < pattern.length) {
      re += pattern[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    } else {
      re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  try {
    return new RegExp(re + '$').test(s);
  } catch {
    return false;
  }
}

/** iproute2's json_writer, enough for nstat: one object named by the source. */
class JsonWriter {
  out = '{';
  depth = 1;
  sep = '';
  constructor(readonly pretty: boolean) {}
  private eol(): void {
    if (!this.pretty) return;
    this.out += '\n' + '    '.repeat(this.depth);
  }
  name(n: string): void {
    this.out += this.sep;
    this.eol();
    this.sep = '';
    this.out += JSON.stringify(n) + ':' + (this.pretty ? ' ' : '');
  }
  startObject(): void {
    this.out += this.sep + '{';
    this.depth++;
    this.sep = '';
  }
  endObject(): void {
    this.depth--;
    if (this.sep) this.eol();
    this.out += '}';
    this.sep = ',';
  }
  uintField(n: string, v: number): void {
    this.name(n);
    this.out += String(v);
    this.sep = ',';
  }
  /** jsonw_destroy(): closes the outer object. */
  destroy(): string {
    this.endObject();
    return this.out + '\n';
  }
}

function fmtLine(id: string, val: number, rate: number, tail = ''): string {
  return id.padEnd(32) + String(val).padEnd(16) + rate.toFixed(1).padStart(6) + tail + '\n';
}

export async function nstatMain(ctx: ToolContext): Promise<number> {
  const err = (s: string): void => ctx.stderr.write(s);
  const { opts, rest } = getoptLong(ctx.argv, 'h?vVzrnasd:t:jp', LONGOPTS, err, 'nstat');
  let dumpZeros = false;
  let resetHistory = false;
  let ignoreHistory = false;
  let noOutput = false;
  let noUpdate = false;
  let json = false;
  let pretty = false;
  for (const o of opts) {
    switch (o.opt) {
      case 'z': dumpZeros = true; break;
      case 'r': resetHistory = true; break;
      case 'a': ignoreHistory = true; break;
      case 's': noUpdate = true; break;
      case 'n': noOutput = true; break;
      case 'j': json = true; break;
      case 'p': pretty = true; break;
      case 'd':
        err('nstat: daemon: Operation not supported\n');
        return 255;
      case 't': {
        const n = Number.parseInt(o.arg ?? '', 10);
        if (!(n > 0)) {
          err('nstat: invalid time constant divisor\n');
          return 255;
        }
        break;
      }
      case 'v':
      case 'V':
        ctx.stdout.write('nstat utility, iproute2-6.1.0\n');
        return 0;
      default:
        err(USAGE);
        return 255;
    }
  }
  const patterns = rest;
  const match = (id: string): boolean => patterns.length === 0 || patterns.some((p) => fnmatch(p, id));
  const task = ctx.task;
  const histName = ctx.env['NSTAT_HISTORY'] ?? `/tmp/.nstat.u${task.uid}`;
  if (resetHistory) {
    try {
      sys.unlink(task, histName);
    } catch { /* no history yet */ }
  }
  const src = { infoSource: '' };
  let histDb: NstatEnt[] | null = null;
  const useHist = !ignoreHistory || !noUpdate;
  if (useHist) {
    let text = '';
    try {
      text = sys.readFile(task, histName);
    } catch (e) {
      if (!(e instanceof SystemError && e.code === 'ENOENT')) throw e;
      sys.writeFile(task, histName, ''); // O_CREAT
    }
    const h = loadGoodTable(text, src);
    if (!ignoreHistory && h.length) histDb = h;
  }
  if (histDb && src.infoSource && src.infoSource !== 'kernel') {
    err('nstat: history is stale, ignoring it.\n');
    histDb = null;
    src.infoSource = '';
  }
  // update order: netstat, snmp6, snmp; each list goes in front: snmp, snmp6, netstat.
  const read = (path: string): string | null => {
    try {
      return sys.readFile(task, path);
    } catch {
      return null;
    }
  };
  const kern: NstatEnt[] = [];
  const snmp = read('/proc/net/snmp');
  if (snmp !== null) kern.push(...loadUglyTable(snmp));
  const snmp6 = read('/proc/net/snmp6');
  if (snmp6 !== null) kern.push(...loadGoodTable(snmp6, { infoSource: '' }));
  const netstat = read('/proc/net/netstat');
  if (netstat !== null) kern.push(...loadUglyTable(netstat));
  if (!src.infoSource) src.infoSource = 'kernel';

  /** Linux/iproute2: dump_kern_db(). */
  const dumpKernDb = (toHist: boolean, asJson: boolean): string => {
    const jw = asJson ? new JsonWriter(pretty) : null;
    let out = '';
    if (jw) {
      jw.name(src.infoSource);
      jw.startObject();
    } else {
      out += `#${src.infoSource}\n`;
    }
    let h = 0;
    const hist = histDb ?? [];
    for (const n of kern) {
      let val = n.val;
      if (!dumpZeros && !val && !n.rate) continue;
      if (!match(n.id)) {
        if (!toHist) continue;
        for (let j = h; j < hist.length; j++) {
          if (hist[j]!.id === n.id) {
            val = hist[j]!.val;
            h = j + 1;
            break;
          }
        }
      }
      if (jw) jw.uintField(n.id, val);
      else out += fmtLine(n.id, val, n.rate);
    }
    if (jw) {
      jw.endObject();
      return jw.destroy();
    }
    return out;
  };

  /** Linux/iproute2: dump_incr_db(). */
  const dumpIncrDb = (): string => {
    const jw = json ? new JsonWriter(pretty) : null;
    let out = '';
    if (jw) {
      jw.name(src.infoSource);
      jw.startObject();
    } else {
      out += `#${src.infoSource}\n`;
    }
    const hist = histDb ?? [];
    let h = 0;
    for (const n of kern) {
      let ovfl = false;
      let val = n.val;
      for (let j = h; j < hist.length; j++) {
        const h1 = hist[j]!;
        if (h1.id === n.id) {
          if (val < h1.val) {
            ovfl = true;
            val = h1.val;
          }
          val -= h1.val;
          h = j + 1;
          break;
        }
      }
      if (!dumpZeros && !val && !n.rate) continue;
      if (!match(n.id)) continue;
      if (jw) jw.uintField(n.id, val);
      else out += fmtLine(n.id, val, n.rate, ovfl ? ' (overflow)' : '');
    }
    if (jw) {
      jw.endObject();
      return jw.destroy();
    }
    return out;
  };

  if (!noOutput) {
    ctx.stdout.write(ignoreHistory || histDb === null ? dumpKernDb(false, json) : dumpIncrDb());
  }
  if (!noUpdate) sys.writeFile(task, histName, dumpKernDb(true, false));
  return 0;
}
