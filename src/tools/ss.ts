/**
 * `ss` as iproute2 6.1 has it (misc/ss.c), for the socket tables this stack has:
 * UDP (-u), raw (-w) and TCP (-t, none yet). Linux's ss asks NETLINK_SOCK_DIAG
 * first and falls back to /proc/net/{udp,raw,tcp}; this one reads the /proc files
 * (the same socket fields, in the same hash-slot order).
 *
 * Output follows ss's column engine (render() in compact mode, stdout not a tty):
 * columns Netid (only when several tables are shown), State (only when several
 * states are), Recv-Q, Send-Q (`%-6d`), Local Address: (right-aligned) + Port,
 * Peer Address: + Port, Process; each column as wide as its widest cell plus its
 * one-space left delimiter. Default states: UDP/raw established only (no State
 * column then); -a all, -l listening/unconnected. Ports print as service names
 * (/etc/services, below, unless ephemeral) without -n; raw sockets show their
 * protocol ("icmp"). -4 keeps IPv4, -6 shows nothing (no IPv6 yet); -H drops the
 * header; -s prints the summary from /proc/net/sockstat.
 *
 * -p adds `users:(("comm",pid=N,fd=N))` from /proc/PID/fd and /proc/PID/stat.
 *
 * TCP comes from NETLINK_SOCK_DIAG as in Linux's ss (ss_tcp.ts): Send-Q of a listener is
 * its backlog; -o adds `timer:(on|keepalive|timewait|persist,TIME,RETRANS)`, -e
 * `uid: ino: sk:` and the shutdown arrows, -m `skmem:(...)`, -i the TCP_INFO line
 * (tcp_show_info()/tcp_stats_print()), each after the Process cell as ss prints them.
 *
 * Differences: -K and filter expressions other than `state`/`exclude` are not
 * implemented; -r (host names) prints addresses; no cgroups (no `cgroup:` with -e).
 */
import type { ToolContext } from './tool.js';
import * as sys from '../socket/syscalls.js';
import { getoptLong, type LongOpt } from './lib/getopt.js';
import { UDP_SERVICES, TCP_SERVICES, PROTOCOLS } from './lib/services.js';
import { sockDiagDump, inetShowSockExt, type DiagInfo } from './ss_tcp.js';

/* ss's SS_* states (= TCP_* of the kernel). */
const SS_ESTABLISHED = 1;
const SS_SYN_SENT = 2;
const SS_SYN_RECV = 3;
const SS_FIN_WAIT1 = 4;
const SS_FIN_WAIT2 = 5;
const SS_TIME_WAIT = 6;
const SS_CLOSE = 7;
const SS_CLOSE_WAIT = 8;
const SS_LAST_ACK = 9;
const SS_LISTEN = 10;
const SS_CLOSING = 11;
const SS_MAX = 12;
const SS_ALL = (1 << SS_MAX) - 1;
const SS_CONN = SS_ALL & ~((1 << SS_LISTEN) | (1 << SS_CLOSE) | (1 << SS_TIME_WAIT) | (1 << SS_SYN_RECV));

const SSTATE_NAME = ['UNKNOWN', 'ESTAB', 'SYN-SENT', 'SYN-RECV', 'FIN-WAIT-1', 'FIN-WAIT-2', 'TIME-WAIT', 'UNCONN',
  'CLOSE-WAIT', 'LAST-ACK', 'LISTEN', 'CLOSING'];

/* The tables (ss's *_DB) this stack can have. */
const TCP_DB = 0;
const UDP_DB = 3;
const RAW_DB = 4;
const UNIX_DG_DB = 5;
const UNIX_ST_DB = 6;
const UNIX_SQ_DB = 7;
const PACKET_DG_DB = 8;
const PACKET_R_DB = 9;
const NETLINK_DB = 10;

const DEFAULT_DB_STATES: Record<number, number> = {
  [TCP_DB]: SS_CONN, [UDP_DB]: 1 << SS_ESTABLISHED, [RAW_DB]: 1 << SS_ESTABLISHED,
  [UNIX_DG_DB]: 1 << SS_CLOSE, [UNIX_ST_DB]: SS_CONN, [UNIX_SQ_DB]: SS_CONN,
  [PACKET_DG_DB]: 1 << SS_CLOSE, [PACKET_R_DB]: 1 << SS_CLOSE, [NETLINK_DB]: 1 << SS_CLOSE,
};

