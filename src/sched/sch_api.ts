/**
 * Qdisc management over rtnetlink (Linux: net/sched/sch_api.c): the registry of
 * disciplines this kernel offers, handle allocation (qdisc_alloc_handle), and
 * the `tc qdisc` messages RTM_NEWQDISC (tc_modify_qdisc: add / replace / change),
 * RTM_DELQDISC and RTM_GETQDISC (tc_get_qdisc), the qdisc dump (tc_dump_qdisc)
 * and RTNLGRP_TC notifications (qdisc_notify, tc_fill_qdisc).
 *
 * Only root qdiscs exist here (no classful qdiscs, no ingress): a parent other
 * than root names no class we could graft to.
 */
import type { Kernel, Net } from '../core/net_namespace.js';
import type { NetDevice } from '../core/netdevice.js';
import { AF_UNSPEC } from '../socket/socket.js';
import { EEXIST, EINVAL, ENODEV, ENOENT, ENOSPC, EOPNOTSUPP } from '../socket/errno.js';
import {
  type NlaPolicy, type NlaTable, type NetlinkExtAck, NLA_STRING, NLA_BINARY, NLA_NESTED, NLA_FLAG, NLA_U32,
  NLM_F_CREATE, NLM_F_EXCL, NLM_F_MULTI, NLM_F_REPLACE, NLMSG_HDRLEN, NlMsgBuilder, nlmsgParse, nlaGetString,
} from '../wire/netlink.js';
import { RTM_DELQDISC, RTM_GETQDISC, RTM_NEWQDISC, RTNLGRP_TC } from '../wire/rtnetlink.js';
import {
  type QdiscStats, AttrWriter, TCA_DUMP_FLAGS, TCA_DUMP_INVISIBLE, TCA_EGRESS_BLOCK, TCA_HW_OFFLOAD,
  TCA_INGRESS_BLOCK, TCA_KIND, TCA_OPTIONS, TCA_RATE, TCA_STAB, TCA_CHAIN, TCMSG_LEN, netemOptionsDecode,
  netemOptionsEncode, putStats2, putTcStats, tcPrioQoptEncode, tcmsgDecode, tcmsgEncode, type NetemOptions,
  type Tcmsg,
} from '../wire/pkt_sched.js';
import { type RtnlRequest, rtnlNotify, rtnlRegister } from '../netlink/rtnetlink.js';
import type { NetlinkCallback } from '../netlink/af_netlink.js';
import {
  type Qdisc, type QdiscOps, Qdisc as QdiscStruct, TC_H_INGRESS, TC_H_ROOT, noopQdiscOps, qdiscGraft,
  qdiscOpsById, registerQdisc, qdiscDestroy,
} from './sch_generic.js';
import { type TcPrioQopt, pfifoFastOps } from './sch_pfifo_fast.js';
import { netemOps } from './sch_netem.js';

/** TCA_MAX of Linux 6.1 (TCA_DUMP_FLAGS). */
export const TCA_MAX = TCA_DUMP_FLAGS;

/** Linux: rtm_tca_policy. */
const rtmTcaPolicy: NlaPolicy = {
  [TCA_KIND]: { type: NLA_STRING },
  [TCA_RATE]: { type: NLA_BINARY, len: 8 },
  [TCA_STAB]: { type: NLA_NESTED },
  [TCA_DUMP_INVISIBLE]: { type: NLA_FLAG },
  [TCA_CHAIN]: { type: NLA_U32 },
  [TCA_INGRESS_BLOCK]: { type: NLA_U32 },
  [TCA_EGRESS_BLOCK]: { type: NLA_U32 },
};

export function tcHMaj(h: number): number {
  return (h & 0xffff0000) >>> 0;
}
export function tcHMin(h: number): number {
  return h & 0xffff;
}

/** Per-kernel scheduler state: Linux's `static u32 autohandle` of qdisc_alloc_handle(). */
class PktSchedState {
  autohandle = 0x80000000;
}

