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
 * The layout is not Linux's LC-trie (which is built from pointers): it is a
 * fixed-stride multibit trie in typed arrays, strides 8-8-8-8. A node is 256 Int32
 * slots; a prefix of length L lives in the node of depth d = max(0, ceil(L/8) - 1),
 * expanded over the 2^(8d+8-L) slots it covers. A slot holds 0 (nothing), a prefix id
 * p > 0 (the longest prefix of that node's lengths covering the slot), or -c for a
 * child node c whose `nodeDefault[c]` keeps the slot's own best prefix. So a lookup
 * is at most four array reads, plus a default read when it ends on an empty slot.
 *
 *   key  = | b31..b24 | b23..b16 | b15..b8 | b7..b0 |
 *   root[b31..b24] -> -c1 ; c1[b23..b16] -> -c2 ; c2[b15..b8] -> p (a /24) ; ...
 *
 * Prefixes (key, length, first alias) are in parallel typed arrays indexed by prefix
 * id, with an open-addressing hash on (key, length) for exact finds. A prefix that
 * more specific prefixes hide in the slots is still found there: backtracking
 * (Linux's walk to shorter prefixes when no alias of the longest one fits) probes the
 * hash for each shorter length present in the table. Dumps walk prefixes in Linux's
 * order (key ascending, then longer prefixes first) from a sorted index rebuilt only
 * after a change. About 60-110 bytes per route for a full Internet table (bench/fib.ts).
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
  fibCreateInfo, fibReleaseInfo, fibNhMatch, fibMetricsMatch, fibDumpInfo, rtmsgFib, ipIgnoreLinkdown,
  fibInfoNhUsesDev,
} from './fib_semantics.js';

/** Linux: KEYLENGTH. */
const KEYLENGTH = 32;
const SLOTS = 256;

/** Linux: inet_make_mask(). */
function makeMask(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

/** Mix (key, length) into a 32-bit hash (a murmur3 finaliser). */
function pfxHash(key: number, len: number): number {
  let h = (key ^ Math.imul(len + 1, 0x9e3779b1)) | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Linux: struct fib_table with its trie (tb_data). Created by fibTrieTable(); the
 * frontend (fib_frontend.ts) keeps the tables of a namespace.
 */
export class FibTable {
  readonly tbId: number;
  /** Number of default (/0) routes (Linux: tb_num_default), for fib_select_default. */
  tbNumDefault = 0;

  /* Trie nodes: SLOTS Int32 per node; node 0 is the root. */
  slots: Int32Array;
  nodeDefault: Int32Array;
  /** Nonzero slots per node (a node with none is freed). */
  nodeUsed: Int32Array;
  nodeTop = 1;
  nodeFree: number[] = [];

  /* Prefixes by id (0 = none). */
  pfxKey: Uint32Array;
  pfxLen: Uint8Array;
  pfxHead: (FibAlias | null)[] = [null];
  pfxTop = 1;
  pfxFree: number[] = [];
  /** Live prefixes per length 0..32. */
  lenCount = new Int32Array(KEYLENGTH + 1);
  count = 0;

  /* Exact-match hash of (key, len) -> prefix id, linear probing. */
  hash: Int32Array;
  hashMask: number;

  /** Bumped by every change; the dump order is cached per version. */
  version = 0;
  private sortedVersion = -1;
  private sorted: Int32Array = new Int32Array(0);

  constructor(id: number) {
    this.tbId = id;
    this.slots = new Int32Array(SLOTS * 4);
    this.nodeDefault = new Int32Array(4);
    this.nodeUsed = new Int32Array(4);
    this.pfxKey = new Uint32Array(16);
    this.pfxLen = new Uint8Array(16);
    this.hash = new Int32Array(32);
    this.hashMask = 31;
  }

  /* ---------------- prefix store ---------------- */

  /** The id of prefix key/len, 0 when absent. */
  findPrefix(key: number, len: number): number {
    const hash = this.hash;
    const mask = this.hashMask;
    for (let i = pfxHash(key, len) & mask; ; i = (i + 1) & mask) {
      const id = hash[i]!;
      if (id === 0) return 0;
      if (this.pfxKey[id] === key && this.pfxLen[id] === len) return id;
    }
  }

  private hashInsert(id: number): void {
    const mask = this.hashMask;
    let i = pfxHash(this.pfxKey[id]!, this.pfxLen[id]!) & mask;
    while (this.hash[i] !== 0) i = (i + 1) & mask;
    this.hash[i] = id;
  }

  /** Remove `id` from the hash, shifting later entries of its run back (no tombstones). */
  private hashRemove(id: number): void {
    const hash = this.hash;
    const mask = this.hashMask;
    let i = pfxHash(this.pfxKey[id]!, this.pfxLen[id]!) & mask;
    while (hash[i] !== id) i = (i + 1) & mask;
    let j = i;
    for (;;) {
      hash[i] = 0;
      for (;;) {
        j = (j + 1) & mask;
        const e = hash[j]!;
        if (e === 0) return;
        const home = pfxHash(this.pfxKey[e]!, this.pfxLen[e]!) & mask;
        // Move e into the hole at i unless its home lies cyclically in (i, j].
        if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) {
          hash[i] = e;
          i = j;
          break;
        }
      }
    }
  }

  private growHash(): void {
    const n = this.hash.length * 2;
    this.hash = new Int32Array(n);
    this.hashMask = n - 1;
    for (let id = 1; id < this.pfxTop; id++) if (this.pfxHead[id] !== undefined && this.pfxLen[id] !== 0xff) {
      if (this.pfxHead[id] !== null) this.hashInsert(id);
    }
  }

  /** Allocate a prefix and link it into the hash and the trie. */
  addPrefix(key: number, len: number, head: FibAlias): number {
    let id = this.pfxFree.pop();
    if (id === undefined) {
      id = this.pfxTop++;
      if (id >= this.pfxKey.length) {
        const n = this.pfxKey.length * 2;
        const k = new Uint32Array(n);
        k.set(this.pfxKey);
        this.pfxKey = k;
        const l = new Uint8Array(n);
        l.set(this.pfxLen);
        this.pfxLen = l;
      }
      this.pfxHead.push(head);
    } else {
      this.pfxHead[id] = head;
    }
    this.pfxKey[id] = key;
    this.pfxLen[id] = len;
    this.count++;
    if (this.count * 2 > this.hash.length) this.growHash();
    else this.hashInsert(id);
    this.lenCount[len]!++;
    this.trieInsert(id, key, len);
    this.version++;
    return id;
  }

  /** Unlink prefix `id` (its alias list is empty). */
  removePrefix(id: number): void {
    const key = this.pfxKey[id]!;
    const len = this.pfxLen[id]!;
    this.trieRemove(id, key, len);
    this.hashRemove(id);
    this.lenCount[len]!--;
    this.count--;
    this.pfxHead[id] = null;
    this.pfxFree.push(id);
    this.version++;
  }

  /* ---------------- trie ---------------- */

  private allocNode(): number {
    let c = this.nodeFree.pop();
    if (c === undefined) {
      c = this.nodeTop++;
      if (c >= this.nodeDefault.length) {
        const n = this.nodeDefault.length * 2;
        const s = new Int32Array(n * SLOTS);
        s.set(this.slots);
        this.slots = s;
        const d = new Int32Array(n);
        d.set(this.nodeDefault);
        this.nodeDefault = d;
        const u = new Int32Array(n);
        u.set(this.nodeUsed);
        this.nodeUsed = u;
      }
    } else {
      this.slots.fill(0, c * SLOTS, c * SLOTS + SLOTS);
    }
    this.nodeDefault[c] = 0;
    this.nodeUsed[c] = 0;
    return c;
  }

  private trieInsert(id: number, key: number, len: number): void {
    const depth = len <= 8 ? 0 : (len - 1) >> 3;
    let node = 0;
    for (let d = 0; d < depth; d++) {
      const at = node * SLOTS + ((key >>> (24 - 8 * d)) & 0xff);
      const v = this.slots[at]!;
      if (v < 0) {
        node = -v;
        continue;
      }
      const c = this.allocNode();
      this.nodeDefault[c] = v;
      this.slots[at] = -c; // (allocNode may have replaced this.slots)
      if (v === 0) this.nodeUsed[node]!++;
      node = c;
    }
    const span = 8 * depth + 8 - len;
    const start = node * SLOTS + (((key >>> (24 - 8 * depth)) & 0xff) & ~((1 << span) - 1));
    const end = start + (1 << span);
    const slots = this.slots;
    const plen = this.pfxLen;
    for (let at = start; at < end; at++) {
      const v = slots[at]!;
      if (v < 0) {
        const cur = this.nodeDefault[-v]!;
        if (cur === 0 || plen[cur]! < len) this.nodeDefault[-v] = id;
      } else if (v === 0) {
        slots[at] = id;
        this.nodeUsed[node]!++;
      } else if (plen[v]! < len) {
        slots[at] = id;
      }
    }
  }

  private trieRemove(id: number, key: number, len: number): void {
    const depth = len <= 8 ? 0 : (len - 1) >> 3;
    const path = [0, 0, 0, 0];
    const pathAt = [0, 0, 0, 0];
    let node = 0;
    for (let d = 0; d < depth; d++) {
      const at = node * SLOTS + ((key >>> (24 - 8 * d)) & 0xff);
      path[d] = node;
      pathAt[d] = at;
      node = -this.slots[at]!;
    }
    // What the slots of `id` fall back to: the next shorter prefix, if it lives in this node.
    const q = this.lpmShorter(key, len);
    const repl = q !== 0 && (depth === 0 || this.pfxLen[q]! > 8 * depth) ? q : 0;
    const span = 8 * depth + 8 - len;
    const start = node * SLOTS + (((key >>> (24 - 8 * depth)) & 0xff) & ~((1 << span) - 1));
    const end = start + (1 << span);
    const slots = this.slots;
    for (let at = start; at < end; at++) {
      const v = slots[at]!;
      if (v < 0) {
        if (this.nodeDefault[-v] === id) this.nodeDefault[-v] = repl;
      } else if (v === id) {
        slots[at] = repl;
        if (repl === 0) this.nodeUsed[node]!--;
      }
    }
    // Free emptied nodes bottom-up; the parent slot takes back the node's default.
    for (let d = depth - 1; d >= 0 && this.nodeUsed[node] === 0; d--) {
      const parent = path[d]!;
      const dflt = this.nodeDefault[node]!;
      slots[pathAt[d]!] = dflt;
      if (dflt === 0) this.nodeUsed[parent]!--;
      this.nodeFree.push(node);
      node = parent;
    }
  }

  /** Longest prefix covering `key` (its id, 0 when none). */
  lpm(key: number): number {
    const slots = this.slots;
    let v = slots[key >>> 24]!;
    if (v >= 0) return v;
    const c1 = -v;
    v = slots[(c1 << 8) | ((key >>> 16) & 0xff)]!;
    if (v > 0) return v;
    if (v === 0) return this.nodeDefault[c1]!;
    const c2 = -v;
    v = slots[(c2 << 8) | ((key >>> 8) & 0xff)]!;
    if (v > 0) return v;
    const nd = this.nodeDefault;
    if (v === 0) return nd[c2]! || nd[c1]!;
    const c3 = -v;
    v = slots[(c3 << 8) | (key & 0xff)]!;
    if (v > 0) return v;
    return nd[c3]! || nd[c2]! || nd[c1]!;
  }

  /** Longest prefix shorter than `len` covering `key` (Linux's backtracking step). */
  lpmShorter(key: number, len: number): number {
    for (let l = len - 1; l >= 0; l--) {
      if (this.lenCount[l] === 0) continue;
      const id = this.findPrefix((key & makeMask(l)) >>> 0, l);
      if (id !== 0) return id;
    }
    return 0;
  }

  /** Prefix ids in Linux's dump order: key ascending, then longer prefixes first. */
  dumpOrder(): Int32Array {
    if (this.sortedVersion === this.version) return this.sorted;
    const comp = new Float64Array(this.count);
    let n = 0;
    for (let id = 1; id < this.pfxTop; id++) {
      if (this.pfxHead[id] === null) continue;
      comp[n++] = this.pfxKey[id]! * 64 + (KEYLENGTH - this.pfxLen[id]!);
    }
    comp.sort();
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const c = comp[i]!;
      const slen = c % 64;
      out[i] = this.findPrefix((c - slen) / 64, KEYLENGTH - slen);
    }
    this.sorted = out;
    this.sortedVersion = this.version;
    return out;
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
 * Linux: fib_find_alias(): the first alias of the prefix with tos <= `tos` whose
 * priority is >= `prio` (or whose tos is lower).
 */
function fibFindAlias(head: FibAlias | null, tos: number, prio: number): FibAlias | null {
  for (let fa = head; fa !== null; fa = fa.next) {
    if (fa.faTos > tos) continue;
    if (fa.faInfo.fibPriority >= prio || fa.faTos < tos) return fa;
  }
  return null;
}

/** Insert `nfa` before `before` (null: at the tail) in prefix `id`'s list. */
function aliasInsertBefore(tb: FibTable, id: number, nfa: FibAlias, before: FibAlias | null): void {
  let prev: FibAlias | null = null;
  for (let fa: FibAlias | null = tb.pfxHead[id] ?? null; fa !== null && fa !== before; fa = fa.next) prev = fa;
  nfa.next = before;
  if (prev === null) tb.pfxHead[id] = nfa;
  else prev.next = nfa;
  tb.version++;
}

function aliasReplace(tb: FibTable, id: number, old: FibAlias, nfa: FibAlias): void {
  nfa.next = old.next;
  if (tb.pfxHead[id] === old) {
    tb.pfxHead[id] = nfa;
  } else {
    let prev = tb.pfxHead[id]!;
    while (prev.next !== old) prev = prev.next!;
    prev.next = nfa;
  }
  tb.version++;
}

/** Linux: fib_remove_alias(): unlink; free the prefix when its list empties. */
function fibRemoveAlias(tb: FibTable, id: number, old: FibAlias): void {
  const head = tb.pfxHead[id]!;
  if (head === old) {
    tb.pfxHead[id] = old.next;
  } else {
    let prev = head;
    while (prev.next !== old) prev = prev.next!;
    prev.next = old.next;
  }
  tb.version++;
  if (tb.pfxHead[id] === null) tb.removePrefix(id);
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
  const plen = cfg.fcDstLen;
  const key = cfg.fcDst >>> 0;
  const tos = cfg.fcTos;
  let nlflags = NLM_F_EXCL;
  if (!fibValidKeyLen(key, plen, extack)) return -EINVAL;

  const fi = fibCreateInfo(net, cfg, extack);
  if (typeof fi === 'number') return fi;

  const slen = KEYLENGTH - plen;
  const id = tb.findPrefix(key, plen);
  let fa = id !== 0 ? fibFindAlias(tb.pfxHead[id]!, tos, fi.fibPriority) : null;

  // fa, when set, is the first alias with the same (tos, priority), or the one to insert before.
  if (fa !== null && fa.faTos === tos && fa.faInfo.fibPriority === fi.fibPriority) {
    if (cfg.fcNlflags & NLM_F_EXCL) {
      fibReleaseInfo(fi);
      return -EEXIST;
    }
    nlflags &= ~NLM_F_EXCL;
    // Find an exact duplicate (type and info), and the alias NLM_F_APPEND inserts before.
    let faMatch: FibAlias | null = null;
    const faFirst = fa;
    for (; fa !== null; fa = fa.next) {
      if (fa.faTos !== tos || fa.faInfo.fibPriority !== fi.fibPriority) break;
      if (fa.faType === cfg.fcType && fa.faInfo === fi) {
        faMatch = fa;
        break;
      }
    }
    if (cfg.fcNlflags & NLM_F_REPLACE) {
      nlflags |= NLM_F_REPLACE;
      if (faMatch !== null) {
        fibReleaseInfo(fi);
        return faFirst === faMatch ? 0 : -EEXIST;
      }
      const old = faFirst;
      const fiDrop = old.faInfo;
      const nfa = new FibAlias(fi, old.faTos, cfg.fcType, old.faSlen, tb.tbId);
      const state = old.faState;
      nfa.faState = state & ~FA_S_ACCESSED;
      rtmsgFib(RTM_NEWROUTE, key, nfa, plen, tb.tbId, cfg.fcNlinfo, nlflags);
      aliasReplace(tb, id, old, nfa);
      fibReleaseInfo(fiDrop);
      if (state & FA_S_ACCESSED) rtCacheFlush(cfg.fcNlinfo.nlNet);
      return 0;
    }
    // Error if we find a perfect match which uses the same scope, type, and nexthop information.
    if (faMatch !== null) {
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
  const nfa = new FibAlias(fi, tos, cfg.fcType, slen, tb.tbId);
  if (id === 0) tb.addPrefix(key, plen, nfa);
  else aliasInsertBefore(tb, id, nfa, fa);
  if (plen === 0) tb.tbNumDefault++;
  rtCacheFlush(cfg.fcNlinfo.nlNet);
  rtmsgFib(RTM_NEWROUTE, key, nfa, plen, nfa.tbId, cfg.fcNlinfo, nlflags);
  return 0;
}

/**
 * Linux: fib_table_lookup(). 0 with `res` filled, a reject route's error, or -EAGAIN
 * when no route fits (the caller tries the next table/rule).
 */
export function fibTableLookup(tb: FibTable, flp: Flowi4, res: FibResult, fibFlags: number): number {
  const key = flp.daddr >>> 0;
  let id = tb.lpm(key);
  while (id !== 0) {
    for (let fa: FibAlias | null = tb.pfxHead[id]!; fa !== null; fa = fa.next) {
      const fi = fa.faInfo;
      if (fa.faTos !== 0 && fa.faTos !== flp.tos) continue;
      if (fi.fibDead) continue;
      if (fi.fibScope < flp.scope) continue;
      if ((fa.faState & FA_S_ACCESSED) === 0) fa.faState |= FA_S_ACCESSED;
      const err = FIB_PROPS_ERROR[fa.faType]!;
      if (err < 0) return err;
      if (fi.fibFlags & RTNH_F_DEAD) continue;
      const nhs = fi.fibNhs;
      for (let nhsel = 0; nhsel < nhs; nhsel++) {
        const nhc = fi.fibNh[nhsel]!;
        if (nhc.fibNhFlags & RTNH_F_DEAD) continue;
        if ((nhc.fibNhFlags & RTNH_F_LINKDOWN) && !(fibFlags & FIB_LOOKUP_IGNORE_LINKSTATE) &&
          ipIgnoreLinkdown(nhc.fibNhDev)) continue;
        if (!(flp.flags & FLOWI_FLAG_SKIP_NH_OIF) && flp.oif !== 0 && flp.oif !== nhc.fibNhOif) continue;
        res.prefix = tb.pfxKey[id]!;
        res.prefixlen = KEYLENGTH - fa.faSlen;
        res.nhSel = nhsel;
        res.nhc = nhc;
        res.type = fa.faType;
        res.scope = fi.fibScope;
        res.fi = fi;
        res.table = tb;
        res.faHead = tb.pfxHead[id] ?? null;
        return 0;
      }
    }
    id = tb.lpmShorter(key, tb.pfxLen[id]!);
  }
  return -EAGAIN;
}

/**
 * Linux: fib_table_delete(). 0, -EINVAL (bad prefix) or -ESRCH (no such route).
 * A field left 0 in `cfg` (type, protocol, prefsrc, oif, gateway, priority;
 * scope RT_SCOPE_NOWHERE) matches anything.
 */
export function fibTableDelete(net: Net, tb: FibTable, cfg: FibConfig, extack?: NetlinkExtAck): number {
  const plen = cfg.fcDstLen;
  const key = cfg.fcDst >>> 0;
  const tos = cfg.fcTos;
  if (!fibValidKeyLen(key, plen, extack)) return -EINVAL;
  const id = tb.findPrefix(key, plen);
  if (id === 0) return -ESRCH;
  let fa = fibFindAlias(tb.pfxHead[id]!, tos, 0);
  if (fa === null) return -ESRCH;
  let faToDelete: FibAlias | null = null;
  for (; fa !== null; fa = fa.next) {
    const fi = fa.faInfo;
    if (fa.faTos !== tos) break;
    if ((!cfg.fcType || fa.faType === cfg.fcType) &&
      (cfg.fcScope === RT_SCOPE_NOWHERE || fi.fibScope === cfg.fcScope) &&
      (!cfg.fcPrefsrc || fi.fibPrefsrc === cfg.fcPrefsrc) &&
      (!cfg.fcProtocol || fi.fibProtocol === cfg.fcProtocol) &&
      fibNhMatch(net, cfg, fi, extack) === 0 &&
      fibMetricsMatch(cfg, fi)) {
      faToDelete = fa;
      break;
    }
  }
  if (faToDelete === null) return -ESRCH;
  rtmsgFib(RTM_DELROUTE, key, faToDelete, plen, tb.tbId, cfg.fcNlinfo, 0);
  if (plen === 0) tb.tbNumDefault--;
  fibRemoveAlias(tb, id, faToDelete);
  if (faToDelete.faState & FA_S_ACCESSED) rtCacheFlush(cfg.fcNlinfo.nlNet);
  fibReleaseInfo(faToDelete.faInfo);
  return 0;
}

/**
 * Linux: fib_table_flush(): drop the aliases whose info is dead (RTNH_F_DEAD), and with
 * `flushAll` (namespace teardown) the reject routes too. No notifications (as Linux).
 * Returns how many were removed. Like Linux, tb_num_default is not adjusted.
 */
export function fibTableFlush(_net: Net, tb: FibTable, flushAll: boolean): number {
  let found = 0;
  for (let id = 1; id < tb.pfxTop; id++) {
    let fa = tb.pfxHead[id];
    if (fa === null || fa === undefined) continue;
    while (fa !== null) {
      const next: FibAlias | null = fa.next;
      const fi = fa.faInfo;
      const reject = FIB_PROPS_ERROR[fa.faType]! !== 0;
      if (fa.tbId === tb.tbId && ((fi.fibFlags & RTNH_F_DEAD) || (flushAll && reject))) {
        fibRemoveAlias(tb, id, fa);
        fibReleaseInfo(fi);
        found++;
      }
      fa = next;
    }
  }
  return found;
}

/**
 * Visit every route of the table in Linux's dump order (key ascending, longer
 * prefixes first, then alias order). For /proc/net/route and tests. Stop by returning false.
 */
export function fibTableWalk(tb: FibTable, fn: (prefix: number, plen: number, fa: FibAlias) => boolean | void): void {
  const order = tb.dumpOrder();
  const version = tb.version;
  for (let i = 0; i < order.length; i++) {
    const id = order[i]!;
    for (let fa = tb.pfxHead[id] ?? null; fa !== null; fa = fa.next) {
      if (fn(tb.pfxKey[id]!, tb.pfxLen[id]!, fa) === false) return;
      if (tb.version !== version) throw new Error('fibTableWalk: table changed during the walk');
    }
  }
}

/**
 * Linux: fn_trie_dump_leaf() + fib_table_dump(): append RTM_NEWROUTE messages for the
 * table's routes to `skb`, resuming where the previous round stopped (cb.args[2] =
 * prefixes done, cb.args[3] = next key (+1 on wrap), cb.args[4] = alias index,
 * cb.args[5] = exception index). Returns skb.len, or a negative value when the
 * buffer filled (the dump continues in the next round). `dumpExceptions` (for
 * RTM_F_CLONED dumps) is route.ts's fib_dump_info_fnhe; nothing when null.
 */
export function fibTableDump(tb: FibTable, skb: NlMsgBuilder, cb: NetlinkCallback, filter: FibDumpFilter,
  dumpExceptions: FibDumpExceptionsFn | null = null): number {
  const order = tb.dumpOrder();
  // args[3] holds the next key to dump from, or -1 once the dump wrapped past 255.255.255.255.
  let count = cb.args[2] ?? 0;
  let key = cb.args[3] ?? 0;
  if (key < 0) return skb.len;
  let lo = 0;
  let hi = order.length;
  // First prefix id whose key >= `key` (order is sorted by key).
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tb.pfxKey[order[mid]!]! < key) lo = mid + 1;
    else hi = mid;
  }
  let flags = NLM_F_MULTI;
  if (filter.filterSet || !filter.dumpExceptions || !filter.dumpRoutes) flags |= NLM_F_DUMP_FILTERED;
  for (let i = lo; i < order.length;) {
    // One Linux leaf: every prefix with this key.
    const leafKey = tb.pfxKey[order[i]!]!;
    let j = i;
    while (j < order.length && tb.pfxKey[order[j]!] === leafKey) j++;
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
  const sI = cb.args[4] ?? 0;
  const sFa = cb.args[5] ?? 0;
  let i = 0;
  const iFa = { value: 0 };
  for (let k = from; k < to; k++) {
    const id = order[k]!;
    const plen = tb.pfxLen[id]!;
    for (let fa = tb.pfxHead[id] ?? null; fa !== null; fa = fa.next, i++) {
      const fi = fa.faInfo;
      if (i < sI) continue;
      iFa.value = 0;
      if (tb.tbId !== fa.tbId) continue;
      if (filter.filterSet) {
        if (filter.rtType && fa.faType !== filter.rtType) continue;
        if (filter.protocol && fi.fibProtocol !== filter.protocol) continue;
        if (filter.dev !== null && !fibInfoNhUsesDev(fi, filter.dev)) continue;
      }
      if (filter.dumpRoutes) {
        if (!sFa) {
          const err = fibDumpInfo(skb, cb.sk.portid, cb.nlh.seq, RTM_NEWROUTE,
            { fi, tbId: tb.tbId, type: fa.faType, dst: leafKey, dstLen: plen, tos: fa.faTos }, flags);
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
