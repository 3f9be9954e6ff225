/**
 * httpd (busybox's, src/tools/httpd.ts) between two namespaces on the virtual clock:
 * GET/HEAD of files with busybox's headers, index.html, 302 for a directory without
 * its slash, 404/400/501/403, Range, many concurrent clients from one client process,
 * and daemon mode in a lab script (a request through `nc < file`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync, readFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { scenario, type Scenario } from './harness/scenario.js';
import { Task } from '../src/socket/task.js';
import * as sys from '../src/socket/syscalls.js';
import { AF_INET, SOCK_STREAM, SHUT_WR } from '../src/socket/socket.js';
import { httpdMain, canonicalizeUrlPath, mimeType, rfc1123 } from '../src/tools/httpd.js';
import { runLab } from '../src/tools/lab/lab.js';
import { nodeHostFs } from '../src/platform/node/host_fs.js';
import { BufferStdio } from '../src/tools/tool.js';
import { writeAll } from '../src/tools/iperf3/io.js';

const TOPO = [
  'ip netns add tnxa', 'ip netns add tnxb',
  'ip link add veth-a netns tnxa type veth peer name veth-b netns tnxb',
  'ip -n tnxa addr add 10.0.0.1/24 dev veth-a', 'ip -n tnxb addr add 10.0.0.2/24 dev veth-b',
  'ip -n tnxa link set veth-a up', 'ip -n tnxb link set veth-b up', 'sleep 1',
].join('\n') + '\n';

/** One HTTP exchange from a client process: connect, send `request`, read to EOF. */
async function exchange(s: Scenario, task: Task, request: string | Uint8Array): Promise<Uint8Array> {
  const fd = sys.socket(task, AF_INET, SOCK_STREAM, 0);
  await sys.connect(task, fd, { family: AF_INET, addr: 0x0a000002, port: 8080 });
  await writeAll(task, fd, typeof request === 'string' ? new TextEncoder().encode(request) : request);
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(65536);
  for (;;) {
    const n = await sys.read(task, fd, buf);
    if (n <= 0) break;
    chunks.push(buf.slice(0, n));
  }
  sys.shutdown(task, fd, SHUT_WR);
  sys.close(task, fd);
  return Buffer.concat(chunks);
}

function split(resp: Uint8Array): { head: string; body: Buffer } {
  const b = Buffer.from(resp);
  const i = b.indexOf('\r\n\r\n');
  return { head: b.subarray(0, i + 2).toString('latin1'), body: b.subarray(i + 4) };
}

