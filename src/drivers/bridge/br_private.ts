/**
 * The bridge's private structures (Linux: net/bridge/br_private.h,
 * include/uapi/linux/if_bridge.h, include/linux/if_bridge.h): the bridge
 * (struct net_bridge), its ports (struct net_bridge_port), forwarding database
 * entries (struct net_bridge_fdb_entry), port and fdb flag bits, STP port states.
 *
 * Times are kept in ns of the kernel clock where Linux keeps jiffies; netlink
 * converts them to clock_t (centiseconds, USER_HZ 100) as Linux does.
 */
import type { NetDevice } from '../../core/netdevice.js';
import type { Kernel } from '../../core/net_namespace.js';
import { TimerList } from '../../core/timer.js';

/** Port states (include/uapi/linux/if_bridge.h BR_STATE_*). */
export const BR_STATE_DISABLED = 0;
export const BR_STATE_LISTENING = 1;
export const BR_STATE_LEARNING = 2;
export const BR_STATE_FORWARDING = 3;
export const BR_STATE_BLOCKING = 4;

/** Port flags (include/linux/if_bridge.h). */
export const BR_HAIRPIN_MODE = 1 << 0;
export const BR_BPDU_GUARD = 1 << 1;
export const BR_ROOT_BLOCK = 1 << 2;
export const BR_MULTICAST_FAST_LEAVE = 1 << 3;
export const BR_ADMIN_COST = 1 << 4;
export const BR_LEARNING = 1 << 5;
export const BR_FLOOD = 1 << 6;
export const BR_AUTO_MASK = BR_FLOOD | BR_LEARNING;
export const BR_PROMISC = 1 << 7;
export const BR_PROXYARP = 1 << 8;
export const BR_LEARNING_SYNC = 1 << 9;
export const BR_PROXYARP_WIFI = 1 << 10;
export const BR_MCAST_FLOOD = 1 << 11;
export const BR_MULTICAST_TO_UNICAST = 1 << 12;
export const BR_VLAN_TUNNEL = 1 << 13;
export const BR_BCAST_FLOOD = 1 << 14;
export const BR_NEIGH_SUPPRESS = 1 << 15;
export const BR_ISOLATED = 1 << 16;
export const BR_MRP_AWARE = 1 << 17;
export const BR_MRP_LOST_CONT = 1 << 18;
export const BR_MRP_LOST_IN_CONT = 1 << 19;
export const BR_TX_FWD_OFFLOAD = 1 << 20;
export const BR_PORT_LOCKED = 1 << 21;

/** FDB entry flag bits (br_private.h enum BR_FDB_*), used as masks here. */
export const BR_FDB_LOCAL = 1 << 0;
export const BR_FDB_STATIC = 1 << 1;
export const BR_FDB_STICKY = 1 << 2;
export const BR_FDB_ADDED_BY_USER = 1 << 3;
export const BR_FDB_ADDED_BY_EXT_LEARN = 1 << 4;
export const BR_FDB_OFFLOADED = 1 << 5;
export const BR_FDB_NOTIFY = 1 << 6;
export const BR_FDB_NOTIFY_INACTIVE = 1 << 7;
export const BR_FDB_LOCKED = 1 << 8;

/** stp_enabled values. */
export const BR_NO_STP = 0;
export const BR_KERNEL_STP = 1;
export const BR_USER_STP = 2;

/** Packet classes for flooding (br_private.h enum br_pkt_type). */
export const BR_PKT_UNICAST = 0;
export const BR_PKT_MULTICAST = 1;
export const BR_PKT_BROADCAST = 2;

export const BR_PORT_BITS = 10;
export const BR_MAX_PORTS = 1 << BR_PORT_BITS;
/** Linux BR_DEFAULT_AGEING_TIME: 300 s. */
export const BR_DEFAULT_AGEING_TIME = 300e9;
export const BR_GROUPFWD_DEFAULT = 0;
/** Linux: the minimum time between two fdb gc runs (msecs_to_jiffies(10)). */
export const BR_GC_MIN_DELAY = 10e6;

/** A bridge id: 2-byte priority and a MAC (Linux: struct bridge_id). */
export interface BridgeId {
  prio: number;
  addr: Uint8Array;
}

/**
 * One forwarding database entry (Linux: struct net_bridge_fdb_entry). `dst` is
 * null for entries that belong to the bridge device itself. Entries hash by MAC
 * (a 48-bit number) and chain on `hashNext` for the other VLANs of that MAC;
 * `listPrev/listNext` keep Linux's fdb_list order (newest first) for dumps.
 */
