/**
 * TCP over IPv4 (Linux: net/ipv4/tcp_ipv4.c): the protocol handler `tcpV4Rcv` (header,
 * data offset and checksum checks, established -> listener lookup, request socks in
 * TCP_NEW_SYN_RECV, TIME_WAIT), `tcpV4DoRcv`, the ICMP error handler `tcpV4Err` (PMTU,
 * soft/hard errors, RFC 6069 RTO revert), `tcpV4Connect`, the SYN-ACK sender and the
 * socketless replies (RST and ACK) through the namespace's control socket (Linux:
 * ipv4.tcp_sk + ip_send_unicast_reply; IP options are not echoed in those replies here).
 */
import type { Net } from '../core/net_namespace.js';
import type { SkBuff } from '../core/skbuff.js';
import {
  allocSkb, skbReserve, skbPut, skbResetTransportHeader, kfreeSkbReason, consumeSkb, pskbMayPull,
  PACKET_HOST, CHECKSUM_UNNECESSARY, CHECKSUM_PARTIAL, CHECKSUM_NONE,
} from '../core/skbuff.js';
import {
  SKB_DROP_REASON_NOT_SPECIFIED, SKB_DROP_REASON_NO_SOCKET, SKB_DROP_REASON_PKT_TOO_SMALL,
  SKB_DROP_REASON_TCP_CSUM, SKB_DROP_REASON_OTHERHOST, SKB_DROP_REASON_TCP_MINTTL,
} from '../core/drop_reason.js';
import {
  TCP_MIB_INSEGS, TCP_MIB_INERRS, TCP_MIB_CSUMERRORS, TCP_MIB_OUTSEGS, TCP_MIB_OUTRSTS, LINUX_MIB_TCPMINTTLDROP,
  LINUX_MIB_OUTOFWINDOWICMPS, LINUX_MIB_LISTENOVERFLOWS, LINUX_MIB_LISTENDROPS, ICMP_MIB_INERRORS,
} from '../core/snmp.js';
import { skDstSet, skDstCheck, skErrorReport } from '../core/sock.js';
import { csumPartial, csumTcpudpMagic } from '../wire/checksum.js';
import { TcpHdr, TCP_HLEN, TCPHDR_RST, TCPHDR_ACK, TCPOPT_NOP, TCPOPT_TIMESTAMP, TCPOLEN_TIMESTAMP } from '../wire/tcphdr.js';
import { IPPROTO_TCP, IPH_SADDR, IPH_DADDR, IPH_TOS, IPH_TTL } from '../wire/iphdr.js';
import { readU32, writeU32 } from '../wire/bytes.js';
import { RTN_LOCAL, RTAX_ADVMSS } from '../wire/route.js';
import { EINVAL, EAFNOSUPPORT, ENETUNREACH, ENOENT, EPROTO, EHOSTUNREACH, EMSGSIZE } from '../socket/errno.js';
import type { Sockaddr } from '../socket/socket.js';
import { AF_INET, SOCK_RAW } from '../socket/socket.js';
import { ipv4Net } from './netns_ipv4.js';
import { InetSock, IP_PMTUDISC_DO, IP_PMTUDISC_DONT } from './inet_sock.js';
import { InetSkbParm } from './ip.js';
import { Flowi4, skbRtable, RTCF_MULTICAST, RTCF_BROADCAST } from './rtable.js';
import type { Rtable } from './rtable.js';
import { ipRouteConnect, ipRouteOutputPorts, ipv4SkUpdatePmtu } from './route_output.js';
import { ipBuildAndSendPkt, ipDontFragment } from './ip_output.js';
import { ipv4DefaultAdvmss } from './route.js';
import { icmpErrConvert } from './icmp.js';
import { ipIcmpError } from './ip_sockglue.js';
import { IPSTATS_MIB_OUTNOROUTES } from '../core/snmp.js';
import {
  TcpSock, RequestSock, TimeWaitSock, TcpSkbCb, TCP_SKB_CB, tcpMstampRefresh, tcpRtxQueueHead,
} from './tcp_sock.js';
import {
  TCP_ESTABLISHED, TCP_LISTEN, TCP_CLOSE, TCP_SYN_SENT, TCP_SYN_RECV,
  TCPF_LISTEN, TCPF_CLOSE, TCP_MSS_DEFAULT, TCP_TIMEOUT_INIT, ICSK_TIME_RETRANS, between, seqAdd,
} from './tcp_defs.js';
import {
  tcpNet, inetLookupEstablished, inetLookupListener, inetHashConnect, inetEhashNolisten, inetBindHash,
  type InetBindBucket,
} from './inet_hashtables.js';
import { secureTcpSeq, secureTcpTsOff } from './tcp_secure_seq.js';
import {
  tcpTimewaitStateProcess, inetTwskDeschedulePut, tcpCheckReq, tcpCreateOpenreqChild, tcpChildProcess,
  TCP_TW_SYN, TCP_TW_ACK, TCP_TW_RST, tcpTwTsval,
} from './tcp_minisocks.js';
import { inetCskReqskQueueDrop, skAcceptqIsFull, inetCskPrepareForcedClose } from './inet_connection_sock.js';
import { tcpRcvStateProcess, tcpConnRequest, tcpDoneWithError } from './tcp_input_state.js';
import { cookieV4Check } from './syncookies.js';
import { tcpRcvEstablished, tcpInitializeRcvMss } from './tcp_input.js';
import { tcpMakeSynack, tcpV4SendCheck, tcpConnect, tcpSyncMss, TCP_SYNACK_NORMAL } from './tcp_output.js';
import { tcpResetXmitTimer, tcpRetransmitTimer, tcpClearXmitTimers } from './tcp_timer.js';
import { tcpSimpleRetransmit } from './tcp_fastretrans.js';
import { tcpAssignCongestionControl, tcpSetCaState, tcpCleanupCongestionControl } from './tcp_cong.js';
import { tcpSetState, tcpDone, tcpWriteQueuePurge } from './tcp.js';
import { inetPutPort } from './inet_hashtables.js';
import { TCP_CA_Open } from './tcp_defs.js';

