/**
 * IPv4 counters and sockets as /proc files (Linux: net/ipv4/proc.c snmp_seq_show,
 * netstat_seq_show, sockstat_seq_show; net/ipv4/udp.c udp4_seq_show;
 * net/mptcp/mib.c mptcp_seq_show). `nstat`, `netstat -s` and `ss` read these.
 *
 * /proc/net/snmp: the Ip line (Forwarding 1 when net.ipv4.conf.all.forwarding is on,
 * else 2, and DefaultTTL), the Icmp line derived from the ICMP and per-type
 * (IcmpMsg) counters as icmp_put() does, IcmpMsg lines with the non-zero types only
 * (at most 16 per pair of lines), Tcp (the RFC 2012 constants TCP's mib init sets:
 * RtoAlgorithm 1, RtoMin 200, RtoMax 120000, MaxConn -1), Udp and UdpLite.
 * /proc/net/netstat prints the TcpExt, IpExt and MPTcpExt names of this host's
 * Linux (6.18); counters this stack does not keep print 0.
 */
import type { Kernel, Net } from '../core/net_namespace.js';
import {
  SNMP4_IPSTATS_LIST, SNMP4_IPEXTSTATS_LIST, SNMP4_UDP_LIST, SNMP4_NET_LIST,
  ICMP_MIB_INMSGS, ICMP_MIB_INERRORS, ICMP_MIB_CSUMERRORS, ICMP_MIB_OUTMSGS, ICMP_MIB_OUTERRORS,
  ICMP_MIB_RATELIMITGLOBAL, ICMP_MIB_RATELIMITHOST, ICMPMSG_MIB_MAX,
  TCP_MIB_RTOALGORITHM, TCP_MIB_RTOMIN, TCP_MIB_RTOMAX, TCP_MIB_MAXCONN, TCP_MIB_ACTIVEOPENS, TCP_MIB_PASSIVEOPENS,
  TCP_MIB_ATTEMPTFAILS, TCP_MIB_ESTABRESETS, TCP_MIB_CURRESTAB, TCP_MIB_INSEGS, TCP_MIB_OUTSEGS, TCP_MIB_RETRANSSEGS,
  TCP_MIB_INERRS, TCP_MIB_OUTRSTS, TCP_MIB_CSUMERRORS,
} from '../core/snmp.js';
import { procFilesOf } from '../socket/syscalls.js';
import { ipv4Net } from './netns_ipv4.js';
import { IPV4_DEVCONF_FORWARDING } from './inetdevice.js';
import { udpTableIfAny } from './udp_hash.js';
import { sockInuseGet, sockProtInuseGet, inetSockList } from './af_inet.js';
import { ipFragMem } from './ip_fragment.js';
import { tcpSockstatLine } from './tcp_proc.js';

/** Linux: icmpmibmap[]: the ICMP types with their own column, in icmp_put() order. */
const ICMPMIBMAP: ReadonlyArray<readonly [string, number]> = [
  ['DestUnreachs', 3], ['TimeExcds', 11], ['ParmProbs', 12], ['SrcQuenchs', 4], ['Redirects', 5], ['Echos', 8],
  ['EchoReps', 0], ['Timestamps', 13], ['TimestampReps', 14], ['AddrMasks', 17], ['AddrMaskReps', 18],
];

/** Linux: snmp4_tcp_list. */
const SNMP4_TCP_LIST: ReadonlyArray<readonly [string, number]> = [
  ['RtoAlgorithm', TCP_MIB_RTOALGORITHM], ['RtoMin', TCP_MIB_RTOMIN], ['RtoMax', TCP_MIB_RTOMAX],
  ['MaxConn', TCP_MIB_MAXCONN], ['ActiveOpens', TCP_MIB_ACTIVEOPENS], ['PassiveOpens', TCP_MIB_PASSIVEOPENS],
  ['AttemptFails', TCP_MIB_ATTEMPTFAILS], ['EstabResets', TCP_MIB_ESTABRESETS], ['CurrEstab', TCP_MIB_CURRESTAB],
  ['InSegs', TCP_MIB_INSEGS], ['OutSegs', TCP_MIB_OUTSEGS], ['RetransSegs', TCP_MIB_RETRANSSEGS],
  ['InErrs', TCP_MIB_INERRS], ['OutRsts', TCP_MIB_OUTRSTS], ['InCsumErrors', TCP_MIB_CSUMERRORS],
];

