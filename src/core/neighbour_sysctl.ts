/**
 * net.<proto>.neigh.{default,DEV}.* (Linux: net/core/neighbour.c
 * neigh_sysctl_register, neigh_sysctl_template and its proc handlers). The
 * default directory exists in the initial namespace only (its parameters are
 * the table's, shared by all namespaces) and adds gc_interval and gc_thresh1..3;
 * every device with parameters gets the per-device set. Units as Linux shows
 * them: *_ms in ms, base_reachable_time/delay_first_probe_time/gc_stale_time/
 * gc_interval in seconds (jiffies handlers), retrans_time/anycast_delay/
 * proxy_delay/locktime in USER_HZ ticks, unres_qlen in packets of
 * SKB_TRUESIZE(ETH_FRAME_LEN) bytes. Values are kept in ms but rounded as the
 * kernel's jiffies (HZ 250) round them. Writing a default copies the value to every
 * device of the initial namespace that was not written itself (neigh_copy_dflt_parms).
 */
import type { Kernel, Net } from './net_namespace.js';
import type { NetDevice } from './netdevice.js';
import type { SysctlEntry } from './sysctl.js';
import {
  type NeighParms, type NeighTable, NEIGH_VAR_MCAST_PROBES, NEIGH_VAR_UCAST_PROBES, NEIGH_VAR_APP_PROBES,
  NEIGH_VAR_MCAST_REPROBES, NEIGH_VAR_RETRANS_TIME, NEIGH_VAR_BASE_REACHABLE_TIME, NEIGH_VAR_DELAY_PROBE_TIME,
  NEIGH_VAR_INTERVAL_PROBE_TIME_MS, NEIGH_VAR_GC_STALETIME, NEIGH_VAR_QUEUE_LEN_BYTES, NEIGH_VAR_PROXY_QLEN,
  NEIGH_VAR_ANYCAST_DELAY, NEIGH_VAR_PROXY_DELAY, NEIGH_VAR_LOCKTIME, NEIGH_HZ, neighRandReachTime, neighDevParms,
  neighMsecsRound, SKB_TRUESIZE_ETH_FRAME,
} from './neighbour.js';
import { EINVAL } from '../socket/errno.js';

const INT_MAX = 2147483647;

/** How a value is shown and parsed. */
type Unit = 'int' | 'sec' | 'userhz' | 'ms' | 'qlen';

function parseInt32(value: string): number | null {
  const s = value.trim();
  if (!/^-?\d+$/.test(s)) return null;
  const v = Number(s);
  if (v < -2147483648 || v > INT_MAX) return null;
  return v;
}

function show(unit: Unit, raw: number): string {
  switch (unit) {
    case 'sec': return String(Math.trunc(raw / 1000));
    case 'userhz': return String(Math.trunc(raw / 10));
    case 'qlen': return String(Math.trunc(raw / SKB_TRUESIZE_ETH_FRAME));
    default: return String(raw);
  }
}

/** Parse a write into the stored value; null when out of range. */
function toRaw(unit: Unit, v: number, min: number): number | null {
  let raw: number;
  switch (unit) {
    case 'sec': raw = v * 1000; break;
    // clock_t_to_jiffies() at HZ 250 truncates: 1 tick (10 ms) is 2 jiffies (8 ms).
    case 'userhz': raw = Math.trunc((v * NEIGH_HZ) / 100) * (1000 / NEIGH_HZ); break;
    case 'ms': raw = v < 0 ? v : neighMsecsRound(v); break;
    case 'qlen':
      if (v < 0 || v > Math.floor(INT_MAX / SKB_TRUESIZE_ETH_FRAME)) return null;
      raw = v * SKB_TRUESIZE_ETH_FRAME;
      break;
    default: raw = v;
  }
  if (v < min || raw > INT_MAX || raw < -2147483648) return null;
  return raw;
}

