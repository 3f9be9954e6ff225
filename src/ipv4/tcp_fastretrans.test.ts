import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ipv4Net } from './netns_ipv4.js';
import {
  LINUX_MIB_TCPSACKRECOVERY, LINUX_MIB_TCPRENORECOVERY, LINUX_MIB_TCPDSACKUNDO, LINUX_MIB_TCPSPURIOUSRTOS,
  LINUX_MIB_TCPLOSSUNDO, LINUX_MIB_TCPLOSSPROBERECOVERY, LINUX_MIB_TCPFULLUNDO, LINUX_MIB_TCPLOSTRETRANSMIT,
} from '../core/snmp.js';
import { TCP_SKB_CB, RateSample, tcpPacketsInFlight } from './tcp_sock.js';
import {
  TCP_CA_Open, TCP_CA_Disorder, TCP_CA_Recovery, TCP_CA_Loss, TCP_CA_CWR, TCPCB_LOST, FLAG_ECE, FLAG_DATA_SACKED,
  FLAG_SND_UNA_ADVANCED, FLAG_DATA_ACKED, FLAG_DSACKING_ACK, TCP_ECN_OK, TCP_ECN_QUEUE_CWR, FLAG_DSACK_TLP,
} from './tcp_defs.js';
import { tcpSacktagWriteQueue, TcpSacktagState } from './tcp_sacktag.js';
import {
  tcpFastretransAlert, TcpAckRef, REXMIT_LOST, REXMIT_NONE, tcpEnterLoss, tcpCwndReduction, tcpCongControl,
  tcpProcessTlpAck, tcpMarkSkbLost, tcpEnterRecovery, tcpEndCwndReduction,
} from './tcp_fastretrans.js';
import {
  recoveryKernel, scoreboardSock, sendSegments, ackWithSack, segs, setTimeUs, retransmit, cleanRtx,
} from './tcp_scoreboard_testutil.js';

const ISN = 5000;

function setup(opts: { sack?: boolean } = {}) {
  const k = recoveryKernel();
  setTimeUs(k, null, 2_000_000);
  const tp = scoreboardSock(k, { isn: ISN, sack: opts.sack });
  tp.sndCwnd = 10;
  tp.rttMin.v0 = 50_000;
  tp.srttUs = 50_000 << 3;
  const skbs = sendSegments(tp, 10);
  setTimeUs(k, tp, 2_060_000);
  return { k, tp, skbs, mib: ipv4Net(k.initNet).mib.net };
}

/** What tcp_ack does with a SACK ACK, minus the window and RTT parts. */
function onAck(tp: ReturnType<typeof setup>['tp'], ack: number, blocks: Array<[number, number]>, extraFlag = 0) {
  const priorSndUna = tp.sndUna;
  const st = new TcpSacktagState();
  let flag = extraFlag;
  const skb = ackWithSack(ack, blocks);
  const advanced = ((ack - priorSndUna) | 0) > 0;
  /* tcp_ack updates snd_una (tcp_ack_update_window) before tagging SACKs. */
  if (advanced) tp.sndUna = ack;
  if (TCP_SKB_CB(skb).sacked) flag |= tcpSacktagWriteQueue(tp, skb, priorSndUna, st);
  if (advanced) {
    cleanRtx(tp, ack);
    flag |= FLAG_SND_UNA_ADVANCED | FLAG_DATA_ACKED;
  }
  const ref = new TcpAckRef();
  ref.flag = flag;
  const numDupack = !(flag & (FLAG_SND_UNA_ADVANCED | FLAG_DSACKING_ACK)) ? 1 : 0;
  tcpFastretransAlert(tp, priorSndUna, numDupack, ref);
  return ref;
}

test('fastretrans: three SACKed segments above a hole start SACK recovery (RACK marks the hole lost)', () => {
  const { tp, skbs, mib } = setup();
  let ref = onAck(tp, ISN, [segs(ISN, 1, 1)]);
  assert.equal(tp.icskCaState, TCP_CA_Disorder);
  assert.equal(ref.rexmit, REXMIT_NONE);
  ref = onAck(tp, ISN, [segs(ISN, 1, 2)]);
  assert.equal(tp.icskCaState, TCP_CA_Disorder, 'two SACKed: RACK waits (reo_wnd min_rtt/4)');
  ref = onAck(tp, ISN, [segs(ISN, 1, 3)]);
  assert.equal(tp.icskCaState, TCP_CA_Recovery, 'dupack threshold: reo_wnd 0, the hole is lost');
  assert.equal(mib[LINUX_MIB_TCPSACKRECOVERY], 1);
  assert.equal(ref.rexmit, REXMIT_LOST);
  assert.equal(tp.lostOut, 1);
  assert.ok(TCP_SKB_CB(skbs[0]).sacked & TCPCB_LOST);
  assert.equal(tp.sndSsthresh, 5, 'reno: cwnd / 2');
  assert.equal(tp.priorCwnd, 10);
  assert.equal(tp.priorSsthresh, 0x7fffffff, 'tcp_current_ssthresh outside reduction: max(ssthresh, 3/4 cwnd)');
  assert.equal(tp.highSeq, tp.sndNxt);
  assert.equal(tp.undoMarker, ISN);
  assert.equal(tp.retransmitSkbHint, skbs[0]);
});

