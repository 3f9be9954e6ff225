/**
 * Frames arriving on bridge ports (Linux: net/bridge/br_input.c). The port's
 * rx_handler, br_handle_frame(), sees every frame the port receives: it learns
 * the source, then either passes link-local control frames (01:80:c2:00:00:0X)
 * up the port itself, or takes the frame into the bridge: to the bridge device
 * (br_pass_frame_up, a nested netif_receive_skb on br0), to one port (known
 * unicast), or flooded to all (unknown unicast, broadcast, multicast).
 *
 * Multicast snooping is on in Linux by default but without a querier it floods
 * and delivers locally; that is what happens here (no MDB yet).
 * The NF_BR_PRE_ROUTING / NF_BR_LOCAL_IN hooks sit between the continuation
 * functions; no bridge netfilter exists yet.
 */
import {
  type NetBridgePort, BR_ISOLATED, BR_LEARNING, BR_NO_STP, BR_PKT_BROADCAST, BR_PKT_MULTICAST, BR_PKT_UNICAST,
  BR_STATE_DISABLED, BR_STATE_FORWARDING, BR_STATE_LEARNING, BR_FDB_LOCAL, BR_PORT_LOCKED, brPortGet, isLinkLocalEtherAddr,
} from './br_private.js';
import {
  type SkBuff, PACKET_HOST, PACKET_LOOPBACK, kfreeSkbReason, skbClone, consumeSkb,
} from '../../core/skbuff.js';
import { IFF_PROMISC, RX_HANDLER_CONSUMED, RX_HANDLER_PASS } from '../../core/netdevice.js';
import { netifReceiveSkb } from '../../core/dev.js';
import {
  SKB_DROP_REASON_BRIDGE_INGRESS_STP_STATE, SKB_DROP_REASON_MAC_INVALID_SOURCE, SKB_DROP_REASON_NOT_SPECIFIED,
} from '../../core/drop_reason.js';
import { etherAddrEqual, isBroadcastEtherAddr, isValidEtherAddr } from '../../ethernet/eth.js';
import { brFdbFind, brFdbUpdate } from './br_fdb.js';
import { brCb, brFlood, brForward } from './br_forward.js';

/**
 * Linux: br_pass_frame_up(): the frame is for the bridge device itself. It is
 * received again with skb.dev = br0 (taps on br0 see it, then IP/ARP). Like
 * Linux, the bridge counts rx bytes without the Ethernet header.
 */
export function brPassFrameUp(skb: SkBuff): number {
  const br = brCb(skb)!.brdev;
  const brdev = br.dev;
  brdev.stats.rxPackets++;
  brdev.stats.rxBytes += skb.len;
  skb.dev = brdev;
  skb.cb = null;
  skb.offloadFwdMark = 0;
  // NF_BR_LOCAL_IN, then br_netif_receive_skb().
  return netifReceiveSkb(skb);
}

/** Linux: nbp_state_should_learn(). */
function nbpStateShouldLearn(p: NetBridgePort): boolean {
  return p.state === BR_STATE_LEARNING || p.state === BR_STATE_FORWARDING;
}

/** Linux: __br_handle_local_finish(): learn from a link-local frame that goes up the port. */
function brHandleLocalFinish(p: NetBridgePort, skb: SkBuff): void {
  if (p.flags & BR_LEARNING && nbpStateShouldLearn(p) && !p.br.noLinklocalLearn) {
    brFdbUpdate(p.br, p, skb.buf, skb.macHeader + 6, 0, 0);
  }
}

/**
 * Linux: br_handle_frame_finish(): learn, classify, and deliver. Consumes the skb.
 */
