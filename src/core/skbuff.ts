/**
 * The socket buffer (Linux: include/linux/skbuff.h, net/core/skbuff.c).
 *
 * One skb is one linear Uint8Array plus integer offsets into it. Headers are
 * pushed into reserved headroom without copying, payload is put at the tail:
 *
 * ```
 *   buf:  [ headroom | data ............................ | tailroom ]
 *          ^head      ^data                              ^tail      ^end
 *                     \____ len = tail - data __________/
 *   macHeader, networkHeader, transportHeader: absolute offsets into buf
 * ```
 *
 * Ownership: whoever holds an skb frees it exactly once, with `consumeSkb` (it was
 * used) or `kfreeSkbReason` (it was dropped, with why). A function that takes an
 * skb and returns nothing consumes it, as in Linux. `skbClone` makes a second
 * header that shares `buf` (shinfo.dataref counts the sharers); anyone who writes
 * into shared data calls `skbCow`/`skbUnshare` first.
 */
import type { NetDevice } from './netdevice.js';
import type { DstEntry } from './dst.js';
import { SKB_CONSUMED } from './drop_reason.js';

/** Packet types (include/uapi/linux/if_packet.h). */
export const PACKET_HOST = 0;
export const PACKET_BROADCAST = 1;
export const PACKET_MULTICAST = 2;
export const PACKET_OTHERHOST = 3;
export const PACKET_OUTGOING = 4;
export const PACKET_LOOPBACK = 5;

/** skb->ip_summed values. */
export const CHECKSUM_NONE = 0;
export const CHECKSUM_UNNECESSARY = 1;
export const CHECKSUM_COMPLETE = 2;
export const CHECKSUM_PARTIAL = 3;

/** skb_shinfo()->gso_type bits. */
export const SKB_GSO_TCPV4 = 1 << 0;
export const SKB_GSO_DODGY = 1 << 1;
export const SKB_GSO_TCP_ECN = 1 << 2;
export const SKB_GSO_TCP_FIXEDID = 1 << 3;
export const SKB_GSO_TCPV6 = 1 << 4;
export const SKB_GSO_UDP_L4 = 1 << 16;

/** Linux NET_SKB_PAD: headroom reserved by netdev_alloc_skb(). */
export const NET_SKB_PAD = 64;
/** Linux MAX_HEADER-ish: headroom that covers link + IPv6 + TCP headers. */
export const MAX_HEADER = 128;

/** The part of an skb shared by clones (Linux: struct skb_shared_info). */
export class SkbSharedInfo {
  /** Number of skbs pointing at this data. */
  dataref = 1;
}

/**
 * The shared info of data nobody else points at: read-only (dataref 1). An skb
 * gets its own SkbSharedInfo when it is first cloned, so the common, never
 * cloned skb costs one allocation less.
 */
const SHINFO_UNSHARED: SkbSharedInfo = Object.freeze(new SkbSharedInfo());

export class SkBuff {
  buf: Uint8Array;
  /** Offset of the start of the buffer (Linux skb->head); 0 unless the data was re-based. */
  head = 0;
  data: number;
  tail: number;
  end: number;
  macHeader = -1;
  networkHeader = -1;
  transportHeader = -1;
  /** Length of the link-layer header (Linux skb->mac_len). */
  macLen = 0;
  shinfo: SkbSharedInfo;
  /** Set on both sides by skbClone (Linux skb->cloned). */
  cloned = false;
  /** Reference count on this header (Linux skb->users; skb_get()). */
  users = 1;

