import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePacketdrillScript } from './parser.js';
import { tokenize } from './lexer.js';
import { PythonSession, PythonError } from './python.js';
import { parseCommandLine } from './commands.js';

test('lexer: floats, ipv4, ellipsis, options, words vs numbers, comments, code', () => {
  const t = tokenize('x.pkt', '--tolerance_usecs=10000\n// c\n+.1...0.2 /* c\n */ 192.0.2.1 0x10 -1 S. %{ a }% `cmd`');
  assert.deepEqual(t.map((x) => [x.kind, x.text, x.line]), [
    ['OPTION', 'tolerance_usecs', 1], ['CHAR', '=', 1], ['INTEGER', '10000', 1], ['CHAR', '+', 3], ['FLOAT', '.1', 3],
    ['ELLIPSIS', '...', 3], ['FLOAT', '0.2', 3], ['IPV4', '192.0.2.1', 4], ['HEX', '0x10', 4], ['INTEGER', '-1', 4],
    ['WORD', 'S', 4], ['CHAR', '.', 4], ['CODE', 'a', 4], ['BACKQ', 'cmd', 4], ['EOF', '', 4],
  ]);
});

test('parser: options, init command, every event kind, packets with options, syscall expressions', () => {
  const s = parsePacketdrillScript('x.pkt', `--tolerance_usecs=10000
\`../defaults.sh\`
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0
+0...0.2 connect(3, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("192.0.2.1")}, 16) = -1 EINPROGRESS (Operation now in progress)
+0 > S 0:0(0) <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 8>
+.1 < [ect0] S. 0:0(0) ack 1 win 65535 <mss 1460,nop,nop,sack 1:2 3:4,eol>
0.1~0.2 > (tos 0x2) . 1:1(0) ack 1 <...>
* > F. 1:1(0) ack 1
+0 recvmsg(3, {msg_name(...)=..., msg_iov(1)=[{..., 100}], msg_flags=MSG_TRUNC}, 0) = 100
+0 poll([{fd=3, events=POLLIN|POLLOUT, revents=POLLOUT}], 1, 0) = 1
+0 < udp (100)
+0 < icmp unreachable frag_needed mtu 1200 [1:1001(1000)]
+0 \`sysctl -q net.ipv4.tcp_ecn=1\`
+0 %{ assert tcpi_snd_cwnd == 10 }%
\`echo done\`
`);
  assert.deepEqual(s.options, [{ name: 'tolerance_usecs', value: '10000', line: 1 }]);
  assert.equal(s.initCommand?.command, '../defaults.sh');
  assert.equal(s.cleanupCommand?.command, 'echo done');
  assert.equal(s.events.length, 13);
  const [sock, , conn, syn, synack, range, any] = s.events;
  assert.equal(sock!.type, 'syscall');
  assert.equal(conn!.type === 'syscall' && conn!.syscall.endUs, 200000);
  assert.equal(conn!.type === 'syscall' && conn!.syscall.errno, 'EINPROGRESS');
  assert.equal(syn!.type === 'packet' && syn!.packet.options?.length, 5);
  assert.equal(syn!.type === 'packet' && syn!.packet.win, -1);
  assert.equal(synack!.timeType, 'relative');
  assert.equal(synack!.timeUs, 100000);
  assert.deepEqual(synack!.type === 'packet' && synack!.packet.ip, { tosCheck: 'ecn', tos: 2, ttl: 0 });
  assert.deepEqual(synack!.type === 'packet' && synack!.packet.options?.[3], { kind: 'sack', blocks: [[1, 2], [3, 4]] });
  assert.equal(range!.timeType, 'absolute_range');
  assert.equal(range!.timeEndUs, 200000);
  assert.equal(range!.type === 'packet' && range!.packet.options, null);
  assert.equal(any!.timeType, 'any');
});

test('parser: upstream-shaped parse and semantic errors', () => {
  assert.throws(() => parsePacketdrillScript('x.pkt', '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 bogus\n'),
    { message: "x.pkt:3: parse error at '': syntax error" });
  assert.throws(() => parsePacketdrillScript('x.pkt', '0 < S 0:0(0) win 100\n+0 < . 1:2(5) ack 1 win 100\n'),
    { message: 'x.pkt:2: semantic error: inconsistent TCP sequence numbers and payload size' });
  assert.throws(() => parsePacketdrillScript('x.pkt', '0 < . 1:1(0) ack 1\n'),
    { message: 'x.pkt:1: semantic error: window must be specified for inbound packets' });
  assert.throws(() => parsePacketdrillScript('x.pkt', '* write(3, ..., 1) = 1\n'),
    { message: 'x.pkt:1: semantic error: event time <star> can only be used with outbound packets' });
  assert.throws(() => parsePacketdrillScript('x.pkt', '0 < S 0:0(0) win 1 <...>\n'),
    { message: 'x.pkt:1: semantic error: <...> for TCP options can only be used with outbound packets' });
  assert.throws(() => parsePacketdrillScript('x.pkt', '`a`\n`b`\n0 close(3) = 0\n'),
    { message: "x.pkt:2: parse error at '`b`': syntax error" });
});

test('python subset: asserts, chained comparisons, arithmetic, messages', () => {
  const py = new PythonSession();
  py.set('tcpi_snd_cwnd', 10);
  py.set('tcpi_rtt', 100123);
  py.set('tcpi_options', 7);
  py.exec('assert tcpi_snd_cwnd == 10, tcpi_snd_cwnd\nassert 90000 <= tcpi_rtt <= 110000\nassert tcpi_options & 2 != 0 or False');
  py.exec('x = tcpi_snd_cwnd * 2 // 3; assert x == 6, x');
  assert.throws(() => py.exec('assert tcpi_snd_cwnd == 7, tcpi_snd_cwnd'), (e: unknown) => e instanceof PythonError && e.message === 'AssertionError: 10');
  assert.throws(() => py.exec('assert tcpi_snd_cwnd == 7, "cwnd %d" % tcpi_snd_cwnd'), { message: 'AssertionError: cwnd 10' });
  assert.throws(() => py.exec('assert nope == 1'), { message: "NameError: name 'nope' is not defined" });
});

test('command lines: quoting, $((...)), operators, redirections', () => {
  const c = parseCommandLine('sysctl -q net.ipv4.tcp_rmem="4096 540000 $((15*1024*1024))" > /dev/null 2>&1; false || echo \'a b\'');
  assert.deepEqual(c, [
    { words: ['sysctl', '-q', 'net.ipv4.tcp_rmem=4096 540000 15728640'], quiet: true, quietErr: true, op: ';' },
    { words: ['false'], quiet: false, quietErr: false, op: ';' },
    { words: ['echo', 'a b'], quiet: false, quietErr: false, op: '||' },
  ]);
});
