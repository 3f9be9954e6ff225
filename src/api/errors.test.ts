import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { inspectValue, ERR_INVALID_ARG_TYPE, ERR_SOCKET_BAD_PORT, determineSpecificType } from './errors.js';

test('inspectValue shows values as util.inspect does (what error messages quote)', () => {
  const values: unknown[] = ['x', "it's", 'a\nb\t\\', `q'"`, 'c\x01', -0, 5, NaN, 5n, Symbol('s'), true, null, undefined,
    () => 1, function f(): void {}, { port: 'x', host: 3 }, [1, 'a'], Object.create(null), { a: { b: { c: { d: 1 } } } },
    [], {}, { 'a-b': 1 }];
  for (const v of values) assert.equal(inspectValue(v), inspect(v), `for ${String(inspect(v))}`);
});

test('ERR_* errors are worded, named and stringified as Node 20 words them', () => {
  const e = ERR_INVALID_ARG_TYPE('options', 'object', 'x');
  assert.ok(e instanceof TypeError);
  assert.equal(e.code, 'ERR_INVALID_ARG_TYPE');
  assert.equal(String(e), `TypeError [ERR_INVALID_ARG_TYPE]: The "options" argument must be of type object. Received type string ('x')`);
  assert.match(e.stack ?? '', /^TypeError \[ERR_INVALID_ARG_TYPE\]: The "options"/);
  assert.equal(ERR_INVALID_ARG_TYPE('chunk', ['Uint8Array', 'ArrayBufferView', 'ArrayBuffer'], 1).message,
    'The "chunk" argument must be an instance of Uint8Array, ArrayBufferView, or ArrayBuffer. Received type number (1)');
  assert.equal(ERR_SOCKET_BAD_PORT('Port', -1, true).message, 'Port should be >= 0 and < 65536. Received type number (-1).');
  assert.equal(determineSpecificType('a'.repeat(40)), `type string ('aaaaaaaaaaaaaaaaaaaaaaaaa...')`);
  assert.equal(determineSpecificType(Object.create(null)), '[Object: null prototype] {}');
});
