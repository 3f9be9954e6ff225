import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testKernel, ethFrame, txSkb, BCAST } from '../../test/harness/kernel.js';
import { linkCreate, linkAttach, linkDetach, linkReceive, linkPriv, type LinkPort } from './link.js';
import { devAddPack, devOpen, devQueueXmit, devGetFlags, type PacketType } from '../core/dev.js';
import { consumeSkb, PACKET_HOST } from '../core/skbuff.js';
import { IFF_LOWER_UP, IFF_UP, type NetDevice } from '../core/netdevice.js';

class FakePort implements LinkPort {
  sent: Uint8Array[] = [];
  closed = 0;
  accept = true;
  transmit(frame: Uint8Array): boolean {
    if (!this.accept) return false;
    this.sent.push(frame.slice());
    return true;
  }
  close(): void {
    this.closed++;
  }
}

function setup(): { dev: NetDevice; got: number[]; k: ReturnType<typeof testKernel> } {
  const k = testKernel();
  const dev = linkCreate(k.initNet, { name: 'eth%d', ops: { driver: 'test' } });
  assert.ok(typeof dev !== 'number');
  const got: number[] = [];
  const pt: PacketType = {
    type: 0x88b5, dev: null, ignoreOutgoing: false, afPacketPriv: null,
    func: (skb) => {
      assert.equal(skb.pktType, PACKET_HOST);
      got.push(skb.len);
      consumeSkb(skb);
      return 0;
    },
  };
  devAddPack(k.initNet, pt);
  return { dev, got, k };
}

test('link device: carrier follows the port; frames cross both ways', () => {
  const { dev, got, k } = setup();
  assert.equal(dev.name, 'eth0');
  devOpen(dev);
  assert.equal(devGetFlags(dev) & (IFF_UP | IFF_LOWER_UP), IFF_UP, 'no carrier without a port');
  const port = new FakePort();
  linkAttach(dev, port);
  assert.equal(devGetFlags(dev) & IFF_LOWER_UP, IFF_LOWER_UP);

  assert.ok(devQueueXmit(txSkb(dev, ethFrame(BCAST, dev.devAddr, 0x88b5))) >= 0);
  assert.equal(port.sent.length, 1);
  assert.equal(port.sent[0]!.length, 60);
  assert.equal(dev.stats.txPackets, 1);

  k.sched.localBhDisable();
  linkReceive(dev, ethFrame(dev.devAddr, BCAST.map(() => 2), 0x88b5, 100));
  k.sched.localBhEnable();
  assert.deepEqual(got, [100], 'payload after eth_type_trans pulled the header');
  assert.equal(dev.stats.rxPackets, 1);

  port.accept = false;
  assert.ok(devQueueXmit(txSkb(dev, ethFrame(BCAST, dev.devAddr, 0x88b5))) >= 0);
  assert.equal(dev.coreStats.txDropped, 1, 'a refused frame is tx_dropped');

  linkDetach(dev, 'peer closed');
  assert.equal(port.closed, 1);
  assert.equal(linkPriv(dev).lastError, 'peer closed');
  assert.equal(devGetFlags(dev) & IFF_LOWER_UP, 0, 'carrier off after the wire is lost');
  devQueueXmit(txSkb(dev, ethFrame(BCAST, dev.devAddr, 0x88b5)));
  assert.equal(port.sent.length, 1, 'nothing reaches a closed port');

  const again = new FakePort();
  linkAttach(dev, again);
  assert.equal(devGetFlags(dev) & IFF_LOWER_UP, IFF_LOWER_UP, 'reconnect brings carrier back');
});

test('link device: bad frames from the wire are dropped and counted, never thrown', () => {
  const { dev, got, k } = setup();
  devOpen(dev);
  linkAttach(dev, new FakePort());
  k.sched.localBhDisable();
  linkReceive(dev, new Uint8Array(0));
  linkReceive(dev, new Uint8Array(13));
  linkReceive(dev, ethFrame(dev.devAddr, dev.devAddr, 0x88b5, dev.mtu + 4 + 1));
  linkReceive(dev, ethFrame(dev.devAddr, BCAST.map(() => 2), 0x88b5, dev.mtu + 4));
  k.sched.localBhEnable();
  assert.deepEqual(got, [dev.mtu + 4], 'a VLAN-sized frame passes, one byte more does not');
  assert.equal(dev.stats.rxLengthErrors, 3);
  assert.equal(dev.coreStats.rxDropped, 3);
});
