/**
 * The bridge as a network device (Linux: net/bridge/br_device.c): what
 * `ip link add br0 type bridge` creates. It has no queue (IFF_NO_QUEUE), is
 * flagged IFF_EBRIDGE, stays in its namespace (NETIF_F_NETNS_LOCAL), and its
 * transmit, br_dev_xmit(), sends a frame from the host into the bridge: to the
 * port the fdb names, or flooded. Its MAC is random at creation, then the
 * lowest port MAC, unless userspace sets one (br_stp.ts). Its carrier follows
 * the ports: on while at least one forwards.
 */
import {
  type NetDevice, type NetDeviceOps, ETH_HLEN, ETH_MAX_MTU, IFF_EBRIDGE, IFF_LIVE_ADDR_CHANGE, IFF_NO_QUEUE,
  NETDEV_TX_OK, NETIF_F_FRAGLIST, NETIF_F_GSO_SOFTWARE, NETIF_F_HIGHDMA, NETIF_F_HW_CSUM, NETIF_F_HW_VLAN_CTAG_TX,
  NETIF_F_HW_VLAN_STAG_TX, NETIF_F_LLTX, NETIF_F_NETNS_LOCAL, NETIF_F_SG, NETREG_REGISTERED, DUPLEX_UNKNOWN,
  PORT_OTHER, SPEED_UNKNOWN, AUTONEG_DISABLE, allocNetdev, netifOperUp, netifRunning, netifCarrierOk,
} from '../../core/netdevice.js';
import type { Net } from '../../core/net_namespace.js';
import { type SkBuff, kfreeSkbReason, skbPull, skbResetMacHeader } from '../../core/skbuff.js';
import { registerNetdevice } from '../../core/dev.js';
import { devMcAdd, devMcDel } from '../../core/dev_addr_lists.js';
import { SKB_DROP_REASON_PKT_TOO_SMALL } from '../../core/drop_reason.js';
import { etherSetup, ethHwAddrRandom, isBroadcastEtherAddr, isValidEtherAddr } from '../../ethernet/eth.js';
import { EADDRNOTAVAIL, EBUSY } from '../../socket/errno.js';
import {
  NetBridge, BR_PKT_BROADCAST, BR_PKT_MULTICAST, BR_PKT_UNICAST, brFromDev,
} from './br_private.js';
import { brFdbAddLocal, brFdbDeleteByPort, brFdbFind } from './br_fdb.js';
import { brFlood, brForward } from './br_forward.js';
import { brFdbGcTimer, brStpChangeBridgeId, brStpDisableBridge, brStpEnableBridge } from './br_stp.js';
import { brAddIf, brDelIf } from './br_if.js';

/** The snooper groups a bridge joins when multicast snooping is on (224.0.0.106, ff02::6a). */
const MCAST_SNOOPERS_V4 = new Uint8Array([0x01, 0x00, 0x5e, 0x00, 0x00, 0x6a]);
const MCAST_SNOOPERS_V6 = new Uint8Array([0x33, 0x33, 0x00, 0x00, 0x00, 0x6a]);

/**
 * Linux: br_dev_xmit(): the host sends through the bridge. Counted as tx on
 * the bridge (with the Ethernet header), then forwarded like a frame that
 * arrived on no port ("local_orig").
 */
export function brDevXmit(skb: SkBuff, dev: NetDevice): number {
  const br = brFromDev(dev);
  dev.stats.txPackets++;
  dev.stats.txBytes += skb.len;
  skb.cb = br.cbPlain;
  skbResetMacHeader(skb);
  if (skbPull(skb, ETH_HLEN) < 0) {
    kfreeSkbReason(skb, SKB_DROP_REASON_PKT_TOO_SMALL);
    return NETDEV_TX_OK;
  }
  const b = skb.buf;
  const m = skb.macHeader;
  if (isBroadcastEtherAddr(b, m)) {
    brFlood(br, skb, BR_PKT_BROADCAST, false, true);
  } else if (b[m]! & 1) {
    // No querier, so no MDB forwarding: flood (br_multicast_querier_exists() is false).
    brFlood(br, skb, BR_PKT_MULTICAST, false, true);
  } else {
    const dst = brFdbFind(br, b, 0, m);
    if (dst) brForward(dst.dst, skb, false, true);
    else brFlood(br, skb, BR_PKT_UNICAST, false, true);
  }
  return NETDEV_TX_OK;
}

/** Linux: br_dev_open(). */
function brDevOpen(dev: NetDevice): number {
  const br = brFromDev(dev);
  brStpEnableBridge(br);
  if (br.mcastSnooping) {
    // Linux: br_multicast_join_snoopers()
    devMcAdd(dev, MCAST_SNOOPERS_V4);
    devMcAdd(dev, MCAST_SNOOPERS_V6);
  }
  return 0;
}

/** Linux: br_dev_stop(). */
function brDevStop(dev: NetDevice): number {
  const br = brFromDev(dev);
  brStpDisableBridge(br);
  if (br.mcastSnooping) {
    devMcDel(dev, MCAST_SNOOPERS_V4);
    devMcDel(dev, MCAST_SNOOPERS_V6);
  }
  return 0;
}

/** Linux: br_change_mtu(): a user-set MTU sticks (BROPT_MTU_SET_BY_USER). */
function brChangeMtu(dev: NetDevice, newMtu: number): number {
  const br = brFromDev(dev);
  dev.mtu = newMtu;
  br.mtuSetByUser = true;
  return 0;
}

