/**
 * The bridge over rtnetlink, links half (Linux: net/bridge/br_netlink.c): the
 * `bridge` link kind (IFLA_INFO_DATA = IFLA_BR_*, what `ip -d link` shows and
 * `ip link add/set br0 type bridge ...` changes), port attributes
 * (IFLA_INFO_SLAVE_DATA / IFLA_PROTINFO = IFLA_BRPORT_*), and the AF_BRIDGE
 * RTM_GETLINK dump and RTM_SETLINK that `bridge link` uses, plus the AF_BRIDGE
 * RTM_NEWLINK/DELLINK notifications of port changes (br_ifinfo_notify).
 *
 * Built like a kernel with CONFIG_BRIDGE_IGMP_SNOOPING and
 * CONFIG_BRIDGE_NETFILTER but without CONFIG_BRIDGE_VLAN_FILTERING (as the
 * reference host): IFLA_BR_VLAN_FILTERING is refused with EOPNOTSUPP and no
 * VLAN attributes are reported.
 */
import type { Kernel } from '../../core/net_namespace.js';
import {
  type NetDevice, type RtnlLinkOps, ETH_ALEN, IF_OPER_DOWN, netifOperUp, netifRunning, devGetIflink,
  netifIsBridgeMaster,
} from '../../core/netdevice.js';
import { devGetFlags, registerNetdevice, unregisterNetdevice } from '../../core/dev.js';
import { ethHwAddrRandom, isValidEtherAddr } from '../../ethernet/eth.js';
import { AF_BRIDGE } from '../../socket/socket.js';
import { EBUSY, EINVAL, ENETDOWN, ENODEV, EOPNOTSUPP, EPFNOSUPPORT, EADDRNOTAVAIL, ERANGE } from '../../socket/errno.js';
import {
  type NlaTable, type NlaPolicy, type NetlinkExtAck, NlMsgBuilder, NLA_U8, NLA_U16, NLA_U32, NLA_U64,
  NLA_BINARY, NLA_FLAG, NLM_F_MULTI, NLMSG_HDRLEN, NLA_F_NESTED, nlmsgParse, nlaParseNested, nlaGetU8, nlaGetU16,
  nlaGetU32, nlaWalk,
} from '../../wire/netlink.js';
import {
  IFINFOMSG_LEN, IFLA_ADDRESS, IFLA_IFNAME, IFLA_MASTER, IFLA_MTU, IFLA_OPERSTATE, IFLA_LINK, IFLA_PROTINFO,
  IFLA_AF_SPEC, IFLA_EXT_MASK, IFLA_MAX, RTEXT_FILTER_BRVLAN, RTEXT_FILTER_BRVLAN_COMPRESSED, RTEXT_FILTER_MRP,
  RTEXT_FILTER_CFM_CONFIG, RTEXT_FILTER_CFM_STATUS,
} from '../../wire/if_link.js';
import * as B from '../../wire/if_bridge.js';
import { RTM_GETLINK, RTM_NEWLINK, RTM_SETLINK, RTNLGRP_LINK } from '../../wire/rtnetlink.js';
import { type RtnlRequest, rtnlRegister, rtnlNotify } from '../../netlink/rtnetlink.js';
import type { NetlinkCallback } from '../../netlink/af_netlink.js';
import { rtnlLinkRegister, iflaPolicy } from '../../netlink/rtnl_link.js';
import {
  type NetBridge, type NetBridgePort, BR_BCAST_FLOOD, BR_BPDU_GUARD, BR_FLOOD, BR_HAIRPIN_MODE, BR_ISOLATED,
  BR_KERNEL_STP, BR_LEARNING, BR_MCAST_FLOOD, BR_MRP_LOST_CONT, BR_MRP_LOST_IN_CONT, BR_MULTICAST_FAST_LEAVE,
  BR_MULTICAST_TO_UNICAST, BR_NEIGH_SUPPRESS, BR_PORT_LOCKED, BR_PROXYARP, BR_PROXYARP_WIFI, BR_ROOT_BLOCK,
  BR_VLAN_TUNNEL, BR_ADMIN_COST, BR_STATE_BLOCKING, BR_STATE_DISABLED, type BridgeId, brFromDev, brPortGet,
  nsToClockT, clockTToNs, setBridgeHooks, isLinkLocalEtherAddr,
} from './br_private.js';
import { brDevRegistered, brDevDelete, brDevSetup, brReleasePorts } from './br_device.js';
import { brPortFlagsChange } from './br_if.js';
import {
  brIfinfoNotify, brPortStateSelection, brSetState, brStpSetBridgePriority, brStpSetEnabled, brStpSetPathCost,
  brStpSetPortPriority,
} from './br_stp.js';
import { brFdbCleanup, brFdbDeleteByPort, brFdbFlush } from './br_fdb.js';
import { brFdbNetlinkInit, fdbNotifyNetlink } from './br_fdb_netlink.js';

