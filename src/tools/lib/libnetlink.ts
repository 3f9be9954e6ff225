/**
 * Userspace rtnetlink (iproute2: lib/libnetlink.c): open a NETLINK_ROUTE
 * socket, send a request and wait for its ACK or reply (rtnl_talk), run a dump
 * to NLMSG_DONE (rtnl_dump_filter), and print kernel errors the way iproute2
 * does: the extended ack message as `Error: MSG.`, else `RTNETLINK answers: STRERROR`.
 * Only syscalls are used.
 */
import type { Task } from '../../socket/task.js';
import * as sys from '../../socket/syscalls.js';
import { AF_NETLINK, SOCK_RAW, SOCK_CLOEXEC, SOL_SOCKET, SO_SNDBUF, SO_RCVBUF, SOL_NETLINK } from '../../socket/socket.js';
import { strerror } from '../../socket/errno.js';
import {
  type NlMsg, NlMsgBuilder, NETLINK_ROUTE, NETLINK_EXT_ACK, NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP, NLMSG_ERROR,
  NLMSG_DONE, NLMSG_HDRLEN, nlmsgSplit, nlmsgerrParse, NLM_F_ACK_TLVS, NLMSGERR_ATTR_MSG, nlaWalk, nlaGetString,
} from '../../wire/netlink.js';

export class Rtnl {
  seq: number;
  portid = 0;
  constructor(readonly task: Task, readonly fd: number, seq: number) {
    this.seq = seq;
  }
}

/** The outcome of rtnl_talk: 0 and the reply (if any), or the negative errno with the extack message. */
export interface TalkResult {
  error: number;
  msg?: string;
  reply: NlMsg | null;
}

/** iproute2: rtnl_open(): socket, buffers, NETLINK_EXT_ACK, bind (to `groups`). */
export function rtnlOpen(task: Task, groups = 0): Rtnl {
  const fd = sys.socket(task, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  sys.setsockopt(task, fd, SOL_SOCKET, SO_SNDBUF, 32768);
  sys.setsockopt(task, fd, SOL_SOCKET, SO_RCVBUF, 1024 * 1024);
  sys.setsockopt(task, fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
  sys.bind(task, fd, { family: AF_NETLINK, pid: 0, groups });
  const rth = new Rtnl(task, fd, task.kernel.clock.now() % 1000000);
  const a = sys.getsockname(task, fd);
  if (a.family === AF_NETLINK) rth.portid = a.pid;
  return rth;
}

export function rtnlClose(rth: Rtnl): void {
  sys.close(rth.task, rth.fd);
}

/** Build a request: header + fixed family header of `hdrlen` bytes; `fill` writes both. */
export function buildRequest(type: number, flags: number, hdrlen: number,
  fill: (b: NlMsgBuilder, hdr: number) => void): NlMsgBuilder {
  const b = new NlMsgBuilder(256);
  const nlh = b.nlmsgPut(0, 0, type, hdrlen, NLM_F_REQUEST | flags);
  fill(b, nlh + NLMSG_HDRLEN);
  b.nlmsgEnd(nlh);
  return b;
}

function setSeq(b: NlMsgBuilder, seq: number): void {
  b.setU32(8, seq);
}

/** iproute2: rtnl_talk(): send, then read until the ACK/error or reply for our sequence number. */
export function rtnlTalk(rth: Rtnl, b: NlMsgBuilder, wantReply = false): TalkResult {
  const seq = ++rth.seq;
  setSeq(b, seq);
  if (!wantReply) b.setU16(6, b.flagsOf(0) | NLM_F_ACK);
  sys.send(rth.task, rth.fd, b.bytes());
  for (;;) {
    const r = sys.recvmsgNow(rth.task, rth.fd, 32768);
    if (!r) return { error: -5, reply: null };
    for (const m of nlmsgSplit(r.data).msgs) {
      if (m.seq !== seq) continue;
      if (m.type === NLMSG_ERROR) {
        const e = nlmsgerrParse(m);
        return { error: e.error, msg: e.msg, reply: null };
      }
      return { error: 0, reply: m };
    }
  }
}

/**
 * Send a request and wait for its answer; on failure print rtnl_talk's error
 * text and return `failStatus` (iproute2 tools exit 2, bridge 255), else 0.
 */
export function rtnlTalkOrReport(rth: Rtnl, b: NlMsgBuilder, err: (t: string) => void, failStatus: number): number {
  const r = rtnlTalk(rth, b);
  if (!r.error) return 0;
  err(talkErrorText(r));
  return failStatus;
}

/** iproute2: the error text rtnl_talk prints for a failed request. */
export function talkErrorText(r: TalkResult): string {
  if (r.msg) return `Error: ${r.msg}${r.msg.endsWith('.') ? '' : '.'}\n`;
  return `RTNETLINK answers: ${strerror(r.error)}\n`;
}

/**
 * iproute2: rtnl_dump_request + rtnl_dump_filter(): every message of the dump
 * until NLMSG_DONE; a negative errno (and message) when the dump fails.
 */
export function rtnlDump(rth: Rtnl, b: NlMsgBuilder): { msgs: NlMsg[]; error: number; msg?: string } {
  const seq = ++rth.seq;
  setSeq(b, seq);
  b.setU16(6, b.flagsOf(0) | NLM_F_DUMP);
  sys.send(rth.task, rth.fd, b.bytes());
  const msgs: NlMsg[] = [];
  for (;;) {
    const r = sys.recvmsgNow(rth.task, rth.fd, 32768);
    if (!r) return { msgs, error: -5 };
    for (const m of nlmsgSplit(r.data).msgs) {
      if (m.seq !== seq) continue;
      if (m.type === NLMSG_DONE) return { msgs, ...dumpDoneError(m) };
      if (m.type === NLMSG_ERROR) {
        const e = nlmsgerrParse(m);
        return { msgs, error: e.error, msg: e.msg };
      }
      msgs.push({ ...m, msg: m.msg.slice() });
    }
  }
}

/**
 * iproute2: rtnl_dump_done(): a dump's NLMSG_DONE carries the dump's final errno
 * (and, with extended acks, a message), e.g. "ipv4: FIB table does not exist".
 */
function dumpDoneError(m: NlMsg): { error: number; msg?: string } {
  const p = m.msg.subarray(NLMSG_HDRLEN);
  if (p.length < 4) return { error: 0 };
  const error = new DataView(p.buffer, p.byteOffset, 4).getInt32(0, true);
  if (error >= 0) return { error: 0 };
  let msg: string | undefined;
  if (m.flags & NLM_F_ACK_TLVS) {
    for (const a of nlaWalk(p, 4, p.length - 4).attrs) if (a.type === NLMSGERR_ATTR_MSG) msg = nlaGetString(a);
  }
  return { error, msg };
}
