/**
 * node:dgram over tuxnet (src/node/dgram.ts) compared with the real node:dgram: each
 * scenario runs once on the host's loopback (127.0.0.1) and once between two tuxnet
 * namespaces joined by a veth pair (10.0.0.1 <-> 10.0.0.2), and the events, callbacks
 * and errors (addresses and ports masked) must be the same.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as realDgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { Kernel } from '../../src/index.js';
import { VETH as TWO_NAMESPACES } from '../harness/lib_lab.js';
import { closeAll } from '../harness/dgram_util.js';
import { nodeApi } from '../../src/node/index.js';

const VETH = TWO_NAMESPACES + '; ip -n a link set lo up; ip -n b link set lo up';

/** The part of node:dgram the scenarios use (both implementations have it). */
interface DgramLike {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  createSocket(type: any, listener?: any): any;
}

/** Where a scenario runs: the client's and the server's dgram and addresses. */
interface Env {
  name: string;
  client: DgramLike;
  server: DgramLike;
  clientHost: string;
  serverHost: string;
  /** A directed broadcast address of the client's network (refused without SO_BROADCAST). */
  broadcast: string;
  /** Masks host-specific text (addresses, ports) in a value. */
  mask(v: unknown): unknown;
}

function masker(clientHost: string, serverHost: string, broadcast: string, ports: Set<number>): (v: unknown) => unknown {
  const m = (v: unknown): unknown => {
    if (typeof v === 'string') {
      let s = v.split(broadcast).join('BROADCAST').split(serverHost).join('SERVER').split(clientHost).join('CLIENT');
      s = s.replace(/:(\d+)\b/g, (all, p: string) => (ports.has(Number(p)) ? ':PORT' : all));
      return s;
    }
    if (typeof v === 'number' && ports.has(v)) return 'PORT';
    if (Array.isArray(v)) return v.map(m);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, m(x)]));
    return v;
  };
  return m;
}

/** Run `scenario` on the host's loopback and on tuxnet; both results must be equal after masking. */
async function compare(title: string, scenario: (env: Env, ports: Set<number>) => Promise<unknown>): Promise<void> {
  const realPorts = new Set<number>();
  const real: Env = {
    name: 'node', client: realDgram, server: realDgram, clientHost: '127.0.0.1', serverHost: '127.0.0.1',
    broadcast: '127.255.255.255', mask: masker('127.0.0.1', '127.0.0.1', '127.255.255.255', realPorts),
  };
  const kernel = new Kernel({ seed: 7 });
  try {
    const r = await kernel.sh(VETH);
    assert.equal(r.status, 0, r.output);
    const tuxPorts = new Set<number>();
    const tux: Env = {
      name: 'tuxnet', client: nodeApi(kernel.netns('a')).dgram, server: nodeApi(kernel.netns('b')).dgram,
      clientHost: '10.0.0.1', serverHost: '10.0.0.2', broadcast: '10.0.0.255',
      mask: masker('10.0.0.1', '10.0.0.2', '10.0.0.255', tuxPorts),
    };
    const expected = real.mask(await scenario(real, realPorts));
    const got = tux.mask(await scenario(tux, tuxPorts));
    // The real host uses one address for both ends: SERVER and CLIENT both read as SERVER there.
    assert.deepEqual(JSON.parse(JSON.stringify(got).replaceAll('CLIENT', 'SERVER')), JSON.parse(JSON.stringify(expected)), title);
  } finally {
    await kernel.close();
  }
}

/** What a call did: its value's type, or the error's name/code/message/errno/syscall. */
function outcome(f: () => unknown): unknown {
  try {
    const v = f();
    return { ok: v === undefined ? 'undefined' : typeof v };
  } catch (e) {
    const x = e as NodeJS.ErrnoException;
    return { name: x.name, code: x.code, message: x.message, errno: x.errno, syscall: x.syscall, keys: Object.keys(x) };
  }
}