/** Linux: br_policy. */
const brPolicy: NlaPolicy = {
  [B.IFLA_BR_FORWARD_DELAY]: { type: NLA_U32 },
  [B.IFLA_BR_HELLO_TIME]: { type: NLA_U32 },
  [B.IFLA_BR_MAX_AGE]: { type: NLA_U32 },
  [B.IFLA_BR_AGEING_TIME]: { type: NLA_U32 },
  [B.IFLA_BR_STP_STATE]: { type: NLA_U32 },
  [B.IFLA_BR_PRIORITY]: { type: NLA_U16 },
  [B.IFLA_BR_VLAN_FILTERING]: { type: NLA_U8 },
  [B.IFLA_BR_VLAN_PROTOCOL]: { type: NLA_U16 },
  [B.IFLA_BR_GROUP_FWD_MASK]: { type: NLA_U16 },
  [B.IFLA_BR_GROUP_ADDR]: { type: NLA_BINARY, len: ETH_ALEN },
  [B.IFLA_BR_MCAST_ROUTER]: { type: NLA_U8 },
  [B.IFLA_BR_MCAST_SNOOPING]: { type: NLA_U8 },
  [B.IFLA_BR_MCAST_QUERY_USE_IFADDR]: { type: NLA_U8 },
  [B.IFLA_BR_MCAST_QUERIER]: { type: NLA_U8 },
  [B.IFLA_BR_MCAST_HASH_ELASTICITY]: { type: NLA_U32 },
  [B.IFLA_BR_MCAST_HASH_MAX]: { type: NLA_U32 },
  [B.IFLA_BR_MCAST_LAST_MEMBER_CNT]: { type: NLA_U32 },
  [B.IFLA_BR_MCAST_STARTUP_QUERY_CNT]: { type: NLA_U32 },
  [B.IFLA_BR_MCAST_LAST_MEMBER_INTVL]: { type: NLA_U64 },
  [B.IFLA_BR_MCAST_MEMBERSHIP_INTVL]: { type: NLA_U64 },
  [B.IFLA_BR_MCAST_QUERIER_INTVL]: { type: NLA_U64 },
  [B.IFLA_BR_MCAST_QUERY_INTVL]: { type: NLA_U64 },
  [B.IFLA_BR_MCAST_QUERY_RESPONSE_INTVL]: { type: NLA_U64 },
  [B.IFLA_BR_MCAST_STARTUP_QUERY_INTVL]: { type: NLA_U64 },
  [B.IFLA_BR_NF_CALL_IPTABLES]: { type: NLA_U8 },
  [B.IFLA_BR_NF_CALL_IP6TABLES]: { type: NLA_U8 },
  [B.IFLA_BR_NF_CALL_ARPTABLES]: { type: NLA_U8 },
  [B.IFLA_BR_VLAN_DEFAULT_PVID]: { type: NLA_U16 },
  [B.IFLA_BR_VLAN_STATS_ENABLED]: { type: NLA_U8 },
  [B.IFLA_BR_MCAST_STATS_ENABLED]: { type: NLA_U8 },
  [B.IFLA_BR_MCAST_IGMP_VERSION]: { type: NLA_U8 },
  [B.IFLA_BR_MCAST_MLD_VERSION]: { type: NLA_U8 },
  [B.IFLA_BR_VLAN_STATS_PER_PORT]: { type: NLA_U8 },
  [B.IFLA_BR_MULTI_BOOLOPT]: { type: NLA_BINARY, len: 8 },
};

/** Linux: br_port_policy. */
const brPortPolicy: NlaPolicy = {
  [B.IFLA_BRPORT_STATE]: { type: NLA_U8 },
  [B.IFLA_BRPORT_COST]: { type: NLA_U32 },
  [B.IFLA_BRPORT_PRIORITY]: { type: NLA_U16 },
  [B.IFLA_BRPORT_MODE]: { type: NLA_U8 },
  [B.IFLA_BRPORT_GUARD]: { type: NLA_U8 },
  [B.IFLA_BRPORT_PROTECT]: { type: NLA_U8 },
  [B.IFLA_BRPORT_FAST_LEAVE]: { type: NLA_U8 },
  [B.IFLA_BRPORT_LEARNING]: { type: NLA_U8 },
  [B.IFLA_BRPORT_UNICAST_FLOOD]: { type: NLA_U8 },
  [B.IFLA_BRPORT_PROXYARP]: { type: NLA_U8 },
  [B.IFLA_BRPORT_PROXYARP_WIFI]: { type: NLA_U8 },
  [B.IFLA_BRPORT_MULTICAST_ROUTER]: { type: NLA_U8 },
  [B.IFLA_BRPORT_MCAST_TO_UCAST]: { type: NLA_U8 },
  [B.IFLA_BRPORT_MCAST_FLOOD]: { type: NLA_U8 },
  [B.IFLA_BRPORT_BCAST_FLOOD]: { type: NLA_U8 },
  [B.IFLA_BRPORT_VLAN_TUNNEL]: { type: NLA_U8 },
  [B.IFLA_BRPORT_GROUP_FWD_MASK]: { type: NLA_U16 },
  [B.IFLA_BRPORT_NEIGH_SUPPRESS]: { type: NLA_U8 },
  [B.IFLA_BRPORT_ISOLATED]: { type: NLA_U8 },
  [B.IFLA_BRPORT_LOCKED]: { type: NLA_U8 },
  [B.IFLA_BRPORT_BACKUP_PORT]: { type: NLA_U32 },
  [B.IFLA_BRPORT_MCAST_EHT_HOSTS_LIMIT]: { type: NLA_U32 },
  [B.IFLA_BRPORT_FLUSH]: { type: NLA_FLAG },
};