const INET_ECN_MASK = 3;
const ICMP_DEST_UNREACH = 3;
const ICMP_SOURCE_QUENCH = 4;
const ICMP_REDIRECT = 5;
const ICMP_TIME_EXCEEDED = 11;
const ICMP_PARAMETERPROB = 12;
const ICMP_NET_UNREACH = 0;
const ICMP_HOST_UNREACH = 1;
const ICMP_FRAG_NEEDED = 4;
const NR_ICMP_UNREACH = 15;
/** Linux: TCPOLEN_TSTAMP_ALIGNED. */
const TCPOLEN_TSTAMP_ALIGNED = 12;

/* ------------------------------------------------------------------ */
/* Per-namespace reply socket                                          */

/**
 * Linux: net->ipv4.tcp_sk (inet_ctl_sock_create(SOCK_RAW, IPPROTO_TCP) in tcp_sk_init,
 * pmtudisc IP_PMTUDISC_DO): the socket RSTs and ACKs without a full socket are sent from.
 */
function tcpCtlSk(net: Net): InetSock {
  const t = tcpNet(net);
  let sk = t.ctlSk as InetSock | null;
  if (sk === null) {
    sk = new InetSock(net, AF_INET, SOCK_RAW, IPPROTO_TCP);
    sk.pmtudisc = IP_PMTUDISC_DO;
    t.ctlSk = sk;
  }
  return sk;
}

/**
 * Linux: ip_send_unicast_reply() for TCP: route a reply to the sender of `skb` (source
 * and destination swapped), give it an IP header from the control socket and send it.
 * `th` points at `len` bytes of TCP header already written in `out` (checksum included).
 */
function ipSendUnicastReply(net: Net, ctl: InetSock, skb: SkBuff, out: SkBuff, oif: number, tos: number,
  mark: number): void {
  const b = skb.buf;
  const nh = skb.networkHeader;
  const daddr = readU32(b, nh + IPH_SADDR);
  const saddr = readU32(b, nh + IPH_DADDR);
  const th = skb.transportHeader;
  const sport = (b[th + 2]! << 8) | b[th + 3]!;
  const dport = (b[th]! << 8) | b[th + 1]!;
  ctl.mark = mark;
  ctl.boundDevIf = oif;
  const fl4 = new Flowi4();
  const rt = ipRouteOutputPorts(net, fl4, ctl, daddr, saddr, dport, sport, IPPROTO_TCP, tos, oif);
  if (typeof rt === 'number') {
    consumeSkb(out);
    return;
  }
  out.dst = rt;
  out.mark = mark;
  ipBuildAndSendPkt(out, ctl, saddr, daddr, null, tos & ~INET_ECN_MASK);
}

/** An skb with room for a bare TCP header (+ timestamps) and every lower header. */
function allocReplySkb(len: number): SkBuff {
  const skb = allocSkb(128 + len);
  skbReserve(skb, 128);
  skbPut(skb, len);
  skbResetTransportHeader(skb);
  return skb;
}

function writeReplyHeader(o: Uint8Array, p: number, sport: number, dport: number, seq: number, ack: number,
  doff: number, flags: number, win: number): void {
  o[p] = sport >>> 8; o[p + 1] = sport & 0xff;
  o[p + 2] = dport >>> 8; o[p + 3] = dport & 0xff;
  writeU32(o, p + 4, seq >>> 0);
  writeU32(o, p + 8, ack >>> 0);
  o[p + 12] = doff << 4;
  o[p + 13] = flags;
  o[p + 14] = (win >>> 8) & 0xff; o[p + 15] = win & 0xff;
  o[p + 16] = 0; o[p + 17] = 0; o[p + 18] = 0; o[p + 19] = 0;
}

function replyChecksum(out: SkBuff, saddr: number, daddr: number): void {
  const o = out.buf;
  const p = out.transportHeader;
  const len = out.tail - p;
  let c = csumTcpudpMagic(saddr, daddr, len, IPPROTO_TCP, csumPartial(o, p, len));
  if (c === 0) c = 0; // TCP keeps a zero checksum as is (unlike UDP).
  o[p + 16] = c >>> 8;
  o[p + 17] = c & 0xff;
  out.ipSummed = CHECKSUM_NONE;
}

/**
 * Linux: tcp_v4_send_reset(): answer `skb` with a RST (RFC 9293 §3.10.7.1: seq = the
 * segment's ACK, or ACK of everything it occupied when it had no ACK). Never a RST for a
 * RST; without a socket only for segments routed to this host.
 */
