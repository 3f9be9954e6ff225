/**
 * CUBIC congestion control with HyStart (RFC 9438; Linux: net/ipv4/tcp_cubic.c, the default
 * algorithm). In congestion avoidance the window follows W(t) = C * (t - K)^3 + W_max with
 * C = 0.4 and K = cbrt(W_max * (1 - beta) / C): concave up to the previous maximum, convex
 * beyond it. Multiplicative decrease is beta = 717/1024 (~0.7); fast convergence lowers W_max
 * to W * (1 + beta) / 2 when the window did not reach the previous maximum. The "TCP
 * friendliness" estimate (RFC 9438 4.3 Reno-friendly region) grows a Reno-equivalent window
 * with alpha = 3 * (1 - beta) / (1 + beta) and uses it when Reno would be faster.
 *
 * Like Linux, the arithmetic is fixed point: time in units of 2^-10 s (BICTCP_HZ), the cube
 * root by table lookup plus one Newton-Raphson step (cubic_root), C as bic_scale / 1024 * 10
 * (cube_rtt_scale = 410) and K from cube_factor = 2^40 / 410. Results match Linux's integer
 * results (not the exact real-valued formula: the cube root has ~0.2 % error).
 *
 * HyStart (slow-start exit before loss) as 6.x: ACK-train detection (ACKs arriving within
 * 2 ms of each other for longer than delay_min / 2 since the round started) and delay
 * detection (the minimum RTT of the round's first 8 samples exceeding delay_min by
 * clamp(delay_min / 8, 4 ms, 16 ms)); each sets ssthresh = cwnd (TCPHystartTrainDetect /
 * TCPHystartTrainCwnd, TCPHystartDelayDetect / TCPHystartDelayCwnd), only with cwnd >= 16.
 * Without GSO the ACK-delay cushion (hystart_ack_delay, sk_gso_max_size based) is 0, and
 * sockets are never paced by fq (SK_PACING_NONE), so the train threshold is delay_min / 2.
 *
 * Module parameters (fast_convergence, beta, bic_scale, tcp_friendliness, hystart,
 * hystart_detect, hystart_low_window, hystart_ack_delta_us, initial_ssthresh) are constants
 * with Linux's defaults.
 */
import { ipv4Net } from './netns_ipv4.js';
import {
  LINUX_MIB_TCPHYSTARTTRAINDETECT, LINUX_MIB_TCPHYSTARTTRAINCWND, LINUX_MIB_TCPHYSTARTDELAYDETECT,
  LINUX_MIB_TCPHYSTARTDELAYCWND,
} from '../core/snmp.js';
import { tcpInSlowStart, tcpJiffies32, type AckSample, type TcpCongestionOps, type TcpSock } from './tcp_sock.js';
import { after, HZ, TCP_CA_Loss, CA_EVENT_TX_START } from './tcp_defs.js';
import { tcpCaKey, tcpIsCwndLimited, tcpSlowStart, tcpCongAvoidAi, tcpRenoUndoCwnd } from './tcp_cong.js';

/** Linux: BICTCP_BETA_SCALE (beta is in 1/1024 units). */
export const BICTCP_BETA_SCALE = 1024;
/** Linux: BICTCP_HZ: time in 2^10 units per second. */
export const BICTCP_HZ = 10;
export const HYSTART_ACK_TRAIN = 0x1;
export const HYSTART_DELAY = 0x2;
/** Linux: HYSTART_MIN_SAMPLES (delay samples per round). */
export const HYSTART_MIN_SAMPLES = 8;
/** Linux: HYSTART_DELAY_MIN / HYSTART_DELAY_MAX (µs). */
export const HYSTART_DELAY_MIN = 4000;
export const HYSTART_DELAY_MAX = 16000;

/* Module parameters (Linux defaults). */
const FAST_CONVERGENCE = 1;
export const CUBIC_BETA = 717;
const INITIAL_SSTHRESH = 0;
export const BIC_SCALE = 41;
const TCP_FRIENDLINESS = 1;
const HYSTART = 1;
const HYSTART_DETECT = HYSTART_ACK_TRAIN | HYSTART_DELAY;
export const HYSTART_LOW_WINDOW = 16;
const HYSTART_ACK_DELTA_US = 2000;

