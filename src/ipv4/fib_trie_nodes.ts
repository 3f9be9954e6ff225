/**
 * The storage under a routing table (Linux: the key_vector nodes, leaves and
 * fib_alias lists of net/ipv4/fib_trie.c; the layout is tuxnet's own).
 * fib_trie.ts implements Linux's semantics on top of it.
 *
 * Why not Linux's LC-trie of pointers: in JS every node and alias would be a heap
 * object (40-60 B each, scattered) and a lookup would chase several of them; what a
 * lookup costs is the number of dependent cache misses. Here everything lives in
 * typed arrays and a lookup normally misses once:
 *
 * Trie: fixed strides 8-8-8-8. A node is 256 Int32 slots (node 0 is the root). A
 * prefix of length L belongs to the node at depth d = max(0, ceil(L/8) - 1) and is
 * written into the 2^(8d+8-L) slots it covers, unless a longer prefix of that node
 * is there. A slot holds 0 (nothing), -c (child node c, whose `nodeDefault[c]` keeps
 * what the slot itself would hold), or a "fast word" (FW_*) describing the longest
 * prefix of that node covering the slot: its length, its first alias's type, and,
 * when that alias has tos 0 and was already used, FW_FAST with its FibInfo index.
 * Then the slot alone answers the lookup (prefix = key & mask(length)):
 *
 *   key = b31..b24 | b23..b16 | b15..b8 | b7..b0
 *   root[b31..b24] -> -c1 ; c1[b23..b16] -> -c2 ; c2[b15..b8] -> fast word (a /24) ; ...
 *
 * Slots identify prefixes by length (inside a prefix's range, a slot of that
 * length is that prefix's), so a prefix whose first alias changes has its slots
 * rewritten (trieRefresh). Compressed nodes (runs of equal slots with popcount
 * bitmaps, as Poptrie) took a quarter of the memory but a second dependent miss
 * per lookup, which cost more than half the speed on the machine measured.
 *
 * Prefixes: 4 Int32 per prefix id: key, meta (length | tos << 8 | type << 16 |
 * state << 24) and FibInfo index of the prefix's first alias, then the next alias.
 * Further aliases of a prefix (several routes with different tos/metric) are 4 Int32
 * each: meta (without length), info, next, fa_default. An alias is named by a ref:
 * -pid for a prefix's first alias, aid > 0 for the others, 0 for none. FibInfo are
 * interned per table (index 0 = none) with a count of aliases using each.
 * An open-addressing hash finds a prefix by (key, length); backtracking to shorter
 * prefixes probes it for each shorter length present.
 *
 * A full Internet table (1M routes, bench/fib.ts) takes about 95 bytes per route:
 * 57 in trie nodes, 16 in prefix records, 8-16 in the hash.
 */
import type { FibInfo } from './fib_lookup.js';

export const KEYLENGTH = 32;
const SLOTS = 256;

/* A trie slot value ("fast word"), > 0: the prefix length, its first alias's type
 * and, when that alias has tos 0, was used already (FA_S_ACCESSED) and its info
 * index fits, FW_FAST and the index: then a lookup needs nothing but the slot. */
export const FW_LEN = 0x3f;
export const FW_TYPE_SHIFT = 6;
export const FW_FAST = 1 << 10;
export const FW_INFO_SHIFT = 11;
const FW_INFO_LIMIT = 1 << 19;
export const FW_INFO_MASK = FW_INFO_LIMIT - 1;
const FW_PRESENT = 1 << 30;
const STATE_ACCESSED = 1;




/** Alias meta fields. */
export const META_LEN_MASK = 0x3f;
export const metaTos = (m: number): number => (m >>> 8) & 0xff;
export const metaType = (m: number): number => (m >>> 16) & 0xff;
export const metaState = (m: number): number => m >>> 24;