export function tcpV4SendReset(sk: TcpSock | TimeWaitSock | RequestSock | null, skb: SkBuff, _reason = 0): void {
  const b = skb.buf;
  const th = skb.transportHeader;
  const flags = b[th + 13]!;
  if (flags & TCPHDR_RST) return;
  if (sk === null) {
    const rt = skbRtable(skb);
    if (rt === null || rt.rtType !== RTN_LOCAL) return;
  }
  const net = sk instanceof RequestSock ? sk.listener.net : sk !== null ? sk.net : skb.dev!.net;
  const out = allocReplySkb(TCP_HLEN);
  const sport = (b[th + 2]! << 8) | b[th + 3]!;
  const dport = (b[th]! << 8) | b[th + 1]!;
  let seq = 0;
  let ack = 0;
  let oflags = TCPHDR_RST;
  if (flags & TCPHDR_ACK) {
    seq = readU32(b, th + 8);
  } else {
    oflags |= TCPHDR_ACK;
    const doff = (b[th + 12]! >> 4) * 4;
    ack = readU32(b, th + 4) + (flags & 2 ? 1 : 0) + (flags & 1 ? 1 : 0) + (skb.tail - th) - doff;
  }
  writeReplyHeader(out.buf, out.transportHeader, sport, dport, seq, ack, 5, oflags, 0);
  const nh = skb.networkHeader;
  replyChecksum(out, readU32(b, nh + IPH_DADDR), readU32(b, nh + IPH_SADDR));
  let oif = 0;
  let mark = 0;
  if (sk instanceof RequestSock) {
    oif = sk.listener.boundDevIf;
    mark = sk.mark;
  } else if (sk !== null) {
    oif = sk.boundDevIf;
    mark = sk.mark;
  }
  const mib = ipv4Net(net).mib.tcp;
  ipSendUnicastReply(net, tcpCtlSk(net), skb, out, oif, b[nh + IPH_TOS]!, mark);
  mib[TCP_MIB_OUTSEGS]++;
  mib[TCP_MIB_OUTRSTS]++;
}

/**
 * Linux: tcp_v4_send_ack(): a bare ACK (with a timestamp option when `tsecr` is not
 * zero) for a TIME_WAIT or request sock.
 */
export function tcpV4SendAck(net: Net, skb: SkBuff, seq: number, ack: number, win: number, tsval: number,
  tsecr: number, oif: number, tos = 0, mark = 0): void {
  const b = skb.buf;
  const th = skb.transportHeader;
  const len = tsecr ? TCP_HLEN + TCPOLEN_TSTAMP_ALIGNED : TCP_HLEN;
  const out = allocReplySkb(len);
  const o = out.buf;
  const p = out.transportHeader;
  const sport = (b[th + 2]! << 8) | b[th + 3]!;
  const dport = (b[th]! << 8) | b[th + 1]!;
  writeReplyHeader(o, p, sport, dport, seq, ack, len >> 2, TCPHDR_ACK, win);
  if (tsecr) {
    o[p + 20] = TCPOPT_NOP;
    o[p + 21] = TCPOPT_NOP;
    o[p + 22] = TCPOPT_TIMESTAMP;
    o[p + 23] = TCPOLEN_TIMESTAMP;
    writeU32(o, p + 24, tsval >>> 0);
    writeU32(o, p + 28, tsecr >>> 0);
  }
  const nh = skb.networkHeader;
  replyChecksum(out, readU32(b, nh + IPH_DADDR), readU32(b, nh + IPH_SADDR));
  ipSendUnicastReply(net, tcpCtlSk(net), skb, out, oif, tos, mark);
  ipv4Net(net).mib.tcp[TCP_MIB_OUTSEGS]++;
}

/** Linux: tcp_v4_timewait_ack(). */
function tcpV4TimewaitAck(tw: TimeWaitSock, skb: SkBuff): void {
  tcpV4SendAck(tw.net, skb, tw.sndNxt, tw.rcvNxt, tw.rcvWnd >>> tw.rcvWscale, tcpTwTsval(tw), tw.tsRecent,
    tw.boundDevIf, tw.tos, tw.mark);
}

/** Linux: tcp_synack_window(): the window of an ACK for a request sock. */
function tcpSynackWindow(req: RequestSock): number {
  return Math.min(req.rcvWnd, 65535 << req.rcvWscale);
}

/**
 * Linux: tcp_v4_reqsk_send_ack(): ACK a segment for a request sock (RFC 7323 §2.3: the
 * window of every non-SYN segment is scaled).
 */
export function tcpV4ReqskSendAck(sk: TcpSock, skb: SkBuff, req: RequestSock): void {
  const seq = sk.state === TCP_LISTEN ? seqAdd(req.sntIsn, 1) : sk.sndNxt;
  const tsval = req.tstampOk ? (Math.floor(sk.net.kernel.clock.now() / 1e6) + req.tsOff) >>> 0 : 0;
  const b = skb.buf;
  tcpV4SendAck(sk.net, skb, seq, req.rcvNxt, tcpSynackWindow(req) >>> req.rcvWscale, tsval, req.tsRecent, 0,
    b[skb.networkHeader + IPH_TOS]!, req.mark);
}

/* ------------------------------------------------------------------ */
/* SYN-ACK                                                             */

