/**
 * TCP_INFO (Linux: net/ipv4/tcp.c tcp_get_info(), include/uapi/linux/tcp.h struct
 * tcp_info as of 6.18). The object has every field of the struct under its Linux name and
 * in Linux's units (times in microseconds unless the name says otherwise: tcpi_last_* in
 * ms, tcpi_total_rto_time in ms; rates in bytes per second). 64-bit fields are numbers
 * (exact up to 2^53); an unlimited pacing rate (~0ULL in Linux) is 2^64 - 1 as a double.
 * The AccECN counters of 6.18 (tcpi_received_ce, tcpi_*_bytes, tcpi_accecn_*) are 0:
 * tuxnet negotiates classic RFC 3168 ECN only.
 */
import { type TcpSock, tcpJiffies32, tcpIsSack } from './tcp_sock.js';
import {
  TCP_LISTEN, TCPI_OPT_TIMESTAMPS, TCPI_OPT_SACK, TCPI_OPT_WSCALE, TCPI_OPT_ECN, TCPI_OPT_ECN_SEEN, TCP_ECN_OK,
  TCP_ECN_SEEN, TCP_CHRONO_BUSY, __TCP_CHRONO_MAX, USEC_PER_SEC, HZ,
} from './tcp_defs.js';
import { SOCK_STREAM } from '../socket/socket.js';

/** Linux: struct tcp_info (6.18), field for field. */
export interface TcpInfo {
  tcpi_state: number;
  tcpi_ca_state: number;
  tcpi_retransmits: number;
  tcpi_probes: number;
  tcpi_backoff: number;
  tcpi_options: number;
  tcpi_snd_wscale: number;
  tcpi_rcv_wscale: number;
  tcpi_delivery_rate_app_limited: number;
  tcpi_fastopen_client_fail: number;
  tcpi_rto: number;
  tcpi_ato: number;
  tcpi_snd_mss: number;
  tcpi_rcv_mss: number;
  tcpi_unacked: number;
  tcpi_sacked: number;
  tcpi_lost: number;
  tcpi_retrans: number;
  tcpi_fackets: number;
  tcpi_last_data_sent: number;
  tcpi_last_ack_sent: number;
  tcpi_last_data_recv: number;
  tcpi_last_ack_recv: number;
  tcpi_pmtu: number;
  tcpi_rcv_ssthresh: number;
  tcpi_rtt: number;
  tcpi_rttvar: number;
  tcpi_snd_ssthresh: number;
  tcpi_snd_cwnd: number;
  tcpi_advmss: number;
  tcpi_reordering: number;
  tcpi_rcv_rtt: number;
  tcpi_rcv_space: number;
  tcpi_total_retrans: number;
  tcpi_pacing_rate: number;
  tcpi_max_pacing_rate: number;
  tcpi_bytes_acked: number;
  tcpi_bytes_received: number;
  tcpi_segs_out: number;
  tcpi_segs_in: number;
  tcpi_notsent_bytes: number;
  tcpi_min_rtt: number;
  tcpi_data_segs_in: number;
  tcpi_data_segs_out: number;
  tcpi_delivery_rate: number;
  tcpi_busy_time: number;
  tcpi_rwnd_limited: number;
  tcpi_sndbuf_limited: number;
  tcpi_delivered: number;
  tcpi_delivered_ce: number;
  tcpi_bytes_sent: number;
  tcpi_bytes_retrans: number;
  tcpi_dsack_dups: number;
  tcpi_reord_seen: number;
  tcpi_rcv_ooopack: number;
  tcpi_snd_wnd: number;
  tcpi_rcv_wnd: number;
  tcpi_rehash: number;
  tcpi_total_rto: number;
  tcpi_total_rto_recoveries: number;
  tcpi_total_rto_time: number;
  tcpi_received_ce: number;
  tcpi_delivered_e1_bytes: number;
  tcpi_delivered_e0_bytes: number;
  tcpi_delivered_ce_bytes: number;
  tcpi_received_e1_bytes: number;
  tcpi_received_e0_bytes: number;
  tcpi_received_ce_bytes: number;
  tcpi_ecn_mode: number;
  tcpi_accecn_opt_seen: number;
  tcpi_accecn_fail_mode: number;
  tcpi_options2: number;
}

/** Linux: TCPI_ECN_MODE_* (tcpi_ecn_mode). */
export const TCPI_ECN_MODE_DISABLED = 0;
export const TCPI_ECN_MODE_RFC3168 = 1;
export const TCPI_ECN_MODE_ACCECN = 2;
export const TCPI_ECN_MODE_PENDING = 3;

/** ~0ULL as a JS number (an unlimited pacing rate). */
const U64_MAX = 2 ** 64 - 1;

