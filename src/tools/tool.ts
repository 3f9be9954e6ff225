/**
 * How userspace programs run. A tool is `main(ctx)`: it gets its Task (namespace,
 * fds), argv (argv[0] is the program name), stdio, and returns an exit status.
 * Tools reach the kernel only through src/socket/syscalls.ts. `exec` runs another
 * program (what `ip netns exec NS CMD` and shells need).
 */
import type { Task, Stdio } from '../socket/task.js';

/** A program's standard input (fd 0). */
export interface Stdin {
  /** The next chunk of input (what one read(2) returns), or null at end of file. */
  read(): Promise<string | null>;
}

export interface ToolContext {
  task: Task;
  argv: string[];
  stdout: Stdio;
  stderr: Stdio;
  /** Standard input; absent = /dev/null (end of file at once). */
  stdin?: Stdin;
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

/** A Stdin that hands out the given chunks, then end of file (for tests and pipelines). */
export class BufferStdin implements Stdin {
  private i = 0;
  constructor(readonly chunks: string[]) {}
  async read(): Promise<string | null> {
    return this.i < this.chunks.length ? this.chunks[this.i++]! : null;
  }
}
