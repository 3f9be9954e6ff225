/**
 * tcpdump's packet printers (tcpdump 4.99: print-ether.c, print-arp.c, print-ip.c,
 * print-ip6.c, print-icmp.c, print-icmp6.c, print-udp.c, print-tcp.c,
 * print-ascii.c), for the protocols tuxnet speaks. One `Printer` per tcpdump run:
 * it keeps the TCP sequence-number table tcpdump uses for relative sequence
 * numbers (print-tcp.c tcp_seq_hash), so nothing is module-global.
 *
 * Differences from tcpdump: no name resolution of hosts (no DNS here) and only a
 * small built-in table of port names (used without -nn); application protocols
 * over UDP/TCP (DNS, DHCP, NTP ...) print as plain "UDP, length N"; -v prints the
 * IPv4/IPv6 header details but verifies no checksums; OUI names are not known
 * (every MAC prints "(oui Unknown)" without -n, as it does for the locally
 * administered addresses tuxnet's devices use).
 */
import { ETH_HLEN, ETH_P_ARP, ETH_P_IP, ETH_P_IPV6, ETH_P_8021Q, ETH_P_8021AD, ETH_P_LLDP, macToString } from '../../wire/ethhdr.js';
import { IpHdr, ipv4ToString, readU32, IP_DF, IP_MF, IP_OFFSET, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMPV6, IPPROTO_IGMP } from '../../wire/iphdr.js';
import { Ipv6Hdr, ipv6ToString, IPV6_HLEN, NEXTHDR_HOP, NEXTHDR_FRAGMENT, NEXTHDR_DEST, NEXTHDR_ROUTING } from '../../wire/ipv6hdr.js';
import { ArpHdr, ARPOP_REQUEST, ARPOP_REPLY, ARPOP_RREQUEST, ARPOP_RREPLY, ARPOP_InREQUEST, ARPOP_InREPLY, ARPOP_NAK } from '../../wire/arphdr.js';
import { TcpHdr, tcpOptionsParse, TCPHDR_ACK, TCPHDR_FIN, TCPHDR_RST, TCPHDR_SYN, TCPHDR_URG, TCP_HLEN } from '../../wire/tcphdr.js';

export interface PrintOptions {
  /** -n count: 1 no host names, 2 (-nn) no port names either. */
  nflag: number;
  eflag: boolean;
  qflag: boolean;
  vflag: number;
}

/** Ethertype names (print-ether.c ethertype_values). */
const ETHERTYPES: Record<number, string> = {
  0x0800: 'IPv4', 0x0806: 'ARP', 0x86dd: 'IPv6', 0x8100: '802.1Q', 0x88a8: '802.1Q-QinQ', 0x8035: 'Reverse ARP',
  0x88cc: 'LLDP', 0x8809: 'Slow Protocols', 0x8808: 'MAC control', 0x8847: 'MPLS unicast', 0x8848: 'MPLS multicast',
  0x8863: 'PPPoE D', 0x8864: 'PPPoE S', 0x88e5: 'MACsec', 0x88f7: 'PTP', 0x9000: 'Loopback', 0x0060: 'Loopback',
  0x8137: 'IPX', 0x88e7: '802.1ah',
};

/** /etc/services names tcpdump uses without -nn (a subset). */
const TCP_PORTS: Record<number, string> = {
  20: 'ftp-data', 21: 'ftp', 22: 'ssh', 23: 'telnet', 25: 'smtp', 53: 'domain', 80: 'http', 110: 'pop3', 143: 'imap2',
  179: 'bgp', 443: 'https', 993: 'imaps', 995: 'pop3s', 3306: 'mysql', 5432: 'postgresql', 8080: 'http-alt',
};
const UDP_PORTS: Record<number, string> = {
  53: 'domain', 67: 'bootps', 68: 'bootpc', 69: 'tftp', 123: 'ntp', 161: 'snmp', 162: 'snmp-trap', 514: 'syslog',
  520: 'route', 546: 'dhcpv6-client', 547: 'dhcpv6-server', 4789: 'vxlan',
};

const TCP_FLAG_CHARS: [number, string][] = [
  [0x01, 'F'], [0x02, 'S'], [0x04, 'R'], [0x08, 'P'], [0x10, '.'], [0x20, 'U'], [0x40, 'E'], [0x80, 'W'],
];