/** A zeroed struct tcp_info (Linux: memset(info, 0, sizeof(*info))). */
export function tcpInfoZero(): TcpInfo {
  return {
    tcpi_state: 0, tcpi_ca_state: 0, tcpi_retransmits: 0, tcpi_probes: 0, tcpi_backoff: 0, tcpi_options: 0,
    tcpi_snd_wscale: 0, tcpi_rcv_wscale: 0, tcpi_delivery_rate_app_limited: 0, tcpi_fastopen_client_fail: 0,
    tcpi_rto: 0, tcpi_ato: 0, tcpi_snd_mss: 0, tcpi_rcv_mss: 0, tcpi_unacked: 0, tcpi_sacked: 0, tcpi_lost: 0,
    tcpi_retrans: 0, tcpi_fackets: 0, tcpi_last_data_sent: 0, tcpi_last_ack_sent: 0, tcpi_last_data_recv: 0,
    tcpi_last_ack_recv: 0, tcpi_pmtu: 0, tcpi_rcv_ssthresh: 0, tcpi_rtt: 0, tcpi_rttvar: 0, tcpi_snd_ssthresh: 0,
    tcpi_snd_cwnd: 0, tcpi_advmss: 0, tcpi_reordering: 0, tcpi_rcv_rtt: 0, tcpi_rcv_space: 0, tcpi_total_retrans: 0,
    tcpi_pacing_rate: 0, tcpi_max_pacing_rate: 0, tcpi_bytes_acked: 0, tcpi_bytes_received: 0, tcpi_segs_out: 0,
    tcpi_segs_in: 0, tcpi_notsent_bytes: 0, tcpi_min_rtt: 0, tcpi_data_segs_in: 0, tcpi_data_segs_out: 0,
    tcpi_delivery_rate: 0, tcpi_busy_time: 0, tcpi_rwnd_limited: 0, tcpi_sndbuf_limited: 0, tcpi_delivered: 0,
    tcpi_delivered_ce: 0, tcpi_bytes_sent: 0, tcpi_bytes_retrans: 0, tcpi_dsack_dups: 0, tcpi_reord_seen: 0,
    tcpi_rcv_ooopack: 0, tcpi_snd_wnd: 0, tcpi_rcv_wnd: 0, tcpi_rehash: 0, tcpi_total_rto: 0,
    tcpi_total_rto_recoveries: 0, tcpi_total_rto_time: 0, tcpi_received_ce: 0, tcpi_delivered_e1_bytes: 0,
    tcpi_delivered_e0_bytes: 0, tcpi_delivered_ce_bytes: 0, tcpi_received_e1_bytes: 0, tcpi_received_e0_bytes: 0,
    tcpi_received_ce_bytes: 0, tcpi_ecn_mode: 0, tcpi_accecn_opt_seen: 0, tcpi_accecn_fail_mode: 0, tcpi_options2: 0,
  };
}

/** Linux: tcp_compute_delivery_rate(): bytes per second of the last rate sample. */
export function tcpComputeDeliveryRate(tp: TcpSock): number {
  const rate = tp.rateDelivered;
  const intv = tp.rateIntervalUs;
  if (rate && intv) return Math.floor((rate * tp.mssCache * USEC_PER_SEC) / intv);
  return 0;
}

/** Linux: tcp_min_rtt(): the windowed minimum RTT (µs), ~0U before any sample. */
export function tcpMinRtt(tp: TcpSock): number {
  return tp.rttMin.v0 >>> 0;
}

/** Linux: tcp_get_info_chrono_stats(). */
function tcpGetInfoChronoStats(tp: TcpSock, info: TcpInfo): void {
  const now = tcpJiffies32(tp.net.kernel);
  let total = 0;
  const stats = [0, 0, 0, 0];
  for (let i = TCP_CHRONO_BUSY; i < __TCP_CHRONO_MAX; ++i) {
    let v = tp.chronoStat[i - 1]!;
    if (i === tp.chronoType) v += (now - tp.chronoStart) >>> 0;
    v *= USEC_PER_SEC / HZ;
    stats[i] = v;
    total += v;
  }
  info.tcpi_busy_time = total;
  info.tcpi_rwnd_limited = stats[2]!;
  info.tcpi_sndbuf_limited = stats[3]!;
}

