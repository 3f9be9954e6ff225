/**
 * `netstat -s` as net-tools 2.10 has it (statistics.c parsesnmp): each "Prefix:"
 * line pair of /proc/net/snmp and /proc/net/netstat becomes a section; counters
 * net-tools knows print as sentences ("%llu total packets received"), looked up
 * with glibc's bsearch() in net-tools' tables — which are not all sorted, so some
 * known names are not found and print, like unknown non-zero counters, as
 * "Name: value" ("Forwarding: 2"). Optional counters print only when non-zero;
 * ICMP per-type counters go under "ICMP input/output histogram:". -t, -u, -w (raw)
 * limit the known sections to TCP, UDP, IP/ICMP; unknown sections always print.
 * -6 (-A inet6) reads /proc/net/snmp6, which this stack does not have yet.
 *
 * Only the statistics mode (-s) is implemented; the socket listings of netstat
 * (-a, -l, -t, -u without -s) are left to `ss`.
 */
import type { ToolContext } from './tool.js';
import * as sys from '../socket/syscalls.js';
import { SystemError, strerror } from '../socket/errno.js';
import { getoptLong, type LongOpt } from './lib/getopt.js';

/* statistics.c enum State, with the I_STATIC/I_TITLE flags. */
const NUMBER = 0;
const OPT_NUMBER = 1;
const I_FORWARD = 2;
const I_INP_ICMP = 3;
const I_OUTP_ICMP = 4;
const I_RTO_ALG = 5;
const I_STATIC = 1 << 16;
const I_TITLE = 1 << 17;

const STATES: ReadonlyArray<{ indent: number; title: string }> = [
  { indent: 4, title: '' }, { indent: 4, title: '' }, { indent: 4, title: '' },
  { indent: 8, title: 'ICMP input histogram:' }, { indent: 8, title: 'ICMP output histogram:' }, { indent: 0, title: '' },
];

type Entry = readonly [string, string, number];

/* net-tools 2.10's tables, in their (not always sorted) order. */
const IPTAB: Entry[] = [
  ['DefaultTTL', 'Default TTL is %llu', NUMBER | I_STATIC],
  ['Forwarding', 'Forwarding is %s', I_FORWARD | I_STATIC],
  ['ForwDatagrams', '%llu forwarded', NUMBER],
  ['FragCreates', '%llu fragments created', OPT_NUMBER],
  ['FragFails', '%llu outgoing packets failed fragmentation', OPT_NUMBER],
  ['FragOKs', '%llu outgoing packets fragmented ok', OPT_NUMBER],
  ['InAddrErrors', '%llu with invalid addresses', OPT_NUMBER],
  ['InDelivers', '%llu incoming packets delivered', NUMBER],
  ['InDiscards', '%llu incoming packets discarded', NUMBER],
  ['InHdrErrors', '%llu with invalid headers', OPT_NUMBER],
  ['InReceives', '%llu total packets received', NUMBER],
  ['InUnknownProtos', '%llu with unknown protocol', OPT_NUMBER],
  ['OutDiscards', '%llu outgoing packets dropped', OPT_NUMBER],
  ['OutNoRoutes', '%llu dropped because of missing route', OPT_NUMBER],
  ['OutRequests', '%llu requests sent out', NUMBER],
  ['ReasmFails', '%llu packet reassemblies failed', OPT_NUMBER],
  ['ReasmOKs', '%llu packets reassembled ok', OPT_NUMBER],
  ['ReasmReqds', '%llu reassemblies required', OPT_NUMBER],
  ['ReasmTimeout', '%llu fragments dropped after timeout', OPT_NUMBER],
];

