/**
 * Raw IPv4 sockets (Linux: net/ipv4/raw.c, include/net/raw.h, include/uapi/linux/icmp.h
 * ICMP_FILTER). `socket(AF_INET, SOCK_RAW, proto)` (CAP_NET_RAW: uid 0) gives a socket
 * hashed by protocol number at creation. On input, ip_local_deliver hands every
 * datagram to `rawLocalDeliver` first: each matching socket (protocol, bound address,
 * connected peer, bound device; ICMP_FILTER for ICMP) gets a clone with the IP header.
 * On output, the socket's data becomes the IP payload (ip_make_skb), or, with
 * IP_HDRINCL (always for IPPROTO_RAW), the whole datagram: Linux fixes tot_len, fills
 * a zero source and a zero id, recomputes the checksum and sends it through LOCAL_OUT.
 * ICMP errors about a protocol reach its raw sockets through `rawIcmpError` (the
 * error queue with IP_RECVERR, sk_err on connected sockets).
 *
 * Differences from Linux: no multicast source filters (ip_mc_sf_allow), no
 * IP_ROUTER_ALERT chain, no l3mdev; a send that would block on a full send buffer
 * fails with EAGAIN.
 */
import { ipRaControl } from './ip_input.js';
import type { Kernel, Net } from '../core/net_namespace.js';
import {
  type SkBuff, allocSkb, skbReserve, skbPut, skbClone, skbCopyBits, kfreeSkbReason, consumeSkb,
  CHECKSUM_NONE,
} from '../core/skbuff.js';
import { SKB_DROP_REASON_SOCKET_RCVBUFF, SKB_DROP_REASON_NOT_SPECIFIED } from '../core/drop_reason.js';
import {
  type Sock, sockQueueRcvSkb, skbSetOwnerW, sockFlag, SOCK_BROADCAST, skDstReset, skErrorReport, sockError,
} from '../core/sock.js';
import { dstOutput } from '../core/dst.js';
import { nfHook, NFPROTO_IPV4, NF_INET_LOCAL_OUT } from '../netfilter/core.js';
import {
  type Sockaddr, type SockaddrIn, type RecvResult, type Cmsg, AF_INET, AF_UNSPEC, SOCK_RAW, MSG_OOB,
  MSG_ERRQUEUE, MSG_PEEK, MSG_TRUNC, MSG_DONTROUTE,
} from '../socket/socket.js';
import {
  EMSGSIZE, EOPNOTSUPP, EINVAL, EAFNOSUPPORT, EDESTADDRREQ, EACCES, ENOBUFS, EADDRNOTAVAIL, ENOPROTOOPT,
  EHOSTUNREACH, EPROTO, EAGAIN,
} from '../socket/errno.js';
import { IPPROTO_ICMP, IPPROTO_RAW, IPPROTO_IP, IPV4_HLEN, IpHdr, IPH_PROTOCOL, IPH_SADDR, IPH_DADDR } from '../wire/iphdr.js';
import { readU32 } from '../wire/bytes.js';
import {
  ICMP_HLEN, ICMP_DEST_UNREACH, ICMP_SOURCE_QUENCH, ICMP_REDIRECT, ICMP_TIME_EXCEEDED, ICMP_PARAMETERPROB,
  ICMP_FRAG_NEEDED, NR_ICMP_UNREACH, ICMP_FIELD_TYPE, ICMP_FIELD_CODE,
} from '../wire/icmphdr.js';
import { RT_SCOPE_UNIVERSE, RT_SCOPE_LINK, RTN_MULTICAST, RTN_BROADCAST } from '../wire/route.js';
import { InetSock, IP_PMTUDISC_DONT } from './inet_sock.js';
import { IpcmCookie } from './ip.js';
import { Flowi4, FLOWI_FLAG_KNOWN_NH, RTCF_BROADCAST, type Rtable } from './rtable.js';
import {
  type Proto, inetRegisterProtosw, inetSockrawOps, skCommonRelease, inetAddrValidOrNonlocal,
  TCP_CLOSE, TCP_ESTABLISHED, INET_PROTOSW_REUSE, ENOIOCTLCMD, SIOCINQ, SIOCOUTQ,
} from './af_inet.js';
import { ipv4Net } from './netns_ipv4.js';
import { IPSTATS_MIB_OUTDISCARDS } from '../core/snmp.js';
import { ipv4IsMulticast } from './inetdevice.js';
import { icmpErrConvert, icmpOutCount } from './icmp.js';
import { ipRouteOutputFlow, ipv4SkUpdatePmtu, ipv4SkRedirect } from './route_output.js';
import {
  ipIcmpError, ipLocalError, ipRecvError, ipCmsgRecv, ipCmsgSend, ipSetsockopt, ipGetsockopt, ipv4PktinfoPrepare,
} from './ip_sockglue.js';
import { sockRecvTsAndDrops } from '../core/sock_opt.js';
import { procFilesOf } from '../socket/syscalls.js';
import { ip4DatagramConnect } from './datagram.js';
import { udpDisconnect } from './udp.js';
import { inetAddrType } from './fib_frontend.js';
import { ipMakeSkb, ipSendSkb, ipSelectIdent } from './ip_output.js';

