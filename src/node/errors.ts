/**
 * Node-shaped errors for the Node adapters (no Linux counterpart: this is Node's
 * lib/internal/errors.js, re-spelled). Two families:
 *
 * - System errors from the tuxnet syscall layer, dressed as Node dresses libuv's:
 *   `errnoException` (`read ECONNRESET`), `exceptionWithHostPort` (`connect
 *   ECONNREFUSED 10.0.0.2:80`, used by node:net for connect and bind),
 *   `uvExceptionWithHostPort` (`listen EADDRINUSE: address already in use
 *   10.0.0.1:80`, used by node:net for listen), `dnsException` (`getaddrinfo
 *   ENOTFOUND name`). `errno` is negative as Node reports it; the names and texts
 *   are libuv's on Linux (uv_err_name/uv_strerror), taken from a fixed table so the
 *   result does not depend on the host (tuxnet errnos are Linux numbers everywhere).
 * - Programmer errors with Node's `code`s and exact wording (`ERR_INVALID_ARG_TYPE`,
 *   `ERR_SOCKET_BAD_PORT` ...): instances of TypeError/RangeError/Error whose
 *   `toString()` and stack start `TypeError [ERR_X]: ...` as Node's do.
 *
 * Node only (imports node:util).
 */
import { inspect } from 'node:util';
import { SystemError } from '../socket/errno.js';

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

/** libuv's UV_EAI_NONAME, the errno Node reports with ENOTFOUND. */
export const UV_EAI_NONAME = -3008;

/** A Node-style system error (the plain Error Node builds, with its extra properties). */
export interface NodeSystemError extends Error {
  errno: number;
  code: string;
  syscall: string;
  address?: string;
  port?: number;
  hostname?: string;
  localAddress?: string;
  localPort?: number;
}

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
 * Node: dnsException(code, syscall, hostname): `getaddrinfo ENOTFOUND name`, errno
 * -3008 (UV_EAI_NONAME), code, syscall, hostname. tuxnet has no resolver: every name
 * but localhost gets this.
 */
export function dnsException(hostname: string, syscall = 'getaddrinfo'): NodeSystemError {
  const ex = new Error(`${syscall} ENOTFOUND${hostname ? ` ${hostname}` : ''}`) as NodeSystemError;
  ex.errno = UV_EAI_NONAME;
  ex.code = 'ENOTFOUND';
  ex.syscall = syscall;
  if (hostname) ex.hostname = hostname;
  Error.captureStackTrace?.(ex, dnsException);
  return ex;
}

/* ------------------------------------------------------------------ */
/* ERR_* errors                                                        */

/** An error with Node's `code` (Node: the NodeError classes of internal/errors.js). */
export interface NodeError extends Error {
  code: string;
}

type ErrorBase = ErrorConstructor | TypeErrorConstructor | RangeErrorConstructor;

const classes = new Map<ErrorBase, new (message: string, code: string) => NodeError>();

function nodeErrorClass(Base: ErrorBase): new (message: string, code: string) => NodeError {
  let C = classes.get(Base);
  if (!C) {
    const B = Base as ErrorConstructor;
    C = class NodeError extends B {
      code: string;
      constructor(message: string, code: string) {
        super(message);
        this.code = code;
        // Node's stack and toString() name the code: "TypeError [ERR_X]: message".
        const stack = this.stack;
        if (typeof stack === 'string') {
          const head = `${B.name}: ${message}`;
          this.stack = stack.startsWith(head) ? `${B.name} [${code}]: ${message}${stack.slice(head.length)}` : stack;
        }
      }
      override toString(): string {
        return `${this.name} [${this.code}]: ${this.message}`;
      }
    };
    Object.defineProperty(C.prototype, 'name', { value: B.name, writable: true, configurable: true, enumerable: false });
    classes.set(Base, C);
  }
  return C;
}

/** A Node ERR_* error of the given class with Node's message (for codes without a helper here). */
export function nodeError(Base: ErrorBase, code: string, message: string): NodeError {
  const C = nodeErrorClass(Base);
  return new C(message, code);
}

/** Node: determineSpecificType(): "type number (5)", "an instance of Foo", "null" ... */
export function determineSpecificType(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'function') return `function ${value.name}`;
  if (typeof value === 'object') {
    const name = (value as { constructor?: { name?: string } }).constructor?.name;
    if (name) return `an instance of ${name}`;
    return inspect(value, { depth: -1 });
  }
  // Node 20.20 cuts a long string before quoting it: 'aaaaaaaaaaaaaaaaaaaaaaaaa...'.
  const shown = typeof value === 'string' && value.length > 28 ? `${value.slice(0, 25)}...` : value;
  const inspected = inspect(shown, { colors: false });
  return `type ${typeof value} (${inspected})`;
}

const K_TYPES = ['string', 'function', 'number', 'object', 'Function', 'Object', 'boolean', 'bigint', 'symbol'];
const CLASS_RE = /^([A-Z][a-z0-9]*)+$/;

