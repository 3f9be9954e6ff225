/**
 * TCP's socket tables (Linux: net/ipv4/inet_hashtables.c, include/net/inet_hashtables.h,
 * the bind-conflict half of net/ipv4/inet_connection_sock.c and tcp_twsk_unique of
 * tcp_ipv4.c).
 *
 * One `TcpNet` per namespace (Linux keeps one global tcp_hashinfo keyed by netns, or a
 * per-netns one with tcp_child_ehash_entries; tuxnet always has its own):
 * - ehash: established, SYN_SENT and other connected full socks, request socks
 *   (TCP_NEW_SYN_RECV, Linux 4.4+) and TIME_WAIT socks, in buckets indexed by
 *   inet_ehashfn(laddr, lport, faddr, fport) = jhash_3words with a per-namespace secret;
 *   the table doubles when it holds twice as many entries as buckets.
 * - bhash: bind buckets by local port (Linux: inet_bind_bucket, with fastreuse /
 *   fastreuseport; bhash2's per-address view is the owners list filtered by address).
 * - lhash: listeners by port (Linux: lhash2 by (address, port); a lookup tries sockets
 *   bound to the destination address first and wildcard ones only when none matched,
 *   exactly as the two lhash2 probes do), with SO_REUSEPORT groups choosing by hash.
 * Ephemeral ports for connect() follow __inet_hash_connect (RFC 6056 algorithm 4: a
 * per-destination offset from a keyed hash plus a perturbation table, even ports
 * first, step 2), and bind(port 0) follows inet_csk_find_open_port (odd ports first,
 * lower half of the range first for SO_REUSEADDR sockets).
 */
import type { Kernel, Net } from '../core/net_namespace.js';
import type { SkBuff } from '../core/skbuff.js';
import { TcpHdr } from '../wire/tcphdr.js';
import {
  reuseportAddSock, reuseportAlloc, reuseportDetachSock, reuseportSelectSock,
} from '../core/sock_reuseport.js';
import { EADDRINUSE, EADDRNOTAVAIL } from '../socket/errno.js';
import { ipv4Net } from './netns_ipv4.js';
import { sockProtInuseAdd } from './af_inet.js';
import { jhash3words, inetSkGetLocalPortRange } from './udp_hash.js';
import { ipv4IsLoopback } from './inetdevice.js';
import { LINUX_MIB_TIMEWAITRECYCLED } from '../core/snmp.js';
import { TcpSock, RequestSock, TimeWaitSock, TcpOptionsReceived } from './tcp_sock.js';
import { TCP_LISTEN, TCP_TIME_WAIT, TCP_CLOSE, TCP_FIN_WAIT2 } from './tcp_defs.js';
import { secureIpv4PortEphemeral } from './tcp_secure_seq.js';
import { inetTwskDeschedulePut } from './tcp_minisocks.js';

const LOOPBACK_IFINDEX = 1;
/** Linux: INET_TABLE_PERTURB_SIZE (1 << CONFIG_INET_TABLE_PERTURB_ORDER, 16). */
const INET_TABLE_PERTURB_SIZE = 1 << 16;
/** Linux: FASTREUSEPORT_ANY / FASTREUSEPORT_STRICT. */
const FASTREUSEPORT_ANY = 1;
const FASTREUSEPORT_STRICT = 2;
/** Linux: SK_FORCE_REUSE (sk_reuse == 2). */
const SK_FORCE_REUSE = 2;
const EHASH_INITIAL = 256;

/** What the established table holds (Linux: sk, request_sock, inet_timewait_sock in one chain). */
export type EhashSock = TcpSock | RequestSock | TimeWaitSock;
/** What owns a port in a bind bucket. */
export type BindOwner = TcpSock | TimeWaitSock;

/** Linux: struct inet_bind_bucket. */
export class InetBindBucket {
  readonly port: number;
  /** 1: every owner set SO_REUSEADDR and none listens; 0: no; -1: made by connect(). */
  fastreuse = 0;
  /** 0, FASTREUSEPORT_ANY, FASTREUSEPORT_STRICT, or -1 (made by connect()). */
  fastreuseport = 0;
  fastuid = 0;
  fastRcvSaddr = 0;
  readonly owners: BindOwner[] = [];
  constructor(port: number) {
    this.port = port;
  }
}

