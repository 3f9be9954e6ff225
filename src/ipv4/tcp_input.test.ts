/**
 * Unit tests of the TCP receive side (tcp_input*.ts): RTT estimator and RTO, the min-RTT
 * filter, option parsing, and segments crafted into an established socket
 * (tcpRcvEstablished): in-order data on the fast path, out-of-order queue with SACK
 * blocks, D-SACK for duplicates, RFC 5961 RST/SYN handling, PAWS, beyond-window data.
 * The receive-memory figures (skmem r/f, rcv_ssthresh, TCPHPHits, TCPRcvCoalesce) are those
 * Linux 6.18 shows for the same exchange over veth (python3 sockets, TCP_NODELAY, one
 * 1448-byte send every 50 ms, receiver not reading; ss -tmi and nstat in tnxi* namespaces).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKernel } from '../index.js';
import type { Kernel, Net } from '../core/net_namespace.js';
import { allocSkb, skbReserve, skbPut } from '../core/skbuff.js';
import type { SkBuff } from '../core/skbuff.js';
import { Task } from '../socket/task.js';
import * as sys from '../socket/syscalls.js';
import { AF_INET, SOCK_STREAM, type SockaddrIn } from '../socket/socket.js';
import { programs } from '../tools/registry.js';
import { BufferStdio } from '../tools/tool.js';
import { ipv4Net } from './netns_ipv4.js';
import {
  LINUX_MIB_TCPHPHITS, LINUX_MIB_TCPRCVCOALESCE, LINUX_MIB_TCPOFOQUEUE, LINUX_MIB_DELAYEDACKLOST,
  LINUX_MIB_TCPDSACKOLDSENT, LINUX_MIB_TCPDSACKOFOSENT, LINUX_MIB_TCPOFOMERGE, LINUX_MIB_TCPCHALLENGEACK,
  LINUX_MIB_TCPSYNCHALLENGE, LINUX_MIB_PAWSESTABREJECTED, LINUX_MIB_BEYONDWINDOW, LINUX_MIB_TCPACKSKIPPEDSEQ,
} from '../core/snmp.js';
import { tcpForEachSock } from './inet_hashtables.js';
import { TcpSock, TcpSkbCb, TCP_SKB_CB, TcpOptionsReceived } from './tcp_sock.js';
import { TCP_ESTABLISHED, TCP_CLOSE, TCP_NODELAY, SOL_TCP, seqAdd } from './tcp_defs.js';
import { TcpHdr, TCPHDR_ACK, TCPHDR_PSH, TCPHDR_RST, TCPHDR_SYN } from '../wire/tcphdr.js';
import { tcpRcvEstablished } from './tcp_input.js';
import { tcpRxSetTruesize } from './tcp_input_data.js';
import { tcpRttEstimator, tcpSetRto, minmaxRunningMin, minmaxReset } from './tcp_input_rtt.js';
import { tcpParseOptions } from './tcp_input_opts.js';
import { Minmax } from './tcp_sock.js';

const ip = (s: string): number => s.split('.').reduce((x, y) => x * 256 + Number(y), 0) >>> 0;
const B = ip('10.0.0.2');
const sin = (addr: number, port: number): SockaddrIn => ({ family: AF_INET, addr, port });

const SETUP = [
  'ip netns add a', 'ip netns add b',
  'ip link add veth0 netns a type veth peer name veth1 netns b',
  'ip -n a addr add 10.0.0.1/24 dev veth0', 'ip -n b addr add 10.0.0.2/24 dev veth1',
  'ip -n a link set lo up', 'ip -n b link set lo up',
  'ip -n a link set veth0 up', 'ip -n b link set veth1 up',
];

async function tool(k: Kernel, net: Net, line: string): Promise<number> {
  const argv = line.split(' ');
  const out = new BufferStdio();
  const task = new Task(k, net, out, out, 1);
  const rc = await programs.get(argv[0]!)!({ task, argv, stdout: out, stderr: out, env: {}, exec: async () => 0 });
  sys.exitTask(task);
  return rc;
}

interface Pair { k: Kernel; a: Net; b: Net; ta: Task; tb: Task; cfd: number; afd: number; srv: TcpSock }

/** A connection a:client -> b:5001 over veth; `srv` is b's established socket. */
async function pair(seed = 7): Promise<Pair> {
  const k = createKernel({ seed });
  for (const l of SETUP) assert.equal(await tool(k, k.initNet, l), 0, l);
  await k.sleep(1e9);
  const a = k.netnsNames.get('a')!;
  const b = k.netnsNames.get('b')!;
  const ta = new Task(k, a, new BufferStdio(), new BufferStdio(), 2);
  const tb = new Task(k, b, new BufferStdio(), new BufferStdio(), 3);
  const lfd = sys.socket(tb, AF_INET, SOCK_STREAM, 0);
  sys.bind(tb, lfd, sin(0, 5001));
  sys.listen(tb, lfd, 8);
  const cfd = sys.socket(ta, AF_INET, SOCK_STREAM, 0);
  sys.setsockopt(ta, cfd, SOL_TCP, TCP_NODELAY, 1);
  await sys.connect(ta, cfd, sin(B, 5001));
  const { fd: afd } = await sys.accept(tb, lfd);
  let srv: TcpSock | null = null;
  tcpForEachSock(b, (o) => {
    if (o instanceof TcpSock && o.state === TCP_ESTABLISHED && o.inetNum === 5001) srv = o;
  });
  assert.ok(srv);
  return { k, a, b, ta, tb, cfd, afd, srv };
}

