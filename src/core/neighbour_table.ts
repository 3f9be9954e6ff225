/**
 * The neighbour cache's structures (Linux: include/net/neighbour.h struct
 * neigh_parms, struct neighbour, struct neigh_ops, struct pneigh_entry, struct
 * neigh_table, enum NEIGH_VAR_*, NEIGH_UPDATE_F_*) and the table and parameter
 * set-up of net/core/neighbour.c (neigh_table_init, neigh_parms_alloc/release,
 * lookup_neigh_parms). The state machine is in neighbour.ts, garbage
 * collection, flushes and proxying in neighbour_gc.ts.
 */
import type { Kernel, Net } from './net_namespace.js';
import type { NetDevice } from './netdevice.js';
import type { SkBuff } from './skbuff.js';
import { SkBuffHead } from './skb_queue.js';
import { TimerList } from './timer.js';
import { NUD_NONE, MAX_ADDR_LEN } from '../wire/neighbour.js';
import type { NetlinkExtAck } from '../wire/netlink.js';
import { neighTimerHandler, neighBlackhole } from './neighbour.js';
import { neighProxyProcess, neighPeriodicWork, neighManagedWork } from './neighbour_gc.js';

const NS_PER_MS = 1e6;

/* struct neigh_parms data indices (Linux: enum NEIGH_VAR_*). Times are ms. */
export const NEIGH_VAR_MCAST_PROBES = 0;
export const NEIGH_VAR_UCAST_PROBES = 1;
export const NEIGH_VAR_APP_PROBES = 2;
export const NEIGH_VAR_MCAST_REPROBES = 3;
export const NEIGH_VAR_RETRANS_TIME = 4;
export const NEIGH_VAR_BASE_REACHABLE_TIME = 5;
export const NEIGH_VAR_DELAY_PROBE_TIME = 6;
export const NEIGH_VAR_INTERVAL_PROBE_TIME_MS = 7;
export const NEIGH_VAR_GC_STALETIME = 8;
export const NEIGH_VAR_QUEUE_LEN_BYTES = 9;
export const NEIGH_VAR_PROXY_QLEN = 10;
export const NEIGH_VAR_ANYCAST_DELAY = 11;
export const NEIGH_VAR_PROXY_DELAY = 12;
export const NEIGH_VAR_LOCKTIME = 13;
export const NEIGH_VAR_DATA_MAX = 14;
/* Second names of the same data, and the table-only values (sysctl indices). */
export const NEIGH_VAR_QUEUE_LEN = 14;
export const NEIGH_VAR_RETRANS_TIME_MS = 15;
export const NEIGH_VAR_BASE_REACHABLE_TIME_MS = 16;
export const NEIGH_VAR_GC_INTERVAL = 17;
export const NEIGH_VAR_GC_THRESH1 = 18;
export const NEIGH_VAR_GC_THRESH2 = 19;
export const NEIGH_VAR_GC_THRESH3 = 20;
export const NEIGH_VAR_MAX = 21;

/* neigh_update() flags (Linux: NEIGH_UPDATE_F_*). */
export const NEIGH_UPDATE_F_OVERRIDE = 1 << 0;
export const NEIGH_UPDATE_F_WEAK_OVERRIDE = 1 << 1;
export const NEIGH_UPDATE_F_OVERRIDE_ISROUTER = 1 << 2;
export const NEIGH_UPDATE_F_USE = 1 << 3;
export const NEIGH_UPDATE_F_MANAGED = 1 << 4;
export const NEIGH_UPDATE_F_EXT_LEARNED = 1 << 5;
export const NEIGH_UPDATE_F_ISROUTER = 1 << 6;
export const NEIGH_UPDATE_F_ADMIN = 1 << 7;

/* Tables (Linux: enum NEIGH_ARP_TABLE ...). */
export const NEIGH_ARP_TABLE = 0;
export const NEIGH_ND_TABLE = 1;
export const NEIGH_NR_TABLES = 2;

/** Linux: PNEIGH_HASHMASK. */
export const PNEIGH_HASHMASK = 0xf;
/** NEIGH_CB(skb)->flags: queued by pneigh_enqueue (Linux: LOCALLY_ENQUEUED). */
export const LOCALLY_ENQUEUED = 0x1;

