/**
 * Binary-safe lab I/O: `<FILE` input, host files written as bytes, and `nc` (TCP and
 * UDP) carrying random binary data unchanged between two namespaces on the virtual
 * clock (sha256 of what went in and what came out). The same script runs under bash
 * on a Linux host with netcat-openbsd.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLab } from '../../src/tools/lab/lab.js';
import { hostInput } from '../../src/platform/node/host_fs.js';
import { BufferStdio, BytesStdio, BytesStdin } from '../../src/tools/tool.js';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

const TOPO = `ip netns add a
ip netns add b
ip link add va netns a type veth peer name vb netns b
ip -n a addr add 10.0.0.1/24 dev va
ip -n b addr add 10.0.0.2/24 dev vb
ip -n a link set va up
ip -n b link set vb up
`;

test('nc carries binary data unchanged: TCP (nc -l > f, nc -N < f) and UDP (16 KiB datagrams)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tuxnet-binio-'));
  try {
    const tcpIn = randomBytes(3 * 1024 * 1024 + 17);
    const udpIn = randomBytes(50_000);
    writeFileSync(join(dir, 'in.bin'), tcpIn);
    writeFileSync(join(dir, 'u.bin'), udpIn);
    const out = new BufferStdio();
    const err = new BufferStdio();
    const status = await runLab({
      file: 'binio.sh', args: [dir], stdout: out, stderr: err,
      source: TOPO + `ip netns exec a nc -l 5001 > "$1/out.bin" &
ip netns exec a nc -u -l -W 4 5002 > "$1/uout.bin" &
sleep 0.5
ip netns exec b nc -N 10.0.0.1 5001 < "$1/in.bin"
echo "tcp $?"
ip netns exec b nc -u -q 0 10.0.0.1 5002 < "$1/u.bin"
echo "udp $?"
wait
nc -N 10.0.0.1 5001 < "$1/missing"
echo "missing $?"
`,
    });
    assert.equal(err.text, `binio.sh:16: ${dir}/missing: No such file or directory\n`);
    assert.equal(out.text, 'tcp 0\nudp 0\nmissing 1\n');
    assert.equal(status, 0);
    assert.equal(sha(readFileSync(join(dir, 'out.bin'))), sha(tcpIn));
    assert.equal(sha(readFileSync(join(dir, 'uout.bin'))), sha(udpIn));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('BytesStdio/BytesStdin: bytes pass through unchanged; text read() decodes across chunks', async () => {
  const data = new Uint8Array([0xe2, 0x82, 0xac, 0xff, 0x00, 0x41]);
  const inp = new BytesStdin(data, 2);
  const parts: string[] = [];
  for (let t = await inp.read(); t !== null; t = await inp.read()) parts.push(t);
  assert.equal(parts.join(''), '€\ufffd\u0000A');
  const o = new BytesStdio();
  o.writeBytes(data);
  o.write('x');
  assert.deepEqual([...o.bytes()], [...data, 0x78]);
});

test('<DIR fails with EISDIR (as bash) and leaves no descriptor open', (t) => {
  if (!existsSync('/proc/self/fd')) {
    t.skip('no /proc/self/fd to count descriptors');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'tnx-lab-dir-'));
  try {
    const before = readdirSync('/proc/self/fd').length;
    for (let i = 0; i < 20; i++) {
      assert.throws(() => hostInput(dir), (e: unknown) => (e as { code?: string }).code === 'EISDIR');
    }
    assert.equal(readdirSync('/proc/self/fd').length, before, 'every failed redirection closed its fd');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
