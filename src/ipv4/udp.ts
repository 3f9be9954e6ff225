/**
 * UDP over IPv4 (Linux: net/ipv4/udp.c; RFC 768, RFC 1122 4.1): the socket's
 * sendmsg/recvmsg, the receive path from ip_local_deliver (udp_rcv), ICMP errors
 * for UDP sockets (udp_err), and the `struct proto` AF_INET sockets of type
 * SOCK_DGRAM get. The socket table (ports, lookup, SO_REUSEPORT) is udp_hash.ts.
 *
 * Receive (udp_rcv): the length is checked against the IP payload and the skb
 * trimmed to it (padding); a datagram for a broadcast or multicast route goes to
 * every matching socket (clones), else to the best-scoring socket; with none, the
 * checksum is verified and ICMP port unreachable is sent (never for broadcast or
 * multicast: RFC 1122 4.1.3.1) and NoPorts counted. A socket's receive queue takes a
 * datagram while its charged memory (truesize) is within SO_RCVBUF, else the
 * datagram is dropped (RcvbufErrors + InErrors, sk_drops). As in Linux, the checksum
 * of a queued datagram is verified when it is read (recvmsg/FIONREAD/poll): a bad
 * one is then dropped and counted (InCsumErrors + InErrors), and InDatagrams counts
 * datagrams handed to the application, at recvmsg. A zero checksum means "none"
 * and is accepted (RFC 768).
 *
 * Send (udp_sendmsg): route (the cached route of a connected socket, else a lookup
 * per datagram), SO_BROADCAST check (EACCES), ip_make_skb, the UDP header and
 * checksum (0 sent as 0xffff; SO_NO_CHECK sends 0), ip_send_skb; OutDatagrams and
 * SndbufErrors as Linux counts them. UDP_CORK/MSG_MORE append to a pending datagram
 * sent when the cork is released.
 *
 * Differences from Linux: no UDP-Lite, GSO/GRO segmentation (UDP_SEGMENT and
 * UDP_GRO are accepted and reported by getsockopt but datagrams are never split or
 * merged), encapsulation sockets, early demux, BPF or udp_mem pressure (MemErrors
 * stays 0); sk_incoming_cpu does not add to the lookup score (one CPU).
 */
import type { Kernel } from '../core/net_namespace.js';
import {
  type SkBuff, kfreeSkbReason, consumeSkb, skbClone, CHECKSUM_UNNECESSARY, CHECKSUM_NONE, skbCopyBits, skbCloned,
} from '../core/skbuff.js';
import {
  SKB_DROP_REASON_NO_SOCKET, SKB_DROP_REASON_PKT_TOO_SMALL, SKB_DROP_REASON_UDP_CSUM, SKB_DROP_REASON_SOCKET_RCVBUFF,
  SKB_DROP_REASON_NOT_SPECIFIED,
} from '../core/drop_reason.js';
import {
  sockFlag, skbSetOwnerR, skDataReady, skErrorReport, skDstCheck, skDstSet, skDstReset, sockError, SOCK_DEAD,
  SOCK_BROADCAST, RCV_SHUTDOWN, SOCK_RCVTSTAMP, SOCK_RXQ_OVFL,
} from '../core/sock.js';
import { sockRecvTsAndDrops, SOCK_LOCALROUTE, SOCK_NO_CHECK_TX } from '../core/sock_opt.js';
import {
  UDP_MIB_INDATAGRAMS, UDP_MIB_NOPORTS, UDP_MIB_INERRORS, UDP_MIB_OUTDATAGRAMS, UDP_MIB_RCVBUFERRORS,
  UDP_MIB_SNDBUFERRORS, UDP_MIB_CSUMERRORS, UDP_MIB_IGNOREDMULTI, ICMP_MIB_INERRORS, IPSTATS_MIB_OUTNOROUTES,
} from '../core/snmp.js';
import {
  type Sockaddr, type SockaddrIn, type RecvResult, type Cmsg, AF_INET, AF_UNSPEC, SOCK_DGRAM, MSG_OOB, MSG_PEEK,
  MSG_TRUNC, MSG_ERRQUEUE, MSG_DONTWAIT, MSG_DONTROUTE, MSG_MORE,
} from '../socket/socket.js';
import {
  EMSGSIZE, EOPNOTSUPP, EAFNOSUPPORT, EINVAL, EDESTADDRREQ, EACCES, ENOBUFS, ENETUNREACH, EAGAIN, ENOPROTOOPT,
  EHOSTUNREACH, EPROTO, ENOENT,
} from '../socket/errno.js';
import { csumPartial, csumTcpudpMagic, udpCsumMangle } from '../wire/checksum.js';
import { IPPROTO_UDP, readU32 } from '../wire/iphdr.js';
import { UDP_HLEN } from '../wire/udphdr.js';
import {
  ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, ICMP_TIME_EXCEEDED, ICMP_SOURCE_QUENCH, ICMP_PARAMETERPROB,
  ICMP_FRAG_NEEDED, ICMP_REDIRECT, NR_ICMP_UNREACH,
} from '../wire/icmphdr.js';
import { RT_SCOPE_UNIVERSE } from '../wire/route.js';
import { type InetSock, IP_PMTUDISC_DONT } from './inet_sock.js';
import { IPCB, InetSkbParm, IpcmCookie } from './ip.js';
import { Flowi4, RTCF_BROADCAST, RTCF_MULTICAST, type Rtable } from './rtable.js';
import { ipv4Net } from './netns_ipv4.js';
import { ipv4IsMulticast, ipv4IsLbcast } from './inetdevice.js';
import { inetAddProtocol, type NetProtocol } from './protocol.js';
import {
  type Proto, inetRegisterProtosw, inetDgramOps, skCommonRelease, TCP_CLOSE, TCP_ESTABLISHED, INET_PROTOSW_PERMANENT,
  SOCK_BINDADDR_LOCK, SOCK_BINDPORT_LOCK, SIOCINQ, SIOCOUTQ, ENOIOCTLCMD,
} from './af_inet.js';
import {
  ipCmsgRecvOffset, ipCmsgSend, ipcmInitSk, ipRecvError, ipIcmpError, ipSetsockopt, ipGetsockopt, ipv4PktinfoPrepare,
  ipMcDropSocket, type InetMcState,
} from './ip_sockglue.js';
import { ip4DatagramConnect, inetSkFlowiFlags } from './datagram.js';
import {
  UdpSock, udpV4GetPort, udpLibUnhash, udpV4Rehash, udp4LibLookup, udpTableIfAny, udpHashfn,
} from './udp_hash.js';
import { icmpSend, icmpErrConvert } from './icmp.js';
import { ipMakeSkb, ipSendSkb } from './ip_output.js';
import { ipRouteOutputFlow, ipv4SkUpdatePmtu, ipv4SkRedirect } from './route_output.js';

