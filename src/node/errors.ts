/**
 * Node-shaped errors for the Node adapters (no Linux counterpart: this is Node's
 * lib/internal/errors.js, re-spelled). Two families:
 *
 * - System errors from the tuxnet syscall layer, dressed as Node dresses libuv's:
 *   `errnoException` (`read ECONNRESET`), `exceptionWithHostPort` (`connect
 *   ECONNREFUSED 10.0.0.2:80`, used by node:net for connect and bind),
 *   `uvExceptionWithHostPort` (`listen EADDRINUSE: address already in use
 *   10.0.0.1:80`, used by node:net for listen). `errno` is negative as Node reports
 *   it; the names and texts are libuv's on Linux (uv_err_name/uv_strerror), taken from
 *   a fixed table so the result does not depend on the host (tuxnet errnos are Linux
 *   numbers everywhere).
 * - Programmer errors with Node's `code`s and exact wording (`ERR_INVALID_ARG_TYPE`,
 *   `ERR_SOCKET_BAD_PORT` ...) and `dnsException`: browser-safe, in api/errors.ts
 *   (the web-streams sockets use them too), re-exported here.
 */
import { SystemError } from '../socket/errno.js';
import type { NodeError, NodeSystemError } from '../api/errors.js';

export * from '../api/errors.js';

/** libuv's name and message per Linux errno (uv_err_name / uv_strerror on Linux). */
const UV_ERRORS: Record<number, [string, string]> = {
  1: ['EPERM', 'operation not permitted'],
  2: ['ENOENT', 'no such file or directory'],
  4: ['EINTR', 'interrupted system call'],
  5: ['EIO', 'i/o error'],
  6: ['ENXIO', 'no such device or address'],
  9: ['EBADF', 'bad file descriptor'],
  11: ['EAGAIN', 'resource temporarily unavailable'],
  12: ['ENOMEM', 'not enough memory'],
  13: ['EACCES', 'permission denied'],
  14: ['EFAULT', 'bad address in system call argument'],
  16: ['EBUSY', 'resource busy or locked'],
  17: ['EEXIST', 'file already exists'],
  19: ['ENODEV', 'no such device'],
  20: ['ENOTDIR', 'not a directory'],
  21: ['EISDIR', 'illegal operation on a directory'],
  22: ['EINVAL', 'invalid argument'],
  23: ['ENFILE', 'file table overflow'],
  24: ['EMFILE', 'too many open files'],
  28: ['ENOSPC', 'no space left on device'],
  32: ['EPIPE', 'broken pipe'],
  34: ['ERANGE', 'result too large'],
  38: ['ENOSYS', 'function not implemented'],
  71: ['EPROTO', 'protocol error'],
  88: ['ENOTSOCK', 'socket operation on non-socket'],
  89: ['EDESTADDRREQ', 'destination address required'],
  90: ['EMSGSIZE', 'message too long'],
  91: ['EPROTOTYPE', 'protocol wrong type for socket'],
  92: ['ENOPROTOOPT', 'protocol not available'],
  93: ['EPROTONOSUPPORT', 'protocol not supported'],
  94: ['ESOCKTNOSUPPORT', 'socket type not supported'],
  95: ['ENOTSUP', 'operation not supported on socket'],
  97: ['EAFNOSUPPORT', 'address family not supported'],
  98: ['EADDRINUSE', 'address already in use'],
  99: ['EADDRNOTAVAIL', 'address not available'],
  100: ['ENETDOWN', 'network is down'],
  101: ['ENETUNREACH', 'network is unreachable'],
  103: ['ECONNABORTED', 'software caused connection abort'],
  104: ['ECONNRESET', 'connection reset by peer'],
  105: ['ENOBUFS', 'no buffer space available'],
  106: ['EISCONN', 'socket is already connected'],
  107: ['ENOTCONN', 'socket is not connected'],
  108: ['ESHUTDOWN', 'cannot send after transport endpoint shutdown'],
  110: ['ETIMEDOUT', 'connection timed out'],
  111: ['ECONNREFUSED', 'connection refused'],
  112: ['EHOSTDOWN', 'host is down'],
  113: ['EHOSTUNREACH', 'host is unreachable'],
  114: ['EALREADY', 'connection already in progress'],
  125: ['ECANCELED', 'operation canceled'],
};

/** Negative errno (Node's convention) from a tuxnet SystemError or an errno of either sign. */
function errnoOf(err: SystemError | number): number {
  return typeof err === 'number' ? -Math.abs(err) : -Math.abs(err.errno);
}

/** Node: util.getSystemErrorName() for a Linux errno (either sign). */
export function systemErrorName(err: number): string {
  return UV_ERRORS[Math.abs(err)]?.[0] ?? `Unknown system error ${-Math.abs(err)}`;
}

/** Node: the libuv message for a Linux errno (either sign). */
export function systemErrorMessage(err: number): string {
  return UV_ERRORS[Math.abs(err)]?.[1] ?? `Unknown system error ${-Math.abs(err)}`;
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
