/**
 * IPv4 output pieces on hand-made routes: fragment sizes as Linux cuts them
 * (checked against this host's kernel: UDP 4000 B on MTU 1500 leaves as 1500,
 * 1500, 1068 with offsets 0, 185, 370 and one ID), DF handling, IP IDs,
 * ip_make_skb's header and EMSGSIZE rules, ip_local_out's tot_len/checksum and
 * LOCAL_OUT hook.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createKernel } from '../index.js';
import type { Net } from '../core/net_namespace.js';
import type { NetDevice } from '../core/netdevice.js';
import { type SkBuff, skbFromBytes, consumeSkb, allocSkb, skbReserve, skbPut } from '../core/skbuff.js';
import { SKB_DROP_REASON_PKT_TOO_BIG } from '../core/drop_reason.js';
import {
  IPSTATS_MIB_FRAGOKS, IPSTATS_MIB_FRAGCREATES, IPSTATS_MIB_FRAGFAILS, IPSTATS_MIB_OUTREQUESTS, IPSTATS_MIB_OUTNOROUTES,
} from '../core/snmp.js';
import { NFPROTO_IPV4, NF_INET_LOCAL_OUT, NF_STOLEN, nfRegisterNetHook } from '../netfilter/core.js';
import { readU16 } from '../wire/bytes.js';
import { IP_DF, IP_MF, IPPROTO_UDP, ipReprParse, type IpRepr } from '../wire/iphdr.js';
import { csumFold, csumPartial } from '../wire/checksum.js';
import { RTAX_MAX, RTAX_MTU, RTAX_HOPLIMIT, RTN_UNICAST } from '../wire/route.js';
import { EMSGSIZE, EHOSTUNREACH } from '../socket/errno.js';
import { ipv4Net } from './netns_ipv4.js';
import { Rtable, Flowi4 } from './rtable.js';
import { IpcmCookie, IPCB } from './ip.js';
import { InetSock, IP_PMTUDISC_DO, IP_PMTUDISC_DONT, IP_PMTUDISC_PROBE, IP_PMTUDISC_WANT } from './inet_sock.js';
import {
  ipFragment, ipMakeSkb, ipLocalOut, ipOutput, ipSelectIdent, ipDontFragment, ipSendCheck, ipQueueXmit, ipBuildAndSendPkt,
} from './ip_output.js';
import { ipLocalDeliver } from './ip_input.js';
import { ipPacket } from '../../test/harness/ipv4_packet.js';

function setup(): { net: Net; dev: NetDevice; rt: Rtable } {
  const k = createKernel({ seed: 11 });
  const net = k.newNet();
  const dev = net.loopbackDev!;
  dev.mtu = 1500;
  const rt = new Rtable(dev, ipLocalDeliver, ipOutput, ipv4Net(net).rtGenid, new Uint32Array(RTAX_MAX + 1));
  rt.rtType = RTN_UNICAST;
  return { net, dev, rt };
}

function datagram(dev: NetDevice, rt: Rtable, o: Partial<IpRepr>, payload: number): SkBuff {
  const skb = skbFromBytes(dev, ipPacket(o, payload), 64);
  skb.networkHeader = skb.data;
  skb.transportHeader = skb.data + 20;
  skb.dst = rt;
  return skb;
}

function parse(skb: SkBuff): IpRepr {
  const r = ipReprParse(skb.buf, skb.networkHeader, skb.len);
  assert.equal(typeof r, 'object');
  assert.equal(csumFold(csumPartial(skb.buf, skb.networkHeader, 20)), 0, 'header checksum');
  return r as IpRepr;
}

test('fragment sizes: 4028 B on MTU 1500 -> 1500, 1500, 1068 at 0/185/370, one ID (as Linux)', () => {
  const { net, dev, rt } = setup();
  const out: SkBuff[] = [];
  const skb = datagram(dev, rt, { id: 0x75a0 }, 4008);
  const r = ipFragment(net, null, skb, 1500, (_n, _s, f) => { out.push(f); return 0; });
  assert.equal(r, 0);
  const fr = out.map(parse);
  assert.deepEqual(fr.map((f) => f.totLen), [1500, 1500, 1068]);
  assert.deepEqual(fr.map((f) => f.fragOff), [IP_MF | 0, IP_MF | 185, 370]);
  assert.ok(fr.every((f) => f.id === 0x75a0 && f.ttl === 64 && f.protocol === IPPROTO_UDP));
  const mib = ipv4Net(net).mib.ip;
  assert.equal(mib[IPSTATS_MIB_FRAGOKS], 1);
  assert.equal(mib[IPSTATS_MIB_FRAGCREATES], 3);
  // The payload is cut in order.
  const src = ipPacket({ id: 0x75a0 }, 4008);
  for (let i = 0; i < 4008; i++) src[20 + i] = i & 0xff;
  const skb2 = skbFromBytes(dev, src, 64);
  skb2.networkHeader = skb2.data;
  skb2.dst = rt;
  const out2: SkBuff[] = [];
  ipFragment(net, null, skb2, 1500, (_n, _s, f) => { out2.push(f); return 0; });
  const joined = out2.flatMap((f) => [...f.buf.subarray(f.networkHeader + 20, f.tail)]);
  assert.deepEqual(joined, [...src.subarray(20)]);
});

test('fragment payloads are multiples of 8: MTU 1006 -> 984 B of payload each; MTU 68 -> 48', () => {
  const { net, dev, rt } = setup();
  const out: SkBuff[] = [];
  // ip_do_fragment takes the MTU from the route (here its mtu metric), as Linux.
  rt.metrics[RTAX_MTU] = 1006;
  ipFragment(net, null, datagram(dev, rt, {}, 3000), 1006, (_n, _s, f) => { out.push(f); return 0; });
  assert.deepEqual(out.map((f) => f.len - 20), [984, 984, 984, 48]);
  const out2: SkBuff[] = [];
  rt.metrics[RTAX_MTU] = 68;
  ipFragment(net, null, datagram(dev, rt, {}, 100), 68, (_n, _s, f) => { out2.push(f); return 0; });
  assert.deepEqual(out2.map((f) => f.len - 20), [48, 48, 4]);
});

test('a fragment of a fragment keeps MF and its offset base', () => {
  const { net, dev, rt } = setup();
  const out: SkBuff[] = [];
  ipFragment(net, null, datagram(dev, rt, { fragOff: IP_MF | 100 }, 2000), 1500, (_n, _s, f) => { out.push(f); return 0; });
  assert.deepEqual(out.map((f) => parse(f).fragOff), [IP_MF | 100, IP_MF | 285]);
});

test('DF: not fragmented (-EMSGSIZE, FragFails, PKT_TOO_BIG) unless this host may (ignore_df: DF cleared)', () => {
  const { net, dev, rt } = setup();
  const drops: number[] = [];
  net.kernel.trace.kfreeSkb.register((_s, r) => drops.push(r));
  const out: SkBuff[] = [];
  const r = ipFragment(net, null, datagram(dev, rt, { fragOff: IP_DF }, 2000), 1500, (_n, _s, f) => { out.push(f); return 0; });
  assert.equal(r, -EMSGSIZE);
  assert.equal(out.length, 0);
  assert.equal(ipv4Net(net).mib.ip[IPSTATS_MIB_FRAGFAILS], 1);
  assert.deepEqual(drops, [SKB_DROP_REASON_PKT_TOO_BIG]);
  const skb = datagram(dev, rt, { fragOff: IP_DF }, 2000);
  skb.ignoreDf = true;
  assert.equal(ipFragment(net, null, skb, 1500, (_n, _s, f) => { out.push(f); return 0; }), 0);
  assert.deepEqual(out.map((f) => parse(f).fragOff), [IP_MF, 185]);
});

test('an output error stops fragmentation: FragFails, the error returned', () => {
  const { net, dev, rt } = setup();
  let n = 0;
  const r = ipFragment(net, null, datagram(dev, rt, {}, 4000), 1500, (_n, _s, f) => {
    consumeSkb(f);
    return ++n === 2 ? -105 : 0;
  });
  assert.equal(r, -105);
  assert.equal(n, 2);
  const mib = ipv4Net(net).mib.ip;
  assert.equal(mib[IPSTATS_MIB_FRAGFAILS], 1);
  assert.equal(mib[IPSTATS_MIB_FRAGCREATES], 1);
  assert.equal(mib[IPSTATS_MIB_FRAGOKS], 0);
});

test('property: any datagram and MTU >= 68 fragments into pieces that reassemble to it', () => {
  const { net, dev, rt } = setup();
  fc.assert(fc.property(fc.integer({ min: 0, max: 9000 }), fc.integer({ min: 68, max: 9000 }), (len, mtu) => {
    const out: SkBuff[] = [];
    rt.metrics[RTAX_MTU] = mtu;
    const skb = datagram(dev, rt, {}, len);
    const whole = skb.len;
    const r = whole > mtu
      ? ipFragment(net, null, skb, mtu, (_n, _s, f) => { out.push(f); return 0; })
      : (out.push(skb), 0);
    assert.equal(r, 0);
    let next = 0;
    for (const [i, f] of out.entries()) {
      const p = parse(f);
      assert.ok(f.len <= Math.max(mtu, whole > mtu ? 0 : whole));
      assert.equal((p.fragOff & 0x1fff) * 8, next);
      assert.equal((p.fragOff & IP_MF) !== 0, i < out.length - 1);
      if (i < out.length - 1) assert.equal((f.len - 20) % 8, 0);
      next += f.len - 20;
    }
    assert.equal(next, whole - 20);
  }), { numRuns: 300, seed: 5 });
});

test('IP IDs: DF without ignore_df -> 0; hashed generator counts up within a jiffy; connected sockets count', () => {
  const { net, dev, rt } = setup();
  const a = datagram(dev, rt, { fragOff: IP_DF, id: 77 }, 8);
  ipSelectIdent(net, a, null);
  assert.equal(readU16(a.buf, a.networkHeader + 4), 0);
  const ids = [0, 1, 2].map(() => {
    const s = datagram(dev, rt, { id: 0 }, 8);
    ipSelectIdent(net, s, null);
    return readU16(s.buf, s.networkHeader + 4);
  });
  assert.equal(ids[1], (ids[0]! + 1) & 0xffff);
  assert.equal(ids[2], (ids[0]! + 2) & 0xffff);
  const sk = new InetSock(net, 2, 2, IPPROTO_UDP);
  sk.inetDaddr = 0x0a000002;
  sk.inetId = 500;
  const c = datagram(dev, rt, { fragOff: IP_DF }, 8);
  ipSelectIdent(net, c, sk);
  assert.equal(readU16(c.buf, c.networkHeader + 4), 501);
});

test('ip_dont_fragment: DO always, WANT unless the route MTU is locked, DONT/PROBE never', () => {
  const { rt, net } = setup();
  const sk = new InetSock(net, 2, 2, IPPROTO_UDP);
  sk.pmtudisc = IP_PMTUDISC_WANT;
  assert.equal(ipDontFragment(sk, rt), true);
  rt.metrics[1] = 1 << RTAX_MTU; // lock mtu
  assert.equal(ipDontFragment(sk, rt), false);
  sk.pmtudisc = IP_PMTUDISC_DO;
  assert.equal(ipDontFragment(sk, rt), true);
  sk.pmtudisc = IP_PMTUDISC_DONT;
  assert.equal(ipDontFragment(sk, rt), false);
  sk.pmtudisc = IP_PMTUDISC_PROBE;
  assert.equal(ipDontFragment(sk, rt), false);
});

function udpSock(net: Net, pmtudisc: number): InetSock {
  const sk = new InetSock(net, 2, 2, IPPROTO_UDP);
  sk.pmtudisc = pmtudisc;
  return sk;
}

/** The header of what ipMakeSkb built, once ip_local_out would have set tot_len. */
function hdr(skb: SkBuff): IpRepr {
  skb.buf[skb.networkHeader + 2] = skb.len >> 8;
  skb.buf[skb.networkHeader + 3] = skb.len & 0xff;
  return ipReprParse(skb.buf, skb.networkHeader, skb.len) as IpRepr;
}

