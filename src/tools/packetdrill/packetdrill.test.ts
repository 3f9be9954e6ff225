import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKernel } from '../../index.js';
import { runPacketdrillScript, packetdrillCli, type PacketdrillResult } from './index.js';
import { BufferStdio } from '../tool.js';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function run(text: string, argv: string[] = []): Promise<PacketdrillResult> {
  return runPacketdrillScript(createKernel({ seed: 1 }), text, { path: 'x.pkt', argv });
}

async function pass(text: string, argv: string[] = []): Promise<void> {
  const r = await run(text, argv);
  assert.deepEqual(r.errors, []);
  assert.equal(r.status, 0);
}

async function fail(text: string, first: string | RegExp, argv: string[] = []): Promise<string> {
  const r = await run(text, argv);
  assert.equal(r.ok, false, 'the script must fail');
  assert.equal(r.status, 1);
  const e = r.errors[0] ?? '';
  if (typeof first === 'string') assert.equal(e.split('\n')[0], first, e);
  else assert.match(e, first);
  return e;
}

const UDP_HEAD = `
0 socket(..., SOCK_DGRAM, IPPROTO_UDP) = 3
+0 bind(3, ..., ...) = 0
+0 connect(3, ..., ...) = 0
`;

test('UDP: write goes out on tun0 as the script expects; an injected datagram is read', async () => {
  await pass(`${UDP_HEAD}
+0 write(3, ..., 100) = 100
+0 > udp (100)
+0.1 < udp (50)
+0 read(3, ..., 1000) = 50
+0 ioctl(3, FIONREAD, [0]) = 0
+0 close(3) = 0
`);
});

test('addresses and MTU from the command line (--local_ip, --remote_ip, --gateway_ip, --netmask_ip, --mtu)', async () => {
  const r = await run(`${UDP_HEAD}
+0 \`ip -o -4 addr show dev tun0; ip -o link show tun0; ip route show 198.51.100.0/24\`
+0 write(3, ..., 100) = 100
+0 > udp (100)
+0 < udp (10)
+0 recvfrom(3, ..., 100, 0, ..., ...) = 10
`, ['--local_ip=10.1.2.3', '--remote_ip=198.51.100.7', '--gateway_ip=10.0.0.254', '--netmask_ip=255.0.0.0', '--mtu=1280']);
  assert.deepEqual(r.errors, []);
  assert.match(r.output, /tun0 +inet 10\.1\.2\.3\/8 /);
  assert.match(r.output, /tun0: <POINTOPOINT,MULTICAST,NOARP,UP,LOWER_UP> mtu 1280 /);
  assert.match(r.output, /198\.51\.100\.0\/24 via 10\.0\.0\.254 dev tun0/);
});

test('UDP: a blocking read marked with ... ends when the datagram arrives; its end time is checked', async () => {
  await pass(`${UDP_HEAD}
+0...0.2 read(3, ..., 1000) = 20
+0.2 < udp (20)
+0 close(3) = 0
`);
  await fail(`${UDP_HEAD}
+0...0.1 read(3, ..., 1000) = 20
+0.3 < udp (20)
`, 'x.pkt:6: timing error: expected system call return at 0.100000 sec but happened at 0.300000 sec; tolerance 0.012500 sec');
});

test('UDP: nonblocking socket, poll revents, EAGAIN with its strerror note', async () => {
  await pass(`
0 socket(..., SOCK_DGRAM|SOCK_NONBLOCK, IPPROTO_UDP) = 3
+0 bind(3, ..., ...) = 0
+0 connect(3, ..., ...) = 0
+0 read(3, ..., 100) = -1 EAGAIN (Resource temporarily unavailable)
+0 poll([{fd=3, events=POLLIN, revents=0}], 1, 0) = 0
+0 < udp (10)
+0 poll([{fd=3, events=POLLIN|POLLOUT, revents=POLLIN|POLLOUT}], 1, 0) = 1
+0 fcntl(3, F_GETFL) = 0x802 (flags O_RDWR|O_NONBLOCK)
`);
});

