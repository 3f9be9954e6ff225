import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createKernel } from '../index.js';
import type { Net } from '../core/net_namespace.js';
import { EACCES, EAGAIN, EEXIST, EHOSTUNREACH, EINVAL, ENOENT, ESRCH } from '../socket/errno.js';
import { NlMsgBuilder, NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, nlmsgSplit } from '../wire/netlink.js';
import type { NetlinkCallback } from '../netlink/af_netlink.js';
import {
  RTN_BLACKHOLE, RTN_LOCAL, RTN_PROHIBIT, RTN_THROW, RTN_UNICAST, RTN_UNREACHABLE, RTPROT_BOOT, RTPROT_KERNEL,
  RT_SCOPE_HOST, RT_SCOPE_LINK, RT_SCOPE_NOWHERE, RT_SCOPE_UNIVERSE, RT_TABLE_MAIN,
} from '../wire/route.js';
import { Flowi4 } from './rtable.js';
import { FibConfig, FibResult, FIB_LOOKUP_NOREF } from './fib_lookup.js';
import { FibTrie } from './fib_trie_nodes.js';
import { FibTable, fibTableDelete, fibTableDump, fibTableFlush, fibTableInsert, fibTableLookup, fibTableWalk } from './fib_trie.js';
import { fibInfoCount } from './fib_semantics.js';

const ip = (s: string): number => s.split('.').reduce((a, b) => a * 256 + Number(b), 0);
const ntoa = (a: number): string => [a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join('.');
const mask = (l: number): number => (l === 0 ? 0 : (0xffffffff << (32 - l)) >>> 0);

/* ---------------- the bare trie vs a brute-force reference ---------------- */

function bruteLpm(set: Map<string, [number, number]>, key: number, below = 33): number {
  let best = -1;
  let bestId = 0;
  for (const [k, [p, l]] of set) {
    if (l >= below) continue;
    if (((key & mask(l)) >>> 0) === p && l > best) {
      best = l;
      bestId = Number(k.split('/')[2]);
    }
  }
  return bestId;
}

test('trie: longest prefix match equals a brute-force search under random inserts and deletes', () => {
  // Prefixes drawn from a few /8s so that they nest and collide a lot.
  const prefixArb = fc.tuple(fc.constantFrom(10, 172, 192, 0, 255), fc.integer({ min: 0, max: 0xffffff }),
    fc.integer({ min: 0, max: 32 })).map(([a, rest, l]) => {
    const key = (((a << 24) | rest) & mask(l)) >>> 0;
    return [key, l] as [number, number];
  });
  const opArb = fc.tuple(fc.boolean(), prefixArb);
  fc.assert(fc.property(fc.array(opArb, { maxLength: 120 }), fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 40 }),
    (ops, probes) => {
      const t = new FibTrie();
      const ref = new Map<string, [number, number]>();
      for (const [add, [key, l]] of ops) {
        const name = `${key}/${l}`;
        const have = [...ref.keys()].find((k) => k.startsWith(`${name}/`));
        if (add && have === undefined) {
          const id = t.addPrefix(key, l, 0, 1);
          ref.set(`${name}/${id}`, [key, l]);
        } else if (!add && have !== undefined) {
          const id = Number(have.split('/')[2]);
          t.removeAlias(id, -id);
          ref.delete(have);
        }
      }
      const keys = [...probes, ...[...ref.values()].map(([k]) => k), ...[...ref.values()].map(([k, l]) => (k | ~mask(l)) >>> 0)];
      for (const key of keys) {
        assert.equal(t.lpmId(key), bruteLpm(ref, key), `lpm ${ntoa(key)}`);
        const id = t.lpmId(key);
        if (id !== 0) assert.equal(t.lpmShorter(key, t.pfxLen(id)), bruteLpm(ref, key, t.pfxLen(id)), `shorter ${ntoa(key)}`);
      }
      // Dump order: key ascending, then longer prefixes first.
      const order = [...t.dumpOrder()].map((id) => [t.pfxKey(id), t.pfxLen(id)] as [number, number]);
      const want = [...ref.values()].sort((a, b) => a[0] - b[0] || b[1] - a[1]);
      assert.deepEqual(order, want);
      assert.equal(t.count, ref.size);
      if (ref.size === 0) assert.equal(t.nodes, 1, 'only the root is left');
    }), { numRuns: 300 });
});

