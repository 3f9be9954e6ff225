/**
 * `ip netns` (iproute2: ip/ipnetns.c): add, delete, list, exec, identify.
 * Named namespaces are /run/netns/NAME handles managed through the syscall
 * layer (unshare + mountNetns, umountNetns, open + setns).
 */
import * as sys from '../../socket/syscalls.js';
import { strerror, SystemError } from '../../socket/errno.js';
import type { ToolContext } from '../tool.js';
import { type IpEnv, getNetnsidFromName } from './iplink.js';

function errnoOf(e: unknown): number {
  return typeof e === 'object' && e !== null && 'errno' in e ? Math.abs(Number((e as { errno: number }).errno)) : 5;
}

/** `ip netns exec NAME CMD...`: a child moved into the namespace runs CMD. */
async function netnsExec(ctx: ToolContext, env: IpEnv, args: string[]): Promise<number> {
  const name = args[0];
  if (name === undefined) {
    env.err('No netns name specified\n');
    return 255;
  }
  if (args.length < 2) {
    env.err('No command specified\n');
    return 255;
  }
  const child = ctx.task.fork();
  try {
    const fd = sys.open(child, `/run/netns/${name}`);
    sys.setns(child, fd);
    sys.close(child, fd);
  } catch (e) {
    env.err(`Cannot open network namespace "${name}": ${strerror(errnoOf(e))}\n`);
    sys.exitTask(child);
    return 255;
  }
  try {
    return await ctx.exec(args.slice(1), child);
  } catch (e) {
    // iproute2 cmd_exec(): execvp failed in the child.
    if (e instanceof SystemError && e.syscall === 'execvp') {
      env.err(`exec of "${args[1]}" failed: ${strerror(errnoOf(e))}\n`);
      return 1;
    }
    throw e;
  } finally {
    sys.exitTask(child);
  }
}

/** `ip netns ...` (iproute2: do_netns). */
export async function doNetns(ctx: ToolContext, env: IpEnv, args: string[]): Promise<number> {
  const cmd = args[0] ?? 'list';
  const rest = args.slice(1);
  if (cmd === 'list' || cmd === 'show' || cmd === 'ls' || cmd === 'lst') {
    for (const name of sys.readdir(env.task, '/run/netns')) {
      const id = getNetnsidFromName(env, name);
      env.out(id >= 0 ? `${name} (id: ${id})\n` : `${name}\n`);
    }
    return 0;
  }
  if (cmd === 'add') {
    const name = rest[0];
    if (name === undefined) {
      env.err('No netns name specified\n');
      return 255;
    }
    if (name.includes('/') || name === '.' || name === '..') {
      env.err(`Invalid netns name "${name}"\n`);
      return 255;
    }
    if (sys.readdir(env.task, '/run/netns').includes(name)) {
      env.err(`Cannot create namespace file "/run/netns/${name}": File exists\n`);
      return 1;
    }
    const child = ctx.task.fork();
    try {
      sys.unshare(child, sys.CLONE_NEWNET);
      sys.mountNetns(child, `/run/netns/${name}`);
    } catch (e) {
      env.err(`Cannot create namespace file "/run/netns/${name}": ${strerror(errnoOf(e))}\n`);
      return 1;
    } finally {
      sys.exitTask(child);
    }
    return 0;
  }
  if (cmd === 'delete' || cmd === 'del') {
    const name = rest[0];
    if (name === undefined) {
      env.err('No netns name specified\n');
      return 255;
    }
    try {
      sys.umountNetns(env.task, `/run/netns/${name}`);
    } catch (e) {
      env.err(`Cannot remove namespace file "/run/netns/${name}": ${strerror(errnoOf(e))}\n`);
      return 1;
    }
    return 0;
  }
  if (cmd === 'exec') return netnsExec(ctx, env, rest);
  if (cmd === 'identify') {
    // The name whose namespace is the caller's (iproute2 compares inode numbers).
    const self = sys.open(env.task, '/proc/self/ns/net');
    const selfNet = sys.netnsOfFd(env.task, self);
    sys.close(env.task, self);
    for (const name of sys.readdir(env.task, '/run/netns')) {
      const fd = sys.open(env.task, `/run/netns/${name}`);
      const net = sys.netnsOfFd(env.task, fd);
      sys.close(env.task, fd);
      if (net === selfNet) env.out(`${name}\n`);
    }
    return 0;
  }
  env.err(`Command "${cmd}" is unknown, try "ip netns help".\n`);
  return 255;
}
