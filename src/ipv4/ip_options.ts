/**
 * IPv4 header options (Linux: net/ipv4/ip_options.c, plus ip_rcv_options() of
 * ip_input.c and fib_compute_spec_dst() of fib_frontend.c). RFC 791 options: EOL,
 * NOP, Record Route, Timestamp (timestamps only, with addresses, prespecified
 * addresses), Loose and Strict Source Route, Router Alert (RFC 2113), Security/CIPSO.
 *
 * `ipOptionsCompile` parses an option block into an `IpOptions` (offsets from the
 * start of the IP header, as Linux's struct ip_options) and, for a received packet,
 * fills RR/TS slots with our address and time as Linux does; a malformed option
 * makes it answer ICMP parameter problem with the pointer at the bad byte (RFC 1122
 * 3.2.1.8). Source-routed packets are refused unless accept_source_route (both
 * conf/all and the device, Linux's IN_DEV_SOURCE_ROUTE). On forwarding, RR and the
 * source route are updated (`ipForwardOptions`); replies echo the reversed route
 * (`ipOptionsEcho`); non-first fragments keep only options with the copy flag
 * (`ipOptionsFragment`).
 *
 * Difference from Linux: CIPSO labels are not validated (no NetLabel); an option
 * with type CIPSO is recorded and passed through as Linux does when CIPSO accepts it.
 */
import type { Net } from '../core/net_namespace.js';
import type { NetDevice } from '../core/netdevice.js';
import { type SkBuff, skbCow, skbHeadroom, PACKET_HOST } from '../core/skbuff.js';
import { IPSTATS_MIB_INHDRERRORS } from '../core/snmp.js';
import { EINVAL } from '../socket/errno.js';
import {
  IPOPT_END, IPOPT_NOOP, IPOPT_RR, IPOPT_TS, IPOPT_LSRR, IPOPT_SSRR, IPOPT_RA, IPH_DADDR, IPH_SADDR, IPH_TOS, IPH_CHECK,
  readU32, writeU32, ipv4ToString,
} from '../wire/iphdr.js';
import { writeU16 } from '../wire/bytes.js';
import { ipFastCsum } from '../wire/checksum.js';
import { ICMP_PARAMETERPROB } from '../wire/icmphdr.js';
import { RTN_LOCAL, RTN_UNICAST } from '../wire/route.js';
import { ipv4Net } from './netns_ipv4.js';
import { IpOptions } from './inet_sock.js';
import { IPCB } from './ip.js';
import { type Rtable, skbRtable, RTCF_BROADCAST, RTCF_MULTICAST, RTCF_LOCAL } from './rtable.js';
import { inDevGet, inDevSourceRoute, inDevLogMartians } from './inetdevice.js';
import { fibComputeSpecDst, inetAddrType } from './fib_frontend.js';
import { ipRtGetSource } from './route.js';
import { ipRouteInputNoref } from './route_input.js';
import { icmpSend, inetCurrentTimestamp } from './icmp.js';

export const IPOPT_SEC = 130;
export const IPOPT_CIPSO = 134;
export const IPOPT_SID = 136;
/* Timestamp flavours (the low nibble of the flags byte). */
export const IPOPT_TS_TSONLY = 0;
export const IPOPT_TS_TSANDADDR = 1;
export const IPOPT_TS_PRESPEC = 3;
/** Largest option block (Linux: MAX_IPOPTLEN). */
export const MAX_IPOPTLEN = 40;
const IPHDR_LEN = 20;
/** Linux: IPTOS_RT_MASK. */
const IPTOS_RT_MASK = 0x1c;

/** Linux: IPOPT_COPIED(). */
export function ipoptCopied(o: number): boolean {
  return (o & 0x80) !== 0;
}

/** Linux: spec_dst_fill(): our address for an RR/TS slot of a received packet. */
function specDstOf(skb: SkBuff, rt: Rtable): number {
  const b = skb.buf;
  const nh = skb.networkHeader;
  // RTCF_LOCAL is bit 31: the AND is a negative int32 until made unsigned.
  const localOnly = ((rt.rtFlags & (RTCF_BROADCAST | RTCF_MULTICAST | RTCF_LOCAL)) >>> 0) === RTCF_LOCAL;
  return fibComputeSpecDst(skb, readU32(b, nh + IPH_DADDR), readU32(b, nh + IPH_SADDR), b[nh + IPH_TOS]!, localOnly);
}

