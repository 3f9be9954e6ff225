/**
 * The library's front door (src/api/kernel.ts): `new Kernel`, `kernel.sh`, `kernel.netns`
 * and its bound syscalls, `kernel.close`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Kernel, AF_INET, SOCK_STREAM, SOCK_DGRAM, SystemError } from '../../src/index.js';
import { VETH, IP_B } from '../harness/lib_lab.js';

/** Per test: a lost wake-up fails the test instead of hanging `npm test`. */
const T = { timeout: 60_000 };

test('kernel.sh: output, status and stderr of lab lines, as a shell gives them', T, async () => {
  const k = new Kernel({ seed: 7 });
  try {
    let r = await k.sh(VETH);
    assert.deepEqual(r, { status: 0, stdout: '', stderr: '', output: '' });
    r = await k.sh('ip netns exec a ping -c 2 -q 10.0.0.2');
    assert.equal(r.status, 0, r.output);
    assert.match(r.stdout, /2 packets transmitted, 2 received, 0% packet loss/);
    r = await k.sh('ip -n a route get 10.9.9.9');
    assert.equal(r.status, 2);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'RTNETLINK answers: Network is unreachable\n');
    r = await k.sh('nosuchprogram');
    assert.equal(r.status, 127);
    r = await k.sh('false || echo fallback; exit 3');
    assert.equal(r.status, 3);
    assert.equal(r.stdout, 'fallback\n');
    // A syntax error is status 2 with the message; the shell lives on.
    r = await k.sh('echo (');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /syntax error/);
    assert.equal((await k.sh('X=1; echo $X')).stdout, '1\n');
    assert.equal((await k.sh('echo $X')).stdout, '1\n', 'variables persist between calls');
    await assert.rejects(k.sh(42 as unknown as string), { name: 'TypeError', message: /must be of type string. Received type number \(42\)/ });
  } finally {
    await k.close();
  }
});

test('kernel.sh: a background job outlives its call; concurrent calls run one at a time', T, async () => {
  const k = new Kernel();
  try {
    await k.sh(VETH);
    const bg = await k.sh('ip netns exec b nc -l 5000 > /dev/null &');
    assert.equal(bg.status, 0);
    // The first call sleeps between its two lines: run together, the second call's
    // output would land in the middle of it (and its own result would miss 'two').
    const [c1, c2, c3] = await Promise.all([k.sh('echo one; sleep 1; echo one again'), k.sh('echo two'),
      k.sh('ip netns exec a nc -z -v 10.0.0.2 5000')]);
    assert.equal(c1.output, 'one\none again\n');
    assert.equal(c2.output, 'two\n');
    assert.equal(c3.status, 0, c3.output);
    assert.match(c3.stderr, /10\.0\.0\.2 5000 port \[tcp\/\*\] succeeded!|Connection to 10\.0\.0\.2 5000 port/);
  } finally {
    await k.close();
  }
  assert.equal((await k.sh('echo late')).status, 126, 'a closed kernel runs nothing');
});

test('kernel.netns: created as ip netns add does, one handle per name, syscalls bound to it', T, async () => {
  const k = new Kernel();
  try {
    const a = k.netns('a');
    assert.equal(k.netns('a'), a);
    assert.equal(a.name, 'a');
    assert.match((await k.sh('ip netns list')).stdout, /^a$/m);
    assert.notEqual(k.netns().net, a.net, 'netns() is the initial namespace');
    await k.sh('ip netns add b; ip link add va netns a type veth peer name vb netns b; ' +
      'ip -n a addr add 10.0.0.1/24 dev va; ip -n a link set va up; ip -n b addr add 10.0.0.2/24 dev vb; ip -n b link set vb up');
    const b = k.netns('b');
    // A listener in b through its syscalls, a client in a: the bound layer is the real one.
    const lfd = b.syscalls.socket(AF_INET, SOCK_STREAM);
    b.syscalls.bind(lfd, { family: AF_INET, port: 7000, addr: 0 });
    b.syscalls.listen(lfd, 8);
    const cfd = a.syscalls.socket(AF_INET, SOCK_STREAM);
    const accepted = b.syscalls.accept(lfd);
    await a.syscalls.connect(cfd, { family: AF_INET, port: 7000, addr: IP_B });
    const { fd: sfd } = await accepted;
    await a.syscalls.write(cfd, new TextEncoder().encode('hello'));
    const buf = new Uint8Array(16);
    const n = await b.syscalls.read(sfd, buf);
    assert.equal(new TextDecoder().decode(buf.subarray(0, n)), 'hello');
    // Errors are SystemErrors as Node's syscalls give them.
    const ufd = a.syscalls.socket(AF_INET, SOCK_DGRAM);
    a.syscalls.bind(ufd, { family: AF_INET, port: 53, addr: 0 });
    const u2 = a.syscalls.socket(AF_INET, SOCK_DGRAM);
    assert.throws(() => a.syscalls.bind(u2, { family: AF_INET, port: 53, addr: 0 }),
      (e: unknown) => e instanceof SystemError && e.code === 'EADDRINUSE' && e.syscall === 'bind');
    assert.throws(() => a.syscalls.close(99), { code: 'EBADF' });
    // The handle is a process in the namespace: deleting the name leaves the namespace alive.
    await k.sh('ip netns del a');
    assert.doesNotMatch((await k.sh('ip netns list')).stdout, /^a$/m);
    await a.syscalls.write(cfd, new TextEncoder().encode('!'));
    assert.equal(await b.syscalls.read(sfd, buf), 1);
    const a2 = k.netns('a');
    assert.notEqual(a2.net, a.net, 'a new namespace under the old name');
    assert.throws(() => k.netns('x/y'), TypeError);
    assert.throws(() => k.netns(3 as unknown as string), /must be of type string/);
  } finally {
    await k.close();
  }
  assert.throws(() => k.netns('c'), /closed/);
});

