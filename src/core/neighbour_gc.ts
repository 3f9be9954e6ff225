/**
 * Garbage collection, flushes and proxying of the neighbour cache (Linux:
 * net/core/neighbour.c neigh_forced_gc, neigh_flush_dev, neigh_changeaddr,
 * neigh_ifdown, neigh_carrier_down, neigh_periodic_work, neigh_managed_work,
 * pneigh_lookup/create/delete, pneigh_enqueue, neigh_proxy_process).
 */
import type { Net } from './net_namespace.js';
import { type NetDevice, netifRunning } from './netdevice.js';
import { type SkBuff, kfreeSkbReason } from './skbuff.js';
import { SkBuffHead } from './skb_queue.js';
import { SKB_DROP_REASON_NOT_SPECIFIED, SKB_DROP_REASON_QUEUE_PURGE } from './drop_reason.js';
import {
  NUD_FAILED, NUD_NOARP, NUD_PERMANENT, NUD_IN_TIMER, NUD_VALID, NUD_NONE, NTF_EXT_LEARNED,
} from '../wire/neighbour.js';
import { ENOENT } from '../socket/errno.js';
import {
  type Neighbour, type NeighTable, type NeighParms, PneighEntry, NeighbourCb, LOCALLY_ENQUEUED, PNEIGH_HASHMASK,
  NEIGH_VAR_BASE_REACHABLE_TIME, NEIGH_VAR_GC_STALETIME, NEIGH_VAR_INTERVAL_PROBE_TIME_MS, NEIGH_VAR_PROXY_DELAY,
  NEIGH_VAR_PROXY_QLEN, neighVar, neighRandReachTime, neighDevParms,
} from './neighbour_table.js';
import {
  neighRemoveOne, neighDelTimer, neighMarkDead, neighCleanupAndRelease, neighEventSend, neighBlackhole, keyEq,
} from './neighbour.js';

const NS_PER_MS = 1e6;

function now(tbl: NeighTable): number {
  return tbl.kernel.clock.now();
}

/** Linux: neigh_forced_gc(): evict up to gc_entries - gc_thresh2 old, failed or NOARP entries. */
export function neighForcedGc(tbl: NeighTable): number {
  const maxClean = tbl.gcEntries - tbl.gcThresh2;
  const t = now(tbl);
  const tref = t - 5000 * NS_PER_MS;
  let shrunk = 0;
  tbl.stats.forcedGcRuns++;
  for (const n of tbl.gcList) {
    if (n.refcnt !== 1) continue;
    const remove = n.nudState === NUD_FAILED || n.nudState === NUD_NOARP ||
      (tbl.cfg.isMulticast !== undefined && tbl.cfg.isMulticast(n.primaryKey)) ||
      !(n.updated >= tref && n.updated <= t);
    if (remove && neighRemoveOne(n)) shrunk++;
    if (shrunk >= maxClean) break;
  }
  tbl.lastFlush = t;
  return shrunk;
}

/* ------------------------------------------------------------------ */
/* Flushing on device events                                           */

/** Linux: neigh_flush_dev(). */
function neighFlushDev(tbl: NeighTable, dev: NetDevice | null, skipPerm: boolean): void {
  for (let i = 0; i < tbl.buckets.length; i++) {
    let prev: Neighbour | null = null;
    let n = tbl.buckets[i] ?? null;
    while (n) {
      const next: Neighbour | null = n.next;
      if ((dev && n.dev !== dev) || (skipPerm && (n.nudState & NUD_PERMANENT))) {
        prev = n;
        n = next;
        continue;
      }
      if (prev) prev.next = next;
      else tbl.buckets[i] = next;
      neighDelTimer(n);
      neighMarkDead(n);
      if (n.refcnt !== 1) {
        // Someone still uses it: destroy later, but make it safe now.
        n.arpQueue.purge((s) => kfreeSkbReason(s, SKB_DROP_REASON_QUEUE_PURGE));
        n.arpQueueLenBytes = 0;
        n.output = neighBlackhole;
        n.nudState = n.nudState & NUD_VALID ? NUD_NOARP : NUD_NONE;
      }
      neighCleanupAndRelease(n);
      n = next;
    }
  }
}

/** Linux: neigh_changeaddr(): the device's address (or NOARP) changed. */
export function neighChangeaddr(tbl: NeighTable, dev: NetDevice): void {
  neighFlushDev(tbl, dev, false);
}

/** Linux: pneigh_queue_purge(). */
function pneighQueuePurge(tbl: NeighTable, net: Net | null): void {
  const keep = new SkBuffHead();
  let skb: SkBuff | null;
  while ((skb = tbl.proxyQueue.dequeue()) !== null) {
    const dev = skb.dev!;
    if (net === null || dev.net === net) {
      const p = neighDevParms(tbl, dev);
      if (p) p.qlen--;
      kfreeSkbReason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
    } else {
      keep.enqueueTail(skb);
    }
  }
  while ((skb = keep.dequeue()) !== null) tbl.proxyQueue.enqueueTail(skb);
}

