/**
 * node:net over tuxnet: connecting to nowhere (ECONNREFUSED is in net.test.ts;
 * here ETIMEDOUT through a black hole with one SYN retry on virtual time,
 * EHOSTUNREACH when ARP gets no answer, ENETUNREACH with no route, ENOTFOUND for a
 * name the namespace cannot resolve), with Node's message shapes; the lookup event
 * for localhost; socket.setTimeout on the kernel clock; setNoDelay/setKeepAlive
 * reaching the kernel socket; IPv6 literals (no IPv6 stack).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kernel, SOL_SOCKET, SO_KEEPALIVE, sys } from '../../src/index.js';
import { nodeApi } from '../../src/node/index.js';
import { VETH as TWO_NAMESPACES } from '../harness/lib_lab.js';
import { SOL_TCP, TCP_NODELAY, TCP_KEEPIDLE } from '../../src/ipv4/tcp_defs.js';

const VETH = TWO_NAMESPACES + '; ip -n a link set lo up; ip -n b link set lo up';

/* eslint-disable @typescript-eslint/no-explicit-any */

async function lab(extra = ''): Promise<{ kernel: Kernel; A: any; B: any }> {
  const kernel = new Kernel({ clock: 'virtual' });
  const r = await kernel.sh(VETH + (extra ? '; ' + extra : ''));
  assert.equal(r.status, 0, r.output);
  return { kernel, A: nodeApi(kernel.netns('a')).net, B: nodeApi(kernel.netns('b')).net };
}

/** Connect and collect what happens until 'close'. */
function outcome(socket: any): Promise<{ events: string[]; error: any; hadError: unknown }> {
  const events: string[] = [];
  let error: any = null;
  for (const e of ['lookup', 'connect', 'ready', 'timeout']) socket.on(e, () => events.push(e));
  socket.on('error', (e: any) => {
    events.push('error');
    error = e;
  });
  return new Promise((resolve) => socket.on('close', (h: unknown) => {
    events.push('close');
    resolve({ events, error, hadError: h });
  }));
}

function plain(e: any): Record<string, unknown> {
  return Object.fromEntries([['message', e.message], ...Object.entries(e)]);
}

test('ETIMEDOUT: SYNs to a MAC nobody has, one retry (net.ipv4.tcp_syn_retries=1), on virtual time', async () => {
  // A permanent neighbour entry to a MAC no one owns: the SYNs leave and vanish (no ARP
  // failure, which would be EHOSTUNREACH). A blackhole route would be EINVAL at once, as on Linux.
  const { kernel, B } = await lab('ip -n b neigh add 10.0.0.99 lladdr 02:00:00:00:00:99 dev vb nud permanent; ' +
    'ip netns exec b sysctl -qw net.ipv4.tcp_syn_retries=1');
  try {
    const t0 = kernel.core.clock.now();
    const r = await outcome(B.connect(80, '10.0.0.99'));
    assert.deepEqual(r.events, ['error', 'close']);
    assert.equal(r.hadError, true);
    assert.deepEqual(plain(r.error), {
      message: 'connect ETIMEDOUT 10.0.0.99:80', errno: -110, code: 'ETIMEDOUT', syscall: 'connect', address: '10.0.0.99', port: 80,
    });
    // 1 s initial RTO, then 2 s, then the give-up: about 3 s of kernel time.
    const s = (kernel.core.clock.now() - t0) / 1e9;
    assert.ok(s >= 2.9 && s < 10, `${s} s`);
    // A blackhole route: connect fails at once with EINVAL (Linux ip_route_connect), the synchronous shape.
    await kernel.sh('ip -n b route add blackhole 10.9.0.0/16');
    const bh = await outcome(B.connect(80, '10.9.0.1'));
    assert.equal(bh.error.message, 'connect EINVAL 10.9.0.1:80 - Local (0.0.0.0:0)');
  } finally {
    await kernel.close();
  }
});

test('EHOSTUNREACH: no ARP answer for an address on the link', async () => {
  const { kernel, B } = await lab();
  try {
    const r = await outcome(B.connect({ port: 80, host: '10.0.0.77' }));
    assert.deepEqual(r.events, ['error', 'close']);
    assert.equal(r.error.code, 'EHOSTUNREACH');
    assert.equal(r.error.message, 'connect EHOSTUNREACH 10.0.0.77:80');
    assert.equal(r.error.errno, -113);
  } finally {
    await kernel.close();
  }
});

