import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testKernel } from '../../test/harness/kernel.js';
import type { Kernel, Net } from '../core/net_namespace.js';
import { Task } from '../socket/task.js';
import * as sys from '../socket/syscalls.js';
import { AF_INET, AF_UNSPEC, SOL_NETLINK } from '../socket/socket.js';
import { BufferStdio } from '../tools/tool.js';
import { programs } from '../tools/registry.js';
import { type Rtnl, rtnlOpen, buildRequest, rtnlDump, rtnlTalk } from '../tools/lib/libnetlink.js';
import {
  NETLINK_GET_STRICT_CHK, NLM_F_DUMP_FILTERED, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, nlmsgSplit, nlmsgParse,
  nlaParseNested, NlMsgBuilder,
} from '../wire/netlink.js';
import { RTM_NEWADDR, RTM_DELADDR, RTM_GETADDR, RTM_GETLINK, RTMGRP_IPV4_IFADDR } from '../wire/rtnetlink.js';
import { IFINFOMSG_LEN, IFLA_AF_SPEC, IFLA_MAX } from '../wire/if_link.js';
import {
  IFADDRMSG_LEN, IFA_LOCAL, IFA_CACHEINFO, IFLA_INET_CONF, type IfaddrRepr, ifaddrMsgParse, ifaddrmsgEmit,
  inAddrBytes, inAddrNtoa, ifaCacheinfoEmit, IFA_F_SECONDARY,
} from '../wire/if_addr.js';
import { IPV4_DEVCONF_MAX } from './inetdevice.js';

async function ip(k: Kernel, net: Net, line: string): Promise<number> {
  const task = new Task(k, net, new BufferStdio(), new BufferStdio(), 1);
  const argv = line.split(' ');
  return programs.get(argv[0]!)!({ task, argv, stdout: new BufferStdio(), stderr: new BufferStdio(), env: {}, exec: async () => 0 });
}

function setup(): { k: Kernel; net: Net; task: Task } {
  const k = testKernel();
  const net = k.newNet();
  net.refcnt++;
  return { k, net, task: new Task(k, net, new BufferStdio(), new BufferStdio(), 1) };
}

function drain(rth: Rtnl): IfaddrRepr[] {
  const out: IfaddrRepr[] = [];
  for (;;) {
    const r = sys.recvmsgNow(rth.task, rth.fd, 65536);
    if (!r) return out;
    for (const m of nlmsgSplit(r.data).msgs) {
      const a = ifaddrMsgParse(m.msg);
      if (typeof a !== 'number') out.push({ ...a, msg: { ...a.msg, family: m.type } });
    }
  }
}

const show = (l: IfaddrRepr[]): string[] =>
  l.map((a) => `${a.msg.family === RTM_NEWADDR ? 'new' : a.msg.family === RTM_DELADDR ? 'del' : a.msg.family} ` +
    `${inAddrNtoa(a.local!)}/${a.msg.prefixlen}${a.msg.flags & IFA_F_SECONDARY ? ' sec' : ''}`);

test('RTNLGRP_IPV4_IFADDR: add, delete with secondaries, promotion, label changes on rename', async () => {
  const { k, net, task } = setup();
  const mon = rtnlOpen(task, RTMGRP_IPV4_IFADDR);
  await ip(k, net, 'ip link add veth0 type veth peer name veth1');
  await ip(k, net, 'ip addr add 10.0.0.1/24 dev veth0');
  await ip(k, net, 'ip addr add 10.0.0.2/24 dev veth0');
  await ip(k, net, 'ip addr add 10.0.0.3/24 dev veth0');
  assert.deepEqual(show(drain(mon)), ['new 10.0.0.1/24', 'new 10.0.0.2/24 sec', 'new 10.0.0.3/24 sec']);
  await ip(k, net, 'sysctl -qw net.ipv4.conf.veth0.promote_secondaries=1');
  await ip(k, net, 'ip addr del 10.0.0.1/24 dev veth0');
  assert.deepEqual(show(drain(mon)), ['del 10.0.0.1/24', 'new 10.0.0.2/24']);
  await ip(k, net, 'sysctl -qw net.ipv4.conf.veth0.promote_secondaries=0');
  await ip(k, net, 'ip addr del 10.0.0.2/24 dev veth0');
  assert.deepEqual(show(drain(mon)), ['del 10.0.0.3/24 sec', 'del 10.0.0.2/24']);
  await ip(k, net, 'ip addr add 10.0.0.9/24 dev veth0 label veth0:x');
  await ip(k, net, 'ip addr add 10.0.1.9/24 dev veth0');
  drain(mon);
  await ip(k, net, 'ip addr add 10.0.2.9/24 dev veth0 label veth0:y');
  drain(mon);
  // Linux: the first address takes the bare name, the others keep their ":suffix" or get ":N" (checked on 6.18).
  await ip(k, net, 'ip link set veth0 name eth0');
  assert.deepEqual(drain(mon).map((a) => a.label), ['eth0', 'eth0:2', 'eth0:y']);
  await ip(k, net, 'ip link del eth0');
  assert.deepEqual(show(drain(mon)), ['del 10.0.0.9/24', 'del 10.0.1.9/24', 'del 10.0.2.9/24']);
});

