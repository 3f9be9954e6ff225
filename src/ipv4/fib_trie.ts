/**
 * The IPv4 routing table: a longest-prefix-match trie per table (Linux:
 * net/ipv4/fib_trie.c). The semantics are Linux's: each prefix holds a list of
 * FibAlias ordered by tos then priority; fib_table_insert honours NLM_F_EXCL /
 * REPLACE / APPEND / CREATE with Linux's errors and extack messages;
 * fib_table_delete matches type, scope, prefsrc, protocol, nexthops and metrics;
 * fib_table_lookup walks from the longest matching prefix to shorter ones, skipping
 * aliases whose tos, scope, dead flags or oif do not fit, and fails with the error of
 * a reject route (fib_props: unreachable -EHOSTUNREACH, prohibit -EACCES, blackhole
 * -EINVAL, throw -EAGAIN) or -EAGAIN when nothing matches.
 *
 * The layout is not Linux's LC-trie: fib_trie_nodes.ts keeps the trie (fixed
 * 8-bit strides), the prefixes, their alias lists and the interned FibInfo in typed
 * arrays, so that a full Internet table costs about 95 bytes per route and a
 * lookup normally reads one slot. A dump walks prefixes in Linux's order (key
 * ascending, then longer prefixes first, then alias order) from a sorted index
 * rebuilt only after a change.
 */
import type { Net } from '../core/net_namespace.js';
import type { NlMsgBuilder, NetlinkExtAck } from '../wire/netlink.js';
import { NLM_F_APPEND, NLM_F_CREATE, NLM_F_DUMP_FILTERED, NLM_F_EXCL, NLM_F_MULTI, NLM_F_REPLACE } from '../wire/netlink.js';
import type { NetlinkCallback } from '../netlink/af_netlink.js';
import { EAGAIN, EEXIST, EINVAL, ENOENT, ESRCH } from '../socket/errno.js';
import { RTM_DELROUTE, RTM_NEWROUTE } from '../wire/rtnetlink.js';
import { RTNH_F_DEAD, RTNH_F_LINKDOWN, RT_SCOPE_NOWHERE } from '../wire/route.js';
import type { Flowi4 } from './rtable.js';
import { rtGenidBumpIpv4 } from './netns_ipv4.js';
import {
  type FibConfig, type FibDumpFilter, type FibInfo, type FibResult, FibAlias, FA_S_ACCESSED, FIB_LOOKUP_IGNORE_LINKSTATE,
  FIB_PROPS_ERROR, FLOWI_FLAG_SKIP_NH_OIF,
} from './fib_lookup.js';
import {
  FibTrie, FW_FAST, FW_INFO_MASK, FW_INFO_SHIFT, FW_LEN, FW_TYPE_SHIFT, KEYLENGTH, makeMask, metaState, metaTos, metaType,
} from './fib_trie_nodes.js';
import {
  fibCreateInfo, fibReleaseInfo, fibNhMatch, fibMetricsMatch, fibDumpInfo, rtmsgFib, ipIgnoreLinkdown,
  fibInfoNhUsesDev,
} from './fib_semantics.js';

/**
 * Linux: struct fib_table with its trie (tb_data). Created by fibTrieTable(); the
 * frontend (fib_frontend.ts) keeps the tables of a namespace.
 */
export class FibTable {
  readonly tbId: number;
  /** Number of default (/0) routes (Linux: tb_num_default), for fib_select_default. */
  tbNumDefault = 0;
  /** The prefixes and their aliases (Linux: tb_data). */
  readonly trie = new FibTrie();

  constructor(id: number) {
    this.tbId = id;
  }

  /** Number of prefixes in the table. */
  get count(): number {
    return this.trie.count;
  }

  /** A copy of alias `ref` of prefix `id`. */
  aliasView(id: number, ref: number): FibAlias {
    const t = this.trie;
    const meta = t.aliasMeta(ref);
    const fa = new FibAlias(t.aliasInfo(ref), metaTos(meta), metaType(meta), KEYLENGTH - t.pfxLen(id), this.tbId);
    fa.faState = metaState(meta);
    fa.faDefault = t.aliasDefault(ref);
    return fa;
  }

