/**
 * The receive half of the TCP socket API (Linux: net/ipv4/tcp.c tcp_recvmsg_locked(),
 * tcp_recv_urg(), tcp_cleanup_rbuf(), tcp_inq()): copying from the receive queue into the
 * reader's buffer, urgent data as Linux keeps it (one byte out of band unless
 * SO_OOBINLINE), the window-update ACK after a read. The reader never sleeps here: when
 * nothing can be read the functions return -EAGAIN and the syscall layer waits (see tcp.ts).
 */
import type { SkBuff } from '../core/skbuff.js';
import { consumeSkb } from '../core/skbuff.js';
import { sockFlag, SOCK_DONE, RCV_SHUTDOWN, sockError } from '../core/sock.js';
import { SOCK_URGINLINE } from '../core/sock_opt.js';
import { type Sockaddr, type RecvResult, type Cmsg, MSG_OOB, MSG_PEEK, MSG_TRUNC, MSG_ERRQUEUE } from '../socket/socket.js';
import { EINVAL, ENOTCONN, EAGAIN } from '../socket/errno.js';
import { IPPROTO_TCP } from '../wire/iphdr.js';
import { TCPHDR_SYN, TCPHDR_FIN } from '../wire/tcphdr.js';
import type { InetSock } from './inet_sock.js';
import { ipv4Net } from './netns_ipv4.js';
import { ipRecvError } from './ip_sockglue.js';
import { type TcpSock, TCP_SKB_CB, tcpReceiveWindow } from './tcp_sock.js';
import {
  TCP_CLOSE, TCP_LISTEN, TCPF_SYN_SENT, TCPF_SYN_RECV, TCP_URG_VALID, TCP_URG_READ, ICSK_ACK_PUSHED, ICSK_ACK_PUSHED2,
} from './tcp_defs.js';
import { inetCskAckScheduled } from './tcp_timer.js';
import { tcpSendAck, __tcpSelectWindow } from './tcp_output.js';
import { tcpRcvSpaceAdjust } from './tcp_input.js';

