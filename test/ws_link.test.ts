/**
 * WebSocket links and `tuxnet relay`: two tuxnet hosts ping each other through the
 * relay (one frame per binary message, as v86's relay_url); a raw WebSocket client in
 * the test sees the flooded frames and sends garbage (text, runts, oversized
 * messages, non-WebSocket bytes) that the relay drops or answers without falling
 * over; a relay restart takes carrier down with a logged reason and the links
 * reconnect. A fake server breaking the WebSocket protocol takes the link down;
 * it comes back on reconnect. The v86 bus adapter joins two hosts back to back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WebSocket, WebSocketServer } from 'ws';
import { startRelay, parseListen, RELAY_FDB_MAX } from '../src/platform/node/relay.js';
import { openLinkSpec, parseLinkSpec } from '../src/platform/node/link_spec.js';
import { openWsLink } from '../src/platform/node/ws_link.js';
import { attachV86Bus, type V86Bus } from '../src/platform/browser/v86.js';
import type { LinkHandle } from '../src/platform/link_handle.js';
import { linkPriv } from '../src/drivers/link.js';
import { realHost, configure, pingOk, waitFor, carrier, freePort } from './harness/link_host.js';

async function wsClient(url: string): Promise<{ ws: WebSocket; got: Buffer[]; closed: Promise<number> }> {
  const ws = new WebSocket(url);
  const got: Buffer[] = [];
  ws.on('message', (d: Buffer, isBinary: boolean) => {
    if (isBinary) got.push(d);
  });
  ws.on('error', () => {});
  const closed = new Promise<number>((r) => ws.once('close', (code: number) => r(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, got, closed };
}

test('relay: two tuxnet hosts ping through it; a raw client sees flooded frames; garbage is dropped; restart reconnects', { timeout: 60_000 }, async () => {
  const relayLog: string[] = [];
  let relay = await startRelay({ host: '127.0.0.1', port: 0, log: (m) => relayLog.push(m) });
  const port = relay.port;
  const url = `ws://127.0.0.1:${port}/`;
  const a = realHost(31);
  const b = realHost(32);
  const log: string[] = [];
  const handles: LinkHandle[] = [];
  const raws: WebSocket[] = [];
  try {
    handles.push(await openLinkSpec(a.k, a.net, 'eth0', `ws:${url}`, (m) => log.push(`a ${m}`)));
    handles.push(await openWsLink(b.k, b.net, url, { devName: 'eth0', log: (m) => log.push(`b ${m}`) }));
    await configure(a.k, a.net, 'eth0', '10.9.0.1/24');
    await configure(b.k, b.net, 'eth0', '10.9.0.2/24');
    assert.ok(await waitFor(() => handles.every((h) => carrier(h.dev)), 5000), log.join('\n'));

    // A raw client (what v86 is to the relay): sees the broadcast ARP request as one message.
    const raw = await wsClient(url);
    raws.push(raw.ws);
    let r = await pingOk(a.k, a.net, '10.9.0.2');
    assert.equal(r.rc, 0, `${r.out}${r.err}\n${log.join('\n')}\n${relayLog.join('\n')}`);
    assert.match(r.out, /2 packets transmitted, 2 received/);
    assert.ok(await waitFor(() => raw.got.some((f) => f.length === 42 && f.readUInt16BE(12) === 0x0806), 2000), 'ARP request flooded to the raw client');
    // Learned unicast goes only to its owner: the raw client saw no ICMP.
    assert.ok(!raw.got.some((f) => f.length >= 34 && f.readUInt16BE(12) === 0x0800 && f[23] === 1), 'ICMP stayed between a and b');
    assert.ok(relay.stats.forwarded > 0);

    // Garbage: text, a runt, a non-WebSocket TCP client, an oversized message.
    const dropped = relay.stats.dropped;
    raw.ws.send('hello relay');
    raw.ws.send(Buffer.from([1, 2, 3]));
    assert.ok(await waitFor(() => relay.stats.dropped === dropped + 2, 2000), 'text and runt dropped');
    const tcpReply = await new Promise<string>((resolve) => {
      const s = connect({ host: '127.0.0.1', port });
      let text = '';
      s.on('data', (d: Buffer) => {
        text += d.toString('latin1');
      });
      s.on('error', () => resolve(text));
      s.on('close', () => resolve(text));
      s.write(Buffer.from('\x00\xff garbage that is not HTTP\r\n\r\n', 'latin1'));
      setTimeout(() => s.destroy(), 2000);
    });
    assert.match(tcpReply, /^HTTP\/1\.1 400 /, 'a non-WebSocket request gets an HTTP error');
    const big = await wsClient(url);
    raws.push(big.ws);
    big.ws.send(Buffer.alloc(200_000));
    assert.equal(await big.closed, 1009, 'oversized message: closed with 1009 (message too big)');
    r = await pingOk(b.k, b.net, '10.9.0.1');
    assert.equal(r.rc, 0, `relay still switching after garbage: ${r.out}${r.err}`);

    // Relay restart: carrier down with a logged reason, back when it returns.
    await relay.close();
    assert.ok(await waitFor(() => handles.every((h) => !carrier(h.dev)), 5000), log.join('\n'));
    assert.match(linkPriv(handles[0]!.dev).lastError, /^websocket closed \(1006\)$/);
    assert.ok(log.some((l) => l === `a link down (${url}): websocket closed (1006)`), log.join('\n'));
    relay = await startRelay({ host: '127.0.0.1', port, log: (m) => relayLog.push(m) });
    assert.ok(await waitFor(() => handles.every((h) => carrier(h.dev)), 10_000), `reconnect: ${log.join('\n')}`);
    r = await pingOk(a.k, a.net, '10.9.0.2');
    assert.equal(r.rc, 0, `after relay restart: ${r.out}${r.err}`);
  } finally {
    for (const h of handles) h.close();
    for (const w of raws) w.terminate();
    await relay.close();
  }
});

test('ws link: text messages are dropped and counted; a protocol error closes the link with a logged reason; reconnect', { timeout: 30_000 }, async () => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const addr = wss.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  let n = 0;
  let configured: () => void = () => {};
  const ready = new Promise<void>((r) => {
    configured = r;
  });
  wss.on('connection', (ws) => {
    ws.on('error', () => {});
    if (n++ === 0) {
      void ready.then(() => {
        ws.send('not a frame');
        const frame = Buffer.alloc(60);
        frame.fill(0xff, 0, 6);
        frame.writeUInt16BE(0x88b5, 12);
        ws.send(frame);
        // Then bytes that break the protocol: a frame with reserved opcode 3.
        setTimeout(() => (ws as unknown as { _socket: { write(b: Buffer): void } })._socket.write(Buffer.from([0x83, 0x00])), 100);
      });
    }
  });
  const h = realHost(41);
  const log: string[] = [];
  const link = await openWsLink(h.k, h.net, `ws://127.0.0.1:${port}/`, { devName: 'w0', log: (m) => log.push(m) });
  try {
    await configure(h.k, h.net, 'w0', '10.10.0.1/24');
    configured();
    assert.ok(await waitFor(() => log.some((l) => l.includes('link down')), 5000), log.join('\n'));
    assert.equal(link.dev.stats.rxPackets, 1, 'the binary frame was received');
    assert.ok(link.dev.coreStats.rxDropped >= 1, 'the text message was dropped and counted');
    assert.ok(log.some((l) => /^link down \(ws:\/\/127\.0\.0\.1:\d+\/\): websocket closed \(1006: Invalid WebSocket frame: invalid opcode 3\)$/.test(l)), log.join('\n'));
    assert.ok(await waitFor(() => n >= 2 && carrier(link.dev), 5000), `reconnected: ${log.join('\n')}`);
  } finally {
    link.close();
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((r) => wss.close(() => r()));
  }
});

test('v86 bus adapter: two hosts joined back to back through net0-send / net0-receive', { timeout: 20_000 }, async () => {
  // Two fake v86 buses crossed: what one VM NIC is given ("net0-receive") the other sends ("net0-send").
  const handlers = new Map<V86Bus, ((d: Uint8Array) => void)[]>();
  const makeBus = (): V86Bus & { peer?: V86Bus } => {
    const bus: V86Bus & { peer?: V86Bus } = {
      register: (name, fn) => {
        if (name === 'net0-send') handlers.set(bus, [...(handlers.get(bus) ?? []), fn]);
      },
      unregister: (name, fn) => {
        handlers.set(bus, (handlers.get(bus) ?? []).filter((f) => f !== fn));
      },
      send: (name, value) => {
        if (name !== 'net0-receive' || bus.peer === undefined) return;
        const frame = value as Uint8Array;
        // The "VM" answers asynchronously, like an emulated NIC would.
        setImmediate(() => {
          for (const f of handlers.get(bus.peer!) ?? []) f(frame);
        });
      },
    };
    return bus;
  };
  const bus1 = makeBus();
  const bus2 = makeBus();
  bus1.peer = bus2;
  bus2.peer = bus1;
  const a = realHost(51);
  const b = realHost(52);
  const na = attachV86Bus(a.k, a.net, bus1, { devName: 'vm0' });
  const nb = attachV86Bus(b.k, b.net, bus2, { devName: 'vm0' });
  try {
    await configure(a.k, a.net, 'vm0', '10.11.0.1/24');
    await configure(b.k, b.net, 'vm0', '10.11.0.2/24');
    const r = await pingOk(a.k, a.net, '10.11.0.2');
    assert.equal(r.rc, 0, `${r.out}${r.err}`);
  } finally {
    na.destroy();
    nb.destroy();
  }
  assert.equal(handlers.get(bus1)!.length, 0, 'destroy unregisters net0-send');
});

test('link specs and --listen addresses parse; bad ones say what was expected', () => {
  assert.deepEqual(parseLinkSpec('qemu-stream:connect:tcp:127.0.0.1:5555'), { kind: 'qemu-stream', mode: 'connect', addr: { type: 'tcp', host: '127.0.0.1', port: 5555 } });
  assert.deepEqual(parseLinkSpec('qemu-stream:listen:tcp:[::1]:5555'), { kind: 'qemu-stream', mode: 'listen', addr: { type: 'tcp', host: '::1', port: 5555 } });
  assert.deepEqual(parseLinkSpec('qemu-stream:listen:unix:/tmp/a:b.sock'), { kind: 'qemu-stream', mode: 'listen', addr: { type: 'unix', path: '/tmp/a:b.sock' } });
  assert.deepEqual(parseLinkSpec('qemu-dgram:127.0.0.1:5556:127.0.0.1:5557'), { kind: 'qemu-dgram', localHost: '127.0.0.1', localPort: 5556, remoteHost: '127.0.0.1', remotePort: 5557 });
  assert.deepEqual(parseLinkSpec('vde:/tmp/vde.ctl'), { kind: 'vde', sock: '/tmp/vde.ctl' });
  assert.deepEqual(parseLinkSpec('ws:ws://127.0.0.1:8086/'), { kind: 'ws', url: 'ws://127.0.0.1:8086/' });
  assert.throws(() => parseLinkSpec('qemu-stream:accept:tcp:h:1'), /expected qemu-stream:listen\|connect:tcp:HOST:PORT/);
  assert.throws(() => parseLinkSpec('qemu-stream:connect:tcp:host'), /invalid address 'host': expected HOST:PORT/);
  assert.throws(() => parseLinkSpec('qemu-stream:connect:tcp:h:70000'), /invalid port '70000'/);
  assert.throws(() => parseLinkSpec('qemu-dgram:1.2.3.4:5'), /expected qemu-dgram:LHOST:LPORT:RHOST:RPORT/);
  assert.throws(() => parseLinkSpec('ws:http://x/'), /ws:\/\/ or wss:\/\//);
  assert.throws(() => parseLinkSpec('tap0'), /invalid link 'tap0': expected qemu-stream/);
  assert.deepEqual(parseListen('127.0.0.1:8086'), { host: '127.0.0.1', port: 8086 });
  assert.deepEqual(parseListen('[::1]:8086'), { host: '::1', port: 8086 });
  assert.deepEqual(parseListen('8086'), { host: '127.0.0.1', port: 8086 });
  assert.equal(parseListen('nope'), "invalid listen address 'nope': expected HOST:PORT");
});

test('tuxnet relay: listens, switches between clients, stops on SIGTERM with exit 0; usage errors exit 2', { timeout: 60_000 }, async () => {
  const cli = fileURLToPath(new URL('../src/cli.js', import.meta.url));
  const bad = spawnSync(process.execPath, [cli, 'relay', '--listen', 'nowhere'], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(bad.status, 2);
  assert.equal(bad.stderr, "tuxnet: relay: invalid listen address 'nowhere': expected HOST:PORT\n");
  const proc = spawn(process.execPath, [cli, 'relay', '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const clients: WebSocket[] = [];
  try {
    assert.ok(await waitFor(() => /listening on ws:\/\/127\.0\.0\.1:\d+\//.test(stderr), 20_000), stderr);
    const url = /listening on (ws:\/\/\S+)/.exec(stderr)![1]!;
    const c1 = await wsClient(url);
    const c2 = await wsClient(url);
    clients.push(c1.ws, c2.ws);
    const frame = Buffer.alloc(60);
    frame.fill(0xff, 0, 6);
    frame[6] = 0x02;
    c1.ws.send(frame);
    assert.ok(await waitFor(() => c2.got.length === 1, 5000), 'broadcast reached the other client');
    assert.deepEqual(c2.got[0], frame);
    assert.equal(c1.got.length, 0, 'not echoed to the sender');
  } finally {
    for (const c of clients) c.terminate();
    if (proc.pid !== undefined && proc.exitCode === null) process.kill(proc.pid, 'SIGTERM');
  }
  assert.equal(await exited, 0, stderr);
  assert.match(stderr, /\ntuxnet relay: stopped: 0 forwarded, 1 flooded, 0 dropped, 0 queue drops\n$/);
});

test('ws link: a relay that is not up yet is retried (logged once), carrier comes when it starts', { timeout: 30_000 }, async () => {
  const port = await freePort();
  const url = `ws://127.0.0.1:${port}/`;
  const h = realHost(42);
  const log: string[] = [];
  const link = await openWsLink(h.k, h.net, url, { devName: 'w0', log: (m) => log.push(m) });
  let relay: Awaited<ReturnType<typeof startRelay>> | null = null;
  try {
    await configure(h.k, h.net, 'w0', '10.17.0.1/24');
    assert.ok(await waitFor(() => log.length > 0, 3000));
    await new Promise((r) => setTimeout(r, 800)); // several retries (100, 200, 400 ms)
    assert.deepEqual(log, [`cannot connect to ${url}: connect ECONNREFUSED 127.0.0.1:${port}; retrying`], 'one line, not one per retry');
    assert.ok(!carrier(link.dev));
    relay = await startRelay({ host: '127.0.0.1', port });
    assert.ok(await waitFor(() => carrier(link.dev), 10_000), log.join('\n'));
    assert.equal(log.at(-1), `link up (${url})`);
  } finally {
    link.close();
    await relay?.close();
  }
});

test('relay: a client sending random source MACs cannot grow the address table past RELAY_FDB_MAX', { timeout: 30_000 }, async () => {
  const relay = await startRelay({ host: '127.0.0.1', port: 0 });
  const a = await wsClient(`ws://127.0.0.1:${relay.port}/`);
  const b = await wsClient(`ws://127.0.0.1:${relay.port}/`);
  try {
    const n = RELAY_FDB_MAX + 500;
    for (let i = 0; i < n; i++) {
      const f = Buffer.alloc(60);
      f.fill(0xff, 0, 6);
      f.writeUInt32BE(0x02000000 + i, 6);
      f.writeUInt16BE(0x88b5, 12);
      a.ws.send(f);
    }
    assert.ok(await waitFor(() => relay.stats.flooded >= n, 20_000), `flooded ${relay.stats.flooded}`);
    assert.equal(relay.fdbSize(), RELAY_FDB_MAX);
  } finally {
    a.ws.terminate();
    b.ws.terminate();
    await relay.close();
  }
});
