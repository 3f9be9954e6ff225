/**
 * Path MTU discovery end to end: h1 (10.0.1.2) -- r (10.0.1.1 | 10.0.2.1, second
 * link MTU 1400) -- h3 (10.0.2.2). A UDP socket with IP_MTU_DISCOVER=DO sends a
 * 1428-byte datagram with DF; the router cannot forward it and answers ICMP
 * "fragmentation needed" (next-hop MTU 1400); h1's udp_err learns it through
 * ipv4_sk_update_pmtu into the nexthop exception of its default route, so the next
 * send is refused with EMSGSIZE, IP_MTU reads 1400, `ip route get` shows
 * `cache expires 600sec mtu 1400` and `ip route show cache` lists the exception,
 * until mtu_expires (600 s) of virtual time has passed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKernel } from '../src/index.js';
import type { Kernel } from '../src/core/net_namespace.js';
import { Task } from '../src/socket/task.js';
import * as sys from '../src/socket/syscalls.js';
import { AF_INET, SOCK_DGRAM } from '../src/socket/socket.js';
import { programs } from '../src/tools/registry.js';
import { BufferStdio } from '../src/tools/tool.js';
import { IP_MTU, IP_MTU_DISCOVER, IP_PMTUDISC_DO, SOL_IP } from '../src/ipv4/inet_sock.js';

const SETUP = [
  'ip netns add h1', 'ip netns add r', 'ip netns add h3',
  'ip link add veth0 netns h1 type veth peer name veth1 netns r',
  'ip link add veth2 netns r type veth peer name veth3 netns h3',
  'ip -n h1 addr add 10.0.1.2/24 dev veth0',
  'ip -n r addr add 10.0.1.1/24 dev veth1',
  'ip -n r addr add 10.0.2.1/24 dev veth2',
  'ip -n h3 addr add 10.0.2.2/24 dev veth3',
  'ip -n r link set veth2 mtu 1400',
  'ip -n h3 link set veth3 mtu 1400',
  'ip -n h1 link set lo up', 'ip -n r link set lo up', 'ip -n h3 link set lo up',
  'ip -n h1 link set veth0 up', 'ip -n r link set veth1 up', 'ip -n r link set veth2 up', 'ip -n h3 link set veth3 up',
  'ip -n h1 route add default via 10.0.1.1',
  'ip -n h3 route add default via 10.0.2.1',
];

async function sh(k: Kernel, line: string): Promise<string> {
  const argv = line.split(' ');
  const out = new BufferStdio();
  const task = new Task(k, k.initNet, out, out, 1);
  const rc = await programs.get(argv[0]!)!({ task, argv, stdout: out, stderr: out, env: {}, exec: async () => 0 });
  assert.equal(rc, 0, `${line}: ${out.text}`);
  return out.text;
}

const ip = (s: string): number => s.split('.').reduce((a, b) => a * 256 + Number(b), 0) >>> 0;

test('PMTU discovery: frag-needed from the router becomes a nexthop exception that expires', async () => {
  const k = createKernel({ seed: 11 });
  for (const l of SETUP) await sh(k, l);
  const rt = new Task(k, k.netnsNames.get('r')!, new BufferStdio(), new BufferStdio(), 1);
  sys.writeFile(rt, '/proc/sys/net/ipv4/ip_forward', '1');
  await k.sleep(1e9); // link watch: carrier up on both ends
  const task = new Task(k, k.netnsNames.get('h1')!, new BufferStdio(), new BufferStdio(), 1);
  const fd = sys.socket(task, AF_INET, SOCK_DGRAM, 0);
  sys.setsockopt(task, fd, SOL_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO);
  await sys.connect(task, fd, { family: AF_INET, port: 9, addr: ip('10.0.2.2') });
  assert.equal(sys.getsockopt(task, fd, SOL_IP, IP_MTU), 1500);
  assert.equal(sys.send(task, fd, new Uint8Array(1400)), 1400);
  await k.sleep(1e9); // ARP, forwarding attempt, ICMP back
  assert.throws(() => sys.send(task, fd, new Uint8Array(1400)), (e: { code?: string }) => e.code === 'EMSGSIZE');
  assert.equal(sys.getsockopt(task, fd, SOL_IP, IP_MTU), 1400);
  assert.equal(sys.send(task, fd, new Uint8Array(1372)), 1372);

  const get = await sh(k, 'ip -n h1 route get 10.0.2.2');
  assert.match(get, /^10\.0\.2\.2 via 10\.0\.1\.1 dev veth0 src 10\.0\.1\.2 uid 0 \n {4}cache expires (599|600)sec mtu 1400 \n$/);
  const cache = await sh(k, 'ip -n h1 route show cache');
  assert.match(cache, /^10\.0\.2\.2 via 10\.0\.1\.1 dev veth0 \n {4}cache expires (599|600)sec mtu 1400 \n$/);
  // As this host prints it after `ping -M do -s 1400 10.0.2.2` (Linux 6.18, iproute2 6.1).
  const j = JSON.parse(await sh(k, 'ip -n h1 -j route get 10.0.2.2')) as { expires: number }[];
  assert.ok(j[0]!.expires === 599 || j[0]!.expires === 600);
  j[0]!.expires = 599;
  assert.deepEqual(j, [{
    dst: '10.0.2.2', gateway: '10.0.1.1', dev: 'veth0', prefsrc: '10.0.1.2', flags: [], uid: 0, cache: [], expires: 599,
    metrics: [{ mtu: 1400 }],
  }]);
  assert.match(await sh(k, 'ip -n h1 -d route show cache'), /^unicast 10\.0\.2\.2 via 10\.0\.1\.1 dev veth0 \n {4}cache expires (599|600)sec mtu 1400 \n$/);

  await k.sleep(601e9);
  assert.equal(await sh(k, 'ip -n h1 route get 10.0.2.2'), '10.0.2.2 via 10.0.1.1 dev veth0 src 10.0.1.2 uid 0 \n    cache \n');
  assert.equal(await sh(k, 'ip -n h1 route show cache'), '');
  assert.equal(sys.getsockopt(task, fd, SOL_IP, IP_MTU), 1500);
});