/**
 * Node: ERR_INVALID_ARG_TYPE (TypeError): `The "port" argument must be of type
 * number. Received type string ('x')`. `expected` as Node's: lowercase primitive
 * names, capitalised class names, or other words.
 */
export function ERR_INVALID_ARG_TYPE(name: string, expected: string | string[], actual: unknown): NodeError {
  const exp = Array.isArray(expected) ? expected : [expected];
  let msg = 'The ';
  if (name.endsWith(' argument')) msg += `${name} `;
  else msg += `"${name}" ${name.includes('.') ? 'property' : 'argument'} `;
  msg += 'must be ';
  const types: string[] = [];
  const instances: string[] = [];
  const other: string[] = [];
  for (const v of exp) {
    if (K_TYPES.includes(v)) types.push(v.toLowerCase());
    else if (CLASS_RE.test(v)) instances.push(v);
    else other.push(v);
  }
  if (instances.length > 0) {
    const pos = types.indexOf('object');
    if (pos !== -1) {
      types.splice(pos, 1);
      instances.push('Object');
    }
  }
  if (types.length > 0) {
    if (types.length > 2) {
      const last = types.pop();
      msg += `one of type ${types.join(', ')}, or ${last}`;
    } else if (types.length === 2) {
      msg += `one of type ${types[0]} or ${types[1]}`;
    } else {
      msg += `of type ${types[0]}`;
    }
    if (instances.length > 0 || other.length > 0) msg += ' or ';
  }
  if (instances.length > 0) {
    if (instances.length > 2) {
      const last = instances.pop();
      msg += `an instance of ${instances.join(', ')}, or ${last}`;
    } else {
      msg += `an instance of ${instances[0]}`;
      if (instances.length === 2) msg += ` or ${instances[1]}`;
    }
    if (other.length > 0) msg += ' or ';
  }
  if (other.length > 0) {
    if (other.length > 2) {
      const last = other.pop();
      msg += `one of ${other.join(', ')}, or ${last}`;
    } else if (other.length === 2) {
      msg += `one of ${other[0]} or ${other[1]}`;
    } else {
      if (other[0]!.toLowerCase() !== other[0]) msg += 'an ';
      msg += other[0];
    }
  }
  msg += `. Received ${determineSpecificType(actual)}`;
  return nodeError(TypeError, 'ERR_INVALID_ARG_TYPE', msg);
}

/** Node: ERR_INVALID_ARG_VALUE (TypeError): `The argument 'x' is invalid. Received 5`. */
export function ERR_INVALID_ARG_VALUE(name: string, value: unknown, reason = 'is invalid'): NodeError {
  let inspected = inspect(value);
  if (inspected.length > 128) inspected = `${inspected.slice(0, 128)}...`;
  const type = name.includes('.') ? 'property' : 'argument';
  return nodeError(TypeError, 'ERR_INVALID_ARG_VALUE', `The ${type} '${name}' ${reason}. Received ${inspected}`);
}

/** Node: ERR_SOCKET_BAD_PORT (RangeError): `Port should be >= 0 and < 65536. Received type number (-1).` */
export function ERR_SOCKET_BAD_PORT(name: string, port: unknown, allowZero = true): NodeError {
  const operator = allowZero ? '>=' : '>';
  return nodeError(RangeError, 'ERR_SOCKET_BAD_PORT',
    `${name} should be ${operator} 0 and < 65536. Received ${determineSpecificType(port)}.`);
}

function addNumericalSeparator(val: string): string {
  let res = '';
  let i = val.length;
  const start = val[0] === '-' ? 1 : 0;
  for (; i >= start + 4; i -= 3) res = `_${val.slice(i - 3, i)}${res}`;
  return `${val.slice(0, i)}${res}`;
}

