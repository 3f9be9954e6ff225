/**
 * The network device (Linux: include/linux/netdevice.h struct net_device,
 * include/uapi/linux/if.h flags, if_arp.h types, netdev_features.h).
 * A NetDevice is one struct plus ops tables, as in Linux: drivers fill
 * `netdevOps`/`ethtoolOps`/`headerOps` and keep their state in `priv`.
 * The functions that act on devices live in dev.ts, as in net/core/dev.c.
 */
import type { SkBuff } from './skbuff.js';
import type { Net } from './net_namespace.js';
import type { Qdisc } from '../sched/sch_generic.js';
import type { NapiStruct } from './napi.js';
import type { PacketType } from './dev.js';
import type { NlaTable, NlaPolicy, NlMsgBuilder, NetlinkExtAck } from '../wire/netlink.js';

export const IFNAMSIZ = 16;
export const ETH_ALEN = 6;
export const ETH_HLEN = 14;
export const ETH_ZLEN = 60;
export const ETH_DATA_LEN = 1500;
export const ETH_FRAME_LEN = 1514;
export const ETH_MIN_MTU = 68;
export const ETH_MAX_MTU = 0xffff;
export const VLAN_HLEN = 4;

/** include/uapi/linux/if.h net_device_flags */
export const IFF_UP = 1 << 0;
export const IFF_BROADCAST = 1 << 1;
export const IFF_DEBUG = 1 << 2;
export const IFF_LOOPBACK = 1 << 3;
export const IFF_POINTOPOINT = 1 << 4;
export const IFF_NOTRAILERS = 1 << 5;
export const IFF_RUNNING = 1 << 6;
export const IFF_NOARP = 1 << 7;
export const IFF_PROMISC = 1 << 8;
export const IFF_ALLMULTI = 1 << 9;
export const IFF_MASTER = 1 << 10;
export const IFF_SLAVE = 1 << 11;
export const IFF_MULTICAST = 1 << 12;
export const IFF_PORTSEL = 1 << 13;
export const IFF_AUTOMEDIA = 1 << 14;
export const IFF_DYNAMIC = 1 << 15;
export const IFF_LOWER_UP = 1 << 16;
export const IFF_DORMANT = 1 << 17;
export const IFF_ECHO = 1 << 18;
/** Flags the kernel computes, never set by userspace (Linux IFF_VOLATILE). */
export const IFF_VOLATILE = IFF_LOOPBACK | IFF_POINTOPOINT | IFF_BROADCAST | IFF_ECHO |
  IFF_MASTER | IFF_SLAVE | IFF_RUNNING | IFF_LOWER_UP | IFF_DORMANT;

/** Private flags (dev->priv_flags). */
export const IFF_802_1Q_VLAN = 1 << 0;
export const IFF_EBRIDGE = 1 << 1;
export const IFF_BRIDGE_PORT = 1 << 9;
export const IFF_NO_QUEUE = 1 << 21;
export const IFF_LIVE_ADDR_CHANGE = 1 << 15;
export const IFF_TX_SKB_SHARING = 1 << 16;
export const IFF_UNICAST_FLT = 1 << 17;

/** include/uapi/linux/if_arp.h */
export const ARPHRD_NETROM = 0;
export const ARPHRD_ETHER = 1;
export const ARPHRD_IEEE802154 = 804;
export const ARPHRD_LOOPBACK = 772;
export const ARPHRD_NONE = 0xfffe;
export const ARPHRD_VOID = 0xffff;

/** RFC 2863 operational states (include/uapi/linux/if.h IF_OPER_*). */
export const IF_OPER_UNKNOWN = 0;
export const IF_OPER_NOTPRESENT = 1;
export const IF_OPER_DOWN = 2;
export const IF_OPER_LOWERLAYERDOWN = 3;
export const IF_OPER_TESTING = 4;
export const IF_OPER_DORMANT = 5;
export const IF_OPER_UP = 6;
export const IF_LINK_MODE_DEFAULT = 0;
export const IF_LINK_MODE_DORMANT = 1;
export const IF_LINK_MODE_TESTING = 2;

/** dev->addr_assign_type */
export const NET_ADDR_PERM = 0;
export const NET_ADDR_RANDOM = 1;
export const NET_ADDR_STOLEN = 2;
export const NET_ADDR_SET = 3;

