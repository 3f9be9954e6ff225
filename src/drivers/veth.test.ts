import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testKernel, ethFrame, txSkb, BCAST } from '../../test/harness/kernel.js';
import { vethCreate } from './veth.js';
import { devAddPack, devOpen, devQueueXmit, devGetFlags, type PacketType } from '../core/dev.js';
import { consumeSkb, PACKET_BROADCAST, PACKET_HOST } from '../core/skbuff.js';
import {
  IFF_LOWER_UP, IFF_RUNNING, IFF_UP, IF_OPER_DOWN, IF_OPER_UP, IF_OPER_LOWERLAYERDOWN, devGetIflink,
} from '../core/netdevice.js';

test('veth pair across namespaces: carrier follows the peer, frames cross', () => {
  const k = testKernel();
  const nsB = k.newNet();
  const r = vethCreate(k.initNet, { name: 'veth0', peerName: 'veth1', peerNet: nsB });
  assert.ok(Array.isArray(r));
  const [a, b] = r;
  assert.equal(b.ifindex, 2, 'peer registered first, in its namespace');
  assert.equal(a.ifindex, 2);
  assert.equal(devGetIflink(a), b.ifindex);
  assert.equal(a.operstate, IF_OPER_DOWN);
  devOpen(a);
  assert.equal(devGetFlags(a) & (IFF_UP | IFF_LOWER_UP), IFF_UP, 'no carrier while the peer is down');
  assert.equal(a.operstate, IF_OPER_DOWN);
  devOpen(b);
  assert.equal(a.operstate, IF_OPER_UP);
  assert.equal(devGetFlags(b) & (IFF_UP | IFF_LOWER_UP | IFF_RUNNING), IFF_UP | IFF_LOWER_UP | IFF_RUNNING);

  const got: { type: number; pkt: number; dev: string }[] = [];
  const pt: PacketType = {
    type: 0x88b5, dev: null, ignoreOutgoing: false, afPacketPriv: null,
    func: (skb, dev) => {
      got.push({ type: skb.protocol, pkt: skb.pktType, dev: dev.name });
      consumeSkb(skb);
      return 0;
    },
  };
  devAddPack(nsB, pt);
  assert.ok(devQueueXmit(txSkb(a, ethFrame(BCAST, a.devAddr, 0x88b5))) >= 0);
  assert.ok(devQueueXmit(txSkb(a, ethFrame(b.devAddr, a.devAddr, 0x88b5))) >= 0);
  assert.deepEqual(got, [
    { type: 0x88b5, pkt: PACKET_BROADCAST, dev: 'veth1' },
    { type: 0x88b5, pkt: PACKET_HOST, dev: 'veth1' },
  ]);
  assert.equal(a.stats.txPackets, 2);
  assert.equal(b.stats.rxPackets, 2);
  void IF_OPER_LOWERLAYERDOWN;
});
