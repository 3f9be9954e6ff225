/**
 * `ip neigh` against a transcript of iproute2 6.1 on Linux 6.18 (this host, in
 * a tnx* namespace with a veth tnxv1 carrying 10.9.0.1/24). Differences kept
 * out of the comparison: dumps list entries in the kernel's hash order, which
 * is random on both sides, so multi-line dumps are compared sorted; the host's
 * IPv6 entries (ff02::...) do not exist here (no IPv6 yet).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testKernel } from '../../../test/harness/kernel.js';
import { Task } from '../../socket/task.js';
import { BufferStdio } from '../tool.js';
import { ipMain } from './ip.js';
import { programs } from '../registry.js';
import { devChangeNetNamespace } from '../../core/dev.js';

function shell(): (cmd: string) => Promise<string> {
  const k = testKernel(3);
  const task = new Task(k, k.initNet, new BufferStdio(), new BufferStdio(), 100);
  return async (cmd) => {
    if (cmd.startsWith('sleep ')) {
      await k.sleep(Number(cmd.slice(6)) * 1e9);
      return '';
    }
    const out = new BufferStdio();
    const err = new BufferStdio();
    const rc = await ipMain({ task, argv: ['ip', ...cmd.split(' ')], stdout: out, stderr: err, env: {}, exec: async () => 0 });
    return `${out.text}${err.text}rc=${rc}\n`;
  };
}

/** Sort the lines of a dump (hash order is random on Linux too), keeping the trailing rc line last. */
function sorted(s: string): string {
  const lines = s.split('\n').filter((l) => l !== '');
  const rc = lines.pop()!;
  return [...lines.sort(), rc].join('\n') + '\n';
}

const USAGE = 'Usage: ip neigh { add | del | change | replace }\n' +
  '                { ADDR [ lladdr LLADDR ] [ nud STATE ] proxy ADDR }\n' +
  '                [ dev DEV ] [ router ] [ use ] [ managed ] [ extern_learn ]\n' +
  '                [ protocol PROTO ]\n\n' +
  '\tip neigh { show | flush } [ proxy ] [ to PREFIX ] [ dev DEV ] [ nud STATE ]\n' +
  '\t\t\t\t  [ vrf NAME ] [ nomaster ]\n' +
  '\tip neigh get { ADDR | proxy ADDR } dev DEV\n\n' +
  'STATE := { delay | failed | incomplete | noarp | none |\n' +
  '           permanent | probe | reachable | stale }\n';