/** One socket as ss's struct sockstat. */
export interface SockStat {
  db: number;
  state: number;
  rq: number;
  wq: number;
  laddr: number;
  lport: number;
  raddr: number;
  rport: number;
  uid: number;
  ino: number;
  /** What NETLINK_SOCK_DIAG told about it (TCP), for -o/-e/-m/-i. */
  diag?: DiagInfo;
}

/* ss's column engine. */
const ALIGN_LEFT = 0;
const ALIGN_RIGHT = 2;
interface Column {
  align: number;
  header: string;
  ldelim: string;
  disabled: boolean;
  width: number;
  maxLen: number;
}
const COL_NETID = 0;
const COL_STATE = 1;
const COL_PROC = 8;

function newColumns(): Column[] {
  const c = (align: number, header: string, ldelim: string): Column => ({ align, header, ldelim, disabled: false, width: 0, maxLen: 0 });
  return [
    c(ALIGN_LEFT, 'Netid', ''), c(ALIGN_LEFT, 'State', ' '), c(ALIGN_LEFT, 'Recv-Q', ' '), c(ALIGN_LEFT, 'Send-Q', ' '),
    c(ALIGN_RIGHT, 'Local Address:', ' '), c(ALIGN_LEFT, 'Port', ''), c(ALIGN_RIGHT, 'Peer Address:', ' '),
    c(ALIGN_LEFT, 'Port', ''), c(ALIGN_LEFT, 'Process', ''), c(ALIGN_LEFT, '', ''),
  ];
}

/** Linux/iproute2: render_calc_width() (compact: no terminal) + render(). `rows` hold a cell per enabled column. */
function render(cols: Column[], rows: string[][]): string {
  const enabled = cols.filter((c) => !c.disabled);
  // ss measures a cell when its field is flushed; the buffer's last token (the last row's
  // Process cell, with any -e/-i text) never is, so it does not widen its column.
  const procIdx = enabled.length - 2;
  rows.forEach((row, r) => row.forEach((cell, i) => {
    if (r === rows.length - 1 && i >= procIdx) return;
    enabled[i]!.maxLen = Math.max(enabled[i]!.maxLen, cell.length);
  }));
  let first = true;
  for (const c of enabled) {
    c.width = !first && c.maxLen ? c.maxLen + c.ldelim.length : c.maxLen;
    if (c.width) first = false;
  }
  let out = '';
  for (const row of rows) {
    let lineStarted = false;
    let firstCol = enabled.findIndex((c) => c.width > 0);
    if (firstCol < 0) firstCol = 0;
    for (let i = 0; i < row.length; i++) {
      const f = enabled[i]!;
      if (!lineStarted && i < firstCol) continue;
      let printed = 0;
      if (lineStarted) {
        out += f.ldelim;
        printed = f.ldelim.length;
      }
      lineStarted = true;
      const cell = row[i]!;
      if (f.width && f.align !== ALIGN_LEFT) {
        const s = f.width - cell.length - printed;
        if (s > 0) {
          out += ' '.repeat(s);
          printed += s;
        }
      }
      out += cell;
      printed += cell.length;
      if (f.width && f.align !== ALIGN_RIGHT) {
        const s = f.width - printed;
        if (s > 0) out += ' '.repeat(s);
      }
    }
    out += '\n';
  }
  return out;
}

