/**
 * Interop TCP (issue 5, item 4): 200 MiB both ways between the Linux kernel and a
 * tuxnet host, sha256 checked on both ends, and many short connections.
 *
 *   - Linux -> tuxnet: `socat -u FILE:src TCP:tuxnet:5001` into tuxnet's
 *     `nc -l 5001 > dst` (binary-safe); the file tuxnet wrote is hashed;
 *   - tuxnet -> Linux: tuxnet's `nc -N linux 5002 < src` into `ncat -l --recv-only |
 *     sha256sum` on the Linux side;
 *   - 300 short connections from a client in the kernel's namespace (node's net module
 *     over the kernel's stack), one line each, into tuxnet's `nc -l -k`: zero
 *     failures, every line arrives.
 *
 * Without vnet headers the kernel is on the TAP itself and the capture is taken there.
 * With vnet headers (checksum offload and TSO across the TAP) the TAP carries partial
 * checksums and 64 KiB GSO frames in both directions, which are no wire: the Linux
 * endpoint then sits behind a kernel router, on a veth with offloads off, so the
 * capture there shows what tuxnet's GSO frames become on a real wire (the kernel
 * segments them with the checksum seeds tuxnet wrote).
 *
 * Bounded captures: the first 20000 packets whole (headers and checksums of ~28 MiB
 * and its ACKs), and every SYN, FIN and RST of the run (the opening, the end, and no
 * reset). A capture of every packet's headers was tried: tshark's analysis of its
 * ~150000 packets took longer than the transfer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Scope, type Netns, tapSkipReason, assertCleanCapture, tsharkFields, randomFile, sha256File, rate, sleep, type Capture,
} from '../harness/interop.js';

const skip = tapSkipReason(['socat', 'ncat', 'sha256sum', 'ethtool']);
if (skip) console.log(`# skipping interop TCP tests: ${skip}`);

const BYTES = 200 << 20;

interface Topo {
  /** Where tuxnet runs (it holds the TAP). */
  tuxNs: Netns;
  /** The Linux endpoint's namespace and address. */
  linux: Netns;
  linuxAddr: string;
  tuxAddr: string;
  /** The device to capture on, in `linux`... or the router. */
  capNs: Netns;
  capDev: string;
  script: string;
}

/**
 * Direct: Linux 10.76.0.1 on the TAP itself. Routed (vnet headers): tuxnet 10.76.0.2 ==TAP==
 * R 10.76.0.1 / 10.77.0.1 ==veth, offloads off== E 10.77.0.2.
 */
function topology(s: Scope, vnet: boolean): Topo {
  const k = s.netns('k');
  k.tap('tnxit0');
  k.sh('ip addr add 10.76.0.1/24 dev tnxit0 && ip link set tnxit0 up');
  const base = ['ip link set eth0 up', 'ip addr add 10.76.0.2/24 dev eth0'];
  if (!vnet) return { tuxNs: k, linux: k, linuxAddr: '10.76.0.1', tuxAddr: '10.76.0.2', capNs: k, capDev: 'tnxit0', script: base.join('\n') };
  const e = s.netns('e');
  k.sh('sysctl -qw net.ipv4.ip_forward=1');
  k.sh(`ip link add tnxiv0 type veth peer name tnxiv1 netns ${e.name}`);
  k.sh('ip addr add 10.77.0.1/24 dev tnxiv0 && ip link set tnxiv0 up && ethtool -K tnxiv0 tx off tso off gso off gro off >/dev/null');
  e.sh('ip addr add 10.77.0.2/24 dev tnxiv1 && ip link set tnxiv1 up && ethtool -K tnxiv1 tx off tso off gso off gro off >/dev/null');
  e.sh('ip route add default via 10.77.0.1');
  base.push('ip route add default via 10.76.0.1');
  return { tuxNs: k, linux: e, linuxAddr: '10.77.0.2', tuxAddr: '10.76.0.2', capNs: k, capDev: 'tnxiv0', script: base.join('\n') };
}

async function captures(s: Scope, topo: Topo, name: string): Promise<[Capture, Capture]> {
  const whole = await s.capture(topo.capNs, topo.capDev, `${name}-whole`, { count: 20000, filter: 'tcp' });
  const ctl = await s.capture(topo.capNs, topo.capDev, `${name}-ctl`, { filter: 'tcp[tcpflags] & (tcp-syn|tcp-fin|tcp-rst) != 0' });
  return [whole, ctl];
}

