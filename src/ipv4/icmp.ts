/**
 * ICMP for IPv4 (Linux: net/ipv4/icmp.c; RFC 792, RFC 1122 §3.2.2, RFC 1812 §4.3.2).
 * `icmpRcv` is the IPPROTO_ICMP handler in inet_protos: it checks the checksum,
 * counts the message (Icmp InMsgs and the per-type IcmpMsg counters) and dispatches
 * by type through `icmpPointers` (echo and timestamp replies, errors handed to the
 * raw sockets and to the err handler of the quoted protocol, echo replies to ping
 * sockets). `icmpSend` is Linux's __icmp_send(): the error a layer sends about an skb
 * it could not deliver or forward, with RFC 1122's "never about" rules, the source
 * address choice, the 576-byte quote, options echo and the two rate limits (the
 * namespace-wide token bucket icmp_msgs_per_sec/icmp_msgs_burst and the per-destination
 * inet_peer bucket icmp_ratelimit over the types in icmp_ratemask).
 *
 * Messages leave through the namespace's ICMP control socket (Linux: the per-cpu
 * ipv4_icmp_sk) via ip_output's ipMakeSkb/ipSendSkb, as icmp_push_reply() does with
 * ip_append_data/ip_push_pending_frames.
 *
 * Differences from Linux: no xfrm (icmp_route_lookup's reverse-session relookup is
 * omitted), no PROBE (RFC 8335 extended echo: with icmp_echo_enable_probe set a probe
 * is consumed unanswered), no RFC 4884 extensions on sent errors, no l3mdev. The
 * ICMP_MIB_INTIMEEXCDS increment of icmp_unreach() is not kept: /proc/net/snmp shows
 * InTimeExcds from the IcmpMsg counters, as Linux does.
 */
import type { Kernel, Net } from '../core/net_namespace.js';
import {
  type SkBuff, kfreeSkbReason, consumeSkb, skbPull, pskbMayPull, PACKET_HOST, CHECKSUM_UNNECESSARY, CHECKSUM_NONE,
} from '../core/skbuff.js';
import {
  SKB_DROP_REASON_NOT_SPECIFIED, SKB_DROP_REASON_ICMP_CSUM, SKB_DROP_REASON_UNHANDLED_PROTO,
  SKB_DROP_REASON_INVALID_PROTO, SKB_DROP_REASON_IP_INHDR, SKB_DROP_REASON_PKT_TOO_SMALL,
  SKB_DROP_REASON_NOMEM,
} from '../core/drop_reason.js';
import { IFF_LOOPBACK } from '../core/netdevice.js';
import { csumFold, csumPartial } from '../wire/checksum.js';
import { readU16, readU32, writeU16, writeU32 } from '../wire/bytes.js';
import { IPPROTO_ICMP, IPV4_HLEN, IPH_PROTOCOL, IPH_TOS, IPH_FRAG_OFF, IPH_SADDR, IPH_DADDR, IP_OFFSET } from '../wire/iphdr.js';
import {
  ICMP_HLEN, ICMP_ECHOREPLY, ICMP_DEST_UNREACH, ICMP_SOURCE_QUENCH, ICMP_REDIRECT, ICMP_ECHO,
  ICMP_TIME_EXCEEDED, ICMP_PARAMETERPROB, ICMP_TIMESTAMP, ICMP_TIMESTAMPREPLY, ICMP_INFO_REQUEST,
  ICMP_INFO_REPLY, ICMP_ADDRESS, ICMP_ADDRESSREPLY, NR_ICMP_TYPES, NR_ICMP_UNREACH, ICMP_NET_UNREACH,
  ICMP_HOST_UNREACH, ICMP_PROT_UNREACH, ICMP_PORT_UNREACH, ICMP_FRAG_NEEDED, ICMP_EXC_FRAGTIME,
  ICMP_FIELD_TYPE, ICMP_FIELD_CODE, ICMP_FIELD_CHECKSUM, ICMP_FIELD_GATEWAY as ICMP_FIELD_UN,
} from '../wire/icmphdr.js';
import { RT_SCOPE_LINK, RTN_BROADCAST } from '../wire/route.js';
import {
  ICMP_MIB_INMSGS, ICMP_MIB_INERRORS, ICMP_MIB_OUTMSGS, ICMP_MIB_OUTERRORS, ICMP_MIB_CSUMERRORS,
  ICMP_MIB_RATELIMITGLOBAL, ICMP_MIB_RATELIMITHOST,
} from '../core/snmp.js';
import {
  ENETUNREACH, EHOSTUNREACH, ENOPROTOOPT, ECONNREFUSED, EMSGSIZE, EOPNOTSUPP, EHOSTDOWN, ENONET,
} from '../socket/errno.js';
import { AF_INET, SOCK_RAW } from '../socket/socket.js';
import { ipv4Net } from './netns_ipv4.js';
import { InetSock, IP_PMTUDISC_DONT, IpOptions } from './inet_sock.js';
import { IpcmCookie } from './ip.js';
import { Flowi4, RTCF_BROADCAST, RTCF_MULTICAST, RTCF_LOCAL, type Rtable, skbRtable } from './rtable.js';
import { inetAddProtocol, inetProtos, type NetProtocol } from './protocol.js';
import { jiffies, HZ, inetGetpeerV4, inetPeerXrlimAllow } from './inetpeer.js';
import { ipv4Peers } from './route.js';
import { ipRouteOutputKey, ipv4UpdatePmtu, ipv4Redirect } from './route_output.js';
import { ipOptionsEcho } from './ip_options.js';
import { inetDevAddrType, fibComputeSpecDst } from './fib_frontend.js';
import { ipMakeSkb, ipSendSkb } from './ip_output.js';
import { inetSelectAddr } from './devinet.js';
import { rawIcmpError } from './raw.js';
import { pingRcv, pingErr } from './ping.js';