  /** The prefix a lookup result matched (its id; 0 when gone). */
  resultPrefix(res: FibResult): number {
    return res.faPfx !== 0 ? res.faPfx : this.trie.findPrefix(res.prefix, res.prefixlen);
  }

  /** Copies of the aliases of prefix `id`, linked by `next` (FibResult.faHead). */
  aliasList(id: number): FibAlias | null {
    if (id === 0 || !this.trie.live(id)) return null;
    let head: FibAlias | null = null;
    let tail: FibAlias | null = null;
    for (let ref = -id; ref !== 0; ref = this.trie.aliasNext(ref)) {
      const fa = this.aliasView(id, ref);
      if (tail === null) head = fa;
      else tail.next = fa;
      tail = fa;
    }
    return head;
  }
}

/** Linux: fib_trie_table(): a new, empty table. */
export function fibTrieTable(id: number): FibTable {
  return new FibTable(id);
}

/** Linux: fib_valid_key_len(). */
function fibValidKeyLen(key: number, plen: number, extack: NetlinkExtAck | undefined): boolean {
  if (plen > KEYLENGTH) {
    if (extack) extack.msg = 'Invalid prefix length';
    return false;
  }
  if (plen < KEYLENGTH && ((key << plen) | 0) !== 0) {
    if (extack) extack.msg = 'Invalid prefix for given prefix length';
    return false;
  }
  return true;
}

/**
 * Linux: fib_find_alias(): the first alias of prefix `id` with tos <= `tos` whose
 * priority is >= `prio` (or whose tos is lower); 0 when none.
 */
function fibFindAlias(t: FibTrie, id: number, tos: number, prio: number): number {
  for (let ref = -id; ref !== 0; ref = t.aliasNext(ref)) {
    const faTos = metaTos(t.aliasMeta(ref));
    if (faTos > tos) continue;
    if (t.aliasInfo(ref).fibPriority >= prio || faTos < tos) return ref;
  }
  return 0;
}

/** Alias meta (fib_trie_nodes.ts) from tos, type and state. */
function aliasMeta(tos: number, type: number, state: number): number {
  return (tos << 8) | (type << 16) | (state << 24);
}

/** Linux: rt_cache_flush(). */
function rtCacheFlush(net: Net): void {
  rtGenidBumpIpv4(net);
}

/**
 * Linux: fib_table_insert(). 0 or -errno: -EINVAL (bad prefix, or from
 * fib_create_info), -EEXIST (NLM_F_EXCL, or the very same route exists), -ENOENT (no
 * NLM_F_CREATE and nothing to replace).
 */
