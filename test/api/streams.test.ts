/**
 * Web-streams sockets (src/api/streams.ts, streams_udp.ts): `ns.connectTcp`, `ns.listenTcp`,
 * `ns.openUdp` over two namespaces joined by a veth pair, on the virtual clock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kernel, SystemError, type TcpConnection } from '../../src/index.js';
import { VETH, twoNamespaces as lab } from '../harness/lib_lab.js';

/** Per test: a lost wake-up (a stream that never settles) fails the test instead of hanging `npm test`. */
const T = { timeout: 60_000 };

/** Whether `p` settles before `ns` of kernel time pass: 'resolved', the rejection's code, or 'pending'. */
async function settlesWithin(kernel: Kernel, p: Promise<unknown>, ns: number): Promise<string> {
  return Promise.race([
    p.then(() => 'resolved', (e: unknown) => `rejected ${(e as { code?: string }).code ?? String(e)}`),
    kernel.core.sleep(ns).then(() => 'pending'),
  ]);
}

/** A deterministic pattern of `n` bytes (`seed` makes the two directions differ). */
function pattern(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed * 2654435761 >>> 0;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

/** Read a stream to its end. */
async function readAll(rs: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const c of rs) {
    parts.push(c);
    n += c.length;
  }
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Write `data` in chunks of `chunk` bytes, then close the writable (a half-close). */
async function writeAll(ws: WritableStream<Uint8Array>, data: Uint8Array, chunk: number): Promise<void> {
  const w = ws.getWriter();
  for (let off = 0; off < data.length; off += chunk) await w.write(data.subarray(off, off + chunk));
  await w.close();
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array): string => new TextDecoder().decode(b);

test('TCP echo: 1.5 MiB each way byte-exact, addresses, half-close ends both sides', T, async () => {
  const { kernel, a, b } = await lab();
  try {
    const listener = await b.listenTcp({ port: 7000 });
    assert.equal(listener.localAddress, '0.0.0.0');
    assert.equal(listener.localPort, 7000);
    const served: Promise<void>[] = [];
    const accepting = (async () => {
      for await (const conn of listener) {
        assert.equal(conn.remoteAddress, '10.0.0.1');
        assert.equal(conn.localAddress, '10.0.0.2');
        assert.equal(conn.localPort, 7000);
        // Echo: pipeTo closes the writable (our FIN) when the readable ends (their FIN).
        served.push(conn.readable.pipeTo(conn.writable).then(() => conn.closed));
      }
    })();
    const conn = a.connectTcp({ host: '10.0.0.2', port: 7000, noDelay: true });
    assert.equal(conn.remoteAddress, '', 'not set before opened');
    const info = await conn.opened;
    assert.equal(info.remoteAddress, '10.0.0.2');
    assert.equal(info.remotePort, 7000);
    assert.equal(info.localAddress, '10.0.0.1');
    assert.ok(info.localPort >= 32768 && info.localPort <= 60999, `ephemeral port ${info.localPort}`);
    assert.deepEqual(
      { r: conn.remoteAddress, rp: conn.remotePort, l: conn.localAddress, lp: conn.localPort },
      { r: '10.0.0.2', rp: 7000, l: '10.0.0.1', lp: info.localPort });
    const data = pattern(1536 * 1024, 1);
    const [, echoed] = await Promise.all([writeAll(conn.writable, data, 100_000), readAll(conn.readable)]);
    assert.equal(echoed.length, data.length);
    assert.ok(Buffer.compare(echoed, data) === 0, 'byte-exact echo');
    await conn.closed;
    await Promise.all(served);
    await listener.close();
    await accepting;
    await listener.closed;
  } finally {
    await kernel.close();
  }
});

test('TCP both ways at once: 1 MiB from each side, then half-closes in turn', T, async () => {
  const { kernel, a, b } = await lab();
  try {
    const listener = await b.listenTcp({ port: 8000, host: '10.0.0.2', backlog: 4 });
    assert.equal(listener.localAddress, '10.0.0.2');
    const client = a.connectTcp({ host: '10.0.0.2', port: 8000 });
    const server = await listener.accept();
    await client.opened;
    assert.deepEqual(await server.opened, { remoteAddress: '10.0.0.1', remotePort: client.localPort, localAddress: '10.0.0.2', localPort: 8000 });
    const up = pattern(1 << 20, 2);
    const down = pattern((1 << 20) + 12345, 3);
    const [gotUp, gotDown] = await Promise.all([
      readAll(server.readable), readAll(client.readable),
      writeAll(client.writable, up, 65536), writeAll(server.writable, down, 30000),
    ]);
    assert.ok(Buffer.compare(gotUp, up) === 0, 'client to server byte-exact');
    assert.ok(Buffer.compare(gotDown, down) === 0, 'server to client byte-exact');
    await Promise.all([client.closed, server.closed]);
    await listener.close();
  } finally {
    await kernel.close();
  }
});

test('TCP half-close: the client ends its request and still reads the answer', T, async () => {
  const { kernel, a, b } = await lab();
  try {
    const listener = await b.listenTcp({ port: 80 });
    const serving = (async () => {
      const conn = await listener.accept();
      const req = str(await readAll(conn.readable));
      const w = conn.writable.getWriter();
      await w.write(text(`got ${req.length} bytes: ${req}`));
      await w.close();
      await conn.closed;
    })();
    const conn = a.connectTcp({ host: '10.0.0.2', port: 80 });
    await conn.opened;
    const w = conn.writable.getWriter();
    await w.write(text('GET /'));
    await w.close();
    // After our FIN the peer still sees the connection from its side (FIN-WAIT on ours).
    const ss = await kernel.sh('ip netns exec a ss -tn');
    assert.match(ss.stdout, /FIN-WAIT-[12]\s+0\s+\d+\s+10\.0\.0\.1:\d+\s+10\.0\.0\.2:80/);
    assert.equal(str(await readAll(conn.readable)), 'got 5 bytes: GET /');
    await conn.closed;
    await serving;
    await listener.close();
  } finally {
    await kernel.close();
  }
});

test('TCP backpressure: an idle reader stalls the writer; the kernel queue stays within rcvbuf; nothing is lost', T, async () => {
  const { kernel, a, b } = await lab();
  try {
    const listener = await b.listenTcp({ port: 9000 });
    const client = a.connectTcp({ host: '10.0.0.2', port: 9000 });
    const server = await listener.accept();
    await client.opened;
    const total = 8 << 20;
    const data = pattern(total, 4);
    let accepted = 0;
    const writer = client.writable.getWriter();
    const writing = (async () => {
      for (let off = 0; off < total; off += 65536) {
        await writer.write(data.subarray(off, off + 65536));
        accepted = off + 65536;
      }
      await writer.close();
    })();
    // Nobody reads on the server. Let a lot of (virtual) time pass: retransmit and window
    // probe timers run, and the writer gets no further.
    await kernel.core.sleep(20e9);
    const stalledAt = accepted;
    await kernel.core.sleep(60e9);
    assert.equal(accepted, stalledAt, 'the writer is blocked');
    assert.ok(stalledAt < total / 2, `the writer stalled after ${stalledAt} bytes`);
    // The bytes wait in the receiver's kernel socket, bounded by its receive buffer.
    const rcvbuf = Number((await kernel.sh('cat /proc/sys/net/ipv4/tcp_rmem')).stdout.split(/\s+/)[1]);
    const ss = (await kernel.sh('ip netns exec b ss -tn state established')).stdout;
    const m = /^\s*(\d+)\s+(\d+)\s+10\.0\.0\.2:9000\s/m.exec(ss);
    assert.ok(m, ss);
    const recvQ = Number(m[1]);
    assert.ok(recvQ > 0 && recvQ <= rcvbuf, `Recv-Q ${recvQ} within rcvbuf ${rcvbuf}`);
    // The advertised window is closed (or nearly): the sender has data it cannot send.
    const sa = (await kernel.sh('ip netns exec a ss -tn state established')).stdout;
    const ms = /^\s*(\d+)\s+(\d+)\s+10\.0\.0\.1:\d+\s+10\.0\.0\.2:9000/m.exec(sa);
    assert.ok(ms && Number(ms[2]) > 0, `the sender's Send-Q holds the rest: ${sa}`);
    // Now read with a BYOB reader into our own buffer: everything arrives, in order.
    const got = new Uint8Array(total);
    const reader = server.readable.getReader({ mode: 'byob' });
    let off = 0;
    for (;;) {
      const { value, done } = await reader.read(new Uint8Array(100_000));
      if (done) break;
      got.set(value, off);
      off += value.length;
    }
    await writing;
    assert.equal(off, total);
    assert.ok(Buffer.compare(got, data) === 0, 'byte-exact after the stall');
    reader.releaseLock();
    await server.writable.close();
    // The client's read half ends once it reads the server's FIN.
    assert.equal((await readAll(client.readable)).length, 0);
    await Promise.all([client.closed, server.closed]);
    await listener.close();
  } finally {
    await kernel.close();
  }
});

test('TCP connect errors: refused, unreachable network, unknown host, IPv6; the streams fail with them', T, async () => {
  const { kernel, a } = await lab();
  try {
    const refused = a.connectTcp({ host: '10.0.0.2', port: 1 });
    await assert.rejects(refused.opened, (e: unknown) =>
      e instanceof SystemError && e.code === 'ECONNREFUSED' && e.syscall === 'connect' && e.errno === -111);
    await assert.rejects(refused.closed, { code: 'ECONNREFUSED' });
    await assert.rejects(refused.readable.getReader().read(), { code: 'ECONNREFUSED' });
    await assert.rejects(refused.writable.getWriter().write(text('x')), { code: 'ECONNREFUSED' });
    const unreach = a.connectTcp({ host: '192.168.77.1', port: 80 });
    await assert.rejects(unreach.opened, { code: 'ENETUNREACH', syscall: 'connect' });
    await assert.rejects(unreach.closed, { code: 'ENETUNREACH' });
    // Only closed looked at: opened's rejection is not an unhandled one (and vice versa).
    await assert.rejects(a.connectTcp({ host: '10.0.0.2', port: 2 }).closed, { code: 'ECONNREFUSED' });
    const nohost = a.connectTcp({ host: 'nosuch.example', port: 80 });
    await assert.rejects(nohost.opened, { code: 'ENOTFOUND', syscall: 'getaddrinfo', message: 'getaddrinfo ENOTFOUND nosuch.example' });
    const v6 = a.connectTcp({ host: '::1', port: 80 });
    await assert.rejects(v6.opened, { code: 'EAFNOSUPPORT', syscall: 'socket' });
    // No host answers ARP for 10.0.0.9: the SYN retries run out (virtual time), ETIMEDOUT as
    // on Linux (checked on a real veth pair: connect() fails after ~130 s with ETIMEDOUT).
    const silent = a.connectTcp({ host: '10.0.0.9', port: 80 });
    await assert.rejects(silent.opened, { code: 'ETIMEDOUT', syscall: 'connect' });
    await assert.rejects(silent.closed, { code: 'ETIMEDOUT' });
    // An unreachable route: EHOSTUNREACH at once.
    assert.equal((await kernel.sh('ip -n a route add unreachable 10.5.0.0/16')).status, 0);
    await assert.rejects(a.connectTcp({ host: '10.5.0.1', port: 80 }).opened, { code: 'EHOSTUNREACH', syscall: 'connect' });
  } finally {
    await kernel.close();
  }
});

test('TCP listen: EADDRINUSE, ephemeral port, local address/port of connect, closing the listener ends the loop', T, async () => {
  const { kernel, a, b } = await lab();
  try {
    const l1 = await b.listenTcp({ port: 5000 });
    await assert.rejects(b.listenTcp({ port: 5000 }), (e: unknown) =>
      e instanceof SystemError && e.code === 'EADDRINUSE' && e.syscall === 'bind');
    await assert.rejects(b.listenTcp({ port: 5000, host: '10.0.0.2' }), { code: 'EADDRINUSE' });
    await assert.rejects(b.listenTcp({ host: '10.9.9.9' }), { code: 'EADDRNOTAVAIL' });
    const l2 = await b.listenTcp();
    assert.ok(l2.localPort > 0, 'an ephemeral port');
    const conn = a.connectTcp({ host: '10.0.0.2', port: l2.localPort, localAddress: '10.0.0.1', localPort: 4444 });
    assert.equal((await conn.opened).localPort, 4444);
    const seen: TcpConnection[] = [];
    const loop = (async () => {
      for await (const c of l1) seen.push(c);
      return 'ended';
    })();
    const c2 = a.connectTcp({ host: '10.0.0.2', port: 5000 });
    await c2.opened;
    await kernel.core.sleep(1e6);
    assert.equal(seen.length, 1);
    await l1.close();
    assert.equal(await loop, 'ended', 'closing the listener ends its iteration');
    await l1.closed;
    await assert.rejects(l1.accept(), { code: 'ERR_SOCKET_CLOSED' });
    // The port is free again.
    const l3 = await b.listenTcp({ port: 5000 });
    await l3.close();
    // Breaking out of a for-await loop closes the listener, as it cancels a stream. Two
    // connections wait in l2's queue: conn's (from port 4444), then c3's.
    const c3 = a.connectTcp({ host: '10.0.0.2', port: l2.localPort });
    await c3.opened;
    for await (const c of l2) {
      assert.equal(c.remotePort, 4444, 'the loop takes the first queued connection: conn');
      await c.close();
      break;
    }
    await l2.closed;
    // conn's server side was closed: conn reads the end.
    assert.equal((await readAll(conn.readable)).length, 0);
    await conn.close();
    // c3 was still queued: closing the listener reset it (Linux: inet_csk_listen_stop()).
    await assert.rejects(c3.closed, { code: 'ECONNRESET' });
    await assert.rejects(c3.readable.getReader().read(), { code: 'ECONNRESET' });
  } finally {
    await kernel.close();
  }
});

test('TCP abort() resets the connection; close() ends a pending read; cancel() is shutdown(SHUT_RD)', T, async () => {
  const { kernel, a, b } = await lab();
  try {
    const listener = await b.listenTcp({ port: 7 });
    // abort(): the peer's read fails with ECONNRESET and its closed rejects.
    let client = a.connectTcp({ host: '10.0.0.2', port: 7 });
    let server = await listener.accept();
    await client.opened;
    const pendingRead = server.readable.getReader().read();
    await client.writable.abort(new Error('stop'));
    await client.closed;
    await assert.rejects(pendingRead, { code: 'ECONNRESET' });
    await assert.rejects(server.closed, { code: 'ECONNRESET' });
    await assert.rejects(client.readable.getReader().read(), /stop/);

    // close() with a read pending: the read ends (done), closed resolves, the peer reads EOF.
    client = a.connectTcp({ host: '10.0.0.2', port: 7 });
    server = await listener.accept();
    await client.opened;
    const reader = client.readable.getReader();
    const r = reader.read();
    await client.close();
    assert.deepEqual(await r, { value: undefined, done: true });
    await client.closed;
    assert.equal(client.fd, -1);
    await assert.rejects(client.writable.getWriter().write(text('late')), { code: 'ERR_SOCKET_CLOSED' });
    assert.equal((await readAll(server.readable)).length, 0);
    await server.close();

    // cancel() of the readable: the write half goes on; the peer gets a RST only once it
    // sends data nobody will read and we close (RFC 2525, as Linux).
    client = a.connectTcp({ host: '10.0.0.2', port: 7 });
    server = await listener.accept();
    await client.opened;
    await client.readable.cancel();
    const w = client.writable.getWriter();
    await w.write(text('still writing'));
    const sr = server.readable.getReader();
    assert.equal(str((await sr.read()).value!), 'still writing');
    await w.close();
    await client.closed;
    assert.equal((await sr.read()).done, true);
    await server.close();
    await listener.close();
  } finally {
    await kernel.close();
  }
});

test('UDP: request and response with addresses, both through the streams and send()', T, async () => {
  const { kernel, a, b } = await lab();
  try {
    const server = await b.openUdp({ port: 5353 });
    assert.equal(server.localPort, 5353);
    assert.equal(server.localAddress, '0.0.0.0');
    const client = await a.openUdp({ host: '10.0.0.1' });
    assert.equal(client.localAddress, '10.0.0.1');
    assert.ok(client.localPort > 0);
    const serving = (async () => {
      const w = server.writable.getWriter();
      for await (const d of server.readable) {
        await w.write({ data: text(`echo:${str(d.data)}`), address: d.address, port: d.port });
        if (str(d.data) === 'bye') break;
      }
      // Both halves done (the loop's break cancelled the readable): the socket closes.
      await w.close();
    })();
    const cr = client.readable.getReader();
    await client.send({ data: text('hello'), address: '10.0.0.2', port: 5353 });
    const r1 = await cr.read();
    assert.deepEqual({ data: str(r1.value!.data), address: r1.value!.address, port: r1.value!.port },
      { data: 'echo:hello', address: '10.0.0.2', port: 5353 });
    const cw = client.writable.getWriter();
    await cw.write({ data: new Uint8Array(0), address: '10.0.0.2', port: 5353 });
    assert.equal(str((await cr.read()).value!.data), 'echo:', 'an empty datagram is a datagram');
    await cw.write({ data: text('bye'), address: '10.0.0.2', port: 5353 });
    assert.equal(str((await cr.read()).value!.data), 'echo:bye');
    await serving;
    await server.closed;
    await assert.rejects(client.send({ data: text('x'), address: '192.168.77.1', port: 9 }), { code: 'ENETUNREACH' });
    await assert.rejects(client.send({ data: text('x'), address: '::1', port: 9 }), { code: 'EAFNOSUPPORT' });
    await assert.rejects(a.openUdp({ port: client.localPort, host: '10.0.0.1' }), { code: 'EADDRINUSE', syscall: 'bind' });
    // close() with a read pending: the read ends.
    const pending = cr.read();
    await client.close();
    assert.deepEqual(await pending, { value: undefined, done: true });
    await client.closed;
    await assert.rejects(client.send({ data: text('x'), address: '10.0.0.2', port: 9 }), { code: 'ERR_SOCKET_CLOSED' });
  } finally {
    await kernel.close();
  }
});

test('invalid arguments throw TypeError/RangeError with clear messages', T, async () => {
  const { kernel, a } = await lab();
  try {
    const bad = (o: unknown) => () => a.connectTcp(o as never);
    assert.throws(bad(undefined), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: 'The "options" argument must be of type object. Received undefined' });
    assert.throws(bad({ port: 80 }), { name: 'TypeError', message: 'The "options.host" property must be of type string. Received undefined' });
    assert.throws(bad({ host: 42, port: 80 }), { name: 'TypeError', message: 'The "options.host" property must be of type string. Received type number (42)' });
    assert.throws(bad({ host: '10.0.0.2' }), { name: 'TypeError', message: /"options.port" property must be of type number. Received undefined/ });
    assert.throws(bad({ host: '10.0.0.2', port: '80' }), { name: 'TypeError', message: /Received type string \('80'\)/ });
    assert.throws(bad({ host: '10.0.0.2', port: 80.5 }), { name: 'RangeError', code: 'ERR_SOCKET_BAD_PORT', message: 'options.port should be > 0 and < 65536. Received type number (80.5).' });
    assert.throws(bad({ host: '10.0.0.2', port: 0 }), RangeError);
    assert.throws(bad({ host: '10.0.0.2', port: 65536 }), RangeError);
    assert.throws(bad({ host: '10.0.0.2', port: 80, localPort: -1 }), RangeError);
    assert.throws(bad({ host: '10.0.0.2', port: 80, localAddress: 'me' }), { name: 'TypeError', code: 'ERR_INVALID_IP_ADDRESS', message: 'Invalid IP address: me' });
    assert.throws(bad({ host: '10.0.0.2', port: 80, noDelay: 1 }), TypeError);
    assert.throws(bad({ host: '', port: 80 }), TypeError);
    await assert.rejects(a.listenTcp({ port: 70000 }), RangeError);
    await assert.rejects(a.listenTcp({ port: 80, backlog: -1 }), RangeError);
    await assert.rejects(a.listenTcp({ host: 7 } as never), { name: 'TypeError', message: /"options.host" property must be of type string/ });
    await assert.rejects(a.listenTcp(null as never), TypeError);
    await assert.rejects(a.openUdp({ port: 1.5 }), RangeError);
    await assert.rejects(a.openUdp({ host: 'x.y' }), { code: 'ENOTFOUND', syscall: 'getaddrinfo' });
    await assert.rejects(a.listenTcp({ host: 'x.y' }), { code: 'ENOTFOUND' });
    const u = await a.openUdp();
    await assert.rejects(u.send({ data: 'str', address: '10.0.0.2', port: 9 } as never), { name: 'TypeError', message: /"datagram.data" property must be an instance of Uint8Array/ });
    await assert.rejects(u.send({ data: text('x'), address: 'somewhere', port: 9 }), { code: 'ENOTFOUND', hostname: 'somewhere' });
    await assert.rejects(u.send({ data: text('x'), address: '10.0.0.2', port: 0 }), RangeError);
    await assert.rejects(u.send(null as never), TypeError);
    // A bad chunk errors the writable with the TypeError.
    const l = await kernel.netns('b').listenTcp({ port: 1234 });
    const c = a.connectTcp({ host: '10.0.0.2', port: 1234 });
    await c.opened;
    await assert.rejects(c.writable.getWriter().write('text' as never), { name: 'TypeError', message: /"chunk" argument must be an instance of Uint8Array/ });
    await l.close();
  } finally {
    await kernel.close();
  }
});

