/**
 * A router between two subnets, end to end: a (10.1.0.1) - r (10.1.0.2 | 10.2.0.1)
 * - b (10.2.0.2), set up with ip/sysctl as a lab script, traffic from sockets.
 * Expectations were measured on this host's Linux in namespaces running the same
 * script with Python sockets (see each test): the ICMP messages a receives (type,
 * code, next-hop MTU, quoting router, 576-byte quote) and r's /proc/net/snmp Ip
 * counters. Covers TTL expiry (time exceeded, InHdrErrors), DF too big
 * (fragmentation needed with the next-hop MTU, FragFails), forwarding turned off
 * (silently dropped, InAddrErrors), fragmentation at the router (FragOKs,
 * FragCreates), the decremented TTL, and the exact counters of a mixed run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Kernel, Net } from '../src/core/net_namespace.js';
import { runLab } from '../src/tools/lab/lab.js';
import { Task, type Stdio } from '../src/socket/task.js';
import * as sys from '../src/socket/syscalls.js';
import { AF_INET, AF_PACKET, SOCK_DGRAM, SOCK_RAW, type SockaddrIn, type RecvResult } from '../src/socket/socket.js';
import type { SystemError } from '../src/socket/errno.js';
import { IPPROTO_ICMP, IPPROTO_UDP } from '../src/wire/iphdr.js';
import { readU16, writeU32 } from '../src/wire/bytes.js';
import { csumFold, csumPartial } from '../src/wire/checksum.js';
import { devQueueXmit, ETH_P_IP } from '../src/core/dev.js';
import { txSkb } from './harness/kernel.js';
import { SNMP4_IPSTATS_LIST, SNMP4_IPEXTSTATS_LIST } from '../src/core/snmp.js';
import { ipv4Net } from '../src/ipv4/netns_ipv4.js';
import { SOL_IP, IP_TTL, IP_MTU_DISCOVER, IP_PMTUDISC_DO, IP_PMTUDISC_DONT } from '../src/ipv4/inet_sock.js';

const TOPO = `
ip netns add tnxoa
ip netns add tnxor
ip netns add tnxob
ip -n tnxoa link add a0 type veth peer name r0 netns tnxor
ip -n tnxor link add r1 type veth peer name b0 netns tnxob
ip -n tnxoa addr add 10.1.0.1/24 dev a0
ip -n tnxor addr add 10.1.0.2/24 dev r0
ip -n tnxor addr add 10.2.0.1/24 dev r1
ip -n tnxob addr add 10.2.0.2/24 dev b0
ip -n tnxoa link set lo up
ip -n tnxor link set lo up
ip -n tnxob link set lo up
ip -n tnxoa link set a0 up
ip -n tnxor link set r0 up
ip -n tnxor link set r1 up
ip -n tnxob link set b0 up
ip -n tnxoa route add default via 10.1.0.2
ip -n tnxob route add default via 10.2.0.1
ip netns exec tnxor sysctl -qw net.ipv4.ip_forward=1
`;

const B = 0x0a020002;

const quiet: Stdio = { write: () => {} };

interface Lab {
  k: Kernel;
  a: Net;
  r: Net;
  b: Net;
  ta: Task;
  tb: Task;
  /** a's raw ICMP socket: every ICMP message a receives. */
  icmpFd: number;
}

async function lab(extra = ''): Promise<Lab> {
  let k: Kernel | null = null;
  const err: string[] = [];
  const status = await runLab({
    file: 'router.sh', source: TOPO + extra, stdout: quiet, stderr: { write: (s: string) => { err.push(s); } },
    onKernel: (kk) => { k = kk; },
  });
  assert.equal(status, 0, err.join(''));
  assert.equal(err.join(''), '');
  const kernel = k as unknown as Kernel;
  const ns = (n: string): Net => kernel.netnsNames.get(n)!;
  const a = ns('tnxoa');
  const b = ns('tnxob');
  const ta = new Task(kernel, a, quiet, quiet);
  const tb = new Task(kernel, b, quiet, quiet);
  const icmpFd = sys.socket(ta, AF_INET, SOCK_RAW, IPPROTO_ICMP);
  return { k: kernel, a, r: ns('tnxor'), b, ta, tb, icmpFd };
}

