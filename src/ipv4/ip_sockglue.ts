/**
 * The IP level of sockets (Linux: net/ipv4/ip_sockglue.c): SOL_IP socket options
 * (IP_TOS, IP_TTL, IP_PKTINFO, IP_RECVERR, IP_MTU_DISCOVER ...), the SOL_IP control
 * messages recvmsg returns (ipCmsgRecv) and sendmsg takes (ipCmsgSend), and the
 * socket error queue of IP_RECVERR: ICMP errors (ipIcmpError) and local errors
 * (ipLocalError) are queued with a `sock_extended_err`, and recvmsg(MSG_ERRQUEUE)
 * returns them (ipRecvError) with the original payload.
 *
 * Values are JS values: integers for int options (booleans are 0/1; a Uint8Array
 * is read as Linux reads optval: an int when it has 4 bytes, else one byte), a
 * Uint8Array for IP_OPTIONS, `IpMreqn` objects for the multicast options. Addresses
 * and interface indexes are host order, also for IP_UNICAST_IF (Linux: network order).
 *
 * Multicast: IP_ADD_MEMBERSHIP/IP_DROP_MEMBERSHIP validate their arguments as Linux
 * does (EINVAL for a non-multicast group, ENODEV without a device, EADDRINUSE for a
 * second join, ENOBUFS past igmp_max_memberships, EADDRNOTAVAIL when leaving a group
 * not joined) and keep the socket's membership list, but no IGMP exists yet, so the
 * device does not join the group (Linux's ip_mc_inc_group): delivery of multicast
 * datagrams depends on the IP input accepting them.
 */
import { ipRaControl } from './ip_input.js';
import type { SkBuff } from '../core/skbuff.js';
import { allocSkb, consumeSkb, kfreeSkbReason, skbClone, skbPut, skbResetNetworkHeader } from '../core/skbuff.js';
import { SKB_DROP_REASON_NOT_SPECIFIED } from '../core/drop_reason.js';
import { sockQueueErrSkb, skDstReset, skErrorReport } from '../core/sock.js';
import { sockRecvTsAndDrops } from '../core/sock_opt.js';
import {
  type Cmsg, type RecvResult, type SockaddrIn, AF_INET, SOL_SOCKET, SOCK_RAW, SOCK_DGRAM, SOCK_STREAM, MSG_TRUNC,
  MSG_ERRQUEUE, SO_MARK, SO_PRIORITY,
} from '../socket/socket.js';
import { EINVAL, ENOPROTOOPT, EPERM, EAGAIN, ENOTCONN, EADDRNOTAVAIL, ENODEV, EADDRINUSE, ENOBUFS, EOPNOTSUPP } from '../socket/errno.js';
import { readU32, writeU32 } from '../wire/iphdr.js';
import { ipv4IsMulticast } from './inetdevice.js';
import {
  type InetSock, type SockExtendedErr, type SockExterrSkb, IpOptions,
  SOL_IP, IP_TOS, IP_TTL, IP_HDRINCL, IP_OPTIONS, IP_ROUTER_ALERT, IP_RECVOPTS, IP_RETOPTS, IP_PKTINFO, IP_PKTOPTIONS,
  IP_MTU_DISCOVER, IP_RECVERR, IP_RECVTTL, IP_RECVTOS, IP_MTU, IP_FREEBIND, IP_PASSSEC, IP_TRANSPARENT,
  IP_RECVORIGDSTADDR, IP_MINTTL, IP_NODEFRAG, IP_CHECKSUM, IP_BIND_ADDRESS_NO_PORT, IP_RECVFRAGSIZE, IP_RECVERR_RFC4884,
  IP_MULTICAST_IF, IP_MULTICAST_TTL, IP_MULTICAST_LOOP, IP_ADD_MEMBERSHIP, IP_DROP_MEMBERSHIP, IP_UNICAST_IF,
  IP_LOCAL_PORT_RANGE, IP_PMTUDISC_DONT, IP_PMTUDISC_OMIT,
  IP_CMSG_PKTINFO, IP_CMSG_TTL, IP_CMSG_TOS, IP_CMSG_RECVOPTS, IP_CMSG_RETOPTS, IP_CMSG_PASSSEC, IP_CMSG_ORIGDSTADDR,
  IP_CMSG_CHECKSUM, IP_CMSG_RECVFRAGSIZE, SO_EE_ORIGIN_ICMP, SO_EE_ORIGIN_LOCAL,
} from './inet_sock.js';
import { IPCB, type IpcmCookie } from './ip.js';
import { ipv4Net } from './netns_ipv4.js';
import { capable } from './af_inet.js';
import { ipOptionsGetFromUser } from './ip_options.js';
import { ipRouteOutputFlow } from './route_output.js';
import { fibComputeSpecDst } from './fib_frontend.js';
import { RTCF_BROADCAST, RTCF_MULTICAST, RTCF_LOCAL } from './rtable.js';
import { ipDevFind } from './devinet.js';
import { Flowi4, type Rtable } from './rtable.js';

