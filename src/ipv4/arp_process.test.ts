/**
 * ARP between namespaces with real addresses and routes: request and reply
 * over a veth pair, duplicate address detection probes, arp_ignore (1, 2, 8),
 * arp_announce (0, 1, 2) choosing the source of requests, arp_filter,
 * arp_accept (0, 1, 2) for unsolicited gratuitous ARP, proxy_arp with the
 * proxy_delay queue, and proxy entries (pneigh).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testKernel, ethFrame, BCAST, txSkb } from '../../test/harness/kernel.js';
import { ipPacket } from '../../test/harness/ipv4_packet.js';
import type { Kernel, Net } from '../core/net_namespace.js';
import type { NetDevice } from '../core/netdevice.js';
import { type PacketType, ETH_P_ALL, ETH_P_ARP, ETH_P_IP, devAddPack, devQueueXmit } from '../core/dev.js';
import { skbFromBytes, skbResetNetworkHeader, consumeSkb, MAX_HEADER } from '../core/skbuff.js';
import { neighLookupNoref32, pneighCreate } from '../core/neighbour.js';
import { NUD_REACHABLE, NUD_STALE } from '../wire/neighbour.js';
import { arpReprEmit, ARPOP_REQUEST, ARPOP_REPLY, ARPHRD_ETHER } from '../wire/arphdr.js';
import { LINUX_MIB_ARPFILTER } from '../core/snmp.js';
import { Task } from '../socket/task.js';
import { BufferStdio } from '../tools/tool.js';
import { ipMain } from '../tools/ip/ip.js';
import { arpTbl, ipNeighOutput, ipv4Key } from './arp.js';
import { ipv4Net } from './netns_ipv4.js';

const S = 1e9;
const ip = (s: string): number => s.split('.').reduce((a, b) => a * 256 + Number(b), 0) >>> 0;
const mac = (b: Uint8Array, o = 0): string => Array.from(b.subarray(o, o + 6), (x) => x.toString(16).padStart(2, '0')).join(':');

interface Lab {
  k: Kernel;
  ns: Map<string, Net>;
  dev(ns: string, name: string): NetDevice;
  run(ns: string, cmd: string): Promise<void>;
  sysctl(ns: string, name: string, v: string): void;
  /** ARP frames seen on a device, "op sip>tip dst" (op 1 request, 2 reply). */
  watch(ns: string, dev: string): string[];
}

/** Namespaces and veth links configured with the `ip` tool, as a lab script would. */
async function lab(names: string[], links: [string, string, string, string][], seed = 5): Promise<Lab> {
  const k = testKernel(seed);
  const ns = new Map<string, Net>();
  const tasks = new Map<string, Task>();
  const root = new Task(k, k.initNet, new BufferStdio(), new BufferStdio(), 100);
  const exec = async (task: Task, cmd: string): Promise<void> => {
    const out = new BufferStdio();
    const err = new BufferStdio();
    const rc = await ipMain({ task, argv: ['ip', ...cmd.split(' ')], stdout: out, stderr: err, env: {}, exec: async () => 0 });
    assert.equal(rc, 0, `ip ${cmd}: ${err.text}`);
  };
  for (const n of names) {
    await exec(root, `netns add ${n}`);
    const net = k.netnsNames.get(n)!;
    ns.set(n, net);
    tasks.set(n, new Task(k, net, new BufferStdio(), new BufferStdio(), 100));
  }
  for (const [n1, d1, n2, d2] of links) await exec(root, `link add ${d1} netns ${n1} type veth peer name ${d2} netns ${n2}`);
  const l: Lab = {
    k, ns,
    dev: (n, d) => ns.get(n)!.devGetByName(d)!,
    run: (n, cmd) => exec(tasks.get(n)!, cmd),
    sysctl: (n, name, v) => assert.equal(k.sysctl.find(ns.get(n)!, name)!.set(ns.get(n)!, v), 0, name),
    watch: (n, d) => {
      const seen: string[] = [];
      const dev = l.dev(n, d);
      const pt: PacketType = {
        type: ETH_P_ALL, dev, ignoreOutgoing: true, afPacketPriv: null,
        func: (skb) => {
          if (skb.protocol === ETH_P_ARP) {
            const m = skb.buf;
            const p = skb.macHeader + 14;
            seen.push(`${(m[p + 6]! << 8) | m[p + 7]!} ${m.subarray(p + 14, p + 18).join('.')}>${m.subarray(p + 24, p + 28).join('.')} ` +
              `${mac(m, skb.macHeader) === 'ff:ff:ff:ff:ff:ff' ? 'bcast' : 'ucast'}`);
          }
          consumeSkb(skb);
          return 0;
        },
      };
      devAddPack(dev.net, pt);
      return seen;
    },
  };
  return l;
}

