/**
 * Choosing a path once a route is found (Linux: net/ipv4/fib_semantics.c
 * fib_select_path(), fib_select_multipath(), fib_select_default(), fib_detect_death();
 * net/ipv4/route.c fib_multipath_hash() and ip_multipath_l3_keys()).
 *
 * ECMP: a flow's hash picks the first nexthop whose upper bound (fib_rebalance, by
 * weight) is >= the hash. Policies (net.ipv4.fib_multipath_hash_policy): 0 L3
 * (addresses; an ICMP error hashes as the flow it quotes), 1 L4 (addresses, protocol,
 * ports; fragments without ports), 2 L3 or inner L3 (no tunnels here: L3), 3 custom
 * (net.ipv4.fib_multipath_hash_fields). Linux hashes with siphash under a random key;
 * here jhash2 under a seed drawn once per kernel from its rng (see fib_semantics.ts).
 * fib_semantics.ts re-exports the public functions.
 */
import type { Kernel, Net } from '../core/net_namespace.js';
import type { SkBuff } from '../core/skbuff.js';
import { readU16 } from '../wire/bytes.js';
import {
  IPH_DADDR, IPH_FRAG_OFF, IPH_PROTOCOL, IPH_SADDR, IPPROTO_AH, IPPROTO_ESP, IPPROTO_ICMP, IPPROTO_SCTP,
  IPPROTO_TCP, IPPROTO_UDP, IPPROTO_UDPLITE, IP_MF, IP_OFFSET, readU32,
} from '../wire/iphdr.js';
import {
  ICMP_DEST_UNREACH, ICMP_PARAMETERPROB, ICMP_REDIRECT, ICMP_SOURCE_QUENCH, ICMP_TIME_EXCEEDED,
} from '../wire/icmphdr.js';
import { RTN_UNICAST, RTNH_F_DEAD, RT_SCOPE_LINK } from '../wire/route.js';
import type { Flowi4 } from './rtable.js';
import { ipv4Net } from './netns_ipv4.js';
import {
  type FibInfo, type FibNh, type FibResult, FA_S_ACCESSED, FIB_MULTIPATH_HASH_FIELD_DST_IP,
  FIB_MULTIPATH_HASH_FIELD_DST_PORT, FIB_MULTIPATH_HASH_FIELD_IP_PROTO, FIB_MULTIPATH_HASH_FIELD_SRC_IP,
  FIB_MULTIPATH_HASH_FIELD_SRC_PORT, FLOWI_FLAG_SKIP_NH_OIF,
} from './fib_lookup.js';
import { fibResultPrefsrc } from './fib_semantics.js';
import { metaState, metaTos, metaType } from './fib_trie_nodes.js';
import type { NetDevice } from '../core/netdevice.js';
import { neighLookup, neighLookupNoref32, neighRelease } from '../core/neighbour.js';
import { NUD_INCOMPLETE, NUD_REACHABLE, NUD_VALID } from '../wire/neighbour.js';
import { arpTbl } from './arp.js';
import { writeU32 } from '../wire/bytes.js';

/** IPPROTO_DCCP (not in wire/iphdr). */
const IPPROTO_DCCP = 33;
/** Linux: JHASH_INITVAL. */
const JHASH_INITVAL = 0xdeadbeef;

function rol32(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) | 0;
}

/** Linux: jhash2() over four words (include/linux/jhash.h). */
export function jhash4(k0: number, k1: number, k2: number, k3: number, initval: number): number {
  let a = (JHASH_INITVAL + (4 << 2) + initval) | 0;
  let b = a;
  let c = a;
  a = (a + k0) | 0;
  b = (b + k1) | 0;
  c = (c + k2) | 0;
  // __jhash_mix
  a = (a - c) | 0; a ^= rol32(c, 4); c = (c + b) | 0;
  b = (b - a) | 0; b ^= rol32(a, 6); a = (a + c) | 0;
  c = (c - b) | 0; c ^= rol32(b, 8); b = (b + a) | 0;
  a = (a - c) | 0; a ^= rol32(c, 16); c = (c + b) | 0;
  b = (b - a) | 0; b ^= rol32(a, 19); a = (a + c) | 0;
  c = (c - b) | 0; c ^= rol32(b, 4); b = (b + a) | 0;
  a = (a + k3) | 0;
  return jhashFinal(a, b, c);
}

