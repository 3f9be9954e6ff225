import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ipv4Net } from './netns_ipv4.js';
import {
  LINUX_MIB_TCPHYSTARTDELAYDETECT, LINUX_MIB_TCPHYSTARTDELAYCWND, LINUX_MIB_TCPHYSTARTTRAINDETECT,
  LINUX_MIB_TCPHYSTARTTRAINCWND,
} from '../core/snmp.js';
import { AckSample } from './tcp_sock.js';
import { TCP_CA_Loss } from './tcp_defs.js';
import { tcpGetAvailableCongestionControl, tcpCaFind } from './tcp_cong.js';
import {
  cubicRoot, cubicCa, cubictcpRecalcSsthresh, cubictcpCongAvoid, cubictcpAcked, cubictcpState, BETA_SCALE,
  CUBE_FACTOR, cubeDelta,
} from './tcp_cubic.js';
import { recoveryKernel, scoreboardSock, setTimeUs } from './tcp_scoreboard_testutil.js';

/* RFC 9438 constants. */
const C = 0.4;
const BETA = 0.7;

function setup() {
  const k = recoveryKernel();
  setTimeUs(k, null, 10_000_000);
  const tp = scoreboardSock(k, { ca: 'cubic' });
  tp.isCwndLimited = true;
  return { k, tp, mib: ipv4Net(k.initNet).mib.net };
}

test('cubic: registered after reno, as tcp_available_congestion_control lists them', () => {
  const { k } = setup();
  assert.equal(tcpGetAvailableCongestionControl(k), 'reno cubic');
  assert.equal(tcpCaFind(k, 'cubic')?.name, 'cubic');
});

test('cubic: fixed-point constants and cube root as Linux (beta_scale 15, cube_factor 2^40/410, ~0.2% root)', () => {
  assert.equal(BETA_SCALE, 15);
  assert.equal(CUBE_FACTOR, Math.floor(2 ** 40 / 410));
  for (const a of [0, 1, 8, 27, 63, 64, 1000, 123456, 2 ** 32 + 5, 2681735677 * 30, 2681735677 * 5000]) {
    const want = Math.cbrt(a);
    const got = cubicRoot(a);
    assert.ok(Math.abs(got - want) <= Math.max(1, want * 0.01), `cbrt(${a}) = ${got}, want ~${want}`);
  }
});

test('cubic: c/rtt * (t-K)^3 in fixed point equals Linux u64/u32 arithmetic for every epoch length', () => {
  const ref = (o: number) => Number(BigInt.asUintN(32, BigInt.asUintN(64, 410n * BigInt(o) ** 3n) >> 40n));
  for (const o of [0, 1, 1023, 1024, 8191, 8192, 10_000, 65_535, 123_457, 262_143, 262_144, 300_000, 1_000_000]) {
    assert.equal(cubeDelta(o), ref(o), `offs ${o}`);
  }
  for (let i = 0, o = 7; i < 2000; i++, o = (o * 1103515245 + 12345) % 400_000) assert.equal(cubeDelta(o), ref(o), `offs ${o}`);
});

test('cubic: multiplicative decrease beta = 717/1024 and fast convergence (RFC 9438 4.6, 4.7)', () => {
  const { tp } = setup();
  tp.sndCwnd = 100;
  assert.equal(cubictcpRecalcSsthresh(tp), 70);
  assert.equal(cubicCa(tp).lastMaxCwnd, 100);
  tp.sndCwnd = 80;
  assert.equal(cubictcpRecalcSsthresh(tp), 56);
  // Did not reach the previous W_max: W_max = cwnd * (1 + beta) / 2.
  assert.equal(cubicCa(tp).lastMaxCwnd, Math.floor((80 * (1024 + 717)) / 2048));
  tp.sndCwnd = 2;
  assert.equal(cubictcpRecalcSsthresh(tp), 2, 'at least 2');
  cubictcpState(tp, TCP_CA_Loss);
  assert.equal(cubicCa(tp).lastMaxCwnd, 0, 'Loss resets CUBIC');
  assert.equal(cubicCa(tp).epochStart, 0);
});

