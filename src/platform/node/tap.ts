/**
 * Attach a tuxnet device to a Linux TAP interface (Node only). No single Linux
 * counterpart: this is what a hypervisor's tap backend does (QEMU net/tap-linux.c):
 * open /dev/net/tun, TUNSETIFF to a new or persistent TAP by name, optionally
 * IFF_VNET_HDR + TUNSETOFFLOAD, then move frames. The fd work is the N-API addon in
 * native/tap/tap.c (built by `npm install` into build/Release/tap.node): an
 * O_NONBLOCK fd watched by uv_poll, a bounded batch of reads per wake-up into one
 * reusable buffer, one callback per batch; one write(2) per frame.
 *
 * A batch enters the kernel between localBhDisable()/localBhEnable(), so the whole
 * burst is processed in one softirq pass (NAPI-like). The kernel side is
 * src/drivers/link.ts + src/drivers/tap.ts; nothing there imports this file.
 *
 * When the addon cannot be used, openTap throws TapUnavailableError whose message
 * says what is missing: the addon was not built (and why, as recorded at install),
 * /dev/net/tun is missing, or the process lacks CAP_NET_ADMIN.
 */
import { createRequire } from 'node:module';
import { constants as osConstants } from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type { Kernel, Net } from '../../core/net_namespace.js';
import type { NetDevice } from '../../core/netdevice.js';
import { type LinkPort, linkAttach, linkCreate, linkDestroy, linkDetach, linkReceive } from '../../drivers/link.js';
import {
  IFF_NO_PI, IFF_TAP, IFF_VNET_HDR, TAP_OFFLOADS, TAP_VNET_FEATURES, VIRTIO_NET_HDR_LEN, tapOps, tapVnetOps,
  TAP_MAX_GSO_FRAME,
} from '../../drivers/tap.js';

/** The addon's exports (native/tap/tap.c). */
export interface TapAddon {
  open(name: string, flags: number, netns?: string): { fd: number; name: string };
  setOffload(fd: number, flags: number): void;
  setVnetHdrSz(fd: number, size: number): void;
  start(fd: number, buf: ArrayBuffer, lens: Int32Array, frameMax: number, maxBatch: number,
    cb: (count: number, err: number) => void): unknown;
  stop(handle: unknown): void;
  /** Bytes written or -errno. */
  write(fd: number, frame: Uint8Array): number;
  close(fd: number): void;
}

/** The TAP cannot be used here; the message says exactly why and what to do. */
export class TapUnavailableError extends Error {
  constructor(message: string, readonly reason: 'addon' | 'no-tun' | 'permission' | 'busy' | 'invalid' | 'other') {
    super(message);
    this.name = 'TapUnavailableError';
  }
}

/** Frames read per wake-up at most (then the event loop runs timers and other I/O). */
export const TAP_MAX_BATCH = 64;
/** Bytes offered to each read(2): any frame the Linux side can send (64 KiB GSO + headers). */
const FRAME_MAX = TAP_MAX_GSO_FRAME + 64;
/** The receive buffer: room for a full batch of MTU-sized frames, or about 31 GSO frames. */
const RX_BUF_BYTES = 2 << 20;

function packageRoot(): string {
  // dist/src/platform/node/tap.js or src/platform/node/tap.ts: the root holds package.json.
  let d = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(d, 'package.json')) && existsSync(join(d, 'binding.gyp'))) return d;
    d = dirname(d);
  }
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
}

let cached: TapAddon | null = null;

/**
 * Load build/Release/tap.node (or $TUXNET_TAP_ADDON). Throws TapUnavailableError
 * when it is not there or does not load. The loaded module is cached (it is the
 * process's, like any require()).
 */
export function loadTapAddon(): TapAddon {
  if (cached) return cached;
  if (process.platform !== 'linux') {
    throw new TapUnavailableError(`TAP devices need Linux; this is ${process.platform}`, 'addon');
  }
  const root = packageRoot();
  const path = process.env.TUXNET_TAP_ADDON ?? join(root, 'build', 'Release', 'tap.node');
  if (!existsSync(path)) {
    let why = 'the install step did not run (npm ci --ignore-scripts?)';
    try {
      const s = readFileSync(join(root, 'build', 'tap-addon-status.txt'), 'utf8').trim();
      if (s && s !== 'ok') why = s;
    } catch {
      // no status file: install scripts never ran
    }
    throw new TapUnavailableError(`the TAP addon is not built (${path} is missing): ${why}. ` +
      'Install a C compiler, make and python3, then run `npm rebuild` (or `node scripts/build-addon.mjs`) ' +
      'in the tuxnet package', 'addon');
  }
  try {
    cached = createRequire(import.meta.url)(path) as TapAddon;
  } catch (e) {
    throw new TapUnavailableError(`the TAP addon ${path} does not load: ${(e as Error).message}. ` +
      'Rebuild it for this Node (`npm rebuild`)', 'addon');
  }
  return cached;
}