/* Linux: include/uapi/linux/in.h SOL_RAW, include/uapi/linux/icmp.h ICMP_FILTER. */
export const SOL_RAW = 255;
export const ICMP_FILTER = 1;

/** Linux: RAW_HTABLE_LOG / RAW_HTABLE_SIZE. */
export const RAW_HTABLE_SIZE = 256;

/** Linux: struct raw_sock. */
export class RawSock extends InetSock {
  /** ICMP_FILTER: bit n set = drop ICMP type n (types 0-31). */
  filter = 0;
}

/** Linux: struct raw_hashinfo (per namespace here; Linux's is global with net checks). */
export class RawHashinfo {
  /** Buckets by protocol & (RAW_HTABLE_SIZE - 1); newest socket first (sk_add_node). */
  readonly ht: RawSock[][] = [];
  constructor() {
    for (let i = 0; i < RAW_HTABLE_SIZE; i++) this.ht.push([]);
  }
}

/** The namespace's raw socket table. */
export function rawHashinfo(net: Net): RawHashinfo {
  const n4 = ipv4Net(net);
  const c = n4.raw;
  if (c !== null) return c;
  let h = net.generic.get('raw') as RawHashinfo | undefined;
  if (!h) {
    h = new RawHashinfo();
    net.generic.set('raw', h);
  }
  n4.raw = h;
  return h;
}

/** Linux: raw_hash_sk(). */
function rawHashSk(sk: InetSock): number {
  const head = rawHashinfo(sk.net).ht[sk.inetNum & (RAW_HTABLE_SIZE - 1)]!;
  head.unshift(sk as RawSock);
  return 0;
}

/** Linux: raw_unhash_sk(). */
function rawUnhashSk(sk: InetSock): void {
  const head = rawHashinfo(sk.net).ht[sk.inetNum & (RAW_HTABLE_SIZE - 1)]!;
  const i = head.indexOf(sk as RawSock);
  if (i >= 0) head.splice(i, 1);
}

/** Linux: raw_v4_match(). */
export function rawV4Match(sk: InetSock, num: number, raddr: number, laddr: number, dif: number): boolean {
  return sk.inetNum === num &&
    !(sk.inetDaddr && sk.inetDaddr !== raddr) &&
    !(sk.inetRcvSaddr && sk.inetRcvSaddr !== laddr) &&
    !(sk.boundDevIf && sk.boundDevIf !== dif);
}

/** Linux: icmp_filter(): true = block this ICMP message for `sk`. */
function icmpFilter(sk: RawSock, skb: SkBuff): boolean {
  const th = skb.transportHeader;
  if (th < 0 || th + 1 > skb.tail) return true;
  const type = skb.buf[th]!;
  // Do not block unknown ICMP types.
  if (type < 32) return ((1 << type) & sk.filter) !== 0;
  return false;
}

