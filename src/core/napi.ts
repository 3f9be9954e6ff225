/**
 * NAPI and the receive softirq (Linux: net/core/dev.c napi_schedule, net_rx_action,
 * napi_poll, process_backlog, enqueue_to_backlog; include/linux/netdevice.h
 * struct napi_struct, struct softnet_data).
 *
 * A driver with frames calls `napiSchedule`; NET_RX then calls its `poll(budget)`
 * with budget = weight (64). A poll that used all of its weight stays scheduled
 * and goes to the end of the list; one that used less calls `napiCompleteDone`.
 * A round ends when `netdev_budget` (300) packets or `netdev_budget_usecs` pass
 * (counted as time_squeeze), and the rest waits for the next round, so one busy
 * device cannot starve others. Drivers without NAPI use `netifRx`, which queues
 * to the per-CPU backlog (`netdev_max_backlog` 1000) polled the same way.
 */
import type { Kernel } from './net_namespace.js';
import type { NetDevice } from './netdevice.js';
import type { SkBuff } from './skbuff.js';
import type { Qdisc } from '../sched/sch_generic.js';
import { kfreeSkbReason } from './skbuff.js';
import { SkBuffHead } from './skb_queue.js';
import { NET_RX_SOFTIRQ } from './softirq.js';
import { SKB_DROP_REASON_CPU_BACKLOG } from './drop_reason.js';
import { NSEC_PER_USEC } from './clock.js';
import { netifReceiveSkb } from './dev.js';
import { netifRunning } from './netdevice.js';

export const NAPI_POLL_WEIGHT = 64;
export const NAPI_STATE_SCHED = 1 << 0;
export const NAPI_STATE_DISABLE = 1 << 2;

export type NapiPoll = (napi: NapiStruct, budget: number) => number;

export class NapiStruct {
  state = 0;
  weight: number;
  /** Set by the driver; the backlog uses processBacklog. */
  poll: NapiPoll;
  dev: NetDevice | null;
  /** Driver-private (e.g. the veth receive queue). */
  priv: unknown = null;
  /** Position in the poll list (intrusive list, no allocation). */
  pollNext: NapiStruct | null = null;
  onPollList = false;
  constructor(dev: NetDevice | null, poll: NapiPoll, weight = NAPI_POLL_WEIGHT) {
    this.dev = dev;
    this.poll = poll;
    this.weight = weight;
  }
}

/** Linux: struct softnet_data (one "CPU"). Counters as /proc/net/softnet_stat shows them. */
export class SoftnetData {
  pollHead: NapiStruct | null = null;
  pollTail: NapiStruct | null = null;
  readonly inputPktQueue = new SkBuffHead();
  readonly backlog: NapiStruct;
  processed = 0;
  dropped = 0;
  timeSqueeze = 0;
  receivedRps = 0;
  /** Qdiscs waiting for NET_TX (Linux: sd->output_queue). */
  outputHead: Qdisc | null = null;
  outputTail: Qdisc | null = null;
  constructor(readonly kernel: Kernel) {
    this.backlog = new NapiStruct(null, processBacklog, NAPI_POLL_WEIGHT);
    this.backlog.priv = this;
  }

  addPoll(n: NapiStruct): void {
    n.pollNext = null;
    n.onPollList = true;
    if (this.pollTail) this.pollTail.pollNext = n;
    else this.pollHead = n;
    this.pollTail = n;
  }

  takePoll(): NapiStruct | null {
    const n = this.pollHead;
    if (!n) return null;
    this.pollHead = n.pollNext;
    if (!this.pollHead) this.pollTail = null;
    n.pollNext = null;
    n.onPollList = false;
    return n;
  }
}

/** Linux: netif_napi_add_weight(). */
export function netifNapiAdd(dev: NetDevice, poll: NapiPoll, weight = NAPI_POLL_WEIGHT): NapiStruct {
  const n = new NapiStruct(dev, poll, weight);
  dev.napiList.push(n);
  return n;
}

/** Linux: netif_napi_del(). */
export function netifNapiDel(napi: NapiStruct): void {
  if (napi.dev) napi.dev.napiList = napi.dev.napiList.filter((x) => x !== napi);
  napi.state |= NAPI_STATE_DISABLE;
}

function kernelOf(napi: NapiStruct): Kernel {
  return napi.dev ? napi.dev.net.kernel : (napi.priv as SoftnetData).kernel;
}

/** Linux: napi_schedule(): queue the poll unless already scheduled. Returns true if it queued. */
export function napiSchedule(napi: NapiStruct): boolean {
  if (napi.state & (NAPI_STATE_SCHED | NAPI_STATE_DISABLE)) return false;
  napi.state |= NAPI_STATE_SCHED;
  const k = kernelOf(napi);
  k.softnet.addPoll(napi);
  k.sched.raise(NET_RX_SOFTIRQ);
  return true;
}

/** Linux: napi_complete_done(): the poll is finished; the driver may re-enable interrupts. */
export function napiCompleteDone(napi: NapiStruct, _workDone: number): boolean {
  napi.state &= ~NAPI_STATE_SCHED;
  return true;
}

/** Linux: net_rx_action(). */
export function netRxAction(k: Kernel): void {
  const sd = k.softnet;
  let budget = k.netdevBudget;
  const timeLimit = k.clock.now() + k.netdevBudgetUsecs * NSEC_PER_USEC;
  // Polls scheduled during this round wait for the next one (Linux splices the list first).
  let napi: NapiStruct | null;
  let count = 0;
  let listLen = 0;
  for (let p = sd.pollHead; p; p = p.pollNext) listLen++;
  while (count < listLen && (napi = sd.takePoll())) {
    count++;
    const weight = napi.weight;
    const work = napi.poll(napi, weight);
    if (k.trace.napiPoll.enabled) for (const p of k.trace.napiPoll.probes) p(napi, work, weight);
    budget -= work;
    // A poll that consumed its whole weight stays scheduled: back to the tail.
    if (work >= weight && (napi.state & NAPI_STATE_SCHED)) sd.addPoll(napi);
    if (budget <= 0 || (!k.clock.virtual && k.clock.now() >= timeLimit)) {
      sd.timeSqueeze++;
      break;
    }
  }
  if (sd.pollHead) k.sched.pending |= NET_RX_SOFTIRQ;
}

/** Linux: process_backlog(): the NAPI poll of the per-CPU input queue. */
export function processBacklog(napi: NapiStruct, quota: number): number {
  const sd = napi.priv as SoftnetData;
  let work = 0;
  while (work < quota) {
    const skb = sd.inputPktQueue.dequeue();
    if (!skb) break;
    netifReceiveSkb(skb);
    work++;
  }
  if (sd.inputPktQueue.qlen === 0) napiCompleteDone(napi, work);
  return work;
}

/** Linux: enqueue_to_backlog(). Returns NET_RX_SUCCESS (0) or NET_RX_DROP (1). */
export function enqueueToBacklog(k: Kernel, skb: SkBuff): number {
  const sd = k.softnet;
  const dev = skb.dev!;
  if (netifRunning(dev) && sd.inputPktQueue.qlen <= k.netdevMaxBacklog) {
    sd.inputPktQueue.enqueueTail(skb);
    napiSchedule(sd.backlog);
    return 0;
  }
  sd.dropped++;
  dev.coreStats.rxDropped++;
  kfreeSkbReason(skb, SKB_DROP_REASON_CPU_BACKLOG);
  return 1;
}