/** Parse /proc/net/{udp,raw,tcp}: "sl: laddr:lport raddr:rport st tx:rx tr:tm retr uid timeout inode ...". */
function parseProcInet(text: string, db: number): SockStat[] {
  const out: SockStat[] = [];
  const lines = text.split('\n').slice(1);
  for (const line of lines) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const [la, lp] = f[1]!.split(':');
    const [ra, rp] = f[2]!.split(':');
    const [tx, rx] = f[4]!.split(':');
    const le = (h: string): number => {
      const v = Number.parseInt(h, 16) >>> 0;
      return (((v & 0xff) << 24) | (((v >>> 8) & 0xff) << 16) | (((v >>> 16) & 0xff) << 8) | (v >>> 24)) >>> 0;
    };
    out.push({
      db, state: Number.parseInt(f[3]!, 16), wq: Number.parseInt(tx!, 16), rq: Number.parseInt(rx!, 16),
      laddr: le(la!), lport: Number.parseInt(lp!, 16), raddr: le(ra!), rport: Number.parseInt(rp!, 16),
      uid: Number(f[7]), ino: Number(f[9]),
    });
  }
  return out;
}

function ipStr(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}`;
}

const STATE_NAMES: Record<string, number> = {
  established: 1 << SS_ESTABLISHED, 'syn-sent': 1 << SS_SYN_SENT, 'syn-recv': 1 << SS_SYN_RECV,
  'fin-wait-1': 1 << SS_FIN_WAIT1, 'fin-wait-2': 1 << SS_FIN_WAIT2, 'time-wait': 1 << SS_TIME_WAIT,
  closed: 1 << SS_CLOSE, 'close-wait': 1 << SS_CLOSE_WAIT, 'last-ack': 1 << SS_LAST_ACK, listening: 1 << SS_LISTEN,
  closing: 1 << SS_CLOSING, all: SS_ALL, connected: SS_CONN,
  synchronized: SS_CONN & ~(1 << SS_SYN_SENT), bucket: (1 << SS_SYN_RECV) | (1 << SS_TIME_WAIT),
  big: SS_ALL & ~((1 << SS_SYN_RECV) | (1 << SS_TIME_WAIT)),
};

const LONGOPTS: LongOpt[] = [
  { name: 'numeric', hasArg: 0, val: 'n' }, { name: 'resolve', hasArg: 0, val: 'r' }, { name: 'options', hasArg: 0, val: 'o' },
  { name: 'extended', hasArg: 0, val: 'e' }, { name: 'memory', hasArg: 0, val: 'm' }, { name: 'info', hasArg: 0, val: 'i' },
  { name: 'processes', hasArg: 0, val: 'p' }, { name: 'all', hasArg: 0, val: 'a' }, { name: 'listening', hasArg: 0, val: 'l' },
  { name: 'summary', hasArg: 0, val: 's' }, { name: 'ipv4', hasArg: 0, val: '4' }, { name: 'ipv6', hasArg: 0, val: '6' },
  { name: 'tcp', hasArg: 0, val: 't' }, { name: 'udp', hasArg: 0, val: 'u' }, { name: 'raw', hasArg: 0, val: 'w' },
  { name: 'unix', hasArg: 0, val: 'x' }, { name: 'packet', hasArg: 0, val: '0' }, { name: 'family', hasArg: 1, val: 'f' },
  { name: 'query', hasArg: 1, val: 'A' }, { name: 'socket', hasArg: 1, val: 'A' }, { name: 'no-header', hasArg: 0, val: 'H' },
  { name: 'version', hasArg: 0, val: 'V' }, { name: 'help', hasArg: 0, val: 'h' }, { name: 'oneline', hasArg: 0, val: 'O' },
];

const USAGE_HEAD = 'Usage: ss [ OPTIONS ]\n       ss [ OPTIONS ] [ FILTER ]\n';

export async function ssMain(ctx: ToolContext): Promise<number> {
  const err = (s: string): void => ctx.stderr.write(s);
  const { opts, rest } = getoptLong(ctx.argv, 'dhaletuwxnro460spTbEf:mMiA:D:F:vVzZN:KHSOQ', LONGOPTS, err, 'ss');
  let numeric = false;
  let summary = false;
  let showHeader = true;
  let showUsers = false;
  let showDetails = false;
  /* iproute2: -a/-l set state_filter, which replaces the tables' default states whatever the option order. */
  let optStates = 0;
  let showMem = false;
  let showTcpinfo = false;
  let showOptions = false;
  let oneline = false;
  let dbs = 0;
  let states = 0;
  let doDefault = true;
  let families = 0; // bit 2: inet, bit 10: inet6
  const dbSet = (db: number): void => {
    states |= DEFAULT_DB_STATES[db] ?? 0;
    dbs |= 1 << db;
    doDefault = false;
  };
  for (const o of opts) {
    switch (o.opt) {
      case 'n': numeric = true; break;
      case 'r': break;
      case 'a': optStates = SS_ALL; break;
      case 'l': optStates = (1 << SS_LISTEN) | (1 << SS_CLOSE); break;
      case 't': dbSet(TCP_DB); break;
      case 'u': dbSet(UDP_DB); break;
      case 'w': dbSet(RAW_DB); break;
      case 'x': dbSet(UNIX_DG_DB); dbSet(UNIX_ST_DB); dbSet(UNIX_SQ_DB); break;
      case '0': dbSet(PACKET_R_DB); dbSet(PACKET_DG_DB); break;
      case '4': families |= 1 << 2; states |= SS_CONN; doDefault = false; break;
      case '6': families |= 1 << 10; states |= SS_CONN; doDefault = false; break;
      case 'f': {
        const a = o.arg ?? '';
        if (a === 'inet') families |= 1 << 2;
        else if (a === 'inet6') families |= 1 << 10;
        else if (a === 'unix' || a === 'link' || a === 'netlink' || a === 'packet' || a === 'vsock' || a === 'tipc' || a === 'xdp') {
          families |= 1 << 30;
        } else {
          err(`ss: "${a}" is invalid family\n`);
          return 255;
        }
        states |= SS_CONN;
        doDefault = false;
        break;
      }
      case 'A': {
        for (const q of (o.arg ?? '').split(',')) {
          const map: Record<string, number[]> = {
            all: [UDP_DB, TCP_DB, RAW_DB, UNIX_ST_DB, UNIX_DG_DB, UNIX_SQ_DB, PACKET_R_DB, PACKET_DG_DB, NETLINK_DB],
            inet: [UDP_DB, TCP_DB, RAW_DB], udp: [UDP_DB], tcp: [TCP_DB], raw: [RAW_DB],
            unix: [UNIX_ST_DB, UNIX_DG_DB, UNIX_SQ_DB], packet: [PACKET_R_DB, PACKET_DG_DB], netlink: [NETLINK_DB],
          };
          const list = map[q];
          if (!list) {
            err(`ss: wrong query parameter "${q}".\n`);
            return 255;
          }
          for (const d of list) dbSet(d);
        }
        break;
      }
      case 's': summary = true; break;
      case 'H': showHeader = false; break;
      case 'p': showUsers = true; break;
      case 'e': showDetails = true; showOptions = true; break; // iproute2: -e implies -o
      case 'm': showMem = true; break;
      case 'i': showTcpinfo = true; break;
      case 'o': showOptions = true; break;
      case 'O': oneline = true; break;
      case 'V':
        ctx.stdout.write('ss utility, iproute2-6.1.0\n');
        return 0;
      case 'h':
        ctx.stdout.write(USAGE_HEAD);
        return 0;
      default:
        err(USAGE_HEAD);
        return 255;
    }
  }
  const task = ctx.task;
  if (summary) {
    printSummary(ctx);
    if (rest.length === 0 && doDefault && dbs === 0) return 0;
  }
  // Filter: [state|exclude STATE]...
  let stateFilter = 0;
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i]!;
    if ((w === 'state' || w === 'exclude' || w === 'excl') && i + 1 < rest.length) {
      const name = rest[++i]!;
      const bits = STATE_NAMES[name];
      if (bits === undefined) {
        err(`ss: wrong state name: ${name}\n`);
        return 255;
      }
      if (w === 'state') stateFilter |= bits;
      else stateFilter = (stateFilter || SS_ALL) & ~bits;
      continue;
    }
    err(`ss: bad filter expression "${w}" (only "state" and "exclude" are supported)\n`);
    return 255;
  }
  if (optStates) states = optStates;
  if (doDefault) {
    const sf = stateFilter || optStates || SS_CONN;
    for (const db of [UDP_DB, TCP_DB, RAW_DB, UNIX_ST_DB, UNIX_DG_DB, UNIX_SQ_DB, PACKET_R_DB, PACKET_DG_DB, NETLINK_DB]) dbs |= 1 << db;
    states = sf;
  } else {
    // filter_merge_defaults(): a family alone selects its tables.
    if (dbs === 0 && families & ((1 << 2) | (1 << 10))) {
      for (const db of [TCP_DB, UDP_DB, RAW_DB]) dbs |= 1 << db;
    }
    if (dbs === 0 && families & (1 << 30)) dbs |= (1 << UNIX_ST_DB) | (1 << UNIX_DG_DB) | (1 << UNIX_SQ_DB);
    if (stateFilter) states = stateFilter;
  }
  const ipv4 = families === 0 || (families & (1 << 2)) !== 0;
  const cols = newColumns();
  if (!(dbs & (dbs - 1))) cols[COL_NETID]!.disabled = true;
  if (!(states & (states - 1))) cols[COL_STATE]!.disabled = true;
  cols[COL_PROC]!.disabled = false;
  const rows: string[][] = [];
  if (showHeader) rows.push(cols.filter((c) => !c.disabled).slice(0, -1).map((c) => c.header).concat(['']));
  const read = (path: string): string | null => {
    try {
      return sys.readFile(task, path);
    } catch {
      return null;
    }
  };
  let ephemeral: [number, number] | null = null;
  const isEphemeral = (port: number): boolean => {
    if (!ephemeral) {
      const r = read('/proc/sys/net/ipv4/ip_local_port_range');
      const m = r ? /(\d+)\s+(\d+)/.exec(r) : null;
      ephemeral = m ? [Number(m[1]), Number(m[2])] : [1024, 4999];
    }
    return port >= ephemeral[0] && port <= ephemeral[1];
  };
  const service = (port: number, db: number): string => {
    if (port === 0) return '*';
    if (numeric) return String(port);
    if (db === RAW_DB) return PROTOCOLS[port] ?? String(port);
    if (db === UDP_DB && !isEphemeral(port)) return UDP_SERVICES[port] ?? String(port);
    if (db === TCP_DB && !isEphemeral(port)) return TCP_SERVICES[port] ?? String(port);
    return String(port);
  };
  const tables: [number, string, string][] = [[TCP_DB, '/proc/net/tcp', 'tcp'], [UDP_DB, '/proc/net/udp', 'udp'],
    [RAW_DB, '/proc/net/raw', 'raw']];
  let users: UserEnt[] | null = null;
  // ss's order: tcp, udp, raw for these tables.
  for (const [db, path, netid] of tables) {
    if (!(dbs & (1 << db)) || !ipv4) continue;
    // Linux's ss asks NETLINK_SOCK_DIAG first (TCP here), then falls back to /proc/net/*.
    let socks = db === TCP_DB ? sockDiagDump(ctx, states, showMem, showTcpinfo) : null;
    if (socks === null) {
      const text = read(path);
      if (text === null) continue;
      socks = parseProcInet(text, db);
    }
    for (const s of socks) {
      if (!(states & (1 << s.state))) continue;
      const row: string[] = [];
      if (!cols[COL_NETID]!.disabled) row.push(netid);
      if (!cols[COL_STATE]!.disabled) row.push(SSTATE_NAME[s.state] ?? 'UNKNOWN');
      let proc = '';
      if (showUsers) {
        users ??= userEntHashBuild(ctx);
        const found = findEntry(users, s.ino);
        if (found) proc = ` users:(${found})`;
      }
      if (s.diag) proc += inetShowSockExt(s, s.diag, { showOptions, showDetails, showMem, showTcpinfo, oneline, numeric });
      row.push(String(s.rq).padEnd(6), String(s.wq).padEnd(6), ipStr(s.laddr) + ':', service(s.lport, db),
        ipStr(s.raddr) + ':', service(s.rport, db), proc, '');
      rows.push(row);
    }
  }
  ctx.stdout.write(render(cols, rows));
  return 0;
}

/** One process's descriptor of a socket (ss's struct user_ent). */
interface UserEnt {
  ino: number;
  pid: number;
  fd: number;
  process: string;
}

/**
 * Linux/iproute2: user_ent_hash_build(): every /proc/PID/fd/N that links to
 * "socket:[INO]", with the process name from /proc/PID/stat. Newest first, as
 * user_ent_add() prepends to its hash chains.
 */
function userEntHashBuild(ctx: ToolContext): UserEnt[] {
  const out: UserEnt[] = [];
  let pids: string[] = [];
  try {
    pids = sys.readdir(ctx.task, '/proc');
  } catch {
    return out;
  }
  for (const pidStr of pids) {
    if (!/^\d+$/.test(pidStr)) continue;
    let fds: string[];
    try {
      fds = sys.readdir(ctx.task, `/proc/${pidStr}/fd`);
    } catch {
      continue;
    }
    let process: string | null = null;
    for (const fd of fds) {
      let lnk: string;
      try {
        lnk = sys.readlink(ctx.task, `/proc/${pidStr}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(lnk);
      if (!m) continue;
      if (process === null) {
        try {
          process = /^\d+ \(([^)]*)\)/.exec(sys.readFile(ctx.task, `/proc/${pidStr}/stat`))?.[1] ?? '';
        } catch {
          process = '';
        }
      }
      out.unshift({ ino: Number(m[1]), pid: Number(pidStr), fd: Number(fd), process });
    }
  }
  return out;
}

