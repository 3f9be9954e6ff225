/**
 * Back-quoted command lines of packetdrill scripts (upstream: run_command.c,
 * which hands them to /bin/sh through system(3)). tuxnet runs them itself with a
 * small shell: `;`, `&&`, `||` and newlines, '...' and "..." quoting, `$((...))`
 * arithmetic, redirections (`> /dev/null 2>&1` and friends discard output), the
 * builtins `true false : echo exit cd sleep`, and shell files (`../defaults.sh`,
 * `sh x.sh`, `bash x.sh`) read from the host relative to the script's directory
 * and run line by line. Programs are tuxnet's userspace tools (sysctl, ip, tc,
 * ethtool ...) run as child processes through ToolContext.exec. A file named
 * `*defaults.sh` that cannot be read runs the built-in copy of upstream's
 * gtests/net/common/defaults.sh below. Settings tuxnet has no counterpart for
 * never fail a command (`ethtool -K`, `ip tcp_metrics`, `tc qdisc ... tun0`).
 */
import type { Task, Stdio } from '../../socket/task.js';
import { exitTask, nanosleep } from '../../socket/syscalls.js';

/** upstream gtests/net/common/defaults.sh, as the scripts expect it (MPTCP line omitted). */
export const DEFAULTS_SH = `# Set standard production config values that relate to TCP behavior.
ip tcp_metrics flush all > /dev/null 2>&1
sysctl -q net.ipv4.tcp_rmem="4096 540000 $((15*1024*1024))"
sysctl -q net.ipv4.tcp_wmem="4096 $((256*1024)) 4194304"
sysctl -q net.ipv4.tcp_timestamps=1
sysctl -q net.ipv4.tcp_syn_retries=5
sysctl -q net.ipv4.tcp_synack_retries=5
sysctl -q net.ipv4.tcp_frto=2
sysctl -q net.ipv4.tcp_sack=1
sysctl -q net.ipv4.tcp_dsack=1
sysctl -q net.ipv4.tcp_fack=0
sysctl -q net.ipv4.tcp_reordering=3
sysctl -q net.ipv4.tcp_congestion_control=cubic
sysctl -q net.ipv4.tcp_slow_start_after_idle=0
sysctl -q net.ipv4.tcp_early_retrans=4 net.ipv4.tcp_recovery=1
sysctl -q net.ipv4.tcp_tso_win_divisor=3
sysctl -q net.ipv4.tcp_ecn=0
sysctl -q net.ipv4.tcp_pacing_ss_ratio=200
sysctl -q net.ipv4.tcp_pacing_ca_ratio=120
sysctl -q net.ipv4.tcp_notsent_lowat=4294967295 > /dev/null 2>&1
sysctl -q net.ipv4.tcp_fastopen=0x70403
sysctl -q net.ipv4.tcp_fastopen_key=a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4
sysctl -q net.ipv4.tcp_syncookies=1
tc qdisc add dev tun0 root pfifo
`;

export interface ShellEnv {
  task: Task;
  stdout: Stdio;
  stderr: Stdio;
  exec(argv: string[], child: Task): Promise<number>;
  /** Read a host file (shell scripts), relative paths against the script's directory; null if missing. */
  readFile(path: string): string | null;
}

interface Cmd {
  words: string[];
  /** Output discarded (> /dev/null). */
  quiet: boolean;
  quietErr: boolean;
  op: ';' | '&&' | '||';
}

