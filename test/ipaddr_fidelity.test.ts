/**
 * Fidelity: the `ip address` (and `sysctl`) script of src/tools/ip/ipaddress.golden.ts
 * on tuxnet and on this Linux host (see test/harness/fidelity.ts: a `tnxad*`
 * namespace with IPv6 disabled, since tuxnet has no IPv6 and would print no
 * inet6 lines), outputs and exit statuses compared command by command. MACs are
 * fixed by the script. ipaddress.test.ts replays the stored transcript without
 * root; this test reruns it live. Needs root and iproute2; skips otherwise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IPADDR_SETUP, IPADDR_GOLDEN } from '../src/tools/ip/ipaddress.golden.js';
import { hostAvailable, runHostScript, runTuxnetScript, dumpTranscripts } from './harness/fidelity.js';

const SCRIPT = IPADDR_GOLDEN.map(([cmd]) => cmd);

/**
 * Finite lifetimes count down in real time on the host (a loaded machine can
 * take over a second between two commands): their values are masked here. The
 * golden replay in ipaddress.test.ts checks them exactly on virtual time.
 */
function maskLifetimes(t: string): string {
  return t.replace(/(valid_lft|preferred_lft) \d+sec/g, '$1 Nsec')
    .replace(/"(valid|preferred)_life_time": ?(?!4294967295)\d+/g, '"$1_life_time":N');
}

test('ip address output matches Linux (iproute2 6.1)', async (t) => {
  const why = hostAvailable();
  if (why) {
    t.skip(why);
    return;
  }
  const host = runHostScript('ad', IPADDR_SETUP, SCRIPT);
  const ours = await runTuxnetScript(IPADDR_SETUP, SCRIPT);
  dumpTranscripts(host, ours);
  for (let i = 0; i < SCRIPT.length; i++) assert.equal(maskLifetimes(ours[i]!), maskLifetimes(host[i]!));
});
