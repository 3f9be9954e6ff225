/**
 * IPv4 per-device state and its configuration (Linux: include/linux/inetdevice.h,
 * include/uapi/linux/ip.h IPV4_DEVCONF_*). `InDevice` hangs off `dev.ipPtr`; it
 * holds the device's addresses (`InIfaddr`, primaries before secondaries, as
 * Linux's ifa_list) and its conf array. The IN_DEV_* helpers combine a device's
 * value with net.ipv4.conf.all exactly as Linux's macros do (AND, OR or MAX).
 * devinet.ts creates and maintains these objects.
 */
import type { NetDevice } from '../core/netdevice.js';
import type { Net } from '../core/net_namespace.js';
import { ipv4Net } from './netns_ipv4.js';

/* include/uapi/linux/ip.h: enum IPV4_DEVCONF_* (1-based, as Linux). */
export const IPV4_DEVCONF_FORWARDING = 1;
export const IPV4_DEVCONF_MC_FORWARDING = 2;
export const IPV4_DEVCONF_PROXY_ARP = 3;
export const IPV4_DEVCONF_ACCEPT_REDIRECTS = 4;
export const IPV4_DEVCONF_SECURE_REDIRECTS = 5;
export const IPV4_DEVCONF_SEND_REDIRECTS = 6;
export const IPV4_DEVCONF_SHARED_MEDIA = 7;
export const IPV4_DEVCONF_RP_FILTER = 8;
export const IPV4_DEVCONF_ACCEPT_SOURCE_ROUTE = 9;
export const IPV4_DEVCONF_BOOTP_RELAY = 10;
export const IPV4_DEVCONF_LOG_MARTIANS = 11;
export const IPV4_DEVCONF_TAG = 12;
export const IPV4_DEVCONF_ARPFILTER = 13;
export const IPV4_DEVCONF_MEDIUM_ID = 14;
export const IPV4_DEVCONF_NOXFRM = 15;
export const IPV4_DEVCONF_NOPOLICY = 16;
export const IPV4_DEVCONF_FORCE_IGMP_VERSION = 17;
export const IPV4_DEVCONF_ARP_ANNOUNCE = 18;
export const IPV4_DEVCONF_ARP_IGNORE = 19;
export const IPV4_DEVCONF_PROMOTE_SECONDARIES = 20;
export const IPV4_DEVCONF_ARP_ACCEPT = 21;
export const IPV4_DEVCONF_ARP_NOTIFY = 22;
export const IPV4_DEVCONF_ACCEPT_LOCAL = 23;
export const IPV4_DEVCONF_SRC_VMARK = 24;
export const IPV4_DEVCONF_PROXY_ARP_PVLAN = 25;
export const IPV4_DEVCONF_ROUTE_LOCALNET = 26;
export const IPV4_DEVCONF_IGMPV2_UNSOLICITED_REPORT_INTERVAL = 27;
export const IPV4_DEVCONF_IGMPV3_UNSOLICITED_REPORT_INTERVAL = 28;
export const IPV4_DEVCONF_IGNORE_ROUTES_WITH_LINKDOWN = 29;
export const IPV4_DEVCONF_DROP_UNICAST_IN_L2_MULTICAST = 30;
export const IPV4_DEVCONF_DROP_GRATUITOUS_ARP = 31;
export const IPV4_DEVCONF_BC_FORWARDING = 32;
export const IPV4_DEVCONF_ARP_EVICT_NOCARRIER = 33;
export const IPV4_DEVCONF_MAX = 34;

/** Linux: ipv4_devconf (net.ipv4.conf.all) defaults. */
export function devconfAllDefaults(): Int32Array {
  const c = new Int32Array(IPV4_DEVCONF_MAX);
  c[IPV4_DEVCONF_ACCEPT_REDIRECTS] = 1;
  c[IPV4_DEVCONF_SEND_REDIRECTS] = 1;
  c[IPV4_DEVCONF_SECURE_REDIRECTS] = 1;
  c[IPV4_DEVCONF_SHARED_MEDIA] = 1;
  c[IPV4_DEVCONF_IGMPV2_UNSOLICITED_REPORT_INTERVAL] = 10000;
  c[IPV4_DEVCONF_IGMPV3_UNSOLICITED_REPORT_INTERVAL] = 1000;
  c[IPV4_DEVCONF_ARP_EVICT_NOCARRIER] = 1;
  return c;
}

/** Linux: ipv4_devconf_dflt (net.ipv4.conf.default) defaults: as `all` plus accept_source_route. */
export function devconfDfltDefaults(): Int32Array {
  const c = devconfAllDefaults();
  c[IPV4_DEVCONF_ACCEPT_SOURCE_ROUTE] = 1;
  return c;
}