/** Linux: __jhash_final(); returns c. */
function jhashFinal(a: number, b: number, c: number): number {
  c ^= b; c = (c - rol32(b, 14)) | 0;
  a ^= c; a = (a - rol32(c, 11)) | 0;
  b ^= a; b = (b - rol32(a, 25)) | 0;
  c ^= b; c = (c - rol32(b, 16)) | 0;
  a ^= c; a = (a - rol32(c, 4)) | 0;
  b ^= a; b = (b - rol32(a, 14)) | 0;
  c ^= b; c = (c - rol32(b, 24)) | 0;
  return c >>> 0;
}

/** Linux: jhash_2words(). */
export function jhash2Words(a: number, b: number, initval: number): number {
  const iv = (initval + JHASH_INITVAL + (2 << 2)) | 0;
  return jhashFinal((a + iv) | 0, (b + iv) | 0, iv);
}

/** The kernel's flow hash key (Linux: hashrnd of flow_dissector.c, net_get_random_once). */
function flowHashSeed(k: Kernel): number {
  let s = k.generic.get('ipv4.flow_hashrnd') as number | undefined;
  if (s === undefined) {
    s = k.rng.u32();
    k.generic.set('ipv4.flow_hashrnd', s);
  }
  return s;
}

/**
 * Linux: flow_hash_from_keys() on IPv4 keys: made direction-independent first
 * (__flow_hash_consistentify orders the addresses and the ports), never 0.
 */
function flowHashFromKeys(k: Kernel, src: number, dst: number, sport: number, dport: number, proto: number): number {
  if (dst >>> 0 < src >>> 0) {
    const t = src; src = dst; dst = t;
  }
  if (dport < sport) {
    const t = sport; sport = dport; dport = t;
  }
  const h = jhash4(src | 0, dst | 0, ((sport << 16) | dport) | 0, proto, flowHashSeed(k));
  return h === 0 ? 1 : h;
}

/** Linux: icmp_is_err(). */
function icmpIsErr(type: number): boolean {
  return type === ICMP_DEST_UNREACH || type === ICMP_SOURCE_QUENCH || type === ICMP_REDIRECT ||
    type === ICMP_TIME_EXCEEDED || type === ICMP_PARAMETERPROB;
}

/** Parsed keys of a packet (what the flow dissector would give for IPv4). */
interface Keys { src: number; dst: number; proto: number; sport: number; dport: number }

/** Linux: skb_flow_dissect_flow_keys() for an IPv4 packet at the skb's network header. */
function dissect(skb: SkBuff): Keys | null {
  const b = skb.buf;
  const nh = skb.networkHeader >= 0 ? skb.networkHeader : skb.data;
  if (nh + 20 > skb.tail) return null;
  const ihl = (b[nh]! & 0x0f) * 4;
  const k: Keys = { src: readU32(b, nh + IPH_SADDR), dst: readU32(b, nh + IPH_DADDR), proto: b[nh + IPH_PROTOCOL]!, sport: 0, dport: 0 };
  // A fragment carries no ports (Linux parses the first fragment's only with FLOW_DISSECTOR_F_PARSE_1ST_FRAG).
  if (readU16(b, nh + IPH_FRAG_OFF) & (IP_MF | IP_OFFSET)) return k;
  let portOff = -1;
  switch (k.proto) {
    case IPPROTO_TCP: case IPPROTO_UDP: case IPPROTO_DCCP: case IPPROTO_ESP: case IPPROTO_SCTP: case IPPROTO_UDPLITE:
      portOff = 0;
      break;
    case IPPROTO_AH:
      portOff = 4;
      break;
  }
  const at = nh + ihl + portOff;
  if (portOff >= 0 && ihl >= 20 && at + 4 <= skb.tail) {
    k.sport = readU16(b, at);
    k.dport = readU16(b, at + 2);
  }
  return k;
}

/** Linux: ip_multipath_l3_keys(): the addresses, or for an ICMP error those of the packet it quotes. */
function ipMultipathL3Keys(skb: SkBuff): { src: number; dst: number } {
  const b = skb.buf;
  const nh = skb.networkHeader >= 0 ? skb.networkHeader : skb.data;
  if (nh + 20 > skb.tail) return { src: 0, dst: 0 };
  const outer = { src: readU32(b, nh + IPH_SADDR), dst: readU32(b, nh + IPH_DADDR) };
  if (b[nh + IPH_PROTOCOL] !== IPPROTO_ICMP) return outer;
  if (readU16(b, nh + IPH_FRAG_OFF) & IP_OFFSET) return outer;
  const icmp = nh + (b[nh]! & 0x0f) * 4;
  if (icmp + 8 > skb.tail) return outer;
  if (!icmpIsErr(b[icmp]!)) return outer;
  const inner = icmp + 8;
  if (inner + 20 > skb.tail) return outer;
  return { src: readU32(b, inner + IPH_SADDR), dst: readU32(b, inner + IPH_DADDR) };
}