/** Linux: beta_scale = 8 * (1024 + beta) / 3 / (1024 - beta) (Reno-friendly alpha, scaled by 8). */
export const BETA_SCALE = Math.floor(Math.floor((8 * (BICTCP_BETA_SCALE + CUBIC_BETA)) / 3) / (BICTCP_BETA_SCALE - CUBIC_BETA));
/** Linux: cube_rtt_scale = bic_scale * 10 (1024 * C / rtt, C = 0.4 with a 100 ms reference RTT). */
export const CUBE_RTT_SCALE = BIC_SCALE * 10;
/** Linux: cube_factor = 2^(10 + 3 * BICTCP_HZ) / (bic_scale * 10). */
export const CUBE_FACTOR = Math.floor(2 ** (10 + 3 * BICTCP_HZ) / (BIC_SCALE * 10));

/** Linux: struct bictcp (the per-socket CUBIC state in icsk_ca_priv). */
export class BicTcp {
  /** Increase cwnd by 1 after this many ACKed packets. */
  cnt = 0;
  /** Last maximum cwnd (W_max). */
  lastMaxCwnd = 0;
  lastCwnd = 0;
  /** jiffies of the last cnt update. */
  lastTime = 0;
  /** Origin point of the cubic function (W_max of the epoch). */
  bicOriginPoint = 0;
  /** Time to the origin point from the epoch start, 2^-10 s units (K). */
  bicK = 0;
  /** Minimum delay seen (µs). */
  delayMin = 0;
  /** jiffies at the beginning of the epoch (0 = none). */
  epochStart = 0;
  /** ACKed packets counted for the Reno estimate. */
  ackCnt = 0;
  /** Estimated Reno cwnd. */
  tcpCwnd = 0;
  /** HyStart: delay samples this round; exit point found. */
  sampleCnt = 0;
  found = false;
  /** HyStart round: start (µs), end sequence, last close-spaced ACK (µs), round's minimum RTT (µs). */
  roundStart = 0;
  endSeq = 0;
  lastAck = 0;
  currRtt = 0;
}

/** The CUBIC state of a socket (created on first use). */
export function cubicCa(sk: TcpSock): BicTcp {
  let ca = sk.icskCaPriv as BicTcp | null;
  if (!(ca instanceof BicTcp)) {
    ca = new BicTcp();
    sk.icskCaPriv = ca;
  }
  return ca;
}

/** Linux: bictcp_reset(): clear everything up to the HyStart round fields, and `found`. */
function bictcpReset(ca: BicTcp): void {
  ca.cnt = 0;
  ca.lastMaxCwnd = 0;
  ca.lastCwnd = 0;
  ca.lastTime = 0;
  ca.bicOriginPoint = 0;
  ca.bicK = 0;
  ca.delayMin = 0;
  ca.epochStart = 0;
  ca.ackCnt = 0;
  ca.tcpCwnd = 0;
  ca.found = false;
}

/** Linux: bictcp_hystart_reset(): a new HyStart round starts now, ending at snd_nxt. */
function bictcpHystartReset(sk: TcpSock): void {
  const ca = cubicCa(sk);
  ca.roundStart = ca.lastAck = sk.tcpMstamp >>> 0;
  ca.endSeq = sk.sndNxt;
  ca.currRtt = 0xffffffff;
  ca.sampleCnt = 0;
}

/** Linux: cubictcp_init(). */
export function cubictcpInit(sk: TcpSock): void {
  const ca = cubicCa(sk);
  bictcpReset(ca);
  if (HYSTART) bictcpHystartReset(sk);
  if (!HYSTART && INITIAL_SSTHRESH) sk.sndSsthresh = INITIAL_SSTHRESH;
}

