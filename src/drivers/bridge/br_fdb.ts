/**
 * The bridge forwarding database (Linux: net/bridge/br_fdb.c): learning on
 * receive (br_fdb_update), the bridge's and ports' own addresses (local
 * entries), static entries added by userspace, ageing by a periodic gc
 * (br_fdb_cleanup) and flushing when a port leaves or goes down.
 *
 * Entries hash on the MAC (brMacHash; a chain per hash, a lookup compares
 * address and VLAN) and sit on one list, newest first, the order Linux dumps
 * them in. The gc is a kernel timer where Linux uses delayed work: it runs
 * every hold_time, or earlier when an entry will expire sooner, but never more
 * often than every 10 ms (Linux: "Cleanup minimum 10 milliseconds apart").
 *
 * This kernel is built like one without CONFIG_BRIDGE_VLAN_FILTERING (as the
 * reference host is): every entry has vlan 0, and a VLAN in a request is
 * "unconfigured" (-EINVAL).
 */
import {
  type NetBridge, type NetBridgePort, NetBridgeFdbEntry, BR_FDB_ADDED_BY_EXT_LEARN, BR_FDB_ADDED_BY_USER,
  BR_FDB_LOCAL, BR_FDB_LOCKED, BR_FDB_OFFLOADED, BR_FDB_STATIC, BR_FDB_STICKY, BR_GC_MIN_DELAY,
  BR_STATE_FORWARDING, BR_STATE_LEARNING, bridgeHooks, brPortGet, brPromiscPort, holdTime, brMacHash,
  brFromDev,
} from './br_private.js';
import { isValidEtherAddr, isZeroEtherAddr, etherAddrEqual, isMulticastEtherAddr } from '../../ethernet/eth.js';
import { devUcAdd, devUcDel } from '../../core/dev_addr_lists.js';
import { type NetDevice, netifIsBridgeMaster } from '../../core/netdevice.js';
import { EEXIST, EINVAL, ENOENT, EPERM } from '../../socket/errno.js';
import { RTM_DELNEIGH, RTM_NEWNEIGH } from '../../wire/rtnetlink.js';
import {
  NUD_NOARP, NUD_PERMANENT, NUD_REACHABLE, NUD_STALE, NTF_EXT_LEARNED, NTF_EXT_LOCKED, NTF_STICKY, NTF_USE,
} from '../../wire/if_bridge.js';
import { NLM_F_CREATE, NLM_F_EXCL } from '../../wire/netlink.js';

export {
  NUD_INCOMPLETE, NUD_REACHABLE, NUD_STALE, NUD_DELAY, NUD_PROBE, NUD_FAILED, NUD_NOARP, NUD_PERMANENT, NTF_USE,
  NTF_SELF, NTF_MASTER, NTF_PROXY, NTF_EXT_LEARNED, NTF_OFFLOADED, NTF_STICKY, NTF_ROUTER, NTF_EXT_LOCKED,
} from '../../wire/if_bridge.js';
export { NLM_F_REPLACE, NLM_F_EXCL, NLM_F_CREATE, NLM_F_APPEND } from '../../wire/netlink.js';

function now(br: NetBridge): number {
  return br.kernel.clock.now();
}

/** Linux: fdb_find_rcu(). */
export function brFdbFind(br: NetBridge, addr: Uint8Array, vid: number, off = 0): NetBridgeFdbEntry | null {
  let f = br.fdbHash.get(brMacHash(addr, off)) ?? null;
  while (f && (f.vlanId !== vid || !etherAddrEqual(f.addr, 0, addr, off))) f = f.hashNext;
  return f;
}

/** Linux: has_expired(). */
export function hasExpired(br: NetBridge, f: NetBridgeFdbEntry): boolean {
  return (f.flags & (BR_FDB_STATIC | BR_FDB_ADDED_BY_EXT_LEARN)) === 0 && f.updated + holdTime(br) <= now(br);
}

/** Linux: fdb_to_nud(). */
export function fdbToNud(br: NetBridge, f: NetBridgeFdbEntry): number {
  if (f.flags & BR_FDB_LOCAL) return NUD_PERMANENT;
  if (f.flags & BR_FDB_STATIC) return NUD_NOARP;
  if (hasExpired(br, f)) return NUD_STALE;
  return NUD_REACHABLE;
}

