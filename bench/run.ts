/**
 * Benchmark entry (`npm run bench [-- options]`; no Linux counterpart). Runs
 * every bench file in its own Node process (started with --expose-gc, so one
 * bench's JIT feedback and garbage cannot colour another's), and prints a
 * table, or with --json one JSON object per line:
 * `{"name","value","unit","linux"?,"ratio"?}`. Figure names are stable.
 *
 * Options: --json, --runs=N (timed runs per figure, median reported; default 5),
 * --warmup=N (default 2), --no-linux (skip the kernel's figures), --quick
 * (1 run, 1 warm-up, counts scaled down: a smoke test), --only=a,b (bench files).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type BenchMain, type BenchOptions, type Figure, defaultBenchOptions } from './common.js';

/** One file per figure group, run in this order. */
export const BENCHES = ['skb_ops', 'heap', 'veth_frames', 'bridge_frames', 'ip_forward', 'udp', 'fib', 'tcp_bulk', 'tcp_conn', 'tap', 'link', 'node_http', 'node_stream'];

interface Args {
  json: boolean;
  only: string[] | null;
  child: string | null;
  opts: BenchOptions;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { json: false, only: null, child: null, opts: { ...defaultBenchOptions } };
  for (let i = 0; i < argv.length; i++) {
    const s = argv[i]!;
    const [key, val] = s.includes('=') ? [s.slice(0, s.indexOf('=')), s.slice(s.indexOf('=') + 1)] : [s, ''];
    switch (key) {
      case '--json': a.json = true; break;
      case '--no-linux': a.opts.linux = false; break;
      case '--quick': a.opts.runs = 1; a.opts.warmup = 1; a.opts.scale = 0.1; break;
      case '--runs': a.opts.runs = Math.max(1, Number(val) | 0); break;
      case '--warmup': a.opts.warmup = Math.max(0, Number(val) | 0); break;
      case '--scale': a.opts.scale = Math.min(1, Math.max(0.001, Number(val))); break;
      case '--only': a.only = val.split(',').filter(Boolean); break;
      case '--child': a.child = argv[++i] ?? null; break;
      default:
        process.stderr.write(`bench: unknown option ${s}\n`);
        process.exit(2);
    }
  }
  return a;
}

function optionArgs(o: BenchOptions): string[] {
  const r = [`--runs=${o.runs}`, `--warmup=${o.warmup}`, `--scale=${o.scale}`];
  if (!o.linux) r.push('--no-linux');
  return r;
}

async function child(name: string, opts: BenchOptions): Promise<void> {
  const mod = (await import(`./${name}.js`)) as { main: BenchMain };
  const figs = await mod.main(opts);
  for (const f of figs) process.stdout.write(`${JSON.stringify(f)}\n`);
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 1e6) return `${(v / 1e6).toFixed(2)} M`;
  if (Math.abs(v) >= 1e4) return `${(v / 1e3).toFixed(1)} k`;
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

function row(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
}

const WIDTHS = [30, 12, 10, 12, 7];

function printFigure(f: Figure, json: boolean): void {
  if (json) {
    if (f.value === null || !Number.isFinite(f.value)) {
      // Not measurable in this run (missing driver, no --expose-gc): no line, only the reason.
      process.stderr.write(`bench: ${f.name}: skipped${f.note ? `: ${f.note}` : ''}\n`);
      return;
    }
    const o: Figure = { name: f.name, value: f.value, unit: f.unit };
    if (f.linux !== undefined) o.linux = f.linux;
    if (f.ratio !== undefined) o.ratio = f.ratio;
    process.stdout.write(`${JSON.stringify(o)}\n`);
    if (f.note) process.stderr.write(`bench: ${f.name}: ${f.note}\n`);
    return;
  }
  const cells = [f.name, f.value === null ? '-' : fmt(f.value), f.unit, f.linux !== undefined ? fmt(f.linux) : '-',
    f.ratio !== undefined ? f.ratio.toFixed(2) : '-'];
  process.stdout.write(`${row(cells, WIDTHS)}${f.note ? `  (${f.note})` : ''}\n`);
}

async function mainRun(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args.child) {
    await child(args.child, args.opts);
    return 0;
  }
  const names = args.only ?? BENCHES;
  for (const n of names) {
    if (!BENCHES.includes(n)) {
      process.stderr.write(`bench: no bench named ${n} (have: ${BENCHES.join(', ')})\n`);
      return 2;
    }
  }
  if (!args.json) {
    process.stdout.write(`tuxnet benchmarks: median of ${args.opts.runs} runs after ${args.opts.warmup} warm-up, ` +
      `rates per CPU-second of one process, node ${process.version}\n`);
    process.stdout.write(`${row(['figure', 'tuxnet', 'unit', 'linux', 'ratio'], WIDTHS)}\n`);
  }
  let status = 0;
  const self = fileURLToPath(import.meta.url);
  for (const name of names) {
    const r = spawnSync(process.execPath, ['--expose-gc', self, '--child', name, ...optionArgs(args.opts)], {
      // Every load loop bounds itself; this only catches a hung child.
      encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24, timeout: 30 * 60_000,
    });
    for (const line of r.stdout.split('\n')) {
      if (line.trim() === '') continue;
      printFigure(JSON.parse(line) as Figure, args.json);
    }
    if (r.status !== 0) {
      process.stderr.write(`bench: ${name} failed (exit ${r.status ?? r.signal})\n`);
      status = 1;
    }
  }
  return status;
}

process.exitCode = await mainRun();
