/**
 * Connection-oriented socket helpers (Linux: net/ipv4/inet_connection_sock.c,
 * include/net/inet_connection_sock.h, include/net/request_sock.h): listen start/stop,
 * the SYN queue (request socks hashed in ehash, counted in qlen/young, with the SYN-ACK
 * retransmission timer reqsk_timer_handler and its "young/old" pruning), the accept queue
 * (sk_ack_backlog against sk_max_ack_backlog), accept(), cloning a child from a
 * listener, and the final destruction of a socket.
 */
import type { TimerList } from '../core/timer.js';
import { consumeSkb } from '../core/skbuff.js';
import { sockFlag, SOCK_DEAD, SOCK_DONE, SOCK_ZAPPED } from '../core/sock.js';
import { EINVAL, EAGAIN, EADDRINUSE } from '../socket/errno.js';
import { LINUX_MIB_TCPTIMEOUTS } from '../core/snmp.js';
import { ipv4Net } from './netns_ipv4.js';
import { inetSockList } from './af_inet.js';
import { RequestSock, tcpJiffies32 } from './tcp_sock.js';
import type { TcpSock } from './tcp_sock.js';
import { TCP_LISTEN, TCP_CLOSE, TCP_SYN_RECV, TCP_RTO_MAX } from './tcp_defs.js';
import { tcpNet, ehashInsert, ehashRemove } from './inet_hashtables.js';
import { tcpRtxSynack } from './tcp_minisocks.js';
import { tcpV4Destroy } from './tcp_ipv4.js';
import { inetCskDelackInit } from './tcp_timer.js';
import { tcpDisconnect } from './tcp.js';
import { skDstReset } from '../core/sock.js';

/** Linux: reqsk_timeout(): the request's timeout after `numTimeout` doublings, capped. */
export function reqskTimeout(req: RequestSock, maxTimeout: number): number {
  return Math.min(req.timeout * 2 ** req.numTimeout, maxTimeout);
}

/** Linux: inet_csk_reqsk_queue_len(). */
export function inetCskReqskQueueLen(sk: TcpSock): number {
  return sk.icskAcceptQueue.qlen;
}

/** Linux: inet_csk_reqsk_queue_is_full(): the SYN queue holds more than the backlog. */
export function inetCskReqskQueueIsFull(sk: TcpSock): boolean {
  return sk.icskAcceptQueue.qlen > sk.maxAckBacklog;
}

/** Linux: sk_acceptq_is_full(): more children wait for accept() than the backlog. */
export function skAcceptqIsFull(sk: TcpSock): boolean {
  return sk.ackBacklog > sk.maxAckBacklog;
}

/* ------------------------------------------------------------------ */
/* Listen                                                              */

/**
 * Linux: inet_csk_listen_start(): LISTEN, check the port again (a listener conflicts
 * where bound sockets did not), hash in lhash. 0 or -EADDRINUSE.
 */
export function inetCskListenStart(sk: TcpSock): number {
  const q = sk.icskAcceptQueue;
  q.head = q.tail = null;
  q.qlen = q.young = 0;
  sk.ackBacklog = 0;
  inetCskDelackInit(sk);
  sk.state = TCP_LISTEN;
  let err = sk.skProt.getPort(sk, sk.inetNum);
  if (!err) {
    sk.inetSport = sk.inetNum;
    skDstReset(sk);
    err = sk.skProt.hash(sk);
    if (!err) return 0;
  }
  sk.state = TCP_CLOSE;
  return err ? (err > 0 ? -EADDRINUSE : err) : -EADDRINUSE;
}

/** Linux: inet_child_forget(): a child that will never be accepted: disconnect (RST when synchronized), destroy. */
function inetChildForget(child: TcpSock): void {
  tcpDisconnect(child, 0);
  child.flags |= SOCK_DEAD;
  child.skSocket = null;
  child.wq = null;
  if (!child.orphaned) {
    child.orphaned = true;
    tcpNet(child.net).orphanCount++;
  }
  inetCskDestroySock(child);
}