function fdbNotify(br: NetBridge, f: NetBridgeFdbEntry, type: number): void {
  bridgeHooks(br.kernel)?.fdbNotify(br, f, type);
}

/** Linux: fdb_create(): hash it and put it at the head of fdb_list. */
function fdbCreate(br: NetBridge, source: NetBridgePort | null, addr: Uint8Array, vid: number, flags: number): NetBridgeFdbEntry {
  const key = brMacHash(addr);
  const f = new NetBridgeFdbEntry(source, addr.slice(0, 6), vid, key, now(br));
  f.flags = flags;
  f.hashNext = br.fdbHash.get(key) ?? null;
  br.fdbHash.set(key, f);
  f.listNext = br.fdbList;
  if (br.fdbList) br.fdbList.listPrev = f;
  br.fdbList = f;
  br.fdbCount++;
  return f;
}

/** Linux: fdb_delete(): unhash, unlist, tell userspace. */
export function fdbDelete(br: NetBridge, f: NetBridgeFdbEntry): void {
  if (f.flags & BR_FDB_STATIC) fdbDelHwAddr(br, f.addr);
  let h = br.fdbHash.get(f.key) ?? null;
  if (h === f) {
    if (f.hashNext) br.fdbHash.set(f.key, f.hashNext);
    else br.fdbHash.delete(f.key);
  } else {
    while (h && h.hashNext !== f) h = h.hashNext;
    if (h) h.hashNext = f.hashNext;
  }
  if (f.listPrev) f.listPrev.listNext = f.listNext;
  else br.fdbList = f.listNext;
  if (f.listNext) f.listNext.listPrev = f.listPrev;
  f.listPrev = f.listNext = f.hashNext = null;
  br.fdbCount--;
  fdbNotify(br, f, RTM_DELNEIGH);
}

/** Entries in dump order (Linux: hlist_for_each_entry(f, &br->fdb_list)). */
export function brFdbEntries(br: NetBridge): NetBridgeFdbEntry[] {
  const out: NetBridgeFdbEntry[] = [];
  for (let f = br.fdbList; f; f = f.listNext) out.push(f);
  return out;
}

/**
 * Linux: fdb_add_hw_addr(): a static address must pass the unicast filter of
 * every port that is not promiscuous.
 */
function fdbAddHwAddr(br: NetBridge, addr: Uint8Array): void {
  for (const p of br.portList) if (!brPromiscPort(p)) devUcAdd(p.dev, addr);
}

/** Linux: fdb_del_hw_addr(). */
function fdbDelHwAddr(br: NetBridge, addr: Uint8Array): void {
  for (const p of br.portList) if (!brPromiscPort(p)) devUcDel(p.dev, addr);
}

/** Linux: br_fdb_sync_static(): program static addresses into a non-promiscuous port. */
export function brFdbSyncStatic(br: NetBridge, p: NetBridgePort): number {
  for (let f = br.fdbList; f; f = f.listNext) {
    if (!(f.flags & BR_FDB_STATIC) || isMulticastEtherAddr(f.addr)) continue;
    const err = devUcAdd(p.dev, f.addr);
    if (err) return err;
  }
  return 0;
}

/** Linux: br_fdb_unsync_static(). */
export function brFdbUnsyncStatic(br: NetBridge, p: NetBridgePort): void {
  for (let f = br.fdbList; f; f = f.listNext) {
    if (!(f.flags & BR_FDB_STATIC) || isMulticastEtherAddr(f.addr)) continue;
    devUcDel(p.dev, f.addr);
  }
}

/**
 * Linux: fdb_delete_local(): a local entry stays if another port, or the
 * bridge itself, has the same address; it then moves there.
 */
function fdbDeleteLocal(br: NetBridge, p: NetBridgePort | null, f: NetBridgeFdbEntry): void {
  for (const op of br.portList) {
    if (op !== p && etherAddrEqual(op.dev.devAddr, 0, f.addr, 0)) {
      f.dst = op;
      f.flags &= ~BR_FDB_ADDED_BY_USER;
      return;
    }
  }
  if (p && etherAddrEqual(br.dev.devAddr, 0, f.addr, 0)) {
    f.dst = null;
    f.flags &= ~BR_FDB_ADDED_BY_USER;
    return;
  }
  fdbDelete(br, f);
}

