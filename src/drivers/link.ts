/**
 * Link devices: an Ethernet net_device whose wire is outside the kernel (a Linux TAP
 * interface, a QEMU `-netdev stream/dgram` socket, `vde_plug`, a WebSocket relay).
 * No single Linux driver is its counterpart; it plays the part of a NIC driver
 * (drivers/net/ethernet/...): `ndo_start_xmit` hands each frame to the wire, and
 * frames from the wire enter the stack through netif_rx(), as virtio-net or e1000
 * would deliver them. The wire itself is a `LinkPort` that platform code (src/platform/)
 * supplies, so the kernel never touches Node or browser APIs.
 *
 *   platform (fd, socket, WebSocket)          kernel
 *   ─────────────────────────────────         ─────────────────────────────────────
 *   bytes arrive ── linkReceive(dev, frame) ─> skb ─> eth_type_trans ─> netif_rx
 *   port.transmit(frame) <── linkXmit <────── dev_queue_xmit (after validate_xmit)
 *   connected / lost ── linkAttach/linkDetach ─> carrier on / off (link_watch)
 *
 * Carrier follows the port: a device has carrier only while a port is attached (a TAP
 * fd open, a QEMU peer connected), like a NIC with its cable in. A device that lost its
 * port stays registered with carrier off until a new port is attached (reconnect).
 *
 * Batching: the platform delivers a burst of frames between
 * `sched.localBhDisable()` and `sched.localBhEnable()`, so the stack processes the
 * whole burst in one softirq pass (what NAPI's budget does for a real NIC).
 *
 * Receive with NETIF_F_GRO (the default, `ethtool -K DEV gro off` turns it off): frames
 * wait on the device's receive ring and its NAPI poll hands them to GRO
 * (napi_gro_receive, as virtio-net does), which merges in-order TCP segments of a
 * flow; what is held is flushed when the poll completes (the ring is empty). Without
 * GRO, frames go to the per-CPU backlog (netif_rx) as before.
 */
import {
  type NetDevice, type NetDeviceOps, ETH_MAX_MTU, ETH_HLEN, VLAN_HLEN, IFF_LIVE_ADDR_CHANGE, IFF_UP, NETDEV_TX_OK,
  NETIF_F_SG, NETIF_F_HIGHDMA, NETIF_F_GRO, allocNetdev, DUPLEX_FULL, PORT_OTHER, AUTONEG_DISABLE, netifCarrierOk,
  featHas,
} from '../core/netdevice.js';
import { type SkBuff, kfreeSkbReason, consumeSkb, skbFromBytes, NET_SKB_PAD } from '../core/skbuff.js';
import { netifRx, registerNetdevice, unregisterNetdevice, devAllocName } from '../core/dev.js';
import { etherSetup, ethHwAddrRandom, ethMacAddr, ethTypeTrans, ethValidateAddr } from '../ethernet/eth.js';
import { netifCarrierOff, netifCarrierOn } from '../core/link_watch.js';
import { SKB_DROP_REASON_DEV_READY, SKB_DROP_REASON_FULL_RING } from '../core/drop_reason.js';
import type { Net } from '../core/net_namespace.js';
import { type NapiStruct, netifNapiAdd, napiSchedule, napiCompleteDone } from '../core/napi.js';
import { SkBuffHead } from '../core/skb_queue.js';
import { GroNode, groReceiveSkb, groFlush, groCleanup } from '../core/gro.js';

/** Linux: NET_IP_ALIGN: 2 bytes before the Ethernet header put the IP header on a 4-byte boundary. */
export const NET_IP_ALIGN = 2;

/**
 * The wire of a link device, implemented by platform code. `transmit` must never
 * throw and must not keep `frame` after it returns (the buffer is reused): copy it
 * or write it out synchronously.
 */
export interface LinkPort {
  /**
   * Send one frame. `frame` is the Ethernet frame, preceded by a virtio_net_hdr when
   * the port negotiated one (`LinkPriv.vnetHdrLen` > 0). Returns false when the frame
   * could not be sent (peer gone, buffer full): the device counts it as tx_dropped.
   */
  transmit(frame: Uint8Array): boolean;
  /** Release the wire (close the fd or socket). Called once, by linkDetach. */
  close(): void;
}

/** Hooks a link kind may install (the TAP driver's virtio_net_hdr handling, say). */
export interface LinkKindOps {
  /** `ethtool -i` driver name. */
  driver: string;
  /**
   * Build the bytes for the wire from an outgoing skb (already validated: checksum
   * finished or CHECKSUM_PARTIAL left for the port, GSO or segmented). Returns the
   * bytes to hand to `port.transmit` or null to drop (counted tx_dropped). Default:
   * the skb's bytes from skb.data to skb.tail.
   */
  encap?(dev: NetDevice, skb: SkBuff): Uint8Array | null;
  /**
   * Turn wire bytes into an skb (data at the Ethernet header), or null after counting
   * the drop itself. Default: linkFrameToSkb (no header before the frame).
   */
  decap?(dev: NetDevice, frame: Uint8Array): SkBuff | null;
}