test('trie: emptied nodes are freed and their memory reused', () => {
  const t = new FibTrie();
  const ids: number[] = [];
  for (let i = 0; i < 100; i++) ids.push(t.addPrefix(ip(`10.${i}.1.128`), 25, 0, 1));
  const bytes = t.bytes();
  assert.equal(t.nodes, 1 + 1 + 100 + 100);
  for (const id of ids) t.removeAlias(id, -id);
  assert.equal(t.nodes, 1);
  assert.equal(t.lpmId(ip('10.5.1.129')), 0);
  for (let i = 0; i < 100; i++) t.addPrefix(ip(`10.${i}.1.128`), 25, 0, 1);
  assert.equal(t.bytes(), bytes, 'node memory was reused');
});

test('trie: aliases of a prefix keep their order through inserts and removals', () => {
  const t = new FibTrie();
  const id = t.addPrefix(ip('10.0.0.0'), 8, 1 << 8, 1);
  t.insertAlias(id, 0, 2 << 8, 2); // tail
  t.insertAlias(id, -id, 3 << 8, 3); // new head
  const tos = (): number[] => {
    const out: number[] = [];
    for (let r = -id; r !== 0; r = t.aliasNext(r)) out.push((t.aliasMeta(r) >>> 8) & 0xff);
    return out;
  };
  assert.deepEqual(tos(), [3, 1, 2]);
  assert.equal(t.pfxLen(id), 8);
  t.removeAlias(id, -id);
  assert.deepEqual(tos(), [1, 2]);
  assert.equal(t.aliasInfoIdx(-id), 1);
  t.removeAlias(id, t.aliasNext(-id));
  assert.deepEqual(tos(), [1]);
  t.removeAlias(id, -id);
  assert.equal(t.count, 0);
  assert.equal(t.findPrefix(ip('10.0.0.0'), 8), 0);
});

/* ---------------- fib_table_insert / lookup / delete semantics ---------------- */

function setup(): { net: Net; tb: FibTable; lo: number; infos0: number } {
  const k = createKernel({ seed: 1 });
  const net = k.initNet;
  // A private table (not the namespace's main), so that only these routes are in it.
  return { net, tb: new FibTable(RT_TABLE_MAIN), lo: net.devGetByName('lo')!.ifindex, infos0: fibInfoCount(net) };
}

/** A route with a host-scope nexthop on `oif` (needs no address or gateway checks). */
function hostRoute(net: Net, dst: string, opts: Partial<FibConfig> = {}): FibConfig {
  const [a, l] = dst.split('/');
  const c = new FibConfig(net);
  c.fcDst = ip(a!);
  c.fcDstLen = l === undefined ? 32 : Number(l);
  c.fcType = RTN_UNICAST;
  c.fcScope = RT_SCOPE_HOST;
  c.fcProtocol = RTPROT_BOOT;
  c.fcTable = RT_TABLE_MAIN;
  c.fcOif = net.devGetByName('lo')!.ifindex;
  c.fcNlflags = NLM_F_CREATE | NLM_F_EXCL;
  Object.assign(c, opts);
  return c;
}

function rejectRoute(net: Net, dst: string, type: number, opts: Partial<FibConfig> = {}): FibConfig {
  const c = hostRoute(net, dst, opts);
  c.fcType = type;
  c.fcScope = RT_SCOPE_UNIVERSE;
  c.fcOif = 0;
  Object.assign(c, opts);
  return c;
}

function lookup(tb: FibTable, daddr: string, f: Partial<Flowi4> = {}): { err: number; res: FibResult } {
  const fl4 = new Flowi4();
  fl4.daddr = ip(daddr);
  Object.assign(fl4, f);
  const res = new FibResult();
  return { err: fibTableLookup(tb, fl4, res, FIB_LOOKUP_NOREF), res };
}

function routes(tb: FibTable): string[] {
  const out: string[] = [];
  fibTableWalk(tb, (p, l, fa) => {
    out.push(`${ntoa(p)}/${l} type ${fa.faType} tos ${fa.faTos} metric ${fa.faInfo.fibPriority} proto ${fa.faInfo.fibProtocol}`);
  });
  return out;
}

