/**
 * IPv4 output end to end on two namespaces joined by a veth (a 10.1.0.1 - r
 * 10.1.0.2), with what this host's Linux does in the same script (Python sockets):
 * a subnet broadcast is looped back to the sender's own sockets (ip_mc_output ->
 * dev_loopback_xmit) and sent on the wire, with a's Ip/IpExt counters exactly as
 * Linux counts them; a 4000-byte UDP datagram leaves as 1500 + 1500 + 1068 with one
 * ID (unconnected sockets use the hashed generator: consecutive IDs per destination);
 * EMSGSIZE for DF over the MTU and for anything over 65535 bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kernel, Net } from '../src/core/net_namespace.js';
import { ETH_P_IP } from '../src/core/dev.js';
import { runLab } from '../src/tools/lab/lab.js';
import { Task, type Stdio } from '../src/socket/task.js';
import * as sys from '../src/socket/syscalls.js';
import {
  AF_INET, AF_PACKET, SOCK_DGRAM, SOCK_RAW, SOL_SOCKET, SO_BROADCAST, type SockaddrIn, type RecvResult,
} from '../src/socket/socket.js';
import type { SystemError } from '../src/socket/errno.js';
import { readU16 } from '../src/wire/bytes.js';
import { SNMP4_IPSTATS_LIST, SNMP4_IPEXTSTATS_LIST } from '../src/core/snmp.js';
import { ipv4Net } from '../src/ipv4/netns_ipv4.js';
import { SOL_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO, IP_PMTUDISC_DONT } from '../src/ipv4/inet_sock.js';

const TOPO = `
ip netns add tnxoa
ip netns add tnxor
ip -n tnxoa link add a0 type veth peer name r0 netns tnxor
ip -n tnxoa addr add 10.1.0.1/24 dev a0
ip -n tnxor addr add 10.1.0.2/24 dev r0
ip -n tnxoa link set lo up
ip -n tnxor link set lo up
ip -n tnxoa link set a0 up
ip -n tnxor link set r0 up
`;

const quiet: Stdio = { write: () => {} };

interface Lab {
  k: Kernel;
  a: Net;
  r: Net;
  ta: Task;
  tr: Task;
}

async function lab(): Promise<Lab> {
  let k: Kernel | null = null;
  const err: string[] = [];
  const status = await runLab({
    file: 'pair.sh', source: TOPO, stdout: quiet, stderr: { write: (s: string) => { err.push(s); } },
    onKernel: (kk) => { k = kk; },
  });
  assert.equal(status, 0, err.join(''));
  const kernel = k as unknown as Kernel;
  const a = kernel.netnsNames.get('tnxoa')!;
  const r = kernel.netnsNames.get('tnxor')!;
  return { k: kernel, a, r, ta: new Task(kernel, a, quiet, quiet), tr: new Task(kernel, r, quiet, quiet) };
}

const at = (addr: number, port: number): SockaddrIn => ({ family: AF_INET, port, addr });

function ipStats(net: Net): Record<string, number> {
  const mib = ipv4Net(net).mib.ip;
  const o: Record<string, number> = {};
  for (const [name, i] of [...SNMP4_IPSTATS_LIST, ...SNMP4_IPEXTSTATS_LIST]) o[name] = mib[i]!;
  return o;
}

function bound(t: Task, port: number): number {
  const fd = sys.socket(t, AF_INET, SOCK_DGRAM, 0);
  sys.bind(t, fd, at(0, port));
  return fd;
}

test('a subnet broadcast loops back to our own sockets and goes out; counters as Linux', async () => {
  const l = await lab();
  const ra = bound(l.ta, 6000);
  const rr = bound(l.tr, 6000);
  const s = sys.socket(l.ta, AF_INET, SOCK_DGRAM, 0);
  sys.setsockopt(l.ta, s, SOL_SOCKET, SO_BROADCAST, 1);
  assert.equal(sys.sendto(l.ta, s, new TextEncoder().encode('bcast'), at(0x0a0100ff, 6000)), 5);
  await l.k.sleep(1e6);
  const mine = sys.recvmsgNow(l.ta, ra) as RecvResult | null;
  const theirs = sys.recvmsgNow(l.tr, rr) as RecvResult | null;
  assert.equal(new TextDecoder().decode(mine!.data), 'bcast');
  assert.equal(new TextDecoder().decode(theirs!.data), 'bcast');
  assert.equal((mine!.addr as SockaddrIn).addr, 0x0a010001);
  // Linux 6.18, same script: Ip: InReceives 1 InDelivers 1 OutRequests 1 OutTransmits 1;
  // IpExt: InBcastPkts 1 OutBcastPkts 1 InOctets 33 OutOctets 33 InBcastOctets 33 OutBcastOctets 33.
  const st = ipStats(l.a);
  assert.deepEqual([st.InReceives, st.InDelivers, st.OutRequests, st.OutTransmits, st.InBcastPkts, st.OutBcastPkts,
    st.InOctets, st.OutOctets, st.InBcastOctets, st.OutBcastOctets, st.InNoECTPkts],
  [1, 1, 1, 1, 1, 1, 33, 33, 33, 33, 1]);
});

test('4000 bytes of UDP leave as 1500 + 1500 + 1068, offsets 0/185/370, one ID; the next datagram ID + 1', async () => {
  const l = await lab();
  const r0 = l.r.devGetByName('r0')!;
  const pkt = sys.socket(l.tr, AF_PACKET, SOCK_RAW, ETH_P_IP);
  sys.bind(l.tr, pkt, { family: AF_PACKET, protocol: ETH_P_IP, ifindex: r0.ifindex, hatype: 0, pktType: 0, addr: new Uint8Array(8) });
  const s = sys.socket(l.ta, AF_INET, SOCK_DGRAM, 0);
  sys.sendto(l.ta, s, new Uint8Array(4000), at(0x0a010002, 9));
  sys.sendto(l.ta, s, new Uint8Array(3972), at(0x0a010002, 9));
  await l.k.sleep(1e6);
  const frags: Array<[number, number, number, number]> = [];
  for (let m = sys.recvmsgNow(l.tr, pkt); m !== null; m = sys.recvmsgNow(l.tr, pkt)) {
    const d = m.data.subarray(14);
    if (d[9] === 17) frags.push([readU16(d, 2), readU16(d, 6) & 0x3fff, readU16(d, 4), d[8]!]);
  }
  const id = frags[0]![2];
  // Linux (tcpdump on the peer): 1500 MF 0, 1500 MF 185, 1068 370, then 1500, 1500, 1040 with ID + 1.
  assert.deepEqual(frags, [[1500, 0x2000, id, 64], [1500, 0x2000 | 185, id, 64], [1068, 370, id, 64],
    [1500, 0x2000, (id + 1) & 0xffff, 64], [1500, 0x2000 | 185, (id + 1) & 0xffff, 64], [1040, 370, (id + 1) & 0xffff, 64]]);
  const st = ipStats(l.a);
  assert.deepEqual([st.OutRequests, st.FragOKs, st.FragCreates, st.OutTransmits], [2, 2, 6, 6]);
});

test('EMSGSIZE: DF (IP_PMTUDISC_DO) over the MTU, and any datagram over 65535 bytes (as Linux)', async () => {
  const l = await lab();
  const s = sys.socket(l.ta, AF_INET, SOCK_DGRAM, 0);
  const send = (n: number): string => {
    try {
      sys.sendto(l.ta, s, new Uint8Array(n), at(0x0a010002, 9));
      return 'ok';
    } catch (e) {
      return (e as SystemError).code!;
    }
  };
  sys.setsockopt(l.ta, s, SOL_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO);
  assert.equal(send(2000), 'EMSGSIZE');
  assert.equal(send(1472), 'ok');
  sys.setsockopt(l.ta, s, SOL_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DONT);
  assert.equal(send(65508), 'EMSGSIZE');
  assert.equal(send(65507), 'ok');
});
