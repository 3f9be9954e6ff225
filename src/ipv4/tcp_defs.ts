/**
 * TCP constants shared by every TCP file (Linux: include/net/tcp.h, include/net/tcp_states.h,
 * include/uapi/linux/tcp.h, include/net/inet_connection_sock.h). Times: Linux counts
 * jiffies; tuxnet's TCP runs at HZ = 1000, so one jiffy is one millisecond (TCP_HZ), and
 * RTT estimates are in microseconds as in Linux (tcp_mstamp). Sequence numbers are u32.
 */

/** Jiffies per second (Linux: HZ; tuxnet's TCP uses 1000). */
export const HZ = 1000;
/** Linux: TCP_TS_HZ (the timestamp option clock: 1 kHz). */
export const TCP_TS_HZ = 1000;
export const USEC_PER_SEC = 1_000_000;
export const USEC_PER_MSEC = 1000;

/* States (Linux: include/net/tcp_states.h). */
export const TCP_ESTABLISHED = 1;
export const TCP_SYN_SENT = 2;
export const TCP_SYN_RECV = 3;
export const TCP_FIN_WAIT1 = 4;
export const TCP_FIN_WAIT2 = 5;
export const TCP_TIME_WAIT = 6;
export const TCP_CLOSE = 7;
export const TCP_CLOSE_WAIT = 8;
export const TCP_LAST_ACK = 9;
export const TCP_LISTEN = 10;
export const TCP_CLOSING = 11;
export const TCP_NEW_SYN_RECV = 12;
export const TCP_BOUND_INACTIVE = 13;
export const TCP_MAX_STATES = 14;
/** Linux: TCPF_* = 1 << state. */
export const TCPF_ESTABLISHED = 1 << TCP_ESTABLISHED;
export const TCPF_SYN_SENT = 1 << TCP_SYN_SENT;
export const TCPF_SYN_RECV = 1 << TCP_SYN_RECV;
export const TCPF_FIN_WAIT1 = 1 << TCP_FIN_WAIT1;
export const TCPF_FIN_WAIT2 = 1 << TCP_FIN_WAIT2;
export const TCPF_TIME_WAIT = 1 << TCP_TIME_WAIT;
export const TCPF_CLOSE = 1 << TCP_CLOSE;
export const TCPF_CLOSE_WAIT = 1 << TCP_CLOSE_WAIT;
export const TCPF_LAST_ACK = 1 << TCP_LAST_ACK;
export const TCPF_LISTEN = 1 << TCP_LISTEN;
export const TCPF_CLOSING = 1 << TCP_CLOSING;
export const TCPF_NEW_SYN_RECV = 1 << TCP_NEW_SYN_RECV;
/** State names as ss prints them (Linux: sstate_name in iproute2). */
export const TCP_STATE_NAMES = ['UNKNOWN', 'ESTAB', 'SYN-SENT', 'SYN-RECV', 'FIN-WAIT-1', 'FIN-WAIT-2', 'TIME-WAIT',
  'UNCONN', 'CLOSE-WAIT', 'LAST-ACK', 'LISTEN', 'CLOSING', 'NEW-SYN-RECV', 'BOUND-INACTIVE'];

/* Sizes and limits (Linux: include/net/tcp.h). */
export const MAX_TCP_HEADER = 128 + 60;
export const MAX_TCP_OPTION_SPACE = 40;
export const TCP_MIN_SND_MSS = 48;
export const TCP_MIN_GSO_SIZE = TCP_MIN_SND_MSS - MAX_TCP_OPTION_SPACE;
/** Linux: TCP_MSS_DEFAULT (RFC 1122 536) and TCP_MSS_DESIRED. */
export const TCP_MSS_DEFAULT = 536;
export const TCP_MSS_DESIRED = 1220;
export const TCP_BASE_MSS = 1024;
export const TCP_INIT_CWND = 10;
export const TCP_MAX_WSCALE = 14;
export const TCP_MAX_QUICKACKS = 16;
export const TCP_URG_VALID = 0x0100;
export const TCP_URG_NOTYET = 0x0200;
export const TCP_URG_READ = 0x0400;
/** Linux: TCP_INFINITE_SSTHRESH. */
export const TCP_INFINITE_SSTHRESH = 0x7fffffff;
/** Linux: MAX_TCP_WINDOW. */
export const MAX_TCP_WINDOW = 32767;
export const TCP_MAX_REORDERING = 300;
/** Linux: TCP_FASTRETRANS_THRESH (tcp_reordering default 3). */
export const TCP_FASTRETRANS_THRESH = 3;
export const TCP_NUM_SACKS = 4;
export const TCP_RACK_RECOVERY_THRESH = 16;