/** Device link-state bits (dev->state). */
export const __LINK_STATE_START = 1 << 0;
export const __LINK_STATE_PRESENT = 1 << 1;
export const __LINK_STATE_NOCARRIER = 1 << 2;
export const __LINK_STATE_LINKWATCH_PENDING = 1 << 3;
export const __LINK_STATE_DORMANT = 1 << 4;
export const __LINK_STATE_TESTING = 1 << 5;

/** dev->reg_state */
export const NETREG_UNINITIALIZED = 0;
export const NETREG_REGISTERED = 1;
export const NETREG_UNREGISTERING = 2;
export const NETREG_UNREGISTERED = 3;

/** Transmit return codes (include/linux/netdevice.h netdev_tx). */
export const NETDEV_TX_OK = 0x00;
export const NETDEV_TX_BUSY = 0x10;
export const NET_XMIT_SUCCESS = 0x00;
export const NET_XMIT_DROP = 0x01;
export const NET_XMIT_CN = 0x02;
export const NET_XMIT_MASK = 0x0f;
export const NET_RX_SUCCESS = 0;
export const NET_RX_DROP = 1;

/**
 * Features (include/linux/netdev_features.h). Bit numbers as Linux's
 * NETIF_F_*_BIT; held as a bigint-free pair would be overkill: the 52 bits fit
 * a double exactly, so feature sets are plain numbers combined with the helpers
 * below (JS bitwise ops are 32-bit).
 */
export const NETIF_F_SG = 2 ** 0;
export const NETIF_F_IP_CSUM = 2 ** 1;
export const NETIF_F_HW_CSUM = 2 ** 3;
export const NETIF_F_IPV6_CSUM = 2 ** 4;
export const NETIF_F_HIGHDMA = 2 ** 5;
export const NETIF_F_FRAGLIST = 2 ** 6;
export const NETIF_F_HW_VLAN_CTAG_TX = 2 ** 7;
export const NETIF_F_HW_VLAN_CTAG_RX = 2 ** 8;
export const NETIF_F_HW_VLAN_CTAG_FILTER = 2 ** 9;
export const NETIF_F_VLAN_CHALLENGED = 2 ** 10;
export const NETIF_F_GSO = 2 ** 11;
export const NETIF_F_LLTX = 2 ** 12;
export const NETIF_F_NETNS_LOCAL = 2 ** 13;
export const NETIF_F_GRO = 2 ** 14;
export const NETIF_F_LRO = 2 ** 15;
export const NETIF_F_TSO = 2 ** 16;
export const NETIF_F_GSO_ROBUST = 2 ** 17;
export const NETIF_F_TSO_ECN = 2 ** 18;
export const NETIF_F_TSO_MANGLEID = 2 ** 19;
export const NETIF_F_TSO6 = 2 ** 20;
export const NETIF_F_FSO = 2 ** 21;
export const NETIF_F_GSO_GRE = 2 ** 22;
export const NETIF_F_GSO_UDP_TUNNEL = 2 ** 27;
export const NETIF_F_GSO_UDP_L4 = 2 ** 34;
export const NETIF_F_FCOE_CRC = 2 ** 36;
export const NETIF_F_SCTP_CRC = 2 ** 37;
export const NETIF_F_NTUPLE = 2 ** 39;
export const NETIF_F_RXHASH = 2 ** 40;
export const NETIF_F_RXCSUM = 2 ** 41;
export const NETIF_F_NOCACHE_COPY = 2 ** 42;
export const NETIF_F_LOOPBACK = 2 ** 43;
export const NETIF_F_RXFCS = 2 ** 44;
export const NETIF_F_RXALL = 2 ** 45;
export const NETIF_F_HW_VLAN_STAG_TX = 2 ** 46;
export const NETIF_F_HW_VLAN_STAG_RX = 2 ** 47;
export const NETIF_F_HW_L2FW_DOFFLOAD = 2 ** 49;
export const NETIF_F_HW_TC = 2 ** 50;
export const NETIF_F_GRO_HW = 2 ** 51;
export const NETIF_F_ALL_TSO = NETIF_F_TSO + NETIF_F_TSO6 + NETIF_F_TSO_ECN + NETIF_F_TSO_MANGLEID;
export const NETIF_F_GSO_SOFTWARE = NETIF_F_ALL_TSO + NETIF_F_GSO_UDP_L4;

