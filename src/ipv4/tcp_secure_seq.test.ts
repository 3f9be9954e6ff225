/**
 * RFC 6528 sequence numbers and timestamp offsets (unit): the keyed hash is HalfSipHash-2-4
 * (the reference vector for the empty message under key 00..07), ISNs of one 4-tuple grow
 * with the 64 ns clock, other tuples are unrelated, timestamp offsets depend on the
 * address pair only, and a seeded kernel repeats itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKernel } from '../index.js';
import { halfSipHash, secureTcpSeq, secureTcpTsOff, secureIpv4PortEphemeral } from './tcp_secure_seq.js';

test('tcp_secure_seq: HalfSipHash-2-4 reference vector', () => {
  // Aumasson-Bernstein reference vectors_hsip32[0]: key bytes 00..07, empty message -> a9 35 9f 5b.
  assert.equal(halfSipHash(0x03020100, 0x07060504, 0, 0, 0, 0), 0x5b9f35a9);
});

test('tcp_secure_seq: ISN = keyed hash + 64 ns clock; ts offset per 4-tuple (Linux 6.18)', async () => {
  const k = createKernel({ seed: 42 });
  const a = 0x0a000001;
  const b = 0x0a000002;
  const isn1 = secureTcpSeq(k, a, b, 40000, 80);
  await k.sleep(64_000); // 1000 ticks of 64 ns
  const isn2 = secureTcpSeq(k, a, b, 40000, 80);
  assert.equal((isn2 - isn1) >>> 0, 1000);
  assert.notEqual(secureTcpSeq(k, a, b, 40001, 80), (isn2 + 0) >>> 0);
  assert.equal(secureTcpTsOff(k, a, b, 40000, 80), secureTcpTsOff(k, a, b, 40000, 80));
  assert.notEqual(secureTcpTsOff(k, a, b, 40000, 80), secureTcpTsOff(k, b, a, 40000, 80));
  // secure_tcp_seq_and_ts_off hashes the ports too: another source port, another offset.
  assert.notEqual(secureTcpTsOff(k, a, b, 40000, 80), secureTcpTsOff(k, a, b, 40001, 80));
  assert.notEqual(secureTcpTsOff(k, a, b, 40000, 80), secureTcpTsOff(k, a, b, 40000, 81));
  const off = secureIpv4PortEphemeral(k, a, b, 80);
  assert.ok(Number.isSafeInteger(off) && off >= 0);
  const k2 = createKernel({ seed: 42 });
  await k2.sleep(64_000);
  assert.equal(secureTcpSeq(k2, a, b, 40000, 80), isn2);
  const k3 = createKernel({ seed: 43 });
  await k3.sleep(64_000);
  assert.notEqual(secureTcpSeq(k3, a, b, 40000, 80), isn2);
});
