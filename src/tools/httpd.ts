/**
 * `httpd`: busybox's small web server (networking/httpd.c, busybox 1.35/1.36 as
 * Debian ships it), the subset that serves static files:
 *
 *   httpd [-f] [-v[v[v]]] [-p [IP:]PORT] [-h HOME]
 *
 * Binds IP:PORT (default 0.0.0.0:80), listens (backlog 9), and handles each accepted
 * connection on its own (busybox forks a child per connection; here each connection
 * is a concurrent handler of the same process, so many clients are served at once).
 * One request per connection, as busybox: every response says `Connection: close`
 * and the server shuts the connection down after it (no keep-alive, for HTTP/1.0 and
 * 1.1 alike). Without -f the server daemonizes (daemon(3): the command returns 0 at
 * once and the server runs until the host shuts down); -f keeps it in the foreground.
 *
 * A request: `METHOD /URL HTTP/x.y` with single spaces, headers up to a blank line
 * (60 s to send them, then 408). GET and HEAD; any other method is 501. The URL is
 * percent-decoded (a bad escape is 400, an encoded NUL 404) and canonicalized
 * (`//`, `/./`, `/../`; climbing above the root is 400). A URL ending in `/` gets
 * `index.html` appended; a directory without the slash is answered `302 Found` with
 * `Location: /dir/` (there is no directory listing: busybox leaves that to a
 * cgi-bin/index.cgi, and a directory without index.html is 404). `Range: bytes=N-[M]`
 * gives 206 with Content-Range. A file that cannot be opened is 404; `httpd.conf`
 * is 403.
 *
 * Response headers, in busybox's order and spelling: `HTTP/1.1 CODE TEXT`, `Date:`,
 * `Connection: close`, `Content-type:` (files whose suffix is in busybox's table;
 * error pages are text/html), then for files `Accept-Ranges: bytes`, `Last-Modified:`,
 * `ETag: "MTIME-SIZE"` (hex), `Content-Length:`. Error responses carry busybox's small
 * HTML page (HEAD too, as busybox). busybox sends no `Server:` header.
 *
 * -v logs `IP:PORT: response:CODE` on stderr, -vv also `IP:PORT: GET /url`, -vvv
 * `connected` / `closed`. Differences: no CGI, no httpd.conf (-c), no basic auth
 * (-r), no -u/-i/-d/-e/-m, no gzip, no If-None-Match (no 304). Files come from the
 * host through ToolContext.fs (-h HOME is a host directory; default the current one).
 */
import type { ToolContext, HostFs, HostFileStat } from './tool.js';
import type { Task } from '../socket/task.js';
import * as sys from '../socket/syscalls.js';
import { SystemError, strerror } from '../socket/errno.js';
import { AF_INET, SOCK_STREAM, SOL_SOCKET, SO_REUSEADDR, SO_KEEPALIVE, POLLIN, SHUT_WR, type SockaddrIn } from '../socket/socket.js';
import { writeAll } from './iperf3/io.js';
import { parseIp, ipStr } from './nc_common.js';

const USAGE = 'Usage: httpd [-ifv[v]] [-c CONFFILE] [-p [IP:]PORT] [-u USER[:GRP]] [-r REALM] [-h HOME]\n' +
  'or httpd -d/-e/-m STRING\n\n' +
  'Listen for incoming HTTP requests\n\n' +
  '\t-i\t\tInetd mode\n' +
  '\t-f\t\tRun in foreground\n' +
  '\t-v[v]\t\tVerbose\n' +
  '\t-p [IP:]PORT\tBind to IP:PORT (default *:80)\n' +
  '\t-u USER[:GRP]\tSet uid/gid after binding to port\n' +
  '\t-r REALM\tAuthentication Realm for Basic Authentication\n' +
  '\t-h HOME\t\tHome directory (default .)\n' +
  '\t-c FILE\t\tConfiguration file (default {/etc,HOME}/httpd.conf)\n' +
  '\t-m STRING\tMD5 crypt STRING\n' +
  '\t-e STRING\tHTML encode STRING\n' +
  '\t-d STRING\tURL decode STRING\n';

const NSEC = 1_000_000_000;
/** busybox: HEADER_READ_TIMEOUT. */
const HEADER_READ_TIMEOUT_S = 60;
/** busybox: IOBUF_SIZE; a request or header line longer than this is 400. */
const IOBUF_SIZE = 8192;
/** Bytes per read of a file and write to the connection. */
const FILE_CHUNK = 64 * 1024;