/** Linux: struct neighbour_cb, the control block of skbs on the proxy queue. */
export class NeighbourCb {
  schedNext = 0;
  flags = 0;
}

/** Linux: NEIGH_CB(skb)->flags (0 when the skb has no neighbour control block). */
export function neighCbFlags(skb: SkBuff): number {
  return skb.cb instanceof NeighbourCb ? skb.cb.flags : 0;
}

/** Linux: struct neigh_parms: per-device (or table default) parameters. */
export class NeighParms {
  readonly tbl: NeighTable;
  dev: NetDevice | null;
  net: Net;
  /** NEIGH_VAR_* values up to NEIGH_VAR_DATA_MAX (times in ms). */
  readonly data: Int32Array;
  /** Bit i set: data[i] was written for this parms and no longer follows the default. */
  dataState = 0;
  /** Randomised reachable time in ms (Linux: reachable_time). */
  reachableTime = 0;
  /** Skbs of this device on the proxy queue. */
  qlen = 0;
  dead = false;
  refcnt = 1;
  constructor(tbl: NeighTable, dev: NetDevice | null, net: Net, data: Int32Array) {
    this.tbl = tbl;
    this.dev = dev;
    this.net = net;
    this.data = data;
  }
}

/** Linux: struct neigh_statistics (one "CPU"). */
export class NeighStatistics {
  allocs = 0;
  destroys = 0;
  hashGrows = 0;
  resFailed = 0;
  lookups = 0;
  hits = 0;
  rcvProbesMcast = 0;
  rcvProbesUcast = 0;
  periodicGcRuns = 0;
  forcedGcRuns = 0;
  unresDiscards = 0;
  tableFulls = 0;
}

export type NeighOutputFn = (n: Neighbour, skb: SkBuff) => number;

/** Linux: struct neigh_ops. */
export interface NeighOps {
  family: number;
  solicit: ((n: Neighbour, skb: SkBuff | null) => void) | null;
  errorReport: ((n: Neighbour, skb: SkBuff) => void) | null;
  output: NeighOutputFn;
  connectedOutput: NeighOutputFn;
}

/** Linux: struct hh_cache: the link header to a resolved neighbour, ready to copy. */
export class HhCache {
  hhLen = 0;
  readonly hhData = new Uint8Array(32);
}

/** Linux: struct neighbour. */
export class Neighbour {
  /** Hash chain. */
  next: Neighbour | null = null;
  readonly tbl: NeighTable;
  parms: NeighParms;
  /** Last confirmation of reachability, last state/address change, last use (ns). */
  confirmed = 0;
  updated = 0;
  used = 0;
  readonly timer: TimerList;
  probes = 0;
  /** NTF_* (extended bits from NTF_EXT_SHIFT up). */
  flags = 0;
  nudState = NUD_NONE;
  /** RTN_* of the address (Linux: neigh->type). */
  type = 0;
  dead = true;
  protocol = 0;
  readonly arpQueue = new SkBuffHead();
  arpQueueLenBytes = 0;
  output: NeighOutputFn = neighBlackhole;
  ops: NeighOps | null = null;
  /** Link-layer address, dev.addrLen bytes. */
  readonly ha: Uint8Array;
  readonly hh = new HhCache();
  dev: NetDevice;
  /** The key in network byte order (tbl.keyLen bytes). */
  readonly primaryKey: Uint8Array;
  /** IPv4: the address (host order u32); longer keys: a fold used to hash and pre-compare. */
  key32 = 0;
  refcnt = 1;
  onGcList = false;
  onManagedList = false;
  constructor(tbl: NeighTable, dev: NetDevice, parms: NeighParms) {
    this.tbl = tbl;
    this.dev = dev;
    this.parms = parms;
    this.ha = new Uint8Array(Math.min(Math.max(dev.addrLen, 0), MAX_ADDR_LEN));
    this.primaryKey = new Uint8Array(tbl.keyLen);
    this.timer = new TimerList(() => neighTimerHandler(this));
    parms.refcnt++;
  }
}

/** Linux: struct pneigh_entry (a proxy entry: answer for this address). */
export class PneighEntry {
  next: PneighEntry | null = null;
  flags = 0;
  protocol = 0;
  readonly key: Uint8Array;
  key32 = 0;
  constructor(readonly net: Net, readonly dev: NetDevice | null, keyLen: number) {
    this.key = new Uint8Array(keyLen);
  }
}

