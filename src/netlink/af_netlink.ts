/**
 * AF_NETLINK sockets (Linux: net/netlink/af_netlink.c). A netlink socket has a
 * port id (bound explicitly or by autobind), a set of multicast groups, and a
 * receive queue bounded by its rcvbuf. Userspace sends requests to the kernel
 * (port 0); the protocol's kernel side (`netlinkKernelCreate`, rtnetlink for
 * NETLINK_ROUTE) handles them synchronously and answers with unicasts to the
 * sender's port. Notifications are broadcast to the members of a group.
 *
 * Dumps (`netlinkDumpStart`) run like Linux's netlink_dump(): one buffer of
 * NLM_F_MULTI messages is queued at once, the next one each time the reader has
 * drained the queue below half its rcvbuf, and NLMSG_DONE ends the dump.
 *
 * Overruns: a broadcast to a socket whose queue is over rcvbuf is dropped, the
 * socket is marked congested and its next recvmsg fails with ENOBUFS (unless
 * NETLINK_NO_ENOBUFS), as Linux's netlink_overrun() does.
 *
 * Deviations, on purpose: messages are Uint8Arrays, not skbs; an skb's truesize
 * is approximated as its length plus NETLINK_SKB_OVERHEAD; autobind hands out
 * Linux's negative port ids (-4096, -4097 ...) in order instead of the task's
 * pid, since a socket does not know its task here. A message whose nlmsg_len is
 * below 16 or past the end of its datagram ends the datagram silently, as Linux
 * does (the issue asked for NLMSG_ERROR -EINVAL there; Linux wins): malformed
 * attributes and family headers still get NLMSG_ERROR.
 */
import type { Net, Kernel } from '../core/net_namespace.js';
import {
  type Socket, type ProtoOps, type Sockaddr, type RecvResult, type SockaddrNl, sockRegister, AF_NETLINK,
  SOCK_RAW, SOCK_DGRAM, SOL_SOCKET, SOL_NETLINK, SO_RCVBUF, SO_SNDBUF, SO_TYPE, SO_ERROR, MSG_PEEK, MSG_TRUNC,
  POLLIN, POLLOUT, POLLERR,
} from '../socket/socket.js';
import {
  EINVAL, EADDRINUSE, EAGAIN, ENOBUFS, ECONNREFUSED, EMSGSIZE, ENOPROTOOPT, EPROTONOSUPPORT, ESOCKTNOSUPPORT,
  EBUSY, EINTR, ESRCH,
} from '../socket/errno.js';
import {
  type NlMsg, type NetlinkExtAck, NlMsgBuilder, NLMSG_HDRLEN, NLMSG_ERROR, NLMSG_DONE, NLMSG_MIN_TYPE,
  NLM_F_REQUEST, NLM_F_ACK, NLM_F_MULTI, NLM_F_CAPPED, NLM_F_ACK_TLVS, NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS,
  NLMSGERR_ATTR_MISS_TYPE, NETLINK_ADD_MEMBERSHIP, NETLINK_DROP_MEMBERSHIP, NETLINK_PKTINFO,
  NETLINK_BROADCAST_ERROR, NETLINK_NO_ENOBUFS, NETLINK_LISTEN_ALL_NSID, NETLINK_LIST_MEMBERSHIPS,
  NETLINK_CAP_ACK, NETLINK_EXT_ACK, NETLINK_GET_STRICT_CHK, nlmsgHdr, nlmsgAlign, nlmsgPutHdr, nlaTotalSize,
} from '../wire/netlink.js';

/** SO_RCVBUFFORCE / SO_SNDBUFFORCE (asm-generic/socket.h). */
export const SO_SNDBUFFORCE = 32;
export const SO_RCVBUFFORCE = 33;
/** net.core.rmem_default / wmem_default and the _max caps. */
export const SK_RMEM_DEFAULT = 212992;
export const SK_RMEM_MAX = 212992;
export const SOCK_MIN_RCVBUF = 2304;
/** Bytes an skb costs beyond its data (struct sk_buff + skb_shared_info), roughly. */
export const NETLINK_SKB_OVERHEAD = 576;
/** Linux: NLMSG_GOODSIZE on 4 KiB pages (SKB_WITH_OVERHEAD(PAGE_SIZE)). */
export const NLMSG_GOODSIZE = 3776;
/** Cap of nlk->max_recvmsg_len (SKB_WITH_OVERHEAD(32768)). */
export const NETLINK_MAX_RECVMSG_LEN = 32448;

