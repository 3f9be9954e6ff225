/**
 * The bridge module (Linux: net/bridge/br.c br_init()): registers the
 * netdevice notifier and, once rtnetlink is there, the `bridge` link kind and
 * the AF_BRIDGE netlink handlers (br_netlink.ts).
 */
import type { Kernel } from '../../core/net_namespace.js';
import { brNotifierInit } from './br_notify.js';
import { brNetlinkInit } from './br_netlink.js';

/** Linux: br_init(). An initcall (src/boot.ts). */
export function brInit(k: Kernel): void {
  brNotifierInit(k);
  brNetlinkInit(k);
}

export { brCreate, brDevDelete } from './br_device.js';
export { brAddIf, brDelIf } from './br_if.js';
