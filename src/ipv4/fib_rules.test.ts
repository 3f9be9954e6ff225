/**
 * Policy routing at the lookup level: rules configured with `ip rule` / `ip route`
 * (rtnetlink), then fib_lookup() asked with Flowi4 keys, as ip_route_output/input do.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testKernel } from '../../test/harness/kernel.js';
import type { Net } from '../core/net_namespace.js';
import { Task } from '../socket/task.js';
import { BufferStdio } from '../tools/tool.js';
import { programs } from '../tools/registry.js';
import { EACCES, EINVAL, ENETUNREACH, EHOSTUNREACH } from '../socket/errno.js';
import { RTN_UNICAST, RTN_LOCAL } from '../wire/route.js';
import { Flowi4 } from './rtable.js';
import { FibResult, FIB_RES_DEV } from './fib_lookup.js';
import { fibLookup } from './fib_frontend.js';
import { ipv4Net } from './netns_ipv4.js';

function setup(): { net: Net; sh: (l: string) => Promise<void> } {
  const k = testKernel(3);
  const net = k.newNet();
  net.refcnt++;
  const sh = async (line: string): Promise<void> => {
    const argv = line.split(' ');
    const out = new BufferStdio();
    const err = new BufferStdio();
    const rc = await programs.get(argv[0]!)!({ task: new Task(k, net, out, err, 1), argv, stdout: out, stderr: err, env: {}, exec: async () => 0 });
    assert.equal(rc, 0, `${line}: ${err.text}`);
  };
  return { net, sh };
}

/** Two uplinks: a0 (10.0.0.0/24, gw .1) and b0 (10.0.1.0/24, gw .1), main default via a0. */
async function twoUplinks(): Promise<{ net: Net; sh: (l: string) => Promise<void> }> {
  const s = setup();
  for (const l of [
    'ip link set lo up', 'ip link add a0 type veth peer name a1', 'ip link add b0 type veth peer name b1',
    'ip link set a0 up', 'ip link set a1 up', 'ip link set b0 up', 'ip link set b1 up',
    'ip addr add 10.0.0.2/24 dev a0', 'ip addr add 10.0.1.2/24 dev b0',
    'ip route add default via 10.0.0.1', 'ip route add default via 10.0.1.1 table 100',
  ]) await s.sh(l);
  return s;
}

function lookup(net: Net, daddr: string, opts: Partial<Flowi4> = {}): { err: number; res: FibResult } {
  const fl4 = new Flowi4();
  const n = (a: string): number => a.split('.').reduce((v, o) => ((v << 8) | Number(o)) >>> 0, 0);
  fl4.daddr = n(daddr);
  Object.assign(fl4, opts);
  const res = new FibResult();
  return { err: fibLookup(net, fl4, res, 0), res };
}
const ip = (a: string): number => a.split('.').reduce((v, o) => ((v << 8) | Number(o)) >>> 0, 0);
const gw = (r: FibResult): number => r.nhc!.fibNhGw4;

test('no custom rules: local, then main, then default (Linux fast path)', async () => {
  const { net, sh } = await twoUplinks();
  assert.equal(ipv4Net(net).fib.hasCustomRules, false);
  let r = lookup(net, '10.0.0.2');
  assert.equal(r.err, 0);
  assert.equal(r.res.type, RTN_LOCAL);
  r = lookup(net, '192.0.2.1');
  assert.equal(r.err, 0);
  assert.equal(gw(r.res), ip('10.0.0.1'));
  await sh('ip route del default');
  assert.equal(lookup(net, '192.0.2.1').err, -ENETUNREACH);
  await sh('ip route add default via 10.0.1.1 table default');
  r = lookup(net, '192.0.2.1');
  assert.equal(r.err, 0);
  assert.equal(gw(r.res), ip('10.0.1.1'));
});

