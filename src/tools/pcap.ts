/**
 * Classic libpcap files (what `tcpdump -w` writes; libpcap sf-pcap.c): a 24-byte
 * global header (magic 0xa1b2c3d4 for microsecond timestamps, version 2.4,
 * snaplen, linktype) and a 16-byte record header per packet (seconds,
 * microseconds, captured length, original length). Written little-endian, as
 * tcpdump does on x86. tcpdump -w keeps writing this format; the lab capture
 * (capture.ts) writes pcapng instead, for per-interface names and directions.
 * No I/O here: bytes go to a sink.
 */
import type { ByteSink } from './pcapng.js';

export const PCAP_MAGIC_USEC = 0xa1b2c3d4;
export const PCAP_MAGIC_NSEC = 0xa1b23c4d;

export class PcapWriter {
  private readonly snaplen: number;
  constructor(private readonly sink: ByteSink, linktype: number, snaplen = 262144) {
    this.snaplen = snaplen;
    const h = new Uint8Array(24);
    const v = new DataView(h.buffer);
    v.setUint32(0, PCAP_MAGIC_USEC, true);
    v.setUint16(4, 2, true);
    v.setUint16(6, 4, true);
    v.setUint32(16, snaplen, true);
    v.setUint32(20, linktype, true);
    sink(h);
  }

  /** Append a record; `tsNs` is nanoseconds since the epoch (microseconds are kept). */
  writePacket(tsNs: bigint, frame: Uint8Array, origLen = frame.length): void {
    const cap = frame.length > this.snaplen ? frame.subarray(0, this.snaplen) : frame;
    const rec = new Uint8Array(16 + cap.length);
    const v = new DataView(rec.buffer);
    v.setUint32(0, Number(tsNs / 1000000000n), true);
    v.setUint32(4, Number((tsNs % 1000000000n) / 1000n), true);
    v.setUint32(8, cap.length, true);
    v.setUint32(12, origLen, true);
    rec.set(cap, 16);
    this.sink(rec);
  }
}

export interface PcapFile {
  linktype: number;
  snaplen: number;
  packets: { tsNs: bigint; data: Uint8Array; origLen: number }[];
}

/** Read a classic pcap file (either byte order, µs or ns magic). Throws RangeError when malformed. */
export function readPcap(bytes: Uint8Array): PcapFile {
  if (bytes.length < 24) throw new RangeError('pcap: truncated global header');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let le = true;
  let magic = v.getUint32(0, true);
  if (magic !== PCAP_MAGIC_USEC && magic !== PCAP_MAGIC_NSEC) {
    magic = v.getUint32(0, false);
    le = false;
    if (magic !== PCAP_MAGIC_USEC && magic !== PCAP_MAGIC_NSEC) throw new RangeError('pcap: bad magic');
  }
  const nano = magic === PCAP_MAGIC_NSEC;
  const out: PcapFile = { snaplen: v.getUint32(16, le), linktype: v.getUint32(20, le), packets: [] };
  let off = 24;
  while (off < bytes.length) {
    if (off + 16 > bytes.length) throw new RangeError('pcap: truncated record header');
    const sec = BigInt(v.getUint32(off, le));
    const frac = BigInt(v.getUint32(off + 4, le));
    const cap = v.getUint32(off + 8, le);
    const orig = v.getUint32(off + 12, le);
    if (off + 16 + cap > bytes.length) throw new RangeError('pcap: truncated record');
    out.packets.push({ tsNs: sec * 1000000000n + (nano ? frac : frac * 1000n), data: bytes.slice(off + 16, off + 16 + cap), origLen: orig });
    off += 16 + cap;
  }
  return out;
}
