import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testKernel, ethFrame, txSkb, BCAST } from '../../test/harness/kernel.js';
import {
  devSetPromiscuity, devChangeFlags, devGetFlags, devOpen, devAddPack, devQueueXmit, netifRx,
  registerNetdevice, devAllocName, devChangeName, devSetMtu, devChangeNetNamespace, unregisterNetdevice,
  ETH_P_ALL, type PacketType, netdevRxHandlerRegister,
} from './dev.js';
import {
  IFF_PROMISC, IFF_UP, IFF_ALLMULTI, allocNetdev, RX_HANDLER_CONSUMED, IFF_LOWER_UP, IFF_RUNNING,
} from './netdevice.js';
import { dummySetup, dummyOps } from '../drivers/dummy.js';
import { vethCreate } from '../drivers/veth.js';
import { type SkBuff, consumeSkb, skbFromBytes, PACKET_OUTGOING } from './skbuff.js';
import { SKB_DROP_REASON_UNHANDLED_PROTO } from './drop_reason.js';
import { NETDEV_CHANGE, NETDEV_CHANGENAME, NETDEV_REGISTER, NETDEV_UNREGISTER, NETDEV_UP, NETDEV_DOWN, NOTIFY_DONE } from './notifier.js';
import { ethTypeTrans } from '../ethernet/eth.js';
import { devSetAllmulti } from './dev.js';
import { devMcAdd, devMcDel } from './dev_addr_lists.js';
import { EEXIST, EINVAL } from '../socket/errno.js';
import type { Kernel } from './net_namespace.js';

function dummy(k: Kernel, name = 'dummy%d') {
  const dev = allocNetdev(name, (d) => dummySetup(d, k.rng), dummyOps);
  dev.net = k.initNet;
  assert.equal(registerNetdevice(k.initNet, dev), 0);
  return dev;
}

test('promiscuity is a counter; IFF_PROMISC follows counter > 0; user promisc shows in gflags only', () => {
  const k = testKernel();
  const d = dummy(k);
  devOpen(d);
  const rxModes: number[] = [];
  d.netdevOps = { ...d.netdevOps, ndoChangeRxFlags: (_d, f) => rxModes.push(f) };
  devSetPromiscuity(d, 1);
  devSetPromiscuity(d, 1);
  assert.equal(d.promiscuity, 2);
  assert.ok(d.flags & IFF_PROMISC);
  assert.equal(devGetFlags(d) & IFF_PROMISC, 0, 'a tap raising promiscuity does not show PROMISC to userspace');
  devSetPromiscuity(d, -1);
  assert.ok(d.flags & IFF_PROMISC);
  devSetPromiscuity(d, -1);
  assert.equal(d.flags & IFF_PROMISC, 0);
  assert.deepEqual(rxModes, [IFF_PROMISC, IFF_PROMISC], 'driver told only on flips');
  assert.ok(devSetPromiscuity(d, -1) < 0, 'counter never goes negative');
  // `ip link set promisc on` is gflags + one count.
  devChangeFlags(d, devGetFlags(d) | IFF_PROMISC);
  assert.equal(d.promiscuity, 1);
  assert.ok(devGetFlags(d) & IFF_PROMISC);
  devChangeFlags(d, devGetFlags(d) & ~IFF_PROMISC);
  assert.equal(d.promiscuity, 0);
  devSetAllmulti(d, 1);
  assert.ok(d.flags & IFF_ALLMULTI);
  devSetAllmulti(d, -1);
  assert.equal(d.flags & IFF_ALLMULTI, 0);
});

test('multicast list entries are refcounted', () => {
  const k = testKernel();
  const d = dummy(k);
  const g = new Uint8Array([0x01, 0x00, 0x5e, 0, 0, 1]);
  devMcAdd(d, g);
  devMcAdd(d, g);
  assert.equal(d.mc.length, 1);
  assert.equal(d.mc[0]!.refcount, 2);
  devMcDel(d, g);
  assert.equal(d.mc.length, 1);
  devMcDel(d, g);
  assert.equal(d.mc.length, 0);
  assert.ok(devMcDel(d, g) < 0);
});

