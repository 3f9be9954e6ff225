/**
 * Forwarding out of bridge ports (Linux: net/bridge/br_forward.c): to the one
 * port the fdb names (br_forward) or to every eligible port (br_flood), with a
 * clone per extra port. Inside the bridge, skb.data points past the Ethernet
 * header (as after eth_type_trans); br_dev_queue_push_xmit pushes it back
 * before dev_queue_xmit.
 *
 * The NF_BR_FORWARD / NF_BR_LOCAL_OUT / NF_BR_POST_ROUTING hooks sit between
 * the continuation functions below; no bridge netfilter exists yet, so they
 * call the next step directly.
 */
import {
  type NetBridge, type NetBridgePort, BR_BCAST_FLOOD, BR_FLOOD, BR_HAIRPIN_MODE, BR_ISOLATED, BR_MCAST_FLOOD,
  BR_PKT_BROADCAST, BR_PKT_MULTICAST, BR_PKT_UNICAST, BR_PROXYARP, BR_STATE_FORWARDING, BrInputSkbCb,
} from './br_private.js';
import { type SkBuff, kfreeSkbReason, skbClone, skbPush, skbResetNetworkHeader } from '../../core/skbuff.js';
import { ETH_HLEN, IFF_UP, VLAN_HLEN } from '../../core/netdevice.js';
import { devQueueXmit } from '../../core/dev.js';
import { SKB_DROP_REASON_NOT_SPECIFIED } from '../../core/drop_reason.js';

/** The bridge's control block of a frame (clones start with a null cb, so the flood path passes it on). */
export function brCb(skb: SkBuff): BrInputSkbCb | null {
  return skb.cb instanceof BrInputSkbCb ? skb.cb : null;
}

/** Linux: br_skb_isolated(). */
function brSkbIsolated(to: NetBridgePort, skb: SkBuff): boolean {
  const cb = brCb(skb);
  return cb !== null && cb.srcPortIsolated && (to.flags & BR_ISOLATED) !== 0;
}

/**
 * Linux: should_deliver(): not back where it came from (unless hairpin), only
 * to forwarding ports, and not between two isolated ports.
 */
function shouldDeliver(p: NetBridgePort, skb: SkBuff): boolean {
  return ((p.flags & BR_HAIRPIN_MODE) !== 0 || skb.dev !== p.dev) &&
    p.state === BR_STATE_FORWARDING && !brSkbIsolated(p, skb);
}

/** Linux: is_skb_forwardable(): the egress device is up and the frame fits its MTU. */
function isSkbForwardable(skb: SkBuff): boolean {
  const dev = skb.dev!;
  if (!(dev.flags & IFF_UP)) return false;
  return skb.len <= dev.mtu + dev.hardHeaderLen + VLAN_HLEN || skb.gsoSize !== 0;
}

/** Linux: br_dev_queue_push_xmit(): restore the Ethernet header and transmit on the port. */
export function brDevQueuePushXmit(skb: SkBuff): number {
  skbPush(skb, ETH_HLEN);
  if (!isSkbForwardable(skb)) {
    // Linux drops with a plain kfree_skb(): reason NOT_SPECIFIED.
    kfreeSkbReason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
    return 0;
  }
  skbResetNetworkHeader(skb);
  skb.networkHeader = skb.data + ETH_HLEN;
  devQueueXmit(skb);
  return 0;
}

/** Linux: br_forward_finish(): NF_BR_POST_ROUTING, then transmit. */
export function brForwardFinish(skb: SkBuff): number {
  skb.tstamp = 0;
  return brDevQueuePushXmit(skb);
}

/** Linux: __br_forward(): hand the frame to `to` (NF_BR_FORWARD or NF_BR_LOCAL_OUT). */
function brForwardInner(to: NetBridgePort, skb: SkBuff, _localOrig: boolean): void {
  skb.dev = to.dev;
  // Linux: skb_forward_csum() on the forward path; checksums are not offloaded here.
  brForwardFinish(skb);
}

/** Linux: deliver_clone(). */
function deliverClone(prev: NetBridgePort, skb: SkBuff, localOrig: boolean): number {
  const n = skbClone(skb);
  n.cb = skb.cb;
  brForwardInner(prev, n, localOrig);
  return 0;
}

/**
 * Linux: br_forward(): to one port. With `localRcv` the bridge device still
 * needs the frame, so the port gets a clone; otherwise it gets the skb itself.
 * A null or ineligible `to` consumes the skb (unless localRcv).
 */
export function brForward(to: NetBridgePort | null, skb: SkBuff, localRcv: boolean, localOrig: boolean): void {
  if (to && shouldDeliver(to, skb)) {
    if (localRcv) deliverClone(to, skb, localOrig);
    else brForwardInner(to, skb, localOrig);
    return;
  }
  if (!localRcv) kfreeSkbReason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
}

/** Linux: maybe_deliver(). */
function maybeDeliver(prev: NetBridgePort | null, p: NetBridgePort, skb: SkBuff, localOrig: boolean): NetBridgePort | null {
  if (!shouldDeliver(p, skb)) return prev;
  if (prev) deliverClone(prev, skb, localOrig);
  return p;
}

/**
 * Linux: br_flood(): every port that wants this class of traffic (BR_FLOOD for
 * unknown unicast, BR_MCAST_FLOOD, BR_BCAST_FLOOD; the last two are ignored for
 * frames the bridge itself sends) gets a copy; the last one gets the skb.
 */
export function brFlood(br: NetBridge, skb: SkBuff, pktType: number, localRcv: boolean, localOrig: boolean): void {
  let prev: NetBridgePort | null = null;
  for (const p of br.portList) {
    if (pktType === BR_PKT_UNICAST) {
      if (!(p.flags & BR_FLOOD)) continue;
    } else if (pktType === BR_PKT_MULTICAST) {
      if (!(p.flags & BR_MCAST_FLOOD) && skb.dev !== br.dev) continue;
    } else if (pktType === BR_PKT_BROADCAST) {
      if (!(p.flags & BR_BCAST_FLOOD) && skb.dev !== br.dev) continue;
    }
    // "Do not flood to ports that enable proxy ARP"
    if (p.flags & BR_PROXYARP) continue;
    prev = maybeDeliver(prev, p, skb, localOrig);
  }
  if (!prev) {
    if (!localRcv) kfreeSkbReason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
    return;
  }
  if (localRcv) deliverClone(prev, skb, localOrig);
  else brForwardInner(prev, skb, localOrig);
}