/* Timer constants in jiffies (= ms) (Linux: include/net/tcp.h). */
export const TCP_TIMEWAIT_LEN = 60 * HZ;
export const TCP_FIN_TIMEOUT = TCP_TIMEWAIT_LEN;
export const TCP_FIN_TIMEOUT_MAX = 120 * HZ;
export const TCP_DELACK_MAX = HZ / 5;
export const TCP_DELACK_MIN = HZ / 25;
export const TCP_ATO_MIN = HZ / 25;
export const TCP_RTO_MAX = 120 * HZ;
export const TCP_RTO_MIN = HZ / 5;
export const TCP_TIMEOUT_MIN = 2;
export const TCP_TIMEOUT_INIT = 1 * HZ;
export const TCP_TIMEOUT_FALLBACK = 3 * HZ;
export const TCP_RESOURCE_PROBE_INTERVAL = HZ / 2;
export const TCP_KEEPALIVE_TIME = 120 * 60 * HZ;
export const TCP_KEEPALIVE_PROBES = 9;
export const TCP_KEEPALIVE_INTVL = 75 * HZ;
export const MAX_TCP_KEEPIDLE = 32767;
export const MAX_TCP_KEEPINTVL = 32767;
export const MAX_TCP_KEEPCNT = 127;
export const MAX_TCP_SYNCNT = 127;
export const TCP_PAWS_24DAYS = 60 * 60 * 24 * 24;
export const TCP_PAWS_MSL = 60;
export const TCP_PAWS_WINDOW = 1;
/** Linux: TCP_SYNQ_INTERVAL. */
export const TCP_SYNQ_INTERVAL = HZ / 5;

/* Socket options, level SOL_TCP (Linux: include/uapi/linux/tcp.h). */
export const SOL_TCP = 6;
export const TCP_NODELAY = 1;
export const TCP_MAXSEG = 2;
export const TCP_CORK = 3;
export const TCP_KEEPIDLE = 4;
export const TCP_KEEPINTVL = 5;
export const TCP_KEEPCNT = 6;
export const TCP_SYNCNT = 7;
export const TCP_LINGER2 = 8;
export const TCP_DEFER_ACCEPT = 9;
export const TCP_WINDOW_CLAMP = 10;
export const TCP_INFO = 11;
export const TCP_QUICKACK = 12;
export const TCP_CONGESTION = 13;
export const TCP_MD5SIG = 14;
export const TCP_THIN_LINEAR_TIMEOUTS = 16;
export const TCP_THIN_DUPACK = 17;
export const TCP_USER_TIMEOUT = 18;
export const TCP_REPAIR = 19;
export const TCP_REPAIR_QUEUE = 20;
export const TCP_QUEUE_SEQ = 21;
export const TCP_REPAIR_OPTIONS = 22;
export const TCP_FASTOPEN = 23;
export const TCP_TIMESTAMP = 24;
export const TCP_NOTSENT_LOWAT = 25;
export const TCP_CC_INFO = 26;
export const TCP_SAVE_SYN = 27;
export const TCP_SAVED_SYN = 28;
export const TCP_REPAIR_WINDOW = 29;
export const TCP_FASTOPEN_CONNECT = 30;
export const TCP_ULP = 31;
export const TCP_MD5SIG_EXT = 32;
export const TCP_FASTOPEN_KEY = 33;
export const TCP_FASTOPEN_NO_COOKIE = 34;
export const TCP_ZEROCOPY_RECEIVE = 35;
export const TCP_INQ = 36;
export const TCP_TX_DELAY = 37;

