/**
 * The generic neighbour cache (Linux: net/core/neighbour.c, include/net/neighbour.h):
 * tables of `Neighbour` entries keyed by (protocol address, device), their NUD
 * state machine on kernel timers, the queue of packets waiting for resolution,
 * and the output functions the IP layers call. The structures and the table
 * set-up are in neighbour_table.ts, garbage collection, flushes and proxy
 * entries (pneigh) with the delayed proxy queue in neighbour_gc.ts (both
 * re-exported here), rtnetlink in neighbour_netlink.ts, sysctls in
 * neighbour_sysctl.ts. ARP (ipv4/arp.ts) is the first user;
 * NDISC will reuse it, so keys are generic: `primaryKey` bytes (network order,
 * `tbl.keyLen` long) plus `key32`, a u32 that is the whole key for IPv4
 * (host order) and a fold of the key for longer ones. Lookups compare key32
 * first, so IPv4 never touches the bytes.
 *
 * As in Linux a table is kernel-wide (one arp_tbl for every namespace: entries
 * carry their device, dumps filter by namespace, gc thresholds count all
 * entries) and its default parameters belong to the initial namespace.
 * Time: ages are ns of the kernel clock (Linux jiffies); parameters are ms.
 *
 * States (NUD_*), as neigh_timer_handler/__neigh_event_send/neigh_update drive them:
 * ```
 *   NONE --send--> INCOMPLETE --reply--> REACHABLE --reachable_time--> STALE
 *                  | probes out                ^  confirm      send |
 *                  v                           |                   v
 *                FAILED <--probes out-- PROBE <--delay_first_probe-- DELAY
 * ```
 * Refcount: the table holds one reference, a pending timer another, lookups
 * that Linux takes with neigh_hold one each; `ndm_refcnt` shows refcnt - 1.
 * The output path uses no-reference lookups (Linux: __neigh_lookup_noref).
 */
import { type NetDevice, IFF_LOOPBACK } from './netdevice.js';
import {
  type SkBuff, kfreeSkbReason, consumeSkb, skbClone, allocSkb, skbReserve, pskbExpandHead,
} from './skbuff.js';
import { devQueueXmit } from './dev.js';
import {
  SKB_DROP_REASON_NEIGH_DEAD, SKB_DROP_REASON_NEIGH_FAILED, SKB_DROP_REASON_NEIGH_QUEUEFULL,
  SKB_DROP_REASON_NOT_SPECIFIED, SKB_DROP_REASON_QUEUE_PURGE,
} from './drop_reason.js';
import {
  NUD_INCOMPLETE, NUD_REACHABLE, NUD_STALE, NUD_DELAY, NUD_PROBE, NUD_FAILED, NUD_NOARP,
  NUD_PERMANENT, NUD_IN_TIMER, NUD_VALID, NUD_CONNECTED, NTF_EXT_LEARNED, NTF_ROUTER, NTF_MANAGED,
} from '../wire/neighbour.js';
import { RTM_DELNEIGH, RTM_NEWNEIGH } from '../wire/rtnetlink.js';
import { EINVAL, ENETDOWN, ENOBUFS, EPERM } from '../socket/errno.js';
import type { NetlinkExtAck } from '../wire/netlink.js';
import { neighNotify } from './neighbour_netlink.js';
import {
  type NeighParms, type NeighTable, type HhCache, Neighbour, NEIGH_VAR_UCAST_PROBES, NEIGH_VAR_APP_PROBES,
  NEIGH_VAR_MCAST_PROBES, NEIGH_VAR_MCAST_REPROBES, NEIGH_VAR_RETRANS_TIME, NEIGH_VAR_BASE_REACHABLE_TIME,
  NEIGH_VAR_DELAY_PROBE_TIME, NEIGH_VAR_QUEUE_LEN_BYTES, NEIGH_UPDATE_F_OVERRIDE, NEIGH_UPDATE_F_WEAK_OVERRIDE,
  NEIGH_UPDATE_F_OVERRIDE_ISROUTER, NEIGH_UPDATE_F_USE, NEIGH_UPDATE_F_MANAGED, NEIGH_UPDATE_F_EXT_LEARNED,
  NEIGH_UPDATE_F_ISROUTER, NEIGH_UPDATE_F_ADMIN, neighVar, neighHashRnd,
} from './neighbour_table.js';
import { neighForcedGc, armGcWork, armManagedWork } from './neighbour_gc.js';

export * from './neighbour_table.js';
export * from './neighbour_gc.js';

