/**
 * `tc ... netem` options (iproute2 6.1: tc/q_netem.c): parse the command line
 * into TCA_OPTIONS (struct tc_netem_qopt + TCA_NETEM_*) and print a dump back
 * the way `tc qdisc show` does. Messages and their order are iproute2's.
 */
import {
  type NetemOptions, type TcNetemGemodel, type TcNetemGimodel, type TcNetemRate, type TcNetemSlot,
  netemOptionsDecode,
} from '../../wire/pkt_sched.js';
import {
  getRate64, getS32, getSize, getTime, getTime64, getU32, parsePercent, percentToU32, sprintPercent,
  sprintRate, sprintTicks, sprintTime64, timeToTicks,
} from './tc_util.js';
import { matches } from '../lib/utils.js';
import { distributionTable } from './maketable.js';

/** NEXT_ARG() ran out of arguments: iproute2 prints this and exits with -1. */
export class IncompleteCommand extends Error {
  constructor() {
    super('Command line is not complete. Try option "help"');
  }
}

/** Where tc looks for distribution tables (get_tc_lib()), as Debian's iproute2 6.1 builds it. */
export const TC_LIB_DIR = '/usr/lib/x86_64-linux-gnu/tc/';

export const NETEM_USAGE =
  'Usage: ... netem [ limit PACKETS ]\n' +
  '                 [ delay TIME [ JITTER [CORRELATION]]]\n' +
  '                 [ distribution {uniform|normal|pareto|paretonormal} ]\n' +
  '                 [ corrupt PERCENT [CORRELATION]]\n' +
  '                 [ duplicate PERCENT [CORRELATION]]\n' +
  '                 [ loss random PERCENT [CORRELATION]]\n' +
  '                 [ loss state P13 [P31 [P32 [P23 P14]]]\n' +
  '                 [ loss gemodel PERCENT [R [1-H [1-K]]]\n' +
  '                 [ ecn ]\n' +
  '                 [ reorder PERCENT [CORRELATION] [ gap DISTANCE ]]\n' +
  '                 [ rate RATE [PACKETOVERHEAD] [CELLSIZE] [CELLOVERHEAD]]\n' +
  '                 [ slot MIN_DELAY [MAX_DELAY] [packets MAX_PACKETS] [bytes MAX_BYTES]]\n' +
  '                 [ slot distribution {uniform|normal|pareto|paretonormal|custom}\n' +
  '                   DELAY JITTER [packets MAX_PACKETS] [bytes MAX_BYTES]]\n';

const isDigit = (s: string | undefined): boolean => s !== undefined && s.length > 0 && s[0]! >= '0' && s[0]! <= '9';

/**
 * iproute2: netem_parse_opt(). Returns the options, or null after writing the
 * error to `err` (tc then exits 1). Throws IncompleteCommand when an option
 * lacks its value.
 */