/** Linux: inet_csk_route_req(): the route of a SYN-ACK (out of the SYN's incoming device). */
export function inetCskRouteReq(sk: TcpSock, fl4: Flowi4, req: RequestSock): Rtable | null {
  const rt = ipRouteOutputPorts(sk.net, fl4, sk, req.rmtAddr, req.locAddr, req.rmtPort, req.num, IPPROTO_TCP,
    sk.tos, req.iif);
  if (typeof rt === 'number') {
    ipv4Net(sk.net).mib.ip[IPSTATS_MIB_OUTNOROUTES]++;
    return null;
  }
  return rt;
}

/** Linux: dst_metric_advmss(). */
export function dstMetricAdvmss(rt: Rtable): number {
  const m = rt.metrics[RTAX_ADVMSS]!;
  return m !== 0 ? m : ipv4DefaultAdvmss(rt);
}

/**
 * Linux: tcp_v4_send_synack(): build the SYN-ACK for `req` (OUTPUT's tcp_make_synack)
 * and send it with ip_build_and_send_pkt. 0 or -errno.
 */
export function tcpV4SendSynack(sk: TcpSock, req: RequestSock, dst: Rtable | null = null,
  synackType = TCP_SYNACK_NORMAL): number {
  if (dst === null) {
    dst = inetCskRouteReq(sk, new Flowi4(), req);
    if (dst === null) return -1;
  }
  const skb = tcpMakeSynack(sk, dst, req, synackType);
  if (skb === null) return -1;
  if (skb.dst === null) skb.dst = dst;
  tcpV4SendCheck(skb, req.locAddr, req.rmtAddr);
  const tos = sk.tos;
  const err = ipBuildAndSendPkt(skb, sk, req.locAddr, req.rmtAddr, null, tos);
  return err > 0 ? 0 : err;
}

/* ------------------------------------------------------------------ */
/* Receive                                                             */

/** Linux: tcp_v4_fill_cb(): TCP takes skb.cb over, keeping the IP control block. */
function tcpV4FillCb(skb: SkBuff, th: TcpHdr): TcpSkbCb {
  let cb = skb.cb;
  let tcb: TcpSkbCb;
  if (cb instanceof TcpSkbCb) {
    tcb = cb;
  } else {
    tcb = new TcpSkbCb();
    // Linux copies the IP control block; here it is kept by reference when IP made one (none is allocated).
    tcb.header = cb instanceof InetSkbParm ? cb : null;
    skb.cb = tcb;
    cb = tcb;
  }
  const flags = th.flags;
  const seq = th.seq;
  tcb.seq = seq;
  tcb.endSeq = (seq + ((flags >>> 1) & 1) + (flags & 1) + skb.len - th.doff * 4) >>> 0;
  tcb.ackSeq = th.ackSeq;
  tcb.tcpFlags = flags;
  tcb.sacked = 0;
  return tcb;
}

/** Linux: tcp_checksum_complete() on a freshly received segment: true when it is bad. */
function tcpChecksumBad(skb: SkBuff): boolean {
  if (skb.ipSummed === CHECKSUM_UNNECESSARY || skb.ipSummed === CHECKSUM_PARTIAL) return false;
  const b = skb.buf;
  const nh = skb.networkHeader;
  const len = skb.len;
  const sum = csumTcpudpMagic(readU32(b, nh + IPH_SADDR), readU32(b, nh + IPH_DADDR), len, IPPROTO_TCP,
    csumPartial(b, skb.data, len));
  if (sum !== 0) return true;
  skb.ipSummed = CHECKSUM_UNNECESSARY;
  return false;
}

function tcpInErr(net: Net, skb: SkBuff, csum: boolean): number {
  const mib = ipv4Net(net).mib.tcp;
  if (csum) mib[TCP_MIB_CSUMERRORS]++;
  mib[TCP_MIB_INERRS]++;
  kfreeSkbReason(skb, csum ? SKB_DROP_REASON_TCP_CSUM : SKB_DROP_REASON_PKT_TOO_SMALL);
  return 0;
}

/** Linux: inet_iif(). */
function inetIif(skb: SkBuff): number {
  const rt = skbRtable(skb);
  if (rt !== null && rt.rtIif) return rt.rtIif;
  return skb.skbIif || (skb.dev !== null ? skb.dev.ifindex : 0);
}

/**
 * Linux: tcp_v4_rcv(): the IPPROTO_TCP handler. `skb.data` is the TCP header. Consumes
 * the skb; returns 0.
 */