/* Congestion-avoidance states (Linux: enum tcp_ca_state) and TCPF_CA_* bits. */
export const TCP_CA_Open = 0;
export const TCP_CA_Disorder = 1;
export const TCP_CA_CWR = 2;
export const TCP_CA_Recovery = 3;
export const TCP_CA_Loss = 4;
export const TCPF_CA_Open = 1 << TCP_CA_Open;
export const TCPF_CA_Disorder = 1 << TCP_CA_Disorder;
export const TCPF_CA_CWR = 1 << TCP_CA_CWR;
export const TCPF_CA_Recovery = 1 << TCP_CA_Recovery;
export const TCPF_CA_Loss = 1 << TCP_CA_Loss;

/* Congestion-control events (Linux: enum tcp_ca_event) and ack events (CA_ACK_*). */
export const CA_EVENT_TX_START = 0;
export const CA_EVENT_CWND_RESTART = 1;
export const CA_EVENT_COMPLETE_CWR = 2;
export const CA_EVENT_LOSS = 3;
export const CA_EVENT_ECN_NO_CE = 4;
export const CA_EVENT_ECN_IS_CE = 5;
export const CA_ACK_SLOWPATH = 1 << 0;
export const CA_ACK_WIN_UPDATE = 1 << 1;
export const CA_ACK_ECE = 1 << 2;
/** Linux: TCP_CONG_NON_RESTRICTED / TCP_CONG_NEEDS_ECN. */
export const TCP_CONG_NON_RESTRICTED = 0x1;
export const TCP_CONG_NEEDS_ECN = 0x2;
export const TCP_CA_NAME_MAX = 16;

/* icsk_pending: which event the retransmit timer is armed for (Linux: ICSK_TIME_*). */
export const ICSK_TIME_RETRANS = 1;
export const ICSK_TIME_DACK = 2;
export const ICSK_TIME_PROBE0 = 3;
export const ICSK_TIME_LOSS_PROBE = 5;
export const ICSK_TIME_REO_TIMEOUT = 6;

/* icsk_ack.pending bits (Linux: enum inet_csk_ack_state_t). */
export const ICSK_ACK_SCHED = 1;
export const ICSK_ACK_TIMER = 2;
export const ICSK_ACK_PUSHED = 4;
export const ICSK_ACK_PUSHED2 = 8;
export const ICSK_ACK_NOW = 16;
export const ICSK_ACK_NOMEM = 32;

/* TCP_SKB_CB(skb)->sacked bits (Linux: TCPCB_*). */
export const TCPCB_SACKED_ACKED = 0x01;
export const TCPCB_SACKED_RETRANS = 0x02;
export const TCPCB_LOST = 0x04;
export const TCPCB_TAGBITS = 0x07;
export const TCPCB_REPAIRED = 0x10;
export const TCPCB_EVER_RETRANS = 0x80;
export const TCPCB_RETRANS = TCPCB_SACKED_RETRANS | TCPCB_EVER_RETRANS | TCPCB_REPAIRED;

