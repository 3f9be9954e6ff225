/**
 * TCP receive processing for synchronized states (Linux: net/ipv4/tcp_input.c
 * tcp_rcv_established(), tcp_validate_incoming(), tcp_ack(), tcp_clean_rtx_queue(),
 * tcp_ack_update_window(), tcp_send_challenge_ack(), tcp_urg(), tcp_init_transfer()).
 * The non-established state machine is tcp_input_state.ts; the data queue
 * tcp_input_data.ts; options/PAWS tcp_input_opts.ts; RTT/RTO/autotuning tcp_input_rtt.ts.
 */
import type { SkBuff } from '../core/skbuff.js';
import type { TcpHdr } from '../wire/tcphdr.js';
import type { TcpSock } from './tcp_sock.js';

export { tcpParseOptions, tcpFastParseOptions, tcpStoreTsRecent } from './tcp_input_opts.js';
export { tcpRttEstimator, tcpSetRto, tcpAckUpdateRtt, tcpInitBufferSpace, tcpRcvSpaceAdjust, tcpCheckSpace } from './tcp_input_rtt.js';
export {
  tcpDataQueue, tcpOfoQueue, tcpEventDataRecv, __tcpAckSndCheck, tcpAckSndCheck, tcpEnterQuickackMode,
  tcpDsackSet, tcpSackNewOfoSkb, tcpSackRemove,
} from './tcp_input_data.js';

/** Linux: tcp_rcv_established(). */
export function tcpRcvEstablished(_sk: TcpSock, _skb: SkBuff): void {}

/** Linux: tcp_ack(): < 0 old/invalid ACK (the caller may send a challenge ACK / drop). */
export function tcpAck(_sk: TcpSock, _skb: SkBuff, _flag: number): number {
  return 0;
}

/** Linux: tcp_validate_incoming(): false when the segment was consumed/dropped. */
export function tcpValidateIncoming(_sk: TcpSock, _skb: SkBuff, _th: TcpHdr, _synInerr: boolean): boolean {
  return true;
}

/** Linux: tcp_send_challenge_ack(). */
export function tcpSendChallengeAck(_sk: TcpSock): void {}

/** Linux: tcp_urg(). */
export function tcpUrg(_sk: TcpSock, _skb: SkBuff, _th: TcpHdr): void {}

/** Linux: tcp_init_wl(). */
export function tcpInitWl(tp: TcpSock, seq: number): void {
  tp.sndWl1 = seq;
}

/** Linux: tcp_update_wl(). */
export function tcpUpdateWl(tp: TcpSock, seq: number): void {
  tp.sndWl1 = seq;
}

/** Linux: tcp_init_transfer(). */
export function tcpInitTransfer(_sk: TcpSock): void {}

/** Linux: tcp_data_snd_check(). */
export function tcpDataSndCheck(_sk: TcpSock): void {}

/** Linux: tcp_initialize_rcv_mss(). */
export function tcpInitializeRcvMss(_sk: TcpSock): void {}