export const IP_MULTICAST_ALL = 49;
export const IP_PROTOCOL = 52;
/** Linux: net.ipv4.igmp_max_memberships default. */
export const IGMP_MAX_MEMBERSHIPS = 20;
/** Linux: LOOPBACK_IFINDEX. */
const LOOPBACK_IFINDEX = 1;
const IPH_TTL_OFF = 8;
const IPH_TOS_OFF = 1;
const IPH_SADDR_OFF = 12;
const IPH_DADDR_OFF = 16;

/** IP_PKTINFO control message data (Linux: struct in_pktinfo). */
export interface InPktinfo {
  ifindex: number;
  /** Local address the datagram was routed to (Linux: ipi_spec_dst). */
  specDst: number;
  /** Header destination address (Linux: ipi_addr). */
  addr: number;
}

/** IP_ADD_MEMBERSHIP / IP_MULTICAST_IF argument (Linux: struct ip_mreqn; ip_mreq has no ifindex). */
export interface IpMreqn {
  multiaddr?: number;
  address?: number;
  ifindex?: number;
}

/** One membership of a socket (Linux: struct ip_mc_socklist). */
export interface IpMcSocklist {
  multiaddr: number;
  address: number;
  ifindex: number;
}

/** Linux: ip_tos2prio[] (include/net/route.h rt_tos2priority()). */
const IP_TOS2PRIO = [0, 0, 0, 0, 2, 2, 2, 2, 6, 6, 6, 6, 4, 4, 4, 4];

/** Linux: rt_tos2priority(). */
export function rtTos2priority(tos: number): number {
  return IP_TOS2PRIO[(tos & 0x1e) >> 1]!;
}

/* ------------------------------------------------------------------ */
/* Per-socket IP state that inet_sock.ts does not carry               */

/** The multicast state of a socket (Linux: inet->mc_list, inet->mc_all). */
export class InetMcState {
  list: IpMcSocklist[] = [];
  all = true;
}

/** Linux: inet->mc_list (+ mc_all); created on first use. */
export function inetMc(sk: InetSock): InetMcState {
  let m = sk.mcState as InetMcState | null;
  if (!m) {
    m = new InetMcState();
    sk.mcState = m;
  }
  return m;
}

/* ------------------------------------------------------------------ */
/* Receive side: control messages                                      */

/**
 * Linux: ipv4_pktinfo_prepare(): before the route is dropped, note what IP_PKTINFO
 * reports. As Linux's PKTINFO_SKB_CB overlays IPCB, ipi_ifindex lives in IPCB's iif
 * and ipi_spec_dst in IPCB's opt.faddr (the IP options of the skb are already used).
 */
export function ipv4PktinfoPrepare(sk: InetSock, skb: SkBuff): void {
  if (!(sk.cmsgFlags & IP_CMSG_PKTINFO)) {
    // Nobody reads the overlay without IP_PKTINFO: only the route is dropped.
    skb.dst = null;
    return;
  }
  const cb = IPCB(skb);
  if (skb.dst) {
    const rt = skb.dst as Rtable;
    if (cb.iif === LOOPBACK_IFINDEX || cb.iif === 0) cb.iif = rt.rtIif ? rt.rtIif : skb.skbIif;
    const b = skb.buf;
    const nh = skb.networkHeader;
    cb.opt.faddr = fibComputeSpecDst(skb, readU32(b, nh + IPH_DADDR_OFF), readU32(b, nh + IPH_SADDR_OFF), b[nh + IPH_TOS_OFF]!,
      ((rt.rtFlags & (RTCF_BROADCAST | RTCF_MULTICAST | RTCF_LOCAL)) >>> 0) === RTCF_LOCAL);
  } else {
    cb.iif = 0;
    cb.opt.faddr = 0;
  }
  skb.dst = null;
}