const NS_PER_MS = 1e6;
const HZ_100 = 10 * NS_PER_MS; // Linux HZ/100

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */

function now(tbl: NeighTable): number {
  return tbl.kernel.clock.now();
}

/** Linux: neigh_hold(). */
export function neighHold(n: Neighbour): Neighbour {
  n.refcnt++;
  return n;
}

/** Linux: neigh_release(): the last reference destroys the entry. */
export function neighRelease(n: Neighbour): void {
  if (--n.refcnt === 0) neighDestroy(n);
}

/** Switch an entry to other parameters (Linux: neigh_parms_put + neigh_parms_clone in the constructor). */
export function neighSetParms(n: Neighbour, p: NeighParms): void {
  n.parms.refcnt--;
  n.parms = p;
  p.refcnt++;
}

/** Linux: dev_hard_header(). */
export function devHardHeader(skb: SkBuff, dev: NetDevice, type: number, daddr: Uint8Array | null,
  saddr: Uint8Array | null, len: number): number {
  if (!dev.headerOps) return 0;
  return dev.headerOps.create(skb, dev, type, daddr, saddr, len);
}

/** Room for the link header; the IP output path normally reserved it (Linux: ip_finish_output2's skb_expand_head). */
function ensureHeadroom(skb: SkBuff, need: number): void {
  const have = skb.data - skb.head;
  if (have < need) pskbExpandHead(skb, need - have + 16, 0);
}

/** Byte key equality on the first keyLen bytes. */
export function keyEq(a: Uint8Array, b: Uint8Array, len: number): boolean {
  for (let i = 0; i < len; i++) if (a[i] !== b[i]) return false;
  return true;
}

function bucketOf(tbl: NeighTable, key32: number, dev: NetDevice): number {
  return tbl.cfg.hash(key32, dev, tbl.hashRnd) >>> (32 - tbl.hashShift);
}

/* ------------------------------------------------------------------ */
/* Allocation, lookup, creation                                        */

/** Linux: neigh_mark_dead(). */
export function neighMarkDead(n: Neighbour): void {
  n.dead = true;
  if (n.onGcList) {
    n.tbl.gcList.delete(n);
    n.onGcList = false;
    n.tbl.gcEntries--;
  }
  if (n.onManagedList) {
    n.tbl.managedList.delete(n);
    n.onManagedList = false;
  }
}

/** Linux: neigh_update_gc_list(). */
function neighUpdateGcList(n: Neighbour): void {
  if (n.dead) return;
  const exempt = (n.nudState & NUD_PERMANENT) !== 0 || (n.flags & NTF_EXT_LEARNED) !== 0;
  if (exempt && n.onGcList) {
    n.tbl.gcList.delete(n);
    n.onGcList = false;
    n.tbl.gcEntries--;
  } else if (!exempt && !n.onGcList) {
    n.tbl.gcList.add(n);
    n.onGcList = true;
    n.tbl.gcEntries++;
  }
}

/** Linux: neigh_update_managed_list(). */
function neighUpdateManagedList(n: Neighbour): void {
  if (n.dead) return;
  const add = (n.flags & NTF_MANAGED) !== 0;
  if (!add && n.onManagedList) {
    n.tbl.managedList.delete(n);
    n.onManagedList = false;
  } else if (add && !n.onManagedList) {
    n.tbl.managedList.add(n);
    n.onManagedList = true;
    armManagedWork(n.tbl, 0);
  }
}

/** Unlink `n` from its hash chain. */
function neighUnhash(tbl: NeighTable, n: Neighbour): boolean {
  const h = bucketOf(tbl, n.key32, n.dev);
  let p = tbl.buckets[h] ?? null;
  if (p === n) {
    tbl.buckets[h] = n.next;
    return true;
  }
  while (p) {
    if (p.next === n) {
      p.next = n.next;
      return true;
    }
    p = p.next;
  }
  return false;
}

/** Linux: neigh_cleanup_and_release(). */
export function neighCleanupAndRelease(n: Neighbour): void {
  neighNotify(n, RTM_DELNEIGH, 0, 0);
  neighRelease(n);
}

/** Linux: neigh_remove_one() + neigh_del(): remove an unreferenced entry. */
export function neighRemoveOne(n: Neighbour): boolean {
  if (n.dead || n.refcnt !== 1) return false;
  neighUnhash(n.tbl, n);
  neighMarkDead(n);
  neighCleanupAndRelease(n);
  return true;
}

