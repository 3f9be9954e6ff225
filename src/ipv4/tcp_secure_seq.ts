/**
 * Keyed hashes for TCP's initial sequence numbers, timestamp offsets and the
 * ephemeral-port offset (Linux: net/core/secure_seq.c secure_tcp_seq,
 * secure_tcp_ts_off, secure_ipv4_port_ephemeral; RFC 6528 §3: ISN = M + F(4-tuple,
 * secretkey), M a timer ticking every 4 µs or faster — Linux uses 64 ns).
 *
 * Linux keys siphash with net_secret / ts_secret, random at boot. tuxnet writes its own
 * keyed hash: HalfSipHash-2-4 (Aumasson & Bernstein, the 32-bit SipHash variant Linux
 * also ships as hsiphash) over 32-bit words, keys drawn from the kernel's seeded rng in
 * `tcpSecretsInit`, so a seeded kernel gives the same ISNs every run.
 */
import type { Kernel } from '../core/net_namespace.js';

/** The kernel-wide secrets (Linux: net_secret, ts_secret, the port-offset key). */
export class TcpSecrets {
  readonly seqK0: number;
  readonly seqK1: number;
  readonly tsK0: number;
  readonly tsK1: number;
  readonly portK0: number;
  readonly portK1: number;
  readonly portK2: number;
  readonly portK3: number;
  constructor(k: Kernel) {
    const r = k.rng;
    this.seqK0 = r.u32(); this.seqK1 = r.u32();
    this.tsK0 = r.u32(); this.tsK1 = r.u32();
    this.portK0 = r.u32(); this.portK1 = r.u32();
    this.portK2 = r.u32(); this.portK3 = r.u32();
  }
}

/** The kernel's secrets, drawn on first use (Linux: net_secret_init(), get_random_once). */
export function tcpSecrets(k: Kernel): TcpSecrets {
  let s = k.generic.get('tcp_secrets') as TcpSecrets | undefined;
  if (s === undefined) {
    s = new TcpSecrets(k);
    k.generic.set('tcp_secrets', s);
  }
  return s;
}

function rotl(x: number, b: number): number {
  return (x << b) | (x >>> (32 - b));
}

function sipround(v: Int32Array): void {
  v[0] = v[0]! + v[1]!; v[1] = rotl(v[1]!, 5) ^ v[0]!; v[0] = rotl(v[0]!, 16);
  v[2] = v[2]! + v[3]!; v[3] = rotl(v[3]!, 8) ^ v[2]!;
  v[0] = v[0]! + v[3]!; v[3] = rotl(v[3]!, 7) ^ v[0]!;
  v[2] = v[2]! + v[1]!; v[1] = rotl(v[1]!, 13) ^ v[2]!; v[2] = rotl(v[2]!, 16);
}

function absorb(v: Int32Array, m: number): void {
  v[3] ^= m;
  sipround(v);
  sipround(v);
  v[0] ^= m;
}

/** HalfSipHash-2-4 of `n` (0..4) 32-bit words under the key (k0, k1), a u32 (runs once per connection). */
export function halfSipHash(k0: number, k1: number, n: number, w0: number, w1: number, w2: number, w3 = 0): number {
  const v = new Int32Array(4);
  v[0] = k0;
  v[1] = k1;
  v[2] = 0x6c796765 ^ k0;
  v[3] = 0x74656462 ^ k1;
  if (n > 0) absorb(v, w0);
  if (n > 1) absorb(v, w1);
  if (n > 2) absorb(v, w2);
  if (n > 3) absorb(v, w3);
  const b = (n * 4) << 24;
  v[3] ^= b;
  sipround(v);
  sipround(v);
  v[0] ^= b;
  v[2] ^= 0xff;
  sipround(v);
  sipround(v);
  sipround(v);
  sipround(v);
  return (v[1]! ^ v[3]!) >>> 0;
}

/**
 * Linux: secure_tcp_seq(): the RFC 6528 ISN for (saddr, daddr, sport, dport): a keyed
 * hash of the 4-tuple plus the clock in 64 ns ticks (seq_scale()).
 */
export function secureTcpSeq(k: Kernel, saddr: number, daddr: number, sport: number, dport: number): number {
  const s = tcpSecrets(k);
  const hash = halfSipHash(s.seqK0, s.seqK1, 3, saddr, daddr, ((sport << 16) | dport) >>> 0);
  // Linux: seq_scale(): + ktime_get_real_ns() >> 6. Ticks mod 2^32 without float loss.
  const ticks = Math.floor(k.clock.now() / 64) % 4294967296;
  return (hash + ticks) >>> 0;
}

/**
 * Linux: the ts_off half of secure_tcp_seq_and_ts_off(): the timestamp offset of a
 * connection (RFC 7323 §7.1), keyed on the whole 4-tuple. Linux 6.18 (and the stable
 * trees: "tcp: secure_seq: add back ports to TS offset") draws it from the same siphash
 * as the ISN, so two connections between the same hosts get unrelated TSvals (nmap's
 * SEQ test sees no common timestamp clock: TS is not "A"). Here it is a second keyed
 * hash of the same words, an independent 32 bits as Linux's upper half is. Callers
 * pass 0 instead when net.ipv4.tcp_timestamps is not 1.
 */
export function secureTcpTsOff(k: Kernel, saddr: number, daddr: number, sport: number, dport: number): number {
  const s = tcpSecrets(k);
  return halfSipHash(s.tsK0, s.tsK1, 3, saddr, daddr, ((sport << 16) | dport) >>> 0);
}

/**
 * Linux: secure_ipv4_port_ephemeral(): the per-destination offset of the ephemeral-port
 * search (RFC 6056 algorithm 3/4). Linux returns a u64; here the low 32 bits pick the
 * perturbation-table slot and the high 21 bits (an independent hash) are added to it:
 * the value is `hi * 2^32 + lo`, exact in a double.
 */
export function secureIpv4PortEphemeral(k: Kernel, saddr: number, daddr: number, dport: number): number {
  const s = tcpSecrets(k);
  const lo = halfSipHash(s.portK0, s.portK1, 3, saddr, daddr, dport);
  const hi = halfSipHash(s.portK2, s.portK3, 3, saddr, daddr, dport) & 0x1fffff;
  return hi * 4294967296 + lo;
}
