/**
 * The parsed form of a packetdrill script (upstream: script.h, packet.h,
 * tcp_options.h, the expression structs of the parser): option lines, the init
 * and cleanup commands, and the timed events (packets, system calls, commands,
 * code snippets). Times are microseconds, as upstream keeps them.
 */

export type TimeType = 'absolute' | 'relative' | 'any' | 'absolute_range' | 'relative_range';

/** One `<...>` TCP option of a script packet. */
export type TcpOptSpec =
  | { kind: 'nop' }
  | { kind: 'eol' }
  | { kind: 'mss'; value: number }
  | { kind: 'wscale'; value: number }
  | { kind: 'sackOK' }
  | { kind: 'sack'; blocks: [number, number][] }
  | { kind: 'TS'; val: number; ecr: number }
  | { kind: 'FO'; cookie: Uint8Array }
  | { kind: 'FOEXP'; cookie: Uint8Array }
  | { kind: 'md5'; digest: Uint8Array };

/** IP-level fields of a script packet: `[ect0]`, `(tos 0x10)`, `(ttl 64)`, `[ect01]`. */
export interface IpInfo {
  tosCheck: 'none' | 'ecn' | 'ect01' | 'tos';
  tos: number;
  /** 0: not checked / default. */
  ttl: number;
}

export interface PacketSpec {
  direction: 'in' | 'out';
  proto: 'tcp' | 'udp' | 'icmp';
  ip: IpInfo;
  /** Explicit ports (`8080>1234`), 0 = the socket's. */
  srcPort: number;
  dstPort: number;
  /** TCP flag letters as written (`S.`, `P.`, `F.`, `.`, `R`, `SEW` ...), '' for `-`. */
  flags: string;
  seq: number;
  payload: number;
  ack: number;
  /** -1: no `win` given (outbound: not checked). */
  win: number;
  urg: number;
  /** null: `<...>` (options not checked). */
  options: TcpOptSpec[] | null;
  /** UDP payload length. */
  udpLen: number;
  icmpType: string;
  icmpCode: string | null;
  icmpMtu: number;
  icmpEchoId: number;
  /** What an ICMP error quotes: a TCP segment `[1:1001(1000)]`, `[udp (100)]`. */
  echoed: { protocol: 'tcp' | 'udp' | 'raw'; seq: number; payload: number };
}

/** A system call argument or result expression (upstream: struct expression). */
export type Expr =
  | { k: 'int'; v: number; hex: boolean }
  | { k: 'ellipsis' }
  | { k: 'word'; w: string }
  | { k: 'string'; s: string; ellipsis: boolean }
  | { k: 'binary'; op: '|' | '=' | '.'; l: Expr; r: Expr }
  | { k: 'list'; items: Expr[] }
  | { k: 'struct'; items: Expr[] }
  | { k: 'sockaddr'; family: string; port: number; addr: string }
  | { k: 'msghdr'; iov: Expr; iovlen: number; flags: Expr; control: Expr }
  | { k: 'iovec'; len: number }
  | { k: 'pollfd'; fd: Expr; events: Expr; revents: Expr }
  | { k: 'linger'; onoff: number; linger: number }
  | { k: 'cmsg'; level: Expr; type: Expr; data: Expr }
  | { k: 'epollev'; events: Expr; field: string; value: Expr };

export interface SyscallSpec {
  name: string;
  args: Expr[];
  result: Expr;
  /** `EINPROGRESS (Operation now in progress)`: the errno macro; null when none. */
  errno: string | null;
  note: string | null;
  /** End time (us) after `...`; null for a non-blocking call. */
  endUs: number | null;
}

export type EventAction =
  | { type: 'packet'; packet: PacketSpec }
  | { type: 'syscall'; syscall: SyscallSpec }
  | { type: 'command'; command: string }
  | { type: 'code'; code: string };

export type ScriptEvent = EventAction & {
  line: number;
  timeType: TimeType;
  timeUs: number;
  /** End of a time range, or null. */
  timeEndUs: number | null;
  /** The base relative times were added to (set at run time). */
  offsetUs: number;
};

export interface Script {
  path: string;
  options: { name: string; value: string | null; line: number }[];
  initCommand: { command: string; line: number } | null;
  events: ScriptEvent[];
  cleanupCommand: { command: string; line: number } | null;
}
