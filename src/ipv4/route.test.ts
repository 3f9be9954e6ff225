/**
 * The route decision layer: input decisions (local, broadcast, forward, martians,
 * rp_filter, accept_local, redirects, multicast, ip_error with its rate limit),
 * output routes (source selection, gateways, local, broadcast, reject types, the
 * oif on-link rule, per-nexthop caching and genid invalidation), nexthop exceptions
 * (PMTU learned with min_pmtu clamp and mtu_expires on virtual time, redirects) and
 * the net.ipv4.route sysctls.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testKernel } from '../../test/harness/kernel.js';
import { ipPacket } from '../../test/harness/ipv4_packet.js';
import type { Kernel, Net } from '../core/net_namespace.js';
import { type NetDevice, allocNetdev } from '../core/netdevice.js';
import { registerNetdevice, devOpen, devSetMtu } from '../core/dev.js';
import { dstInput } from '../core/dst.js';
import { type SkBuff, skbFromBytes } from '../core/skbuff.js';
import {
  SKB_DROP_REASON_IP_INVALID_SOURCE, SKB_DROP_REASON_IP_INVALID_DEST, SKB_DROP_REASON_IP_LOCALNET,
  SKB_DROP_REASON_IP_RPFILTER, SKB_DROP_REASON_IP_LOCAL_SOURCE, SKB_DROP_REASON_NOT_SPECIFIED,
  SKB_DROP_REASON_IP_INADDRERRORS,
} from '../core/drop_reason.js';
import { IPSTATS_MIB_INADDRERRORS, IPSTATS_MIB_INNOROUTES } from '../core/snmp.js';
import { dummyOps, dummySetup } from '../drivers/dummy.js';
import { ETH_P_IP } from '../wire/ethhdr.js';
import { IPPROTO_UDP, writeU32 } from '../wire/iphdr.js';
import { EACCES, EHOSTUNREACH, EINVAL, ENETUNREACH, ENODEV } from '../socket/errno.js';
import { AF_INET } from '../socket/socket.js';
import {
  RTN_BLACKHOLE, RTN_BROADCAST, RTN_LOCAL, RTN_MULTICAST, RTN_PROHIBIT, RTN_THROW, RTN_UNICAST, RTN_UNREACHABLE,
  RTPROT_BOOT, RT_SCOPE_LINK, RT_SCOPE_UNIVERSE, RT_TABLE_MAIN,
} from '../wire/route.js';
import { INFINITY_LIFE_TIME, IPV4_DEVCONF_ACCEPT_LOCAL, IPV4_DEVCONF_FORWARDING, IPV4_DEVCONF_LOG_MARTIANS,
  IPV4_DEVCONF_ROUTE_LOCALNET, IPV4_DEVCONF_RP_FILTER, inDevGet, inetMakeMask } from './inetdevice.js';
import { inetAllocIfa, inetInsertIfa, setIfaLifetime } from './devinet.js';
import { ipv4Net } from './netns_ipv4.js';
import { Flowi4, type Rtable, RTCF_BROADCAST, RTCF_LOCAL, RTCF_MULTICAST, RTCF_REDIRECTED } from './rtable.js';
import { FibConfig } from './fib_lookup.js';
import { fibNewTable } from './fib_frontend.js';
import { fibTableInsert } from './fib_trie.js';
import { IPCB, IPSKB_DOREDIRECT } from './ip.js';
import { ipLocalDeliver } from './ip_input.js';
import { ipForward } from './ip_forward.js';
import { ipMcOutput, ipOutput } from './ip_output.js';
import { fibSyncMtu, rtNet } from './route.js';
import { inetPeerLookup } from './inetpeer.js';
import { ipError, ipRouteInputNoref, ipRtSendRedirect } from './route_input.js';
import { ipRouteConnect, ipRouteOutputKey, ipv4Redirect, ipv4UpdatePmtu } from './route_output.js';
import { InetSock } from './inet_sock.js';
import { sockSetFlag } from '../core/sock.js';
import { SOCK_LOCALROUTE } from '../core/sock_opt.js';

const ip = (s: string): number => s.split('.').reduce((a, b) => a * 256 + Number(b), 0) >>> 0;

function dummy(k: Kernel, net: Net, name: string): NetDevice {
  const dev = allocNetdev(name, (d) => dummySetup(d, k.rng), dummyOps);
  dev.net = net;
  assert.equal(registerNetdevice(net, dev), 0);
  assert.equal(devOpen(dev), 0);
  return dev;
}

function addAddr(dev: NetDevice, cidr: string): void {
  const [a, l] = cidr.split('/');
  const ifa = inetAllocIfa(inDevGet(dev)!);
  ifa.ifaLocal = ifa.ifaAddress = ip(a!);
  ifa.ifaPrefixlen = Number(l);
  ifa.ifaMask = inetMakeMask(ifa.ifaPrefixlen);
  ifa.ifaBroadcast = (ifa.ifaLocal | ~ifa.ifaMask) >>> 0;
  ifa.ifaScope = RT_SCOPE_UNIVERSE;
  ifa.ifaLabel = dev.name;
  setIfaLifetime(ifa, INFINITY_LIFE_TIME, INFINITY_LIFE_TIME, true);
  assert.equal(inetInsertIfa(ifa), 0);
}

/** `ip route add` in the main table: "10.0.3.0/24 via 10.0.1.7", "unreachable 10.9.0.0/16" ... */
function addRoute(net: Net, spec: string, dev: NetDevice | null = null): void {
  const words = spec.split(' ');
  let type = RTN_UNICAST;
  if (['unreachable', 'prohibit', 'blackhole', 'throw'].includes(words[0]!)) {
    type = { unreachable: RTN_UNREACHABLE, prohibit: RTN_PROHIBIT, blackhole: RTN_BLACKHOLE, throw: RTN_THROW }[words.shift()!]!;
  }
  const [dst, len] = words[0]! === 'default' ? ['0.0.0.0', '0'] : words[0]!.split('/');
  const cfg = new FibConfig(net);
  cfg.fcDst = ip(dst!);
  cfg.fcDstLen = Number(len ?? 32);
  cfg.fcType = type;
  cfg.fcProtocol = RTPROT_BOOT;
  cfg.fcTable = RT_TABLE_MAIN;
  cfg.fcScope = RT_SCOPE_UNIVERSE;
  cfg.fcNlflags = 0x400; // NLM_F_CREATE
  const via = words.indexOf('via');
  if (via >= 0) {
    cfg.fcGw4 = ip(words[via + 1]!);
    cfg.fcGwFamily = AF_INET;
  } else if (dev !== null && type === RTN_UNICAST) {
    cfg.fcScope = RT_SCOPE_LINK;
  }
  if (dev !== null) cfg.fcOif = dev.ifindex;
  assert.equal(fibTableInsert(net, fibNewTable(net, RT_TABLE_MAIN)!, cfg), 0, spec);
}