/* IFA_F_* (include/uapi/linux/if_addr.h) live with the address messages in wire/if_addr.ts. */
export {
  IFA_F_SECONDARY, IFA_F_TEMPORARY, IFA_F_NODAD, IFA_F_OPTIMISTIC, IFA_F_DADFAILED, IFA_F_HOMEADDRESS,
  IFA_F_DEPRECATED, IFA_F_TENTATIVE, IFA_F_PERMANENT, IFA_F_MANAGETEMPADDR, IFA_F_NOPREFIXROUTE,
  IFA_F_MCAUTOJOIN, IFA_F_STABLE_PRIVACY,
} from '../wire/if_addr.js';
/** Linux: INFINITY_LIFE_TIME. */
export const INFINITY_LIFE_TIME = 0xffffffff;

/** Linux: struct in_ifaddr. Addresses are host-order u32. */
export class InIfaddr {
  ifaLocal = 0;
  /** Peer address for point-to-point, else equal to ifaLocal. */
  ifaAddress = 0;
  ifaMask = 0;
  ifaBroadcast = 0;
  ifaPrefixlen = 0;
  ifaFlags = 0;
  /** RT_SCOPE_* */
  ifaScope = 0;
  ifaLabel = '';
  ifaRtPriority = 0;
  ifaProto = 0;
  /** seconds, INFINITY_LIFE_TIME when permanent */
  ifaValidLft = INFINITY_LIFE_TIME;
  ifaPreferredLft = INFINITY_LIFE_TIME;
  /** Creation and last-update times in ns of the kernel clock (Linux jiffies). */
  ifaCstamp = 0;
  ifaTstamp = 0;
  constructor(public ifaDev: InDevice) {}
}

/** Linux: struct in_device. */
export class InDevice {
  readonly dev: NetDevice;
  /** Primary addresses first, then secondaries (Linux: ifa_list order). */
  ifaList: InIfaddr[] = [];
  /** IPV4_DEVCONF_* values for this device (Linux: in_dev->cnf.data). */
  readonly cnf: Int32Array;
  /**
   * Linux: in_dev->cnf.state: 1 for each entry set explicitly (sysctl, netlink, or all of
   * them once an address is added); a write to conf/default no longer changes those.
   */
  readonly cnfState = new Uint8Array(IPV4_DEVCONF_MAX);
  /** Neighbour parameters for ARP on this device (struct neigh_parms), set by arp. */
  arpParms: unknown = null;
  dead = false;
  constructor(dev: NetDevice, cnf: Int32Array) {
    this.dev = dev;
    this.cnf = cnf;
  }
}

/** Linux: __in_dev_get_rtnl()/in_dev_get(). */
export function inDevGet(dev: NetDevice | null): InDevice | null {
  return dev === null ? null : (dev.ipPtr as InDevice | null);
}

/** net.ipv4.conf.all of the namespace. */
export function ipv4DevconfAll(net: Net): Int32Array {
  return ipv4Net(net).devconfAll;
}

/** Linux: IN_DEV_CONF_GET(). */
export function inDevConf(inDev: InDevice, attr: number): number {
  return inDev.cnf[attr]!;
}
/** Linux: IN_DEV_ANDCONF(). */
export function inDevAndConf(inDev: InDevice, attr: number): boolean {
  return ipv4DevconfAll(inDev.dev.net)[attr]! !== 0 && inDev.cnf[attr]! !== 0;
}
/** Linux: IN_DEV_ORCONF(). */
export function inDevOrConf(inDev: InDevice, attr: number): boolean {
  return ipv4DevconfAll(inDev.dev.net)[attr]! !== 0 || inDev.cnf[attr]! !== 0;
}
/** Linux: IN_DEV_MAXCONF(). */
export function inDevMaxConf(inDev: InDevice, attr: number): number {
  return Math.max(ipv4DevconfAll(inDev.dev.net)[attr]!, inDev.cnf[attr]!);
}

