/**
 * The UDP socket table (Linux: net/ipv4/udp.c udp_lib_get_port, udp_lib_unhash,
 * udp_lib_rehash, __udp4_lib_lookup, compute_score, include/net/udp.h udp_table).
 *
 * Each namespace has its own table (Linux 6.2+ can give a namespace its own
 * udp_table too), created on the first bind: `UDP_HTABLE_SIZE` slots of sockets
 * keyed by local port, `slot = (port + hash_mix) & mask`, newest socket first, as
 * Linux's primary hash. Lookups score the sockets of the port's slot the way
 * __udp4_lib_lookup does over its secondary (address, port) hash: sockets bound
 * to the packet's destination address are tried first, wildcard ones only when none
 * matched; the best compute_score wins (ties: the most recently bound socket), and
 * an SO_REUSEPORT group hands the flow to one member by a hash of the 4-tuple.
 *
 * An ephemeral port (bind to port 0, autobind) is chosen as udp_lib_get_port does:
 * a random first port in the local range, then ports of the same slot by steps of
 * an odd multiple of the table size, then the next slot, so the whole range is
 * covered in a random order; ports used by conflicting sockets and
 * ip_local_reserved_ports are skipped.
 */
import type { Net } from '../core/net_namespace.js';
import {
  reuseportAddSock, reuseportAlloc, reuseportDetachSock, reuseportHasConns, reuseportSelectSock, reciprocalScale,
} from '../core/sock_reuseport.js';
import { InetSock } from './inet_sock.js';
import type { Flowi4, Rtable } from './rtable.js';
import type { IpcmCookie } from './ip.js';
import { ipv4Net } from './netns_ipv4.js';
import { sockProtInuseAdd } from './af_inet.js';

/** Slots of the table (this host prints "UDP hash table entries: 16384"). */
export const UDP_HTABLE_SIZE = 16384;
const UDP_HTABLE_LOG = 14;
const TCP_ESTABLISHED = 1;

/** What a corked datagram keeps until it is sent (Linux: struct inet_cork_full). */
export interface UdpCork {
  fl4: Flowi4;
  rt: Rtable;
  ipc: IpcmCookie;
}

/** Linux: struct udp_sock (the fields UDP adds to an inet sock). */
export class UdpSock extends InetSock {
  /** Local port the socket is hashed under (Linux: udp_port_hash). */
  udpPortHash = 0;
  /** In the table (Linux: sk_hashed()). */
  hashed = false;
  /** UDP_CORK (Linux: corkflag) and the datagram being corked (pending = AF_INET). */
  corkflag = false;
  pending = 0;
  /** Corked payload chunks and their total length (Linux: the write queue and up->len). */
  corkChunks: Uint8Array[] = [];
  corkLen = 0;
  /** UDP_ENCAP (Linux: encap_type); no encapsulation handler exists here. */
  encapType = 0;
  /** UDP_SEGMENT (GSO size) and UDP_GRO. */
  gsoSize = 0;
  groEnabled = false;
  noCheck6Tx = false;
  noCheck6Rx = false;
  /** The flow, route and options of the corked datagram (Linux: inet->cork). */
  corkState: UdpCork | null = null;
  /** Per-socket scratch for sendmsg (the stack flowi4/ipcm_cookie of udp_sendmsg), reused: no allocation per datagram. */
  sendScratch: unknown = null;
}

/** Linux: struct udp_table, for one namespace. */
export class UdpTable {
  readonly mask = UDP_HTABLE_SIZE - 1;
  readonly log = UDP_HTABLE_LOG;
  /** Slot -> sockets, newest first (Linux: hash[].head). */
  readonly hash: (UdpSock[] | null)[];
  /** Linux: net_hash_mix(net). */
  readonly hashMix: number;
  /** Linux: udp_ehash_secret (reuseport flow hash). */
  readonly ehashSecret: number;

  constructor(net: Net) {
    this.hash = new Array<UdpSock[] | null>(UDP_HTABLE_SIZE).fill(null);
    this.hashMix = net.kernel.rng.u32();
    this.ehashSecret = net.kernel.rng.u32();
  }
}

/** The namespace's UDP table (created on first use). */
export function udpTable(net: Net): UdpTable {
  const n = ipv4Net(net);
  let t = n.udp;
  if (!t) {
    t = new UdpTable(net);
    n.udp = t;
  }
  return t;
}

/** The table if the namespace has one (no allocation for lookups in a socketless namespace). */
export function udpTableIfAny(net: Net): UdpTable | null {
  return ipv4Net(net).udp;
}

/** Linux: udp_hashfn(). */
export function udpHashfn(t: UdpTable, port: number): number {
  return (port + t.hashMix) & t.mask;
}

/* ------------------------------------------------------------------ */
/* jhash (Linux: include/linux/jhash.h)                                */

function rol32(w: number, s: number): number {
  return ((w << s) | (w >>> (32 - s))) >>> 0;
}