test('epoll: create, ctl, wait (level-triggered, ONESHOT), upstream-shaped mismatch', async () => {
  await pass(`${UDP_HEAD}
+0 epoll_create(1) = 4
+0 epoll_ctl(4, EPOLL_CTL_ADD, 3, {events=EPOLLIN, fd=3}) = 0
+0 epoll_wait(4, {events=EPOLLIN, fd=3}, 1, 0) = 0
+0...0.1 epoll_wait(4, {events=EPOLLIN, fd=3}, 1, 1000) = 1
+0.1 < udp (10)
+0 epoll_wait(4, {events=EPOLLIN, fd=3}, 1, 0) = 1
+0 epoll_ctl(4, EPOLL_CTL_MOD, 3, {events=EPOLLOUT|EPOLLONESHOT, u32=7}) = 0
+0 epoll_wait(4, {events=EPOLLOUT, u32=7}, 1, 0) = 1
+0 epoll_wait(4, {events=EPOLLOUT, u32=7}, 1, 0) = 0
+0 epoll_ctl(4, EPOLL_CTL_ADD, 3, {events=EPOLLIN, fd=3}) = -1 EEXIST (File exists)
+0 epoll_ctl(4, EPOLL_CTL_DEL, 3, ...) = 0
+0 epoll_ctl(4, EPOLL_CTL_DEL, 3, ...) = -1 ENOENT (No such file or directory)
`);
  await fail(`${UDP_HEAD}+0 epoll_create1(0) = 4
+0 epoll_ctl(4, EPOLL_CTL_ADD, 3, {events=EPOLLIN|EPOLLOUT, fd=3}) = 0
+0 epoll_wait(4, {events=EPOLLIN, fd=3}, 1, 0) = 1
`, 'x.pkt:7: runtime error in epoll_wait call: epoll_event->events does not match script: expected: 0x1 actual: 0x4');
});

test('ICMP: port unreachable for our datagram fails the next read with ECONNREFUSED; the kernel answers a closed port', async () => {
  await pass(`${UDP_HEAD}
+0 write(3, ..., 100) = 100
+0 > udp (100)
+0.01 < icmp unreachable port_unreachable [udp (100)]
+0 read(3, ..., 100) = -1 ECONNREFUSED (Connection refused)
+0 < udp 5000>9999 (10)
+0 > icmp unreachable port_unreachable
`);
});

test('diagnostics: result mismatch, errno mismatch, unknown call (runtime error in ... call)', async () => {
  await fail(`${UDP_HEAD}+0 write(3, ..., 100) = 99\n`, 'x.pkt:5: runtime error in write call: Expected result 99 but got 100');
  await fail('0 socket(..., SOCK_DGRAM, IPPROTO_UDP) = 3\n+0 read(3, ..., 10) = -1 EAGAIN (Resource temporarily unavailable)\n',
    'x.pkt:2: runtime error in read call: the call never returned (tuxnet gave up after 600 s of virtual time)');
  await fail('0 socket(..., SOCK_DGRAM, IPPROTO_UDP) = 3\n+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)\n',
    'x.pkt:2: runtime error in connect call: Expected result -1 but got 0');
  await fail('0 socket(..., SOCK_DGRAM, IPPROTO_UDP) = 3\n+0 bind(4, ..., ...) = 0\n',
    'x.pkt:2: runtime error in bind call: Expected result 0 but got -1 with errno 9 (Bad file descriptor)');
  await fail('0 socket(..., SOCK_DGRAM, IPPROTO_UDP) = 3\n+0 frobnicate(3) = 0\n',
    "x.pkt:2: runtime error in frobnicate call: Unknown system call: 'frobnicate'");
});

test('diagnostics: outbound packet field mismatch with script and actual dumps', async () => {
  const e = await fail(`${UDP_HEAD}
+0 write(3, ..., 100) = 100
+0 > udp (99)
`, 'x.pkt:7: error handling packet: live packet payload: expected 99 bytes vs actual 100 bytes');
  assert.equal(e.split('\n').length, 1);
  const e2 = await fail(`${UDP_HEAD}
+0 write(3, ..., 100) = 100
+0 > (tos 0x10) udp (100)
`, 'x.pkt:7: error handling packet: live packet field tos: expected: 16 (0x10) vs actual: 0 (0x0)');
  assert.match(e2, /\nscript packet: {2}0\.000000 udp \(100\)\nactual packet: {2}0\.000000 udp \(100\)$/);
});

