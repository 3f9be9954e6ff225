/**
 * The net.ipv4.* sysctls (Linux: net/ipv4/sysctl_net_ipv4.c ipv4_net_table)
 * and net.ipv4.conf.{all,default,DEV}.* (Linux: net/ipv4/devinet.c
 * devinet_sysctl_table, devinet_conf_proc, devinet_sysctl_forward). Values are
 * parsed as Linux's proc_dointvec family parses them (leading blanks, base 0
 * numbers - "0x20" is 32 -, the first value required, extra values ignored,
 * vectors tab-separated on output) and range-checked as Linux's tables do.
 * net.ipv4.route.* is registered by route.ts, net.ipv4.neigh.* by arp.ts.
 */
import type { Kernel, Net } from '../core/net_namespace.js';
import type { SysctlEntry } from '../core/sysctl.js';
import { EINVAL, EPERM } from '../socket/errno.js';
import { tcpSetDefaultCongestionControl, tcpGetAvailableCongestionControl, tcpSetAllowedCongestionControl } from './tcp_cong.js';
import {
  type InDevice, IPV4_DEVCONF_FORWARDING, IPV4_DEVCONF_MC_FORWARDING, IPV4_DEVCONF_BC_FORWARDING,
  IPV4_DEVCONF_ACCEPT_REDIRECTS, IPV4_DEVCONF_SECURE_REDIRECTS, IPV4_DEVCONF_SHARED_MEDIA, IPV4_DEVCONF_RP_FILTER,
  IPV4_DEVCONF_SEND_REDIRECTS, IPV4_DEVCONF_ACCEPT_SOURCE_ROUTE, IPV4_DEVCONF_ACCEPT_LOCAL, IPV4_DEVCONF_SRC_VMARK,
  IPV4_DEVCONF_PROXY_ARP, IPV4_DEVCONF_MEDIUM_ID, IPV4_DEVCONF_BOOTP_RELAY, IPV4_DEVCONF_LOG_MARTIANS,
  IPV4_DEVCONF_TAG, IPV4_DEVCONF_ARPFILTER, IPV4_DEVCONF_ARP_ANNOUNCE, IPV4_DEVCONF_ARP_IGNORE,
  IPV4_DEVCONF_ARP_ACCEPT, IPV4_DEVCONF_ARP_NOTIFY, IPV4_DEVCONF_ARP_EVICT_NOCARRIER, IPV4_DEVCONF_PROXY_ARP_PVLAN,
  IPV4_DEVCONF_FORCE_IGMP_VERSION, IPV4_DEVCONF_IGMPV2_UNSOLICITED_REPORT_INTERVAL,
  IPV4_DEVCONF_IGMPV3_UNSOLICITED_REPORT_INTERVAL, IPV4_DEVCONF_IGNORE_ROUTES_WITH_LINKDOWN,
  IPV4_DEVCONF_DROP_GRATUITOUS_ARP, IPV4_DEVCONF_NOXFRM, IPV4_DEVCONF_NOPOLICY, IPV4_DEVCONF_PROMOTE_SECONDARIES,
  IPV4_DEVCONF_ROUTE_LOCALNET, IPV4_DEVCONF_DROP_UNICAST_IN_L2_MULTICAST, inDevGet,
} from './inetdevice.js';
import { type Ipv4Sysctls, ipv4Net, rtGenidBumpIpv4 } from './netns_ipv4.js';

/* ------------------------------------------------------------------ */
/* proc_dointvec and friends                                           */

const INT_MAX = 2147483647;
const UINT_MAX = 4294967295;

/**
 * Linux: __do_proc_dointvec() write side: up to `n` blank-separated numbers in
 * base 0 (strtoul_lenient: 0x.. hex, 0.. octal), '-' allowed; each must end at a
 * blank or the end. Returns the values read (at least one) or -EINVAL.
 */