export function tcpV4Rcv(skb: SkBuff): number {
  const net = skb.dev!.net;
  const mib = ipv4Net(net).mib.tcp;
  if (skb.pktType !== PACKET_HOST) {
    kfreeSkbReason(skb, SKB_DROP_REASON_OTHERHOST);
    return 0;
  }
  mib[TCP_MIB_INSEGS]++;
  if (!pskbMayPull(skb, TCP_HLEN)) {
    kfreeSkbReason(skb, SKB_DROP_REASON_PKT_TOO_SMALL);
    return 0;
  }
  const t = tcpNet(net);
  const th = t.rxTh.at(skb.buf, skb.data);
  const doff = th.doff;
  if (doff < 5) return tcpInErr(net, skb, false);
  if (!pskbMayPull(skb, doff * 4)) {
    kfreeSkbReason(skb, SKB_DROP_REASON_PKT_TOO_SMALL);
    return 0;
  }
  skb.transportHeader = skb.data;
  if (tcpChecksumBad(skb)) return tcpInErr(net, skb, true);
  const b = skb.buf;
  const nh = skb.networkHeader;
  const saddr = readU32(b, nh + IPH_SADDR);
  const daddr = readU32(b, nh + IPH_DADDR);
  const sport = th.source;
  const dport = th.dest;
  const dif = inetIif(skb);
  let sk: TcpSock | null = null;
  for (let loops = 0; loops < 4; loops++) { // lookup:
    const o = inetLookupEstablished(net, saddr, sport, daddr, dport, dif);
    if (o === null) {
      sk = inetLookupListener(net, skb, saddr, sport, daddr, dport, dif);
      break;
    }
    if (o instanceof TcpSock) {
      sk = o;
      break;
    }
    if (o instanceof TimeWaitSock) {
      const l = tcpV4DoTimeWait(o, skb, th, saddr, sport, daddr, dport, dif);
      if (l === null) return 0;
      sk = l;
      break;
    }
    // TCP_NEW_SYN_RECV
    const req = o;
    const listener = req.listener;
    if (listener.state !== TCP_LISTEN) {
      inetCskReqskQueueDrop(listener, req);
      continue; // goto lookup
    }
    tcpV4FillCb(skb, th);
    const nsk = tcpCheckReq(listener, skb, req);
    if (nsk === null) {
      // (Linux's req_stolen case, another CPU making the child, cannot happen here.)
      kfreeSkbReason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
      return 0;
    }
    if (nsk === listener) {
      sk = listener;
      break;
    }
    const reason = tcpChildProcess(listener, nsk, skb);
    if (reason) {
      tcpV4SendReset(nsk, skb);
      kfreeSkbReason(skb, reason);
    }
    return 0;
  }
  if (sk === null) {
    // no_tcp_socket:
    tcpV4FillCb(skb, th);
    tcpV4SendReset(null, skb);
    kfreeSkbReason(skb, SKB_DROP_REASON_NO_SOCKET);
    return 0;
  }
  return tcpV4RcvProcess(sk, skb, th);
}

/** The `process:` part of tcp_v4_rcv once a full socket (or listener) is found. */
function tcpV4RcvProcess(sk: TcpSock, skb: SkBuff, th: TcpHdr): number {
  const b = skb.buf;
  if (sk.minTtl && b[skb.networkHeader + IPH_TTL]! < sk.minTtl) {
    ipv4Net(sk.net).mib.net[LINUX_MIB_TCPMINTTLDROP]++;
    sk.drops++;
    kfreeSkbReason(skb, SKB_DROP_REASON_TCP_MINTTL);
    return 0;
  }
  tcpV4FillCb(skb, th);
  if (sk.state !== TCP_LISTEN) {
    // Linux: tcp_segs_in(): a GRO/GSO packet counts its segments.
    const segsIn = skb.gsoSegs > 1 ? skb.gsoSegs : 1;
    sk.segsIn += segsIn;
    if (skb.len > th.doff * 4) sk.dataSegsIn += segsIn;
  }
  return tcpV4DoRcv(sk, skb);
}

/** The `do_time_wait:` part of tcp_v4_rcv. Returns a listener to process a reusing SYN with, or null. */
function tcpV4DoTimeWait(tw: TimeWaitSock, skb: SkBuff, th: TcpHdr, saddr: number, sport: number, daddr: number,
  dport: number, dif: number): TcpSock | null {
  const tcb = tcpV4FillCb(skb, th);
  const status = tcpTimewaitStateProcess(tw, skb, th);
  switch (status) {
    case TCP_TW_SYN: {
      const sk2 = inetLookupListener(tw.net, skb, saddr, sport, daddr, dport, dif);
      if (sk2 !== null) {
        inetTwskDeschedulePut(tw);
        return sk2;
      }
      tcb.twIsn = 0;
      tcpV4TimewaitAck(tw, skb);
      break;
    }
    case TCP_TW_ACK:
      tcpV4TimewaitAck(tw, skb);
      break;
    case TCP_TW_RST:
      tcpV4SendReset(tw, skb);
      inetTwskDeschedulePut(tw);
      break;
    default:
      break;
  }
  kfreeSkbReason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
  return null;
}

/** Linux: tcp_v4_cookie_check(): a non-SYN segment at a listener may complete a SYN-cookie handshake. */
function tcpV4CookieCheck(sk: TcpSock, skb: SkBuff): TcpSock | null {
  if (!(TCP_SKB_CB(skb).tcpFlags & 2)) return cookieV4Check(sk, skb);
  return sk;
}

/**
 * Linux: tcp_v4_do_rcv(): established fast path, or the state machine; a non-zero reason
 * from it is answered with a RST and the segment dropped.
 */