function flow(): Flowi4 {
  const fl4 = new Flowi4();
  fl4.saddr = 0x0a090001;
  fl4.daddr = 0x0a090002;
  return fl4;
}

test('ip_make_skb: header, DF by IP_MTU_DISCOVER and size, TTL and TOS from socket/cmsg', () => {
  const { net, rt } = setup();
  const small = ipMakeSkb(udpSock(net, IP_PMTUDISC_WANT), flow(), rt, new Uint8Array(100), 8, new IpcmCookie(), 0) as SkBuff;
  let h = hdr(small);
  assert.equal(small.len, 128);
  assert.equal(small.transportHeader - small.networkHeader, 20);
  assert.equal(h.fragOff, IP_DF);
  assert.equal(h.ttl, 64);
  assert.equal(h.saddr, 0x0a090001);
  assert.equal(h.daddr, 0x0a090002);
  assert.equal(small.ignoreDf, true); // WANT: this host may still fragment it (ip_sk_ignore_df)
  assert.equal(small.dst, rt);
  // WANT and larger than the MTU: no DF, fragmented locally.
  const big = ipMakeSkb(udpSock(net, IP_PMTUDISC_WANT), flow(), rt, new Uint8Array(4000), 8, new IpcmCookie(), 0) as SkBuff;
  h = hdr(big);
  assert.equal(h.fragOff, 0);
  assert.equal(big.ignoreDf, true);
  // DONT: never DF, ignore_df.
  const dont = ipMakeSkb(udpSock(net, IP_PMTUDISC_DONT), flow(), rt, new Uint8Array(10), 8, new IpcmCookie(), 0) as SkBuff;
  assert.equal(hdr(dont).fragOff, 0);
  assert.equal(dont.ignoreDf, true);
  // IP_TTL / IP_TOS by cmsg, or the socket's.
  const ipc = new IpcmCookie();
  ipc.ttl = 3;
  ipc.tos = 0x10;
  const sk = udpSock(net, IP_PMTUDISC_WANT);
  sk.ucTtl = 9;
  const t = ipMakeSkb(sk, flow(), rt, new Uint8Array(10), 8, ipc, 0) as SkBuff;
  h = hdr(t);
  assert.equal(h.ttl, 3);
  assert.equal(h.tos, 0x10);
  const t2 = ipMakeSkb(sk, flow(), rt, new Uint8Array(10), 8, new IpcmCookie(), 0) as SkBuff;
  assert.equal(hdr(t2).ttl, 9);
});