test('insert/lookup: longest prefix wins, then shorter prefixes, -EAGAIN when nothing matches', () => {
  const { net, tb, infos0 } = setup();
  assert.equal(fibTableInsert(net, tb, hostRoute(net, '10.0.0.0/8')), 0);
  assert.equal(fibTableInsert(net, tb, hostRoute(net, '10.1.0.0/16')), 0);
  assert.equal(fibTableInsert(net, tb, hostRoute(net, '10.1.2.0/24')), 0);
  assert.equal(fibTableInsert(net, tb, hostRoute(net, '0.0.0.0/0')), 0);
  let r = lookup(tb, '10.1.2.3');
  assert.equal(r.err, 0);
  assert.equal(ntoa(r.res.prefix), '10.1.2.0');
  assert.equal(r.res.prefixlen, 24);
  assert.equal(r.res.type, RTN_UNICAST);
  assert.equal(r.res.scope, RT_SCOPE_HOST);
  assert.equal(r.res.table, tb);
  r = lookup(tb, '10.1.3.3');
  assert.equal(r.res.prefixlen, 16);
  r = lookup(tb, '10.2.3.3');
  assert.equal(r.res.prefixlen, 8);
  r = lookup(tb, '11.0.0.1');
  assert.equal(r.res.prefixlen, 0);
  assert.equal(tb.tbNumDefault, 1);
  const empty = new FibTable(100);
  assert.equal(lookup(empty, '1.2.3.4').err, -EAGAIN);
  // All routes share one FibInfo.
  assert.equal(fibInfoCount(net), infos0 + 1);
});

test('insert: bad prefixes are -EINVAL with Linux extack messages', () => {
  const { net, tb } = setup();
  const ext: { msg?: string } = {};
  assert.equal(fibTableInsert(net, tb, hostRoute(net, '10.0.0.1/8'), ext), -EINVAL);
  assert.equal(ext.msg, 'Invalid prefix for given prefix length');
  const c = hostRoute(net, '10.0.0.0/8');
  c.fcDstLen = 33;
  assert.equal(fibTableInsert(net, tb, c, ext), -EINVAL);
  assert.equal(ext.msg, 'Invalid prefix length');
});

test('insert: EXCL, REPLACE, APPEND and CREATE semantics', () => {
  const { net, tb } = setup();
  assert.equal(fibTableInsert(net, tb, hostRoute(net, '10.0.0.0/8')), 0);
  // Same prefix, tos, metric: -EEXIST with NLM_F_EXCL (ip route add).
  assert.equal(fibTableInsert(net, tb, hostRoute(net, '10.0.0.0/8', { fcProtocol: RTPROT_KERNEL })), -EEXIST);
  // Without EXCL and without APPEND: prepended (ip route prepend).
  assert.equal(fibTableInsert(net, tb, hostRoute(net, '10.0.0.0/8', { fcProtocol: RTPROT_KERNEL, fcNlflags: NLM_F_CREATE })), 0);
  assert.deepEqual(routes(tb), ['10.0.0.0/8 type 1 tos 0 metric 0 proto 2', '10.0.0.0/8 type 1 tos 0 metric 0 proto 3']);
  // APPEND goes after the aliases with the same tos and metric.
  assert.equal(fibTableInsert(net, tb, hostRoute(net, '10.0.0.0/8', { fcProtocol: 9, fcNlflags: NLM_F_CREATE | NLM_F_APPEND })), 0);
  assert.equal(routes(tb)[2], '10.0.0.0/8 type 1 tos 0 metric 0 proto 9');
  // The very same route again (same type and info) is -EEXIST even without EXCL.
  assert.equal(fibTableInsert(net, tb, hostRoute(net, '10.0.0.0/8', { fcProtocol: 9, fcNlflags: NLM_F_CREATE | NLM_F_APPEND })), -EEXIST);
  // REPLACE replaces the first alias of that tos/metric.
  assert.equal(fibTableInsert(net, tb, hostRoute(net, '10.0.0.0/8', { fcProtocol: 16, fcNlflags: NLM_F_CREATE | NLM_F_REPLACE })), 0);
  assert.deepEqual(routes(tb).map((s) => s.split(' proto ')[1]), ['16', '3', '9']);
  // REPLACE with the first alias identical: 0, nothing changes; identical to a later one: -EEXIST.
  assert.equal(fibTableInsert(net, tb, hostRoute(net, '10.0.0.0/8', { fcProtocol: 16, fcNlflags: NLM_F_REPLACE })), 0);
  assert.equal(fibTableInsert(net, tb, hostRoute(net, '10.0.0.0/8', { fcProtocol: 9, fcNlflags: NLM_F_REPLACE })), -EEXIST);
  // REPLACE without CREATE of something absent: -ENOENT (ip route change).
  assert.equal(fibTableInsert(net, tb, hostRoute(net, '10.9.0.0/16', { fcNlflags: NLM_F_REPLACE })), -ENOENT);
  // Different metric: a new alias after the lower metric.
  assert.equal(fibTableInsert(net, tb, hostRoute(net, '10.0.0.0/8', { fcPriority: 5 })), 0);
  assert.equal(fibTableInsert(net, tb, hostRoute(net, '10.0.0.0/8', { fcPriority: 1 })), 0);
  assert.deepEqual(routes(tb).map((s) => s.split(' metric ')[1]!.split(' ')[0]), ['0', '0', '0', '1', '5']);
  // tos: higher tos first.
  assert.equal(fibTableInsert(net, tb, hostRoute(net, '10.0.0.0/8', { fcTos: 0x10 })), 0);
  assert.equal(routes(tb)[0], '10.0.0.0/8 type 1 tos 16 metric 0 proto 3');
  // A lookup with another tos skips the tos route; with its tos takes it.
  assert.equal(lookup(tb, '10.0.0.1').res.fi!.fibProtocol, 16);
  assert.equal(lookup(tb, '10.0.0.1', { tos: 0x10 }).res.fi!.fibProtocol, RTPROT_BOOT);
});