/** Linux: cubictcp_cwnd_event(): after idle (TX_START), shift the epoch to keep the curve. */
export function cubictcpCwndEvent(sk: TcpSock, event: number): void {
  if (event !== CA_EVENT_TX_START) return;
  const ca = cubicCa(sk);
  const now = tcpJiffies32(sk.net.kernel);
  const delta = (now - sk.lsndtime) | 0;
  /* We were application limited (idle) for a while: shift epoch_start. */
  if (ca.epochStart && delta > 0) {
    ca.epochStart = (ca.epochStart + delta) >>> 0;
    if (after(ca.epochStart, now)) ca.epochStart = now;
  }
}

/**
 * Linux: cbrt(x << 18) - 1 for the top 6 bits of x (Willy Tarreau's table), refined by
 * one Newton-Raphson step in cubicRoot.
 */
const CBRT_TABLE = new Uint8Array([
  0, 54, 54, 54, 118, 118, 118, 118,
  123, 129, 134, 138, 143, 147, 151, 156,
  157, 161, 164, 168, 170, 173, 176, 179,
  181, 185, 187, 190, 192, 194, 197, 199,
  200, 202, 204, 206, 209, 211, 213, 215,
  217, 219, 221, 222, 224, 225, 227, 229,
  231, 232, 234, 236, 237, 239, 240, 242,
  244, 245, 246, 248, 250, 251, 252, 254,
]);

/** Linux: fls64(): index of the highest set bit, 1-based (0 for 0). a < 2^53. */
function fls64(a: number): number {
  if (a < 0x100000000) return 32 - Math.clz32(a);
  return 64 - Math.clz32(Math.floor(a / 0x100000000));
}

/** Linux: cubic_root(): integer cube root by table and one Newton-Raphson iteration (~0.2 % error). */
export function cubicRoot(a: number): number {
  let b = fls64(a);
  if (b < 7) {
    /* a in [0..63] */
    return (CBRT_TABLE[a] + 35) >>> 6;
  }
  b = ((b * 84) >>> 8) - 1;
  const shift = Math.floor(a / 2 ** (b * 3));
  let x = (((CBRT_TABLE[shift] + 10) << b) >>> 0) >>> 6;
  /* x_{k+1} = (2 * x_k + a / x_k^2) / 3, with Linux's x * (x - 1) and * 341 >> 10. */
  x = (2 * x + Math.floor(a / (x * (x - 1)))) >>> 0;
  x = Math.floor((x * 341) / 1024) >>> 0;
  return x;
}

/**
 * (CUBE_RTT_SCALE * offs^3) >> (10 + 3 * BICTCP_HZ), truncated to u32 as Linux's u32 `delta`.
 * Exact in doubles without allocating: offs^2 * 410 < 2^53 for offs < 2^21, and the product
 * with offs is split at 2^20. Past 2^18 (~4 minutes into an epoch) Linux's u64 product wraps;
 * BigInt reproduces that.
 */
export function cubeDelta(offs: number): number {
  if (offs < 8192) return Math.floor((CUBE_RTT_SCALE * offs * offs * offs) / 2 ** 40) >>> 0;
  if (offs < 262144) {
    const a = CUBE_RTT_SCALE * offs * offs; /* < 2^53 */
    const hi = Math.floor(a / 2 ** 20);
    const lo = a - hi * 2 ** 20;
    const t1 = hi * offs;
    const q1 = Math.floor(t1 / 2 ** 20);
    const r1 = t1 - q1 * 2 ** 20;
    return (q1 + Math.floor((r1 * 2 ** 20 + lo * offs) / 2 ** 40)) >>> 0;
  }
  const o = BigInt(offs);
  const v = BigInt.asUintN(64, BigInt(CUBE_RTT_SCALE) * o * o * o) >> BigInt(10 + 3 * BICTCP_HZ);
  return Number(BigInt.asUintN(32, v));
}

