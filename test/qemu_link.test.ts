/**
 * QEMU links against a real `qemu-system-x86_64` (no guest: `-machine none`): QEMU's
 * hub joins several netdevs (`-netdev hubport,netdev=...`), each served by one tuxnet
 * host, and the hosts ping each other through QEMU. Covers `-netdev stream` as server
 * (tuxnet connects, TCP and unix) and as client (tuxnet listens), the legacy
 * `-netdev socket,connect=`, and `-netdev dgram`. Then bad input from a fake peer:
 * a bad length prefix, a close mid-frame, and reconnection bringing carrier back.
 * Skips with a printed reason when qemu-system-x86_64 is missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createServer, connect, type Socket, type Server } from 'node:net';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { qemuStreamConnect, qemuStreamListen, qemuDgramOpen } from '../src/platform/node/qemu_link.js';
import { openLinkSpec } from '../src/platform/node/link_spec.js';
import type { LinkHandle } from '../src/platform/node/stream_link.js';
import { linkPriv } from '../src/drivers/link.js';
import { realHost, configure, pingOk, waitFor, carrier, freePort, startChild, haveCommand, type Child } from './harness/link_host.js';

const QEMU = 'qemu-system-x86_64';
const haveQemu = await haveCommand(QEMU);
if (!haveQemu) console.log(`# qemu_link: skipping the QEMU tests: ${QEMU} not found (apt-get install qemu-system-x86)`);

function qemu(netdevs: string[]): Child {
  const args = ['-nodefaults', '-no-user-config', '-display', 'none', '-machine', 'none'];
  netdevs.forEach((nd, i) => {
    const id = /id=([^,]+)/.exec(nd)![1]!;
    args.push('-netdev', nd, '-netdev', `hubport,id=hub${i},hubid=0,netdev=${id}`);
  });
  return startChild(QEMU, args);
}

/** Wait for QEMU to listen on a TCP port (bounded). */
async function tcpReady(port: number, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

test('qemu stream (server=on, tcp and unix), dgram, legacy socket,udp= and socket,listen=: five tuxnet hosts ping through QEMU\'s hub', { skip: !haveQemu, timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tnxl-'));
  const sockPath = join(dir, 'qemu.sock');
  const [pTcp, pQemuUdp, pOurUdp, pQemuUdp2, pOurUdp2, pLegacy] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  const q = qemu([
    `stream,id=s0,server=on,addr.type=inet,addr.host=127.0.0.1,addr.port=${pTcp}`,
    `stream,id=s1,server=on,addr.type=unix,addr.path=${sockPath}`,
    `dgram,id=d0,local.type=inet,local.host=127.0.0.1,local.port=${pQemuUdp},remote.type=inet,remote.host=127.0.0.1,remote.port=${pOurUdp}`,
    // The legacy spellings: a unicast dgram netdev, a listening stream.
    `socket,id=d1,udp=127.0.0.1:${pOurUdp2},localaddr=127.0.0.1:${pQemuUdp2}`,
    `socket,id=l0,listen=127.0.0.1:${pLegacy}`,
  ]);
  const handles: LinkHandle[] = [];
  const log: string[] = [];
  try {
    assert.ok(await tcpReady(pTcp), `qemu did not listen: ${q.stderr()}`);
    // tcpReady's probe took QEMU's one connection slot for a moment; the links retry.
    const a = realHost(1);
    const b = realHost(2);
    const c = realHost(3);
    const d = realHost(4);
    const e = realHost(5);
    handles.push(await qemuStreamConnect(a.k, a.net, { type: 'tcp', host: '127.0.0.1', port: pTcp }, { devName: 'eth0', log: (m) => log.push(`a ${m}`) }));
    handles.push(await openLinkSpec(b.k, b.net, 'eth0', `qemu-stream:connect:unix:${sockPath}`, (m) => log.push(`b ${m}`)));
    handles.push(await qemuDgramOpen(c.k, c.net, { localHost: '127.0.0.1', localPort: pOurUdp, remoteHost: '127.0.0.1', remotePort: pQemuUdp }, { devName: 'eth0', log: (m) => log.push(`c ${m}`) }));
    handles.push(await openLinkSpec(d.k, d.net, 'eth0', `qemu-dgram:127.0.0.1:${pOurUdp2}:127.0.0.1:${pQemuUdp2}`, (m) => log.push(`d ${m}`)));
    await configure(a.k, a.net, 'eth0', '10.5.0.1/24');
    await configure(b.k, b.net, 'eth0', '10.5.0.2/24');
    await configure(c.k, c.net, 'eth0', '10.5.0.3/24');
    handles.push(await openLinkSpec(e.k, e.net, 'eth0', `qemu-stream:connect:tcp:127.0.0.1:${pLegacy}`, (m) => log.push(`e ${m}`)));
    await configure(d.k, d.net, 'eth0', '10.5.0.4/24');
    await configure(e.k, e.net, 'eth0', '10.5.0.5/24');
    assert.ok(await waitFor(() => handles.every((h) => carrier(h.dev)), 10_000), `carrier: ${log.join('\n')}\n${q.stderr()}`);
    const ab = await pingOk(a.k, a.net, '10.5.0.2');
    assert.equal(ab.rc, 0, `a -> b (tcp -> unix): ${ab.out}${ab.err}\n${log.join('\n')}\n${q.stderr()}`);
    assert.match(ab.out, /2 packets transmitted, 2 received/);
    const ca = await pingOk(c.k, c.net, '10.5.0.1');
    assert.equal(ca.rc, 0, `c -> a (dgram -> tcp): ${ca.out}${ca.err}`);
    const bc = await pingOk(b.k, b.net, '10.5.0.3');
    assert.equal(bc.rc, 0, `b -> c (unix -> dgram): ${bc.out}${bc.err}`);
    const dc = await pingOk(d.k, d.net, '10.5.0.3');
    assert.equal(dc.rc, 0, `d -> c (legacy socket,udp= -> dgram): ${dc.out}${dc.err}`);
    const ea = await pingOk(e.k, e.net, '10.5.0.1');
    assert.equal(ea.rc, 0, `e -> a (legacy socket,listen= -> stream): ${ea.out}${ea.err}`);
    // A datagram from anyone but QEMU's address is not a frame of this link.
    const dropped = handles[2]!.dev.coreStats.rxDropped;
    const stray = createSocket('udp4');
    await new Promise<void>((r) => stray.send(Buffer.alloc(60, 0xff), pOurUdp, '127.0.0.1', () => r()));
    assert.ok(await waitFor(() => handles[2]!.dev.coreStats.rxDropped === dropped + 1, 2000), 'stray datagram counted as rx_dropped');
    stray.close();
    assert.ok(handles.every((h) => h.dev.stats.rxPackets > 0 && h.dev.stats.txPackets > 0));
  } finally {
    for (const h of handles) h.close();
    await q.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('qemu stream (server=off) and legacy socket,connect=: QEMU connects to tuxnet listeners; a QEMU restart reconnects', { skip: !haveQemu, timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tnxl-'));
  const sockPath = join(dir, 'tuxnet.sock');
  const [p1, p2] = [await freePort(), await freePort()];
  const a = realHost(11);
  const b = realHost(12);
  const c = realHost(13);
  const log: string[] = [];
  const handles: LinkHandle[] = [];
  let q: Child | null = null;
  try {
    handles.push(await qemuStreamListen(a.k, a.net, { type: 'tcp', host: '127.0.0.1', port: p1 }, { devName: 'eth0', log: (m) => log.push(`a ${m}`) }));
    handles.push(await openLinkSpec(b.k, b.net, 'eth0', `qemu-stream:listen:tcp:127.0.0.1:${p2}`, (m) => log.push(`b ${m}`)));
    handles.push(await openLinkSpec(c.k, c.net, 'eth0', `qemu-stream:listen:unix:${sockPath}`, (m) => log.push(`c ${m}`)));
    await configure(a.k, a.net, 'eth0', '10.6.0.1/24');
    await configure(b.k, b.net, 'eth0', '10.6.0.2/24');
    await configure(c.k, c.net, 'eth0', '10.6.0.3/24');
    assert.ok(handles.every((h) => !carrier(h.dev)), 'no carrier before QEMU connects');
    const start = (): Child => qemu([
      `stream,id=s0,server=off,addr.type=inet,addr.host=127.0.0.1,addr.port=${p1}`,
      `socket,id=s1,connect=127.0.0.1:${p2}`,
      `stream,id=s2,server=off,addr.type=unix,addr.path=${sockPath}`,
    ]);
    q = start();
    assert.ok(await waitFor(() => handles.every((h) => carrier(h.dev)), 10_000), `carrier: ${log.join('\n')}\n${q.stderr()}`);
    let r = await pingOk(a.k, a.net, '10.6.0.2');
    assert.equal(r.rc, 0, `a -> b: ${r.out}${r.err}\n${log.join('\n')}\n${q.stderr()}`);
    r = await pingOk(c.k, c.net, '10.6.0.1');
    assert.equal(r.rc, 0, `c -> a: ${r.out}${r.err}`);
    // QEMU goes away: carrier off with a logged reason; a new QEMU is accepted.
    await q.stop();
    assert.ok(await waitFor(() => handles.every((h) => !carrier(h.dev)), 5000), 'carrier off after QEMU exit');
    assert.equal(linkPriv(handles[0]!.dev).lastError, 'peer closed the connection');
    assert.ok(log.some((l) => /^a link down \(tcp:127\.0\.0\.1:\d+\): peer closed the connection$/.test(l)), log.join('\n'));
    q = start();
    assert.ok(await waitFor(() => handles.every((h) => carrier(h.dev)), 10_000), `carrier back: ${log.join('\n')}`);
    r = await pingOk(b.k, b.net, '10.6.0.3');
    assert.equal(r.rc, 0, `b -> c after reconnect: ${r.out}${r.err}`);
  } finally {
    for (const h of handles) h.close();
    await q?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A fake QEMU stream server: each accepted socket is handed to `onConn` in turn. */
async function fakeServer(onConn: (s: Socket, n: number) => void): Promise<{ server: Server; port: number }> {
  let n = 0;
  const server = createServer((s) => {
    s.on('error', () => {});
    onConn(s, n++);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  return { server, port: typeof a === 'object' && a !== null ? a.port : 0 };
}

/** A well-formed record: 4-byte length + a broadcast ARP-typed frame of `len` bytes. */
function record(len: number): Buffer {
  const b = Buffer.alloc(4 + len);
  b.writeUInt32BE(len, 0);
  b.fill(0xff, 4, 10);
  b.writeUInt16BE(0x88b5, 16); // local experimental ethertype: no protocol handler, just counted
  return b;
}

test('qemu stream client: bad length prefix and close mid-frame take carrier down with a logged reason; reconnect brings it back', { timeout: 30_000 }, async () => {
  const conns: Socket[] = [];
  let configured: () => void = () => {};
  const ready = new Promise<void>((r) => {
    configured = r;
  });
  const { server, port } = await fakeServer((s, n) => {
    conns.push(s);
    if (n === 0) {
      // Once the device is up: a good frame, then garbage whose first 4 bytes are a huge length.
      void ready.then(() => s.write(Buffer.concat([record(60), Buffer.from('GET / HTTP/1.1\r\n\r\n')])));
    } else if (n === 1) {
      // Half a frame, then the peer closes.
      s.end(record(100).subarray(0, 50));
    }
    // n >= 2: a well-behaved silent peer.
  });
  const h = realHost(21);
  const log: string[] = [];
  const link = await qemuStreamConnect(h.k, h.net, { type: 'tcp', host: '127.0.0.1', port }, { devName: 'q0', log: (m) => log.push(m) });
  try {
    await configure(h.k, h.net, 'q0', '10.7.0.1/24');
    configured();
    assert.ok(await waitFor(() => log.some((l) => l.includes('bad length prefix')), 5000), log.join('\n'));
    assert.ok(log.some((l) => /^link down \(tcp:127\.0\.0\.1:\d+\): bad length prefix 1195725856 \(0x47455420\): frames are 1\.\.69632 bytes$/.test(l)), log.join('\n'));
    assert.ok(await waitFor(() => log.some((l) => l.includes('closed mid-frame')), 5000), log.join('\n'));
    assert.ok(log.some((l) => /^link down .*: closed mid-frame: 46 of 100 bytes$/.test(l)), log.join('\n'));
    assert.ok(await waitFor(() => conns.length >= 3 && carrier(link.dev), 5000), `reconnected: ${log.join('\n')}`);
    assert.equal(link.dev.stats.rxPackets, 1, 'the one good frame was received');
    // The live peer gets our frames, framed: send a ping to a neighbour (ARP request goes out).
    const got: Buffer[] = [];
    conns[2]!.on('data', (d: Buffer) => got.push(d));
    void pingOk(h.k, h.net, '10.7.0.2', 1);
    assert.ok(await waitFor(() => Buffer.concat(got).length >= 4 + 42, 3000), 'an ARP request reached the peer');
    const wire = Buffer.concat(got);
    assert.equal(wire.readUInt32BE(0), 42, 'ARP request: 42-byte frame with a 4-byte BE length');
    assert.equal(wire.readUInt16BE(4 + 12), 0x0806);
  } finally {
    link.close();
    for (const s of conns) s.destroy();
    server.close();
  }
});

test('qemu stream server: garbage from a client closes it, the next client is accepted; a second concurrent client is refused', { timeout: 30_000 }, async () => {
  const port = await freePort();
  const h = realHost(22);
  const log: string[] = [];
  const link = await openLinkSpec(h.k, h.net, 'q0', `qemu-stream:listen:tcp:127.0.0.1:${port}`, (m) => log.push(m));
  const socks: Socket[] = [];
  const open = async (): Promise<Socket> => {
    const s = connect({ host: '127.0.0.1', port });
    s.on('error', () => {});
    socks.push(s);
    await new Promise<void>((r) => s.once('connect', () => r()));
    return s;
  };
  try {
    await configure(h.k, h.net, 'q0', '10.8.0.1/24');
    const bad = await open();
    assert.ok(await waitFor(() => carrier(link.dev), 3000), 'carrier with a client');
    const closed = new Promise<void>((r) => bad.once('close', () => r()));
    bad.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3]));
    await closed;
    assert.ok(await waitFor(() => !carrier(link.dev), 3000));
    assert.match(linkPriv(link.dev).lastError, /^bad length prefix 4294967295 /);
    const good = await open();
    assert.ok(await waitFor(() => carrier(link.dev), 3000), 'carrier back with the next client');
    const second = await open();
    const refused = await new Promise<boolean>((r) => {
      second.once('close', () => r(true));
      setTimeout(() => r(false), 3000);
    });
    assert.ok(refused, 'a second concurrent client is refused');
    assert.ok(log.some((l) => /^refusing tcp:127\.0\.0\.1:\d+: a peer is already connected$/.test(l)), log.join('\n'));
    assert.ok(carrier(link.dev), 'the first client keeps the link');
    good.write(record(60));
    good.write(record(20000)); // over MTU: a counted length error, the link stays up
    assert.ok(await waitFor(() => link.dev.stats.rxPackets === 1 && link.dev.stats.rxLengthErrors === 1, 3000));
    assert.ok(carrier(link.dev));
  } finally {
    link.close();
    for (const s of socks) s.destroy();
  }
});

test('tuxnet tap --link qemu-stream:connect:...: a tuxnet process on QEMU\'s hub answers pings, stops on SIGINT with exit 0', { skip: !haveQemu, timeout: 90_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tnxl-'));
  const script = join(dir, 'host.sh');
  writeFileSync(script, 'ip addr add 10.14.0.1/24 dev eth0\nip link set eth0 up\n');
  const [p1, p2] = [await freePort(), await freePort()];
  const q = qemu([
    `stream,id=s0,server=on,addr.type=inet,addr.host=127.0.0.1,addr.port=${p1}`,
    `stream,id=s1,server=on,addr.type=inet,addr.host=127.0.0.1,addr.port=${p2}`,
  ]);
  const cli = fileURLToPath(new URL('../src/cli.js', import.meta.url));
  let proc: ReturnType<typeof spawn> | null = null;
  let stderr = '';
  const b = realHost(81);
  let link: LinkHandle | null = null;
  try {
    assert.ok(await tcpReady(p1) && await tcpReady(p2), `qemu did not listen: ${q.stderr()}`);
    proc = spawn(process.execPath, [cli, 'tap', '--link', `eth0=qemu-stream:connect:tcp:127.0.0.1:${p1}`, '--script', script], { stdio: ['ignore', 'ignore', 'pipe'] });
    proc.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    link = await qemuStreamConnect(b.k, b.net, { type: 'tcp', host: '127.0.0.1', port: p2 }, { devName: 'eth0' });
    await configure(b.k, b.net, 'eth0', '10.14.0.2/24');
    assert.ok(await waitFor(() => stderr.includes('tuxnet tap: ready') && stderr.includes('tuxnet tap: eth0: link up'), 30_000), stderr);
    const r = await pingOk(b.k, b.net, '10.14.0.1');
    assert.equal(r.rc, 0, `${r.out}${r.err}\n${stderr}`);
    const exited = new Promise<number | null>((res) => proc!.once('exit', (code) => res(code)));
    process.kill(proc.pid!, 'SIGINT');
    assert.equal(await exited, 0, stderr);
  } finally {
    link?.close();
    if (proc?.pid !== undefined && proc.exitCode === null) process.kill(proc.pid, 'SIGKILL');
    await q.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('qemu dgram: runts and oversized datagrams are counted length errors; the link stays up and still sends', { timeout: 20_000 }, async () => {
  const peer = createSocket('udp4');
  await new Promise<void>((r) => peer.bind(0, '127.0.0.1', () => r()));
  const peerPort = peer.address().port;
  const ourPort = await freePort();
  const got: Buffer[] = [];
  peer.on('message', (m) => got.push(m));
  const h = realHost(91);
  const link = await openLinkSpec(h.k, h.net, 'd0', `qemu-dgram:127.0.0.1:${ourPort}:127.0.0.1:${peerPort}`, () => {});
  try {
    await configure(h.k, h.net, 'd0', '10.15.0.1/24');
    const send = (b: Buffer): Promise<void> => new Promise((r) => peer.send(b, ourPort, '127.0.0.1', () => r()));
    await send(Buffer.from('junk!'));
    await send(Buffer.alloc(3000, 0xff));
    await send(Buffer.alloc(0));
    assert.ok(await waitFor(() => link.dev.stats.rxLengthErrors === 3, 3000), `length errors: ${link.dev.stats.rxLengthErrors}`);
    assert.ok(carrier(link.dev));
    void pingOk(h.k, h.net, '10.15.0.2', 1);
    assert.ok(await waitFor(() => got.some((m) => m.length === 42 && m.readUInt16BE(12) === 0x0806), 3000), 'ARP request sent as one datagram');
  } finally {
    link.close();
    peer.close();
  }
});

test('qemu stream server: random bytes from one client after another never crash the link; each ends with a logged reason and the next is accepted', { timeout: 60_000 }, async () => {
  const port = await freePort();
  const h = realHost(23);
  const log: string[] = [];
  const link = await openLinkSpec(h.k, h.net, 'q0', `qemu-stream:listen:tcp:127.0.0.1:${port}`, (m) => log.push(m));
  try {
    await configure(h.k, h.net, 'q0', '10.18.0.1/24');
    const samples = fc.sample(fc.array(fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.uint8Array({ minLength: 14, maxLength: 200 }).map((f) => Buffer.concat([Buffer.from([0, 0, f.length >> 8, f.length & 0xff]), f])),
    ), { maxLength: 6 }), { numRuns: 20, seed: 5 });
    for (const chunks of samples) {
      const s = connect({ host: '127.0.0.1', port });
      s.on('error', () => {});
      await new Promise<void>((r) => s.once('connect', () => r()));
      assert.ok(await waitFor(() => carrier(link.dev), 3000), `carrier for each client: ${log.join('\n')}`);
      for (const c of chunks) s.write(c);
      s.end();
      await new Promise<void>((r) => s.once('close', () => r()));
      assert.ok(await waitFor(() => !carrier(link.dev), 3000), 'carrier off after each client');
    }
    const downs = log.filter((l) => l.startsWith('link down'));
    assert.equal(downs.length, samples.length);
    for (const l of downs) assert.match(l, /: (peer closed the connection|bad length prefix \d+ .*|closed mid-frame: .*)$/);
  } finally {
    link.close();
  }
});
