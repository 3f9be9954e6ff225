/**
 * Interop iperf3 (issue 5, item 4): the Linux kernel's iperf3 (3.12) and tuxnet's,
 * protocol-compatible, across a TAP.
 *
 *   - Linux `iperf3 -c` (and `-c -R`: tuxnet sends) against tuxnet `iperf3 -s`;
 *   - tuxnet `iperf3 -c` against Linux `iperf3 -s -1`;
 *
 * each for 2 seconds with -J, whose end sums must show bytes both sent and received.
 * The first 20000 packets and every SYN/FIN/RST are captured on the kernel's side of the
 * TAP and judged by tshark's expert.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Scope, tapSkipReason, assertCleanCapture, tsharkFields, sleep } from '../harness/interop.js';

const skip = tapSkipReason(['iperf3']);
if (skip) console.log(`# skipping interop iperf3 tests: ${skip}`);

interface IperfEnd {
  sum_sent: { bytes: number; bits_per_second: number };
  sum_received: { bytes: number; bits_per_second: number };
}

/** The `end` object of iperf3 -J output (the JSON document within `text`). */
function iperfEnd(text: string): IperfEnd {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  assert.ok(start >= 0 && end > start, `no JSON in:\n${text}`);
  const doc = JSON.parse(text.slice(start, end + 1)) as { end: IperfEnd; error?: string };
  assert.equal(doc.error, undefined, doc.error);
  return doc.end;
}

function mbps(e: IperfEnd): string {
  return `sender ${(e.sum_sent.bits_per_second / 1e6).toFixed(0)} Mbit/s, receiver ${(e.sum_received.bits_per_second / 1e6).toFixed(0)} Mbit/s`;
}

test('interop iperf3: Linux -c (and -R) against tuxnet -s; tuxnet -c against Linux -s', { skip: skip ?? false, timeout: 120_000 }, async (t) => {
  const s = new Scope('i');
  try {
    const ns = s.netns('k');
    ns.tap('tnxit0');
    ns.sh('ip addr add 10.78.0.1/24 dev tnxit0 && ip link set tnxit0 up');
    const whole = await s.capture(ns, 'tnxit0', 'iperf3', { count: 20000 });
    const ctl = await s.capture(ns, 'tnxit0', 'iperf3-ctl', { filter: 'tcp[tcpflags] & (tcp-syn|tcp-fin|tcp-rst) != 0' });
    const tux = await s.tuxnet(ns, {
      devs: ['tnxit0=eth0'],
      script: 'ip link set eth0 up\nip addr add 10.78.0.2/24 dev eth0\niperf3 -s &\n',
    });
    for (const reverse of [false, true]) {
      const argv = ['iperf3', '-c', '10.78.0.2', '-t', '2', '-J', ...(reverse ? ['-R'] : [])];
      const r = await s.run(ns, argv, { timeoutMs: 30_000 });
      assert.equal(r.status, 0, `${argv.join(' ')}:\n${r.stdout}${r.stderr}\ntuxnet:\n${tux.stdout}${tux.stderr}`);
      const e = iperfEnd(r.stdout);
      assert.ok(e.sum_sent.bytes > 0 && e.sum_received.bytes > 0, r.stdout);
      t.diagnostic(`linux iperf3 -c${reverse ? ' -R (tuxnet sends)' : ' (linux sends)'}: ${mbps(e)}`);
    }
    await tux.stop();

    // tuxnet as the client, the kernel's iperf3 as the server.
    const server = s.spawn(ns, ['iperf3', '-s', '-1', '-B', '10.78.0.1', '-J'], { timeoutMs: 40_000 });
    await sleep(300);
    const tux2 = await s.tuxnet(ns, {
      devs: ['tnxit0=eth0'], readyTimeoutMs: 40_000,
      script: 'ip link set eth0 up\nip addr add 10.78.0.2/24 dev eth0\niperf3 -c 10.78.0.1 -t 2 -J\necho rc=$?\n',
    });
    assert.match(tux2.stdout, /rc=0/, tux2.stdout + tux2.stderr);
    const e2 = iperfEnd(tux2.stdout.slice(0, tux2.stdout.lastIndexOf('rc=')));
    assert.ok(e2.sum_sent.bytes > 0 && e2.sum_received.bytes > 0, tux2.stdout);
    t.diagnostic(`tuxnet iperf3 -c (tuxnet sends): ${mbps(e2)}`);
    const sr = await server.wait();
    assert.equal(sr.status, 0, sr.stdout + sr.stderr);
    assert.ok(iperfEnd(sr.stdout).sum_received.bytes > 0);
    await tux2.stop();

    const a = await whole.stop();
    await ctl.stop();
    assertCleanCapture(whole.file);
    assertCleanCapture(ctl.file);
    const rst = tsharkFields(ctl.file, 'tcp.flags.reset == 1', ['ip.src', 'tcp.srcport', 'tcp.dstport']);
    t.diagnostic(`capture: first ${a.captured} packets clean; resets: ${rst.length}`);
  } finally {
    await s.close();
  }
});
