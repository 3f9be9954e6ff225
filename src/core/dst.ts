/**
 * Destination cache entries (Linux: include/net/dst.h, net/core/dst.c). The route
 * lookup attaches one to an skb, and the entry's `input`/`output` functions choose
 * what happens next (ip_local_deliver, ip_forward, ip_output ...): routing is data.
 * The IPv4/IPv6 layers extend this with their own fields (rtable, rt6_info).
 */
import type { NetDevice } from './netdevice.js';
import type { SkBuff } from './skbuff.js';
import type { Net } from './net_namespace.js';

export interface DstEntry {
  dev: NetDevice | null;
  /** Linux: dst->input(skb). Consumes the skb; returns 0 or a negative errno. */
  input(skb: SkBuff): number;
  /** Linux: dst->output(net, sk, skb). Consumes the skb. */
  output(net: Net, sk: unknown, skb: SkBuff): number;
  /** Path MTU. */
  mtu(): number;
  /** DST_OBSOLETE_* / generation check; 0 while valid. */
  obsolete: number;
  error: number;
}

/** Linux: dst_input(). */
export function dstInput(skb: SkBuff): number {
  return skb.dst!.input(skb);
}

/** Linux: dst_output(). */
export function dstOutput(net: Net, sk: unknown, skb: SkBuff): number {
  return skb.dst!.output(net, sk, skb);
}
