/**
 * Generic packet scheduler plumbing (Linux: net/sched/sch_generic.c, sch_api.c,
 * include/net/sch_generic.h): the Qdisc struct, qdisc_run/qdisc_restart/
 * sch_direct_xmit, the NET_TX softirq, and the built-in `noop` and `noqueue`
 * disciplines. Concrete qdiscs (pfifo_fast, netem ...) register QdiscOps.
 */
import type { NetDevice, NetdevQueue } from '../core/netdevice.js';
import { IFF_NO_QUEUE, NETDEV_TX_OK, NET_XMIT_DROP, NET_XMIT_SUCCESS, netifCarrierOk, netifRunning } from '../core/netdevice.js';
import type { SkBuff } from '../core/skbuff.js';
import { kfreeSkbReason } from '../core/skbuff.js';
import { SkBuffHead } from '../core/skb_queue.js';
import { SKB_DROP_REASON_QDISC_DROP } from '../core/drop_reason.js';
import type { Kernel } from '../core/net_namespace.js';
import { NET_TX_SOFTIRQ } from '../core/softirq.js';
import { devHardStartXmit, netdevPickTx } from '../core/dev.js';

/** TC handles: major:minor in one u32 (include/uapi/linux/pkt_sched.h). */
export const TC_H_ROOT = 0xffffffff;
export const TC_H_INGRESS = 0xfffffff1;
export const TC_H_UNSPEC = 0;
export function tcHMake(maj: number, min: number): number {
  return ((maj & 0xffff0000) | (min & 0xffff)) >>> 0;
}

/** Linux: struct gnet_stats_basic_sync. */
export class GnetStatsBasic {
  bytes = 0;
  packets = 0;
}
/** Linux: struct gnet_stats_queue. */
export class GnetStatsQueue {
  qlen = 0;
  backlog = 0;
  drops = 0;
  requeues = 0;
  overlimits = 0;
}

/** Linux: struct Qdisc_ops. enqueue returns NET_XMIT_*; the qdisc owns the skb from then on. */
export interface QdiscOps {
  id: string;
  /** Absent for noqueue: the device transmits directly. */
  enqueue: ((skb: SkBuff, q: Qdisc) => number) | null;
  dequeue(q: Qdisc): SkBuff | null;
  peek(q: Qdisc): SkBuff | null;
  /** Parse options (from `tc` via netlink, already decoded) and set up. Returns 0 or -errno. */
  init?(q: Qdisc, opts: unknown, extack: { msg?: string }): number;
  change?(q: Qdisc, opts: unknown, extack: { msg?: string }): number;
  reset?(q: Qdisc): void;
  destroy?(q: Qdisc): void;
  /** Options for dumps (`tc qdisc show`), in the qdisc's own decoded form. */
  dump?(q: Qdisc): unknown;
}

export class Qdisc {
  handle = 0;
  parent = TC_H_ROOT;
  limit = 0;
  /** Default FIFO; qdiscs with bands keep their own in priv. */
  readonly q = new SkBuffHead();
  /** Skb the driver refused (NETDEV_TX_BUSY), sent first next time (Linux: q->gso_skb). */
  requeued: SkBuff | null = null;
  readonly bstats = new GnetStatsBasic();
  readonly qstats = new GnetStatsQueue();
  /** __QDISC_STATE_SCHED: on the NET_TX output queue. */
  scheduled = false;
  /** Qdisc running guard (Linux: qdisc_run_begin/end). */
  running = false;
  /** Private state of the discipline. */
  priv: unknown = null;
  nextSched: Qdisc | null = null;
  /** Set by `tc` when userspace created it (vs a default qdisc). */
  builtin = false;
  constructor(readonly ops: QdiscOps, readonly dev: NetDevice, readonly txq: NetdevQueue) {}
}

/** Linux: qdisc_enqueue_tail() for FIFO-style qdiscs. */
export function qdiscEnqueueTail(skb: SkBuff, q: Qdisc): number {
  q.q.enqueueTail(skb);
  q.qstats.backlog += skb.len;
  q.qstats.qlen = q.q.qlen;
  return NET_XMIT_SUCCESS;
}

/** Linux: qdisc_dequeue_head(). */
export function qdiscDequeueHead(q: Qdisc): SkBuff | null {
  const skb = q.q.dequeue();
  if (skb) {
    q.qstats.backlog -= skb.len;
    q.qstats.qlen = q.q.qlen;
  }
  return skb;
}