  dev: NetDevice | null = null;
  /** Owning socket, if any. The layer that sets it sets `destructor` too. */
  sk: unknown = null;
  destructor: ((skb: SkBuff) => void) | null = null;
  /** Ethertype in host order (Linux stores it big-endian). */
  protocol = 0;
  pktType = PACKET_HOST;
  priority = 0;
  mark = 0;
  /** Receive/transmit timestamp, ns of the kernel clock. */
  tstamp = 0;
  /** ifindex of the device the packet arrived on (Linux skb->skb_iif). */
  skbIif = 0;
  queueMapping = 0;
  hash = 0;
  vlanTci = 0;
  vlanProto = 0;
  ipSummed = CHECKSUM_NONE;
  csum = 0;
  csumStart = 0;
  csumOffset = 0;
  gsoSize = 0;
  gsoSegs = 0;
  gsoType = 0;
  /** This host may fragment the packet even if it carries DF (Linux skb->ignore_df). */
  ignoreDf = false;
  /** Memory charged to the owner socket (Linux skb->truesize). */
  truesize = 0;
  /** Control block: private to the layer that currently owns the skb (Linux skb->cb). */
  cb: unknown = null;
  dst: DstEntry | null = null;
  /** Connection tracking entry (Linux skb->_nfct). */
  nfct: unknown = null;
  /** Bridge / forwarding offload marker (Linux skb->offload_fwd_mark). */
  offloadFwdMark = 0;
  /** Set while a tap or qdisc holds the skb on a list. */
  next: SkBuff | null = null;

  constructor(buf: Uint8Array, shinfo: SkbSharedInfo) {
    this.buf = buf;
    this.data = 0;
    this.tail = 0;
    this.end = buf.length;
    this.shinfo = shinfo;
    this.truesize = buf.length + SKB_TRUESIZE_OVERHEAD;
  }

  /** Linux skb->len (linear skbs only: there are no page fragments here). */
  get len(): number {
    return this.tail - this.data;
  }

  /** The current data as a view (no copy). */
  dataView(): Uint8Array {
    return this.buf.subarray(this.data, this.tail);
  }
}

/** Approximation of sizeof(struct sk_buff) + sizeof(struct skb_shared_info) for truesize. */
export const SKB_TRUESIZE_OVERHEAD = 576;

/** Data areas up to this size are carved from a shared slab; larger ones get their own ArrayBuffer. */
export const SKB_DATA_SLAB_MAX = 4096;
/** Size of one slab (Linux's page_frag caches use 32 KiB pages). */
export const SKB_DATA_SLAB_SIZE = 65536;

/**
 * The allocator behind skb data (Linux: the kmalloc caches of alloc_skb() and the
 * page_frag caches of netdev_alloc_skb()). In V8 every `new Uint8Array(n)` over
 * 64 bytes is a fresh off-heap backing store that costs about 1 us to create and
 * to collect, ten times the rest of a frame's trip through veth; so small areas
 * are carved with a bump pointer from 64 KiB slabs instead. An area is never
 * reused: it is fresh zeroed memory, exactly what `new Uint8Array(n)` returns, so
 * this cache carries no state between kernels (like Node's Buffer pool). A slab
 * is collected when the last skb that points into it dies.
 * For users of `skb.buf`: its `byteOffset` may be non-zero and its `buffer` is
 * shared: wrap it as `new DataView(buf.buffer, buf.byteOffset, buf.byteLength)`
 * and never transfer `buf.buffer`.
 */
class SkbDataCache {
  slab = new ArrayBuffer(SKB_DATA_SLAB_SIZE);
  off = 0;
}
const skbDataCache = new SkbDataCache();

/** A zeroed data area of `size` bytes for an skb. */
export function skbDataAlloc(size: number): Uint8Array {
  if (size > SKB_DATA_SLAB_MAX) return new Uint8Array(size);
  const c = skbDataCache;
  let off = c.off;
  if (off + size > SKB_DATA_SLAB_SIZE) {
    c.slab = new ArrayBuffer(SKB_DATA_SLAB_SIZE);
    off = 0;
  }
  // 8-byte aligned like kmalloc, so wider views over the area stay aligned.
  c.off = (off + size + 7) & ~7;
  return new Uint8Array(c.slab, off, size);
}

/** V8's typed_array_max_size_in_heap: smaller typed arrays need no backing store. */
const SKB_COPY_ONHEAP_MAX = 64;