interface Router {
  k: Kernel;
  net: Net;
  eth0: NetDevice;
  eth1: NetDevice;
  drops: number[];
}

/** A host/router: eth0 10.0.1.1/24, eth1 10.0.2.1/24, 10.0.3.0/24 via 10.0.1.7. */
function router(forwarding = false): Router {
  const k = testKernel(3);
  const net = k.initNet;
  const eth0 = dummy(k, net, 'eth0');
  const eth1 = dummy(k, net, 'eth1');
  addAddr(eth0, '10.0.1.1/24');
  addAddr(eth1, '10.0.2.1/24');
  addRoute(net, '10.0.3.0/24 via 10.0.1.7');
  if (forwarding) setForwarding(net, true);
  const drops: number[] = [];
  k.trace.kfreeSkb.register((_skb, reason) => drops.push(reason));
  return { k, net, eth0, eth1, drops };
}

function setForwarding(net: Net, on: boolean): void {
  const e = net.kernel.sysctl.find(net, 'net.ipv4.ip_forward');
  assert.ok(e, 'net.ipv4.ip_forward is registered');
  assert.equal(e.set(net, on ? '1' : '0'), 0);
  for (const d of net.devices) assert.equal(inDevGet(d)!.cnf[IPV4_DEVCONF_FORWARDING], on ? 1 : 0);
}

/** A received packet on `dev` as ip_rcv leaves it for routing. */
function rxSkb(dev: NetDevice, saddr: string, daddr: string, payload = 8): SkBuff {
  const skb = skbFromBytes(dev, ipPacket({ saddr: ip(saddr), daddr: ip(daddr), protocol: IPPROTO_UDP }, payload));
  skb.networkHeader = skb.data;
  skb.transportHeader = skb.data + 20;
  skb.protocol = ETH_P_IP;
  skb.skbIif = dev.ifindex;
  return skb;
}

function routeIn(dev: NetDevice, saddr: string, daddr: string): { reason: number; skb: SkBuff; rt: Rtable | null } {
  const skb = rxSkb(dev, saddr, daddr);
  const reason = ipRouteInputNoref(skb, ip(daddr), ip(saddr), 0, dev);
  return { reason, skb, rt: skb.dst as Rtable | null };
}

function routeOut(net: Net, daddr: string, saddr = '0.0.0.0', oif = 0): { rt: Rtable | number; fl4: Flowi4 } {
  const fl4 = new Flowi4();
  fl4.daddr = ip(daddr);
  fl4.saddr = ip(saddr);
  fl4.oif = oif;
  fl4.proto = IPPROTO_UDP;
  return { rt: ipRouteOutputKey(net, fl4), fl4 };
}

function out(net: Net, daddr: string, saddr = '0.0.0.0', oif = 0): Rtable {
  const r = routeOut(net, daddr, saddr, oif).rt;
  assert.ok(typeof r !== 'number', `route to ${daddr}: ${String(r)}`);
  return r;
}

