/**
 * Netfilter hooks at their Linux places in the IPv4 path (ip_rcv: PRE_ROUTING,
 * ip_local_deliver: LOCAL_IN, ip_forward: FORWARD, __ip_local_out: LOCAL_OUT,
 * ip_output: POST_ROUTING), with the devices Linux passes to each, and every
 * verdict: ACCEPT, DROP (and NF_DROP_ERR's errno), STOLEN, QUEUE with reinjection
 * (ACCEPT, DROP, REPEAT), QUEUE without a handler (dropped, or passed with
 * QUEUE_BYPASS), priorities. Routes are attached by hand (skb.dst set before
 * ip_rcv, as for a looped-back packet), so these tests need no FIB: a local route
 * on lo delivers to a test protocol (253, RFC 3692 experimentation), a forwarding
 * route leaves by a veth.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKernel } from '../src/index.js';
import type { Kernel, Net } from '../src/core/net_namespace.js';
import type { NetDevice } from '../src/core/netdevice.js';
import { type SkBuff, skbFromBytes, consumeSkb, allocSkb, skbReserve, skbPutData } from '../src/core/skbuff.js';
import { ETH_P_IP, devOpen, type PacketType } from '../src/core/dev.js';
import { SKB_DROP_REASON_NETFILTER_DROP } from '../src/core/drop_reason.js';
import {
  NFPROTO_IPV4, NFPROTO_INET, NF_INET_PRE_ROUTING, NF_INET_LOCAL_IN, NF_INET_FORWARD, NF_INET_LOCAL_OUT,
  NF_INET_POST_ROUTING, NF_ACCEPT, NF_DROP, NF_STOLEN, NF_QUEUE, NF_REPEAT, NF_VERDICT_FLAG_QUEUE_BYPASS,
  nfRegisterNetHook, nfUnregisterNetHook, nfRegisterQueueHandler, nfReinject, nfDropErr, nfQueueNr,
  type NfHookOps, type NfHookState, type NfQueueEntry,
} from '../src/netfilter/core.js';
import { vethCreate } from '../src/drivers/veth.js';
import { RTAX_MAX, RTN_LOCAL, RTN_UNICAST } from '../src/wire/route.js';
import { EHOSTUNREACH, EPERM } from '../src/socket/errno.js';
import { ipv4Net } from '../src/ipv4/netns_ipv4.js';
import { Rtable } from '../src/ipv4/rtable.js';
import { inetAddProtocol, inetDelProtocol, type NetProtocol } from '../src/ipv4/protocol.js';
import { ipRcv, ipLocalDeliver } from '../src/ipv4/ip_input.js';
import { ipForward } from '../src/ipv4/ip_forward.js';
import { ipOutput, ipLocalOut } from '../src/ipv4/ip_output.js';
import { ipPacket } from './harness/ipv4_packet.js';

const PROTO_TEST = 253;
const PT: PacketType = { type: ETH_P_IP, dev: null, func: ipRcv, ignoreOutgoing: false, afPacketPriv: null };
const HOOKS = [NF_INET_PRE_ROUTING, NF_INET_LOCAL_IN, NF_INET_FORWARD, NF_INET_LOCAL_OUT, NF_INET_POST_ROUTING];
const HOOK_NAMES = ['PRE_ROUTING', 'LOCAL_IN', 'FORWARD', 'LOCAL_OUT', 'POST_ROUTING'];

interface Rig {
  k: Kernel;
  net: Net;
  lo: NetDevice;
  inDev: NetDevice;
  outDev: NetDevice;
  local: Rtable;
  fwd: Rtable;
  /** Packets the test protocol received. */
  delivered: SkBuff[];
  /** Every hook call: hook name, indev name, outdev name. */
  calls: string[];
  drops: number[];
  done(): void;
}

