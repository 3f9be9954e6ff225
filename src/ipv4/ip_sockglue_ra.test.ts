/**
 * IP_ROUTER_ALERT through the syscall layer (Linux: ip_setsockopt -> ip_ra_control,
 * raw_close): raw sockets only, one entry per socket, left on close.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKernel } from '../index.js';
import { Task } from '../socket/task.js';
import { BufferStdio } from '../tools/tool.js';
import * as sys from '../socket/syscalls.js';
import { AF_INET, SOCK_RAW, SOCK_DGRAM } from '../socket/socket.js';
import { SystemError } from '../socket/errno.js';
import { SOL_IP, IP_ROUTER_ALERT } from './inet_sock.js';
import { IPPROTO_RAW } from '../wire/iphdr.js';

function code(f: () => void): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    return e instanceof SystemError ? e.code : String(e);
  }
}

test('IP_ROUTER_ALERT: raw sockets join the chain once, leave it on close; others get EINVAL', () => {
  const k = createKernel({ seed: 1 });
  const t = new Task(k, k.initNet, new BufferStdio(), new BufferStdio(), 1);
  const raw = sys.socket(t, AF_INET, SOCK_RAW, 50);
  assert.equal(code(() => sys.setsockopt(t, raw, SOL_IP, IP_ROUTER_ALERT, 1)), 'ok');
  assert.equal(code(() => sys.setsockopt(t, raw, SOL_IP, IP_ROUTER_ALERT, 1)), 'EADDRINUSE');
  assert.equal(code(() => sys.setsockopt(t, raw, SOL_IP, IP_ROUTER_ALERT, 0)), 'ok');
  assert.equal(code(() => sys.setsockopt(t, raw, SOL_IP, IP_ROUTER_ALERT, 0)), 'ENOBUFS', 'Linux: off without an entry is -ENOBUFS (no new entry allocated)');
  assert.equal(code(() => sys.setsockopt(t, raw, SOL_IP, IP_ROUTER_ALERT, 1)), 'ok');
  sys.close(t, raw);
  const raw2 = sys.socket(t, AF_INET, SOCK_RAW, 50);
  assert.equal(code(() => sys.setsockopt(t, raw2, SOL_IP, IP_ROUTER_ALERT, 1)), 'ok', 'the closed socket left the chain');
  const udp = sys.socket(t, AF_INET, SOCK_DGRAM, 0);
  assert.equal(code(() => sys.setsockopt(t, udp, SOL_IP, IP_ROUTER_ALERT, 1)), 'EINVAL');
  const rawRaw = sys.socket(t, AF_INET, SOCK_RAW, IPPROTO_RAW);
  assert.equal(code(() => sys.setsockopt(t, rawRaw, SOL_IP, IP_ROUTER_ALERT, 1)), 'EINVAL');
});
