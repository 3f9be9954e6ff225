import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testKernel } from '../../test/harness/kernel.js';
import type { Kernel, Net } from '../core/net_namespace.js';
import { allocNetdev } from '../core/netdevice.js';
import { registerNetdevice, unregisterNetdevice, devChangeName } from '../core/dev.js';
import { dummyOps, dummySetup } from '../drivers/dummy.js';
import { Task } from '../socket/task.js';
import * as sys from '../socket/syscalls.js';
import { BufferStdio } from '../tools/tool.js';
import { IPV4_DEVCONF_FORWARDING, IPV4_DEVCONF_RP_FILTER, inDevGet } from './inetdevice.js';
import { programs } from '../tools/registry.js';
import { ipv4Net } from './netns_ipv4.js';
import { procParseVec } from './sysctl_net_ipv4.js';

function setup(): { k: Kernel; net: Net; rd: (p: string) => string; wr: (p: string, v: string) => string } {
  const k = testKernel();
  const net = k.newNet();
  net.refcnt++;
  const task = new Task(k, net, new BufferStdio(), new BufferStdio(), 1);
  const path = (p: string): string => `/proc/sys/net/ipv4/${p}`;
  return {
    k, net,
    rd: (p) => sys.readFile(task, path(p)),
    wr: (p, v) => {
      try {
        sys.writeFile(task, path(p), v);
        return 'ok';
      } catch (e) {
        return (e as { code: string }).code;
      }
    },
  };
}

function dummy(k: Kernel, net: Net, name: string): ReturnType<typeof allocNetdev> {
  const dev = allocNetdev(name, (d) => dummySetup(d, k.rng), dummyOps);
  dev.net = net;
  assert.equal(registerNetdevice(net, dev), 0);
  return dev;
}

test('proc_dointvec parsing: blanks, base 0, one value required, extras ignored', () => {
  assert.deepEqual(procParseVec(' 33 ', 1), [33]);
  assert.deepEqual(procParseVec('0x20', 1), [32]);
  assert.deepEqual(procParseVec('010', 1), [8]);
  assert.deepEqual(procParseVec('64 65', 1), [64]);
  assert.deepEqual(procParseVec('1\t2\n', 2), [1, 2]);
  assert.deepEqual(procParseVec('-5', 1), [-5]);
  assert.equal(procParseVec('64x', 1), -22);
  assert.equal(procParseVec('+64', 1), -22);
  assert.equal(procParseVec(' ', 1), -22);
  assert.equal(procParseVec('1 x', 2), -22);
});

test('net.ipv4 scalars: formats and the ranges Linux checks', () => {
  const { rd, wr } = setup();
  assert.equal(rd('ip_default_ttl'), '64\n');
  assert.equal(wr('ip_default_ttl', '0'), 'EINVAL');
  assert.equal(wr('ip_default_ttl', '256'), 'EINVAL');
  assert.equal(wr('ip_default_ttl', '0x20'), 'ok');
  assert.equal(rd('ip_default_ttl'), '32\n');
  assert.equal(wr('ip_no_pmtu_disc', '256'), 'EINVAL');
  assert.equal(wr('ip_no_pmtu_disc', '-1'), 'EINVAL');
  assert.equal(wr('ip_no_pmtu_disc', '3'), 'ok');
  assert.equal(wr('icmp_echo_ignore_all', '2'), 'EINVAL');
  assert.equal(wr('fib_multipath_hash_policy', '4'), 'EINVAL');
  assert.equal(wr('fib_multipath_hash_policy', '3'), 'ok');
  assert.equal(wr('fib_multipath_hash_fields', '0'), 'EINVAL');
  assert.equal(wr('fib_multipath_hash_fields', '4096'), 'EINVAL');
  assert.equal(wr('fib_multipath_hash_fields', '4095'), 'ok');
  assert.equal(wr('ipfrag_high_thresh', '100'), 'EINVAL');
  assert.equal(wr('ipfrag_low_thresh', '5000000'), 'EINVAL');
  assert.equal(wr('ipfrag_max_dist', '-1'), 'EINVAL');
  assert.equal(wr('icmp_ratelimit', '-5'), 'EINVAL');
  assert.equal(wr('udp_rmem_min', '0'), 'EINVAL');
  assert.equal(wr('ip_forward_update_priority', '2'), 'EINVAL');
  assert.equal(wr('ip_nonlocal_bind', '5'), 'ok');
  assert.equal(wr('ipfrag_time', '-3'), 'ok');
  assert.equal(rd('ipfrag_time'), '-3\n');
});

