/**
 * Ethernet (Linux: net/ethernet/eth.c, include/linux/etherdevice.h): header build
 * and parse, eth_type_trans, ether_setup, random and validity checks of MACs.
 */
import {
  type NetDevice, type HeaderOps, ARPHRD_ETHER, ETH_ALEN, ETH_DATA_LEN, ETH_HLEN, ETH_MIN_MTU,
  IFF_BROADCAST, IFF_MULTICAST, NET_ADDR_RANDOM, IFF_TX_SKB_SHARING, ETH_MAX_MTU, VLAN_HLEN, NET_RX_DROP,
} from '../core/netdevice.js';
import type { SkBuff } from '../core/skbuff.js';
import {
  PACKET_BROADCAST, PACKET_HOST, PACKET_MULTICAST, PACKET_OTHERHOST, skbPull, skbPush, skbResetMacHeader, skbFromBytes,
} from '../core/skbuff.js';
import { ETH_P_802_2, ETH_P_802_3, ETH_P_802_3_MIN, netifRx } from '../core/dev.js';
import { SKB_DROP_REASON_PKT_TOO_SMALL, SKB_DROP_REASON_PKT_TOO_LONG } from '../core/drop_reason.js';
import { EADDRNOTAVAIL } from '../socket/errno.js';
import type { Rng } from '../core/rng.js';

/** Ethernet header field offsets (struct ethhdr). */
export const ETH_DEST = 0;
export const ETH_SOURCE = 6;
export const ETH_PROTO = 12;

export function isMulticastEtherAddr(a: Uint8Array, off = 0): boolean {
  return (a[off]! & 1) !== 0;
}
export function isBroadcastEtherAddr(a: Uint8Array, off = 0): boolean {
  return (a[off]! & a[off + 1]! & a[off + 2]! & a[off + 3]! & a[off + 4]! & a[off + 5]!) === 0xff;
}
export function isZeroEtherAddr(a: Uint8Array, off = 0): boolean {
  return (a[off]! | a[off + 1]! | a[off + 2]! | a[off + 3]! | a[off + 4]! | a[off + 5]!) === 0;
}
/** Linux: is_valid_ether_addr(). */
export function isValidEtherAddr(a: Uint8Array, off = 0): boolean {
  return !isMulticastEtherAddr(a, off) && !isZeroEtherAddr(a, off);
}
/** Linux: ether_addr_equal(). */
export function etherAddrEqual(a: Uint8Array, aoff: number, b: Uint8Array, boff: number): boolean {
  return a[aoff] === b[boff] && a[aoff + 1] === b[boff + 1] && a[aoff + 2] === b[boff + 2] &&
    a[aoff + 3] === b[boff + 3] && a[aoff + 4] === b[boff + 4] && a[aoff + 5] === b[boff + 5];
}
/** Linux: eth_random_addr(): locally administered unicast. */
export function ethRandomAddr(rng: Rng): Uint8Array {
  const a = new Uint8Array(ETH_ALEN);
  rng.bytes(a);
  a[0] = (a[0]! & 0xfe) | 0x02;
  return a;
}
/** Linux: eth_hw_addr_random(). */
export function ethHwAddrRandom(dev: NetDevice, rng: Rng): void {
  dev.addrAssignType = NET_ADDR_RANDOM;
  dev.devAddr = ethRandomAddr(rng);
}

/** "aa:bb:cc:dd:ee:ff" */
export function formatMac(a: Uint8Array, off = 0, len = 6): string {
  let s = '';
  for (let i = 0; i < len; i++) {
    if (i) s += ':';
    s += a[off + i]!.toString(16).padStart(2, '0');
  }
  return s;
}
/** Parse "aa:bb:cc:dd:ee:ff" (also '-' separated); null if malformed. */
export function parseMac(s: string): Uint8Array | null {
  const parts = s.split(/[:-]/);
  if (parts.length !== 6) return null;
  const a = new Uint8Array(6);
  for (let i = 0; i < 6; i++) {
    const p = parts[i]!;
    if (!/^[0-9a-fA-F]{1,2}$/.test(p)) return null;
    a[i] = parseInt(p, 16);
  }
  return a;
}

/** Linux: eth_header(): push dst, src, type. Returns ETH_HLEN, or -ETH_HLEN if the destination is unknown. */
export function ethHeader(skb: SkBuff, dev: NetDevice, type: number, daddr: Uint8Array | null, saddr: Uint8Array | null, len: number): number {
  const off = skbPush(skb, ETH_HLEN);
  const b = skb.buf;
  if (type !== ETH_P_802_3 && type !== ETH_P_802_2) {
    b[off + 12] = type >> 8;
    b[off + 13] = type & 0xff;
  } else {
    b[off + 12] = len >> 8;
    b[off + 13] = len & 0xff;
  }
  b.set(saddr ?? dev.devAddr, off + ETH_SOURCE);
  if (daddr) {
    b.set(daddr, off + ETH_DEST);
    return ETH_HLEN;
  }
  return -ETH_HLEN;
}

