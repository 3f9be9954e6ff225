/**
 * Capture every device of a kernel into pcapng, one file per device (what the lab
 * runner's `--capture DIR` does). No Linux counterpart as such: it is the
 * equivalent of running `tcpdump -i DEV -w` on every interface of every namespace
 * at once. It attaches an ETH_P_ALL tap (Linux: a packet_type on net->ptype_all,
 * as af_packet does for an unbound socket) to each namespace, follows namespaces
 * and devices that appear later through the netdev notifier (NETDEV_REGISTER also
 * fires when a device moves into a namespace, and for `lo` of each new namespace),
 * and removes every tap on stop.
 *
 * Files are named `<ns>-<dev>.pcapng`: `<ns>` is the namespace's name under
 * /run/netns (the first in sort order when it has several), `init` for the initial
 * namespace, and `netns<inum>` for an unnamed one. The name is resolved when the
 * device's first frame is seen, so a veth created in the initial namespace and
 * moved into `h1` before it carries traffic is `h1-veth1`. A device that is later
 * renamed or moved gets a new file; a later device with the same namespace and
 * name appends to the existing file. At stop, every registered device that has no
 * file yet gets an empty one (SHB + IDB), so "every device" really means every device.
 *
 * Each file has one IDB: linktype EN10MB (1) for Ethernet and loopback devices,
 * RAW (101) for devices without a link header; snaplen 262144; `if_name`
 * "<ns>/<dev>"; `if_tsresol` 9. Timestamps are the kernel clock plus
 * `clock.realtimeOffsetNs`, so a virtual-time lab with the same seed produces
 * byte-identical files. EPB flags give the direction (outbound for PACKET_OUTGOING
 * copies from dev_queue_xmit_nit, inbound otherwise) and the reception type.
 *
 * This module does no I/O: the caller supplies `openFile` (capture.ts writes
 * real files with node:fs; tests keep bytes in memory).
 */
import type { Kernel, Net } from '../core/net_namespace.js';
import type { NetDevice } from '../core/netdevice.js';
import { ARPHRD_NONE } from '../core/netdevice.js';
import {
  type SkBuff, consumeSkb, PACKET_BROADCAST, PACKET_HOST, PACKET_MULTICAST, PACKET_OTHERHOST, PACKET_OUTGOING,
} from '../core/skbuff.js';
import { type PacketType, ETH_P_ALL, devAddPack, devRemovePack } from '../core/dev.js';
import { NETDEV_REGISTER, NOTIFY_DONE, type NotifierFn } from '../core/notifier.js';
import {
  PcapngWriter, type ByteSink, DEFAULT_SNAPLEN, LINKTYPE_ETHERNET, LINKTYPE_RAW, EPB_DIR_INBOUND,
  EPB_DIR_OUTBOUND, EPB_RX_BROADCAST, EPB_RX_MULTICAST, EPB_RX_PROMISCUOUS, EPB_RX_UNICAST,
} from './pcapng.js';

/** A file the session writes into. */
export interface CaptureFile {
  write: ByteSink;
  /** Flush and close; may be async (real files). */
  close(): void | Promise<void>;
}

export interface CaptureSessionOptions {
  /** Open (create/truncate) a file by its base name, e.g. "h1-veth0.pcapng". */
  openFile(fileName: string): CaptureFile;
  /** Bytes kept per frame (default 262144, tcpdump's default). */
  snaplen?: number;
  /** Create empty files at stop for devices that carried nothing (default true). */
  emptyFiles?: boolean;
}

export interface Capture {
  /** Detach every tap, write files for silent devices, close every file. */
  stop(): Promise<void>;
  /** Base names of the files written so far, in creation order. */
  files(): string[];
  /** Frames written so far. */
  readonly packets: number;
}

/** One output file: a pcapng writer with a single interface. */
interface OutFile {
  name: string;
  file: CaptureFile;
  writer: PcapngWriter;
  ifId: number;
}

/** Where a device's frames currently go (re-resolved when it moves or is renamed). */
interface DevBinding {
  net: Net;
  name: string;
  out: OutFile;
}

/** Name of a namespace for file names (see the file comment). */
export function captureNetnsName(k: Kernel, net: Net): string {
  if (net === k.initNet) return 'init';
  let best: string | null = null;
  for (const [name, n] of k.netnsNames) if (n === net && (best === null || name < best)) best = name;
  return best ?? `netns${net.inum}`;
}

