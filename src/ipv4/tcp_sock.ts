/**
 * The TCP socket and its companions (Linux: include/linux/tcp.h struct tcp_sock,
 * include/net/inet_connection_sock.h struct inet_connection_sock, include/net/tcp.h
 * struct tcp_skb_cb, include/net/request_sock.h + inet_sock.h request socks,
 * include/net/inet_timewait_sock.h + tcp.h tcp_timewait_sock, struct tcp_congestion_ops).
 *
 * Layout decisions (shared by every ipv4/tcp*.ts file):
 * - `TcpSock` extends `InetSock` and carries the inet_connection_sock fields with an
 *   `icsk` prefix and the tcp_sock fields without one, flattened (no nested structs per
 *   socket except `rxOpt`, which tcp_parse_options fills for request socks too).
 * - Times: jiffies are milliseconds (HZ 1000, see tcp_defs.ts) read with `tcpJiffies32`;
 *   `tcpMstamp` is the microsecond clock of the last event (Linux tp->tcp_mstamp), refreshed
 *   by `tcpMstampRefresh`; RTTs are in microseconds, `srttUs` holds 8 * srtt as in Linux.
 * - Queues: `writeQueue` holds skbs not yet sent (Linux sk_write_queue); `rtxQueue` holds
 *   sent, unacknowledged skbs in sequence order (Linux tcp_rtx_queue, an rbtree there; a
 *   list here); `outOfOrderQueue` is sorted by seq. Each of those skbs has a `TcpSkbCb` in
 *   skb.cb and holds only payload; tcp_transmit_skb clones it and pushes the headers.
 * - Timers are kernel timers (core/timer.ts) armed with `kernel.modTimer(t, nsExpiry)`.
 */
import type { Net, Kernel } from '../core/net_namespace.js';
import type { SkBuff } from '../core/skbuff.js';
import { SkBuffHead } from '../core/skb_queue.js';
import { TimerList } from '../core/timer.js';
import { InetSock } from './inet_sock.js';
import type { InetSkbParm } from './ip.js';
import {
  TCP_CLOSE, TCP_INIT_CWND, TCP_INFINITE_SSTHRESH, TCP_MSS_DEFAULT, TCP_TIMEOUT_INIT, TCP_RTO_MIN,
  TCP_DELACK_MAX, TCP_CA_Open, TCP_CHRONO_UNSPEC, __TCP_CHRONO_MAX, TCP_FASTRETRANS_THRESH,
} from './tcp_defs.js';

/** Linux: struct tcp_skb_cb — per-skb TCP state, in skb.cb of every skb TCP queues. */
export class TcpSkbCb {
  /** First sequence number (Linux: seq). */
  seq = 0;
  /** seq + SYN + FIN + payload length (Linux: end_seq). */
  endSeq = 0;
  /** TCPHDR_* flags to send / received (Linux: tcp_flags). */
  tcpFlags = 0;
  /** TCPCB_* scoreboard bits (Linux: sacked). */
  sacked = 0;
  /** Received: the segment's ack_seq (Linux: ack_seq). */
  ackSeq = 0;
  /** Segments this skb counts as (Linux: tcp_skb_pcount); 1 without GSO. */
  pcount = 1;
  /** Sent: microsecond timestamp of the last transmission (Linux: skb->skb_mstamp_ns / 1000). */
  txMstamp = 0;
  /** Sent: delivery-rate state at transmission (Linux: tcp_skb_cb.tx, tcp_rate.c). */
  txDelivered = 0;
  txDeliveredCe = 0;
  txDeliveredMstamp = 0;
  txFirstTxMstamp = 0;
  txIsAppLimited = false;
  /** Linux: eor (MSG_EOR: do not coalesce past this skb). */
  eor = false;
  /** Received: the IP control block saved before TCP took over skb.cb (Linux: header.h4). */
  header: InetSkbParm | null = null;
  /** Received: TIME_WAIT recycling: the ISN chosen for a new connection (Linux: tcp_tw_isn). */
  twIsn = 0;
  /** OUTPUT: the clone of the last transmission, to tell whether it still waits in a qdisc (Linux: the fclone companion). */
  txClone: SkBuff | null = null;
  /** Received (INPUT): the truesize Linux's skb for this segment has (tun: linear kmalloc head; veth from a Linux
   * sender: payload in page frags + 832), and the tailroom of a linear head (-1 = payload in frags). */
  rxTruesize = 0;
  rxLinearRoom = -1;
}

