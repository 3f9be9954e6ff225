/**
 * `tuxnet lab --trace`: one line per tracepoint hit of every packet, the way
 * pwru (cilium/pwru, "packet, where are you?") prints an skb's path through the
 * kernel. pwru attaches kprobes to every function taking an skb; tuxnet attaches
 * probes to the kernel's tracepoints (src/core/tracepoint.ts: net_dev_queue,
 * net_dev_start_xmit, net_dev_xmit, netif_rx, netif_receive_skb, kfree_skb,
 * consume_skb), which is what `perf trace -e 'net:*,skb:*'` would show on Linux.
 *
 *   TIME          SKB    NETNS        IFACE            PROTO  LEN   EVENT                  DETAIL
 *   1.000000000   #1     tnxh1        veth0:2          0x0806 42    net:net_dev_queue
 *   1.000000000   #1     tnxh1        veth0:2          0x0806 42    net:net_dev_xmit       rc=0
 *   1.000000000   #2     tnxh2        veth0:2          0x0806 28    skb:kfree_skb          reason=UNHANDLED_PROTO
 *
 * TIME is the kernel clock in seconds; SKB numbers each sk_buff object in the
 * order first seen (pwru prints its address; a clone is a new sk_buff, so a new
 * number, as in pwru); NETNS is the namespace's /run/netns name ("init" for the
 * initial one, the inode number for an unnamed one); IFACE is `name:ifindex`.
 * Probes only read: they never touch the packet, and cost nothing when off.
 */
import type { Kernel, Net } from '../../core/net_namespace.js';
import type { SkBuff } from '../../core/skbuff.js';
import type { NetDevice } from '../../core/netdevice.js';
import type { Stdio } from '../../socket/task.js';
import { dropReasonName } from '../../core/drop_reason.js';
import { NSEC_PER_SEC } from '../../core/clock.js';

export interface PacketTracer {
  /** Unregister every probe. */
  stop(): void;
}

export const TRACE_HEADER =
  'TIME          SKB    NETNS        IFACE            PROTO  LEN   EVENT                  DETAIL\n';

/** Format ns as seconds with 9 decimals. */
function seconds(ns: number): string {
  const s = Math.floor(ns / NSEC_PER_SEC);
  return `${s}.${String(Math.round(ns - s * NSEC_PER_SEC)).padStart(9, '0')}`;
}

/** The name a user knows a namespace by. */
export function netnsLabel(k: Kernel, net: Net | null): string {
  if (!net) return '-';
  if (net === k.initNet) return 'init';
  let best: string | null = null;
  for (const [name, n] of k.netnsNames) if (n === net && (best === null || name < best)) best = name;
  return best ?? String(net.inum);
}

/** Start printing every packet event of `k` to `out`. */
export function startPacketTrace(k: Kernel, out: Stdio): PacketTracer {
  const ids = new WeakMap<SkBuff, number>();
  let nextId = 1;
  const idOf = (skb: SkBuff): number => {
    let id = ids.get(skb);
    if (id === undefined) {
      id = nextId++;
      ids.set(skb, id);
    }
    return id;
  };
  const line = (event: string, skb: SkBuff, dev: NetDevice | null, detail: string, len = skb.len): void => {
    const d = dev ?? skb.dev;
    const ns = d ? netnsLabel(k, d.net ?? null) : '-';
    const iface = d ? `${d.name}:${d.ifindex}` : '-';
    const proto = '0x' + skb.protocol.toString(16).padStart(4, '0');
    out.write(`${seconds(k.clock.now()).padEnd(13)} ${('#' + idOf(skb)).padEnd(6)} ${ns.padEnd(12)} ${iface.padEnd(16)} ` +
      `${proto} ${String(len).padEnd(5)} ${event.padEnd(22)} ${detail}`.trimEnd() + '\n');
  };
  const t = k.trace;
  out.write(TRACE_HEADER);
  const offs = [
    t.netDevQueue.register((skb) => line('net:net_dev_queue', skb, null, '')),
    t.netDevStartXmit.register((skb) => line('net:net_dev_start_xmit', skb, null, '')),
    t.netDevXmit.register((skb, rc, dev, len) => line('net:net_dev_xmit', skb, dev, `rc=${rc}`, len)),
    t.netifRx.register((skb) => line('net:netif_rx', skb, null, '')),
    t.netifReceiveSkb.register((skb) => line('net:netif_receive_skb', skb, null, '')),
    t.kfreeSkb.register((skb, reason) => line('skb:kfree_skb', skb, null, `reason=${dropReasonName(reason)}`)),
    t.consumeSkb.register((skb) => line('skb:consume_skb', skb, null, '')),
  ];
  return {
    stop: () => {
      for (const off of offs) off();
    },
  };
}