/** Linux: qdisc_drop(): counts and frees. */
export function qdiscDrop(skb: SkBuff, q: Qdisc, reason = SKB_DROP_REASON_QDISC_DROP): number {
  q.qstats.drops++;
  kfreeSkbReason(skb, reason);
  return NET_XMIT_DROP;
}

/** Linux: qdisc_bstats_update(). */
export function qdiscBstatsUpdate(q: Qdisc, skb: SkBuff): void {
  q.bstats.bytes += skb.len;
  q.bstats.packets++;
}

/** noop: drops everything (the qdisc of a device that is down). */
export const noopQdiscOps: QdiscOps = {
  id: 'noop',
  enqueue: (skb, q) => qdiscDrop(skb, q),
  dequeue: () => null,
  peek: () => null,
};

/** noqueue: no queue at all; the device transmits in the caller's context. */
export const noqueueQdiscOps: QdiscOps = {
  id: 'noqueue',
  enqueue: null,
  dequeue: () => null,
  peek: () => null,
};

/** Registered disciplines by id (Linux: register_qdisc()). Filled by each sch_*.ts at import. */
export const qdiscOpsById = new Map<string, QdiscOps>([['noop', noopQdiscOps], ['noqueue', noqueueQdiscOps]]);
/** Linux: register_qdisc(). */
export function registerQdisc(ops: QdiscOps): void {
  qdiscOpsById.set(ops.id, ops);
}

/** Linux: qdisc_create_dflt(). */
export function qdiscCreateDflt(dev: NetDevice, ops: QdiscOps, parent: number, opts?: unknown): Qdisc | null {
  const q = new Qdisc(ops, dev, dev.txQueues[0]!);
  q.parent = parent;
  q.limit = dev.txQueueLen;
  if (ops.init && ops.init(q, opts ?? null, {}) < 0) return null;
  return q;
}

/** Linux: qdisc_reset(). */
export function qdiscReset(q: Qdisc): void {
  q.ops.reset?.(q);
  if (q.requeued) {
    kfreeSkbReason(q.requeued, SKB_DROP_REASON_QDISC_DROP);
    q.requeued = null;
  }
  q.q.purge((skb) => kfreeSkbReason(skb, SKB_DROP_REASON_QDISC_DROP));
  q.qstats.qlen = 0;
  q.qstats.backlog = 0;
}

/** Linux: qdisc_put() / qdisc_destroy(). */
export function qdiscDestroy(q: Qdisc): void {
  qdiscReset(q);
  q.ops.destroy?.(q);
}

/** The default qdisc a device gets when it comes up (Linux: attach_default_qdiscs()). */
export function defaultQdiscOps(dev: NetDevice): QdiscOps {
  if (dev.privFlags & IFF_NO_QUEUE || dev.txQueueLen === 0) return noqueueQdiscOps;
  return qdiscOpsById.get('pfifo_fast') ?? noqueueQdiscOps;
}

/** Linux: dev_activate(): attach the sleeping (or default) qdisc when the device is up with carrier. */
export function devActivate(dev: NetDevice): void {
  if (!dev.qdiscSleeping || dev.qdiscSleeping.ops === noopQdiscOps) {
    const q = qdiscCreateDflt(dev, defaultQdiscOps(dev), TC_H_ROOT);
    dev.qdiscSleeping = q;
  }
  if (!netifCarrierOk(dev)) return;
  dev.qdisc = dev.qdiscSleeping;
  for (const txq of dev.txQueues) txq.transStart = dev.net.kernel.clock.now();
}

/** Linux: dev_deactivate(): back to noop, dropping what was queued. */
export function devDeactivate(dev: NetDevice): void {
  const q = dev.qdisc;
  if (q && q.ops !== noopQdiscOps) qdiscReset(q);
  dev.qdisc = devNoopQdisc(dev);
}

/** A fresh noop qdisc for a device (Linux: &noop_qdisc). */
export function devNoopQdisc(dev: NetDevice): Qdisc {
  return new Qdisc(noopQdiscOps, dev, dev.txQueues[0]!);
}

/** Linux: dev_init_scheduler(). */
export function devInitScheduler(dev: NetDevice): void {
  dev.qdisc = devNoopQdisc(dev);
  dev.qdiscSleeping = null;
}

/** Linux: dev_shutdown(). */
export function devShutdown(dev: NetDevice): void {
  if (dev.qdiscSleeping) qdiscDestroy(dev.qdiscSleeping);
  dev.qdiscSleeping = null;
  dev.qdisc = devNoopQdisc(dev);
}