/** Stop both captures, judge them, and print the transfer's rate on the wire (SYN to last FIN). */
async function judge(t: { diagnostic(s: string): void }, caps: [Capture, Capture], bytes: number): Promise<void> {
  const [whole, ctl] = caps;
  const a = await whole.stop();
  const b = await ctl.stop();
  const rep = assertCleanCapture(whole.file);
  assertCleanCapture(ctl.file);
  const pkts = tsharkFields(ctl.file, '', ['frame.time_epoch', 'tcp.flags.syn', 'tcp.flags.fin', 'tcp.flags.reset',
    'ip.src', 'tcp.srcport', 'ip.dst', 'tcp.dstport', 'tcp.seq_raw', 'tcp.ack_raw', 'tcp.flags.str', 'tcp.len']);
  // A reset is allowed only as the answer to a late duplicate ACK after both FINs: the
  // side that closed last has no TIME_WAIT, so an ACK for a retransmitted FIN (a loss
  // probe fired while the first ACK waited in the TAP) finds no socket and gets an RST
  // with seq = its ack = the sequence number after our FIN (Linux's tcp_v4_send_reset
  // does the same). The FIN may carry the last data, so its end is seq + len + 1. Any
  // other RST fails.
  const finEnd = new Map<string, number>();
  const badResets = pkts.filter((p) => {
    if (p[2] === '1') finEnd.set(`${p[4]}:${p[5]}`, (Number(p[8]) + Number(p[11] || 0) + 1) >>> 0);
    if (p[3] !== '1') return false;
    const mine = finEnd.get(`${p[4]}:${p[5]}`);
    return !(finEnd.size >= 2 && mine === Number(p[8]));
  });
  assert.equal(badResets.length, 0, `no reset:\n${pkts.map((p) => p.join(' ')).join('\n')}`);
  const fins = pkts.filter((p) => p[2] === '1').length;
  assert.ok(fins >= 2, 'a FIN each way');
  const ms = (Number(pkts[pkts.length - 1]![0]) - Number(pkts[0]![0])) * 1000;
  const warns = rep.items.filter((i) => i.startsWith('Warns') || i.startsWith('Notes')).join('; ');
  t.diagnostic(`wire: ${rate(bytes, ms)} (${ms.toFixed(0)} ms SYN..FIN); captures ${a.captured} whole + ` +
    `${b.captured} SYN/FIN (${fins} FIN), no errors${warns ? `; first 20000: ${warns}` : ''}`);
}

for (const vnetHdr of [false, true]) {
  const v = vnetHdr ? ' (vnet headers, routed)' : '';
  test(`interop TCP${v}: 200 MiB Linux socat -> tuxnet nc -l, sha256 on both ends`, { skip: skip ?? false, timeout: 180_000 }, async (t) => {
    const s = new Scope(vnetHdr ? 'tv' : 't');
    try {
      const topo = topology(s, vnetHdr);
      const src = s.file('src.bin');
      const want = randomFile(src, BYTES);
      const dst = s.file('dst.bin');
      const caps = await captures(s, topo, 'in');
      const t0 = Date.now();
      // The client retries until tuxnet listens; tuxnet's foreground nc ends with the transfer.
      const client = s.spawn(topo.linux, ['socat', '-u', `FILE:${src}`,
        `TCP:${topo.tuxAddr}:5001,retry=100,interval=0.2`], { timeoutMs: 150_000 });
      const tux = await s.tuxnet(topo.tuxNs, {
        devs: ['tnxit0=eth0'], vnetHdr, readyTimeoutMs: 150_000,
        script: `${topo.script}\nnc -l 5001 > ${dst}\necho nc=$?\n`,
      });
      const c = await client.wait();
      assert.equal(c.status, 0, `socat: ${c.stderr}`);
      assert.match(tux.stdout, /nc=0/, tux.stdout + tux.stderr);
      await tux.stop();
      t.diagnostic(`transfer done after ${Date.now() - t0} ms`);
      const got = await sha256File(dst);
      assert.equal(got.bytes, BYTES);
      assert.equal(got.sha256, want, 'sha256 of what tuxnet received');
      await judge(t, caps, BYTES);
    } finally {
      await s.close();
    }
  });

  test(`interop TCP${v}: 200 MiB tuxnet nc -> Linux ncat -l, sha256 on both ends`, { skip: skip ?? false, timeout: 180_000 }, async (t) => {
    const s = new Scope(vnetHdr ? 'uv' : 'u');
    try {
      const topo = topology(s, vnetHdr);
      const src = s.file('src.bin');
      const want = randomFile(src, BYTES);
      const caps = await captures(s, topo, 'out');
      const t0 = Date.now();
      const server = s.spawn(topo.linux, ['sh', '-c', `ncat -l --recv-only ${topo.linuxAddr} 5002 | sha256sum`], { timeoutMs: 150_000 });
      await sleep(300);
      const tux = await s.tuxnet(topo.tuxNs, {
        devs: ['tnxit0=eth0'], vnetHdr, readyTimeoutMs: 150_000,
        script: `${topo.script}\nnc -N ${topo.linuxAddr} 5002 < ${src}\necho nc=$?\n`,
      });
      assert.match(tux.stdout, /nc=0/, tux.stdout + tux.stderr);
      const r = await server.wait();
      assert.equal(r.status, 0, r.stderr);
      t.diagnostic(`transfer done after ${Date.now() - t0} ms`);
      assert.equal(r.stdout.split(' ')[0], want, 'sha256 of what Linux received');
      await tux.stop();
      await judge(t, caps, BYTES);
    } finally {
      await s.close();
    }
  });
}

