/**
 * Node plumbing shared by the stream links (QEMU `-netdev stream/socket`, vde_plug):
 * a readable/writable byte-stream pair becomes the LinkPort of a link device, with
 * the length-prefix framing of drivers/link_framing.ts on both directions.
 *
 *   socket 'data' ── chunks of one poll phase ── StreamDeframer ── linkReceive (one softirq pass)
 *   linkXmit ── port.transmit ── [len | frame] staged ── one socket.write per tick
 *   end / close / error / bad prefix ── linkDetach(dev, reason): carrier off, logged
 *
 * Reconnect policy (client retry, server accept, respawn) belongs to the caller,
 * told through `onLost`.
 */
import type { Readable, Writable } from 'node:stream';
import type { Kernel } from '../../core/net_namespace.js';
import type { NetDevice } from '../../core/netdevice.js';
import { type LinkPort, linkAttach, linkDetach, linkReceive, linkPriv } from '../../drivers/link.js';
import { StreamDeframer } from '../../drivers/link_framing.js';
import { type LinkLog, inBh } from '../link_handle.js';

export { type LinkHandle, type LinkLog, type LinkDeviceOptions, Backoff, inBh, closeLinkDevice, createLinkDevice } from '../link_handle.js';

/** Bytes queued for the peer beyond which transmit drops (tx_dropped), like a full TX ring. */
export const LINK_TX_QUEUE_LIMIT = 4 << 20;

export interface StreamLinkOptions {
  readable: Readable;
  writable: Writable;
  /** Length prefix bytes: 4 (QEMU) or 2 (VDE). */
  hdrLen: 2 | 4;
  maxLen: number;
  skipEmpty?: boolean;
  /** Who is at the other end, for the log ("127.0.0.1:40012", "vde_plug[1234]"). */
  peer: string;
  log: LinkLog;
  /** Release the underlying resource (socket.destroy(), kill the child). */
  destroy(): void;
  /** The link went down for `reason` (not called after the port was closed by its owner). */
  onLost(reason: string): void;
}

/**
 * Staging area for outgoing records: frames are copied into it back to back and the
 * bytes staged since the last flush leave in one write (a write holds its region of the
 * buffer until it completes; later frames go after it, and a full area is replaced).
 */
const TX_STAGE_SIZE = 1 << 20;

/**
 * The port of a stream link: frames go out as [length | frame] records. The records of
 * one softirq pass (everything sent before the next tick) are copied into one staging
 * buffer and written with one write(2): no Buffer, stream chunk and WriteReq per frame,
 * and one wake-up of the peer per burst instead of one per frame.
 */
export class StreamPort implements LinkPort {
  closed = false;
  private stage: Buffer | null = null;
  /** Staged bytes not yet written are stage[start..used). */
  private start = 0;
  private used = 0;
  private scheduled = false;
  constructor(private readonly o: StreamLinkOptions) {}

  transmit(frame: Uint8Array): boolean {
    const w = this.o.writable;
    const len = frame.length;
    const h = this.o.hdrLen;
    if (this.closed || !w.writable || len > this.o.maxLen) return false;
    if (w.writableLength + (this.used - this.start) > LINK_TX_QUEUE_LIMIT) return false;
    const need = h + len;
    let b = this.stage;
    if (b === null || this.used + need > b.length) {
      this.flush();
      b = this.stage = Buffer.allocUnsafeSlow(Math.max(TX_STAGE_SIZE, need));
      this.start = this.used = 0;
    }
    const o = this.used;
    if (h === 4) {
      b[o] = len >>> 24;
      b[o + 1] = (len >>> 16) & 0xff;
    }
    b[o + h - 2] = (len >>> 8) & 0xff;
    b[o + h - 1] = len & 0xff;
    b.set(frame, o + h);
    this.used = o + need;
    if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(this.flushTick);
    }
    return true;
  }

  /** Write what was staged since the last flush (one write for the whole burst). */
  flush(): void {
    if (this.used === this.start || this.stage === null) return;
    const chunk = this.stage.subarray(this.start, this.used);
    this.start = this.used;
    if (!this.closed && this.o.writable.writable) this.o.writable.write(chunk);
  }

  private readonly flushTick = (): void => {
    this.scheduled = false;
    this.flush();
  };

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stage = null;
    this.start = this.used = 0;
    this.o.destroy();
  }
}

/**
 * Bytes read but not yet delivered beyond which a burst is delivered at once (before the
 * poll phase ends): a bound on the softirq pass and on the link's receive ring (1000
 * frames), which a whole poll phase of reads (libuv reads up to 32 x 64 KiB) would overflow.
 */
export const RX_BURST_BYTES = 256 << 10;

/**
 * Attach a stream to `dev` as its port (carrier on) and follow it until it ends.
 * Returns the port (closing it releases the stream without calling onLost).
 */
export function attachStream(k: Kernel, dev: NetDevice, o: StreamLinkOptions): StreamPort {
  const port = new StreamPort(o);
  const deframer = new StreamDeframer(o.hdrLen, o.maxLen, (f) => linkReceive(dev, f), { skipEmpty: o.skipEmpty });
  let lastError = '';
  const lost = (reason: string): void => {
    if (port.closed) return;
    o.log(`link down (${o.peer}): ${reason}`);
    // linkDetach closes the port (destroying the stream); only if it is still ours.
    if (linkPriv(dev).port === port) inBh(k, () => linkDetach(dev, reason));
    else port.close();
    o.onLost(reason);
  };
  // Chunks read in one poll phase are delivered together from setImmediate (the check
  // phase right after it): one softirq pass, one GRO flush and one write of the ACKs
  // for the burst, instead of one of each per 64 KiB read.
  let held: Buffer[] = [];
  let heldBytes = 0;
  let scheduled = false;
  const deliver = (): void => {
    scheduled = false;
    const chunks = held;
    if (chunks.length === 0) return;
    held = [];
    heldBytes = 0;
    if (port.closed) return;
    let err = '';
    inBh(k, () => {
      for (const c of chunks) {
        err = deframer.push(c);
        if (err !== '') break;
      }
    });
    if (err !== '') lost(err);
  };
  o.readable.on('data', (chunk: Buffer) => {
    if (port.closed) return;
    held.push(chunk);
    heldBytes += chunk.length;
    if (heldBytes >= RX_BURST_BYTES) deliver();
    else if (!scheduled) {
      scheduled = true;
      setImmediate(deliver);
    }
  });
  o.readable.on('error', (e: Error) => {
    lastError = e.message;
  });
  if (o.writable !== (o.readable as unknown)) {
    o.writable.on('error', (e: Error) => {
      lastError = e.message;
    });
  }
  const ended = (): void => {
    deliver();
    const mid = deframer.endReason();
    lost(mid !== '' ? mid : lastError !== '' ? `connection error: ${lastError}` : 'peer closed the connection');
  };
  o.readable.on('end', ended);
  o.readable.on('close', ended);
  inBh(k, () => linkAttach(dev, port));
  o.log(`link up (${o.peer})`);
  return port;
}
