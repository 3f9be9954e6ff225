/**
 * A transmit-side test device for qdisc tests: an Ethernet device with a queue
 * (pfifo_fast by default) whose driver records what it sends and when, and can
 * model a small hardware ring that fills (NETDEV_TX_BUSY, queue stop) and is
 * drained later by a "TX completion" that wakes the queue.
 */
import type { Net } from '../../src/core/net_namespace.js';
import { type NetDevice, NETDEV_TX_BUSY, NETDEV_TX_OK, allocNetdev } from '../../src/core/netdevice.js';
import { type SkBuff, consumeSkb } from '../../src/core/skbuff.js';
import { devOpen, registerNetdevice } from '../../src/core/dev.js';
import { etherSetup, ethMacAddr, ethValidateAddr } from '../../src/ethernet/eth.js';
import { netifTxStopQueue, netifTxWakeQueue } from '../../src/sched/sch_generic.js';
import { BOOT_TIME_NS } from '../../src/core/clock.js';

export interface TestTx {
  /** Time of transmission (ns) and a copy of the frame. */
  /** ns since the kernel booted (kernel clock - BOOT_TIME_NS). */
  at: number;
  frame: Uint8Array;
}

export class TestDevPriv {
  readonly sent: TestTx[] = [];
  /** Ring capacity; Infinity = never busy. */
  ring = Infinity;
  /** Frames in the "hardware" ring, waiting for completion. */
  inRing: SkBuff[] = [];
  /** Number of NETDEV_TX_BUSY answers. */
  busy = 0;
}

function testXmit(skb: SkBuff, dev: NetDevice): number {
  const p = dev.priv as TestDevPriv;
  if (p.inRing.length >= p.ring) {
    // A driver that forgot to stop its queue: say BUSY, the qdisc requeues.
    p.busy++;
    netifTxStopQueue(dev.txQueues[0]!);
    return NETDEV_TX_BUSY;
  }
  p.sent.push({ at: dev.net.kernel.clock.now() - BOOT_TIME_NS, frame: skb.buf.slice(skb.data, skb.tail) });
  dev.stats.txPackets++;
  dev.stats.txBytes += skb.len;
  if (p.ring === Infinity) consumeSkb(skb);
  else p.inRing.push(skb);
  return NETDEV_TX_OK;
}

/** TX completion: free what the ring holds and wake the queue (Linux: a NAPI TX clean). */
export function testDevComplete(dev: NetDevice): void {
  const p = dev.priv as TestDevPriv;
  for (const skb of p.inRing) consumeSkb(skb);
  p.inRing = [];
  netifTxWakeQueue(dev.txQueues[0]!);
}

/** Register and open a queueing test device `name` in `net`. */
export function testDevCreate(net: Net, name = 'tq0'): NetDevice {
  const dev = allocNetdev(name, etherSetup, {
    ndoStartXmit: testXmit,
    ndoValidateAddr: ethValidateAddr,
    ndoSetMacAddress: ethMacAddr,
  });
  dev.priv = new TestDevPriv();
  dev.devAddr = Uint8Array.of(0x02, 0, 0, 0, 0, 1);
  dev.net = net;
  const err = registerNetdevice(net, dev);
  if (err) throw new Error(`testdev: ${err}`);
  devOpen(dev);
  return dev;
}

export function testDevPriv(dev: NetDevice): TestDevPriv {
  return dev.priv as TestDevPriv;
}