/** Linux: TCP_SKB_CB(skb). The caller knows TCP owns skb.cb. */
export function TCP_SKB_CB(skb: SkBuff): TcpSkbCb {
  return skb.cb as TcpSkbCb;
}

/** Linux: struct tcp_options_received (what the peer's SYN/segments told us). */
export class TcpOptionsReceived {
  /** jiffies (seconds in Linux: get_seconds()) when tsRecent was last updated. */
  tsRecentStamp = 0;
  tsRecent = 0;
  rcvTsval = 0;
  rcvTsecr = 0;
  sawTstamp = false;
  tstampOk = false;
  /** D-SACK is being sent (Linux: dsack). */
  dsack = false;
  wscaleOk = false;
  /** SACK permitted (Linux: sack_ok, bit 0; TCP_DSACK_SEEN bit 2, TCP_SACK_SEEN bit 1). */
  sackOk = 0;
  sndWscale = 0;
  rcvWscale = 0;
  /** Number of SACK blocks we send (Linux: num_sacks). */
  numSacks = 0;
  /** TCP_MAXSEG set by the user (Linux: user_mss). */
  userMss = 0;
  /** Maximal MSS negotiated (Linux: mss_clamp). */
  mssClamp = 0;
  /** The SYN carried ECE+CWR etc.: handled by ecn helpers. */
  sawUnknown = false;
}

/** Linux: struct tcp_sack_block. */
export class TcpSackBlock {
  startSeq = 0;
  endSeq = 0;
}

/** Linux: struct tcp_congestion_ops. The private state lives in `sk.icskCaPriv`. */
export interface TcpCongestionOps {
  name: string;
  /** TCP_CONG_* */
  flags: number;
  /** Linux: key (hash of the name), for TCP_CC_INFO and inet_diag. */
  key: number;
  init?(sk: TcpSock): void;
  release?(sk: TcpSock): void;
  /** Slow-start threshold after loss (required). */
  ssthresh(sk: TcpSock): number;
  /** Congestion avoidance: grow cwnd for `acked` packets acknowledged at `ack`. */
  congAvoid?(sk: TcpSock, ack: number, acked: number): void;
  setState?(sk: TcpSock, newState: number): void;
  cwndEvent?(sk: TcpSock, ev: number): void;
  inAckEvent?(sk: TcpSock, flags: number): void;
  /** New cwnd after an undo (required). */
  undoCwnd(sk: TcpSock): number;
  pktsAcked?(sk: TcpSock, sample: AckSample): void;
  /** Replaces tcp_cong_avoid + PRR when present (Linux: cong_control; BBR). */
  congControl?(sk: TcpSock, ack: number, flag: number, rs: RateSample): void;
  /** TCP_CC_INFO / ss -i extras; null when none. */
  getInfo?(sk: TcpSock): Record<string, number> | null;
}

/** Linux: struct ack_sample. */
export class AckSample {
  pktsAcked = 0;
  rttUs = -1;
  inFlight = 0;
}

/** Linux: struct rate_sample (tcp_rate.c). */
export class RateSample {
  priorMstamp = 0;
  priorDelivered = 0;
  priorDeliveredCe = 0;
  delivered = 0;
  deliveredCe = 0;
  intervalUs = 0;
  sndIntervalUs = 0;
  rcvIntervalUs = 0;
  rttUs = -1;
  losses = 0;
  ackedSacked = 0;
  priorInFlight = 0;
  lastEndSeq = 0;
  isAppLimited = false;
  isRetrans = false;
  isAckDelayed = false;
}

/** Linux: struct minmax (windowed min filter, lib/win_minmax.c): three (time, value) samples. */
export class Minmax {
  t0 = 0; v0 = 0xffffffff;
  t1 = 0; v1 = 0xffffffff;
  t2 = 0; v2 = 0xffffffff;
}

/**
 * Linux: struct request_sock + inet_request_sock + tcp_request_sock: a connection in
 * the SYN queue (state TCP_NEW_SYN_RECV), hashed in the established table until the
 * handshake completes or the SYN-ACK retries run out.
 */
