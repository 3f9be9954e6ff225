/**
 * "Ping" sockets: unprivileged ICMP echo (Linux: net/ipv4/ping.c, include/net/ping.h).
 * `socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)` is allowed to a task whose group is in
 * net.ipv4.ping_group_range (default "1 0": nobody, not even root: root's ping falls
 * back to a raw socket). The socket's "port" is the echo identifier: bind or the
 * first send picks one (ping_get_port), sendmsg takes an 8-byte ICMP echo header from
 * the user, writes the identifier and the checksum, and echo replies come back by
 * identifier (ping_rcv); ICMP errors quoting one of its requests reach it through
 * icmp_err -> ping_err (sk_err, and the error queue with IP_RECVERR).
 *
 * Differences from Linux: per-namespace tables (Linux's is global with net checks);
 * only the task's gid is checked (no supplementary groups); no IPv6 ping; no PROBE.
 */
import type { Kernel, Net } from '../core/net_namespace.js';
import { type SkBuff, kfreeSkbReason, skbCopyBits, CHECKSUM_NONE } from '../core/skbuff.js';
import { SKB_DROP_REASON_NO_SOCKET, SKB_DROP_REASON_SOCKET_RCVBUFF } from '../core/drop_reason.js';
import { sockQueueRcvSkb, sockFlag, SOCK_BROADCAST, skDstReset, skErrorReport } from '../core/sock.js';
import {
  type Sockaddr, type SockaddrIn, type RecvResult, type Cmsg, AF_INET, AF_UNSPEC, SOCK_DGRAM, MSG_OOB,
  MSG_ERRQUEUE, MSG_TRUNC, MSG_DONTROUTE, SO_RXQ_OVFL,
} from '../socket/socket.js';
import { sockRecvTsAndDrops } from '../core/sock_opt.js';
import {
  EMSGSIZE, EINVAL, EOPNOTSUPP, EAFNOSUPPORT, EDESTADDRREQ, EACCES, EADDRINUSE, EADDRNOTAVAIL, ENETUNREACH,
  EHOSTUNREACH, EREMOTEIO, EPROTO,
} from '../socket/errno.js';
import { IPPROTO_ICMP, IPH_SADDR, IPH_DADDR } from '../wire/iphdr.js';
import { readU16, readU32, writeU16 } from '../wire/bytes.js';
import { csumFold, csumPartial } from '../wire/checksum.js';
import {
  ICMP_HLEN, ICMP_ECHO, ICMP_DEST_UNREACH, ICMP_SOURCE_QUENCH, ICMP_REDIRECT, ICMP_TIME_EXCEEDED,
  ICMP_PARAMETERPROB, ICMP_FRAG_NEEDED, NR_ICMP_UNREACH, ICMP_FIELD_TYPE, ICMP_FIELD_CODE, ICMP_FIELD_ID,
  ICMP_FIELD_SEQUENCE, ICMP_FIELD_CHECKSUM,
} from '../wire/icmphdr.js';
import { RT_SCOPE_LINK, RT_SCOPE_UNIVERSE, RTN_LOCAL, RTN_MULTICAST, RTN_BROADCAST } from '../wire/route.js';
import { InetSock, IP_PMTUDISC_DONT } from './inet_sock.js';
import { IpcmCookie } from './ip.js';
import { Flowi4, RTCF_BROADCAST } from './rtable.js';
import {
  type Proto, inetRegisterProtosw, inetSockrawOps, skCommonRelease, inetCanNonlocalBind,
  currentCred, TCP_ESTABLISHED, INET_PROTOSW_REUSE, SOCK_BINDADDR_LOCK, SOCK_BINDPORT_LOCK,
} from './af_inet.js';
import { ipv4Net } from './netns_ipv4.js';
import { ipv4IsMulticast } from './inetdevice.js';
import { IPSTATS_MIB_OUTNOROUTES } from '../core/snmp.js';
import { icmpErrConvert, icmpOutCount, ICMP_EXT_ECHO } from './icmp.js';
import { skbRecvDatagram, skbFreeDatagramPeek, procHexAddr } from './raw.js';
import { procFilesOf } from '../socket/syscalls.js';
import { ipRouteOutputFlow, ipv4SkUpdatePmtu, ipv4SkRedirect } from './route_output.js';
import {
  ipIcmpError, ipRecvError, ipCmsgRecv, ipCmsgSend, ipSetsockopt, ipGetsockopt,
} from './ip_sockglue.js';
import { ip4DatagramConnect } from './datagram.js';
import { udpDisconnect } from './udp.js';
import { inetAddrType } from './fib_frontend.js';
import { ipMakeSkb, ipSendSkb } from './ip_output.js';

