/**
 * Port states and the bridge id (Linux: net/bridge/br_stp.c, br_stp_if.c).
 *
 * Only what a bridge with STP off (stp_state 0, Linux's default) does: a port
 * whose device is up with carrier is forwarding, one that is down is disabled,
 * the bridge has carrier while at least one port forwards, and the bridge id is
 * the lowest port MAC unless userspace set an address. The 802.1D state machine
 * (BPDUs, listening/learning with forward_delay, root election) is not
 * implemented yet: setting stp_state 1 is accepted and reported but ports still
 * go straight to forwarding.
 */
import {
  type NetBridge, type NetBridgePort, BR_KERNEL_STP, BR_NO_STP, BR_PORT_BITS, BR_STATE_BLOCKING,
  BR_STATE_DISABLED, BR_STATE_FORWARDING, BR_USER_STP, bridgeHooks,
} from './br_private.js';
import { NET_ADDR_SET, netifOperUp, netifRunning } from '../../core/netdevice.js';
import { netifCarrierOff, netifCarrierOn } from '../../core/link_watch.js';
import { RTM_NEWLINK } from '../../wire/rtnetlink.js';
import { brFdbChangeMacAddress, brFdbCleanup, brFdbDeleteByPort } from './br_fdb.js';

export const BR_STATE_NAMES = ['disabled', 'listening', 'learning', 'forwarding', 'blocking'];

/** Linux: br_ifinfo_notify() through the netlink hook. */
export function brIfinfoNotify(event: number, br: NetBridge | null, p: NetBridgePort | null): void {
  const k = (p ? p.br : br!).kernel;
  bridgeHooks(k)?.ifinfoNotify(event, br, p);
}

/** Linux: br_make_port_id(). */
export function brMakePortId(priority: number, portNo: number): number {
  return ((priority << BR_PORT_BITS) | (portNo & ((1 << BR_PORT_BITS) - 1))) & 0xffff;
}

/** Linux: br_set_state(). */
export function brSetState(p: NetBridgePort, state: number): void {
  p.state = state;
}

/** Linux: br_become_designated_port(). */
function brBecomeDesignatedPort(p: NetBridgePort): void {
  const br = p.br;
  p.designatedRoot = { prio: br.designatedRoot.prio, addr: br.designatedRoot.addr.slice() };
  p.designatedCost = br.rootPathCost;
  p.designatedBridge = { prio: br.bridgeId.prio, addr: br.bridgeId.addr.slice() };
  p.designatedPort = p.portId;
}

/** Linux: br_init_port(). */
function brInitPort(p: NetBridgePort): void {
  p.portId = brMakePortId(p.priority, p.portNo);
  brBecomeDesignatedPort(p);
  brSetState(p, BR_STATE_BLOCKING);
  p.topologyChangeAck = 0;
  p.configPending = 0;
}

/**
 * Linux: br_configuration_update() reduced to a bridge that hears no BPDUs: it
 * is its own root and designated on every port.
 */
function brConfigurationUpdate(br: NetBridge): void {
  br.rootPort = 0;
  br.designatedRoot = { prio: br.bridgeId.prio, addr: br.bridgeId.addr.slice() };
  br.rootPathCost = 0;
  for (const p of br.portList) if (p.state !== BR_STATE_DISABLED) brBecomeDesignatedPort(p);
}

/** Linux: br_make_forwarding() (STP off: straight to forwarding). */
function brMakeForwarding(p: NetBridgePort): void {
  const br = p.br;
  if (p.state !== BR_STATE_BLOCKING) return;
  // Linux goes to listening (kernel STP) or learning (user STP) here; see the file comment.
  if (br.stpEnabled === BR_NO_STP || br.stpEnabled === BR_KERNEL_STP || br.stpEnabled === BR_USER_STP || br.forwardDelay === 0) {
    brSetState(p, BR_STATE_FORWARDING);
    br.kernel.delTimer(p.forwardDelayTimer);
  }
  brIfinfoNotify(RTM_NEWLINK, null, p);
  // Linux arms forward_delay_timer even with STP off; `ip -d link` shows it run down.
  if (br.forwardDelay !== 0) br.kernel.modTimer(p.forwardDelayTimer, br.kernel.clock.now() + br.forwardDelay);
}

/** Linux: br_port_state_selection(). */
export function brPortStateSelection(br: NetBridge): void {
  let liveports = 0;
  for (const p of br.portList) {
    if (p.state === BR_STATE_DISABLED) continue;
    brMakeForwarding(p);
    if (p.state === BR_STATE_FORWARDING) liveports++;
  }
  if (liveports === 0) netifCarrierOff(br.dev);
  else netifCarrierOn(br.dev);
}

