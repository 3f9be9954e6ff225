/**
 * Neighbour messages of rtnetlink (Linux: include/uapi/linux/neighbour.h):
 * struct ndmsg with NDA_* attributes (RTM_NEWNEIGH/DELNEIGH/GETNEIGH), the
 * NUD_* states and NTF_* flags, struct nda_cacheinfo, and the neighbour-table
 * message struct ndtmsg with NDTA_* and NDTPA_* (RTM_GETNEIGHTBL, RTM_SETNEIGHTBL).
 * The ndmsg layout, NDA_*, NUD_* and NTF_* were first written for the bridge
 * fdb (wire/if_bridge.ts); they are re-exported from there so there is one
 * definition, and the rest lives here. Shared by the kernel (core/neighbour*.ts,
 * ipv4/arp.ts) and `ip neigh`.
 */
export {
  NDMSG_LEN, NDM_FAMILY, NDM_IFINDEX, NDM_STATE, NDM_FLAGS, NDM_TYPE, type Ndmsg, ndmsgParse, ndmsgEmit,
  NDA_UNSPEC, NDA_DST, NDA_LLADDR, NDA_CACHEINFO, NDA_PROBES, NDA_VLAN, NDA_PORT, NDA_VNI, NDA_IFINDEX,
  NDA_MASTER, NDA_LINK_NETNSID, NDA_SRC_VNI, NDA_PROTOCOL, NDA_NH_ID, NDA_FDB_EXT_ATTRS, NDA_FLAGS_EXT,
  NDA_NDM_STATE_MASK, NDA_NDM_FLAGS_MASK, NDA_MAX, NDA_CACHEINFO_LEN,
  NUD_INCOMPLETE, NUD_REACHABLE, NUD_STALE, NUD_DELAY, NUD_PROBE, NUD_FAILED, NUD_NOARP, NUD_PERMANENT, NUD_NONE,
  NTF_USE, NTF_SELF, NTF_MASTER, NTF_PROXY, NTF_EXT_LEARNED, NTF_OFFLOADED, NTF_STICKY, NTF_ROUTER,
  NTF_EXT_MANAGED, NTF_EXT_LOCKED,
} from './if_bridge.js';
import { NUD_INCOMPLETE, NUD_REACHABLE, NUD_STALE, NUD_DELAY, NUD_PROBE, NUD_NOARP, NUD_PERMANENT, NTF_EXT_MANAGED } from './if_bridge.js';

/* Kernel-internal state groups (include/net/neighbour.h). */
export const NUD_IN_TIMER = NUD_INCOMPLETE | NUD_REACHABLE | NUD_DELAY | NUD_PROBE;
export const NUD_VALID = NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | NUD_PROBE | NUD_STALE | NUD_DELAY;
export const NUD_CONNECTED = NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE;

/** The NDA_FLAGS_EXT bits sit above the 8 ndm_flags bits in neigh->flags (Linux: NTF_EXT_SHIFT). */
export const NTF_EXT_SHIFT = 8;
export const NTF_EXT_MASK = NTF_EXT_MANAGED | 2 /* NTF_EXT_LOCKED */;
/** NTF_MANAGED as kept in neigh->flags (Linux: NTF_MANAGED = NTF_EXT_MANAGED << NTF_EXT_SHIFT). */
export const NTF_MANAGED = NTF_EXT_MANAGED << NTF_EXT_SHIFT;
export const NTF_OLD_MASK = 0xff;

/** Linux: MAX_ADDR_LEN. */
export const MAX_ADDR_LEN = 32;

/** struct nda_cacheinfo: ages in clock_t (USER_HZ = 100) and the reference count. */
export interface NdaCacheinfo {
  confirmed: number;
  used: number;
  updated: number;
  refcnt: number;
}

/** Encode struct nda_cacheinfo (16 bytes, host order). */
export function ndaCacheinfoEmit(ci: NdaCacheinfo): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setUint32(0, ci.confirmed >>> 0, true);
  v.setUint32(4, ci.used >>> 0, true);
  v.setUint32(8, ci.updated >>> 0, true);
  v.setUint32(12, ci.refcnt >>> 0, true);
  return b;
}

/** Decode struct nda_cacheinfo; null when shorter than 16 bytes. */
export function ndaCacheinfoParse(b: Uint8Array): NdaCacheinfo | null {
  if (b.length < 16) return null;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { confirmed: v.getUint32(0, true), used: v.getUint32(4, true), updated: v.getUint32(8, true), refcnt: v.getUint32(12, true) };
}

/* Neighbour table messages (include/uapi/linux/rtnetlink.h). */
export const RTM_NEWNEIGHTBL = 64;
export const RTM_GETNEIGHTBL = 66;
export const RTM_SETNEIGHTBL = 67;

/* struct ndtmsg { u8 family; u8 pad1; u16 pad2; } */
export const NDTMSG_LEN = 4;

/* enum NDTA_* (neighbour table attributes). */
export const NDTA_UNSPEC = 0;
export const NDTA_NAME = 1;
export const NDTA_THRESH1 = 2;
export const NDTA_THRESH2 = 3;
export const NDTA_THRESH3 = 4;
export const NDTA_CONFIG = 5;
export const NDTA_PARMS = 6;
export const NDTA_STATS = 7;
export const NDTA_GC_INTERVAL = 8;
export const NDTA_PAD = 9;
export const NDTA_MAX = 9;

/* enum NDTPA_* (neighbour parameter attributes, nested in NDTA_PARMS). */
export const NDTPA_UNSPEC = 0;
export const NDTPA_IFINDEX = 1;
export const NDTPA_REFCNT = 2;
export const NDTPA_REACHABLE_TIME = 3;
export const NDTPA_BASE_REACHABLE_TIME = 4;
export const NDTPA_RETRANS_TIME = 5;
export const NDTPA_GC_STALETIME = 6;
export const NDTPA_DELAY_PROBE_TIME = 7;
export const NDTPA_QUEUE_LEN = 8;
export const NDTPA_APP_PROBES = 9;
export const NDTPA_UCAST_PROBES = 10;
export const NDTPA_MCAST_PROBES = 11;
export const NDTPA_ANYCAST_DELAY = 12;
export const NDTPA_PROXY_DELAY = 13;
export const NDTPA_PROXY_QLEN = 14;
export const NDTPA_LOCKTIME = 15;
export const NDTPA_QUEUE_LENBYTES = 16;
export const NDTPA_MCAST_REPROBES = 17;
export const NDTPA_PAD = 18;
export const NDTPA_INTERVAL_PROBE_TIME_MS = 19;
export const NDTPA_MAX = 19;

/** iproute2's NUD state names, in the order it prints a state set (lib/utils.c nud_state_n2a via ipneigh.c). */
export const NUD_NAMES: readonly [number, string][] = [
  [NUD_INCOMPLETE, 'INCOMPLETE'],
  [NUD_REACHABLE, 'REACHABLE'],
  [NUD_STALE, 'STALE'],
  [NUD_DELAY, 'DELAY'],
  [NUD_PROBE, 'PROBE'],
  [0x20, 'FAILED'],
  [NUD_NOARP, 'NOARP'],
  [NUD_PERMANENT, 'PERMANENT'],
];

/** struct ndt_config: u16 key_len, u16 entry_size, then u32 entries, last_flush, last_rand, hash_rnd, hash_mask, hash_chain_gc, proxy_qlen. */
export const NDT_CONFIG_LEN = 32;
/** struct ndt_stats: 11 u64 counters (allocs ... table_fulls). */
export const NDT_STATS_LEN = 88;