/** The per-parameter files (Linux: neigh_sysctl_template up to BASE_REACHABLE_TIME_MS). */
const VARS: readonly [string, number, Unit, number][] = [
  ['mcast_solicit', NEIGH_VAR_MCAST_PROBES, 'int', 0],
  ['ucast_solicit', NEIGH_VAR_UCAST_PROBES, 'int', 0],
  ['app_solicit', NEIGH_VAR_APP_PROBES, 'int', 0],
  ['mcast_resolicit', NEIGH_VAR_MCAST_REPROBES, 'int', 0],
  ['retrans_time', NEIGH_VAR_RETRANS_TIME, 'userhz', -2147483648],
  ['base_reachable_time', NEIGH_VAR_BASE_REACHABLE_TIME, 'sec', -2147483648],
  ['delay_first_probe_time', NEIGH_VAR_DELAY_PROBE_TIME, 'sec', -2147483648],
  ['interval_probe_time_ms', NEIGH_VAR_INTERVAL_PROBE_TIME_MS, 'ms', 1],
  ['gc_stale_time', NEIGH_VAR_GC_STALETIME, 'sec', -2147483648],
  ['unres_qlen_bytes', NEIGH_VAR_QUEUE_LEN_BYTES, 'int', 0],
  ['proxy_qlen', NEIGH_VAR_PROXY_QLEN, 'int', 0],
  ['anycast_delay', NEIGH_VAR_ANYCAST_DELAY, 'userhz', -2147483648],
  ['proxy_delay', NEIGH_VAR_PROXY_DELAY, 'userhz', -2147483648],
  ['locktime', NEIGH_VAR_LOCKTIME, 'userhz', -2147483648],
  ['unres_qlen', NEIGH_VAR_QUEUE_LEN_BYTES, 'qlen', 0],
  ['retrans_time_ms', NEIGH_VAR_RETRANS_TIME, 'ms', -2147483648],
  ['base_reachable_time_ms', NEIGH_VAR_BASE_REACHABLE_TIME, 'ms', -2147483648],
];

/** Linux: neigh_copy_dflt_parms(): a default reaches the devices that kept it. */
function copyDefault(tbl: NeighTable, p: NeighParms, index: number): void {
  for (const dev of p.net.devices) {
    const dp = neighDevParms(tbl, dev);
    if (dp && !(dp.dataState & (1 << index))) dp.data[index] = p.data[index]!;
  }
}

function parmEntry(tbl: NeighTable, prefix: string, getParms: () => NeighParms | null, name: string, index: number,
  unit: Unit, min: number): SysctlEntry {
  return {
    name: `${prefix}.${name}`,
    mode: 0o644,
    get: () => {
      const p = getParms();
      return p ? show(unit, p.data[index]!) : '0';
    },
    set: (_net: Net, value: string) => {
      const p = getParms();
      if (!p) return -EINVAL;
      const v = parseInt32(value);
      if (v === null) return -EINVAL;
      const raw = toRaw(unit, v, min);
      if (raw === null) return -EINVAL;
      p.data[index] = raw;
      // Linux: neigh_proc_update(): the value is now this parms' own; a default spreads.
      p.dataState |= 1 << index;
      if (index === NEIGH_VAR_BASE_REACHABLE_TIME) {
        p.reachableTime = neighRandReachTime(tbl.kernel, p.data[NEIGH_VAR_BASE_REACHABLE_TIME]!);
      }
      if (!p.dev) copyDefault(tbl, p, index);
      return 0;
    },
  };
}

function tableEntry(prefix: string, name: string, get: () => number, set: (v: number) => void, unit: Unit, min: number): SysctlEntry {
  return {
    name: `${prefix}.${name}`,
    mode: 0o644,
    get: () => show(unit, get()),
    set: (_net: Net, value: string) => {
      const v = parseInt32(value);
      const raw = v === null ? null : toRaw(unit, v, min);
      if (raw === null) return -EINVAL;
      set(raw);
      return 0;
    },
  };
}

/**
 * Linux: neigh_sysctl_register() for the table's default parameters and for
 * every device's (`parmsOf` finds or makes them). `proto` is "ipv4"/"ipv6".
 */
export function neighSysctlInit(k: Kernel, tbl: NeighTable, proto: string,
  parmsOf: (dev: NetDevice) => NeighParms | null): void {
  k.sysctl.register((net) => {
    const list: SysctlEntry[] = [];
    if (net === k.initNet) {
      const prefix = `net.${proto}.neigh.default`;
      for (const [name, index, unit, min] of VARS) list.push(parmEntry(tbl, prefix, () => tbl.parms, name, index, unit, min));
      list.push(
        tableEntry(prefix, 'gc_interval', () => tbl.gcInterval, (v) => { tbl.gcInterval = v; }, 'sec', -2147483648),
        tableEntry(prefix, 'gc_thresh1', () => tbl.gcThresh1, (v) => { tbl.gcThresh1 = v; }, 'int', 0),
        tableEntry(prefix, 'gc_thresh2', () => tbl.gcThresh2, (v) => { tbl.gcThresh2 = v; }, 'int', 0),
        tableEntry(prefix, 'gc_thresh3', () => tbl.gcThresh3, (v) => { tbl.gcThresh3 = v; }, 'int', 0),
      );
    }
    for (const dev of net.devices) {
      if (!parmsOf(dev)) continue;
      const prefix = `net.${proto}.neigh.${dev.name}`;
      for (const [name, index, unit, min] of VARS) {
        list.push(parmEntry(tbl, prefix, () => neighDevParms(tbl, dev), name, index, unit, min));
      }
    }
    return list;
  });
}
