/**
 * The lab shell: builtins, variables, jobs (`&`, jobs, wait, kill), virtual-time
 * sleep, redirections, set -e, exit, unknown commands, and programs run as
 * processes (fake programs from a test registry, and the real `ip`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runLab, type LabOptions } from '../../src/tools/lab/lab.js';
import { BufferStdio, type ToolMain } from '../../src/tools/tool.js';
import { programs as registry } from '../../src/tools/registry.js';
import type { Kernel } from '../../src/core/net_namespace.js';
import * as sys from '../../src/socket/syscalls.js';
import { AF_PACKET, SOCK_RAW } from '../../src/socket/socket.js';
import { ETH_P_ALL } from '../../src/core/dev.js';
import { NSEC_PER_SEC, BOOT_TIME_NS } from '../../src/core/clock.js';
import { parseSleepInterval } from '../../src/tools/lab/utils.js';

interface LabRun {
  status: number;
  out: string;
  err: string;
  kernel: Kernel;
}

async function lab(source: string, extra: Partial<LabOptions> = {}): Promise<LabRun> {
  const out = new BufferStdio();
  const err = new BufferStdio();
  let kernel: Kernel | null = null;
  const status = await runLab({
    file: 'test.sh', source, stdout: out, stderr: err, onKernel: (k) => { kernel = k; }, ...extra,
  });
  return { status, out: out.text, err: err.text, kernel: kernel! };
}

/** Fake programs: `args` prints its argv and one env var; `blocker` waits on a packet socket until killed. */
function fakePrograms(): Map<string, ToolMain> {
  const m = new Map<string, ToolMain>(registry);
  m.set('args', async (ctx) => {
    ctx.stdout.write(`${ctx.argv.map((a) => `<${a}>`).join(' ')} FOO=${ctx.env.FOO ?? '-'} pid=${ctx.task.pid}\n`);
    return Number(ctx.env.STATUS ?? 0);
  });
  m.set('blocker', async (ctx) => {
    const fd = sys.socket(ctx.task, AF_PACKET, SOCK_RAW, ETH_P_ALL);
    try {
      await sys.recvmsg(ctx.task, fd);
      return 0;
    } catch (e) {
      ctx.stdout.write(`blocker: ${(e as Error).message}\n`);
      return 3;
    }
  });
  m.set('crash', async () => {
    throw new Error('boom');
  });
  return m;
}

test('echo, variables, field splitting and $?', async () => {
  const r = await lab([
    'X="a  b"', 'echo $X "$X" ${X}c', 'echo -n one; echo " two"', 'echo -e "t\\tx"', 'false', 'echo $?', 'true; echo $?',
    'E=', 'echo [$E] ["$E"]', 'export Y=1', 'echo $Y $UNSET.',
  ].join('\n'), { programs: fakePrograms() });
  assert.equal(r.status, 0);
  assert.equal(r.out, 'a b a  b a bc\none two\nt\tx\n1\n0\n[] []\n1 .\n');
});

test('programs get argv, env (prefix assignments) and their exit status', async () => {
  const r = await lab('args "a b" c\nFOO=bar args x\nSTATUS=4 args; echo $?\nargs $ARGS\n',
    { programs: fakePrograms(), args: ['p1'] });
  assert.equal(r.out, '<args> <a b> <c> FOO=- pid=101\n<args> <x> FOO=bar pid=102\n<args> FOO=- pid=103\n4\n<args> FOO=- pid=105\n');
});

test('unknown command: FILE:LINE: NAME: command not found, status 127, the script goes on', async () => {
  const r = await lab('echo a\nnosuchtool -x\necho $?\n');
  assert.equal(r.out, 'a\n127\n');
  assert.equal(r.err, 'test.sh:2: nosuchtool: command not found\n');
  assert.equal(r.status, 0);
});

test('ip netns exec of an unknown program: iproute2\'s message, status 1', async () => {
  const r = await lab('ip netns add tnxe1\nip netns exec tnxe1 nosuch\necho $?\nip netns del tnxe1\n');
  assert.equal(r.out, '1\n');
  assert.equal(r.err, 'exec of "nosuch" failed: No such file or directory\n');
});

test('a program that throws is reported, status 1', async () => {
  const r = await lab('crash\necho $?\n', { programs: fakePrograms() });
  assert.equal(r.out, '1\n');
  assert.equal(r.err, 'crash: boom\n');
});

test('sleep runs in virtual time: an hour passes on the kernel clock', async () => {
  const r = await lab('sleep 1h 0.5 .1s\necho done\n');
  assert.equal(r.out, 'done\n');
  assert.equal(r.kernel.clock.now() - BOOT_TIME_NS, 3_600_600_000_000);
});

test('GNU sleep intervals and errors', async () => {
  assert.equal(parseSleepInterval('1'), 1);
  assert.equal(parseSleepInterval('0.5'), 0.5);
  assert.equal(parseSleepInterval('.5s'), 0.5);
  assert.equal(parseSleepInterval('2m'), 120);
  assert.equal(parseSleepInterval('1d'), 86400);
  assert.equal(parseSleepInterval('1e2'), 100);
  assert.equal(parseSleepInterval('inf'), Infinity);
  assert.equal(parseSleepInterval('-1'), null);
  assert.equal(parseSleepInterval('1ms'), null);
  const r = await lab('sleep\necho $?\nsleep x\necho $?\n');
  assert.equal(r.out, '1\n1\n');
  assert.equal(r.err, "sleep: missing operand\nTry 'sleep --help' for more information.\n" +
    "sleep: invalid time interval 'x'\nTry 'sleep --help' for more information.\n");
});

