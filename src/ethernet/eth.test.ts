import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ethTypeTrans, parseMac, formatMac, ethRandomAddr, isValidEtherAddr, ethHeader } from './eth.js';
import { skbFromBytes, PACKET_HOST, PACKET_BROADCAST, PACKET_MULTICAST, PACKET_OTHERHOST, allocSkb, skbReserve } from '../core/skbuff.js';
import { NetDevice } from '../core/netdevice.js';
import { ETH_P_802_2, ETH_P_802_3, ETH_P_ARP, ETH_P_IP } from '../core/dev.js';
import { Rng } from '../core/rng.js';

const me = parseMac('02:00:00:00:00:01')!;
const other = parseMac('02:00:00:00:00:02')!;
function dev(): NetDevice {
  const d = new NetDevice('eth0', { ndoStartXmit: () => 0 });
  d.devAddr = me;
  return d;
}
// Golden: an ARP request as captured on a Linux veth (dst broadcast).
const arpReq = Uint8Array.from(Buffer.from(
  'ffffffffffff020000000002080600010800060400010200000000020a0000020000000000000a000001' +
  '000000000000000000000000000000000000', 'hex'));

test('ethTypeTrans classifies by destination and pulls the header', () => {
  const d = dev();
  let skb = skbFromBytes(null, arpReq);
  assert.equal(ethTypeTrans(skb, d), ETH_P_ARP);
  assert.equal(skb.pktType, PACKET_BROADCAST);
  assert.equal(skb.len, arpReq.length - 14);
  assert.equal(skb.macHeader, skb.data - 14);
  assert.equal(skb.dev, d);

  const f = arpReq.slice();
  f.set(me, 0);
  f[12] = 0x08; f[13] = 0x00;
  skb = skbFromBytes(null, f);
  assert.equal(ethTypeTrans(skb, d), ETH_P_IP);
  assert.equal(skb.pktType, PACKET_HOST);

  f.set(other, 0);
  skb = skbFromBytes(null, f);
  ethTypeTrans(skb, d);
  assert.equal(skb.pktType, PACKET_OTHERHOST);

  f.set([0x01, 0x00, 0x5e, 0x00, 0x00, 0x01], 0);
  skb = skbFromBytes(null, f);
  ethTypeTrans(skb, d);
  assert.equal(skb.pktType, PACKET_MULTICAST);
});

test('ethTypeTrans: 802.3 length field gives 802.2 LLC, or raw 802.3 for 0xFFFF', () => {
  const d = dev();
  const f = new Uint8Array(60);
  f.set(me, 0);
  f[12] = 0x00; f[13] = 46;
  f[14] = 0x42; f[15] = 0x42; // STP LLC
  assert.equal(ethTypeTrans(skbFromBytes(null, f), d), ETH_P_802_2);
  f[14] = 0xff; f[15] = 0xff;
  assert.equal(ethTypeTrans(skbFromBytes(null, f), d), ETH_P_802_3);
});

test('ethHeader pushes dst/src/type', () => {
  const d = dev();
  const skb = allocSkb(64);
  skbReserve(skb, 32);
  assert.equal(ethHeader(skb, d, ETH_P_IP, other, null, 0), 14);
  assert.equal(formatMac(skb.buf, skb.data), '02:00:00:00:00:02');
  assert.equal(formatMac(skb.buf, skb.data + 6), '02:00:00:00:00:01');
  assert.equal((skb.buf[skb.data + 12]! << 8) | skb.buf[skb.data + 13]!, ETH_P_IP);
});

test('MAC parse/format and random addresses are local unicast and seeded', () => {
  assert.equal(parseMac('zz:00:00:00:00:00'), null);
  assert.equal(parseMac('00:11:22:33:44'), null);
  assert.equal(formatMac(parseMac('AA-bb-0c-dd-ee-0f')!), 'aa:bb:0c:dd:ee:0f');
  const a = ethRandomAddr(new Rng(7));
  const b = ethRandomAddr(new Rng(7));
  assert.deepEqual(a, b);
  assert.ok(isValidEtherAddr(a));
  assert.equal(a[0]! & 0x03, 0x02);
});

test('frames from a wire: too short or longer than MTU + headers are counted rx_length_errors and dropped', async () => {
  const { testKernel } = await import('../../test/harness/kernel.js');
  const { vethCreate } = await import('../drivers/veth.js');
  const { devOpen } = await import('../core/dev.js');
  const { ethReceiveFrame } = await import('./eth.js');
  const k = testKernel();
  const r = vethCreate(k.initNet, { name: 'va', peerName: 'vb' });
  assert.ok(Array.isArray(r));
  const d = r[0];
  devOpen(d);
  assert.equal(ethReceiveFrame(d, new Uint8Array(13)), 1);
  assert.equal(ethReceiveFrame(d, new Uint8Array(1500 + 14 + 4 + 1)), 1);
  assert.equal(d.stats.rxLengthErrors, 2);
  assert.equal(d.stats.rxErrors, 2);
  const ok = new Uint8Array(1500 + 14);
  ok.set(d.devAddr, 0);
  ok[12] = 0x88; ok[13] = 0xb5;
  k.sched.localBhDisable();
  assert.equal(ethReceiveFrame(d, ok), 0);
  k.sched.localBhEnable();
  assert.equal(d.stats.rxPackets, 1);
  assert.equal(d.stats.rxLengthErrors, 2);
});