test('ip neigh add/change/replace/del/get/show/flush: output, errors and exit status as iproute2 6.1', async () => {
  const ip = shell();
  for (const c of ['link add tnxv1 type veth peer name tnxv2', 'addr add 10.9.0.1/24 dev tnxv1', 'link set tnxv1 up']) {
    assert.equal(await ip(c), 'rc=0\n', c);
  }
  const golden: [string, string][] = [
    ['neigh help', `${USAGE}rc=255\n`],
    ['neigh add', 'Device and destination are required arguments.\nrc=255\n'],
    ['neigh add 10.9.0.5', 'Device and destination are required arguments.\nrc=255\n'],
    ['neigh add 10.9.0.5 dev nosuch', 'Cannot find device "nosuch"\nrc=1\n'],
    // The entry is created before the update fails, and stays (as Linux's neigh_add leaves it).
    ['neigh add 10.9.0.5 dev tnxv1', 'Error: No link layer address given.\nrc=2\n'],
    ['neigh add 10.9.0.5 dev tnxv1 lladdr 02:00:00:00:00:05', 'RTNETLINK answers: File exists\nrc=2\n'],
    ['neigh change 10.9.0.6 dev tnxv1 lladdr 02:00:00:00:00:06', 'RTNETLINK answers: No such file or directory\nrc=2\n'],
    ['neigh replace 10.9.0.6 dev tnxv1 lladdr 02:00:00:00:00:06 nud stale router', 'rc=0\n'],
    ['neigh add 10.9.0.7 dev tnxv1 lladdr 02:00:00:00:00:07 nud bogus', 'Error: argument "bogus" is wrong: nud state is bad\nrc=255\n'],
    ['neigh add 10.9.0.8 dev tnxv1 lladdr zz', '"zz" is invalid lladdr.\nrc=1\n'],
    ['neigh add proxy 10.9.0.50 dev tnxv1', 'rc=0\n'],
    ['neigh add proxy 10.9.0.51', 'rc=0\n'],
    ['neigh show', '10.9.0.6 dev tnxv1 lladdr 02:00:00:00:00:06 router STALE \nrc=0\n'],
    ['-s neigh show', '10.9.0.6 dev tnxv1 lladdr 02:00:00:00:00:06 router  used 0/60/0probes 0 STALE \nrc=0\n'],
    ['neigh show dev tnxv1', '10.9.0.6 lladdr 02:00:00:00:00:06 router STALE \nrc=0\n'],
    ['neigh show dev nosuch', 'Cannot find device "nosuch"\nrc=1\n'],
    ['neigh get 10.9.0.5 dev tnxv1', '10.9.0.5 dev tnxv1 \nrc=0\n'],
    // get holds a reference while it answers: ref 1 on a STALE entry.
    ['-s neigh get 10.9.0.6 dev tnxv1', '10.9.0.6 dev tnxv1 lladdr 02:00:00:00:00:06 router  ref 1 used 0/60/0probes 0 STALE \nrc=0\n'],
    ['-j -s neigh get 10.9.0.6 dev tnxv1', '10.9.0.6 dev tnxv1 lladdr 02:00:00:00:00:06 router  ref 1 used 0/60/0probes 0 STALE \nrc=0\n'],
    ['neigh get 10.9.0.99 dev tnxv1', 'Error: Neighbour entry not found.\nrc=2\n'],
    ['neigh get 10.9.0.5', 'Device and address are required arguments.\nrc=1\n'],
    ['neigh get proxy 10.9.0.50 dev tnxv1', '10.9.0.50 dev tnxv1 proxy \nrc=0\n'],
    ['-j neigh show proxy dev tnxv1', '[{"dst":"10.9.0.50","proxy":null}]\nrc=0\n'],
    ['neigh del 10.9.0.99 dev tnxv1', 'RTNETLINK answers: No such file or directory\nrc=2\n'],
    ['neigh del 10.9.0.5 dev tnxv1', 'rc=0\n'],
    ['neigh del proxy 10.9.0.50 dev tnxv1', 'rc=0\n'],
    ['neigh del proxy 10.9.0.51', 'rc=0\n'],
    ['neigh show proxy', 'rc=0\n'],
    ['neigh flush', 'Flush requires arguments.\nrc=1\n'],
    ['neigh flush dev tnxv1', 'rc=0\n'],
    ['-s neigh flush all', 'Nothing to flush.\nrc=0\n'],
    ['neigh foo', 'Command "foo" is unknown, try "ip neigh help".\nrc=255\n'],
    ['neigh add 10.9.0.9 dev tnxv1 lladdr 02:00:00:00:00:09 nud noarp', 'rc=0\n'],
    ['neigh show nud noarp', '10.9.0.9 dev tnxv1 lladdr 02:00:00:00:00:09 NOARP \nrc=0\n'],
    ['neigh add 10.9.0.10 dev tnxv1 nud none', 'rc=0\n'],
    ['neigh add 10.9.0.11 dev tnxv1 nud failed', 'rc=0\n'],
    ['neigh show 10.9.0.0/24', '10.9.0.11 dev tnxv1 FAILED \nrc=0\n'],
    ['neigh add 300.1.1.1 dev tnxv1', 'Error: any valid address is expected rather than "300.1.1.1".\nrc=1\n'],
    ['neigh add 10.9.0.1/24 dev tnxv1 lladdr 02:00:00:00:00:01', 'Error: any valid address is expected rather than "10.9.0.1/24".\nrc=1\n'],
    ['neigh show nud bogus', 'Error: argument "bogus" is wrong: nud state is bad\nrc=255\n'],
    ['neigh show to bogus', 'Error: any valid prefix is expected rather than "bogus".\nrc=1\n'],
    ['neigh del 10.9.0.9', 'Device and destination are required arguments.\nrc=255\n'],
    ['neigh add 10.9.0.22 lladdr 02:00:00:00:00:22 dev tnxv1 lladdr 02:00:00:00:00:23',
      'Error: duplicate "lladdr": "02:00:00:00:00:23" is the second value.\nrc=255\n'],
    ['neigh add 10.9.0.22 10.9.0.23 dev tnxv1', 'Error: either "to" is duplicate, or "10.9.0.23" is a garbage.\nrc=255\n'],
    ['neigh add 10.9.0.28 dev tnxv1 lladdr 02:00:00:00:00:28 nud 3', 'Error: argument "3" is wrong: nud state is bad\nrc=255\n'],
    ['neigh get 10.9.0.29 dev tnxv1 foo', 'Error: either "to" is duplicate, or "foo" is a garbage.\nrc=255\n'],
    ['neigh add 10.9.0.40 dev tnxv1 lladdr 02:00:00:00:00', 'Error: Invalid link address.\nrc=2\n'],
    ['neigh add 10.9.0.40 dev tnxv1 lladdr null', 'Error: No link layer address given.\nrc=2\n'],
  ];
  for (const [cmd, want] of golden) assert.equal(await ip(cmd), want, `ip ${cmd}`);
  const j = (await ip('-j neigh show nud all')).split('\n')[0]!;
  type Entry = { dst: string; dev: string; lladdr?: string; state?: string[] };
  const byDst = (x: Entry[]): Entry[] => x.sort((p, q) => (p.dst < q.dst ? -1 : 1));
  // 10.9.0.40 is the entry `lladdr null` created before its update failed (Linux keeps it too).
  assert.deepEqual(byDst(JSON.parse(j) as Entry[]), byDst([{ dst: '10.9.0.11', dev: 'tnxv1', state: ['FAILED'] },
    { dst: '10.9.0.10', dev: 'tnxv1' }, { dst: '10.9.0.9', dev: 'tnxv1', lladdr: '02:00:00:00:00:09', state: ['NOARP'] },
    { dst: '10.9.0.40', dev: 'tnxv1' }]));
});

