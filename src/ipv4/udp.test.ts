/**
 * UDP sockets at unit level: bind and port selection (EADDRINUSE, SO_REUSEADDR,
 * SO_REUSEPORT spreading, privileged ports, the ephemeral range), udp_rcv on
 * crafted datagrams (delivery by score, broadcast, no socket, short/bad checksum,
 * zero checksum, rcvbuf overflow), recvmsg flags (MSG_PEEK, MSG_TRUNC), udp_err
 * (ECONNREFUSED on a connected socket, the IP_RECVERR error queue), and random
 * datagrams into udp_rcv never throw and are freed once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createKernel } from '../index.js';
import type { Kernel, Net } from '../core/net_namespace.js';
import type { NetDevice } from '../core/netdevice.js';
import { type SkBuff, skbFromBytes } from '../core/skbuff.js';
import { SKB_CONSUMED } from '../core/drop_reason.js';
import { Task } from '../socket/task.js';
import { BufferStdio } from '../tools/tool.js';
import {
  socket, bind, setsockopt, getsockopt, getsockname, recvmsg, recvmsgNow, recvfromNow, close, sockfdLookup, ioctl,
  getpeername, listen, accept, shutdown, connect, send, readFile,
} from '../socket/syscalls.js';
import {
  AF_INET, SOCK_DGRAM, SOL_SOCKET, SO_REUSEADDR, SO_REUSEPORT, SO_RCVBUF, SO_ERROR, SO_TYPE, MSG_PEEK, MSG_TRUNC,
  MSG_ERRQUEUE, MSG_DONTWAIT, type SockaddrIn, SHUT_RD, AF_UNSPEC, MSG_MORE,
} from '../socket/socket.js';
import { SystemError } from '../socket/errno.js';
import {
  UDP_MIB_INDATAGRAMS, UDP_MIB_NOPORTS, UDP_MIB_INERRORS, UDP_MIB_RCVBUFERRORS, UDP_MIB_CSUMERRORS,
  UDP_MIB_IGNOREDMULTI, ICMP_MIB_INERRORS,
} from '../core/snmp.js';
import { ipReprEmit, IPPROTO_UDP, IPPROTO_ICMP, type IpRepr } from '../wire/iphdr.js';
import { csumPartial, csumTcpudpMagic, udpCsumMangle } from '../wire/checksum.js';
import { ipv4Net } from './netns_ipv4.js';
import { Rtable, RTCF_BROADCAST, RTCF_LOCAL } from './rtable.js';
import { type InetSock, SOL_IP, IP_RECVERR, IP_FREEBIND, IP_PKTINFO, IP_RECVTTL, IP_TTL, IP_MTU, IP_TOS, SO_EE_ORIGIN_ICMP } from './inet_sock.js';
import { udpRcv, udpErr, SOL_UDP, UDP_CORK } from './udp.js';
import { FIONREAD, TCP_ESTABLISHED } from './af_inet.js';

const A = 0x0a000001; // 10.0.0.1 (remote)
const B = 0x0a000002; // 10.0.0.2 (local)

interface Rig {
  k: Kernel;
  net: Net;
  dev: NetDevice;
  task: Task;
  frees: Map<number, number>;
  /** How often each skb made by deliver() was freed. */
  freedOwn: Map<SkBuff, number>;
}

function rig(seed = 3): Rig {
  const k = createKernel({ seed });
  const net = k.initNet;
  const out = new BufferStdio();
  const task = new Task(k, net, out, out, 1);
  const frees = new Map<number, number>();
  const freedOwn = new Map<SkBuff, number>();
  const own = (skb: SkBuff): void => {
    if (freedOwn.has(skb)) freedOwn.set(skb, freedOwn.get(skb)! + 1);
  };
  k.trace.kfreeSkb.register((skb, reason) => {
    frees.set(reason, (frees.get(reason) ?? 0) + 1);
    own(skb);
  });
  k.trace.consumeSkb.register((skb) => {
    frees.set(SKB_CONSUMED, (frees.get(SKB_CONSUMED) ?? 0) + 1);
    own(skb);
  });
  return { k, net, dev: net.loopbackDev!, task, frees, freedOwn };
}