/**
 * Linux: __ip_options_compile(). Parses `opt.optlen` bytes of options: from the
 * packet's header when `skb` is given (and then fills RR/TS slots, updating the
 * packet), else from `opt.data`. Returns 0, or -EINVAL with `info.value` set to
 * the ICMP parameter-problem pointer (already shifted into the top byte).
 */
export function ipOptionsCompileInfo(net: Net, opt: IpOptions, skb: SkBuff | null, info: { value: number } | null): number {
  let buf: Uint8Array;
  let iph: number;
  let rt: Rtable | null = null;
  if (skb !== null) {
    rt = skbRtable(skb);
    buf = skb.buf;
    iph = skb.networkHeader;
  } else {
    // Linux points iph 20 bytes before __data; offsets stay header-relative.
    buf = new Uint8Array(IPHDR_LEN + opt.data.length);
    buf.set(opt.data, IPHDR_LEN);
    iph = 0;
  }
  let specDst = 0;
  let optptr = iph + IPHDR_LEN;
  let ppPtr = -1;
  let l = opt.optlen;
  parse: while (l > 0) {
    const type = buf[optptr]!;
    if (type === IPOPT_END) {
      for (optptr++, l--; l > 0; optptr++, l--) {
        if (buf[optptr] !== IPOPT_END) {
          buf[optptr] = IPOPT_END;
          opt.isChanged = true;
        }
      }
      break parse;
    }
    if (type === IPOPT_NOOP) {
      l--;
      optptr++;
      continue;
    }
    if (l < 2) { ppPtr = optptr; break parse; }
    const optlen = buf[optptr + 1]!;
    if (optlen < 2 || optlen > l) { ppPtr = optptr; break parse; }
    switch (type) {
      case IPOPT_SSRR:
      case IPOPT_LSRR:
        if (optlen < 3) { ppPtr = optptr + 1; break parse; }
        if (buf[optptr + 2]! < 4) { ppPtr = optptr + 2; break parse; }
        // NB: cf RFC-1812 5.2.4.1
        if (opt.srr) { ppPtr = optptr; break parse; }
        if (skb === null) {
          if (buf[optptr + 2] !== 4 || optlen < 7 || ((optlen - 3) & 3) !== 0) { ppPtr = optptr + 1; break parse; }
          opt.faddr = readU32(buf, optptr + 3);
          if (optlen > 7) buf.copyWithin(optptr + 3, optptr + 7, optptr + optlen);
        }
        opt.isStrictroute = type === IPOPT_SSRR;
        opt.srr = optptr - iph;
        break;
      case IPOPT_RR: {
        if (opt.rr) { ppPtr = optptr; break parse; }
        if (optlen < 3) { ppPtr = optptr + 1; break parse; }
        const ptr = buf[optptr + 2]!;
        if (ptr < 4) { ppPtr = optptr + 2; break parse; }
        if (ptr <= optlen) {
          if (ptr + 3 > optlen) { ppPtr = optptr + 2; break parse; }
          if (rt !== null && skb !== null) {
            if (specDst === 0) specDst = specDstOf(skb, rt);
            writeU32(buf, optptr + ptr - 1, specDst);
            opt.isChanged = true;
          }
          buf[optptr + 2] = ptr + 4;
          opt.rrNeedaddr = true;
        }
        opt.rr = optptr - iph;
        break;
      }
      case IPOPT_TS: {
        if (opt.ts) { ppPtr = optptr; break parse; }
        if (optlen < 4) { ppPtr = optptr + 1; break parse; }
        const ptr = buf[optptr + 2]!;
        if (ptr < 5) { ppPtr = optptr + 2; break parse; }
        if (ptr <= optlen) {
          let timeptr = -1;
          if (ptr + 3 > optlen) { ppPtr = optptr + 2; break parse; }
          switch (buf[optptr + 3]! & 0xf) {
            case IPOPT_TS_TSONLY:
              if (skb !== null) timeptr = optptr + ptr - 1;
              opt.tsNeedtime = true;
              buf[optptr + 2] = ptr + 4;
              break;
            case IPOPT_TS_TSANDADDR:
              if (ptr + 7 > optlen) { ppPtr = optptr + 2; break parse; }
              if (rt !== null && skb !== null) {
                if (specDst === 0) specDst = specDstOf(skb, rt);
                writeU32(buf, optptr + ptr - 1, specDst);
                timeptr = optptr + ptr + 3;
              }
              opt.tsNeedaddr = true;
              opt.tsNeedtime = true;
              buf[optptr + 2] = ptr + 8;
              break;
            case IPOPT_TS_PRESPEC: {
              if (ptr + 7 > optlen) { ppPtr = optptr + 2; break parse; }
              const addr = readU32(buf, optptr + ptr - 1);
              // Not our address: leave the slot for the host it names.
              if (inetAddrType(net, addr) === RTN_UNICAST) break;
              if (skb !== null) timeptr = optptr + ptr + 3;
              opt.tsNeedtime = true;
              buf[optptr + 2] = ptr + 8;
              break;
            }
            default:
              // Unknown flag: Linux refuses it from users without CAP_NET_RAW;
              // every tuxnet task has it, so it is accepted as from root.
              break;
          }
          if (timeptr >= 0) {
            writeU32(buf, timeptr, inetCurrentTimestamp(net.kernel));
            opt.isChanged = true;
          }
        } else if ((buf[optptr + 3]! & 0xf) !== IPOPT_TS_PRESPEC) {
          // Full: count the hop in the overflow nibble (RFC 791).
          const overflow = buf[optptr + 3]! >> 4;
          if (overflow === 15) { ppPtr = optptr + 3; break parse; }
          if (skb !== null) {
            buf[optptr + 3] = (buf[optptr + 3]! & 0xf) | ((overflow + 1) << 4);
            opt.isChanged = true;
          }
        }
        opt.ts = optptr - iph;
        break;
      }
      case IPOPT_RA:
        if (optlen < 4) { ppPtr = optptr + 1; break parse; }
        if (buf[optptr + 2] === 0 && buf[optptr + 3] === 0) opt.routerAlert = optptr - iph;
        break;
      case IPOPT_CIPSO:
        if (opt.cipso) { ppPtr = optptr; break parse; }
        opt.cipso = optptr - iph;
        break;
      case IPOPT_SEC:
      case IPOPT_SID:
      default:
        // Linux accepts unknown options on input; from users only with CAP_NET_RAW (all tasks here).
        break;
    }
    l -= optlen;
    optptr += optlen;
  }
  if (skb === null) opt.data = buf.slice(IPHDR_LEN, IPHDR_LEN + opt.data.length);
  if (ppPtr < 0) return 0;
  if (info !== null) info.value = ((ppPtr - iph) << 24) >>> 0;
  return -EINVAL;
}