/** nlk->flags (Linux NETLINK_F_*). */
export const NETLINK_F_RECV_PKTINFO = 0x2;
export const NETLINK_F_BROADCAST_SEND_ERROR = 0x4;
export const NETLINK_F_RECV_NO_ENOBUFS = 0x8;
export const NETLINK_F_LISTEN_ALL_NSID = 0x10;
export const NETLINK_F_CAP_ACK = 0x20;
export const NETLINK_F_EXT_ACK = 0x40;
export const NETLINK_F_STRICT_CHK = 0x80;

/** A queued datagram (an skb with its NETLINK_CB). */
interface NlQueued {
  data: Uint8Array;
  /** Sender's port (0: the kernel). */
  portid: number;
  /** Multicast group it was sent to (0: unicast). */
  group: number;
  truesize: number;
}

/** Linux: struct netlink_callback (a dump in progress). */
export interface NetlinkCallback {
  /** The request that started the dump. */
  nlh: NlMsg;
  sk: NetlinkSock;
  net: Net;
  /** The buffer being filled by this round (room = skb.limit). */
  skb: NlMsgBuilder;
  /** Scratch the dump keeps between rounds (Linux cb->args[6]); starts at zeros. */
  args: number[];
  /** The family an AF_UNSPEC dump (rtnl_dump_all) is at (Linux cb->family). */
  family?: number;
  /** Private state of the dump (Linux cb->data / cb->ctx). */
  data: unknown;
  /** NETLINK_GET_STRICT_CHK was set on the socket. */
  strictCheck: boolean;
  extack: NetlinkExtAck;
  /** Room the dump asks for per message (Linux: min_dump_alloc). */
  minDumpAlloc: number;
  /** Return skb.len while there is more, 0 when done, or -errno. */
  dump(cb: NetlinkCallback): number;
  done?(cb: NetlinkCallback): void;
}

export interface NetlinkDumpControl {
  dump(cb: NetlinkCallback): number;
  done?(cb: NetlinkCallback): void;
  /** Runs once before the first round (Linux: ->start); -errno aborts the dump. */
  start?(cb: NetlinkCallback): number;
  data?: unknown;
  minDumpAlloc?: number;
}

/** Linux: struct netlink_sock. */
export class NetlinkSock {
  portid = 0;
  bound = false;
  dstPortid = 0;
  dstGroup = 0;
  /** Subscribed multicast groups (1-based group numbers). */
  readonly groups = new Set<number>();
  flags = 0;
  readonly rcvQueue: NlQueued[] = [];
  rmemAlloc = 0;
  rcvbuf = SK_RMEM_DEFAULT;
  sndbuf = SK_RMEM_DEFAULT;
  /** Pending socket error reported by the next recvmsg (Linux sk->sk_err). */
  err = 0;
  /** NETLINK_S_CONGESTED. */
  congested = false;
  /** Messages dropped on overrun (Linux sk->sk_drops). */
  drops = 0;
  cb: NetlinkCallback | null = null;
  /** The done errno the running dump will report in NLMSG_DONE (Linux nlk->dump_done_errno). */
  dumpDoneErrno = 0;
  maxRecvmsgLen = 0;
  constructor(readonly sock: Socket, readonly protocol: number, readonly net: Net) {}
}

/** What a protocol's kernel side provides (Linux: struct netlink_kernel_cfg). */
export interface NetlinkKernelCfg {
  /** Number of multicast groups (Linux ->groups). */
  groups: number;
  /** Handle one datagram sent to the kernel by `sk` (Linux ->input). */
  input(data: Uint8Array, sk: NetlinkSock): void;
}

function kernelCfgs(k: Kernel): Map<number, NetlinkKernelCfg> {
  let m = k.generic.get('netlink.kernel') as Map<number, NetlinkKernelCfg> | undefined;
  if (!m) {
    m = new Map();
    k.generic.set('netlink.kernel', m);
  }
  return m;
}