/** An IPv4 packet from `src` to `dst` given to the neighbour layer of `dev`. */
function send(dev: NetDevice, src: string, dst: string): void {
  const skb = skbFromBytes(dev, ipPacket({ saddr: ip(src), daddr: ip(dst) }), MAX_HEADER);
  skbResetNetworkHeader(skb);
  skb.protocol = ETH_P_IP;
  ipNeighOutput(dev.net, dev, ip(dst), skb);
  dev.net.kernel.settle();
}

function state(dev: NetDevice, addr: string): number {
  return neighLookupNoref32(arpTbl(dev.net), ip(addr), dev)?.nudState ?? -1;
}

/** Forge an ARP frame out of `dev` (Ethernet/IPv4 body). */
function forge(dev: NetDevice, op: number, sip: string, tip: string, tha: Uint8Array, dst: Uint8Array = BCAST): void {
  const body = new Uint8Array(28);
  arpReprEmit({ hrd: ARPHRD_ETHER, pro: 0x0800, op, sha: dev.devAddr, sip: ip(sip), tha, tip: ip(tip) }, body, 0);
  devQueueXmit(txSkb(dev, ethFrame(dst, dev.devAddr, ETH_P_ARP, body)));
  dev.net.kernel.settle();
}

async function twoHosts(seed = 5): Promise<Lab> {
  const l = await lab(['tnxa', 'tnxb'], [['tnxa', 'a0', 'tnxb', 'b0']], seed);
  await l.run('tnxa', 'addr add 10.0.0.1/24 dev a0');
  await l.run('tnxb', 'addr add 10.0.0.2/24 dev b0');
  await l.run('tnxa', 'link set a0 up');
  await l.run('tnxb', 'link set b0 up');
  return l;
}

test('request and reply: the asker becomes REACHABLE, the answerer learns it STALE (neigh_event_ns)', async () => {
  const l = await twoHosts();
  const a0 = l.dev('tnxa', 'a0');
  const b0 = l.dev('tnxb', 'b0');
  const onB = l.watch('tnxb', 'b0');
  const onA = l.watch('tnxa', 'a0');
  send(a0, '10.0.0.1', '10.0.0.2');
  assert.deepEqual(onB, ['1 10.0.0.1>10.0.0.2 bcast']);
  assert.deepEqual(onA, ['2 10.0.0.2>10.0.0.1 ucast']);
  assert.equal(state(a0, '10.0.0.2'), NUD_REACHABLE);
  assert.equal(state(b0, '10.0.0.1'), NUD_STALE);
  assert.equal(mac(neighLookupNoref32(arpTbl(a0.net), ip('10.0.0.2'), a0)!.ha), mac(b0.devAddr));
});