/**
 * Linux: ip_options_compile(): as above, and for a received packet answer a bad
 * option with ICMP parameter problem pointing at it.
 */
export function ipOptionsCompile(net: Net, opt: IpOptions, skb: SkBuff | null): number {
  const info = { value: 0 };
  const ret = ipOptionsCompileInfo(net, opt, skb, info);
  if (ret !== 0 && skb !== null) icmpSend(skb, ICMP_PARAMETERPROB, 0, info.value);
  return ret;
}

/**
 * Linux: ip_rcv_options() (ip_input.c): compile the options of a received packet
 * (after its input route is known) and apply the source-route policy. Returns 0
 * to go on, or 1 when the packet must be dropped (counters already bumped).
 */
export function ipRcvOptions(skb: SkBuff, dev: NetDevice): number {
  const net = dev.net;
  const mib = ipv4Net(net).mib.ip;
  // The options are rewritten in place (RR/TS): the header must be private.
  skbCow(skb, skbHeadroom(skb));
  const b = skb.buf;
  const nh = skb.networkHeader;
  const opt = IPCB(skb).opt;
  opt.optlen = (b[nh]! & 0x0f) * 4 - IPHDR_LEN;
  if (ipOptionsCompile(net, opt, skb) !== 0) {
    mib[IPSTATS_MIB_INHDRERRORS]!++;
    return 1;
  }
  if (opt.srr) {
    const inDev = inDevGet(dev);
    if (inDev !== null && !inDevSourceRoute(inDev)) {
      // Linux logs "source route option %pI4 -> %pI4" when log_martians is set.
      if (inDevLogMartians(inDev)) {
        net.kernel.printk(`IPv4: source route option ${ipv4ToString(readU32(b, nh + IPH_SADDR))} -> ${ipv4ToString(readU32(b, nh + IPH_DADDR))}`);
      }
      return 1;
    }
    if (ipOptionsRcvSrr(skb, dev) !== 0) return 1;
  }
  return 0;
}