export class RequestSock {
  /** The listener that received the SYN (Linux: rsk_listener). */
  listener: TcpSock;
  readonly state = 12; /* TCP_NEW_SYN_RECV */
  locAddr = 0;
  rmtAddr = 0;
  /** Local port (ir_num) and remote port (ir_rmt_port), host order. */
  num = 0;
  rmtPort = 0;
  /** Incoming interface (ir_iif). */
  iif = 0;
  mark = 0;
  rcvIsn = 0;
  sntIsn = 0;
  /** Timestamp offset for this connection (Linux: ts_off). */
  tsOff = 0;
  /** Microsecond time of the first SYN-ACK (Linux: snt_synack), for the first RTT sample. */
  sntSynack = 0;
  /** SYN-ACKs retransmitted (Linux: num_retrans) and timeouts (num_timeout). */
  numRetrans = 0;
  numTimeout = 0;
  /** The peer's MSS option (Linux: req->mss). */
  mss = 0;
  rcvWnd = 0;
  windowClamp = 0;
  tsRecent = 0;
  tstampOk = false;
  sackOk = false;
  wscaleOk = false;
  ecnOk = false;
  sndWscale = 0;
  rcvWscale = 0;
  /** Made from a SYN cookie (Linux: cookie_ts / syncookie). */
  syncookie = false;
  /** The handshake's final ACK arrived while TCP_DEFER_ACCEPT held it (Linux: acked). */
  acked = false;
  /** SYN-ACK retransmission timer (Linux: rsk_timer). */
  readonly timer: TimerList;
  /** The child socket once created (Linux: req->sk), until accept() takes it. */
  sk: TcpSock | null = null;
  /** Accept-queue link (Linux: dl_next). */
  next: RequestSock | null = null;
  /** Hashed in the established table. */
  hashed = false;
  /** Microsecond time of the SYN (for TCP_INFO's tcpi_rtt seeds etc.). */
  synMstamp = 0;
  /* ---- CONN additions ---- */
  /** The SYN's TTL/TOS and incoming device's ifindex for replies (Linux: ir_iif is iif; reply tos from the SYN). */
  tos = 0;
  /** Expiry of the SYN-ACK timer in jiffies (Linux: rsk_timer.expires), for ss -o. */
  expires = 0;
  /** Received timestamp value of the SYN (the peer's tsval, echoed in the SYN-ACK) is tsRecent. */
  rcvNxt = 0;
  /** Linux: req->timeout (tcp_timeout_init: TCP_TIMEOUT_INIT jiffies), doubled per reqsk_timeout. */
  timeout = 1000;
  /** Timestamps of the first and last SYN-ACK (Linux: snt_tsval_first / snt_tsval_last; set by tcp_make_synack). */
  sntTsvalFirst = 0;
  sntTsvalLast = 0;
  /** jiffies of the last out-of-window ACK (Linux: last_oow_ack_time). */
  lastOowAckTime = 0;

  constructor(listener: TcpSock, timerFn: (t: TimerList) => void) {
    this.listener = listener;
    this.timer = new TimerList(timerFn);
  }
}

/**
 * Linux: struct inet_timewait_sock + tcp_timewait_sock: what remains of a connection in
 * TIME_WAIT (or FIN_WAIT2 after close, substate) once the full socket is freed.
 */
export class TimeWaitSock {
  readonly net: Net;
  readonly state = 6; /* TCP_TIME_WAIT */
  /** TCP_TIME_WAIT or TCP_FIN_WAIT2 (Linux: tw_substate). */
  substate = 6;
  rcvSaddr = 0;
  daddr = 0;
  num = 0;
  dport = 0;
  boundDevIf = 0;
  mark = 0;
  reuse = 0;
  reuseport = 0;
  rcvNxt = 0;
  sndNxt = 0;
  rcvWnd = 0;
  rcvWscale = 0;
  tsOffset = 0;
  tsRecent = 0;
  tsRecentStamp = 0;
  tstampOk = false;
  /** Linux: tw_kill: the timer fired or it was recycled. */
  kill = false;
  readonly timer: TimerList;
  uid = 0;
  ino = 0;
  /** Next in a hash chain (owned by inet_hashtables.ts). */
  chainNext: unknown = null;
  /** The bind bucket it holds the port in (inet_hashtables.ts). */
  bindBucket: unknown = null;
  /* ---- CONN additions ---- */
  /** ms of the kernel clock when it entered TIME_WAIT (Linux: tw_entry_stamp, tcp_clock_ms). */
  entryStamp = 0;
  /** Send window scale is not needed; the peer's SYN-time ts_offset is tsOffset. TOS of replies (Linux: tw_tos). */
  tos = 0;
  /** Expiry of the TIME_WAIT timer in jiffies, for ss -o and /proc/net/tcp. */
  expires = 0;
  /** The TIME_WAIT sock is hashed in ehash (Linux: !hlist_nulls_unhashed). */
  hashed = false;
  /** jiffies of the last out-of-window ACK (Linux: tw_last_oow_ack_time). */
  lastOowAckTime = 0;