test('ENETUNREACH: no route; reported as the synchronous error Node adds " - Local (addr:port)" to', async () => {
  const { kernel, B } = await lab();
  try {
    const r = await outcome(B.connect(80, '192.168.77.1'));
    assert.deepEqual(r.events, ['error', 'close']);
    assert.deepEqual(plain(r.error), {
      message: 'connect ENETUNREACH 192.168.77.1:80 - Local (0.0.0.0:0)', errno: -101, code: 'ENETUNREACH',
      syscall: 'connect', address: '192.168.77.1', port: 80,
    });
    // An IPv6 destination: tuxnet has no IPv6 stack, as a host without an IPv6 route.
    const v6 = await outcome(B.connect(80, '2001:db8::1'));
    assert.equal(v6.error.code, 'ENETUNREACH');
    assert.equal(v6.error.message, 'connect ENETUNREACH 2001:db8::1:80 - Local (:::0)');
  } finally {
    await kernel.close();
  }
});

test('connect with localAddress/localPort: bind errors and the "- Local" detail of async errors', async () => {
  const { kernel, B } = await lab();
  try {
    const r = await outcome(B.connect({ port: 81, host: '10.0.0.1', localAddress: '10.0.0.2', localPort: 5555 }));
    assert.deepEqual(plain(r.error), {
      message: 'connect ECONNREFUSED 10.0.0.1:81 - Local (10.0.0.2:5555)', errno: -111, code: 'ECONNREFUSED',
      syscall: 'connect', address: '10.0.0.1', port: 81, localAddress: '10.0.0.2', localPort: 5555,
    });
    const b = await outcome(B.connect({ port: 81, host: '10.0.0.1', localAddress: '10.0.0.1' }));
    assert.deepEqual(plain(b.error), {
      message: 'bind EADDRNOTAVAIL 10.0.0.1', errno: -99, code: 'EADDRNOTAVAIL', syscall: 'bind', address: '10.0.0.1',
    });
  } finally {
    await kernel.close();
  }
});

test('names: localhost resolves (lookup event), others fail with getaddrinfo ENOTFOUND asynchronously', async () => {
  const { kernel, A } = await lab();
  try {
    const srv = A.createServer((c: any) => c.end('hi'));
    await new Promise((r) => srv.listen(8080, 'localhost', r));
    assert.deepEqual(srv.address(), { address: '127.0.0.1', family: 'IPv4', port: 8080 });
    const lookups: unknown[] = [];
    const c = A.connect(8080, 'localhost');
    c.on('lookup', (...a: unknown[]) => lookups.push(a));
    let data = '';
    c.on('data', (d: Buffer) => (data += d));
    const r = await outcome(c);
    assert.deepEqual(r.events, ['lookup', 'connect', 'ready', 'close']);
    assert.deepEqual(lookups, [[null, '127.0.0.1', 4, 'localhost']]);
    assert.equal(data, 'hi');
    let sync = true;
    const n = A.connect(80, 'db.example');
    const nf = outcome(n);
    sync = false;
    const res = await nf;
    assert.equal(sync, false);
    assert.deepEqual(res.events, ['lookup', 'error', 'close']);
    assert.equal(res.hadError, true);
    assert.deepEqual(plain(res.error), {
      message: 'getaddrinfo ENOTFOUND db.example', errno: -3008, code: 'ENOTFOUND', syscall: 'getaddrinfo', hostname: 'db.example',
    });
    // listen on a name it cannot resolve: the same error on the server
    const s2 = A.createServer();
    const e2 = await new Promise<any>((resolve) => s2.on('error', resolve).listen(80, 'db.example'));
    assert.equal(e2.message, 'getaddrinfo ENOTFOUND db.example');
    await new Promise((r) => srv.close(r));
  } finally {
    await kernel.close();
  }
});