/** busybox's response table: code -> [reason, body text or null]. */
const RESPONSES: Record<number, [string, string | null]> = {
  200: ['OK', null],
  206: ['Partial Content', null],
  302: ['Found', null],
  400: ['Bad Request', 'Unsupported method'],
  403: ['Forbidden', ''],
  404: ['Not Found', 'The requested URL was not found'],
  408: ['Request Timeout', 'No request appeared within 60 seconds'],
  500: ['Internal Server Error', 'Internal Server Error'],
  501: ['Not Implemented', 'The requested method is not recognized'],
};

/** busybox's built-in suffix table (send_file_and_exit), in its order. */
const MIME_TABLE: [string[], string][] = [
  [['.txt', '.h', '.c', '.cc', '.cpp'], 'text/plain'],
  [['.htm', '.html'], 'text/html'],
  [['.jpg', '.jpeg'], 'image/jpeg'],
  [['.gif'], 'image/gif'],
  [['.png'], 'image/png'],
  [['.svg'], 'image/svg+xml'],
  [['.css'], 'text/css'],
  [['.js'], 'application/javascript'],
  [['.wav'], 'audio/wav'],
  [['.avi'], 'video/x-msvideo'],
  [['.qt', '.mov'], 'video/quicktime'],
  [['.mpe', '.mpeg'], 'video/mpeg'],
  [['.mid', '.midi'], 'audio/midi'],
  [['.mp3'], 'audio/mpeg'],
];

