/**
 * The packet path never throws: random frames arriving from a wire on a bridge
 * port (through learning, flooding, netem and packet-socket taps) are delivered,
 * forwarded or dropped with a counted reason, and the kernel keeps working.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { runLab } from '../src/tools/lab/lab.js';
import { BufferStdio } from '../src/tools/tool.js';
import type { Kernel } from '../src/core/net_namespace.js';
import { ethReceiveFrame } from '../src/ethernet/eth.js';
import { Task } from '../src/socket/task.js';
import * as sys from '../src/socket/syscalls.js';
import { AF_PACKET, SOCK_RAW } from '../src/socket/socket.js';
import { ETH_P_ALL } from '../src/core/dev.js';

test('property: random frames into a bridge port never throw; every frame is accounted for', async () => {
  let k: Kernel | null = null;
  const out = new BufferStdio();
  const err = new BufferStdio();
  const script = [
    'ip netns add tnxf1',
    'ip -n tnxf1 link add br0 type bridge',
    'ip -n tnxf1 link add p1 type veth peer name h1',
    'ip -n tnxf1 link add p2 type veth peer name h2',
    'ip -n tnxf1 link set p1 master br0',
    'ip -n tnxf1 link set p2 master br0',
    'tc -n tnxf1 qdisc add dev p2 root netem delay 1ms loss 10% duplicate 5% corrupt 5% reorder 10%',
    'ip -n tnxf1 link set br0 up',
    'ip -n tnxf1 link set p1 up',
    'ip -n tnxf1 link set p2 up',
    'ip -n tnxf1 link set h1 up',
    'ip -n tnxf1 link set h2 up',
    'sleep 1',
  ].join('\n') + '\n';
  const status = await runLab({ file: 'fuzz.sh', source: script, stdout: out, stderr: err, onKernel: (kk) => { k = kk; } });
  assert.equal(status, 0, err.text);
  const kernel = k as unknown as Kernel;
  const ns = kernel.netnsNames.get('tnxf1')!;
  const h1 = ns.devGetByName('h1')!;
  const p1 = ns.devGetByName('p1')!;
  const h2 = ns.devGetByName('h2')!;
  const macs = [h1.devAddr, h2.devAddr, new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), new Uint8Array([0x01, 0x80, 0xc2, 0, 0, 0])];
  // A packet socket on h2 sees what crosses the bridge.
  const task = new Task(kernel, ns, err, err, 99);
  const fd = sys.socket(task, AF_PACKET, SOCK_RAW, ETH_P_ALL);
  sys.bind(task, fd, { family: AF_PACKET, protocol: ETH_P_ALL, ifindex: h2.ifindex, hatype: 0, pktType: 0, addr: new Uint8Array(8) });
  let sent = 0;
  fc.assert(fc.property(
    fc.uint8Array({ minLength: 0, maxLength: 1600, size: 'max' }), fc.nat(3), fc.nat(3), fc.integer({ min: 0, max: 0xffff }),
    (body, d, s, type) => {
      const frame = body.slice();
      if (frame.length >= 14) {
        frame.set(macs[d]!, 0);
        if (s < 2) frame.set(macs[s]!, 6);
        frame[12] = type >> 8;
        frame[13] = type & 0xff;
      }
      // A frame arriving on bridge port p1 from its wire (as a NIC driver would hand it in).
      kernel.sched.localBhDisable();
      ethReceiveFrame(p1, frame);
      kernel.sched.localBhEnable();
      sent++;
      return true;
    }), { numRuns: 500, seed: 11 });
  await kernel.sleep(2e9);
  assert.ok(sent === 500);
  const s = p1.stats;
  assert.equal(s.rxPackets + s.rxLengthErrors, 500, 'every frame was received or counted as a length error');
  let seen = 0;
  while (sys.recvmsgNow(task, fd)) seen++;
  const p2 = ns.devGetByName('p2')!;
  const drops = [...ns.dropCounts.entries()].filter(([, v]) => v > 0).map(([r, v]) => `${r}:${v}`).join(' ');
  assert.ok(seen > 0, `frames crossed the bridge to h2 (p2 tx ${p2.stats.txPackets}, h2 rx ${h2.stats.rxPackets}, drops ${drops})`);
  // The kernel still answers: a dump through ip works.
  const o2 = new BufferStdio();
  const st2 = await runLab({ file: 'after.sh', source: 'ip -br link\n', stdout: o2, stderr: err });
  assert.equal(st2, 0);
});