/** The input interface (Linux: inet_iif()). */
function inetIif(skb: SkBuff): number {
  const rt = skb.dst as { rtIif?: number } | null;
  if (rt && rt.rtIif) return rt.rtIif;
  return skb.skbIif || (skb.dev ? skb.dev.ifindex : 0);
}

/**
 * Linux: raw_local_deliver() / raw_v4_input(): a clone of `skb` (the caller keeps
 * it) to every raw socket of `protocol` that matches. True when some socket matched
 * (ip_local_deliver then does not answer "protocol unreachable" for it).
 * RFC 1122: SHOULD pass TOS value up to the transport layer: the whole IP header goes.
 */
export function rawLocalDeliver(skb: SkBuff, protocol: number): boolean {
  const dev = skb.dev;
  if (!dev) return false;
  const net = dev.net;
  const head = rawHashinfo(net).ht[protocol & (RAW_HTABLE_SIZE - 1)]!;
  if (head.length === 0) return false;
  const nh = skb.networkHeader;
  const b = skb.buf;
  const iphProto = b[nh + IPH_PROTOCOL]!;
  const saddr = readU32(b, nh + IPH_SADDR);
  const daddr = readU32(b, nh + IPH_DADDR);
  const dif = inetIif(skb);
  let delivered = false;
  // A copy of the list: a receiver may close its socket while we walk.
  for (const sk of head.length === 1 ? head : head.slice()) {
    if (!rawV4Match(sk, iphProto, saddr, daddr, dif)) continue;
    delivered = true;
    if (iphProto === IPPROTO_ICMP && icmpFilter(sk, skb)) continue;
    rawRcv(sk, skbClone(skb));
  }
  return delivered;
}

/** Linux: raw_rcv(): the clone with its IP header pushed back, onto the socket. */
export function rawRcv(sk: InetSock, skb: SkBuff): number {
  skb.nfct = null;
  skb.data = skb.networkHeader;
  return rawRcvSkb(sk, skb);
}

/** Linux: raw_rcv_skb(): note what IP_PKTINFO reports, then charge it to the socket. */
function rawRcvSkb(sk: InetSock, skb: SkBuff): number {
  ipv4PktinfoPrepare(sk, skb);
  if (sockQueueRcvSkb(sk, skb) < 0) {
    kfreeSkbReason(skb, SKB_DROP_REASON_SOCKET_RCVBUFF);
    return 1; // NET_RX_DROP
  }
  return 0;
}

/**
 * Linux: raw_err(): an ICMP error about something `sk` sent. `skb.data` is the
 * quoted IP header; the ICMP header is at skb.transportHeader.
 */
function rawErr(sk: InetSock, skb: SkBuff, info: number): void {
  const type = skb.buf[skb.transportHeader + ICMP_FIELD_TYPE]!;
  const code = skb.buf[skb.transportHeader + ICMP_FIELD_CODE]!;
  let err = 0;
  let harderr = false;
  if (type === ICMP_DEST_UNREACH && code === ICMP_FRAG_NEEDED) ipv4SkUpdatePmtu(skb, sk, info);
  else if (type === ICMP_REDIRECT) {
    ipv4SkRedirect(skb, sk);
    return;
  }
  // Report error on raw socket, if: 1. User requested ip_recverr. 2. Socket is
  // connected (otherwise the error indication is useless without ip_recverr and
  // error is hard).
  if (!sk.recverr && sk.state !== TCP_ESTABLISHED) return;
  switch (type) {
    default:
    case ICMP_TIME_EXCEEDED:
      err = EHOSTUNREACH;
      break;
    case ICMP_SOURCE_QUENCH:
      return;
    case ICMP_PARAMETERPROB:
      err = EPROTO;
      harderr = true;
      break;
    case ICMP_DEST_UNREACH:
      err = EHOSTUNREACH;
      if (code > NR_ICMP_UNREACH) break;
      if (code === ICMP_FRAG_NEEDED) {
        harderr = sk.pmtudisc !== IP_PMTUDISC_DONT;
        err = EMSGSIZE;
      } else {
        err = icmpErrConvert[code]!.errno;
        harderr = icmpErrConvert[code]!.fatal;
      }
  }
  if (sk.recverr) {
    const ihl = (skb.buf[skb.data]! & 0xf) * 4;
    const payload = sk.hdrincl ? skb.data : skb.data + ihl;
    ipIcmpError(sk, skb, err, 0, info, payload);
  }
  if (sk.recverr || harderr) {
    sk.err = err;
    skErrorReport(sk);
  }
}

