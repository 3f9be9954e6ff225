/**
 * TCP reliability (issue 4, "Reliability"), end to end through the socket API on the
 * virtual clock, two namespaces joined by a veth pair set up with ip/tc as on a host:
 *
 * 1. Bulk transfers arrive byte-exact (sha256 of what was written == sha256 of what was
 *    read) under netem on both ends: loss 5%, reorder 10%, duplicate 1%, corrupt 0.1%,
 *    delay 20ms +- 5ms, data flowing both ways at once, for two seeds. 64 MiB each way by
 *    default (TNX_RELIABILITY_MIB=N changes it). Corruption flips a bit after the sender's
 *    checksum: the receiver must drop those segments (TcpInCsumErrors) and the data must
 *    still arrive intact.
 * 2. A SYN flood: 100,000 SYNs from spoofed sources at a listener with a backlog of 8;
 *    with net.ipv4.tcp_syncookies=1 a legitimate client connects in the middle of it and
 *    exchanges data; nstat shows TcpExtSyncookiesSent, SyncookiesRecv, TCPReqQFullDoCookies.
 * 3. Blind in-window injection (RFC 5961): RSTs and SYNs with in-window (not exact)
 *    sequence numbers and data segments with unacceptable ACK numbers, forged with the
 *    peer's address from a raw socket, neither kill nor corrupt an established
 *    connection; challenge ACKs are counted (TcpExtTCPChallengeACK, TCPSYNChallenge).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { scenario, ip, type Scenario } from './harness/scenario.js';
import * as sys from '../src/socket/syscalls.js';
import type { Task } from '../src/socket/task.js';
import { AF_INET, SOCK_STREAM, SOCK_RAW, SOL_SOCKET, SO_REUSEADDR, type SockaddrIn } from '../src/socket/socket.js';
import { ipReprEmit, IPPROTO_RAW, IPPROTO_TCP } from '../src/wire/iphdr.js';
import { tcpReprEmit, tcpV4SetCheck, type TcpOption } from '../src/wire/tcphdr.js';
import { tcpForEachSock } from '../src/ipv4/inet_hashtables.js';
import { TcpSock } from '../src/ipv4/tcp_sock.js';
import { TCP_ESTABLISHED } from '../src/ipv4/tcp_defs.js';

const A = '10.0.0.1';
const B = '10.0.0.2';
const PORT = 5000;
const TH_FIN = 0x01;
const TH_SYN = 0x02;
const TH_RST = 0x04;
const TH_PSH = 0x08;
const TH_ACK = 0x10;

function topology(qdisc = ''): string {
  return [
    'ip netns add tnxa',
    'ip netns add tnxb',
    'ip link add veth-a netns tnxa type veth peer name veth-b netns tnxb',
    `ip -n tnxa addr add ${A}/24 dev veth-a`,
    `ip -n tnxb addr add ${B}/24 dev veth-b`,
    'ip -n tnxa link set lo up',
    'ip -n tnxb link set lo up',
    'ip -n tnxa link set veth-a up',
    'ip -n tnxb link set veth-b up',
    qdisc ? `tc -n tnxa qdisc add dev veth-a root ${qdisc}` : '',
    qdisc ? `tc -n tnxb qdisc add dev veth-b root ${qdisc}` : '',
    'sleep 1',
  ].filter(Boolean).join('\n') + '\n';
}

/** A deterministic byte stream: chunk i of a stream with `seed`. */
function chunk(seed: number, i: number, len: number): Uint8Array {
  const out = new Uint8Array(len);
  const w = new Uint32Array(out.buffer, 0, len >> 2);
  let x = (Math.imul(seed + 1, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b)) >>> 0 || 1;
  for (let j = 0; j < w.length; j++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    w[j] = x >>> 0;
  }
  return out;
}

const CHUNK = 64 * 1024;

/** Write `total` bytes of stream `seed`; the sha256 of what was written. */
async function sendStream(task: Task, fd: number, total: number, seed: number): Promise<string> {
  const h = createHash('sha256');
  for (let off = 0, i = 0; off < total; off += CHUNK, i++) {
    const c = chunk(seed, i, Math.min(CHUNK, total - off));
    h.update(c);
    let done = 0;
    while (done < c.length) done += await sys.write(task, fd, done ? c.subarray(done) : c);
  }
  return h.digest('hex');
}