/* tcp_ack() flags (Linux: FLAG_* in tcp_input.c). */
export const FLAG_DATA = 0x01;
export const FLAG_WIN_UPDATE = 0x02;
export const FLAG_DATA_ACKED = 0x04;
export const FLAG_RETRANS_DATA_ACKED = 0x08;
export const FLAG_SYN_ACKED = 0x10;
export const FLAG_DATA_SACKED = 0x20;
export const FLAG_ECE = 0x40;
export const FLAG_LOST_RETRANS = 0x80;
export const FLAG_SLOWPATH = 0x100;
export const FLAG_ORIG_SACK_ACKED = 0x200;
export const FLAG_SND_UNA_ADVANCED = 0x400;
export const FLAG_DSACKING_ACK = 0x800;
export const FLAG_SET_XMIT_TIMER = 0x1000;
export const FLAG_SACK_RENEGING = 0x2000;
export const FLAG_UPDATE_TS_RECENT = 0x4000;
export const FLAG_NO_CHALLENGE_ACK = 0x8000;
export const FLAG_ACK_MAYBE_DELAYED = 0x10000;
export const FLAG_DSACK_TLP = 0x20000;
export const FLAG_TS_PROGRESS = 0x40000;
export const FLAG_ACKED = FLAG_DATA_ACKED | FLAG_SYN_ACKED;
export const FLAG_NOT_DUP = FLAG_DATA | FLAG_WIN_UPDATE | FLAG_ACKED;
export const FLAG_CA_ALERT = FLAG_DATA_SACKED | FLAG_ECE | FLAG_DSACKING_ACK;
export const FLAG_FORWARD_PROGRESS = FLAG_ACKED | FLAG_DATA_SACKED;

/* tp->ecn_flags (Linux: TCP_ECN_*). */
export const TCP_ECN_OK = 1;
export const TCP_ECN_QUEUE_CWR = 2;
export const TCP_ECN_DEMAND_CWR = 4;
export const TCP_ECN_SEEN = 8;

/* tp->rx_opt / options flags sent (Linux: OPTION_* in tcp_output.c). */
export const OPTION_SACK_ADVERTISE = 1 << 0;
export const OPTION_TS = 1 << 1;
export const OPTION_MD5 = 1 << 2;
export const OPTION_WSCALE = 1 << 3;
export const OPTION_FAST_OPEN_COOKIE = 1 << 8;

/* tcp_nagle / push modes (Linux: TCP_NAGLE_*). */
export const TCP_NAGLE_OFF = 1;
export const TCP_NAGLE_CORK = 2;
export const TCP_NAGLE_PUSH = 4;

/* tp->frto, tcp_recovery sysctl bits (Linux: TCP_RACK_*). */
export const TCP_RACK_LOSS_DETECTION = 0x1;
export const TCP_RACK_STATIC_REO_WND = 0x2;
export const TCP_RACK_NO_DUPTHRESH = 0x4;

/* tcp_chrono (Linux: enum tcp_chrono) for tcpi_busy_time / rwnd_limited / sndbuf_limited. */
export const TCP_CHRONO_UNSPEC = 0;
export const TCP_CHRONO_BUSY = 1;
export const TCP_CHRONO_RWND_LIMITED = 2;
export const TCP_CHRONO_SNDBUF_LIMITED = 3;
export const __TCP_CHRONO_MAX = 4;

/* tcpi_options bits (Linux: TCPI_OPT_*). */
export const TCPI_OPT_TIMESTAMPS = 1;
export const TCPI_OPT_SACK = 2;
export const TCPI_OPT_WSCALE = 4;
export const TCPI_OPT_ECN = 8;
export const TCPI_OPT_ECN_SEEN = 16;
export const TCPI_OPT_SYN_DATA = 32;
export const TCPI_OPT_USEC_TS = 64;

/** Linux: before(seq1, seq2): seq1 is earlier than seq2 in u32 sequence space. */
export function before(seq1: number, seq2: number): boolean {
  return ((seq1 - seq2) | 0) < 0;
}

/** Linux: after(). */
export function after(seq2: number, seq1: number): boolean {
  return ((seq1 - seq2) | 0) < 0;
}

/** Linux: between(seq1, seq2, seq3): seq2 <= seq1 <= seq3 in sequence space. */
export function between(seq1: number, seq2: number, seq3: number): boolean {
  return ((seq3 - seq2) >>> 0) >= ((seq1 - seq2) >>> 0);
}

/** u32 sequence arithmetic: seq + n (mod 2^32). */
export function seqAdd(seq: number, n: number): number {
  return (seq + n) >>> 0;
}

/** u32 sequence distance a - b (mod 2^32), as an unsigned number. */
export function seqSub(a: number, b: number): number {
  return (a - b) >>> 0;
}