test('ip_local_port_range, ip_unprivileged_port_start, ping_group_range, ip_local_reserved_ports', () => {
  const { net, rd, wr } = setup();
  assert.equal(rd('ip_local_port_range'), '32768\t60999\n');
  assert.equal(wr('ip_local_port_range', '40000 40000'), 'ok');
  assert.equal(wr('ip_local_port_range', '40001 40000'), 'EINVAL');
  assert.equal(wr('ip_local_port_range', '50000'), 'EINVAL'); // high stays 40000
  assert.equal(wr('ip_local_port_range', '1000 2000'), 'EINVAL'); // below ip_unprivileged_port_start
  assert.equal(wr('ip_local_port_range', '32768 70000'), 'EINVAL');
  assert.equal(wr('ip_local_port_range', '32768\t60999 7'), 'ok');
  assert.equal(ipv4Net(net).sysctl.ipLocalPortLow, 32768);
  assert.equal(wr('ip_unprivileged_port_start', '40000'), 'EINVAL');
  assert.equal(wr('ip_unprivileged_port_start', '65536'), 'EINVAL');
  assert.equal(wr('ip_unprivileged_port_start', '80'), 'ok');
  assert.equal(wr('ip_local_port_range', '1024 2000'), 'ok');
  assert.equal(rd('ping_group_range'), '1\t0\n');
  assert.equal(wr('ping_group_range', '0 4294967294'), 'ok');
  assert.equal(wr('ping_group_range', '0 4294967295'), 'EINVAL');
  assert.equal(wr('ping_group_range', '5'), 'ok');
  assert.equal(rd('ping_group_range'), '5\t4294967294\n');
  assert.equal(wr('ping_group_range', '10 5'), 'ok');
  assert.equal(rd('ping_group_range'), '1\t0\n');
  assert.equal(wr('ping_group_range', '-1 5'), 'EINVAL');
  assert.equal(rd('ip_local_reserved_ports'), '\n');
  assert.equal(wr('ip_local_reserved_ports', '1,2,3,5,9000-9010'), 'ok');
  assert.equal(rd('ip_local_reserved_ports'), '1-3,5,9000-9010\n');
  assert.equal(wr('ip_local_reserved_ports', '9010-9000'), 'EINVAL');
  assert.equal(wr('ip_local_reserved_ports', '65536'), 'EINVAL');
  assert.equal(wr('ip_local_reserved_ports', '1-3, 5'), 'EINVAL');
  assert.equal(wr('ip_local_reserved_ports', '0\n'), 'ok');
  assert.deepEqual([...ipv4Net(net).sysctl.ipLocalReservedPorts], [0]);
});