/** Linux: br_stp_enable_port(). */
export function brStpEnablePort(p: NetBridgePort): void {
  brInitPort(p);
  brPortStateSelection(p.br);
  brIfinfoNotify(RTM_NEWLINK, null, p);
}

/** Linux: br_stp_disable_port(): the port's learned entries go with it. */
export function brStpDisablePort(p: NetBridgePort): void {
  const br = p.br;
  brBecomeDesignatedPort(p);
  brSetState(p, BR_STATE_DISABLED);
  p.topologyChangeAck = 0;
  p.configPending = 0;
  brIfinfoNotify(RTM_NEWLINK, null, p);
  br.kernel.delTimer(p.forwardDelayTimer);
  brFdbDeleteByPort(br, p, 0, false);
  brConfigurationUpdate(br);
  brPortStateSelection(br);
}

/** Linux: br_stp_enable_bridge(): the bridge came up; the fdb gc starts in HZ/10. */
export function brStpEnableBridge(br: NetBridge): void {
  br.kernel.modTimer(br.gcTimer, br.kernel.clock.now() + 100e6);
  for (const p of br.portList) {
    if (netifRunning(p.dev) && netifOperUp(p.dev)) brStpEnablePort(p);
  }
}

/** Linux: br_stp_disable_bridge(). */
export function brStpDisableBridge(br: NetBridge): void {
  for (const p of br.portList) if (p.state !== BR_STATE_DISABLED) brStpDisablePort(p);
  br.topologyChange = 0;
  br.topologyChangeDetected = 0;
  br.kernel.delTimer(br.gcTimer);
}

/** The gc timer callback (Linux: the gc_work item). */
export function brFdbGcTimer(br: NetBridge): void {
  brFdbCleanup(br);
}

/** Linux: br_stp_change_bridge_id(): new bridge id, new device MAC, fdb follows. */
export function brStpChangeBridgeId(br: NetBridge, addr: Uint8Array): void {
  const oldaddr = br.bridgeId.addr.slice();
  brFdbChangeMacAddress(br, addr);
  br.bridgeId.addr = addr.slice();
  br.dev.devAddr = addr.slice();
  for (const p of br.portList) {
    if (sameMac(p.designatedBridge.addr, oldaddr)) p.designatedBridge.addr = addr.slice();
    if (sameMac(p.designatedRoot.addr, oldaddr)) p.designatedRoot.addr = addr.slice();
  }
  brConfigurationUpdate(br);
  brPortStateSelection(br);
}

function sameMac(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < 6; i++) if (a[i] !== b[i]) return false;
  return true;
}

function macCompare(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 6; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/**
 * Linux: br_stp_recalculate_bridge_id(): the lowest port MAC, unless the user
 * set one. With no ports this is 00:00:00:00:00:00, as Linux shows. Returns
 * true if the id changed.
 */
export function brStpRecalculateBridgeId(br: NetBridge): boolean {
  if (br.dev.addrAssignType === NET_ADDR_SET) return false;
  let addr: Uint8Array | null = null;
  for (const p of br.portList) {
    if (addr === null || macCompare(p.dev.devAddr, addr) < 0) addr = p.dev.devAddr;
  }
  const chosen = addr ?? new Uint8Array(6);
  if (sameMac(br.bridgeId.addr, chosen)) return false;
  brStpChangeBridgeId(br, chosen);
  return true;
}

/** Linux: br_stp_set_enabled() (IFLA_BR_STP_STATE). */
export function brStpSetEnabled(br: NetBridge, val: number): number {
  br.stpEnabled = val ? BR_KERNEL_STP : BR_NO_STP;
  return 0;
}

/** Linux: br_stp_set_bridge_priority(). */
export function brStpSetBridgePriority(br: NetBridge, prio: number): void {
  br.bridgeId.prio = prio & 0xffff;
  brConfigurationUpdate(br);
  brPortStateSelection(br);
}

/** Linux: br_stp_set_port_priority(). */
export function brStpSetPortPriority(p: NetBridgePort, prio: number): number {
  if (prio > (1 << (16 - BR_PORT_BITS)) - 1) return -34; // -ERANGE
  const newId = brMakePortId(prio, p.portNo);
  if (p.designatedPort === p.portId) p.designatedPort = newId;
  p.portId = newId;
  p.priority = prio;
  return 0;
}

/** Linux: br_stp_set_path_cost(). */
export function brStpSetPathCost(p: NetBridgePort, cost: number, adminFlag: number): number {
  if (cost < 1 || cost > 65535) return -34; // -ERANGE (BR_MIN_PATH_COST..BR_MAX_PATH_COST)
  p.flags |= adminFlag;
  p.pathCost = cost;
  return 0;
}