test('background jobs: jobs, wait %N, $!, kill %N ends a blocked process with EINTR', async () => {
  const r = await lab([
    'sleep 5 &', 'blocker &', 'echo bg=$!', 'jobs', 'sleep 1', 'kill %2', 'wait %2', 'echo blocker=$?',
    'wait %1', 'echo sleep=$?', 'jobs', 'kill %1', 'echo kill=$?', 'wait %7', 'echo wait=$?',
  ].join('\n'), { programs: fakePrograms() });
  assert.equal(r.out, [
    'bg=102',
    '[1]-  Running                 sleep 5 &',
    '[2]+  Running                 blocker &',
    'blocker: recvmsg EINTR: Interrupted system call',
    'blocker=3',
    'sleep=0',
    'kill=1',
    'wait=127',
    '',
  ].join('\n'));
  assert.equal(r.err, 'test.sh:12: kill: %1: no such job\ntest.sh:14: wait: %7: no such job\n');
  assert.equal(r.kernel.clock.now() - BOOT_TIME_NS, 5 * NSEC_PER_SEC);
});

test('kill of a sleeping job: status 143 (SIGTERM); jobs shows finished jobs once', async () => {
  const r = await lab('sleep 100 &\nsleep 200 &\nkill %1\nsleep 1\njobs\njobs\nkill -TERM %2\nwait\necho $?\n');
  assert.equal(r.out, '[1]-  Terminated              sleep 100\n[2]+  Running                 sleep 200 &\n' +
    '[2]+  Running                 sleep 200 &\n0\n');
  assert.equal(r.kernel.clock.now() - BOOT_TIME_NS, 1 * NSEC_PER_SEC);
  const bad = await lab('kill -FOO %1\nkill\n');
  assert.equal(bad.err, 'test.sh:1: kill: FOO: invalid signal specification\n' +
    'test.sh:2: kill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... or kill -l [sigspec]\n');
});

test('the end of the script kills and reaps jobs still running', async () => {
  const r = await lab('blocker &\nsleep 2 &\necho end\n', { programs: fakePrograms() });
  assert.equal(r.out, 'end\nblocker: recvmsg EINTR: Interrupted system call\n');
  assert.equal(r.status, 0);
  assert.equal(r.kernel.clock.now() - BOOT_TIME_NS, 0);
});

test('&& and || lists, set -e, exit', async () => {
  const r = await lab('true && echo a || echo b\nfalse && echo c || echo d\nfalse || false\necho st=$?\n');
  assert.equal(r.out, 'a\nd\nst=1\n');
  const e = await lab('echo one\nfalse || true\nset -e\nfalse && true\necho two\nargs\nSTATUS=5 args\necho never\n',
    { programs: fakePrograms() });
  assert.equal(e.status, 5);
  assert.equal(e.out, 'one\ntwo\n<args> FOO=- pid=106\n<args> FOO=- pid=107\n');
  const x = await lab('echo a\nexit 3\necho b\n');
  assert.deepEqual([x.status, x.out], [3, 'a\n']);
  const last = await lab('echo a\nfalse\n');
  assert.equal(last.status, 1);
});

test('set -x traces commands on stderr; set -u rejects unset variables', async () => {
  const r = await lab('set -x\necho "a b" c\nX=1\n');
  assert.equal(r.err, "+ echo 'a b' c\n+ X=1\n");
  const u = await lab('set -u\necho $NOPE\necho after\n');
  assert.equal(u.status, 1);
  assert.equal(u.err, 'test.sh:2: NOPE: unbound variable\n');
  assert.equal(u.out, '');
});

test('redirections: /dev/null, 2>&1, >&2', async () => {
  const r = await lab('echo hidden >/dev/null\nnosuch 2>/dev/null\necho $?\necho to-err >&2\nnosuch2 2>&1\n');
  assert.equal(r.out, '127\ntest.sh:5: nosuch2: command not found\n');
  assert.equal(r.err, 'to-err\n');
});

test('ip netns exec runs a program inside a namespace', async () => {
  const r = await lab('ip netns add tnxt1\nip netns exec tnxt1 echo inside\nip netns exec tnxt1 sleep 2\n' +
    'ip netns exec tnxt1 ip -br link\nip netns del tnxt1\nip netns list\n');
  assert.equal(r.err, '');
  assert.equal(r.out, 'inside\nlo               DOWN           00:00:00:00:00:00 <LOOPBACK> \n');
  assert.equal(r.kernel.clock.now() - BOOT_TIME_NS, 2 * NSEC_PER_SEC);
  assert.equal(r.kernel.nets.size, 1, 'the namespace is gone after ip netns del');
});

test('cat reads the kernel\'s /proc files in the caller\'s namespace, coreutils errors', async () => {
  const r = await lab('ip netns add tnxe2\nip netns exec tnxe2 cat /proc/sys/net/core/somaxconn /proc/nope\necho $?\nip netns del tnxe2\n');
  assert.equal(r.out, '4096\n1\n');
  assert.equal(r.err, 'cat: /proc/nope: No such file or directory\n');
});
