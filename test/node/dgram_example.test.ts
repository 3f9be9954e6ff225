/**
 * examples/node/dgram_echo.mjs runs as a program of its own (the way a user runs it
 * after `npm run build`), exits by itself, and prints the exchange.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

test('examples/node/dgram_echo.mjs: UDP request/response between two namespaces', () => {
  // dist/test/node/ -> the repository root, where examples/ and dist/ live.
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const r = spawnSync(process.execPath, ['examples/node/dgram_echo.mjs'], { cwd: root, encoding: 'utf8', timeout: 60000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  const lines = r.stdout.trimEnd().split('\n');
  const want = [
    /^server: listening on 0\.0\.0\.0:41234$/,
    /^server: "hello" from 10\.0\.0\.1 \(IPv4, 5 bytes\)$/,
    /^client: HELLO from 10\.0\.0\.2:41234$/,
    /^server: "udp over tuxnet" from 10\.0\.0\.1 \(IPv4, 15 bytes\)$/,
    /^client: UDP OVER TUXNET from 10\.0\.0\.2:41234$/,
    /^client: connected to \{"address":"10\.0\.0\.2","family":"IPv4","port":41234\}$/,
    /^server: "connected" from 10\.0\.0\.1 \(IPv4, 9 bytes\)$/,
    /^client: CONNECTED from 10\.0\.0\.2:41234$/,
    /^client: recvmsg ECONNREFUSED \(code ECONNREFUSED, errno -111\)$/,
    /^done$/,
  ];
  assert.equal(lines.length, want.length, r.stdout);
  want.forEach((re, i) => assert.match(lines[i]!, re));
});