/**
 * A default socket buffer size as 'default' when it is the implementation's default
 * (the host's net.core.[rw]mem_default may be tuned; tuxnet's is Linux's 212992).
 */
function bufDefault(env: Env, sysctl: string, v: number): unknown {
  let def = 212992;
  if (env.name === 'node') {
    try {
      def = Number(readFileSync(`/proc/sys/net/core/${sysctl}`, 'utf8'));
    } catch {
      // not Linux: keep the number
    }
  }
  return v === def ? 'default' : v;
}

/** Shape of an error passed to a callback or an event. */
function errShape(e: unknown): unknown {
  if (!e) return e ?? null;
  const x = e as NodeJS.ErrnoException & { address?: string; port?: number };
  return { message: x.message, code: x.code, errno: x.errno, syscall: x.syscall, address: x.address, port: x.port, keys: Object.keys(x) };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function once(emitter: any, event: string): Promise<unknown[]> {
  return new Promise((resolve) => emitter.once(event, (...a: unknown[]) => resolve(a)));
}


test('request/response: listening, bind callback, message + rinfo, send callbacks, implicit bind, close', async () => {
  await compare('echo', async (env, ports) => {
    const trace: unknown[] = [];
    const srv = env.server.createSocket('udp4');
    srv.on('listening', () => trace.push(['srv listening']));
    srv.on('message', (msg: Buffer, rinfo: realDgram.RemoteInfo) => {
      trace.push(['srv message', msg.toString(), rinfo]);
      srv.send(msg.toString().toUpperCase(), rinfo.port, rinfo.address, (e: unknown, n: number) => trace.push(['srv sent', e, n]));
    });
    srv.on('close', () => trace.push(['srv close']));
    await new Promise<void>((resolve) => srv.bind(0, env.serverHost, function (this: unknown) {
      trace.push(['bind cb', this === srv]);
      resolve();
    }));
    const sa = srv.address();
    ports.add(sa.port);
    trace.push(['srv address', sa]);
    const cli = env.client.createSocket('udp4');
    cli.on('listening', () => {
      const a = cli.address();
      ports.add(a.port);
      trace.push(['cli listening', a.address, a.family]);
    });
    const replies: unknown[] = [];
    const done = new Promise<void>((resolve) => cli.on('message', (msg: Buffer, rinfo: realDgram.RemoteInfo) => {
      replies.push([msg.toString(), rinfo]);
      if (replies.length === 4) resolve();
    }));
    cli.send('one', sa.port, env.serverHost, (e: unknown, n: number) => trace.push(['cli sent one', e, n]));
    trace.push(['after send (sync)']);
    await once(srv, 'message');
    cli.send(['t', Buffer.from('w'), new Uint8Array([111])], sa.port, env.serverHost, (e: unknown, n: number) => trace.push(['cli sent list', e, n]));
    await once(srv, 'message');
    cli.send(Buffer.from('0123456789'), 2, 3, sa.port, env.serverHost, (e: unknown, n: number) => trace.push(['cli sent slice', e, n]));
    await once(srv, 'message');
    cli.send('', sa.port, env.serverHost, (e: unknown, n: number) => trace.push(['cli sent empty', e, n]));
    await done;
    trace.push(['replies', replies]);
    await closeAll(cli, srv);
    return trace;
  });
});

test('bad input: argument errors, states and their messages are Node\'s', async () => {
  await compare('bad input', async (env) => {
    const d = env.client;
    const s = d.createSocket('udp4');
    const out: Record<string, unknown> = {
      badType: outcome(() => d.createSocket('udp5')),
      badTypeObj: outcome(() => d.createSocket({ type: 'tcp' })),
      badRecvBuf: outcome(() => d.createSocket({ type: 'udp4', recvBufferSize: -1 })),
      badSendBuf: outcome(() => d.createSocket({ type: 'udp4', sendBufferSize: 1.5 })),
      badLookup: outcome(() => d.createSocket({ type: 'udp4', lookup: 5 })),
      badSignal: outcome(() => d.createSocket({ type: 'udp4', signal: 5 })),
      port0: outcome(() => s.send('x', 0, '127.0.0.1')),
      port70000: outcome(() => s.send('x', 70000, '127.0.0.1')),
      portStr: outcome(() => s.send('x', 'abc', '127.0.0.1')),
      noBuffer: outcome(() => s.send(5, 1234, '127.0.0.1')),
      badList: outcome(() => s.send(['a', 5], 1234, '127.0.0.1')),
      badAddress: outcome(() => s.send('x', 1234, 5)),
      offsetOut: outcome(() => s.send(Buffer.alloc(3), 4, 0, 1234, '127.0.0.1')),
      lengthOut: outcome(() => s.send(Buffer.alloc(3), 2, 5, 1234, '127.0.0.1')),
      addressUnbound: outcome(() => s.address()),
      remoteUnconnected: outcome(() => s.remoteAddress()),
      disconnectUnconnected: outcome(() => s.disconnect()),
      recvBufUnbound: outcome(() => s.getRecvBufferSize()),
      sendBufUnbound: outcome(() => s.getSendBufferSize()),
      ttlUnbound: outcome(() => s.setTTL(5)),
      ttlType: outcome(() => s.setTTL('5')),
      mttlType: outcome(() => s.setMulticastTTL(null)),
      broadcastUnbound: outcome(() => s.setBroadcast(true)),
      loopUnbound: outcome(() => s.setMulticastLoopback(true)),
      mifType: outcome(() => s.setMulticastInterface(5)),
      membershipMissing: outcome(() => s.addMembership()),
      dropMissing: outcome(() => s.dropMembership(''),),
      ssmType: outcome(() => s.addSourceSpecificMembership(5, '232.1.1.1')),
      connectPort0: outcome(() => s.connect(0)),
      connectBadAddress: outcome(() => s.connect(1234, 5)),
      sendtoBad: outcome(() => s.sendto('x', 'a', 1, 1234, '127.0.0.1')),
      bufSizeBad: outcome(() => s.setRecvBufferSize(-1)),
      queue: outcome(() => [s.getSendQueueSize(), s.getSendQueueCount()]),
      refReturnsThis: s.ref() === s && s.unref() === s,
    };
    await closeAll(s);
    // After close: Not running, and Node's own TypeErrors for the handle-less methods.
    Object.assign(out, {
      sendClosed: outcome(() => s.send('x', 1234, '127.0.0.1')),
      closeClosed: outcome(() => s.close()),
      bindClosed: outcome(() => s.bind(0)),
      addressClosed: outcome(() => s.address()),
      ttlClosed: outcome(() => s.setTTL(3)),
      broadcastClosed: outcome(() => s.setBroadcast(true)),
      bufClosed: outcome(() => s.getRecvBufferSize()),
      queueClosed: outcome(() => s.getSendQueueSize()),
      refClosed: s.ref() === s,
    });
    return out;
  });
});

test('bound socket: bind twice, port in use, options (TTL, buffers, multicast membership)', async () => {
  await compare('bound', async (env, ports) => {
    const a = env.server.createSocket('udp4');
    const errs: unknown[] = [];
    a.on('error', (e: unknown) => errs.push(errShape(e)));
    await new Promise((resolve) => a.bind(0, resolve));
    const port = a.address().port;
    ports.add(port);
    const iface = env.serverHost;
    const out: Record<string, unknown> = {
      address: a.address(),
      bindTwice: outcome(() => a.bind(0)),
      ttl0: outcome(() => a.setTTL(0)),
      ttl256: outcome(() => a.setTTL(256)),
      ttlOk: outcome(() => a.setTTL(64)),
      ttlFraction: outcome(() => a.setTTL(1.5)),
      ttlNaN: outcome(() => a.setTTL(NaN)),
      mttlNeg: outcome(() => a.setMulticastTTL(-1)),
      mttl0: outcome(() => a.setMulticastTTL(0)),
      mttl256: outcome(() => a.setMulticastTTL(256)),
      loop: outcome(() => a.setMulticastLoopback(false)),
      broadcast: outcome(() => a.setBroadcast(true)),
      recvBuf: bufDefault(env, 'rmem_default', a.getRecvBufferSize()),
      sendBuf: bufDefault(env, 'wmem_default', a.getSendBufferSize()),
      setRecv: outcome(() => a.setRecvBufferSize(100000)),
      recvBuf2: a.getRecvBufferSize(),
      // (the floor SO_SNDBUF then reports, SOCK_MIN_SNDBUF, depends on the host kernel's struct sizes)
      setSend1: outcome(() => a.setSendBufferSize(1)),
      mifEmpty: outcome(() => a.setMulticastInterface('')),
      mifBad: outcome(() => a.setMulticastInterface('foo')),
      mifNotLocal: outcome(() => a.setMulticastInterface('192.0.2.1')),
      mifAny: outcome(() => a.setMulticastInterface('0.0.0.0')),
      mifLocal: outcome(() => a.setMulticastInterface(iface)),
      joinNotMulticast: outcome(() => a.addMembership('192.0.2.1', iface)),
      joinBadName: outcome(() => a.addMembership('foo', iface)),
      joinBadIface: outcome(() => a.addMembership('239.1.2.3', 'foo')),
      joinIfaceNotLocal: outcome(() => a.addMembership('239.1.2.3', '192.0.2.1')),
      join: outcome(() => a.addMembership('239.1.2.3', iface)),
      joinAgain: outcome(() => a.addMembership('239.1.2.3', iface)),
      drop: outcome(() => a.dropMembership('239.1.2.3', iface)),
      dropAgain: outcome(() => a.dropMembership('239.1.2.3', iface)),
    };
    // Port in use: an 'error' event, and the bind callback is not called.
    const b = env.server.createSocket('udp4');
    let bound = false;
    b.bind(port, () => { bound = true; });
    const [e] = await once(b, 'error');
    out.inUse = errShape(e);
    out.inUseBound = bound;
    // The failed socket can bind elsewhere afterwards (Node leaves it unbound).
    await new Promise((resolve) => b.bind(0, env.serverHost, resolve));
    ports.add(b.address().port);
    out.rebound = b.address();
    // Non-local address, and an IPv6 literal on udp4.
    const c = env.server.createSocket('udp4');
    c.bind(port + 0, '192.0.2.1');
    out.nonLocal = errShape((await once(c, 'error'))[0]);
    c.bind(0, '::1');
    out.v6OnV4 = errShape((await once(c, 'error'))[0]);
    // Options given to createSocket are applied when the bind completes.
    const d = env.server.createSocket({ type: 'udp4', recvBufferSize: 10000, sendBufferSize: 20000, reuseAddr: true });
    await new Promise((resolve) => d.bind(0, resolve));
    ports.add(d.address().port);
    out.optionSizes = [d.getRecvBufferSize(), d.getSendBufferSize()];
    // reuseAddr on both: the second bind to the port succeeds.
    const r = env.server.createSocket({ type: 'udp4', reuseAddr: true });
    await new Promise((resolve) => r.bind(d.address().port, resolve));
    out.reuse = r.address().port === d.address().port;
    out.errs = errs;
    await closeAll(a, b, c, d, r);
    return out;
  });
});

test('send errors: EMSGSIZE over 65507 bytes, EACCES to broadcast without SO_BROADCAST, bad address family', async () => {
  await compare('send errors', async (env, ports) => {
    const srv = env.server.createSocket('udp4');
    let got = 0;
    srv.on('message', (m: Buffer) => { got = m.length; });
    await new Promise((resolve) => srv.bind(0, env.serverHost, resolve));
    const port = srv.address().port;
    ports.add(port);
    const s = env.client.createSocket('udp4');
    s.on('listening', () => ports.add(s.address().port));
    const out: Record<string, unknown> = {};
    const send = (...a: unknown[]): Promise<unknown[]> => new Promise((resolve) => s.send(...a, (e: unknown, n: unknown) => resolve([errShape(e), n])));
    out.big = await send(Buffer.alloc(70000), port, env.serverHost);
    out.justTooBig = await send(Buffer.alloc(65508), port, env.serverHost);
    const msg = once(srv, 'message');
    out.largest = await send(Buffer.alloc(65507), port, env.serverHost);
    await msg;
    out.received = got;
    out.noAddress = await send(Buffer.alloc(65508), port);
    out.broadcast = await send('x', port, env.broadcast);
    out.v6 = await send('x', port, '::1');
    // A failed send without a callback is not an 'error' (Node drops it).
    let errored = false;
    s.on('error', () => { errored = true; });
    s.send(Buffer.alloc(65508), port, env.serverHost);
    await new Promise((resolve) => setImmediate(resolve));
    out.errored = errored;
    await closeAll(s, srv);
    return out;
  });
});

test('connected socket: connect/remoteAddress/disconnect, and ECONNREFUSED from the ICMP port unreachable as a recvmsg error', async () => {
  await compare('connected', async (env, ports) => {
    // A port nobody listens on: bind one, note it, close it.
    const tmp = env.server.createSocket('udp4');
    await new Promise((resolve) => tmp.bind(0, env.serverHost, resolve));
    const dead = tmp.address().port;
    ports.add(dead);
    await closeAll(tmp);
    const trace: unknown[] = [];
    const s = env.client.createSocket('udp4');
    s.on('listening', () => { ports.add(s.address().port); trace.push('listening'); });
    s.on('error', (e: unknown) => trace.push(['error', errShape(e)]));
    const connected = new Promise<void>((resolve) => s.connect(dead, env.serverHost, () => { trace.push('connect cb'); resolve(); }));
    s.on('connect', () => trace.push('connect event'));
    trace.push(['twice', outcome(() => s.connect(dead, env.serverHost))]);
    await connected;
    trace.push(['remote', s.remoteAddress()], ['local', s.address().address]);
    trace.push(['port on connected', outcome(() => s.send('x', dead, env.serverHost, () => {}))]);
    const errored = once(s, 'error');
    await new Promise((resolve) => s.send('hi', (e: unknown, n: number) => { trace.push(['sent', errShape(e), n]); resolve(null); }));
    await errored;
    trace.push(['disconnect', outcome(() => s.disconnect())]);
    trace.push(['remote after', outcome(() => s.remoteAddress())]);
    trace.push(['disconnect again', outcome(() => s.disconnect())]);
    await closeAll(s);
    return trace;
  });
});

test('queued work: close() and send() before the implicit bind finished run after it, in order', async () => {
  await compare('queue', async (env) => {
    const trace: unknown[] = [];
    const s = env.client.createSocket('udp4');
    s.on('listening', () => trace.push('listening'));
    s.on('close', () => trace.push('close'));
    s.send('x', 9, env.serverHost, (e: unknown, n: number) => trace.push(['send cb', e, n]));
    s.close(() => trace.push('close cb'));
    trace.push('sync end');
    await once(s, 'close');
    await new Promise((resolve) => setImmediate(resolve));
    // The send ran its lookup, then close took the handle: its callback never comes.
    return trace;
  });
});

test('binds that fail: ipv6Only on udp4 (EINVAL), a membership before bind() binds implicitly so bind() is EINVAL', async () => {
  await compare('odd binds', async (env, ports) => {
    const out: Record<string, unknown> = {};
    const s = env.server.createSocket({ type: 'udp4', ipv6Only: true });
    s.bind(0);
    out.ipv6Only = errShape((await once(s, 'error'))[0]);
    const m = env.server.createSocket('udp4');
    out.join = outcome(() => m.addMembership('239.1.2.4', env.serverHost));
    const a = m.address();
    ports.add(a.port);
    out.addressAfterJoin = a;
    m.bind(0);
    out.bindAfterJoin = errShape((await once(m, 'error'))[0]);
    await closeAll(s, m);
    return out;
  });
});