/** Feature-set arithmetic on up-to-53-bit numbers. */
export function featHas(set: number, f: number): boolean {
  return featAnd(set, f) === f;
}
export function featAnd(a: number, b: number): number {
  const hi = (Math.floor(a / 2 ** 32) & Math.floor(b / 2 ** 32)) >>> 0;
  const lo = ((a >>> 0) & (b >>> 0)) >>> 0;
  return hi * 2 ** 32 + lo;
}
export function featOr(a: number, b: number): number {
  const hi = (Math.floor(a / 2 ** 32) | Math.floor(b / 2 ** 32)) >>> 0;
  const lo = ((a >>> 0) | (b >>> 0)) >>> 0;
  return hi * 2 ** 32 + lo;
}
export function featClear(a: number, b: number): number {
  const hi = (Math.floor(a / 2 ** 32) & ~Math.floor(b / 2 ** 32)) >>> 0;
  const lo = ((a >>> 0) & ~(b >>> 0)) >>> 0;
  return hi * 2 ** 32 + lo;
}

/** Linux: struct rtnl_link_stats64 (include/uapi/linux/if_link.h), in that field order. */
export class RtnlLinkStats64 {
  rxPackets = 0;
  txPackets = 0;
  rxBytes = 0;
  txBytes = 0;
  rxErrors = 0;
  txErrors = 0;
  rxDropped = 0;
  txDropped = 0;
  multicast = 0;
  collisions = 0;
  rxLengthErrors = 0;
  rxOverErrors = 0;
  rxCrcErrors = 0;
  rxFrameErrors = 0;
  rxFifoErrors = 0;
  rxMissedErrors = 0;
  txAbortedErrors = 0;
  txCarrierErrors = 0;
  txFifoErrors = 0;
  txHeartbeatErrors = 0;
  txWindowErrors = 0;
  rxCompressed = 0;
  txCompressed = 0;
  rxNohandler = 0;
  rxOtherhostDropped = 0;
  /** Field names in uapi order, for encoders. */
  static readonly FIELDS = ['rxPackets', 'txPackets', 'rxBytes', 'txBytes', 'rxErrors', 'txErrors',
    'rxDropped', 'txDropped', 'multicast', 'collisions', 'rxLengthErrors', 'rxOverErrors',
    'rxCrcErrors', 'rxFrameErrors', 'rxFifoErrors', 'rxMissedErrors', 'txAbortedErrors',
    'txCarrierErrors', 'txFifoErrors', 'txHeartbeatErrors', 'txWindowErrors', 'rxCompressed',
    'txCompressed', 'rxNohandler', 'rxOtherhostDropped'] as const;
  addFrom(o: RtnlLinkStats64): void {
    for (const f of RtnlLinkStats64.FIELDS) this[f] += o[f];
  }
}

/** Linux: struct net_device_ops (the subset a software stack uses). Errors are negative errno. */
export interface NetDeviceOps {
  ndoInit?(dev: NetDevice): number;
  ndoUninit?(dev: NetDevice): void;
  ndoOpen?(dev: NetDevice): number;
  ndoStop?(dev: NetDevice): number;
  /** Consumes the skb on NETDEV_TX_OK; on NETDEV_TX_BUSY the caller keeps it. */
  ndoStartXmit(skb: SkBuff, dev: NetDevice): number;
  ndoChangeMtu?(dev: NetDevice, newMtu: number): number;
  ndoSetMacAddress?(dev: NetDevice, addr: Uint8Array): number;
  ndoValidateAddr?(dev: NetDevice): number;
  ndoSetRxMode?(dev: NetDevice): void;
  ndoChangeRxFlags?(dev: NetDevice, flags: number): void;
  ndoGetStats64?(dev: NetDevice, stats: RtnlLinkStats64): void;
  ndoGetIflink?(dev: NetDevice): number;
  ndoSelectQueue?(dev: NetDevice, skb: SkBuff): number;
  ndoFixFeatures?(dev: NetDevice, features: number): number;
  ndoSetFeatures?(dev: NetDevice, features: number): number;
  /** `ip link set SLAVE master DEV` (rtnetlink do_set_master); extack.msg explains a refusal. */
  ndoAddSlave?(dev: NetDevice, slave: NetDevice, extack?: { msg?: string }): number;
  ndoDelSlave?(dev: NetDevice, slave: NetDevice, extack?: { msg?: string }): number;
  ndoGetPeerDev?(dev: NetDevice): NetDevice | null;
}

/** Linux: struct ethtool_drvinfo (the fields ethtool -i prints). */
export interface EthtoolDrvinfo {
  driver: string;
  version: string;
  fwVersion: string;
  busInfo: string;
  nStats: number;
  eedumpLen: number;
  regdumpLen: number;
  supportsStatistics: boolean;
  supportsTest: boolean;
  supportsEepromAccess: boolean;
  supportsRegisterDump: boolean;
  supportsPrivFlags: boolean;
}