/** Linux: __neigh_ifdown(). */
function neighIfdownInner(tbl: NeighTable, dev: NetDevice | null, skipPerm: boolean): void {
  neighFlushDev(tbl, dev, skipPerm);
  pneighIfdown(tbl, dev);
  pneighQueuePurge(tbl, dev ? dev.net : null);
  if (tbl.proxyQueue.qlen === 0) tbl.kernel.delTimer(tbl.proxyTimer);
}

/** Linux: neigh_ifdown(): the device went down or away. */
export function neighIfdown(tbl: NeighTable, dev: NetDevice | null): number {
  neighIfdownInner(tbl, dev, false);
  return 0;
}

/** Linux: neigh_carrier_down(): carrier lost; permanent entries stay. */
export function neighCarrierDown(tbl: NeighTable, dev: NetDevice): number {
  neighIfdownInner(tbl, dev, true);
  return 0;
}

/* ------------------------------------------------------------------ */
/* Periodic work                                                       */

/** Arm the periodic gc while the table has entries (see neighTableInit). */
export function armGcWork(tbl: NeighTable): void {
  if (tbl.gcWork.pending()) return;
  tbl.kernel.modTimer(tbl.gcWork, now(tbl) + (neighVar(tbl.parms, NEIGH_VAR_BASE_REACHABLE_TIME) >> 1) * NS_PER_MS);
}

/** Arm the managed-entry refresh (neigh_managed_work). */
export function armManagedWork(tbl: NeighTable, delayMs: number): void {
  if (tbl.managedWork.pending()) return;
  tbl.kernel.modTimer(tbl.managedWork, now(tbl) + delayMs * NS_PER_MS);
}

/** Linux: neigh_periodic_work(). */
export function neighPeriodicWork(tbl: NeighTable): void {
  const t = now(tbl);
  tbl.stats.periodicGcRuns++;
  // Periodically recompute ReachableTime from the random function.
  if (t > tbl.lastRand + 300000 * NS_PER_MS) {
    tbl.lastRand = t;
    for (const p of tbl.parmsList) p.reachableTime = neighRandReachTime(tbl.kernel, neighVar(p, NEIGH_VAR_BASE_REACHABLE_TIME));
  }
  if (tbl.entries >= tbl.gcThresh1) {
    for (let i = 0; i < tbl.buckets.length; i++) {
      let prev: Neighbour | null = null;
      let n = tbl.buckets[i] ?? null;
      while (n) {
        const next: Neighbour | null = n.next;
        const state = n.nudState;
        if ((state & (NUD_PERMANENT | NUD_IN_TIMER)) || (n.flags & NTF_EXT_LEARNED)) {
          prev = n;
          n = next;
          continue;
        }
        if (n.used < n.confirmed && n.confirmed <= t) n.used = n.confirmed;
        const stale = neighVar(n.parms, NEIGH_VAR_GC_STALETIME) * NS_PER_MS;
        if (n.refcnt === 1 && (state === NUD_FAILED || !(t >= n.used && t < n.used + stale))) {
          if (prev) prev.next = next;
          else tbl.buckets[i] = next;
          neighMarkDead(n);
          neighCleanupAndRelease(n);
          n = next;
          continue;
        }
        prev = n;
        n = next;
      }
    }
  }
  // Cycle through all buckets every BASE_REACHABLE_TIME/2 (entries age out in 1/2..3/2 of it).
  if (tbl.entries > 0) armGcWork(tbl);
}

/** Linux: neigh_managed_work(): keep managed entries resolved. */
export function neighManagedWork(tbl: NeighTable): void {
  for (const n of tbl.managedList) neighEventSend(n, null, false);
  if (tbl.managedList.size > 0) armManagedWork(tbl, neighVar(tbl.parms, NEIGH_VAR_INTERVAL_PROBE_TIME_MS));
}

/* ------------------------------------------------------------------ */
/* Proxy entries and the proxy queue                                   */

/** Linux: pneigh_hash(). */
function pneighHash(key: Uint8Array, keyLen: number): number {
  const o = keyLen - 4;
  // The last four bytes as the kernel reads them (a little-endian load of network-order bytes).
  let h = (key[o]! | (key[o + 1]! << 8) | (key[o + 2]! << 16) | (key[o + 3]! << 24)) >>> 0;
  h ^= h >>> 16;
  h ^= h >>> 8;
  h ^= h >>> 4;
  return h & PNEIGH_HASHMASK;
}

/** Linux: __pneigh_lookup(): an entry for this device or for any device. */
export function pneighLookup(tbl: NeighTable, net: Net, key: Uint8Array, dev: NetDevice | null): PneighEntry | null {
  let n = tbl.phashBuckets[pneighHash(key, tbl.keyLen)] ?? null;
  while (n) {
    if (keyEq(n.key, key, tbl.keyLen) && n.net === net && (n.dev === dev || !n.dev)) return n;
    n = n.next;
  }
  return null;
}

