/**
 * node:dgram over tuxnet (src/node/dgram.ts), the parts with no loopback twin: udp6
 * without an IPv6 stack, virtual time behind a netem delay, the kernel closing its
 * sockets, name lookup in a namespace, bursts, a port freed by close() at once,
 * broadcast and multicast on the veth, AbortSignal, and ref/unref keeping a Node
 * process alive.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Kernel } from '../../src/index.js';
import { VETH as TWO_NAMESPACES } from '../harness/lib_lab.js';
import { closeAll as closed } from '../harness/dgram_util.js';
import { nodeApi, type DgramSocket, type DgramModule } from '../../src/node/index.js';

const VETH = TWO_NAMESPACES + '; ip -n a link set lo up; ip -n b link set lo up';

async function lab(extra = ''): Promise<{ kernel: Kernel; A: DgramModule; B: DgramModule }> {
  const kernel = new Kernel({ seed: 5 });
  const r = await kernel.sh(VETH + (extra ? '; ' + extra : ''));
  assert.equal(r.status, 0, r.output);
  return { kernel, A: nodeApi(kernel.netns('a')).dgram, B: nodeApi(kernel.netns('b')).dgram };
}

function once<T extends unknown[] = unknown[]>(emitter: DgramSocket, event: string): Promise<T> {
  return new Promise((resolve) => emitter.once(event, (...a: unknown[]) => resolve(a as T)));
}

function bound(s: DgramSocket, port = 0, address?: string): Promise<number> {
  return new Promise((resolve) => s.bind(port, address, () => resolve(s.address().port)));
}


test('udp6: created, but bind fails as on a kernel without IPv6 (bind EAFNOSUPPORT ::); a send gets the same error', async () => {
  const { kernel, A } = await lab();
  try {
    const s = A.createSocket('udp6');
    assert.equal(s.type, 'udp6');
    s.bind();
    const [e] = await once<[NodeJS.ErrnoException & { address?: string }]>(s, 'error');
    assert.equal(e.message, 'bind EAFNOSUPPORT ::');
    assert.deepEqual([e.code, e.errno, e.syscall, e.address], ['EAFNOSUPPORT', -97, 'bind', '::']);
    const t = A.createSocket({ type: 'udp6' });
    let called = false;
    t.send('x', 1234, '::1', () => { called = true; });
    const [e2] = await once<[Error]>(t, 'error');
    assert.equal(e2.message, 'bind EAFNOSUPPORT ::');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(called, false, 'the queued send is dropped with the failed bind');
    await closed(s, t);
  } finally {
    await kernel.close();
  }
});

test('virtual time: a request/response across a 1 s netem delay completes; the pending receive lets the clock jump', async () => {
  const { kernel, A, B } = await lab('ip netns exec a tc qdisc add dev va root netem delay 1s');
  try {
    const srv = B.createSocket('udp4', (msg, rinfo) => srv.send(msg, rinfo.port, rinfo.address));
    const port = await bound(srv, 7000);
    const cli = A.createSocket('udp4');
    const t0 = kernel.core.clock.now();
    const reply = once<[Buffer]>(cli, 'message');
    cli.send('ping', port, '10.0.0.2');
    const [msg] = await reply;
    assert.equal(msg.toString(), 'ping');
    assert.ok(kernel.core.clock.now() - t0 >= 1e9, 'the virtual clock moved past the delay');
    await closed(cli, srv);
  } finally {
    await kernel.close();
  }
});

test('kernel.close() closes the sockets: close events, then Not running', async () => {
  const { kernel, A } = await lab();
  const s = A.createSocket('udp4');
  await bound(s);
  const never = A.createSocket('udp4');
  const c1 = once(s, 'close');
  const c2 = once(never, 'close');
  await kernel.close();
  await Promise.all([c1, c2]);
  assert.throws(() => s.send('x', 1, '10.0.0.2'), { code: 'ERR_SOCKET_DGRAM_NOT_RUNNING' });
});

test('lookup: localhost and literals resolve in the namespace, other names ENOTFOUND; a lookup option is used', async () => {
  const { kernel, A } = await lab();
  try {
    const r = A.createSocket('udp4');
    const port = await bound(r, 0, 'localhost');
    assert.equal(r.address().address, '127.0.0.1');
    const s = A.createSocket('udp4');
    const got = once<[Buffer, { address: string }]>(r, 'message');
    s.send('hi', port, 'localhost');
    const [, rinfo] = await got;
    assert.equal(rinfo.address, '127.0.0.1');
    const e = await new Promise<NodeJS.ErrnoException & { hostname?: string }>((resolve) => s.send('x', port, 'nosuch.invalid', (err) => resolve(err!)));
    assert.deepEqual([e.message, e.code, e.errno, e.syscall, e.hostname],
      ['getaddrinfo ENOTFOUND nosuch.invalid', 'ENOTFOUND', -3008, 'getaddrinfo', 'nosuch.invalid']);
    const b = A.createSocket('udp4');
    b.bind(0, 'nosuch.invalid');
    const [be] = await once<[Error]>(b, 'error');
    assert.equal(be.message, 'getaddrinfo ENOTFOUND nosuch.invalid');
    assert.throws(() => A.createSocket('udp4').bind(0, 5 as unknown as string), { code: 'ERR_INVALID_ARG_TYPE' });
    const asked: unknown[] = [];
    const l = A.createSocket({
      type: 'udp4',
      lookup: (host: string, family: number, cb: (e: Error | null, a: string, f: number) => void) => {
        asked.push([host, family]);
        cb(null, '127.0.0.1', 4);
      },
    } as never);
    const got2 = once<[Buffer]>(r, 'message');
    l.send('via lookup', port, 'server.example');
    assert.equal((await got2)[0].toString(), 'via lookup');
    assert.deepEqual(asked, [['0.0.0.0', 4], ['server.example', 4]]);
    await closed(r, s, b, l);
  } finally {
    await kernel.close();
  }
});

test('a burst of 300 datagrams arrives complete and in order (read in batches across event-loop turns)', async () => {
  const { kernel, A, B } = await lab();
  try {
    const srv = B.createSocket({ type: 'udp4', recvBufferSize: 1024 * 1024 });
    const port = await bound(srv);
    const seen: number[] = [];
    const all = new Promise<void>((resolve) => srv.on('message', (m) => {
      seen.push(m.readUInt32BE(0));
      if (seen.length === 300) resolve();
    }));
    const cli = A.createSocket('udp4');
    for (let i = 0; i < 300; i++) {
      const b = Buffer.alloc(64);
      b.writeUInt32BE(i, 0);
      cli.send(b, port, '10.0.0.2');
    }
    await all;
    assert.deepEqual(seen, Array.from({ length: 300 }, (_, i) => i));
    await closed(cli, srv);
  } finally {
    await kernel.close();
  }
});

test('close() frees the port at once: a new socket binds it right away and receives (not the old socket)', async () => {
  const { kernel, A, B } = await lab();
  try {
    const old = B.createSocket('udp4');
    let oldGot = 0;
    old.on('message', () => { oldGot++; });
    const port = await bound(old, 5353);
    old.close();
    const fresh = B.createSocket('udp4');
    await bound(fresh, port);
    const got = once<[Buffer]>(fresh, 'message');
    const cli = A.createSocket('udp4');
    cli.send('to the new one', port, '10.0.0.2');
    assert.equal((await got)[0].toString(), 'to the new one');
    assert.equal(oldGot, 0);
    await closed(cli, fresh);
  } finally {
    await kernel.close();
  }
});

test('broadcast on the veth with setBroadcast(true); multicast: membership before bind binds implicitly, later bind() is EINVAL', async () => {
  const { kernel, A, B } = await lab();
  try {
    const srv = B.createSocket('udp4');
    const port = await bound(srv, 6000);
    const cli = A.createSocket('udp4');
    await bound(cli);
    const refused = await new Promise<Error | null>((resolve) => cli.send('b', port, '10.0.0.255', resolve));
    assert.equal(refused?.message, `send EACCES 10.0.0.255:${port}`);
    cli.setBroadcast(true);
    const got = once<[Buffer, { address: string }]>(srv, 'message');
    cli.send('bcast', port, '10.0.0.255');
    const [m, rinfo] = await got;
    assert.deepEqual([m.toString(), rinfo.address], ['bcast', '10.0.0.1']);
    const g = B.createSocket('udp4');
    g.addMembership('239.1.2.3', '10.0.0.2');
    assert.equal(g.address().address, '0.0.0.0');
    g.bind(0);
    const [e] = await once<[Error]>(g, 'error');
    assert.equal(e.message, 'bind EINVAL 0.0.0.0');
    await closed(srv, cli, g);
  } finally {
    await kernel.close();
  }
});

test('options.signal: aborting closes the socket', async () => {
  const { kernel, A } = await lab();
  try {
    const ac = new AbortController();
    const s = A.createSocket({ type: 'udp4', signal: ac.signal });
    await bound(s);
    const c = once(s, 'close');
    ac.abort();
    await c;
    assert.throws(() => s.address(), { code: 'ERR_SOCKET_DGRAM_NOT_RUNNING' });
    const pre = new AbortController();
    pre.abort();
    const t = A.createSocket({ type: 'udp4', signal: pre.signal });
    await once(t, 'close');
  } finally {
    await kernel.close();
  }
});

test('ref/unref: a bound ref\'d socket keeps the process alive, an unref\'d one does not', () => {
  const index = fileURLToPath(new URL('../../src/index.js', import.meta.url));
  const node = fileURLToPath(new URL('../../src/node/index.js', import.meta.url));
  const prog = (unref: boolean): string => `
    import { Kernel } from ${JSON.stringify(index)};
    import { nodeApi } from ${JSON.stringify(node)};
    const kernel = new Kernel();
    const s = nodeApi(kernel.netns()).dgram.createSocket('udp4');
    s.bind(0, () => {
      console.log('bound');
      ${unref ? 's.unref();' : ''}
      // Only the socket can keep the process alive until this unref'd timer fires.
      setTimeout(() => { console.log('timer'); s.close(() => kernel.close()); }, 50).unref();
    });
  `;
  const run = (unref: boolean): string => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', prog(unref)], { encoding: 'utf8', timeout: 20000 });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  assert.equal(run(false), 'bound\ntimer\n');
  assert.equal(run(true), 'bound\n');
});

test('a full send buffer: datagrams wait in the handle\'s send queue (getSendQueueCount/Size) and go out in order; close() cancels the rest', async () => {
  // netem slots hold the skbs (still charged to the socket) until their slot: the 8 KiB send buffer fills.
  const { kernel, A, B } = await lab('ip netns exec a tc qdisc add dev va root netem slot 100ms 100ms packets 10');
  try {
    const srv = B.createSocket('udp4');
    const seen: number[] = [];
    srv.on('message', (m) => seen.push(m.readUInt32BE(0)));
    const port = await bound(srv);
    const cli = A.createSocket({ type: 'udp4', sendBufferSize: 4096 });
    const results: unknown[] = [];
    const sent = Promise.all(Array.from({ length: 60 }, (_, i) => new Promise<void>((resolve) => {
      const b = Buffer.alloc(1000);
      b.writeUInt32BE(i, 0);
      cli.send(b, port, '10.0.0.2', (e, n) => {
        results[i] = e ? e.message : n;
        resolve();
      });
    })));
    await once(cli, 'listening');
    await new Promise((resolve) => setImmediate(resolve));
    const queued = cli.getSendQueueCount();
    assert.ok(queued > 0, 'some datagrams wait for room');
    assert.equal(cli.getSendQueueSize(), queued * 1000);
    await sent;
    assert.deepEqual(results, Array(60).fill(1000));
    assert.equal(cli.getSendQueueCount(), 0);
    while (seen.length < 60) await kernel.sh('sleep 0.1');
    assert.deepEqual(seen, Array.from({ length: 60 }, (_, i) => i));
    // Close with datagrams still queued: their callbacks get ECANCELED, as libuv's uv_close gives them.
    const errs: string[] = [];
    for (let i = 0; i < 40; i++) cli.send(Buffer.alloc(1000), port, '10.0.0.2', (e) => { if (e) errs.push(e.message); });
    await new Promise((resolve) => setImmediate(resolve));
    const left = cli.getSendQueueCount();
    assert.ok(left > 0);
    await closed(cli);
    assert.deepEqual(errs, Array(left).fill(`send ECANCELED 10.0.0.2:${port}`));
    await closed(srv);
  } finally {
    await kernel.close();
  }
});