/**
 * Linux: skb_copy_datagram_iter() / skb_copy_bits(): a private copy of `len` bytes
 * from absolute offset `from` of the skb's buffer, for handing to userspace
 * (recvmsg). Copies over 64 bytes come from the same slab cache as skb data, so
 * like `skb.buf` they may have a non-zero byteOffset in a shared ArrayBuffer.
 */
export function skbCopyBits(skb: SkBuff, from: number, len: number): Uint8Array {
  const b = skb.buf;
  // Up to 64 bytes V8 keeps a typed array's data on its heap: slice() is cheapest there.
  if (len <= SKB_COPY_ONHEAP_MAX) return b.slice(from, from + len);
  const out = skbDataAlloc(len);
  // A view constructor is cheaper than subarray() in V8.
  out.set(new Uint8Array(b.buffer, b.byteOffset + from, len));
  return out;
}

/** Linux: alloc_skb(). A buffer of `size` bytes with data == tail == 0. */
export function allocSkb(size: number): SkBuff {
  return new SkBuff(skbDataAlloc(size), SHINFO_UNSHARED);
}

/** Linux: __netdev_alloc_skb(): NET_SKB_PAD of headroom, owned by `dev`. */
export function netdevAllocSkb(dev: NetDevice | null, length: number): SkBuff {
  const skb = allocSkb(length + NET_SKB_PAD);
  skb.data = skb.tail = NET_SKB_PAD;
  skb.dev = dev;
  return skb;
}

/** Build an skb holding a copy of `frame`, with headroom, as a driver's receive does. */
export function skbFromBytes(dev: NetDevice | null, frame: Uint8Array, headroom = NET_SKB_PAD): SkBuff {
  const skb = allocSkb(frame.length + headroom);
  skb.data = headroom;
  skb.buf.set(frame, headroom);
  skb.tail = headroom + frame.length;
  skb.dev = dev;
  return skb;
}

/** Linux: skb_headroom(). */
export function skbHeadroom(skb: SkBuff): number {
  return skb.data - skb.head;
}

/** Linux: skb_tailroom(). */
export function skbTailroom(skb: SkBuff): number {
  return skb.end - skb.tail;
}

/** Linux: skb_reserve(): only on an empty skb, moves data and tail. */
export function skbReserve(skb: SkBuff, len: number): void {
  if (skb.tail !== skb.data) throw new RangeError('skbReserve on a non-empty skb');
  if (skb.data + len > skb.end) throw new RangeError('skbReserve past end');
  skb.data += len;
  skb.tail += len;
}

/** Linux: skb_put(): extend the data at the tail; returns the offset of the new area. */
export function skbPut(skb: SkBuff, len: number): number {
  const off = skb.tail;
  if (off + len > skb.end) throw new RangeError(`skb_over_panic: put ${len} with tailroom ${skb.end - off}`);
  skb.tail = off + len;
  return off;
}

/** skb_put_data(): append a copy of bytes. */
export function skbPutData(skb: SkBuff, bytes: Uint8Array): number {
  const off = skbPut(skb, bytes.length);
  skb.buf.set(bytes, off);
  return off;
}

/** Linux: skb_push(): extend the data at the head; returns the new data offset. */
export function skbPush(skb: SkBuff, len: number): number {
  if (skb.data - len < skb.head) throw new RangeError(`skb_under_panic: push ${len} with headroom ${skb.data - skb.head}`);
  skb.data -= len;
  return skb.data;
}

/** Linux: skb_pull(): remove from the head. Returns the new data offset, or -1 if len > skb.len (nothing changes). */
export function skbPull(skb: SkBuff, len: number): number {
  if (len > skb.tail - skb.data) return -1;
  skb.data += len;
  return skb.data;
}

/** Linux: pskb_may_pull(): true if `len` bytes are present from data (all data is linear here). */
export function pskbMayPull(skb: SkBuff, len: number): boolean {
  return len <= skb.tail - skb.data;
}

/** Linux: skb_trim(): cut the data to `len` bytes. */
export function skbTrim(skb: SkBuff, len: number): void {
  if (skb.tail - skb.data > len) skb.tail = skb.data + len;
}

