/**
 * Virtual Ethernet pairs (Linux: drivers/net/veth.c). What one end transmits the
 * other receives, possibly in another namespace. Carrier follows the peer: a
 * veth has carrier only while both ends are up. The peer's ifindex is the
 * device's iflink, which `ip link` prints as `veth0@if7`.
 *
 * Receive goes through the per-CPU backlog (netif_rx), Linux's default when no
 * XDP program or GRO is enabled on the peer.
 */
import {
  type NetDevice, type NetDeviceOps, ETH_MAX_MTU, IFF_LIVE_ADDR_CHANGE, IFF_NO_QUEUE, IFF_TX_SKB_SHARING,
  NETDEV_TX_OK, NETIF_F_SG, NETIF_F_FRAGLIST, NETIF_F_GSO_SOFTWARE, NETIF_F_HW_CSUM, NETIF_F_HIGHDMA,
  NETIF_F_LLTX, NETIF_F_RXCSUM, NETIF_F_HW_VLAN_CTAG_TX, NETIF_F_HW_VLAN_STAG_TX, NETIF_F_HW_VLAN_CTAG_RX,
  NETIF_F_HW_VLAN_STAG_RX, NETIF_F_GRO, VLAN_HLEN, IFF_UP, allocNetdev, DUPLEX_FULL, PORT_TP,
  AUTONEG_DISABLE, netifCarrierOk,
} from '../core/netdevice.js';
import { type SkBuff, kfreeSkbReason, PACKET_HOST } from '../core/skbuff.js';
import { netifRx, registerNetdevice, unregisterNetdevice } from '../core/dev.js';
import { etherSetup, ethHwAddrRandom, ethMacAddr, ethTypeTrans, ethValidateAddr } from '../ethernet/eth.js';
import { netifCarrierOff, netifCarrierOn } from '../core/link_watch.js';
import { SKB_DROP_REASON_DEV_READY, SKB_DROP_REASON_PKT_TOO_BIG } from '../core/drop_reason.js';
import type { Net } from '../core/net_namespace.js';

export interface VethPriv {
  peer: NetDevice | null;
}

function peerOf(dev: NetDevice): NetDevice | null {
  return (dev.priv as VethPriv).peer;
}

/**
 * Linux: veth_xmit() + __dev_forward_skb(). The frame crosses to the peer:
 * a down peer or a frame over the peer's MTU is dropped (counted rx_dropped on
 * the peer, tx_dropped here as veth reports), otherwise it is scrubbed of
 * namespace-local state and received by the peer.
 */
function vethXmit(skb: SkBuff, dev: NetDevice): number {
  const rcv = peerOf(dev);
  const len = skb.len;
  if (!rcv || !(rcv.flags & IFF_UP)) {
    dev.coreStats.txDropped++;
    kfreeSkbReason(skb, SKB_DROP_REASON_DEV_READY);
    return NETDEV_TX_OK;
  }
  if (len > rcv.mtu + rcv.hardHeaderLen + VLAN_HLEN && skb.gsoSize === 0) {
    rcv.coreStats.rxDropped++;
    dev.coreStats.txDropped++;
    kfreeSkbReason(skb, SKB_DROP_REASON_PKT_TOO_BIG);
    return NETDEV_TX_OK;
  }
  // skb_scrub_packet(): crossing a namespace boundary clears mark and owner.
  if (rcv.net !== dev.net) skb.mark = 0;
  if (skb.destructor) {
    const d = skb.destructor;
    skb.destructor = null;
    d(skb);
  }
  skb.sk = null;
  skb.dst = null;
  skb.nfct = null;
  skb.pktType = PACKET_HOST;
  // skb_scrub_packet(): the sender's "may fragment despite DF" (ip_sk_ignore_df) stays behind.
  skb.ignoreDf = false;
  skb.tstamp = 0;
  skb.protocol = ethTypeTrans(skb, rcv);
  if (netifRx(skb) === 0) {
    dev.stats.txPackets++;
    dev.stats.txBytes += len;
    rcv.stats.rxPackets++;
    rcv.stats.rxBytes += len;
  } else {
    dev.coreStats.txDropped++;
  }
  return NETDEV_TX_OK;
}

/** Linux: veth_open(). */
function vethOpen(dev: NetDevice): number {
  const peer = peerOf(dev);
  if (!peer) return -107; // -ENOTCONN
  if (peer.flags & IFF_UP) {
    netifCarrierOn(dev);
    netifCarrierOn(peer);
  }
  return 0;
}

/** Linux: veth_close(). */
function vethClose(dev: NetDevice): number {
  const peer = peerOf(dev);
  netifCarrierOff(dev);
  if (peer) netifCarrierOff(peer);
  return 0;
}

export const vethOps: NetDeviceOps = {
  ndoStartXmit: vethXmit,
  ndoOpen: vethOpen,
  ndoStop: vethClose,
  ndoValidateAddr: ethValidateAddr,
  ndoSetMacAddress: ethMacAddr,
  ndoChangeMtu: (dev, mtu) => {
    dev.mtu = mtu;
    return 0;
  },
  ndoGetIflink: (dev) => peerOf(dev)?.ifindex ?? 0,
  ndoGetPeerDev: peerOf,
  ndoUninit: (dev) => {
    // Linux: veth_dellink() unregisters both ends; the first to go unlinks the pair.
    const peer = peerOf(dev);
    (dev.priv as VethPriv).peer = null;
    if (peer) {
      (peer.priv as VethPriv).peer = null;
      unregisterNetdevice(peer);
    }
  },
};

