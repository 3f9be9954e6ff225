/**
 * Node-shaped errors for the Node adapters (no Linux counterpart: this is Node's
 * lib/internal/errors.js, re-spelled). Two families:
 *
 * - System errors from the tuxnet syscall layer, dressed as Node dresses libuv's:
 *   `errnoException` (`read ECONNRESET`), `exceptionWithHostPort` (`connect
 *   ECONNREFUSED 10.0.0.2:80`, used by node:net for connect and bind),
 *   `uvExceptionWithHostPort` (`listen EADDRINUSE: address already in use
 *   10.0.0.1:80`, used by node:net for listen). `errno` is negative as Node reports
 *   it; the names and texts are libuv's on Linux (uv_err_name/uv_strerror): the name
 *   from the kernel's errno table (tuxnet errnos are Linux numbers on every host),
 *   the message from Node's util.getSystemErrorMap() by that name.
 * - Programmer errors with Node's `code`s and exact wording (`ERR_INVALID_ARG_TYPE`,
 *   `ERR_SOCKET_BAD_PORT` ...) and `dnsException`: browser-safe, in api/errors.ts
 *   (the web-streams sockets use them too), re-exported here.
 */
import { getSystemErrorMap } from 'node:util';
import { SystemError, errnoName } from '../socket/errno.js';
import type { NodeError, NodeSystemError } from '../api/errors.js';

export * from '../api/errors.js';

/**
 * libuv's name where it differs from the kernel's for the same Linux errno:
 * uv_err_name() says ENOTSUP for 95 (Linux's EOPNOTSUPP, the same number), and
 * ECANCELED (125), which the tuxnet kernel never returns and has no name for.
 */
const UV_NAME: Record<number, string> = { 95: 'ENOTSUP', 125: 'ECANCELED' };

/** libuv's message per error name (uv_strerror), from Node's own table; built on first use. */
let uvMessages: Map<string, string> | null = null;
function uvMessage(name: string): string | undefined {
  uvMessages ??= new Map([...getSystemErrorMap().values()].map(([n, m]): [string, string] => [n, m]));
  return uvMessages.get(name);
}

/**
 * Negative errno (Node's convention) of a thrown tuxnet SystemError or of an errno of
 * either sign; anything else is rethrown (a bug, not a syscall failure).
 */
export function errnoOf(err: unknown): number {
  if (err instanceof SystemError) return -Math.abs(err.errno);
  if (typeof err === 'number') return -Math.abs(err);
  throw err;
}

/**
 * Node: util.getSystemErrorName() for a Linux errno (either sign). The name is the
 * kernel's (socket/errno.ts, Linux numbers on every host) as libuv spells it, the
 * known set and the messages Node's own (util.getSystemErrorMap(), libuv's table).
 */
export function systemErrorName(err: number): string {
  const e = Math.abs(err);
  const name = UV_NAME[e] ?? errnoName(e);
  return uvMessage(name) !== undefined ? name : `Unknown system error ${-e}`;
}

/** Node: the libuv message for a Linux errno (either sign). */
export function systemErrorMessage(err: number): string {
  const name = systemErrorName(err);
  return uvMessage(name) ?? name;
}

function hostPortDetails(address: string | undefined, port: number | undefined): string {
  if (port && port > 0) return ` ${address}:${port}`;
  if (address) return ` ${address}`;
  return '';
}

/**
 * Node: errnoException(err, syscall, original): message `${syscall} ${code}` (plus
 * ` ${original}`), properties errno, code, syscall (read/write/shutdown errors).
 */
export function errnoException(err: SystemError | number, syscall: string, original?: string): NodeSystemError {
  const errno = errnoOf(err);
  const code = systemErrorName(errno);
  const ex = new Error(original ? `${syscall} ${code} ${original}` : `${syscall} ${code}`) as NodeSystemError;
  ex.errno = errno;
  ex.code = code;
  ex.syscall = syscall;
  Error.captureStackTrace?.(ex, errnoException);
  return ex;
}