/** The namespace's ping sockets by identifier (Linux: ping_table, keyed by ident). */
export class PingTable {
  readonly hash = new Map<number, InetSock[]>();
}

/** The namespace's ping socket table. */
export function pingTable(net: Net): PingTable {
  let t = net.generic.get('ping') as PingTable | undefined;
  if (!t) {
    t = new PingTable();
    net.generic.set('ping', t);
  }
  return t;
}

/** Linux: ping_port_rover: the last identifier handed out (kernel-wide, as Linux). */
function pingPortRover(k: Kernel): number {
  return (k.generic.get('ping_port_rover') as number | undefined) ?? 0;
}

function hashed(sk: InetSock): boolean {
  const list = pingTable(sk.net).hash.get(sk.inetNum);
  return list !== undefined && list.includes(sk);
}

/**
 * Linux: ping_get_port(): bind `ident`, or with 0 the next free one after the rover.
 * Returns 0, or -EADDRINUSE.
 */
export function pingGetPort(sk: InetSock, ident: number): number {
  const t = pingTable(sk.net);
  if (ident === 0) {
    let result = (pingPortRover(sk.net.kernel) + 1) & 0xffff;
    let found = false;
    for (let i = 0; i < 0x10000; i++, result = (result + 1) & 0xffff) {
      if (!result) result++; // avoid zero
      const list = t.hash.get(result);
      if (list && list.length) continue;
      found = true;
      break;
    }
    if (!found) return -EADDRINUSE;
    sk.net.kernel.generic.set('ping_port_rover', result);
    ident = result;
  } else {
    const list = t.hash.get(ident);
    if (list) {
      for (const sk2 of list) {
        // Linux's "BUG? Why is this reuse and not reuseaddr?": SO_REUSEADDR on both shares.
        if (sk2 !== sk && (!sk2.reuse || !sk.reuse)) return -EADDRINUSE;
      }
    }
  }
  if (!hashed(sk)) {
    sk.inetNum = ident;
    let list = t.hash.get(ident);
    if (!list) {
      list = [];
      t.hash.set(ident, list);
    }
    list.unshift(sk);
  } else {
    sk.inetNum = ident;
  }
  return 0;
}

/** Linux: ping_unhash(). */
function pingUnhash(sk: InetSock): void {
  const t = pingTable(sk.net);
  const list = t.hash.get(sk.inetNum);
  if (!list) return;
  const i = list.indexOf(sk);
  if (i < 0) return;
  list.splice(i, 1);
  if (list.length === 0) t.hash.delete(sk.inetNum);
  sk.inetNum = 0;
  sk.inetSport = 0;
}

/** Linux: ping_lookup(): the socket of identifier `ident` for this (IPv4) skb. */
function pingLookup(net: Net, skb: SkBuff, ident: number, daddr: number): InetSock | null {
  const list = pingTable(net).hash.get(ident);
  if (!list) return null;
  const rt = skb.dst as { rtIif?: number } | null;
  const dif = (rt && rt.rtIif) || skb.skbIif || (skb.dev ? skb.dev.ifindex : 0);
  for (const sk of list) {
    if (sk.inetNum !== ident) continue;
    if (sk.inetRcvSaddr && sk.inetRcvSaddr !== daddr) continue;
    if (sk.boundDevIf && sk.boundDevIf !== dif) continue;
    return sk;
  }
  return null;
}

/**
 * Linux: ping_init_sock(): creating a ping socket needs the caller's group within
 * net.ipv4.ping_group_range.
 */
function pingInitSock(sk: InetSock): number {
  const sys = ipv4Net(sk.net).sysctl;
  const cred = currentCred(sk.net.kernel);
  const group = cred?.gid ?? sk.gid;
  if (sys.pingGroupLow <= group && group <= sys.pingGroupHigh) return 0;
  return -EACCES;
}

