/**
 * A tuxnet router forwarding GSO packets: r has ethA (a link device that can take
 * TSO, like a TAP with vnet headers, so GSO packets arrive on it whole) and ethB (a
 * link device without TSO or checksum offload). What leaves ethB must be ordinary
 * wire-sized packets with correct headers: software GSO in validate_xmit_skb when
 * the segments fit ethB's MTU, segmentation then fragmentation in
 * ip_finish_output_gso when they do not (no DF), frag-needed when they do not and
 * DF is set, and GRO followed by GSO giving back exactly the frames that came in.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scenario, type Scenario } from './harness/scenario.js';
import type { NetDevice } from '../src/core/netdevice.js';
import { NETIF_F_TSO, NETIF_F_HW_CSUM, NETIF_F_SG } from '../src/core/netdevice.js';
import { type SkBuff, skbFromBytes, NET_SKB_PAD, CHECKSUM_PARTIAL, SKB_GSO_TCPV4 } from '../src/core/skbuff.js';
import { linkCreate, linkAttach, linkReceive, NET_IP_ALIGN, type LinkPort } from '../src/drivers/link.js';

function sum16(b: Uint8Array, off: number, len: number, init = 0): number {
  let s = init;
  for (let i = 0; i + 1 < len; i += 2) s += (b[off + i]! << 8) | b[off + i + 1]!;
  if (len & 1) s += b[off + len - 1]! << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}
const pseudo = (b: Uint8Array, iph: number, len: number): number => sum16(b, iph + 12, 8, 6 + len);
const u16 = (b: Uint8Array, o: number): number => (b[o]! << 8) | b[o + 1]!;
const u32 = (b: Uint8Array, o: number): number => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;

const PEER_A = new Uint8Array([2, 0, 0, 0, 0xa, 2]);
const PEER_B = new Uint8Array([2, 0, 0, 0, 0xb, 2]);

/** Ethernet + IPv4 10.1.0.2 -> 10.2.0.2 + TCP (doff 5) + payload; the TCP checksum complete. */
function tcpFrame(dst: Uint8Array, o: { id: number; seq: number; payload: number; flags: number; df: boolean }): Uint8Array {
  const f = new Uint8Array(14 + 40 + o.payload);
  f.set(dst, 0);
  f.set(PEER_A, 6);
  f[12] = 0x08;
  f[14] = 0x45;
  f[16] = (40 + o.payload) >> 8;
  f[17] = (40 + o.payload) & 0xff;
  f[18] = o.id >> 8;
  f[19] = o.id & 0xff;
  f[20] = o.df ? 0x40 : 0;
  f[22] = 64;
  f[23] = 6;
  f.set([10, 1, 0, 2, 10, 2, 0, 2], 26);
  const ic = ~sum16(f, 14, 20) & 0xffff;
  f[24] = ic >> 8;
  f[25] = ic & 0xff;
  f.set([0xc3, 0x50, 0x00, 0x50], 34);
  f.set([o.seq >>> 24, (o.seq >>> 16) & 0xff, (o.seq >>> 8) & 0xff, o.seq & 0xff], 38);
  f.set([0, 0, 0, 1], 42);
  f[46] = 5 << 4;
  f[47] = o.flags;
  f[48] = 0x20;
  for (let i = 0; i < o.payload; i++) f[54 + i] = (o.seq + i * 7) & 0xff;
  const tc = ~sum16(f, 34, 20 + o.payload, pseudo(f, 14, 20 + o.payload)) & 0xffff;
  f[50] = tc >> 8;
  f[51] = tc & 0xff;
  return f;
}

interface Router {
  s: Scenario;
  ethA: NetDevice;
  ethB: NetDevice;
  outA: Uint8Array[];
  outB: Uint8Array[];
  /** The next frame received on ethA arrives as a GSO packet of this size (as a vnet header would say). */
  gso: { size: number };
}