const DATE = /Date: [A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT\r\n/;

test('httpd helpers: path canonicalization, mime types, RFC 1123 dates', () => {
  assert.equal(canonicalizeUrlPath('/a//b/./c/'), '/a/b/c/');
  assert.equal(canonicalizeUrlPath('/a/b/../c'), '/a/c');
  assert.equal(canonicalizeUrlPath('/a/..'), '/');
  assert.equal(canonicalizeUrlPath('/..'), null);
  assert.equal(canonicalizeUrlPath('/a/../..'), null);
  assert.deepEqual(['x.html', 'x.htm', 'x.c', 'a.b/x', 'x.js', 'x.HTML', 'x.bin'].map(mimeType),
    ['text/html', 'text/html', 'text/plain', null, 'application/javascript', null, null]);
  assert.equal(rfc1123(784111777), 'Sun, 06 Nov 1994 08:49:37 GMT');
});

test('httpd -f: files, index.html, HEAD, 302, 404, 400, 501, 403, Range; many clients at once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tuxnet-httpd-'));
  try {
    const big = randomBytes(300_000);
    writeFileSync(join(dir, 'index.html'), '<h1>hi</h1>\n');
    writeFileSync(join(dir, 'big.bin'), big);
    writeFileSync(join(dir, 'a b.txt'), 'space\n');
    writeFileSync(join(dir, 'httpd.conf'), 'A:*\n');
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'f.css'), 'p{}');
    utimesSync(join(dir, 'index.html'), 1_700_000_000, 1_700_000_000);
    const s = await scenario(TOPO);
    const out = new BufferStdio();
    const err = new BufferStdio();
    const srvTask = new Task(s.k, s.net('tnxb'), out, err);
    const srv = httpdMain({ task: srvTask, argv: ['httpd', '-f', '-vv', '-p', '10.0.0.2:8080', '-h', dir], stdout: out,
      stderr: err, env: {}, exec: async () => 127, fs: nodeHostFs });
    await s.sleep(0.1);
    const cli = new Task(s.k, s.net('tnxa'), out, err);

    const idx = split(await exchange(s, cli, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    assert.match(idx.head, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(idx.head, DATE);
    assert.equal(idx.head.replace(DATE, ''), 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-type: text/html\r\n' +
      'Accept-Ranges: bytes\r\nLast-Modified: Tue, 14 Nov 2023 22:13:20 GMT\r\nETag: "6553f100-c"\r\nContent-Length: 12\r\n');
    assert.equal(idx.body.toString(), '<h1>hi</h1>\n');

    const head = split(await exchange(s, cli, 'HEAD /big.bin HTTP/1.0\r\n\r\n'));
    assert.match(head.head, /\r\nContent-Length: 300000\r\n$/);
    assert.doesNotMatch(head.head, /Content-type/);
    assert.equal(head.body.length, 0);

    const sp = split(await exchange(s, cli, 'GET /a%20b.txt HTTP/1.1\r\n\r\n'));
    assert.match(sp.head, /Content-type: text\/plain\r\n/);
    assert.equal(sp.body.toString(), 'space\n');

    const redir = split(await exchange(s, cli, 'GET /sub?x=1 HTTP/1.1\r\n\r\n'));
    assert.equal(redir.head.replace(DATE, ''), 'HTTP/1.1 302 Found\r\nConnection: close\r\nContent-type: text/html\r\nLocation: /sub/?x=1\r\n');
    assert.equal(redir.body.length, 0);

    const nf = split(await exchange(s, cli, 'GET /nope HTTP/1.1\r\n\r\n'));
    assert.equal(nf.head.replace(DATE, ''), 'HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-type: text/html\r\n');
    assert.equal(nf.body.toString(), '<HTML><HEAD><TITLE>404 Not Found</TITLE></HEAD>\n<BODY><H1>404 Not Found</H1>\n' +
      'The requested URL was not found\n</BODY></HTML>\n');
    assert.match(split(await exchange(s, cli, 'GET /sub/ HTTP/1.1\r\n\r\n')).head, /^HTTP\/1\.1 404 /);
    assert.match(split(await exchange(s, cli, 'GET /../etc/passwd HTTP/1.1\r\n\r\n')).head, /^HTTP\/1\.1 400 Bad Request/);
    assert.match(split(await exchange(s, cli, 'GET /%zz HTTP/1.1\r\n\r\n')).head, /^HTTP\/1\.1 400 /);
    assert.match(split(await exchange(s, cli, 'GET  / HTTP/1.1\r\n\r\n')).head, /^HTTP\/1\.1 400 /);
    assert.match(split(await exchange(s, cli, 'POST / HTTP/1.1\r\n\r\n')).head, /^HTTP\/1\.1 501 Not Implemented/);
    assert.match(split(await exchange(s, cli, 'GET /httpd.conf HTTP/1.1\r\n\r\n')).head, /^HTTP\/1\.1 403 Forbidden/);

    const part = split(await exchange(s, cli, 'GET /big.bin HTTP/1.1\r\nRange: bytes=1000-1999\r\n\r\n'));
    assert.match(part.head, /^HTTP\/1\.1 206 Partial Content\r\n/);
    assert.match(part.head, /Content-Range: bytes 1000-1999\/300000\r\n.*Content-Length: 1000\r\n$/s);
    assert.deepEqual(part.body, big.subarray(1000, 2000));

    // 20 clients at once (one process, 20 sockets), each a whole 300 kB file.
    const all = await Promise.all(Array.from({ length: 20 }, () => exchange(s, cli, 'GET /big.bin HTTP/1.1\r\n\r\n')));
    for (const r of all) assert.ok(split(r).body.equals(big));

    assert.match(err.text, /^10\.0\.0\.1:\d+: GET \/\n10\.0\.0\.1:\d+: response:200\n/);
    // SIGTERM: the blocked accept returns EINTR and the program dies (the shell reports 143).
    srvTask.kill();
    await assert.rejects(srv, /EINTR/);
    sys.exitTask(srvTask);
    sys.exitTask(cli);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('httpd without -f daemonizes in a lab script; errors: bad home, port in use', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tuxnet-httpd-'));
  try {
    writeFileSync(join(dir, 'hello.txt'), 'hello\n');
    writeFileSync(join(dir, 'req'), 'GET /hello.txt HTTP/1.0\r\n\r\n');
    const out = new BufferStdio();
    const err = new BufferStdio();
    const status = await runLab({
      file: 'web.sh', args: [dir], stdout: out, stderr: err, source: TOPO + `ip netns exec tnxb httpd -p 80 -h "$1"
echo "httpd $?"
ip netns exec tnxb httpd -p 80 -h "$1"
ip netns exec tnxb httpd -f -p 81 -h "$1/none"
ip netns exec tnxa nc 10.0.0.2 80 < "$1/req" > "$1/resp"
echo "nc $?"
`,
    });
    assert.equal(status, 0);
    assert.equal(out.text, 'httpd 0\nnc 0\n');
    assert.equal(err.text, `httpd: bind: Address already in use\nhttpd: can't change directory to '${dir}/none': No such file or directory\n`);
    const resp = readFileSync(join(dir, 'resp'), 'latin1');
    assert.match(resp, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(resp, /\r\nContent-type: text\/plain\r\n.*\r\nContent-Length: 6\r\n\r\nhello\n$/s);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
