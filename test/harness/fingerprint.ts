/**
 * Fingerprint helpers (issue 5 item 5): read the kernel baseline recorded by
 * test/fixtures/fingerprint/make_baseline.sh, split nmap's probe capture into
 * (probe, answers) pairs, describe an answer by the fields nmap's OS detection and
 * p0f look at (relative to the probe that caused it), and parse nmap's fingerprint
 * lines and p0f's signatures. Used by the in-process replay test and by the TAP
 * interop test.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPcap } from '../../src/tools/pcap.js';

/** test/fixtures/fingerprint, from dist/test/harness or test/harness. */
export function fixtureDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const fromDist = join(here, '..', '..', '..', 'test', 'fixtures', 'fingerprint');
  const fromSrc = join(here, '..', 'fixtures', 'fingerprint');
  for (const d of [fromDist, fromSrc]) {
    try {
      readFileSync(join(d, 'nmap.txt'));
      return d;
    } catch {
      // try the next
    }
  }
  return fromSrc;
}

/** nmap's fingerprint lines as test name -> "NAME(...)" (SCAN included). */
export function parseNmapLines(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const t = /^([A-Z0-9]+)\(.*\)$/.exec(line.trim());
    if (t) m.set(t[1]!, line.trim());
  }
  return m;
}

/**
 * The fingerprint from nmap's normal output (`-d`) or XML (`osfingerprint`): the
 * "OS:" lines joined, split into one test per line.
 */
export function extractNmapFingerprint(output: string): string {
  let joined = '';
  const xml = /<osfingerprint fingerprint="([^"]*)"/.exec(output);
  if (xml) {
    joined = xml[1]!.replace(/&#xa;/g, '\n').split('\n').map((l) => l.replace(/^OS:/, '')).join('');
  } else {
    const lines = output.split('\n');
    let on = false;
    for (const l of lines) {
      if (/^TCP\/IP fingerprint:/.test(l)) {
        on = true;
        continue;
      }
      if (on && l.startsWith('OS:')) joined += l.slice(3);
      else if (on) break;
    }
  }
  return joined.replace(/\)/g, ')\n').split('\n').filter((l) => l !== '').join('\n');
}

/** The non-statistical part of nmap's SEQ line: TI, CI, II, SS (GCD, SP, ISR, TS are statistics). */
export function seqFixedFields(line: string): string {
  const body = /^SEQ\((.*)\)$/.exec(line)?.[1] ?? '';
  return body.split('%').filter((f) => /^(TI|CI|II|SS)=/.test(f)).join('%');
}

/** p0f signatures: "syn" / "synack" -> raw_sig. */
export function parseP0f(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const t = /^(syn|synack) (.*)$/.exec(line.trim());
    if (t) m.set(t[1]!, t[2]!);
  }
  return m;
}

/**
 * p0f's log (`-o FILE`) -> the SYN signature of `client` and the SYN+ACK signature of
 * `server` (both the host under test).
 */
export function p0fSignaturesFromLog(log: string, host: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of log.split('\n')) {
    const f = new Map<string, string>();
    for (const part of line.split('|')) {
      const eq = part.indexOf('=');
      if (eq < 0) continue;
      const key = part.slice(0, eq).replace(/^.*\] /, '');
      f.set(key, part.slice(eq + 1));
    }
    const mod = f.get('mod');
    const sig = f.get('raw_sig');
    if (!sig) continue;
    if (mod === 'syn' && f.get('cli')?.startsWith(`${host}/`)) m.set('syn', sig);
    if (mod === 'syn+ack' && f.get('srv')?.startsWith(`${host}/`)) m.set('synack', sig);
  }
  return m;
}

export interface Exchange {
  /** ns since the first frame of the capture. */
  at: number;
  /** The scanner's frame. */
  probe: Uint8Array;
  /** The target's frames sent after it, before the scanner's next frame. */
  answers: Uint8Array[];
}

