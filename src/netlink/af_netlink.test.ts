import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testKernel } from '../../test/harness/kernel.js';
import { Task } from '../socket/task.js';
import * as sys from '../socket/syscalls.js';
import { AF_NETLINK, SOCK_RAW, SOL_NETLINK, SOL_SOCKET, SO_RCVBUF } from '../socket/socket.js';
import {
  NlMsgBuilder, nlmsgSplit, nlmsgerrParse, NETLINK_ROUTE, NETLINK_EXT_ACK, NETLINK_ADD_MEMBERSHIP, NLM_F_REQUEST,
  NLM_F_ACK, NLM_F_DUMP, NLM_F_MULTI, NLMSG_DONE, NLMSG_ERROR, type NlMsg,
} from '../wire/netlink.js';
import { RTM_GETLINK, RTM_NEWLINK, RTM_DELLINK, RTNLGRP_LINK } from '../wire/rtnetlink.js';
import { dummyLinkOps } from './rtnl_link_kinds.js';
import { allocNetdev } from '../core/netdevice.js';
import { registerNetdevice, unregisterNetdevice } from '../core/dev.js';

const quiet = { write(): void {} };

function open(k = testKernel()): { k: ReturnType<typeof testKernel>; t: Task; fd: number } {
  const t = new Task(k, k.initNet, quiet, quiet, 1);
  const fd = sys.socket(t, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  sys.setsockopt(t, fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
  return { k, t, fd };
}

function drain(t: Task, fd: number, max = 65536): NlMsg[] {
  const out: NlMsg[] = [];
  let r;
  while ((r = sys.recvmsgNow(t, fd, max))) out.push(...nlmsgSplit(r.data).msgs);
  return out;
}

function addDummies(k: ReturnType<typeof testKernel>, n: number): void {
  for (let i = 0; i < n; i++) {
    const dev = allocNetdev(`dummy${i}`, () => {}, { ndoStartXmit: () => 0 });
    dev.net = k.initNet;
    dummyLinkOps.setup(dev);
    dev.rtnlLinkOps = dummyLinkOps;
    assert.equal(registerNetdevice(k.initNet, dev), 0);
  }
}

test('truncated and bad-length messages are discarded as Linux does (no answer, no exception); a short family header is -EINVAL', () => {
  const { t, fd } = open();
  const b = new NlMsgBuilder();
  const h = b.nlmsgPut(0, 9, RTM_GETLINK, 16, NLM_F_REQUEST | NLM_F_ACK);
  b.nlmsgEnd(h);
  const bytes = b.bytes();
  sys.send(t, fd, bytes.subarray(0, 24)); // nlmsg_len 32 but only 24 bytes
  assert.deepEqual(drain(t, fd), []);
  const bad = bytes.slice();
  bad[0] = 8; // below the header size
  sys.send(t, fd, bad);
  assert.deepEqual(drain(t, fd), []);
  // A whole message whose body is shorter than struct ifinfomsg: NLMSG_ERROR -EINVAL.
  const s = new NlMsgBuilder();
  const hs = s.nlmsgPut(0, 10, RTM_GETLINK, 4, NLM_F_REQUEST | NLM_F_ACK);
  s.nlmsgEnd(hs);
  sys.send(t, fd, s.bytes());
  const m = drain(t, fd);
  assert.equal(m.length, 1);
  assert.equal(m[0]!.type, NLMSG_ERROR);
  assert.equal(nlmsgerrParse(m[0]!).error, -22);
  // The socket still works.
  const d = new NlMsgBuilder();
  const hd = d.nlmsgPut(0, 11, RTM_GETLINK, 16, NLM_F_REQUEST | NLM_F_DUMP);
  d.nlmsgEnd(hd);
  sys.send(t, fd, d.bytes());
  assert.ok(drain(t, fd).some((x) => x.type === NLMSG_DONE));
});

test('bad attributes: short IFLA_MTU is -ERANGE with the policy message; bad ifname is -EINVAL', () => {
  const { t, fd } = open();
  const b = new NlMsgBuilder();
  const h = b.nlmsgPut(0, 1, RTM_NEWLINK, 16, NLM_F_REQUEST | NLM_F_ACK);
  b.nlaPut(4, new Uint8Array([0, 5]));
  b.nlmsgEnd(h);
  sys.send(t, fd, b.bytes());
  const e = nlmsgerrParse(drain(t, fd)[0]!);
  assert.equal(e.error, -34);
  assert.equal(e.msg, 'Attribute failed policy validation');
  assert.equal(e.offs, 32);
  const b2 = new NlMsgBuilder();
  const h2 = b2.nlmsgPut(0, 2, RTM_NEWLINK, 16, NLM_F_REQUEST | NLM_F_ACK | 0x600);
  b2.nlaPutString(3, 'a/b');
  const li = b2.nlaNestStart(18);
  b2.nlaPutString(1, 'dummy');
  b2.nlaNestEnd(li);
  b2.nlmsgEnd(h2);
  sys.send(t, fd, b2.bytes());
  assert.equal(nlmsgerrParse(drain(t, fd)[0]!).error, -22);
});

test('a dump continues over several recvmsg calls and ends with NLMSG_DONE', () => {
  const { k, t, fd } = open();
  addDummies(k, 40);
  const b = new NlMsgBuilder();
  const h = b.nlmsgPut(0, 5, RTM_GETLINK, 16, NLM_F_REQUEST | NLM_F_DUMP);
  b.nlmsgEnd(h);
  sys.send(t, fd, b.bytes());
  let datagrams = 0;
  const names: number[] = [];
  let done = false;
  let r;
  while (!done && (r = sys.recvmsgNow(t, fd, 8192))) {
    datagrams++;
    for (const m of nlmsgSplit(r.data).msgs) {
      if (m.type === NLMSG_DONE) done = true;
      else {
        assert.equal(m.type, RTM_NEWLINK);
        assert.ok(m.flags & NLM_F_MULTI);
        names.push(m.seq);
      }
    }
  }
  assert.ok(done);
  assert.equal(names.length, 41);
  assert.ok(datagrams >= 3, `dump spread over ${datagrams} datagrams`);
});

test('RTNLGRP_LINK members get RTM_NEWLINK/RTM_DELLINK; an overrun reports ENOBUFS once', () => {
  const { k, t, fd } = open();
  sys.setsockopt(t, fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, RTNLGRP_LINK);
  addDummies(k, 1);
  const dev = k.initNet.devGetByName('dummy0')!;
  unregisterNetdevice(dev);
  const msgs = drain(t, fd);
  assert.deepEqual(msgs.map((m) => m.type), [RTM_NEWLINK, RTM_DELLINK]);
  sys.setsockopt(t, fd, SOL_SOCKET, SO_RCVBUF, 1000);
  addDummies(k, 10);
  assert.throws(() => sys.recvmsgNow(t, fd), { code: 'ENOBUFS' });
  assert.ok(sys.recvmsgNow(t, fd));
});

test('property: random rtnetlink requests (valid header, random type/flags/body) never throw and always get an answer or silence', async () => {
  const fc = (await import('fast-check')).default;
  const { k, t, fd } = open();
  addDummies(k, 2);
  fc.assert(fc.property(
    fc.integer({ min: 16, max: 100 }), fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 120, size: 'max' }),
    (type, flags, body) => {
      const msg = new Uint8Array(16 + body.length);
      const v = new DataView(msg.buffer);
      v.setUint32(0, msg.length, true);
      v.setUint16(4, type, true);
      v.setUint16(6, (flags | NLM_F_REQUEST) & ~NLM_F_DUMP, true);
      v.setUint32(8, 7, true);
      msg.set(body, 16);
      try {
        sys.send(t, fd, msg);
      } catch (e) {
        // Only syscall-level errors (e.g. EPERM-like answers) are acceptable, never a crash.
        if (!(e instanceof Error) || e.name !== 'SystemError') throw e;
      }
      for (const m of drain(t, fd)) {
        if (m.type === NLMSG_ERROR) assert.ok(nlmsgerrParse(m).error <= 0);
      }
      return true;
    }), { numRuns: 400, seed: 7 });
  // The kernel still works afterwards.
  const b = new NlMsgBuilder();
  const h = b.nlmsgPut(0, 1, RTM_GETLINK, 16, NLM_F_REQUEST | NLM_F_DUMP);
  b.nlmsgEnd(h);
  sys.send(t, fd, b.bytes());
  assert.ok(drain(t, fd).some((m) => m.type === NLMSG_DONE));
});