test('policy routing by source: from 10.0.1.0/24 lookup 100', async () => {
  const { net, sh } = await twoUplinks();
  await sh('ip rule add from 10.0.1.0/24 lookup 100');
  assert.equal(ipv4Net(net).fib.hasCustomRules, true);
  let r = lookup(net, '192.0.2.1', { saddr: ip('10.0.1.2') });
  assert.equal(r.err, 0);
  assert.equal(gw(r.res), ip('10.0.1.1'));
  assert.equal(FIB_RES_DEV(r.res)!.name, 'b0');
  r = lookup(net, '192.0.2.1', { saddr: ip('10.0.0.2') });
  assert.equal(gw(r.res), ip('10.0.0.1'));
  // Local addresses still win: rule 0 (local) comes first.
  r = lookup(net, '10.0.1.2', { saddr: ip('10.0.1.2') });
  assert.equal(r.res.type, RTN_LOCAL);
  // Deleting the rule leaves Linux on the rules path (fib_has_custom_rules stays set).
  await sh('ip rule del from 10.0.1.0/24 lookup 100');
  assert.equal(ipv4Net(net).fib.hasCustomRules, true);
  assert.equal(gw(lookup(net, '192.0.2.1', { saddr: ip('10.0.1.2') }).res), ip('10.0.0.1'));
});

test('policy routing by fwmark, with and without a mask; iif/oif; not', async () => {
  const { net, sh } = await twoUplinks();
  await sh('ip rule add fwmark 0x1 lookup 100 pref 100');
  assert.equal(gw(lookup(net, '192.0.2.1', { mark: 1 }).res), ip('10.0.1.1'));
  assert.equal(gw(lookup(net, '192.0.2.1', { mark: 3 }).res), ip('10.0.0.1'), 'a mark without mask compares all bits');
  await sh('ip rule add fwmark 0x20/0xf0 lookup 100 pref 101');
  assert.equal(gw(lookup(net, '192.0.2.1', { mark: 0x2f }).res), ip('10.0.1.1'));
  assert.equal(gw(lookup(net, '192.0.2.1', { mark: 0x30 }).res), ip('10.0.0.1'));
  await sh('ip rule add iif a1 lookup 100 pref 102');
  const a1 = net.devGetByName('a1')!.ifindex;
  assert.equal(gw(lookup(net, '192.0.2.1', { iif: a1 }).res), ip('10.0.1.1'));
  await sh('ip rule add oif b1 prohibit pref 103');
  assert.equal(lookup(net, '192.0.2.1', { oif: net.devGetByName('b1')!.ifindex }).err, -EACCES);
  await sh('ip rule add not from 10.0.0.0/8 unreachable pref 104');
  assert.equal(lookup(net, '192.0.2.1', { saddr: ip('192.168.1.1') }).err, -ENETUNREACH);
  assert.equal(lookup(net, '192.0.2.1', { saddr: ip('10.0.0.2') }).err, 0);
});

test('an iif rule naming an absent device is detached until the device appears', async () => {
  const { net, sh } = await twoUplinks();
  await sh('ip rule add iif c0 lookup 100 pref 10');
  const rule = ipv4Net(net).fib.rulesOps.rulesList.find((r) => r.pref === 10)!;
  assert.equal(rule.iifindex, -1);
  await sh('ip link add c0 type veth peer name c1');
  const c0 = net.devGetByName('c0')!.ifindex;
  assert.equal(rule.iifindex, c0);
  assert.equal(gw(lookup(net, '192.0.2.1', { iif: c0 }).res), ip('10.0.1.1'));
  await sh('ip link del c0');
  assert.equal(rule.iifindex, -1);
});

test('reject actions: unreachable, prohibit, blackhole; a throw route moves on to the next rule', async () => {
  const { net, sh } = await twoUplinks();
  await sh('ip rule add to 198.51.100.0/24 unreachable pref 10');
  await sh('ip rule add to 198.51.101.0/24 prohibit pref 11');
  await sh('ip rule add to 198.51.102.0/24 blackhole pref 12');
  assert.equal(lookup(net, '198.51.100.1').err, -ENETUNREACH);
  assert.equal(lookup(net, '198.51.101.1').err, -EACCES);
  assert.equal(lookup(net, '198.51.102.1').err, -EINVAL);
  await sh('ip rule add to 203.0.113.0/24 lookup 100 pref 20');
  await sh('ip route add throw 203.0.113.0/25 table 100');
  assert.equal(gw(lookup(net, '203.0.113.1').res), ip('10.0.0.1'), 'throw: back to the rules, main answers');
  assert.equal(gw(lookup(net, '203.0.113.200').res), ip('10.0.1.1'));
  await sh('ip route add unreachable 203.0.113.128/26 table 100');
  assert.equal(lookup(net, '203.0.113.130').err, -EHOSTUNREACH, "a reject route's own error");
});