function to(addr: number, port: number): SockaddrIn {
  return { family: AF_INET, port, addr };
}

/** An ICMP message a got: [source, type, code, next-hop MTU, IP total length], or null. */
function icmp(l: Lab): [string, number, number, number, number] | null {
  const m = sys.recvmsgNow(l.ta, l.icmpFd) as RecvResult | null;
  if (m === null) return null;
  const d = m.data;
  const ihl = (d[0]! & 0xf) * 4;
  const src = (m.addr as SockaddrIn).addr;
  return [`${src >>> 24}.${(src >> 16) & 255}.${(src >> 8) & 255}.${src & 255}`, d[ihl]!, d[ihl + 1]!,
    readU16(d, ihl + 6), readU16(d, 2)];
}

function udp(l: Lab, len: number, opts: Array<[number, number]> = []): number {
  const fd = sys.socket(l.ta, AF_INET, SOCK_DGRAM, 0);
  for (const [name, v] of opts) sys.setsockopt(l.ta, fd, SOL_IP, name, v);
  return sendOn(l, fd, len);
}

function sendOn(l: Lab, fd: number, len: number): number {
  try {
    return sys.sendto(l.ta, fd, new Uint8Array(len).fill(0x61), to(B, 5000));
  } catch (e) {
    return (e as SystemError).errno; // negative, as Node's
  }
}

/** r's Ip counters by their /proc/net/snmp and netstat names. */
function ipStats(net: Net): Record<string, number> {
  const mib = ipv4Net(net).mib.ip;
  const o: Record<string, number> = {};
  for (const [name, i] of [...SNMP4_IPSTATS_LIST, ...SNMP4_IPEXTSTATS_LIST]) o[name] = mib[i]!;
  return o;
}

test('forwarded UDP arrives with TTL 63; TTL 1 dies at r with time exceeded; counters as Linux', async () => {
  const l = await lab();
  // b reads the IP header through a raw UDP socket.
  const rawB = sys.socket(l.tb, AF_INET, SOCK_RAW, IPPROTO_UDP);
  assert.ok(udp(l, 100) > 0);
  await l.k.sleep(1e6);
  const got = sys.recvmsgNow(l.tb, rawB) as RecvResult;
  assert.ok(got !== null, 'b got the datagram');
  assert.equal(got.data[8], 63, 'TTL decremented once');
  // Nobody listens on b:5000: port unreachable comes back through r.
  assert.deepEqual(icmp(l), ['10.2.0.2', 3, 3, 0, 156]);
  assert.ok(udp(l, 100, [[IP_TTL, 1]]) > 0);
  await l.k.sleep(1e6);
  assert.deepEqual(icmp(l), ['10.1.0.2', 11, 0, 0, 156]);
  assert.ok(udp(l, 100, [[IP_TTL, 2]]) > 0);
  await l.k.sleep(1e6);
  assert.deepEqual(icmp(l), ['10.2.0.2', 3, 3, 0, 156]);
  // Linux (same script, same three sends): Ip: InReceives 5 InHdrErrors 1 ForwDatagrams 4
  // OutRequests 1 OutTransmits 5; IpExt: InOctets 696 OutOctets 724 InNoECTPkts 5.
  const s = ipStats(l.r);
  assert.deepEqual([s.InReceives, s.InHdrErrors, s.InAddrErrors, s.ForwDatagrams, s.InDelivers, s.OutRequests,
    s.OutTransmits, s.InOctets, s.OutOctets, s.InNoECTPkts], [5, 1, 0, 4, 0, 1, 5, 696, 724, 5]);
});