function rig(): Rig {
  const k = createKernel({ seed: 21 });
  const net = k.newNet();
  const lo = net.loopbackDev!;
  devOpen(lo);
  const [inDev, outDev] = vethCreate(net, { name: 'in0', peerName: 'out0' }) as [NetDevice, NetDevice];
  devOpen(inDev);
  devOpen(outDev);
  const gen = ipv4Net(net).rtGenid;
  const local = new Rtable(lo, ipLocalDeliver, ipOutput, gen, new Uint32Array(RTAX_MAX + 1));
  local.rtType = RTN_LOCAL;
  const fwd = new Rtable(outDev, ipForward, ipOutput, gen, new Uint32Array(RTAX_MAX + 1));
  fwd.rtType = RTN_UNICAST;
  fwd.rtIsInput = true;
  const delivered: SkBuff[] = [];
  const prot: NetProtocol = { handler: (skb) => { delivered.push(skb); return 0; } };
  inetAddProtocol(k, prot, PROTO_TEST);
  const calls: string[] = [];
  const drops: number[] = [];
  k.trace.kfreeSkb.register((_s, r) => drops.push(r));
  // A tracing hook at every point, last priority, that accepts.
  for (const h of HOOKS) {
    nfRegisterNetHook(net, {
      pf: NFPROTO_IPV4, hooknum: h, priority: 1000,
      hook: (_p, _skb, st) => {
        calls.push(`${HOOK_NAMES[h]} ${st.indev?.name ?? '-'} ${st.outdev?.name ?? '-'}`);
        return NF_ACCEPT;
      },
    });
  }
  return { k, net, lo, inDev, outDev, local, fwd, delivered, calls, drops, done: () => inetDelProtocol(k, prot, PROTO_TEST) };
}

/** A packet arriving on `dev` with its route already attached. */
function rcv(r: Rig, dev: NetDevice, rt: Rtable, ttl = 64): void {
  const skb = skbFromBytes(dev, ipPacket({ protocol: PROTO_TEST, ttl }, 16));
  skb.networkHeader = skb.data;
  skb.protocol = ETH_P_IP;
  skb.skbIif = dev.ifindex;
  skb.dst = rt;
  ipRcv(skb, dev, PT, dev);
}

/** A locally generated packet to ourselves over lo: LOCAL_OUT, POST_ROUTING, then back in. */
function send(r: Rig): number {
  const p = ipPacket({ protocol: PROTO_TEST, saddr: 0x7f000001, daddr: 0x7f000001 }, 16);
  const skb = allocSkb(p.length + 64);
  skbReserve(skb, 64);
  skbPutData(skb, p);
  skb.networkHeader = skb.data;
  skb.dst = r.local; // skb->dev stays NULL until ip_output sets it, as in Linux
  return ipLocalOut(r.net, null, skb);
}

function hook(net: Net, hooknum: number, verdict: (skb: SkBuff, st: NfHookState) => number, priority = 0): NfHookOps {
  const ops: NfHookOps = { pf: NFPROTO_IPV4, hooknum, priority, hook: (_p, skb, st) => verdict(skb, st) };
  assert.equal(nfRegisterNetHook(net, ops), 0);
  return ops;
}

test('the five hooks are called where Linux calls them, with its in/out devices', () => {
  const r = rig();
  rcv(r, r.inDev, r.local);
  assert.deepEqual(r.calls, ['PRE_ROUTING in0 -', 'LOCAL_IN in0 -']);
  assert.equal(r.delivered.length, 1);
  r.calls.length = 0;
  const postrouting = hook(r.net, NF_INET_POST_ROUTING, (skb) => { consumeSkb(skb); return NF_STOLEN; }, 2000);
  rcv(r, r.inDev, r.fwd);
  assert.deepEqual(r.calls, ['PRE_ROUTING in0 -', 'FORWARD in0 out0', 'POST_ROUTING in0 out0']);
  nfUnregisterNetHook(r.net, postrouting);
  r.calls.length = 0;
  assert.equal(send(r), 0);
  assert.deepEqual(r.calls, ['LOCAL_OUT - lo', 'POST_ROUTING - lo', 'PRE_ROUTING lo -', 'LOCAL_IN lo -']);
  assert.equal(r.delivered.length, 2);
  r.done();
});

