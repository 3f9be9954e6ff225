/**
 * Adding and removing bridge ports (Linux: net/bridge/br_if.c), what
 * `ip link set DEV master br0` / `nomaster` end in. A port gets a number
 * (1..1023, lowest free), the bridge's rx_handler, IFF_BRIDGE_PORT, the bridge
 * as its master upper device, allmulti +1 and, as long as VLAN filtering is off,
 * promiscuity +1 (Linux: br_manage_promisc()). Its MAC becomes a local fdb
 * entry, the bridge id and MTU are recomputed (MTU = smallest port MTU unless
 * the user set the bridge's), and the port starts forwarding if it and the
 * bridge are up.
 */
import {
  type NetBridge, NetBridgePort, BR_AUTO_MASK, BR_MAX_PORTS, BR_PROMISC, BR_STATE_DISABLED, brAutoPort,
  brPortGet, brPromiscPort,
} from './br_private.js';
import {
  type NetDevice, ARPHRD_ETHER, ETH_ALEN, ETH_DATA_LEN, IFF_BRIDGE_PORT, IFF_LOOPBACK, IFF_PROMISC, IFF_UNICAST_FLT,
  IFF_UP, SPEED_UNKNOWN, netifIsBridgeMaster, netifOperUp, netifRunning,
} from '../../core/netdevice.js';
import {
  devSetAllmulti, devSetMtu, devSetPromiscuity, netdevMasterUpperDevLink, netdevRxHandlerRegister,
  netdevRxHandlerUnregister, netdevUpperDevUnlink,
} from '../../core/dev.js';
import { NETDEV_CHANGEADDR, NETDEV_JOIN } from '../../core/notifier.js';
import { isValidEtherAddr } from '../../ethernet/eth.js';
import { EBUSY, EINVAL, ELOOP } from '../../socket/errno.js';

/** Linux EXFULL ("Exchange full"), what find_portno() returns when all 1023 ports are used. */
const EXFULL = 54;
import { RTM_DELLINK, RTM_NEWLINK } from '../../wire/rtnetlink.js';
import { brFdbAddLocal, brFdbDeleteByPort, brFdbSyncStatic, brFdbUnsyncStatic } from './br_fdb.js';
import { brHandleFrame } from './br_input.js';
import {
  brIfinfoNotify, brMakePortId, brStpDisablePort, brStpEnablePort, brStpRecalculateBridgeId,
} from './br_stp.js';

/**
 * Linux: port_cost(): STP path cost from the link speed (802.1D-1998 table),
 * 100 when the speed is unknown.
 */
export function portCost(dev: NetDevice): number {
  const ks = dev.ethtoolOps.getLinkKsettings?.(dev);
  if (ks) {
    switch (ks.speed) {
      case 10000: return 2;
      case 5000: return 3;
      case 2500: return 4;
      case 1000: return 4;
      case 100: return 19;
      case 10: return 100;
      case SPEED_UNKNOWN: return 100;
      default: if (ks.speed > 10000) return 1;
    }
  }
  if (dev.name.startsWith('lec')) return 7;
  if (dev.name.startsWith('plip')) return 2500;
  return 100;
}

/** Linux: find_portno(): the lowest free port number, 1-based. */
function findPortno(br: NetBridge): number {
  const used = new Set<number>();
  for (const p of br.portList) used.add(p.portNo);
  for (let i = 1; i < BR_MAX_PORTS; i++) if (!used.has(i)) return i;
  return -EXFULL;
}

/** Linux: br_port_set_promisc(). */
function brPortSetPromisc(p: NetBridgePort): void {
  if (brPromiscPort(p)) return;
  if (devSetPromiscuity(p.dev, 1)) return;
  brFdbUnsyncStatic(p.br, p);
  p.flags |= BR_PROMISC;
}

/** Linux: br_port_clear_promisc(). */
function brPortClearPromisc(p: NetBridgePort): void {
  if (!brPromiscPort(p) || !(p.dev.privFlags & IFF_UNICAST_FLT)) return;
  if (brFdbSyncStatic(p.br, p)) return;
  devSetPromiscuity(p.dev, -1);
  p.flags &= ~BR_PROMISC;
}

/**
 * Linux: br_manage_promisc(): without VLAN filtering (always, here) or with a
 * promiscuous bridge, every port is promiscuous.
 */
export function brManagePromisc(br: NetBridge): void {
  const setAll = (br.dev.flags & IFF_PROMISC) !== 0 || !br.vlanFiltering;
  for (const p of br.portList) {
    if (setAll) {
      brPortSetPromisc(p);
    } else if (p.dev.privFlags & IFF_UNICAST_FLT && (br.autoCnt === 0 || (br.autoCnt === 1 && brAutoPort(p)))) {
      brPortClearPromisc(p);
    } else {
      brPortSetPromisc(p);
    }
  }
}

/** Linux: nbp_update_port_count(). */
export function nbpUpdatePortCount(br: NetBridge): void {
  let cnt = 0;
  for (const p of br.portList) if (brAutoPort(p)) cnt++;
  if (br.autoCnt !== cnt) {
    br.autoCnt = cnt;
    brManagePromisc(br);
  }
}

