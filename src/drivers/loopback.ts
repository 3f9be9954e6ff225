/**
 * The loopback device (Linux: drivers/net/loopback.c). Every namespace gets one,
 * `lo`, ifindex 1, MTU 65536, ARPHRD_LOOPBACK, no queue. Transmit turns the frame
 * around into netif_rx, as Linux does, counting it both ways.
 */
import {
  type NetDevice, type NetDeviceOps, ARPHRD_LOOPBACK, ETH_ALEN, ETH_HLEN, IFF_LOOPBACK,
  IFF_LIVE_ADDR_CHANGE, IFF_NO_QUEUE, NETDEV_TX_OK, NETIF_F_SG, NETIF_F_FRAGLIST, NETIF_F_GSO_SOFTWARE,
  NETIF_F_HW_CSUM, NETIF_F_RXCSUM, NETIF_F_SCTP_CRC, NETIF_F_HIGHDMA, NETIF_F_LLTX, NETIF_F_NETNS_LOCAL,
  NETIF_F_VLAN_CHALLENGED, NETIF_F_LOOPBACK, allocNetdev,
} from '../core/netdevice.js';
import type { SkBuff } from '../core/skbuff.js';
import { netifRx, registerNetdevice, devOpen } from '../core/dev.js';
import { ethHeaderOps, ethTypeTrans } from '../ethernet/eth.js';
import type { Net } from '../core/net_namespace.js';

/** Linux: loopback_xmit(). */
function loopbackXmit(skb: SkBuff, dev: NetDevice): number {
  // skb_orphan(): the sender's socket no longer pays for it.
  if (skb.destructor) {
    const d = skb.destructor;
    skb.destructor = null;
    d(skb);
  }
  skb.sk = null;
  // skb.dst stays: Linux keeps it (netif_keep_dst) so the receive path can reuse it.
  const len = skb.len;
  skb.protocol = ethTypeTrans(skb, dev);
  dev.stats.txPackets++;
  dev.stats.txBytes += len;
  if (netifRx(skb) === 0) {
    dev.stats.rxPackets++;
    dev.stats.rxBytes += len;
  }
  return NETDEV_TX_OK;
}

export const loopbackOps: NetDeviceOps = {
  ndoStartXmit: loopbackXmit,
};

/** Linux: loopback_setup(). */
export function loopbackSetup(dev: NetDevice): void {
  dev.mtu = 64 * 1024;
  dev.minMtu = 0;
  dev.maxMtu = 0;
  dev.hardHeaderLen = ETH_HLEN;
  dev.addrLen = ETH_ALEN;
  dev.type = ARPHRD_LOOPBACK;
  dev.flags = IFF_LOOPBACK;
  dev.privFlags |= IFF_LIVE_ADDR_CHANGE | IFF_NO_QUEUE;
  dev.txQueueLen = 1000;
  dev.hwFeatures = NETIF_F_GSO_SOFTWARE;
  dev.features = NETIF_F_SG + NETIF_F_FRAGLIST + NETIF_F_GSO_SOFTWARE + NETIF_F_HW_CSUM + NETIF_F_RXCSUM +
    NETIF_F_SCTP_CRC + NETIF_F_HIGHDMA + NETIF_F_LLTX + NETIF_F_NETNS_LOCAL + NETIF_F_VLAN_CHALLENGED + NETIF_F_LOOPBACK;
  dev.netnsLocal = true;
  dev.headerOps = ethHeaderOps;
  dev.devAddr = new Uint8Array(ETH_ALEN);
  dev.broadcast = new Uint8Array(ETH_ALEN);
  // Linux: loopback_ethtool_ops has get_link (always_on) and get_ts_info only:
  // `ethtool -i lo` answers EOPNOTSUPP.
  dev.ethtoolOps = {
    getLink: () => true,
  };
}

/** Linux: loopback_net_init(): create and register `lo` (not up, as in a new namespace). */
export function loopbackNetInit(net: Net): void {
  const dev = allocNetdev('lo', loopbackSetup, loopbackOps);
  dev.net = net;
  const err = registerNetdevice(net, dev);
  if (err) throw new Error(`loopback: registration failed (${err})`);
  net.loopbackDev = dev;
}

/** Bring `lo` up (the init namespace of a booted host has it up). */
export function loopbackUp(net: Net): void {
  if (net.loopbackDev) devOpen(net.loopbackDev);
}
