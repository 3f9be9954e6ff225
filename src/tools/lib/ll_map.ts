/**
 * iproute2: lib/ll_map.c: the ifindex -> device map tools read once from an
 * RTM_GETLINK dump (ll_init_map) and use to print and resolve device names.
 * Shared by `bridge` and `tc`; userspace only (an rtnetlink dump).
 */
import { NLMSG_HDRLEN, nlmsgParse, nlaGetString } from '../../wire/netlink.js';
import { IFINFOMSG_LEN, IFLA_EXT_MASK, IFLA_IFNAME, IFLA_MAX, RTEXT_FILTER_VF, ifinfomsgParse } from '../../wire/if_link.js';
import { RTM_GETLINK } from '../../wire/rtnetlink.js';
import { type Rtnl, buildRequest, rtnlDump } from './libnetlink.js';

/** One device as ll_init_map() records it. */
export interface LlEntry {
  name: string;
  type: number;
  flags: number;
}

/** ifindex -> device. */
export type LlMap = Map<number, LlEntry>;

/** iproute2: ll_init_map() (the dump rtnl_linkdump_req() sends: IFLA_EXT_MASK = RTEXT_FILTER_VF). */
export function llInitMap(rth: Rtnl, ll: LlMap = new Map()): LlMap {
  const b = buildRequest(RTM_GETLINK, 0, IFINFOMSG_LEN, (bb) => {
    bb.nlaPutU32(IFLA_EXT_MASK, RTEXT_FILTER_VF);
  });
  const r = rtnlDump(rth, b);
  for (const m of r.msgs) {
    const ifi = ifinfomsgParse(m.msg, NLMSG_HDRLEN);
    const tb = nlmsgParse(m.msg, IFINFOMSG_LEN, IFLA_MAX, null);
    if (typeof tb === 'number' || !tb[IFLA_IFNAME]) continue;
    ll.set(ifi.index, { name: nlaGetString(tb[IFLA_IFNAME]), type: ifi.type, flags: ifi.flags });
  }
  return ll;
}

/** iproute2: ll_index_to_name(). */
export function llIndexToName(ll: LlMap, index: number): string {
  return ll.get(index)?.name ?? `if${index}`;
}

/** iproute2: ll_name_to_index() (0 when unknown; a number-like "ifN" resolves too). */
export function llNameToIndex(ll: LlMap, name: string): number {
  for (const [i, e] of ll) if (e.name === name) return i;
  const m = /^if(\d+)$/.exec(name);
  if (m && ll.has(Number(m[1]))) return Number(m[1]);
  return 0;
}
