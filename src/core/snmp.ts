/**
 * SNMP MIB counters (Linux: include/uapi/linux/snmp.h, include/net/snmp.h,
 * net/ipv4/proc.c). Each namespace holds one Float64Array per MIB, indexed by the
 * constants below (Linux keeps per-cpu u64 arrays and sums them on read). The name
 * tables give the order and spelling of /proc/net/snmp and /proc/net/netstat, which
 * `nstat` and `netstat -s` read; a counter not in a table is still counted but, as in
 * Linux, not shown there.
 */

/* IPSTATS_MIB_* (enum in snmp.h order). */
export const IPSTATS_MIB_NUM = 0;
export const IPSTATS_MIB_INPKTS = 1;
export const IPSTATS_MIB_INOCTETS = 2;
export const IPSTATS_MIB_INDELIVERS = 3;
export const IPSTATS_MIB_OUTFORWDATAGRAMS = 4;
export const IPSTATS_MIB_OUTREQUESTS = 5;
export const IPSTATS_MIB_OUTOCTETS = 6;
export const IPSTATS_MIB_INHDRERRORS = 7;
export const IPSTATS_MIB_INTOOBIGERRORS = 8;
export const IPSTATS_MIB_INNOROUTES = 9;
export const IPSTATS_MIB_INADDRERRORS = 10;
export const IPSTATS_MIB_INUNKNOWNPROTOS = 11;
export const IPSTATS_MIB_INTRUNCATEDPKTS = 12;
export const IPSTATS_MIB_INDISCARDS = 13;
export const IPSTATS_MIB_OUTDISCARDS = 14;
export const IPSTATS_MIB_OUTNOROUTES = 15;
export const IPSTATS_MIB_REASMTIMEOUT = 16;
export const IPSTATS_MIB_REASMREQDS = 17;
export const IPSTATS_MIB_REASMOKS = 18;
export const IPSTATS_MIB_REASMFAILS = 19;
export const IPSTATS_MIB_FRAGOKS = 20;
export const IPSTATS_MIB_FRAGFAILS = 21;
export const IPSTATS_MIB_FRAGCREATES = 22;
export const IPSTATS_MIB_INMCASTPKTS = 23;
export const IPSTATS_MIB_OUTMCASTPKTS = 24;
export const IPSTATS_MIB_INBCASTPKTS = 25;
export const IPSTATS_MIB_OUTBCASTPKTS = 26;
export const IPSTATS_MIB_INMCASTOCTETS = 27;
export const IPSTATS_MIB_OUTMCASTOCTETS = 28;
export const IPSTATS_MIB_INBCASTOCTETS = 29;
export const IPSTATS_MIB_OUTBCASTOCTETS = 30;
export const IPSTATS_MIB_CSUMERRORS = 31;
export const IPSTATS_MIB_NOECTPKTS = 32;
export const IPSTATS_MIB_ECT1PKTS = 33;
export const IPSTATS_MIB_ECT0PKTS = 34;
export const IPSTATS_MIB_CEPKTS = 35;
export const IPSTATS_MIB_REASM_OVERLAPS = 36;
export const IPSTATS_MIB_OUTPKTS = 37;
export const IPSTATS_MIB_MAX = 38;

