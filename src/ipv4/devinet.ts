/**
 * IPv4 addresses on devices (Linux: net/ipv4/devinet.c). Every device gets an
 * InDevice when it registers (inetdev_event); addresses (InIfaddr) live on its
 * ifa_list, primaries first, a second address inside an existing prefix being
 * a secondary (IFA_F_SECONDARY). Adding or removing one sends RTM_NEWADDR /
 * RTM_DELADDR to RTNLGRP_IPV4_IFADDR first and then calls the inetaddr chain
 * with NETDEV_UP / NETDEV_DOWN: the FIB makes its local, broadcast and prefix
 * routes from that, ARP its gratuitous announcements. Deleting a primary takes
 * its secondaries with it unless promote_secondaries is set, then the first
 * one becomes the primary. Lifetimes (valid_lft/preferred_lft) expire on a
 * kernel timer as Linux's check_lifetime work does. Source address selection
 * (inet_select_addr, inet_confirm_addr) and the local-address lookup
 * (__ip_dev_find) live here too; the netlink side is in devinet_netlink.ts,
 * the net.ipv4.conf sysctls in sysctl_net_ipv4.ts.
 */
import type { Kernel, Net } from '../core/net_namespace.js';
import { type NetDevice, IFF_LOOPBACK, IFF_POINTOPOINT, IFF_BROADCAST, IFF_UP, IFNAMSIZ } from '../core/netdevice.js';
import { devChangeFlags, devGetFlags } from '../core/dev.js';
import type { Ifreq } from '../core/dev_ioctl.js';
import { AF_INET, type SockaddrIn } from '../socket/socket.js';
import {
  NotifierChain, NOTIFY_DONE, NETDEV_REGISTER, NETDEV_UNREGISTER, NETDEV_UP, NETDEV_DOWN, NETDEV_CHANGEMTU,
  NETDEV_CHANGENAME, notifierFromErrno,
} from '../core/notifier.js';
import { TimerList } from '../core/timer.js';
import { EEXIST, EINVAL, EFAULT, EPERM, ENODEV, ENOBUFS, EADDRNOTAVAIL } from '../socket/errno.js';
import type { NetlinkExtAck, NlMsg } from '../wire/netlink.js';
import { RTM_NEWADDR, RTM_DELADDR } from '../wire/rtnetlink.js';
import { RT_SCOPE_HOST, RT_SCOPE_LINK } from '../wire/route.js';
import {
  IFA_F_SECONDARY, IFA_F_PERMANENT, IFA_F_DEPRECATED, IFA_F_NODAD, IFA_F_OPTIMISTIC, IFA_F_DADFAILED,
  IFA_F_HOMEADDRESS, IFA_F_TENTATIVE, IFA_F_MANAGETEMPADDR, IFA_F_STABLE_PRIVACY,
} from '../wire/if_addr.js';
import {
  InDevice, InIfaddr, INFINITY_LIFE_TIME, IPV4_DEVCONF_FORWARDING, IPV4_DEVCONF_NOXFRM, IPV4_DEVCONF_NOPOLICY, inDevGet, inetIfaMatch,
  inetMakeMask, inDevPromoteSecondaries, inDevRouteLocalnet,
} from './inetdevice.js';
import { ipv4Net } from './netns_ipv4.js';
import { rtmsgIfa, devinetNetlinkInit } from './devinet_netlink.js';
import {
  capable, SIOCGIFADDR, SIOCSIFADDR, SIOCGIFBRDADDR, SIOCSIFBRDADDR, SIOCGIFDSTADDR, SIOCSIFDSTADDR, SIOCGIFNETMASK,
  SIOCSIFNETMASK, SIOCSIFFLAGS,
} from './af_inet.js';
import { devinetSysctlInit } from './sysctl_net_ipv4.js';

/** Linux: IPV4_MIN_MTU. */
export const IPV4_MIN_MTU = 68;
/** Linux: INADDR_LOOPBACK (host order). */
export const INADDR_LOOPBACK = 0x7f000001;

const HZ = 1e9;
/** Linux: ADDR_CHECK_FREQUENCY (120 s), ADDRCONF_TIMER_FUZZ_MINUS (HZ/50), _FUZZ (HZ/4), _FUZZ_MAX (HZ). */
const ADDR_CHECK_FREQUENCY = 120 * HZ;
const ADDRCONF_TIMER_FUZZ_MINUS = HZ / 50;
const ADDRCONF_TIMER_FUZZ = HZ / 4;
const ADDRCONF_TIMER_FUZZ_MAX = HZ;

/** Flags that only mean something for IPv6 (Linux: IPV6ONLY_FLAGS), cleared on IPv4 addresses. */
const IPV6ONLY_FLAGS = IFA_F_NODAD | IFA_F_OPTIMISTIC | IFA_F_DADFAILED | IFA_F_HOMEADDRESS | IFA_F_TENTATIVE |
  IFA_F_MANAGETEMPADDR | IFA_F_STABLE_PRIVACY;