/** Private state of a link device (dev.priv). */
export class LinkPriv {
  port: LinkPort | null = null;
  /** Why the last port went away (for logs and `tuxnet tap`); '' while attached or never attached. */
  lastError = '';
  /** Bytes of virtio_net_hdr before every frame on this port (0: none). */
  vnetHdrLen = 0;
  /** The receive NAPI context (GRO path), its ring of received frames and its GRO state. */
  napi: NapiStruct | null = null;
  readonly rxq = new SkBuffHead();
  readonly gro = new GroNode();
  constructor(readonly ops: LinkKindOps) {}
}

/** Frames the receive ring holds before it overflows (rx_fifo_errors), like a NIC ring of netdev_max_backlog. */
export const LINK_RX_RING = 1000;

function priv(dev: NetDevice): LinkPriv {
  return dev.priv as LinkPriv;
}

/** The largest frame a link device accepts from the wire: MTU + Ethernet header + one VLAN tag. */
export function linkMaxFrame(dev: NetDevice): number {
  return dev.mtu + ETH_HLEN + VLAN_HLEN;
}

/**
 * Default receive: copy a plain Ethernet frame into a new skb (NET_IP_ALIGN headroom so
 * the IP header is aligned, as drivers do). Truncated frames (shorter than an Ethernet
 * header) count as rx_length_errors; frames over MTU + header + VLAN tag as
 * rx_length_errors too (a NIC's "oversize" counter lands there in rtnl_link_stats64).
 */
export function linkFrameToSkb(dev: NetDevice, frame: Uint8Array): SkBuff | null {
  const len = frame.length;
  if (len < ETH_HLEN || len > linkMaxFrame(dev)) return linkRxLengthError(dev);
  return skbFromBytes(dev, frame, NET_SKB_PAD + NET_IP_ALIGN);
}

/**
 * A frame of the wrong length, dropped before an skb exists (so no kfree_skb tracepoint):
 * rx_length_errors, rx_errors and rx_dropped. Returns null for the callers' convenience.
 */
export function linkRxLengthError(dev: NetDevice): null {
  dev.stats.rxLengthErrors++;
  dev.stats.rxErrors++;
  dev.coreStats.rxDropped++;
  return null;
}

/**
 * Frames from the wire: build the skb, set its protocol (eth_type_trans) and queue it
 * to the backlog (netif_rx). Never throws, whatever the bytes are. `frame` may be
 * reused by the caller after this returns (it is copied).
 */
export function linkReceive(dev: NetDevice, frame: Uint8Array): void {
  const p = priv(dev);
  if (!(dev.flags & IFF_UP) || p.port === null) {
    dev.coreStats.rxDropped++;
    return;
  }
  const skb = p.ops.decap ? p.ops.decap(dev, frame) : linkFrameToSkb(dev, frame);
  if (skb === null) return;
  const len = skb.len;
  skb.protocol = ethTypeTrans(skb, dev);
  if (featHas(dev.features, NETIF_F_GRO) && p.napi !== null) {
    if (p.rxq.qlen >= LINK_RX_RING) {
      dev.stats.rxFifoErrors++;
      dev.stats.rxErrors++;
      kfreeSkbReason(skb, SKB_DROP_REASON_FULL_RING);
      return;
    }
    skb.tstamp = dev.net.kernel.clock.now();
    p.rxq.enqueueTail(skb);
    napiSchedule(p.napi);
    dev.stats.rxPackets++;
    dev.stats.rxBytes += len;
    return;
  }
  if (netifRx(skb) === 0) {
    dev.stats.rxPackets++;
    dev.stats.rxBytes += len;
  }
}

/**
 * The NAPI poll of a link device: up to `budget` frames from the ring go through GRO;
 * when the ring is empty the poll completes and GRO's held packets go up
 * (napi_complete_done flushes GRO).
 */
function linkPoll(napi: NapiStruct, budget: number): number {
  const p = priv(napi.dev!);
  let work = 0;
  while (work < budget) {
    const skb = p.rxq.dequeue();
    if (skb === null) break;
    groReceiveSkb(p.gro, skb);
    work++;
  }
  if (p.rxq.qlen === 0) {
    groFlush(p.gro);
    napiCompleteDone(napi, work);
  }
  return work;
}

/** Drop what the receive ring and GRO hold (the device goes down or away). */
function linkRxPurge(dev: NetDevice): void {
  const p = priv(dev);
  let skb: SkBuff | null;
  while ((skb = p.rxq.dequeue()) !== null) kfreeSkbReason(skb, SKB_DROP_REASON_DEV_READY);
  groCleanup(p.gro);
}

