#!/usr/bin/env node
/**
 * The browser build: bundles the compiled browser entry (dist/src/browser.js, from
 * src/browser.ts: the kernel, the syscall layer, the tools and the lab shell, with
 * the browser platform) into one ES module, dist/browser/tuxnet.js, with its source
 * map (chained through tsc's maps back to src/*.ts) and esbuild's metafile
 * (dist/browser/tuxnet.meta.json, the module graph the tests check).
 *
 * The build fails when any module of the graph imports `node:*` or a Node builtin
 * (`fs`, `path` ...), naming the importing module: browser code reaches the host only
 * through the platform and HostEnvironment.
 *
 * Usage: `node scripts/build-browser.mjs` (after `tsc -p .`; npm test and npm run
 * build run it). Also importable: `buildBrowser({ entry, outfile })` resolves to
 * { outfile, metafile, bytes } or rejects with the list of offending imports.
 */
import { build } from 'esbuild';
import { builtinModules } from 'node:module';
import process from 'node:process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const builtins = new Set(builtinModules.filter((m) => !m.startsWith('_')));

/** Is `spec` Node's own module (`node:fs`, `fs`, `fs/promises`)? */
export function isNodeBuiltin(spec) {
  if (spec.startsWith('node:')) return true;
  return builtins.has(spec) || builtins.has(spec.split('/')[0]);
}

/**
 * An esbuild plugin that refuses Node builtins and records who imported them, so
 * the error names the module to fix instead of esbuild's "Could not resolve".
 */
function noNodeBuiltins(found) {
  return {
    name: 'no-node-builtins',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point' || !isNodeBuiltin(args.path)) return undefined;
        const importer = relative(root, args.importer) || args.importer;
        found.push({ importer, path: args.path, kind: args.kind });
        return { errors: [{ text: `${importer} imports the Node builtin "${args.path}" (${args.kind}); the browser build may not` }] };
      });
    },
  };
}

/**
 * Bundle `entry` (default dist/src/browser.js) into `outfile` (default
 * dist/browser/tuxnet.js) + .map + .meta.json. Rejects with an Error listing every
 * Node builtin import (error.nodeImports: [{ importer, path, kind }]).
 */
export async function buildBrowser(opts = {}) {
  const entry = resolve(root, opts.entry ?? 'dist/src/browser.js');
  const outfile = resolve(root, opts.outfile ?? 'dist/browser/tuxnet.js');
  if (!existsSync(entry)) throw new Error(`${relative(root, entry)} is missing: compile first (tsc -p tsconfig.json)`);
  const found = [];
  let result;
  try {
    result = await build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      sourcemap: true,
      metafile: true,
      logLevel: 'silent',
      absWorkingDir: root,
      plugins: [noNodeBuiltins(found)],
    });
  } catch (e) {
    if (found.length > 0) {
      const err = new Error(`the browser build imports Node builtins:\n${found.map((f) => `  ${f.importer} -> ${f.path}`).join('\n')}`);
      err.nodeImports = found;
      throw err;
    }
    throw e;
  }
  const metafile = result.metafile;
  const metaPath = outfile.replace(/\.js$/, '') + '.meta.json';
  writeFileSync(metaPath, JSON.stringify(metafile));
  const out = metafile.outputs[relative(root, outfile)];
  return { outfile, metaPath, metafile, bytes: out ? out.bytes : 0 };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const r = await buildBrowser();
    const inputs = Object.keys(r.metafile.inputs).length;
    process.stdout.write(`browser build: ${relative(root, r.outfile)} (${(r.bytes / 1024).toFixed(0)} KiB, ${inputs} modules)\n`);
  } catch (e) {
    process.stderr.write(`browser build failed: ${e.message}\n`);
    if (e.errors) for (const x of e.errors) process.stderr.write(`  ${x.text}${x.location ? ` (${x.location.file}:${x.location.line})` : ''}\n`);
    process.exitCode = 1;
  }
}