function schedState(k: Kernel): PktSchedState {
  let s = k.generic.get('pkt_sched') as PktSchedState | undefined;
  if (!s) k.generic.set('pkt_sched', (s = new PktSchedState()));
  return s;
}

/**
 * The device's root qdisc (Linux: dev->qdisc): what userspace configured or the
 * default one, kept while the device is down (the active one is then noop).
 * `ip link` shows its kind as IFLA_QDISC.
 */
export function devRootQdisc(dev: NetDevice): Qdisc | null {
  return dev.qdiscSleeping ?? dev.qdisc;
}

/** Linux: tc_qdisc_dump_ignore(): the built-in noop is never shown. */
function dumpIgnore(q: Qdisc | null): boolean {
  return q === null || q.ops === noopQdiscOps;
}

/** Linux: qdisc_lookup(): handle 0 finds nothing; only roots exist here; the built-in noop matches nothing. */
export function qdiscLookup(dev: NetDevice, handle: number): Qdisc | null {
  if (!handle) return null;
  const root = devRootQdisc(dev);
  if (!root || root.ops === noopQdiscOps) return null;
  return root.handle === handle ? root : null;
}

/** Linux: qdisc_alloc_handle(): kernel-wide counter 8001:, 8002: ... skipping ones in use. */
function qdiscAllocHandle(dev: NetDevice): number {
  const s = schedState(dev.net.kernel);
  for (let i = 0x8000; i > 0; i--) {
    s.autohandle = (s.autohandle + 0x10000) >>> 0;
    if (s.autohandle === tcHMaj(TC_H_ROOT)) s.autohandle = 0x80000000;
    if (!qdiscLookup(dev, s.autohandle)) return s.autohandle;
  }
  return 0;
}

/** Linux: qdisc_lookup_ops(): registered kinds (noop is built in, not creatable). */
function qdiscLookupOps(kind: string): QdiscOps | null {
  const ops = qdiscOpsById.get(kind);
  return ops && ops !== noopQdiscOps ? ops : null;
}

/** TCA_OPTIONS decoding per kind (what each Linux ->init/->change parses itself). */
function decodeOptions(ops: QdiscOps, opt: Uint8Array | undefined): unknown {
  if (ops.id === 'netem') return opt ? netemOptionsDecode(opt) : null;
  return opt ?? null;
}

/** TCA_OPTIONS encoding per kind (Linux ->dump). */
function encodeOptions(q: Qdisc): Uint8Array | null {
  if (!q.ops.dump) return null;
  const d = q.ops.dump(q);
  if (q.ops.id === 'netem') return netemOptionsEncode(d as NetemOptions, true);
  if (q.ops.id === 'pfifo_fast') return tcPrioQoptEncode((d as TcPrioQopt).bands, (d as TcPrioQopt).priomap);
  return null;
}

/** Linux: refcount of a root: 1 + one per TX queue when grafted by tc, 2 for a default one. */
function qdiscRefcnt(q: Qdisc): number {
  return q.builtin ? 1 + q.dev.numTxQueues : 2;
}

/** Linux: qdisc_create(). Returns the new qdisc or -errno. */
function qdiscCreate(dev: NetDevice, parent: number, handle: number, tca: NlaTable, extack: NetlinkExtAck): Qdisc | number {
  const kind = tca[TCA_KIND] ? nlaGetString(tca[TCA_KIND]) : '';
  const ops = qdiscLookupOps(kind);
  if (!ops) {
    extack.msg = 'Specified qdisc kind is unknown';
    return -ENOENT;
  }
  const sch = new QdiscStruct(ops, dev, dev.txQueues[0]!);
  sch.parent = parent;
  sch.limit = dev.txQueueLen;
  if (handle === 0) {
    handle = qdiscAllocHandle(dev);
    if (handle === 0) {
      extack.msg = 'Maximum number of qdisc handles was exceeded';
      return -ENOSPC;
    }
  }
  sch.handle = handle;
  sch.builtin = true;
  if (ops.init) {
    const opts = decodeOptions(ops, tca[TCA_OPTIONS]?.data);
    if (typeof opts === 'number') return opts;
    const err = ops.init(sch, opts, extack);
    if (err) {
      ops.destroy?.(sch);
      return err;
    }
  }
  return sch;
}

