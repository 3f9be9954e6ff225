/**
 * ip_forward on a hand-made forwarding route (a first PRE_ROUTING hook attaches it,
 * as ip_route_input would, and a POST_ROUTING hook takes what leaves): TTL
 * decrement with Linux's incremental checksum, FORWARD hook with in/out devices,
 * OutForwDatagrams, priority from TOS, TTL expiry, DF too big, not-for-us frames,
 * and no control block allocated on the fast path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createKernel } from '../index.js';
import type { Net } from '../core/net_namespace.js';
import type { NetDevice } from '../core/netdevice.js';
import { type SkBuff, skbFromBytes, consumeSkb, PACKET_HOST, PACKET_BROADCAST } from '../core/skbuff.js';
import { ETH_P_IP, devOpen, type PacketType } from '../core/dev.js';
import {
  SKB_DROP_REASON_IP_INHDR, SKB_DROP_REASON_PKT_TOO_BIG, SKB_DROP_REASON_NOT_SPECIFIED,
} from '../core/drop_reason.js';
import {
  IPSTATS_MIB_OUTFORWDATAGRAMS, IPSTATS_MIB_INHDRERRORS, IPSTATS_MIB_FRAGFAILS,
} from '../core/snmp.js';
import {
  NFPROTO_IPV4, NF_INET_PRE_ROUTING, NF_INET_FORWARD, NF_INET_POST_ROUTING, NF_ACCEPT, NF_STOLEN,
  NF_IP_PRI_FIRST, nfRegisterNetHook, type NfHookState,
} from '../netfilter/core.js';
import { vethCreate } from '../drivers/veth.js';
import { readU16 } from '../wire/bytes.js';
import { IP_DF, IPPROTO_UDP, type IpRepr, ipReprParse } from '../wire/iphdr.js';
import { csumFold, csumPartial, ipFastCsum } from '../wire/checksum.js';
import { RTAX_MAX, RTAX_MTU, RTN_UNICAST } from '../wire/route.js';
import { ipv4Net } from './netns_ipv4.js';
import { Rtable } from './rtable.js';
import { IPCB_FORWARDED } from './ip.js';
import { ipRcv, ipRaControl } from './ip_input.js';
import type { InetSock } from './inet_sock.js';
import { Task } from '../socket/task.js';
import * as sys from '../socket/syscalls.js';
import { AF_INET, SOCK_RAW } from '../socket/socket.js';
import { EADDRINUSE, ENOBUFS } from '../socket/errno.js';
import { ipForward, ipDecreaseTtl } from './ip_forward.js';
import { rtTos2priority } from './ip_sockglue.js';
import { ipOutput } from './ip_output.js';
import { ipPacket } from '../../test/harness/ipv4_packet.js';

const PT: PacketType = { type: ETH_P_IP, dev: null, func: ipRcv, ignoreOutgoing: false, afPacketPriv: null };

interface Rig {
  net: Net;
  inDev: NetDevice;
  outDev: NetDevice;
  rt: Rtable;
  out: SkBuff[];
  fwd: NfHookState[];
  drops: number[];
}

function rig(): Rig {
  const k = createKernel({ seed: 3 });
  const net = k.newNet();
  const r = vethCreate(net, { name: 'in0', peerName: 'out0' }) as [NetDevice, NetDevice];
  const [inDev, outDev] = r;
  devOpen(inDev);
  devOpen(outDev);
  const rt = new Rtable(outDev, ipForward, ipOutput, ipv4Net(net).rtGenid, new Uint32Array(RTAX_MAX + 1));
  rt.rtType = RTN_UNICAST;
  rt.rtIsInput = true;
  const out: SkBuff[] = [];
  const fwd: NfHookState[] = [];
  const drops: number[] = [];
  k.trace.kfreeSkb.register((_s, reason) => drops.push(reason));
  nfRegisterNetHook(net, {
    pf: NFPROTO_IPV4, hooknum: NF_INET_PRE_ROUTING, priority: NF_IP_PRI_FIRST,
    hook: (_p, skb) => { skb.dst = rt; return NF_ACCEPT; },
  });
  nfRegisterNetHook(net, {
    pf: NFPROTO_IPV4, hooknum: NF_INET_FORWARD, priority: 0,
    hook: (_p, _skb, state) => { fwd.push(state); return NF_ACCEPT; },
  });
  nfRegisterNetHook(net, {
    pf: NFPROTO_IPV4, hooknum: NF_INET_POST_ROUTING, priority: 0,
    hook: (_p, skb) => { out.push(skb); return NF_STOLEN; },
  });
  return { net, inDev, outDev, rt, out, fwd, drops };
}

function rcv(r: Rig, o: Partial<IpRepr>, payload = 8, pktType = PACKET_HOST): void {
  const skb = skbFromBytes(r.inDev, ipPacket(o, payload));
  skb.networkHeader = skb.data;
  skb.protocol = ETH_P_IP;
  skb.pktType = pktType;
  skb.skbIif = r.inDev.ifindex;
  ipRcv(skb, r.inDev, PT, r.inDev);
}

test('a forwarded packet: TTL - 1 with a valid checksum, FORWARD hook (in, out), ForwDatagrams, priority', () => {
  const r = rig();
  rcv(r, { ttl: 64, tos: 0x10 });
  assert.equal(r.out.length, 1);
  const skb = r.out[0]!;
  const h = ipReprParse(skb.buf, skb.networkHeader, skb.len) as IpRepr;
  assert.equal(h.ttl, 63);
  assert.equal(csumFold(csumPartial(skb.buf, skb.networkHeader, 20)), 0);
  assert.equal(r.fwd.length, 1);
  assert.equal(r.fwd[0]!.indev, r.inDev);
  assert.equal(r.fwd[0]!.outdev, r.outDev);
  assert.equal(skb.dev, r.outDev);
  assert.equal(ipv4Net(r.net).mib.ip[IPSTATS_MIB_OUTFORWDATAGRAMS], 1);
  assert.equal(skb.priority, 6); // TC_PRIO_INTERACTIVE for IPTOS_LOWDELAY
  // The fast path made no control block of its own.
  assert.equal(skb.cb, IPCB_FORWARDED);
  consumeSkb(skb);
});

test('net.ipv4.ip_forward_update_priority=0 keeps skb->priority', () => {
  const r = rig();
  ipv4Net(r.net).sysctl.ipForwardUpdatePriority = 0;
  rcv(r, { tos: 0x10 });
  assert.equal(r.out[0]!.priority, 0);
});

test('TTL 1 (and 0): not forwarded; InHdrErrors, IP_INHDR', () => {
  const r = rig();
  rcv(r, { ttl: 1 });
  rcv(r, { ttl: 0 });
  assert.equal(r.out.length, 0);
  assert.equal(ipv4Net(r.net).mib.ip[IPSTATS_MIB_INHDRERRORS], 2);
  assert.deepEqual(r.drops, [SKB_DROP_REASON_IP_INHDR, SKB_DROP_REASON_IP_INHDR]);
});

test('DF and larger than the next hop MTU: FragFails, PKT_TOO_BIG; without DF it passes on', () => {
  const r = rig();
  r.outDev.mtu = 1000;
  rcv(r, { fragOff: IP_DF }, 1000);
  assert.equal(r.out.length, 0);
  assert.equal(ipv4Net(r.net).mib.ip[IPSTATS_MIB_FRAGFAILS], 1);
  assert.deepEqual(r.drops, [SKB_DROP_REASON_PKT_TOO_BIG]);
  rcv(r, { fragOff: IP_DF }, 980);
  rcv(r, {}, 1000);
  assert.equal(r.out.length, 2);
  // The route's mtu metric wins over the device's.
  r.rt.metrics[RTAX_MTU] = 500;
  rcv(r, { fragOff: IP_DF }, 481);
  assert.equal(r.out.length, 2);
  assert.equal(ipv4Net(r.net).mib.ip[IPSTATS_MIB_FRAGFAILS], 2);
});

test('a packet that was not unicast to us at link level is not forwarded', () => {
  const r = rig();
  rcv(r, {}, 8, PACKET_BROADCAST);
  assert.equal(r.out.length, 0);
  assert.deepEqual(r.drops, [SKB_DROP_REASON_NOT_SPECIFIED]);
});

test('ip_decrease_ttl: the incremental checksum always verifies and equals a recomputation but for +-0', () => {
  fc.assert(fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.integer({ min: 2, max: 255 }), (h, ttl) => {
    h[0] = 0x45;
    h[8] = ttl;
    h[10] = 0; h[11] = 0;
    const c = ipFastCsum(h, 0, 5);
    h[10] = c >> 8; h[11] = c & 0xff;
    assert.equal(ipDecreaseTtl(h, 0), ttl - 1);
    assert.equal(h[8], ttl - 1);
    assert.equal(csumFold(csumPartial(h, 0, 20)), 0);
    const inc = readU16(h, 10);
    h[10] = 0; h[11] = 0;
    const full = ipFastCsum(h, 0, 5);
    assert.ok(inc === full || (inc === 0 && full === 0xffff) || (inc === 0xffff && full === 0));
  }), { numRuns: 2000, seed: 9 });
});

test('rt_tos2priority follows ip_tos2prio', () => {
  assert.deepEqual([0x00, 0x02, 0x08, 0x04, 0x10, 0x18, 0x1c].map(rtTos2priority), [0, 0, 2, 0, 6, 4, 4]);
});

test('router alert (RFC 2113): a raw socket of the protocol that set IP_ROUTER_ALERT takes the packet', () => {
  const r = rig();
  const task = new Task(r.net.kernel, r.net, { write: () => {} }, { write: () => {} });
  const fd = sys.socket(task, AF_INET, SOCK_RAW, IPPROTO_UDP);
  const sk = sys.sockfdLookup(task, fd).sk as InetSock;
  assert.equal(ipRaControl(sk, true), 0);
  assert.equal(ipRaControl(sk, true), -EADDRINUSE);
  const ra = new Uint8Array([148, 4, 0, 0]);
  rcv(r, { options: ra });
  assert.equal(r.out.length, 0, 'not forwarded');
  const m = sys.recvmsgNow(task, fd);
  assert.ok(m !== null);
  assert.equal(m.data[0], 0x46);
  // Without the option, or once the socket turned it off, the packet is forwarded.
  rcv(r, {});
  assert.equal(ipRaControl(sk, false), 0);
  assert.equal(ipRaControl(sk, false), -ENOBUFS);
  rcv(r, { options: ra });
  assert.equal(r.out.length, 2);
});