function netMib(net: Net): Float64Array {
  return ipv4Net(net).mib.net;
}

test('tcp input: receive memory, window growth and fast path match Linux 6.18 (1, 5, 20 x 1448 bytes unread)', async () => {
  // Linux 6.18 over veth: [segments, skmem r, skmem f, rcv_ssthresh, TCPHPHits, TCPRcvCoalesce]
  const linux: [number, number, number, number, number, number][] = [
    [1, 2280, 1816, 68056, 0, 0],
    [5, 8072, 4216, 77835, 2, 4],
    [20, 30624, 2144, 77835, 12, 18],
  ];
  for (const [n, r, f, ssthresh, hp, coalesce] of linux) {
    const p = await pair(11 + n);
    const mib = netMib(p.b);
    const hp0 = mib[LINUX_MIB_TCPHPHITS]!;
    const co0 = mib[LINUX_MIB_TCPRCVCOALESCE]!;
    const data = new Uint8Array(1448).fill(0x78);
    for (let i = 0; i < n; i++) {
      assert.equal(sys.send(p.ta, p.cfd, data), 1448);
      await p.k.sleep(50e6);
    }
    await p.k.sleep(500e6);
    const s = p.srv;
    assert.equal(s.rcvNxt - s.copiedSeq, n * 1448, `${n}: bytes queued`);
    assert.equal(s.scalingRatio, 162, `${n}: scaling_ratio`);
    assert.equal(s.rcvqSpaceSpace, 14480, `${n}: rcv_space`);
    assert.equal(s.icskAckRcvMss, 1448, `${n}: rcv_mss`);
    assert.equal(s.rmemAlloc, r, `${n}: skmem r`);
    assert.equal(s.rcvFwdAlloc, f, `${n}: skmem f`);
    assert.equal(s.rcvSsthresh, ssthresh, `${n}: rcv_ssthresh`);
    assert.equal(mib[LINUX_MIB_TCPHPHITS]! - hp0, hp, `${n}: TCPHPHits`);
    assert.equal(mib[LINUX_MIB_TCPRCVCOALESCE]! - co0, coalesce, `${n}: TCPRcvCoalesce`);
  }
});

