import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testKernel, ethFrame, BCAST } from '../../test/harness/kernel.js';
import { vethCreate } from '../drivers/veth.js';
import { devOpen, devClose, devChangeFlags, devGetFlags, unregisterNetdevice, ETH_P_ALL } from '../core/dev.js';
import { IFF_PROMISC, IFF_UP, type NetDevice } from '../core/netdevice.js';
import { PACKET_HOST, PACKET_OUTGOING, PACKET_BROADCAST, PACKET_OTHERHOST } from '../core/skbuff.js';
import type { Kernel, Net } from '../core/net_namespace.js';
import { Task } from '../socket/task.js';
import { BufferStdio } from '../tools/tool.js';
import * as sys from '../socket/syscalls.js';
import {
  AF_PACKET, SOCK_RAW, SOCK_DGRAM, SOCK_NONBLOCK, SOL_PACKET, SOL_SOCKET, SO_RCVBUF, SO_ERROR, SO_RCVTIMEO, MSG_PEEK, MSG_TRUNC,
  MSG_DONTWAIT,
  type SockaddrLl,
} from '../socket/socket.js';
import {
  PACKET_ADD_MEMBERSHIP, PACKET_DROP_MEMBERSHIP, PACKET_MR_PROMISC, PACKET_MR_ALLMULTI, PACKET_STATISTICS,
  PACKET_IGNORE_OUTGOING, PACKET_AUXDATA, type TpacketStats, type TpacketAuxdata, SO_TIMESTAMPNS, SCM_TIMESTAMPNS,
  type Timespec,
} from './af_packet.js';

const P_TEST = 0x88b5;

interface Lab {
  k: Kernel;
  a: NetDevice;
  b: NetDevice;
  ta: Task;
  tb: Task;
  nsB: Net;
}

function lab(): Lab {
  const k = testKernel();
  const nsB = k.newNet();
  const r = vethCreate(k.initNet, { name: 'veth0', peerName: 'veth1', peerNet: nsB });
  assert.ok(Array.isArray(r));
  const [a, b] = r;
  devOpen(a);
  devOpen(b);
  const ta = new Task(k, k.initNet, new BufferStdio(), new BufferStdio());
  const tb = new Task(k, nsB, new BufferStdio(), new BufferStdio());
  return { k, a, b, ta, tb, nsB };
}

function ll(dev: NetDevice, protocol = 0, addr: Uint8Array = new Uint8Array(0)): SockaddrLl {
  return { family: AF_PACKET, protocol, ifindex: dev.ifindex, hatype: 0, pktType: 0, addr };
}

function rawSocket(t: Task, dev: NetDevice | null, protocol = ETH_P_ALL, type = SOCK_RAW): number {
  const fd = sys.socket(t, AF_PACKET, type | SOCK_NONBLOCK, protocol);
  if (dev) sys.bind(t, fd, ll(dev, protocol));
  return fd;
}

function drain(t: Task, fd: number): { len: number; pkt: number; proto: number; ifindex: number; data: Uint8Array }[] {
  const out = [];
  for (;;) {
    const r = sys.recvmsgNow(t, fd);
    if (!r) return out;
    const a = r.addr as SockaddrLl;
    out.push({ len: r.data.length, pkt: a.pktType, proto: a.protocol, ifindex: a.ifindex, data: r.data });
  }
}

test('SOCK_RAW ETH_P_ALL sees both directions; PACKET_OUTGOING for sent frames; the sender does not see its own', () => {
  const { a, b, ta, tb } = lab();
  const snifA = rawSocket(ta, a);
  const snifB = rawSocket(tb, b);
  const tx = rawSocket(ta, a, P_TEST);
  const frame = ethFrame(b.devAddr, a.devAddr, P_TEST, 46);
  assert.equal(sys.sendto(ta, tx, frame), 60);
  const gotA = drain(ta, snifA);
  assert.deepEqual(gotA.map((p) => [p.len, p.pkt, p.proto, p.ifindex]), [[60, PACKET_OUTGOING, P_TEST, a.ifindex]]);
  assert.deepEqual([...gotA[0]!.data], [...frame]);
  const gotB = drain(tb, snifB);
  assert.deepEqual(gotB.map((p) => [p.len, p.pkt, p.proto, p.ifindex]), [[60, PACKET_HOST, P_TEST, b.ifindex]]);
  assert.deepEqual(drain(ta, tx), [], 'skb_loop_sk: no copy of its own frame');
  // Source address of a received frame is the sender's MAC.
  sys.sendto(ta, tx, ethFrame(BCAST, a.devAddr, P_TEST, 46));
  const r = sys.recvmsgNow(tb, snifB)!;
  assert.deepEqual([...(r.addr as SockaddrLl).addr], [...a.devAddr]);
  assert.equal((r.addr as SockaddrLl).pktType, PACKET_BROADCAST);
});

