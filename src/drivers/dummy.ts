/**
 * The dummy device (Linux: drivers/net/dummy.c): transmit counts and frees.
 * NOARP, no multicast, random MAC, no queue, carrier always on.
 */
import {
  type NetDevice, type NetDeviceOps, IFF_NOARP, IFF_MULTICAST, IFF_LIVE_ADDR_CHANGE, IFF_NO_QUEUE,
  NETDEV_TX_OK, NETIF_F_SG, NETIF_F_FRAGLIST, NETIF_F_GSO_SOFTWARE, NETIF_F_HW_CSUM, NETIF_F_HIGHDMA,
  NETIF_F_LLTX, NETIF_F_GSO,
} from '../core/netdevice.js';
import { type SkBuff, consumeSkb } from '../core/skbuff.js';
import { etherSetup, ethHwAddrRandom, ethMacAddr, ethValidateAddr } from '../ethernet/eth.js';
import type { Rng } from '../core/rng.js';

/** Linux: dummy_xmit(). */
function dummyXmit(skb: SkBuff, dev: NetDevice): number {
  dev.stats.txPackets++;
  dev.stats.txBytes += skb.len;
  consumeSkb(skb);
  return NETDEV_TX_OK;
}

export const dummyOps: NetDeviceOps = {
  ndoStartXmit: dummyXmit,
  ndoValidateAddr: ethValidateAddr,
  ndoSetMacAddress: ethMacAddr,
  ndoChangeMtu: (dev, mtu) => {
    dev.mtu = mtu;
    return 0;
  },
};

/** Linux: dummy_setup(). */
export function dummySetup(dev: NetDevice, rng: Rng): void {
  etherSetup(dev);
  dev.flags |= IFF_NOARP;
  dev.flags &= ~IFF_MULTICAST;
  dev.privFlags |= IFF_LIVE_ADDR_CHANGE | IFF_NO_QUEUE;
  const feats = NETIF_F_SG + NETIF_F_FRAGLIST + NETIF_F_GSO_SOFTWARE + NETIF_F_HW_CSUM + NETIF_F_HIGHDMA + NETIF_F_LLTX + NETIF_F_GSO;
  dev.features = feats;
  dev.hwFeatures = feats - NETIF_F_LLTX - NETIF_F_GSO;
  dev.minMtu = 0;
  dev.maxMtu = 0;
  ethHwAddrRandom(dev, rng);
  dev.ethtoolOps = {
    getDrvinfo: () => ({ driver: 'dummy', version: '1.0' }),
  };
}