test('ip_make_skb: EMSGSIZE rules as Linux (DO/PROBE above the MTU; anyone above 65535)', () => {
  const { net, rt } = setup();
  const mk = (pm: number, n: number): SkBuff | number => ipMakeSkb(udpSock(net, pm), flow(), rt, new Uint8Array(n), 8,
    new IpcmCookie(), 0);
  assert.equal(mk(IP_PMTUDISC_DO, 2000), -EMSGSIZE);
  assert.equal(mk(IP_PMTUDISC_PROBE, 2000), -EMSGSIZE);
  assert.equal(typeof mk(IP_PMTUDISC_DO, 1472), 'object');
  assert.equal(mk(IP_PMTUDISC_DO, 1473), -EMSGSIZE);
  assert.equal(mk(IP_PMTUDISC_PROBE, 65508), -EMSGSIZE);
  assert.equal(mk(IP_PMTUDISC_DONT, 65508), -EMSGSIZE);
  assert.equal(typeof mk(IP_PMTUDISC_DONT, 65507), 'object');
  assert.equal(typeof mk(IP_PMTUDISC_WANT, 65507), 'object');
  // The route's MTU metric counts.
  rt.metrics[RTAX_MTU] = 1000;
  assert.equal(mk(IP_PMTUDISC_DO, 1000), -EMSGSIZE);
  assert.equal(typeof mk(IP_PMTUDISC_DO, 972), 'object');
});

