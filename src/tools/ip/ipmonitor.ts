/**
 * `ip monitor [link]` (iproute2: ip/ipmonitor.c): subscribe to RTNLGRP_LINK and
 * print every RTM_NEWLINK/RTM_DELLINK as print_linkinfo does in monitor mode
 * (no mode/qlen, `Deleted ` prefix). Runs until the task is killed; a kill
 * (EINTR in the blocking read) ends it with status 0, as SIGTERM ends `ip`
 * without an error message.
 */
import * as sys from '../../socket/syscalls.js';
import { nlmsgSplit } from '../../wire/netlink.js';
import { RTMGRP_LINK } from '../../wire/rtnetlink.js';
import { type IpEnv, type LinkPrintCtx, printLinkinfo, netnsNameMap } from './iplink.js';
import { rtnlOpen } from '../lib/libnetlink.js';
import { Printer } from './json_print.js';

export async function doIpmonitor(env: IpEnv, args: string[]): Promise<number> {
  let groups = 0;
  for (const a of args) {
    if (a === 'link' || a === 'all') groups |= RTMGRP_LINK;
    else if (a === 'help') {
      env.err('Usage: ip monitor [ all | OBJECTS ] [ FILE ] [ label ] [ all-nsid ] [ dev DEVICE ]\n');
      return 255;
    } else {
      env.err(`Argument "${a}" is unknown, try "ip monitor help".\n`);
      return 255;
    }
  }
  if (!groups) groups = RTMGRP_LINK;
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
      if (!ctx.nsNames) ctx.nsNames = netnsNameMap(env);
      ctx.cache.clear();
      if (printLinkinfo(p, ctx, m)) env.out(p.result());
    }
  }
}
