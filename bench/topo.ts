/**
 * Topologies the frame benchmarks drive (no Linux counterpart): a veth pair
 * between two namespaces, and two veth pairs joined by a bridge.
 * Two ways to drive them: from userspace, as the Linux helper does (a task with
 * an AF_PACKET SOCK_RAW socket bound to the sending device calls send(); a task
 * in the far namespace with a packet socket bound to the receiving device and
 * ETH_P_BENCH drains it with non-blocking recvfrom into a preallocated buffer and
 * address after every batch), and
 * kernel-only (sendFrames does what packet_snd does: allocate an skb with
 * headroom, copy the frame in, devQueueXmit; CountingReceiver is a packet_type
 * that counts and consumes, i.e. packet_rcv without the socket queue).
 *
 *   veth:    nsA [veth0] ====== [veth1] nsB   (rx handler on veth1)
 *   bridge:  nsA [veth0] == [p0]-br0-[p1] == [veth3] nsC   (bridge in nsB)
 */
import { createKernel } from '../src/index.js';
import type { Kernel, Net } from '../src/core/net_namespace.js';
import type { NetDevice } from '../src/core/netdevice.js';
import { type SkBuff, allocSkb, consumeSkb, MAX_HEADER } from '../src/core/skbuff.js';
import { devAddPack, devOpen, devQueueXmit, type PacketType } from '../src/core/dev.js';
import { vethCreate } from '../src/drivers/veth.js';
import { brCreate } from '../src/drivers/bridge/br_device.js';
import { brAddIf } from '../src/drivers/bridge/br_if.js';
import { brFromDev } from '../src/drivers/bridge/br_private.js';
import { TC_H_ROOT, qdiscCreateDflt, qdiscGraft } from '../src/sched/sch_generic.js';
import { pfifoFastOps } from '../src/sched/sch_pfifo_fast.js';
import { Task, type Stdio } from '../src/socket/task.js';
import { AF_PACKET, SOCK_RAW, type SockaddrLl } from '../src/socket/socket.js';
import * as sys from '../src/socket/syscalls.js';
import type { SystemError } from '../src/socket/errno.js';
import { check } from './common.js';

/** Ethertype of the benchmark frames (IEEE 802 local experimental). */
export const ETH_P_BENCH = 0x88b5;

/** Frame sizes as the skb holds them (no FCS): "64 B" on the wire is 60 B here and on Linux. */
export const FRAME_64 = 60;
export const FRAME_1500 = 1514;

/** A frame: dst, src, ETH_P_BENCH, zero payload up to `len` bytes. */
export function benchFrame(dst: Uint8Array, src: Uint8Array, len: number): Uint8Array {
  const f = new Uint8Array(len);
  f.set(dst, 0);
  f.set(src, 6);
  f[12] = ETH_P_BENCH >> 8;
  f[13] = ETH_P_BENCH & 0xff;
  return f;
}

/** Counts what reaches it (Linux: a packet_type's func that consumes). */
export class CountingReceiver {
  count = 0;
  bytes = 0;
  readonly pt: PacketType;
  constructor(dev: NetDevice) {
    this.pt = {
      type: ETH_P_BENCH, dev, ignoreOutgoing: true, afPacketPriv: this,
      func: countingRcv,
    };
    devAddPack(dev.net, this.pt);
  }
}

function countingRcv(skb: SkBuff, _dev: NetDevice, pt: PacketType): number {
  const r = pt.afPacketPriv as CountingReceiver;
  r.count++;
  r.bytes += skb.len;
  consumeSkb(skb);
  return 0;
}

/** Transmit `n` copies of `frame` on `dev`, as packet_snd() would. Returns n. */
export function sendFrames(dev: NetDevice, frame: Uint8Array, n: number): number {
  const len = frame.length;
  for (let i = 0; i < n; i++) {
    const skb = allocSkb(MAX_HEADER + len);
    skb.data = skb.tail = MAX_HEADER;
    skb.buf.set(frame, MAX_HEADER);
    skb.tail = MAX_HEADER + len;
    skb.dev = dev;
    devQueueXmit(skb);
  }
  return n;
}

export interface VethTopo {
  k: Kernel;
  nsA: Net;
  nsB: Net;
  tx: NetDevice;
  rx: NetDevice;
  /** The kernel-level receiver, or null when the bench reads with a packet socket. */
  recv: CountingReceiver | null;
}

/** nsA veth0 <-> veth1 nsB, both up; a counting receiver on veth1 unless `withReceiver` is false. */
export function vethTopo(withReceiver = true, seed = 1): VethTopo {
  const k = createKernel({ seed });
  const nsA = k.newNet();
  const nsB = k.newNet();
  const r = vethCreate(nsA, { name: 'veth0', peerName: 'veth1', peerNet: nsB });
  check(Array.isArray(r), 'veth created');
  const [tx, rx] = r as [NetDevice, NetDevice];
  check(devOpen(tx) === 0 && devOpen(rx) === 0, 'veth up');
  const recv = withReceiver ? new CountingReceiver(rx) : null;
  return { k, nsA, nsB, tx, rx, recv };
}