/** The per-namespace address state (Linux: net->ipv4.inet_addr_lst, addr_chk_work, dev_addr_genid). */
export class DevinetNet {
  /** Local address -> the addresses with that local, newest first (Linux: the inet_addr_lst hash). */
  readonly inetAddrLst = new Map<number, InIfaddr[]>();
  /** Linux: net->ipv4.addr_chk_work (check_lifetime). */
  readonly addrChkTimer: TimerList;
  /** Linux: net->ipv4.dev_addr_genid (dump consistency; the FIB's inetaddr handler bumps it). */
  devAddrGenid = 0;
  constructor(readonly net: Net) {
    this.addrChkTimer = new TimerList(() => checkLifetime(net));
  }
}

function devinetNet(net: Net): DevinetNet {
  return ipv4Net(net).devinet;
}

/** Linux: inetaddr_chain: NETDEV_UP when an address is added, NETDEV_DOWN when it goes. Kernel-wide. */
export function inetaddrChain(k: Kernel): NotifierChain<InIfaddr> {
  let c = k.generic.get('ipv4.inetaddr_chain') as NotifierChain<InIfaddr> | undefined;
  if (!c) {
    c = new NotifierChain<InIfaddr>();
    k.generic.set('ipv4.inetaddr_chain', c);
  }
  return c;
}

/** Linux: register_inetaddr_notifier(). */
export function registerInetaddrNotifier(k: Kernel, fn: (event: number, ifa: InIfaddr) => number): void {
  inetaddrChain(k).register(fn);
}

/** Linux: unregister_inetaddr_notifier(). */
export function unregisterInetaddrNotifier(k: Kernel, fn: (event: number, ifa: InIfaddr) => number): void {
  inetaddrChain(k).unregister(fn);
}

/* ------------------------------------------------------------------ */
/* in_device                                                           */

/** Linux: inetdev_valid_mtu(). */
export function inetdevValidMtu(mtu: number): boolean {
  return mtu >= IPV4_MIN_MTU;
}

/** Linux: inetdev_init(): the device's conf starts as a copy of net.ipv4.conf.default. */
function inetdevInit(dev: NetDevice): InDevice {
  const inDev = new InDevice(dev, ipv4Net(dev.net).devconfDflt.slice());
  dev.ipPtr = inDev;
  return inDev;
}

/** Linux: inetdev_destroy(): delete every address (with notifications), then detach. */
function inetdevDestroy(inDev: InDevice): void {
  inDev.dead = true;
  while (inDev.ifaList.length) inetDelIfa(inDev, inDev.ifaList[0]!, true);
  inDev.dev.ipPtr = null;
}

/** Linux: ipv4_devconf_setall(): every entry now counts as explicitly set. */
export function ipv4DevconfSetall(inDev: InDevice): void {
  inDev.cnfState.fill(1);
}

/** Linux: inetdev_by_index(). */
export function inetdevByIndex(net: Net, ifindex: number): InDevice | null {
  return inDevGet(net.devGetByIndex(ifindex));
}

/* ------------------------------------------------------------------ */
/* The address hash                                                    */

function inetHashInsert(net: Net, ifa: InIfaddr): void {
  const h = devinetNet(net).inetAddrLst;
  const l = h.get(ifa.ifaLocal);
  if (l) l.unshift(ifa);
  else h.set(ifa.ifaLocal, [ifa]);
}

function inetHashRemove(net: Net, ifa: InIfaddr): void {
  const h = devinetNet(net).inetAddrLst;
  const l = h.get(ifa.ifaLocal);
  if (!l) return;
  const i = l.indexOf(ifa);
  if (i >= 0) l.splice(i, 1);
  if (l.length === 0) h.delete(ifa.ifaLocal);
}

/** Linux: inet_lookup_ifaddr_rcu(): an address of the namespace whose local is `addr`. */
export function inetLookupIfaddr(net: Net, addr: number): InIfaddr | null {
  return devinetNet(net).inetAddrLst.get(addr >>> 0)?.[0] ?? null;
}

/**
 * Linux: __ip_dev_find(): the device holding local address `addr`, else the
 * device of a RTN_LOCAL route of the local table (loopback subnets such as
 * 127.0.0.0/8): the FIB frontend installs that lookup as the kernel's
 * 'ipv4.ip_dev_find_fallback' (devinet does not import the FIB).
 */
export function ipDevFind(net: Net, addr: number): NetDevice | null {
  const ifa = inetLookupIfaddr(net, addr);
  if (ifa) return ifa.ifaDev.dev;
  const fb = net.kernel.generic.get('ipv4.ip_dev_find_fallback') as ((n: Net, a: number) => NetDevice | null) | undefined;
  return fb ? fb(net, addr >>> 0) : null;
}

/* ------------------------------------------------------------------ */
/* Adding and deleting addresses                                       */

/** Linux: inet_alloc_ifa(). */
export function inetAllocIfa(inDev: InDevice): InIfaddr {
  return new InIfaddr(inDev);
}