/** Linux: jhash_3words(). */
export function jhash3words(a: number, b: number, c: number, initval: number): number {
  const iv = (initval + 0xdeadbeef + (3 << 2)) >>> 0;
  a = (a + iv) >>> 0;
  b = (b + iv) >>> 0;
  c = (c + iv) >>> 0;
  // __jhash_final
  c ^= b; c = (c - rol32(b, 14)) >>> 0;
  a ^= c; a = (a - rol32(c, 11)) >>> 0;
  b ^= a; b = (b - rol32(a, 25)) >>> 0;
  c ^= b; c = (c - rol32(b, 16)) >>> 0;
  a ^= c; a = (a - rol32(c, 4)) >>> 0;
  b ^= a; b = (b - rol32(a, 14)) >>> 0;
  c ^= b; c = (c - rol32(b, 24)) >>> 0;
  return c >>> 0;
}

/** Linux: udp_ehashfn() (__inet_ehashfn over the 4-tuple). */
export function udpEhashfn(t: UdpTable, laddr: number, lport: number, faddr: number, fport: number): number {
  return jhash3words(laddr >>> 0, faddr >>> 0, ((lport << 16) | fport) >>> 0, (t.ehashSecret + t.hashMix) >>> 0);
}

/* ------------------------------------------------------------------ */
/* Binding                                                             */

/** Linux: ipv4_rcv_saddr_equal() for two IPv4 sockets. */
function rcvSaddrEqual(a1: number, a2: number, matchWildcard: boolean): boolean {
  if (a1 === a2) return true;
  return matchWildcard && (a1 === 0 || a2 === 0);
}

/**
 * Linux: udp_lib_lport_inuse(): does a socket of the slot forbid `sk` the port
 * `num`? With `bitmap`, every conflicting socket's port is marked instead
 * (bit port >> log) and the answer is always false.
 */
function udpLibLportInuse(slot: UdpSock[] | null, num: number, sk: UdpSock, bitmap: Uint8Array | null, log: number): boolean {
  if (!slot) return false;
  const uid = sk.uid;
  for (const sk2 of slot) {
    if (sk2 === sk) continue;
    if (!bitmap && sk2.udpPortHash !== num) continue;
    if (sk2.reuse && sk.reuse) continue;
    if (sk2.boundDevIf && sk.boundDevIf && sk2.boundDevIf !== sk.boundDevIf) continue;
    if (!rcvSaddrEqual(sk.inetRcvSaddr, sk2.inetRcvSaddr, true)) continue;
    if (sk2.reuseport && sk.reuseport && !sk.reuseportCb && uid === sk2.uid) {
      continue; // a compatible SO_REUSEPORT socket: no conflict
    }
    if (!bitmap) return true;
    bitmap[sk2.udpPortHash >>> log] = 1;
  }
  return false;
}

/** Linux: udp_reuseport_add_sock(): join the group of an equal SO_REUSEPORT socket, or start one. */
function udpReuseportAddSock(sk: UdpSock, slot: UdpSock[] | null): number {
  if (slot) {
    for (const sk2 of slot) {
      if (sk2 !== sk && sk2.family === sk.family && sk2.udpPortHash === sk.udpPortHash &&
        sk2.boundDevIf === sk.boundDevIf && sk2.reuseport && sk2.uid === sk.uid &&
        rcvSaddrEqual(sk.inetRcvSaddr, sk2.inetRcvSaddr, false)) {
        return reuseportAddSock(sk, sk2, sk.inetRcvSaddr === 0);
      }
    }
  }
  return reuseportAlloc(sk, sk.inetRcvSaddr === 0);
}

/** Linux: inet_sk_get_local_port_range(): the sysctl range narrowed by IP_LOCAL_PORT_RANGE. */
export function inetSkGetLocalPortRange(sk: InetSock): [number, number] {
  const sys = ipv4Net(sk.net).sysctl;
  let lo = sys.ipLocalPortLow;
  let hi = sys.ipLocalPortHigh;
  const r = sk.localPortRange;
  if (r) {
    const skLo = r & 0xffff;
    const skHi = r >>> 16;
    if (lo <= skLo && skLo <= hi) lo = skLo;
    if (lo <= skHi && skHi <= hi) hi = skHi;
  }
  return [lo, hi];
}

/**
 * Linux: udp_lib_get_port() / udp_v4_get_port(): bind `sk` to `snum` (0: choose an
 * ephemeral port) and hash it. Returns 0, or 1 when the port is taken or none is free.
 */