test('ip_local_out: tot_len and checksum filled, OutRequests, NF_INET_LOCAL_OUT sees it', () => {
  const { net, dev, rt } = setup();
  const seen: number[] = [];
  nfRegisterNetHook(net, {
    pf: NFPROTO_IPV4, hooknum: NF_INET_LOCAL_OUT, priority: 0,
    hook: (_p, skb) => {
      seen.push(readU16(skb.buf, skb.networkHeader + 2));
      assert.equal(csumFold(csumPartial(skb.buf, skb.networkHeader, 20)), 0);
      consumeSkb(skb);
      return NF_STOLEN;
    },
  });
  const skb = datagram(dev, rt, { totLen: 0 }, 30);
  skb.buf[skb.networkHeader + 10] = 0xde;
  ipLocalOut(net, null, skb);
  assert.deepEqual(seen, [50]);
  assert.equal(ipv4Net(net).mib.ip[IPSTATS_MIB_OUTREQUESTS], 1);
});

test('ip_send_check computes the RFC 791 header checksum', () => {
  const p = ipPacket({}, 0);
  const want = readU16(p, 10);
  p[10] = 0x12; p[11] = 0x34;
  ipSendCheck(p, 0);
  assert.equal(readU16(p, 10), want);
});

function connectedSock(net: Net, rt: Rtable): InetSock {
  const sk = new InetSock(net, 2, 1, 6);
  sk.inetDaddr = 0x0a090002;
  sk.inetSaddr = 0x0a090001;
  sk.inetDport = 80;
  sk.inetSport = 40000;
  sk.inetId = 1000;
  sk.tos = 0x10;
  sk.priority = 3;
  sk.mark = 7;
  sk.dstCache = rt;
  return sk;
}