export function skbResetMacHeader(skb: SkBuff): void {
  skb.macHeader = skb.data;
}
export function skbResetNetworkHeader(skb: SkBuff): void {
  skb.networkHeader = skb.data;
}
export function skbResetTransportHeader(skb: SkBuff): void {
  skb.transportHeader = skb.data;
}
export function skbSetNetworkHeader(skb: SkBuff, offset: number): void {
  skb.networkHeader = skb.data + offset;
}
export function skbSetTransportHeader(skb: SkBuff, offset: number): void {
  skb.transportHeader = skb.data + offset;
}
export function skbMacHeaderWasSet(skb: SkBuff): boolean {
  return skb.macHeader >= 0;
}
/** Linux: skb_reset_mac_len(). */
export function skbResetMacLen(skb: SkBuff): void {
  skb.macLen = skb.networkHeader - skb.macHeader;
}

/** Linux: skb_cloned(): the data is shared with another skb. */
export function skbCloned(skb: SkBuff): boolean {
  return skb.cloned && skb.shinfo.dataref !== 1;
}

/**
 * Linux: __copy_skb_header(): what describes the packet and is the same for a
 * clone, a copy and a GSO segment: device, protocol, priority, marks, timestamp,
 * queue, hash, VLAN tag, checksum mode and offset, route, conntrack. The callers
 * set the rest: buffer and header offsets, csum/csumStart, GSO state and truesize
 * (copyHeader keeps them, a segment gets its own), the owner socket (the
 * protocol hands it over) and the control block (a clone starts without one, a
 * segment gets a copy: skbCbCopy).
 */
export function copySkbHeader(n: SkBuff, skb: SkBuff): void {
  n.dev = skb.dev;
  n.protocol = skb.protocol;
  n.pktType = skb.pktType;
  n.priority = skb.priority;
  n.mark = skb.mark;
  n.tstamp = skb.tstamp;
  n.skbIif = skb.skbIif;
  n.queueMapping = skb.queueMapping;
  n.hash = skb.hash;
  n.vlanTci = skb.vlanTci;
  n.vlanProto = skb.vlanProto;
  n.ipSummed = skb.ipSummed;
  n.csumOffset = skb.csumOffset;
  n.ignoreDf = skb.ignoreDf;
  n.dst = skb.dst;
  n.nfct = skb.nfct;
  n.offloadFwdMark = skb.offloadFwdMark;
}

/** A clone's or a copy's header: copySkbHeader plus the offsets, checksum and GSO state. */
function copyHeader(n: SkBuff, skb: SkBuff): void {
  n.head = skb.head;
  n.data = skb.data;
  n.tail = skb.tail;
  n.end = skb.end;
  n.macHeader = skb.macHeader;
  n.networkHeader = skb.networkHeader;
  n.transportHeader = skb.transportHeader;
  n.macLen = skb.macLen;
  copySkbHeader(n, skb);
  n.csum = skb.csum;
  n.csumStart = skb.csumStart;
  n.gsoSize = skb.gsoSize;
  n.gsoSegs = skb.gsoSegs;
  n.gsoType = skb.gsoType;
  n.truesize = skb.truesize;
}

/**
 * A control block with state of its own. Linux's skb->cb is 48 bytes inside the
 * skb, so copying a header copies it; here a cb is an object, and a class whose
 * holder writes to it can say how it is copied (a shared read-only marker
 * returns itself).
 */
export interface SkbCbCopyable {
  cbCopy(): unknown;
}

/**
 * Linux: the memcpy(new->cb, old->cb) of __copy_skb_header(), for a new skb that
 * must not share its control block with `cb`'s holder (a GSO segment): a value
 * (null, a number) as is, an object with cbCopy() by that, any other object as a
 * shallow copy of the same class.
 */
export function skbCbCopy(cb: unknown): unknown {
  if (cb === null || typeof cb !== 'object') return cb;
  const c = cb as Partial<SkbCbCopyable>;
  if (typeof c.cbCopy === 'function') return c.cbCopy();
  return Object.assign(Object.create(Object.getPrototypeOf(cb) as object | null) as object, cb);
}

