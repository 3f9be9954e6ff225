/**
 * How userspace programs run. A tool is `main(ctx)`: it gets its Task (namespace,
 * fds), argv (argv[0] is the program name), stdio, and returns an exit status.
 * Tools reach the kernel only through src/socket/syscalls.ts. `exec` runs another
 * program (what `ip netns exec NS CMD` and shells need).
 */
import type { Task, Stdio } from '../socket/task.js';

export interface ToolContext {
  task: Task;
  argv: string[];
  stdout: Stdio;
  stderr: Stdio;
  env: Record<string, string>;
  /** Run another program as a child of `task` (fork+exec); resolves to its exit status. */
  exec(argv: string[], task: Task): Promise<number>;
}

export type ToolMain = (ctx: ToolContext) => Promise<number>;

/** A Stdio that collects text (for tests and command substitution). */
export class BufferStdio implements Stdio {
  text = '';
  write(t: string): void {
    this.text += t;
  }
}
