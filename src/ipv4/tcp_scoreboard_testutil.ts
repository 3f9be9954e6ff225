/**
 * Helpers for the unit tests of the loss-recovery files (tcp_sacktag, tcp_fastretrans,
 * tcp_recovery, tcp_cubic): a bare established TcpSock with a crafted retransmission queue
 * (one-segment skbs, as the transmit path builds them) and crafted ACK skbs carrying SACK
 * options, so the scoreboard code runs without the rest of TCP. Not used by the kernel.
 */
import type { Kernel } from '../core/net_namespace.js';
import type { VirtualClock } from '../core/clock.js';
import { allocSkb, skbPut, type SkBuff } from '../core/skbuff.js';
import { createKernel } from '../index.js';
import { TcpSock, TcpSkbCb, TCP_SKB_CB, tcpMstampRefresh } from './tcp_sock.js';
import { TCP_ESTABLISHED } from './tcp_defs.js';
import { tcpCongInit, tcpCaFind } from './tcp_cong.js';
import { tcpRateSkbSent } from './tcp_rate.js';
import { TCPHDR_ACK } from '../wire/tcphdr.js';

function noop(): void { /* timers never matter in these tests */ }

/** A kernel with the congestion-control algorithms registered. */
export function recoveryKernel(): Kernel {
  const k = createKernel({ seed: 1 });
  tcpCongInit(k);
  return k;
}

/** Set the virtual clock to `us` microseconds and refresh tp.tcpMstamp. */
export function setTimeUs(k: Kernel, tp: TcpSock | null, us: number): void {
  (k.clock as VirtualClock).advanceTo(us * 1000);
  if (tp) tcpMstampRefresh(tp);
}

/**
 * An established socket: SACK on (unless `sack` is false), mss 1000, snd_una = snd_nxt = isn,
 * CC `ca` (reno by default) initialised, a large peer window.
 */
export function scoreboardSock(k: Kernel, opts: { sack?: boolean; ca?: string; isn?: number } = {}): TcpSock {
  const tp = new TcpSock(k.initNet, 1, 6, { retransmit: noop, delack: noop, keepalive: noop });
  tp.state = TCP_ESTABLISHED;
  tp.rxOpt.sackOk = opts.sack === false ? 0 : 1;
  tp.mssCache = 1000;
  const isn = opts.isn ?? 1000;
  tp.sndUna = tp.sndNxt = tp.writeSeq = isn;
  tp.sndWnd = tp.maxWindow = 1 << 20;
  tcpMstampRefresh(tp);
  tp.icskCaOps = tcpCaFind(k, opts.ca ?? 'reno');
  tp.icskCaOps?.init?.(tp);
  return tp;
}

/** Transmit `n` new one-MSS segments now: append them to the rtx queue as tcp_event_new_data_sent does. */
export function sendSegments(tp: TcpSock, n: number): SkBuff[] {
  const out: SkBuff[] = [];
  for (let i = 0; i < n; i++) {
    const skb = allocSkb(tp.mssCache);
    skbPut(skb, tp.mssCache);
    const cb = new TcpSkbCb();
    cb.seq = tp.sndNxt;
    cb.endSeq = (tp.sndNxt + tp.mssCache) >>> 0;
    cb.tcpFlags = TCPHDR_ACK;
    cb.txMstamp = tp.tcpMstamp;
    skb.cb = cb;
    tcpRateSkbSent(tp, skb);
    tp.rtxQueue.enqueueTail(skb);
    tp.packetsOut++;
    tp.sndNxt = tp.writeSeq = cb.endSeq;
    out.push(skb);
  }
  return out;
}

/** Mark `skb` retransmitted now (what __tcp_retransmit_skb does to the scoreboard). */
export function retransmit(tp: TcpSock, skb: SkBuff): void {
  const cb = TCP_SKB_CB(skb);
  if (!tp.retransOut) tp.retransStamp = Math.floor(tp.tcpMstamp / 1000);
  cb.sacked |= 0x02 | 0x80; /* TCPCB_SACKED_RETRANS | TCPCB_EVER_RETRANS */
  tp.retransOut++;
  tp.totalRetrans++;
  cb.txMstamp = tp.tcpMstamp;
  tcpRateSkbSent(tp, skb);
}

/** Remove cumulatively acked skbs up to `ack` (a minimal tcp_clean_rtx_queue for tests). */
export function cleanRtx(tp: TcpSock, ack: number): number {
  let acked = 0;
  for (;;) {
    const skb = tp.rtxQueue.peek();
    if (!skb) break;
    const cb = TCP_SKB_CB(skb);
    if (((ack - cb.endSeq) | 0) < 0) break;
    if (cb.sacked & 0x01) tp.sackedOut--;
    if (cb.sacked & 0x04) tp.lostOut--;
    if (cb.sacked & 0x02) tp.retransOut--;
    tp.packetsOut--;
    if (tp.highestSack === skb) tp.highestSack = skb.next;
    if (tp.lostSkbHint === skb) tp.lostSkbHint = null;
    if (tp.retransmitSkbHint === skb) tp.retransmitSkbHint = null;
    tp.rtxQueue.dequeue();
    acked++;
  }
  tp.sndUna = ack;
  return acked;
}

/**
 * An ACK segment as tcp_v4_rcv leaves it: data at the TCP header (transport header at 0),
 * TcpSkbCb with ackSeq, tcpFlags and `sacked` = offset of the SACK option (after two NOPs).
 */
export function ackWithSack(ack: number, blocks: Array<[number, number]>, flags = TCPHDR_ACK): SkBuff {
  const optLen = blocks.length ? 2 + 2 + 8 * blocks.length : 0;
  const hlen = 20 + ((optLen + 3) & ~3);
  const skb = allocSkb(hlen);
  skbPut(skb, hlen);
  skb.transportHeader = skb.data;
  const b = skb.buf;
  const th = skb.data;
  b[th + 12] = (hlen / 4) << 4;
  b[th + 13] = flags;
  const cb = new TcpSkbCb();
  cb.ackSeq = ack >>> 0;
  cb.tcpFlags = flags;
  if (blocks.length) {
    let o = th + 20;
    b[o++] = 1; b[o++] = 1;
    cb.sacked = o - th;
    b[o++] = 5; b[o++] = 2 + 8 * blocks.length;
    for (const [s, e] of blocks) {
      for (const v of [s >>> 0, e >>> 0]) {
        b[o++] = v >>> 24; b[o++] = (v >>> 16) & 0xff; b[o++] = (v >>> 8) & 0xff; b[o++] = v & 0xff;
      }
    }
  }
  skb.cb = cb;
  return skb;
}

/** Sequence range [start, end) of segments i..j (0-based, inclusive) of a flight starting at `isn`. */
export function segs(isn: number, i: number, j: number, mss = 1000): [number, number] {
  return [(isn + i * mss) >>> 0, (isn + (j + 1) * mss) >>> 0];
}
