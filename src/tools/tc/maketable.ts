/**
 * netem distribution tables, generated from the math the way iproute2's
 * netem/normal.c, pareto.c and paretonormal.c generate normal.dist, pareto.dist
 * and paretonormal.dist at build time (Linux `tc` then reads those files; we
 * compute them on demand). Each table is 4096 values of the inverse CDF at evenly
 * spaced quantiles, scaled by NETEM_DIST_SCALE and clamped to s16; the kernel's
 * tabledist() turns a table entry t into mu + sigma * t / NETEM_DIST_SCALE.
 */
import { NETEM_DIST_SCALE } from '../../wire/pkt_sched.js';

const TABLESIZE = 16384;
const SHRT_MIN = -32768;
const SHRT_MAX = 32767;
/** Pareto shape parameter used by iproute2. */
const PARETO_A = 3.0;

/** C rint(): round half to even. */
function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The error function, to ~1e-13: Taylor series near 0, continued fraction for erfc beyond. */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let term = ax;
    let sum = ax;
    const x2 = ax * ax;
    for (let n = 1; n < 200; n++) {
      term *= -x2 / n;
      const t = term / (2 * n + 1);
      sum += t;
      if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
    }
    const r = (2 / Math.sqrt(Math.PI)) * sum;
    return x < 0 ? -r : r;
  }
  // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), modified Lentz.
  const tiny = 1e-300;
  let f = ax;
  let c = ax;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const a = n / 2;
    d = ax + a * d;
    d = d === 0 ? tiny : d;
    c = ax + a / c;
    c = c === 0 ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return x < 0 ? erfc - 1 : 1 - erfc;
}

function normalCdf(x: number): number {
  return 0.5 + 0.5 * erf(x / Math.SQRT2);
}

/** The sweep of iproute2's normal.c: table[i] = the last x on a fine grid with rint(TABLESIZE * Phi(x)) == i. */
function normalQuantiles(): Float64Array {
  const table = new Float64Array(TABLESIZE + 1);
  for (let x = -10.0; x < 10.05; x += 0.00005) {
    const i = rint(TABLESIZE * normalCdf(x));
    table[i] = x;
  }
  return table;
}

function clampS16(v: number): number {
  return v < SHRT_MIN ? SHRT_MIN : v > SHRT_MAX ? SHRT_MAX : v;
}

/** normal.dist: the standard normal distribution. */
export function normalDist(): Int16Array {
  const table = normalQuantiles();
  const out = new Int16Array(TABLESIZE / 4);
  for (let i = 0; i < TABLESIZE; i += 4) out[i / 4] = clampS16(rint(table[i]! * NETEM_DIST_SCALE));
  return out;
}

/** One pareto value for quantile index i (of 65536), shifted to mean 0 as pareto.c does. */
function paretoValue(i: number): number {
  let d = i / 65536;
  d = 1.0 / Math.pow(d, 1.0 / PARETO_A);
  d -= 1.5;
  d *= (4.0 / 3.0) * NETEM_DIST_SCALE;
  if (d > 32767) d = 32767;
  return rint(d);
}

/** pareto.dist: Pareto with a = 3. */
export function paretoDist(): Int16Array {
  const out = new Int16Array(TABLESIZE / 4);
  let n = 0;
  for (let i = 65536; i > 0; i -= 16) out[n++] = paretoValue(i);
  return out;
}

/** paretonormal.dist: a quarter normal plus three quarters pareto. */
export function paretonormalDist(): Int16Array {
  const table = normalQuantiles();
  const out = new Int16Array(TABLESIZE / 4);
  for (let i = 0; i < TABLESIZE; i += 4) {
    const normvalue = rint(table[i]! * NETEM_DIST_SCALE);
    const parvalue = paretoValue(65536 - 4 * i);
    out[i / 4] = clampS16(Math.trunc((normvalue + 3 * parvalue) / 4));
  }
  return out;
}

/** The tables `tc ... distribution NAME` knows, by name. */
export function distributionTable(name: string): Int16Array | null {
  switch (name) {
    case 'normal': return normalDist();
    case 'pareto': return paretoDist();
    case 'paretonormal': return paretonormalDist();
    default: return null;
  }
}
