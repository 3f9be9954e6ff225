/**
 * Fidelity of `ping` (iputils 20221126) and `traceroute` (2.1.2) over tuxnet's ICMP,
 * raw/ping sockets and IPv4 path: a pair tnxi1 - tnxi2 and a chain tnxia - tnxir1 -
 * tnxir2 - tnxib (the r1-r2 link with MTU 1400; r1 has unreachable and prohibit
 * routes). Each case of ping_traceroute.golden.ts (captured on this host) runs on a
 * freshly booted kernel, as the golden ran on fresh namespaces: replies and errors
 * (host unreachable after ARP gives up, TTL exceeded, frag needed then the local
 * "message too long", prohibited), exit statuses, usage errors, broadcast warnings,
 * ping sockets under ping_group_range, traceroute's hops and annotations, and the
 * ICMP rate limit of a traceroute run twice (its stars come from icmp_ratelimit's
 * per-destination bucket on virtual time).
 *
 * Masked: round-trip times ("time=", "  N ms", the rtt line) and the statistics'
 * elapsed "time Nms" (virtual time runs whole seconds; Linux adds scheduling),
 * and -D's wall-clock stamps. As root with ping and traceroute installed, every
 * case also runs live in namespaces renamed tnxi* -> tnxI<pid>* and is compared the
 * same way (traceroute's real-time give-up heuristics off: see liveCommand).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { runLab } from '../src/tools/lab/lab.js';
import { BufferStdio } from '../src/tools/tool.js';
import { CASES, type PingCase } from './ping_traceroute.golden.js';

const TOPO = [
  'ip netns add tnxi1',
  'ip netns add tnxi2',
  'ip -n tnxi1 link set lo up',
  'ip -n tnxi2 link set lo up',
  'ip -n tnxi1 link add veth0 type veth peer name veth0 netns tnxi2',
  'ip -n tnxi1 addr add 10.0.0.1/24 dev veth0',
  'ip -n tnxi1 link set veth0 up',
  'ip -n tnxi2 addr add 10.0.0.2/24 dev veth0',
  'ip -n tnxi2 link set veth0 up',
  'ip netns add tnxia',
  'ip netns add tnxir1',
  'ip netns add tnxir2',
  'ip netns add tnxib',
  'ip -n tnxia link set lo up',
  'ip -n tnxir1 link set lo up',
  'ip -n tnxir2 link set lo up',
  'ip -n tnxib link set lo up',
  'ip -n tnxia link add veth0 type veth peer name veth0 netns tnxir1',
  'ip -n tnxir1 link add veth1 type veth peer name veth0 netns tnxir2',
  'ip -n tnxir2 link add veth1 type veth peer name veth0 netns tnxib',
  'ip -n tnxia addr add 10.0.1.2/24 dev veth0',
  'ip -n tnxia link set veth0 up',
  'ip -n tnxir1 addr add 10.0.1.1/24 dev veth0',
  'ip -n tnxir1 link set veth0 up',
  'ip -n tnxir1 addr add 10.0.2.1/24 dev veth1',
  'ip -n tnxir1 link set veth1 up',
  'ip -n tnxir2 addr add 10.0.2.2/24 dev veth0',
  'ip -n tnxir2 link set veth0 up',
  'ip -n tnxir2 addr add 10.0.3.1/24 dev veth1',
  'ip -n tnxir2 link set veth1 up',
  'ip -n tnxib addr add 10.0.3.2/24 dev veth0',
  'ip -n tnxib link set veth0 up',
  'ip -n tnxia route add default via 10.0.1.1',
  'ip -n tnxib route add default via 10.0.3.1',
  'ip -n tnxir1 route add 10.0.3.0/24 via 10.0.2.2',
  'ip -n tnxir2 route add 10.0.1.0/24 via 10.0.2.1',
  'ip netns exec tnxir1 sysctl -qw net.ipv4.ip_forward=1',
  'ip netns exec tnxir2 sysctl -qw net.ipv4.ip_forward=1',
  'ip -n tnxir1 link set veth1 mtu 1400',
  'ip -n tnxir2 link set veth0 mtu 1400',
  'ip -n tnxir1 route add unreachable 10.9.0.0/16',
  'ip -n tnxir1 route add prohibit 10.8.0.0/16',
  // DAD-free IPv4, but let link watch and ARP settle as the host script does.
  'sleep 2',
];

const NAMESPACES = ['tnxi1', 'tnxi2', 'tnxia', 'tnxir1', 'tnxir2', 'tnxib'];

/**
 * Cases whose live result depends on the host's timing: the second traceroute meets
 * the destination's ICMP token bucket (6 messages, then one per second), so which of
 * its probes get answers depends on how long the first run took there. The golden is
 * one such run; tuxnet must match it (virtual time: both runs take no time).
 */
const LIVE_TIMING_DEPENDENT = new Set(['tr_twice']);

/** What differs from run to run: times. */
function mask(s: string): string {
  return s
    .replace(/time=[\d.]+ ms/g, 'time=T ms')
    .replace(/time \d+ms/g, 'time Tms')
    .replace(/rtt min\/avg\/max\/mdev = [\d./]+ ms/g, 'rtt min/avg/max/mdev = T ms')
    .replace(/\[\d+\.\d+\]/g, '[T]')
    .replace(/ {2}[\d.]+ ms/g, '  T ms');
}