/** Linux: struct ethtool_link_ksettings, reduced to what `ethtool DEV` prints. */
export interface EthtoolLinkKsettings {
  /** Mb/s, or -1 (SPEED_UNKNOWN). */
  speed: number;
  /** DUPLEX_HALF 0, DUPLEX_FULL 1, DUPLEX_UNKNOWN 0xff. */
  duplex: number;
  /** PORT_TP 0, PORT_OTHER 0xff ... */
  port: number;
  autoneg: number;
  phyAddress: number;
  transceiver: number;
  supportedModes: string[];
  advertisedModes: string[];
  mdix: number;
}

export const SPEED_UNKNOWN = -1;
export const DUPLEX_HALF = 0;
export const DUPLEX_FULL = 1;
export const DUPLEX_UNKNOWN = 0xff;
export const PORT_TP = 0x00;
export const PORT_OTHER = 0xff;
export const PORT_NONE = 0xef;
export const AUTONEG_DISABLE = 0;
export const AUTONEG_ENABLE = 1;

/** Linux: struct ethtool_ops (subset). */
export interface EthtoolOps {
  getDrvinfo?(dev: NetDevice): Partial<EthtoolDrvinfo>;
  getLink?(dev: NetDevice): boolean;
  getLinkKsettings?(dev: NetDevice): EthtoolLinkKsettings;
  getStrings?(dev: NetDevice): string[];
  getEthtoolStats?(dev: NetDevice): number[];
}

/** Linux: struct header_ops. */
export interface HeaderOps {
  /** Build the link header in front of skb.data; returns bytes pushed or negative. */
  create(skb: SkBuff, dev: NetDevice, type: number, daddr: Uint8Array | null, saddr: Uint8Array | null, len: number): number;
  /** Copy the source hardware address of a received skb into `haddr`; returns its length. */
  parse(skb: SkBuff, haddr: Uint8Array): number;
  parseProtocol?(skb: SkBuff): number;
}

/** rx_handler results (Linux: enum rx_handler_result). */
export const RX_HANDLER_CONSUMED = 0;
export const RX_HANDLER_ANOTHER = 1;
export const RX_HANDLER_EXACT = 2;
export const RX_HANDLER_PASS = 3;
/** A bridge/bond/macvlan hook on a lower device. May replace skb.dev and return ANOTHER. */
export type RxHandler = (skb: SkBuff) => number;

/** One hardware address with its users (Linux: struct netdev_hw_addr). */
export interface NetdevHwAddr {
  addr: Uint8Array;
  refcount: number;
  global: boolean;
  /** Set by ndo_set_rx_mode when written to hardware / synced to a lower device. */
  synced: number;
}

/** Linux: struct netdev_queue (transmit side). */
export class NetdevQueue {
  /** __QUEUE_STATE_DRV_XOFF */
  stopped = false;
  transStart = 0;
  txPackets = 0;
  txBytes = 0;
  constructor(readonly dev: NetDevice, readonly index: number) {}
}

/** Linux: struct netdev_rx_queue. */
export class NetdevRxQueue {
  constructor(readonly dev: NetDevice, readonly index: number) {}
}

/**
 * Operations for creating devices of a kind over netlink (Linux: struct rtnl_link_ops).
 * Registered in `k.linkOps` by kind name; src/netlink/rtnl_link.ts drives them
 * (see the header of that file for the full contract). `tb` is the request's
 * IFLA_* table, `data` the kind's parsed IFLA_INFO_DATA (null when absent), both
 * NlaTable from wire/netlink.ts; `skb` in the fill hooks is an NlMsgBuilder.
 */