/**
 * Linux: raw_icmp_error(): hand an ICMP error to every raw socket of `protocol`
 * that could have sent the quoted datagram (the match is on the quoted header,
 * destination and source swapped).
 */
export function rawIcmpError(skb: SkBuff, protocol: number, info: number): void {
  const dev = skb.dev;
  if (!dev) return;
  const head = rawHashinfo(dev.net).ht[protocol & (RAW_HTABLE_SIZE - 1)]!;
  if (head.length === 0) return;
  const b = skb.buf;
  const daddr = readU32(b, skb.data + IPH_DADDR);
  const saddr = readU32(b, skb.data + IPH_SADDR);
  const dif = dev.ifindex;
  for (const sk of head.length === 1 ? head : head.slice()) {
    if (rawV4Match(sk, protocol, daddr, saddr, dif)) rawErr(sk, skb, info);
  }
}

/* ------------------------------------------------------------------ */
/* Sending                                                             */

/**
 * Linux: raw_send_hdrinc(): `data` is a whole IP datagram. The header is checked so
 * it cannot break the stack (ihl within the data), then tot_len, a zero saddr and a
 * zero id are filled and the checksum recomputed (only when ihl >= 5, as Linux).
 */
function rawSendHdrinc(sk: InetSock, fl4: Flowi4, data: Uint8Array, rt: Rtable): number {
  const net = sk.net;
  const length = data.length;
  const dev = rt.dev!;
  if (length > dev.mtu) {
    ipLocalError(sk, EMSGSIZE, fl4.daddr, sk.inetDport, dev.mtu);
    return -EMSGSIZE;
  }
  if (length < IPV4_HLEN) return -EINVAL;
  if (sk.wmemAlloc >= sk.sndbuf) return -EAGAIN;
  const hlen = 16 + ((dev.hardHeaderLen + 15) & ~15);
  const skb = allocSkb(length + hlen + 15);
  skbReserve(skb, hlen);
  skb.priority = sk.priority;
  skb.mark = sk.mark;
  skb.dst = rt;
  skb.networkHeader = skb.data;
  const off = skbPut(skb, length);
  skb.buf.set(data, off);
  skb.ipSummed = CHECKSUM_NONE;
  skb.transportHeader = skb.networkHeader;
  skbSetOwnerW(skb, sk);
  const iph = new IpHdr(skb.buf, off);
  const iphlen = iph.ihl * 4;
  // We don't want to modify the ip header, but we do need to be sure that it won't
  // cause problems later along the network stack: ihl must be within the data.
  if (iphlen > length) {
    kfreeSkbReason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
    ipv4Net(net).mib.ip[IPSTATS_MIB_OUTDISCARDS]!++;
    return -EINVAL;
  }
  if (iphlen >= IPV4_HLEN) {
    if (!iph.saddr) iph.saddr = fl4.saddr;
    iph.check = 0;
    iph.totLen = length;
    if (!iph.id) ipSelectIdent(net, skb, null);
    iph.sendCheck();
    skb.transportHeader += iphlen;
    if (iph.protocol === IPPROTO_ICMP && length >= iphlen + ICMP_HLEN) {
      icmpOutCount(net, skb.buf[skb.transportHeader]!);
    }
  }
  let err = nfHook(NFPROTO_IPV4, NF_INET_LOCAL_OUT, net, sk, skb, null, dev, dstOutput);
  if (err > 0) err = err === 1 /* NET_XMIT_DROP */ ? -ENOBUFS : 0; // net_xmit_errno()
  if (err) {
    ipv4Net(net).mib.ip[IPSTATS_MIB_OUTDISCARDS]!++;
    if (err === -ENOBUFS && !sk.recverr) err = 0;
  }
  return err;
}