/**
 * Linux: set_ifa_lifetime(): lifetimes in seconds, 0xffffffff = forever
 * (IFA_F_PERMANENT). `fresh` is true for an address not yet on a list (Linux
 * tests ifa_cstamp == 0).
 */
export function setIfaLifetime(ifa: InIfaddr, validLft: number, preferredLft: number, fresh: boolean): void {
  let flags = ifa.ifaFlags & ~(IFA_F_PERMANENT | IFA_F_DEPRECATED);
  if (validLft >>> 0 !== INFINITY_LIFE_TIME) ifa.ifaValidLft = validLft >>> 0;
  else flags |= IFA_F_PERMANENT;
  if (preferredLft >>> 0 !== INFINITY_LIFE_TIME) {
    if (preferredLft === 0) flags |= IFA_F_DEPRECATED;
    ifa.ifaPreferredLft = preferredLft >>> 0;
  }
  ifa.ifaFlags = flags;
  const k = ifa.ifaDev.dev.net.kernel;
  ifa.ifaTstamp = k.clock.now();
  if (fresh) ifa.ifaCstamp = ifa.ifaTstamp;
}

/** Start check_lifetime now (Linux: cancel_delayed_work + queue_delayed_work(..., 0)). */
export function addrChkWorkKick(net: Net): void {
  const dn = devinetNet(net);
  net.kernel.modTimer(dn.addrChkTimer, net.kernel.clock.now());
}

/**
 * Linux: __inet_insert_ifa(). Puts `ifa` on its device's list (a primary after
 * the last primary of the same or wider scope, a secondary at the end), then
 * announces it. Returns 0, -EEXIST (same local in the same prefix) or -EINVAL
 * (same prefix with another scope).
 */
export function inetInsertIfaFull(ifa: InIfaddr, nlh: NlMsg | null, portid: number, extack: NetlinkExtAck | null): number {
  const inDev = ifa.ifaDev;
  const net = inDev.dev.net;
  ifa.ifaFlags &= ~IFA_F_SECONDARY;
  // Don't set IPv6 only flags to IPv4 addresses.
  ifa.ifaFlags &= ~IPV6ONLY_FLAGS;
  let lastPrimary = 0;
  for (let i = 0; i < inDev.ifaList.length; i++) {
    const ifa1 = inDev.ifaList[i]!;
    if (!(ifa1.ifaFlags & IFA_F_SECONDARY) && ifa.ifaScope <= ifa1.ifaScope) lastPrimary = i + 1;
    if (ifa1.ifaMask === ifa.ifaMask && inetIfaMatch(ifa1.ifaAddress, ifa)) {
      if (ifa1.ifaLocal === ifa.ifaLocal) return -EEXIST;
      if (ifa1.ifaScope !== ifa.ifaScope) {
        if (extack) extack.msg = 'ipv4: Invalid scope value';
        return -EINVAL;
      }
      ifa.ifaFlags |= IFA_F_SECONDARY;
    }
  }
  if (ifa.ifaFlags & IFA_F_SECONDARY) inDev.ifaList.push(ifa);
  else inDev.ifaList.splice(lastPrimary, 0, ifa);
  inetHashInsert(net, ifa);
  addrChkWorkKick(net);
  // Send message first, then call notifier: the notifier triggers the FIB update,
  // so netlink listeners know about the address before its routes.
  rtmsgIfa(RTM_NEWADDR, ifa, nlh, portid);
  inetaddrChain(net.kernel).call(NETDEV_UP, ifa);
  return 0;
}

/** Linux: inet_insert_ifa(): an address with local 0 is silently dropped. */
export function inetInsertIfa(ifa: InIfaddr): number {
  if (!ifa.ifaLocal) return 0;
  return inetInsertIfaFull(ifa, null, 0, null);
}

/** Linux: inet_set_ifa(): an address set by ioctl; loopback addresses get host scope. */
export function inetSetIfa(dev: NetDevice, ifa: InIfaddr): number {
  const inDev = inDevGet(dev)!;
  ipv4DevconfSetall(inDev);
  if ((ifa.ifaLocal & 0xff000000) === 0x7f000000) ifa.ifaScope = RT_SCOPE_HOST;
  return inetInsertIfa(ifa);
}

/**
 * Hooks the FIB frontend installs for promotion, where Linux's devinet calls
 * fib_del_ifaddr()/fib_add_ifaddr() directly (the secondaries of a promoted
 * prefix change their preferred source, so their routes are redone silently).
 */
export interface DevinetFibOps {
  fibAddIfaddr(ifa: InIfaddr): void;
  fibDelIfaddr(ifa: InIfaddr, iprim: InIfaddr | null): void;
  /** Linux: fib_modify_prefix_metric(). */
  fibModifyPrefixMetric?(ifa: InIfaddr, newMetric: number): void;
}