/** Why a TAP cannot be opened here (null when it can be tried): for tests and benches to skip with a reason. */
export function tapUnavailableReason(): string | null {
  try {
    loadTapAddon();
  } catch (e) {
    return (e as Error).message;
  }
  if (!existsSync('/dev/net/tun')) return '/dev/net/tun does not exist (modprobe tun; in a container: --device /dev/net/tun)';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not root (a TAP needs CAP_NET_ADMIN)';
  return null;
}

function openError(e: unknown, ifname: string): Error {
  const err = e as NodeJS.ErrnoException;
  const code = err.code ?? '';
  const name = ifname || 'tap%d';
  if (err.syscall === 'setns' || (err.syscall === 'open' && !/\/dev\/net\/tun/.test(err.message) &&
    !/thread-self/.test(err.message))) {
    return new TapUnavailableError(`cannot enter network namespace for ${name}: ${err.message}` +
      (code === 'EPERM' ? ' (needs CAP_SYS_ADMIN: run as root)' : ''), code === 'EPERM' ? 'permission' : 'other');
  }
  if (err.syscall === 'open') {
    if (code === 'ENOENT' || code === 'ENODEV' || code === 'ENXIO') {
      return new TapUnavailableError('/dev/net/tun does not exist or the tun driver is not loaded ' +
        '(modprobe tun; in a container pass --device /dev/net/tun)', 'no-tun');
    }
    if (code === 'EPERM' || code === 'EACCES') {
      return new TapUnavailableError(`cannot open /dev/net/tun: ${code} (run as root or give the process CAP_NET_ADMIN)`,
        'permission');
    }
  }
  if (code === 'EPERM' || code === 'EACCES') {
    return new TapUnavailableError(`cannot attach TAP interface ${name}: ${code}: creating or attaching a TAP needs ` +
      'CAP_NET_ADMIN (run as root), and a persistent TAP owned by another user needs that user or root', 'permission');
  }
  if (code === 'EBUSY') {
    return new TapUnavailableError(`cannot attach TAP interface ${name}: EBUSY: another process has it open`, 'busy');
  }
  if (code === 'EINVAL') {
    return new TapUnavailableError(`cannot attach TAP interface ${name}: EINVAL: an interface of that name exists and is ` +
      `not a single-queue TAP (a TUN, a multi-queue TAP, or another device type)`, 'invalid');
  }
  return new TapUnavailableError(`cannot attach TAP interface ${name}: ${err.message}`, 'other');
}

export interface OpenTapOptions {
  /** The Linux TAP interface: created if missing, attached if persistent ('' : the kernel picks tapN). */
  ifname: string;
  /** The tuxnet device name (default: the TAP's name). */
  devName?: string;
  /** IFF_VNET_HDR with checksum and TCP segmentation offloads both ways. */
  vnetHdr?: boolean;
  mtu?: number;
  address?: Uint8Array;
  /**
   * The Linux network namespace the TAP lives in (a name under /run/netns or a path):
   * the TAP is opened from there (a TAP fd belongs to the namespace it was opened in),
   * while this process stays where it is. Default: the process's own namespace.
   */
  netns?: string;
}

export interface TapHandle {
  dev: NetDevice;
  /** The Linux interface name (useful when the kernel picked it). */
  ifname: string;
  /** Unregister the tuxnet device and release the TAP (a non-persistent TAP disappears). */
  close(): void;
}

/** Why the TAP's fd stopped: poll/read failed with -errno (EBADF/EBADFD: the interface was deleted). */
function tapErrorText(err: number): string {
  const name = Object.entries(osConstants.errno).find(([, v]) => v === -err)?.[0] ?? `errno ${-err}`;
  const gone = name === 'EBADF' || name === 'EBADFD';
  return `TAP fd failed: ${name}${gone ? ' (the Linux interface was deleted)' : ''}`;
}

/** The wire of a TAP-backed device: the fd, its poller, and the receive buffers. */
class TapPort implements LinkPort {
  handle: unknown = null;
  closed = false;
  readonly buf = new ArrayBuffer(RX_BUF_BYTES);
  readonly bytes = new Uint8Array(this.buf);
  readonly lens = new Int32Array(TAP_MAX_BATCH);
  dev: NetDevice | null = null;
  /** Wake-ups that delivered frames, and the frames they delivered (batch size = frames / batches). */
  batches = 0;
  frames = 0;
  /** The receive path threw once (a bug): warned about, not again. */
  faulted = false;

