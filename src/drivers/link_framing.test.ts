/**
 * The stream deframer: any split of a stream of records into chunks gives back the
 * same frames (property); bad length prefixes stop the stream with a reason; a stream
 * ending inside a prefix or a frame says so; zero-length records are skipped for VDE.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { StreamDeframer, frameEncode, QEMU_NET_BUFSIZE, VDE_MAX_FRAME } from './link_framing.js';

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

test('frameEncode: 4-byte and 2-byte big-endian length prefixes (QEMU, VDE)', () => {
  assert.deepEqual([...frameEncode(4, new Uint8Array([9, 8, 7]))], [0, 0, 0, 3, 9, 8, 7]);
  assert.deepEqual([...frameEncode(2, new Uint8Array(0x102).fill(1)).subarray(0, 3)], [1, 2, 1]);
  assert.deepEqual([...frameEncode(4, new Uint8Array(0x10203)).subarray(0, 4)], [0, 1, 2, 3]);
});

test('deframer: any chunking of a record stream yields the frames, in order, unchanged', () => {
  fc.assert(fc.property(
    fc.constantFrom<2 | 4>(2, 4),
    fc.array(fc.uint8Array({ minLength: 1, maxLength: 3000 }), { maxLength: 12 }),
    fc.array(fc.integer({ min: 1, max: 4000 }), { minLength: 1, maxLength: 20 }),
    (hdrLen, frames, cuts) => {
      const wire = concat(frames.map((f) => frameEncode(hdrLen, f)));
      const got: Uint8Array[] = [];
      // The sink must copy: views into chunks and the gather buffer are reused.
      const d = new StreamDeframer(hdrLen, 4096, (f) => got.push(f.slice()));
      let pos = 0;
      let i = 0;
      while (pos < wire.length) {
        const n = cuts[i++ % cuts.length]!;
        assert.equal(d.push(wire.subarray(pos, pos + n)), '');
        pos += n;
      }
      assert.equal(d.endReason(), '');
      assert.equal(got.length, frames.length);
      frames.forEach((f, j) => assert.deepEqual(got[j], f));
    },
  ), { numRuns: 300 });
});

test('deframer: a length over the maximum (or zero) is a bad length prefix; nothing after it is delivered', () => {
  const got: number[] = [];
  const d = new StreamDeframer(4, QEMU_NET_BUFSIZE, (f) => got.push(f.length));
  const good = frameEncode(4, new Uint8Array(60));
  const err = d.push(concat([good, new TextEncoder().encode('GET / HTTP/1.1\r\n'), good]));
  assert.equal(err, 'bad length prefix 1195725856 (0x47455420): frames are 1..69632 bytes');
  assert.deepEqual(got, [60]);
  assert.equal(d.push(good), err, 'the stream stays dead');
  assert.deepEqual(got, [60]);
  assert.equal(d.endReason(), err);
  d.reset();
  assert.equal(d.push(good), '');
  assert.deepEqual(got, [60, 60]);

  const z = new StreamDeframer(4, QEMU_NET_BUFSIZE, () => {});
  assert.equal(z.push(new Uint8Array(4)), 'bad length prefix 0 (0x00000000): frames are 1..69632 bytes');
  // A prefix split across chunks is checked once complete.
  const s = new StreamDeframer(2, VDE_MAX_FRAME, () => {});
  assert.equal(s.push(new Uint8Array([0xff])), '');
  assert.equal(s.push(new Uint8Array([0xff])), 'bad length prefix 65535 (0xffff): frames are 1..9234 bytes');
});

test('deframer: VDE skips zero-length records', () => {
  const got: number[] = [];
  const d = new StreamDeframer(2, VDE_MAX_FRAME, (f) => got.push(f.length), { skipEmpty: true });
  assert.equal(d.push(concat([new Uint8Array(2), frameEncode(2, new Uint8Array(14)), new Uint8Array(2)])), '');
  assert.deepEqual(got, [14]);
  assert.equal(d.endReason(), '');
});

test('deframer: end of stream inside a prefix or a frame is "closed mid-frame"', () => {
  const d = new StreamDeframer(4, QEMU_NET_BUFSIZE, () => {});
  d.push(new Uint8Array([0, 0]));
  assert.equal(d.endReason(), 'closed mid-frame: 2 of 4 length-prefix bytes');
  const e = new StreamDeframer(4, QEMU_NET_BUFSIZE, () => {});
  e.push(frameEncode(4, new Uint8Array(100)).subarray(0, 54));
  assert.equal(e.endReason(), 'closed mid-frame: 50 of 100 bytes');
});

test('deframer: garbage never throws and either errors or yields in-range frames', () => {
  fc.assert(fc.property(fc.constantFrom<2 | 4>(2, 4), fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 10 }), (hdrLen, chunks) => {
    const d = new StreamDeframer(hdrLen, 1500, (f) => assert.ok(f.length >= 1 && f.length <= 1500));
    for (const c of chunks) if (d.push(c) !== '') break;
  }), { numRuns: 300 });
});
