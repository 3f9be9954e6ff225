/**
 * Netfilter hooks (Linux: net/netfilter/core.c, net/netfilter/nf_queue.c,
 * include/linux/netfilter.h). Each namespace keeps, per protocol family and hook
 * point, a list of hook functions sorted by priority. The packet path calls
 * `nfHook(pf, hooknum, net, sk, skb, in, out, okfn)` (Linux: NF_HOOK) where Linux
 * does; with no hooks registered it costs one array load and calls `okfn` directly.
 *
 * Verdicts: NF_ACCEPT continues with the next hook and finally `okfn`; NF_DROP frees
 * the skb (SKB_DROP_REASON_NETFILTER_DROP) and returns -EPERM, or the errno packed
 * with NF_DROP_ERR; NF_STOLEN means the hook took the skb; NF_QUEUE hands the skb to
 * the namespace's queue handler (Linux: nf_queue, nfnetlink_queue), which later calls
 * `nfReinject(entry, verdict)` — with NF_REPEAT the same hook runs again, with
 * NF_ACCEPT the traversal resumes after it and ends in the saved `okfn`. With no
 * queue handler a queued packet is dropped, unless NF_VERDICT_FLAG_QUEUE_BYPASS.
 * A hook function returning NF_REPEAT directly re-runs itself (pre-4.10 Linux
 * semantics; newer Linux only supports REPEAT through reinjection).
 */
import type { Net } from '../core/net_namespace.js';
import type { NetDevice } from '../core/netdevice.js';
import type { SkBuff } from '../core/skbuff.js';
import { kfreeSkbReason } from '../core/skbuff.js';
import { SKB_DROP_REASON_NETFILTER_DROP } from '../core/drop_reason.js';
import { EPERM, EINVAL, ENOENT, ESRCH, EEXIST } from '../socket/errno.js';

/* include/uapi/linux/netfilter.h */
export const NFPROTO_UNSPEC = 0;
export const NFPROTO_INET = 1;
export const NFPROTO_IPV4 = 2;
export const NFPROTO_ARP = 3;
export const NFPROTO_NETDEV = 5;
export const NFPROTO_BRIDGE = 7;
export const NFPROTO_IPV6 = 10;
export const NFPROTO_NUMPROTO = 11;

export const NF_INET_PRE_ROUTING = 0;
export const NF_INET_LOCAL_IN = 1;
export const NF_INET_FORWARD = 2;
export const NF_INET_LOCAL_OUT = 3;
export const NF_INET_POST_ROUTING = 4;
export const NF_INET_NUMHOOKS = 5;
export const NF_ARP_IN = 0;
export const NF_ARP_OUT = 1;
export const NF_ARP_FORWARD = 2;
export const NF_MAX_HOOKS = 6;

export const NF_DROP = 0;
export const NF_ACCEPT = 1;
export const NF_STOLEN = 2;
export const NF_QUEUE = 3;
export const NF_REPEAT = 4;
export const NF_STOP = 5;
export const NF_VERDICT_MASK = 0x000000ff;
export const NF_VERDICT_FLAG_QUEUE_BYPASS = 0x00008000;
export const NF_VERDICT_QMASK = 0xffff0000;
export const NF_VERDICT_QBITS = 16;

/** Linux: NF_DROP_ERR(): a drop that makes NF_HOOK return `err` (negative errno). */
export function nfDropErr(err: number): number {
  return ((-err) << 16) | NF_DROP;
}
/** Linux: NF_QUEUE_NR(). */
export function nfQueueNr(num: number): number {
  return ((num << NF_VERDICT_QBITS) & NF_VERDICT_QMASK) | NF_QUEUE;
}

/* Linux: enum nf_ip_hook_priorities (the usual ones). */
export const NF_IP_PRI_FIRST = -2147483648;
export const NF_IP_PRI_RAW = -300;
export const NF_IP_PRI_CONNTRACK = -200;
export const NF_IP_PRI_MANGLE = -150;
export const NF_IP_PRI_NAT_DST = -100;
export const NF_IP_PRI_FILTER = 0;
export const NF_IP_PRI_SECURITY = 50;
export const NF_IP_PRI_NAT_SRC = 100;
export const NF_IP_PRI_CONNTRACK_CONFIRM = 2147483647;
export const NF_IP_PRI_LAST = 2147483647;

/** The continuation after the hooks (Linux: okfn). Consumes the skb. */
export type NfOkfn = (net: Net, sk: unknown, skb: SkBuff) => number;

/** Linux: struct nf_hook_state. */
export class NfHookState {
  constructor(
    public hook: number,
    public pf: number,
    public indev: NetDevice | null,
    public outdev: NetDevice | null,
    public sk: unknown,
    public net: Net,
    public okfn: NfOkfn,
  ) {}
}