function captureLocalOut(net: Net): SkBuff[] {
  const seen: SkBuff[] = [];
  nfRegisterNetHook(net, {
    pf: NFPROTO_IPV4, hooknum: NF_INET_LOCAL_OUT, priority: 0,
    hook: (_p, skb) => { seen.push(skb); return NF_STOLEN; },
  });
  return seen;
}

test('ip_queue_xmit: header from the connected socket and its cached route; IDs from inet_id', () => {
  const { net, rt } = setup();
  const seen = captureLocalOut(net);
  const sk = connectedSock(net, rt);
  for (let i = 0; i < 2; i++) {
    const skb = allocSkb(200);
    skbReserve(skb, 100);
    skbPut(skb, 20);
    skb.transportHeader = skb.data;
    const fl4 = new Flowi4();
    fl4.saddr = sk.inetSaddr;
    fl4.daddr = sk.inetDaddr;
    assert.equal(ipQueueXmit(sk, skb, fl4), 0);
  }
  const h = seen.map((s) => ipReprParse(s.buf, s.networkHeader, s.len) as IpRepr);
  assert.deepEqual(h.map((x) => [x.totLen, x.tos, x.ttl, x.protocol, x.fragOff, x.saddr, x.daddr]),
    [[40, 0x10, 64, 6, IP_DF, 0x0a090001, 0x0a090002], [40, 0x10, 64, 6, IP_DF, 0x0a090001, 0x0a090002]]);
  // TCP: the current inet_id, then advance.
  assert.deepEqual(h.map((x) => x.id), [1000, 1001]);
  assert.equal(seen[0]!.priority, 3);
  assert.equal(seen[0]!.mark, 7);
  assert.equal(seen[0]!.dst, rt);
});

