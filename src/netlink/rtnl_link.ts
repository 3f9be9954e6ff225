/**
 * Links over rtnetlink (Linux: net/core/rtnetlink.c, the RTM_*LINK half):
 * rtnl_fill_ifinfo() (what `ip link` shows), RTM_GETLINK doit and dump,
 * RTM_NEWLINK (create through a kind's RtnlLinkOps, or modify), RTM_SETLINK
 * (do_setlink), RTM_DELLINK, and the RTNLGRP_LINK notifications the core asks
 * for through `k.rtmsgIfinfo`.
 *
 * Plugging a link kind in (the bridge does this for `bridge`):
 * - `rtnlLinkRegister(k, ops)` with an RtnlLinkOps (src/core/netdevice.ts):
 *   `setup` sets netdevOps/priv/defaults; `newlink` registers the device (default:
 *   registerNetdevice); `maxtype`+`policy` make rtnetlink parse IFLA_INFO_DATA
 *   (e.g. IFLA_BR_*) into the `data` table given to validate/newlink/changelink;
 *   `fillInfo(skb, dev)` writes IFLA_INFO_DATA attributes for dumps.
 * - Ports: `slaveMaxtype`+`slavePolicy`+`slaveChangelink` take IFLA_INFO_SLAVE_DATA
 *   (IFLA_BRPORT_*) for `ip link set PORT type bridge_slave ...`; `fillSlaveInfo`
 *   writes it under IFLA_INFO_SLAVE_KIND = the master's kind.
 * - `master`/`nomaster` (IFLA_MASTER) call the master's netdevOps.ndoAddSlave /
 *   ndoDelSlave (Linux do_set_master); no ndo -> EOPNOTSUPP. The driver links the
 *   port with netdevMasterUpperDevLink; the resulting NETDEV_CHANGEUPPER sends
 *   RTM_NEWLINK, so `ip monitor` sees `master br0` appear.
 * - AF_BRIDGE dumps (`bridge link`): rtnlRegister(k, AF_BRIDGE, RTM_GETLINK, null, dump).
 *
 * Deviation: while a device is being created over netlink its notifications are
 * held back and one RTM_NEWLINK is sent when it is configured, as Linux does with
 * rtnl_link_state INITIALIZING.
 */
import type { Kernel, Net } from '../core/net_namespace.js';
import {
  type RtnlLinkOps, NetDevice, RtnlLinkStats64, NETREG_REGISTERED, netifRunning, netifCarrierOk, devGetIflink, IF_OPER_DOWN, IF_OPER_UP,
  IF_OPER_DORMANT, IF_OPER_TESTING, IFNAMSIZ,
} from '../core/netdevice.js';
import {
  registerNetdevice, unregisterNetdeviceMany, devGetFlags, devGetStats, devChangeFlags, devSetMtu,
  devSetMacAddress, devChangeName, devChangeTxQueueLen, devChangeNetNamespace,
} from '../core/dev.js';
import {
  NETDEV_CHANGEUPPER, NETDEV_CHANGEINFODATA, NETDEV_CHANGELOWERSTATE, NETDEV_FEAT_CHANGE, NETDEV_NOTIFY_PEERS,
  NOTIFY_DONE,
} from '../core/notifier.js';
import { rfc2863Policy } from '../core/link_watch.js';
import { AF_UNSPEC } from '../socket/socket.js';
import {
  EINVAL, EEXIST, ENODEV, EOPNOTSUPP, EMSGSIZE, ESRCH, ENOBUFS, ENODATA,
} from '../socket/errno.js';
import type { Task } from '../socket/task.js';
import {
  type NlaTable, type NlaPolicy, type NetlinkExtAck, NlMsgBuilder, NLA_U8, NLA_U32, NLA_S32, NLA_STRING,
  NLA_BINARY, NLA_NESTED, NLM_F_EXCL, NLM_F_REPLACE, NLM_F_CREATE, NLM_F_MULTI, NLM_F_DUMP_FILTERED,
  NLMSG_HDRLEN, nlmsgParse, nlaParseNested, nlaGetU32, nlaGetS32, nlaGetU8, nlaGetString,
} from '../wire/netlink.js';
import {
  IFINFOMSG_LEN, ifinfomsgParse, IFLA_ADDRESS, IFLA_BROADCAST, IFLA_IFNAME, IFLA_MTU, IFLA_LINK, IFLA_QDISC,
  IFLA_STATS, IFLA_MASTER, IFLA_TXQLEN, IFLA_MAP, IFLA_WEIGHT, IFLA_OPERSTATE, IFLA_LINKMODE, IFLA_LINKINFO,
  IFLA_NET_NS_PID, IFLA_IFALIAS, IFLA_STATS64, IFLA_GROUP, IFLA_NET_NS_FD, IFLA_EXT_MASK, IFLA_PROMISCUITY,
  IFLA_NUM_TX_QUEUES, IFLA_NUM_RX_QUEUES, IFLA_CARRIER, IFLA_CARRIER_CHANGES, IFLA_LINK_NETNSID,
  IFLA_PROTO_DOWN, IFLA_GSO_MAX_SEGS, IFLA_GSO_MAX_SIZE, IFLA_XDP, IFLA_TARGET_NETNSID, IFLA_CARRIER_UP_COUNT,
  IFLA_CARRIER_DOWN_COUNT, IFLA_MIN_MTU, IFLA_MAX_MTU, IFLA_ALT_IFNAME, IFLA_PERM_ADDRESS,
  IFLA_GRO_MAX_SIZE, IFLA_TSO_MAX_SIZE, IFLA_TSO_MAX_SEGS, IFLA_ALLMULTI, IFLA_MAX, IFLA_INFO_KIND,
  IFLA_INFO_DATA, IFLA_INFO_SLAVE_KIND, IFLA_INFO_SLAVE_DATA, IFLA_INFO_MAX, IFLA_PROTINFO, IFLA_AF_SPEC,
  RTEXT_FILTER_SKIP_STATS,
} from '../wire/if_link.js';
import {
  RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK, RTM_SETLINK, RTNLGRP_LINK,
} from '../wire/rtnetlink.js';
import {
  type RtnlRequest, rtnlRegister, rtnlUnicast, rtnlNotify, rtnlSetSkErr,
} from './rtnetlink.js';
import type { NetlinkCallback } from './af_netlink.js';

