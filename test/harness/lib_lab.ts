/**
 * The two-namespace lab of the library tests (test/api, test/node, test/lab): namespaces
 * `a` and `b` joined by a veth pair, va 10.0.0.1/24 in a and vb 10.0.0.2/24 in b, both up.
 */
import assert from 'node:assert/strict';
import { Kernel, type KernelOptions, type Netns } from '../../src/index.js';

/** The lab's setup as one `kernel.sh()` line (it runs unchanged on Linux as root). */
export const VETH = 'ip netns add a; ip netns add b; ip link add va netns a type veth peer name vb netns b; ' +
  'ip -n a addr add 10.0.0.1/24 dev va; ip -n a link set va up; ip -n b addr add 10.0.0.2/24 dev vb; ip -n b link set vb up';

/** 10.0.0.1 and 10.0.0.2 as host-order u32s (the syscalls' sockaddr `addr`). */
export const IP_A = (10 << 24 | 1) >>> 0;
export const IP_B = (10 << 24 | 2) >>> 0;

/** A new Kernel (seed 3 unless `opts` says otherwise) with the lab set up, and its two namespaces. */
export async function twoNamespaces(opts: KernelOptions = {}): Promise<{ kernel: Kernel; a: Netns; b: Netns }> {
  const kernel = new Kernel({ seed: 3, ...opts });
  const r = await kernel.sh(VETH);
  assert.equal(r.status, 0, r.output);
  return { kernel, a: kernel.netns('a'), b: kernel.netns('b') };
}