export function fibTableInsert(net: Net, tb: FibTable, cfg: FibConfig, extack?: NetlinkExtAck): number {
  const t = tb.trie;
  const plen = cfg.fcDstLen;
  const key = cfg.fcDst >>> 0;
  const tos = cfg.fcTos;
  let nlflags = NLM_F_EXCL;
  if (!fibValidKeyLen(key, plen, extack)) return -EINVAL;

  const fi = fibCreateInfo(net, cfg, extack);
  if (typeof fi === 'number') return fi;

  const slen = KEYLENGTH - plen;
  const id = t.findPrefix(key, plen);
  let fa = id !== 0 ? fibFindAlias(t, id, tos, fi.fibPriority) : 0;

  // fa, when set, is the first alias with the same (tos, priority), or the one to insert before.
  if (fa !== 0 && metaTos(t.aliasMeta(fa)) === tos && t.aliasInfo(fa).fibPriority === fi.fibPriority) {
    if (cfg.fcNlflags & NLM_F_EXCL) {
      fibReleaseInfo(fi);
      return -EEXIST;
    }
    nlflags &= ~NLM_F_EXCL;
    // Find an exact duplicate (type and info), and the alias NLM_F_APPEND inserts before.
    let faMatch = 0;
    const faFirst = fa;
    for (; fa !== 0; fa = t.aliasNext(fa)) {
      const meta = t.aliasMeta(fa);
      const afi = t.aliasInfo(fa);
      if (metaTos(meta) !== tos || afi.fibPriority !== fi.fibPriority) break;
      if (metaType(meta) === cfg.fcType && afi === fi) {
        faMatch = fa;
        break;
      }
    }
    if (cfg.fcNlflags & NLM_F_REPLACE) {
      nlflags |= NLM_F_REPLACE;
      if (faMatch !== 0) {
        fibReleaseInfo(fi);
        return faFirst === faMatch ? 0 : -EEXIST;
      }
      const old = faFirst;
      const fiDrop = t.aliasInfo(old);
      const oldInfo = t.aliasInfoIdx(old);
      const state = metaState(t.aliasMeta(old));
      rtmsgFib(RTM_NEWROUTE, key, new FibAlias(fi, tos, cfg.fcType, slen, tb.tbId), plen, tb.tbId, cfg.fcNlinfo, nlflags);
      t.replaceAlias(old, aliasMeta(tos, cfg.fcType, state & ~FA_S_ACCESSED), t.infoGet(fi));
      t.infoPut(oldInfo);
      fibReleaseInfo(fiDrop);
      if (state & FA_S_ACCESSED) rtCacheFlush(cfg.fcNlinfo.nlNet);
      return 0;
    }
    // Error if we find a perfect match which uses the same scope, type, and nexthop information.
    if (faMatch !== 0) {
      fibReleaseInfo(fi);
      return -EEXIST;
    }
    if (cfg.fcNlflags & NLM_F_APPEND) nlflags |= NLM_F_APPEND;
    else fa = faFirst;
  }
  if (!(cfg.fcNlflags & NLM_F_CREATE)) {
    fibReleaseInfo(fi);
    return -ENOENT;
  }
  nlflags |= NLM_F_CREATE;
  const meta = aliasMeta(tos, cfg.fcType, 0);
  if (id === 0) t.addPrefix(key, plen, meta, t.infoGet(fi));
  else t.insertAlias(id, fa, meta, t.infoGet(fi));
  if (plen === 0) tb.tbNumDefault++;
  rtCacheFlush(cfg.fcNlinfo.nlNet);
  rtmsgFib(RTM_NEWROUTE, key, new FibAlias(fi, tos, cfg.fcType, slen, tb.tbId), plen, tb.tbId, cfg.fcNlinfo, nlflags);
  return 0;
}

/** The first usable nexthop of `fi` for the flow (fib_table_lookup's nexthop loop), -1 when none. */
function fibNhSelectFirst(fi: FibInfo, flp: Flowi4, fibFlags: number): number {
  const nhs = fi.fibNhs;
  for (let nhsel = 0; nhsel < nhs; nhsel++) {
    const nhc = fi.fibNh[nhsel]!;
    if (nhc.fibNhFlags & RTNH_F_DEAD) continue;
    if ((nhc.fibNhFlags & RTNH_F_LINKDOWN) && !(fibFlags & FIB_LOOKUP_IGNORE_LINKSTATE) &&
      ipIgnoreLinkdown(nhc.fibNhDev)) continue;
    if (!(flp.flags & FLOWI_FLAG_SKIP_NH_OIF) && flp.oif !== 0 && flp.oif !== nhc.fibNhOif) continue;
    return nhsel;
  }
  return -1;
}

/**
 * Linux: fib_table_lookup(). 0 with `res` filled, a reject route's error, or -EAGAIN
 * when no route fits (the caller tries the next table/rule).
 *
 * The trie slot of the longest match says whether its first alias can be taken
 * from the slot alone (fib_trie_nodes.ts FW_FAST: tos 0, already accessed); if that
 * alias fits the flow, that is the answer. Otherwise the prefix's aliases are
 * checked in order from its record, then shorter prefixes, as Linux backtracks.
 */