test('kernel.close() ends everything: listeners, connections with pending reads and writes, UDP sockets', T, async () => {
  const { kernel, a, b } = await lab();
  const listener = await b.listenTcp({ port: 7000 });
  const loop = (async () => {
    const got: TcpConnection[] = [];
    for await (const c of listener) got.push(c);
    return got;
  })();
  const client = a.connectTcp({ host: '10.0.0.2', port: 7000 });
  await client.opened;
  const pendingRead = client.readable.getReader().read();
  // A writer stuck on a peer that does not read.
  const w = client.writable.getWriter();
  const big = new Uint8Array(16 << 20);
  const pendingWrite = w.write(big);
  const udp = await a.openUdp({ port: 99 });
  const udpRead = udp.readable.getReader().read();
  await kernel.core.sleep(1e9);
  await kernel.close();
  assert.equal((await loop).length, 1);
  await listener.closed;
  assert.deepEqual(await pendingRead, { value: undefined, done: true });
  await assert.rejects(pendingWrite, { code: 'ERR_SOCKET_CLOSED' });
  await client.closed;
  assert.deepEqual(await udpRead, { value: undefined, done: true });
  await udp.closed;
});

test('TCP reset while nobody reads or writes: closed rejects ECONNRESET, later writes and reads report it; a reset after the peer FIN reaches writer.close()', T, async () => {
  const { kernel, a, b } = await lab();
  try {
    const listener = await b.listenTcp({ port: 7 });
    const client = a.connectTcp({ host: '10.0.0.2', port: 7 });
    const server = await listener.accept();
    await client.opened;
    // The server resets (abort: RST) while the client neither reads nor writes.
    await server.writable.abort(new Error('bye'));
    assert.equal(await settlesWithin(kernel, client.closed, 1e9), 'rejected ECONNRESET');
    await assert.rejects(client.closed, (e: unknown) => e instanceof SystemError && e.syscall === 'read' && e.errno === -104);
    const cw = client.writable.getWriter();
    await assert.rejects(cw.write(text('late')), { code: 'ECONNRESET' });
    await assert.rejects(cw.closed, { code: 'ECONNRESET' });
    await assert.rejects(client.readable.getReader().read(), { code: 'ECONNRESET' });
    assert.equal(client.fd, -1, 'the descriptor is closed');

    // After the peer's FIN the watch has ended; a reset then waits in the kernel (sk_err:
    // EPIPE in CLOSE-WAIT, Linux's tcp_reset()) until the next syscall. Ending our half
    // reports it, not shutdown(2)'s own ENOTCONN on the reset socket.
    const c1 = a.connectTcp({ host: '10.0.0.2', port: 7 });
    const s1 = await listener.accept();
    await c1.opened;
    await s1.writable.close();
    const w1 = c1.writable.getWriter();
    await w1.write(text('unread')); // s1 never reads it: its close resets
    await kernel.core.sleep(1e6);
    await s1.close();
    await kernel.core.sleep(1e6);
    await assert.rejects(w1.close(), { code: 'EPIPE' });
    await assert.rejects(c1.closed, { code: 'EPIPE' });

    // The peer's FIN with data left unread: the watch reads nothing and closed waits for the reader.
    const c2 = a.connectTcp({ host: '10.0.0.2', port: 7 });
    const s2 = await listener.accept();
    await c2.opened;
    const sw = s2.writable.getWriter();
    await sw.write(text('last words'));
    await sw.close();
    assert.equal(await settlesWithin(kernel, c2.closed, 1e9), 'pending');
    const ss = (await kernel.sh('ip netns exec a ss -tn')).stdout;
    // Recv-Q is rcv_nxt - copied_seq: the 10 bytes and the FIN's sequence number, as Linux shows it.
    assert.match(ss, /CLOSE-WAIT\s+11\s+0\s+10\.0\.0\.1:\d+\s+10\.0\.0\.2:7\s/, 'the 10 bytes wait in the kernel');
    assert.equal(str(await readAll(c2.readable)), 'last words');
    await c2.writable.close();
    assert.equal((await readAll(s2.readable)).length, 0);
    await Promise.all([c2.closed, s2.closed]);
    await listener.close();
  } finally {
    await kernel.close();
  }
});

