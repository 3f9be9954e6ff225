/**
 * iperf 3.12's wire protocol (esnet/iperf src/iperf_api.h, iperf_api.c, iperf_tcp.c,
 * iperf_udp.c), as observed on the wire between two real iperf3 processes:
 *
 *   control (TCP, port 5201): client sends the 37-byte cookie (36 chars of
 *   [a-z2-7] + NUL); the server answers with single state bytes, the client sends
 *   JSON messages each preceded by a 4-byte big-endian length:
 *     S->C PARAM_EXCHANGE(9)   C->S {"tcp":true,"omit":0,"time":10,...,"client_version":"3.12"}
 *     S->C CREATE_STREAMS(10)  C opens each data stream (TCP: connect + the cookie;
 *                              UDP: a 4-byte 0x36373839 host-order datagram, answered by 0x39383736)
 *     S->C TEST_START(1), TEST_RUNNING(2)   data flows
 *     C->S TEST_END(4)         S->C EXCHANGE_RESULTS(13)
 *     C->S results JSON        S->C results JSON
 *     S->C DISPLAY_RESULTS(14) C->S IPERF_DONE(16)
 *   Errors: SERVER_TERMINATE(11), CLIENT_TERMINATE(12), ACCESS_DENIED(-1), SERVER_ERROR(-2)
 *   (signed char on the wire).
 *   UDP datagrams start with the sender's gettimeofday() (sec, usec: 32-bit big endian)
 *   and a 32-bit big-endian packet counter (64-bit with --udp-counters-64bit).
 */
import type { Task } from '../../socket/task.js';
import { writeAll, readExact } from './io.js';
import { jsonPrintCompact, type JsonValue } from './format.js';

export const TEST_START = 1;
export const TEST_RUNNING = 2;
export const TEST_END = 4;
export const PARAM_EXCHANGE = 9;
export const CREATE_STREAMS = 10;
export const SERVER_TERMINATE = 11;
export const CLIENT_TERMINATE = 12;
export const EXCHANGE_RESULTS = 13;
export const DISPLAY_RESULTS = 14;
export const IPERF_DONE = 16;
export const ACCESS_DENIED = -1;
export const SERVER_ERROR = -2;

export const COOKIE_SIZE = 37;
export const PORT = 5201;
export const DEFAULT_TCP_BLKSIZE = 128 * 1024;
export const DEFAULT_UDP_BLKSIZE = 1460;
export const DEFAULT_UDP_RATE = 1024 * 1024;
export const MAX_UDP_BLOCKSIZE = 65507;
export const UDP_CONNECT_MSG = 0x36373839;
export const UDP_CONNECT_REPLY = 0x39383736;
export const VERSION = '3.12';

/** A small deterministic generator (xorshift32) for cookies and payloads. */
export class Prng {
  private s: number;
  constructor(seed: number) {
    this.s = (seed >>> 0) || 0x9e3779b9;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
}

/** iperf: make_cookie(): 36 characters of [a-z2-7] and a NUL. */
export function makeCookie(rng: Prng): Uint8Array {
  const chars = 'abcdefghijklmnopqrstuvwxyz234567';
  const c = new Uint8Array(COOKIE_SIZE);
  for (let i = 0; i < COOKIE_SIZE - 1; i++) c[i] = chars.charCodeAt(rng.next() % 32);
  return c;
}

export function cookieString(c: Uint8Array): string {
  const end = c.indexOf(0);
  return new TextDecoder().decode(c.subarray(0, end < 0 ? c.length : end));
}

/** One state byte on the control connection. */
export async function sendState(task: Task, fd: number, state: number): Promise<void> {
  await writeAll(task, fd, Uint8Array.of(state & 0xff));
}

/** The next state byte (as a signed char), or null at end of stream. */
export async function readState(task: Task, fd: number): Promise<number | null> {
  const b = await readExact(task, fd, 1);
  if (!b) return null;
  return (b[0]! << 24) >> 24;
}

/** iperf: JSON_write(): 4-byte big-endian length + the unformatted JSON text. */
export async function jsonWrite(task: Task, fd: number, v: JsonValue): Promise<void> {
  const text = new TextEncoder().encode(jsonPrintCompact(v));
  const msg = new Uint8Array(4 + text.length);
  new DataView(msg.buffer).setUint32(0, text.length);
  msg.set(text, 4);
  await writeAll(task, fd, msg);
}

/** iperf: JSON_read(). null when the stream ends or the text is not JSON. */
export async function jsonRead(task: Task, fd: number): Promise<Record<string, unknown> | null> {
  const h = await readExact(task, fd, 4);
  if (!h) return null;
  const n = new DataView(h.buffer).getUint32(0);
  if (n > 1 << 24) return null;
  const body = await readExact(task, fd, n);
  if (!body) return null;
  try {
    return JSON.parse(new TextDecoder().decode(body)) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** A JSON number from the peer; iperf's (uint64) -1 reads back as -1. */
export function jnum(v: unknown): number {
  if (typeof v !== 'number') return 0;
  return v >= 2 ** 63 ? -1 : v;
}