export function fibTableLookup(tb: FibTable, flp: Flowi4, res: FibResult, fibFlags: number): number {
  const t = tb.trie;
  const key = flp.daddr >>> 0;
  const fw = t.lpm(key);
  if (fw & FW_FAST) {
    const fi = t.infos[(fw >>> FW_INFO_SHIFT) & FW_INFO_MASK]!;
    const type = (fw >>> FW_TYPE_SHIFT) & 0xf;
    // The common case: a live unicast (or local ...) route whose first nexthop fits.
    if (!fi.fibDead && fi.fibScope >= flp.scope && FIB_PROPS_ERROR[type] === 0 && !(fi.fibFlags & RTNH_F_DEAD)) {
      const nhc = fi.fibNh[0]!;
      if (nhc.fibNhFlags === 0 && (flp.oif === 0 || flp.oif === nhc.fibNhOif)) {
        const len = fw & FW_LEN;
        res.prefix = (key & PREFIX_MASK[len]!) >>> 0;
        res.prefixlen = len;
        res.nhSel = 0;
        // Stores of unchanged objects are skipped: a reused result keeps them (no write barrier).
        if (res.nhc !== nhc) res.nhc = nhc;
        if (res.fi !== fi) res.fi = fi;
        if (res.table !== tb) res.table = tb;
        res.type = type;
        res.scope = fi.fibScope;
        res.tos = 0;
        res.faPfx = 0;
        return 0;
      }
    }
  }
  return fw === 0 ? -EAGAIN : fibTableLookupSlow(tb, flp, res, fibFlags, key, fw);
}

/** fib_table_lookup() beyond the fast case: every alias of the prefix in order, then shorter prefixes. */
function fibTableLookupSlow(tb: FibTable, flp: Flowi4, res: FibResult, fibFlags: number, key: number, fw: number): number {
  const t = tb.trie;
  let len = fw & FW_LEN;
  let id = t.findPrefix((key & PREFIX_MASK[len]!) >>> 0, len);
  while (id !== 0) {
    const b = id << 2;
    // The first alias is in the prefix record; the others in t.arec.
    let meta = t.prec[b + 1]!;
    let info = t.prec[b + 2]!;
    let next = t.prec[b + 3]!;
    let ref = -id;
    for (;;) {
      const fi = t.infos[info]!;
      const faTos = (meta >>> 8) & 0xff;
      if ((faTos === 0 || faTos === flp.tos) && !fi.fibDead && fi.fibScope >= flp.scope) {
        if (!(meta & FA_S_ACCESSED_META)) t.aliasSetState(ref, FA_S_ACCESSED);
        const type = (meta >>> 16) & 0xff;
        const err = FIB_PROPS_ERROR[type]!;
        if (err < 0) return err;
        if (!(fi.fibFlags & RTNH_F_DEAD)) {
          const nhsel = fibNhSelectFirst(fi, flp, fibFlags);
          if (nhsel >= 0) {
            res.prefix = t.pfxKey(id);
            res.prefixlen = len;
            res.nhSel = nhsel;
            res.nhc = fi.fibNh[nhsel]!;
            res.type = type;
            res.scope = fi.fibScope;
            res.fi = fi;
            res.table = tb;
            res.tos = faTos;
            res.faPfx = id;
            return 0;
          }
        }
      }
      if (next === 0) break;
      ref = next;
      const a = next << 2;
      meta = t.arec[a]!;
      info = t.arec[a + 1]!;
      next = t.arec[a + 2]!;
    }
    id = t.lpmShorter(key, len);
    len = id !== 0 ? t.pfxLen(id) : 0;
  }
  return -EAGAIN;
}

/** inet_make_mask() by length. */
const PREFIX_MASK = Uint32Array.from({ length: 33 }, (_, l) => makeMask(l));

/** FA_S_ACCESSED where it sits in an alias meta word. */
const FA_S_ACCESSED_META = FA_S_ACCESSED << 24;

/**
 * Linux: fib_table_delete(). 0, -EINVAL (bad prefix) or -ESRCH (no such route).
 * A field left 0 in `cfg` (type, protocol, prefsrc, oif, gateway, priority;
 * scope RT_SCOPE_NOWHERE) matches anything.
 */
