/**
 * The host's files for tuxnet programs on Node (node:fs, synchronous): `>FILE` and
 * `<FILE` redirections of the lab shell and ToolContext.fs. Used by `tuxnet lab`,
 * `tuxnet tap` and the library's `kernel.sh` on Node.
 */
import { openSync, writeSync, readSync, closeSync, statSync, fstatSync, readFileSync, writeFileSync } from 'node:fs';
import { EISDIR, SystemError } from '../../socket/errno.js';
import type { HostFs } from '../../tools/tool.js';
import type { RedirectFile, RedirectInput } from '../../tools/lab/shell.js';

/** errno of a failed host open(2), from Node's error code. */
function hostErrno(e: unknown): number {
  const code = (e as { code?: string }).code;
  return code === 'ENOENT' ? 2 : code === 'EACCES' ? 13 : code === 'EISDIR' ? 21 : 5;
}

/** A redirection target file on the host (node:fs). */
export function hostFile(path: string, append: boolean): RedirectFile {
  let fd: number;
  try {
    fd = openSync(path, append ? 'a' : 'w');
  } catch (e) {
    throw new SystemError(hostErrno(e), 'open', path);
  }
  return {
    write: (t: string) => {
      if (fd >= 0) writeSync(fd, t);
    },
    writeBytes: (b: Uint8Array) => {
      let off = 0;
      while (fd >= 0 && off < b.length) off += writeSync(fd, b, off, b.length - off);
    },
    close: () => {
      if (fd >= 0) closeSync(fd);
      fd = -1;
    },
  };
}

/** Bytes per read(2) of a `<FILE` input (what `nc` then sends in one write). */
const INPUT_CHUNK = 128 * 1024;

/**
 * A `<FILE` input on the host: read(2) in INPUT_CHUNK pieces, synchronously (a
 * local file does not block for long), each chunk a fresh array the reader owns.
 */
export function hostInput(path: string): RedirectInput {
  let fd = -1;
  let errno = 0;
  try {
    fd = openSync(path, 'r');
    // Opening a directory succeeds and reading it fails with EISDIR (a zero-length
    // read does not reach the file system): refuse it here, as an error bash reports.
    if (fstatSync(fd).isDirectory()) errno = EISDIR;
  } catch (e) {
    errno = hostErrno(e);
  }
  if (errno !== 0) {
    // Failed after the open: do not leak the descriptor.
    if (fd >= 0) {
      try {
        closeSync(fd);
      } catch {
        // The first error is the one to report.
      }
    }
    throw new SystemError(errno, 'open', path);
  }
  const dec = new TextDecoder();
  const readBytes = async (): Promise<Uint8Array | null> => {
    if (fd < 0) return null;
    const buf = new Uint8Array(INPUT_CHUNK);
    const n = readSync(fd, buf, 0, buf.length, null);
    return n === 0 ? null : buf.subarray(0, n);
  };
  return {
    readBytes,
    read: async () => {
      const b = await readBytes();
      if (b !== null) return dec.decode(b, { stream: true });
      const tail = dec.decode();
      return tail === '' ? null : tail;
    },
    close: () => {
      if (fd >= 0) closeSync(fd);
      fd = -1;
    },
  };
}

/** errno of a failed host call, from Node's error code. */
function hostCallErrno(e: unknown): number {
  const code = (e as { code?: string }).code;
  const table: Record<string, number> = { ENOENT: 2, EACCES: 13, EISDIR: 21, ENOTDIR: 20, ELOOP: 40, ENAMETOOLONG: 36, EPERM: 1 };
  return (code !== undefined ? table[code] : undefined) ?? 5;
}

/** The host's files for programs (ToolContext.fs): node:fs, synchronous. */
export const nodeHostFs: HostFs = {
  stat: (path) => {
    try {
      const st = statSync(path);
      return { isFile: st.isFile(), isDirectory: st.isDirectory(), size: st.size, mtimeMs: st.mtimeMs };
    } catch (e) {
      throw new SystemError(hostCallErrno(e), 'stat', path);
    }
  },
  open: (path) => {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (e) {
      throw new SystemError(hostCallErrno(e), 'open', path);
    }
    return {
      read: (buf, position) => {
        try {
          return readSync(fd, buf, 0, buf.length, position);
        } catch (e) {
          throw new SystemError(hostCallErrno(e), 'read', path);
        }
      },
      close: () => {
        if (fd >= 0) closeSync(fd);
        fd = -1;
      },
    };
  },
  readFile: (path) => {
    try {
      const b = readFileSync(path);
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    } catch (e) {
      throw new SystemError(hostCallErrno(e), 'open', path);
    }
  },
  writeFile: (path, data) => {
    try {
      writeFileSync(path, data);
    } catch (e) {
      throw new SystemError(hostCallErrno(e), 'open', path);
    }
  },
};

