/**
 * ICMP rate limiting as a user sees it: a (10.1.0.1) - r (router) - b (10.2.0.2);
 * `ping -t 1` from a dies at r, which answers time exceeded under its limits, and
 * the counts come from ping's own output and from r's nstat and /proc/net/snmp.
 * Only tools: ip, sysctl, ping, nstat, cat.
 *
 * Expected figures are Linux's, from the same script on this host (6.18):
 *   - defaults (icmp_ratelimit 1000 ms, per destination: a burst of 6, then one
 *     per second): 10 pings 0.2 s apart get 7 errors (t = 0 ... 1.2 s), 3 are
 *     refused: IcmpOutTimeExcds 7, IcmpOutRateLimitHost 3, IcmpOutRateLimitGlobal 0;
 *   - icmp_ratelimit 0: every one of 10 answered, nothing limited;
 *   - icmp_msgs_per_sec 0 on a fresh router: the namespace-wide bucket starts
 *     empty and never fills, so all 10 are refused there, before the
 *     per-destination check (IcmpOutRateLimitGlobal 10, IcmpOutRateLimitHost 0);
 *   - echo replies are not in icmp_ratemask: 20 quick pings all answered.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scenario, type Scenario } from './harness/scenario.js';

const SETUP = `
ip netns add tnxqa
ip netns add tnxqr
ip netns add tnxqb
ip link add eth0 netns tnxqa type veth peer name eth0 netns tnxqr
ip link add eth1 netns tnxqr type veth peer name eth0 netns tnxqb
ip -n tnxqa addr add 10.1.0.1/24 dev eth0
ip -n tnxqr addr add 10.1.0.2/24 dev eth0
ip -n tnxqr addr add 10.2.0.1/24 dev eth1
ip -n tnxqb addr add 10.2.0.2/24 dev eth0
ip -n tnxqa link set eth0 up
ip -n tnxqr link set eth0 up
ip -n tnxqr link set eth1 up
ip -n tnxqb link set eth0 up
sleep 1
ip -n tnxqa route add default via 10.1.0.2
ip -n tnxqb route add default via 10.2.0.1
ip netns exec tnxqr sysctl -qw net.ipv4.ip_forward=1
`;

const COUNTERS = ['IcmpOutMsgs', 'IcmpOutTimeExcds', 'IcmpOutRateLimitHost', 'IcmpOutRateLimitGlobal'];

/** `ping -c 10 -i 0.2 -t 1` from a through r: the errors ping printed, and its summary line. */
async function pingTtl1(s: Scenario): Promise<{ seqs: number[]; summary: string }> {
  const r = await s.run('tnxqa', 'ping -c 10 -i 0.2 -t 1 10.2.0.2');
  const seqs = [...r.out.matchAll(/^From 10\.1\.0\.2 icmp_seq=(\d+) Time to live exceeded$/gm)].map((m) => Number(m[1]));
  const summary = r.out.split('\n').find((l) => l.includes('packets transmitted')) ?? r.out;
  return { seqs, summary: summary.replace(/, time \d+ms$/, '') };
}

test('icmp_ratelimit: 10 TTL-expired pings 0.2 s apart get 7 answers (burst 6, then one per second), 3 counted OutRateLimitHost; icmp_ratelimit 0 answers all', async () => {
  const s = await scenario(SETUP);
  const first = await pingTtl1(s);
  assert.deepEqual(first.seqs, [1, 2, 3, 4, 5, 6, 7]);
  assert.equal(first.summary, '10 packets transmitted, 0 received, +7 errors, 100% packet loss');
  assert.deepEqual(await s.nstat('tnxqr', ...COUNTERS), {
    IcmpOutMsgs: 7, IcmpOutTimeExcds: 7, IcmpOutRateLimitHost: 3, IcmpOutRateLimitGlobal: 0,
  });
  const snmp = await s.snmp('tnxqr');
  assert.deepEqual([snmp['Icmp.OutTimeExcds'], snmp['Icmp.OutRateLimitHost'], snmp['Icmp.OutRateLimitGlobal']], [7, 3, 0]);

  // The per-destination limit off: every probe is answered.
  assert.equal((await s.run('tnxqr', 'sysctl -qw net.ipv4.icmp_ratelimit=0')).rc, 0);
  const second = await pingTtl1(s);
  assert.deepEqual(second.seqs, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.equal(second.summary, '10 packets transmitted, 0 received, +10 errors, 100% packet loss');
  assert.deepEqual(await s.nstat('tnxqr', ...COUNTERS), {
    IcmpOutMsgs: 17, IcmpOutTimeExcds: 17, IcmpOutRateLimitHost: 3, IcmpOutRateLimitGlobal: 0,
  });
});

test('icmp_msgs_per_sec 0: the namespace bucket never fills, every error is refused as OutRateLimitGlobal (checked before the per-destination limit)', async () => {
  const s = await scenario(`${SETUP}ip netns exec tnxqr sysctl -qw net.ipv4.icmp_msgs_per_sec=0\n`);
  const r = await pingTtl1(s);
  assert.deepEqual(r.seqs, []);
  assert.equal(r.summary, '10 packets transmitted, 0 received, 100% packet loss');
  assert.deepEqual(await s.nstat('tnxqr', ...COUNTERS), {
    IcmpOutMsgs: 0, IcmpOutTimeExcds: 0, IcmpOutRateLimitHost: 0, IcmpOutRateLimitGlobal: 10,
  });
});

test('echo replies are outside icmp_ratemask: 20 pings 0.01 s apart are all answered', async () => {
  const s = await scenario(SETUP);
  const r = await s.run('tnxqa', 'ping -c 20 -i 0.01 10.1.0.2');
  assert.equal(r.rc, 0, r.err);
  assert.match(r.out, /^20 packets transmitted, 20 received, 0% packet loss/m);
  assert.deepEqual(await s.nstat('tnxqr', 'IcmpOutEchoReps', 'IcmpOutRateLimitHost', 'IcmpOutRateLimitGlobal'), {
    IcmpOutEchoReps: 20, IcmpOutRateLimitHost: 0, IcmpOutRateLimitGlobal: 0,
  });
});
