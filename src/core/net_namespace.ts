/**
 * Network namespaces and the kernel that holds them (Linux: net/core/net_namespace.c,
 * include/net/net_namespace.h). A `Kernel` owns what Linux keeps global: the clock,
 * the rng, timers, softirq state, tracepoints, protocol handlers and link kinds.
 * A `Net` owns what Linux keeps per namespace: devices, sysctls, counters and the
 * per-subsystem state that pernet operations attach (Linux: net_generic()).
 * Two kernels in one process never see each other.
 */
import type { Clock } from './clock.js';
import { Rng } from './rng.js';
import { TimerBase, TimerList } from './timer.js';
import { Tracepoints } from './tracepoint.js';
import { NotifierChain } from './notifier.js';
import { SysctlRegistry, intEntry } from './sysctl.js';
import type { NetDevice, RtnlLinkOps } from './netdevice.js';
import type { PacketType } from './dev.js';
import type { SkBuff } from './skbuff.js';
import { SoftnetData } from './napi.js';
import { SKB_CONSUMED, SKB_DROP_REASON_MAX } from './drop_reason.js';
import { SoftirqScheduler, type Platform } from './softirq.js';

/** Linux: struct pernet_operations. */
export interface PernetOperations {
  name: string;
  init?(net: Net): void;
  /** Runs before devices are unregistered (Linux ->pre_exit). */
  preExit?(net: Net): void;
  exit?(net: Net): void;
}

/** net.core.* values that Linux keeps per namespace. */
export class NetCoreSysctls {
  somaxconn = 4096;
  devWeight = 64;
}

export class Net {
  readonly kernel: Kernel;
  /** Namespace inode number, as `ls -l /proc/self/ns/net` shows. */
  readonly inum: number;
  /** Devices in registration order (Linux: net->dev_base_head). */
  readonly devices: NetDevice[] = [];
  readonly devByName = new Map<string, NetDevice>();
  readonly devByIndex = new Map<number, NetDevice>();
  /** Last ifindex handed out (Linux: net->ifindex). */
  ifindex = 0;
  loopbackDev: NetDevice | null = null;
  /** Packet taps for all devices of this namespace (Linux: net->ptype_all). */
  readonly ptypeAll: PacketType[] = [];
  readonly core = new NetCoreSysctls();
  /** Drops by reason (what `dropwatch`/`perf` would sum). */
  readonly dropCounts = new Float64Array(SKB_DROP_REASON_MAX);
  /** Peer namespace ids (Linux: net->netns_ids), for IFLA_LINK_NETNSID. */
  readonly netnsIds = new Map<Net, number>();
  /** Per-subsystem state keyed by the subsystem's name (Linux: net_generic()). */
  readonly generic = new Map<string, unknown>();
  /** Netfilter hooks (Linux: net->nf), created by netfilter/core.ts on first registration. */
  nf: unknown = null;
  /** IPv4 state (Linux: net->ipv4, struct netns_ipv4), set by the ipv4 pernet init. */
  ipv4: unknown = null;
  /** Set while the namespace is being torn down. */
  dying = false;
  /** Users: tasks inside it, /run/netns names, fds. The namespace dies at 0. */
  refcnt = 0;

  constructor(kernel: Kernel, inum: number) {
    this.kernel = kernel;
    this.inum = inum;
  }

  /** Linux: __dev_get_by_name(). */
  devGetByName(name: string): NetDevice | null {
    return this.devByName.get(name) ?? null;
  }
  /** Linux: __dev_get_by_index(). */
  devGetByIndex(ifindex: number): NetDevice | null {
    return this.devByIndex.get(ifindex) ?? null;
  }
  /** Linux: peernet2id_alloc(): the id under which `this` knows `peer`. */
  peernet2idAlloc(peer: Net): number {
    if (peer === this) return -1;
    let id = this.netnsIds.get(peer);
    if (id === undefined) {
      id = 0;
      const used = new Set(this.netnsIds.values());
      while (used.has(id)) id++;
      this.netnsIds.set(peer, id);
    }
    return id;
  }
  /** Linux: peernet2id(): -1 (NETNSA_NSID_NOT_ASSIGNED) when none. */
  peernet2id(peer: Net): number {
    return this.netnsIds.get(peer) ?? -1;
  }
}

export interface KernelOptions {
  clock: Clock;
  seed?: number;
  platform: Platform;
}

/** Link kinds creatable over rtnetlink (Linux: rtnl_link_register()). */
export class Kernel {
  readonly clock: Clock;
  readonly rng: Rng;
  readonly trace = new Tracepoints();
  readonly timers = new TimerBase();
  readonly softnet: SoftnetData;
  readonly sched: SoftirqScheduler;
  /** Protocol handlers by ethertype (Linux: ptype_base). */
  readonly ptypeBase = new Map<number, PacketType[]>();
  /** Linux: netdev_chain. */
  readonly netdevChain = new NotifierChain<NetDevice>();
  readonly linkOps = new Map<string, RtnlLinkOps>();
  readonly sysctl = new SysctlRegistry();
  readonly nets = new Set<Net>();
  /** Kernel-wide state of subsystems above core, keyed by subsystem name (socket families ...). */
  readonly generic = new Map<string, unknown>();
  /** Named namespaces (Linux: bind mounts under /run/netns that `ip netns` manages). */
  readonly netnsNames = new Map<string, Net>();
  readonly initNet: Net;
  private readonly pernetOps: PernetOperations[] = [];
  private nextInum = 4026531840;
  /**
   * Hooks the layers above core install (core never imports them):
   * rtnetlink's RTM_NEWLINK/DELLINK notifier (Linux: rtmsg_ifinfo()).
   */
  rtmsgIfinfo: (type: number, dev: NetDevice, change: number) => void = () => {};
  /** The kernel log ring (Linux: printk's log buffer, what dmesg reads): "[  12.345678] text". */
  readonly dmesg: string[] = [];
  /** Kernel-wide net.core sysctls (Linux keeps these in init_net only). */
  netdevBudget = 300;
  netdevBudgetUsecs = 8000;
  netdevMaxBacklog = 1000;
  devWeightRxBias = 1;
  devWeightTxBias = 1;

