/**
 * nstat, netstat -s and ss on tuxnet: the output formats of iproute2 6.1 and
 * net-tools 2.10 (golden strings taken from those tools on Linux 6.18 in a fresh
 * namespace with the same sockets, counters set to the same values), nstat's
 * history semantics (first run absolute, then increments; -a, -s, -n, -r, -z,
 * patterns, JSON), and /proc/net/snmp + /proc/net/netstat headers against this
 * host's when it runs Linux.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createKernel } from '../index.js';
import type { Kernel } from '../core/net_namespace.js';
import { Task } from '../socket/task.js';
import { BufferStdio, type ToolContext } from './tool.js';
import { programs } from './registry.js';
import * as sys from '../socket/syscalls.js';
import { AF_INET, SOCK_DGRAM } from '../socket/socket.js';
import { ipv4Net } from '../ipv4/netns_ipv4.js';
import { UDP_MIB_INDATAGRAMS, UDP_MIB_OUTDATAGRAMS, UDP_MIB_NOPORTS, IPSTATS_MIB_INPKTS } from '../core/snmp.js';

interface Run {
  rc: number;
  out: string;
  err: string;
}

async function run(task: Task, argv: string[], env: Record<string, string> = {}): Promise<Run> {
  const out = new BufferStdio();
  const err = new BufferStdio();
  const ctx: ToolContext = { task, argv, stdout: out, stderr: err, env, exec: async () => 127 };
  const rc = await programs.get(argv[0]!)!(ctx);
  return { rc, out: out.text, err: err.text };
}

function boot(): { k: Kernel; task: Task } {
  const k = createKernel({ seed: 5 });
  const o = new BufferStdio();
  return { k, task: new Task(k, k.initNet, o, o, 1) };
}

test('nstat: first run absolute, then increments; -a ignores history, -s keeps it, -z shows zeros', async () => {
  const { k, task } = boot();
  const mib = ipv4Net(k.initNet).mib;
  mib.udp[UDP_MIB_OUTDATAGRAMS] = 3;
  mib.ip[IPSTATS_MIB_INPKTS] = 10;
  let r = await run(task, ['nstat']);
  assert.equal(r.rc, 0);
  assert.equal(r.out, '#kernel\n' +
    'IpInReceives                    10                 0.0\n' +
    'UdpOutDatagrams                 3                  0.0\n');
  mib.udp[UDP_MIB_OUTDATAGRAMS] = 5;
  r = await run(task, ['nstat']);
  assert.equal(r.out, '#kernel\nUdpOutDatagrams                 2                  0.0\n');
  r = await run(task, ['nstat']);
  assert.equal(r.out, '#kernel\n');
  r = await run(task, ['nstat', '-a']);
  assert.match(r.out, /^UdpOutDatagrams {17}5 {18}0\.0$/m);
  mib.udp[UDP_MIB_INDATAGRAMS] = 7;
  r = await run(task, ['nstat', '-s']);
  assert.equal(r.out, '#kernel\nUdpInDatagrams                  7                  0.0\n');
  r = await run(task, ['nstat', '-s']);
  assert.equal(r.out, '#kernel\nUdpInDatagrams                  7                  0.0\n');
  r = await run(task, ['nstat', '-n']);
  assert.equal(r.out, '');
  r = await run(task, ['nstat']);
  assert.equal(r.out, '#kernel\n');
  r = await run(task, ['nstat', '-az', 'Udp*']);
  assert.equal(r.out.split('\n')[1], 'UdpInDatagrams                  7                  0.0');
  assert.ok(r.out.includes('UdpLiteMemErrors                0                  0.0\n'));
  assert.ok(!r.out.includes('Ip'));
  // The constant ones never show.
  assert.ok(!(await run(task, ['nstat', '-az'])).out.includes('IpForwarding'));
  // -r resets: the next run is absolute again.
  r = await run(task, ['nstat', '-r']);
  assert.ok(r.out.includes('IpInReceives                    10'));
});

test('nstat: JSON compact and pretty, counters going back print (overflow), bad options print usage', async () => {
  const { k, task } = boot();
  const mib = ipv4Net(k.initNet).mib;
  mib.udp[UDP_MIB_NOPORTS] = 2;
  let r = await run(task, ['nstat', '-a', '-j']);
  assert.equal(r.out, '{"kernel":{"UdpNoPorts":2}}\n');
  r = await run(task, ['nstat', '-a', '-j', '-p']);
  assert.equal(r.out, '{\n    "kernel": {\n        "UdpNoPorts": 2\n    }\n}\n');
  await run(task, ['nstat', '-n']);
  mib.udp[UDP_MIB_NOPORTS] = 1;
  // A counter that went back is an increment of 0: shown (marked) only with -z.
  r = await run(task, ['nstat', '-s']);
  assert.equal(r.out, '#kernel\n');
  r = await run(task, ['nstat', '-z', 'UdpNoPorts']);
  assert.equal(r.out, '#kernel\nUdpNoPorts                      0                  0.0 (overflow)\n');
  r = await run(task, ['nstat', '-x']);
  assert.equal(r.rc, 255);
  assert.ok(r.err.startsWith("nstat: invalid option -- 'x'\nUsage: nstat [OPTION] [ PATTERN [ PATTERN ] ]\n"));
  // NSTAT_HISTORY names the history file.
  r = await run(task, ['nstat'], { NSTAT_HISTORY: '/tmp/h1' });
  assert.ok(r.out.includes('UdpNoPorts                      1'));
  assert.ok(sys.readFile(task, '/tmp/h1').startsWith('#kernel\n'));
});

test('netstat -s: net-tools sections, histograms, unknown counters as "Name: value"', async () => {
  const { k, task } = boot();
  const mib = ipv4Net(k.initNet).mib;
  mib.ip[IPSTATS_MIB_INPKTS] = 11472;
  mib.icmp[1] = 2; // InMsgs
  mib.icmpMsg[3] = 2; // InType3
  mib.udp[UDP_MIB_INDATAGRAMS] = 255;
  let r = await run(task, ['netstat', '-s']);
  assert.equal(r.rc, 0);
  const want = [
    'Ip:', '    Forwarding: 2', '    11472 total packets received', '    0 forwarded', '    0 incoming packets discarded',
    '    0 incoming packets delivered', '    0 requests sent out', 'Icmp:', '    2 ICMP messages received',
    '    0 input ICMP message failed', '    ICMP input histogram:', '        destination unreachable: 2',
    '    0 ICMP messages sent', '    0 ICMP messages failed', '    ICMP output histogram:', 'IcmpMsg:', '        InType3: 2',
    'Tcp:', '    0 active connection openings',
  ];
  assert.deepEqual(r.out.split('\n').slice(0, want.length), want);
  assert.ok(r.out.includes('Udp:\n    255 packets received\n    0 packets to unknown port received\n'));
  assert.ok(r.out.endsWith('UdpLite:\nTcpExt:\n    0 packet headers predicted\nIpExt:\nMPTcpExt:\n'));
  r = await run(task, ['netstat', '-su']);
  assert.equal(r.out, 'IcmpMsg:\n    InType3: 2\nUdp:\n    255 packets received\n    0 packets to unknown port received\n' +
    '    0 packet receive errors\n    0 packets sent\n    0 receive buffer errors\n    0 send buffer errors\nUdpLite:\nIpExt:\nMPTcpExt:\n');
});

test('ss: column layout of iproute2 6.1, default UDP filter, names vs -n, Netid with several tables, -H, -s', async () => {
  const { k, task } = boot();
  void k;
  const s53 = sys.socket(task, AF_INET, SOCK_DGRAM);
  sys.bind(task, s53, { family: AF_INET, addr: 0, port: 53 });
  const srv = sys.socket(task, AF_INET, SOCK_DGRAM);
  sys.bind(task, srv, { family: AF_INET, addr: 0x7f000001, port: 5000 });
  const cli = sys.socket(task, AF_INET, SOCK_DGRAM);
  sys.bind(task, cli, { family: AF_INET, addr: 0, port: 37765 });
  await sys.connect(task, cli, { family: AF_INET, addr: 0x7f000001, port: 5000 });
  sys.send(task, cli, new Uint8Array(5));
  const rq = (sys.ioctl(task, srv, 0x541b) as number) > 0;
  assert.ok(rq);
  const norm = (s: string): string[] => s.split('\n').filter((l) => l).map((l) => l.replace(/^(\S+ +)\d+ +/, '$1Q ')).sort();
  let r = await run(task, ['ss', '-uan']);
  const lines = r.out.split('\n');
  assert.equal(lines[0], 'State  Recv-Q Send-Q Local Address:Port  Peer Address:PortProcess');
  const rows = lines.slice(1).filter((l) => l);
  const byPort = (p: string): string => rows.find((l) => l.includes(p))!;
  assert.equal(byPort(':37765'), 'ESTAB  0      0          127.0.0.1:37765    127.0.0.1:5000       ');
  assert.equal(byPort(':53 '), 'UNCONN 0      0            0.0.0.0:53         0.0.0.0:*          ');
  assert.match(rows.find((l) => l.startsWith('UNCONN') && l.includes('127.0.0.1:5000'))!, /^UNCONN \d+ +0 {10}127\.0\.0\.1:5000 {7}0\.0\.0\.0:\* {10}$/);
  r = await run(task, ['ss', '-ua']);
  assert.ok(norm(r.out).includes('UNCONN Q 0            0.0.0.0:domain      0.0.0.0:*          '));
  r = await run(task, ['ss', '-u']);
  assert.equal(r.out, 'Recv-Q Send-Q Local Address:Port  Peer Address:PortProcess\n' +
    '0      0          127.0.0.1:37765    127.0.0.1:5000       \n');
  r = await run(task, ['ss', '-tuan']);
  assert.ok(r.out.startsWith('Netid State  Recv-Q Send-Q Local Address:Port  Peer Address:PortProcess\n'));
  assert.ok(r.out.includes('udp   ESTAB  0      0          127.0.0.1:37765    127.0.0.1:5000       \n'));
  r = await run(task, ['ss', '-uanH']);
  assert.equal(r.out.split('\n').filter((l) => l).length, 3);
  r = await run(task, ['ss', '-s']);
  assert.equal(r.out, 'Total: 3\nTCP:   0 (estab 0, closed 0, orphaned 0, timewait 0)\n\n' +
    'Transport Total     IP        IPv6\nRAW\t  0         0         0        \nUDP\t  3         3         0        \n' +
    'TCP\t  0         0         0        \nINET\t  3         3         0        \nFRAG\t  0         0         0        \n\n');
  r = await run(task, ['ss', '-tn']);
  assert.equal(r.out, 'State Recv-Q Send-Q Local Address:Port Peer Address:PortProcess\n');
  r = await run(task, ['ss', '-uan', 'state', 'established']);
  assert.equal(r.out.split('\n').filter((l) => l).length, 2);
});

test('/proc/net/snmp and /proc/net/netstat: header lines as this host prints them', () => {
  const { task } = boot();
  const ours = sys.readFile(task, '/proc/net/snmp').split('\n');
  let host: string[];
  try {
    host = readFileSync('/proc/net/snmp', 'utf8').split('\n');
  } catch {
    console.log('# skipped: no /proc/net/snmp on this host');
    return;
  }
  for (const prefix of ['Ip:', 'Icmp:', 'Tcp:', 'Udp:', 'UdpLite:']) {
    assert.equal(ours.find((l) => l.startsWith(prefix)), host.find((l) => l.startsWith(prefix)), prefix);
  }
  const ns = sys.readFile(task, '/proc/net/netstat').split('\n');
  const hostNs = readFileSync('/proc/net/netstat', 'utf8').split('\n');
  assert.equal(ns.find((l) => l.startsWith('IpExt:')), hostNs.find((l) => l.startsWith('IpExt:')));
  for (const prefix of ['TcpExt:', 'MPTcpExt:']) {
    const h = hostNs.find((l) => l.startsWith(prefix));
    if (h !== undefined && h !== ns.find((l) => l.startsWith(prefix))) {
      console.log(`# ${prefix} differs: this host's kernel is not the 6.18 whose names tuxnet prints`);
    }
  }
  // Each header line has a value line with as many fields.
  for (let i = 0; i + 1 < ours.length; i += 2) {
    if (!ours[i]) continue;
    assert.equal(ours[i]!.split(' ').length, ours[i + 1]!.split(' ').length, ours[i]);
  }
});