/** Linux: pneigh_lookup(..., creat = 1) / pneigh_create(). Null on failure. */
export function pneighCreate(tbl: NeighTable, net: Net, key: Uint8Array, dev: NetDevice | null): PneighEntry | null {
  const found = pneighLookup(tbl, net, key, dev);
  if (found) return found;
  const n = new PneighEntry(net, dev, tbl.keyLen);
  n.key.set(key.subarray(0, tbl.keyLen));
  n.key32 = tbl.cfg.key32Of(n.key);
  if (tbl.cfg.pconstructor && tbl.cfg.pconstructor(n)) return null;
  const h = pneighHash(key, tbl.keyLen);
  n.next = tbl.phashBuckets[h] ?? null;
  tbl.phashBuckets[h] = n;
  return n;
}

/** Linux: pneigh_delete(). */
export function pneighDelete(tbl: NeighTable, net: Net, key: Uint8Array, dev: NetDevice | null): number {
  const h = pneighHash(key, tbl.keyLen);
  let prev: PneighEntry | null = null;
  for (let n = tbl.phashBuckets[h] ?? null; n; prev = n, n = n.next) {
    if (keyEq(n.key, key, tbl.keyLen) && n.dev === dev && n.net === net) {
      if (prev) prev.next = n.next;
      else tbl.phashBuckets[h] = n.next;
      tbl.cfg.pdestructor?.(n);
      return 0;
    }
  }
  return -ENOENT;
}

/** Linux: pneigh_ifdown_and_unlock(): forget the proxy entries of `dev` (all when null). */
function pneighIfdown(tbl: NeighTable, dev: NetDevice | null): void {
  for (let h = 0; h <= PNEIGH_HASHMASK; h++) {
    let prev: PneighEntry | null = null;
    let n = tbl.phashBuckets[h] ?? null;
    while (n) {
      const next = n.next;
      if (!dev || n.dev === dev) {
        if (prev) prev.next = next;
        else tbl.phashBuckets[h] = next;
        tbl.cfg.pdestructor?.(n);
      } else {
        prev = n;
      }
      n = next;
    }
  }
}

/** Every proxy entry in dump order (buckets, newest first in a bucket). */
export function* pneighEntries(tbl: NeighTable): Generator<PneighEntry> {
  for (let h = 0; h <= PNEIGH_HASHMASK; h++) {
    for (let n = tbl.phashBuckets[h] ?? null; n; n = n.next) yield n;
  }
}

/** Every entry in dump order (hash buckets, newest first in a bucket). */
export function* neighEntries(tbl: NeighTable): Generator<Neighbour> {
  for (let h = 0; h < tbl.buckets.length; h++) {
    for (let n = tbl.buckets[h] ?? null; n; n = n.next) yield n;
  }
}

/** Linux: neigh_proxy_delay(). */
function neighProxyDelay(tbl: NeighTable, p: NeighParms): number {
  const d = neighVar(p, NEIGH_VAR_PROXY_DELAY);
  return now(tbl) + (d ? tbl.kernel.rng.below(d) * NS_PER_MS : 0);
}

/** Linux: pneigh_enqueue(): answer a proxied request later (proxy_delay), at most proxy_qlen queued. */
export function pneighEnqueue(tbl: NeighTable, p: NeighParms, skb: SkBuff): void {
  let schedNext = neighProxyDelay(tbl, p);
  if (p.qlen > neighVar(p, NEIGH_VAR_PROXY_QLEN)) {
    kfreeSkbReason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
    return;
  }
  const cb = skb.cb instanceof NeighbourCb ? skb.cb : new NeighbourCb();
  cb.schedNext = schedNext;
  cb.flags |= LOCALLY_ENQUEUED;
  skb.cb = cb;
  const k = tbl.kernel;
  if (k.delTimer(tbl.proxyTimer) && tbl.proxyTimer.expires < schedNext) schedNext = tbl.proxyTimer.expires;
  skb.dst = null;
  tbl.proxyQueue.enqueueTail(skb);
  p.qlen++;
  k.modTimer(tbl.proxyTimer, schedNext);
}

/** Linux: neigh_proxy_process(): the proxy timer. */
export function neighProxyProcess(tbl: NeighTable): void {
  const t = now(tbl);
  let schedNext = 0;
  const keep = new SkBuffHead();
  let skb: SkBuff | null;
  while ((skb = tbl.proxyQueue.dequeue()) !== null) {
    const cb = skb.cb as NeighbourCb;
    const tdif = cb.schedNext - t;
    if (tdif <= 0) {
      const dev = skb.dev!;
      const p = neighDevParms(tbl, dev);
      if (p) p.qlen--;
      if (tbl.cfg.proxyRedo && netifRunning(dev)) tbl.cfg.proxyRedo(skb);
      else kfreeSkbReason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
    } else {
      if (!schedNext || tdif < schedNext) schedNext = tdif;
      keep.enqueueTail(skb);
    }
  }
  while ((skb = keep.dequeue()) !== null) tbl.proxyQueue.enqueueTail(skb);
  tbl.kernel.delTimer(tbl.proxyTimer);
  if (schedNext) tbl.kernel.modTimer(tbl.proxyTimer, now(tbl) + schedNext);
}
