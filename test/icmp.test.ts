/**
 * ICMP, raw sockets and ping sockets end to end: a (10.1.0.1) - r (10.1.0.2 |
 * 10.2.0.1) - b (10.2.0.2), built with the lab's ip/sysctl, traffic from sockets of
 * tasks in the namespaces (crafted datagrams through an IP_HDRINCL raw socket, frames
 * through a packet socket). Counter expectations marked "Linux" were measured on this
 * host with the same topology and Python sockets.
 *
 * Covers icmp_rcv (echo and timestamp replies, checksum errors, unknown types, PROBE,
 * broadcast echo, icmp_echo_ignore_all), each "never send an error about" rule of
 * RFC 1122 3.2.2 as __icmp_send applies it, the per-destination (icmp_ratelimit /
 * icmp_ratemask) and namespace-wide (icmp_msgs_per_sec / icmp_msgs_burst) limits on
 * virtual time, errors delivered to raw and ping sockets (IP_RECVERR, sk_err), ping
 * sockets under ping_group_range, ICMP_FILTER and IP_HDRINCL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Kernel, Net } from '../src/core/net_namespace.js';
import { runLab } from '../src/tools/lab/lab.js';
import { Task, type Stdio } from '../src/socket/task.js';
import * as sys from '../src/socket/syscalls.js';
import {
  AF_INET, AF_PACKET, SOCK_DGRAM, SOCK_RAW, SOL_SOCKET, SO_BROADCAST, MSG_ERRQUEUE, type SockaddrIn, type RecvResult,
} from '../src/socket/socket.js';
import { SystemError, EACCES, EHOSTUNREACH, EINVAL, EOPNOTSUPP } from '../src/socket/errno.js';
import { type IpRepr, ipReprEmit, ipReprHeaderLen, IPPROTO_ICMP, IPPROTO_UDP, IPPROTO_RAW, IP_MF } from '../src/wire/iphdr.js';
import { readU16, readU32, writeU16 } from '../src/wire/bytes.js';
import { csumFold, csumPartial } from '../src/wire/checksum.js';
import { ipv4Net } from '../src/ipv4/netns_ipv4.js';
import {
  ICMP_MIB_INMSGS, ICMP_MIB_INERRORS, ICMP_MIB_CSUMERRORS, ICMP_MIB_OUTMSGS, ICMP_MIB_RATELIMITGLOBAL,
  ICMP_MIB_RATELIMITHOST, IPSTATS_MIB_INUNKNOWNPROTOS,
} from '../src/core/snmp.js';
import { SKB_DROP_REASON_ICMP_CSUM, SKB_DROP_REASON_UNHANDLED_PROTO, SKB_DROP_REASON_INVALID_PROTO } from '../src/core/drop_reason.js';
import {
  SOL_IP, IP_TTL, IP_TOS, IP_RECVERR, IP_HDRINCL, IP_OPTIONS,
  SO_EE_ORIGIN_ICMP, type SockExtendedErr,
} from '../src/ipv4/inet_sock.js';
import { SOL_RAW, ICMP_FILTER } from '../src/ipv4/raw.js';
import { ETH_P_IP } from '../src/core/dev.js';

const TOPO = `
ip netns add tnxia
ip netns add tnxir
ip netns add tnxib
ip -n tnxia link add a0 type veth peer name r0 netns tnxir
ip -n tnxir link add r1 type veth peer name b0 netns tnxib
ip -n tnxia addr add 10.1.0.1/24 dev a0
ip -n tnxir addr add 10.1.0.2/24 dev r0
ip -n tnxir addr add 10.2.0.1/24 dev r1
ip -n tnxib addr add 10.2.0.2/24 dev b0
ip -n tnxia link set lo up
ip -n tnxir link set lo up
ip -n tnxib link set lo up
ip -n tnxia link set a0 up
ip -n tnxir link set r0 up
ip -n tnxir link set r1 up
ip -n tnxib link set b0 up
ip -n tnxia route add default via 10.1.0.2
ip -n tnxib route add default via 10.2.0.1
ip netns exec tnxir sysctl -qw net.ipv4.ip_forward=1
`;

const A = 0x0a010001;
const R = 0x0a010002;
const B = 0x0a020002;

const quiet: Stdio = { write: () => {} };

interface Lab {
  k: Kernel;
  a: Net;
  r: Net;
  b: Net;
  ta: Task;
  tr: Task;
  tb: Task;
}

async function lab(extra = ''): Promise<Lab> {
  let k: Kernel | null = null;
  const err: string[] = [];
  const status = await runLab({
    file: 'icmp.sh', source: TOPO + extra, stdout: quiet, stderr: { write: (s: string) => { err.push(s); } },
    onKernel: (kk) => { k = kk; },
  });
  assert.equal(status, 0, err.join(''));
  const kernel = k as unknown as Kernel;
  const ns = (n: string): Net => kernel.netnsNames.get(n)!;
  const [a, r, b] = [ns('tnxia'), ns('tnxir'), ns('tnxib')];
  return { k: kernel, a, r, b, ta: new Task(kernel, a, quiet, quiet), tr: new Task(kernel, r, quiet, quiet), tb: new Task(kernel, b, quiet, quiet) };
}

function to(addr: number, port = 0): SockaddrIn {
  return { family: AF_INET, port, addr };
}

/** An ICMP message: header fields and data, with its checksum. */
function icmpMsg(type: number, code: number, rest: number, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const m = new Uint8Array(8 + data.length);
  m[0] = type;
  m[1] = code;
  m[4] = rest >>> 24;
  m[5] = (rest >>> 16) & 0xff;
  m[6] = (rest >>> 8) & 0xff;
  m[7] = rest & 0xff;
  m.set(data, 8);
  writeU16(m, 2, csumFold(csumPartial(m, 0, m.length)));
  return m;
}

