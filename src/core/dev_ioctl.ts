/**
 * Device ioctls on any socket (Linux: net/core/dev_ioctl.c dev_ioctl(), and the
 * SIOCETHTOOL entry into net/ethtool/ioctl.c dev_ethtool()). sock_ioctl() falls
 * back here when the socket family does not know the command, as Linux's
 * sock_do_ioctl() does. Arguments are structured objects (struct ifreq and the
 * ethtool command structs as plain objects): the syscall layer carries JS values.
 * Each call returns the filled-in structure, or a negative errno.
 */
import type { Net } from './net_namespace.js';
import {
  type NetDevice, featAnd, featClear, featOr, NETIF_F_SG, NETIF_F_IP_CSUM, NETIF_F_HW_CSUM, NETIF_F_IPV6_CSUM,
  NETIF_F_HIGHDMA, NETIF_F_FRAGLIST, NETIF_F_HW_VLAN_CTAG_TX, NETIF_F_HW_VLAN_CTAG_RX, NETIF_F_HW_VLAN_CTAG_FILTER,
  NETIF_F_VLAN_CHALLENGED, NETIF_F_GSO, NETIF_F_LLTX, NETIF_F_NETNS_LOCAL, NETIF_F_GRO, NETIF_F_LRO, NETIF_F_TSO,
  NETIF_F_GSO_ROBUST, NETIF_F_TSO_ECN, NETIF_F_TSO_MANGLEID, NETIF_F_TSO6, NETIF_F_FSO, NETIF_F_GSO_GRE,
  NETIF_F_GSO_UDP_TUNNEL, NETIF_F_GSO_UDP_L4, NETIF_F_FCOE_CRC, NETIF_F_SCTP_CRC, NETIF_F_NTUPLE, NETIF_F_RXHASH,
  NETIF_F_RXCSUM, NETIF_F_NOCACHE_COPY, NETIF_F_LOOPBACK, NETIF_F_RXFCS, NETIF_F_RXALL, NETIF_F_HW_VLAN_STAG_TX,
  NETIF_F_HW_VLAN_STAG_RX, NETIF_F_HW_L2FW_DOFFLOAD, NETIF_F_HW_TC, NETIF_F_GRO_HW, netifRunning, netifCarrierOk,
} from './netdevice.js';
import { devChangeFlags, devGetFlags, devSetMtu, devSetMacAddress } from './dev.js';
import { NETDEV_FEAT_CHANGE } from './notifier.js';
import { EFAULT, EINVAL, ENODEV, ENOTTY, EOPNOTSUPP } from '../socket/errno.js';

export const SIOCGIFNAME = 0x8910;
export const SIOCGIFFLAGS = 0x8913;
export const SIOCSIFFLAGS = 0x8914;
export const SIOCGIFMTU = 0x8921;
export const SIOCSIFMTU = 0x8922;
export const SIOCSIFHWADDR = 0x8924;
export const SIOCGIFHWADDR = 0x8927;
export const SIOCGIFINDEX = 0x8933;
export const SIOCGIFTXQLEN = 0x8942;
export const SIOCETHTOOL = 0x8946;

export const ETHTOOL_GSET = 0x00000001;
export const ETHTOOL_GDRVINFO = 0x00000003;
export const ETHTOOL_GLINK = 0x0000000a;
export const ETHTOOL_GSTRINGS = 0x0000001b;
export const ETHTOOL_GSTATS = 0x0000001d;
export const ETHTOOL_GSSET_INFO = 0x00000037;
export const ETHTOOL_GFEATURES = 0x0000003a;
export const ETHTOOL_SFEATURES = 0x0000003b;
export const ETHTOOL_GLINKSETTINGS = 0x0000004c;

export const ETH_SS_TEST = 0;
export const ETH_SS_STATS = 1;
export const ETH_SS_PRIV_FLAGS = 2;
export const ETH_SS_FEATURES = 4;

/** ETHTOOL_SFEATURES result bits. */
export const ETHTOOL_F_UNSUPPORTED = 1 << 0;
export const ETHTOOL_F_WISH = 1 << 1;

/** struct ifreq, as a plain object. */
export interface Ifreq {
  name?: string;
  ifindex?: number;
  flags?: number;
  mtu?: number;
  qlen?: number;
  hwaddr?: { family: number; data: Uint8Array };
  /** SIOCETHTOOL: the command struct. */
  data?: EthtoolCmd;
}