function ipHdrOff(skb: SkBuff): number {
  return skb.networkHeader;
}

/**
 * Linux: ip_cmsg_recv_offset(): the SOL_IP control messages the socket asked for,
 * appended to `out` in Linux's order. `tlen` is the transport header length (UDP 8).
 */
export function ipCmsgRecvOffset(sk: InetSock, skb: SkBuff, _tlen: number, _offset: number, out: Cmsg[]): void {
  let flags = sk.cmsgFlags;
  const b = skb.buf;
  const nh = ipHdrOff(skb);
  if (flags & IP_CMSG_PKTINFO) {
    const cb = IPCB(skb);
    const info: InPktinfo = { ifindex: cb.iif, specDst: cb.opt.faddr >>> 0, addr: readU32(b, nh + IPH_DADDR_OFF) };
    out.push({ level: SOL_IP, type: IP_PKTINFO, data: info });
    flags &= ~IP_CMSG_PKTINFO;
    if (!flags) return;
  }
  if (flags & IP_CMSG_TTL) {
    out.push({ level: SOL_IP, type: IP_TTL, data: b[nh + IPH_TTL_OFF]! });
    flags &= ~IP_CMSG_TTL;
    if (!flags) return;
  }
  if (flags & IP_CMSG_TOS) {
    out.push({ level: SOL_IP, type: IP_TOS, data: b[nh + IPH_TOS_OFF]! });
    flags &= ~IP_CMSG_TOS;
    if (!flags) return;
  }
  if (flags & IP_CMSG_RECVOPTS) {
    const optlen = IPCB(skb).opt.optlen;
    if (optlen) out.push({ level: SOL_IP, type: IP_RECVOPTS, data: b.slice(nh + 20, nh + 20 + optlen) });
    flags &= ~IP_CMSG_RECVOPTS;
    if (!flags) return;
  }
  if (flags & IP_CMSG_RETOPTS) {
    // Linux: ip_options_echo() + ip_options_undo(): the options as the sender would
    // use them to reply. Reversing source routes needs G's echo; the raw bytes are given.
    const optlen = IPCB(skb).opt.optlen;
    if (optlen) out.push({ level: SOL_IP, type: IP_RETOPTS, data: b.slice(nh + 20, nh + 20 + optlen) });
    flags &= ~IP_CMSG_RETOPTS;
    if (!flags) return;
  }
  flags &= ~IP_CMSG_PASSSEC; // no LSM: nothing to report
  if (flags & IP_CMSG_ORIGDSTADDR) {
    const th = skb.transportHeader;
    if (th >= 0 && th + 4 <= skb.tail) {
      const sin: SockaddrIn = { family: AF_INET, addr: readU32(b, nh + IPH_DADDR_OFF), port: (b[th + 2]! << 8) | b[th + 3]! };
      out.push({ level: SOL_IP, type: IP_RECVORIGDSTADDR, data: sin });
    }
    flags &= ~IP_CMSG_ORIGDSTADDR;
    if (!flags) return;
  }
  // IP_CMSG_CHECKSUM reports CHECKSUM_COMPLETE values, which no device here produces.
  if (flags & IP_CMSG_RECVFRAGSIZE) {
    const v = IPCB(skb).fragMaxSize;
    if (v) out.push({ level: SOL_IP, type: IP_RECVFRAGSIZE, data: v });
  }
}

/** Linux: ip_cmsg_recv(). */
export function ipCmsgRecv(sk: InetSock, skb: SkBuff): Cmsg[] {
  const out: Cmsg[] = [];
  if (sk.cmsgFlags) ipCmsgRecvOffset(sk, skb, 0, 0, out);
  return out;
}

/* ------------------------------------------------------------------ */
/* Send side: control messages                                         */

function cmsgInt(data: unknown): number | null {
  if (typeof data === 'number' && Number.isInteger(data)) return data;
  return null;
}

/**
 * Linux: ip_cmsg_send(): apply SOL_IP (and SOL_SOCKET) control messages of a
 * sendmsg to `ipc`. Returns 0 or -EINVAL (or the options parser's error).
 */
