/**
 * fetch over tuxnet (src/node/fetch.ts): undici's fetch in namespace b to tuxnet's
 * http/https servers in namespace a over a veth pair, on a virtual clock; the errors
 * are compared with what the same fetch gives on the host's loopback (127.0.0.1).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket as NodeSocket } from 'node:net';
import { Agent, fetch as undiciFetch, getGlobalDispatcher } from 'undici';
import { Kernel } from '../../src/index.js';
import { nodeApi } from '../../src/node/index.js';

const certs = new URL('../../../examples/node/certs/', import.meta.url);
const cert = readFileSync(new URL('cert.pem', certs));
const key = readFileSync(new URL('key.pem', certs));

async function lab(): Promise<Kernel> {
  const kernel = new Kernel({ clock: 'virtual', seed: 1 });
  const r = await kernel.sh(['ip netns add a', 'ip netns add b', 'ip link add veth0 netns a type veth peer name veth1 netns b',
    'ip -n a addr add 10.0.0.1/24 dev veth0', 'ip -n b addr add 10.0.0.2/24 dev veth1',
    'ip -n a link set veth0 up', 'ip -n b link set veth1 up', 'sleep 1'].join('\n'));
  assert.equal(r.status, 0, r.output);
  return kernel;
}

function echo(req: http.IncomingMessage, res: http.ServerResponse): void {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c: string) => { body += c; });
  req.on('end', () => {
    res.setHeader('content-type', 'application/json');
    res.setHeader('x-test', 'yes');
    res.end(JSON.stringify({ method: req.method, url: req.url, from: req.socket.remoteAddress, body,
      ct: req.headers['content-type'] ?? null }));
  });
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve) => server.listen(port, host, () => resolve()));
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** One turn of the event loop (setImmediate). */
function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The error fetch rejects with, and its cause. */
async function fetchError(p: Promise<unknown>): Promise<{ err: Error; cause: Record<string, unknown> }> {
  try {
    await p;
  } catch (err) {
    return { err: err as Error, cause: (err as { cause: Record<string, unknown> }).cause };
  }
  assert.fail('fetch did not fail');
}

test('fetch from namespace b to http.createServer in namespace a: GET, POST, status, headers, keep-alive', async () => {
  const kernel = await lab();
  const a = nodeApi(kernel.netns('a'));
  const b = nodeApi(kernel.netns('b'));
  const server = a.http.createServer(echo);
  let connections = 0;
  server.on('connection', () => connections++);
  await listen(server, 8080, '10.0.0.1');

  const r1 = await b.fetch('http://10.0.0.1:8080/hello?x=1');
  assert.equal(r1.status, 200);
  assert.equal(r1.headers.get('content-type'), 'application/json');
  assert.equal(r1.headers.get('x-test'), 'yes');
  assert.deepEqual(await r1.json(), { method: 'GET', url: '/hello?x=1', from: '10.0.0.2', body: '', ct: null });
  // undici returns a keep-alive connection to its pool from a setImmediate (client-h1.js,
  // onMessageComplete): let one pass, as any I/O wait does, and the next request reuses it.
  await turn();

  const r2 = await b.fetch('http://10.0.0.1:8080/post', { method: 'POST', body: JSON.stringify({ n: 1 }),
    headers: { 'content-type': 'application/json' } });
  assert.deepEqual(await r2.json(), { method: 'POST', url: '/post', from: '10.0.0.2', body: '{"n":1}',
    ct: 'application/json' });
  await turn();

  // A large body both ways.
  const big = 'x'.repeat(300_000);
  const r3 = await b.fetch('http://10.0.0.1:8080/big', { method: 'PUT', body: big });
  assert.equal(((await r3.json()) as { body: string }).body, big);
  assert.equal(connections, 1);

  await closeServer(server);
  await kernel.close();
});

test('back-to-back sequential fetches use as many keep-alive connections as on the host loopback', async () => {
  const count = async (listenOn: (s: http.Server) => Promise<string>, get: (url: string) => Promise<Response | unknown>,
    server: http.Server): Promise<number> => {
    let connections = 0;
    server.on('connection', () => connections++);
    const base = await listenOn(server);
    for (let i = 0; i < 20; i++) await ((await get(`${base}/${i}`)) as Response).text();
    await closeServer(server);
    return connections;
  };
  const hostAgent = new Agent();
  const host = await count(async (s) => {
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
    return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  }, (url) => undiciFetch(url, { dispatcher: hostAgent }), http.createServer(echo));
  await hostAgent.close();

  const kernel = await lab();
  const a = nodeApi(kernel.netns('a'));
  const b = nodeApi(kernel.netns('b'));
  const tux = await count(async (s) => {
    await listen(s, 8080, '10.0.0.1');
    return 'http://10.0.0.1:8080';
  }, (url) => b.fetch(url), a.http.createServer(echo));
  // undici frees a connection from a setImmediate: the second request finds the first
  // connection busy, the third finds it free again (2 on Linux).
  assert.equal(tux, host);
  await kernel.close();
});

