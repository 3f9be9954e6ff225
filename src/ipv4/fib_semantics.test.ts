/**
 * fib_semantics through the whole stack: route requests from `ip` (parsed by
 * fib_frontend) validated by fib_create_info with Linux's errors, metrics clamps,
 * nexthops marked by device events, ECMP selection by weight and hash policy.
 * The expected texts are what Linux 6.18 + iproute2 6.1 print for the same commands
 * (checked in a tnxf1* namespace on the development host).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKernel } from '../index.js';
import type { Kernel, Net } from '../core/net_namespace.js';
import { Task } from '../socket/task.js';
import * as sys from '../socket/syscalls.js';
import { AF_NETLINK, SOCK_RAW, SOL_NETLINK } from '../socket/socket.js';
import { NETLINK_ROUTE, NETLINK_ADD_MEMBERSHIP, nlmsgSplit } from '../wire/netlink.js';
import { RTM_DELROUTE, RTM_NEWROUTE, RTNLGRP_IPV4_ROUTE } from '../wire/rtnetlink.js';
import { programs } from '../tools/registry.js';
import { BufferStdio } from '../tools/tool.js';
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP } from '../wire/iphdr.js';
import { allocSkb, skbPutData, skbResetNetworkHeader, type SkBuff } from '../core/skbuff.js';
import { Flowi4 } from './rtable.js';
import { FibResult } from './fib_lookup.js';
import { fibLookup } from './fib_frontend.js';
import { fibSelectPath, fibMultipathHash } from './fib_semantics.js';
import { ipv4Net } from './netns_ipv4.js';

const ip4 = (s: string): number => s.split('.').reduce((a, b) => a * 256 + Number(b), 0);

async function sh(k: Kernel, net: Net, line: string): Promise<{ rc: number; out: string; err: string }> {
  const argv = line.split(' ');
  const out = new BufferStdio();
  const err = new BufferStdio();
  const rc = await programs.get(argv[0]!)!({ task: new Task(k, net, out, err, 1), argv, stdout: out, stderr: err, env: {},
    exec: async () => 0 });
  return { rc, out: out.text, err: err.text };
}

async function router(): Promise<{ k: Kernel; net: Net }> {
  const k = createKernel({ seed: 11 });
  const net = k.newNet();
  net.refcnt++;
  for (const l of [
    'ip link add eth0 type veth peer name p0', 'ip link add eth1 type veth peer name p1',
    'ip link set eth0 up', 'ip link set eth1 up', 'ip link set p0 up', 'ip link set p1 up', 'ip link set lo up',
    'ip addr add 10.0.0.1/24 dev eth0', 'ip addr add 10.1.0.1/24 dev eth1',
  ]) assert.equal((await sh(k, net, l)).rc, 0, l);
  await k.sleep(2e9);
  return { k, net };
}

test('fib_create_info: nexthop, scope and prefsrc checks fail with Linux errors', async () => {
  const { k, net } = await router();
  const cases: [string, string][] = [
    ['ip route add 10.9.0.0/16 via 10.99.0.1', 'Error: Nexthop has invalid gateway.\n'],
    ['ip route add 10.9.0.0/16 via 10.99.0.1 dev eth0 onlink scope link', 'Error: Nexthop has invalid scope.\n'],
    ['ip route add 10.9.0.0/16 dev eth0 src 10.77.0.1', 'Error: Invalid prefsrc address.\n'],
    ['ip route add 10.9.0.0/16 via 10.0.0.5 scope host', 'Error: Route with host scope can not have a gateway.\n'],
    ['ip route add local 10.9.0.1 dev eth0 via 10.0.0.2', 'Error: Route with host scope can not have a gateway.\n'],
    ['ip route add 10.9.0.0/16 nexthop via 10.0.0.2 nexthop via 10.77.0.2', 'Error: Nexthop has invalid gateway.\n'],
    ['ip route add 10.9.0.0/16 via 10.0.0.2 dev eth1', 'Error: Nexthop has invalid gateway.\n'],
    ['ip route add unreachable 10.9.0.0/16 dev eth0',
      'Error: Gateway, device and multipath can not be specified for this route type.\n'],
  ];
  for (const [cmd, err] of cases) {
    const r = await sh(k, net, cmd);
    assert.deepEqual([r.rc, r.err], [2, err], cmd);
  }
  // A gateway that is one of our own addresses is accepted (a local route of narrower scope).
  assert.equal((await sh(k, net, 'ip route add 10.9.0.0/16 via 10.0.0.1')).rc, 0);
  assert.equal((await sh(k, net, 'ip route show 10.9.0.0/16')).out, '10.9.0.0/16 via 10.0.0.1 dev eth0 \n');
  // Metrics are clamped as ip_metrics_convert does.
  assert.equal((await sh(k, net, 'ip route add 10.10.0.0/16 via 10.0.0.2 mtu 70000 advmss 70000')).rc, 0);
  assert.equal((await sh(k, net, 'ip route show 10.10.0.0/16')).out, '10.10.0.0/16 via 10.0.0.2 dev eth0 mtu 65520 advmss 65495 \n');
  // A down device: no device routes, no onlink gateways on it.
  assert.equal((await sh(k, net, 'ip link set eth1 down')).rc, 0);
  let r = await sh(k, net, 'ip route add 10.8.0.0/16 dev eth1');
  assert.deepEqual([r.rc, r.err], [2, 'Error: Device for nexthop is not up.\n']);
  r = await sh(k, net, 'ip route add 10.8.0.0/16 via 10.9.9.9 dev eth1 onlink');
  assert.deepEqual([r.rc, r.err], [2, 'Error: Nexthop device is not up.\n']);
});

test('fib_sync_down_dev / fib_sync_up: linkdown on carrier loss, dead when down, revived when up', async () => {
  const { k, net } = await router();
  assert.equal((await sh(k, net, 'ip route add 198.51.100.0/24 nexthop via 10.0.0.2 weight 2 nexthop via 10.1.0.2 dev eth1')).rc, 0);
  const show = async (): Promise<string> => (await sh(k, net, 'ip route show 198.51.100.0/24')).out;
  await sh(k, net, 'ip link set p1 down');
  await k.sleep(2e9);
  assert.equal(await show(), '198.51.100.0/24 \n\tnexthop via 10.0.0.2 dev eth0 weight 2 \n\tnexthop via 10.1.0.2 dev eth1 weight 1 linkdown \n');
  await sh(k, net, 'ip link set eth1 down');
  await k.sleep(2e9);
  assert.equal(await show(), '198.51.100.0/24 \n\tnexthop via 10.0.0.2 dev eth0 weight 2 \n\tnexthop via 10.1.0.2 dev eth1 weight 1 dead linkdown \n');
  // Every flow takes the live nexthop.
  const fl4 = new Flowi4();
  const res = new FibResult();
  for (let i = 0; i < 50; i++) {
    fl4.daddr = ip4('198.51.100.7');
    fl4.saddr = ip4('10.0.0.1') + i;
    assert.equal(fibLookup(net, fl4, res, 0), 0);
    fibSelectPath(net, res, fl4, null);
    assert.equal(res.nhc!.fibNhGw4, ip4('10.0.0.2'));
  }
  await sh(k, net, 'ip link set eth1 up');
  await k.sleep(2e9);
  assert.equal(await show(), '198.51.100.0/24 \n\tnexthop via 10.0.0.2 dev eth0 weight 2 \n\tnexthop via 10.1.0.2 dev eth1 weight 1 linkdown \n');
  await sh(k, net, 'ip link set p1 up');
  await k.sleep(2e9);
  assert.equal(await show(), '198.51.100.0/24 \n\tnexthop via 10.0.0.2 dev eth0 weight 2 \n\tnexthop via 10.1.0.2 dev eth1 weight 1 \n');
});

/** Which gateway each of `n` flows takes. */
function spread(net: Net, n: number, flow: (fl4: Flowi4, i: number) => void): Map<number, number> {
  const counts = new Map<number, number>();
  const res = new FibResult();
  for (let i = 0; i < n; i++) {
    const fl4 = new Flowi4();
    fl4.daddr = ip4('198.51.100.7');
    flow(fl4, i);
    assert.equal(fibLookup(net, fl4, res, 0), 0);
    fibSelectPath(net, res, fl4, null);
    const gw = res.nhc!.fibNhGw4;
    counts.set(gw, (counts.get(gw) ?? 0) + 1);
  }
  return counts;
}