function udpSocket(r: Rig): number {
  return socket(r.task, AF_INET, SOCK_DGRAM, 0);
}

function sin(addr: number, port: number): SockaddrIn {
  return { family: AF_INET, addr, port };
}

function skOf(r: Rig, fd: number): InetSock {
  return sockfdLookup(r.task, fd).sk as InetSock;
}

/** An IPv4/UDP datagram's bytes with a correct checksum (or `check` as given). */
function udpPacket(o: { saddr?: number; daddr?: number; sport?: number; dport?: number; payload?: Uint8Array;
  check?: number; ulen?: number; ttl?: number; } = {}): Uint8Array {
  const payload = o.payload ?? new Uint8Array([1, 2, 3, 4]);
  const ulen = 8 + payload.length;
  const r: IpRepr = {
    tos: 0, totLen: 20 + ulen, id: 1, fragOff: 0, ttl: o.ttl ?? 64, protocol: IPPROTO_UDP, saddr: o.saddr ?? A,
    daddr: o.daddr ?? B, options: new Uint8Array(0), check: 0,
  };
  const b = new Uint8Array(20 + ulen);
  ipReprEmit(r, b, 0);
  const sport = o.sport ?? 40000;
  const dport = o.dport ?? 5000;
  b[20] = sport >> 8; b[21] = sport & 0xff; b[22] = dport >> 8; b[23] = dport & 0xff;
  const ul = o.ulen ?? ulen;
  b[24] = ul >> 8; b[25] = ul & 0xff;
  b.set(payload, 28);
  let check = o.check;
  if (check === undefined) check = udpCsumMangle(csumTcpudpMagic(r.saddr, r.daddr, ulen, IPPROTO_UDP, csumPartial(b, 20, ulen)));
  b[26] = check >> 8; b[27] = check & 0xff;
  return b;
}

/** The skb as ip_local_deliver_finish hands it to udp_rcv: data at the UDP header, route attached. */
function deliver(r: Rig, bytes: Uint8Array, rtFlags = RTCF_LOCAL): SkBuff {
  const skb = skbFromBytes(r.dev, bytes);
  skb.networkHeader = skb.data;
  skb.transportHeader = skb.data + ((bytes[0]! & 0xf) << 2);
  skb.data = skb.transportHeader;
  const rt = new Rtable(r.dev, () => 0, () => 0, ipv4Net(r.net).rtGenid, new Uint32Array(17));
  rt.rtFlags = rtFlags;
  skb.dst = rt;
  skb.skbIif = r.dev.ifindex;
  r.freedOwn.set(skb, 0);
  udpRcv(skb);
  return skb;
}

function expectErr(fn: () => unknown, code: string): void {
  assert.throws(fn, (e: unknown) => e instanceof SystemError && e.code === code);
}

test('bind: explicit port, getsockname, EADDRINUSE, SO_REUSEADDR, double bind EINVAL', () => {
  const r = rig();
  const a = udpSocket(r);
  bind(r.task, a, sin(0, 5000));
  assert.deepEqual(getsockname(r.task, a), { family: AF_INET, port: 5000, addr: 0 });
  const b = udpSocket(r);
  expectErr(() => bind(r.task, b, sin(0, 5000)), 'EADDRINUSE');
  expectErr(() => bind(r.task, a, sin(0, 5001)), 'EINVAL');
  const c = udpSocket(r);
  const d = udpSocket(r);
  setsockopt(r.task, c, SOL_SOCKET, SO_REUSEADDR, 1);
  setsockopt(r.task, d, SOL_SOCKET, SO_REUSEADDR, 1);
  bind(r.task, c, sin(0, 6000));
  bind(r.task, d, sin(0, 6000));
  assert.equal(getsockopt(r.task, d, SOL_SOCKET, SO_REUSEADDR), 1);
  assert.equal(getsockopt(r.task, d, SOL_SOCKET, SO_TYPE), SOCK_DGRAM);
  // Closing frees the port.
  close(r.task, a);
  bind(r.task, b, sin(0, 5000));
});

