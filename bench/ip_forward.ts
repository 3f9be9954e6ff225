/**
 * IPv4 forwarding through a router namespace (Linux: the ip_rcv -> ip_forward ->
 * ip_output path of net/ipv4): three namespaces a - r - b joined by veth pairs,
 * net.ipv4.ip_forward=1 on r, all set up with `ip` and `sysctl` as a lab script.
 * Prebuilt 64 B UDP/IPv4 frames addressed to r's MAC leave a, r routes them
 * (ip_rcv_core, PRE_ROUTING, route input, FORWARD, TTL - 1, POST_ROUTING, neighbour
 * output) to b, and b counts them with a packet socket; r's neighbour entry for b's
 * address is permanent (no ARP in the loop) and names a MAC that b does not own, so
 * b's IP layer drops each frame at its first check (PACKET_OTHERHOST): the figure
 * is the router's work plus the two veth hops.
 *
 * `ipv4_forward_pps`: packet socket send() on a to packet socket recvfrom() on b,
 * per CPU-second; the Linux figure is the same topology in `tnxo*` namespaces of
 * this host, driven the same way by a C helper (sendmmsg/recvmmsg, PACKET_STATISTICS,
 * sender CPU time, as bench/linux.ts measures). `ipv4_forward_kernel_pps`: frames
 * queued with devQueueXmit on a and counted by a packet_type on b (no syscalls).
 * `ipv4_forward_heap_bytes_per_packet`: heap allocated per forwarded packet in
 * steady state (the skb and its data is what Linux allocates too).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BenchOptions, type Figure, rate, withLinux, check, median } from './common.js';
import { allocatedBytes } from './alloc.js';
import { sendFrames } from './topo.js';
import { linuxUnavailable } from './linux.js';
import type { Kernel, Net } from '../src/core/net_namespace.js';
import type { NetDevice } from '../src/core/netdevice.js';
import { type SkBuff, consumeSkb } from '../src/core/skbuff.js';
import { ETH_P_IP, devAddPack, type PacketType } from '../src/core/dev.js';
import { runLab } from '../src/tools/lab/lab.js';
import type { Stdio } from '../src/socket/task.js';
import { Task } from '../src/socket/task.js';
import { AF_PACKET, SOCK_RAW, type SockaddrLl } from '../src/socket/socket.js';
import * as sys from '../src/socket/syscalls.js';
import type { SystemError } from '../src/socket/errno.js';
import { ipReprEmit, IPPROTO_UDP } from '../src/wire/iphdr.js';
import { csumPartial, csumTcpudpMagic, udpCsumMangle } from '../src/wire/checksum.js';

const COUNT = 1_000_000;
const MAX_NS = 3e9;
/** 64 B on the wire: 60 B without FCS = 14 Ethernet + 20 IP + 8 UDP + 18 payload. */
const FRAME_LEN = 60;
const SRC_IP = 0x0a010001; // 10.1.0.1 (a)
const DST_IP = 0x0a020002; // 10.2.0.2 (b)
/** The MAC r's permanent neighbour entry gives b's address (b's veth has another one). */
const B_NEIGH_MAC = '02:00:00:00:00:b0';

/** The topology, as a script that runs unchanged under `tuxnet lab` and bash (names tnxo*). */
export function forwardScript(a: string, r: string, b: string): string {
  return [
    `ip netns add ${a}`,
    `ip netns add ${r}`,
    `ip netns add ${b}`,
    `ip -n ${a} link add a0 type veth peer name r0 netns ${r}`,
    `ip -n ${r} link add r1 type veth peer name b0 netns ${b}`,
    `ip -n ${a} addr add 10.1.0.1/24 dev a0`,
    `ip -n ${r} addr add 10.1.0.2/24 dev r0`,
    `ip -n ${r} addr add 10.2.0.1/24 dev r1`,
    `ip -n ${b} addr add 10.2.0.2/24 dev b0`,
    `ip -n ${a} link set a0 up`,
    `ip -n ${r} link set r0 up`,
    `ip -n ${r} link set r1 up`,
    `ip -n ${b} link set b0 up`,
    `ip -n ${r} neigh replace 10.2.0.2 lladdr ${B_NEIGH_MAC} dev r1 nud permanent`,
    `ip netns exec ${r} sysctl -qw net.ipv4.ip_forward=1`,
  ].join('\n') + '\n';
}

