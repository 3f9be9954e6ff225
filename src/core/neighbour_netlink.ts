/**
 * The neighbour cache over rtnetlink (Linux: net/core/neighbour.c neigh_fill_info,
 * pneigh_fill_info, __neigh_notify, neigh_add, neigh_delete, neigh_get,
 * neigh_dump_info, neightbl_dump_info, neightbl_set, neigh_init):
 * RTM_NEWNEIGH/DELNEIGH/GETNEIGH for PF_UNSPEC (the bridge registers PF_BRIDGE
 * for its fdb), RTNLGRP_NEIGH notifications, and the neighbour tables and their
 * parameters (RTM_GETNEIGHTBL dump, RTM_SETNEIGHTBL: `ip ntable`).
 */
import type { Kernel, Net } from './net_namespace.js';
import type { NetDevice } from './netdevice.js';
import {
  type Neighbour, type NeighTable, type PneighEntry, NEIGH_UPDATE_F_ADMIN, NEIGH_UPDATE_F_OVERRIDE,
  NEIGH_UPDATE_F_OVERRIDE_ISROUTER, NEIGH_UPDATE_F_EXT_LEARNED, NEIGH_UPDATE_F_ISROUTER, NEIGH_UPDATE_F_MANAGED,
  NEIGH_UPDATE_F_USE, type NeighParms, NEIGH_VAR_QUEUE_LEN_BYTES, NEIGH_VAR_PROXY_QLEN, NEIGH_VAR_APP_PROBES,
  NEIGH_VAR_UCAST_PROBES, NEIGH_VAR_MCAST_PROBES, NEIGH_VAR_MCAST_REPROBES, NEIGH_VAR_BASE_REACHABLE_TIME,
  NEIGH_VAR_GC_STALETIME, NEIGH_VAR_DELAY_PROBE_TIME, NEIGH_VAR_RETRANS_TIME, NEIGH_VAR_ANYCAST_DELAY,
  NEIGH_VAR_PROXY_DELAY, NEIGH_VAR_LOCKTIME, NEIGH_VAR_INTERVAL_PROBE_TIME_MS, neighVar, neighRandReachTime,
  neighMsecsRound, SKB_TRUESIZE_ETH_FRAME, lookupNeighParms, neighTables, neighFindTable, neighLookup, neighRelease, neighUpdate, neighEventSend,
  neighCreateFull, neighRemoveOne, pneighCreate, pneighDelete, pneighLookup, neighEntries, pneighEntries,
} from './neighbour.js';
import {
  NDMSG_LEN, NDA_DST, NDA_LLADDR, NDA_CACHEINFO, NDA_PROBES, NDA_VLAN, NDA_PORT, NDA_VNI, NDA_IFINDEX, NDA_MASTER,
  NDA_PROTOCOL, NDA_NH_ID, NDA_FLAGS_EXT, NDA_FDB_EXT_ATTRS, NDA_MAX, NUD_VALID, NUD_PERMANENT, NUD_NONE,
  NTF_PROXY, NTF_ROUTER, NTF_USE, NTF_EXT_LEARNED, NTF_MANAGED, NTF_EXT_SHIFT, NTF_OLD_MASK, NTF_EXT_MASK,
  MAX_ADDR_LEN, ndaCacheinfoEmit, RTM_NEWNEIGHTBL, RTM_GETNEIGHTBL, RTM_SETNEIGHTBL, NDTMSG_LEN, NDTA_NAME,
  NDTA_THRESH1, NDTA_THRESH2, NDTA_THRESH3, NDTA_CONFIG, NDTA_PARMS, NDTA_STATS, NDTA_GC_INTERVAL, NDTA_MAX,
  NDTPA_IFINDEX, NDTPA_REFCNT, NDTPA_REACHABLE_TIME, NDTPA_BASE_REACHABLE_TIME, NDTPA_RETRANS_TIME,
  NDTPA_GC_STALETIME, NDTPA_DELAY_PROBE_TIME, NDTPA_QUEUE_LEN, NDTPA_APP_PROBES, NDTPA_UCAST_PROBES,
  NDTPA_MCAST_PROBES, NDTPA_ANYCAST_DELAY, NDTPA_PROXY_DELAY, NDTPA_PROXY_QLEN, NDTPA_LOCKTIME,
  NDTPA_QUEUE_LENBYTES, NDTPA_MCAST_REPROBES, NDTPA_INTERVAL_PROBE_TIME_MS, NDTPA_MAX, NDT_CONFIG_LEN, NDT_STATS_LEN,
} from '../wire/neighbour.js';
import { RTM_DELNEIGH, RTM_GETNEIGH, RTM_NEWNEIGH, RTNLGRP_NEIGH } from '../wire/rtnetlink.js';
import {
  type NlaPolicy, type NlaTable, NlMsgBuilder, NLA_BINARY, NLA_U8, NLA_U16, NLA_U32,
  NLA_NESTED, NLA_STRING, NLA_U64, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, NLM_F_MULTI, NLM_F_DUMP_FILTERED,
  NLMSG_HDRLEN, nlmsgParse, nlaGetU32, nlaGetU8, nlaGetU64, nlaGetString, nlaParseNested, nlaWalk, nlmsgAlign,
} from '../wire/netlink.js';
import { AF_UNSPEC } from '../socket/socket.js';
import { EAFNOSUPPORT, EINVAL, ENOBUFS, ENODEV, ENOENT, EEXIST, EMSGSIZE } from '../socket/errno.js';
import { type RtnlRequest, rtnlRegister, rtnlNotify, rtnlUnicast, rtnlSetSkErr } from '../netlink/rtnetlink.js';
import type { NetlinkCallback } from '../netlink/af_netlink.js';