export function ipCmsgSend(sk: InetSock, cmsgs: Cmsg[], ipc: IpcmCookie): number {
  for (const c of cmsgs) {
    if (c.level === SOL_SOCKET) {
      // Linux: __sock_cmsg_send().
      const v = cmsgInt(c.data);
      if (c.type === SO_MARK) {
        if (!capable(sk.net.kernel)) return -EPERM;
        if (v === null) return -EINVAL;
        ipc.mark = v >>> 0;
        continue;
      }
      if (c.type === SO_PRIORITY) {
        if (v === null) return -EINVAL;
        if (!((v >= 0 && v <= 6) || capable(sk.net.kernel))) return -EPERM;
        ipc.priority = v;
        continue;
      }
      return -EINVAL;
    }
    if (c.level !== SOL_IP) continue;
    switch (c.type) {
      case IP_RETOPTS: {
        if (!(c.data instanceof Uint8Array)) return -EINVAL;
        const data = c.data.length > 40 ? c.data.subarray(0, 40) : c.data;
        const opt = ipOptionsGetFromUser(sk.net, data);
        if (typeof opt === 'number') return opt;
        ipc.opt = opt;
        break;
      }
      case IP_PKTINFO: {
        const info = c.data as Partial<InPktinfo> | null;
        if (!info || typeof info !== 'object') return -EINVAL;
        ipc.oif = (info.ifindex ?? 0) | 0;
        ipc.addr = (info.specDst ?? 0) >>> 0;
        break;
      }
      case IP_TTL: {
        const v = cmsgInt(c.data);
        if (v === null || v < 1 || v > 255) return -EINVAL;
        ipc.ttl = v;
        break;
      }
      case IP_TOS: {
        const v = cmsgInt(c.data);
        if (v === null || v < 0 || v > 255) return -EINVAL;
        ipc.tos = v;
        ipc.priority = rtTos2priority(v);
        break;
      }
      default:
        return -EINVAL;
    }
  }
  return 0;
}

/** Linux: ipcm_init_sk(): the socket's defaults for one sendmsg. */
export function ipcmInitSk(ipc: IpcmCookie, sk: InetSock): void {
  ipc.addr = sk.inetSaddr;
  ipc.oif = sk.boundDevIf;
  ipc.opt = null;
  ipc.ttl = -1;
  ipc.tos = -1;
  ipc.protocol = sk.inetNum;
  ipc.mark = sk.mark;
  ipc.priority = sk.priority;
  ipc.gsoSize = 0;
  ipc.sockcFlags = 0;
}

/* ------------------------------------------------------------------ */
/* The error queue                                                     */

/**
 * Linux: ip_icmp_error(): queue an ICMP error on the socket's error queue. `skb`
 * is the ICMP skb (network header = the outer IP header, transport header = the
 * ICMP header, data = the quoted IP header); `payload` is the absolute offset in
 * skb.buf of what the socket had sent after its transport header.
 */
export function ipIcmpError(sk: InetSock, skb: SkBuff, err: number, port: number, info: number, payload: number): void {
  const th = skb.transportHeader;
  if (th < 0 || th + 8 + 20 > skb.tail) return;
  const clone = skbClone(skb);
  const ee: SockExtendedErr = {
    eeErrno: err, eeOrigin: SO_EE_ORIGIN_ICMP, eeType: skb.buf[th]!, eeCode: skb.buf[th + 1]!,
    eeInfo: info >>> 0, eeData: 0, offender: 0,
  };
  // The quoted IP header follows the 8-byte ICMP header; addr_offset is its daddr, from the network header.
  const serr: SockExterrSkb = { ee, addrOffset: th + 8 + IPH_DADDR_OFF - skb.networkHeader, port };
  clone.cb = serr;
  if (payload >= clone.data && payload <= clone.tail) {
    clone.data = payload;
    clone.transportHeader = payload;
    if (sockQueueErrSkb(sk, clone) === 0) return;
  }
  kfreeSkbReason(clone, SKB_DROP_REASON_NOT_SPECIFIED);
}

/**
 * Linux: ip_local_error(): a locally detected error (EMSGSIZE ...) reported on the
 * error queue of an IP_RECVERR socket, with the destination as its address.
 */
export function ipLocalError(sk: InetSock, err: number, daddr: number, port: number, info: number): void {
  if (!sk.recverr) return;
  const skb = allocSkb(20);
  skbPut(skb, 20);
  skbResetNetworkHeader(skb);
  writeU32(skb.buf, skb.networkHeader + IPH_DADDR_OFF, daddr >>> 0);
  const ee: SockExtendedErr = {
    eeErrno: err, eeOrigin: SO_EE_ORIGIN_LOCAL, eeType: 0, eeCode: 0, eeInfo: info >>> 0, eeData: 0, offender: 0,
  };
  const serr: SockExterrSkb = { ee, addrOffset: IPH_DADDR_OFF, port };
  skb.cb = serr;
  skb.data = skb.tail;
  skb.transportHeader = skb.data;
  if (sockQueueErrSkb(sk, skb)) kfreeSkbReason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
}