/** A whole IPv4 datagram (header checksum filled in). */
function ipDatagram(o: Partial<IpRepr>, payload: Uint8Array): Uint8Array {
  const r: IpRepr = {
    tos: 0, totLen: 0, id: 1, fragOff: 0, ttl: 64, protocol: IPPROTO_ICMP, saddr: A, daddr: B,
    options: new Uint8Array(0), check: 0, ...o,
  };
  const hlen = ipReprHeaderLen(r);
  r.totLen = hlen + payload.length;
  const d = new Uint8Array(r.totLen);
  ipReprEmit(r, d, 0);
  d.set(payload, hlen);
  return d;
}

/** Send datagrams as they are from a's IP_HDRINCL socket. */
function sendRaw(l: Lab, ...dgrams: Uint8Array[]): void {
  const fd = sys.socket(l.ta, AF_INET, SOCK_RAW, IPPROTO_RAW);
  for (const d of dgrams) sys.sendto(l.ta, fd, d, to(readU32(d, 16)));
  sys.close(l.ta, fd);
}

function icmpMib(net: Net): Float64Array {
  return ipv4Net(net).mib.icmp;
}

/** IcmpMsg OutTypeN / InTypeN. */
function outType(net: Net, t: number): number {
  return ipv4Net(net).mib.icmpMsg[256 + t]!;
}
function inType(net: Net, t: number): number {
  return ipv4Net(net).mib.icmpMsg[t]!;
}

/** Everything queued on an fd, as [source, ICMP type, code, data after the ICMP header]. */
function drain(t: Task, fd: number): Array<[number, number, number, Uint8Array]> {
  const got: Array<[number, number, number, Uint8Array]> = [];
  for (let m = sys.recvmsgNow(t, fd); m !== null; m = sys.recvmsgNow(t, fd)) {
    const ihl = (m.data[0]! & 0xf) * 4;
    got.push([(m.addr as SockaddrIn).addr, m.data[ihl]!, m.data[ihl + 1]!, m.data.subarray(ihl + 8)]);
  }
  return got;
}

test('echo request: the reply carries the data back, keeps the TOS, comes from the address asked; counters', async () => {
  const l = await lab();
  const fd = sys.socket(l.ta, AF_INET, SOCK_RAW, IPPROTO_ICMP);
  sys.setsockopt(l.ta, fd, SOL_IP, IP_TOS, 0x10);
  const data = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  sys.sendto(l.ta, fd, icmpMsg(8, 0, 0x12340001, data), to(B));
  await l.k.sleep(1e6);
  const m = sys.recvmsgNow(l.ta, fd) as RecvResult;
  assert.ok(m !== null);
  const d = m.data;
  assert.equal(d[1], 0x10, 'TOS of the request');
  assert.equal(readU32(d, 12), B, 'source: the destination of the request');
  assert.deepEqual([d[20], d[21], readU32(d, 24)], [0, 0, 0x12340001], 'echo reply, id and sequence kept');
  assert.deepEqual([...d.subarray(28)], [...data]);
  assert.equal(csumFold(csumPartial(d, 20, d.length - 20)), 0, 'ICMP checksum');
  // Linux: b Icmp InMsgs 1 InEchos 1 OutMsgs 1 OutEchoReps 1; a OutMsgs 1 OutEchos 1 InEchoReps 1.
  assert.deepEqual([icmpMib(l.b)[ICMP_MIB_INMSGS], inType(l.b, 8), icmpMib(l.b)[ICMP_MIB_OUTMSGS], outType(l.b, 0)], [1, 1, 1, 1]);
  assert.deepEqual([icmpMib(l.a)[ICMP_MIB_OUTMSGS], outType(l.a, 8), inType(l.a, 0)], [1, 1, 1]);
});