/** The TcpExt names Linux 6.18 prints (snmp4_net_list), in order. */
export const TCPEXT_NAMES: readonly string[] = (
  'SyncookiesSent SyncookiesRecv SyncookiesFailed EmbryonicRsts PruneCalled RcvPruned OfoPruned OutOfWindowIcmps ' +
  'LockDroppedIcmps ArpFilter TW TWRecycled TWKilled PAWSActive PAWSEstab BeyondWindow TSEcrRejected PAWSOldAck ' +
  'PAWSTimewait DelayedACKs DelayedACKLocked DelayedACKLost ListenOverflows ListenDrops TCPHPHits TCPPureAcks ' +
  'TCPHPAcks TCPRenoRecovery TCPSackRecovery TCPSACKReneging TCPSACKReorder TCPRenoReorder TCPTSReorder TCPFullUndo ' +
  'TCPPartialUndo TCPDSACKUndo TCPLossUndo TCPLostRetransmit TCPRenoFailures TCPSackFailures TCPLossFailures ' +
  'TCPFastRetrans TCPSlowStartRetrans TCPTimeouts TCPLossProbes TCPLossProbeRecovery TCPRenoRecoveryFail ' +
  'TCPSackRecoveryFail TCPRcvCollapsed TCPBacklogCoalesce TCPDSACKOldSent TCPDSACKOfoSent TCPDSACKRecv ' +
  'TCPDSACKOfoRecv TCPAbortOnData TCPAbortOnClose TCPAbortOnMemory TCPAbortOnTimeout TCPAbortOnLinger ' +
  'TCPAbortFailed TCPMemoryPressures TCPMemoryPressuresChrono TCPSACKDiscard TCPDSACKIgnoredOld ' +
  'TCPDSACKIgnoredNoUndo TCPSpuriousRTOs TCPMD5NotFound TCPMD5Unexpected TCPMD5Failure TCPSackShifted TCPSackMerged ' +
  'TCPSackShiftFallback TCPBacklogDrop PFMemallocDrop TCPMinTTLDrop TCPDeferAcceptDrop IPReversePathFilter ' +
  'TCPTimeWaitOverflow TCPReqQFullDoCookies TCPReqQFullDrop TCPRetransFail TCPRcvCoalesce TCPOFOQueue TCPOFODrop ' +
  'TCPOFOMerge TCPChallengeACK TCPSYNChallenge TCPFastOpenActive TCPFastOpenActiveFail TCPFastOpenPassive ' +
  'TCPFastOpenPassiveFail TCPFastOpenListenOverflow TCPFastOpenCookieReqd TCPFastOpenBlackhole ' +
  'TCPSpuriousRtxHostQueues BusyPollRxPackets TCPAutoCorking TCPFromZeroWindowAdv TCPToZeroWindowAdv ' +
  'TCPWantZeroWindowAdv TCPSynRetrans TCPOrigDataSent TCPHystartTrainDetect TCPHystartTrainCwnd ' +
  'TCPHystartDelayDetect TCPHystartDelayCwnd TCPACKSkippedSynRecv TCPACKSkippedPAWS TCPACKSkippedSeq ' +
  'TCPACKSkippedFinWait2 TCPACKSkippedTimeWait TCPACKSkippedChallenge TCPWinProbe TCPKeepAlive TCPMTUPFail ' +
  'TCPMTUPSuccess TCPDelivered TCPDeliveredCE TCPAckCompressed TCPZeroWindowDrop TCPRcvQDrop TCPWqueueTooBig ' +
  'TCPFastOpenPassiveAltKey TcpTimeoutRehash TcpDuplicateDataRehash TCPDSACKRecvSegs TCPDSACKIgnoredDubious ' +
  'TCPMigrateReqSuccess TCPMigrateReqFailure TCPPLBRehash TCPAORequired TCPAOBad TCPAOKeyNotFound TCPAOGood ' +
  'TCPAODroppedIcmps').split(' ');

/** The MPTcpExt names Linux 6.18 prints (mptcp_snmp_list); no MPTCP here: all 0. */
export const MPTCPEXT_NAMES: readonly string[] = (
  'MPCapableSYNRX MPCapableSYNTX MPCapableSYNACKRX MPCapableACKRX MPCapableFallbackACK MPCapableFallbackSYNACK ' +
  'MPCapableSYNTXDrop MPCapableSYNTXDisabled MPCapableEndpAttempt MPFallbackTokenInit MPTCPRetrans ' +
  'MPJoinNoTokenFound MPJoinSynRx MPJoinSynBackupRx MPJoinSynAckRx MPJoinSynAckBackupRx MPJoinSynAckHMacFailure ' +
  'MPJoinAckRx MPJoinAckHMacFailure MPJoinRejected MPJoinSynTx MPJoinSynTxCreatSkErr MPJoinSynTxBindErr ' +
  'MPJoinSynTxConnectErr DSSNotMatching DSSCorruptionFallback DSSCorruptionReset InfiniteMapTx InfiniteMapRx ' +
  'DSSNoMatchTCP DataCsumErr OFOQueueTail OFOQueue OFOMerge NoDSSInWindow DuplicateData AddAddr AddAddrTx ' +
  'AddAddrTxDrop EchoAdd EchoAddTx EchoAddTxDrop PortAdd AddAddrDrop MPJoinPortSynRx MPJoinPortSynAckRx ' +
  'MPJoinPortAckRx MismatchPortSynRx MismatchPortAckRx RmAddr RmAddrDrop RmAddrTx RmAddrTxDrop RmSubflow MPPrioTx ' +
  'MPPrioRx MPFailTx MPFailRx MPFastcloseTx MPFastcloseRx MPRstTx MPRstRx SubflowStale SubflowRecover ' +
  'SndWndShared RcvWndShared RcvWndConflictUpdate RcvWndConflict MPCurrEstab Blackhole MPCapableDataFallback ' +
  'MD5SigFallback DssFallback SimultConnectFallback FallbackFailed WinProbe').split(' ');

