/**
 * Generic receive offload (Linux: net/core/gro.c dev_gro_receive, gro_list_prepare,
 * skb_gro_receive, napi_gro_complete, gro_flush, and include/net/gro.h struct
 * napi_gro_cb / struct gro_node).
 *
 * A driver's NAPI poll hands each received frame to `groReceiveSkb` instead of
 * `netifReceiveSkb`. In-order TCP segments of one flow are merged into the first
 * one ("held"); the merged packet goes up the stack when the flow stops (a segment
 * shorter than the first, PSH/FIN/URG/RST/SYN, a header that differs, 64 KiB
 * reached) or when the poll ends (`groFlush`). Up the stack it looks like Linux's:
 * gsoSize = the first segment's payload, gsoSegs = segments merged, gsoType
 * SKB_GSO_TCPV4, CHECKSUM_PARTIAL with the pseudo-header sum in the TCP checksum
 * field (tcp_gro_complete). A segment delivered alone after GRO checked its checksum
 * is CHECKSUM_UNNECESSARY.
 *
 * Differences from Linux: skbs are linear, so merging copies the payload into the
 * held skb (grown once to gro_max_size) instead of chaining page frags; one list of
 * held packets per node (MAX_GRO_SKBS of them) instead of hash buckets; a GSO skb
 * from the driver is passed up whole (never merged); no UDP GRO (Linux merges UDP
 * only for UDP_GRO sockets or NETIF_F_GRO_UDP_FWD).
 */
import type { SkBuff } from './skbuff.js';
import { CHECKSUM_PARTIAL, consumeSkb, kfreeSkbReason, pskbExpandHead, skbCloned } from './skbuff.js';
import { NETIF_F_GRO, featHas } from './netdevice.js';
import { netifReceiveSkb } from './dev.js';
import { offloadTables } from './gso.js';
import { SKB_DROP_REASON_NOT_SPECIFIED } from './drop_reason.js';

/** Linux: MAX_GRO_SKBS: packets held at once (per bucket in Linux). */
export const MAX_GRO_SKBS = 8;

/** Linux: enum gro_result. */
export const GRO_MERGED = 0;
export const GRO_MERGED_FREE = 1;
export const GRO_HELD = 2;
export const GRO_NORMAL = 3;
export const GRO_CONSUMED = 4;

/** Linux: struct napi_gro_cb: GRO's state in skb->cb while the packet is in GRO. */
export class GroCb {
  /** Segments merged into this packet (held packets). */
  count = 1;
  /** This packet cannot be held or merged: deliver it (after flushing its flow). */
  flush = false;
  /** For held packets: may belong to the flow of the packet being received; for that packet: it was merged. */
  sameFlow = false;
  /** IPv4 ID stays fixed in this flow (DF set, second segment had the first's ID). */
  ipFixedid = false;
  /** Bytes of headers GRO has looked at, from skb.data (skb_gro_offset). */
  groOffset = 0;
  /** Offset of the IPv4 header from skb.data. */
  networkOffset = 0;
  /** IP protocol (NAPI_GRO_CB(skb)->proto). */
  proto = 0;
  /** The GRO node holding this packet (for its data arena). */
  node: GroNode | null = null;
}

/** The GRO control block of a packet in GRO. */
export function groCb(skb: SkBuff): GroCb {
  return skb.cb as GroCb;
}

/** Linux: skb_gro_len(): bytes after the headers GRO has pulled. */
export function skbGroLen(skb: SkBuff): number {
  return skb.tail - skb.data - (skb.cb as GroCb).groOffset;
}

/** Size of the areas merged packets' data is carved from. */
export const GRO_ARENA_SIZE = 1 << 20;

/** Linux: struct gro_node (napi->gro): the packets held by one NAPI context. */
export class GroNode {
  /** Held packets, oldest first. */
  readonly held: SkBuff[] = [];
  /** Segments merged away (for tests and benches; Linux keeps no such counter). */
  merged = 0;
  /**
   * Data areas of merged packets are carved from 1 MiB arenas (a bump pointer, never
   * reused: an arena is collected when its last packet dies). A fresh 64 KiB typed
   * array per merged packet cost more than GRO saved (V8 backing-store allocation and
   * the GC pressure of external memory), where Linux appends page frags.
   */
  arena: ArrayBuffer | null = null;
  arenaOff = 0;
}

/** A zeroed data area of `size` bytes from the node's arena. */
function groDataAlloc(gro: GroNode, size: number): Uint8Array {
  let off = gro.arenaOff;
  if (gro.arena === null || off + size > GRO_ARENA_SIZE) {
    gro.arena = new ArrayBuffer(GRO_ARENA_SIZE);
    off = 0;
  }
  gro.arenaOff = (off + size + 7) & ~7;
  return new Uint8Array(gro.arena, off, size);
}

/**
 * Give the held packet `p` room for `max` bytes from its data (the linear version of
 * growing a GRO packet's frags): a new area from the arena, the bytes from its head
 * copied, every offset moved with them (as pskb_expand_head does).
 */
