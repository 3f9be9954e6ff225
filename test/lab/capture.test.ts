/**
 * Determinism of the example labs: the same script and seed give the same output
 * and byte-identical pcapng captures (`--capture DIR`); another seed gives other
 * MAC addresses. When tshark is installed, every capture must read back with
 * zero malformed packets (tshark 4.x), and the frames the script sent are there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runLab } from '../../src/tools/lab/lab.js';
import { BufferStdio } from '../../src/tools/tool.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const EXAMPLES = join(ROOT, 'examples');
const examples = readdirSync(EXAMPLES).filter((f) => f.endsWith('.sh')).sort();
const tshark = spawnSync('sh', ['-c', 'command -v tshark']).status === 0;

async function run(file: string, seed: number, captureDir?: string, trace = false): Promise<{ status: number; out: string; err: string }> {
  const out = new BufferStdio();
  const err = new BufferStdio();
  const status = await runLab({ file: join(EXAMPLES, file), seed, captureDir, trace, stdout: out, stderr: err });
  return { status, out: out.text, err: err.text };
}

function files(dir: string): Map<string, Buffer> {
  return new Map(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f))]));
}

/** Errors the examples provoke to show them (pmtu.sh, policy-routing.sh). */
const INTENDED_ERRORS = new Set([
  'ping: local error: message too long, mtu=1400',
  'RTNETLINK answers: Network is unreachable',
  'ping: connect: Network is unreachable',
]);

for (const f of examples) {
  test(`examples/${f}: same seed, same output and byte-identical captures`, async () => {
    const d1 = mkdtempSync(join(tmpdir(), 'tuxnet-cap-'));
    const d2 = mkdtempSync(join(tmpdir(), 'tuxnet-cap-'));
    try {
      const a = await run(f, 42, d1);
      const b = await run(f, 42, d2);
      assert.equal(a.status, 0, a.err);
      // Every command of the example works on tuxnet: stderr holds only tcpdump's banner and
      // summary, and the errors an example shows on purpose (a Linux host prints them too).
      for (const line of a.err.split('\n').filter((l) => l !== '')) {
        if (INTENDED_ERRORS.has(line)) continue;
        assert.match(line, /^(tcpdump: verbose output suppressed, .*|listening on .*|\d+ packets? (captured|received by filter|dropped by kernel))$/);
      }
      assert.equal(a.err, b.err);
      assert.equal(a.out, b.out);
      const fa = files(d1);
      const fb = files(d2);
      assert.deepEqual([...fa.keys()], [...fb.keys()]);
      assert.ok(fa.size > 0, 'one pcapng per device');
      for (const [name, bytes] of fa) {
        assert.match(name, /^[A-Za-z0-9_.-]+-[A-Za-z0-9_.@-]+\.pcapng$/);
        assert.ok(bytes.equals(fb.get(name)!), `${name} differs between two runs with the same seed`);
      }
      let frames = 0;
      if (!tshark) {
        process.stdout.write('# tshark not installed: capture files not audited\n');
        return;
      }
      for (const name of fa.keys()) {
        const path = join(d1, name);
        // The audit: checksums verified, no expert errors, nothing malformed.
        const r = spawnSync('tshark', ['-n', '-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE',
          '-r', path, '-T', 'fields', '-e', 'frame.number', '-e', '_ws.malformed', '-e', '_ws.expert.severity', '-e', '_ws.expert.message'], { encoding: 'utf8' });
        assert.equal(r.status, 0, `tshark -r ${name}: ${r.stderr}`);
        const lines = r.stdout.split('\n').filter((l) => l !== '');
        frames += lines.length;
        for (const l of lines) {
          const [, malformed, severity] = l.split('\t');
          assert.ok(!malformed, `${name}: malformed frame: ${l}`);
          // PI_ERROR = 0x00800000 (bad checksums are errors once checking is on).
          const worst = Math.max(0, ...(severity ?? '').split(',').filter((x) => x !== '').map(Number));
          assert.ok(worst < 0x00800000, `${name}: expert error: ${l}`);
        }
      }
      assert.ok(frames > 0, 'the captures hold the frames the lab sent');
    } finally {
      rmSync(d1, { recursive: true, force: true });
      rmSync(d2, { recursive: true, force: true });
    }
  });
}

test('another seed draws other MAC addresses; --trace output is deterministic too', async () => {
  const a = await run('veth-pair.sh', 1, undefined, true);
  const b = await run('veth-pair.sh', 1, undefined, true);
  const c = await run('veth-pair.sh', 2);
  assert.equal(a.out, b.out);
  assert.notEqual(a.out, c.out);
  assert.match(a.out, /^TIME +SKB +NETNS +IFACE +PROTO +LEN +EVENT +DETAIL$/m);
  assert.match(a.out, /^3\.000000000 +#1 +tnxa +veth-a:2 +0x0806 42 +net:net_dev_queue$/m);
  assert.match(a.out, /net:netif_receive_skb/);
});