/** Linux: ifla_policy (the attributes rtnetlink checks). */
export const iflaPolicy: NlaPolicy = {
  [IFLA_IFNAME]: { type: NLA_STRING, len: IFNAMSIZ - 1 },
  [IFLA_ADDRESS]: { type: NLA_BINARY, len: 32 },
  [IFLA_BROADCAST]: { type: NLA_BINARY, len: 32 },
  [IFLA_MTU]: { type: NLA_U32 },
  [IFLA_LINK]: { type: NLA_U32 },
  [IFLA_MASTER]: { type: NLA_U32 },
  [IFLA_CARRIER]: { type: NLA_U8 },
  [IFLA_TXQLEN]: { type: NLA_U32 },
  [IFLA_WEIGHT]: { type: NLA_U32 },
  [IFLA_OPERSTATE]: { type: NLA_U8 },
  [IFLA_LINKMODE]: { type: NLA_U8 },
  [IFLA_LINKINFO]: { type: NLA_NESTED },
  [IFLA_NET_NS_PID]: { type: NLA_U32 },
  [IFLA_NET_NS_FD]: { type: NLA_U32 },
  [IFLA_IFALIAS]: { type: NLA_STRING, len: 255 },
  [IFLA_AF_SPEC]: { type: NLA_NESTED },
  [IFLA_EXT_MASK]: { type: NLA_U32 },
  [IFLA_PROMISCUITY]: { type: NLA_U32 },
  [IFLA_NUM_TX_QUEUES]: { type: NLA_U32 },
  [IFLA_NUM_RX_QUEUES]: { type: NLA_U32 },
  [IFLA_GSO_MAX_SEGS]: { type: NLA_U32 },
  [IFLA_GSO_MAX_SIZE]: { type: NLA_U32 },
  [IFLA_PROTO_DOWN]: { type: NLA_U8 },
  [IFLA_LINK_NETNSID]: { type: NLA_S32 },
  [IFLA_GROUP]: { type: NLA_U32 },
  [IFLA_TARGET_NETNSID]: { type: NLA_S32 },
  [IFLA_ALT_IFNAME]: { type: NLA_STRING, len: 127 },
  [IFLA_GRO_MAX_SIZE]: { type: NLA_U32 },
};

const iflaInfoPolicy: NlaPolicy = {
  [IFLA_INFO_KIND]: { type: NLA_STRING },
  [IFLA_INFO_DATA]: { type: NLA_NESTED },
  [IFLA_INFO_SLAVE_KIND]: { type: NLA_STRING },
  [IFLA_INFO_SLAVE_DATA]: { type: NLA_NESTED },
};

/* ------------------------------------------------------------------ */
/* Kind registry and per-kernel state                                  */

/** Linux: rtnl_link_register(). */
export function rtnlLinkRegister(k: Kernel, ops: RtnlLinkOps): void {
  if (k.linkOps.has(ops.kind)) throw new RangeError(`link kind ${ops.kind} already registered`);
  k.linkOps.set(ops.kind, ops);
}

/** Devices being created over netlink: their notifications wait (RTNL_LINK_INITIALIZING). */
function initializing(k: Kernel): WeakSet<NetDevice> {
  let s = k.generic.get('rtnl.initializing') as WeakSet<NetDevice> | undefined;
  if (!s) {
    s = new WeakSet();
    k.generic.set('rtnl.initializing', s);
  }
  return s;
}

/** The task making the current syscall (set by the syscall layer), for IFLA_NET_NS_FD/PID. */
function currentTask(k: Kernel): Task | null {
  return (k.generic.get('current') as Task | undefined) ?? null;
}

/** Linux: rtnl_link_get_net(): the namespace named by IFLA_NET_NS_PID / IFLA_NET_NS_FD, or `src`. */
export function rtnlLinkGetNet(src: Net, tb: NlaTable): Net | number {
  const k = src.kernel;
  const task = currentTask(k);
  if (tb[IFLA_NET_NS_PID]) {
    const pid = nlaGetU32(tb[IFLA_NET_NS_PID]);
    // There is no process table: pid 1 is init (initial namespace), the caller's own pid is its namespace.
    if (pid === 1) return k.initNet;
    if (task && task.pid === pid) return task.net;
    return -ESRCH;
  }
  if (tb[IFLA_NET_NS_FD]) {
    const f = task?.fds.get(nlaGetU32(tb[IFLA_NET_NS_FD]));
    if (!f || f.kind !== 'netns') return -EINVAL;
    return f.net;
  }
  return src;
}

/** Linux: get_net_ns_by_id(). */
function getNetNsById(net: Net, id: number): Net | null {
  for (const [peer, pid] of net.netnsIds) if (pid === id) return peer;
  return null;
}

/* ------------------------------------------------------------------ */
/* rtnl_fill_ifinfo                                                    */

function putStats64(skb: NlMsgBuilder, s: RtnlLinkStats64): void {
  const b = new Uint8Array(RtnlLinkStats64.FIELDS.length * 8);
  const v = new DataView(b.buffer);
  RtnlLinkStats64.FIELDS.forEach((f, i) => {
    const x = s[f];
    v.setUint32(i * 8, x % 2 ** 32, true);
    v.setUint32(i * 8 + 4, Math.floor(x / 2 ** 32), true);
  });
  skb.nlaPut(IFLA_STATS64, b);
  const b32 = new Uint8Array(RtnlLinkStats64.FIELDS.length * 4);
  const v32 = new DataView(b32.buffer);
  RtnlLinkStats64.FIELDS.forEach((f, i) => v32.setUint32(i * 4, s[f] % 2 ** 32, true));
  skb.nlaPut(IFLA_STATS, b32);
}

