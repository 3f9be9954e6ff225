/**
 * Fidelity of the example labs: each `examples/*.sh` runs on tuxnet (in-process)
 * and, when this is a Linux host where we are root with iproute2, tcpdump and
 * arping, under `bash` in real network namespaces. At two points of each script
 * (before its first traffic, and before it deletes its namespaces) a probe prints
 * `ip -j link`, `ip -br link` and `bridge fdb show` of every namespace the script
 * created; the probes' outputs must be equal after masking what is random.
 *
 * Masking and the differences that remain, and why:
 *   - MAC addresses are random on both sides: each is replaced by the name of the
 *     device that owns it (`<tnxh1/eth0>`), so "the bridge learned h1's MAC on p1"
 *     is still checked. A bridge takes the lowest MAC of its ports (Linux:
 *     br_stp_recalculate_bridge_id), which depends on the random draw, so the
 *     bridge's own address is shown as `<bridge>` after checking that rule.
 *   - IPv6: tuxnet has no IPv6 yet. A Linux host sends router solicitations, DAD
 *     neighbour solicitations and MLD reports as soon as a link is up, and the
 *     bridge would learn from them. The host run switches IPv6 off in every
 *     namespace the script adds (an `ip` wrapper on PATH runs
 *     `sysctl net.ipv6.conf.{all,default}.disable_ipv6=1` after `ip netns add`), so
 *     both sides carry the same frames.
 *   - `bridge fdb show` lists the multicast addresses of each device's filter as
 *     `self permanent` entries (01:00:5e:..., 33:33:...). Linux puts them there when
 *     IPv4 joins 224.0.0.1 on NETDEV_UP (and IPv6 its groups); tuxnet has no IP
 *     stack to join them. Multicast `self` lines are dropped on both sides.
 *   - `ip -j link`: keys whose value only the IP stacks set are compared as
 *     present/absent only where noted in IGNORED_JSON_KEYS (none so far).
 *   - The impaired-link example needs sch_netem. A host kernel built without it
 *     (CONFIG_NET_SCH_NETEM unset) answers `Error: Specified qdisc kind is unknown.`;
 *     that changes tc's output, not the probes (netem only delays and drops).
 *   - IPv4 views (`ip -j addr`, `ip -j route show table all`, `ip -j rule`,
 *     `ip -j neigh`) are probed too, MACs masked the same way. Neighbours are
 *     compared sorted: Linux dumps its hash buckets, whose order a random seed sets.
 *   - The transcript (stdout outside the probes) is compared line by line after
 *     masking what is timing or process dependent: ping's `time=`, rtt and `time
 *     NNNms` figures (and `, pipe N`, which appears when replies overtake the send
 *     interval on a slow host), traceroute's per-probe times, arping's times,
 *     tcpdump's timestamps and ICMP ids (ping's id is its pid on Linux), route
 *     exceptions' remaining `expires NNNsec`. In a section of the script (between
 *     two `echo "== ..."` lines) that runs a background job (`&`), the order in
 *     which the job's and the foreground's lines reach stdout is a race on the host,
 *     so those sections are compared as sorted lines.
 *   - The host's traceroute runs with `-w 5,0,0` (see wrapperDir): its default
 *     give-up heuristics are real-time races on a loaded host.
 * Namespaces of the host run are renamed tnxNAME -> tnxF<pid>_NAME so a run never
 * collides with another test run on the same host; the outputs are mapped back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, writeFileSync, chmodSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runLab } from '../../src/tools/lab/lab.js';
import { BufferStdio } from '../../src/tools/tool.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const EXAMPLES = join(ROOT, 'examples');
const MAC_RE = /\b[0-9a-f]{2}(?::[0-9a-f]{2}){5}\b/g;
const IGNORED_JSON_KEYS = new Set<string>();
/** The IPv4 state each probe prints (as `ip -n NS -j VIEW`). */
const IPV4_VIEWS = ['addr show', 'route show table all', 'rule show', 'neigh show'];
/** A program whose first use in a script is its first traffic. */
const TRAFFIC_RE = /^\s*[^#\s].*\b(tcpdump|arping|ping|traceroute|nc)\b/;

/** Names of the namespaces a script adds. */
function namespacesOf(src: string): string[] {
  return [...src.matchAll(/^\s*ip netns add (\S+)/gm)].map((m) => m[1]!);
}

/** The probe: markers then the three views of every namespace. */
function probe(tag: string, nss: string[]): string {
  const lines: string[] = [];
  for (const ns of nss) {
    lines.push(`echo "@@ ${tag} ${ns} ip -j link"`, `ip -n ${ns} -j link`);
    lines.push(`echo "@@ ${tag} ${ns} ip -br link"`, `ip -n ${ns} -br link`);
    lines.push(`echo "@@ ${tag} ${ns} bridge fdb show"`, `bridge -n ${ns} fdb show`);
    for (const v of IPV4_VIEWS) lines.push(`echo "@@ ${tag} ${ns} ip -j ${v}"`, `ip -n ${ns} -j ${v}`);
  }
  lines.push(`echo "@@ ${tag} end"`);
  return lines.join('\n') + '\n';
}

/** The example with probes inserted before the first traffic and before the first `ip netns del`. */
export function withProbes(src: string): string {
  const nss = namespacesOf(src);
  const lines = src.split('\n');
  const out: string[] = [];
  let traffic = false;
  let cleanup = false;
  for (const l of lines) {
    if (!traffic && TRAFFIC_RE.test(l)) {
      traffic = true;
      out.push(probe('before-traffic', nss));
    }
    if (!cleanup && /^\s*ip netns del /.test(l)) {
      cleanup = true;
      out.push(probe('end', nss));
    }
    out.push(l);
  }
  return out.join('\n');
}

/** Split stdout into probe sections: "tag ns view" -> text. */
function sections(stdout: string): Map<string, string> {
  const m = new Map<string, string>();
  let key: string | null = null;
  let buf: string[] = [];
  for (const line of stdout.split('\n')) {
    const h = /^@@ (.*)$/.exec(line);
    if (h) {
      if (key !== null) m.set(key, buf.join('\n'));
      key = h[1]!.endsWith(' end') ? null : h[1]!;
      buf = [];
    } else if (key !== null) {
      buf.push(line);
    }
  }
  return m;
}

interface JsonLink {
  ifname: string;
  address?: string;
  master?: string;
  [k: string]: unknown;
}

/**
 * Mask one probe point's outputs: MAC -> owner name, bridge address -> <bridge>
 * (after checking it is its lowest port's), multicast self fdb lines dropped.
 */
function maskPoint(tag: string, nss: string[], s: Map<string, string>): Map<string, string> {
  const owner = new Map<string, string>();
  const bridges = new Set<string>();
  const links = new Map<string, JsonLink[]>();
  for (const ns of nss) {
    const text = s.get(`${tag} ${ns} ip -j link`) ?? '[]';
    let list: JsonLink[] = [];
    try {
      list = JSON.parse(text) as JsonLink[];
    } catch {
      list = [];
    }
    links.set(ns, list);
    for (const l of list) if (l.master) bridges.add(`${ns}/${l.master}`);
  }
  for (const ns of nss) {
    for (const l of links.get(ns)!) {
      if (!l.address || bridges.has(`${ns}/${l.ifname}`) || l.address === '00:00:00:00:00:00') continue;
      if (!owner.has(l.address)) owner.set(l.address, `<${ns}/${l.ifname}>`);
    }
  }
  const bridgeMacs = new Set<string>();
  for (const b of bridges) {
    const [ns, name] = b.split('/') as [string, string];
    const list = links.get(ns)!;
    const br = list.find((l) => l.ifname === name);
    const ports = list.filter((l) => l.master === name && l.address).map((l) => l.address!).sort();
    if (br?.address) {
      assert.equal(br.address, ports[0], `${tag}: ${b} takes the lowest MAC of its ports`);
      bridgeMacs.add(br.address);
    }
  }
  const sub = (text: string, isBridgeLine: boolean): string =>
    text.replace(MAC_RE, (mac) => (isBridgeLine && bridgeMacs.has(mac) ? '<bridge>' : owner.get(mac) ?? (mac === 'ff:ff:ff:ff:ff:ff' || mac === '00:00:00:00:00:00' ? mac : '<mac>')));
  const out = new Map<string, string>();
  for (const ns of nss) {
    const list = links.get(ns)!.map((l) => {
      const o: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(l)) if (!IGNORED_JSON_KEYS.has(k)) o[k] = v;
      return JSON.parse(sub(JSON.stringify(o), bridges.has(`${ns}/${l.ifname}`))) as unknown;
    });
    out.set(`${tag} ${ns} ip -j link`, JSON.stringify(list, null, 1));
    const br = (s.get(`${tag} ${ns} ip -br link`) ?? '').split('\n')
      .map((line) => sub(line, bridges.has(`${ns}/${line.split(/\s+/)[0]}`))).join('\n');
    out.set(`${tag} ${ns} ip -br link`, br);
    const fdb = (s.get(`${tag} ${ns} bridge fdb show`) ?? '').split('\n')
      .filter((line) => !(/^(01:00:5e|33:33)/.test(line) && / self /.test(line + ' ')))
      .map((line) => sub(line, false)).filter((line) => line !== '').sort().join('\n');
    out.set(`${tag} ${ns} bridge fdb show`, fdb);
    for (const v of IPV4_VIEWS) {
      const key = `${tag} ${ns} ip -j ${v}`;
      let json: unknown = [];
      try {
        json = JSON.parse(s.get(key) || '[]');
      } catch {
        json = s.get(key) ?? '';
      }
      // `ip -j addr` repeats each link's MAC, already compared (with the bridge rule) in
      // `ip -j link`: here every MAC is just <mac>. Neighbours keep their owners' names.
      // Linux dumps neighbours in hash-bucket order (a random hash seed): compared sorted.
      if (v === 'neigh show' && Array.isArray(json)) {
        json = (json as Array<{ dst?: string; dev?: string }>).slice().sort((x, y) => `${x.dev}/${x.dst}`.localeCompare(`${y.dev}/${y.dst}`));
      }
      const text = JSON.stringify(json, null, 1);
      out.set(key, v === 'addr show' ? text.replace(MAC_RE, (m) => (m === 'ff:ff:ff:ff:ff:ff' || m === '00:00:00:00:00:00' ? m : '<mac>')) : sub(text, false));
    }
  }
  return out;
}