/** Send one frame and check it arrived (guards against measuring a drop path). */
export function checkDelivers(tx: NetDevice, frame: Uint8Array, recv: CountingReceiver): void {
  const before = recv.count;
  sendFrames(tx, frame, 1);
  check(recv.count === before + 1, `a frame sent on ${tx.name} reaches the receiver`);
}

const nullStdio: Stdio = { write: () => {} };

function sll(protocol: number, ifindex: number, halen = 0): SockaddrLl {
  return { family: AF_PACKET, protocol, ifindex, hatype: 0, pktType: 0, addr: new Uint8Array(halen) };
}

/** Both ends in userspace: packet sockets on the sending and the receiving device. */
export class SocketEnds {
  readonly txTask: Task;
  readonly rxTask: Task;
  readonly txFd: number;
  readonly rxFd: number;
  received = 0;
  constructor(k: Kernel, tx: NetDevice, rx: NetDevice) {
    this.txTask = new Task(k, tx.net, nullStdio, nullStdio);
    this.rxTask = new Task(k, rx.net, nullStdio, nullStdio);
    this.txFd = sys.socket(this.txTask, AF_PACKET, SOCK_RAW, 0);
    sys.bind(this.txTask, this.txFd, sll(0, tx.ifindex));
    this.rxFd = sys.socket(this.rxTask, AF_PACKET, SOCK_RAW, ETH_P_BENCH);
    sys.bind(this.rxTask, this.rxFd, sll(ETH_P_BENCH, rx.ifindex));
  }

  /** Send `n` frames in batches of 64 (sendmmsg-like), draining the receiver after each. Returns n. */
  run(frame: Uint8Array, n: number): number {
    for (let i = 0; i < n; i += 64) {
      const m = n - i < 64 ? n - i : 64;
      for (let j = 0; j < m; j++) sys.send(this.txTask, this.txFd, frame);
      this.drain(m);
    }
    return n;
  }

  /** The receive buffer and source address recvfrom fills (preallocated, as the Linux helper's). */
  readonly rxBuf = new Uint8Array(2048);
  readonly rxAddr: SockaddrLl = sll(0, 0, 6);

  /**
   * Read up to `max` queued frames, stopping early at EAGAIN (what the Linux helper's
   * recvmmsg(BATCH, MSG_WAITFORONE) does). A batch's frames are all queued by the
   * time it is drained, so the steady state never pays for an EAGAIN (a thrown
   * SystemError costs microseconds).
   */
  drain(max = 64): void {
    const { rxTask, rxFd, rxBuf, rxAddr } = this;
    try {
      for (let i = 0; i < max; i++) {
        sys.recvfromNow(rxTask, rxFd, rxBuf, 0, rxAddr);
        this.received++;
      }
    } catch (e) {
      if ((e as SystemError).code !== 'EAGAIN') throw e;
    }
  }
}

export interface BridgeTopo extends VethTopo {
  nsC: Net;
  br: NetDevice;
}

function vethPair(a: Net, nameA: string, b: Net, nameB: string): [NetDevice, NetDevice] {
  const r = vethCreate(a, { name: nameA, peerName: nameB, peerNet: b });
  check(Array.isArray(r), `veth ${nameA} created`);
  return r as [NetDevice, NetDevice];
}

/**
 * nsA veth0 <-> veth1 [br0 in nsB] veth2 <-> veth3 nsC, all up, STP off (ports forward
 * at once). `tx` is veth0, `rx` is veth3; a counting receiver on veth3 unless disabled.
 * The bridge has not learned anything yet: see learnReceiver().
 */
export function bridgeTopo(withReceiver = true, seed = 1): BridgeTopo {
  const k = createKernel({ seed });
  const nsA = k.newNet();
  const nsB = k.newNet();
  const nsC = k.newNet();
  const br = brCreate(nsB, 'br0');
  check(typeof br !== 'number', 'bridge created');
  const brDev = br as NetDevice;
  const [tx, p0] = vethPair(nsA, 'veth0', nsB, 'veth1');
  const [p1, rx] = vethPair(nsB, 'veth2', nsC, 'veth3');
  check(brAddIf(brFromDev(brDev), p0, {}) === 0 && brAddIf(brFromDev(brDev), p1, {}) === 0, 'ports added');
  for (const d of [brDev, tx, p0, p1, rx]) check(devOpen(d) === 0, `${d.name} up`);
  const recv = withReceiver ? new CountingReceiver(rx) : null;
  return { k, nsA, nsB, nsC, tx, rx, recv, br: brDev };
}

/** One frame from the receiver's device toward the sender, so the bridge learns where the receiver is. */
export function learnReceiver(t: VethTopo): void {
  sendFrames(t.rx, benchFrame(t.tx.devAddr, t.rx.devAddr, FRAME_64), 1);
}

/** `tc qdisc add dev DEV root pfifo_fast`: the frames go through enqueue, qdisc_run, dequeue. */
export function attachPfifoFast(dev: NetDevice): void {
  const q = qdiscCreateDflt(dev, pfifoFastOps, TC_H_ROOT);
  check(q !== null, 'pfifo_fast created');
  q!.handle = 0x80010000;
  qdiscGraft(dev, q);
  check(dev.qdisc === q, 'pfifo_fast is the root qdisc');
}