test('input: a packet for one of our addresses goes to ip_local_deliver, the route is cached on the nexthop', () => {
  const r = router();
  const a = routeIn(r.eth0, '10.0.1.5', '10.0.1.1');
  assert.equal(a.reason, 0);
  assert.equal(a.rt!.input, ipLocalDeliver);
  assert.equal(a.rt!.rtType, RTN_LOCAL);
  assert.equal(a.rt!.rtFlags, RTCF_LOCAL);
  assert.ok(a.rt!.rtIsInput);
  // An address of another interface of this host is local too (weak host model).
  const b = routeIn(r.eth0, '10.0.1.5', '10.0.2.1');
  assert.equal(b.reason, 0);
  assert.equal(b.rt!.input, ipLocalDeliver);
  // The second packet reuses the cached route: no allocation per packet.
  const c = routeIn(r.eth0, '10.0.1.6', '10.0.1.1');
  assert.equal(c.rt, a.rt);
  assert.equal(rtNet(r.net).stat.inSlowTot, 2);
});

test('input: subnet and limited broadcasts are local broadcast routes; 0.0.0.0 -> 255.255.255.255 is accepted', () => {
  const r = router();
  for (const [s, d] of [['10.0.1.5', '10.0.1.255'], ['10.0.1.5', '255.255.255.255'], ['0.0.0.0', '255.255.255.255']]) {
    const a = routeIn(r.eth0, s!, d!);
    assert.equal(a.reason, 0, `${s} -> ${d}`);
    assert.equal(a.rt!.rtType, RTN_BROADCAST);
    assert.equal(a.rt!.rtFlags, (RTCF_BROADCAST | RTCF_LOCAL) >>> 0);
    assert.equal(a.rt!.input, ipLocalDeliver);
  }
  assert.equal(rtNet(r.net).stat.inBrd, 3);
});

test('input: martians are dropped with Linux 6.13 reasons, counted, and logged with log_martians', () => {
  const r = router();
  const cases: [string, string, number][] = [
    ['224.0.0.9', '10.0.1.1', SKB_DROP_REASON_IP_INVALID_SOURCE],
    ['255.255.255.255', '10.0.1.1', SKB_DROP_REASON_IP_INVALID_SOURCE],
    ['0.0.0.0', '10.0.1.1', SKB_DROP_REASON_IP_INVALID_SOURCE],
    ['10.0.1.5', '0.1.2.3', SKB_DROP_REASON_IP_INVALID_DEST],
    ['10.0.1.5', '127.0.0.1', SKB_DROP_REASON_IP_LOCALNET],
    ['127.0.0.5', '10.0.1.1', SKB_DROP_REASON_IP_LOCALNET],
  ];
  for (const [s, d, reason] of cases) {
    const a = routeIn(r.eth0, s, d);
    assert.equal(a.reason, reason, `${s} -> ${d}`);
    assert.equal(a.rt, null);
  }
  const st = rtNet(r.net).stat;
  assert.equal(st.inMartianSrc, 4);
  assert.equal(st.inMartianDst, 2);
  assert.equal(r.k.dmesg.length, 0);
  inDevGet(r.eth0)!.cnf[IPV4_DEVCONF_LOG_MARTIANS] = 1;
  routeIn(r.eth0, '127.0.0.5', '10.0.1.1');
  routeIn(r.eth0, '10.0.1.5', '0.1.2.3');
  assert.match(r.k.dmesg[0]!, /\] IPv4: martian source 10\.0\.1\.1 from 127\.0\.0\.5, on dev eth0$/);
  assert.match(r.k.dmesg[1]!, /\] IPv4: martian destination 0\.1\.2\.3 from 10\.0\.1\.5, dev eth0$/);
  // RFC 1812: with a MAC header, its bytes follow (print_hex_dump "ll header: ").
  const skb = rxSkb(r.eth0, '127.0.0.5', '10.0.1.1');
  skb.macHeader = skb.data - 14;
  ipRouteInputNoref(skb, ip('10.0.1.1'), ip('127.0.0.5'), 0, r.eth0);
  assert.match(r.k.dmesg[3]!, /\] ll header: 00000000: ([0-9a-f]{2} ){13}[0-9a-f]{2}$/);
});

test('input: route_localnet lets 127/8 through', () => {
  const r = router();
  inDevGet(r.eth0)!.cnf[IPV4_DEVCONF_ROUTE_LOCALNET] = 1;
  const a = routeIn(r.eth0, '10.0.1.5', '127.0.0.1');
  assert.equal(a.reason, 0);
  assert.equal(a.rt!.input, ipLocalDeliver);
});

test('input: one of our own addresses as source is IP_LOCAL_SOURCE unless accept_local', () => {
  const r = router();
  assert.equal(routeIn(r.eth0, '10.0.2.1', '10.0.1.1').reason, SKB_DROP_REASON_IP_LOCAL_SOURCE);
  inDevGet(r.eth0)!.cnf[IPV4_DEVCONF_ACCEPT_LOCAL] = 1;
  const a = routeIn(r.eth0, '10.0.2.1', '10.0.1.1');
  assert.equal(a.reason, 0);
  assert.equal(a.rt!.input, ipLocalDeliver);
});