test('timestamp request: reply with the originate time copied and two ms-since-midnight stamps (counted OutType0 as Linux)', async () => {
  const l = await lab();
  const fd = sys.socket(l.ta, AF_INET, SOCK_RAW, IPPROTO_ICMP);
  const body = new Uint8Array(12);
  body.set([1, 2, 3, 4]);
  sys.sendto(l.ta, fd, icmpMsg(13, 0, 0x12340001, body), to(B));
  await l.k.sleep(1e6);
  const [[src, type, code, data]] = drain(l.ta, fd) as [[number, number, number, Uint8Array]];
  assert.deepEqual([src, type, code, data.length], [B, 14, 0, 12]);
  assert.equal(readU32(data, 0), 0x01020304);
  assert.equal(readU32(data, 4), readU32(data, 8));
  assert.ok(readU32(data, 4) < 86400000);
  // Linux (the same request from Python): IcmpMsg InType13 1, OutType0 1: icmp_reply's flow
  // carries no ICMP type and __ip_make_skb counts the control socket's messages by it.
  assert.deepEqual([inType(l.b, 13), outType(l.b, 0), outType(l.b, 14)], [1, 1, 0]);
});

test('icmp_rcv drops: bad checksum (InCsumErrors), unknown type, too short; PROBE is consumed quietly', async () => {
  const l = await lab();
  const bad = icmpMsg(8, 0, 1);
  bad[2] ^= 0xff;
  sendRaw(l, ipDatagram({}, bad), ipDatagram({}, icmpMsg(50, 0, 0)), ipDatagram({}, new Uint8Array([8, 0, 0xf7, 0xff])),
    ipDatagram({}, icmpMsg(42, 0, 0)));
  await l.k.sleep(1e6);
  const mib = icmpMib(l.b);
  // Four messages in; the bad checksum, the unknown type and the 4-byte one are errors.
  assert.deepEqual([mib[ICMP_MIB_INMSGS], mib[ICMP_MIB_CSUMERRORS], mib[ICMP_MIB_INERRORS]], [4, 1, 3]);
  assert.deepEqual([inType(l.b, 50), inType(l.b, 42), inType(l.b, 8)], [1, 1, 0]);
  assert.equal(l.b.dropCounts[SKB_DROP_REASON_ICMP_CSUM], 1);
  assert.equal(l.b.dropCounts[SKB_DROP_REASON_UNHANDLED_PROTO], 1);
  assert.equal(icmpMib(l.b)[ICMP_MIB_OUTMSGS], 0);
});

test('echo to a broadcast address: ignored by default (InErrors), answered with icmp_echo_ignore_broadcasts=0; ignore_all', async () => {
  const l = await lab();
  const fd = sys.socket(l.tr, AF_INET, SOCK_RAW, IPPROTO_ICMP);
  sys.setsockopt(l.tr, fd, SOL_SOCKET, SO_BROADCAST, 1);
  sys.sendto(l.tr, fd, icmpMsg(8, 0, 0x77770001), to(0x0a0200ff));
  await l.k.sleep(1e6);
  assert.deepEqual(drain(l.tr, fd).map((x) => x[1]), [8], 'only r\'s own looped-back request');
  assert.equal(l.b.dropCounts[SKB_DROP_REASON_INVALID_PROTO], 1);
  assert.equal(icmpMib(l.b)[ICMP_MIB_INERRORS], 1);
  const tb = new Task(l.k, l.b, quiet, quiet);
  sys.writeFile(tb, '/proc/sys/net/ipv4/icmp_echo_ignore_broadcasts', '0');
  sys.sendto(l.tr, fd, icmpMsg(8, 0, 0x77770002), to(0x0a0200ff));
  await l.k.sleep(1e6);
  assert.deepEqual(drain(l.tr, fd).map((x) => [x[0], x[1]]), [[0x0a020001, 8], [B, 0]]);
  sys.writeFile(tb, '/proc/sys/net/ipv4/icmp_echo_ignore_all', '1');
  sys.sendto(l.tr, fd, icmpMsg(8, 0, 0x77770003), to(B));
  await l.k.sleep(1e6);
  assert.deepEqual(drain(l.tr, fd), []);
});