const ICMPTAB: Entry[] = [
  ['InAddrMaskReps', 'address mask replies: %llu', I_INP_ICMP | I_TITLE],
  ['InAddrMasks', 'address mask request: %llu', I_INP_ICMP | I_TITLE],
  ['InDestUnreachs', 'destination unreachable: %llu', I_INP_ICMP | I_TITLE],
  ['InEchoReps', 'echo replies: %llu', I_INP_ICMP | I_TITLE],
  ['InEchos', 'echo requests: %llu', I_INP_ICMP | I_TITLE],
  ['InErrors', '%llu input ICMP message failed', NUMBER],
  ['InMsgs', '%llu ICMP messages received', NUMBER],
  ['InParmProbs', 'wrong parameters: %llu', I_INP_ICMP | I_TITLE],
  ['InRedirects', 'redirects: %llu', I_INP_ICMP | I_TITLE],
  ['InSrcQuenchs', 'source quenches: %llu', I_INP_ICMP | I_TITLE],
  ['InTimeExcds', 'timeout in transit: %llu', I_INP_ICMP | I_TITLE],
  ['InTimestampReps', 'timestamp reply: %llu', I_INP_ICMP | I_TITLE],
  ['InTimestamps', 'timestamp request: %llu', I_INP_ICMP | I_TITLE],
  ['OutAddrMaskReps', 'address mask replies: %llu', I_OUTP_ICMP | I_TITLE],
  ['OutAddrMasks', 'address mask requests: %llu', I_OUTP_ICMP | I_TITLE],
  ['OutDestUnreachs', 'destination unreachable: %llu', I_OUTP_ICMP | I_TITLE],
  ['OutEchoReps', 'echo replies: %llu', I_OUTP_ICMP | I_TITLE],
  ['OutEchos', 'echo requests: %llu', I_OUTP_ICMP | I_TITLE],
  ['OutErrors', '%llu ICMP messages failed', NUMBER],
  ['OutMsgs', '%llu ICMP messages sent', NUMBER],
  ['OutParmProbs', 'wrong parameters: %llu', I_OUTP_ICMP | I_TITLE],
  ['OutRedirects', 'redirect: %llu', I_OUTP_ICMP | I_TITLE],
  ['OutSrcQuenchs', 'source quench: %llu', I_OUTP_ICMP | I_TITLE],
  ['OutTimeExcds', 'time exceeded: %llu', I_OUTP_ICMP | I_TITLE],
  ['OutTimestampReps', 'timestamp replies: %llu', I_OUTP_ICMP | I_TITLE],
  ['OutTimestamps', 'timestamp requests: %llu', I_OUTP_ICMP | I_TITLE],
];

const TCPTAB: Entry[] = [
  ['ActiveOpens', '%llu active connection openings', NUMBER],
  ['AttemptFails', '%llu failed connection attempts', NUMBER],
  ['CurrEstab', '%llu connections established', NUMBER],
  ['EstabResets', '%llu connection resets received', NUMBER],
  ['InErrs', '%llu bad segments received', NUMBER],
  ['InSegs', '%llu segments received', NUMBER],
  ['MaxConn', '', NUMBER],
  ['OutRsts', '%llu resets sent', NUMBER],
  ['OutSegs', '%llu segments sent out', NUMBER],
  ['PassiveOpens', '%llu passive connection openings', NUMBER],
  ['RetransSegs', '%llu segments retransmitted', NUMBER],
  ['RtoAlgorithm', 'RTO algorithm is %s', I_RTO_ALG | I_STATIC],
  ['RtoMax', '', NUMBER],
  ['RtoMin', '', NUMBER],
];

const UDPTAB: Entry[] = [
  ['InDatagrams', '%llu packets received', NUMBER],
  ['InErrors', '%llu packet receive errors', NUMBER],
  ['NoPorts', '%llu packets to unknown port received', NUMBER],
  ['OutDatagrams', '%llu packets sent', NUMBER],
  ['RcvbufErrors', '%llu receive buffer errors', NUMBER],
  ['SndbufErrors', '%llu send buffer errors', NUMBER],
];