/** Linux: SKB_NOT_DROPPED_YET: a handler's "the skb was used" answer. */
const SKB_NOT_DROPPED_YET = 0;

/* Type of service bits (Linux: include/uapi/linux/ip.h). */
export const IPTOS_TOS_MASK = 0x1e;
export const IPTOS_PREC_INTERNETCONTROL = 0xc0;
/** Linux: RT_TOS(). */
export const rtTos = (tos: number): number => tos & IPTOS_TOS_MASK;

/* RFC 8335 extended echo (Linux: ICMP_EXT_ECHO / ICMP_EXT_ECHOREPLY). */
export const ICMP_EXT_ECHO = 42;
export const ICMP_EXT_ECHOREPLY = 43;

/** Linux: INADDR_DUMMY (192.0.0.8), the source of an error when no address fits (RFC 7600). */
export const INADDR_DUMMY = 0xc0000008;

/** An ICMP error's room: the whole message stays within 576 bytes (RFC 1812 §4.3.2.3). */
const ICMP_ERROR_MAX = 576;

/** Linux: struct icmp_err: errno and whether the error is fatal ("hard"), per unreach code. */
export interface IcmpErr {
  errno: number;
  fatal: boolean;
}

/**
 * Linux: icmp_err_convert[]. RFC 1122 §3.2.2.1: net/host unreachable and source route
 * failed are transient ("soft") errors.
 */
export const icmpErrConvert: readonly IcmpErr[] = [
  { errno: ENETUNREACH, fatal: false }, /* ICMP_NET_UNREACH */
  { errno: EHOSTUNREACH, fatal: false }, /* ICMP_HOST_UNREACH */
  { errno: ENOPROTOOPT, fatal: true }, /* ICMP_PROT_UNREACH */
  { errno: ECONNREFUSED, fatal: true }, /* ICMP_PORT_UNREACH */
  { errno: EMSGSIZE, fatal: false }, /* ICMP_FRAG_NEEDED */
  { errno: EOPNOTSUPP, fatal: false }, /* ICMP_SR_FAILED */
  { errno: ENETUNREACH, fatal: true }, /* ICMP_NET_UNKNOWN */
  { errno: EHOSTDOWN, fatal: true }, /* ICMP_HOST_UNKNOWN */
  { errno: ENONET, fatal: true }, /* ICMP_HOST_ISOLATED */
  { errno: ENETUNREACH, fatal: true }, /* ICMP_NET_ANO */
  { errno: EHOSTUNREACH, fatal: true }, /* ICMP_HOST_ANO */
  { errno: ENETUNREACH, fatal: false }, /* ICMP_NET_UNR_TOS */
  { errno: EHOSTUNREACH, fatal: false }, /* ICMP_HOST_UNR_TOS */
  { errno: EHOSTUNREACH, fatal: true }, /* ICMP_PKT_FILTERED */
  { errno: EHOSTUNREACH, fatal: true }, /* ICMP_PREC_VIOLATION */
  { errno: EHOSTUNREACH, fatal: true }, /* ICMP_PREC_CUTOFF */
];

/** The ICMP state of one namespace. */
export class IcmpNet {
  /** Linux: net->ipv4.icmp_global_credit (may go negative, as Linux's atomic does). */
  globalCredit = 0;
  /** Linux: net->ipv4.icmp_global_stamp, jiffies. */
  globalStamp: number;
  /** Linux: ipv4_icmp_sk: the control socket ICMP messages are sent from. */
  readonly sk: InetSock;
  /** Linux: icmp_xmit_lock(): taken while this namespace sends an ICMP message. */
  xmitLocked = false;

  constructor(net: Net) {
    // Linux's jiffies start far from the zero stamp, so the first message sees a full
    // bucket refill (min(delta, HZ)); start one second back to get the same.
    this.globalStamp = jiffies(net.kernel) - HZ;
    const sk = new InetSock(net, AF_INET, SOCK_RAW, IPPROTO_ICMP);
    // Linux icmp_init(): room for two 64K messages; never DF.
    sk.sndbuf = 2 * (65536 + 576);
    sk.pmtudisc = IP_PMTUDISC_DONT;
    this.sk = sk;
  }
}

