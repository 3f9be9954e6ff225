import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testKernel, ethFrame, txSkb, BCAST } from '../../../test/harness/kernel.js';
import { vethCreate } from '../veth.js';
import { devAddPack, devClose, devOpen, devQueueXmit, devSetMtu, devGetFlags, unregisterNetdeviceMany, type PacketType } from '../../core/dev.js';
import { consumeSkb } from '../../core/skbuff.js';
import type { Kernel, Net } from '../../core/net_namespace.js';
import {
  type NetDevice, IFF_ALLMULTI, IFF_LOWER_UP, IFF_PROMISC, IFF_BRIDGE_PORT, netifCarrierOk,
} from '../../core/netdevice.js';
import { formatMac, parseMac } from '../../ethernet/eth.js';
import { brCreate, brDevDelete } from './br_device.js';
import { brAddIf, brDelIf } from './br_if.js';
import {
  BR_BCAST_FLOOD, BR_FDB_LOCAL, BR_FDB_STATIC, BR_FLOOD, BR_LEARNING, BR_PORT_LOCKED, BR_STATE_DISABLED, BR_STATE_FORWARDING,
  brFromDev, brPortGet,
} from './br_private.js';
import { brFdbAdd, brFdbDeleteUser, brFdbEntries, brFdbFind, NLM_F_CREATE, NLM_F_EXCL, NUD_NOARP, NUD_REACHABLE, NTF_MASTER } from './br_fdb.js';
import { brPortFlagsChange } from './br_if.js';

const PROTO = 0x88b5;
const SEC = 1e9;

interface Host {
  net: Net;
  /** The end inside the host namespace. */
  dev: NetDevice;
  /** The bridge port in the init namespace. */
  port: NetDevice;
  got: string[];
}

function mac(s: string): Uint8Array {
  return parseMac(s)!;
}

/** A bridge br0 in init_net with `n` hosts, each a namespace joined by a veth pair. */
function lab(n: number): { k: Kernel; br: NetDevice; hosts: Host[]; brGot: string[] } {
  const k = testKernel();
  const br = brCreate(k.initNet, 'br0', { address: undefined });
  assert.ok(typeof br !== 'number');
  const hosts: Host[] = [];
  for (let i = 0; i < n; i++) {
    const net = k.newNet();
    const r = vethCreate(k.initNet, {
      name: `veth${i}`, peerName: 'eth0', peerNet: net,
      address: mac(`02:00:00:00:0${i}:01`), peerAddress: mac(`02:00:00:00:0${i}:02`),
    });
    assert.ok(Array.isArray(r));
    const [port, dev] = r;
    assert.equal(brAddIf(brFromDev(br), port, {}), 0);
    devOpen(port);
    devOpen(dev);
    const h: Host = { net, dev, port, got: [] };
    const pt: PacketType = {
      type: PROTO, dev, ignoreOutgoing: false, afPacketPriv: null,
      func: (skb) => {
        h.got.push(formatMac(skb.buf, skb.macHeader + 6));
        consumeSkb(skb);
        return 0;
      },
    };
    devAddPack(net, pt);
    hosts.push(h);
  }
  devOpen(br);
  const brGot: string[] = [];
  devAddPack(k.initNet, {
    type: PROTO, dev: br, ignoreOutgoing: false, afPacketPriv: null,
    func: (skb) => {
      brGot.push(formatMac(skb.buf, skb.macHeader));
      consumeSkb(skb);
      return 0;
    },
  });
  return { k, br, hosts, brGot };
}

function send(h: Host, dst: Uint8Array): void {
  devQueueXmit(txSkb(h.dev, ethFrame(dst, h.dev.devAddr, PROTO)));
}

function fdbOf(br: NetDevice): string[] {
  return brFdbEntries(brFromDev(br)).map((f) => `${formatMac(f.addr)} ${f.dst ? f.dst.dev.name : 'br0'}` +
    `${f.flags & BR_FDB_LOCAL ? ' permanent' : f.flags & BR_FDB_STATIC ? ' static' : ''}`);
}

test('bridge: ports are promiscuous and allmulti, numbered, and the bridge takes the lowest MAC and MTU', () => {
  const { br, hosts } = lab(2);
  for (const h of hosts) {
    assert.equal(h.port.promiscuity, 1);
    assert.equal(h.port.allmulti, 1);
    assert.ok(h.port.flags & IFF_PROMISC && h.port.flags & IFF_ALLMULTI);
    assert.ok(h.port.privFlags & IFF_BRIDGE_PORT);
    assert.equal(h.port.master, br);
    assert.equal(brPortGet(h.port)!.state, BR_STATE_FORWARDING);
  }
  assert.deepEqual(hosts.map((h) => brPortGet(h.port)!.portNo), [1, 2]);
  assert.equal(brPortGet(hosts[0]!.port)!.portId, 0x8001);
  assert.equal(brPortGet(hosts[0]!.port)!.pathCost, 2, 'veth is 10G: cost 2');
  assert.equal(formatMac(br.devAddr), '02:00:00:00:00:01');
  assert.ok(devGetFlags(br) & IFF_LOWER_UP, 'carrier while a port forwards');
  devSetMtu(hosts[1]!.port, 1400);
  assert.equal(br.mtu, 1400);
  devSetMtu(hosts[1]!.port, 1500);
  assert.equal(br.mtu, 1500);
  devSetMtu(br, 1300);
  devSetMtu(hosts[1]!.port, 1450);
  assert.equal(br.mtu, 1300, 'an MTU set by the user sticks');
  // Local entries: the ports' MACs (newest first), the bridge's random MAC left when a port's became the id.
  assert.deepEqual(fdbOf(br), ['02:00:00:00:01:01 veth1 permanent', '02:00:00:00:00:01 veth0 permanent']);
});

