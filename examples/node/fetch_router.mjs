// An HTTP server in namespace a answering fetch() from namespace b, across a router
// namespace r: two veth pairs, forwarding on, default routes on the hosts.
//
//   a eth0 10.0.1.2/24 ---- eth1 10.0.1.1/24  r  eth2 10.0.2.1/24 ---- eth0 10.0.2.2/24 b
//
// Run after `npm run build`:  node examples/node/fetch_router.mjs
// Everything runs in this process on a virtual clock: no root, no network.
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
ip netns add r
ip netns add b
ip link add eth0 netns a type veth peer name eth1 netns r
ip link add eth0 netns b type veth peer name eth2 netns r
ip -n a addr add 10.0.1.2/24 dev eth0
ip -n r addr add 10.0.1.1/24 dev eth1
ip -n r addr add 10.0.2.1/24 dev eth2
ip -n b addr add 10.0.2.2/24 dev eth0
ip -n a link set eth0 up
ip -n r link set eth1 up
ip -n r link set eth2 up
ip -n b link set eth0 up
ip -n a route add default via 10.0.1.1
ip -n b route add default via 10.0.2.1
ip netns exec r sysctl -q -w net.ipv4.ip_forward=1
sleep 1`);
console.log('== b reaches a through r');
process.stdout.write(await sh('ip -n b route get 10.0.1.2'));

// Namespace a: a plain node:http-style server.
const a = nodeApi(kernel.netns('a'));
const server = a.http.createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ method: req.method, url: req.url, from: req.socket.remoteAddress, body }));
  });
});
await new Promise((resolve) => server.listen(8080, '10.0.1.2', resolve));
console.log(`== server in a listening on ${server.address().address}:${server.address().port}`);

// Namespace b: fetch, undici over tuxnet sockets.
const b = nodeApi(kernel.netns('b'));
const r1 = await b.fetch('http://10.0.1.2:8080/hello');
console.log(`GET  /hello -> ${r1.status} ${r1.headers.get('content-type')} ${await r1.text()}`);
const r2 = await b.fetch('http://10.0.1.2:8080/echo', { method: 'POST', body: 'across the router' });
console.log(`POST /echo  -> ${r2.status} ${await r2.text()}`);
const r3 = await b.fetch('http://10.0.1.2:8080/big', { method: 'PUT', body: 'x'.repeat(100_000) });
console.log(`PUT  /big   -> ${r3.status} ${(await r3.json()).body.length} bytes echoed back`);

// /proc/net/snmp of r, as `nstat` reads it: the Ip lines are names then values.
const [names, values] = kernel.netns('r').syscalls.readFile('/proc/net/snmp').split('\n')
  .filter((l) => l.startsWith('Ip:')).map((l) => l.split(' '));
console.log(`== r forwarded the traffic: ${Number(values[names.indexOf('ForwDatagrams')]) > 0}`);

await new Promise((resolve) => server.close(resolve));
await kernel.close();
console.log('done');
