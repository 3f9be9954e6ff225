/**
 * cat (GNU coreutils) for the files tuxnet's kernel serves: /proc/net/* and
 * /proc/sys/net/*. Reads through the syscall layer, so it sees the caller's
 * namespace, as `ip netns exec NS cat /proc/net/dev` does on Linux.
 */
import type { ToolContext } from './tool.js';
import * as sys from '../socket/syscalls.js';
import { SystemError, strerror } from '../socket/errno.js';

export async function catMain(ctx: ToolContext): Promise<number> {
  let status = 0;
  for (const path of ctx.argv.slice(1)) {
    try {
      ctx.stdout.write(sys.readFile(ctx.task, path));
    } catch (e) {
      if (!(e instanceof SystemError)) throw e;
      // coreutils: "cat: FILE: No such file or directory"
      ctx.stderr.write(`cat: ${path}: ${strerror(e.errno)}\n`);
      status = 1;
    }
  }
  return status;
}