test('TCP abort() with a write blocked on a full window resets at once; close() during the handshake', T, async () => {
  const { kernel, a, b } = await lab();
  try {
    const listener = await b.listenTcp({ port: 7 });
    const client = a.connectTcp({ host: '10.0.0.2', port: 7 });
    const server = await listener.accept();
    await client.opened;
    const w = client.writable.getWriter();
    // 16 MiB in one write: more than both buffers hold, and the server does not read.
    const stuck = w.write(new Uint8Array(16 << 20));
    await kernel.core.sleep(5e9);
    const reason = new Error('give up');
    await w.abort(reason);
    await assert.rejects(stuck, (e: unknown) => e === reason);
    await client.closed;
    await assert.rejects(readAll(server.readable), { code: 'ECONNRESET' });
    await assert.rejects(server.closed, { code: 'ECONNRESET' });

    // close() while the SYN goes unanswered (nobody owns 10.0.0.9): opened rejects, closed resolves.
    const pending = a.connectTcp({ host: '10.0.0.9', port: 7 });
    await kernel.core.sleep(1e6);
    await pending.close();
    await assert.rejects(pending.opened, { code: 'ERR_SOCKET_CLOSED_BEFORE_CONNECTION', message: 'Socket closed before the connection was established' });
    await pending.closed;
    await listener.close();
  } finally {
    await kernel.close();
  }
});

