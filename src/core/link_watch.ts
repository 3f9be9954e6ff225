/**
 * Carrier and RFC 2863 operational state (Linux: net/core/link_watch.c,
 * net/sched/sch_generic.c netif_carrier_on/off).
 *
 * Linux batches linkwatch events and may apply a carrier change up to one second
 * later; tuxnet applies them at once so that runs are deterministic and `ip link`
 * right after `ip link set up` shows the settled state.
 */
import {
  type NetDevice, IF_LINK_MODE_DORMANT, IF_LINK_MODE_TESTING, IF_OPER_DORMANT, IF_OPER_DOWN,
  IF_OPER_LOWERLAYERDOWN, IF_OPER_TESTING, IF_OPER_UP, IFF_UP, NETREG_REGISTERED,
  __LINK_STATE_DORMANT, __LINK_STATE_NOCARRIER, __LINK_STATE_TESTING, devGetIflink, netifCarrierOk,
} from './netdevice.js';
import { devActivate, devDeactivate } from '../sched/sch_generic.js';
import { NETDEV_CHANGE } from './notifier.js';
import { RTM_NEWLINK } from '../wire/rtnetlink.js';

/** Linux: default_operstate(). */
function defaultOperstate(dev: NetDevice): number {
  if (dev.state & __LINK_STATE_TESTING) return IF_OPER_TESTING;
  if (!netifCarrierOk(dev)) {
    const iflink = dev.regState <= NETREG_REGISTERED ? devGetIflink(dev) : dev.ifindex;
    if (iflink === dev.ifindex) return IF_OPER_DOWN;
    const peer = dev.net.devGetByIndex(iflink);
    if (!peer) return IF_OPER_DOWN;
    return netifCarrierOk(peer) ? IF_OPER_DOWN : IF_OPER_LOWERLAYERDOWN;
  }
  if (dev.state & __LINK_STATE_DORMANT) return IF_OPER_DORMANT;
  return IF_OPER_UP;
}

/** Linux: rfc2863_policy(). */
export function rfc2863Policy(dev: NetDevice): void {
  let operstate = defaultOperstate(dev);
  if (operstate === dev.operstate) return;
  if (dev.linkMode === IF_LINK_MODE_TESTING && operstate === IF_OPER_UP) operstate = IF_OPER_TESTING;
  if (dev.linkMode === IF_LINK_MODE_DORMANT && operstate === IF_OPER_UP) operstate = IF_OPER_DORMANT;
  dev.operstate = operstate;
}

/** Linux: linkwatch_init_dev(). */
export function linkwatchInitDev(dev: NetDevice): void {
  if (!netifCarrierOk(dev) || dev.state & (__LINK_STATE_DORMANT | __LINK_STATE_TESTING)) rfc2863Policy(dev);
}

/** Linux: linkwatch_do_dev() (run at once; see the file comment). */
export function linkwatchFireEvent(dev: NetDevice): void {
  if (dev.regState !== NETREG_REGISTERED) return;
  rfc2863Policy(dev);
  if (dev.flags & IFF_UP) {
    if (netifCarrierOk(dev)) devActivate(dev);
    else devDeactivate(dev);
    // Linux: netdev_state_change()
    dev.net.kernel.netdevChain.call(NETDEV_CHANGE, dev, { change: 0 });
    dev.net.kernel.rtmsgIfinfo(RTM_NEWLINK, dev, 0);
  }
}

/** Linux: netif_carrier_on(). */
export function netifCarrierOn(dev: NetDevice): void {
  if (dev.state & __LINK_STATE_NOCARRIER) {
    dev.state &= ~__LINK_STATE_NOCARRIER;
    dev.carrierUpCount++;
    linkwatchFireEvent(dev);
  }
}

/** Linux: netif_carrier_off(). */
export function netifCarrierOff(dev: NetDevice): void {
  if (!(dev.state & __LINK_STATE_NOCARRIER)) {
    dev.state |= __LINK_STATE_NOCARRIER;
    dev.carrierDownCount++;
    linkwatchFireEvent(dev);
  }
}

/** Linux: netif_dormant_on()/off(). */
export function netifDormantOn(dev: NetDevice): void {
  if (!(dev.state & __LINK_STATE_DORMANT)) {
    dev.state |= __LINK_STATE_DORMANT;
    linkwatchFireEvent(dev);
  }
}
export function netifDormantOff(dev: NetDevice): void {
  if (dev.state & __LINK_STATE_DORMANT) {
    dev.state &= ~__LINK_STATE_DORMANT;
    linkwatchFireEvent(dev);
  }
}