/** IGMP/MLD snooping defaults Linux reports (br_multicast_init()); snooping itself is not implemented. */
const MCAST = {
  router: 1, hashElasticity: 16, hashMax: 4096, lastMemberCnt: 2, startupQueryCnt: 2,
  lastMemberIntvl: 100, membershipIntvl: 26000, querierIntvl: 25500, queryIntvl: 12500,
  queryResponseIntvl: 1000, startupQueryIntvl: 3124, igmpVersion: 2, mldVersion: 1,
};

function bridgeIdBytes(id: BridgeId): Uint8Array {
  const b = new Uint8Array(B.IFLA_BRIDGE_ID_LEN);
  b[0] = (id.prio >> 8) & 0xff;
  b[1] = id.prio & 0xff;
  b.set(id.addr.subarray(0, 6), 2);
  return b;
}

/** Linux: br_timer_value(): remaining time of a pending timer, in clock_t. */
function brTimerValue(k: Kernel, t: { pending(): boolean; expires: number }): number {
  if (!t.pending()) return 0;
  return nsToClockT(Math.max(0, t.expires - k.clock.now()));
}

/** Linux: br_fill_info(): IFLA_INFO_DATA of a bridge. */
function brFillInfo(skb: NlMsgBuilder, dev: NetDevice): number {
  const br = brFromDev(dev);
  const k = br.kernel;
  skb.nlaPutU64(B.IFLA_BR_HELLO_TIMER, 0);
  skb.nlaPutU64(B.IFLA_BR_TCN_TIMER, 0);
  skb.nlaPutU64(B.IFLA_BR_TOPOLOGY_CHANGE_TIMER, 0);
  skb.nlaPutU64(B.IFLA_BR_GC_TIMER, brTimerValue(k, br.gcTimer));
  skb.nlaPutU32(B.IFLA_BR_FORWARD_DELAY, nsToClockT(br.forwardDelay));
  skb.nlaPutU32(B.IFLA_BR_HELLO_TIME, nsToClockT(br.helloTime));
  skb.nlaPutU32(B.IFLA_BR_MAX_AGE, nsToClockT(br.maxAge));
  skb.nlaPutU32(B.IFLA_BR_AGEING_TIME, nsToClockT(br.ageingTime));
  skb.nlaPutU32(B.IFLA_BR_STP_STATE, br.stpEnabled);
  skb.nlaPutU16(B.IFLA_BR_PRIORITY, br.bridgeId.prio);
  skb.nlaPutU8(B.IFLA_BR_VLAN_FILTERING, br.vlanFiltering);
  skb.nlaPutU16(B.IFLA_BR_GROUP_FWD_MASK, br.groupFwdMask);
  skb.nlaPut(B.IFLA_BR_BRIDGE_ID, bridgeIdBytes(br.bridgeId));
  skb.nlaPut(B.IFLA_BR_ROOT_ID, bridgeIdBytes(br.designatedRoot));
  skb.nlaPutU16(B.IFLA_BR_ROOT_PORT, br.rootPort);
  skb.nlaPutU32(B.IFLA_BR_ROOT_PATH_COST, br.rootPathCost);
  skb.nlaPutU8(B.IFLA_BR_TOPOLOGY_CHANGE, br.topologyChange);
  skb.nlaPutU8(B.IFLA_BR_TOPOLOGY_CHANGE_DETECTED, br.topologyChangeDetected);
  skb.nlaPut(B.IFLA_BR_GROUP_ADDR, br.groupAddr);
  // struct br_boolopt_multi { u32 optval; u32 optmask; }
  const bm = new Uint8Array(8);
  const bmv = new DataView(bm.buffer);
  bmv.setUint32(0, br.noLinklocalLearn ? 1 << B.BR_BOOLOPT_NO_LL_LEARN : 0, true);
  bmv.setUint32(4, (1 << B.BR_BOOLOPT_MAX) - 1, true);
  skb.nlaPut(B.IFLA_BR_MULTI_BOOLOPT, bm);
  skb.nlaPutU8(B.IFLA_BR_MCAST_ROUTER, MCAST.router);
  skb.nlaPutU8(B.IFLA_BR_MCAST_SNOOPING, br.mcastSnooping);
  skb.nlaPutU8(B.IFLA_BR_MCAST_QUERY_USE_IFADDR, 0);
  skb.nlaPutU8(B.IFLA_BR_MCAST_QUERIER, 0);
  skb.nlaPutU8(B.IFLA_BR_MCAST_STATS_ENABLED, 0);
  skb.nlaPutU32(B.IFLA_BR_MCAST_HASH_ELASTICITY, MCAST.hashElasticity);
  skb.nlaPutU32(B.IFLA_BR_MCAST_HASH_MAX, MCAST.hashMax);
  skb.nlaPutU32(B.IFLA_BR_MCAST_LAST_MEMBER_CNT, MCAST.lastMemberCnt);
  skb.nlaPutU32(B.IFLA_BR_MCAST_STARTUP_QUERY_CNT, MCAST.startupQueryCnt);
  skb.nlaPutU8(B.IFLA_BR_MCAST_IGMP_VERSION, MCAST.igmpVersion);
  skb.nlaPutU8(B.IFLA_BR_MCAST_MLD_VERSION, MCAST.mldVersion);
  skb.nlaPutU64(B.IFLA_BR_MCAST_LAST_MEMBER_INTVL, MCAST.lastMemberIntvl);
  skb.nlaPutU64(B.IFLA_BR_MCAST_MEMBERSHIP_INTVL, MCAST.membershipIntvl);
  skb.nlaPutU64(B.IFLA_BR_MCAST_QUERIER_INTVL, MCAST.querierIntvl);
  skb.nlaPutU64(B.IFLA_BR_MCAST_QUERY_INTVL, MCAST.queryIntvl);
  skb.nlaPutU64(B.IFLA_BR_MCAST_QUERY_RESPONSE_INTVL, MCAST.queryResponseIntvl);
  skb.nlaPutU64(B.IFLA_BR_MCAST_STARTUP_QUERY_INTVL, MCAST.startupQueryIntvl);
  skb.nlaPutU8(B.IFLA_BR_NF_CALL_IPTABLES, br.nfCallIptables);
  skb.nlaPutU8(B.IFLA_BR_NF_CALL_IP6TABLES, br.nfCallIp6tables);
  skb.nlaPutU8(B.IFLA_BR_NF_CALL_ARPTABLES, br.nfCallArptables);
  return 0;
}

