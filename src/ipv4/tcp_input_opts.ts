/**
 * TCP option parsing and PAWS on the receive side (Linux: net/ipv4/tcp_input.c
 * tcp_parse_options(), tcp_parse_mss_option(), tcp_fast_parse_options(),
 * tcp_parse_aligned_timestamp(), tcp_store_ts_recent(), tcp_replace_ts_recent(),
 * tcp_tsval_replay(), tcp_disordered_ack(), tcp_paws_discard(), tcp_may_update_window();
 * include/net/tcp.h tcp_paws_check(), tcp_paws_reject(), tcp_clear_options(),
 * tcp_sack_reset()). RFC 7323 §5 (PAWS), RFC 2018 (SACK).
 *
 * As in Linux, the SACK option is not decoded here: `TCP_SKB_CB(skb).sacked` of a
 * received segment is set to the byte offset of the SACK option from the start of the
 * TCP header (0 = no SACK option); tcp_sacktag_write_queue reads the blocks from there.
 * `rxOpt.tsRecentStamp` is in seconds of the monotonic clock (Linux: ktime_get_seconds()).
 */
import type { Net, Kernel } from '../core/net_namespace.js';
import type { SkBuff } from '../core/skbuff.js';
import type { TcpHdr } from '../wire/tcphdr.js';
import {
  TCPOPT_EOL, TCPOPT_NOP, TCPOPT_MSS, TCPOPT_WINDOW, TCPOPT_SACK_PERM, TCPOPT_SACK, TCPOPT_TIMESTAMP,
  TCPOLEN_MSS, TCPOLEN_WINDOW, TCPOLEN_SACK_PERM, TCPOLEN_TIMESTAMP, TCPHDR_ACK,
} from '../wire/tcphdr.js';
import { ipv4Net } from './netns_ipv4.js';
import type { TcpOptionsReceived, TcpSock } from './tcp_sock.js';
import { TCP_SKB_CB, TcpSkbCb } from './tcp_sock.js';
import { TCP_MAX_WSCALE, TCP_PAWS_24DAYS, TCP_PAWS_MSL, TCP_PAWS_WINDOW, HZ, after } from './tcp_defs.js';

/** Linux: TCPOLEN_TSTAMP_ALIGNED (NOP NOP TS), TCPOLEN_SACK_BASE, TCPOLEN_SACK_PERBLOCK. */
export const TCPOLEN_TSTAMP_ALIGNED = 12;
export const TCPOLEN_SACK_BASE = 2;
export const TCPOLEN_SACK_PERBLOCK = 8;
/** rx_opt.sack_ok bits (Linux: TCP_SACK_SEEN, TCP_DSACK_SEEN). */
export const TCP_SACK_SEEN = 1 << 0;
export const TCP_DSACK_SEEN = 1 << 2;
/** The aligned timestamp word NOP NOP TS 10 (Linux: the constant tcp_parse_aligned_timestamp compares). */
const TS_ALIGNED_WORD = ((TCPOPT_NOP << 24) | (TCPOPT_NOP << 16) | (TCPOPT_TIMESTAMP << 8) | TCPOLEN_TIMESTAMP) >>> 0;

/** Linux: ktime_get_seconds() (monotonic seconds), the clock of ts_recent_stamp. */
export function tcpGetSeconds(k: Kernel): number {
  return Math.floor(k.clock.now() / 1e9);
}

function rd16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

function rd32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/** Linux: tcp_sack_reset(). */
export function tcpSackReset(rx: TcpOptionsReceived): void {
  rx.dsack = false;
  rx.numSacks = 0;
}

/** Linux: tcp_clear_options(). */
export function tcpClearOptions(rx: TcpOptionsReceived): void {
  rx.tstampOk = false;
  rx.sackOk = 0;
  rx.wscaleOk = false;
  rx.sndWscale = 0;
}

/**
 * Linux: tcp_parse_mss_option(): the MSS option of a header (0 when absent), clamped
 * to `userMss` when that is smaller.
 */
export function tcpParseMssOption(th: TcpHdr, userMss: number): number {
  const b = th.buf;
  let p = th.off + 20;
  let length = th.doff * 4 - 20;
  let mss = 0;
  while (length > 0) {
    const opcode = b[p++]!;
    if (opcode === TCPOPT_EOL) return mss;
    if (opcode === TCPOPT_NOP) {
      length--;
      continue;
    }
    if (length < 2) return mss;
    const opsize = b[p++]!;
    if (opsize < 2 || opsize > length) return mss;
    if (opcode === TCPOPT_MSS && opsize === TCPOLEN_MSS) {
      let inMss = rd16(b, p);
      if (inMss) {
        if (userMss && userMss < inMss) inMss = userMss;
        mss = inMss;
      }
    }
    p += opsize - 2;
    length -= opsize;
  }
  return mss;
}

