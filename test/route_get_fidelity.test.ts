/**
 * Fidelity of `ip route get` / `ip route show cache` (RTM_GETROUTE answered by
 * route_netlink.ts, printed by iproute2's ip/iproute.c logic in tools/ip/iproute.ts):
 * a three-namespace topology (host - router - host, the second link with MTU 1400)
 * and reject routes, then output routes (gateway, local, broadcast, multicast,
 * from/oif/mark/uid/tos/ipproto, fibmatch, errors), input routes (`iif`: forward,
 * redirect, local, broadcast, no route, martians) and the exception cache.
 *
 * GOLDEN is this host's answer (Linux 6.18, iproute2 6.1), captured with `bash`;
 * tuxnet must print the same. As root, the script also runs live on this host in
 * namespaces renamed tnxr* -> tnxR<pid>* and the two transcripts are compared.
 * Nothing is masked: both sides print `uid 0` (root), the same ifnames, and no
 * timing (no `-s`, no learned exceptions in this script).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { runLab } from '../src/tools/lab/lab.js';
import { BufferStdio } from '../src/tools/tool.js';

const SCRIPT = [
  'ip netns add tnxr1',
  'ip netns add tnxr2',
  'ip netns add tnxr3',
  'ip -n tnxr1 link set lo up',
  'ip -n tnxr2 link set lo up',
  'ip -n tnxr3 link set lo up',
  'ip link add veth0 netns tnxr1 type veth peer name veth1 netns tnxr2',
  'ip link add veth2 netns tnxr2 type veth peer name veth3 netns tnxr3',
  'ip -n tnxr1 addr add 10.0.1.2/24 dev veth0',
  'ip -n tnxr2 addr add 10.0.1.1/24 dev veth1',
  'ip -n tnxr2 addr add 10.0.2.1/24 dev veth2',
  'ip -n tnxr3 addr add 10.0.2.2/24 dev veth3',
  'ip -n tnxr2 link set veth2 mtu 1400',
  'ip -n tnxr3 link set veth3 mtu 1400',
  'ip -n tnxr1 link set veth0 up',
  'ip -n tnxr2 link set veth1 up',
  'ip -n tnxr2 link set veth2 up',
  'ip -n tnxr3 link set veth3 up',
  'ip -n tnxr1 route add default via 10.0.1.1',
  'ip -n tnxr3 route add default via 10.0.2.1',
  'ip -n tnxr1 route add unreachable 10.9.0.0/16',
  'ip -n tnxr1 route add prohibit 10.8.0.0/16',
  'ip -n tnxr1 route add blackhole 10.7.0.0/16',
  'ip netns exec tnxr2 sysctl -qw net.ipv4.ip_forward=1',
  'sleep 1',
  'echo "== output routes"',
  'ip -n tnxr1 route get 10.0.2.2',
  'ip -n tnxr1 route get 10.0.1.2',
  'ip -n tnxr1 route get 127.0.0.1',
  'ip -n tnxr1 route get 10.0.1.255',
  'ip -n tnxr1 route get 255.255.255.255',
  'ip -n tnxr1 route get 224.0.0.1',
  'ip -n tnxr1 route get 10.0.1.5 from 10.0.1.2',
  'ip -n tnxr1 route get 10.0.2.2 mark 5 uid 1000',
  'ip -n tnxr1 route get 10.0.2.2 oif lo',
  'ip -n tnxr1 route get 10.0.2.2 oif veth0',
  'ip -n tnxr1 route get fibmatch 10.0.2.2',
  'ip -n tnxr1 route get 10.0.2.2 ipproto tcp sport 5 dport 80',
  'ip -n tnxr1 route get 0.0.0.0',
  'ip -n tnxr1 route get 10.0.2.2 from 10.0.9.9',
  'ip -n tnxr1 route get 10.9.0.1',
  'ip -n tnxr1 route get 10.8.0.1',
  'ip -n tnxr1 route get 10.7.0.1',
  'ip -n tnxr1 route get 10.0.2.2 tos 0x10',
  'ip -n tnxr1 -j route get 10.0.2.2',
  'ip -n tnxr1 -d route get 10.0.2.2',
  'echo "== input routes"',
  'ip -n tnxr1 route get 10.0.2.2 iif veth0 from 10.0.1.9',
  'ip -n tnxr2 route get 10.0.2.2 iif veth1 from 10.0.1.2',
  'ip -n tnxr2 route get 10.0.1.2 iif veth1 from 10.0.1.3',
  'ip -n tnxr2 route get 10.0.1.1 iif veth1 from 10.0.1.2',
  'ip -n tnxr2 route get 10.0.1.255 iif veth1 from 10.0.1.2',
  'ip -n tnxr2 route get 10.0.9.9 iif veth1 from 10.0.1.2',
  'ip -n tnxr2 route get 10.0.2.2 iif veth1 from 127.0.0.1',
  'ip -n tnxr2 route get 10.0.2.2 iif veth1 from 10.0.2.1',
  'ip -n tnxr2 route get 10.0.2.2 iif veth1',
  'ip -n tnxr2 route get 224.0.0.1 iif veth1 from 10.0.1.2',
  'ip -n tnxr2 route get 10.0.2.2 iif nosuch from 10.0.1.2',
  'ip -n tnxr2 route get fibmatch 10.0.2.2 iif veth1 from 10.0.1.2',
  'ip -n tnxr2 -j route get 10.0.2.2 iif veth1 from 10.0.1.2',
  'echo "== cache"',
  'ip -n tnxr1 route show cache',
  'ip netns del tnxr1',
  'ip netns del tnxr2',
  'ip netns del tnxr3',
];

const GOLDEN = [
  '== output routes',
  '10.0.2.2 via 10.0.1.1 dev veth0 src 10.0.1.2 uid 0 ',
  '    cache ',
  'local 10.0.1.2 dev lo src 10.0.1.2 uid 0 ',
  '    cache <local> ',
  'local 127.0.0.1 dev lo src 127.0.0.1 uid 0 ',
  '    cache <local> ',
  'broadcast 10.0.1.255 dev veth0 src 10.0.1.2 uid 0 ',
  '    cache <local,brd> ',
  'broadcast 255.255.255.255 dev veth0 src 10.0.1.2 uid 0 ',
  '    cache <local,brd> ',
  'multicast 224.0.0.1 dev veth0 src 10.0.1.2 rt_offload_failed uid 0 ',
  '    cache <local,mc> ',
  '10.0.1.5 from 10.0.1.2 dev veth0 uid 0 ',
  '    cache ',
  '10.0.2.2 via 10.0.1.1 dev veth0 src 10.0.1.2 mark 5 uid 1000 ',
  '    cache ',
  '10.0.2.2 dev lo src 10.0.1.2 uid 0 ',
  '    cache <local> ',
  '10.0.2.2 via 10.0.1.1 dev veth0 src 10.0.1.2 uid 0 ',
  '    cache ',
  'default via 10.0.1.1 dev veth0 ',
  '10.0.2.2 via 10.0.1.1 dev veth0 src 10.0.1.2 uid 0 ',
  '    cache ',
  'local 0.0.0.0 dev lo src 127.0.0.1 uid 0 ',
  '    cache <local> ',
  'RTNETLINK answers: Network is unreachable',
  'RTNETLINK answers: No route to host',
  'RTNETLINK answers: Permission denied',
  'RTNETLINK answers: Invalid argument',
  '10.0.2.2 via 10.0.1.1 dev veth0 src 10.0.1.2 uid 0 ',
  '    cache ',
  '[{"dst":"10.0.2.2","gateway":"10.0.1.1","dev":"veth0","prefsrc":"10.0.1.2","flags":[],"uid":0,"cache":[]}]',
  'unicast 10.0.2.2 via 10.0.1.1 dev veth0 table main src 10.0.1.2 uid 0 ',
  '    cache ',
  '== input routes',
  'RTNETLINK answers: No route to host',
  '10.0.2.2 from 10.0.1.2 dev veth2 ',
  '    cache iif veth1 ',
  '10.0.1.2 from 10.0.1.3 dev veth1 ',
  '    cache <redirect> iif veth1 ',
  'local 10.0.1.1 from 10.0.1.2 dev lo ',
  '    cache <local> iif veth1 ',
  'broadcast 10.0.1.255 from 10.0.1.2 dev lo ',
  '    cache <local,brd> iif veth1 ',
  'RTNETLINK answers: Network is unreachable',
  'RTNETLINK answers: Invalid argument',
  'RTNETLINK answers: Invalid argument',
  'RTNETLINK answers: Invalid argument',
  'multicast 224.0.0.1 from 10.0.1.2 dev lo rt_offload_failed ',
  '    cache <local,mc> iif veth1 ',
  'Cannot find device "nosuch"',
  '10.0.2.0/24 dev veth2 proto kernel scope link src 10.0.2.1 ',
  '[{"dst":"10.0.2.2","from":"10.0.1.2","dev":"veth2","flags":[],"cache":[],"iif":"veth1"}]',
  '== cache',
];

/** Input routes through rp_filter (strict, loose) and accept_local on a router. */
const RPF_SCRIPT = [
  'ip netns add tnxrp',
  'ip -n tnxrp link add ra type veth peer name rb',
  'ip -n tnxrp link add rc type veth peer name rd',
  'ip -n tnxrp addr add 10.0.1.1/24 dev ra',
  'ip -n tnxrp addr add 10.0.2.1/24 dev rc',
  'ip -n tnxrp link set ra up',
  'ip -n tnxrp link set rb up',
  'ip -n tnxrp link set rc up',
  'ip -n tnxrp link set rd up',
  'ip netns exec tnxrp sysctl -qw net.ipv4.ip_forward=1',
  'ip netns exec tnxrp sysctl -qw net.ipv4.conf.all.rp_filter=1',
  'ip -n tnxrp route get 10.0.1.9 iif rc from 10.0.1.5',
  'ip -n tnxrp route get 10.0.2.1 iif ra from 10.0.2.5',
  'ip -n tnxrp route get 10.0.2.9 iif ra from 10.0.1.5',
  'ip netns exec tnxrp sysctl -qw net.ipv4.conf.all.rp_filter=2',
  'ip -n tnxrp route get 10.0.1.9 iif rc from 10.0.1.5',
  'ip -n tnxrp route get 10.0.1.9 iif rc from 192.0.2.1',
  'ip -n tnxrp route get 10.0.1.1 iif rc from 10.0.1.1',
  'ip netns exec tnxrp sysctl -qw net.ipv4.conf.rc.accept_local=1',
  'ip -n tnxrp route get 10.0.1.1 iif rc from 10.0.1.1',
  'ip -n tnxrp route get 10.0.2.1 iif rc from 10.0.2.1',
  'ip netns del tnxrp',
];