/** An ethtool command: `cmd` plus the fields of its struct (struct ethtool_drvinfo, ethtool_value ...). */
export interface EthtoolCmd {
  cmd: number;
  [field: string]: unknown;
}

/**
 * Linux 6.1 feature names (net/ethtool/common.c netdev_features_strings) paired
 * with tuxnet's NETIF_F_* value, in Linux's bit order. Names whose feature
 * tuxnet does not model have value 0 (always off, never changeable).
 */
export const NETDEV_FEATURES: readonly (readonly [string, number])[] = [
  ['tx-scatter-gather', NETIF_F_SG], ['tx-checksum-ipv4', NETIF_F_IP_CSUM], ['tx-checksum-ip-generic', NETIF_F_HW_CSUM],
  ['tx-checksum-ipv6', NETIF_F_IPV6_CSUM], ['highdma', NETIF_F_HIGHDMA], ['tx-scatter-gather-fraglist', NETIF_F_FRAGLIST],
  ['tx-vlan-hw-insert', NETIF_F_HW_VLAN_CTAG_TX], ['rx-vlan-hw-parse', NETIF_F_HW_VLAN_CTAG_RX],
  ['rx-vlan-filter', NETIF_F_HW_VLAN_CTAG_FILTER], ['vlan-challenged', NETIF_F_VLAN_CHALLENGED],
  ['tx-generic-segmentation', NETIF_F_GSO], ['tx-lockless', NETIF_F_LLTX], ['netns-local', NETIF_F_NETNS_LOCAL],
  ['rx-gro', NETIF_F_GRO], ['rx-lro', NETIF_F_LRO], ['tx-tcp-segmentation', NETIF_F_TSO], ['tx-gso-robust', NETIF_F_GSO_ROBUST],
  ['tx-tcp-ecn-segmentation', NETIF_F_TSO_ECN], ['tx-tcp-mangleid-segmentation', NETIF_F_TSO_MANGLEID],
  ['tx-tcp6-segmentation', NETIF_F_TSO6], ['tx-fcoe-segmentation', NETIF_F_FSO], ['tx-gre-segmentation', NETIF_F_GSO_GRE],
  ['tx-gre-csum-segmentation', 0], ['tx-ipxip4-segmentation', 0], ['tx-ipxip6-segmentation', 0],
  ['tx-udp_tnl-segmentation', NETIF_F_GSO_UDP_TUNNEL], ['tx-udp_tnl-csum-segmentation', 0], ['tx-gso-partial', 0],
  ['tx-tunnel-remcsum-segmentation', 0], ['tx-sctp-segmentation', 0], ['tx-esp-segmentation', 0],
  ['tx-udp-segmentation', NETIF_F_GSO_UDP_L4], ['tx-gso-list', 0], ['tx-checksum-fcoe-crc', NETIF_F_FCOE_CRC],
  ['tx-checksum-sctp', NETIF_F_SCTP_CRC], ['fcoe-mtu', 0], ['rx-ntuple-filter', NETIF_F_NTUPLE], ['rx-hashing', NETIF_F_RXHASH],
  ['rx-checksum', NETIF_F_RXCSUM], ['tx-nocache-copy', NETIF_F_NOCACHE_COPY], ['loopback', NETIF_F_LOOPBACK],
  ['rx-fcs', NETIF_F_RXFCS], ['rx-all', NETIF_F_RXALL], ['tx-vlan-stag-hw-insert', NETIF_F_HW_VLAN_STAG_TX],
  ['rx-vlan-stag-hw-parse', NETIF_F_HW_VLAN_STAG_RX], ['rx-vlan-stag-filter', 0], ['l2-fwd-offload', NETIF_F_HW_L2FW_DOFFLOAD],
  ['hw-tc-offload', NETIF_F_HW_TC], ['esp-hw-offload', 0], ['esp-tx-csum-hw-offload', 0], ['rx-udp_tunnel-port-offload', 0],
  ['tls-hw-tx-offload', 0], ['tls-hw-rx-offload', 0], ['rx-gro-hw', NETIF_F_GRO_HW], ['tls-hw-record', 0], ['rx-gro-list', 0],
  ['macsec-hw-offload', 0], ['rx-udp-gro-forwarding', 0], ['hsr-tag-ins-offload', 0], ['hsr-tag-rm-offload', 0],
  ['hsr-fwd-offload', 0], ['hsr-dup-offload', 0],
];

