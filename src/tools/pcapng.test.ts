import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testKernel, ethFrame, txSkb, BCAST } from '../../test/harness/kernel.js';
import { vethCreate } from '../drivers/veth.js';
import { devOpen, devQueueXmit } from '../core/dev.js';
import { mountNetns } from '../socket/syscalls.js';
import { Task } from '../socket/task.js';
import { BufferStdio } from './tool.js';
import {
  PcapngWriter, readPcapng, LINKTYPE_ETHERNET, EPB_DIR_INBOUND, EPB_DIR_OUTBOUND, EPB_RX_BROADCAST, EPB_RX_UNICAST,
} from './pcapng.js';
import { attachCapture } from './capture_session.js';
import { startCapture } from './capture.js';

function hasTshark(): boolean {
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const n = chunks.reduce((a, c) => a + c.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

test('pcapng writer: golden bytes of SHB, IDB and EPB', () => {
  const chunks: Uint8Array[] = [];
  const w = new PcapngWriter((c) => chunks.push(c.slice()));
  const id = w.addInterface({ linktype: 1, snaplen: 65535, name: 'a/b' });
  w.writePacket(id, 0x0000000100000002n, Uint8Array.of(1, 2, 3, 4, 5), 5, EPB_DIR_OUTBOUND);
  assert.equal(chunks.length, 3);
  // SHB: type, len 28, BOM, 1.0, section length -1, trailing len.
  assert.deepEqual([...chunks[0]!], [
    0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 28, 0, 0, 0,
  ]);
  // IDB: type 1, len, linktype 1, reserved, snaplen, if_name "a/b" (padded), if_tsresol 9, end.
  assert.deepEqual([...chunks[1]!], [
    1, 0, 0, 0, 40, 0, 0, 0, 1, 0, 0, 0, 0xff, 0xff, 0, 0,
    2, 0, 3, 0, 0x61, 0x2f, 0x62, 0,
    9, 0, 1, 0, 9, 0, 0, 0,
    0, 0, 0, 0, 40, 0, 0, 0,
  ]);
  // EPB: type 6, len 52, if 0, ts hi 1, ts lo 2, caplen 5, len 5, data padded to 8, epb_flags 2, end, len.
  assert.deepEqual([...chunks[2]!], [
    6, 0, 0, 0, 52, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 5, 0, 0, 0, 5, 0, 0, 0,
    1, 2, 3, 4, 5, 0, 0, 0,
    2, 0, 4, 0, 2, 0, 0, 0, 0, 0, 0, 0, 52, 0, 0, 0,
  ]);
  const f = readPcapng(concat(chunks));
  assert.equal(f.interfaces[0]!.name, 'a/b');
  assert.equal(f.interfaces[0]!.unitsPerSec, 1000000000n);
  assert.equal(f.packets[0]!.tsNs, 0x0000000100000002n);
  assert.deepEqual([...f.packets[0]!.data], [1, 2, 3, 4, 5]);
  assert.equal(f.packets[0]!.flags, EPB_DIR_OUTBOUND);
});

test('pcapng reader rejects a bad trailing length', () => {
  const chunks: Uint8Array[] = [];
  new PcapngWriter((c) => chunks.push(c.slice()));
  const b = concat(chunks);
  b[b.length - 4] = 99;
  assert.throws(() => readPcapng(b), RangeError);
});

/** Two namespaces h1/h2 joined by a veth; frames both ways. Returns the captured files. */
function runLab(): Map<string, Uint8Array> {
  const k = testKernel(7);
  const files = new Map<string, Uint8Array[]>();
  const cap = attachCapture(k, {
    openFile: (name) => {
      const chunks: Uint8Array[] = [];
      files.set(name, chunks);
      return { write: (c) => chunks.push(c.slice()), close: () => {} };
    },
  });
  const task = new Task(k, k.initNet, new BufferStdio(), new BufferStdio());
  const h1 = k.newNet();
  const h2 = k.newNet();
  mountNetns(task, '/run/netns/h1', h1);
  mountNetns(task, '/run/netns/h2', h2);
  const r = vethCreate(h1, { name: 'veth0', peerName: 'veth1', peerNet: h2 });
  assert.ok(Array.isArray(r));
  const [a, b] = r;
  devOpen(a);
  devOpen(b);
  devQueueXmit(txSkb(a, ethFrame(BCAST, a.devAddr, 0x88b5, 46)));
  devQueueXmit(txSkb(b, ethFrame(a.devAddr, b.devAddr, 0x88b5, 100)));
  k.settle();
  void cap.stop();
  const out = new Map<string, Uint8Array>();
  for (const [n, c] of files) out.set(n, concat(c));
  return out;
}

test('capture: one file per device, names <ns>-<dev>, directions, reproducible', () => {
  const f1 = runLab();
  assert.deepEqual([...f1.keys()].sort(), ['h1-lo.pcapng', 'h1-veth0.pcapng', 'h2-lo.pcapng', 'h2-veth1.pcapng', 'init-lo.pcapng']);
  const v0 = readPcapng(f1.get('h1-veth0.pcapng')!);
  assert.equal(v0.interfaces.length, 1);
  assert.equal(v0.interfaces[0]!.name, 'h1/veth0');
  assert.equal(v0.interfaces[0]!.linktype, LINKTYPE_ETHERNET);
  assert.deepEqual(v0.packets.map((p) => [p.flags, p.data.length]), [[EPB_DIR_OUTBOUND, 60], [EPB_DIR_INBOUND | EPB_RX_UNICAST, 114]]);
  const v1 = readPcapng(f1.get('h2-veth1.pcapng')!);
  assert.deepEqual(v1.packets.map((p) => p.flags), [EPB_DIR_INBOUND | EPB_RX_BROADCAST, EPB_DIR_OUTBOUND]);
  assert.ok(v1.packets[0]!.tsNs >= 1_700_000_000_000_000_000n);
  assert.equal(readPcapng(f1.get('init-lo.pcapng')!).packets.length, 0);
  const f2 = runLab();
  for (const [n, bytes] of f1) assert.deepEqual(f2.get(n), bytes, `${n} differs between runs`);
});

test('startCapture writes files that tshark reads without malformed packets', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tnx-cap-'));
  try {
    const k = testKernel(3);
    const cap = startCapture(k, dir);
    const r = vethCreate(k.initNet, { name: 'veth0', peerName: 'veth1' });
    assert.ok(Array.isArray(r));
    devOpen(r[0]);
    devOpen(r[1]);
    // An ARP request: 28 bytes of ARP after the Ethernet header, padded to 60.
    const arp = Uint8Array.of(0, 1, 8, 0, 6, 4, 0, 1, ...r[0].devAddr, 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 10, 0, 0, 2,
      ...new Array<number>(18).fill(0));
    devQueueXmit(txSkb(r[0], ethFrame(BCAST, r[0].devAddr, 0x0806, arp)));
    k.settle();
    await cap.stop();
    assert.deepEqual(readdirSync(dir).sort(), ['init-lo.pcapng', 'init-veth0.pcapng', 'init-veth1.pcapng']);
    const f = readPcapng(new Uint8Array(readFileSync(join(dir, 'init-veth1.pcapng'))));
    assert.equal(f.packets.length, 1);
    if (!hasTshark()) {
      t.diagnostic('tshark not installed: skipping the tshark audit');
      return;
    }
    const file = join(dir, 'init-veth1.pcapng');
    const out = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.interface_name', '-e', '_ws.malformed',
      '-e', 'arp.opcode', '-e', 'frame.p2p_dir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    assert.equal(out.trim(), 'init/veth1\t\t1\t1');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