/** Linux: qdisc_change(). */
function qdiscChange(sch: Qdisc, tca: NlaTable, extack: NetlinkExtAck): number {
  const opt = tca[TCA_OPTIONS];
  if (opt) {
    if (!sch.ops.change) {
      extack.msg = 'Change operation not supported by specified qdisc';
      return -EINVAL;
    }
    if (tca[TCA_INGRESS_BLOCK] || tca[TCA_EGRESS_BLOCK]) {
      extack.msg = 'Change of blocks is not supported';
      return -EOPNOTSUPP;
    }
    const opts = decodeOptions(sch.ops, opt.data);
    if (typeof opts === 'number') return opts;
    const err = sch.ops.change(sch, opts, extack);
    if (err) return err;
  }
  return 0;
}

/** The counters as a dump reports them. */
export function qdiscStats(q: Qdisc): QdiscStats {
  return {
    bytes: q.bstats.bytes, packets: q.bstats.packets, qlen: q.qstats.qlen, backlog: q.qstats.backlog,
    drops: q.qstats.drops, requeues: q.qstats.requeues, overlimits: q.qstats.overlimits,
  };
}

/** Linux: tc_fill_qdisc(): one RTM_NEWQDISC/RTM_DELQDISC message into `b`. */
function tcFillQdisc(b: NlMsgBuilder, q: Qdisc, clid: number, portid: number, seq: number, flags: number, event: number): void {
  const nlh = b.nlmsgPut(portid, seq, event, TCMSG_LEN, flags);
  const t: Tcmsg = { family: AF_UNSPEC, ifindex: q.dev.ifindex, parent: clid, handle: q.handle, info: qdiscRefcnt(q) };
  b.setBytes(nlh + NLMSG_HDRLEN, tcmsgEncode(t));
  const w = new AttrWriter();
  w.putString(TCA_KIND, q.ops.id);
  const opts = encodeOptions(q);
  if (opts) w.put(TCA_OPTIONS, opts);
  w.putU8(TCA_HW_OFFLOAD, 0);
  const st = qdiscStats(q);
  putStats2(w, st);
  putTcStats(w, st);
  b.putBytes(w.bytes());
  b.nlmsgEnd(nlh);
}

/** Linux: qdisc_notify(): RTM_DELQDISC for `old`, RTM_NEWQDISC for `new`, to RTNLGRP_TC. */
function qdiscNotify(net: Net, req: RtnlRequest | null, clid: number, old: Uint8Array | null, q: Qdisc | null): void {
  const b = new NlMsgBuilder();
  if (old) b.putBytes(old);
  const portid = req ? req.portid : 0;
  if (q && !dumpIgnore(q)) tcFillQdisc(b, q, clid, portid, req ? req.nlh.seq : 0, old ? NLM_F_REPLACE : 0, RTM_NEWQDISC);
  if (b.len) rtnlNotify(net, b.bytes(), portid, RTNLGRP_TC, req ? req.nlh : null);
}

/**
 * Linux: qdisc_graft() at the root + notify_and_destroy(): swap the device's root
 * (a null `q` brings the default back) and announce both changes.
 */
function qdiscGraftRoot(req: RtnlRequest, dev: NetDevice, clid: number, q: Qdisc | null): void {
  const old = devRootQdisc(dev);
  let oldMsg: Uint8Array | null = null;
  if (old && !dumpIgnore(old)) {
    const b = new NlMsgBuilder();
    tcFillQdisc(b, old, clid, req.portid, req.nlh.seq, 0, RTM_DELQDISC);
    oldMsg = b.bytes();
  }
  qdiscGraft(dev, q);
  qdiscNotify(req.net, req, clid, oldMsg, q);
}