export { UdpSock } from './udp_hash.js';

/* include/uapi/linux/udp.h */
export const SOL_UDP = 17;
export const UDP_CORK = 1;
export const UDP_ENCAP = 100;
export const UDP_NO_CHECK6_TX = 101;
export const UDP_NO_CHECK6_RX = 102;
export const UDP_SEGMENT = 103;
export const UDP_GRO = 104;
export const UDP_ENCAP_ESPINUDP_NON_IKE = 1;
export const UDP_ENCAP_ESPINUDP = 2;
export const UDP_ENCAP_L2TPINUDP = 3;

/** Linux: RTO_ONLINK (include/net/route.h): route only on-link. */
const RTO_ONLINK = 0x01;
const IPTOS_TOS_MASK = 0x1e;
const IPH_SADDR_OFF = 12;
const IPH_DADDR_OFF = 16;
const NO_CMSGS: Cmsg[] = Object.freeze([]) as unknown as Cmsg[];

function udpSk(sk: InetSock): UdpSock {
  return sk as UdpSock;
}

function udpMib(sk: InetSock): Float64Array {
  return ipv4Net(sk.net).mib.udp;
}

/* ------------------------------------------------------------------ */
/* Receive                                                             */

/** Linux: udp_lib_checksum_complete() on a queued datagram (data = payload, transport header = UDP header). */
function udpChecksumBad(skb: SkBuff): boolean {
  if (skb.ipSummed === CHECKSUM_UNNECESSARY) return false;
  const b = skb.buf;
  const th = skb.transportHeader;
  if (b[th + 6] === 0 && b[th + 7] === 0) return false;
  const len = skb.tail - th;
  const nh = skb.networkHeader;
  const sum = csumTcpudpMagic(readU32(b, nh + IPH_SADDR_OFF), readU32(b, nh + IPH_DADDR_OFF), len, IPPROTO_UDP,
    csumPartial(b, th, len));
  if (sum !== 0) return true;
  skb.ipSummed = CHECKSUM_UNNECESSARY; // Linux: udp_skb_csum_unnecessary_set()
  return false;
}

/**
 * Linux: __udp_enqueue_schedule_skb(): charge the datagram to the socket and queue
 * it. Refused (-ENOMEM) when the memory already charged is above SO_RCVBUF (one
 * datagram is always let in), counting sk_drops.
 */
function udpEnqueueScheduleSkb(sk: UdpSock, skb: SkBuff): number {
  if (sk.rmemAlloc > sk.rcvbuf) {
    sk.drops++;
    return -12;
  }
  const size = skb.truesize;
  if (sk.rmemAlloc + size > size + sk.rcvbuf) {
    sk.drops++;
    return -12;
  }
  skbSetOwnerR(skb, sk);
  sk.receiveQueue.enqueueTail(skb);
  if (!sockFlag(sk, SOCK_DEAD)) skDataReady(sk);
  return 0;
}

