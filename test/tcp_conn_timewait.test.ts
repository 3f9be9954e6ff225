/**
 * TIME_WAIT reuse and the FIN_WAIT2 timeout over lo, compared with Linux 6.18 (the same
 * python3 script in a fresh namespace on this host printed the states and nstat counters
 * quoted here):
 * - reconnecting from an explicitly bound port whose 4-tuple is in TIME_WAIT works at
 *   once (both sockets SO_REUSEADDR; tcp_twsk_unique without tw_reuse since the port was
 *   not auto-selected): TW 1, TWRecycled 1, ActiveOpens 2.
 * - with ip_local_port_range "40000 40000" an ephemeral connect() to the same peer fails
 *   with EADDRNOTAVAIL while the only port is in TIME_WAIT, and succeeds once
 *   tcp_tw_reuse (2: loopback) and tcp_tw_reuse_delay (1 s) allow it.
 * - an orphan in FIN_WAIT2 lives tcp_fin_timeout (3 s here) as a TIME_WAIT mini sock in
 *   substate FIN_WAIT2 (ss: FIN-WAIT-2), then goes (TWKilled 1, TW 0); data from the
 *   peer afterwards gets a RST (OutRsts 1).
 * - a SYN with a higher sequence number reopens a server-side TIME_WAIT (TCP_TW_SYN): the
 *   new ISN is the old snd_nxt + 65537.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKernel } from '../src/index.js';
import type { Kernel, Net } from '../src/core/net_namespace.js';
import { Task } from '../src/socket/task.js';
import * as sys from '../src/socket/syscalls.js';
import { AF_INET, SOCK_STREAM, SOL_SOCKET, SO_REUSEADDR, type SockaddrIn } from '../src/socket/socket.js';
import { BufferStdio } from '../src/tools/tool.js';
import { ipv4Net } from '../src/ipv4/netns_ipv4.js';
import {
  TCP_MIB_ACTIVEOPENS, TCP_MIB_OUTRSTS, LINUX_MIB_TIMEWAITED, LINUX_MIB_TIMEWAITRECYCLED, LINUX_MIB_TIMEWAITKILLED,
} from '../src/core/snmp.js';
import { tcpForEachSock } from '../src/ipv4/inet_hashtables.js';
import { TcpSock, TimeWaitSock } from '../src/ipv4/tcp_sock.js';
import { TCP_STATE_NAMES, TCP_FIN_WAIT2 } from '../src/ipv4/tcp_defs.js';

const LO = 0x7f000001;
const sin = (addr: number, port: number): SockaddrIn => ({ family: AF_INET, addr, port });

function rig(seed = 5): { k: Kernel; t: Task; net: Net } {
  const k = createKernel({ seed });
  return { k, t: new Task(k, k.initNet, new BufferStdio(), new BufferStdio(), 1), net: k.initNet };
}

function ss(net: Net): string[] {
  const out: string[] = [];
  tcpForEachSock(net, (o) => {
    if (o instanceof TcpSock) out.push(`${TCP_STATE_NAMES[o.state]} ${o.inetNum} ${o.inetDport}`);
    else if (o instanceof TimeWaitSock) out.push(`${o.substate === TCP_FIN_WAIT2 ? 'FIN-WAIT-2' : 'TIME-WAIT'} ${o.num} ${o.dport}`);
  });
  return out.sort();
}

function sock(t: Task, reuse = false): number {
  const fd = sys.socket(t, AF_INET, SOCK_STREAM, 0);
  if (reuse) sys.setsockopt(t, fd, SOL_SOCKET, SO_REUSEADDR, 1);
  return fd;
}

async function listenOn(t: Task, port: number, reuse = false): Promise<number> {
  const fd = sock(t, reuse);
  sys.bind(t, fd, sin(LO, port));
  sys.listen(t, fd, 5);
  return fd;
}

test('tcp timewait: reconnect from a bound port in TIME_WAIT recycles it (TWRecycled)', async () => {
  const { k, t, net } = rig();
  const srv = await listenOn(t, 8080, true);
  let c = sock(t, true);
  sys.bind(t, c, sin(LO, 40000));
  await sys.connect(t, c, sin(LO, 8080));
  const { fd: a } = await sys.accept(t, srv);
  sys.close(t, c);
  await k.sleep(50e6);
  sys.close(t, a);
  await k.sleep(50e6);
  assert.deepEqual(ss(net), ['LISTEN 8080 0', 'TIME-WAIT 40000 8080']);
  c = sock(t, true);
  sys.bind(t, c, sin(LO, 40000));
  await sys.connect(t, c, sin(LO, 8080));
  const mib = ipv4Net(net).mib;
  assert.equal(mib.tcp[TCP_MIB_ACTIVEOPENS], 2);
  assert.equal(mib.net[LINUX_MIB_TIMEWAITED], 1);
  assert.equal(mib.net[LINUX_MIB_TIMEWAITRECYCLED], 1);
  await sys.accept(t, srv);
  assert.deepEqual(ss(net), ['ESTAB 40000 8080', 'ESTAB 8080 40000', 'LISTEN 8080 0']);
});

test('tcp timewait: with one ephemeral port, connect() waits out tcp_tw_reuse_delay (EADDRNOTAVAIL, then reuse)', async () => {
  const { k, t, net } = rig(6);
  const sysctl = ipv4Net(net).sysctl;
  sysctl.ipLocalPortLow = 40000;
  sysctl.ipLocalPortHigh = 40000;
  const srv = await listenOn(t, 8081);
  let c = sock(t);
  await sys.connect(t, c, sin(LO, 8081));
  assert.equal((sys.getsockname(t, c) as SockaddrIn).port, 40000);
  const { fd: a } = await sys.accept(t, srv);
  sys.close(t, c);
  await k.sleep(50e6);
  sys.close(t, a);
  await k.sleep(50e6);
  c = sock(t);
  await assert.rejects(sys.connect(t, c, sin(LO, 8081)), { code: 'EADDRNOTAVAIL' });
  await k.sleep(1e9);
  c = sock(t);
  await sys.connect(t, c, sin(LO, 8081));
  assert.equal((sys.getsockname(t, c) as SockaddrIn).port, 40000);
  const mib = ipv4Net(net).mib;
  assert.equal(mib.tcp[TCP_MIB_ACTIVEOPENS], 2);
  assert.equal(mib.net[LINUX_MIB_TIMEWAITED], 1);
  assert.equal(mib.net[LINUX_MIB_TIMEWAITRECYCLED], 1);
});

test('tcp timewait: an orphan in FIN_WAIT2 lives tcp_fin_timeout as a mini sock, then data gets a RST', async () => {
  const { k, t, net } = rig(7);
  ipv4Net(net).sysctl.tcpFinTimeout = 3;
  const srv = await listenOn(t, 8082);
  const c = sock(t);
  await sys.connect(t, c, sin(LO, 8082));
  const cport = (sys.getsockname(t, c) as SockaddrIn).port;
  const { fd: a } = await sys.accept(t, srv);
  sys.close(t, c);
  await k.sleep(100e6);
  assert.deepEqual(ss(net), [`CLOSE-WAIT 8082 ${cport}`, `FIN-WAIT-2 ${cport} 8082`, 'LISTEN 8082 0']);
  await k.sleep(3.1e9);
  assert.deepEqual(ss(net), [`CLOSE-WAIT 8082 ${cport}`, 'LISTEN 8082 0']);
  const mib = ipv4Net(net).mib;
  assert.equal(mib.net[LINUX_MIB_TIMEWAITKILLED], 1);
  assert.equal(mib.net[LINUX_MIB_TIMEWAITED], 0);
  assert.equal(await sys.write(t, a, new Uint8Array([120])), 1);
  await k.sleep(100e6);
  assert.equal(mib.tcp[TCP_MIB_OUTRSTS], 1);
  const buf = new Uint8Array(10);
  assert.equal(await sys.read(t, a, buf), 0); // the FIN came first: EOF, the reset is reported next
});

test('tcp timewait: a new SYN reopens a server-side TIME_WAIT with ISN = old snd_nxt + 65537', async () => {
  const { k, t, net } = rig(8);
  const srv = await listenOn(t, 8083);
  let c = sock(t);
  sys.bind(t, c, sin(LO, 41000));
  await sys.connect(t, c, sin(LO, 8083));
  const { fd: a } = await sys.accept(t, srv);
  assert.equal(await sys.write(t, a, new Uint8Array(1000)), 1000);
  const buf = new Uint8Array(2000);
  let got = 0;
  while (got < 1000) got += await sys.read(t, c, buf);
  const oldSndNxt = (sys.sockfdLookup(t, a).sk as TcpSock).sndNxt;
  sys.close(t, a); // the server closes first: it ends in TIME_WAIT
  await k.sleep(50e6);
  sys.close(t, c);
  await k.sleep(50e6);
  assert.deepEqual(ss(net), ['LISTEN 8083 0', 'TIME-WAIT 8083 41000']);
  c = sock(t);
  sys.bind(t, c, sin(LO, 41000));
  await sys.connect(t, c, sin(LO, 8083));
  const { fd: a2 } = await sys.accept(t, srv);
  const child = sys.sockfdLookup(t, a2).sk as TcpSock;
  // tw_snd_nxt counts our FIN; the new connection starts at tw_snd_nxt + 65535 + 2.
  assert.equal(child.sndUna, (oldSndNxt + 1 + 65535 + 2 + 1) >>> 0);
  assert.deepEqual(ss(net), ['ESTAB 41000 8083', 'ESTAB 8083 41000', 'LISTEN 8083 0']);
});