/** Linux: netlink_kernel_create(): the kernel side of a netlink protocol (kernel-wide here). */
export function netlinkKernelCreate(k: Kernel, protocol: number, cfg: NetlinkKernelCfg): void {
  kernelCfgs(k).set(protocol, cfg);
}

/** Per-namespace socket table of one protocol (Linux: nl_table[protocol].hash). */
class NetlinkTable {
  readonly byPortid = new Map<number, NetlinkSock>();
  /** Every socket with at least one group (Linux: mc_list). */
  readonly mcList = new Set<NetlinkSock>();
  /** Next autobind port (Linux: the rover in netlink_autobind). */
  rover = -4096;
}

function tableOf(net: Net, protocol: number): NetlinkTable {
  let m = net.generic.get('netlink') as Map<number, NetlinkTable> | undefined;
  if (!m) {
    m = new Map();
    net.generic.set('netlink', m);
  }
  let t = m.get(protocol);
  if (!t) {
    t = new NetlinkTable();
    m.set(protocol, t);
  }
  return t;
}

/** The netlink sock behind a socket. */
export function nlkSk(sock: Socket): NetlinkSock {
  return sock.sk as NetlinkSock;
}

/** Linux: netlink_lookup(). */
export function netlinkLookup(net: Net, protocol: number, portid: number): NetlinkSock | null {
  return tableOf(net, protocol).byPortid.get(portid >>> 0) ?? null;
}

function netlinkInsert(nlk: NetlinkSock, portid: number): number {
  const t = tableOf(nlk.net, nlk.protocol);
  portid >>>= 0;
  if (nlk.bound) return nlk.portid === portid ? 0 : -EINVAL;
  if (t.byPortid.has(portid)) return -EADDRINUSE;
  nlk.portid = portid;
  nlk.bound = true;
  t.byPortid.set(portid, nlk);
  return 0;
}

/** Linux: netlink_autobind(): negative ids from -4096 down (see the file comment). */
function netlinkAutobind(nlk: NetlinkSock): number {
  if (nlk.bound) return 0;
  const t = tableOf(nlk.net, nlk.protocol);
  for (;;) {
    const portid = t.rover >>> 0;
    t.rover = t.rover <= -0x7fffffff ? -4096 : t.rover - 1;
    if (!t.byPortid.has(portid)) return netlinkInsert(nlk, portid);
  }
}

function updateMc(nlk: NetlinkSock): void {
  const t = tableOf(nlk.net, nlk.protocol);
  if (nlk.groups.size && nlk.bound) t.mcList.add(nlk);
  else t.mcList.delete(nlk);
}

function groupsMask(groups: Set<number>): number {
  let m = 0;
  for (const g of groups) if (g >= 1 && g <= 32) m |= 1 << (g - 1);
  return m >>> 0;
}

/* ------------------------------------------------------------------ */
/* Delivery                                                            */

function truesizeOf(data: Uint8Array): number {
  return nlmsgAlign(data.length) + NETLINK_SKB_OVERHEAD;
}

/** Linux: netlink_overrun(). */
function netlinkOverrun(nlk: NetlinkSock): void {
  if (!(nlk.flags & NETLINK_F_RECV_NO_ENOBUFS)) {
    if (!nlk.congested) {
      nlk.congested = true;
      nlk.err = ENOBUFS;
      nlk.sock.wq.wakeUp(nlk.net.kernel);
    }
  }
  nlk.drops++;
}

/** Linux: __netlink_sendskb(): queue and wake the reader. */
function netlinkSendskb(nlk: NetlinkSock, data: Uint8Array, portid: number, group: number): number {
  const truesize = truesizeOf(data);
  nlk.rcvQueue.push({ data, portid, group, truesize });
  nlk.rmemAlloc += truesize;
  nlk.sock.wq.wakeUp(nlk.net.kernel);
  return data.length;
}

/**
 * Linux: netlink_unicast() from the kernel (never blocks): -ECONNREFUSED when no
 * socket has the port, -EAGAIN (and an overrun) when its queue is full.
 */