test('ETH_P_ALL vs a specific protocol: the protocol socket sees only its type and no outgoing frames', () => {
  const { a, b, ta, tb } = lab();
  const all = rawSocket(tb, b);
  const only = rawSocket(tb, b, P_TEST);
  const back = rawSocket(tb, b, 0x88b6);
  const tx = rawSocket(ta, a, P_TEST);
  sys.sendto(ta, tx, ethFrame(b.devAddr, a.devAddr, P_TEST, 46));
  sys.sendto(ta, tx, ethFrame(b.devAddr, a.devAddr, 0x88b6, 46));
  assert.equal(drain(tb, all).length, 2);
  assert.deepEqual(drain(tb, only).map((p) => p.proto), [P_TEST]);
  // A frame b sends: the ETH_P_ALL socket sees it outgoing; the 0x88b6 socket does not.
  drain(tb, back);
  sys.sendto(tb, back, ethFrame(a.devAddr, b.devAddr, 0x88b6, 46));
  assert.deepEqual(drain(tb, all).map((p) => p.pkt), [PACKET_OUTGOING]);
  assert.deepEqual(drain(tb, back), []);
});

test('SOCK_DGRAM strips the link header on receive and builds it on send', () => {
  const { a, b, ta, tb } = lab();
  const rx = rawSocket(tb, b, P_TEST, SOCK_DGRAM);
  const snif = rawSocket(tb, b);
  const tx = sys.socket(ta, AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK, P_TEST);
  const payload = Uint8Array.from({ length: 50 }, (_, i) => i);
  assert.equal(sys.sendto(ta, tx, payload, ll(a, P_TEST, b.devAddr)), 50);
  const got = drain(tb, rx);
  assert.equal(got.length, 1);
  assert.deepEqual([...got[0]!.data], [...payload]);
  const raw = drain(tb, snif)[0]!.data;
  assert.deepEqual([...raw.subarray(0, 14)], [...b.devAddr, ...a.devAddr, 0x88, 0xb5]);
  // An outgoing frame on a SOCK_DGRAM sniffer starts at the network header.
  const dsnif = rawSocket(ta, a, ETH_P_ALL, SOCK_DGRAM);
  sys.sendto(ta, tx, payload, ll(a, P_TEST, b.devAddr));
  assert.deepEqual([...drain(ta, dsnif)[0]!.data], [...payload]);
  // Without an address and not bound to a device there is nowhere to send.
  assert.throws(() => sys.sendto(ta, tx, payload), { code: 'ENXIO' });
});

test('send errors: short SOCK_RAW frame EINVAL, over MTU EMSGSIZE, down device ENETDOWN', () => {
  const { a, ta } = lab();
  const tx = rawSocket(ta, a, P_TEST);
  assert.throws(() => sys.sendto(ta, tx, new Uint8Array(10)), { code: 'EINVAL' });
  assert.throws(() => sys.sendto(ta, tx, new Uint8Array(1500 + 14 + 5)), { code: 'EMSGSIZE' });
  assert.equal(sys.sendto(ta, tx, new Uint8Array(1514)), 1514);
  devClose(a);
  assert.throws(() => sys.sendto(ta, tx, new Uint8Array(60)), { code: 'ENETDOWN' });
});