  constructor(net: Net, timerFn: (t: TimerList) => void) {
    this.net = net;
    this.timer = new TimerList(timerFn);
  }
}

/** Linux: struct request_sock_queue (the listener's accept queue). */
export class RequestSockQueue {
  head: RequestSock | null = null;
  tail: RequestSock | null = null;
  /** Requests in the SYN queue (Linux: qlen) and those that never got a retransmission (young). */
  qlen = 0;
  young = 0;
}

/** Linux: struct tcp_sock (with struct inet_connection_sock folded in, `icsk` prefix). */
export class TcpSock extends InetSock {
  /* ---- inet_connection_sock ---- */
  /** Bind bucket (Linux: icsk_bind_hash), owned by inet_hashtables.ts. */
  icskBindHash: unknown = null;
  /** Hash-chain link in the established/listening tables, owned by inet_hashtables.ts. */
  chainNext: unknown = null;
  /** Accept queue of a listener (Linux: icsk_accept_queue). */
  readonly icskAcceptQueue = new RequestSockQueue();
  /** Listen backlog (Linux: sk_max_ack_backlog) and accept-queue length (sk_ack_backlog). */
  maxAckBacklog = 0;
  ackBacklog = 0;
  /** Expiry (jiffies) of the pending retransmit-timer event (Linux: icsk_timeout). */
  icskTimeout = 0;
  /** RTO, PROBE0, LOSS_PROBE, REO_TIMEOUT (Linux: icsk_retransmit_timer; `icskPending` says which). */
  readonly icskRetransmitTimer: TimerList;
  readonly icskDelackTimer: TimerList;
  /** Keepalive, SYN-ACK (listener) and FIN_WAIT2 timer (Linux: sk->sk_timer). */
  readonly skTimer: TimerList;
  /** jiffies */
  icskRto = TCP_TIMEOUT_INIT;
  icskRtoMin = TCP_RTO_MIN;
  icskRtoMax = 120000;
  icskDelackMax = TCP_DELACK_MAX;
  /** Path MTU the MSS was last synced to (Linux: icsk_pmtu_cookie). */
  icskPmtuCookie = 0;
  icskCaOps: TcpCongestionOps | null = null;
  /** Private state of the congestion control (Linux: icsk_ca_priv). */
  icskCaPriv: unknown = null;
  icskCaState = TCP_CA_Open;
  icskCaInitialized = false;
  icskCaSetsockopt = false;
  icskCaDstLocked = false;
  icskRetransmits = 0;
  /** ICSK_TIME_* or 0. */
  icskPending = 0;
  icskBackoff = 0;
  /** TCP_SYNCNT (0 = sysctl). */
  icskSynRetries = 0;
  icskProbesOut = 0;
  /** jiffies of the first unanswered zero-window probe (Linux: icsk_probes_tstamp). */
  icskProbesTstamp = 0;
  icskExtHdrLen = 0;
  /** TCP_USER_TIMEOUT, ms. */
  icskUserTimeout = 0;
  /* icsk_ack */
  icskAckPending = 0;
  icskAckQuick = 0;
  /** Linux: pingpong (interactive-mode counter, tcp_pingpong_thresh). */
  icskAckPingpong = 0;
  icskAckRetry = 0;
  /** jiffies */
  icskAckAto = 0;
  icskAckTimeout = 0;
  icskAckLrcvtime = 0;
  icskAckLastSegSize = 0;
  icskAckRcvMss = 0;
  /* icsk_mtup */
  icskMtupEnabled = false;
  icskMtupSearchHigh = 0;
  icskMtupSearchLow = 0;
  icskMtupProbeSize = 0;
  icskMtupProbeTimestamp = 0;

