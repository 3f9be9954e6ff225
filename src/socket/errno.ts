/**
 * Linux errno values (include/uapi/asm-generic/errno-base.h, errno.h) and their
 * strerror() texts, as glibc prints them. Kernel functions return these negated.
 */
export const EPERM = 1;
export const ENOENT = 2;
export const ESRCH = 3;
export const EINTR = 4;
export const EIO = 5;
export const ENXIO = 6;
export const E2BIG = 7;
export const EBADF = 9;
export const EAGAIN = 11;
export const EWOULDBLOCK = EAGAIN;
export const ENOMEM = 12;
export const EACCES = 13;
export const EFAULT = 14;
export const EBUSY = 16;
export const EEXIST = 17;
export const EXDEV = 18;
export const ENODEV = 19;
export const ENOTDIR = 20;
export const EISDIR = 21;
export const EINVAL = 22;
export const ENFILE = 23;
export const EMFILE = 24;
export const ENOTTY = 25;
export const ENOSPC = 28;
export const ESPIPE = 29;
export const EROFS = 30;
export const EPIPE = 32;
export const ERANGE = 34;
export const EDEADLK = 35;
export const ENAMETOOLONG = 36;
export const ENOSYS = 38;
export const ENOTEMPTY = 39;
export const ELOOP = 40;
export const ENOMSG = 42;
export const ENODATA = 61;
export const ENOLINK = 67;
export const EPROTO = 71;
export const EBADMSG = 74;
export const EOVERFLOW = 75;
export const ENOTSOCK = 88;
export const EDESTADDRREQ = 89;
export const EMSGSIZE = 90;
export const EPROTOTYPE = 91;
export const ENOPROTOOPT = 92;
export const EPROTONOSUPPORT = 93;
export const ESOCKTNOSUPPORT = 94;
export const EOPNOTSUPP = 95;
export const ENOTSUP = EOPNOTSUPP;
export const EPFNOSUPPORT = 96;
export const EAFNOSUPPORT = 97;
export const EADDRINUSE = 98;
export const EADDRNOTAVAIL = 99;
export const ENETDOWN = 100;
export const ENETUNREACH = 101;
export const ENETRESET = 102;
export const ECONNABORTED = 103;
export const ECONNRESET = 104;
export const ENOBUFS = 105;
export const EISCONN = 106;
export const ENOTCONN = 107;
export const ESHUTDOWN = 108;
export const ETIMEDOUT = 110;
export const ECONNREFUSED = 111;
export const EHOSTDOWN = 112;
export const EHOSTUNREACH = 113;
export const EALREADY = 114;
export const EINPROGRESS = 115;
export const ENOTUNIQ = 76;
export const ENONET = 64;
export const EREMOTEIO = 121;
export const EBADFD = 77;