  constructor(opts: KernelOptions) {
    this.clock = opts.clock;
    this.rng = new Rng(opts.seed ?? 1);
    this.softnet = new SoftnetData(this);
    this.sched = new SoftirqScheduler(this, opts.platform);
    this.registerCoreSysctls();
    this.initNet = this.newNet();
    this.initNet.refcnt++;
  }

  /** Linux: register_pernet_subsys(): runs init for existing namespaces too. */
  registerPernetSubsys(ops: PernetOperations): void {
    this.pernetOps.push(ops);
    for (const net of this.nets) ops.init?.(net);
  }

  /** Linux: copy_net_ns()/setup_net(): a fresh namespace with its own lo. */
  newNet(): Net {
    const net = new Net(this, this.nextInum++);
    this.nets.add(net);
    for (const ops of this.pernetOps) ops.init?.(net);
    return net;
  }

  /** Linux: cleanup_net(): runs the pernet exits in reverse order. */
  destroyNet(net: Net): void {
    if (net === this.initNet || net.dying) return;
    net.dying = true;
    for (let i = this.pernetOps.length - 1; i >= 0; i--) this.pernetOps[i]!.preExit?.(net);
    for (let i = this.pernetOps.length - 1; i >= 0; i--) this.pernetOps[i]!.exit?.(net);
    this.nets.delete(net);
    for (const other of this.nets) other.netnsIds.delete(net);
  }

  /** Drop a reference; the namespace is destroyed when nobody holds it (Linux: put_net()). */
  putNet(net: Net): void {
    if (--net.refcnt <= 0) this.destroyNet(net);
  }

  /** Called by kfree_skb for every freed skb that belongs to a device of this kernel. */
  skbFreed(skb: SkBuff, net: Net, reason: number): void {
    if (reason === SKB_CONSUMED) {
      if (this.trace.consumeSkb.enabled) for (const p of this.trace.consumeSkb.probes) p(skb);
      return;
    }
    net.dropCounts[reason]!++;
    if (this.trace.kfreeSkb.enabled) for (const p of this.trace.kfreeSkb.probes) p(skb, reason);
  }

  /**
   * Linux: printk() / net_info_ratelimited(): append a line to the kernel log, stamped
   * with the kernel clock as dmesg shows it. The ring keeps the last 1024 lines.
   */
  printk(text: string): void {
    const t = this.clock.now() / 1e9;
    const stamp = t.toFixed(6).padStart(12, ' ');
    this.dmesg.push(`[${stamp}] ${text}`);
    if (this.dmesg.length > 1024) this.dmesg.shift();
  }

  /** Linux: mod_timer(). Absolute expiry in ns. */
  modTimer(timer: TimerList, expires: number): boolean {
    const r = this.timers.modTimer(timer, expires);
    this.sched.timerArmed(expires);
    return r;
  }

  /** Linux: del_timer(). */
  delTimer(timer: TimerList): boolean {
    return this.timers.delTimer(timer);
  }

  /** Wait `ns` of kernel time (virtual or real) from userspace. */
  sleep(ns: number): Promise<void> {
    return this.sched.sleep(ns);
  }

  /** Run everything pending and any timers already due, synchronously. */
  settle(): void {
    this.sched.runPending();
  }

  private registerCoreSysctls(): void {
    this.sysctl.register((net) => {
      const k = net.kernel;
      const list = [
        intEntry('net.core.somaxconn', (n) => n.core.somaxconn, (n, v) => { n.core.somaxconn = v; }, 0),
      ];
      if (net === k.initNet) {
        list.push(
          intEntry('net.core.netdev_budget', () => k.netdevBudget, (_n, v) => { k.netdevBudget = v; }, 0),
          intEntry('net.core.netdev_budget_usecs', () => k.netdevBudgetUsecs, (_n, v) => { k.netdevBudgetUsecs = v; }, 0),
          intEntry('net.core.netdev_max_backlog', () => k.netdevMaxBacklog, (_n, v) => { k.netdevMaxBacklog = v; }, 0),
          intEntry('net.core.dev_weight', () => k.initNet.core.devWeight, (_n, v) => { k.initNet.core.devWeight = v; }, 1),
          intEntry('net.core.dev_weight_rx_bias', () => k.devWeightRxBias, (_n, v) => { k.devWeightRxBias = v; }, 1),
          intEntry('net.core.dev_weight_tx_bias', () => k.devWeightTxBias, (_n, v) => { k.devWeightTxBias = v; }, 1),
        );
      }
      return list;
    });
  }
}