/** RTN_UNICAST (wire/route.ts): a proxy entry's ndm_type. */
const RTN_UNICAST = 1;

/** Linux: nda_policy. */
export const NDA_POLICY: NlaPolicy = {
  [NDA_DST]: { type: NLA_BINARY, len: MAX_ADDR_LEN },
  [NDA_LLADDR]: { type: NLA_BINARY, len: MAX_ADDR_LEN },
  [NDA_CACHEINFO]: { type: 0, len: 16 },
  [NDA_PROBES]: { type: NLA_U32 },
  [NDA_VLAN]: { type: NLA_U16 },
  [NDA_PORT]: { type: NLA_U16 },
  [NDA_VNI]: { type: NLA_U32 },
  [NDA_IFINDEX]: { type: NLA_U32 },
  [NDA_MASTER]: { type: NLA_U32 },
  [NDA_PROTOCOL]: { type: NLA_U8 },
  [NDA_NH_ID]: { type: NLA_U32 },
  [NDA_FLAGS_EXT]: { type: NLA_U32 },
  [NDA_FDB_EXT_ATTRS]: { type: NLA_NESTED },
};

/** ns of the kernel clock -> clock_t (USER_HZ 100). */
function clockT(ns: number): number {
  return ns <= 0 ? 0 : Math.floor(ns / 1e7);
}

function putNdmsg(skb: NlMsgBuilder, nlh: number, family: number, ifindex: number, state: number, flags: number,
  type: number): void {
  const ndm = nlh + NLMSG_HDRLEN;
  skb.setU8(ndm, family);
  skb.setS32(ndm + 4, ifindex);
  skb.setU16(ndm + 8, state);
  skb.setU8(ndm + 10, flags);
  skb.setU8(ndm + 11, type);
}

/** Linux: neigh_fill_info(). 0, or -EMSGSIZE when the message did not fit (it is cut off again). */
export function neighFillInfo(skb: NlMsgBuilder, n: Neighbour, pid: number, seq: number, type: number, flags: number): number {
  const mark = skb.len;
  const t = n.tbl.kernel.clock.now();
  const nlh = skb.nlmsgPut(pid, seq, type, NDMSG_LEN, flags);
  const flagsExt = n.flags >>> NTF_EXT_SHIFT;
  putNdmsg(skb, nlh, n.tbl.family, n.dev.ifindex, n.nudState, n.flags & NTF_OLD_MASK, n.type);
  skb.nlaPut(NDA_DST, n.primaryKey);
  if (n.nudState & NUD_VALID) skb.nlaPut(NDA_LLADDR, n.ha);
  skb.nlaPutU32(NDA_PROBES, n.probes);
  skb.nlaPut(NDA_CACHEINFO, ndaCacheinfoEmit({
    used: clockT(t - n.used), confirmed: clockT(t - n.confirmed), updated: clockT(t - n.updated), refcnt: n.refcnt - 1,
  }));
  if (n.protocol) skb.nlaPutU8(NDA_PROTOCOL, n.protocol);
  if (flagsExt) skb.nlaPutU32(NDA_FLAGS_EXT, flagsExt);
  skb.nlmsgEnd(nlh);
  if (skb.overLimit()) {
    skb.trim(mark);
    return -EMSGSIZE;
  }
  return 0;
}

/** Linux: pneigh_fill_info(). */
export function pneighFillInfo(skb: NlMsgBuilder, pn: PneighEntry, pid: number, seq: number, type: number, flags: number,
  tbl: NeighTable): number {
  const mark = skb.len;
  const nlh = skb.nlmsgPut(pid, seq, type, NDMSG_LEN, flags);
  const flagsExt = pn.flags >>> NTF_EXT_SHIFT;
  putNdmsg(skb, nlh, tbl.family, pn.dev ? pn.dev.ifindex : 0, NUD_NONE, (pn.flags & NTF_OLD_MASK) | NTF_PROXY, RTN_UNICAST);
  skb.nlaPut(NDA_DST, pn.key);
  if (pn.protocol) skb.nlaPutU8(NDA_PROTOCOL, pn.protocol);
  if (flagsExt) skb.nlaPutU32(NDA_FLAGS_EXT, flagsExt);
  skb.nlmsgEnd(nlh);
  if (skb.overLimit()) {
    skb.trim(mark);
    return -EMSGSIZE;
  }
  return 0;
}

/** Linux: __neigh_notify(): tell RTNLGRP_NEIGH. */
export function neighNotify(n: Neighbour, type: number, flags: number, pid: number): void {
  const net = n.dev.net;
  const skb = new NlMsgBuilder(160);
  const err = neighFillInfo(skb, n, pid, 0, type, flags);
  if (err < 0) {
    rtnlSetSkErr(net, RTNLGRP_NEIGH, err);
    return;
  }
  rtnlNotify(net, skb.bytes(), 0, RTNLGRP_NEIGH);
}

/** Linux: neigh_app_ns(): ask a userspace resolver (app_solicit). */
export function neighAppNs(n: Neighbour): void {
  const net = n.dev.net;
  const skb = new NlMsgBuilder(160);
  if (neighFillInfo(skb, n, 0, 0, RTM_GETNEIGH, 0x1 /* NLM_F_REQUEST */) < 0) return;
  rtnlNotify(net, skb.bytes(), 0, RTNLGRP_NEIGH);
}