/* Linux's IN_DEV_* macros. */
export const inDevForward = (d: InDevice): boolean => d.cnf[IPV4_DEVCONF_FORWARDING]! !== 0;
export const inDevMforward = (d: InDevice): boolean => inDevAndConf(d, IPV4_DEVCONF_MC_FORWARDING);
export const inDevBforward = (d: InDevice): boolean => inDevAndConf(d, IPV4_DEVCONF_BC_FORWARDING);
export const inDevRpfilter = (d: InDevice): number => inDevMaxConf(d, IPV4_DEVCONF_RP_FILTER);
export const inDevSrcVmark = (d: InDevice): boolean => inDevOrConf(d, IPV4_DEVCONF_SRC_VMARK);
export const inDevSourceRoute = (d: InDevice): boolean => inDevAndConf(d, IPV4_DEVCONF_ACCEPT_SOURCE_ROUTE);
export const inDevAcceptLocal = (d: InDevice): boolean => inDevOrConf(d, IPV4_DEVCONF_ACCEPT_LOCAL);
export const inDevBootpRelay = (d: InDevice): boolean => inDevAndConf(d, IPV4_DEVCONF_BOOTP_RELAY);
export const inDevLogMartians = (d: InDevice): boolean => inDevOrConf(d, IPV4_DEVCONF_LOG_MARTIANS);
export const inDevProxyArp = (d: InDevice): boolean => inDevOrConf(d, IPV4_DEVCONF_PROXY_ARP);
export const inDevProxyArpPvlan = (d: InDevice): boolean => inDevOrConf(d, IPV4_DEVCONF_PROXY_ARP_PVLAN);
export const inDevSharedMedia = (d: InDevice): boolean => inDevOrConf(d, IPV4_DEVCONF_SHARED_MEDIA);
export const inDevTxRedirects = (d: InDevice): boolean => inDevOrConf(d, IPV4_DEVCONF_SEND_REDIRECTS);
export const inDevSecRedirects = (d: InDevice): boolean => inDevOrConf(d, IPV4_DEVCONF_SECURE_REDIRECTS);
export const inDevPromoteSecondaries = (d: InDevice): boolean => inDevOrConf(d, IPV4_DEVCONF_PROMOTE_SECONDARIES);
export const inDevRouteLocalnet = (d: InDevice): boolean => inDevOrConf(d, IPV4_DEVCONF_ROUTE_LOCALNET);
export const inDevIgnoreRoutesWithLinkdown = (d: InDevice): boolean => inDevOrConf(d, IPV4_DEVCONF_IGNORE_ROUTES_WITH_LINKDOWN);
export const inDevArpfilter = (d: InDevice): boolean => inDevOrConf(d, IPV4_DEVCONF_ARPFILTER);
export const inDevArpAccept = (d: InDevice): number => inDevMaxConf(d, IPV4_DEVCONF_ARP_ACCEPT);
export const inDevArpAnnounce = (d: InDevice): number => inDevMaxConf(d, IPV4_DEVCONF_ARP_ANNOUNCE);
export const inDevArpIgnore = (d: InDevice): number => inDevMaxConf(d, IPV4_DEVCONF_ARP_IGNORE);
export const inDevArpNotify = (d: InDevice): number => inDevMaxConf(d, IPV4_DEVCONF_ARP_NOTIFY);
export const inDevArpEvictNocarrier = (d: InDevice): boolean => inDevAndConf(d, IPV4_DEVCONF_ARP_EVICT_NOCARRIER);
export const inDevDropGratuitousArp = (d: InDevice): boolean => inDevOrConf(d, IPV4_DEVCONF_DROP_GRATUITOUS_ARP);
export const inDevDropUnicastInL2Multicast = (d: InDevice): boolean => inDevOrConf(d, IPV4_DEVCONF_DROP_UNICAST_IN_L2_MULTICAST);
/** Linux: IN_DEV_RX_REDIRECTS(). */
export function inDevRxRedirects(d: InDevice): boolean {
  return inDevForward(d) ? inDevAndConf(d, IPV4_DEVCONF_ACCEPT_REDIRECTS) : inDevOrConf(d, IPV4_DEVCONF_ACCEPT_REDIRECTS);
}

/** Linux: inet_ifa_match(): does `addr` fall in the prefix of `ifa`? */
export function inetIfaMatch(addr: number, ifa: InIfaddr): boolean {
  return ((addr ^ ifa.ifaAddress) & ifa.ifaMask) === 0;
}

/** Linux: inet_make_mask(). */
export function inetMakeMask(prefixlen: number): number {
  return prefixlen === 0 ? 0 : (0xffffffff << (32 - prefixlen)) >>> 0;
}

/** Linux: ipv4_is_multicast() and friends, on host-order u32. */
export const ipv4IsMulticast = (a: number): boolean => (a & 0xf0000000) === (0xe0000000 | 0);
export const ipv4IsLbcast = (a: number): boolean => a === (0xffffffff | 0) || a >>> 0 === 0xffffffff;
export const ipv4IsZeronet = (a: number): boolean => (a & 0xff000000) === 0;
export const ipv4IsLoopback = (a: number): boolean => (a & 0xff000000) === 0x7f000000;
export const ipv4IsLocalMulticast = (a: number): boolean => (a & 0xffffff00) === (0xe0000000 | 0);
export const ipv4IsAnycast6to4 = (a: number): boolean => (a & 0xffffff00) === (0xc0586300 | 0);
export const ipv4IsTestNet = (a: number): boolean => (a & 0xffffff00) === (0xc0000200 | 0);
