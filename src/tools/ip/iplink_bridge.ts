/**
 * `ip link ... type bridge` and `type bridge_slave` (iproute2 6.1:
 * ip/iplink_bridge.c, ip/iplink_bridge_slave.c): the IFLA_BR_* /
 * IFLA_BRPORT_* options for add/set, and what `ip -d link` prints for them.
 * The most used options are parsed; the printers cover every attribute the
 * tuxnet bridge reports.
 */
import type { NlMsgBuilder, NlaTable } from '../../wire/netlink.js';
import { nlaGetU8, nlaGetU16, nlaGetU32, nlaGetU64 } from '../../wire/netlink.js';
import * as B from '../../wire/if_bridge.js';
import type { Printer } from './json_print.js';
import type { LinkUtil } from './iplink_kinds.js';

type Kind = 'u8' | 'u16' | 'u32' | 'u64';

/** `ip link add br0 type bridge NAME VALUE` options: name -> attribute and width. */
const BR_OPTS: Record<string, [number, Kind]> = {
  forward_delay: [B.IFLA_BR_FORWARD_DELAY, 'u32'], hello_time: [B.IFLA_BR_HELLO_TIME, 'u32'],
  max_age: [B.IFLA_BR_MAX_AGE, 'u32'], ageing_time: [B.IFLA_BR_AGEING_TIME, 'u32'],
  stp_state: [B.IFLA_BR_STP_STATE, 'u32'], priority: [B.IFLA_BR_PRIORITY, 'u16'],
  vlan_filtering: [B.IFLA_BR_VLAN_FILTERING, 'u8'], group_fwd_mask: [B.IFLA_BR_GROUP_FWD_MASK, 'u16'],
  mcast_snooping: [B.IFLA_BR_MCAST_SNOOPING, 'u8'], nf_call_iptables: [B.IFLA_BR_NF_CALL_IPTABLES, 'u8'],
  nf_call_ip6tables: [B.IFLA_BR_NF_CALL_IP6TABLES, 'u8'], nf_call_arptables: [B.IFLA_BR_NF_CALL_ARPTABLES, 'u8'],
  mcast_router: [B.IFLA_BR_MCAST_ROUTER, 'u8'], mcast_querier: [B.IFLA_BR_MCAST_QUERIER, 'u8'],
};

function put(b: NlMsgBuilder, attr: number, kind: Kind, v: number): void {
  if (kind === 'u8') b.nlaPutU8(attr, v);
  else if (kind === 'u16') b.nlaPutU16(attr, v);
  else if (kind === 'u32') b.nlaPutU32(attr, v);
  else b.nlaPutU64(attr, v);
}

function get(a: NonNullable<NlaTable[number]>, kind: Kind): number {
  if (kind === 'u8') return nlaGetU8(a);
  if (kind === 'u16') return nlaGetU16(a);
  if (kind === 'u32') return nlaGetU32(a);
  return nlaGetU64(a);
}

/** iproute2: br_dump_bridge_id(): "8000.a:95:1f:a0:10:6b". */
function bridgeId(d: Uint8Array): string {
  const prio = d[0]!.toString(16).padStart(2, '0') + d[1]!.toString(16).padStart(2, '0');
  return `${prio}.${[...d.subarray(2, 8)].map((x) => x.toString(16)).join(':')}`;
}

function timer(p: Printer, key: string, a: NlaTable[number]): void {
  if (!a) return;
  const v = nlaGetU64(a) / 100;
  if (p.isJson) p.jsonOnly(key, v);
  else p.fp(`${key} ${v.toFixed(2).padStart(7)} `);
}

