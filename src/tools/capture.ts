/**
 * `startCapture(kernel, dir)`: capture every device of every namespace into
 * `dir/<ns>-<dev>.pcapng` (the lab runner's `--capture DIR`). The tapping and
 * naming rules live in capture_session.ts (no I/O there); this module only adds
 * files on Node's fs: frames are buffered per file and written synchronously in
 * chunks, so the packet path never waits on I/O and the bytes on disk do not
 * depend on scheduling.
 */
import { mkdirSync, openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import type { Kernel } from '../core/net_namespace.js';
import { attachCapture, type Capture, type CaptureFile, type CaptureSessionOptions } from './capture_session.js';

export type { Capture, CaptureFile } from './capture_session.js';
export { attachCapture, captureNetnsName } from './capture_session.js';

const FLUSH_BYTES = 1 << 20;

/** A file written through a buffer: chunks accumulate and go out in ~1 MiB writes. */
class BufferedFile implements CaptureFile {
  private chunks: Uint8Array[] = [];
  private pending = 0;
  private fd: number;
  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }
  write = (chunk: Uint8Array): void => {
    // The writer hands us a view of a private buffer; keep it as is.
    this.chunks.push(chunk);
    this.pending += chunk.length;
    if (this.pending >= FLUSH_BYTES) this.flush();
  };
  private flush(): void {
    if (this.fd < 0) return;
    for (const c of this.chunks) writeSync(this.fd, c);
    this.chunks = [];
    this.pending = 0;
  }
  close(): void {
    if (this.fd < 0) return;
    this.flush();
    closeSync(this.fd);
    this.fd = -1;
  }
}

export interface StartCaptureOptions {
  snaplen?: number;
  /** Create empty files for devices that carried nothing (default true). */
  emptyFiles?: boolean;
}

/**
 * Capture every device of `k` (now and later) into `dir` (created if missing).
 * `stop()` detaches and closes the files.
 */
export function startCapture(k: Kernel, dir: string, opts: StartCaptureOptions = {}): Capture {
  mkdirSync(dir, { recursive: true });
  const o: CaptureSessionOptions = {
    openFile: (name) => new BufferedFile(join(dir, name)),
    snaplen: opts.snaplen,
    emptyFiles: opts.emptyFiles,
  };
  return attachCapture(k, o);
}