/** Linux: neigh_alloc(). Null when the table is full (gc_thresh3) and nothing could be evicted. */
function neighAlloc(tbl: NeighTable, dev: NetDevice, flags: number, exemptFromGc: boolean): Neighbour | null {
  const t = now(tbl);
  if (!exemptFromGc) {
    const entries = tbl.gcEntries++;
    if (entries >= tbl.gcThresh3 || (entries >= tbl.gcThresh2 && t > tbl.lastFlush + 5000 * NS_PER_MS)) {
      if (!neighForcedGc(tbl) && entries >= tbl.gcThresh3) {
        // Linux: net_info_ratelimited("%s: neighbor table overflow!\n")
        tbl.stats.tableFulls++;
        tbl.gcEntries--;
        return null;
      }
    }
  }
  const n = new Neighbour(tbl, dev, tbl.parms);
  n.updated = n.used = t;
  n.flags = flags;
  tbl.stats.allocs++;
  tbl.entries++;
  return n;
}

/** Linux: neigh_hash_grow(). */
function neighHashGrow(tbl: NeighTable, newShift: number): void {
  tbl.stats.hashGrows++;
  const old = tbl.buckets;
  tbl.hashShift = newShift;
  tbl.buckets = new Array<Neighbour | null>(1 << newShift).fill(null);
  neighHashRnd(tbl);
  for (let i = 0; i < old.length; i++) {
    let n = old[i] ?? null;
    while (n) {
      const next = n.next;
      const h = bucketOf(tbl, n.key32, n.dev);
      n.next = tbl.buckets[h] ?? null;
      tbl.buckets[h] = n;
      n = next;
    }
  }
}

/** Linux: ___neigh_lookup_noref() for 32-bit keys (IPv4: __ipv4_neigh_lookup_noref's body). */
export function neighLookupNoref32(tbl: NeighTable, key32: number, dev: NetDevice): Neighbour | null {
  let n = tbl.buckets[bucketOf(tbl, key32, dev)] ?? null;
  while (n) {
    if (n.key32 === key32 && n.dev === dev) return n;
    n = n.next;
  }
  return null;
}

/** Linux: __neigh_lookup_noref() (any key length). */
export function neighLookupNoref(tbl: NeighTable, key: Uint8Array, dev: NetDevice): Neighbour | null {
  const key32 = tbl.cfg.key32Of(key);
  if (tbl.keyLen === 4) return neighLookupNoref32(tbl, key32, dev);
  let n = tbl.buckets[bucketOf(tbl, key32, dev)] ?? null;
  while (n) {
    if (n.key32 === key32 && n.dev === dev && keyEq(n.primaryKey, key, tbl.keyLen)) return n;
    n = n.next;
  }
  return null;
}

/** Linux: neigh_lookup(): counted, and the caller holds a reference (neighRelease when done). */
export function neighLookup(tbl: NeighTable, key: Uint8Array, dev: NetDevice): Neighbour | null {
  tbl.stats.lookups++;
  const n = neighLookupNoref(tbl, key, dev);
  if (n) {
    neighHold(n);
    tbl.stats.hits++;
  }
  return n;
}

/**
 * Linux: ___neigh_create(). Returns the entry (a new one, or the one already
 * there for the same key once the constructor ran) or a negative errno.
 * With `wantRef` the caller holds a reference.
 */
export function neighCreateFull(tbl: NeighTable, key: Uint8Array, dev: NetDevice, flags: number,
  exemptFromGc: boolean, wantRef: boolean): Neighbour | number {
  const n = neighAlloc(tbl, dev, flags, exemptFromGc);
  if (!n) return -ENOBUFS;
  n.primaryKey.set(key.subarray(0, tbl.keyLen));
  n.key32 = tbl.cfg.key32Of(n.primaryKey);
  // Protocol specific setup (arp_constructor may rewrite the key: loopback/point-to-point use 0).
  const err = tbl.cfg.construct(n);
  n.key32 = tbl.cfg.key32Of(n.primaryKey);
  if (err < 0) {
    if (!exemptFromGc) tbl.gcEntries--;
    neighRelease(n);
    return err;
  }
  n.confirmed = now(tbl) - 2 * neighVar(n.parms, NEIGH_VAR_BASE_REACHABLE_TIME) * NS_PER_MS;
  if (tbl.entries > (1 << tbl.hashShift)) neighHashGrow(tbl, tbl.hashShift + 1);
  if (n.parms.dead) {
    if (!exemptFromGc) tbl.gcEntries--;
    neighRelease(n);
    return -EINVAL;
  }
  const h = bucketOf(tbl, n.key32, dev);
  for (let n1 = tbl.buckets[h] ?? null; n1; n1 = n1.next) {
    if (n1.dev === dev && n1.key32 === n.key32 && keyEq(n1.primaryKey, n.primaryKey, tbl.keyLen)) {
      if (wantRef) neighHold(n1);
      if (!exemptFromGc) tbl.gcEntries--;
      neighRelease(n);
      return n1;
    }
  }
  n.dead = false;
  if (!exemptFromGc) {
    tbl.gcList.add(n);
    n.onGcList = true;
  }
  if (n.flags & NTF_MANAGED) {
    tbl.managedList.add(n);
    n.onManagedList = true;
    armManagedWork(tbl, 0);
  }
  if (wantRef) neighHold(n);
  n.next = tbl.buckets[h] ?? null;
  tbl.buckets[h] = n;
  armGcWork(tbl);
  return n;
}