/** The namespace's ICMP state. */
export function icmpNet(net: Net): IcmpNet {
  return ipv4Net(net).icmp;
}

/* ------------------------------------------------------------------ */
/* Counters                                                            */

/** Linux: ICMPMSGIN_INC_STATS(). */
function icmpmsgInIncStats(net: Net, type: number): void {
  ipv4Net(net).mib.icmpMsg[type & 0xff]!++;
}

/** Linux: icmp_out_count(): IcmpMsg OutType and Icmp OutMsgs, for every ICMP message sent. */
export function icmpOutCount(net: Net, type: number): void {
  const mib = ipv4Net(net).mib;
  mib.icmpMsg[0x100 | (type & 0xff)]!++;
  mib.icmp[ICMP_MIB_OUTMSGS]!++;
}

function icmpIncStats(net: Net, field: number): void {
  ipv4Net(net).mib.icmp[field]!++;
}

/* ------------------------------------------------------------------ */
/* Rate limits                                                         */

/**
 * Linux: icmp_global_allow(): is the namespace's token bucket (icmp_msgs_per_sec,
 * refilled at most every HZ/50, capped at icmp_msgs_burst) non-empty? Works with
 * icmpGlobalConsume(), which takes the credit once the per-peer limit passed too.
 */
export function icmpGlobalAllow(net: Net): boolean {
  const st = icmpNet(net);
  if (st.globalCredit > 0) return true;
  const sys = ipv4Net(net).sysctl;
  const now = jiffies(net.kernel);
  const delta = Math.min(now - st.globalStamp, HZ);
  if (delta < HZ / 50) return false;
  const incr = Math.floor(sys.icmpMsgsPerSec * delta / HZ);
  if (!incr) return false;
  st.globalStamp = now;
  st.globalCredit = Math.min(st.globalCredit + incr, sys.icmpMsgsBurst);
  return true;
}

/** Linux: icmp_global_consume(): a random 0-2 credits ("one in average", for security). */
export function icmpGlobalConsume(net: Net): void {
  const credits = net.kernel.rng.below(3);
  if (credits) icmpNet(net).globalCredit -= credits;
}

/** Linux: icmpv4_mask_allow(): types outside icmp_ratemask, and PMTU discovery, are never limited. */
function icmpv4MaskAllow(net: Net, type: number, code: number): boolean {
  if (type > NR_ICMP_TYPES) return true;
  // Don't limit PMTU discovery.
  if (type === ICMP_DEST_UNREACH && code === ICMP_FRAG_NEEDED) return true;
  // Limit if icmp type is enabled in ratemask.
  return ((1 << type) & ipv4Net(net).sysctl.icmpRatemask) === 0;
}

/**
 * Linux: icmpv4_global_allow(): 0 = refused (counted OutRateLimitGlobal), 1 = allowed
 * without limits, 2 = allowed, and the per-destination limit applies (apply_ratelimit).
 */
function icmpv4GlobalAllow(net: Net, type: number, code: number): number {
  if (icmpv4MaskAllow(net, type, code)) return 1;
  if (icmpGlobalAllow(net)) return 2;
  icmpIncStats(net, ICMP_MIB_RATELIMITGLOBAL);
  return 0;
}

/** Linux: icmpv4_xrlim_allow(): the per-destination inet_peer bucket (icmp_ratelimit ms per message). */
function icmpv4XrlimAllow(net: Net, rt: Rtable, fl4: Flowi4, applyRatelimit: boolean): boolean {
  if (!applyRatelimit) return true;
  let rc = true;
  // No rate limit on loopback.
  const dev = rt.dev;
  if (!(dev && (dev.flags & IFF_LOOPBACK))) {
    const peer = inetGetpeerV4(net.kernel, ipv4Peers(net), fl4.daddr, 0);
    // net.ipv4.icmp_ratelimit is in ms (proc_dointvec_ms_jiffies).
    const timeout = Math.floor(ipv4Net(net).sysctl.icmpRatelimit * HZ / 1000);
    rc = inetPeerXrlimAllow(net.kernel, peer, timeout);
  }
  if (!rc) icmpIncStats(net, ICMP_MIB_RATELIMITHOST);
  else icmpGlobalConsume(net);
  return rc;
}

/* ------------------------------------------------------------------ */
/* Building and sending                                                */

/**
 * Linux: struct icmp_bxm: the message to build: an 8-byte ICMP header (plus the 12
 * bytes of timestamps for a timestamp reply) and `dataLen` bytes of `skb` from
 * absolute buffer offset `dataOff`.
 */
interface IcmpBxm {
  type: number;
  code: number;
  /** The 32-bit word after the checksum (echo id/sequence, gateway, mtu, pointer), host order. */
  un: number;
  /** Timestamp reply: originate, receive, transmit (ms since midnight UT), else null. */
  times: number[] | null;
  skb: SkBuff;
  dataOff: number;
  dataLen: number;
  replyopts: IpOptions;
}