/** Linux: tcp_get_info(). */
export function tcpGetInfo(tp: TcpSock): TcpInfo {
  const info = tcpInfoZero();
  if (tp.type !== SOCK_STREAM) return info;
  info.tcpi_state = tp.state;
  /* Report meaningful fields for all TCP states, including listeners */
  info.tcpi_pacing_rate = tp.pacingRate === 0xffffffffffff ? U64_MAX : tp.pacingRate;
  info.tcpi_max_pacing_rate = tp.maxPacingRate === 0xffffffffffff ? U64_MAX : tp.maxPacingRate;
  info.tcpi_reordering = tp.reordering;
  info.tcpi_snd_cwnd = tp.sndCwnd;
  if (info.tcpi_state === TCP_LISTEN) {
    /* listeners aliased fields: tcpi_unacked -> children ready for accept(), tcpi_sacked -> max backlog */
    info.tcpi_unacked = tp.ackBacklog;
    info.tcpi_sacked = tp.maxAckBacklog;
    return info;
  }
  info.tcpi_ca_state = tp.icskCaState;
  info.tcpi_retransmits = tp.icskRetransmits & 0xff;
  info.tcpi_probes = tp.icskProbesOut & 0xff;
  info.tcpi_backoff = tp.icskBackoff & 0xff;
  if (tp.rxOpt.tstampOk) info.tcpi_options |= TCPI_OPT_TIMESTAMPS;
  if (tcpIsSack(tp)) info.tcpi_options |= TCPI_OPT_SACK;
  if (tp.rxOpt.wscaleOk) {
    info.tcpi_options |= TCPI_OPT_WSCALE;
    info.tcpi_snd_wscale = tp.rxOpt.sndWscale;
    info.tcpi_rcv_wscale = tp.rxOpt.rcvWscale;
  }
  if (tp.ecnFlags & TCP_ECN_OK) info.tcpi_options |= TCPI_OPT_ECN;
  if (tp.ecnFlags & TCP_ECN_SEEN) info.tcpi_options |= TCPI_OPT_ECN_SEEN;
  info.tcpi_ecn_mode = tp.ecnFlags & TCP_ECN_OK ? TCPI_ECN_MODE_RFC3168 : TCPI_ECN_MODE_DISABLED;
  info.tcpi_rto = tp.icskRto * 1000; /* jiffies_to_usecs */
  info.tcpi_ato = Math.min(tp.icskAckAto, tp.icskDelackMax) * 1000;
  info.tcpi_snd_mss = tp.mssCache;
  info.tcpi_rcv_mss = tp.icskAckRcvMss;
  info.tcpi_unacked = tp.packetsOut;
  info.tcpi_sacked = tp.sackedOut;
  info.tcpi_lost = tp.lostOut;
  info.tcpi_retrans = tp.retransOut;
  const now = tcpJiffies32(tp.net.kernel);
  info.tcpi_last_data_sent = (now - tp.lsndtime) >>> 0;
  info.tcpi_last_data_recv = (now - tp.icskAckLrcvtime) >>> 0;
  info.tcpi_last_ack_recv = (now - tp.rcvTstamp) >>> 0;
  info.tcpi_pmtu = tp.icskPmtuCookie;
  info.tcpi_rcv_ssthresh = tp.rcvSsthresh;
  info.tcpi_rtt = tp.srttUs >>> 3;
  info.tcpi_rttvar = tp.mdevUs >>> 2;
  info.tcpi_snd_ssthresh = tp.sndSsthresh;
  info.tcpi_advmss = tp.advmss;
  info.tcpi_rcv_rtt = tp.rcvRttEstRttUs >>> 3;
  info.tcpi_rcv_space = tp.rcvqSpaceSpace;
  info.tcpi_total_retrans = tp.totalRetrans;
  info.tcpi_bytes_acked = tp.bytesAcked;
  info.tcpi_bytes_received = tp.bytesReceived;
  info.tcpi_notsent_bytes = Math.max(0, (tp.writeSeq - tp.sndNxt) | 0);
  tcpGetInfoChronoStats(tp, info);
  info.tcpi_segs_out = tp.segsOut >>> 0;
  info.tcpi_segs_in = tp.segsIn >>> 0;
  info.tcpi_min_rtt = tcpMinRtt(tp);
  info.tcpi_data_segs_in = tp.dataSegsIn >>> 0;
  info.tcpi_data_segs_out = tp.dataSegsOut >>> 0;
  info.tcpi_delivery_rate_app_limited = tp.rateAppLimited ? 1 : 0;
  info.tcpi_delivery_rate = tcpComputeDeliveryRate(tp);
  info.tcpi_delivered = tp.delivered >>> 0;
  info.tcpi_delivered_ce = tp.deliveredCe >>> 0;
  info.tcpi_bytes_sent = tp.bytesSent;
  info.tcpi_bytes_retrans = tp.bytesRetrans;
  info.tcpi_dsack_dups = tp.dsackDups >>> 0;
  info.tcpi_reord_seen = tp.reordSeen >>> 0;
  info.tcpi_rcv_ooopack = tp.rcvOoopack >>> 0;
  info.tcpi_snd_wnd = tp.sndWnd >>> 0;
  info.tcpi_rcv_wnd = tp.rcvWnd >>> 0;
  info.tcpi_rehash = 0; /* no PLB / timeout rehash (txhash changes are not modeled) */
  info.tcpi_fastopen_client_fail = 0;
  info.tcpi_total_rto = tp.totalRto & 0xffff;
  info.tcpi_total_rto_recoveries = tp.totalRtoRecoveries & 0xffff;
  info.tcpi_total_rto_time = tp.totalRtoTime;
  if (tp.rtoStamp) info.tcpi_total_rto_time += (now - tp.rtoStamp) >>> 0;
  return info;
}
