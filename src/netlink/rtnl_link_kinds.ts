/**
 * The link kinds tuxnet creates over rtnetlink that have no subsystem of their
 * own (Linux: the rtnl_link_ops of drivers/net/veth.c and drivers/net/dummy.c),
 * the namespace-id messages (Linux: net/core/net_namespace.c rtnl_net_getid /
 * rtnl_net_newid, RTM_GETNSID/RTM_NEWNSID, what `ip netns list` and
 * `link-netns NAME` need), and the initcall that registers all rtnetlink link
 * handlers.
 *
 * Deviation: veth and dummy get one TX/RX queue by default (Linux uses one per
 * possible CPU for veth); `numtxqueues N` still works.
 */
import type { Kernel, Net } from '../core/net_namespace.js';
import type { NetDevice, RtnlLinkOps } from '../core/netdevice.js';
import { ETH_ALEN, ETH_MIN_MTU } from '../core/netdevice.js';
import { registerNetdevice, unregisterNetdevice } from '../core/dev.js';
import { netifCarrierOff } from '../core/link_watch.js';
import { vethSetup, vethOps, vethDellink, type VethPriv } from '../drivers/veth.js';
import { dummySetup, dummyOps } from '../drivers/dummy.js';
import { ethHwAddrRandom, isValidEtherAddr } from '../ethernet/eth.js';
import { AF_UNSPEC } from '../socket/socket.js';
import { EINVAL, EADDRNOTAVAIL, EEXIST } from '../socket/errno.js';
import {
  type NlaTable, type NetlinkExtAck, type NlaPolicy, NlMsgBuilder, NLA_UNSPEC, NLA_S32, NLA_U32,
  NLMSG_HDRLEN, nlaParse, nlmsgParse, nlaGetU32, nlaGetS32, nlaGetString,
} from '../wire/netlink.js';
import {
  IFINFOMSG_LEN, ifinfomsgParse, IFLA_ADDRESS, IFLA_MTU, IFLA_IFNAME, IFLA_MAX, VETH_INFO_PEER, VETH_INFO_MAX,
  IFLA_NET_NS_PID, IFLA_NET_NS_FD,
} from '../wire/if_link.js';
import { RTM_NEWNSID, RTM_GETNSID, RTNLGRP_NSID } from '../wire/rtnetlink.js';
import { type RtnlRequest, rtnlRegister, rtnlUnicast, rtnlNotify } from './rtnetlink.js';
import {
  iflaPolicy, rtnlLinkGetNet, rtnlCreateLink, rtnlConfigureLink, rtnlLinkInit, rtnlLinkRegister,
} from './rtnl_link.js';

/* ------------------------------------------------------------------ */
/* veth                                                                */

const vethPolicy: NlaPolicy = { [VETH_INFO_PEER]: { type: NLA_UNSPEC, len: IFINFOMSG_LEN } };

/** Linux: veth_validate(). */
function vethValidate(tb: NlaTable, _data: NlaTable | null, extack: NetlinkExtAck): number {
  const addr = tb[IFLA_ADDRESS];
  if (addr) {
    if (addr.data.length !== ETH_ALEN) {
      extack.msg = 'Invalid link address';
      return -EINVAL;
    }
    if (!isValidEtherAddr(addr.data)) {
      extack.msg = 'Invalid link address';
      return -EADDRNOTAVAIL;
    }
  }
  if (tb[IFLA_MTU] && nlaGetU32(tb[IFLA_MTU]) < ETH_MIN_MTU) return -EINVAL;
  return 0;
}

function vethLinkSetup(dev: NetDevice): void {
  vethSetup(dev);
  dev.netdevOps = vethOps;
}