/**
 * Linux: fib_multipath_hash(): the 31-bit hash that picks a nexthop, from the packet
 * when forwarding (`skb`), else from the flow.
 */
export function fibMultipathHash(net: Net, fl4: Flowi4 | null, skb: SkBuff | null): number {
  const k = net.kernel;
  const sys = ipv4Net(net).sysctl;
  const multipathHash = fl4 !== null ? fl4.multipathHash : 0;
  let mhash = 0;
  switch (sys.fibMultipathHashPolicy) {
    case 0:
    case 2: {
      // Policy 2 hashes the inner header of encapsulated packets; there is no tunnel here.
      if (skb !== null) {
        const a = sys.fibMultipathHashPolicy === 0 ? ipMultipathL3Keys(skb) : (dissect(skb) ?? { src: 0, dst: 0 });
        mhash = flowHashFromKeys(k, a.src, a.dst, 0, 0, 0);
      } else if (fl4 !== null) {
        mhash = flowHashFromKeys(k, fl4.saddr, fl4.daddr, 0, 0, 0);
      }
      break;
    }
    case 1: {
      if (skb !== null) {
        const d = dissect(skb);
        mhash = d !== null ? flowHashFromKeys(k, d.src, d.dst, d.sport, d.dport, d.proto) : flowHashFromKeys(k, 0, 0, 0, 0, 0);
      } else if (fl4 !== null) {
        mhash = flowHashFromKeys(k, fl4.saddr, fl4.daddr, fl4.sport, fl4.dport, fl4.proto);
      }
      break;
    }
    case 3: {
      const f = sys.fibMultipathHashFields;
      let src = 0, dst = 0, proto = 0, sport = 0, dport = 0;
      const d = skb !== null ? dissect(skb) : null;
      const s = d ?? (fl4 !== null ? { src: fl4.saddr, dst: fl4.daddr, proto: fl4.proto, sport: fl4.sport, dport: fl4.dport } : null);
      if (s !== null) {
        if (f & FIB_MULTIPATH_HASH_FIELD_SRC_IP) src = s.src;
        if (f & FIB_MULTIPATH_HASH_FIELD_DST_IP) dst = s.dst;
        if (f & FIB_MULTIPATH_HASH_FIELD_IP_PROTO) proto = s.proto;
        if (f & FIB_MULTIPATH_HASH_FIELD_SRC_PORT) sport = s.sport;
        if (f & FIB_MULTIPATH_HASH_FIELD_DST_PORT) dport = s.dport;
      }
      mhash = flowHashFromKeys(k, src, dst, sport, dport, proto);
      break;
    }
  }
  if (multipathHash) mhash = jhash2Words(mhash, multipathHash, 0);
  return mhash >>> 1;
}

/** Linux: fib_good_nh(): with fib_multipath_use_neigh, a gateway whose neighbour entry is valid. */
function fibGoodNh(nh: FibNh): boolean {
  let state = NUD_REACHABLE;
  if (nh.fibNhScope === RT_SCOPE_LINK && nh.fibNhDev !== null) {
    // Linux: __ipv4_neigh_lookup_noref(dev, gw) (a gatewayless nexthop looks up 0).
    const n = neighLookupNoref32(arpTbl(nh.fibNhDev.net), nh.fibNhGwFamily ? nh.fibNhGw4 : 0, nh.fibNhDev);
    if (n !== null) state = n.nudState;
  }
  return (state & NUD_VALID) !== 0;
}

/** Linux: neigh_lookup(&arp_tbl, gw, dev) for fib_detect_death: the entry's NUD state, -1 without one. */
function arpNudState(dev: NetDevice, gw: number): number {
  const key = new Uint8Array(4);
  writeU32(key, 0, gw);
  const n = neighLookup(arpTbl(dev.net), key, dev);
  if (n === null) return -1;
  const state = n.nudState;
  neighRelease(n);
  return state;
}

/** Linux: fib_select_multipath(): the nexthop whose hash range holds `hash`. */
export function fibSelectMultipath(res: FibResult, hash: number): void {
  const fi = res.fi!;
  const useNeigh = ipv4Net(fi.fibNet).sysctl.fibMultipathUseNeigh !== 0;
  let first = false;
  for (let nhsel = 0; nhsel < fi.fibNhs; nhsel++) {
    const nh = fi.fibNh[nhsel]!;
    if (useNeigh) {
      if (!fibGoodNh(nh)) continue;
      if (!first) {
        res.nhSel = nhsel;
        res.nhc = nh;
        first = true;
      }
    }
    if (hash > nh.fibNhUpperBound) continue;
    res.nhSel = nhsel;
    res.nhc = nh;
    return;
  }
}