/** Linux: rtnl_link_fill(): IFLA_LINKINFO with kind, data, slave kind and slave data. */
function rtnlLinkFill(skb: NlMsgBuilder, dev: NetDevice): number {
  const ops = dev.rtnlLinkOps;
  const master = dev.master;
  const mops = master?.rtnlLinkOps;
  if (!ops && !mops?.fillSlaveInfo) return 0;
  const linkinfo = skb.nlaNestStart(IFLA_LINKINFO);
  if (ops) {
    skb.nlaPutString(IFLA_INFO_KIND, ops.kind);
    if (ops.fillInfo) {
      const data = skb.nlaNestStart(IFLA_INFO_DATA);
      const err = ops.fillInfo(skb, dev);
      if (err < 0) return err;
      skb.nlaNestEnd(data);
    }
  }
  if (master && mops?.fillSlaveInfo) {
    skb.nlaPutString(IFLA_INFO_SLAVE_KIND, mops.kind);
    const sd = skb.nlaNestStart(IFLA_INFO_SLAVE_DATA);
    const err = mops.fillSlaveInfo(skb, master, dev);
    if (err < 0) return err;
    skb.nlaNestEnd(sd);
  }
  skb.nlaNestEnd(linkinfo);
  return 0;
}

/** Per-family IFLA_AF_SPEC fillers (Linux: rtnl_af_register); IPv4/IPv6 add theirs. */
export interface RtnlAfOps {
  family: number;
  fillLinkAf(skb: NlMsgBuilder, dev: NetDevice, extFilterMask: number): number;
}

function afOps(k: Kernel): RtnlAfOps[] {
  let l = k.generic.get('rtnl.af_ops') as RtnlAfOps[] | undefined;
  if (!l) {
    l = [];
    k.generic.set('rtnl.af_ops', l);
  }
  return l;
}

/** Linux: rtnl_af_register(). */
export function rtnlAfRegister(k: Kernel, ops: RtnlAfOps): void {
  afOps(k).push(ops);
}

export interface FillIfinfoOpts {
  type: number;
  portid: number;
  seq: number;
  change: number;
  flags: number;
  extFilterMask: number;
  /** Namespace of the reader (for IFLA_LINK_NETNSID). */
  srcNet: Net;
}

/**
 * Linux: rtnl_fill_ifinfo(): one RTM_NEWLINK/RTM_DELLINK message for `dev`.
 * Returns 0, or -EMSGSIZE with the partial message removed when the buffer's
 * limit is exceeded.
 */
export function rtnlFillIfinfo(skb: NlMsgBuilder, dev: NetDevice, o: FillIfinfoOpts): number {
  const mark = skb.len;
  const nlh = skb.nlmsgPut(o.portid, o.seq, o.type, IFINFOMSG_LEN, o.flags);
  const ifm = nlh + NLMSG_HDRLEN;
  skb.setU8(ifm, AF_UNSPEC);
  skb.setU16(ifm + 2, dev.type);
  skb.setS32(ifm + 4, dev.ifindex);
  skb.setU32(ifm + 8, devGetFlags(dev));
  skb.setU32(ifm + 12, o.change);
  skb.nlaPutString(IFLA_IFNAME, dev.name);
  skb.nlaPutU32(IFLA_TXQLEN, dev.txQueueLen);
  skb.nlaPutU8(IFLA_OPERSTATE, netifRunning(dev) ? dev.operstate : IF_OPER_DOWN);
  skb.nlaPutU8(IFLA_LINKMODE, dev.linkMode);
  skb.nlaPutU32(IFLA_MTU, dev.mtu);
  skb.nlaPutU32(IFLA_MIN_MTU, dev.minMtu);
  skb.nlaPutU32(IFLA_MAX_MTU, dev.maxMtu);
  skb.nlaPutU32(IFLA_GROUP, dev.group);
  skb.nlaPutU32(IFLA_PROMISCUITY, dev.promiscuity);
  skb.nlaPutU32(IFLA_ALLMULTI, dev.allmulti);
  skb.nlaPutU32(IFLA_NUM_TX_QUEUES, dev.numTxQueues);
  skb.nlaPutU32(IFLA_GSO_MAX_SEGS, dev.gsoMaxSegs);
  skb.nlaPutU32(IFLA_GSO_MAX_SIZE, dev.gsoMaxSize);
  skb.nlaPutU32(IFLA_GRO_MAX_SIZE, dev.groMaxSize);
  skb.nlaPutU32(IFLA_TSO_MAX_SIZE, dev.tsoMaxSize);
  skb.nlaPutU32(IFLA_TSO_MAX_SEGS, dev.tsoMaxSegs);
  skb.nlaPutU32(IFLA_NUM_RX_QUEUES, dev.numRxQueues);
  const iflink = devGetIflink(dev);
  // Devices with a peer/lower device always report it (veth0@if2 even when both ends are ifindex 2).
  if (iflink !== dev.ifindex || dev.netdevOps.ndoGetIflink) skb.nlaPutU32(IFLA_LINK, iflink);
  if (dev.master) skb.nlaPutU32(IFLA_MASTER, dev.master.ifindex);
  skb.nlaPutU8(IFLA_CARRIER, netifCarrierOk(dev) ? 1 : 0);
  const qdisc = dev.qdiscSleeping ?? dev.qdisc;
  if (qdisc) skb.nlaPutString(IFLA_QDISC, qdisc.ops.id);
  if (dev.ifalias) skb.nlaPutString(IFLA_IFALIAS, dev.ifalias);
  skb.nlaPutU32(IFLA_CARRIER_CHANGES, dev.carrierUpCount + dev.carrierDownCount);
  skb.nlaPutU32(IFLA_CARRIER_UP_COUNT, dev.carrierUpCount);
  skb.nlaPutU32(IFLA_CARRIER_DOWN_COUNT, dev.carrierDownCount);
  skb.nlaPutU8(IFLA_PROTO_DOWN, 0);
  // struct rtnl_link_ifmap: all zero for software devices.
  skb.nlaPut(IFLA_MAP, new Uint8Array(32));
  if (dev.addrLen) {
    skb.nlaPut(IFLA_ADDRESS, dev.devAddr.subarray(0, dev.addrLen));
    skb.nlaPut(IFLA_BROADCAST, dev.broadcast.subarray(0, dev.addrLen));
  }
  if (!(o.extFilterMask & RTEXT_FILTER_SKIP_STATS)) putStats64(skb, devGetStats(dev));
  const xdp = skb.nlaNestStart(IFLA_XDP);
  skb.nlaPutU8(2 /* IFLA_XDP_ATTACHED */, 0);
  skb.nlaNestEnd(xdp);
  let err = rtnlLinkFill(skb, dev);
  if (err < 0) {
    skb.trim(mark);
    return err;
  }
  // Linux: rtnl_fill_link_netnsid().
  const linkNet = dev.rtnlLinkOps?.getLinkNet?.(dev);
  if (linkNet && linkNet !== dev.net) skb.nlaPutS32(IFLA_LINK_NETNSID, o.srcNet.peernet2idAlloc(linkNet));
  if (dev.addrLen && dev.permAddr.some((b) => b !== 0)) skb.nlaPut(IFLA_PERM_ADDRESS, dev.permAddr.subarray(0, dev.addrLen));
  const afs = afOps(dev.net.kernel);
  if (afs.length) {
    const spec = skb.nlaNestStart(IFLA_AF_SPEC);
    for (const af of afs) {
      const nest = skb.nlaNestStart(af.family);
      err = af.fillLinkAf(skb, dev, o.extFilterMask);
      // Linux: -ENODATA means "nothing to say for this device" (no in_device): the nest goes.
      if (err === -ENODATA) {
        skb.trim(nest);
        continue;
      }
      if (err < 0) {
        skb.trim(mark);
        return err;
      }
      skb.nlaNestEnd(nest);
    }
    skb.nlaNestEnd(spec);
  }
  skb.nlmsgEnd(nlh);
  if (skb.overLimit()) {
    skb.trim(mark);
    return -EMSGSIZE;
  }
  return 0;
}