  /* ---- tcp_sock ---- */
  /** Header-prediction flags (Linux: pred_flags), 0 = slow path. */
  predFlags = 0;
  rcvNxt = 0;
  copiedSeq = 0;
  rcvWup = 0;
  sndNxt = 0;
  sndUna = 0;
  sndSml = 0;
  /** jiffies of the last received ACK (Linux: rcv_tstamp) and the last data sent (lsndtime). */
  rcvTstamp = 0;
  lsndtime = 0;
  writeSeq = 0;
  pushedSeq = 0;
  sndWl1 = 0;
  sndWnd = 0;
  maxWindow = 0;
  mssCache = TCP_MSS_DEFAULT;
  windowClamp = 0;
  rcvSsthresh = 0;
  rcvWnd = 0;
  /** payload/truesize ratio of received skbs, << 8 (Linux: scaling_ratio, tcp_measure_rcv_mss). */
  scalingRatio = 128;
  /** Our MSS advertised (Linux: advmss). */
  advmss = 0;
  /** Timestamp offset (Linux: tsoffset). */
  tsoffset = 0;
  /** Microsecond clock of the current event (Linux: tcp_mstamp). */
  tcpMstamp = 0;
  /** When the last skb left (µs; Linux: tcp_wstamp_ns without pacing), for tcp_tso_should_defer. */
  tcpWstampUs = 0;
  /** Linux: nonagle (TCP_NAGLE_*). */
  nonagle = 0;
  /** TCP_CORK / TCP_NODELAY mirrors live in nonagle; TCP_QUICKACK acts on icsk_ack. */
  thinLto = false;
  /** F-RTO in progress (Linux: frto). */
  frto = false;
  repair = false;
  /** Linux: ecn_flags (TCP_ECN_*). */
  ecnFlags = 0;
  /** Urgent data (Linux: urg_data, urg_seq, snd_up). */
  urgData = 0;
  urgSeq = 0;
  sndUp = 0;
  /** Received options state. */
  readonly rxOpt = new TcpOptionsReceived();
  /** RTT: 8 * smoothed RTT, 4 * mean deviation (Linux: srtt_us, mdev_us, mdev_max_us, rttvar_us), µs. */
  srttUs = 0;
  mdevUs = 0;
  mdevMaxUs = 0;
  rttvarUs = 0;
  rttSeq = 0;
  /** Windowed minimum RTT (Linux: rtt_min, 10 s window of tcp_min_rtt_wlen). */
  readonly rttMin = new Minmax();
  packetsOut = 0;
  retransOut = 0;
  sackedOut = 0;
  lostOut = 0;
  maxPacketsOut = 0;
  cwndUsageSeq = 0;
  sndSsthresh = TCP_INFINITE_SSTHRESH;
  sndCwnd = TCP_INIT_CWND;
  sndCwndCnt = 0;
  sndCwndClamp = 0xffffffff;
  sndCwndUsed = 0;
  /** jiffies */
  sndCwndStamp = 0;
  priorCwnd = 0;
  priorSsthresh = 0;
  prrDelivered = 0;
  prrOut = 0;
  /** Delivery accounting (tcp_rate.c): packets delivered, CE-marked, lost; app-limited mark. */
  delivered = 0;
  deliveredCe = 0;
  lost = 0;
  appLimited = 0;
  firstTxMstamp = 0;
  deliveredMstamp = 0;
  rateDelivered = 0;
  rateIntervalUs = 0;
  rateAppLimited = false;
  /** Recovery bookkeeping (Linux: undo_marker, undo_retrans, high_seq, retrans_stamp). */
  undoMarker = 0;
  undoRetrans = -1;
  highSeq = 0;
  /** jiffies (Linux: retrans_stamp, in ms since 6.x). */
  retransStamp = 0;
  totalRetrans = 0;
  /** Tail loss probe (Linux: tlp_high_seq, tlp_retrans). */
  tlpHighSeq = 0;
  tlpRetrans = false;
  /** RACK (Linux: struct tcp_rack). */
  rackMstamp = 0;
  rackRttUs = 0;
  rackEndSeq = 0;
  rackLastDelivered = 0;
  rackReoWndSteps = 1;
  rackReoWndPersist = 0;
  rackDsackSeen = false;
  rackAdvanced = false;
  /** The sender used its whole cwnd in the last round (Linux: is_cwnd_limited; set by tcp_cwnd_validate). */
  isCwndLimited = false;
  /** The peer reneged SACKed data; recovery restarts from snd_una (Linux: is_sack_reneg). */
  isSackReneg = false;
  /** jiffies when the RTO-recovery started (Linux: rto_stamp) for total_rto_time. */
  rtoStamp = 0;
  /** Reordering degree (Linux: reordering, tcp_reordering sysctl) and reord_seen. */
  reordering = TCP_FASTRETRANS_THRESH;
  reordSeen = 0;
  /** Highest SACKed skb (Linux: highest_sack) and scoreboard hints. */
  highestSack: SkBuff | null = null;
  lostSkbHint: SkBuff | null = null;
  retransmitSkbHint: SkBuff | null = null;
  /** D-SACK block to send and SACK blocks to send (Linux: duplicate_sack, selective_acks). */
  readonly duplicateSack = [new TcpSackBlock()];
  readonly selectiveAcks = [new TcpSackBlock(), new TcpSackBlock(), new TcpSackBlock(), new TcpSackBlock()];
  /** Last received SACK blocks (Linux: recv_sack_cache). */
  readonly recvSackCache = [new TcpSackBlock(), new TcpSackBlock(), new TcpSackBlock(), new TcpSackBlock()];
  /** Receive-buffer autotuning (Linux: rcvq_space, rcv_rtt_est). */
  rcvqSpaceSpace = 0;
  rcvqSpaceSeq = 0;
  rcvqSpaceTime = 0;
  rcvRttEstRttUs = 0;
  rcvRttEstSeq = 0;
  rcvRttEstTime = 0;
  rcvRttLastTsecr = 0;
  /** Keepalive per socket (0 = sysctl; Linux: keepalive_time/intvl (jiffies), keepalive_probes). */
  keepaliveTime = 0;
  keepaliveIntvl = 0;
  keepaliveProbes = 0;
  /** TCP_LINGER2 (jiffies; 0 = sysctl, -1 = no FIN_WAIT2 timeout ... as Linux's linger2). */
  linger2 = 0;
  /** TCP_NOTSENT_LOWAT (0 = sysctl). */
  notsentLowat = 0;
  /** TCP_DEFER_ACCEPT in retransmission rounds (Linux: icsk_accept_queue.rskq_defer_accept). */
  deferAccept = 0;
  /** TCP_WINDOW_CLAMP etc. set by the user. */
  /** Counters for TCP_INFO (Linux: bytes_sent, bytes_acked, bytes_received, segs_in ...). */
  bytesSent = 0;
  bytesAcked = 0;
  bytesReceived = 0;
  bytesRetrans = 0;
  segsIn = 0;
  segsOut = 0;
  dataSegsIn = 0;
  dataSegsOut = 0;
  dsackDups = 0;
  rcvOoopack = 0;
  totalRto = 0;
  totalRtoRecoveries = 0;
  totalRtoTime = 0;
  /** Chronograph (Linux: chrono_start, chrono_stat[], chrono_type), jiffies. */
  chronoStart = 0;
  readonly chronoStat = new Float64Array(__TCP_CHRONO_MAX - 1);
  chronoType = TCP_CHRONO_UNSPEC;
  /** jiffies of the last out-of-window dupack (Linux: last_oow_ack_time). */
  lastOowAckTime = 0;
  /** Compressed SACK count (Linux: compressed_ack). */
  compressedAck = 0;
  /** Autocorking / small-queue flags (Linux: tsq_flags). */
  tsqFlags = 0;
  /** ISN of a SYN_SENT socket (for SYN retransmission and TCP_INFO); last data ACK ts. */
  isn = 0;
  /** Microsecond time the last data segment was received (Linux: tcpi_last_data_recv via icsk_ack.lrcvtime). */
  lastDataRecv = 0;
  /** Peer's address family-level saved SYN (TCP_SAVE_SYN): not kept. */
  /** Segments queued (Linux: sk_write_queue), sent-unacked (tcp_rtx_queue), out-of-order (out_of_order_queue). */
  readonly writeQueue = new SkBuffHead();
  readonly rtxQueue = new SkBuffHead();
  readonly outOfOrderQueue = new SkBuffHead();
  /** Bytes queued in writeQueue+rtxQueue (Linux: sk_wmem_queued) and forward-alloc (unused here). */
  wmemQueued = 0;
  /** Accept-queue child's request (Linux: tp->fastopen_rsk is not used; this is the req that made us). */
  /** Orphan accounting: this socket counted in the orphan count (Linux: SOCK_DEAD + orphan_count). */
  orphaned = false;
  /** MSG_ZEROCOPY, TCP_INQ ... not modeled. */
  recvmsgInq = false;
  /* ---- USER (tcp.ts, tcp_sockopt.ts) ---- */
  /** TCP_SAVE_SYN (Linux: save_syn); the SYN itself is not kept. */
  saveSyn = 0;
  /** TCP_FASTOPEN queue length, TCP_FASTOPEN_CONNECT, TCP_FASTOPEN_NO_COOKIE (stored; Fast Open is not implemented). */
  fastopenMaxQlen = 0;
  fastopenConnect = 0;
  fastopenNoCookie = 0;
  /** TCP_TX_DELAY in us (Linux: tcp_tx_delay; stored, no EDT pacing here). */
  tcpTxDelay = 0;
  /** Segments per write-queue skb for the send size goal (Linux: gso_segs, tcp_xmit_size_goal). */
  gsoSegs = 0;
  /** Linux: sk->sk_pacing_rate (bytes/s) reported by TCP_INFO; no internal pacing without fq. */
  pacingRate = 0;
  maxPacingRate = 0xffffffffffff;
  /* ---- INPUT additions (tcp_input*.ts) ---- */
  /** Bytes of TCP header we expect on the connection: 20, or 32 with timestamps (Linux: tcp_header_len); CONN sets it at establishment. */
  tcpHeaderLen = 20;
  /** Last skb of the out-of-order queue (Linux: ooo_last_skb). */
  oooLastSkb: SkBuff | null = null;
  /** A writer found no send space (Linux: SOCK_NOSPACE in sk->sk_socket->flags); USER sets it, tcp_check_space clears it. */
  sockNospace = false;
  /** SACK compression state (Linux: compressed_ack_rcv_nxt, dup_ack_counter, compressed_ack_timer; the timer is made on first use). */
  compressedAckRcvNxt = 0;
  dupAckCounter = 0;
  compressedAckTimer: TimerList | null = null;
  /** Receive-queue / ofo-tail coalescing as Linux's tcp_try_coalesce would do it: page frags in the tail skb (<= MAX_SKB_FRAGS). */
  rcvqTailFrags = 0;
  ofoTailFrags = 0;
  /** Tailroom left in the (virtual) tail skb of the receive / ofo queue when its head is linear (tun ingress), else -1. */
  rcvqTailRoom = -1;
  ofoTailRoom = -1;
  /** Receive side of sk_forward_alloc: bytes reserved ahead in whole pages (sk_rmem_schedule / sk_mem_reclaim). */
  rcvFwdAlloc = 0;
  /** SO_OOBINLINE (Linux: SOCK_URGINLINE); USER sets it. */
  urgInline = false;
  /** tcp_ack()'s per-socket scratch (sacktag state, rate sample, ack sample): no allocation per ACK. */
  ackScratch: unknown = null;
  /** Saved error of a failed connect() for the next call (handled as Linux's sk_err). */
  /* ---- CONN additions (inet_hashtables.ts, inet_connection_sock.ts, tcp_ipv4.ts, tcp_minisocks.ts) ---- */
  /** In lhash or ehash (Linux: !sk_unhashed(sk)). */
  skHashed = false;
  /** jiffies of the last SYN-queue overflow answered with a cookie (Linux: tcp_synq_overflow() keeps it in rx_opt.ts_recent_stamp of the listener). */
  synqOverflowStamp = 0;
  /** The listener this child was accepted from, until accept() (Linux: the req's rsk_listener). */
  parentListener: TcpSock | null = null;
  /** TCP_SYN_RECV child made by tcp_check_req: its request (Linux: tp->fastopen_rsk for TFO only; used for the final ACK's RTT). */
  synRecvReq: RequestSock | null = null;
  /** tcp_v4_syn_recv_sock made this child the owner of its request's ehash slot (Linux: own_req). */
  synRecvOwnReq = false;
  /** Linux: tp->mtu_info: the MTU of the last ICMP frag-needed. */
  mtuInfo = 0;
  /** Linux: icsk_accept_queue.synflood_warned. */
  synfloodWarned = false;
  /* ---- OUTPUT additions (tcp_output*.ts, tcp_timer.ts) ---- */
  /** Deferred push after TX completion of an autocorked sender (Linux: the TSQ tasklet); made on first use. */
  tsqTimer: TimerList | null = null;

