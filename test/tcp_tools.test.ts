/**
 * The TCP tools end to end between two namespaces on the virtual clock: nc (listen,
 * connect, -N, -z), ss (-tan, -lnt, -ti, -e, -m, -o from NETLINK_SOCK_DIAG), /proc/net/tcp
 * and /proc/net/sockstat, iperf3 (TCP and UDP, -R, -P, -J with iperf 3.12's keys), and
 * nstat/netstat -s with the Tcp/TcpExt counters. Output formats are iproute2 6.1's,
 * netcat-openbsd 1.219's and iperf 3.12's as this host prints them (checked with the real
 * tools in tnx* namespaces).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scenario, type Scenario } from './harness/scenario.js';
import { Task } from '../src/socket/task.js';
import { exitTask } from '../src/socket/syscalls.js';
import { programs } from '../src/tools/registry.js';
import { BufferStdio, BufferStdin } from '../src/tools/tool.js';

const TOPO = [
  'ip netns add tnxa',
  'ip netns add tnxb',
  'ip link add veth-a netns tnxa type veth peer name veth-b netns tnxb',
  'ip -n tnxa addr add 10.0.0.1/24 dev veth-a',
  'ip -n tnxb addr add 10.0.0.2/24 dev veth-b',
  'ip -n tnxa link set lo up',
  'ip -n tnxb link set lo up',
  'ip -n tnxa link set veth-a up',
  'ip -n tnxb link set veth-b up',
  'sleep 1',
].join('\n') + '\n';

/** Run a tool in a namespace with optional stdin chunks. */
async function tool(s: Scenario, ns: string, line: string, stdin?: string[], tasks?: Task[]): Promise<{ rc: number; out: string; err: string }> {
  const argv = line.split(' ').filter(Boolean);
  const out = new BufferStdio();
  const err = new BufferStdio();
  const task = new Task(s.k, s.net(ns), out, err);
  tasks?.push(task);
  const rc = await programs.get(argv[0]!)!({ task, argv, stdout: out, stderr: err, env: {}, exec: async () => 127,
    stdin: stdin ? new BufferStdin(stdin) : undefined });
  exitTask(task);
  return { rc, out: out.text, err: err.text };
}

test('nc: a TCP listener gets what the client sends (-N closes the sending side), with -v messages', async () => {
  const s = await scenario(TOPO);
  const srv = tool(s, 'tnxb', 'nc -n -v -l 5000');
  await s.sleep(0.1);
  const cli = await tool(s, 'tnxa', 'nc -v -N 10.0.0.2 5000', ['hello\n', 'over tcp\n']);
  const r = await srv;
  assert.equal(cli.rc, 0, cli.err);
  assert.equal(cli.err, 'Connection to 10.0.0.2 5000 port [tcp/*] succeeded!\n');
  assert.equal(r.rc, 0);
  assert.equal(r.out, 'hello\nover tcp\n');
  assert.match(r.err, /^Listening on 0\.0\.0\.0 5000\nConnection received on 10\.0\.0\.1 \d+\n$/);
});

test('nc -z: an open port exits 0, a closed one 1 (-v: connect ... failed: Connection refused)', async () => {
  const s = await scenario(TOPO);
  const srv = tool(s, 'tnxb', 'nc -l 5000');
  await s.sleep(0.1);
  const open = await tool(s, 'tnxa', 'nc -z 10.0.0.2 5000');
  assert.equal(open.rc, 0);
  assert.equal(open.err, '');
  const closed = await tool(s, 'tnxa', 'nc -zv 10.0.0.2 5001');
  assert.equal(closed.rc, 1);
  assert.equal(closed.err, 'nc: connect to 10.0.0.2 port 5001 (tcp) failed: Connection refused\n');
  await srv;
  const n = await s.nstat('tnxa', 'TcpActiveOpens', 'TcpAttemptFails');
  assert.deepEqual([n.TcpActiveOpens, n.TcpAttemptFails], [2, 1]);
});