/** Node: ERR_OUT_OF_RANGE (RangeError): `The value of "msecs" is out of range. It must be ... Received -1`. */
export function ERR_OUT_OF_RANGE(str: string, range: string, input: unknown): NodeError {
  let received: string;
  if (Number.isInteger(input) && Math.abs(input as number) > 2 ** 32) {
    received = addNumericalSeparator(String(input));
  } else if (typeof input === 'bigint') {
    received = String(input);
    if (input > 2n ** 32n || input < -(2n ** 32n)) received = addNumericalSeparator(received);
    received += 'n';
  } else {
    received = inspect(input);
  }
  return nodeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "${str}" is out of range. It must be ${range}. Received ${received}`);
}

/** Node: ERR_MISSING_ARGS (TypeError): `The "options" or "port" or "path" argument must be specified`. */
export function ERR_MISSING_ARGS(...args: (string | string[])[]): NodeError {
  const wrap = (a: string): string => `"${a}"`;
  const names = args.map((a) => (Array.isArray(a) ? a.map(wrap).join(' or ') : wrap(a)));
  let msg = 'The ';
  if (names.length === 1) msg += `${names[0]} argument`;
  else if (names.length === 2) msg += `${names[0]} and ${names[1]} arguments`;
  else msg += `${names.slice(0, -1).join(', ')}, and ${names[names.length - 1]} arguments`;
  return nodeError(TypeError, 'ERR_MISSING_ARGS', `${msg} must be specified`);
}

/** Node: ERR_SERVER_ALREADY_LISTEN (Error). */
export function ERR_SERVER_ALREADY_LISTEN(): NodeError {
  return nodeError(Error, 'ERR_SERVER_ALREADY_LISTEN', 'Listen method has been called more than once without closing.');
}

/** Node: ERR_SERVER_NOT_RUNNING (Error). */
export function ERR_SERVER_NOT_RUNNING(): NodeError {
  return nodeError(Error, 'ERR_SERVER_NOT_RUNNING', 'Server is not running.');
}

/** Node: ERR_SOCKET_CLOSED (Error). */
export function ERR_SOCKET_CLOSED(): NodeError {
  return nodeError(Error, 'ERR_SOCKET_CLOSED', 'Socket is closed');
}

/** Node: ERR_SOCKET_CLOSED_BEFORE_CONNECTION (Error). */
export function ERR_SOCKET_CLOSED_BEFORE_CONNECTION(): NodeError {
  return nodeError(Error, 'ERR_SOCKET_CLOSED_BEFORE_CONNECTION', 'Socket closed before the connection was established');
}

/** Node: ERR_SOCKET_CONNECTION_TIMEOUT (Error). */
export function ERR_SOCKET_CONNECTION_TIMEOUT(): NodeError {
  return nodeError(Error, 'ERR_SOCKET_CONNECTION_TIMEOUT', 'Socket connection timeout');
}

/** Node: ERR_INVALID_IP_ADDRESS (TypeError). */
export function ERR_INVALID_IP_ADDRESS(address: string): NodeError {
  return nodeError(TypeError, 'ERR_INVALID_IP_ADDRESS', `Invalid IP address: ${address}`);
}

/** Node: ERR_INVALID_ADDRESS_FAMILY (RangeError): `Invalid address family: IPv7 host:port`. */
export function ERR_INVALID_ADDRESS_FAMILY(family: unknown, host: string, port: unknown): NodeError {
  return nodeError(RangeError, 'ERR_INVALID_ADDRESS_FAMILY', `Invalid address family: ${String(family)} ${host}:${String(port)}`);
}

/** Node: ERR_INVALID_FD_TYPE (TypeError). */
export function ERR_INVALID_FD_TYPE(type: string): NodeError {
  return nodeError(TypeError, 'ERR_INVALID_FD_TYPE', `Unsupported fd type: ${type}`);
}

/** Node: ERR_SOCKET_ALREADY_BOUND (Error; dgram). */
export function ERR_SOCKET_ALREADY_BOUND(): NodeError {
  return nodeError(Error, 'ERR_SOCKET_ALREADY_BOUND', 'Socket is already bound');
}

/** Node: ERR_SOCKET_DGRAM_NOT_RUNNING (Error; dgram). */
export function ERR_SOCKET_DGRAM_NOT_RUNNING(): NodeError {
  return nodeError(Error, 'ERR_SOCKET_DGRAM_NOT_RUNNING', 'Not running');
}

/** Node: ERR_SOCKET_DGRAM_IS_CONNECTED (Error; dgram). */
export function ERR_SOCKET_DGRAM_IS_CONNECTED(): NodeError {
  return nodeError(Error, 'ERR_SOCKET_DGRAM_IS_CONNECTED', 'Already connected');
}

/** Node: ERR_SOCKET_DGRAM_NOT_CONNECTED (Error; dgram). */
export function ERR_SOCKET_DGRAM_NOT_CONNECTED(): NodeError {
  return nodeError(Error, 'ERR_SOCKET_DGRAM_NOT_CONNECTED', 'Not connected');
}

/** Node: ERR_SOCKET_BAD_TYPE (TypeError; dgram). */
export function ERR_SOCKET_BAD_TYPE(): NodeError {
  return nodeError(TypeError, 'ERR_SOCKET_BAD_TYPE', 'Bad socket type specified. Valid types are: udp4, udp6');
}

/** Node: ERR_SOCKET_BAD_BUFFER_SIZE (TypeError; dgram). */
export function ERR_SOCKET_BAD_BUFFER_SIZE(): NodeError {
  return nodeError(TypeError, 'ERR_SOCKET_BAD_BUFFER_SIZE', 'Buffer size must be a positive integer');
}

/** Node: ERR_BUFFER_OUT_OF_BOUNDS (RangeError). */
export function ERR_BUFFER_OUT_OF_BOUNDS(name?: string): NodeError {
  return nodeError(RangeError, 'ERR_BUFFER_OUT_OF_BOUNDS',
    name ? `"${name}" is outside of buffer bounds` : 'Attempt to access memory outside buffer bounds');
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
