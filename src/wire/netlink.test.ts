import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  NlMsgBuilder, nlmsgSplit, nlmsgHdr, nlaWalk, nlaParse, nlmsgParse, nlaGetU32, nlaGetString, nlaGetU64,
  NLM_F_REQUEST, NLM_F_DUMP, NLA_U32, NLA_STRING, NLA_F_NESTED,
} from './netlink.js';

test('golden bytes: RTM_GETLINK dump request as iproute2 sends it', () => {
  const b = new NlMsgBuilder();
  const h = b.nlmsgPut(0, 0x12345678, 18, 16, NLM_F_REQUEST | NLM_F_DUMP);
  b.nlaPutU32(29, 1); // IFLA_EXT_MASK = RTEXT_FILTER_VF
  b.nlmsgEnd(h);
  assert.deepEqual([...b.bytes()], [
    0x28, 0, 0, 0, 0x12, 0, 0x01, 0x03, 0x78, 0x56, 0x34, 0x12, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0x08, 0, 0x1d, 0, 0x01, 0, 0, 0,
  ]);
});

test('golden bytes: string attribute is NUL-terminated and padded; nests set NLA_F_NESTED', () => {
  const b = new NlMsgBuilder();
  const n = b.nlaNestStart(18);
  b.nlaPutString(1, 'veth');
  b.nlaNestEnd(n);
  assert.deepEqual([...b.bytes()], [0x10, 0, 0x12, 0x80, 0x09, 0, 0x01, 0, 0x76, 0x65, 0x74, 0x68, 0, 0, 0, 0]);
  const { attrs } = nlaWalk(b.buf, 0, b.len);
  assert.equal(attrs[0]!.type, 18);
  assert.ok(attrs[0]!.rawType & NLA_F_NESTED);
});

test('nlmsgSplit reports a bad length instead of throwing', () => {
  const b = new NlMsgBuilder();
  const h = b.nlmsgPut(1, 2, 16, 4, NLM_F_REQUEST);
  b.nlmsgEnd(h);
  const bytes = b.bytes();
  bytes[0] = 200; // nlmsg_len past the end
  const r = nlmsgSplit(bytes);
  assert.equal(r.msgs.length, 0);
  assert.equal(r.bad, 0);
  bytes[0] = 3; // below NLMSG_HDRLEN
  assert.equal(nlmsgSplit(bytes).bad, 0);
});

test('policy: short u32 is -ERANGE with extack, unknown types ignored, leftover ignored unless strict', () => {
  const b = new NlMsgBuilder();
  const h = b.nlmsgPut(0, 0, 16, 16, NLM_F_REQUEST);
  b.nlaPut(4, new Uint8Array([1, 2])); // IFLA_MTU with 2 bytes
  b.nlmsgEnd(h);
  const ext: { msg?: string; badAttrOffset?: number } = {};
  assert.equal(nlmsgParse(b.bytes(), 16, 60, { 4: { type: NLA_U32 } }, ext), -34);
  assert.equal(ext.msg, 'Attribute failed policy validation');
  assert.equal(ext.badAttrOffset, 32);
  const b2 = new NlMsgBuilder();
  b2.nlaPutU32(200, 7);
  b2.nlaPutString(3, 'eth0');
  b2.putBytes(new Uint8Array([1, 2])); // 2 stray bytes -> padded to 4, below NLA_HDRLEN? no: 4 bytes of junk
  const tb = nlaParse(b2.buf, 0, b2.len, 60, { 3: { type: NLA_STRING, len: 15 } });
  assert.ok(typeof tb !== 'number');
  assert.equal(nlaGetString(tb[3]!), 'eth0');
  assert.equal(nlmsgParse(new Uint8Array(20), 16, 60, null, ext), -22, 'Invalid header length');
});

test('property: attributes round-trip through builder and parser', () => {
  fc.assert(fc.property(
    fc.array(fc.record({
      type: fc.integer({ min: 1, max: 60 }),
      kind: fc.constantFrom('u32', 'u64', 'str', 'bin'),
      n: fc.nat({ max: 2 ** 40 }),
      s: fc.string({ maxLength: 20 }).filter((x) => !x.includes('\0')),
      bin: fc.uint8Array({ maxLength: 40 }),
    }), { maxLength: 12 }),
    fc.integer({ min: 0, max: 0xffffffff }),
    (attrs, seq) => {
      const b = new NlMsgBuilder(16);
      const h = b.nlmsgPut(7, seq, 16, 16, NLM_F_REQUEST);
      for (const a of attrs) {
        if (a.kind === 'u32') b.nlaPutU32(a.type, a.n % 2 ** 32);
        else if (a.kind === 'u64') b.nlaPutU64(a.type, a.n);
        else if (a.kind === 'str') b.nlaPutString(a.type, a.s);
        else b.nlaPut(a.type, a.bin);
      }
      b.nlmsgEnd(h);
      const bytes = b.bytes();
      const { msgs, bad } = nlmsgSplit(bytes);
      assert.equal(bad, -1);
      assert.equal(msgs.length, 1);
      assert.equal(nlmsgHdr(bytes).seq, seq);
      const { attrs: got, rem } = nlaWalk(bytes, 32, bytes.length - 32);
      assert.equal(rem, 0);
      assert.equal(got.length, attrs.length);
      attrs.forEach((a, i) => {
        const g = got[i]!;
        assert.equal(g.type, a.type);
        if (a.kind === 'u32') assert.equal(nlaGetU32(g), a.n % 2 ** 32);
        else if (a.kind === 'u64') assert.equal(nlaGetU64(g), a.n);
        else if (a.kind === 'str') assert.equal(nlaGetString(g), a.s);
        else assert.deepEqual([...g.data], [...a.bin]);
      });
    },
  ));
});

test('property: arbitrary bytes never make the parsers throw', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
    const r = nlmsgSplit(bytes);
    for (const m of r.msgs) nlmsgParse(m.msg, 16, 60, { 4: { type: NLA_U32 } });
    nlaWalk(bytes, 0, bytes.length);
  }));
});