test('ss -lnt / -tan / -tnie / -tnmi and /proc/net/tcp for a listener and an established pair', async () => {
  const s = await scenario(TOPO);
  const ncs: Task[] = [];
  const srv = tool(s, 'tnxb', 'nc -l 5000', undefined, ncs);
  await s.sleep(0.1);
  const cli = tool(s, 'tnxa', 'nc 10.0.0.2 5000', undefined, ncs);
  await s.sleep(1);
  const l = await tool(s, 'tnxb', 'ss -lnt');
  assert.equal(l.out, 'State  Recv-Q Send-Q Local Address:Port Peer Address:PortProcess\n' +
    'LISTEN 0      1            0.0.0.0:5000      0.0.0.0:*          \n');
  const all = await tool(s, 'tnxb', 'ss -tan');
  const lines = all.out.split('\n');
  assert.equal(lines[0], 'State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process');
  assert.match(lines[1]!, /^LISTEN 0 {6}1 {12}0\.0\.0\.0:5000 {6}0\.0\.0\.0:\* {11}$/);
  assert.match(lines[2]!, /^ESTAB {2}0 {6}0 {11}10\.0\.0\.2:5000 {5}10\.0\.0\.1:\d+\s*$/);
  const ie = await tool(s, 'tnxa', 'ss -tnie');
  assert.match(ie.out, /\n ?ESTAB 0 {6}0 {11}10\.0\.0\.1:\d+ +10\.0\.0\.2:5000 ino:\d+ sk:[0-9a-f]+ <->\n\t ts sack cubic wscale:\d+,\d+ rto:\d+ .*mss:1448 pmtu:1500 rcvmss:536 advmss:1448 cwnd:10 /);
  const mi = await tool(s, 'tnxb', 'ss -tnmi');
  assert.match(mi.out, /\n\t skmem:\(r0,rb\d+,t0,tb\d+,f0,w0,o0,bl0,d0\) cubic wscale:/);
  const proc = await tool(s, 'tnxb', 'cat /proc/net/tcp');
  const pl = proc.out.split('\n');
  assert.equal(pl[0], '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode'.padEnd(149));
  assert.match(pl[1]!, /^ {3}0: 00000000:1388 00000000:0000 0A 00000000:00000000 00:00000000 00000000 {5}0 {8}0 \d+ 1 0{8}[0-9a-f]{8} 100 0 0 10 0 +$/);
  assert.match(pl[2]!, /^ {3}1: 0200000A:1388 0100000A:[0-9A-F]{4} 01 00000000:00000000 00:00000000 00000000 {5}0 {8}0 \d+ 2 0{8}[0-9a-f]{8} 20 \d+ \d+ 10 -1 +$/);
  assert.equal(pl[1]!.length, 149);
  const st = await tool(s, 'tnxb', 'cat /proc/net/sockstat');
  assert.match(st.out, /\nTCP: inuse 2 orphan 0 tw 0 alloc 2 mem 0\n/);
  // Both nc stay connected (no stdin EOF handling ends them) until killed: a task blocked for
  // ever would keep the virtual clock running through the kernel's periodic timers.
  for (const t of ncs) t.kill();
  await Promise.allSettled([srv, cli]);
});

