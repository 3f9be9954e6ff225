/**
 * Linux's own figures, measured on this machine in the same run (no Linux
 * counterpart in the tree: this is the yardstick). As root with gcc and ip(8),
 * a small C helper is built into a temp dir and drives frames through a veth
 * pair (or veth-bridge-veth) between `tnxf*` namespaces that this file creates
 * and deletes: the sender is an AF_PACKET SOCK_RAW socket in a sendmmsg loop
 * (batches of 64, bounded by count and time), the receiver an AF_PACKET socket
 * bound to the far device and ETH_P_BENCH, read by a forked child with
 * recvmmsg; the figure is PACKET_STATISTICS tp_packets (frames that reached the
 * socket's packet_rcv, queued or dropped for lack of room) per second of the
 * sender's CPU time (its syscalls and the softirq work they run inline). Nothing leaves the namespaces; no binary is committed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from './common.js';

const HELPER_C = String.raw`
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

#define ETH_P_BENCH 0x88b5
#define BATCH 64

static long long clock_ns(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
#define now_ns() clock_ns(CLOCK_MONOTONIC)
/* CPU time of the sender process: its syscalls and the softirq work they run (veth's
   netif_rx backlog is processed at local_bh_enable in the sender's context). */
#define cpu_ns() clock_ns(CLOCK_PROCESS_CPUTIME_ID)

static void enter_ns(const char *name) {
  char p[256];
  snprintf(p, sizeof p, "/run/netns/%s", name);
  int fd = open(p, O_RDONLY);
  if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) { perror(p); exit(2); }
  close(fd);
}

static int open_bound(const char *dev, int proto, unsigned char *mac) {
  int fd = socket(AF_PACKET, SOCK_RAW, htons(proto));
  if (fd < 0) { perror("socket"); exit(2); }
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strncpy(ifr.ifr_name, dev, IFNAMSIZ - 1);
  if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) { perror(dev); exit(2); }
  int ifindex = ifr.ifr_ifindex;
  if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) { perror(dev); exit(2); }
  memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof sll);
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(proto);
  sll.sll_ifindex = ifindex;
  if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) { perror("bind"); exit(2); }
  return fd;
}

static void frame(unsigned char *f, int len, const unsigned char *dst, const unsigned char *src) {
  memset(f, 0, len);
  memcpy(f, dst, 6);
  memcpy(f + 6, src, 6);
  f[12] = ETH_P_BENCH >> 8;
  f[13] = ETH_P_BENCH & 0xff;
}