/** Linux: udp_queue_rcv_one_skb() + __udp_queue_rcv_skb(). Consumes the skb. */
function udpQueueRcvSkb(sk: UdpSock, skb: SkBuff): number {
  skb.nfct = null; // nf_reset_ct()
  // udp_csum_pull_header(): the queue holds the payload; the header stays at transportHeader.
  skb.data = skb.transportHeader + UDP_HLEN;
  ipv4PktinfoPrepare(sk, skb);
  const rc = udpEnqueueScheduleSkb(sk, skb);
  if (rc < 0) {
    const mib = udpMib(sk);
    // Linux: "an ENOMEM error is charged twice".
    mib[UDP_MIB_RCVBUFERRORS]++;
    mib[UDP_MIB_INERRORS]++;
    kfreeSkbReason(skb, SKB_DROP_REASON_SOCKET_RCVBUFF);
    return -1;
  }
  return 0;
}

/** A clone's own copy of the IPv4 control block (Linux copies skb->cb with the header). */
function ipcbCopy(to: SkBuff, from: SkBuff): void {
  const src = IPCB(from);
  const cb = new InetSkbParm();
  cb.iif = src.iif;
  cb.flags = src.flags;
  cb.fragMaxSize = src.fragMaxSize;
  cb.opt.optlen = src.opt.optlen;
  to.cb = cb;
}

/** Linux: ip_mc_sf_allow(): multicast source filter (no per-source filters: membership or mc_all). */
function ipMcSfAllow(sk: UdpSock, locAddr: number, dif: number): boolean {
  if (!ipv4IsMulticast(locAddr)) return true;
  const mc = sk.mcState as InetMcState | null;
  if (!mc) return true; // mc_all defaults to 1
  for (const m of mc.list) if (m.multiaddr === locAddr && m.ifindex === dif) return true;
  return mc.all;
}

/** Linux: __udp_is_mcast_sock(). */
function udpIsMcastSock(sk: UdpSock, locAddr: number, rmtPort: number, rmtAddr: number, dif: number, hnum: number): boolean {
  if (sk.udpPortHash !== hnum) return false;
  if (sk.inetDaddr && sk.inetDaddr !== rmtAddr) return false;
  if (sk.inetDport !== rmtPort && sk.inetDport) return false;
  if (sk.inetRcvSaddr && sk.inetRcvSaddr !== locAddr) return false;
  if (sk.boundDevIf && sk.boundDevIf !== dif) return false;
  return ipMcSfAllow(sk, locAddr, dif);
}

/** Linux: __udp4_lib_mcast_deliver(): every matching socket gets the datagram. */
function udp4LibMcastDeliver(skb: SkBuff, sport: number, dport: number, saddr: number, daddr: number): number {
  const net = skb.dev!.net;
  const t = udpTableIfAny(net);
  const slot = t ? t.hash[udpHashfn(t, dport)] : null;
  const dif = skb.dev!.ifindex;
  let first: UdpSock | null = null;
  if (slot) {
    for (let i = 0; i < slot.length; i++) {
      const sk = slot[i]!;
      if (!udpIsMcastSock(sk, daddr, sport, saddr, dif, dport)) continue;
      if (!first) {
        first = sk;
        continue;
      }
      const nskb = skbClone(skb);
      ipcbCopy(nskb, skb);
      udpQueueRcvSkb(sk, nskb);
    }
  }
  if (first) udpQueueRcvSkb(first, skb);
  else {
    kfreeSkbReason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
    ipv4Net(net).mib.udp[UDP_MIB_IGNOREDMULTI]++;
  }
  return 0;
}

/** Linux: __udp4_lib_rcv() / udp_rcv(): the IPPROTO_UDP handler. Consumes the skb. */
export function udpRcv(skb: SkBuff): number {
  const net = skb.dev!.net;
  const mib = ipv4Net(net).mib.udp;
  const b = skb.buf;
  const th = skb.data;
  if (skb.len < UDP_HLEN) { // pskb_may_pull(): no room for a header
    mib[UDP_MIB_INERRORS]++;
    kfreeSkbReason(skb, SKB_DROP_REASON_PKT_TOO_SMALL);
    return 0;
  }
  skb.transportHeader = th;
  const ulen = (b[th + 4]! << 8) | b[th + 5]!;
  const sport = (b[th]! << 8) | b[th + 1]!;
  const dport = (b[th + 2]! << 8) | b[th + 3]!;
  const nh = skb.networkHeader;
  const saddr = readU32(b, nh + IPH_SADDR_OFF);
  const daddr = readU32(b, nh + IPH_DADDR_OFF);
  // UDP validates ulen: not past the IP payload, at least a header; padding is trimmed.
  if (ulen > skb.len || ulen < UDP_HLEN) {
    mib[UDP_MIB_INERRORS]++;
    kfreeSkbReason(skb, SKB_DROP_REASON_PKT_TOO_SMALL);
    return 0;
  }
  if (ulen < skb.len) {
    skb.tail = th + ulen; // pskb_trim_rcsum()
    if (skb.ipSummed !== CHECKSUM_UNNECESSARY) skb.ipSummed = CHECKSUM_NONE;
  }
  // udp4_csum_init(): a zero checksum needs no verification (RFC 768: none was computed).
  if (b[th + 6] === 0 && b[th + 7] === 0) skb.ipSummed = CHECKSUM_UNNECESSARY;
  const rt = skb.dst as Rtable | null;
  if (rt !== null && (rt.rtFlags & (RTCF_BROADCAST | RTCF_MULTICAST)) !== 0) {
    return udp4LibMcastDeliver(skb, sport, dport, saddr, daddr);
  }
  const sk = udp4LibLookup(net, saddr, sport, daddr, dport, skb.dev!.ifindex);
  if (sk !== null) {
    udpQueueRcvSkb(sk, skb);
    return 0;
  }
  skb.nfct = null;
  // No socket: drop silently if the checksum is wrong (RFC 1122 4.1.3.4 MUST).
  if (udpChecksumBad(skb)) {
    mib[UDP_MIB_CSUMERRORS]++;
    mib[UDP_MIB_INERRORS]++;
    kfreeSkbReason(skb, SKB_DROP_REASON_UDP_CSUM);
    return 0;
  }
  mib[UDP_MIB_NOPORTS]++;
  icmpSend(skb, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0);
  kfreeSkbReason(skb, SKB_DROP_REASON_NO_SOCKET);
  return 0;
}