async function router(mtuB = 1500): Promise<Router> {
  const s = await scenario('ip netns add tnxgr\nip netns exec tnxgr sysctl -qw net.ipv4.ip_forward=1\n');
  const net = s.net('tnxgr');
  const gso = { size: 0 };
  // ethA: the TAP-with-offloads side. Its decap plays virtio_net_hdr_to_skb for GSO frames.
  const ethA = linkCreate(net, {
    name: 'ethA', features: NETIF_F_SG + NETIF_F_HW_CSUM + NETIF_F_TSO,
    ops: {
      driver: 'test',
      decap: (dev, frame): SkBuff | null => {
        const skb = skbFromBytes(dev, frame, NET_SKB_PAD + NET_IP_ALIGN);
        if (gso.size !== 0) {
          skb.gsoSize = gso.size;
          skb.gsoType = SKB_GSO_TCPV4;
          skb.ipSummed = CHECKSUM_PARTIAL;
          skb.csumStart = skb.data + 34;
          skb.csumOffset = 16;
        }
        return skb;
      },
    },
  });
  const ethB = linkCreate(net, { name: 'ethB', ops: { driver: 'test' }, features: 0, mtu: mtuB });
  assert.ok(typeof ethA !== 'number' && typeof ethB !== 'number');
  const outA: Uint8Array[] = [];
  const outB: Uint8Array[] = [];
  const port = (out: Uint8Array[]): LinkPort => ({ transmit: (f) => (out.push(f.slice()), true), close: () => undefined });
  linkAttach(ethA, port(outA));
  linkAttach(ethB, port(outB));
  const mac = (a: Uint8Array): string => [...a].map((x) => x.toString(16).padStart(2, '0')).join(':');
  for (const line of [
    'ip addr add 10.1.0.1/24 dev ethA', 'ip addr add 10.2.0.1/24 dev ethB', 'ip link set ethA up', 'ip link set ethB up',
    `ip neigh add 10.1.0.2 lladdr ${mac(PEER_A)} dev ethA nud permanent`,
    `ip neigh add 10.2.0.2 lladdr ${mac(PEER_B)} dev ethB nud permanent`,
  ]) {
    const r = await s.run('tnxgr', line);
    assert.equal(r.rc, 0, `${line}: ${r.err}`);
  }
  return { s, ethA, ethB, outA, outB, gso };
}

function receive(r: Router, frames: Uint8Array[]): void {
  const k = r.s.k;
  k.sched.localBhDisable();
  for (const f of frames) linkReceive(r.ethA, f);
  k.sched.localBhEnable();
}

test('forwarding a GSO packet from a TSO device to a device without TSO: software GSO, correct segments', async () => {
  const r = await router();
  r.gso.size = 1448;
  const f = tcpFrame(r.ethA.devAddr, { id: 0x4000, seq: 1_000_000, payload: 4000, flags: 0x18, df: true });
  // The GSO packet's TCP checksum field holds the pseudo-header sum (CHECKSUM_PARTIAL).
  const ps = pseudo(f, 14, 4020);
  f[50] = ps >> 8;
  f[51] = ps & 0xff;
  receive(r, [f]);
  assert.equal(r.outB.length, 3);
  const lens = [1448, 1448, 1104];
  let seq = 1_000_000;
  for (let i = 0; i < 3; i++) {
    const o = r.outB[i]!;
    assert.deepEqual([...o.subarray(0, 6)], [...PEER_B]);
    assert.deepEqual([...o.subarray(6, 12)], [...r.ethB.devAddr]);
    assert.equal(o.length, 14 + 40 + lens[i]!, 'every segment fits the 1500-byte MTU');
    assert.equal(u16(o, 16), 40 + lens[i]!);
    assert.equal(u16(o, 18), 0x4000 + i, 'IP IDs count up');
    assert.equal(o[22], 63, 'TTL decremented once');
    assert.equal(sum16(o, 14, 20), 0xffff, 'IP checksum');
    assert.equal(u32(o, 38), seq);
    assert.equal(o[47], i === 2 ? 0x18 : 0x10, 'PSH on the last segment only');
    assert.equal(sum16(o, 34, 20 + lens[i]!, pseudo(o, 14, 20 + lens[i]!)), 0xffff, 'TCP checksum completed in software');
    seq += lens[i]!;
  }
  const snmp = await r.s.snmp('tnxgr');
  assert.equal(snmp['Ip.ForwDatagrams'], 1, 'one datagram forwarded (as Linux counts a GSO packet)');
  assert.equal(snmp['Ip.FragCreates'], 0);
});