function ndmOf(msg: Uint8Array): { family: number; ifindex: number; state: number; flags: number; type: number; pad1: number; pad2: number } {
  const o = NLMSG_HDRLEN;
  const v = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
  return {
    family: msg[o]!, pad1: msg[o + 1]!, pad2: v.getUint16(o + 2, true), ifindex: v.getInt32(o + 4, true),
    state: v.getUint16(o + 8, true), flags: msg[o + 10]!, type: msg[o + 11]!,
  };
}

/** Linux: neigh_add(). */
function neighAdd(req: RtnlRequest): number {
  let flags = NEIGH_UPDATE_F_ADMIN | NEIGH_UPDATE_F_OVERRIDE | NEIGH_UPDATE_F_OVERRIDE_ISROUTER;
  const { net, extack } = req;
  const msg = req.nlh.msg;
  const tb = nlmsgParse(msg, NDMSG_LEN, NDA_MAX, NDA_POLICY, extack);
  if (typeof tb === 'number') return tb;
  if (tb[NDA_FLAGS_EXT] && (nlaGetU32(tb[NDA_FLAGS_EXT]) & ~NTF_EXT_MASK)) {
    extack.msg = 'Invalid flags';
    extack.badAttrOffset = tb[NDA_FLAGS_EXT].offset;
    return -EINVAL;
  }
  if (!tb[NDA_DST]) {
    extack.msg = 'Network address not specified';
    return -EINVAL;
  }
  const ndm = ndmOf(msg);
  let ndmFlags = ndm.flags;
  if (tb[NDA_FLAGS_EXT]) ndmFlags |= nlaGetU32(tb[NDA_FLAGS_EXT]) << NTF_EXT_SHIFT;
  let dev: NetDevice | null = null;
  if (ndm.ifindex) {
    dev = net.devGetByIndex(ndm.ifindex);
    if (!dev) return -ENODEV;
    if (tb[NDA_LLADDR] && tb[NDA_LLADDR].data.length < dev.addrLen) {
      extack.msg = 'Invalid link address';
      return -EINVAL;
    }
  }
  const tbl = neighFindTable(net.kernel, ndm.family);
  if (!tbl) return -EAFNOSUPPORT;
  const dstAttr = tb[NDA_DST];
  if (dstAttr.data.length < tbl.keyLen) {
    extack.msg = 'Invalid network address';
    return -EINVAL;
  }
  const dst = dstAttr.data;
  const lladdr = tb[NDA_LLADDR] ? tb[NDA_LLADDR].data : null;
  const protocol = tb[NDA_PROTOCOL] ? nlaGetU8(tb[NDA_PROTOCOL]) : 0;
  if (ndmFlags & NTF_PROXY) {
    if (ndmFlags & NTF_MANAGED) {
      extack.msg = 'Invalid NTF_* flag combination';
      return -EINVAL;
    }
    const pn = pneighCreate(tbl, net, dst, dev);
    if (!pn) return -ENOBUFS;
    pn.flags = ndmFlags;
    if (protocol) pn.protocol = protocol;
    return 0;
  }
  if (!dev) {
    extack.msg = 'Device not specified';
    return -EINVAL;
  }
  if (tbl.cfg.allowAdd && !tbl.cfg.allowAdd(dev, extack)) return -EINVAL;
  let neigh = neighLookup(tbl, dst, dev);
  if (!neigh) {
    const permanent = (ndm.state & NUD_PERMANENT) !== 0;
    const exempt = permanent || (ndmFlags & NTF_EXT_LEARNED) !== 0;
    if (!(req.nlh.flags & NLM_F_CREATE)) return -ENOENT;
    if (permanent && (ndmFlags & NTF_MANAGED)) {
      extack.msg = 'Invalid NTF_* flag for permanent entry';
      return -EINVAL;
    }
    const r = neighCreateFull(tbl, dst, dev, ndmFlags & (NTF_EXT_LEARNED | NTF_MANAGED), exempt, true);
    if (typeof r === 'number') return r;
    neigh = r;
  } else {
    if (req.nlh.flags & NLM_F_EXCL) {
      neighRelease(neigh);
      return -EEXIST;
    }
    if (!(req.nlh.flags & NLM_F_REPLACE)) flags &= ~(NEIGH_UPDATE_F_OVERRIDE | NEIGH_UPDATE_F_OVERRIDE_ISROUTER);
  }
  if (protocol) neigh.protocol = protocol;
  if (ndmFlags & NTF_EXT_LEARNED) flags |= NEIGH_UPDATE_F_EXT_LEARNED;
  if (ndmFlags & NTF_ROUTER) flags |= NEIGH_UPDATE_F_ISROUTER;
  if (ndmFlags & NTF_MANAGED) flags |= NEIGH_UPDATE_F_MANAGED;
  if (ndmFlags & NTF_USE) flags |= NEIGH_UPDATE_F_USE;
  let err = neighUpdate(neigh, lladdr, ndm.state, flags, req.portid, extack);
  if (!err && (ndmFlags & (NTF_USE | NTF_MANAGED))) {
    neighEventSend(neigh, null);
    err = 0;
  }
  neighRelease(neigh);
  return err;
}

/** Linux: nlmsg_find_attr(): the first attribute of a type, unvalidated. */
function findAttr(msg: Uint8Array, hdrlen: number, type: number): Uint8Array | null {
  const start = NLMSG_HDRLEN + nlmsgAlign(hdrlen);
  if (msg.length < start) return null;
  for (const a of nlaWalk(msg, start, msg.length - start).attrs) if (a.type === type) return a.data;
  return null;
}