export function tcpV4DoRcv(sk: TcpSock, skb: SkBuff): number {
  if (sk.state === TCP_ESTABLISHED) {
    tcpRcvEstablished(sk, skb);
    return 0;
  }
  let rsk = sk;
  let reason = 0;
  if (sk.state === TCP_LISTEN) {
    const nsk = tcpV4CookieCheck(sk, skb);
    if (nsk === null) {
      kfreeSkbReason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
      return 0;
    }
    if (nsk !== sk) {
      reason = tcpChildProcess(sk, nsk, skb);
      if (reason) rsk = nsk;
      else return 0;
    }
  }
  if (!reason) {
    reason = tcpRcvStateProcess(sk, skb);
    if (!reason) return 0;
  }
  tcpV4SendReset(rsk, skb);
  kfreeSkbReason(skb, reason);
  return 0;
}

/* ------------------------------------------------------------------ */
/* ICMP errors                                                         */

/** Linux: tcp_req_err(). */
function tcpReqErr(req: RequestSock, seq: number, abort: boolean): void {
  const net = req.listener.net;
  if (seq !== req.sntIsn) {
    ipv4Net(net).mib.net[LINUX_MIB_OUTOFWINDOWICMPS]++;
  } else if (abort) {
    // Still in SYN_RECV: remove it silently (POSIX wants no network errors from accept()).
    inetCskReqskQueueDrop(req.listener, req);
    ipv4Net(net).mib.net[LINUX_MIB_LISTENDROPS]++;
  }
}

/** Linux: tcp_ld_RTO_revert() (RFC 6069): an unreachable for snd_una undoes one RTO backoff. */
export function tcpLdRtoRevert(sk: TcpSock, seq: number): void {
  if (seq !== sk.sndUna || !sk.icskRetransmits || !sk.icskBackoff) return;
  const skb = tcpRtxQueueHead(sk);
  if (skb === null) return;
  sk.icskBackoff--;
  sk.icskRto = sk.srttUs ? Math.ceil(((sk.srttUs >>> 3) + sk.rttvarUs) / 1000) : TCP_TIMEOUT_INIT;
  sk.icskRto = Math.min(sk.icskRto * 2 ** sk.icskBackoff, sk.icskRtoMax);
  tcpMstampRefresh(sk);
  const deltaUs = sk.tcpMstamp - TCP_SKB_CB(skb).txMstamp;
  const remaining = sk.icskRto - Math.ceil(deltaUs / 1000);
  if (remaining > 0) tcpResetXmitTimer(sk, ICSK_TIME_RETRANS, remaining);
  else tcpRetransmitTimer(sk); // RTO revert clocked out the retransmission
}

/**
 * Linux: tcp_v4_err(): an ICMP error quoting a segment we sent (`skb.data` is the
 * quoted IP header, the ICMP header at skb.transportHeader).
 */
export function tcpV4Err(skb: SkBuff, info: number): number {
  const b = skb.buf;
  const iph = skb.data;
  const ihl = (b[iph]! & 0xf) << 2;
  const th = iph + ihl;
  const net = skb.dev!.net;
  const qsaddr = readU32(b, iph + IPH_SADDR);
  const qdaddr = readU32(b, iph + IPH_DADDR);
  const source = (b[th]! << 8) | b[th + 1]!;
  const dest = (b[th + 2]! << 8) | b[th + 3]!;
  const type = b[skb.transportHeader]!;
  const code = b[skb.transportHeader + 1]!;
  const o = inetLookupEstablished(net, qdaddr, dest, qsaddr, source, inetIif(skb));
  if (o === null) {
    ipv4Net(net).mib.icmp[ICMP_MIB_INERRORS]++;
    return -ENOENT;
  }
  if (o instanceof TimeWaitSock) return 0;
  const seq = readU32(b, th + 4);
  if (o instanceof RequestSock) {
    tcpReqErr(o, seq, type === ICMP_PARAMETERPROB ||
      (type === ICMP_DEST_UNREACH && (code === ICMP_NET_UNREACH || code === ICMP_HOST_UNREACH)));
    return 0;
  }
  const sk = o;
  if (sk.state === TCP_CLOSE) return 0;
  if (sk.minTtl && b[iph + IPH_TTL]! < sk.minTtl) {
    ipv4Net(net).mib.net[LINUX_MIB_TCPMINTTLDROP]++;
    return 0;
  }
  if (sk.state !== TCP_LISTEN && !between(seq, sk.sndUna, sk.sndNxt)) {
    ipv4Net(net).mib.net[LINUX_MIB_OUTOFWINDOWICMPS]++;
    return 0;
  }
  let err: number;
  switch (type) {
    case ICMP_REDIRECT:
    case ICMP_SOURCE_QUENCH:
      return 0;
    case ICMP_PARAMETERPROB:
      err = EPROTO;
      break;
    case ICMP_DEST_UNREACH:
      if (code > NR_ICMP_UNREACH) return 0;
      if (code === ICMP_FRAG_NEEDED) { // PMTU discovery (RFC 1191)
        if (sk.state === TCP_LISTEN) return 0;
        sk.mtuInfo = info;
        ipv4SkUpdatePmtu(skb, sk, info);
        tcpV4MtuReduced(sk);
        return 0;
      }
      err = icmpErrConvert[code]!.errno;
      // RFC 6069: may this message revert the backoff?
      if (code === ICMP_NET_UNREACH || code === ICMP_HOST_UNREACH) tcpLdRtoRevert(sk, seq);
      break;
    case ICMP_TIME_EXCEEDED:
      err = EHOSTUNREACH;
      break;
    default:
      return 0;
  }
  if (sk.state === TCP_SYN_SENT || sk.state === TCP_SYN_RECV) {
    ipIcmpError(sk, skb, err, dest, info, th);
    tcpDoneWithError(sk, err);
    return 0;
  }
  // RFC 1122 4.2.3.9: once connected, only a soft error unless IP_RECVERR asks for it.
  if (sk.recverr) {
    sk.err = err;
    skErrorReport(sk);
  } else {
    sk.errSoft = err;
  }
  return 0;
}