test('lookup: reject routes fail with fib_props errors; throw is -EAGAIN', () => {
  const { net, tb } = setup();
  assert.equal(fibTableInsert(net, tb, rejectRoute(net, '10.1.0.0/16', RTN_UNREACHABLE)), 0);
  assert.equal(fibTableInsert(net, tb, rejectRoute(net, '10.2.0.0/16', RTN_PROHIBIT)), 0);
  assert.equal(fibTableInsert(net, tb, rejectRoute(net, '10.3.0.0/16', RTN_BLACKHOLE)), 0);
  assert.equal(fibTableInsert(net, tb, rejectRoute(net, '10.4.0.0/16', RTN_THROW)), 0);
  assert.equal(fibTableInsert(net, tb, hostRoute(net, '10.0.0.0/8')), 0);
  assert.equal(lookup(tb, '10.1.0.1').err, -EHOSTUNREACH);
  assert.equal(lookup(tb, '10.2.0.1').err, -EACCES);
  assert.equal(lookup(tb, '10.3.0.1').err, -EINVAL);
  assert.equal(lookup(tb, '10.4.0.1').err, -EAGAIN);
  assert.equal(lookup(tb, '10.5.0.1').err, 0);
  // A reject route with a device is refused.
  const ext: { msg?: string } = {};
  const c = rejectRoute(net, '10.6.0.0/16', RTN_UNREACHABLE, { fcOif: 1 });
  assert.equal(fibTableInsert(net, tb, c, ext), -EINVAL);
  assert.equal(ext.msg, 'Gateway, device and multipath can not be specified for this route type');
});

test('lookup: scope, oif and dead checks fall back to shorter prefixes', () => {
  const { net, tb, lo } = setup();
  assert.equal(fibTableInsert(net, tb, hostRoute(net, '10.0.0.0/8')), 0);
  const local = hostRoute(net, '10.1.0.0/16', { fcType: RTN_LOCAL, fcProtocol: RTPROT_KERNEL });
  assert.equal(fibTableInsert(net, tb, local), 0);
  // A flow asking for scope > host skips both.
  assert.equal(lookup(tb, '10.1.0.1', { scope: RT_SCOPE_NOWHERE }).err, -EAGAIN);
  // oif must match the nexthop.
  assert.equal(lookup(tb, '10.1.0.1', { oif: lo }).res.prefixlen, 16);
  assert.equal(lookup(tb, '10.1.0.1', { oif: lo + 100 }).err, -EAGAIN);
  // A dead info is skipped.
  const r = lookup(tb, '10.1.0.1');
  assert.equal(r.res.type, RTN_LOCAL);
  r.res.fi!.fibFlags |= 1;
  assert.equal(lookup(tb, '10.1.0.1').res.prefixlen, 8);
  assert.equal(fibTableFlush(net, tb, false), 1);
  assert.deepEqual(routes(tb), ['10.0.0.0/8 type 1 tos 0 metric 0 proto 3']);
});