test('GSO segments larger than the egress MTU: without DF segmented then fragmented; with DF frag-needed', async () => {
  const r = await router(1000);
  r.gso.size = 1448;
  const f = tcpFrame(r.ethA.devAddr, { id: 0x100, seq: 7, payload: 2896, flags: 0x10, df: false });
  const ps = pseudo(f, 14, 2916);
  f[50] = ps >> 8;
  f[51] = ps & 0xff;
  receive(r, [f]);
  // Two segments of 20 + 20 + 1448 bytes, each cut into fragments of 976 + 492 payload bytes (<= 1000 with the header).
  assert.equal(r.outB.length, 4);
  const frags = r.outB.map((o) => [u16(o, 16), u16(o, 18), u16(o, 20)]);
  assert.deepEqual(frags, [
    [996, 0x100, 0x2000], [512, 0x100, 122],
    [996, 0x101, 0x2000], [512, 0x101, 122],
  ]);
  for (const o of r.outB) assert.equal(sum16(o, 14, 20), 0xffff);
  // The first fragment of each segment carries a TCP header with a checksum over the whole segment.
  const seg = new Uint8Array(20 + 1448);
  seg.set(r.outB[0]!.subarray(34), 0);
  seg.set(r.outB[1]!.subarray(34), 976);
  const ph = new Uint8Array([10, 1, 0, 2, 10, 2, 0, 2]);
  assert.equal(sum16(seg, 0, seg.length, sum16(ph, 0, 8, 6 + seg.length)), 0xffff);
  const snmp = await r.s.snmp('tnxgr');
  assert.equal(snmp['Ip.FragOKs'], 2);
  assert.equal(snmp['Ip.FragCreates'], 4);

  r.outB.length = 0;
  const g = tcpFrame(r.ethA.devAddr, { id: 0x200, seq: 7, payload: 2896, flags: 0x10, df: true });
  receive(r, [g]);
  assert.equal(r.outB.length, 0);
  assert.equal(r.outA.length, 1, 'ICMP frag-needed back to the sender');
  const icmp = r.outA[0]!;
  assert.equal(icmp[23], 1);
  assert.deepEqual([icmp[34], icmp[35], u16(icmp, 40)], [3, 4, 1000]);
});

test('GRO then GSO is transparent: in-order segments merged on ethA leave ethB as they came (TTL - 1)', async () => {
  const r = await router();
  r.ethA.features -= NETIF_F_TSO; // a plain NIC with GRO
  const inFrames: Uint8Array[] = [];
  for (let i = 0; i < 5; i++) {
    inFrames.push(tcpFrame(r.ethA.devAddr, { id: 0x10 + i, seq: 5000 + i * 1460, payload: i === 4 ? 300 : 1460, flags: i === 4 ? 0x18 : 0x10, df: true }));
  }
  receive(r, inFrames);
  assert.equal(r.outB.length, 5);
  for (let i = 0; i < 5; i++) {
    const a = inFrames[i]!;
    const b = r.outB[i]!;
    assert.equal(b.length, a.length);
    assert.equal(b[22], 63);
    assert.equal(sum16(b, 14, 20), 0xffff);
    assert.deepEqual([...b.subarray(14, 22)], [...a.subarray(14, 22)], 'version .. frag_off identical');
    assert.deepEqual([...b.subarray(34)], [...a.subarray(34)], 'TCP header, checksum and payload identical');
  }
  const snmp = await r.s.snmp('tnxgr');
  assert.equal(snmp['Ip.ForwDatagrams'], 1, 'GRO made one datagram of five');
});