/** Linux: tcp_inq(): bytes the reader could read now (SIOCINQ, TCP_INQ). */
export function tcpInq(tp: TcpSock): number {
  if ((1 << tp.state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) return 0;
  if (sockFlag(tp, SOCK_URGINLINE) || !tp.urgData || ((tp.urgSeq - tp.copiedSeq) | 0) < 0 ||
      ((tp.urgSeq - tp.rcvNxt) | 0) >= 0) {
    let answ = (tp.rcvNxt - tp.copiedSeq) | 0;
    /* Subtract 1, if FIN was received */
    if (answ && sockFlag(tp, SOCK_DONE)) answ--;
    return answ;
  }
  return (tp.urgSeq - tp.copiedSeq) | 0;
}

/** Linux: tcp_inq_hint(): what a TCP_INQ control message reports (non-zero after a FIN). */
export function tcpInqHint(tp: TcpSock): number {
  let inq = (tp.rcvNxt - tp.copiedSeq) | 0;
  if (inq === 0 && sockFlag(tp, SOCK_DONE)) inq = 1;
  return inq;
}

/** Linux: inet_csk_in_pingpong_mode(). */
export function inetCskInPingpongMode(tp: TcpSock): boolean {
  return tp.icskAckPingpong >= ipv4Net(tp.net).sysctl.tcpPingpongThresh;
}

/**
 * Linux: tcp_cleanup_rbuf(): after the reader took `copied` bytes, send an ACK if one
 * is due or the window can be raised significantly.
 */
export function tcpCleanupRbuf(tp: TcpSock, copied: number): void {
  let timeToAck = false;
  if (inetCskAckScheduled(tp)) {
    if (/* Once-per-two-segments ACK was not sent by tcp_input.c */
      ((tp.rcvNxt - tp.rcvWup) >>> 0) > tp.icskAckRcvMss ||
      /* If this read emptied the read buffer, ACK: the connection is not bidirectional, the
       * user drained the receive buffer and there was a small segment in the queue. */
      (copied > 0 &&
        ((tp.icskAckPending & ICSK_ACK_PUSHED2) ||
          ((tp.icskAckPending & ICSK_ACK_PUSHED) && !inetCskInPingpongMode(tp))) &&
        !tp.rmemAlloc)) {
      timeToAck = true;
    }
  }
  /* ACK if we can now advertise a non-zero window raised "significantly" (at least
   * twice); never in states where we will not receive more. */
  if (copied > 0 && !timeToAck && !(tp.shutdown & RCV_SHUTDOWN)) {
    const rcvWindowNow = tcpReceiveWindow(tp);
    if (2 * rcvWindowNow <= tp.windowClamp) {
      const newWindow = __tcpSelectWindow(tp);
      if (newWindow && newWindow >= 2 * rcvWindowNow) timeToAck = true;
    }
  }
  if (timeToAck) tcpSendAck(tp);
}

/** Linux: tcp_eat_recv_skb(): the reader consumed the head skb of the receive queue. */
function tcpEatRecvSkb(tp: TcpSock, skb: SkBuff): void {
  if (tp.receiveQueue.head === skb) tp.receiveQueue.dequeue();
  consumeSkb(skb);
}

/** Linux: tcp_recv_urg(): recv(MSG_OOB) reads the one urgent byte, never blocking. */
function tcpRecvUrg(tp: TcpSock, buf: Uint8Array, flags: number): number {
  /* No URG data to read. */
  if (sockFlag(tp, SOCK_URGINLINE) || !tp.urgData || tp.urgData === TCP_URG_READ) return -EINVAL;
  if (tp.state === TCP_CLOSE && !sockFlag(tp, SOCK_DONE)) return -ENOTCONN;
  if (tp.urgData & TCP_URG_VALID) {
    const c = tp.urgData & 0xff;
    if (!(flags & MSG_PEEK)) tp.urgData = TCP_URG_READ;
    if (buf.length > 0) {
      if (!(flags & MSG_TRUNC)) buf[0] = c;
      return 1;
    }
    return 0;
  }
  if (tp.state === TCP_CLOSE || (tp.shutdown & RCV_SHUTDOWN)) return 0;
  return -EAGAIN;
}

/**
 * Linux: tcp_recvmsg_locked(). Copies up to buf.length bytes from the receive queue.
 * Returns the bytes copied; 0 at end of stream; -EAGAIN when nothing can be read yet
 * (the caller waits; with MSG_WAITALL / SO_RCVLOWAT it calls again for the rest);
 * -ENOTCONN, the socket error, or -EINVAL (MSG_OOB without urgent data).
 * `outFlags[0]` receives MSG_OOB when the urgent byte was read.
 */
export function tcpRecvmsg(tp: TcpSock, buf: Uint8Array, flags: number, outFlags?: number[]): number {
  if (tp.state === TCP_LISTEN) return -ENOTCONN;
  if (flags & MSG_OOB) {
    const r = tcpRecvUrg(tp, buf, flags);
    if (r > 0 && outFlags) outFlags[0] = MSG_OOB;
    return r;
  }
  const peek = (flags & MSG_PEEK) !== 0;
  let seq = tp.copiedSeq;
  let len = buf.length;
  let copied = 0;
  while (len > 0) {
    /* Are we at urgent data? Stop if we have read anything. */
    if (tp.urgData && tp.urgSeq === seq && copied) break;
    // Next get a buffer.
    let skb = tp.receiveQueue.head;
    let offset = 0;
    let found = false;
    let fin = false;
    while (skb) {
      const cb = TCP_SKB_CB(skb);
      if (((seq - cb.seq) | 0) < 0) break; /* "TCP recvmsg seq # bug" */
      offset = (seq - cb.seq) >>> 0;
      if (cb.tcpFlags & TCPHDR_SYN) offset--;
      if (offset < skb.len) {
        found = true;
        break;
      }
      if (cb.tcpFlags & TCPHDR_FIN) {
        fin = true;
        break;
      }
      skb = skb.next;
    }
    if (fin && skb) {
      // found_fin_ok: Process the FIN.
      seq = (seq + 1) >>> 0;
      if (!peek) {
        tp.copiedSeq = seq;
        tcpEatRecvSkb(tp, skb);
      }
      break;
    }
    if (!found || !skb) {
      if (copied) break;
      if (sockFlag(tp, SOCK_DONE)) break;
      if (tp.err) {
        copied = sockError(tp);
        break;
      }
      if (tp.shutdown & RCV_SHUTDOWN) break;
      /* This occurs when user tries to read from never connected socket. */
      if (tp.state === TCP_CLOSE) {
        copied = -ENOTCONN;
        break;
      }
      copied = -EAGAIN;
      break;
    }
    // found_ok_skb: Ok so how much can we use?
    let used = skb.len - offset;
    if (len < used) used = len;
    let skipCopy = false;
    /* Do we have urgent data here? */
    if (tp.urgData) {
      const urgOffset = (tp.urgSeq - seq) >>> 0;
      if (urgOffset < used) {
        if (!urgOffset) {
          if (!sockFlag(tp, SOCK_URGINLINE)) {
            seq = (seq + 1) >>> 0;
            if (!peek) tp.copiedSeq = seq;
            offset++;
            used--;
            if (!used) skipCopy = true;
          }
        } else {
          used = urgOffset;
        }
      }
    }
    if (!skipCopy) {
      if (!(flags & MSG_TRUNC)) {
        const from = skb.data + offset;
        buf.set(skb.buf.subarray(from, from + used), copied);
      }
      seq = (seq + used) >>> 0;
      if (!peek) tp.copiedSeq = seq;
      copied += used;
      len -= used;
      tcpRcvSpaceAdjust(tp);
    }
    // skip_copy:
    if (tp.urgData && ((tp.copiedSeq - tp.urgSeq) | 0) > 0) tp.urgData = 0;
    if (used + offset < skb.len) continue;
    if (TCP_SKB_CB(skb).tcpFlags & TCPHDR_FIN) {
      seq = (seq + 1) >>> 0;
      if (!peek) {
        tp.copiedSeq = seq;
        tcpEatRecvSkb(tp, skb);
      }
      break;
    }
    if (!peek) tcpEatRecvSkb(tp, skb);
  }
  /* Clean up data we have read: This will do ACK frames. */
  tcpCleanupRbuf(tp, copied);
  return copied;
}

/** ProtoOps-shaped receive for recvmsg(2): a copy of what tcpRecvmsg read. */
export function tcpRecvmsgAlloc(sk: InetSock, maxLen: number, flags: number): RecvResult | number {
  if (flags & MSG_ERRQUEUE) return ipRecvError(sk, maxLen);
  const tp = (sk as TcpSock);
  const buf = new Uint8Array(maxLen);
  const outFlags = [0];
  const n = tcpRecvmsg(tp, buf, flags, outFlags);
  if (n < 0) return n;
  const cmsgs: Cmsg[] = [];
  if (tp.recvmsgInq) cmsgs.push({ level: IPPROTO_TCP, type: 1 /* TCP_CM_INQ */, data: tcpInqHint(tp) });
  return { data: buf.subarray(0, n), fullLength: n, addr: null, flags: outFlags[0]!, cmsgs };
}

/** recvfrom(2) into the caller's buffer: the peer address is not reported for TCP (as Linux). */
export function tcpRecvfromInto(sk: InetSock, buf: Uint8Array, flags: number, _addr: Sockaddr | null): number {
  if (flags & MSG_ERRQUEUE) {
    const r = ipRecvError(sk, buf.length);
    if (typeof r === 'number') return r;
    const n = Math.min(r.data.length, buf.length);
    buf.set(r.data.subarray(0, n));
    return n;
  }
  return tcpRecvmsg((sk as TcpSock), buf, flags);
}