function u(v: number): string {
  return String(v < 0 ? 0 : Math.floor(v));
}

/** Linux: snmp_seq_show() (/proc/net/snmp). */
export function snmpSeqShow(net: Net): string {
  const n = ipv4Net(net);
  const mib = n.mib;
  let out = 'Ip: Forwarding DefaultTTL';
  for (const [name] of SNMP4_IPSTATS_LIST) out += ' ' + name;
  const fwd = n.devconfAll[IPV4_DEVCONF_FORWARDING] ? 1 : 2;
  out += `\nIp: ${fwd} ${n.sysctl.ipDefaultTtl}`;
  for (const [, idx] of SNMP4_IPSTATS_LIST) out += ' ' + u(mib.ip[idx]!);
  // icmp_put()
  out += '\nIcmp: InMsgs InErrors InCsumErrors';
  for (const [name] of ICMPMIBMAP) out += ' In' + name;
  out += ' OutMsgs OutErrors OutRateLimitGlobal OutRateLimitHost';
  for (const [name] of ICMPMIBMAP) out += ' Out' + name;
  const ic = mib.icmp;
  const im = mib.icmpMsg;
  out += `\nIcmp: ${u(ic[ICMP_MIB_INMSGS]!)} ${u(ic[ICMP_MIB_INERRORS]!)} ${u(ic[ICMP_MIB_CSUMERRORS]!)}`;
  for (const [, type] of ICMPMIBMAP) out += ' ' + u(im[type]!);
  out += ` ${u(ic[ICMP_MIB_OUTMSGS]!)} ${u(ic[ICMP_MIB_OUTERRORS]!)} ${u(ic[ICMP_MIB_RATELIMITGLOBAL]!)} ` +
    u(ic[ICMP_MIB_RATELIMITHOST]!);
  for (const [, type] of ICMPMIBMAP) out += ' ' + u(im[type | 0x100]!);
  // icmpmsg_put(): the non-zero per-type counters, 16 per pair of lines.
  let types: number[] = [];
  const flush = (): void => {
    if (!types.length) return;
    out += '\nIcmpMsg:';
    for (const t of types) out += ` ${t & 0x100 ? 'Out' : 'In'}Type${t & 0xff}`;
    out += '\nIcmpMsg:';
    for (const t of types) out += ' ' + u(im[t]!);
    types = [];
  };
  for (let i = 0; i < ICMPMSG_MIB_MAX; i++) {
    if (im[i]) types.push(i);
    if (types.length === 16) flush();
  }
  flush();
  out += '\nTcp:';
  for (const [name] of SNMP4_TCP_LIST) out += ' ' + name;
  out += '\nTcp:';
  for (const [, idx] of SNMP4_TCP_LIST) {
    const v = mib.tcp[idx]!;
    out += ' ' + (idx === TCP_MIB_MAXCONN ? String(Math.trunc(v)) : u(v));
  }
  for (const [label, arr] of [['Udp', mib.udp], ['UdpLite', mib.udpLite]] as const) {
    out += `\n${label}:`;
    for (const [name] of SNMP4_UDP_LIST) out += ' ' + name;
    out += `\n${label}:`;
    for (const [, idx] of SNMP4_UDP_LIST) out += ' ' + u(arr[idx]!);
  }
  return out + '\n';
}

