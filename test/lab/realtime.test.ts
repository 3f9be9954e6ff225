/**
 * Real time (`tuxnet lab --realtime`, `tuxnet tap`): two processes that never block
 * (iperf3 client and server over a veth pair in one kernel always find room or data)
 * must still let the event loop run, so the test's timers end it (SoftirqScheduler
 * timeslice()); without that the lab spun on promise continuations for ever.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runLab } from '../../src/tools/lab/lab.js';
import { BufferStdio } from '../../src/tools/tool.js';

test('real time: iperf3 over a veth pair ends after -t 1 (the event loop gets its turns)', async () => {
  const out = new BufferStdio();
  const err = new BufferStdio();
  // Kernel timers do not hold Node's event loop open (an idle host); the test does.
  const keep = setInterval(() => {}, 1 << 30);
  let ticks = 0;
  const tick = setInterval(() => ticks++, 50);
  try {
    const status = await runLab({
      file: 'rt.sh', realtime: true, stdout: out, stderr: err, source: `ip netns add a
ip netns add b
ip link add va netns a type veth peer name vb netns b
ip -n a addr add 10.0.0.1/24 dev va
ip -n b addr add 10.0.0.2/24 dev vb
ip -n a link set va up
ip -n b link set vb up
ip netns exec a iperf3 -s -1 > /dev/null &
sleep 0.3
ip netns exec b iperf3 -c 10.0.0.1 -t 1
wait
`,
    });
    assert.equal(status, 0, err.text);
    assert.match(out.text, /receiver\n\niperf Done\.\n$/);
    // A 50 ms interval kept firing during the transfer.
    assert.ok(ticks >= 10, `only ${ticks} ticks of a 50 ms interval`);
  } finally {
    clearInterval(keep);
    clearInterval(tick);
  }
});