export function fibTableDelete(net: Net, tb: FibTable, cfg: FibConfig, extack?: NetlinkExtAck): number {
  const t = tb.trie;
  const plen = cfg.fcDstLen;
  const key = cfg.fcDst >>> 0;
  const tos = cfg.fcTos;
  if (!fibValidKeyLen(key, plen, extack)) return -EINVAL;
  const id = t.findPrefix(key, plen);
  if (id === 0) return -ESRCH;
  let fa = fibFindAlias(t, id, tos, 0);
  if (fa === 0) return -ESRCH;
  let faToDelete = 0;
  for (; fa !== 0; fa = t.aliasNext(fa)) {
    const fi = t.aliasInfo(fa);
    const meta = t.aliasMeta(fa);
    if (metaTos(meta) !== tos) break;
    if ((!cfg.fcType || metaType(meta) === cfg.fcType) &&
      (cfg.fcScope === RT_SCOPE_NOWHERE || fi.fibScope === cfg.fcScope) &&
      (!cfg.fcPrefsrc || fi.fibPrefsrc === cfg.fcPrefsrc >>> 0) &&
      (!cfg.fcProtocol || fi.fibProtocol === cfg.fcProtocol) &&
      fibNhMatch(net, cfg, fi, extack) === 0 &&
      fibMetricsMatch(cfg, fi)) {
      faToDelete = fa;
      break;
    }
  }
  if (faToDelete === 0) return -ESRCH;
  const view = tb.aliasView(id, faToDelete);
  rtmsgFib(RTM_DELROUTE, key, view, plen, tb.tbId, cfg.fcNlinfo, 0);
  if (plen === 0) tb.tbNumDefault--;
  const infoIdx = t.aliasInfoIdx(faToDelete);
  t.removeAlias(id, faToDelete);
  t.infoPut(infoIdx);
  if (view.faState & FA_S_ACCESSED) rtCacheFlush(cfg.fcNlinfo.nlNet);
  fibReleaseInfo(view.faInfo);
  return 0;
}

/**
 * Linux: fib_table_flush(): drop the aliases whose info is dead (RTNH_F_DEAD), and with
 * `flushAll` (namespace teardown) the reject routes too; a dead reject route stays
 * unless `flushAll`, as in Linux. No notifications (as Linux). Returns how many were
 * removed. Like Linux, tb_num_default is not adjusted.
 */
export function fibTableFlush(_net: Net, tb: FibTable, flushAll: boolean): number {
  const t = tb.trie;
  let found = 0;
  const top = t.pfxTop;
  for (let id = 1; id < top; id++) {
    if (!t.live(id)) continue;
    let ref = -id;
    while (ref !== 0 && t.live(id)) {
      const next = t.aliasNext(ref);
      const fi = t.aliasInfo(ref);
      const reject = FIB_PROPS_ERROR[metaType(t.aliasMeta(ref))]! !== 0;
      const dead = (fi.fibFlags & RTNH_F_DEAD) !== 0;
      if (flushAll ? dead || reject : dead && !reject) {
        const infoIdx = t.aliasInfoIdx(ref);
        t.removeAlias(id, ref);
        t.infoPut(infoIdx);
        fibReleaseInfo(fi);
        found++;
        // Removing the first alias pulls the next one into the prefix record.
        ref = ref < 0 ? -id : next;
      } else {
        ref = next;
      }
    }
  }
  return found;
}

/**
 * Visit every route of the table in Linux's dump order (key ascending, longer
 * prefixes first, then alias order). For /proc/net/route and tests. Stop by returning false.
 */
export function fibTableWalk(tb: FibTable, fn: (prefix: number, plen: number, fa: FibAlias) => boolean | void): void {
  const t = tb.trie;
  const order = t.dumpOrder();
  const version = t.version;
  for (let i = 0; i < order.length; i++) {
    const id = order[i]!;
    for (let ref = -id; ref !== 0; ref = t.aliasNext(ref)) {
      if (fn(t.pfxKey(id), t.pfxLen(id), tb.aliasView(id, ref)) === false) return;
      if (t.version !== version) throw new Error('fibTableWalk: table changed during the walk');
    }
  }
}

/**
 * Linux: fn_trie_dump_leaf() + fib_table_dump(): append RTM_NEWROUTE messages for the
 * table's routes to `skb`, resuming where the previous round stopped (cb.args[2] =
 * leaves done, cb.args[3] = next key, or -1 once past 255.255.255.255, cb.args[4] =
 * alias index in the leaf, cb.args[5] = exception index). The caller (inet_dump_fib)
 * zeroes args[2..] when it moves to another table. Returns skb.len, or a negative
 * value when the buffer filled (the dump continues in the next round).
 * `dumpExceptions` (for RTM_F_CLONED dumps) is route.ts's fib_dump_info_fnhe.
 */