const RPF_GOLDEN = [
  'RTNETLINK answers: Invalid argument',
  'RTNETLINK answers: Invalid argument',
  '10.0.2.9 from 10.0.1.5 dev rc ',
  '    cache iif ra ',
  '10.0.1.9 from 10.0.1.5 dev ra ',
  '    cache iif rc ',
  'RTNETLINK answers: Invalid argument',
  'RTNETLINK answers: Invalid argument',
  'local 10.0.1.1 from 10.0.1.1 dev lo ',
  '    cache <local> iif rc ',
  'local 10.0.2.1 from 10.0.2.1 dev lo ',
  '    cache <local> iif rc ',
];

/** Output routes with an oif and no route (assumed on link), multicast/broadcast with a source, 127/8. */
const OIF_SCRIPT = [
  'ip netns add tnxr1',
  'ip netns add tnxr2',
  'ip netns add tnxr3',
  'ip -n tnxr1 link set lo up',
  'ip -n tnxr2 link set lo up',
  'ip -n tnxr3 link set lo up',
  'ip link add veth0 netns tnxr1 type veth peer name veth1 netns tnxr2',
  'ip link add veth2 netns tnxr2 type veth peer name veth3 netns tnxr3',
  'ip -n tnxr1 addr add 10.0.1.2/24 dev veth0',
  'ip -n tnxr2 addr add 10.0.1.1/24 dev veth1',
  'ip -n tnxr2 addr add 10.0.2.1/24 dev veth2',
  'ip -n tnxr3 addr add 10.0.2.2/24 dev veth3',
  'ip -n tnxr2 link set veth2 mtu 1400',
  'ip -n tnxr3 link set veth3 mtu 1400',
  'ip -n tnxr1 link set veth0 up',
  'ip -n tnxr2 link set veth1 up',
  'ip -n tnxr2 link set veth2 up',
  'ip -n tnxr3 link set veth3 up',
  'ip -n tnxr1 route add default via 10.0.1.1',
  'ip -n tnxr3 route add default via 10.0.2.1',
  'ip -n tnxr1 route add unreachable 10.9.0.0/16',
  'ip -n tnxr1 route add prohibit 10.8.0.0/16',
  'ip -n tnxr1 route add blackhole 10.7.0.0/16',
  'ip netns exec tnxr2 sysctl -qw net.ipv4.ip_forward=1',
  'ip -n tnxr2 route get 192.0.2.1 oif veth1',
  'ip -n tnxr2 route get 192.0.2.1 oif veth1 from 10.0.2.1',
  'ip -n tnxr2 route get 224.0.0.5 oif veth1',
  'ip -n tnxr2 route get 255.255.255.255 oif veth2',
  'ip -n tnxr2 route get 255.255.255.255 from 10.0.2.1',
  'ip -n tnxr2 route get 224.1.2.3 from 10.0.2.1',
  'ip -n tnxr2 route get 10.0.1.1 oif veth2',
  'ip -n tnxr2 route get 10.0.2.2 from 127.0.0.1',
  'ip -n tnxr2 route get 127.0.0.1 from 10.0.2.1',
  'ip -n tnxr1 route get 10.0.2.2 oif nosuch',
  'ip netns del tnxr1',
  'ip netns del tnxr2',
  'ip netns del tnxr3',
];