function tcmsgOf(req: RtnlRequest): Tcmsg {
  return tcmsgDecode(req.nlh.msg, NLMSG_HDRLEN);
}

function kindMismatch(tca: NlaTable, q: Qdisc): boolean {
  return tca[TCA_KIND] !== undefined && nlaGetString(tca[TCA_KIND]) !== q.ops.id;
}

/** Linux: tc_modify_qdisc(): RTM_NEWQDISC (tc qdisc add / replace / change / link). */
function tcModifyQdisc(req: RtnlRequest): number {
  const { extack } = req;
  const tca = nlmsgParse(req.nlh.msg, TCMSG_LEN, TCA_MAX, rtmTcaPolicy, extack);
  if (typeof tca === 'number') return tca;
  const tcm = tcmsgOf(req);
  const flags = req.nlh.flags;
  const dev = req.net.devGetByIndex(tcm.ifindex);
  if (!dev) return -ENODEV;
  const clid = tcm.parent;
  let q: Qdisc | null = null;
  let createNGraft = false;
  if (clid) {
    if (clid !== TC_H_ROOT) {
      if (clid !== TC_H_INGRESS) {
        const p = qdiscLookup(dev, tcHMaj(clid));
        if (!p) {
          extack.msg = 'Failed to find specified qdisc';
          return -ENOENT;
        }
        // A class of a root qdisc: netem's optional inner qdisc is not supported here.
        extack.msg = 'Specified class not found';
        return -ENOENT;
      }
      // Ingress has no qdisc here: creating one ends in "kind is unknown".
      q = null;
    } else {
      q = devRootQdisc(dev);
    }
    // It may be the default qdisc: ignore it.
    if (q && (q.handle === 0 || q.ops === noopQdiscOps)) q = null;
    if (!q || !tcm.handle || q.handle !== tcm.handle) {
      if (tcm.handle) {
        if (q && !(flags & NLM_F_REPLACE)) {
          extack.msg = 'NLM_F_REPLACE needed to override';
          return -EEXIST;
        }
        if (tcHMin(tcm.handle)) {
          extack.msg = 'Invalid minor handle';
          return -EINVAL;
        }
        const found = qdiscLookup(dev, tcm.handle);
        if (!found) {
          createNGraft = true;
        } else {
          // Grafting an existing qdisc elsewhere: with roots only, it is already there.
          if (flags & NLM_F_EXCL) {
            extack.msg = 'Exclusivity flag on, cannot override';
            return -EEXIST;
          }
          if (kindMismatch(tca, found)) {
            extack.msg = 'Invalid qdisc name';
            return -EINVAL;
          }
          q = found;
        }
      } else if (!q) {
        createNGraft = true;
      } else if (flags & NLM_F_CREATE && flags & NLM_F_REPLACE && (flags & NLM_F_EXCL || kindMismatch(tca, q))) {
        // The "magic test" of Linux: create/graft when asked to replace with another kind.
        createNGraft = true;
      }
    }
  } else {
    if (!tcm.handle) {
      extack.msg = 'Handle cannot be zero';
      return -EINVAL;
    }
    q = qdiscLookup(dev, tcm.handle);
  }

  if (!createNGraft) {
    // Change qdisc parameters.
    if (!q) {
      extack.msg = 'Specified qdisc not found';
      return -ENOENT;
    }
    if (flags & NLM_F_EXCL) {
      extack.msg = 'Exclusivity flag on, cannot modify';
      return -EEXIST;
    }
    if (kindMismatch(tca, q)) {
      extack.msg = 'Invalid qdisc name';
      return -EINVAL;
    }
    const err = qdiscChange(q, tca, extack);
    if (err === 0) qdiscNotify(req.net, req, clid, null, q);
    return err;
  }

  if (!(flags & NLM_F_CREATE)) {
    extack.msg = 'Qdisc not found. To create specify NLM_F_CREATE flag';
    return -ENOENT;
  }
  const created = qdiscCreate(dev, tcm.parent, tcm.handle, tca, extack);
  if (typeof created === 'number') return created;
  if (clid === TC_H_INGRESS) {
    qdiscDestroy(created);
    return -EINVAL;
  }
  qdiscGraftRoot(req, dev, clid, created);
  return 0;
}