/**
 * Linux: ip_options_rcv_srr(): a source-routed packet addressed to us. Walk the
 * route while its next hops are ours; when it names another host, mark the option
 * hit so forwarding sends it there. Returns 0 or -EINVAL (drop).
 */
export function ipOptionsRcvSrr(skb: SkBuff, dev: NetDevice): number {
  const opt = IPCB(skb).opt;
  const b = skb.buf;
  const nh = skb.networkHeader;
  const optptr = nh + opt.srr;
  const rt = skbRtable(skb);
  if (rt === null) return 0;
  if (skb.pktType !== PACKET_HOST) return -EINVAL;
  if (rt.rtType === RTN_UNICAST) {
    if (!opt.isStrictroute) return 0;
    icmpSend(skb, ICMP_PARAMETERPROB, 0, (16 << 24) >>> 0);
    return -EINVAL;
  }
  if (rt.rtType !== RTN_LOCAL) return -EINVAL;
  let srrptr = b[optptr + 2]!;
  const srrspace = b[optptr + 1]!;
  let nexthop = 0;
  for (; srrptr <= srrspace; srrptr += 4) {
    if (srrptr + 3 > srrspace) {
      icmpSend(skb, ICMP_PARAMETERPROB, 0, ((opt.srr + 2) << 24) >>> 0);
      return -EINVAL;
    }
    nexthop = readU32(b, optptr + srrptr - 1);
    const orig = skb.dst;
    skb.dst = null;
    const err = ipRouteInputNoref(skb, nexthop, readU32(b, nh + IPH_SADDR), b[nh + IPH_TOS]! & IPTOS_RT_MASK, dev);
    const rt2 = skbRtable(skb);
    if (err !== 0 || rt2 === null || (rt2.rtType !== RTN_UNICAST && rt2.rtType !== RTN_LOCAL)) {
      skb.dst = orig;
      return -EINVAL;
    }
    if (rt2.rtType !== RTN_LOCAL) break;
    // Superfast loopback forward: the next hop is us too.
    writeU32(b, nh + IPH_DADDR, nexthop);
    opt.isChanged = true;
  }
  if (srrptr <= srrspace) {
    opt.srrIsHit = true;
    opt.nexthop = nexthop;
    opt.isChanged = true;
  }
  return 0;
}

/** Linux: ip_send_check(). */
function ipSendCheckAt(b: Uint8Array, nh: number): void {
  writeU16(b, nh + IPH_CHECK, 0);
  writeU16(b, nh + IPH_CHECK, ipFastCsum(b, nh, b[nh]! & 0x0f));
}

/**
 * Linux: ip_forward_options(): a forwarded packet records our address in RR, and a
 * hit source route moves on to its next hop (the destination is rewritten).
 */
export function ipForwardOptions(skb: SkBuff): void {
  const opt = IPCB(skb).opt;
  const rt = skbRtable(skb)!;
  const b = skb.buf;
  const raw = skb.networkHeader;
  if (opt.rrNeedaddr) {
    const optptr = raw + opt.rr;
    ipRtGetSource(b, optptr + b[optptr + 2]! - 5, skb, rt);
    opt.isChanged = true;
  }
  if (opt.srrIsHit) {
    const optptr = raw + opt.srr;
    let srrptr = b[optptr + 2]!;
    const srrspace = b[optptr + 1]!;
    for (; srrptr <= srrspace; srrptr += 4) {
      if (srrptr + 3 > srrspace) break;
      if (readU32(b, optptr + srrptr - 1) === opt.nexthop) break;
    }
    if (srrptr + 3 <= srrspace) {
      opt.isChanged = true;
      writeU32(b, raw + IPH_DADDR, opt.nexthop);
      ipRtGetSource(b, optptr + srrptr - 1, skb, rt);
      b[optptr + 2] = srrptr + 4;
    }
    // else: Linux logs "Argh! Destination lost!" and forwards unchanged.
    if (opt.tsNeedaddr) {
      const tsp = raw + opt.ts;
      ipRtGetSource(b, tsp + b[tsp + 2]! - 9, skb, rt);
      opt.isChanged = true;
    }
  }
  if (opt.isChanged) {
    opt.isChanged = false;
    ipSendCheckAt(b, raw);
  }
}