/** Linux: tcp_v4_mtu_reduced(): the path MTU shrank; resync the MSS and resend. */
export function tcpV4MtuReduced(sk: TcpSock): void {
  if ((1 << sk.state) & (TCPF_LISTEN | TCPF_CLOSE)) return;
  let mtu = sk.mtuInfo;
  let dst = skDstCheck(sk) as Rtable | null;
  if (dst === null) {
    const fl4 = new Flowi4();
    const rt = ipRouteOutputPorts(sk.net, fl4, sk, sk.inetDaddr, sk.inetSaddr, sk.inetDport, sk.inetSport,
      IPPROTO_TCP, sk.tos, sk.boundDevIf);
    if (typeof rt === 'number') return;
    skDstSet(sk, rt);
    dst = rt;
  }
  if (mtu < dst.mtu() && ipDontFragment(sk, dst)) sk.errSoft = EMSGSIZE;
  mtu = dst.mtu();
  if (sk.pmtudisc !== IP_PMTUDISC_DONT && sk.icskPmtuCookie > mtu) {
    tcpSyncMss(sk, mtu);
    // Resend: the old packet has clearly been dropped ("fast" path MTU discovery).
    tcpSimpleRetransmit(sk);
  }
}

/* ------------------------------------------------------------------ */
/* connect, child sockets, destroy                                     */

/**
 * Linux: tcp_v4_connect(): route, pick the source address and port (inet_hash_connect),
 * choose the ISN and timestamp offset (RFC 6528), send the SYN (tcp_connect). 0 or -errno.
 */
export function tcpV4Connect(sk: TcpSock, addr: Sockaddr): number {
  if (addr.family !== AF_INET) return -EAFNOSUPPORT;
  if (!('port' in addr) || typeof addr.addr !== 'number') return -EINVAL;
  const net = sk.net;
  let daddr = addr.addr >>> 0;
  let nexthop = daddr;
  const inetOpt = sk.inetOpt;
  if (inetOpt !== null && inetOpt.srr) {
    if (!daddr) return -EINVAL;
    nexthop = inetOpt.faddr;
  }
  const origSport = sk.inetSport;
  const origDport = addr.port;
  const fl4 = new Flowi4();
  const rt = ipRouteConnect(fl4, nexthop, sk.inetSaddr, sk.boundDevIf, IPPROTO_TCP, origSport, origDport, sk);
  if (typeof rt === 'number') {
    if (rt === -ENETUNREACH) ipv4Net(net).mib.ip[IPSTATS_MIB_OUTNOROUTES]++;
    return rt;
  }
  if (rt.rtFlags & (RTCF_MULTICAST | RTCF_BROADCAST)) return -ENETUNREACH;
  if (inetOpt === null || !inetOpt.srr) daddr = fl4.daddr;
  if (!sk.inetSaddr) sk.inetSaddr = fl4.saddr;
  sk.inetRcvSaddr = sk.inetSaddr;
  if (sk.rxOpt.tsRecentStamp && sk.inetDaddr !== daddr) {
    // Reset inherited state.
    sk.rxOpt.tsRecent = 0;
    sk.rxOpt.tsRecentStamp = 0;
    if (!sk.repair) sk.writeSeq = 0;
  }
  sk.inetDport = addr.port;
  sk.inetDaddr = daddr;
  sk.icskExtHdrLen = inetOpt !== null ? inetOpt.optlen : 0;
  sk.rxOpt.mssClamp = TCP_MSS_DEFAULT;
  // Socket identity is still unknown (sport may be zero); SYN-SENT before the port search.
  tcpSetState(sk, TCP_SYN_SENT);
  let err = inetHashConnect(sk);
  if (err) return tcpV4ConnectFailure(sk, err);
  sk.txhash = net.kernel.rng.u32() || 1;
  // ip_route_newports(): the source port is now known.
  let rt2: Rtable = rt;
  if (origSport !== sk.inetSport || origDport !== sk.inetDport) {
    const r = ipRouteOutputPorts(net, fl4, sk, daddr, sk.inetSaddr, sk.inetDport, sk.inetSport, IPPROTO_TCP,
      sk.tos, sk.boundDevIf);
    if (typeof r === 'number') return tcpV4ConnectFailure(sk, r);
    rt2 = r;
  }
  skDstSet(sk, rt2); // sk_setup_caps()
  sk.corkFl4 = fl4;
  if (!sk.repair) {
    if (!sk.writeSeq) sk.writeSeq = secureTcpSeq(net.kernel, sk.inetSaddr, sk.inetDaddr, sk.inetSport, sk.inetDport);
    sk.tsoffset = ipv4Net(net).sysctl.tcpTimestamps === 1
      ? secureTcpTsOff(net.kernel, sk.inetSaddr, sk.inetDaddr, sk.inetSport, sk.inetDport) : 0;
  }
  sk.inetId = net.kernel.rng.u32() & 0xffff;
  err = tcpConnect(sk);
  if (err) return tcpV4ConnectFailure(sk, err);
  return 0;
}

