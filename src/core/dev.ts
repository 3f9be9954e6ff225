/**
 * The device layer (Linux: net/core/dev.c): registration, open/close, flag and
 * MTU/address changes, protocol handler registration, the receive path
 * (netif_rx, netif_receive_skb, __netif_receive_skb_core) and the transmit path
 * (dev_queue_xmit, dev_hard_start_xmit, dev_queue_xmit_nit).
 * Address lists live in dev_addr_lists.ts, carrier/operstate in link_watch.ts.
 */
import {
  type NetDevice, type RxHandler, IFF_UP, IFF_PROMISC, IFF_ALLMULTI, IFF_RUNNING, IFF_LOWER_UP,
  IFF_DORMANT, IFF_VOLATILE, IFF_MULTICAST, IFF_DEBUG, IFF_NOARP, IFF_DYNAMIC, IFF_AUTOMEDIA,
  IFF_NOTRAILERS, IFF_PORTSEL, IFF_MASTER, IFF_SLAVE, IFF_LIVE_ADDR_CHANGE,
  NETREG_REGISTERED, NETREG_UNINITIALIZED, NETREG_UNREGISTERED, NETREG_UNREGISTERING,
  NETDEV_TX_OK, NET_XMIT_DROP, RX_HANDLER_ANOTHER, RX_HANDLER_CONSUMED, RX_HANDLER_EXACT,
  __LINK_STATE_PRESENT, __LINK_STATE_START, devValidName, netifCarrierOk, netifDormant, netifOperUp,
  netifRunning, IFNAMSIZ, NET_ADDR_SET, ETH_HLEN, RtnlLinkStats64, featAnd,
} from './netdevice.js';
import type { Net } from './net_namespace.js';
import type { SkBuff } from './skbuff.js';
import {
  PACKET_OUTGOING, kfreeSkbReason, skbClone, skbResetMacHeader, skbResetNetworkHeader,
  skbResetTransportHeader, skbResetMacLen,
} from './skbuff.js';
import {
  NETDEV_CHANGE, NETDEV_CHANGEADDR, NETDEV_CHANGEMTU, NETDEV_CHANGENAME, NETDEV_DOWN, NETDEV_GOING_DOWN,
  NETDEV_PRECHANGEMTU, NETDEV_PRE_CHANGEADDR, NETDEV_PRE_UP, NETDEV_REGISTER, NETDEV_UNREGISTER, NETDEV_UP,
  NETDEV_CHANGE_TX_QUEUE_LEN, NETDEV_CHANGEUPPER, notifierToErrno,
} from './notifier.js';
import {
  EBUSY, EEXIST, EINVAL, ENFILE, ENODEV, ENETDOWN, EOPNOTSUPP, EADDRNOTAVAIL, EOVERFLOW, ERANGE,
} from '../socket/errno.js';
import {
  SKB_DROP_REASON_DEV_READY, SKB_DROP_REASON_UNHANDLED_PROTO, SKB_DROP_REASON_PKT_TOO_SMALL,
} from './drop_reason.js';
import { validateXmitSkb } from './gso.js';

// skb_checksum_help() lives with the transmit validation in gso.ts; exported here too (Linux: dev.c).
export { skbChecksumHelp } from './gso.js';
import { enqueueToBacklog } from './napi.js';
import { linkwatchInitDev, rfc2863Policy } from './link_watch.js';
import {
  devActivate, devDeactivate, devInitScheduler, devShutdown, devXmitSkb,
} from '../sched/sch_generic.js';
import { RTM_DELLINK, RTM_NEWLINK } from '../wire/rtnetlink.js';
import { devSetRxMode } from './dev_addr_lists.js';

export const ETH_P_ALL = 0x0003;
export const ETH_P_802_3 = 0x0001;
export const ETH_P_802_2 = 0x0004;
export const ETH_P_LOOP = 0x0060;
export const ETH_P_IP = 0x0800;
export const ETH_P_ARP = 0x0806;
export const ETH_P_8021Q = 0x8100;
export const ETH_P_8021AD = 0x88a8;
export const ETH_P_IPV6 = 0x86dd;
export const ETH_P_LLDP = 0x88cc;
export const ETH_P_802_3_MIN = 0x0600;

/**
 * Linux: struct packet_type. `func` consumes the skb it is given; for taps the skb
 * may be shared (users > 1), so a tap that changes it clones first.
 */
export interface PacketType {
  /** Ethertype, host order; ETH_P_ALL for taps. */
  type: number;
  /** Only frames of this device, or null for all. */
  dev: NetDevice | null;
  func(skb: SkBuff, dev: NetDevice, pt: PacketType, origDev: NetDevice): number;
  /** Taps that do not want outgoing copies (PACKET_IGNORE_OUTGOING). */
  ignoreOutgoing: boolean;
  /** Private data of the owner (the packet socket). */
  afPacketPriv: unknown;
  /** For ETH_P_ALL taps without a device: the namespace they serve. */
  net?: Net | null;
}