/** Per-namespace TCP state (Linux: tcp_hashinfo view of the netns, net->ipv4.tcp_death_row, secrets). */
export class TcpNet {
  readonly net: Net;
  /** Established-table buckets; `ehashMask` = size - 1. */
  ehash: (EhashSock[] | null)[];
  ehashMask: number;
  ehashCount = 0;
  /** Linux: inet_ehash_secret + net_hash_mix(net). */
  readonly ehashSecret: number;
  /** Bind buckets by port. */
  readonly bhash = new Map<number, InetBindBucket>();
  /** Listeners by port, newest first. */
  readonly lhash = new Map<number, TcpSock[]>();
  /** TIME_WAIT socks alive (Linux: tcp_death_row.tw_refcount - 1) and orphans (tcp_orphan_count). */
  twCount = 0;
  orphanCount = 0;
  /** Linux: the "Possible SYN flooding" message was printed for a listener port (per listener there). */
  synfloodWarned = false;
  /** Linux 6.x: net->ipv4.tcp_challenge_timestamp / tcp_challenge_count. */
  challengeTimestamp = 0;
  challengeCount = 0;
  /** Linux: syncookie_secret[2] (siphash keys), here two HalfSipHash keys of two words each. */
  readonly syncookieSecret: Uint32Array;
  /** Linux: net->ipv4.tcp_sk: the control socket for RSTs and ACKs without a full socket (tcp_ipv4.ts). */
  ctlSk: unknown = null;
  /** The TCP header view tcp_v4_rcv re-points at each segment (no allocation per packet). */
  readonly rxTh = new TcpHdr(new Uint8Array(0), 0);
  /** Scratch options for TIME_WAIT and request socks (Linux: the on-stack tmp_opt). */
  readonly tmpOpt = new TcpOptionsReceived();

  constructor(net: Net) {
    this.net = net;
    const r = net.kernel.rng;
    this.ehash = new Array<EhashSock[] | null>(EHASH_INITIAL).fill(null);
    this.ehashMask = EHASH_INITIAL - 1;
    this.ehashSecret = r.u32();
    this.syncookieSecret = new Uint32Array([r.u32(), r.u32(), r.u32(), r.u32()]);
  }
}

/** The namespace's TCP state (created by the pernet init, or on first use). */
export function tcpNet(net: Net): TcpNet {
  const n = ipv4Net(net);
  let t = n.tcp;
  if (t === null) {
    t = new TcpNet(net);
    n.tcp = t;
  }
  return t;
}

/** Linux: tcp_sk_init() part: every namespace gets its TcpNet (called from tcpInit). */
export function tcpNetInit(k: Kernel): void {
  k.registerPernetSubsys({
    name: 'tcp_hashtables',
    init: (net) => { tcpNet(net); },
  });
}

/** Linux: inet_ehashfn(). */
export function inetEhashfn(t: TcpNet, laddr: number, lport: number, faddr: number, fport: number): number {
  return jhash3words(laddr >>> 0, faddr >>> 0, ((lport << 16) | fport) >>> 0, t.ehashSecret);
}

/* ------------------------------------------------------------------ */
/* Established table                                                   */

function ehKeyHash(t: TcpNet, o: EhashSock): number {
  if (o instanceof TcpSock) return inetEhashfn(t, o.inetRcvSaddr, o.inetNum, o.inetDaddr, o.inetDport);
  if (o instanceof RequestSock) return inetEhashfn(t, o.locAddr, o.num, o.rmtAddr, o.rmtPort);
  return inetEhashfn(t, o.rcvSaddr, o.num, o.daddr, o.dport);
}

/** Linux: inet_sk_bound_dev_eq() without l3mdev (sdif is always 0 here). */
function boundDevEq(boundDevIf: number, dif: number): boolean {
  return boundDevIf === 0 || boundDevIf === dif;
}

