import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testKernel } from '../../test/harness/kernel.js';
import { vethCreate } from '../drivers/veth.js';
import { devOpen } from '../core/dev.js';
import { Task } from '../socket/task.js';
import * as sys from '../socket/syscalls.js';
import { NETIF_F_TSO, featHas } from '../core/netdevice.js';
import { BufferStdio, type ToolContext } from './tool.js';
import { ethtoolMain } from './ethtool.js';
import { sysctlMain } from './sysctl.js';

function env() {
  const k = testKernel();
  const r = vethCreate(k.initNet, { name: 'veth0', peerName: 'veth1' });
  assert.ok(Array.isArray(r));
  devOpen(r[0]);
  devOpen(r[1]);
  const out = new BufferStdio();
  const err = new BufferStdio();
  const task = new Task(k, k.initNet, out, err);
  const run = async (main: (c: ToolContext) => Promise<number>, argv: string[]): Promise<[number, string, string]> => {
    out.text = '';
    err.text = '';
    const rc = await main({ task, argv, stdout: out, stderr: err, env: {}, exec: async () => 127 });
    return [rc, out.text, err.text];
  };
  return { k, a: r[0], run, task };
}

test('ethtool DEV, -i, -S on a veth (ethtool 6.1 output)', async () => {
  const { run } = env();
  const [rc, out] = await run(ethtoolMain, ['ethtool', 'veth0']);
  assert.equal(rc, 0);
  assert.equal(out.split('\n').slice(0, 12).join('\n'), `Settings for veth0:
\tSupported ports: [  ]
\tSupported link modes:   Not reported
\tSupported pause frame use: No
\tSupports auto-negotiation: No
\tSupported FEC modes: Not reported
\tAdvertised link modes:  Not reported
\tAdvertised pause frame use: No
\tAdvertised auto-negotiation: No
\tAdvertised FEC modes: Not reported
\tSpeed: 10000Mb/s
\tDuplex: Full`);
  assert.match(out, /\tAuto-negotiation: off\n\tPort: Twisted Pair\n\tPHYAD: 0\n\tTransceiver: internal\n\tMDI-X: Unknown\n/);
  const [rc2, drv] = await run(ethtoolMain, ['ethtool', '-i', 'veth0']);
  assert.equal(rc2, 0);
  assert.equal(drv, 'driver: veth\nversion: 1.0\nfirmware-version: \nexpansion-rom-version: \nbus-info: \n' +
    'supports-statistics: yes\nsupports-test: no\nsupports-eeprom-access: no\nsupports-register-dump: no\nsupports-priv-flags: no\n');
  const [, st] = await run(ethtoolMain, ['ethtool', '-S', 'veth0']);
  assert.match(st, /^NIC statistics:\n {5}peer_ifindex: \d+\n {5}rx_queue_0_xdp_packets: 0\n/);
  assert.deepEqual(await run(ethtoolMain, ['ethtool', '-i', 'nosuch']), [71, '', 'Cannot get driver information: No such device\n']);
  assert.deepEqual(await run(ethtoolMain, ['ethtool', '-S', 'lo']), [94, '', 'no stats available\n']);
  const [rc3, , e3] = await run(ethtoolMain, ['ethtool', 'nosuch']);
  assert.equal(rc3, 75);
  assert.ok(e3.endsWith('netlink error: No such device\nNo data available\n'));
});

test('ethtool -k lists features with [fixed]; -K tso off changes them', async () => {
  const { run, a } = env();
  const [rc, out] = await run(ethtoolMain, ['ethtool', '-k', 'veth0']);
  assert.equal(rc, 0);
  const lines = out.split('\n');
  assert.equal(lines[0], 'Features for veth0:');
  assert.equal(lines[1], 'rx-checksumming: on');
  assert.equal(lines[2], 'tx-checksumming: on');
  assert.equal(lines[3], '\ttx-checksum-ipv4: off [fixed]');
  assert.ok(lines.includes('tcp-segmentation-offload: on'));
  assert.ok(lines.includes('rx-vlan-filter: off [fixed]'));
  assert.ok(!lines.some((l) => l.startsWith('tx-lockless')), 'never-change features hidden');
  assert.deepEqual(await run(ethtoolMain, ['ethtool', '-K', 'veth0', 'tso', 'off']), [0, '', '']);
  assert.ok(!featHas(a.features, NETIF_F_TSO));
  const [, out2] = await run(ethtoolMain, ['ethtool', '-k', 'veth0']);
  assert.ok(out2.includes('tcp-segmentation-offload: off\n\ttx-tcp-segmentation: off\n'));
  const [rc3, , e3] = await run(ethtoolMain, ['ethtool', '-K', 'veth0', 'rx-vlan-filter', 'on']);
  assert.equal(rc3, 1);
  assert.equal(e3, 'Could not change any device features\nActual changes:\nrx-vlan-filter: off [requested on]\n');
});

test('sysctl read, -n, -w, errors, directories', async () => {
  const { run } = env();
  assert.deepEqual(await run(sysctlMain, ['sysctl', 'net.core.somaxconn']), [0, 'net.core.somaxconn = 4096\n', '']);
  assert.deepEqual(await run(sysctlMain, ['sysctl', '-n', 'net/core/somaxconn']), [0, '4096\n', '']);
  assert.deepEqual(await run(sysctlMain, ['sysctl', '-w', 'net.core.somaxconn=128']), [0, 'net.core.somaxconn = 128\n', '']);
  assert.deepEqual(await run(sysctlMain, ['sysctl', '-n', 'net.core.somaxconn']), [0, '128\n', '']);
  assert.deepEqual(await run(sysctlMain, ['sysctl', 'net.core.x']), [1, '', 'sysctl: cannot stat /proc/sys/net/core/x: No such file or directory\n']);
  assert.deepEqual(await run(sysctlMain, ['sysctl', '-w', 'net.core.somaxconn=abc']), [1, '', 'sysctl: setting key "net.core.somaxconn": Invalid argument\n']);
  assert.deepEqual(await run(sysctlMain, ['sysctl', '-w', 'net.core.somaxconn']), [1, '', 'sysctl: command line(0): invalid syntax, continuing...\n']);
  const [rc, all] = await run(sysctlMain, ['sysctl', '-a']);
  assert.equal(rc, 0);
  assert.ok(all.includes('net.core.netdev_max_backlog = 1000\nnet.core.somaxconn = 128\n'));
  const [, dir] = await run(sysctlMain, ['sysctl', 'net.core']);
  assert.equal(dir, all.split('\n').filter((l) => l.startsWith('net.core.')).join('\n') + '\n');
});

test('/proc/net/dev in Linux format', async () => {
  const { task } = env();
  const text = sys.readFile(task, '/proc/net/dev');
  const lines = text.split('\n');
  assert.equal(lines[0], 'Inter-|   Receive                                                |  Transmit');
  assert.equal(lines[1], ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed');
  assert.equal(lines[2], '    lo:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0');
  assert.match(lines[3]!, /^ veth\d: +0 +0 /);
  assert.match(sys.readFile(task, '/proc/net/softnet_stat'), /^([0-9a-f]{8} ){12}[0-9a-f]{8}\n$/);
});