test('removing the last address of a device flushes its entries (fib_disable_ip -> arp_ifdown)', async () => {
  const l = await twoHosts();
  const a0 = l.dev('tnxa', 'a0');
  await l.run('tnxa', 'addr add 10.0.9.1/24 dev a0');
  send(a0, '10.0.0.1', '10.0.0.2');
  assert.equal(state(a0, '10.0.0.2'), NUD_REACHABLE);
  await l.run('tnxa', 'addr del 10.0.9.1/24 dev a0');
  assert.equal(state(a0, '10.0.0.2'), NUD_REACHABLE, 'another address is left');
  await l.run('tnxa', 'addr del 10.0.0.1/24 dev a0');
  assert.equal(state(a0, '10.0.0.2'), -1);
});

test('a peer claiming our own address (another MAC) gets no reply and creates no entry, even with arp_accept', async () => {
  const l = await twoHosts();
  const a0 = l.dev('tnxa', 'a0');
  const b0 = l.dev('tnxb', 'b0');
  const onB = l.watch('tnxb', 'b0');
  l.sysctl('tnxa', 'net.ipv4.conf.a0.arp_accept', '1');
  const nsA = l.ns.get('tnxa')!;
  const drops = nsA.dropCounts.reduce((x, y) => x + y, 0);
  forge(b0, ARPOP_REQUEST, '10.0.0.1', '10.0.0.1', new Uint8Array(6));
  forge(b0, ARPOP_REQUEST, '10.0.0.1', '10.0.0.2', new Uint8Array(6));
  forge(b0, ARPOP_REPLY, '10.0.0.1', '10.0.0.1', b0.devAddr, a0.devAddr);
  assert.deepEqual(onB, []);
  assert.equal(state(a0, '10.0.0.1'), -1);
  // Linux consumes these frames (the martian source is the route lookup's business): no ARP drop.
  assert.equal(nsA.dropCounts.reduce((x, y) => x + y, 0), drops);
});

test('duplicate address detection: a probe from 0.0.0.0 is answered to 0.0.0.0, nothing is learned', async () => {
  const l = await twoHosts();
  const b0 = l.dev('tnxb', 'b0');
  const onB = l.watch('tnxb', 'b0');
  forge(b0, ARPOP_REQUEST, '0.0.0.0', '10.0.0.1', new Uint8Array(6));
  assert.deepEqual(onB, ['2 10.0.0.1>0.0.0.0 ucast']);
  assert.equal(state(l.dev('tnxa', 'a0'), '0.0.0.0'), -1);
});

test('arp_ignore: 1 answers only for addresses of the incoming device, 2 also needs the sender on-link, 8 never', async () => {
  const l = await twoHosts();
  await l.run('tnxb', 'link add d0 type dummy');
  await l.run('tnxb', 'addr add 10.5.0.1/24 dev d0');
  await l.run('tnxb', 'link set d0 up');
  const b0 = l.dev('tnxb', 'b0');
  const a0 = l.dev('tnxa', 'a0');
  const onA = l.watch('tnxa', 'a0');
  const ask = (sip: string, tip: string): void => forge(a0, ARPOP_REQUEST, sip, tip, new Uint8Array(6));
  ask('10.0.0.1', '10.5.0.1');
  assert.deepEqual(onA, ['2 10.5.0.1>10.0.0.1 ucast'], 'arp_ignore 0: any local address');
  onA.length = 0;
  l.sysctl('tnxb', 'net.ipv4.conf.b0.arp_ignore', '1');
  ask('10.0.0.1', '10.5.0.1');
  ask('10.0.0.1', '10.0.0.2');
  assert.deepEqual(onA, ['2 10.0.0.2>10.0.0.1 ucast']);
  onA.length = 0;
  l.sysctl('tnxb', 'net.ipv4.conf.b0.arp_ignore', '2');
  ask('10.9.9.9', '10.0.0.2');
  ask('10.0.0.1', '10.0.0.2');
  assert.deepEqual(onA, ['2 10.0.0.2>10.0.0.1 ucast']);
  onA.length = 0;
  l.sysctl('tnxb', 'net.ipv4.conf.all.arp_ignore', '8');
  ask('10.0.0.1', '10.0.0.2');
  assert.deepEqual(onA, []);
  void b0;
});