/**
 * Linux: ip_options_build(): write `opt` into the header of an outgoing packet
 * (after the 20-byte base header) and fill the slots that need our address or
 * the time. The header must have room for opt.optlen bytes.
 */
export function ipOptionsBuild(skb: SkBuff, opt: IpOptions, daddr: number, rt: Rtable): void {
  const b = skb.buf;
  const iph = skb.networkHeader;
  const cb = IPCB(skb);
  const o = copyOptions(opt);
  cb.opt = o;
  b.set(opt.data.subarray(0, opt.optlen), iph + IPHDR_LEN);
  if (o.srr) writeU32(b, iph + o.srr + b[iph + o.srr + 1]! - 4, daddr);
  if (o.rrNeedaddr) ipRtGetSource(b, iph + o.rr + b[iph + o.rr + 2]! - 5, skb, rt);
  if (o.tsNeedaddr) ipRtGetSource(b, iph + o.ts + b[iph + o.ts + 2]! - 9, skb, rt);
  if (o.tsNeedtime) {
    const k = skb.dev !== null ? skb.dev.net.kernel : rt.dev?.net.kernel;
    if (k) writeU32(b, iph + o.ts + b[iph + o.ts + 2]! - 5, inetCurrentTimestamp(k));
  }
}

function copyOptions(s: IpOptions): IpOptions {
  const d = new IpOptions();
  d.faddr = s.faddr; d.nexthop = s.nexthop; d.optlen = s.optlen; d.srr = s.srr; d.rr = s.rr; d.ts = s.ts;
  d.isStrictroute = s.isStrictroute; d.srrIsHit = s.srrIsHit; d.isChanged = s.isChanged;
  d.rrNeedaddr = s.rrNeedaddr; d.tsNeedtime = s.tsNeedtime; d.tsNeedaddr = s.tsNeedaddr;
  d.routerAlert = s.routerAlert; d.cipso = s.cipso; d.data = s.data;
  return d;
}

/**
 * Linux: ip_options_fragment(): after the first fragment, options without the
 * copy flag become NOPs and RR/TS are forgotten.
 */
export function ipOptionsFragment(skb: SkBuff): void {
  const b = skb.buf;
  let optptr = skb.networkHeader + IPHDR_LEN;
  const opt = IPCB(skb).opt;
  let l = opt.optlen;
  while (l > 0) {
    const t = b[optptr]!;
    if (t === IPOPT_END) break;
    if (t === IPOPT_NOOP) {
      l--;
      optptr++;
      continue;
    }
    const optlen = b[optptr + 1]!;
    if (optlen < 2 || optlen > l) break;
    if (!ipoptCopied(t)) b.fill(IPOPT_NOOP, optptr, optptr + optlen);
    l -= optlen;
    optptr += optlen;
  }
  opt.ts = 0;
  opt.rr = 0;
  opt.rrNeedaddr = false;
  opt.tsNeedaddr = false;
  opt.tsNeedtime = false;
}

/**
 * Linux: __ip_options_echo(): the options of a reply to `skb` (whose compiled
 * options are `sopt`): RR and TS continue, a source route is reversed (RFC 1812
 * 5.2.4.1 fix for a route that ends with the sender). Returns 0 or -EINVAL.
 */