test('DF and too big for the next hop: fragmentation needed with its MTU (576-byte quote), FragFails', async () => {
  const l = await lab('ip -n tnxor link set r1 mtu 1280\n');
  const fd = sys.socket(l.ta, AF_INET, SOCK_DGRAM, 0);
  sys.setsockopt(l.ta, fd, SOL_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO);
  assert.ok(sendOn(l, fd, 1400) > 0);
  await l.k.sleep(1e6);
  assert.deepEqual(icmp(l), ['10.1.0.2', 3, 4, 1280, 576]);
  const s = ipStats(l.r);
  assert.equal(s.FragFails, 1);
  assert.equal(s.ForwDatagrams, 0);
  assert.equal(s.OutRequests, 1);
  // a learned the path MTU: the next DF send that does not fit fails at once (Linux: EMSGSIZE).
  assert.equal(sendOn(l, fd, 1400), -90);
  assert.ok(sendOn(l, fd, 1252) > 0);
});

test('without DF, r fragments for the smaller next hop: 996 + 452 as Linux, FragOKs 1, FragCreates 2', async () => {
  const l = await lab('ip -n tnxor link set r1 mtu 1000\n');
  const rawB = sys.socket(l.tb, AF_INET, SOCK_RAW, IPPROTO_UDP);
  const b0 = l.b.devGetByName('b0')!;
  const pkt = sys.socket(l.tb, AF_PACKET, SOCK_RAW, ETH_P_IP);
  sys.bind(l.tb, pkt, { family: AF_PACKET, protocol: ETH_P_IP, ifindex: b0.ifindex, hatype: 0, pktType: 0, addr: new Uint8Array(8) });
  assert.ok(udp(l, 1400, [[IP_MTU_DISCOVER, IP_PMTUDISC_DONT]]) > 0);
  await l.k.sleep(1e6);
  // On b0 (Linux, same script, tcpdump): 996 MF off 0, 452 off 122, one ID, TTL 63.
  const frames: Array<[number, number, number]> = [];
  for (let m = sys.recvmsgNow(l.tb, pkt); m !== null; m = sys.recvmsgNow(l.tb, pkt)) {
    const d = m.data.subarray(14);
    if (d[9] === IPPROTO_UDP) frames.push([readU16(d, 2), readU16(d, 6), d[8]!]);
  }
  assert.deepEqual(frames, [[996, 0x2000, 63], [452, 122, 63]]);
  // Linux: Ip: InReceives 2 ForwDatagrams 2 FragOKs 1 FragCreates 2 OutTransmits 3 (the
  // second datagram is b's port unreachable coming back).
  const s = ipStats(l.r);
  assert.deepEqual([s.InReceives, s.ForwDatagrams, s.FragOKs, s.FragCreates, s.FragFails, s.OutTransmits],
    [2, 2, 1, 2, 0, 3]);
  // b reassembled what r cut: one 1428-byte datagram on its raw socket.
  const got = sys.recvmsgNow(l.tb, rawB) as RecvResult | null;
  assert.ok(got !== null);
  assert.equal(got.data.length, 1428);
  assert.deepEqual(icmp(l), ['10.2.0.2', 3, 3, 0, 576]);
});

test('forwarding off (net.ipv4.ip_forward=0): dropped silently at r, InAddrErrors (Linux: no ICMP)', async () => {
  const l = await lab('ip netns exec tnxor sysctl -qw net.ipv4.ip_forward=0\n');
  assert.ok(udp(l, 100) > 0);
  await l.k.sleep(1e6);
  assert.equal(icmp(l), null);
  const s = ipStats(l.r);
  assert.deepEqual([s.InReceives, s.InAddrErrors, s.ForwDatagrams], [1, 1, 0]);
});

