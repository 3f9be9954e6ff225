/**
 * Frames per second forwarded by a bridge: nsA veth0 -> veth1 [br0 in nsB]
 * veth2 -> veth3 nsC, 64 B frames to the receiver's (learned) MAC:
 * packet_snd -> veth -> netif_rx -> backlog -> br_handle_frame (learning,
 * br_fdb_find) -> br_forward -> dev_queue_xmit on veth2 -> veth -> netif_rx ->
 * backlog -> packet_rcv -> recvfrom. Linux figure: the same topology in the
 * kernel of this machine (bench/linux.ts). Also the kernel-only figure and the
 * heap bytes allocated per forwarded frame.
 */
import { type BenchOptions, type Figure, rate, withLinux, check } from './common.js';
import { allocatedBytes } from './alloc.js';
import { FRAME_64, benchFrame, sendFrames, bridgeTopo, learnReceiver, checkDelivers, SocketEnds } from './topo.js';
import { linuxUnavailable, linuxBridgeFrames, cleanupHelper } from './linux.js';

const COUNT = 1_000_000;
const MAX_NS = 3e9;

export async function main(opts: BenchOptions): Promise<Figure[]> {
  const out: Figure[] = [];
  const why = opts.linux ? linuxUnavailable() : 'disabled (--no-linux)';
  {
    const t = bridgeTopo(false);
    const frame = benchFrame(t.rx.devAddr, t.tx.devAddr, FRAME_64);
    const ends = new SocketEnds(t.k, t.tx, t.rx);
    learnReceiver(t);
    ends.run(frame, 1);
    check(ends.received === 1, 'a frame sent on the socket crosses the bridge to the receiving socket');
    const v = rate(opts, (n) => ends.run(frame, n), COUNT, MAX_NS);
    let linux: number | null = null;
    let note = opts.linux && why ? why : undefined;
    if (!why) {
      try {
        linux = linuxBridgeFrames({
          size: FRAME_64, count: Math.round(COUNT * 4 * opts.scale), maxMs: 2000, runs: opts.runs, warmup: 1,
        });
      } catch (e) {
        note = `linux: ${(e as Error).message.split('\n')[0]}`;
      } finally {
        cleanupHelper();
      }
    }
    out.push(withLinux({ name: 'bridge_frames_64', value: v, unit: 'frames/s' }, linux, note));
  }
  {
    const t = bridgeTopo();
    const recv = t.recv!;
    const frame = benchFrame(t.rx.devAddr, t.tx.devAddr, FRAME_64);
    learnReceiver(t);
    checkDelivers(t.tx, frame, recv);
    out.push({ name: 'bridge_kernel_frames_64', value: rate(opts, (n) => sendFrames(t.tx, frame, n), COUNT, MAX_NS), unit: 'frames/s' });
    sendFrames(t.tx, frame, 20_000);
    const n = 50_000;
    const bytes = allocatedBytes(() => sendFrames(t.tx, frame, n));
    out.push({ name: 'bridge_heap_bytes_per_frame_64', value: bytes / n, unit: 'B/frame' });
  }
  return out;
}