/* tnxbench SRC_NS SRC_DEV DST_NS DST_DEV SIZE COUNT MAX_MS RUNS */
int main(int argc, char **argv) {
  if (argc != 9) { fprintf(stderr, "usage\n"); return 2; }
  int size = atoi(argv[5]);
  long long count = atoll(argv[6]);
  long long max_ns = atoll(argv[7]) * 1000000LL;
  int runs = atoi(argv[8]);
  static unsigned char f[2048], dmac[6], smac[6];

  enter_ns(argv[3]);
  int rfd = open_bound(argv[4], ETH_P_BENCH, dmac);
  /* Let a bridge learn where the receiver is: one frame from it, sent back toward the source. */
  frame(f, 60, (const unsigned char *)"\x02\x00\x00\x00\x00\x01", dmac);
  if (send(rfd, f, 60, 0) < 0) perror("learn");
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
  int sfd = open_bound(argv[2], 0, smac);
  frame(f, size, dmac, smac);
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
    long long sent = 0, t0 = now_ns(), t = t0, c0 = cpu_ns();
    while (sent < count && t - t0 < max_ns) {
      int n = sendmmsg(sfd, m, BATCH, 0);
      if (n > 0) sent += n;
      t = now_ns();
    }
    long long c = cpu_ns() - c0;
    usleep(100000); /* let the backlog drain */
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

export interface LinuxRun {
  sent: number;
  /** Wall time of the send loop. */
  elapsedNs: number;
  received: number;
  socketDrops: number;
  /** CPU time of the sender process over the send loop. */
  cpuNs: number;
}

/** Why Linux cannot be measured here, or null if it can. */
export function linuxUnavailable(): string | null {
  if (process.platform !== 'linux') return 'not Linux';
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'not root';
  for (const tool of ['gcc', 'ip']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} missing`;
  }
  return null;
}

let helperPath: string | null = null;
let helperDir: string | null = null;

function buildHelper(): string {
  if (helperPath && existsSync(helperPath)) return helperPath;
  helperDir = mkdtempSync(join(tmpdir(), 'tnxbench-'));
  // The temp dir goes whatever happens to the bench.
  process.once('exit', cleanupHelper);
  const src = join(helperDir, 'tnxbench.c');
  writeFileSync(src, HELPER_C);
  const out = join(helperDir, 'tnxbench');
  execFileSync('gcc', ['-O2', '-o', out, src], { stdio: ['ignore', 'ignore', 'pipe'] });
  helperPath = out;
  return out;
}

/** Remove the temp dir of the helper. */
export function cleanupHelper(): void {
  if (helperDir) rmSync(helperDir, { recursive: true, force: true });
  helperDir = helperPath = null;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function nsExists(name: string): boolean {
  return existsSync(`/run/netns/${name}`);
}

/** Create namespaces (deleting stale ones of the same tnxf* name first), run fn, delete them. */
function withNamespaces<T>(names: string[], fn: () => T): T {
  for (const n of names) {
    if (!n.startsWith('tnx')) throw new Error(`refusing namespace name ${n}`);
    if (nsExists(n)) ip('netns', 'del', n);
  }
  try {
    for (const n of names) {
      ip('netns', 'add', n);
      ip('-n', n, 'link', 'set', 'lo', 'up');
      // Quiet namespaces: no IPv6 autoconf traffic next to the bench frames.
      execFileSync('ip', ['netns', 'exec', n, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1',
        'net.ipv6.conf.default.disable_ipv6=1'], { stdio: 'ignore' });
    }
    return fn();
  } finally {
    for (const n of names) if (nsExists(n)) spawnSync('ip', ['netns', 'del', n]);
  }
}

function runHelper(args: string[], runs: number, maxMs: number): LinuxRun[] {
  const out = execFileSync(buildHelper(), [...args, String(runs)], {
    encoding: 'utf8', timeout: runs * (maxMs + 2000) + 10000,
  });
  return out.trim().split('\n').map((line) => {
    const [sent, elapsedNs, received, socketDrops, cpuNs] = line.split(' ').map(Number);
    return { sent: sent!, elapsedNs: elapsedNs!, received: received!, socketDrops: socketDrops!, cpuNs: cpuNs! };
  });
}

/**
 * Frames reaching the receiver's packet_rcv per second of the sender's CPU time (as
 * tuxnet's figures are per CPU second): median over runs, the first `warmup` discarded.
 */
function framesPerSecond(rs: LinuxRun[], warmup: number): number {
  if (process.env.TNX_BENCH_DEBUG) process.stderr.write(`${JSON.stringify(rs)}\n`);
  return median(rs.slice(warmup).map((r) => (r.received * 1e9) / r.cpuNs));
}

export interface LinuxLoad {
  /** Frame length (no FCS). */
  size: number;
  count: number;
  maxMs: number;
  runs: number;
  warmup: number;
}

/** nsA veth0 <-> veth1 nsB; with `qdisc`, that root qdisc on veth0 (`tc qdisc add`). */
export function linuxVethFrames(load: LinuxLoad, qdisc?: string): number {
  const a = 'tnxfa';
  const b = 'tnxfb';
  return withNamespaces([a, b], () => {
    ip('-n', a, 'link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'veth1', 'netns', b);
    if (qdisc) {
      execFileSync('ip', ['netns', 'exec', a, 'tc', 'qdisc', 'add', 'dev', 'veth0', 'root', qdisc],
        { stdio: ['ignore', 'ignore', 'pipe'] });
    }
    ip('-n', a, 'link', 'set', 'veth0', 'up');
    ip('-n', b, 'link', 'set', 'veth1', 'up');
    const rs = runHelper([a, 'veth0', b, 'veth1', String(load.size), String(load.count), String(load.maxMs)],
      load.runs + load.warmup, load.maxMs);
    return framesPerSecond(rs, load.warmup);
  });
}

/** nsA veth0 <-> veth1 [br0 in nsB] veth2 <-> veth3 nsC, STP off, the receiver's MAC learned. */
export function linuxBridgeFrames(load: LinuxLoad): number {
  const a = 'tnxfa';
  const b = 'tnxfb';
  const c = 'tnxfc';
  return withNamespaces([a, b, c], () => {
    ip('-n', b, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', a, 'link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'veth1', 'netns', b);
    ip('-n', c, 'link', 'add', 'veth3', 'type', 'veth', 'peer', 'name', 'veth2', 'netns', b);
    ip('-n', b, 'link', 'set', 'veth1', 'master', 'br0');
    ip('-n', b, 'link', 'set', 'veth2', 'master', 'br0');
    for (const [n, d] of [[a, 'veth0'], [b, 'veth1'], [b, 'veth2'], [b, 'br0'], [c, 'veth3']] as const) {
      ip('-n', n, 'link', 'set', d, 'up');
    }
    const rs = runHelper([a, 'veth0', c, 'veth3', String(load.size), String(load.count), String(load.maxMs)],
      load.runs + load.warmup, load.maxMs);
    return framesPerSecond(rs, load.warmup);
  });
}