export interface RtnlLinkOps {
  kind: string;
  /** Private-data constructor and defaults (Linux: ->setup); must set dev.netdevOps. `dev.net` is set. */
  setup(dev: NetDevice): void;
  /** Highest IFLA_INFO_DATA attribute type and its policy (Linux: ->maxtype, ->policy). */
  maxtype?: number;
  policy?: NlaPolicy;
  /** Same for IFLA_INFO_SLAVE_DATA of ports enslaved to a device of this kind. */
  slaveMaxtype?: number;
  slavePolicy?: NlaPolicy;
  /** Validate before anything is created. Returns 0 or -errno (extack.msg for the user). */
  validate?(tb: NlaTable, data: NlaTable | null, extack: NetlinkExtAck): number;
  /** Finish creation; must call registerNetdevice(net, dev). Returns 0 or -errno. Default: just register. */
  newlink?(srcNet: Net, dev: NetDevice, tb: NlaTable, data: NlaTable | null, extack: NetlinkExtAck): number;
  /** Apply IFLA_INFO_DATA to an existing device (`ip link set DEV type KIND ...`). */
  changelink?(dev: NetDevice, tb: NlaTable, data: NlaTable | null, extack: NetlinkExtAck): number;
  /** Apply IFLA_INFO_SLAVE_DATA to a port of a master of this kind (`ip link set PORT type bridge_slave ...`). */
  slaveChangelink?(master: NetDevice, slave: NetDevice, tb: NlaTable, data: NlaTable | null, extack: NetlinkExtAck): number;
  /**
   * Delete (Linux: ->dellink): queue `dev` (and whatever goes with it, like a
   * veth's peer) on `head` for unregisterNetdeviceMany. Default: queue `dev`.
   */
  dellink?(dev: NetDevice, head: NetDevice[]): void;
  /** Number of TX/RX queues to allocate when userspace does not say. */
  getNumTxQueues?(): number;
  getNumRxQueues?(): number;
  /** Append the kind's IFLA_INFO_DATA attributes (the nest is opened by the caller). 0 or -EMSGSIZE. */
  fillInfo?(skb: NlMsgBuilder, dev: NetDevice): number;
  /** Append IFLA_INFO_SLAVE_DATA attributes for `slave` of master `dev`. */
  fillSlaveInfo?(skb: NlMsgBuilder, dev: NetDevice, slave: NetDevice): number;
  /** Namespace of the link's other end (veth peer) for IFLA_LINK_NETNSID. */
  getLinkNet?(dev: NetDevice): Net;
}

export class NetDevice {
  name: string;
  ifindex = 0;
  /** Linux dev->iflink default: own ifindex; veth/vlan report their lower/peer. */
  type = ARPHRD_ETHER;
  mtu = ETH_DATA_LEN;
  minMtu = ETH_MIN_MTU;
  maxMtu = ETH_DATA_LEN;
  hardHeaderLen = ETH_HLEN;
  neededHeadroom = 0;
  neededTailroom = 0;
  addrLen = ETH_ALEN;
  devAddr: Uint8Array = new Uint8Array(ETH_ALEN);
  permAddr: Uint8Array = new Uint8Array(ETH_ALEN);
  broadcast: Uint8Array = new Uint8Array(ETH_ALEN).fill(0xff);
  addrAssignType = NET_ADDR_PERM;
  /** IFF_* flags as set by userspace and the core (RUNNING/LOWER_UP are computed, see devGetFlags). */
  flags = 0;
  /** Flags userspace asked for (Linux dev->gflags: PROMISC, ALLMULTI). */
  gflags = 0;
  privFlags = 0;
  /** __LINK_STATE_* bits. */
  state = 0;
  operstate = IF_OPER_UNKNOWN;
  /** IFLA_CARRIER_UP_COUNT / DOWN_COUNT (their sum is IFLA_CARRIER_CHANGES). */
  carrierUpCount = 0;
  carrierDownCount = 0;
  linkMode = IF_LINK_MODE_DEFAULT;
  regState = NETREG_UNINITIALIZED;
  promiscuity = 0;
  allmulti = 0;
  /** Unicast and multicast filter lists (Linux dev->uc, dev->mc). */
  uc: NetdevHwAddr[] = [];
  mc: NetdevHwAddr[] = [];
  ucPromisc = false;
  features = 0;
  hwFeatures = 0;
  wantedFeatures = 0;
  vlanFeatures = 0;
  gsoMaxSize = 65536;
  gsoMaxSegs = 65535;
  groMaxSize = 65536;
  tsoMaxSize = 524280;
  tsoMaxSegs = 65535;
  txQueueLen = 1000;
  numTxQueues = 1;
  realNumTxQueues = 1;
  numRxQueues = 1;
  realNumRxQueues = 1;
  txQueues: NetdevQueue[] = [];
  rxQueues: NetdevRxQueue[] = [];
  group = 0;
  ifalias = '';
  /** Time of last transmit/receive (ns), for watchdogs and `ip -s`. */
  transStart = 0;
  lastRx = 0;
  /** Counters kept by the driver. */
  stats = new RtnlLinkStats64();
  /** Counters kept by the core (Linux dev->core_stats: rx_dropped, tx_dropped, rx_nohandler). */
  coreStats = new RtnlLinkStats64();
  netdevOps: NetDeviceOps;
  ethtoolOps: EthtoolOps = {};
  headerOps: HeaderOps | null = null;
  rtnlLinkOps: RtnlLinkOps | null = null;
  /** Driver-private state (Linux netdev_priv()). */
  priv: unknown = null;
  /** IPv4 per-device state (Linux: dev->ip_ptr, struct in_device), set by devinet. */
  ipPtr: unknown = null;
  /** Root egress qdisc (Linux dev->qdisc). */
  qdisc: Qdisc | null = null;
  /** Qdisc chosen by userspace to use when up (kept across down/up). */
  qdiscSleeping: Qdisc | null = null;
  rxHandler: RxHandler | null = null;
  rxHandlerData: unknown = null;
  /** Upper device this one is enslaved to (bridge, bond). */
  master: NetDevice | null = null;
  /** Packet taps bound to this device (Linux dev->ptype_all) and protocol handlers (dev->ptype_specific). */
  ptypeAll: PacketType[] = [];
  ptypeSpecific: PacketType[] = [];
  napiList: NapiStruct[] = [];
  /** Sockets that hold this device (SO_BINDTODEVICE / packet bind): refcount for unregister rules. */
  refcnt = 0;
  /** Watchdog timeout for TX (ns). */
  watchdogTimeo = 0;
  net!: Net;
  /** Whether `ip link set ... netns` may move this device (NETIF_F_NETNS_LOCAL clears it). */
  netnsLocal = false;
  /** Set by alloc to mark name templates like "veth%d". */
  constructor(name: string, ops: NetDeviceOps, numTx = 1, numRx = 1) {
    this.name = name;
    this.netdevOps = ops;
    this.numTxQueues = this.realNumTxQueues = numTx;
    this.numRxQueues = this.realNumRxQueues = numRx;
    for (let i = 0; i < numTx; i++) this.txQueues.push(new NetdevQueue(this, i));
    for (let i = 0; i < numRx; i++) this.rxQueues.push(new NetdevRxQueue(this, i));
  }
}