const TCPEXTTAB: Entry[] = [
  ['DelayedACKLocked', '%llu delayed acks further delayed because of locked socket', OPT_NUMBER],
  ['DelayedACKLost', 'Quick ack mode was activated %llu times', OPT_NUMBER],
  ['DelayedACKs', '%llu delayed acks sent', OPT_NUMBER],
  ['EmbryonicRsts', '%llu resets received for embryonic SYN_RECV sockets', OPT_NUMBER],
  ['ListenDrops', '%llu SYNs to LISTEN sockets dropped', OPT_NUMBER],
  ['ListenOverflows', '%llu times the listen queue of a socket overflowed', OPT_NUMBER],
  ['LockDroppedIcmps', '%llu ICMP packets dropped because socket was locked', OPT_NUMBER],
  ['OfoPruned', '%llu packets dropped from out-of-order queue because of socket buffer overrun', OPT_NUMBER],
  ['OutOfWindowIcmps', '%llu ICMP packets dropped because they were out-of-window', OPT_NUMBER],
  ['PAWSActive', '%llu active connections rejected because of time stamp', OPT_NUMBER],
  ['PAWSEstab', '%llu packetes rejected in established connections because of timestamp', OPT_NUMBER],
  ['PAWSPassive', '%llu passive connections rejected because of time stamp', OPT_NUMBER],
  ['PruneCalled', '%llu packets pruned from receive queue because of socket buffer overrun', OPT_NUMBER],
  ['RcvPruned', '%llu packets pruned from receive queue', OPT_NUMBER],
  ['SockMallocOOM', 'Ran %llu times out of system memory during packet sending', OPT_NUMBER],
  ['SyncookiesFailed', '%llu invalid SYN cookies received', OPT_NUMBER],
  ['SyncookiesRecv', '%llu SYN cookies received', OPT_NUMBER],
  ['SyncookiesSent', '%llu SYN cookies sent', OPT_NUMBER],
  ['TCPAbortFailed', '%llu times unable to send RST due to no memory', OPT_NUMBER],
  ['TCPAbortOnClose', '%llu connections reset due to early user close', OPT_NUMBER],
  ['TCPAbortOnData', '%llu connections reset due to unexpected data', OPT_NUMBER],
  ['TCPAbortOnLinger', '%llu connections aborted after user close in linger timeout', OPT_NUMBER],
  ['TCPAbortOnMemory', '%llu connections aborted due to memory pressure', OPT_NUMBER],
  ['TCPAbortOnSyn', '%llu connections reset due to unexpected SYN', OPT_NUMBER],
  ['TCPAbortOnTimeout', '%llu connections aborted due to timeout', OPT_NUMBER],
  ['TCPDirectCopyFromBacklog', '%llu bytes directly in process context from backlog', OPT_NUMBER],
  ['TCPDirectCopyFromPrequeue', '%llu bytes directly received in process context from prequeue', OPT_NUMBER],
  ['TCPDSACKOfoRecv', '%llu DSACKs for out of order packets received', OPT_NUMBER],
  ['TCPDSACKOfoSent', '%llu DSACKs sent for out of order packets', OPT_NUMBER],
  ['TCPDSACKOldSent', '%llu DSACKs sent for old packets', OPT_NUMBER],
  ['TCPDSACKRecv', '%llu DSACKs received', OPT_NUMBER],
  ['TCPDSackUndo', '%llu congestion window recovered without slow start using DSACK', OPT_NUMBER],
  ['TCPDSACKUndo', '%llu congestion windows recovered without slow start by DSACK', OPT_NUMBER],
  ['TCPFACKReorder', 'Detected reordering %llu times using FACK', OPT_NUMBER],
  ['TCPFastRetrans', '%llu fast retransmits', OPT_NUMBER],
  ['TCPForwardRetrans', '%llu forward retransmits', OPT_NUMBER],
  ['TCPFullUndo', '%llu congestion windows fully recovered without slow start', OPT_NUMBER],
  ['TCPHPAcks', '%llu predicted acknowledgments', OPT_NUMBER],
  ['TCPHPHits', '%llu packet headers predicted', NUMBER],
  ['TCPHPHitsToUser', '%llu packet headers predicted and directly queued to user', OPT_NUMBER],
  ['TCPLossFailures', '%llu timeouts in loss state', OPT_NUMBER],
  ['TCPLoss', '%llu TCP data loss events', OPT_NUMBER],
  ['TCPLossUndo', '%llu congestion windows recovered without slow start after partial ack', OPT_NUMBER],
  ['TCPLostRetransmits', '%llu retransmits lost', OPT_NUMBER],
  ['TCPMemoryPressures', 'TCP ran low on memory %llu times', OPT_NUMBER],
  ['TCPPartialUndo', '%llu congestion windows partially recovered using Hoe heuristic', OPT_NUMBER],
  ['TCPPrequeued', '%llu packets directly queued to recvmsg prequeue', OPT_NUMBER],
  ['TCPPrequeueDropped', '%llu packets dropped from prequeue', OPT_NUMBER],
  ['TCPPureAcks', '%llu acknowledgments not containing data payload received', OPT_NUMBER],
  ['TCPRcvCollapsed', '%llu packets collapsed in receive queue due to low socket buffer', OPT_NUMBER],
  ['TCPRenoFailures', '%llu timeouts after reno fast retransmit', OPT_NUMBER],
  ['TCPRenoRecoveryFailed', '%llu reno fast retransmits failed', OPT_NUMBER],
  ['TCPRenoRecoveryFail', '%llu classic Reno fast retransmits failed', OPT_NUMBER],
  ['TCPRenoRecovery', '%llu times recovered from packet loss due to fast retransmit', OPT_NUMBER],
  ['TCPRenoReorder', 'Detected reordering %llu times using reno fast retransmit', OPT_NUMBER],
  ['TCPSackFailures', '%llu timeouts after SACK recovery', OPT_NUMBER],
  ['TCPSackRecoveryFail', '%llu SACK retransmits failed', OPT_NUMBER],
  ['TCPSackRecovery', '%llu times recovered from packet loss by selective acknowledgements', OPT_NUMBER],
  ['TCPSACKReneging', '%llu bad SACK blocks received', OPT_NUMBER],
  ['TCPSACKReorder', 'Detected reordering %llu times using SACK', OPT_NUMBER],
  ['TCPSchedulerFailed', '%llu times receiver scheduled too late for direct processing', OPT_NUMBER],
  ['TCPSlowStartRetrans', '%llu retransmits in slow start', OPT_NUMBER],
  ['TCPTimeouts', '%llu other TCP timeouts', OPT_NUMBER],
  ['TCPTSReorder', 'Detected reordering %llu times using time stamp', OPT_NUMBER],
  ['TWKilled', '%llu TCP sockets finished time wait in slow timer', OPT_NUMBER],
  ['TW', '%llu TCP sockets finished time wait in fast timer', OPT_NUMBER],
  ['TWRecycled', '%llu time wait sockets recycled by time stamp', OPT_NUMBER],
];