export class NetBridgeFdbEntry {
  dst: NetBridgePort | null;
  readonly addr: Uint8Array;
  readonly vlanId: number;
  /** brMacHash(addr): the fdbHash chain the entry is on. */
  readonly key: number;
  flags = 0;
  /** ns of the kernel clock. */
  updated: number;
  used: number;
  hashNext: NetBridgeFdbEntry | null = null;
  listPrev: NetBridgeFdbEntry | null = null;
  listNext: NetBridgeFdbEntry | null = null;
  constructor(dst: NetBridgePort | null, addr: Uint8Array, vlanId: number, key: number, now: number) {
    this.dst = dst;
    this.addr = addr;
    this.vlanId = vlanId;
    this.key = key;
    this.updated = now;
    this.used = now;
  }
}

/** Linux: struct net_bridge_port. */
export class NetBridgePort {
  readonly br: NetBridge;
  readonly dev: NetDevice;
  portNo = 0;
  /** STP priority of the port (Linux default 0x8000 >> BR_PORT_BITS = 32). */
  priority = 0x8000 >> BR_PORT_BITS;
  portId = 0;
  pathCost = 100;
  state = BR_STATE_DISABLED;
  flags = BR_LEARNING | BR_FLOOD | BR_MCAST_FLOOD | BR_BCAST_FLOOD;
  designatedRoot: BridgeId = { prio: 0, addr: new Uint8Array(6) };
  designatedBridge: BridgeId = { prio: 0, addr: new Uint8Array(6) };
  designatedCost = 0;
  designatedPort = 0;
  topologyChangeAck = 0;
  configPending = 0;
  groupFwdMask = 0;
  /** IFLA_BRPORT_MULTICAST_ROUTER (MDB_RTR_TYPE_TEMP_QUERY = 1 by default). */
  multicastRouter = 1;
  /** Linux p->forward_delay_timer; with STP off it only runs out (ip -d shows it). */
  readonly forwardDelayTimer: TimerList;
  constructor(br: NetBridge, dev: NetDevice) {
    this.br = br;
    this.dev = dev;
    this.forwardDelayTimer = new TimerList(() => {});
  }
}

/**
 * What the bridge keeps in skb.cb while a frame crosses it (Linux: struct
 * br_input_skb_cb). Read-only once set, so each bridge keeps one per value and
 * frames point at it instead of allocating.
 */
export class BrInputSkbCb {
  constructor(readonly brdev: NetBridge, readonly srcPortIsolated: boolean) {}
}

/** Linux: struct net_bridge (netdev_priv of a bridge device). */
export class NetBridge {
  readonly dev: NetDevice;
  /** Ports in Linux's port_list order (new ports at the head). */
  readonly portList: NetBridgePort[] = [];
  /** fdb hash: brMacHash() -> chain of the entries with that hash (any VLAN). */
  readonly fdbHash = new Map<number, NetBridgeFdbEntry>();
  /** Head of fdb_list (newest first). */
  fdbList: NetBridgeFdbEntry | null = null;
  fdbCount = 0;
  bridgeId: BridgeId;
  designatedRoot: BridgeId;
  rootPathCost = 0;
  rootPort = 0;
  /** All times in ns. */
  maxAge = 20e9;
  helloTime = 2e9;
  forwardDelay = 15e9;
  bridgeMaxAge = 20e9;
  bridgeHelloTime = 2e9;
  bridgeForwardDelay = 15e9;
  ageingTime = BR_DEFAULT_AGEING_TIME;
  bridgeAgeingTime = BR_DEFAULT_AGEING_TIME;
  stpEnabled = BR_NO_STP;
  topologyChange = 0;
  topologyChangeDetected = 0;
  groupFwdMask = BR_GROUPFWD_DEFAULT;
  groupFwdMaskRequired = BR_GROUPFWD_DEFAULT;
  groupAddr = new Uint8Array([0x01, 0x80, 0xc2, 0x00, 0x00, 0x00]);
  vlanFiltering = 0;
  vlanProtocol = 0x8100;
  defaultPvid = 1;
  /** BROPT_MTU_SET_BY_USER */
  mtuSetByUser = false;
  /** BROPT_NO_LL_LEARN */
  noLinklocalLearn = false;
  mcastSnooping = 1;
  nfCallIptables = 0;
  nfCallIp6tables = 0;
  nfCallArptables = 0;
  /** Ports without BR_AUTO_MASK cleared (Linux br->auto_cnt). */
  autoCnt = 0;
  /** Linux br->gc_work (a delayed work item; here a kernel timer). */
  readonly gcTimer: TimerList;
  readonly cbPlain: BrInputSkbCb;
  readonly cbIsolated: BrInputSkbCb;
  constructor(dev: NetDevice, gc: (br: NetBridge) => void) {
    this.dev = dev;
    this.cbPlain = new BrInputSkbCb(this, false);
    this.cbIsolated = new BrInputSkbCb(this, true);
    this.bridgeId = { prio: 0x8000, addr: new Uint8Array(6) };
    this.designatedRoot = { prio: 0x8000, addr: new Uint8Array(6) };
    // Periodic FDB ageing (Linux: br_fdb_cleanup delayed work): housekeeping, deferrable.
    this.gcTimer = new TimerList(() => gc(this), true);
  }
  get kernel(): Kernel {
    return this.dev.net.kernel;
  }
}