/** Linux: fdb_add_local() / br_fdb_add_local(): the address of a port or of the bridge. */
export function brFdbAddLocal(br: NetBridge, source: NetBridgePort | null, addr: Uint8Array, vid: number): number {
  if (!isValidEtherAddr(addr)) return -EINVAL;
  const old = brFdbFind(br, addr, vid);
  if (old) {
    // "it is okay to have multiple ports with same address, just use the first one."
    if (old.flags & BR_FDB_LOCAL) return 0;
    // Linux warns: "adding interface %s with same address as a received packet".
    fdbDelete(br, old);
  }
  const f = fdbCreate(br, source, addr, vid, BR_FDB_LOCAL | BR_FDB_STATIC);
  fdbAddHwAddr(br, addr);
  fdbNotify(br, f, RTM_NEWNEIGH);
  return 0;
}

/** Linux: br_fdb_changeaddr(): a port changed its MAC. */
export function brFdbChangeaddr(p: NetBridgePort, newaddr: Uint8Array): void {
  const br = p.br;
  for (let f = br.fdbList; f; f = f.listNext) {
    if (f.dst === p && f.flags & BR_FDB_LOCAL && !(f.flags & BR_FDB_ADDED_BY_USER)) {
      fdbDeleteLocal(br, p, f);
      break;
    }
  }
  brFdbAddLocal(br, p, newaddr, 0);
}

/** Linux: br_fdb_change_mac_address(): the bridge device changed its MAC. */
export function brFdbChangeMacAddress(br: NetBridge, newaddr: Uint8Array): void {
  const f = brFdbFind(br, br.dev.devAddr, 0);
  if (f && f.flags & BR_FDB_LOCAL && !f.dst && !(f.flags & BR_FDB_ADDED_BY_USER)) fdbDeleteLocal(br, null, f);
  brFdbAddLocal(br, null, newaddr, 0);
}

/**
 * Linux: br_fdb_cleanup(): delete what has aged out, then sleep until the next
 * entry would (at most hold_time, at least 10 ms).
 */
export function brFdbCleanup(br: NetBridge): void {
  const delay = holdTime(br);
  let workDelay = delay;
  const t = now(br);
  for (let f = br.fdbList; f;) {
    const next = f.listNext;
    if (!(f.flags & (BR_FDB_STATIC | BR_FDB_ADDED_BY_EXT_LEARN))) {
      const thisTimer = f.updated + delay;
      if (thisTimer > t) workDelay = Math.min(workDelay, thisTimer - t);
      else fdbDelete(br, f);
    }
    f = next;
  }
  workDelay = Math.max(workDelay, BR_GC_MIN_DELAY);
  br.kernel.modTimer(br.gcTimer, t + workDelay);
}

/** Linux: br_fdb_flush() (IFLA_BR_FDB_FLUSH): drop every non-static entry. */
export function brFdbFlush(br: NetBridge): void {
  for (let f = br.fdbList; f;) {
    const next = f.listNext;
    if (!(f.flags & BR_FDB_STATIC)) fdbDelete(br, f);
    f = next;
  }
}

/**
 * Linux: br_fdb_delete_by_port(): flush a port's entries; `doAll` also takes the
 * static and local ones (the port is leaving).
 */
export function brFdbDeleteByPort(br: NetBridge, p: NetBridgePort | null, vid: number, doAll: boolean): void {
  for (let f = br.fdbList; f;) {
    const next = f.listNext;
    if (f.dst === p) {
      const keep = !doAll && ((f.flags & BR_FDB_STATIC) !== 0 ||
        ((f.flags & BR_FDB_ADDED_BY_EXT_LEARN) !== 0 && (f.flags & BR_FDB_OFFLOADED) === 0) ||
        (vid !== 0 && f.vlanId !== vid));
      if (!keep) {
        if (f.flags & BR_FDB_LOCAL) fdbDeleteLocal(br, p, f);
        else fdbDelete(br, f);
      }
    }
    f = next;
  }
}