export function procParseVec(text: string, n: number): number[] | number {
  const out: number[] = [];
  let p = 0;
  const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r' ||
    c === '\v' || c === '\f';
  while (out.length < n) {
    while (p < text.length && isSpace(text[p])) p++;
    if (p >= text.length) break;
    let neg = false;
    if (text[p] === '-') {
      neg = true;
      p++;
    }
    const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(text.slice(p));
    if (!m) return -EINVAL;
    p += m[0].length;
    // proc_get_long: the number must be followed by a separator (or the end).
    if (p < text.length && !isSpace(text[p])) return -EINVAL;
    const s = m[0];
    let v = /^0[xX]/.test(s) ? parseInt(s.slice(2), 16) : s.length > 1 && s[0] === '0' ? parseInt(s, 8) : Number(s);
    if (v > 2 ** 64) return -EINVAL;
    if (neg) v = -v;
    out.push(v);
  }
  return out.length ? out : -EINVAL;
}

/** Kinds of proc handlers: their value checks. */
export type ProcKind = 'int' | 'u8' | 'uint' | 'ulong';

function convOk(kind: ProcKind, v: number, min: number, max: number): boolean {
  switch (kind) {
    case 'int':
      if (v > INT_MAX || v < -INT_MAX - 1) return false;
      break;
    case 'u8':
      if (v < 0 || v > 255) return false;
      break;
    case 'uint':
      if (v < 0 || v > UINT_MAX) return false;
      break;
    case 'ulong':
      if (v < 0) return false;
      break;
  }
  return v >= min && v <= max;
}

/**
 * A vector sysctl (proc_dointvec_minmax / proc_dou8vec_minmax / ...): `get`
 * returns the current values, `set` stores them after the checks and may
 * refuse (-errno) as Linux's specialised handlers do. A write with fewer
 * values keeps the others.
 */
export function vecEntry(name: string, kind: ProcKind, n: number,
  get: (net: Net) => number[], set: (net: Net, v: number[]) => number,
  min = -Infinity, max = Infinity, mode = 0o644): SysctlEntry {
  return {
    name,
    mode,
    get: (net) => get(net).join('\t'),
    set: (net, text) => {
      const vals = procParseVec(text, n);
      if (typeof vals === 'number') return vals;
      for (const v of vals) if (!convOk(kind, v, min, max)) return -EINVAL;
      const cur = get(net).slice();
      vals.forEach((v, i) => {
        cur[i] = v;
      });
      return set(net, cur);
    },
  };
}

/** A one-value sysctl over a numeric Ipv4Sysctls field. */
function field(name: string, kind: ProcKind, key: keyof Ipv4Sysctls, min = -Infinity, max = Infinity,
  after?: (net: Net, old: number) => void): SysctlEntry {
  return vecEntry(name, kind, 1, (net) => [ipv4Net(net).sysctl[key] as number], (net, v) => {
    const s = ipv4Net(net).sysctl as unknown as Record<string, number>;
    const old = s[key]!;
    s[key] = v[0]!;
    after?.(net, old);
    return 0;
  }, min, max);
}

/* ------------------------------------------------------------------ */
/* net.ipv4.ip_local_reserved_ports (proc_do_large_bitmap)             */