test('input without forwarding: another host\'s packet gets ip_error, which counts InAddrErrors and drops', () => {
  const r = router(false);
  const a = routeIn(r.eth0, '10.0.1.5', '10.0.2.9');
  assert.equal(a.reason, 0);
  assert.equal(a.rt!.input, ipError);
  assert.equal(a.rt!.error, EHOSTUNREACH);
  assert.equal(a.rt!.rtType, RTN_UNREACHABLE);
  assert.equal(a.rt!.rtFlags & RTCF_LOCAL, 0);
  assert.equal(dstInput(a.skb), 0);
  assert.equal(ipv4Net(r.net).mib.ip[IPSTATS_MIB_INADDRERRORS], 1);
  assert.deepEqual(r.drops, [SKB_DROP_REASON_IP_INADDRERRORS]);
  assert.equal(rtNet(r.net).stat.inNoRoute, 1);
});

test('input with forwarding: ip_forward through the output device, one route for every packet', () => {
  const r = router(true);
  const a = routeIn(r.eth0, '10.0.1.5', '10.0.2.9');
  assert.equal(a.reason, 0);
  assert.equal(a.rt!.input, ipForward);
  assert.equal(a.rt!.dev, r.eth1);
  assert.equal(a.rt!.rtUsesGateway, false);
  const b = routeIn(r.eth0, '10.0.1.6', '10.0.2.10');
  assert.equal(b.rt, a.rt);
  const g = routeIn(r.eth1, '10.0.2.5', '10.0.3.9');
  assert.equal(g.rt!.dev, r.eth0);
  assert.equal(g.rt!.rtUsesGateway, true);
  assert.equal(g.rt!.rtGw4, ip('10.0.1.7'));
});

test('input with forwarding: leaving by the input interface marks IPSKB_DOREDIRECT', () => {
  const r = router(true);
  const a = routeIn(r.eth0, '10.0.1.5', '10.0.3.9');
  assert.equal(a.rt!.dev, r.eth0);
  assert.ok(IPCB(a.skb).flags & IPSKB_DOREDIRECT);
  const b = routeIn(r.eth1, '10.0.2.5', '10.0.3.9');
  assert.equal(IPCB(b.skb).flags & IPSKB_DOREDIRECT, 0);
});

test('input with forwarding: rp_filter strict drops a source routed elsewhere, loose accepts it', () => {
  const r = router(true);
  // 10.0.3.5 is reachable through eth0 only: arriving on eth1 fails strict rp_filter.
  inDevGet(r.eth1)!.cnf[IPV4_DEVCONF_RP_FILTER] = 1;
  assert.equal(routeIn(r.eth1, '10.0.3.5', '10.0.1.9').reason, SKB_DROP_REASON_IP_RPFILTER);
  assert.equal(routeIn(r.eth0, '10.0.3.5', '10.0.2.9').reason, 0);
  // Loose: any route back will do; 192.0.2.1 has none.
  inDevGet(r.eth1)!.cnf[IPV4_DEVCONF_RP_FILTER] = 2;
  assert.equal(routeIn(r.eth1, '10.0.3.5', '10.0.1.9').reason, 0);
  assert.equal(routeIn(r.eth1, '192.0.2.1', '10.0.1.9').reason, SKB_DROP_REASON_IP_RPFILTER);
  // The local input path checks rp_filter too.
  inDevGet(r.eth1)!.cnf[IPV4_DEVCONF_RP_FILTER] = 1;
  assert.equal(routeIn(r.eth1, '10.0.3.5', '10.0.2.1').reason, SKB_DROP_REASON_IP_RPFILTER);
});

test('input with forwarding: no route -> ip_error sends net unreachable, rate-limited by error_cost/error_burst', async () => {
  const r = router(true);
  const mib = ipv4Net(r.net).mib;
  const sent = (): number => mib.icmpMsg[256 + 3]!;
  // The per-source bucket (Linux inet_peer rate_tokens, jiffies): ip_error refills it
  // (up to error_burst 1250) and takes error_cost 250 per message; icmp_send's own
  // per-peer limit (icmp_ratelimit 1 s = 250 jiffies) then draws from the SAME
  // tokens, as in Linux ("these ICMPs are twice limited"): 1250 -> 1000 -> 750 sent,
  // 750 -> 500 -> 250 sent, 250 -> 0 and icmp refuses; then nothing.
  const tokens = (src: string): number => inetPeerLookup(rtNet(r.net).peers, ip(src))!.rateTokens;
  const seen: number[] = [];
  for (let i = 0; i < 8; i++) {
    const a = routeIn(r.eth0, '10.0.1.5', '192.0.2.1');
    assert.equal(a.rt!.input, ipError);
    assert.equal(a.rt!.error, ENETUNREACH);
    dstInput(a.skb);
    seen.push(tokens('10.0.1.5'));
  }
  assert.deepEqual(seen, [750, 250, 0, 0, 0, 0, 0, 0]);
  assert.equal(sent(), 2);
  assert.equal(mib.ip[IPSTATS_MIB_INNOROUTES], 8);
  // 1 s later: 250 tokens, all taken by ip_error; icmp_send has none left.
  await r.k.sleep(1_000_000_000);
  dstInput(routeIn(r.eth0, '10.0.1.5', '192.0.2.1').skb);
  assert.equal(tokens('10.0.1.5'), 0);
  assert.equal(sent(), 2);
  // 2 s later: 500 tokens, enough for both.
  await r.k.sleep(2_000_000_000);
  dstInput(routeIn(r.eth0, '10.0.1.5', '192.0.2.1').skb);
  assert.equal(sent(), 3);
  // Another source has its own bucket.
  dstInput(routeIn(r.eth0, '10.0.1.6', '192.0.2.1').skb);
  assert.equal(tokens('10.0.1.6'), 750);
  assert.equal(sent(), 4);
});

