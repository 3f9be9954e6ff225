/**
 * `tuxnet tap --link DEVNAME=SPEC`: open a VM/emulator link from a one-line spec.
 *
 *   qemu-stream:listen:tcp:HOST:PORT     QEMU -netdev stream,server=off (or socket,connect=) connects here
 *   qemu-stream:connect:tcp:HOST:PORT    connect to QEMU -netdev stream,server=on (or socket,listen=)
 *   qemu-stream:listen:unix:PATH         the same over a unix stream socket
 *   qemu-stream:connect:unix:PATH
 *   qemu-dgram:LHOST:LPORT:RHOST:RPORT   QEMU -netdev dgram with local=RHOST:RPORT, remote=LHOST:LPORT
 *   vde:SOCKPATH                         vde_plug SOCKPATH (a vde_switch -s directory or vde_plug URL)
 *   ws:URL                               a WebSocket relay (tuxnet relay, websockproxy): ws:ws://127.0.0.1:8086/
 *
 * HOST may be an IPv6 address in brackets ([::1]). A malformed spec throws an Error
 * whose message says what was expected.
 */
import type { Kernel, Net } from '../../core/net_namespace.js';
import type { LinkHandle, LinkLog } from '../link_handle.js';
import { type StreamAddress, qemuStreamConnect, qemuStreamListen, qemuDgramOpen } from './qemu_link.js';
import { vdeOpen } from './vde_link.js';
import { openWsLink } from './ws_link.js';

export const LINK_SPEC_USAGE = 'qemu-stream:listen|connect:tcp:HOST:PORT, qemu-stream:listen|connect:unix:PATH, ' +
  'qemu-dgram:LHOST:LPORT:RHOST:RPORT, vde:SOCKPATH or ws:URL';

export type LinkSpec =
  | { kind: 'qemu-stream'; mode: 'listen' | 'connect'; addr: StreamAddress }
  | { kind: 'qemu-dgram'; localHost: string; localPort: number; remoteHost: string; remotePort: number }
  | { kind: 'vde'; sock: string }
  | { kind: 'ws'; url: string };

/** Split `HOST:PORT` at the last colon; HOST may be `[v6]`. */
function hostPort(s: string, what: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(s);
  if (m === null) throw new Error(`invalid ${what} '${s}': expected HOST:PORT`);
  const port = Number(m[3]);
  if (port < 1 || port > 65535) throw new Error(`invalid port '${m[3]}' in ${what} '${s}'`);
  return { host: (m[1] ?? m[2])!, port };
}

/** Parse a link spec (throws with the reason). */
export function parseLinkSpec(spec: string): LinkSpec {
  const colon = spec.indexOf(':');
  const kind = colon < 0 ? spec : spec.slice(0, colon);
  const rest = colon < 0 ? '' : spec.slice(colon + 1);
  if (kind === 'qemu-stream') {
    const m = /^(listen|connect):(tcp|unix):(.+)$/.exec(rest);
    if (m === null) throw new Error(`invalid link '${spec}': expected qemu-stream:listen|connect:tcp:HOST:PORT or qemu-stream:listen|connect:unix:PATH`);
    const mode = m[1] as 'listen' | 'connect';
    if (m[2] === 'unix') return { kind, mode, addr: { type: 'unix', path: m[3]! } };
    const hp = hostPort(m[3]!, 'address');
    return { kind, mode, addr: { type: 'tcp', host: hp.host, port: hp.port } };
  }
  if (kind === 'qemu-dgram') {
    const m = /^((?:\[[^\]]+\]|[^:[\]]+):\d{1,5}):((?:\[[^\]]+\]|[^:[\]]+):\d{1,5})$/.exec(rest);
    if (m === null) throw new Error(`invalid link '${spec}': expected qemu-dgram:LHOST:LPORT:RHOST:RPORT`);
    const l = hostPort(m[1]!, 'local address');
    const r = hostPort(m[2]!, 'remote address');
    return { kind, localHost: l.host, localPort: l.port, remoteHost: r.host, remotePort: r.port };
  }
  if (kind === 'vde') {
    if (rest === '') throw new Error(`invalid link '${spec}': expected vde:SOCKPATH`);
    return { kind, sock: rest };
  }
  if (kind === 'ws') {
    if (!/^wss?:\/\/./.test(rest)) throw new Error(`invalid link '${spec}': expected ws:URL with a ws:// or wss:// URL`);
    return { kind, url: rest };
  }
  throw new Error(`invalid link '${spec}': expected ${LINK_SPEC_USAGE}`);
}

/**
 * Create link device `devName` in `net` and connect it as `spec` says. Resolves when
 * the link is set up (listening, bound, or the first connection attempt started);
 * carrier follows the peer from then on. Rejects on a bad spec or a failed listen/bind.
 */
export async function openLinkSpec(k: Kernel, net: Net, devName: string, spec: string, log: LinkLog): Promise<LinkHandle> {
  const s = parseLinkSpec(spec);
  const o = { devName, log };
  switch (s.kind) {
    case 'qemu-stream':
      return s.mode === 'listen' ? qemuStreamListen(k, net, s.addr, o) : qemuStreamConnect(k, net, s.addr, o);
    case 'qemu-dgram':
      return qemuDgramOpen(k, net, s, o);
    case 'vde':
      return vdeOpen(k, net, s.sock, o);
    case 'ws':
      return openWsLink(k, net, s.url, o);
  }
}