test('fastretrans: tcp_recovery=0 changes nothing (6.17+ removed RFC 6675 loss marking: RACK only)', () => {
  const { k, tp, skbs } = setup();
  ipv4Net(k.initNet).sysctl.tcpRecovery = 0;
  onAck(tp, ISN, [segs(ISN, 1, 1)]);
  onAck(tp, ISN, [segs(ISN, 1, 2)]);
  assert.equal(tp.icskCaState, TCP_CA_Disorder);
  onAck(tp, ISN, [segs(ISN, 1, 3)]);
  assert.equal(tp.icskCaState, TCP_CA_Recovery);
  assert.ok(TCP_SKB_CB(skbs[0]).sacked & TCPCB_LOST);
  assert.equal(tp.lostOut, 1);
});

test('fastretrans: Reno (no SACK) enters recovery on the third dupack (TCPRenoRecovery)', () => {
  const { tp, skbs, mib } = setup({ sack: false });
  onAck(tp, ISN, []);
  onAck(tp, ISN, []);
  assert.equal(tp.icskCaState, TCP_CA_Disorder);
  assert.equal(tp.sackedOut, 2, 'dupacks emulate SACKs');
  const ref = onAck(tp, ISN, []);
  assert.equal(tp.icskCaState, TCP_CA_Recovery);
  assert.equal(mib[LINUX_MIB_TCPRENORECOVERY], 1);
  assert.equal(ref.rexmit, REXMIT_LOST);
  assert.ok(TCP_SKB_CB(skbs[0]).sacked & TCPCB_LOST, 'NewReno marks the head');
  assert.equal(tp.delivered, 3);
});

test('fastretrans: PRR (RFC 6937) spreads the reduction, then slow-starts up to ssthresh', () => {
  const { tp } = setup();
  onAck(tp, ISN, [segs(ISN, 1, 3)]);
  assert.equal(tp.icskCaState, TCP_CA_Recovery);
  // in flight = 10 - (3 sacked + 1 lost) = 6 > ssthresh 5: proportional part.
  assert.equal(tcpPacketsInFlight(tp), 6);
  tcpCwndReduction(tp, 3, 1, 0);
  // sndcnt = ceil(5 * 3 / 10) - 0 = 2 → cwnd = 6 + 2
  assert.equal(tp.prrDelivered, 3);
  assert.equal(tp.sndCwnd, 8);
  tp.prrOut = 2;
  // More delivered with in flight below ssthresh: conservation + 1 on snd_una advance.
  tp.packetsOut = 2;
  tp.sackedOut = 0;
  tp.lostOut = 0;
  assert.equal(tcpPacketsInFlight(tp), 2);
  tcpCwndReduction(tp, 2, 0, FLAG_SND_UNA_ADVANCED);
  // delta = 5 - 2 = 3; sndcnt = max(5 - 2, 2) + 1 = 4 → min(3, 4) = 3
  assert.equal(tp.sndCwnd, 5);
});

test('fastretrans: recovery ends at high_seq; cwnd = ssthresh; a D-SACK of every retransmission undoes it', () => {
  const { tp, skbs, mib } = setup();
  onAck(tp, ISN, [segs(ISN, 1, 3)]);
  retransmit(tp, skbs[0]);
  tp.undoRetrans = 1;
  tcpCwndReduction(tp, 3, 1, 0);
  const highSeq = tp.highSeq;
  // The original segment 0 arrives late: cumulative ACK of everything plus a D-SACK for seg 0.
  const ref = onAck(tp, highSeq, [segs(ISN, 0, 0)]);
  assert.equal(mib[LINUX_MIB_TCPDSACKUNDO] + mib[LINUX_MIB_TCPFULLUNDO], 1, 'undone');
  assert.equal(tp.icskCaState, TCP_CA_Open);
  assert.equal(tp.sndCwnd, 10, 'reno undo_cwnd: max(cwnd, prior_cwnd)');
  assert.ok(ref.flag & FLAG_SND_UNA_ADVANCED);
});