/** Linux: icmp_xmit_lock(): null when this namespace is already sending (e.g. from dst_link_failure). */
function icmpXmitLock(net: Net): InetSock | null {
  const st = icmpNet(net);
  if (st.xmitLocked) return null;
  st.xmitLocked = true;
  return st.sk;
}

function icmpXmitUnlock(net: Net): void {
  icmpNet(net).xmitLocked = false;
}

/**
 * Linux: icmp_push_reply(): ip_make_skb on the control socket with room for the ICMP
 * header before the data, then the header and its checksum, then ip_send_skb. A
 * failure to build the packet counts OutErrors.
 */
function icmpPushReply(sk: InetSock, param: IcmpBxm, fl4: Flowi4, ipc: IpcmCookie, rt: Rtable): void {
  const net = sk.net;
  const headLen = param.times ? ICMP_HLEN + 12 : ICMP_HLEN;
  const data = param.skb.buf.subarray(param.dataOff, param.dataOff + param.dataLen);
  const skb = ipMakeSkb(sk, fl4, rt, data, headLen, ipc, 0);
  if (typeof skb === 'number') {
    icmpIncStats(net, ICMP_MIB_OUTERRORS);
    return;
  }
  // The header goes into the room ip_make_skb left, then the checksum over all of it.
  const b = skb.buf;
  const th = skb.transportHeader;
  b[th + ICMP_FIELD_TYPE] = param.type;
  b[th + ICMP_FIELD_CODE] = param.code;
  writeU16(b, th + ICMP_FIELD_CHECKSUM, 0);
  writeU32(b, th + ICMP_FIELD_UN, param.un);
  if (param.times) {
    writeU32(b, th + 8, param.times[0]!);
    writeU32(b, th + 12, param.times[1]!);
    writeU32(b, th + 16, param.times[2]!);
  }
  writeU16(b, th + ICMP_FIELD_CHECKSUM, csumFold(csumPartial(b, th, skb.tail - th)));
  skb.ipSummed = CHECKSUM_NONE;
  ipSendSkb(net, skb);
}

/** Linux: inet_current_timestamp(): milliseconds since midnight UT (RFC 792 timestamps). */
export function inetCurrentTimestamp(k: Kernel): number {
  const ns = k.clock.now() + k.clock.realtimeOffsetNs;
  const ms = Math.floor(ns / 1e6);
  return (ms % 86400000) >>> 0;
}

/** Linux: icmp_reply(): echo and timestamp replies to the sender of `skb`. */
function icmpReply(param: IcmpBxm, skb: SkBuff): void {
  const rt = skbRtable(skb)!;
  const dev = rt.dev ?? skb.dev;
  if (!dev) return;
  const net = dev.net;
  const nh = skb.networkHeader;
  const b = skb.buf;
  if (ipOptionsEcho(net, param.replyopts, skb)) return;
  // Global icmp_msgs_per_sec.
  const allow = icmpv4GlobalAllow(net, param.type, param.code);
  if (!allow) return;
  const sk = icmpXmitLock(net);
  if (!sk) return;
  try {
    const ipc = new IpcmCookie();
    sk.tos = b[nh + IPH_TOS]!;
    let daddr = readU32(b, nh + IPH_SADDR);
    ipc.addr = daddr;
    const saddr = fibComputeSpecDst(skb, readU32(b, nh + IPH_DADDR), readU32(b, nh + IPH_SADDR), b[nh + IPH_TOS]!,
      ((rt.rtFlags & (RTCF_BROADCAST | RTCF_MULTICAST | RTCF_LOCAL)) >>> 0) === RTCF_LOCAL);
    if (param.replyopts.optlen) {
      ipc.opt = param.replyopts;
      if (ipc.opt.srr) daddr = param.replyopts.faddr;
    }
    const fl4 = new Flowi4();
    fl4.daddr = daddr;
    fl4.saddr = saddr;
    fl4.mark = 0; // IP4_REPLY_MARK without fwmark_reflect
    fl4.tos = rtTos(b[nh + IPH_TOS]!);
    fl4.proto = IPPROTO_ICMP;
    const out = ipRouteOutputKey(net, fl4);
    if (typeof out === 'number') return;
    if (icmpv4XrlimAllow(net, out, fl4, allow === 2)) icmpPushReply(sk, param, fl4, ipc, out);
  } finally {
    icmpXmitUnlock(net);
  }
}

/**
 * Linux: icmp_route_lookup() without the xfrm parts: the route back to the sender
 * of the offending packet (or to the first hop of its source route).
 */
function icmpRouteLookup(net: Net, fl4: Flowi4, iphSaddr: number, saddr: number, tos: number,
  type: number, code: number, param: IcmpBxm): Rtable | number {
  fl4.daddr = param.replyopts.srr ? param.replyopts.faddr : iphSaddr;
  fl4.saddr = saddr;
  fl4.mark = 0;
  fl4.tos = rtTos(tos);
  fl4.proto = IPPROTO_ICMP;
  fl4.icmpType = type;
  fl4.icmpCode = code;
  fl4.oif = 0; // l3mdev_master_ifindex(): no VRFs
  return ipRouteOutputKey(net, fl4);
}

