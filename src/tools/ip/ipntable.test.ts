/**
 * `ip ntable` against iproute2 6.1 on Linux 6.18 (this host, in a tnx*
 * namespace): the table and per-device parameter blocks, `change` with the
 * kernel's jiffies rounding (HZ 250: 5 ms becomes 8 ms), and the errors. The
 * randomised `reachable` figure is masked; the host also lists inet6's
 * ndisc_cache (no IPv6 here).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testKernel } from '../../../test/harness/kernel.js';
import { Task } from '../../socket/task.js';
import { BufferStdio } from '../tool.js';
import { ipMain } from './ip.js';

const mask = (s: string): string => s.replace(/reachable \d+ base/g, 'reachable N base').replace(/"reachable":\d+/g, '"reachable":N');

async function setup(): Promise<(cmd: string) => Promise<string>> {
  const k = testKernel(4);
  const root = new Task(k, k.initNet, new BufferStdio(), new BufferStdio(), 100);
  const run = async (task: Task, cmd: string): Promise<string> => {
    const out = new BufferStdio();
    const err = new BufferStdio();
    const rc = await ipMain({ task, argv: ['ip', ...cmd.split(' ')], stdout: out, stderr: err, env: {}, exec: async () => 0 });
    return mask(`${out.text}${err.text}rc=${rc}\n`);
  };
  assert.equal(await run(root, 'netns add tnxn3'), 'rc=0\n');
  const task = new Task(k, k.netnsNames.get('tnxn3')!, new BufferStdio(), new BufferStdio(), 100);
  return (cmd) => run(task, cmd);
}

const PARMS_DEFAULT = '    refcnt 1 reachable N base_reachable 30000 retrans 1000 \n' +
  '    gc_stale 60000 delay_probe 5000 queue 101 \n' +
  '    app_probes 0 ucast_probes 3 mcast_probes 3 \n' +
  '    anycast_delay 1000 proxy_delay 800 proxy_queue 64 locktime 1000 \n\n';

test('ip ntable show/change as iproute2 6.1 in a namespace', async () => {
  const ip = await setup();
  assert.equal(await ip('ntable show'),
    'inet arp_cache \n    thresh1 128 thresh2 512 thresh3 1024 gc_int 30000 \n' + PARMS_DEFAULT +
    'inet arp_cache \n    dev lo \n' + PARMS_DEFAULT + 'rc=0\n');
  assert.equal(await ip('ntable show dev none'),
    'inet arp_cache \n    thresh1 128 thresh2 512 thresh3 1024 gc_int 30000 \n' + PARMS_DEFAULT + 'rc=0\n');
  assert.equal(await ip('-j ntable show dev lo'),
    '[{"family":"inet","name":"arp_cache","dev":"lo","refcnt":1,"reachable":N,"base_reachable":30000,"retrans":1000,' +
    '"gc_stale":60000,"delay_probe":5000,"queue":101,"app_probes":0,"ucast_probes":3,"mcast_probes":3,' +
    '"anycast_delay":1000,"proxy_delay":800,"proxy_queue":64,"locktime":1000}]\nrc=0\n');
  assert.equal(await ip('ntable change name arp_cache dev lo queue 5'), 'rc=0\n');
  // Table-wide values belong to the initial namespace.
  assert.equal(await ip('ntable change name arp_cache thresh1 5'), 'RTNETLINK answers: No such file or directory\nrc=2\n');
  assert.equal(await ip('ntable change name arp_cache dev lo base_reachable 10000 retrans 500 gc_stale 1000 delay_probe 100 ' +
    'app_probes 1 ucast_probes 2 mcast_probes 4 anycast_delay 5 proxy_delay 6 proxy_queue 7 locktime 8'), 'rc=0\n');
  assert.equal(await ip('ntable show name arp_cache dev lo'),
    'inet arp_cache \n    dev lo \n    refcnt 1 reachable N base_reachable 10000 retrans 500 \n' +
    '    gc_stale 1000 delay_probe 100 queue 5 \n    app_probes 1 ucast_probes 2 mcast_probes 4 \n' +
    '    anycast_delay 8 proxy_delay 8 proxy_queue 7 locktime 8 \n\nrc=0\n');
  const errors: [string, string][] = [
    ['ntable show dev nosuch', 'Error: argument "nosuch" is wrong: "DEV" is invalid\nrc=255\n'],
    ['ntable show bogus', 'Error: argument "bogus" is wrong: unknown\nrc=255\n'],
    ['ntable change name arp_cache dev lo queue x', 'Error: argument "x" is wrong: "queue" value is invalid\nrc=255\n'],
    ['ntable change dev lo queue 3', 'Error: argument "NAME" is required\nrc=255\n'],
    ['ntable change name nosuch dev lo queue 3', 'RTNETLINK answers: No such file or directory\nrc=2\n'],
    ['ntable change name arp_cache', 'Not enough information: changeable attributes required.\nrc=255\n'],
    ['ntable foo', 'Command "foo" is unknown, try "ip ntable help".\nrc=255\n'],
  ];
  for (const [cmd, want] of errors) assert.equal(await ip(cmd), want, cmd);
});

test('ip ntable change reaches the sysctls (same parameters, jiffies rounding)', async () => {
  const ip = await setup();
  assert.equal(await ip('ntable change name arp_cache dev lo retrans 1001'), 'rc=0\n');
  assert.equal(await ip('ntable show name arp_cache dev lo'),
    'inet arp_cache \n    dev lo \n    refcnt 1 reachable N base_reachable 30000 retrans 1004 \n' +
    '    gc_stale 60000 delay_probe 5000 queue 101 \n    app_probes 0 ucast_probes 3 mcast_probes 3 \n' +
    '    anycast_delay 1000 proxy_delay 800 proxy_queue 64 locktime 1000 \n\nrc=0\n');
});