test('RTM_NEWADDR: NLM_F_EXCL vs NLM_F_REPLACE on an existing address, lifetimes restart', async () => {
  const { k, net, task } = setup();
  await ip(k, net, 'ip link add veth0 type veth peer name veth1');
  const rth = rtnlOpen(task);
  const req = (flags: number, valid: number, preferred: number): NlMsgBuilder =>
    buildRequest(RTM_NEWADDR, flags, IFADDRMSG_LEN, (b, h) => {
      ifaddrmsgEmit(b.buf, h, { family: AF_INET, prefixlen: 24, flags: 0, scope: 0, index: 2 });
      b.nlaPut(IFA_LOCAL, inAddrBytes(0x0a000001));
      b.nlaPut(IFA_CACHEINFO, ifaCacheinfoEmit({ prefered: preferred, valid, cstamp: 0, tstamp: 0 }));
    });
  assert.equal(rtnlTalk(rth, req(NLM_F_CREATE | NLM_F_EXCL, 100, 50)).error, 0);
  await k.sleep(30e9);
  const again = rtnlTalk(rth, req(NLM_F_CREATE | NLM_F_EXCL, 100, 50));
  assert.deepEqual([again.error, again.msg], [-17, 'ipv4: Address already assigned']);
  const dump = (): IfaddrRepr[] => rtnlDump(rth, buildRequest(RTM_GETADDR, 0, IFADDRMSG_LEN, (b, h) => {
    b.setU8(h, AF_INET);
  })).msgs.map((m) => ifaddrMsgParse(m.msg) as IfaddrRepr).filter((a) => a.msg.index === 2);
  assert.deepEqual(dump()[0]!.cacheinfo!.valid, 70);
  assert.equal(rtnlTalk(rth, req(NLM_F_REPLACE, 200, 20)).error, 0);
  const ci = dump()[0]!.cacheinfo!;
  assert.deepEqual([ci.valid, ci.prefered], [200, 20]);
  // Hundredths of a second since boot: created at 1 s (the clock's boot time), updated 30 s later.
  assert.equal(ci.cstamp, 100);
  assert.equal(ci.tstamp, 3100);
  const bad = rtnlTalk(rth, req(NLM_F_CREATE, 10, 20));
  assert.deepEqual([bad.error, bad.msg], [-22, 'ipv4: address lifetime invalid']);
});

test('RTM_GETADDR dumps: AF_UNSPEC through rtnl_dump_all, strict checks and the ifindex filter', async () => {
  const { k, net, task } = setup();
  await ip(k, net, 'ip link set lo up');
  await ip(k, net, 'ip link add veth0 type veth peer name veth1');
  await ip(k, net, 'ip addr add 10.0.0.1/24 dev veth0');
  await ip(k, net, 'ip addr add 10.0.1.1/24 dev veth1');
  const rth = rtnlOpen(task);
  const dump = (family: number, index: number, prefixlen = 0): ReturnType<typeof rtnlDump> =>
    rtnlDump(rth, buildRequest(RTM_GETADDR, 0, IFADDRMSG_LEN, (b, h) => {
      ifaddrmsgEmit(b.buf, h, { family, prefixlen, flags: 0, scope: 0, index });
    }));
  const locals = (r: ReturnType<typeof rtnlDump>): string[] =>
    r.msgs.map((m) => inAddrNtoa((ifaddrMsgParse(m.msg) as IfaddrRepr).local!));
  assert.deepEqual(locals(dump(AF_UNSPEC, 0)), ['127.0.0.1', '10.0.1.1', '10.0.0.1']);
  // Without NETLINK_GET_STRICT_CHK the header is not looked at: every address.
  assert.deepEqual(locals(dump(AF_INET, 3, 8)), ['127.0.0.1', '10.0.1.1', '10.0.0.1']);
  sys.setsockopt(task, rth.fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1);
  const one = dump(AF_INET, 3);
  assert.deepEqual(locals(one), ['10.0.0.1']);
  assert.equal(one.msgs[0]!.flags & NLM_F_DUMP_FILTERED, NLM_F_DUMP_FILTERED);
  const bad = dump(AF_INET, 3, 8);
  assert.deepEqual([bad.error, bad.msg], [-22, 'ipv4: Invalid values in header for address dump request']);
  assert.equal(dump(AF_INET, 99).error, -19);
});

test('IFLA_AF_SPEC carries IFLA_INET_CONF: the device conf, 33 u32', async () => {
  const { k, net, task } = setup();
  await ip(k, net, 'sysctl -qw net.ipv4.conf.lo.rp_filter=2');
  const rth = rtnlOpen(task);
  const r = rtnlTalk(rth, buildRequest(RTM_GETLINK, 0, IFINFOMSG_LEN, (b, h) => {
    b.setS32(h + 4, 1);
  }), true);
  const tb = nlmsgParse(r.reply!.msg, IFINFOMSG_LEN, IFLA_MAX, null);
  assert.ok(typeof tb !== 'number' && tb[IFLA_AF_SPEC]);
  const spec = nlaParseNested(tb[IFLA_AF_SPEC]!, AF_INET, null);
  assert.ok(typeof spec !== 'number' && spec[AF_INET]);
  const inet = nlaParseNested(spec[AF_INET]!, 1, null);
  assert.ok(typeof inet !== 'number');
  const conf = inet[IFLA_INET_CONF]!.data;
  assert.equal(conf.length, (IPV4_DEVCONF_MAX - 1) * 4);
  const v = new DataView(conf.buffer, conf.byteOffset, conf.byteLength);
  assert.equal(v.getUint32((8 - 1) * 4, true), 2); // IPV4_DEVCONF_RP_FILTER
  assert.equal(v.getUint32((16 - 1) * 4, true), 1); // NOPOLICY on lo
});