test('iperf3 over TCP (-n, -P 2, -R) and UDP (-u -b -l -k) with -J documents as iperf 3.12', async () => {
  const s = await scenario(TOPO);
  let srv = tool(s, 'tnxb', 'iperf3 -s -1');
  await s.sleep(0.2);
  const c = await tool(s, 'tnxa', 'iperf3 -c 10.0.0.2 -n 4M -J');
  assert.equal(c.rc, 0, c.err || c.out);
  assert.equal((await srv).rc, 0);
  const j = JSON.parse(c.out) as Record<string, Record<string, unknown>>;
  assert.deepEqual(Object.keys(j), ['start', 'intervals', 'end']);
  for (const k of ['connected', 'version', 'system_info', 'timestamp', 'connecting_to', 'cookie', 'tcp_mss_default',
    'target_bitrate', 'sock_bufsize', 'sndbuf_actual', 'rcvbuf_actual', 'test_start']) {
    assert.ok(k in j.start!, `start.${k}`);
  }
  assert.equal(j.start!.version, 'iperf 3.12');
  const end = j.end as { sum_sent: { bytes: number }; sum_received: { bytes: number }; sender_tcp_congestion: string };
  assert.ok(end.sum_sent.bytes >= 4 << 20);
  assert.equal(end.sum_received.bytes, end.sum_sent.bytes);
  assert.equal(end.sender_tcp_congestion, 'cubic');
  // Human output: reverse mode with two streams.
  srv = tool(s, 'tnxb', 'iperf3 -s -1');
  await s.sleep(0.2);
  const r = await tool(s, 'tnxa', 'iperf3 -c 10.0.0.2 -n 2M -R -P 2');
  assert.equal(r.rc, 0, r.err);
  assert.match(r.out, /^Connecting to host 10\.0\.0\.2, port 5201\nReverse mode, remote host 10\.0\.0\.2 is sending\n/);
  assert.match(r.out, /\n\[ ID\] Interval {11}Transfer {5}Bitrate {9}Retr\n/);
  assert.match(r.out, /\n\[SUM\] {3}0\.00-\d+\.\d\d {2,3}sec {2}.*sender\n\[SUM\] .*receiver\n\niperf Done\.\n$/);
  const sr = await srv;
  assert.match(sr.out, /^-{59}\nServer listening on 5201 \(test #1\)\n-{59}\nAccepted connection from 10\.0\.0\.1, port \d+\n/);
  // UDP: 50 datagrams of 1000 bytes.
  srv = tool(s, 'tnxb', 'iperf3 -s -1');
  await s.sleep(0.2);
  const u = await tool(s, 'tnxa', 'iperf3 -c 10.0.0.2 -u -b 8M -l 1000 -k 50 -J');
  assert.equal(u.rc, 0, u.err || u.out);
  await srv;
  const ju = JSON.parse(u.out) as { end: { sum_sent: { packets: number }; sum_received: { packets: number; lost_packets: number } } };
  assert.equal(ju.end.sum_sent.packets, 50);
  assert.equal(ju.end.sum_received.packets, 50);
  assert.equal(ju.end.sum_received.lost_packets, 0);
});

test('iperf3 -c to a closed port: "unable to connect to server: Connection refused", exit 1', async () => {
  const s = await scenario(TOPO);
  const c = await tool(s, 'tnxa', 'iperf3 -c 10.0.0.2 -t 1');
  assert.equal(c.rc, 1);
  assert.equal(c.out, 'Connecting to host 10.0.0.2, port 5201\n');
  assert.equal(c.err, 'iperf3: error - unable to connect to server: Connection refused\n');
});

test('nstat and netstat -s show the Tcp and TcpExt counters after a transfer', async () => {
  const s = await scenario(TOPO);
  const srv = tool(s, 'tnxb', 'iperf3 -s -1');
  await s.sleep(0.2);
  await tool(s, 'tnxa', 'iperf3 -c 10.0.0.2 -n 1M');
  await srv;
  const n = await s.nstat('tnxb', 'TcpPassiveOpens', 'TcpInSegs', 'TcpExtTCPHPHits', 'TcpExtTCPOrigDataSent');
  assert.equal(n.TcpPassiveOpens, 2);
  // Linux 6.18, the same commands over a default veth (TSO on, GRO off): TcpInSegs 46 on the
  // receiver, as the sender's TSO packets arrive whole. tuxnet sends TSO packets too, more and
  // smaller ones (no tcp_tso_should_defer): a few hundred; without TSO it was over 700.
  assert.ok(n.TcpInSegs! > 30 && n.TcpInSegs! < 700, `TcpInSegs ${n.TcpInSegs}`);
  const ns = await tool(s, 'tnxb', 'netstat -st');
  assert.match(ns.out, /^Tcp:\n {4}0 active connection openings\n {4}2 passive connection openings\n/);
  assert.match(ns.out, /\nTcpExt:\n/);
});