/** The Content-type of a file by its last suffix (case-sensitive, as busybox's strstr); null: none sent. */
export function mimeType(path: string): string | null {
  const dot = path.lastIndexOf('.');
  if (dot < 0 || path.indexOf('/', dot) >= 0) return null;
  const suffix = path.slice(dot);
  for (const [suffixes, type] of MIME_TABLE) if (suffixes.includes(suffix)) return type;
  return null;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** strftime "%a, %d %b %Y %H:%M:%S GMT" (RFC 1123) of a Unix time in seconds. */
export function rfc1123(seconds: number): string {
  const d = new Date(Math.floor(seconds) * 1000);
  const p2 = (n: number): string => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]}, ${p2(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ` +
    `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} GMT`;
}

/**
 * busybox percent_decode_in_place(strict): %XX escapes; a bad one (or a lone '%') is
 * null (400). '+' stays as it is in strict mode.
 */
function percentDecode(s: string): Uint8Array | null {
  const bytes: number[] = [];
  const raw = new TextEncoder().encode(s);
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c !== 0x25) {
      bytes.push(c);
      continue;
    }
    const h = (x: number | undefined): number => {
      if (x === undefined) return -1;
      if (x >= 0x30 && x <= 0x39) return x - 0x30;
      const l = x | 0x20;
      return l >= 0x61 && l <= 0x66 ? l - 0x61 + 10 : -1;
    };
    const hi = h(raw[i + 1]);
    const lo = h(raw[i + 2]);
    if (hi < 0 || lo < 0) return null;
    bytes.push((hi << 4) | lo);
    i += 2;
  }
  return Uint8Array.from(bytes);
}

/**
 * busybox's path canonicalization: drop duplicate slashes and `/./`, `/../` climbs
 * one level (above the root: null, a 400), a trailing slash is kept.
 */
export function canonicalizeUrlPath(path: string): string | null {
  const parts = path.split('/');
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) {
    const seg = parts[i]!;
    const last = i === parts.length - 1;
    if (seg === '' || seg === '.') {
      if (last) out.push('');
      continue;
    }
    if (seg === '..') {
      if (out.length === 0 || (out.length === 1 && out[0] === '')) return null;
      out.pop();
      if (last) out.push('');
      continue;
    }
    out.push(seg);
  }
  return '/' + out.join('/');
}

interface ServerOptions {
  verbose: number;
  home: string;
  fs: HostFs | undefined;
  err: (s: string) => void;
}

export async function httpdMain(ctx: ToolContext): Promise<number> {
  const err = (s: string): void => ctx.stderr.write(s);
  let foreground = false;
  let verbose = 0;
  let bind = '80';
  let home = '.';
  const a = ctx.argv;
  for (let i = 1; i < a.length; i++) {
    const arg = a[i]!;
    if (arg === '--') {
      if (i + 1 < a.length) {
        err(USAGE);
        return 1;
      }
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      err(USAGE);
      return 1;
    }
    for (let j = 1; j < arg.length; j++) {
      const c = arg[j]!;
      if (c === 'f') foreground = true;
      else if (c === 'v') verbose++;
      else if (c === 'p' || c === 'h' || c === 'c' || c === 'u' || c === 'r' || c === 'm' || c === 'e' || c === 'd' ||
        c === 'M' || c === 'K') {
        const v = j + 1 < arg.length ? arg.slice(j + 1) : a[++i];
        if (v === undefined) {
          err(`httpd: option requires an argument -- '${c}'\n${USAGE}`);
          return 1;
        }
        if (c === 'p') bind = v;
        else if (c === 'h') home = v;
        else {
          err(`httpd: -${c} is not supported by tuxnet's httpd (static files only)\n`);
          return 1;
        }
        break;
      } else if (c === 'i') {
        err("httpd: -i is not supported by tuxnet's httpd (no inetd)\n");
        return 1;
      } else {
        err(`httpd: invalid option -- '${c}'\n${USAGE}`);
        return 1;
      }
    }
  }
  // busybox openServer(): a bare number is a port on every address, else [IP:]PORT.
  let addr = 0;
  let port = 80;
  const m = /^(?:(.*):)?([0-9]+)$/.exec(bind);
  if (/^[0-9]+$/.test(bind) && Number(bind) >= 1 && Number(bind) <= 65535) {
    port = Number(bind);
  } else if (m && m[1] !== undefined && Number(m[2]) >= 1 && Number(m[2]) <= 65535) {
    const ip = parseIp(m[1]);
    if (ip === null) {
      err(`httpd: bad address '${m[1]}'\n`);
      return 1;
    }
    addr = ip;
    port = Number(m[2]);
  } else {
    const ip = parseIp(bind);
    if (ip === null) {
      err(`httpd: bad address '${bind}'\n`);
      return 1;
    }
    addr = ip;
  }
  // busybox: xchdir(home_httpd) before serving.
  let st: HostFileStat | null = null;
  try {
    st = ctx.fs ? ctx.fs.stat(home) : null;
  } catch (e) {
    if (!(e instanceof SystemError)) throw e;
    err(`httpd: can't change directory to '${home}': ${strerror(e.errno)}\n`);
    return 1;
  }
  if (st === null || !st.isDirectory) {
    err(`httpd: can't change directory to '${home}': ${st === null ? 'No such file or directory' : 'Not a directory'}\n`);
    return 1;
  }
  const task = ctx.task;
  const fd = sys.socket(task, AF_INET, SOCK_STREAM, 0);
  try {
    sys.setsockopt(task, fd, SOL_SOCKET, SO_REUSEADDR, 1);
    sys.bind(task, fd, { family: AF_INET, addr, port });
    sys.listen(task, fd, 9);
  } catch (e) {
    if (!(e instanceof SystemError)) throw e;
    err(`httpd: ${e.syscall === 'listen' ? 'listen' : 'bind'}: ${strerror(e.errno)}\n`);
    sys.close(task, fd);
    return 1;
  }
  const o: ServerOptions = { verbose, home: home.replace(/\/+$/, '') || '/', fs: ctx.fs, err };
  if (foreground || !ctx.daemon) {
    await serve(task, fd, o);
    return 0;
  }
  // bb_daemonize: the forked child keeps the listening socket (same fd), the parent exits 0.
  ctx.daemon(async (child) => {
    await serve(child, fd, { ...o, err: (s) => child.stderr.write(s) });
  });
  sys.close(task, fd);
  return 0;
}

/** The accept loop (busybox mini_httpd): a handler per connection, all running at once. */
async function serve(task: Task, fd: number, o: ServerOptions): Promise<void> {
  const conns = new Set<Promise<void>>();
  try {
    for (;;) {
      let a: sys.AcceptResult;
      try {
        a = await sys.accept(task, fd);
      } catch (e) {
        if (task.killed || !(e instanceof SystemError)) throw e;
        continue; // busybox: `if (n < 0) continue;`
      }
      try {
        sys.setsockopt(task, a.fd, SOL_SOCKET, SO_KEEPALIVE, 1);
      } catch { /* the peer may be gone already */ }
      const peer = a.addr as SockaddrIn | null;
      const name = peer ? `${ipStr(peer.addr)}:${peer.port}` : '';
      const p: Promise<void> = handleConnection(task, a.fd, name, o)
        .catch(() => {})
        .finally(() => {
          conns.delete(p);
          try {
            sys.close(task, a.fd);
          } catch { /* already closed */ }
        });
      conns.add(p);
    }
  } finally {
    await Promise.allSettled([...conns]);
    try {
      sys.close(task, fd);
    } catch { /* already closed by exit */ }
  }
}