/** Install the FIB's promotion hooks (called by the FIB frontend's init). */
export function devinetSetFibOps(k: Kernel, ops: DevinetFibOps): void {
  k.generic.set('ipv4.devinet_fib_ops', ops);
}

/** The FIB's promotion hooks, null before fibInit ran. */
export function devinetFibOps(k: Kernel): DevinetFibOps | null {
  return (k.generic.get('ipv4.devinet_fib_ops') as DevinetFibOps | undefined) ?? null;
}

/**
 * Linux: __inet_del_ifa(). Unlinks `ifa1` and announces it. Deleting a primary
 * deletes the secondaries of its prefix too, unless promote_secondaries is on:
 * then the first of them becomes the primary (moved after the last primary of
 * its scope), announced with RTM_NEWADDR and NETDEV_UP.
 */
export function inetDelIfaFull(inDev: InDevice, ifa1: InIfaddr, destroy: boolean, nlh: NlMsg | null, portid: number): void {
  const net = inDev.dev.net;
  const k = net.kernel;
  const chain = inetaddrChain(k);
  const list = inDev.ifaList;
  let promote: InIfaddr | null = null;
  let lastPrim: InIfaddr | null = null; // null: promote goes to ifa1's place
  let prevProm: InIfaddr | null = null;
  const doPromote = inDevPromoteSecondaries(inDev);
  void destroy; // Linux frees ifa1 when set; the garbage collector does it here.
  if (!inDev.dead && !(ifa1.ifaFlags & IFA_F_SECONDARY)) {
    // 1. Deleting a primary forces deletion of all its secondaries unless alias promotion is set.
    let i = list.indexOf(ifa1) + 1;
    while (i < list.length) {
      const ifa = list[i]!;
      if (!(ifa.ifaFlags & IFA_F_SECONDARY) && ifa1.ifaScope <= ifa.ifaScope) lastPrim = ifa;
      if (!(ifa.ifaFlags & IFA_F_SECONDARY) || ifa1.ifaMask !== ifa.ifaMask || !inetIfaMatch(ifa1.ifaAddress, ifa)) {
        prevProm = ifa;
        i++;
        continue;
      }
      if (!doPromote) {
        inetHashRemove(net, ifa);
        list.splice(i, 1);
        rtmsgIfa(RTM_DELADDR, ifa, nlh, portid);
        chain.call(NETDEV_DOWN, ifa);
      } else {
        promote = ifa;
        break;
      }
    }
    // On promotion all secondaries of the subnet change their primary: remove
    // their routes silently and add them back later with the new prefsrc.
    if (promote) {
      const fops = devinetFibOps(k);
      for (let j = list.indexOf(promote); fops && j < list.length; j++) {
        const ifa = list[j]!;
        if (ifa1.ifaMask === ifa.ifaMask && inetIfaMatch(ifa1.ifaAddress, ifa)) fops.fibDelIfaddr(ifa, ifa1);
      }
    }
  }
  // 2. Unlink it.
  const idx = list.indexOf(ifa1);
  if (idx >= 0) list.splice(idx, 1);
  inetHashRemove(net, ifa1);
  // 3. Announce the deletion: message first, then the notifier (Linux's comment:
  // listeners must see the address go before its routes).
  rtmsgIfa(RTM_DELADDR, ifa1, nlh, portid);
  chain.call(NETDEV_DOWN, ifa1);
  if (promote) {
    const pi = list.indexOf(promote);
    const nextSec = list.slice(pi + 1);
    if (prevProm) {
      list.splice(pi, 1);
      const at = lastPrim ? list.indexOf(lastPrim) + 1 : idx;
      list.splice(at, 0, promote);
    }
    promote.ifaFlags &= ~IFA_F_SECONDARY;
    rtmsgIfa(RTM_NEWADDR, promote, nlh, portid);
    chain.call(NETDEV_UP, promote);
    const fops = devinetFibOps(k);
    for (const ifa of nextSec) {
      if (ifa1.ifaMask !== ifa.ifaMask || !inetIfaMatch(ifa1.ifaAddress, ifa)) continue;
      fops?.fibAddIfaddr(ifa);
    }
  }
}

/** Linux: inet_del_ifa(). */
export function inetDelIfa(inDev: InDevice, ifa: InIfaddr, destroy: boolean): void {
  inetDelIfaFull(inDev, ifa, destroy, null, 0);
}

/* ------------------------------------------------------------------ */
/* Lifetimes                                                           */

/**
 * Linux: check_lifetime(): delete addresses whose valid lifetime is over, mark
 * IFA_F_DEPRECATED those past their preferred lifetime (RTM_NEWADDR), and come
 * back at the next expiry, batched to whole seconds as Linux rounds jiffies.
 * Deviation: Linux runs it every 120 s forever; here the timer stays armed only
 * while some address has a finite lifetime (nothing is observable otherwise).
 */