/** Features userspace may never change (Linux NETIF_F_NEVER_CHANGE). */
const NETIF_F_NEVER_CHANGE = NETIF_F_VLAN_CHALLENGED + NETIF_F_NETNS_LOCAL + NETIF_F_LLTX;

/** One feature as ETHTOOL_GFEATURES reports it (struct ethtool_get_features_block, per bit). */
export interface EthtoolFeature {
  name: string;
  available: boolean;
  requested: boolean;
  active: boolean;
  neverChanged: boolean;
}

function has(set: number, f: number): boolean {
  return f !== 0 && featAnd(set, f) === f;
}

/** Linux: __netdev_update_features() reduced: wanted & hw, driver fixups, notify. */
export function netdevUpdateFeatures(dev: NetDevice): void {
  let features = featOr(featClear(dev.features, dev.hwFeatures), featAnd(dev.wantedFeatures, dev.hwFeatures));
  if (dev.netdevOps.ndoFixFeatures) features = dev.netdevOps.ndoFixFeatures(dev, features);
  if (features === dev.features) return;
  if (dev.netdevOps.ndoSetFeatures) {
    const err = dev.netdevOps.ndoSetFeatures(dev, features);
    if (err < 0) return;
  }
  dev.features = features;
  dev.net.kernel.netdevChain.call(NETDEV_FEAT_CHANGE, dev);
}

/** Linux: dev_ethtool(). */
export function devEthtool(net: Net, ifr: Ifreq): Ifreq | number {
  const dev = ifr.name !== undefined ? net.devGetByName(ifr.name) : null;
  if (!dev) return -ENODEV;
  const e = ifr.data;
  if (!e || typeof e !== 'object' || typeof e.cmd !== 'number') return -EFAULT;
  const ops = dev.ethtoolOps;
  const out = (data: EthtoolCmd): Ifreq => ({ ...ifr, data });
  switch (e.cmd) {
    case ETHTOOL_GDRVINFO: {
      if (!ops.getDrvinfo) return -EOPNOTSUPP;
      const d = ops.getDrvinfo(dev);
      const nStats = ops.getStrings ? ops.getStrings(dev).length : 0;
      return out({
        cmd: e.cmd, driver: d.driver ?? '', version: d.version ?? '', fwVersion: d.fwVersion ?? '', busInfo: d.busInfo ?? '',
        eromVersion: '', nPrivFlags: 0, nStats, testinfoLen: 0, eedumpLen: d.eedumpLen ?? 0, regdumpLen: d.regdumpLen ?? 0,
      });
    }
    case ETHTOOL_GLINK:
      if (!ops.getLink) return -EOPNOTSUPP;
      return out({ cmd: e.cmd, data: netifRunning(dev) && ops.getLink(dev) ? 1 : 0 });
    case ETHTOOL_GSET:
    case ETHTOOL_GLINKSETTINGS: {
      if (!ops.getLinkKsettings) return -EOPNOTSUPP;
      const k = ops.getLinkKsettings(dev);
      return out({ cmd: e.cmd, ...k });
    }
    case ETHTOOL_GSSET_INFO: {
      const sets = Number(e.ssetMask ?? 0);
      const lens: number[] = [];
      let mask = 0;
      if (sets & (1 << ETH_SS_STATS) && ops.getStrings) {
        mask |= 1 << ETH_SS_STATS;
        lens.push(ops.getStrings(dev).length);
      }
      if (sets & (1 << ETH_SS_FEATURES)) {
        mask |= 1 << ETH_SS_FEATURES;
        lens.push(NETDEV_FEATURES.length);
      }
      return out({ cmd: e.cmd, ssetMask: mask, data: lens });
    }
    case ETHTOOL_GSTRINGS: {
      const set = Number(e.stringSet);
      if (set === ETH_SS_STATS) {
        if (!ops.getStrings) return -EOPNOTSUPP;
        const s = ops.getStrings(dev);
        return out({ cmd: e.cmd, stringSet: set, len: s.length, data: s });
      }
      if (set === ETH_SS_FEATURES) return out({ cmd: e.cmd, stringSet: set, len: NETDEV_FEATURES.length, data: NETDEV_FEATURES.map((f) => f[0]) });
      return -EOPNOTSUPP;
    }
    case ETHTOOL_GSTATS: {
      if (!ops.getEthtoolStats || !ops.getStrings) return -EOPNOTSUPP;
      const v = ops.getEthtoolStats(dev);
      return out({ cmd: e.cmd, nStats: v.length, data: v });
    }
    case ETHTOOL_GFEATURES: {
      const list: EthtoolFeature[] = NETDEV_FEATURES.map(([name, f]) => ({
        name, available: has(dev.hwFeatures, f), requested: has(dev.wantedFeatures, f), active: has(dev.features, f),
        neverChanged: has(NETIF_F_NEVER_CHANGE, f),
      }));
      return out({ cmd: e.cmd, size: list.length, features: list });
    }
    case ETHTOOL_SFEATURES: {
      // Requests by name: { set: { 'tx-tcp-segmentation': false, ... } }.
      const req = e.set as Record<string, boolean> | undefined;
      if (!req || typeof req !== 'object') return -EFAULT;
      let valid = 0;
      let wanted = 0;
      for (const [name, on] of Object.entries(req)) {
        const f = NETDEV_FEATURES.find((x) => x[0] === name);
        if (!f) return -EINVAL;
        if (f[1] === 0) continue;
        valid = featOr(valid, f[1]);
        if (on) wanted = featOr(wanted, f[1]);
      }
      let ret = 0;
      if (featClear(valid, dev.hwFeatures) !== 0) {
        valid = featAnd(valid, dev.hwFeatures);
        ret |= ETHTOOL_F_UNSUPPORTED;
      }
      dev.wantedFeatures = featOr(featClear(dev.wantedFeatures, valid), featAnd(wanted, valid));
      netdevUpdateFeatures(dev);
      if (featAnd(featOr(featClear(dev.wantedFeatures, dev.features), featClear(dev.features, dev.wantedFeatures)), valid) !== 0) {
        ret |= ETHTOOL_F_WISH;
      }
      return out({ cmd: e.cmd, result: ret });
    }
    default:
      return -EOPNOTSUPP;
  }
}