test('RFC 1122 3.2.2: r sends time exceeded for a TTL-1 echo but never about an ICMP error, an unknown ICMP type or a non-first fragment', async () => {
  const l = await lab();
  const te = (): number => outType(l.r, 11);
  const ttl1 = (p: Partial<IpRepr>, payload: Uint8Array): Uint8Array => ipDatagram({ ttl: 1, ...p }, payload);
  sendRaw(l, ttl1({}, icmpMsg(8, 0, 1)));
  await l.k.sleep(1e6);
  assert.equal(te(), 1, 'about an echo request');
  // An ICMP error (port unreachable quoting something), and an unknown type (treated as an error).
  const quoted = ipDatagram({ saddr: B, daddr: A, protocol: IPPROTO_UDP }, new Uint8Array(8));
  sendRaw(l, ttl1({}, icmpMsg(3, 3, 0, quoted)), ttl1({}, icmpMsg(50, 0, 0)));
  await l.k.sleep(1e6);
  assert.equal(te(), 1, 'no error about an error');
  // Fragments: only the first one (offset 0, MF) gets an answer.
  sendRaw(l, ttl1({ protocol: IPPROTO_UDP, fragOff: 1, id: 7 }, new Uint8Array(16)));
  await l.k.sleep(1e6);
  assert.equal(te(), 1, 'no error about a non-first fragment');
  sendRaw(l, ttl1({ protocol: IPPROTO_UDP, fragOff: IP_MF, id: 8 }, new Uint8Array(16)));
  await l.k.sleep(1e6);
  assert.equal(te(), 2, 'the first fragment gets one');
});

test('RFC 1122 3.2.2: no error about a datagram to an IP broadcast or multicast address or one that came as a link-layer broadcast', async () => {
  const l = await lab();
  const pu = (): number => ipv4Net(l.r).mib.icmpMsg[256 + 3]!;
  // Protocol 200 is nobody's: unicast to r gets protocol unreachable...
  sendRaw(l, ipDatagram({ protocol: 200, daddr: R }, new Uint8Array(8)));
  await l.k.sleep(1e6);
  assert.equal(pu(), 1);
  // ...the subnet broadcast does not (RTCF_BROADCAST)...
  const fd = sys.socket(l.ta, AF_INET, SOCK_RAW, IPPROTO_RAW);
  sys.setsockopt(l.ta, fd, SOL_SOCKET, SO_BROADCAST, 1);
  sys.sendto(l.ta, fd, ipDatagram({ protocol: 200, daddr: 0x0a0100ff }, new Uint8Array(8)), to(0x0a0100ff));
  await l.k.sleep(1e6);
  assert.equal(pu(), 1);
  // ...nor a multicast one (RTCF_MULTICAST: all hosts, 224.0.0.1)...
  sys.sendto(l.ta, fd, ipDatagram({ protocol: 200, daddr: 0xe0000001, ttl: 1 }, new Uint8Array(8)), to(0xe0000001));
  await l.k.sleep(1e6);
  assert.equal(pu(), 1);
  // ...nor the unicast datagram in an Ethernet broadcast frame (pkt_type != PACKET_HOST).
  const a0 = l.a.devGetByName('a0')!;
  const pkt = sys.socket(l.ta, AF_PACKET, SOCK_RAW, ETH_P_IP);
  const frame = new Uint8Array(14 + 28);
  frame.fill(0xff, 0, 6);
  frame.set(a0.devAddr.subarray(0, 6), 6);
  frame[12] = 0x08;
  frame.set(ipDatagram({ protocol: 200, daddr: R }, new Uint8Array(8)), 14);
  sys.sendto(l.ta, pkt, frame, { family: AF_PACKET, protocol: ETH_P_IP, ifindex: a0.ifindex, hatype: 1, pktType: 0, addr: new Uint8Array(8).fill(0xff) });
  await l.k.sleep(1e6);
  // All four reached r's ip_local_deliver: InUnknownProtos counts even those not answered.
  assert.equal(ipv4Net(l.r).mib.ip[IPSTATS_MIB_INUNKNOWNPROTOS], 4);
  assert.equal(pu(), 1);
});

