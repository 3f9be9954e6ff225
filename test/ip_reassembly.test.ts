/**
 * Reassembly end to end: host a (10.0.0.1) sends crafted fragments of a UDP
 * datagram through an IP_HDRINCL raw socket over a veth to host b (10.0.0.2), where
 * a UDP socket listens on port 5000. Seen as a user sees it: what b's socket
 * receives, the ICMP a's raw ICMP socket hears, and b's counters through nstat.
 *
 * The expectations are Linux's, measured on this host (6.18) with the same
 * topology, Python raw sockets and nstat (ipfrag_time shortened there):
 *   - only the first fragment: after net.ipv4.ipfrag_time (30 s) b sends ICMP time
 *     exceeded code 1 (fragment reassembly time exceeded, 80 bytes: it quotes the
 *     first fragment's header and data); IpReasmReqds 1, IpReasmTimeout 1,
 *     IpReasmFails 1, IcmpOutTimeExcds 1; nothing reaches the socket;
 *   - a queue without its first fragment times out silently (RFC 792: the error
 *     is sent only if fragment zero is available);
 *   - an overlapping fragment kills the queue (IpExtReasmOverlaps 1, IpReasmFails 1);
 *     the fragment after it opens a new queue that later times out, silently;
 *   - an exact duplicate is dropped alone and the datagram completes (IpReasmOKs 1).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as sys from '../src/socket/syscalls.js';
import { AF_INET, SOCK_DGRAM, SOCK_RAW, type SockaddrIn } from '../src/socket/socket.js';
import { type IpRepr, ipReprEmit, IPPROTO_ICMP, IPPROTO_RAW, IPPROTO_UDP, IP_MF } from '../src/wire/iphdr.js';
import { readU16 } from '../src/wire/bytes.js';
import { scenario, ip, type Scenario } from './harness/scenario.js';

const SETUP = `
ip netns add tnxfa
ip netns add tnxfb
ip link add eth0 netns tnxfa type veth peer name eth0 netns tnxfb
ip -n tnxfa addr add 10.0.0.1/24 dev eth0
ip -n tnxfb addr add 10.0.0.2/24 dev eth0
ip -n tnxfa link set lo up
ip -n tnxfb link set lo up
ip -n tnxfa link set eth0 up
ip -n tnxfb link set eth0 up
sleep 1
`;

const A = ip('10.0.0.1');
const B = ip('10.0.0.2');

/** The UDP datagram the fragments carry: 40 bytes of data to port 5000, checksum 0. */
function udpDatagram(): Uint8Array {
  const d = new Uint8Array(48);
  d.set([40000 >> 8, 40000 & 0xff, 5000 >> 8, 5000 & 0xff, 0, 48, 0, 0]);
  for (let i = 0; i < 40; i++) d[8 + i] = i;
  return d;
}

/** One fragment: IP header (id, offset in bytes, MF) + `data`. */
function fragment(id: number, offset: number, more: boolean, data: Uint8Array): Uint8Array {
  const r: IpRepr = {
    tos: 0, totLen: 20 + data.length, id, fragOff: (offset >> 3) | (more ? IP_MF : 0), ttl: 64, protocol: IPPROTO_UDP,
    saddr: A, daddr: B, options: new Uint8Array(0), check: 0,
  };
  const p = new Uint8Array(r.totLen);
  ipReprEmit(r, p, 0);
  p.set(data, 20);
  return p;
}

interface Hosts {
  s: Scenario;
  /** a's IP_HDRINCL sender. */
  send(...frags: Uint8Array[]): void;
  /** ICMP messages a heard: [source, type, code, quoted IP id, length]. */
  icmp(): Array<[number, number, number, number, number]>;
  /** Datagrams b's UDP socket on port 5000 received: [source, port, data]. */
  udp(): Array<[number, number, number[]]>;
}

async function hosts(extra = ''): Promise<Hosts> {
  const s = await scenario(SETUP + extra);
  const ta = s.task('tnxfa');
  const tb = s.task('tnxfb');
  const raw = sys.socket(ta, AF_INET, SOCK_RAW, IPPROTO_RAW);
  const icmp = sys.socket(ta, AF_INET, SOCK_RAW, IPPROTO_ICMP);
  const srv = sys.socket(tb, AF_INET, SOCK_DGRAM, 0);
  sys.bind(tb, srv, { family: AF_INET, addr: 0, port: 5000 });
  return {
    s,
    send: (...frags) => {
      for (const f of frags) sys.sendto(ta, raw, f, { family: AF_INET, addr: B, port: 0 });
    },
    icmp: () => {
      const got: Array<[number, number, number, number, number]> = [];
      for (let m = sys.recvmsgNow(ta, icmp); m !== null; m = sys.recvmsgNow(ta, icmp)) {
        const ihl = (m.data[0]! & 0xf) * 4;
        got.push([(m.addr as SockaddrIn).addr, m.data[ihl]!, m.data[ihl + 1]!, readU16(m.data, ihl + 8 + 4), m.data.length]);
      }
      return got;
    },
    udp: () => {
      const got: Array<[number, number, number[]]> = [];
      for (let m = sys.recvmsgNow(tb, srv); m !== null; m = sys.recvmsgNow(tb, srv)) {
        got.push([(m.addr as SockaddrIn).addr, (m.addr as SockaddrIn).port, [...m.data]]);
      }
      return got;
    },
  };
}

