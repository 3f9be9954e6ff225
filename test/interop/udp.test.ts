/**
 * Interop UDP (issue 5, item 4): datagrams both ways between socat on the Linux kernel
 * and tuxnet's `nc -u`, across a TAP.
 *
 *   - Linux -> tuxnet: `socat -u FILE:src UDP:tuxnet:5004` sends 8 KiB datagrams (IP
 *     fragments on a 1500-byte link, reassembled by tuxnet) to `nc -u -l 5004 > dst`;
 *   - tuxnet -> Linux: `nc -u -q 1 linux 5005 < src` sends 16 KiB datagrams (fragmented
 *     by tuxnet, reassembled by the kernel) to `socat -b 65536 -u UDP-RECV:5005 STDOUT`
 *     (socat's default 8 KiB buffer would cut them);
 *
 * 128 KiB each way, compared byte for byte; the capture on the kernel's side must show
 * fragments from both sides and pass tshark's expert (UDP checksums validated).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Scope, tapSkipReason, assertCleanCapture, tsharkFields, sleep } from '../harness/interop.js';

const skip = tapSkipReason(['socat']);
if (skip) console.log(`# skipping interop UDP tests: ${skip}`);

const BYTES = 128 << 10;

test('interop UDP: socat <-> tuxnet nc -u both ways, fragmented datagrams, capture clean', { skip: skip ?? false, timeout: 90_000 }, async (t) => {
  const s = new Scope('d');
  try {
    const ns = s.netns('k');
    ns.tap('tnxit0');
    ns.sh('ip addr add 10.79.0.1/24 dev tnxit0 && ip link set tnxit0 up');
    const cap = await s.capture(ns, 'tnxit0', 'udp', { filter: 'udp or icmp or (ip[6:2] & 0x1fff != 0)' });
    const toTux = randomBytes(BYTES);
    const fromTux = randomBytes(BYTES);
    const src1 = s.file('to-tuxnet.bin', toTux);
    const src2 = s.file('from-tuxnet.bin', fromTux);
    const dst1 = s.file('tuxnet-got.bin');

    // Linux receives first: its socket exists before tuxnet sends.
    const recv = s.spawn(ns, ['socat', '-b', '65536', '-u', 'UDP-RECV:5005,bind=10.79.0.1,rcvbuf=1048576', 'STDOUT'], { timeoutMs: 60_000 });
    await sleep(200);
    const tux = await s.tuxnet(ns, {
      devs: ['tnxit0=eth0'],
      script: [
        'ip link set eth0 up', 'ip addr add 10.79.0.2/24 dev eth0',
        `nc -u -l 5004 > ${dst1} &`,
        `nc -u -q 1 10.79.0.1 5005 < ${src2}`, 'echo nc=$?', '',
      ].join('\n'),
    });
    assert.match(tux.stdout, /nc=0/, tux.stdout + tux.stderr);
    assert.ok(await recv.waitFor((o) => o.length >= BYTES, 10_000), `Linux received ${recv.stdout.length} of ${BYTES} bytes`);
    assert.ok(Buffer.from(recv.stdout, 'latin1').equals(fromTux), 'what Linux received is what tuxnet sent');
    await recv.stop();

    const send = await s.run(ns, ['socat', '-u', `FILE:${src1}`, 'UDP:10.79.0.2:5004'], { timeoutMs: 20_000 });
    assert.equal(send.status, 0, send.stderr);
    let got = Buffer.alloc(0);
    for (let i = 0; i < 100 && got.length < BYTES; i++) {
      await sleep(100);
      got = readFileSync(dst1);
    }
    assert.equal(got.length, BYTES, 'bytes tuxnet received');
    assert.ok(got.equals(toTux), 'what tuxnet received is what Linux sent');
    await tux.stop();

    const st = await cap.stop();
    assertCleanCapture(cap.file);
    const frags = tsharkFields(cap.file, 'ip.flags.mf == 1', ['ip.src']).map((f) => f[0]);
    assert.ok(frags.includes('10.79.0.1') && frags.includes('10.79.0.2'), 'fragments from both sides');
    const unreach = tsharkFields(cap.file, 'icmp.type == 3', ['ip.src']).length;
    t.diagnostic(`capture: ${st.captured} packets, ${frags.length} non-last fragments, ${unreach} ICMP unreachable, clean`);
  } finally {
    await s.close();
  }
});
