/**
 * Big-endian (network order) byte access and the base of the zero-copy header
 * views (Linux reads these fields with ntohs()/ntohl() over the struct; here a
 * field is an offset into a `Uint8Array`).
 *
 * The helpers take the array and an absolute offset, so every accessor that
 * calls them stays monomorphic (one `Uint8Array` shape) and allocation-free:
 * no `DataView` per call. Values come back in host order; u32 as an unsigned
 * number (`>>> 0`).
 */

/** 16-bit big-endian value at `o`. */
export function readU16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

/** Store the low 16 bits of `v` big-endian at `o`. */
export function writeU16(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >> 8) & 0xff;
  b[o + 1] = v & 0xff;
}

/** 32-bit big-endian value at `o`, unsigned. */
export function readU32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/** Store `v` as 32 bits big-endian at `o`. */
export function writeU32(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 24) & 0xff;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}

/**
 * Where a header view looks: a buffer and the offset of the header in it. Each
 * view (`EthHdr`, `IpHdr`, ...) extends this once and adds its field accessors,
 * which call the helpers above with `this.buf` and `this.off + FIELD`.
 */
export class HeaderView {
  // `declare` + assignment, not parameter properties: under ES2022 those emit class
  // fields, and a field defined by a base class shared by seven subclasses goes
  // megamorphic (a micro-benchmark built ~40x slower views); plain stores do not.
  declare buf: Uint8Array;
  declare off: number;
  constructor(buf: Uint8Array, off = 0) {
    this.buf = buf;
    this.off = off;
  }
  /** Re-point the view (no allocation), so one view can serve a whole packet path. */
  at(buf: Uint8Array, off: number): this {
    this.buf = buf;
    this.off = off;
    return this;
  }
}
