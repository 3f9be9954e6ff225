/**
 * Boot: build a Kernel and run the initcalls of every subsystem, in Linux's order
 * (core, then protocol families, then drivers). This is the one place that knows
 * every subsystem; each subsystem's init registers its handlers, families, link
 * kinds, sysctls and pernet operations on the kernel it is given.
 */
import { Kernel } from './core/net_namespace.js';
import type { Clock } from './core/clock.js';
import type { Platform } from './core/softirq.js';
import { netRxAction } from './core/napi.js';
import { netTxAction } from './sched/sch_generic.js';
import { loopbackNetInit, loopbackUp } from './drivers/loopback.js';
import { defaultDeviceExit } from './core/dev.js';
import { packetInit } from './packet/af_packet.js';
import { netProcInit } from './core/net_procfs.js';
import { rtnetlinkInit } from './netlink/rtnetlink.js';
import { rtnlLinkKindsInit } from './netlink/rtnl_link_kinds.js';
import { pktschedInit } from './sched/sch_api.js';
import { brInit } from './drivers/bridge/br.js';
import { ipv4NetnsInit } from './ipv4/netns_ipv4.js';
import { ipfragInit } from './ipv4/ip_fragment.js';
import { fibInit } from './ipv4/fib_frontend.js';
import { ipInit } from './ipv4/ip_input.js';
import { devinetInit } from './ipv4/devinet.js';
import { ipRtInit } from './ipv4/route.js';
import { arpInit } from './ipv4/arp.js';
import { inetInit } from './ipv4/af_inet.js';
import { icmpInit } from './ipv4/icmp.js';
import { rawInit } from './ipv4/raw.js';
import { pingInit } from './ipv4/ping.js';
import { tunInit } from './drivers/tun.js';
import { ipv4OffloadInit } from './ipv4/af_inet_offload.js';

export interface BootOptions {
  clock: Clock;
  platform: Platform;
  /** Seed of the kernel's rng: same seed, same MACs, same netem decisions. */
  seed?: number;
  /** Bring `lo` of the initial namespace up, as a booted host has it. Default true. */
  loUp?: boolean;
}

/** An initcall: runs once per kernel at boot. */
export type Initcall = (k: Kernel) => void;

/**
 * Subsystem initcalls in boot order. Subsystems above core append theirs here
 * (Linux: core_initcall, fs_initcall, device_initcall ...).
 */
export const initcalls: Initcall[] = [];
initcalls.push(packetInit, netProcInit);
initcalls.push(rtnetlinkInit, rtnlLinkKindsInit);
initcalls.push(pktschedInit);
initcalls.push(brInit);
// IPv4 (Linux: inet_init, fs_initcall). Subsystems append after ipv4NetnsInit in this
// order: fibInit, devinetInit, arpInit, ipRtInit, ipInit, icmpInit, inetInit (AF_INET, UDP),
// raw/ping inits, ipfragInit.
initcalls.push(ipv4NetnsInit);
initcalls.push(ipv4OffloadInit);
initcalls.push(fibInit);
initcalls.push(devinetInit);
initcalls.push(arpInit);
initcalls.push(ipRtInit);
initcalls.push(ipInit);
initcalls.push(icmpInit);
initcalls.push(inetInit);
initcalls.push(rawInit, pingInit);
initcalls.push(ipfragInit);
initcalls.push(tunInit);

export function bootKernel(opts: BootOptions): Kernel {
  const k = new Kernel({ clock: opts.clock, platform: opts.platform, seed: opts.seed });
  k.sched.netRxAction = () => netRxAction(k);
  k.sched.netTxAction = () => netTxAction(k);
  k.registerPernetSubsys({ name: 'loopback', init: loopbackNetInit });
  k.registerPernetSubsys({ name: 'default_device', exit: defaultDeviceExit });
  for (const init of initcalls) init(k);
  if (opts.loUp !== false) loopbackUp(k.initNet);
  return k;
}