interface Flags {
  raw: boolean;
  tcp: boolean;
  udp: boolean;
  sctp: boolean;
}

interface Tab {
  title: string;
  tab: Entry[] | null;
  flag: (f: Flags) => boolean;
}

const SNMPTABS: Tab[] = [
  { title: 'Ip', tab: IPTAB, flag: (f) => f.raw },
  { title: 'Icmp', tab: ICMPTAB, flag: (f) => f.raw },
  { title: 'Tcp', tab: TCPTAB, flag: (f) => f.tcp },
  { title: 'Udp', tab: UDPTAB, flag: (f) => f.udp },
  { title: 'Sctp', tab: null, flag: (f) => f.sctp },
  { title: 'TcpExt', tab: TCPEXTTAB, flag: (f) => f.tcp },
];

/** glibc bsearch() with strcmp over a table (which must be sorted for a reliable answer). */
function bsearch(tab: Entry[], key: string): Entry | null {
  let l = 0;
  let u = tab.length;
  while (l < u) {
    const idx = (l + u) >> 1;
    const t = tab[idx]![0];
    if (key < t) u = idx;
    else if (key > t) l = idx + 1;
    else return tab[idx]!;
  }
  return null;
}

/** net-tools statistics.c: printval()/newtable()/process_fd(), writing into `out`. */
class StatPrinter {
  out = '';
  state = NUMBER;
  constructor(readonly flags: Flags) {}

  private line(indent: number, text: string): void {
    this.out += ' '.repeat(indent) + text + '\n';
  }

  newtable(title: string): Tab {
    for (const t of SNMPTABS) {
      if (t.title === title) {
        if (t.flag(this.flags)) this.out += title + ':\n';
        this.state = NUMBER;
        return t;
      }
    }
    // f_unknown is always set: unknown sections print their title and non-zero counters.
    this.out += title + ':\n';
    return { title, tab: null, flag: () => true };
  }

