/**
 * TSO on the send side: `iperf3 -c 10.0.0.2 -n N` over a default veth pair (TSO and
 * checksum offload on, as Linux's veth) with NETIF_F_TSO on and off on the sender.
 * Figure: bits per CPU-second of this process (both ends on the virtual clock), and
 * the skbs the receiver's IP layer saw. Run: `node dist/bench/tso.js [MiB] [runs]`.
 */
import type { Kernel } from '../src/core/net_namespace.js';
import { runLab } from '../src/tools/lab/lab.js';
import type { Stdio } from '../src/socket/task.js';
import { NETIF_F_TSO, featClear, featOr } from '../src/core/netdevice.js';
import { ipv4Net } from '../src/ipv4/netns_ipv4.js';
import { IPSTATS_MIB_INPKTS } from '../src/core/snmp.js';
import { cpuNs, median } from './common.js';
import { run } from './tcp_bulk.js';

const nullStdio: Stdio = { write: () => {} };

const TOPO = [
  'ip netns add tnxga', 'ip netns add tnxgb', 'ip link add veth-a netns tnxga type veth peer name veth-b netns tnxgb',
  'ip -n tnxga addr add 10.0.0.1/24 dev veth-a', 'ip -n tnxgb addr add 10.0.0.2/24 dev veth-b',
  'ip -n tnxga link set lo up', 'ip -n tnxgb link set lo up', 'ip -n tnxga link set veth-a up', 'ip -n tnxgb link set veth-b up',
].join('\n') + '\n';

async function main(): Promise<void> {
  const mib = Number(process.argv[2] ?? 64);
  const runs = Number(process.argv[3] ?? 3);
  let k: Kernel | null = null;
  await runLab({ file: 'tso.sh', source: TOPO, stdout: nullStdio, stderr: nullStdio, onKernel: (kk) => { k = kk; } });
  const kernel = k as unknown as Kernel;
  await kernel.sleep(2e9);
  const a = kernel.netnsNames.get('tnxga')!.devGetByName('veth-a')!;
  const ipmib = ipv4Net(kernel.netnsNames.get('tnxgb')!).mib.ip;
  for (const tso of [true, false, true, false]) {
    a.features = tso ? featOr(a.features, NETIF_F_TSO) : featClear(a.features, NETIF_F_TSO);
    const xs: number[] = [];
    const in0 = ipmib[IPSTATS_MIB_INPKTS]!;
    for (let i = 0; i < runs; i++) {
      const srv = run(kernel, 'tnxgb', 'iperf3 -s -1 -B 10.0.0.2');
      await kernel.sleep(1e8);
      const c0 = cpuNs();
      const cli = await run(kernel, 'tnxga', `iperf3 -c 10.0.0.2 -n ${mib << 20} -J`);
      const dt = cpuNs() - c0;
      await srv;
      if (cli.rc !== 0) throw new Error(cli.err);
      const j = JSON.parse(cli.out) as { end: { sum_received: { bytes: number } } };
      xs.push((j.end.sum_received.bytes * 8 * 1e9) / dt);
    }
    console.log(`tso ${tso ? 'on ' : 'off'}: ${(median(xs) / 1e9).toFixed(3)} Gbit/s per CPU-second (${xs.map((x) => (x / 1e9).toFixed(3)).join(' ')}), ` +
      `receiver IP InReceives (skbs) ${ipmib[IPSTATS_MIB_INPKTS]! - in0}`);
  }
}

await main();