  constructor(readonly addon: TapAddon, readonly fd: number, readonly kernel: Kernel) {}

  transmit(frame: Uint8Array): boolean {
    if (this.closed) return false;
    return this.addon.write(this.fd, frame) === frame.length;
  }

  /** One batch from the addon: deliver every frame inside one bottom-half section. */
  onFrames = (count: number, err: number): void => {
    const dev = this.dev;
    if (this.closed || dev === null) return;
    if (count > 0) {
      this.batches++;
      this.frames += count;
      const sched = this.kernel.sched;
      const bytes = this.bytes;
      const lens = this.lens;
      try {
        sched.localBhDisable();
        try {
          let off = 0;
          for (let i = 0; i < count; i++) {
            const len = lens[i]!;
            if (len < 0) {
              // Longer than any frame a TAP should carry: cut by read(2), dropped as oversize.
              dev.stats.rxLengthErrors++;
              dev.stats.rxErrors++;
              dev.coreStats.rxDropped++;
              off += FRAME_MAX;
              continue;
            }
            linkReceive(dev, bytes.subarray(off, off + len));
            off += len;
          }
        } finally {
          sched.localBhEnable();
        }
      } catch (e) {
        // The packet path must not throw; if a bug makes it, whatever the wire sent must
        // not take the process down: count the loss, say it once, keep the link.
        dev.coreStats.rxDropped++;
        if (!this.faulted) {
          this.faulted = true;
          process.emitWarning(`tuxnet: receive on ${dev.name} threw (frames dropped): ${(e as Error).stack ?? String(e)}`);
        }
      }
    }
    if (err < 0) linkDetach(dev, tapErrorText(err));
  };

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.handle !== null) this.addon.stop(this.handle);
    this.handle = null;
    try {
      this.addon.close(this.fd);
    } catch {
      // already closed: nothing to release
    }
  }
}

/**
 * Open (or create) the TAP interface `ifname` and attach it as the wire of a new
 * tuxnet link device in `net`. The device is registered down; bring it up with
 * `ip link set DEV up` (or devOpen) as for any NIC. Throws TapUnavailableError when
 * the TAP cannot be used, RangeError/Error for a bad device name.
 */
export function openTap(k: Kernel, net: Net, o: OpenTapOptions): TapHandle {
  const addon = loadTapAddon();
  const vnet = o.vnetHdr === true;
  let opened: { fd: number; name: string };
  try {
    const ns = o.netns === undefined ? undefined : o.netns.includes('/') ? o.netns : `/run/netns/${o.netns}`;
    opened = addon.open(o.ifname, IFF_TAP | IFF_NO_PI | (vnet ? IFF_VNET_HDR : 0), ns);
  } catch (e) {
    if (e instanceof RangeError || e instanceof TypeError) throw e;
    throw openError(e, o.ifname);
  }
  const port = new TapPort(addon, opened.fd, k);
  try {
    if (vnet) {
      addon.setVnetHdrSz(opened.fd, VIRTIO_NET_HDR_LEN);
      addon.setOffload(opened.fd, TAP_OFFLOADS);
    } else {
      // A persistent TAP may keep offloads from an earlier user: clear them, or the
      // Linux side would hand us GSO frames without a header to say so.
      addon.setOffload(opened.fd, 0);
    }
  } catch (e) {
    port.close();
    throw new TapUnavailableError(`cannot configure TAP interface ${opened.name}: ${(e as Error).message}`, 'other');
  }
  const dev = linkCreate(net, {
    name: o.devName ?? opened.name, ops: vnet ? tapVnetOps : tapOps, address: o.address, mtu: o.mtu,
    features: vnet ? TAP_VNET_FEATURES : 0,
  });
  if (typeof dev === 'number') {
    port.close();
    throw new Error(`cannot create device ${o.devName ?? opened.name}: errno ${-dev}`);
  }
  port.dev = dev;
  linkAttach(dev, port, vnet ? VIRTIO_NET_HDR_LEN : 0);
  try {
    port.handle = addon.start(opened.fd, port.buf, port.lens, FRAME_MAX, TAP_MAX_BATCH, port.onFrames);
  } catch (e) {
    linkDestroy(dev);
    port.close();
    throw new TapUnavailableError(`cannot watch TAP interface ${opened.name}: ${(e as Error).message}`, 'other');
  }
  let done = false;
  return {
    dev,
    ifname: opened.name,
    close(): void {
      if (done) return;
      done = true;
      // Unregistering runs ndo_uninit, which closes the port (fd and poller); a device
      // already gone (its namespace deleted) is skipped by unregister itself.
      linkDestroy(dev);
      port.close();
    },
  };
}
