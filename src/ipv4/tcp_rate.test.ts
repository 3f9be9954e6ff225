import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateSample, TCP_SKB_CB } from './tcp_sock.js';
import { TCPCB_SACKED_ACKED } from './tcp_defs.js';
import { tcpRateSkbDelivered, tcpRateGen, tcpRateCheckAppLimited } from './tcp_rate.js';
import { tcpSlowStart, tcpCongAvoidAi, tcpRenoCongAvoid, tcpRenoSsthresh, tcpRenoUndoCwnd } from './tcp_cong.js';
import { recoveryKernel, scoreboardSock, sendSegments, setTimeUs } from './tcp_scoreboard_testutil.js';

test('rate: a delivery-rate sample is delivered packets over max(send phase, ACK phase)', () => {
  const k = recoveryKernel();
  setTimeUs(k, null, 1_000_000);
  const tp = scoreboardSock(k);
  tp.rttMin.v0 = 10_000;
  const first = sendSegments(tp, 5);
  assert.equal(TCP_SKB_CB(first[0]).txDeliveredMstamp, 1_000_000, 'nothing in flight: the sample starts now');
  setTimeUs(k, tp, 1_004_000);
  const more = sendSegments(tp, 5);
  // At 1.020 s the ACK covers all 10 packets.
  setTimeUs(k, tp, 1_020_000);
  const rs = new RateSample();
  for (const skb of [...first, ...more]) {
    tcpRateSkbDelivered(tp, skb, rs);
    tp.delivered++;
  }
  assert.equal(rs.priorDelivered, 0);
  assert.equal(rs.intervalUs, 4000, 'send phase: first to last send');
  tcpRateGen(tp, 10, 0, false, rs);
  assert.equal(rs.delivered, 10);
  assert.equal(rs.intervalUs, 20_000, 'ACK phase (20 ms) is longer');
  assert.equal(rs.sndIntervalUs, 4000);
  assert.equal(rs.rcvIntervalUs, 20_000);
  assert.equal(tp.rateDelivered, 10);
  assert.equal(tp.rateIntervalUs, 20_000);
  assert.equal(tp.deliveredMstamp, 1_020_000);
  // A SACKed skb is used once.
  const s2 = sendSegments(tp, 1)[0];
  TCP_SKB_CB(s2).sacked |= TCPCB_SACKED_ACKED;
  const rs2 = new RateSample();
  tcpRateSkbDelivered(tp, s2, rs2);
  assert.equal(TCP_SKB_CB(s2).txDeliveredMstamp, 0);
  // Sample shorter than min_rtt, or taken while reneging: invalid.
  const rs3 = new RateSample();
  rs3.priorMstamp = tp.tcpMstamp - 100;
  rs3.priorDelivered = tp.delivered - 1;
  tcpRateGen(tp, 1, 0, false, rs3);
  assert.equal(rs3.intervalUs, -1);
  tcpRateGen(tp, 1, 0, true, rs3);
  assert.equal(rs3.delivered, -1);
});

test('rate: app-limited when less than an MSS is queued, the host queues are empty and cwnd is not used up', () => {
  const k = recoveryKernel();
  const tp = scoreboardSock(k);
  tp.delivered = 7;
  sendSegments(tp, 2);
  tcpRateCheckAppLimited(tp);
  assert.equal(tp.appLimited, 9, 'delivered + in flight');
  tp.appLimited = 0;
  tp.writeSeq = (tp.sndNxt + 5000) >>> 0;
  tcpRateCheckAppLimited(tp);
  assert.equal(tp.appLimited, 0, 'data waiting: not app-limited');
});

test('reno: slow start, additive increase (one per cwnd acked), halving, undo', () => {
  const k = recoveryKernel();
  const tp = scoreboardSock(k);
  tp.sndCwnd = 10;
  tp.sndSsthresh = 15;
  assert.equal(tcpSlowStart(tp, 8), 3, 'grows to ssthresh, returns the rest');
  assert.equal(tp.sndCwnd, 15);
  tcpCongAvoidAi(tp, 15, 14);
  assert.equal(tp.sndCwnd, 15);
  tcpCongAvoidAi(tp, 15, 1);
  assert.equal(tp.sndCwnd, 16);
  assert.equal(tp.sndCwndCnt, 0);
  tp.isCwndLimited = false;
  tp.maxPacketsOut = 0;
  tcpRenoCongAvoid(tp, 0, 100);
  assert.equal(tp.sndCwnd, 16, 'not cwnd-limited: no growth');
  tp.isCwndLimited = true;
  tcpRenoCongAvoid(tp, 0, 32);
  assert.equal(tp.sndCwnd, 18);
  assert.equal(tcpRenoSsthresh(tp), 9);
  tp.sndCwnd = 3;
  assert.equal(tcpRenoSsthresh(tp), 2);
  tp.priorCwnd = 18;
  assert.equal(tcpRenoUndoCwnd(tp), 18);
});