/** Linux: INET_MATCH(): the 4-tuple (seen from this host) and the bound device. */
function ehMatch(o: EhashSock, laddr: number, lport: number, faddr: number, fport: number, dif: number): boolean {
  if (o instanceof TcpSock) {
    return o.inetNum === lport && o.inetDport === fport && o.inetRcvSaddr === laddr && o.inetDaddr === faddr &&
      boundDevEq(o.boundDevIf, dif);
  }
  if (o instanceof RequestSock) {
    return o.num === lport && o.rmtPort === fport && o.locAddr === laddr && o.rmtAddr === faddr &&
      boundDevEq(o.listener.boundDevIf, dif);
  }
  return o.num === lport && o.dport === fport && o.rcvSaddr === laddr && o.daddr === faddr &&
    boundDevEq(o.boundDevIf, dif);
}

function ehashGrow(t: TcpNet): void {
  const old = t.ehash;
  const size = old.length * 2;
  t.ehash = new Array<EhashSock[] | null>(size).fill(null);
  t.ehashMask = size - 1;
  for (const b of old) {
    if (b === null) continue;
    for (const o of b) {
      const i = ehKeyHash(t, o) & t.ehashMask;
      const nb = t.ehash[i];
      if (nb) nb.push(o);
      else t.ehash[i] = [o];
    }
  }
}

/** Add to the established table (no uniqueness check). */
export function ehashInsert(t: TcpNet, o: EhashSock): void {
  if (t.ehashCount >= t.ehash.length * 2) ehashGrow(t);
  const i = ehKeyHash(t, o) & t.ehashMask;
  const b = t.ehash[i];
  if (b) b.unshift(o);
  else t.ehash[i] = [o];
  t.ehashCount++;
}

/** Remove from the established table; false when it was not there. */
export function ehashRemove(t: TcpNet, o: EhashSock): boolean {
  const i = ehKeyHash(t, o) & t.ehashMask;
  const b = t.ehash[i];
  if (!b) return false;
  const j = b.indexOf(o);
  if (j < 0) return false;
  b.splice(j, 1);
  if (b.length === 0) t.ehash[i] = null;
  t.ehashCount--;
  return true;
}

/**
 * Linux: __inet_lookup_established(): the full sock, request sock or TIME_WAIT sock of the
 * connection a segment from saddr:sport to daddr:dport arriving on `dif` belongs to.
 */
export function inetLookupEstablished(net: Net, saddr: number, sport: number, daddr: number, dport: number,
  dif: number): EhashSock | null {
  const t = ipv4Net(net).tcp;
  if (t === null || t.ehashCount === 0) return null;
  const b = t.ehash[inetEhashfn(t, daddr, dport, saddr, sport) & t.ehashMask];
  if (!b) return null;
  for (let i = 0; i < b.length; i++) {
    const o = b[i]!;
    if (ehMatch(o, daddr, dport, saddr, sport, dif)) return o;
  }
  return null;
}

/**
 * Linux: inet_ehash_insert() / inet_ehash_nolisten(): hash a full sock (or request sock)
 * in the established table, replacing `osk` (a request sock or TIME_WAIT sock) when given.
 * Returns false when `osk` was given and already gone (the caller lost a race in
 * Linux; here: the request was dropped meanwhile).
 */
export function inetEhashNolisten(sk: TcpSock | RequestSock, osk: EhashSock | null): boolean {
  const net = sk instanceof TcpSock ? sk.net : sk.listener.net;
  const t = tcpNet(net);
  let ok = true;
  if (osk !== null) {
    ok = ehashRemove(t, osk);
    if (osk instanceof RequestSock) osk.hashed = false;
  }
  if (ok) {
    ehashInsert(t, sk);
    if (sk instanceof TcpSock) {
      sk.skHashed = true;
      sockProtInuseAdd(net, sk.skProt, 1);
    } else {
      sk.hashed = true;
    }
  }
  return ok;
}

/* ------------------------------------------------------------------ */
/* Listeners                                                           */

/** Linux: compute_score() for a listener (IPv4 sockets only: family bonus always 1). */
function computeScore(sk: TcpSock, hnum: number, daddr: number, dif: number): number {
  if (sk.inetNum !== hnum) return -1;
  if (sk.inetRcvSaddr !== daddr) return -1;
  if (!boundDevEq(sk.boundDevIf, dif)) return -1;
  return (sk.boundDevIf ? 2 : 1) + 1;
}