const NAMES: Record<number, [string, string]> = {
  [EPERM]: ['EPERM', 'Operation not permitted'],
  [ENOENT]: ['ENOENT', 'No such file or directory'],
  [ESRCH]: ['ESRCH', 'No such process'],
  [EINTR]: ['EINTR', 'Interrupted system call'],
  [EIO]: ['EIO', 'Input/output error'],
  [ENXIO]: ['ENXIO', 'No such device or address'],
  [E2BIG]: ['E2BIG', 'Argument list too long'],
  [EBADF]: ['EBADF', 'Bad file descriptor'],
  [EAGAIN]: ['EAGAIN', 'Resource temporarily unavailable'],
  [ENOMEM]: ['ENOMEM', 'Cannot allocate memory'],
  [EACCES]: ['EACCES', 'Permission denied'],
  [EFAULT]: ['EFAULT', 'Bad address'],
  [EBUSY]: ['EBUSY', 'Device or resource busy'],
  [EEXIST]: ['EEXIST', 'File exists'],
  [EXDEV]: ['EXDEV', 'Invalid cross-device link'],
  [ENODEV]: ['ENODEV', 'No such device'],
  [ENOTDIR]: ['ENOTDIR', 'Not a directory'],
  [EISDIR]: ['EISDIR', 'Is a directory'],
  [EINVAL]: ['EINVAL', 'Invalid argument'],
  [ENFILE]: ['ENFILE', 'Too many open files in system'],
  [EMFILE]: ['EMFILE', 'Too many open files'],
  [ENOTTY]: ['ENOTTY', 'Inappropriate ioctl for device'],
  [ENOSPC]: ['ENOSPC', 'No space left on device'],
  [ESPIPE]: ['ESPIPE', 'Illegal seek'],
  [EROFS]: ['EROFS', 'Read-only file system'],
  [EPIPE]: ['EPIPE', 'Broken pipe'],
  [ERANGE]: ['ERANGE', 'Numerical result out of range'],
  [EDEADLK]: ['EDEADLK', 'Resource deadlock avoided'],
  [ENAMETOOLONG]: ['ENAMETOOLONG', 'File name too long'],
  [ENOSYS]: ['ENOSYS', 'Function not implemented'],
  [ENOTEMPTY]: ['ENOTEMPTY', 'Directory not empty'],
  [ELOOP]: ['ELOOP', 'Too many levels of symbolic links'],
  [ENOMSG]: ['ENOMSG', 'No message of desired type'],
  [ENODATA]: ['ENODATA', 'No data available'],
  [ENOLINK]: ['ENOLINK', 'Link has been severed'],
  [EPROTO]: ['EPROTO', 'Protocol error'],
  [EBADMSG]: ['EBADMSG', 'Bad message'],
  [EOVERFLOW]: ['EOVERFLOW', 'Value too large for defined data type'],
  [ENOTUNIQ]: ['ENOTUNIQ', 'Name not unique on network'],
  [ENONET]: ['ENONET', 'Machine is not on the network'],
  [EREMOTEIO]: ['EREMOTEIO', 'Remote I/O error'],
  [EBADFD]: ['EBADFD', 'File descriptor in bad state'],
  [ENOTSOCK]: ['ENOTSOCK', 'Socket operation on non-socket'],
  [EDESTADDRREQ]: ['EDESTADDRREQ', 'Destination address required'],
  [EMSGSIZE]: ['EMSGSIZE', 'Message too long'],
  [EPROTOTYPE]: ['EPROTOTYPE', 'Protocol wrong type for socket'],
  [ENOPROTOOPT]: ['ENOPROTOOPT', 'Protocol not available'],
  [EPROTONOSUPPORT]: ['EPROTONOSUPPORT', 'Protocol not supported'],
  [ESOCKTNOSUPPORT]: ['ESOCKTNOSUPPORT', 'Socket type not supported'],
  [EOPNOTSUPP]: ['EOPNOTSUPP', 'Operation not supported'],
  [EPFNOSUPPORT]: ['EPFNOSUPPORT', 'Protocol family not supported'],
  [EAFNOSUPPORT]: ['EAFNOSUPPORT', 'Address family not supported by protocol'],
  [EADDRINUSE]: ['EADDRINUSE', 'Address already in use'],
  [EADDRNOTAVAIL]: ['EADDRNOTAVAIL', 'Cannot assign requested address'],
  [ENETDOWN]: ['ENETDOWN', 'Network is down'],
  [ENETUNREACH]: ['ENETUNREACH', 'Network is unreachable'],
  [ENETRESET]: ['ENETRESET', 'Network dropped connection on reset'],
  [ECONNABORTED]: ['ECONNABORTED', 'Software caused connection abort'],
  [ECONNRESET]: ['ECONNRESET', 'Connection reset by peer'],
  [ENOBUFS]: ['ENOBUFS', 'No buffer space available'],
  [EISCONN]: ['EISCONN', 'Transport endpoint is already connected'],
  [ENOTCONN]: ['ENOTCONN', 'Transport endpoint is not connected'],
  [ESHUTDOWN]: ['ESHUTDOWN', 'Cannot send after transport endpoint shutdown'],
  [ETIMEDOUT]: ['ETIMEDOUT', 'Connection timed out'],
  [ECONNREFUSED]: ['ECONNREFUSED', 'Connection refused'],
  [EHOSTDOWN]: ['EHOSTDOWN', 'Host is down'],
  [EHOSTUNREACH]: ['EHOSTUNREACH', 'No route to host'],
  [EALREADY]: ['EALREADY', 'Operation already in progress'],
  [EINPROGRESS]: ['EINPROGRESS', 'Operation now in progress'],
};

/** glibc strerror() text for a (positive or negative) errno. */
export function strerror(err: number): string {
  const e = NAMES[Math.abs(err)];
  return e ? e[1] : `Unknown error ${Math.abs(err)}`;
}

/** Symbolic name ("EEXIST") for a (positive or negative) errno. */
export function errnoName(err: number): string {
  const e = NAMES[Math.abs(err)];
  return e ? e[0] : `E${Math.abs(err)}`;
}

/**
 * The error a syscall raises, shaped like Node's SystemError: `code`, `errno`
 * (negative, as Node does), `syscall`.
 */
export class SystemError extends Error {
  readonly code: string;
  readonly errno: number;
  readonly syscall: string;
  constructor(err: number, syscall: string, detail?: string) {
    super(`${syscall} ${errnoName(err)}${detail ? ' ' + detail : ''}: ${strerror(err)}`);
    this.name = 'SystemError';
    this.code = errnoName(err);
    this.errno = -Math.abs(err);
    this.syscall = syscall;
  }
}