test('input: unreachable / prohibit routes give host unreachable / EACCES errors; blackhole drops silently', () => {
  const r = router(true);
  addRoute(r.net, 'unreachable 10.9.0.0/16');
  addRoute(r.net, 'prohibit 10.8.0.0/16');
  addRoute(r.net, 'blackhole 10.7.0.0/16');
  assert.equal(routeIn(r.eth0, '10.0.1.5', '10.9.0.1').rt!.error, EHOSTUNREACH);
  assert.equal(routeIn(r.eth0, '10.0.1.5', '10.8.0.1').rt!.error, EACCES);
  const bh = routeIn(r.eth0, '10.0.1.5', '10.7.0.1');
  assert.equal(bh.rt!.error, EINVAL);
  const before = ipv4Net(r.net).mib.icmpMsg[256 + 3]!;
  dstInput(bh.skb);
  assert.equal(ipv4Net(r.net).mib.icmpMsg[256 + 3], before);
  assert.equal(r.drops.at(-1), SKB_DROP_REASON_NOT_SPECIFIED);
});

test('input: multicast to a joined group (all-hosts) is local; others are dropped', () => {
  const r = router();
  const a = routeIn(r.eth0, '10.0.1.5', '224.0.0.1');
  assert.equal(a.reason, 0);
  assert.equal(a.rt!.rtType, RTN_MULTICAST);
  assert.equal(a.rt!.rtFlags, (RTCF_MULTICAST | RTCF_LOCAL) >>> 0);
  assert.equal(a.rt!.input, ipLocalDeliver);
  assert.equal(routeIn(r.eth0, '10.0.1.5', '224.0.0.5').reason, SKB_DROP_REASON_NOT_SPECIFIED);
});

test('output: source address selection, gateways, cached per nexthop', () => {
  const r = router();
  const { rt, fl4 } = routeOut(r.net, '10.0.1.5');
  assert.ok(typeof rt !== 'number');
  assert.equal(fl4.saddr, ip('10.0.1.1'));
  assert.equal(rt.dev, r.eth0);
  assert.equal(rt.output, ipOutput);
  assert.equal(rt.rtUsesGateway, false);
  assert.equal(out(r.net, '10.0.1.6'), rt);
  const g = routeOut(r.net, '10.0.3.9');
  assert.ok(typeof g.rt !== 'number');
  assert.equal(g.fl4.saddr, ip('10.0.1.1'));
  assert.equal(g.rt.rtGw4, ip('10.0.1.7'));
  assert.equal(g.rt.rtUsesGateway, true);
  // A source given by the caller must be ours.
  assert.equal(routeOut(r.net, '10.0.1.5', '10.0.2.1').fl4.saddr, ip('10.0.2.1'));
  assert.equal(routeOut(r.net, '10.0.1.5', '10.0.9.9').rt, -ENETUNREACH);
  assert.equal(routeOut(r.net, '10.0.1.5', '224.0.0.1').rt, -EINVAL);
});

test('output: local destinations go through lo with the local address as source', () => {
  const r = router();
  const { rt, fl4 } = routeOut(r.net, '10.0.2.1');
  assert.ok(typeof rt !== 'number');
  assert.equal(rt.dev, r.net.loopbackDev);
  assert.equal(rt.rtType, RTN_LOCAL);
  assert.ok(rt.rtFlags & RTCF_LOCAL);
  assert.equal(fl4.saddr, ip('10.0.2.1'));
  assert.equal(fl4.oif, r.net.loopbackDev!.ifindex);
  const z = routeOut(r.net, '0.0.0.0');
  assert.ok(typeof z.rt !== 'number');
  assert.equal(z.fl4.daddr, ip('127.0.0.1'));
  assert.equal(z.rt.dev, r.net.loopbackDev);
});

test('output: broadcast and multicast with an oif use ip_mc_output and a link-scope source', () => {
  const r = router();
  const b = routeOut(r.net, '255.255.255.255', '0.0.0.0', r.eth1.ifindex);
  assert.ok(typeof b.rt !== 'number');
  assert.equal(b.rt.rtType, RTN_BROADCAST);
  assert.equal(b.rt.rtFlags, (RTCF_BROADCAST | RTCF_LOCAL) >>> 0);
  assert.equal(b.rt.output, ipMcOutput);
  assert.equal(b.fl4.saddr, ip('10.0.2.1'));
  const d = routeOut(r.net, '10.0.1.255');
  assert.ok(typeof d.rt !== 'number');
  assert.equal(d.rt.rtType, RTN_BROADCAST);
  const m = routeOut(r.net, '224.0.0.1', '0.0.0.0', r.eth0.ifindex);
  assert.ok(typeof m.rt !== 'number');
  assert.equal(m.rt.rtType, RTN_MULTICAST);
  assert.equal(m.rt.output, ipMcOutput);
  // Without a route or an oif, limited broadcast has nowhere to go.
  assert.equal(routeOut(r.net, '255.255.255.255').rt, -ENETUNREACH);
});