export function netemParseOpt(argv: string[], err: (s: string) => void): NetemOptions | null {
  const opt = { latency: 0, limit: 1000, loss: 0, gap: 0, duplicate: 0, jitter: 0 };
  const cor = { delayCorr: 0, lossCorr: 0, dupCorr: 0 };
  const reorder = { probability: 0, correlation: 0 };
  const corrupt = { probability: 0, correlation: 0 };
  const rate: TcNetemRate = { rate: 0, packetOverhead: 0, cellSize: 0, cellOverhead: 0 };
  const slot: TcNetemSlot = { minDelay: 0, maxDelay: 0, maxPackets: 0, maxBytes: 0, distDelay: 0, distJitter: 0 };
  let gimodel: TcNetemGimodel | null = null;
  let gemodel: TcNetemGemodel | null = null;
  let distData: Int16Array | null = null;
  let slotDistData: Int16Array | null = null;
  let presentCorr = false;
  let presentReorder = false;
  let presentCorrupt = false;
  let presentEcn = false;
  let presentRate = false;
  let presentSlot = false;
  let rate64 = 0;
  const explain1 = (arg: string): null => {
    err(`Illegal "${arg}"\n`);
    return null;
  };
  const explain = (): void => err(NETEM_USAGE);
  let i = 0;
  const nextArg = (): string => {
    if (i + 1 >= argv.length) throw new IncompleteCommand();
    return argv[++i]!;
  };
  const nextIsNumber = (): boolean => isDigit(argv[i + 1]);
  const nextIsSignedNumber = (): boolean => isDigit(argv[i + 1]) || (argv[i + 1]?.startsWith('-') ?? false);
  const getTicks = (s: string): number | null => {
    const t = getTime(s);
    if (t === null) return null;
    const ticks = timeToTicks(t);
    if (ticks === null) {
      err(`Illegal ${t} time (too large)\n`);
      return null;
    }
    return ticks;
  };
  const getPercent = (s: string): number | null => {
    const p = parsePercent(s);
    return p === null ? null : percentToU32(p);
  };
  const getDistribution = (type: string): Int16Array | null => {
    const d = distributionTable(type);
    if (!d) err(`No distribution data for ${type} (${TC_LIB_DIR}/${type}.dist: No such file or directory)\n`);
    return d;
  };

  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (matches(a, 'limit')) {
      const v = getSize(nextArg());
      if (v === null) return explain1('limit');
      opt.limit = v;
    } else if (matches(a, 'latency') || matches(a, 'delay')) {
      const t = getTicks(nextArg());
      if (t === null) return explain1('latency');
      opt.latency = t;
      if (nextIsNumber()) {
        const j = getTicks(nextArg());
        if (j === null) return explain1('latency');
        opt.jitter = j;
        if (nextIsNumber()) {
          presentCorr = true;
          const c = getPercent(nextArg());
          if (c === null) return explain1('latency');
          cor.delayCorr = c;
        }
      }
    } else if (matches(a, 'loss') || matches(a, 'drop')) {
      if (opt.loss > 0 || gimodel || gemodel) return explain1('duplicate loss argument\n');
      let arg = nextArg();
      if (isDigit(arg) || arg === 'random') {
        // Old (deprecated) random loss model syntax: loss PERCENT.
        if (arg === 'random') arg = nextArg();
        const p = getPercent(arg);
        if (p === null) return explain1('loss percent');
        opt.loss = p;
        if (nextIsNumber()) {
          presentCorr = true;
          const c = getPercent(nextArg());
          if (c === null) return explain1('loss correllation');
          cor.lossCorr = c;
        }
      } else if (arg === 'state') {
        const p13 = parsePercent(nextArg());
        if (p13 === null) return explain1('loss p13');
        const gi: TcNetemGimodel = { p13: percentToU32(p13), p31: percentToU32(1 - p13), p32: 0, p23: percentToU32(1), p14: 0 };
        gimodel = gi;
        for (const key of ['p31', 'p32', 'p23', 'p14'] as const) {
          if (!nextIsNumber()) break;
          const v = getPercent(nextArg());
          if (v === null) return explain1(`loss ${key}`);
          gi[key] = v;
        }
      } else if (arg === 'gemodel') {
        const p = parsePercent(nextArg());
        if (p === null) return explain1('loss gemodel p');
        const ge: TcNetemGemodel = { p: percentToU32(p), r: percentToU32(1 - p), h: 0, k1: 0 };
        gemodel = ge;
        if (nextIsNumber()) {
          const r = getPercent(nextArg());
          if (r === null) return explain1('loss gemodel r');
          ge.r = r;
          if (nextIsNumber()) {
            const h = getPercent(nextArg());
            if (h === null) return explain1('loss gemodel h');
            // netem's option is "1-h" but the kernel expects h.
            ge.h = (0xffffffff - h) >>> 0;
            if (nextIsNumber()) {
              const k = getPercent(nextArg());
              if (k === null) return explain1('loss gemodel k');
              ge.k1 = k;
            }
          }
        }
      } else {
        err(`Unknown loss parameter: ${arg}\n`);
        return null;
      }
    } else if (matches(a, 'ecn')) {
      presentEcn = true;
    } else if (matches(a, 'reorder')) {
      presentReorder = true;
      const p = getPercent(nextArg());
      if (p === null) return explain1('reorder');
      reorder.probability = p;
      if (nextIsNumber()) {
        presentCorr = true;
        const c = getPercent(nextArg());
        if (c === null) return explain1('reorder');
        reorder.correlation = c;
      }
    } else if (matches(a, 'corrupt')) {
      presentCorrupt = true;
      const p = getPercent(nextArg());
      if (p === null) return explain1('corrupt');
      corrupt.probability = p;
      if (nextIsNumber()) {
        presentCorr = true;
        const c = getPercent(nextArg());
        if (c === null) return explain1('corrupt');
        corrupt.correlation = c;
      }
    } else if (matches(a, 'gap')) {
      const g = getU32(nextArg(), 0);
      if (g === null) return explain1('gap');
      opt.gap = g;
    } else if (matches(a, 'duplicate')) {
      const p = getPercent(nextArg());
      if (p === null) return explain1('duplicate');
      opt.duplicate = p;
      if (nextIsNumber()) {
        const c = getPercent(nextArg());
        if (c === null) return explain1('duplicate');
        cor.dupCorr = c;
      }
    } else if (matches(a, 'distribution')) {
      distData = getDistribution(nextArg());
      if (!distData) return null;
    } else if (matches(a, 'rate')) {
      presentRate = true;
      const r = nextArg();
      // "rate 10%" needs the device's speed (ethtool); virtual devices report none.
      const v = r.includes('%') ? null : getRate64(r);
      if (v === null) return explain1('rate');
      rate64 = v;
      if (nextIsSignedNumber()) {
        const o = getS32(nextArg(), 0);
        if (o === null) return explain1('rate');
        rate.packetOverhead = o;
      }
      if (nextIsNumber()) {
        const c = getU32(nextArg(), 0);
        if (c === null) return explain1('rate');
        rate.cellSize = c;
      }
      if (nextIsSignedNumber()) {
        const o = getS32(nextArg(), 0);
        if (o === null) return explain1('rate');
        rate.cellOverhead = o;
      }
    } else if (matches(a, 'slot')) {
      if (nextIsNumber()) {
        presentSlot = true;
        const mn = getTime64(nextArg());
        if (mn === null) return explain1('slot min_delay');
        slot.minDelay = mn;
        if (nextIsNumber()) {
          const mx = getTime64(nextArg());
          if (mx === null || mx < mn) return explain1('slot max_delay');
          slot.maxDelay = mx;
        } else {
          slot.maxDelay = mn;
        }
      } else {
        const what = nextArg();
        if (what !== 'distribution') {
          err(`Unknown slot parameter: ${what}\n`);
          return null;
        }
        presentSlot = true;
        slotDistData = getDistribution(nextArg());
        if (!slotDistData) return null;
        const d = getTime64(nextArg());
        if (d === null) return explain1('slot delay');
        slot.distDelay = d;
        const j = getTime64(nextArg());
        if (j === null) return explain1('slot jitter');
        slot.distJitter = j;
        if (j <= 0) {
          err('Non-positive jitter\n');
          return null;
        }
      }
      if (i + 1 < argv.length && matches(argv[i + 1]!, 'packets')) {
        i++;
        const v = i + 1 < argv.length ? getS32(argv[i + 1]!, 0) : null;
        if (v === null) return explain1('slot packets');
        slot.maxPackets = v;
        i++;
      }
      if (i + 1 < argv.length && matches(argv[i + 1]!, 'bytes')) {
        i++;
        const v = i + 1 < argv.length ? getSize(argv[i + 1]!) : null;
        if (v === null) return explain1('slot bytes');
        slot.maxBytes = v | 0;
        i++;
      }
    } else if (a === 'help') {
      explain();
      return null;
    } else {
      err(`What is "${a}"?\n`);
      explain();
      return null;
    }
  }

  if (reorder.probability) {
    if (opt.latency === 0) {
      err('reordering not possible without specifying some delay\n');
      explain();
      return null;
    }
    if (opt.gap === 0) opt.gap = 1;
  } else if (opt.gap > 0) {
    err('gap specified without reorder probability\n');
    explain();
    return null;
  }
  if (presentEcn && opt.loss <= 0 && !gimodel && !gemodel) {
    err('ecn requested without loss model\n');
    explain();
    return null;
  }
  if (distData && (opt.latency === 0 || opt.jitter === 0)) {
    err('distribution specified but no latency and jitter values\n');
    explain();
    return null;
  }

  const o: NetemOptions = { qopt: opt };
  if (presentCorr) o.corr = cor;
  if (presentReorder) o.reorder = reorder;
  if (presentEcn) o.ecn = 1;
  if (presentCorrupt) o.corrupt = corrupt;
  if (presentSlot) o.slot = slot;
  if (gimodel) o.loss = [{ gi: gimodel }];
  else if (gemodel) o.loss = [{ ge: gemodel }];
  if (presentRate) {
    if (rate64 >= 2 ** 32) {
      o.rate64 = rate64;
      rate.rate = 0xffffffff;
    } else {
      rate.rate = rate64;
    }
    o.rate = rate;
  }
  if (distData) o.delayDist = distData;
  if (slotDistData) o.slotDist = slotDistData;
  return o;
}