/**
 * Linux: skb_clone(): a new header over the same data. The clone has no socket
 * owner and no control block (cb is private to the layer that made it).
 */
export function skbClone(skb: SkBuff): SkBuff {
  if (skb.shinfo === SHINFO_UNSHARED) skb.shinfo = new SkbSharedInfo();
  const n = new SkBuff(skb.buf, skb.shinfo);
  copyHeader(n, skb);
  skb.shinfo.dataref++;
  skb.cloned = true;
  n.cloned = true;
  return n;
}

/** Linux: skb_copy(): a private copy of header and data. */
export function skbCopy(skb: SkBuff): SkBuff {
  const buf = skbDataAlloc(skb.buf.length);
  buf.set(skb.buf);
  const n = new SkBuff(buf, SHINFO_UNSHARED);
  copyHeader(n, skb);
  n.truesize = n.buf.length + SKB_TRUESIZE_OVERHEAD;
  return n;
}

/**
 * Linux: pskb_expand_head(): give the skb its own data with at least `nhead`
 * bytes of headroom and `ntail` of tailroom beyond what it has. Offsets move with it.
 */
export function pskbExpandHead(skb: SkBuff, nhead: number, ntail: number): void {
  const oldHeadroom = skb.data - skb.head;
  const used = skb.tail - skb.head;
  const size = used + nhead + (skb.end - skb.tail) + ntail;
  const buf = skbDataAlloc(size);
  buf.set(skb.buf.subarray(skb.head, skb.tail), nhead);
  const delta = nhead - skb.head;
  skb.buf = buf;
  skb.head = 0;
  skb.data = oldHeadroom + nhead;
  skb.tail = used + nhead;
  skb.end = size;
  if (skb.macHeader >= 0) skb.macHeader += delta;
  if (skb.networkHeader >= 0) skb.networkHeader += delta;
  if (skb.transportHeader >= 0) skb.transportHeader += delta;
  if (skb.ipSummed === CHECKSUM_PARTIAL) skb.csumStart += delta;
  if (skb.cloned) skb.shinfo.dataref--;
  skb.shinfo = SHINFO_UNSHARED;
  skb.cloned = false;
  skb.truesize = size + SKB_TRUESIZE_OVERHEAD;
}

/** Linux: skb_cow(): make the data private and ensure `headroom` bytes of headroom. */
export function skbCow(skb: SkBuff, headroom: number): void {
  const have = skb.data - skb.head;
  const need = headroom > have ? headroom - have : 0;
  if (need || skbCloned(skb)) pskbExpandHead(skb, need ? need + 32 : 0, 0);
}

/** Linux: skb_cow_head(): same as skbCow for a linear skb. */
export const skbCowHead = skbCow;

/** Linux: skb_unshare(): private data before writing. */
export function skbUnshare(skb: SkBuff): SkBuff {
  if (skbCloned(skb)) pskbExpandHead(skb, 0, 0);
  return skb;
}

/** Linux: skb_get(): take another reference on the skb header. */
export function skbGet(skb: SkBuff): SkBuff {
  skb.users++;
  return skb;
}

function skbRelease(skb: SkBuff): void {
  if (skb.destructor) {
    const d = skb.destructor;
    skb.destructor = null;
    d(skb);
  }
  skb.dst = null;
  skb.nfct = null;
  if (skb.cloned) skb.shinfo.dataref--;
}

/**
 * Linux: kfree_skb_reason(): drop the skb, saying why. Drops a reference; the last
 * one releases the socket charge and the data. The owning kernel's kfree_skb
 * tracepoint and per-namespace drop counter see it.
 */
export function kfreeSkbReason(skb: SkBuff, reason: number): void {
  if (--skb.users > 0) return;
  const dev = skb.dev;
  if (dev !== null) dev.net.kernel.skbFreed(skb, dev.net, reason);
  skbRelease(skb);
}

/** Linux: consume_skb(): the skb was used, not dropped. */
export function consumeSkb(skb: SkBuff): void {
  kfreeSkbReason(skb, SKB_CONSUMED);
}
