/**
 * Interop: a tuxnet host on a TAP, the Linux kernel on the other end (issue 5, item 4).
 * The namespace `tnxih..` holds the persistent TAP `tnxit0` with 10.71.0.1/24 (the
 * kernel's side); `tuxnet tap` runs in it with the TAP as its `eth0`, 10.71.0.2/24.
 *
 *   - ping both ways with 56, 1472 and 8000 bytes of data: 8000 is fragmented by the
 *     sender and reassembled by the receiver, in both directions;
 *   - arping both ways (ARP request/reply between the two stacks);
 *   - everything captured with tcpdump on the kernel's side of the TAP and judged by
 *     tshark's expert (no error, no malformed packet, no bad checksum); the capture
 *     must show fragments from both sides.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Scope, tapSkipReason, assertCleanCapture, tsharkFields } from '../harness/interop.js';

const skip = tapSkipReason(['ping', 'arping']);
if (skip) console.log(`# skipping interop host tests: ${skip}`);

const SIZES = [56, 1472, 8000];

for (const vnetHdr of [false, true]) {
  test(`interop host${vnetHdr ? ' (vnet headers)' : ''}: ping 56/1472/8000 and arping both ways, capture clean`,
    { skip: skip ?? false, timeout: 90_000 }, async (t) => {
      const s = new Scope(vnetHdr ? 'hv' : 'h');
      try {
        const ns = s.netns('k');
        ns.tap('tnxit0');
        ns.sh('ip addr add 10.71.0.1/24 dev tnxit0 && ip link set tnxit0 up');
        const cap = await s.capture(ns, 'tnxit0', 'host');
        const lines = ['ip link set eth0 up', 'ip addr add 10.71.0.2/24 dev eth0', 'ip link show eth0'];
        for (const size of SIZES) lines.push(`ping -n -c 2 -i 0.2 -W 2 -s ${size} 10.71.0.1`, `echo ping${size}=$?`);
        lines.push('arping -c 2 -I eth0 10.71.0.1', 'echo arping=$?');
        const tux = await s.tuxnet(ns, { devs: ['tnxit0=eth0'], script: lines.join('\n') + '\n', vnetHdr });
        const out = tux.stdout;
        t.diagnostic(out.split('\n').filter((l) => /rtt|Received|packets transmitted/.test(l)).join(' | '));
        for (const size of SIZES) {
          assert.match(out, new RegExp(`ping${size}=0\\b`), `tuxnet ping -s ${size} 10.71.0.1:\n${out}${tux.stderr}`);
          assert.match(out, new RegExp(`${size + 8} bytes from 10\\.71\\.0\\.1: icmp_seq=1 ttl=64`), out);
        }
        assert.match(out, /arping=0/, out);
        assert.match(out, /Received 2 response\(s\)/, out);
        const mac = /link\/ether ([0-9a-f:]{17})/.exec(out)?.[1];
        assert.ok(mac, out);

        // The kernel's side.
        for (const size of SIZES) {
          const r = await s.run(ns, ['ping', '-n', '-c', '2', '-i', '0.2', '-W', '2', '-s', String(size), '10.71.0.2'],
            { timeoutMs: 15_000 });
          assert.equal(r.status, 0, `linux ping -s ${size} 10.71.0.2:\n${r.stdout}${r.stderr}`);
          assert.match(r.stdout, new RegExp(`${size + 8} bytes from 10\\.71\\.0\\.2: icmp_seq=1 ttl=64`));
          t.diagnostic(`linux ping -s ${size}: ${/rtt .*/.exec(r.stdout)?.[0]}`);
        }
        const arp = await s.run(ns, ['arping', '-c', '2', '-I', 'tnxit0', '10.71.0.2'], { timeoutMs: 15_000 });
        assert.equal(arp.status, 0, arp.stdout + arp.stderr);
        assert.ok(arp.stdout.toLowerCase().includes(mac!), `arping replies from ${mac}:\n${arp.stdout}`);

        await tux.stop();
        const st = await cap.stop();
        const rep = assertCleanCapture(cap.file);
        t.diagnostic(`capture: ${st.captured} packets, ${rep.items.length} expert items, no errors`);
        // Fragments both ways, and each side's echo replies to the 8000-byte pings.
        const mf = tsharkFields(cap.file, 'ip.flags.mf == 1', ['ip.src']).map((f) => f[0]);
        assert.ok(mf.includes('10.71.0.1') && mf.includes('10.71.0.2'), `fragments from both sides: ${[...new Set(mf)]}`);
        const replies = tsharkFields(cap.file, 'icmp.type == 0', ['ip.src', 'icmp.seq']);
        assert.ok(replies.filter((r) => r[0] === '10.71.0.2').length >= 6, 'tuxnet echo replies');
        assert.ok(replies.filter((r) => r[0] === '10.71.0.1').length >= 6, 'kernel echo replies');
        const arpReplies = tsharkFields(cap.file, 'arp.opcode == 2', ['arp.src.proto_ipv4']).map((f) => f[0]);
        assert.ok(arpReplies.includes('10.71.0.2') && arpReplies.includes('10.71.0.1'), 'ARP replies both ways');
      } finally {
        await s.close();
      }
    });
}