/* ------------------------------------------------------------------ */
/* Notifications                                                       */

/** Linux: rtmsg_ifinfo(): RTM_NEWLINK/RTM_DELLINK to RTNLGRP_LINK of the device's namespace. */
export function rtmsgIfinfo(type: number, dev: NetDevice, change: number, portid = 0, nlh: RtnlRequest['nlh'] | null = null): void {
  if (type === RTM_NEWLINK && dev.regState !== NETREG_REGISTERED) return;
  const k = dev.net.kernel;
  if (initializing(k).has(dev)) return;
  const skb = new NlMsgBuilder(1024);
  const err = rtnlFillIfinfo(skb, dev, {
    type, portid: 0, seq: 0, change: change >>> 0, flags: 0, extFilterMask: 0, srcNet: dev.net,
  });
  if (err < 0) {
    rtnlSetSkErr(dev.net, RTNLGRP_LINK, ENOBUFS);
    return;
  }
  rtnlNotify(dev.net, skb.bytes(), portid, RTNLGRP_LINK, nlh);
}

/* ------------------------------------------------------------------ */
/* RTM_GETLINK                                                         */

function ifmOf(req: { nlh: { msg: Uint8Array } }): ReturnType<typeof ifinfomsgParse> {
  return ifinfomsgParse(req.nlh.msg, NLMSG_HDRLEN);
}

/** Linux: rtnl_dev_get(): by IFLA_IFNAME (or IFLA_ALT_IFNAME, treated as a name here). */
function rtnlDevGet(net: Net, tb: NlaTable): NetDevice | null {
  const a = tb[IFLA_IFNAME] ?? tb[IFLA_ALT_IFNAME];
  return a ? net.devGetByName(nlaGetString(a)) : null;
}

/** Linux: rtnl_getlink(). */
function rtnlGetlink(req: RtnlRequest): number {
  const tb = nlmsgParse(req.nlh.msg, IFINFOMSG_LEN, IFLA_MAX, iflaPolicy, req.extack);
  if (typeof tb === 'number') return tb;
  let net = req.net;
  if (tb[IFLA_TARGET_NETNSID]) {
    const t = getNetNsById(net, nlaGetS32(tb[IFLA_TARGET_NETNSID]));
    if (!t) return -EINVAL;
    net = t;
  }
  const ifm = ifmOf(req);
  const extFilterMask = tb[IFLA_EXT_MASK] ? nlaGetU32(tb[IFLA_EXT_MASK]) : 0;
  let dev: NetDevice | null;
  if (ifm.index > 0) dev = net.devGetByIndex(ifm.index);
  else if (tb[IFLA_IFNAME] || tb[IFLA_ALT_IFNAME]) dev = rtnlDevGet(net, tb);
  else return -EINVAL;
  if (!dev) return -ENODEV;
  const skb = new NlMsgBuilder(1024);
  rtnlFillIfinfo(skb, dev, {
    type: RTM_NEWLINK, portid: req.portid, seq: req.nlh.seq, change: 0, flags: 0, extFilterMask, srcNet: req.net,
  });
  const err = rtnlUnicast(req.net, skb.bytes(), req.portid);
  return err < 0 ? err : 0;
}