/**
 * Linux: __icmp_send() / icmp_send(): send an ICMP message of `type`/`code` about
 * `skbIn` (which stays the caller's). `info` is the 32-bit word after the checksum
 * in host order: the next-hop MTU for ICMP_FRAG_NEEDED, the gateway for a redirect,
 * `pointer << 24` for a parameter problem.
 *
 * RFC 1122 §3.2.2: MUST send at least the IP header and 8 bytes of the original
 * (we send as much as fits in 576 bytes, RFC 1812 §4.3.2.3); MUST NOT answer an ICMP
 * error, a datagram sent to an IP broadcast or multicast address or a link-layer
 * broadcast, or a non-first fragment. (A source that is not a unicast host address
 * never gets here: ip_route_input drops martian sources.)
 */
export function icmpSend(skbIn: SkBuff, type: number, code: number, info: number): void {
  const rt = skbRtable(skbIn);
  if (!rt) return;
  const dev0 = rt.dev ?? skbIn.dev;
  if (!dev0) return;
  const net = dev0.net;
  // Find the original header. It is expected to be valid, of course.
  const nh = skbIn.networkHeader;
  if (nh < skbIn.head || nh + IPV4_HLEN > skbIn.tail) return;
  const b = skbIn.buf;
  // No replies to physical multicast/broadcast.
  if (skbIn.pktType !== PACKET_HOST) return;
  // Now check at the protocol level.
  if (rt.rtFlags & (RTCF_BROADCAST | RTCF_MULTICAST)) return;
  // Only reply to fragment 0.
  if (readU16(b, nh + IPH_FRAG_OFF) & IP_OFFSET) return;
  // If we send an ICMP error to an ICMP error a mess would result.
  if (isIcmpError(type) && b[nh + IPH_PROTOCOL] === IPPROTO_ICMP) {
    const itp = nh + (b[nh]! & 0xf) * 4 + ICMP_FIELD_TYPE;
    if (itp >= skbIn.tail) return;
    // Assume any unknown ICMP type is an error (not in the RFC, but think about it).
    const inner = b[itp]!;
    if (inner > NR_ICMP_TYPES || isIcmpError(inner)) return;
  }
  // The namespace-wide limit, unless the packet came in on loopback.
  let allow = 1;
  if (!(skbIn.dev && (skbIn.dev.flags & IFF_LOOPBACK))) {
    allow = icmpv4GlobalAllow(net, type, code);
    if (!allow) return;
  }
  const sk = icmpXmitLock(net);
  if (!sk) return;
  try {
    icmpSendLocked(sk, net, skbIn, rt, type, code, info, allow === 2);
  } finally {
    icmpXmitUnlock(net);
  }
}

function icmpSendLocked(sk: InetSock, net: Net, skbIn: SkBuff, rt: Rtable, type: number, code: number,
  info: number, applyRatelimit: boolean): void {
  const b = skbIn.buf;
  const nh = skbIn.networkHeader;
  const iphSaddr = readU32(b, nh + IPH_SADDR);
  const iphTos = b[nh + IPH_TOS]!;
  // Construct source address and options.
  let saddr = readU32(b, nh + IPH_DADDR);
  if (!(rt.rtFlags & RTCF_LOCAL)) {
    let dev = null;
    if (rt.rtIsInput && ipv4Net(net).sysctl.icmpErrorsUseInboundIfaddr) {
      dev = net.devGetByIndex(rt.rtIif || skbIn.skbIif);
    }
    saddr = dev ? inetSelectAddr(dev, iphSaddr, RT_SCOPE_LINK) : 0;
  }
  const tos = isIcmpError(type) ? (rtTos(iphTos) | IPTOS_PREC_INTERNETCONTROL) : iphTos;
  const param: IcmpBxm = {
    type, code, un: info >>> 0, times: null, skb: skbIn,
    dataOff: nh, dataLen: 0, replyopts: new IpOptions(),
  };
  if (ipOptionsEcho(net, param.replyopts, skbIn)) return;
  sk.tos = tos;
  const ipc = new IpcmCookie();
  ipc.addr = iphSaddr;
  ipc.opt = param.replyopts;
  const fl4 = new Flowi4();
  const out = icmpRouteLookup(net, fl4, iphSaddr, saddr, tos, type, code, param);
  if (typeof out === 'number') return;
  // Peer icmp_ratelimit.
  if (!icmpv4XrlimAllow(net, out, fl4, applyRatelimit)) return;
  // RFC says return as much as we can without exceeding 576 bytes.
  let room = Math.min(out.mtu(), ICMP_ERROR_MAX);
  room -= IPV4_HLEN + param.replyopts.optlen;
  room -= ICMP_HLEN;
  // Guard against tiny mtu: the message must hold at least one IP header.
  if (room <= IPV4_HLEN) return;
  param.dataLen = Math.min(skbIn.tail - nh, room);
  // No source address at this point: the dummy one rather than 0.0.0.0.
  if (!fl4.saddr) fl4.saddr = INADDR_DUMMY;
  icmpPushReply(sk, param, fl4, ipc, out);
}