test('conf/<in>/forwarding=0 stops what enters by that device only (Linux: IN_DEV_FORWARD of the input)', async () => {
  const l = await lab('ip netns exec tnxor sysctl -qw net.ipv4.conf.r0.forwarding=0\n');
  const aSock = sys.socket(l.ta, AF_INET, SOCK_DGRAM, 0);
  sys.bind(l.ta, aSock, to(0, 5000));
  assert.ok(udp(l, 10) > 0);
  const bSock = sys.socket(l.tb, AF_INET, SOCK_DGRAM, 0);
  sys.sendto(l.tb, bSock, new Uint8Array(10).fill(0x62), to(0x0a010001, 5000));
  await l.k.sleep(1e6);
  assert.equal(icmp(l), null);
  const got = sys.recvmsgNow(l.ta, aSock) as RecvResult | null;
  assert.equal(got?.data.length, 10);
  // Linux, same script: Ip: InReceives 2 InAddrErrors 1 ForwDatagrams 1 OutTransmits 1.
  const s = ipStats(l.r);
  assert.deepEqual([s.InReceives, s.InAddrErrors, s.ForwDatagrams, s.OutTransmits], [2, 1, 1, 1]);
});

test('property: random IPv4 packets into the router never throw, and it still forwards afterwards', async () => {
  const l = await lab();
  const r0 = l.r.devGetByName('r0')!;
  const a0 = l.a.devGetByName('a0')!;
  const addrs = [0x0a020002, 0x0a010002, 0x0a020001, 0x0a0100ff, 0xffffffff, 0xe0000001, 0x7f000001, 0, 0x0a010001];
  fc.assert(fc.property(
    fc.record({
      vihl: fc.oneof(fc.constant(0x45), fc.integer({ min: 0, max: 255 })), tos: fc.integer({ min: 0, max: 255 }),
      fragOff: fc.oneof(fc.constant(0), fc.constant(0x4000), fc.integer({ min: 0, max: 0xffff })),
      ttl: fc.integer({ min: 0, max: 255 }), protocol: fc.constantFrom(1, 6, 17, 47, 200, 255),
      saddr: fc.oneof(fc.constantFrom(...addrs), fc.integer({ min: 0, max: 0xffffffff })),
      daddr: fc.oneof(fc.constantFrom(...addrs), fc.integer({ min: 0, max: 0xffffffff })),
      fixLen: fc.boolean(), fixCsum: fc.boolean(),
    }),
    fc.uint8Array({ minLength: 0, maxLength: 200 }),
    (h, body) => {
      const p = new Uint8Array(20 + body.length);
      p.set(body, 20);
      p[0] = h.vihl; p[1] = h.tos;
      const tl = h.fixLen ? p.length : (body[0] ?? 0) * 8;
      p[2] = tl >> 8; p[3] = tl & 0xff;
      p[6] = h.fragOff >> 8; p[7] = h.fragOff & 0xff;
      p[8] = h.ttl; p[9] = h.protocol;
      writeU32(p, 12, h.saddr >>> 0);
      writeU32(p, 16, h.daddr >>> 0);
      if (h.fixCsum) {
        const hl = Math.min((h.vihl & 0xf) * 4, p.length);
        const c = csumFold(csumPartial(p, 0, hl));
        p[10] = c >> 8; p[11] = c & 0xff;
      }
      const f = new Uint8Array(14 + p.length);
      f.set(r0.devAddr, 0);
      f.set(a0.devAddr, 6);
      f[12] = 0x08;
      f.set(p, 14);
      devQueueXmit(txSkb(a0, f));
    },
  ), { numRuns: 1500, seed: 17 });
  await l.k.sleep(2e9);
  // Still a router: a fresh datagram crosses it.
  const rawB = sys.socket(l.tb, AF_INET, SOCK_RAW, IPPROTO_UDP);
  const before = ipStats(l.r).ForwDatagrams!;
  assert.ok(udp(l, 50) > 0);
  await l.k.sleep(1e6);
  assert.ok(ipStats(l.r).ForwDatagrams! > before);
  assert.ok(sys.recvmsgNow(l.tb, rawB) !== null);
});