/**
 * Linux: br_fdb_update(): learn (or refresh) that `addr` lives behind `source`.
 * The MAC is read in place at `off` of `buf` (the frame's source address).
 */
export function brFdbUpdate(br: NetBridge, source: NetBridgePort, buf: Uint8Array, off: number, vid: number, flags: number): void {
  // "some users want to always flood."
  if (holdTime(br) === 0) return;
  const f = brFdbFind(br, buf, vid, off);
  if (f) {
    // Linux warns (rate limited) about a frame with our own address as source.
    if (f.flags & BR_FDB_LOCAL) return;
    const t = now(br);
    let modified = false;
    if (t !== f.updated) f.updated = t;
    if (source !== f.dst && !(f.flags & BR_FDB_STICKY)) {
      f.dst = source;
      modified = true;
      f.flags &= ~(BR_FDB_ADDED_BY_EXT_LEARN | BR_FDB_LOCKED);
    }
    if (flags & BR_FDB_ADDED_BY_USER) f.flags |= BR_FDB_ADDED_BY_USER;
    if (modified) fdbNotify(br, f, RTM_NEWNEIGH);
    return;
  }
  const n = fdbCreate(br, source, buf.subarray(off, off + 6), vid, flags);
  fdbNotify(br, n, RTM_NEWNEIGH);
}

/** Linux: br_fdb_external_learn_add() (NTF_EXT_LEARNED from userspace). */
export function brFdbExternalLearnAdd(br: NetBridge, p: NetBridgePort | null, addr: Uint8Array, vid: number, swdevNotify: boolean): number {
  let f = brFdbFind(br, addr, vid);
  if (!f) {
    let flags = BR_FDB_ADDED_BY_EXT_LEARN;
    if (swdevNotify) flags |= BR_FDB_ADDED_BY_USER;
    if (!p) flags |= BR_FDB_LOCAL;
    f = fdbCreate(br, p, addr, vid, flags);
    fdbNotify(br, f, RTM_NEWNEIGH);
    return 0;
  }
  let modified = false;
  f.updated = now(br);
  if (f.dst !== p) {
    f.dst = p;
    modified = true;
  }
  if (!(f.flags & BR_FDB_ADDED_BY_EXT_LEARN)) {
    f.flags |= BR_FDB_ADDED_BY_EXT_LEARN;
    modified = true;
  }
  if (swdevNotify) f.flags |= BR_FDB_ADDED_BY_USER;
  if (!p) f.flags |= BR_FDB_LOCAL;
  if (modified) fdbNotify(br, f, RTM_NEWNEIGH);
  return 0;
}

/** What an RTM_NEWNEIGH request for AF_BRIDGE carries (struct ndmsg + attributes). */
export interface FdbRequest {
  state: number;
  flags: number;
  /** NDA_FLAGS_EXT */
  extFlags: number;
}

/** Linux: fdb_add_entry(): a static/local/dynamic entry from userspace. */
function fdbAddEntry(br: NetBridge, source: NetBridgePort | null, addr: Uint8Array, req: FdbRequest, nlFlags: number, vid: number): number {
  const isSticky = (req.flags & NTF_STICKY) !== 0;
  const state = req.state;
  // "If the port cannot learn allow only local and static entries"
  if (source && !(state & NUD_PERMANENT) && !(state & NUD_NOARP) &&
    !(source.state === BR_STATE_LEARNING || source.state === BR_STATE_FORWARDING)) return -EPERM;
  // Linux: "bridge: RTM_NEWNEIGH %s without NUD_PERMANENT"
  if (!source && !(state & NUD_PERMANENT)) return -EINVAL;
  if (isSticky && state & NUD_PERMANENT) return -EINVAL;
  let modified = false;
  let f = brFdbFind(br, addr, vid);
  if (!f) {
    if (!(nlFlags & NLM_F_CREATE)) return -ENOENT;
    f = fdbCreate(br, source, addr, vid, 0);
    modified = true;
  } else {
    if (nlFlags & NLM_F_EXCL) return -EEXIST;
    if (f.dst !== source) {
      f.dst = source;
      modified = true;
    }
  }
  if (fdbToNud(br, f) !== state) {
    if (state & NUD_PERMANENT) {
      f.flags |= BR_FDB_LOCAL;
      if (!(f.flags & BR_FDB_STATIC)) {
        f.flags |= BR_FDB_STATIC;
        fdbAddHwAddr(br, addr);
      }
    } else if (state & NUD_NOARP) {
      f.flags &= ~BR_FDB_LOCAL;
      if (!(f.flags & BR_FDB_STATIC)) {
        f.flags |= BR_FDB_STATIC;
        fdbAddHwAddr(br, addr);
      }
    } else {
      f.flags &= ~BR_FDB_LOCAL;
      if (f.flags & BR_FDB_STATIC) {
        f.flags &= ~BR_FDB_STATIC;
        fdbDelHwAddr(br, addr);
      }
    }
    modified = true;
  }
  if (isSticky !== ((f.flags & BR_FDB_STICKY) !== 0)) {
    f.flags ^= BR_FDB_STICKY;
    modified = true;
  }
  if (f.flags & BR_FDB_LOCKED) {
    f.flags &= ~BR_FDB_LOCKED;
    modified = true;
  }
  f.flags |= BR_FDB_ADDED_BY_USER;
  const t = now(br);
  f.used = t;
  if (modified) {
    f.updated = t;
    fdbNotify(br, f, RTM_NEWNEIGH);
  }
  return 0;
}

