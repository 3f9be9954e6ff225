/**
 * Listen queues as Linux 6.18 runs them, between two namespaces over veth (a: 10.0.0.1,
 * b: 10.0.0.2). The figures are those of the same exchange run on this host with python3
 * sockets, ss and nstat (namespaces tnxc2/tnxc3):
 * - listen(2) without accept(): three handshakes complete (sk_acceptq_is_full is
 *   "more than the backlog"), later SYNs are dropped while the accept queue is full, each
 *   counted in ListenOverflows and ListenDrops, and the clients stay in SYN-SENT
 *   retransmitting.
 * - listen(8) flooded by 500 spoofed SYNs (IP_HDRINCL, sources in 172.16/12 routed back
 *   through a, which drops the SYN-ACKs): nine request socks fill the SYN queue
 *   (reqsk_queue_is_full is "more than the backlog"), the other 491 and a legitimate
 *   client's SYN get cookies (TCPReqQFullDoCookies = SyncookiesSent = 492), the client's
 *   cookie ACK makes the connection (SyncookiesRecv 1) and data flows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKernel } from '../src/index.js';
import type { Kernel, Net } from '../src/core/net_namespace.js';
import { Task } from '../src/socket/task.js';
import * as sys from '../src/socket/syscalls.js';
import { AF_INET, SOCK_STREAM, SOCK_RAW, SOCK_NONBLOCK, type SockaddrIn } from '../src/socket/socket.js';
import { SystemError } from '../src/socket/errno.js';
import { programs } from '../src/tools/registry.js';
import { BufferStdio } from '../src/tools/tool.js';
import { ipv4Net } from '../src/ipv4/netns_ipv4.js';
import {
  TCP_MIB_PASSIVEOPENS, LINUX_MIB_LISTENOVERFLOWS, LINUX_MIB_LISTENDROPS, LINUX_MIB_TCPSYNRETRANS,
  LINUX_MIB_SYNCOOKIESSENT, LINUX_MIB_SYNCOOKIESRECV, LINUX_MIB_TCPREQQFULLDOCOOKIES, LINUX_MIB_SYNCOOKIESFAILED,
} from '../src/core/snmp.js';
import { tcpForEachSock } from '../src/ipv4/inet_hashtables.js';
import { TcpSock, TimeWaitSock, RequestSock } from '../src/ipv4/tcp_sock.js';
import { TCP_STATE_NAMES } from '../src/ipv4/tcp_defs.js';
import { csumPartial, csumTcpudpMagic } from '../src/wire/checksum.js';

const ip = (s: string): number => s.split('.').reduce((x, y) => x * 256 + Number(y), 0) >>> 0;
const B = ip('10.0.0.2');
const sin = (addr: number, port: number): SockaddrIn => ({ family: AF_INET, addr, port });

const SETUP = [
  'ip netns add a', 'ip netns add b',
  'ip link add veth0 netns a type veth peer name veth1 netns b',
  'ip -n a addr add 10.0.0.1/24 dev veth0', 'ip -n b addr add 10.0.0.2/24 dev veth1',
  'ip -n a link set lo up', 'ip -n b link set lo up',
  'ip -n a link set veth0 up', 'ip -n b link set veth1 up',
  'ip -n b route add 172.16.0.0/12 via 10.0.0.1',
];

async function topo(seed = 11): Promise<{ k: Kernel; a: Net; b: Net; ta: Task; tb: Task }> {
  const k = createKernel({ seed });
  for (const line of SETUP) {
    const argv = line.split(' ');
    const out = new BufferStdio();
    const task = new Task(k, k.initNet, out, out, 1);
    const rc = await programs.get(argv[0]!)!({ task, argv, stdout: out, stderr: out, env: {}, exec: async () => 0 });
    sys.exitTask(task);
    assert.equal(rc, 0, `${line}: ${out.text}`);
  }
  await k.sleep(1e9);
  const a = k.netnsNames.get('a')!;
  const b = k.netnsNames.get('b')!;
  return { k, a, b, ta: new Task(k, a, new BufferStdio(), new BufferStdio(), 2), tb: new Task(k, b, new BufferStdio(), new BufferStdio(), 3) };
}

function stateCounts(net: Net): Record<string, number> {
  const c: Record<string, number> = {};
  tcpForEachSock(net, (o) => {
    const s = o instanceof TcpSock ? TCP_STATE_NAMES[o.state]! : o instanceof TimeWaitSock ? 'TIME-WAIT'
      : o instanceof RequestSock ? 'SYN-RECV' : '?';
    c[s] = (c[s] ?? 0) + 1;
  });
  return c;
}

test('tcp listen: backlog 2 without accept(): 3 established, later SYNs dropped (ListenOverflows/ListenDrops)', async () => {
  const { k, a, b, ta, tb } = await topo();
  const lfd = sys.socket(tb, AF_INET, SOCK_STREAM, 0);
  sys.bind(tb, lfd, sin(B, 9000));
  sys.listen(tb, lfd, 2);
  for (let i = 0; i < 6; i++) {
    const fd = sys.socket(ta, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    assert.throws(() => sys.connectNow(ta, fd, sin(B, 9000)), (e: unknown) => e instanceof SystemError && e.code === 'EINPROGRESS');
    await k.sleep(10e6);
  }
  await k.sleep(3.5e9);
  assert.deepEqual(stateCounts(a), { ESTAB: 3, 'SYN-SENT': 3 });
  assert.deepEqual(stateCounts(b), { LISTEN: 1, ESTAB: 3 });
  const mb = ipv4Net(b).mib;
  const synRetrans = ipv4Net(a).mib.net[LINUX_MIB_TCPSYNRETRANS]!;
  assert.ok(synRetrans >= 6, `SYN retransmissions ${synRetrans}`);
  assert.equal(mb.net[LINUX_MIB_LISTENOVERFLOWS], 3 + synRetrans);
  assert.equal(mb.net[LINUX_MIB_LISTENDROPS], 3 + synRetrans);
  assert.equal(mb.tcp[TCP_MIB_PASSIVEOPENS], 3);
  // Accepting one makes room for one more handshake (at the next SYN retransmission).
  await sys.accept(tb, lfd);
  await k.sleep(2.1e9);
  assert.deepEqual(stateCounts(a), { ESTAB: 4, 'SYN-SENT': 2 });
});

/** An IPv4 SYN with an MSS option from saddr:sport (IP_HDRINCL raw socket payload). */
function spoofedSyn(saddr: number, daddr: number, sport: number, dport: number, seq: number): Uint8Array {
  const p = new Uint8Array(20 + 24);
  const v = new DataView(p.buffer);
  v.setUint8(0, 0x45);
  v.setUint16(2, p.length);
  v.setUint16(6, 0x4000);
  v.setUint8(8, 64);
  v.setUint8(9, 6);
  v.setUint32(12, saddr);
  v.setUint32(16, daddr);
  v.setUint16(20, sport);
  v.setUint16(22, dport);
  v.setUint32(24, seq >>> 0);
  v.setUint8(32, 6 << 4);
  v.setUint8(33, 0x02);
  v.setUint16(34, 64240);
  v.setUint32(40, 0x020405b4);
  v.setUint16(36, csumTcpudpMagic(saddr, daddr, 24, 6, csumPartial(p, 20, 24)));
  return p;
}