/** What a protocol supplies when it creates its table (Linux: the neigh_table initialiser). */
export interface NeighTableConfig {
  family: number;
  keyLen: number;
  /** Link protocol of the packets it resolves for (ETH_P_IP). */
  protocol: number;
  id: string;
  /** Hash of (key32, dev) with the table's random (Linux: tbl->hash). */
  hash(key32: number, dev: NetDevice, rnd: Uint32Array): number;
  /** key32 of a byte key. */
  key32Of(key: Uint8Array): number;
  construct(n: Neighbour): number;
  pconstructor?(n: PneighEntry): number;
  pdestructor?(n: PneighEntry): void;
  proxyRedo?(skb: SkBuff): void;
  isMulticast?(key: Uint8Array): boolean;
  allowAdd?(dev: NetDevice, extack: NetlinkExtAck): boolean;
  /** Default parameters (NEIGH_VAR_* up to DATA_MAX) and table values. */
  data: Int32Array;
  gcInterval: number;
  gcThresh1: number;
  gcThresh2: number;
  gcThresh3: number;
}

/** Linux: struct neigh_table. */
export class NeighTable {
  readonly kernel: Kernel;
  readonly family: number;
  readonly keyLen: number;
  readonly protocol: number;
  readonly id: string;
  readonly cfg: NeighTableConfig;
  /** Default parameters (net.ipv4.neigh.default, init_net's). */
  readonly parms: NeighParms;
  /** Every parms of the table, default first, then newest device first (Linux: parms_list). */
  readonly parmsList: NeighParms[] = [];
  readonly parmsByDev = new Map<NetDevice, NeighParms>();
  /** ms */
  gcInterval: number;
  gcThresh1: number;
  gcThresh2: number;
  gcThresh3: number;
  entries = 0;
  gcEntries = 0;
  /** Entries the forced gc may evict, oldest first (Linux: gc_list). */
  readonly gcList = new Set<Neighbour>();
  readonly managedList = new Set<Neighbour>();
  buckets: (Neighbour | null)[];
  hashShift: number;
  readonly hashRnd = new Uint32Array(4);
  readonly phashBuckets: (PneighEntry | null)[] = new Array<PneighEntry | null>(PNEIGH_HASHMASK + 1).fill(null);
  readonly proxyTimer: TimerList;
  readonly proxyQueue = new SkBuffHead();
  readonly stats = new NeighStatistics();
  /** ns */
  lastFlush = 0;
  lastRand = 0;
  readonly gcWork: TimerList;
  readonly managedWork: TimerList;

  constructor(k: Kernel, cfg: NeighTableConfig) {
    this.kernel = k;
    this.cfg = cfg;
    this.family = cfg.family;
    this.keyLen = cfg.keyLen;
    this.protocol = cfg.protocol;
    this.id = cfg.id;
    this.parms = new NeighParms(this, null, k.initNet, Int32Array.from(cfg.data));
    this.gcInterval = cfg.gcInterval;
    this.gcThresh1 = cfg.gcThresh1;
    this.gcThresh2 = cfg.gcThresh2;
    this.gcThresh3 = cfg.gcThresh3;
    this.hashShift = 3;
    this.buckets = new Array<Neighbour | null>(1 << this.hashShift).fill(null);
    this.proxyTimer = new TimerList(() => neighProxyProcess(this));
    // Linux queues neigh_periodic_work on system_power_efficient_wq: housekeeping
    // that never wakes an idle machine (see TimerList's deferrable).
    this.gcWork = new TimerList(() => neighPeriodicWork(this), true);
    this.managedWork = new TimerList(() => neighManagedWork(this));
  }
}

/** Linux: SKB_TRUESIZE(ETH_FRAME_LEN) on x86-64 (1514 + 256 + 320): one packet of unres_qlen / NDTPA_QUEUE_LEN. */
export const SKB_TRUESIZE_ETH_FRAME = 2090;

/** Kernel ticks: HZ 250 as on the reference host (4 ms jiffies). */
export const NEIGH_HZ = 250;