/** Linux: raw_sendmsg(). Returns the bytes sent or -errno. */
export function rawSendmsg(sk: InetSock, data: Uint8Array, addr: Sockaddr | null, flags: number, cmsgs?: Cmsg[]): number {
  const net = sk.net;
  const len = data.length;
  if (len > 0xffff) return -EMSGSIZE;
  // Mirror BSD error message compatibility.
  if (flags & MSG_OOB) return -EOPNOTSUPP;
  const hdrincl = sk.hdrincl;
  // Get and verify the address.
  let daddr: number;
  if (addr) {
    if (addr.family !== AF_INET) {
      // "forgot to set AF_INET": AF_UNSPEC still goes (Linux prints a warning once).
      if (addr.family !== AF_UNSPEC) return -EAFNOSUPPORT;
    }
    daddr = ((addr as SockaddrIn).addr ?? 0) >>> 0;
    // ANK: the protocol is not taken from the port field; use IP_HDRINCL.
  } else {
    if (sk.state !== TCP_ESTABLISHED) return -EDESTADDRREQ;
    daddr = sk.inetDaddr;
  }
  const ipc = new IpcmCookie();
  ipc.addr = sk.inetSaddr;
  ipc.oif = sk.boundDevIf;
  ipc.mark = sk.mark;
  ipc.protocol = sk.inetNum;
  if (cmsgs && cmsgs.length) {
    const e = ipCmsgSend(sk, cmsgs, ipc);
    if (e) return e;
  }
  let saddr = ipc.addr;
  ipc.addr = daddr;
  if (!ipc.opt && sk.inetOpt) ipc.opt = sk.inetOpt;
  if (ipc.opt) {
    // Linux does not mangle headers on raw sockets, so IP options + IP_HDRINCL is nonsense.
    if (hdrincl) return -EINVAL;
    if (ipc.opt.srr) {
      if (!daddr) return -EINVAL;
      daddr = ipc.opt.faddr;
    }
  }
  // get_rttos() / ip_sendmsg_scope().
  const tos = (ipc.tos !== -1 ? ipc.tos : sk.tos) & 0x1e;
  const scope = (flags & MSG_DONTROUTE) || (ipc.opt && ipc.opt.isStrictroute) ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
  if (ipv4IsMulticast(daddr)) {
    if (!ipc.oif) ipc.oif = sk.mcIndex;
    if (!saddr) saddr = sk.mcAddr;
  } else if (!ipc.oif) ipc.oif = sk.ucIndex;
  const fl4 = Flowi4.output(ipc.oif, ipc.mark, tos, scope, hdrincl ? IPPROTO_RAW : sk.protocol,
    hdrincl ? FLOWI_FLAG_KNOWN_NH : 0, daddr, saddr, 0, 0, sk.uid);
  fl4.icmpType = 0;
  fl4.icmpCode = 0;
  if (!hdrincl && fl4.proto === IPPROTO_ICMP) {
    // raw_probe_proto_opt(): the ICMP type and code route (and xfrm) like ports.
    fl4.icmpType = data[0] ?? 0;
    fl4.icmpCode = data[1] ?? 0;
  }
  const rt = ipRouteOutputFlow(net, fl4, sk);
  if (typeof rt === 'number') return rt;
  if ((rt.rtFlags & RTCF_BROADCAST) && !sockFlag(sk, SOCK_BROADCAST)) return -EACCES;
  let err: number;
  if (hdrincl) {
    err = rawSendHdrinc(sk, fl4, data, rt);
  } else {
    if (!ipc.addr) ipc.addr = fl4.daddr;
    const skb = ipMakeSkb(sk, fl4, rt, data, 0, ipc, flags);
    if (typeof skb === 'number') err = skb;
    else {
      err = ipSendSkb(net, skb);
      if (err === -ENOBUFS && !sk.recverr) err = 0;
    }
  }
  return err < 0 ? err : len;
}

/* ------------------------------------------------------------------ */
/* Receiving                                                           */