test('bridge: learning, unknown-unicast flooding, known-unicast forwarding, broadcast to all and up', () => {
  const { br, hosts, brGot } = lab(3);
  const [a, b, c] = hosts as [Host, Host, Host];
  send(a, mac('02:99:00:00:00:99'));
  assert.deepEqual([a.got, b.got, c.got], [[], ['02:00:00:00:00:02'], ['02:00:00:00:00:02']], 'unknown unicast floods');
  assert.deepEqual(brGot, [], 'not for the bridge');
  const fa = brFdbFind(brFromDev(br), a.dev.devAddr, 0);
  assert.equal(fa?.dst?.dev, a.port, 'source learned on veth0');
  send(b, a.dev.devAddr);
  assert.deepEqual([a.got, c.got.length], [['02:00:00:00:01:02'], 1], 'known unicast goes to one port');
  send(c, BCAST);
  assert.deepEqual([a.got.length, b.got.length], [2, 2]);
  assert.deepEqual(brGot, ['ff:ff:ff:ff:ff:ff'], 'broadcast is also delivered to the bridge device');
  send(a, br.devAddr);
  assert.equal(brGot.length, 2, 'frames to the bridge MAC go up');
  assert.equal(b.got.length + c.got.length, 3, 'and are not forwarded');
  assert.equal(br.stats.rxPackets, 2);
  assert.equal(br.stats.rxBytes, 2 * 46, 'bridge rx bytes exclude the Ethernet header, as Linux counts');
});

test('bridge: the bridge device transmits through the fdb', () => {
  const { br, hosts } = lab(2);
  const [a, b] = hosts as [Host, Host];
  send(a, BCAST);
  devQueueXmit(txSkb(br, ethFrame(a.dev.devAddr, br.devAddr, PROTO)));
  assert.equal(a.got.length, 1);
  assert.equal(b.got.length, 1, 'only the broadcast');
  devQueueXmit(txSkb(br, ethFrame(BCAST, br.devAddr, PROTO)));
  assert.equal(a.got.length + b.got.length, 4);
  assert.equal(br.stats.txPackets, 2);
});

test('bridge: learned entries age out after ageing_time on virtual time; static ones stay', async () => {
  const { k, br, hosts } = lab(2);
  const [a, b] = hosts as [Host, Host];
  const bridge = brFromDev(br);
  assert.equal(brFdbAdd({ state: NUD_NOARP | NUD_REACHABLE, flags: NTF_MASTER, extFlags: 0 }, b.port,
    mac('02:aa:00:00:00:01'), 0, NLM_F_CREATE | NLM_F_EXCL, {}), 0);
  await k.sleep(10 * SEC);
  send(a, BCAST);
  assert.ok(brFdbFind(bridge, a.dev.devAddr, 0));
  await k.sleep(299 * SEC);
  assert.ok(brFdbFind(bridge, a.dev.devAddr, 0), 'still there at 299 s');
  send(a, BCAST);
  await k.sleep(299 * SEC);
  assert.ok(brFdbFind(bridge, a.dev.devAddr, 0), 'refreshed by traffic');
  await k.sleep(2 * SEC);
  assert.equal(brFdbFind(bridge, a.dev.devAddr, 0), null, 'gone after 300 s without traffic');
  const st = brFdbFind(bridge, mac('02:aa:00:00:00:01'), 0);
  assert.ok(st && st.flags & BR_FDB_STATIC && st.dst?.dev === b.port, 'static entry stays');
  // ageing_time 0: no learning at all.
  bridge.ageingTime = 0;
  send(a, BCAST);
  assert.equal(brFdbFind(bridge, a.dev.devAddr, 0), null);
});

test('bridge: static entries: add, duplicate, delete; forwarding follows them', () => {
  const { br, hosts } = lab(2);
  const [a, b] = hosts as [Host, Host];
  const target = mac('02:bb:00:00:00:01');
  const req = { state: NUD_NOARP | NUD_REACHABLE, flags: NTF_MASTER, extFlags: 0 };
  assert.equal(brFdbAdd(req, b.port, target, 0, NLM_F_CREATE | NLM_F_EXCL, {}), 0);
  assert.equal(brFdbAdd(req, b.port, target, 0, NLM_F_CREATE | NLM_F_EXCL, {}), -17, 'EEXIST');
  assert.equal(brFdbAdd(req, b.port, target, 5, NLM_F_CREATE | NLM_F_EXCL, {}), -22, 'no VLAN filtering: EINVAL');
  assert.equal(brFdbAdd(req, b.dev, target, 0, NLM_F_CREATE, {}), -22, 'not a bridge port');
  send(a, target);
  assert.equal(b.got.length, 1);
  assert.equal(brFdbDeleteUser(b.port, target, 0), 0);
  assert.equal(brFdbDeleteUser(b.port, target, 0), -2, 'ENOENT');
  assert.ok(fdbOf(br).every((s) => !s.startsWith('02:bb')));
});