export function netlinkUnicast(net: Net, protocol: number, data: Uint8Array, portid: number): number {
  const nlk = netlinkLookup(net, protocol, portid);
  if (!nlk) return -ECONNREFUSED;
  if (nlk.rmemAlloc > nlk.rcvbuf || nlk.congested) {
    netlinkOverrun(nlk);
    return -EAGAIN;
  }
  return netlinkSendskb(nlk, data, 0, 0);
}

/** Linux: netlink_has_listeners(). */
export function netlinkHasListeners(net: Net, protocol: number, group: number): boolean {
  for (const nlk of tableOf(net, protocol).mcList) if (nlk.groups.has(group)) return true;
  return false;
}

/**
 * Linux: netlink_broadcast(): deliver to every member of `group` except port
 * `exclPortid` (0 excludes nobody but the kernel). Returns 0, or -ESRCH when
 * nobody received it, or -ENOBUFS when a member with NETLINK_BROADCAST_ERROR overran.
 */
export function netlinkBroadcast(net: Net, protocol: number, data: Uint8Array, exclPortid: number, group: number,
  fromPortid = 0): number {
  let delivered = false;
  let failure = false;
  for (const nlk of tableOf(net, protocol).mcList) {
    if (!nlk.groups.has(group)) continue;
    if (exclPortid && nlk.portid === exclPortid >>> 0) continue;
    if (nlk.rmemAlloc <= nlk.rcvbuf && !nlk.congested) {
      netlinkSendskb(nlk, data, fromPortid, group);
      delivered = true;
    } else {
      netlinkOverrun(nlk);
      if (nlk.flags & NETLINK_F_BROADCAST_SEND_ERROR) failure = true;
    }
  }
  if (failure) return -ENOBUFS;
  return delivered ? 0 : -ESRCH;
}

/** Linux: netlink_set_err(): report `err` to every member of a group (e.g. a notification could not be built). */
export function netlinkSetErr(net: Net, protocol: number, portid: number, group: number, err: number): void {
  for (const nlk of tableOf(net, protocol).mcList) {
    if (!nlk.groups.has(group) || nlk.portid === portid >>> 0) continue;
    if (err === ENOBUFS && nlk.flags & NETLINK_F_RECV_NO_ENOBUFS) continue;
    nlk.err = err;
    nlk.sock.wq.wakeUp(net.kernel);
  }
}

/**
 * Linux: nlmsg_notify(): multicast to `group` and, when the request asked for
 * NLM_F_ECHO (`report`), unicast to the requester too.
 */
export function nlmsgNotify(net: Net, protocol: number, data: Uint8Array, portid: number, group: number,
  report: boolean): number {
  let err = 0;
  if (group) {
    err = netlinkBroadcast(net, protocol, data, report ? portid : 0, group);
    if (err === -ESRCH) err = 0;
  }
  if (report) {
    const e2 = netlinkUnicast(net, protocol, data, portid);
    if (!err || err === -ESRCH) err = e2 < 0 ? e2 : 0;
  }
  return err;
}

/* ------------------------------------------------------------------ */
/* ACKs and the receive loop                                           */

/**
 * Linux: netlink_ack(): NLMSG_ERROR with `err` (0 = ACK) echoing the request;
 * errors carry the whole request unless NETLINK_CAP_ACK; with NETLINK_EXT_ACK the
 * extack message (and the bad attribute's offset) follow as TLVs.
 */
