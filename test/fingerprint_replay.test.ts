/**
 * Fingerprint fidelity in process (issue 5 item 5, without root): the frames nmap -O
 * sent to a Linux 6.18 kernel host (test/fixtures/fingerprint/probes.pcap, recorded by
 * make_baseline.sh: SYN scan, SEQ/OPS/WIN probes, ECN, T2-T7, U1, IE) are replayed at
 * their recorded times into a tuxnet host with the same address, MAC, MTU, sysctls and
 * ports (TCP 8080 listening, 8081 closed, UDP 40125 closed), on the virtual clock. Each
 * answer is compared with the kernel's answer to the same probe, field by field as
 * nmap's tests and p0f read them (describeAnswer: flags, window, options, seq/ack
 * relations, DF, TTL, IP id zero or not, ICMP quoting), random values masked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createKernel } from '../src/index.js';
import type { Kernel, Net } from '../src/core/net_namespace.js';
import { linkCreate, linkAttach, linkReceive, type LinkPort } from '../src/drivers/link.js';
import { Task } from '../src/socket/task.js';
import * as sys from '../src/socket/syscalls.js';
import { AF_INET, SOCK_STREAM } from '../src/socket/socket.js';
import { programs } from '../src/tools/registry.js';
import { BufferStdio } from '../src/tools/tool.js';
import type { NetDevice } from '../src/core/netdevice.js';
import { readPcap } from '../src/tools/pcap.js';
import {
  exchanges, describeAnswer, describeProbe, withChecksums, fingerprintProfiles, type FingerprintProfile,
} from './harness/fingerprint.js';

class CapturePort implements LinkPort {
  sent: Uint8Array[] = [];
  transmit(frame: Uint8Array): boolean {
    this.sent.push(frame.slice());
    return true;
  }
  close(): void {}
}

async function run(k: Kernel, net: Net, line: string | string[]): Promise<void> {
  const argv = typeof line === 'string' ? line.split(' ') : line;
  const o = new BufferStdio();
  const e = new BufferStdio();
  const task = new Task(k, net, o, e);
  const rc = await programs.get(argv[0]!)!({ task, argv, stdout: o, stderr: e, env: {}, exec: async () => 127 });
  sys.exitTask(task);
  assert.equal(rc, 0, `${line}: ${e.text}`);
}

/** ARP requests the target sends on its own (neighbour probes) are not answers to a probe. */
function answersProbe(frame: Uint8Array): boolean {
  return !(frame[12] === 0x08 && frame[13] === 0x06 && frame[21] === 1);
}

function isEchoReply(frame: Uint8Array): boolean {
  return frame[12] === 0x08 && frame[13] === 0x00 && frame[23] === 1 && frame[14 + (frame[14]! & 15) * 4] === 0;
}

const ipId = (frame: Uint8Array): number => (frame[18]! << 8) | frame[19]!;

interface Replayed {
  probe: string;
  kernel: string[];
  tuxnet: string[];
  kernelIds: number[];
  tuxnetIds: number[];
  /** SYN+ACKs' TSval minus the probe's time (ms): the connection's timestamp offset, to a few ms. */
  kernelClocks: number[];
  tuxnetClocks: number[];
}

/** A SYN+ACK's TSval less `atNs` in ms, in units of 10 s (so a shared clock gives one value), or null. */
function tsClock(frame: Uint8Array, atNs: number): number | null {
  if (frame[12] !== 0x08 || frame[13] !== 0 || frame[23] !== 6) return null;
  const th = 14 + (frame[14]! & 15) * 4;
  if ((frame[th + 13]! & 0x12) !== 0x12) return null;
  const doff = (frame[th + 12]! >> 4) * 4;
  for (let i = 20; i < doff;) {
    const kind = frame[th + i]!;
    if (kind === 0) break;
    if (kind === 1) {
      i++;
      continue;
    }
    if (kind === 8) {
      const val = ((frame[th + i + 2]! << 24) | (frame[th + i + 3]! << 16) | (frame[th + i + 4]! << 8) | frame[th + i + 5]!) >>> 0;
      return Math.floor((((val - Math.floor(atNs / 1e6)) >>> 0) + 5000) / 10000);
    }
    i += Math.max(2, frame[th + i + 1]!);
  }
  return null;
}

