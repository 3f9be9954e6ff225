/**
 * TCP option parsing and PAWS on the receive side (Linux: net/ipv4/tcp_input.c
 * tcp_parse_options(), tcp_fast_parse_options(), tcp_parse_aligned_timestamp(),
 * tcp_store_ts_recent(), tcp_replace_ts_recent(), tcp_paws_check()/tcp_paws_reject()/
 * tcp_paws_discard(), tcp_disordered_ack(); include/net/tcp.h). RFC 7323 §5 (PAWS),
 * RFC 2018 (SACK blocks are left in the header; tcp_sacktag reads them at `sackOff`).
 */
import type { Net } from '../core/net_namespace.js';
import type { SkBuff } from '../core/skbuff.js';
import type { TcpHdr } from '../wire/tcphdr.js';
import type { TcpOptionsReceived, TcpSock } from './tcp_sock.js';

/** Linux: tcp_parse_options(). */
export function tcpParseOptions(_net: Net, _skb: SkBuff, _th: TcpHdr, _optRx: TcpOptionsReceived, _estab: boolean): void {
  /* filled below */
}

/** Linux: tcp_fast_parse_options(): false when the header is bad. */
export function tcpFastParseOptions(_net: Net, _skb: SkBuff, _th: TcpHdr, _tp: TcpSock): boolean {
  return true;
}

/** Linux: tcp_store_ts_recent(). */
export function tcpStoreTsRecent(tp: TcpSock): void {
  tp.rxOpt.tsRecent = tp.rxOpt.rcvTsval;
}