test('setTimeout: an idle socket gets "timeout" on Node\'s clock; activity keeps it off; 0 disables', async () => {
  // As node:net: the idle timeout is a Node timer (unref'd), in real milliseconds, not
  // kernel time (a virtual clock skips idle kernel time; a program's pause is real).
  const { kernel, A, B } = await lab();
  const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  try {
    let server: any;
    const srv = A.createServer((c: any) => (server = c));
    await new Promise((r) => srv.listen(80, '10.0.0.1', r));
    const c = B.connect(80, '10.0.0.1');
    await new Promise((r) => c.on('connect', r));
    let fired = 0;
    c.setTimeout(200, () => fired++);
    assert.equal(c.timeout, 200);
    await new Promise((r) => c.once('timeout', r));
    assert.equal(fired, 1);
    // 'timeout' does not close the socket (as Node): it is still open.
    assert.equal(c.destroyed, false);
    // Activity re-arms the timer: no 'timeout' while data keeps coming, one after it stops.
    let timeouts = 0;
    let dataEnded = false;
    let afterEnd = false;
    c.on('timeout', () => {
      timeouts++;
      afterEnd = dataEnded;
    });
    c.on('data', () => {});
    for (let i = 0; i < 10; i++) {
      server.write('ping');
      await pause(20);
    }
    dataEnded = true;
    await new Promise((r) => c.once('timeout', r));
    assert.deepEqual([timeouts, afterEnd], [1, true]);
    c.setTimeout(0);
    assert.equal(c.timeout, 0);
    await pause(300);
    assert.equal(timeouts, 1);
    c.destroy();
    await new Promise((r) => srv.close(r));
  } finally {
    await kernel.close();
  }
});

test('setNoDelay/setKeepAlive reach the kernel socket (before and after connect)', async () => {
  const { kernel, A, B } = await lab();
  try {
    const srv = A.createServer({ noDelay: true, keepAlive: true, keepAliveInitialDelay: 30000 }, () => {});
    await new Promise((r) => srv.listen(80, '10.0.0.1', r));
    const accepted = new Promise<any>((r) => srv.once('connection', r));
    const c = B.connect(80, '10.0.0.1');
    c.setNoDelay();
    c.setKeepAlive(true, 60000);
    await new Promise((r) => c.on('connect', r));
    const task = kernel.netns('b').task;
    assert.equal(sys.getsockopt(task, c.tuxnetFd, SOL_TCP, TCP_NODELAY), 1);
    assert.equal(sys.getsockopt(task, c.tuxnetFd, SOL_SOCKET, SO_KEEPALIVE), 1);
    assert.equal(sys.getsockopt(task, c.tuxnetFd, SOL_TCP, TCP_KEEPIDLE), 60);
    c.setNoDelay(false);
    c.setKeepAlive(false);
    assert.equal(sys.getsockopt(task, c.tuxnetFd, SOL_TCP, TCP_NODELAY), 0);
    assert.equal(sys.getsockopt(task, c.tuxnetFd, SOL_SOCKET, SO_KEEPALIVE), 0);
    const s = await accepted;
    const ta = kernel.netns('a').task;
    assert.equal(sys.getsockopt(ta, s.tuxnetFd, SOL_TCP, TCP_NODELAY), 1);
    assert.equal(sys.getsockopt(ta, s.tuxnetFd, SOL_SOCKET, SO_KEEPALIVE), 1);
    assert.equal(sys.getsockopt(ta, s.tuxnetFd, SOL_TCP, TCP_KEEPIDLE), 30);
    c.destroy();
    await new Promise((r) => srv.close(r));
  } finally {
    await kernel.close();
  }
});

test('listen: default host 0.0.0.0, "::" as 0.0.0.0, other IPv6 addresses EAFNOSUPPORT, maxConnections drops', async () => {
  const { kernel, A, B } = await lab();
  try {
    const s1 = A.createServer();
    await new Promise((r) => s1.listen(r));
    assert.equal(s1.address().address, '0.0.0.0');
    assert.ok(s1.address().port > 0);
    const s2 = A.createServer();
    await new Promise((r) => s2.listen(90, '::', r));
    assert.deepEqual(s2.address(), { address: '0.0.0.0', family: 'IPv4', port: 90 });
    const s3 = A.createServer();
    const e3 = await new Promise<any>((resolve) => s3.on('error', resolve).listen(91, '::1'));
    assert.equal(e3.message, 'listen EAFNOSUPPORT: address family not supported ::1:91');
    // maxConnections: a connection beyond it is closed at once and reported as 'drop'
    s2.maxConnections = 1;
    const drops: any[] = [];
    s2.on('drop', (d: any) => drops.push(d));
    const keep = B.connect(90, '10.0.0.1');
    await new Promise((r) => s2.once('connection', r));
    const extra = await outcome(B.connect(90, '10.0.0.1').on('data', () => {}));
    assert.ok(extra.events.includes('connect'));
    assert.equal(drops.length, 1);
    assert.equal(drops[0].remoteAddress, '10.0.0.2');
    assert.equal(drops[0].localPort, 90);
    keep.destroy();
    for (const s of [s1, s2]) await new Promise((r) => s.close(r));
  } finally {
    await kernel.close();
  }
});
