/**
 * RTT estimation, RTO and receive-buffer autotuning (Linux: net/ipv4/tcp_input.c
 * tcp_rtt_estimator(), tcp_set_rto(), tcp_ack_update_rtt(), tcp_update_rtt_min(),
 * tcp_rcv_rtt_update()/tcp_rcv_rtt_measure()/tcp_rcv_rtt_measure_ts(),
 * tcp_init_buffer_space(), tcp_rcv_space_adjust(), tcp_new_space()/tcp_check_space()).
 */
import type { TcpSock } from './tcp_sock.js';

/** Linux: tcp_rtt_estimator(). */
export function tcpRttEstimator(_sk: TcpSock, _mrttUs: number): void {}

/** Linux: tcp_set_rto(). */
export function tcpSetRto(_sk: TcpSock): void {}

/** Linux: tcp_ack_update_rtt(). */
export function tcpAckUpdateRtt(_sk: TcpSock, _flag: number, _seqRttUs: number, _sackRttUs: number, _caRttUs: number): boolean {
  return false;
}

/** Linux: tcp_init_buffer_space(). */
export function tcpInitBufferSpace(_sk: TcpSock): void {}

/** Linux: tcp_rcv_space_adjust(). */
export function tcpRcvSpaceAdjust(_sk: TcpSock): void {}

/** Linux: tcp_check_space(). */
export function tcpCheckSpace(_sk: TcpSock): void {}