test('fastretrans: RTO → Loss, F-RTO sees never-retransmitted data SACKed → spurious RTO undone', () => {
  const { tp, skbs, mib } = setup();
  tp.sndSsthresh = 0x7fffffff;
  tcpEnterLoss(tp);
  assert.equal(tp.icskCaState, TCP_CA_Loss);
  assert.equal(tp.lostOut, 10, 'no RACK RTT yet: every skb is overdue');
  assert.equal(tp.sndCwnd, 1, 'packets in flight + 1');
  assert.equal(tp.frto, true);
  assert.equal(tp.sndSsthresh, 5);
  assert.equal(tp.priorSsthresh, 0x7fffffff);
  retransmit(tp, skbs[0]);
  // An ACK (S)ACKing data that was never retransmitted: the RTO was spurious.
  onAck(tp, ISN, [segs(ISN, 1, 2)]);
  assert.equal(mib[LINUX_MIB_TCPSPURIOUSRTOS], 1);
  assert.equal(mib[LINUX_MIB_TCPLOSSUNDO], 1);
  assert.equal(tp.icskCaState, TCP_CA_Disorder, 'undone to Open, then Disorder: SACKed data outstanding');
  assert.equal(tp.sndSsthresh, 0x7fffffff);
  assert.equal(tp.sndCwnd, 10);
  assert.equal(tp.lostOut, 0);
});

test('fastretrans: ECE in Open enters CWR once (ssthresh halves, CWR queued); CWR ends above high_seq', () => {
  const { tp } = setup();
  tp.ecnFlags = TCP_ECN_OK;
  cleanRtx(tp, ISN + 1000);
  const ref = new TcpAckRef();
  ref.flag = FLAG_ECE | FLAG_SND_UNA_ADVANCED | FLAG_DATA_ACKED;
  tcpFastretransAlert(tp, ISN, 0, ref);
  assert.equal(tp.icskCaState, TCP_CA_CWR);
  assert.equal(tp.sndSsthresh, 5);
  assert.ok(tp.ecnFlags & TCP_ECN_QUEUE_CWR);
  const rs = new RateSample();
  tcpCongControl(tp, ISN + 1000, 1, ref.flag, rs);
  assert.equal(tp.sndCwnd, 10, 'PRR: 9 in flight + ceil(5 * 1 / 10)');
  assert.equal(tp.prrDelivered, 1);
  const high = tp.highSeq;
  sendSegments(tp, 1);
  cleanRtx(tp, tp.sndNxt);
  ref.flag = FLAG_SND_UNA_ADVANCED | FLAG_DATA_ACKED;
  assert.ok(((tp.sndUna - high) | 0) > 0);
  tcpFastretransAlert(tp, high, 0, ref);
  assert.equal(tp.icskCaState, TCP_CA_Open);
  assert.equal(tp.sndCwnd, 5, 'tcp_end_cwnd_reduction: cwnd = ssthresh');
});

test('fastretrans: a TLP retransmission repaired a loss → CWR once (TCPLossProbeRecovery); its D-SACK → nothing', () => {
  const { tp, mib } = setup();
  tp.tlpHighSeq = tp.sndNxt;
  tp.tlpRetrans = true;
  tcpProcessTlpAck(tp, tp.sndNxt, FLAG_SND_UNA_ADVANCED);
  assert.equal(tp.tlpHighSeq, tp.sndNxt, 'ACK == tlp_high_seq: still ambiguous');
  tcpProcessTlpAck(tp, (tp.sndNxt + 1) >>> 0, FLAG_SND_UNA_ADVANCED);
  assert.equal(mib[LINUX_MIB_TCPLOSSPROBERECOVERY], 1);
  assert.equal(tp.tlpHighSeq, 0);
  assert.equal(tp.sndCwnd, 5);
  const b = setup();
  b.tp.tlpHighSeq = b.tp.sndNxt;
  b.tp.tlpRetrans = true;
  tcpProcessTlpAck(b.tp, b.tp.sndNxt, FLAG_DSACK_TLP);
  assert.equal(b.tp.tlpHighSeq, 0);
  assert.equal(b.tp.sndCwnd, 10);
});