test('diagnostics: outbound packet timing, with tolerance and ranges', async () => {
  await fail(`${UDP_HEAD}
+0 write(3, ..., 10) = 10
+0.5 > udp (10)
`, 'x.pkt:7: error handling packet: timing error: expected outbound packet at 0.500000 sec but happened at 0.000000 sec; tolerance 0.062500 sec');
  await pass(`${UDP_HEAD}
+0 write(3, ..., 10) = 10
0~0.2 > udp (10)
`);
  await fail(`${UDP_HEAD}
+0.01 write(3, ..., 10) = 10
+0.1~+0.2 > udp (10)
`, 'x.pkt:7: error handling packet: timing error: expected outbound packet in relative time range +0.100000~+0.200000 sec but happened at +0.000000 sec');
  await pass(`${UDP_HEAD}
+0 write(3, ..., 10) = 10
+0.05 > udp (10)
`, ['--tolerance_usecs=60000']);
});

test('diagnostics: a packet that never comes; an event before time 0; time going backward', async () => {
  await fail(`${UDP_HEAD}+0 > udp (10)\n`, 'x.pkt:5: error handling packet: Timed out waiting for packet');
  await fail('1 socket(..., SOCK_DGRAM, IPPROTO_UDP) = 3\n', 'x.pkt:1: first event should be at time 0');
  await fail('0 socket(..., SOCK_DGRAM, IPPROTO_UDP) = 3\n0.2 close(3) = 0\n0.1 close(3) = 0\n',
    'x.pkt:3: time goes backward in script from 200000 usec to 100000 usec');
});

test('commands and options: backticks run tuxnet tools; failures stop the script; bad options', async () => {
  await pass(`\`sysctl -q net.ipv4.tcp_rmem="4096 540000 $((15*1024*1024))"\`
0 \`sysctl -q net.ipv4.tcp_ecn=1 && ip link show tun0 > /dev/null\`
+0 socket(..., SOCK_DGRAM, IPPROTO_UDP) = 3
`);
  await fail('0 `false`\n', 'x.pkt:1: error executing `false` command: non-zero status 1');
  await fail('0 `sysctl -q net.ipv4.no_such_thing=1`\n', /^x\.pkt:1: error executing `sysctl -q net\.ipv4\.no_such_thing=1` command: non-zero status [1-9][0-9]*$/);
  await fail('--no_such_option=1\n0 socket(..., SOCK_DGRAM, IPPROTO_UDP) = 3\n', "x.pkt: unrecognized option '--no_such_option'");
  await fail('0 socket(..., SOCK_DGRAM, IPPROTO_UDP) = 3\n+0 bogus\n', "x.pkt:3: parse error at '': syntax error");
});

test('defines (-D and --define lines) substitute words; the cleanup command runs after an init command', async () => {
  await pass(`--define=MYPORT=9000
0 socket(..., SOCK_DGRAM, IPPROTO_UDP) = FD
+0 bind(FD, {sa_family=AF_INET, sin_port=htons(MYPORT), sin_addr=inet_addr("192.168.0.1")}, 16) = 0
+0 getsockopt(FD, SOL_SOCKET, SO_TYPE, [SOCK_DGRAM], [4]) = 0
`, ['-D', 'FD=3']);
  const r = await run('`echo init`\n0 socket(..., SOCK_DGRAM, IPPROTO_UDP) = -1\n`echo cleanup`\n');
  assert.equal(r.output, 'init\ncleanup\n');
  assert.deepEqual(r.errors, ['x.pkt:2: runtime error in socket call: Expected result -1 but got 3']);
});

