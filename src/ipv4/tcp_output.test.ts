/**
 * Unit tests of the TCP output engine: option layout against a real Linux 6.18 SYN /
 * SYN-ACK (captured with tcpdump over veth between two namespaces on this host, tx
 * checksum offload off), window selection (initial window, scaling, never shrinking,
 * zero-window counters), MSS computation, and the timer arithmetic (backoff model,
 * SYN retransmission schedule with tcp_syn_linear_timeouts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKernel } from '../index.js';
import type { Kernel } from '../core/net_namespace.js';
import type { DstEntry } from '../core/dst.js';
import { ipv4Net } from './netns_ipv4.js';
import { TcpSock, RequestSock, TcpSackBlock } from './tcp_sock.js';
import { TCP_TIMER_FNS, tcpModelTimeout } from './tcp_timer.js';
import {
  tcpMakeSynack, tcpV4SendCheck, tcpSelectInitialWindow, tcpSelectWindow, tcpMtuToMss, tcpSyncMss, tcpCurrentMss,
  tcpMssToMtu, TCP_SYNACK_NORMAL,
} from './tcp_output.js';
import { TcpOutOptions, tcpSynOptions, tcpOptionsWrite, tcpOptionsWriteEstablished, tcpEstablishedOptionsSize } from './tcp_output_opts.js';
import {
  LINUX_MIB_TCPTOZEROWINDOWADV, LINUX_MIB_TCPFROMZEROWINDOWADV, LINUX_MIB_TCPWANTZEROWINDOWADV,
} from '../core/snmp.js';

function hex(s: string): Uint8Array {
  const c = s.replace(/\s+/g, '');
  const b = new Uint8Array(c.length / 2);
  for (let i = 0; i < b.length; i++) b[i] = parseInt(c.substr(i * 2, 2), 16);
  return b;
}

function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

const ip = (s: string): number => s.split('.').reduce((a, b) => a * 256 + Number(b), 0) >>> 0;

function sock(k: Kernel): TcpSock {
  const sk = new TcpSock(k.initNet, 1, 6, TCP_TIMER_FNS);
  return sk;
}

/** A route-like dst with an MTU (tcpMakeSynack reads advmss from it). */
function fakeDst(mtu: number): DstEntry {
  return {
    dev: null, input: () => 0, output: () => 0, mtu: () => mtu, obsolete: 0, error: 0,
    metrics: new Uint32Array(20),
  } as unknown as DstEntry;
}

/* Linux 6.18, veth MTU 1500, 10.77.0.1:54078 -> 10.77.0.2:5001. */
const LINUX_SYN_TCP = hex('d33e 1389 2db0 545f 0000 0000 a002 faf0 e728 0000 0204 05b4 0402 080a cfe1 188e 0000 0000 0103 030a');
const LINUX_SYNACK_TCP = hex('1389 d33e b3d2 0e2e 2db0 5460 a012 fe88 a00d 0000 0204 05b4 0402 080a ba02 c76e cfe1 188e 0103 030a');

test('SYN options: MSS, SACK_PERM packed with TS, NOP WSCALE, as Linux 6.18 sends them', () => {
  const k = createKernel({ seed: 1 });
  const sk = sock(k);
  sk.advmss = 1460;
  sk.rxOpt.rcvWscale = 10;
  const opts = new TcpOutOptions();
  assert.equal(tcpSynOptions(sk, 0xcfe1188e, opts), 20);
  const buf = new Uint8Array(20);
  assert.equal(tcpOptionsWrite(buf, 0, opts), 20);
  assert.equal(toHex(buf), toHex(LINUX_SYN_TCP.subarray(20)));
  // Without timestamps: NOP NOP SACK_PERM after the MSS, then NOP WSCALE.
  ipv4Net(k.initNet).sysctl.tcpTimestamps = 0;
  const o2 = new TcpOutOptions();
  assert.equal(tcpSynOptions(sk, 0, o2), 12);
  const b2 = new Uint8Array(12);
  tcpOptionsWrite(b2, 0, o2);
  assert.equal(toHex(b2), '020405b4010104020103030a');
});