test('names: %d templates, duplicates, invalid names, rename', () => {
  const k = testKernel();
  const a = dummy(k);
  const b = dummy(k);
  assert.equal(a.name, 'dummy0');
  assert.equal(b.name, 'dummy1');
  assert.equal(devAllocName(k.initNet, 'dummy%d'), 'dummy2');
  const dup = allocNetdev('dummy0', (d) => dummySetup(d, k.rng), dummyOps);
  assert.equal(registerNetdevice(k.initNet, dup), -EEXIST);
  for (const bad of ['', 'a/b', 'has space', 'x'.repeat(16), '.', '..', 'a:b']) {
    const d = allocNetdev(bad, (x) => dummySetup(x, k.rng), dummyOps);
    assert.equal(registerNetdevice(k.initNet, d), -EINVAL, `name ${JSON.stringify(bad)}`);
  }
  const events: number[] = [];
  k.netdevChain.register((ev) => { if (ev === NETDEV_CHANGENAME || ev === NETDEV_UP) events.push(ev); return NOTIFY_DONE; });
  assert.equal(devChangeName(a, 'dummy1'), -EEXIST);
  assert.equal(devChangeName(a, 'eth7'), 0);
  assert.equal(k.initNet.devGetByName('eth7'), a);
  assert.equal(k.initNet.devGetByName('dummy0'), null);
  devOpen(a);
  assert.equal(devChangeName(a, 'eth8'), 0, 'current Linux renames live devices');
  assert.deepEqual(events, [NETDEV_CHANGENAME, NETDEV_UP, NETDEV_CHANGENAME]);
});

test('MTU limits and notifier order on register/unregister', () => {
  const k = testKernel();
  const events: string[] = [];
  k.netdevChain.register((ev, dev) => {
    const n = { [NETDEV_REGISTER]: 'REGISTER', [NETDEV_UNREGISTER]: 'UNREGISTER', [NETDEV_UP]: 'UP', [NETDEV_DOWN]: 'DOWN', [NETDEV_CHANGE]: 'CHANGE' }[ev];
    if (n) events.push(`${n} ${dev.name}`);
    return NOTIFY_DONE;
  });
  const r = vethCreate(k.initNet, { name: 'va', peerName: 'vb' });
  assert.ok(Array.isArray(r));
  const [va, vb] = r;
  assert.equal(devSetMtu(va, 67), -EINVAL);
  assert.equal(devSetMtu(va, 65536), -EINVAL);
  assert.equal(devSetMtu(va, 9000), 0);
  devOpen(va);
  devOpen(vb);
  unregisterNetdevice(va);
  assert.equal(k.initNet.devGetByName('vb'), null, 'deleting one end deletes the pair');
  assert.deepEqual(events.filter((e) => !e.startsWith('CHANGE')), [
    'REGISTER vb', 'REGISTER va', 'UP va', 'UP vb', 'DOWN va', 'UNREGISTER va', 'DOWN vb', 'UNREGISTER vb',
  ]);
});

test('lo cannot change namespace; a name clash in the target gives EEXIST', () => {
  const k = testKernel();
  const ns = k.newNet();
  const extack: { msg?: string } = {};
  assert.equal(devChangeNetNamespace(k.initNet.loopbackDev!, ns, undefined, extack), -EINVAL);
  assert.equal(extack.msg, 'The interface netns is immutable');
  assert.equal(devChangeNetNamespace(k.initNet.loopbackDev!, k.initNet), 0, 'moving to its own namespace is a no-op');
  const r = vethCreate(k.initNet, { name: 'x0', peerName: 'x1' });
  assert.ok(Array.isArray(r));
  const clash = vethCreate(ns, { name: 'x0', peerName: 'y1' });
  assert.ok(Array.isArray(clash));
  assert.equal(devChangeNetNamespace(r[0], ns), -EEXIST, 'ns already has x0');
  assert.equal(r[0].net, k.initNet);
  assert.equal(devChangeNetNamespace(r[1], ns), 0);
  assert.equal(ns.devGetByName('x1'), r[1]);
  assert.equal(r[1].net, ns);
});

