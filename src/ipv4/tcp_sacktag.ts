/**
 * SACK scoreboard (Linux: tcp_sacktag_write_queue() and friends in net/ipv4/tcp_input.c).
 * (Skeleton: full implementation follows.)
 */
import type { SkBuff } from '../core/skbuff.js';
import { RateSample, type TcpSock } from './tcp_sock.js';

/** Linux: struct tcp_sacktag_state (filled by tcp_sacktag_write_queue and tcp_clean_rtx_queue). */
export class TcpSacktagState {
  /** µs send times of the first/last newly SACKed never-retransmitted skb (RTT samples; 0 = none). */
  firstSackt = 0;
  lastSackt = 0;
  /** Lowest sequence newly (S)ACKed out of order (reordering detection). */
  reord = 0;
  /** Packets newly SACKed (Linux: sack_delivered). */
  sackDelivered = 0;
  /** Bytes newly SACKed (Linux: delivered_bytes). */
  deliveredBytes = 0;
  /** FLAG_* collected. */
  flag = 0;
  mssNow = 0;
  rate: RateSample = new RateSample();
}

/**
 * Linux: tcp_sacktag_write_queue(). `ackSkb` is the received ACK: `TCP_SKB_CB(ackSkb).sacked`
 * holds the offset of the SACK option from the TCP header (as Linux's tcp_parse_options sets
 * it), the header at `ackSkb.transportHeader`. Returns the FLAG_* bits.
 */
export function tcpSacktagWriteQueue(sk: TcpSock, ackSkb: SkBuff, priorSndUna: number, state: TcpSacktagState): number {
  void sk; void ackSkb; void priorSndUna;
  return state.flag;
}
