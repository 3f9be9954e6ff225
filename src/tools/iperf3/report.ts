/**
 * iperf 3.12's reports (esnet/iperf src/iperf_api.c iperf_print_intermediate(),
 * iperf_print_results(), iperf_locale.c formats): the human lines and the -J
 * document. Streams and their interval records are kept by the test (iperf3.ts).
 */
import { fmtF, fmtG, unitSnprintf, JObj, U64_MAX, type JsonValue } from './format.js';

/** One interval of one stream (iperf: struct iperf_interval_results). */
export interface IntervalResult {
  start: number;
  end: number;
  bytes: number;
  packets: number;
  retrans: number;
  sndCwnd: number;
  sndWnd: number;
  rtt: number;
  rttvar: number;
  pmtu: number;
  jitter: number;
  lost: number;
  outOfOrder: number;
}

/** A data stream (iperf: struct iperf_stream) and its counters. */
export class Stream {
  bytes = 0;
  packets = 0;
  ivBytes = 0;
  ivPackets = 0;
  ivRetransBase = 0;
  retransBase = -1;
  retrans = 0;
  /* UDP receive side (iperf_udp_recv). */
  jitter = 0;
  prevTransit = 0;
  cntError = 0;
  ivCntErrorBase = 0;
  packetCount = 0;
  ivPacketCountBase = 0;
  outOfOrder = 0;
  ivOutOfOrderBase = 0;
  readonly intervals: IntervalResult[] = [];
  maxSndCwnd = 0;
  maxSndWnd = 0;
  maxRtt = 0;
  minRtt = 0;
  sumRtt = 0;
  rttCount = 0;
  /** The stream's last activity (s since the test start). */
  endTime = 0;
  done = false;
  constructor(readonly id: number, public fd: number, readonly sender: boolean, readonly local: string,
    readonly lport: number, readonly remote: string, readonly rport: number) {}
}

/** What the peer reported for a stream (iperf: the "streams" of the results JSON). */
export interface PeerStream {
  id: number;
  bytes: number;
  retrans: number;
  jitter: number;
  errors: number;
  packets: number;
  endTime: number;
}

export const SEPARATOR = '- - - - - - - - - - - - - - - - - - - - - - - - -\n';
export const HDR_BW = '[ ID] Interval           Transfer     Bitrate\n';
export const HDR_BW_RETRANS = '[ ID] Interval           Transfer     Bitrate         Retr\n';
export const HDR_BW_RETRANS_CWND = '[ ID] Interval           Transfer     Bitrate         Retr  Cwnd\n';
export const HDR_UDP = '[ ID] Interval           Transfer     Bitrate         Jitter    Lost/Total Datagrams\n';
export const HDR_UDP_SENDER = '[ ID] Interval           Transfer     Bitrate         Total Datagrams\n';

function idCol(id: number | 'SUM'): string {
  return id === 'SUM' ? '[SUM]' : `[${String(id).padStart(3)}]`;
}

function times(start: number, end: number): string {
  return `${fmtF(start, 6, 2)}-${end.toFixed(2).padEnd(6)} sec`;
}

function bw(bytes: number, seconds: number, fmt: string): [string, string] {
  const rate = seconds > 0 ? bytes / seconds : 0;
  return [unitSnprintf(bytes, 'A'), unitSnprintf(rate, fmt)];
}

/** report_bw_format. */
export function lineBw(id: number | 'SUM', start: number, end: number, bytes: number, fmt: string, tail: string): string {
  const [t, r] = bw(bytes, end - start, fmt);
  return `${idCol(id)} ${times(start, end)}  ${t}s  ${r}s/sec                  ${tail}\n`;
}

/** report_bw_retrans_format / report_sum_bw_retrans_format. */
export function lineRetrans(id: number | 'SUM', start: number, end: number, bytes: number, fmt: string, retr: number,
  tail: string): string {
  const [t, r] = bw(bytes, end - start, fmt);
  return `${idCol(id)} ${times(start, end)}  ${t}s  ${r}s/sec  ${String(retr).padStart(3)}             ${tail}\n`;
}