/** Linux: neigh_delete(). */
function neighDelete(req: RtnlRequest): number {
  const { net, extack } = req;
  const msg = req.nlh.msg;
  if (msg.length - NLMSG_HDRLEN < NDMSG_LEN) return -EINVAL;
  const dst = findAttr(msg, NDMSG_LEN, NDA_DST);
  if (!dst) {
    extack.msg = 'Network address not specified';
    return -EINVAL;
  }
  const ndm = ndmOf(msg);
  let dev: NetDevice | null = null;
  if (ndm.ifindex) {
    dev = net.devGetByIndex(ndm.ifindex);
    if (!dev) return -ENODEV;
  }
  const tbl = neighFindTable(net.kernel, ndm.family);
  if (!tbl) return -EAFNOSUPPORT;
  if (dst.length < tbl.keyLen) {
    extack.msg = 'Invalid network address';
    return -EINVAL;
  }
  if (ndm.flags & NTF_PROXY) return pneighDelete(tbl, net, dst, dev);
  if (!dev) return -EINVAL;
  const neigh = neighLookup(tbl, dst, dev);
  if (!neigh) return -ENOENT;
  const err = neighUpdate(neigh, null, 0x20 /* NUD_FAILED */, NEIGH_UPDATE_F_OVERRIDE | NEIGH_UPDATE_F_ADMIN, req.portid, extack);
  neighRelease(neigh);
  neighRemoveOne(neigh);
  return err;
}

/** Linux: neigh_valid_get_req() + neigh_get(). */
function neighGet(req: RtnlRequest): number {
  const { net, extack } = req;
  const msg = req.nlh.msg;
  if (msg.length < NLMSG_HDRLEN + NDMSG_LEN) {
    extack.msg = 'Invalid header for neighbor get request';
    return -EINVAL;
  }
  const ndm = ndmOf(msg);
  if (ndm.pad1 || ndm.pad2 || ndm.state || ndm.type) {
    extack.msg = 'Invalid values in header for neighbor get request';
    return -EINVAL;
  }
  if (ndm.flags & ~NTF_PROXY) {
    extack.msg = 'Invalid flags in header for neighbor get request';
    return -EINVAL;
  }
  const tb = nlmsgParse(msg, NDMSG_LEN, NDA_MAX, NDA_POLICY, extack, true);
  if (typeof tb === 'number') return tb;
  const tbl = neighFindTable(net.kernel, ndm.family);
  if (!tbl) {
    extack.msg = 'Unsupported family in header for neighbor get request';
    return -EAFNOSUPPORT;
  }
  let dst: Uint8Array | null = null;
  for (let i = 0; i <= NDA_MAX; i++) {
    const a = tb[i];
    if (!a) continue;
    if (i === NDA_DST) {
      if (a.data.length !== tbl.keyLen) {
        extack.msg = 'Invalid network address in neighbor get request';
        return -EINVAL;
      }
      dst = a.data;
    } else {
      extack.msg = 'Unsupported attribute in neighbor get request';
      return -EINVAL;
    }
  }
  let dev: NetDevice | null = null;
  if (ndm.ifindex) {
    dev = net.devGetByIndex(ndm.ifindex);
    if (!dev) {
      extack.msg = 'Unknown device ifindex';
      return -ENODEV;
    }
  }
  if (!dst) {
    extack.msg = 'Network address not specified';
    return -EINVAL;
  }
  if (ndm.flags & NTF_PROXY) {
    const pn = pneighLookup(tbl, net, dst, dev);
    if (!pn) {
      extack.msg = 'Proxy neighbour entry not found';
      return -ENOENT;
    }
    const skb = new NlMsgBuilder(128);
    pneighFillInfo(skb, pn, req.portid, req.nlh.seq, RTM_NEWNEIGH, 0, tbl);
    return rtnlUnicast(net, skb.bytes(), req.portid);
  }
  if (!dev) {
    extack.msg = 'No device specified';
    return -EINVAL;
  }
  const neigh = neighLookup(tbl, dst, dev);
  if (!neigh) {
    extack.msg = 'Neighbour entry not found';
    return -ENOENT;
  }
  const skb = new NlMsgBuilder(160);
  neighFillInfo(skb, neigh, req.portid, req.nlh.seq, RTM_NEWNEIGH, 0);
  const err = rtnlUnicast(net, skb.bytes(), req.portid);
  neighRelease(neigh);
  return err;
}

interface NeighDumpFilter {
  masterIdx: number;
  devIdx: number;
}

/** Linux: neigh_valid_dump_req(). */
function neighValidDumpReq(cb: NetlinkCallback, filter: NeighDumpFilter): number {
  const msg = cb.nlh.msg;
  const extack = cb.extack;
  let tb: NlaTable | number;
  if (cb.strictCheck) {
    if (msg.length < NLMSG_HDRLEN + NDMSG_LEN) {
      extack.msg = 'Invalid header for neighbor dump request';
      return -EINVAL;
    }
    const ndm = ndmOf(msg);
    if (ndm.pad1 || ndm.pad2 || ndm.ifindex || ndm.state || ndm.type) {
      extack.msg = 'Invalid values in header for neighbor dump request';
      return -EINVAL;
    }
    if (ndm.flags & ~NTF_PROXY) {
      extack.msg = 'Invalid flags in header for neighbor dump request';
      return -EINVAL;
    }
    tb = nlmsgParse(msg, NDMSG_LEN, NDA_MAX, NDA_POLICY, extack, true);
  } else {
    tb = nlmsgParse(msg, NDMSG_LEN, NDA_MAX, NDA_POLICY, extack);
  }
  if (typeof tb === 'number') return tb;
  for (let i = 0; i <= NDA_MAX; i++) {
    const a = tb[i];
    if (!a) continue;
    if (i === NDA_IFINDEX) filter.devIdx = nlaGetU32(a);
    else if (i === NDA_MASTER) filter.masterIdx = nlaGetU32(a) | 0;
    else if (cb.strictCheck) {
      extack.msg = 'Unsupported attribute in neighbor dump request';
      return -EINVAL;
    }
  }
  return 0;
}

