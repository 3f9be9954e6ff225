/**
 * fib_dump_info() against the Linux kernel: the RTM_NEWROUTE messages of a main
 * table dumped by Linux 6.18 (captured in a network namespace with the commands
 * below and a raw NETLINK_ROUTE dump socket; nlmsg_seq/pid zeroed) must come out of
 * tuxnet byte for byte, attribute order included, after the same `ip` commands.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKernel } from '../index.js';
import { Task } from '../socket/task.js';
import { programs } from '../tools/registry.js';
import { BufferStdio } from '../tools/tool.js';
import { NlMsgBuilder, NLM_F_MULTI } from '../wire/netlink.js';
import { RTM_NEWROUTE } from '../wire/rtnetlink.js';
import { RT_TABLE_MAIN } from '../wire/route.js';
import { fibTableWalk } from './fib_trie.js';
import { fibDumpInfo } from './fib_semantics.js';
import { fibGetTable } from './fib_frontend.js';

export const DUMP_SETUP = [
  'ip link add eth0 type veth peer name p0',
  'ip link add eth1 type veth peer name p1',
  'ip link set eth0 up', 'ip link set eth1 up', 'ip link set p0 up', 'ip link set p1 up', 'ip link set lo up',
  'ip addr add 10.0.0.1/24 dev eth0',
  'ip addr add 10.1.0.1/24 dev eth1',
  'ip route add 192.168.0.0/16 via 10.0.0.2 metric 10',
  'ip route add 172.16.0.0/12 via 10.0.0.3 dev eth0 mtu lock 1400 advmss 1360 src 10.0.0.1 proto static',
  'ip route add 198.51.100.0/24 nexthop via 10.0.0.2 weight 2 nexthop via 10.1.0.2 dev eth1',
  'ip route add unreachable 203.0.113.0/24',
  'ip route add blackhole 203.0.114.0/24 metric 5',
  'ip route add 100.64.0.0/10 via 10.9.9.9 dev eth0 onlink',
  'ip route add default via 10.0.0.254',
  'ip route add 10.5.0.0/16 dev eth1 scope link tos 0x10',
  'ip route add 10.30.0.0/16 via 10.0.0.2 congctl cubic window 1000 rtt 30 features ecn',
];

/** Linux 6.18's dump of table main after DUMP_SETUP, one message per line (seq and pid zeroed). */
const LINUX = [
  '3400000018000200000000000000000002000000fe0300010000000008000f00fe000000080005000a0000fe0800040003000000',
  '3c00000018000200000000000000000002180000fe02fd010000000008000f00fe000000080001000a000000080007000a0000010800040003000000',
  '3c00000018000200000000000000000002180000fe02fd010000000008000f00fe000000080001000a010000080007000a0100010800040005000000',
  '3400000018000200000000000000000002100010fe03fd010000000008000f00fe000000080001000a0500000800040005000000',
  '6400000018000200000000000000000002100000fe0300010000000008000f00fe000000080001000a1e00002800080008000300e8030000080004001e00000008000c00010000000a0010006375626963000000080005000a0000020800040003000000',
  '3c000000180002000000000000000000020a0000fe0300010400000008000f00fe0000000800010064400000080005000a0909090800040003000000',
  '60000000180002000000000000000000020c0000fe0400010000000008000f00fe00000008000100ac1000001c000800080001000400000008000200780500000800080050050000080007000a000001080005000a0000030800040003000000',
  '4400000018000200000000000000000002100000fe0300010000000008000f00fe00000008000100c0a80000080006000a000000080005000a0000020800040003000000',
  '5000000018000200000000000000000002180000fe0300010000000008000f00fe00000008000100c6336400240009001000000103000000080005000a0000021000000005000000080005000a010002',
  '2c00000018000200000000000000000002180000fe0300070000000008000f00fe00000008000100cb007100',
  '3400000018000200000000000000000002180000fe0300060000000008000f00fe00000008000100cb0072000800060005000000',
].map((s) => s.replace(/ /g, ''));

test('fib_dump_info: RTM_NEWROUTE bytes equal Linux 6.18 for gateway, onlink, metrics (lock, congctl, features), prefsrc, multipath, tos and reject routes', async () => {
  const k = createKernel({ seed: 3 });
  const net = k.newNet();
  net.refcnt++;
  for (const line of DUMP_SETUP) {
    const argv = line.split(' ');
    const out = new BufferStdio();
    const err = new BufferStdio();
    const rc = await programs.get('ip')!({ task: new Task(k, net, out, err, 1), argv, stdout: out, stderr: err, env: {},
      exec: async () => 0 });
    assert.equal(rc, 0, `${line}: ${err.text}`);
  }
  const tb = fibGetTable(net, RT_TABLE_MAIN)!;
  const ours: string[] = [];
  fibTableWalk(tb, (prefix, plen, fa) => {
    if (fa.tbId !== RT_TABLE_MAIN) return;
    const b = new NlMsgBuilder(256);
    assert.equal(fibDumpInfo(b, 0, 0, RTM_NEWROUTE,
      { fi: fa.faInfo, tbId: fa.tbId, dst: prefix, dstLen: plen, tos: fa.faTos, type: fa.faType }, NLM_F_MULTI), 0);
    ours.push(Buffer.from(b.bytes()).toString('hex'));
  });
  assert.deepEqual(ours, LINUX);
});