/** Inject a segment "from the peer" straight into tcpRcvEstablished (as tcp_v4_rcv hands it over). */
function inject(sk: TcpSock, seq: number, len: number, flags = TCPHDR_ACK | TCPHDR_PSH,
  opts: { ack?: number; tsval?: number; win?: number } = {}): void {
  const ts = sk.rxOpt.tstampOk;
  const hl = ts ? 32 : 20;
  const skb: SkBuff = allocSkb(64 + 20 + hl + len);
  skbReserve(skb, 64);
  skb.networkHeader = skb.data;
  const iph = skbPut(skb, 20);
  skb.buf[iph] = 0x45;
  skb.buf[iph + 9] = 6;
  skb.data = skb.tail;
  skb.transportHeader = skb.data;
  const o = skbPut(skb, hl + len);
  const th = new TcpHdr(skb.buf, o);
  th.source = sk.inetDport;
  th.dest = sk.inetNum;
  th.seq = seq >>> 0;
  const ack = opts.ack ?? sk.sndNxt;
  th.ackSeq = ack >>> 0;
  th.doff = hl / 4;
  th.flags = flags;
  th.window = opts.win ?? 1000;
  if (ts) {
    skb.buf.set([1, 1, 8, 10], o + 20);
    new DataView(skb.buf.buffer, skb.buf.byteOffset).setUint32(o + 24, (opts.tsval ?? sk.rxOpt.tsRecent + 1) >>> 0);
    new DataView(skb.buf.buffer, skb.buf.byteOffset).setUint32(o + 28, 0);
  }
  const cb = new TcpSkbCb();
  cb.seq = seq >>> 0;
  cb.endSeq = (seq + len + (flags & TCPHDR_SYN ? 1 : 0) + (flags & 1 ? 1 : 0)) >>> 0;
  cb.ackSeq = ack >>> 0;
  cb.tcpFlags = flags;
  skb.cb = cb;
  tcpRcvEstablished(sk, skb);
}

