/**
 * How userspace programs run. A tool is `main(ctx)`: it gets its Task (namespace,
 * fds), argv (argv[0] is the program name), stdio, and returns an exit status.
 * Tools reach the kernel only through src/socket/syscalls.ts. `exec` runs another
 * program (what `ip netns exec NS CMD` and shells need).
 */
import type { Task, Stdio } from '../socket/task.js';
import { SystemError, ENOENT } from '../socket/errno.js';

/** A program's standard input (fd 0). */
export interface Stdin {
  /** The next chunk of input (what one read(2) returns), or null at end of file. */
  read(): Promise<string | null>;
  /**
   * The next chunk as raw bytes, or null at end of file (binary-safe input: `nc h p <file`).
   * Optional: readInputBytes() falls back to read() encoded as UTF-8. A program uses one
   * of read/readBytes for the whole stream. The caller owns the returned array.
   */
  readBytes?(): Promise<Uint8Array | null>;
}

/** What stat(2) tells a program about a host file. */
export interface HostFileStat {
  isFile: boolean;
  isDirectory: boolean;
  size: number;
  /** Modification time, ms since the Unix epoch. */
  mtimeMs: number;
}

/** An open host file: pread(2) and close(2). */
export interface HostFileHandle {
  /** Read up to buf.length bytes at `position`; 0 at end of file. Throws SystemError. */
  read(buf: Uint8Array, position: number): number;
  close(): void;
}

/**
 * The host's file system as programs see it (files a server serves: `httpd -h DIR`).
 * The runner supplies it (the lab: node:fs); programs never import node:fs, so the same
 * program runs where there is no file system (a browser) and gets ENOENT.
 */
export interface HostFs {
  /** stat(2) following symlinks; throws SystemError (ENOENT, EACCES ...). */
  stat(path: string): HostFileStat;
  /** open(2) for reading; throws SystemError. */
  open(path: string): HostFileHandle;
  /** The whole file (open, read to the end, close); throws SystemError (ENOENT, EISDIR ...). */
  readFile(path: string): Uint8Array;
  /** Create or truncate the file and write `data` (open O_WRONLY|O_CREAT|O_TRUNC, write, close); throws SystemError. */
  writeFile(path: string, data: Uint8Array): void;
}

/**
 * A program's path argument as open(2) sees it from the program's working directory:
 * absolute paths unchanged, relative ones under $PWD when the runner sets it (else
 * relative to the host's own working directory).
 */
export function hostPath(env: Record<string, string>, path: string): string {
  if (path.startsWith('/') || !env.PWD) return path;
  return env.PWD.endsWith('/') ? env.PWD + path : `${env.PWD}/${path}`;
}

export interface ToolContext {
  task: Task;
  argv: string[];
  stdout: Stdio;
  stderr: Stdio;
  /** Standard input; absent = /dev/null (end of file at once). */
  stdin?: Stdin;
  /**
   * The host's files programs read and write (`httpd -h DIR`, `sysctl -p FILE`,
   * `tcpdump -r/-w FILE`, packetdrill scripts); absent (a browser): none, and every open
   * fails with ENOENT as for a missing file (see readHostFile). Shell redirections
   * (`>FILE`, `<FILE`) are the runner's, not this (the library's Kernel: EACCES without files).
   */
  fs?: HostFs;
  env: Record<string, string>;
  /** Run another program as a child of `task` (fork+exec); resolves to its exit status. */
  exec(argv: string[], task: Task): Promise<number>;
  /**
   * daemon(3): run `body` in a new process (a Task forked from this one, same namespace,
   * stdio on /dev/null) that outlives this program; returns its pid. The runner ends
   * daemons when it shuts down (a lab's end, `tuxnet tap` on SIGINT). Absent: no daemons.
   */
  daemon?(body: (task: Task) => Promise<void>): number;
}

export type ToolMain = (ctx: ToolContext) => Promise<number>;

/** What a program's host-file access needs of its context: the files, and $PWD. */
export type HostFileContext = { fs?: HostFs; env: Record<string, string> };

/**
 * Read a whole host file as the program's open(2) and read(2) would: a relative path
 * from $PWD (hostPath), through `ctx.fs`. Without host files (no `ctx.fs`: a browser)
 * every path fails with ENOENT, as a missing file does. Throws SystemError (ENOENT,
 * EISDIR for a directory, EACCES ...), which the program words as its Linux twin does.
 */
export function readHostFile(ctx: HostFileContext, path: string): Uint8Array {
  if (!ctx.fs) throw new SystemError(ENOENT, 'open', path);
  return ctx.fs.readFile(hostPath(ctx.env, path));
}

/** readHostFile, decoded as UTF-8 text (config files, scripts). */
export function readHostText(ctx: HostFileContext, path: string): string {
  return new TextDecoder().decode(readHostFile(ctx, path));
}

/** Create or truncate a host file and write `data` (as readHostFile: $PWD, ENOENT without host files). */
export function writeHostFile(ctx: HostFileContext, path: string, data: Uint8Array): void {
  if (!ctx.fs) throw new SystemError(ENOENT, 'open', path);
  ctx.fs.writeFile(hostPath(ctx.env, path), data);
}

const utf8Encoder = new TextEncoder();

/** What writeOutputBytes needs of a TextDecoder. */
export interface StreamDecoder {
  decode(b?: Uint8Array, options?: { stream?: boolean }): string;
}

/** read(2) on fd 0 for a binary-safe program: raw bytes when the input has them, else UTF-8. */
export async function readInputBytes(stdin: Stdin): Promise<Uint8Array | null> {
  if (stdin.readBytes) return stdin.readBytes();
  const t = await stdin.read();
  return t === null ? null : utf8Encoder.encode(t);
}

/**
 * write(2) of raw bytes to fd 1 or 2: unchanged through `writeBytes` when the output
 * takes bytes (a file, the process's stdout), else decoded as UTF-8 text with `decoder`
 * in streaming mode (a character split between two writes is kept for the next one;
 * flush with `decoder.decode()` at the end).
 */
export function writeOutputBytes(out: Stdio, b: Uint8Array, decoder: StreamDecoder): void {
  if (out.writeBytes) out.writeBytes(b);
  else {
    const t = decoder.decode(b, { stream: true });
    if (t !== '') out.write(t);
  }
}

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

/** A Stdio that keeps raw bytes (text is stored as UTF-8), for tests of binary output. */
export class BytesStdio implements Stdio {
  readonly chunks: Uint8Array[] = [];
  length = 0;
  write(t: string): void {
    this.writeBytes(utf8Encoder.encode(t));
  }
  writeBytes(b: Uint8Array): void {
    this.chunks.push(b.slice());
    this.length += b.length;
  }
  /** Everything written, in one array. */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let off = 0;
    for (const c of this.chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }
}

/** A Stdin that hands out `data` in chunks of `chunk` bytes, then end of file. */
export class BytesStdin implements Stdin {
  private off = 0;
  private readonly dec = new TextDecoder();
  constructor(readonly data: Uint8Array, readonly chunk = 65536) {}
  async readBytes(): Promise<Uint8Array | null> {
    if (this.off >= this.data.length) return null;
    const b = this.data.slice(this.off, this.off + this.chunk);
    this.off += b.length;
    return b;
  }
  async read(): Promise<string | null> {
    const b = await this.readBytes();
    return b === null ? (this.dec.decode() || null) : this.dec.decode(b, { stream: true });
  }
}