/** Linux: br_port_fill_attrs(): IFLA_BRPORT_* of one port. */
export function brPortFillAttrs(skb: NlMsgBuilder, p: NetBridgePort): number {
  const f = p.flags;
  const k = p.br.kernel;
  skb.nlaPutU8(B.IFLA_BRPORT_STATE, p.state);
  skb.nlaPutU16(B.IFLA_BRPORT_PRIORITY, p.priority);
  skb.nlaPutU32(B.IFLA_BRPORT_COST, p.pathCost);
  skb.nlaPutU8(B.IFLA_BRPORT_MODE, f & BR_HAIRPIN_MODE ? 1 : 0);
  skb.nlaPutU8(B.IFLA_BRPORT_GUARD, f & BR_BPDU_GUARD ? 1 : 0);
  skb.nlaPutU8(B.IFLA_BRPORT_PROTECT, f & BR_ROOT_BLOCK ? 1 : 0);
  skb.nlaPutU8(B.IFLA_BRPORT_FAST_LEAVE, f & BR_MULTICAST_FAST_LEAVE ? 1 : 0);
  skb.nlaPutU8(B.IFLA_BRPORT_MCAST_TO_UCAST, f & BR_MULTICAST_TO_UNICAST ? 1 : 0);
  skb.nlaPutU8(B.IFLA_BRPORT_LEARNING, f & BR_LEARNING ? 1 : 0);
  skb.nlaPutU8(B.IFLA_BRPORT_UNICAST_FLOOD, f & BR_FLOOD ? 1 : 0);
  skb.nlaPutU8(B.IFLA_BRPORT_MCAST_FLOOD, f & BR_MCAST_FLOOD ? 1 : 0);
  skb.nlaPutU8(B.IFLA_BRPORT_BCAST_FLOOD, f & BR_BCAST_FLOOD ? 1 : 0);
  skb.nlaPutU8(B.IFLA_BRPORT_PROXYARP, f & BR_PROXYARP ? 1 : 0);
  skb.nlaPutU8(B.IFLA_BRPORT_PROXYARP_WIFI, f & BR_PROXYARP_WIFI ? 1 : 0);
  skb.nlaPut(B.IFLA_BRPORT_ROOT_ID, bridgeIdBytes(p.designatedRoot));
  skb.nlaPut(B.IFLA_BRPORT_BRIDGE_ID, bridgeIdBytes(p.designatedBridge));
  skb.nlaPutU16(B.IFLA_BRPORT_DESIGNATED_PORT, p.designatedPort);
  skb.nlaPutU16(B.IFLA_BRPORT_DESIGNATED_COST, p.designatedCost);
  skb.nlaPutU16(B.IFLA_BRPORT_ID, p.portId);
  skb.nlaPutU16(B.IFLA_BRPORT_NO, p.portNo);
  skb.nlaPutU8(B.IFLA_BRPORT_TOPOLOGY_CHANGE_ACK, p.topologyChangeAck);
  skb.nlaPutU8(B.IFLA_BRPORT_CONFIG_PENDING, p.configPending);
  skb.nlaPutU8(B.IFLA_BRPORT_VLAN_TUNNEL, f & BR_VLAN_TUNNEL ? 1 : 0);
  skb.nlaPutU16(B.IFLA_BRPORT_GROUP_FWD_MASK, p.groupFwdMask);
  skb.nlaPutU8(B.IFLA_BRPORT_NEIGH_SUPPRESS, f & BR_NEIGH_SUPPRESS ? 1 : 0);
  skb.nlaPutU8(B.IFLA_BRPORT_MRP_RING_OPEN, f & BR_MRP_LOST_CONT ? 1 : 0);
  skb.nlaPutU8(B.IFLA_BRPORT_MRP_IN_OPEN, f & BR_MRP_LOST_IN_CONT ? 1 : 0);
  skb.nlaPutU8(B.IFLA_BRPORT_ISOLATED, f & BR_ISOLATED ? 1 : 0);
  skb.nlaPutU8(B.IFLA_BRPORT_LOCKED, f & BR_PORT_LOCKED ? 1 : 0);
  skb.nlaPutU64(B.IFLA_BRPORT_MESSAGE_AGE_TIMER, 0);
  skb.nlaPutU64(B.IFLA_BRPORT_FORWARD_DELAY_TIMER, brTimerValue(k, p.forwardDelayTimer));
  skb.nlaPutU64(B.IFLA_BRPORT_HOLD_TIMER, 0);
  skb.nlaPutU8(B.IFLA_BRPORT_MULTICAST_ROUTER, p.multicastRouter);
  skb.nlaPutU32(B.IFLA_BRPORT_MCAST_EHT_HOSTS_LIMIT, 512);
  skb.nlaPutU32(B.IFLA_BRPORT_MCAST_EHT_HOSTS_CNT, 0);
  return 0;
}