test('bridge: a port that goes down is disabled and flushed; removal restores promiscuity', () => {
  const { br, hosts } = lab(2);
  const [a, b] = hosts as [Host, Host];
  const bridge = brFromDev(br);
  send(a, BCAST);
  send(b, BCAST);
  assert.equal(bridge.fdbCount, 4);
  devClose(a.port);
  assert.equal(brPortGet(a.port)!.state, BR_STATE_DISABLED);
  assert.equal(brFdbFind(bridge, a.dev.devAddr, 0), null, 'learned entry flushed');
  assert.ok(brFdbFind(bridge, a.port.devAddr, 0), 'local entry kept');
  devClose(b.dev);
  assert.equal(brPortGet(b.port)!.state, BR_STATE_DISABLED, 'carrier loss disables the port');
  assert.equal(netifCarrierOk(br), false, 'no forwarding port: no carrier');
  devOpen(b.dev);
  assert.equal(brPortGet(b.port)!.state, BR_STATE_FORWARDING);
  assert.equal(netifCarrierOk(br), true);
  assert.equal(brDelIf(bridge, a.port), 0);
  assert.equal(a.port.promiscuity, 0);
  assert.equal(a.port.allmulti, 0);
  assert.equal(a.port.master, null);
  assert.equal(a.port.rxHandler, null);
  assert.equal(brFdbFind(bridge, a.port.devAddr, 0), null, 'all entries of the port go');
  assert.equal(brDelIf(bridge, a.port), -22);
  assert.equal(formatMac(br.devAddr), '02:00:00:00:01:01', 'bridge id follows the remaining port');
  const head: NetDevice[] = [];
  brDevDelete(br, head);
  unregisterNetdeviceMany(head);
  assert.equal(b.port.promiscuity, 0);
  assert.equal(b.port.master, null);
});

test('bridge: flood flags and learning off per port', () => {
  const { br, hosts } = lab(3);
  const [a, b, c] = hosts as [Host, Host, Host];
  const pc = brPortGet(c.port)!;
  pc.flags &= ~BR_FLOOD;
  send(a, mac('02:99:00:00:00:99'));
  assert.deepEqual([b.got.length, c.got.length], [1, 0], 'no unknown unicast to a port with flood off');
  pc.flags &= ~BR_BCAST_FLOOD;
  send(a, BCAST);
  assert.deepEqual([b.got.length, c.got.length], [2, 0]);
  const pb = brPortGet(b.port)!;
  pb.flags &= ~BR_LEARNING;
  brPortFlagsChange(pb, BR_LEARNING);
  send(b, BCAST);
  assert.equal(brFdbFind(brFromDev(br), b.dev.devAddr, 0), null, 'learning off');
});

test('bridge: link-local frames: STP group address forwarded with STP off, LLDP stays on the port', () => {
  const { k, hosts } = lab(2);
  const [a, b] = hosts as [Host, Host];
  send(a, mac('01:80:c2:00:00:00'));
  assert.equal(b.got.length, 1, 'STP off: 01:80:c2:00:00:00 is forwarded');
  const up: string[] = [];
  devAddPack(k.initNet, {
    type: PROTO, dev: a.port, ignoreOutgoing: false, afPacketPriv: null,
    func: (skb, dev) => {
      up.push(dev.name);
      consumeSkb(skb);
      return 0;
    },
  });
  send(a, mac('01:80:c2:00:00:0e'));
  assert.equal(b.got.length, 1, 'LLDP is not forwarded');
  assert.deepEqual(up, ['veth0'], 'it goes up the port itself');
});

test('bridge: a locked port drops frames from sources the fdb does not have on it (no learning)', () => {
  const { br, hosts } = lab(2);
  const [a, b] = hosts as [Host, Host];
  brPortGet(a.port)!.flags |= BR_PORT_LOCKED;
  send(a, BCAST);
  assert.deepEqual(b.got, [], 'unknown source: dropped');
  assert.equal(brFdbFind(brFromDev(br), a.dev.devAddr, 0), null, 'and not learned');
  assert.equal(brFdbAdd({ state: NUD_NOARP, flags: NTF_MASTER, extFlags: 0 }, a.port, a.dev.devAddr, 0,
    NLM_F_CREATE | NLM_F_EXCL, {}), 0);
  send(a, BCAST);
  assert.deepEqual(b.got, ['02:00:00:00:00:02'], 'a static entry on the port admits it');
});
