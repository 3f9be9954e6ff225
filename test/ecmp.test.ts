/**
 * ECMP end to end: host h has two uplinks, eth0 to g1 (10.0.1.1) and eth1 to g2
 * (10.0.2.1), and one multipath route `10.9.0.0/24 nexthop via 10.0.1.1 nexthop
 * via 10.0.2.1`; both gateways take 10.9.0.0/24 as local (a `local` route on lo),
 * so every datagram h sends there is counted by the gateway it reached (UdpNoPorts,
 * read with nstat). Flows are UDP datagrams from h's sockets, each bound to its own
 * source port, as an application would send them.
 *
 * Linux (measured on this host, 6.18, same topology, Python sockets, nstat):
 *   - fib_multipath_hash_policy 0 (L3: addresses only): 32 flows to one destination
 *     from 32 source ports all take the same link (0 + 32); 32 destinations spread
 *     (16 + 16 there);
 *   - policy 1 (L4: addresses, ports, protocol): the 32 source ports spread over
 *     both links (18 + 14 there).
 * Which link a given hash picks depends on a random hash seed, so the test checks
 * the split, not which gateway gets which flow.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as sys from '../src/socket/syscalls.js';
import { AF_INET, SOCK_DGRAM } from '../src/socket/socket.js';
import { scenario, ip, type Scenario } from './harness/scenario.js';

const SETUP = `
ip netns add tnxeh
ip netns add tnxe1
ip netns add tnxe2
ip link add eth0 netns tnxeh type veth peer name eth0 netns tnxe1
ip link add eth1 netns tnxeh type veth peer name eth0 netns tnxe2
ip -n tnxeh addr add 10.0.1.2/24 dev eth0
ip -n tnxeh addr add 10.0.2.2/24 dev eth1
ip -n tnxe1 addr add 10.0.1.1/24 dev eth0
ip -n tnxe2 addr add 10.0.2.1/24 dev eth0
ip -n tnxeh link set eth0 up
ip -n tnxeh link set eth1 up
ip -n tnxe1 link set eth0 up
ip -n tnxe2 link set eth0 up
ip -n tnxe1 link set lo up
ip -n tnxe2 link set lo up
ip -n tnxe1 route add local 10.9.0.0/24 dev lo
ip -n tnxe2 route add local 10.9.0.0/24 dev lo
sleep 1
ip -n tnxeh route add 10.9.0.0/24 nexthop via 10.0.1.1 nexthop via 10.0.2.1
ip -n tnxeh route show 10.9.0.0/24
`;

const FLOWS = 32;

/** One datagram per flow from h; flow i uses source port 33000+i (or destination 10.9.0.(i+1)). */
async function sendFlows(s: Scenario, vary: 'sport' | 'daddr'): Promise<void> {
  const t = s.task('tnxeh');
  for (let i = 0; i < FLOWS; i++) {
    const fd = sys.socket(t, AF_INET, SOCK_DGRAM, 0);
    if (vary === 'sport') sys.bind(t, fd, { family: AF_INET, addr: 0, port: 33000 + i });
    sys.sendto(t, fd, new Uint8Array([1]), { family: AF_INET, addr: vary === 'sport' ? ip('10.9.0.5') : ip('10.9.0.0') + i + 1, port: 9 });
    sys.close(t, fd);
  }
  await s.sleep(0.2);
}

/** Datagrams each gateway received so far. */
async function perGateway(s: Scenario): Promise<[number, number]> {
  return [(await s.nstat('tnxe1', 'UdpNoPorts')).UdpNoPorts!, (await s.nstat('tnxe2', 'UdpNoPorts')).UdpNoPorts!];
}

/** TX packets of h's two uplinks (ip -s link, as JSON). */
async function txPackets(s: Scenario): Promise<[number, number]> {
  const r = await s.run('tnxeh', 'ip -j -s link show');
  const links = JSON.parse(r.out) as Array<{ ifname: string; stats64: { tx: { packets: number } } }>;
  const tx = (n: string): number => links.find((l) => l.ifname === n)!.stats64.tx.packets;
  return [tx('eth0'), tx('eth1')];
}

test('ECMP: the multipath route as ip prints it; policy 0 keeps one destination on one link, policy 1 spreads flows by port over both', async () => {
  const s = await scenario(SETUP, 3);
  assert.equal(s.setupOut, '10.9.0.0/24 \n\tnexthop via 10.0.1.1 dev eth0 weight 1 \n\tnexthop via 10.0.2.1 dev eth1 weight 1 \n');
  assert.equal((await s.run('tnxeh', 'sysctl net.ipv4.fib_multipath_hash_policy')).out, 'net.ipv4.fib_multipath_hash_policy = 0\n');

  // Policy 0: the hash sees only the addresses, the same for all 32 flows.
  await sendFlows(s, 'sport');
  const p0 = await perGateway(s);
  assert.deepEqual([...p0].sort((x, y) => x - y), [0, FLOWS], `policy 0, one destination: ${p0}`);
  // ...while other destinations hash elsewhere: both links carry some.
  await sendFlows(s, 'daddr');
  const d0 = await perGateway(s);
  const dests: [number, number] = [d0[0] - p0[0], d0[1] - p0[1]];
  assert.equal(dests[0] + dests[1], FLOWS);
  assert.ok(dests[0] > 0 && dests[1] > 0, `policy 0, ${FLOWS} destinations: ${dests}`);

  // Policy 1: ports and protocol join the hash; the same 32 flows now use both links.
  assert.equal((await s.run('tnxeh', 'sysctl -w net.ipv4.fib_multipath_hash_policy=1')).out, 'net.ipv4.fib_multipath_hash_policy = 1\n');
  await sendFlows(s, 'sport');
  const p1 = await perGateway(s);
  const ports: [number, number] = [p1[0] - d0[0], p1[1] - d0[1]];
  assert.equal(ports[0] + ports[1], FLOWS);
  assert.ok(ports[0] > 0 && ports[1] > 0, `policy 1, ${FLOWS} source ports: ${ports}`);
  // The links' own counters agree: both uplinks transmitted (datagrams plus one ARP request each).
  const tx = await txPackets(s);
  assert.deepEqual(tx, [p1[0] + 1, p1[1] + 1]);

  // The choice is per flow, and stable: sending the same 32 flows again splits them the same way.
  await sendFlows(s, 'sport');
  const again = await perGateway(s);
  assert.deepEqual([again[0] - p1[0], again[1] - p1[1]], ports);
});