test('goto jumps over rules, nop is skipped, an unresolved goto falls through', async () => {
  const { net, sh } = await twoUplinks();
  await sh('ip rule add pref 10 fwmark 0x5 goto 30');
  await sh('ip rule add pref 20 unreachable');
  await sh('ip rule add pref 25 nop');
  assert.equal(lookup(net, '192.0.2.1').err, -ENETUNREACH);
  assert.equal(lookup(net, '192.0.2.1', { mark: 5 }).err, -ENETUNREACH, 'goto 30: not there yet, falls through to 20');
  await sh('ip rule add pref 30 lookup 100');
  let r = lookup(net, '192.0.2.1', { mark: 5 });
  assert.equal(r.err, 0);
  assert.equal(gw(r.res), ip('10.0.1.1'));
  await sh('ip rule del pref 30');
  assert.equal(lookup(net, '192.0.2.1', { mark: 5 }).err, -ENETUNREACH, 'target gone: unresolved again');
  await sh('ip rule add pref 30 lookup 100');
  r = lookup(net, '192.0.2.1', { mark: 5 });
  assert.equal(gw(r.res), ip('10.0.1.1'), 'a new rule at the target priority resolves the goto');
});

test('suppress_prefixlength 0: main keeps its routes except the default one (wg-quick)', async () => {
  const { net, sh } = await twoUplinks();
  await sh('ip rule add not fwmark 0xca6c lookup 100 pref 32764');
  await sh('ip rule add lookup main suppress_prefixlength 0 pref 32763');
  let r = lookup(net, '10.0.0.7');
  assert.equal(r.res.type, RTN_UNICAST);
  assert.equal(FIB_RES_DEV(r.res)!.name, 'a0', 'the /24 of main is used');
  r = lookup(net, '192.0.2.1');
  assert.equal(gw(r.res), ip('10.0.1.1'), "main's default is suppressed, table 100 answers");
  r = lookup(net, '192.0.2.1', { mark: 0xca6c });
  assert.equal(gw(r.res), ip('10.0.0.1'), 'marked packets skip table 100 and reach main again');
});

test('uid ranges and default priorities (one below the second rule)', async () => {
  const { net, sh } = await twoUplinks();
  await sh('ip rule add uidrange 1000-1999 lookup 100');
  const prefs = ipv4Net(net).fib.rulesOps.rulesList.map((r) => r.pref);
  assert.deepEqual(prefs, [0, 32765, 32766, 32767]);
  assert.equal(gw(lookup(net, '192.0.2.1', { uid: 1500 }).res), ip('10.0.1.1'));
  assert.equal(gw(lookup(net, '192.0.2.1', { uid: 2000 }).res), ip('10.0.0.1'));
  await sh('ip rule add from 1.2.3.4 lookup 100');
  assert.deepEqual(ipv4Net(net).fib.rulesOps.rulesList.map((r) => r.pref), [0, 32764, 32765, 32766, 32767]);
});