/** Split a capture taken on the scanner's side into the scanner's frames and what answered each. */
export function exchanges(pcap: Uint8Array, scannerMac: Uint8Array): Exchange[] {
  const f = readPcap(pcap);
  const out: Exchange[] = [];
  const t0 = f.packets[0]?.tsNs ?? 0n;
  for (const p of f.packets) {
    const fromScanner = sameBytes(p.data.subarray(6, 12), scannerMac);
    if (fromScanner) out.push({ at: Number(p.tsNs - t0), probe: p.data, answers: [] });
    else out[out.length - 1]?.answers.push(p.data);
  }
  return out;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const u16 = (b: Uint8Array, o: number): number => (b[o]! << 8) | b[o + 1]!;
const u32 = (b: Uint8Array, o: number): number => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** A one-line summary of a probe (for messages). */
export function describeProbe(frame: Uint8Array): string {
  const type = u16(frame, 12);
  if (type === 0x0806) return `arp op ${u16(frame, 20)}`;
  if (type !== 0x0800) return `ethertype ${type.toString(16)}`;
  const ip = frame.subarray(14);
  const ihl = (ip[0]! & 15) * 4;
  const proto = ip[9]!;
  const l4 = ip.subarray(ihl);
  if (proto === 6) return `tcp ${u16(l4, 0)}>${u16(l4, 2)} ${tcpFlags(l4[13]!, l4[12]! & 0x0f)} win ${u16(l4, 14)} opts ${tcpOptions(l4, null)}`;
  if (proto === 17) return `udp ${u16(l4, 0)}>${u16(l4, 2)} len ${u16(l4, 4)}`;
  if (proto === 1) return `icmp type ${l4[0]} code ${l4[1]} tos ${ip[1]} df ${(ip[6]! & 0x40) !== 0}`;
  return `proto ${proto}`;
}

function tcpFlags(f: number, reserved: number): string {
  const names = 'FSRPAUEC';
  let s = '';
  for (let i = 0; i < 8; i++) if (f & (1 << i)) s += names[i];
  if (reserved) s += `+res${reserved}`;
  return s || '-';
}

/** Options in order, nmap style (M<hex mss>, S, T<val!=0><ecr!=0>, N, W<ws>, L) plus the ecr relation. */
function tcpOptions(th: Uint8Array, probe: Uint8Array | null): string {
  const doff = (th[12]! >> 4) * 4;
  let s = '';
  let i = 20;
  while (i < doff) {
    const kind = th[i]!;
    if (kind === 0) {
      s += 'L';
      break;
    }
    if (kind === 1) {
      s += 'N';
      i++;
      continue;
    }
    const len = th[i + 1] ?? 0;
    if (len < 2 || i + len > doff) {
      s += `?${kind}`;
      break;
    }
    if (kind === 2) s += `M${u16(th, i + 2).toString(16).toUpperCase()}`;
    else if (kind === 3) s += `W${th[i + 2]!.toString(16).toUpperCase()}`;
    else if (kind === 4) s += 'S';
    else if (kind === 8) {
      const val = u32(th, i + 2);
      const ecr = u32(th, i + 6);
      const probeVal = probe ? probeTsval(probe) : -1;
      s += `T${val ? 1 : 0}${ecr === 0 ? 0 : ecr === probeVal ? 'e' : 1}`;
    } else s += `K${kind}`;
    i += len;
  }
  return s;
}

function probeTsval(th: Uint8Array): number {
  const doff = (th[12]! >> 4) * 4;
  let i = 20;
  while (i < doff) {
    const kind = th[i]!;
    if (kind === 0) break;
    if (kind === 1) {
      i++;
      continue;
    }
    const len = th[i + 1] ?? 0;
    if (len < 2) break;
    if (kind === 8) return u32(th, i + 2);
    i += len;
  }
  return -1;
}

/**
 * An answer described by what nmap's tests and p0f read, relative to its probe:
 * IP (tos, DF, TTL, id zero or not, length), TCP (flags, reserved bits, window, seq/ack
 * against the probe's ack/seq, options, urgent pointer, data), ICMP (type, code,
 * the unused field, what is quoted and whether it is the probe unchanged, echo data).
 * Random values (ISN, timestamps, non-zero IP ids) are masked; checksums are left out
 * (the kernel's capture shows offloaded, partial ones).
 */
export function describeAnswer(probe: Uint8Array, answer: Uint8Array): string {
  const type = u16(answer, 12);
  if (type === 0x0806) {
    return `arp op ${u16(answer, 20)} sha ${hex(answer.subarray(22, 28))} spa ${hex(answer.subarray(28, 32))} tha ${hex(answer.subarray(32, 38))} tpa ${hex(answer.subarray(38, 42))}`;
  }
  if (type !== 0x0800) return `ethertype ${type.toString(16)} len ${answer.length}`;
  const ip = answer.subarray(14);
  const pip = probe.subarray(14);
  const ihl = (ip[0]! & 15) * 4;
  const totLen = u16(ip, 2);
  const df = (ip[6]! & 0x40) !== 0;
  const id = u16(ip, 4);
  const proto = ip[9]!;
  const head = `ip tos ${ip[1]} df ${df ? 'Y' : 'N'} ttl ${ip[8]} id ${id === 0 ? '0' : id === u16(pip, 4) ? 'probe' : 'nz'} len ${totLen} ihl ${ihl}`;
  const l4 = ip.subarray(ihl, totLen);
  if (proto === 6) {
    const th = l4;
    const pth = pip.subarray((pip[0]! & 15) * 4);
    const seq = u32(th, 4);
    const ack = u32(th, 8);
    const pseq = u32(pth, 4);
    const pack = u32(pth, 8);
    const seqRel = seq === 0 ? 'Z' : seq === pack ? 'A' : seq === ((pack + 1) >>> 0) ? 'A+' : 'O';
    const ackRel = ack === 0 ? 'Z' : ack === pseq ? 'S' : ack === ((pseq + 1) >>> 0) ? 'S+' : 'O';
    const doff = (th[12]! >> 4) * 4;
    const data = th.subarray(doff);
    return `${head} | tcp ${u16(th, 0)}>${u16(th, 2)} ${tcpFlags(th[13]!, th[12]! & 0x0f)} win ${u16(th, 14)} seq ${seqRel} ack ${ackRel} opts ${tcpOptions(th, pth)} urg ${u16(th, 18)} data ${data.length ? hex(data) : '-'}`;
  }
  if (proto === 1) {
    const t = l4[0]!;
    const code = l4[1]!;
    if (t === 0) {
      const pl4 = pip.subarray((pip[0]! & 15) * 4);
      const same = sameBytes(l4.subarray(4), pl4.subarray(4, u16(pip, 2) - (pip[0]! & 15) * 4));
      return `${head} | icmp echo-reply code ${code} id/seq/data ${same ? 'echoed' : 'differ'}`;
    }
    if (t === 3) {
      const q = l4.subarray(8);
      const plen = u16(pip, 2);
      const quotedLen = q.length;
      // RIPL (quoted total length field), RID, RIPCK, RUCK, RUD: the quote is the probe unchanged.
      const same = sameBytes(q, pip.subarray(0, Math.min(quotedLen, plen)));
      return `${head} | icmp unreach code ${code} unused ${u32(l4, 4)} quoted ${quotedLen} of ${plen} ${same ? 'unchanged' : `changed ${hex(q.subarray(0, 28))} vs ${hex(pip.subarray(0, 28))}`}`;
    }
    return `${head} | icmp type ${t} code ${code} len ${l4.length}`;
  }
  if (proto === 17) return `${head} | udp ${u16(l4, 0)}>${u16(l4, 2)} len ${u16(l4, 4)}`;
  return `${head} | proto ${proto}`;
}

/** A copy of an IPv4 frame with its IP and TCP/UDP/ICMP checksums computed (captures on veth hold partial ones). */
export function withChecksums(frame: Uint8Array): Uint8Array {
  const f = frame.slice();
  if (u16(f, 12) !== 0x0800) return f;
  const ip = f.subarray(14);
  const ihl = (ip[0]! & 15) * 4;
  const totLen = u16(ip, 2);
  ip[10] = 0;
  ip[11] = 0;
  const hsum = foldSum(sum16(ip.subarray(0, ihl), 0));
  ip[10] = hsum >> 8;
  ip[11] = hsum & 0xff;
  const proto = ip[9]!;
  const l4 = ip.subarray(ihl, totLen);
  const off = proto === 6 ? 16 : proto === 17 ? 6 : proto === 1 ? 2 : -1;
  if (off < 0) return f;
  l4[off] = 0;
  l4[off + 1] = 0;
  let s = sum16(l4, 0);
  if (proto !== 1) {
    s = sum16(ip.subarray(12, 20), s);
    s += proto + l4.length;
  }
  const c = foldSum(s);
  l4[off] = c >> 8;
  l4[off + 1] = c & 0xff;
  return f;
}

function sum16(b: Uint8Array, s: number): number {
  for (let i = 0; i + 1 < b.length; i += 2) s += (b[i]! << 8) | b[i + 1]!;
  if (b.length & 1) s += b[b.length - 1]! << 8;
  return s;
}

function foldSum(s: number): number {
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 65536);
  return ~s & 0xffff;
}

/** A baseline profile: where its fixtures are, the MTU and the target's sysctls (NAME=VALUE). */
export interface FingerprintProfile {
  name: string;
  dir: string;
  mtu: number;
  sysctls: string[];
}

/** The recorded profiles: the default one (fixture dir) and each subdirectory with a profile.txt. */
export function fingerprintProfiles(): FingerprintProfile[] {
  const base = fixtureDir();
  const out: FingerprintProfile[] = [];
  const dirs: [string, string][] = [['default', base]];
  for (const e of readdirSync(base, { withFileTypes: true })) if (e.isDirectory()) dirs.push([e.name, join(base, e.name)]);
  for (const [name, dir] of dirs) {
    let text: string;
    try {
      text = readFileSync(join(dir, 'profile.txt'), 'utf8');
    } catch {
      continue;
    }
    const p: FingerprintProfile = { name, dir, mtu: 1500, sysctls: [] };
    for (const line of text.split('\n')) {
      const m = /^mtu (\d+)$/.exec(line);
      if (m) p.mtu = Number(m[1]);
      const s = /^sysctl (.+)$/.exec(line);
      if (s) p.sysctls.push(s[1]!);
    }
    out.push(p);
  }
  return out;
}
