/**
 * Device hardware address lists (Linux: net/core/dev_addr_lists.c): the unicast
 * and multicast filters a driver programs into its hardware in ndo_set_rx_mode.
 * Each address has a reference count: two users adding the same group share one
 * entry, and it leaves the filter when the last one deletes it.
 */
import { type NetDevice, type NetdevHwAddr, IFF_UP, IFF_UNICAST_FLT, netifDevicePresent } from './netdevice.js';
import { EINVAL, ENOENT } from '../socket/errno.js';

function sameAddr(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function hwAddrAdd(list: NetdevHwAddr[], addr: Uint8Array, global: boolean, exclusive: boolean): number {
  for (const ha of list) {
    if (sameAddr(ha.addr, addr)) {
      if (exclusive) return -17; // -EEXIST
      if (global) {
        if (ha.global) return 0;
        ha.global = true;
      }
      ha.refcount++;
      return 0;
    }
  }
  list.push({ addr: addr.slice(), refcount: 1, global, synced: 0 });
  return 0;
}

function hwAddrDel(list: NetdevHwAddr[], addr: Uint8Array, global: boolean): number {
  for (let i = 0; i < list.length; i++) {
    const ha = list[i]!;
    if (!sameAddr(ha.addr, addr)) continue;
    if (global) {
      if (!ha.global) return -ENOENT;
      ha.global = false;
    }
    if (--ha.refcount === 0) list.splice(i, 1);
    return 0;
  }
  return -ENOENT;
}

/**
 * Linux: __dev_set_rx_mode(). A device without a unicast filter that has
 * secondary unicast addresses runs promiscuous (dev->uc_promisc).
 */
export function devSetRxMode(dev: NetDevice): void {
  if (!(dev.flags & IFF_UP) || !netifDevicePresent(dev)) return;
  if (!(dev.privFlags & IFF_UNICAST_FLT)) {
    if (dev.uc.length > 0 && !dev.ucPromisc) {
      dev.ucPromisc = true;
      dev.promiscuity++;
    } else if (dev.uc.length === 0 && dev.ucPromisc) {
      dev.ucPromisc = false;
      dev.promiscuity--;
    }
  }
  dev.netdevOps.ndoSetRxMode?.(dev);
}

/** Linux: dev_uc_add(). */
export function devUcAdd(dev: NetDevice, addr: Uint8Array): number {
  if (addr.length !== dev.addrLen) return -EINVAL;
  const err = hwAddrAdd(dev.uc, addr, false, false);
  if (!err) devSetRxMode(dev);
  return err;
}

/** Linux: dev_uc_del(). */
export function devUcDel(dev: NetDevice, addr: Uint8Array): number {
  const err = hwAddrDel(dev.uc, addr, false);
  if (!err) devSetRxMode(dev);
  return err;
}

/** Linux: dev_mc_add(). */
export function devMcAdd(dev: NetDevice, addr: Uint8Array): number {
  if (addr.length !== dev.addrLen) return -EINVAL;
  const err = hwAddrAdd(dev.mc, addr, false, false);
  if (!err) devSetRxMode(dev);
  return err;
}

/** Linux: dev_mc_add_global(): one global reference regardless of how often it is added. */
export function devMcAddGlobal(dev: NetDevice, addr: Uint8Array): number {
  const err = hwAddrAdd(dev.mc, addr, true, false);
  if (!err) devSetRxMode(dev);
  return err;
}

/** Linux: dev_mc_del(). */
export function devMcDel(dev: NetDevice, addr: Uint8Array): number {
  const err = hwAddrDel(dev.mc, addr, false);
  if (!err) devSetRxMode(dev);
  return err;
}

/** Linux: dev_mc_del_global(). */
export function devMcDelGlobal(dev: NetDevice, addr: Uint8Array): number {
  const err = hwAddrDel(dev.mc, addr, true);
  if (!err) devSetRxMode(dev);
  return err;
}

/** True if the device's multicast filter passes `addr` (hardware filter emulation). */
export function devMcFilterPasses(dev: NetDevice, addr: Uint8Array): boolean {
  for (const ha of dev.mc) if (sameAddr(ha.addr, addr)) return true;
  return false;
}