test('delete: matches type, scope, protocol, metric; -ESRCH otherwise', () => {
  const { net, tb, infos0 } = setup();
  assert.equal(fibTableInsert(net, tb, hostRoute(net, '10.0.0.0/8', { fcPriority: 10 })), 0);
  assert.equal(fibTableInsert(net, tb, hostRoute(net, '10.0.0.0/8', { fcPriority: 20, fcProtocol: RTPROT_KERNEL })), 0);
  const del = (o: Partial<FibConfig>): number => {
    const c = new FibConfig(net);
    c.fcDst = ip('10.0.0.0');
    c.fcDstLen = 8;
    c.fcScope = RT_SCOPE_NOWHERE;
    c.fcTable = RT_TABLE_MAIN;
    Object.assign(c, o);
    return fibTableDelete(net, tb, c);
  };
  assert.equal(del({ fcDstLen: 16 }), -ESRCH);
  assert.equal(del({ fcType: RTN_LOCAL }), -ESRCH);
  assert.equal(del({ fcScope: RT_SCOPE_LINK }), -ESRCH);
  assert.equal(del({ fcPriority: 30 }), -ESRCH);
  assert.equal(del({ fcTos: 4 }), -ESRCH);
  assert.equal(del({ fcProtocol: RTPROT_KERNEL }), 0);
  assert.deepEqual(routes(tb), ['10.0.0.0/8 type 1 tos 0 metric 10 proto 3']);
  assert.equal(del({}), 0);
  assert.deepEqual(routes(tb), []);
  assert.equal(del({}), -ESRCH);
  assert.equal(fibInfoCount(net), infos0);
  assert.equal(tb.count, 0);
});

test('lookup equals a reference walk of the alias lists under random insert/replace/append/delete and lookups', () => {
  const { net, tb } = setup();
  const pool = ['10.0.0.0/8', '10.1.0.0/16', '10.1.2.0/24', '10.1.2.128/25', '10.1.2.129/32', '0.0.0.0/0', '10.1.0.0/17',
    '192.168.0.0/16', '192.168.1.0/24', '10.0.0.0/9'];
  const types = [RTN_UNICAST, RTN_UNICAST, RTN_UNICAST, RTN_UNREACHABLE, RTN_BLACKHOLE, RTN_THROW, RTN_LOCAL];
  const flagSets = [NLM_F_CREATE | NLM_F_EXCL, NLM_F_CREATE, NLM_F_CREATE | NLM_F_APPEND, NLM_F_CREATE | NLM_F_REPLACE, NLM_F_REPLACE];
  const op = fc.oneof(
    fc.record({ k: fc.constant('add' as const), p: fc.constantFrom(...pool), tos: fc.constantFrom(0, 0x10),
      prio: fc.constantFrom(0, 5), type: fc.constantFrom(...types), proto: fc.integer({ min: 3, max: 250 }),
      flags: fc.constantFrom(...flagSets) }),
    fc.record({ k: fc.constant('del' as const), p: fc.constantFrom(...pool), tos: fc.constantFrom(0, 0x10),
      proto: fc.constantFrom(0, 0, 3, 4, 5) }),
    fc.record({ k: fc.constant('get' as const), p: fc.constantFrom(...pool), host: fc.integer({ min: 0, max: 0xffffffff }),
      tos: fc.constantFrom(0, 0x10, 0x18), scope: fc.constantFrom(RT_SCOPE_UNIVERSE, RT_SCOPE_HOST, RT_SCOPE_NOWHERE) }),
  );
  const errOf: Record<number, number> = { [RTN_UNREACHABLE]: -EHOSTUNREACH, [RTN_BLACKHOLE]: -EINVAL, [RTN_THROW]: -EAGAIN };
  fc.assert(fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
    // Empty the table between runs (fibTableDelete of everything).
    for (;;) {
      let any = false;
      fibTableWalk(tb, (p, l, fa) => {
        const c = hostRoute(net, `${ntoa(p)}/${l}`, { fcTos: fa.faTos, fcScope: RT_SCOPE_NOWHERE, fcOif: 0, fcType: 0, fcProtocol: 0 });
        assert.equal(fibTableDelete(net, tb, c), 0);
        any = true;
        return false;
      });
      if (!any) break;
    }
    for (const o of ops) {
      if (o.k === 'add') {
        const c = o.type === RTN_UNICAST || o.type === RTN_LOCAL
          ? hostRoute(net, o.p, { fcTos: o.tos, fcPriority: o.prio, fcType: o.type, fcProtocol: o.proto, fcNlflags: o.flags })
          : rejectRoute(net, o.p, o.type, { fcTos: o.tos, fcPriority: o.prio, fcProtocol: o.proto, fcNlflags: o.flags });
        fibTableInsert(net, tb, c);
      } else if (o.k === 'del') {
        fibTableDelete(net, tb, hostRoute(net, o.p, { fcTos: o.tos, fcScope: RT_SCOPE_NOWHERE, fcOif: 0, fcType: 0,
          fcProtocol: o.proto }));
      } else {
        const [a, l] = o.p.split('/');
        const len = Number(l);
        const daddr = ((ip(a!) & mask(len)) | (o.host & ~mask(len))) >>> 0;
        // The reference: covering prefixes longest first, aliases in list order (as fibTableWalk lists them).
        const all: { p: number; l: number; tos: number; type: number; scope: number; proto: number }[] = [];
        fibTableWalk(tb, (p, pl, fa) => {
          all.push({ p, l: pl, tos: fa.faTos, type: fa.faType, scope: fa.faInfo.fibScope, proto: fa.faInfo.fibProtocol });
        });
        let want: { err: number; r?: (typeof all)[number] } = { err: -EAGAIN };
        const cover = all.filter((r) => ((daddr & mask(r.l)) >>> 0) === r.p).sort((x, y) => y.l - x.l);
        for (const r of cover) {
          if (r.tos && r.tos !== o.tos) continue;
          if (r.scope < o.scope) continue;
          want = errOf[r.type] !== undefined ? { err: errOf[r.type]! } : { err: 0, r };
          break;
        }
        const got = lookup(tb, ntoa(daddr), { tos: o.tos, scope: o.scope });
        assert.equal(got.err, want.err, `${ntoa(daddr)} tos ${o.tos} scope ${o.scope}`);
        if (want.err === 0) {
          assert.deepEqual([got.res.prefix, got.res.prefixlen, got.res.type, got.res.fi!.fibProtocol, got.res.tos],
            [want.r!.p, want.r!.l, want.r!.type, want.r!.proto, want.r!.tos]);
        }
      }
    }
  }), { numRuns: 200 });
});