/** Unreachable codes (print-icmp.c unreach2str). */
const UNREACH: Record<number, string> = {
  0: 'net %s unreachable', 1: 'host %s unreachable', 5: '%s unreachable - source route failed',
  6: 'net %s unreachable - unknown', 7: 'host %s unreachable - unknown', 8: '%s unreachable - source host isolated',
  9: 'net %s unreachable - admin prohibited', 10: 'host %s unreachable - admin prohibited',
  11: 'net %s unreachable - tos prohibited', 12: 'host %s unreachable - tos prohibited',
  13: 'host %s unreachable - admin prohibited filter', 14: 'host %s unreachable - host precedence violation',
  15: 'host %s unreachable - precedence cutoff',
};
const ICMP_TYPES: Record<number, string> = {
  0: 'echo reply', 4: 'source quench', 8: 'echo request', 9: 'router advertisement', 10: 'router solicitation',
  13: 'time stamp request', 14: 'time stamp reply', 15: 'information request', 16: 'information reply',
  17: 'address mask request', 18: 'address mask reply',
};
const ICMP6_UNREACH: Record<number, string> = {
  0: 'unreachable route', 1: 'unreachable prohibited', 2: 'beyond scope', 3: 'unreachable address',
  4: 'unreachable port', 5: 'failed policy', 6: 'reject route',
};
const ICMP6_TYPES: Record<number, string> = {
  1: 'destination unreachable', 2: 'packet too big', 3: 'time exceeded', 4: 'parameter problem',
  128: 'echo request', 129: 'echo reply', 130: 'multicast listener query', 131: 'multicast listener report',
  132: 'multicast listener done', 133: 'router solicitation', 134: 'router advertisement',
  135: 'neighbor solicitation', 136: 'neighbor advertisement', 137: 'redirect', 143: 'multicast listener report v2',
};
const IP_PROTOS: Record<number, string> = {
  1: 'ICMP', 2: 'IGMP', 4: 'IPIP', 6: 'TCP', 17: 'UDP', 41: 'IPv6', 47: 'GRE', 50: 'ESP', 51: 'AH', 58: 'ICMPv6',
  89: 'OSPF', 103: 'PIM', 112: 'VRRP', 132: 'SCTP',
};

function u16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

/** print-ascii.c hex_and_ascii_print() with "\n\t" indent. */
export function hexAndAsciiPrint(b: Uint8Array, off: number, len: number, indent = '\n\t'): string {
  let out = '';
  let hex = '';
  let ascii = '';
  let oset = 0;
  const gr = (c: number): string => (c > 0x20 && c <= 0x7e ? String.fromCharCode(c) : '.');
  let i = 0;
  for (; i + 1 < len; i += 2) {
    const s1 = b[off + i]!;
    const s2 = b[off + i + 1]!;
    hex += ' ' + s1.toString(16).padStart(2, '0') + s2.toString(16).padStart(2, '0');
    ascii += gr(s1) + gr(s2);
    if (hex.length >= 40) {
      out += `${indent}0x${oset.toString(16).padStart(4, '0')}: ${hex.padEnd(40)}  ${ascii}`;
      hex = '';
      ascii = '';
      oset += 16;
    }
  }
  if (i < len) {
    const s1 = b[off + i]!;
    hex += ' ' + s1.toString(16).padStart(2, '0');
    ascii += gr(s1);
  }
  if (hex.length > 0) out += `${indent}0x${oset.toString(16).padStart(4, '0')}: ${hex.padEnd(40)}  ${ascii}`;
  return out;
}

/** One TCP conversation's base sequence numbers (print-tcp.c struct tcp_seq_hash). */
interface TcpSeqEntry {
  seq: number;
  ack: number;
}

export class Printer {
  private readonly tcpSeq = new Map<string, TcpSeqEntry>();
  constructor(readonly o: PrintOptions) {}

  /** A MAC as etheraddr_string() prints it. */
  mac(b: Uint8Array, off: number): string {
    let all = true;
    for (let i = 0; i < 6; i++) if (b[off + i] !== 0xff) all = false;
    if (this.o.nflag === 0 && all) return 'Broadcast';
    const s = macToString(b, off);
    return this.o.nflag === 0 ? `${s} (oui Unknown)` : s;
  }

