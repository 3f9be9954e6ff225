/**
 * arping (iputils 20221126) on tuxnet: device checks, the DAD probe loop and its
 * summary, the frames on the wire, a reply ending a DAD run (exit 1), and the
 * modes that need IPv4 failing as on a host without it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runLab } from './lab/lab.js';
import { BufferStdio, type ToolMain } from './tool.js';
import { programs } from './registry.js';
import * as sys from '../socket/syscalls.js';
import { AF_PACKET, SOCK_DGRAM, type SockaddrLl } from '../socket/socket.js';
import { ETH_P_ARP } from '../core/dev.js';
import { SIOCGIFINDEX, type Ifreq } from '../core/dev_ioctl.js';
import { inetAton } from './arping.js';

const SETUP = 'ip netns add tnxa\nip netns add tnxb\nip link add veth-a netns tnxa type veth peer name veth-b netns tnxb\n' +
  'ip -n tnxa link set veth-a up\nip -n tnxb link set veth-b up\n';

/** A host that claims 10.0.0.2: answers the first ARP request for it on veth-b. */
const responder: ToolMain = async (ctx) => {
  const t = ctx.task;
  const fd = sys.socket(t, AF_PACKET, SOCK_DGRAM, ETH_P_ARP);
  const ifindex = (sys.ioctl(t, fd, SIOCGIFINDEX, { name: 'veth-b' }) as Ifreq).ifindex!;
  sys.bind(t, fd, { family: AF_PACKET, protocol: ETH_P_ARP, ifindex, hatype: 0, pktType: 0, addr: new Uint8Array(0) });
  const me = (sys.getsockname(t, fd) as SockaddrLl).addr;
  const r = await sys.recvmsg(t, fd);
  const req = r.data;
  const reply = new Uint8Array(28);
  reply.set(req.subarray(0, 6), 0);
  reply[7] = 2; // ARPOP_REPLY
  reply.set(me, 8);
  reply.set(req.subarray(24, 28), 14); // sender IP: the address asked about
  reply.set(req.subarray(8, 14), 18); // target: the asker
  reply.set(req.subarray(14, 18), 24);
  sys.sendto(t, fd, reply, { ...(r.addr as SockaddrLl), protocol: ETH_P_ARP, addr: req.subarray(8, 14) });
  ctx.stdout.write('responder: replied\n');
  return 0;
};

async function lab(src: string): Promise<{ status: number; out: string; err: string }> {
  const out = new BufferStdio();
  const err = new BufferStdio();
  const progs = new Map(programs);
  progs.set('responder', responder);
  const status = await runLab({ file: 't.sh', source: src, stdout: out, stderr: err, programs: progs });
  return { status, out: out.text, err: err.text };
}

test('inet_aton forms', () => {
  assert.equal(inetAton('10.0.0.2'), 0x0a000002);
  assert.equal(inetAton('10.2'), 0x0a000002);
  assert.equal(inetAton('0x0a.0.0.010'), 0x0a000008);
  assert.equal(inetAton('10.0.0.256'), null);
  assert.equal(inetAton('host'), null);
});

test('arping -D: probes once per second, summary, exit 0 when nobody answers', async () => {
  const r = await lab(SETUP + 'ip netns exec tnxb tcpdump -i veth-b -n -c 2 arp &\n' +
    'ip netns exec tnxa arping -D -c 2 -I veth-a 10.0.0.2\necho st=$?\nwait\n');
  assert.equal(r.out, 'ARPING 10.0.0.2 from 0.0.0.0 veth-a\n' +
    '22:13:20.000000 ARP, Request who-has 10.0.0.2 (ff:ff:ff:ff:ff:ff) tell 0.0.0.0, length 28\n' +
    '22:13:21.000000 ARP, Request who-has 10.0.0.2 (ff:ff:ff:ff:ff:ff) tell 0.0.0.0, length 28\n' +
    'Sent 2 probes (2 broadcast(s))\nReceived 0 response(s)\nst=0\n');
});

test('arping -D: a reply from the tested address ends the run, exit 1', async () => {
  const r = await lab(SETUP + 'ip netns exec tnxb responder &\nip netns exec tnxa arping -D -c 5 -I veth-a 10.0.0.2\necho st=$?\n');
  assert.match(r.out, /^ARPING 10\.0\.0\.2 from 0\.0\.0\.0 veth-a\nresponder: replied\n/);
  assert.match(r.out, /\nUnicast reply from 10\.0\.0\.2 \[[0-9A-F]{2}(:[0-9A-F]{2}){5}\] {2}0\.500ms\n/);
  assert.match(r.out, /\nSent 1 probes \(1 broadcast\(s\)\)\nReceived 1 response\(s\)\nst=1\n$/);
});

test('arping device checks, usage, and no source address without one on the device (as this host answers)', async () => {
  const r = await lab(SETUP + [
    'ip netns exec tnxa arping -D -I nope 10.0.0.2', 'echo st=$?',
    'ip netns exec tnxa arping -D -I lo 10.0.0.2', 'echo st=$?',
    'ip -n tnxa link set veth-a down',
    'ip netns exec tnxa arping -D -I veth-a 10.0.0.2', 'echo st=$?',
    'ip -n tnxa link set veth-a up',
    'ip netns exec tnxa arping -c 1 -I veth-a 10.0.0.2', 'echo st=$?',
    'ip netns exec tnxa arping -D 10.0.0.2', 'echo st=$?',
    'ip netns exec tnxa arping -D -I veth-a', 'echo st=$?',
    'ip netns exec tnxa arping -c x -I veth-a 1.2.3.4', 'echo st=$?',
  ].join('\n') + '\n');
  assert.equal(r.out, 'st=2\nInterface "lo" is down\nst=2\nInterface "veth-a" is down\nst=2\nARPING 10.0.0.2 from 0.0.0.0 veth-a\nst=2\nst=1\nst=2\nst=1\n');
  assert.equal(r.err.split('\n\nUsage:')[0], 'arping: Device nope not available.\n' +
    'arping: no source address in not-DAD mode\narping: NETLINK_ROUTE unexpected iov element');
  assert.match(r.err, /\nUsage:\n {2}arping \[options\] <destination>\n/);
  assert.match(r.err, /arping: invalid argument: 'x'\n$/);
});
