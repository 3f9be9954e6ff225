/**
 * Test helper: IPv4 packets as bytes (header with a valid checksum + zero payload).
 */
import { type IpRepr, ipReprEmit, ipReprHeaderLen, IPPROTO_UDP } from '../../src/wire/iphdr.js';

/** An IPv4 packet: 10.0.0.1 -> 10.0.0.2 UDP unless overridden, `payload` zero bytes. */
export function ipPacket(o: Partial<IpRepr> = {}, payload = 8): Uint8Array {
  const r: IpRepr = {
    tos: 0, totLen: 0, id: 1, fragOff: 0, ttl: 64, protocol: IPPROTO_UDP, saddr: 0x0a000001, daddr: 0x0a000002,
    options: new Uint8Array(0), check: 0, ...o,
  };
  const hlen = ipReprHeaderLen(r);
  if (o.totLen === undefined) r.totLen = hlen + payload;
  const b = new Uint8Array(hlen + payload);
  ipReprEmit(r, b, 0);
  return b;
}