/** Linux: rtnl_dump_ifinfo(): devices in ifindex order; cb.args[0] = next position. */
function rtnlDumpIfinfo(cb: NetlinkCallback): number {
  const skb = cb.skb;
  let filter = cb.data as { master: number; kind: RtnlLinkOps | null; ext: number; net: Net } | null;
  if (!filter) {
    filter = { master: 0, kind: null, ext: 0, net: cb.net };
    const tb = nlmsgParse(cb.nlh.msg, IFINFOMSG_LEN, IFLA_MAX, iflaPolicy, cb.extack);
    if (typeof tb !== 'number') {
      if (tb[IFLA_EXT_MASK]) filter.ext = nlaGetU32(tb[IFLA_EXT_MASK]);
      if (tb[IFLA_MASTER]) filter.master = nlaGetU32(tb[IFLA_MASTER]);
      if (tb[IFLA_TARGET_NETNSID]) {
        const t = getNetNsById(cb.net, nlaGetS32(tb[IFLA_TARGET_NETNSID]));
        if (!t) return -EINVAL;
        filter.net = t;
      }
      if (tb[IFLA_LINKINFO]) {
        const li = nlaParseNested(tb[IFLA_LINKINFO], IFLA_INFO_MAX, iflaInfoPolicy);
        if (typeof li !== 'number' && li[IFLA_INFO_KIND]) {
          filter.kind = cb.net.kernel.linkOps.get(nlaGetString(li[IFLA_INFO_KIND])) ?? null;
        }
      }
    }
    cb.data = filter;
  }
  const filtered = filter.master !== 0 || filter.kind !== null;
  const devs = [...filter.net.devices].sort((a, b) => a.ifindex - b.ifindex);
  let idx = 0;
  for (const dev of devs) {
    if (idx < cb.args[0]!) {
      idx++;
      continue;
    }
    if (filter.master && dev.master?.ifindex !== filter.master) {
      idx++;
      continue;
    }
    if (filter.kind && dev.rtnlLinkOps !== filter.kind) {
      idx++;
      continue;
    }
    const err = rtnlFillIfinfo(skb, dev, {
      type: RTM_NEWLINK, portid: cb.sk.portid, seq: cb.nlh.seq, change: 0,
      flags: NLM_F_MULTI | (filtered ? NLM_F_DUMP_FILTERED : 0), extFilterMask: filter.ext, srcNet: cb.net,
    });
    if (err < 0) {
      if (skb.len === 0) return err;
      break;
    }
    idx++;
  }
  cb.args[0] = idx;
  return skb.len;
}

/* ------------------------------------------------------------------ */
/* Changing a link                                                     */

/** Linux: validate_linkmsg(). */
function validateLinkmsg(dev: NetDevice | null, tb: NlaTable, extack: NetlinkExtAck): number {
  if (dev) {
    if (tb[IFLA_ADDRESS] && tb[IFLA_ADDRESS].data.length < dev.addrLen) return -EINVAL;
    if (tb[IFLA_BROADCAST] && tb[IFLA_BROADCAST].data.length < dev.addrLen) return -EINVAL;
    if (tb[IFLA_GSO_MAX_SIZE] && nlaGetU32(tb[IFLA_GSO_MAX_SIZE]) > dev.tsoMaxSize) {
      extack.msg = 'too big gso_max_size';
      return -EINVAL;
    }
    if (tb[IFLA_GSO_MAX_SEGS] && nlaGetU32(tb[IFLA_GSO_MAX_SEGS]) > dev.tsoMaxSegs) {
      extack.msg = 'too big gso_max_segs';
      return -EINVAL;
    }
  }
  return 0;
}

/** Linux: rtnl_ensure_unique_netns(). */
function ensureUniqueNetns(tb: NlaTable, extack: NetlinkExtAck): number {
  let n = 0;
  if (tb[IFLA_NET_NS_PID]) n++;
  if (tb[IFLA_NET_NS_FD]) n++;
  if (tb[IFLA_TARGET_NETNSID]) n++;
  if (n > 1) {
    extack.msg = 'multiple netns identifying attributes specified';
    return -EINVAL;
  }
  return 0;
}

/** Linux: rtnl_dev_combine_flags(). */
function combineFlags(dev: NetDevice, flags: number, change: number): number {
  if (change) return ((flags & change) | (devGetFlags(dev) & ~change)) >>> 0;
  return flags >>> 0;
}

/** Linux: set_operstate() (userspace may only move between UP and DORMANT/TESTING). */
function setOperstate(dev: NetDevice, transition: number): void {
  let operstate = dev.operstate;
  if (transition === IF_OPER_UP) {
    if ((operstate === IF_OPER_DORMANT || operstate === IF_OPER_TESTING) && !(dev.state & 0x30)) operstate = IF_OPER_UP;
  } else if (transition === IF_OPER_TESTING || transition === IF_OPER_DORMANT) {
    if (netifOperUpLike(operstate)) operstate = transition;
  }
  if (dev.operstate !== operstate) {
    dev.operstate = operstate;
    dev.net.kernel.rtmsgIfinfo(RTM_NEWLINK, dev, 0);
  }
}
function netifOperUpLike(s: number): boolean {
  return s === IF_OPER_UP || s === 0;
}

/** Linux: do_set_master(). */
function doSetMaster(dev: NetDevice, ifindex: number, extack: NetlinkExtAck): number {
  const upper = dev.master;
  if (upper) {
    if (upper.ifindex === ifindex) return 0;
    if (!upper.netdevOps.ndoDelSlave) return -EOPNOTSUPP;
    const err = upper.netdevOps.ndoDelSlave(upper, dev, extack);
    if (err) return err;
  }
  if (ifindex) {
    const m = dev.net.devGetByIndex(ifindex);
    if (!m) return -EINVAL;
    if (!m.netdevOps.ndoAddSlave) return -EOPNOTSUPP;
    const err = m.netdevOps.ndoAddSlave(m, dev, extack);
    if (err) return err;
  }
  return 0;
}

