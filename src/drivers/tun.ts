/**
 * TUN devices (Linux: drivers/net/tun.c), layer 3 only: IFF_TUN with IFF_NO_PI.
 * The device's other side is a file: userspace opens `/dev/net/tun`, attaches
 * it to a device with ioctl(TUNSETIFF, {name, flags}) (creating `tun%d` or the
 * named device), then read(2) returns one outgoing IP packet per call (what the
 * stack transmitted on the device) and write(2) injects one IP packet into the
 * stack as if received on it (tun_get_user() -> netif_rx()). A non-persistent
 * device disappears when its last file is closed (tun_detach()).
 *
 * Like Linux's tun: ARPHRD_NONE, no link header, POINTOPOINT|NOARP|MULTICAST,
 * MTU 1500, tx_queue_len 500 (TUN_READQ_SIZE), carrier on while a file is
 * attached. No offloads (TUNSETOFFLOAD is accepted and ignored), so the stack
 * hands the file fully checksummed packets. Not modelled: IFF_TAP, IFF_VNET_HDR,
 * multiqueue, persistence (TUNSETPERSIST), owners, BPF filters.
 */
import {
  type NetDevice, type NetDeviceOps, ARPHRD_NONE, IFF_POINTOPOINT, IFF_NOARP, IFF_MULTICAST, NETDEV_TX_OK,
  allocNetdev, IFF_UP,
} from '../core/netdevice.js';
import { type SkBuff, kfreeSkbReason, consumeSkb, netdevAllocSkb, skbPutData, skbResetNetworkHeader, skbResetMacHeader } from '../core/skbuff.js';
import { netifRx, registerNetdevice, unregisterNetdevice, devAllocName } from '../core/dev.js';
import { netifCarrierOff, netifCarrierOn } from '../core/link_watch.js';
import { SKB_DROP_REASON_FULL_RING, SKB_DROP_REASON_DEV_READY } from '../core/drop_reason.js';
import { WaitQueueHead } from '../core/wait.js';
import type { Kernel, Net } from '../core/net_namespace.js';
import type { ChrdevFile, FileOperations } from '../socket/task.js';

/** Linux: include/uapi/linux/if_tun.h */
export const TUNSETIFF = 0x400454ca;
export const TUNSETOFFLOAD = 0x400454d0;
export const TUNGETIFF = 0x800454d2;
export const TUNSETPERSIST = 0x400454cb;
export const IFF_TUN = 0x0001;
export const IFF_TAP = 0x0002;
export const IFF_NO_PI = 0x1000;
export const IFF_VNET_HDR = 0x4000;
/** Linux: TUN_READQ_SIZE. */
export const TUN_READQ_SIZE = 500;
const ETH_P_IP = 0x0800;
const ETH_P_IPV6 = 0x86dd;
const EAGAIN = 11;
const EBADFD = 77;
const EINVAL = 22;
const EBUSY = 16;
const EFAULT = 14;
const ENOTTY = 25;
const POLLIN = 0x1;
const POLLOUT = 0x4;
const POLLRDNORM = 0x40;
const POLLWRNORM = 0x100;
const POLLERR = 0x8;

/** The file side of a tun device (Linux: struct tun_file). */
export class TunFile {
  dev: NetDevice | null = null;
  flags = 0;
  /** Packets the stack transmitted, waiting for read() (Linux: tfile->tx_ring). */
  readonly queue: SkBuff[] = [];
  readonly wq = new WaitQueueHead();
}

/** Linux: struct tun_struct, the device side. */
export interface TunPriv {
  file: TunFile | null;
  flags: number;
}

function tunOf(dev: NetDevice): TunPriv {
  return dev.priv as TunPriv;
}

/** Linux: tun_net_xmit(): queue for the reader; drop when detached or the ring is full. */
function tunNetXmit(skb: SkBuff, dev: NetDevice): number {
  const tfile = tunOf(dev).file;
  if (!tfile) {
    dev.coreStats.txDropped++;
    kfreeSkbReason(skb, SKB_DROP_REASON_DEV_READY);
    return NETDEV_TX_OK;
  }
  if (tfile.queue.length >= dev.txQueueLen) {
    dev.coreStats.txDropped++;
    kfreeSkbReason(skb, SKB_DROP_REASON_FULL_RING);
    return NETDEV_TX_OK;
  }
  // The reader keeps the packet past this call: drop what ties it to the stack (skb_orphan).
  if (skb.destructor) {
    const d = skb.destructor;
    skb.destructor = null;
    d(skb);
  }
  skb.sk = null;
  tfile.queue.push(skb);
  dev.stats.txPackets++;
  dev.stats.txBytes += skb.len;
  tfile.wq.wakeUp(dev.net.kernel);
  return NETDEV_TX_OK;
}

export const tunOps: NetDeviceOps = {
  ndoStartXmit: tunNetXmit,
  ndoChangeMtu: (dev, mtu) => {
    dev.mtu = mtu;
    return 0;
  },
  ndoUninit: (dev) => {
    const t = tunOf(dev);
    if (t.file) {
      for (const skb of t.file.queue.splice(0)) consumeSkb(skb);
      t.file.dev = null;
      t.file = null;
    }
  },
};

/** Linux: tun_setup() + tun_net_init() for IFF_TUN. */
export function tunSetup(dev: NetDevice): void {
  dev.type = ARPHRD_NONE;
  dev.hardHeaderLen = 0;
  dev.addrLen = 0;
  dev.devAddr = new Uint8Array(0);
  dev.permAddr = new Uint8Array(0);
  dev.broadcast = new Uint8Array(0);
  dev.mtu = 1500;
  dev.minMtu = 68;
  dev.maxMtu = 65535;
  dev.flags = IFF_POINTOPOINT | IFF_NOARP | IFF_MULTICAST;
  dev.txQueueLen = TUN_READQ_SIZE;
  dev.headerOps = null;
  dev.priv = { file: null, flags: IFF_TUN } satisfies TunPriv;
  dev.ethtoolOps = {
    getDrvinfo: () => ({ driver: 'tun', version: '1.6', busInfo: 'tun' }),
  };
}