/**
 * Linux: skb_recv_datagram() (non-blocking form): a pending socket error first, then
 * the next queued skb (left queued with MSG_PEEK); -EAGAIN when there is none.
 */
export function skbRecvDatagram(sk: Sock, flags: number): SkBuff | number {
  const err = sockError(sk);
  if (err) return err;
  const skb = flags & MSG_PEEK ? sk.receiveQueue.peek() : sk.receiveQueue.dequeue();
  return skb ?? -EAGAIN;
}

/** Free a datagram after a read (Linux: skb_free_datagram), unless it was only peeked. */
export function skbFreeDatagramPeek(skb: SkBuff, flags: number): void {
  if (!(flags & MSG_PEEK)) consumeSkb(skb);
}

/** Linux: raw_recvmsg(): the whole datagram with its IP header; the address is the source. */
export function rawRecvmsg(sk: InetSock, maxLen: number, flags: number): RecvResult | number {
  if (flags & MSG_OOB) return -EOPNOTSUPP;
  if (flags & MSG_ERRQUEUE) return ipRecvError(sk, maxLen);
  const skb = skbRecvDatagram(sk, flags);
  if (typeof skb === 'number') return skb;
  const full = skb.len;
  let copied = full;
  let mflags = 0;
  if (maxLen < copied) {
    mflags |= MSG_TRUNC;
    copied = maxLen;
  }
  const data = skbCopyBits(skb, skb.data, copied);
  const saddr = readU32(skb.buf, skb.networkHeader + IPH_SADDR);
  // sock_recv_cmsgs(), then ip_cmsg_recv() when the socket asked for IP cmsgs.
  const cmsgs: Cmsg[] = [];
  sockRecvTsAndDrops(sk, skb, cmsgs);
  if (sk.cmsgFlags) cmsgs.push(...ipCmsgRecv(sk, skb));
  skbFreeDatagramPeek(skb, flags);
  return { data, fullLength: full, addr: { family: AF_INET, port: 0, addr: saddr }, flags: mflags, cmsgs };
}

/* ------------------------------------------------------------------ */
/* The rest of struct proto                                            */

/** Linux: raw_bind(). */
function rawBind(sk: InetSock, uaddr: Sockaddr): number {
  if (sk.state !== TCP_CLOSE || (uaddr.family !== AF_INET && uaddr.family !== AF_UNSPEC)) return -EINVAL;
  const a = ((uaddr as SockaddrIn).addr ?? 0) >>> 0;
  const chkAddrRet = inetAddrType(sk.net, a);
  if (!inetAddrValidOrNonlocal(sk.net, sk, a, chkAddrRet)) return -EADDRNOTAVAIL;
  sk.inetRcvSaddr = sk.inetSaddr = a;
  if (chkAddrRet === RTN_MULTICAST || chkAddrRet === RTN_BROADCAST) sk.inetSaddr = 0; // Use device
  skDstReset(sk);
  return 0;
}

/** Linux: raw_setsockopt(): SOL_RAW's ICMP_FILTER here, the rest at the IP level. */
function rawSetsockopt(sk: InetSock, level: number, optname: number, value: unknown): number {
  if (level !== SOL_RAW) return ipSetsockopt(sk, level, optname, value);
  if (optname === ICMP_FILTER) {
    if (sk.inetNum !== IPPROTO_ICMP) return -EOPNOTSUPP;
    // raw_seticmpfilter(): a 32-bit mask (longer input is cut to 4 bytes).
    const v = value instanceof Uint8Array
      ? (value.length < 4 ? -1 : (value[0]! | (value[1]! << 8) | (value[2]! << 16) | (value[3]! << 24)) >>> 0)
      : Number(value) >>> 0;
    if (v < 0) return -EINVAL;
    (sk as RawSock).filter = v;
    return 0;
  }
  return -ENOPROTOOPT;
}

/** Linux: raw_getsockopt(). */
function rawGetsockopt(sk: InetSock, level: number, optname: number): unknown {
  if (level !== SOL_RAW) return ipGetsockopt(sk, level, optname);
  if (optname === ICMP_FILTER) {
    if (sk.inetNum !== IPPROTO_ICMP) return -EOPNOTSUPP;
    return (sk as RawSock).filter;
  }
  return -ENOPROTOOPT;
}

