/**
 * QEMU links: a tuxnet link device is the other end of a QEMU netdev.
 *
 * - `-netdev stream` (QEMU 7.2+) and the legacy `-netdev socket,listen=|connect=`
 *   carry frames over TCP or a unix stream socket, each preceded by its length as a
 *   4-byte big-endian integer (net/stream.c, net/net.c net_fill_rstate(); no
 *   virtio_net_hdr). Either side may listen. tuxnet as server accepts one peer at a
 *   time, like QEMU's stream server (a second client is refused until the first
 *   leaves); as client it reconnects with backoff after the peer goes away.
 * - `-netdev dgram` (and the legacy `socket,udp=`) send one frame per UDP datagram,
 *   no header. There is no connection, so carrier is on from the bind.
 *
 * QEMU side, e.g.:
 *   -netdev stream,id=n0,server=off,addr.type=inet,addr.host=127.0.0.1,addr.port=5555
 *   -netdev stream,id=n1,server=on,addr.type=unix,addr.path=/tmp/qemu.sock
 *   -netdev dgram,id=n2,local.type=inet,local.host=127.0.0.1,local.port=5556,
 *                 remote.type=inet,remote.host=127.0.0.1,remote.port=5557
 *
 * A bad length prefix or a close in the middle of a frame ends the connection with a
 * logged reason and carrier off (see stream_link.ts); the next connection brings
 * carrier back.
 */