/** /proc/net/snmp "Ip:" line after Forwarding and DefaultTTL (Linux: snmp4_ipstats_list). */
export const SNMP4_IPSTATS_LIST: ReadonlyArray<readonly [string, number]> = [
  ['InReceives', IPSTATS_MIB_INPKTS],
  ['InHdrErrors', IPSTATS_MIB_INHDRERRORS],
  ['InAddrErrors', IPSTATS_MIB_INADDRERRORS],
  ['ForwDatagrams', IPSTATS_MIB_OUTFORWDATAGRAMS],
  ['InUnknownProtos', IPSTATS_MIB_INUNKNOWNPROTOS],
  ['InDiscards', IPSTATS_MIB_INDISCARDS],
  ['InDelivers', IPSTATS_MIB_INDELIVERS],
  ['OutRequests', IPSTATS_MIB_OUTREQUESTS],
  ['OutDiscards', IPSTATS_MIB_OUTDISCARDS],
  ['OutNoRoutes', IPSTATS_MIB_OUTNOROUTES],
  ['ReasmTimeout', IPSTATS_MIB_REASMTIMEOUT],
  ['ReasmReqds', IPSTATS_MIB_REASMREQDS],
  ['ReasmOKs', IPSTATS_MIB_REASMOKS],
  ['ReasmFails', IPSTATS_MIB_REASMFAILS],
  ['FragOKs', IPSTATS_MIB_FRAGOKS],
  ['FragFails', IPSTATS_MIB_FRAGFAILS],
  ['FragCreates', IPSTATS_MIB_FRAGCREATES],
  ['OutTransmits', IPSTATS_MIB_OUTPKTS],
];

/** /proc/net/netstat "IpExt:" (Linux: snmp4_ipextstats_list). */
export const SNMP4_IPEXTSTATS_LIST: ReadonlyArray<readonly [string, number]> = [
  ['InNoRoutes', IPSTATS_MIB_INNOROUTES],
  ['InTruncatedPkts', IPSTATS_MIB_INTRUNCATEDPKTS],
  ['InMcastPkts', IPSTATS_MIB_INMCASTPKTS],
  ['OutMcastPkts', IPSTATS_MIB_OUTMCASTPKTS],
  ['InBcastPkts', IPSTATS_MIB_INBCASTPKTS],
  ['OutBcastPkts', IPSTATS_MIB_OUTBCASTPKTS],
  ['InOctets', IPSTATS_MIB_INOCTETS],
  ['OutOctets', IPSTATS_MIB_OUTOCTETS],
  ['InMcastOctets', IPSTATS_MIB_INMCASTOCTETS],
  ['OutMcastOctets', IPSTATS_MIB_OUTMCASTOCTETS],
  ['InBcastOctets', IPSTATS_MIB_INBCASTOCTETS],
  ['OutBcastOctets', IPSTATS_MIB_OUTBCASTOCTETS],
  ['InCsumErrors', IPSTATS_MIB_CSUMERRORS],
  ['InNoECTPkts', IPSTATS_MIB_NOECTPKTS],
  ['InECT1Pkts', IPSTATS_MIB_ECT1PKTS],
  ['InECT0Pkts', IPSTATS_MIB_ECT0PKTS],
  ['InCEPkts', IPSTATS_MIB_CEPKTS],
  ['ReasmOverlaps', IPSTATS_MIB_REASM_OVERLAPS],
];

/* ICMP_MIB_* */
export const ICMP_MIB_NUM = 0;
export const ICMP_MIB_INMSGS = 1;
export const ICMP_MIB_INERRORS = 2;
export const ICMP_MIB_OUTMSGS = 3;
export const ICMP_MIB_OUTERRORS = 4;
export const ICMP_MIB_CSUMERRORS = 5;
export const ICMP_MIB_RATELIMITGLOBAL = 6;
export const ICMP_MIB_RATELIMITHOST = 7;
export const ICMP_MIB_MAX = 8;

/**
 * Per-type counters (Linux: icmpmsg_statistics, 512 entries: type for in, 256+type
 * for out). /proc/net/snmp's Icmp line derives InDestUnreachs etc. from these.
 */
export const ICMPMSG_MIB_MAX = 512;

/* UDP_MIB_* */
export const UDP_MIB_NUM = 0;
export const UDP_MIB_INDATAGRAMS = 1;
export const UDP_MIB_NOPORTS = 2;
export const UDP_MIB_INERRORS = 3;
export const UDP_MIB_OUTDATAGRAMS = 4;
export const UDP_MIB_RCVBUFERRORS = 5;
export const UDP_MIB_SNDBUFERRORS = 6;
export const UDP_MIB_CSUMERRORS = 7;
export const UDP_MIB_IGNOREDMULTI = 8;
export const UDP_MIB_MEMERRORS = 9;
export const UDP_MIB_MAX = 10;

