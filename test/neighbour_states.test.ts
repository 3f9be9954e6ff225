/**
 * Neighbour state transitions on virtual time, as a user watches them: two hosts
 * on a veth pair, ping, and `ip neigh show` / `ip -s neigh show` at chosen
 * instants. Covers NONE -> INCOMPLETE -> REACHABLE on resolution, an entry learned
 * from a request (STALE) used at once (DELAY) and confirmed by a unicast probe
 * after delay_first_probe_time, REACHABLE aging to STALE after the randomised
 * reachable time (base_reachable_time 30 s x 0.5-1.5), STALE -> DELAY -> PROBE ->
 * REACHABLE, and a vanished peer: PROBE with one unicast probe per retrans_time
 * (ucast_solicit 3), then FAILED.
 *
 * The golden transcript is Linux's: the same script (namespaces tnxT*, IPv6 off)
 * under bash on this host (6.18, iproute2 6.1), MAC addresses replaced by their
 * owner's name. Instants are chosen half a second away from timer expiries, since
 * Linux's timer wheel fires a 5 s timer up to 256 ms late. (`ip -s neigh` prints
 * "used A/B/Cprobes N" without a space: iproute2 6.1 does.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scenario } from './harness/scenario.js';

const SCRIPT = `
ip netns add tnxna
ip netns add tnxnb
ip link add eth0 netns tnxna type veth peer name eth0 netns tnxnb
ip -n tnxna addr add 10.0.0.1/24 dev eth0
ip -n tnxnb addr add 10.0.0.2/24 dev eth0
ip -n tnxna link set eth0 up
ip -n tnxnb link set eth0 up
sleep 1
echo "== a pings b: a resolves b (REACHABLE); b learned a from the request and replied through it (DELAY)"
ip netns exec tnxna ping -c 1 -q 10.0.0.2 > /dev/null
ip -n tnxna neigh show
ip -n tnxnb neigh show
echo "== 10 s later: b probed a after delay_first_probe_time (5 s) and got an answer"
sleep 10
ip -n tnxnb neigh show
echo "== 60 s later: a's entry went STALE after its reachable time (15-45 s)"
sleep 50
ip -n tnxna neigh show
echo "== traffic over a STALE entry: DELAY, then a unicast probe is answered: REACHABLE"
ip netns exec tnxna ping -c 1 -q 10.0.0.2 > /dev/null
ip -n tnxna neigh show
sleep 6
ip -n tnxna neigh show
echo "== b loses its address; a's entry goes STALE again"
ip -n tnxnb addr del 10.0.0.2/24 dev eth0
sleep 60
ip -n tnxna neigh show
echo "== traffic: DELAY, PROBE after 5 s, one unicast probe a second (ucast_solicit 3), then FAILED"
ip netns exec tnxna ping -c 1 -q -W 1 10.0.0.2 > /dev/null
ip -n tnxna neigh show
sleep 4.5
ip -s -n tnxna neigh show
sleep 1
ip -s -n tnxna neigh show
sleep 1
ip -s -n tnxna neigh show
sleep 1
ip -s -n tnxna neigh show
`;

const LINUX = [
  '== a pings b: a resolves b (REACHABLE); b learned a from the request and replied through it (DELAY)',
  '10.0.0.2 dev eth0 lladdr <tnxnb/eth0> REACHABLE ',
  '10.0.0.1 dev eth0 lladdr <tnxna/eth0> DELAY ',
  '== 10 s later: b probed a after delay_first_probe_time (5 s) and got an answer',
  '10.0.0.1 dev eth0 lladdr <tnxna/eth0> REACHABLE ',
  "== 60 s later: a's entry went STALE after its reachable time (15-45 s)",
  '10.0.0.2 dev eth0 lladdr <tnxnb/eth0> STALE ',
  '== traffic over a STALE entry: DELAY, then a unicast probe is answered: REACHABLE',
  '10.0.0.2 dev eth0 lladdr <tnxnb/eth0> DELAY ',
  '10.0.0.2 dev eth0 lladdr <tnxnb/eth0> REACHABLE ',
  "== b loses its address; a's entry goes STALE again",
  '10.0.0.2 dev eth0 lladdr <tnxnb/eth0> STALE ',
  '== traffic: DELAY, PROBE after 5 s, one unicast probe a second (ucast_solicit 3), then FAILED',
  '10.0.0.2 dev eth0 lladdr <tnxnb/eth0> DELAY ',
  '10.0.0.2 dev eth0 lladdr <tnxnb/eth0>  ref 1 used 5/66/0probes 1 PROBE ',
  '10.0.0.2 dev eth0 lladdr <tnxnb/eth0>  ref 1 used 6/67/1probes 2 PROBE ',
  '10.0.0.2 dev eth0 lladdr <tnxnb/eth0>  ref 1 used 7/68/2probes 3 PROBE ',
  '10.0.0.2 dev eth0  used 8/69/0probes 3 FAILED ',
  '',
];

test('neighbour states over time, seen with ip neigh: resolution, DELAY/PROBE confirmation, aging to STALE, a vanished peer FAILED (Linux transcript)', async () => {
  const s = await scenario(SCRIPT, 5);
  const owner = new Map<string, string>();
  for (const ns of ['tnxna', 'tnxnb']) {
    const link = JSON.parse((await s.run(ns, 'ip -j link show eth0')).out) as [{ address: string }];
    owner.set(link[0].address, `<${ns}/eth0>`);
  }
  const masked = s.setupOut.replace(/\b[0-9a-f]{2}(?::[0-9a-f]{2}){5}\b/g, (m) => owner.get(m) ?? '<unknown mac>');
  assert.deepEqual(masked.split('\n'), LINUX);
});
