/**
 * ICMP redirects end to end: h (10.0.1.2), r (10.0.1.1, h's default router) and g
 * (10.0.1.8, the router to 10.0.3.1) on one bridged LAN; r routes 10.0.3.0/24 via g.
 * h's packets to 10.0.3.1 leave r by the interface they came in on, so r forwards
 * them and sends "Redirect Host, new nexthop 10.0.1.8" (ip_rt_send_redirect, with
 * its backoff); h accepts the second one (the first only starts ARP for 10.0.1.8:
 * __ip_do_redirect needs a valid neighbour) as a nexthop exception that expires
 * after gc_timeout (300 s). The `ip` answers are this host's (Linux 6.18, iproute2
 * 6.1) for the same topology with `ping -c 3 -i 0.5 10.0.3.1` from h; here UDP
 * datagrams 0.5 s apart take ping's place.
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
import { ipv4Net } from '../src/ipv4/netns_ipv4.js';
import { ICMP_REDIRECT } from '../src/wire/icmphdr.js';

const SETUP = [
  'ip netns add h', 'ip netns add r', 'ip netns add g', 'ip netns add l',
  'ip -n l link add br0 type bridge', 'ip -n l link set br0 up',
  'ip link add veth0 netns h type veth peer name p0 netns l',
  'ip link add veth0 netns r type veth peer name p1 netns l',
  'ip link add veth0 netns g type veth peer name p2 netns l',
  'ip -n l link set p0 master br0', 'ip -n l link set p1 master br0', 'ip -n l link set p2 master br0',
  'ip -n l link set p0 up', 'ip -n l link set p1 up', 'ip -n l link set p2 up',
  'ip -n h addr add 10.0.1.2/24 dev veth0',
  'ip -n r addr add 10.0.1.1/24 dev veth0',
  'ip -n g addr add 10.0.1.8/24 dev veth0',
  'ip -n g link set lo up',
  'ip -n g addr add 10.0.3.1/32 dev lo',
  'ip -n h link set veth0 up', 'ip -n r link set veth0 up', 'ip -n g link set veth0 up',
  'ip -n h route add default via 10.0.1.1',
  'ip -n r route add 10.0.3.0/24 via 10.0.1.8',
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

test('ICMP redirect: the router sends it, the host learns the new gateway for that destination', async () => {
  const k = createKernel({ seed: 5 });
  for (const l of SETUP) await sh(k, l);
  for (const ns of ['r', 'g']) {
    sys.writeFile(new Task(k, k.netnsNames.get(ns)!, new BufferStdio(), new BufferStdio(), 1), '/proc/sys/net/ipv4/ip_forward', '1');
  }
  await k.sleep(2e9);
  const h = k.netnsNames.get('h')!;
  const r = k.netnsNames.get('r')!;
  const task = new Task(k, h, new BufferStdio(), new BufferStdio(), 1);
  const fd = sys.socket(task, AF_INET, SOCK_DGRAM, 0);
  for (let i = 0; i < 3; i++) {
    sys.sendto(task, fd, new Uint8Array(56), { family: AF_INET, port: 33434, addr: ip('10.0.3.1') });
    await k.sleep(5e8);
  }
  // Two redirects, as with ping: the third packet already goes straight to g.
  assert.equal(ipv4Net(r).mib.icmpMsg[0x100 | ICMP_REDIRECT], 2);
  assert.equal(ipv4Net(h).mib.icmpMsg[ICMP_REDIRECT], 2);

  const expires = (s: string): string => s.replace(/expires 29[89]sec/, 'expires 299sec');
  assert.equal(expires(await sh(k, 'ip -n h route get 10.0.3.1')),
    '10.0.3.1 via 10.0.1.8 dev veth0 src 10.0.1.2 uid 0 \n    cache <redirected> expires 299sec \n');
  assert.equal(expires(await sh(k, 'ip -n h route show cache')), '10.0.3.1 via 10.0.1.8 dev veth0 \n    cache <redirected> expires 299sec \n');
  assert.equal(expires(await sh(k, 'ip -n h -d route show cache')),
    'unicast 10.0.3.1 via 10.0.1.8 dev veth0 \n    cache <redirected> expires 299sec \n');
  assert.equal(expires(await sh(k, 'ip -n h -j route get 10.0.3.1')).replace(/"expires":29[89]/, '"expires":299'),
    '[{"dst":"10.0.3.1","gateway":"10.0.1.8","dev":"veth0","prefsrc":"10.0.1.2","flags":[],"uid":0,"cache":["redirected"],"expires":299}]\n');
  assert.equal(await sh(k, 'ip -n r route get 10.0.3.1 iif veth0 from 10.0.1.2'),
    '10.0.3.1 from 10.0.1.2 via 10.0.1.8 dev veth0 \n    cache <redirect> iif veth0 \n');
  // Other destinations keep the default router.
  assert.equal(await sh(k, 'ip -n h route get 10.0.3.2'), '10.0.3.2 via 10.0.1.1 dev veth0 src 10.0.1.2 uid 0 \n    cache \n');

  await k.sleep(301e9);
  assert.equal(await sh(k, 'ip -n h route get 10.0.3.1'), '10.0.3.1 via 10.0.1.1 dev veth0 src 10.0.1.2 uid 0 \n    cache \n');
  assert.equal(await sh(k, 'ip -n h route show cache'), '');
});