test('output: reject routes answer -EHOSTUNREACH / -EACCES / -EINVAL; no route -ENETUNREACH; bad oif -ENODEV', () => {
  const r = router();
  addRoute(r.net, 'unreachable 10.9.0.0/16');
  addRoute(r.net, 'prohibit 10.8.0.0/16');
  addRoute(r.net, 'blackhole 10.7.0.0/16');
  addRoute(r.net, 'throw 10.6.0.0/16');
  assert.equal(routeOut(r.net, '10.9.0.1').rt, -EHOSTUNREACH);
  assert.equal(routeOut(r.net, '10.8.0.1').rt, -EACCES);
  assert.equal(routeOut(r.net, '10.7.0.1').rt, -EINVAL);
  assert.equal(routeOut(r.net, '10.6.0.1').rt, -ENETUNREACH);
  assert.equal(routeOut(r.net, '192.0.2.1').rt, -ENETUNREACH);
  assert.equal(routeOut(r.net, '192.0.2.1', '0.0.0.0', 99).rt, -ENODEV);
  // With an oif and no route the destination is assumed on link.
  const o = routeOut(r.net, '192.0.2.1', '0.0.0.0', r.eth1.ifindex);
  assert.ok(typeof o.rt !== 'number');
  assert.equal(o.rt.dev, r.eth1);
  assert.equal(o.fl4.saddr, ip('10.0.2.1'));
  assert.equal(o.rt.rtUsesGateway, false);
});

test('output: a routing change bumps the generation; cached routes become obsolete', () => {
  const r = router();
  const a = out(r.net, '10.0.3.9');
  assert.equal(a.obsolete, 0);
  addRoute(r.net, '10.0.4.0/24 via 10.0.2.7');
  assert.equal(a.obsolete, 1);
  const b = out(r.net, '10.0.3.9');
  assert.notEqual(b, a);
  assert.equal(b.obsolete, 0);
  // net.ipv4.route.flush does the same.
  const flush = r.k.sysctl.find(r.net, 'net.ipv4.route.flush')!;
  assert.equal(flush.mode, 0o200);
  assert.equal(flush.set(r.net, '1'), 0);
  assert.equal(b.obsolete, 1);
});

/** An ICMP error as icmp_rcv hands it to ipv4_update_pmtu/ipv4_redirect: data at the quoted header. */
function icmpErrorSkb(dev: NetDevice, from: string, type: number, code: number, info: number, quotedSrc: string,
  quotedDst: string): SkBuff {
  const inner = ipPacket({ saddr: ip(quotedSrc), daddr: ip(quotedDst), protocol: IPPROTO_UDP }, 8);
  const icmp = new Uint8Array(8 + inner.length);
  icmp[0] = type;
  icmp[1] = code;
  writeU32(icmp, 4, info);
  icmp.set(inner, 8);
  const outer = ipPacket({ saddr: ip(from), daddr: ip(quotedSrc), protocol: 1 }, 0);
  const pkt = new Uint8Array(outer.length + icmp.length);
  pkt.set(outer, 0);
  pkt.set(icmp, outer.length);
  const skb = skbFromBytes(dev, pkt);
  skb.networkHeader = skb.data;
  skb.transportHeader = skb.data + 20;
  skb.protocol = ETH_P_IP;
  skb.data += 28; // icmp_rcv pulled the outer and ICMP headers
  return skb;
}

test('exceptions: a learned PMTU applies to its destination only, is clamped to min_pmtu, and expires', async () => {
  const r = router();
  const before = out(r.net, '10.0.3.9');
  assert.equal(before.mtu(), 1500);
  ipv4UpdatePmtu(icmpErrorSkb(r.eth0, '10.0.1.7', 3, 4, 1400, '10.0.1.1', '10.0.3.9'), r.net, 1400, 0, IPPROTO_UDP);
  // The old cached route of the nexthop is killed so its holders look again.
  assert.equal(before.obsolete, 1);
  const a = out(r.net, '10.0.3.9');
  assert.equal(a.rtPmtu, 1400);
  assert.equal(a.mtu(), 1400);
  assert.equal(a.expires, r.k.clock.now() + 600e9);
  assert.equal(out(r.net, '10.0.3.10').mtu(), 1500);
  assert.equal(out(r.net, '10.0.3.9'), a);
  // A larger MTU is ignored; below min_pmtu (552) it is clamped and locked.
  ipv4UpdatePmtu(icmpErrorSkb(r.eth0, '10.0.1.7', 3, 4, 1450, '10.0.1.1', '10.0.3.9'), r.net, 1450, 0, IPPROTO_UDP);
  assert.equal(out(r.net, '10.0.3.9').mtu(), 1400);
  ipv4UpdatePmtu(icmpErrorSkb(r.eth0, '10.0.1.7', 3, 4, 300, '10.0.1.1', '10.0.3.9'), r.net, 300, 0, IPPROTO_UDP);
  const c = out(r.net, '10.0.3.9');
  assert.equal(c.mtu(), 552);
  assert.equal(c.rtMtuLocked, true);
  // mtu_expires (600 s) later the exception is gone.
  await r.k.sleep(601e9);
  const d = out(r.net, '10.0.3.9');
  assert.equal(d.mtu(), 1500);
  assert.equal(d.rtPmtu, 0);
});