import * as net from 'node:net';
import * as dgram from 'node:dgram';
import { lstatSync, unlinkSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import type { Kernel, Net } from '../../core/net_namespace.js';
import { type LinkKindOps, type LinkPort, linkAttach, linkReceive } from '../../drivers/link.js';
import { QEMU_NET_BUFSIZE } from '../../drivers/link_framing.js';
import {
  type LinkHandle, type LinkDeviceOptions, Reconnector, RxBatch, noLog, closeLinkDevice, createLinkDevice, inBh, linkDeviceGone,
} from '../link_handle.js';
import { type StreamPort, attachStream } from './stream_link.js';

/** `ethtool -i` of a QEMU link device. */
export const qemuLinkOps: LinkKindOps = { driver: 'qemu-stream' };
export const qemuDgramLinkOps: LinkKindOps = { driver: 'qemu-dgram' };

/** A stream socket address: TCP host:port or a unix socket path. */
export type StreamAddress = { type: 'tcp'; host: string; port: number } | { type: 'unix'; path: string };

export function describeAddress(a: StreamAddress): string {
  return a.type === 'unix' ? `unix:${a.path}` : `tcp:${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
}

/**
 * tuxnet connects to a QEMU `-netdev stream,server=on` (or `socket,listen=`); it keeps
 * reconnecting (100 ms doubling to 5 s) while the handle is open. Resolves at once:
 * carrier comes on when the connection is up.
 */
export function qemuStreamConnect(k: Kernel, ns: Net, addr: StreamAddress, o: LinkDeviceOptions): Promise<LinkHandle> {
  const log = o.log ?? noLog;
  const dev = createLinkDevice(ns, o, qemuLinkOps);
  const rc = new Reconnector(() => connect());
  let sock: net.Socket | null = null;
  let lastFailure = '';
  const where = describeAddress(addr);
  const connect = (): void => {
    if (rc.stopped || linkDeviceGone(dev)) return;
    const s = addr.type === 'unix' ? net.connect({ path: addr.path }) : net.connect({ host: addr.host, port: addr.port });
    sock = s;
    let up: StreamPort | null = null;
    s.once('connect', () => {
      rc.reset();
      lastFailure = '';
      s.setNoDelay(true);
      up = attachStream(k, dev, {
        readable: s, writable: s, hdrLen: 4, maxLen: QEMU_NET_BUFSIZE, peer: where, log,
        destroy: () => s.destroy(),
        onLost: () => {
          sock = null;
          rc.schedule();
        },
      });
    });
    s.on('error', (e: NodeJS.ErrnoException) => {
      if (up !== null) return;
      const msg = `cannot connect to ${where}: ${e.code ?? e.message}`;
      if (msg !== lastFailure) log(`${msg}; retrying`);
      lastFailure = msg;
    });
    s.on('close', () => {
      if (up === null) {
        sock = null;
        rc.schedule();
      }
    });
  };
  connect();
  return Promise.resolve({
    dev,
    close: () => {
      rc.stop();
      closeLinkDevice(k, dev);
      sock?.destroy();
    },
  });
}

/**
 * tuxnet listens for a QEMU `-netdev stream,server=off` (or `socket,connect=`). One
 * peer at a time; when it leaves, the next connection is accepted. Resolves once
 * listening (rejects on EADDRINUSE and the like). A stale unix socket file is
 * replaced, as QEMU does when it listens on a path.
 */
export function qemuStreamListen(k: Kernel, ns: Net, addr: StreamAddress, o: LinkDeviceOptions): Promise<LinkHandle> {
  const log = o.log ?? noLog;
  const dev = createLinkDevice(ns, o, qemuLinkOps);
  let current: net.Socket | null = null;
  const server = net.createServer((s) => {
    const peer = addr.type === 'unix' ? describeAddress(addr) : `tcp:${s.remoteAddress}:${s.remotePort}`;
    if (linkDeviceGone(dev)) {
      s.destroy();
      server.close();
      return;
    }
    if (current !== null) {
      log(`refusing ${peer}: a peer is already connected`);
      s.destroy();
      return;
    }
    current = s;
    s.setNoDelay?.(true);
    s.on('error', () => {});
    attachStream(k, dev, {
      readable: s, writable: s, hdrLen: 4, maxLen: QEMU_NET_BUFSIZE, peer, log,
      destroy: () => s.destroy(),
      onLost: () => {
        if (current === s) current = null;
      },
    });
  });
  if (addr.type === 'unix') removeStaleSocket(addr.path);
  return new Promise((resolve, reject) => {
    const fail = (e: NodeJS.ErrnoException): void => {
      closeLinkDevice(k, dev);
      reject(new Error(`cannot listen on ${describeAddress(addr)}: ${e.code ?? e.message}`));
    };
    server.once('error', fail);
    const listening = (): void => {
      server.off('error', fail);
      server.on('error', (e) => log(`${e.message}`));
      log(`listening on ${describeAddress(addr)}`);
      resolve({
        dev,
        close: () => {
          server.close();
          current?.destroy();
          closeLinkDevice(k, dev);
          if (addr.type === 'unix') removeStaleSocket(addr.path);
        },
      });
    };
    if (addr.type === 'unix') server.listen(addr.path, listening);
    else server.listen(addr.port, addr.host, listening);
  });
}

function removeStaleSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch {
    // not there
  }
}

/** The port of a dgram link: one frame per datagram to the peer. */
class DgramPort implements LinkPort {
  closed = false;
  constructor(private readonly sock: dgram.Socket, private readonly host: string, private readonly port: number) {}
  transmit(frame: Uint8Array): boolean {
    if (this.closed || frame.length > QEMU_NET_BUFSIZE) return false;
    // send() may complete later: hand it a copy (the frame's buffer is reused).
    this.sock.send(Buffer.from(frame), this.port, this.host);
    return true;
  }
  close(): void {
    this.closed = true;
  }
}

export interface DgramEnds {
  localHost: string;
  localPort: number;
  remoteHost: string;
  remotePort: number;
}

/**
 * The other end of a QEMU `-netdev dgram` with unicast local/remote addresses: bind
 * localHost:localPort, send to remoteHost:remotePort, and accept datagrams only from
 * there (others are counted as rx_dropped). Carrier is on while the socket is bound.
 */
export async function qemuDgramOpen(k: Kernel, ns: Net, e: DgramEnds, o: LinkDeviceOptions): Promise<LinkHandle> {
  const log = o.log ?? noLog;
  const remote = await lookup(e.remoteHost);
  const dev = createLinkDevice(ns, o, qemuDgramLinkOps);
  const sock = dgram.createSocket({ type: remote.family === 6 ? 'udp6' : 'udp4', recvBufferSize: 4 << 20 });
  const port = new DgramPort(sock, remote.address, e.remotePort);
  const rx = new RxBatch(k, (f) => {
    if (!port.closed) linkReceive(dev, f);
  }, setImmediate);
  sock.on('message', (msg, rinfo) => {
    if (port.closed) return;
    if (rinfo.port !== e.remotePort || rinfo.address !== remote.address) {
      dev.coreStats.rxDropped++;
      return;
    }
    rx.push(msg);
  });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', (err: NodeJS.ErrnoException) => {
      closeLinkDevice(k, dev);
      // The socket never bound: close it, or its handle and 'message' listener stay behind.
      try {
        sock.close();
      } catch { /* already closed */ }
      reject(new Error(`cannot bind ${e.localHost}:${e.localPort}: ${err.code ?? err.message}`));
    });
    sock.bind(e.localPort, e.localHost, () => resolve());
  });
  sock.removeAllListeners('error');
  sock.on('error', (err) => log(`${err.message}`));
  inBh(k, () => linkAttach(dev, port));
  log(`link up (udp ${e.localHost}:${e.localPort} -> ${e.remoteHost}:${e.remotePort})`);
  return {
    dev,
    close: () => {
      port.closed = true;
      closeLinkDevice(k, dev);
      sock.close();
    },
  };
}
