/**
 * Per-kind option parsers and printers of `ip link` (iproute2: struct link_util,
 * ip/link_veth.c, ip/iplink_bridge.c ...). A kind adds one entry to LINK_UTILS:
 * `parseOpt` writes the kind's IFLA_INFO_DATA attributes for `ip link add/set
 * ... type KIND ARGS` (the nest is opened by the caller) and returns 0 or an exit
 * status after printing iproute2's message; `printOpt` prints IFLA_INFO_DATA for
 * `ip -d link`. `KIND_slave` entries handle IFLA_INFO_SLAVE_DATA.
 * This is a constant table of code (like iproute2's link_util list), not state.
 */
import type { NlMsgBuilder, NlaTable } from '../../wire/netlink.js';
import type { Printer } from './json_print.js';
import { BRIDGE_LINK_UTILS } from './iplink_bridge.js';

export interface LinkUtil {
  /** Highest attribute type printOpt understands. */
  maxattr: number;
  parseOpt?(args: string[], b: NlMsgBuilder, err: (text: string) => void,
    parsePeer: (args: string[], b: NlMsgBuilder) => number): number;
  printOpt?(p: Printer, data: NlaTable | null): void;
}

/** veth: `peer [name] NAME [link options]` (iproute2: ip/link_veth.c). */
const veth: LinkUtil = {
  maxattr: 1,
  parseOpt(args, b, err, parsePeer) {
    if (args[0] !== 'peer') {
      err('Usage: ip link <options> type veth [peer <options>]\nTo get <options> type \'ip link add help\'\n');
      return 255;
    }
    const nest = b.nlaNestStart(1 /* VETH_INFO_PEER */);
    const r = parsePeer(args.slice(1), b);
    if (r) return r;
    b.nlaNestEnd(nest);
    return 0;
  },
};

export const LINK_UTILS = new Map<string, LinkUtil>([
  ['veth', veth],
  ...BRIDGE_LINK_UTILS,
]);