/**
 * Linux: __udp4_lib_err() / udp_err(): an ICMP error about a datagram we sent.
 * skb.data is the quoted IP header, the ICMP header is at skb.transportHeader.
 * A connected socket gets hard errors in sk_err (ECONNREFUSED for port
 * unreachable); an IP_RECVERR socket gets every error, also queued with its details.
 */
export function udpErr(skb: SkBuff, info: number): number {
  const b = skb.buf;
  const iph = skb.data;
  const ihl = (b[iph]! & 0xf) << 2;
  const uh = iph + ihl;
  if (uh + 8 > skb.tail) return -EINVAL;
  const net = skb.dev!.net;
  const qsaddr = readU32(b, iph + IPH_SADDR_OFF);
  const qdaddr = readU32(b, iph + IPH_DADDR_OFF);
  const source = (b[uh]! << 8) | b[uh + 1]!;
  const dest = (b[uh + 2]! << 8) | b[uh + 3]!;
  const sk = udp4LibLookup(net, qdaddr, dest, qsaddr, source, skb.dev!.ifindex);
  if (!sk || sk.encapType) {
    ipv4Net(net).mib.icmp[ICMP_MIB_INERRORS]++;
    return -ENOENT;
  }
  const type = b[skb.transportHeader]!;
  const code = b[skb.transportHeader + 1]!;
  let err = 0;
  let harderr = false;
  switch (type) {
    case ICMP_SOURCE_QUENCH:
      return 0;
    case ICMP_PARAMETERPROB:
      err = EPROTO;
      harderr = true;
      break;
    case ICMP_DEST_UNREACH:
      if (code === ICMP_FRAG_NEEDED) { // Path MTU discovery
        ipv4SkUpdatePmtu(skb, sk, info);
        if (sk.pmtudisc !== IP_PMTUDISC_DONT) {
          err = EMSGSIZE;
          harderr = true;
          break;
        }
        return 0;
      }
      err = EHOSTUNREACH;
      if (code <= NR_ICMP_UNREACH) {
        harderr = icmpErrConvert[code]!.fatal;
        err = icmpErrConvert[code]!.errno;
      }
      break;
    case ICMP_REDIRECT:
      ipv4SkRedirect(skb, sk);
      return 0;
    case ICMP_TIME_EXCEEDED:
    default:
      err = EHOSTUNREACH;
      break;
  }
  // RFC 1122 4.1.3.3: pass ICMP errors back to the application.
  if (!sk.recverr) {
    if (!harderr || sk.state !== TCP_ESTABLISHED) return 0;
  } else {
    ipIcmpError(sk, skb, err, dest, info, uh + UDP_HLEN);
  }
  sk.err = err;
  skErrorReport(sk);
  return 0;
}

/** Linux: udp_protocol (af_inet.c). */
export const udpProtocol: NetProtocol = {
  handler: udpRcv,
  errHandler: udpErr,
};

/* ------------------------------------------------------------------ */
/* recvmsg                                                             */

/**
 * Linux: __skb_recv_udp(): the next datagram with a good checksum (bad ones are
 * dropped and counted), or a negative errno: the pending socket error first,
 * -EAGAIN when none is queued, 0 when the socket is shut down for reading and the
 * caller would block.
 */
function udpRecvSkb(sk: UdpSock, flags: number): SkBuff | number {
  const peeking = (flags & MSG_PEEK) !== 0;
  for (;;) {
    const err = sockError(sk);
    if (err) return err;
    const skb = peeking ? sk.receiveQueue.peek() : sk.receiveQueue.dequeue();
    if (skb === null) {
      const sock = sk.skSocket;
      const noblock = (flags & MSG_DONTWAIT) !== 0 || (sock !== null && sock.nonblock);
      return !noblock && (sk.shutdown & RCV_SHUTDOWN) ? 0 : -EAGAIN;
    }
    if (!udpChecksumBad(skb)) return skb;
    // csum_copy_err: drop it (a peeked one too: it is at the head of the queue).
    if (peeking) sk.receiveQueue.dequeue();
    sk.drops++;
    const mib = udpMib(sk);
    mib[UDP_MIB_CSUMERRORS]++;
    mib[UDP_MIB_INERRORS]++;
    kfreeSkbReason(skb, SKB_DROP_REASON_UDP_CSUM);
  }
}

