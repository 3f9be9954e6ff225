/**
 * tcp.ts at unit level through the syscall layer over lo: how writes become segments
 * (Nagle with quick ACKs, MSG_MORE, TCP_CORK and its 200 ms ceiling, TCP_NODELAY, a
 * receiver in delayed-ACK mode with TCP_QUICKACK 0), counted with tcpi_data_segs_out as
 * Linux 6.18 counts them for the same calls (python3 over lo in a namespace), the write
 * queue's skb layout (MSS-sized payload-only skbs with MAX_TCP_HEADER headroom), and
 * tcp_set_state's CurrEstab gauge.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKernel } from '../index.js';
import { Task } from '../socket/task.js';
import { BufferStdio } from '../tools/tool.js';
import * as sys from '../socket/syscalls.js';
import { AF_INET, SOCK_STREAM, MSG_MORE, type SockaddrIn } from '../socket/socket.js';
import { SOL_TCP, TCP_INFO, TCP_CORK, TCP_NODELAY, TCP_QUICKACK, MAX_TCP_HEADER, TCPF_ESTABLISHED } from './tcp_defs.js';
import type { TcpInfo } from './tcp_info.js';
import { type TcpSock, TCP_SKB_CB } from './tcp_sock.js';
import { tcpSendmsg, tcpInq } from './tcp.js';
import { ipv4Net } from './netns_ipv4.js';
import { TCP_MIB_CURRESTAB } from '../core/snmp.js';
import { secsToRetrans, retransToSecs } from './tcp_sockopt.js';

const LO = 0x7f000001;

function sin(port: number): SockaddrIn {
  return { family: AF_INET, addr: LO, port };
}

async function setup(seed = 3): Promise<{ task: Task; pair: () => Promise<[number, number]> }> {
  const k = createKernel({ seed });
  const out = new BufferStdio();
  const task = new Task(k, k.initNet, out, out, 1);
  const l = sys.socket(task, AF_INET, SOCK_STREAM, 0);
  sys.bind(task, l, sin(6000));
  sys.listen(task, l, 8);
  const pair = async (): Promise<[number, number]> => {
    const c = sys.socket(task, AF_INET, SOCK_STREAM, 0);
    await sys.connect(task, c, sin(6000));
    const { fd } = await sys.accept(task, l);
    await sys.nanosleep(task, 50e6);
    return [c, fd];
  };
  return { task, pair };
}

function segs(task: Task, fd: number): number {
  return (sys.getsockopt(task, fd, SOL_TCP, TCP_INFO) as TcpInfo).tcpi_data_segs_out;
}

const small = new Uint8Array(10);

test('tcp: small writes become segments as on Linux (Nagle, MSG_MORE, TCP_CORK, TCP_NODELAY, delayed ACK)', async () => {
  const { task, pair } = await setup();
  let [c, a] = await pair();
  await sys.write(task, c, small);
  await sys.write(task, c, small);
  assert.equal(segs(task, c), 2, 'Nagle: the first segment is quick-ACKed, the second goes');
  [c, a] = await pair();
  sys.send(task, c, small, MSG_MORE);
  assert.equal(segs(task, c), 0, 'MSG_MORE holds');
  sys.send(task, c, small);
  assert.equal(segs(task, c), 1, 'then one segment');
  await sys.nanosleep(task, 50e6);
  assert.equal(await sys.read(task, a, new Uint8Array(100)), 20);
  [c, a] = await pair();
  sys.setsockopt(task, c, SOL_TCP, TCP_CORK, 1);
  await sys.write(task, c, small);
  await sys.write(task, c, small);
  assert.equal(segs(task, c), 0, 'corked');
  sys.setsockopt(task, c, SOL_TCP, TCP_CORK, 0);
  assert.equal(segs(task, c), 1, 'uncork pushes one segment');
  [c, a] = await pair();
  sys.setsockopt(task, c, SOL_TCP, TCP_NODELAY, 1);
  await sys.write(task, c, small);
  await sys.write(task, c, small);
  assert.equal(segs(task, c), 2, 'TCP_NODELAY');
  // A receiver out of quick-ACK mode delays its ACK: Nagle holds the second small write until it comes.
  [c, a] = await pair();
  sys.setsockopt(task, a, SOL_TCP, TCP_QUICKACK, 0);
  await sys.write(task, c, small);
  await sys.nanosleep(task, 10e6);
  await sys.write(task, c, small);
  assert.equal(segs(task, c), 1, 'held by Nagle');
  await sys.nanosleep(task, 100e6);
  assert.equal(segs(task, c), 2, 'sent when the delayed ACK came');
  void a;
});

test('tcp: TCP_CORK holds a small segment at most 200 ms (Linux: corked data goes out after 200 ms)', async () => {
  const { task, pair } = await setup();
  const [c] = await pair();
  sys.setsockopt(task, c, SOL_TCP, TCP_CORK, 1);
  await sys.write(task, c, small);
  await sys.nanosleep(task, 250e6);
  assert.equal(segs(task, c), 1);
});

test('tcp: the write queue holds MSS-sized payload-only skbs with MAX_TCP_HEADER headroom; CurrEstab', async () => {
  const { task, pair } = await setup();
  const k = task.kernel;
  const est0 = ipv4Net(k.initNet).mib.tcp[TCP_MIB_CURRESTAB]!;
  const [c, a] = await pair();
  assert.equal(ipv4Net(k.initNet).mib.tcp[TCP_MIB_CURRESTAB], est0 + 2);
  const tp = sys.sockfdLookup(task, c).sk as TcpSock;
  assert.ok((1 << tp.state) & TCPF_ESTABLISHED);
  // A zero send window keeps everything in the write queue (tcp_snd_wnd_test fails).
  const sndWnd = tp.sndWnd;
  tp.sndWnd = 0;
  const mss = tp.mssCache;
  const seq0 = tp.writeSeq;
  const n = tcpSendmsg(tp, new Uint8Array(mss * 3 + (mss >> 1)), 0);
  assert.equal(n, mss * 3 + (mss >> 1));
  const lens: number[] = [];
  for (let skb = tp.writeQueue.head; skb; skb = skb.next) {
    lens.push(skb.len);
    assert.equal(skb.data - skb.head, MAX_TCP_HEADER);
    assert.equal(TCP_SKB_CB(skb).endSeq - TCP_SKB_CB(skb).seq, skb.len);
  }
  assert.deepEqual(lens, [mss, mss, mss, mss >> 1]);
  assert.equal(TCP_SKB_CB(tp.writeQueue.head!).seq, seq0);
  assert.equal(tp.writeSeq, (seq0 + n) >>> 0);
  tp.sndWnd = sndWnd;
  sys.setsockopt(task, c, SOL_TCP, TCP_NODELAY, 1);
  await sys.nanosleep(task, 50e6);
  assert.equal(tpOf(task, a).rcvNxt - tpOf(task, a).copiedSeq, n);
  assert.equal(tcpInq(tpOf(task, a)), n);
  sys.close(task, c);
  sys.close(task, a);
  await sys.nanosleep(task, 50e6);
  assert.equal(ipv4Net(k.initNet).mib.tcp[TCP_MIB_CURRESTAB], est0);
});

function tpOf(task: Task, fd: number): TcpSock {
  return sys.sockfdLookup(task, fd).sk as TcpSock;
}

test('tcp: TCP_DEFER_ACCEPT seconds <-> SYN-ACK retransmissions (secs_to_retrans/retrans_to_secs)', () => {
  const pairs = [[0, 0, 0], [1, 1, 1], [2, 2, 3], [5, 3, 7], [100, 7, 127], [1000, 15, 1087]];
  for (const [secs, retrans, back] of pairs) {
    assert.equal(secsToRetrans(secs!, 1, 120), retrans, `secs ${secs}`);
    assert.equal(retransToSecs(retrans!, 1, 120), back, `retrans ${retrans}`);
  }
});
