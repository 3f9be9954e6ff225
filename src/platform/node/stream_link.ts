/**
 * Node plumbing shared by the stream links (QEMU `-netdev stream/socket`, vde_plug):
 * a readable/writable byte-stream pair becomes the LinkPort of a link device, with
 * the length-prefix framing of drivers/link_framing.ts on both directions.
 *
 *   socket 'data' ── StreamDeframer ── linkReceive (one softirq pass per chunk)
 *   linkXmit ── port.transmit ── [len | frame] ── socket.write
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

/** The port of a stream link: frames go out as [length | frame] records. */
export class StreamPort implements LinkPort {
  closed = false;
  constructor(private readonly o: StreamLinkOptions) {}

  transmit(frame: Uint8Array): boolean {
    const w = this.o.writable;
    if (this.closed || !w.writable || w.writableLength > LINK_TX_QUEUE_LIMIT) return false;
    const len = frame.length;
    const h = this.o.hdrLen;
    if (len > this.o.maxLen) return false;
    const b = Buffer.allocUnsafe(h + len);
    if (h === 4) b.writeUInt32BE(len, 0);
    else b.writeUInt16BE(len, 0);
    b.set(frame, h);
    // Frames sent in one softirq pass leave in one writev: cork until the next tick.
    if (!this.corked) {
      this.corked = true;
      w.cork();
      process.nextTick(this.uncork);
    }
    w.write(b);
    return true;
  }

  private corked = false;
  private readonly uncork = (): void => {
    this.corked = false;
    this.o.writable.uncork();
  };

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.o.destroy();
  }
}

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
  o.readable.on('data', (chunk: Buffer) => {
    if (port.closed) return;
    let err = '';
    inBh(k, () => {
      err = deframer.push(chunk);
    });
    if (err !== '') lost(err);
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
    const mid = deframer.endReason();
    lost(mid !== '' ? mid : lastError !== '' ? `connection error: ${lastError}` : 'peer closed the connection');
  };
  o.readable.on('end', ended);
  o.readable.on('close', ended);
  inBh(k, () => linkAttach(dev, port));
  o.log(`link up (${o.peer})`);
  return port;
}