/** Linux: __neigh_create(): entries on loopback are exempt from gc. */
export function neighCreate(tbl: NeighTable, key: Uint8Array, dev: NetDevice, wantRef = true): Neighbour | number {
  return neighCreateFull(tbl, key, dev, 0, (dev.flags & IFF_LOOPBACK) !== 0, wantRef);
}

/** Linux: __neigh_lookup(): lookup with a reference, creating when `creat`; null on failure. */
export function neighLookupCreate(tbl: NeighTable, key: Uint8Array, dev: NetDevice, creat: boolean): Neighbour | null {
  const n = neighLookup(tbl, key, dev);
  if (n || !creat) return n;
  const r = neighCreate(tbl, key, dev, true);
  return typeof r === 'number' ? null : r;
}

/** Linux: neigh_destroy(): the last reference is gone. */
function neighDestroy(n: Neighbour): void {
  const tbl = n.tbl;
  tbl.stats.destroys++;
  if (!n.dead) return; // Linux: "Destroying alive neighbour"
  neighDelTimer(n);
  n.arpQueue.purge((skb) => kfreeSkbReason(skb, SKB_DROP_REASON_QUEUE_PURGE));
  n.arpQueueLenBytes = 0;
  n.parms.refcnt--;
  tbl.entries--;
}

/* ------------------------------------------------------------------ */
/* Timers and state                                                    */

/** Linux: neigh_add_timer(). */
function neighAddTimer(n: Neighbour, when: number): void {
  neighHold(n);
  if (n.used < n.confirmed) n.used = n.confirmed;
  n.tbl.kernel.modTimer(n.timer, when);
}

/** Linux: neigh_del_timer(). */
export function neighDelTimer(n: Neighbour): boolean {
  if ((n.nudState & NUD_IN_TIMER) && n.tbl.kernel.delTimer(n.timer)) {
    neighRelease(n);
    return true;
  }
  return false;
}

/** Linux: neigh_suspect(): leave the fast path. */
function neighSuspect(n: Neighbour): void {
  n.output = n.ops!.output;
}

/** Linux: neigh_connect(): take the fast path. */
function neighConnect(n: Neighbour): void {
  n.output = n.ops!.connectedOutput;
}

/** Linux: neigh_max_probes(). */
function neighMaxProbes(n: Neighbour): number {
  const p = n.parms;
  return neighVar(p, NEIGH_VAR_UCAST_PROBES) + neighVar(p, NEIGH_VAR_APP_PROBES) +
    (n.nudState & NUD_PROBE ? neighVar(p, NEIGH_VAR_MCAST_REPROBES) : neighVar(p, NEIGH_VAR_MCAST_PROBES));
}

/** Linux: neigh_invalidate(): resolution failed; report every queued packet. */
function neighInvalidate(n: Neighbour): void {
  n.tbl.stats.resFailed++;
  n.updated = now(n.tbl);
  let skb: SkBuff | null;
  while (n.nudState === NUD_FAILED && (skb = n.arpQueue.dequeue()) !== null) {
    n.arpQueueLenBytes -= skb.truesize;
    if (n.ops?.errorReport) n.ops.errorReport(n, skb);
    else kfreeSkbReason(skb, SKB_DROP_REASON_NEIGH_FAILED);
  }
  n.arpQueue.purge((s) => kfreeSkbReason(s, SKB_DROP_REASON_QUEUE_PURGE));
  n.arpQueueLenBytes = 0;
}