/**
 * Linux: dev_add_pack(). ETH_P_ALL handlers go on the namespace's (or the device's)
 * tap list; others on the protocol table (or the device's specific list).
 */
export function devAddPack(net: Net, pt: PacketType): void {
  if (pt.type === ETH_P_ALL) {
    if (pt.dev) pt.dev.ptypeAll.push(pt);
    else net.ptypeAll.push(pt);
  } else if (pt.dev) {
    pt.dev.ptypeSpecific.push(pt);
  } else {
    const k = net.kernel;
    let list = k.ptypeBase.get(pt.type);
    if (!list) k.ptypeBase.set(pt.type, (list = []));
    list.push(pt);
  }
}

/** Linux: dev_remove_pack(). */
export function devRemovePack(net: Net, pt: PacketType): void {
  const rm = (list: PacketType[]): void => {
    const i = list.indexOf(pt);
    if (i >= 0) list.splice(i, 1);
  };
  if (pt.type === ETH_P_ALL) rm(pt.dev ? pt.dev.ptypeAll : net.ptypeAll);
  else if (pt.dev) rm(pt.dev.ptypeSpecific);
  else {
    const list = net.kernel.ptypeBase.get(pt.type);
    if (list) rm(list);
  }
}

/* ------------------------------------------------------------------ */
/* Registration                                                        */

/** Linux: __dev_alloc_name(): expand a "%d" template to the first free number. */
export function devAllocName(net: Net, template: string): string | number {
  const p = template.indexOf('%');
  if (p < 0) return template;
  if (template.indexOf('%', p + 1) >= 0 || template[p + 1] !== 'd') return -EINVAL;
  const used = new Set<number>();
  const prefix = template.slice(0, p);
  const suffix = template.slice(p + 2);
  for (const d of net.devices) {
    if (d.name.startsWith(prefix) && d.name.endsWith(suffix)) {
      const mid = d.name.slice(prefix.length, d.name.length - suffix.length);
      if (/^\d+$/.test(mid) && String(Number(mid)) === mid) used.add(Number(mid));
    }
  }
  for (let i = 0; i < 32768; i++) {
    if (!used.has(i)) {
      const name = `${prefix}${i}${suffix}`;
      return devValidName(name) ? name : -EINVAL;
    }
  }
  return -ENFILE;
}

/** Linux: dev_get_valid_name(): validate, expand templates, refuse duplicates. */
export function devGetValidName(net: Net, name: string): string | number {
  if (!devValidName(name)) return -EINVAL;
  if (name.includes('%')) return devAllocName(net, name);
  if (net.devGetByName(name)) return -EEXIST;
  return name;
}

/** Linux: dev_index_reserve(): next free ifindex in the namespace. */
function devNewIndex(net: Net, wanted: number): number {
  if (wanted > 0) return net.devByIndex.has(wanted) ? -EBUSY : wanted;
  for (;;) {
    if (++net.ifindex <= 0) net.ifindex = 1;
    if (!net.devByIndex.has(net.ifindex)) return net.ifindex;
  }
}

function listNetdevice(dev: NetDevice): void {
  const net = dev.net;
  net.devices.push(dev);
  net.devByName.set(dev.name, dev);
  net.devByIndex.set(dev.ifindex, dev);
}

function unlistNetdevice(dev: NetDevice): void {
  const net = dev.net;
  const i = net.devices.indexOf(dev);
  if (i >= 0) net.devices.splice(i, 1);
  net.devByName.delete(dev.name);
  net.devByIndex.delete(dev.ifindex);
}

/**
 * Linux: register_netdevice(). `dev.net` must be set. Returns 0 or -errno.
 * A wanted ifindex may be preset in dev.ifindex (IFLA_NEW_IFINDEX / moving back).
 */
export function registerNetdevice(net: Net, dev: NetDevice): number {
  if (dev.regState !== NETREG_UNINITIALIZED) return -EINVAL;
  dev.net = net;
  const name = devGetValidName(net, dev.name);
  if (typeof name === 'number') return name;
  dev.name = name;
  if (dev.netdevOps.ndoInit) {
    const err = dev.netdevOps.ndoInit(dev);
    if (err) return err;
  }
  const idx = devNewIndex(net, dev.ifindex);
  if (idx < 0) {
    dev.netdevOps.ndoUninit?.(dev);
    return idx;
  }
  dev.ifindex = idx;
  if (dev.mtu > dev.maxMtu && dev.maxMtu > 0) dev.mtu = dev.maxMtu;
  // Linux: wanted_features = features & hw_features (feature sets are 53-bit numbers: no JS `|`/`&`).
  dev.wantedFeatures = featAnd(dev.features, dev.hwFeatures);
  dev.state |= __LINK_STATE_PRESENT;
  if (dev.permAddr.every((b) => b === 0)) dev.permAddr = dev.devAddr.slice();
  devInitScheduler(dev);
  linkwatchInitDev(dev);
  listNetdevice(dev);
  dev.regState = NETREG_REGISTERED;
  const ret = notifierToErrno(net.kernel.netdevChain.call(NETDEV_REGISTER, dev));
  if (ret) {
    rollbackRegistered(dev);
    return ret;
  }
  net.kernel.rtmsgIfinfo(RTM_NEWLINK, dev, ~0 >>> 0);
  return 0;
}