test('PACKET_MR_PROMISC counts promiscuity; `ip link set promisc on` (gflags) is separate; release undoes it', () => {
  const { a, ta } = lab();
  const s1 = rawSocket(ta, a);
  const s2 = rawSocket(ta, a);
  const mreq = { ifindex: a.ifindex, type: PACKET_MR_PROMISC };
  sys.setsockopt(ta, s1, SOL_PACKET, PACKET_ADD_MEMBERSHIP, mreq);
  assert.equal(a.promiscuity, 1);
  assert.ok(a.flags & IFF_PROMISC);
  assert.equal(devGetFlags(a) & IFF_PROMISC, 0, 'userspace flags show gflags only');
  sys.setsockopt(ta, s1, SOL_PACKET, PACKET_ADD_MEMBERSHIP, mreq);
  assert.equal(a.promiscuity, 1, 'the same membership twice is one promiscuity reference');
  sys.setsockopt(ta, s2, SOL_PACKET, PACKET_ADD_MEMBERSHIP, mreq);
  assert.equal(a.promiscuity, 2);
  devChangeFlags(a, devGetFlags(a) | IFF_PROMISC);
  assert.equal(a.promiscuity, 3);
  assert.ok(devGetFlags(a) & IFF_PROMISC);
  sys.setsockopt(ta, s1, SOL_PACKET, PACKET_DROP_MEMBERSHIP, mreq);
  assert.equal(a.promiscuity, 3, 'one of two counts dropped');
  sys.setsockopt(ta, s1, SOL_PACKET, PACKET_DROP_MEMBERSHIP, mreq);
  assert.equal(a.promiscuity, 2);
  sys.setsockopt(ta, s1, SOL_PACKET, PACKET_DROP_MEMBERSHIP, mreq);
  assert.equal(a.promiscuity, 2, 'dropping what is not there is not an error and changes nothing');
  sys.setsockopt(ta, s2, SOL_PACKET, PACKET_ADD_MEMBERSHIP, { ifindex: a.ifindex, type: PACKET_MR_ALLMULTI });
  assert.equal(a.allmulti, 1);
  sys.close(ta, s2);
  assert.equal(a.promiscuity, 1, 'release drops the socket memberships');
  assert.equal(a.allmulti, 0);
  devChangeFlags(a, devGetFlags(a) & ~IFF_PROMISC);
  assert.equal(a.promiscuity, 0);
  assert.equal(a.flags & IFF_PROMISC, 0);
  assert.throws(() => sys.setsockopt(ta, s1, SOL_PACKET, PACKET_ADD_MEMBERSHIP, { ifindex: 99, type: PACKET_MR_PROMISC }),
    { code: 'ENODEV' });
});

test('deleting a device with a bound socket: deletion succeeds, the socket gets ENETDOWN once and is unbound', () => {
  const { a, b, tb } = lab();
  const s = rawSocket(tb, b);
  sys.setsockopt(tb, s, SOL_PACKET, PACKET_ADD_MEMBERSHIP, { ifindex: b.ifindex, type: PACKET_MR_PROMISC });
  assert.equal(b.promiscuity, 1);
  unregisterNetdevice(a);
  assert.equal(b.regState, 3, 'the peer is gone too');
  assert.equal(b.promiscuity, 0, 'membership dropped on NETDEV_UNREGISTER');
  assert.throws(() => sys.recvmsgNow(tb, s), { code: 'ENETDOWN' });
  assert.equal(sys.recvmsgNow(tb, s), null, 'the error is reported once');
  assert.equal((sys.getsockname(tb, s) as SockaddrLl).ifindex, -1);
  sys.close(tb, s);
});

