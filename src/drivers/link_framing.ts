/**
 * Wire framing of the stream links (pure, no I/O): a byte stream carries Ethernet
 * frames, each preceded by its length as a big-endian integer.
 *
 *   QEMU `-netdev stream` / legacy `-netdev socket` (net/stream.c, net/net.c
 *   net_fill_rstate()):  | len (4 bytes, BE) | frame (len bytes) | len | frame | ...
 *   VDE `vde_plug` stdio (libvdeplug vdestream_send/recv):
 *                        | len (2 bytes, BE) | frame (len bytes) | ...
 *
 * No Linux counterpart: this is the "PHY" of the link devices in drivers/link.ts.
 * A stream has no resynchronisation point, so a length outside the allowed range
 * leaves the rest of the stream meaningless: the deframer stops and reports why,
 * and the platform closes the connection (QEMU does the same: net_fill_rstate()
 * returns -1 for a length over NET_BUFSIZE and the peer is disconnected).
 */

/** QEMU's NET_BUFSIZE (include/net/net.h: 4096 + 65536): the largest frame its stream backends accept. */
export const QEMU_NET_BUFSIZE = 4096 + 65536;

/**
 * The largest frame on a vde_plug stream accepted here: VDE carries standard frames
 * (vde_switch's buffers hold 1514 bytes plus a VLAN tag); allow jumbo-sized frames up
 * to 9216 + header so an MTU 9000 link works between tuxnet instances.
 */
export const VDE_MAX_FRAME = 9216 + 18;

/**
 * Splits a byte stream into length-prefixed frames. Frames wholly inside one pushed
 * chunk are passed as subarrays of it (no copy: the sink copies, as linkReceive does);
 * a frame split across chunks is gathered in one reusable buffer.
 */
export class StreamDeframer {
  /** Bytes of the length prefix: 4 (QEMU) or 2 (VDE). */
  readonly hdrLen: 2 | 4;
  /** Smallest and largest acceptable frame length; outside is a framing error. */
  readonly minLen: number;
  readonly maxLen: number;
  /** Zero-length records are skipped instead of being an error (vdestream_recv skips them). */
  readonly skipEmpty: boolean;
  private readonly sink: (frame: Uint8Array) => void;
  /** Partial length prefix bytes collected so far. */
  private hdrHave = 0;
  private hdrValue = 0;
  /** Length of the frame being gathered (-1: reading a prefix). */
  private want = -1;
  private have = 0;
  private gather: Uint8Array;
  /** Set once a bad length was seen: the stream is dead. */
  error = '';
  /** Frames delivered (for tests and logs). */
  frames = 0;

  constructor(hdrLen: 2 | 4, maxLen: number, sink: (frame: Uint8Array) => void, opts: { minLen?: number; skipEmpty?: boolean } = {}) {
    this.hdrLen = hdrLen;
    this.maxLen = maxLen;
    this.minLen = opts.minLen ?? 1;
    this.skipEmpty = opts.skipEmpty ?? false;
    this.sink = sink;
    this.gather = new Uint8Array(2048);
  }

  /**
   * Feed bytes read from the stream. Returns '' while the stream is fine, or the reason
   * it is not (a bad length prefix); after an error nothing more is delivered.
   */
  push(chunk: Uint8Array): string {
    if (this.error !== '') return this.error;
    let pos = 0;
    const n = chunk.length;
    while (pos < n) {
      if (this.want < 0) {
        // Fast path: a whole prefix available in this chunk.
        if (this.hdrHave === 0 && n - pos >= this.hdrLen) {
          this.hdrValue = this.hdrLen === 4
            ? ((chunk[pos]! << 24) | (chunk[pos + 1]! << 16) | (chunk[pos + 2]! << 8) | chunk[pos + 3]!) >>> 0
            : (chunk[pos]! << 8) | chunk[pos + 1]!;
          pos += this.hdrLen;
        } else {
          this.hdrValue = this.hdrValue * 256 + chunk[pos++]!;
          if (++this.hdrHave < this.hdrLen) continue;
        }
        const len = this.hdrValue;
        this.hdrHave = 0;
        this.hdrValue = 0;
        if (len === 0 && this.skipEmpty) continue;
        if (len < this.minLen || len > this.maxLen) {
          this.error = `bad length prefix ${len} (0x${len.toString(16).padStart(this.hdrLen * 2, '0')}): ` +
            `frames are ${this.minLen}..${this.maxLen} bytes`;
          return this.error;
        }
        // Whole frame in this chunk: hand out a view.
        if (n - pos >= len) {
          this.frames++;
          this.sink(chunk.subarray(pos, pos + len));
          pos += len;
          continue;
        }
        this.want = len;
        this.have = 0;
        if (this.gather.length < len) this.gather = new Uint8Array(Math.max(len, this.gather.length * 2));
      }
      const take = Math.min(this.want - this.have, n - pos);
      this.gather.set(chunk.subarray(pos, pos + take), this.have);
      this.have += take;
      pos += take;
      if (this.have === this.want) {
        const len = this.want;
        this.want = -1;
        this.have = 0;
        this.frames++;
        this.sink(this.gather.subarray(0, len));
      }
    }
    return '';
  }

  /**
   * At end of stream: '' when it ended on a frame boundary, else why not ("closed
   * mid-frame: 10 of 98 bytes", "closed inside a length prefix").
   */
  endReason(): string {
    if (this.error !== '') return this.error;
    if (this.hdrHave > 0) return `closed mid-frame: ${this.hdrHave} of ${this.hdrLen} length-prefix bytes`;
    if (this.want >= 0) return `closed mid-frame: ${this.have} of ${this.want} bytes`;
    return '';
  }

  /** Forget any partial frame and error (a new connection starts clean). */
  reset(): void {
    this.hdrHave = 0;
    this.hdrValue = 0;
    this.want = -1;
    this.have = 0;
    this.error = '';
  }
}

/** One record for the wire: the length prefix (`hdrLen` bytes, big-endian) and the frame, in a new buffer. */
export function frameEncode(hdrLen: 2 | 4, frame: Uint8Array): Uint8Array {
  const len = frame.length;
  const out = new Uint8Array(hdrLen + len);
  if (hdrLen === 4) {
    out[0] = len >>> 24;
    out[1] = (len >>> 16) & 0xff;
  }
  out[hdrLen - 2] = (len >>> 8) & 0xff;
  out[hdrLen - 1] = len & 0xff;
  out.set(frame, hdrLen);
  return out;
}