export function fibTableDump(tb: FibTable, skb: NlMsgBuilder, cb: NetlinkCallback, filter: FibDumpFilter,
  dumpExceptions: FibDumpExceptionsFn | null = null): number {
  const t = tb.trie;
  const order = t.dumpOrder();
  let count = cb.args[2] ?? 0;
  let key = cb.args[3] ?? 0;
  if (key < 0) return skb.len;
  // First prefix whose key >= `key` (order is sorted by key).
  let lo = 0;
  let hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (t.pfxKey(order[mid]!) < key) lo = mid + 1;
    else hi = mid;
  }
  let flags = NLM_F_MULTI;
  if (filter.filterSet || !filter.dumpExceptions || !filter.dumpRoutes) flags |= NLM_F_DUMP_FILTERED;
  for (let i = lo; i < order.length;) {
    // One Linux leaf: every prefix with this key.
    const leafKey = t.pfxKey(order[i]!);
    let j = i;
    while (j < order.length && t.pfxKey(order[j]!) === leafKey) j++;
    const err = dumpLeaf(tb, order, i, j, leafKey, skb, cb, filter, flags, dumpExceptions);
    if (err < 0) {
      cb.args[3] = leafKey;
      cb.args[2] = count;
      return err;
    }
    count++;
    key = leafKey + 1;
    cb.args[4] = 0;
    cb.args[5] = 0;
    i = j;
    if (key > 0xffffffff) {
      key = -1;
      break;
    }
  }
  cb.args[3] = key;
  cb.args[2] = count;
  return skb.len;
}

/** route.ts's fib_dump_info_fnhe(): dump the exceptions of `fi`; `iFa` counts what was emitted. */
export type FibDumpExceptionsFn = (skb: NlMsgBuilder, cb: NetlinkCallback, tbId: number, fi: FibInfo,
  iFa: { value: number }, sFa: number, flags: number) => number;

function dumpLeaf(tb: FibTable, order: Int32Array, from: number, to: number, leafKey: number, skb: NlMsgBuilder,
  cb: NetlinkCallback, filter: FibDumpFilter, flags: number, dumpExceptions: FibDumpExceptionsFn | null): number {
  const t = tb.trie;
  const sI = cb.args[4] ?? 0;
  const sFa = cb.args[5] ?? 0;
  let i = 0;
  const iFa = { value: 0 };
  for (let k = from; k < to; k++) {
    const id = order[k]!;
    const plen = t.pfxLen(id);
    for (let ref = -id; ref !== 0; ref = t.aliasNext(ref), i++) {
      if (i < sI) continue;
      const fi = t.aliasInfo(ref);
      const meta = t.aliasMeta(ref);
      iFa.value = 0;
      if (filter.filterSet) {
        if (filter.rtType && metaType(meta) !== filter.rtType) continue;
        if (filter.protocol && fi.fibProtocol !== filter.protocol) continue;
        if (filter.dev !== null && !fibInfoNhUsesDev(fi, filter.dev)) continue;
      }
      if (filter.dumpRoutes) {
        if (!sFa) {
          const err = fibDumpInfo(skb, cb.sk.portid, cb.nlh.seq, RTM_NEWROUTE,
            { fi, tbId: tb.tbId, type: metaType(meta), dst: leafKey, dstLen: plen, tos: metaTos(meta) }, flags);
          if (err < 0) {
            cb.args[4] = i;
            cb.args[5] = iFa.value;
            return err;
          }
        }
        iFa.value++;
      }
      if (filter.dumpExceptions && dumpExceptions !== null) {
        const err = dumpExceptions(skb, cb, tb.tbId, fi, iFa, sFa, flags);
        if (err < 0) {
          cb.args[4] = i;
          cb.args[5] = iFa.value;
          return err;
        }
      }
    }
  }
  cb.args[4] = i;
  return skb.len;
}