test('ECMP: flows spread by weight; policy 0 hashes addresses only, policy 1 adds ports and protocol', async () => {
  const { k, net } = await router();
  assert.equal((await sh(k, net, 'ip route add 198.51.100.0/24 nexthop via 10.0.0.2 weight 3 nexthop via 10.1.0.2 weight 1')).rc, 0);
  const a = ip4('10.0.0.2');
  const b = ip4('10.1.0.2');
  // Policy 0 (default): source addresses spread about 3:1.
  let c = spread(net, 4000, (fl4, i) => { fl4.saddr = ip4('172.16.0.0') + i; });
  assert.ok(c.get(a)! > 2700 && c.get(a)! < 3300 && c.get(b)! > 700, `policy 0 by address: ${[...c]}`);
  // Policy 0: ports do not matter.
  c = spread(net, 200, (fl4, i) => { fl4.saddr = ip4('172.16.0.9'); fl4.sport = 1000 + i; fl4.proto = IPPROTO_TCP; });
  assert.equal(c.size, 1);
  // Policy 1: ports and protocol do.
  ipv4Net(net).sysctl.fibMultipathHashPolicy = 1;
  c = spread(net, 4000, (fl4, i) => { fl4.saddr = ip4('172.16.0.9'); fl4.sport = 1000 + i; fl4.dport = 53; fl4.proto = IPPROTO_UDP; });
  assert.ok(c.get(a)! > 2700 && c.get(a)! < 3300 && c.get(b)! > 700, `policy 1 by port: ${[...c]}`);
  // The hash is symmetric (Linux orders the keys first): a reply flow hashes alike.
  const f = new Flowi4();
  f.saddr = ip4('172.16.0.9'); f.daddr = ip4('198.51.100.7'); f.sport = 1234; f.dport = 53; f.proto = IPPROTO_UDP;
  const r = new Flowi4();
  r.saddr = f.daddr; r.daddr = f.saddr; r.sport = 53; r.dport = 1234; r.proto = IPPROTO_UDP;
  assert.equal(fibMultipathHash(net, f, null), fibMultipathHash(net, r, null));
  // A flow bound to an interface keeps the nexthop the lookup found.
  const bound = spread(net, 100, (fl4, i) => { fl4.saddr = ip4('172.16.0.0') + i; fl4.oif = net.devGetByName('eth1')!.ifindex; });
  assert.deepEqual([...bound], [[b, 100]]);
});

