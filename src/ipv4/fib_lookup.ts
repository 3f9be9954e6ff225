/**
 * The IPv4 FIB's data structures (Linux: include/net/ip_fib.h struct fib_config,
 * fib_nh, fib_info, fib_result, fib_rt_info, fib_dump_filter; net/ipv4/fib_lookup.h
 * struct fib_alias, fib_props). A route is a `FibAlias` (type, tos) in a table's trie
 * at a prefix, pointing to a `FibInfo` that routes with identical attributes share
 * (protocol, scope, priority, prefsrc, metrics, nexthops). A lookup fills a
 * `FibResult`. The trie is in fib_trie.ts (`FibTable`), the semantics (creating,
 * sharing and checking FibInfo, multipath, notifications) in fib_semantics.ts.
 *
 * Addresses are host-order unsigned u32 numbers (the contract of src/ipv4).
 */
import type { Net } from '../core/net_namespace.js';
import type { NetDevice } from '../core/netdevice.js';
import type { NlAttr, NlMsg } from '../wire/netlink.js';
import { EACCES, EAGAIN, EHOSTUNREACH, EINVAL } from '../socket/errno.js';
import {
  RTAX_ADVMSS, RTAX_MAX, RTAX_MTU, RTAX_RTT, RTAX_WINDOW, RTNH_F_DEAD, RTNH_F_LINKDOWN, RTNH_F_OFFLOAD,
  RTNH_F_TRAP, RT_SCOPE_HOST, RT_SCOPE_LINK, RT_SCOPE_NOWHERE, RT_SCOPE_UNIVERSE,
} from '../wire/route.js';
import type { FibTable } from './fib_trie.js';

export type { FibTable } from './fib_trie.js';

/** fib_lookup() flags (Linux: FIB_LOOKUP_*). NOREF is kept for fidelity: JS needs no refcount. */
export const FIB_LOOKUP_NOREF = 1;
export const FIB_LOOKUP_IGNORE_LINKSTATE = 2;

/**
 * flowi4_flags bit that makes a lookup ignore the nexthop oif (Linux:
 * FLOWI_FLAG_SKIP_NH_OIF, include/net/flow.h; the other FLOWI_FLAG_* are in rtable.ts).
 */
export const FLOWI_FLAG_SKIP_NH_OIF = 0x04;

/** Linux: FA_S_ACCESSED (fib_alias.fa_state): a lookup used the alias, so its removal flushes the route cache. */
export const FA_S_ACCESSED = 0x01;

/** Flags that may differ between otherwise equal nexthops (Linux: RTNH_COMPARE_MASK). */
export const RTNH_COMPARE_MASK = RTNH_F_DEAD | RTNH_F_LINKDOWN | RTNH_F_OFFLOAD | RTNH_F_TRAP;

/* Multipath hash policy 3 fields (Linux: FIB_MULTIPATH_HASH_FIELD_*). */
export const FIB_MULTIPATH_HASH_FIELD_SRC_IP = 1 << 0;
export const FIB_MULTIPATH_HASH_FIELD_DST_IP = 1 << 1;
export const FIB_MULTIPATH_HASH_FIELD_IP_PROTO = 1 << 2;
export const FIB_MULTIPATH_HASH_FIELD_FLOWLABEL = 1 << 3;
export const FIB_MULTIPATH_HASH_FIELD_SRC_PORT = 1 << 4;
export const FIB_MULTIPATH_HASH_FIELD_DST_PORT = 1 << 5;

/** Linux: struct fib_prop, fib_props[RTN_MAX + 1] (fib_semantics.c): the error a lookup returns and the narrowest scope. */
export interface FibProp {
  error: number;
  scope: number;
}

/** Linux: fib_props[]. Reject types make the lookup fail with their error. */
export const fibProps: readonly FibProp[] = [
  /* RTN_UNSPEC */ { error: 0, scope: RT_SCOPE_NOWHERE },
  /* RTN_UNICAST */ { error: 0, scope: RT_SCOPE_UNIVERSE },
  /* RTN_LOCAL */ { error: 0, scope: RT_SCOPE_HOST },
  /* RTN_BROADCAST */ { error: 0, scope: RT_SCOPE_LINK },
  /* RTN_ANYCAST */ { error: 0, scope: RT_SCOPE_LINK },
  /* RTN_MULTICAST */ { error: 0, scope: RT_SCOPE_UNIVERSE },
  /* RTN_BLACKHOLE */ { error: -EINVAL, scope: RT_SCOPE_UNIVERSE },
  /* RTN_UNREACHABLE */ { error: -EHOSTUNREACH, scope: RT_SCOPE_UNIVERSE },
  /* RTN_PROHIBIT */ { error: -EACCES, scope: RT_SCOPE_UNIVERSE },
  /* RTN_THROW */ { error: -EAGAIN, scope: RT_SCOPE_UNIVERSE },
  /* RTN_NAT */ { error: -EINVAL, scope: RT_SCOPE_NOWHERE },
  /* RTN_XRESOLVE */ { error: -EINVAL, scope: RT_SCOPE_NOWHERE },
];