/** An Ethernet frame with a UDP/IPv4 datagram a -> b (checksums valid), `len` bytes. */
export function udpFrame(dst: Uint8Array, src: Uint8Array, len: number): Uint8Array {
  const f = new Uint8Array(len);
  f.set(dst, 0);
  f.set(src, 6);
  f[12] = ETH_P_IP >> 8;
  f[13] = ETH_P_IP & 0xff;
  const ipLen = len - 14;
  ipReprEmit({
    tos: 0, totLen: ipLen, id: 1, fragOff: 0x4000, ttl: 64, protocol: IPPROTO_UDP, saddr: SRC_IP, daddr: DST_IP,
    options: new Uint8Array(0), check: 0,
  }, f, 14);
  const u = 34;
  const ulen = ipLen - 20;
  f[u] = 0x9c; f[u + 1] = 0x40; // 40000
  f[u + 2] = 0x13; f[u + 3] = 0x89; // 5001
  f[u + 4] = ulen >> 8; f[u + 5] = ulen & 0xff;
  const c = udpCsumMangle(csumTcpudpMagic(SRC_IP, DST_IP, ulen, IPPROTO_UDP, csumPartial(f, u, ulen)));
  f[u + 6] = c >> 8; f[u + 7] = c & 0xff;
  return f;
}

const nullStdio: Stdio = { write: () => {} };

interface Topo {
  k: Kernel;
  a: Net;
  r: Net;
  b: Net;
  a0: NetDevice;
  r0: NetDevice;
  b0: NetDevice;
}

async function forwardTopo(): Promise<Topo> {
  let k: Kernel | null = null;
  const err: string[] = [];
  const status = await runLab({
    file: 'ip_forward.sh', source: forwardScript('tnxoa', 'tnxor', 'tnxob'), stdout: nullStdio,
    stderr: { write: (s: string) => { err.push(s); } }, onKernel: (kk) => { k = kk; },
  });
  check(status === 0, `topology script: ${err.join('')}`);
  const kernel = k as unknown as Kernel;
  const ns = (n: string): Net => kernel.netnsNames.get(n)!;
  const a = ns('tnxoa');
  const r = ns('tnxor');
  const b = ns('tnxob');
  return { k: kernel, a, r, b, a0: a.devGetByName('a0')!, r0: r.devGetByName('r0')!, b0: b.devGetByName('b0')! };
}

/** Counts IPv4 frames arriving on a device (a packet_type that consumes what it gets). */
class IpCounter {
  count = 0;
  readonly pt: PacketType;
  constructor(dev: NetDevice) {
    this.pt = { type: ETH_P_IP, dev, ignoreOutgoing: true, afPacketPriv: this, func: ipCount };
    devAddPack(dev.net, this.pt);
  }
}

function ipCount(skb: SkBuff, _dev: NetDevice, pt: PacketType): number {
  (pt.afPacketPriv as IpCounter).count++;
  consumeSkb(skb);
  return 0;
}

function sll(protocol: number, ifindex: number, halen = 0): SockaddrLl {
  return { family: AF_PACKET, protocol, ifindex, hatype: 0, pktType: 0, addr: new Uint8Array(halen) };
}

/** Packet sockets at both ends: send() on a0, non-blocking recvfrom() on b0 after each batch of 64. */
class SocketEnds {
  readonly txTask: Task;
  readonly rxTask: Task;
  readonly txFd: number;
  readonly rxFd: number;
  readonly rxBuf = new Uint8Array(2048);
  readonly rxAddr: SockaddrLl = sll(0, 0, 6);
  received = 0;
  constructor(k: Kernel, tx: NetDevice, rx: NetDevice) {
    this.txTask = new Task(k, tx.net, nullStdio, nullStdio);
    this.rxTask = new Task(k, rx.net, nullStdio, nullStdio);
    this.txFd = sys.socket(this.txTask, AF_PACKET, SOCK_RAW, 0);
    sys.bind(this.txTask, this.txFd, sll(0, tx.ifindex));
    this.rxFd = sys.socket(this.rxTask, AF_PACKET, SOCK_RAW, ETH_P_IP);
    sys.bind(this.rxTask, this.rxFd, sll(ETH_P_IP, rx.ifindex));
  }

  run(frame: Uint8Array, n: number): number {
    for (let i = 0; i < n; i += 64) {
      const m = n - i < 64 ? n - i : 64;
      for (let j = 0; j < m; j++) sys.send(this.txTask, this.txFd, frame);
      try {
        for (let j = 0; j < m; j++) {
          sys.recvfromNow(this.rxTask, this.rxFd, this.rxBuf, 0, this.rxAddr);
          this.received++;
        }
      } catch (e) {
        if ((e as SystemError).code !== 'EAGAIN') throw e;
      }
    }
    return n;
  }
}

