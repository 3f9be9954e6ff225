/**
 * Interop across a router (issue 5, item 4): traceroute and path MTU discovery with
 * the Linux kernel on both sides of a tuxnet router, and a tuxnet host behind a Linux
 * router.
 *
 *   tuxnet router:  A (kernel, 10.74.0.1) ==tnxit0== [eth0 tuxnet eth1] ==tnxit1== B (kernel, 10.75.0.1)
 *                                          10.74.0.2   mtu 1400 10.75.0.2      mtu 1400
 *     The TAPs are made in the router's namespace, where `tuxnet tap` attaches to
 *     them, then moved into A's and B's namespaces (a TAP keeps its file descriptor
 *     across namespaces). A runs `traceroute -n` to B (hop 1 is tuxnet), `ping -M do
 *     -s 1472` (tuxnet answers "Frag needed", mtu 1400; then Linux's own PMTU cache
 *     refuses), pings of 1372 with DF and of 8000 (fragments re-fragmented by tuxnet
 *     for the 1400 link) both ways.
 *
 *   Linux router:   tuxnet (10.72.0.2) ==tnxit0== R (kernel router) ==veth mtu 1400== D (kernel, 10.73.0.2)
 *     tuxnet runs `traceroute -n` to D (hop 1 is the kernel router), `ping -M do -s
 *     1472` (the kernel answers "Frag needed", tuxnet keeps the PMTU), and 8000-byte
 *     pings through.
 *
 * Captures on the kernel's side of every TAP pass tshark's expert.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Scope, tapSkipReason, assertCleanCapture, tsharkFields } from '../harness/interop.js';

const skip = tapSkipReason(['ping', 'traceroute', 'ethtool']);
if (skip) console.log(`# skipping interop routing tests: ${skip}`);

test('interop: Linux hosts on both sides of a tuxnet router: traceroute -n, frag needed, fragments forwarded',
  { skip: skip ?? false, timeout: 120_000 }, async (t) => {
    const s = new Scope('r');
    try {
      const r = s.netns('r');
      const a = s.netns('a');
      const b = s.netns('b');
      r.tap('tnxit0');
      r.tap('tnxit1');
      const script = [
        'sysctl -w net.ipv4.ip_forward=1',
        'ip link set eth0 up', 'ip addr add 10.74.0.2/24 dev eth0',
        'ip link set eth1 mtu 1400', 'ip link set eth1 up', 'ip addr add 10.75.0.2/24 dev eth1',
        '',
      ].join('\n');
      const tux = await s.tuxnet(r, { devs: ['tnxit0=eth0', 'tnxit1=eth1'], script });
      r.sh(`ip link set tnxit0 netns ${a.name} && ip link set tnxit1 netns ${b.name}`);
      a.sh('ip addr add 10.74.0.1/24 dev tnxit0 && ip link set tnxit0 up && ip route add default via 10.74.0.2');
      b.sh('ip link set tnxit1 mtu 1400 && ip addr add 10.75.0.1/24 dev tnxit1 && ip link set tnxit1 up && ' +
        'ip route add default via 10.75.0.2');
      const capA = await s.capture(a, 'tnxit0', 'router-a');
      const capB = await s.capture(b, 'tnxit1', 'router-b');

      const tr = await s.run(a, ['traceroute', '-n', '-w', '2', '-m', '4', '10.75.0.1'], { timeoutMs: 30_000 });
      for (const l of tr.stdout.trimEnd().split('\n')) t.diagnostic(`linux: ${l}`);
      assert.equal(tr.status, 0, tr.stdout + tr.stderr);
      assert.match(tr.stdout, /^ 1 {2}10\.74\.0\.2 {2}\d+\.\d+ ms {2}\d+\.\d+ ms {2}\d+\.\d+ ms$/m);
      assert.match(tr.stdout, /^ 2 {2}10\.75\.0\.1 {2}\d+\.\d+ ms {2}\d+\.\d+ ms {2}\d+\.\d+ ms$/m);
      assert.doesNotMatch(tr.stdout, /^ 3 /m);

      const ping = (args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> =>
        s.run(a, ['ping', '-n', '-W', '2', ...args], { timeoutMs: 15_000 });
      const p1 = await ping(['-c', '1', '-M', 'do', '-s', '1472', '10.75.0.1']);
      t.diagnostic(`linux ping -M do -s 1472: ${/From .*/.exec(p1.stdout)?.[0] ?? p1.stdout}`);
      assert.match(p1.stdout, /From 10\.74\.0\.2 icmp_seq=1 Frag needed and DF set \(mtu = 1400\)/);
      const p2 = await ping(['-c', '1', '-M', 'do', '-s', '1472', '10.75.0.1']);
      assert.match(p2.stdout + p2.stderr, /message too long, mtu=1400/, 'the kernel learned the PMTU from tuxnet');
      const p3 = await ping(['-c', '2', '-i', '0.2', '-M', 'do', '-s', '1372', '10.75.0.1']);
      assert.equal(p3.status, 0, p3.stdout);
      const p4 = await ping(['-c', '2', '-i', '0.2', '-s', '8000', '10.75.0.1']);
      assert.equal(p4.status, 0, p4.stdout);
      const p5 = await s.run(b, ['ping', '-n', '-W', '2', '-c', '2', '-i', '0.2', '-s', '8000', '10.74.0.1'], { timeoutMs: 15_000 });
      assert.equal(p5.status, 0, p5.stdout);

      await tux.stop();
      const stA = await capA.stop();
      const stB = await capB.stop();
      assertCleanCapture(capA.file);
      assertCleanCapture(capB.file);
      t.diagnostic(`captures: ${stA.captured} + ${stB.captured} packets, no errors`);
      // Time exceeded from tuxnet on A's side; tuxnet re-fragmented A's 1500-byte fragments for B's link.
      const te = tsharkFields(capA.file, 'icmp.type == 11', ['ip.src']).map((f) => f[0]);
      assert.ok(te.length >= 3 && te.every((x) => x === '10.74.0.2'), `time exceeded from tuxnet: ${te}`);
      const lens = tsharkFields(capB.file, 'ip.src == 10.74.0.1 && ip.flags.mf == 1', ['ip.len']).map((f) => Number(f[0]));
      assert.ok(lens.length > 0 && lens.every((l) => l <= 1400), `fragments on the 1400 link: ${lens}`);
    } finally {
      await s.close();
    }
  });

test('interop: tuxnet host behind a Linux router: traceroute -n, frag needed, fragments',
  { skip: skip ?? false, timeout: 120_000 }, async (t) => {
    const s = new Scope('k');
    try {
      const r = s.netns('r');
      const d = s.netns('d');
      r.tap('tnxit0');
      r.sh('sysctl -qw net.ipv4.ip_forward=1 && ip addr add 10.72.0.1/24 dev tnxit0 && ip link set tnxit0 up');
      r.sh(`ip link add tnxiv0 mtu 1400 type veth peer name tnxiv1 netns ${d.name}`);
      r.sh('ip addr add 10.73.0.1/24 dev tnxiv0 && ip link set tnxiv0 up');
      d.sh('ip link set tnxiv1 mtu 1400 && ip addr add 10.73.0.2/24 dev tnxiv1 && ip link set tnxiv1 up && ' +
        'ip route add default via 10.73.0.1');
      const cap = await s.capture(r, 'tnxit0', 'kernel-router');
      const script = [
        'ip link set eth0 up', 'ip addr add 10.72.0.2/24 dev eth0', 'ip route add default via 10.72.0.1',
        'traceroute -n -w 2 -m 4 10.73.0.2', 'echo tr=$?',
        'ping -n -c 1 -W 2 -M do -s 1472 10.73.0.2', 'echo pmtu1=$?',
        'ping -n -c 1 -W 2 -M do -s 1472 10.73.0.2', 'echo pmtu2=$?',
        'ping -n -c 2 -i 0.2 -W 2 -M do -s 1372 10.73.0.2', 'echo pmtu3=$?',
        'ip route get 10.73.0.2',
        'ping -n -c 2 -i 0.2 -W 2 -s 8000 10.73.0.2', 'echo big=$?',
        '',
      ].join('\n');
      const tux = await s.tuxnet(r, { devs: ['tnxit0=eth0'], script, readyTimeoutMs: 60_000 });
      const out = tux.stdout + tux.stderr;
      for (const l of out.trimEnd().split('\n')) t.diagnostic(`tuxnet: ${l}`);
      assert.match(out, /tr=0/);
      assert.match(out, /^ 1 {2}10\.72\.0\.1 {2}\d+\.\d+ ms {2}\d+\.\d+ ms {2}\d+\.\d+ ms$/m);
      assert.match(out, /^ 2 {2}10\.73\.0\.2 {2}\d+\.\d+ ms {2}\d+\.\d+ ms {2}\d+\.\d+ ms$/m);
      assert.doesNotMatch(out, /^ 3 /m);
      assert.match(out, /From 10\.72\.0\.1 icmp_seq=1 Frag needed and DF set \(mtu = 1400\)/);
      assert.match(out, /pmtu1=1/);
      assert.match(out, /message too long, mtu=1400/);
      assert.match(out, /pmtu3=0/);
      assert.match(out, /10\.73\.0\.2 via 10\.72\.0\.1 dev eth0 src 10\.72\.0\.2 uid 0 \n\s+cache expires \d+sec mtu 1400/);
      assert.match(out, /big=0/);
      await tux.stop();
      await cap.stop();
      assertCleanCapture(cap.file);
      const te = tsharkFields(cap.file, 'icmp.type == 11', ['ip.src']).map((f) => f[0]);
      assert.ok(te.length >= 3 && te.every((x) => x === '10.72.0.1'), `time exceeded from the kernel router: ${te}`);
    } finally {
      await s.close();
    }
  });
