/**
 * v86 (the x86 emulator in the browser) on a tuxnet network, without a server: a
 * `network_adapter` for the V86 constructor that plugs the VM's NIC (ne2k or
 * virtio-net) straight into a tuxnet link device in the same page. The VM's frames
 * arrive on v86's bus as "net0-send"; frames for the VM go out as "net0-receive" —
 * the same two bus events v86's own NetworkAdapter (WebSocket relay) uses.
 *
 *   const k = ...; // a tuxnet kernel booted with the browser platform
 *   const nic = v86NetworkAdapter(k, k.initNet, { devName: 'vm0' });
 *   const emulator = new V86({ ..., network_adapter: nic.adapter });
 *   // then in tuxnet: ip addr add 10.0.2.2/24 dev vm0; ip link set vm0 up
 *
 * Or reach a relay (`tuxnet relay`, websockproxy) from the page with
 * `openWebSocketLink(k, net, 'ws://host:port/', {devName})`, re-exported here.
 * Browser-safe: no Node imports.
 */
import type { Kernel, Net } from '../../core/net_namespace.js';
import type { NetDevice } from '../../core/netdevice.js';
import { type LinkKindOps, type LinkPort, linkAttach, linkReceive } from '../../drivers/link.js';
import { type LinkDeviceOptions, closeLinkDevice, createLinkDevice, inBh } from '../link_handle.js';

export { openWebSocketLink, type WebSocketCtor, type WebSocketLike, type WebSocketLinkOptions } from './websocket_link.js';

export const v86LinkOps: LinkKindOps = { driver: 'v86' };

/** What the helper needs of v86's bus (src/bus.js: register/send, unregister in newer versions). */
export interface V86Bus {
  register(name: string, fn: (data: Uint8Array) => void, thisValue?: unknown): void;
  unregister?(name: string, fn: (data: Uint8Array) => void): void;
  send(name: string, value: unknown): void;
}

/** What v86 keeps as its network adapter (it calls destroy() when the emulator is destroyed). */
export interface V86NetworkAdapter {
  dev: NetDevice;
  destroy(): void;
}

class V86Port implements LinkPort {
  closed = false;
  constructor(private readonly bus: V86Bus) {}
  transmit(frame: Uint8Array): boolean {
    if (this.closed) return false;
    // The NIC model keeps what it receives: give it its own copy.
    this.bus.send('net0-receive', frame.slice());
    return true;
  }
  close(): void {
    this.closed = true;
  }
}

/**
 * Plug a VM's NIC into tuxnet through v86's bus right away (carrier on): its frames
 * become received frames of the new device `o.devName`, and what tuxnet sends on the
 * device is delivered to the NIC.
 */
export function attachV86Bus(k: Kernel, ns: Net, bus: V86Bus, o: LinkDeviceOptions): V86NetworkAdapter {
  const dev = createLinkDevice(ns, o, v86LinkOps);
  const port = new V86Port(bus);
  const onSend = (data: Uint8Array): void => {
    if (port.closed) return;
    // Whatever the bus hands over, a non-byte value is a counted drop, never an exception
    // thrown back into the emulator's event loop.
    if (!(data instanceof Uint8Array)) {
      dev.coreStats.rxDropped++;
      return;
    }
    inBh(k, () => linkReceive(dev, data));
  };
  bus.register('net0-send', onSend);
  inBh(k, () => linkAttach(dev, port));
  o.log?.(`link up (v86 net0)`);
  let destroyed = false;
  return {
    dev,
    destroy: () => {
      // The port may already be closed (the device went away with its namespace): the
      // bus handler is still removed, so the emulator no longer holds this kernel.
      if (destroyed) return;
      destroyed = true;
      port.close();
      bus.unregister?.('net0-send', onSend);
      closeLinkDevice(k, dev);
    },
  };
}

/**
 * A `network_adapter` option for `new V86({...})`: v86 calls it with its bus when the
 * emulator starts. `adapter()` of the result is what to pass; `ready` resolves with
 * the tuxnet side once v86 has called it.
 */
export function v86NetworkAdapter(k: Kernel, ns: Net, o: LinkDeviceOptions): {
  adapter: (bus: V86Bus) => V86NetworkAdapter;
  ready: Promise<V86NetworkAdapter>;
} {
  let resolve: (a: V86NetworkAdapter) => void = () => {};
  const ready = new Promise<V86NetworkAdapter>((r) => {
    resolve = r;
  });
  return {
    adapter: (bus) => {
      const a = attachV86Bus(k, ns, bus, o);
      resolve(a);
      return a;
    },
    ready,
  };
}
