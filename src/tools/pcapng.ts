/**
 * pcapng encoding and decoding (the format of draft-ietf-opsawg-pcapng, as
 * Wireshark's wiretap and libpcap's sf-pcapng.c read it). No Linux counterpart:
 * this is what the lab runner's `--capture DIR` writes. The writer emits one
 * Section Header Block, one Interface Description Block per interface (linktype,
 * snaplen, `if_name`, `if_tsresol` = 9: nanosecond timestamps) and one Enhanced
 * Packet Block per frame with `epb_flags` carrying the direction (inbound/outbound)
 * and the reception type (unicast/multicast/broadcast/promiscuous). Every block and
 * option is padded to 4 bytes and ends with its total length again.
 *
 * The encoder only produces bytes (a sink receives them); files are the caller's
 * business (capture.ts), so this module also serves browsers and tests. All
 * integers are written little-endian; the reader accepts both byte orders.
 */

export const PCAPNG_BLOCK_SHB = 0x0a0d0d0a;
export const PCAPNG_BLOCK_IDB = 0x00000001;
export const PCAPNG_BLOCK_SPB = 0x00000003;
export const PCAPNG_BLOCK_EPB = 0x00000006;
export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;

/** Option codes. */
export const OPT_ENDOFOPT = 0;
export const OPT_COMMENT = 1;
export const SHB_HARDWARE = 2;
export const SHB_OS = 3;
export const SHB_USERAPPL = 4;
export const IF_NAME = 2;
export const IF_DESCRIPTION = 3;
export const IF_TSRESOL = 9;
export const EPB_FLAGS = 2;

/** epb_flags bits 0-1: direction. */
export const EPB_DIR_UNKNOWN = 0;
export const EPB_DIR_INBOUND = 1;
export const EPB_DIR_OUTBOUND = 2;
/** epb_flags bits 2-4: reception type. */
export const EPB_RX_UNSPECIFIED = 0 << 2;
export const EPB_RX_UNICAST = 1 << 2;
export const EPB_RX_MULTICAST = 2 << 2;
export const EPB_RX_BROADCAST = 3 << 2;
export const EPB_RX_PROMISCUOUS = 4 << 2;

/** LINKTYPE_* values (tcpdump.org linktypes). */
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LINUX_SLL = 113;

export const DEFAULT_SNAPLEN = 262144;

/** Where encoded bytes go. */
export type ByteSink = (chunk: Uint8Array) => void;

export interface PcapngInterface {
  linktype: number;
  snaplen: number;
  /** if_name, e.g. "h1/veth0". */
  name: string;
  /** if_description (optional). */
  description?: string;
}

const encoder = new TextEncoder();

function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** A block under construction: grows a byte array, writes little-endian. */
class BlockBuilder {
  buf: Uint8Array;
  view: DataView;
  len = 0;
  constructor(size: number) {
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
  }
  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
    this.view = new DataView(b.buffer);
  }
  u16(v: number): void {
    this.reserve(2);
    this.view.setUint16(this.len, v, true);
    this.len += 2;
  }
  u32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.len, v >>> 0, true);
    this.len += 4;
  }
  bytes(b: Uint8Array): void {
    this.reserve(pad4(b.length));
    this.buf.set(b, this.len);
    // Padding bytes are zero (the buffer is zero-filled and never reused).
    this.len += pad4(b.length);
  }
  option(code: number, value: Uint8Array): void {
    this.u16(code);
    this.u16(value.length);
    this.bytes(value);
  }
  endOfOptions(): void {
    this.u16(OPT_ENDOFOPT);
    this.u16(0);
  }
  /** Fill in the two length fields and return the finished block. */
  finish(): Uint8Array {
    this.u32(0);
    this.view.setUint32(4, this.len, true);
    this.view.setUint32(this.len - 4, this.len, true);
    return this.buf.subarray(0, this.len);
  }
}

/**
 * A pcapng section writer. `addInterface` emits an IDB and returns the interface
 * id; `writePacket` emits an EPB. The SHB goes out in the constructor.
 */
export class PcapngWriter {
  private nextIf = 0;
  private readonly snaplens: number[] = [];
  constructor(private readonly sink: ByteSink, opts: { userappl?: string } = {}) {
    const b = new BlockBuilder(64);
    b.u32(PCAPNG_BLOCK_SHB);
    b.u32(0);
    b.u32(PCAPNG_BYTE_ORDER_MAGIC);
    b.u16(1);
    b.u16(0);
    // Section length: -1, "not specified" (we stream).
    b.u32(0xffffffff);
    b.u32(0xffffffff);
    // No shb_os/shb_hardware: they would differ between hosts and break byte-identical captures.
    if (opts.userappl !== undefined) {
      b.option(SHB_USERAPPL, encoder.encode(opts.userappl));
      b.endOfOptions();
    }
    sink(b.finish());
  }

  /** Emit an Interface Description Block; returns its interface id. */
  addInterface(intf: PcapngInterface): number {
    const b = new BlockBuilder(64);
    b.u32(PCAPNG_BLOCK_IDB);
    b.u32(0);
    b.u16(intf.linktype);
    b.u16(0);
    b.u32(intf.snaplen);
    b.option(IF_NAME, encoder.encode(intf.name));
    if (intf.description !== undefined) b.option(IF_DESCRIPTION, encoder.encode(intf.description));
    // if_tsresol: bit 7 clear, 10^-9 seconds.
    b.option(IF_TSRESOL, Uint8Array.of(9));
    b.endOfOptions();
    this.sink(b.finish());
    this.snaplens.push(intf.snaplen);
    return this.nextIf++;
  }