function isIcmpErrSkb(skb: SkBuff | null): boolean {
  const serr = skb ? (skb.cb as SockExterrSkb | null) : null;
  return serr !== null && (serr.ee.eeOrigin === SO_EE_ORIGIN_ICMP || serr.ee.eeOrigin === 3 /* SO_EE_ORIGIN_ICMP6 */);
}

/**
 * Linux: sock_dequeue_err_skb(): the next queued error. When another ICMP error
 * follows, sk_err takes its errno (and the socket is woken again); after the last
 * ICMP error sk_err is cleared.
 */
function sockDequeueErrSkb(sk: InetSock): SkBuff | null {
  const skb = sk.errorQueue.dequeue();
  if (!skb) return null;
  const next = sk.errorQueue.peek();
  const icmpNext = isIcmpErrSkb(next);
  if (icmpNext) sk.err = (next!.cb as SockExterrSkb).ee.eeErrno;
  if (isIcmpErrSkb(skb) && !icmpNext) sk.err = 0;
  if (next) skErrorReport(sk);
  return skb;
}

/**
 * Linux: ip_recv_error(): recvmsg(MSG_ERRQUEUE). The datagram is the payload the
 * socket had sent (as quoted by the ICMP error), the address its destination, and
 * an IP_RECVERR control message carries the sock_extended_err with the offender.
 */
export function ipRecvError(sk: InetSock, maxLen: number): RecvResult | number {
  const skb = sockDequeueErrSkb(sk);
  if (!skb) return -EAGAIN;
  const full = skb.len;
  let flags = MSG_ERRQUEUE;
  let copied = full;
  if (copied > maxLen) {
    flags |= MSG_TRUNC;
    copied = maxLen;
  }
  const data = skb.buf.slice(skb.data, skb.data + copied);
  const serr = skb.cb as SockExterrSkb;
  const cmsgs: Cmsg[] = [];
  sockRecvTsAndDrops(sk, skb, cmsgs);
  let addr: SockaddrIn | null = null;
  const origin = serr.ee.eeOrigin;
  // Linux: ipv4_datagram_support_addr().
  if (origin === SO_EE_ORIGIN_ICMP || origin === SO_EE_ORIGIN_LOCAL || serr.port) {
    addr = { family: AF_INET, addr: readU32(skb.buf, skb.networkHeader + serr.addrOffset), port: serr.port };
  }
  const ee: SockExtendedErr = { ...serr.ee, offender: 0 };
  // Linux: ipv4_datagram_support_cmsg(): ICMP errors name the offender and carry the IP cmsgs.
  if (origin === SO_EE_ORIGIN_ICMP) {
    ee.offender = readU32(skb.buf, skb.networkHeader + IPH_SADDR_OFF);
    if (sk.cmsgFlags) ipCmsgRecvOffset(sk, skb, 0, 0, cmsgs);
  }
  cmsgs.push({ level: SOL_IP, type: IP_RECVERR, data: ee });
  consumeSkb(skb);
  return { data, fullLength: full, addr, flags, cmsgs };
}

/* ------------------------------------------------------------------ */
/* Socket options                                                      */

/** An int option value as Linux reads optval (int when 4+ bytes, else a byte; none = 0). */
function optInt(value: unknown): number | null {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return Number.isFinite(value) ? value | 0 : null;
  if (value === undefined || value === null) return 0;
  if (value instanceof Uint8Array) {
    if (value.length >= 4) return (value[0]! | (value[1]! << 8) | (value[2]! << 16) | (value[3]! << 24)) | 0;
    return value.length >= 1 ? value[0]! : 0;
  }
  return null;
}

function cmsgFlag(sk: InetSock, bit: number, on: boolean): void {
  if (on) sk.cmsgFlags |= bit;
  else sk.cmsgFlags &= ~bit;
}