function rollbackRegistered(dev: NetDevice): void {
  dev.regState = NETREG_UNREGISTERING;
  unlistNetdevice(dev);
  dev.netdevOps.ndoUninit?.(dev);
  dev.regState = NETREG_UNREGISTERED;
}

/** Linux: unregister_netdevice(): unregister one device now. */
export function unregisterNetdevice(dev: NetDevice): void {
  unregisterNetdeviceMany([dev]);
}

/**
 * Linux: unregister_netdevice_many(). As in Linux, every device of the batch is
 * closed first (dev_close_many: all go down, then each is announced), then each
 * is shut down, told to the notifier chain (sockets bound to it let go; the
 * bridge releases ports), announced with RTM_DELLINK and unlisted.
 */
export function unregisterNetdeviceMany(head: NetDevice[]): void {
  const devs = head.filter((d, i) => d.regState === NETREG_REGISTERED && head.indexOf(d) === i);
  if (devs.length === 0) return;
  const closing = devs.filter((d) => d.flags & IFF_UP);
  for (const d of closing) d.net.kernel.netdevChain.call(NETDEV_GOING_DOWN, d);
  for (const d of closing) {
    d.state &= ~__LINK_STATE_START;
    devDeactivate(d);
    d.netdevOps.ndoStop?.(d);
    d.flags &= ~IFF_UP;
  }
  for (const d of closing) {
    d.net.kernel.rtmsgIfinfo(RTM_NEWLINK, d, IFF_UP | IFF_RUNNING);
    d.net.kernel.netdevChain.call(NETDEV_DOWN, d);
  }
  for (const d of devs) d.regState = NETREG_UNREGISTERING;
  for (const d of devs) {
    const k = d.net.kernel;
    devShutdown(d);
    k.netdevChain.call(NETDEV_UNREGISTER, d);
    k.rtmsgIfinfo(RTM_DELLINK, d, ~0 >>> 0);
    d.netdevOps.ndoUninit?.(d);
    unlistNetdevice(d);
    d.state &= ~__LINK_STATE_PRESENT;
    d.regState = NETREG_UNREGISTERED;
  }
}

/**
 * Linux: default_device_exit_net() + default_device_exit_batch(): when a
 * namespace dies, devices without a link kind that may move (physical ones)
 * go back to the initial namespace as "devN"; every other device is deleted
 * through its kind's dellink (a veth takes its peer with it), last registered first.
 */
export function defaultDeviceExit(net: Net): void {
  const initNet = net.kernel.initNet;
  if (net !== initNet) {
    for (const dev of [...net.devices]) {
      if (dev.netnsLocal || dev.rtnlLinkOps) continue;
      let name = `dev${dev.ifindex}`;
      if (initNet.devGetByName(name)) name = 'dev%d';
      const alloc = devGetValidName(initNet, name);
      if (typeof alloc === 'string') devChangeNetNamespace(dev, initNet, alloc);
    }
  }
  const head: NetDevice[] = [];
  for (let i = net.devices.length - 1; i >= 0; i--) {
    const dev = net.devices[i]!;
    if (dev.rtnlLinkOps?.dellink) dev.rtnlLinkOps.dellink(dev, head);
    else head.push(dev);
  }
  unregisterNetdeviceMany(head);
}

/* ------------------------------------------------------------------ */
/* Open, close, flags                                                  */

/** Linux: __dev_open(). */
function devOpenInner(dev: NetDevice): number {
  if (!(dev.state & __LINK_STATE_PRESENT)) return -ENODEV;
  const k = dev.net.kernel;
  let ret = notifierToErrno(k.netdevChain.call(NETDEV_PRE_UP, dev));
  if (ret) return ret;
  dev.state |= __LINK_STATE_START;
  if (dev.netdevOps.ndoValidateAddr) ret = dev.netdevOps.ndoValidateAddr(dev);
  if (!ret && dev.netdevOps.ndoOpen) ret = dev.netdevOps.ndoOpen(dev);
  if (ret) {
    dev.state &= ~__LINK_STATE_START;
    return ret;
  }
  dev.flags |= IFF_UP;
  devSetRxMode(dev);
  devActivate(dev);
  return 0;
}