export async function main(opts: BenchOptions): Promise<Figure[]> {
  const out: Figure[] = [];
  const why = opts.linux ? linuxUnavailable() : 'disabled (--no-linux)';
  {
    const t = await forwardTopo();
    const frame = udpFrame(t.r0.devAddr, t.a0.devAddr, FRAME_LEN);
    const ends = new SocketEnds(t.k, t.a0, t.b0);
    ends.run(frame, 1);
    check(ends.received === 1, 'a frame sent on a reaches the packet socket on b through r');
    check(ends.rxBuf[22] === 63, 'r decremented the TTL');
    const v = rate(opts, (n) => ends.run(frame, n), COUNT, MAX_NS);
    let linux: number | null = null;
    let note = opts.linux && why ? why : undefined;
    if (!why) {
      try {
        linux = linuxIpForward(Math.round(COUNT * 4 * opts.scale), 2000, opts.runs, 1);
      } catch (e) {
        note = `linux: ${(e as Error).message.split('\n')[0]}`;
      } finally {
        cleanupFwdHelper();
      }
    }
    out.push(withLinux({ name: 'ipv4_forward_pps', value: v, unit: 'packets/s' }, linux, note));
  }
  {
    const t = await forwardTopo();
    const recv = new IpCounter(t.b0);
    const frame = udpFrame(t.r0.devAddr, t.a0.devAddr, FRAME_LEN);
    sendFrames(t.a0, frame, 1);
    check(recv.count === 1, 'a frame queued on a reaches b through r');
    out.push({ name: 'ipv4_forward_kernel_pps', value: rate(opts, (n) => sendFrames(t.a0, frame, n), COUNT, MAX_NS), unit: 'packets/s' });
    sendFrames(t.a0, frame, 20_000);
    const n = 50_000;
    const before = recv.count;
    const bytes = allocatedBytes(() => sendFrames(t.a0, frame, n));
    check(recv.count - before === n, 'every frame forwarded');
    out.push({ name: 'ipv4_forward_heap_bytes_per_packet', value: bytes / n, unit: 'B/packet' });
  }
  return out;
}

/* ------------------------------------------------------------------ */
/* The Linux figure                                                    */

const FWD_HELPER_C = String.raw`
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <time.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <net/if.h>
#include <linux/if_packet.h>
#include <arpa/inet.h>

#define BATCH 64

static long long clock_ns(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void enter_ns(const char *name) {
  char p[256];
  snprintf(p, sizeof p, "/run/netns/%s", name);
  int fd = open(p, O_RDONLY);
  if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) { perror(p); exit(2); }
  close(fd);
}

static int open_bound(const char *dev, int proto) {
  int fd = socket(AF_PACKET, SOCK_RAW, htons(proto));
  if (fd < 0) { perror("socket"); exit(2); }
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strncpy(ifr.ifr_name, dev, IFNAMSIZ - 1);
  if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) { perror(dev); exit(2); }
  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof sll);
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(proto);
  sll.sll_ifindex = ifr.ifr_ifindex;
  if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) { perror("bind"); exit(2); }
  return fd;
}

/* tnxfwd SRC_NS SRC_DEV DST_NS DST_DEV FRAME_HEX COUNT MAX_MS RUNS */
int main(int argc, char **argv) {
  if (argc != 9) { fprintf(stderr, "usage\n"); return 2; }
  static unsigned char f[2048];
  int size = strlen(argv[5]) / 2;
  for (int i = 0; i < size; i++) sscanf(argv[5] + 2 * i, "%2hhx", &f[i]);
  long long count = atoll(argv[6]);
  long long max_ns = atoll(argv[7]) * 1000000LL;
  int runs = atoi(argv[8]);

  enter_ns(argv[3]);
  int rfd = open_bound(argv[4], 0x0800);
  pid_t child = fork();
  if (child == 0) {
    static unsigned char rb[BATCH][2048];
    struct mmsghdr m[BATCH];
    struct iovec iov[BATCH];
    for (;;) {
      for (int i = 0; i < BATCH; i++) {
        iov[i].iov_base = rb[i];
        iov[i].iov_len = sizeof rb[i];
        memset(&m[i].msg_hdr, 0, sizeof m[i].msg_hdr);
        m[i].msg_hdr.msg_iov = &iov[i];
        m[i].msg_hdr.msg_iovlen = 1;
      }
      recvmmsg(rfd, m, BATCH, MSG_WAITFORONE, NULL);
    }
  }
  enter_ns(argv[1]);
  int sfd = open_bound(argv[2], 0);
  struct mmsghdr m[BATCH];
  struct iovec iov = { f, (size_t)size };
  for (int i = 0; i < BATCH; i++) {
    memset(&m[i].msg_hdr, 0, sizeof m[i].msg_hdr);
    m[i].msg_hdr.msg_iov = &iov;
    m[i].msg_hdr.msg_iovlen = 1;
  }
  for (int r = 0; r < runs; r++) {
    struct tpacket_stats st;
    socklen_t sl = sizeof st;
    usleep(100000);
    getsockopt(rfd, SOL_PACKET, PACKET_STATISTICS, &st, &sl); /* read-and-reset */
    long long sent = 0, t0 = clock_ns(CLOCK_MONOTONIC), t = t0, c0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
    while (sent < count && t - t0 < max_ns) {
      int n = sendmmsg(sfd, m, BATCH, 0);
      if (n > 0) sent += n;
      t = clock_ns(CLOCK_MONOTONIC);
    }
    long long c = clock_ns(CLOCK_PROCESS_CPUTIME_ID) - c0;
    usleep(100000);
    sl = sizeof st;
    getsockopt(rfd, SOL_PACKET, PACKET_STATISTICS, &st, &sl);
    printf("%lld %lld %u %u %lld\n", sent, t - t0, st.tp_packets, st.tp_drops, c);
    fflush(stdout);
  }
  kill(child, SIGKILL);
  waitpid(child, NULL, 0);
  return 0;
}
`;