/** Linux: ping_check_bind_addr() (IPv4). */
function pingCheckBindAddr(sk: InetSock, uaddr: Sockaddr): number {
  const a = uaddr as SockaddrIn;
  const addr = (a.addr ?? 0) >>> 0;
  if (uaddr.family !== AF_INET && !(uaddr.family === AF_UNSPEC && addr === 0)) return -EAFNOSUPPORT;
  if (addr === 0) return 0;
  const chk = inetAddrType(sk.net, addr);
  if (chk === RTN_MULTICAST || chk === RTN_BROADCAST || (chk !== RTN_LOCAL && !inetCanNonlocalBind(sk.net, sk))) {
    return -EADDRNOTAVAIL;
  }
  return 0;
}

/** Linux: ping_bind(): no privileged identifiers, no multicast or broadcast addresses. */
function pingBind(sk: InetSock, uaddr: Sockaddr): number {
  const err = pingCheckBindAddr(sk, uaddr);
  if (err) return err;
  if (sk.inetNum !== 0) return -EINVAL;
  const snum = ((uaddr as SockaddrIn).port ?? 0) & 0xffff;
  if (pingGetPort(sk, snum) !== 0) return -EADDRINUSE;
  // ping_set_saddr().
  sk.inetRcvSaddr = sk.inetSaddr = ((uaddr as SockaddrIn).addr ?? 0) >>> 0;
  if (sk.inetRcvSaddr) sk.userlocks |= SOCK_BINDADDR_LOCK;
  if (snum) sk.userlocks |= SOCK_BINDPORT_LOCK;
  sk.inetSport = sk.inetNum;
  sk.inetDaddr = 0;
  sk.inetDport = 0;
  skDstReset(sk);
  return 0;
}

/** Linux: ping_supported(). */
function pingSupported(type: number, code: number): boolean {
  return (type === ICMP_ECHO || type === ICMP_EXT_ECHO) && code === 0;
}

/**
 * Linux: ping_err(): an ICMP error quoting an echo request. `skb.data` is the quoted
 * IP header, `offset` its length (the quoted ICMP header follows).
 */
export function pingErr(skb: SkBuff, offset: number, info: number): void {
  const net = skb.dev!.net;
  const b = skb.buf;
  const type = b[skb.transportHeader + ICMP_FIELD_TYPE]!;
  const code = b[skb.transportHeader + ICMP_FIELD_CODE]!;
  const icmph = skb.data + offset;
  // We assume the packet has already been checked by icmp_unreach.
  if (!pingSupported(b[icmph]!, b[icmph + 1]!)) return;
  // Linux's ping_lookup() matches the bound address against ip_hdr(skb)->daddr: here the
  // ICMP error's own destination (the outer header).
  const sk = pingLookup(net, skb, readU16(b, icmph + ICMP_FIELD_ID), readU32(b, skb.networkHeader + IPH_DADDR));
  if (!sk) return; // No socket for error
  let err = 0;
  let harderr = false;
  switch (type) {
    default:
    case ICMP_TIME_EXCEEDED:
      err = EHOSTUNREACH;
      break;
    case ICMP_SOURCE_QUENCH:
      // This is not a real error but ping wants to see it: some fake errno.
      err = EREMOTEIO;
      break;
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
        return;
      }
      err = EHOSTUNREACH;
      if (code <= NR_ICMP_UNREACH) {
        harderr = icmpErrConvert[code]!.fatal;
        err = icmpErrConvert[code]!.errno;
      }
      break;
    case ICMP_REDIRECT:
      // See ICMP_SOURCE_QUENCH.
      ipv4SkRedirect(skb, sk);
      err = EREMOTEIO;
      break;
  }
  // RFC 1122 §4.1.3.3: pass ICMP errors back to the application.
  if (!sk.recverr) {
    if (!harderr || sk.state !== TCP_ESTABLISHED) return;
  } else {
    ipIcmpError(sk, skb, err, 0 /* no remote port */, info, icmph);
  }
  sk.err = err;
  skErrorReport(sk);
}

/** Linux: ping_rcv(): an echo reply for the socket of its identifier. Consumes the skb. */
export function pingRcv(skb: SkBuff): number {
  const net = skb.dev!.net;
  const ih = skb.transportHeader;
  // Push ICMP header back.
  skb.data = ih;
  const daddr = readU32(skb.buf, skb.networkHeader + IPH_DADDR);
  const sk = pingLookup(net, skb, readU16(skb.buf, ih + ICMP_FIELD_ID), daddr);
  if (sk) {
    if (sockQueueRcvSkb(sk, skb) < 0) {
      kfreeSkbReason(skb, SKB_DROP_REASON_SOCKET_RCVBUFF);
      return SKB_DROP_REASON_SOCKET_RCVBUFF;
    }
    return 0;
  }
  kfreeSkbReason(skb, SKB_DROP_REASON_NO_SOCKET);
  return SKB_DROP_REASON_NO_SOCKET;
}

