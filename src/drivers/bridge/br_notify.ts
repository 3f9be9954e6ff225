/**
 * The bridge's netdevice notifier (Linux: net/bridge/br_notify.c
 * br_device_event()): ports follow their device. A port that goes down or
 * loses carrier is disabled (and its learned entries flushed), one that comes
 * up forwards again, an MTU or MAC change recomputes the bridge's, and an
 * unregistered port leaves the bridge. An unregistered bridge releases its
 * ports (Linux does that in br_dev_delete() before unregistering).
 */
import type { NetDevice } from '../../core/netdevice.js';
import { IFF_UP, netifIsBridgeMaster, netifOperUp, netifRunning } from '../../core/netdevice.js';
import type { Kernel } from '../../core/net_namespace.js';
import {
  NETDEV_CHANGE, NETDEV_CHANGEADDR, NETDEV_CHANGEMTU, NETDEV_DOWN, NETDEV_PRE_TYPE_CHANGE, NETDEV_UNREGISTER,
  NETDEV_UP, NOTIFY_BAD, NOTIFY_DONE, type NetdevNotifierInfo,
} from '../../core/notifier.js';
import { RTM_NEWLINK } from '../../wire/rtnetlink.js';
import { type NetBridgePort, BR_ADMIN_COST, BR_STATE_DISABLED, brPortGet } from './br_private.js';
import { brFdbChangeaddr } from './br_fdb.js';
import { brIfinfoNotify, brStpDisablePort, brStpEnablePort, brStpRecalculateBridgeId } from './br_stp.js';
import { brDelIf, brMtuAutoAdjust, portCost } from './br_if.js';
import { brReleasePorts } from './br_device.js';

/** Linux: br_port_carrier_check(). Returns whether userspace was notified. */
export function brPortCarrierCheck(p: NetBridgePort): boolean {
  const dev = p.dev;
  const br = p.br;
  if (!(p.flags & BR_ADMIN_COST) && netifRunning(dev) && netifOperUp(dev)) p.pathCost = portCost(dev);
  if (!netifRunning(br.dev)) return false;
  if (netifRunning(dev) && netifOperUp(dev)) {
    if (p.state === BR_STATE_DISABLED) {
      brStpEnablePort(p);
      return true;
    }
  } else if (p.state !== BR_STATE_DISABLED) {
    brStpDisablePort(p);
    return true;
  }
  return false;
}

/** Linux: br_device_event(). */
export function brDeviceEvent(event: number, dev: NetDevice, _info?: NetdevNotifierInfo): number {
  if (netifIsBridgeMaster(dev) && event === NETDEV_UNREGISTER) {
    brReleasePorts(dev);
    return NOTIFY_DONE;
  }
  const p = brPortGet(dev);
  if (!p) return NOTIFY_DONE;
  const br = p.br;
  let notified = false;
  switch (event) {
    case NETDEV_CHANGEMTU:
      brMtuAutoAdjust(br);
      break;
    case NETDEV_CHANGEADDR: {
      brFdbChangeaddr(p, dev.devAddr);
      if (brStpRecalculateBridgeId(br)) br.kernel.netdevChain.call(NETDEV_CHANGEADDR, br.dev);
      break;
    }
    case NETDEV_CHANGE:
      notified = brPortCarrierCheck(p);
      break;
    case NETDEV_DOWN:
      if (br.dev.flags & IFF_UP) {
        brStpDisablePort(p);
        notified = true;
      }
      break;
    case NETDEV_UP:
      if (netifRunning(br.dev) && netifOperUp(dev)) {
        brStpEnablePort(p);
        notified = true;
      }
      break;
    case NETDEV_UNREGISTER:
      brDelIf(br, dev);
      break;
    case NETDEV_PRE_TYPE_CHANGE:
      // "Forbid underlying device to change its type."
      return NOTIFY_BAD;
  }
  if (!notified && (event === NETDEV_CHANGEADDR || event === NETDEV_UP || event === NETDEV_CHANGE || event === NETDEV_DOWN)) {
    brIfinfoNotify(RTM_NEWLINK, null, p);
  }
  return NOTIFY_DONE;
}

/** Register the notifier on a kernel (Linux: br_init() register_netdevice_notifier). */
export function brNotifierInit(k: Kernel): void {
  k.netdevChain.register(brDeviceEvent);
}