/** Reads request lines from a connection (busybox get_line over hdr_buf). */
class LineReader {
  private buf = new Uint8Array(IOBUF_SIZE);
  private start = 0;
  private end = 0;
  constructor(readonly task: Task, readonly fd: number, readonly deadline: number) {}

  /**
   * The next line without CR/LF; '' at EOF or an empty line; 'bad' for a control
   * character or an over-long line (400); 'timeout' after the header deadline (408).
   */
  async line(): Promise<string | 'bad' | 'timeout' | null> {
    const bytes: number[] = [];
    for (;;) {
      if (this.start >= this.end) {
        const left = this.deadline - sys.clockGettime(this.task);
        if (left <= 0) return 'timeout';
        const r = await sys.poll(this.task, [{ fd: this.fd, events: POLLIN }], left);
        if (r === 0) return 'timeout';
        let n: number;
        try {
          n = await sys.read(this.task, this.fd, this.buf);
        } catch (e) {
          if (this.task.killed || !(e instanceof SystemError)) throw e;
          n = 0;
        }
        if (n <= 0) return bytes.length ? decodeLatin(bytes) : null;
        this.start = 0;
        this.end = n;
      }
      const c = this.buf[this.start++]!;
      if (c === 0x0d) continue;
      if (c === 0x0a) return decodeLatin(bytes);
      // Control characters are not allowed in headers (tabs are).
      if (c !== 0x09 && (c < 0x20 || c === 0x7f)) return 'bad';
      bytes.push(c);
      if (bytes.length >= IOBUF_SIZE) return 'bad';
    }
  }
}

/** Bytes as one char each (the URL is re-encoded as UTF-8 bytes when decoded). */
function decodeLatin(bytes: number[]): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 4096) s += String.fromCharCode(...bytes.slice(i, i + 4096));
  return s;
}

interface Reply {
  code: number;
  mime?: string | null;
  location?: string;
  file?: { size: number; mtimeMs: number; rangeStart?: number; rangeEnd?: number };
}

/** busybox send_headers(): the status line and headers (and the error page), one write. */
function buildHeaders(task: Task, r: Reply): string {
  const [reason, info] = RESPONSES[r.code] ?? ['', null];
  const now = sys.clockGettime(task, sys.CLOCK_REALTIME) / NSEC;
  let h = `HTTP/1.1 ${r.code} ${reason}\r\nDate: ${rfc1123(now)}\r\nConnection: close\r\n`;
  if (r.code !== 200 && r.code !== 206) h += 'Content-type: text/html\r\n';
  else if (r.mime) h += `Content-type: ${r.mime}\r\n`;
  if (r.code === 302 && r.location !== undefined) h += `Location: ${r.location}\r\n`;
  if (r.file) {
    const f = r.file;
    let length = f.size;
    if (r.code === 206) {
      h += `Content-Range: bytes ${f.rangeStart}-${f.rangeEnd}/${f.size}\r\n`;
      length = f.rangeEnd! - f.rangeStart! + 1;
    }
    const mtime = Math.floor(f.mtimeMs / 1000);
    h += `Accept-Ranges: bytes\r\nLast-Modified: ${rfc1123(mtime)}\r\n` +
      `ETag: "${mtime.toString(16)}-${f.size.toString(16)}"\r\nContent-Length: ${length}\r\n`;
  }
  h += '\r\n';
  if (info !== null) {
    h += `<HTML><HEAD><TITLE>${r.code} ${reason}</TITLE></HEAD>\n<BODY><H1>${r.code} ${reason}</H1>\n${info}\n</BODY></HTML>\n`;
  }
  return h;
}

const latin1 = (s: string): Uint8Array => {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
  return b;
};