  private port(p: number, table: Record<number, string>): string {
    if (this.o.nflag >= 2) return String(p);
    return table[p] ?? String(p);
  }

  /**
   * Print one Ethernet frame (everything after the timestamp). `origLen` is the
   * frame's length on the wire; `frame` may be shorter (snaplen).
   */
  ether(frame: Uint8Array, origLen: number): string {
    const caplen = frame.length;
    if (caplen < ETH_HLEN) return `[|ether]`;
    let type = u16(frame, 12);
    let off = ETH_HLEN;
    let head = '';
    if (this.o.eflag) {
      head = `${this.mac(frame, 6)} > ${this.mac(frame, 0)}, `;
      if (type === ETH_P_8021Q || type === ETH_P_8021AD) {
        const tci = u16(frame, 14);
        head += `ethertype ${ETHERTYPES[type]} (0x${type.toString(16).padStart(4, '0')}), length ${origLen}: vlan ${tci & 0xfff}, p ${tci >> 13}${tci & 0x1000 ? ', DEI' : ''}, `;
        type = u16(frame, 16);
        off = 18;
        head += `ethertype ${this.ethertypeName(type)}, `;
      } else {
        head += `ethertype ${this.ethertypeName(type)}, length ${origLen}: `;
      }
    } else if (type === ETH_P_8021Q || type === ETH_P_8021AD) {
      const tci = u16(frame, 14);
      head = `vlan ${tci & 0xfff}, p ${tci >> 13}${tci & 0x1000 ? ', DEI' : ''}, ethertype ${this.ethertypeName(u16(frame, 16))}, `;
      type = u16(frame, 16);
      off = 18;
    }
    if (type < 0x0600) {
      // 802.3 length field + LLC: tcpdump prints "802.3, length N: LLC, ..."; we only dump it.
      return `${head}${this.o.eflag ? '' : `${macToString(frame, 6)} > ${macToString(frame, 0)}, `}802.3, length ${origLen}: LLC` +
        hexAndAsciiPrint(frame, off, caplen - off);
    }
    const body = this.ethertype(type, frame, off, origLen - off, caplen - off);
    if (body !== null) return head + body;
    // Unknown ethertype: without -e the link header is printed anyway, then the raw bytes.
    let s = head;
    if (!this.o.eflag) s += `${this.mac(frame, 6)} > ${this.mac(frame, 0)}, ethertype ${this.ethertypeName(type)}, length ${origLen}: `;
    return s + hexAndAsciiPrint(frame, off, caplen - off);
  }

  ethertypeName(type: number): string {
    const n = ETHERTYPES[type];
    return `${n ?? 'Unknown'} (0x${type.toString(16).padStart(4, '0')})`;
  }

  /** ethertype_print(): null when the type is not decoded. */
  ethertype(type: number, b: Uint8Array, off: number, length: number, caplen: number): string | null {
    const e = this.o.eflag;
    switch (type) {
      case ETH_P_IP: return (e ? '' : 'IP ') + this.ip(b, off, length, caplen);
      case ETH_P_IPV6: return (e ? '' : 'IP6 ') + this.ip6(b, off, length, caplen);
      case ETH_P_ARP: return this.arp(b, off, length, caplen);
      case ETH_P_LLDP: return (e ? '' : 'LLDP') + (e ? `LLDP, length ${length}` : `, length ${length}`);
      default: return null;
    }
  }