/** Linux: netstat_seq_show() (/proc/net/netstat) + mptcp_seq_show(). */
export function netstatSeqShow(net: Net): string {
  const mib = ipv4Net(net).mib;
  const kept = new Map<string, number>();
  for (const [name, idx] of SNMP4_NET_LIST) kept.set(name, idx);
  let out = 'TcpExt:';
  for (const name of TCPEXT_NAMES) out += ' ' + name;
  out += '\nTcpExt:';
  for (const name of TCPEXT_NAMES) {
    const idx = kept.get(name);
    out += ' ' + (idx === undefined ? '0' : u(mib.net[idx]!));
  }
  out += '\nIpExt:';
  for (const [name] of SNMP4_IPEXTSTATS_LIST) out += ' ' + name;
  out += '\nIpExt:';
  for (const [, idx] of SNMP4_IPEXTSTATS_LIST) out += ' ' + u(mib.ip[idx]!);
  out += '\nMPTcpExt:';
  for (const name of MPTCPEXT_NAMES) out += ' ' + name;
  out += '\nMPTcpExt:';
  for (let i = 0; i < MPTCPEXT_NAMES.length; i++) out += ' 0';
  return out + '\n';
}

function hex(v: number, width: number): string {
  return (v >>> 0).toString(16).toUpperCase().padStart(width, '0');
}

/** A __be32 address as a little-endian host prints it with %08X. */
export function beAddrHex(a: number): string {
  const le = (((a & 0xff) << 24) | (((a >>> 8) & 0xff) << 16) | (((a >>> 16) & 0xff) << 8) | (a >>> 24)) >>> 0;
  return hex(le, 8);
}

/** A stand-in for %pK (a hashed kernel pointer): stable per socket. */
function pointerOf(ino: number): string {
  return hex(Math.imul(ino, 0x9e3779b1) >>> 0, 16);
}

/** Linux: seq_setwidth(seq, 127) + seq_pad(seq, '\n'). */
function pad127(line: string): string {
  return (line.length < 127 ? line.padEnd(127) : line) + '\n';
}

/** Linux: udp4_seq_show() (/proc/net/udp): one line per socket, by hash slot. */
export function udp4SeqShow(net: Net): string {
  let out = pad127('  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops');
  const t = udpTableIfAny(net);
  if (!t) return out;
  for (let bucket = 0; bucket < t.hash.length; bucket++) {
    const slot = t.hash[bucket];
    if (!slot) continue;
    for (const sk of slot) {
      out += pad127(`${String(bucket).padStart(5)}: ${beAddrHex(sk.inetRcvSaddr)}:${hex(sk.inetSport, 4)} ` +
        `${beAddrHex(sk.inetDaddr)}:${hex(sk.inetDport, 4)} ${hex(sk.state, 2)} ${hex(sk.wmemAlloc, 8)}:${hex(sk.rmemAlloc, 8)} ` +
        `00:00000000 00000000 ${String(sk.uid).padStart(5)} ${String(0).padStart(8)} ${sk.ino} 2 ${pointerOf(sk.ino)} ${sk.drops}`);
    }
  }
  return out;
}

/** Pages of memory UDP sockets hold, as Linux's udp_memory_allocated shows it (per-CPU reserves of 256 pages). */
function udpMemPages(net: Net): number {
  let bytes = 0;
  for (const sk of inetSockList(net)) if (sk.skProt.name === 'UDP') bytes += sk.rmemAlloc + sk.wmemAlloc;
  const pages = Math.ceil(bytes / 4096);
  return pages >= 256 ? pages : 0;
}

/** Linux: sockstat_seq_show() (/proc/net/sockstat). */
export function sockstatSeqShow(net: Net): string {
  const f = ipFragMem(net);
  return `sockets: used ${sockInuseGet(net)}\n` +
    tcpSockstatLine(net) +
    `UDP: inuse ${sockProtInuseGet(net, 'UDP')} mem ${udpMemPages(net)}\n` +
    `UDPLITE: inuse ${sockProtInuseGet(net, 'UDP-Lite')}\n` +
    `RAW: inuse ${sockProtInuseGet(net, 'RAW')}\n` +
    `FRAG: inuse ${f.inuse} memory ${f.memory}\n`;
}

/**
 * Linux: ip_proc_init() + udp4_proc_init() + ipv4_mib_init_net()'s tcp_mib_init():
 * the /proc/net files and the TCP constants of every namespace's MIB.
 */
export function ipProcInit(k: Kernel): void {
  const proc = procFilesOf(k);
  proc.set('/proc/net/snmp', snmpSeqShow);
  proc.set('/proc/net/netstat', netstatSeqShow);
  proc.set('/proc/net/sockstat', sockstatSeqShow);
  proc.set('/proc/net/udp', udp4SeqShow);
  k.registerPernetSubsys({
    name: 'ipv4_mib',
    init: (net) => {
      // Linux: tcp_mib_init(): RFC 2012 values (RtoMin/RtoMax in ms).
      const tcp = ipv4Net(net).mib.tcp;
      tcp[TCP_MIB_RTOALGORITHM] = 1;
      tcp[TCP_MIB_RTOMIN] = 200;
      tcp[TCP_MIB_RTOMAX] = 120000;
      tcp[TCP_MIB_MAXCONN] = -1;
    },
  });
}
