/**
 * Keeping the Node process alive for tuxnet handles (no Linux counterpart: this is
 * libuv's "active and referenced handle" rule). A tuxnet kernel runs on promise
 * continuations and unref'd platform timers, so nothing of it keeps Node's event loop
 * alive: a program whose only work is a listening tuxnet server would exit at once.
 * As with node:net, an active (listening/open) Server or Socket that is ref'd (the
 * default) keeps the process alive; `unref()` lets it go. That holds on a virtual
 * clock with established connections too: their always-pending reads wait without
 * making the idle clock race (the kernel's housekeeping timers are deferrable), and
 * socket.setTimeout is an unref'd Node timer (test/node/net.test.ts checks both in a
 * child process).
 *
 * The kernel's own counted hold (`kernel.hold()`, the host's keep-alive handle that
 * `kernel.sh()` also uses) stands for all of them: this module keeps one hold while
 * the count of active ref'd holders is above zero.
 */
import type { Kernel } from '../api/kernel.js';

/** The per-kernel count of active ref'd handles, holding the kernel while it is above zero. */
export class KernelKeepAlive {
  private count = 0;
  private held: (() => void) | null = null;
  private closed = false;

  constructor(private readonly kernel: Kernel) {
    kernel.onClose(() => {
      this.closed = true;
      this.count = 0;
      this.update();
    });
  }

  /** One more active ref'd holder. */
  acquire(): void {
    this.count++;
    this.update();
  }

  /** One holder fewer. */
  release(): void {
    if (this.count > 0) this.count--;
    this.update();
  }

  /** Active ref'd holders now (for tests). */
  get holders(): number {
    return this.count;
  }

  private update(): void {
    if (this.count > 0 && this.held === null && !this.closed) {
      this.held = this.kernel.hold();
    } else if (this.count === 0 && this.held !== null) {
      const r = this.held;
      this.held = null;
      r();
    }
  }
}

const perKernel = new WeakMap<Kernel, KernelKeepAlive>();

/** The keep-alive of a kernel (created on first use). */
export function keepAliveOf(kernel: Kernel): KernelKeepAlive {
  let k = perKernel.get(kernel);
  if (!k) {
    k = new KernelKeepAlive(kernel);
    perKernel.set(kernel, k);
  }
  return k;
}

/**
 * The ref state of one handle (a Server or a Socket): it holds the kernel's
 * keep-alive while it is both active (set by its owner: listening, connecting or
 * open) and ref'd (the user's `ref()`/`unref()`, ref'd by default).
 */
export class HandleRef {
  private refd = true;
  private active = false;
  private held = false;

  constructor(private readonly keepAlive: KernelKeepAlive) {}

  /** node:net ref(): keep the process alive while active. */
  ref(): void {
    this.refd = true;
    this.sync();
  }

  /** node:net unref(): do not keep the process alive. */
  unref(): void {
    this.refd = false;
    this.sync();
  }

  /** Whether the handle is ref'd (Node: hasRef()). */
  hasRef(): boolean {
    return this.refd;
  }

  /** The owner's state: active (listening, connecting, open) or not (closed). */
  setActive(active: boolean): void {
    this.active = active;
    this.sync();
  }

  private sync(): void {
    const want = this.refd && this.active;
    if (want === this.held) return;
    this.held = want;
    if (want) this.keepAlive.acquire();
    else this.keepAlive.release();
  }
}