/* ------------------------------------------------------------------ */
/* Receive                                                             */

/** Linux: icmp_socket_deliver(): the quoted header's protocol learns about the error. */
function icmpSocketDeliver(skb: SkBuff, info: number): void {
  const b = skb.buf;
  const ihl = (b[skb.data]! & 0xf) * 4;
  const protocol = b[skb.data + IPH_PROTOCOL]!;
  // The full IP header plus 8 bytes of the protocol, so handlers need no checks.
  if (!pskbMayPull(skb, ihl + 8)) {
    if (skb.dev) icmpIncStats(skb.dev.net, ICMP_MIB_INERRORS);
    return;
  }
  rawIcmpError(skb, protocol, info);
  const ipprot = inetProtos(skb.dev!.net.kernel)[protocol];
  if (ipprot && ipprot.errHandler) ipprot.errHandler(skb, info);
}

/** Linux: icmp_tag_validation(). */
function icmpTagValidation(k: Kernel, proto: number): boolean {
  return inetProtos(k)[proto]?.icmpStrictTagValidation === true;
}

/**
 * Linux: icmp_unreach(): ICMP_DEST_UNREACH, ICMP_TIME_EXCEEDED, ICMP_SOURCE_QUENCH and
 * ICMP_PARAMETERPROB. `skb.data` is the quoted IP header.
 */
function icmpUnreach(skb: SkBuff): number {
  const net = skb.dst!.dev!.net;
  const sys = ipv4Net(net).sysctl;
  let info = 0;
  // Incomplete header? Only the IP header here; longer headers are checked upstream.
  if (!pskbMayPull(skb, IPV4_HLEN)) {
    icmpIncStats(net, ICMP_MIB_INERRORS);
    return SKB_DROP_REASON_NOT_SPECIFIED;
  }
  const b = skb.buf;
  const ih = skb.transportHeader;
  const iph = skb.data;
  if ((b[iph]! & 0xf) < 5) { // Mangled header, drop.
    icmpIncStats(net, ICMP_MIB_INERRORS);
    return SKB_DROP_REASON_IP_INHDR;
  }
  const type = b[ih + ICMP_FIELD_TYPE]!;
  const code = b[ih + ICMP_FIELD_CODE]!;
  switch (type) {
    case ICMP_DEST_UNREACH:
      switch (code & 15) {
        case ICMP_NET_UNREACH:
        case ICMP_HOST_UNREACH:
        case ICMP_PROT_UNREACH:
        case ICMP_PORT_UNREACH:
          break;
        case ICMP_FRAG_NEEDED:
          // ip_no_pmtu_disc (Documentation/networking/ip-sysctl.rst).
          // 0: use the MTU; 2: ignore; 3: use it only for protocols that validate
          // the quoted tags (icmp_strict_tag_validation); others: debug log only.
          if (sys.ipNoPmtuDisc === 2) return SKB_NOT_DROPPED_YET;
          if (sys.ipNoPmtuDisc === 3 && !icmpTagValidation(net.kernel, b[iph + IPH_PROTOCOL]!)) return SKB_NOT_DROPPED_YET;
          if (sys.ipNoPmtuDisc === 0 || sys.ipNoPmtuDisc === 3) info = readU16(b, ih + 6);
          break;
        default:
          break;
      }
      if (code > NR_ICMP_UNREACH) return SKB_NOT_DROPPED_YET;
      break;
    case ICMP_PARAMETERPROB:
      info = readU32(b, ih + ICMP_FIELD_UN) >>> 24;
      break;
    case ICMP_TIME_EXCEEDED:
      if (code === ICMP_EXC_FRAGTIME) return SKB_NOT_DROPPED_YET;
      break;
  }
  // RFC 1122 §3.2.2: MUST extract the protocol ID from the passed header and pass
  // unreach and time exceeded to the transport layer. But first: some routers send
  // bogus responses to broadcast frames.
  if (!sys.icmpIgnoreBogusErrorResponses &&
    inetDevAddrType(net, skb.dev, readU32(b, iph + IPH_DADDR)) === RTN_BROADCAST) {
    return SKB_NOT_DROPPED_YET;
  }
  icmpSocketDeliver(skb, info);
  return SKB_NOT_DROPPED_YET;
}

/** Linux: icmp_redirect(). */
function icmpRedirect(skb: SkBuff): number {
  if (skb.len < IPV4_HLEN) {
    if (skb.dev) icmpIncStats(skb.dev.net, ICMP_MIB_INERRORS);
    return SKB_DROP_REASON_PKT_TOO_SMALL;
  }
  if (!pskbMayPull(skb, IPV4_HLEN)) return SKB_DROP_REASON_NOMEM;
  icmpSocketDeliver(skb, readU32(skb.buf, skb.transportHeader + ICMP_FIELD_UN));
  return SKB_NOT_DROPPED_YET;
}

