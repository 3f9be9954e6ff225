/**
 * Interop HTTP (issue 5, item 4): curl on the Linux kernel against tuxnet's `httpd`
 * (busybox httpd's static subset) across a TAP: a 4 MiB binary file over HTTP/1.1 and
 * HTTP/1.0 (sha256 compared), HEAD, index.html for `/`, 302 for a directory without
 * its slash, 404 for a missing file, and 50 short requests in a row. The capture on
 * the kernel's side passes tshark's expert, HTTP dissection included.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Scope, tapSkipReason, assertCleanCapture, tsharkFields, randomFile } from '../harness/interop.js';

const skip = tapSkipReason(['curl', 'sha256sum']);
if (skip) console.log(`# skipping interop HTTP tests: ${skip}`);

test('interop HTTP: curl from Linux to tuxnet httpd', { skip: skip ?? false, timeout: 90_000 }, async (t) => {
  const s = new Scope('w');
  try {
    const ns = s.netns('k');
    ns.tap('tnxit0');
    ns.sh('ip addr add 10.80.0.1/24 dev tnxit0 && ip link set tnxit0 up');
    const www = s.file('www');
    mkdirSync(join(www, 'sub'), { recursive: true });
    s.file('www/index.html', '<html><body>tuxnet</body></html>\n');
    s.file('www/sub/index.html', 'sub\n');
    const want = randomFile(join(www, 'big.bin'), 4 << 20);
    const cap = await s.capture(ns, 'tnxit0', 'http', { count: 20000 });
    const tux = await s.tuxnet(ns, {
      devs: ['tnxit0=eth0'],
      script: `ip link set eth0 up\nip addr add 10.80.0.2/24 dev eth0\nhttpd -f -p 80 -h ${www} &\n`,
    });
    const curl = (args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> =>
      s.run(ns, ['curl', '-sS', '--max-time', '20', ...args], { timeoutMs: 30_000 });

    const index = await curl(['-i', 'http://10.80.0.2/']);
    assert.equal(index.status, 0, index.stderr);
    assert.match(index.stdout, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(index.stdout, /\r\nContent-type: text\/html\r\n/);
    assert.match(index.stdout, /<body>tuxnet<\/body>/);

    for (const v of ['--http1.1', '--http1.0']) {
      const r = await s.run(ns, ['sh', '-c', `curl -sS --max-time 20 ${v} http://10.80.0.2/big.bin | sha256sum`], { timeoutMs: 30_000 });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.split(' ')[0], want, `sha256 of big.bin over ${v}`);
    }
    const head = await curl(['-I', 'http://10.80.0.2/big.bin']);
    assert.match(head.stdout, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(head.stdout, new RegExp(`\\r\\nContent-Length: ${4 << 20}\\r\\n`));
    const dir = await curl(['-o', '/dev/null', '-w', '%{http_code} %{redirect_url}', 'http://10.80.0.2/sub']);
    assert.equal(dir.stdout, '302 http://10.80.0.2/sub/');
    const sub = await curl(['-L', 'http://10.80.0.2/sub']);
    assert.equal(sub.stdout, 'sub\n');
    const missing = await curl(['-o', '/dev/null', '-w', '%{http_code}', 'http://10.80.0.2/nope']);
    assert.equal(missing.stdout, '404');

    // 50 short requests, each on its own connection (httpd closes after every response).
    const urls = Array.from({ length: 50 }, () => 'http://10.80.0.2/index.html');
    const many = await curl(['-w', '%{http_code}\\n', ...urls.flatMap((u) => ['-o', '/dev/null', u])]);
    assert.equal(many.status, 0, many.stderr);
    assert.deepEqual(many.stdout.trim().split('\n'), urls.map(() => '200'));
    await tux.stop();

    const st = await cap.stop();
    const rep = assertCleanCapture(cap.file);
    const responses = tsharkFields(cap.file, 'http.response', ['http.response.code']).length;
    assert.ok(responses >= 55, `HTTP responses in the capture: ${responses}`);
    t.diagnostic(`capture: ${st.captured} packets, ${responses} HTTP responses, ${rep.items.length} expert items, clean`);
  } finally {
    await s.close();
  }
});