/** Replace the root qdisc (what `tc qdisc add/replace/del dev X root` does). */
export function qdiscGraft(dev: NetDevice, q: Qdisc | null): void {
  const old = dev.qdiscSleeping;
  dev.qdiscSleeping = q;
  const active = dev.qdisc !== null && dev.qdisc.ops !== noopQdiscOps;
  if (old) qdiscDestroy(old);
  if (active || q === null) {
    dev.qdisc = devNoopQdisc(dev);
    if (netifRunning(dev)) devActivate(dev);
  }
}

/** Linux: __netif_schedule(): put the qdisc on the NET_TX output queue. */
export function netifSchedule(q: Qdisc): void {
  if (q.scheduled) return;
  q.scheduled = true;
  const k = q.dev.net.kernel;
  const sd = k.softnet;
  q.nextSched = null;
  if (sd.outputTail) sd.outputTail.nextSched = q;
  else sd.outputHead = q;
  sd.outputTail = q;
  k.sched.raise(NET_TX_SOFTIRQ);
}

/** Linux: net_tx_action(): run every qdisc that asked to be rescheduled. */
export function netTxAction(k: Kernel): void {
  const sd = k.softnet;
  let q = sd.outputHead;
  sd.outputHead = sd.outputTail = null;
  while (q) {
    const next = q.nextSched;
    q.nextSched = null;
    q.scheduled = false;
    qdiscRun(q);
    q = next;
  }
}

/** Linux: dev_requeue_skb(). */
function devRequeueSkb(skb: SkBuff, q: Qdisc): void {
  q.requeued = skb;
  q.qstats.requeues++;
  q.qstats.qlen++;
  q.qstats.backlog += skb.len;
  netifSchedule(q);
}

function dequeueSkb(q: Qdisc): SkBuff | null {
  const r = q.requeued;
  if (r) {
    const txq = q.dev.txQueues[netdevPickTx(q.dev, r)]!;
    if (txq.stopped) return null;
    q.requeued = null;
    q.qstats.qlen--;
    q.qstats.backlog -= r.len;
    return r;
  }
  return q.ops.dequeue(q);
}

/** Linux: sch_direct_xmit(). Returns false when the queue should stop for now. */
function schDirectXmit(skb: SkBuff, q: Qdisc, dev: NetDevice): boolean {
  const txq = dev.txQueues[netdevPickTx(dev, skb)]!;
  if (txq.stopped) {
    devRequeueSkb(skb, q);
    return false;
  }
  const rc = devHardStartXmit(skb, dev, txq);
  if (rc === NETDEV_TX_OK) return true;
  // NETDEV_TX_BUSY: the driver kept nothing; try again when it wakes the queue.
  devRequeueSkb(skb, q);
  return false;
}

/** Linux: __qdisc_run(): send up to dev_tx_weight packets, then yield to NET_TX. */
export function qdiscRun(q: Qdisc): void {
  if (q.running) return;
  q.running = true;
  const k = q.dev.net.kernel;
  let quota = k.initNet.core.devWeight * k.devWeightTxBias;
  let skb: SkBuff | null;
  while ((skb = dequeueSkb(q))) {
    if (!schDirectXmit(skb, q, q.dev)) break;
    if (--quota <= 0) {
      if (q.ops.peek(q) || q.requeued) netifSchedule(q);
      break;
    }
  }
  q.running = false;
}

/** Linux: __dev_xmit_skb(): enqueue then run the qdisc. */
export function devXmitSkb(skb: SkBuff, q: Qdisc, _dev: NetDevice, _txq: NetdevQueue): number {
  const rc = q.ops.enqueue!(skb, q);
  qdiscRun(q);
  return rc;
}

/** Linux: netif_tx_wake_queue(): the driver has room again. */
export function netifTxWakeQueue(txq: NetdevQueue): void {
  if (!txq.stopped) return;
  txq.stopped = false;
  const q = txq.dev.qdisc;
  if (q && q.ops.enqueue) netifSchedule(q);
}

/** Linux: netif_tx_stop_queue(). */
export function netifTxStopQueue(txq: NetdevQueue): void {
  txq.stopped = true;
}

/** Linux: netif_tx_start_all_queues() / netif_tx_wake_all_queues(). */
export function netifTxWakeAllQueues(dev: NetDevice): void {
  for (const txq of dev.txQueues) netifTxWakeQueue(txq);
}
export function netifTxStopAllQueues(dev: NetDevice): void {
  for (const txq of dev.txQueues) txq.stopped = true;
}
