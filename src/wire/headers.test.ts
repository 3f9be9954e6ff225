/**
 * Golden bytes (frames captured from Linux 6.x veths with tcpdump -xx) parsed by
 * every header view, re-emitted byte for byte, and fast-check round trips.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EthHdr, ethReprParse, ethReprEmit, ETH_P_IP, ETH_HLEN, macToString, type EthRepr } from './ethhdr.js';
import {
  IpHdr, ipReprParse, ipReprEmit, ipv4ToString, parseIpv4, IPPROTO_TCP, IPPROTO_UDP, IP_DF, type IpRepr,
  IP_PARSE_BAD_VERSION, IP_PARSE_BAD_TOT_LEN,
} from './iphdr.js';
import { Ipv6Hdr, ipv6ReprParse, ipv6ReprEmit, ipv6ToString, parseIpv6, type Ipv6Repr } from './ipv6hdr.js';
import { ArpHdr, arpReprParse, arpReprEmit, ARPOP_REQUEST, type ArpRepr } from './arphdr.js';
import { IcmpHdr, icmpReprParse, icmpReprEmit, icmpv6ReprEmit, ICMP_ECHO, ICMPV6_ECHO_REQUEST } from './icmphdr.js';
import { UdpHdr, udpReprParse, udpV4SetCheck } from './udphdr.js';
import { TcpHdr, tcpReprParse, tcpReprEmit, tcpV4SetCheck, TCPHDR_SYN, type TcpRepr, type TcpOption } from './tcphdr.js';
import { csumPartial, csumFold, csumAdd, csumTcpudpMagic, csumTcpudpNofold, ipFastCsum } from './checksum.js';

function hex(s: string): Uint8Array {
  const t = s.replace(/\s+/g, '');
  const out = new Uint8Array(t.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(t.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export const GOLDEN_ICMP_ECHO = hex(`0200 0000 0002 0200 0000 0001 0800 4500 0054 868e 4000 4001 a018 0a00 0001 0a00
  0002 0800 eeb7 1234 0001 0001 0203 0405 0607 0809 0a0b 0c0d 0e0f 1011 1213 1415 1617 1819 1a1b 1c1d 1e1f 2021
  2223 2425 2627 2829 2a2b 2c2d 2e2f 3031 3233 3435 3637`);
export const GOLDEN_TCP_SYN = hex(`0200 0000 0002 0200 0000 0001 0800 4500 003c 51b3 4000 4006 d506 0a00 0001 0a00
  0002 b438 1388 5543 ab19 0000 0000 a002 faf0 1431 0000 0204 05b4 0402 080a c502 c265 0000 0000 0103 030a`);
export const GOLDEN_ARP_REQ = hex(`ffff ffff ffff 0200 0000 0001 0806 0001 0800 0604 0001 0200 0000 0001 0a00 0001
  0000 0000 0000 0a00 0002`);
export const GOLDEN_UDP = hex(`0200 0000 0002 0200 0000 0001 0800 4500 0021 faec 4000 4011 2bdd 0a00 0001 0a00
  0002 81ea 1389 000d 1421 6865 6c6c 6f`);
export const GOLDEN_ICMP6_ECHO = hex(`0200 0000 0002 0200 0000 0001 86dd 6006 32dd 0040 3a40 2001 0db8 0000 0000 0000
  0000 0000 0001 2001 0db8 0000 0000 0000 0000 0000 0002 8000 2408 0007 0001 ${'0000'.repeat(28)}`);

test('ethhdr + iphdr + icmphdr: golden ICMP echo request', () => {
  const f = GOLDEN_ICMP_ECHO;
  const eth = new EthHdr(f, 0);
  assert.equal(macToString(eth.hDest), '02:00:00:00:00:02');
  assert.equal(eth.hProto, ETH_P_IP);
  const iph = new IpHdr(f, ETH_HLEN);
  assert.equal(iph.version, 4);
  assert.equal(iph.ihl, 5);
  assert.equal(iph.totLen, 84);
  assert.equal(iph.id, 0x868e);
  assert.equal(iph.fragOff, IP_DF);
  assert.equal(iph.ttl, 64);
  assert.equal(iph.protocol, 1);
  assert.equal(ipv4ToString(iph.saddr), '10.0.0.1');
  assert.equal(iph.daddr, parseIpv4('10.0.0.2'));
  assert.ok(iph.checkOk());
  const icmp = new IcmpHdr(f, 34);
  assert.equal(icmp.type, ICMP_ECHO);
  assert.equal(icmp.echoId, 0x1234);
  assert.equal(icmp.echoSequence, 1);
  assert.equal(csumFold(csumPartial(f, 34, 64)), 0);
  // Re-emit from the reprs: identical bytes.
  const out = new Uint8Array(f.length);
  const er = ethReprParse(f, 0, f.length)!;
  let o = ethReprEmit(er, out, 0);
  const ir = ipReprParse(f, o, f.length - o) as IpRepr;
  o += ipReprEmit(ir, out, o);
  const cr = icmpReprParse(f, o, ir.totLen - 20)!;
  icmpReprEmit(cr, out, o);
  assert.deepEqual(out, f);
});

test('tcphdr: golden SYN with options, checksum', () => {
  const f = GOLDEN_TCP_SYN;
  const th = new TcpHdr(f, 34);
  assert.equal(th.source, 46136);
  assert.equal(th.dest, 5000);
  assert.equal(th.seq, 1430498073);
  assert.equal(th.doff, 10);
  assert.equal(th.flags, TCPHDR_SYN);
  assert.ok(th.syn && !th.ack);
  assert.equal(th.window, 64240);
  const r = tcpReprParse(f, 34, 40)!;
  assert.deepEqual(r.options, [
    { kind: 'mss', mss: 1460 }, { kind: 'sackOK' }, { kind: 'timestamp', tsval: 3305292389, tsecr: 0 },
    { kind: 'nop' }, { kind: 'wscale', shift: 10 },
  ]);
  const out = f.slice();
  out.fill(0, 34);
  tcpReprEmit(r, out, 34);
  assert.deepEqual(out, f, 're-emitted header (check as parsed)');
  // Linux sent it with CHECKSUM_PARTIAL: the field holds the folded pseudo-header sum only.
  const iph = new IpHdr(f, 14);
  assert.equal(th.check, ~csumTcpudpMagic(iph.saddr, iph.daddr, 40, IPPROTO_TCP, 0) & 0xffff);
  tcpV4SetCheck(out, 34, 40, iph.saddr, iph.daddr);
  assert.equal(csumFold(csumTcpudpNofold(iph.saddr, iph.daddr, 40, IPPROTO_TCP, csumPartial(out, 34, 40))), 0);
});

test('arphdr: golden request', () => {
  const a = new ArpHdr(GOLDEN_ARP_REQ, 14);
  assert.equal(a.arOp, ARPOP_REQUEST);
  assert.ok(a.isEthIp());
  assert.equal(ipv4ToString(a.arSip), '10.0.0.1');
  assert.equal(ipv4ToString(a.arTip), '10.0.0.2');
  const r = arpReprParse(GOLDEN_ARP_REQ, 14, 28)!;
  const out = new Uint8Array(28);
  arpReprEmit(r, out, 0);
  assert.deepEqual(out, GOLDEN_ARP_REQ.subarray(14));
});

test('udphdr: golden datagram and checksum', () => {
  const f = GOLDEN_UDP;
  const uh = new UdpHdr(f, 34);
  assert.deepEqual(udpReprParse(f, 34, 13), { source: 33258, dest: 5001, len: 13, check: 0x1421 });
  const iph = new IpHdr(f, 14);
  // CHECKSUM_PARTIAL on the wire capture: pseudo-header sum only.
  assert.equal(uh.check, ~csumTcpudpMagic(iph.saddr, iph.daddr, 13, IPPROTO_UDP, 0) & 0xffff);
  const out = f.slice();
  udpV4SetCheck(out, 34, iph.saddr, iph.daddr);
  assert.equal(csumFold(csumTcpudpNofold(iph.saddr, iph.daddr, 13, IPPROTO_UDP, csumPartial(out, 34, 13))), 0);
});

test('ipv6hdr + icmpv6: golden echo request', () => {
  const f = GOLDEN_ICMP6_ECHO;
  const h = new Ipv6Hdr(f, 14);
  assert.equal(h.version, 6);
  assert.equal(h.trafficClass, 0);
  assert.equal(h.flowLbl, 0x632dd);
  assert.equal(h.payloadLen, 64);
  assert.equal(h.nexthdr, 58);
  assert.equal(ipv6ToString(h.saddr), '2001:db8::1');
  const r = ipv6ReprParse(f, 14, f.length - 14) as Ipv6Repr;
  const out = new Uint8Array(f.length);
  out.set(f.subarray(0, 14));
  ipv6ReprEmit(r, out, 14);
  const ic = icmpReprParse(f, 54, 64)!;
  assert.equal(ic.type, ICMPV6_ECHO_REQUEST);
  icmpv6ReprEmit(ic, out, 54, r.saddr, r.daddr);
  assert.deepEqual(out, f);
});

test('ipReprParse rejects what ip_rcv_core rejects', () => {
  const f = GOLDEN_ICMP_ECHO.slice(14);
  const bad = f.slice();
  bad[0] = 0x65;
  assert.equal(ipReprParse(bad, 0, bad.length), IP_PARSE_BAD_VERSION);
  assert.equal(ipReprParse(f, 0, 50), IP_PARSE_BAD_TOT_LEN);
});

test('ipv6 text forms follow inet_ntop', () => {
  const cases = ['::', '::1', '2001:db8::1', 'fe80::ff:fe00:1', 'ff02::1:ff00:2', '2001:db8:0:1:1:1:1:1', '1::2:0:0:3',
    '::ffff:10.0.0.1', '2001:0:0:1::1'];
  for (const c of cases) assert.equal(ipv6ToString(parseIpv6(c)!), c);
  assert.equal(ipv6ToString(parseIpv6('2001:DB8:0:0:0:0:0:1')!), '2001:db8::1');
  for (const b of ['1:::2', '1::2::3', '12345::', 'g::', '1:2:3:4:5:6:7:8:9']) assert.equal(parseIpv6(b), null, b);
});

const u8 = fc.integer({ min: 0, max: 255 });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const mac = fc.uint8Array({ minLength: 6, maxLength: 6 });

test('property: Ethernet, IPv4, ARP, TCP reprs round-trip', () => {
  fc.assert(fc.property(mac, mac, u16, fc.option(fc.record({ tpid: fc.constantFrom(0x8100, 0x88a8), tci: u16 }), { nil: null }),
    (dst, src, proto, vlan) => {
      const r: EthRepr = {
        dst, src, proto: vlan ? proto : (proto === 0x8100 || proto === 0x88a8 ? 0x0800 : proto), vlan: vlan ? { ...vlan } : null,
      };
      const b = new Uint8Array(18);
      const n = ethReprEmit(r, b, 0);
      assert.deepEqual(ethReprParse(b, 0, n), r);
    }));
  fc.assert(fc.property(u8, u16, u16, u8, u8, u32, u32, fc.integer({ min: 0, max: 10 }), (tos, id, frag, ttl, proto, s, d, nopt) => {
    const options = new Uint8Array(nopt * 4).fill(1);
    const r: IpRepr = { tos, totLen: 20 + options.length + 8, id, fragOff: frag, ttl, protocol: proto, saddr: s, daddr: d, options, check: 0 };
    const b = new Uint8Array(r.totLen);
    ipReprEmit(r, b, 0);
    const p = ipReprParse(b, 0, b.length) as IpRepr;
    assert.equal(ipFastCsum(b, 0, 5 + nopt), 0);
    assert.deepEqual({ ...p, check: 0 }, r);
    assert.equal(ipv4ToString(s), ipv4ToString(parseIpv4(ipv4ToString(s))!));
  }));
  fc.assert(fc.property(u16, mac, u32, mac, u32, u16, (op, sha, sip, tha, tip, pro) => {
    const r: ArpRepr = { hrd: 1, pro, op, sha, sip, tha, tip };
    const b = new Uint8Array(28);
    arpReprEmit(r, b, 0);
    assert.deepEqual(arpReprParse(b, 0, 28), r);
  }));
  const opt: fc.Arbitrary<TcpOption> = fc.oneof(
    u16.map((mss) => ({ kind: 'mss' as const, mss })),
    fc.integer({ min: 0, max: 14 }).map((shift) => ({ kind: 'wscale' as const, shift })),
    fc.constant({ kind: 'sackOK' as const }),
    fc.constant({ kind: 'nop' as const }),
    fc.tuple(u32, u32).map(([tsval, tsecr]) => ({ kind: 'timestamp' as const, tsval, tsecr })),
  );
  fc.assert(fc.property(u16, u16, u32, u32, u8, u16, u16, fc.array(opt, { maxLength: 4 }), (sp, dp, seq, ack, flags, win, urg, options) => {
    const r: TcpRepr = { source: sp, dest: dp, seq, ackSeq: ack, flags, window: win, check: 0, urgPtr: urg, options };
    const b = new Uint8Array(60);
    const n = tcpReprEmit(r, b, 0);
    const p = tcpReprParse(b, 0, n)!;
    // Padding shows up as EOL options.
    assert.deepEqual({ ...p, options: p.options.filter((o) => o.kind !== 'eol') }, r);
  }));
});

test('property: ipv6 text round trip; checksum is order-independent in 16-bit words', () => {
  fc.assert(fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (a) => {
    assert.deepEqual(parseIpv6(ipv6ToString(a)), a);
  }));
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 }), (x, y) => {
    const xe = x.length % 2 ? Uint8Array.from([...x, 0]) : x;
    const joined = Uint8Array.from([...xe, ...y]);
    assert.equal(csumFold(csumPartial(joined, 0, joined.length)), csumFold(csumAdd(csumPartial(xe, 0, xe.length), csumPartial(y, 0, y.length))));
    // A buffer with its own checksum appended sums to zero.
    const c = csumFold(csumPartial(xe, 0, xe.length));
    const withSum = Uint8Array.from([...xe, c >> 8, c & 0xff]);
    assert.equal(csumFold(csumPartial(withSum, 0, withSum.length)), 0);
  }));
  assert.equal(csumTcpudpMagic(0x0a000001, 0x0a000002, 8, IPPROTO_UDP, 0) !== csumTcpudpMagic(0x0a000001, 0x0a000002, 8, IPPROTO_TCP, 0), true);
});