test('icmp_errors_use_inbound_ifaddr: the error comes from the interface the datagram arrived on, not the route back', async () => {
  // r's way back to a leads out r1 (towards b): its time exceeded leaves there.
  const l = await lab('ip -n tnxir route add 10.1.0.1/32 via 10.2.0.2\n');
  const b0 = l.b.devGetByName('b0')!;
  const pkt = sys.socket(l.tb, AF_PACKET, SOCK_RAW, ETH_P_IP);
  sys.bind(l.tb, pkt, { family: AF_PACKET, protocol: ETH_P_IP, ifindex: b0.ifindex, hatype: 0, pktType: 0, addr: new Uint8Array(8) });
  const sources = (): number[] => {
    const got: number[] = [];
    for (let m = sys.recvmsgNow(l.tb, pkt); m !== null; m = sys.recvmsgNow(l.tb, pkt)) {
      const d = m.data.subarray(14);
      if (d[9] === IPPROTO_ICMP && d[20] === 11) got.push(readU32(d, 12));
    }
    return got;
  };
  sendRaw(l, ipDatagram({ ttl: 1, id: 1 }, icmpMsg(8, 0, 1)));
  await l.k.sleep(1e6);
  assert.deepEqual(sources(), [0x0a020001], 'default: the source the route chooses');
  sys.writeFile(l.tr, '/proc/sys/net/ipv4/icmp_errors_use_inbound_ifaddr', '1');
  sendRaw(l, ipDatagram({ ttl: 1, id: 2 }, icmpMsg(8, 0, 2)));
  await l.k.sleep(1e6);
  assert.deepEqual(sources(), [R], 'the address of r0, where it came in');
});

test('icmp_ratelimit: 6 errors to one destination at once, then one per second; types outside icmp_ratemask and frag needed are free (Linux: 7 sent, 6 limited)', async () => {
  const l = await lab();
  const fd = sys.socket(l.ta, AF_INET, SOCK_DGRAM, 0);
  sys.setsockopt(l.ta, fd, SOL_IP, IP_TTL, 1);
  const send = (n: number): void => {
    for (let i = 0; i < n; i++) sys.sendto(l.ta, fd, new Uint8Array(10), to(B, 40000));
  };
  send(10);
  await l.k.sleep(1.05e9);
  send(3);
  await l.k.sleep(1e6);
  assert.deepEqual([outType(l.r, 11), icmpMib(l.r)[ICMP_MIB_RATELIMITHOST], icmpMib(l.r)[ICMP_MIB_RATELIMITGLOBAL]], [7, 6, 0]);
  // net.ipv4.icmp_ratemask=0: time exceeded is no longer limited (Linux: 12 sent).
  sys.writeFile(l.tr, '/proc/sys/net/ipv4/icmp_ratemask', '0');
  send(5);
  await l.k.sleep(1e6);
  assert.deepEqual([outType(l.r, 11), icmpMib(l.r)[ICMP_MIB_RATELIMITHOST]], [12, 6]);
});

test('fragmentation needed is never rate-limited (PMTU discovery must work), time exceeded is', async () => {
  const l = await lab('ip -n tnxir link set r1 mtu 1200\nip netns exec tnxir sysctl -qw net.ipv4.icmp_ratelimit=10000\n');
  // Nine DF datagrams too big for r1, sent as they are (no PMTU check on IP_HDRINCL).
  const big = (i: number): Uint8Array => ipDatagram({ protocol: IPPROTO_UDP, fragOff: 0x4000, id: i }, new Uint8Array(1300));
  sendRaw(l, ...Array.from({ length: 9 }, (_, i) => big(i + 1)));
  await l.k.sleep(1e6);
  assert.deepEqual([outType(l.r, 3), icmpMib(l.r)[ICMP_MIB_RATELIMITHOST]], [9, 0]);
  sendRaw(l, ...Array.from({ length: 9 }, (_, i) => ipDatagram({ ttl: 1, id: 100 + i }, icmpMsg(8, 0, i))));
  await l.k.sleep(1e6);
  assert.deepEqual([outType(l.r, 11), icmpMib(l.r)[ICMP_MIB_RATELIMITHOST]], [6, 3]);
});