test('SYN-ACK built by tcpMakeSynack equals Linux 6.18 byte for byte (software checksum)', () => {
  const k = createKernel({ seed: 1 });
  const listener = sock(k);
  const req = new RequestSock(listener, () => {});
  req.locAddr = ip('10.77.0.2');
  req.rmtAddr = ip('10.77.0.1');
  req.num = 5001;
  req.rmtPort = 54078;
  req.sntIsn = 3016887854;
  req.rcvIsn = 766530655;
  req.rcvWnd = 65160;
  req.tstampOk = true;
  req.sackOk = true;
  req.wscaleOk = true;
  req.rcvWscale = 10;
  req.tsRecent = 0xcfe1188e;
  req.tsOff = (0xba02c76e - Math.floor(k.clock.now() / 1e6)) >>> 0;
  const skb = tcpMakeSynack(listener, fakeDst(1500), req, TCP_SYNACK_NORMAL)!;
  assert.ok(skb);
  skb.dst = null;
  tcpV4SendCheck(skb, req.locAddr, req.rmtAddr);
  assert.equal(toHex(skb.buf.subarray(skb.data, skb.tail)), toHex(LINUX_SYNACK_TCP));
  assert.ok(req.sntSynack > 0 || k.clock.now() < 1000);
});

test('established options: NOP NOP TS, then NOP NOP SACK with the D-SACK block first', () => {
  const k = createKernel({ seed: 1 });
  const sk = sock(k);
  sk.rxOpt.tstampOk = true;
  sk.rxOpt.tsRecent = 0x01020304;
  sk.rxOpt.dsack = true;
  sk.duplicateSack[0]!.startSeq = 100;
  sk.duplicateSack[0]!.endSeq = 200;
  sk.rxOpt.numSacks = 1;
  const b: TcpSackBlock = sk.selectiveAcks[0]!;
  b.startSeq = 1000;
  b.endSeq = 2000;
  assert.equal(tcpEstablishedOptionsSize(sk), 12 + 4 + 16);
  const buf = new Uint8Array(32);
  tcpOptionsWriteEstablished(sk, buf, 0, 0x0a0b0c0d, 2);
  assert.equal(toHex(buf), '0101080a0a0b0c0d01020304' + '01010512' + '00000064000000c8' + '000003e8000007d0');
  assert.equal(sk.rxOpt.dsack, false, 'sending clears the pending D-SACK');
  // At most 3 blocks fit beside timestamps (40 - 12 - 4 = 24 bytes).
  sk.rxOpt.numSacks = 4;
  assert.equal(tcpEstablishedOptionsSize(sk), 12 + 4 + 24);
});

test('initial window: 64240 with wscale 10 over veth, 65495 over lo (tcp_rmem[2] 32 MiB)', () => {
  const k = createKernel({ seed: 1 });
  const sk = sock(k);
  const w = tcpSelectInitialWindow(sk, 65536, 1460, 0, true, 0);
  assert.equal(w.rcvWnd, 64240);
  assert.equal(w.rcvWscale, 10);
  assert.equal(w.windowClamp, 65535 * 1024);
  const lo = tcpSelectInitialWindow(sk, 65536, 65495, 0, true, 0);
  assert.equal(lo.rcvWnd, 65495);
  // No scaling: wscale 0, clamp 65535; an initrwnd route metric bounds the window.
  const ns = tcpSelectInitialWindow(sk, 65536, 1460, 0, false, 0);
  assert.equal(ns.rcvWscale, 0);
  assert.equal(ns.windowClamp, 65535);
  assert.equal(tcpSelectInitialWindow(sk, 65536, 1460, 0, true, 10).rcvWnd, 14600);
  // tcp_rmem[2] sets the scale: 6 MiB gives 7 (Linux before 6.18's 32 MiB default).
  ipv4Net(k.initNet).sysctl.tcpRmem[2] = 6291456;
  assert.equal(tcpSelectInitialWindow(sk, 65536, 1460, 0, true, 0).rcvWscale, 7);
});