function tcpV4ConnectFailure(sk: TcpSock, err: number): number {
  // This unhashes the socket and releases the local port, if necessary.
  tcpSetState(sk, TCP_CLOSE);
  if (!(sk.userlocks & 4 /* SOCK_BINDADDR_LOCK */)) {
    sk.inetSaddr = 0;
    sk.inetRcvSaddr = 0;
  }
  skDstSet(sk, null);
  sk.inetDport = 0;
  return err;
}

/** Linux: __inet_inherit_port(): the child takes the listener's port (same bind bucket). */
function inetInheritPort(listener: TcpSock, child: TcpSock): number {
  const tb = listener.icskBindHash as InetBindBucket | null;
  if (tb === null) return -1;
  inetBindHash(child, tb, listener.inetNum);
  return 0;
}

/**
 * Linux: tcp_v4_syn_recv_sock(): the child socket of a completed handshake (or a valid
 * SYN cookie): accept queue check, clone, route, MSS, port, and the switch from the
 * request sock to the child in ehash. Null when it cannot be made (ListenOverflows /
 * ListenDrops counted).
 */
export function tcpV4SynRecvSock(sk: TcpSock, skb: SkBuff, req: RequestSock, dst: Rtable | null = null,
  reqUnhash: RequestSock | null = req): TcpSock | null {
  const net = sk.net;
  const mibNet = ipv4Net(net).mib.net;
  if (skAcceptqIsFull(sk)) {
    mibNet[LINUX_MIB_LISTENOVERFLOWS]++;
    mibNet[LINUX_MIB_LISTENDROPS]++;
    return null;
  }
  const newsk = tcpCreateOpenreqChild(sk, req, skb);
  newsk.inetDaddr = req.rmtAddr;
  newsk.inetRcvSaddr = req.locAddr;
  newsk.inetSaddr = req.locAddr;
  newsk.inetOpt = null;
  const b = skb.buf;
  const nh = skb.networkHeader;
  newsk.mcIndex = inetIif(skb);
  newsk.mcTtl = b[nh + IPH_TTL]!;
  newsk.icskExtHdrLen = 0;
  newsk.inetId = net.kernel.rng.u32() & 0xffff;
  if (ipv4Net(net).sysctl.tcpReflectTos) newsk.tos = req.tos & ~INET_ECN_MASK;
  if (dst === null) {
    // Linux: inet_csk_route_child_sock().
    const fl4 = new Flowi4();
    const rt = ipRouteOutputPorts(net, fl4, newsk, req.rmtAddr, req.locAddr, req.rmtPort, req.num, IPPROTO_TCP,
      newsk.tos, req.iif);
    if (typeof rt === 'number') {
      ipv4Net(net).mib.ip[IPSTATS_MIB_OUTNOROUTES]++;
      return synRecvPutAndExit(sk, newsk);
    }
    dst = rt;
    newsk.corkFl4 = fl4;
  }
  skDstSet(newsk, dst); // sk_setup_caps()
  // Linux: tcp_ca_openreq_child(): the listener's setsockopt choice, else the default.
  if (!newsk.icskCaSetsockopt) tcpAssignCongestionControl(newsk);
  tcpSetCaState(newsk, TCP_CA_Open);
  tcpSyncMss(newsk, dst.mtu());
  const advmss = dstMetricAdvmss(dst);
  const userMss = sk.rxOpt.userMss;
  newsk.advmss = userMss && userMss < advmss ? userMss : advmss;
  tcpInitializeRcvMss(newsk);
  if (inetInheritPort(sk, newsk) < 0) return synRecvPutAndExit(sk, newsk);
  const own = inetEhashNolisten(newsk, reqUnhash);
  if (!own && reqUnhash === null) {
    // Only in the syncookie case: a duplicate of an existing connection.
    newsk.skHashed = false;
    inetPutPort(newsk);
    return null;
  }
  newsk.synRecvOwnReq = own;
  return newsk;
}

function synRecvPutAndExit(sk: TcpSock, newsk: TcpSock): null {
  inetCskPrepareForcedClose(newsk);
  tcpDone(newsk);
  ipv4Net(sk.net).mib.net[LINUX_MIB_LISTENDROPS]++;
  return null;
}

/** Linux: tcp_v4_conn_request(): never answer SYNs sent to broadcast or multicast. */
export function tcpV4ConnRequest(sk: TcpSock, skb: SkBuff): number {
  const rt = skbRtable(skb);
  if (rt !== null && (rt.rtFlags & (RTCF_BROADCAST | RTCF_MULTICAST))) {
    ipv4Net(sk.net).mib.net[LINUX_MIB_LISTENDROPS]++;
    return 0;
  }
  return tcpConnRequest(sk, skb);
}

/** Linux: tcp_v4_destroy_sock() (proto->destroy). */
export function tcpV4Destroy(sk: TcpSock): void {
  tcpClearXmitTimers(sk);
  tcpCleanupCongestionControl(sk);
  tcpWriteQueuePurge(sk);
  sk.outOfOrderQueue.purge(consumeSkb);
  if (sk.icskBindHash !== null) inetPutPort(sk);
}