/**
 * Notifications the netlink side installs (Linux calls br_ifinfo_notify() and
 * fdb_notify() directly; here the hooks keep the data path free of netlink
 * imports until rtnetlink is loaded).
 */
export interface BridgeHooks {
  /** Linux: br_ifinfo_notify(): RTM_NEWLINK/DELLINK for AF_BRIDGE to RTNLGRP_LINK. */
  ifinfoNotify(event: number, br: NetBridge | null, port: NetBridgePort | null): void;
  /** Linux: fdb_notify(): RTM_NEWNEIGH/DELNEIGH to RTNLGRP_NEIGH. */
  fdbNotify(br: NetBridge, fdb: NetBridgeFdbEntry, type: number): void;
}

const HOOKS_KEY = 'bridge.hooks';

export function bridgeHooks(k: Kernel): BridgeHooks | null {
  return (k.generic.get(HOOKS_KEY) as BridgeHooks | undefined) ?? null;
}
export function setBridgeHooks(k: Kernel, hooks: BridgeHooks): void {
  k.generic.set(HOOKS_KEY, hooks);
}

/** Linux: netdev_priv() of a bridge device. */
export function brFromDev(dev: NetDevice): NetBridge {
  return dev.priv as NetBridge;
}

/** Linux: br_port_get_rtnl()/br_port_get_rcu(): the port a device is, or null. */
export function brPortGet(dev: NetDevice): NetBridgePort | null {
  if (dev.rxHandlerData instanceof NetBridgePort) return dev.rxHandlerData;
  return null;
}

/** Linux: br_promisc_port(). */
export function brPromiscPort(p: NetBridgePort): boolean {
  return (p.flags & BR_PROMISC) !== 0;
}

/** Linux: br_auto_port(). */
export function brAutoPort(p: NetBridgePort): boolean {
  return (p.flags & BR_AUTO_MASK) !== 0;
}

/** Linux: hold_time(): how long a learned entry lives. */
export function holdTime(br: NetBridge): number {
  return br.topologyChange ? br.forwardDelay : br.ageingTime;
}

/**
 * The fdb hash of the MAC at `off` (Linux: br_mac_hash(), the jhash of the address
 * before the fdb moved to an rhashtable). 30 bits, so the Map key is a small
 * integer and a lookup allocates nothing (a 48-bit number would be boxed); two
 * addresses may share a hash: a lookup compares the address (ether_addr_equal).
 */
export function brMacHash(a: Uint8Array, off = 0): number {
  const lo = (a[off + 2]! << 24) | (a[off + 3]! << 16) | (a[off + 4]! << 8) | a[off + 5]!;
  const hi = (a[off]! << 8) | a[off + 1]!;
  return (lo ^ (lo >>> 30) ^ Math.imul(hi, 0x9e3779b1)) & 0x3fffffff;
}

/** Linux: is_link_local_ether_addr(): 01:80:c2:00:00:0X. */
export function isLinkLocalEtherAddr(a: Uint8Array, off = 0): boolean {
  return a[off] === 0x01 && a[off + 1] === 0x80 && a[off + 2] === 0xc2 && a[off + 3] === 0x00 &&
    a[off + 4] === 0x00 && (a[off + 5]! & 0xf0) === 0x00;
}

/** ns -> clock_t (USER_HZ = 100), as netlink and sysfs report bridge times. */
export function nsToClockT(ns: number): number {
  return Math.floor(ns / 1e7);
}
/** clock_t -> ns. */
export function clockTToNs(t: number): number {
  return t * 1e7;
}