/** Linux: inet_lhash2_lookup() over the listeners of the port bound to exactly `daddr`. */
function lhash2Lookup(t: TcpNet, list: TcpSock[], saddr: number, sport: number, daddr: number, hnum: number,
  dif: number): TcpSock | null {
  let result: TcpSock | null = null;
  let hiscore = 0;
  for (let i = 0; i < list.length; i++) {
    const sk = list[i]!;
    const score = computeScore(sk, hnum, daddr, dif);
    if (score > hiscore) {
      if (sk.reuseport && sk.reuseportCb !== null) {
        // Linux: lookup_reuseport(): one member of the group by the flow hash.
        const r = reuseportSelectSock(sk, inetEhashfn(t, daddr, hnum, saddr, sport));
        if (r !== null) return r as TcpSock;
      }
      result = sk;
      hiscore = score;
    }
  }
  return result;
}

/**
 * Linux: __inet_lookup_listener(): the listener for a SYN to daddr:dport (sockets bound
 * to daddr first, then INADDR_ANY ones), null when none.
 */
export function inetLookupListener(net: Net, _skb: SkBuff | null, saddr: number, sport: number, daddr: number,
  dport: number, dif: number): TcpSock | null {
  const t = ipv4Net(net).tcp;
  if (t === null) return null;
  const list = t.lhash.get(dport);
  if (list === undefined) return null;
  const r = lhash2Lookup(t, list, saddr, sport, daddr, dport, dif);
  if (r !== null) return r;
  return lhash2Lookup(t, list, saddr, sport, 0, dport, dif);
}

/** Linux: inet_reuseport_add_sock(): join the group of an equal listener, or start one. */
function inetReuseportAddSock(sk: TcpSock, list: TcpSock[]): number {
  for (const sk2 of list) {
    if (sk2 !== sk && sk2.family === sk.family && sk2.reuseport && sk2.boundDevIf === sk.boundDevIf &&
      sk2.uid === sk.uid && sk2.inetRcvSaddr === sk.inetRcvSaddr && sk2.inetNum === sk.inetNum) {
      return reuseportAddSock(sk, sk2, sk.inetRcvSaddr === 0);
    }
  }
  return reuseportAlloc(sk, sk.inetRcvSaddr === 0);
}

/**
 * Linux: inet_hash() / __inet_hash(): a listener goes to lhash (joining its SO_REUSEPORT
 * group), any other non-closed socket to ehash. 0 or -errno.
 */
export function inetHash(sk: TcpSock): number {
  if (sk.state === TCP_CLOSE) return 0;
  if (sk.state !== TCP_LISTEN) {
    inetEhashNolisten(sk, null);
    return 0;
  }
  const t = tcpNet(sk.net);
  let list = t.lhash.get(sk.inetNum);
  if (list === undefined) {
    list = [];
    t.lhash.set(sk.inetNum, list);
  }
  if (sk.reuseport) {
    const err = inetReuseportAddSock(sk, list);
    if (err) return err;
  }
  list.unshift(sk);
  sk.skHashed = true;
  sockProtInuseAdd(sk.net, sk.skProt, 1);
  return 0;
}

/** Linux: inet_unhash(). */
export function inetUnhash(sk: TcpSock): void {
  if (!sk.skHashed) return;
  const t = tcpNet(sk.net);
  if (sk.state === TCP_LISTEN) {
    if (sk.reuseportCb !== null) reuseportDetachSock(sk);
    const list = t.lhash.get(sk.inetNum);
    if (list !== undefined) {
      const i = list.indexOf(sk);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) t.lhash.delete(sk.inetNum);
    }
  } else {
    ehashRemove(t, sk);
  }
  sk.skHashed = false;
  sockProtInuseAdd(sk.net, sk.skProt, -1);
}

/* ------------------------------------------------------------------ */
/* Bind buckets                                                        */

function ownerRcvSaddr(o: BindOwner): number {
  return o instanceof TcpSock ? o.inetRcvSaddr : o.rcvSaddr;
}
function ownerState(o: BindOwner): number {
  return o instanceof TcpSock ? o.state : TCP_TIME_WAIT;
}

/** Linux: inet_bind_hash(): `sk` owns `port` through bucket `tb`. */
export function inetBindHash(sk: TcpSock, tb: InetBindBucket, port: number): void {
  sk.inetNum = port;
  tb.owners.push(sk);
  sk.icskBindHash = tb;
}

