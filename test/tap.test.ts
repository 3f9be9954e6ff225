/**
 * A real Linux TAP (drivers/net/tun.c on this host) as the wire of a tuxnet device
 * (issue 5, item 1). As root: a namespace `tnxa<pid>` holds the TAP `tnxa0` with
 * 10.9.0.1/24 (the Linux side); tuxnet opens the TAP from that namespace (openTap
 * `netns`), puts 10.9.0.2/24 on its `eth0`, and the kernel's ping and tuxnet's ping
 * reach each other, with and without IFF_VNET_HDR. With vnet headers a TCP transfer
 * from the Linux side exercises checksum offload and TSO (the kernel sends
 * NEEDS_CSUM and GSO_TCPV4 frames). Skips with the reason when not root or the addon
 * is not built.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { createKernel } from '../src/index.js';
import type { Kernel, Net } from '../src/core/net_namespace.js';
import { Task } from '../src/socket/task.js';
import { exitTask } from '../src/socket/syscalls.js';
import { programs } from '../src/tools/registry.js';
import { BufferStdio, BufferStdin, BytesStdin } from '../src/tools/tool.js';
import { createHash } from 'node:crypto';
import { openTap, tapUnavailableReason, TapUnavailableError } from '../src/platform/node/tap.js';
import { linkPriv } from '../src/drivers/link.js';

const execFileP = promisify(execFile);
const NS = `tnxa${process.pid}`;
const TAP = 'tnxa0';

function skipReason(): string | null {
  if (process.platform !== 'linux') return 'needs Linux';
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, TAP devices)';
  const why = tapUnavailableReason();
  if (why) return why;
  if (spawnSync('sh', ['-c', 'command -v ip && command -v ping && command -v socat && command -v ncat'],
    { stdio: 'ignore' }).status !== 0) return 'ip, ping, socat or ncat missing';
  return null;
}

async function run(k: Kernel, net: Net, line: string, input?: string): Promise<{ rc: number; out: string }> {
  const argv = line.split(' ');
  const o = new BufferStdio();
  const task = new Task(k, net, o, o);
  const stdin = input === undefined ? undefined : new BufferStdin([input]);
  const rc = await programs.get(argv[0]!)!({ task, argv, stdout: o, stderr: o, stdin, env: {}, exec: async () => 127 });
  exitTask(task);
  return { rc, out: o.text };
}

function ip(...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
}

/** Run in the namespace without blocking the event loop (tuxnet must answer meanwhile). */
async function inNs(...argv: string[]): Promise<{ code: number; out: string }> {
  try {
    const r = await execFileP('ip', ['netns', 'exec', NS, ...argv], { encoding: 'utf8', timeout: 30_000 });
    return { code: 0, out: r.stdout };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : 1, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

function setupNs(): void {
  if (existsSync(`/run/netns/${NS}`)) ip('netns', 'del', NS);
  ip('netns', 'add', NS);
  spawnSync('ip', ['netns', 'exec', NS, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1',
    'net.ipv6.conf.default.disable_ipv6=1'], { stdio: 'ignore' });
  ip('-n', NS, 'link', 'set', 'lo', 'up');
  ip('-n', NS, 'tuntap', 'add', 'dev', TAP, 'mode', 'tap');
  ip('-n', NS, 'addr', 'add', '10.9.0.1/24', 'dev', TAP);
  ip('-n', NS, 'link', 'set', TAP, 'up');
}

function teardownNs(): void {
  if (existsSync(`/run/netns/${NS}`)) spawnSync('ip', ['netns', 'del', NS]);
}

const why = skipReason();

for (const vnetHdr of [false, true]) {
  test(`kernel ping <-> tuxnet over a TAP${vnetHdr ? ' with vnet headers' : ''}`, { skip: why ?? false }, async () => {
    setupNs();
    const k = createKernel({ time: 'real' });
    const net = k.initNet;
    const h = openTap(k, net, { ifname: TAP, devName: 'eth0', netns: NS, vnetHdr });
    try {
      assert.equal(h.ifname, TAP);
      assert.equal((await run(k, net, 'ip addr add 10.9.0.2/24 dev eth0')).rc, 0);
      assert.equal((await run(k, net, 'ip link set eth0 up')).rc, 0);
      // Linux -> tuxnet, small and fragmented (3000 bytes over MTU 1500).
      for (const size of ['56', '3000']) {
        const r = await inNs('ping', '-c', '3', '-i', '0.2', '-W', '2', '-s', size, '10.9.0.2');
        assert.equal(r.code, 0, r.out);
        assert.match(r.out, / 0% packet loss/);
      }
      // tuxnet -> Linux.
      const t = await run(k, net, 'ping -c 3 -i 0.2 -W 2 -s 3000 10.9.0.1');
      assert.equal(t.rc, 0, t.out);
      assert.match(t.out, / 0% packet loss/);
      // UDP both ways (with vnet headers the kernel sends NEEDS_CSUM datagrams: tuxnet
      // finishes the checksum; tuxnet's own go out with NEEDS_CSUM when it leaves them partial).
      const usrv = run(k, net, 'nc -u -l -W 1 -p 5002');
      await new Promise((r) => setTimeout(r, 100));
      const u = await inNs('sh', '-c', 'printf "hello over udp" | socat -u - UDP:10.9.0.2:5002');
      assert.equal(u.code, 0, u.out);
      const us = await usrv;
      assert.equal(us.out, 'hello over udp');
      const ucli = inNs('timeout', '10', 'socat', '-T', '2', '-u', 'UDP-RECV:5003', 'STDOUT');
      await new Promise((r) => setTimeout(r, 300));
      assert.equal((await run(k, net, 'nc -u -q 0 10.9.0.1 5003', 'hello back')).rc, 0);
      const ub = await ucli;
      assert.equal(ub.out, 'hello back');
      if (vnetHdr) {
        // TCP from Linux: the kernel hands over NEEDS_CSUM / GSO_TCPV4 frames.
        const srv = run(k, net, 'nc -l -p 5001');
        await new Promise((r) => setTimeout(r, 100));
        const c = await inNs('sh', '-c', 'head -c 3000000 /dev/zero | timeout 20 ncat --send-only 10.9.0.2 5001');
        assert.equal(c.code, 0, c.out);
        const s = await srv;
        assert.equal(s.rc, 0);
        assert.equal(s.out.length, 3000000);
      }
      // TCP to Linux: 4 MB of varied bytes, checked by sha256 on the Linux side (with vnet
      // headers tuxnet's segments leave with NEEDS_CSUM, and as GSO frames when TSO is on).
      const data = new Uint8Array(4 << 20);
      for (let i = 0, x = 1; i < data.length; i++) {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        data[i] = x >>> 24;
      }
      const want = createHash('sha256').update(data).digest('hex');
      const sink = inNs('sh', '-c', 'timeout 20 ncat -l 10.9.0.1 5004 --recv-only | sha256sum');
      await new Promise((r) => setTimeout(r, 300));
      const o = new BufferStdio();
      const task = new Task(k, net, o, o);
      const rc = await programs.get('nc')!({ task, argv: ['nc', '-N', '10.9.0.1', '5004'], stdout: o, stderr: o,
        stdin: new BytesStdin(data), env: {}, exec: async () => 127 });
      exitTask(task);
      assert.equal(rc, 0, o.text);
      const got = await sink;
      assert.equal(got.out.split(' ')[0], want, got.out);
      const st = h.dev.stats;
      assert.ok(st.rxPackets > 0 && st.txPackets > 0);
      assert.equal(st.rxFrameErrors, 0);
    } finally {
      h.close();
      teardownNs();
    }
  });
}

test('a TAP in a namespace that does not exist: TapUnavailableError', { skip: why ?? false }, () => {
  const k = createKernel({ time: 'real' });
  assert.throws(() => openTap(k, k.initNet, { ifname: 'tnxa9', netns: 'tnxa-no-such-ns' }),
    (e: unknown) => e instanceof TapUnavailableError && /tnxa-no-such-ns/.test(e.message));
});

test('attaching a TAP another fd holds: EBUSY, said plainly', { skip: why ?? false }, () => {
  setupNs();
  const k = createKernel({ time: 'real' });
  const h = openTap(k, k.initNet, { ifname: TAP, netns: NS });
  try {
    assert.throws(() => openTap(k, k.initNet, { ifname: TAP, devName: 'eth9', netns: NS }),
      (e: unknown) => e instanceof TapUnavailableError && e.reason === 'busy' && /another process/.test(e.message));
  } finally {
    h.close();
    teardownNs();
  }
});

test('deleting the Linux TAP under tuxnet: the device loses its wire and says why', { skip: why ?? false }, async () => {
  setupNs();
  const k = createKernel({ time: 'real' });
  const h = openTap(k, k.initNet, { ifname: TAP, netns: NS });
  try {
    ip('-n', NS, 'link', 'del', TAP);
    for (let i = 0; i < 50 && linkPriv(h.dev).port !== null; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(linkPriv(h.dev).port, null);
    assert.match(linkPriv(h.dev).lastError, /deleted/);
  } finally {
    h.close();
    teardownNs();
  }
});

test('without CAP_NET_ADMIN: TapUnavailableError says to run as root', {
  skip: why ?? (spawnSync('sh', ['-c', 'command -v setpriv'], { stdio: 'ignore' }).status !== 0 ? 'setpriv missing' : false),
}, () => {
  const mod = new URL('../src/platform/node/tap.js', import.meta.url).href;
  const idx = new URL('../src/index.js', import.meta.url).href;
  const script = `const m = await import(${JSON.stringify(mod)}); const { createKernel } = await import(${JSON.stringify(idx)});
    const k = createKernel({ time: 'real' });
    try { m.openTap(k, k.initNet, { ifname: 'tnxa8' }); console.log('opened'); } catch (e) { console.log(e.name, e.reason, e.message); }`;
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', process.execPath,
    '--input-type=module', '-e', script], { encoding: 'utf8', cwd: '/', timeout: 20_000 });
  assert.match(r.stdout, /^TapUnavailableError permission .*(root|CAP_NET_ADMIN)/, r.stderr);
});

test('tuxnet routes TCP between two TAPs: vnet GSO in, plain out, and back', {
  skip: why ?? (spawnSync('sh', ['-c', 'command -v iperf3'], { stdio: 'ignore' }).status !== 0 ? 'iperf3 missing' : false),
}, async () => {
  const A = `tnxa${process.pid}a`;
  const B = `tnxa${process.pid}b`;
  const nsUp = (n: string, tap: string, addr: string, gw: string): void => {
    if (existsSync(`/run/netns/${n}`)) ip('netns', 'del', n);
    ip('netns', 'add', n);
    spawnSync('ip', ['netns', 'exec', n, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1'], { stdio: 'ignore' });
    ip('-n', n, 'link', 'set', 'lo', 'up');
    ip('-n', n, 'tuntap', 'add', 'dev', tap, 'mode', 'tap');
    ip('-n', n, 'addr', 'add', addr, 'dev', tap);
    ip('-n', n, 'link', 'set', tap, 'up');
    ip('-n', n, 'route', 'add', 'default', 'via', gw);
  };
  const exec = async (n: string, ...argv: string[]): Promise<{ code: number; out: string }> => {
    try {
      const r = await execFileP('ip', ['netns', 'exec', n, ...argv], { encoding: 'utf8', timeout: 30_000 });
      return { code: 0, out: r.stdout };
    } catch (e) {
      const err = e as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof err.code === 'number' ? err.code : 1, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
    }
  };
  const k = createKernel({ time: 'real' });
  const net = k.initNet;
  const hs: { close(): void }[] = [];
  try {
    nsUp(A, 'tnxa1', '10.9.1.1/24', '10.9.1.2');
    nsUp(B, 'tnxa2', '10.9.2.1/24', '10.9.2.2');
    const h1 = openTap(k, net, { ifname: 'tnxa1', devName: 'eth0', netns: A, vnetHdr: true });
    hs.push(h1);
    const h2 = openTap(k, net, { ifname: 'tnxa2', devName: 'eth1', netns: B, vnetHdr: false });
    hs.push(h2);
    for (const l of ['ip addr add 10.9.1.2/24 dev eth0', 'ip addr add 10.9.2.2/24 dev eth1', 'ip link set eth0 up',
      'ip link set eth1 up', 'sysctl -w net.ipv4.ip_forward=1']) {
      assert.equal((await run(k, net, l)).rc, 0, l);
    }
    const srv = exec(B, 'iperf3', '-s', '-1');
    await new Promise((r) => setTimeout(r, 300));
    for (const reverse of [false, true]) {
      const args = ['iperf3', '-c', '10.9.2.1', '-n', '20M', '-J'];
      if (reverse) args.push('-R');
      if (reverse) {
        void exec(B, 'iperf3', '-s', '-1');
        await new Promise((r) => setTimeout(r, 300));
      }
      const c = await exec(A, ...args);
      assert.equal(c.code, 0, c.out.slice(-500));
      const j = JSON.parse(c.out) as { end: { sum_sent: { bytes: number }; sum_received: { bytes: number } } };
      // iperf3 -n: the receiver stops counting when the sender says it is done, so the
      // bytes still in flight (socket buffers) are not in sum_received.
      assert.ok(j.end.sum_sent.bytes >= 20 << 20, `sent ${j.end.sum_sent.bytes}`);
      assert.ok(j.end.sum_received.bytes >= 10 << 20, `received ${j.end.sum_received.bytes}`);
    }
    await srv;
    assert.equal(h1.dev.stats.rxFrameErrors + h1.dev.stats.rxErrors + h2.dev.stats.rxErrors, 0);
  } finally {
    for (const h of hs) h.close();
    for (const n of [A, B]) if (existsSync(`/run/netns/${n}`)) spawnSync('ip', ['netns', 'del', n]);
  }
});