function checkLifetime(net: Net): void {
  const k = net.kernel;
  const now = k.clock.now();
  let next = Math.ceil((now + ADDR_CHECK_FREQUENCY) / HZ) * HZ;
  let finite = false;
  for (const dev of [...net.devices]) {
    const inDev = inDevGet(dev);
    if (!inDev) continue;
    for (const ifa of [...inDev.ifaList]) {
      if (ifa.ifaFlags & IFA_F_PERMANENT) continue;
      if (!inDev.ifaList.includes(ifa)) continue;
      const age = Math.floor((now - ifa.ifaTstamp + ADDRCONF_TIMER_FUZZ_MINUS) / HZ);
      if (ifa.ifaValidLft !== INFINITY_LIFE_TIME && age >= ifa.ifaValidLft) {
        inetDelIfa(inDev, ifa, true);
        continue;
      }
      finite = true;
      if (ifa.ifaPreferredLft === INFINITY_LIFE_TIME) {
        if (ifa.ifaValidLft !== INFINITY_LIFE_TIME) next = Math.min(next, ifa.ifaTstamp + ifa.ifaValidLft * HZ);
        continue;
      }
      if (age >= ifa.ifaPreferredLft) {
        next = Math.min(next, ifa.ifaTstamp + ifa.ifaValidLft * HZ);
        if (!(ifa.ifaFlags & IFA_F_DEPRECATED)) {
          ifa.ifaFlags |= IFA_F_DEPRECATED;
          rtmsgIfa(RTM_NEWADDR, ifa, null, 0);
        }
      } else {
        next = Math.min(next, ifa.ifaTstamp + ifa.ifaPreferredLft * HZ);
      }
    }
  }
  if (!finite) return;
  // If the rounded timeout is accurate enough, accept it; at least ADDRCONF_TIMER_FUZZ_MAX away.
  const nextSec = Math.ceil(next / HZ) * HZ;
  let nextSched = nextSec < next + ADDRCONF_TIMER_FUZZ ? nextSec : next;
  if (nextSched < now + ADDRCONF_TIMER_FUZZ_MAX) nextSched = now + ADDRCONF_TIMER_FUZZ_MAX;
  k.modTimer(devinetNet(net).addrChkTimer, nextSched);
}

/* ------------------------------------------------------------------ */
/* Lookups and source address selection                                */

/** Linux: inet_ifa_byprefix(): the primary address of exactly this prefix. */
export function inetIfaByPrefix(inDev: InDevice, prefix: number, mask: number): InIfaddr | null {
  for (const ifa of inDev.ifaList) {
    if (ifa.ifaFlags & IFA_F_SECONDARY) continue;
    if (ifa.ifaMask === mask >>> 0 && inetIfaMatch(prefix, ifa)) return ifa;
  }
  return null;
}

/** The address of `inDev` whose local address is `addr` (null when it has none). */
export function inetIfaddrFor(inDev: InDevice, addr: number): InIfaddr | null {
  for (const ifa of inDev.ifaList) if (ifa.ifaLocal === addr >>> 0) return ifa;
  return null;
}

/** Linux: inet_addr_onlink(): is `a` (and `b`, unless 0) inside a prefix of the device? */
export function inetAddrOnlink(inDev: InDevice, a: number, b: number): boolean {
  for (const ifa of inDev.ifaList) {
    if (inetIfaMatch(a, ifa) && (!b || inetIfaMatch(b, ifa))) return true;
  }
  return false;
}

/** Linux: in_dev_select_addr(): the first primary of scope <= `scope` that is not link scope. */
function inDevSelectAddr(inDev: InDevice, scope: number): number {
  for (const ifa of inDev.ifaList) {
    if (ifa.ifaFlags & IFA_F_SECONDARY) continue;
    if (ifa.ifaScope !== RT_SCOPE_LINK && ifa.ifaScope <= scope) return ifa.ifaLocal;
  }
  return 0;
}

/**
 * Linux: inet_select_addr(): a source address on `dev` for talking to `dst`
 * within `scope`: a primary of the device in dst's prefix, else its first
 * primary of fitting scope, else the first fitting address of any device (lo
 * first, as it is first in the device list). 0 when there is none.
 */
export function inetSelectAddr(dev: NetDevice, dst: number, scope: number): number {
  let addr = 0;
  const inDev = inDevGet(dev);
  if (inDev) {
    const localnetScope = inDevRouteLocalnet(inDev) ? RT_SCOPE_LINK : RT_SCOPE_HOST;
    for (const ifa of inDev.ifaList) {
      if (ifa.ifaFlags & IFA_F_SECONDARY) continue;
      if (Math.min(ifa.ifaScope, localnetScope) > scope) continue;
      if (!dst || inetIfaMatch(dst, ifa)) return ifa.ifaLocal;
      if (!addr) addr = ifa.ifaLocal;
    }
    if (addr) return addr;
  }
  // Not loopback addresses on loopback should be preferred in this case (lo is
  // the first device of the namespace). No VRF (l3mdev) in tuxnet.
  for (const d of dev.net.devices) {
    const id = inDevGet(d);
    if (!id) continue;
    addr = inDevSelectAddr(id, scope);
    if (addr) return addr;
  }
  return 0;
}

