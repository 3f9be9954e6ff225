/**
 * Helpers shared by nc.ts (options, UDP) and nc_tcp.ts (TCP): address and port parsing
 * as netcat-openbsd's getaddrinfo()/strtonum() calls accept them, and the exit unwinding.
 */

export function parseIp(s: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  const b = m.slice(1).map(Number);
  if (b.some((x) => x > 255)) return null;
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}

export function ipStr(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}`;
}

/** nc's strtonum(port, 1, PORT_MAX): a number or null. */
export function parsePort(s: string): number | null {
  if (!/^\d+$/.test(s)) return null;
  const n = Number(s);
  return n >= 1 && n <= 65535 ? n : null;
}

export class NcExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}
