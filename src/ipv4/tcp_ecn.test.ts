import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allocSkb, skbPut } from '../core/skbuff.js';
import { ipv4Net } from './netns_ipv4.js';
import { RequestSock, TcpSkbCb, TCP_SKB_CB } from './tcp_sock.js';
import { TCP_ECN_OK, TCP_ECN_QUEUE_CWR, TCP_ECN_DEMAND_CWR, TCP_ECN_SEEN, ICSK_ACK_NOW } from './tcp_defs.js';
import { TCPHDR_ACK, TCPHDR_CWR, TCPHDR_ECE, TCPHDR_SYN } from '../wire/tcphdr.js';
import {
  tcpEcnSendSyn, tcpEcnCreateRequest, tcpEcnMakeSynack, tcpEcnOpenreqChild, tcpEcnRcvSynack, tcpEcnSend,
  tcpEcnCheckCe, tcpEcnAcceptCwr, tcpEcnQueueCwr, tcpEcnWithdrawCwr, tcpEcnRcvEcnEcho, tcpEcnClearSyn,
} from './tcp_ecn.js';
import { recoveryKernel, scoreboardSock } from './tcp_scoreboard_testutil.js';

/** A received segment: 20-byte IP header with `tos`, then a TCP header, `payload` bytes. */
function rxSkb(tos: number, flags: number, seq: number, payload: number) {
  const skb = allocSkb(40 + payload);
  skbPut(skb, 40 + payload);
  skb.networkHeader = skb.data;
  skb.buf[skb.data] = 0x45;
  skb.buf[skb.data + 1] = tos;
  skb.transportHeader = skb.data + 20;
  const cb = new TcpSkbCb();
  cb.seq = seq;
  cb.endSeq = seq + payload;
  cb.tcpFlags = flags;
  skb.cb = cb;
  return skb;
}

/** An outgoing segment as tcp_transmit_skb has it when it calls tcp_ecn_send (header pushed). */
function txSkb(seq: number, payload: number, hlen = 32) {
  const skb = allocSkb(hlen + payload);
  skbPut(skb, hlen + payload);
  const cb = new TcpSkbCb();
  cb.seq = seq;
  cb.endSeq = seq + payload;
  skb.cb = cb;
  return skb;
}

test('ecn: a SYN asks for ECN only with tcp_ecn=1 (default 2 only accepts); fallback clears a retransmitted SYN', () => {
  const k = recoveryKernel();
  const tp = scoreboardSock(k);
  const syn = txSkb(0, 0);
  assert.equal(tcpEcnSendSyn(tp, syn), 0, 'tcp_ecn=2: passive only');
  assert.equal(tp.ecnFlags, 0);
  ipv4Net(k.initNet).sysctl.tcpEcn = 1;
  assert.equal(tcpEcnSendSyn(tp, syn), TCPHDR_ECE | TCPHDR_CWR);
  assert.equal(tp.ecnFlags, TCP_ECN_OK);
  assert.equal(TCP_SKB_CB(syn).tcpFlags & (TCPHDR_ECE | TCPHDR_CWR), TCPHDR_ECE | TCPHDR_CWR);
  tcpEcnClearSyn(tp, syn);
  assert.equal(TCP_SKB_CB(syn).tcpFlags & (TCPHDR_ECE | TCPHDR_CWR), 0, 'tcp_ecn_fallback=1');
  // SYN-ACK checks (RFC 3168 6.1.1): ECE without CWR keeps ECN, anything else drops it.
  tcpEcnRcvSynack(tp, TCPHDR_SYN | TCPHDR_ACK | TCPHDR_ECE);
  assert.equal(tp.ecnFlags, TCP_ECN_OK);
  tcpEcnRcvSynack(tp, TCPHDR_SYN | TCPHDR_ACK | TCPHDR_ECE | TCPHDR_CWR);
  assert.equal(tp.ecnFlags, 0);
  // A route with `features ecn` asks for ECN even with tcp_ecn=2.
  ipv4Net(k.initNet).sysctl.tcpEcn = 2;
  const metrics = new Uint32Array(20);
  metrics[12 /* RTAX_FEATURES */] = 1 /* RTAX_FEATURE_ECN */;
  tp.dstCache = { metrics } as unknown as typeof tp.dstCache;
  assert.equal(tcpEcnSendSyn(tp, txSkb(0, 0)), TCPHDR_ECE | TCPHDR_CWR);
});

