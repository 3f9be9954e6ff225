// A WebSocket echo with the `ws` package, unchanged, over tuxnet sockets: the server is
// a WebSocketServer on tuxnet's http.createServer in namespace a, the client a ws
// WebSocket in namespace b whose connection is made by b's net.createConnection.
//
//   a veth0 10.0.0.1/24 <====== veth pair ======> veth1 10.0.0.2/24 b
//
// Run after `npm run build`:  node examples/node/ws_echo.mjs
import { WebSocket, WebSocketServer } from 'ws';
import { Kernel } from '../../dist/src/index.js';
import { nodeApi } from '../../dist/src/node/index.js';

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

// Namespace a: ws's server on tuxnet's http server (the upgrade arrives as on node:http).
const a = nodeApi(kernel.netns('a'));
const server = a.http.createServer((req, res) => res.end('websocket only\n'));
const wss = new WebSocketServer({ server });
wss.on('connection', (ws, req) => {
  console.log(`server: connection from ${req.socket.remoteAddress} for ${req.url}`);
  ws.on('message', (data, isBinary) => ws.send(isBinary ? data : `echo: ${data}`, { binary: isBinary }));
  ws.on('close', (code, reason) => console.log(`server: closed ${code} ${reason}`));
});
await new Promise((resolve) => server.listen(8080, '10.0.0.1', resolve));

// Namespace b: ws's client; its TCP connection comes from b's net.createConnection.
const b = nodeApi(kernel.netns('b'));
const ws = new WebSocket('ws://10.0.0.1:8080/chat', {
  createConnection: (opts) => b.net.createConnection({ host: opts.host, port: opts.port }),
});
const replies = [];
ws.on('message', (data, isBinary) => replies.push(isBinary ? `binary ${data.length} bytes, sum ${data.reduce((s, x) => s + x, 0)}` : String(data)));
await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
console.log('client: open');

const waitReplies = (n) => new Promise((resolve) => {
  const check = () => (replies.length >= n ? resolve() : ws.once('message', () => queueMicrotask(check)));
  check();
});
ws.send('hello');
ws.send('over tuxnet');
ws.send(Buffer.from(Array.from({ length: 70000 }, (_, i) => i & 0xff)));
await waitReplies(3);
for (const m of replies) console.log(`client: got ${m}`);

await new Promise((resolve) => { ws.once('close', (code) => { console.log(`client: closed ${code}`); resolve(); }); ws.close(1000, 'bye'); });
await new Promise((resolve) => wss.close(resolve));
await new Promise((resolve) => server.close(resolve));
await kernel.close();
console.log('done');