/**
 * Linux: inet_csk_listen_stop(): the listener closes: every child waiting in the accept
 * queue is reset and freed. Request socks still in the SYN queue are dropped by their
 * timers (or by the next segment), which find the listener closed.
 */
export function inetCskListenStop(sk: TcpSock): void {
  const q = sk.icskAcceptQueue;
  let req = q.head;
  q.head = q.tail = null;
  while (req !== null) {
    const next = req.next;
    req.next = null;
    const child = req.sk;
    sk.ackBacklog--;
    if (child !== null) {
      req.sk = null;
      child.parentListener = null;
      inetChildForget(child);
    }
    req = next;
  }
}

/* ------------------------------------------------------------------ */
/* SYN queue                                                           */

/** Linux: reqsk_queue_removed(). */
function reqskQueueRemoved(sk: TcpSock, req: RequestSock): void {
  const q = sk.icskAcceptQueue;
  if (req.numTimeout === 0) q.young--;
  q.qlen--;
}

/** Linux: reqsk_queue_unlink(): out of ehash; true when it was there. */
function reqskQueueUnlink(req: RequestSock): boolean {
  if (!req.hashed) return false;
  req.hashed = false;
  return ehashRemove(tcpNet(req.listener.net), req);
}

/**
 * Linux: inet_csk_reqsk_queue_hash_add(): put a new request in the SYN queue (ehash),
 * arm its SYN-ACK timer for `timeout` jiffies.
 */
export function inetCskReqskQueueHashAdd(sk: TcpSock, req: RequestSock, timeout: number): void {
  const k = sk.net.kernel;
  req.numRetrans = 0;
  req.numTimeout = 0;
  req.sk = null;
  req.expires = tcpJiffies32(k) + timeout;
  k.modTimer(req.timer, k.clock.now() + timeout * 1e6);
  ehashInsert(tcpNet(sk.net), req);
  req.hashed = true;
  const q = sk.icskAcceptQueue;
  q.young++;
  q.qlen++;
}

/**
 * Linux: inet_csk_reqsk_queue_drop() / __inet_csk_reqsk_queue_drop(): forget a request
 * (timer stopped, out of ehash, out of the queue counts). True when it was still there.
 */
export function inetCskReqskQueueDrop(sk: TcpSock, req: RequestSock, fromTimer = false): boolean {
  const found = reqskQueueUnlink(req);
  if (!fromTimer && req.timer.pending()) sk.net.kernel.delTimer(req.timer);
  if (found) reqskQueueRemoved(sk, req);
  return found;
}

/**
 * Linux: inet_csk_reqsk_queue_add(): the child of `req` joins the accept queue (null
 * when the listener is gone: the child is forgotten).
 */
export function inetCskReqskQueueAdd(sk: TcpSock, req: RequestSock, child: TcpSock): TcpSock | null {
  if (sk.state !== TCP_LISTEN) {
    inetChildForget(child);
    return null;
  }
  const q = sk.icskAcceptQueue;
  req.sk = child;
  req.next = null;
  if (q.tail === null) q.head = req;
  else q.tail.next = req;
  q.tail = req;
  sk.ackBacklog++;
  child.parentListener = sk;
  return child;
}

/**
 * Linux: inet_csk_complete_hashdance(): the request became `child` (which now owns its
 * ehash slot): the request leaves the SYN queue, the child enters the accept queue.
 */
export function inetCskCompleteHashdance(sk: TcpSock, child: TcpSock, req: RequestSock, own: boolean): TcpSock | null {
  if (own) {
    const listener = req.listener;
    inetCskReqskQueueDrop(listener, req);
    reqskQueueRemoved(listener, req);
    if (inetCskReqskQueueAdd(sk, req, child) !== null) return child;
  }
  // Too bad, another child took ownership of the request: undo.
  return null;
}

