/**
 * rtnetlink, the NETLINK_ROUTE kernel side (Linux: net/core/rtnetlink.c, the
 * dispatch part). Subsystems register a `doit` (one request, answered by an
 * ACK/error or a unicast reply) and/or a `dumpit` (a multipart dump) per
 * (family, message type) with `rtnlRegister`, exactly like Linux's
 * rtnl_register(): links (rtnl_link.ts), addresses, routes, neighbours, the
 * bridge (AF_BRIDGE RTM_GETLINK / RTM_*NEIGH), tc (RTM_*QDISC ...).
 *
 * Dispatch (Linux: rtnetlink_rcv_msg): the family is the first payload byte
 * (struct rtgenmsg); a handler registered for that family wins, else the
 * PF_UNSPEC one; no handler is -EOPNOTSUPP. A GET with NLM_F_DUMP starts a dump.
 *
 * Writing a handler:
 * ```ts
 * rtnlRegister(k, AF_UNSPEC, RTM_NEWQDISC, tcModifyQdisc, null);
 * function tcModifyQdisc(req: RtnlRequest): number {
 *   const tb = nlmsgParse(req.nlh.msg, TCMSG_LEN, TCA_MAX, policy, req.extack);
 *   if (typeof tb === 'number') return tb;          // -errno, extack set
 *   ...; rtnlNotify(req.net, msgBytes, req.portid, RTNLGRP_TC, req.nlh); return 0;
 * }
 * function dumpQdiscs(cb: NetlinkCallback): number {  // cb.args survive between rounds
 *   for (...) { const mark = cb.skb.len; fill(cb.skb, ...); if (cb.skb.overLimit()) { cb.skb.trim(mark); break; } }
 *   return cb.skb.len;                               // 0 = done (NLMSG_DONE follows)
 * }
 * ```
 */
import type { Kernel, Net } from '../core/net_namespace.js';
import { AF_UNSPEC } from '../socket/socket.js';
import { EOPNOTSUPP } from '../socket/errno.js';
import {
  type NlMsg, type NetlinkExtAck, NETLINK_ROUTE, NLM_F_DUMP, NLM_F_ECHO, NLMSG_HDRLEN,
} from '../wire/netlink.js';
import { RTM_BASE, RTM_MAX, RTNLGRP_MAX, RTM_GETADDR, RTM_GETROUTE } from '../wire/rtnetlink.js';
import {
  type NetlinkSock, type NetlinkCallback, netlinkKernelCreate, netlinkRcvSkb, netlinkDumpStart, netlinkUnicast,
  nlmsgNotify, netlinkSetErr, netlinkHasListeners, netlinkProtoInit,
} from './af_netlink.js';

/** One request as a doit sees it. */
export interface RtnlRequest {
  /** Namespace of the requesting socket (Linux: sock_net(skb->sk)). */
  net: Net;
  /** The requesting socket (for replies: netlinkUnicast to `portid`). */
  sk: NetlinkSock;
  /** Sender's port id (Linux: NETLINK_CB(skb).portid). */
  portid: number;
  /** The request message (header + payload). */
  nlh: NlMsg;
  extack: NetlinkExtAck;
}

export type RtnlDoit = (req: RtnlRequest) => number;
export type RtnlDumpit = (cb: NetlinkCallback) => number;

/** Linux: RTNL_FLAG_* (kept for fidelity; all handlers run under the one big lock here). */
export const RTNL_FLAG_DOIT_UNLOCKED = 1;
export const RTNL_FLAG_BULK_DEL_SUPPORTED = 2;

/** Linux: struct rtnl_link (a registration, not a device link). */
export interface RtnlLink {
  doit: RtnlDoit | null;
  dumpit: RtnlDumpit | null;
  flags: number;
}

/** Linux: enum rtnl_kinds, from the low two bits of (type - RTM_BASE). */
export const RTNL_KIND_NEW = 0;
export const RTNL_KIND_DEL = 1;
export const RTNL_KIND_GET = 2;
export const RTNL_KIND_SET = 3;

export function rtnlMsgtypeKind(msgtype: number): number {
  return (msgtype - RTM_BASE) & 3;
}

function rtnlTable(k: Kernel): Map<number, RtnlLink> {
  let m = k.generic.get('rtnl.msg_handlers') as Map<number, RtnlLink> | undefined;
  if (!m) {
    m = new Map();
    k.generic.set('rtnl.msg_handlers', m);
  }
  return m;
}

/**
 * Linux: rtnl_register(): handlers for (protocol family, message type). A later
 * registration for the same pair replaces only the parts it gives (Linux keeps
 * an existing doit when registering a dumpit and vice versa).
 */
export function rtnlRegister(k: Kernel, family: number, msgtype: number, doit: RtnlDoit | null,
  dumpit: RtnlDumpit | null, flags = 0): void {
  if (msgtype < RTM_BASE || msgtype > RTM_MAX) throw new RangeError(`rtnl_register: bad msgtype ${msgtype}`);
  const key = family * 256 + msgtype;
  const t = rtnlTable(k);
  const old = t.get(key);
  t.set(key, { doit: doit ?? old?.doit ?? null, dumpit: dumpit ?? old?.dumpit ?? null, flags: flags | (old?.flags ?? 0) });
}