/** Linux: br_set_port_state(). */
function brSetPortState(p: NetBridgePort, state: number): number {
  if (state > BR_STATE_BLOCKING) return -EINVAL;
  // "if kernel STP is running, don't allow changes"
  if (p.br.stpEnabled === BR_KERNEL_STP) return -EBUSY;
  // "if device is not up, change is not allowed; if link is not present, only allowable state is disabled"
  if (!netifRunning(p.dev) || (!netifOperUp(p.dev) && state !== BR_STATE_DISABLED)) return -ENETDOWN;
  brSetState(p, state);
  brPortStateSelection(p.br);
  return 0;
}

const PORT_FLAG_ATTRS: [number, number][] = [
  [B.IFLA_BRPORT_MODE, BR_HAIRPIN_MODE], [B.IFLA_BRPORT_GUARD, BR_BPDU_GUARD],
  [B.IFLA_BRPORT_FAST_LEAVE, BR_MULTICAST_FAST_LEAVE], [B.IFLA_BRPORT_PROTECT, BR_ROOT_BLOCK],
  [B.IFLA_BRPORT_LEARNING, BR_LEARNING], [B.IFLA_BRPORT_UNICAST_FLOOD, BR_FLOOD],
  [B.IFLA_BRPORT_MCAST_FLOOD, BR_MCAST_FLOOD], [B.IFLA_BRPORT_MCAST_TO_UCAST, BR_MULTICAST_TO_UNICAST],
  [B.IFLA_BRPORT_BCAST_FLOOD, BR_BCAST_FLOOD], [B.IFLA_BRPORT_PROXYARP, BR_PROXYARP],
  [B.IFLA_BRPORT_PROXYARP_WIFI, BR_PROXYARP_WIFI], [B.IFLA_BRPORT_VLAN_TUNNEL, BR_VLAN_TUNNEL],
  [B.IFLA_BRPORT_NEIGH_SUPPRESS, BR_NEIGH_SUPPRESS], [B.IFLA_BRPORT_ISOLATED, BR_ISOLATED],
  [B.IFLA_BRPORT_LOCKED, BR_PORT_LOCKED],
];

/** Linux: br_setport(): apply IFLA_BRPORT_* to a port. */
function brSetport(p: NetBridgePort, tb: NlaTable): number {
  const oldFlags = p.flags;
  for (const [attr, flag] of PORT_FLAG_ATTRS) {
    const a = tb[attr];
    if (!a) continue;
    if (nlaGetU8(a)) p.flags |= flag;
    else p.flags &= ~flag;
  }
  brPortFlagsChange(p, oldFlags ^ p.flags);
  let err: number;
  if (tb[B.IFLA_BRPORT_COST]) {
    err = brStpSetPathCost(p, nlaGetU32(tb[B.IFLA_BRPORT_COST]), BR_ADMIN_COST);
    if (err) return err;
  }
  if (tb[B.IFLA_BRPORT_PRIORITY]) {
    err = brStpSetPortPriority(p, nlaGetU16(tb[B.IFLA_BRPORT_PRIORITY]));
    if (err) return err;
  }
  if (tb[B.IFLA_BRPORT_STATE]) {
    err = brSetPortState(p, nlaGetU8(tb[B.IFLA_BRPORT_STATE]));
    if (err) return err;
  }
  if (tb[B.IFLA_BRPORT_FLUSH]) brFdbDeleteByPort(p.br, p, 0, false);
  if (tb[B.IFLA_BRPORT_MULTICAST_ROUTER]) {
    const r = nlaGetU8(tb[B.IFLA_BRPORT_MULTICAST_ROUTER]);
    if (r > 3) return -EINVAL;
    p.multicastRouter = r;
  }
  if (tb[B.IFLA_BRPORT_GROUP_FWD_MASK]) {
    const mask = nlaGetU16(tb[B.IFLA_BRPORT_GROUP_FWD_MASK]);
    // BR_GROUPFWD_MACPAUSE
    if (mask & 2) return -EINVAL;
    p.groupFwdMask = mask;
  }
  return 0;
}