/** Linux: br_set_mac_address(). */
function brSetMacAddress(dev: NetDevice, addr: Uint8Array): number {
  if (!isValidEtherAddr(addr)) return -EADDRNOTAVAIL;
  if (dev.regState !== NETREG_REGISTERED) return -EBUSY;
  const br = brFromDev(dev);
  let same = true;
  for (let i = 0; i < 6; i++) if (dev.devAddr[i] !== addr[i]) same = false;
  if (!same) brStpChangeBridgeId(br, addr);
  return 0;
}

export const brNetdevOps: NetDeviceOps = {
  ndoStartXmit: brDevXmit,
  ndoOpen: brDevOpen,
  ndoStop: brDevStop,
  ndoChangeMtu: brChangeMtu,
  ndoSetMacAddress: brSetMacAddress,
  ndoAddSlave: (dev, slave, extack?: { msg?: string }) => brAddIf(brFromDev(dev), slave, extack ?? {}),
  ndoDelSlave: (dev, slave) => brDelIf(brFromDev(dev), slave),
};

const COMMON_FEATURES = NETIF_F_SG + NETIF_F_FRAGLIST + NETIF_F_HIGHDMA + NETIF_F_GSO_SOFTWARE + NETIF_F_HW_CSUM;

/** Linux: br_dev_setup(). The random MAC is drawn at newlink (the kernel rng is per kernel). */
export function brDevSetup(dev: NetDevice): void {
  etherSetup(dev);
  dev.netdevOps = brNetdevOps;
  dev.privFlags = IFF_EBRIDGE | IFF_NO_QUEUE | IFF_LIVE_ADDR_CHANGE;
  dev.features = COMMON_FEATURES + NETIF_F_LLTX + NETIF_F_NETNS_LOCAL + NETIF_F_HW_VLAN_CTAG_TX + NETIF_F_HW_VLAN_STAG_TX;
  dev.hwFeatures = COMMON_FEATURES + NETIF_F_HW_VLAN_CTAG_TX + NETIF_F_HW_VLAN_STAG_TX;
  dev.vlanFeatures = COMMON_FEATURES;
  dev.netnsLocal = true;
  dev.maxMtu = ETH_MAX_MTU;
  dev.priv = new NetBridge(dev, brFdbGcTimer);
  dev.ethtoolOps = {
    getDrvinfo: () => ({ driver: 'bridge', version: '2.3', fwVersion: 'N/A', busInfo: 'N/A' }),
    getLink: (d) => netifCarrierOk(d),
    getLinkKsettings: (d) => brGetLinkKsettings(d),
  };
}

/** Linux: br_get_link_ksettings(): the speed of the fastest running port. */
function brGetLinkKsettings(dev: NetDevice): ReturnType<NonNullable<NetDevice['ethtoolOps']['getLinkKsettings']>> {
  const br = brFromDev(dev);
  let speed = SPEED_UNKNOWN;
  for (const p of br.portList) {
    const pdev = p.dev;
    if (!netifRunning(pdev) || !netifOperUp(pdev) || !pdev.ethtoolOps.getLinkKsettings) continue;
    const s = pdev.ethtoolOps.getLinkKsettings(pdev).speed;
    if (s === SPEED_UNKNOWN) continue;
    if (speed === SPEED_UNKNOWN || speed < s) speed = s;
  }
  return {
    speed, duplex: DUPLEX_UNKNOWN, port: PORT_OTHER, autoneg: AUTONEG_DISABLE, phyAddress: 0, transceiver: 0,
    supportedModes: [], advertisedModes: [], mdix: 0,
  };
}

/**
 * The part of Linux's br_dev_newlink() after register_netdevice(): the bridge's
 * own address enters the fdb and becomes the bridge id. `address` is
 * IFLA_ADDRESS when userspace gave one.
 */
export function brDevRegistered(dev: NetDevice, address: Uint8Array | null): void {
  const br = brFromDev(dev);
  br.bridgeId.addr = dev.devAddr.slice();
  br.designatedRoot.addr = dev.devAddr.slice();
  if (address) brStpChangeBridgeId(br, address);
  else brFdbAddLocal(br, null, dev.devAddr, 0);
}

export interface BridgeCreateOptions {
  address?: Uint8Array;
  /** Seconds as Linux takes it: centiseconds (clock_t). */
  ageingTime?: number;
}

/**
 * Create and register a bridge (what `ip link add NAME type bridge` does).
 * Returns the device or a negative errno.
 */
export function brCreate(net: Net, name: string, o: BridgeCreateOptions = {}): NetDevice | number {
  const dev = allocNetdev(name, brDevSetup, brNetdevOps);
  if (o.address) dev.devAddr = o.address.slice();
  else ethHwAddrRandom(dev, net.kernel.rng);
  dev.net = net;
  const err = registerNetdevice(net, dev);
  if (err) return err;
  brDevRegistered(dev, null);
  if (o.ageingTime !== undefined) brFromDev(dev).ageingTime = brFromDev(dev).bridgeAgeingTime = o.ageingTime * 1e7;
  return dev;
}

/** Linux: br_dev_delete(): release every port, drop the bridge's own entries, unregister. */
export function brDevDelete(dev: NetDevice, head: NetDevice[]): void {
  brReleasePorts(dev);
  head.push(dev);
}

/** The port and fdb teardown of br_dev_delete(), also run when the bridge is unregistered directly. */
export function brReleasePorts(dev: NetDevice): void {
  const br = brFromDev(dev);
  for (const p of br.portList.slice()) brDelIf(br, p.dev);
  brFdbDeleteByPort(br, null, 0, true);
  br.kernel.delTimer(br.gcTimer);
}