const bridge: LinkUtil = {
  maxattr: B.IFLA_BR_MAX,
  parseOpt(args, b, err) {
    while (args.length) {
      const name = args.shift()!;
      if (name === 'fdb_flush') {
        b.nlaPutFlag(B.IFLA_BR_FDB_FLUSH);
        continue;
      }
      const o = BR_OPTS[name];
      const v = args.shift();
      if (!o || v === undefined || !/^(0x[0-9a-f]+|\d+)$/i.test(v)) {
        err(o ? `Error: argument "${v ?? ''}" is wrong: invalid ${name}\n` :
          `bridge: unknown command "${name}"?\n`);
        return 255;
      }
      put(b, o[0], o[1], Number(v));
    }
    return 0;
  },
  printOpt(p, tb) {
    if (!tb) return;
    const u = (key: string, attr: number, kind: Kind): void => {
      const a = tb[attr];
      if (a) p.any(key, `${key} %s `, get(a, kind));
    };
    u('forward_delay', B.IFLA_BR_FORWARD_DELAY, 'u32');
    u('hello_time', B.IFLA_BR_HELLO_TIME, 'u32');
    u('max_age', B.IFLA_BR_MAX_AGE, 'u32');
    u('ageing_time', B.IFLA_BR_AGEING_TIME, 'u32');
    u('stp_state', B.IFLA_BR_STP_STATE, 'u32');
    u('priority', B.IFLA_BR_PRIORITY, 'u16');
    u('vlan_filtering', B.IFLA_BR_VLAN_FILTERING, 'u8');
    if (tb[B.IFLA_BR_BRIDGE_ID]) p.any('bridge_id', 'bridge_id %s ', bridgeId(tb[B.IFLA_BR_BRIDGE_ID].data));
    if (tb[B.IFLA_BR_ROOT_ID]) p.any('root_id', 'designated_root %s ', bridgeId(tb[B.IFLA_BR_ROOT_ID].data));
    u('root_port', B.IFLA_BR_ROOT_PORT, 'u16');
    u('root_path_cost', B.IFLA_BR_ROOT_PATH_COST, 'u32');
    u('topology_change', B.IFLA_BR_TOPOLOGY_CHANGE, 'u8');
    u('topology_change_detected', B.IFLA_BR_TOPOLOGY_CHANGE_DETECTED, 'u8');
    timer(p, 'hello_timer', tb[B.IFLA_BR_HELLO_TIMER]);
    timer(p, 'tcn_timer', tb[B.IFLA_BR_TCN_TIMER]);
    timer(p, 'topology_change_timer', tb[B.IFLA_BR_TOPOLOGY_CHANGE_TIMER]);
    timer(p, 'gc_timer', tb[B.IFLA_BR_GC_TIMER]);
    u('group_fwd_mask', B.IFLA_BR_GROUP_FWD_MASK, 'u16');
    if (tb[B.IFLA_BR_GROUP_ADDR]) {
      p.any('group_addr', 'group_address %s ', [...tb[B.IFLA_BR_GROUP_ADDR].data].map((x) => x.toString(16).padStart(2, '0')).join(':'));
    }
    u('mcast_snooping', B.IFLA_BR_MCAST_SNOOPING, 'u8');
    const bm = tb[B.IFLA_BR_MULTI_BOOLOPT];
    if (bm && bm.data.length >= 8) {
      const optval = nlaGetU32(bm);
      p.any('no_linklocal_learn', 'no_linklocal_learn %s ', optval & (1 << B.BR_BOOLOPT_NO_LL_LEARN) ? 1 : 0);
      p.any('mcast_vlan_snooping', 'mcast_vlan_snooping %s ', optval & (1 << B.BR_BOOLOPT_MCAST_VLAN_SNOOPING) ? 1 : 0);
    }
    u('mcast_router', B.IFLA_BR_MCAST_ROUTER, 'u8');
    u('mcast_query_use_ifaddr', B.IFLA_BR_MCAST_QUERY_USE_IFADDR, 'u8');
    u('mcast_querier', B.IFLA_BR_MCAST_QUERIER, 'u8');
    u('mcast_hash_elasticity', B.IFLA_BR_MCAST_HASH_ELASTICITY, 'u32');
    u('mcast_hash_max', B.IFLA_BR_MCAST_HASH_MAX, 'u32');
    u('mcast_last_member_cnt', B.IFLA_BR_MCAST_LAST_MEMBER_CNT, 'u32');
    u('mcast_startup_query_cnt', B.IFLA_BR_MCAST_STARTUP_QUERY_CNT, 'u32');
    u('mcast_last_member_intvl', B.IFLA_BR_MCAST_LAST_MEMBER_INTVL, 'u64');
    u('mcast_membership_intvl', B.IFLA_BR_MCAST_MEMBERSHIP_INTVL, 'u64');
    u('mcast_querier_intvl', B.IFLA_BR_MCAST_QUERIER_INTVL, 'u64');
    u('mcast_query_intvl', B.IFLA_BR_MCAST_QUERY_INTVL, 'u64');
    u('mcast_query_response_intvl', B.IFLA_BR_MCAST_QUERY_RESPONSE_INTVL, 'u64');
    u('mcast_startup_query_intvl', B.IFLA_BR_MCAST_STARTUP_QUERY_INTVL, 'u64');
    u('mcast_stats_enabled', B.IFLA_BR_MCAST_STATS_ENABLED, 'u8');
    u('mcast_igmp_version', B.IFLA_BR_MCAST_IGMP_VERSION, 'u8');
    u('mcast_mld_version', B.IFLA_BR_MCAST_MLD_VERSION, 'u8');
    u('nf_call_iptables', B.IFLA_BR_NF_CALL_IPTABLES, 'u8');
    u('nf_call_ip6tables', B.IFLA_BR_NF_CALL_IP6TABLES, 'u8');
    u('nf_call_arptables', B.IFLA_BR_NF_CALL_ARPTABLES, 'u8');
  },
};