/** The device a multicast request names (Linux: ip_mc_find_dev()). */
function ipMcFindDev(sk: InetSock, imr: IpMcSocklist): number {
  const net = sk.net;
  if (imr.ifindex) return net.devGetByIndex(imr.ifindex)?.ipPtr ? imr.ifindex : 0;
  let dev = imr.address ? ipDevFind(net, imr.address) : null;
  if (imr.address && !dev) return 0;
  if (!dev) {
    const fl4 = Flowi4.output(0, 0, 0, 0, 0, 0, imr.multiaddr, 0, 0, 0, 0);
    const rt = ipRouteOutputFlow(net, fl4, null);
    if (typeof rt !== 'number') dev = rt.dev;
  }
  if (!dev || !dev.ipPtr) return 0;
  imr.ifindex = dev.ifindex;
  return dev.ifindex;
}

function mreqOf(value: unknown): IpMcSocklist | null {
  if (!value || typeof value !== 'object') return null;
  const m = value as IpMreqn;
  return { multiaddr: (m.multiaddr ?? 0) >>> 0, address: (m.address ?? 0) >>> 0, ifindex: (m.ifindex ?? 0) | 0 };
}

/** Linux: ip_mc_join_group() (without the device's IGMP membership, see the file comment). */
function ipMcJoinGroup(sk: InetSock, imr: IpMcSocklist): number {
  if (!ipv4IsMulticast(imr.multiaddr)) return -EINVAL;
  if (!ipMcFindDev(sk, imr)) return -ENODEV;
  const mc = inetMc(sk);
  for (const i of mc.list) if (i.multiaddr === imr.multiaddr && i.ifindex === imr.ifindex) return -EADDRINUSE;
  if (mc.list.length >= IGMP_MAX_MEMBERSHIPS) return -ENOBUFS;
  mc.list.unshift(imr);
  return 0;
}

/** Linux: ip_mc_leave_group(). */
function ipMcLeaveGroup(sk: InetSock, imr: IpMcSocklist): number {
  const found = ipMcFindDev(sk, imr);
  if (!imr.ifindex && !imr.address && !found) return -ENODEV;
  const mc = inetMc(sk);
  for (let n = 0; n < mc.list.length; n++) {
    const i = mc.list[n]!;
    if (i.multiaddr !== imr.multiaddr) continue;
    if (imr.ifindex) {
      if (i.ifindex !== imr.ifindex) continue;
    } else if (imr.address && imr.address !== i.address) continue;
    mc.list.splice(n, 1);
    return 0;
  }
  return -EADDRNOTAVAIL;
}

/** Linux: ip_mc_drop_socket(): release drops every membership. */
export function ipMcDropSocket(sk: InetSock): void {
  const mc = sk.mcState as InetMcState | null;
  if (mc) mc.list = [];
}

