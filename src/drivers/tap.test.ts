import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { testKernel, ethFrame, txSkb, BCAST } from '../../test/harness/kernel.js';
import { type LinkPort, linkAttach, linkCreate, linkReceive, linkDetach } from './link.js';
import {
  tapOps, tapVnetOps, tapVnetDecap, tapVnetEncap, TAP_VNET_FEATURES, VIRTIO_NET_HDR_LEN, VIRTIO_NET_HDR_F_NEEDS_CSUM,
  VIRTIO_NET_HDR_F_DATA_VALID, VIRTIO_NET_HDR_GSO_TCPV4, VIRTIO_NET_HDR_GSO_ECN, VIRTIO_NET_HDR_GSO_UDP,
} from './tap.js';
import { devOpen, devQueueXmit } from '../core/dev.js';
import type { NetDevice } from '../core/netdevice.js';
import {
  CHECKSUM_NONE, CHECKSUM_PARTIAL, CHECKSUM_UNNECESSARY, SKB_GSO_DODGY, SKB_GSO_TCPV4, SKB_GSO_TCP_ECN,
} from '../core/skbuff.js';
import type { Kernel } from '../core/net_namespace.js';
import { Task } from '../socket/task.js';
import { exitTask } from '../socket/syscalls.js';
import { programs } from '../tools/registry.js';
import { BufferStdio } from '../tools/tool.js';

class FakePort implements LinkPort {
  sent: Uint8Array[] = [];
  closed = false;
  transmit(frame: Uint8Array): boolean {
    this.sent.push(frame.slice());
    return true;
  }
  close(): void {
    this.closed = true;
  }
}

const MAC_A = new Uint8Array([2, 0, 0, 0, 0, 0xaa]);

function tapDev(k: Kernel, vnet: boolean): { dev: NetDevice; port: FakePort } {
  const dev = linkCreate(k.initNet, {
    name: 'tap0', ops: vnet ? tapVnetOps : tapOps, features: vnet ? TAP_VNET_FEATURES : 0,
    address: new Uint8Array([2, 0, 0, 0, 0, 1]),
  });
  assert.ok(typeof dev !== 'number');
  const port = new FakePort();
  linkAttach(dev, port, vnet ? VIRTIO_NET_HDR_LEN : 0);
  devOpen(dev);
  return { dev, port };
}

function vnetHdr(o: { flags?: number; gso?: number; hdrLen?: number; gsoSize?: number; start?: number; off?: number }): Uint8Array {
  const h = new Uint8Array(VIRTIO_NET_HDR_LEN);
  const put = (i: number, v: number): void => {
    h[i] = v & 0xff;
    h[i + 1] = (v >> 8) & 0xff;
  };
  h[0] = o.flags ?? 0;
  h[1] = o.gso ?? 0;
  put(2, o.hdrLen ?? 0);
  put(4, o.gsoSize ?? 0);
  put(6, o.start ?? 0);
  put(8, o.off ?? 0);
  return h;
}

function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** An Ethernet + IPv4 + TCP frame (checksums not filled: these tests look at offsets). */
function tcpFrame(dst: Uint8Array, payload: number, proto = 6): Uint8Array {
  const ip = new Uint8Array(20 + 20 + payload);
  ip[0] = 0x45;
  const tot = ip.length;
  ip[2] = tot >> 8;
  ip[3] = tot & 0xff;
  ip[8] = 64;
  ip[9] = proto;
  ip.set([10, 0, 0, 2], 12);
  ip.set([10, 0, 0, 1], 16);
  ip[20 + 12] = 5 << 4;
  return ethFrame(dst, MAC_A, 0x0800, ip);
}

async function sh(k: Kernel, line: string): Promise<number> {
  const argv = line.split(' ');
  const o = new BufferStdio();
  const task = new Task(k, k.initNet, o, o);
  const rc = await programs.get(argv[0]!)!({ task, argv, stdout: o, stderr: o, env: {}, exec: async () => 127 });
  exitTask(task);
  return rc;
}

