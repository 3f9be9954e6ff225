// Build the TAP addon (native/tap/tap.c -> build/Release/tap.node) with node-gyp, as
// package.json's "install" script: `npm ci` / `npm install` run it. The addon is optional:
// when it cannot be built (not Linux, no C compiler, no node-gyp, no Node headers) this
// prints why and exits 0, so installing tuxnet still succeeds; openTap() then explains
// what is missing (TapUnavailableError). Set TUXNET_SKIP_ADDON=1 to skip the build.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const status = join(root, 'build', 'tap-addon-status.txt');

function done(ok, why) {
  try {
    mkdirSync(join(root, 'build'), { recursive: true });
    writeFileSync(status, ok ? 'ok\n' : `${why}\n`);
  } catch {
    // best effort: the loader falls back to a generic message
  }
  if (!ok) process.stderr.write(`tuxnet: TAP addon not built: ${why} (tuxnet works without it; openTap() will not)\n`);
  process.exit(0);
}

if (process.env.TUXNET_SKIP_ADDON) done(false, 'TUXNET_SKIP_ADDON is set');
if (process.platform !== 'linux') done(false, `TAP devices need Linux (this is ${process.platform})`);
const cc = process.env.CC || 'cc';
if (spawnSync('sh', ['-c', `command -v ${cc} && command -v make`], { stdio: 'ignore' }).status !== 0) {
  done(false, `no C compiler (${cc}) or make found at install time`);
}

if (spawnSync('sh', ['-c', 'command -v python3 || command -v python'], { stdio: 'ignore' }).status !== 0 &&
  !process.env.npm_config_python && !process.env.PYTHON) {
  done(false, 'no python3 found at install time (node-gyp needs it)');
}

// node-gyp: the one npm runs scripts with, else npm's bundled copy, else one on PATH.
function findNodeGyp() {
  const cands = [];
  if (process.env.npm_config_node_gyp) cands.push(process.env.npm_config_node_gyp);
  const prefix = dirname(dirname(process.execPath));
  cands.push(join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  cands.push(join(dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  for (const c of cands) if (existsSync(c)) return [process.execPath, c];
  if (spawnSync('sh', ['-c', 'command -v node-gyp'], { stdio: 'ignore' }).status === 0) return ['node-gyp'];
  return null;
}
const gyp = findNodeGyp();
if (!gyp) done(false, 'node-gyp not found (it ships with npm)');

// Build against the headers of the running Node when they are installed (no download).
const args = ['rebuild'];
const prefix = dirname(dirname(process.execPath));
if (existsSync(join(prefix, 'include', 'node', 'node_api.h')) && !process.env.npm_config_nodedir) {
  args.push(`--nodedir=${prefix}`);
}
rmSync(status, { force: true });
const r = spawnSync(gyp[0], [...gyp.slice(1), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
if (r.status !== 0 || !existsSync(join(root, 'build', 'Release', 'tap.node'))) {
  const lines = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n');
  process.stderr.write(`${lines.slice(-15).join('\n')}\n`);
  // The first compiler or gyp error says most (a missing header, no compiler, ...).
  const first = lines.find((l) => /error|not found|No such file/i.test(l))?.trim();
  done(false, `node-gyp ${args.join(' ')} failed (exit ${r.status ?? r.signal}${r.error ? `: ${r.error.message}` : ''})` +
    (first ? `: ${first.slice(0, 200)}` : ''));
}
done(true, '');
