/**
 * The FIB frontend below the tools: address types, fib_validate_source (rp_filter
 * 0/1/2, accept_local), the routes of secondary addresses, and the RTM_GETROUTE dump
 * (AF_UNSPEC through rtnl_dump_all, strict filters).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testKernel } from '../../test/harness/kernel.js';
import type { Net } from '../core/net_namespace.js';
import { allocSkb } from '../core/skbuff.js';
import { Task } from '../socket/task.js';
import { BufferStdio } from '../tools/tool.js';
import { programs } from '../tools/registry.js';
import { EINVAL, EXDEV } from '../socket/errno.js';
import { RTN_BROADCAST, RTN_LOCAL, RTN_MULTICAST, RTN_UNICAST } from '../wire/route.js';
import { IPV4_DEVCONF_ACCEPT_LOCAL, IPV4_DEVCONF_RP_FILTER, inDevGet } from './inetdevice.js';
import { fibValidateSource, inetAddrType, inetDevAddrType } from './fib_frontend.js';
import { ipv4Net } from './netns_ipv4.js';

const ip = (a: string): number => a.split('.').reduce((v, o) => ((v << 8) | Number(o)) >>> 0, 0);

function setup(): { net: Net; sh: (l: string) => Promise<string> } {
  const k = testKernel(5);
  const net = k.newNet();
  net.refcnt++;
  const sh = async (line: string): Promise<string> => {
    const argv = line.split(' ');
    const out = new BufferStdio();
    const err = new BufferStdio();
    const rc = await programs.get(argv[0]!)!({ task: new Task(k, net, out, err, 1), argv, stdout: out, stderr: err, env: {}, exec: async () => 0 });
    return `[${rc}]\n${out.text}${err.text}`;
  };
  return { net, sh };
}

async function host(): Promise<{ net: Net; sh: (l: string) => Promise<string> }> {
  const s = setup();
  for (const l of [
    'ip link set lo up', 'ip link add a0 type veth peer name a1', 'ip link add b0 type veth peer name b1',
    'ip link set a0 up', 'ip link set a1 up', 'ip link set b0 up', 'ip link set b1 up',
    'ip addr add 10.0.0.2/24 dev a0', 'ip addr add 10.0.1.2/24 dev b0', 'ip route add default via 10.0.0.1',
  ]) assert.equal(await s.sh(l), '[0]\n', l);
  return s;
}

test('inet_addr_type: local, broadcast, multicast, zeronet, unicast; per device', async () => {
  const { net } = await host();
  assert.equal(inetAddrType(net, ip('10.0.0.2')), RTN_LOCAL);
  assert.equal(inetAddrType(net, ip('127.3.4.5')), RTN_LOCAL);
  assert.equal(inetAddrType(net, ip('10.0.0.255')), RTN_BROADCAST);
  assert.equal(inetAddrType(net, ip('255.255.255.255')), RTN_BROADCAST);
  assert.equal(inetAddrType(net, ip('0.1.2.3')), RTN_BROADCAST);
  assert.equal(inetAddrType(net, ip('224.0.0.1')), RTN_MULTICAST);
  assert.equal(inetAddrType(net, ip('10.0.0.9')), RTN_UNICAST);
  const a0 = net.devGetByName('a0')!;
  const b0 = net.devGetByName('b0')!;
  assert.equal(inetDevAddrType(net, a0, ip('10.0.0.2')), RTN_LOCAL);
  assert.equal(inetDevAddrType(net, b0, ip('10.0.0.2')), RTN_UNICAST, 'not local as seen from b0');
});

test('fib_validate_source: rp_filter 0, 1 (strict), 2 (loose) and accept_local', async () => {
  const { net, sh } = await host();
  const a0 = net.devGetByName('a0')!;
  const b0 = net.devGetByName('b0')!;
  const inA = inDevGet(a0)!;
  const inB = inDevGet(b0)!;
  const skb = allocSkb(64);
  const itag = { value: 7 };
  const v = (src: string, dev: typeof a0): number =>
    fibValidateSource(skb, ip(src), ip('10.0.1.2'), 0, 0, dev, dev === a0 ? inA : inB, itag);
  // rp_filter 0: anything but our own addresses.
  assert.equal(v('192.0.2.9', b0), 0);
  assert.equal(itag.value, 0);
  assert.equal(v('10.0.0.2', b0), -EINVAL, 'our own address as source is a martian');
  // rp_filter 1: the reverse route must leave through the same device.
  inB.cnf[IPV4_DEVCONF_RP_FILTER] = 1;
  assert.equal(v('192.0.2.9', b0), -EXDEV, 'the way back to 192.0.2.9 is a0');
  assert.equal(v('10.0.1.9', b0), 1, 'on-link source (RTCF_DIRECTSRC)');
  inA.cnf[IPV4_DEVCONF_RP_FILTER] = 1;
  assert.equal(v('192.0.2.9', a0), 0, 'via the gateway: not directly connected');
  // rp_filter 2: any route back will do; no route at all fails.
  inB.cnf[IPV4_DEVCONF_RP_FILTER] = 2;
  assert.equal(v('192.0.2.9', b0), 0);
  await sh('ip route del default');
  assert.equal(v('192.0.2.9', b0), -EXDEV);
  // The stricter of conf/all and conf/DEV wins (IN_DEV_MAXCONF).
  inB.cnf[IPV4_DEVCONF_RP_FILTER] = 0;
  ipv4Net(net).devconfAll[IPV4_DEVCONF_RP_FILTER] = 1;
  assert.equal(v('192.0.2.9', b0), -EXDEV);
  ipv4Net(net).devconfAll[IPV4_DEVCONF_RP_FILTER] = 0;
  // accept_local: a local source is accepted (full check: it must route back through the device).
  inB.cnf[IPV4_DEVCONF_ACCEPT_LOCAL] = 1;
  assert.equal(v('10.0.1.2', b0), 0);
});

test('secondary addresses: local route only; deleting the primary removes the prefix', async () => {
  const { sh } = await host();
  assert.equal(await sh('ip addr add 10.0.0.3/24 dev a0'), '[0]\n');
  assert.equal(await sh('ip route show table local dev a0'),
    '[0]\nlocal 10.0.0.2 proto kernel scope host src 10.0.0.2 \nlocal 10.0.0.3 proto kernel scope host src 10.0.0.2 \n' +
    'broadcast 10.0.0.255 proto kernel scope link src 10.0.0.2 \n');
  assert.equal(await sh('ip addr del 10.0.0.3/24 dev a0'), '[0]\n');
  assert.equal(await sh('ip route show table local dev a0'),
    '[0]\nlocal 10.0.0.2 proto kernel scope host src 10.0.0.2 \nbroadcast 10.0.0.255 proto kernel scope link src 10.0.0.2 \n');
  assert.equal(await sh('ip addr del 10.0.0.2/24 dev a0'), '[0]\n');
  assert.equal(await sh('ip route show table all dev a0'), '[0]\n');
});

test('RTM_GETROUTE dump: AF_UNSPEC goes through rtnl_dump_all; strict filters by protocol, type, device', async () => {
  const { sh } = await host();
  await sh('ip route add 192.0.2.0/24 via 10.0.1.1 proto static');
  await sh('ip route add blackhole 198.51.100.0/24');
  assert.equal(await sh('ip route show table all proto static'), '[0]\n192.0.2.0/24 via 10.0.1.1 dev b0 \n');
  assert.equal(await sh('ip route show table all type blackhole'), '[0]\nblackhole 198.51.100.0/24 \n');
  assert.equal(await sh('ip route show table all dev b0'),
    '[0]\n10.0.1.0/24 proto kernel scope link src 10.0.1.2 \n192.0.2.0/24 via 10.0.1.1 proto static \n' +
    'local 10.0.1.2 table local proto kernel scope host src 10.0.1.2 \n' +
    'broadcast 10.0.1.255 table local proto kernel scope link src 10.0.1.2 \n');
  const all = await sh('ip -4 route show table all');
  assert.equal(all.split('\n').length, 14, 'five main routes, seven local ones');
});

test('dumps larger than one netlink buffer resume where they stopped (routes in two tables, many rules)', async () => {
  const { sh } = await host();
  for (let i = 0; i < 300; i++) {
    assert.equal(await sh(`ip route add 172.16.${i >> 4}.${(i & 15) * 16}/28 via 10.0.1.1`), '[0]\n');
    assert.equal(await sh(`ip route add 172.17.${i >> 4}.${(i & 15) * 16}/28 via 10.0.1.1 table 100`), '[0]\n');
  }
  for (let i = 0; i < 200; i++) assert.equal(await sh(`ip rule add from 192.168.${i}.0/24 lookup 100 pref ${1000 + i}`), '[0]\n');
  const all = (await sh('ip -4 route show table all')).split('\n');
  assert.equal(all.filter((l) => l.startsWith('172.16.')).length, 300);
  assert.equal(all.filter((l) => l.startsWith('172.17.') && l.endsWith('table 100 ')).length, 300);
  assert.equal(new Set(all).size, all.length, 'no route twice');
  const t100 = (await sh('ip route show table 100')).split('\n').filter((l) => l.startsWith('172.17.'));
  assert.equal(t100.length, 300);
  const rules = (await sh('ip rule')).split('\n').filter((l) => l.includes('lookup 100'));
  assert.equal(rules.length, 200);
  assert.equal(rules[0], '1000:\tfrom 192.168.0.0/24 lookup 100');
  assert.equal(rules[199], '1199:\tfrom 192.168.199.0/24 lookup 100');
});
