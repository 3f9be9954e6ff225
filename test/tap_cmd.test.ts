/**
 * `tuxnet tap` (src/cli_tap.ts): option errors; two hosts in one process, each a
 * `tapCli` on its own real-time kernel, joined by a fake wire in place of the TAPs
 * (ready line, script, binary nc transfer, clean stop, devices released); and, as
 * root with the TAP addon built, the real command as a child of `ip netns exec` in a
 * tnxc* namespace: the Linux kernel pings tuxnet, SIGINT exits 0 and the TAP is gone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tapCli, parseTapArgs, type DeviceHandle } from '../src/cli_tap.js';
import { BufferStdio } from '../src/tools/tool.js';
import { linkCreate, linkAttach, linkDestroy, linkReceive, type LinkPort } from '../src/drivers/link.js';
import type { Kernel, Net } from '../src/core/net_namespace.js';
import type { NetDevice } from '../src/core/netdevice.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(ROOT, 'dist', 'src', 'cli.js');
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

test('tuxnet tap: usage errors exit 2 with the CLI\'s message; a missing script 127', async () => {
  for (const [args, msg] of [
    [[], 'tap: no device: give --dev TAP or --link DEV=SPEC'],
    [['--dev'], "tap: option '--dev' requires TAP[=DEV]"],
    [['--dev', 'x'.repeat(16)], `tap: invalid TAP interface name '${'x'.repeat(16)}'`],
    [['--dev', 'tap0=a/b'], "tap: invalid device name 'a/b'"],
    [['--link', 'eth0'], "tap: option '--link' requires DEV=SPEC"],
    [['--dev', 'tap0', '--seed', 'q'], "tap: invalid seed 'q'"],
    [['--dev', 'tap0', '--frob'], "tap: unrecognized option '--frob'"],
    [['--dev', 'tap0', 'script.sh'], "tap: unexpected argument 'script.sh'"],
    [['--dev', 'tap0', '--link', 'tap0=vde:/x'], "tap: device 'tap0' given twice"],
    [['--link', 'eth0=qemu-stream:listen:tcp:nowhere'], "tap: --link eth0: invalid address 'nowhere': expected HOST:PORT"],
  ] as [string[], string][]) {
    const out = new BufferStdio();
    const err = new BufferStdio();
    assert.equal(await tapCli(args, out, err, { stop: new Promise(() => {}) }), 2, args.join(' '));
    assert.ok(err.text.startsWith(`tuxnet: ${msg}`), err.text);
    assert.match(err.text, /Try 'tuxnet --help' for more information\.\n$/);
  }
  assert.deepEqual(parseTapArgs(['--dev', 'tap0=eth0', '--vnet-hdr', '--link=eth1=ws:ws://127.0.0.1:8080/', '--', 'a']), {
    devs: [{ ifname: 'tap0', devName: 'eth0' }], links: [{ devName: 'eth1', spec: 'ws:ws://127.0.0.1:8080/' }],
    vnetHdr: true, args: ['a'],
  });
  const err = new BufferStdio();
  assert.equal(await tapCli(['--dev', 'tap0', '--script', '/nonexistent/x.sh'], new BufferStdio(), err, {
    stop: new Promise(() => {}),
  }), 127);
  assert.equal(err.text, 'tuxnet tap: /nonexistent/x.sh: No such file or directory\n');
  // A device that cannot be attached: the reason, exit 1, nothing left behind.
  const e2 = new BufferStdio();
  const st = await tapCli(['--dev', 'tap0'], new BufferStdio(), e2, {
    stop: new Promise(() => {}),
    openTap: () => {
      throw new Error('cannot open /dev/net/tun: EPERM (run as root or give the process CAP_NET_ADMIN)');
    },
  });
  assert.deepEqual([st, e2.text], [1, 'tuxnet tap: cannot open /dev/net/tun: EPERM (run as root or give the process CAP_NET_ADMIN)\n']);
});

/** A cable between two kernels' link devices: each frame is delivered on the next event-loop turn. */
class FakeWire {
  ends: { k: Kernel; dev: NetDevice }[] = [];
  released = 0;
  open(k: Kernel, net: Net, name: string): DeviceHandle {
    const dev = linkCreate(net, { name, ops: { driver: 'fake-tap' } });
    if (typeof dev === 'number') throw new Error(`linkCreate ${dev}`);
    const me = this.ends.length;
    this.ends.push({ k, dev });
    const port: LinkPort = {
      transmit: (frame) => {
        const peer = this.ends[1 - me];
        if (!peer) return true;
        const copy = frame.slice();
        setImmediate(() => {
          peer.k.sched.localBhDisable();
          linkReceive(peer.dev, copy);
          peer.k.sched.localBhEnable();
        });
        return true;
      },
      close: () => {},
    };
    linkAttach(dev, port);
    return { dev, close: () => { this.released++; linkDestroy(dev); } };
  }
}