/**
 * Linux: ping_v4_sendmsg(): `data` starts with the user's ICMP echo header; the kernel
 * puts its identifier (the bound port) and the checksum in.
 */
export function pingV4Sendmsg(sk: InetSock, data: Uint8Array, addr: Sockaddr | null, flags: number, cmsgs?: Cmsg[]): number {
  const net = sk.net;
  const len = data.length;
  // ping_common_sendmsg().
  if (len > 0xffff) return -EMSGSIZE;
  // Must have at least a full ICMP header.
  if (len < ICMP_HLEN) return -EINVAL;
  // Mirror BSD error message compatibility.
  if (flags & MSG_OOB) return -EOPNOTSUPP;
  const type = data[ICMP_FIELD_TYPE]!;
  const code = data[ICMP_FIELD_CODE]!;
  if (!pingSupported(type, code)) return -EINVAL;
  // Get and verify the address.
  let daddr: number;
  if (addr) {
    if (addr.family !== AF_INET) return -EAFNOSUPPORT;
    daddr = ((addr as SockaddrIn).addr ?? 0) >>> 0;
  } else {
    if (sk.state !== TCP_ESTABLISHED) return -EDESTADDRREQ;
    daddr = sk.inetDaddr;
  }
  const ipc = new IpcmCookie();
  ipc.addr = sk.inetSaddr;
  ipc.oif = sk.boundDevIf;
  ipc.mark = sk.mark;
  if (cmsgs && cmsgs.length) {
    const e = ipCmsgSend(sk, cmsgs, ipc);
    if (e) return e;
  }
  if (!ipc.opt && sk.inetOpt) ipc.opt = sk.inetOpt;
  let saddr = ipc.addr;
  let faddr = daddr;
  ipc.addr = daddr;
  if (ipc.opt && ipc.opt.srr) {
    if (!daddr) return -EINVAL;
    faddr = ipc.opt.faddr;
  }
  const tos = (ipc.tos !== -1 ? ipc.tos : sk.tos) & 0x1e;
  const scope = (flags & MSG_DONTROUTE) || (ipc.opt && ipc.opt.isStrictroute) ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
  if (ipv4IsMulticast(daddr)) {
    if (!ipc.oif) ipc.oif = sk.mcIndex;
    if (!saddr) saddr = sk.mcAddr;
  } else if (!ipc.oif) ipc.oif = sk.ucIndex;
  const fl4 = Flowi4.output(ipc.oif, ipc.mark, tos, scope, sk.protocol, 0, faddr, saddr, 0, 0, sk.uid);
  fl4.icmpType = type;
  fl4.icmpCode = code;
  const rt = ipRouteOutputFlow(net, fl4, sk);
  if (typeof rt === 'number') {
    if (rt === -ENETUNREACH) ipv4Net(net).mib.ip[IPSTATS_MIB_OUTNOROUTES]!++;
    return rt;
  }
  if ((rt.rtFlags & RTCF_BROADCAST) && !sockFlag(sk, SOCK_BROADCAST)) return -EACCES;
  if (!ipc.addr) ipc.addr = fl4.daddr;
  const skb = ipMakeSkb(sk, fl4, rt, data.subarray(ICMP_HLEN), ICMP_HLEN, ipc, flags);
  let err: number;
  if (typeof skb === 'number') err = skb;
  else {
    // ping_v4_push_pending_frames(): the user's header with our identifier, and the
    // checksum over header and data.
    const b = skb.buf;
    const th = skb.transportHeader;
    b[th + ICMP_FIELD_TYPE] = type;
    b[th + ICMP_FIELD_CODE] = code;
    writeU16(b, th + ICMP_FIELD_CHECKSUM, 0);
    writeU16(b, th + ICMP_FIELD_ID, sk.inetSport);
    writeU16(b, th + ICMP_FIELD_SEQUENCE, readU16(data, ICMP_FIELD_SEQUENCE));
    writeU16(b, th + ICMP_FIELD_CHECKSUM, csumFold(csumPartial(b, th, skb.tail - th)));
    skb.ipSummed = CHECKSUM_NONE;
    err = ipSendSkb(net, skb);
  }
  if (!err) {
    // Linux counts here and again in __ip_make_skb: ping sockets' echoes count twice.
    icmpOutCount(net, type);
    return len;
  }
  return err;
}