/** A client for the kernel's namespace: N sequential connections, one line each. */
const MANY_CLIENT = `
const net = require('node:net');
const [host, port, n] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
let fail = 0;
const one = (i) => new Promise((resolve) => {
  const c = net.connect({ host, port });
  const timer = setTimeout(() => { c.destroy(); resolve('timeout'); }, 5000);
  c.on('error', (e) => { clearTimeout(timer); resolve(e.code || String(e)); });
  c.on('connect', () => c.end('line ' + i + '\\n'));
  c.on('close', (hadError) => { clearTimeout(timer); resolve(hadError ? 'error' : null); });
  c.resume();
});
(async () => {
  const t0 = Date.now();
  for (let i = 0; i < n; i++) {
    const e = await one(i);
    if (e) { fail++; console.log('connection ' + i + ': ' + e); }
  }
  console.log('done ' + n + ' failures ' + fail + ' ms ' + (Date.now() - t0));
  process.exit(fail ? 1 : 0);
})();
`;

test('interop TCP: 300 short connections from Linux to tuxnet nc -l -k, zero failures', { skip: skip ?? false, timeout: 120_000 }, async (t) => {
  const N = 300;
  const s = new Scope('m');
  try {
    const topo = topology(s, false);
    const log = s.file('many.log');
    const cap = await s.capture(topo.capNs, topo.capDev, 'many', { filter: 'tcp' });
    const tux = await s.tuxnet(topo.tuxNs, { devs: ['tnxit0=eth0'], script: `${topo.script}\nnc -l -k 5003 > ${log} &\n` });
    const r = await s.run(topo.linux, [process.execPath, '-e', MANY_CLIENT, topo.tuxAddr, '5003', String(N)], { timeoutMs: 100_000 });
    t.diagnostic(r.stdout.trim().split('\n').slice(-3).join(' | '));
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`done ${N} failures 0`));
    const want = Array.from({ length: N }, (_, i) => `line ${i}\n`).join('');
    let got = '';
    for (let i = 0; i < 50 && got.length < want.length; i++) {
      await sleep(100);
      got = (await import('node:fs')).readFileSync(log, 'latin1');
    }
    assert.equal(got, want);
    await tux.stop();
    const st = await cap.stop();
    assertCleanCapture(cap.file);
    const syns = tsharkFields(cap.file, 'tcp.flags.syn == 1 && tcp.flags.ack == 0', ['tcp.srcport']).length;
    const rsts = tsharkFields(cap.file, 'tcp.flags.reset == 1', ['ip.src']).length;
    // One SYN per connection (tcpdump may have dropped a few packets on a busy machine).
    assert.ok(syns <= N && syns + Math.max(st.dropped, 0) >= N, `${syns} SYNs for ${N} connections, ${st.dropped} dropped`);
    assert.equal(rsts, 0, 'no reset');
    t.diagnostic(`capture: ${st.captured} packets (${st.dropped} dropped by tcpdump), ${syns} SYNs, no reset, clean`);
  } finally {
    await s.close();
  }
});