/** Replay the capture into a fresh tuxnet host; returns per-exchange [kernel answers, tuxnet answers]. */
async function host(targetMac: Uint8Array, profile: FingerprintProfile): Promise<{ k: Kernel; net: Net; dev: NetDevice; port: CapturePort; task: Task }> {
  const k = createKernel({ seed: 5 });
  const net = k.initNet;
  const dev = linkCreate(net, { name: 'eth0', ops: { driver: 'fp' }, address: targetMac, mtu: 1500 });
  assert.ok(typeof dev !== 'number');
  const port = new CapturePort();
  linkAttach(dev, port);
  await run(k, net, 'ip link set lo up');
  await run(k, net, 'ip link set eth0 up');
  await run(k, net, 'ip addr add 10.99.5.2/24 dev eth0');
  await run(k, net, `ip link set eth0 mtu ${profile.mtu}`);
  for (const kv of profile.sysctls) await run(k, net, ['sysctl', '-q', '-w', kv]);
  const task = new Task(k, net, new BufferStdio(), new BufferStdio());
  const lfd = sys.socket(task, AF_INET, SOCK_STREAM);
  sys.bind(task, lfd, { family: AF_INET, addr: 0, port: 8080 });
  sys.listen(task, lfd, 5);
  port.sent = [];
  return { k, net, dev, port, task };
}

/** The capture's frames; the first frame is the scanner's (nmap's ARP, p0f's SYN is the target's). */
function capture(profile: FingerprintProfile, name: string): { frames: Uint8Array[]; pcap: Uint8Array } {
  const b = readFileSync(join(profile.dir, name));
  const pcap = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  return { pcap, frames: readPcap(pcap).packets.map((p) => p.data) };
}

async function replay(profile: FingerprintProfile): Promise<Replayed[]> {
  const { pcap, frames } = capture(profile, 'probes.pcap');
  const scannerMac = frames[0]!.slice(6, 12);
  const ex = exchanges(pcap, scannerMac);
  const targetMac = ex.find((e) => e.answers.length > 0)!.answers[0]!.slice(6, 12);
  const { k, dev, port, task } = await host(targetMac, profile);

  const out: Replayed[] = [];
  let now = 0;
  for (const e of ex) {
    if (e.at > now) await k.sleep(e.at - now);
    now = Math.max(now, e.at);
    port.sent = [];
    k.sched.localBhDisable();
    linkReceive(dev, e.probe);
    k.sched.localBhEnable();
    // Let delayed answers (timers) come before the next probe's time.
    await k.sleep(1000);
    now += 1000;
    out.push({
      probe: describeProbe(e.probe),
      kernel: e.answers.filter(answersProbe).map((a) => describeAnswer(e.probe, a)),
      tuxnet: port.sent.filter(answersProbe).map((a) => describeAnswer(e.probe, a)),
      kernelIds: e.answers.filter(isEchoReply).map(ipId),
      tuxnetIds: port.sent.filter(isEchoReply).map(ipId),
      kernelClocks: e.answers.map((a) => tsClock(a, e.at)).filter((c) => c !== null),
      tuxnetClocks: port.sent.map((a) => tsClock(a, e.at)).filter((c) => c !== null),
    });
  }
  sys.exitTask(task);
  return out;
}

const profiles = fingerprintProfiles();

test('the baseline has its profiles', () => {
  assert.ok(profiles.some((p) => p.name === 'default'), 'test/fixtures/fingerprint/profile.txt');
});