/** Linux: rtnl_unregister(). */
export function rtnlUnregister(k: Kernel, family: number, msgtype: number): void {
  rtnlTable(k).delete(family * 256 + msgtype);
}

/** Linux: rtnl_get_link(). */
export function rtnlGetLink(k: Kernel, family: number, msgtype: number): RtnlLink | null {
  return rtnlTable(k).get(family * 256 + msgtype) ?? null;
}

/** Linux: rtnetlink_rcv_msg(). */
function rtnetlinkRcvMsg(nlh: NlMsg, sk: NetlinkSock, extack: NetlinkExtAck): number {
  const k = sk.net.kernel;
  const type = nlh.type;
  if (type > RTM_MAX) return -EOPNOTSUPP;
  // All the messages must have at least 1 byte length (struct rtgenmsg).
  if (nlh.msg.length - NLMSG_HDRLEN < 1) return 0;
  let family = nlh.msg[NLMSG_HDRLEN]!;
  const kind = rtnlMsgtypeKind(type);
  if (kind === RTNL_KIND_GET && (nlh.flags & NLM_F_DUMP) === NLM_F_DUMP) {
    let link = rtnlGetLink(k, family, type);
    if (!link?.dumpit) {
      family = AF_UNSPEC;
      link = rtnlGetLink(k, AF_UNSPEC, type);
      if (!link?.dumpit) return -EOPNOTSUPP;
    }
    return netlinkDumpStart(sk, nlh, { dump: link.dumpit });
  }
  let link = rtnlGetLink(k, family, type);
  if (!link?.doit) {
    link = rtnlGetLink(k, AF_UNSPEC, type);
    if (!link?.doit) return -EOPNOTSUPP;
  }
  return link.doit({ net: sk.net, sk, portid: sk.portid, nlh, extack });
}

/** Linux: rtnetlink_rcv(). */
function rtnetlinkRcv(data: Uint8Array, sk: NetlinkSock): void {
  netlinkRcvSkb(data, sk, rtnetlinkRcvMsg);
}

/** Linux: rtnl_unicast(): a reply to one requester. */
export function rtnlUnicast(net: Net, data: Uint8Array, portid: number): number {
  return netlinkUnicast(net, NETLINK_ROUTE, data, portid);
}

/**
 * Linux: rtnl_notify(): tell RTNLGRP `group` members; echo to the requester when
 * its request had NLM_F_ECHO.
 */
export function rtnlNotify(net: Net, data: Uint8Array, portid: number, group: number, nlh: NlMsg | null = null): void {
  const report = nlh !== null && (nlh.flags & NLM_F_ECHO) !== 0;
  nlmsgNotify(net, NETLINK_ROUTE, data, portid, group, report);
}

/** Linux: rtnl_set_sk_err(). */
export function rtnlSetSkErr(net: Net, group: number, err: number): void {
  netlinkSetErr(net, NETLINK_ROUTE, 0, group, err);
}

/** Linux: rtnl_has_listeners(). */
export function rtnlHasListeners(net: Net, group: number): boolean {
  return netlinkHasListeners(net, NETLINK_ROUTE, group);
}

/** Linux: rtnl_msg_family(): the family byte of a request (0 when the payload is empty). */
export function rtnlMsgFamily(nlh: NlMsg): number {
  return nlh.msg.length > NLMSG_HDRLEN ? nlh.msg[NLMSG_HDRLEN]! : AF_UNSPEC;
}

/** Linux: RTNL_FAMILY_MAX. */
const RTNL_FAMILY_MAX = 129;
const PF_PACKET = 17;

/**
 * Linux: rtnl_dump_all(): an AF_UNSPEC dump runs the dumpit of every family that
 * has one for this message type, in family order (`cb.family` remembers where the
 * previous round stopped).
 */
export function rtnlDumpAll(cb: NetlinkCallback): number {
  const k = cb.net.kernel;
  const type = cb.nlh.type;
  let sIdx = cb.family ?? 0;
  if (sIdx === 0) sIdx = 1;
  let ret = 0;
  let idx = 1;
  for (; idx <= RTNL_FAMILY_MAX; idx++) {
    if (idx < sIdx || idx === PF_PACKET) continue;
    const link = rtnlGetLink(k, idx, type);
    if (!link?.dumpit) continue;
    if (idx > sIdx) cb.args.fill(0);
    ret = link.dumpit(cb);
    if (ret) break;
  }
  cb.family = idx;
  return cb.skb.len ? cb.skb.len : ret;
}

/**
 * Linux: rtnetlink_init() (+ netlink_proto_init): register AF_NETLINK and the
 * NETLINK_ROUTE kernel side, and the AF_UNSPEC dumps over every family. Link
 * handlers are added by rtnl_link.ts.
 */
export function rtnetlinkInit(k: Kernel): void {
  netlinkProtoInit(k);
  netlinkKernelCreate(k, NETLINK_ROUTE, { groups: RTNLGRP_MAX, input: rtnetlinkRcv });
  rtnlRegister(k, AF_UNSPEC, RTM_GETADDR, null, rtnlDumpAll);
  rtnlRegister(k, AF_UNSPEC, RTM_GETROUTE, null, rtnlDumpAll);
}