function recvCheck(flags: number): number {
  if (flags & MSG_OOB) return -EOPNOTSUPP;
  return 0;
}

/** Linux: udp_recvmsg(). */
export function udpRecvmsg(isk: InetSock, maxLen: number, flags: number): RecvResult | number {
  const sk = udpSk(isk);
  const e = recvCheck(flags);
  if (e) return e;
  if (flags & MSG_ERRQUEUE) return ipRecvError(sk, maxLen);
  const r = udpRecvSkb(sk, flags);
  if (typeof r === 'number') {
    if (r === 0) return { data: new Uint8Array(0), fullLength: 0, addr: null, flags: 0, cmsgs: NO_CMSGS };
    return r;
  }
  const skb = r;
  const peeking = (flags & MSG_PEEK) !== 0;
  const ulen = skb.len;
  const copied = maxLen < ulen ? maxLen : ulen;
  const b = skb.buf;
  // A consumed skb nobody else holds is never touched again: hand its data over as a view.
  const data = !peeking && skb.users === 1 && !skbCloned(skb)
    ? new Uint8Array(b.buffer, b.byteOffset + skb.data, copied) : skbCopyBits(skb, skb.data, copied);
  if (!peeking) udpMib(sk)[UDP_MIB_INDATAGRAMS]++;
  let cmsgs = NO_CMSGS;
  if (sk.cmsgFlags || (sk.flags & (SOCK_RCVTSTAMP | SOCK_RXQ_OVFL))) {
    cmsgs = [];
    sockRecvTsAndDrops(sk, skb, cmsgs);
    if (sk.cmsgFlags) ipCmsgRecvOffset(sk, skb, UDP_HLEN, 0, cmsgs);
  }
  const th = skb.transportHeader;
  const addr: SockaddrIn = {
    family: AF_INET, port: (b[th]! << 8) | b[th + 1]!, addr: readU32(b, skb.networkHeader + IPH_SADDR_OFF),
  };
  if (!peeking) consumeSkb(skb);
  return { data, fullLength: ulen, addr, flags: copied < ulen ? MSG_TRUNC : 0, cmsgs };
}

/**
 * Linux: udp_recvmsg() reached through recvfrom(2): the payload is copied into
 * `buf` and the source into `addr` in place; no allocation per datagram. Control
 * messages have no place in recvfrom and are not built.
 */
export function udpRecvfromInto(isk: InetSock, buf: Uint8Array, flags: number, addr: Sockaddr | null): number {
  const sk = udpSk(isk);
  const e = recvCheck(flags);
  if (e) return e;
  if (flags & MSG_ERRQUEUE) {
    const r = ipRecvError(sk, buf.length);
    if (typeof r === 'number') return r;
    buf.set(r.data);
    if (addr && r.addr) Object.assign(addr, r.addr);
    return flags & MSG_TRUNC ? r.fullLength : r.data.length;
  }
  const r = udpRecvSkb(sk, flags);
  if (typeof r === 'number') return r;
  const skb = r;
  const peeking = (flags & MSG_PEEK) !== 0;
  const ulen = skb.len;
  const copied = buf.length < ulen ? buf.length : ulen;
  const b = skb.buf;
  const from = skb.data;
  if (copied <= 64) {
    // Four bytes a round (cheaper than a view + set() for small datagrams in V8).
    let i = 0;
    for (; i + 4 <= copied; i += 4) {
      const o = from + i;
      buf[i] = b[o]!;
      buf[i + 1] = b[o + 1]!;
      buf[i + 2] = b[o + 2]!;
      buf[i + 3] = b[o + 3]!;
    }
    for (; i < copied; i++) buf[i] = b[from + i]!;
  } else {
    buf.set(new Uint8Array(b.buffer, b.byteOffset + from, copied));
  }
  if (!peeking) udpMib(sk)[UDP_MIB_INDATAGRAMS]++;
  if (addr !== null) {
    const a = addr as SockaddrIn;
    const th = skb.transportHeader;
    a.family = AF_INET;
    a.port = (b[th]! << 8) | b[th + 1]!;
    a.addr = readU32(b, skb.networkHeader + IPH_SADDR_OFF);
  }
  if (!peeking) consumeSkb(skb);
  return flags & MSG_TRUNC ? ulen : copied;
}

/* ------------------------------------------------------------------ */
/* sendmsg                                                             */

/** What udp_sendmsg keeps on its stack, kept per socket (no allocation per datagram). */
class UdpSendScratch {
  readonly fl4 = new Flowi4();
  readonly ipc = new IpcmCookie();
}

function sendScratch(sk: UdpSock): UdpSendScratch {
  let s = sk.sendScratch as UdpSendScratch | null;
  if (!s) {
    s = new UdpSendScratch();
    sk.sendScratch = s;
  }
  return s;
}

