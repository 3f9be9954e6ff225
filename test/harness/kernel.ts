/**
 * Test helpers: boot a kernel on a virtual clock and build raw frames.
 */
import { createKernel } from '../../src/index.js';
import type { Kernel } from '../../src/core/net_namespace.js';
import { type NetDevice, ETH_HLEN } from '../../src/core/netdevice.js';
import { type SkBuff, allocSkb, skbReserve, skbPutData, MAX_HEADER } from '../../src/core/skbuff.js';

export function testKernel(seed = 1): Kernel {
  return createKernel({ seed });
}

/** An Ethernet frame: dst, src, ethertype, payload. */
export function ethFrame(dst: Uint8Array, src: Uint8Array, type: number, payload: Uint8Array | number = 46): Uint8Array {
  const p = typeof payload === 'number' ? new Uint8Array(payload) : payload;
  const f = new Uint8Array(ETH_HLEN + p.length);
  f.set(dst, 0);
  f.set(src, 6);
  f[12] = type >> 8;
  f[13] = type & 0xff;
  f.set(p, ETH_HLEN);
  return f;
}

/** An skb holding `frame` from data, ready for devQueueXmit on `dev`. */
export function txSkb(dev: NetDevice, frame: Uint8Array): SkBuff {
  const skb = allocSkb(frame.length + MAX_HEADER);
  skbReserve(skb, MAX_HEADER);
  skbPutData(skb, frame);
  skb.dev = dev;
  return skb;
}

export const BCAST = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