/** Linux: alloc_netdev_mqs(): allocate, run the kind's setup, leave unregistered. */
export function allocNetdev(name: string, setup: (dev: NetDevice) => void, ops: NetDeviceOps,
  numTx = 1, numRx = 1): NetDevice {
  const dev = new NetDevice(name, ops, numTx, numRx);
  setup(dev);
  return dev;
}

/** Linux: netif_running(). */
export function netifRunning(dev: NetDevice): boolean {
  return (dev.state & __LINK_STATE_START) !== 0;
}
/** Linux: netif_carrier_ok(). */
export function netifCarrierOk(dev: NetDevice): boolean {
  return (dev.state & __LINK_STATE_NOCARRIER) === 0;
}
/** Linux: netif_dormant(). */
export function netifDormant(dev: NetDevice): boolean {
  return (dev.state & __LINK_STATE_DORMANT) !== 0;
}
/** Linux: netif_oper_up(). */
export function netifOperUp(dev: NetDevice): boolean {
  return dev.operstate === IF_OPER_UP || dev.operstate === IF_OPER_UNKNOWN;
}
/** Linux: netif_device_present(). */
export function netifDevicePresent(dev: NetDevice): boolean {
  return (dev.state & __LINK_STATE_PRESENT) !== 0;
}
/** Linux: netif_tx_queue_stopped(). */
export function netifTxQueueStopped(q: NetdevQueue): boolean {
  return q.stopped;
}
/** Linux: netif_is_bridge_master(). */
export function netifIsBridgeMaster(dev: NetDevice): boolean {
  return (dev.privFlags & IFF_EBRIDGE) !== 0;
}
/** Linux: netif_is_bridge_port(). */
export function netifIsBridgePort(dev: NetDevice): boolean {
  return (dev.privFlags & IFF_BRIDGE_PORT) !== 0;
}
/** Linux: dev_get_iflink(). */
export function devGetIflink(dev: NetDevice): number {
  return dev.netdevOps.ndoGetIflink ? dev.netdevOps.ndoGetIflink(dev) : dev.ifindex;
}

/** Linux: dev_valid_name(). */
export function devValidName(name: string): boolean {
  if (name.length === 0 || name.length >= IFNAMSIZ) return false;
  if (name === '.' || name === '..') return false;
  for (const ch of name) {
    if (ch === '/' || ch === ':' || ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\v' || ch === '\f') return false;
  }
  // Linux counts bytes, not UTF-16 units.
  return new TextEncoder().encode(name).length < IFNAMSIZ;
}
