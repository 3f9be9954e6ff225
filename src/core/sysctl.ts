/**
 * The sysctl tree under /proc/sys/net (Linux: net/sysctl_net.c, kernel/sysctl.c).
 * Subsystems register tables: each entry reads and writes a value for one
 * namespace. Entries marked `initOnly` exist only in the initial namespace, as
 * Linux's net.core.netdev_budget does.
 */
import type { Net } from './net_namespace.js';
import { EINVAL } from '../socket/errno.js';

export interface SysctlEntry {
  /** Dotted name, e.g. "net.core.netdev_budget". */
  name: string;
  /** File mode bits as shown in /proc/sys (0o644, 0o444 ...). */
  mode: number;
  get(net: Net): string;
  /** Returns 0 or a negative errno. */
  set(net: Net, value: string): number;
}

/** A provider lists entries for a namespace; dynamic trees (per-device conf) use it. */
export type SysctlProvider = (net: Net) => Iterable<SysctlEntry>;

/** Linux: proc_dointvec_minmax() over a numeric field. */
export function intEntry(name: string, get: (net: Net) => number, set: (net: Net, v: number) => void,
  min = -2147483648, max = 2147483647, mode = 0o644): SysctlEntry {
  return {
    name,
    mode,
    get: (net) => String(get(net)),
    set: (net, value) => {
      const s = value.trim();
      if (!/^-?\d+$/.test(s)) return -EINVAL;
      const v = Number(s);
      if (v < min || v > max) return -EINVAL;
      set(net, v);
      return 0;
    },
  };
}

export class SysctlRegistry {
  private readonly providers: SysctlProvider[] = [];
  register(provider: SysctlProvider): void {
    this.providers.push(provider);
  }
  /** All entries visible in `net`, sorted by name (sysctl -a order). */
  list(net: Net): SysctlEntry[] {
    const out: SysctlEntry[] = [];
    for (const p of this.providers) for (const e of p(net)) out.push(e);
    out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return out;
  }
  find(net: Net, name: string): SysctlEntry | null {
    for (const p of this.providers) for (const e of p(net)) if (e.name === name) return e;
    return null;
  }
}