  arp(b: Uint8Array, off: number, length: number, caplen: number): string {
    let s = this.o.eflag ? '' : 'ARP, ';
    if (caplen < 8) return s + '[|ARP]';
    const a = new ArpHdr(b, off);
    const hln = a.arHln;
    const pln = a.arPln;
    const pro = a.arPro;
    if (caplen < 8 + 2 * hln + 2 * pln) return s + '[|ARP]';
    const hrdName = a.arHrd === 1 ? 'Ethernet' : `Unknown Hardware (${a.arHrd})`;
    const proName = pro === ETH_P_IP ? 'IPv4' : (ETHERTYPES[pro] ?? `Unknown Protocol (0x${pro.toString(16).padStart(4, '0')})`);
    if (pro !== ETH_P_IP || pln !== 4 || hln === 0 || this.o.vflag) {
      s += `${hrdName} (len ${hln}), ${proName} (len ${pln})`;
      if (!this.o.vflag) return s + `, length ${length}`;
    }
    const op = a.arOp;
    const opName = ({ [ARPOP_REQUEST]: 'Request', [ARPOP_REPLY]: 'Reply', [ARPOP_RREQUEST]: 'Reverse Request',
      [ARPOP_RREPLY]: 'Reverse Reply', [ARPOP_InREQUEST]: 'Inverse Request', [ARPOP_InREPLY]: 'Inverse Reply',
      [ARPOP_NAK]: 'NACK Reply' } as Record<number, string>)[op] ?? `Unknown (${op})`;
    s += `${this.o.vflag ? ', ' : ''}${opName} `;
    const sha = off + 8;
    const spa = sha + hln;
    const tha = spa + pln;
    const tpa = tha + hln;
    const ipAt = (o: number): string => (pln === 4 ? ipv4ToString(readU32(b, o)) : `<wrong len>`);
    const hw = (o: number): string => (hln === 6 ? this.mac(b, o) : macToString(b, o).slice(0, hln * 3 - 1));
    switch (op) {
      case ARPOP_REQUEST: {
        s += `who-has ${ipAt(tpa)}`;
        let nz = false;
        for (let i = 0; i < hln; i++) if (b[tha + i]) nz = true;
        if (nz) s += ` (${hw(tha)})`;
        s += ` tell ${ipAt(spa)}`;
        break;
      }
      case ARPOP_REPLY:
        s += `${ipAt(spa)} is-at ${hw(sha)}`;
        break;
      case ARPOP_RREQUEST:
      case ARPOP_InREQUEST:
        s += `who-is ${hw(tha)} tell ${hw(sha)}`;
        break;
      case ARPOP_RREPLY:
        s += `${hw(tha)} at ${ipAt(tpa)}`;
        break;
      case ARPOP_InREPLY:
        s += `${hw(sha)} at ${ipAt(spa)}`;
        break;
      default:
        return s + hexAndAsciiPrint(b, off, caplen);
    }
    return s + `, length ${length}`;
  }

  ip(b: Uint8Array, off: number, length: number, caplen: number): string {
    if (caplen < 20) return '[|ip]';
    const iph = new IpHdr(b, off);
    if (iph.version !== 4) return `IP${iph.version}`;
    const hlen = iph.hlen;
    if (hlen < 20) return `bad-hlen ${hlen}`;
    const len = iph.totLen;
    if (len < hlen) return `bad-len ${len}`;
    const plen = Math.min(len, length) - hlen;
    const pcap = Math.min(caplen, len) - hlen;
    const fragOff = iph.fragOff;
    const proto = iph.protocol;
    let pre = '';
    if (this.o.vflag) {
      const flags = [fragOff & 0x8000 ? '+' : '', fragOff & IP_DF ? 'DF' : '', fragOff & IP_MF ? '+' : ''].filter(Boolean);
      pre = `(tos 0x${iph.tos.toString(16)}, ttl ${iph.ttl}, id ${iph.id}, offset ${(fragOff & IP_OFFSET) * 8}, flags [${flags.length ? flags.join('') : 'none'}], proto ${IP_PROTOS[proto] ?? 'unknown'} (${proto}), length ${len}${hlen > 20 ? `, options (...)` : ''})\n    `;
    }
    const src = ipv4ToString(iph.saddr);
    const dst = ipv4ToString(iph.daddr);
    if ((fragOff & IP_OFFSET) !== 0) {
      return `${pre}${src} > ${dst}: ${this.o.vflag ? '' : `ip-proto-${proto}`}`.trimEnd() + (this.o.vflag ? '' : '');
    }
    const t = off + hlen;
    let body: string;
    switch (proto) {
      case IPPROTO_ICMP: body = `${src} > ${dst}: ${this.icmp(b, t, plen, pcap)}`; break;
      case IPPROTO_UDP: body = this.udp(b, t, plen, pcap, src, dst); break;
      case IPPROTO_TCP: body = this.tcp(b, t, plen, pcap, src, dst, iph.saddr, iph.daddr, false); break;
      case IPPROTO_IGMP: body = `${src} > ${dst}: igmp`; break;
      default: body = `${src} > ${dst}: ${IP_PROTOS[proto] ? IP_PROTOS[proto]!.toLowerCase() : `ip-proto-${proto}`} ${plen}`;
    }
    return pre + body;
  }

