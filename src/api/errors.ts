/**
 * Node-shaped errors that do not need Node (no Linux counterpart: Node's
 * lib/internal/errors.js, re-spelled): the programmer errors with Node's `code`s and
 * exact wording (`ERR_INVALID_ARG_TYPE`, `ERR_SOCKET_BAD_PORT` ...), whose
 * `toString()` and stack start `TypeError [ERR_X]: ...` as Node's do, and the
 * resolver's `getaddrinfo ENOTFOUND name`. Browser-safe: the web-streams sockets
 * (api/streams.ts) and the Kernel use them, and the Node adapters re-export them from
 * node/errors.ts beside libuv's system errors. Values are shown the way util.inspect
 * shows them (`inspectValue`), for primitives exactly.
 */

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
    return inspectValue(value, -1);
  }
  // Node 20.20 cuts a long string before quoting it: 'aaaaaaaaaaaaaaaaaaaaaaaaa...'.
  const shown = typeof value === 'string' && value.length > 28 ? `${value.slice(0, 25)}...` : value;
  const inspected = inspectValue(shown);
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
  let inspected = inspectValue(value);
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
    received = inspectValue(input);
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

/** Node: util.inspect's quoting of a string (single quotes unless the text has some). */
function quoteString(s: string): string {
  const q = !s.includes("'") ? "'" : !s.includes('"') ? '"' : !s.includes('`') && !s.includes('${') ? '`' : "'";
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === q || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\v') out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).toUpperCase().padStart(2, '0')}`;
    else out += ch;
  }
  return q + out + q;
}

/**
 * A value as util.inspect shows it on one line: primitives exactly (`'text'`, `-0`,
 * `5n`, `Symbol(x)`), functions as `[Function: f]`, arrays and objects to `depth`
 * levels (`{ port: 'x' }`, `[Object]` below that). Enough for error messages.
 */
export function inspectValue(v: unknown, depth = 2): string {
  if (typeof v === 'string') return quoteString(v);
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'symbol') return v.toString();
  if (typeof v === 'function') return v.name ? `[Function: ${v.name}]` : '[Function (anonymous)]';
  if (v === null || typeof v !== 'object') return String(v);
  const proto = Object.getPrototypeOf(v) as { constructor?: { name?: string } } | null;
  const isArray = Array.isArray(v);
  const prefix = proto === null ? '[Object: null prototype] ' :
    isArray || proto === Object.prototype ? '' : `${proto.constructor?.name ?? 'Object'} `;
  if (depth < 0) return proto === null ? '[Object: null prototype] {}' : `[${isArray ? 'Array' : proto.constructor?.name ?? 'Object'}]`;
  const items = isArray ? (v as unknown[]).map((x) => inspectValue(x, depth - 1)) :
    Object.keys(v).map((k) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : quoteString(k)}: ${inspectValue((v as Record<string, unknown>)[k], depth - 1)}`);
  if (isArray) return items.length ? `[ ${items.join(', ')} ]` : '[]';
  return items.length ? `${prefix}{ ${items.join(', ')} }` : `${prefix}{}`;
}

