/**
 * What both entry points (Node's `tuxnet` and the browser build) export besides their
 * own `Kernel`: the API types, the socket constants, and the kernel's objects for code
 * that reaches below the API.
 */
export { Netns, type KernelOptions, type ShResult, type Syscalls, type HostEnvironment } from './kernel.js';
export type { TcpConnectOptions, TcpListenOptions, TcpAddresses, TcpConnection, TcpListener, UdpDatagram, UdpOpenOptions, UdpSocket } from './streams.js';
export { Kernel as KernelCore, Net } from '../core/net_namespace.js';
export { VirtualClock, RealClock, type Clock } from '../core/clock.js';
export type { Platform } from '../core/softirq.js';
export * from '../core/skbuff.js';
export * from '../core/netdevice.js';
export { Task } from '../socket/task.js';
export * as sys from '../socket/syscalls.js';
export * from '../socket/socket.js';
export { SystemError } from '../socket/errno.js';
