import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testKernel } from '../../test/harness/kernel.js';
import type { Kernel, Net } from '../core/net_namespace.js';
import { type NetDevice, allocNetdev } from '../core/netdevice.js';
import { registerNetdevice, unregisterNetdevice, devOpen, devChangeName } from '../core/dev.js';
import { dummyOps, dummySetup } from '../drivers/dummy.js';
import { NETDEV_UP, NETDEV_DOWN } from '../core/notifier.js';
import { RT_SCOPE_HOST, RT_SCOPE_LINK, RT_SCOPE_UNIVERSE } from '../wire/route.js';
import { IFA_F_SECONDARY, IFA_F_PERMANENT, IFA_F_DEPRECATED } from '../wire/if_addr.js';
import {
  type InIfaddr, InDevice, IPV4_DEVCONF_PROMOTE_SECONDARIES, IPV4_DEVCONF_RP_FILTER, INFINITY_LIFE_TIME, inDevGet,
  inetMakeMask,
} from './inetdevice.js';
import {
  inetaddrChain, inetAllocIfa, inetInsertIfa, inetDelIfa, setIfaLifetime, inetSelectAddr, inetConfirmAddr,
  ipDevFind, inetIfaByPrefix, inetIfaddrFor, inetAddrOnlink,
} from './devinet.js';
import { ipv4Net } from './netns_ipv4.js';
import { type IfreqIn } from './devinet.js';
import {
  SIOCGIFADDR, SIOCSIFADDR, SIOCGIFNETMASK, SIOCSIFNETMASK, SIOCGIFBRDADDR, SIOCSIFBRDADDR, SIOCSIFFLAGS,
} from './af_inet.js';
import { Task } from '../socket/task.js';
import * as sys from '../socket/syscalls.js';
import { AF_INET, SOCK_DGRAM, type SockaddrIn } from '../socket/socket.js';
import { BufferStdio } from '../tools/tool.js';

