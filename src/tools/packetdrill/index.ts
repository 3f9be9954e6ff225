/**
 * packetdrill for tuxnet: runs scripts in google/packetdrill's dialect against a
 * tuxnet kernel on the virtual clock. No Linux kernel counterpart: this is the
 * userspace test tool (google/packetdrill's run.c, run_packet.c,
 * run_system_call.c, run_command.c, code.c), rewritten over tuxnet's syscall
 * layer. The script's socket calls are real syscalls of a Task; its packets are
 * written to and read from a TUN device (src/drivers/tun.ts, IFF_TUN|IFF_NO_PI,
 * named tun0) exactly as upstream's local mode does, so injection and capture
 * happen at the IP layer.
 *
 * Programmatic API (stable; test/packetdrill.test.ts uses it):
 *
 *   import { runPacketdrillScript } from '../src/tools/packetdrill/index.js';
 *   const k = createKernel({ seed: 1 });
 *   const r = await runPacketdrillScript(k, text, { path: 'x.pkt', argv: ['--tolerance_usecs=10000'] });
 *   // r = { ok: boolean, status: number, errors: string[], output: string }
 *
 *   - `text`: the script; `path`: its name in messages (`x.pkt:12: error ...`) and
 *     the directory that relative backtick commands (`../defaults.sh`) resolve in.
 *   - `argv`: command-line options as upstream takes them (`--ip_version=ipv4`,
 *     `--tolerance_usecs=N`, `--tolerance_percent=P`, `--mtu=N`, `--local_ip=A`,
 *     `--remote_ip=A`, `--gateway_ip=A`, `--netmask_ip=A`, `--bind_port=N`,
 *     `--connect_port=N`, `--init_scripts=a,b`, `--define SYM=VAL`/`-D SYM=VAL`,
 *     `--tcp_ts_tick_usecs=N`, `--tcp_ts_ecr_scaled`, `-v`); option lines at the
 *     top of the script (`--tolerance_usecs=10000`) are applied after them.
 *   - `readFile(path)`: optional host-file reader for shell scripts named by
 *     backtick commands (default: node:fs relative to dirname(path)); a command
 *     naming `defaults.sh` that cannot be read runs the built-in equivalent of
 *     upstream's gtests/net/common/defaults.sh.
 *   - `errors`: each failure message as upstream prints it, e.g.
 *     `x.pkt:7: error handling packet: live packet field tcp_window: expected: 29200 (0x7210) vs actual: 65535 (0xffff)`
 *     (followed by `script packet: ...` / `actual packet: ...` lines), or
 *     `x.pkt:9: runtime error in accept call: Expected result 4 but got -1 with errno 11 (Resource temporarily unavailable)`,
 *     `x.pkt:3: parse error at 'foo': syntax error`, `x.pkt:12: error in Python code`.
 *   - The kernel is used through one Task in `k.initNet` (the script's process);
 *     the caller owns the kernel. A fresh kernel per script is what upstream's
 *     "one netns per script" gives.
 *
 * Command line: `tuxnet packetdrill [options] FILE.pkt...` (src/cli.ts) runs each
 * file on a fresh kernel (seed 1, or --seed N) and exits 0 when all pass, 1
 * otherwise; the registered program `packetdrill` (src/tools/registry.ts) does
 * the same inside a lab, with the files read from the host.
 *
 * Defaults are upstream's local mode as in the issue: local 192.168.0.1, remote
 * 192.0.2.1, gateway 192.168.0.2, netmask 255.255.0.0, MTU 1500, tolerance
 * 4000 us (+12.5 % of the gap to the previous event), bind/connect port 8080,
 * device tun0 configured through rtnetlink by the `ip` tool. A fresh kernel is
 * advanced to 1 s of uptime before t=0 (TCP uses 0 as "unset" for its stamps).
 *
 * Dialect supported: option lines; untimed init/cleanup commands; absolute,
 * relative (`+`), any (`*`) and range (`a~b`, `+a~+b`) times; inbound/outbound
 * TCP (flags FSRP.UEWA, `seq:end(len)`, ack, win, urg, `<mss,sackOK,sack a:b,TS val
 * ecr,nop,eol,wscale,FO,FOEXP,md5>`, `<...>`, explicit `sport>dport`), UDP
 * (`udp (N)`) and ICMP (`icmp TYPE [CODE] [mtu N] [id N] [seq|udp (N)|raw (N)]`)
 * lines with `[ect0|ect1|ce|noecn|ect01]`, `(tos 0x..)`, `(ttl N)`; system calls
 * socket bind listen accept/accept4 connect read readv recv recvfrom recvmsg write
 * writev send sendto sendmsg close shutdown fcntl ioctl getsockopt setsockopt poll
 * epoll_create/create1/ctl/wait with `...`, `[N]`, `{onoff, linger}`, sockaddr,
 * msghdr/iovec, pollfd, epoll_event, strings, `A|B`, errno + note, blocking calls
 * with `...END`; back-quoted commands (commands.ts); `%{ }%` Python subset
 * (python.ts) over TCP_INFO. Outbound packets are matched, aggregated when the
 * kernel splits a segment (unless --strict_segments), mapped to script space
 * (ISNs, SACK blocks, TS val) and checked field by field in upstream's order.
 *
 * Not supported (reported as parse/semantic errors or "Unknown system call"):
 * IPv6 and ipv4-mapped-ipv6, GRE/MPLS encapsulation, fuzzing, AccECN ACE
 * fields, cmsg contents, MSG_ERRQUEUE/SO_TIMESTAMPING expressions, wire
 * client/server and .so modes, --speed/--mss (GSO injection).
 * Differences: dumps print addresses of the live packet and no hex dump; ICMP
 * lengths are not checked (the kernel quotes what fits); a call that never
 * returns fails after 600 s of virtual time instead of hanging.
 */
import { runPacketdrillScript as runScript, type PacketdrillOptions, type PacketdrillResult } from './run_script.js';
import { packetdrillCli as cli } from './cli.js';
import type { Kernel } from '../../core/net_namespace.js';
import type { Stdio } from '../../socket/task.js';
import { createKernel } from '../../index.js';
import { nodeHostFs } from '../../platform/node/host_fs.js';

export type { PacketdrillOptions, PacketdrillResult } from './run_script.js';
export type { PacketdrillHost } from './cli.js';
export { packetdrillMain } from './cli.js';

/** Run one script on Node: shell files are read from the host (node:fs) unless `opts` says otherwise. */
export function runPacketdrillScript(k: Kernel, text: string, opts: PacketdrillOptions = {}): Promise<PacketdrillResult> {
  return runScript(k, text, opts.fs || opts.readFile ? opts : { ...opts, fs: nodeHostFs });
}

/** `tuxnet packetdrill [options] FILE.pkt...` on Node: scripts from the host, each on createKernel({ seed }). */
export function packetdrillCli(argv: string[], stdout: Stdio, stderr: Stdio): Promise<number> {
  return cli(argv, stdout, stderr, { fs: nodeHostFs, newKernel: (seed) => createKernel({ seed }) });
}