/** Linux: syn_ack_recalc(). */
function synAckRecalc(req: RequestSock, maxRetries: number, deferAccept: number): { expire: boolean; resend: boolean } {
  if (!deferAccept) return { expire: req.numTimeout >= maxRetries, resend: true };
  return {
    expire: req.numTimeout >= maxRetries && (!req.acked || req.numTimeout >= deferAccept),
    // Do not resend while waiting for data after the ACK; resend at the end of the deferring period.
    resend: !req.acked || req.numTimeout >= deferAccept - 1,
  };
}

/**
 * Linux: reqsk_timer_handler(): the SYN-ACK timer of a request: retransmit (up to
 * TCP_SYNCNT or tcp_synack_retries, fewer for old requests when the queue is more than
 * half full of them), with exponential backoff, or drop the request.
 */
export function reqskTimerHandler(t: TimerList): void {
  const req = (t as TimerList & { req: RequestSock }).req;
  const skListener = req.listener;
  const net = skListener.net;
  if (skListener.state !== TCP_LISTEN) {
    inetCskReqskQueueDrop(skListener, req, true);
    return;
  }
  let maxRetries = skListener.icskSynRetries || ipv4Net(net).sysctl.tcpSynackRetries;
  const q = skListener.icskAcceptQueue;
  const qlen = q.qlen;
  if ((qlen << 1) > Math.max(8, skListener.maxAckBacklog)) {
    let young = q.young << 1;
    while (maxRetries > 2) {
      if (qlen < young) break;
      maxRetries--;
      young <<= 1;
    }
  }
  const { expire, resend } = synAckRecalc(req, maxRetries, skListener.deferAccept);
  // Linux: tcp_syn_ack_timeout().
  ipv4Net(net).mib.net[LINUX_MIB_TCPTIMEOUTS]++;
  if (!expire && (!resend || !tcpRtxSynack(skListener, req) || req.acked)) {
    if (req.numTimeout++ === 0) q.young--;
    const k = net.kernel;
    const j = reqskTimeout(req, TCP_RTO_MAX);
    req.expires = tcpJiffies32(k) + j;
    k.modTimer(req.timer, k.clock.now() + j * 1e6);
    return;
  }
  inetCskReqskQueueDrop(skListener, req, true);
}

/** A request sock with its SYN-ACK timer wired (Linux: inet_reqsk_alloc()). */
export function inetReqskAlloc(listener: TcpSock): RequestSock {
  const req = new RequestSock(listener, reqskTimerHandler);
  (req.timer as TimerList & { req: RequestSock }).req = req;
  return req;
}

/* ------------------------------------------------------------------ */
/* accept                                                              */

/**
 * Linux: inet_csk_accept() (non-blocking part): the next child of the accept queue,
 * -EAGAIN when it is empty, -EINVAL when `sk` does not listen.
 */
export function inetCskAccept(sk: TcpSock, _flags: number): TcpSock | number {
  if (sk.state !== TCP_LISTEN) return -EINVAL;
  const q = sk.icskAcceptQueue;
  const req = q.head;
  if (req === null) return -EAGAIN;
  q.head = req.next;
  if (q.head === null) q.tail = null;
  req.next = null;
  sk.ackBacklog--;
  const newsk = req.sk!;
  req.sk = null;
  newsk.parentListener = null;
  return newsk;
}

/* ------------------------------------------------------------------ */
/* Children and destruction                                            */

/**
 * Linux: inet_csk_clone_lock() (with sk_clone_lock): a new socket for `req`, copying the
 * listener's socket options, in TCP_SYN_RECV.
 */