for (const profile of profiles) {
  const desc = `${profile.name}: MTU ${profile.mtu}${profile.sysctls.map((x) => `, ${x}`).join('')}`;

  test(`nmap -O probes replayed (${desc}): tuxnet answers each as the Linux kernel did`, async () => {
    const res = await replay(profile);
    const diffs: string[] = [];
    for (const r of res) {
      if (r.kernel.join('\n') !== r.tuxnet.join('\n')) {
        diffs.push(`probe ${r.probe}\n  linux : ${r.kernel.join('\n          ') || '(nothing)'}\n  tuxnet: ${r.tuxnet.join('\n          ') || '(nothing)'}`);
      }
    }
    assert.equal(diffs.length, 0, `${diffs.length} answers differ:\n${diffs.join('\n')}`);
    // SEQ's II: the two IE echo replies of a round carry non-zero IP ids that grow by
    // a small step (nmap: "I", incremental), as Linux's per-destination ip_idents do.
    const steps = (ids: number[]): string[] => {
      const s: string[] = [];
      for (let i = 0; i + 1 < ids.length; i += 2) {
        const d = (ids[i + 1]! - ids[i]! + 65536) % 65536;
        s.push(ids[i] === 0 ? 'zero' : d >= 1 && d < 10 ? 'incremental' : `step ${d}`);
      }
      return s;
    };
    const kIds = res.flatMap((r) => r.kernelIds);
    const tIds = res.flatMap((r) => r.tuxnetIds);
    assert.deepEqual(steps(tIds), steps(kIds), `echo reply ids: tuxnet ${tIds.join(',')} linux ${kIds.join(',')}`);
    // SEQ's TS: Linux 6.18 keys the timestamp offset on the 4-tuple (secure_tcp_seq_and_ts_off),
    // so SYN+ACKs to different source ports share no clock; nmap cannot compute a rate.
    const kClocks = new Set(res.flatMap((r) => r.kernelClocks));
    const tClocks = new Set(res.flatMap((r) => r.tuxnetClocks));
    // (With tcp_timestamps=2 there is no offset at all: one clock on both.)
    assert.equal(tClocks.size, kClocks.size, `timestamp offsets: tuxnet ${[...tClocks].join(',')} linux ${[...kClocks].join(',')}`);
  });

  test(`p0f (${desc}): tuxnet's SYN (as a client) and SYN+ACK (as a server) carry the fields of the kernel's`, async () => {
    // p0f.pcap: [0] the kernel's SYN to 10.99.5.1:9000, [1] its SYN+ACK, [2] a Linux client's
    // SYN to the kernel's port 8080, [3] the kernel's SYN+ACK.
    const { frames } = capture(profile, 'p0f.pcap');
    const kernelSyn = frames[0]!;
    const peerMac = frames[1]!.slice(6, 12);
    const targetMac = kernelSyn.slice(6, 12);
    const { k, net, dev, port, task } = await host(targetMac, profile);
    const mac = Array.from(peerMac, (x) => x.toString(16).padStart(2, '0')).join(':');
    await run(k, net, `ip neigh replace 10.99.5.1 lladdr ${mac} dev eth0`);
    port.sent = [];

    // SYN+ACK: the Linux client's SYN replayed.
    k.sched.localBhDisable();
    linkReceive(dev, withChecksums(frames[2]!));
    k.sched.localBhEnable();
    await k.sleep(1000);
    const synack = port.sent.filter(answersProbe).map((a) => describeAnswer(frames[2]!, a));
    assert.deepEqual(synack, [describeAnswer(frames[2]!, frames[3]!)]);

    // SYN: tuxnet connects out (no answer comes: the SYN is all p0f needs).
    port.sent = [];
    const fd = sys.socket(task, AF_INET, SOCK_STREAM);
    // One attempt (the SYN goes out; EINPROGRESS as a non-blocking connect would say).
    assert.throws(() => sys.connectNow(task, fd, { family: AF_INET, addr: 0x0a630501, port: 9000 }), /EINPROGRESS/);
    await k.sleep(1000);
    const syns = port.sent.filter((f) => f[12] === 0x08 && f[13] === 0 && f[23] === 6);
    assert.ok(syns.length >= 1, 'tuxnet sent a SYN');
    // Described against a zero probe: the relations (seq, ack) read as from nothing.
    const none = new Uint8Array(74);
    none[12] = 8;
    none[14] = 0x45;
    none[14 + 12] = 0x50;
    const mask = (d: string): string => d.replace(/tcp \d+>9000/, 'tcp PORT>9000');
    assert.equal(mask(describeAnswer(none, syns[0]!)), mask(describeAnswer(none, kernelSyn)));
    sys.exitTask(task);
  });
}