  ip6(b: Uint8Array, off: number, length: number, caplen: number): string {
    if (caplen < IPV6_HLEN) return '[|ip6]';
    const h = new Ipv6Hdr(b, off);
    const payloadLen = h.payloadLen;
    const src = ipv6ToString(h.saddr);
    const dst = ipv6ToString(h.daddr);
    let pre = '';
    if (this.o.vflag) {
      const tc = h.trafficClass;
      const fl = h.flowLbl;
      pre = `(${tc ? `class 0x${tc.toString(16)}, ` : ''}${fl ? `flowlabel 0x${fl.toString(16).padStart(5, '0')}, ` : ''}hlim ${h.hopLimit}, next-header ${IP_PROTOS[h.nexthdr] ?? 'unknown'} (${h.nexthdr}) payload length: ${payloadLen}) `;
    }
    let nh = h.nexthdr;
    let o = off + IPV6_HLEN;
    const end = off + Math.min(IPV6_HLEN + payloadLen, caplen);
    let ext = '';
    // Extension headers: tcpdump prints HBH/DSTOPT/srcrt/frag before the payload.
    while (nh === NEXTHDR_HOP || nh === NEXTHDR_DEST || nh === NEXTHDR_ROUTING || nh === NEXTHDR_FRAGMENT) {
      if (o + 8 > end) return `${pre}${src} > ${dst}: [|ip6]`;
      const next = b[o]!;
      if (nh === NEXTHDR_FRAGMENT) {
        const fo = u16(b, o + 2);
        ext += `frag (${fo & 0xfff8}|${end - o - 8}) `;
        if ((fo & 0xfff8) !== 0) return `${pre}${src} > ${dst}: ${ext}`.trimEnd();
        o += 8;
      } else {
        ext += nh === NEXTHDR_HOP ? 'HBH ' : nh === NEXTHDR_DEST ? 'DSTOPT ' : 'srcrt ';
        o += (b[o + 1]! + 1) * 8;
      }
      nh = next;
    }
    const plen = off + IPV6_HLEN + payloadLen - o;
    const pcap = end - o;
    let body: string;
    switch (nh) {
      case IPPROTO_ICMPV6: body = `${src} > ${dst}: ${ext}${this.icmp6(b, o, plen, pcap)}`; break;
      case IPPROTO_UDP: body = ext ? `${src} > ${dst}: ${ext}${this.udp(b, o, plen, pcap, src, dst).replace(/^.*?: /, '')}` : this.udp(b, o, plen, pcap, src, dst); break;
      case IPPROTO_TCP: body = this.tcp(b, o, plen, pcap, src, dst, 0, 0, true, h.saddr, h.daddr); break;
      case 59: body = `${src} > ${dst}: ${ext}no next header`; break;
      default: body = `${src} > ${dst}: ${ext}ip-proto-${nh} ${plen}`;
    }
    void length;
    return pre + body;
  }

