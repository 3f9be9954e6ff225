import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ipv4Net } from './netns_ipv4.js';
import {
  LINUX_MIB_TCPSACKDISCARD, LINUX_MIB_TCPDSACKRECV, LINUX_MIB_TCPDSACKOFORECV, LINUX_MIB_TCPDSACKRECVSEGS,
  LINUX_MIB_TCPDSACKIGNOREDNOUNDO, LINUX_MIB_TCPSACKREORDER, LINUX_MIB_TCPDSACKIGNOREDDUBIOUS,
} from '../core/snmp.js';
import { TCP_SKB_CB } from './tcp_sock.js';
import {
  TCPCB_SACKED_ACKED, TCPCB_LOST, TCPCB_SACKED_RETRANS, FLAG_DATA_SACKED, FLAG_DSACKING_ACK, FLAG_ORIG_SACK_ACKED,
} from './tcp_defs.js';
import { tcpSacktagWriteQueue, TcpSacktagState, tcpIsSackblockValid, tcpHighestSackSeq } from './tcp_sacktag.js';
import { recoveryKernel, scoreboardSock, sendSegments, ackWithSack, segs, setTimeUs, retransmit } from './tcp_scoreboard_testutil.js';

const ISN = 1000;

function setup() {
  const k = recoveryKernel();
  setTimeUs(k, null, 1_000_000);
  const tp = scoreboardSock(k, { isn: ISN });
  const skbs = sendSegments(tp, 10);
  tp.highSeq = tp.sndNxt;
  setTimeUs(k, tp, 1_050_000);
  return { k, tp, skbs, mib: ipv4Net(k.initNet).mib.net };
}

function sacktag(tp: ReturnType<typeof setup>['tp'], ack: number, blocks: Array<[number, number]>) {
  const st = new TcpSacktagState();
  const flag = tcpSacktagWriteQueue(tp, ackWithSack(ack, blocks), tp.sndUna, st);
  return { st, flag };
}

test('sacktag: a SACK block tags the skbs it covers and counts them', () => {
  const { tp, skbs } = setup();
  const { st, flag } = sacktag(tp, ISN, [segs(ISN, 3, 5)]);
  assert.equal(tp.sackedOut, 3);
  for (let i = 0; i < 10; i++) {
    assert.equal((TCP_SKB_CB(skbs[i]).sacked & TCPCB_SACKED_ACKED) !== 0, i >= 3 && i <= 5, `skb ${i}`);
  }
  assert.ok(flag & FLAG_DATA_SACKED);
  assert.ok(flag & FLAG_ORIG_SACK_ACKED, 'never-retransmitted data below high_seq');
  assert.equal(st.sackDelivered, 3);
  assert.equal(tp.highestSack, skbs[6], 'highest_sack is the skb after the highest SACKed');
  assert.equal(tcpHighestSackSeq(tp), TCP_SKB_CB(skbs[6]).seq);
  assert.equal(st.firstSackt, 1_000_000, 'RTT sample from the SACKed skbs send time');
  assert.equal(tp.recvSackCache[3].startSeq, segs(ISN, 3, 5)[0], 'cache holds the used block last');
  assert.equal(tp.rackMstamp, 1_000_000, 'RACK advanced');
  assert.equal(tp.rackEndSeq, TCP_SKB_CB(skbs[5]).endSeq);
  // The same block again changes nothing (served from recv_sack_cache).
  const again = sacktag(tp, ISN, [segs(ISN, 3, 5)]);
  assert.equal(tp.sackedOut, 3);
  assert.equal(again.st.sackDelivered, 0);
  assert.equal(again.flag & FLAG_DATA_SACKED, 0);
});

test('sacktag: several blocks in any order, lost and retransmitted bits cleared as Linux', () => {
  const { tp, skbs } = setup();
  TCP_SKB_CB(skbs[7]).sacked |= TCPCB_LOST;
  tp.lostOut = 1;
  TCP_SKB_CB(skbs[8]).sacked |= TCPCB_LOST;
  tp.lostOut++;
  retransmit(tp, skbs[8]);
  sacktag(tp, ISN, [segs(ISN, 7, 8), segs(ISN, 2, 2)]);
  assert.equal(tp.sackedOut, 3);
  assert.equal(tp.lostOut, 0);
  assert.equal(tp.retransOut, 0, 'L|R SACKed: the retransmission is no longer in flight');
  assert.equal(TCP_SKB_CB(skbs[8]).sacked & (TCPCB_LOST | TCPCB_SACKED_RETRANS), 0);
});

test('sacktag: blocks beyond snd_nxt or reversed are discarded (TCPSACKDiscard)', () => {
  const { tp, mib } = setup();
  assert.equal(tcpIsSackblockValid(tp, false, tp.sndNxt, tp.sndNxt + 1000), false);
  assert.equal(tcpIsSackblockValid(tp, false, ISN + 2000, ISN + 1000), false);
  assert.equal(tcpIsSackblockValid(tp, false, ISN, ISN + 1000), false, 'start_seq == snd_una is nonsensical');
  assert.equal(tcpIsSackblockValid(tp, false, ISN + 1000, ISN + 2000), true);
  sacktag(tp, ISN, [[tp.sndNxt, tp.sndNxt + 1000]]);
  assert.equal(mib[LINUX_MIB_TCPSACKDISCARD], 1);
  assert.equal(tp.sackedOut, 0);
});