/** The stdout lines outside the probes. */
function transcript(stdout: string): string[] {
  const out: string[] = [];
  let inProbe = false;
  for (const line of stdout.split('\n')) {
    const h = /^@@ (.*)$/.exec(line);
    if (h) {
      inProbe = !h[1]!.endsWith(' end');
      continue;
    }
    if (!inProbe) out.push(line);
  }
  return out;
}

/** Mask timings, process ids and MACs in one transcript line (see the file comment). */
export function maskLine(line: string, owner: Map<string, string>): string {
  return line
    .replace(/\b[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}\b/g, (mac) => {
      const m = mac.toLowerCase();
      const o = owner.get(m) ?? (m === 'ff:ff:ff:ff:ff:ff' || m === '00:00:00:00:00:00' ? m : '<mac>');
      return o;
    })
    .replace(/time=\d+(?:\.\d+)? ms/g, 'time=<t> ms')
    .replace(/rtt min\/avg\/max\/mdev = [\d./]+ ms(?:, pipe \d+)?/, 'rtt min/avg/max/mdev = <rtt> ms')
    .replace(/, time \d+ms/, ', time <t>ms')
    .replace(/ {2}\d+\.\d+ ms/g, '  <t> ms')
    .replace(/\] +\d+\.\d+ms/g, ']  <t>ms')
    .replace(/^\d\d:\d\d:\d\d\.\d{6} /, '<ts> ')
    .replace(/\bid \d+,/g, 'id <id>,')
    .replace(/expires \d+sec/g, 'expires <n>sec');
}