/** Linux: br_changelink(): IFLA_BR_* on an existing bridge. */
function brChangelink(dev: NetDevice, _tb: NlaTable, data: NlaTable | null, extack: NetlinkExtAck): number {
  if (!data) return 0;
  const br = brFromDev(dev);
  let err = 0;
  // Without CONFIG_BRIDGE_VLAN_FILTERING, br_vlan_filter_toggle() is a stub returning -EOPNOTSUPP.
  if (data[B.IFLA_BR_VLAN_FILTERING]) return -EOPNOTSUPP;
  if (data[B.IFLA_BR_FORWARD_DELAY]) {
    const t = clockTToNs(nlaGetU32(data[B.IFLA_BR_FORWARD_DELAY]));
    if (br.stpEnabled !== 0 && (t < 2e9 || t > 30e9)) return -ERANGE;
    br.forwardDelay = br.bridgeForwardDelay = t;
  }
  if (data[B.IFLA_BR_HELLO_TIME]) {
    const t = clockTToNs(nlaGetU32(data[B.IFLA_BR_HELLO_TIME]));
    if (t < 1e9 || t > 10e9) return -ERANGE;
    br.helloTime = br.bridgeHelloTime = t;
  }
  if (data[B.IFLA_BR_MAX_AGE]) {
    const t = clockTToNs(nlaGetU32(data[B.IFLA_BR_MAX_AGE]));
    if (t < 6e9 || t > 40e9) return -ERANGE;
    br.maxAge = br.bridgeMaxAge = t;
  }
  if (data[B.IFLA_BR_AGEING_TIME]) {
    br.ageingTime = br.bridgeAgeingTime = clockTToNs(nlaGetU32(data[B.IFLA_BR_AGEING_TIME]));
    // Linux: mod_delayed_work(system_long_wq, &br->gc_work, 0)
    brFdbCleanup(br);
  }
  if (data[B.IFLA_BR_STP_STATE]) {
    err = brStpSetEnabled(br, nlaGetU32(data[B.IFLA_BR_STP_STATE]));
    if (err) return err;
  }
  if (data[B.IFLA_BR_PRIORITY]) brStpSetBridgePriority(br, nlaGetU16(data[B.IFLA_BR_PRIORITY]));
  if (data[B.IFLA_BR_GROUP_FWD_MASK]) {
    const mask = nlaGetU16(data[B.IFLA_BR_GROUP_FWD_MASK]);
    // BR_GROUPFWD_RESTRICTED: STP, MAC pause, LACP
    if (mask & 0x7) {
      extack.msg = 'Invalid group forward mask';
      return -EINVAL;
    }
    br.groupFwdMask = mask;
  }
  if (data[B.IFLA_BR_GROUP_ADDR]) {
    const a = data[B.IFLA_BR_GROUP_ADDR].data;
    if (a.length < ETH_ALEN || !isLinkLocalEtherAddr(a) || a[5] === 1 || a[5] === 2 || a[5] === 3) return -EINVAL;
    br.groupAddr = a.slice(0, 6);
  }
  if (data[B.IFLA_BR_FDB_FLUSH]) brFdbFlush(br);
  if (data[B.IFLA_BR_MCAST_SNOOPING]) br.mcastSnooping = nlaGetU8(data[B.IFLA_BR_MCAST_SNOOPING]) ? 1 : 0;
  if (data[B.IFLA_BR_NF_CALL_IPTABLES]) br.nfCallIptables = nlaGetU8(data[B.IFLA_BR_NF_CALL_IPTABLES]) ? 1 : 0;
  if (data[B.IFLA_BR_NF_CALL_IP6TABLES]) br.nfCallIp6tables = nlaGetU8(data[B.IFLA_BR_NF_CALL_IP6TABLES]) ? 1 : 0;
  if (data[B.IFLA_BR_NF_CALL_ARPTABLES]) br.nfCallArptables = nlaGetU8(data[B.IFLA_BR_NF_CALL_ARPTABLES]) ? 1 : 0;
  if (data[B.IFLA_BR_MULTI_BOOLOPT]) {
    const d = data[B.IFLA_BR_MULTI_BOOLOPT].data;
    if (d.length >= 8) {
      const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
      const optval = v.getUint32(0, true);
      const optmask = v.getUint32(4, true);
      if (optmask & (1 << B.BR_BOOLOPT_NO_LL_LEARN)) br.noLinklocalLearn = (optval & (1 << B.BR_BOOLOPT_NO_LL_LEARN)) !== 0;
      if (optmask & (1 << B.BR_BOOLOPT_MCAST_VLAN_SNOOPING) && optval & (1 << B.BR_BOOLOPT_MCAST_VLAN_SNOOPING)) {
        extack.msg = 'Cannot enable multicast vlan snooping with vlan filtering disabled';
        return -EINVAL;
      }
    }
  }
  return 0;
}