/** Linux: confirm_addr_indev(). */
function confirmAddrIndev(inDev: InDevice, dst: number, local: number, scope: number): number {
  const localnetScope = inDevRouteLocalnet(inDev) ? RT_SCOPE_LINK : RT_SCOPE_HOST;
  let addr = 0;
  let same = false;
  for (const ifa of inDev.ifaList) {
    const minScope = Math.min(ifa.ifaScope, localnetScope);
    if (!addr && (local === ifa.ifaLocal || !local) && minScope <= scope) {
      addr = ifa.ifaLocal;
      if (same) break;
    }
    if (!same) {
      same = (!local || inetIfaMatch(local, ifa)) && (!dst || inetIfaMatch(dst, ifa));
      if (same && addr) {
        if (local || !dst) break;
        // Is the selected addr in the dst subnet?
        if (inetIfaMatch(addr, ifa)) break;
        // No, then can we use the new local src?
        if (minScope <= scope) {
          addr = ifa.ifaLocal;
          break;
        }
        // Search for a larger dst subnet for addr.
        same = false;
      }
    }
  }
  return same ? addr : 0;
}

/**
 * Linux: inet_confirm_addr(): confirm that a local address exists, with
 * wildcards: `inDev` null = any device, `dst` 0 = any subnet, `local` 0 =
 * select one; `scope` is the widest scope allowed. Returns the address or 0.
 */
export function inetConfirmAddr(net: Net, inDev: InDevice | null, dst: number, local: number, scope: number): number {
  dst >>>= 0;
  local >>>= 0;
  if (inDev) return confirmAddrIndev(inDev, dst, local, scope);
  for (const dev of net.devices) {
    const id = inDevGet(dev);
    if (!id) continue;
    const addr = confirmAddrIndev(id, dst, local, scope);
    if (addr) return addr;
  }
  return 0;
}

/* ------------------------------------------------------------------ */
/* ioctl                                                               */

/** struct ifreq with its address member (ifr_addr / ifr_netmask / ifr_broadaddr / ifr_dstaddr share it). */
export interface IfreqIn extends Ifreq {
  addr?: SockaddrIn;
}

/** Linux: inet_abc_len(): the classful prefix length of an address, -1 for class D. */
function inetAbcLen(addr: number): number {
  addr >>>= 0;
  if ((addr & 0xff000000) === 0 || addr === 0xffffffff) return 0;
  if ((addr & 0x80000000) === 0) return 8;
  if ((addr & 0xc0000000) >>> 0 === 0x80000000) return 16;
  if ((addr & 0xe0000000) >>> 0 === 0xc0000000) return 24;
  if ((addr & 0xf0000000) >>> 0 === 0xf0000000) return 32;
  return -1;
}

/** Linux: bad_mask(): the mask must be contiguous ones and `addr` have no host bits. */
function badMask(mask: number, addr: number): boolean {
  const inv = ~mask >>> 0;
  if ((addr & inv) >>> 0) return true;
  return ((inv & (inv + 1)) >>> 0) !== 0;
}

/** Linux: inet_mask_len(). */
function inetMaskLen(mask: number): number {
  const hmask = mask >>> 0;
  return hmask === 0 ? 0 : 32 - Math.log2(((~hmask >>> 0) + 1));
}

/**
 * Linux: devinet_ioctl(): SIOCGIFADDR/BRDADDR/DSTADDR/NETMASK read the address
 * whose label is ifr_name (and, with an AF_INET ifr_addr, whose local matches:
 * BSD aliases); SIOCSIFADDR sets or replaces it with the classful mask, the
 * S* ones change broadcast, peer and mask (delete and re-insert, as Linux);
 * SIOCSIFFLAGS on "dev:label" without IFF_UP deletes that alias. Returns the
 * ifreq (with `addr` filled for the G* ones) or -errno.
 */