test('fib_table_dump: resumed in rounds of a small buffer, the messages equal one big round, in Linux order', () => {
  const { net, tb } = setup();
  const rnd = fc.sample(fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 }),
    fc.constantFrom(0, 0x10), fc.constantFrom(0, 7)), { numRuns: 300, seed: 42 });
  for (const [k, l, tos, prio] of rnd) {
    fibTableInsert(net, tb, hostRoute(net, `${ntoa((k & mask(l)) >>> 0)}/${l}`, { fcTos: tos, fcPriority: prio,
      fcNlflags: NLM_F_CREATE | NLM_F_APPEND }));
  }
  const filter = { table: 0, dumpRoutes: true, dumpExceptions: false, filterSet: false, rtType: 0, protocol: 0, dev: null,
    flags: 0 };
  const dumpAll = (room: number): string[] => {
    const cb = { nlh: { seq: 1 }, sk: { portid: 9 }, args: [0, 0, 0, 0, 0, 0] } as unknown as NetlinkCallback;
    const out: string[] = [];
    for (let round = 0; round < 10000; round++) {
      const skb = new NlMsgBuilder(room, room);
      const r = fibTableDump(tb, skb, cb, filter);
      for (const m of nlmsgSplit(skb.bytes()).msgs) out.push(Buffer.from(m.msg).toString('hex'));
      if (r >= 0 && skb.len === 0) break;
      if (r >= 0 && cb.args[3] === -1) break;
    }
    return out;
  };
  const big = dumpAll(1 << 20);
  let routesIn = 0;
  fibTableWalk(tb, () => { routesIn++; });
  assert.equal(big.length, routesIn);
  assert.deepEqual(dumpAll(200), big);
  // Order: destination ascending, then the longer prefix first (Linux's leaf order).
  const dsts = big.map((h) => {
    const b = Buffer.from(h, 'hex');
    const dstLen = b[17]!;
    let dst = 0;
    for (let off = 28; off < b.length;) {
      const alen = b.readUInt16LE(off);
      if (b.readUInt16LE(off + 2) === 1) dst = b.readUInt32BE(off + 4);
      off += (alen + 3) & ~3;
    }
    return [dst, dstLen] as [number, number];
  });
  for (let i = 1; i < dsts.length; i++) {
    const [a, al] = dsts[i - 1]!;
    const [b, bl] = dsts[i]!;
    assert.ok(a < b || (a === b && al >= bl), `order at ${i}`);
  }
});
