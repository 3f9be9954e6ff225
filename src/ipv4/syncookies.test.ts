/**
 * SYN cookies (unit): the MSS table of Linux 6.x ({536, 1300, 1440, 1460}, rounded down),
 * the cookie surviving the round trip through the ACK for two minutes and no longer, a
 * forged ACK failing, and the options encoded in the low 6 bits of the timestamp.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKernel } from '../index.js';
import type { Kernel } from '../core/net_namespace.js';
import { allocSkb, skbPut, skbReserve, type SkBuff } from '../core/skbuff.js';
import { writeU32 } from '../wire/bytes.js';
import { cookieV4InitSequence, cookieInitTimestamp, cookieTimestampDecode, MSSTAB } from './syncookies.js';
import { __cookieV4Check as cookieCheckMssForTest } from './syncookies.js';
import { RequestSock, TcpOptionsReceived, TcpSock } from './tcp_sock.js';
import { TCP_TIMER_FNS } from './tcp_timer.js';

/** A segment 10.0.0.1:40000 -> 10.0.0.2:80 with `seq`/`ack` (IP header then TCP header). */
function seg(k: Kernel, seq: number, ack: number): SkBuff {
  const skb = allocSkb(128);
  skbReserve(skb, 32);
  const off = skbPut(skb, 40);
  const b = skb.buf;
  b[off] = 0x45;
  writeU32(b, off + 12, 0x0a000001);
  writeU32(b, off + 16, 0x0a000002);
  b[off + 20] = 40000 >> 8; b[off + 21] = 40000 & 255;
  b[off + 22] = 0; b[off + 23] = 80;
  writeU32(b, off + 24, seq);
  writeU32(b, off + 28, ack);
  skb.networkHeader = off;
  skb.transportHeader = off + 20;
  skb.data = off + 20;
  skb.dev = k.initNet.loopbackDev;
  return skb;
}

test('syncookies: MSS rounded down to the 6.x table, cookie valid for two minutes', async () => {
  const k = createKernel({ seed: 1 });
  await k.sleep(5e9);
  for (const [mss, want] of [[1460, 1460], [9000, 1460], [1452, 1440], [1400, 1300], [1299, 536], [100, 536]] as const) {
    const out = { mss };
    const isn = cookieV4InitSequence(seg(k, 1000, 0), out);
    assert.equal(out.mss, want);
    // The ACK of the cookie SYN-ACK: seq = their ISN + 1, ack = cookie + 1.
    assert.equal(cookieCheckMssForTest(k.initNet, seg(k, 1001, (isn + 1) >>> 0)), want);
    assert.equal(cookieCheckMssForTest(k.initNet, seg(k, 1001, (isn + 1001) >>> 0)), 0, 'forged ack');
    // Another initial sequence (beyond the few mss-index values the low bits can absorb, as in Linux).
    assert.equal(cookieCheckMssForTest(k.initNet, seg(k, 1101, (isn + 1) >>> 0)), 0, 'other seq');
  }
  assert.deepEqual(MSSTAB, [536, 1300, 1440, 1460]);
  const out = { mss: 1460 };
  const isn = cookieV4InitSequence(seg(k, 5000, 0), out);
  await k.sleep(60e9);
  assert.equal(cookieCheckMssForTest(k.initNet, seg(k, 5001, (isn + 1) >>> 0)), 1460, 'one minute later');
  await k.sleep(60e9);
  assert.equal(cookieCheckMssForTest(k.initNet, seg(k, 5001, (isn + 1) >>> 0)), 0, 'two minutes later');
});

test('syncookies: window scale, SACK and ECN ride in the low 6 bits of the timestamp', () => {
  const k = createKernel({ seed: 2 });
  const listener = new TcpSock(k.initNet, 1, 6, TCP_TIMER_FNS);
  const req = new RequestSock(listener, () => {});
  req.wscaleOk = true;
  req.sndWscale = 7;
  req.sackOk = true;
  req.ecnOk = false;
  const now = 123456789e6; // ns
  const ts = cookieInitTimestamp(req, now) / 1e6;
  assert.equal(ts & 63, 7 | 16);
  assert.ok(ts <= 123456789 && ts > 123456789 - 64);
  const opt = new TcpOptionsReceived();
  opt.sawTstamp = true;
  opt.rcvTsecr = ts;
  assert.equal(cookieTimestampDecode(k.initNet, opt), true);
  assert.equal(opt.wscaleOk, true);
  assert.equal(opt.sndWscale, 7);
  assert.ok(opt.sackOk);
  // No window scaling in the SYN: 0xf.
  req.wscaleOk = false;
  req.sackOk = false;
  req.ecnOk = true;
  const ts2 = cookieInitTimestamp(req, now) / 1e6;
  assert.equal(ts2 & 63, 15 | 32);
  const opt2 = new TcpOptionsReceived();
  opt2.sawTstamp = true;
  opt2.rcvTsecr = ts2;
  assert.equal(cookieTimestampDecode(k.initNet, opt2), true);
  assert.equal(opt2.wscaleOk, false);
  assert.equal(opt2.sackOk, 0);
});