/**
 * Linux: icmp_echo(). RFC 1122 §3.2.2.6: MUST answer echo requests, with the data of
 * the request; RFC 1812 §4.3.3.6: MAY be configured off (icmp_echo_ignore_all).
 */
function icmpEcho(skb: SkBuff): number {
  const net = skb.dst!.dev!.net;
  const sys = ipv4Net(net).sysctl;
  if (sys.icmpEchoIgnoreAll) return SKB_NOT_DROPPED_YET;
  const ih = skb.transportHeader;
  const type = skb.buf[ih + ICMP_FIELD_TYPE]!;
  // PROBE (RFC 8335) is not implemented: answered as Linux does with it disabled.
  if (type !== ICMP_ECHO) return SKB_NOT_DROPPED_YET;
  const param: IcmpBxm = {
    type: ICMP_ECHOREPLY, code: skb.buf[ih + ICMP_FIELD_CODE]!, un: readU32(skb.buf, ih + ICMP_FIELD_UN),
    times: null, skb, dataOff: skb.data, dataLen: skb.len, replyopts: new IpOptions(),
  };
  icmpReply(param, skb);
  return SKB_NOT_DROPPED_YET;
}

/** Linux: icmp_timestamp(). RFC 1122 §3.2.2.8: MAY answer; in ms since midnight UT. */
function icmpTimestamp(skb: SkBuff): number {
  if (skb.len < 4) {
    icmpIncStats(skb.dst!.dev!.net, ICMP_MIB_INERRORS);
    return SKB_DROP_REASON_PKT_TOO_SMALL;
  }
  const now = inetCurrentTimestamp(skb.dst!.dev!.net.kernel);
  const ih = skb.transportHeader;
  const param: IcmpBxm = {
    type: ICMP_TIMESTAMPREPLY, code: 0, un: readU32(skb.buf, ih + ICMP_FIELD_UN),
    times: [readU32(skb.buf, skb.data), now, now], skb, dataOff: skb.data, dataLen: 0,
    replyopts: new IpOptions(),
  };
  icmpReply(param, skb);
  return SKB_NOT_DROPPED_YET;
}

/** Linux: icmp_discard(): pretend it was a success. */
function icmpDiscard(_skb: SkBuff): number {
  return SKB_NOT_DROPPED_YET;
}

/** Linux: struct icmp_control. */
interface IcmpControl {
  handler: (skb: SkBuff) => number;
  /** This ICMP is classed as an error message. */
  error: boolean;
}

/** Linux: icmp_pointers[]: how each ICMP type is handled. */
export const icmpPointers: readonly IcmpControl[] = ((): IcmpControl[] => {
  const t: IcmpControl[] = [];
  for (let i = 0; i <= NR_ICMP_TYPES; i++) t.push({ handler: icmpDiscard, error: true });
  t[ICMP_ECHOREPLY] = { handler: pingRcvHandler, error: false };
  t[ICMP_DEST_UNREACH] = { handler: icmpUnreach, error: true };
  t[ICMP_SOURCE_QUENCH] = { handler: icmpUnreach, error: true };
  t[ICMP_REDIRECT] = { handler: icmpRedirect, error: true };
  t[ICMP_ECHO] = { handler: icmpEcho, error: false };
  t[ICMP_TIME_EXCEEDED] = { handler: icmpUnreach, error: true };
  t[ICMP_PARAMETERPROB] = { handler: icmpUnreach, error: true };
  t[ICMP_TIMESTAMP] = { handler: icmpTimestamp, error: false };
  t[ICMP_TIMESTAMPREPLY] = { handler: icmpDiscard, error: false };
  t[ICMP_INFO_REQUEST] = { handler: icmpDiscard, error: false };
  t[ICMP_INFO_REPLY] = { handler: icmpDiscard, error: false };
  t[ICMP_ADDRESS] = { handler: icmpDiscard, error: false };
  t[ICMP_ADDRESSREPLY] = { handler: icmpDiscard, error: false };
  return t;
})();

function pingRcvHandler(skb: SkBuff): number {
  return pingRcv(skb);
}

/** Linux: icmp_pointers[type].error. */
export function isIcmpError(type: number): boolean {
  return type <= NR_ICMP_TYPES && icmpPointers[type]!.error;
}

/** Linux: skb_checksum_simple_validate(): the ICMP checksum over the whole message. */
function icmpChecksumBad(skb: SkBuff): boolean {
  if (skb.ipSummed === CHECKSUM_UNNECESSARY) return false;
  return csumFold(csumPartial(skb.buf, skb.data, skb.len)) !== 0;
}

/**
 * Linux: icmp_rcv(): the IPPROTO_ICMP handler. `skb.data` is the ICMP header (the
 * transport header). Consumes the skb. Returns 0: Linux's NET_RX_DROP would read as a
 * protocol to resubmit to in this tree's inet_protos convention.
 */