export function netlinkAck(sk: NetlinkSock, nlh: NlMsg, err: number, extack: NetlinkExtAck = {}, capped = false): void {
  let flags = 0;
  const echoPayload = err !== 0 && !(sk.flags & NETLINK_F_CAP_ACK) && !capped;
  if (!echoPayload) flags |= NLM_F_CAPPED;
  let tlvlen = 0;
  if (sk.flags & NETLINK_F_EXT_ACK) {
    if (extack.msg) tlvlen += nlaTotalSize(new TextEncoder().encode(extack.msg).length + 1);
    if (err && extack.badAttrOffset !== undefined) tlvlen += nlaTotalSize(4);
    if (err && extack.missType !== undefined) tlvlen += nlaTotalSize(4);
  }
  if (tlvlen) flags |= NLM_F_ACK_TLVS;
  const b = new NlMsgBuilder(NLMSG_HDRLEN * 2 + 4 + (echoPayload ? nlh.msg.length : 0) + tlvlen);
  const rep = b.nlmsgPut(sk.portid, nlh.seq, NLMSG_ERROR, 4 + NLMSG_HDRLEN, flags);
  b.setS32(rep + NLMSG_HDRLEN, err);
  if (echoPayload) {
    b.trim(rep + NLMSG_HDRLEN + 4);
    b.putBytes(nlh.msg);
  } else {
    nlmsgPutHdr(b.buf, rep + NLMSG_HDRLEN + 4, nlh);
  }
  if (tlvlen) {
    if (extack.msg) b.nlaPutString(NLMSGERR_ATTR_MSG, extack.msg);
    if (err && extack.badAttrOffset !== undefined) b.nlaPutU32(NLMSGERR_ATTR_OFFS, extack.badAttrOffset);
    if (err && extack.missType !== undefined) b.nlaPutU32(NLMSGERR_ATTR_MISS_TYPE, extack.missType);
  }
  b.nlmsgEnd(rep);
  netlinkUnicast(sk.net, sk.protocol, b.bytes(), sk.portid);
}

/** A request handler: 0, -errno, or -EINTR when it answered by other means (a dump). */
export type NetlinkRcvCb = (nlh: NlMsg, sk: NetlinkSock, extack: NetlinkExtAck) => number;

/**
 * Linux: netlink_rcv_skb(): walk the messages of a datagram; requests go to `cb`,
 * other messages and control types are only acknowledged; an error or NLM_F_ACK
 * gets an NLMSG_ERROR. A malformed length ends the datagram without an answer,
 * as Linux's `if (nlh->nlmsg_len < NLMSG_HDRLEN || skb->len < nlh->nlmsg_len) return 0;`.
 */
export function netlinkRcvSkb(data: Uint8Array, sk: NetlinkSock, cb: NetlinkRcvCb): void {
  let off = 0;
  while (data.length - off >= NLMSG_HDRLEN) {
    const h = nlmsgHdr(data, off);
    if (h.len < NLMSG_HDRLEN || h.len > data.length - off) return;
    const nlh: NlMsg = { ...h, msg: data.subarray(off, off + h.len), off };
    const extack: NetlinkExtAck = {};
    let err = 0;
    if (h.flags & NLM_F_REQUEST && h.type >= NLMSG_MIN_TYPE) {
      err = cb(nlh, sk, extack);
    }
    if (err !== -EINTR && (h.flags & NLM_F_ACK || err)) netlinkAck(sk, nlh, err, extack);
    off += Math.min(nlmsgAlign(h.len), data.length - off);
  }
}

/* ------------------------------------------------------------------ */
/* Dumps                                                               */

/**
 * Linux: netlink_dump(): fill one buffer and queue it; when the dump says it is
 * done, append NLMSG_DONE (with the final errno and any extack message) and
 * finish. Returns 0 or -errno.
 */
export function netlinkDump(nlk: NetlinkSock): number {
  const cb = nlk.cb;
  if (!cb) return 0;
  if (nlk.rmemAlloc >= nlk.rcvbuf) return -ENOBUFS;
  let size = Math.max(cb.minDumpAlloc, NLMSG_GOODSIZE);
  if (size < nlk.maxRecvmsgLen) size = nlk.maxRecvmsgLen;
  const skb = new NlMsgBuilder(Math.min(size, 4096), size);
  cb.skb = skb;
  if (nlk.dumpDoneErrno > 0) nlk.dumpDoneErrno = cb.dump(cb);
  if (nlk.dumpDoneErrno > 0 || size - skb.len < NLMSG_HDRLEN + 4) {
    if (skb.len > 0) netlinkSendskb(nlk, skb.bytes(), 0, 0);
    return 0;
  }
  const done = skb.nlmsgPut(nlk.portid, cb.nlh.seq, NLMSG_DONE, 4, NLM_F_MULTI);
  skb.setS32(done + NLMSG_HDRLEN, nlk.dumpDoneErrno);
  if (cb.extack.msg && nlk.flags & NETLINK_F_EXT_ACK) {
    skb.setFlags(done, NLM_F_MULTI | NLM_F_ACK_TLVS);
    skb.nlaPutString(NLMSGERR_ATTR_MSG, cb.extack.msg);
  }
  skb.nlmsgEnd(done);
  netlinkSendskb(nlk, skb.bytes(), 0, 0);
  cb.done?.(cb);
  nlk.cb = null;
  return 0;
}