test('no handler for the ethertype: counted rx_dropped and UNHANDLED_PROTO', () => {
  const k = testKernel();
  const r = vethCreate(k.initNet, { name: 'va', peerName: 'vb' });
  assert.ok(Array.isArray(r));
  const [va, vb] = r;
  devOpen(va);
  devOpen(vb);
  devQueueXmit(txSkb(va, ethFrame(BCAST, va.devAddr, 0x88b5)));
  assert.equal(vb.coreStats.rxDropped, 1);
  assert.equal(k.initNet.dropCounts[SKB_DROP_REASON_UNHANDLED_PROTO], 1);
});

test('taps see incoming and outgoing frames; rx_handler may consume', () => {
  const k = testKernel();
  const r = vethCreate(k.initNet, { name: 'va', peerName: 'vb' });
  assert.ok(Array.isArray(r));
  const [va, vb] = r;
  devOpen(va);
  devOpen(vb);
  const seen: string[] = [];
  const tap: PacketType = {
    type: ETH_P_ALL, dev: null, ignoreOutgoing: false, afPacketPriv: null,
    func: (skb: SkBuff, dev) => {
      seen.push(`${dev.name}:${skb.pktType === PACKET_OUTGOING ? 'out' : 'in'}:${skb.len}`);
      consumeSkb(skb);
      return 0;
    },
  };
  devAddPack(k.initNet, tap);
  netdevRxHandlerRegister(vb, (skb) => {
    seen.push('handler');
    consumeSkb(skb);
    return RX_HANDLER_CONSUMED;
  }, null);
  devQueueXmit(txSkb(va, ethFrame(BCAST, va.devAddr, 0x88b5)));
  assert.deepEqual(seen, ['va:out:60', 'vb:in:46', 'handler']);
  assert.ok(devGetFlags(vb) & (IFF_UP | IFF_LOWER_UP | IFF_RUNNING));
});

test('netif_rx backlog holds netdev_max_backlog(+1) frames, then drops (CPU_BACKLOG)', () => {
  const k = testKernel();
  const r = vethCreate(k.initNet, { name: 'va', peerName: 'vb' });
  assert.ok(Array.isArray(r));
  const [, vb] = r;
  devOpen(vb);
  let delivered = 0;
  devAddPack(k.initNet, {
    type: 0x88b5, dev: null, ignoreOutgoing: false, afPacketPriv: null,
    func: (skb) => { delivered++; consumeSkb(skb); return 0; },
  });
  k.netdevMaxBacklog = 10;
  k.sched.localBhDisable();
  for (let i = 0; i < 15; i++) {
    const skb = skbFromBytes(vb, ethFrame(BCAST, vb.devAddr, 0x88b5));
    skb.protocol = ethTypeTrans(skb, vb);
    netifRx(skb);
  }
  k.sched.localBhEnable();
  assert.equal(delivered, 11);
  assert.equal(k.softnet.dropped, 4);
  assert.equal(vb.coreStats.rxDropped, 4);
});

test('a dying namespace deletes its devices through their kind (a veth takes its peer along)', async () => {
  const { createKernel } = await import('../index.js');
  const k = createKernel();
  const ns = k.newNet();
  ns.refcnt++;
  const r = vethCreate(k.initNet, { name: 'va', peerName: 'vb', peerNet: ns });
  assert.ok(Array.isArray(r));
  const events: string[] = [];
  k.netdevChain.register((ev, dev) => {
    if (ev === NETDEV_UNREGISTER) events.push(`UNREGISTER ${dev.name}`);
    return NOTIFY_DONE;
  });
  k.putNet(ns);
  assert.equal(k.initNet.devGetByName('va'), null, 'the peer in the initial namespace went too');
  assert.ok(ns.dying);
  assert.deepEqual(events, ['UNREGISTER vb', 'UNREGISTER va', 'UNREGISTER lo']);
});