export function ipOptionsEchoFrom(net: Net, dopt: IpOptions, skb: SkBuff, sopt: IpOptions): number {
  dopt.faddr = 0; dopt.nexthop = 0; dopt.optlen = 0; dopt.srr = 0; dopt.rr = 0; dopt.ts = 0;
  dopt.isStrictroute = false; dopt.srrIsHit = false; dopt.isChanged = false; dopt.rrNeedaddr = false;
  dopt.tsNeedtime = false; dopt.tsNeedaddr = false; dopt.routerAlert = 0; dopt.cipso = 0;
  dopt.data = new Uint8Array(MAX_IPOPTLEN);
  if (sopt.optlen === 0) {
    dopt.data = new Uint8Array(0);
    return 0;
  }
  const sb = skb.buf;
  const sptr = skb.networkHeader;
  const d = dopt.data;
  let dptr = 0;
  if (sopt.rr) {
    const optlen = sb[sptr + sopt.rr + 1]!;
    const soffset = sb[sptr + sopt.rr + 2]!;
    dopt.rr = dopt.optlen + IPHDR_LEN;
    d.set(sb.subarray(sptr + sopt.rr, sptr + sopt.rr + optlen), dptr);
    if (sopt.rrNeedaddr && soffset <= optlen) {
      if (soffset + 3 > optlen) return -EINVAL;
      d[dptr + 2] = soffset + 4;
      dopt.rrNeedaddr = true;
    }
    dptr += optlen;
    dopt.optlen += optlen;
  }
  if (sopt.ts) {
    const optlen = sb[sptr + sopt.ts + 1]!;
    let soffset = sb[sptr + sopt.ts + 2]!;
    dopt.ts = dopt.optlen + IPHDR_LEN;
    d.set(sb.subarray(sptr + sopt.ts, sptr + sopt.ts + optlen), dptr);
    if (soffset <= optlen) {
      if (sopt.tsNeedaddr) {
        if (soffset + 3 > optlen) return -EINVAL;
        dopt.tsNeedaddr = true;
        soffset += 4;
      }
      if (sopt.tsNeedtime) {
        if (soffset + 3 > optlen) return -EINVAL;
        if ((d[dptr + 3]! & 0xf) !== IPOPT_TS_PRESPEC) {
          dopt.tsNeedtime = true;
          soffset += 4;
        } else {
          dopt.tsNeedtime = false;
          if (soffset + 7 <= optlen) {
            const addr = readU32(d, dptr + soffset - 1);
            if (inetAddrType(net, addr) !== RTN_UNICAST) {
              dopt.tsNeedtime = true;
              soffset += 8;
            }
          }
        }
      }
      d[dptr + 2] = soffset;
    }
    dptr += optlen;
    dopt.optlen += optlen;
  }
  if (sopt.srr) {
    const start = sptr + sopt.srr;
    const optlen = sb[start + 1]!;
    let soffset = sb[start + 2]!;
    let doffset = 0;
    let faddr = 0;
    if (soffset > optlen) soffset = optlen + 1;
    soffset -= 4;
    if (soffset > 3) {
      faddr = readU32(sb, start + soffset - 1);
      for (soffset -= 4, doffset = 4; soffset > 3; soffset -= 4, doffset += 4) {
        d.set(sb.subarray(start + soffset - 1, start + soffset + 3), dptr + doffset - 1);
      }
      // RFC 1812 requires to fix illegal source routes.
      if (readU32(sb, sptr + IPH_SADDR) === readU32(sb, start + soffset + 3)) doffset -= 4;
    }
    if (doffset > 3) {
      dopt.faddr = faddr;
      d[dptr] = sb[start]!;
      d[dptr + 1] = doffset + 3;
      d[dptr + 2] = 4;
      dptr += doffset + 3;
      dopt.srr = dopt.optlen + IPHDR_LEN;
      dopt.optlen += doffset + 3;
      dopt.isStrictroute = sopt.isStrictroute;
    }
  }
  while (dopt.optlen & 3) {
    d[dptr++] = IPOPT_END;
    dopt.optlen++;
  }
  dopt.data = d.slice(0, dopt.optlen);
  return 0;
}

/** Linux: ip_options_echo(): echo the options of the received `skb` (IPCB). */
export function ipOptionsEcho(net: Net, dopt: IpOptions, skb: SkBuff): number {
  return ipOptionsEchoFrom(net, dopt, skb, IPCB(skb).opt);
}

/**
 * Linux: ip_options_get(): options a user sets with IP_OPTIONS (at most 40 bytes),
 * padded with EOL to a multiple of 4 and compiled; -EINVAL when malformed.
 */
export function ipOptionsGetFromUser(net: Net, data: Uint8Array): IpOptions | number {
  if (data.length > MAX_IPOPTLEN) return -EINVAL;
  let optlen = data.length;
  while (optlen & 3) optlen++;
  const opt = new IpOptions();
  opt.data = new Uint8Array(optlen);
  opt.data.set(data);
  opt.optlen = optlen;
  if (optlen !== 0 && ipOptionsCompile(net, opt, null) !== 0) return -EINVAL;
  return opt;
}