const VETH_FEATURES = NETIF_F_SG + NETIF_F_FRAGLIST + NETIF_F_HW_CSUM + NETIF_F_RXCSUM + NETIF_F_HIGHDMA +
  NETIF_F_GSO_SOFTWARE + NETIF_F_HW_VLAN_CTAG_TX + NETIF_F_HW_VLAN_STAG_TX + NETIF_F_HW_VLAN_CTAG_RX +
  NETIF_F_HW_VLAN_STAG_RX;

/** Linux: veth_setup(). */
export function vethSetup(dev: NetDevice): void {
  etherSetup(dev);
  dev.privFlags &= ~IFF_TX_SKB_SHARING;
  dev.privFlags |= IFF_LIVE_ADDR_CHANGE | IFF_NO_QUEUE;
  dev.features = VETH_FEATURES + NETIF_F_LLTX + NETIF_F_GRO;
  dev.hwFeatures = VETH_FEATURES + NETIF_F_GRO;
  dev.vlanFeatures = VETH_FEATURES;
  dev.maxMtu = ETH_MAX_MTU;
  dev.priv = { peer: null } satisfies VethPriv;
  dev.ethtoolOps = {
    getDrvinfo: () => ({ driver: 'veth', version: '1.0', supportsStatistics: true }),
    // Linux: ethtool_op_get_link()
    getLink: (d) => netifCarrierOk(d),
    getLinkKsettings: () => ({
      speed: 10000, duplex: DUPLEX_FULL, port: PORT_TP, autoneg: AUTONEG_DISABLE, phyAddress: 0,
      transceiver: 0, supportedModes: [], advertisedModes: [], mdix: 0,
    }),
    getStrings: (d) => ['peer_ifindex', ...queueStatStrings(d)],
    getEthtoolStats: (d) => [peerOf(d)?.ifindex ?? 0, ...queueStats(d)],
  };
}

/** Linux: veth_get_strings(): per RX queue veth_rq_stats_desc, then per TX queue veth_tq_stats_desc. */
const RQ_STATS = ['xdp_packets', 'xdp_bytes', 'drops', 'xdp_redirect', 'xdp_drops', 'xdp_tx', 'xdp_tx_errors'];
const TQ_STATS = ['xdp_xmit', 'xdp_xmit_errors'];
function queueStatStrings(dev: NetDevice): string[] {
  const out: string[] = [];
  for (let i = 0; i < dev.realNumRxQueues; i++) for (const s of RQ_STATS) out.push(`rx_queue_${i}_${s}`);
  for (let i = 0; i < dev.realNumTxQueues; i++) for (const s of TQ_STATS) out.push(`tx_queue_${i}_${s}`);
  return out;
}
/** No XDP here: every per-queue XDP counter is 0. */
function queueStats(dev: NetDevice): number[] {
  return new Array<number>(dev.realNumRxQueues * RQ_STATS.length + dev.realNumTxQueues * TQ_STATS.length).fill(0);
}

/**
 * Linux: veth_dellink(): unpair both ends first (so each reports iflink 0,
 * `veth0@NONE`, while it goes down), then queue both for unregistration.
 */
export function vethDellink(dev: NetDevice, head: NetDevice[]): void {
  const peer = peerOf(dev);
  (dev.priv as VethPriv).peer = null;
  head.push(dev);
  if (peer) {
    (peer.priv as VethPriv).peer = null;
    head.push(peer);
  }
}

export interface VethCreateOptions {
  name: string;
  peerName: string;
  /** Namespace of the peer end (default: the same). */
  peerNet?: Net;
  address?: Uint8Array;
  peerAddress?: Uint8Array;
  mtu?: number;
  peerMtu?: number;
  numTxQueues?: number;
  numRxQueues?: number;
}

/**
 * Linux: veth_newlink(): allocate and register both ends with carrier off.
 * Returns [dev, peer] or a negative errno; on error nothing stays registered.
 */
export function vethCreate(net: Net, o: VethCreateOptions): [NetDevice, NetDevice] | number {
  const rng = net.kernel.rng;
  const peerNet = o.peerNet ?? net;
  const peer = allocNetdev(o.peerName, vethSetup, vethOps, o.numTxQueues ?? 1, o.numRxQueues ?? 1);
  const dev = allocNetdev(o.name, vethSetup, vethOps, o.numTxQueues ?? 1, o.numRxQueues ?? 1);
  // The same kind as `ip link add ... type veth` gives, so dumps show it (registered by rtnetlink).
  peer.rtnlLinkOps = dev.rtnlLinkOps = net.kernel.linkOps.get('veth') ?? null;
  if (o.peerAddress) peer.devAddr = o.peerAddress.slice();
  else ethHwAddrRandom(peer, rng);
  if (o.peerMtu !== undefined) peer.mtu = o.peerMtu;
  peer.net = peerNet;
  netifCarrierOff(peer);
  let err = registerNetdevice(peerNet, peer);
  if (err) return err;
  if (o.address) dev.devAddr = o.address.slice();
  else ethHwAddrRandom(dev, rng);
  if (o.mtu !== undefined) dev.mtu = o.mtu;
  dev.net = net;
  netifCarrierOff(dev);
  (dev.priv as VethPriv).peer = peer;
  (peer.priv as VethPriv).peer = dev;
  err = registerNetdevice(net, dev);
  if (err) {
    (peer.priv as VethPriv).peer = null;
    unregisterNetdevice(peer);
    return err;
  }
  return [dev, peer];
}