  constructor(net: Net, type: number, protocol: number, timers: TcpTimerFns) {
    super(net, 2 /* AF_INET */, type, protocol);
    this.state = TCP_CLOSE;
    this.icskRetransmitTimer = new TimerList(timers.retransmit);
    this.icskDelackTimer = new TimerList(timers.delack);
    this.skTimer = new TimerList(timers.keepalive);
    (this.icskRetransmitTimer as TimerWithSock).sk = this;
    (this.icskDelackTimer as TimerWithSock).sk = this;
    (this.skTimer as TimerWithSock).sk = this;
  }
}

/** The timer handlers a TcpSock is built with (tcp_timer.ts: tcp_init_xmit_timers). */
export interface TcpTimerFns {
  retransmit: (t: TimerList) => void;
  delack: (t: TimerList) => void;
  keepalive: (t: TimerList) => void;
}

/** A TimerList that knows its socket (Linux: from_timer(icsk, t, icsk_retransmit_timer)). */
export interface TimerWithSock extends TimerList {
  sk: TcpSock;
}

/** Linux: tcp_sk() / inet_csk(). */
export function tcpSk(sk: unknown): TcpSock {
  return sk as TcpSock;
}

/** Linux: tcp_jiffies32 (HZ 1000: milliseconds of the kernel clock). */
export function tcpJiffies32(k: Kernel): number {
  return Math.floor(k.clock.now() / 1_000_000) >>> 0;
}

