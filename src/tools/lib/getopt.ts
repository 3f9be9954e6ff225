/**
 * glibc's getopt_long() for tools: short options from an optstring ("ab:c::"),
 * long options (`--name`, `--name=value`, `--name value`, unique prefixes), argument
 * permutation (options may follow operands; `--` ends options; POSIXLY_CORRECT or a
 * leading '+' stops at the first operand) and glibc's error messages on stderr.
 * No Linux kernel counterpart: userspace.
 */

/** A long option (Linux: struct option): `hasArg` 0 none, 1 required, 2 optional. */
export interface LongOpt {
  name: string;
  hasArg: 0 | 1 | 2;
  /** The value reported (usually the matching short option letter). */
  val: string;
}

/** One parsed option. `opt` is '?' for an error (the message was printed). */
export interface ParsedOpt {
  opt: string;
  arg: string | null;
}

export interface GetoptResult {
  opts: ParsedOpt[];
  /** The operands, in order. */
  rest: string[];
}

/**
 * Parse `argv` (argv[0] is the program). Errors print glibc's message with
 * `prog` and yield an `opt` of '?'.
 */
export function getoptLong(argv: readonly string[], optstring: string, longopts: readonly LongOpt[],
  err: (s: string) => void, prog = argv[0] ?? ''): GetoptResult {
  const opts: ParsedOpt[] = [];
  const rest: string[] = [];
  let posix = false;
  let spec = optstring;
  if (spec.startsWith('+')) {
    posix = true;
    spec = spec.slice(1);
  } else if (spec.startsWith('-')) {
    spec = spec.slice(1);
  }
  const shortHas = (c: string): number => {
    const i = spec.indexOf(c);
    if (i < 0 || c === ':') return -1;
    if (spec[i + 1] === ':') return spec[i + 2] === ':' ? 2 : 1;
    return 0;
  };
  let i = 1;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      i++;
      break;
    }
    if (a.startsWith('--')) {
      const body = a.slice(2);
      const eq = body.indexOf('=');
      const name = eq >= 0 ? body.slice(0, eq) : body;
      const exact = longopts.find((o) => o.name === name);
      const cands = exact ? [exact] : longopts.filter((o) => o.name.startsWith(name));
      if (cands.length === 0) {
        err(`${prog}: unrecognized option '${a}'\n`);
        opts.push({ opt: '?', arg: null });
        continue;
      }
      if (cands.length > 1 && !cands.every((c) => c.val === cands[0]!.val && c.hasArg === cands[0]!.hasArg)) {
        err(`${prog}: option '${a}' is ambiguous; possibilities:${cands.map((c) => ` '--${c.name}'`).join('')}\n`);
        opts.push({ opt: '?', arg: null });
        continue;
      }
      const o = cands[0]!;
      if (eq >= 0) {
        if (o.hasArg === 0) {
          err(`${prog}: option '--${o.name}' doesn't allow an argument\n`);
          opts.push({ opt: '?', arg: null });
          continue;
        }
        opts.push({ opt: o.val, arg: body.slice(eq + 1) });
      } else if (o.hasArg === 1) {
        if (i + 1 >= argv.length) {
          err(`${prog}: option '--${o.name}' requires an argument\n`);
          opts.push({ opt: '?', arg: null });
          continue;
        }
        opts.push({ opt: o.val, arg: argv[++i]! });
      } else {
        opts.push({ opt: o.val, arg: null });
      }
      continue;
    }
    if (a.length > 1 && a.startsWith('-')) {
      for (let j = 1; j < a.length; j++) {
        const c = a[j]!;
        const has = shortHas(c);
        if (has < 0) {
          err(`${prog}: invalid option -- '${c}'\n`);
          opts.push({ opt: '?', arg: null });
          continue;
        }
        if (has === 0) {
          opts.push({ opt: c, arg: null });
          continue;
        }
        if (j + 1 < a.length) {
          opts.push({ opt: c, arg: a.slice(j + 1) });
        } else if (has === 1) {
          if (i + 1 >= argv.length) {
            err(`${prog}: option requires an argument -- '${c}'\n`);
            opts.push({ opt: '?', arg: null });
          } else {
            opts.push({ opt: c, arg: argv[++i]! });
          }
        } else {
          opts.push({ opt: c, arg: null });
        }
        break;
      }
      continue;
    }
    // An operand: with permutation, keep scanning.
    if (posix) break;
    rest.push(a);
  }
  for (; i < argv.length; i++) rest.push(argv[i]!);
  return { opts, rest };
}
