import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ipv4Net } from './netns_ipv4.js';
import { RateSample, TCP_SKB_CB } from './tcp_sock.js';
import {
  TCPCB_LOST, TCPCB_SACKED_ACKED, TCP_CA_Recovery, ICSK_TIME_REO_TIMEOUT, TCP_RACK_STATIC_REO_WND,
  TCP_RACK_NO_DUPTHRESH,
} from './tcp_defs.js';
import { tcpRackAdvance, tcpRackMarkLost, tcpRackReoWnd, tcpRackUpdateReoWnd, tcpRackReoTimeout } from './tcp_recovery.js';
import { recoveryKernel, scoreboardSock, sendSegments, setTimeUs, retransmit } from './tcp_scoreboard_testutil.js';

/** 6 segments sent at 1 s, 2 more at 1.010 s; min_rtt 40 ms, srtt 48 ms. */
function setup() {
  const k = recoveryKernel();
  setTimeUs(k, null, 1_000_000);
  const tp = scoreboardSock(k);
  tp.rttMin.v0 = 40_000;
  tp.srttUs = 48_000 << 3;
  const skbs = sendSegments(tp, 6);
  setTimeUs(k, tp, 1_010_000);
  skbs.push(...sendSegments(tp, 2));
  return { k, tp, skbs };
}

function sack(tp: ReturnType<typeof setup>['tp'], skb: ReturnType<typeof setup>['skbs'][0]): void {
  const cb = TCP_SKB_CB(skb);
  tcpRackAdvance(tp, cb.sacked, cb.endSeq, cb.txMstamp);
  cb.sacked |= TCPCB_SACKED_ACKED;
  tp.sackedOut++;
}

test('rack: reo_wnd is min_rtt/4 per step (at most srtt), 0 at the dupack threshold without reordering', () => {
  const { k, tp } = setup();
  assert.equal(tcpRackReoWnd(tp), 10_000);
  tp.rackReoWndSteps = 3;
  assert.equal(tcpRackReoWnd(tp), 30_000);
  tp.rackReoWndSteps = 8;
  assert.equal(tcpRackReoWnd(tp), 48_000, 'bounded by srtt');
  tp.rackReoWndSteps = 1;
  tp.sackedOut = 3;
  assert.equal(tcpRackReoWnd(tp), 0, 'sacked_out >= reordering');
  ipv4Net(k.initNet).sysctl.tcpRecovery |= TCP_RACK_NO_DUPTHRESH;
  assert.equal(tcpRackReoWnd(tp), 10_000, 'TCP_RACK_NO_DUPTHRESH');
  tp.icskCaState = TCP_CA_Recovery;
  assert.equal(tcpRackReoWnd(tp), 0, 'in recovery without reordering seen');
  tp.reordSeen = 1;
  assert.equal(tcpRackReoWnd(tp), 10_000, 'reordering seen: keep the window');
});

test('rack: a packet sent before a delivered one is lost once RACK.rtt + reo_wnd has passed', () => {
  const { k, tp, skbs } = setup();
  // At 1.050 s the segment sent at 1.010 s (index 6) is SACKed: RACK.rtt = 40 ms.
  setTimeUs(k, tp, 1_050_000);
  sack(tp, skbs[6]);
  assert.equal(tp.rackRttUs, 40_000);
  assert.equal(tp.rackAdvanced, true);
  // Segments 0..5 sent 50 ms ago: 40 ms + reo_wnd 10 ms - 50 ms = 0 → lost.
  assert.equal(tcpRackMarkLost(tp), false, 'nothing left to wait for');
  for (let i = 0; i < 6; i++) assert.ok(TCP_SKB_CB(skbs[i]).sacked & TCPCB_LOST, `skb ${i} lost`);
  assert.equal(TCP_SKB_CB(skbs[7]).sacked & TCPCB_LOST, 0, 'sent after the SACKed one');
  assert.equal(tp.lostOut, 6);
  assert.equal(tp.rackAdvanced, false);
});

test('rack: not yet overdue → the REO_TIMEOUT timer waits the remaining time; the timeout marks and recovers', () => {
  const { k, tp, skbs } = setup();
  setTimeUs(k, tp, 1_045_000);
  sack(tp, skbs[6]);
  // RACK.rtt = 35 ms; segments 0..5 were sent 45 ms ago: 35 + 10 - 45 = 0 → lost. Make it 2 ms earlier.
  tp.rackRttUs = 37_000;
  tp.rackAdvanced = true;
  assert.equal(tcpRackMarkLost(tp), true);
  assert.equal(tp.lostOut, 0);
  assert.equal(tp.icskPending, ICSK_TIME_REO_TIMEOUT);
  // usecs_to_jiffies(2000) + TCP_TIMEOUT_MIN = 2 + 2 jiffies
  assert.equal(tp.icskTimeout, 1045 + 4);
  setTimeUs(k, tp, 1_047_000);
  tcpRackReoTimeout(tp);
  assert.equal(tp.lostOut, 6);
  assert.equal(tp.icskCaState, TCP_CA_Recovery, 'tcp_rack_reo_timeout enters recovery');
});

test('rack: a retransmission SACKed sooner than min_rtt is ambiguous and does not advance RACK', () => {
  const { k, tp, skbs } = setup();
  setTimeUs(k, tp, 1_100_000);
  retransmit(tp, skbs[0]);
  setTimeUs(k, tp, 1_120_000);
  const before = tp.rackMstamp;
  tcpRackAdvance(tp, TCP_SKB_CB(skbs[0]).sacked, TCP_SKB_CB(skbs[0]).endSeq, TCP_SKB_CB(skbs[0]).txMstamp);
  assert.equal(tp.rackMstamp, before);
  assert.equal(tp.rackAdvanced, false);
});

test('rack: D-SACK rounds widen reo_wnd by a step, persisting 16 recoveries; static with TCP_RACK_STATIC_REO_WND', () => {
  const { k, tp } = setup();
  const rs = new RateSample();
  rs.priorDelivered = 5;
  tp.delivered = 20;
  tp.rackDsackSeen = true;
  tcpRackUpdateReoWnd(tp, rs);
  assert.equal(tp.rackReoWndSteps, 2);
  assert.equal(tp.rackReoWndPersist, 16);
  assert.equal(tp.rackLastDelivered, 20);
  // A D-SACK within the same round (prior_delivered before last_delivered) is disregarded.
  tp.rackDsackSeen = true;
  tcpRackUpdateReoWnd(tp, rs);
  assert.equal(tp.rackReoWndSteps, 2);
  assert.equal(tp.rackDsackSeen, false);
  rs.priorDelivered = 25;
  tp.rackDsackSeen = true;
  tcpRackUpdateReoWnd(tp, rs);
  assert.equal(tp.rackReoWndSteps, 3);
  tp.rackReoWndPersist = 0;
  tcpRackUpdateReoWnd(tp, rs);
  assert.equal(tp.rackReoWndSteps, 1, 'back to min_rtt/4 once the persistence ran out');
  ipv4Net(k.initNet).sysctl.tcpRecovery |= TCP_RACK_STATIC_REO_WND;
  tp.rackDsackSeen = true;
  tcpRackUpdateReoWnd(tp, rs);
  assert.equal(tp.rackReoWndSteps, 1);
});