/** Linux: br_mtu_min(). */
function brMtuMin(br: NetBridge): number {
  let ret = 0;
  for (const p of br.portList) if (!ret || ret > p.dev.mtu) ret = p.dev.mtu;
  return ret || ETH_DATA_LEN;
}

/** Linux: br_mtu_auto_adjust(): follow the smallest port MTU unless the user chose one. */
export function brMtuAutoAdjust(br: NetBridge): void {
  if (br.mtuSetByUser) return;
  devSetMtu(br.dev, brMtuMin(br));
  br.mtuSetByUser = false;
}

/** Linux: new_nbp(). */
function newNbp(br: NetBridge, dev: NetDevice): NetBridgePort | number {
  const index = findPortno(br);
  if (index < 0) return index;
  const p = new NetBridgePort(br, dev);
  p.portNo = index;
  p.pathCost = portCost(dev);
  p.portId = brMakePortId(p.priority, p.portNo);
  p.state = BR_STATE_DISABLED;
  return p;
}

/**
 * Linux: br_add_if(). Returns 0 or -errno; `extack.msg` carries Linux's
 * message where it sets one.
 */
export function brAddIf(br: NetBridge, dev: NetDevice, extack: { msg?: string }): number {
  // "Don't allow bridging non-ethernet like devices."
  if (dev.flags & IFF_LOOPBACK || dev.type !== ARPHRD_ETHER || dev.addrLen !== ETH_ALEN || !isValidEtherAddr(dev.devAddr)) {
    return -EINVAL;
  }
  // "No bridging of bridges"
  if (netifIsBridgeMaster(dev)) {
    extack.msg = 'Can not enslave a bridge to a bridge';
    return -ELOOP;
  }
  if (dev.master) return -EBUSY;
  const p = newNbp(br, dev);
  if (typeof p === 'number') return p;
  const k = br.kernel;
  k.netdevChain.call(NETDEV_JOIN, dev);
  let err = devSetAllmulti(dev, 1);
  if (err) return err;
  err = netdevRxHandlerRegister(dev, brHandleFrame, p);
  if (err) {
    devSetAllmulti(dev, -1);
    return err;
  }
  dev.privFlags |= IFF_BRIDGE_PORT;
  err = netdevMasterUpperDevLink(dev, br.dev);
  if (err) {
    dev.privFlags &= ~IFF_BRIDGE_PORT;
    netdevRxHandlerUnregister(dev);
    devSetAllmulti(dev, -1);
    return err;
  }
  // Linux: list_add_rcu(&p->list, &br->port_list): newest port first.
  br.portList.unshift(p);
  nbpUpdatePortCount(br);
  if (!brPromiscPort(p) && dev.privFlags & IFF_UNICAST_FLT) brFdbSyncStatic(br, p);
  brFdbAddLocal(br, p, dev.devAddr, 0);
  const changedAddr = brStpRecalculateBridgeId(br);
  if (netifRunning(dev) && netifOperUp(dev) && br.dev.flags & IFF_UP) brStpEnablePort(p);
  brIfinfoNotify(RTM_NEWLINK, null, p);
  if (changedAddr) k.netdevChain.call(NETDEV_CHANGEADDR, br.dev);
  brMtuAutoAdjust(br);
  return 0;
}

/** Linux: nbp_delete_promisc(). */
function nbpDeletePromisc(p: NetBridgePort): void {
  devSetAllmulti(p.dev, -1);
  if (brPromiscPort(p)) devSetPromiscuity(p.dev, -1);
  else brFdbUnsyncStatic(p.br, p);
}

/** Linux: del_nbp(). */
function delNbp(p: NetBridgePort): void {
  const br = p.br;
  const dev = p.dev;
  nbpDeletePromisc(p);
  brStpDisablePort(p);
  brIfinfoNotify(RTM_DELLINK, null, p);
  const i = br.portList.indexOf(p);
  if (i >= 0) br.portList.splice(i, 1);
  brFdbDeleteByPort(br, p, 0, true);
  nbpUpdatePortCount(br);
  netdevUpperDevUnlink(dev, br.dev);
  dev.privFlags &= ~IFF_BRIDGE_PORT;
  netdevRxHandlerUnregister(dev);
  br.kernel.delTimer(p.forwardDelayTimer);
}

/** Linux: br_del_if(). */
export function brDelIf(br: NetBridge, dev: NetDevice): number {
  const p = brPortGet(dev);
  if (!p || p.br !== br) return -EINVAL;
  delNbp(p);
  brMtuAutoAdjust(br);
  const changedAddr = brStpRecalculateBridgeId(br);
  if (changedAddr) br.kernel.netdevChain.call(NETDEV_CHANGEADDR, br.dev);
  return 0;
}

/** Linux: br_port_flags_change(): learning/flood changes affect auto ports and promiscuity. */
export function brPortFlagsChange(p: NetBridgePort, mask: number): void {
  if (mask & BR_AUTO_MASK) nbpUpdatePortCount(p.br);
}