test('cubic: congestion avoidance follows W_cubic(t) = C (t - K)^3 + W_max (RFC 9438 4.2)', () => {
  const { k, tp } = setup();
  const rttUs = 100_000;
  tp.sndCwnd = 100;
  tp.sndSsthresh = cubictcpRecalcSsthresh(tp);
  tp.sndCwnd = tp.sndSsthresh;
  const ca = cubicCa(tp);
  ca.delayMin = rttUs;
  const wMax = 100;
  const K = Math.cbrt((wMax * (1 - BETA)) / C);
  const wCubic = (t: number) => C * (t - K) ** 3 + wMax;
  /* RFC 9438 4.3: W_est = W_max * beta + alpha * t / RTT, alpha = 3 (1 - beta) / (1 + beta). */
  const wEst = (t: number) => wMax * BETA + ((3 * (1 - BETA)) / (1 + BETA)) * (t / (rttUs / 1e6));
  const expected = (t: number) => Math.max(wCubic(t), wEst(t));
  let now = 10_000_000;
  const t0 = now;
  for (let round = 0; round < 100; round++) {
    // One round trip: the whole window is ACKed, one ACK per packet, spread over the RTT.
    const n = tp.sndCwnd;
    for (let i = 0; i < n; i++) {
      now += Math.floor(rttUs / n);
      setTimeUs(k, tp, now);
      cubictcpCongAvoid(tp, 0, 1);
    }
    now = t0 + (round + 1) * rttUs;
    setTimeUs(k, tp, now);
    const t = (now - t0) / 1e6;
    if (round === 0) {
      // K in 2^-10 s units, within the cube root's error.
      assert.ok(Math.abs(ca.bicK / 1024 - K) < 0.02, `K ${ca.bicK / 1024} vs ${K}`);
    }
    const lo = expected(t - 2 * rttUs / 1e6) - 2;
    const hi = expected(t + rttUs / 1e6) + 2;
    assert.ok(tp.sndCwnd >= lo && tp.sndCwnd <= hi, `t=${t.toFixed(1)} s: cwnd ${tp.sndCwnd} not in [${lo.toFixed(1)}, ${hi.toFixed(1)}]`);
  }
  // At t = 10 s: W_cubic = 0.4 * (10 - 4.22)^3 + 100 ~ 177.
  assert.ok(tp.sndCwnd > 160 && tp.sndCwnd < 200, `cwnd after 10 s: ${tp.sndCwnd}`);
});

test('cubic: HyStart delay detection exits slow start (TCPHystartDelayDetect/DelayCwnd)', () => {
  const { k, tp, mib } = setup();
  const s = new AckSample();
  let now = 10_000_000;
  tp.sndCwnd = 10;
  s.rttUs = 10_000;
  cubictcpAcked(tp, s);
  assert.equal(cubicCa(tp).delayMin, 10_000);
  tp.sndCwnd = 16;
  s.rttUs = 20_000;
  for (let i = 0; i < 8; i++) {
    now += 3000; /* > hystart_ack_delta_us: not an ACK train */
    setTimeUs(k, tp, now);
    cubictcpAcked(tp, s);
  }
  assert.equal(cubicCa(tp).found, false, 'eight samples first');
  now += 3000;
  setTimeUs(k, tp, now);
  cubictcpAcked(tp, s);
  assert.equal(cubicCa(tp).found, true);
  assert.equal(tp.sndSsthresh, 16);
  assert.equal(mib[LINUX_MIB_TCPHYSTARTDELAYDETECT], 1);
  assert.equal(mib[LINUX_MIB_TCPHYSTARTDELAYCWND], 16);
});

test('cubic: HyStart ACK train longer than delay_min/2 exits slow start (TCPHystartTrainDetect/TrainCwnd)', () => {
  const { k, tp, mib } = setup();
  const s = new AckSample();
  s.rttUs = 10_000;
  tp.sndCwnd = 20;
  cubicCa(tp).delayMin = 10_000;
  let now = 10_000_000;
  for (let i = 0; i < 5; i++) {
    now += 1000;
    setTimeUs(k, tp, now);
    cubictcpAcked(tp, s);
    assert.equal(cubicCa(tp).found, false, `${i + 1} ms into the round`);
  }
  now += 1000;
  setTimeUs(k, tp, now);
  cubictcpAcked(tp, s);
  assert.equal(cubicCa(tp).found, true);
  assert.equal(mib[LINUX_MIB_TCPHYSTARTTRAINDETECT], 1);
  assert.equal(mib[LINUX_MIB_TCPHYSTARTTRAINCWND], 20);
  assert.equal(tp.sndSsthresh, 20);
  // Below hystart_low_window nothing happens.
  const b = setup();
  b.tp.sndCwnd = 15;
  cubicCa(b.tp).delayMin = 10_000;
  for (let i = 0; i < 20; i++) {
    setTimeUs(b.k, b.tp, 10_000_000 + i * 1000);
    cubictcpAcked(b.tp, s);
  }
  assert.equal(cubicCa(b.tp).found, false);
});

test('cubic: slow start doubles per round until ssthresh, like Reno', () => {
  const { k, tp } = setup();
  tp.sndCwnd = 10;
  tp.sndSsthresh = 30;
  setTimeUs(k, tp, 10_500_000);
  cubictcpCongAvoid(tp, 0, 10);
  assert.equal(tp.sndCwnd, 20);
  cubictcpCongAvoid(tp, 0, 20);
  assert.ok(tp.sndCwnd >= 30 && tp.sndCwnd <= 31, `capped at ssthresh then CA: ${tp.sndCwnd}`);
});