export function devinetIoctl(net: Net, cmd: number, arg: unknown): IfreqIn | number {
  const ifr = (arg ?? {}) as IfreqIn;
  if (typeof ifr !== 'object') return -EFAULT;
  const name = String(ifr.name ?? '').slice(0, IFNAMSIZ - 1);
  const sinOrig = ifr.addr;
  const colon = name.indexOf(':');
  let tryaddrmatch = false;
  switch (cmd) {
    case SIOCGIFADDR: case SIOCGIFBRDADDR: case SIOCGIFDSTADDR: case SIOCGIFNETMASK:
      tryaddrmatch = sinOrig?.family === AF_INET;
      break;
    case SIOCSIFFLAGS:
      if (!capable(net.kernel)) return -EPERM;
      break;
    case SIOCSIFADDR: case SIOCSIFBRDADDR: case SIOCSIFDSTADDR: case SIOCSIFNETMASK:
      if (!capable(net.kernel)) return -EPERM;
      if (sinOrig?.family !== AF_INET) return -EINVAL;
      break;
    default:
      return -EINVAL;
  }
  const dev = net.devGetByName(colon >= 0 ? name.slice(0, colon) : name);
  if (!dev) return -ENODEV;
  const inDev = inDevGet(dev);
  let ifa: InIfaddr | null = null;
  if (inDev) {
    if (tryaddrmatch) ifa = inDev.ifaList.find((i) => i.ifaLabel === name && i.ifaLocal === sinOrig!.addr >>> 0) ?? null;
    // No match: maybe a 4.3BSD-style caller that passed junk; compare just the label.
    if (!ifa) ifa = inDev.ifaList.find((i) => i.ifaLabel === name) ?? null;
  }
  if (!ifa && cmd !== SIOCSIFADDR && cmd !== SIOCSIFFLAGS) return -EADDRNOTAVAIL;
  const reply = (a: number): IfreqIn => ({ ...ifr, addr: { family: AF_INET, port: 0, addr: a >>> 0 } });
  const sin = (sinOrig?.addr ?? 0) >>> 0;
  switch (cmd) {
    case SIOCGIFADDR: return reply(ifa!.ifaLocal);
    case SIOCGIFBRDADDR: return reply(ifa!.ifaBroadcast);
    case SIOCGIFDSTADDR: return reply(ifa!.ifaAddress);
    case SIOCGIFNETMASK: return reply(ifa!.ifaMask);
    case SIOCSIFFLAGS: {
      if (colon >= 0) {
        if (!ifa) return -EADDRNOTAVAIL;
        if (!(Number(ifr.flags) & IFF_UP)) inetDelIfa(inDev!, ifa, true);
        return { ...ifr };
      }
      const err = devChangeFlags(dev, ((Number(ifr.flags) & 0xffff) | (devGetFlags(dev) & ~0xffff)) >>> 0);
      return err < 0 ? err : { ...ifr };
    }
    case SIOCSIFADDR: {
      if (inetAbcLen(sin) < 0) return -EINVAL;
      let fresh = false;
      if (!ifa) {
        if (!inDev) return -ENOBUFS;
        ifa = inetAllocIfa(inDev);
        ifa.ifaLabel = colon >= 0 ? name : dev.name;
        fresh = true;
      } else {
        if (ifa.ifaLocal === sin) return { ...ifr };
        inetDelIfa(inDev!, ifa, false);
        ifa.ifaBroadcast = 0;
        ifa.ifaScope = 0;
      }
      ifa.ifaAddress = ifa.ifaLocal = sin;
      if (!(dev.flags & IFF_POINTOPOINT)) {
        ifa.ifaPrefixlen = inetAbcLen(sin);
        ifa.ifaMask = inetMakeMask(ifa.ifaPrefixlen);
        if (dev.flags & IFF_BROADCAST && ifa.ifaPrefixlen < 31) ifa.ifaBroadcast = (sin | ~ifa.ifaMask) >>> 0;
      } else {
        ifa.ifaPrefixlen = 32;
        ifa.ifaMask = inetMakeMask(32);
      }
      setIfaLifetime(ifa, INFINITY_LIFE_TIME, INFINITY_LIFE_TIME, fresh);
      const err = inetSetIfa(dev, ifa);
      return err < 0 ? err : { ...ifr };
    }
    case SIOCSIFBRDADDR:
      if (ifa!.ifaBroadcast !== sin) {
        inetDelIfa(inDev!, ifa!, false);
        ifa!.ifaBroadcast = sin;
        inetInsertIfa(ifa!);
      }
      return { ...ifr };
    case SIOCSIFDSTADDR:
      if (ifa!.ifaAddress === sin) return { ...ifr };
      if (inetAbcLen(sin) < 0) return -EINVAL;
      inetDelIfa(inDev!, ifa!, false);
      ifa!.ifaAddress = sin;
      inetInsertIfa(ifa!);
      return { ...ifr };
    case SIOCSIFNETMASK: {
      // The mask we set must be legal.
      if (badMask(sin, 0)) return -EINVAL;
      const f = ifa!;
      if (f.ifaMask !== sin) {
        const oldMask = f.ifaMask;
        inetDelIfa(inDev!, f, false);
        f.ifaMask = sin;
        f.ifaPrefixlen = inetMaskLen(sin);
        // A broadcast that matched the old mask follows the new one; a "funny" one is left alone.
        if (dev.flags & IFF_BROADCAST && f.ifaPrefixlen < 31 && f.ifaBroadcast === ((f.ifaLocal | ~oldMask) >>> 0)) {
          f.ifaBroadcast = (f.ifaLocal | ~sin) >>> 0;
        }
        inetInsertIfa(f);
      }
      return { ...ifr };
    }
    default:
      return -EINVAL;
  }
}

/* ------------------------------------------------------------------ */
/* Device events                                                       */

/**
 * Linux: inetdev_changename(): labels follow the device name; aliases keep
 * their ":N" suffix, others after the first get ":<position>" (a RTM_NEWADDR each).
 */