test('window selection: scaled to 63 after the handshake, never shrinks, zero-window counters', () => {
  const k = createKernel({ seed: 1 });
  const sk = sock(k);
  const mib = ipv4Net(k.initNet).mib.net;
  sk.rcvbuf = 131072;
  sk.windowClamp = 65535 * 1024;
  sk.rxOpt.rcvWscale = 10;
  sk.rcvWnd = 64240;
  sk.rcvSsthresh = 64240;
  sk.icskAckRcvMss = 536;
  sk.rcvNxt = sk.rcvWup = 1000;
  // As Linux's first ACK after the SYN: ALIGN(64240, 1024) >> 10.
  assert.equal(tcpSelectWindow(sk), 63);
  assert.equal(sk.rcvWnd, 64512);
  // The receive buffer fills: the offered window is kept (never shrink).
  sk.rmemAlloc = 131072 - 2048;
  sk.rcvNxt = 1000 + 10000;
  assert.equal(tcpSelectWindow(sk), Math.ceil((64512 - 10000) / 1024));
  assert.equal(mib[LINUX_MIB_TCPWANTZEROWINDOWADV], 1);
  // All of it consumed: zero window now.
  sk.rcvNxt = (sk.rcvWup + sk.rcvWnd) >>> 0;
  assert.equal(tcpSelectWindow(sk), 0);
  assert.equal(mib[LINUX_MIB_TCPTOZEROWINDOWADV], 1);
  // The application reads: the window opens again.
  sk.rmemAlloc = 0;
  assert.equal(tcpSelectWindow(sk), 63);
  assert.equal(mib[LINUX_MIB_TCPFROMZEROWINDOWADV], 1);
});

test('MSS: route MTU less headers and timestamps, peer clamp, half the peer window, min_snd_mss', () => {
  const k = createKernel({ seed: 1 });
  const sk = sock(k);
  sk.rxOpt.mssClamp = 1460;
  sk.tcpHeaderLen = 32;
  assert.equal(tcpMtuToMss(sk, 1500), 1448);
  assert.equal(tcpMssToMtu(sk, 1448), 1500);
  assert.equal(tcpSyncMss(sk, 1500), 1448);
  assert.equal(sk.icskPmtuCookie, 1500);
  sk.rxOpt.mssClamp = 1000; // the peer's MSS option
  assert.equal(tcpSyncMss(sk, 1500), 988);
  sk.rxOpt.mssClamp = 65495;
  assert.equal(tcpSyncMss(sk, 65536), 65483);
  // Over lo the header of a SACK-carrying segment shrinks the MSS (tcp_current_mss).
  sk.rxOpt.tstampOk = true;
  sk.rxOpt.numSacks = 1;
  assert.equal(tcpCurrentMss(sk), 65483 - 12);
  sk.rxOpt.numSacks = 0;
  // A peer with a tiny window: no segment over half of it.
  sk.maxWindow = 2000;
  assert.equal(tcpSyncMss(sk, 1500), 1000);
  sk.maxWindow = 0;
  // PMTU 68 bottoms out at tcp_min_snd_mss (48) less the options.
  assert.equal(tcpSyncMss(sk, 68), 48 - 12);
});

test('timer model: tcp_retries2 15 is 924.6 s, SYN backoff 1 s base', () => {
  const k = createKernel({ seed: 1 });
  const sk = sock(k);
  assert.equal(tcpModelTimeout(sk, 15, 200), 924600);
  assert.equal(tcpModelTimeout(sk, 3, 200), 3000);
  assert.equal(tcpModelTimeout(sk, 6, 1000), 127000);
});