test('tcp input: out-of-order queue, SACK blocks (newest first), filling the hole, D-SACK for old and overlapping data', async () => {
  const p = await pair(3);
  const s = p.srv;
  const mib = netMib(p.b);
  // Cut the wire so the ACKs we send stay out of the way (the peer never sent this data).
  assert.equal(await tool(p.k, p.a, 'ip link set veth0 down'), 0);
  const base = s.rcvNxt;
  const ofo0 = mib[LINUX_MIB_TCPOFOQUEUE]!;
  inject(s, seqAdd(base, 1000), 500);
  assert.equal(s.outOfOrderQueue.qlen, 1);
  assert.equal(s.rxOpt.numSacks, 1);
  assert.deepEqual([s.selectiveAcks[0]!.startSeq, s.selectiveAcks[0]!.endSeq], [seqAdd(base, 1000), seqAdd(base, 1500)]);
  inject(s, seqAdd(base, 2000), 500);
  inject(s, seqAdd(base, 1500), 200); // extends the first block: it rotates to the front
  assert.equal(s.rxOpt.numSacks, 2);
  assert.deepEqual([s.selectiveAcks[0]!.startSeq, s.selectiveAcks[0]!.endSeq], [seqAdd(base, 1000), seqAdd(base, 1700)]);
  assert.deepEqual([s.selectiveAcks[1]!.startSeq, s.selectiveAcks[1]!.endSeq], [seqAdd(base, 2000), seqAdd(base, 2500)]);
  assert.equal(mib[LINUX_MIB_TCPOFOQUEUE]! - ofo0, 3);
  // A segment wholly inside queued data: dropped, TCPOFOMerge, D-SACK (out-of-order kind).
  const merge0 = mib[LINUX_MIB_TCPOFOMERGE]!;
  const dofo0 = mib[LINUX_MIB_TCPDSACKOFOSENT]!;
  inject(s, seqAdd(base, 1100), 100);
  assert.equal(mib[LINUX_MIB_TCPOFOMERGE]! - merge0, 1);
  assert.equal(mib[LINUX_MIB_TCPDSACKOFOSENT]! - dofo0, 1);
  assert.equal(s.rxOpt.dsack, true);
  assert.deepEqual([s.duplicateSack[0]!.startSeq, s.duplicateSack[0]!.endSeq], [seqAdd(base, 1100), seqAdd(base, 1200)]);
  // Fill [base, base+1000): the first block is consumed, the second remains.
  inject(s, base, 1000);
  assert.equal(s.rcvNxt, seqAdd(base, 1700));
  assert.equal(s.outOfOrderQueue.qlen, 1);
  assert.equal(s.rxOpt.numSacks, 1);
  assert.deepEqual([s.selectiveAcks[0]!.startSeq, s.selectiveAcks[0]!.endSeq], [seqAdd(base, 2000), seqAdd(base, 2500)]);
  inject(s, seqAdd(base, 1700), 300);
  assert.equal(s.rcvNxt, seqAdd(base, 2500));
  assert.equal(s.outOfOrderQueue.qlen, 0);
  assert.equal(s.rxOpt.numSacks, 0);
  // The receive queue holds exactly the 2500 bytes, in order and contiguous.
  let seq = base;
  let total = 0;
  for (let q = s.receiveQueue.head; q; q = q.next) {
    const cb = TCP_SKB_CB(q);
    assert.equal(cb.seq, seq);
    assert.equal(cb.endSeq, seqAdd(seq, q.len));
    seq = cb.endSeq;
    total += q.len;
  }
  assert.equal(total, 2500);
  // Old data: DelayedACKLost, D-SACK (old kind) of the duplicate range.
  const lost0 = mib[LINUX_MIB_DELAYEDACKLOST]!;
  const dold0 = mib[LINUX_MIB_TCPDSACKOLDSENT]!;
  inject(s, seqAdd(base, 100), 200);
  assert.equal(mib[LINUX_MIB_DELAYEDACKLOST]! - lost0, 1);
  assert.equal(mib[LINUX_MIB_TCPDSACKOLDSENT]! - dold0, 1);
  assert.deepEqual([s.duplicateSack[0]!.startSeq, s.duplicateSack[0]!.endSeq], [seqAdd(base, 100), seqAdd(base, 300)]);
});

test('tcp input: more than 4 out-of-order ranges keep the 4 newest SACK blocks', async () => {
  const p = await pair(5);
  const s = p.srv;
  assert.equal(await tool(p.k, p.a, 'ip link set veth0 down'), 0);
  const base = s.rcvNxt;
  for (let i = 1; i <= 5; i++) inject(s, seqAdd(base, i * 1000), 100);
  assert.equal(s.outOfOrderQueue.qlen, 5);
  assert.equal(s.rxOpt.numSacks, 4);
  assert.deepEqual(s.selectiveAcks.map((b) => b.startSeq - base), [5000, 4000, 3000, 2000]);
});

