/**
 * The rtnetlink client `tc` needs (iproute2: lib/libnetlink.c rtnl_open,
 * rtnl_talk, rtnl_dump_request + rtnl_dump_filter, and lib/ll_map.c for device
 * names). Userspace only: a NETLINK_ROUTE socket through the syscall layer.
 */
import type { Task } from '../../socket/task.js';
import * as sys from '../../socket/syscalls.js';
import { AF_NETLINK, AF_UNSPEC, SOCK_RAW, SOL_NETLINK } from '../../socket/socket.js';
import { strerror } from '../../socket/errno.js';
import {
  type NlMsg, NETLINK_ROUTE, NETLINK_EXT_ACK, NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR,
  NLMSG_HDRLEN, nlmsgSplit, nlmsgerrParse, nlmsgPutHdr,
} from '../../wire/netlink.js';
import { RTM_GETLINK } from '../../wire/rtnetlink.js';
import { rtaAlign, rtaGetStr, rtaParse } from '../../wire/pkt_sched.js';

const IFLA_IFNAME = 3;
const IFINFOMSG_LEN = 16;

export class Rtnl {
  /** iproute2 seeds with time(NULL); a fixed start keeps runs reproducible. */
  private seq = 0;
  private constructor(readonly task: Task, readonly fd: number) {}

  /** iproute2 rtnl_open(): bind, and ask for extended acks. */
  static open(task: Task): Rtnl {
    const fd = sys.socket(task, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
    try {
      sys.setsockopt(task, fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
    } catch {
      // Older kernels: no extended acks, plain "RTNETLINK answers".
    }
    sys.bind(task, fd, { family: AF_NETLINK, pid: 0, groups: 0 });
    return new Rtnl(task, fd);
  }

  close(): void {
    sys.close(this.task, this.fd);
  }

  private build(type: number, flags: number, payload: Uint8Array): Uint8Array {
    const len = NLMSG_HDRLEN + payload.length;
    const b = new Uint8Array(rtaAlign(len));
    nlmsgPutHdr(b, 0, { len, type, flags, seq: ++this.seq, pid: 0 });
    b.set(payload, NLMSG_HDRLEN);
    return b;
  }

  private send(b: Uint8Array): void {
    sys.sendto(this.task, this.fd, b, { family: AF_NETLINK, pid: 0, groups: 0 });
  }

  /**
   * iproute2 rtnl_talk(): send a request with NLM_F_ACK and wait for its ack.
   * Returns 0, or the negative errno after printing iproute2's message to `err`.
   */
  async talk(type: number, flags: number, payload: Uint8Array, err: (s: string) => void): Promise<number> {
    const req = this.build(type, flags | NLM_F_REQUEST | NLM_F_ACK, payload);
    this.send(req);
    const seq = this.seq;
    for (;;) {
      const r = await sys.recvmsg(this.task, this.fd, 32768);
      const { msgs } = nlmsgSplit(r.data);
      for (const m of msgs) {
        if (m.seq !== seq) continue;
        if (m.type !== NLMSG_ERROR) continue;
        const e = nlmsgerrParse(m);
        if (e.error === 0) return 0;
        if (e.msg) err(`Error: ${e.msg}${e.msg.endsWith('.') ? '' : '.'}\n`);
        else err(`RTNETLINK answers: ${strerror(-e.error)}\n`);
        return e.error;
      }
    }
  }

  /** iproute2 rtnl_dump_request() + rtnl_dump_filter(): every message of a dump. */
  async dump(type: number, payload: Uint8Array, onMsg: (m: NlMsg) => void): Promise<number> {
    this.send(this.build(type, NLM_F_REQUEST | NLM_F_DUMP, payload));
    const seq = this.seq;
    for (;;) {
      const r = await sys.recvmsg(this.task, this.fd, 32768);
      const { msgs } = nlmsgSplit(r.data);
      for (const m of msgs) {
        if (m.seq !== seq) continue;
        if (m.type === NLMSG_DONE) return 0;
        if (m.type === NLMSG_ERROR) return nlmsgerrParse(m).error;
        onMsg(m);
      }
    }
  }

  /** lib/ll_map.c ll_init_map(): names of every link by ifindex. */
  async linkNames(): Promise<Map<number, string>> {
    const names = new Map<number, string>();
    const ifi = new Uint8Array(IFINFOMSG_LEN);
    ifi[0] = AF_UNSPEC;
    await this.dump(RTM_GETLINK, ifi, (m) => {
      const v = new DataView(m.msg.buffer, m.msg.byteOffset, m.msg.byteLength);
      if (m.msg.length < NLMSG_HDRLEN + IFINFOMSG_LEN) return;
      const index = v.getInt32(NLMSG_HDRLEN + 4, true);
      const tb = rtaParse(m.msg, NLMSG_HDRLEN + IFINFOMSG_LEN);
      const name = tb.get(IFLA_IFNAME);
      if (name) names.set(index, rtaGetStr(name));
    });
    return names;
  }
}
