import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testKernel } from '../../test/harness/kernel.js';
import { netifNapiAdd, napiSchedule, napiCompleteDone, type NapiStruct } from './napi.js';
import { allocNetdev } from './netdevice.js';
import { dummySetup, dummyOps } from '../drivers/dummy.js';
import { registerNetdevice } from './dev.js';

/** A fake driver with `pending` frames per device, polled by NAPI. */
function fakeDevices(n: number, frames: number[]) {
  const k = testKernel();
  const polls: string[] = [];
  const napis: NapiStruct[] = [];
  for (let i = 0; i < n; i++) {
    const dev = allocNetdev(`d${i}`, (d) => dummySetup(d, k.rng), dummyOps);
    registerNetdevice(k.initNet, dev);
    const state = { pending: frames[i]! };
    const napi = netifNapiAdd(dev, (nap, budget) => {
      const work = Math.min(budget, state.pending);
      state.pending -= work;
      polls.push(`${dev.name}:${work}`);
      if (work < budget) napiCompleteDone(nap, work);
      return work;
    });
    napis.push(napi);
  }
  return { k, polls, napis };
}

test('a poll gets weight 64; a full poll stays scheduled and goes to the tail', () => {
  const { k, polls, napis } = fakeDevices(2, [150, 10]);
  k.sched.localBhDisable();
  napiSchedule(napis[0]!);
  napiSchedule(napis[1]!);
  assert.equal(napiSchedule(napis[0]!), false, 'already scheduled');
  k.sched.localBhEnable();
  assert.deepEqual(polls, ['d0:64', 'd1:10', 'd0:64', 'd0:22']);
});

test('netdev_budget ends a round (time_squeeze); the next round starts with who waited, so no device starves', () => {
  const { k, polls, napis } = fakeDevices(3, [1000, 1000, 5]);
  k.netdevBudget = 128;
  k.sched.localBhDisable();
  for (const n of napis) napiSchedule(n);
  k.sched.localBhEnable();
  // Round 1: d0 and d1 use the budget; d2 waits and is first in round 2.
  assert.deepEqual(polls.slice(0, 3), ['d0:64', 'd1:64', 'd2:5']);
  assert.ok(k.softnet.timeSqueeze >= 1);
  // After MAX_SOFTIRQ_RESTART passes the rest is left to the deferred loop (ksoftirqd).
  while (k.sched.pending) k.sched.doSoftirq();
  const total = (dev: string) => polls.filter((p) => p.startsWith(dev + ':')).reduce((sum, p) => sum + Number(p.split(':')[1]), 0);
  assert.equal(total('d0'), 1000);
  assert.equal(total('d1'), 1000);
  assert.equal(total('d2'), 5);
});
