/**
 * Qdisc management (Linux: net/sched/sch_api.c): the registry of disciplines
 * this kernel offers, handle allocation, and (below) the rtnetlink side of
 * `tc qdisc`: RTM_NEWQDISC / RTM_DELQDISC / RTM_GETQDISC.
 */
import type { Kernel } from '../core/net_namespace.js';
import { registerQdisc } from './sch_generic.js';
import { pfifoFastOps } from './sch_pfifo_fast.js';
import { netemOps } from './sch_netem.js';

/** Linux: pktsched_init(): register the built-in disciplines. */
export function pktschedInit(_k: Kernel): void {
  registerQdisc(pfifoFastOps);
  registerQdisc(netemOps);
}
