/**
 * The Node examples (examples/node/*.mjs) run as a user runs them, `node
 * examples/node/X.mjs` after the build, each in its own process; their output is
 * checked line by line (it is deterministic: virtual clock, fixed seed, nothing
 * printed that depends on the host).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { runNode, type ChildRun } from './harness/node_child.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** `node examples/node/NAME` from the repository root. */
function runExample(name: string): Promise<ChildRun> {
  return runNode([`examples/node/${name}`], root);
}

// ws_echo's closing order is node:net's on 127.0.0.1 too: the server's 'close' (its TCP
// connection closed after echoing the close frame) before the client's.
const expected: Record<string, string> = {
  'fetch_router.mjs': `== b reaches a through r
10.0.1.2 via 10.0.2.1 dev eth0 src 10.0.2.2 uid 0 
    cache 
== server in a listening on 10.0.1.2:8080
GET  /hello -> 200 application/json {"method":"GET","url":"/hello","from":"10.0.2.2","body":""}
POST /echo  -> 200 {"method":"POST","url":"/echo","from":"10.0.2.2","body":"across the router"}
PUT  /big   -> 200 100000 bytes echoed back
== r forwarded the traffic: true
done
`,
  'ws_echo.mjs': `server: connection from 10.0.0.2 for /chat
client: open
client: got echo: hello
client: got echo: over tuxnet
client: got binary 70000 bytes, sum 8916936
server: closed 1000 bye
client: closed 1000
done
`,
  'https_selfsigned.mjs': `server: https on 10.0.0.1:443 with a self-signed certificate for CN=tuxnet.test
fetch without ca: fetch failed: DEPTH_ZERO_SELF_SIGNED_CERT
fetch with ca: 200 hello 10.0.0.2 over TLSv1.3, you asked for /via-fetch
https.get with ca: 200 hello 10.0.0.2 over TLSv1.3, you asked for /via-https-get
done
`,
};

for (const [name, want] of Object.entries(expected)) {
  test(`node examples/node/${name}`, async () => {
    const r = await runExample(name);
    assert.equal(r.code, 0, `exit ${r.code}\n${r.stderr}`);
    assert.equal(r.stdout, want);
  });
}
// examples/node/dgram_echo.mjs is run and checked line by line by test/node/dgram_example.test.ts.