/** Linux: fib_result_assign(). */
function fibResultAssign(res: FibResult, fi: FibInfo): void {
  res.fi = fi;
  res.nhc = fi.fibNh[0]!;
  res.nhSel = 0;
}

/** Linux: fib_detect_death(): is this default gateway dead (or a worse choice than the last)? */
function fibDetectDeath(fi: FibInfo, order: number, last: { resort: FibInfo | null; idx: number }, dflt: number): boolean {
  const nh = fi.fibNh[0]!;
  const state = nh.fibNhGwFamily && nh.fibNhDev !== null ? arpNudState(nh.fibNhDev, nh.fibNhGw4) : -1;
  if (state < 0) return false;
  if (state === NUD_REACHABLE) return false;
  if ((state & NUD_VALID) && order !== dflt) return false;
  if ((state & NUD_VALID) || (last.idx < 0 && order > dflt && state !== NUD_INCOMPLETE)) {
    last.resort = fi;
    last.idx = order;
  }
  return true;
}

/**
 * Linux: fib_select_default(): with several default routes of the same metric, keep
 * using the one chosen before while its gateway's neighbour looks alive, else move on.
 * It walks the aliases of the matched prefix in the table (refs of fib_trie_nodes.ts).
 */
function fibSelectDefault(flp: Flowi4, res: FibResult): void {
  const tb = res.table!;
  const t = tb.trie;
  let fi: FibInfo | null = null;
  const last = { resort: null as FibInfo | null, idx: -1 };
  let order = -1;
  let fa1 = 0;
  let lastPrio = res.fi!.fibPriority;
  let lastTos = 0;
  const id = tb.resultPrefix(res);
  if (id === 0) return;
  for (let fa = -id; fa !== 0; fa = t.aliasNext(fa)) {
    const nextFi = t.aliasInfo(fa);
    const meta = t.aliasMeta(fa);
    const faTos = metaTos(meta);
    if (faTos && faTos !== flp.tos) continue;
    if (nextFi.fibPriority > lastPrio && faTos === lastTos) {
      if (lastTos) continue;
      break;
    }
    if (nextFi.fibFlags & RTNH_F_DEAD) continue;
    lastTos = faTos;
    lastPrio = nextFi.fibPriority;
    if (nextFi.fibScope !== res.scope || metaType(meta) !== RTN_UNICAST) continue;
    const nh = nextFi.fibNh[0]!;
    if (!nh.fibNhGwFamily || nh.fibNhScope !== RT_SCOPE_LINK) continue;
    if (!(metaState(meta) & FA_S_ACCESSED)) t.aliasSetState(fa, FA_S_ACCESSED);
    if (fi === null) {
      if (nextFi !== res.fi) break;
      fa1 = fa;
    } else if (!fibDetectDeath(fi, order, last, t.aliasDefault(fa1))) {
      fibResultAssign(res, fi);
      t.setAliasDefault(fa1, order);
      return;
    }
    fi = nextFi;
    order++;
  }
  if (order <= 0 || fi === null) {
    if (fa1 !== 0) t.setAliasDefault(fa1, -1);
    return;
  }
  if (!fibDetectDeath(fi, order, last, t.aliasDefault(fa1))) {
    fibResultAssign(res, fi);
    t.setAliasDefault(fa1, order);
    return;
  }
  if (last.idx >= 0) fibResultAssign(res, last.resort!);
  t.setAliasDefault(fa1, last.idx);
}

/**
 * Linux: fib_select_path(): pick the nexthop (ECMP hash, or the default-route round
 * robin) unless the flow is bound to an interface, then fill the source address.
 */
export function fibSelectPath(net: Net, res: FibResult, fl4: Flowi4, skb: SkBuff | null): void {
  if (!(fl4.oif && !(fl4.flags & FLOWI_FLAG_SKIP_NH_OIF))) {
    if (res.fi!.fibNhs > 1) {
      fibSelectMultipath(res, fibMultipathHash(net, fl4, skb));
    } else if (!res.prefixlen && res.table !== null && res.table.tbNumDefault > 1 && res.type === RTN_UNICAST) {
      fibSelectDefault(fl4, res);
    }
  }
  if (!fl4.saddr) fl4.saddr = fibResultPrefsrc(net, res);
}
