/**
 * Policy routing end to end: a client with two uplinks (a0 to router p1, b0 to
 * router p2; both routers own 192.0.2.1 on lo and listen there on UDP 5000), its
 * main table's default via p1, table 100's via p2, and rules choosing table 100 by
 * source address and by fwmark. Which router receives each datagram, and from
 * which source, shows the rule that matched. The lab script runs unchanged on Linux.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kernel, Net } from '../src/core/net_namespace.js';
import { runLab } from '../src/tools/lab/lab.js';
import { Task, type Stdio } from '../src/socket/task.js';
import * as sys from '../src/socket/syscalls.js';
import { AF_INET, SOCK_DGRAM, SOL_SOCKET, SO_MARK, type SockaddrIn, type RecvResult } from '../src/socket/socket.js';

const TOPO = `
ip netns add tnxpc
ip netns add tnxp1
ip netns add tnxp2
ip -n tnxpc link add a0 type veth peer name a1 netns tnxp1
ip -n tnxpc link add b0 type veth peer name b1 netns tnxp2
ip -n tnxpc addr add 10.0.0.2/24 dev a0
ip -n tnxpc addr add 10.0.1.2/24 dev b0
ip -n tnxp1 addr add 10.0.0.1/24 dev a1
ip -n tnxp2 addr add 10.0.1.1/24 dev b1
ip -n tnxp1 addr add 192.0.2.1/32 dev lo
ip -n tnxp2 addr add 192.0.2.1/32 dev lo
ip -n tnxpc link set lo up
ip -n tnxp1 link set lo up
ip -n tnxp2 link set lo up
ip -n tnxpc link set a0 up
ip -n tnxpc link set b0 up
ip -n tnxp1 link set a1 up
ip -n tnxp2 link set b1 up
ip -n tnxpc route add default via 10.0.0.1
ip -n tnxpc route add default via 10.0.1.1 table 100
ip -n tnxpc rule add from 10.0.1.2 lookup 100
ip -n tnxpc rule add fwmark 0x1 lookup 100
`;

const quiet: Stdio = { write: () => {} };
const DST = 0xc0000201;

interface Lab {
  k: Kernel;
  tc: Task;
  /** The UDP sockets listening on 192.0.2.1:5000 in p1 and p2. */
  servers: [Task, number][];
}

async function lab(): Promise<Lab> {
  let k: Kernel | null = null;
  const err: string[] = [];
  const status = await runLab({
    file: 'policy.sh', source: TOPO, stdout: quiet, stderr: { write: (s: string) => { err.push(s); } },
    onKernel: (kk) => { k = kk; },
  });
  assert.equal(status, 0, err.join(''));
  const kernel = k as unknown as Kernel;
  const ns = (n: string): Net => kernel.netnsNames.get(n)!;
  const servers: [Task, number][] = [];
  for (const n of ['tnxp1', 'tnxp2']) {
    const t = new Task(kernel, ns(n), quiet, quiet);
    const fd = sys.socket(t, AF_INET, SOCK_DGRAM, 0);
    sys.bind(t, fd, { family: AF_INET, port: 5000, addr: DST });
    servers.push([t, fd]);
  }
  return { k: kernel, tc: new Task(kernel, ns('tnxpc'), quiet, quiet), servers };
}

const fmt = (a: number): string => `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;

/** Send one datagram from a fresh socket (bound to `src` and/or marked), return [router, source seen]. */
async function send(l: Lab, src: number, mark: number): Promise<[string, string]> {
  const fd = sys.socket(l.tc, AF_INET, SOCK_DGRAM, 0);
  if (src) sys.bind(l.tc, fd, { family: AF_INET, port: 0, addr: src });
  if (mark) sys.setsockopt(l.tc, fd, SOL_SOCKET, SO_MARK, mark);
  sys.sendto(l.tc, fd, new Uint8Array([1, 2, 3]), { family: AF_INET, port: 5000, addr: DST });
  await l.k.sleep(50e6);
  sys.close(l.tc, fd);
  for (let i = 0; i < 2; i++) {
    const [t, sfd] = l.servers[i]!;
    const m = sys.recvmsgNow(t, sfd) as RecvResult | null;
    if (m) return [`p${i + 1}`, fmt((m.addr as SockaddrIn).addr)];
  }
  return ['none', ''];
}

test('policy routing by source address and by fwmark picks the uplink', async () => {
  const l = await lab();
  assert.deepEqual(await send(l, 0, 0), ['p1', '10.0.0.2'], 'main table: default via p1');
  assert.deepEqual(await send(l, 0x0a000102, 0), ['p2', '10.0.1.2'], 'from 10.0.1.2 lookup 100');
  assert.deepEqual(await send(l, 0x0a000002, 0), ['p1', '10.0.0.2'], 'from 10.0.0.2: main');
  assert.deepEqual(await send(l, 0, 1), ['p2', '10.0.1.2'], 'fwmark 0x1 lookup 100 (source chosen on b0)');
  assert.deepEqual(await send(l, 0, 2), ['p1', '10.0.0.2'], 'another mark: main');
});