/** Linux: br_validate(). */
function brValidate(tb: NlaTable): number {
  const a = tb[IFLA_ADDRESS];
  if (a) {
    if (a.data.length !== ETH_ALEN) return -EINVAL;
    if (!isValidEtherAddr(a.data)) return -EADDRNOTAVAIL;
  }
  return 0;
}

/** Linux: br_dev_newlink(). */
function brDevNewlink(_srcNet: unknown, dev: NetDevice, tb: NlaTable, data: NlaTable | null, extack: NetlinkExtAck): number {
  const addr = tb[IFLA_ADDRESS]?.data.slice(0, ETH_ALEN) ?? null;
  // eth_hw_addr_random() in Linux's br_dev_setup(); the rng is the kernel's.
  if (!addr) ethHwAddrRandom(dev, dev.net.kernel.rng);
  const err = registerNetdevice(dev.net, dev);
  if (err) return err;
  brDevRegistered(dev, addr);
  const e2 = brChangelink(dev, tb, data, extack);
  if (e2) {
    brReleasePorts(dev);
    unregisterNetdevice(dev);
    return e2;
  }
  return 0;
}

/** Linux: br_port_slave_changelink(). */
function brPortSlaveChangelink(_master: NetDevice, slave: NetDevice, _tb: NlaTable, data: NlaTable | null): number {
  if (!data) return 0;
  const p = brPortGet(slave);
  if (!p) return -EINVAL;
  const err = brSetport(p, data);
  if (!err) brIfinfoNotify(RTM_NEWLINK, null, p);
  return err;
}

export const brLinkOps: RtnlLinkOps = {
  kind: 'bridge',
  setup: brDevSetup,
  maxtype: B.IFLA_BR_MAX,
  policy: brPolicy,
  slaveMaxtype: B.IFLA_BRPORT_MAX,
  slavePolicy: brPortPolicy,
  validate: brValidate,
  newlink: brDevNewlink,
  changelink: brChangelink,
  dellink: brDevDelete,
  slaveChangelink: brPortSlaveChangelink,
  fillInfo: brFillInfo,
  fillSlaveInfo: (skb, _dev, slave) => {
    const p = brPortGet(slave);
    return p ? brPortFillAttrs(skb, p) : 0;
  },
};

/* ------------------------------------------------------------------ */
/* AF_BRIDGE links: `bridge link`                                      */

/**
 * Linux: br_fill_ifinfo(): an AF_BRIDGE RTM_NEWLINK/DELLINK for a port (with
 * IFLA_PROTINFO) or for the bridge itself.
 */
export function brFillIfinfo(skb: NlMsgBuilder, port: NetBridgePort | null, portid: number, seq: number, event: number,
  flags: number, dev: NetDevice): number {
  const br: NetBridge = port ? port.br : brFromDev(dev);
  const mark = skb.len;
  const nlh = skb.nlmsgPut(portid, seq, event, IFINFOMSG_LEN, flags);
  const ifm = nlh + NLMSG_HDRLEN;
  skb.setU8(ifm, AF_BRIDGE);
  skb.setU16(ifm + 2, dev.type);
  skb.setS32(ifm + 4, dev.ifindex);
  skb.setU32(ifm + 8, devGetFlags(dev));
  skb.setU32(ifm + 12, 0);
  skb.nlaPutString(IFLA_IFNAME, dev.name);
  skb.nlaPutU32(IFLA_MASTER, br.dev.ifindex);
  skb.nlaPutU32(IFLA_MTU, dev.mtu);
  skb.nlaPutU8(IFLA_OPERSTATE, netifRunning(dev) ? dev.operstate : IF_OPER_DOWN);
  if (dev.addrLen) skb.nlaPut(IFLA_ADDRESS, dev.devAddr.subarray(0, dev.addrLen));
  const iflink = devGetIflink(dev);
  if (dev.ifindex !== iflink) skb.nlaPutU32(IFLA_LINK, iflink);
  if (event === RTM_NEWLINK && port) {
    const nest = skb.nlaNestStart(IFLA_PROTINFO);
    brPortFillAttrs(skb, port);
    skb.nlaNestEnd(nest);
  }
  skb.nlmsgEnd(nlh);
  if (skb.overLimit()) {
    skb.trim(mark);
    return -90; // -EMSGSIZE
  }
  return 0;
}

/** Linux: br_ifinfo_notify() -> br_info_notify(): to RTNLGRP_LINK. */
function brIfinfoNotifyNetlink(event: number, br: NetBridge | null, port: NetBridgePort | null): void {
  const dev = port ? port.dev : br!.dev;
  const skb = new NlMsgBuilder(512);
  if (brFillIfinfo(skb, port, 0, 0, event, 0, dev) < 0) return;
  rtnlNotify(dev.net, skb.bytes(), 0, RTNLGRP_LINK);
}