  icmp(b: Uint8Array, o: number, plen: number, caplen: number): string {
    if (caplen < 4) return '[|icmp]';
    const type = b[o]!;
    const code = b[o + 1]!;
    let str: string;
    const innerDst = (): string => (caplen >= 8 + 20 ? ipv4ToString(readU32(b, o + 8 + 16)) : '?');
    switch (type) {
      case 0:
      case 8:
        str = `${type === 8 ? 'echo request' : 'echo reply'}, id ${u16(b, o + 4)}, seq ${u16(b, o + 6)}`;
        break;
      case 3: {
        const d = innerDst();
        if (code === 2) str = `${d} protocol ${caplen >= 8 + 10 ? b[o + 8 + 9] : 0} unreachable`;
        else if (code === 3) {
          const ihl = caplen >= 9 ? (b[o + 8]! & 0xf) * 4 : 20;
          const p = caplen >= 8 + 10 ? b[o + 8 + 9]! : 0;
          const dport = caplen >= 8 + ihl + 4 ? u16(b, o + 8 + ihl + 2) : 0;
          str = p === IPPROTO_TCP ? `${d} tcp port ${this.port(dport, TCP_PORTS)} unreachable`
            : p === IPPROTO_UDP ? `${d} udp port ${this.port(dport, UDP_PORTS)} unreachable`
              : `${d} protocol ${p} port ${dport} unreachable`;
        } else if (code === 4) {
          const mtu = u16(b, o + 6);
          str = mtu ? `${d} unreachable - need to frag (mtu ${mtu})` : `${d} unreachable - need to frag`;
        } else str = (UNREACH[code] ?? `#${code} %s unreachable`).replace('%s', d);
        break;
      }
      case 5: {
        const kinds = ['redirect %s to net %s', 'redirect %s to host %s', 'redirect-tos %s to net %s', 'redirect-tos %s to host %s'];
        str = (kinds[code] ?? `redirect-#${code} %s to %s`).replace('%s', innerDst()).replace('%s', ipv4ToString(readU32(b, o + 4)));
        break;
      }
      case 11:
        str = code === 0 ? 'time exceeded in-transit' : code === 1 ? 'ip reassembly time exceeded' : `time exceeded-#${code}`;
        break;
      case 12:
        str = code ? `parameter problem - code ${code}` : `parameter problem - octet ${b[o + 4]}`;
        break;
      default:
        str = ICMP_TYPES[type] ?? `type-#${type}`;
    }
    return `ICMP ${str}, length ${plen}`;
  }

  icmp6(b: Uint8Array, o: number, plen: number, caplen: number): string {
    if (caplen < 4) return 'ICMP6, [|icmp6]';
    const type = b[o]!;
    const code = b[o + 1]!;
    const name = ICMP6_TYPES[type] ?? `unknown icmp6 type (${type})`;
    let s = `ICMP6, ${name}`;
    switch (type) {
      case 1:
        s += `, ${ICMP6_UNREACH[code] ?? `unknown unreach code (${code})`}`;
        if (caplen >= 8 + 40) {
          const inner = o + 8;
          const dst = ipv6ToString(b, inner + 24);
          if (code === 4 && caplen >= 8 + 40 + 4) {
            const p = b[inner + 6]!;
            const dport = u16(b, inner + 40 + 2);
            s += p === IPPROTO_UDP ? `, ${dst} udp port ${this.port(dport, UDP_PORTS)}`
              : p === IPPROTO_TCP ? `, ${dst} tcp port ${this.port(dport, TCP_PORTS)}` : `, ${dst}`;
          } else s += `, ${dst}`;
        }
        break;
      case 2:
        s += `, mtu ${readU32(b, o + 4)}`;
        break;
      case 3:
        s += code === 0 ? ' in-transit' : code === 1 ? ' reassembly' : ` unknown code (${code})`;
        break;
      case 128:
      case 129:
        s += `, id ${u16(b, o + 4)}, seq ${u16(b, o + 6)}`;
        break;
      case 135:
        if (caplen >= 24) s += `, who has ${ipv6ToString(b, o + 8)}`;
        break;
      case 136:
        if (caplen >= 24) s += `, tgt is ${ipv6ToString(b, o + 8)}`;
        break;
      case 137:
        if (caplen >= 40) s += ` ${ipv6ToString(b, o + 24)} to ${ipv6ToString(b, o + 8)}`;
        break;
      case 143:
        s += `, ${u16(b, o + 6)} group record(s)`;
        break;
      default:
        break;
    }
    return `${s}, length ${plen}`;
  }

  udp(b: Uint8Array, o: number, plen: number, caplen: number, src: string, dst: string): string {
    if (caplen < 8) return `${src} > ${dst}: [|udp]`;
    const sport = u16(b, o);
    const dport = u16(b, o + 2);
    const ulen = u16(b, o + 4);
    const head = `${src}.${this.port(sport, UDP_PORTS)} > ${dst}.${this.port(dport, UDP_PORTS)}: `;
    if (ulen < 8) return `${head}[bad udp length ${ulen} < 8]`;
    if (ulen > plen) return `${head}[bad udp length ${ulen} > ${plen}]`;
    return `${head}UDP, length ${ulen - 8}`;
  }

