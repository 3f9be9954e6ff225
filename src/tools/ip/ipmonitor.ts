/**
 * `ip monitor [link] [address]` (iproute2: ip/ipmonitor.c): subscribe to
 * RTNLGRP_LINK and RTNLGRP_IPV4_IFADDR and print every RTM_NEWLINK/RTM_DELLINK
 * as print_linkinfo does in monitor mode (no mode/qlen, `Deleted ` prefix) and
 * every RTM_NEWADDR/RTM_DELADDR as print_addrinfo does (with the "N: dev" prefix),
 * and RTNLGRP_NEIGH events as print_neigh does (`ip monitor neigh`). Runs until the task is killed; a kill
 * (EINTR in the blocking read) ends it with status 0, as SIGTERM ends `ip`
 * without an error message.
 */
import * as sys from '../../socket/syscalls.js';
import { nlmsgSplit } from '../../wire/netlink.js';
import {
  RTMGRP_LINK, RTMGRP_IPV4_IFADDR, RTMGRP_NEIGH, RTM_NEWADDR, RTM_DELADDR, RTM_NEWNEIGH, RTM_DELNEIGH, RTM_GETNEIGH,
} from '../../wire/rtnetlink.js';
import { neighMonitorText } from './ipneigh.js';
import { type AddrCtx, newAddrFilter, addrMsg, printAddrinfo } from './ipaddress_print.js';
import { llInitMap } from '../lib/ll_map.js';
import { matches } from '../lib/utils.js';
import { type IpEnv, type LinkPrintCtx, printLinkinfo, netnsNameMap } from './iplink.js';
import { rtnlOpen } from '../lib/libnetlink.js';
import { Printer } from './json_print.js';

export async function doIpmonitor(env: IpEnv, args: string[]): Promise<number> {
  let groups = 0;
  for (const a of args) {
    if (a === 'link') groups |= RTMGRP_LINK;
    else if (matches(a, 'address')) groups |= RTMGRP_IPV4_IFADDR;
    else if (matches(a, 'neigh')) groups |= RTMGRP_NEIGH;
    else if (a === 'all') groups |= RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_NEIGH;
    else if (a === 'help') {
      env.err('Usage: ip monitor [ all | OBJECTS ] [ FILE ] [ label ] [ all-nsid ] [ dev DEVICE ]\n');
      return 255;
    } else {
      env.err(`Argument "${a}" is unknown, try "ip monitor help".\n`);
      return 255;
    }
  }
  if (!groups) groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_NEIGH;
  const mon = rtnlOpen(env.task, groups);
  const ctx: LinkPrintCtx = { env, cache: new Map(), nsNames: null, doLink: false };
  for (;;) {
    let r;
    try {
      r = await sys.recvmsg(env.task, mon.fd, 32768);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'EINTR') return 0;
      if (code === 'ENOBUFS') continue;
      throw e;
    }
    for (const m of nlmsgSplit(r.data).msgs) {
      const p = new Printer(false, false);
      if (m.type === RTM_NEWADDR || m.type === RTM_DELADDR) {
        // iproute2: ipaddr_reset_filter(1, 0): addresses get the "N: dev" prefix.
        const a = addrMsg(m);
        const actx: AddrCtx = { env, f: newAddrFilter(env.opts.family, true), ll: () => llInitMap(env.rth) };
        if (a) printAddrinfo(p, actx, a);
        env.out(p.text);
        continue;
      }
      if (m.type === RTM_NEWNEIGH || m.type === RTM_DELNEIGH || m.type === RTM_GETNEIGH) {
        env.out(neighMonitorText(m, env.opts.family, llInitMap(env.rth)));
        continue;
      }
      if (!ctx.nsNames) ctx.nsNames = netnsNameMap(env);
      ctx.cache.clear();
      if (printLinkinfo(p, ctx, m)) env.out(p.result());
    }
  }
}