test('NF_DROP at each hook frees the skb (NETFILTER_DROP) and stops the packet', () => {
  for (const h of HOOKS) {
    const r = rig();
    hook(r.net, h, () => NF_DROP);
    if (h === NF_INET_FORWARD) rcv(r, r.inDev, r.fwd);
    else if (h === NF_INET_LOCAL_OUT || h === NF_INET_POST_ROUTING) assert.equal(send(r), -EPERM);
    else rcv(r, r.inDev, r.local);
    assert.equal(r.delivered.length, 0, HOOK_NAMES[h]);
    // (kfree_skb's tracepoint names a namespace through skb->dev: a locally built
    // packet has none before ip_output.)
    const wantDrops = h === NF_INET_LOCAL_OUT ? [] : [SKB_DROP_REASON_NETFILTER_DROP];
    assert.deepEqual(r.drops, wantDrops, HOOK_NAMES[h]);
    r.done();
  }
});

test('NF_DROP_ERR: the errno comes back to the sender (ip_local_out)', () => {
  const r = rig();
  hook(r.net, NF_INET_LOCAL_OUT, () => nfDropErr(-EHOSTUNREACH));
  assert.equal(send(r), -EHOSTUNREACH);
  r.done();
});

test('NF_STOLEN: the hook owns the skb; nothing further happens to it', () => {
  const r = rig();
  const stolen: SkBuff[] = [];
  hook(r.net, NF_INET_LOCAL_IN, (skb) => { stolen.push(skb); return NF_STOLEN; });
  rcv(r, r.inDev, r.local);
  assert.equal(stolen.length, 1);
  assert.equal(r.delivered.length, 0);
  assert.equal(r.drops.length, 0);
  r.done();
});

test('priorities order the hooks; a lower one runs first and its DROP hides the rest', () => {
  const r = rig();
  const order: number[] = [];
  hook(r.net, NF_INET_PRE_ROUTING, () => { order.push(10); return NF_ACCEPT; }, 10);
  hook(r.net, NF_INET_PRE_ROUTING, () => { order.push(-10); return NF_ACCEPT; }, -10);
  hook(r.net, NF_INET_PRE_ROUTING, () => { order.push(0); return NF_ACCEPT; }, 0);
  rcv(r, r.inDev, r.local);
  assert.deepEqual(order, [-10, 0, 10]);
  hook(r.net, NF_INET_PRE_ROUTING, () => NF_DROP, -20);
  order.length = 0;
  rcv(r, r.inDev, r.local);
  assert.deepEqual(order, []);
  assert.equal(r.delivered.length, 1);
  r.done();
});

test('NF_QUEUE: the handler gets the entry; reinjected with ACCEPT it goes on, with DROP it is freed', () => {
  const r = rig();
  const queued: NfQueueEntry[] = [];
  nfRegisterQueueHandler(r.net, (e) => { queued.push(e); return 0; });
  const after: number[] = [];
  hook(r.net, NF_INET_LOCAL_IN, () => nfQueueNr(3), 0);
  hook(r.net, NF_INET_LOCAL_IN, () => { after.push(1); return NF_ACCEPT; }, 5);
  rcv(r, r.inDev, r.local);
  rcv(r, r.inDev, r.local);
  assert.equal(queued.length, 2);
  assert.equal(queued[0]!.queueNum, 3);
  assert.equal(r.delivered.length, 0);
  nfReinject(queued[0]!, NF_ACCEPT);
  assert.deepEqual(after, [1]);
  assert.equal(r.delivered.length, 1);
  nfReinject(queued[1]!, NF_DROP);
  assert.equal(r.delivered.length, 1);
  assert.deepEqual(r.drops, [SKB_DROP_REASON_NETFILTER_DROP]);
  r.done();
});