/** Errors of the route types indexed by RTN_* (the lookup's hot path reads this, not the objects). */
export const FIB_PROPS_ERROR: Int32Array = Int32Array.from(fibProps, (p) => p.error);

/** Linux: struct nl_info: who asked for a change (for notifications). */
export interface NlInfo {
  /** The request (its seq and NLM_F_ECHO are used for the notification); null for kernel-made routes. */
  nlh: NlMsg | null;
  nlNet: Net;
  portid: number;
}

/**
 * Linux: struct fib_config: a route request, from RTM_NEWROUTE/DELROUTE (fib_frontend.ts
 * rtm_to_fib_config) or made by the kernel (fib_magic for addresses). `fcMx` and `fcMp`
 * are the raw RTA_METRICS / RTA_MULTIPATH attributes, parsed here as Linux parses them
 * in fib_create_info (their offsets point extack at the culprit).
 */
export class FibConfig {
  fcDstLen = 0;
  fcTos = 0;
  fcProtocol = 0;
  fcScope = 0;
  fcType = 0;
  /** AF_INET when fcGw4 is set (Linux: fc_gw_family); IPv6 gateways are not supported. */
  fcGwFamily = 0;
  fcTable = 0;
  fcDst = 0;
  fcGw4 = 0;
  fcOif = 0;
  /** rtm_flags of the request (RTNH_F_ONLINK ...). */
  fcFlags = 0;
  fcPriority = 0;
  fcPrefsrc = 0;
  /** Nexthop object id (RTA_NH_ID); nexthop objects are not implemented, so nonzero fails. */
  fcNhId = 0;
  fcMx: NlAttr | null = null;
  fcMp: NlAttr | null = null;
  fcFlow = 0;
  /** NLM_F_* of the request (EXCL/REPLACE/APPEND/CREATE). */
  fcNlflags = 0;
  fcNlinfo: NlInfo;
  /** RTA_ENCAP is not supported (lightweight tunnels). */
  fcEncap: NlAttr | null = null;
  fcEncapType = 0;

  constructor(net: Net) {
    this.fcNlinfo = { nlh: null, nlNet: net, portid: 0 };
  }
}

/**
 * Linux: struct fib_nh (with its struct fib_nh_common): one nexthop of a route.
 * `nhExceptions` and the cached routes belong to route.ts (nexthop exceptions for
 * learned PMTU and redirects, Linux fnhe; nhc_rth_input / nhc_pcpu_rth_output).
 */
export class FibNh {
  fibNhDev: NetDevice | null = null;
  fibNhOif = 0;
  /** Scope of the nexthop: HOST for a device route, LINK for a gateway on the link, ... */
  fibNhScope = 0;
  fibNhGwFamily = 0;
  fibNhGw4 = 0;
  /** RTNH_F_* */
  fibNhFlags = 0;
  fibNhWeight = 1;
  /** Hash bound for multipath selection, -1 when dead (Linux: fib_nh_upper_bound). */
  fibNhUpperBound = 0;
  /** Realm (RTA_FLOW). */
  nhTclassid = 0;
  /** Cached source address for this nexthop and the generation it was computed in. */
  nhSaddr = 0;
  nhSaddrGenid = -1;
  readonly nhParent: FibInfo;
  /** Nexthop exceptions (route.ts owns their type). */
  nhExceptions: unknown = null;
  /** Cached input route and output route (route.ts). */
  nhRthInput: unknown = null;
  nhRthOutput: unknown = null;
  constructor(parent: FibInfo) {
    this.nhParent = parent;
  }
}

/** Linux: dst_default_metrics: all zero, shared, never written. */
export const DST_DEFAULT_METRICS: Uint32Array = new Uint32Array(RTAX_MAX + 1);