/** The text names differ from the JSON keys for some (iproute2 prints e.g. mcast_last_member_count). */
const TEXT_NAMES: Record<string, string> = {
  mcast_last_member_cnt: 'mcast_last_member_count', mcast_startup_query_cnt: 'mcast_startup_query_count',
  mcast_last_member_intvl: 'mcast_last_member_interval', mcast_membership_intvl: 'mcast_membership_interval',
  mcast_querier_intvl: 'mcast_querier_interval', mcast_query_intvl: 'mcast_query_interval',
  mcast_query_response_intvl: 'mcast_query_response_interval',
  mcast_startup_query_intvl: 'mcast_startup_query_interval',
};
const printBridge = bridge.printOpt!;
bridge.printOpt = (p, tb) => {
  if (p.isJson) {
    printBridge(p, tb);
    return;
  }
  const orig = p.any.bind(p);
  p.any = (key, fmt, value) => orig(key, key && TEXT_NAMES[key] ? `${TEXT_NAMES[key]} %s ` : fmt, value);
  try {
    printBridge(p, tb);
  } finally {
    p.any = orig;
  }
};

const PORT_STATES = ['disabled', 'listening', 'learning', 'forwarding', 'blocking'];

/** `type bridge_slave` options that take on/off (iproute2: iplink_bridge_slave.c). */
const SLAVE_ONOFF: [string, number][] = [
  ['hairpin', B.IFLA_BRPORT_MODE], ['guard', B.IFLA_BRPORT_GUARD], ['root_block', B.IFLA_BRPORT_PROTECT],
  ['fastleave', B.IFLA_BRPORT_FAST_LEAVE], ['learning', B.IFLA_BRPORT_LEARNING], ['flood', B.IFLA_BRPORT_UNICAST_FLOOD],
  ['proxy_arp', B.IFLA_BRPORT_PROXYARP], ['proxy_arp_wifi', B.IFLA_BRPORT_PROXYARP_WIFI],
  ['mcast_flood', B.IFLA_BRPORT_MCAST_FLOOD], ['bcast_flood', B.IFLA_BRPORT_BCAST_FLOOD],
  ['mcast_to_unicast', B.IFLA_BRPORT_MCAST_TO_UCAST], ['neigh_suppress', B.IFLA_BRPORT_NEIGH_SUPPRESS],
  ['vlan_tunnel', B.IFLA_BRPORT_VLAN_TUNNEL], ['isolated', B.IFLA_BRPORT_ISOLATED], ['locked', B.IFLA_BRPORT_LOCKED],
];

