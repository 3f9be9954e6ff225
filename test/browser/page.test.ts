/**
 * The browser build in a browser: examples/browser/ (a two-namespace lab: ping and
 * a TCP echo across a veth pair) loaded from a local http server into Debian's
 * headless Chromium through playwright-core (Playwright's own browser download
 * does not work here). Asserts on the page's output and takes a screenshot, kept as
 * test-results/browser-lab.png (git-ignored; CI can keep it as an artifact) and checked
 * to show something: text in several colours, not one uniform page.
 * Skips when /usr/bin/chromium is missing (.ci/run installs it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { ensureBundle, REPO_ROOT } from './bundle_util.js';
import { decodePng, colourCounts } from './png.js';

/** Where the screenshot is kept (git-ignored). */
const SHOT = join(REPO_ROOT, 'test-results', 'browser-lab.png');

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (apt-get install chromium; .ci/run does)`;
if (skip) console.log(`# browser page test skipped: ${skip}`);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
};

/** A static file server for the repository on 127.0.0.1 (ES modules need http://, not file://). */
async function serveRepo(root: string): Promise<{ server: Server; base: string }> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    const file = resolve(root, '.' + path);
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(403).end();
      return;
    }
    readFile(file).then((body) => {
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(body);
    }, () => {
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const addr = server.address();
  assert.ok(addr && typeof addr === 'object');
  return { server, base: `http://127.0.0.1:${addr.port}` };
}

test('examples/browser in headless Chromium: ping and a TCP echo between two namespaces, shown in the page', { skip, timeout: 180_000 }, async () => {
  await ensureBundle();
  let server: Server | null = null;
  let browser: Browser | null = null;
  try {
    const served = await serveRepo(REPO_ROOT);
    server = served.server;
    const base = served.base;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console.error: ${m.text()}`);
    });
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    await page.goto(`${base}/examples/browser/index.html`);
    // (Page code as a string: the tests compile without the DOM's types.)
    await page.waitForFunction("document.getElementById('status').textContent !== 'running'", null, { timeout: 120_000 });
    const status = await page.textContent('#status');
    const out = (await page.textContent('#out')) ?? '';
    assert.equal(status, 'done', `status ${status}\n${out}\n${problems.join('\n')}`);
    assert.deepEqual(problems, []);
    // The lab's commands and their output, as a terminal shows them (5 ms of netem on a's side).
    assert.match(out, /^# ip netns add a\n/);
    assert.match(out, /\nveth0@if\d+ +UP +10\.0\.0\.1\/24 \n/);
    assert.match(out, /\nPING 10\.0\.0\.2 \(10\.0\.0\.2\) 56\(84\) bytes of data\.\n/);
    assert.match(out, /\n64 bytes from 10\.0\.0\.2: icmp_seq=3 ttl=64 time=5\.\d+ ms\n/);
    assert.match(out, /\n3 packets transmitted, 3 received, 0% packet loss, time \d+ms\n/);
    assert.match(out, /\n--- 10\.0\.0\.2 ping statistics ---\n/);
    assert.match(out, /\nrtt min\/avg\/max\/mdev = [\d.]+\/[\d.]+\/[\d.]+\/[\d.]+ ms\n/);
    // The TCP echo: what a sent came back through b.
    assert.match(out, /\nb: connection from 10\.0\.0\.1:\d+\n/);
    assert.match(out, /\na: echoed "hello from a, across the veth pair\\n"\n/);
    mkdirSync(join(REPO_ROOT, 'test-results'), { recursive: true });
    await page.screenshot({ path: SHOT, fullPage: true });
    console.log(`# screenshot: ${SHOT}`);
    // Not a blank page: the most common colour (the background) leaves a good part of the
    // picture to text, and anti-aliased text in a few colours gives many shades.
    const png = decodePng(readFileSync(SHOT));
    const colours = colourCounts(png);
    const background = colours[0]![1] / (png.width * png.height);
    assert.ok(png.width >= 300 && png.height >= 300, `a page-sized picture: ${png.width}x${png.height}`);
    assert.ok(background < 0.97, `${((1 - background) * 100).toFixed(1)}% of the pixels are not the background colour`);
    assert.ok(colours.length >= 32, `${colours.length} distinct colours`);
    // The page keeps its kernel: one more command through the form runs in it.
    await page.fill('#cmd', 'ip netns exec b ip -br link show veth1');
    await page.click('#shell button');
    await page.waitForFunction(String.raw`/\nveth1@if\d+ +UP/.test(document.getElementById('out').textContent.split('# ip netns exec b ip -br link')[1] ?? '')`);
  } finally {
    await browser?.close();
    if (server) await new Promise<void>((ok) => server!.close(() => ok()));
  }
});