test('bind: a non-local address needs IP_FREEBIND; ports below 1024 need root', () => {
  const r = rig();
  const a = udpSocket(r);
  expectErr(() => bind(r.task, a, sin(0xc0000201, 7000)), 'EADDRNOTAVAIL');
  setsockopt(r.task, a, SOL_IP, IP_FREEBIND, 1);
  bind(r.task, a, sin(0xc0000201, 7000));
  assert.deepEqual(getsockname(r.task, a), { family: AF_INET, port: 7000, addr: 0xc0000201 });
  const user = new Task(r.k, r.net, new BufferStdio(), new BufferStdio(), 2);
  user.uid = 1000;
  const u = socket(user, AF_INET, SOCK_DGRAM, 0);
  expectErr(() => bind(user, u, sin(0, 53)), 'EACCES');
  bind(user, u, sin(0, 1024));
  const root = udpSocket(r);
  bind(r.task, root, sin(0, 53));
  expectErr(() => bind(r.task, udpSocket(r), { family: 10 as typeof AF_INET, addr: 0, port: 1 }), 'EAFNOSUPPORT');
});

test('bind to port 0: ephemeral ports from ip_local_port_range, all different, until the range is used up', () => {
  const r = rig();
  const sys = ipv4Net(r.net).sysctl;
  const seen = new Set<number>();
  for (let i = 0; i < 200; i++) {
    const fd = udpSocket(r);
    bind(r.task, fd, sin(0, 0));
    const port = (getsockname(r.task, fd) as SockaddrIn).port;
    assert.ok(port >= sys.ipLocalPortLow && port <= sys.ipLocalPortHigh, `port ${port}`);
    assert.ok(!seen.has(port));
    seen.add(port);
  }
  // Randomised: not a run of consecutive ports.
  const sorted = [...seen].sort((x, y) => x - y);
  assert.ok(sorted[sorted.length - 1]! - sorted[0]! > 1000);
  // A small range is exhausted: EADDRINUSE.
  sys.ipLocalPortLow = 40000;
  sys.ipLocalPortHigh = 40003;
  sys.ipLocalReservedPorts.add(40001);
  const got: number[] = [];
  for (let i = 0; i < 3; i++) {
    const fd = udpSocket(r);
    bind(r.task, fd, sin(0, 0));
    got.push((getsockname(r.task, fd) as SockaddrIn).port);
  }
  assert.deepEqual(got.sort(), [40000, 40002, 40003]);
  expectErr(() => bind(r.task, udpSocket(r), sin(0, 0)), 'EADDRINUSE');
});

