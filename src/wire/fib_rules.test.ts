import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { NlMsgBuilder, NLMSG_HDRLEN, nlmsgParse, nlaGetU32 } from './netlink.js';
import {
  FIB_RULE_HDR_LEN, FRA_MAX, FRA_PRIORITY, fibRuleHdrParse, fibRuleHdrPut, fibRulePortRangeBytes, fibRulePortRangeParse,
  fibRuleUidRangeBytes, fibRuleUidRangeParse,
} from './fib_rules.js';
import { RTMSG_LEN, RTNH_LEN, rtmsgParse, rtmsgPut, rtnexthopParse, rtnexthopPut } from './route.js';

const u8 = fc.integer({ min: 0, max: 255 });
const u32 = fc.integer({ min: 0, max: 0xffffffff });

test('fib_rule_hdr: encode then decode gives the header back', () => {
  fc.assert(fc.property(fc.record({
    family: u8, dstLen: u8, srcLen: u8, tos: u8, table: u8, res1: u8, res2: u8, action: u8, flags: u32,
  }), u32, (h, prio) => {
    const b = new NlMsgBuilder(64);
    const nlh = b.nlmsgPut(0, 1, 32, FIB_RULE_HDR_LEN, 0);
    fibRuleHdrPut(b, nlh + NLMSG_HDRLEN, h);
    b.nlaPutU32(FRA_PRIORITY, prio);
    b.nlmsgEnd(nlh);
    const msg = b.bytes();
    assert.deepEqual(fibRuleHdrParse(msg, NLMSG_HDRLEN), { ...h });
    const tb = nlmsgParse(msg, FIB_RULE_HDR_LEN, FRA_MAX, null);
    assert.ok(typeof tb !== 'number');
    assert.equal(nlaGetU32(tb[FRA_PRIORITY]!), prio);
  }));
});

test('fib_rule_hdr: the byte layout of include/uapi/linux/fib_rules.h', () => {
  const b = new NlMsgBuilder(64);
  fibRuleHdrPut(b, b.reserve(12), {
    family: 2, dstLen: 16, srcLen: 24, tos: 0x10, table: 254, res1: 0, res2: 0, action: 1, flags: 0x10002,
  });
  assert.deepEqual([...b.bytes()], [2, 16, 24, 0x10, 254, 0, 0, 1, 0x02, 0x00, 0x01, 0x00]);
});

test('uid and port ranges round-trip', () => {
  fc.assert(fc.property(u32, u32, (start, end) => {
    assert.deepEqual(fibRuleUidRangeParse(fibRuleUidRangeBytes({ start, end })), { start, end });
  }));
  fc.assert(fc.property(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff }), (start, end) => {
    assert.deepEqual(fibRulePortRangeParse(fibRulePortRangeBytes({ start, end })), { start, end });
  }));
});

test('rtmsg and rtnexthop: encode then decode, and the rtmsg byte layout', () => {
  fc.assert(fc.property(fc.record({
    family: u8, dstLen: u8, srcLen: u8, tos: u8, table: u8, protocol: u8, scope: u8, type: u8, flags: u32,
  }), (r) => {
    const b = new NlMsgBuilder(32);
    rtmsgPut(b, b.reserve(RTMSG_LEN), r);
    assert.deepEqual(rtmsgParse(b.bytes(), 0), { ...r });
  }));
  fc.assert(fc.property(fc.record({
    len: fc.integer({ min: 0, max: 0xffff }), flags: u8, hops: u8, ifindex: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  }), (h) => {
    const b = new NlMsgBuilder(16);
    rtnexthopPut(b, b.reserve(RTNH_LEN), h);
    assert.deepEqual(rtnexthopParse(b.bytes(), 0), { ...h });
  }));
  const b = new NlMsgBuilder(16);
  rtmsgPut(b, b.reserve(12), { family: 2, dstLen: 24, srcLen: 0, tos: 0, table: 254, protocol: 4, scope: 0, type: 1, flags: 4 });
  assert.deepEqual([...b.bytes()], [2, 24, 0, 0, 254, 4, 0, 1, 4, 0, 0, 0]);
});

test('fib_rule_hdr and rtmsg decoders never throw on any 12 bytes', () => {
  fc.assert(fc.property(fc.uint8Array({ minLength: 12, maxLength: 12 }), (bytes) => {
    const h = fibRuleHdrParse(bytes, 0);
    assert.ok(h.flags >= 0);
    const r = rtmsgParse(bytes, 0);
    assert.ok(r.flags >= 0);
  }));
});