/** iproute2: netem_print_opt(), text mode. Returns null for "options size error". */
export function netemPrintOpt(payload: Uint8Array): string | null {
  const o = netemOptionsDecode(payload);
  if (typeof o === 'number') return null;
  const q = o.qopt;
  let s = `limit ${q.limit | 0}`;
  const cor = o.corr;
  const corr = (present: boolean, v: number): string => (present ? ` ${sprintPercent(v)}` : '');
  if (q.latency) {
    s += ` delay ${sprintTicks(q.latency)}`;
    if (q.jitter) s += `  ${sprintTicks(q.jitter)}`;
    s += corr(q.jitter !== 0 && !!cor && cor.delayCorr !== 0, cor?.delayCorr ?? 0);
  }
  if (q.loss) s += ` loss ${sprintPercent(q.loss)}${corr(!!cor && cor.lossCorr !== 0, cor?.lossCorr ?? 0)}`;
  for (const m of o.loss ?? []) {
    if ('gi' in m) {
      const g = m.gi;
      s += ` loss state p13 ${sprintPercent(g.p13)} p31 ${sprintPercent(g.p31)} p32 ${sprintPercent(g.p32)}` +
        ` p23 ${sprintPercent(g.p23)} p14 ${sprintPercent(g.p14)}`;
    } else if ('ge' in m) {
      const g = m.ge;
      s += ` loss gemodel p ${sprintPercent(g.p)} r ${sprintPercent(g.r)} 1-h ${sprintPercent((0xffffffff - g.h) >>> 0)}` +
        ` 1-k ${sprintPercent(g.k1)}`;
    }
  }
  if (q.duplicate) s += ` duplicate ${sprintPercent(q.duplicate)}${corr(!!cor && cor.dupCorr !== 0, cor?.dupCorr ?? 0)}`;
  if (o.reorder && o.reorder.probability) {
    s += ` reorder ${sprintPercent(o.reorder.probability)}${corr(o.reorder.correlation !== 0, o.reorder.correlation)}`;
  }
  if (o.corrupt && o.corrupt.probability) {
    s += ` corrupt ${sprintPercent(o.corrupt.probability)}${corr(o.corrupt.correlation !== 0, o.corrupt.correlation)}`;
  }
  if (o.rate && o.rate.rate) {
    const r = o.rate;
    s += ` rate ${sprintRate(o.rate64 || r.rate)}`;
    if (r.packetOverhead) s += ` packetoverhead ${r.packetOverhead}`;
    if (r.cellSize) s += ` cellsize ${r.cellSize}`;
    if (r.cellOverhead) s += ` celloverhead ${r.cellOverhead}`;
  }
  if (o.slot) {
    const sl = o.slot;
    if (sl.distJitter > 0) s += ` slot distribution ${sprintTime64(sl.distDelay)} ${sprintTime64(sl.distJitter)}`;
    else s += ` slot ${sprintTime64(sl.minDelay)} ${sprintTime64(sl.maxDelay)}`;
    if (sl.maxPackets) s += ` packets ${sl.maxPackets}`;
    if (sl.maxBytes) s += ` bytes ${sl.maxBytes}`;
  }
  if (o.ecn) s += ' ecn ';
  if (q.gap) s += ` gap ${q.gap}`;
  return s;
}
