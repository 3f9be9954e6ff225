/**
 * VDE link: two tuxnet hosts plugged into a real `vde_switch` through `vde_plug`
 * (2-byte big-endian length framing on its stdio) ping each other; the switch going
 * away takes carrier down with vde_plug's reason logged, and a new switch on the same
 * path brings it back (vde_plug is restarted with backoff). Bad input comes from a
 * fake vde_plug: a bad length prefix, then a close mid-frame, each logged, then a
 * well-behaved run keeps carrier. Skips with a printed reason without vde2.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vdeOpen } from '../src/platform/node/vde_link.js';
import { openLinkSpec } from '../src/platform/node/link_spec.js';
import type { LinkHandle } from '../src/platform/link_handle.js';
import { linkPriv } from '../src/drivers/link.js';
import { realHost, configure, pingOk, waitFor, carrier, startChild, haveCommand, type Child } from './harness/link_host.js';

const haveVde = (await haveCommand('vde_switch')) && (await haveCommand('vde_plug'));
if (!haveVde) console.log('# vde_link: skipping the vde_switch test: vde_switch/vde_plug not found (apt-get install vde2)');

function vdeSwitch(dir: string): Child {
  return startChild('vde_switch', ['-s', dir]);
}

test('vde: two tuxnet hosts ping through vde_switch; switch restart takes carrier down and back', { skip: !haveVde, timeout: 60_000 }, async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'tnxl-vde-'));
  const dir = join(tmp, 'switch');
  let sw = vdeSwitch(dir);
  const a = realHost(61);
  const b = realHost(62);
  const log: string[] = [];
  const handles: LinkHandle[] = [];
  try {
    // The switch creates its ctl socket shortly after start; vde_plug is retried until then.
    handles.push(await vdeOpen(a.k, a.net, dir, { devName: 'vde0', log: (m) => log.push(`a ${m}`) }));
    handles.push(await openLinkSpec(b.k, b.net, 'vde0', `vde:${dir}`, (m) => log.push(`b ${m}`)));
    await configure(a.k, a.net, 'vde0', '10.12.0.1/24');
    await configure(b.k, b.net, 'vde0', '10.12.0.2/24');
    assert.ok(await waitFor(() => handles.every((h) => carrier(h.dev)), 10_000), `${log.join('\n')}\n${sw.stderr()}`);
    let r = await pingOk(a.k, a.net, '10.12.0.2');
    assert.equal(r.rc, 0, `${r.out}${r.err}\n${log.join('\n')}\n${sw.stderr()}`);
    assert.match(r.out, /2 packets transmitted, 2 received/);
    await sw.stop();
    assert.ok(await waitFor(() => handles.every((h) => !carrier(h.dev)), 5000), `carrier off: ${log.join('\n')}`);
    assert.ok(log.some((l) => /^a link down \(vde_plug\[\d+\] .*\): peer closed the connection$/.test(l)), log.join('\n'));
    sw = vdeSwitch(dir);
    assert.ok(await waitFor(() => handles.every((h) => carrier(h.dev)), 15_000), `carrier back: ${log.join('\n')}`);
    r = await pingOk(b.k, b.net, '10.12.0.1');
    assert.equal(r.rc, 0, `after switch restart: ${r.out}${r.err}`);
  } finally {
    for (const h of handles) h.close();
    await sw.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('vde: bad length prefix and close mid-frame from vde_plug are logged, carrier down; the next vde_plug brings it back', { timeout: 30_000 }, async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'tnxl-vde-'));
  const counter = join(tmp, 'runs');
  const fake = join(tmp, 'fake_vde_plug');
  // Run 1: one good 60-byte frame, then "GARBAGE" (0x4741 = 18241 > the largest frame).
  // Run 2: half a frame and exit. Run 3+: a silent, well-behaved plug.
  writeFileSync(fake, `#!/bin/sh
n=$(cat '${counter}' 2>/dev/null || echo 0); n=$((n+1)); echo $n > '${counter}'
sleep 0.3
if [ $n = 1 ]; then printf '\\000\\074'; head -c 6 /dev/zero | tr '\\000' '\\377'; head -c 54 /dev/zero; printf 'GARBAGE'; exec sleep 10; fi
if [ $n = 2 ]; then printf '\\000\\144abc'; echo 'fake_vde_plug: gone' >&2; exit 3; fi
exec sleep 30
`);
  chmodSync(fake, 0o755);
  const h = realHost(71);
  const log: string[] = [];
  const link = await vdeOpen(h.k, h.net, join(tmp, 'nowhere'), { devName: 'vde0', vdePlug: fake, log: (m) => log.push(m) });
  try {
    await configure(h.k, h.net, 'vde0', '10.13.0.1/24');
    assert.ok(await waitFor(() => log.some((l) => l.includes('bad length prefix')), 5000), log.join('\n'));
    assert.ok(log.some((l) => /^link down \(vde_plug\[\d+\] .*\): bad length prefix 18241 \(0x4741\): frames are 1\.\.9234 bytes$/.test(l)), log.join('\n'));
    assert.ok(await waitFor(() => log.some((l) => l.includes('closed mid-frame')), 5000), log.join('\n'));
    assert.ok(log.some((l) => /: closed mid-frame: 3 of 100 bytes$/.test(l)), log.join('\n'));
    assert.ok(await waitFor(() => log.some((l) => /fake_vde_plug exited with status 3: fake_vde_plug: gone$/.test(l)), 3000), log.join('\n'));
    assert.ok(await waitFor(() => carrier(link.dev), 5000), `carrier back: ${log.join('\n')}`);
    assert.match(linkPriv(link.dev).lastError, /^$/);
    assert.equal(link.dev.stats.rxPackets, 1, 'the good frame of run 1');
  } finally {
    link.close();
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('vde and QEMU: a tuxnet host on vde_switch pings one on QEMU -netdev stream, joined by QEMU\'s -netdev vde on a hub', { skip: !haveVde || !(await haveCommand('qemu-system-x86_64')), timeout: 60_000 }, async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'tnxl-vde-'));
  const dir = join(tmp, 'switch');
  const sock = join(tmp, 'qemu.sock');
  const sw = vdeSwitch(dir);
  let q: Child | null = null;
  const a = realHost(63);
  const b = realHost(64);
  const log: string[] = [];
  const handles: LinkHandle[] = [];
  try {
    assert.ok(await waitFor(() => existsSync(join(dir, 'ctl')), 5000), sw.stderr());
    q = startChild('qemu-system-x86_64', ['-nodefaults', '-no-user-config', '-display', 'none', '-machine', 'none',
      '-netdev', `vde,id=v0,sock=${dir}`, '-netdev', 'hubport,id=h0,hubid=0,netdev=v0',
      '-netdev', `stream,id=s0,server=on,addr.type=unix,addr.path=${sock}`, '-netdev', 'hubport,id=h1,hubid=0,netdev=s0']);
    assert.ok(await waitFor(() => existsSync(sock), 5000), q.stderr());
    handles.push(await vdeOpen(a.k, a.net, dir, { devName: 'vde0', log: (m) => log.push(`a ${m}`) }));
    handles.push(await openLinkSpec(b.k, b.net, 'eth0', `qemu-stream:connect:unix:${sock}`, (m) => log.push(`b ${m}`)));
    await configure(a.k, a.net, 'vde0', '10.16.0.1/24');
    await configure(b.k, b.net, 'eth0', '10.16.0.2/24');
    assert.ok(await waitFor(() => handles.every((h) => carrier(h.dev)), 10_000), `${log.join('\n')}\n${q.stderr()}`);
    const r = await pingOk(b.k, b.net, '10.16.0.1');
    assert.equal(r.rc, 0, `${r.out}${r.err}\n${log.join('\n')}\n${q.stderr()}\n${sw.stderr()}`);
  } finally {
    for (const h of handles) h.close();
    await q?.stop();
    await sw.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
});