/** Linux: ndo_start_xmit of a NIC: the frame leaves on the wire (or is counted as dropped). */
function linkXmit(skb: SkBuff, dev: NetDevice): number {
  const p = priv(dev);
  const port = p.port;
  if (port === null) {
    dev.coreStats.txDropped++;
    kfreeSkbReason(skb, SKB_DROP_REASON_DEV_READY);
    return NETDEV_TX_OK;
  }
  const len = skb.len;
  const bytes = p.ops.encap ? p.ops.encap(dev, skb) : skb.buf.subarray(skb.data, skb.tail);
  if (bytes === null || !port.transmit(bytes)) {
    dev.coreStats.txDropped++;
    kfreeSkbReason(skb, SKB_DROP_REASON_DEV_READY);
    return NETDEV_TX_OK;
  }
  dev.stats.txPackets++;
  dev.stats.txBytes += len;
  consumeSkb(skb);
  return NETDEV_TX_OK;
}

export const linkOps: NetDeviceOps = {
  ndoStartXmit: linkXmit,
  ndoOpen: (dev) => {
    if (priv(dev).port !== null) netifCarrierOn(dev);
    return 0;
  },
  ndoStop: (dev) => {
    netifCarrierOff(dev);
    linkRxPurge(dev);
    return 0;
  },
  ndoValidateAddr: ethValidateAddr,
  ndoSetMacAddress: ethMacAddr,
  ndoChangeMtu: (dev, mtu) => {
    dev.mtu = mtu;
    return 0;
  },
  ndoUninit: (dev) => {
    const p = priv(dev);
    const port = p.port;
    p.port = null;
    if (port) port.close();
    linkRxPurge(dev);
  },
};

export interface LinkCreateOptions {
  /** Device name, or a pattern with %d ("eth%d"). */
  name: string;
  ops: LinkKindOps;
  address?: Uint8Array;
  mtu?: number;
  /** Extra NETIF_F_* features beyond SG|HIGHDMA|GRO (the TAP adds checksum and TSO with vnet headers). */
  features?: number;
}

/** Allocate and register a link device (carrier off until a port is attached). Returns the device or -errno. */
export function linkCreate(net: Net, o: LinkCreateOptions): NetDevice | number {
  const name = devAllocName(net, o.name);
  if (typeof name === 'number') return name;
  const dev = allocNetdev(name, (d) => linkSetup(d, o.ops), linkOps, 1, 1);
  if (o.address) dev.devAddr = o.address.slice();
  else ethHwAddrRandom(dev, net.kernel.rng);
  if (o.mtu !== undefined) dev.mtu = o.mtu;
  if (o.features !== undefined) {
    dev.features |= o.features;
    dev.hwFeatures |= o.features;
  }
  dev.net = net;
  netifCarrierOff(dev);
  const err = registerNetdevice(net, dev);
  return err < 0 ? err : dev;
}

function linkSetup(dev: NetDevice, ops: LinkKindOps): void {
  etherSetup(dev);
  dev.privFlags |= IFF_LIVE_ADDR_CHANGE;
  dev.features = NETIF_F_SG + NETIF_F_HIGHDMA + NETIF_F_GRO;
  dev.hwFeatures = dev.features;
  dev.maxMtu = ETH_MAX_MTU;
  const p = new LinkPriv(ops);
  dev.priv = p;
  p.napi = netifNapiAdd(dev, linkPoll);
  dev.ethtoolOps = {
    getDrvinfo: () => ({ driver: ops.driver, version: '1.0', supportsStatistics: false }),
    getLink: (d) => netifCarrierOk(d),
    getLinkKsettings: () => ({
      speed: 10000, duplex: DUPLEX_FULL, port: PORT_OTHER, autoneg: AUTONEG_DISABLE, phyAddress: 0,
      transceiver: 0, supportedModes: [], advertisedModes: [], mdix: 0,
    }),
  };
}

/** Connect the device to its wire; carrier comes on if the device is up. */
export function linkAttach(dev: NetDevice, port: LinkPort, vnetHdrLen = 0): void {
  const p = priv(dev);
  if (p.port !== null && p.port !== port) p.port.close();
  p.port = port;
  p.vnetHdrLen = vnetHdrLen;
  p.lastError = '';
  if (dev.flags & IFF_UP) netifCarrierOn(dev);
}

/** The wire went away (peer closed, bad framing, fd error): close the port, carrier off. */
export function linkDetach(dev: NetDevice, reason: string): void {
  const p = priv(dev);
  const port = p.port;
  p.port = null;
  p.lastError = reason;
  netifCarrierOff(dev);
  if (port) port.close();
}

export function linkPriv(dev: NetDevice): LinkPriv {
  return priv(dev);
}

/** Remove a link device (its port is closed by ndo_uninit). */
export function linkDestroy(dev: NetDevice): void {
  unregisterNetdevice(dev);
}