test('tcp listen: a flood of 500 spoofed SYNs at backlog 8 gets cookies; a real client still connects', async () => {
  const { k, a, b, ta, tb } = await topo(12);
  const lfd = sys.socket(tb, AF_INET, SOCK_STREAM, 0);
  sys.bind(tb, lfd, sin(B, 9001));
  sys.listen(tb, lfd, 8);
  const raw = sys.socket(ta, AF_INET, SOCK_RAW, 255);
  let x = 12345;
  const rnd = (n: number): number => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x % n;
  };
  for (let i = 0; i < 500; i++) {
    const src = (ip('172.16.0.0') + (rnd(256) << 8) + 1 + rnd(254)) >>> 0;
    sys.sendto(ta, raw, spoofedSyn(src, B, 1024 + rnd(60000), 9001, rnd(0x7fffffff) * 2), sin(B, 0));
  }
  await k.sleep(1e6);
  const cfd = sys.socket(ta, AF_INET, SOCK_STREAM, 0);
  await sys.connect(ta, cfd, sin(B, 9001));
  const { fd: afd, addr } = await sys.accept(tb, lfd);
  assert.equal((addr as SockaddrIn).addr, ip('10.0.0.1'));
  assert.equal(await sys.write(ta, cfd, new TextEncoder().encode('ping')), 4);
  const buf = new Uint8Array(16);
  assert.equal(new TextDecoder().decode(buf.subarray(0, await sys.read(tb, afd, buf))), 'ping');
  assert.equal(await sys.write(tb, afd, new TextEncoder().encode('pong')), 4);
  assert.equal(new TextDecoder().decode(buf.subarray(0, await sys.read(ta, cfd, buf))), 'pong');
  const mb = ipv4Net(b).mib.net;
  assert.equal(mb[LINUX_MIB_TCPREQQFULLDOCOOKIES], 492);
  assert.equal(mb[LINUX_MIB_SYNCOOKIESSENT], 492);
  assert.equal(mb[LINUX_MIB_SYNCOOKIESRECV], 1);
  assert.equal(mb[LINUX_MIB_SYNCOOKIESFAILED], 0);
  assert.equal(stateCounts(b)['SYN-RECV'], 9);
  void a;
});
