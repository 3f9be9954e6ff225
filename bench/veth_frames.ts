/**
 * Frames per second through a veth pair between two namespaces, 64 B and
 * 1500 B frames (and 64 B with a pfifo_fast root qdisc on the sender, which
 * adds enqueue -> qdisc_run -> dequeue -> sch_direct_xmit), from a packet
 * socket's send() to a packet socket's recvfrom():
 * packet_snd (skb alloc + copy) -> dev_queue_xmit -> qdisc (veth's default is
 * noqueue, as on Linux) -> veth_xmit -> netif_rx -> backlog NAPI poll ->
 * __netif_receive_skb_core -> packet_rcv -> socket queue -> recvfrom. Linux
 * figure: the same path in the kernel of this machine (bench/linux.ts).
 * Also kernel-only figures (devQueueXmit to a counting packet_type, no
 * syscalls, no socket queue) and the heap bytes allocated per frame in steady
 * state on that path (the skb itself should be all of it).
 */
import { type BenchOptions, type Figure, rate, withLinux, check } from './common.js';
import { allocatedBytes } from './alloc.js';
import {
  FRAME_64, FRAME_1500, benchFrame, sendFrames, vethTopo, checkDelivers, SocketEnds, attachPfifoFast,
} from './topo.js';
import { linuxUnavailable, linuxVethFrames, cleanupHelper } from './linux.js';

const COUNT = 2_000_000;
const MAX_NS = 3e9;

export async function main(opts: BenchOptions): Promise<Figure[]> {
  const out: Figure[] = [];
  const why = opts.linux ? linuxUnavailable() : 'disabled (--no-linux)';
  const cases = [['veth_frames_64', FRAME_64, ''], ['veth_frames_1500', FRAME_1500, ''],
    ['veth_pfifo_fast_frames_64', FRAME_64, 'pfifo_fast']] as const;
  for (const [name, size, qdisc] of cases) {
    const t = vethTopo(false);
    if (qdisc) attachPfifoFast(t.tx);
    const frame = benchFrame(t.rx.devAddr, t.tx.devAddr, size);
    const ends = new SocketEnds(t.k, t.tx, t.rx);
    ends.run(frame, 1);
    check(ends.received === 1, 'a frame sent on the socket reaches the receiving socket');
    const v = rate(opts, (n) => ends.run(frame, n), COUNT, MAX_NS);
    check(t.rx.coreStats.rxDropped === 0 && t.tx.coreStats.txDropped === 0, 'no drops');
    let linux: number | null = null;
    let note = opts.linux && why ? why : undefined;
    if (!why) {
      try {
        linux = linuxVethFrames({
          size, count: Math.round(COUNT * 2 * opts.scale), maxMs: 2000, runs: opts.runs, warmup: 1,
        }, qdisc || undefined);
      } catch (e) {
        note = `linux: ${(e as Error).message.split('\n')[0]}`;
      }
    }
    out.push(withLinux({ name, value: v, unit: 'frames/s' }, linux, note));
  }
  cleanupHelper();

  for (const [name, size] of [['veth_kernel_frames_64', FRAME_64], ['veth_kernel_frames_1500', FRAME_1500]] as const) {
    const t = vethTopo();
    const frame = benchFrame(t.rx.devAddr, t.tx.devAddr, size);
    const recv = t.recv!;
    checkDelivers(t.tx, frame, recv);
    const before = recv.count;
    const v = rate(opts, (n) => sendFrames(t.tx, frame, n), COUNT, MAX_NS);
    check(recv.count > before, 'frames received');
    out.push({ name, value: v, unit: 'frames/s' });
  }

  // Steady-state allocation: warm path, then count heap bytes over many frames.
  const t = vethTopo();
  const frame = benchFrame(t.rx.devAddr, t.tx.devAddr, FRAME_64);
  sendFrames(t.tx, frame, 50_000);
  const n = 100_000;
  const bytes = allocatedBytes(() => sendFrames(t.tx, frame, n));
  out.push({ name: 'veth_heap_bytes_per_frame_64', value: bytes / n, unit: 'B/frame' });
  return out;
}