/** Read until `total` bytes (or end of stream); the sha256 and the count. */
async function recvStream(task: Task, fd: number, total: number): Promise<{ sha: string; n: number }> {
  const h = createHash('sha256');
  const buf = new Uint8Array(256 * 1024);
  let n = 0;
  while (n < total) {
    const r = await sys.read(task, fd, buf.subarray(0, Math.min(buf.length, total - n)));
    if (r <= 0) break;
    h.update(buf.subarray(0, r));
    n += r;
  }
  return { sha: h.digest('hex'), n };
}

function expectedSha(total: number, seed: number): string {
  const h = createHash('sha256');
  for (let off = 0, i = 0; off < total; off += CHUNK, i++) h.update(chunk(seed, i, Math.min(CHUNK, total - off)));
  return h.digest('hex');
}

/** A listener in tnxb and a connected pair: [client task, client fd, server task, server fd]. */
async function connectPair(s: Scenario, backlog = 16): Promise<{ ta: Task; fa: number; tb: Task; fb: number; lfd: number }> {
  const tb = s.task('tnxb');
  const ta = s.task('tnxa');
  const lfd = sys.socket(tb, AF_INET, SOCK_STREAM, 0);
  sys.setsockopt(tb, lfd, SOL_SOCKET, SO_REUSEADDR, 1);
  sys.bind(tb, lfd, { family: AF_INET, addr: ip(B), port: PORT });
  sys.listen(tb, lfd, backlog);
  const fa = sys.socket(ta, AF_INET, SOCK_STREAM, 0);
  const [, acc] = await Promise.all([
    sys.connect(ta, fa, { family: AF_INET, addr: ip(B), port: PORT }),
    sys.accept(tb, lfd),
  ]);
  return { ta, fa, tb, fb: acc.fd, lfd };
}

const MIB = Number(process.env.TNX_RELIABILITY_MIB ?? 64);
const NETEM = process.env.TNX_RELIABILITY_NETEM ?? 'netem delay 20ms 5ms loss 5% duplicate 1% corrupt 0.1% reorder 10%';

for (const seed of [1, 2]) {
  test(`${MIB} MiB each way, byte-exact under netem (${NETEM}) on both ends, seed ${seed}`, { timeout: 30 * 60_000 }, async () => {
    const s = await scenario(topology(NETEM), seed);
    const total = MIB * 1024 * 1024;
    const { ta, fa, tb, fb } = await connectPair(s);
    const [shaAB, shaBA, rb, ra] = await Promise.all([
      sendStream(ta, fa, total, 10 + seed),
      sendStream(tb, fb, total, 20 + seed),
      recvStream(tb, fb, total),
      recvStream(ta, fa, total),
    ]);
    assert.equal(rb.n, total, 'tnxb read every byte tnxa wrote');
    assert.equal(ra.n, total, 'tnxa read every byte tnxb wrote');
    assert.equal(rb.sha, shaAB);
    assert.equal(ra.sha, shaBA);
    assert.equal(shaAB, expectedSha(total, 10 + seed));
    // Both ends closed cleanly: FIN both ways, then end of stream.
    sys.shutdown(ta, fa, 1);
    sys.shutdown(tb, fb, 1);
    const eofA = await sys.read(ta, fa, new Uint8Array(16));
    const eofB = await sys.read(tb, fb, new Uint8Array(16));
    assert.equal(eofA, 0);
    assert.equal(eofB, 0);
    const na = await s.nstat('tnxa', 'TcpRetransSegs', 'TcpInCsumErrors', 'TcpExtTCPOFOQueue');
    const nb = await s.nstat('tnxb', 'TcpRetransSegs', 'TcpInCsumErrors', 'TcpExtTCPOFOQueue');
    // 5% loss each way: both ends must have retransmitted and queued out-of-order data.
    assert.ok(na.TcpRetransSegs! > 0 && nb.TcpRetransSegs! > 0, JSON.stringify({ na, nb }));
    assert.ok(na.TcpExtTCPOFOQueue! > 0 && nb.TcpExtTCPOFOQueue! > 0, JSON.stringify({ na, nb }));
    sys.close(ta, fa);
    sys.close(tb, fb);
  });
}

/* ------------------------------------------------------------------ */
/* Forged segments from a raw socket                                   */

interface Forge {
  saddr: number;
  daddr: number;
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  flags: number;
  window?: number;
  options?: TcpOption[];
  payload?: Uint8Array;
}