test('SO_REUSEPORT: a group of four sockets shares the port, flows spread by 4-tuple and stay put', () => {
  const r = rig();
  const fds: number[] = [];
  for (let i = 0; i < 4; i++) {
    const fd = udpSocket(r);
    setsockopt(r.task, fd, SOL_SOCKET, SO_REUSEPORT, 1);
    bind(r.task, fd, sin(0, 5353));
    fds.push(fd);
  }
  // Without SO_REUSEPORT, or as another user, the port is taken.
  expectErr(() => bind(r.task, udpSocket(r), sin(0, 5353)), 'EADDRINUSE');
  const other = new Task(r.k, r.net, new BufferStdio(), new BufferStdio(), 3);
  other.uid = 1000;
  const o = socket(other, AF_INET, SOCK_DGRAM, 0);
  setsockopt(other, o, SOL_SOCKET, SO_REUSEPORT, 1);
  expectErr(() => bind(other, o, sin(0, 5353)), 'EADDRINUSE');
  for (let sport = 1000; sport < 1200; sport++) deliver(r, udpPacket({ sport, dport: 5353 }));
  const counts = fds.map((fd) => skOf(r, fd).receiveQueue.qlen);
  assert.equal(counts.reduce((x, y) => x + y, 0), 200);
  for (const c of counts) assert.ok(c > 20, `spread ${counts.join(',')}`);
  // The same flow always reaches the same socket.
  const before = fds.map((fd) => skOf(r, fd).receiveQueue.qlen);
  for (let i = 0; i < 10; i++) deliver(r, udpPacket({ sport: 1234, dport: 5353 }));
  const after = fds.map((fd, i) => skOf(r, fd).receiveQueue.qlen - before[i]!);
  assert.deepEqual(after.filter((x) => x !== 0), [10]);
});

test('udp_rcv: an address-bound socket wins over a wildcard one; InDatagrams counts reads', () => {
  const r = rig();
  const any = udpSocket(r);
  setsockopt(r.task, any, SOL_SOCKET, SO_REUSEADDR, 1);
  bind(r.task, any, sin(0, 5000));
  const spec = udpSocket(r);
  setsockopt(r.task, spec, SOL_SOCKET, SO_REUSEADDR, 1);
  setsockopt(r.task, spec, SOL_IP, IP_FREEBIND, 1);
  bind(r.task, spec, sin(B, 5000));
  deliver(r, udpPacket({ daddr: B }));
  deliver(r, udpPacket({ daddr: 0x0a000003 }));
  assert.equal(skOf(r, spec).receiveQueue.qlen, 1);
  assert.equal(skOf(r, any).receiveQueue.qlen, 1);
  const mib = ipv4Net(r.net).mib.udp;
  assert.equal(mib[UDP_MIB_INDATAGRAMS], 0);
  const buf = new Uint8Array(100);
  const from = sin(0, 0);
  assert.equal(recvfromNow(r.task, spec, buf, 0, from), 4);
  assert.deepEqual(from, sin(A, 40000));
  assert.deepEqual([...buf.subarray(0, 4)], [1, 2, 3, 4]);
  assert.equal(mib[UDP_MIB_INDATAGRAMS], 1);
});