/** Linux: do_setlink(). `ifname` set and selected by index = rename. */
function doSetlink(req: RtnlRequest, dev: NetDevice, ifmIndex: number, ifiFlags: number, ifiChange: number,
  tb: NlaTable): number {
  const extack = req.extack;
  let err = validateLinkmsg(dev, tb, extack);
  if (err < 0) return err;
  const ifname = tb[IFLA_IFNAME] ? nlaGetString(tb[IFLA_IFNAME]) : '';
  if (tb[IFLA_NET_NS_PID] || tb[IFLA_NET_NS_FD] || tb[IFLA_TARGET_NETNSID]) {
    let target: Net | number;
    if (tb[IFLA_TARGET_NETNSID]) target = getNetNsById(dev.net, nlaGetS32(tb[IFLA_TARGET_NETNSID])) ?? -EINVAL;
    else target = rtnlLinkGetNet(dev.net, tb);
    if (typeof target === 'number') return target;
    err = devChangeNetNamespace(dev, target, ifname || undefined, extack);
    if (err) return err;
  }
  if (tb[IFLA_MAP]) return -EOPNOTSUPP;
  if (tb[IFLA_ADDRESS]) {
    err = devSetMacAddress(dev, tb[IFLA_ADDRESS].data.slice(0, dev.addrLen), extack);
    if (err) return err;
  }
  if (tb[IFLA_MTU]) {
    err = devSetMtu(dev, nlaGetU32(tb[IFLA_MTU]), extack);
    if (err) return err;
  }
  if (tb[IFLA_GROUP]) dev.group = nlaGetU32(tb[IFLA_GROUP]);
  if (ifmIndex > 0 && ifname && !(tb[IFLA_NET_NS_PID] || tb[IFLA_NET_NS_FD])) {
    err = devChangeName(dev, ifname);
    if (err) return err;
  }
  if (tb[IFLA_IFALIAS]) {
    dev.ifalias = nlaGetString(tb[IFLA_IFALIAS]);
    dev.net.kernel.rtmsgIfinfo(RTM_NEWLINK, dev, 0);
  }
  if (tb[IFLA_BROADCAST]) dev.broadcast = tb[IFLA_BROADCAST].data.slice(0, dev.addrLen);
  if (ifiFlags || ifiChange) {
    err = devChangeFlags(dev, combineFlags(dev, ifiFlags, ifiChange));
    if (err < 0) return err;
  }
  if (tb[IFLA_MASTER]) {
    err = doSetMaster(dev, nlaGetU32(tb[IFLA_MASTER]), extack);
    if (err) return err;
  }
  if (tb[IFLA_CARRIER]) return -EOPNOTSUPP;
  if (tb[IFLA_TXQLEN]) {
    err = devChangeTxQueueLen(dev, nlaGetU32(tb[IFLA_TXQLEN]));
    if (err) return err;
  }
  if (tb[IFLA_GSO_MAX_SIZE]) dev.gsoMaxSize = nlaGetU32(tb[IFLA_GSO_MAX_SIZE]);
  if (tb[IFLA_GSO_MAX_SEGS]) dev.gsoMaxSegs = nlaGetU32(tb[IFLA_GSO_MAX_SEGS]);
  if (tb[IFLA_OPERSTATE]) setOperstate(dev, nlaGetU8(tb[IFLA_OPERSTATE]));
  if (tb[IFLA_LINKMODE]) {
    const mode = nlaGetU8(tb[IFLA_LINKMODE]);
    if (dev.linkMode !== mode) {
      dev.linkMode = mode;
      rfc2863Policy(dev);
      dev.net.kernel.rtmsgIfinfo(RTM_NEWLINK, dev, 0);
    }
  }
  return 0;
}

/** Parsed IFLA_LINKINFO of a request. */
interface LinkInfo {
  kind: string;
  ops: RtnlLinkOps | null;
  data: NlaTable | null;
  slaveData: NlaTable | null;
  hasData: boolean;
  hasSlaveData: boolean;
}

function parseLinkinfo(k: Kernel, tb: NlaTable, mops: RtnlLinkOps | null | undefined,
  extack: NetlinkExtAck): LinkInfo | number {
  const li: LinkInfo = { kind: '', ops: null, data: null, slaveData: null, hasData: false, hasSlaveData: false };
  if (!tb[IFLA_LINKINFO]) return li;
  const linkinfo = nlaParseNested(tb[IFLA_LINKINFO], IFLA_INFO_MAX, iflaInfoPolicy, extack);
  if (typeof linkinfo === 'number') return linkinfo;
  if (linkinfo[IFLA_INFO_KIND]) {
    li.kind = nlaGetString(linkinfo[IFLA_INFO_KIND]);
    li.ops = k.linkOps.get(li.kind) ?? null;
  }
  if (linkinfo[IFLA_INFO_DATA]) {
    li.hasData = true;
    if (li.ops?.maxtype) {
      const d = nlaParseNested(linkinfo[IFLA_INFO_DATA], li.ops.maxtype, li.ops.policy ?? null, extack);
      if (typeof d === 'number') return d;
      li.data = d;
    }
  }
  if (linkinfo[IFLA_INFO_SLAVE_DATA]) {
    li.hasSlaveData = true;
    if (mops?.slaveMaxtype) {
      const d = nlaParseNested(linkinfo[IFLA_INFO_SLAVE_DATA], mops.slaveMaxtype, mops.slavePolicy ?? null, extack);
      if (typeof d === 'number') return d;
      li.slaveData = d;
    }
  }
  return li;
}

/** Linux: rtnl_setlink(). */
function rtnlSetlink(req: RtnlRequest): number {
  const tb = nlmsgParse(req.nlh.msg, IFINFOMSG_LEN, IFLA_MAX, iflaPolicy, req.extack);
  if (typeof tb === 'number') return tb;
  let err = ensureUniqueNetns(tb, req.extack);
  if (err) return err;
  const ifm = ifmOf(req);
  let dev: NetDevice | null;
  if (ifm.index > 0) dev = req.net.devGetByIndex(ifm.index);
  else if (tb[IFLA_IFNAME] || tb[IFLA_ALT_IFNAME]) dev = rtnlDevGet(req.net, tb);
  else return -EINVAL;
  if (!dev) return -ENODEV;
  err = doSetlink(req, dev, ifm.index, ifm.flags, ifm.change, tb);
  return err;
}

/* ------------------------------------------------------------------ */
/* RTM_DELLINK                                                         */