/** Linux: eth_header_parse(). */
export function ethHeaderParse(skb: SkBuff, haddr: Uint8Array): number {
  // Byte copy: a subarray view per call costs more than the six bytes (packet_rcv path).
  const b = skb.buf;
  const src = skb.macHeader + ETH_SOURCE;
  for (let i = 0; i < ETH_ALEN; i++) haddr[i] = b[src + i]!;
  return ETH_ALEN;
}

export const ethHeaderOps: HeaderOps = {
  create: ethHeader,
  parse: ethHeaderParse,
  parseProtocol: (skb) => (skb.buf[skb.macHeader + 12]! << 8) | skb.buf[skb.macHeader + 13]!,
};

/**
 * Linux: eth_type_trans(): classify the frame by destination (host, broadcast,
 * multicast, otherhost), pull the Ethernet header, and return the protocol:
 * the ethertype, or for an 802.3 length field ETH_P_802_3 (raw IPX, 0xFFFF
 * after the header) or ETH_P_802_2 (LLC).
 */
export function ethTypeTrans(skb: SkBuff, dev: NetDevice): number {
  skb.dev = dev;
  skbResetMacHeader(skb);
  const b = skb.buf;
  const m = skb.data;
  skbPull(skb, ETH_HLEN);
  if (b[m]! & 1) {
    skb.pktType = isBroadcastEtherAddr(b, m) ? PACKET_BROADCAST : PACKET_MULTICAST;
  } else if (!etherAddrEqual(b, m, dev.devAddr, 0)) {
    skb.pktType = PACKET_OTHERHOST;
  } else {
    skb.pktType = PACKET_HOST;
  }
  const proto = (b[m + 12]! << 8) | b[m + 13]!;
  if (proto >= ETH_P_802_3_MIN) return proto;
  // 802.3 length field. Raw IPX frames start with 0xFFFF (no checksum) after the header.
  if (skb.len >= 2 && b[skb.data] === 0xff && b[skb.data + 1] === 0xff) return ETH_P_802_3;
  return ETH_P_802_2;
}

/** Linux: ether_setup(): Ethernet defaults for a new device. */
export function etherSetup(dev: NetDevice): void {
  dev.headerOps = ethHeaderOps;
  dev.type = ARPHRD_ETHER;
  dev.hardHeaderLen = ETH_HLEN;
  dev.minMtu = ETH_MIN_MTU;
  dev.maxMtu = ETH_DATA_LEN;
  dev.mtu = ETH_DATA_LEN;
  dev.addrLen = ETH_ALEN;
  dev.txQueueLen = 1000;
  dev.flags = IFF_BROADCAST | IFF_MULTICAST;
  dev.privFlags |= IFF_TX_SKB_SHARING;
  dev.broadcast = new Uint8Array(ETH_ALEN).fill(0xff);
}

/** Linux: eth_mac_addr() for drivers that allow any valid unicast address. */
export function ethMacAddr(dev: NetDevice, addr: Uint8Array): number {
  if (!isValidEtherAddr(addr)) return -EADDRNOTAVAIL;
  dev.devAddr = addr.slice();
  return 0;
}

/** Linux: eth_validate_addr(). */
export function ethValidateAddr(dev: NetDevice): number {
  return isValidEtherAddr(dev.devAddr) ? 0 : -EADDRNOTAVAIL;
}

/**
 * Receive one frame from a wire (what a NIC driver's rx routine does before
 * netif_rx): a frame shorter than the Ethernet header, or longer than MTU +
 * header + one VLAN tag, is counted in rx_length_errors/rx_errors and dropped,
 * as hardware drivers do. Otherwise it is copied into an skb with headroom,
 * classified by ethTypeTrans and queued. Returns NET_RX_SUCCESS (0) or NET_RX_DROP (1).
 */
export function ethReceiveFrame(dev: NetDevice, frame: Uint8Array): number {
  if (frame.length < ETH_HLEN || frame.length > dev.mtu + dev.hardHeaderLen + VLAN_HLEN) {
    dev.stats.rxLengthErrors++;
    dev.stats.rxErrors++;
    const reason = frame.length < ETH_HLEN ? SKB_DROP_REASON_PKT_TOO_SMALL : SKB_DROP_REASON_PKT_TOO_LONG;
    dev.net.dropCounts[reason]!++;
    return NET_RX_DROP;
  }
  const skb = skbFromBytes(dev, frame);
  skb.protocol = ethTypeTrans(skb, dev);
  dev.stats.rxPackets++;
  dev.stats.rxBytes += frame.length;
  if (skb.pktType === PACKET_MULTICAST) dev.stats.multicast++;
  return netifRx(skb);
}

export { ETH_MAX_MTU };