test('tcpFragment: the tail shares the data area, PSH/FIN move to it, sent skbs adjust packets_out', async () => {
  const { tcpStreamAllocSkb } = await import('./tcp.js');
  const { TCP_SKB_CB } = await import('./tcp_sock.js');
  const { tcpFragment } = await import('./tcp_output.js');
  const k = createKernel({ seed: 1 });
  const sk = sock(k);
  const skb = tcpStreamAllocSkb(5000);
  for (let i = 0; i < 5000; i++) skb.buf[skb.data + i] = i & 0xff;
  skb.tail = skb.data + 5000;
  const cb = TCP_SKB_CB(skb);
  cb.seq = 1000;
  cb.endSeq = 6001;
  cb.tcpFlags = 0x10 | 0x08 | 0x01; // ACK PSH FIN
  sk.writeSeq = 6001;
  sk.sndNxt = 1000;
  sk.writeQueue.enqueueTail(skb);
  sk.wmemQueued = skb.truesize;
  assert.equal(tcpFragment(sk, skb, 1448, 1448), 0);
  const buff = skb.next!;
  assert.equal(sk.writeQueue.qlen, 2);
  assert.equal(sk.writeQueue.tail, buff);
  assert.equal(buff.buf, skb.buf, 'no copy: the second part points into the same buffer');
  assert.equal(skb.tail - skb.data, 1448);
  assert.equal(buff.tail - buff.data, 3552);
  assert.equal(buff.buf[buff.data], 1448 & 0xff);
  const bcb = TCP_SKB_CB(buff);
  assert.deepEqual([cb.seq, cb.endSeq, bcb.seq, bcb.endSeq], [1000, 2448, 2448, 6001]);
  assert.equal(cb.tcpFlags, 0x10);
  assert.equal(bcb.tcpFlags, 0x19);
  assert.equal(bcb.pcount, 3);
  assert.equal(sk.writeQueue.bytes, 5000);
  // A sent skb (in the retransmit queue) split in two counts one more packet out.
  const r = tcpStreamAllocSkb(2000);
  r.tail = r.data + 2000;
  const rcb = TCP_SKB_CB(r);
  rcb.seq = 500;
  rcb.endSeq = 2500;
  sk.sndNxt = 2500;
  sk.sndUna = 500;
  sk.packetsOut = 1;
  sk.rtxQueue.enqueueTail(r);
  assert.equal(tcpFragment(sk, r, 1000, 1000), 0);
  assert.equal(sk.rtxQueue.qlen, 2);
  assert.equal(sk.packetsOut, 2);
});

test('retransmission collapses small unshared skbs into one segment (tcp_retrans_collapse)', async () => {
  const { tcpStreamAllocSkb } = await import('./tcp.js');
  const { TCP_SKB_CB } = await import('./tcp_sock.js');
  const { tcpRetransTryCollapse } = await import('./tcp_output_xmit.js');
  const k = createKernel({ seed: 1 });
  const sk = sock(k);
  sk.sndUna = 1000;
  sk.sndWnd = 65535;
  sk.sndNxt = 1300;
  sk.rxOpt.sackOk = 1;
  for (let i = 0; i < 3; i++) {
    const skb = tcpStreamAllocSkb(100);
    skb.buf.fill(i + 1, skb.data, skb.data + 100);
    skb.tail = skb.data + 100;
    const cb = TCP_SKB_CB(skb);
    cb.seq = 1000 + i * 100;
    cb.endSeq = cb.seq + 100;
    cb.tcpFlags = 0x10 | (i === 2 ? 0x08 : 0);
    sk.rtxQueue.enqueueTail(skb);
    sk.wmemQueued += skb.truesize;
    sk.packetsOut++;
  }
  const head = sk.rtxQueue.head!;
  tcpRetransTryCollapse(sk, head, 1448);
  assert.equal(sk.rtxQueue.qlen, 1);
  assert.equal(sk.packetsOut, 1);
  assert.equal(head.tail - head.data, 300);
  assert.deepEqual([head.buf[head.data], head.buf[head.data + 150], head.buf[head.data + 299]], [1, 2, 3]);
  assert.equal(TCP_SKB_CB(head).endSeq, 1300);
  assert.equal(TCP_SKB_CB(head).tcpFlags, 0x18, 'PSH moves over');
  // Disabled by net.ipv4.tcp_retrans_collapse=0.
  ipv4Net(k.initNet).sysctl.tcpRetransCollapse = 0;
});
