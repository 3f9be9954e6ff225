/**
 * Tracepoints (Linux: include/trace/events/net.h, skb.h, napi.h). A probe list per
 * event; firing sites test `enabled` first so an unobserved tracepoint costs one
 * branch, as a static key does in Linux. Probes must not throw or re-enter the stack.
 */
import type { SkBuff } from './skbuff.js';
import type { NetDevice } from './netdevice.js';
import type { NapiStruct } from './napi.js';

export class Tracepoint<P extends (...args: never[]) => void> {
  enabled = false;
  probes: P[] = [];
  constructor(readonly name: string) {}
  /** Linux: register_trace_<name>(). Returns a function that unregisters. */
  register(probe: P): () => void {
    this.probes.push(probe);
    this.enabled = true;
    return () => this.unregister(probe);
  }
  unregister(probe: P): void {
    const i = this.probes.indexOf(probe);
    if (i >= 0) this.probes.splice(i, 1);
    this.enabled = this.probes.length > 0;
  }
}

export type SkbProbe = (skb: SkBuff) => void;
export type KfreeSkbProbe = (skb: SkBuff, reason: number) => void;
export type NetDevXmitProbe = (skb: SkBuff, rc: number, dev: NetDevice, len: number) => void;
export type NapiPollProbe = (napi: NapiStruct, work: number, budget: number) => void;

/** The kernel's tracepoints; one set per Kernel. */
export class Tracepoints {
  readonly netifReceiveSkb = new Tracepoint<SkbProbe>('net:netif_receive_skb');
  readonly netifRx = new Tracepoint<SkbProbe>('net:netif_rx');
  readonly napiGroReceive = new Tracepoint<SkbProbe>('net:napi_gro_receive_entry');
  readonly netDevQueue = new Tracepoint<SkbProbe>('net:net_dev_queue');
  readonly netDevStartXmit = new Tracepoint<SkbProbe>('net:net_dev_start_xmit');
  readonly netDevXmit = new Tracepoint<NetDevXmitProbe>('net:net_dev_xmit');
  readonly napiPoll = new Tracepoint<NapiPollProbe>('napi:napi_poll');
  readonly kfreeSkb = new Tracepoint<KfreeSkbProbe>('skb:kfree_skb');
  readonly consumeSkb = new Tracepoint<SkbProbe>('skb:consume_skb');

  all(): Tracepoint<never>[] {
    return [this.netifReceiveSkb, this.netifRx, this.napiGroReceive, this.netDevQueue, this.netDevStartXmit,
      this.netDevXmit, this.napiPoll, this.kfreeSkb, this.consumeSkb] as unknown as Tracepoint<never>[];
  }
}