function reservedPortsText(set: Set<number>): string {
  const ports = [...set].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < ports.length;) {
    let j = i;
    while (j + 1 < ports.length && ports[j + 1] === ports[j]! + 1) j++;
    parts.push(i === j ? `${ports[i]}` : `${ports[i]}-${ports[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** Linux: proc_do_large_bitmap() write: "N" and "A-B" items separated by commas, 0..65535. */
function parseReservedPorts(text: string): Set<number> | number {
  const t = text.replace(/\n+$/, '');
  const out = new Set<number>();
  if (t.length === 0) return out;
  for (const item of t.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(item);
    if (!m) return -EINVAL;
    const a = Number(m[1]);
    const b = m[2] !== undefined ? Number(m[2]) : a;
    if (a > 65535 || b > 65535 || b < a) return -EINVAL;
    for (let p = a; p <= b; p++) out.add(p);
  }
  return out;
}

/* ------------------------------------------------------------------ */
/* net.ipv4.conf                                                       */

/** Entry kinds of devinet_sysctl_table: plain (devinet_conf_proc), forward, flushing, read-only. */
type ConfKind = 'rw' | 'ro' | 'forward' | 'flush';

/** Linux: devinet_sysctl_table, in its order, with /proc/sys names. */
export const DEVINET_SYSCTL: readonly (readonly [number, string, ConfKind])[] = [
  [IPV4_DEVCONF_FORWARDING, 'forwarding', 'forward'],
  [IPV4_DEVCONF_MC_FORWARDING, 'mc_forwarding', 'ro'],
  [IPV4_DEVCONF_BC_FORWARDING, 'bc_forwarding', 'rw'],
  [IPV4_DEVCONF_ACCEPT_REDIRECTS, 'accept_redirects', 'rw'],
  [IPV4_DEVCONF_SECURE_REDIRECTS, 'secure_redirects', 'rw'],
  [IPV4_DEVCONF_SHARED_MEDIA, 'shared_media', 'rw'],
  [IPV4_DEVCONF_RP_FILTER, 'rp_filter', 'rw'],
  [IPV4_DEVCONF_SEND_REDIRECTS, 'send_redirects', 'rw'],
  [IPV4_DEVCONF_ACCEPT_SOURCE_ROUTE, 'accept_source_route', 'rw'],
  [IPV4_DEVCONF_ACCEPT_LOCAL, 'accept_local', 'rw'],
  [IPV4_DEVCONF_SRC_VMARK, 'src_valid_mark', 'rw'],
  [IPV4_DEVCONF_PROXY_ARP, 'proxy_arp', 'rw'],
  [IPV4_DEVCONF_MEDIUM_ID, 'medium_id', 'rw'],
  [IPV4_DEVCONF_BOOTP_RELAY, 'bootp_relay', 'rw'],
  [IPV4_DEVCONF_LOG_MARTIANS, 'log_martians', 'rw'],
  [IPV4_DEVCONF_TAG, 'tag', 'rw'],
  [IPV4_DEVCONF_ARPFILTER, 'arp_filter', 'rw'],
  [IPV4_DEVCONF_ARP_ANNOUNCE, 'arp_announce', 'rw'],
  [IPV4_DEVCONF_ARP_IGNORE, 'arp_ignore', 'rw'],
  [IPV4_DEVCONF_ARP_ACCEPT, 'arp_accept', 'rw'],
  [IPV4_DEVCONF_ARP_NOTIFY, 'arp_notify', 'rw'],
  [IPV4_DEVCONF_ARP_EVICT_NOCARRIER, 'arp_evict_nocarrier', 'rw'],
  [IPV4_DEVCONF_PROXY_ARP_PVLAN, 'proxy_arp_pvlan', 'rw'],
  [IPV4_DEVCONF_FORCE_IGMP_VERSION, 'force_igmp_version', 'rw'],
  [IPV4_DEVCONF_IGMPV2_UNSOLICITED_REPORT_INTERVAL, 'igmpv2_unsolicited_report_interval', 'rw'],
  [IPV4_DEVCONF_IGMPV3_UNSOLICITED_REPORT_INTERVAL, 'igmpv3_unsolicited_report_interval', 'rw'],
  [IPV4_DEVCONF_IGNORE_ROUTES_WITH_LINKDOWN, 'ignore_routes_with_linkdown', 'rw'],
  [IPV4_DEVCONF_DROP_GRATUITOUS_ARP, 'drop_gratuitous_arp', 'rw'],
  [IPV4_DEVCONF_NOXFRM, 'disable_xfrm', 'flush'],
  [IPV4_DEVCONF_NOPOLICY, 'disable_policy', 'flush'],
  [IPV4_DEVCONF_PROMOTE_SECONDARIES, 'promote_secondaries', 'flush'],
  [IPV4_DEVCONF_ROUTE_LOCALNET, 'route_localnet', 'flush'],
  [IPV4_DEVCONF_DROP_UNICAST_IN_L2_MULTICAST, 'drop_unicast_in_l2_multicast', 'flush'],
];

/** Linux: rt_cache_flush(). */
function rtCacheFlush(net: Net): void {
  rtGenidBumpIpv4(net);
}

/** Linux: inet_forward_change(): conf/all/forwarding (= ip_forward) goes to default and every device. */
export function inetForwardChange(net: Net): void {
  const n4 = ipv4Net(net);
  const on = n4.devconfAll[IPV4_DEVCONF_FORWARDING]!;
  n4.sysctl.ipForward = on;
  n4.devconfAll[IPV4_DEVCONF_ACCEPT_REDIRECTS] = on ? 0 : 1;
  n4.devconfDflt[IPV4_DEVCONF_FORWARDING] = on;
  for (const dev of net.devices) {
    const inDev = inDevGet(dev);
    if (!inDev) continue;
    // Linux: IN_DEV_CONF_SET() marks the entry as set.
    inDev.cnf[IPV4_DEVCONF_FORWARDING] = on;
    inDev.cnfState[IPV4_DEVCONF_FORWARDING] = 1;
  }
}

/** Linux: devinet_copy_dflt_conf(): a write to conf/default reaches devices that never set the entry. */
function devinetCopyDfltConf(net: Net, i: number): void {
  const dflt = ipv4Net(net).devconfDflt;
  for (const dev of net.devices) {
    const inDev = inDevGet(dev);
    if (inDev && !inDev.cnfState[i]) inDev.cnf[i] = dflt[i]!;
  }
}

type ConfOwner = 'all' | 'default' | InDevice;

function confArray(net: Net, owner: ConfOwner): Int32Array {
  if (owner === 'all') return ipv4Net(net).devconfAll;
  if (owner === 'default') return ipv4Net(net).devconfDflt;
  return owner.cnf;
}

/** One net.ipv4.conf.X.NAME entry (Linux: devinet_conf_proc / devinet_sysctl_forward / ipv4_doint_and_flush). */
function confEntry(dir: string, owner: ConfOwner, i: number, name: string, kind: ConfKind): SysctlEntry {
  return vecEntry(`net.ipv4.conf.${dir}.${name}`, 'int', 1, (net) => [confArray(net, owner)[i]!], (net, v) => {
    const cnf = confArray(net, owner);
    const old = cnf[i]!;
    const val = v[0]!;
    cnf[i] = val;
    if (kind === 'forward') {
      if (val !== old && owner !== 'default') {
        if (owner === 'all') inetForwardChange(net);
        rtCacheFlush(net);
      }
      return 0;
    }
    if (kind === 'flush') {
      if (val !== old) rtCacheFlush(net);
      return 0;
    }
    // devinet_conf_proc
    if (typeof owner !== 'string') owner.cnfState[i] = 1;
    if (owner === 'default') devinetCopyDfltConf(net, i);
    if ((i === IPV4_DEVCONF_ACCEPT_LOCAL || i === IPV4_DEVCONF_ROUTE_LOCALNET) && val === 0 && old !== 0) rtCacheFlush(net);
    if (i === IPV4_DEVCONF_BC_FORWARDING && val !== old) rtCacheFlush(net);
    return 0;
  }, -Infinity, Infinity, kind === 'ro' ? 0o444 : 0o644);
}

/* ------------------------------------------------------------------ */
/* The tables                                                          */

/** Linux: ipv4_net_table (the part tuxnet models) plus ip_forward from devinet. */
function ipv4NetTable(): SysctlEntry[] {
  const u8bool = (name: string, key: keyof Ipv4Sysctls): SysctlEntry => field(name, 'u8', key, 0, 1);
  return [
    // Linux: ctl_forward_entry (devinet.c): ip_forward is conf/all/forwarding.
    vecEntry('net.ipv4.ip_forward', 'int', 1, (net) => [ipv4Net(net).devconfAll[IPV4_DEVCONF_FORWARDING]!], (net, v) => {
      const all = ipv4Net(net).devconfAll;
      const old = all[IPV4_DEVCONF_FORWARDING]!;
      all[IPV4_DEVCONF_FORWARDING] = v[0]!;
      if (v[0] !== old) {
        inetForwardChange(net);
        rtCacheFlush(net);
      }
      return 0;
    }),
    field('net.ipv4.ip_default_ttl', 'int', 'ipDefaultTtl', 1, 255),
    field('net.ipv4.ip_no_pmtu_disc', 'u8', 'ipNoPmtuDisc'),
    field('net.ipv4.ip_forward_use_pmtu', 'u8', 'ipForwardUsePmtu'),
    u8bool('net.ipv4.ip_forward_update_priority', 'ipForwardUpdatePriority'),
    field('net.ipv4.ip_nonlocal_bind', 'u8', 'ipNonlocalBind'),
    field('net.ipv4.ip_dynaddr', 'u8', 'ipDynaddr'),
    field('net.ipv4.ip_early_demux', 'u8', 'ipEarlyDemux'),
    u8bool('net.ipv4.ip_autobind_reuse', 'ipAutobindReuse'),
    // Linux: ipv4_privileged_ports(): may not reach into the local port range.
    vecEntry('net.ipv4.ip_unprivileged_port_start', 'int', 1, (net) => [ipv4Net(net).sysctl.ipUnprivilegedPortStart],
      (net, v) => {
        const s = ipv4Net(net).sysctl;
        if (s.ipLocalPortLow < v[0]!) return -EINVAL;
        s.ipUnprivilegedPortStart = v[0]!;
        return 0;
      }, 0, 65535),
    // Linux: ipv4_local_port_range(): high >= low, low >= ip_unprivileged_port_start, 1..65535.
    // (Equal parity of the two ends only makes Linux log "prefer different parity" once.)
    vecEntry('net.ipv4.ip_local_port_range', 'int', 2, (net) => {
      const s = ipv4Net(net).sysctl;
      return [s.ipLocalPortLow, s.ipLocalPortHigh];
    }, (net, v) => {
      const s = ipv4Net(net).sysctl;
      if (v[1]! < v[0]! || v[0]! < s.ipUnprivilegedPortStart) return -EINVAL;
      s.ipLocalPortLow = v[0]!;
      s.ipLocalPortHigh = v[1]!;
      return 0;
    }, 1, 65535),
    {
      name: 'net.ipv4.ip_local_reserved_ports',
      mode: 0o644,
      get: (net) => reservedPortsText(ipv4Net(net).sysctl.ipLocalReservedPorts),
      set: (net, text) => {
        const r = parseReservedPorts(text);
        if (typeof r === 'number') return r;
        ipv4Net(net).sysctl.ipLocalReservedPorts = r;
        return 0;
      },
    },
    // Linux: ipv4_ping_group_range(): gids 0..GID_T_MAX; high < low means "nobody" (1 0).
    vecEntry('net.ipv4.ping_group_range', 'uint', 2, (net) => {
      const s = ipv4Net(net).sysctl;
      return [s.pingGroupLow, s.pingGroupHigh];
    }, (net, v) => {
      const s = ipv4Net(net).sysctl;
      if (v[1]! < v[0]!) {
        s.pingGroupLow = 1;
        s.pingGroupHigh = 0;
      } else {
        s.pingGroupLow = v[0]!;
        s.pingGroupHigh = v[1]!;
      }
      return 0;
    }, 0, UINT_MAX - 1),
    u8bool('net.ipv4.icmp_echo_ignore_all', 'icmpEchoIgnoreAll'),
    u8bool('net.ipv4.icmp_echo_enable_probe', 'icmpEchoEnableProbe'),
    u8bool('net.ipv4.icmp_echo_ignore_broadcasts', 'icmpEchoIgnoreBroadcasts'),
    u8bool('net.ipv4.icmp_ignore_bogus_error_responses', 'icmpIgnoreBogusErrorResponses'),
    u8bool('net.ipv4.icmp_errors_use_inbound_ifaddr', 'icmpErrorsUseInboundIfaddr'),
    field('net.ipv4.icmp_ratelimit', 'int', 'icmpRatelimit', 0),
    field('net.ipv4.icmp_ratemask', 'int', 'icmpRatemask'),
    field('net.ipv4.icmp_msgs_per_sec', 'int', 'icmpMsgsPerSec', 0),
    field('net.ipv4.icmp_msgs_burst', 'int', 'icmpMsgsBurst', 0),
    // Linux: high >= low and low <= high (each table entry bounds the other).
    vecEntry('net.ipv4.ipfrag_high_thresh', 'ulong', 1, (net) => [ipv4Net(net).sysctl.ipfragHighThresh], (net, v) => {
      const s = ipv4Net(net).sysctl;
      if (v[0]! < s.ipfragLowThresh) return -EINVAL;
      s.ipfragHighThresh = v[0]!;
      return 0;
    }),
    vecEntry('net.ipv4.ipfrag_low_thresh', 'ulong', 1, (net) => [ipv4Net(net).sysctl.ipfragLowThresh], (net, v) => {
      const s = ipv4Net(net).sysctl;
      if (v[0]! > s.ipfragHighThresh) return -EINVAL;
      s.ipfragLowThresh = v[0]!;
      return 0;
    }),
    field('net.ipv4.ipfrag_time', 'int', 'ipfragTime'),
    field('net.ipv4.ipfrag_max_dist', 'int', 'ipfragMaxDist', 0),
    field('net.ipv4.fib_multipath_hash_policy', 'u8', 'fibMultipathHashPolicy', 0, 3, (net) => rtCacheFlush(net)),
    field('net.ipv4.fib_multipath_hash_fields', 'uint', 'fibMultipathHashFields', 1, 0xfff),
    u8bool('net.ipv4.fib_multipath_use_neigh', 'fibMultipathUseNeigh'),
    u8bool('net.ipv4.raw_l3mdev_accept', 'rawL3mdevAccept'),
    u8bool('net.ipv4.udp_l3mdev_accept', 'udpL3mdevAccept'),
    field('net.ipv4.udp_early_demux', 'u8', 'udpEarlyDemux'),
    field('net.ipv4.udp_rmem_min', 'int', 'udpRmemMin', 1),
    field('net.ipv4.udp_wmem_min', 'int', 'udpWmemMin', 1),
    // net.ipv4.tcp_* (Linux: ipv4_net_table's TCP part). Plain integers; the TCP code reads them live.
    field('net.ipv4.tcp_abort_on_overflow', 'int', 'tcpAbortOnOverflow'),
    field('net.ipv4.tcp_adv_win_scale', 'int', 'tcpAdvWinScale'),
    field('net.ipv4.tcp_app_win', 'int', 'tcpAppWin'),
    field('net.ipv4.tcp_autocorking', 'int', 'tcpAutocorking'),
    field('net.ipv4.tcp_backlog_ack_defer', 'int', 'tcpBacklogAckDefer'),
    field('net.ipv4.tcp_base_mss', 'int', 'tcpBaseMss'),
    field('net.ipv4.tcp_challenge_ack_limit', 'int', 'tcpChallengeAckLimit'),
    field('net.ipv4.tcp_comp_sack_delay_ns', 'ulong', 'tcpCompSackDelayNs'),
    field('net.ipv4.tcp_comp_sack_nr', 'int', 'tcpCompSackNr'),
    field('net.ipv4.tcp_comp_sack_slack_ns', 'ulong', 'tcpCompSackSlackNs'),
    field('net.ipv4.tcp_dsack', 'int', 'tcpDsack'),
    field('net.ipv4.tcp_early_demux', 'int', 'tcpEarlyDemux'),
    field('net.ipv4.tcp_early_retrans', 'u8', 'tcpEarlyRetrans', 0, 4),
    field('net.ipv4.tcp_ecn', 'u8', 'tcpEcn', 0, 2),
    field('net.ipv4.tcp_ecn_fallback', 'u8', 'tcpEcnFallback', 0, 1),
    field('net.ipv4.tcp_ecn_option', 'int', 'tcpEcnOption'),
    field('net.ipv4.tcp_ecn_option_beacon', 'int', 'tcpEcnOptionBeacon'),
    field('net.ipv4.tcp_fack', 'int', 'tcpFack'),
    field('net.ipv4.tcp_fastopen', 'int', 'tcpFastopen'),
    field('net.ipv4.tcp_fastopen_blackhole_timeout_sec', 'int', 'tcpFastopenBlackholeTimeoutSec'),
    field('net.ipv4.tcp_fin_timeout', 'int', 'tcpFinTimeout'),
    field('net.ipv4.tcp_frto', 'u8', 'tcpFrto'),
    field('net.ipv4.tcp_fwmark_accept', 'int', 'tcpFwmarkAccept'),
    field('net.ipv4.tcp_invalid_ratelimit', 'int', 'tcpInvalidRatelimit'),
    field('net.ipv4.tcp_keepalive_intvl', 'int', 'tcpKeepaliveIntvl'),
    field('net.ipv4.tcp_keepalive_probes', 'int', 'tcpKeepaliveProbes'),
    field('net.ipv4.tcp_keepalive_time', 'int', 'tcpKeepaliveTime'),
    field('net.ipv4.tcp_l3mdev_accept', 'int', 'tcpL3mdevAccept'),
    field('net.ipv4.tcp_limit_output_bytes', 'int', 'tcpLimitOutputBytes'),
    field('net.ipv4.tcp_max_reordering', 'int', 'tcpMaxReordering', 1),
    field('net.ipv4.tcp_max_syn_backlog', 'int', 'tcpMaxSynBacklog'),
    field('net.ipv4.tcp_max_tw_buckets', 'int', 'tcpMaxTwBuckets'),
    field('net.ipv4.tcp_migrate_req', 'int', 'tcpMigrateReq'),
    field('net.ipv4.tcp_min_rtt_wlen', 'int', 'tcpMinRttWlen'),
    field('net.ipv4.tcp_min_snd_mss', 'int', 'tcpMinSndMss'),
    field('net.ipv4.tcp_min_tso_segs', 'int', 'tcpMinTsoSegs'),
    field('net.ipv4.tcp_moderate_rcvbuf', 'int', 'tcpModerateRcvbuf'),
    field('net.ipv4.tcp_mtu_probe_floor', 'int', 'tcpMtuProbeFloor'),
    field('net.ipv4.tcp_mtu_probing', 'int', 'tcpMtuProbing'),
    field('net.ipv4.tcp_no_metrics_save', 'int', 'tcpNoMetricsSave'),
    field('net.ipv4.tcp_no_ssthresh_metrics_save', 'int', 'tcpNoSsthreshMetricsSave'),
    field('net.ipv4.tcp_notsent_lowat', 'uint', 'tcpNotsentLowat'),
    field('net.ipv4.tcp_orphan_retries', 'int', 'tcpOrphanRetries'),
    field('net.ipv4.tcp_pacing_ca_ratio', 'int', 'tcpPacingCaRatio', 0, 1000),
    field('net.ipv4.tcp_pacing_ss_ratio', 'int', 'tcpPacingSsRatio', 0, 1000),
    field('net.ipv4.tcp_pingpong_thresh', 'int', 'tcpPingpongThresh'),
    field('net.ipv4.tcp_plb_cong_thresh', 'int', 'tcpPlbCongThresh'),
    field('net.ipv4.tcp_plb_enabled', 'int', 'tcpPlbEnabled'),
    field('net.ipv4.tcp_plb_idle_rehash_rounds', 'int', 'tcpPlbIdleRehashRounds'),
    field('net.ipv4.tcp_plb_rehash_rounds', 'int', 'tcpPlbRehashRounds'),
    field('net.ipv4.tcp_plb_suspend_rto_sec', 'int', 'tcpPlbSuspendRtoSec'),
    field('net.ipv4.tcp_probe_interval', 'int', 'tcpProbeInterval'),
    field('net.ipv4.tcp_probe_threshold', 'int', 'tcpProbeThreshold'),
    field('net.ipv4.tcp_recovery', 'u8', 'tcpRecovery'),
    field('net.ipv4.tcp_reflect_tos', 'int', 'tcpReflectTos'),
    field('net.ipv4.tcp_reordering', 'int', 'tcpReordering', 1, 300),
    field('net.ipv4.tcp_retrans_collapse', 'int', 'tcpRetransCollapse'),
    field('net.ipv4.tcp_retries1', 'int', 'tcpRetries1'),
    field('net.ipv4.tcp_retries2', 'int', 'tcpRetries2'),
    field('net.ipv4.tcp_rfc1337', 'int', 'tcpRfc1337'),
    field('net.ipv4.tcp_rto_max_ms', 'int', 'tcpRtoMaxMs'),
    field('net.ipv4.tcp_rto_min_us', 'int', 'tcpRtoMinUs'),
    field('net.ipv4.tcp_sack', 'int', 'tcpSack'),
    field('net.ipv4.tcp_shrink_window', 'int', 'tcpShrinkWindow'),
    field('net.ipv4.tcp_slow_start_after_idle', 'int', 'tcpSlowStartAfterIdle'),
    field('net.ipv4.tcp_stdurg', 'int', 'tcpStdurg'),
    field('net.ipv4.tcp_syn_linear_timeouts', 'int', 'tcpSynLinearTimeouts'),
    field('net.ipv4.tcp_syn_retries', 'int', 'tcpSynRetries'),
    field('net.ipv4.tcp_synack_retries', 'int', 'tcpSynackRetries'),
    field('net.ipv4.tcp_syncookies', 'int', 'tcpSyncookies'),
    field('net.ipv4.tcp_thin_linear_timeouts', 'int', 'tcpThinLinearTimeouts'),
    field('net.ipv4.tcp_timestamps', 'int', 'tcpTimestamps'),
    field('net.ipv4.tcp_tso_rtt_log', 'int', 'tcpTsoRttLog'),
    field('net.ipv4.tcp_tso_win_divisor', 'int', 'tcpTsoWinDivisor'),
    field('net.ipv4.tcp_tw_reuse', 'int', 'tcpTwReuse'),
    field('net.ipv4.tcp_tw_reuse_delay', 'int', 'tcpTwReuseDelay'),
    field('net.ipv4.tcp_window_scaling', 'int', 'tcpWindowScaling'),
    field('net.ipv4.tcp_workaround_signed_windows', 'int', 'tcpWorkaroundSignedWindows'),
    vecEntry('net.ipv4.tcp_rmem', 'int', 3, (net) => ipv4Net(net).sysctl.tcpRmem, (net, v) => {
      ipv4Net(net).sysctl.tcpRmem = v;
      return 0;
    }, 1),
    vecEntry('net.ipv4.tcp_wmem', 'int', 3, (net) => ipv4Net(net).sysctl.tcpWmem, (net, v) => {
      ipv4Net(net).sysctl.tcpWmem = v;
      return 0;
    }, 1),
    vecEntry('net.ipv4.tcp_mem', 'ulong', 3, (net) => ipv4Net(net).sysctl.tcpMem, (net, v) => {
      ipv4Net(net).sysctl.tcpMem = v;
      return 0;
    }),
    vecEntry('net.core.somaxconn', 'int', 1, (net) => [ipv4Net(net).sysctl.somaxconn], (net, v) => {
      ipv4Net(net).sysctl.somaxconn = v[0]!;
      return 0;
    }, 0),
    // Linux: proc_tcp_congestion_control() / proc_allowed_congestion_control(): names of registered algorithms.
    {
      name: 'net.ipv4.tcp_congestion_control',
      mode: 0o644,
      get: (net) => ipv4Net(net).sysctl.tcpCongestionControl,
      set: (net, text) => tcpSetDefaultCongestionControl(net, text.trim()),
    },
    {
      name: 'net.ipv4.tcp_available_congestion_control',
      mode: 0o444,
      get: (net) => tcpGetAvailableCongestionControl(net.kernel),
      set: () => -EPERM,
    },
    {
      name: 'net.ipv4.tcp_allowed_congestion_control',
      mode: 0o644,
      get: (net) => ipv4Net(net).sysctl.tcpAllowedCongestionControl,
      set: (net, text) => tcpSetAllowedCongestionControl(net, text.trim()),
    },
  ];
}

/** net.ipv4.conf.{all,default,DEV}.*: per-device entries exist while the device has an InDevice. */
function* devinetConfEntries(net: Net): Iterable<SysctlEntry> {
  if (!net.ipv4) return;
  const owners: [string, ConfOwner][] = [['all', 'all'], ['default', 'default']];
  for (const dev of net.devices) {
    const inDev = inDevGet(dev);
    if (inDev) owners.push([dev.name, inDev]);
  }
  for (const [dir, owner] of owners) {
    for (const [i, name, kind] of DEVINET_SYSCTL) yield confEntry(dir, owner, i, name, kind);
  }
}

/** Register net.ipv4.* and net.ipv4.conf.* (Linux: ipv4_sysctl_init_net + devinet's sysctl registration). */
export function devinetSysctlInit(k: Kernel): void {
  const table = ipv4NetTable();
  k.sysctl.register((net) => (net.ipv4 ? table : []));
  k.sysctl.register(devinetConfEntries);
}
