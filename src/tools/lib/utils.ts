/**
 * iproute2: lib/utils.c and lib/namespace.c helpers that ip, bridge and tc
 * share: keyword abbreviations (matches), interface-name checks (check_ifname)
 * and `-n NETNS` (netns_switch). Userspace only.
 */
import * as sys from '../../socket/syscalls.js';
import { strerror } from '../../socket/errno.js';
import type { Task } from '../../socket/task.js';

/** iproute2: matches(): `arg` is a non-empty prefix of `word` (an abbreviation). */
export function matches(arg: string, word: string): boolean {
  return arg.length > 0 && word.startsWith(arg);
}

/** iproute2: check_ifname() (mimics the kernel's dev_valid_name(): not empty, under IFNAMSIZ, no '/' or space). */
export function checkIfname(name: string): boolean {
  if (!name || name.length >= 16) return false;
  for (const ch of name) if (ch === '/' || /\s/.test(ch)) return false;
  return true;
}

/**
 * iproute2: netns_switch() for `-n NETNS`: a child task (the tool's process)
 * joins /run/netns/NETNS (a path with '/' is opened as given, a tuxnet
 * convenience: iproute2 always prefixes /run/netns). Returns the task, or null
 * after printing iproute2's message.
 */
export function netnsSwitch(parent: Task, netns: string, err: (s: string) => void): Task | null {
  const child = parent.fork();
  try {
    const fd = sys.open(child, netns.includes('/') ? netns : `/run/netns/${netns}`);
    sys.setns(child, fd);
    sys.close(child, fd);
  } catch (e) {
    const errno = Math.abs(Number((e as { errno?: number }).errno ?? 5));
    err(`Cannot open network namespace "${netns}": ${strerror(errno)}\n`);
    sys.exitTask(child);
    return null;
  }
  return child;
}
