/**
 * rp_filter end to end: h1 (10.0.1.2) - eth0 r eth1 - h2 (10.0.2.2), r forwarding.
 * h2 sends UDP datagrams through an IP_HDRINCL raw socket with three source
 * addresses, its own (10.0.2.2), one that r routes out of eth0 (10.0.1.99, spoofed)
 * and one r has no route for (192.0.2.1), each to r itself (10.0.2.1, local
 * delivery) and through r to h1 (10.0.1.2, forwarding). UDP sockets on port 5000
 * show what got through; r's nstat shows the drops (TcpExtIPReversePathFilter).
 *
 * Linux (same script on this host, 6.18, Python sockets, nstat), the value in force
 * being max(conf/all, conf/eth1):
 *   - 0: all six arrive;
 *   - 1 (strict, RFC 3704 strict reverse path): only 10.0.2.2's two; 4 drops;
 *   - 2 (loose: any route back): 10.0.2.2's and 10.0.1.99's; 192.0.2.1's 2 dropped;
 *   - all=1 with eth1=0 is strict; all=2 with eth1=1 is loose.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as sys from '../src/socket/syscalls.js';
import { AF_INET, SOCK_DGRAM, SOCK_RAW, type SockaddrIn } from '../src/socket/socket.js';
import { type IpRepr, ipReprEmit, IPPROTO_RAW, IPPROTO_UDP } from '../src/wire/iphdr.js';
import { scenario, ip } from './harness/scenario.js';

const SETUP = `
ip netns add tnxr1
ip netns add tnxrr
ip netns add tnxr2
ip link add eth0 netns tnxr1 type veth peer name eth0 netns tnxrr
ip link add eth1 netns tnxrr type veth peer name eth0 netns tnxr2
ip -n tnxr1 addr add 10.0.1.2/24 dev eth0
ip -n tnxrr addr add 10.0.1.1/24 dev eth0
ip -n tnxrr addr add 10.0.2.1/24 dev eth1
ip -n tnxr2 addr add 10.0.2.2/24 dev eth0
ip -n tnxr1 link set lo up
ip -n tnxrr link set lo up
ip -n tnxr2 link set lo up
ip -n tnxr1 link set eth0 up
ip -n tnxrr link set eth0 up
ip -n tnxrr link set eth1 up
ip -n tnxr2 link set eth0 up
ip -n tnxr1 route add default via 10.0.1.1
ip -n tnxr2 route add default via 10.0.2.1
sleep 1
`;

const SOURCES = ['10.0.2.2', '10.0.1.99', '192.0.2.1'];
const DESTS = ['10.0.2.1', '10.0.1.2'];

function spoofed(saddr: number, daddr: number): Uint8Array {
  const r: IpRepr = {
    tos: 0, totLen: 32, id: 7, fragOff: 0, ttl: 64, protocol: IPPROTO_UDP, saddr, daddr, options: new Uint8Array(0), check: 0,
  };
  const p = new Uint8Array(32);
  ipReprEmit(r, p, 0);
  // UDP 40000 -> 5000, length 12, checksum 0 (none), data "spof".
  p.set([40000 >> 8, 40000 & 0xff, 5000 >> 8, 5000 & 0xff, 0, 12, 0, 0, 0x73, 0x70, 0x6f, 0x66], 20);
  return p;
}

const fmt = (a: number): string => `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;

/** Run the six datagrams with r's conf/all and conf/eth1 rp_filter set; what arrived where, and r's counters. */
async function probe(all: number, eth1: number): Promise<{ got: string[]; counters: Record<string, number> }> {
  const s = await scenario(`${SETUP}ip netns exec tnxrr sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=${all} net.ipv4.conf.eth1.rp_filter=${eth1}\n`);
  const listeners = [['tnxrr', '10.0.2.1'], ['tnxr1', '10.0.1.2']].map(([ns, addr]) => {
    const t = s.task(ns!);
    const fd = sys.socket(t, AF_INET, SOCK_DGRAM, 0);
    sys.bind(t, fd, { family: AF_INET, addr: ip(addr!), port: 5000 });
    return { t, fd, addr: addr! };
  });
  const t2 = s.task('tnxr2');
  const raw = sys.socket(t2, AF_INET, SOCK_RAW, IPPROTO_RAW);
  for (const src of SOURCES) {
    for (const dst of DESTS) sys.sendto(t2, raw, spoofed(ip(src), ip(dst)), { family: AF_INET, addr: ip(dst), port: 0 });
  }
  await s.sleep(0.5);
  const got: string[] = [];
  for (const l of listeners) {
    for (let m = sys.recvmsgNow(l.t, l.fd); m !== null; m = sys.recvmsgNow(l.t, l.fd)) {
      got.push(`${l.addr} from ${fmt((m.addr as SockaddrIn).addr)}`);
    }
  }
  const counters = await s.nstat('tnxrr', 'IpInReceives', 'IpInDelivers', 'IpForwDatagrams', 'TcpExtIPReversePathFilter');
  return { got: got.sort(), counters };
}

const all6 = SOURCES.flatMap((src) => DESTS.map((d) => `${d} from ${src}`)).sort();
const from = (...srcs: string[]): string[] => all6.filter((g) => srcs.some((s) => g.endsWith(`from ${s}`)));

test('rp_filter 0: spoofed and unroutable sources are delivered and forwarded', async () => {
  const r = await probe(0, 0);
  assert.deepEqual(r.got, all6);
  assert.deepEqual(r.counters, { IpInReceives: 6, IpInDelivers: 3, IpForwDatagrams: 3, TcpExtIPReversePathFilter: 0 });
});

test('rp_filter 1 (strict): only a source whose route back leaves by eth1 passes; the rest count IPReversePathFilter', async () => {
  const r = await probe(0, 1);
  assert.deepEqual(r.got, from('10.0.2.2'));
  assert.deepEqual(r.counters, { IpInReceives: 6, IpInDelivers: 1, IpForwDatagrams: 1, TcpExtIPReversePathFilter: 4 });
});

test('rp_filter 2 (loose): any route back will do; a source with none is dropped', async () => {
  const r = await probe(0, 2);
  assert.deepEqual(r.got, from('10.0.2.2', '10.0.1.99'));
  assert.deepEqual(r.counters, { IpInReceives: 6, IpInDelivers: 2, IpForwDatagrams: 2, TcpExtIPReversePathFilter: 2 });
});

test('rp_filter in force is max(conf/all, conf/DEV): all=1 eth1=0 is strict, all=2 eth1=1 is loose', async () => {
  assert.deepEqual((await probe(1, 0)).got, from('10.0.2.2'));
  assert.deepEqual((await probe(2, 1)).got, from('10.0.2.2', '10.0.1.99'));
});