/** Linux: dev_open(). */
export function devOpen(dev: NetDevice): number {
  if (dev.flags & IFF_UP) return 0;
  const ret = devOpenInner(dev);
  if (ret < 0) return ret;
  dev.net.kernel.rtmsgIfinfo(RTM_NEWLINK, dev, IFF_UP | IFF_RUNNING);
  dev.net.kernel.netdevChain.call(NETDEV_UP, dev);
  return ret;
}

/** Linux: __dev_close_many() for one device. */
function devCloseInner(dev: NetDevice): void {
  const k = dev.net.kernel;
  k.netdevChain.call(NETDEV_GOING_DOWN, dev);
  dev.state &= ~__LINK_STATE_START;
  devDeactivate(dev);
  dev.netdevOps.ndoStop?.(dev);
  dev.flags &= ~IFF_UP;
}

/** Linux: dev_close(). */
export function devClose(dev: NetDevice): void {
  if (!(dev.flags & IFF_UP)) return;
  devCloseInner(dev);
  dev.net.kernel.rtmsgIfinfo(RTM_NEWLINK, dev, IFF_UP | IFF_RUNNING);
  dev.net.kernel.netdevChain.call(NETDEV_DOWN, dev);
}

/** Linux: dev_get_flags(): the flags userspace sees. */
export function devGetFlags(dev: NetDevice): number {
  let flags = (dev.flags & ~(IFF_PROMISC | IFF_ALLMULTI | IFF_RUNNING | IFF_LOWER_UP | IFF_DORMANT)) |
    (dev.gflags & (IFF_PROMISC | IFF_ALLMULTI));
  if (netifRunning(dev)) {
    if (netifOperUp(dev)) flags |= IFF_RUNNING;
    if (netifCarrierOk(dev)) flags |= IFF_LOWER_UP;
    if (netifDormant(dev)) flags |= IFF_DORMANT;
  }
  return flags >>> 0;
}

/** Linux: __dev_change_flags() + __dev_notify_flags(). Returns 0 or -errno. */
export function devChangeFlags(dev: NetDevice, flags: number): number {
  const oldFlags = dev.flags;
  const oldGflags = dev.gflags;
  dev.flags = (flags & (IFF_DEBUG | IFF_NOTRAILERS | IFF_NOARP | IFF_DYNAMIC | IFF_MULTICAST | IFF_PORTSEL | IFF_AUTOMEDIA)) |
    (dev.flags & (IFF_UP | IFF_VOLATILE | IFF_PROMISC | IFF_ALLMULTI | IFF_MASTER | IFF_SLAVE));
  // Flags that the change may cause the driver to act on (Linux: dev_change_rx_flags).
  if ((oldFlags ^ flags) & IFF_MULTICAST) dev.netdevOps.ndoChangeRxFlags?.(dev, IFF_MULTICAST);
  devSetRxMode(dev);
  let ret = 0;
  if ((oldFlags ^ flags) & IFF_UP) {
    if (oldFlags & IFF_UP) devCloseInner(dev);
    else ret = devOpenInner(dev);
  }
  if ((flags ^ dev.gflags) & IFF_PROMISC) {
    const inc = flags & IFF_PROMISC ? 1 : -1;
    dev.gflags ^= IFF_PROMISC;
    devSetPromiscuityInner(dev, inc, false);
  }
  if ((flags ^ dev.gflags) & IFF_ALLMULTI) {
    const inc = flags & IFF_ALLMULTI ? 1 : -1;
    dev.gflags ^= IFF_ALLMULTI;
    devSetAllmultiInner(dev, inc, false);
  }
  const changes = (oldFlags ^ dev.flags) | ((oldGflags ^ dev.gflags) & (IFF_PROMISC | IFF_ALLMULTI));
  devNotifyFlags(dev, oldFlags, changes);
  return ret;
}

/** Linux: __dev_notify_flags(). */
function devNotifyFlags(dev: NetDevice, oldFlags: number, gchanges: number): void {
  const changes = dev.flags ^ oldFlags;
  const k = dev.net.kernel;
  if (gchanges) k.rtmsgIfinfo(RTM_NEWLINK, dev, gchanges);
  if (changes & IFF_UP) {
    k.netdevChain.call(dev.flags & IFF_UP ? NETDEV_UP : NETDEV_DOWN, dev);
  }
  if (dev.flags & IFF_UP && changes & ~(IFF_UP | IFF_PROMISC | IFF_ALLMULTI | IFF_VOLATILE)) {
    k.netdevChain.call(NETDEV_CHANGE, dev, { change: changes });
  }
}

/**
 * Linux: __dev_set_promiscuity(): a counter; IFF_PROMISC follows "counter > 0";
 * the driver hears about a flip through ndo_change_rx_flags and rx mode.
 */