test('ip neigh: states set by hand move as the kernel moves them; -s flush reports rounds', async () => {
  const ip = shell();
  for (const c of ['link add tnxv1 type veth peer name tnxv2', 'addr add 10.9.0.1/24 dev tnxv1', 'link set tnxv1 up',
    'link set lo up']) assert.equal(await ip(c), 'rc=0\n', c);
  for (const c of [
    'neigh add 10.9.0.24 dev tnxv1 lladdr 02:00:00:00:00:24 nud delay',
    'neigh add 10.9.0.25 dev tnxv1 lladdr 02:00:00:00:00:25 nud probe',
    'neigh add 10.9.0.26 dev tnxv1 lladdr 02:00:00:00:00:26 nud incomplete',
    'neigh add 10.9.0.27 dev tnxv1 lladdr 02:00:00:00:00:27 nud 4',
    'neigh add 10.9.0.29 dev tnxv1 lladdr 02:00:00:00:00:29 protocol static',
    'neigh add 10.9.0.30 dev lo lladdr 02:00:00:00:00:30',
    'neigh add 10.9.0.31 dev tnxv1 lladdr 02:00:00:00:00:31 extern_learn',
    'neigh add 10.9.0.32 dev tnxv1 use',
    'neigh add 10.9.0.33 dev tnxv1 managed',
  ]) assert.equal(await ip(c), 'rc=0\n', c);
  // The host took a few ms between commands: DELAY's zero timer has fired (DELAY -> PROBE, one probe sent).
  await ip('sleep 0.05');
  // Transcript of the host (same commands; `list`, `lst`, `sh` print the same).
  const want = sorted('0.0.0.0 dev lo lladdr 02:00:00:00:00:30 PERMANENT \n' +
    '10.9.0.25 dev tnxv1 lladdr 02:00:00:00:00:25 PROBE \n' +
    '10.9.0.24 dev tnxv1 lladdr 02:00:00:00:00:24 PROBE \n' +
    '10.9.0.31 dev tnxv1 lladdr 02:00:00:00:00:31 extern_learn PERMANENT \n' +
    '10.9.0.29 dev tnxv1 lladdr 02:00:00:00:00:29 PERMANENT proto static \n' +
    '10.9.0.33 dev tnxv1 managed INCOMPLETE \n' +
    '10.9.0.32 dev tnxv1 INCOMPLETE \n' +
    '10.9.0.27 dev tnxv1 lladdr 02:00:00:00:00:27 STALE \n' +
    '10.9.0.26 dev tnxv1 INCOMPLETE \nrc=0\n');
  for (const c of ['neigh list', 'neigh lst', 'neigh sh']) assert.equal(sorted(await ip(c)), want, c);
  assert.equal(await ip('neigh show dev lo nud all'), '0.0.0.0 lladdr 02:00:00:00:00:30 PERMANENT \nrc=0\n');
  assert.equal(sorted(await ip('-s neigh show nud probe')), sorted(
    '10.9.0.25 dev tnxv1 lladdr 02:00:00:00:00:25  ref 1 used 0/60/0probes 1 PROBE \n' +
    '10.9.0.24 dev tnxv1 lladdr 02:00:00:00:00:24  ref 1 used 0/60/0probes 1 PROBE \n' +
    // extern_learn entries pass every state filter (iproute2's print_neigh), and flush with them.
    '10.9.0.31 dev tnxv1 lladdr 02:00:00:00:00:31 extern_learn  used 0/0/0probes 0 PERMANENT \nrc=0\n'));
  assert.equal(await ip('-s neigh flush dev tnxv1 nud stale'),
    '\n*** Round 1, deleting 2 entries ***\n*** Flush is complete after 1 round ***\nrc=0\n');
});