/** Linux: neigh_probe(): solicit, with a copy of the newest queued packet. */
function neighProbe(n: Neighbour): void {
  const tail = n.arpQueue.tail;
  // Keep the skb alive even if the queue overflows meanwhile.
  const skb = tail ? skbClone(tail) : null;
  if (n.ops?.solicit) n.ops.solicit(n, skb);
  n.probes++;
  if (skb) consumeSkb(skb);
}

/** Linux: neigh_timer_handler(). */
export function neighTimerHandler(n: Neighbour): void {
  const tbl = n.tbl;
  const state = n.nudState;
  const t = now(tbl);
  let next = t + 1000 * NS_PER_MS;
  let notify = false;
  const p = n.parms;
  if (!(state & NUD_IN_TIMER)) {
    neighRelease(n);
    return;
  }
  if (state & NUD_REACHABLE) {
    if (t <= n.confirmed + p.reachableTime * NS_PER_MS) {
      next = n.confirmed + p.reachableTime * NS_PER_MS;
    } else if (t <= n.used + neighVar(p, NEIGH_VAR_DELAY_PROBE_TIME) * NS_PER_MS) {
      n.nudState = NUD_DELAY;
      n.updated = t;
      neighSuspect(n);
      next = t + neighVar(p, NEIGH_VAR_DELAY_PROBE_TIME) * NS_PER_MS;
    } else {
      n.nudState = NUD_STALE;
      n.updated = t;
      neighSuspect(n);
      notify = true;
    }
  } else if (state & NUD_DELAY) {
    if (t <= n.confirmed + neighVar(p, NEIGH_VAR_DELAY_PROBE_TIME) * NS_PER_MS) {
      n.nudState = NUD_REACHABLE;
      n.updated = t;
      neighConnect(n);
      notify = true;
      next = n.confirmed + p.reachableTime * NS_PER_MS;
    } else {
      n.nudState = NUD_PROBE;
      n.updated = t;
      n.probes = 0;
      notify = true;
      next = t + Math.max(neighVar(p, NEIGH_VAR_RETRANS_TIME) * NS_PER_MS, HZ_100);
    }
  } else {
    // NUD_PROBE | NUD_INCOMPLETE
    next = t + Math.max(neighVar(p, NEIGH_VAR_RETRANS_TIME) * NS_PER_MS, HZ_100);
  }
  if ((n.nudState & (NUD_INCOMPLETE | NUD_PROBE)) && n.probes >= neighMaxProbes(n)) {
    n.nudState = NUD_FAILED;
    notify = true;
    neighInvalidate(n);
  } else {
    if (n.nudState & NUD_IN_TIMER) {
      if (next < t + HZ_100) next = t + HZ_100;
      if (!tbl.kernel.modTimer(n.timer, next)) neighHold(n);
    }
    if (n.nudState & (NUD_INCOMPLETE | NUD_PROBE)) neighProbe(n);
  }
  if (notify) neighUpdateNotify(n, 0);
  neighRelease(n);
}

/** Linux: neigh_event_send_probe() / neigh_event_send(): 0 = go ahead, 1 = queued or dropped. */
export function neighEventSend(n: Neighbour, skb: SkBuff | null, immediateOk = true): number {
  const t = now(n.tbl);
  n.used = t;
  if (!(n.nudState & (NUD_CONNECTED | NUD_DELAY | NUD_PROBE))) return neighEventSendSlow(n, skb, immediateOk);
  return 0;
}

