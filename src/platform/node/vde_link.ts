/**
 * VDE link: a tuxnet link device plugged into a Virtual Distributed Ethernet switch
 * through `vde_plug SOCK` (vde2 / vdeplug4). With no command after the URL, vde_plug
 * joins its stdin/stdout to the switch port as a stream of frames, each preceded by
 * its length as a 2-byte big-endian integer (libvdeplug vdestream_send/recv;
 * zero-length records are skipped, as vdestream_recv does).
 *
 *   tuxnet dev ── [len16 | frame] ── vde_plug stdin/stdout ── vde_switch ── VMs, QEMU -nic vde
 *
 * When vde_plug exits (switch gone, bad socket path) or sends a bad length prefix,
 * the link goes down with the reason logged (vde_plug's own stderr line included)
 * and vde_plug is started again with backoff (100 ms doubling to 5 s) until the
 * handle is closed: a restarted switch brings carrier back.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Kernel, Net } from '../../core/net_namespace.js';
import type { LinkKindOps } from '../../drivers/link.js';
import { VDE_MAX_FRAME } from '../../drivers/link_framing.js';
import { type LinkHandle, type LinkDeviceOptions, Reconnector, noLog, closeLinkDevice, createLinkDevice, linkDeviceGone } from '../link_handle.js';
import { attachStream } from './stream_link.js';

export const vdeLinkOps: LinkKindOps = { driver: 'vde' };

export interface VdeOptions extends LinkDeviceOptions {
  /** The vde_plug program (default: `vde_plug` from PATH). */
  vdePlug?: string;
}

/** How long vde_plug must have run before the link counts as plugged. */
const VDE_SETTLE_MS = 150;

/** Plug a new link device into the VDE switch at `sock` (a vde_switch -s directory or a vde_plug URL). */
export function vdeOpen(k: Kernel, ns: Net, sock: string, o: VdeOptions): Promise<LinkHandle> {
  const log = o.log ?? noLog;
  const dev = createLinkDevice(ns, o, vdeLinkOps);
  const rc = new Reconnector(() => start());
  let child: ChildProcess | null = null;
  const program = o.vdePlug ?? 'vde_plug';


  const start = (): void => {
    if (rc.stopped || linkDeviceGone(dev)) return;
    const c = spawn(program, [sock], { stdio: ['pipe', 'pipe', 'pipe'] });
    child = c;
    let stderrTail = '';
    let exitInfo = '';
    let attached = false;
    c.stderr!.on('data', (d: Buffer) => {
      stderrTail = (stderrTail + d.toString()).slice(-500);
    });
    const whyExited = (): string => {
      const last = stderrTail.trim().split('\n').pop() ?? '';
      return `${program} ${exitInfo || 'exited'}${last !== '' ? `: ${last}` : ''}`;
    };
    c.on('error', (e: NodeJS.ErrnoException) => {
      exitInfo = `failed to start (${e.code ?? e.message})`;
    });
    c.on('exit', (code, signal) => {
      exitInfo = signal !== null ? `killed by ${signal}` : `exited with status ${code}`;
    });
    c.on('close', () => {
      if (child === c) child = null;
      if (!attached) {
        log(`${whyExited()}; retrying`);
        rc.schedule();
      }
    });
    if (c.pid === undefined) return; // 'error' + 'close' follow
    // vde_plug prints no "connected" line: it is plugged once it runs. A failure to
    // reach the switch makes it exit at once, so wait a moment before carrier on
    // (no up/down flapping in the log while the switch is missing).
    c.once('spawn', () => setTimeout(() => {
      if (rc.stopped || c.exitCode !== null || c.signalCode !== null || child !== c) return;
      attached = true;
      rc.reset();
      attachStream(k, dev, {
        readable: c.stdout!, writable: c.stdin!, hdrLen: 2, maxLen: VDE_MAX_FRAME, skipEmpty: true,
        peer: `vde_plug[${c.pid}] ${sock}`, log,
        destroy: () => {
          if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
        },
        onLost: () => {
          // Give vde_plug's exit status to the log when that is why the stream ended.
          setTimeout(() => {
            if (exitInfo !== '') log(`${whyExited()}`);
          }, 50).unref();
          rc.schedule();
        },
      });
    }, VDE_SETTLE_MS));
  };
  start();
  return Promise.resolve({
    dev,
    close: () => {
      rc.stop();
      closeLinkDevice(k, dev);
      if (child !== null && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
  });
}