test('icmp_msgs_per_sec/icmp_msgs_burst: the namespace bucket refuses what exceeds it (OutRateLimitGlobal)', async () => {
  const l = await lab('ip netns exec tnxir sysctl -qw net.ipv4.icmp_ratelimit=0\n');
  const fd = sys.socket(l.ta, AF_INET, SOCK_DGRAM, 0);
  sys.setsockopt(l.ta, fd, SOL_IP, IP_TTL, 1);
  for (let i = 0; i < 100; i++) sys.sendto(l.ta, fd, new Uint8Array(10), to(B, 40000));
  await l.k.sleep(1e6);
  const sent = outType(l.r, 11);
  const limited = icmpMib(l.r)[ICMP_MIB_RATELIMITGLOBAL]!;
  // A burst of 50 credits, each message taking a random 0-2 (icmp_global_consume).
  assert.equal(sent + limited, 100);
  assert.ok(sent >= 25 && sent < 100, `sent ${sent}`);
  assert.equal(icmpMib(l.r)[ICMP_MIB_RATELIMITHOST], 0);
  // icmp_msgs_per_sec=0 never refills: after the bucket is empty nothing more goes out.
  sys.writeFile(l.tr, '/proc/sys/net/ipv4/icmp_msgs_per_sec', '0');
  await l.k.sleep(2e9);
  for (let i = 0; i < 10; i++) sys.sendto(l.ta, fd, new Uint8Array(10), to(B, 40000));
  await l.k.sleep(1e6);
  assert.equal(outType(l.r, 11), sent);
  assert.equal(icmpMib(l.r)[ICMP_MIB_RATELIMITGLOBAL], limited + 10);
});

test('ICMP errors reach raw sockets: IP_RECVERR queue with sock_extended_err and offender; without it only sk_err of hard errors on connected sockets', async () => {
  const l = await lab();
  const fd = sys.socket(l.ta, AF_INET, SOCK_RAW, IPPROTO_ICMP);
  sys.setsockopt(l.ta, fd, SOL_IP, IP_RECVERR, 1);
  sys.setsockopt(l.ta, fd, SOL_IP, IP_TTL, 1);
  sys.sendto(l.ta, fd, icmpMsg(8, 0, 0x55550007), to(B));
  await l.k.sleep(1e6);
  // The pending error comes first, once (sock_error), as ping's recvmsg sees it...
  assert.throws(() => sys.recvmsgNow(l.ta, fd), (x: SystemError) => x.code === 'EHOSTUNREACH');
  // ...then the error queue tells what it was.
  const e = sys.recvmsgNow(l.ta, fd, 100, MSG_ERRQUEUE) as RecvResult;
  assert.ok(e !== null);
  const ee = e.cmsgs.find((c) => c.level === SOL_IP && c.type === IP_RECVERR)!.data as SockExtendedErr;
  assert.deepEqual([ee.eeErrno, ee.eeOrigin, ee.eeType, ee.eeCode, ee.offender], [EHOSTUNREACH, SO_EE_ORIGIN_ICMP, 11, 0, R]);
  assert.equal((e.addr as SockaddrIn).addr, B, 'the original destination');
  assert.deepEqual([e.data[0], readU32(e.data, 4)], [8, 0x55550007], 'the quoted echo request');
  // And, being a raw ICMP socket, it got the time exceeded message itself too.
  assert.deepEqual(drain(l.ta, fd).map((x) => [x[0], x[1]]), [[R, 11]]);
  // Without IP_RECVERR, an unconnected raw socket hears nothing.
  const quietFd = sys.socket(l.ta, AF_INET, SOCK_RAW, IPPROTO_ICMP);
  sys.setsockopt(l.ta, quietFd, SOL_IP, IP_TTL, 1);
  sys.sendto(l.ta, quietFd, icmpMsg(8, 0, 0x55550008), to(B));
  await l.k.sleep(1e6);
  assert.equal(sys.recvmsgNow(l.ta, quietFd, 100, MSG_ERRQUEUE), null);
});