test('NF_REPEAT on reinjection runs the queueing hook again (here it accepts the second time)', () => {
  const r = rig();
  const queued: NfQueueEntry[] = [];
  nfRegisterQueueHandler(r.net, (e) => { queued.push(e); return 0; });
  let runs = 0;
  hook(r.net, NF_INET_FORWARD, () => (++runs === 1 ? NF_QUEUE : NF_ACCEPT));
  const out: SkBuff[] = [];
  hook(r.net, NF_INET_POST_ROUTING, (skb) => { out.push(skb); return NF_STOLEN; }, 2000);
  rcv(r, r.inDev, r.fwd);
  assert.equal(queued.length, 1);
  assert.equal(out.length, 0);
  nfReinject(queued[0]!, NF_REPEAT);
  assert.equal(runs, 2);
  assert.equal(out.length, 1);
  assert.equal(out[0]!.buf[out[0]!.networkHeader + 8], 63, 'forwarded with TTL - 1');
  r.done();
});

test('NF_REPEAT returned by a hook runs it again; NF_QUEUE from a LOCAL_OUT hook holds a sent packet', () => {
  const r = rig();
  let n = 0;
  hook(r.net, NF_INET_PRE_ROUTING, () => (++n < 3 ? NF_REPEAT : NF_ACCEPT));
  rcv(r, r.inDev, r.local);
  assert.equal(n, 3);
  assert.equal(r.delivered.length, 1);
  const queued: NfQueueEntry[] = [];
  nfRegisterQueueHandler(r.net, (e) => { queued.push(e); return 0; });
  hook(r.net, NF_INET_LOCAL_OUT, () => NF_QUEUE);
  assert.equal(send(r), 0);
  assert.equal(r.delivered.length, 1);
  nfReinject(queued[0]!, NF_ACCEPT);
  assert.equal(r.delivered.length, 2, 'reinjected at LOCAL_OUT it goes out and comes back over lo');
  r.done();
});

test('NF_QUEUE without a queue handler drops, unless QUEUE_BYPASS', () => {
  const r = rig();
  const q = hook(r.net, NF_INET_LOCAL_IN, () => NF_QUEUE);
  rcv(r, r.inDev, r.local);
  assert.equal(r.delivered.length, 0);
  assert.deepEqual(r.drops, [SKB_DROP_REASON_NETFILTER_DROP]);
  nfUnregisterNetHook(r.net, q);
  hook(r.net, NF_INET_LOCAL_IN, () => NF_QUEUE | NF_VERDICT_FLAG_QUEUE_BYPASS);
  rcv(r, r.inDev, r.local);
  assert.equal(r.delivered.length, 1);
  r.done();
});

test('a queued packet whose hook is unregistered before reinjection is dropped', () => {
  const r = rig();
  const queued: NfQueueEntry[] = [];
  nfRegisterQueueHandler(r.net, (e) => { queued.push(e); return 0; });
  const q = hook(r.net, NF_INET_LOCAL_IN, () => NF_QUEUE);
  rcv(r, r.inDev, r.local);
  nfUnregisterNetHook(r.net, q);
  nfReinject(queued[0]!, NF_ACCEPT);
  assert.equal(r.delivered.length, 0);
  assert.deepEqual(r.drops, [SKB_DROP_REASON_NETFILTER_DROP]);
  r.done();
});

test('NFPROTO_INET hooks see IPv4 packets; unregistering removes them', () => {
  const r = rig();
  let seen = 0;
  const ops: NfHookOps = { pf: NFPROTO_INET, hooknum: NF_INET_LOCAL_IN, priority: 0, hook: () => { seen++; return NF_ACCEPT; } };
  assert.equal(nfRegisterNetHook(r.net, ops), 0);
  rcv(r, r.inDev, r.local);
  assert.equal(seen, 1);
  assert.equal(nfUnregisterNetHook(r.net, ops), 0);
  rcv(r, r.inDev, r.local);
  assert.equal(seen, 1);
  assert.equal(r.delivered.length, 2);
  r.done();
});
