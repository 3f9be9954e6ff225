/**
 * Shared by the browser-build tests: where the repository is, and the bundle
 * (dist/browser/tuxnet.js) made by scripts/build-browser.mjs, rebuilt when a compiled
 * module is newer than it (npm test builds it before the tests; a lone
 * `node --test dist/test/browser/...` after tsc gets a fresh one here).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The repository root (this file runs as dist/test/browser/bundle_util.js). */
export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
export const BUNDLE = join(REPO_ROOT, 'dist/browser/tuxnet.js');
export const METAFILE = join(REPO_ROOT, 'dist/browser/tuxnet.meta.json');

/** What scripts/build-browser.mjs exports. */
export interface BuildBrowser {
  buildBrowser(opts?: { entry?: string; outfile?: string }): Promise<{
    outfile: string;
    metaPath: string;
    bytes: number;
    metafile: { inputs: Record<string, { imports: { path: string; kind: string; external?: boolean }[] }>; outputs: Record<string, { bytes: number }> };
  }>;
  isNodeBuiltin(spec: string): boolean;
}

export async function loadBuildScript(): Promise<BuildBrowser> {
  return await import(pathToFileURL(join(REPO_ROOT, 'scripts/build-browser.mjs')).href) as BuildBrowser;
}

function newestJs(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newestJs(p));
    else if (e.name.endsWith('.js') && !e.name.endsWith('.test.js')) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

/** Build the bundle unless it is newer than every compiled module under dist/src. */
export async function ensureBundle(): Promise<void> {
  if (existsSync(BUNDLE) && existsSync(METAFILE) && statSync(BUNDLE).mtimeMs >= newestJs(join(REPO_ROOT, 'dist/src'))) return;
  await (await loadBuildScript()).buildBrowser();
}