test('rtmsg_fib: RTNLGRP_IPV4_ROUTE gets each change with fib_table_insert\'s NLM_F_* flags', async () => {
  const { k, net } = await router();
  const quiet = { write(): void {} };
  const t = new Task(k, net, quiet, quiet, 1);
  const fd = sys.socket(t, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  sys.setsockopt(t, fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, RTNLGRP_IPV4_ROUTE);
  const seen: string[] = [];
  for (const cmd of [
    'ip route add 10.20.0.0/16 via 10.0.0.2', 'ip route replace 10.20.0.0/16 via 10.0.0.3',
    'ip route append 10.20.0.0/16 via 10.0.0.4 proto static', 'ip route prepend 10.20.0.0/16 via 10.0.0.5 proto boot',
    'ip route change 10.20.0.0/16 via 10.0.0.6 proto boot', 'ip route del 10.20.0.0/16',
  ]) {
    assert.equal((await sh(k, net, cmd)).rc, 0, cmd);
    let r;
    while ((r = sys.recvmsgNow(t, fd, 65536))) {
      for (const m of nlmsgSplit(r.data).msgs) {
        if (m.type === RTM_NEWROUTE || m.type === RTM_DELROUTE) seen.push(`${m.type} 0x${m.flags.toString(16)}`);
      }
    }
  }
  // add: EXCL|CREATE; replace of an existing one: REPLACE; append: CREATE|APPEND; prepend: CREATE;
  // change: REPLACE; del: none (as Linux 6.18 sends them).
  assert.deepEqual(seen, ['24 0x600', '24 0x100', '24 0xc00', '24 0x400', '24 0x100', '25 0x0']);
});

/** An skb holding an IPv4 header (no options) + `payload`, network header set. */
function ipSkb(src: number, dst: number, proto: number, payload: number[], fragOff = 0): SkBuff {
  const b = new Uint8Array(20 + payload.length);
  b[0] = 0x45;
  b[2] = (b.length >> 8) & 0xff;
  b[3] = b.length & 0xff;
  b[6] = (fragOff >> 8) & 0xff;
  b[7] = fragOff & 0xff;
  b[8] = 64;
  b[9] = proto;
  for (let i = 0; i < 4; i++) {
    b[12 + i] = (src >>> (24 - 8 * i)) & 0xff;
    b[16 + i] = (dst >>> (24 - 8 * i)) & 0xff;
  }
  b.set(payload, 20);
  const skb = allocSkb(b.length + 64);
  skbPutData(skb, b);
  skbResetNetworkHeader(skb);
  return skb;
}

test('fib_multipath_hash on forwarded packets: an ICMP error hashes as the flow it quotes (policy 0); ports count in policy 1 but not in fragments', () => {
  const k = createKernel({ seed: 5 });
  const net = k.initNet;
  const A = ip4('172.16.0.9');
  const B = ip4('198.51.100.7');
  const R = ip4('10.0.0.254');
  const flow = new Flowi4();
  flow.saddr = A;
  flow.daddr = B;
  const inner = [0x45, 0, 0, 28, 0, 0, 0, 0, 64, IPPROTO_UDP, 0, 0, 172, 16, 0, 9, 198, 51, 100, 7, 0x30, 0x39, 0, 53, 0, 8, 0, 0];
  // Time exceeded from router R about A -> B.
  const icmpErr = ipSkb(R, A, IPPROTO_ICMP, [11, 0, 0, 0, 0, 0, 0, 0, ...inner]);
  assert.equal(fibMultipathHash(net, null, icmpErr), fibMultipathHash(net, flow, null));
  // An echo request is not an error: its own addresses count.
  const echo = ipSkb(R, A, IPPROTO_ICMP, [8, 0, 0, 0, 0, 1, 0, 1]);
  const rToA = new Flowi4();
  rToA.saddr = R;
  rToA.daddr = A;
  assert.equal(fibMultipathHash(net, null, echo), fibMultipathHash(net, rToA, null));
  ipv4Net(net).sysctl.fibMultipathHashPolicy = 1;
  const udp = (sport: number, frag = 0): SkBuff => ipSkb(A, B, IPPROTO_UDP, [sport >> 8, sport & 0xff, 0, 53, 0, 8, 0, 0], frag);
  const l4 = new Flowi4();
  l4.saddr = A; l4.daddr = B; l4.proto = IPPROTO_UDP; l4.sport = 12345; l4.dport = 53;
  assert.equal(fibMultipathHash(net, null, udp(12345)), fibMultipathHash(net, l4, null));
  assert.notEqual(fibMultipathHash(net, null, udp(12345)), fibMultipathHash(net, null, udp(12346)));
  // A fragment (MF set) hashes without ports.
  assert.equal(fibMultipathHash(net, null, udp(12345, 0x2000)), fibMultipathHash(net, null, udp(999, 0x2000)));
  l4.sport = 0; l4.dport = 0;
  assert.equal(fibMultipathHash(net, null, udp(12345, 0x2000)), fibMultipathHash(net, l4, null));
});
