/**
 * node:dgram's argument handling for src/node/dgram.ts (no Linux counterpart: Node's
 * lib/dgram.js helpers sliceBuffer/fixBufferList and the validators it uses, with
 * Node 20's error wording): what a send() takes becomes the bytes of one datagram,
 * numbers are converted the way Node's C++ layer converts them, and the namespace's
 * resolver is called the way dgram calls dns.lookup.
 */
import { Buffer } from 'node:buffer';
import { lookup as namespaceLookup } from './net_addr.js';
import {
  ERR_INVALID_ARG_TYPE, ERR_BUFFER_OUT_OF_BOUNDS, type NodeSystemError,
} from './errors.js';
import { validateNumber, validateString, validateUint32 } from './validators.js';

export { validateNumber, validateString, validateUint32 };

/** What V8's Int32 conversion does to a number argument (Node's C++ `Int32Value`). */
export function toInt32(v: number): number {
  return v | 0;
}

/** Node's message for a method called on a closed socket whose handle is gone. */
export function nullHandle(method: string): TypeError {
  return new TypeError(`Cannot read properties of null (reading '${method}')`);
}

export function isView(v: unknown): v is NodeJS.ArrayBufferView {
  return ArrayBuffer.isView(v);
}

/** Node: sliceBuffer(): the [offset, offset+length) bytes of a string or view. */
export function sliceBuffer(buffer: unknown, offset: unknown, length: unknown): Buffer {
  let b: NodeJS.ArrayBufferView;
  if (typeof buffer === 'string') b = Buffer.from(buffer);
  else if (isView(buffer)) b = buffer;
  else throw ERR_INVALID_ARG_TYPE('buffer', ['Buffer', 'TypedArray', 'DataView', 'string'], buffer);
  const off = Number(offset) >>> 0;
  const len = Number(length) >>> 0;
  if (off > b.byteLength) throw ERR_BUFFER_OUT_OF_BOUNDS('offset');
  if (off + len > b.byteLength) throw ERR_BUFFER_OUT_OF_BOUNDS('length');
  return Buffer.from(b.buffer, b.byteOffset + off, len);
}

/** Node: fixBufferList(): every element as bytes, or null when one is neither string nor view. */
export function fixBufferList(list: readonly unknown[]): Uint8Array[] | null {
  const out: Uint8Array[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const b = list[i];
    if (typeof b === 'string') out[i] = Buffer.from(b);
    else if (!isView(b)) return null;
    else out[i] = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  }
  return out;
}

/** The bytes of one datagram (sendmsg's iovec gathered). */
export function gather(list: readonly NodeJS.ArrayBufferView[]): Uint8Array {
  if (list.length === 1) {
    const b = list[0]!;
    return b instanceof Uint8Array ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  }
  let n = 0;
  for (const b of list) n += b.byteLength;
  const out = new Uint8Array(n);
  let off = 0;
  for (const b of list) {
    out.set(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), off);
    off += b.byteLength;
  }
  return out;
}

/** The namespace's resolver as dgram calls dns.lookup (which checks the name's type first). */
export function defaultLookup(hostname: string, family: number, cb: (err: Error | null, address: string, family?: number) => void): void {
  if (typeof hostname !== 'string') throw ERR_INVALID_ARG_TYPE('hostname', 'string', hostname);
  namespaceLookup(hostname, family, cb as (err: NodeSystemError | null, address: string, family: number) => void);
}