/** Linux: neigh_master_filtered(). */
function masterFiltered(dev: NetDevice | null, masterIdx: number): boolean {
  if (!masterIdx) return false;
  const master = dev ? dev.master : null;
  if (masterIdx === -1) return master !== null;
  return !master || master.ifindex !== masterIdx;
}

/** Linux: neigh_ifindex_filtered(). */
function ifindexFiltered(dev: NetDevice | null, idx: number): boolean {
  return idx !== 0 && (!dev || dev.ifindex !== idx);
}

/** Linux: neigh_dump_table(): cb.args[1] bucket, cb.args[2] index in the bucket. */
function neighDumpTable(tbl: NeighTable, cb: NetlinkCallback, filter: NeighDumpFilter): number {
  const net = cb.net;
  let flags = NLM_F_MULTI;
  if (filter.devIdx || filter.masterIdx) flags |= NLM_F_DUMP_FILTERED;
  const sH = cb.args[1]!;
  let sIdx = cb.args[2]!;
  let h = sH;
  let idx = 0;
  let err = 0;
  out: for (; h < tbl.buckets.length; h++) {
    if (h > sH) sIdx = 0;
    idx = 0;
    for (let n = tbl.buckets[h] ?? null; n; n = n.next, idx++) {
      if (idx < sIdx || n.dev.net !== net) continue;
      if (ifindexFiltered(n.dev, filter.devIdx) || masterFiltered(n.dev, filter.masterIdx)) continue;
      err = neighFillInfo(cb.skb, n, cb.sk.portid, cb.nlh.seq, RTM_NEWNEIGH, flags);
      if (err < 0) break out;
    }
  }
  cb.args[1] = h;
  cb.args[2] = idx;
  return err;
}

/** Linux: pneigh_dump_table(): cb.args[3] bucket, cb.args[4] index. */
function pneighDumpTable(tbl: NeighTable, cb: NetlinkCallback, filter: NeighDumpFilter): number {
  const net = cb.net;
  let flags = NLM_F_MULTI;
  if (filter.devIdx || filter.masterIdx) flags |= NLM_F_DUMP_FILTERED;
  const sH = cb.args[3]!;
  let sIdx = cb.args[4]!;
  let h = sH;
  let idx = 0;
  let err = 0;
  out: for (; h < tbl.phashBuckets.length; h++) {
    if (h > sH) sIdx = 0;
    idx = 0;
    for (let n = tbl.phashBuckets[h] ?? null; n; n = n.next, idx++) {
      if (idx < sIdx || n.net !== net) continue;
      if (ifindexFiltered(n.dev, filter.devIdx) || masterFiltered(n.dev, filter.masterIdx)) continue;
      err = pneighFillInfo(cb.skb, n, cb.sk.portid, cb.nlh.seq, RTM_NEWNEIGH, flags, tbl);
      if (err < 0) break out;
    }
  }
  cb.args[3] = h;
  cb.args[4] = idx;
  return err;
}

/** Linux: neigh_dump_info(). */
function neighDumpInfo(cb: NetlinkCallback): number {
  const msg = cb.nlh.msg;
  const family = msg.length > NLMSG_HDRLEN ? msg[NLMSG_HDRLEN]! : AF_UNSPEC;
  const filter: NeighDumpFilter = { masterIdx: 0, devIdx: 0 };
  // A full ndmsg with exactly NTF_PROXY asks for the proxy entries.
  const proxy = msg.length - NLMSG_HDRLEN >= NDMSG_LEN && msg[NLMSG_HDRLEN + 10] === NTF_PROXY;
  const verr = neighValidDumpReq(cb, filter);
  if (verr < 0 && cb.strictCheck) return verr;
  const tables = neighTables(cb.net.kernel);
  const sT = cb.args[0]!;
  let t = 0;
  let err = 0;
  for (; t < tables.length; t++) {
    const tbl = tables[t];
    if (!tbl) continue;
    if (t < sT || (family && tbl.family !== family)) continue;
    if (t > sT) for (let i = 1; i < cb.args.length; i++) cb.args[i] = 0;
    err = proxy ? pneighDumpTable(tbl, cb, filter) : neighDumpTable(tbl, cb, filter);
    if (err < 0) break;
  }
  cb.args[0] = t;
  // A full buffer (-EMSGSIZE) with something in it means "more to come" (Linux: netlink_dump).
  if (err === -EMSGSIZE && cb.skb.len) return cb.skb.len;
  return err;
}

/** Neighbour entries of one namespace in dump order (for /proc and tests). */
export function* neighEntriesOf(tbl: NeighTable, net: Net): Generator<Neighbour> {
  for (const n of neighEntries(tbl)) if (n.dev.net === net) yield n;
}

/** Proxy entries of one namespace in dump order. */
export function* pneighEntriesOf(tbl: NeighTable, net: Net): Generator<PneighEntry> {
  for (const n of pneighEntries(tbl)) if (n.net === net) yield n;
}

const hex8 = (v: number): string => (v >>> 0).toString(16).padStart(8, '0');