test('a blocking reader is woken with ENETDOWN when its device goes down; it is rehooked on up', async () => {
  const { k, a, b, ta, tb } = lab();
  const s = sys.socket(tb, AF_PACKET, SOCK_RAW, ETH_P_ALL);
  sys.bind(tb, s, ll(b, ETH_P_ALL));
  const pending = sys.recvmsg(tb, s).then(() => 'data', (e: { code: string }) => e.code);
  await k.sleep(1000);
  devClose(b);
  assert.equal(await pending, 'ENETDOWN');
  assert.equal(sys.getsockopt(tb, s, SOL_SOCKET, SO_ERROR), 0);
  devOpen(b);
  const tx = rawSocket(ta, a, P_TEST);
  sys.sendto(ta, tx, ethFrame(b.devAddr, a.devAddr, P_TEST, 46));
  const r = await sys.recvmsg(tb, s);
  assert.equal(r.data.length, 60);
  // Binding to a down device succeeds and reports ENETDOWN on the socket.
  devClose(b);
  const s2 = sys.socket(tb, AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, ETH_P_ALL);
  sys.bind(tb, s2, ll(b, ETH_P_ALL));
  assert.equal(sys.getsockopt(tb, s2, SOL_SOCKET, SO_ERROR), 100);
  void a;
});

test('receive buffer limit: drops counted in PACKET_STATISTICS (tp_packets includes drops, read resets)', () => {
  const { a, b, ta, tb } = lab();
  const s = rawSocket(tb, b);
  sys.setsockopt(tb, s, SOL_SOCKET, SO_RCVBUF, 2000);
  assert.equal(sys.getsockopt(tb, s, SOL_SOCKET, SO_RCVBUF), 4000);
  const tx = rawSocket(ta, a, P_TEST);
  for (let i = 0; i < 10; i++) sys.sendto(ta, tx, ethFrame(b.devAddr, a.devAddr, P_TEST, 1000));
  const got = drain(tb, s).length;
  assert.ok(got >= 1 && got < 10, `got ${got}`);
  const st = sys.getsockopt(tb, s, SOL_PACKET, PACKET_STATISTICS) as TpacketStats;
  assert.deepEqual(st, { tpPackets: 10, tpDrops: 10 - got });
  assert.deepEqual(sys.getsockopt(tb, s, SOL_PACKET, PACKET_STATISTICS), { tpPackets: 0, tpDrops: 0 });
});

test('PACKET_IGNORE_OUTGOING, PACKET_AUXDATA and SO_TIMESTAMPNS', () => {
  const { k, a, b, ta } = lab();
  const s = rawSocket(ta, a);
  sys.setsockopt(ta, s, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1);
  sys.setsockopt(ta, s, SOL_PACKET, PACKET_AUXDATA, 1);
  sys.setsockopt(ta, s, SOL_SOCKET, SO_TIMESTAMPNS, 1);
  assert.throws(() => sys.setsockopt(ta, s, SOL_PACKET, PACKET_IGNORE_OUTGOING, 2), { code: 'EINVAL' });
  const tx = rawSocket(ta, a, P_TEST);
  sys.sendto(ta, tx, ethFrame(b.devAddr, a.devAddr, P_TEST, 46));
  assert.deepEqual(drain(ta, s), []);
  // Something coming in: from b's side, with another MAC as destination (veth passes it up as OTHERHOST).
  const tb2 = new Task(k, b.net, new BufferStdio(), new BufferStdio());
  const txb = rawSocket(tb2, b, P_TEST);
  sys.sendto(tb2, txb, ethFrame(Uint8Array.of(2, 0, 0, 0, 0, 9), b.devAddr, P_TEST, 46));
  const r = sys.recvmsgNow(ta, s)!;
  assert.equal((r.addr as SockaddrLl).pktType, PACKET_OTHERHOST);
  const aux = r.cmsgs.find((c) => c.type === PACKET_AUXDATA)!.data as TpacketAuxdata;
  assert.equal(aux.tpLen, 60);
  assert.equal(aux.tpNet, 14);
  const ts = r.cmsgs.find((c) => c.level === SOL_SOCKET && c.type === SCM_TIMESTAMPNS)!.data as Timespec;
  assert.equal(ts.tvSec, 1_700_000_000);
  assert.ok(a.flags & IFF_UP);
});