test('new Kernel: options are checked; the same seed gives the same machine', T, async () => {
  assert.throws(() => new Kernel({ clock: 'wall' as 'real' }), TypeError);
  assert.throws(() => new Kernel({ seed: 1.5 }), TypeError);
  assert.throws(() => new Kernel(null as unknown as object), TypeError);
  const macs: string[] = [];
  for (let i = 0; i < 2; i++) {
    const k = new Kernel({ seed: 42 });
    await k.sh('ip link add d0 type dummy');
    macs.push((await k.sh('ip -br link show d0')).stdout);
    await k.close();
  }
  assert.equal(macs[0], macs[1]);
  const other = new Kernel({ seed: 43 });
  await other.sh('ip link add d0 type dummy');
  assert.notEqual((await other.sh('ip -br link show d0')).stdout, macs[0], 'another seed, another MAC');
  await other.close();
  const r = new Kernel({ clock: 'real' });
  assert.equal(r.core.clock.virtual, false);
  await r.close();
});

test('kernel.sh on the real clock keeps Node alive while a command waits (sleep 1 alone in a program)', T, () => {
  const index = new URL('../../src/index.js', import.meta.url).href;
  const prog = `import { Kernel } from '${index}';
const k = new Kernel({ clock: 'real' });
const r = await k.sh('sleep 0.2; echo woke');
process.stdout.write(r.stdout);
await k.close();`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', prog], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'woke\n');
});

test('kernel.close: ends a foreground command that would never end, releases every handle, refuses new work', T, async () => {
  const k = new Kernel();
  await k.sh(VETH);
  const b = k.netns('b');
  const lfd = b.syscalls.socket(AF_INET, SOCK_STREAM);
  b.syscalls.bind(lfd, { family: AF_INET, port: 7000, addr: 0 });
  b.syscalls.listen(lfd, 8);
  // A handle replaced after `ip netns del`: its process must still exit at close.
  const a = k.netns('a');
  const cfd = a.syscalls.socket(AF_INET, SOCK_STREAM);
  await a.syscalls.connect(cfd, { family: AF_INET, port: 7000, addr: IP_B });
  await k.sh('ip netns del a');
  k.netns('a');
  const forever = k.sh('ip netns exec b nc -l 6000');
  let closedCalls = 0;
  k.onClose(() => closedCalls++);
  await Promise.all([k.close(), k.close()]);
  const r = await forever;
  assert.notEqual(r.status, 0, 'the foreground nc was interrupted');
  assert.equal(closedCalls, 1);
  assert.equal(k.core.timers.size, 0, 'no kernel timer left to run');
  // The old handle's connection was closed by its exit: the listener's side sees it.
  assert.equal(a.task.fds.size, 0);
  assert.throws(() => b.syscalls.socket(AF_INET, SOCK_STREAM), { code: 'ERR_TUXNET_CLOSED', message: /socket: the kernel is closed/ });
  let late = 0;
  k.onClose(() => late++);
  await Promise.resolve();
  assert.equal(late, 1, 'onClose on a closed kernel runs at once');
});

test('kernel.sh: a UTF-8 character split across two binary writes comes out whole', T, async () => {
  const k = new Kernel();
  try {
    await k.sh(VETH);
    // nc writes what arrives as bytes: 'é' (c3 a9) sent in two TCP writes.
    await k.sh('ip netns exec b nc -l 5001 &');
    const a = k.netns('a');
    const fd = a.syscalls.socket(AF_INET, SOCK_STREAM);
    await a.syscalls.connect(fd, { family: AF_INET, port: 5001, addr: IP_B });
    // Output written while no sh() runs is kept for backgroundOutput().
    const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 20));
    await a.syscalls.write(fd, Uint8Array.of(0x68, 0xc3));
    await settle();
    await a.syscalls.write(fd, Uint8Array.of(0xa9, 0x0a));
    a.syscalls.shutdown(fd, 1);
    await settle();
    assert.equal(k.backgroundOutput(), 'hé\n');
  } finally {
    await k.close();
  }
});

test('virtual time stands still when only periodic housekeeping is pending (a job waiting for ever does not spin the clock)', { timeout: 60_000 }, async () => {
  const k = new Kernel();
  try {
    await k.sh(VETH + '; ip link add br0 type bridge; ip link set br0 up');
    await k.sh('ip netns exec a ping -c 1 -q 10.0.0.2');
    // A listener waiting for ever: a userspace waiter, so idle time may be skipped.
    await k.sh('ip netns exec b nc -l 5000 &');
    const pause = (): Promise<void> => new Promise((r) => setTimeout(r, 300));
    await pause();
    const t1 = k.core.clock.now();
    // What is left: neighbour GC and bridge FDB ageing (deferrable), nothing that wakes.
    assert.ok(k.core.timers.size > 0);
    assert.equal(k.core.timers.nextWakeExpiry(), Infinity);
    const cpu = process.cpuUsage();
    await pause();
    assert.equal(k.core.clock.now(), t1, 'the clock did not move');
    const used = process.cpuUsage(cpu);
    assert.ok(used.user + used.system < 250_000, `an idle kernel burnt ${used.user + used.system} µs of CPU`);
    // A timer that wakes (sleep) still moves time, through the housekeeping on the way.
    const r = await k.sh('sleep 100; echo up');
    assert.equal(r.stdout, 'up\n');
    assert.ok(k.core.clock.now() >= t1 + 100e9);
  } finally {
    await k.close();
  }
});