/** An IPv4 datagram carrying one TCP segment with a valid checksum. */
function forge(f: Forge): Uint8Array {
  const payload = f.payload ?? new Uint8Array(0);
  const opts = f.options ?? [];
  const tcpBuf = new Uint8Array(60 + payload.length);
  const hlen = tcpReprEmit({ source: f.sport, dest: f.dport, seq: f.seq >>> 0, ackSeq: f.ack >>> 0, flags: f.flags,
    window: f.window ?? 502, check: 0, urgPtr: 0, options: opts }, tcpBuf, 0);
  tcpBuf.set(payload, hlen);
  const tcpLen = hlen + payload.length;
  tcpV4SetCheck(tcpBuf, 0, tcpLen, f.saddr, f.daddr);
  const pkt = new Uint8Array(20 + tcpLen);
  ipReprEmit({ tos: 0, totLen: 20 + tcpLen, id: 0, fragOff: 0x4000, ttl: 64, protocol: IPPROTO_TCP, saddr: f.saddr,
    daddr: f.daddr, options: new Uint8Array(0), check: 0 }, pkt, 0);
  pkt.set(tcpBuf.subarray(0, tcpLen), 20);
  return pkt;
}

function rawSocket(task: Task): number {
  return sys.socket(task, AF_INET, SOCK_RAW, IPPROTO_RAW);
}

function inject(task: Task, fd: number, pkt: Uint8Array, daddr: number): void {
  sys.sendto(task, fd, pkt, { family: AF_INET, addr: daddr, port: 0 } as SockaddrIn);
}

test('SYN flood of 100,000 spoofed SYNs at a backlog of 8: with syncookies a legitimate client connects', { timeout: 10 * 60_000 }, async () => {
  // tnxa floods; the spoofed sources (198.18.0.0/15) are routed back to tnxa, which drops the SYN-ACKs.
  const s = await scenario(topology() + `ip -n tnxb route add default via ${A}\n`, 7);
  const tb = s.task('tnxb');
  const ta = s.task('tnxa');
  const lfd = sys.socket(tb, AF_INET, SOCK_STREAM, 0);
  sys.bind(tb, lfd, { family: AF_INET, addr: ip(B), port: PORT });
  sys.listen(tb, lfd, 8);
  const raw = rawSocket(ta);
  const flood = (from: number, n: number): void => {
    for (let i = from; i < from + n; i++) {
      const saddr = (0xc6120000 + 1 + (i % 0x1fffe)) >>> 0; // 198.18.0.1 ...
      inject(ta, raw, forge({ saddr, daddr: ip(B), sport: 1024 + (i % 60000), dport: PORT,
        seq: Math.imul(i, 2654435761) >>> 0, ack: 0, flags: TH_SYN, window: 64240,
        options: [{ kind: 'mss', mss: 1460 }] }), ip(B));
    }
  };
  flood(0, 50_000);
  // The legitimate client, in the middle of the flood.
  const fa = sys.socket(ta, AF_INET, SOCK_STREAM, 0);
  const conn = sys.connect(ta, fa, { family: AF_INET, addr: ip(B), port: PORT });
  const acc = sys.accept(tb, lfd);
  await conn;
  flood(50_000, 50_000);
  const { fd: fb } = await acc;
  const msg = new TextEncoder().encode('still here');
  await sys.write(ta, fa, msg);
  const got = new Uint8Array(64);
  const n = await sys.read(tb, fb, got);
  assert.equal(new TextDecoder().decode(got.subarray(0, n)), 'still here');
  await sys.write(tb, fb, msg);
  const n2 = await sys.read(ta, fa, got);
  assert.equal(n2, msg.length);
  const c = await s.nstat('tnxb', 'TcpExtSyncookiesSent', 'TcpExtSyncookiesRecv', 'TcpExtSyncookiesFailed',
    'TcpExtTCPReqQFullDoCookies', 'TcpExtListenOverflows', 'TcpExtListenDrops', 'TcpPassiveOpens');
  // Eight SYNs fill the SYN queue; every later one is answered with a cookie.
  assert.ok(c.TcpExtSyncookiesSent! >= 99_000, JSON.stringify(c));
  assert.ok(c.TcpExtTCPReqQFullDoCookies! >= 99_000, JSON.stringify(c));
  assert.ok(c.TcpExtSyncookiesRecv! >= 1, JSON.stringify(c));
  assert.equal(c.TcpPassiveOpens, 1, JSON.stringify(c));
  sys.close(ta, fa);
  sys.close(tb, fb);
  sys.close(tb, lfd);
});

/** The server's established socket for the client port (test-only look into the kernel). */
function serverSock(s: Scenario, cport: number): TcpSock {
  let found: TcpSock | null = null;
  tcpForEachSock(s.net('tnxb'), (sk) => {
    if (sk instanceof TcpSock && sk.state === TCP_ESTABLISHED && sk.inetDport === cport) found = sk;
  });
  assert.ok(found, 'the server side of the connection');
  return found;
}