/** Section index (by `echo "== ..."`) of each script line, and the sections that start a background job. */
function backgroundSections(src: string): Set<string> {
  const out = new Set<string>();
  let title = '';
  for (const l of src.split('\n')) {
    const m = /^\s*echo "(== .*)"\s*$/.exec(l);
    if (m) title = m[1]!;
    else if (/&\s*$/.test(l) && !/&&\s*$/.test(l)) out.add(title);
  }
  return out;
}

/** The transcript split at its `== ` headers; sections with background jobs sorted. */
function maskedTranscript(stdout: string, owner: Map<string, string>, bg: Set<string>): string[] {
  // Multicast `self` fdb entries: see the file comment (dropped in the probes too).
  const lines = transcript(stdout).filter((l) => !/^(01:00:5e|33:33)\S* dev .* self /.test(l + ' ')).map((l) => maskLine(l, owner));
  const out: string[] = [];
  let section: string[] = [];
  let title = '';
  const flush = (): void => {
    out.push(...(bg.has(title) ? [...section].sort() : section));
    section = [];
  };
  for (const l of lines) {
    if (l.startsWith('== ')) {
      flush();
      title = l;
      out.push(l);
    } else {
      section.push(l);
    }
  }
  flush();
  return out;
}

/**
 * MAC -> `<ns/dev>` from the probes' `ip -j link` of every namespace. A bridge and
 * its ports are all `<bridge-port>`: the bridge takes its lowest port's random MAC,
 * so which port shares it differs between runs (the probes check that rule).
 */