/** Linux: __neigh_event_send(). */
function neighEventSendSlow(n: Neighbour, skb: SkBuff | null, immediateOk: boolean): number {
  let immediateProbe = false;
  const p = n.parms;
  const t = now(n.tbl);
  if (n.nudState & (NUD_CONNECTED | NUD_DELAY | NUD_PROBE)) return 0;
  if (n.dead) {
    if (n.nudState & NUD_STALE) return 0;
    if (skb) kfreeSkbReason(skb, SKB_DROP_REASON_NEIGH_DEAD);
    return 1;
  }
  if (!(n.nudState & (NUD_STALE | NUD_INCOMPLETE))) {
    if (neighVar(p, NEIGH_VAR_MCAST_PROBES) + neighVar(p, NEIGH_VAR_APP_PROBES)) {
      n.probes = neighVar(p, NEIGH_VAR_UCAST_PROBES);
      neighDelTimer(n);
      n.nudState = NUD_INCOMPLETE;
      n.updated = t;
      let next: number;
      if (!immediateOk) {
        next = t + 1;
      } else {
        immediateProbe = true;
        next = t + Math.max(neighVar(p, NEIGH_VAR_RETRANS_TIME) * NS_PER_MS, HZ_100);
      }
      neighAddTimer(n, next);
    } else {
      n.nudState = NUD_FAILED;
      n.updated = t;
      if (skb) kfreeSkbReason(skb, SKB_DROP_REASON_NEIGH_FAILED);
      return 1;
    }
  } else if (n.nudState & NUD_STALE) {
    neighDelTimer(n);
    n.nudState = NUD_DELAY;
    n.updated = t;
    neighAddTimer(n, t + neighVar(p, NEIGH_VAR_DELAY_PROBE_TIME) * NS_PER_MS);
  }
  let rc = 0;
  if (n.nudState === NUD_INCOMPLETE) {
    if (skb) {
      const limit = neighVar(p, NEIGH_VAR_QUEUE_LEN_BYTES);
      while (n.arpQueueLenBytes + skb.truesize > limit) {
        const buff = n.arpQueue.dequeue();
        if (!buff) break;
        n.arpQueueLenBytes -= buff.truesize;
        kfreeSkbReason(buff, SKB_DROP_REASON_NEIGH_QUEUEFULL);
        n.tbl.stats.unresDiscards++;
      }
      n.arpQueue.enqueueTail(skb);
      n.arpQueueLenBytes += skb.truesize;
    }
    rc = 1;
  }
  if (immediateProbe) neighProbe(n);
  return rc;
}

/** Linux: neigh_update_is_router(). */
function neighUpdateIsRouter(n: Neighbour, flags: number): boolean {
  const ndmFlags = flags & NEIGH_UPDATE_F_ISROUTER ? NTF_ROUTER : 0;
  if ((n.flags ^ ndmFlags) & NTF_ROUTER) {
    if (ndmFlags & NTF_ROUTER) n.flags |= NTF_ROUTER;
    else n.flags &= ~NTF_ROUTER;
    return true;
  }
  return false;
}