  printval(tab: Tab, title: string, val: bigint): void {
    const ent = tab.tab ? bsearch(tab.tab, title) : null;
    if (!ent) {
      if (val) this.line(STATES[this.state]!.indent, `${title}: ${val}`);
      return;
    }
    let type = ent[2];
    if (type & I_STATIC) return; // print_static is never set
    if (ent[1] === '') return;
    if (type & I_TITLE) {
      type &= ~I_TITLE;
      if (this.state !== type) this.line(STATES[this.state]!.indent, STATES[type]!.title);
    }
    let buf = '';
    switch (type) {
      case OPT_NUMBER:
        if (val === 0n) break;
        buf = ent[1].replace('%llu', String(val));
        break;
      case NUMBER:
        buf = ent[1].replace('%llu', String(val));
        break;
      case I_FORWARD:
        type = NUMBER;
        buf = ent[1].replace('%s', val === 2n ? 'enabled' : 'disabled');
        break;
      case I_OUTP_ICMP:
      case I_INP_ICMP:
        if (val > 0n) buf = ent[1].replace('%llu', String(val));
        break;
      case I_RTO_ALG:
        break;
      default:
        break;
    }
    if (buf) this.line(STATES[type]!.indent, buf);
    this.state = type;
  }

  /** process_fd(): line pairs "Title: names" / "Title: values". */
  processFile(text: string): boolean {
    const lines = text.split('\n');
    let i = 0;
    while (i < lines.length) {
      const l1 = lines[i++]!;
      if (l1 === '') continue;
      if (i >= lines.length) break;
      const l2 = lines[i++]!;
      const sp = l1.indexOf(':');
      const np = l2.indexOf(':');
      if (sp < 0 || np < 0) return false;
      const tab = this.newtable(l1.slice(0, sp));
      const names = l1.slice(sp + 1).split(/[ \t\n]+/).filter((s) => s);
      const vals = l2.slice(np + 1).split(/[ \t\n]+/).filter((s) => s);
      if (!tab.flag(this.flags)) continue;
      for (let j = 0; j < names.length; j++) this.printval(tab, names[j]!, strtoull(vals[j] ?? ''));
    }
    return true;
  }
}

/** strtoull(): a leading '-' wraps around as C does. */
function strtoull(s: string): bigint {
  const m = /^\s*([-+]?)(\d+)/.exec(s);
  if (!m) return 0n;
  let v = BigInt(m[2]!) & 0xffffffffffffffffn;
  if (m[1] === '-') v = (-v) & 0xffffffffffffffffn;
  return v;
}

const LONGOPTS: LongOpt[] = [
  { name: 'protocol', hasArg: 1, val: 'A' }, { name: 'route', hasArg: 0, val: 'r' },
  { name: 'version', hasArg: 0, val: 'V' }, { name: 'interfaces', hasArg: 0, val: 'i' },
  { name: 'help', hasArg: 0, val: 'h' }, { name: 'programs', hasArg: 0, val: 'p' },
  { name: 'verbose', hasArg: 0, val: 'v' }, { name: 'statistics', hasArg: 0, val: 's' },
  { name: 'wide', hasArg: 0, val: 'W' }, { name: 'numeric', hasArg: 0, val: 'n' },
  { name: 'listening', hasArg: 0, val: 'l' }, { name: 'all', hasArg: 0, val: 'a' },
  { name: 'extend', hasArg: 0, val: 'e' }, { name: 'tcp', hasArg: 0, val: 't' },
  { name: 'udp', hasArg: 0, val: 'u' }, { name: 'udplite', hasArg: 0, val: 'U' },
  { name: 'raw', hasArg: 0, val: 'w' }, { name: 'sctp', hasArg: 0, val: 'S' },
  { name: 'inet', hasArg: 0, val: '4' }, { name: 'inet6', hasArg: 0, val: '6' },
  { name: 'continuous', hasArg: 0, val: 'c' },
];