  /**
   * Emit an Enhanced Packet Block. `tsNs` is nanoseconds since the Unix epoch
   * (a bigint: 2^53 ns is only 104 days). `frame` is cut to the interface's
   * snaplen; `origLen` defaults to the frame's length; `flags` is epb_flags
   * (omitted when 0).
   */
  writePacket(ifId: number, tsNs: bigint, frame: Uint8Array, origLen = frame.length, flags = 0): void {
    const snaplen = this.snaplens[ifId];
    if (snaplen === undefined) throw new RangeError(`pcapng: no interface ${ifId}`);
    const cap = frame.length > snaplen ? frame.subarray(0, snaplen) : frame;
    const b = new BlockBuilder(pad4(cap.length) + 48);
    b.u32(PCAPNG_BLOCK_EPB);
    b.u32(0);
    b.u32(ifId);
    b.u32(Number((tsNs >> 32n) & 0xffffffffn));
    b.u32(Number(tsNs & 0xffffffffn));
    b.u32(cap.length);
    b.u32(origLen);
    b.bytes(cap);
    if (flags !== 0) {
      const v = new Uint8Array(4);
      new DataView(v.buffer).setUint32(0, flags >>> 0, true);
      b.option(EPB_FLAGS, v);
      b.endOfOptions();
    }
    this.sink(b.finish());
  }
}

/* ------------------------------------------------------------------ */
/* Reader (tests, `tcpdump -r`)                                        */

export interface PcapngReadInterface {
  linktype: number;
  snaplen: number;
  name: string | null;
  /** Timestamp units per second (10^tsresol or 2^tsresol). */
  unitsPerSec: bigint;
}

export interface PcapngReadPacket {
  ifId: number;
  /** Timestamp in nanoseconds since the epoch. */
  tsNs: bigint;
  data: Uint8Array;
  origLen: number;
  flags: number;
}

export interface PcapngFile {
  userappl: string | null;
  interfaces: PcapngReadInterface[];
  packets: PcapngReadPacket[];
}

const decoder = new TextDecoder();

function readOptions(bytes: Uint8Array, view: DataView, off: number, end: number, le: boolean,
  fn: (code: number, value: Uint8Array) => void): void {
  while (off + 4 <= end) {
    const code = view.getUint16(off, le);
    const len = view.getUint16(off + 2, le);
    off += 4;
    if (code === OPT_ENDOFOPT) return;
    if (off + len > end) throw new RangeError('pcapng: option runs past its block');
    fn(code, bytes.subarray(off, off + len));
    off += pad4(len);
  }
}

/** Parse a whole pcapng file (one or more sections). Throws RangeError on malformed input. */
export function readPcapng(bytes: Uint8Array): PcapngFile {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: PcapngFile = { userappl: null, interfaces: [], packets: [] };
  let le = true;
  let off = 0;
  let sectionBase = 0;
  while (off < bytes.length) {
    if (off + 12 > bytes.length) throw new RangeError('pcapng: truncated block header');
    const type = view.getUint32(off, true);
    if (type === PCAPNG_BLOCK_SHB) {
      const bom = view.getUint32(off + 8, true);
      if (bom === PCAPNG_BYTE_ORDER_MAGIC) le = true;
      else if (bom === 0x4d3c2b1a) le = false;
      else throw new RangeError('pcapng: bad byte-order magic');
      sectionBase = out.interfaces.length;
    } else if (off === 0) {
      throw new RangeError('pcapng: file does not start with a Section Header Block');
    }
    const btype = view.getUint32(off, le);
    const len = view.getUint32(off + 4, le);
    if (len < 12 || len % 4 !== 0 || off + len > bytes.length) throw new RangeError(`pcapng: bad block length ${len} at ${off}`);
    if (view.getUint32(off + len - 4, le) !== len) throw new RangeError(`pcapng: trailing length mismatch at ${off}`);
    const end = off + len - 4;
    if (btype === PCAPNG_BLOCK_SHB) {
      readOptions(bytes, view, off + 24, end, le, (code, v) => {
        if (code === SHB_USERAPPL) out.userappl = decoder.decode(v);
      });
    } else if (btype === PCAPNG_BLOCK_IDB) {
      const intf: PcapngReadInterface = {
        linktype: view.getUint16(off + 8, le), snaplen: view.getUint32(off + 12, le), name: null, unitsPerSec: 1000000n,
      };
      readOptions(bytes, view, off + 16, end, le, (code, v) => {
        if (code === IF_NAME) intf.name = decoder.decode(v);
        else if (code === IF_TSRESOL && v.length >= 1) {
          const r = v[0]!;
          intf.unitsPerSec = r & 0x80 ? 1n << BigInt(r & 0x7f) : 10n ** BigInt(r);
        }
      });
      out.interfaces.push(intf);
    } else if (btype === PCAPNG_BLOCK_EPB) {
      const ifId = sectionBase + view.getUint32(off + 8, le);
      const intf = out.interfaces[ifId];
      if (!intf) throw new RangeError(`pcapng: packet for unknown interface ${ifId}`);
      const ts = (BigInt(view.getUint32(off + 12, le)) << 32n) | BigInt(view.getUint32(off + 16, le));
      const capLen = view.getUint32(off + 20, le);
      const origLen = view.getUint32(off + 24, le);
      if (off + 28 + pad4(capLen) > end) throw new RangeError('pcapng: packet data runs past its block');
      const p: PcapngReadPacket = {
        ifId, tsNs: (ts * 1000000000n) / intf.unitsPerSec, data: bytes.slice(off + 28, off + 28 + capLen), origLen, flags: 0,
      };
      readOptions(bytes, view, off + 28 + pad4(capLen), end, le, (code, v) => {
        if (code === EPB_FLAGS && v.length === 4) p.flags = new DataView(v.buffer, v.byteOffset, 4).getUint32(0, le);
      });
      out.packets.push(p);
    }
    off += len;
  }
  return out;
}