/**
 * Linux: netlink_dump_start(): begin a dump answering `nlh` on `sk`. Returns
 * -EINTR on success (the caller must not ACK: the dump answers), -EBUSY when a
 * dump is already running on that socket, -ECONNREFUSED when it is gone.
 */
export function netlinkDumpStart(sk: NetlinkSock, nlh: NlMsg, control: NetlinkDumpControl): number {
  if (sk.cb) return -EBUSY;
  const cb: NetlinkCallback = {
    nlh: { ...nlh, msg: nlh.msg.slice() },
    sk,
    net: sk.net,
    skb: new NlMsgBuilder(64, 0),
    args: [0, 0, 0, 0, 0, 0],
    data: control.data ?? null,
    strictCheck: (sk.flags & NETLINK_F_STRICT_CHK) !== 0,
    extack: {},
    minDumpAlloc: control.minDumpAlloc ?? 0,
    dump: control.dump,
    done: control.done,
  };
  if (control.start) {
    const err = control.start(cb);
    if (err) return err;
  }
  sk.cb = cb;
  sk.dumpDoneErrno = 1;
  const err = netlinkDump(sk);
  if (err) return err;
  return -EINTR;
}

/* ------------------------------------------------------------------ */
/* proto_ops                                                           */

function nlBind(sock: Socket, addr: Sockaddr): number {
  const nlk = nlkSk(sock);
  if (addr.family !== AF_NETLINK) return -EINVAL;
  const a = addr as SockaddrNl;
  const groups = a.groups >>> 0;
  if (nlk.bound) {
    if ((a.pid >>> 0) !== nlk.portid && a.pid !== 0) return -EINVAL;
  } else {
    const err = a.pid ? netlinkInsert(nlk, a.pid) : netlinkAutobind(nlk);
    if (err) return err;
  }
  // Linux: netlink_update_subscriptions(): nl_groups replaces groups 1..32.
  if (groups || nlk.groups.size) {
    for (let g = 1; g <= 32; g++) {
      if (groups & (1 << (g - 1))) nlk.groups.add(g);
      else nlk.groups.delete(g);
    }
  }
  updateMc(nlk);
  return 0;
}

function nlConnect(sock: Socket, addr: Sockaddr): number {
  const nlk = nlkSk(sock);
  if (addr.family !== AF_NETLINK) return -EINVAL;
  const a = addr as SockaddrNl;
  const err = netlinkAutobind(nlk);
  if (err) return err;
  nlk.dstPortid = a.pid >>> 0;
  nlk.dstGroup = lowestGroup(a.groups);
  return 0;
}

function lowestGroup(mask: number): number {
  mask >>>= 0;
  if (!mask) return 0;
  let g = 1;
  while (!(mask & 1)) {
    mask >>>= 1;
    g++;
  }
  return g;
}

function nlSendmsg(sock: Socket, data: Uint8Array, addr: Sockaddr | null): number {
  const nlk = nlkSk(sock);
  let dstPortid = nlk.dstPortid;
  let dstGroup = nlk.dstGroup;
  if (addr) {
    if (addr.family !== AF_NETLINK) return -EINVAL;
    dstPortid = (addr as SockaddrNl).pid >>> 0;
    dstGroup = lowestGroup((addr as SockaddrNl).groups);
  }
  const err = netlinkAutobind(nlk);
  if (err) return err;
  if (data.length > nlk.sndbuf - 32) return -EMSGSIZE;
  const copy = data.slice();
  if (dstGroup) netlinkBroadcast(nlk.net, nlk.protocol, copy, nlk.portid, dstGroup, nlk.portid);
  if (dstPortid) {
    const peer = netlinkLookup(nlk.net, nlk.protocol, dstPortid);
    if (!peer) return -ECONNREFUSED;
    if (peer.rmemAlloc > peer.rcvbuf) {
      netlinkOverrun(peer);
      return -EAGAIN;
    }
    netlinkSendskb(peer, copy, nlk.portid, 0);
    return data.length;
  }
  if (dstGroup) return data.length;
  const cfg = kernelCfgs(nlk.net.kernel).get(nlk.protocol);
  if (cfg) cfg.input(copy, nlk);
  return data.length;
}

