/**
 * pfifo_fast, the default queueing discipline of a device with a queue
 * (Linux: net/sched/sch_generic.c pfifo_fast_ops). Three FIFO bands; the band
 * of a packet comes from skb.priority through the priomap (`prio2band`), band
 * 0 is always served first. Linux keeps one ring of `tx_queue_len` slots per
 * band (skb_array), so the limit applies to each band separately, and a full
 * band drops the new packet (tail drop) and counts it in `dropped`.
 */
import type { SkBuff } from '../core/skbuff.js';
import { NET_XMIT_SUCCESS } from '../core/netdevice.js';
import { SkBuffHead } from '../core/skb_queue.js';
import { type Qdisc, type QdiscOps, qdiscBstatsUpdate, qdiscDrop } from './sch_generic.js';
import { kfreeSkbReason } from '../core/skbuff.js';
import { SKB_DROP_REASON_QDISC_DROP } from '../core/drop_reason.js';
import { EINVAL } from '../socket/errno.js';

/** include/uapi/linux/pkt_sched.h */
export const TC_PRIO_BESTEFFORT = 0;
export const TC_PRIO_FILLER = 1;
export const TC_PRIO_BULK = 2;
export const TC_PRIO_INTERACTIVE_BULK = 4;
export const TC_PRIO_INTERACTIVE = 6;
export const TC_PRIO_CONTROL = 7;
export const TC_PRIO_MAX = 15;
export const TC_PRIO_MASK = 15;
export const TCQ_PRIO_BANDS = 16;
export const PFIFO_FAST_BANDS = 3;

/** Linux: sch_generic.c prio2band[]: priority (low 4 bits) to band. */
export const prio2band: readonly number[] = [1, 2, 2, 2, 1, 2, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1];

/** What a dump reports (Linux: struct tc_prio_qopt, TCA_OPTIONS of pfifo_fast). */
export interface TcPrioQopt {
  bands: number;
  priomap: number[];
}

/** Linux: struct pfifo_fast_priv. */
export class PfifoFastPriv {
  readonly bands: SkBuffHead[] = [new SkBuffHead(), new SkBuffHead(), new SkBuffHead()];
}

function priv(q: Qdisc): PfifoFastPriv {
  return q.priv as PfifoFastPriv;
}

/** Linux: pfifo_fast_enqueue(). */
function pfifoFastEnqueue(skb: SkBuff, q: Qdisc): number {
  const band = prio2band[skb.priority & TC_PRIO_MAX]!;
  const list = priv(q).bands[band]!;
  // skb_array_produce() fails when the band's ring is full. The rings follow the
  // device's tx_queue_len (Linux resizes them in pfifo_fast_change_tx_queue_len()).
  q.limit = q.dev.txQueueLen;
  if (list.qlen >= q.limit) return qdiscDrop(skb, q);
  list.enqueueTail(skb);
  q.qstats.qlen++;
  q.qstats.backlog += skb.len;
  return NET_XMIT_SUCCESS;
}

/** Linux: pfifo_fast_dequeue(): the first non-empty band wins. */
function pfifoFastDequeue(q: Qdisc): SkBuff | null {
  const bands = priv(q).bands;
  for (let band = 0; band < PFIFO_FAST_BANDS; band++) {
    const skb = bands[band]!.dequeue();
    if (skb) {
      q.qstats.qlen--;
      q.qstats.backlog -= skb.len;
      qdiscBstatsUpdate(q, skb);
      return skb;
    }
  }
  return null;
}

/** Linux: pfifo_fast_peek(). */
function pfifoFastPeek(q: Qdisc): SkBuff | null {
  const bands = priv(q).bands;
  for (let band = 0; band < PFIFO_FAST_BANDS; band++) {
    const skb = bands[band]!.peek();
    if (skb) return skb;
  }
  return null;
}

/** Linux: pfifo_fast_reset(). */
function pfifoFastReset(q: Qdisc): void {
  for (const list of priv(q).bands) list.purge((skb) => kfreeSkbReason(skb, SKB_DROP_REASON_QDISC_DROP));
  q.qstats.qlen = 0;
  q.qstats.backlog = 0;
}

/**
 * Linux: pfifo_fast_init(): rings sized from the device's tx_queue_len, and a
 * device with tx_queue_len 0 gets none ("guard against zero length rings":
 * -EINVAL). pfifo_fast takes no options: `tc qdisc add ... pfifo_fast` sends
 * none, anything else is ignored.
 */
function pfifoFastInit(q: Qdisc): number {
  q.priv = new PfifoFastPriv();
  if (!q.dev.txQueueLen) return -EINVAL;
  q.limit = q.dev.txQueueLen;
  return 0;
}

/** Linux: pfifo_fast_dump(): struct tc_prio_qopt { bands, priomap[16] }. */
function pfifoFastDump(): TcPrioQopt {
  return { bands: PFIFO_FAST_BANDS, priomap: prio2band.slice() };
}

export const pfifoFastOps: QdiscOps = {
  id: 'pfifo_fast',
  enqueue: pfifoFastEnqueue,
  dequeue: pfifoFastDequeue,
  peek: pfifoFastPeek,
  init: pfifoFastInit,
  reset: pfifoFastReset,
  dump: pfifoFastDump,
};