test('TCP request/response: 200 small exchanges, each answer read as it arrives', T, async () => {
  const { kernel, a, b } = await lab();
  try {
    const listener = await b.listenTcp({ port: 6379 });
    const serving = (async () => {
      const conn = await listener.accept();
      const w = conn.writable.getWriter();
      for await (const chunk of conn.readable) await w.write(text(`+${str(chunk).trim().toUpperCase()}\r\n`));
      await w.close();
    })();
    const conn = a.connectTcp({ host: '10.0.0.2', port: 6379, noDelay: true });
    await conn.opened;
    const w = conn.writable.getWriter();
    const r = conn.readable.getReader();
    for (let i = 0; i < 200; i++) {
      await w.write(text(`ping ${i}\r\n`));
      const { value } = await r.read();
      assert.equal(str(value!), `+PING ${i}\r\n`, 'one answer per request, exactly its bytes');
    }
    await w.close();
    assert.equal((await r.read()).done, true);
    await conn.closed;
    await serving;
    await listener.close();
  } finally {
    await kernel.close();
  }
});

test('real clock: an echo over the web-streams sockets, and the process can exit', T, async () => {
  const kernel = new Kernel({ clock: 'real' });
  try {
    await kernel.sh(VETH);
    const listener = await kernel.netns('b').listenTcp({ port: 7 });
    void (async () => {
      for await (const c of listener) void c.readable.pipeTo(c.writable).catch(() => {});
    })();
    const conn = kernel.netns('a').connectTcp({ host: '10.0.0.2', port: 7 });
    await conn.opened;
    const data = pattern(256 * 1024, 9);
    const [, echoed] = await Promise.all([writeAll(conn.writable, data, 16384), readAll(conn.readable)]);
    assert.ok(Buffer.compare(echoed, data) === 0);
    await conn.closed;
  } finally {
    await kernel.close();
  }
});

