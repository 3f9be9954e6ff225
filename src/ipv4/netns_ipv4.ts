/**
 * Per-namespace IPv4 state (Linux: include/net/netns/ipv4.h struct netns_ipv4 and
 * the net.ipv4.* sysctls of net/ipv4/sysctl_net_ipv4.c). `ipv4Net(net)` returns it.
 * Each IPv4 subsystem adds the field it owns here (FIB, neighbour table, UDP table,
 * fragment queues ...) and fills it in its pernet init; sysctl values live in
 * `sysctl` with Linux's defaults. The namespace's MIB counters are in `mib`.
 */
import type { Net, Kernel } from '../core/net_namespace.js';
import { Ipv4Mib } from '../core/snmp.js';
import { devconfAllDefaults, devconfDfltDefaults } from './inetdevice.js';
import type { FibNet } from './fib_frontend.js';
import type { IpFqdir } from './ip_fragment.js';
import type { DevinetNet } from './devinet.js';
import type { NeighTable } from '../core/neighbour.js';
import type { IcmpNet } from './icmp.js';
import type { RtNet } from './route.js';
import type { UdpTable } from './udp_hash.js';
import type { IpIdents } from './ip_output.js';
import type { RawHashinfo } from './raw.js';
import type { TcpNet } from './inet_hashtables.js';
import { type NetProtocol, inetProtos } from './protocol.js';

/** net.ipv4.* values (Linux defaults). Time values in Linux's sysctl units. */
export class Ipv4Sysctls {
  ipForward = 0;
  ipDefaultTtl = 64;
  ipNoPmtuDisc = 0;
  ipForwardUsePmtu = 0;
  ipForwardUpdatePriority = 1;
  ipNonlocalBind = 0;
  ipDynaddr = 0;
  ipEarlyDemux = 1;
  ipAutobindReuse = 0;
  ipUnprivilegedPortStart = 1024;
  /** net.ipv4.ip_local_port_range (inclusive). */
  ipLocalPortLow = 32768;
  ipLocalPortHigh = 60999;
  /** net.ipv4.ip_local_reserved_ports. */
  ipLocalReservedPorts = new Set<number>();
  /** net.ipv4.ping_group_range: default "1 0" = nobody. */
  pingGroupLow = 1;
  pingGroupHigh = 0;
  icmpEchoIgnoreAll = 0;
  icmpEchoEnableProbe = 0;
  icmpEchoIgnoreBroadcasts = 1;
  icmpIgnoreBogusErrorResponses = 1;
  icmpErrorsUseInboundIfaddr = 0;
  /** ms between rate-limited ICMP messages per destination. */
  icmpRatelimit = 1000;
  icmpRatemask = 6168;
  icmpMsgsPerSec = 1000;
  icmpMsgsBurst = 50;
  ipfragHighThresh = 4194304;
  ipfragLowThresh = 3145728;
  /** seconds */
  ipfragTime = 30;
  ipfragMaxDist = 64;
  fibMultipathHashPolicy = 0;
  fibMultipathHashFields = 7;
  fibMultipathUseNeigh = 0;
  /** net.ipv4.route.* */
  routeMinPmtu = 552;
  routeMinAdvMss = 256;
  /** seconds */
  routeMtuExpires = 600;
  routeRedirectNumber = 9;
  routeRedirectLoad = 5;
  routeRedirectSilence = 5120;
  routeErrorCost = 250;
  routeErrorBurst = 1250;
  rawL3mdevAccept = 1;
  udpL3mdevAccept = 0;
  udpEarlyDemux = 1;
  udpRmemMin = 4096;
  udpWmemMin = 4096;
  /* net.ipv4.tcp_* (Linux 6.18 defaults in a new namespace; see sysctl_net_ipv4_tcp.ts). */
  tcpAbortOnOverflow = 0;
  tcpAdvWinScale = 1;
  tcpAppWin = 31;
  tcpAutocorking = 1;
  tcpBacklogAckDefer = 1;
  tcpBaseMss = 1024;
  tcpChallengeAckLimit = 2147483647;
  tcpCompSackDelayNs = 1000000;
  tcpCompSackNr = 44;
  tcpCompSackSlackNs = 100000;
  tcpDsack = 1;
  tcpEarlyDemux = 1;
  tcpEarlyRetrans = 3;
  tcpEcn = 2;
  tcpEcnFallback = 1;
  tcpEcnOption = 2;
  tcpEcnOptionBeacon = 3;
  tcpFack = 0;
  tcpFastopen = 1;
  tcpFastopenBlackholeTimeoutSec = 0;
  tcpFinTimeout = 60;
  tcpFrto = 2;
  tcpFwmarkAccept = 0;
  tcpInvalidRatelimit = 500;
  tcpKeepaliveIntvl = 75;
  tcpKeepaliveProbes = 9;
  tcpKeepaliveTime = 7200;
  tcpL3mdevAccept = 0;
  tcpLimitOutputBytes = 4194304;
  tcpMaxReordering = 300;
  tcpMaxSynBacklog = 2048;
  tcpMaxTwBuckets = 131072;
  tcpMigrateReq = 0;
  tcpMinRttWlen = 300;
  tcpMinSndMss = 48;
  tcpMinTsoSegs = 2;
  tcpModerateRcvbuf = 1;
  tcpMtuProbeFloor = 48;
  tcpMtuProbing = 0;
  tcpNoMetricsSave = 0;
  tcpNoSsthreshMetricsSave = 1;
  tcpNotsentLowat = 4294967295;
  tcpOrphanRetries = 0;
  tcpPacingCaRatio = 120;
  tcpPacingSsRatio = 200;
  tcpPingpongThresh = 1;
  tcpPlbCongThresh = 128;
  tcpPlbEnabled = 0;
  tcpPlbIdleRehashRounds = 3;
  tcpPlbRehashRounds = 12;
  tcpPlbSuspendRtoSec = 60;
  tcpProbeInterval = 600;
  tcpProbeThreshold = 8;
  tcpRecovery = 1;
  tcpReflectTos = 0;
  tcpReordering = 3;
  tcpRetransCollapse = 1;
  tcpRetries1 = 3;
  tcpRetries2 = 15;
  tcpRfc1337 = 0;
  tcpRtoMaxMs = 120000;
  tcpRtoMinUs = 200000;
  tcpSack = 1;
  tcpShrinkWindow = 0;
  tcpSlowStartAfterIdle = 1;
  tcpStdurg = 0;
  tcpSynLinearTimeouts = 4;
  tcpSynRetries = 6;
  tcpSynackRetries = 5;
  tcpSyncookies = 1;
  tcpThinLinearTimeouts = 0;
  tcpTimestamps = 1;
  tcpTsoRttLog = 9;
  tcpTsoWinDivisor = 3;
  tcpTwReuse = 2;
  tcpTwReuseDelay = 1000;
  tcpWindowScaling = 1;
  tcpWorkaroundSignedWindows = 0;
  /** net.ipv4.tcp_rmem / tcp_wmem (min default max, bytes); tcp_mem (pages, kernel-wide in Linux). */
  tcpRmem = [4096, 131072, 33554432];
  tcpWmem = [4096, 16384, 4194304];
  tcpMem = [287901, 383868, 575802];
  /** net.ipv4.tcp_congestion_control (Linux's default build: cubic) and tcp_allowed_congestion_control. */
  tcpCongestionControl = 'cubic';
  tcpAllowedCongestionControl = 'reno cubic';
  /** net.core.somaxconn (per namespace in Linux). */
  somaxconn = 4096;
}

