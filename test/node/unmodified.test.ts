/**
 * Acceptance: an unmodified Node program written for node:http and the global fetch
 * (test/fixtures/unmodified/app.mjs) runs against tuxnet by only swapping the module and
 * the dispatcher: `node --import preload.mjs app.mjs`, where the preload boots a kernel,
 * installs the namespace's undici dispatcher as the global one and registers a resolve
 * hook (module.register, Node >= 20.6) that maps the program's `node:http` to tuxnet's
 * http module. The program's output must equal what it prints on the host's loopback.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { runNode, type ChildRun } from '../harness/node_child.js';

const fixtures = fileURLToPath(new URL('../../../test/fixtures/unmodified/', import.meta.url));

/** `node ARGS...` in the fixture folder. */
function runApp(args: string[], env: Record<string, string> = {}): Promise<ChildRun> {
  return runNode(args, fixtures, env);
}

const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
const hasRegister = major > 20 || (major === 20 && minor >= 6);

test('an unmodified node:http + global fetch program prints the same over tuxnet as on the host loopback',
  { skip: hasRegister ? false : 'module.register needs Node >= 20.6' }, async () => {
    const host = await runApp(['app.mjs']);
    assert.equal(host.code, 0, `host run failed: ${host.stderr}`);
    assert.match(host.stdout, /^listening on 127\.0\.0\.1 \(IPv4\)\n/);
    assert.match(host.stdout, /server closed\n$/);

    const tux = await runApp(['--import', './preload.mjs', 'app.mjs']);
    assert.equal(tux.code, 0, `tuxnet run failed: ${tux.stderr}`);
    assert.equal(tux.stdout, host.stdout);
    assertWentThroughTuxnet(tux.stderr);
  });

test('the unmodified program on a real-time tuxnet kernel prints the same', {
  skip: hasRegister ? false : 'module.register needs Node >= 20.6' }, async () => {
  const host = await runApp(['app.mjs']);
  assert.equal(host.code, 0, `host run failed: ${host.stderr}`);
  const tux = await runApp(['--import', './preload.mjs', 'app.mjs'], { TUXNET_CLOCK: 'real' });
  assert.equal(tux.code, 0, `tuxnet run failed: ${tux.stderr}`);
  assert.equal(tux.stdout, host.stdout);
  // Same output alone would also pass if the swap silently failed and the program ran on
  // the host loopback (review-node #11): the namespace's TCP must have carried it.
  assertWentThroughTuxnet(tux.stderr);
});

/**
 * The traffic went through the namespace's TCP: one connection per parallel fetch at
 * least, opened by the client and accepted by the server, both in the namespace.
 */
function assertWentThroughTuxnet(stderr: string): void {
  const m = /tuxnet: Tcp ActiveOpens=(\d+) PassiveOpens=(\d+) InSegs=(\d+) OutSegs=(\d+)/.exec(stderr);
  assert.ok(m, `no tuxnet counters on stderr: ${stderr}`);
  assert.ok(Number(m[1]) >= 1 && Number(m[1]) === Number(m[2]), `ActiveOpens=${m[1]} PassiveOpens=${m[2]}`);
  assert.ok(Number(m[3]) > 0 && Number(m[4]) > 0);
}