function bindBucketCreate(t: TcpNet, port: number): InetBindBucket {
  const tb = new InetBindBucket(port);
  t.bhash.set(port, tb);
  return tb;
}

function bindBucketRelease(t: TcpNet, tb: InetBindBucket, o: BindOwner): void {
  const i = tb.owners.indexOf(o);
  if (i >= 0) tb.owners.splice(i, 1);
  if (tb.owners.length === 0 && t.bhash.get(tb.port) === tb) t.bhash.delete(tb.port);
}

/** Linux: inet_put_port() / __inet_put_port(): give the local port back. */
export function inetPutPort(sk: TcpSock): void {
  const tb = sk.icskBindHash as InetBindBucket | null;
  if (tb === null) return;
  sk.icskBindHash = null;
  sk.inetNum = 0;
  bindBucketRelease(tcpNet(sk.net), tb, sk);
}

/** A TIME_WAIT sock takes over the port of the sock it replaces (Linux: inet_twsk_bind_hash). */
export function inetTwskBindHash(tw: TimeWaitSock, sk: TcpSock): void {
  const tb = sk.icskBindHash as InetBindBucket | null;
  if (tb === null) return;
  tb.owners.push(tw);
  tw.bindBucket = tb;
}

/** Linux: inet_twsk_bind_unhash(). */
export function inetTwskBindUnhash(tw: TimeWaitSock): void {
  const tb = tw.bindBucket as InetBindBucket | null;
  if (tb === null) return;
  tw.bindBucket = null;
  bindBucketRelease(tcpNet(tw.net), tb, tw);
}

/** Linux: inet_twsk_unhash() from ehash. */
export function inetTwskUnhash(tw: TimeWaitSock): void {
  const t = tcpNet(tw.net);
  ehashRemove(t, tw);
}

/** Linux: inet_rcv_saddr_equal() for IPv4 (match_wildcard true). */
function rcvSaddrEqual(a1: number, a2: number): boolean {
  return a1 === a2 || a1 === 0 || a2 === 0;
}

/** Linux: inet_bind_conflict() for one other owner of the port. */
function inetBindConflict(sk: TcpSock, sk2: BindOwner, relax: boolean, reuseportCbOk: boolean,
  reuseportOk: boolean): boolean {
  if (sk === sk2) return false;
  const bd2 = sk2.boundDevIf;
  if (sk.boundDevIf && bd2 && sk.boundDevIf !== bd2) return false;
  const st2 = ownerState(sk2);
  if (sk.reuse && sk2.reuse && st2 !== TCP_LISTEN) {
    if (!relax || (!reuseportOk && sk.reuseport && sk2.reuseport && reuseportCbOk &&
      (st2 === TCP_TIME_WAIT || sk.uid === sk2.uid))) return true;
  } else if (!reuseportOk || !sk.reuseport || !sk2.reuseport || !reuseportCbOk ||
    (st2 !== TCP_TIME_WAIT && sk.uid !== sk2.uid)) {
    return true;
  }
  return false;
}

/** Linux: inet_csk_bind_conflict(): does an owner of tb bound to an overlapping address conflict? */
function inetCskBindConflict(sk: TcpSock, tb: InetBindBucket, relax: boolean, reuseportOk: boolean): boolean {
  // Linux: a socket already in a reuseport group cannot be part of a new bind.
  const reuseportCbOk = sk.reuseportCb === null;
  for (const sk2 of tb.owners) {
    if (!rcvSaddrEqual(sk.inetRcvSaddr, ownerRcvSaddr(sk2))) continue;
    if (inetBindConflict(sk, sk2, relax, reuseportCbOk, reuseportOk)) return true;
  }
  return false;
}

/** Linux: sk_reuseport_match(). */
function skReuseportMatch(tb: InetBindBucket, sk: TcpSock): boolean {
  if (tb.fastreuseport <= 0) return false;
  if (!sk.reuseport) return false;
  if (sk.reuseportCb !== null) return false;
  if (tb.fastuid !== sk.uid) return false;
  if (tb.fastreuseport === FASTREUSEPORT_ANY) return true;
  return rcvSaddrEqual(tb.fastRcvSaddr, sk.inetRcvSaddr);
}