/** Linux: neigh_stat_seq_show(): /proc/net/stat/<table id>, one "CPU". */
export function neighStatSeqShow(tbl: NeighTable): string {
  const st = tbl.stats;
  return 'entries  allocs   destroys hash_grows lookups  hits     res_failed rcv_probes_mcast rcv_probes_ucast ' +
    'periodic_gc_runs forced_gc_runs unresolved_discards table_fulls\n' +
    `${hex8(tbl.entries)} ${hex8(st.allocs)} ${hex8(st.destroys)} ${hex8(st.hashGrows)}   ${hex8(st.lookups)} ` +
    `${hex8(st.hits)} ${hex8(st.resFailed)}   ${hex8(st.rcvProbesMcast)}         ${hex8(st.rcvProbesUcast)}         ` +
    `${hex8(st.periodicGcRuns)}         ${hex8(st.forcedGcRuns)}       ${hex8(st.unresDiscards)}            ` +
    `${hex8(st.tableFulls)}\n`;
}

/* ------------------------------------------------------------------ */
/* Neighbour tables (RTM_GETNEIGHTBL / RTM_SETNEIGHTBL)                */

/** Linux: the table's entry_size as this host's kernel reports it (ndtc_entry_size). */
const NEIGH_ENTRY_SIZE = 336;

/** Linux: neightbl_fill_parms(): one NDTA_PARMS nest. */
function neightblFillParms(skb: NlMsgBuilder, p: NeighParms): void {
  const nest = skb.nlaNestStartNoflag(NDTA_PARMS);
  if (p.dev) skb.nlaPutU32(NDTPA_IFINDEX, p.dev.ifindex);
  skb.nlaPutU32(NDTPA_REFCNT, p.refcnt);
  skb.nlaPutU32(NDTPA_QUEUE_LENBYTES, neighVar(p, NEIGH_VAR_QUEUE_LEN_BYTES));
  // Approximative value for the deprecated QUEUE_LEN (in packets).
  skb.nlaPutU32(NDTPA_QUEUE_LEN, Math.floor(neighVar(p, NEIGH_VAR_QUEUE_LEN_BYTES) / SKB_TRUESIZE_ETH_FRAME));
  skb.nlaPutU32(NDTPA_PROXY_QLEN, neighVar(p, NEIGH_VAR_PROXY_QLEN));
  skb.nlaPutU32(NDTPA_APP_PROBES, neighVar(p, NEIGH_VAR_APP_PROBES));
  skb.nlaPutU32(NDTPA_UCAST_PROBES, neighVar(p, NEIGH_VAR_UCAST_PROBES));
  skb.nlaPutU32(NDTPA_MCAST_PROBES, neighVar(p, NEIGH_VAR_MCAST_PROBES));
  skb.nlaPutU32(NDTPA_MCAST_REPROBES, neighVar(p, NEIGH_VAR_MCAST_REPROBES));
  skb.nlaPutU64(NDTPA_REACHABLE_TIME, p.reachableTime);
  skb.nlaPutU64(NDTPA_BASE_REACHABLE_TIME, neighVar(p, NEIGH_VAR_BASE_REACHABLE_TIME));
  skb.nlaPutU64(NDTPA_GC_STALETIME, neighVar(p, NEIGH_VAR_GC_STALETIME));
  skb.nlaPutU64(NDTPA_DELAY_PROBE_TIME, neighVar(p, NEIGH_VAR_DELAY_PROBE_TIME));
  skb.nlaPutU64(NDTPA_RETRANS_TIME, neighVar(p, NEIGH_VAR_RETRANS_TIME));
  skb.nlaPutU64(NDTPA_ANYCAST_DELAY, neighVar(p, NEIGH_VAR_ANYCAST_DELAY));
  skb.nlaPutU64(NDTPA_PROXY_DELAY, neighVar(p, NEIGH_VAR_PROXY_DELAY));
  skb.nlaPutU64(NDTPA_LOCKTIME, neighVar(p, NEIGH_VAR_LOCKTIME));
  skb.nlaPutU64(NDTPA_INTERVAL_PROBE_TIME_MS, neighVar(p, NEIGH_VAR_INTERVAL_PROBE_TIME_MS));
  skb.nlaNestEnd(nest);
}

function putNdtmsg(skb: NlMsgBuilder, nlh: number, family: number): void {
  skb.setU8(nlh + NLMSG_HDRLEN, family);
}

/** Linux: neightbl_fill_info(): the table, its configuration, statistics and default parameters. */
function neightblFillInfo(skb: NlMsgBuilder, tbl: NeighTable, pid: number, seq: number, type: number, flags: number): number {
  const mark = skb.len;
  const nlh = skb.nlmsgPut(pid, seq, type, NDTMSG_LEN, flags);
  putNdtmsg(skb, nlh, tbl.family);
  skb.nlaPutString(NDTA_NAME, tbl.id);
  skb.nlaPutU64(NDTA_GC_INTERVAL, tbl.gcInterval);
  skb.nlaPutU32(NDTA_THRESH1, tbl.gcThresh1);
  skb.nlaPutU32(NDTA_THRESH2, tbl.gcThresh2);
  skb.nlaPutU32(NDTA_THRESH3, tbl.gcThresh3);
  const t = tbl.kernel.clock.now();
  const cfg = new Uint8Array(NDT_CONFIG_LEN);
  const v = new DataView(cfg.buffer);
  v.setUint16(0, tbl.keyLen, true);
  v.setUint16(2, NEIGH_ENTRY_SIZE, true);
  v.setUint32(4, tbl.entries, true);
  v.setUint32(8, Math.trunc((t - tbl.lastFlush) / 1e6) >>> 0, true);
  v.setUint32(12, Math.trunc((t - tbl.lastRand) / 1e6) >>> 0, true);
  v.setUint32(16, tbl.hashRnd[0]!, true);
  v.setUint32(20, (1 << tbl.hashShift) - 1, true);
  v.setUint32(24, 0, true);
  v.setUint32(28, tbl.proxyQueue.qlen, true);
  skb.nlaPut(NDTA_CONFIG, cfg);
  const st = tbl.stats;
  const stats = new Uint8Array(NDT_STATS_LEN);
  const sv = new DataView(stats.buffer);
  [st.allocs, st.destroys, st.hashGrows, st.resFailed, st.lookups, st.hits, st.rcvProbesMcast, st.rcvProbesUcast,
    st.periodicGcRuns, st.forcedGcRuns, st.tableFulls].forEach((x, i) => sv.setBigUint64(i * 8, BigInt(x), true));
  skb.nlaPut(NDTA_STATS, stats);
  neightblFillParms(skb, tbl.parms);
  skb.nlmsgEnd(nlh);
  if (skb.overLimit()) {
    skb.trim(mark);
    return -EMSGSIZE;
  }
  return 0;
}

