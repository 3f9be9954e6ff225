/**
 * /proc/net/dev and /proc/net/softnet_stat (Linux: net/core/net-procfs.c
 * dev_seq_show(), softnet_seq_show()), registered in the kernel's proc table at
 * boot. One softnet line: tuxnet runs one "CPU".
 */
import type { Kernel, Net } from './net_namespace.js';
import type { NetDevice } from './netdevice.js';
import { devGetStats } from './dev.js';
import { procFilesOf } from '../socket/syscalls.js';

const pad = (v: number, w: number): string => String(v).padStart(w);

/** Linux: dev_seq_printf_stats(). */
function devSeqPrintfStats(dev: NetDevice): string {
  const s = devGetStats(dev);
  return `${dev.name.padStart(6)}: ${pad(s.rxBytes, 7)} ${pad(s.rxPackets, 7)} ${pad(s.rxErrors, 4)} ` +
    `${pad(s.rxDropped + s.rxMissedErrors, 4)} ${pad(s.rxFifoErrors, 4)} ` +
    `${pad(s.rxLengthErrors + s.rxOverErrors + s.rxCrcErrors + s.rxFrameErrors, 5)} ${pad(s.rxCompressed, 10)} ` +
    `${pad(s.multicast, 9)} ${pad(s.txBytes, 8)} ${pad(s.txPackets, 7)} ${pad(s.txErrors, 4)} ${pad(s.txDropped, 4)} ` +
    `${pad(s.txFifoErrors, 4)} ${pad(s.collisions, 5)} ` +
    `${pad(s.txCarrierErrors + s.txAbortedErrors + s.txWindowErrors + s.txHeartbeatErrors, 7)} ${pad(s.txCompressed, 10)}\n`;
}

/** Linux: dev_seq_show() over every device of the namespace. */
export function procNetDev(net: Net): string {
  let out = 'Inter-|   Receive                                                |  Transmit\n' +
    ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n';
  for (const dev of net.devices) out += devSeqPrintfStats(dev);
  return out;
}

const hex8 = (v: number): string => (v >>> 0).toString(16).padStart(8, '0');

/** Linux: softnet_seq_show() (6.1 layout: 13 columns, the last the CPU index). */
export function procSoftnetStat(net: Net): string {
  const sd = net.kernel.softnet;
  const cols = [sd.processed, sd.dropped, sd.timeSqueeze, 0, 0, 0, 0, 0, 0, sd.receivedRps, 0,
    sd.inputPktQueue.qlen, 0];
  return cols.map(hex8).join(' ') + '\n';
}

/** Boot hook: register the files. */
export function netProcInit(k: Kernel): void {
  const m = procFilesOf(k);
  m.set('/proc/net/dev', procNetDev);
  m.set('/proc/net/softnet_stat', procSoftnetStat);
}