test('no vnet header: truncated and over-MTU frames are dropped and counted, frames in range enter', () => {
  const k = testKernel();
  const { dev } = tapDev(k, false);
  linkReceive(dev, new Uint8Array(0));
  linkReceive(dev, new Uint8Array(13));
  assert.equal(dev.stats.rxLengthErrors, 2);
  // MTU 1500: 1518 bytes (one VLAN tag) pass, 1519 do not.
  linkReceive(dev, ethFrame(dev.devAddr, MAC_A, 0x88b5, 1504));
  assert.equal(dev.stats.rxLengthErrors, 2);
  linkReceive(dev, ethFrame(dev.devAddr, MAC_A, 0x88b5, 1505));
  linkReceive(dev, ethFrame(dev.devAddr, MAC_A, 0x88b5, 9000));
  assert.equal(dev.stats.rxLengthErrors, 4);
  assert.equal(dev.stats.rxErrors, 4);
  k.sched.runPending();
  assert.equal(dev.stats.rxPackets, 1);
});

test('vnet header: truncated frames (no header, header only, header + 13 bytes) are length errors', () => {
  const k = testKernel();
  const { dev } = tapDev(k, true);
  for (const n of [0, 3, 10, 23]) assert.equal(tapVnetDecap(dev, new Uint8Array(n)), null);
  assert.equal(dev.stats.rxLengthErrors, 4);
  assert.equal(dev.stats.rxFrameErrors, 0);
});

test('vnet header: headers Linux refuses are dropped and counted in rx_frame_errors', () => {
  const k = testKernel();
  const { dev } = tapDev(k, true);
  const f = tcpFrame(dev.devAddr, 3000);
  const arp = ethFrame(BCAST, MAC_A, 0x0806, 28);
  const bad: [string, Uint8Array][] = [
    ['unknown gso_type', cat(vnetHdr({ gso: 2, gsoSize: 1448 }), f)],
    ['gso_type 99', cat(vnetHdr({ gso: 99, gsoSize: 1448 }), f)],
    ['UFO (not offered)', cat(vnetHdr({ gso: VIRTIO_NET_HDR_GSO_UDP, gsoSize: 1448 }), f)],
    ['gso_size 0', cat(vnetHdr({ gso: VIRTIO_NET_HDR_GSO_TCPV4, gsoSize: 0 }), f)],
    ['hdr_len past the end', cat(vnetHdr({ hdrLen: f.length + 1 }), f)],
    ['hdr_len inside the Ethernet header', cat(vnetHdr({ hdrLen: 6 }), tcpFrame(dev.devAddr, 10))],
    ['csum_start past the end', cat(vnetHdr({ flags: VIRTIO_NET_HDR_F_NEEDS_CSUM, start: f.length, off: 16 }), f)],
    ['csum_offset past the end', cat(vnetHdr({ flags: VIRTIO_NET_HDR_F_NEEDS_CSUM, start: 34, off: f.length }), f)],
    ['csum_start inside the Ethernet header', cat(vnetHdr({ flags: VIRTIO_NET_HDR_F_NEEDS_CSUM, start: 2, off: 0 }), f)],
    ['TCPV4 GSO on an ARP frame', cat(vnetHdr({ gso: VIRTIO_NET_HDR_GSO_TCPV4, gsoSize: 1448 }), arp)],
    ['TCPV4 GSO on a UDP packet', cat(vnetHdr({ gso: VIRTIO_NET_HDR_GSO_TCPV4, gsoSize: 1448 }), tcpFrame(dev.devAddr, 3000, 17))],
    ['TCPV4 GSO, csum_start not at the TCP header',
      cat(vnetHdr({ flags: VIRTIO_NET_HDR_F_NEEDS_CSUM, gso: VIRTIO_NET_HDR_GSO_TCPV4, gsoSize: 1448, start: 30, off: 16 }), f)],
    ['TCPV4 GSO, csum_offset not the TCP check field (virtio_net_hdr_to_skb -EINVAL)',
      cat(vnetHdr({ flags: VIRTIO_NET_HDR_F_NEEDS_CSUM, gso: VIRTIO_NET_HDR_GSO_TCPV4, gsoSize: 1448, start: 34, off: 4 }), f)],
  ];
  let n = 0;
  for (const [what, frame] of bad) {
    assert.equal(tapVnetDecap(dev, frame), null, what);
    assert.equal(dev.stats.rxFrameErrors, ++n, what);
  }
  // Through linkReceive too: nothing reaches the stack, nothing throws.
  for (const [, frame] of bad) linkReceive(dev, frame);
  k.sched.runPending();
  assert.equal(dev.stats.rxFrameErrors, 2 * n);
  assert.equal(dev.stats.rxPackets, 0);
});