/** Linux/iproute2: find_entry(USERS): '("comm",pid=N,fd=N)' for each holder, comma-separated. */
function findEntry(users: UserEnt[], ino: number): string {
  if (!ino) return '';
  return users.filter((u) => u.ino === ino).map((u) => `("${u.process}",pid=${u.pid},fd=${u.fd})`).join(',');
}

/** Linux/iproute2: print_summary() from /proc/net/sockstat. */
function printSummary(ctx: ToolContext): void {
  let text = '';
  try {
    text = sys.readFile(ctx.task, '/proc/net/sockstat');
  } catch { /* empty */ }
  const num = (re: RegExp): number => {
    const m = re.exec(text);
    return m ? Number(m[1]) : 0;
  };
  const socks = num(/sockets: used (\d+)/);
  const tcpInuse = num(/TCP: inuse (\d+)/);
  const tcpOrphan = num(/TCP: inuse \d+ orphan (\d+)/);
  const tcpTw = num(/TCP: inuse \d+ orphan \d+ tw (\d+)/);
  const tcpAlloc = num(/TCP: inuse \d+ orphan \d+ tw \d+ alloc (\d+)/);
  const udp = num(/UDP: inuse (\d+)/);
  const raw = num(/RAW: inuse (\d+)/);
  const frag = num(/FRAG: inuse (\d+)/);
  let estab = 0;
  try {
    const snmp = sys.readFile(ctx.task, '/proc/net/snmp').split('\n').filter((l) => l.startsWith('Tcp:'));
    if (snmp.length >= 2) {
      const names = snmp[0]!.split(/\s+/);
      const vals = snmp[1]!.split(/\s+/);
      estab = Number(vals[names.indexOf('CurrEstab')] ?? 0);
    }
  } catch { /* no snmp */ }
  const c = (v: number): string => String(v).padEnd(9);
  ctx.stdout.write(`Total: ${socks}\n` +
    `TCP:   ${tcpAlloc} (estab ${estab}, closed ${tcpAlloc - (tcpInuse - tcpTw)}, orphaned ${tcpOrphan}, timewait ${tcpTw})\n\n` +
    'Transport Total     IP        IPv6\n' +
    `RAW\t  ${c(raw)} ${c(raw)} ${c(0)}\n` +
    `UDP\t  ${c(udp)} ${c(udp)} ${c(0)}\n` +
    `TCP\t  ${c(tcpInuse)} ${c(tcpInuse)} ${c(0)}\n` +
    `INET\t  ${c(raw + udp + tcpInuse)} ${c(raw + udp + tcpInuse)} ${c(0)}\n` +
    `FRAG\t  ${c(frag)} ${c(frag)} ${c(0)}\n\n`);
}