/** Evaluate `$(( ... ))` integer arithmetic (+ - * / % << >> & | ^ parentheses). */
function arith(expr: string): string {
  if (!/^[0-9xXa-fA-F+\-*/%<>&|^() \t]*$/.test(expr)) throw new Error(`bad arithmetic: ${expr}`);
  const toks = expr.match(/0[xX][0-9a-fA-F]+|[0-9]+|<<|>>|[-+*/%&|^()]/g) ?? [];
  let i = 0;
  const prec: Record<string, number> = { '|': 1, '^': 2, '&': 3, '<<': 4, '>>': 4, '+': 5, '-': 5, '*': 6, '/': 6, '%': 6 };
  const primary = (): bigint => {
    const t = toks[i++];
    if (t === '(') {
      const v = bin(0);
      i++;
      return v;
    }
    if (t === '-') return -primary();
    if (t === '+') return primary();
    if (t === undefined) throw new Error('bad arithmetic');
    return BigInt(t);
  };
  const bin = (min: number): bigint => {
    let l = primary();
    for (;;) {
      const op = toks[i];
      const p = op === undefined ? 0 : (prec[op] ?? 0);
      if (!p || p <= min - 1 || p < min) break;
      i++;
      const r = bin(p + 1);
      switch (op) {
        case '+': l += r; break;
        case '-': l -= r; break;
        case '*': l *= r; break;
        case '/': l /= r; break;
        case '%': l %= r; break;
        case '<<': l <<= r; break;
        case '>>': l >>= r; break;
        case '&': l &= r; break;
        case '|': l |= r; break;
        default: l ^= r; break;
      }
    }
    return l;
  };
  return bin(0).toString();
}

/** Split a command line into simple commands with their connecting operators. */
export function parseCommandLine(text: string): Cmd[] {
  const cmds: Cmd[] = [];
  let words: string[] = [];
  let cur = '';
  let inWord = false;
  let quiet = false;
  let quietErr = false;
  let redirect: null | { fd: number } = null;
  let op: Cmd['op'] = ';';
  const endWord = (): void => {
    if (!inWord) return;
    if (redirect) {
      const isNull = cur === '/dev/null';
      if (redirect.fd === 1) quiet = isNull || quiet;
      else if (redirect.fd === 2) quietErr = isNull || quietErr;
      else {
        quiet = isNull || quiet;
        quietErr = isNull || quietErr;
      }
      redirect = null;
    } else words.push(cur);
    cur = '';
    inWord = false;
  };
  const endCmd = (next: Cmd['op']): void => {
    endWord();
    if (words.length) cmds.push({ words, quiet, quietErr, op });
    words = [];
    quiet = false;
    quietErr = false;
    op = next;
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '#' && !inWord) {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (c === '\\' && i + 1 < text.length) {
      if (text[i + 1] !== '\n') {
        cur += text[i + 1];
        inWord = true;
      }
      i += 2;
      continue;
    }
    if (c === "'") {
      const j = text.indexOf("'", i + 1);
      cur += text.slice(i + 1, j < 0 ? text.length : j);
      inWord = true;
      i = j < 0 ? text.length : j + 1;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') {
        if (text[j] === '\\' && j + 1 < text.length) {
          cur += text[j + 1];
          j += 2;
          continue;
        }
        if (text.startsWith('$((', j)) {
          const end = text.indexOf('))', j);
          cur += arith(text.slice(j + 3, end));
          j = end + 2;
          continue;
        }
        cur += text[j];
        j++;
      }
      inWord = true;
      i = j + 1;
      continue;
    }
    if (text.startsWith('$((', i)) {
      const end = text.indexOf('))', i);
      cur += arith(text.slice(i + 3, end));
      inWord = true;
      i = end + 2;
      continue;
    }
    if (c === ' ' || c === '\t') {
      endWord();
      i++;
      continue;
    }
    if (c === '\n' || c === ';') {
      endCmd(';');
      i++;
      continue;
    }
    if (text.startsWith('&&', i) || text.startsWith('||', i)) {
      endCmd(text.slice(i, i + 2) as '&&' | '||');
      i += 2;
      continue;
    }
    // Redirections: [N]>[>]FILE, N>&M, &>FILE
    const m = /^(&>|[0-9]?>>?)(&[0-9])?/.exec(text.slice(i));
    if (m && (!inWord || /^[0-9]$/.test(cur))) {
      const fd = m[1] === '&>' ? -1 : /^[0-9]/.test(m[1]!) ? Number(m[1]![0]) : inWord ? Number(cur) : 1;
      cur = '';
      inWord = false;
      i += m[0].length;
      if (m[2]) {
        // 2>&1: stderr follows stdout's fate
        if (fd === 2 && m[2] === '&1') quietErr = quiet;
        continue;
      }
      redirect = { fd };
      while (text[i] === ' ' || text[i] === '\t') i++;
      continue;
    }
    cur += c;
    inWord = true;
    i++;
  }
  endCmd(';');
  return cmds;
}

