/**
 * The forwarding database over rtnetlink (Linux: net/bridge/br_fdb.c
 * fdb_fill_info()/br_fdb_dump()/fdb_notify(), and the PF_BRIDGE neighbour
 * handlers of net/core/rtnetlink.c: rtnl_fdb_add(), rtnl_fdb_del(),
 * rtnl_fdb_dump(), ndo_dflt_fdb_add/del/dump()). This is what `bridge fdb`
 * talks to.
 *
 * A dump walks the namespace's devices in Linux's order (the ifindex hash:
 * bucket ifindex & 255, newest device first within a bucket). For a bridge
 * port it lists the bridge's entries on that port ("master br0"), then the
 * port's own unicast and multicast filter addresses ("self permanent"); for
 * the bridge device, its own filter addresses then the entries that belong to
 * the bridge itself.
 */
import type { Kernel } from '../../core/net_namespace.js';
import {
  type NetDevice, ARPHRD_ETHER, netifIsBridgeMaster, netifIsBridgePort,
} from '../../core/netdevice.js';
import { devMcAdd, devMcDel, devUcAdd, devUcDel } from '../../core/dev_addr_lists.js';
import { isMulticastEtherAddr } from '../../ethernet/eth.js';
import { AF_BRIDGE } from '../../socket/socket.js';
import { EEXIST, EINVAL, ENODEV, EOPNOTSUPP } from '../../socket/errno.js';
import {
  type NlaTable, NlMsgBuilder, NLM_F_EXCL, NLM_F_MULTI, NLMSG_HDRLEN, nlmsgParse, nlaGetU16, nlaGetU32,
} from '../../wire/netlink.js';
import { IFINFOMSG_LEN, IFLA_MASTER, IFLA_MAX } from '../../wire/if_link.js';
import {
  NDMSG_LEN, NDA_CACHEINFO, NDA_FLAGS_EXT, NDA_IFINDEX, NDA_LLADDR, NDA_MASTER, NDA_MAX, NDA_VLAN, NTF_EXT_LEARNED,
  NTF_EXT_LOCKED, NTF_MASTER, NTF_OFFLOADED, NTF_SELF, NTF_STICKY, NUD_PERMANENT, ndmsgParse,
} from '../../wire/if_bridge.js';
import { RTM_DELNEIGH, RTM_GETNEIGH, RTM_NEWNEIGH, RTNLGRP_NEIGH } from '../../wire/rtnetlink.js';
import { type RtnlRequest, rtnlRegister, rtnlNotify } from '../../netlink/rtnetlink.js';
import type { NetlinkCallback } from '../../netlink/af_netlink.js';
import {
  type NetBridge, type NetBridgeFdbEntry, BR_FDB_ADDED_BY_EXT_LEARN, BR_FDB_LOCKED, BR_FDB_OFFLOADED,
  BR_FDB_STICKY, brFromDev, isLinkLocalEtherAddr, nsToClockT,
} from './br_private.js';
import { brFdbAdd, brFdbDeleteUser, brFdbEntries, fdbToNud } from './br_fdb.js';

const VLAN_VID_MASK = 0x0fff;
const EMSGSIZE = 90;

function putNdmsg(skb: NlMsgBuilder, nlh: number, ifindex: number, state: number, flags: number): void {
  const ndm = nlh + NLMSG_HDRLEN;
  skb.setU8(ndm, AF_BRIDGE);
  skb.setS32(ndm + 4, ifindex);
  skb.setU16(ndm + 8, state);
  skb.setU8(ndm + 10, flags);
  skb.setU8(ndm + 11, 0);
}

/** Linux: fdb_fill_info(). */
export function fdbFillInfo(skb: NlMsgBuilder, br: NetBridge, f: NetBridgeFdbEntry, portid: number, seq: number,
  type: number, flags: number): number {
  const mark = skb.len;
  const now = br.kernel.clock.now();
  const nlh = skb.nlmsgPut(portid, seq, type, NDMSG_LEN, flags);
  let ndmFlags = 0;
  if (f.flags & BR_FDB_OFFLOADED) ndmFlags |= NTF_OFFLOADED;
  if (f.flags & BR_FDB_ADDED_BY_EXT_LEARN) ndmFlags |= NTF_EXT_LEARNED;
  if (f.flags & BR_FDB_STICKY) ndmFlags |= NTF_STICKY;
  putNdmsg(skb, nlh, f.dst ? f.dst.dev.ifindex : br.dev.ifindex, fdbToNud(br, f), ndmFlags);
  skb.nlaPut(NDA_LLADDR, f.addr);
  skb.nlaPutU32(NDA_MASTER, br.dev.ifindex);
  skb.nlaPutU32(NDA_FLAGS_EXT, f.flags & BR_FDB_LOCKED ? NTF_EXT_LOCKED : 0);
  // struct nda_cacheinfo { confirmed, used, updated, refcnt } in clock_t.
  const ci = new Uint8Array(16);
  const v = new DataView(ci.buffer);
  v.setUint32(4, nsToClockT(now - f.used), true);
  v.setUint32(8, nsToClockT(now - f.updated), true);
  skb.nlaPut(NDA_CACHEINFO, ci);
  if (f.vlanId) skb.nlaPutU16(NDA_VLAN, f.vlanId);
  skb.nlmsgEnd(nlh);
  if (skb.overLimit()) {
    skb.trim(mark);
    return -EMSGSIZE;
  }
  return 0;
}