test('tuxnet tap: two real-time hosts on a fake wire — ready after the script, binary nc, clean stop', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tuxnet-tapcmd-'));
  try {
    const data = randomBytes(512 * 1024 + 3);
    writeFileSync(join(dir, 'in.bin'), data);
    writeFileSync(join(dir, 'a.sh'), 'ip link set tap0 up\nip addr add 10.7.0.1/24 dev tap0\nnc -l 5001 > "$1/out.bin" &\n');
    writeFileSync(join(dir, 'b.sh'), 'ip link set eth0 up\nip addr add 10.7.0.2/24 dev eth0\n' +
      'ping -c 2 -i 0.1 -q 10.7.0.1\nnc -N 10.7.0.1 5001 < "$1/in.bin"\necho "nc $?"\n');
    const wire = new FakeWire();
    const opener = (k: Kernel, net: Net, o: { ifname: string; devName?: string }): DeviceHandle =>
      wire.open(k, net, o.devName ?? o.ifname);
    let stopA: (s: string) => void = () => {};
    let stopB: (s: string) => void = () => {};
    let readyA!: () => void;
    const aReady = new Promise<void>((r) => (readyA = r));
    const outA = new BufferStdio();
    const errA = new BufferStdio();
    const outB = new BufferStdio();
    const errB = new BufferStdio();
    const a = tapCli(['--dev', 'tap0', '--script', join(dir, 'a.sh'), '--', dir], outA, errA, {
      openTap: opener, stop: new Promise((r) => (stopA = r)), onReady: () => readyA(),
    });
    await aReady;
    const b = tapCli(['--dev', 'tapx=eth0', '--script', join(dir, 'b.sh'), '--seed', '2', '--', dir], outB, errB, {
      openTap: opener, stop: new Promise((r) => (stopB = r)), onReady: () => stopB('SIGTERM'),
    });
    assert.equal(await b, 0);
    assert.match(outB.text, /^PING 10\.7\.0\.1 \(10\.7\.0\.1\) 56\(84\) bytes of data\.\n\n--- 10\.7\.0\.1 ping statistics ---\n2 packets transmitted, 2 received, 0% packet loss/);
    assert.match(outB.text, /\nnc 0\n$/);
    assert.equal(errB.text, 'tuxnet tap: ready\n');
    // nc -l ended when the peer closed; A keeps running until stopped.
    stopA('SIGINT');
    assert.equal(await a, 0);
    assert.deepEqual([outA.text, errA.text], ['', 'tuxnet tap: ready\n']);
    assert.equal(sha(readFileSync(join(dir, 'out.bin'))), sha(data));
    assert.equal(wire.released, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tuxnet tap: a signal during the script stops it (no ready line), exit 0; `exit 3` ends the host with 3', async () => {
  const wire = new FakeWire();
  const opener = (k: Kernel, net: Net, o: { ifname: string }): DeviceHandle => wire.open(k, net, o.ifname);
  const dir = mkdtempSync(join(tmpdir(), 'tuxnet-tapcmd-'));
  try {
    writeFileSync(join(dir, 's.sh'), 'echo start\nsleep 30\necho never\n');
    let stop: (s: string) => void = () => {};
    const out = new BufferStdio();
    const err = new BufferStdio();
    const p = tapCli(['--dev', 't0', '--script', join(dir, 's.sh')], out, err, { openTap: opener, stop: new Promise((r) => (stop = r)) });
    setTimeout(() => stop('SIGINT'), 200);
    assert.equal(await p, 0);
    assert.deepEqual([out.text, err.text], ['start\n', '']);
    writeFileSync(join(dir, 'x.sh'), 'echo a\nexit 3\necho b\n');
    const out2 = new BufferStdio();
    const err2 = new BufferStdio();
    assert.equal(await tapCli(['--dev', 't1', '--script', join(dir, 'x.sh')], out2, err2, {
      openTap: opener, stop: new Promise(() => {}),
    }), 3);
    assert.deepEqual([out2.text, err2.text], ['a\n', '']);
    assert.equal(wire.released, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tuxnet tap --link: two hosts joined by qemu-dgram links on 127.0.0.1 ping each other', async () => {
  const pa = 20000 + (process.pid % 20000);
  const pb = pa + 1;
  const dir = mkdtempSync(join(tmpdir(), 'tuxnet-tapcmd-'));
  try {
    writeFileSync(join(dir, 'a.sh'), 'ip link set eth0 up\nip addr add 10.6.0.1/24 dev eth0\n');
    writeFileSync(join(dir, 'b.sh'), 'ip link set eth0 up\nip addr add 10.6.0.2/24 dev eth0\nping -c 2 -i 0.1 -q 10.6.0.1\n');
    let stopA: (s: string) => void = () => {};
    let readyA!: () => void;
    const aReady = new Promise<void>((r) => (readyA = r));
    const errA = new BufferStdio();
    const a = tapCli(['--link', `eth0=qemu-dgram:127.0.0.1:${pa}:127.0.0.1:${pb}`, '--script', join(dir, 'a.sh')],
      new BufferStdio(), errA, { stop: new Promise((r) => (stopA = r)), onReady: () => readyA() });
    await aReady;
    const outB = new BufferStdio();
    const errB = new BufferStdio();
    let stopB: (s: string) => void = () => {};
    const b = tapCli(['--link', `eth0=qemu-dgram:127.0.0.1:${pb}:127.0.0.1:${pa}`, '--script', join(dir, 'b.sh')],
      outB, errB, { stop: new Promise((r) => (stopB = r)), onReady: () => stopB('SIGINT') });
    assert.equal(await b, 0, errB.text);
    stopA('SIGINT');
    assert.equal(await a, 0, errA.text);
    assert.match(outB.text, /2 packets transmitted, 2 received, 0% packet loss/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function rootSkipReason(): string | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'not root (a TAP needs CAP_NET_ADMIN)';
  if (!existsSync('/dev/net/tun')) return '/dev/net/tun is missing';
  if (!existsSync(join(ROOT, 'build', 'Release', 'tap.node')) && !process.env.TUXNET_TAP_ADDON) return 'the TAP addon is not built (build/Release/tap.node)';
  if (spawnSync('ip', ['-V']).status !== 0) return 'iproute2 (ip) is not installed';
  return null;
}

function sh(cmd: string): { status: number; out: string } {
  const r = spawnSync('sh', ['-c', cmd], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status ?? -1, out: (r.stdout ?? '') + (r.stderr ?? '') };
}

test('tuxnet tap on a real TAP (root): kernel pings tuxnet, SIGINT exits 0 and the TAP is gone', async (t) => {
  const why = rootSkipReason();
  if (why) {
    t.skip(why);
    return;
  }
  const ns = `tnxc${process.pid % 1000}t`;
  const dir = mkdtempSync(join(tmpdir(), 'tuxnet-tapcmd-'));
  sh(`ip netns del ${ns} 2>/dev/null`);
  assert.equal(sh(`ip netns add ${ns}`).status, 0);
  let child: ReturnType<typeof spawn> | null = null;
  try {
    const script = join(dir, 'host.sh');
    writeFileSync(script, 'ip link set tnxc0 up\nip addr add 10.88.0.2/24 dev tnxc0\nnc -l 5001 > /dev/null &\n');
    const c = spawn('ip', ['netns', 'exec', ns, process.execPath, CLI, 'tap', '--dev', 'tnxc0', '--script', script],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    let stderr = '';
    c.stderr!.setEncoding('utf8');
    const ready = new Promise<void>((resolve, reject) => {
      c.stderr!.on('data', (d: string) => {
        stderr += d;
        if (stderr.includes('tuxnet tap: ready\n')) resolve();
      });
      c.on('exit', (code) => reject(new Error(`tuxnet tap exited ${code} before ready: ${stderr}`)));
    });
    const exited = new Promise<number | null>((resolve) => c.on('exit', (code) => resolve(code)));
    await ready;
    assert.equal(sh(`ip -n ${ns} link set tnxc0 up && ip -n ${ns} addr add 10.88.0.1/24 dev tnxc0`).status, 0);
    const ping = sh(`ip netns exec ${ns} ping -c 3 -i 0.2 -W 2 10.88.0.2`);
    assert.match(ping.out, /3 packets transmitted, 3 received, 0% packet loss/, ping.out);
    // A connection the shutdown has to close: the Linux side sees our FIN (CLOSE-WAIT).
    const peer = spawn('ip', ['netns', 'exec', ns, 'sh', '-c', 'sleep 5 | nc 10.88.0.2 5001'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 500));
    c.kill('SIGINT');
    const code = await exited;
    child = null;
    assert.equal(code, 0, stderr);
    assert.equal(stderr, 'tuxnet tap: ready\n');
    const ss = sh(`ip netns exec ${ns} ss -tnH state close-wait dst 10.88.0.2`);
    assert.match(ss.out, /10\.88\.0\.2:5001/);
    peer.kill();
    const link = sh(`ip -n ${ns} link show tnxc0`);
    assert.notEqual(link.status, 0, `the TAP is still there: ${link.out}`);
  } finally {
    child?.kill('SIGKILL');
    sh(`ip netns del ${ns}`);
    rmSync(dir, { recursive: true, force: true });
  }
});