/** /proc/net/snmp "Udp:" and "UdpLite:" (Linux: snmp4_udp_list). */
export const SNMP4_UDP_LIST: ReadonlyArray<readonly [string, number]> = [
  ['InDatagrams', UDP_MIB_INDATAGRAMS],
  ['NoPorts', UDP_MIB_NOPORTS],
  ['InErrors', UDP_MIB_INERRORS],
  ['OutDatagrams', UDP_MIB_OUTDATAGRAMS],
  ['RcvbufErrors', UDP_MIB_RCVBUFERRORS],
  ['SndbufErrors', UDP_MIB_SNDBUFERRORS],
  ['InCsumErrors', UDP_MIB_CSUMERRORS],
  ['IgnoredMulti', UDP_MIB_IGNOREDMULTI],
  ['MemErrors', UDP_MIB_MEMERRORS],
];

/* TCP_MIB_* (filled by the TCP issue; the slots exist so /proc/net/snmp has its Tcp line). */
export const TCP_MIB_NUM = 0;
export const TCP_MIB_RTOALGORITHM = 1;
export const TCP_MIB_RTOMIN = 2;
export const TCP_MIB_RTOMAX = 3;
export const TCP_MIB_MAXCONN = 4;
export const TCP_MIB_ACTIVEOPENS = 5;
export const TCP_MIB_PASSIVEOPENS = 6;
export const TCP_MIB_ATTEMPTFAILS = 7;
export const TCP_MIB_ESTABRESETS = 8;
export const TCP_MIB_CURRESTAB = 9;
export const TCP_MIB_INSEGS = 10;
export const TCP_MIB_OUTSEGS = 11;
export const TCP_MIB_RETRANSSEGS = 12;
export const TCP_MIB_INERRS = 13;
export const TCP_MIB_OUTRSTS = 14;
export const TCP_MIB_CSUMERRORS = 15;
export const TCP_MIB_MAX = 16;

/* LINUX_MIB_* used by IPv4 (TcpExt in /proc/net/netstat); TCP adds its own later. */
export const LINUX_MIB_NUM = 0;
export const LINUX_MIB_IPRPFILTER = 1;
export const LINUX_MIB_ARPFILTER = 2;
export const LINUX_MIB_TIMEWAITED = 3;
export const LINUX_MIB_LISTENOVERFLOWS = 4;
export const LINUX_MIB_LISTENDROPS = 5;
export const LINUX_MIB_MAX = 64;

/** /proc/net/netstat "TcpExt:" names for the LINUX_MIB slots defined so far (snmp4_net_list order). */
export const SNMP4_NET_LIST: Array<readonly [string, number]> = [
  ['ArpFilter', LINUX_MIB_ARPFILTER],
  ['TW', LINUX_MIB_TIMEWAITED],
  ['ListenOverflows', LINUX_MIB_LISTENOVERFLOWS],
  ['ListenDrops', LINUX_MIB_LISTENDROPS],
  ['IPReversePathFilter', LINUX_MIB_IPRPFILTER],
];

/** The IPv4 MIBs of one namespace (Linux: struct netns_mib). */
export class Ipv4Mib {
  readonly ip = new Float64Array(IPSTATS_MIB_MAX);
  readonly icmp = new Float64Array(ICMP_MIB_MAX);
  readonly icmpMsg = new Float64Array(ICMPMSG_MIB_MAX);
  readonly udp = new Float64Array(UDP_MIB_MAX);
  readonly udpLite = new Float64Array(UDP_MIB_MAX);
  readonly tcp = new Float64Array(TCP_MIB_MAX);
  readonly net = new Float64Array(LINUX_MIB_MAX);
}