test('fastretrans: a lost retransmission is counted (TCPLostRetransmit) and leaves retrans_out', () => {
  const { tp, skbs, mib } = setup();
  tcpEnterRecovery(tp, false);
  tcpMarkSkbLost(tp, skbs[0]);
  retransmit(tp, skbs[0]);
  assert.equal(tp.retransOut, 1);
  tcpMarkSkbLost(tp, skbs[0]);
  assert.equal(tp.retransOut, 0);
  assert.equal(mib[LINUX_MIB_TCPLOSTRETRANSMIT], 1);
  assert.equal(tp.lost, 2);
  tcpEndCwndReduction(tp);
  assert.equal(tp.sndCwnd, tp.sndSsthresh);
});

test('fastretrans: cong_control grows cwnd on in-order ACKs only (slow start: +acked)', () => {
  const { tp } = setup();
  tp.isCwndLimited = true;
  const rs = new RateSample();
  tcpCongControl(tp, ISN + 2000, 2, FLAG_DATA_SACKED, rs);
  assert.equal(tp.sndCwnd, 10, 'SACK-only progress does not grow cwnd (RFC 5681)');
  tcpCongControl(tp, ISN + 2000, 2, FLAG_DATA_ACKED, rs);
  assert.equal(tp.sndCwnd, 12);
  assert.ok(tp.pacingRate > 0);
});

test('fastretrans property: random ACK/SACK/RTO/retransmit sequences keep the scoreboard counters equal to the skb bits', () => {
  const ev = fc.oneof(
    fc.record({ k: fc.constant('send'), n: fc.integer({ min: 1, max: 4 }) }),
    fc.record({ k: fc.constant('ack'), adv: fc.integer({ min: 0, max: 3 }), blocks: fc.array(fc.tuple(fc.nat(12), fc.nat(3)), { maxLength: 3 }) }),
    fc.record({ k: fc.constant('rto') }),
    fc.record({ k: fc.constant('rexmit') }),
    fc.record({ k: fc.constant('wait'), us: fc.integer({ min: 0, max: 80_000 }) }),
  );
  fc.assert(fc.property(fc.boolean(), fc.array(ev, { minLength: 1, maxLength: 40 }), (sack, evs) => {
    const { k, tp } = setup({ sack });
    let now = 2_060_000;
    for (const e of evs) {
      if (e.k === 'send') sendSegments(tp, e.n);
      else if (e.k === 'wait') setTimeUs(k, tp, (now += e.us));
      else if (e.k === 'rto') { if (tp.packetsOut) tcpEnterLoss(tp); }
      else if (e.k === 'rexmit') {
        for (let s = tp.rtxQueue.peek(); s; s = s.next) {
          const cb = TCP_SKB_CB(s);
          if ((cb.sacked & TCPCB_LOST) && !(cb.sacked & 0x02)) { retransmit(tp, s); break; }
        }
      } else {
        const ack = (tp.sndUna + Math.min(e.adv, tp.packetsOut) * 1000) >>> 0;
        const blocks = sack ? e.blocks.map(([a, l]) => [(ack + (a + 1) * 1000) >>> 0, (ack + (a + 2 + l) * 1000) >>> 0] as [number, number])
          .filter(([, end]) => ((end - tp.sndNxt) | 0) <= 0) : [];
        const ref = onAck(tp, ack, blocks);
        tcpCongControl(tp, ack, 1, ref.flag, new RateSample());
      }
      let s = 0; let l = 0; let r = 0; let n = 0;
      for (let q = tp.rtxQueue.peek(); q; q = q.next) {
        const b = TCP_SKB_CB(q).sacked;
        n++;
        if (b & 0x01) s++;
        if (b & TCPCB_LOST) l++;
        if (b & 0x02) r++;
      }
      assert.equal(tp.packetsOut, n);
      if (sack) assert.equal(tp.sackedOut, s, 'sacked_out');
      else assert.ok(tp.sackedOut >= 0 && tp.sackedOut <= tp.packetsOut);
      assert.equal(tp.lostOut, l, 'lost_out');
      assert.equal(tp.retransOut, r, 'retrans_out');
      assert.ok(tp.sackedOut + tp.lostOut <= tp.packetsOut || !sack, 'left_out <= packets_out');
      assert.ok(tp.sndCwnd >= 1, `cwnd ${tp.sndCwnd}`);
      assert.ok(tp.icskCaState >= TCP_CA_Open && tp.icskCaState <= TCP_CA_Loss);
    }
  }), { numRuns: 300, seed: 7 });
});