/** Linux: nf_hookfn. Returns a verdict (NF_ACCEPT ... possibly with bits above NF_VERDICT_MASK). */
export type NfHookFn = (priv: unknown, skb: SkBuff, state: NfHookState) => number;

/** Linux: struct nf_hook_ops. */
export interface NfHookOps {
  hook: NfHookFn;
  pf: number;
  hooknum: number;
  priority: number;
  priv?: unknown;
}

/** What a queue handler receives (Linux: struct nf_queue_entry). */
export interface NfQueueEntry {
  skb: SkBuff;
  state: NfHookState;
  /** The hook that returned NF_QUEUE (kept for NF_REPEAT). */
  ops: NfHookOps;
  /** Queue number from NF_QUEUE_NR. */
  queueNum: number;
}

/** Linux: struct nf_queue_handler: returns 0 when it took the entry, or -errno. */
export type NfQueueHandler = (entry: NfQueueEntry) => number;

/** Per-namespace netfilter state (Linux: struct netns_nf). */
export class NetnsNf {
  /** hooks[pf][hooknum], each sorted by priority (Linux: nf_hook_entries). */
  readonly hooks: NfHookOps[][][] = [];
  queueHandler: NfQueueHandler | null = null;
  constructor() {
    for (let pf = 0; pf < NFPROTO_NUMPROTO; pf++) {
      const perHook: NfHookOps[][] = [];
      for (let h = 0; h < NF_MAX_HOOKS; h++) perHook.push([]);
      this.hooks.push(perHook);
    }
  }
}

/** The namespace's netfilter state, created on first use. */
export function netNf(net: Net): NetnsNf {
  let nf = net.nf as NetnsNf | null;
  if (nf === null) {
    nf = new NetnsNf();
    net.nf = nf;
  }
  return nf;
}

/** Linux: nf_register_net_hook(). NFPROTO_INET registers for IPv4 and IPv6. */
export function nfRegisterNetHook(net: Net, ops: NfHookOps): number {
  if (ops.pf === NFPROTO_INET) {
    const r = nfRegisterNetHook(net, { ...ops, pf: NFPROTO_IPV4 });
    if (r < 0) return r;
    return nfRegisterNetHook(net, { ...ops, pf: NFPROTO_IPV6 });
  }
  if (ops.pf < 0 || ops.pf >= NFPROTO_NUMPROTO || ops.hooknum < 0 || ops.hooknum >= NF_MAX_HOOKS) return -EINVAL;
  const list = netNf(net).hooks[ops.pf]![ops.hooknum]!;
  if (list.includes(ops)) return -EEXIST;
  // Linux: nf_hook_entries_grow(): insert before the first hook with a higher priority.
  let i = 0;
  while (i < list.length && list[i]!.priority <= ops.priority) i++;
  list.splice(i, 0, ops);
  return 0;
}

/** Linux: nf_unregister_net_hook(). */
export function nfUnregisterNetHook(net: Net, ops: NfHookOps): number {
  if (ops.pf === NFPROTO_INET) {
    let found = false;
    for (const pf of [NFPROTO_IPV4, NFPROTO_IPV6]) {
      const list = netNf(net).hooks[pf]![ops.hooknum]!;
      const i = list.findIndex((o) => o.hook === ops.hook && o.priority === ops.priority && o.priv === ops.priv);
      if (i >= 0) { list.splice(i, 1); found = true; }
    }
    return found ? 0 : -ENOENT;
  }
  const list = netNf(net).hooks[ops.pf]?.[ops.hooknum];
  const i = list ? list.indexOf(ops) : -1;
  if (!list || i < 0) return -ENOENT;
  list.splice(i, 1);
  return 0;
}

/** Linux: nf_register_queue_handler() (nfnetlink_queue). */
export function nfRegisterQueueHandler(net: Net, handler: NfQueueHandler | null): void {
  netNf(net).queueHandler = handler;
}

/**
 * Linux: nf_hook_slow(): run hooks from index `s`. Returns 1 when the packet may go
 * on (the caller calls okfn), otherwise 0 or a negative errno and the skb is gone.
 */
function nfHookSlow(skb: SkBuff, state: NfHookState, list: NfHookOps[], s: number): number {
  for (; s < list.length; s++) {
    const ops = list[s]!;
    const verdict = ops.hook(ops.priv, skb, state);
    switch (verdict & NF_VERDICT_MASK) {
      case NF_ACCEPT:
        break;
      case NF_DROP: {
        kfreeSkbReason(skb, SKB_DROP_REASON_NETFILTER_DROP);
        const err = -(verdict >> 16);
        return err === 0 ? -EPERM : err;
      }
      case NF_QUEUE: {
        const r = nfQueue(skb, state, ops, verdict);
        if (r === 1) continue;
        return r;
      }
      case NF_STOLEN:
        // NF_DROP_GETERR(): 0 unless an errno was packed (never -0).
        return -(verdict >> 16) | 0;
      case NF_REPEAT:
        s--;
        break;
      case NF_STOP:
        return 1;
      default:
        // Linux WARNs on an unknown verdict and treats the skb as taken; freeing it
        // here keeps the accounting honest.
        kfreeSkbReason(skb, SKB_DROP_REASON_NETFILTER_DROP);
        return 0;
    }
  }
  return 1;
}