function devSetPromiscuityInner(dev: NetDevice, inc: number, notify: boolean): number {
  const oldFlags = dev.flags;
  const promiscuity = dev.promiscuity + inc;
  // Linux refuses to wrap the counter and warns.
  if (promiscuity < 0) return -EOVERFLOW;
  dev.promiscuity = promiscuity;
  if (promiscuity === 0) dev.flags &= ~IFF_PROMISC;
  else dev.flags |= IFF_PROMISC;
  if (dev.flags !== oldFlags) {
    dev.netdevOps.ndoChangeRxFlags?.(dev, IFF_PROMISC);
    devSetRxMode(dev);
    if (notify) devNotifyFlags(dev, oldFlags, 0);
  }
  return 0;
}

/** Linux: dev_set_promiscuity(). Packet sockets and bridges call this. */
export function devSetPromiscuity(dev: NetDevice, inc: number): number {
  return devSetPromiscuityInner(dev, inc, true);
}

function devSetAllmultiInner(dev: NetDevice, inc: number, notify: boolean): number {
  const oldFlags = dev.flags;
  const allmulti = dev.allmulti + inc;
  if (allmulti < 0) return -EOVERFLOW;
  dev.allmulti = allmulti;
  if (allmulti === 0) dev.flags &= ~IFF_ALLMULTI;
  else dev.flags |= IFF_ALLMULTI;
  if (dev.flags !== oldFlags) {
    dev.netdevOps.ndoChangeRxFlags?.(dev, IFF_ALLMULTI);
    devSetRxMode(dev);
    if (notify) devNotifyFlags(dev, oldFlags, 0);
  }
  return 0;
}

/** Linux: dev_set_allmulti(). */
export function devSetAllmulti(dev: NetDevice, inc: number): number {
  return devSetAllmultiInner(dev, inc, true);
}

/** Linux: dev_set_mtu_ext(). */
export function devSetMtu(dev: NetDevice, newMtu: number, extack: { msg?: string } = {}): number {
  if (newMtu === dev.mtu) return 0;
  if (newMtu < 0 || newMtu < dev.minMtu) {
    extack.msg = `mtu less than device minimum`;
    return -EINVAL;
  }
  if (dev.maxMtu > 0 && newMtu > dev.maxMtu) {
    extack.msg = `mtu greater than device maximum`;
    return -EINVAL;
  }
  if (!(dev.state & __LINK_STATE_PRESENT)) return -ENODEV;
  const k = dev.net.kernel;
  let err = notifierToErrno(k.netdevChain.call(NETDEV_PRECHANGEMTU, dev));
  if (err) return err;
  const oldMtu = dev.mtu;
  if (dev.netdevOps.ndoChangeMtu) err = dev.netdevOps.ndoChangeMtu(dev, newMtu);
  else dev.mtu = newMtu;
  if (err) return err;
  err = notifierToErrno(k.netdevChain.call(NETDEV_CHANGEMTU, dev, { change: oldMtu }));
  if (err) {
    dev.mtu = oldMtu;
    return err;
  }
  k.rtmsgIfinfo(RTM_NEWLINK, dev, 0);
  return 0;
}

/** Linux: dev_set_mac_address(). */
export function devSetMacAddress(dev: NetDevice, addr: Uint8Array, extack: { msg?: string } = {}): number {
  if (!dev.netdevOps.ndoSetMacAddress) return -EOPNOTSUPP;
  if (addr.length !== dev.addrLen) return -EINVAL;
  if (!(dev.state & __LINK_STATE_PRESENT)) return -ENODEV;
  if (netifRunning(dev) && !(dev.privFlags & IFF_LIVE_ADDR_CHANGE)) return -EBUSY;
  const k = dev.net.kernel;
  let err = notifierToErrno(k.netdevChain.call(NETDEV_PRE_CHANGEADDR, dev));
  if (err) return err;
  err = dev.netdevOps.ndoSetMacAddress(dev, addr);
  if (err) {
    if (err === -EADDRNOTAVAIL) extack.msg = 'Invalid address';
    return err;
  }
  dev.addrAssignType = NET_ADDR_SET;
  k.netdevChain.call(NETDEV_CHANGEADDR, dev);
  k.rtmsgIfinfo(RTM_NEWLINK, dev, 0);
  return 0;
}

/**
 * Linux: netif_change_name(). Linux up to 6.8 refused to rename a device that is
 * up (-EBUSY unless IFF_LIVE_RENAME_OK); current kernels rename live devices, and
 * so does tuxnet (the fidelity host runs such a kernel).
 */