test('the status and body of a 404 and of a streamed response', async () => {
  const kernel = await lab();
  const a = nodeApi(kernel.netns('a'));
  const b = nodeApi(kernel.netns('b'));
  const server = a.http.createServer((req, res) => {
    if (req.url === '/stream') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      for (let i = 0; i < 20; i++) res.write(Buffer.alloc(50_000, i));
      res.end();
      return;
    }
    res.writeHead(404, 'Nope').end('gone');
  });
  await listen(server, 80, '10.0.0.1');
  const r = await b.fetch('http://10.0.0.1/none');
  assert.equal(r.status, 404);
  assert.equal(r.statusText, 'Nope');
  assert.equal(await r.text(), 'gone');
  const s = await b.fetch('http://10.0.0.1/stream');
  let n = 0;
  let sum = 0;
  for await (const chunk of s.body as AsyncIterable<Uint8Array>) {
    n += chunk.length;
    for (const x of chunk) sum += x;
  }
  assert.equal(n, 1_000_000);
  assert.equal(sum, 50_000 * (19 * 20) / 2);
  await closeServer(server);
  await kernel.close();
});

test('https: a self-signed certificate is refused as on the host, and trusted through connect.ca', async () => {
  // The host's answer, on 127.0.0.1.
  const hostServer = https.createServer({ key, cert }, echo);
  await new Promise<void>((resolve) => hostServer.listen(0, '127.0.0.1', () => resolve()));
  const hostPort = (hostServer.address() as AddressInfo).port;
  const hostAgent = new Agent();
  const hostErr = await fetchError(undiciFetch(`https://127.0.0.1:${hostPort}/`, { dispatcher: hostAgent }));
  await hostAgent.close();
  await new Promise((resolve) => hostServer.close(resolve));

  const kernel = await lab();
  const a = nodeApi(kernel.netns('a'));
  const b = nodeApi(kernel.netns('b'));
  const server = a.https.createServer({ key, cert }, (req, res) => {
    res.end(`${(req.socket as unknown as { getProtocol(): string }).getProtocol()} ${req.url} ${req.socket.remoteAddress}`);
  });
  await listen(server, 443, '10.0.0.1');
  const tuxErr = await fetchError(b.fetch('https://10.0.0.1/'));
  assert.equal(tuxErr.err.message, hostErr.err.message);
  assert.equal(tuxErr.err.constructor, hostErr.err.constructor);
  assert.equal(tuxErr.cause.code, hostErr.cause.code);
  assert.equal(tuxErr.cause.code, 'DEPTH_ZERO_SELF_SIGNED_CERT');

  let connected: { remoteAddress?: string; remotePort?: number; localAddress?: string } = {};
  const trusting = b.dispatcher({ connect: { ca: cert } });
  // undici publishes each new connection's socket on this diagnostics channel.
  const onConnected = (m: unknown): void => {
    const s = (m as { socket: { remoteAddress?: string; remotePort?: number; localAddress?: string } }).socket;
    connected = { remoteAddress: s.remoteAddress, remotePort: s.remotePort, localAddress: s.localAddress };
  };
  diagnostics.subscribe('undici:client:connected', onConnected);
  const r = await b.fetch('https://10.0.0.1/secure', { dispatcher: trusting });
  diagnostics.unsubscribe('undici:client:connected', onConnected);
  // The TLS socket undici got has the addresses of the TCP connection under it.
  assert.deepEqual(connected, { remoteAddress: '10.0.0.1', remotePort: 443, localAddress: '10.0.0.2' });
  assert.equal(r.status, 200);
  assert.equal(await r.text(), 'TLSv1.3 /secure 10.0.0.2');
  // The certificate names 10.0.0.1, not 10.0.0.2: the identity check fails as Node's does.
  const wrongName = await fetchError(b.fetch('https://10.0.0.1/', {
    dispatcher: b.dispatcher({ connect: { ca: cert, servername: 'example.org' } }) }));
  assert.equal(wrongName.cause.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
  await trusting.close();
  await closeServer(server);
  await kernel.close();
});

test('connecting to nowhere: ECONNREFUSED as on the host, ENOTFOUND for names, ENETUNREACH, connect timeout', async () => {
  // The host's ECONNREFUSED on a port nobody listens on.
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const freePort = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  const hostAgent = new Agent();
  const host = await fetchError(undiciFetch(`http://127.0.0.1:${freePort}/`, { dispatcher: hostAgent }));
  await hostAgent.close();

  const kernel = await lab();
  const b = nodeApi(kernel.netns('b'));
  const refused = await fetchError(b.fetch(`http://10.0.0.1:${freePort}/`));
  assert.equal(refused.err.message, host.err.message);
  assert.equal(refused.err.name, 'TypeError');
  for (const k of ['code', 'errno', 'syscall', 'port']) assert.equal(refused.cause[k], host.cause[k], k);
  assert.equal(refused.cause.address, '10.0.0.1');
  assert.equal(refused.cause.message, `connect ECONNREFUSED 10.0.0.1:${freePort}`);

  const name = await fetchError(b.fetch('http://db.internal:5432/'));
  assert.equal(name.err.message, 'fetch failed');
  assert.equal(name.cause.code, 'ENOTFOUND');
  assert.equal(name.cause.errno, -3008);
  assert.equal(name.cause.syscall, 'getaddrinfo');
  assert.equal(name.cause.hostname, 'db.internal');
  assert.equal(name.cause.message, 'getaddrinfo ENOTFOUND db.internal');

  // No route to 192.0.2.1 in b: connect(2) fails at once.
  const noRoute = await fetchError(b.fetch('http://192.0.2.1/'));
  assert.equal(noRoute.cause.code, 'ENETUNREACH');
  // (Node adds ' - Local (0.0.0.0:0)' for a connect(2) that fails synchronously.)
  assert.match(noRoute.cause.message as string, /^connect ENETUNREACH 192\.0\.2\.1:80\b/);

  // Nobody answers ARP for 10.0.0.9: the SYN never leaves; undici's connect timeout
  // (default 10 s, here 500 ms; on the kernel's clock) ends the attempt.
  const quick = b.dispatcher({ connect: { timeout: 500 } });
  const timedOut = await fetchError(b.fetch('http://10.0.0.9/', { dispatcher: quick }));
  assert.equal(timedOut.cause.code, 'UND_ERR_CONNECT_TIMEOUT');
  assert.equal(timedOut.cause.message, 'Connect Timeout Error (attempted address: 10.0.0.9:80, timeout: 500ms)');
  await quick.close();
  await kernel.close();
});

test('installGlobalDispatcher: the global fetch() goes through the namespace until restore()', async () => {
  const kernel = await lab();
  const a = nodeApi(kernel.netns('a'));
  const b = nodeApi(kernel.netns('b'));
  const server = a.http.createServer(echo);
  await listen(server, 8080, '10.0.0.1');
  const before = getGlobalDispatcher();
  const legacy = Symbol.for('undici.globalDispatcher.1');
  const g = globalThis as unknown as Record<symbol, unknown>;
  const beforeLegacy = g[legacy];

  const restore = b.installGlobalDispatcher();
  assert.notEqual(getGlobalDispatcher(), before);
  // Node's own global fetch (its bundled undici) and undici 7's fetch both use it.
  const r1 = await fetch('http://10.0.0.1:8080/global');
  assert.deepEqual(await r1.json(), { method: 'GET', url: '/global', from: '10.0.0.2', body: '', ct: null });
  const r2 = await undiciFetch('http://10.0.0.1:8080/undici');
  assert.equal(((await r2.json()) as { url: string }).url, '/undici');
  restore();
  assert.equal(getGlobalDispatcher(), before);
  assert.equal(g[legacy], beforeLegacy);
  restore(); // idempotent

  // Installed when the kernel closes: closing puts the old one back.
  b.installGlobalDispatcher();
  await closeServer(server);
  await kernel.close();
  assert.equal(getGlobalDispatcher(), before);
});

test('bad input to dispatcher()', async () => {
  const kernel = await lab();
  const b = nodeApi(kernel.netns('b'));
  assert.throws(() => b.dispatcher('x' as never), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE',
    message: 'The "options" argument must be of type object. Received type string (\'x\')' });
  assert.throws(() => b.dispatcher({ connect: (() => {}) as never }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE',
    message: 'The "options.connect" property must be of type object. Received function connect' });
  // A fetch of a URL undici refuses rejects as undici does.
  await assert.rejects(b.fetch('ftp://10.0.0.1/'), { name: 'TypeError', message: 'fetch failed' });
  await kernel.close();
});