export function inetCskCloneLock(sk: TcpSock, req: RequestSock): TcpSock | null {
  const net = sk.net;
  const alloc = sk.skProt.allocSock;
  const newsk = (alloc !== undefined ? alloc(net, sk.type, sk.protocol) : null) as TcpSock | null;
  if (newsk === null) return null;
  newsk.skProt = sk.skProt;
  // Linux: sk_clone_lock copies the listener whole; tcp_init_sock's defaults first, then its settings.
  sk.skProt.init?.(newsk);
  newsk.reuse = sk.reuse;
  newsk.reuseport = sk.reuseport;
  newsk.boundDevIf = sk.boundDevIf;
  newsk.priority = sk.priority;
  newsk.uid = sk.uid;
  newsk.gid = sk.gid;
  newsk.rcvbuf = sk.rcvbuf;
  newsk.sndbuf = sk.sndbuf;
  newsk.userlocks = sk.userlocks;
  newsk.rcvlowat = sk.rcvlowat;
  newsk.lingertime = sk.lingertime;
  newsk.rcvtimeo = sk.rcvtimeo;
  newsk.sndtimeo = sk.sndtimeo;
  newsk.flags = sk.flags & ~(SOCK_DEAD | SOCK_DONE | SOCK_ZAPPED);
  newsk.tos = sk.tos;
  newsk.ucTtl = sk.ucTtl;
  newsk.minTtl = sk.minTtl;
  newsk.pmtudisc = sk.pmtudisc;
  newsk.recverr = sk.recverr;
  newsk.freebind = sk.freebind;
  newsk.transparent = sk.transparent;
  newsk.cmsgFlags = sk.cmsgFlags;
  newsk.nodefrag = sk.nodefrag;
  newsk.localPortRange = sk.localPortRange;
  // tcp_sock settings made by setsockopt on the listener.
  newsk.nonagle = sk.nonagle;
  newsk.rxOpt.userMss = sk.rxOpt.userMss;
  newsk.keepaliveTime = sk.keepaliveTime;
  newsk.keepaliveIntvl = sk.keepaliveIntvl;
  newsk.keepaliveProbes = sk.keepaliveProbes;
  newsk.linger2 = sk.linger2;
  newsk.notsentLowat = sk.notsentLowat;
  newsk.icskSynRetries = sk.icskSynRetries;
  newsk.icskUserTimeout = sk.icskUserTimeout;
  newsk.icskRtoMin = sk.icskRtoMin;
  newsk.icskRtoMax = sk.icskRtoMax;
  newsk.icskDelackMax = sk.icskDelackMax;
  newsk.thinLto = sk.thinLto;
  newsk.recvmsgInq = sk.recvmsgInq;
  newsk.maxPacingRate = sk.maxPacingRate;
  if (sk.icskCaSetsockopt) {
    newsk.icskCaOps = sk.icskCaOps;
    newsk.icskCaSetsockopt = true;
  }
  newsk.icskCaDstLocked = sk.icskCaDstLocked;
  // inet_csk_clone_lock proper.
  newsk.state = TCP_SYN_RECV;
  newsk.icskBindHash = null;
  newsk.inetDport = req.rmtPort;
  newsk.inetNum = req.num;
  newsk.inetSport = req.num;
  newsk.mark = req.mark;
  newsk.icskRetransmits = 0;
  newsk.icskBackoff = 0;
  newsk.icskProbesOut = 0;
  newsk.icskProbesTstamp = 0;
  inetSockList(net).add(newsk);
  return newsk;
}

/** Linux: inet_csk_prepare_forced_close(): a child that failed before it was hashed. */
export function inetCskPrepareForcedClose(sk: TcpSock): void {
  sk.flags |= SOCK_DEAD;
  if (!sk.orphaned) {
    sk.orphaned = true;
    tcpNet(sk.net).orphanCount++;
  }
}

/**
 * Linux: inet_csk_destroy_sock(): the last step of a closed, orphaned socket: protocol
 * destroy (timers, queues, port), and it leaves the orphan count.
 */
export function inetCskDestroySock(sk: TcpSock): void {
  if (sk.skHashed) sk.skProt.unhash(sk);
  tcpV4Destroy(sk);
  let skb;
  while ((skb = sk.receiveQueue.dequeue()) !== null) consumeSkb(skb);
  if (sk.orphaned) {
    sk.orphaned = false;
    tcpNet(sk.net).orphanCount--;
  }
  inetSockList(sk.net).delete(sk);
  void sockFlag;
}