/** Linux: tcp_clock_us(). */
export function tcpClockUs(k: Kernel): number {
  return Math.floor(k.clock.now() / 1000);
}

/** Linux: tcp_mstamp_refresh(): sample the microsecond clock once per event. */
export function tcpMstampRefresh(tp: TcpSock): void {
  const v = Math.floor(tp.net.kernel.clock.now() / 1000);
  if (v > tp.tcpMstamp) tp.tcpMstamp = v;
}

/** Linux: tcp_time_stamp_ms(tp) / tcp_time_stamp_ts(tp) without the offset (1 kHz). */
export function tcpTimeStampMs(k: Kernel): number {
  return Math.floor(k.clock.now() / 1_000_000) >>> 0;
}

/** Linux: tcp_snd_cwnd() / tcp_snd_cwnd_set(). */
export function tcpSndCwnd(tp: TcpSock): number {
  return tp.sndCwnd;
}
export function tcpSndCwndSet(tp: TcpSock, v: number): void {
  tp.sndCwnd = v;
}

/** Linux: tcp_packets_in_flight(): packets_out - left_out + retrans_out. */
export function tcpPacketsInFlight(tp: TcpSock): number {
  return tp.packetsOut - (tp.sackedOut + tp.lostOut) + tp.retransOut;
}