test('property: random RTM_*ROUTE / RTM_*RULE requests never throw, get errors <= 0, and lookups still work', async () => {
  const fc = (await import('fast-check')).default;
  const sys = await import('../socket/syscalls.js');
  const { AF_NETLINK, SOCK_RAW, SOL_NETLINK } = await import('../socket/socket.js');
  const nl = await import('../wire/netlink.js');
  const { net } = await twoUplinks();
  const t = new Task(net.kernel, net, new BufferStdio(), new BufferStdio(), 1);
  const fd = sys.socket(t, AF_NETLINK, SOCK_RAW, nl.NETLINK_ROUTE);
  sys.bind(t, fd, { family: AF_NETLINK, pid: 0, groups: 0 });
  sys.setsockopt(t, fd, SOL_NETLINK, nl.NETLINK_EXT_ACK, 1);
  const attr = fc.record({
    type: fc.constantFrom(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 14, 15, 16, 17, 18, 20, 21, 22, 23, 24, 25, 30),
    data: fc.uint8Array({ maxLength: 24 }),
  });
  fc.assert(fc.property(
    fc.constantFrom(24, 25, 26, 32, 33, 34), fc.boolean(), fc.integer({ min: 0, max: 0xfff }),
    fc.uint8Array({ minLength: 12, maxLength: 12 }), fc.array(attr, { maxLength: 8 }),
    (type, strict, flags, hdr, attrs) => {
      sys.setsockopt(t, fd, SOL_NETLINK, nl.NETLINK_GET_STRICT_CHK, strict ? 1 : 0);
      const b = new nl.NlMsgBuilder(256);
      // GETs are dumps here (the non-dump RTM_GETROUTE is route.ts's `ip route get`).
      const h = b.nlmsgPut(0, 9, type, 12, type % 4 === 2 ? flags | nl.NLM_F_REQUEST | nl.NLM_F_DUMP : (flags | nl.NLM_F_REQUEST) & ~nl.NLM_F_DUMP);
      b.setBytes(h + 16, hdr);
      b.setU8(h + 16, hdr[0]! & 1 ? 2 : hdr[0]!); // mostly AF_INET
      for (const a of attrs) b.nlaPut(a.type, a.data);
      b.nlmsgEnd(h);
      sys.send(t, fd, b.bytes());
      for (;;) {
        const r = sys.recvmsgNow(t, fd, 65536);
        if (!r) break;
        for (const m of nl.nlmsgSplit(r.data).msgs) if (m.type === nl.NLMSG_ERROR) assert.ok(nl.nlmsgerrParse(m).error <= 0);
      }
      return true;
    }), { numRuns: 600, seed: 11 });
  sys.close(t, fd);
  // Whatever the fuzzer added, the local route of a0 is still found.
  assert.equal(lookup(net, '10.0.0.2').err, 0);
});

test('RTM_NEWRULE / RTM_DELRULE notifications go to RTNLGRP_IPV4_RULE listeners', async () => {
  const sys = await import('../socket/syscalls.js');
  const { AF_NETLINK, SOCK_RAW, SOL_NETLINK } = await import('../socket/socket.js');
  const nl = await import('../wire/netlink.js');
  const { RTNLGRP_IPV4_RULE, RTM_NEWRULE, RTM_DELRULE } = await import('../wire/rtnetlink.js');
  const { fibRuleHdrParse, FIB_RULE_HDR_LEN, FRA_MAX, FRA_PRIORITY, FRA_TABLE } = await import('../wire/fib_rules.js');
  const { net, sh } = await twoUplinks();
  const t = new Task(net.kernel, net, new BufferStdio(), new BufferStdio(), 1);
  const fd = sys.socket(t, AF_NETLINK, SOCK_RAW, nl.NETLINK_ROUTE);
  sys.bind(t, fd, { family: AF_NETLINK, pid: 0, groups: 0 });
  sys.setsockopt(t, fd, SOL_NETLINK, nl.NETLINK_ADD_MEMBERSHIP, RTNLGRP_IPV4_RULE);
  await sh('ip rule add from 10.0.1.0/24 lookup 100 pref 500');
  await sh('ip rule del pref 500');
  const got: [number, number, number, number][] = [];
  for (;;) {
    const r = sys.recvmsgNow(t, fd, 65536);
    if (!r) break;
    for (const m of nl.nlmsgSplit(r.data).msgs) {
      const tb = nl.nlmsgParse(m.msg, FIB_RULE_HDR_LEN, FRA_MAX, null);
      assert.ok(typeof tb !== 'number');
      got.push([m.type, fibRuleHdrParse(m.msg, nl.NLMSG_HDRLEN).srcLen, nl.nlaGetU32(tb[FRA_PRIORITY]!), nl.nlaGetU32(tb[FRA_TABLE]!)]);
    }
  }
  assert.deepEqual(got, [[RTM_NEWRULE, 24, 500, 100], [RTM_DELRULE, 24, 500, 100]]);
});