test('exceptions: net.ipv4.route.mtu_expires and min_pmtu are used as set', async () => {
  const r = router();
  const k = r.k;
  assert.equal(k.sysctl.find(r.net, 'net.ipv4.route.mtu_expires')!.set(r.net, '10'), 0);
  assert.equal(k.sysctl.find(r.net, 'net.ipv4.route.min_pmtu')!.set(r.net, '1000'), 0);
  assert.equal(k.sysctl.find(r.net, 'net.ipv4.route.min_pmtu')!.set(r.net, '67'), -EINVAL);
  ipv4UpdatePmtu(icmpErrorSkb(r.eth0, '10.0.1.7', 3, 4, 800, '10.0.1.1', '10.0.3.9'), r.net, 800, 0, IPPROTO_UDP);
  assert.equal(out(r.net, '10.0.3.9').mtu(), 1000);
  await k.sleep(11e9);
  assert.equal(out(r.net, '10.0.3.9').mtu(), 1500);
});

test('exceptions: an accepted redirect changes the gateway for that destination (RTCF_REDIRECTED)', async () => {
  const r = router();
  // The new gateway must be a valid neighbour (dummy devices are NOARP: it is at once).
  ipv4Redirect(icmpErrorSkb(r.eth0, '10.0.1.7', 5, 1, ip('10.0.1.8'), '10.0.1.1', '10.0.3.9'), r.net, 0, IPPROTO_UDP);
  const a = out(r.net, '10.0.3.9');
  assert.equal(a.rtGw4, ip('10.0.1.8'));
  assert.ok(a.rtFlags & RTCF_REDIRECTED);
  assert.equal(out(r.net, '10.0.3.10').rtGw4, ip('10.0.1.7'));
  // A redirect from a router that is not our gateway for it is ignored.
  ipv4Redirect(icmpErrorSkb(r.eth0, '10.0.1.9', 5, 1, ip('10.0.1.8'), '10.0.1.1', '10.0.3.10'), r.net, 0, IPPROTO_UDP);
  assert.equal(out(r.net, '10.0.3.10').rtGw4, ip('10.0.1.7'));
  // accept_redirects 0 refuses them.
  for (const n2 of ['all', 'eth0']) r.k.sysctl.find(r.net, `net.ipv4.conf.${n2}.accept_redirects`)!.set(r.net, '0');
  ipv4Redirect(icmpErrorSkb(r.eth0, '10.0.1.7', 5, 1, ip('10.0.1.8'), '10.0.1.1', '10.0.3.11'), r.net, 0, IPPROTO_UDP);
  assert.equal(out(r.net, '10.0.3.11').rtGw4, ip('10.0.1.7'));
  // Learned gateways expire after gc_timeout (300 s).
  await r.k.sleep(301e9);
  assert.equal(out(r.net, '10.0.3.9').rtGw4, ip('10.0.1.7'));
});

test('sysctls: net.ipv4.route.* in the initial namespace, only the per-namespace four elsewhere', () => {
  const k = testKernel(1);
  const names = (net: Net): string[] => k.sysctl.list(net).filter((e) => e.name.startsWith('net.ipv4.route.'))
    .map((e) => `${e.name.slice(15)}=${e.mode === 0o200 ? '' : e.get(net)}`);
  assert.deepEqual(names(k.initNet), [
    'error_burst=1250', 'error_cost=250', 'flush=', 'gc_elasticity=8', 'gc_interval=60', 'gc_min_interval=0',
    'gc_min_interval_ms=500', 'gc_thresh=-1', 'gc_timeout=300', 'max_size=2147483647', 'min_adv_mss=256',
    'min_pmtu=552', 'mtu_expires=600', 'redirect_load=5', 'redirect_number=9', 'redirect_silence=5120',
  ]);
  assert.deepEqual(names(k.newNet()), ['flush=', 'min_adv_mss=256', 'min_pmtu=552', 'mtu_expires=600']);
  const ms = k.sysctl.find(k.initNet, 'net.ipv4.route.gc_min_interval')!;
  assert.equal(ms.set(k.initNet, '2'), 0);
  assert.equal(k.sysctl.find(k.initNet, 'net.ipv4.route.gc_min_interval_ms')!.get(k.initNet), '2000');
});

test('exceptions: a device MTU change lowers learned PMTUs above it (fib_sync_mtu)', () => {
  const r = router();
  ipv4UpdatePmtu(icmpErrorSkb(r.eth0, '10.0.1.7', 3, 4, 1400, '10.0.1.1', '10.0.3.9'), r.net, 1400, 0, IPPROTO_UDP);
  ipv4UpdatePmtu(icmpErrorSkb(r.eth0, '10.0.1.7', 3, 4, 1200, '10.0.1.1', '10.0.3.10'), r.net, 1200, 0, IPPROTO_UDP);
  assert.equal(devSetMtu(r.eth0, 1300), 0);
  fibSyncMtu(r.eth0, 1500);
  assert.equal(out(r.net, '10.0.3.9').mtu(), 1300);
  assert.equal(out(r.net, '10.0.3.10').mtu(), 1200);
});

