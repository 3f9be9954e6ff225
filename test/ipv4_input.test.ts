/**
 * IPv4 local delivery end to end (a 10.1.0.1 - r 10.1.0.2 over a veth), with what
 * this host's Linux does for the same traffic (Python raw sockets): a protocol
 * nobody handles gets ICMP protocol unreachable (78 bytes: header + 8 + the
 * 50-byte datagram) and InUnknownProtos, unless a raw socket of that protocol takes
 * it (then InDelivers, no ICMP); fragments are reassembled before NF_INET_LOCAL_IN,
 * which sees the whole datagram once while PRE_ROUTING saw each fragment.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kernel, Net } from '../src/core/net_namespace.js';
import type { SkBuff } from '../src/core/skbuff.js';
import { runLab } from '../src/tools/lab/lab.js';
import { Task, type Stdio } from '../src/socket/task.js';
import * as sys from '../src/socket/syscalls.js';
import { AF_INET, SOCK_DGRAM, SOCK_RAW, type SockaddrIn, type RecvResult } from '../src/socket/socket.js';
import { IPPROTO_ICMP } from '../src/wire/iphdr.js';
import { IPSTATS_MIB_INUNKNOWNPROTOS, IPSTATS_MIB_INDELIVERS, IPSTATS_MIB_INPKTS } from '../src/core/snmp.js';
import {
  NFPROTO_IPV4, NF_INET_PRE_ROUTING, NF_INET_LOCAL_IN, NF_ACCEPT, nfRegisterNetHook,
} from '../src/netfilter/core.js';
import { ipv4Net } from '../src/ipv4/netns_ipv4.js';

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
const R = 0x0a010002;
const quiet: Stdio = { write: () => {} };

async function lab(): Promise<{ k: Kernel; a: Net; r: Net; ta: Task; tr: Task }> {
  let k: Kernel | null = null;
  const status = await runLab({ file: 'pair.sh', source: TOPO, stdout: quiet, stderr: quiet, onKernel: (kk) => { k = kk; } });
  assert.equal(status, 0);
  const kernel = k as unknown as Kernel;
  const a = kernel.netnsNames.get('tnxoa')!;
  const r = kernel.netnsNames.get('tnxor')!;
  return { k: kernel, a, r, ta: new Task(kernel, a, quiet, quiet), tr: new Task(kernel, r, quiet, quiet) };
}

const to = (addr: number, port = 0): SockaddrIn => ({ family: AF_INET, port, addr });

test('unknown protocol: ICMP protocol unreachable quoting the datagram, InUnknownProtos (as Linux)', async () => {
  const l = await lab();
  const icmp = sys.socket(l.ta, AF_INET, SOCK_RAW, IPPROTO_ICMP);
  const s = sys.socket(l.ta, AF_INET, SOCK_RAW, 200);
  sys.sendto(l.ta, s, new Uint8Array(30).fill(0x78), to(R));
  await l.k.sleep(1e6);
  const m = sys.recvmsgNow(l.ta, icmp) as RecvResult | null;
  assert.ok(m !== null);
  assert.equal((m.addr as SockaddrIn).addr, R);
  // type 3 code 2, 78 bytes, quoting our protocol-200 datagram.
  assert.deepEqual([m.data[20], m.data[21], m.data.length, m.data[28 + 9]], [3, 2, 78, 200]);
  const mib = ipv4Net(l.r).mib.ip;
  assert.deepEqual([mib[IPSTATS_MIB_INPKTS], mib[IPSTATS_MIB_INUNKNOWNPROTOS], mib[IPSTATS_MIB_INDELIVERS]], [1, 1, 0]);
});

test('a raw socket of the protocol takes it: no ICMP, InDelivers', async () => {
  const l = await lab();
  const rawR = sys.socket(l.tr, AF_INET, SOCK_RAW, 200);
  const icmp = sys.socket(l.ta, AF_INET, SOCK_RAW, IPPROTO_ICMP);
  const s = sys.socket(l.ta, AF_INET, SOCK_RAW, 200);
  sys.sendto(l.ta, s, new Uint8Array(30), to(R));
  await l.k.sleep(1e6);
  assert.equal(sys.recvmsgNow(l.ta, icmp), null);
  const got = sys.recvmsgNow(l.tr, rawR) as RecvResult | null;
  assert.equal(got?.data.length, 50);
  const mib = ipv4Net(l.r).mib.ip;
  assert.deepEqual([mib[IPSTATS_MIB_INUNKNOWNPROTOS], mib[IPSTATS_MIB_INDELIVERS]], [0, 1]);
});

test('fragments are reassembled before LOCAL_IN: PRE_ROUTING sees 3 fragments, LOCAL_IN one datagram', async () => {
  const l = await lab();
  const pre: number[] = [];
  const localIn: number[] = [];
  const record = (list: number[]) => (_p: unknown, skb: SkBuff): number => { list.push(skb.len); return NF_ACCEPT; };
  nfRegisterNetHook(l.r, { pf: NFPROTO_IPV4, hooknum: NF_INET_PRE_ROUTING, priority: 0, hook: record(pre) });
  nfRegisterNetHook(l.r, { pf: NFPROTO_IPV4, hooknum: NF_INET_LOCAL_IN, priority: 0, hook: record(localIn) });
  const rfd = sys.socket(l.tr, AF_INET, SOCK_DGRAM, 0);
  sys.bind(l.tr, rfd, to(0, 7000));
  const s = sys.socket(l.ta, AF_INET, SOCK_DGRAM, 0);
  sys.sendto(l.ta, s, new Uint8Array(4000).fill(7), to(R, 7000));
  await l.k.sleep(1e6);
  assert.deepEqual(pre, [1500, 1500, 1068]);
  assert.deepEqual(localIn, [4028]);
  const m = sys.recvmsgNow(l.tr, rfd) as RecvResult | null;
  assert.equal(m?.data.length, 4000);
  assert.equal(ipv4Net(l.r).mib.ip[IPSTATS_MIB_INDELIVERS], 1);
});