function addrEq(a: Uint8Array, b: Uint8Array, len: number): boolean {
  for (let i = 0; i < len; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Rebuild the cached header after the link address changed (Linux: neigh_update_hhs). */
function neighUpdateHhs(n: Neighbour): void {
  if (n.hh.hhLen) {
    n.hh.hhLen = 0;
    neighHhInit(n);
  }
}

/**
 * Linux: __neigh_update(). `lladdr` is the proposed link address (null: keep what
 * is known), `newState` the proposed state, `flags` NEIGH_UPDATE_F_*. Returns 0
 * or -errno (extack explains). The caller holds a reference.
 */
export function neighUpdate(n: Neighbour, lladdrIn: Uint8Array | null, newState: number, flags: number,
  nlmsgPid = 0, extack: NetlinkExtAck | null = null): number {
  const dev = n.dev;
  const old = n.nudState;
  const t = now(n.tbl);
  let newS = newState;
  let lladdr: Uint8Array | null = lladdrIn;
  let err = -EPERM;
  let notify = false;
  let gcUpdate = false;
  let managedUpdate = false;
  let updateIsrouter = 0;

  out: {
    if (n.dead) {
      if (extack) extack.msg = 'Neighbor entry is now dead';
      newS = old;
      break out;
    }
    if (!(flags & NEIGH_UPDATE_F_ADMIN) && (old & (NUD_NOARP | NUD_PERMANENT))) break out;

    // Linux: neigh_update_flags().
    if (flags & NEIGH_UPDATE_F_ADMIN) {
      const ndmFlags = (flags & NEIGH_UPDATE_F_EXT_LEARNED ? NTF_EXT_LEARNED : 0) |
        (flags & NEIGH_UPDATE_F_MANAGED ? NTF_MANAGED : 0);
      if ((n.flags ^ ndmFlags) & NTF_EXT_LEARNED) {
        n.flags = ndmFlags & NTF_EXT_LEARNED ? n.flags | NTF_EXT_LEARNED : n.flags & ~NTF_EXT_LEARNED;
        notify = true;
        gcUpdate = true;
      }
      if ((n.flags ^ ndmFlags) & NTF_MANAGED) {
        n.flags = ndmFlags & NTF_MANAGED ? n.flags | NTF_MANAGED : n.flags & ~NTF_MANAGED;
        notify = true;
        managedUpdate = true;
      }
    }
    if (flags & (NEIGH_UPDATE_F_USE | NEIGH_UPDATE_F_MANAGED)) {
      newS = old & ~NUD_PERMANENT;
      n.nudState = newS;
      err = 0;
      break out;
    }
    if (!(newS & NUD_VALID)) {
      neighDelTimer(n);
      if (old & NUD_CONNECTED) neighSuspect(n);
      n.nudState = newS;
      err = 0;
      notify = (old & NUD_VALID) !== 0;
      if ((old & (NUD_INCOMPLETE | NUD_PROBE)) && (newS & NUD_FAILED)) {
        neighInvalidate(n);
        notify = true;
      }
      break out;
    }

    // Compare the new link address with the cached one.
    if (!dev.addrLen) {
      // First case: the device needs no address.
      lladdr = n.ha;
    } else if (lladdr) {
      // Something is cached and a new address is proposed: same one?
      if ((old & NUD_VALID) && addrEq(lladdr, n.ha, dev.addrLen)) lladdr = n.ha;
    } else {
      // No address supplied: use what we know, or refuse.
      err = -EINVAL;
      if (!(old & NUD_VALID)) {
        if (extack) extack.msg = 'No link layer address given';
        break out;
      }
      lladdr = n.ha;
    }

    // Update the confirmation time even if the binding did not change.
    if (newS & NUD_CONNECTED) n.confirmed = t;

    // A valid entry with an unchanged address keeps its state when told STALE.
    err = 0;
    updateIsrouter = flags & NEIGH_UPDATE_F_OVERRIDE_ISROUTER;
    if (old & NUD_VALID) {
      if (lladdr !== n.ha && !(flags & NEIGH_UPDATE_F_OVERRIDE)) {
        updateIsrouter = 0;
        if ((flags & NEIGH_UPDATE_F_WEAK_OVERRIDE) && (old & NUD_CONNECTED)) {
          lladdr = n.ha;
          newS = NUD_STALE;
        } else {
          break out;
        }
      } else if (lladdr === n.ha && newS === NUD_STALE && !(flags & NEIGH_UPDATE_F_ADMIN)) {
        newS = old;
      }
    }

    // Move the locktime window only for real changes.
    if (newS !== old || lladdr !== n.ha) n.updated = t;

    if (newS !== old) {
      neighDelTimer(n);
      if (newS & NUD_PROBE) n.probes = 0;
      if (newS & NUD_IN_TIMER) neighAddTimer(n, t + (newS & NUD_REACHABLE ? n.parms.reachableTime * NS_PER_MS : 0));
      n.nudState = newS;
      notify = true;
    }

    if (lladdr !== n.ha) {
      n.ha.set(lladdr.subarray(0, dev.addrLen));
      neighUpdateHhs(n);
      if (!(newS & NUD_CONNECTED)) {
        n.confirmed = t - 2 * neighVar(n.parms, NEIGH_VAR_BASE_REACHABLE_TIME) * NS_PER_MS;
      }
      notify = true;
    }
    if (newS === old) break out;
    if (newS & NUD_CONNECTED) neighConnect(n);
    else neighSuspect(n);
    if (!(old & NUD_VALID)) {
      // Again: avoid a dead loop if something went wrong.
      let skb: SkBuff | null;
      while ((n.nudState & NUD_VALID) && (skb = n.arpQueue.dequeue()) !== null) {
        n.arpQueueLenBytes -= skb.truesize;
        n.output(n, skb);
      }
      n.arpQueue.purge((s) => kfreeSkbReason(s, SKB_DROP_REASON_QUEUE_PURGE));
      n.arpQueueLenBytes = 0;
    }
  }
  if (updateIsrouter && neighUpdateIsRouter(n, flags)) notify = true;
  if (((newS ^ old) & NUD_PERMANENT) || gcUpdate) neighUpdateGcList(n);
  if (managedUpdate) neighUpdateManagedList(n);
  if (notify) neighUpdateNotify(n, nlmsgPid);
  return err;
}

/** Linux: __neigh_set_probe_once(): listen for probe replies even in NUD_FAILED. */
export function neighSetProbeOnce(n: Neighbour): void {
  if (n.dead) return;
  const t = now(n.tbl);
  n.updated = t;
  if (!(n.nudState & NUD_FAILED)) return;
  n.nudState = NUD_INCOMPLETE;
  n.probes = neighMaxProbes(n);
  neighAddTimer(n, t + Math.max(neighVar(n.parms, NEIGH_VAR_RETRANS_TIME) * NS_PER_MS, HZ_100));
}

/**
 * Linux: neigh_event_ns(): a solicitation from `saddr` told us its link address:
 * lookup (creating when an address came), then STALE with override. The caller
 * releases the returned entry.
 */
export function neighEventNs(tbl: NeighTable, lladdr: Uint8Array | null, saddr: Uint8Array, dev: NetDevice): Neighbour | null {
  const n = neighLookupCreate(tbl, saddr, dev, lladdr !== null || !dev.addrLen);
  if (n) neighUpdate(n, lladdr, NUD_STALE, NEIGH_UPDATE_F_OVERRIDE, 0);
  return n;
}

/** Linux: neigh_confirm(): an upper layer saw forward progress. */
export function neighConfirm(n: Neighbour | null): void {
  if (n) n.confirmed = now(n.tbl);
}

/** Linux: neigh_update_notify(). */
function neighUpdateNotify(n: Neighbour, pid: number): void {
  neighNotify(n, RTM_NEWNEIGH, 0, pid);
}

/* ------------------------------------------------------------------ */
/* Output                                                              */

/** Linux: neigh_blackhole(): the entry is dead. */
export function neighBlackhole(_n: Neighbour, skb: SkBuff): number {
  kfreeSkbReason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
  return -ENETDOWN;
}

/**
 * Linux: neigh_hh_init() + header_ops->cache: build the link header once into
 * the entry's cache. Works for any header_ops: the header is built in a scratch
 * buffer by `create` (Ethernet: eth_header).
 */
function neighHhInit(n: Neighbour): void {
  const dev = n.dev;
  const hh = n.hh;
  if (hh.hhLen || !dev.headerOps) return;
  const scratch = allocSkb(64);
  skbReserve(scratch, 64);
  const r = dev.headerOps.create(scratch, dev, n.tbl.protocol, n.ha, null, 0);
  if (r <= 0 || r > hh.hhData.length) return;
  hh.hhData.set(scratch.buf.subarray(scratch.data, scratch.data + r));
  hh.hhLen = r;
}

/** Linux: neigh_hh_output(): copy the cached header in front of the packet and transmit. */
export function neighHhOutput(hh: HhCache, skb: SkBuff): number {
  const hlen = hh.hhLen;
  if (skb.data - skb.head < hlen) ensureHeadroom(skb, hlen);
  const off = skb.data - hlen;
  skb.data = off;
  const b = skb.buf;
  const d = hh.hhData;
  for (let i = 0; i < hlen; i++) b[off + i] = d[i]!;
  return devQueueXmit(skb);
}

/** Linux: neigh_resolve_output(): slow and careful (resolve first, then build the header). */
export function neighResolveOutput(n: Neighbour, skb: SkBuff): number {
  if (neighEventSend(n, skb) !== 0) return 0;
  const dev = n.dev;
  if (dev.headerOps && n.hh.hhLen === 0) neighHhInit(n);
  if (skb.networkHeader >= 0) skb.data = skb.networkHeader;
  ensureHeadroom(skb, dev.hardHeaderLen);
  const err = devHardHeader(skb, dev, skb.protocol, n.ha, null, skb.len);
  if (err >= 0) return devQueueXmit(skb);
  kfreeSkbReason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
  return -EINVAL;
}

/** Linux: neigh_connected_output(): as fast as possible without the header cache. */
export function neighConnectedOutput(n: Neighbour, skb: SkBuff): number {
  const dev = n.dev;
  if (skb.networkHeader >= 0) skb.data = skb.networkHeader;
  ensureHeadroom(skb, dev.hardHeaderLen);
  const err = devHardHeader(skb, dev, skb.protocol, n.ha, null, skb.len);
  if (err >= 0) return devQueueXmit(skb);
  kfreeSkbReason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
  return -EINVAL;
}

/** Linux: neigh_direct_output(): devices without a link header. */
export function neighDirectOutput(_n: Neighbour, skb: SkBuff): number {
  return devQueueXmit(skb);
}

/**
 * Linux: neigh_output(): a connected entry with a cached header takes the fast
 * path (one header copy, no allocation); anything else goes through n.output.
 * Consumes the skb.
 */
export function neighOutput(n: Neighbour, skb: SkBuff, skipCache = false): number {
  if (!skipCache && (n.nudState & NUD_CONNECTED) && n.hh.hhLen) return neighHhOutput(n.hh, skb);
  return n.output(n, skb);
}