test('property: any source/destination pair on any device is routed or dropped with a reason, never throws', async () => {
  const fc = (await import('fast-check')).default;
  const r = router(true);
  addRoute(r.net, 'unreachable 10.9.0.0/16');
  addRoute(r.net, 'prohibit 10.8.0.0/16');
  addRoute(r.net, 'blackhole 10.7.0.0/16');
  const devs = [r.eth0, r.eth1, r.net.loopbackDev!];
  const addr = fc.oneof(
    fc.constantFrom(0, 0xffffffff, ip('10.0.1.1'), ip('10.0.1.255'), ip('10.0.2.9'), ip('10.0.3.9'), ip('127.0.0.1'),
      ip('224.0.0.1'), ip('224.0.0.9'), ip('10.9.0.1'), ip('10.8.0.1'), ip('10.7.0.1'), ip('192.0.2.1')),
    fc.integer({ min: 0, max: 0xffffffff }),
  );
  fc.assert(fc.property(addr, addr, fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 255 }),
    fc.integer({ min: 0, max: 2 }), fc.boolean(), (s, d, di, tos, rpf, fwd) => {
      const dev = devs[di]!;
      inDevGet(dev)!.cnf[IPV4_DEVCONF_RP_FILTER] = rpf;
      inDevGet(dev)!.cnf[IPV4_DEVCONF_FORWARDING] = fwd ? 1 : 0;
      const skb = skbFromBytes(dev, ipPacket({ saddr: s, daddr: d, tos }, 8));
      skb.networkHeader = skb.data;
      skb.protocol = ETH_P_IP;
      const reason = ipRouteInputNoref(skb, d, s, tos, dev);
      if (reason === 0) {
        const rt = skb.dst as Rtable;
        assert.ok(rt.rtIsInput);
        assert.ok([ipLocalDeliver, ipForward, ipError].includes(rt.input as never), 'a known input function');
        assert.equal(rt.obsolete, 0);
        dstInput(skb); // consumes it, whatever it is
      } else {
        assert.equal(skb.dst, null);
        assert.ok(reason > 0);
      }
      const o = routeOut(r.net, `${d >>> 24}.${(d >>> 16) & 255}.${(d >>> 8) & 255}.${d & 255}`);
      assert.ok(typeof o.rt === 'number' ? o.rt < 0 : o.rt.obsolete === 0);
    }), { seed: 42, numRuns: 2000 });
});

test('output: ip_route_connect picks the source; SO_DONTROUTE limits the lookup to link scope', () => {
  const r = router();
  const sk = new InetSock(r.net, AF_INET, 2 /* SOCK_DGRAM */, IPPROTO_UDP);
  const fl4 = new Flowi4();
  const rt = ipRouteConnect(fl4, ip('10.0.3.9'), 0, 0, IPPROTO_UDP, 5000, 53, sk);
  assert.ok(typeof rt !== 'number');
  assert.equal(fl4.saddr, ip('10.0.1.1'));
  assert.equal(rt.rtGw4, ip('10.0.1.7'));
  sockSetFlag(sk, SOCK_LOCALROUTE, true);
  assert.equal(ipRouteConnect(new Flowi4(), ip('10.0.3.9'), 0, 0, IPPROTO_UDP, 5000, 53, sk), -ENETUNREACH);
  const direct = ipRouteConnect(new Flowi4(), ip('10.0.1.5'), 0, 0, IPPROTO_UDP, 5000, 53, sk);
  assert.ok(typeof direct !== 'number' && direct.dev === r.eth0);
});

test('ip_rt_send_redirect: exponential backoff per source, silence after redirect_number, reset after redirect_silence', async () => {
  const r = router(true);
  const sent = (): number => ipv4Net(r.net).mib.icmpMsg[0x100 | 5]!;
  const times: number[] = [];
  for (let t = 0; t < 20; t++) {
    const a = routeIn(r.eth0, '10.0.1.5', '10.0.3.9');
    assert.ok(IPCB(a.skb).flags & IPSKB_DOREDIRECT);
    const before = sent();
    ipRtSendRedirect(a.skb);
    if (sent() > before) times.push(t);
    await r.k.sleep(1e9);
  }
  // redirect_load 5 jiffies << n: 10, 20, 40, 80, 160, 320, 640, 1280 jiffies apart; 9 at most.
  assert.deepEqual(times, [0, 1, 2, 3, 4, 5, 7, 10, 16]);
  // Another source is not limited by the first one's count.
  ipRtSendRedirect(routeIn(r.eth0, '10.0.1.6', '10.0.3.9').skb);
  assert.equal(sent(), 10);
  // redirect_silence (5120 jiffies = 20.48 s) without such packets starts over.
  await r.k.sleep(21e9);
  ipRtSendRedirect(routeIn(r.eth0, '10.0.1.5', '10.0.3.9').skb);
  assert.equal(sent(), 11);
});