test('ip_queue_xmit without a route: -EHOSTUNREACH, OutNoRoutes, IP_OUTNOROUTES', () => {
  const { net, rt } = setup();
  const sk = connectedSock(net, rt);
  sk.dstCache = null;
  sk.inetDaddr = 0x0b000001; // nothing routes there in a fresh namespace
  const skb = allocSkb(100);
  skbReserve(skb, 60);
  const r = ipQueueXmit(sk, skb, new Flowi4());
  assert.equal(r, -EHOSTUNREACH);
  assert.equal(ipv4Net(net).mib.ip[IPSTATS_MIB_OUTNOROUTES], 1);
});

test('ip_build_and_send_pkt: small or DF packets get ID 0 and DF; larger ones a hashed ID', () => {
  const { net, rt } = setup();
  const seen = captureLocalOut(net);
  const sk = new InetSock(net, 2, 3, IPPROTO_UDP);
  sk.pmtudisc = IP_PMTUDISC_DONT;
  for (const n of [20, 200]) {
    const skb = allocSkb(400);
    skbReserve(skb, 100);
    skbPut(skb, n);
    skb.dst = rt;
    assert.equal(ipBuildAndSendPkt(skb, sk, 0x0a090001, 0x0a090002, null, 0), 0);
  }
  const h = seen.map((s) => ipReprParse(s.buf, s.networkHeader, s.len) as IpRepr);
  assert.equal(h[0]!.fragOff, IP_DF);
  assert.equal(h[0]!.id, 0);
  assert.equal(h[1]!.fragOff, 0);
  assert.equal(h[1]!.totLen, 220);
  assert.equal(h[1]!.protocol, IPPROTO_UDP);
});

test('options on fragments: the first keeps them all; later ones keep copied options (LSRR), NOPs for the rest (RR)', () => {
  const { net, dev, rt } = setup();
  const lsrr = [131, 7, 4, 10, 0, 0, 3];
  const rr = [7, 7, 4, 0, 0, 0, 0];
  const options = new Uint8Array([...lsrr, ...rr, 1, 0]);
  const skb = datagram(dev, rt, { options }, 3000);
  IPCB(skb).opt.optlen = options.length;
  const out: SkBuff[] = [];
  assert.equal(ipFragment(net, null, skb, 1500, (_n, _s, f) => { out.push(f); return 0; }), 0);
  const opts = out.map((f) => [...f.buf.subarray(f.networkHeader + 20, f.networkHeader + 36)]);
  assert.deepEqual(opts[0], [...lsrr, ...rr, 1, 0]);
  assert.deepEqual(opts[1], [...lsrr, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
  assert.deepEqual(opts[2], opts[1]);
  // 36-byte headers: (1500 - 36) & ~7 = 1464 bytes of payload per fragment.
  assert.deepEqual(out.map((f) => f.len), [1500, 1500, 36 + 3000 - 2 * 1464]);
  for (const f of out) assert.equal(csumFold(csumPartial(f.buf, f.networkHeader, 36)), 0);
});

test('ip_select_ttl: IP_TTL, else the route hoplimit metric, else net.ipv4.ip_default_ttl', () => {
  const { net, rt } = setup();
  const ttl = (sk: InetSock): number => hdr(ipMakeSkb(sk, flow(), rt, new Uint8Array(4), 8, new IpcmCookie(), 0) as SkBuff).ttl;
  const sk = udpSock(net, IP_PMTUDISC_WANT);
  ipv4Net(net).sysctl.ipDefaultTtl = 99;
  assert.equal(ttl(sk), 99);
  rt.metrics[RTAX_HOPLIMIT] = 5;
  assert.equal(ttl(sk), 5);
  sk.ucTtl = 17;
  assert.equal(ttl(sk), 17);
});
