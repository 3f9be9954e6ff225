// An HTTPS server with a self-signed certificate in namespace a, and clients in
// namespace b that trust it through `ca` (fetch with a dispatcher, and https.get).
//
//   a veth0 10.0.0.1/24 <====== veth pair ======> veth1 10.0.0.2/24 b
//
// The certificate is made at run time with `openssl` when it is installed (node:crypto
// cannot make X.509 certificates); otherwise the committed one in examples/node/certs/
// (made once with openssl, valid 2000-2100) is used. Both name CN=tuxnet.test with
// 10.0.0.1 among their addresses, so the output is the same.
//
// Run after `npm run build`:  node examples/node/https_selfsigned.mjs
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kernel } from '../../dist/src/index.js';
import { nodeApi } from '../../dist/src/node/index.js';

function makeCertificate() {
  const dir = mkdtempSync(join(tmpdir(), 'tuxnet-cert-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=tuxnet.test',
      '-addext', 'subjectAltName=DNS:tuxnet.test,IP:10.0.0.1'], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')), made: true };
  } catch {
    const certs = new URL('./certs/', import.meta.url);
    return { key: readFileSync(new URL('key.pem', certs)), cert: readFileSync(new URL('cert.pem', certs)), made: false };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const { key, cert, made } = makeCertificate();
process.stderr.write(made ? 'certificate: made now with openssl\n' : 'certificate: examples/node/certs (no openssl)\n');

const kernel = new Kernel({ clock: 'virtual', seed: 1 });
// Each line in the kernel's root shell; stop at the first that fails.
async function sh(lines) {
  let out = '';
  for (const line of lines.split('\n')) {
    const r = await kernel.sh(line);
    if (r.status !== 0) throw new Error(`${line}: exit ${r.status}: ${r.output}`);
    out += r.stdout;
  }
  return out;
}
await sh(`ip netns add a
ip netns add b
ip link add veth0 netns a type veth peer name veth1 netns b
ip -n a addr add 10.0.0.1/24 dev veth0
ip -n b addr add 10.0.0.2/24 dev veth1
ip -n a link set veth0 up
ip -n b link set veth1 up
sleep 1`);

const a = nodeApi(kernel.netns('a'));
const server = a.https.createServer({ key, cert }, (req, res) => {
  res.setHeader('content-type', 'text/plain');
  res.end(`hello ${req.socket.remoteAddress} over ${req.socket.getProtocol()}, you asked for ${req.url}\n`);
});
await new Promise((resolve) => server.listen(443, '10.0.0.1', resolve));
console.log('server: https on 10.0.0.1:443 with a self-signed certificate for CN=tuxnet.test');

const b = nodeApi(kernel.netns('b'));

// Without trusting it: refused, as Node refuses it on a real network.
try {
  await b.fetch('https://10.0.0.1/');
  console.log('fetch without ca: accepted (wrong!)');
} catch (e) {
  console.log(`fetch without ca: ${e.message}: ${e.cause?.code}`);
}

// fetch with a dispatcher that trusts the certificate.
const trusting = b.dispatcher({ connect: { ca: cert } });
const res = await b.fetch('https://10.0.0.1/via-fetch', { dispatcher: trusting });
console.log(`fetch with ca: ${res.status} ${await res.text()}`.trimEnd());

// https.get with the same ca.
const body = await new Promise((resolve, reject) => {
  b.https.get('https://10.0.0.1/via-https-get', { ca: cert }, (resp) => {
    let s = '';
    resp.setEncoding('utf8');
    resp.on('data', (c) => { s += c; });
    resp.on('end', () => resolve(`${resp.statusCode} ${s}`));
  }).on('error', reject);
});
console.log(`https.get with ca: ${body}`.trimEnd());

await trusting.close();
await new Promise((resolve) => server.close(resolve));
await kernel.close();
console.log('done');
