/**
 * Frames per second forwarded by a bridge: nsA veth0 -> veth1 [br0] veth2 ->
 * veth3 nsC, 64 B frames to a learned unicast MAC (br_handle_frame ->
 * br_fdb_find -> br_forward -> dev_queue_xmit on the egress port).
 * Waits for the bridge driver (src/drivers/bridge/).
 */
import type { BenchOptions, Figure } from './common.js';

export async function main(_opts: BenchOptions): Promise<Figure[]> {
  return [{ name: 'bridge_frames_64', value: NaN, unit: 'frames/s', note: 'bridge driver not available yet' }];
}