/** Linux: fdb_notify(): RTM_NEWNEIGH/DELNEIGH to RTNLGRP_NEIGH. */
export function fdbNotifyNetlink(br: NetBridge, f: NetBridgeFdbEntry, type: number): void {
  const skb = new NlMsgBuilder(128);
  if (fdbFillInfo(skb, br, f, 0, 0, type, 0) < 0) return;
  rtnlNotify(br.dev.net, skb.bytes(), 0, RTNLGRP_NEIGH);
}

/** Linux: nlmsg_populate_fdb_fill(): one "self" entry from a device's own address lists. */
function populateFdbFill(skb: NlMsgBuilder, dev: NetDevice, addr: Uint8Array, vid: number, portid: number, seq: number,
  type: number, ntfFlags: number, nlflags: number, state: number): number {
  const mark = skb.len;
  const nlh = skb.nlmsgPut(portid, seq, type, NDMSG_LEN, nlflags);
  putNdmsg(skb, nlh, dev.ifindex, state, ntfFlags);
  skb.nlaPut(NDA_LLADDR, addr.subarray(0, dev.addrLen));
  if (vid) skb.nlaPutU16(NDA_VLAN, vid);
  skb.nlmsgEnd(nlh);
  if (skb.overLimit()) {
    skb.trim(mark);
    return -EMSGSIZE;
  }
  return 0;
}

/** Linux: rtnl_fdb_notify(). */
function rtnlFdbNotify(dev: NetDevice, addr: Uint8Array, vid: number, type: number, state: number): void {
  const skb = new NlMsgBuilder(128);
  if (populateFdbFill(skb, dev, addr, vid, 0, 0, type, NTF_SELF, 0, state) < 0) return;
  rtnlNotify(dev.net, skb.bytes(), 0, RTNLGRP_NEIGH);
}

function hasAddr(list: { addr: Uint8Array }[], addr: Uint8Array): boolean {
  return list.some((ha) => ha.addr.every((b, i) => b === addr[i]));
}

/** Linux: ndo_dflt_fdb_add(): a "self" entry is an address in the device's filter. */
function ndoDfltFdbAdd(state: number, dev: NetDevice, addr: Uint8Array, vid: number, nlFlags: number): number {
  // "default FDB implementation only supports local addresses"
  if (state && !(state & NUD_PERMANENT)) return -EINVAL;
  // "vlans aren't supported yet for dev_uc|mc_add()"
  if (vid) return -EINVAL;
  let err = -EINVAL;
  if (!isMulticastEtherAddr(addr) || isLinkLocalEtherAddr(addr)) {
    err = hasAddr(dev.uc, addr) ? -EEXIST : devUcAdd(dev, addr);
  } else {
    err = hasAddr(dev.mc, addr) ? -EEXIST : devMcAdd(dev, addr);
  }
  // "Only return duplicate errors if NLM_F_EXCL is set"
  if (err === -EEXIST && !(nlFlags & NLM_F_EXCL)) err = 0;
  return err;
}

/** Linux: ndo_dflt_fdb_del(). */
function ndoDfltFdbDel(state: number, dev: NetDevice, addr: Uint8Array): number {
  if (!(state & NUD_PERMANENT)) return -EINVAL;
  if (!isMulticastEtherAddr(addr) || isLinkLocalEtherAddr(addr)) return devUcDel(dev, addr);
  return devMcDel(dev, addr);
}

interface FdbReq {
  dev: NetDevice;
  ndm: ReturnType<typeof ndmsgParse>;
  addr: Uint8Array;
  vid: number;
  tb: NlaTable;
}