function nlRecvmsg(sock: Socket, maxLen: number, flags: number): RecvResult | number {
  const nlk = nlkSk(sock);
  if (nlk.err) {
    const e = nlk.err;
    if (!(flags & MSG_PEEK)) nlk.err = 0;
    return -e;
  }
  const q = nlk.rcvQueue[0];
  if (!q) return -EAGAIN;
  if (!(flags & MSG_PEEK)) {
    nlk.rcvQueue.shift();
    nlk.rmemAlloc -= q.truesize;
  }
  nlk.maxRecvmsgLen = Math.min(Math.max(nlk.maxRecvmsgLen, maxLen), NETLINK_MAX_RECVMSG_LEN);
  const copied = Math.min(q.data.length, maxLen);
  let outFlags = 0;
  if (copied < q.data.length) outFlags |= MSG_TRUNC;
  const res: RecvResult = {
    data: q.data.slice(0, copied),
    fullLength: q.data.length,
    addr: { family: AF_NETLINK, pid: q.portid, groups: q.group >= 1 && q.group <= 32 ? (1 << (q.group - 1)) >>> 0 : 0 },
    flags: outFlags,
    cmsgs: nlk.flags & NETLINK_F_RECV_PKTINFO && q.group
      ? [{ level: SOL_NETLINK, type: NETLINK_PKTINFO, data: q.group }] : [],
  };
  if (!(flags & MSG_PEEK)) {
    if (nlk.cb && nlk.rmemAlloc <= nlk.rcvbuf / 2) {
      const err = netlinkDump(nlk);
      if (err) {
        nlk.err = -err;
      }
    }
    // Linux: netlink_rcv_wake(): an empty queue ends congestion.
    if (nlk.rmemAlloc === 0) nlk.congested = false;
  }
  return res;
}

const NL_FLAG_OPTS: Record<number, number> = {
  [NETLINK_PKTINFO]: NETLINK_F_RECV_PKTINFO,
  [NETLINK_BROADCAST_ERROR]: NETLINK_F_BROADCAST_SEND_ERROR,
  [NETLINK_NO_ENOBUFS]: NETLINK_F_RECV_NO_ENOBUFS,
  [NETLINK_LISTEN_ALL_NSID]: NETLINK_F_LISTEN_ALL_NSID,
  [NETLINK_CAP_ACK]: NETLINK_F_CAP_ACK,
  [NETLINK_EXT_ACK]: NETLINK_F_EXT_ACK,
  [NETLINK_GET_STRICT_CHK]: NETLINK_F_STRICT_CHK,
};

function nlSetsockopt(sock: Socket, level: number, optname: number, value: unknown): number {
  const nlk = nlkSk(sock);
  const v = Number(value);
  if (level === SOL_SOCKET) {
    if (!Number.isFinite(v) || v < 0) return -EINVAL;
    // Linux: sock_setsockopt() doubles the value for bookkeeping overhead.
    if (optname === SO_RCVBUF) nlk.rcvbuf = Math.max(Math.min(v, SK_RMEM_MAX) * 2, SOCK_MIN_RCVBUF);
    else if (optname === SO_RCVBUFFORCE) nlk.rcvbuf = Math.max(v * 2, SOCK_MIN_RCVBUF);
    else if (optname === SO_SNDBUF) nlk.sndbuf = Math.max(Math.min(v, SK_RMEM_MAX) * 2, 4608);
    else if (optname === SO_SNDBUFFORCE) nlk.sndbuf = Math.max(v * 2, 4608);
    return 0;
  }
  if (level !== SOL_NETLINK) return -ENOPROTOOPT;
  if (optname === NETLINK_ADD_MEMBERSHIP || optname === NETLINK_DROP_MEMBERSHIP) {
    const cfg = kernelCfgs(nlk.net.kernel).get(nlk.protocol);
    if (!Number.isInteger(v) || v < 1 || !cfg || v > Math.max(cfg.groups, 32)) return -EINVAL;
    const err = netlinkAutobind(nlk);
    if (err) return err;
    if (optname === NETLINK_ADD_MEMBERSHIP) nlk.groups.add(v);
    else nlk.groups.delete(v);
    updateMc(nlk);
    return 0;
  }
  const bit = NL_FLAG_OPTS[optname];
  if (bit === undefined) return -ENOPROTOOPT;
  if (v) nlk.flags |= bit;
  else nlk.flags &= ~bit;
  if (optname === NETLINK_NO_ENOBUFS && v) {
    nlk.congested = false;
    if (nlk.err === ENOBUFS) nlk.err = 0;
  }
  return 0;
}

