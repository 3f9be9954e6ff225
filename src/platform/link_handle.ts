/**
 * What every platform link (QEMU, VDE, WebSocket, v86) shares, with no Node or browser
 * API in it: the handle returned to the caller, the log callback, the reconnect
 * backoff, and creating/removing the link device inside a bottom-half section.
 */
import type { Kernel, Net } from '../core/net_namespace.js';
import { type NetDevice, NETREG_REGISTERED } from '../core/netdevice.js';
import { type LinkKindOps, linkCreate, linkDestroy } from '../drivers/link.js';
import { strerror } from '../socket/errno.js';

/**
 * Where a link writes what happens to it (carrier up/down and why), one line per call
 * without the device name (the caller knows which link it gave the callback to).
 */
export type LinkLog = (msg: string) => void;

export const noLog: LinkLog = () => {};

/** An open link: its device, and `close()` that stops it (no reconnect) and removes the device. */
export interface LinkHandle {
  dev: NetDevice;
  close(): void;
}

export interface LinkDeviceOptions {
  /** Device name in the namespace (or a pattern such as "eth%d"). */
  devName: string;
  log?: LinkLog;
  mtu?: number;
  address?: Uint8Array;
}

/** Reconnect delays: 100 ms doubling to 5 s, reset after a successful connection. */
export class Backoff {
  private ms = 0;
  constructor(readonly minMs = 100, readonly maxMs = 5000) {}
  next(): number {
    this.ms = this.ms === 0 ? this.minMs : Math.min(this.ms * 2, this.maxMs);
    return this.ms;
  }
  reset(): void {
    this.ms = 0;
  }
}

/**
 * Reconnecting with backoff, as every client-side link does (a QEMU stream client,
 * vde_plug restarts, a WebSocket to a relay): at most one retry is pending; `stop()`
 * cancels it for good (the handle was closed).
 */
export class Reconnector {
  stopped = false;
  private readonly backoff: Backoff;
  private timer: ReturnType<typeof setTimeout> | null = null;
  constructor(private readonly attempt: () => void, minMs?: number, maxMs?: number) {
    this.backoff = new Backoff(minMs, maxMs);
  }
  /** Try again after the next backoff delay (nothing if one is pending or stopped). */
  schedule(): void {
    if (this.stopped || this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.attempt();
    }, this.backoff.next());
  }
  /** The link came up: the next failure retries after the shortest delay again. */
  reset(): void {
    this.backoff.reset();
  }
  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}

/** Run `fn` as one bottom-half section: a burst of frames is processed in one softirq pass. */
export function inBh(k: Kernel, fn: () => void): void {
  k.sched.localBhDisable();
  try {
    fn();
  } finally {
    k.sched.localBhEnable();
  }
}

/** Create the link device or throw an Error naming why (name taken, bad name). */
export function createLinkDevice(ns: Net, o: LinkDeviceOptions, ops: LinkKindOps): NetDevice {
  const sched = ns.kernel.sched;
  sched.localBhDisable();
  let dev: NetDevice | number;
  try {
    dev = linkCreate(ns, { name: o.devName, ops, mtu: o.mtu, address: o.address });
  } finally {
    sched.localBhEnable();
  }
  if (typeof dev === 'number') throw new Error(`cannot create device '${o.devName}': ${strerror(-dev)}`);
  return dev;
}

/** The device was unregistered behind the link's back (its namespace dismantled): stop reconnecting. */
export function linkDeviceGone(dev: NetDevice): boolean {
  return dev.regState !== NETREG_REGISTERED;
}

/** Remove a link device (its port is closed by ndo_uninit); nothing if already gone with its namespace. */
export function closeLinkDevice(k: Kernel, dev: NetDevice): void {
  if (dev.regState === NETREG_REGISTERED) inBh(k, () => linkDestroy(dev));
}

/**
 * Frames that arrive as separate events (UDP datagrams, WebSocket messages) gathered
 * until `defer` runs, then delivered in one bottom-half section: one softirq pass (and
 * one GRO flush) per burst, as NAPI polls a ring. `defer` is setImmediate on Node (after
 * every message of this poll phase); queueMicrotask elsewhere (no gathering). Held
 * frames must not be reused by their producer (datagram and message buffers are not).
 */
export class RxBatch {
  private frames: Uint8Array[] = [];
  private scheduled = false;
  constructor(private readonly k: Kernel, private readonly deliver: (frame: Uint8Array) => void,
    private readonly defer: (fn: () => void) => void = queueMicrotask, private readonly limit = 64) {}

  push(frame: Uint8Array): void {
    this.frames.push(frame);
    if (this.frames.length >= this.limit) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      this.defer(this.flush);
    }
  }

  readonly flush = (): void => {
    this.scheduled = false;
    const batch = this.frames;
    if (batch.length === 0) return;
    this.frames = [];
    inBh(this.k, () => {
      for (const f of batch) this.deliver(f);
    });
  };
}