/** Linux: veth_newlink(): create and register the peer (first), then `dev`. */
function vethNewlink(srcNet: Net, dev: NetDevice, tb: NlaTable, data: NlaTable | null, extack: NetlinkExtAck): number {
  let tbp: NlaTable = tb;
  let peerIfm: ReturnType<typeof ifinfomsgParse> | null = null;
  const nlaPeer = data?.[VETH_INFO_PEER];
  if (nlaPeer) {
    peerIfm = ifinfomsgParse(nlaPeer.data, 0);
    const ptb = nlaParse(nlaPeer.data, IFINFOMSG_LEN, nlaPeer.data.length - IFINFOMSG_LEN, IFLA_MAX, iflaPolicy,
      extack, nlaPeer.offset + 4 + IFINFOMSG_LEN);
    if (typeof ptb === 'number') return ptb;
    const err = vethValidate(ptb, null, extack);
    if (err) return err;
    tbp = ptb;
  }
  const ifname = peerIfm && tbp[IFLA_IFNAME] ? nlaGetString(tbp[IFLA_IFNAME]) : 'veth%d';
  const net = rtnlLinkGetNet(srcNet, tbp);
  if (typeof net === 'number') return net;
  const peer = rtnlCreateLink(net, ifname, vethLinkOps, tbp, extack);
  if (typeof peer === 'number') return peer;
  const rng = srcNet.kernel.rng;
  if (!peerIfm || !tbp[IFLA_ADDRESS]) ethHwAddrRandom(peer, rng);
  if (peerIfm && dev.ifindex !== 0) peer.ifindex = peerIfm.index;
  let err = registerNetdevice(net, peer);
  if (err) {
    rtnlConfigureLink(peer, 0, 0);
    return err;
  }
  netifCarrierOff(peer);
  err = rtnlConfigureLink(peer, peerIfm?.flags ?? 0, peerIfm?.change ?? 0);
  if (err < 0) {
    unregisterNetdevice(peer);
    return err;
  }
  if (!tb[IFLA_ADDRESS]) ethHwAddrRandom(dev, rng);
  (dev.priv as VethPriv).peer = peer;
  (peer.priv as VethPriv).peer = dev;
  err = registerNetdevice(dev.net, dev);
  if (err) {
    (dev.priv as VethPriv).peer = null;
    (peer.priv as VethPriv).peer = null;
    unregisterNetdevice(peer);
    return err;
  }
  netifCarrierOff(dev);
  return 0;
}

export const vethLinkOps: RtnlLinkOps = {
  kind: 'veth',
  setup: vethLinkSetup,
  maxtype: VETH_INFO_MAX,
  policy: vethPolicy,
  validate: vethValidate,
  newlink: vethNewlink,
  dellink: vethDellink,
  getLinkNet: (dev) => (dev.priv as VethPriv).peer?.net ?? dev.net,
};

/* ------------------------------------------------------------------ */
/* dummy                                                               */

/** Linux: dummy_validate(). */
function dummyValidate(tb: NlaTable): number {
  const addr = tb[IFLA_ADDRESS];
  if (addr) {
    if (addr.data.length !== ETH_ALEN) return -EINVAL;
    if (!isValidEtherAddr(addr.data)) return -EADDRNOTAVAIL;
  }
  return 0;
}

export const dummyLinkOps: RtnlLinkOps = {
  kind: 'dummy',
  setup: (dev) => {
    dev.netdevOps = dummyOps;
    dummySetup(dev, dev.net.kernel.rng);
  },
  validate: dummyValidate,
};

/* ------------------------------------------------------------------ */
/* Namespace ids                                                       */

export const NETNSA_NONE = 0;
export const NETNSA_NSID = 1;
export const NETNSA_PID = 2;
export const NETNSA_FD = 3;
export const NETNSA_TARGET_NSID = 4;
export const NETNSA_CURRENT_NSID = 5;
export const NETNSA_MAX = 5;
export const NETNSA_NSID_NOT_ASSIGNED = -1;
/** struct rtgenmsg, padded. */
const RTGENMSG_LEN = 1;

const rtnlNetPolicy: NlaPolicy = {
  [NETNSA_NSID]: { type: NLA_S32 },
  [NETNSA_PID]: { type: NLA_U32 },
  [NETNSA_FD]: { type: NLA_U32 },
  [NETNSA_TARGET_NSID]: { type: NLA_S32 },
};