/** Linux: msecs_to_jiffies() expressed back in ms: rounded up to a whole jiffy (4 ms at HZ 250). */
export function neighMsecsRound(ms: number): number {
  const j = 1000 / NEIGH_HZ;
  return ms <= 0 ? 0 : Math.ceil(ms / j) * j;
}

/** Linux: NEIGH_VAR(). */
export function neighVar(p: NeighParms, index: number): number {
  return p.data[index]!;
}

/** Linux: neigh_rand_reach_time(): uniform in [base/2, 3*base/2) jiffies, from the kernel's rng (result in ms). */
export function neighRandReachTime(k: Kernel, base: number): number {
  const j = 1000 / NEIGH_HZ;
  const bj = Math.round(base / j);
  return bj > 0 ? (k.rng.below(bj) + (bj >> 1)) * j : 0;
}

/* ------------------------------------------------------------------ */
/* Tables and parameters                                               */

/** The kernel's neighbour tables (Linux: neigh_tables[]). */
export function neighTables(k: Kernel): (NeighTable | null)[] {
  let t = k.generic.get('neigh_tables') as (NeighTable | null)[] | undefined;
  if (!t) {
    t = new Array<NeighTable | null>(NEIGH_NR_TABLES).fill(null);
    k.generic.set('neigh_tables', t);
  }
  return t;
}

/** Linux: neigh_find_table(). */
export function neighFindTable(k: Kernel, family: number): NeighTable | null {
  for (const t of neighTables(k)) if (t && t.family === family) return t;
  return null;
}

/** Linux: neigh_hash_alloc()'s random words (get_random_u32() | 1). */
export function neighHashRnd(tbl: NeighTable): void {
  for (let i = 0; i < tbl.hashRnd.length; i++) tbl.hashRnd[i] = (tbl.kernel.rng.u32() | 1) >>> 0;
}

/**
 * Linux: neigh_table_init(). The periodic gc runs while the table has entries
 * (Linux runs it forever; with no entries it only re-randomises reachable_time,
 * so an idle virtual clock is not kept ticking). Managed entries are refreshed
 * every interval_probe_time_ms while there are any.
 */
export function neighTableInit(k: Kernel, index: number, tbl: NeighTable): void {
  tbl.parmsList.push(tbl.parms);
  tbl.parms.reachableTime = neighRandReachTime(k, neighVar(tbl.parms, NEIGH_VAR_BASE_REACHABLE_TIME));
  neighHashRnd(tbl);
  const t = k.clock.now();
  tbl.lastFlush = t;
  tbl.lastRand = t + tbl.parms.reachableTime * 20 * NS_PER_MS;
  neighTables(k)[index] = tbl;
}

/** Linux: lookup_neigh_parms(). */
export function lookupNeighParms(tbl: NeighTable, net: Net, ifindex: number): NeighParms | null {
  for (const p of tbl.parmsList) {
    if ((p.dev && p.dev.ifindex === ifindex && p.net === net) || (!p.dev && !ifindex && net === tbl.kernel.initNet)) return p;
  }
  return null;
}

/** Linux: neigh_parms_alloc(): a device's copy of the table defaults. */
export function neighParmsAlloc(dev: NetDevice, tbl: NeighTable): NeighParms {
  const p = new NeighParms(tbl, dev, dev.net, Int32Array.from(tbl.parms.data));
  p.reachableTime = neighRandReachTime(tbl.kernel, neighVar(p, NEIGH_VAR_BASE_REACHABLE_TIME));
  // Linux: list_add(&p->list, &tbl->parms.list): right after the default.
  tbl.parmsList.splice(1, 0, p);
  tbl.parmsByDev.set(dev, p);
  return p;
}

/** Linux: neigh_parms_release(). */
export function neighParmsRelease(tbl: NeighTable, p: NeighParms | null): void {
  if (!p || p === tbl.parms) return;
  const i = tbl.parmsList.indexOf(p);
  if (i >= 0) tbl.parmsList.splice(i, 1);
  if (p.dev && tbl.parmsByDev.get(p.dev) === p) tbl.parmsByDev.delete(p.dev);
  p.dead = true;
}

/** Linux: neigh_get_dev_parms_rcu(). */
export function neighDevParms(tbl: NeighTable, dev: NetDevice): NeighParms | null {
  return tbl.parmsByDev.get(dev) ?? null;
}