test('vnet header: jumbo over MTU without GSO is a length error; with GSO up to 64 KiB it is one skb', () => {
  const k = testKernel();
  const { dev } = tapDev(k, true);
  assert.equal(tapVnetDecap(dev, cat(vnetHdr({}), tcpFrame(dev.devAddr, 8000))), null);
  assert.equal(tapVnetDecap(dev, cat(vnetHdr({ flags: VIRTIO_NET_HDR_F_NEEDS_CSUM, start: 34, off: 16 }),
    tcpFrame(dev.devAddr, 8000))), null);
  assert.equal(dev.stats.rxLengthErrors, 2);
  const big = tcpFrame(dev.devAddr, 65535 - 40);
  const skb = tapVnetDecap(dev, cat(vnetHdr({
    flags: VIRTIO_NET_HDR_F_NEEDS_CSUM, gso: VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN, gsoSize: 1448,
    hdrLen: 54, start: 34, off: 16,
  }), big));
  assert.ok(skb);
  assert.equal(skb.len, big.length);
  assert.equal(skb.gsoSize, 1448);
  assert.equal(skb.gsoType, SKB_GSO_TCPV4 | SKB_GSO_TCP_ECN | SKB_GSO_DODGY);
  assert.equal(skb.ipSummed, CHECKSUM_PARTIAL);
  assert.equal(skb.csumStart - skb.data, 34);
  assert.equal(skb.csumOffset, 16);
  assert.equal(skb.transportHeader - skb.data, 34);
  // Over 64 KiB of IP even with GSO: length error.
  assert.equal(tapVnetDecap(dev, cat(vnetHdr({ gso: VIRTIO_NET_HDR_GSO_TCPV4, gsoSize: 1448 }),
    tcpFrame(dev.devAddr, 65535 + 100))), null);
  assert.equal(dev.stats.rxLengthErrors, 3);
});

test('vnet header: DATA_VALID -> CHECKSUM_UNNECESSARY, GSO without NEEDS_CSUM finds the TCP header, small GSO is not GSO', () => {
  const k = testKernel();
  const { dev } = tapDev(k, true);
  const dv = tapVnetDecap(dev, cat(vnetHdr({ flags: VIRTIO_NET_HDR_F_DATA_VALID }), tcpFrame(dev.devAddr, 100)));
  assert.equal(dv?.ipSummed, CHECKSUM_UNNECESSARY);
  const none = tapVnetDecap(dev, cat(vnetHdr({}), tcpFrame(dev.devAddr, 100)));
  assert.equal(none?.ipSummed, CHECKSUM_NONE);
  const g = tapVnetDecap(dev, cat(vnetHdr({ gso: VIRTIO_NET_HDR_GSO_TCPV4, gsoSize: 1000 }), tcpFrame(dev.devAddr, 3000)));
  assert.ok(g);
  assert.equal(g.gsoSize, 1000);
  assert.equal(g.transportHeader - g.data, 34);
  // "Too small packets are not really GSO ones."
  const s = tapVnetDecap(dev, cat(vnetHdr({ flags: VIRTIO_NET_HDR_F_NEEDS_CSUM, gso: VIRTIO_NET_HDR_GSO_TCPV4,
    gsoSize: 1448, start: 34, off: 16 }), tcpFrame(dev.devAddr, 1000)));
  assert.ok(s);
  assert.equal(s.gsoSize, 0);
  assert.equal(s.ipSummed, CHECKSUM_PARTIAL);
  assert.equal(dev.stats.rxFrameErrors, 0);
});

test('vnet header: a partial UDP checksum is finished on receive (tuxnet UDP verifies unless UNNECESSARY)', () => {
  const k = testKernel();
  const { dev } = tapDev(k, true);
  const f = tcpFrame(dev.devAddr, 12, 17);
  // UDP header at 34: length 8 + 12 + 12 (the tcpFrame's extra 20 bytes count as payload).
  const skb = tapVnetDecap(dev, cat(vnetHdr({ flags: VIRTIO_NET_HDR_F_NEEDS_CSUM, start: 34, off: 6 }), f));
  assert.ok(skb);
  assert.equal(skb.ipSummed, CHECKSUM_UNNECESSARY);
  const c = (skb.buf[skb.data + 40]! << 8) | skb.buf[skb.data + 41]!;
  assert.notEqual(c, 0);
});