function linktypeOf(dev: NetDevice): number {
  return dev.type === ARPHRD_NONE || dev.hardHeaderLen === 0 ? LINKTYPE_RAW : LINKTYPE_ETHERNET;
}

function epbFlags(pktType: number): number {
  switch (pktType) {
    case PACKET_OUTGOING: return EPB_DIR_OUTBOUND;
    case PACKET_HOST: return EPB_DIR_INBOUND | EPB_RX_UNICAST;
    case PACKET_BROADCAST: return EPB_DIR_INBOUND | EPB_RX_BROADCAST;
    case PACKET_MULTICAST: return EPB_DIR_INBOUND | EPB_RX_MULTICAST;
    case PACKET_OTHERHOST: return EPB_DIR_INBOUND | EPB_RX_PROMISCUOUS;
    default: return EPB_DIR_INBOUND;
  }
}

class CaptureSession implements Capture {
  packets = 0;
  private readonly taps = new Map<Net, PacketType>();
  private readonly byName = new Map<string, OutFile>();
  private readonly order: string[] = [];
  private readonly bindings = new Map<NetDevice, DevBinding>();
  private readonly snaplen: number;
  private readonly notifier: NotifierFn<NetDevice>;
  private stopped = false;

  constructor(private readonly k: Kernel, private readonly opts: CaptureSessionOptions) {
    this.snaplen = opts.snaplen ?? DEFAULT_SNAPLEN;
    this.notifier = (event, dev) => {
      if (event === NETDEV_REGISTER) this.tapNet(dev.net);
      return NOTIFY_DONE;
    };
    k.netdevChain.register(this.notifier);
    for (const net of k.nets) this.tapNet(net);
  }

  private tapNet(net: Net): void {
    if (this.stopped || this.taps.has(net) || net.dying) return;
    const pt: PacketType = {
      type: ETH_P_ALL, dev: null, ignoreOutgoing: false, afPacketPriv: this, net,
      func: (skb, dev) => this.rcv(skb, dev),
    };
    this.taps.set(net, pt);
    devAddPack(net, pt);
  }

  private fileFor(dev: NetDevice): OutFile {
    const b = this.bindings.get(dev);
    if (b && b.net === dev.net && b.name === dev.name) return b.out;
    const ns = captureNetnsName(this.k, dev.net);
    const fileName = `${ns}-${dev.name}.pcapng`;
    let out = this.byName.get(fileName);
    if (!out) {
      const file = this.opts.openFile(fileName);
      const writer = new PcapngWriter(file.write, { userappl: 'tuxnet' });
      const ifId = writer.addInterface({ linktype: linktypeOf(dev), snaplen: this.snaplen, name: `${ns}/${dev.name}` });
      out = { name: fileName, file, writer, ifId };
      this.byName.set(fileName, out);
      this.order.push(fileName);
    }
    this.bindings.set(dev, { net: dev.net, name: dev.name, out });
    return out;
  }

  /** The tap's packet_type func: copy the frame from its link header, consume our reference. */
  private rcv(skb: SkBuff, dev: NetDevice): number {
    const out = this.fileFor(dev);
    const start = skb.macHeader >= 0 && skb.macHeader <= skb.data ? skb.macHeader : skb.data;
    const frame = skb.buf.subarray(start, skb.tail);
    const ts = BigInt(Math.round(this.k.clock.realtimeOffsetNs)) + BigInt(Math.round(skb.tstamp || this.k.clock.now()));
    out.writer.writePacket(out.ifId, ts, frame, frame.length, epbFlags(skb.pktType));
    this.packets++;
    consumeSkb(skb);
    return 0;
  }

  files(): string[] {
    return this.order.slice();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.k.netdevChain.unregister(this.notifier);
    for (const [net, pt] of this.taps) devRemovePack(net, pt);
    this.taps.clear();
    if (this.opts.emptyFiles !== false) {
      for (const net of this.k.nets) for (const dev of net.devices) this.fileFor(dev);
    }
    this.stopped = true;
    for (const name of this.order) await this.byName.get(name)!.file.close();
  }
}

/** Start capturing every device of `k` into files opened through `opts.openFile`. */
export function attachCapture(k: Kernel, opts: CaptureSessionOptions): Capture {
  return new CaptureSession(k, opts);
}
