/**
 * tuxnet against the Linux kernel over a real TAP (issue 5's budgets; no kernel
 * counterpart: the yardstick). As root, with the addon built: a namespace `tnxab`
 * holds the persistent TAP `tnxa0` (10.9.0.1/24, the Linux side); this process runs a
 * real-time tuxnet kernel whose `eth0` (10.9.0.2/24) is that TAP (openTap `netns`).
 * Every figure is wall-clock (the Linux side and tuxnet run concurrently, the TAP is
 * the link, and the tuxnet process, one JS thread, is the bottleneck); the note adds
 * the same work per CPU-second of tuxnet's process (which includes the Linux kernel
 * work its read(2)/write(2) calls run inline), the figure a loaded machine distorts least.
 *
 * `tap_icmp_echo`: ICMP echo round trips per second with a window of 32: a small C
 * helper (built into a temp dir) in the namespace keeps 32 echo requests in flight
 * on a raw ICMP socket (recvmmsg/sendmmsg: one new request per reply), for a bounded
 * time; tuxnet answers in its icmp_echo. Budget >= 100 k/s. `linux`: the same helper
 * against a kernel namespace over a veth pair (the kernel answering itself).
 *
 * `tap_tcp` / `tap_tcp_vnet`: `iperf3 -c 10.9.0.2 -t SECS -J` from the Linux side to
 * tuxnet's `iperf3 -s -1` (Linux sends, tuxnet receives and ACKs), in Gbit/s of
 * end.sum_received; `_vnet` with IFF_VNET_HDR and offloads (the kernel sends 64 KiB
 * TSO frames with partial checksums). Budgets >= 1 and >= 3 Gbit/s. `linux` is the
 * same iperf3 command between two namespaces over a veth pair in the same run (offloads
 * off for `tap_tcp`, on for `tap_tcp_vnet`), `ratio` tuxnet / Linux. The note holds the
 * other direction (tuxnet's `iperf3 -c` to the kernel's `iperf3 -s`: tuxnet sends).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BenchOptions, type Figure, cpuNs, median, withLinux } from './common.js';
import { linuxUnavailable } from './linux.js';
import { linuxIperfTcp, vethScript } from './tcp_bulk.js';
import { createKernel } from '../src/index.js';
import type { Kernel, Net } from '../src/core/net_namespace.js';
import { Task } from '../src/socket/task.js';
import { exitTask } from '../src/socket/syscalls.js';
import { programs } from '../src/tools/registry.js';
import { BufferStdio } from '../src/tools/tool.js';
import { openTap, tapUnavailableReason, type TapHandle } from '../src/platform/node/tap.js';

const NS = 'tnxab';
const TAP = 'tnxa0';
const LINUX_ADDR = '10.9.0.1';
const TUX_ADDR = '10.9.0.2';

const ECHO_C = String.raw`
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <arpa/inet.h>

#define WINDOW_MAX 256
static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
static unsigned short csum(const unsigned char *p, int n) {
  unsigned long s = 0;
  for (int i = 0; i + 1 < n; i += 2) s += (p[i] << 8) | p[i + 1];
  if (n & 1) s += p[n - 1] << 8;
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return (unsigned short)~s;
}
static unsigned char req[WINDOW_MAX][64];
static void build(int i, unsigned short id, unsigned short seq) {
  unsigned char *p = req[i];
  memset(p, 0, 64);
  p[0] = 8; p[4] = id >> 8; p[5] = id & 0xff; p[6] = seq >> 8; p[7] = seq & 0xff;
  unsigned short c = csum(p, 64);
  p[2] = c >> 8; p[3] = c & 0xff;
}
/* tnxecho DST WINDOW MAX_MS: prints "replies elapsed_ns" */
int main(int argc, char **argv) {
  if (argc != 4) return 2;
  int window = atoi(argv[2]);
  long long max_ns = atoll(argv[3]) * 1000000LL;
  if (window < 1 || window > WINDOW_MAX) return 2;
  int fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
  if (fd < 0) { perror("socket"); return 2; }
  struct sockaddr_in dst = { .sin_family = AF_INET };
  inet_pton(AF_INET, argv[1], &dst.sin_addr);
  if (connect(fd, (struct sockaddr *)&dst, sizeof dst) < 0) { perror("connect"); return 2; }
  struct timeval tv = { 1, 0 };
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  int rcvbuf = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  unsigned short id = getpid() & 0xffff, seq = 0;
  struct mmsghdr sm[WINDOW_MAX], rm[WINDOW_MAX];
  struct iovec siov[WINDOW_MAX], riov[WINDOW_MAX];
  static unsigned char rb[WINDOW_MAX][256];
  for (int i = 0; i < WINDOW_MAX; i++) {
    siov[i].iov_base = req[i]; siov[i].iov_len = 64;
    memset(&sm[i].msg_hdr, 0, sizeof sm[i].msg_hdr);
    sm[i].msg_hdr.msg_iov = &siov[i]; sm[i].msg_hdr.msg_iovlen = 1;
    riov[i].iov_base = rb[i]; riov[i].iov_len = sizeof rb[i];
    memset(&rm[i].msg_hdr, 0, sizeof rm[i].msg_hdr);
    rm[i].msg_hdr.msg_iov = &riov[i]; rm[i].msg_hdr.msg_iovlen = 1;
  }
  for (int i = 0; i < window; i++) build(i, id, seq++);
  long long t0 = now_ns(), t = t0, replies = 0;
  if (sendmmsg(fd, sm, window, 0) < 0) { perror("sendmmsg"); return 2; }
  int inflight = window;
  while (t - t0 < max_ns) {
    int n = recvmmsg(fd, rm, WINDOW_MAX, MSG_WAITFORONE, NULL);
    t = now_ns();
    if (n < 0) {
      /* A lost request: refill the window after a quiet second. */
      for (int i = 0; i < window; i++) build(i, id, seq++);
      sendmmsg(fd, sm, window, 0);
      inflight = window;
      continue;
    }
    int got = 0;
    for (int i = 0; i < n; i++) {
      unsigned char *p = rb[i];
      int ihl = (p[0] & 15) * 4;
      if (rm[i].msg_len < (unsigned)ihl + 8 || p[ihl] != 0) continue;
      if (((p[ihl + 4] << 8) | p[ihl + 5]) != id) continue;
      got++;
    }
    replies += got;
    inflight -= got;
    int k = window - inflight;
    for (int i = 0; i < k; i++) build(i, id, seq++);
    if (k > 0 && sendmmsg(fd, sm, k, 0) > 0) inflight += k;
  }
  printf("%lld %lld\n", replies, t - t0);
  return 0;
}
`;

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function setupNs(): void {
  if (existsSync(`/run/netns/${NS}`)) spawnSync('ip', ['netns', 'del', NS]);
  sh('ip', ['netns', 'add', NS]);
  spawnSync('ip', ['netns', 'exec', NS, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1',
    'net.ipv6.conf.default.disable_ipv6=1'], { stdio: 'ignore' });
  sh('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
  sh('ip', ['-n', NS, 'tuntap', 'add', 'dev', TAP, 'mode', 'tap']);
  sh('ip', ['-n', NS, 'addr', 'add', `${LINUX_ADDR}/24`, 'dev', TAP]);
  sh('ip', ['-n', NS, 'link', 'set', TAP, 'up']);
}

function teardownNs(): void {
  if (existsSync(`/run/netns/${NS}`)) spawnSync('ip', ['netns', 'del', NS]);
}

async function tool(k: Kernel, net: Net, line: string): Promise<{ rc: number; out: string }> {
  const argv = line.split(' ');
  const o = new BufferStdio();
  const task = new Task(k, net, o, o);
  const rc = await programs.get(argv[0]!)!({ task, argv, stdout: o, stderr: o, env: {}, exec: async () => 127 });
  exitTask(task);
  return { rc, out: o.text };
}

/** A child in the namespace, awaited without blocking the event loop (tuxnet answers meanwhile). */
function inNs(argv: string[], timeoutMs: number): Promise<{ code: number; out: string; err: string }> {
  return inNsOf(NS, argv, timeoutMs);
}

function inNsOf(ns: string, argv: string[], timeoutMs: number): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const c = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    c.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const t = setTimeout(() => c.kill('SIGKILL'), timeoutMs);
    c.on('close', (code, signal) => {
      clearTimeout(t);
      resolve({ code: code ?? 1, out, err: signal ? `${err}killed by ${signal} (timeout ${timeoutMs} ms)` : err });
    });
  });
}

interface Host {
  k: Kernel;
  h: TapHandle;
}

async function bootHost(vnetHdr: boolean): Promise<Host> {
  const k = createKernel({ time: 'real' });
  const net = k.initNet;
  const h = openTap(k, net, { ifname: TAP, devName: 'eth0', netns: NS, vnetHdr });
  try {
    for (const line of [`ip addr add ${TUX_ADDR}/24 dev eth0`, 'ip link set eth0 up']) {
      const r = await tool(k, net, line);
      if (r.rc !== 0) throw new Error(`${line}: ${r.out}`);
    }
    // ARP both ways before measuring.
    await inNs(['ping', '-c', '1', '-W', '2', TUX_ADDR], 5000);
  } catch (e) {
    // The TAP's poll handle would keep the bench process alive.
    h.close();
    throw e;
  }
  return { k, h };
}

/** Median wall-clock rate, and the same work per CPU-second of this (tuxnet's) process. */
interface Rate {
  wall: number;
  perCpu: number;
}

async function echoFigure(opts: BenchOptions, helper: string): Promise<Rate> {
  const host = await bootHost(false);
  try {
    const ms = Math.max(300, Math.round(2000 * opts.scale));
    const xs: number[] = [];
    const cs: number[] = [];
    for (let i = 0; i < opts.warmup + opts.runs; i++) {
      const c0 = cpuNs();
      const r = await inNs([helper, TUX_ADDR, '32', String(ms)], ms + 10_000);
      const cpu = cpuNs() - c0;
      if (r.code !== 0) throw new Error(`echo helper: ${r.err}`);
      const [replies, ns] = r.out.trim().split(' ').map(Number);
      if (i >= opts.warmup) {
        xs.push((replies! * 1e9) / ns!);
        cs.push((replies! * 1e9) / cpu);
      }
    }
    return { wall: median(xs), perCpu: median(cs) };
  } finally {
    host.h.close();
  }
}

/** The same echo helper between two namespaces over a veth pair: the kernel answering itself. */
async function linuxVethEcho(opts: BenchOptions, helper: string): Promise<number> {
  const a = 'tnxaa';
  const b = 'tnxac';
  for (const n of [a, b]) if (existsSync(`/run/netns/${n}`)) spawnSync('ip', ['netns', 'del', n]);
  try {
    execFileSync('sh', ['-e', '-c', vethScript(a, b, true)], { stdio: ['ignore', 'ignore', 'pipe'] });
    const ms = Math.max(300, Math.round(2000 * opts.scale));
    const xs: number[] = [];
    for (let i = 0; i < opts.warmup + opts.runs; i++) {
      const r = await inNsOf(a, [helper, '10.0.0.2', '32', String(ms)], ms + 10_000);
      if (r.code !== 0) throw new Error(`echo helper: ${r.err}`);
      const [replies, ns] = r.out.trim().split(' ').map(Number);
      if (i >= opts.warmup) xs.push((replies! * 1e9) / ns!);
    }
    return median(xs);
  } finally {
    for (const n of [a, b]) if (existsSync(`/run/netns/${n}`)) spawnSync('ip', ['netns', 'del', n]);
  }
}

interface IperfResult {
  bps: number;
  /** Bits per CPU-second of this process over the test. */
  perCpu: number;
}

async function linuxToTuxnet(host: Host, secs: number): Promise<IperfResult> {
  const net = host.k.initNet;
  const srv = tool(host.k, net, `iperf3 -s -1 -B ${TUX_ADDR}`);
  await new Promise((r) => setTimeout(r, 200));
  const c0 = cpuNs();
  const c = await inNs(['iperf3', '-c', TUX_ADDR, '-t', String(secs), '-J'], (secs + 20) * 1000);
  const cpu = cpuNs() - c0;
  const s = await srv;
  if (c.code !== 0) throw new Error(`iperf3 -c: exit ${c.code} ${c.out.slice(-300)} ${c.err}`.trim());
  if (s.rc !== 0) throw new Error(`tuxnet iperf3 -s: ${s.out.slice(-300)}`);
  const j = JSON.parse(c.out) as { end: { sum_received: { bits_per_second: number; bytes: number } } };
  return { bps: j.end.sum_received.bits_per_second, perCpu: (j.end.sum_received.bytes * 8 * 1e9) / cpu };
}

/**
 * The other way: tuxnet's `iperf3 -c` against the kernel's `iperf3 -s -1` (not `-R` against
 * tuxnet's server: see the bug board, the Linux client can wait forever for a block's rest).
 */
async function tuxnetToLinux(host: Host, secs: number): Promise<number> {
  const srv = inNs(['iperf3', '-s', '-1', '-B', LINUX_ADDR], (secs + 20) * 1000);
  await new Promise((r) => setTimeout(r, 300));
  const c = await tool(host.k, host.k.initNet, `iperf3 -c ${LINUX_ADDR} -t ${secs} -J`);
  const s = await srv;
  if (c.rc !== 0) throw new Error(`tuxnet iperf3 -c: ${c.out.slice(-300)}`);
  if (s.code !== 0) throw new Error(`iperf3 -s: exit ${s.code} ${s.err}`.trim());
  const j = JSON.parse(c.out) as { end: { sum_received: { bits_per_second: number } } };
  return j.end.sum_received.bits_per_second;
}

async function tcpFigure(opts: BenchOptions, vnetHdr: boolean): Promise<{ fwd: Rate; rev: number | null; why?: string }> {
  const host = await bootHost(vnetHdr);
  const secs = Math.max(1, Math.round(3 * opts.scale));
  try {
    for (let i = 0; i < opts.warmup; i++) await linuxToTuxnet(host, 1);
    const xs: number[] = [];
    const cs: number[] = [];
    for (let i = 0; i < opts.runs; i++) {
      const r = await linuxToTuxnet(host, secs);
      xs.push(r.bps);
      cs.push(r.perCpu);
    }
    let rev: number | null = null;
    let why: string | undefined;
    try {
      rev = await tuxnetToLinux(host, secs);
    } catch (e) {
      why = (e as Error).message.split('\n')[0];
    }
    return { fwd: { wall: median(xs), perCpu: median(cs) }, rev, why };
  } finally {
    host.h.close();
  }
}

function unavailable(): string | null {
  const l = linuxUnavailable();
  if (l) return l;
  const t = tapUnavailableReason();
  if (t) return t;
  if (spawnSync('sh', ['-c', 'command -v iperf3 && command -v ping'], { stdio: 'ignore' }).status !== 0) return 'iperf3 or ping missing';
  return null;
}

export async function main(opts: BenchOptions): Promise<Figure[]> {
  const why = unavailable();
  if (why) {
    return ['tap_icmp_echo', 'tap_tcp', 'tap_tcp_vnet'].map((name) => ({
      name, value: NaN, unit: name === 'tap_icmp_echo' ? 'round trips/s' : 'Gbit/s', note: `skipped: ${why}`,
    }));
  }
  const dir = mkdtempSync(join(tmpdir(), 'tnxa-bench-'));
  const out: Figure[] = [];
  try {
    const helper = join(dir, 'tnxecho');
    writeFileSync(`${helper}.c`, ECHO_C);
    execFileSync('gcc', ['-O2', '-o', helper, `${helper}.c`], { stdio: ['ignore', 'ignore', 'pipe'] });
    setupNs();
    try {
      const e = await echoFigure(opts, helper);
      let linuxEcho: number | null = null;
      let enote: string | undefined = opts.linux ? undefined : 'linux: disabled (--no-linux)';
      if (opts.linux) {
        try {
          linuxEcho = await linuxVethEcho(opts, helper);
        } catch (err) {
          enote = `linux: ${(err as Error).message.split('\n')[0]}`;
        }
      }
      const ef = withLinux({ name: 'tap_icmp_echo', value: e.wall, unit: 'round trips/s' }, linuxEcho, enote);
      ef.note = [`window 32; ${(e.perCpu / 1e3).toFixed(1)} k per CPU-second of tuxnet's process; target >= 100 k/s`,
        ef.note].filter(Boolean).join('; ');
      out.push(ef);
      for (const vnet of [false, true]) {
        const name = vnet ? 'tap_tcp_vnet' : 'tap_tcp';
        const r = await tcpFigure(opts, vnet);
        let linux: number | null = null;
        let lnote: string | undefined;
        if (opts.linux) {
          try {
            const secs = Math.max(1, Math.round(3 * opts.scale));
            linux = linuxIperfTcp(vethScript('tnxaa', 'tnxac', vnet), ['tnxaa', 'tnxac'], 'tnxac', 'tnxaa', '10.0.0.2',
              secs, opts.runs).wall / 1e9;
          } catch (e) {
            lnote = `linux: ${(e as Error).message.split('\n')[0]}`;
          }
        } else {
          lnote = 'linux: disabled (--no-linux)';
        }
        const f = withLinux({ name, value: r.fwd.wall / 1e9, unit: 'Gbit/s' }, linux, lnote);
        const rev = r.rev !== null ? `tuxnet->Linux ${(r.rev / 1e9).toFixed(2)} Gbit/s` : `tuxnet->Linux failed: ${r.why}`;
        f.note = [`Linux->tuxnet, ${(r.fwd.perCpu / 1e9).toFixed(2)} Gbit per CPU-second of tuxnet's process; ${rev}; ` +
          `target >= ${vnet ? 3 : 1} Gbit/s`, f.note].filter(Boolean).join('; ');
        out.push(f);
      }
    } finally {
      teardownNs();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
