import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testKernel, ethFrame, txSkb, BCAST } from '../../test/harness/kernel.js';
import { testDevCreate, testDevPriv, testDevComplete } from '../../test/harness/txdev.js';
import { devQueueXmit, devChangeTxQueueLen } from '../core/dev.js';
import { qdiscCreateDflt, TC_H_ROOT, netifTxStopQueue, netifTxWakeQueue } from './sch_generic.js';
import { pfifoFastOps, prio2band } from './sch_pfifo_fast.js';
import type { NetDevice } from '../core/netdevice.js';

function frame(dev: NetDevice, tag: number, len = 60): Uint8Array {
  const payload = new Uint8Array(len - 14);
  payload[0] = tag;
  return ethFrame(BCAST, dev.devAddr, 0x88b5, payload);
}

test('pfifo_fast is the default qdisc of a queueing device', () => {
  const k = testKernel();
  const dev = testDevCreate(k.initNet);
  assert.equal(dev.qdisc?.ops.id, 'pfifo_fast');
  assert.equal(k.initNet.loopbackDev!.qdisc?.ops.id, 'noqueue');
});

test('pfifo_fast: bands from skb.priority through the priomap, band 0 first', () => {
  const k = testKernel();
  const dev = testDevCreate(k.initNet);
  const q = qdiscCreateDflt(dev, pfifoFastOps, TC_H_ROOT)!;
  // priorities 0..15 land in prio2band[prio]; dequeue order is band 0, 1, 2, FIFO within a band.
  for (let prio = 0; prio < 16; prio++) {
    const skb = txSkb(dev, frame(dev, prio));
    skb.priority = prio;
    assert.equal(q.ops.enqueue!(skb, q), 0);
  }
  assert.equal(q.qstats.qlen, 16);
  assert.equal(q.qstats.backlog, 16 * 60);
  const order: number[] = [];
  for (;;) {
    const skb = q.ops.dequeue(q);
    if (!skb) break;
    order.push(skb.priority);
  }
  const expect = [0, 1, 2].flatMap((band) => [...Array(16).keys()].filter((p) => prio2band[p] === band));
  assert.deepEqual(order, expect);
  assert.deepEqual(order.slice(0, 2), [6, 7], 'TC_PRIO_INTERACTIVE and CONTROL go first');
  assert.equal(q.qstats.qlen, 0);
  assert.equal(q.qstats.backlog, 0);
  assert.equal(q.bstats.packets, 16);
  assert.equal(q.bstats.bytes, 16 * 60);
});

test('pfifo_fast: each band holds txqueuelen packets, the rest are tail-dropped', () => {
  const k = testKernel();
  const dev = testDevCreate(k.initNet);
  assert.equal(devChangeTxQueueLen(dev, 5), 0);
  netifTxStopQueue(dev.txQueues[0]!);
  // Band 1 (prio 0): the first packet is taken by qdisc_run and requeued (the queue is
  // stopped), five fill the band, the next four are dropped.
  for (let i = 0; i < 10; i++) devQueueXmit(txSkb(dev, frame(dev, i)));
  const q = dev.qdisc!;
  assert.equal(q.qstats.drops, 4);
  assert.equal(q.qstats.requeues, 1);
  assert.equal(q.qstats.qlen, 6);
  // Another band still has room.
  const hi = txSkb(dev, frame(dev, 100));
  hi.priority = 6;
  devQueueXmit(hi);
  assert.equal(q.qstats.drops, 4);
  netifTxWakeQueue(dev.txQueues[0]!);
  k.settle();
  const tags = testDevPriv(dev).sent.map((s) => s.frame[14]);
  assert.deepEqual(tags, [0, 100, 1, 2, 3, 4, 5], 'requeued packet first, then band 0, then band 1');
  assert.equal(q.qstats.qlen, 0);
  assert.equal(k.initNet.dropCounts.reduce((a, b) => a + b, 0), 4);
});

test('driver NETDEV_TX_BUSY: queue stops, the skb is requeued and sent first after wake', () => {
  const k = testKernel();
  const dev = testDevCreate(k.initNet);
  const p = testDevPriv(dev);
  p.ring = 3;
  for (let i = 0; i < 8; i++) devQueueXmit(txSkb(dev, frame(dev, i)));
  const q = dev.qdisc!;
  assert.equal(p.sent.length, 3);
  assert.equal(p.busy, 1);
  assert.equal(dev.txQueues[0]!.stopped, true);
  assert.equal(q.qstats.requeues, 1);
  assert.equal(q.qstats.qlen, 5);
  testDevComplete(dev);
  k.settle();
  assert.equal(p.sent.length, 6);
  testDevComplete(dev);
  k.settle();
  assert.deepEqual(p.sent.map((s) => s.frame[14]), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.equal(q.qstats.qlen, 0);
  assert.equal(q.qstats.backlog, 0);
  assert.equal(q.bstats.packets, 8);
  assert.equal(q.qstats.drops, 0);
});

test('pfifo_fast refuses a device with tx_queue_len 0 (no zero length rings), as Linux', () => {
  const k = testKernel();
  const dev = testDevCreate(k.initNet);
  assert.equal(devChangeTxQueueLen(dev, 0), 0);
  assert.equal(qdiscCreateDflt(dev, pfifoFastOps, TC_H_ROOT), null);
});