/** Linux: inet_make_mask() on host order. */
export function makeMask(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

/** Mix (key, length) into a 32-bit hash (a murmur3 finaliser). */
function pfxHash(key: number, len: number): number {
  let h = (key ^ Math.imul(len + 1, 0x9e3779b1)) | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function depthOf(len: number): number {
  return len <= 8 ? 0 : (len - 1) >> 3;
}

export class FibTrie {
  /* ---- trie nodes: SLOTS Int32 per node, node 0 the root ---- */
  slots: Int32Array;
  /** Per node: the best prefix of the parent's slot (a fast word, 0 none). */
  nodeDefault: Int32Array;
  /** Per node: nonzero slots (a node with none is freed). */
  nodeUsed: Int32Array;
  private nodeTop = 1;
  private nodeFree: number[] = [];
  /** Live nodes. */
  nodes = 1;
  /* A descent's path: nodes and the parent slot taken at each depth. */
  private readonly path = new Int32Array(4);
  private readonly pathAt = new Int32Array(4);

  /* ---- prefixes: 4 words per id (0 unused) ---- */
  prec: Int32Array;
  /** fa_default of each prefix's first alias. */
  pDefault: Int16Array;
  pfxTop = 1;
  private pfxFree: number[] = [];
  /** Live prefixes, and per length 0..32. */
  count = 0;
  readonly lenCount = new Int32Array(KEYLENGTH + 1);

  /* ---- further aliases: 4 words per id (0 unused) ---- */
  arec: Int32Array;
  private aTop = 1;
  private aFree: number[] = [];

  /* ---- interned FibInfo ---- */
  infos: (FibInfo | null)[] = [null];
  private infoRefs: number[] = [0];
  private infoIdx = new Map<FibInfo, number>();
  private infoFree: number[] = [];

  /* ---- exact-match hash of (key, len) -> prefix id ---- */
  private hash: Int32Array;
  private hashMask: number;

  /** Bumped by every change; the dump order is cached per version. */
  version = 0;
  private sortedVersion = -1;
  private sorted: Int32Array = new Int32Array(0);

  constructor() {
    this.slots = new Int32Array(SLOTS * 4);
    this.nodeDefault = new Int32Array(4);
    this.nodeUsed = new Int32Array(4);
    this.prec = new Int32Array(4 * 16);
    this.pDefault = new Int16Array(16);
    this.arec = new Int32Array(4 * 4);
    this.hash = new Int32Array(32);
    this.hashMask = 31;
  }

  /* ================= nodes ================= */

  private allocNode(dflt: number): number {
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
    this.nodeDefault[c] = dflt;
    this.nodeUsed[c] = 0;
    this.nodes++;
    return c;
  }

  /** The first of the slots a prefix of length `len` at `key` covers in its node. */
  private static rangeStart(key: number, len: number, depth: number): number {
    const span = 8 * depth + 8 - len;
    return ((key >>> (24 - 8 * depth)) & 0xff) & ~((1 << span) - 1);
  }

  /** Walk to the node of depth `depth` on `key`'s path, recording it; creates nodes when `create`, else -1 when missing. */
  private descend(key: number, depth: number, create: boolean): number {
    let node = 0;
    for (let d = 0; d < depth; d++) {
      const at = node * SLOTS + ((key >>> (24 - 8 * d)) & 0xff);
      this.path[d] = node;
      this.pathAt[d] = at;
      const v = this.slots[at]!;
      if (v < 0) {
        node = -v;
        continue;
      }
      if (!create) return -1;
      const c = this.allocNode(v);
      this.slots[at] = -c; // (allocNode may have replaced this.slots)
      if (v === 0) this.nodeUsed[node]!++;
      node = c;
    }
    return node;
  }

  private trieInsert(id: number, key: number, len: number): void {
    const depth = depthOf(len);
    const node = this.descend(key, depth, true);
    const start = node * SLOTS + FibTrie.rangeStart(key, len, depth);
    const end = start + (1 << (8 * depth + 8 - len));
    const f = this.fastWord(id);
    const slots = this.slots;
    const nd = this.nodeDefault;
    for (let at = start; at < end; at++) {
      const v = slots[at]!;
      if (v < 0) {
        const d = nd[-v]!;
        if (d === 0 || (d & FW_LEN) < len) nd[-v] = f;
      } else if (v === 0) {
        slots[at] = f;
        this.nodeUsed[node]!++;
      } else if ((v & FW_LEN) < len) {
        slots[at] = f;
      }
    }
  }

  /** Put `val` where the prefix of length `len` at `key` is (its own slots, its children's defaults). */
  private trieReplace(key: number, len: number, val: number): number {
    const depth = depthOf(len);
    const node = this.descend(key, depth, false);
    const start = node * SLOTS + FibTrie.rangeStart(key, len, depth);
    const end = start + (1 << (8 * depth + 8 - len));
    const slots = this.slots;
    const nd = this.nodeDefault;
    for (let at = start; at < end; at++) {
      const v = slots[at]!;
      if (v < 0) {
        const d = nd[-v]!;
        if (d !== 0 && (d & FW_LEN) === len) nd[-v] = val;
      } else if (v !== 0 && (v & FW_LEN) === len) {
        slots[at] = val;
        if (val === 0) this.nodeUsed[node]!--;
      }
    }
    return node;
  }

  /** Rewrite the slots of prefix `id` (its first alias changed). */
  private trieRefresh(id: number): void {
    this.trieReplace(this.pfxKey(id), this.pfxLen(id), this.fastWord(id));
  }

  private trieRemove(key: number, len: number): void {
    const depth = depthOf(len);
    // What the slots fall back to: the next shorter prefix, if it lives in this node.
    const q = this.lpmShorter(key, len);
    const repl = q !== 0 && (depth === 0 || this.pfxLen(q) > 8 * depth) ? this.fastWord(q) : 0;
    let node = this.trieReplace(key, len, repl);
    // Free emptied nodes bottom-up; the parent slot takes back the node's default.
    for (let d = depth - 1; d >= 0 && this.nodeUsed[node] === 0; d--) {
      const parent = this.path[d]!;
      const dflt = this.nodeDefault[node]!;
      this.slots[this.pathAt[d]!] = dflt;
      if (dflt === 0) this.nodeUsed[parent]!--;
      this.nodeFree.push(node);
      this.nodes--;
      node = parent;
    }
  }

  /**
   * The fast word of the longest prefix covering `key`, 0 when none: its length,
   * type and, when the lookup may skip the prefix record, FW_FAST and the info index.
   */
  lpm(key: number): number {
    const slots = this.slots;
    let v = slots[key >>> 24]!;
    if (v >= 0) return v;
    const c1 = -v;
    v = slots[(c1 << 8) | ((key >>> 16) & 0xff)]!;
    if (v > 0) return v;
    const nd = this.nodeDefault;
    if (v === 0) return nd[c1]!;
    const c2 = -v;
    v = slots[(c2 << 8) | ((key >>> 8) & 0xff)]!;
    if (v > 0) return v;
    if (v === 0) return nd[c2]! || nd[c1]!;
    const c3 = -v;
    v = slots[(c3 << 8) | (key & 0xff)]!;
    if (v > 0) return v;
    return nd[c3]! || nd[c2]! || nd[c1]!;
  }

  /** The id of the longest prefix covering `key`, 0 when none. */
  lpmId(key: number): number {
    const fw = this.lpm(key);
    if (fw === 0) return 0;
    const len = fw & FW_LEN;
    return this.findPrefix((key & makeMask(len)) >>> 0, len);
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

  /** Length of prefix `id`. */
  pfxLen(id: number): number {
    return this.prec[(id << 2) + 1]! & META_LEN_MASK;
  }
  /** Key of prefix `id`. */
  pfxKey(id: number): number {
    return this.prec[id << 2]! >>> 0;
  }

  /** The fast word of prefix `id` (see lpm). */
  fastWord(id: number): number {
    const b = id << 2;
    const meta = this.prec[b + 1]!;
    const info = this.prec[b + 2]!;
    let f = FW_PRESENT | (meta & FW_LEN) | (metaType(meta) << FW_TYPE_SHIFT);
    if (metaTos(meta) === 0 && (metaState(meta) & STATE_ACCESSED) && info < FW_INFO_LIMIT) f |= FW_FAST | (info << FW_INFO_SHIFT);
    return f;
  }

  /* ================= prefix hash ================= */

  /** The id of prefix key/len, 0 when absent. */
  findPrefix(key: number, len: number): number {
    const hash = this.hash;
    const mask = this.hashMask;
    const prec = this.prec;
    for (let i = pfxHash(key, len) & mask; ; i = (i + 1) & mask) {
      const id = hash[i]!;
      if (id === 0) return 0;
      if (prec[id << 2]! >>> 0 === key && (prec[(id << 2) + 1]! & META_LEN_MASK) === len) return id;
    }
  }

  private hashInsert(id: number): void {
    const mask = this.hashMask;
    let i = pfxHash(this.pfxKey(id), this.pfxLen(id)) & mask;
    while (this.hash[i] !== 0) i = (i + 1) & mask;
    this.hash[i] = id;
  }

  /** Remove `id`, shifting later entries of its run back (no tombstones). */
  private hashRemove(id: number): void {
    const hash = this.hash;
    const mask = this.hashMask;
    let i = pfxHash(this.pfxKey(id), this.pfxLen(id)) & mask;
    while (hash[i] !== id) i = (i + 1) & mask;
    let j = i;
    for (;;) {
      hash[i] = 0;
      for (;;) {
        j = (j + 1) & mask;
        const e = hash[j]!;
        if (e === 0) return;
        const home = pfxHash(this.pfxKey(e), this.pfxLen(e)) & mask;
        // Move e into the hole at i unless its home lies cyclically in (i, j].
        if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) {
          hash[i] = e;
          i = j;
          break;
        }
      }
    }
  }

  private rehash(): void {
    const n = this.hash.length * 2;
    this.hash = new Int32Array(n);
    this.hashMask = n - 1;
    for (let id = 1; id < this.pfxTop; id++) if (this.prec[(id << 2) + 2] !== 0) this.hashInsert(id);
  }

  /* ================= infos ================= */

  /** Intern `fi` for one more alias; its index. */
  infoGet(fi: FibInfo): number {
    let i = this.infoIdx.get(fi);
    if (i === undefined) {
      i = this.infoFree.pop() ?? this.infos.length;
      this.infos[i] = fi;
      this.infoRefs[i] = 0;
      this.infoIdx.set(fi, i);
    }
    this.infoRefs[i]!++;
    return i;
  }

  /** One alias less uses info `i`. */
  infoPut(i: number): void {
    if (--this.infoRefs[i]! === 0) {
      this.infoIdx.delete(this.infos[i]!);
      this.infos[i] = null;
      this.infoFree.push(i);
    }
  }

  /* ================= prefixes and aliases ================= */

  /** A new prefix whose only alias has `meta` (type/tos/state, no length) and info index `info`. */
  addPrefix(key: number, len: number, meta: number, info: number): number {
    let id = this.pfxFree.pop();
    if (id === undefined) {
      id = this.pfxTop++;
      if ((id << 2) >= this.prec.length) {
        const p = new Int32Array(this.prec.length * 2);
        p.set(this.prec);
        this.prec = p;
        const d = new Int16Array(this.pDefault.length * 2);
        d.set(this.pDefault);
        this.pDefault = d;
      }
    }
    const b = id << 2;
    this.prec[b] = key | 0;
    this.prec[b + 1] = (meta & ~META_LEN_MASK) | len;
    this.prec[b + 2] = info;
    this.prec[b + 3] = 0;
    this.pDefault[id] = -1;
    this.count++;
    if (this.count * 2 > this.hash.length) this.rehash();
    else this.hashInsert(id);
    this.lenCount[len]!++;
    this.trieInsert(id, key, len);
    this.version++;
    return id;
  }

  private removePrefix(id: number): void {
    const key = this.pfxKey(id);
    const len = this.pfxLen(id);
    this.trieRemove(key, len);
    this.hashRemove(id);
    this.lenCount[len]!--;
    this.count--;
    this.prec[(id << 2) + 2] = 0;
    this.pfxFree.push(id);
  }

  /** The next alias after `ref` in its prefix's list (0: none). */
  aliasNext(ref: number): number {
    return ref < 0 ? this.prec[((-ref) << 2) + 3]! : this.arec[(ref << 2) + 2]!;
  }
  /** Alias meta (tos/type/state; for a first alias also the length bits). */
  aliasMeta(ref: number): number {
    return ref < 0 ? this.prec[((-ref) << 2) + 1]! : this.arec[ref << 2]!;
  }
  aliasInfoIdx(ref: number): number {
    return ref < 0 ? this.prec[((-ref) << 2) + 2]! : this.arec[(ref << 2) + 1]!;
  }
  aliasInfo(ref: number): FibInfo {
    return this.infos[this.aliasInfoIdx(ref)]!;
  }
  aliasDefault(ref: number): number {
    return ref < 0 ? this.pDefault[-ref]! : this.arec[(ref << 2) + 3]!;
  }
  setAliasDefault(ref: number, v: number): void {
    if (ref < 0) this.pDefault[-ref] = v;
    else this.arec[(ref << 2) + 3] = v;
  }
  /** OR `state` into the alias's fa_state. */
  aliasSetState(ref: number, state: number): void {
    if (ref < 0) {
      this.prec[((-ref) << 2) + 1] |= state << 24;
      this.trieRefresh(-ref);
    } else {
      this.arec[ref << 2] |= state << 24;
    }
  }

  private setNext(ref: number, next: number): void {
    if (ref < 0) this.prec[((-ref) << 2) + 3] = next;
    else this.arec[(ref << 2) + 2] = next;
  }

  private allocAlias(): number {
    let aid = this.aFree.pop();
    if (aid === undefined) {
      aid = this.aTop++;
      if ((aid << 2) >= this.arec.length) {
        const a = new Int32Array(this.arec.length * 2);
        a.set(this.arec);
        this.arec = a;
      }
    }
    return aid;
  }

  /** Insert an alias (meta without length, info index) in prefix `id` before `before` (0: at the tail). */
  insertAlias(id: number, before: number, meta: number, info: number): void {
    const b = id << 2;
    const aid = this.allocAlias();
    const a = aid << 2;
    if (before === -id) {
      // New first alias: the old first one moves out of the prefix record.
      this.arec[a] = this.prec[b + 1]! & ~META_LEN_MASK;
      this.arec[a + 1] = this.prec[b + 2]!;
      this.arec[a + 2] = this.prec[b + 3]!;
      this.arec[a + 3] = this.pDefault[id]!;
      this.prec[b + 1] = (meta & ~META_LEN_MASK) | (this.prec[b + 1]! & META_LEN_MASK);
      this.prec[b + 2] = info;
      this.prec[b + 3] = aid;
      this.pDefault[id] = -1;
      this.trieRefresh(id);
    } else {
      let prev = -id;
      for (let r = this.aliasNext(prev); r !== before; r = this.aliasNext(r)) prev = r;
      this.arec[a] = meta & ~META_LEN_MASK;
      this.arec[a + 1] = info;
      this.arec[a + 2] = before;
      this.arec[a + 3] = -1;
      this.setNext(prev, aid);
    }
    this.version++;
  }

  /** Give alias `ref` new meta and info (Linux: the replacing fib_alias; fa_default -1). */
  replaceAlias(ref: number, meta: number, info: number): void {
    if (ref < 0) {
      const b = (-ref) << 2;
      this.prec[b + 1] = (meta & ~META_LEN_MASK) | (this.prec[b + 1]! & META_LEN_MASK);
      this.prec[b + 2] = info;
      this.trieRefresh(-ref);
    } else {
      this.arec[ref << 2] = meta & ~META_LEN_MASK;
      this.arec[(ref << 2) + 1] = info;
    }
    this.setAliasDefault(ref, -1);
    this.version++;
  }

  /** Unlink alias `ref` of prefix `id`; the prefix goes when it was the last. */
  removeAlias(id: number, ref: number): void {
    const b = id << 2;
    if (ref === -id) {
      const next = this.prec[b + 3]!;
      if (next === 0) {
        this.removePrefix(id);
      } else {
        const a = next << 2;
        this.prec[b + 1] = this.arec[a]! | (this.prec[b + 1]! & META_LEN_MASK);
        this.prec[b + 2] = this.arec[a + 1]!;
        this.prec[b + 3] = this.arec[a + 2]!;
        this.pDefault[id] = this.arec[a + 3]!;
        this.aFree.push(next);
        this.trieRefresh(id);
      }
    } else {
      let prev = -id;
      while (this.aliasNext(prev) !== ref) prev = this.aliasNext(prev);
      this.setNext(prev, this.aliasNext(ref));
      this.aFree.push(ref);
    }
    this.version++;
  }

  /** Whether prefix id `id` is live. */
  live(id: number): boolean {
    return this.prec[(id << 2) + 2] !== 0;
  }

  /** Prefix ids in Linux's dump order: key ascending, then longer prefixes first. */
  dumpOrder(): Int32Array {
    if (this.sortedVersion === this.version) return this.sorted;
    const comp = new Float64Array(this.count);
    let n = 0;
    for (let id = 1; id < this.pfxTop; id++) {
      if (!this.live(id)) continue;
      comp[n++] = this.pfxKey(id) * 64 + (KEYLENGTH - this.pfxLen(id));
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

  /** Bytes of typed-array storage in use (for /proc/net/fib_triestat-like reports and tests). */
  bytes(): number {
    return this.nodeTop * (SLOTS * 4 + 8) + this.pfxTop * 18 + this.aTop * 16 + this.hash.length * 4;
  }
}