const REASM = ['IpReasmReqds', 'IpReasmOKs', 'IpReasmFails', 'IpReasmTimeout', 'IpExtReasmOverlaps', 'IcmpOutTimeExcds', 'UdpInDatagrams'];

test('reassembly timeout: only the first fragment arrives; after ipfrag_time (30 s) b sends time exceeded code 1, counts ReasmTimeout/ReasmFails, delivers nothing', async () => {
  const h = await hosts();
  const dgram = udpDatagram();
  h.send(fragment(0x1234, 0, true, dgram.subarray(0, 32)));
  await h.s.sleep(29.9);
  assert.deepEqual(h.icmp(), [], 'nothing before ipfrag_time');
  assert.deepEqual(await h.s.nstat('tnxfb', ...REASM), {
    IpReasmReqds: 1, IpReasmOKs: 0, IpReasmFails: 0, IpReasmTimeout: 0, IpExtReasmOverlaps: 0, IcmpOutTimeExcds: 0, UdpInDatagrams: 0,
  });
  await h.s.sleep(0.2);
  // Linux: one ICMP time exceeded, code 1, 80 bytes (20 + 8 + the 52-byte first fragment).
  assert.deepEqual(h.icmp(), [[B, 11, 1, 0x1234, 80]]);
  assert.deepEqual(await h.s.nstat('tnxfb', ...REASM, 'IcmpMsgOutType11'), {
    IpReasmReqds: 1, IpReasmOKs: 0, IpReasmFails: 1, IpReasmTimeout: 1, IpExtReasmOverlaps: 0, IcmpOutTimeExcds: 1, UdpInDatagrams: 0,
    IcmpMsgOutType11: 1,
  });
  assert.deepEqual(h.udp(), [], 'nothing reaches the socket');
  // The same counters in /proc/net/snmp, as cat prints them.
  const snmp = await h.s.snmp('tnxfb');
  assert.deepEqual([snmp['Ip.ReasmReqds'], snmp['Ip.ReasmTimeout'], snmp['Ip.ReasmFails'], snmp['Icmp.OutTimeExcds']], [1, 1, 1, 1]);

  // net.ipv4.ipfrag_time=5: a queue holding only the last fragment expires after 5 s,
  // counted, but without an ICMP error (fragment zero never came).
  assert.equal((await h.s.run('tnxfb', 'sysctl -qw net.ipv4.ipfrag_time=5')).rc, 0);
  h.send(fragment(0x1235, 24, false, dgram.subarray(24)));
  await h.s.sleep(4.9);
  assert.equal((await h.s.nstat('tnxfb', 'IpReasmTimeout')).IpReasmTimeout, 1);
  await h.s.sleep(0.2);
  assert.deepEqual(await h.s.nstat('tnxfb', 'IpReasmReqds', 'IpReasmTimeout', 'IpReasmFails', 'IcmpOutTimeExcds'), {
    IpReasmReqds: 2, IpReasmTimeout: 2, IpReasmFails: 2, IcmpOutTimeExcds: 1,
  });
  assert.deepEqual(h.icmp(), [], 'no time exceeded without the first fragment');
  assert.deepEqual(h.udp(), []);
});

test('overlapping fragments drop the whole datagram (ReasmOverlaps, ReasmFails); an exact duplicate is tolerated and the datagram completes', async () => {
  const h = await hosts();
  const dgram = udpDatagram();
  // [0,24) MF, then [16,32) MF overlapping it, then the last piece [24,48).
  h.send(fragment(0x2222, 0, true, dgram.subarray(0, 24)), fragment(0x2222, 16, true, dgram.subarray(16, 32)),
    fragment(0x2222, 24, false, dgram.subarray(24)));
  await h.s.sleep(0.1);
  assert.deepEqual(h.udp(), [], 'the overlapped datagram never arrives');
  assert.deepEqual(await h.s.nstat('tnxfb', ...REASM), {
    IpReasmReqds: 3, IpReasmOKs: 0, IpReasmFails: 1, IpReasmTimeout: 0, IpExtReasmOverlaps: 1, IcmpOutTimeExcds: 0, UdpInDatagrams: 0,
  });
  // The first piece twice, then the rest: the duplicate is dropped alone.
  h.send(fragment(0x3333, 0, true, dgram.subarray(0, 24)), fragment(0x3333, 0, true, dgram.subarray(0, 24)),
    fragment(0x3333, 24, false, dgram.subarray(24)));
  await h.s.sleep(0.1);
  assert.deepEqual(h.udp(), [[A, 40000, [...dgram.subarray(8)]]]);
  assert.deepEqual(await h.s.nstat('tnxfb', ...REASM), {
    IpReasmReqds: 6, IpReasmOKs: 1, IpReasmFails: 1, IpReasmTimeout: 0, IpExtReasmOverlaps: 1, IcmpOutTimeExcds: 0, UdpInDatagrams: 1,
  });
  // The last piece of the overlapped datagram came after its queue was killed: it
  // sits in a new queue, which times out without a first fragment, so silently.
  await h.s.sleep(30.1);
  assert.deepEqual(await h.s.nstat('tnxfb', ...REASM), {
    IpReasmReqds: 6, IpReasmOKs: 1, IpReasmFails: 2, IpReasmTimeout: 1, IpExtReasmOverlaps: 1, IcmpOutTimeExcds: 0, UdpInDatagrams: 1,
  });
  assert.deepEqual(h.icmp(), []);
});