/**
 * Linux: tcp_parse_options(): walk the options of `th` into `optRx`. MSS, window scale
 * and SACK-permitted only count on a SYN before the connection is established (`estab`
 * false); a timestamp counts when negotiated (estab) or enabled by tcp_timestamps.
 * Malformed lists end the walk silently, as in Linux ("silly options", partial options).
 */
export function tcpParseOptions(net: Net, skb: SkBuff, th: TcpHdr, optRx: TcpOptionsReceived, estab: boolean): void {
  const b = th.buf;
  let p = th.off + 20;
  let length = th.doff * 4 - 20;
  // The header must really be there (tcp_v4_rcv checked doff against the length).
  if (p + length > b.length) length = b.length - p;
  const syn = (b[th.off + 13]! & 0x02) !== 0;
  const s = ipv4Net(net).sysctl;
  optRx.sawTstamp = false;
  optRx.sawUnknown = false;
  while (length > 0) {
    const opcode = b[p++]!;
    if (opcode === TCPOPT_EOL) return;
    if (opcode === TCPOPT_NOP) {
      length--;
      continue;
    }
    if (length < 2) return;
    const opsize = b[p++]!;
    if (opsize < 2) return; /* "silly options" */
    if (opsize > length) return; /* don't parse partial options */
    switch (opcode) {
      case TCPOPT_MSS:
        if (opsize === TCPOLEN_MSS && syn && !estab) {
          let inMss = rd16(b, p);
          if (inMss) {
            if (optRx.userMss && optRx.userMss < inMss) inMss = optRx.userMss;
            optRx.mssClamp = inMss;
          }
        }
        break;
      case TCPOPT_WINDOW:
        if (opsize === TCPOLEN_WINDOW && syn && !estab && s.tcpWindowScaling) {
          let sndWscale = b[p]!;
          optRx.wscaleOk = true;
          // Linux: "Illegal window scaling value %d > %u received" (ratelimited log).
          if (sndWscale > TCP_MAX_WSCALE) sndWscale = TCP_MAX_WSCALE;
          optRx.sndWscale = sndWscale;
        }
        break;
      case TCPOPT_TIMESTAMP:
        if (opsize === TCPOLEN_TIMESTAMP && ((estab && optRx.tstampOk) || (!estab && s.tcpTimestamps))) {
          optRx.sawTstamp = true;
          optRx.rcvTsval = rd32(b, p);
          optRx.rcvTsecr = rd32(b, p + 4);
        }
        break;
      case TCPOPT_SACK_PERM:
        if (opsize === TCPOLEN_SACK_PERM && syn && !estab && s.tcpSack) {
          optRx.sackOk = TCP_SACK_SEEN;
          tcpSackReset(optRx);
        }
        break;
      case TCPOPT_SACK:
        if (opsize >= TCPOLEN_SACK_BASE + TCPOLEN_SACK_PERBLOCK &&
            (opsize - TCPOLEN_SACK_BASE) % TCPOLEN_SACK_PERBLOCK === 0 && optRx.sackOk) {
          if (skb.cb instanceof TcpSkbCb) skb.cb.sacked = p - 2 - th.off;
        }
        break;
      case 19: /* TCPOPT_MD5SIG: no MD5 keys in tuxnet, nothing to check */
      case 34: /* TCPOPT_FASTOPEN: no TFO */
        break;
      case 254: /* TCPOPT_EXP: the TFO magic 0xF989 is not unknown */
        if (!(opsize >= 4 && rd16(b, p) === 0xf989)) optRx.sawUnknown = true;
        break;
      default:
        optRx.sawUnknown = true;
    }
    p += opsize - 2;
    length -= opsize;
  }
}

/** Linux: tcp_parse_aligned_timestamp(): the NOP NOP TS layout every Linux sends. */
export function tcpParseAlignedTimestamp(tp: TcpSock, th: TcpHdr): boolean {
  const b = th.buf;
  const p = th.off + 20;
  if (rd32(b, p) === TS_ALIGNED_WORD) {
    tp.rxOpt.sawTstamp = true;
    tp.rxOpt.rcvTsval = rd32(b, p + 4);
    const ecr = rd32(b, p + 8);
    tp.rxOpt.rcvTsecr = ecr ? (ecr - tp.tsoffset) >>> 0 : 0;
    return true;
  }
  return false;
}

/**
 * Linux: tcp_fast_parse_options(): false when there are no options at all; the common
 * aligned timestamp is read directly, anything else goes through tcp_parse_options.
 */
