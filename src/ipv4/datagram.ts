/**
 * connect(2) for IPv4 datagram sockets (Linux: net/ipv4/datagram.c): UDP, raw and
 * ping sockets all use ip4_datagram_connect(). It routes to the peer, fixes the
 * source address if the socket had none (rehashing it in its table), records the
 * peer, marks the socket TCP_ESTABLISHED and caches the route, whose flow is kept
 * in `sk.corkFl4` (Linux: inet->cork.fl.u.ip4) for later sends.
 */
import { skDstReset, skDstSet, sockFlag, SOCK_BROADCAST } from '../core/sock.js';
import { type Sockaddr, type SockaddrIn, AF_INET } from '../socket/socket.js';
import { EAFNOSUPPORT, EACCES, ENETUNREACH } from '../socket/errno.js';
import { IPSTATS_MIB_OUTNOROUTES } from '../core/snmp.js';
import type { InetSock } from './inet_sock.js';
import { ipv4IsMulticast } from './inetdevice.js';
import { Flowi4, RTCF_BROADCAST, FLOWI_FLAG_ANYSRC } from './rtable.js';
import { ipv4Net } from './netns_ipv4.js';
import { ipRouteConnect } from './route_output.js';
import { TCP_ESTABLISHED } from './af_inet.js';
import { reuseportHasConnsSet } from '../core/sock_reuseport.js';

/** Linux: inet_sk_flowi_flags(). */
export function inetSkFlowiFlags(sk: InetSock): number {
  return sk.transparent || sk.hdrincl ? FLOWI_FLAG_ANYSRC : 0;
}

/** The flow of the socket's last connect (Linux: inet->cork.fl.u.ip4). */
export function inetCorkFl4(sk: InetSock): Flowi4 {
  let fl4 = sk.corkFl4 as Flowi4 | null;
  if (!fl4) {
    fl4 = new Flowi4();
    sk.corkFl4 = fl4;
  }
  return fl4;
}

/** Linux: __ip4_datagram_connect(). */
export function ip4DatagramConnect(sk: InetSock, uaddr: Sockaddr): number {
  if (uaddr.family !== AF_INET) return -EAFNOSUPPORT;
  const usin = uaddr as SockaddrIn;
  const net = sk.net;
  skDstReset(sk);
  let oif = sk.boundDevIf;
  let saddr = sk.inetSaddr;
  const daddr = (usin.addr ?? 0) >>> 0;
  if (ipv4IsMulticast(daddr)) {
    if (!oif) oif = sk.mcIndex;
    if (!saddr) saddr = sk.mcAddr;
  } else if (!oif) {
    oif = sk.ucIndex;
  }
  const fl4 = inetCorkFl4(sk);
  const rt = ipRouteConnect(fl4, daddr, saddr, oif, sk.protocol, sk.inetSport, usin.port & 0xffff, sk);
  if (typeof rt === 'number') {
    if (rt === -ENETUNREACH) ipv4Net(net).mib.ip[IPSTATS_MIB_OUTNOROUTES]++;
    return rt;
  }
  if ((rt.rtFlags & RTCF_BROADCAST) && !sockFlag(sk, SOCK_BROADCAST)) return -EACCES;
  if (!sk.inetSaddr) sk.inetSaddr = fl4.saddr; // update the source address
  if (!sk.inetRcvSaddr) {
    sk.inetRcvSaddr = fl4.saddr;
    sk.skProt.rehash?.(sk);
  }
  sk.inetDaddr = fl4.daddr;
  sk.inetDport = usin.port & 0xffff;
  reuseportHasConnsSet(sk);
  sk.state = TCP_ESTABLISHED;
  sk.txhash = net.kernel.rng.u32();
  sk.inetId = net.kernel.rng.u32() & 0xffff;
  skDstSet(sk, rt);
  return 0;
}