/** Linux: tun_set_iff(): attach to the named tun device, or create it. */
function tunSetIff(net: Net, tfile: TunFile, req: { name?: string; flags?: number }): number {
  if (tfile.dev) return -EINVAL;
  const flags = req.flags ?? 0;
  if (!(flags & IFF_TUN) || flags & IFF_TAP) return -EINVAL; // only IFF_TUN is modelled
  let name = req.name ?? '';
  let dev = name ? net.devGetByName(name) : null;
  if (dev) {
    if (dev.netdevOps !== tunOps) return -EINVAL;
    if (tunOf(dev).file) return -EBUSY;
  } else {
    if (!name) name = 'tun%d';
    if (name.includes('%')) {
      const r = devAllocName(net, name);
      if (typeof r === 'number') return r;
      name = r;
    }
    dev = allocNetdev(name, tunSetup, tunOps);
    dev.net = net;
    const err = registerNetdevice(net, dev);
    if (err) return err;
  }
  const t = tunOf(dev);
  t.flags = flags & (IFF_TUN | IFF_NO_PI | IFF_VNET_HDR);
  t.file = tfile;
  tfile.dev = dev;
  tfile.flags = t.flags;
  netifCarrierOn(dev);
  req.name = dev.name;
  return 0;
}

function tfileOf(file: ChrdevFile): TunFile {
  if (!file.priv) file.priv = new TunFile();
  return file.priv as TunFile;
}

/**
 * Linux: tun_do_read(): the next transmitted packet (truncated to buf.length, as
 * Linux truncates and sets MSG_TRUNC semantics aside), -EAGAIN when none is queued,
 * -EBADFD before TUNSETIFF.
 */
function tunRead(file: ChrdevFile, buf: Uint8Array): number {
  const tfile = tfileOf(file);
  if (!tfile.dev) return -EBADFD;
  const skb = tfile.queue.shift();
  if (!skb) return -EAGAIN;
  const n = Math.min(skb.len, buf.length);
  buf.set(skb.buf.subarray(skb.data, skb.data + n));
  consumeSkb(skb);
  return n;
}

/** Linux: tun_get_user() for IFF_TUN|IFF_NO_PI: the protocol comes from the IP version nibble. */
function tunWrite(file: ChrdevFile, data: Uint8Array): number {
  const tfile = tfileOf(file);
  const dev = tfile.dev;
  if (!dev) return -EBADFD;
  if (!(dev.flags & IFF_UP)) return -EIO_NEG;
  if (data.length === 0) return -EINVAL;
  const version = data[0]! >> 4;
  const protocol = version === 4 ? ETH_P_IP : version === 6 ? ETH_P_IPV6 : 0;
  if (!protocol) {
    dev.coreStats.rxDropped++;
    return -EINVAL;
  }
  const skb = netdevAllocSkb(dev, data.length);
  skbPutData(skb, data);
  skb.dev = dev;
  skb.protocol = protocol;
  skbResetMacHeader(skb);
  skbResetNetworkHeader(skb);
  dev.stats.rxPackets++;
  dev.stats.rxBytes += data.length;
  netifRx(skb);
  return data.length;
}
const EIO_NEG = 5;

function tunIoctl(file: ChrdevFile, cmd: number, arg: unknown, net: Net): number {
  const tfile = tfileOf(file);
  if (cmd === TUNSETIFF) {
    if (typeof arg !== 'object' || arg === null) return -EFAULT;
    return tunSetIff(net, tfile, arg as { name?: string; flags?: number });
  }
  if (cmd === TUNGETIFF) {
    if (!tfile.dev) return -EBADFD;
    if (typeof arg === 'object' && arg !== null) Object.assign(arg, { name: tfile.dev.name, flags: tfile.flags });
    return 0;
  }
  if (cmd === TUNSETOFFLOAD) return tfile.dev ? 0 : -EBADFD;
  if (cmd === TUNSETPERSIST) return tfile.dev ? 0 : -EBADFD;
  return -ENOTTY;
}

function tunPoll(file: ChrdevFile): number {
  const tfile = tfileOf(file);
  if (!tfile.dev) return POLLERR;
  let mask = POLLOUT | POLLWRNORM;
  if (tfile.queue.length) mask |= POLLIN | POLLRDNORM;
  return mask;
}

/** Linux: tun_chr_close() -> tun_detach(): a non-persistent device goes away with its file. */
function tunRelease(file: ChrdevFile): void {
  const tfile = tfileOf(file);
  const dev = tfile.dev;
  for (const skb of tfile.queue.splice(0)) consumeSkb(skb);
  if (!dev) return;
  tunOf(dev).file = null;
  tfile.dev = null;
  netifCarrierOff(dev);
  unregisterNetdevice(dev);
}

export const tunFops: FileOperations = {
  read: tunRead,
  write: tunWrite,
  ioctl: tunIoctl,
  poll: tunPoll,
  release: tunRelease,
  waitQueue: (file) => tfileOf(file).wq,
};

/** Linux: tun_init(): misc_register() of /dev/net/tun. */
export function tunInit(k: Kernel): void {
  let m = k.generic.get('miscdev') as Map<string, FileOperations> | undefined;
  if (!m) {
    m = new Map();
    k.generic.set('miscdev', m);
  }
  m.set('/dev/net/tun', tunFops);
}