export function brHandleFrameFinish(skb: SkBuff): number {
  const p = brPortGet(skb.dev!);
  if (!p || p.state === BR_STATE_DISABLED) {
    kfreeSkbReason(skb, SKB_DROP_REASON_BRIDGE_INGRESS_STP_STATE);
    return 0;
  }
  const br = p.br;
  const b = skb.buf;
  const m = skb.macHeader;
  // A locked port (802.1X) admits only sources the fdb already has on it (Linux 6.1 has no MAB).
  if (p.flags & BR_PORT_LOCKED) {
    const src = brFdbFind(br, b, 0, m + 6);
    if (!src || src.dst !== p || src.flags & BR_FDB_LOCAL) {
      kfreeSkbReason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
      return 0;
    }
  }
  // "insert into forwarding database after filtering to avoid spoofing"
  if (p.flags & BR_LEARNING) brFdbUpdate(br, p, b, m + 6, 0, 0);
  let localRcv = (br.dev.flags & IFF_PROMISC) !== 0;
  let pktType = BR_PKT_UNICAST;
  if (b[m]! & 1) {
    // "by definition the broadcast is also a multicast address"
    if (isBroadcastEtherAddr(b, m)) {
      pktType = BR_PKT_BROADCAST;
      localRcv = true;
    } else {
      pktType = BR_PKT_MULTICAST;
    }
  }
  if (p.state === BR_STATE_LEARNING) {
    kfreeSkbReason(skb, SKB_DROP_REASON_BRIDGE_INGRESS_STP_STATE);
    return 0;
  }
  skb.cb = p.flags & BR_ISOLATED ? br.cbIsolated : br.cbPlain;
  let dst = null;
  if (pktType === BR_PKT_MULTICAST) {
    // No querier: flood and deliver locally (br_multicast_querier_exists() is false).
    localRcv = true;
    br.dev.stats.multicast++;
  } else if (pktType === BR_PKT_UNICAST) {
    dst = brFdbFind(br, b, 0, m);
  }
  if (dst) {
    if (dst.flags & BR_FDB_LOCAL) return brPassFrameUp(skb);
    const now = br.kernel.clock.now();
    if (now !== dst.used) dst.used = now;
    brForward(dst.dst, skb, localRcv, false);
  } else {
    brFlood(br, skb, pktType, localRcv, false);
  }
  if (localRcv) return brPassFrameUp(skb);
  return 0;
}

/**
 * Linux: br_handle_frame(), the rx_handler of every port. Returns
 * RX_HANDLER_PASS for frames the port itself should receive (link-local
 * control frames), RX_HANDLER_CONSUMED for everything the bridge took.
 */
export function brHandleFrame(skb: SkBuff): number {
  if (skb.pktType === PACKET_LOOPBACK) return RX_HANDLER_PASS;
  const p = brPortGet(skb.dev!);
  if (!p) return RX_HANDLER_PASS;
  const b = skb.buf;
  const m = skb.macHeader;
  if (!isValidEtherAddr(b, m + 6)) {
    kfreeSkbReason(skb, SKB_DROP_REASON_MAC_INVALID_SOURCE);
    return RX_HANDLER_CONSUMED;
  }
  let forward = true;
  if (isLinkLocalEtherAddr(b, m)) {
    const br = p.br;
    const last = b[m + 5]!;
    let fwdMask = br.groupFwdMaskRequired | p.groupFwdMask;
    forward = false;
    if (last === 0x00) {
      // Bridge Group Address: "If STP is turned off, then must forward to keep loop detection"
      if (br.stpEnabled === BR_NO_STP || fwdMask & 1) forward = true;
    } else if (last === 0x01) {
      // IEEE MAC (Pause)
      kfreeSkbReason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
      return RX_HANDLER_CONSUMED;
    } else {
      fwdMask |= br.groupFwdMask;
      if (fwdMask & (1 << last)) forward = true;
    }
    if (!forward) {
      // NF_BR_LOCAL_IN -> br_handle_local_finish(): learn and let the port have it.
      brHandleLocalFinish(p, skb);
      return RX_HANDLER_PASS;
    }
  }
  // Linux: skb_share_check(): the bridge may change the skb; a tap may hold it too.
  if (skb.users > 1) {
    const n = skbClone(skb);
    consumeSkb(skb);
    skb = n;
  }
  if (p.state === BR_STATE_FORWARDING || p.state === BR_STATE_LEARNING) {
    if (etherAddrEqual(p.br.dev.devAddr, 0, b, m)) skb.pktType = PACKET_HOST;
    // NF_BR_PRE_ROUTING
    brHandleFrameFinish(skb);
    return RX_HANDLER_CONSUMED;
  }
  kfreeSkbReason(skb, SKB_DROP_REASON_BRIDGE_INGRESS_STP_STATE);
  return RX_HANDLER_CONSUMED;
}