export function udpV4GetPort(sk: UdpSock, snum: number): number {
  const net = sk.net;
  const t = udpTable(net);
  let slotIdx: number;
  if (!snum) {
    const [low, high] = inetSkGetLocalPortRange(sk);
    const remaining = high - low + 1;
    let rand = net.kernel.rng.u32();
    let first = (reciprocalScale(rand, remaining) + low) & 0xffff;
    // An odd multiple of the table size: steps through every port of one slot.
    rand = Math.imul((rand | 1) >>> 0, t.mask + 1) & 0xffff;
    const last = (first + t.mask + 1) & 0xffff;
    const reserved = ipv4Net(net).sysctl.ipLocalReservedPorts;
    const bitmap = new Uint8Array(1 << (16 - t.log));
    let found = -1;
    do {
      slotIdx = udpHashfn(t, first);
      bitmap.fill(0);
      udpLibLportInuse(t.hash[slotIdx], 0, sk, bitmap, t.log);
      let port = first;
      do {
        if (low <= port && port <= high && !bitmap[port >>> t.log] && !reserved.has(port)) {
          found = port;
          break;
        }
        port = (port + rand) & 0xffff;
      } while (port !== first);
      if (found >= 0) break;
      first = (first + 1) & 0xffff;
    } while (first !== last);
    if (found < 0) return 1;
    snum = found;
  } else {
    slotIdx = udpHashfn(t, snum);
    if (udpLibLportInuse(t.hash[slotIdx], snum, sk, null, t.log)) return 1;
  }
  // found:
  sk.inetNum = snum;
  sk.udpPortHash = snum;
  if (!sk.hashed) {
    const slot = t.hash[slotIdx];
    if (sk.reuseport && udpReuseportAddSock(sk, slot)) {
      sk.inetNum = 0;
      sk.udpPortHash = 0;
      return 1;
    }
    if (slot) slot.unshift(sk);
    else t.hash[slotIdx] = [sk];
    sk.hashed = true;
    sockProtInuseAdd(net, sk.skProt, 1);
  }
  return 0;
}

/** Linux: udp_lib_unhash(). */
export function udpLibUnhash(sk: UdpSock): void {
  if (!sk.hashed) return;
  const t = udpTable(sk.net);
  const idx = udpHashfn(t, sk.udpPortHash);
  const slot = t.hash[idx];
  if (sk.reuseportCb) reuseportDetachSock(sk);
  if (slot) {
    const i = slot.indexOf(sk);
    if (i >= 0) slot.splice(i, 1);
    if (slot.length === 0) t.hash[idx] = null;
  }
  sk.hashed = false;
  sk.inetNum = 0;
  sockProtInuseAdd(sk.net, sk.skProt, -1);
}

/**
 * Linux: udp_lib_rehash() / udp_v4_rehash(): the bound address changed (connect
 * picked a source). The secondary hash moves; a member of an SO_REUSEPORT group
 * leaves it, since the group was keyed by the old address.
 */
export function udpV4Rehash(sk: UdpSock): void {
  if (!sk.hashed) return;
  if (sk.reuseportCb) reuseportDetachSock(sk);
}

/* ------------------------------------------------------------------ */
/* Lookup                                                              */

/** Linux: udp_sk_bound_dev_eq() (no l3mdev: sdif is always 0). */
function boundDevEq(boundDevIf: number, dif: number): boolean {
  return !boundDevIf || boundDevIf === dif;
}

/** Linux: compute_score() (IPv4 sockets score 2 to start with). */
export function computeScore(sk: UdpSock, saddr: number, sport: number, daddr: number, hnum: number, dif: number): number {
  if (sk.udpPortHash !== hnum) return -1;
  if (sk.inetRcvSaddr !== daddr) return -1;
  let score = 2;
  if (sk.inetDaddr) {
    if (sk.inetDaddr !== saddr) return -1;
    score += 4;
  }
  if (sk.inetDport) {
    if (sk.inetDport !== sport) return -1;
    score += 4;
  }
  if (!boundDevEq(sk.boundDevIf, dif)) return -1;
  if (sk.boundDevIf) score += 4;
  return score;
}

/** Linux: udp4_lib_lookup2() over the sockets bound to `daddr` (exactly) and port `hnum`. */
function udp4LibLookup2(t: UdpTable, slot: UdpSock[], saddr: number, sport: number, daddr: number, hnum: number,
  dif: number): UdpSock | null {
  let result: UdpSock | null = null;
  let badness = 0;
  for (let i = 0; i < slot.length; i++) {
    const sk = slot[i]!;
    const score = computeScore(sk, saddr, sport, daddr, hnum, dif);
    if (score > badness) {
      badness = score;
      if (sk.reuseport && sk.state !== TCP_ESTABLISHED && sk.reuseportCb) {
        const r = reuseportSelectSock(sk, udpEhashfn(t, daddr, hnum, saddr, sport)) as UdpSock | null;
        // Fall back to scoring if the group has connections.
        if (r && !reuseportHasConns(sk)) return r;
        if (r) {
          result = r;
          badness = computeScore(r, saddr, sport, daddr, hnum, dif);
          continue;
        }
      }
      result = sk;
    }
  }
  return result;
}

/**
 * Linux: __udp4_lib_lookup(): the socket for a datagram from saddr:sport to
 * daddr:dport arriving on `dif`: connected or address-bound sockets first, then
 * wildcard ones. Null when none.
 */
export function udp4LibLookup(net: Net, saddr: number, sport: number, daddr: number, dport: number, dif: number): UdpSock | null {
  const t = udpTableIfAny(net);
  if (t === null) return null;
  const slot = t.hash[udpHashfn(t, dport)];
  if (!slot) return null;
  const result = udp4LibLookup2(t, slot, saddr, sport, daddr, dport, dif);
  if (result) return result;
  if (daddr === 0) return null;
  return udp4LibLookup2(t, slot, saddr, sport, 0, dport, dif);
}