/** Linux: struct fib_info: attributes shared by routes (and their nexthops). */
export class FibInfo {
  readonly fibNet: Net;
  /** Aliases that use this info (Linux: fib_treeref). */
  fibTreeref = 0;
  /** RTNH_F_* (the request's rtm_flags, plus DEAD/LINKDOWN when every nexthop is). */
  fibFlags = 0;
  /** Released from every table (Linux: fib_dead). */
  fibDead = 0;
  fibProtocol = 0;
  fibScope = 0;
  fibType = 0;
  fibPrefsrc = 0;
  fibTbId = 0;
  fibPriority = 0;
  /**
   * Metrics indexed by RTAX_* (0 unset), the same layout as Rtable.metrics. Read-only:
   * a FibInfo without metrics shares DST_DEFAULT_METRICS (Linux: dst_default_metrics).
   */
  fibMetrics: Uint32Array = DST_DEFAULT_METRICS;
  fibNhs = 0;
  fibNh: FibNh[] = [];
  /** Hash of the sharing key (fib_info_hashfn) while linked. */
  fibHash = 0;
  constructor(net: Net) {
    this.fibNet = net;
  }
  get fibMtu(): number {
    return this.fibMetrics[RTAX_MTU]!;
  }
  get fibWindow(): number {
    return this.fibMetrics[RTAX_WINDOW]!;
  }
  get fibRtt(): number {
    return this.fibMetrics[RTAX_RTT]!;
  }
  get fibAdvmss(): number {
    return this.fibMetrics[RTAX_ADVMSS]!;
  }
}

/** Linux: fib_info_num_path(). */
export function fibInfoNumPath(fi: FibInfo): number {
  return fi.fibNhs;
}

/** Linux: fib_info_nh(). */
export function fibInfoNh(fi: FibInfo, nhsel: number): FibNh {
  return fi.fibNh[nhsel]!;
}

/**
 * Linux: struct fib_alias: one route of a table at a prefix. The table keeps its
 * aliases in typed arrays (fib_trie_nodes.ts); this object is a copy handed out by
 * walks, dumps and notifications. A prefix's aliases are ordered by tos
 * (descending) then priority (ascending).
 */
export class FibAlias {
  faInfo: FibInfo;
  faTos: number;
  /** RTN_* */
  faType: number;
  /** FA_S_* */
  faState = 0;
  /** 32 - prefix length (Linux: fa_slen). */
  faSlen: number;
  tbId: number;
  /** Last default route chosen by fib_select_default (Linux: fa_default). */
  faDefault = -1;
  /** The next alias of the same prefix, in copies made by FibResult.faHead. */
  next: FibAlias | null = null;
  constructor(fi: FibInfo, tos: number, type: number, slen: number, tbId: number) {
    this.faInfo = fi;
    this.faTos = tos;
    this.faType = type;
    this.faSlen = slen;
    this.tbId = tbId;
  }
}

/** Linux: struct fib_result. */
export class FibResult {
  prefix = 0;
  prefixlen = 0;
  nhSel = 0;
  /** RTN_* */
  type = 0;
  scope = 0;
  tclassid = 0;
  nhc: FibNh | null = null;
  fi: FibInfo | null = null;
  table: FibTable | null = null;
  /** tos of the alias that matched (Linux: res->dscp). */
  tos = 0;
  /** The matched prefix in `table` (its id in the trie); 0 when not noted (see FibTable.resultPrefix). */
  faPfx = 0;

  /**
   * Linux: res->fa_head: the aliases of the matched prefix, as a list of copies
   * (made on each read; for control-plane use such as RTM_F_FIB_MATCH). Setting it
   * (to null) forgets the prefix.
   */
  get faHead(): FibAlias | null {
    return this.table !== null && this.fi !== null ? this.table.aliasList(this.table.resultPrefix(this)) : null;
  }
  set faHead(v: FibAlias | null) {
    if (v === null) this.faPfx = 0;
  }
}

/** Linux: FIB_RES_NHC() / FIB_RES_NH(). */
export function FIB_RES_NH(res: FibResult): FibNh {
  return res.nhc!;
}
/** Linux: FIB_RES_DEV(). */
export function FIB_RES_DEV(res: FibResult): NetDevice | null {
  return res.nhc !== null ? res.nhc.fibNhDev : null;
}
/** Linux: FIB_RES_OIF(). */
export function FIB_RES_OIF(res: FibResult): number {
  return res.nhc !== null ? res.nhc.fibNhOif : 0;
}

/** Linux: struct fib_rt_info: what fib_dump_info encodes. */
export interface FibRtInfo {
  fi: FibInfo;
  tbId: number;
  dst: number;
  dstLen: number;
  tos: number;
  type: number;
  offload?: boolean;
  trap?: boolean;
}

/** Linux: struct fib_dump_filter (RTM_GETROUTE dump filters, filled by fib_frontend.ts). */
export interface FibDumpFilter {
  table: number;
  /** Dump the routes / the nexthop exceptions (RTM_F_CLONED asks for exceptions only). */
  dumpRoutes: boolean;
  dumpExceptions: boolean;
  filterSet: boolean;
  rtType: number;
  protocol: number;
  dev: NetDevice | null;
  flags: number;
}