export function devChangeName(dev: NetDevice, newName: string): number {
  if (dev.name === newName) return 0;
  const name = devGetValidName(dev.net, newName);
  if (typeof name === 'number') return name;
  dev.net.devByName.delete(dev.name);
  dev.name = name;
  dev.net.devByName.set(name, dev);
  dev.net.kernel.netdevChain.call(NETDEV_CHANGENAME, dev);
  dev.net.kernel.rtmsgIfinfo(RTM_NEWLINK, dev, 0);
  return 0;
}

/** Linux: dev_change_tx_queue_len(). */
export function devChangeTxQueueLen(dev: NetDevice, len: number): number {
  if (len < 0 || len > 0xffffffff) return -ERANGE;
  if (len === dev.txQueueLen) return 0;
  const old = dev.txQueueLen;
  dev.txQueueLen = len;
  const err = notifierToErrno(dev.net.kernel.netdevChain.call(NETDEV_CHANGE_TX_QUEUE_LEN, dev));
  if (err) {
    dev.txQueueLen = old;
    return err;
  }
  if (dev.qdiscSleeping) dev.qdiscSleeping.limit = len;
  dev.net.kernel.rtmsgIfinfo(RTM_NEWLINK, dev, 0);
  return 0;
}

/** Linux: netdev_rx_handler_register(): one handler per device (bridge, bond ...). */
export function netdevRxHandlerRegister(dev: NetDevice, handler: RxHandler, data: unknown): number {
  if (dev.rxHandler) return -EBUSY;
  dev.rxHandler = handler;
  dev.rxHandlerData = data;
  return 0;
}

/** Linux: netdev_rx_handler_unregister(). */
export function netdevRxHandlerUnregister(dev: NetDevice): void {
  dev.rxHandler = null;
  dev.rxHandlerData = null;
}

/** Linux: netdev_upper_dev_link() / unlink, reduced to master links. */
export function netdevMasterUpperDevLink(dev: NetDevice, upper: NetDevice): number {
  if (dev.master) return -EBUSY;
  if (dev === upper) return -EBUSY;
  dev.master = upper;
  dev.net.kernel.netdevChain.call(NETDEV_CHANGEUPPER, dev, { upper, linking: true });
  return 0;
}
export function netdevUpperDevUnlink(dev: NetDevice, upper: NetDevice): void {
  if (dev.master !== upper) return;
  dev.master = null;
  dev.net.kernel.netdevChain.call(NETDEV_CHANGEUPPER, dev, { upper, linking: false });
}

/**
 * Linux: __dev_change_net_namespace(). The device keeps its ifindex when it is
 * free in the target namespace (Linux does the same), else gets a new one.
 */
export function devChangeNetNamespace(dev: NetDevice, target: Net, newName?: string, extack: { msg?: string } = {}): number {
  if (dev.regState !== NETREG_REGISTERED) return -EINVAL;
  // Current Linux checks "nothing to do" first: `ip link set lo netns <its own>` succeeds.
  if (target === dev.net) return 0;
  if (dev.netnsLocal) {
    extack.msg = 'The interface netns is immutable';
    return -EINVAL;
  }
  const name = newName ?? dev.name;
  if (target.devGetByName(name)) return -EEXIST;
  if (!devValidName(name) || name.length >= IFNAMSIZ) return -EINVAL;
  const k = dev.net.kernel;
  if (dev.flags & IFF_UP) devClose(dev);
  k.netdevChain.call(NETDEV_UNREGISTER, dev);
  k.rtmsgIfinfo(RTM_DELLINK, dev, ~0 >>> 0);
  unlistNetdevice(dev);
  dev.net = target;
  dev.name = name;
  if (target.devByIndex.has(dev.ifindex)) dev.ifindex = devNewIndex(target, 0);
  listNetdevice(dev);
  k.netdevChain.call(NETDEV_REGISTER, dev);
  k.rtmsgIfinfo(RTM_NEWLINK, dev, ~0 >>> 0);
  rfc2863Policy(dev);
  return 0;
}

/* ------------------------------------------------------------------ */
/* Receive                                                             */

/** Linux: netif_rx(): queue to the backlog from a non-NAPI driver. */
export function netifRx(skb: SkBuff): number {
  const k = skb.dev!.net.kernel;
  skb.tstamp = k.clock.now();
  if (k.trace.netifRx.enabled) for (const p of k.trace.netifRx.probes) p(skb);
  return enqueueToBacklog(k, skb);
}

/** Linux: deliver_skb(): hand a shared reference to one handler. */
function deliverSkb(skb: SkBuff, pt: PacketType, origDev: NetDevice): number {
  skb.users++;
  return pt.func(skb, skb.dev!, pt, origDev);
}

/** Linux: netif_receive_skb(): deliver now (from a NAPI poll or the backlog). */
export function netifReceiveSkb(skb: SkBuff): number {
  const dev = skb.dev!;
  const k = dev.net.kernel;
  if (skb.tstamp === 0) skb.tstamp = k.clock.now();
  if (k.trace.netifReceiveSkb.enabled) for (const p of k.trace.netifReceiveSkb.probes) p(skb);
  return netifReceiveSkbCore(skb);
}