let fwdHelperDir: string | null = null;

function cleanupFwdHelper(): void {
  if (fwdHelperDir) rmSync(fwdHelperDir, { recursive: true, force: true });
  fwdHelperDir = null;
}

function buildFwdHelper(): string {
  fwdHelperDir = mkdtempSync(join(tmpdir(), 'tnxfwd-'));
  process.once('exit', cleanupFwdHelper);
  const src = join(fwdHelperDir, 'tnxfwd.c');
  writeFileSync(src, FWD_HELPER_C);
  const out = join(fwdHelperDir, 'tnxfwd');
  execFileSync('gcc', ['-O2', '-o', out, src], { stdio: ['ignore', 'ignore', 'pipe'] });
  return out;
}

function macOf(ns: string, dev: string): Uint8Array {
  const j = JSON.parse(execFileSync('ip', ['-n', ns, '-j', 'link', 'show', dev], { encoding: 'utf8' })) as
    Array<{ address: string }>;
  return new Uint8Array(j[0]!.address.split(':').map((x) => parseInt(x, 16)));
}

/**
 * The same topology on this host's kernel (namespaces tnxoa/tnxor/tnxob, created by
 * the same script under sh and deleted after): forwarded frames reaching b's packet
 * socket per second of the sender's CPU time (veth delivers in the sender's softirq,
 * so that time covers r's forwarding too), median over `runs` after `warmup`.
 */
export function linuxIpForward(count: number, maxMs: number, runs: number, warmup: number): number {
  const names = ['tnxoa', 'tnxor', 'tnxob'];
  const nsExists = (n: string): boolean => existsSync(`/run/netns/${n}`);
  for (const n of names) if (nsExists(n)) spawnSync('ip', ['netns', 'del', n]);
  try {
    execFileSync('sh', ['-e', '-c', forwardScript(names[0]!, names[1]!, names[2]!)], { stdio: ['ignore', 'ignore', 'pipe'] });
    for (const n of names) {
      execFileSync('ip', ['-n', n, 'link', 'set', 'lo', 'up']);
      // Quiet namespaces: no IPv6 autoconf traffic next to the bench frames.
      execFileSync('ip', ['netns', 'exec', n, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1',
        'net.ipv6.conf.default.disable_ipv6=1'], { stdio: 'ignore' });
    }
    const frame = udpFrame(macOf(names[1]!, 'r0'), macOf(names[0]!, 'a0'), FRAME_LEN);
    const hex = Buffer.from(frame).toString('hex');
    const helper = buildFwdHelper();
    const outText = execFileSync(helper, [names[0]!, 'a0', names[2]!, 'b0', hex, String(count), String(maxMs),
      String(runs + warmup)], { encoding: 'utf8', timeout: (runs + warmup) * (maxMs + 2000) + 10000 });
    const rs = outText.trim().split('\n').map((line) => line.split(' ').map(Number));
    if (process.env.TNX_BENCH_DEBUG) process.stderr.write(`${JSON.stringify(rs)}\n`);
    return median(rs.slice(warmup).map((r) => (r[2]! * 1e9) / r[4]!));
  } finally {
    for (const n of names) if (nsExists(n)) spawnSync('ip', ['netns', 'del', n]);
  }
}