const OIF_GOLDEN = [
  '192.0.2.1 dev veth1 src 10.0.1.1 uid 0 ',
  '    cache ',
  '192.0.2.1 from 10.0.2.1 dev veth1 uid 0 ',
  '    cache ',
  'multicast 224.0.0.5 dev veth1 src 10.0.1.1 rt_offload_failed uid 0 ',
  '    cache <mc> ',
  'broadcast 255.255.255.255 dev veth2 src 10.0.2.1 uid 0 ',
  '    cache <local,brd> ',
  'broadcast 255.255.255.255 from 10.0.2.1 dev veth2 uid 0 ',
  '    cache <local,brd> ',
  'multicast 224.1.2.3 from 10.0.2.1 dev veth2 rt_offload_failed uid 0 ',
  '    cache <mc> ',
  '10.0.1.1 dev veth2 src 10.0.2.1 uid 0 ',
  '    cache ',
  'RTNETLINK answers: Invalid argument',
  'local 127.0.0.1 from 10.0.2.1 dev lo uid 0 ',
  '    cache <local> ',
  'Cannot find device "nosuch"',
];

async function runTuxnet(lines: string[]): Promise<string> {
  const out = new BufferStdio();
  const source = lines.join('\n') + '\n';
  const rc = await runLab({ file: 'route_get.sh', source, stdout: out, stderr: out });
  assert.equal(rc, 0, out.text);
  return out.text;
}

function hostAvailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root';
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'iproute2 not installed';
  }
  return null;
}

test('ip route get / show cache print what Linux prints (golden from Linux 6.18 + iproute2 6.1)', async () => {
  const text = await runTuxnet(SCRIPT);
  assert.deepEqual(text.split('\n'), [...GOLDEN, '']);
});

test('ip route get: the same script live on this host', async (t) => {
  const why = hostAvailable();
  if (why) {
    t.skip(why);
    return;
  }
  const tag = `tnxR${process.pid % 100000}`;
  const host = SCRIPT.map((l) => l.replace(/tnxr/g, tag)).join('\n') + '\n';
  let out: string;
  try {
    // One pipe for both streams, as the transcript interleaves errors with answers.
    out = spawnSync('bash', ['-c', `exec 2>&1\n${host}`], { encoding: 'utf8' }).stdout;
  } finally {
    for (const n of ['1', '2', '3']) spawnSync('ip', ['netns', 'del', `${tag}${n}`], { stdio: 'ignore' });
  }
  assert.deepEqual(out.split('\n'), [...GOLDEN, '']);
});

test('ip route get iif: rp_filter strict/loose and accept_local answers match Linux', async (t) => {
  assert.deepEqual((await runTuxnet(RPF_SCRIPT)).split('\n'), [...RPF_GOLDEN, '']);
  const why = hostAvailable();
  if (why) {
    t.skip(`live part: ${why}`);
    return;
  }
  const tag = `tnxP${process.pid % 100000}`;
  const host = RPF_SCRIPT.map((l) => l.replace(/tnxrp/g, tag)).join('\n') + '\n';
  let out: string;
  try {
    out = spawnSync('bash', ['-c', `exec 2>&1\n${host}`], { encoding: 'utf8' }).stdout;
  } finally {
    spawnSync('ip', ['netns', 'del', tag], { stdio: 'ignore' });
  }
  assert.deepEqual(out.split('\n'), [...RPF_GOLDEN, '']);
});

test('ip route get oif/from: on-link assumption, multicast and broadcast by source, loopback rules match Linux', async (t) => {
  assert.deepEqual((await runTuxnet(OIF_SCRIPT)).split('\n'), [...OIF_GOLDEN, '']);
  const why = hostAvailable();
  if (why) {
    t.skip(`live part: ${why}`);
    return;
  }
  const tag = `tnxO${process.pid % 100000}`;
  const host = OIF_SCRIPT.map((l) => l.replace(/tnxr/g, tag)).join('\n') + '\n';
  let out: string;
  try {
    out = spawnSync('bash', ['-c', `exec 2>&1\n${host}`], { encoding: 'utf8' }).stdout;
  } finally {
    for (const n of ['1', '2', '3']) spawnSync('ip', ['netns', 'del', `${tag}${n}`], { stdio: 'ignore' });
  }
  assert.deepEqual(out.split('\n'), [...OIF_GOLDEN, '']);
});