/** Linux: neightbl_fill_param_info(): a device's parameters under the table's name. */
function neightblFillParamInfo(skb: NlMsgBuilder, tbl: NeighTable, p: NeighParms, pid: number, seq: number,
  type: number, flags: number): number {
  const mark = skb.len;
  const nlh = skb.nlmsgPut(pid, seq, type, NDTMSG_LEN, flags);
  putNdtmsg(skb, nlh, tbl.family);
  skb.nlaPutString(NDTA_NAME, tbl.id);
  neightblFillParms(skb, p);
  skb.nlmsgEnd(nlh);
  if (skb.overLimit()) {
    skb.trim(mark);
    return -EMSGSIZE;
  }
  return 0;
}

/** Linux: neightbl_dump_info(): cb.args[0] table, cb.args[1] parms already sent. */
function neightblDumpInfo(cb: NetlinkCallback): number {
  const msg = cb.nlh.msg;
  if (cb.strictCheck) {
    if (msg.length < NLMSG_HDRLEN + NDTMSG_LEN) {
      cb.extack.msg = 'Invalid header for neighbor table dump request';
      return -EINVAL;
    }
    if (msg[NLMSG_HDRLEN + 1] || msg[NLMSG_HDRLEN + 2] || msg[NLMSG_HDRLEN + 3]) {
      cb.extack.msg = 'Invalid values in header for neighbor table dump request';
      return -EINVAL;
    }
    if (msg.length > NLMSG_HDRLEN + nlmsgAlign(NDTMSG_LEN)) {
      cb.extack.msg = 'Invalid data after header in neighbor table dump request';
      return -EINVAL;
    }
  }
  const family = msg.length > NLMSG_HDRLEN ? msg[NLMSG_HDRLEN]! : AF_UNSPEC;
  const tables = neighTables(cb.net.kernel);
  const tblSkip = cb.args[0]!;
  let neighSkip = cb.args[1]!;
  let tidx = 0;
  let nidx = 0;
  out: for (; tidx < tables.length; tidx++) {
    const tbl = tables[tidx];
    if (!tbl) continue;
    if (tidx < tblSkip || (family && tbl.family !== family)) continue;
    if (neightblFillInfo(cb.skb, tbl, cb.sk.portid, cb.nlh.seq, RTM_NEWNEIGHTBL, NLM_F_MULTI) < 0) break;
    nidx = 0;
    for (const p of tbl.parmsList.slice(1)) {
      if (p.net !== cb.net) continue;
      if (nidx >= neighSkip &&
        neightblFillParamInfo(cb.skb, tbl, p, cb.sk.portid, cb.nlh.seq, RTM_NEWNEIGHTBL, NLM_F_MULTI) < 0) break out;
      nidx++;
    }
    neighSkip = 0;
  }
  cb.args[0] = tidx;
  cb.args[1] = nidx;
  return cb.skb.len;
}

const NL_NEIGHTBL_POLICY: NlaPolicy = {
  [NDTA_NAME]: { type: NLA_STRING },
  [NDTA_THRESH1]: { type: NLA_U32 },
  [NDTA_THRESH2]: { type: NLA_U32 },
  [NDTA_THRESH3]: { type: NLA_U32 },
  [NDTA_GC_INTERVAL]: { type: NLA_U64 },
  [NDTA_PARMS]: { type: NLA_NESTED },
};

const NL_NTBL_PARM_POLICY: NlaPolicy = {
  [NDTPA_IFINDEX]: { type: NLA_U32 },
  [NDTPA_QUEUE_LEN]: { type: NLA_U32 },
  [NDTPA_PROXY_QLEN]: { type: NLA_U32 },
  [NDTPA_APP_PROBES]: { type: NLA_U32 },
  [NDTPA_UCAST_PROBES]: { type: NLA_U32 },
  [NDTPA_MCAST_PROBES]: { type: NLA_U32 },
  [NDTPA_MCAST_REPROBES]: { type: NLA_U32 },
  [NDTPA_BASE_REACHABLE_TIME]: { type: NLA_U64 },
  [NDTPA_GC_STALETIME]: { type: NLA_U64 },
  [NDTPA_DELAY_PROBE_TIME]: { type: NLA_U64 },
  [NDTPA_RETRANS_TIME]: { type: NLA_U64 },
  [NDTPA_ANYCAST_DELAY]: { type: NLA_U64 },
  [NDTPA_PROXY_DELAY]: { type: NLA_U64 },
  [NDTPA_LOCKTIME]: { type: NLA_U64 },
  [NDTPA_INTERVAL_PROBE_TIME_MS]: { type: NLA_U64 },
};