/** handle_incoming_and_exit(): one request, one response, then FIN. */
async function handleConnection(task: Task, fd: number, peer: string, o: ServerOptions): Promise<void> {
  const log = (msg: string): void => o.err(`${peer}: ${msg}\n`);
  if (o.verbose >= 3) log('connected');
  const send = async (r: Reply, body?: () => Promise<void>): Promise<void> => {
    if (o.verbose) log(`response:${r.code}`);
    await writeAll(task, fd, latin1(buildHeaders(task, r)));
    if (body) await body();
  };
  const finish = (): void => {
    // busybox send_EOF_and_exit(): FIN, not RST.
    try {
      sys.shutdown(task, fd, SHUT_WR);
    } catch { /* not connected any more */ }
    if (o.verbose >= 3) log('closed');
  };
  const reader = new LineReader(task, fd, sys.clockGettime(task) + HEADER_READ_TIMEOUT_S * NSEC);
  const first = await reader.line();
  if (first === null || first === '') {
    // EOF or an empty first line: just close (Firefox's speculative connections).
    return;
  }
  const fail = async (code: number): Promise<void> => {
    await send({ code });
    finish();
  };
  if (first === 'timeout') return fail(408);
  if (first === 'bad') return fail(400);
  const sp = first.indexOf(' ');
  if (sp < 0) return fail(400);
  const method = first.slice(0, sp);
  const rest = first.slice(sp + 1);
  const sp2 = rest.indexOf(' ');
  if (sp2 < 0 || !rest.startsWith('HTTP/', sp2 + 1)) return fail(400);
  const rawUrl = rest.slice(0, sp2);
  if (rawUrl[0] !== '/') return fail(400);
  if (method !== 'GET' && method !== 'HEAD') return fail(501);
  const q = rawUrl.indexOf('?');
  const query = q >= 0 ? rawUrl.slice(q + 1) : null;
  const decoded = percentDecode(q >= 0 ? rawUrl.slice(0, q) : rawUrl);
  if (decoded === null) return fail(400);
  if (decoded.includes(0)) return fail(404);
  const path = canonicalizeUrlPath(new TextDecoder().decode(decoded));
  if (path === null) return fail(400);
  if (o.verbose >= 2) log(`${method} ${path}`);
  const hostPath = (p: string): string => (o.home === '/' ? p : o.home + p);
  const target = path.endsWith('/') ? path + 'index.html' : path;
  let st: HostFileStat | null = null;
  try {
    st = o.fs ? o.fs.stat(hostPath(target)) : null;
  } catch {
    st = null;
  }
  let redirect: string | null = null;
  if (st !== null && st.isDirectory && !path.endsWith('/')) redirect = path + '/' + (query !== null ? `?${query}` : '');
  else if (st === null && path.endsWith('/')) {
    await drainHeaders(reader);
    return fail(404);
  }
  // Headers up to the blank line: only Range matters for static files.
  let range: [number, number] | null = null;
  for (;;) {
    const h = await reader.line();
    if (h === null || h === '') break;
    if (h === 'timeout') return fail(408);
    if (h === 'bad') return fail(400);
    const rm = /^range:\s*bytes=([0-9]+)-([0-9]*)\s*$/i.exec(h);
    if (rm) range = [Number(rm[1]), rm[2] === '' ? 0 : Number(rm[2])];
  }
  if (target.slice(target.lastIndexOf('/') + 1) === 'httpd.conf') return fail(403);
  if (redirect !== null) {
    await send({ code: 302, location: redirect });
    return finish();
  }
  let file: ReturnType<HostFs['open']> | null = null;
  try {
    if (st !== null && st.isFile && o.fs) file = o.fs.open(hostPath(target));
  } catch {
    file = null;
  }
  if (file === null || st === null) return fail(404);
  try {
    const size = st.size;
    let start = 0;
    let end = size - 1;
    let code = 200;
    if (range !== null && method === 'GET') {
      const [rs, re] = range;
      const last = re === 0 || re > size - 1 ? size - 1 : re;
      if (last >= rs) {
        start = rs;
        end = last;
        code = 206;
      }
    }
    const reply: Reply = { code, mime: mimeType(target), file: { size, mtimeMs: st.mtimeMs } };
    if (code === 206) Object.assign(reply.file!, { rangeStart: start, rangeEnd: end });
    const f = file;
    await send(reply, method === 'HEAD' ? undefined : async () => {
      const buf = new Uint8Array(FILE_CHUNK);
      let pos = start;
      while (pos <= end) {
        const want = Math.min(buf.length, end - pos + 1);
        const n = f.read(want === buf.length ? buf : buf.subarray(0, want), pos);
        if (n <= 0) break;
        await writeAll(task, fd, n === buf.length ? buf : buf.subarray(0, n));
        pos += n;
      }
    });
  } finally {
    file.close();
  }
  finish();
}

/** Read (and ignore) the rest of the request headers. */
async function drainHeaders(reader: LineReader): Promise<void> {
  for (;;) {
    const h = await reader.line();
    if (h === null || h === '' || h === 'bad' || h === 'timeout') return;
  }
}