/** Linux: bictcp_update(): compute ca.cnt (ACKs per cwnd increment) for the current cwnd. */
export function bictcpUpdate(sk: TcpSock, ca: BicTcp, cwnd: number, acked: number): void {
  const now = tcpJiffies32(sk.net.kernel);
  ca.ackCnt += acked; /* count the number of ACKed packets */
  if (ca.lastCwnd === cwnd && ((now - ca.lastTime) | 0) <= HZ / 32) return;

  /* The CUBIC function can update ca->cnt at most once per jiffy. On all cwnd reduction
   * events, ca->epoch_start is set to 0, which will force a recalculation of ca->cnt. */
  if (!(ca.epochStart && now === ca.lastTime)) {
    ca.lastCwnd = cwnd;
    ca.lastTime = now;
    if (ca.epochStart === 0) {
      ca.epochStart = now; /* record beginning */
      ca.ackCnt = acked; /* start counting */
      ca.tcpCwnd = cwnd; /* syn with cubic */
      if (ca.lastMaxCwnd <= cwnd) {
        ca.bicK = 0;
        ca.bicOriginPoint = cwnd;
      } else {
        /* K = cbrt((wmax - cwnd) * (srtt / HZ) / c * 2^(3 * BICTCP_HZ)) */
        ca.bicK = cubicRoot(CUBE_FACTOR * (ca.lastMaxCwnd - cwnd));
        ca.bicOriginPoint = ca.lastMaxCwnd;
      }
    }
    /* t = (now - epoch_start + delay_min in jiffies) in 2^-10 s units. */
    let t = ((now - ca.epochStart) | 0) + Math.ceil(ca.delayMin / 1000);
    t = Math.floor((t * (1 << BICTCP_HZ)) / HZ);
    const offs = t < ca.bicK ? ca.bicK - t : t - ca.bicK;
    /* c/rtt * (t-K)^3 */
    const delta = cubeDelta(offs);
    const bicTarget = t < ca.bicK ? (ca.bicOriginPoint - delta) >>> 0 : (ca.bicOriginPoint + delta) >>> 0;
    /* cubic function - calc bictcp_cnt */
    if (bicTarget > cwnd) ca.cnt = Math.floor(cwnd / (bicTarget - cwnd));
    else ca.cnt = 100 * cwnd; /* very small increment */
    /* The initial growth may be too conservative when the bandwidth is still unknown. */
    if (ca.lastMaxCwnd === 0 && ca.cnt > 20) ca.cnt = 20; /* increase cwnd 5% per RTT */
  }

  /* TCP Friendly (RFC 9438 4.3): the Reno-equivalent window grows by one per
   * cwnd * 8 / beta_scale packets acked. */
  if (TCP_FRIENDLINESS) {
    let delta = (cwnd * BETA_SCALE) >>> 3;
    if (delta > 0 && ca.ackCnt > delta) {
      const n = Math.floor((ca.ackCnt - 1) / delta);
      ca.ackCnt -= n * delta;
      ca.tcpCwnd += n;
    }
    if (ca.tcpCwnd > cwnd) { /* if bic is slower than tcp */
      delta = ca.tcpCwnd - cwnd;
      const maxCnt = Math.floor(cwnd / delta);
      if (ca.cnt > maxCnt) ca.cnt = maxCnt;
    }
  }
  /* The maximum rate of cwnd increase CUBIC allows is 1 packet per 2 packets ACKed,
   * meaning cwnd grows at 1.5x per RTT. */
  ca.cnt = Math.max(ca.cnt, 2);
}

/** Linux: cubictcp_cong_avoid(). */
export function cubictcpCongAvoid(sk: TcpSock, ack: number, acked: number): void {
  void ack;
  const tp = sk;
  const ca = cubicCa(sk);
  if (!tcpIsCwndLimited(sk)) return;
  if (tcpInSlowStart(tp)) {
    acked = tcpSlowStart(tp, acked);
    if (!acked) return;
  }
  bictcpUpdate(sk, ca, tp.sndCwnd, acked);
  tcpCongAvoidAi(tp, ca.cnt, acked);
}

/** Linux: cubictcp_recalc_ssthresh(): end the epoch, W_max with fast convergence, cwnd * beta. */
export function cubictcpRecalcSsthresh(sk: TcpSock): number {
  const tp = sk;
  const ca = cubicCa(sk);
  ca.epochStart = 0; /* end of epoch */
  /* Wmax and fast convergence. */
  if (tp.sndCwnd < ca.lastMaxCwnd && FAST_CONVERGENCE) {
    ca.lastMaxCwnd = Math.floor((tp.sndCwnd * (BICTCP_BETA_SCALE + CUBIC_BETA)) / (2 * BICTCP_BETA_SCALE));
  } else {
    ca.lastMaxCwnd = tp.sndCwnd;
  }
  return Math.max(Math.floor((tp.sndCwnd * CUBIC_BETA) / BICTCP_BETA_SCALE), 2);
}