test('arp_announce: the source of a request is the packet\'s (0), one on the target\'s subnet (1), the primary (2)', async () => {
  const l = await twoHosts();
  await l.run('tnxa', 'addr add 192.168.7.1/24 dev a0');
  const a0 = l.dev('tnxa', 'a0');
  const onB = l.watch('tnxb', 'b0');
  send(a0, '192.168.7.1', '10.0.0.2');
  assert.deepEqual(onB, ['1 192.168.7.1>10.0.0.2 bcast']);
  await l.run('tnxa', 'neigh flush dev a0');
  onB.length = 0;
  l.sysctl('tnxa', 'net.ipv4.conf.a0.arp_announce', '1');
  send(a0, '192.168.7.1', '10.0.0.2');
  assert.deepEqual(onB, ['1 10.0.0.1>10.0.0.2 bcast']);
  await l.run('tnxa', 'neigh flush dev a0');
  onB.length = 0;
  l.sysctl('tnxa', 'net.ipv4.conf.a0.arp_announce', '2');
  send(a0, '10.0.0.1', '10.0.0.2');
  assert.deepEqual(onB, ['1 10.0.0.1>10.0.0.2 bcast']);
});

test('arp_filter: no reply when the route back leaves by another device (ArpFilter counted)', async () => {
  const l = await twoHosts();
  await l.run('tnxb', 'link add d0 type dummy');
  await l.run('tnxb', 'link set d0 up');
  await l.run('tnxb', 'route add 10.6.0.0/16 dev d0');
  const a0 = l.dev('tnxa', 'a0');
  const onA = l.watch('tnxa', 'a0');
  l.sysctl('tnxb', 'net.ipv4.conf.b0.arp_filter', '1');
  forge(a0, ARPOP_REQUEST, '10.0.0.1', '10.0.0.2', new Uint8Array(6));
  forge(a0, ARPOP_REQUEST, '10.6.0.9', '10.0.0.2', new Uint8Array(6));
  assert.deepEqual(onA, ['2 10.0.0.2>10.0.0.1 ucast']);
  assert.equal(ipv4Net(l.ns.get('tnxb')!).mib.net[LINUX_MIB_ARPFILTER], 1);
});

test('arp_accept: unsolicited gratuitous ARP creates an entry with 1, with 2 only from the own subnet', async () => {
  const l = await twoHosts();
  const a0 = l.dev('tnxa', 'a0');
  const b0 = l.dev('tnxb', 'b0');
  const garp = (addr: string): void => forge(b0, ARPOP_REQUEST, addr, addr, new Uint8Array(6));
  garp('10.0.0.2');
  assert.equal(state(a0, '10.0.0.2'), -1, 'arp_accept 0');
  l.sysctl('tnxa', 'net.ipv4.conf.a0.arp_accept', '1');
  garp('10.0.0.2');
  assert.equal(state(a0, '10.0.0.2'), NUD_STALE);
  l.sysctl('tnxa', 'net.ipv4.conf.a0.arp_accept', '2');
  garp('10.7.0.2');
  garp('10.0.0.3');
  assert.equal(state(a0, '10.7.0.2'), -1);
  assert.equal(state(a0, '10.0.0.3'), NUD_STALE);
  // An unsolicited unicast reply from a unicast address is accepted as REACHABLE.
  forge(b0, ARPOP_REPLY, '10.0.0.4', '10.0.0.1', a0.devAddr, a0.devAddr);
  assert.equal(state(a0, '10.0.0.4'), NUD_REACHABLE);
});