test('UDP backpressure: unread datagrams wait in the kernel socket, which drops (RcvbufErrors) when full', T, async () => {
  const { kernel, a, b } = await lab();
  try {
    const server = await b.openUdp({ port: 9999 });
    const client = await a.openUdp();
    const sent = 2000;
    for (let i = 0; i < sent; i++) {
      const d = new Uint8Array(1000);
      d[0] = i & 255;
      d[1] = i >> 8;
      await client.send({ data: d, address: '10.0.0.2', port: 9999 });
      // Paced (1 ms every 10 datagrams, ~10 MB/s): a library that reads ahead into JS
      // between the sends keeps up and the kernel drops nothing; only datagrams left in the
      // kernel socket (nobody pulls) overflow it.
      if (i % 10 === 9) await kernel.core.sleep(1e6);
    }
    await kernel.core.sleep(1e9);
    const snmp = (await kernel.sh('ip netns exec b cat /proc/net/snmp')).stdout.split('\n').filter((l) => l.startsWith('Udp:'));
    const names = snmp[0]!.split(/\s+/);
    const values = snmp[1]!.split(/\s+/).map(Number);
    const rcvbufErrors = values[names.indexOf('RcvbufErrors')]!;
    assert.ok(rcvbufErrors > 0, 'the kernel dropped what did not fit');
    // What was queued reads back in order, then the reader would wait: close ends it.
    const r = server.readable.getReader();
    let got = 0;
    let last = -1;
    while (got < sent - rcvbufErrors) {
      const { value } = await r.read();
      const n = value!.data[0]! | (value!.data[1]! << 8);
      assert.ok(n > last, 'in order');
      last = n;
      got++;
    }
    assert.equal(got + rcvbufErrors, sent);
    const more = r.read();
    await server.close();
    assert.equal((await more).done, true);
  } finally {
    await kernel.close();
  }
});
