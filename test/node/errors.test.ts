/**
 * Node-shaped system errors (src/node/errors.ts): names and messages are libuv's as
 * Node reports them (util.getSystemErrorName / util.getSystemErrorMap on this Linux
 * host), for every errno the tuxnet kernel names, and one errnoOf convention.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import util from 'node:util';
import { errnoException, errnoOf, systemErrorMessage, systemErrorName } from '../../src/node/errors.js';
import { SystemError, errnoName, ENOTEMPTY, ECONNRESET } from '../../src/socket/errno.js';

test('system error names and messages are Node\'s (libuv\'s) for every errno the kernel names', { skip: process.platform === 'linux' ? false : 'the host table has Linux numbers only on Linux' }, () => {
  const host = util.getSystemErrorMap();
  let checked = 0;
  for (let e = 1; e < 140; e++) {
    const uv = host.get(-e);
    if (!uv || errnoName(e) === `E${e}`) continue;
    assert.equal(systemErrorName(e), uv[0], `errno ${e}`);
    assert.equal(systemErrorMessage(-e), uv[1], `errno ${e}`);
    checked++;
  }
  assert.ok(checked >= 60, `${checked}`);
  // Before: a hand-copied table lacked these and said "Unknown system error".
  const ex = errnoException(ENOTEMPTY, 'rmdir');
  assert.deepEqual([ex.message, ex.code, ex.errno], ['rmdir ENOTEMPTY', 'ENOTEMPTY', -ENOTEMPTY]);
  assert.equal(systemErrorMessage(40), 'too many symbolic links encountered');
  assert.equal(systemErrorName(9999), 'Unknown system error -9999');
});

test('errnoOf: the negative errno of a SystemError or of an errno of either sign; anything else rethrown', () => {
  assert.equal(errnoOf(new SystemError(ECONNRESET, 'read')), -ECONNRESET);
  assert.equal(errnoOf(ECONNRESET), -ECONNRESET);
  assert.equal(errnoOf(-ECONNRESET), -ECONNRESET);
  const bug = new TypeError('x');
  assert.throws(() => errnoOf(bug), (e) => e === bug);
});