/** The common checks of rtnl_fdb_add()/rtnl_fdb_del(). */
function parseFdbReq(req: RtnlRequest, what: string): FdbReq | number {
  const tb = nlmsgParse(req.nlh.msg, NDMSG_LEN, NDA_MAX, null, req.extack);
  if (typeof tb === 'number') return tb;
  const ndm = ndmsgParse(req.nlh.msg, NLMSG_HDRLEN);
  if (ndm.ifindex === 0) {
    req.extack.msg = 'invalid ifindex';
    return -EINVAL;
  }
  const dev = req.net.devGetByIndex(ndm.ifindex);
  if (!dev) {
    req.extack.msg = 'unknown ifindex';
    return -ENODEV;
  }
  const lladdr = tb[NDA_LLADDR];
  if (!lladdr || lladdr.data.length !== 6) {
    req.extack.msg = 'invalid address';
    return -EINVAL;
  }
  if (dev.type !== ARPHRD_ETHER) {
    req.extack.msg = `FDB ${what} only supported for Ethernet devices`;
    return -EINVAL;
  }
  let vid = 0;
  const va = tb[NDA_VLAN];
  if (va) {
    if (va.data.length !== 2) {
      req.extack.msg = 'invalid vlan attribute size';
      return -EINVAL;
    }
    vid = nlaGetU16(va);
    if (!vid || vid >= VLAN_VID_MASK) {
      req.extack.msg = 'invalid vlan id';
      return -EINVAL;
    }
  }
  return { dev, ndm, addr: lladdr.data.slice(0, 6), vid, tb };
}

/** Linux: rtnl_fdb_add(). */
function rtnlFdbAdd(req: RtnlRequest): number {
  const r = parseFdbReq(req, 'add');
  if (typeof r === 'number') return r;
  const { dev, ndm, addr, vid, tb } = r;
  let flags = ndm.flags;
  let err = -EOPNOTSUPP;
  const extFlags = tb[NDA_FLAGS_EXT] ? nlaGetU32(tb[NDA_FLAGS_EXT]) : 0;
  // "Support fdb on master device the net/bridge default case"
  if ((!flags || flags & NTF_MASTER) && netifIsBridgePort(dev) && dev.master) {
    err = brFdbAdd({ state: ndm.state, flags, extFlags }, dev, addr, vid, req.nlh.flags, req.extack);
    if (err) return err;
    flags &= ~NTF_MASTER;
  }
  // "Embedded bridge, macvlan, and any other device support"
  if (flags & NTF_SELF) {
    if (netifIsBridgeMaster(dev)) err = brFdbAdd({ state: ndm.state, flags, extFlags }, dev, addr, vid, req.nlh.flags, req.extack);
    else err = ndoDfltFdbAdd(ndm.state, dev, addr, vid, req.nlh.flags);
    if (!err) rtnlFdbNotify(dev, addr, vid, RTM_NEWNEIGH, ndm.state);
  }
  return err;
}

/** Linux: rtnl_fdb_del(). */
function rtnlFdbDel(req: RtnlRequest): number {
  const r = parseFdbReq(req, 'delete');
  if (typeof r === 'number') return r;
  const { dev, ndm, addr, vid } = r;
  let flags = ndm.flags;
  let err = -EOPNOTSUPP;
  if ((!flags || flags & NTF_MASTER) && netifIsBridgePort(dev) && dev.master) {
    err = brFdbDeleteUser(dev, addr, vid);
    if (err) return err;
    flags &= ~NTF_MASTER;
  }
  if (flags & NTF_SELF) {
    if (netifIsBridgeMaster(dev)) err = brFdbDeleteUser(dev, addr, vid);
    else err = ndoDfltFdbDel(ndm.state, dev, addr);
    if (!err) rtnlFdbNotify(dev, addr, vid, RTM_DELNEIGH, ndm.state);
  }
  return err;
}

/** One message of a dump, produced when its turn comes. */
type FdbItem = { self: true; dev: NetDevice; addr: Uint8Array } | { self: false; br: NetBridge; f: NetBridgeFdbEntry };

/** Linux: ndo_dflt_fdb_dump(): the device's unicast then multicast filter. */
function dfltItems(dev: NetDevice, out: FdbItem[]): void {
  if (dev.type !== ARPHRD_ETHER) return;
  for (const ha of dev.uc) out.push({ self: true, dev, addr: ha.addr });
  for (const ha of dev.mc) out.push({ self: true, dev, addr: ha.addr });
}

/** Linux: br_fdb_dump(): entries of `filterDev` (a port), or the bridge's own when null. */
function brFdbDumpItems(brDev: NetDevice, filterDev: NetDevice | null, out: FdbItem[]): void {
  const br = brFromDev(brDev);
  if (!filterDev) dfltItems(brDev, out);
  for (const f of brFdbEntries(br)) {
    if (filterDev) {
      if (!f.dst || f.dst.dev !== filterDev) {
        if (filterDev !== brDev || f.dst) continue;
      }
    } else if (f.dst) {
      continue;
    }
    out.push({ self: false, br, f });
  }
}