const bridgeSlave: LinkUtil = {
  maxattr: B.IFLA_BRPORT_MAX,
  parseOpt(args, b, err) {
    while (args.length) {
      const name = args.shift()!;
      if (name === 'flush') {
        b.nlaPutFlag(B.IFLA_BRPORT_FLUSH);
        continue;
      }
      const v = args.shift();
      const onoff = SLAVE_ONOFF.find(([n]) => n === name);
      if (onoff && v !== undefined) {
        if (v !== 'on' && v !== 'off') {
          err(`Error: argument of "${name}" must be "on" or "off", not "${v}"\n`);
          return 255;
        }
        b.nlaPutU8(onoff[1], v === 'on' ? 1 : 0);
      } else if (name === 'state' && v !== undefined) {
        const s = /^\d+$/.test(v) ? Number(v) : PORT_STATES.indexOf(v);
        if (s < 0) {
          err(`Error: argument "${v}" is wrong: state is invalid\n`);
          return 255;
        }
        b.nlaPutU8(B.IFLA_BRPORT_STATE, s);
      } else if (name === 'priority' && v !== undefined) {
        b.nlaPutU16(B.IFLA_BRPORT_PRIORITY, Number(v));
      } else if (name === 'cost' && v !== undefined) {
        b.nlaPutU32(B.IFLA_BRPORT_COST, Number(v));
      } else {
        err(`bridge_slave: unknown option "${name}"?\n`);
        return 255;
      }
    }
    return 0;
  },
  printOpt(p, tb) {
    if (!tb) return;
    const onoff = (key: string, attr: number): void => {
      const a = tb[attr];
      if (!a) return;
      if (p.isJson) p.jsonOnly(key, nlaGetU8(a) !== 0);
      else p.fp(`${key} ${nlaGetU8(a) ? 'on' : 'off'} `);
    };
    if (tb[B.IFLA_BRPORT_STATE]) {
      const s = nlaGetU8(tb[B.IFLA_BRPORT_STATE]);
      p.any('state', 'state %s ', PORT_STATES[s] ?? String(s));
    }
    if (tb[B.IFLA_BRPORT_PRIORITY]) p.any('priority', 'priority %s ', nlaGetU16(tb[B.IFLA_BRPORT_PRIORITY]));
    if (tb[B.IFLA_BRPORT_COST]) p.any('cost', 'cost %s ', nlaGetU32(tb[B.IFLA_BRPORT_COST]));
    onoff('hairpin', B.IFLA_BRPORT_MODE);
    onoff('guard', B.IFLA_BRPORT_GUARD);
    onoff('root_block', B.IFLA_BRPORT_PROTECT);
    onoff('fastleave', B.IFLA_BRPORT_FAST_LEAVE);
    onoff('learning', B.IFLA_BRPORT_LEARNING);
    onoff('flood', B.IFLA_BRPORT_UNICAST_FLOOD);
    if (tb[B.IFLA_BRPORT_ID]) p.any('id', 'port_id 0x%s ', nlaGetU16(tb[B.IFLA_BRPORT_ID]).toString(16));
    if (tb[B.IFLA_BRPORT_NO]) p.any('no', 'port_no 0x%s ', nlaGetU16(tb[B.IFLA_BRPORT_NO]).toString(16));
    if (tb[B.IFLA_BRPORT_DESIGNATED_PORT]) p.any('designated_port', 'designated_port %s ', nlaGetU16(tb[B.IFLA_BRPORT_DESIGNATED_PORT]));
    if (tb[B.IFLA_BRPORT_DESIGNATED_COST]) p.any('designated_cost', 'designated_cost %s ', nlaGetU16(tb[B.IFLA_BRPORT_DESIGNATED_COST]));
    if (tb[B.IFLA_BRPORT_BRIDGE_ID]) p.any('bridge_id', 'designated_bridge %s ', bridgeId(tb[B.IFLA_BRPORT_BRIDGE_ID].data));
    if (tb[B.IFLA_BRPORT_ROOT_ID]) p.any('root_id', 'designated_root %s ', bridgeId(tb[B.IFLA_BRPORT_ROOT_ID].data));
    timer(p, 'hold_timer', tb[B.IFLA_BRPORT_HOLD_TIMER]);
    timer(p, 'message_age_timer', tb[B.IFLA_BRPORT_MESSAGE_AGE_TIMER]);
    timer(p, 'forward_delay_timer', tb[B.IFLA_BRPORT_FORWARD_DELAY_TIMER]);
    if (tb[B.IFLA_BRPORT_TOPOLOGY_CHANGE_ACK]) p.any('topology_change_ack', 'topology_change_ack %s ', nlaGetU8(tb[B.IFLA_BRPORT_TOPOLOGY_CHANGE_ACK]));
    if (tb[B.IFLA_BRPORT_CONFIG_PENDING]) p.any('config_pending', 'config_pending %s ', nlaGetU8(tb[B.IFLA_BRPORT_CONFIG_PENDING]));
    onoff('proxy_arp', B.IFLA_BRPORT_PROXYARP);
    onoff('proxy_arp_wifi', B.IFLA_BRPORT_PROXYARP_WIFI);
    if (tb[B.IFLA_BRPORT_MULTICAST_ROUTER]) p.any('multicast_router', 'mcast_router %s ', nlaGetU8(tb[B.IFLA_BRPORT_MULTICAST_ROUTER]));
    onoff('mcast_fast_leave', B.IFLA_BRPORT_FAST_LEAVE);
    onoff('mcast_flood', B.IFLA_BRPORT_MCAST_FLOOD);
    onoff('bcast_flood', B.IFLA_BRPORT_BCAST_FLOOD);
    onoff('mcast_to_unicast', B.IFLA_BRPORT_MCAST_TO_UCAST);
    onoff('neigh_suppress', B.IFLA_BRPORT_NEIGH_SUPPRESS);
    if (tb[B.IFLA_BRPORT_GROUP_FWD_MASK]) {
      const m = nlaGetU16(tb[B.IFLA_BRPORT_GROUP_FWD_MASK]);
      p.any('group_fwd_mask', 'group_fwd_mask %s ', m);
      p.any('group_fwd_mask_str', 'group_fwd_mask_str %s ', `0x${m.toString(16)}`);
    }
    onoff('vlan_tunnel', B.IFLA_BRPORT_VLAN_TUNNEL);
    onoff('isolated', B.IFLA_BRPORT_ISOLATED);
    onoff('locked', B.IFLA_BRPORT_LOCKED);
  },
};

/** The entries iplink_kinds.ts registers in LINK_UTILS. */
export const BRIDGE_LINK_UTILS: [string, LinkUtil][] = [['bridge', bridge], ['bridge_slave', bridgeSlave]];