  tcp(b: Uint8Array, o: number, plen: number, caplen: number, src: string, dst: string, saddr4: number, daddr4: number,
    v6: boolean, saddr6?: Uint8Array, daddr6?: Uint8Array): string {
    if (caplen < TCP_HLEN) return `${src} > ${dst}: [|tcp]`;
    const th = new TcpHdr(b, o);
    const sport = th.source;
    const dport = th.dest;
    const head = `${src}.${this.port(sport, TCP_PORTS)} > ${dst}.${this.port(dport, TCP_PORTS)}: `;
    const hlen = th.hlen;
    if (hlen < TCP_HLEN) return `${head}tcp ${plen} [bad hdr length ${hlen} - too short, < 20]`;
    if (this.o.qflag) return `${head}tcp ${plen > hlen ? plen - hlen : 0}`;
    const flags = th.flags;
    let seq = th.seq;
    let ack = th.ackSeq;
    if (flags & TCPHDR_ACK) {
      // print-tcp.c: relative sequence numbers per conversation, keyed with the lower endpoint first.
      const sKey = v6 ? ipv6ToString(saddr6!) : String(saddr4);
      const dKey = v6 ? ipv6ToString(daddr6!) : String(daddr4);
      const sa = v6 ? saddr6! : null;
      const da = v6 ? daddr6! : null;
      let cmp = 0;
      if (sa && da) {
        for (let i = 0; i < 16 && cmp === 0; i++) cmp = sa[i]! - da[i]!;
      } else cmp = saddr4 === daddr4 ? 0 : saddr4 > daddr4 ? 1 : -1;
      const rev = cmp > 0 || (cmp === 0 && sport > dport);
      const key = rev ? `${dKey}|${sKey}|${dport}|${sport}` : `${sKey}|${dKey}|${sport}|${dport}`;
      const th0 = this.tcpSeq.get(key);
      if (!th0 || flags & TCPHDR_SYN) {
        this.tcpSeq.set(key, rev ? { ack: seq, seq: (ack - 1) >>> 0 } : { seq, ack: (ack - 1) >>> 0 });
      } else if (rev) {
        seq = (seq - th0.ack) >>> 0;
        ack = (ack - th0.seq) >>> 0;
      } else {
        seq = (seq - th0.seq) >>> 0;
        ack = (ack - th0.ack) >>> 0;
      }
    }
    let fl = '';
    for (const [bit, ch] of TCP_FLAG_CHARS) if (flags & bit) fl += ch;
    let s = `${head}Flags [${fl || 'none'}]`;
    if (hlen > plen) return `${s} [bad hdr length ${hlen} - too long, > ${plen}]`;
    const length = plen - hlen;
    if (this.o.vflag > 1 || length > 0 || flags & (TCPHDR_SYN | TCPHDR_FIN | TCPHDR_RST)) {
      s += `, seq ${seq}`;
      if (length > 0) s += `:${(seq + length) >>> 0}`;
    }
    if (flags & TCPHDR_ACK) s += `, ack ${ack}`;
    s += `, win ${th.window}`;
    if (flags & TCPHDR_URG) s += `, urg ${th.urgPtr}`;
    if (hlen > TCP_HLEN) {
      const end = o + Math.min(hlen, caplen);
      const parts: string[] = [];
      for (const opt of tcpOptionsParse(b, o + TCP_HLEN, end)) {
        switch (opt.kind) {
          case 'mss': parts.push(`mss ${opt.mss}`); break;
          case 'wscale': parts.push(`wscale ${opt.shift}`); break;
          case 'sackOK': parts.push('sackOK'); break;
          case 'timestamp': parts.push(`TS val ${opt.tsval} ecr ${opt.tsecr}`); break;
          case 'nop': parts.push('nop'); break;
          case 'eol': parts.push('eol'); break;
          case 'sack': parts.push(`sack ${opt.blocks.length} ${opt.blocks.map(([l, r]) => `{${l}:${r}}`).join('')}`); break;
          case 'unknown': parts.push(`unknown-${opt.type} 0x${[...opt.data].map((x) => x.toString(16).padStart(2, '0')).join('')}`); break;
        }
      }
      s += `, options [${parts.join(',')}]`;
    }
    return `${s}, length ${length}`;
  }
}