/** The IPv4 state of one namespace. Subsystems add their fields (see file comment). */
export class NetnsIpv4 {
  readonly net: Net;
  readonly sysctl = new Ipv4Sysctls();
  readonly mib = new Ipv4Mib();
  /** net.ipv4.conf.all and net.ipv4.conf.default (Linux: net->ipv4.devconf_all/_dflt). */
  readonly devconfAll = devconfAllDefaults();
  readonly devconfDflt = devconfDfltDefaults();
  /** Generation of routing state; bumped on any FIB/rule/device change to invalidate cached routes (Linux: rt_genid). */
  rtGenid = 0;
  /** Routing tables and rules (fib_frontend.ts, fib_rules.ts). */
  fib!: FibNet;
  /** Reassembly queues (ip_fragment.ts). */
  ipfrag!: IpFqdir;
  /** Addresses: hash of local addresses, lifetime timer (devinet.ts). */
  devinet!: DevinetNet;
  /** ICMP control socket and rate-limit state (icmp.ts). */
  icmp!: IcmpNet;
  /** Route cache state, peers, exception generation (route.ts). */
  rt!: RtNet;
  /** The kernel's ARP table (arp_tbl is kernel-wide), kept here for the output path (arp.ts). */
  arp!: NeighTable;
  /** UDP socket table (udp_hash.ts), created on the first bind. */
  udp: UdpTable | null = null;
  /** Next IP ID base for packets without a socket (Linux: ip_idents, keyed hash). */
  identSeed = 0;
  /** The kernel's inet_protos (kernel-wide), kept here for the receive path: no map lookup per packet (protocol.ts). */
  readonly protos: (NetProtocol | null)[];
  /** The kernel's ip_idents generators (kernel-wide), kept here for the output path once used (ip_output.ts). */
  idents: IpIdents | null = null;
  /** The namespace's raw socket table once made (raw.ts; raw_v4_hashinfo). */
  raw: RawHashinfo | null = null;
  /** TCP's per-namespace state: established/bind/listen hashes, TIME_WAIT count, secrets (inet_hashtables.ts). */
  tcp: TcpNet | null = null;

  constructor(net: Net) {
    this.net = net;
    this.identSeed = net.kernel.rng.u32();
    this.protos = inetProtos(net.kernel);
  }
}

/** Linux: net->ipv4. Only valid after ipv4 boot (the pernet init creates it). */
export function ipv4Net(net: Net): NetnsIpv4 {
  return net.ipv4 as NetnsIpv4;
}

/** Linux: rt_genid_bump_ipv4(): invalidate every cached route of the namespace. */
export function rtGenidBumpIpv4(net: Net): void {
  ipv4Net(net).rtGenid++;
}

/**
 * The first IPv4 initcall: every namespace gets its NetnsIpv4 before the IPv4
 * subsystems' own pernet inits run (they are registered after this one).
 */
export function ipv4NetnsInit(k: Kernel): void {
  k.registerPernetSubsys({
    name: 'ipv4',
    init: (net) => { net.ipv4 = new NetnsIpv4(net); },
  });
}
