// UDP request/response with node:dgram's API between two namespaces joined by a veth
// pair: a server in b upper-cases what it gets, a client in a sends three requests
// (one of them over a connected socket) and prints the answers.
//
//   a va 10.0.0.1/24 ------------ vb 10.0.0.2/24 b
//
// Run after `npm run build`:  node examples/node/dgram_echo.mjs
// Everything runs in this process on a virtual clock: no root, no network.
import { Kernel } from '../../dist/src/index.js';
import { nodeApi } from '../../dist/src/node/index.js';

const kernel = new Kernel({ clock: 'virtual', seed: 1 });
const r = await kernel.sh('ip netns add a; ip netns add b; ' +
  'ip link add va netns a type veth peer name vb netns b; ' +
  'ip -n a addr add 10.0.0.1/24 dev va; ip -n a link set va up; ' +
  'ip -n b addr add 10.0.0.2/24 dev vb; ip -n b link set vb up');
if (r.status !== 0) throw new Error(r.output);

// The server: the same code as with `import dgram from 'node:dgram'`.
const { dgram: serverDgram } = nodeApi(kernel.netns('b'));
const server = serverDgram.createSocket('udp4');
server.on('message', (msg, rinfo) => {
  console.log(`server: ${JSON.stringify(msg.toString())} from ${rinfo.address} (${rinfo.family}, ${rinfo.size} bytes)`);
  server.send(msg.toString().toUpperCase(), rinfo.port, rinfo.address);
});
await new Promise((resolve) => server.bind(41234, resolve));
const { address, port } = server.address();
console.log(`server: listening on ${address}:${port}`);

// The client: one request at a time, waiting for each answer.
const { dgram } = nodeApi(kernel.netns('a'));
const client = dgram.createSocket('udp4');
function ask(socket, text, ...to) {
  return new Promise((resolve, reject) => {
    socket.once('message', (msg, rinfo) => resolve(`${msg} from ${rinfo.address}:${rinfo.port}`));
    socket.send(text, ...to, (err) => { if (err) reject(err); });
  });
}
console.log(`client: ${await ask(client, 'hello', port, '10.0.0.2')}`);
console.log(`client: ${await ask(client, ['udp ', Buffer.from('over '), 'tuxnet'], port, '10.0.0.2')}`);

// A connected socket: send() without an address, remoteAddress().
const connected = dgram.createSocket('udp4');
await new Promise((resolve) => connected.connect(port, '10.0.0.2', resolve));
console.log(`client: connected to ${JSON.stringify(connected.remoteAddress())}`);
console.log(`client: ${await ask(connected, 'connected')}`);

// A port nobody listens on: the ICMP port unreachable comes back as an error.
const lost = dgram.createSocket('udp4');
lost.connect(9, '10.0.0.2');
lost.on('connect', () => lost.send('anyone?'));
const err = await new Promise((resolve) => lost.once('error', resolve));
console.log(`client: ${err.message} (code ${err.code}, errno ${err.errno})`);

for (const s of [client, connected, lost, server]) await new Promise((resolve) => s.close(resolve));
await kernel.close();
console.log('done');