test('tcp input: RFC 5961 — in-window RST and SYN get a challenge ACK, the exact RST resets; out-of-window data is counted', async () => {
  const p = await pair(8);
  const s = p.srv;
  const mib = netMib(p.b);
  assert.equal(await tool(p.k, p.a, 'ip link set veth0 down'), 0);
  const ch0 = mib[LINUX_MIB_TCPCHALLENGEACK]!;
  inject(s, seqAdd(s.rcvNxt, 10), 0, TCPHDR_RST);
  assert.equal(s.state, TCP_ESTABLISHED);
  assert.equal(mib[LINUX_MIB_TCPCHALLENGEACK]! - ch0, 1);
  // A SYN in window: TCPSYNChallenge; the challenge ACK itself is rate limited per socket
  // (tcp_invalid_ratelimit 500 ms): TCPACKSkippedChallenge, no second TCPChallengeACK.
  const syn0 = mib[LINUX_MIB_TCPSYNCHALLENGE]!;
  inject(s, s.rcvNxt, 0, TCPHDR_SYN);
  assert.equal(mib[LINUX_MIB_TCPSYNCHALLENGE]! - syn0, 1);
  assert.equal(mib[LINUX_MIB_TCPCHALLENGEACK]! - ch0, 1);
  await p.k.sleep(600e6);
  // Data beyond the window: BeyondWindow and a (rate-limited) dupack.
  const bw0 = mib[LINUX_MIB_BEYONDWINDOW]!;
  const sk0 = mib[LINUX_MIB_TCPACKSKIPPEDSEQ]!;
  inject(s, seqAdd(s.rcvNxt, 10_000_000), 100);
  assert.equal(mib[LINUX_MIB_BEYONDWINDOW]! - bw0, 1);
  assert.equal(mib[LINUX_MIB_TCPACKSKIPPEDSEQ]! - sk0, 0); /* data segments are never rate limited */
  // PAWS: an old timestamp on data is rejected (PAWSEstab).
  if (s.rxOpt.tstampOk) {
    const paws0 = mib[LINUX_MIB_PAWSESTABREJECTED]!;
    inject(s, s.rcvNxt, 100, TCPHDR_ACK, { tsval: s.rxOpt.tsRecent - 10 });
    assert.equal(mib[LINUX_MIB_PAWSESTABREJECTED]! - paws0, 1);
  }
  // The exact RST resets the connection.
  inject(s, s.rcvNxt, 0, TCPHDR_RST);
  assert.equal(s.state, TCP_CLOSE);
});

test('tcp input: RTT estimator and RTO as tcp_rtt_estimator/tcp_set_rto', () => {
  const k = createKernel({ seed: 1 });
  const sk = new TcpSock(k.initNet, SOCK_STREAM, 6, { retransmit: () => {}, delack: () => {}, keepalive: () => {} });
  sk.icskRtoMin = 200;
  tcpRttEstimator(sk, 100_000);
  tcpSetRto(sk);
  assert.equal(sk.srttUs, 800_000);
  assert.equal(sk.mdevUs, 200_000);
  assert.equal(sk.rttvarUs, 200_000);
  assert.equal(sk.icskRto, 300);
  // A smaller sample: srtt moves by 1/8, mdev with the finer (1/32) gain.
  tcpRttEstimator(sk, 50_000);
  assert.equal(sk.srttUs, 750_000);
  assert.equal(sk.mdevUs, 200_000);
  // A larger one: mdev grows by a quarter of the error minus a quarter of mdev; rttvar follows mdev_max.
  tcpRttEstimator(sk, 400_000);
  assert.equal(sk.srttUs, 750_000 + (400_000 - 93_750));
  assert.equal(sk.mdevUs, 200_000 + (400_000 - 93_750) - 50_000);
  assert.equal(sk.rttvarUs, sk.mdevUs);
  // tiny RTTs: rttvar never under tcp_rto_min_us, so RTO >= srtt + 200 ms.
  const sk2 = new TcpSock(k.initNet, SOCK_STREAM, 6, { retransmit: () => {}, delack: () => {}, keepalive: () => {} });
  sk2.icskRtoMin = 200;
  tcpRttEstimator(sk2, 30);
  tcpSetRto(sk2);
  assert.equal(sk2.icskRto, 201);
});

test('tcp input: windowed min filter (lib/win_minmax.c)', () => {
  const m = new Minmax();
  minmaxReset(m, 0, 0xffffffff);
  assert.equal(minmaxRunningMin(m, 10_000, 0, 500), 500);
  assert.equal(minmaxRunningMin(m, 10_000, 1000, 700), 500);
  assert.equal(minmaxRunningMin(m, 10_000, 2000, 400), 400);
  // After the window passes without a new minimum, older choices age out.
  assert.equal(minmaxRunningMin(m, 10_000, 13_000, 900), 900);
});

