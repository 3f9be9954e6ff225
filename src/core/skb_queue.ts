/**
 * Lists of skbs (Linux: struct sk_buff_head). Linked through `skb.next`, so
 * queueing never allocates. FIFO by default; `insertSorted` serves netem's tfifo.
 */
import type { SkBuff } from './skbuff.js';

export class SkBuffHead {
  head: SkBuff | null = null;
  tail: SkBuff | null = null;
  qlen = 0;
  /** Sum of skb.len over the queue (Linux: qdisc backlog bytes). */
  bytes = 0;

  /** Linux: __skb_queue_tail(). */
  enqueueTail(skb: SkBuff): void {
    skb.next = null;
    if (this.tail) this.tail.next = skb;
    else this.head = skb;
    this.tail = skb;
    this.qlen++;
    this.bytes += skb.len;
  }

  /** Linux: __skb_queue_head(). */
  enqueueHead(skb: SkBuff): void {
    skb.next = this.head;
    this.head = skb;
    if (!this.tail) this.tail = skb;
    this.qlen++;
    this.bytes += skb.len;
  }

  /** Linux: __skb_dequeue(). */
  dequeue(): SkBuff | null {
    const skb = this.head;
    if (!skb) return null;
    this.head = skb.next;
    if (!this.head) this.tail = null;
    skb.next = null;
    this.qlen--;
    this.bytes -= skb.len;
    return skb;
  }

  peek(): SkBuff | null {
    return this.head;
  }

  /** Insert keeping `key` ascending; equal keys keep arrival order. */
  insertSorted(skb: SkBuff, key: (s: SkBuff) => number): void {
    const k = key(skb);
    if (!this.tail || key(this.tail) <= k) {
      this.enqueueTail(skb);
      return;
    }
    if (key(this.head!) > k) {
      this.enqueueHead(skb);
      return;
    }
    let p = this.head!;
    while (p.next && key(p.next) <= k) p = p.next;
    skb.next = p.next;
    p.next = skb;
    this.qlen++;
    this.bytes += skb.len;
  }

  /** Remove every skb, handing each to `free`. */
  purge(free: (skb: SkBuff) => void): void {
    let skb: SkBuff | null;
    while ((skb = this.dequeue())) free(skb);
  }
}
