/**
 * Socket buffer operations per second (Linux: net/core/skbuff.c): alloc_skb +
 * skb_reserve + skb_put_data + consume_skb (what every sent frame costs),
 * skb_push + skb_pull of an Ethernet header (every layer crossing), and
 * skb_clone + consume_skb (every tap and every flooded bridge port).
 * No Linux figure: the kernel's slab allocator is not measurable from here.
 */
import { type BenchOptions, type Figure, rate, check } from './common.js';
import {
  type SkBuff, allocSkb, consumeSkb, skbClone, skbPull, skbPush, skbPutData, skbReserve, MAX_HEADER,
} from '../src/core/skbuff.js';
import { ETH_HLEN } from '../src/core/netdevice.js';

const COUNT = 5_000_000;
const MAX_NS = 2e9;

/** Keeps results observable so the JIT cannot drop the work. */
let sink = 0;

function allocFree(payload: Uint8Array, n: number): number {
  for (let i = 0; i < n; i++) {
    const skb = allocSkb(MAX_HEADER + payload.length);
    skbReserve(skb, MAX_HEADER);
    sink += skbPutData(skb, payload);
    consumeSkb(skb);
  }
  return n;
}

function pushPull(skb: SkBuff, n: number): number {
  for (let i = 0; i < n; i++) {
    sink += skbPush(skb, ETH_HLEN);
    sink += skbPull(skb, ETH_HLEN);
  }
  return n;
}

function cloneFree(skb: SkBuff, n: number): number {
  for (let i = 0; i < n; i++) {
    const c = skbClone(skb);
    sink += c.len;
    consumeSkb(c);
  }
  return n;
}

export async function main(opts: BenchOptions): Promise<Figure[]> {
  const payload = new Uint8Array(60);
  const skb = allocSkb(MAX_HEADER + 60);
  skbReserve(skb, MAX_HEADER);
  skbPutData(skb, payload);
  const out: Figure[] = [
    { name: 'skb_alloc_free_ops', value: rate(opts, (n) => allocFree(payload, n), COUNT, MAX_NS), unit: 'ops/s' },
    { name: 'skb_push_pull_ops', value: rate(opts, (n) => pushPull(skb, n), COUNT * 10, MAX_NS), unit: 'ops/s' },
    { name: 'skb_clone_free_ops', value: rate(opts, (n) => cloneFree(skb, n), COUNT, MAX_NS), unit: 'ops/s' },
  ];
  check(skb.data === MAX_HEADER && skb.shinfo.dataref === 1 && sink !== 0, 'skb back to its start');
  return out;
}