/** Linux: ping_recvmsg(): the ICMP message (header included); the address is the source. */
export function pingRecvmsg(sk: InetSock, maxLen: number, flags: number): RecvResult | number {
  if (flags & MSG_OOB) return -EOPNOTSUPP;
  if (flags & MSG_ERRQUEUE) return ipRecvError(sk, maxLen);
  const skb = skbRecvDatagram(sk, flags);
  if (typeof skb === 'number') return skb;
  const full = skb.len;
  let copied = full;
  let mflags = 0;
  if (copied > maxLen) {
    mflags |= MSG_TRUNC;
    copied = maxLen;
  }
  // Don't bother checking the checksum.
  const data = skbCopyBits(skb, skb.data, copied);
  const saddr = readU32(skb.buf, skb.networkHeader + IPH_SADDR);
  // sock_recv_timestamp() (the drops count is not reported on ping sockets), ip_cmsg_recv().
  const cmsgs: Cmsg[] = [];
  sockRecvTsAndDrops(sk, skb, cmsgs);
  for (let i = cmsgs.length - 1; i >= 0; i--) if (cmsgs[i]!.type === SO_RXQ_OVFL) cmsgs.splice(i, 1);
  if (sk.cmsgFlags) cmsgs.push(...ipCmsgRecv(sk, skb));
  skbFreeDatagramPeek(skb, flags);
  return { data, fullLength: full, addr: { family: AF_INET, port: 0, addr: saddr }, flags: mflags, cmsgs };
}

/** Linux: ping_prot. */
export const pingProt: Proto = {
  name: 'PING',
  init: pingInitSock,
  close: (sk) => skCommonRelease(sk),
  connect: (sk, addr) => ip4DatagramConnect(sk, addr),
  disconnect: (sk, flags) => udpDisconnect(sk, flags),
  setsockopt: (sk, level, optname, value) => ipSetsockopt(sk, level, optname, value),
  getsockopt: (sk, level, optname) => ipGetsockopt(sk, level, optname),
  sendmsg: pingV4Sendmsg,
  recvmsg: pingRecvmsg,
  bind: pingBind,
  // Linux: ping_hash() is never reached (BUG()): sockets are hashed by get_port.
  hash: () => 0,
  unhash: pingUnhash,
  getPort: pingGetPort,
};

/**
 * /proc/net/icmp (Linux: ping_v4_seq_show): lines padded to 127 columns; the bucket
 * is (ident + net_hash_mix) & 63, the mix being random on Linux and 0 here.
 */
export function pingSeqShow(net: Net): string {
  const pad = (s: string): string => s.padEnd(127) + '\n';
  const hex = (v: number, w: number): string => (v >>> 0).toString(16).toUpperCase().padStart(w, '0');
  let out = pad('  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops');
  const t = pingTable(net);
  const idents = [...t.hash.keys()].sort((a, b) => (a & 63) - (b & 63) || a - b);
  for (const ident of idents) {
    for (const sk of t.hash.get(ident)!) {
      out += pad(`${String(ident & 63).padStart(5)}: ${procHexAddr(sk.inetRcvSaddr)}:${hex(sk.inetSport, 4)} ` +
        `${procHexAddr(sk.inetDaddr)}:${hex(sk.inetDport, 4)} ${hex(sk.state, 2)} ${hex(sk.wmemAlloc, 8)}:${hex(sk.rmemAlloc, 8)} ` +
        `00:00000000 00000000 ${String(sk.uid).padStart(5)} ${'0'.padStart(8)} ${sk.ino} 2 0000000000000000 ${sk.drops}`);
    }
  }
  return out;
}

/** Linux: inet_init()'s ping part: the SOCK_DGRAM/IPPROTO_ICMP entry of inetsw. */
export function pingInit(k: Kernel): void {
  inetRegisterProtosw(k, { type: SOCK_DGRAM, protocol: IPPROTO_ICMP, prot: pingProt, ops: inetSockrawOps, flags: INET_PROTOSW_REUSE });
  procFilesOf(k).set('/proc/net/icmp', pingSeqShow);
}