interface Run {
  out: string;
  err: string;
  rc: number;
}

async function runTuxnet(c: PingCase): Promise<Run> {
  const out = new BufferStdio();
  const err = new BufferStdio();
  const source = [...TOPO, ...(c.pre ?? []), `ip netns exec ${c.ns} ${c.cmd}`, 'echo "rc=$?" >&2', ''].join('\n');
  const status = await runLab({ file: `${c.name}.sh`, source, stdout: out, stderr: err });
  assert.equal(status, 0, err.text);
  const m = /rc=(\d+)\n$/.exec(err.text);
  assert.ok(m, err.text);
  return { out: out.text, err: err.text.slice(0, m.index), rc: Number(m[1]) };
}

function hostAvailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root';
  for (const prog of ['ip', 'ping', 'traceroute']) {
    try {
      execFileSync('sh', ['-c', `command -v ${prog}`], { stdio: 'ignore' });
    } catch {
      return `${prog} not installed`;
    }
  }
  try {
    const v = execFileSync('ping', ['-V'], { encoding: 'utf8' });
    if (!v.includes('iputils 20221126')) return `another ping: ${v.split('\n')[0]}`;
    const t = spawnSync('traceroute', ['--version'], { encoding: 'utf8' });
    if (!t.stderr.includes('version 2.1.2')) return 'another traceroute';
  } catch {
    return 'ping -V failed';
  }
  return null;
}

/** Run a bash script; resolves with its output and status. */
function bash(script: string): Promise<Run> {
  return new Promise((resolve) => {
    const p = spawn('bash', ['-c', script]);
    let out = '';
    let err = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    p.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
    p.on('close', (code) => resolve({ out, err, rc: code ?? -1 }));
  });
}

/**
 * The command a case runs live. A traceroute that prints hops runs with `-w 5,0,0`
 * in front of its own options (its own `-w` still wins): the default `-w 5,3,10`
 * gives up on a probe 3 x (rtt + 1 ms) after another probe of its hop was answered
 * (10 x for a later hop), in real time, so on a loaded host (test files in
 * parallel, six cases at a time here) a descheduled traceroute prints `*` for a
 * reply already queued. Only the 5 s limit stays; the golden has no such star.
 */
function liveCommand(c: PingCase): string {
  if (!c.cmd.startsWith('traceroute ') || !c.out.startsWith('traceroute to ') || / -w /.test(c.cmd)) return c.cmd;
  return `traceroute -w 5,0,0 ${c.cmd.slice('traceroute '.length)}`;
}

/** One case live, in namespaces renamed tnxi* -> `tag`*. */
async function runHost(c: PingCase, tag: string): Promise<Run> {
  const rename = (l: string): string => l.replace(/tnxi/g, tag);
  try {
    await bash([...TOPO, ...(c.pre ?? [])].map(rename).join('\n'));
    // `timeout` only guards against a hang; a loaded host can be slow.
    return await bash(`timeout 300 ip netns exec ${rename(c.ns)} ${liveCommand(c)}`);
  } finally {
    await bash(NAMESPACES.map((n) => `ip netns del ${rename(n)}`).join('\n'));
  }
}

test('ping and traceroute print what iputils 20221126 and traceroute 2.1.2 print (golden from this host)', async (t) => {
  for (const c of CASES) {
    await t.test(`${c.name}: ${c.cmd}`, async () => {
      const r = await runTuxnet(c);
      assert.equal(mask(r.out), mask(c.out), 'stdout');
      assert.equal(mask(r.err), mask(c.err), 'stderr');
      assert.equal(r.rc, c.rc, 'exit status');
    });
  }
});

test('ping and traceroute: the same cases live on this host', async (t) => {
  const why = hostAvailable();
  if (why) {
    t.skip(why);
    return;
  }
  // Namespaces a killed earlier run of this test left behind (its pid is gone).
  for (const name of spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n')) {
    const m = /^(tnxI(\d+)c\d+\S*)/.exec(name);
    if (!m || Number(m[2]) === process.pid % 100000) continue;
    let alive = true;
    try {
      process.kill(Number(m[2]), 0);
    } catch {
      alive = false;
    }
    if (!alive) spawnSync('ip', ['netns', 'del', m[1]!], { stdio: 'ignore' });
  }
  // Several cases at once (each in its own namespaces): most of the time is waiting.
  const cases = CASES.filter((c) => !LIVE_TIMING_DEPENDENT.has(c.name));
  const results = new Map<string, Run>();
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < cases.length; i = next++) {
      results.set(cases[i]!.name, await runHost(cases[i]!, `tnxI${process.pid % 100000}c${i}`));
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  for (const c of cases) {
    await t.test(`${c.name}: ${c.cmd}`, () => {
      const r = results.get(c.name)!;
      assert.equal(mask(r.out), mask(c.out), 'stdout');
      assert.equal(mask(r.err), mask(c.err), 'stderr');
      assert.equal(r.rc, c.rc, 'exit status');
    });
  }
});