test('recvmsg: MSG_PEEK leaves the datagram, MSG_TRUNC reports its real length, FIONREAD its size', () => {
  const r = rig();
  const fd = udpSocket(r);
  bind(r.task, fd, sin(0, 5000));
  const payload = new Uint8Array(100).map((_, i) => i);
  deliver(r, udpPacket({ payload }));
  assert.equal(ioctl(r.task, fd, FIONREAD), 100);
  const p = recvmsgNow(r.task, fd, 10, MSG_PEEK)!;
  assert.equal(p.data.length, 10);
  assert.equal(p.fullLength, 100);
  assert.equal(p.flags & MSG_TRUNC, MSG_TRUNC);
  assert.equal(ipv4Net(r.net).mib.udp[UDP_MIB_INDATAGRAMS], 0);
  const buf = new Uint8Array(10);
  assert.equal(recvfromNow(r.task, fd, buf, MSG_TRUNC), 100);
  assert.deepEqual([...buf], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(recvmsgNow(r.task, fd), null);
  assert.equal(ioctl(r.task, fd, FIONREAD), 0);
  assert.equal(ipv4Net(r.net).mib.udp[UDP_MIB_INDATAGRAMS], 1);
});

test('recvmsg: IP_PKTINFO and IP_RECVTTL control messages', () => {
  const r = rig();
  const fd = udpSocket(r);
  bind(r.task, fd, sin(0, 5000));
  setsockopt(r.task, fd, SOL_IP, IP_PKTINFO, 1);
  setsockopt(r.task, fd, SOL_IP, IP_RECVTTL, 1);
  deliver(r, udpPacket({ ttl: 33 }));
  const m = recvmsgNow(r.task, fd)!;
  assert.equal(m.cmsgs.length, 2);
  assert.equal(m.cmsgs[0]!.type, IP_PKTINFO);
  assert.equal((m.cmsgs[0]!.data as { addr: number }).addr, B);
  assert.deepEqual(m.cmsgs[1], { level: SOL_IP, type: IP_TTL, data: 33 });
});

test('udp_rcv: bad checksum counted when read, zero checksum accepted, short datagrams dropped', () => {
  const r = rig();
  const fd = udpSocket(r);
  bind(r.task, fd, sin(0, 5000));
  const mib = ipv4Net(r.net).mib.udp;
  deliver(r, udpPacket({ check: 0x1234 }));
  deliver(r, udpPacket({ check: 0, payload: new Uint8Array([9]) }));
  assert.equal(mib[UDP_MIB_CSUMERRORS], 0);
  const m = recvmsgNow(r.task, fd)!;
  assert.deepEqual([...m.data], [9]);
  assert.equal(mib[UDP_MIB_CSUMERRORS], 1);
  assert.equal(mib[UDP_MIB_INERRORS], 1);
  assert.equal(skOf(r, fd).drops, 1);
  // UDP length larger than the IP payload, or below 8.
  deliver(r, udpPacket({ ulen: 200 }));
  deliver(r, udpPacket({ ulen: 4 }));
  assert.equal(mib[UDP_MIB_INERRORS], 3);
  // A UDP length shorter than the IP payload trims the padding.
  const padded = udpPacket({ payload: new Uint8Array([5, 6, 7, 8]) });
  padded[24] = 0; padded[25] = 10; // ulen 10: payload [5, 6]
  padded[26] = 0; padded[27] = 0;
  deliver(r, padded);
  assert.deepEqual([...recvmsgNow(r.task, fd)!.data], [5, 6]);
});

test('udp_rcv: no socket -> NoPorts (and port unreachable); broadcast with no socket -> IgnoredMulti', () => {
  const r = rig();
  const mib = ipv4Net(r.net).mib.udp;
  deliver(r, udpPacket({ dport: 9 }));
  assert.equal(mib[UDP_MIB_NOPORTS], 1);
  deliver(r, udpPacket({ dport: 9, daddr: 0xffffffff }), RTCF_BROADCAST);
  assert.equal(mib[UDP_MIB_NOPORTS], 1);
  assert.equal(mib[UDP_MIB_IGNOREDMULTI], 1);
  // Broadcast reaches every wildcard socket on the port.
  const a = udpSocket(r);
  const b = udpSocket(r);
  setsockopt(r.task, a, SOL_SOCKET, SO_REUSEADDR, 1);
  setsockopt(r.task, b, SOL_SOCKET, SO_REUSEADDR, 1);
  bind(r.task, a, sin(0, 67));
  bind(r.task, b, sin(0, 67));
  deliver(r, udpPacket({ dport: 67, daddr: 0xffffffff }), RTCF_BROADCAST);
  assert.equal(skOf(r, a).receiveQueue.qlen, 1);
  assert.equal(skOf(r, b).receiveQueue.qlen, 1);
  assert.deepEqual([...recvmsgNow(r.task, a)!.data], [1, 2, 3, 4]);
  assert.deepEqual([...recvmsgNow(r.task, b)!.data], [1, 2, 3, 4]);
});

test('receive buffer overflow: RcvbufErrors + InErrors and sk_drops', () => {
  const r = rig();
  const fd = udpSocket(r);
  bind(r.task, fd, sin(0, 5000));
  setsockopt(r.task, fd, SOL_SOCKET, SO_RCVBUF, 1); // the minimum, 2304
  assert.equal(getsockopt(r.task, fd, SOL_SOCKET, SO_RCVBUF), 2304);
  for (let i = 0; i < 20; i++) deliver(r, udpPacket());
  const sk = skOf(r, fd);
  const mib = ipv4Net(r.net).mib.udp;
  assert.ok(sk.receiveQueue.qlen >= 1 && sk.receiveQueue.qlen < 20);
  assert.equal(mib[UDP_MIB_RCVBUFERRORS], 20 - sk.receiveQueue.qlen);
  assert.equal(mib[UDP_MIB_INERRORS], 20 - sk.receiveQueue.qlen);
  assert.equal(sk.drops, 20 - sk.receiveQueue.qlen);
  setsockopt(r.task, fd, SOL_SOCKET, SO_RCVBUF, 1 << 30); // capped at rmem_max, doubled
  assert.equal(getsockopt(r.task, fd, SOL_SOCKET, SO_RCVBUF), 212992 * 2);
});

/** An ICMP error skb as icmp_unreach hands it to the err handler: data at the quoted IP header. */
function icmpError(r: Rig, type: number, code: number, quoted: Uint8Array, from = 0x0a000009): SkBuff {
  const icmp = new Uint8Array(8 + quoted.length);
  icmp[0] = type; icmp[1] = code;
  icmp.set(quoted, 8);
  const outer: IpRepr = {
    tos: 0, totLen: 20 + icmp.length, id: 9, fragOff: 0, ttl: 64, protocol: IPPROTO_ICMP, saddr: from, daddr: B,
    options: new Uint8Array(0), check: 0,
  };
  const b = new Uint8Array(20 + icmp.length);
  ipReprEmit(outer, b, 0);
  b.set(icmp, 20);
  const skb = skbFromBytes(r.dev, b);
  skb.networkHeader = skb.data;
  skb.transportHeader = skb.data + 20;
  skb.data = skb.transportHeader + 8;
  return skb;
}

test('udp_err: port unreachable on a connected socket -> ECONNREFUSED once; unconnected sockets ignore it', async () => {
  const r = rig();
  const fd = udpSocket(r);
  setsockopt(r.task, fd, SOL_IP, IP_FREEBIND, 1);
  bind(r.task, fd, sin(B, 0));
  const sk = skOf(r, fd);
  // As connect(A:7) leaves it (connect itself needs a route).
  sk.inetDaddr = A;
  sk.inetDport = 7;
  sk.state = TCP_ESTABLISHED;
  assert.deepEqual(getpeername(r.task, fd), sin(A, 7));
  const quoted = udpPacket({ saddr: B, daddr: A, sport: sk.inetSport, dport: 7 });
  assert.equal(udpErr(icmpError(r, 3, 3, quoted), 0), 0);
  await assert.rejects(recvmsg(r.task, fd), (e: unknown) => e instanceof SystemError && e.code === 'ECONNREFUSED');
  assert.equal(recvmsgNow(r.task, fd), null);
  // Host unreachable is a soft error: not reported on a connected socket without IP_RECVERR.
  udpErr(icmpError(r, 3, 1, quoted), 0);
  assert.equal(getsockopt(r.task, fd, SOL_SOCKET, SO_ERROR), 0);
  // An error for nobody's datagram counts Icmp InErrors.
  udpErr(icmpError(r, 3, 3, udpPacket({ saddr: B, daddr: A, sport: 1, dport: 7 })), 0);
  assert.equal(ipv4Net(r.net).mib.icmp[ICMP_MIB_INERRORS], 1);
  const u = udpSocket(r);
  bind(r.task, u, sin(0, 5555));
  udpErr(icmpError(r, 3, 3, udpPacket({ saddr: B, daddr: A, sport: 5555, dport: 7 })), 0);
  assert.equal(getsockopt(r.task, u, SOL_SOCKET, SO_ERROR), 0);
});

test('IP_RECVERR: the error queue returns the payload, the destination and sock_extended_err with the offender', () => {
  const r = rig();
  const fd = udpSocket(r);
  bind(r.task, fd, sin(0, 5555));
  setsockopt(r.task, fd, SOL_IP, IP_RECVERR, 1);
  const quoted = udpPacket({ saddr: B, daddr: A, sport: 5555, dport: 33434, payload: new Uint8Array([7, 7, 7]) });
  udpErr(icmpError(r, 3, 3, quoted, 0x0a000009), 0);
  // sk_err is set too: the next ordinary receive reports it.
  expectErr(() => recvmsgNow(r.task, fd), 'ECONNREFUSED');
  udpErr(icmpError(r, 11, 0, quoted, 0x0a0000fe), 0);
  const m = recvmsgNow(r.task, fd, 65536, MSG_ERRQUEUE)!;
  assert.deepEqual([...m.data], [7, 7, 7]);
  assert.deepEqual(m.addr, sin(A, 33434));
  assert.equal(m.flags & MSG_ERRQUEUE, MSG_ERRQUEUE);
  const ee = m.cmsgs.find((c) => c.type === IP_RECVERR)!.data as Record<string, number>;
  assert.deepEqual(ee, { eeErrno: 111, eeOrigin: SO_EE_ORIGIN_ICMP, eeType: 3, eeCode: 3, eeInfo: 0, eeData: 0, offender: 0x0a000009 });
  // The second error (time exceeded -> EHOSTUNREACH) is now pending in sk_err.
  assert.equal(getsockopt(r.task, fd, SOL_SOCKET, SO_ERROR), 113);
  const m2 = recvmsgNow(r.task, fd, 2, MSG_ERRQUEUE)!;
  assert.equal(m2.flags & MSG_TRUNC, MSG_TRUNC);
  assert.equal((m2.cmsgs.at(-1)!.data as { offender: number }).offender, 0x0a0000fe);
  assert.equal(recvmsgNow(r.task, fd, 65536, MSG_ERRQUEUE), null);
  // Turning IP_RECVERR off purges the queue.
  udpErr(icmpError(r, 3, 3, quoted), 0);
  setsockopt(r.task, fd, SOL_IP, IP_RECVERR, 0);
  assert.equal(skOf(r, fd).errorQueue.qlen, 0);
});

test('socket options: IP_TTL, IP_TOS, IP_MTU needs a connection; datagram sockets cannot listen or accept', async () => {
  const r = rig();
  const fd = udpSocket(r);
  assert.equal(getsockopt(r.task, fd, SOL_IP, IP_TTL), 64);
  setsockopt(r.task, fd, SOL_IP, IP_TTL, 5);
  assert.equal(getsockopt(r.task, fd, SOL_IP, IP_TTL), 5);
  expectErr(() => setsockopt(r.task, fd, SOL_IP, IP_TTL, 256), 'EINVAL');
  setsockopt(r.task, fd, SOL_IP, IP_TOS, 0x10);
  assert.equal(getsockopt(r.task, fd, SOL_IP, IP_TOS), 0x10);
  expectErr(() => getsockopt(r.task, fd, SOL_IP, IP_MTU), 'ENOTCONN');
  expectErr(() => getpeername(r.task, fd), 'ENOTCONN');
  expectErr(() => listen(r.task, fd, 5), 'EOPNOTSUPP');
  await assert.rejects(accept(r.task, fd), (e: unknown) => e instanceof SystemError && e.code === 'EOPNOTSUPP');
  // shutdown on an unconnected socket: ENOTCONN, but a blocking read then returns 0.
  bind(r.task, fd, sin(0, 0));
  expectErr(() => shutdown(r.task, fd, SHUT_RD), 'ENOTCONN');
  const m = await recvmsg(r.task, fd);
  assert.equal(m.data.length, 0);
  assert.equal(recvmsgNow(r.task, fd, 100, MSG_DONTWAIT), null);
});

test('random datagrams into udp_rcv never throw and every skb is freed once', () => {
  const r = rig();
  const fd = udpSocket(r);
  bind(r.task, fd, sin(0, 5000));
  let n = 0;
  fc.assert(fc.property(
    fc.uint8Array({ minLength: 0, maxLength: 80 }), fc.integer({ min: 0, max: 0xffff }), fc.boolean(), fc.boolean(),
    (tail, dport, good, bcast) => {
      const payload = tail.subarray(0, Math.max(0, tail.length - 8));
      const bytes = udpPacket({ dport: dport % 3 === 0 ? 5000 : dport, payload });
      // Randomise the UDP header and keep the IP header.
      const b = new Uint8Array(20 + tail.length);
      b.set(bytes.subarray(0, 20));
      b.set(tail, 20);
      const use = good ? bytes : b;
      deliver(r, use, bcast ? RTCF_BROADCAST : RTCF_LOCAL);
      n++;
      while (recvmsgNow(r.task, fd)) { /* drain */ }
    }), { numRuns: 400 });
  assert.equal(r.freedOwn.size, n);
  for (const v of r.freedOwn.values()) assert.equal(v, 1);
});

test('loopback: connect/disconnect (AF_UNSPEC), UDP_CORK and MSG_MORE build one datagram, /proc/net/udp lines', async () => {
  const r = rig();
  const LO = 0x7f000001;
  const srv = udpSocket(r);
  bind(r.task, srv, sin(LO, 5000));
  const cli = udpSocket(r);
  await connect(r.task, cli, sin(LO, 5000));
  const me = getsockname(r.task, cli) as SockaddrIn;
  assert.equal(me.addr, LO);
  assert.ok(me.port >= 32768 && me.port <= 60999);
  // Corked: three sends, one datagram.
  setsockopt(r.task, cli, SOL_UDP, UDP_CORK, 1);
  send(r.task, cli, new Uint8Array([1, 2]));
  send(r.task, cli, new Uint8Array([3]));
  assert.equal(recvmsgNow(r.task, srv), null);
  setsockopt(r.task, cli, SOL_UDP, UDP_CORK, 0);
  assert.deepEqual([...recvmsgNow(r.task, srv)!.data], [1, 2, 3]);
  send(r.task, cli, new Uint8Array([4]), MSG_MORE);
  send(r.task, cli, new Uint8Array([5]));
  assert.deepEqual([...recvmsgNow(r.task, srv)!.data], [4, 5]);
  // /proc/net/udp: the connected socket with its peer, state 01; the server 07 with its queue.
  send(r.task, cli, new Uint8Array(10));
  const lines = readFile(r.task, '/proc/net/udp').split('\n');
  assert.equal(lines[0], '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops'.padEnd(127));
  const hex = (p: number): string => p.toString(16).toUpperCase().padStart(4, '0');
  const c = lines.find((l) => l.includes(`0100007F:${hex(me.port)} 0100007F:1388 01 `))!;
  assert.match(c, /^ {0,4}\d+: 0100007F:[0-9A-F]{4} 0100007F:1388 01 00000000:00000000 00:00000000 00000000 {5}0 {8}0 \d+ 2 [0-9A-F]{16} 0 *$/);
  assert.equal(c.length, 127);
  const s = lines.find((l) => l.includes('0100007F:1388 00000000:0000 07 '))!;
  assert.match(s, /07 00000000:[0-9A-F]{8} /);
  assert.notEqual(s.match(/07 00000000:([0-9A-F]{8}) /)![1], '00000000');
  // connect(AF_UNSPEC): no peer, and the autobound port is released.
  await connect(r.task, cli, { family: AF_UNSPEC });
  expectErr(() => getpeername(r.task, cli), 'ENOTCONN');
  assert.deepEqual(getsockname(r.task, cli), sin(0, 0));
  expectErr(() => send(r.task, cli, new Uint8Array(1)), 'EDESTADDRREQ');
});
