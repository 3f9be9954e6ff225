/**
 * TCP connection management end to end (CONN's milestone scenario): the three-way
 * handshake, data both ways and the FIN close, over lo and over a veth pair between two
 * namespaces (a: 10.0.0.1/24, b: 10.0.0.2/24), through the socket API. The states and
 * counters are those Linux 6.18 shows for the same exchange (checked with python3
 * sockets, ss and nstat in tnxc* namespaces): the active closer ends in TIME_WAIT for
 * 60 s, the passive one is gone; ActiveOpens/PassiveOpens 1 each; a connect to a closed
 * port is refused by a RST (ECONNREFUSED, AttemptFails, OutRsts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKernel } from '../src/index.js';
import type { Kernel, Net } from '../src/core/net_namespace.js';
import { Task } from '../src/socket/task.js';
import * as sys from '../src/socket/syscalls.js';
import { AF_INET, SOCK_STREAM, SHUT_WR, type SockaddrIn } from '../src/socket/socket.js';
import { programs } from '../src/tools/registry.js';
import { BufferStdio } from '../src/tools/tool.js';
import { ipv4Net } from '../src/ipv4/netns_ipv4.js';
import {
  TCP_MIB_ACTIVEOPENS, TCP_MIB_PASSIVEOPENS, TCP_MIB_CURRESTAB, TCP_MIB_ATTEMPTFAILS, TCP_MIB_OUTRSTS,
  LINUX_MIB_TIMEWAITED,
} from '../src/core/snmp.js';
import { tcpForEachSock, tcpNet } from '../src/ipv4/inet_hashtables.js';
import { TcpSock, TimeWaitSock, RequestSock } from '../src/ipv4/tcp_sock.js';
import { TCP_STATE_NAMES } from '../src/ipv4/tcp_defs.js';

const LO = 0x7f000001;
const ip = (s: string): number => s.split('.').reduce((x, y) => x * 256 + Number(y), 0) >>> 0;
const A = ip('10.0.0.1');
const B = ip('10.0.0.2');
const sin = (addr: number, port: number): SockaddrIn => ({ family: AF_INET, addr, port });

const SETUP = [
  'ip netns add a', 'ip netns add b',
  'ip link add veth0 netns a type veth peer name veth1 netns b',
  'ip -n a addr add 10.0.0.1/24 dev veth0', 'ip -n b addr add 10.0.0.2/24 dev veth1',
  'ip -n a link set lo up', 'ip -n b link set lo up',
  'ip -n a link set veth0 up', 'ip -n b link set veth1 up',
];

async function tool(k: Kernel, net: Net, line: string): Promise<{ rc: number; err: string }> {
  const argv = line.split(' ');
  const out = new BufferStdio();
  const err = new BufferStdio();
  const task = new Task(k, net, out, err, 1);
  const rc = await programs.get(argv[0]!)!({ task, argv, stdout: out, stderr: err, env: {}, exec: async () => 0 });
  sys.exitTask(task);
  return { rc, err: err.text };
}

async function topo(seed = 4): Promise<{ k: Kernel; a: Net; b: Net; ta: Task; tb: Task }> {
  const k = createKernel({ seed });
  for (const l of SETUP) {
    const r = await tool(k, k.initNet, l);
    assert.equal(r.rc, 0, `${l}: ${r.err}`);
  }
  await k.sleep(1e9);
  const a = k.netnsNames.get('a')!;
  const b = k.netnsNames.get('b')!;
  return { k, a, b, ta: new Task(k, a, new BufferStdio(), new BufferStdio(), 2), tb: new Task(k, b, new BufferStdio(), new BufferStdio(), 3) };
}

/** Every TCP socket of `net` as "STATE local:port peer:port" (ss -tan order: listeners, then ehash). */
function states(net: Net): string[] {
  const out: string[] = [];
  const f = (a: number): string => `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
  tcpForEachSock(net, (o) => {
    if (o instanceof TcpSock) out.push(`${TCP_STATE_NAMES[o.state]} ${f(o.inetRcvSaddr)}:${o.inetNum} ${f(o.inetDaddr)}:${o.inetDport}`);
    else if (o instanceof TimeWaitSock) out.push(`TIME-WAIT ${f(o.rcvSaddr)}:${o.num} ${f(o.daddr)}:${o.dport}`);
    else if (o instanceof RequestSock) out.push(`SYN-RECV ${f(o.locAddr)}:${o.num} ${f(o.rmtAddr)}:${o.rmtPort}`);
  });
  return out.sort();
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

async function readAll(task: Task, fd: number): Promise<string> {
  const buf = new Uint8Array(65536);
  let s = '';
  for (;;) {
    const n = await sys.read(task, fd, buf);
    if (n === 0) return s;
    s += dec(buf.subarray(0, n));
  }
}

/** The exchange both scenarios run: connect, request, reply, client shutdown(WR), server close. */
async function exchange(tc: Task, ts: Task, caddr: number, saddr: number, port: number): Promise<{ cfd: number; cport: number }> {
  const lfd = sys.socket(ts, AF_INET, SOCK_STREAM, 0);
  sys.bind(ts, lfd, sin(0, port));
  sys.listen(ts, lfd, 8);
  const cfd = sys.socket(tc, AF_INET, SOCK_STREAM, 0);
  await sys.connect(tc, cfd, sin(saddr, port));
  const { fd: afd, addr } = await sys.accept(ts, lfd);
  const cname = sys.getsockname(tc, cfd) as SockaddrIn;
  assert.equal(cname.addr, caddr);
  assert.ok(cname.port >= 32768 && cname.port <= 60999, `ephemeral port ${cname.port}`);
  assert.deepEqual(addr, sin(caddr, cname.port));
  assert.deepEqual(sys.getpeername(tc, cfd), sin(saddr, port));
  // Data both ways, including more than one segment.
  const big = 'x'.repeat(20000);
  assert.equal(await sys.write(tc, cfd, enc('GET ' + big)), 4 + big.length);
  const buf = new Uint8Array(65536);
  let got = '';
  while (got.length < 4 + big.length) {
    const n = await sys.read(ts, afd, buf);
    assert.ok(n > 0);
    got += dec(buf.subarray(0, n));
  }
  assert.equal(got, 'GET ' + big);
  assert.equal(await sys.write(ts, afd, enc('200 OK')), 6);
  const r = await sys.read(tc, cfd, buf);
  assert.equal(dec(buf.subarray(0, r)), '200 OK');
  // Half close from the client: the server reads EOF, answers, closes.
  sys.shutdown(tc, cfd, SHUT_WR);
  assert.equal(await readAll(ts, afd), '');
  assert.equal(await sys.write(ts, afd, enc('bye')), 3);
  sys.close(ts, afd);
  assert.equal(await readAll(tc, cfd), 'bye');
  sys.close(ts, lfd);
  return { cfd, cport: cname.port };
}

test('tcp basic: handshake, data both ways, FIN close over lo; TIME_WAIT on the active closer for 60 s', async () => {
  const k = createKernel({ seed: 9 });
  const t = new Task(k, k.initNet, new BufferStdio(), new BufferStdio(), 1);
  const net = k.initNet;
  const mib = ipv4Net(net).mib;
  const { cfd, cport } = await exchange(t, t, LO, LO, 8080);
  assert.equal(mib.tcp[TCP_MIB_ACTIVEOPENS], 1);
  assert.equal(mib.tcp[TCP_MIB_PASSIVEOPENS], 1);
  // Server closed first after the client's FIN: server LAST_ACK -> gone; client FIN_WAIT2 -> close -> TIME_WAIT.
  sys.close(t, cfd);
  await k.sleep(10e6);
  assert.deepEqual(states(net), [`TIME-WAIT 127.0.0.1:${cport} 127.0.0.1:8080`]);
  assert.equal(mib.tcp[TCP_MIB_CURRESTAB], 0);
  assert.equal(mib.net[LINUX_MIB_TIMEWAITED], 1);
  assert.equal(tcpNet(net).twCount, 1);
  await k.sleep(59e9);
  assert.equal(states(net).length, 1, 'still in TIME_WAIT before 60 s');
  await k.sleep(1.1e9);
  assert.deepEqual(states(net), []);
  assert.equal(tcpNet(net).twCount, 0);
});

test('tcp basic: handshake, data both ways, FIN close over veth between two namespaces', async () => {
  const { k, a, b, ta, tb } = await topo();
  const { cfd, cport } = await exchange(ta, tb, A, B, 5001);
  sys.close(ta, cfd);
  await k.sleep(50e6);
  assert.deepEqual(states(a), [`TIME-WAIT 10.0.0.1:${cport} 10.0.0.2:5001`]);
  assert.deepEqual(states(b), []);
  assert.equal(ipv4Net(a).mib.tcp[TCP_MIB_ACTIVEOPENS], 1);
  assert.equal(ipv4Net(b).mib.tcp[TCP_MIB_PASSIVEOPENS], 1);
  assert.equal(ipv4Net(a).mib.tcp[TCP_MIB_CURRESTAB], 0);
  assert.equal(ipv4Net(b).mib.tcp[TCP_MIB_CURRESTAB], 0);
});

test('tcp basic: connect to a port nobody listens on is refused by a RST (ECONNREFUSED)', async () => {
  const { a, b, ta } = await topo(5);
  const cfd = sys.socket(ta, AF_INET, SOCK_STREAM, 0);
  await assert.rejects(sys.connect(ta, cfd, sin(B, 7)), { code: 'ECONNREFUSED' });
  assert.equal(ipv4Net(a).mib.tcp[TCP_MIB_ATTEMPTFAILS], 1);
  assert.equal(ipv4Net(b).mib.tcp[TCP_MIB_OUTRSTS], 1);
  assert.deepEqual(states(a), []);
});