/** Linux: inet_csk_update_fastreuse(). */
function inetCskUpdateFastreuse(tb: InetBindBucket, sk: TcpSock): void {
  const reuse = sk.reuse !== 0 && sk.state !== TCP_LISTEN;
  if (tb.owners.length === 0) {
    tb.fastreuse = reuse ? 1 : 0;
    if (sk.reuseport) {
      tb.fastreuseport = FASTREUSEPORT_ANY;
      tb.fastuid = sk.uid;
      tb.fastRcvSaddr = sk.inetRcvSaddr;
    } else {
      tb.fastreuseport = 0;
    }
  } else {
    if (!reuse) tb.fastreuse = 0;
    if (sk.reuseport) {
      if (!skReuseportMatch(tb, sk)) {
        tb.fastreuseport = FASTREUSEPORT_STRICT;
        tb.fastuid = sk.uid;
        tb.fastRcvSaddr = sk.inetRcvSaddr;
      }
    } else {
      tb.fastreuseport = 0;
    }
  }
}

/**
 * Linux: inet_csk_find_open_port(): a free port for bind(0): odd ports first (connect()
 * prefers even ones), the lower half of the range first for SO_REUSEADDR sockets.
 * Returns the port (with its bucket or null when none exists yet) or 0.
 */
function inetCskFindOpenPort(sk: TcpSock, t: TcpNet): { port: number; tb: InetBindBucket | null } | null {
  const net = sk.net;
  const sys = ipv4Net(net).sysctl;
  let relax = false;
  for (;;) { // ports_exhausted:
    let attemptHalf = sk.reuse === 1 ? 1 : 0;
    for (;;) { // other_half_scan:
      let [low, high] = inetSkGetLocalPortRange(sk);
      high++;
      if (high - low < 4) attemptHalf = 0;
      if (attemptHalf) {
        const half = low + (((high - low) >> 2) << 1);
        if (attemptHalf === 1) high = half;
        else low = half;
      }
      let remaining = high - low;
      if (remaining > 1) remaining &= ~1;
      let offset = net.kernel.rng.below(remaining);
      offset |= 1;
      for (;;) { // other_parity_scan:
        let port = low + offset;
        for (let i = 0; i < remaining; i += 2, port += 2) {
          if (port >= high) port -= remaining;
          if (sys.ipLocalReservedPorts.has(port)) continue;
          const tb = t.bhash.get(port);
          if (tb === undefined) return { port, tb: null };
          if (!inetCskBindConflict(sk, tb, relax, false)) return { port, tb };
        }
        offset--;
        if (!(offset & 1)) continue;
        break;
      }
      if (attemptHalf === 1) {
        attemptHalf = 2;
        continue;
      }
      break;
    }
    if (sys.ipAutobindReuse && !relax) {
      relax = true;
      continue;
    }
    return null;
  }
}

/**
 * Linux: inet_csk_get_port(): bind `sk` to `snum` (0: pick a port) with Linux's
 * SO_REUSEADDR / SO_REUSEPORT rules. 0, or -EADDRINUSE.
 */
export function inetCskGetPort(sk: TcpSock, snum: number): number {
  const t = tcpNet(sk.net);
  const reuse = sk.reuse !== 0 && sk.state !== TCP_LISTEN;
  let port = snum;
  let tb: InetBindBucket | null | undefined;
  let foundPort = false;
  if (!port) {
    const r = inetCskFindOpenPort(sk, t);
    if (r === null) return -EADDRINUSE;
    port = r.port;
    tb = r.tb;
    foundPort = true;
    if (tb !== null && sk.icskBindHash === tb) return 0;
  } else {
    tb = t.bhash.get(port);
  }
  if (!tb) tb = bindBucketCreate(t, port);
  if (!foundPort && tb.owners.length > 0 && !(tb.owners.length === 1 && tb.owners[0] === sk)) {
    let check = true;
    if (sk.reuse === SK_FORCE_REUSE || (tb.fastreuse > 0 && reuse) || skReuseportMatch(tb, sk)) check = false;
    if (check && inetCskBindConflict(sk, tb, true, true)) {
      if (tb.owners.length === 0) t.bhash.delete(port);
      return -EADDRINUSE;
    }
  }
  if (sk.icskBindHash === tb) {
    // listen() re-checks the port it already holds: only the fast-reuse state changes.
    tb.owners.splice(tb.owners.indexOf(sk), 1);
    inetCskUpdateFastreuse(tb, sk);
    tb.owners.push(sk);
    return 0;
  }
  inetCskUpdateFastreuse(tb, sk);
  if (sk.icskBindHash === null) inetBindHash(sk, tb, port);
  return 0;
}

