/**
 * Frames per second through a veth pair between two namespaces, 64 B and
 * 1500 B frames: skb alloc + copy (packet_snd) -> dev_queue_xmit -> qdisc
 * (veth's default is noqueue, as on Linux) -> veth_xmit -> netif_rx -> backlog
 * NAPI poll -> __netif_receive_skb_core -> the receiving packet_type.
 * Also: heap bytes allocated per frame in steady state (the skb itself should
 * be all of it). Linux figure: the same path in the kernel of this machine
 * (bench/linux.ts).
 */
import { type BenchOptions, type Figure, rate, withLinux, check } from './common.js';
import { allocatedBytes } from './alloc.js';
import { FRAME_64, FRAME_1500, benchFrame, sendFrames, vethTopo, checkDelivers } from './topo.js';
import { linuxUnavailable, linuxVethFrames, cleanupHelper } from './linux.js';

const COUNT = 2_000_000;
const MAX_NS = 3e9;

export async function main(opts: BenchOptions): Promise<Figure[]> {
  const out: Figure[] = [];
  const why = opts.linux ? linuxUnavailable() : 'disabled (--no-linux)';
  for (const [name, size] of [['veth_frames_64', FRAME_64], ['veth_frames_1500', FRAME_1500]] as const) {
    const t = vethTopo();
    const frame = benchFrame(t.rx.devAddr, t.tx.devAddr, size);
    checkDelivers(t.tx, frame, t.recv);
    const before = t.recv.count;
    const v = rate(opts, (n) => sendFrames(t.tx, frame, n), COUNT, MAX_NS);
    check(t.recv.count > before, 'frames received');
    check(t.rx.coreStats.rxDropped === 0 && t.tx.coreStats.txDropped === 0, 'no drops');
    let linux: number | null = null;
    let note = why ?? undefined;
    if (!why) {
      try {
        linux = linuxVethFrames({
          size, count: Math.round(COUNT * 2 * opts.scale), maxMs: 2000, runs: opts.runs, warmup: 1,
        });
      } catch (e) {
        note = `linux: ${(e as Error).message.split('\n')[0]}`;
      }
    }
    out.push(withLinux({ name, value: v, unit: 'frames/s' }, linux, note));
  }
  if (!why) cleanupHelper();

  // Steady-state allocation: warm path, then count heap bytes over many frames.
  const t = vethTopo();
  const frame = benchFrame(t.rx.devAddr, t.tx.devAddr, FRAME_64);
  sendFrames(t.tx, frame, 50_000);
  const n = 100_000;
  const bytes = allocatedBytes(() => sendFrames(t.tx, frame, n));
  out.push({ name: 'veth_heap_bytes_per_frame_64', value: bytes / n, unit: 'B/frame' });
  return out;
}