/** Linux: the bridge and port a request names (a bridge device, or a port). */
function brAndPort(dev: NetDevice): [NetBridge, NetBridgePort | null] | null {
  if (netifIsBridgeMaster(dev)) return [brFromDev(dev), null];
  const p = brPortGet(dev);
  return p ? [p.br, p] : null;
}

/** Linux: br_fdb_add() (ndo_fdb_add of the bridge). Returns 0 or -errno; `extack` gets Linux's message. */
export function brFdbAdd(req: FdbRequest, dev: NetDevice, addr: Uint8Array, vid: number, nlFlags: number, extack: { msg?: string }): number {
  // Linux: "bridge: RTM_NEWNEIGH with invalid state %#x"
  if (!(req.state & (NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE))) return -EINVAL;
  if (isZeroEtherAddr(addr)) return -EINVAL;
  const bp = brAndPort(dev);
  if (!bp) return -EINVAL;
  const [br, p] = bp;
  if (req.extFlags & NTF_EXT_LOCKED) {
    extack.msg = 'Cannot add FDB entry with "locked" flag set';
    return -EINVAL;
  }
  // No VLAN filtering in this kernel: any VLAN is unconfigured.
  if (vid) return -EINVAL;
  if (req.flags & NTF_USE) {
    if (!p) return -EINVAL;
    if (p.state === BR_STATE_LEARNING || p.state === BR_STATE_FORWARDING) {
      brFdbUpdate(br, p, addr, 0, vid, BR_FDB_ADDED_BY_USER);
    }
    return 0;
  }
  if (req.flags & NTF_EXT_LEARNED) {
    if (!p && !(req.state & NUD_PERMANENT)) {
      extack.msg = 'FDB entry towards bridge must be permanent';
      return -EINVAL;
    }
    return brFdbExternalLearnAdd(br, p, addr, vid, true);
  }
  return fdbAddEntry(br, p, addr, req, nlFlags, vid);
}

/** Linux: br_fdb_delete() (ndo_fdb_del of the bridge). */
export function brFdbDeleteUser(dev: NetDevice, addr: Uint8Array, vid: number): number {
  const bp = brAndPort(dev);
  // Linux: "bridge: RTM_DELNEIGH %s not a bridge port"
  if (!bp) return -EINVAL;
  const [br, p] = bp;
  if (vid) return -EINVAL;
  const f = brFdbFind(br, addr, vid);
  if (!f || f.dst !== p) return -ENOENT;
  fdbDelete(br, f);
  return 0;
}

/** Linux: br_fdb_find_port(): the port behind `addr`, for other subsystems. */
export function brFdbFindPort(brDev: NetDevice, addr: Uint8Array, vid: number): NetDevice | null {
  if (!netifIsBridgeMaster(brDev)) return null;
  const f = brFdbFind(brFromDev(brDev), addr, vid);
  return f && f.dst ? f.dst.dev : null;
}
