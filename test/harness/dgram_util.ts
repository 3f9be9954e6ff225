/** Helpers of the dgram tests (test/node/dgram*.test.ts), for node:dgram and tuxnet's alike. */

/** Close every socket and wait for each close callback; a socket already closed counts as closed. */
export function closeAll(...socks: { close(cb?: () => void): unknown }[]): Promise<void> {
  return Promise.all(socks.map((s) => new Promise<void>((resolve) => {
    try {
      s.close(() => resolve());
    } catch {
      resolve();
    }
  }))).then(() => {});
}