/** Commands tuxnet has no counterpart for: accepted as no-ops so scripts written for Linux run. */
function isNoop(argv: string[]): boolean {
  const [prog, a1, a2] = argv;
  const base = (prog ?? '').split('/').pop();
  if (base === 'ethtool' && (a1 === '-K' || a1 === '--offload' || a1 === '--features' || a1 === '-s')) return true;
  if (base === 'ip' && (a1 === 'tcp_metrics' || a1 === 'tcpmetrics' || (a1 === '-4' || a1 === '-6') && a2 === 'tcp_metrics')) return true;
  if (base === 'modprobe' || base === 'rmmod' || base === 'insmod') return true;
  return false;
}

const nullStdio: Stdio = { write: () => {} };

/** Run a command line; resolves to its exit status (the last command's, as sh). */
export async function runShell(env: ShellEnv, text: string, depth = 0): Promise<number> {
  let cmds: Cmd[];
  try {
    cmds = parseCommandLine(text);
  } catch (e) {
    env.stderr.write(`sh: ${(e as Error).message}\n`);
    return 2;
  }
  let status = 0;
  for (const c of cmds) {
    if (c.op === '&&' && status !== 0) continue;
    if (c.op === '||' && status === 0) continue;
    status = await runOne(env, c, depth);
  }
  return status;
}

async function runOne(env: ShellEnv, c: Cmd, depth: number): Promise<number> {
  const stdout = c.quiet ? nullStdio : env.stdout;
  const stderr = c.quietErr ? nullStdio : env.stderr;
  let argv = c.words;
  // Leading NAME=VALUE assignments: ignored (no environment is passed to tools).
  while (argv.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(argv[0]!)) argv = argv.slice(1);
  if (!argv.length) return 0;
  const prog = argv[0]!;
  switch (prog) {
    case 'true':
    case ':':
    case 'cd':
    case 'set':
    case 'export':
      return 0;
    case 'false':
      return 1;
    case 'exit':
      return Number(argv[1] ?? 0) & 0xff;
    case 'echo':
      stdout.write(argv.slice(1).join(' ') + '\n');
      return 0;
    case 'sleep': {
      const s = Number(argv[1] ?? 0);
      if (!(s >= 0)) return 1;
      await nanosleep(env.task, s * 1e9);
      return 0;
    }
    default:
      break;
  }
  let file: string | null = null;
  if ((prog === 'sh' || prog === 'bash' || prog === '/bin/sh' || prog === '/bin/bash') && argv[1] && !argv[1].startsWith('-')) file = argv[1];
  else if (prog.endsWith('.sh') || prog.includes('/')) file = prog;
  if (file !== null && !/^\/(usr\/)?s?bin\//.test(file)) {
    if (depth > 8) return 1;
    const text = env.readFile(file) ?? (file.endsWith('defaults.sh') ? DEFAULTS_SH : null);
    if (text === null) {
      stderr.write(`sh: 1: ${file}: not found\n`);
      return 127;
    }
    return runShell({ ...env, stdout, stderr }, text, depth + 1);
  }
  if (isNoop(argv)) return 0;
  const base = prog.split('/').pop()!;
  const child = env.task.fork(stdout, stderr);
  let status: number;
  try {
    status = await env.exec([base, ...argv.slice(1)], child);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT') {
      stderr.write(`sh: 1: ${base}: not found\n`);
      status = 127;
    } else {
      stderr.write(`${base}: ${(e as Error).message}\n`);
      status = 1;
    }
  } finally {
    exitTask(child);
  }
  // tc on the tun device: qdiscs tuxnet lacks must not fail the script (upstream's defaults.sh adds pfifo).
  if (status !== 0 && base === 'tc' && argv.includes('tun0')) return 0;
  return status;
}