function groExpand(p: SkBuff, gro: GroNode, max: number): void {
  const headroom = p.data - p.head;
  const size = headroom + max;
  const buf = groDataAlloc(gro, size);
  buf.set(p.buf.subarray(p.head, p.tail), 0);
  const delta = -p.head;
  p.buf = buf;
  p.head = 0;
  p.data += delta;
  p.tail += delta;
  p.end = size;
  if (p.macHeader >= 0) p.macHeader += delta;
  if (p.networkHeader >= 0) p.networkHeader += delta;
  if (p.transportHeader >= 0) p.transportHeader += delta;
  if (p.ipSummed === CHECKSUM_PARTIAL) p.csumStart += delta;
}

/**
 * Linux: skb_gro_receive(): append `skb`'s payload to the held packet `p`. The held
 * skb's data area grows once to hold gro_max_size bytes; its truesize stays the sum
 * of the merged skbs' (as with Linux's frags). Returns 0 or -E2BIG (-7).
 */
export function skbGroReceive(p: SkBuff, skb: SkBuff): number {
  const len = skbGroLen(skb);
  const max = p.dev!.groMaxSize;
  if (p.len + len >= max || groCb(skb).flush) return -7;
  if (p.end - p.tail < len) {
    const node = groCb(p).node;
    if (node === null || skbCloned(p)) {
      const truesize = p.truesize;
      pskbExpandHead(p, 0, max - (p.end - p.data) + 64);
      p.truesize = truesize;
    } else {
      groExpand(p, node, max + 64);
    }
  }
  p.buf.set(skb.buf.subarray(skb.tail - len, skb.tail), p.tail);
  p.tail += len;
  p.truesize += skb.truesize;
  groCb(p).count++;
  groCb(skb).sameFlow = true;
  return 0;
}

/** Linux: napi_gro_complete() + gro_normal_one(): finish a held packet and pass it up. */
function napiGroComplete(skb: SkBuff): void {
  const cb = groCb(skb);
  if (cb.count === 1) {
    skb.gsoSize = 0;
  } else {
    const ops = offloadTables(skb.dev!.net.kernel).base.get(skb.protocol);
    if (ops === undefined || !ops.groComplete || ops.groComplete(skb, 0) < 0) {
      skb.cb = null;
      kfreeSkbReason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
      return;
    }
  }
  skb.cb = null;
  netifReceiveSkb(skb);
}

/** Linux: gro_list_prepare(): which held packets may be of this packet's flow (same device, VLAN and link header). */
function groListPrepare(held: SkBuff[], skb: SkBuff): void {
  const b = skb.buf;
  const mac = skb.macHeader;
  const maclen = skb.data - mac;
  for (const p of held) {
    const pcb = groCb(p);
    let same = p.dev === skb.dev && p.vlanTci === skb.vlanTci && p.data - p.macHeader === maclen;
    if (same) {
      const b2 = p.buf;
      const mac2 = p.macHeader;
      for (let i = 0; i < maclen; i++) {
        if (b[mac + i] !== b2[mac2 + i]) {
          same = false;
          break;
        }
      }
    }
    pcb.sameFlow = same;
  }
}

/**
 * Linux: dev_gro_receive() / gro_receive_skb() (napi_gro_receive). `skb` comes from a
 * driver, after eth_type_trans (data at the network header). Consumes it. Returns a
 * GRO_* result.
 */
export function groReceiveSkb(gro: GroNode, skb: SkBuff): number {
  const dev = skb.dev!;
  // Linux: netif_elide_gro().
  if (!featHas(dev.features, NETIF_F_GRO)) {
    netifReceiveSkb(skb);
    return GRO_NORMAL;
  }
  const ops = offloadTables(dev.net.kernel).base.get(skb.protocol);
  if (ops === undefined || !ops.groReceive) {
    netifReceiveSkb(skb);
    return GRO_NORMAL;
  }
  const held = gro.held;
  groListPrepare(held, skb);
  const cb = new GroCb();
  skb.cb = cb;
  // A GSO packet from the driver goes up as it is (after its flow is flushed).
  if (skb.gsoSize !== 0) cb.flush = true;
  const pp = ops.groReceive(held, skb);
  if (pp !== null) {
    held.splice(held.indexOf(pp), 1);
    napiGroComplete(pp);
  }
  if (cb.sameFlow) {
    gro.merged++;
    skb.cb = null;
    consumeSkb(skb);
    return GRO_MERGED_FREE;
  }
  if (cb.flush) {
    skb.cb = null;
    netifReceiveSkb(skb);
    return GRO_NORMAL;
  }
  // Linux: gro_flush_oldest() when the bucket is full.
  if (held.length >= MAX_GRO_SKBS) napiGroComplete(held.shift()!);
  cb.count = 1;
  cb.node = gro;
  skb.gsoSize = skbGroLen(skb);
  held.push(skb);
  return GRO_HELD;
}

/** Linux: gro_flush() / napi_gro_flush(): pass every held packet up, oldest first. */
export function groFlush(gro: GroNode): void {
  const held = gro.held;
  while (held.length !== 0) napiGroComplete(held.shift()!);
}

/** Drop every held packet (the device is going down; Linux: gro_cleanup() at napi disable). */
export function groCleanup(gro: GroNode): void {
  const held = gro.held;
  while (held.length !== 0) {
    const skb = held.shift()!;
    skb.cb = null;
    kfreeSkbReason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
  }
}