/** Linux: rtnl_delete_link(). */
export function rtnlDeleteLink(dev: NetDevice): number {
  const ops = dev.rtnlLinkOps;
  if (!ops) return -EOPNOTSUPP;
  const head: NetDevice[] = [];
  if (ops.dellink) ops.dellink(dev, head);
  else head.push(dev);
  unregisterNetdeviceMany(head);
  return 0;
}

/** Linux: rtnl_dellink(). */
function rtnlDellink(req: RtnlRequest): number {
  const tb = nlmsgParse(req.nlh.msg, IFINFOMSG_LEN, IFLA_MAX, iflaPolicy, req.extack);
  if (typeof tb === 'number') return tb;
  const err = ensureUniqueNetns(tb, req.extack);
  if (err) return err;
  const ifm = ifmOf(req);
  let dev: NetDevice | null;
  if (ifm.index > 0) dev = req.net.devGetByIndex(ifm.index);
  else if (tb[IFLA_IFNAME] || tb[IFLA_ALT_IFNAME]) dev = rtnlDevGet(req.net, tb);
  else if (tb[IFLA_GROUP]) {
    const group = nlaGetU32(tb[IFLA_GROUP]);
    for (const d of [...req.net.devices]) if (d.group === group && d.rtnlLinkOps) rtnlDeleteLink(d);
    return 0;
  } else return -EINVAL;
  if (!dev) {
    if (tb[IFLA_IFNAME] || ifm.index > 0) req.extack.msg = 'Device not found';
    return -ENODEV;
  }
  return rtnlDeleteLink(dev);
}

/* ------------------------------------------------------------------ */
/* RTM_NEWLINK                                                         */

/**
 * Linux: rtnl_create_link(): allocate a device of `ops` kind in `net` and apply
 * the generic attributes; not registered yet. Returns the device or -errno.
 */
export function rtnlCreateLink(net: Net, ifname: string, ops: RtnlLinkOps, tb: NlaTable,
  extack: NetlinkExtAck): NetDevice | number {
  let numTx = ops.getNumTxQueues?.() ?? 1;
  let numRx = ops.getNumRxQueues?.() ?? 1;
  if (tb[IFLA_NUM_TX_QUEUES]) numTx = nlaGetU32(tb[IFLA_NUM_TX_QUEUES]);
  if (tb[IFLA_NUM_RX_QUEUES]) numRx = nlaGetU32(tb[IFLA_NUM_RX_QUEUES]);
  if (numTx < 1 || numTx > 4096) {
    extack.msg = 'Invalid number of transmit queues';
    return -EINVAL;
  }
  if (numRx < 1 || numRx > 4096) {
    extack.msg = 'Invalid number of receive queues';
    return -EINVAL;
  }
  const dev = new NetDevice(ifname, { ndoStartXmit: () => 0 }, numTx, numRx);
  dev.net = net;
  ops.setup(dev);
  let err = validateLinkmsg(dev, tb, extack);
  if (err < 0) return err;
  dev.rtnlLinkOps = ops;
  if (tb[IFLA_MTU]) {
    const mtu = nlaGetU32(tb[IFLA_MTU]);
    err = devValidateMtu(dev, mtu, extack);
    if (err) return err;
    dev.mtu = mtu;
  }
  if (tb[IFLA_ADDRESS]) {
    dev.devAddr = tb[IFLA_ADDRESS].data.slice(0, dev.addrLen);
    dev.addrAssignType = 3; // NET_ADDR_SET
  }
  if (tb[IFLA_BROADCAST]) dev.broadcast = tb[IFLA_BROADCAST].data.slice(0, dev.addrLen);
  if (tb[IFLA_TXQLEN]) dev.txQueueLen = nlaGetU32(tb[IFLA_TXQLEN]);
  if (tb[IFLA_OPERSTATE]) dev.operstate = nlaGetU8(tb[IFLA_OPERSTATE]);
  if (tb[IFLA_LINKMODE]) dev.linkMode = nlaGetU8(tb[IFLA_LINKMODE]);
  if (tb[IFLA_GROUP]) dev.group = nlaGetU32(tb[IFLA_GROUP]);
  if (tb[IFLA_GSO_MAX_SIZE]) dev.gsoMaxSize = nlaGetU32(tb[IFLA_GSO_MAX_SIZE]);
  if (tb[IFLA_GSO_MAX_SEGS]) dev.gsoMaxSegs = nlaGetU32(tb[IFLA_GSO_MAX_SEGS]);
  if (tb[IFLA_GRO_MAX_SIZE]) dev.groMaxSize = nlaGetU32(tb[IFLA_GRO_MAX_SIZE]);
  initializing(net.kernel).add(dev);
  return dev;
}

/** Linux: dev_validate_mtu(). */
function devValidateMtu(dev: NetDevice, mtu: number, extack: NetlinkExtAck): number {
  if (mtu < dev.minMtu) {
    extack.msg = 'mtu less than device minimum';
    return -EINVAL;
  }
  if (dev.maxMtu > 0 && mtu > dev.maxMtu) {
    extack.msg = 'mtu greater than device maximum';
    return -EINVAL;
  }
  return 0;
}

/**
 * Linux: rtnl_configure_link(): apply the requested flags (ifi_flags/ifi_change,
 * e.g. `ip link add ... up`), end the initializing state and send the one
 * RTM_NEWLINK for the new device.
 */
export function rtnlConfigureLink(dev: NetDevice, ifiFlags: number, ifiChange: number, portid = 0,
  nlh: RtnlRequest['nlh'] | null = null): number {
  const k = dev.net.kernel;
  if (ifiFlags || ifiChange) {
    const err = devChangeFlags(dev, combineFlags(dev, ifiFlags, ifiChange));
    if (err < 0) return err;
  }
  if (initializing(k).has(dev)) {
    initializing(k).delete(dev);
    rtmsgIfinfo(RTM_NEWLINK, dev, ~0 >>> 0, portid, nlh);
  }
  return 0;
}