const USAGE = `usage: netstat [-vWeenNcCF] [<Af>] -r         netstat {-V|--version|-h|--help}
       netstat [-vWnNcaeol] [<Socket> ...]
       netstat { [-vWeenNac] -i | [-cnNe] -M | -s [-6tuw] }

        -r, --route              display routing table
        -i, --interfaces         display interface table
        -g, --groups             display multicast group memberships
        -s, --statistics         display networking statistics (like SNMP)
        -M, --masquerade         display masqueraded connections

        -v, --verbose            be verbose
        -W, --wide               don't truncate IP addresses
        -n, --numeric            don't resolve names
        --numeric-hosts          don't resolve host names
        --numeric-ports          don't resolve port names
        --numeric-users          don't resolve user names
        -N, --symbolic           resolve hardware names
        -e, --extend             display other/more information
        -p, --programs           display PID/Program name for sockets
        -o, --timers             display timers
        -c, --continuous         continuous listing

        -l, --listening          display listening server sockets
        -a, --all                display all sockets (default: connected)
        -F, --fib                display Forwarding Information Base (default)
        -C, --cache              display routing cache instead of FIB
        -Z, --context            display SELinux security context for sockets

  <Socket>={-t|--tcp} {-u|--udp} {-U|--udplite} {-S|--sctp} {-w|--raw}
           {-x|--unix} --ax25 --ipx --netrom
  <AF>=Use '-6|-4' or '-A <af>' or '--<af>'; default: inet
  List of possible address families (which support routing):
    inet (DARPA Internet) inet6 (IPv6) ax25 (AMPR AX.25) 
    netrom (AMPR NET/ROM) rose (AMPR ROSE) x25 (CCITT X.25) 
`;

export async function netstatMain(ctx: ToolContext): Promise<number> {
  const err = (s: string): void => ctx.stderr.write(s);
  const { opts } = getoptLong(ctx.argv, 'A:CFMacdeghilnNoprsStuUvVWw2fx64?Z', LONGOPTS, err, 'netstat');
  let sta = false;
  let tcp = false;
  let udp = false;
  let udplite = false;
  let raw = false;
  let sctp = false;
  let af = '';
  for (const o of opts) {
    switch (o.opt) {
      case 's': sta = true; break;
      case 't': tcp = true; break;
      case 'u': udp = true; break;
      case 'U': udplite = true; break;
      case 'w': raw = true; break;
      case 'S': sctp = true; break;
      case '4': af = 'inet'; break;
      case '6': af = 'inet6'; break;
      case 'A': af = o.arg ?? ''; break;
      case 'V':
        ctx.stdout.write('net-tools 2.10\nFred Baumgarten, Alan Cox, Bernd Eckenfels, Phil Blundell, Tuan Hoang, Brian Micek and others\n' +
          '+NEW_ADDRT +RTF_IRTT +RTF_REJECT +FW_MASQUERADE +I18N +SELINUX\n' +
          'AF: (inet) +UNIX +INET +INET6 +IPX +AX25 +NETROM +X25 +ATALK +ECONET +ROSE -BLUETOOTH\n' +
          'HW:  +ETHER +ARC +SLIP +PPP +TUNNEL -TR +AX25 +NETROM +X25 +FR +ROSE +ASH +SIT +FDDI +HIPPI +HDLC/LAPB +EUI64 \n');
        return 0;
      case 'h':
        ctx.stdout.write(USAGE);
        return 0;
      case '?':
        err(USAGE);
        return 1;
      default:
        break;
    }
  }
  if (!sta) {
    err('netstat: only the statistics mode (-s) is available in tuxnet; use ss to list sockets\n');
    return 1;
  }
  if (!(tcp || sctp || udp || udplite || raw)) tcp = sctp = udp = udplite = raw = true;
  if (!af) af = 'inet';
  const task = ctx.task;
  const p = new StatPrinter({ raw, tcp, udp, sctp });
  if (af === 'inet') {
    let snmp: string;
    try {
      snmp = sys.readFile(task, '/proc/net/snmp');
    } catch (e) {
      err(`cannot open /proc/net/snmp: ${e instanceof SystemError ? strerror(e.errno) : String(e)}\n`);
      return 0;
    }
    if (!p.processFile(snmp)) err('Problem while parsing /proc/net/snmp\n');
    let netstat: string | null = null;
    try {
      netstat = sys.readFile(task, '/proc/net/netstat');
    } catch { /* optional */ }
    if (netstat !== null && !p.processFile(netstat)) err('Problem while parsing /proc/net/netstat\n');
    ctx.stdout.write(p.out);
    return 0;
  }
  if (af === 'inet6') {
    try {
      sys.readFile(task, '/proc/net/snmp6');
    } catch (e) {
      err(`cannot open /proc/net/snmp6: ${e instanceof SystemError ? strerror(e.errno) : String(e)}\n`);
      return 0;
    }
    return 0;
  }
  err(`netstat: No statistics support for specified address family: ${af}\n`);
  return 1;
}