/** Linux: __netif_receive_skb_core(). */
function netifReceiveSkbCore(skb: SkBuff): number {
  const origDev = skb.dev!;
  const k = origDev.net.kernel;
  k.softnet.processed++;
  skbResetNetworkHeader(skb);
  skbResetTransportHeader(skb);
  if (skb.macHeader >= 0) skbResetMacLen(skb);
  let ptPrev: PacketType | null = null;
  let deliverExact = false;
  let ret = 1; // NET_RX_DROP
  for (;;) {
    const dev = skb.dev!;
    skb.skbIif = dev.ifindex;
    // Taps: every device in the namespace, then this device's own.
    for (const pt of dev.net.ptypeAll) {
      if (ptPrev) ret = deliverSkb(skb, ptPrev, origDev);
      ptPrev = pt;
    }
    for (const pt of dev.ptypeAll) {
      if (ptPrev) ret = deliverSkb(skb, ptPrev, origDev);
      ptPrev = pt;
    }
    const rxHandler = dev.rxHandler;
    if (rxHandler) {
      if (ptPrev) {
        ret = deliverSkb(skb, ptPrev, origDev);
        ptPrev = null;
      }
      const r = rxHandler(skb);
      if (r === RX_HANDLER_CONSUMED) return 0;
      if (r === RX_HANDLER_ANOTHER) continue;
      if (r === RX_HANDLER_EXACT) deliverExact = true;
    }
    break;
  }
  const dev = skb.dev!;
  const type = skb.protocol;
  if (!deliverExact) {
    const list = k.ptypeBase.get(type);
    if (list) {
      for (const pt of list) {
        if (ptPrev) ret = deliverSkb(skb, ptPrev, origDev);
        ptPrev = pt;
      }
    }
  }
  for (const pt of origDev.ptypeSpecific) {
    if (pt.type === type) {
      if (ptPrev) ret = deliverSkb(skb, ptPrev, origDev);
      ptPrev = pt;
    }
  }
  if (dev !== origDev) {
    for (const pt of dev.ptypeSpecific) {
      if (pt.type === type) {
        if (ptPrev) ret = deliverSkb(skb, ptPrev, origDev);
        ptPrev = pt;
      }
    }
  }
  if (ptPrev) {
    // The last handler gets our reference (Linux's pt_prev trick).
    return ptPrev.func(skb, skb.dev!, ptPrev, origDev);
  }
  // Nobody wanted it (Linux: rx_dropped, or rx_nohandler for exact delivery).
  if (deliverExact) dev.coreStats.rxNohandler++;
  else dev.coreStats.rxDropped++;
  kfreeSkbReason(skb, SKB_DROP_REASON_UNHANDLED_PROTO);
  return ret;
}

/* ------------------------------------------------------------------ */
/* Transmit                                                            */

/** Linux: netdev_pick_tx(). */
export function netdevPickTx(dev: NetDevice, skb: SkBuff): number {
  if (dev.realNumTxQueues === 1) return 0;
  if (dev.netdevOps.ndoSelectQueue) return dev.netdevOps.ndoSelectQueue(dev, skb) % dev.realNumTxQueues;
  return (skb.queueMapping || skb.hash) % dev.realNumTxQueues;
}

/**
 * Linux: dev_queue_xmit_nit(): give every tap a copy of an outgoing frame,
 * marked PACKET_OUTGOING. One clone serves all taps (shared by reference).
 */
export function devQueueXmitNit(skb: SkBuff, dev: NetDevice): void {
  let skb2: SkBuff | null = null;
  let ptPrev: PacketType | null = null;
  const lists = [dev.net.ptypeAll, dev.ptypeAll];
  for (const list of lists) {
    for (const pt of list) {
      if (pt.ignoreOutgoing) continue;
      // Linux: skb_loop_sk(): a packet socket does not see the frames it sent itself.
      if (pt.afPacketPriv !== null && pt.afPacketPriv === skb.sk) continue;
      if (ptPrev) {
        deliverSkb(skb2!, ptPrev, skb2!.dev!);
        ptPrev = pt;
        continue;
      }
      skb2 = skbClone(skb);
      skb2.tstamp = dev.net.kernel.clock.now();
      skbResetMacHeader(skb2);
      if (skb2.networkHeader < skb2.data || skb2.networkHeader > skb2.tail) skbResetNetworkHeader(skb2);
      skb2.transportHeader = skb2.networkHeader;
      skb2.pktType = PACKET_OUTGOING;
      ptPrev = pt;
    }
  }
  if (ptPrev) ptPrev.func(skb2!, skb2!.dev!, ptPrev, skb2!.dev!);
}