/** Forget a device that failed before registration (Linux: free_netdev). */
function abandonLink(dev: NetDevice): void {
  initializing(dev.net.kernel).delete(dev);
}

/** Linux: rtnl_newlink_create(). */
function rtnlNewlinkCreate(req: RtnlRequest, ifiIndex: number, ifiFlags: number, ifiChange: number,
  ops: RtnlLinkOps, tb: NlaTable, data: NlaTable | null): number {
  const extack = req.extack;
  let ifname = tb[IFLA_IFNAME] ? nlaGetString(tb[IFLA_IFNAME]) : '';
  if (!ifname) ifname = `${ops.kind}%d`;
  const destNet = rtnlLinkGetNet(req.net, tb);
  if (typeof destNet === 'number') return destNet;
  let linkNet: Net | null = null;
  if (tb[IFLA_LINK_NETNSID]) {
    linkNet = getNetNsById(destNet, nlaGetS32(tb[IFLA_LINK_NETNSID]));
    if (!linkNet) {
      extack.msg = 'Unknown network namespace id';
      return -EINVAL;
    }
  }
  const dev = rtnlCreateLink(linkNet ?? destNet, ifname, ops, tb, extack);
  if (typeof dev === 'number') return dev;
  dev.ifindex = ifiIndex > 0 ? ifiIndex : 0;
  let err = ops.newlink ? ops.newlink(linkNet ?? req.net, dev, tb, data, extack) : registerNetdevice(dev.net, dev);
  if (err < 0) {
    abandonLink(dev);
    return err;
  }
  err = rtnlConfigureLink(dev, ifiFlags, ifiChange, req.portid, req.nlh);
  if (err < 0) {
    rtnlDeleteLink(dev);
    return err;
  }
  if (linkNet) {
    err = devChangeNetNamespace(dev, destNet, ifname);
    if (err < 0) {
      rtnlDeleteLink(dev);
      return err;
    }
  }
  if (tb[IFLA_MASTER]) {
    err = doSetMaster(dev, nlaGetU32(tb[IFLA_MASTER]), extack);
    if (err) {
      rtnlDeleteLink(dev);
      return err;
    }
  }
  return 0;
}

/** Linux: rtnl_newlink() / __rtnl_newlink(). */
function rtnlNewlink(req: RtnlRequest): number {
  const extack = req.extack;
  const tb = nlmsgParse(req.nlh.msg, IFINFOMSG_LEN, IFLA_MAX, iflaPolicy, extack);
  if (typeof tb === 'number') return tb;
  let err = ensureUniqueNetns(tb, extack);
  if (err) return err;
  const ifm = ifmOf(req);
  let dev: NetDevice | null = null;
  if (ifm.index > 0) dev = req.net.devGetByIndex(ifm.index);
  else if (tb[IFLA_IFNAME] || tb[IFLA_ALT_IFNAME]) dev = rtnlDevGet(req.net, tb);
  const mops = dev?.master?.rtnlLinkOps;
  err = validateLinkmsg(dev, tb, extack);
  if (err < 0) return err;
  const li = parseLinkinfo(req.net.kernel, tb, mops, extack);
  if (typeof li === 'number') return li;
  if (li.ops?.validate) {
    err = li.ops.validate(tb, li.data, extack);
    if (err < 0) return err;
  }
  if (dev) {
    if (req.nlh.flags & NLM_F_EXCL) return -EEXIST;
    if (req.nlh.flags & NLM_F_REPLACE) return -EOPNOTSUPP;
    // Linux: rtnl_changelink().
    if (li.hasData) {
      if (!li.ops || li.ops !== dev.rtnlLinkOps || !li.ops.changelink) return -EOPNOTSUPP;
      err = li.ops.changelink(dev, tb, li.data, extack);
      if (err < 0) return err;
    }
    if (li.hasSlaveData) {
      if (!mops?.slaveChangelink || !dev.master) return -EOPNOTSUPP;
      err = mops.slaveChangelink(dev.master, dev, tb, li.slaveData, extack);
      if (err < 0) return err;
    }
    return doSetlink(req, dev, ifm.index, ifm.flags, ifm.change, tb);
  }
  if (!(req.nlh.flags & NLM_F_CREATE)) return -ENODEV;
  if (tb[IFLA_MAP] || tb[IFLA_PROTINFO]) return -EOPNOTSUPP;
  if (!li.ops) {
    if (li.kind) extack.msg = 'Unknown device type';
    return -EOPNOTSUPP;
  }
  return rtnlNewlinkCreate(req, ifm.index, ifm.flags, ifm.change, li.ops, tb, li.data);
}

/* ------------------------------------------------------------------ */
/* Init                                                                */

/** NETDEV_* events that change what a dump shows (Linux: rtnetlink_event()). */
const LINK_EVENTS = new Set([NETDEV_CHANGEUPPER, NETDEV_CHANGEINFODATA, NETDEV_CHANGELOWERSTATE,
  NETDEV_FEAT_CHANGE, NETDEV_NOTIFY_PEERS]);

/** Register the RTM_*LINK handlers and the notification hook (Linux: part of rtnetlink_init()). */
export function rtnlLinkInit(k: Kernel): void {
  rtnlRegister(k, AF_UNSPEC, RTM_GETLINK, rtnlGetlink, rtnlDumpIfinfo);
  rtnlRegister(k, AF_UNSPEC, RTM_SETLINK, rtnlSetlink, null);
  rtnlRegister(k, AF_UNSPEC, RTM_NEWLINK, rtnlNewlink, null);
  rtnlRegister(k, AF_UNSPEC, RTM_DELLINK, rtnlDellink, null);
  k.rtmsgIfinfo = (type, dev, change) => rtmsgIfinfo(type, dev, change);
  k.netdevChain.register((event, dev) => {
    if (LINK_EVENTS.has(event)) rtmsgIfinfo(RTM_NEWLINK, dev, 0);
    return NOTIFY_DONE;
  });
}