/** Devices in the order Linux's rtnl_fdb_dump walks them (dev_index_head buckets). */
function devicesInHashOrder(devs: NetDevice[]): NetDevice[] {
  const pos = new Map<NetDevice, number>();
  devs.forEach((d, i) => pos.set(d, i));
  return [...devs].sort((a, b) => ((a.ifindex & 255) - (b.ifindex & 255)) || (pos.get(b)! - pos.get(a)!));
}

/** Linux: valid_fdb_dump_strict()/valid_fdb_dump_legacy(): the bridge and port filters. */
function fdbDumpFilters(cb: NetlinkCallback): { br: number; port: number } | number {
  const msg = cb.nlh.msg;
  const plen = msg.length - NLMSG_HDRLEN;
  if (cb.strictCheck) {
    if (plen < NDMSG_LEN) {
      cb.extack.msg = 'Invalid header for fdb dump request';
      return -EINVAL;
    }
    const ndm = ndmsgParse(msg, NLMSG_HDRLEN);
    const tb = nlmsgParse(msg, NDMSG_LEN, NDA_MAX, null, cb.extack, true);
    if (typeof tb === 'number') return tb;
    const out = { br: 0, port: ndm.ifindex };
    if (tb[NDA_IFINDEX]) out.port = nlaGetU32(tb[NDA_IFINDEX]);
    if (tb[NDA_MASTER]) out.br = nlaGetU32(tb[NDA_MASTER]);
    return out;
  }
  // "A hack to preserve kernel<->userspace interface": an ndmsg (with at most one u32) carries no filter.
  if (plen === NDMSG_LEN || plen === NDMSG_LEN + 8) return { br: 0, port: 0 };
  const tb = nlmsgParse(msg, IFINFOMSG_LEN, IFLA_MAX, null, cb.extack);
  if (typeof tb === 'number') return -EINVAL;
  const v = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
  return { br: tb[IFLA_MASTER] ? nlaGetU32(tb[IFLA_MASTER]) : 0, port: v.getInt32(NLMSG_HDRLEN + 4, true) };
}

/** Linux: rtnl_fdb_dump(). cb.args[0]: items already sent. */
function rtnlFdbDump(cb: NetlinkCallback): number {
  const flt = fdbDumpFilters(cb);
  if (typeof flt === 'number') return flt;
  let brDev: NetDevice | null = null;
  if (flt.br) {
    brDev = cb.net.devGetByIndex(flt.br);
    if (!brDev) return -ENODEV;
  }
  const items: FdbItem[] = [];
  for (const dev of devicesInHashOrder(cb.net.devices)) {
    if (flt.port && dev.ifindex !== flt.port) continue;
    let master: NetDevice | null = null;
    if (!brDev) {
      if (netifIsBridgePort(dev)) master = dev.master;
    } else {
      if (dev !== brDev && !netifIsBridgePort(dev)) continue;
      if (brDev !== dev.master && !netifIsBridgeMaster(dev)) continue;
      master = brDev;
    }
    if (netifIsBridgePort(dev) && master && netifIsBridgeMaster(master)) brFdbDumpItems(master, dev, items);
    if (netifIsBridgeMaster(dev)) brFdbDumpItems(dev, null, items);
    else dfltItems(dev, items);
  }
  const skb = cb.skb;
  let i = cb.args[0]!;
  for (; i < items.length; i++) {
    const it = items[i]!;
    const err = it.self
      ? populateFdbFill(skb, it.dev, it.addr, 0, cb.sk.portid, cb.nlh.seq, RTM_NEWNEIGH, NTF_SELF, NLM_F_MULTI, NUD_PERMANENT)
      : fdbFillInfo(skb, it.br, it.f, cb.sk.portid, cb.nlh.seq, RTM_NEWNEIGH, NLM_F_MULTI);
    if (err < 0) break;
  }
  cb.args[0] = i;
  return skb.len;
}

/** Register the PF_BRIDGE neighbour handlers (Linux: rtnetlink_init()). */
export function brFdbNetlinkInit(k: Kernel): void {
  rtnlRegister(k, AF_BRIDGE, RTM_NEWNEIGH, rtnlFdbAdd, null);
  rtnlRegister(k, AF_BRIDGE, RTM_DELNEIGH, rtnlFdbDel, null);
  rtnlRegister(k, AF_BRIDGE, RTM_GETNEIGH, null, rtnlFdbDump);
}