/**
 * Node: exceptionWithHostPort(err, syscall, address, port, additional): message
 * `connect ECONNREFUSED 10.0.0.2:80` (plus ` - Local (addr:port)`), properties in
 * Node's order errno, code, syscall, address, port. node:net uses it for connect and bind.
 */
export function exceptionWithHostPort(
  err: SystemError | number, syscall: string, address?: string, port?: number, additional?: string,
): NodeSystemError {
  const errno = errnoOf(err);
  const code = systemErrorName(errno);
  let details = hostPortDetails(address, port);
  if (additional) details += ` - Local (${additional})`;
  const ex = new Error(`${syscall} ${code}${details}`) as NodeSystemError;
  ex.errno = errno;
  ex.code = code;
  ex.syscall = syscall;
  ex.address = address;
  if (port) ex.port = port;
  Error.captureStackTrace?.(ex, exceptionWithHostPort);
  return ex;
}

/**
 * Node: uvExceptionWithHostPort(err, syscall, address, port): message
 * `listen EADDRINUSE: address already in use 10.0.0.1:80`, properties in Node's
 * order code, errno, syscall, address, port. node:net uses it for listen (and the
 * bind a listen does).
 */
export function uvExceptionWithHostPort(err: SystemError | number, syscall: string, address?: string, port?: number): NodeSystemError {
  const errno = errnoOf(err);
  const ex = new Error(`${syscall} ${systemErrorName(errno)}: ${systemErrorMessage(errno)}${hostPortDetails(address, port)}`) as NodeSystemError;
  ex.code = systemErrorName(errno);
  ex.errno = errno;
  ex.syscall = syscall;
  ex.address = address;
  if (port) ex.port = port;
  Error.captureStackTrace?.(ex, uvExceptionWithHostPort);
  return ex;
}

/** The shapes of Node's net errors in one call, as the brief names it (picks by syscall). */
export function netErrnoException(
  err: SystemError | number, syscall: string, where: { address?: string; port?: number } = {},
): NodeSystemError {
  if (syscall === 'listen') return uvExceptionWithHostPort(err, syscall, where.address, where.port);
  if (where.address !== undefined || where.port !== undefined) return exceptionWithHostPort(err, syscall, where.address, where.port);
  return errnoException(err, syscall);
}

/**
 * Node: ERR_SOCKET_BUFFER_SIZE (a SystemError; dgram's buffer sizes): `Could not get or
 * set buffer size: uv_recv_buffer_size returned EBADF (bad file descriptor)`, with
 * `code`, `info` {errno, code, message, syscall} and `errno`/`syscall` read from info.
 */
export function ERR_SOCKET_BUFFER_SIZE(err: SystemError | number, syscall: string): NodeError {
  const errno = errnoOf(err);
  const info = { errno, code: systemErrorName(errno), message: systemErrorMessage(errno), syscall };
  const ex = new Error(`Could not get or set buffer size: ${syscall} returned ${info.code} (${info.message})`) as NodeError;
  ex.code = 'ERR_SOCKET_BUFFER_SIZE';
  Object.defineProperty(ex, 'name', { value: 'SystemError', enumerable: false, writable: true, configurable: true });
  Object.defineProperties(ex, {
    info: { value: info, enumerable: true, configurable: true, writable: false },
    errno: { get: () => info.errno, set: (v: number) => { info.errno = v; }, enumerable: true, configurable: true },
    syscall: { get: () => info.syscall, set: (v: string) => { info.syscall = v; }, enumerable: true, configurable: true },
  });
  Object.defineProperty(ex, 'toString', {
    value: function (this: NodeError): string {
      return `${this.name} [${this.code}]: ${this.message}`;
    },
    enumerable: false, writable: true, configurable: true,
  });
  Error.captureStackTrace?.(ex, ERR_SOCKET_BUFFER_SIZE);
  if (typeof ex.stack === 'string') ex.stack = ex.stack.replace(/^[^:]*: /, 'SystemError [ERR_SOCKET_BUFFER_SIZE]: ');
  return ex;
}