/* ------------------------------------------------------------------ */
/* connect(): ephemeral ports and TIME_WAIT reuse                      */

/**
 * Linux: tcp_twsk_unique(): may the connecting `sk` take over the 4-tuple of `tw`?
 * With `auto` (the port was picked by inet_hash_connect), only with tcp_tw_reuse
 * (2: loopback only) and after tcp_tw_reuse_delay ms; a connect() from a port the
 * user bound reuses whenever the TIME_WAIT sock saw timestamps. On success the new
 * connection starts at tw_snd_nxt + 65537 and inherits ts_recent.
 */
export function tcpTwskUnique(sk: TcpSock, tw: TimeWaitSock, auto: boolean): boolean {
  const sys = ipv4Net(sk.net).sysctl;
  let reuse = sys.tcpTwReuse;
  if (tw.substate === TCP_FIN_WAIT2) reuse = 0;
  if (reuse === 2) {
    const loopback = tw.boundDevIf === LOOPBACK_IFINDEX || ipv4IsLoopback(tw.daddr) || ipv4IsLoopback(tw.rcvSaddr);
    if (!loopback) reuse = 0;
  }
  const tsRecentStamp = tw.tsRecentStamp;
  const nowMs = Math.floor(sk.net.kernel.clock.now() / 1e6);
  const reuseThresh = tw.entryStamp + sys.tcpTwReuseDelay;
  if (tsRecentStamp && (!auto || (reuse && nowMs - reuseThresh > 0))) {
    if (!sk.repair) {
      let seq = (tw.sndNxt + 65535 + 2) >>> 0;
      if (!seq) seq = 1;
      sk.writeSeq = seq;
      sk.rxOpt.tsRecent = tw.tsRecent;
      sk.rxOpt.tsRecentStamp = tsRecentStamp;
    }
    return true;
  }
  return false;
}

/**
 * Linux: __inet_check_established(): is (saddr, lport, daddr, dport) free for `sk`? A
 * TIME_WAIT sock in the way is recycled when tcp_twsk_unique allows. On success `sk` is
 * hashed in ehash and the recycled TIME_WAIT sock (if any) is returned for the caller to
 * unbind and kill; -EADDRNOTAVAIL when busy.
 */
function inetCheckEstablished(t: TcpNet, sk: TcpSock, lport: number, auto: boolean): TimeWaitSock | null | number {
  const daddr = sk.inetRcvSaddr;
  const saddr = sk.inetDaddr;
  const dif = sk.boundDevIf;
  const b = t.ehash[inetEhashfn(t, daddr, lport, saddr, sk.inetDport) & t.ehashMask];
  let tw: TimeWaitSock | null = null;
  if (b) {
    for (const o of b) {
      if (!ehMatch(o, daddr, lport, saddr, sk.inetDport, dif)) continue;
      if (o instanceof TimeWaitSock && tcpTwskUnique(sk, o, auto)) {
        tw = o;
        break;
      }
      return -EADDRNOTAVAIL;
    }
  }
  // Must record num and sport now, for the hash.
  sk.inetNum = lport;
  sk.inetSport = lport;
  if (tw !== null) {
    ehashRemove(t, tw);
    ipv4Net(sk.net).mib.net[LINUX_MIB_TIMEWAITRECYCLED]++;
  }
  inetEhashNolisten(sk, null);
  return tw;
}

/** The kernel-wide perturbation table of __inet_hash_connect (Linux: table_perturb). */
function tablePerturb(k: Kernel): Uint32Array {
  let tp = k.generic.get('tcp_table_perturb') as Uint32Array | undefined;
  if (tp === undefined) {
    tp = new Uint32Array(INET_TABLE_PERTURB_SIZE);
    for (let i = 0; i < tp.length; i++) tp[i] = k.rng.u32();
    k.generic.set('tcp_table_perturb', tp);
  }
  return tp;
}