test('ecn: a listener accepts an ECN-setup SYN that is not ECT (tcp_ecn 1 or 2), not with tcp_ecn=0', () => {
  const k = recoveryKernel();
  const lsk = scoreboardSock(k);
  const mk = () => new RequestSock(lsk, () => undefined);
  let req = mk();
  tcpEcnCreateRequest(req, rxSkb(0, TCPHDR_SYN | TCPHDR_ECE | TCPHDR_CWR, 0, 0), lsk, TCPHDR_SYN | TCPHDR_ECE | TCPHDR_CWR, 0);
  assert.equal(req.ecnOk, true);
  assert.equal(tcpEcnMakeSynack(req), TCPHDR_ECE);
  const child = scoreboardSock(k);
  tcpEcnOpenreqChild(child, req);
  assert.equal(child.ecnFlags, TCP_ECN_OK);
  req = mk();
  tcpEcnCreateRequest(req, rxSkb(2, TCPHDR_SYN | TCPHDR_ECE | TCPHDR_CWR, 0, 0), lsk, TCPHDR_SYN | TCPHDR_ECE | TCPHDR_CWR, 0);
  assert.equal(req.ecnOk, false, 'an ECT SYN hints at a broken path');
  req = mk();
  tcpEcnCreateRequest(req, rxSkb(0, TCPHDR_SYN | TCPHDR_ECE, 0, 0), lsk, TCPHDR_SYN | TCPHDR_ECE, 0);
  assert.equal(req.ecnOk, false, 'ECE alone is not an ECN-setup SYN');
  ipv4Net(k.initNet).sysctl.tcpEcn = 0;
  req = mk();
  tcpEcnCreateRequest(req, rxSkb(0, TCPHDR_SYN | TCPHDR_ECE | TCPHDR_CWR, 0, 0), lsk, TCPHDR_SYN | TCPHDR_ECE | TCPHDR_CWR, 0);
  assert.equal(req.ecnOk, false);
  assert.equal(tcpEcnMakeSynack(req), 0);
});

test('ecn: new data goes out ECT(0) and carries a queued CWR once; ACKs and retransmissions are Not-ECT', () => {
  const k = recoveryKernel();
  const tp = scoreboardSock(k, { isn: 1000 });
  tp.ecnFlags = TCP_ECN_OK;
  assert.equal(tcpEcnSend(tp, txSkb(1000, 100), 32), 0);
  assert.equal(tp.tos & 3, 2, 'ECT(0)');
  tcpEcnQueueCwr(tp);
  assert.equal(tcpEcnSend(tp, txSkb(1000, 100), 32), TCPHDR_CWR);
  assert.equal(tp.ecnFlags & TCP_ECN_QUEUE_CWR, 0);
  assert.equal(tcpEcnSend(tp, txSkb(1000, 100), 32), 0, 'CWR only once');
  tp.sndNxt = 2000;
  tcpEcnQueueCwr(tp);
  assert.equal(tcpEcnSend(tp, txSkb(1000, 100), 32), 0, 'a retransmission does not take the CWR');
  assert.equal(tp.tos & 3, 0, 'retransmission Not-ECT');
  tcpEcnWithdrawCwr(tp);
  assert.equal(tp.ecnFlags & TCP_ECN_QUEUE_CWR, 0, 'undo withdraws the queued CWR');
  tcpEcnSend(tp, txSkb(2000, 100), 32);
  assert.equal(tcpEcnSend(tp, txSkb(2100, 0), 32), 0, 'pure ACK');
  assert.equal(tp.tos & 3, 0);
  tp.ecnFlags |= TCP_ECN_DEMAND_CWR;
  assert.equal(tcpEcnSend(tp, txSkb(2100, 0), 32), TCPHDR_ECE);
  assert.equal(tcpEcnRcvEcnEcho(tp, TCPHDR_ACK | TCPHDR_ECE), true);
  assert.equal(tcpEcnRcvEcnEcho(tp, TCPHDR_SYN | TCPHDR_ACK | TCPHDR_ECE), false);
  tp.ecnFlags = 0;
  assert.equal(tcpEcnSend(tp, txSkb(2100, 100), 32), 0, 'no ECN: nothing');
  assert.equal(tcpEcnRcvEcnEcho(tp, TCPHDR_ACK | TCPHDR_ECE), false);
});

test('ecn: CE on received data → ECE on our ACKs until the peer sends CWR', () => {
  const k = recoveryKernel();
  const tp = scoreboardSock(k);
  tp.ecnFlags = TCP_ECN_OK;
  tcpEcnCheckCe(tp, rxSkb(2, TCPHDR_ACK, 1, 100));
  assert.equal(tp.ecnFlags, TCP_ECN_OK | TCP_ECN_SEEN, 'ECT: the path is ECN capable');
  tcpEcnCheckCe(tp, rxSkb(3, TCPHDR_ACK, 101, 100));
  assert.ok(tp.ecnFlags & TCP_ECN_DEMAND_CWR);
  tcpEcnAcceptCwr(tp, rxSkb(2, TCPHDR_ACK, 201, 0));
  assert.ok(tp.ecnFlags & TCP_ECN_DEMAND_CWR, 'no CWR yet');
  tp.icskAckPending = 0;
  tcpEcnAcceptCwr(tp, rxSkb(2, TCPHDR_ACK | TCPHDR_CWR, 201, 100));
  assert.equal(tp.ecnFlags & TCP_ECN_DEMAND_CWR, 0);
  assert.ok(tp.icskAckPending & ICSK_ACK_NOW, 'data with CWR is ACKed at once');
});