const ip = (s: string): number => s.split('.').reduce((a, b) => a * 256 + Number(b), 0);
const str = (a: number): string => `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;

function dummy(k: Kernel, net: Net, name: string): NetDevice {
  const dev = allocNetdev(name, (d) => dummySetup(d, k.rng), dummyOps);
  dev.net = net;
  assert.equal(registerNetdevice(net, dev), 0);
  return dev;
}

function add(dev: NetDevice, cidr: string, scope = RT_SCOPE_UNIVERSE, label?: string): number {
  const [a, l] = cidr.split('/');
  const inDev = inDevGet(dev)!;
  const ifa = inetAllocIfa(inDev);
  ifa.ifaLocal = ifa.ifaAddress = ip(a!);
  ifa.ifaPrefixlen = Number(l ?? 32);
  ifa.ifaMask = inetMakeMask(ifa.ifaPrefixlen);
  ifa.ifaScope = scope;
  ifa.ifaLabel = label ?? dev.name;
  setIfaLifetime(ifa, INFINITY_LIFE_TIME, INFINITY_LIFE_TIME, true);
  return inetInsertIfa(ifa);
}

function list(dev: NetDevice): string[] {
  return inDevGet(dev)!.ifaList.map((i) => `${str(i.ifaLocal)}/${i.ifaPrefixlen}${i.ifaFlags & IFA_F_SECONDARY ? ' sec' : ''}`);
}

function events(k: Kernel): string[] {
  const log: string[] = [];
  inetaddrChain(k).register((ev: number, ifa: InIfaddr) => {
    log.push(`${ev === NETDEV_UP ? 'up' : ev === NETDEV_DOWN ? 'down' : ev} ${str(ifa.ifaLocal)}`);
    return 0;
  });
  return log;
}

test('every device gets an InDevice; lo gets 127.0.0.1/8 scope host when it comes up', () => {
  const k = testKernel();
  const lo = k.initNet.loopbackDev!;
  assert.ok(inDevGet(lo) instanceof InDevice);
  assert.deepEqual(list(lo), ['127.0.0.1/8']);
  const ifa = inDevGet(lo)!.ifaList[0]!;
  assert.equal(ifa.ifaScope, RT_SCOPE_HOST);
  assert.equal(ifa.ifaLabel, 'lo');
  assert.equal(ifa.ifaFlags & IFA_F_PERMANENT, IFA_F_PERMANENT);
  // A new namespace: lo down, no address until it is brought up.
  const net = k.newNet();
  const lo2 = net.loopbackDev!;
  assert.deepEqual(list(lo2), []);
  devOpen(lo2);
  assert.deepEqual(list(lo2), ['127.0.0.1/8']);
  // cnf is a copy of conf/default taken at registration.
  ipv4Net(net).devconfDflt[IPV4_DEVCONF_RP_FILTER] = 2;
  const d = dummy(k, net, 'd0');
  assert.equal(inDevGet(d)!.cnf[IPV4_DEVCONF_RP_FILTER], 2);
  assert.equal(inDevGet(lo2)!.cnf[IPV4_DEVCONF_RP_FILTER], 0);
  unregisterNetdevice(d);
  assert.equal(inDevGet(d), null);
});

test('primaries and secondaries: order, EEXIST, scope clash, deletion takes secondaries', () => {
  const k = testKernel();
  const d = dummy(k, k.initNet, 'd0');
  const log = events(k);
  assert.equal(add(d, '10.0.0.1/24'), 0);
  assert.equal(add(d, '10.0.0.2/24'), 0);
  assert.equal(add(d, '10.0.1.1/24'), 0);
  assert.equal(add(d, '10.0.0.1/24'), -17);
  assert.equal(add(d, '10.0.0.3/24', RT_SCOPE_LINK), -22);
  assert.equal(add(d, '10.0.0.1/16'), 0); // another prefix: a primary
  assert.deepEqual(list(d), ['10.0.0.1/24', '10.0.1.1/24', '10.0.0.1/16', '10.0.0.2/24 sec']);
  assert.deepEqual(log, ['up 10.0.0.1', 'up 10.0.0.2', 'up 10.0.1.1', 'up 10.0.0.1']);
  log.length = 0;
  inetDelIfa(inDevGet(d)!, inDevGet(d)!.ifaList[0]!, true);
  assert.deepEqual(list(d), ['10.0.1.1/24', '10.0.0.1/16']);
  assert.deepEqual(log, ['down 10.0.0.2', 'down 10.0.0.1']);
});

test('promote_secondaries: the first secondary becomes primary, after the last primary of its scope', () => {
  const k = testKernel();
  const d = dummy(k, k.initNet, 'd0');
  inDevGet(d)!.cnf[IPV4_DEVCONF_PROMOTE_SECONDARIES] = 1;
  add(d, '10.0.0.1/24');
  add(d, '10.0.1.1/24');
  add(d, '10.0.0.2/24');
  add(d, '10.0.0.3/24');
  const log = events(k);
  inetDelIfa(inDevGet(d)!, inDevGet(d)!.ifaList[0]!, true);
  assert.deepEqual(list(d), ['10.0.1.1/24', '10.0.0.2/24', '10.0.0.3/24 sec']);
  assert.deepEqual(log, ['down 10.0.0.1', 'up 10.0.0.2']);
});

test('source selection, confirm, lookups', () => {
  const k = testKernel();
  const net = k.initNet;
  const d0 = dummy(k, net, 'd0');
  const d1 = dummy(k, net, 'd1');
  add(d0, '10.0.0.1/24');
  add(d0, '192.168.5.1/24');
  add(d0, '10.0.0.9/24'); // secondary, never selected
  add(d1, '169.254.1.1/16', RT_SCOPE_LINK);
  assert.equal(str(inetSelectAddr(d0, ip('192.168.5.77'), RT_SCOPE_UNIVERSE)), '192.168.5.1');
  assert.equal(str(inetSelectAddr(d0, ip('8.8.8.8'), RT_SCOPE_UNIVERSE)), '10.0.0.1');
  assert.equal(str(inetSelectAddr(d1, ip('8.8.8.8'), RT_SCOPE_LINK)), '169.254.1.1');
  // No universe address on d1: any device's (lo's 127.0.0.1 is host scope, so d0's).
  assert.equal(str(inetSelectAddr(d1, ip('8.8.8.8'), RT_SCOPE_UNIVERSE)), '10.0.0.1');
  assert.equal(str(inetSelectAddr(d1, 0, RT_SCOPE_HOST)), '169.254.1.1');
  assert.equal(ipDevFind(net, ip('10.0.0.9')), d0);
  assert.equal(ipDevFind(net, ip('10.0.0.7')), null);
  assert.equal(inetIfaByPrefix(inDevGet(d0)!, ip('10.0.0.0'), inetMakeMask(24))?.ifaLocal, ip('10.0.0.1'));
  assert.equal(inetIfaddrFor(inDevGet(d0)!, ip('10.0.0.9'))?.ifaLocal, ip('10.0.0.9'));
  assert.equal(inetAddrOnlink(inDevGet(d0)!, ip('10.0.0.200'), ip('10.0.0.3')), true);
  assert.equal(inetAddrOnlink(inDevGet(d0)!, ip('10.0.0.200'), ip('10.0.1.3')), false);
  assert.equal(str(inetConfirmAddr(net, null, ip('10.0.0.5'), 0, RT_SCOPE_LINK)), '10.0.0.1');
  assert.equal(str(inetConfirmAddr(net, inDevGet(d0)!, 0, ip('10.0.0.9'), RT_SCOPE_HOST)), '10.0.0.9');
  assert.equal(inetConfirmAddr(net, inDevGet(d1)!, ip('10.0.0.5'), 0, RT_SCOPE_LINK), 0);
});

test('renames relabel addresses; lifetimes expire on the kernel clock', async () => {
  const k = testKernel();
  const d = dummy(k, k.initNet, 'd0');
  add(d, '10.0.0.1/24');
  add(d, '10.0.0.2/24', RT_SCOPE_UNIVERSE, 'd0:foo');
  add(d, '10.0.0.3/24');
  assert.equal(devChangeName(d, 'eth7'), 0);
  assert.deepEqual(inDevGet(d)!.ifaList.map((i) => i.ifaLabel), ['eth7', 'eth7:foo', 'eth7:3']);
  const inDev = inDevGet(d)!;
  const ifa = inetAllocIfa(inDev);
  ifa.ifaLocal = ifa.ifaAddress = ip('10.9.0.1');
  ifa.ifaPrefixlen = 24;
  ifa.ifaMask = inetMakeMask(24);
  ifa.ifaLabel = 'eth7';
  setIfaLifetime(ifa, 10, 5, true);
  assert.equal(inetInsertIfa(ifa), 0);
  const log = events(k);
  await k.sleep(6e9);
  assert.equal(ifa.ifaFlags & IFA_F_DEPRECATED, IFA_F_DEPRECATED);
  assert.ok(inDev.ifaList.includes(ifa));
  await k.sleep(5e9);
  assert.ok(!inDev.ifaList.includes(ifa));
  assert.deepEqual(log, ['down 10.9.0.1']);
});

test('SIOC[GS]IF* ioctls on an AF_INET socket: set with classful masks, netmask/broadcast follow, aliases', async () => {
  const k = testKernel();
  const net = k.initNet;
  const d = dummy(k, net, 'd0');
  const task = new Task(k, net, new BufferStdio(), new BufferStdio(), 1);
  const fd = sys.socket(task, AF_INET, SOCK_DGRAM, 0);
  const sin = (a: string): SockaddrIn => ({ family: AF_INET, port: 0, addr: ip(a) });
  const get = (cmd: number, name: string): string => {
    try {
      return str((sys.ioctl(task, fd, cmd, { name }) as IfreqIn).addr!.addr);
    } catch (e) {
      return (e as { code: string }).code;
    }
  };
  const set = (cmd: number, name: string, a: string): string => {
    try {
      sys.ioctl(task, fd, cmd, { name, addr: sin(a) });
      return 'ok';
    } catch (e) {
      return (e as { code: string }).code;
    }
  };
  assert.equal(get(SIOCGIFADDR, 'd0'), 'EADDRNOTAVAIL');
  assert.equal(get(SIOCGIFADDR, 'nosuch'), 'ENODEV');
  assert.equal(set(SIOCSIFADDR, 'd0', '10.1.2.3'), 'ok');
  assert.equal(get(SIOCGIFADDR, 'd0'), '10.1.2.3');
  assert.equal(get(SIOCGIFNETMASK, 'd0'), '255.0.0.0');
  assert.equal(get(SIOCGIFBRDADDR, 'd0'), '10.255.255.255');
  assert.equal(set(SIOCSIFNETMASK, 'd0', '255.255.255.0'), 'ok');
  assert.equal(get(SIOCGIFBRDADDR, 'd0'), '10.1.2.255');
  assert.equal(set(SIOCSIFNETMASK, 'd0', '255.0.255.0'), 'EINVAL');
  assert.equal(set(SIOCSIFBRDADDR, 'd0', '10.1.2.7'), 'ok');
  assert.equal(get(SIOCGIFBRDADDR, 'd0'), '10.1.2.7');
  assert.equal(set(SIOCSIFADDR, 'd0', '224.0.0.1'), 'EINVAL');
  assert.equal(set(SIOCSIFADDR, 'd0:1', '192.168.9.9'), 'ok');
  assert.deepEqual(list(d), ['10.1.2.3/24', '192.168.9.9/24']);
  assert.equal(inDevGet(d)!.ifaList[1]!.ifaLabel, 'd0:1');
  assert.equal(get(SIOCGIFADDR, 'd0:1'), '192.168.9.9');
  // Replacing the address keeps its label and takes a classful mask again.
  assert.equal(set(SIOCSIFADDR, 'd0', '172.20.0.1'), 'ok');
  assert.equal(get(SIOCGIFNETMASK, 'd0'), '255.255.0.0');
  // Taking an alias down deletes it.
  sys.ioctl(task, fd, SIOCSIFFLAGS, { name: 'd0:1', flags: 0 });
  assert.deepEqual(list(d), ['172.20.0.1/16']);
  const nobody = new Task(k, net, new BufferStdio(), new BufferStdio(), 2);
  nobody.uid = 1000;
  const fd2 = sys.socket(nobody, AF_INET, SOCK_DGRAM, 0);
  assert.throws(() => sys.ioctl(nobody, fd2, SIOCSIFADDR, { name: 'd0', addr: sin('10.0.0.1') }), { code: 'EPERM' });
  assert.equal((sys.ioctl(nobody, fd2, SIOCGIFADDR, { name: 'd0' }) as IfreqIn).addr!.addr, ip('172.20.0.1'));
});
