/**
 * The interop harness checked against the Linux kernel alone, so a failure of the
 * tuxnet interop tests is tuxnet's and not the checks': two kernel namespaces joined by
 * a veth pair carry pings of 56, 1472 and 8000 bytes (fragmented both ways), a TCP
 * transfer with socat and a UDP one, captured with tcpdump, and tshark's expert finds
 * nothing wrong; a capture with a bad IPv4, ICMP, UDP and TCP checksum and a truncated
 * TCP header is caught. The TCP figure is the Linux-to-Linux reference for the tuxnet
 * runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { Scope, linuxSkipReason, toolsSkipReason, assertCleanCapture, tsharkExpert, tsharkFields, randomFile, rate } from '../harness/interop.js';

const skip = linuxSkipReason(['ping', 'socat', 'ethtool']);
if (skip) console.log(`# skipping interop harness tests: ${skip}`);

test('interop harness: kernel <-> kernel over veth, captures pass tshark expert', { skip: skip ?? false, timeout: 120_000 }, async (t) => {
  const s = new Scope('h');
  try {
    const a = s.netns('a');
    const b = s.netns('b');
    a.sh(`ip link add tnxiva type veth peer name tnxivb netns ${b.name}`);
    // veth leaves checksums to the receiver (CHECKSUM_PARTIAL): a capture would show
    // them unfilled. With tx checksumming off the kernel fills them before the tap.
    a.sh('ip addr add 10.99.0.1/24 dev tnxiva && ip link set tnxiva up && ethtool -K tnxiva tx off >/dev/null');
    b.sh('ip addr add 10.99.0.2/24 dev tnxivb && ip link set tnxivb up && ethtool -K tnxivb tx off >/dev/null');
    const cap = await s.capture(a, 'tnxiva', 'veth');

    for (const size of [56, 1472, 8000]) {
      const r = await s.run(a, ['ping', '-n', '-c', '2', '-i', '0.2', '-W', '2', '-s', String(size), '10.99.0.2'], { timeoutMs: 10_000 });
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /2 received/);
    }
    const r2 = await s.run(b, ['ping', '-n', '-c', '1', '-W', '2', '-s', '8000', '10.99.0.1'], { timeoutMs: 10_000 });
    assert.equal(r2.status, 0, r2.stdout + r2.stderr);

    // TCP: 20 MiB b -> a with socat, sha256 on both ends.
    const src = s.file('src.bin');
    const want = randomFile(src, 20 << 20);
    const server = s.spawn(a, ['socat', '-u', 'TCP-LISTEN:5001,reuseaddr', 'STDOUT'], { hashStdout: true, timeoutMs: 60_000 });
    await new Promise((r) => setTimeout(r, 300));
    const client = await s.run(b, ['socat', '-u', `FILE:${src}`, 'TCP:10.99.0.1:5001'], { timeoutMs: 60_000 });
    assert.equal(client.status, 0, client.stderr);
    const got = await server.wait();
    assert.equal(got.status, 0, got.stderr);
    assert.equal(got.bytes, 20 << 20);
    assert.equal(got.sha256, want);
    t.diagnostic(`linux -> linux over veth: 20 MiB in ${got.ms} ms (${rate(20 << 20, got.ms)}, socat, capture on)`);

    // UDP a -> b.
    const udp = s.spawn(b, ['socat', '-u', 'UDP-RECV:5002', 'STDOUT'], { timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 300));
    const sent = await s.run(a, ['socat', '-u', 'STDIN', 'UDP:10.99.0.2:5002'], { input: 'hello over udp\n', timeoutMs: 10_000 });
    assert.equal(sent.status, 0, sent.stderr);
    assert.ok(await udp.waitFor((o) => o.includes('hello over udp'), 5000), udp.stdout);

    const st = await cap.stop();
    assert.ok(st.captured > 100, st.stderr);
    const rep = assertCleanCapture(cap.file);
    t.diagnostic(`capture: ${st.captured} packets (${st.dropped} dropped by tcpdump), ${rep.items.length} expert items, no errors`);
    // Fragments went both ways.
    const frags = tsharkFields(cap.file, 'ip.flags.mf == 1', ['ip.src']).map((f) => f[0]);
    assert.ok(frags.includes('10.99.0.1') && frags.includes('10.99.0.2'), 'fragments both ways');
  } finally {
    await s.close();
  }
});

/** A classic pcap of Ethernet frames. */
function pcap(frames: Uint8Array[]): Uint8Array {
  const parts: number[] = [];
  const u32 = (v: number): void => {
    parts.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
  };
  const u16 = (v: number): void => {
    parts.push(v & 0xff, v >>> 8);
  };
  u32(0xa1b2c3d4); u16(2); u16(4); u32(0); u32(0); u32(65535); u32(1);
  frames.forEach((f, i) => {
    u32(i); u32(0); u32(f.length); u32(f.length);
    parts.push(...f);
  });
  return new Uint8Array(parts);
}