test('a defaults.sh that cannot be read runs the built-in copy of upstream\'s; a readable one runs from the host', async () => {
  const k = createKernel({ seed: 1 });
  const r = await runPacketdrillScript(k, '`../defaults.sh; sysctl net.ipv4.tcp_wmem net.ipv4.tcp_ecn`\n0 socket(..., SOCK_DGRAM, IPPROTO_UDP) = 3\n',
    { path: 'x.pkt', readFile: () => null });
  assert.deepEqual(r.errors, []);
  assert.match(r.output, /net\.ipv4\.tcp_wmem = 4096\t262144\t4194304\nnet\.ipv4\.tcp_ecn = 0\n/);
  const r2 = await runPacketdrillScript(createKernel({ seed: 1 }), '`../defaults.sh`\n0 socket(..., SOCK_DGRAM, IPPROTO_UDP) = 3\n',
    { path: 'x.pkt', readFile: (f) => (f === '../defaults.sh' ? '# mine\nsysctl -q net.ipv4.tcp_ecn=1 && echo ran\n' : null) });
  assert.deepEqual(r2.errors, []);
  assert.equal(r2.output, 'ran\n');
});

test('code snippets: asserts run after the script in one Python session', async () => {
  await pass(`${UDP_HEAD}+0 %{ x = 2 }%\n+0 %{ assert x * 3 == 6, x }%\n`);
  const e = await fail(`${UDP_HEAD}+0 %{\nassert 1 == 2, "one is not two"\n}%\n`, 'x.pkt:5: error in Python code');
  assert.match(e, /\nAssertionError: one is not two$/);
});

const TCP_PASSIVE = `\`../defaults.sh\`
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0 < S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>
+0 > S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK,nop,wscale 8>
+.1 < . 1:1(0) ack 1 win 257
+0 accept(3, ..., ...) = 4
`;

test('TCP: passive open, data both ways, relative sequence numbers, TCP_INFO asserts', async () => {
  await pass(`${TCP_PASSIVE}
+0 %{ assert tcpi_state == TCP_ESTABLISHED, tcpi_state }%
+0 write(4, ..., 1000) = 1000
+0 > P. 1:1001(1000) ack 1
+.1 < . 1:1(0) ack 1001 win 257
+0 < P. 1:101(100) ack 1001 win 257
+0 read(4, ..., 1000) = 100
`);
});

test('TCP: window mismatch in the SYN-ACK is reported like upstream', async () => {
  await fail(`${TCP_PASSIVE.split('\n').slice(0, 6).join('\n')}
+0 > S. 0:0(0) ack 1 win 1234 <mss 1460,nop,nop,sackOK,nop,wscale 8>
`, /^x\.pkt:7: error handling packet: live packet field tcp_window: expected: 1234 \(0x4d2\) vs actual: \d+ \(0x[0-9a-f]+\)$/m);
});

test('TCP: active open with timestamps (script TS val/ecr mapped to live values)', async () => {
  await pass(`\`../defaults.sh\`
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0...0.1 connect(3, ..., ...) = 0
+0 > S 0:0(0) <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 8>
+.1 < S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,TS val 700 ecr 100,nop,wscale 7>
+0 > . 1:1(0) ack 1 <nop,nop,TS val 200 ecr 700>
`);
});

test('CLI: tuxnet packetdrill exit status and messages', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tnxpd-'));
  const ok = join(dir, 'ok.pkt');
  const bad = join(dir, 'bad.pkt');
  writeFileSync(ok, `${UDP_HEAD}+0 write(3, ..., 10) = 10\n+0 > udp (10)\n`);
  writeFileSync(bad, `${UDP_HEAD}+0 write(3, ..., 10) = 11\n`);
  const out = new BufferStdio();
  const err = new BufferStdio();
  assert.equal(await packetdrillCli([ok], out, err), 0);
  assert.equal(err.text, '');
  assert.equal(await packetdrillCli(['--tolerance_usecs=1000', ok, bad], out, err), 1);
  assert.equal(err.text, `${bad}:5: runtime error in write call: Expected result 11 but got 10\n`);
  const e2 = new BufferStdio();
  assert.equal(await packetdrillCli([], out, e2), 2);
  assert.match(e2.text, /^Usage: packetdrill/);
});