/** Linux: cubictcp_state(): entering Loss restarts CUBIC and HyStart. */
export function cubictcpState(sk: TcpSock, newState: number): void {
  if (newState === TCP_CA_Loss) {
    bictcpReset(cubicCa(sk));
    bictcpHystartReset(sk);
  }
}

/** Linux: hystart_update(): look for the slow-start exit point with this delay sample (µs). */
function hystartUpdate(sk: TcpSock, delay: number): void {
  const tp = sk;
  const ca = cubicCa(sk);
  const mib = ipv4Net(sk.net).mib.net;
  if (after(tp.sndUna, ca.endSeq)) bictcpHystartReset(sk);

  if (HYSTART_DETECT & HYSTART_ACK_TRAIN) {
    const now = tp.tcpMstamp >>> 0;
    /* First detection parameter - ack-train detection. */
    if (((now - ca.lastAck) | 0) <= HYSTART_ACK_DELTA_US) {
      ca.lastAck = now;
      /* delay_min + hystart_ack_delay() (0 without GSO); halved without fq pacing. */
      const threshold = ca.delayMin >>> 1;
      if (((now - ca.roundStart) | 0) > threshold) {
        ca.found = true;
        mib[LINUX_MIB_TCPHYSTARTTRAINDETECT]++;
        mib[LINUX_MIB_TCPHYSTARTTRAINCWND] += tp.sndCwnd;
        tp.sndSsthresh = tp.sndCwnd;
      }
    }
  }
  if (HYSTART_DETECT & HYSTART_DELAY) {
    /* Obtain the minimum delay of more than sampling packets. */
    if (ca.currRtt > delay) ca.currRtt = delay;
    if (ca.sampleCnt < HYSTART_MIN_SAMPLES) {
      ca.sampleCnt++;
    } else {
      const thresh = Math.min(Math.max(ca.delayMin >>> 3, HYSTART_DELAY_MIN), HYSTART_DELAY_MAX);
      if (ca.currRtt > ca.delayMin + thresh) {
        ca.found = true;
        mib[LINUX_MIB_TCPHYSTARTDELAYDETECT]++;
        mib[LINUX_MIB_TCPHYSTARTDELAYCWND] += tp.sndCwnd;
        tp.sndSsthresh = tp.sndCwnd;
      }
    }
  }
}

/** Linux: cubictcp_acked() (pkts_acked): track delay_min and run HyStart in slow start. */
export function cubictcpAcked(sk: TcpSock, sample: AckSample): void {
  const tp = sk;
  const ca = cubicCa(sk);
  /* Some calls are for duplicates without timestamps. */
  if (sample.rttUs < 0) return;
  /* Discard delay samples right after fast recovery. */
  if (ca.epochStart && ((tcpJiffies32(sk.net.kernel) - ca.epochStart) | 0) < HZ) return;
  let delay = sample.rttUs;
  if (delay === 0) delay = 1;
  /* First time call or link delay decreases. */
  if (ca.delayMin === 0 || ca.delayMin > delay) ca.delayMin = delay;
  /* HyStart triggers when cwnd is larger than some threshold. */
  if (!ca.found && tcpInSlowStart(tp) && HYSTART && tp.sndCwnd >= HYSTART_LOW_WINDOW) hystartUpdate(sk, delay);
}

/** Linux: struct tcp_congestion_ops cubictcp. */
export const tcpCubic: TcpCongestionOps = {
  name: 'cubic',
  flags: 0,
  key: tcpCaKey('cubic'),
  init: cubictcpInit,
  ssthresh: cubictcpRecalcSsthresh,
  congAvoid: cubictcpCongAvoid,
  setState: cubictcpState,
  undoCwnd: tcpRenoUndoCwnd,
  cwndEvent: cubictcpCwndEvent,
  pktsAcked: cubictcpAcked,
};