function inetdevChangename(dev: NetDevice, inDev: InDevice): void {
  let named = 0;
  for (const ifa of inDev.ifaList) {
    const old = ifa.ifaLabel;
    ifa.ifaLabel = dev.name;
    if (named++ !== 0) {
      const c = old.indexOf(':');
      const dot = c >= 0 ? old.slice(c) : `:${named}`;
      if (dot.length + dev.name.length < IFNAMSIZ) ifa.ifaLabel = dev.name + dot;
      else ifa.ifaLabel = dev.name.slice(0, IFNAMSIZ - dot.length - 1) + dot;
    }
    rtmsgIfa(RTM_NEWADDR, ifa, null, 0);
  }
}

/** Linux: inetdev_event() (ARP's gratuitous announcements on UP are arp.ts's, multicast is not modelled). */
function inetdevEvent(event: number, dev: NetDevice): number {
  let inDev = inDevGet(dev);
  if (!inDev) {
    if (event === NETDEV_REGISTER) {
      if (!dev.net.ipv4) return NOTIFY_DONE;
      // Linux: devinet_sysctl_register() refuses sysctl_dev_name_is_allowed() names, so
      // inetdev_init() and the registration fail. (A rename to them is refused by IPv6's
      // addrconf in Linux; tuxnet has no IPv6 and renames such a device.)
      if (dev.name === 'all' || dev.name === 'default') return notifierFromErrno(-EINVAL);
      inDev = inetdevInit(dev);
      if (dev.flags & IFF_LOOPBACK) {
        inDev.cnf[IPV4_DEVCONF_NOXFRM] = 1;
        inDev.cnf[IPV4_DEVCONF_NOPOLICY] = 1;
        inDev.cnfState[IPV4_DEVCONF_NOXFRM] = 1;
        inDev.cnfState[IPV4_DEVCONF_NOPOLICY] = 1;
      }
    } else if (event === NETDEV_CHANGEMTU) {
      // Re-enabling IP.
      if (inetdevValidMtu(dev.mtu) && dev.net.ipv4) inetdevInit(dev);
    }
    return NOTIFY_DONE;
  }
  switch (event) {
    case NETDEV_UP:
      if (!inetdevValidMtu(dev.mtu)) break;
      if (dev.flags & IFF_LOOPBACK) {
        const ifa = inetAllocIfa(inDev);
        ifa.ifaLocal = ifa.ifaAddress = INADDR_LOOPBACK;
        ifa.ifaPrefixlen = 8;
        ifa.ifaMask = inetMakeMask(8);
        ifa.ifaScope = RT_SCOPE_HOST;
        ifa.ifaLabel = dev.name;
        setIfaLifetime(ifa, INFINITY_LIFE_TIME, INFINITY_LIFE_TIME, true);
        ipv4DevconfSetall(inDev);
        inetInsertIfa(ifa);
      }
      break;
    case NETDEV_CHANGEMTU:
      if (inetdevValidMtu(dev.mtu)) break;
      // Disable IP when the MTU is not enough.
      inetdevDestroy(inDev);
      break;
    case NETDEV_UNREGISTER:
      inetdevDestroy(inDev);
      break;
    case NETDEV_CHANGENAME:
      // Linux: "Do not notify about label change" - yet inetdev_changename sends RTM_NEWADDR per address.
      inetdevChangename(dev, inDev);
      break;
    default:
      break;
  }
  return NOTIFY_DONE;
}

/**
 * Linux: devinet_init_net(): per-namespace state; a new namespace's conf/all and
 * conf/default start as copies of the initial namespace's (net.core.
 * devconf_inherit_init_net = 0, Linux's default, inherits them for IPv4, so
 * ip_forward too); devices already there (lo) get their InDevice.
 */
function devinetInitNet(net: Net): void {
  const n4 = ipv4Net(net);
  n4.devinet = new DevinetNet(net);
  const init = net.kernel.initNet;
  if (net !== init && init.ipv4) {
    n4.devconfAll.set(ipv4Net(init).devconfAll);
    n4.devconfDflt.set(ipv4Net(init).devconfDflt);
    n4.sysctl.ipForward = n4.devconfAll[IPV4_DEVCONF_FORWARDING]!;
  }
  for (const dev of net.devices) if (!inDevGet(dev)) inetdevEvent(NETDEV_REGISTER, dev);
}

/** Linux: devinet_exit_net(). */
function devinetExitNet(net: Net): void {
  net.kernel.delTimer(devinetNet(net).addrChkTimer);
}

/** Linux: devinet_init(): pernet state, the netdevice notifier, rtnetlink handlers, IFLA_AF_SPEC. */
export function devinetInit(k: Kernel): void {
  k.registerPernetSubsys({ name: 'devinet', init: devinetInitNet, exit: devinetExitNet });
  k.netdevChain.register(inetdevEvent);
  inetaddrChain(k);
  devinetNetlinkInit(k);
  devinetSysctlInit(k);
}