function macOwners(stdout: string, nss: string[]): Map<string, string> {
  const s = sections(stdout);
  const owner = new Map<string, string>();
  for (const tag of ['end', 'before-traffic']) {
    for (const ns of nss) {
      let list: JsonLink[] = [];
      try {
        list = JSON.parse(s.get(`${tag} ${ns} ip -j link`) ?? '[]') as JsonLink[];
      } catch {
        list = [];
      }
      const bridges = new Set(list.filter((l) => l.master).map((l) => l.master!));
      for (const l of list) {
        if (!l.address || owner.has(l.address) || l.address === '00:00:00:00:00:00') continue;
        owner.set(l.address, l.master || bridges.has(l.ifname) ? '<bridge-port>' : `<${ns}/${l.ifname}>`);
      }
    }
  }
  return owner;
}

function masked(stdout: string, nss: string[]): Map<string, string> {
  const s = sections(stdout);
  const all = new Map<string, string>();
  for (const tag of ['before-traffic', 'end']) for (const [k, v] of maskPoint(tag, nss, s)) all.set(k, v);
  return all;
}

async function runTuxnet(file: string, src: string): Promise<{ status: number; out: string; err: string }> {
  const out = new BufferStdio();
  const err = new BufferStdio();
  const status = await runLab({ file, source: src, stdout: out, stderr: err });
  return { status, out: out.text, err: err.text };
}