/** Linux: neightbl_set(): `ip ntable change`. */
function neightblSet(req: RtnlRequest): number {
  const { net, extack } = req;
  const msg = req.nlh.msg;
  const tb = nlmsgParse(msg, NDTMSG_LEN, NDTA_MAX, NL_NEIGHTBL_POLICY, extack);
  if (typeof tb === 'number') return tb;
  if (!tb[NDTA_NAME]) return -EINVAL;
  const family = msg[NLMSG_HDRLEN]!;
  const name = nlaGetString(tb[NDTA_NAME]);
  let tbl: NeighTable | null = null;
  for (const t of neighTables(net.kernel)) {
    if (!t || (family && t.family !== family)) continue;
    if (t.id === name) {
      tbl = t;
      break;
    }
  }
  if (!tbl) return -ENOENT;
  if (tb[NDTA_PARMS]) {
    const tbp = nlaParseNested(tb[NDTA_PARMS], NDTPA_MAX, NL_NTBL_PARM_POLICY, extack);
    if (typeof tbp === 'number') return tbp;
    const ifindex = tbp[NDTPA_IFINDEX] ? nlaGetU32(tbp[NDTPA_IFINDEX]) : 0;
    const p = lookupNeighParms(tbl, net, ifindex);
    if (!p) return -ENOENT;
    const set = (index: number, v: number): void => {
      p.data[index] = v;
      p.dataState |= 1 << index;
    };
    const ms = (i: number): number => neighMsecsRound(nlaGetU64(tbp[i]!));
    for (let i = 1; i <= NDTPA_MAX; i++) {
      const a = tbp[i];
      if (!a) continue;
      switch (i) {
        case NDTPA_QUEUE_LEN: set(NEIGH_VAR_QUEUE_LEN_BYTES, nlaGetU32(a) * SKB_TRUESIZE_ETH_FRAME); break;
        case NDTPA_QUEUE_LENBYTES: set(NEIGH_VAR_QUEUE_LEN_BYTES, nlaGetU32(a)); break;
        case NDTPA_PROXY_QLEN: set(NEIGH_VAR_PROXY_QLEN, nlaGetU32(a)); break;
        case NDTPA_APP_PROBES: set(NEIGH_VAR_APP_PROBES, nlaGetU32(a)); break;
        case NDTPA_UCAST_PROBES: set(NEIGH_VAR_UCAST_PROBES, nlaGetU32(a)); break;
        case NDTPA_MCAST_PROBES: set(NEIGH_VAR_MCAST_PROBES, nlaGetU32(a)); break;
        case NDTPA_MCAST_REPROBES: set(NEIGH_VAR_MCAST_REPROBES, nlaGetU32(a)); break;
        case NDTPA_BASE_REACHABLE_TIME:
          set(NEIGH_VAR_BASE_REACHABLE_TIME, ms(i));
          // Effective now, not at the next periodic recomputation.
          p.reachableTime = neighRandReachTime(tbl.kernel, neighVar(p, NEIGH_VAR_BASE_REACHABLE_TIME));
          break;
        case NDTPA_GC_STALETIME: set(NEIGH_VAR_GC_STALETIME, ms(i)); break;
        case NDTPA_DELAY_PROBE_TIME: set(NEIGH_VAR_DELAY_PROBE_TIME, ms(i)); break;
        case NDTPA_INTERVAL_PROBE_TIME_MS: set(NEIGH_VAR_INTERVAL_PROBE_TIME_MS, ms(i)); break;
        case NDTPA_RETRANS_TIME: set(NEIGH_VAR_RETRANS_TIME, ms(i)); break;
        case NDTPA_ANYCAST_DELAY: set(NEIGH_VAR_ANYCAST_DELAY, ms(i)); break;
        case NDTPA_PROXY_DELAY: set(NEIGH_VAR_PROXY_DELAY, ms(i)); break;
        case NDTPA_LOCKTIME: set(NEIGH_VAR_LOCKTIME, ms(i)); break;
        default: break;
      }
    }
  }
  // The table-wide values belong to the initial namespace.
  if ((tb[NDTA_THRESH1] || tb[NDTA_THRESH2] || tb[NDTA_THRESH3] || tb[NDTA_GC_INTERVAL]) && net !== net.kernel.initNet) {
    return -ENOENT;
  }
  if (tb[NDTA_THRESH1]) tbl.gcThresh1 = nlaGetU32(tb[NDTA_THRESH1]);
  if (tb[NDTA_THRESH2]) tbl.gcThresh2 = nlaGetU32(tb[NDTA_THRESH2]);
  if (tb[NDTA_THRESH3]) tbl.gcThresh3 = nlaGetU32(tb[NDTA_THRESH3]);
  if (tb[NDTA_GC_INTERVAL]) tbl.gcInterval = neighMsecsRound(nlaGetU64(tb[NDTA_GC_INTERVAL]));
  return 0;
}

/** Linux: neigh_init(): the PF_UNSPEC neighbour handlers (once per kernel). */
export function neighInit(k: Kernel): void {
  if (k.generic.has('neigh_init')) return;
  k.generic.set('neigh_init', true);
  rtnlRegister(k, AF_UNSPEC, RTM_NEWNEIGH, neighAdd, null);
  rtnlRegister(k, AF_UNSPEC, RTM_DELNEIGH, neighDelete, null);
  rtnlRegister(k, AF_UNSPEC, RTM_GETNEIGH, neighGet, neighDumpInfo);
  rtnlRegister(k, AF_UNSPEC, RTM_GETNEIGHTBL, null, neightblDumpInfo);
  rtnlRegister(k, AF_UNSPEC, RTM_SETNEIGHTBL, neightblSet, null);
}