test('tcp input: option parsing as tcp_parse_options (SYN-only options, bad lengths, SACK offset)', () => {
  const k = createKernel({ seed: 1 });
  const mk = (opts: number[], flags: number): { skb: SkBuff; th: TcpHdr } => {
    const hl = 20 + ((opts.length + 3) & ~3);
    const skb = allocSkb(hl);
    const o = skbPut(skb, hl);
    skb.buf.set(opts, o + 20);
    const th = new TcpHdr(skb.buf, o);
    th.doff = hl / 4;
    th.flags = flags;
    skb.transportHeader = o;
    skb.cb = new TcpSkbCb();
    return { skb, th };
  };
  const rx = new TcpOptionsReceived();
  let { skb, th } = mk([2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7], TCPHDR_SYN);
  tcpParseOptions(k.initNet, skb, th, rx, false);
  assert.equal(rx.mssClamp, 1460);
  assert.equal(rx.sackOk, 1);
  assert.equal(rx.sawTstamp, true);
  assert.equal(rx.rcvTsval, 1);
  assert.equal(rx.wscaleOk, true);
  assert.equal(rx.sndWscale, 7);
  // wscale above 14 is clamped; MSS outside a SYN ignored.
  const rx2 = new TcpOptionsReceived();
  ({ skb, th } = mk([3, 3, 15, 2, 4, 1, 0], TCPHDR_SYN));
  tcpParseOptions(k.initNet, skb, th, rx2, false);
  assert.equal(rx2.sndWscale, 14);
  const rx3 = new TcpOptionsReceived();
  ({ skb, th } = mk([2, 4, 1, 0], TCPHDR_ACK));
  tcpParseOptions(k.initNet, skb, th, rx3, false);
  assert.equal(rx3.mssClamp, 0);
  // A silly length (< 2) ends parsing; SACK blocks are located, not decoded.
  const rx4 = new TcpOptionsReceived();
  rx4.sackOk = 1;
  ({ skb, th } = mk([1, 1, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2], TCPHDR_ACK));
  tcpParseOptions(k.initNet, skb, th, rx4, true);
  assert.equal(TCP_SKB_CB(skb).sacked, 22);
  ({ skb, th } = mk([8, 1, 0, 0, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2], TCPHDR_ACK));
  tcpParseOptions(k.initNet, skb, th, rx4, true);
  assert.equal(TCP_SKB_CB(skb).sacked, 0);
});

test('tcp input: Linux receive truesize by ingress (tun: linear kmalloc head; veth from Linux: page frags + 832)', () => {
  const k = createKernel({ seed: 1 });
  const mk = (payload: number, tun: boolean): SkBuff => {
    const skb = allocSkb(64 + 20 + 20 + payload);
    skbReserve(skb, 64);
    skb.networkHeader = skb.data;
    skbPut(skb, 20);
    skb.transportHeader = skb.tail;
    const o = skbPut(skb, 20 + payload);
    skb.buf[o + 12] = 5 << 4;
    skb.cb = new TcpSkbCb();
    skb.dev = tun ? ({ type: 0xfffe } as unknown as SkBuff['dev']) : null;
    return skb;
  };
  // 1000-byte payload through tun (1040-byte packet): kmalloc-2048 head, truesize 2304 (scaling_ratio 111).
  let skb = mk(1000, true);
  tcpRxSetTruesize(skb);
  assert.equal(skb.truesize, 2304);
  assert.equal(TCP_SKB_CB(skb).rxLinearRoom, 2048 - 320 - 64 - 1040);
  // 100-byte payload through tun: kmalloc-1024.
  skb = mk(100, true);
  tcpRxSetTruesize(skb);
  assert.equal(skb.truesize, 1280);
  // Over veth from a Linux sender (measured with ss -tm on 6.18): len + 832.
  skb = mk(1448, false);
  tcpRxSetTruesize(skb);
  assert.equal(skb.truesize, 2280);
  assert.equal(TCP_SKB_CB(skb).rxLinearRoom, -1);
  void k;
});