/** Linux: rtnl_bridge_getlink() with br_getlink() as ndo_bridge_getlink. */
function rtnlBridgeGetlink(cb: NetlinkCallback): number {
  let filterMask = 0;
  if (cb.nlh.msg.length >= NLMSG_HDRLEN + IFINFOMSG_LEN) {
    const tb = nlmsgParse(cb.nlh.msg, IFINFOMSG_LEN, IFLA_MAX, iflaPolicy);
    if (typeof tb !== 'number' && tb[IFLA_EXT_MASK]) filterMask = nlaGetU32(tb[IFLA_EXT_MASK]);
  }
  const wantsBridges = (filterMask & (RTEXT_FILTER_BRVLAN | RTEXT_FILTER_BRVLAN_COMPRESSED | RTEXT_FILTER_MRP |
    RTEXT_FILTER_CFM_CONFIG | RTEXT_FILTER_CFM_STATUS)) !== 0;
  const skb = cb.skb;
  let idx = 0;
  for (const dev of cb.net.devices) {
    const port = brPortGet(dev);
    if (port && dev.master) {
      if (idx >= cb.args[0]!) {
        if (brFillIfinfo(skb, port, cb.sk.portid, cb.nlh.seq, RTM_NEWLINK, NLM_F_MULTI, dev) < 0) break;
      }
      idx++;
    }
    if (netifIsBridgeMaster(dev)) {
      if (idx >= cb.args[0]! && wantsBridges) {
        if (brFillIfinfo(skb, null, cb.sk.portid, cb.nlh.seq, RTM_NEWLINK, NLM_F_MULTI, dev) < 0) break;
      }
      idx++;
    }
  }
  cb.args[0] = idx;
  return skb.len;
}

/** Linux: rtnl_bridge_setlink() with br_setlink() as the master's ndo_bridge_setlink. */
function rtnlBridgeSetlink(req: RtnlRequest): number {
  const msg = req.nlh.msg;
  if (msg.length < NLMSG_HDRLEN + IFINFOMSG_LEN) return -EINVAL;
  if (msg[NLMSG_HDRLEN] !== AF_BRIDGE) return -EPFNOSUPPORT;
  const v = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
  const ifindex = v.getInt32(NLMSG_HDRLEN + 4, true);
  const dev = req.net.devGetByIndex(ifindex);
  if (!dev) {
    req.extack.msg = 'unknown ifindex';
    return -ENODEV;
  }
  const { attrs } = nlaWalk(msg, NLMSG_HDRLEN + IFINFOMSG_LEN, msg.length - NLMSG_HDRLEN - IFINFOMSG_LEN);
  const protinfo = attrs.find((a) => a.type === IFLA_PROTINFO);
  const afspec = attrs.find((a) => a.type === IFLA_AF_SPEC);
  let flags = 0;
  if (afspec) {
    for (const a of nlaWalk(afspec.data, 0, afspec.data.length).attrs) {
      if (a.type === B.IFLA_BRIDGE_FLAGS) {
        if (a.data.length < 2) return -EINVAL;
        flags = nlaGetU16(a);
        break;
      }
    }
  }
  if (!flags || flags & B.BRIDGE_FLAGS_MASTER) {
    const brDev = dev.master;
    if (!brDev || !netifIsBridgeMaster(brDev)) return -EOPNOTSUPP;
    // Linux: br_setlink()
    if (!protinfo && !afspec) return 0;
    const p = brPortGet(dev);
    if (!p && !afspec) return -EINVAL;
    let changed = false;
    if (p && protinfo) {
      let err: number;
      if (protinfo.rawType & NLA_F_NESTED) {
        const tb = nlaParseNested(protinfo, B.IFLA_BRPORT_MAX, brPortPolicy);
        if (typeof tb === 'number') return tb;
        err = brSetport(p, tb);
      } else {
        // "Binary compatibility with old RSTP"
        if (protinfo.data.length < 1) return -EINVAL;
        err = brSetPortState(p, nlaGetU8(protinfo));
      }
      if (err) return err;
      changed = true;
    }
    if (changed && p) brIfinfoNotify(RTM_NEWLINK, null, p);
    flags &= ~B.BRIDGE_FLAGS_MASTER;
  }
  if (flags & B.BRIDGE_FLAGS_SELF) {
    // No device here implements ndo_bridge_setlink on itself (hardware offload).
    return -EOPNOTSUPP;
  }
  return 0;
}

/** Register the bridge's netlink parts (called from brInit). */
export function brNetlinkInit(k: Kernel): void {
  rtnlLinkRegister(k, brLinkOps);
  rtnlRegister(k, AF_BRIDGE, RTM_GETLINK, null, rtnlBridgeGetlink);
  rtnlRegister(k, AF_BRIDGE, RTM_SETLINK, rtnlBridgeSetlink, null);
  brFdbNetlinkInit(k);
  setBridgeHooks(k, { ifinfoNotify: brIfinfoNotifyNetlink, fdbNotify: fdbNotifyNetlink });
}