/** Linux: raw_ioctl(): SIOCOUTQ (bytes in flight) and SIOCINQ (size of the next datagram). */
function rawIoctl(sk: InetSock, cmd: number, _arg: unknown): unknown {
  if (cmd === SIOCOUTQ) return sk.wmemAlloc;
  if (cmd === SIOCINQ) {
    const skb = sk.receiveQueue.peek();
    return skb ? skb.len : 0;
  }
  return -ENOIOCTLCMD;
}

/** Linux: raw_prot. */
export const rawProt: Proto = {
  name: 'RAW',
  allocSock: (net, type, protocol) => new RawSock(net, AF_INET, type, protocol),
  init: (sk) => {
    // raw_sk_init(): a fresh ICMP socket filters nothing.
    if (sk.inetNum === IPPROTO_ICMP) (sk as RawSock).filter = 0;
    return 0;
  },
  close: (sk) => {
    // Linux: raw_close(): leave the router alert chain first.
    ipRaControl(sk as RawSock, false);
    skCommonRelease(sk);
  },
  connect: (sk, addr) => ip4DatagramConnect(sk, addr),
  disconnect: (sk, flags) => udpDisconnect(sk, flags),
  bind: rawBind,
  ioctl: rawIoctl,
  setsockopt: rawSetsockopt,
  getsockopt: rawGetsockopt,
  sendmsg: rawSendmsg,
  recvmsg: rawRecvmsg,
  hash: rawHashSk,
  unhash: rawUnhashSk,
  getPort: () => 0,
  errHandler: rawErr,
  noAutobind: true,
};

/** A __be32 address as Linux's "%08X" prints it on a little-endian host. */
export function procHexAddr(a: number): string {
  const le = (((a & 0xff) << 24) | (((a >>> 8) & 0xff) << 16) | (((a >>> 16) & 0xff) << 8) | (a >>> 24)) >>> 0;
  return le.toString(16).toUpperCase().padStart(8, '0');
}

function hexw(v: number, w: number): string {
  return (v >>> 0).toString(16).toUpperCase().padStart(w, '0');
}

/**
 * Linux: raw_hashfunc(): hash_32(net_hash_mix(net) ^ proto, RAW_HTABLE_LOG), the
 * bucket /proc/net/raw shows. The namespace mix is random on Linux; 0 here.
 */
function rawHashfunc(proto: number): number {
  return Math.imul(proto >>> 0, 0x61c88647) >>> 24;
}

/** /proc/net/raw (Linux: raw_seq_show / raw_sock_seq_show), sockets in hash-bucket order. */
export function rawSeqShow(net: Net): string {
  let out = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n';
  const socks: RawSock[] = [];
  for (const head of rawHashinfo(net).ht) socks.push(...head);
  socks.sort((a, b) => rawHashfunc(a.inetNum) - rawHashfunc(b.inetNum));
  for (const sk of socks) {
    out += `${String(rawHashfunc(sk.inetNum)).padStart(4)}: ${procHexAddr(sk.inetRcvSaddr)}:${hexw(sk.inetNum, 4)} ` +
      `${procHexAddr(sk.inetDaddr)}:0000 ${hexw(sk.state, 2)} ${hexw(sk.wmemAlloc, 8)}:${hexw(sk.rmemAlloc, 8)} ` +
      `00:00000000 00000000 ${String(sk.uid).padStart(5)} ${'0'.padStart(8)} ${sk.ino} 2 0000000000000000 ${sk.drops}\n`;
  }
  return out;
}

/** Linux: inet_init()'s raw part: the SOCK_RAW wildcard entry of inetsw and /proc/net/raw. */
export function rawInit(k: Kernel): void {
  inetRegisterProtosw(k, { type: SOCK_RAW, protocol: IPPROTO_IP, prot: rawProt, ops: inetSockrawOps, flags: INET_PROTOSW_REUSE });
  procFilesOf(k).set('/proc/net/raw', rawSeqShow);
}