/**
 * Linux: dev_hard_start_xmit() after validate_xmit_skb() (core/gso.ts): the skb, or
 * each software GSO segment, goes out through xmit_one. After segmentation the
 * result is NETDEV_TX_OK (the original is consumed); a segment the driver refuses
 * is dropped (tx_dropped).
 */
export function devHardStartXmit(skb: SkBuff, dev: NetDevice, txq: { transStart: number; txPackets: number; txBytes: number }): number {
  const v = validateXmitSkb(skb, dev);
  if (v === null) return NETDEV_TX_OK;
  if (!Array.isArray(v)) return xmitOne(v, dev, txq);
  for (const seg of v) {
    if (xmitOne(seg, dev, txq) !== NETDEV_TX_OK) {
      dev.coreStats.txDropped++;
      kfreeSkbReason(seg, SKB_DROP_REASON_DEV_READY);
    }
  }
  return NETDEV_TX_OK;
}

/** Linux: xmit_one(): taps, then the driver. */
function xmitOne(skb: SkBuff, dev: NetDevice, txq: { transStart: number; txPackets: number; txBytes: number }): number {
  const k = dev.net.kernel;
  if (dev.net.ptypeAll.length !== 0 || dev.ptypeAll.length !== 0) devQueueXmitNit(skb, dev);
  const len = skb.len;
  if (k.trace.netDevStartXmit.enabled) for (const p of k.trace.netDevStartXmit.probes) p(skb);
  const rc = dev.netdevOps.ndoStartXmit(skb, dev);
  if (k.trace.netDevXmit.enabled) for (const p of k.trace.netDevXmit.probes) p(skb, rc, dev, len);
  if (rc === NETDEV_TX_OK) txq.transStart = k.clock.now();
  return rc;
}

/**
 * Linux: __dev_queue_xmit(). Consumes the skb. Returns NET_XMIT_* or -errno.
 * The caller set skb.dev; headers are in place from skb.data.
 */
export function devQueueXmit(skb: SkBuff): number {
  const dev = skb.dev!;
  const k = dev.net.kernel;
  k.sched.localBhDisable();
  skbResetMacHeader(skb);
  if (k.trace.netDevQueue.enabled) for (const p of k.trace.netDevQueue.probes) p(skb);
  const txq = dev.txQueues[netdevPickTx(dev, skb)]!;
  const q = dev.qdisc;
  let rc: number;
  if (q && q.ops.enqueue) {
    rc = devXmitSkb(skb, q, dev, txq);
  } else if (dev.flags & IFF_UP && q && q.ops.id === 'noqueue') {
    // No queue: the device transmits in our context (Linux: loopback, veth, tunnels).
    if (!txq.stopped) {
      rc = devHardStartXmit(skb, dev, txq);
      if (rc !== NETDEV_TX_OK) {
        // "Virtual device asks to queue packet!": nothing to queue on, drop.
        dev.coreStats.txDropped++;
        kfreeSkbReason(skb, SKB_DROP_REASON_DEV_READY);
        rc = -ENETDOWN;
      }
    } else {
      dev.coreStats.txDropped++;
      kfreeSkbReason(skb, SKB_DROP_REASON_DEV_READY);
      rc = -ENETDOWN;
    }
  } else {
    dev.coreStats.txDropped++;
    kfreeSkbReason(skb, SKB_DROP_REASON_DEV_READY);
    rc = q && q.ops.id === 'noop' ? NET_XMIT_DROP : -ENETDOWN;
  }
  k.sched.localBhEnable();
  return rc;
}

/** Linux: dev_get_stats(): driver counters plus the core's. */
export function devGetStats(dev: NetDevice): RtnlLinkStats64 {
  const s = new RtnlLinkStats64();
  if (dev.netdevOps.ndoGetStats64) dev.netdevOps.ndoGetStats64(dev, s);
  else s.addFrom(dev.stats);
  s.rxDropped += dev.coreStats.rxDropped;
  s.txDropped += dev.coreStats.txDropped;
  s.rxNohandler += dev.coreStats.rxNohandler;
  s.rxOtherhostDropped += dev.coreStats.rxOtherhostDropped;
  return s;
}

/** Length check drivers apply on receive: a frame must hold an Ethernet header and fit the MTU. */
export function devRxLengthOk(dev: NetDevice, len: number): boolean {
  return len >= ETH_HLEN && len <= dev.mtu + dev.hardHeaderLen + 4 /* VLAN */;
}

/** Count and drop a frame of bad length (rx_length_errors). */
export function devRxLengthDrop(dev: NetDevice, skb: SkBuff): void {
  dev.stats.rxLengthErrors++;
  dev.stats.rxErrors++;
  kfreeSkbReason(skb, SKB_DROP_REASON_PKT_TOO_SMALL);
}