/** Linux: tcp_left_out(). */
export function tcpLeftOut(tp: TcpSock): number {
  return tp.sackedOut + tp.lostOut;
}

/** Linux: tcp_is_sack() / tcp_is_reno(). */
export function tcpIsSack(tp: TcpSock): boolean {
  return (tp.rxOpt.sackOk & 1) !== 0;
}
export function tcpIsReno(tp: TcpSock): boolean {
  return !tcpIsSack(tp);
}

/** Linux: tcp_in_slow_start(). */
export function tcpInSlowStart(tp: TcpSock): boolean {
  return tp.sndCwnd < tp.sndSsthresh;
}

/** Linux: tcp_write_queue_empty(): nothing unsent (write_seq == snd_nxt). */
export function tcpWriteQueueEmpty(tp: TcpSock): boolean {
  return tp.writeSeq === tp.sndNxt;
}

/** Linux: tcp_rtx_queue_empty(). */
export function tcpRtxQueueEmpty(tp: TcpSock): boolean {
  return tp.rtxQueue.peek() === null;
}

/** Linux: tcp_rtx_and_write_queues_empty(). */
export function tcpRtxAndWriteQueuesEmpty(tp: TcpSock): boolean {
  return tp.rtxQueue.peek() === null && tp.writeQueue.peek() === null;
}

/** Linux: tcp_send_head(). */
export function tcpSendHead(tp: TcpSock): SkBuff | null {
  return tp.writeQueue.peek();
}

/** Linux: tcp_rtx_queue_head(). */
export function tcpRtxQueueHead(tp: TcpSock): SkBuff | null {
  return tp.rtxQueue.peek();
}

/** Linux: tcp_receive_window(): what is left of the window we advertised. */
export function tcpReceiveWindow(tp: TcpSock): number {
  const win = tp.rcvWup + tp.rcvWnd - tp.rcvNxt;
  return win < 0 ? 0 : win;
}

/** Linux: TCP_RMEM_TO_WIN_SCALE and TCP_DEFAULT_SCALING_RATIO (6.x: window = space * scaling_ratio >> 8). */
export const TCP_RMEM_TO_WIN_SCALE = 8;
export const TCP_DEFAULT_SCALING_RATIO = 1 << (TCP_RMEM_TO_WIN_SCALE - 1);

/** Linux: tcp_win_from_space(). */
export function tcpWinFromSpace(tp: TcpSock, space: number): number {
  return Math.floor((space * tp.scalingRatio) / (1 << TCP_RMEM_TO_WIN_SCALE));
}

export { TCP_FASTRETRANS_THRESH };