/** report_bw_retrans_cwnd_format. */
export function lineRetransCwnd(id: number, start: number, end: number, bytes: number, fmt: string, retr: number,
  cwnd: number): string {
  const [t, r] = bw(bytes, end - start, fmt);
  return `${idCol(id)} ${times(start, end)}  ${t}s  ${r}s/sec  ${String(retr).padStart(3)}   ${unitSnprintf(cwnd, 'A')}s       \n`;
}

/** report_bw_udp_format. */
export function lineUdp(id: number | 'SUM', start: number, end: number, bytes: number, fmt: string, jitterMs: number,
  lost: number, total: number, tail: string): string {
  const [t, r] = bw(bytes, end - start, fmt);
  const pct = total > 0 ? (lost * 100) / total : 0;
  return `${idCol(id)} ${times(start, end)}  ${t}s  ${r}s/sec  ${jitterMs.toFixed(3).padStart(5)} ms  ${lost}/${total} ` +
    `(${fmtG(pct, 2)}%)  ${tail}\n`;
}

/** report_bw_udp_sender_format. */
export function lineUdpSender(id: number | 'SUM', start: number, end: number, bytes: number, fmt: string, packets: number,
  tail: string): string {
  const [t, r] = bw(bytes, end - start, fmt);
  return `${idCol(id)} ${times(start, end)}  ${t}s  ${r}s/sec  ${packets}  ${tail}\n`;
}

/** Seconds rounded to microseconds (iperf keeps times as timevals). */
export function usec(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** An interval record as -J prints it. */
export function intervalJson(s: Stream, r: IntervalResult, udp: boolean): JObj {
  const seconds = Math.fround(r.end - r.start);
  const o = new JObj({
    socket: s.fd, start: usec(r.start), end: usec(r.end), seconds, bytes: r.bytes,
    bits_per_second: seconds > 0 ? (r.bytes * 8) / seconds : 0,
  });
  if (udp) {
    if (s.sender) o.set('packets', r.packets);
    else {
      o.set('jitter_ms', r.jitter * 1000).set('lost_packets', r.lost).set('packets', r.packets)
        .set('lost_percent', r.packets ? (r.lost * 100) / r.packets : 0);
    }
  } else if (s.sender) {
    o.set('retransmits', r.retrans).set('snd_cwnd', r.sndCwnd).set('snd_wnd', r.sndWnd).set('rtt', r.rtt)
      .set('rttvar', r.rttvar).set('pmtu', r.pmtu);
  }
  o.set('omitted', false).set('sender', s.sender);
  return o;
}

/** The "sum" of one interval across streams. */
export function intervalSumJson(rs: IntervalResult[], sender: boolean, udp: boolean, tcpSender: boolean): JObj {
  const r0 = rs[0]!;
  const seconds = Math.fround(r0.end - r0.start);
  let bytes = 0;
  let packets = 0;
  let retr = 0;
  let lost = 0;
  let jitter = 0;
  for (const r of rs) {
    bytes += r.bytes;
    packets += r.packets;
    retr += r.retrans;
    lost += r.lost;
    jitter += r.jitter;
  }
  const o = new JObj({ start: usec(r0.start), end: usec(r0.end), seconds, bytes,
    bits_per_second: seconds > 0 ? (bytes * 8) / seconds : 0 });
  if (udp) {
    if (sender) o.set('packets', packets);
    else o.set('jitter_ms', (jitter / rs.length) * 1000).set('lost_packets', lost).set('packets', packets)
      .set('lost_percent', packets ? (lost * 100) / packets : 0);
  } else if (tcpSender) o.set('retransmits', retr);
  o.set('omitted', false).set('sender', sender);
  return o;
}

/** A summary figure (sender or receiver side) as -J prints it in "end". */
export function endJson(fd: number, end: number, bytes: number, extra: [string, JsonValue][], sender: boolean,
  seconds?: number): JObj {
  const secs = seconds ?? end;
  const o = new JObj({ socket: fd, start: 0, end: usec(end), seconds: usec(secs), bytes,
    bits_per_second: secs > 0 ? (bytes * 8) / secs : 0 });
  for (const [k, v] of extra) o.set(k, v);
  o.set('sender', sender);
  return o;
}

export { U64_MAX };
