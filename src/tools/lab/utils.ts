/**
 * The small programs a lab script finds on any Linux host besides the network
 * tools: `echo`, `sleep`, `true`, `false` (coreutils/bash). They run as programs
 * (a Task of their own), so `ip netns exec NS sleep 1` works as it does on Linux.
 * `sleep` waits in kernel time: in a virtual-time lab `sleep 60` takes no wall time.
 */
import type { ToolContext, ToolMain } from '../tool.js';
import { WaitQueueHead, WAIT_INTERRUPTED } from '../../core/wait.js';
import { NSEC_PER_SEC } from '../../core/clock.js';

/** Exit status of a process ended by SIGTERM, as a shell reports it (128 + 15). */
export const STATUS_SIGTERM = 128 + 15;

const SLEEP_UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400 };

/**
 * GNU sleep's operand: a non-negative decimal or floating number with an optional
 * unit s, m, h or d (coreutils sleep.c apply_suffix()); `inf`/`infinity` too.
 * Returns seconds, or null when invalid.
 */
export function parseSleepInterval(arg: string): number | null {
  const m = /^\+?((?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf|infinity)([smhd]?)$/i.exec(arg);
  if (!m) return null;
  const v = /^inf/i.test(m[1]!) ? Infinity : Number(m[1]);
  if (!(v >= 0)) return null;
  return v * SLEEP_UNITS[m[2]!.toLowerCase()]!;
}

/** coreutils sleep: `sleep NUMBER[SUFFIX]...` (the operands are added up). */
export const sleepMain: ToolMain = async (ctx: ToolContext) => {
  const args = ctx.argv.slice(1);
  if (args[0] === '--') args.shift();
  if (args.length === 0) {
    ctx.stderr.write("sleep: missing operand\nTry 'sleep --help' for more information.\n");
    return 1;
  }
  let seconds = 0;
  let bad = false;
  for (const a of args) {
    const s = parseSleepInterval(a);
    if (s === null) {
      ctx.stderr.write(`sleep: invalid time interval '${a}'\n`);
      bad = true;
    } else {
      seconds += s;
    }
  }
  if (bad) {
    ctx.stderr.write("Try 'sleep --help' for more information.\n");
    return 1;
  }
  const task = ctx.task;
  if (task.killed) return STATUS_SIGTERM;
  // An interruptible sleep: `kill %N` ends it as SIGTERM ends sleep(1).
  const wq = new WaitQueueHead();
  const ns = Math.round(seconds * NSEC_PER_SEC);
  const r = await wq.wait(task.kernel, seconds === Infinity ? Infinity : ns, task.blockedOn);
  return r === WAIT_INTERRUPTED ? STATUS_SIGTERM : 0;
};

const ECHO_ESCAPES: Record<string, string> = {
  a: '\x07', b: '\b', e: '\x1b', E: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\',
};

/** bash's echo -e escapes; returns the text and whether `\c` cut the output. */
function echoEscapes(s: string): { text: string; stop: boolean } {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\' || i + 1 >= s.length) {
      out += c;
      continue;
    }
    const n = s[i + 1]!;
    if (n === 'c') return { text: out, stop: true };
    if (ECHO_ESCAPES[n] !== undefined) {
      out += ECHO_ESCAPES[n];
      i++;
    } else if (n === '0') {
      const m = /^[0-7]{0,3}/.exec(s.slice(i + 2))![0];
      out += String.fromCharCode(parseInt(m || '0', 8) & 0xff);
      i += 1 + m.length;
    } else if (n === 'x' && /^[0-9a-fA-F]/.test(s.slice(i + 2))) {
      const m = /^[0-9a-fA-F]{1,2}/.exec(s.slice(i + 2))![0];
      out += String.fromCharCode(parseInt(m, 16));
      i += 1 + m.length;
    } else {
      out += c;
    }
  }
  return { text: out, stop: false };
}

/** bash's echo: options -n, -e, -E (only when every letter is one of them). */
export const echoMain: ToolMain = async (ctx: ToolContext) => {
  const args = ctx.argv.slice(1);
  let newline = true;
  let escapes = false;
  while (args.length && /^-[neE]+$/.test(args[0]!)) {
    for (const ch of args.shift()!.slice(1)) {
      if (ch === 'n') newline = false;
      else if (ch === 'e') escapes = true;
      else escapes = false;
    }
  }
  let out = '';
  for (let i = 0; i < args.length; i++) {
    const piece = escapes ? echoEscapes(args[i]!) : { text: args[i]!, stop: false };
    out += (i ? ' ' : '') + piece.text;
    if (piece.stop) {
      ctx.stdout.write(out);
      return 0;
    }
  }
  ctx.stdout.write(newline ? out + '\n' : out);
  return 0;
};

export const trueMain: ToolMain = async () => 0;
export const falseMain: ToolMain = async () => 1;

/** Programs every host has, by name (coreutils). */
export function hostUtilities(): Map<string, ToolMain> {
  return new Map<string, ToolMain>([
    ['echo', echoMain], ['sleep', sleepMain], ['true', trueMain], ['false', falseMain],
  ]);
}
