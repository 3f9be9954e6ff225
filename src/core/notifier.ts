/**
 * Notifier chains (Linux: kernel/notifier.c) and the netdevice events
 * (include/linux/netdevice.h enum netdev_cmd) that later subsystems subscribe to.
 */
export const NOTIFY_DONE = 0;
export const NOTIFY_OK = 1;
export const NOTIFY_STOP_MASK = 0x8000;
export const NOTIFY_BAD = NOTIFY_STOP_MASK | 2;

export const NETDEV_UP = 1;
export const NETDEV_DOWN = 2;
export const NETDEV_REBOOT = 3;
export const NETDEV_CHANGE = 4;
export const NETDEV_REGISTER = 5;
export const NETDEV_UNREGISTER = 6;
export const NETDEV_CHANGEMTU = 7;
export const NETDEV_CHANGEADDR = 8;
export const NETDEV_PRE_CHANGEADDR = 9;
export const NETDEV_GOING_DOWN = 10;
export const NETDEV_CHANGENAME = 11;
export const NETDEV_FEAT_CHANGE = 12;
export const NETDEV_BONDING_FAILOVER = 13;
export const NETDEV_PRE_UP = 14;
export const NETDEV_PRE_TYPE_CHANGE = 15;
export const NETDEV_POST_TYPE_CHANGE = 16;
export const NETDEV_POST_INIT = 17;
export const NETDEV_PRE_UNINIT = 18;
export const NETDEV_RELEASE = 19;
export const NETDEV_NOTIFY_PEERS = 20;
export const NETDEV_JOIN = 21;
export const NETDEV_CHANGEUPPER = 22;
export const NETDEV_RESEND_IGMP = 23;
export const NETDEV_PRECHANGEMTU = 24;
export const NETDEV_CHANGEINFODATA = 25;
export const NETDEV_BONDING_INFO = 26;
export const NETDEV_PRECHANGEUPPER = 27;
export const NETDEV_CHANGELOWERSTATE = 28;
export const NETDEV_UDP_TUNNEL_PUSH_INFO = 29;
export const NETDEV_UDP_TUNNEL_DROP_INFO = 30;
export const NETDEV_CHANGE_TX_QUEUE_LEN = 31;

/** Extra information some events carry (Linux: netdev_notifier_*_info). */
export interface NetdevNotifierInfo {
  /** NETDEV_CHANGE: the flags that changed. NETDEV_CHANGEMTU: the old MTU. */
  change?: number;
  /** NETDEV_CHANGEUPPER: the upper device and whether it is linked. */
  upper?: unknown;
  linking?: boolean;
}

export type NotifierFn<T> = (event: number, ptr: T, info?: NetdevNotifierInfo) => number;

interface Block<T> {
  fn: NotifierFn<T>;
  priority: number;
}

/** Linux: struct raw_notifier_head; callbacks run in priority order (higher first). */
export class NotifierChain<T> {
  private blocks: Block<T>[] = [];
  register(fn: NotifierFn<T>, priority = 0): void {
    const b = { fn, priority };
    let i = 0;
    while (i < this.blocks.length && this.blocks[i]!.priority >= priority) i++;
    this.blocks.splice(i, 0, b);
  }
  unregister(fn: NotifierFn<T>): void {
    this.blocks = this.blocks.filter((b) => b.fn !== fn);
  }
  /** Linux: raw_notifier_call_chain(). Stops at a result with NOTIFY_STOP_MASK. */
  call(event: number, ptr: T, info?: NetdevNotifierInfo): number {
    let ret = NOTIFY_DONE;
    for (const b of this.blocks.slice()) {
      ret = b.fn(event, ptr, info);
      if (ret & NOTIFY_STOP_MASK) break;
    }
    return ret;
  }
}

/** Linux: notifier_to_errno(). */
export function notifierToErrno(ret: number): number {
  ret &= ~NOTIFY_STOP_MASK;
  return ret > NOTIFY_OK ? NOTIFY_OK - ret : 0;
}

/** Linux: notifier_from_errno(). */
export function notifierFromErrno(err: number): number {
  return err ? NOTIFY_STOP_MASK | (NOTIFY_OK - err) : NOTIFY_OK;
}