/** Linux: ip_setsockopt() / do_ip_setsockopt(). */
export function ipSetsockopt(sk: InetSock, level: number, optname: number, value: unknown): number {
  if (level !== SOL_IP) return -ENOPROTOOPT;
  const net = sk.net;
  switch (optname) {
    case IP_OPTIONS: {
      const data = value instanceof Uint8Array ? value : value === null || value === undefined ? new Uint8Array(0) : null;
      if (!data || data.length > 40) return -EINVAL;
      if (data.length === 0) {
        sk.inetOpt = null;
        return 0;
      }
      const opt = ipOptionsGetFromUser(net, data);
      if (typeof opt === 'number') return opt;
      sk.inetOpt = opt.optlen ? opt : null;
      return 0;
    }
    case IP_MULTICAST_IF: {
      if (sk.type === SOCK_STREAM) return -EINVAL;
      let mreq: IpMcSocklist | null;
      if (typeof value === 'number') mreq = { multiaddr: 0, address: value >>> 0, ifindex: 0 };
      else mreq = mreqOf(value);
      if (!mreq) return -EINVAL;
      let dev = null;
      if (!mreq.ifindex) {
        if (mreq.address === 0) {
          sk.mcIndex = 0;
          sk.mcAddr = 0;
          return 0;
        }
        dev = ipDevFind(net, mreq.address);
        if (dev) mreq.ifindex = dev.ifindex;
      } else {
        dev = net.devGetByIndex(mreq.ifindex);
      }
      if (!dev) return -EADDRNOTAVAIL;
      if (sk.boundDevIf && mreq.ifindex !== sk.boundDevIf) return -EINVAL;
      sk.mcIndex = mreq.ifindex;
      sk.mcAddr = mreq.address;
      return 0;
    }
    case IP_ADD_MEMBERSHIP:
    case IP_DROP_MEMBERSHIP: {
      if (sk.type === SOCK_STREAM) return -EPROTO_NEG;
      const mreq = mreqOf(value);
      if (!mreq) return -EINVAL;
      return optname === IP_ADD_MEMBERSHIP ? ipMcJoinGroup(sk, mreq) : ipMcLeaveGroup(sk, mreq);
    }
    default:
      break;
  }
  const val = optInt(value);
  if (val === null) return -EINVAL;
  switch (optname) {
    case IP_PKTINFO: cmsgFlag(sk, IP_CMSG_PKTINFO, val !== 0); return 0;
    case IP_RECVTTL: cmsgFlag(sk, IP_CMSG_TTL, val !== 0); return 0;
    case IP_RECVTOS: cmsgFlag(sk, IP_CMSG_TOS, val !== 0); return 0;
    case IP_RECVOPTS: cmsgFlag(sk, IP_CMSG_RECVOPTS, val !== 0); return 0;
    case IP_RETOPTS: cmsgFlag(sk, IP_CMSG_RETOPTS, val !== 0); return 0;
    case IP_PASSSEC: cmsgFlag(sk, IP_CMSG_PASSSEC, val !== 0); return 0;
    case IP_RECVORIGDSTADDR: cmsgFlag(sk, IP_CMSG_ORIGDSTADDR, val !== 0); return 0;
    case IP_CHECKSUM: cmsgFlag(sk, IP_CMSG_CHECKSUM, val !== 0); return 0;
    case IP_RECVFRAGSIZE:
      if (sk.type !== SOCK_RAW && sk.type !== SOCK_DGRAM) return -EINVAL;
      cmsgFlag(sk, IP_CMSG_RECVFRAGSIZE, val !== 0);
      return 0;
    case IP_RECVERR_RFC4884:
      if (val < 0 || val > 1) return -EINVAL;
      sk.recverrRfc4884 = val === 1;
      return 0;
    case IP_TOS: {
      // Linux: __ip_sock_set_tos(); stream sockets keep their ECN bits.
      let tos = val & 0xff;
      if (sk.type === SOCK_STREAM) tos = (tos & ~3) | (sk.tos & 3);
      if (sk.tos !== tos) {
        sk.tos = tos;
        sk.priority = rtTos2priority(tos);
        skDstReset(sk);
      }
      return 0;
    }
    case IP_TTL:
      if (val !== -1 && (val < 1 || val > 255)) return -EINVAL;
      sk.ucTtl = val;
      return 0;
    case IP_HDRINCL:
      if (sk.type !== SOCK_RAW) return -ENOPROTOOPT;
      sk.hdrincl = val !== 0;
      return 0;
    case IP_NODEFRAG:
      if (sk.type !== SOCK_RAW) return -ENOPROTOOPT;
      sk.nodefrag = val !== 0;
      return 0;
    case IP_BIND_ADDRESS_NO_PORT:
      sk.bindAddressNoPort = val !== 0;
      return 0;
    case IP_MTU_DISCOVER:
      if (val < IP_PMTUDISC_DONT || val > IP_PMTUDISC_OMIT) return -EINVAL;
      sk.pmtudisc = val;
      return 0;
    case IP_RECVERR:
      sk.recverr = val !== 0;
      if (!val) purgeErrorQueue(sk);
      return 0;
    case IP_MULTICAST_TTL: {
      if (sk.type === SOCK_STREAM) return -EINVAL;
      const ttl = val === -1 ? 1 : val;
      if (ttl < 0 || ttl > 255) return -EINVAL;
      sk.mcTtl = ttl;
      return 0;
    }
    case IP_MULTICAST_LOOP:
      sk.mcLoop = val !== 0;
      return 0;
    case IP_MULTICAST_ALL:
      if (val !== 0 && val !== 1) return -EINVAL;
      inetMc(sk).all = val === 1;
      return 0;
    case IP_UNICAST_IF: {
      if (val === 0) {
        sk.ucIndex = 0;
        return 0;
      }
      if (!net.devGetByIndex(val)) return -EADDRNOTAVAIL;
      if (sk.boundDevIf) return -EINVAL;
      sk.ucIndex = val;
      return 0;
    }
    case IP_ROUTER_ALERT:
      // Linux: ip_ra_control(): raw sockets only (not IPPROTO_RAW), joins the ra chain.
      return ipRaControl(sk, val !== 0);
    case IP_FREEBIND:
      sk.freebind = val !== 0;
      return 0;
    case IP_TRANSPARENT:
      if (val && !capable(net.kernel)) return -EPERM;
      sk.transparent = val !== 0;
      return 0;
    case IP_MINTTL:
      if (val < 0 || val > 255) return -EINVAL;
      sk.minTtl = val;
      return 0;
    case IP_LOCAL_PORT_RANGE: {
      const lo = val & 0xffff;
      const hi = (val >>> 16) & 0xffff;
      if (lo !== 0 && hi !== 0 && lo > hi) return -EINVAL;
      sk.localPortRange = val >>> 0;
      return 0;
    }
    default:
      return -ENOPROTOOPT;
  }
}