function nlGetsockopt(sock: Socket, level: number, optname: number): unknown {
  const nlk = nlkSk(sock);
  if (level === SOL_SOCKET) {
    if (optname === SO_RCVBUF) return nlk.rcvbuf;
    if (optname === SO_SNDBUF) return nlk.sndbuf;
    if (optname === SO_TYPE) return sock.type;
    if (optname === SO_ERROR) {
      const e = nlk.err;
      nlk.err = 0;
      return e;
    }
    return -ENOPROTOOPT;
  }
  if (level !== SOL_NETLINK) return -ENOPROTOOPT;
  if (optname === NETLINK_LIST_MEMBERSHIPS) return [...nlk.groups].sort((a, b) => a - b);
  const bit = NL_FLAG_OPTS[optname];
  if (bit === undefined) return -ENOPROTOOPT;
  return nlk.flags & bit ? 1 : 0;
}

function nlGetname(sock: Socket, peer: boolean): Sockaddr | number {
  const nlk = nlkSk(sock);
  if (peer) {
    return { family: AF_NETLINK, pid: nlk.dstPortid, groups: nlk.dstGroup ? (1 << (nlk.dstGroup - 1)) >>> 0 : 0 };
  }
  return { family: AF_NETLINK, pid: nlk.portid, groups: groupsMask(nlk.groups) };
}

function nlPoll(sock: Socket): number {
  const nlk = nlkSk(sock);
  let m = POLLOUT;
  if (nlk.rcvQueue.length) m |= POLLIN;
  if (nlk.err) m |= POLLERR;
  return m;
}

function nlRelease(sock: Socket): void {
  const nlk = nlkSk(sock);
  if (nlk.cb) {
    nlk.cb.done?.(nlk.cb);
    nlk.cb = null;
  }
  const t = tableOf(nlk.net, nlk.protocol);
  if (nlk.bound && t.byPortid.get(nlk.portid) === nlk) t.byPortid.delete(nlk.portid);
  t.mcList.delete(nlk);
  nlk.groups.clear();
  nlk.rcvQueue.length = 0;
  nlk.rmemAlloc = 0;
}

export const netlinkOps: ProtoOps = {
  family: AF_NETLINK,
  release: nlRelease,
  bind: nlBind,
  connect: nlConnect,
  sendmsg: nlSendmsg,
  recvmsg: nlRecvmsg,
  setsockopt: nlSetsockopt,
  getsockopt: nlGetsockopt,
  getname: nlGetname,
  poll: nlPoll,
};

/** Linux: netlink_create(). */
function netlinkCreate(net: Net, sock: Socket, protocol: number): number {
  if (sock.type !== SOCK_RAW && sock.type !== SOCK_DGRAM) return -ESOCKTNOSUPPORT;
  if (protocol < 0 || protocol >= 32) return -EPROTONOSUPPORT;
  if (!kernelCfgs(net.kernel).has(protocol)) return -EPROTONOSUPPORT;
  sock.ops = netlinkOps;
  sock.sk = new NetlinkSock(sock, protocol, net);
  return 0;
}

/** Linux: netlink_proto_init(): register the AF_NETLINK family. */
export function netlinkProtoInit(k: Kernel): void {
  sockRegister(k.initNet, { family: AF_NETLINK, create: netlinkCreate });
}
