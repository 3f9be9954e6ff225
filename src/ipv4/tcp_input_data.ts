/**
 * The receive data path (Linux: net/ipv4/tcp_input.c tcp_data_queue(), tcp_ofo_queue(),
 * tcp_data_queue_ofo(), SACK/D-SACK generation, pruning and collapsing, delayed-ACK and
 * quick-ACK logic: tcp_event_data_recv(), tcp_measure_rcv_mss(), __tcp_ack_snd_check()).
 */
import type { SkBuff } from '../core/skbuff.js';
import type { TcpSock } from './tcp_sock.js';

/** Linux: tcp_data_queue(). */
export function tcpDataQueue(_sk: TcpSock, _skb: SkBuff): void {}

/** Linux: tcp_ofo_queue(). */
export function tcpOfoQueue(_sk: TcpSock): void {}

/** Linux: tcp_event_data_recv(). */
export function tcpEventDataRecv(_sk: TcpSock, _skb: SkBuff): void {}

/** Linux: __tcp_ack_snd_check(). */
export function __tcpAckSndCheck(_sk: TcpSock, _ofoPossible: boolean): void {}

/** Linux: tcp_ack_snd_check(). */
export function tcpAckSndCheck(_sk: TcpSock): void {}

/** Linux: tcp_enter_quickack_mode(). */
export function tcpEnterQuickackMode(_sk: TcpSock, _maxQuickacks: number): void {}

/** Linux: tcp_dsack_set(). */
export function tcpDsackSet(_sk: TcpSock, _seq: number, _endSeq: number): void {}

/** Linux: tcp_sack_new_ofo_skb(). */
export function tcpSackNewOfoSkb(_sk: TcpSock, _seq: number, _endSeq: number): void {}

/** Linux: tcp_sack_remove(). */
export function tcpSackRemove(_tp: TcpSock): void {}