test('dispatcher() per request does not grow the kernel\'s close hooks', async () => {
  // review-node #9: each dispatcher() registered a kernel.onClose hook that was never
  // unregistered. Now one hook per namespace; closed Agents are pruned.
  const kernel = await lab();
  const b = nodeApi(kernel.netns('b'));
  const hooks = (): number => (kernel as unknown as { closers: Set<unknown> }).closers.size;
  await b.dispatcher().close();
  const before = hooks();
  for (let i = 0; i < 50; i++) await b.dispatcher().close();
  assert.equal(hooks(), before);
  const live = b.dispatcher();
  await kernel.close();
  assert.equal(live.destroyed, true);
});

test('the socket under a fetch is a tuxnet socket of the namespace', async () => {
  const kernel = await lab();
  const a = nodeApi(kernel.netns('a'));
  const b = nodeApi(kernel.netns('b'));
  let seen: NodeSocket | null = null;
  const server = a.http.createServer((req, res) => {
    seen = req.socket;
    res.end('ok');
  });
  await listen(server, 8080, '10.0.0.1');
  assert.equal(await (await b.fetch('http://10.0.0.1:8080/')).text(), 'ok');
  const s = seen as unknown as NodeSocket;
  assert.equal(s.remoteAddress, '10.0.0.2');
  assert.equal(s.localAddress, '10.0.0.1');
  assert.equal(s.localPort, 8080);
  await closeServer(server);
  await kernel.close();
});