export function icmpRcv(skb: SkBuff): number {
  const rt = skbRtable(skb)!;
  const net = (rt.dev ?? skb.dev!).net;
  const mib = ipv4Net(net).mib;
  let reason = SKB_DROP_REASON_NOT_SPECIFIED;
  if (skb.transportHeader < 0) skb.transportHeader = skb.data;
  mib.icmp[ICMP_MIB_INMSGS]!++;
  if (icmpChecksumBad(skb)) {
    mib.icmp[ICMP_MIB_CSUMERRORS]!++;
    mib.icmp[ICMP_MIB_INERRORS]!++;
    kfreeSkbReason(skb, SKB_DROP_REASON_ICMP_CSUM);
    return 0;
  }
  if (skbPull(skb, ICMP_HLEN) < 0) {
    mib.icmp[ICMP_MIB_INERRORS]!++;
    kfreeSkbReason(skb, reason);
    return 0;
  }
  const type = skb.buf[skb.transportHeader + ICMP_FIELD_TYPE]!;
  icmpmsgInIncStats(net, type);
  if (type === ICMP_EXT_ECHO) {
    // RFC 8335 PROBE: unanswered (icmp_echo_enable_probe unsupported), consumed.
    consumeSkb(skb);
    return 0;
  }
  if (rt.rtFlags & (RTCF_BROADCAST | RTCF_MULTICAST)) {
    // RFC 1122 §3.2.2.6: an ICMP_ECHO to broadcast MAY be silently ignored (sysctl);
    // §3.2.2.8: an ICMP_TIMESTAMP MAY be silently discarded if to broadcast/multicast.
    const echoLike = type === ICMP_ECHO || type === ICMP_TIMESTAMP;
    if ((echoLike && ipv4Net(net).sysctl.icmpEchoIgnoreBroadcasts) ||
      (!echoLike && type !== ICMP_ADDRESS && type !== ICMP_ADDRESSREPLY)) {
      mib.icmp[ICMP_MIB_INERRORS]!++;
      kfreeSkbReason(skb, SKB_DROP_REASON_INVALID_PROTO);
      return 0;
    }
  }
  if (type === ICMP_EXT_ECHOREPLY || type === ICMP_ECHOREPLY) {
    // ping_rcv() consumes or drops the skb itself.
    pingRcv(skb);
    return 0;
  }
  // RFC 1122 §3.2.2: unknown ICMP message types MUST be silently discarded.
  if (type > NR_ICMP_TYPES) {
    mib.icmp[ICMP_MIB_INERRORS]!++;
    kfreeSkbReason(skb, SKB_DROP_REASON_UNHANDLED_PROTO);
    return 0;
  }
  reason = icmpPointers[type]!.handler(skb);
  if (reason === SKB_NOT_DROPPED_YET) consumeSkb(skb);
  else kfreeSkbReason(skb, reason);
  return 0;
}

/**
 * Linux: icmp_err(): the ICMP protocol's own err handler: an error quoting an ICMP
 * message we sent. Echo requests belong to ping sockets; errors about our echo
 * replies update the route.
 */
export function icmpErr(skb: SkBuff, info: number): number {
  const b = skb.buf;
  const offset = (b[skb.data]! & 0xf) * 4;
  const quotedType = b[skb.data + offset]!;
  const ih = skb.transportHeader;
  const type = b[ih + ICMP_FIELD_TYPE]!;
  const code = b[ih + ICMP_FIELD_CODE]!;
  const net = skb.dev!.net;
  // ping_err handles every error except those about echo replies the kernel sent.
  if (quotedType !== ICMP_ECHOREPLY) {
    pingErr(skb, offset, info);
    return 0;
  }
  if (type === ICMP_DEST_UNREACH && code === ICMP_FRAG_NEEDED) ipv4UpdatePmtu(skb, net, info, 0, IPPROTO_ICMP);
  else if (type === ICMP_REDIRECT) ipv4Redirect(skb, net, 0, IPPROTO_ICMP);
  return 0;
}

/** Linux: icmp_protocol (af_inet.c). */
export const icmpProtocol: NetProtocol = {
  handler: icmpRcv,
  errHandler: icmpErr,
};

/**
 * Linux: icmp_init() + icmp_sk_init(): the IPPROTO_ICMP handler and, per namespace,
 * the control socket and rate-limit state (sysctl defaults live in Ipv4Sysctls).
 */
export function icmpInit(k: Kernel): void {
  k.registerPernetSubsys({
    name: 'icmp',
    init: (net) => { ipv4Net(net).icmp = new IcmpNet(net); },
  });
  inetAddProtocol(k, icmpProtocol, IPPROTO_ICMP);
}

/** Whether the unreach code asks for a hard error (fatal) on connected sockets. */
export function icmpUnreachFatal(code: number): boolean {
  return code <= NR_ICMP_UNREACH && icmpErrConvert[code]!.fatal;
}