test('conf: all/forwarding and ip_forward reach default and every device; default reaches unset devices', async () => {
  const { k, net, rd, wr } = setup();
  const d0 = dummy(k, net, 'd0');
  assert.equal(rd('conf/d0/forwarding'), '0\n');
  assert.equal(wr('ip_forward', '1'), 'ok');
  assert.equal(rd('conf/all/forwarding'), '1\n');
  assert.equal(rd('conf/default/forwarding'), '1\n');
  assert.equal(rd('conf/d0/forwarding'), '1\n');
  assert.equal(rd('conf/lo/forwarding'), '1\n');
  assert.equal(rd('conf/all/accept_redirects'), '0\n');
  assert.equal(ipv4Net(net).sysctl.ipForward, 1);
  const g0 = ipv4Net(net).rtGenid;
  assert.equal(wr('conf/all/forwarding', '0'), 'ok');
  assert.ok(ipv4Net(net).rtGenid > g0);
  assert.equal(rd('ip_forward'), '0\n');
  assert.equal(inDevGet(d0)!.cnf[IPV4_DEVCONF_FORWARDING], 0);
  assert.equal(rd('conf/all/accept_redirects'), '1\n');
  // A device's own forwarding changes only that device.
  assert.equal(wr('conf/d0/forwarding', '1'), 'ok');
  assert.equal(rd('conf/lo/forwarding'), '0\n');
  // conf/default: copied into devices that never set the entry (new devices start from it).
  const d1 = dummy(k, net, 'd1');
  assert.equal(wr('conf/d0/rp_filter', '1'), 'ok');
  assert.equal(wr('conf/default/rp_filter', '2'), 'ok');
  assert.equal(rd('conf/d0/rp_filter'), '1\n');
  assert.equal(rd('conf/d1/rp_filter'), '2\n');
  // Once an address is added over netlink, every entry of the device counts as set (ipv4_devconf_setall).
  const task = new Task(k, net, new BufferStdio(), new BufferStdio(), 1);
  const argv = ['ip', 'addr', 'add', '10.0.0.1/24', 'dev', 'd1'];
  assert.equal(await programs.get('ip')!({ task, argv, stdout: new BufferStdio(), stderr: new BufferStdio(), env: {},
    exec: async () => 0 }), 0);
  assert.equal(wr('conf/default/rp_filter', '0'), 'ok');
  assert.equal(inDevGet(d1)!.cnf[IPV4_DEVCONF_RP_FILTER], 2);
  dummy(k, net, 'd2');
  assert.equal(rd('conf/d2/rp_filter'), '0\n');
  // Any int goes (proc_dointvec), mc_forwarding is read-only.
  assert.equal(wr('conf/d2/rp_filter', '-7'), 'ok');
  assert.equal(rd('conf/d2/rp_filter'), '-7\n');
  assert.equal(wr('conf/d2/mc_forwarding', '1'), 'EACCES');
});

test('conf/DEV entries come and go with the device and follow renames', () => {
  const { k, net, rd, wr } = setup();
  const task = new Task(k, net, new BufferStdio(), new BufferStdio(), 1);
  const d = dummy(k, net, 'd0');
  assert.deepEqual(sys.readdir(task, '/proc/sys/net/ipv4/conf'), ['all', 'd0', 'default', 'lo']);
  assert.equal(sys.readdir(task, '/proc/sys/net/ipv4/conf/d0').length, 33);
  assert.equal(wr('conf/d0/arp_ignore', '2'), 'ok');
  assert.equal(devChangeName(d, 'eth1'), 0);
  assert.equal(rd('conf/eth1/arp_ignore'), '2\n');
  assert.equal(wr('conf/d0/arp_ignore', '1'), 'ENOENT');
  unregisterNetdevice(d);
  assert.deepEqual(sys.readdir(task, '/proc/sys/net/ipv4/conf'), ['all', 'default', 'lo']);
});

test('a new namespace inherits conf/all and conf/default from the initial one (devconf_inherit_init_net 0)', () => {
  const k = testKernel();
  const task = new Task(k, k.initNet, new BufferStdio(), new BufferStdio(), 1);
  sys.writeFile(task, '/proc/sys/net/ipv4/ip_forward', '1');
  sys.writeFile(task, '/proc/sys/net/ipv4/conf/default/rp_filter', '2');
  const net = k.newNet();
  assert.equal(ipv4Net(net).sysctl.ipForward, 1);
  assert.equal(ipv4Net(net).devconfAll[IPV4_DEVCONF_FORWARDING], 1);
  assert.equal(inDevGet(net.loopbackDev!)!.cnf[IPV4_DEVCONF_RP_FILTER], 2);
  assert.equal(inDevGet(net.loopbackDev!)!.cnf[IPV4_DEVCONF_FORWARDING], 1);
});