test('ping sockets: EACCES under the default ping_group_range; allowed for the group; identifier = port; replies by identifier', async () => {
  const l = await lab();
  assert.throws(() => sys.socket(l.ta, AF_INET, SOCK_DGRAM, IPPROTO_ICMP), (x: SystemError) => x.errno === -EACCES || x.code === 'EACCES');
  sys.writeFile(l.ta, '/proc/sys/net/ipv4/ping_group_range', '0 0');
  const s1 = sys.socket(l.ta, AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
  const s2 = sys.socket(l.ta, AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
  // The kernel writes the identifier: whatever the user put there.
  sys.sendto(l.ta, s1, icmpMsg(8, 0, 0xabcd0001, new Uint8Array([1, 2])), to(B));
  sys.bind(l.ta, s2, { family: AF_INET, port: 4242, addr: 0 });
  sys.sendto(l.ta, s2, icmpMsg(8, 0, 0xabcd0002), to(B));
  await l.k.sleep(1e6);
  assert.equal((sys.getsockname(l.ta, s1) as SockaddrIn).port, 1, 'the first free identifier');
  const r1 = sys.recvmsgNow(l.ta, s1) as RecvResult;
  const r2 = sys.recvmsgNow(l.ta, s2) as RecvResult;
  assert.deepEqual([r1.data[0], readU16(r1.data, 4), readU16(r1.data, 6), r1.data.length], [0, 1, 1, 10]);
  assert.deepEqual([r2.data[0], readU16(r2.data, 4), readU16(r2.data, 6)], [0, 4242, 2]);
  assert.equal((r1.addr as SockaddrIn).addr, B);
  assert.equal(sys.recvmsgNow(l.ta, s1), null);
  // Only echo requests with code 0 may be sent.
  assert.throws(() => sys.sendto(l.ta, s1, icmpMsg(13, 0, 0), to(B)), (x: SystemError) => x.errno === -EINVAL || x.code === 'EINVAL');
  // Errors about its requests: on the error queue with IP_RECVERR.
  sys.setsockopt(l.ta, s1, SOL_IP, IP_RECVERR, 1);
  sys.setsockopt(l.ta, s1, SOL_IP, IP_TTL, 1);
  sys.sendto(l.ta, s1, icmpMsg(8, 0, 3), to(B));
  await l.k.sleep(1e6);
  const e = sys.recvmsgNow(l.ta, s1, 100, MSG_ERRQUEUE) as RecvResult;
  const ee = e.cmsgs.find((c) => c.type === IP_RECVERR)!.data as SockExtendedErr;
  assert.deepEqual([ee.eeErrno, ee.eeType, ee.offender, readU16(e.data, 4)], [EHOSTUNREACH, 11, R, 1]);
  assert.equal(sys.recvmsgNow(l.ta, s2, 100, MSG_ERRQUEUE), null, 'not the other socket\'s');
});

test('ICMP_FILTER: filtered types stay away from the raw socket; getsockopt reads the mask; EOPNOTSUPP off ICMP', async () => {
  const l = await lab();
  const fd = sys.socket(l.ta, AF_INET, SOCK_RAW, IPPROTO_ICMP);
  sys.setsockopt(l.ta, fd, SOL_RAW, ICMP_FILTER, 1 << 0);
  assert.equal(sys.getsockopt(l.ta, fd, SOL_RAW, ICMP_FILTER), 1);
  sys.sendto(l.ta, fd, icmpMsg(8, 0, 1), to(B));
  await l.k.sleep(1e6);
  assert.deepEqual(drain(l.ta, fd), [], 'the echo reply was filtered');
  sys.setsockopt(l.ta, fd, SOL_RAW, ICMP_FILTER, 0);
  sys.sendto(l.ta, fd, icmpMsg(8, 0, 2), to(B));
  await l.k.sleep(1e6);
  assert.deepEqual(drain(l.ta, fd).map((x) => x[1]), [0]);
  const udpRaw = sys.socket(l.ta, AF_INET, SOCK_RAW, IPPROTO_UDP);
  assert.throws(() => sys.setsockopt(l.ta, udpRaw, SOL_RAW, ICMP_FILTER, 1), (x: SystemError) => x.errno === -EOPNOTSUPP || x.code === 'EOPNOTSUPP');
});

test('IP_HDRINCL: tot_len fixed, zero source and id filled, checksum computed; bad ihl and options refused', async () => {
  const l = await lab();
  const fd = sys.socket(l.ta, AF_INET, SOCK_RAW, IPPROTO_ICMP);
  sys.setsockopt(l.ta, fd, SOL_IP, IP_HDRINCL, 1);
  const rb = sys.socket(l.tb, AF_INET, SOCK_RAW, IPPROTO_ICMP);
  const d = ipDatagram({ saddr: 0, id: 0 }, icmpMsg(8, 0, 0x01010001));
  writeU16(d, 2, 9999); // a lying tot_len
  writeU16(d, 10, 0x1234); // a wrong checksum
  sys.sendto(l.ta, fd, d, to(B));
  await l.k.sleep(1e6);
  const m = sys.recvmsgNow(l.tb, rb) as RecvResult;
  assert.ok(m !== null, 'b got it');
  const h = m.data;
  assert.equal(readU16(h, 2), 28, 'tot_len');
  assert.equal(readU32(h, 12), A, 'source filled from the route');
  assert.notEqual(readU16(h, 4), 0, 'an id chosen');
  assert.equal(csumFold(csumPartial(h, 0, 20)), 0, 'header checksum');
  // ihl pointing past the data.
  const shortDg = new Uint8Array(24);
  shortDg[0] = 0x4f;
  assert.throws(() => sys.sendto(l.ta, fd, shortDg, to(B)), (x: SystemError) => x.errno === -EINVAL || x.code === 'EINVAL');
  // IP options and IP_HDRINCL do not mix.
  sys.setsockopt(l.ta, fd, SOL_IP, IP_OPTIONS, new Uint8Array([1, 1, 1, 0]));
  assert.throws(() => sys.sendto(l.ta, fd, d, to(B)), (x: SystemError) => x.errno === -EINVAL || x.code === 'EINVAL');
});


test('property: random ICMP messages (quoting garbage too) never throw; every one is counted; b still answers', async () => {
  const l = await lab('ip netns exec tnxib sysctl -qw net.ipv4.ping_group_range="0 0"\n');
  // Listeners the error paths can reach: a raw ICMP socket with IP_RECVERR and a ping socket on b.
  const rawB = sys.socket(l.tb, AF_INET, SOCK_RAW, IPPROTO_ICMP);
  sys.setsockopt(l.tb, rawB, SOL_IP, IP_RECVERR, 1);
  const pingB = sys.socket(l.tb, AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
  sys.setsockopt(l.tb, pingB, SOL_IP, IP_RECVERR, 1);
  sys.bind(l.tb, pingB, { family: AF_INET, port: 7, addr: 0 });
  const fd = sys.socket(l.ta, AF_INET, SOCK_RAW, IPPROTO_RAW);
  let sent = 0;
  fc.assert(fc.property(
    fc.oneof(fc.constantFrom(0, 3, 4, 5, 8, 11, 12, 13, 14, 17, 42), fc.integer({ min: 0, max: 255 })),
    fc.integer({ min: 0, max: 20 }),
    fc.integer({ min: 0, max: 0xffffffff }),
    fc.record({
      vihl: fc.oneof(fc.constant(0x45), fc.integer({ min: 0, max: 255 })),
      protocol: fc.constantFrom(1, 6, 17, 200),
      saddr: fc.constantFrom(B, A, R, 0, 0xffffffff),
      daddr: fc.constantFrom(A, B, 0x0a0100ff, 0xe0000001),
      inner: fc.uint8Array({ minLength: 0, maxLength: 12 }),
    }),
    fc.integer({ min: 0, max: 60 }),
    fc.boolean(),
    fc.boolean(),
    (type, code, rest, q, cut, goodCsum, ttl1) => {
      // The quoted header (possibly lying) and some of what followed it.
      const quoted = new Uint8Array(20 + q.inner.length);
      quoted[0] = q.vihl;
      quoted[9] = q.protocol;
      quoted.set([q.saddr >>> 24, (q.saddr >>> 16) & 255, (q.saddr >>> 8) & 255, q.saddr & 255], 12);
      quoted.set([q.daddr >>> 24, (q.daddr >>> 16) & 255, (q.daddr >>> 8) & 255, q.daddr & 255], 16);
      quoted.set(q.inner, 20);
      const m = icmpMsg(type, code, rest, quoted.subarray(0, Math.min(cut, quoted.length)));
      if (!goodCsum) m[3] ^= 0x5a;
      sys.sendto(l.ta, fd, ipDatagram({ ttl: ttl1 ? 1 : 64, id: sent & 0xffff }, m), to(B));
      if (!ttl1) sent++;
    },
  ), { numRuns: 1500, seed: 23 });
  await l.k.sleep(5e9);
  assert.equal(icmpMib(l.b)[ICMP_MIB_INMSGS], sent, 'each message that reached b was counted');
  // Still answering.
  const echo = sys.socket(l.ta, AF_INET, SOCK_RAW, IPPROTO_ICMP);
  sys.sendto(l.ta, echo, icmpMsg(8, 0, 0x99990001), to(B));
  await l.k.sleep(1e6);
  assert.ok(drain(l.ta, echo).some((x) => x[0] === B && x[1] === 0));
});
