/**
 * The browser entry's Kernel (src/browser.ts) has no host files: programs that open
 * one print what the Linux tool prints for a file it cannot open, and `>FILE`
 * redirections fail; `/dev/null` still works. Runs on Node with the browser host.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kernel } from '../../src/browser.js';

test('no host files in the browser: sysctl -p, tcpdump -r/-w, packetdrill and redirections fail as on a missing file', async () => {
  const k = new Kernel({ seed: 1 });
  try {
    let r = await k.sh('sysctl -p /etc/sysctl.conf');
    assert.deepEqual([r.status, r.stdout, r.stderr], [1, '', 'sysctl: cannot open "/etc/sysctl.conf": No such file or directory\n']);
    r = await k.sh('sysctl -p');
    assert.deepEqual([r.status, r.stderr], [1, 'sysctl: cannot open "/etc/sysctl.conf": No such file or directory\n']);
    r = await k.sh('tcpdump -r x.pcap');
    assert.deepEqual([r.status, r.stdout, r.stderr], [1, '', 'tcpdump: x.pcap: No such file or directory\n']);
    r = await k.sh('tcpdump -i lo -w x.pcap');
    assert.deepEqual([r.status, r.stdout, r.stderr], [1, '', 'tcpdump: x.pcap: No such file or directory\n']);
    r = await k.sh('packetdrill x.pkt');
    assert.deepEqual([r.status, r.stderr], [1, "parse error opening script file 'x.pkt': No such file or directory\n"]);
    r = await k.sh('echo hi > /tmp/x');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /\/tmp\/x: Permission denied\n$/);
    r = await k.sh('echo hi > /dev/null; sysctl -n net.ipv4.ip_forward');
    assert.deepEqual([r.status, r.stdout, r.stderr], [0, '0\n', '']);
  } finally {
    await k.close();
  }
});