test('ip monitor neigh: resolution, add and delete, and the flush of a device going down (as Linux 6.18 prints them)', async () => {
  const k = testKernel(8);
  const nsA = k.newNet();
  const nsB = k.newNet();
  nsA.refcnt++;
  nsB.refcnt++;
  const sh = async (net: typeof nsA, line: string): Promise<void> => {
    const argv = line.split(' ');
    const task = new Task(k, net, new BufferStdio(), new BufferStdio(), 1);
    await programs.get(argv[0]!)!({ task, argv, stdout: new BufferStdio(), stderr: new BufferStdio(), env: {}, exec: async () => 0 });
  };
  await sh(nsA, 'ip link add tnxv1 type veth peer name tnxv2');
  const b = nsA.devGetByName('tnxv2')!;
  assert.equal(devChangeNetNamespace(b, nsB), 0);
  await sh(nsA, 'ip addr add 10.9.0.1/24 dev tnxv1');
  await sh(nsB, 'ip addr add 10.9.0.2/24 dev tnxv2');
  await sh(nsA, 'ip link set tnxv1 up');
  await sh(nsB, 'ip link set tnxv2 up');
  const out = new BufferStdio();
  const mon = new Task(k, nsA, out, new BufferStdio(), 2);
  const done = programs.get('ip')!({ task: mon, argv: ['ip', 'monitor', 'neigh'], stdout: out, stderr: new BufferStdio(), env: {},
    exec: async () => 0 });
  await k.sleep(1e6);
  await sh(nsA, 'ping -c 1 -W 1 10.9.0.2');
  await sh(nsA, 'ip neigh add 10.9.0.7 dev tnxv1 lladdr 02:00:00:00:00:07');
  await sh(nsA, 'ip neigh del 10.9.0.7 dev tnxv1');
  await sh(nsA, 'ip neigh add proxy 10.9.0.8 dev tnxv1');
  await sh(nsA, 'ip neigh del proxy 10.9.0.8 dev tnxv1');
  await sh(nsA, 'ip link set tnxv1 down');
  await k.sleep(1e6);
  mon.kill();
  assert.equal(await done, 0);
  const mac = b.devAddr.reduce((s, x, i) => s + (i ? ':' : '') + x.toString(16).padStart(2, '0'), '');
  assert.equal(out.text,
    `10.9.0.2 dev tnxv1 lladdr ${mac} REACHABLE \n` +
    '10.9.0.7 dev tnxv1 lladdr 02:00:00:00:00:07 PERMANENT \n' +
    '10.9.0.7 dev tnxv1 FAILED \n' +
    'Deleted 10.9.0.7 dev tnxv1 FAILED \n' +
    `Deleted 10.9.0.2 dev tnxv1 lladdr ${mac} REACHABLE \n`);
});
