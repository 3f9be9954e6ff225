import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  NDMSG_LEN, ndmsgEmit, ndmsgParse, ndaCacheinfoEmit, ndaCacheinfoParse, NUD_VALID, NUD_CONNECTED, NUD_IN_TIMER,
  NUD_PERMANENT, NUD_NOARP, NUD_REACHABLE, NUD_STALE, NUD_DELAY, NUD_PROBE, NUD_INCOMPLETE, NTF_MANAGED,
} from './neighbour.js';

test('struct ndmsg: golden bytes of an RTM_NEWNEIGH header (AF_INET, ifindex 3, REACHABLE, router)', () => {
  const b = new Uint8Array(NDMSG_LEN);
  ndmsgEmit(b, 0, { family: 2, ifindex: 3, state: NUD_REACHABLE, flags: 0x80, type: 1 });
  assert.deepEqual(Array.from(b), [2, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0x80, 1]);
  assert.deepEqual(ndmsgParse(b, 0), { family: 2, ifindex: 3, state: NUD_REACHABLE, flags: 0x80, type: 1 });
});

test('ndmsg and nda_cacheinfo: encode/decode round trip', () => {
  fc.assert(fc.property(
    fc.record({
      family: fc.integer({ min: 0, max: 255 }), ifindex: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      state: fc.integer({ min: 0, max: 0xffff }), flags: fc.integer({ min: 0, max: 255 }), type: fc.integer({ min: 0, max: 255 }),
    }),
    fc.integer({ min: 0, max: 16 }),
    (m, off) => {
      const b = new Uint8Array(off + NDMSG_LEN);
      ndmsgEmit(b, off, m);
      assert.deepEqual(ndmsgParse(b, off), { ...m });
    },
  ));
  fc.assert(fc.property(
    fc.record({
      confirmed: fc.integer({ min: 0, max: 0xffffffff }), used: fc.integer({ min: 0, max: 0xffffffff }),
      updated: fc.integer({ min: 0, max: 0xffffffff }), refcnt: fc.integer({ min: 0, max: 0xffffffff }),
    }),
    (ci) => assert.deepEqual(ndaCacheinfoParse(ndaCacheinfoEmit(ci)), { ...ci }),
  ));
  assert.equal(ndaCacheinfoParse(new Uint8Array(15)), null);
});

test('NUD groups are Linux\'s', () => {
  assert.equal(NUD_VALID, NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | NUD_PROBE | NUD_STALE | NUD_DELAY);
  assert.equal(NUD_CONNECTED, NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE);
  assert.equal(NUD_IN_TIMER, NUD_INCOMPLETE | NUD_REACHABLE | NUD_DELAY | NUD_PROBE);
  assert.equal(NTF_MANAGED, 0x100);
});