/** Linux: udp_send_skb(): the UDP header and checksum, then ip_send_skb. */
function udpSendSkb(sk: UdpSock, skb: SkBuff, fl4: Flowi4): number {
  const b = skb.buf;
  const th = skb.transportHeader;
  const len = skb.tail - th;
  b[th] = sk.inetSport >>> 8;
  b[th + 1] = sk.inetSport & 0xff;
  b[th + 2] = fl4.dport >>> 8;
  b[th + 3] = fl4.dport & 0xff;
  b[th + 4] = len >>> 8;
  b[th + 5] = len & 0xff;
  b[th + 6] = 0;
  b[th + 7] = 0;
  if (!sockFlag(sk, SOCK_NO_CHECK_TX)) {
    // Software checksum with the pseudo header; a computed 0 is sent as 0xffff.
    const check = udpCsumMangle(csumTcpudpMagic(fl4.saddr, fl4.daddr, len, IPPROTO_UDP, csumPartial(b, th, len)));
    b[th + 6] = check >>> 8;
    b[th + 7] = check & 0xff;
  }
  const net = sk.net;
  const err = ipSendSkb(net, skb);
  const mib = ipv4Net(net).mib.udp;
  if (err) {
    if (err === -ENOBUFS && !sk.recverr) {
      mib[UDP_MIB_SNDBUFERRORS]++;
      return 0;
    }
    return err;
  }
  mib[UDP_MIB_OUTDATAGRAMS]++;
  return 0;
}

/** Linux: udp_cmsg_send(): SOL_UDP control messages; 1 when SOL_IP ones are left for ip_cmsg_send. */
function udpCmsgSend(cmsgs: Cmsg[], ipc: IpcmCookie): number {
  let needIp = 0;
  for (const c of cmsgs) {
    if (c.level !== SOL_UDP) {
      needIp = 1;
      continue;
    }
    if (c.type !== UDP_SEGMENT || typeof c.data !== 'number') return -EINVAL;
    ipc.gsoSize = c.data & 0xffff;
  }
  return needIp;
}