/** Why the host run cannot happen here, or null when it can. */
function hostSkipReason(): string | null {
  if (process.platform !== 'linux') return 'not a Linux host';
  if (process.getuid?.() !== 0) return 'not root (network namespaces need CAP_SYS_ADMIN)';
  for (const tool of ['ip', 'bridge', 'tcpdump', 'arping', 'ping', 'traceroute', 'nstat', 'bash']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed (.ci/run installs it)`;
  }
  const probeNs = `tnxFprobe${process.pid}`;
  const add = spawnSync('ip', ['netns', 'add', probeNs], { encoding: 'utf8' });
  if (add.status !== 0) return `cannot create a network namespace: ${add.stderr.trim()}`;
  spawnSync('ip', ['netns', 'del', probeNs]);
  return null;
}

/**
 * Wrappers on PATH for the host run. `ip`: after `ip netns add NAME`, switch IPv6
 * off inside NAME. `traceroute`: `-w 5,0,0` before the script's own options (a
 * later `-w` of the script still wins). traceroute 2.1's default `-w 5,3,10` gives
 * up on a probe 3 x (rtt + 1 ms) after another probe of its hop was answered
 * (10 x for a later hop), measured in real time; on a loaded host (the test files
 * run in parallel) traceroute is often descheduled longer than those 3-10 ms
 * between reading two replies that are already queued, and prints `*` for a
 * probe that was answered. HERE and NEAR 0 keep only the 5 s limit, so the host's
 * answer no longer depends on CPU load; tuxnet runs on its virtual clock.
 * `tcpdump` and `sleep`: the examples start `tcpdump ... &`, `sleep 1`, then send;
 * on a loaded host tcpdump may not be listening a second later and misses the
 * frames (then `tcpdump -c N` and the script's `wait` never end). tcpdump marks
 * itself started, and ready once it prints "listening on"; `sleep` sleeps, then
 * waits (at most 60 s) until every started tcpdump is ready.
 */
function wrapperDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tuxnet-fidelity-'));
  const realIp = execFileSync('sh', ['-c', 'command -v ip'], { encoding: 'utf8' }).trim();
  writeFileSync(join(dir, 'ip'), `#!/bin/bash
${realIp} "$@"
rc=$?
if [ $rc = 0 ] && [ "$1" = netns ] && [ "$2" = add ]; then
  ${realIp} netns exec "$3" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
fi
exit $rc
`);
  chmodSync(join(dir, 'ip'), 0o755);
  const realTraceroute = execFileSync('sh', ['-c', 'command -v traceroute'], { encoding: 'utf8' }).trim();
  writeFileSync(join(dir, 'traceroute'), `#!/bin/bash
exec ${realTraceroute} -w 5,0,0 "$@"
`);
  chmodSync(join(dir, 'traceroute'), 0o755);
  const realTcpdump = execFileSync('sh', ['-c', 'command -v tcpdump'], { encoding: 'utf8' }).trim();
  const realSleep = execFileSync('sh', ['-c', 'command -v sleep'], { encoding: 'utf8' }).trim();
  const marks = join(dir, 'marks');
  mkdirSync(marks);
  writeFileSync(join(dir, 'tcpdump'), `#!/bin/bash
: > ${marks}/started.$$
exec ${realTcpdump} "$@" 2> >(while IFS= read -r l; do
  printf '%s\\n' "$l" >&2
  case $l in 'listening on '*) : > ${marks}/ready.$$ ;; esac
done)
`);
  chmodSync(join(dir, 'tcpdump'), 0o755);
  writeFileSync(join(dir, 'sleep'), `#!/bin/bash
${realSleep} "$@" || exit
for _ in $(seq 600); do
  n=0
  for f in ${marks}/started.*; do
    [ -e "$f" ] && [ ! -e "\${f/started/ready}" ] && n=1
  done
  [ $n = 0 ] && exit 0
  ${realSleep} 0.1
done
`);
  chmodSync(join(dir, 'sleep'), 0o755);
  return dir;
}

/** Host namespace names carry this run's pid: parallel test runs never touch each other's. */
const HOST_PREFIX = `tnxF${process.pid}_`;

function runHost(src: string, nss: string[]): { status: number; out: string; err: string } {
  const hostSrc = src.replace(/\btnx/g, HOST_PREFIX);
  for (const ns of nss) spawnSync('ip', ['netns', 'del', ns.replace(/^tnx/, HOST_PREFIX)]);
  const dir = wrapperDir();
  try {
    const r = spawnSync('bash', ['-c', hostSrc], {
      encoding: 'utf8', timeout: 600_000, env: { ...process.env, PATH: `${dir}:${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}` },
    });
    const back = (t: string | null): string => (t ?? '').split(HOST_PREFIX).join('tnx');
    return { status: r.status ?? -1, out: back(r.stdout), err: back(r.stderr) };
  } finally {
    for (const ns of nss) spawnSync('ip', ['netns', 'del', ns.replace(/^tnx/, HOST_PREFIX)]);
    rmSync(dir, { recursive: true, force: true });
  }
}

const examples = readdirSync(EXAMPLES).filter((f) => f.endsWith('.sh')).sort();
const skip = hostSkipReason();

test('every example is probed at two points', () => {
  assert.ok(examples.length >= 3, `examples: ${examples.join(' ')}`);
  for (const f of examples) {
    const src = readFileSync(join(EXAMPLES, f), 'utf8');
    const p = withProbes(src);
    assert.equal(p.split('@@ before-traffic end').length, 2, `${f}: probe before traffic`);
    assert.equal(p.split('@@ end end').length, 2, `${f}: probe before cleanup`);
  }
});

for (const f of examples) {
  test(`fidelity: examples/${f} on tuxnet and on this Linux host`, { skip: skip ?? false }, async () => {
    const src = readFileSync(join(EXAMPLES, f), 'utf8');
    const nss = namespacesOf(src);
    const probed = withProbes(src);
    const tux = await runTuxnet(`examples/${f}`, probed);
    assert.equal(tux.status, 0, tux.err);
    const host = runHost(probed, nss);
    assert.equal(host.status, 0, host.err);
    const a = masked(tux.out, nss);
    const b = masked(host.out, nss);
    if (/Specified qdisc kind is unknown/.test(host.err)) {
      // This host's kernel lacks the qdisc (e.g. CONFIG_NET_SCH_NETEM unset): `tc qdisc
      // add` failed there, so its devices kept their default qdisc.
      process.stdout.write(`# examples/${f}: the host kernel lacks a qdisc the script adds; qdisc names not compared\n`);
      for (const m of [a, b]) for (const [k, v] of m) m.set(k, v.replace(/"qdisc": "[^"]*"/g, '"qdisc": "?"'));
    }
    const keep = mkdtempSync(join(tmpdir(), `tuxnet-fidelity-${f}-`));
    writeFileSync(join(keep, 'tuxnet.out'), tux.out);
    writeFileSync(join(keep, 'host.out'), host.out);
    writeFileSync(join(keep, 'host.err'), host.err);
    assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
    for (const [k, v] of a) assert.equal(v, b.get(k), `examples/${f}: ${k} (full outputs in ${keep})`);
    if (/Specified qdisc kind is unknown/.test(host.err)) {
      process.stdout.write(`# examples/${f}: transcript not compared: the host kernel could not add the qdisc\n`);
      rmSync(keep, { recursive: true, force: true });
      return;
    }
    const bg = backgroundSections(src);
    const ta = maskedTranscript(tux.out, macOwners(tux.out, nss), bg);
    const tb = maskedTranscript(host.out, macOwners(host.out, nss), bg);
    assert.deepEqual(ta, tb, `examples/${f}: transcript (full outputs in ${keep})`);
    rmSync(keep, { recursive: true, force: true });
  });
}

if (skip) process.stdout.write(`# fidelity: host runs skipped: ${skip}\n`);