function csum(b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < b.length; i += 2) s += (b[i]! << 8) | (b[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/** Ethernet + IPv4 (10.0.0.1 -> 10.0.0.2) around `payload`; `badIp` spoils the header checksum. */
function ipFrame(proto: number, payload: number[], badIp = false): Uint8Array {
  const ip = [0x45, 0, 0, 20 + payload.length, 0, 1, 0, 0, 64, proto, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2];
  ip[2] = (20 + payload.length) >> 8;
  ip[3] = (20 + payload.length) & 0xff;
  const c = csum(new Uint8Array(ip)) ^ (badIp ? 0x1234 : 0);
  ip[10] = c >> 8;
  ip[11] = c & 0xff;
  return new Uint8Array([2, 2, 2, 2, 2, 2, 4, 4, 4, 4, 4, 4, 8, 0, ...ip, ...payload]);
}

const skipTshark = toolsSkipReason(['tshark']);

test('interop harness: tshark expert catches bad checksums and malformed packets', { skip: skipTshark ?? false }, () => {
  const s = new Scope('hb');
  try {
    const goodIcmp = [8, 0, 0, 0, 0, 1, 0, 1, 0x68, 0x69];
    const c = csum(new Uint8Array(goodIcmp));
    goodIcmp[2] = c >> 8;
    goodIcmp[3] = c & 0xff;
    const badIcmp = [...goodIcmp];
    badIcmp[3]! ^= 1;
    const tcp = [0x03, 0xe8, 0x07, 0xd0, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0x03, 0xe8, 0x22, 0x22, 0, 0];
    const cases: [string, Uint8Array, RegExp][] = [
      ['ip', ipFrame(1, goodIcmp, true), /IPv4: Bad checksum/],
      ['icmp', ipFrame(1, badIcmp), /ICMP: Bad checksum/],
      ['udp', ipFrame(17, [0x03, 0xe8, 0x07, 0xd0, 0, 12, 0x11, 0x11, 1, 2, 3, 4]), /UDP: Bad checksum/],
      ['tcp', ipFrame(6, tcp), /TCP: Bad checksum/],
      ['malformed', ipFrame(6, tcp.slice(0, 10)), /Malformed/],
    ];
    for (const [name, frame, want] of cases) {
      const f = s.file(`${name}.pcap`);
      writeFileSync(f, pcap([frame]));
      const rep = tsharkExpert(f);
      assert.ok(rep.problems.some((p) => want.test(p)), `${name}: ${rep.text}`);
      assert.throws(() => assertCleanCapture(f));
    }
    // And a good frame passes.
    const ok = s.file('ok.pcap');
    writeFileSync(ok, pcap([ipFrame(1, goodIcmp)]));
    assert.deepEqual(assertCleanCapture(ok).problems, []);
  } finally {
    void s.close();
  }
});