test('garbage from the wire never throws; every frame is either delivered or counted', () => {
  for (const vnet of [false, true]) {
    const k = testKernel();
    const { dev } = tapDev(k, vnet);
    fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 2000 }), (bytes) => {
      const before = dev.stats.rxPackets + dev.stats.rxErrors + dev.stats.rxFrameErrors + dev.coreStats.rxDropped;
      linkReceive(dev, bytes);
      k.sched.runPending();
      const after = dev.stats.rxPackets + dev.stats.rxErrors + dev.stats.rxFrameErrors + dev.coreStats.rxDropped;
      return after > before;
    }), { numRuns: 300 });
    // Structured garbage: valid-looking vnet headers with random fields before real frames.
    if (vnet) {
      fc.assert(fc.property(fc.uint8Array({ minLength: 10, maxLength: 10 }), fc.integer({ min: 0, max: 4000 }), (h, n) => {
        linkReceive(dev, cat(h, tcpFrame(dev.devAddr, n)));
        k.sched.runPending();
        return true;
      }), { numRuns: 300 });
    }
  }
});

test('a detached TAP drops what still arrives, and counts it', () => {
  const k = testKernel();
  const { dev, port } = tapDev(k, false);
  linkDetach(dev, 'test');
  assert.ok(port.closed);
  linkReceive(dev, ethFrame(dev.devAddr, MAC_A, 0x88b5));
  assert.equal(dev.coreStats.rxDropped, 1);
});

test('vnet encap: header in the headroom, NEEDS_CSUM with csum_start from the frame, GSO fields', () => {
  const k = testKernel();
  const { dev } = tapDev(k, true);
  const skb = txSkb(dev, tcpFrame(MAC_A, 4000));
  skb.ipSummed = CHECKSUM_PARTIAL;
  skb.csumStart = skb.data + 34;
  skb.csumOffset = 16;
  skb.transportHeader = skb.data + 34;
  skb.gsoSize = 1448;
  skb.gsoType = SKB_GSO_TCPV4 | SKB_GSO_TCP_ECN;
  const out = tapVnetEncap(dev, skb)!;
  assert.equal(out.length, 10 + skb.len);
  assert.equal(out.buffer, skb.buf.buffer, 'no copy when there is headroom');
  assert.deepEqual([...out.subarray(0, 10)], [VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN,
    54, 0, 1448 & 0xff, 1448 >> 8, 34, 0, 16, 0]);
  // No headroom: a copy with the same bytes.
  const s2 = txSkb(dev, tcpFrame(MAC_A, 10));
  s2.head = s2.data;
  const o2 = tapVnetEncap(dev, s2)!;
  assert.notEqual(o2.buffer, s2.buf.buffer);
  assert.deepEqual([...o2.subarray(0, 10)], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...o2.subarray(10)], [...s2.buf.subarray(s2.data, s2.tail)]);
  // A GSO type the header cannot carry: dropped (tx_dropped by link.ts).
  const s3 = txSkb(dev, tcpFrame(MAC_A, 3000, 17));
  s3.gsoSize = 1000;
  s3.gsoType = 1 << 16;
  assert.equal(tapVnetEncap(dev, s3), null);
});

test('the stack through a vnet TAP: an ARP request gets a reply with a zero vnet header', async () => {
  const k = testKernel();
  const { dev, port } = tapDev(k, true);
  assert.equal(await sh(k, 'ip addr add 10.0.0.1/24 dev tap0'), 0);
  const arp = new Uint8Array(28);
  arp.set([0, 1, 8, 0, 6, 4, 0, 1], 0);
  arp.set(MAC_A, 8);
  arp.set([10, 0, 0, 2], 14);
  arp.set([10, 0, 0, 1], 24);
  port.sent.length = 0;
  k.sched.localBhDisable();
  linkReceive(dev, cat(vnetHdr({}), ethFrame(BCAST, MAC_A, 0x0806, arp)));
  k.sched.localBhEnable();
  const replies = port.sent.filter((f) => f[10 + 12] === 0x08 && f[10 + 13] === 0x06 && f[10 + 21] === 2);
  assert.equal(replies.length, 1);
  assert.deepEqual([...replies[0]!.subarray(0, 10)], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...replies[0]!.subarray(10, 16)], [...MAC_A]);
  assert.equal(dev.stats.rxPackets, 1);
  // Transmit path: a frame queued on the device leaves with a header.
  port.sent.length = 0;
  assert.ok(devQueueXmit(txSkb(dev, ethFrame(MAC_A, dev.devAddr, 0x88b5))) >= 0);
  assert.equal(port.sent.length, 1);
  assert.equal(port.sent[0]!.length, 10 + 60);
});
