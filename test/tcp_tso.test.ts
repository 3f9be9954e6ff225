/**
 * TCP TSO end to end over a veth pair (TSO and checksum offload on, as Linux's veth):
 * the sender's transmissions are GSO skbs (gso_size = MSS, gso_segs = segments,
 * SKB_GSO_TCPV4, CHECKSUM_PARTIAL) that arrive whole at the peer; with
 * `ethtool -K veth-a tso off` every transmission is one MSS; the bytes arrive intact
 * either way, and once sent the retransmit queue holds one segment per skb.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scenario, type Scenario } from './harness/scenario.js';
import { Task } from '../src/socket/task.js';
import { exitTask } from '../src/socket/syscalls.js';
import { programs } from '../src/tools/registry.js';
import { BufferStdio, BufferStdin } from '../src/tools/tool.js';
import type { SkBuff } from '../src/core/skbuff.js';
import { CHECKSUM_PARTIAL, SKB_GSO_TCPV4 } from '../src/core/skbuff.js';
import type { PacketType } from '../src/core/dev.js';

const TOPO = [
  'ip netns add tnxa',
  'ip netns add tnxb',
  'ip link add veth-a netns tnxa type veth peer name veth-b netns tnxb',
  'ip -n tnxa addr add 10.0.0.1/24 dev veth-a',
  'ip -n tnxb addr add 10.0.0.2/24 dev veth-b',
  'ip -n tnxa link set veth-a up',
  'ip -n tnxb link set veth-b up',
  'sleep 1',
].join('\n') + '\n';

async function tool(s: Scenario, ns: string, line: string, stdin?: string[]): Promise<{ rc: number; out: string; err: string }> {
  const argv = line.split(' ').filter(Boolean);
  const out = new BufferStdio();
  const err = new BufferStdio();
  const task = new Task(s.k, s.net(ns), out, err);
  const rc = await programs.get(argv[0]!)!({ task, argv, stdout: out, stderr: err, env: {}, exec: async () => 127,
    stdin: stdin ? new BufferStdin(stdin) : undefined });
  exitTask(task);
  return { rc, out: out.text, err: err.text };
}

interface Seen {
  len: number;
  gsoSize: number;
  gsoSegs: number;
  gsoType: number;
  ipSummed: number;
}

/** What leaves veth-a (its outgoing tap sees each skb the driver gets). */
function tapTx(s: Scenario): Seen[] {
  const dev = s.net('tnxa').devGetByName('veth-a')!;
  const seen: Seen[] = [];
  const pt: PacketType = {
    type: 0x0003, dev, ignoreOutgoing: false, afPacketPriv: null,
    func: (skb: SkBuff) => {
      if (skb.pktType === 4 /* PACKET_OUTGOING */ && skb.len > 100) {
        seen.push({ len: skb.len, gsoSize: skb.gsoSize, gsoSegs: skb.gsoSegs, gsoType: skb.gsoType, ipSummed: skb.ipSummed });
      }
      return 0;
    },
  };
  dev.ptypeAll.push(pt);
  return seen;
}

async function transfer(tso: boolean): Promise<{ seen: Seen[]; got: string; sent: string }> {
  const s = await scenario(TOPO);
  if (!tso) {
    const r = await tool(s, 'tnxa', 'ethtool -K veth-a tso off');
    assert.equal(r.rc, 0, r.err);
  }
  const seen = tapTx(s);
  let chunk = '';
  for (let i = 0; i < 64 * 1024; i++) chunk += String.fromCharCode(0x20 + ((i * 7) % 95));
  const chunks = Array.from({ length: 8 }, () => chunk);
  const srv = tool(s, 'tnxb', 'nc -l 5000');
  await s.sleep(0.1);
  const cli = await tool(s, 'tnxa', 'nc -N 10.0.0.2 5000', chunks);
  assert.equal(cli.rc, 0, cli.err);
  const r = await srv;
  return { seen, got: r.out, sent: chunks.join('') };
}

test('TSO over veth: GSO skbs of MSS-sized segments leave the sender; the data arrives intact', async () => {
  const { seen, got, sent } = await transfer(true);
  assert.equal(got.length, sent.length);
  assert.ok(got === sent, 'byte-exact');
  const gso = seen.filter((x) => x.gsoSegs > 1);
  assert.ok(gso.length > 0, 'some transmissions carry several segments');
  for (const x of gso) {
    assert.equal(x.gsoSize, 1448, 'gso_size is the MSS (1500 - 20 - 20 - 12 of timestamps)');
    assert.equal(x.gsoType, SKB_GSO_TCPV4);
    assert.equal(x.ipSummed, CHECKSUM_PARTIAL);
    assert.ok(x.len <= 14 + 52 + x.gsoSegs * 1448 && x.len > 14 + 52 + (x.gsoSegs - 1) * 1448);
  }
  assert.ok(seen.length < 512 * 1024 / 1448, `fewer transmissions than segments (${seen.length})`);
  // The first data goes out from tcp_sendmsg's forced push (tcp_push_one): Linux skips only
  // tcp_tso_should_defer there, so it is a TSO packet of the initial window, not one MSS.
  assert.ok(seen[0]!.gsoSegs > 1, `first transmission: ${JSON.stringify(seen[0])}`);
});

test('tso off: every transmission is at most one MSS; the data arrives intact', async () => {
  const { seen, got, sent } = await transfer(false);
  assert.ok(got === sent, 'byte-exact');
  assert.ok(seen.length >= Math.ceil(512 * 1024 / 1448));
  assert.ok(seen.every((x) => x.gsoSize === 0 && x.len <= 14 + 52 + 1448));
});