/** A (10.0.0.1/16) - R (r0 10.0.0.254/24, r1 10.0.1.254/24) - C (10.0.1.5/24): A thinks C is on its link. */
async function proxyLab(): Promise<Lab> {
  const l = await lab(['tnxa', 'tnxr', 'tnxc'], [['tnxa', 'a0', 'tnxr', 'r0'], ['tnxr', 'r1', 'tnxc', 'c0']], 9);
  await l.run('tnxa', 'addr add 10.0.0.1/16 dev a0');
  await l.run('tnxr', 'addr add 10.0.0.254/24 dev r0');
  await l.run('tnxr', 'addr add 10.0.1.254/24 dev r1');
  await l.run('tnxc', 'addr add 10.0.1.5/24 dev c0');
  for (const [n, d] of [['tnxa', 'a0'], ['tnxr', 'r0'], ['tnxr', 'r1'], ['tnxc', 'c0']] as const) await l.run(n, `link set ${d} up`);
  l.sysctl('tnxr', 'net.ipv4.ip_forward', '1');
  return l;
}

test('proxy_arp: a broadcast request waits in the proxy queue (proxy_delay), then R answers with its own address', async () => {
  const l = await proxyLab();
  const a0 = l.dev('tnxa', 'a0');
  const r0 = l.dev('tnxr', 'r0');
  const onA = l.watch('tnxa', 'a0');
  send(a0, '10.0.0.1', '10.0.1.5');
  assert.deepEqual(onA, [], 'no proxy_arp: nobody answers');
  await l.run('tnxa', 'neigh flush dev a0');
  l.sysctl('tnxr', 'net.ipv4.conf.r0.proxy_arp', '1');
  send(a0, '10.0.0.1', '10.0.1.5');
  assert.deepEqual(onA, [], 'queued for up to proxy_delay (0.8 s)');
  assert.equal(arpTbl(r0.net).proxyQueue.qlen, 1);
  await l.k.sleep(0.9 * S);
  assert.deepEqual(onA, ['2 10.0.1.5>10.0.0.1 ucast']);
  assert.equal(state(a0, '10.0.1.5'), NUD_REACHABLE);
  assert.equal(mac(neighLookupNoref32(arpTbl(a0.net), ip('10.0.1.5'), a0)!.ha), mac(r0.devAddr));
  assert.equal(state(r0, '10.0.0.1'), NUD_STALE, 'R learned the asker');
  // A unicast request (PACKET_HOST) is answered at once; so is everything with proxy_delay 0.
  onA.length = 0;
  forge(a0, ARPOP_REQUEST, '10.0.0.1', '10.0.1.5', new Uint8Array(6), r0.devAddr);
  assert.deepEqual(onA, ['2 10.0.1.5>10.0.0.1 ucast']);
  onA.length = 0;
  l.sysctl('tnxr', 'net.ipv4.neigh.r0.proxy_delay', '0');
  forge(a0, ARPOP_REQUEST, '10.0.0.1', '10.0.1.5', new Uint8Array(6));
  assert.deepEqual(onA, ['2 10.0.1.5>10.0.0.1 ucast']);
});

test('proxy entries: `ip neigh add proxy` answers for one address only', async () => {
  const l = await proxyLab();
  const a0 = l.dev('tnxa', 'a0');
  const onA = l.watch('tnxa', 'a0');
  l.sysctl('tnxr', 'net.ipv4.neigh.r0.proxy_delay', '0');
  await l.run('tnxr', 'neigh add proxy 10.0.1.5 dev r0');
  forge(a0, ARPOP_REQUEST, '10.0.0.1', '10.0.1.5', new Uint8Array(6));
  forge(a0, ARPOP_REQUEST, '10.0.0.1', '10.0.1.6', new Uint8Array(6));
  assert.deepEqual(onA, ['2 10.0.1.5>10.0.0.1 ucast']);
  // Not on the device the route leaves by.
  onA.length = 0;
  pneighCreate(arpTbl(l.ns.get('tnxr')!), l.ns.get('tnxr')!, ipv4Key(ip('10.0.0.77')), l.dev('tnxr', 'r0'));
  forge(a0, ARPOP_REQUEST, '10.0.0.1', '10.0.0.77', new Uint8Array(6));
  assert.deepEqual(onA, []);
});
