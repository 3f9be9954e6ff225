/**
 * The IPv4 part of a socket (Linux: include/net/inet_sock.h struct inet_sock,
 * include/uapi/linux/in.h). UDP, raw and ping sockets are InetSocks; the
 * transport adds its own fields in a subclass only when it must.
 * Ports are host order; addresses host-order u32.
 */
import type { Net } from '../core/net_namespace.js';
import { Sock } from '../core/sock.js';
import type { Socket } from '../socket/socket.js';
import type { Proto } from './af_inet.js';

/* IP_* socket options (include/uapi/linux/in.h). */
export const SOL_IP = 0;
export const IP_TOS = 1;
export const IP_TTL = 2;
export const IP_HDRINCL = 3;
export const IP_OPTIONS = 4;
export const IP_ROUTER_ALERT = 5;
export const IP_RECVOPTS = 6;
export const IP_RETOPTS = 7;
export const IP_PKTINFO = 8;
export const IP_PKTOPTIONS = 9;
export const IP_MTU_DISCOVER = 10;
export const IP_RECVERR = 11;
export const IP_RECVTTL = 12;
export const IP_RECVTOS = 13;
export const IP_MTU = 14;
export const IP_FREEBIND = 15;
export const IP_IPSEC_POLICY = 16;
export const IP_XFRM_POLICY = 17;
export const IP_PASSSEC = 18;
export const IP_TRANSPARENT = 19;
export const IP_ORIGDSTADDR = 20;
export const IP_RECVORIGDSTADDR = IP_ORIGDSTADDR;
export const IP_MINTTL = 21;
export const IP_NODEFRAG = 22;
export const IP_CHECKSUM = 23;
export const IP_BIND_ADDRESS_NO_PORT = 24;
export const IP_RECVFRAGSIZE = 25;
export const IP_RECVERR_RFC4884 = 26;
export const IP_MULTICAST_IF = 32;
export const IP_MULTICAST_TTL = 33;
export const IP_MULTICAST_LOOP = 34;
export const IP_ADD_MEMBERSHIP = 35;
export const IP_DROP_MEMBERSHIP = 36;
export const IP_UNICAST_IF = 50;
export const IP_LOCAL_PORT_RANGE = 51;

export const IP_PMTUDISC_DONT = 0;
export const IP_PMTUDISC_WANT = 1;
export const IP_PMTUDISC_DO = 2;
export const IP_PMTUDISC_PROBE = 3;
export const IP_PMTUDISC_INTERFACE = 4;
export const IP_PMTUDISC_OMIT = 5;

/* inet->cmsg_flags bits (Linux: IP_CMSG_*). */
export const IP_CMSG_PKTINFO = 1 << 0;
export const IP_CMSG_TTL = 1 << 1;
export const IP_CMSG_TOS = 1 << 2;
export const IP_CMSG_RECVOPTS = 1 << 3;
export const IP_CMSG_RETOPTS = 1 << 4;
export const IP_CMSG_PASSSEC = 1 << 5;
export const IP_CMSG_ORIGDSTADDR = 1 << 6;
export const IP_CMSG_CHECKSUM = 1 << 7;
export const IP_CMSG_RECVFRAGSIZE = 1 << 8;

/* Linux: include/uapi/linux/errqueue.h */
export const SO_EE_ORIGIN_NONE = 0;
export const SO_EE_ORIGIN_LOCAL = 1;
export const SO_EE_ORIGIN_ICMP = 2;
export const SO_EE_ORIGIN_ICMP6 = 3;

/** Linux: struct sock_extended_err (+ the offender address that follows it). */
export interface SockExtendedErr {
  eeErrno: number;
  eeOrigin: number;
  eeType: number;
  eeCode: number;
  eeInfo: number;
  eeData: number;
  /** SO_EE_OFFENDER: the address of the node that sent the error (0 when none). */
  offender: number;
}

/** What an error-queue skb carries in skb.cb (Linux: struct sock_exterr_skb). */
export interface SockExterrSkb {
  ee: SockExtendedErr;
  /** Offset of the quoted destination address in the payload (Linux: addr_offset). */
  addrOffset: number;
  port: number;
}

/** Linux: struct ip_options (compiled form). Offsets are from the start of the IP header. */
export class IpOptions {
  faddr = 0;
  nexthop = 0;
  /** Total options length in bytes (multiple of 4 once built). */
  optlen = 0;
  srr = 0;
  rr = 0;
  ts = 0;
  isStrictroute = false;
  srrIsHit = false;
  isChanged = false;
  rrNeedaddr = false;
  tsNeedtime = false;
  tsNeedaddr = false;
  routerAlert = 0;
  cipso = 0;
  /** Raw option bytes (Linux: __data), for options set by IP_OPTIONS or echoed. */
  data: Uint8Array = new Uint8Array(0);
}

/** Linux: struct inet_sock. */
export class InetSock extends Sock {
  /** Bound local address (inet_rcv_saddr) and source address used (inet_saddr). */
  inetRcvSaddr = 0;
  inetSaddr = 0;
  inetDaddr = 0;
  /** Local port (inet_num / inet_sport, host order); 0 = unbound. */
  inetNum = 0;
  inetSport = 0;
  inetDport = 0;
  /** Unicast TTL, -1 = net.ipv4.ip_default_ttl. */
  ucTtl = -1;
  tos = 0;
  minTtl = 0;
  mcTtl = 1;
  mcLoop = true;
  mcIndex = 0;
  mcAddr = 0;
  ucIndex = 0;
  pmtudisc = IP_PMTUDISC_WANT;
  hdrincl = false;
  recverr = false;
  recverrRfc4884 = false;
  freebind = false;
  transparent = false;
  nodefrag = false;
  bindAddressNoPort = false;
  /** IP_CMSG_* */
  cmsgFlags = 0;
  /** IP ID counter for connected sockets (Linux: inet_id). */
  inetId = 0;
  /** IP options set with IP_OPTIONS (Linux: inet_opt). */
  inetOpt: IpOptions | null = null;
  /** Per-socket local port range (IP_LOCAL_PORT_RANGE), 0 = the sysctl. */
  localPortRange = 0;
  /** Linux: sk->sk_prot (the transport, set by inet_create). */
  skProt!: Proto;
  /** Linux: sk->sk_socket (null once closed/orphaned). */
  skSocket: Socket | null = null;
  /** Linux: sock_i_ino(): the socket's inode number, for /proc/net/* and ss. */
  ino = 0;
  /** Multicast memberships and IP_MULTICAST_ALL (Linux: mc_list, mc_all); ip_sockglue.ts InetMcState. */
  mcState: unknown = null;
  /** Flow of the last connect/corked send (Linux: inet->cork.fl.u.ip4): a Flowi4 (datagram.ts), or null. */
  corkFl4: unknown = null;

  constructor(net: Net, family: number, type: number, protocol: number) {
    super(net, family, type, protocol);
  }
}