/** Linux: dev_ioctl(). Unknown commands answer -ENOTTY. */
export function devIoctl(net: Net, cmd: number, arg: unknown): Ifreq | number {
  const ifr = (arg ?? {}) as Ifreq;
  if (typeof ifr !== 'object') return -EFAULT;
  if (cmd === SIOCGIFNAME) {
    const dev = net.devGetByIndex(Number(ifr.ifindex));
    if (!dev) return -ENODEV;
    return { ...ifr, name: dev.name };
  }
  if (cmd === SIOCETHTOOL) return devEthtool(net, ifr);
  const known = [SIOCGIFFLAGS, SIOCSIFFLAGS, SIOCGIFMTU, SIOCSIFMTU, SIOCGIFHWADDR, SIOCSIFHWADDR, SIOCGIFINDEX, SIOCGIFTXQLEN];
  if (!known.includes(cmd)) return -ENOTTY;
  const dev: NetDevice | null = ifr.name !== undefined ? net.devGetByName(ifr.name) : null;
  if (!dev) return -ENODEV;
  switch (cmd) {
    case SIOCGIFFLAGS:
      // Linux: only the low 16 bits fit ifr_flags.
      return { ...ifr, flags: devGetFlags(dev) & 0xffff };
    case SIOCSIFFLAGS: {
      const err = devChangeFlags(dev, ((Number(ifr.flags) & 0xffff) | (devGetFlags(dev) & ~0xffff)) >>> 0);
      return err < 0 ? err : { ...ifr };
    }
    case SIOCGIFMTU:
      return { ...ifr, mtu: dev.mtu };
    case SIOCSIFMTU: {
      const err = devSetMtu(dev, Number(ifr.mtu));
      return err < 0 ? err : { ...ifr };
    }
    case SIOCGIFHWADDR:
      return { ...ifr, hwaddr: { family: dev.type, data: dev.devAddr.slice(0, dev.addrLen) } };
    case SIOCSIFHWADDR: {
      if (!ifr.hwaddr) return -EFAULT;
      const err = devSetMacAddress(dev, ifr.hwaddr.data);
      return err < 0 ? err : { ...ifr };
    }
    case SIOCGIFINDEX:
      return { ...ifr, ifindex: dev.ifindex };
    case SIOCGIFTXQLEN:
      return { ...ifr, qlen: dev.txQueueLen };
    default:
      return -ENOTTY;
  }
}

/** ethtool_op_get_link(): carrier state, for drivers that use the generic helper. */
export function ethtoolOpGetLink(dev: NetDevice): boolean {
  return netifCarrierOk(dev);
}