/** Linux: tc_get_qdisc(): RTM_DELQDISC (tc qdisc del) and RTM_GETQDISC for one qdisc. */
function tcGetQdisc(req: RtnlRequest): number {
  const { extack } = req;
  const tca = nlmsgParse(req.nlh.msg, TCMSG_LEN, TCA_MAX, rtmTcaPolicy, extack);
  if (typeof tca === 'number') return tca;
  const tcm = tcmsgOf(req);
  const dev = req.net.devGetByIndex(tcm.ifindex);
  if (!dev) return -ENODEV;
  const clid = tcm.parent;
  let q: Qdisc | null = null;
  if (clid) {
    if (clid !== TC_H_ROOT) {
      if (tcHMaj(clid) !== tcHMaj(TC_H_INGRESS)) {
        const p = qdiscLookup(dev, tcHMaj(clid));
        if (!p) {
          extack.msg = 'Failed to find qdisc with specified classid';
          return -ENOENT;
        }
      }
      q = null;
    } else {
      q = devRootQdisc(dev);
    }
    if (!q) {
      extack.msg = 'Cannot find specified qdisc on specified device';
      return -ENOENT;
    }
    if (tcm.handle && q.handle !== tcm.handle) {
      extack.msg = 'Invalid handle';
      return -EINVAL;
    }
  } else {
    q = qdiscLookup(dev, tcm.handle);
    if (!q) {
      extack.msg = 'Failed to find qdisc with specified handle';
      return -ENOENT;
    }
  }
  if (kindMismatch(tca, q)) {
    extack.msg = 'Invalid qdisc name';
    return -EINVAL;
  }
  if (req.nlh.type === RTM_DELQDISC) {
    if (!clid) {
      extack.msg = 'Classid cannot be zero';
      return -EINVAL;
    }
    if (q.handle === 0) {
      extack.msg = 'Cannot delete qdisc with handle of zero';
      return -ENOENT;
    }
    qdiscGraftRoot(req, dev, clid, null);
  } else {
    qdiscNotify(req.net, req, clid, null, q);
  }
  return 0;
}

/** Linux: tc_dump_qdisc(): every device's root, cb.args = [device index, qdisc index]. */
function tcDumpQdisc(cb: NetlinkCallback): number {
  const devices = cb.net.devices;
  const sIdx = cb.args[0] ?? 0;
  let idx = 0;
  for (; idx < devices.length; idx++) {
    if (idx < sIdx) continue;
    const dev = devices[idx]!;
    const q = devRootQdisc(dev);
    if (!dumpIgnore(q)) {
      const mark = cb.skb.len;
      tcFillQdisc(cb.skb, q!, q!.parent, cb.sk.portid, cb.nlh.seq, NLM_F_MULTI, RTM_NEWQDISC);
      if (cb.skb.overLimit()) {
        cb.skb.trim(mark);
        break;
      }
    }
  }
  cb.args[0] = idx;
  return cb.skb.len;
}

/** Linux: pktsched_init(): register the built-in disciplines and the qdisc messages. */
export function pktschedInit(k: Kernel): void {
  registerQdisc(pfifoFastOps);
  registerQdisc(netemOps);
  schedState(k);
  rtnlRegister(k, AF_UNSPEC, RTM_NEWQDISC, tcModifyQdisc, null);
  rtnlRegister(k, AF_UNSPEC, RTM_DELQDISC, tcGetQdisc, null);
  rtnlRegister(k, AF_UNSPEC, RTM_GETQDISC, tcGetQdisc, tcDumpQdisc);
}