test('received data belongs to the reader: two sockets sharing a frame, a peek and the next frame do not alias it', () => {
  const { a, b, ta, tb } = lab();
  const s1 = rawSocket(tb, b);
  const s2 = rawSocket(tb, b, P_TEST);
  const tx = rawSocket(ta, a, P_TEST);
  const f1 = ethFrame(b.devAddr, a.devAddr, P_TEST, 46);
  f1[20] = 0x11;
  sys.sendto(ta, tx, f1);
  // Both sockets got the same (shared) skb: each reader gets its own bytes.
  const r1 = sys.recvmsgNow(tb, s1)!;
  r1.data.fill(0xee);
  const r2 = sys.recvmsgNow(tb, s2)!;
  assert.deepEqual([...r2.data], [...f1]);
  assert.deepEqual(r2.cmsgs, []);
  // A peek is a copy; the datagram taken afterwards is unchanged by writes to it.
  sys.sendto(ta, tx, f1);
  const p = sys.recvmsgNow(tb, s2, 65536, MSG_PEEK)!;
  p.data.fill(0xdd);
  const r3 = sys.recvmsgNow(tb, s2)!;
  assert.deepEqual([...r3.data], [...f1]);
  assert.deepEqual([...(r3.addr as SockaddrLl).addr], [...a.devAddr]);
  // Later frames do not overwrite what was read before; a short read is truncated.
  const f2 = ethFrame(b.devAddr, a.devAddr, P_TEST, 46);
  f2[20] = 0x22;
  sys.sendto(ta, tx, f2);
  const r4 = sys.recvmsgNow(tb, s2, 20)!;
  assert.deepEqual([...r4.data], [...f2.subarray(0, 20)]);
  assert.equal(r4.flags & MSG_TRUNC, MSG_TRUNC);
  assert.equal(r4.fullLength, 60);
  assert.deepEqual([...r3.data], [...f1]);
  drain(tb, s1);
});

test('recvfrom into a caller buffer: data, address filled in place, truncation, MSG_TRUNC, peek, EAGAIN', () => {
  const { a, b, ta, tb } = lab();
  const s = rawSocket(tb, b, P_TEST);
  const tx = rawSocket(ta, a, P_TEST);
  const f1 = ethFrame(b.devAddr, a.devAddr, P_TEST, 46);
  f1[20] = 0x11;
  const buf = new Uint8Array(2048);
  const mac = new Uint8Array(6);
  const from: SockaddrLl = { family: AF_PACKET, protocol: 0, ifindex: 0, hatype: 0, pktType: -1, addr: mac };
  assert.throws(() => sys.recvfromNow(tb, s, buf, 0, from), { code: 'EAGAIN', syscall: 'recvfrom' });
  sys.sendto(ta, tx, f1);
  // A peek copies and leaves the frame queued.
  const pbuf = new Uint8Array(2048);
  assert.equal(sys.recvfromNow(tb, s, pbuf, MSG_PEEK, null), 60);
  assert.deepEqual([...pbuf.subarray(0, 60)], [...f1]);
  assert.equal(sys.recvfromNow(tb, s, buf, 0, from), 60);
  assert.deepEqual([...buf.subarray(0, 60)], [...f1]);
  assert.equal(from.addr, mac, 'the caller\'s address array is filled, not replaced');
  assert.deepEqual([...mac], [...a.devAddr]);
  assert.deepEqual([from.family, from.protocol, from.ifindex, from.hatype, from.pktType], [AF_PACKET, P_TEST, b.ifindex, 1, PACKET_HOST]);
  assert.throws(() => sys.recvfromNow(tb, s, buf), { code: 'EAGAIN' });
  // A short buffer truncates; MSG_TRUNC returns the real length; bytes past the buffer are untouched.
  const f2 = ethFrame(b.devAddr, a.devAddr, P_TEST, 46);
  f2[15] = 0x22;
  sys.sendto(ta, tx, f2);
  sys.sendto(ta, tx, f2);
  const big = new Uint8Array(40).fill(0x77);
  assert.equal(sys.recvfromNow(tb, s, big.subarray(0, 20)), 20);
  assert.deepEqual([...big.subarray(0, 20)], [...f2.subarray(0, 20)]);
  assert.ok(big.subarray(20).every((x) => x === 0x77));
  assert.equal(sys.recvfromNow(tb, s, big.subarray(0, 20), MSG_TRUNC), 60);
  assert.throws(() => sys.recvfromNow(tb, s, buf), { code: 'EAGAIN' });
  // Bad flags are refused as recvmsg refuses them.
  assert.throws(() => sys.recvfromNow(tb, s, buf, 0x10000), { code: 'EINVAL' });
});