/** Linux: nf_queue(): 1 = bypassed (continue), 0 = queued or dropped. */
function nfQueue(skb: SkBuff, state: NfHookState, ops: NfHookOps, verdict: number): number {
  const handler = netNf(state.net).queueHandler;
  const queueNum = verdict >>> NF_VERDICT_QBITS;
  const ret = handler ? handler({ skb, state, ops, queueNum }) : -ESRCH;
  if (ret >= 0) return 0;
  if (ret === -ESRCH && (verdict & NF_VERDICT_FLAG_QUEUE_BYPASS) !== 0) return 1;
  kfreeSkbReason(skb, SKB_DROP_REASON_NETFILTER_DROP);
  return 0;
}

/**
 * Linux: NF_HOOK(). Runs the hooks registered at (pf, hooknum) in `net` and, if they
 * all accept, `okfn(net, sk, skb)`; returns okfn's result, or what the hooks decided.
 */
export function nfHook(pf: number, hooknum: number, net: Net, sk: unknown, skb: SkBuff,
  indev: NetDevice | null, outdev: NetDevice | null, okfn: NfOkfn): number {
  const nf = net.nf as NetnsNf | null;
  if (nf === null) return okfn(net, sk, skb);
  const list = nf.hooks[pf]![hooknum]!;
  if (list.length === 0) return okfn(net, sk, skb);
  const ret = nfHookSlow(skb, new NfHookState(hooknum, pf, indev, outdev, sk, net, okfn), list, 0);
  if (ret === 1) return okfn(net, sk, skb);
  return ret;
}

/** Linux: NF_HOOK_COND(): the hooks run only when `cond` holds. */
export function nfHookCond(pf: number, hooknum: number, net: Net, sk: unknown, skb: SkBuff,
  indev: NetDevice | null, outdev: NetDevice | null, okfn: NfOkfn, cond: boolean): number {
  if (!cond) return okfn(net, sk, skb);
  return nfHook(pf, hooknum, net, sk, skb, indev, outdev, okfn);
}

/**
 * Linux: nf_hook() as used by ip_local_out: returns 1 when the caller should call
 * okfn itself, otherwise the skb is gone (0 or -errno).
 */
export function nfHookNoOkfn(pf: number, hooknum: number, net: Net, sk: unknown, skb: SkBuff,
  indev: NetDevice | null, outdev: NetDevice | null, okfn: NfOkfn): number {
  const nf = net.nf as NetnsNf | null;
  if (nf === null) return 1;
  const list = nf.hooks[pf]![hooknum]!;
  if (list.length === 0) return 1;
  return nfHookSlow(skb, new NfHookState(hooknum, pf, indev, outdev, sk, net, okfn), list, 0);
}

/**
 * Linux: nf_reinject(): a queue handler's verdict on an entry. NF_REPEAT runs the
 * same hook again; NF_ACCEPT resumes after it; NF_DROP frees the skb; NF_STOLEN forgets it.
 */
export function nfReinject(entry: NfQueueEntry, verdict: number): void {
  const { skb, state } = entry;
  const list = netNf(state.net).hooks[state.pf]![state.hook]!;
  const i = list.indexOf(entry.ops);
  if (i < 0) {
    // The hook was unregistered meanwhile (Linux: nf_queue_nf_hook_drop drops it).
    kfreeSkbReason(skb, SKB_DROP_REASON_NETFILTER_DROP);
    return;
  }
  if ((verdict & NF_VERDICT_MASK) === NF_REPEAT) verdict = entry.ops.hook(entry.ops.priv, skb, state);
  const net = state.net;
  let ret: number;
  switch (verdict & NF_VERDICT_MASK) {
    case NF_ACCEPT:
    case NF_STOP:
      ret = (verdict & NF_VERDICT_MASK) === NF_STOP ? 1 : nfHookSlow(skb, state, list, i + 1);
      break;
    case NF_STOLEN:
      return;
    case NF_QUEUE:
      ret = nfQueue(skb, state, entry.ops, verdict);
      if (ret === 1) ret = nfHookSlow(skb, state, list, i + 1);
      break;
    default:
      kfreeSkbReason(skb, SKB_DROP_REASON_NETFILTER_DROP);
      return;
  }
  if (ret === 1) {
    net.kernel.sched.localBhDisable();
    state.okfn(net, state.sk, skb);
    net.kernel.sched.localBhEnable();
  }
}