const EPROTO_NEG = -71;

function purgeErrorQueue(sk: InetSock): void {
  sk.errorQueue.purge((skb) => kfreeSkbReason(skb, SKB_DROP_REASON_NOT_SPECIFIED));
}

/** Linux: ip_getsockopt() / do_ip_getsockopt(): the value, or -errno. */
export function ipGetsockopt(sk: InetSock, level: number, optname: number): unknown {
  if (level !== SOL_IP) return -EOPNOTSUPP;
  const f = sk.cmsgFlags;
  switch (optname) {
    case IP_OPTIONS: {
      const opt = sk.inetOpt;
      return opt && opt.optlen ? opt.data.slice(0, opt.optlen) : new Uint8Array(0);
    }
    case IP_PKTINFO: return f & IP_CMSG_PKTINFO ? 1 : 0;
    case IP_RECVTTL: return f & IP_CMSG_TTL ? 1 : 0;
    case IP_RECVTOS: return f & IP_CMSG_TOS ? 1 : 0;
    case IP_RECVOPTS: return f & IP_CMSG_RECVOPTS ? 1 : 0;
    case IP_RETOPTS: return f & IP_CMSG_RETOPTS ? 1 : 0;
    case IP_PASSSEC: return f & IP_CMSG_PASSSEC ? 1 : 0;
    case IP_RECVORIGDSTADDR: return f & IP_CMSG_ORIGDSTADDR ? 1 : 0;
    case IP_CHECKSUM: return f & IP_CMSG_CHECKSUM ? 1 : 0;
    case IP_RECVFRAGSIZE: return f & IP_CMSG_RECVFRAGSIZE ? 1 : 0;
    case IP_RECVERR_RFC4884: return sk.recverrRfc4884 ? 1 : 0;
    case IP_TOS: return sk.tos;
    case IP_TTL: return sk.ucTtl === -1 ? ipv4Net(sk.net).sysctl.ipDefaultTtl : sk.ucTtl;
    case IP_HDRINCL: return sk.hdrincl ? 1 : 0;
    case IP_NODEFRAG: return sk.nodefrag ? 1 : 0;
    case IP_BIND_ADDRESS_NO_PORT: return sk.bindAddressNoPort ? 1 : 0;
    case IP_MTU_DISCOVER: return sk.pmtudisc;
    case IP_MTU: {
      // Linux: the cached route's MTU; ENOTCONN without one (an unconnected socket).
      const dst = sk.dstCache;
      const val = dst ? dst.mtu() : 0;
      return val ? val : -ENOTCONN;
    }
    case IP_RECVERR: return sk.recverr ? 1 : 0;
    case IP_MULTICAST_TTL: return sk.mcTtl;
    case IP_MULTICAST_LOOP: return sk.mcLoop ? 1 : 0;
    case IP_UNICAST_IF: return sk.ucIndex;
    case IP_MULTICAST_IF: return sk.mcAddr;
    case IP_MULTICAST_ALL: return inetMc(sk).all ? 1 : 0;
    case IP_PKTOPTIONS: return sk.type !== SOCK_STREAM ? -ENOPROTOOPT : [];
    case IP_FREEBIND: return sk.freebind ? 1 : 0;
    case IP_TRANSPARENT: return sk.transparent ? 1 : 0;
    case IP_MINTTL: return sk.minTtl;
    case IP_LOCAL_PORT_RANGE: return sk.localPortRange;
    case IP_PROTOCOL: return sk.inetNum;
    default: return -ENOPROTOOPT;
  }
}

/** An empty IpOptions (for callers building options). */
export function ipOptionsEmpty(): IpOptions {
  return new IpOptions();
}
