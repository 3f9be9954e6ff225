/**
 * sysctl (procps-ng 4.0 sysctl.c) over /proc/sys with the readFile/writeFile/
 * readdir syscalls: `sysctl KEY...`, `-n`, `-q`, `-w KEY=VALUE` (KEY=VALUE also
 * writes without -w), `-a`, `-p FILE`, directories list their subtree, '/' or
 * '.' separators. Messages and exit codes as procps prints them.
 */
import { readHostText, type ToolContext } from './tool.js';
import * as sys from '../socket/syscalls.js';
import { SystemError, strerror, ENOENT, EISDIR } from '../socket/errno.js';

interface Opts {
  nameOnly: boolean;
  valuesOnly: boolean;
  quiet: boolean;
  write: boolean;
}

function keyPath(key: string): string {
  return '/proc/sys/' + key.replace(/\./g, '/');
}

function dotted(key: string): string {
  return key.replace(/\//g, '.');
}

function errText(e: unknown): string {
  return e instanceof SystemError ? strerror(e.errno) : String((e as Error).message);
}

/** All keys under a /proc/sys directory, depth first in sorted order. */
function walk(ctx: ToolContext, dir: string, out: string[]): void {
  for (const name of sys.readdir(ctx.task, dir)) {
    const p = `${dir}/${name}`;
    try {
      sys.readFile(ctx.task, p);
      out.push(p);
    } catch (e) {
      if (e instanceof SystemError && e.code === 'EISDIR') walk(ctx, p, out);
    }
  }
}

function show(ctx: ToolContext, o: Opts, path: string, value: string): void {
  const key = path.slice('/proc/sys/'.length).replace(/\//g, '.');
  const v = value.replace(/\n$/, '');
  if (o.valuesOnly) ctx.stdout.write(`${v}\n`);
  else if (o.nameOnly) ctx.stdout.write(`${key}\n`);
  else ctx.stdout.write(`${key} = ${v}\n`);
}

/** Read one key (or a directory's keys). Returns 0 or 1. */
function readKey(ctx: ToolContext, o: Opts, key: string): number {
  const path = keyPath(dotted(key));
  try {
    show(ctx, o, path, sys.readFile(ctx.task, path));
    return 0;
  } catch (e) {
    if (e instanceof SystemError && e.code === 'EISDIR') {
      const keys: string[] = [];
      walk(ctx, path, keys);
      for (const p of keys) show(ctx, o, p, sys.readFile(ctx.task, p));
      return 0;
    }
    if (e instanceof SystemError && e.code === 'ENOENT') {
      if (!o.quiet) ctx.stderr.write(`sysctl: cannot stat ${path}: No such file or directory\n`);
      return 1;
    }
    // procps: a write-only key (S_IRUSR clear, e.g. net.ipv4.route.flush) is skipped silently.
    if (e instanceof SystemError && e.code === 'EACCES') return 0;
    ctx.stderr.write(`sysctl: reading key "${dotted(key)}": ${errText(e)}\n`);
    return 1;
  }
}

/** Write "key=value". Returns 0 or 1. */
function writeKey(ctx: ToolContext, o: Opts, arg: string, where = 'command line', line = 0): number {
  const eq = arg.indexOf('=');
  if (eq <= 0) {
    ctx.stderr.write(`sysctl: ${where}(${line}): invalid syntax, continuing...\n`);
    return 1;
  }
  const key = dotted(arg.slice(0, eq).trim());
  const value = arg.slice(eq + 1).trim();
  const path = keyPath(key);
  try {
    sys.readFile(ctx.task, path);
  } catch (e) {
    if (e instanceof SystemError && e.code === 'ENOENT') {
      if (!o.quiet) ctx.stderr.write(`sysctl: cannot stat ${path}: No such file or directory\n`);
      return 1;
    }
  }
  try {
    sys.writeFile(ctx.task, path, value);
  } catch (e) {
    ctx.stderr.write(`sysctl: setting key "${key}": ${errText(e)}\n`);
    return 1;
  }
  if (!o.quiet) {
    if (o.valuesOnly) ctx.stdout.write(`${value}\n`);
    else ctx.stdout.write(`${key} = ${value}\n`);
  }
  return 0;
}

export async function sysctlMain(ctx: ToolContext): Promise<number> {
  const o: Opts = { nameOnly: false, valuesOnly: false, quiet: false, write: false };
  let all = false;
  const files: string[] = [];
  const keys: string[] = [];
  const argv = ctx.argv;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--all') all = true;
    else if (a === '--write') o.write = true;
    else if (a === '--values') o.valuesOnly = true;
    else if (a === '--names') o.nameOnly = true;
    else if (a === '--quiet') o.quiet = true;
    else if (a.startsWith('--load')) files.push(a.includes('=') ? a.slice(a.indexOf('=') + 1) : '/etc/sysctl.conf');
    else if (a.startsWith('-') && a.length > 1 && !a.startsWith('--')) {
      for (let j = 1; j < a.length; j++) {
        const c = a[j]!;
        if (c === 'a' || c === 'A' || c === 'X') all = true;
        else if (c === 'n') o.valuesOnly = true;
        else if (c === 'N') o.nameOnly = true;
        else if (c === 'q') o.quiet = true;
        else if (c === 'w') o.write = true;
        else if (c === 'e') continue;
        else if (c === 'p') {
          const rest = a.slice(j + 1);
          files.push(rest || (i + 1 < argv.length && !argv[i + 1]!.startsWith('-') ? argv[++i]! : '/etc/sysctl.conf'));
          break;
        } else {
          ctx.stderr.write(`sysctl: invalid option -- '${c}'\nTry 'sysctl --help' for more information.\n`);
          return 1;
        }
      }
    } else keys.push(a);
  }
  let rc = 0;
  if (files.length) {
    for (const f of files) {
      let text: string;
      try {
        text = readHostText(ctx, f);
      } catch (e) {
        const errno = e instanceof SystemError ? -e.errno : ENOENT;
        // fopen(3) of a directory succeeds and its reads fail: procps reads no line, status 0.
        if (errno === EISDIR) continue;
        ctx.stderr.write(`sysctl: cannot open "${f}": ${strerror(errno)}\n`);
        rc = 1;
        continue;
      }
      text.split('\n').forEach((raw, n) => {
        const line = raw.trim();
        if (!line || line.startsWith('#') || line.startsWith(';')) return;
        // "-key = value": ignore failures of this line.
        const ignore = line.startsWith('-');
        const r = writeKey(ctx, o, ignore ? line.slice(1) : line, f, n + 1);
        if (r && !ignore) rc = r;
      });
    }
    return rc;
  }
  if (all) {
    const paths: string[] = [];
    // The syscall layer's readdir does not list /proc/sys itself; every table lives under net/.
    if (sys.readdir(ctx.task, '/proc/sys').length) walk(ctx, '/proc/sys', paths);
    else walk(ctx, '/proc/sys/net', paths);
    for (const p of paths) show(ctx, o, p, sys.readFile(ctx.task, p));
    return 0;
  }
  if (keys.length === 0) {
    ctx.stderr.write(`\nUsage:\n sysctl [options] [variable[=value] ...]\n\nOptions:\n  -a, --all            display all variables\n` +
      `  -n, --values         print only values of the given variable(s)\n  -p, --load[=<file>]  read values from file\n` +
      `  -q, --quiet          do not echo variable set\n  -w, --write          enable writing a value to variable\n\n` +
      `For more details see sysctl(8).\n`);
    return 1;
  }
  for (const k of keys) {
    const r = k.includes('=') ? writeKey(ctx, o, k) : o.write ? writeKey(ctx, o, k) : readKey(ctx, o, k);
    if (r) rc = r;
  }
  return rc;
}