/**
 * Linux: inet_hash_connect() / __inet_hash_connect(): give a connecting socket its local
 * port (unless bound) and hash it in ehash. 0, or -EADDRNOTAVAIL.
 */
export function inetHashConnect(sk: TcpSock): number {
  const net = sk.net;
  const t = tcpNet(net);
  let port = sk.inetNum;
  if (port) {
    const r = inetCheckEstablished(t, sk, port, false);
    if (typeof r === 'number') return r;
    if (r !== null) {
      inetTwskBindUnhash(r);
      inetTwskDeschedulePut(r);
    }
    return 0;
  }
  const k = net.kernel;
  const portOffset = secureIpv4PortEphemeral(k, sk.inetRcvSaddr, sk.inetDaddr, sk.inetDport);
  const localPorts = sk.localPortRange !== 0;
  const step = localPorts ? 1 : 2;
  const [low, hi] = inetSkGetLocalPortRange(sk);
  const high = hi + 1;
  let remaining = high - low;
  if (!localPorts && remaining > 1) remaining &= ~1;
  if (remaining <= 0) return -EADDRNOTAVAIL;
  const perturb = tablePerturb(k);
  const index = (portOffset % 4294967296) & (INET_TABLE_PERTURB_SIZE - 1);
  let offset = (perturb[index]! + Math.floor(portOffset / 4294967296)) % remaining;
  // In the first pass we try ports of @low parity; inet_csk_get_port() does the opposite.
  if (!localPorts) offset &= ~1;
  const reserved = ipv4Net(net).sysctl.ipLocalReservedPorts;
  for (;;) { // other_parity_scan:
    port = low + offset;
    for (let i = 0; i < remaining; i += step, port += step) {
      if (port >= high) port -= remaining;
      if (reserved.has(port)) continue;
      let tb = t.bhash.get(port);
      if (tb !== undefined) {
        if (tb.fastreuse >= 0 || tb.fastreuseport >= 0) continue;
        const r = inetCheckEstablished(t, sk, port, true);
        if (typeof r === 'number') continue;
        hashConnectOk(k, perturb, index, i, step, sk, tb, port, r);
        return 0;
      }
      tb = bindBucketCreate(t, port);
      tb.fastreuse = -1;
      tb.fastreuseport = -1;
      const r = inetCheckEstablished(t, sk, port, true);
      if (typeof r === 'number') {
        t.bhash.delete(port);
        continue;
      }
      hashConnectOk(k, perturb, index, i, step, sk, tb, port, r);
      return 0;
    }
    if (!localPorts) {
      offset++;
      if ((offset & 1) && remaining > 1) continue;
    }
    return -EADDRNOTAVAIL;
  }
}

function hashConnectOk(k: Kernel, perturb: Uint32Array, index: number, i: number, step: number, sk: TcpSock,
  tb: InetBindBucket, port: number, tw: TimeWaitSock | null): void {
  // A little randomness in the next source port chosen: maximal at low contention.
  i = Math.max(i, k.rng.below(8) * step);
  perturb[index] = (perturb[index]! + i + step) >>> 0;
  inetBindHash(sk, tb, port);
  sk.inetSport = port;
  if (tw !== null) {
    inetTwskBindUnhash(tw);
    inetTwskDeschedulePut(tw);
  }
}

/* ------------------------------------------------------------------ */
/* Iteration                                                           */

/**
 * Every TCP socket of the namespace for ss and /proc/net/tcp: listeners (by port), then
 * the established table (full socks, request socks, TIME_WAIT socks).
 */
export function tcpForEachSock(net: Net, fn: (sk: EhashSock) => void): void {
  const t = ipv4Net(net).tcp;
  if (t === null) return;
  for (const list of t.lhash.values()) {
    for (const sk of list.slice()) fn(sk);
  }
  const all: EhashSock[] = [];
  for (const b of t.ehash) if (b) for (const o of b) all.push(o);
  for (const o of all) fn(o);
}

/** True when `o` is a full TCP socket (not a request or TIME_WAIT mini sock). */
export function skFullsock(o: EhashSock): o is TcpSock {
  return o instanceof TcpSock;
}