export function tcpFastParseOptions(net: Net, skb: SkBuff, th: TcpHdr, tp: TcpSock): boolean {
  const doff = th.doff;
  if (doff === 5) {
    tp.rxOpt.sawTstamp = false;
    return false;
  } else if (tp.rxOpt.tstampOk && doff === (20 + TCPOLEN_TSTAMP_ALIGNED) / 4) {
    if (tcpParseAlignedTimestamp(tp, th)) return true;
  }
  tcpParseOptions(net, skb, th, tp.rxOpt, true);
  if (tp.rxOpt.sawTstamp && tp.rxOpt.rcvTsecr) tp.rxOpt.rcvTsecr = (tp.rxOpt.rcvTsecr - tp.tsoffset) >>> 0;
  return true;
}

/** Linux: tcp_store_ts_recent(). */
export function tcpStoreTsRecent(tp: TcpSock): void {
  tp.rxOpt.tsRecent = tp.rxOpt.rcvTsval;
  tp.rxOpt.tsRecentStamp = tcpGetSeconds(tp.net.kernel);
}

/**
 * Linux: tcp_paws_check(): true when the segment's TSval is acceptable: not older than
 * ts_recent by more than `pawsWin`, or ts_recent is stale (24 days, RFC 7323 §5.5), or unset.
 */
export function tcpPawsCheck(rx: TcpOptionsReceived, pawsWin: number, k: Kernel): boolean {
  if (((rx.tsRecent - rx.rcvTsval) | 0) <= pawsWin) return true;
  if (!(((tcpGetSeconds(k) - (rx.tsRecentStamp + TCP_PAWS_24DAYS)) | 0) < 0)) return true;
  // Some OSes send SYN and SYN-ACK with tsval 0: ts_recent 0 cannot be used for PAWS.
  if (!rx.tsRecent) return true;
  return false;
}

/** Linux: tcp_paws_reject(): a RST is accepted once ts_recent is older than TCP_PAWS_MSL. */
export function tcpPawsReject(rx: TcpOptionsReceived, rst: boolean, k: Kernel): boolean {
  if (tcpPawsCheck(rx, 0, k)) return false;
  // RST segments are not recommended to carry timestamp, and, if they do, it is
  // recommended to ignore PAWS because "their cleanup function should take precedence".
  if (rst && !(((tcpGetSeconds(k) - (rx.tsRecentStamp + TCP_PAWS_MSL)) | 0) < 0)) return false;
  return true;
}

/** Linux: tcp_replace_ts_recent(): only for in-window segments not after rcv_wup. */
export function tcpReplaceTsRecent(tp: TcpSock, seq: number): void {
  if (tp.rxOpt.sawTstamp && !after(seq, tp.rcvWup)) {
    // PAWS bug workaround wrt. ACK frames: the PAWS discard extra check makes sure this
    // can only happen for pure ACK frames (and expired timestamps).
    if (tcpPawsCheck(tp.rxOpt, 0, tp.net.kernel)) tcpStoreTsRecent(tp);
  }
}

/** Linux: tcp_may_update_window(): RFC 793 SND.WL1/WL2 rule (ack >= snd_una assumed). */
export function tcpMayUpdateWindow(tp: TcpSock, ack: number, ackSeq: number, nwin: number): boolean {
  return after(ack, tp.sndUna) || after(ackSeq, tp.sndWl1) || (ackSeq === tp.sndWl1 && (nwin > tp.sndWnd || !nwin));
}

/** Linux: tcp_tsval_replay(): peer TSval ticks in one RTO (1200 Hz worst case). */
function tcpTsvalReplay(sk: TcpSock): number {
  return Math.floor((sk.icskRto * 1200) / HZ);
}

/**
 * Linux: tcp_disordered_ack(): a pure duplicate ACK that changes nothing and whose TSval
 * sits in the replay window may pass PAWS (PAWS is "broken wrt. pure ACKs").
 */
function tcpDisorderedAck(sk: TcpSock, skb: SkBuff, th: TcpHdr): boolean {
  const cb = TCP_SKB_CB(skb);
  const seq = cb.seq;
  const ack = cb.ackSeq;
  return (th.flags & TCPHDR_ACK) !== 0 && seq === cb.endSeq && seq === sk.rcvNxt &&
    ack === sk.sndUna &&
    !tcpMayUpdateWindow(sk, ack, seq, th.window << sk.rxOpt.sndWscale) &&
    ((sk.rxOpt.tsRecent - sk.rxOpt.rcvTsval) | 0) <= tcpTsvalReplay(sk);
}

/** Linux: tcp_paws_discard(). */
export function tcpPawsDiscard(sk: TcpSock, skb: SkBuff, th: TcpHdr): boolean {
  return !tcpPawsCheck(sk.rxOpt, TCP_PAWS_WINDOW, sk.net.kernel) && !tcpDisorderedAck(sk, skb, th);
}