test('sacktag: D-SACK below the ACK (TCPDSACKRecv) undoes one retransmission', () => {
  const { tp, skbs, mib } = setup();
  retransmit(tp, skbs[0]);
  tp.undoMarker = ISN;
  tp.undoRetrans = 1;
  // The original and the retransmission both arrived: cumulative ACK 1 segment + D-SACK of it.
  const ack = TCP_SKB_CB(skbs[0]).endSeq;
  const st = new TcpSacktagState();
  tp.sndUna = ack; /* tcp_ack moves snd_una before tagging */
  const flag = tcpSacktagWriteQueue(tp, ackWithSack(ack, [segs(ISN, 0, 0)]), ISN, st);
  assert.equal(mib[LINUX_MIB_TCPDSACKRECV], 1);
  assert.equal(mib[LINUX_MIB_TCPDSACKRECVSEGS], 1);
  assert.ok(flag & FLAG_DSACKING_ACK);
  assert.equal(tp.undoRetrans, 0);
  assert.equal(tp.dsackDups, 1);
  assert.equal(st.sackDelivered, 1, 'the spurious retransmission counts as delivered');
  assert.equal(tp.rxOpt.sackOk & 4, 4, 'TCP_DSACK_SEEN');
});

test('sacktag: D-SACK inside the second block (TCPDSACKOfoRecv); dubious D-SACK ignored', () => {
  const { tp, skbs, mib } = setup();
  retransmit(tp, skbs[4]);
  sacktag(tp, ISN, [segs(ISN, 4, 4), segs(ISN, 3, 5)]);
  assert.equal(mib[LINUX_MIB_TCPDSACKOFORECV], 1);
  assert.equal(tp.sackedOut, 3);
  // More D-SACKed than ever retransmitted: dubious.
  sacktag(tp, ISN, [segs(ISN, 5, 5), segs(ISN, 3, 5)]);
  assert.equal(mib[LINUX_MIB_TCPDSACKIGNOREDDUBIOUS], 1);
});

test('sacktag: D-SACK below snd_una with no undo marker is ignored (TCPDSACKIgnoredNoUndo)', () => {
  const { tp, mib } = setup();
  tp.totalRetrans = 5;
  tp.sndUna = ISN + 2000;
  sacktag(tp, ISN + 2000, [[ISN, ISN + 1000]]);
  assert.equal(mib[LINUX_MIB_TCPDSACKRECV], 1);
  assert.equal(mib[LINUX_MIB_TCPDSACKIGNOREDNOUNDO], 1);
});

test('sacktag: a hole below the highest SACK filled by its original is reordering (TCPSACKReorder)', () => {
  const { tp, mib } = setup();
  sacktag(tp, ISN, [segs(ISN, 6, 6)]);
  assert.equal(mib[LINUX_MIB_TCPSACKREORDER], 0);
  sacktag(tp, ISN, [segs(ISN, 1, 1), segs(ISN, 6, 6)]);
  assert.equal(mib[LINUX_MIB_TCPSACKREORDER], 1);
  // fack = seq of segment 7, low_seq = seq of segment 1: 6 segments apart.
  assert.equal(tp.reordering, 6);
  assert.equal(tp.reordSeen, 1);
});

test('sacktag property: after any ACK sequence, exactly the skbs a valid block covered are SACKed (recv_sack_cache only saves work)', () => {
  const block = fc.tuple(fc.integer({ min: 0, max: 19 }), fc.integer({ min: 0, max: 19 }))
    .map(([a, b]) => (a <= b ? [a, b] : [b, a]) as [number, number]);
  const ack = fc.record({ una: fc.integer({ min: 0, max: 3 }), blocks: fc.array(block, { minLength: 1, maxLength: 4 }) });
  fc.assert(fc.property(fc.array(ack, { minLength: 1, maxLength: 12 }), (acks) => {
    const k = recoveryKernel();
    setTimeUs(k, null, 1_000_000);
    const tp = scoreboardSock(k, { isn: ISN });
    const skbs = sendSegments(tp, 20);
    tp.highSeq = tp.sndNxt;
    const covered = new Set<number>();
    let una = 0;
    for (const a of acks) {
      una = Math.max(una, a.una);
      const ackSeq = ISN + una * 1000;
      if (ackSeq !== tp.sndUna) {
        tp.sndUna = ackSeq;
        /* cumulative ACK: drop acked skbs like tcp_clean_rtx_queue */
        while (tp.rtxQueue.peek() && TCP_SKB_CB(tp.rtxQueue.peek()!).endSeq <= ackSeq) {
          const h = tp.rtxQueue.dequeue()!;
          if (TCP_SKB_CB(h).sacked & TCPCB_SACKED_ACKED) tp.sackedOut--;
          if (tp.highestSack === h) tp.highestSack = tp.rtxQueue.peek();
          tp.packetsOut--;
        }
      }
      const blocks = a.blocks.map(([i, j]) => segs(ISN, i, j));
      const st = new TcpSacktagState();
      tcpSacktagWriteQueue(tp, ackWithSack(ackSeq, blocks), tp.sndUna, st);
      /* Model: a block is valid when it starts above snd_una (tcp_is_sackblock_valid; with
       * nothing retransmitted a D-SACK is dubious and treated as an ordinary block). */
      for (const [i, j] of a.blocks) if (i > una) for (let x = i; x <= j; x++) covered.add(x);
    }
    let sacked = 0;
    for (let x = una; x < 20; x++) {
      const isS = (TCP_SKB_CB(skbs[x]).sacked & TCPCB_SACKED_ACKED) !== 0;
      if (isS) sacked++;
      assert.equal(isS, covered.has(x), `skb ${x}: SACKed ${isS}, covered by a valid block ${covered.has(x)}`);
    }
    assert.equal(tp.sackedOut, sacked);
    assert.ok(tp.sackedOut <= tp.packetsOut);
  }), { numRuns: 300, seed: 42 });
});