test('recvfrom: SOCK_DGRAM starts at the payload, large frames, an address array of another length is replaced', () => {
  const { a, b, ta, tb } = lab();
  const s = rawSocket(tb, b, P_TEST, SOCK_DGRAM);
  const tx = rawSocket(ta, a, P_TEST);
  const payload = new Uint8Array(1000).map((_, i) => i & 0xff);
  const f = ethFrame(b.devAddr, a.devAddr, P_TEST, payload);
  sys.sendto(ta, tx, f);
  const buf = new Uint8Array(1500);
  const from: SockaddrLl = { family: AF_PACKET, protocol: 0, ifindex: 0, hatype: 0, pktType: 0, addr: new Uint8Array(0) };
  assert.equal(sys.recvfromNow(tb, s, buf, 0, from), 1000);
  assert.deepEqual([...buf.subarray(0, 1000)], [...payload]);
  assert.deepEqual([...from.addr], [...a.devAddr]);
  // The same through recvmsg, for comparison.
  sys.sendto(ta, tx, f);
  const r = sys.recvmsgNow(tb, s)!;
  assert.deepEqual([...r.data], [...payload]);
});

test('recvfrom: a family without recvfromInto falls back to recvmsg and copies', () => {
  const { a, b, ta, tb } = lab();
  const s = rawSocket(tb, b, P_TEST);
  const sock = sys.sockfdLookup(tb, s);
  sock.ops = { ...sock.ops, recvfromInto: undefined };
  const tx = rawSocket(ta, a, P_TEST);
  const f = ethFrame(b.devAddr, a.devAddr, P_TEST, 46);
  sys.sendto(ta, tx, f);
  sys.sendto(ta, tx, f);
  const buf = new Uint8Array(30);
  const from: SockaddrLl = { family: AF_PACKET, protocol: 0, ifindex: 0, hatype: 0, pktType: 0, addr: new Uint8Array(6) };
  assert.equal(sys.recvfromNow(tb, s, buf, 0, from), 30);
  assert.deepEqual([...buf], [...f.subarray(0, 30)]);
  assert.equal(from.ifindex, b.ifindex);
  assert.deepEqual([...from.addr], [...a.devAddr]);
  assert.equal(sys.recvfromNow(tb, s, buf, MSG_TRUNC), 60);
  assert.throws(() => sys.recvfromNow(tb, s, buf), { code: 'EAGAIN' });
});

test('blocking recvfrom is woken by a frame; SO_RCVTIMEO gives EAGAIN; MSG_DONTWAIT does not wait', async () => {
  const { k, a, b, ta, tb } = lab();
  const s = sys.socket(tb, AF_PACKET, SOCK_RAW, P_TEST);
  sys.bind(tb, s, ll(b, P_TEST));
  const tx = rawSocket(ta, a, P_TEST);
  const buf = new Uint8Array(2048);
  const from: SockaddrLl = { family: AF_PACKET, protocol: 0, ifindex: 0, hatype: 0, pktType: 0, addr: new Uint8Array(6) };
  await assert.rejects(sys.recvfrom(tb, s, buf, MSG_DONTWAIT), { code: 'EAGAIN' });
  const pending = sys.recvfrom(tb, s, buf, 0, from);
  await k.sleep(1000);
  const f = ethFrame(b.devAddr, a.devAddr, P_TEST, 46);
  sys.sendto(ta, tx, f);
  assert.equal(await pending, 60);
  assert.deepEqual([...buf.subarray(0, 60)], [...f]);
  assert.deepEqual([...from.addr], [...a.devAddr]);
  sys.setsockopt(tb, s, SOL_SOCKET, SO_RCVTIMEO, 5_000_000);
  const t0 = k.clock.now();
  await assert.rejects(sys.recvfrom(tb, s, buf), { code: 'EAGAIN' });
  assert.ok(k.clock.now() - t0 >= 5_000_000);
});