function peerFromTb(net: Net, tb: NlaTable, extack: NetlinkExtAck): Net | number {
  if (tb[NETNSA_PID] || tb[NETNSA_FD]) {
    const t: NlaTable = [];
    t[IFLA_NET_NS_PID] = tb[NETNSA_PID];
    t[IFLA_NET_NS_FD] = tb[NETNSA_FD];
    return rtnlLinkGetNet(net, t);
  }
  if (tb[NETNSA_NSID]) {
    const id = nlaGetS32(tb[NETNSA_NSID]);
    for (const [peer, pid] of net.netnsIds) if (pid === id) return peer;
    extack.msg = 'Peer netns reference is invalid';
    return -EINVAL;
  }
  extack.msg = 'Peer netns reference is missing';
  return -EINVAL;
}

function fillNsid(type: number, portid: number, seq: number, flags: number, nsid: number): Uint8Array {
  const skb = new NlMsgBuilder(64);
  const nlh = skb.nlmsgPut(portid, seq, type, RTGENMSG_LEN, flags);
  skb.setU8(nlh + NLMSG_HDRLEN, AF_UNSPEC);
  skb.nlaPutS32(NETNSA_NSID, nsid);
  skb.nlmsgEnd(nlh);
  return skb.bytes();
}

/** Linux: rtnl_net_getid(). */
function rtnlNetGetid(req: RtnlRequest): number {
  const tb = nlmsgParse(req.nlh.msg, RTGENMSG_LEN, NETNSA_MAX, rtnlNetPolicy, req.extack);
  if (typeof tb === 'number') return tb;
  const peer = peerFromTb(req.net, tb, req.extack);
  if (typeof peer === 'number') return peer;
  const id = req.net === peer ? NETNSA_NSID_NOT_ASSIGNED : req.net.peernet2id(peer);
  const err = rtnlUnicast(req.net, fillNsid(RTM_NEWNSID, req.portid, req.nlh.seq, 0, id), req.portid);
  return err < 0 ? err : 0;
}

/** Linux: rtnl_net_newid(). */
function rtnlNetNewid(req: RtnlRequest): number {
  const extack = req.extack;
  const tb = nlmsgParse(req.nlh.msg, RTGENMSG_LEN, NETNSA_MAX, rtnlNetPolicy, extack);
  if (typeof tb === 'number') return tb;
  if (!tb[NETNSA_NSID]) {
    extack.msg = 'nsid is missing';
    return -EINVAL;
  }
  const nsid = nlaGetS32(tb[NETNSA_NSID]);
  const sub = { ...tb };
  sub[NETNSA_NSID] = undefined;
  const peer = peerFromTb(req.net, sub as NlaTable, extack);
  if (typeof peer === 'number') return peer;
  if (req.net.netnsIds.has(peer)) {
    extack.msg = 'Peer netns already has a nsid assigned';
    return -EEXIST;
  }
  let id = nsid;
  if (nsid >= 0) {
    for (const v of req.net.netnsIds.values()) {
      if (v === nsid) {
        extack.msg = 'The specified nsid is already used';
        return -EEXIST;
      }
    }
    req.net.netnsIds.set(peer, nsid);
  } else {
    id = req.net.peernet2idAlloc(peer);
  }
  rtnlNotify(req.net, fillNsid(RTM_NEWNSID, req.portid, req.nlh.seq, 0, id), req.portid, RTNLGRP_NSID, req.nlh);
  return 0;
}

/**
 * The rtnetlink link initcall: RTM_*LINK handlers, the notification hook, the
 * veth and dummy kinds and RTM_*NSID.
 */
export function rtnlLinkKindsInit(k: Kernel): void {
  rtnlLinkInit(k);
  rtnlLinkRegister(k, vethLinkOps);
  rtnlLinkRegister(k, dummyLinkOps);
  rtnlRegister(k, AF_UNSPEC, RTM_NEWNSID, rtnlNetNewid, null);
  rtnlRegister(k, AF_UNSPEC, RTM_GETNSID, rtnlNetGetid, null);
}