test('blind in-window RST, SYN and data injection (RFC 5961) neither kills nor corrupts a connection', { timeout: 5 * 60_000 }, async () => {
  const s = await scenario(topology(), 3);
  const { ta, fa, tb, fb } = await connectPair(s);
  const cport = (sys.getsockname(ta, fa) as SockaddrIn).port;
  // Some data first, so the windows are open and timestamps are flowing.
  const first = 200_000;
  const [shaAB1, r1] = await Promise.all([sendStream(ta, fa, first, 31), recvStream(tb, fb, first)]);
  assert.equal(r1.sha, shaAB1);
  const sk = serverSock(s, cport);
  const raw = rawSocket(ta);
  const before = await s.nstat('tnxb', 'TcpExtTCPChallengeACK', 'TcpExtTCPSYNChallenge', 'TcpEstabResets');
  const ts = (): TcpOption[] => (sk.rxOpt.tstampOk
    ? [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'timestamp', tsval: (sk.rxOpt.tsRecent + 1) >>> 0, tsecr: 0 }] as TcpOption[]
    : []);
  const base = { saddr: ip(A), daddr: ip(B), sport: cport, dport: PORT };
  for (let i = 1; i <= 50; i++) {
    // RST inside the receive window but not at rcv_nxt: RFC 5961 3.2 says challenge ACK, not reset.
    inject(ta, raw, forge({ ...base, seq: sk.rcvNxt + 1 + i * 97, ack: sk.sndNxt, flags: TH_RST | TH_ACK, options: ts() }), ip(B));
    // SYN inside the window: RFC 5961 4.2, challenge ACK.
    inject(ta, raw, forge({ ...base, seq: sk.rcvNxt + i * 131, ack: sk.sndNxt, flags: TH_SYN | TH_ACK, options: ts() }), ip(B));
    // Data at rcv_nxt whose ACK acknowledges data never sent (RFC 5961 5.2): dropped.
    inject(ta, raw, forge({ ...base, seq: sk.rcvNxt, ack: sk.sndNxt + 0x40000000, flags: TH_ACK | TH_PSH, options: ts(),
      payload: new TextEncoder().encode('INJECTED-DATA') }), ip(B));
    // Data whose ACK is older than snd_una - max_window: dropped, with a challenge ACK.
    inject(ta, raw, forge({ ...base, seq: sk.rcvNxt, ack: sk.sndUna - 0x20000000, flags: TH_ACK | TH_PSH, options: ts(),
      payload: new TextEncoder().encode('INJECTED-DATA') }), ip(B));
    await s.sleep(0.01);
  }
  // An out-of-window RST and a FIN+RST are ignored too.
  inject(ta, raw, forge({ ...base, seq: sk.rcvNxt + 0x7fff0000, ack: sk.sndNxt, flags: TH_RST, options: ts() }), ip(B));
  inject(ta, raw, forge({ ...base, seq: sk.rcvNxt - 100000, ack: sk.sndNxt, flags: TH_FIN | TH_RST | TH_ACK, options: ts() }), ip(B));
  await s.sleep(1);
  assert.equal(sk.state, TCP_ESTABLISHED, 'the server side survived');
  // The stream goes on byte-exact both ways: nothing injected was delivered.
  const more = 300_000;
  const [shaAB, shaBA, rb, ra] = await Promise.all([
    sendStream(ta, fa, more, 32), sendStream(tb, fb, more, 33), recvStream(tb, fb, more), recvStream(ta, fa, more),
  ]);
  assert.equal(rb.sha, shaAB, 'tnxa -> tnxb intact after the injections');
  assert.equal(ra.sha, shaBA, 'tnxb -> tnxa intact after the injections');
  const after = await s.nstat('tnxb', 'TcpExtTCPChallengeACK', 'TcpExtTCPSYNChallenge', 'TcpEstabResets');
  assert.equal(after.TcpEstabResets, before.TcpEstabResets, 'no reset reached the connection');
  assert.ok(after.TcpExtTCPChallengeACK! > before.TcpExtTCPChallengeACK!, JSON.stringify({ before, after }));
  assert.ok(after.TcpExtTCPSYNChallenge! > before.TcpExtTCPSYNChallenge!, JSON.stringify({ before, after }));
  sys.close(ta, fa);
  sys.close(tb, fb);
});
