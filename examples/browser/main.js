/* global document, window, TextDecoder, TextEncoder */
/**
 * A two-namespace lab in the page, on tuxnet's browser build (dist/browser/tuxnet.js,
 * `npm run build`): namespaces a and b joined by a veth pair, `ping -c 3` from a to
 * b (over a 5 ms netem delay) through the lab shell (`kernel.sh`), then a TCP echo across them with the
 * web-streams sockets (`ns.listenTcp` in b echoes what `ns.connectTcp` in a sends).
 * The output goes to <pre id="out">; <span id="status"> ends as "done" or
 * "failed: REASON". Afterwards the form runs more lab commands on the same kernel.
 */
import { Kernel } from '../../dist/browser/tuxnet.js';

const out = document.getElementById('out');
const status = document.getElementById('status');

function print(text) {
  out.textContent += text;
}

/** Run one lab line, show it and its output; a non-zero status fails the lab. */
async function sh(kernel, line) {
  print(`# ${line}\n`);
  const r = await kernel.sh(line);
  print(r.output);
  if (r.status !== 0) throw new Error(`"${line}" exited with status ${r.status}`);
  return r;
}

const SETUP = [
  'ip netns add a',
  'ip netns add b',
  'ip link add veth0 netns a type veth peer name veth1 netns b',
  'ip -n a addr add 10.0.0.1/24 dev veth0',
  'ip -n b addr add 10.0.0.2/24 dev veth1',
  'ip -n a link set veth0 up',
  'ip -n b link set veth1 up',
  'ip netns exec a tc qdisc add dev veth0 root netem delay 5ms',
  'ip -n a -br addr',
  'ip -n b -br addr',
];

/** Everything a stream yields, as text (until the peer's FIN). */
async function readAll(readable) {
  const reader = readable.getReader();
  const dec = new TextDecoder();
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += dec.decode(value, { stream: true });
  }
  return text + dec.decode();
}

/** b listens on 10.0.0.2:7 and echoes one connection; a connects, sends a line, reads it back. */
async function tcpEcho(kernel) {
  const a = kernel.netns('a');
  const b = kernel.netns('b');
  print('# TCP echo: b listens on 10.0.0.2:7, a connects\n');
  const listener = await b.listenTcp({ host: '10.0.0.2', port: 7 });
  print(`b: listening on ${listener.localAddress}:${listener.localPort}\n`);
  const server = (async () => {
    for await (const c of listener) {
      print(`b: connection from ${c.remoteAddress}:${c.remotePort}\n`);
      // Echo: every byte read goes back; the peer's FIN ends the pipe and closes ours.
      await c.readable.pipeTo(c.writable);
      await c.closed;
      break;
    }
  })();
  const conn = a.connectTcp({ host: '10.0.0.2', port: 7 });
  const info = await conn.opened;
  print(`a: connected from ${info.localAddress}:${info.localPort} to ${info.remoteAddress}:${info.remotePort}\n`);
  const message = 'hello from a, across the veth pair\n';
  const writer = conn.writable.getWriter();
  await writer.write(new TextEncoder().encode(message));
  await writer.close();
  print(`a: sent ${JSON.stringify(message)}\n`);
  const echoed = await readAll(conn.readable);
  print(`a: echoed ${JSON.stringify(echoed)}\n`);
  await conn.closed;
  await server;
  await listener.close();
  if (echoed !== message) throw new Error('the echo differs from what was sent');
  await sh(kernel, 'ip netns exec a nstat -a TcpActiveOpens TcpOutSegs TcpInSegs');
}

async function main() {
  const kernel = new Kernel({ clock: 'virtual', seed: 1 });
  window.tuxnetKernel = kernel;
  for (const line of SETUP) await sh(kernel, line);
  await sh(kernel, 'ip netns exec a ping -c 3 10.0.0.2');
  await tcpEcho(kernel);
  return kernel;
}

main().then((kernel) => {
  status.textContent = 'done';
  const form = document.getElementById('shell');
  const cmd = document.getElementById('cmd');
  form.hidden = false;
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const line = cmd.value;
    cmd.value = '';
    sh(kernel, line).catch((e) => print(`${e.message}\n`));
  });
}, (e) => {
  print(`${e.stack ?? e}\n`);
  status.textContent = `failed: ${e.message}`;
});