function concatChunks(chunks: Uint8Array[], len: number): Uint8Array {
  const out = new Uint8Array(len);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** Linux: udp_flush_pending_frames(). */
export function udpFlushPendingFrames(sk: UdpSock): void {
  if (sk.pending) {
    sk.pending = 0;
    sk.corkChunks = [];
    sk.corkLen = 0;
  }
}

/** Linux: udp_push_pending_frames(): send the corked datagram. */
function udpPushPendingFrames(sk: UdpSock): number {
  if (!sk.pending) return 0;
  const data = concatChunks(sk.corkChunks, sk.corkLen);
  const cork = sk.corkState!;
  sk.pending = 0;
  sk.corkChunks = [];
  sk.corkLen = 0;
  sk.corkState = null;
  const skb = ipMakeSkb(sk, cork.fl4, cork.rt, data, UDP_HLEN, cork.ipc, 0);
  if (typeof skb === 'number') return skb;
  return udpSendSkb(sk, skb, cork.fl4);
}

/** Linux: udp_sendmsg(). Returns the bytes sent or -errno. */
export function udpSendmsg(isk: InetSock, data: Uint8Array, uaddr: Sockaddr | null, flags: number, cmsgs?: Cmsg[]): number {
  const sk = udpSk(isk);
  const net = sk.net;
  const len = data.length;
  if (len > 0xffff) return -EMSGSIZE;
  if (flags & MSG_OOB) return -EOPNOTSUPP; // mirror BSD error message compatibility
  const corkreq = sk.corkflag || (flags & MSG_MORE) !== 0;
  if (sk.pending) {
    // There are pending frames: append to the corked datagram.
    if (sk.corkLen + len + UDP_HLEN > 0xffff) {
      udpFlushPendingFrames(sk);
      return -EMSGSIZE;
    }
    sk.corkChunks.push(data.slice());
    sk.corkLen += len;
    if (!corkreq) {
      const err = udpPushPendingFrames(sk);
      return err ? err : len;
    }
    return len;
  }
  let daddr: number;
  let dport: number;
  let connected = false;
  if (uaddr !== null) {
    if (uaddr.family !== AF_INET && uaddr.family !== AF_UNSPEC) return -EAFNOSUPPORT;
    const usin = uaddr as SockaddrIn;
    daddr = (usin.addr ?? 0) >>> 0;
    dport = (usin.port ?? 0) & 0xffff;
    if (dport === 0) return -EINVAL;
  } else {
    if (sk.state !== TCP_ESTABLISHED) return -EDESTADDRREQ;
    daddr = sk.inetDaddr;
    dport = sk.inetDport;
    // Open fast path for a connected socket: its cached route, unless an option is set.
    connected = true;
  }
  const scratch = sendScratch(sk);
  const ipc = scratch.ipc;
  ipcmInitSk(ipc, sk);
  ipc.gsoSize = sk.gsoSize;
  if (cmsgs !== undefined && cmsgs.length > 0) {
    let err = udpCmsgSend(cmsgs, ipc);
    if (err > 0) err = ipCmsgSend(sk, cmsgs, ipc);
    if (err < 0) return err;
    connected = false;
  }
  if (ipc.opt === null) ipc.opt = sk.inetOpt;
  let saddr = ipc.addr;
  let faddr = daddr;
  ipc.addr = daddr;
  if (ipc.opt !== null && ipc.opt.srr) {
    if (!daddr) return -EINVAL;
    faddr = ipc.opt.faddr;
    connected = false;
  }
  let tos = (ipc.tos !== -1 ? ipc.tos : sk.tos) & IPTOS_TOS_MASK;
  if (sockFlag(sk, SOCK_LOCALROUTE) || (flags & MSG_DONTROUTE) || (ipc.opt !== null && ipc.opt.isStrictroute)) {
    tos |= RTO_ONLINK;
    connected = false;
  }
  if (ipv4IsMulticast(daddr)) {
    if (!ipc.oif) ipc.oif = sk.mcIndex;
    if (!saddr) saddr = sk.mcAddr;
    connected = false;
  } else if (!ipc.oif) {
    ipc.oif = sk.ucIndex;
  } else if (ipv4IsLbcast(daddr) && sk.ucIndex) {
    // (l3mdev case of Linux: nothing to do without VRF devices)
  }
  let rt: Rtable | null = connected ? skDstCheck(sk) as Rtable | null : null;
  let fl4: Flowi4;
  if (rt !== null) {
    fl4 = sk.corkFl4 as Flowi4;
  } else {
    fl4 = scratch.fl4;
    fl4.oif = ipc.oif;
    fl4.iif = 0;
    fl4.mark = ipc.mark;
    fl4.tos = tos;
    fl4.scope = RT_SCOPE_UNIVERSE;
    fl4.proto = sk.protocol;
    fl4.flags = inetSkFlowiFlags(sk);
    fl4.daddr = faddr;
    fl4.saddr = saddr;
    fl4.dport = dport;
    fl4.sport = sk.inetSport;
    fl4.uid = sk.uid;
    fl4.multipathHash = 0;
    fl4.icmpType = 0;
    fl4.icmpCode = 0;
    const r = ipRouteOutputFlow(net, fl4, sk);
    if (typeof r === 'number') {
      if (r === -ENETUNREACH) ipv4Net(net).mib.ip[IPSTATS_MIB_OUTNOROUTES]++;
      return udpSendError(sk, r);
    }
    rt = r;
    if ((rt.rtFlags & RTCF_BROADCAST) && !sockFlag(sk, SOCK_BROADCAST)) return -EACCES;
    if (connected) skDstSet(sk, rt);
  }
  if (!ipc.addr) ipc.addr = fl4.daddr;
  // Linux: sock_alloc_send_pskb() (under ip_make_skb) reports a pending socket error
  // first: a send after an ICMP error on a connected socket fails with it (ECONNREFUSED).
  const serr = sockError(sk);
  if (serr) return serr;
  if (!corkreq) {
    const skb = ipMakeSkb(sk, fl4, rt, data, UDP_HLEN, ipc, flags);
    if (typeof skb === 'number') return skb ? udpSendError(sk, skb) : len;
    const err = udpSendSkb(sk, skb, fl4);
    return err ? udpSendError(sk, err) : len;
  }
  // Cork the socket: keep the flow, route and options until the datagram is complete.
  const cfl4 = new Flowi4();
  Object.assign(cfl4, fl4);
  const cipc = new IpcmCookie();
  Object.assign(cipc, ipc);
  sk.corkState = { fl4: cfl4, rt, ipc: cipc };
  sk.pending = AF_INET;
  sk.corkChunks = [data.slice()];
  sk.corkLen = len;
  return len;
}

/** The end of udp_sendmsg(): ENOBUFS counts as a send-buffer error. */
function udpSendError(sk: UdpSock, err: number): number {
  if (err === -ENOBUFS || err === -EAGAIN) udpMib(sk)[UDP_MIB_SNDBUFERRORS]++;
  return err;
}

/* ------------------------------------------------------------------ */
/* The rest of struct proto                                            */

/** Linux: __udp_disconnect() / udp_disconnect(): connect(AF_UNSPEC) breaks the association (1003.1g). */
export function udpDisconnect(isk: InetSock, _flags: number): number {
  const sk = isk;
  sk.state = TCP_CLOSE;
  sk.inetDaddr = 0;
  sk.inetDport = 0;
  sk.boundDevIf = 0;
  if (!(sk.userlocks & SOCK_BINDADDR_LOCK)) {
    sk.inetRcvSaddr = 0; // inet_reset_saddr()
    sk.inetSaddr = 0;
    if (sk.skProt.rehash && (sk.userlocks & SOCK_BINDPORT_LOCK)) sk.skProt.rehash(sk);
  }
  if (!(sk.userlocks & SOCK_BINDPORT_LOCK)) {
    sk.skProt.unhash(sk);
    sk.inetSport = 0;
  }
  skDstReset(sk);
  return 0;
}

/** Linux: udp_lib_close() -> sk_common_release() (udp_destroy_sock flushes a corked datagram). */
function udpClose(isk: InetSock, _timeout: number): void {
  const sk = udpSk(isk);
  udpFlushPendingFrames(sk);
  ipMcDropSocket(sk);
  skCommonRelease(sk);
}

/** Linux: first_packet_length(): the next good datagram's length, dropping bad-checksum ones; -1 when none. */
export function firstPacketLength(isk: InetSock): number {
  const sk = udpSk(isk);
  for (;;) {
    const skb = sk.receiveQueue.peek();
    if (skb === null) return -1;
    if (!udpChecksumBad(skb)) return skb.len;
    sk.receiveQueue.dequeue();
    sk.drops++;
    const mib = udpMib(sk);
    mib[UDP_MIB_CSUMERRORS]++;
    mib[UDP_MIB_INERRORS]++;
    kfreeSkbReason(skb, SKB_DROP_REASON_UDP_CSUM);
  }
}

/** Linux: udp_ioctl(): SIOCOUTQ (send memory in flight) and SIOCINQ/FIONREAD (next datagram's length). */
function udpIoctl(sk: InetSock, cmd: number, _arg: unknown): unknown {
  if (cmd === SIOCOUTQ) return sk.wmemAlloc;
  if (cmd === SIOCINQ) return Math.max(0, firstPacketLength(sk));
  return -ENOIOCTLCMD;
}

function optInt(value: unknown): number | null {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number' && Number.isFinite(value)) return value | 0;
  return null;
}

/** Linux: udp_lib_setsockopt() for SOL_UDP, ip_setsockopt() otherwise. */
function udpSetsockopt(isk: InetSock, level: number, optname: number, value: unknown): number {
  if (level !== SOL_UDP) return ipSetsockopt(isk, level, optname, value);
  const sk = udpSk(isk);
  const val = optInt(value);
  if (val === null) return -EINVAL;
  switch (optname) {
    case UDP_CORK:
      if (val !== 0) sk.corkflag = true;
      else {
        sk.corkflag = false;
        udpPushPendingFrames(sk);
      }
      return 0;
    case UDP_ENCAP:
      // No encapsulation handler (ESP, L2TP) exists: only "none" is accepted.
      if (val === 0) {
        sk.encapType = 0;
        return 0;
      }
      return -ENOPROTOOPT;
    case UDP_NO_CHECK6_TX:
      sk.noCheck6Tx = val !== 0;
      return 0;
    case UDP_NO_CHECK6_RX:
      sk.noCheck6Rx = val !== 0;
      return 0;
    case UDP_SEGMENT:
      if (val < 0 || val > 0xffff) return -EINVAL;
      sk.gsoSize = val;
      return 0;
    case UDP_GRO:
      sk.groEnabled = val !== 0;
      return 0;
    default:
      return -ENOPROTOOPT;
  }
}

/** Linux: udp_lib_getsockopt() for SOL_UDP, ip_getsockopt() otherwise. */
function udpGetsockopt(isk: InetSock, level: number, optname: number): unknown {
  if (level !== SOL_UDP) return ipGetsockopt(isk, level, optname);
  const sk = udpSk(isk);
  switch (optname) {
    case UDP_CORK: return sk.corkflag ? 1 : 0;
    case UDP_ENCAP: return sk.encapType;
    case UDP_NO_CHECK6_TX: return sk.noCheck6Tx ? 1 : 0;
    case UDP_NO_CHECK6_RX: return sk.noCheck6Rx ? 1 : 0;
    case UDP_SEGMENT: return sk.gsoSize;
    case UDP_GRO: return sk.groEnabled ? 1 : 0;
    default: return -ENOPROTOOPT;
  }
}

/** Linux: udp_prot. */
export const udpProt: Proto = {
  name: 'UDP',
  allocSock: (net, type, protocol) => new UdpSock(net, AF_INET, type, protocol),
  close: udpClose,
  connect: ip4DatagramConnect,
  disconnect: udpDisconnect,
  ioctl: udpIoctl,
  setsockopt: udpSetsockopt,
  getsockopt: udpGetsockopt,
  sendmsg: udpSendmsg,
  recvmsg: udpRecvmsg,
  recvfromInto: udpRecvfromInto,
  hash: () => 0, // Linux: udp_lib_hash() is never called: get_port hashes
  unhash: (sk) => udpLibUnhash(udpSk(sk)),
  rehash: (sk) => udpV4Rehash(udpSk(sk)),
  getPort: (sk, snum) => udpV4GetPort(udpSk(sk), snum),
};

/** Linux: inet_init()'s UDP part: the inetsw entry (permanent) and the IPPROTO_UDP handler. */
export function udpInit(k: Kernel): void {
  inetRegisterProtosw(k, { type: SOCK_DGRAM, protocol: IPPROTO_UDP, prot: udpProt, ops: inetDgramOps, flags: INET_PROTOSW_PERMANENT });
  inetAddProtocol(k, udpProtocol, IPPROTO_UDP);
}
