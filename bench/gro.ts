/**
 * GRO on link devices: is it worth it? Two namespaces joined by a pair of link devices
 * whose ports hand frames to each other in memory (a wire, MTU 1500, no offloads but
 * GRO), `iperf3 -c 10.0.0.2 -n N` from tnxga to `iperf3 -s -1` in tnxgb, with GRO on
 * and off on the receiver. Figure: bits moved per CPU-second of this process (both
 * ends and the whole stack run in it on the virtual clock), and the number of skbs the
 * receiver's IP layer saw. Run: `node dist/bench/gro.js [MiB] [runs] [on|off]`.
 */
import type { Kernel } from '../src/core/net_namespace.js';
import { runLab } from '../src/tools/lab/lab.js';
import type { Stdio } from '../src/socket/task.js';
import { type NetDevice, NETIF_F_GRO, featClear, featOr } from '../src/core/netdevice.js';
import { linkCreate, linkAttach, linkReceive, linkPriv } from '../src/drivers/link.js';
import { ipv4Net } from '../src/ipv4/netns_ipv4.js';
import { IPSTATS_MIB_INPKTS } from '../src/core/snmp.js';
import { cpuNs, median } from './common.js';
import { run } from './tcp_bulk.js';
import { SNMP4_NET_LIST, TCP_MIB_INSEGS, TCP_MIB_OUTSEGS, TCP_MIB_RETRANSSEGS } from '../src/core/snmp.js';

const nullStdio: Stdio = { write: () => {} };
let rxPollMs = 0;

async function topology(): Promise<{ k: Kernel; a: NetDevice; b: NetDevice }> {
  let k: Kernel | null = null;
  const st = await runLab({ file: 'gro.sh', source: 'ip netns add tnxga\nip netns add tnxgb\n', stdout: nullStdio, stderr: nullStdio, onKernel: (kk) => { k = kk; } });
  if (st !== 0) throw new Error('setup failed');
  const kernel = k as unknown as Kernel;
  const a = linkCreate(kernel.netnsNames.get('tnxga')!, { name: 'etha', ops: { driver: 'wire' } });
  const b = linkCreate(kernel.netnsNames.get('tnxgb')!, { name: 'ethb', ops: { driver: 'wire' } });
  if (typeof a === 'number' || typeof b === 'number') throw new Error('linkCreate');
  linkAttach(a, { transmit: (f) => (linkReceive(b, f), true), close: () => undefined });
  linkAttach(b, { transmit: (f) => (linkReceive(a, f), true), close: () => undefined });
  for (const [ns, dev, addr] of [['tnxga', 'etha', '10.0.0.1/24'], ['tnxgb', 'ethb', '10.0.0.2/24']] as const) {
    for (const l of [`ip addr add ${addr} dev ${dev}`, `ip link set ${dev} up`, 'ip link set lo up']) {
      const r = await run(kernel, ns, l);
      if (r.rc !== 0) throw new Error(`${l}: ${r.err}`);
    }
  }
  await kernel.sleep(2e9);
  // Time the receiver's NAPI poll: GRO, IP and TCP receive and the ACKs they send.
  // (With GRO off on ethb its frames go through the backlog, which only ethb uses: etha keeps GRO.)
  for (const napi of [linkPriv(b).napi!, kernel.softnet.backlog]) {
    const poll = napi.poll;
    napi.poll = (n, budget) => {
      const t0 = performance.now();
      const r = poll(n, budget);
      rxPollMs += performance.now() - t0;
      return r;
    };
  }
  return { k: kernel, a, b };
}

async function iperf(k: Kernel, bytes: number): Promise<{ bps: number; inReceives: number }> {
  const mib = ipv4Net(k.netnsNames.get('tnxgb')!).mib.ip;
  const in0 = mib[IPSTATS_MIB_INPKTS]!;
  const srv = run(k, 'tnxgb', 'iperf3 -s -1 -B 10.0.0.2');
  await k.sleep(1e8);
  const c0 = cpuNs();
  const cli = await run(k, 'tnxga', `iperf3 -c 10.0.0.2 -n ${bytes} -J`);
  const dt = cpuNs() - c0;
  await srv;
  if (cli.rc !== 0) throw new Error(cli.err);
  const j = JSON.parse(cli.out) as { end: { sum_received: { bytes: number } } };
  return { bps: (j.end.sum_received.bytes * 8 * 1e9) / dt, inReceives: mib[IPSTATS_MIB_INPKTS]! - in0 };
}

async function main(): Promise<void> {
  const mib = Number(process.argv[2] ?? 64);
  const runs = Number(process.argv[3] ?? 3);
  const modes = process.argv[4] === 'on' ? [true, true] : process.argv[4] === 'off' ? [false, false] : [true, false, true, false];
  const { k, b } = await topology();
  for (const gro of modes) {
    b.features = gro ? featOr(b.features, NETIF_F_GRO) : featClear(b.features, NETIF_F_GRO);
    const xs: number[] = [];
    let inr = 0;
    const p0 = rxPollMs;
    const m0 = linkPriv(b).gro.merged;
    for (let i = 0; i < runs; i++) {
      const r = await iperf(k, mib << 20);
      xs.push(r.bps);
      inr += r.inReceives;
    }
    const merged = linkPriv(b).gro.merged - m0;
    if (process.env.GRO_DEBUG) {
      for (const ns of ['tnxga', 'tnxgb']) {
        const m = ipv4Net(k.netnsNames.get(ns)!).mib;
        const parts: string[] = [];
        for (const [n, i] of SNMP4_NET_LIST) if (m.net[i]) parts.push(`${n}=${m.net[i]}`);
        for (const [n, i] of [['InSegs', TCP_MIB_INSEGS], ['OutSegs', TCP_MIB_OUTSEGS], ['Retrans', TCP_MIB_RETRANSSEGS]] as const) parts.push(`${n}=${m.tcp[i]}`);
        console.log(ns, parts.join(' '));
      }
    }
    console.log(`gro ${gro ? 'on ' : 'off'}: ${(median(xs) / 1e9).toFixed(3)} Gbit/s per CPU-second (${xs.map((x) => (x / 1e9).toFixed(3)).join(' ')}), ` +
      `receiver IP InReceives (skbs) ${inr}, segments merged away ${merged}, receiver softirq ` +
      `${((rxPollMs - p0) / (runs * mib)).toFixed(2)} ms/MiB`);
  }
}

await main();
