/**
 * Programs that open host files through the Node Kernel (ToolContext.fs = node:fs):
 * a directory where a file is expected gets what the Linux tool prints for it, and a
 * relative path is read from $PWD by every program (tools/tool.ts readHostFile).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kernel } from '../../src/index.js';

const T = { timeout: 60_000 };

test('a directory as the file: tcpdump -r DIR fails as libpcap does, sysctl -p DIR reads nothing (procps)', T, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tnx-hostfiles-'));
  const k = new Kernel();
  try {
    // Checked against tcpdump 4.99 and procps-ng sysctl on Linux: the same text and status.
    let r = await k.sh(`tcpdump -r ${dir}`);
    assert.deepEqual([r.status, r.stdout, r.stderr], [1, '', 'tcpdump: error reading dump file: Is a directory\n']);
    r = await k.sh(`sysctl -p ${dir}`);
    assert.deepEqual([r.status, r.stdout, r.stderr], [0, '', '']);
    r = await k.sh(`tcpdump -r ${dir}/missing.pcap`);
    assert.deepEqual([r.status, r.stderr], [1, `tcpdump: ${dir}/missing.pcap: No such file or directory\n`]);
  } finally {
    await k.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('relative paths are read from $PWD: sysctl -p, tcpdump -w/-r and packetdrill (and its shell files)', T, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tnx-hostfiles-'));
  const k = new Kernel();
  try {
    writeFileSync(join(dir, 'fwd.conf'), 'net.ipv4.ip_forward = 1\n');
    let r = await k.sh(`PWD=${dir} sysctl -p fwd.conf`);
    assert.deepEqual([r.status, r.stdout, r.stderr], [0, 'net.ipv4.ip_forward = 1\n', '']);
    assert.equal((await k.sh('sysctl -n net.ipv4.ip_forward')).stdout, '1\n');

    r = await k.sh(`ip link set lo up; PWD=${dir} tcpdump -i lo -c 1 -w lo.pcap & ping -c 1 -q 127.0.0.1 >/dev/null; wait`);
    assert.equal(r.status, 0, r.output);
    r = await k.sh(`PWD=${dir} tcpdump -nr lo.pcap`);
    assert.equal(r.status, 0, r.output);
    assert.match(r.stdout, /IP 127\.0\.0\.1 > 127\.0\.0\.1: ICMP echo request/);

    // A script in a subdirectory that runs a shell file next to it.
    mkdirSync(join(dir, 'pd'));
    writeFileSync(join(dir, 'pd', 'cc.sh'), 'sysctl -q net.ipv4.tcp_congestion_control=reno\n');
    writeFileSync(join(dir, 'pd', 'one.pkt'), [
      '`sh cc.sh`',
      '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3',
      '+0 getsockopt(3, IPPROTO_TCP, TCP_CONGESTION, "reno", [16]) = 0',
      '+0 close(3) = 0',
      '',
    ].join('\n'));
    r = await k.sh(`PWD=${dir} packetdrill pd/one.pkt`);
    assert.deepEqual([r.status, r.output], [0, '']);
    r = await k.sh('packetdrill pd/one.pkt');
    assert.equal(r.status, 1, 'without $PWD the path is the host process\'s');
    assert.equal(r.stderr, "parse error opening script file 'pd/one.pkt': No such file or directory\n");
  } finally {
    await k.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
