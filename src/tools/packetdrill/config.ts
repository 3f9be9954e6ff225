/**
 * Run configuration (upstream: config.c): command-line options and the option
 * lines at the top of a script, with upstream's defaults for local mode.
 */
import { ipv4FromString } from './parser.js';

export interface Config {
  ipVersion: 'ipv4';
  bindPort: number;
  connectPort: number;
  localIp: number;
  remoteIp: number;
  /** Remote prefix length (upstream's remote "192.0.2.1/24"). */
  remotePrefixLen: number;
  gatewayIp: number;
  netmaskIp: number;
  mtu: number;
  toleranceUsecs: number;
  tolerancePercent: number;
  tcpTsTickUsecs: number;
  tcpTsEcrScaled: boolean;
  strictSegments: boolean;
  nonFatalPacket: boolean;
  nonFatalSyscall: boolean;
  verbose: boolean;
  defines: Map<string, string>;
  initScripts: string[];
  /** Remaining operands (script paths) on a command line. */
  files: string[];
}

export function defaultConfig(): Config {
  return {
    ipVersion: 'ipv4', bindPort: 8080, connectPort: 8080,
    localIp: ipv4FromString('192.168.0.1')!, remoteIp: ipv4FromString('192.0.2.1')!, remotePrefixLen: 24,
    gatewayIp: ipv4FromString('192.168.0.2')!, netmaskIp: ipv4FromString('255.255.0.0')!, mtu: 1500,
    toleranceUsecs: 4000, tolerancePercent: 12.5, tcpTsTickUsecs: 0, tcpTsEcrScaled: false, strictSegments: false,
    nonFatalPacket: false, nonFatalSyscall: false, verbose: false, defines: new Map(), initScripts: [], files: [],
  };
}

/** Options taking a value (upstream: struct option options[]). */
const WITH_ARG = new Set(['ip_version', 'bind_port', 'code_command', 'code_format', 'code_sockopt', 'connect_port',
  'remote_ip', 'local_ip', 'gateway_ip', 'netmask_ip', 'speed', 'mss', 'mtu', 'init_scripts', 'tolerance_usecs',
  'tolerance_percent', 'wire_server_ip', 'wire_server_at', 'wire_server_port', 'wire_client_dev', 'wire_server_dev',
  'so_filename', 'so_flags', 'tcp_ts_tick_usecs', 'non_fatal', 'define']);
const NO_ARG = new Set(['wire_client', 'wire_server', 'tcp_ts_ecr_scaled', 'strict_segments', 'dry_run', 'is_anyip',
  'send_omit_free', 'debug', 'verbose']);

export class ConfigError extends Error {}

function ipArg(where: string, name: string, v: string): number {
  const ip = ipv4FromString(v.replace(/\/[0-9]+$/, ''));
  if (ip === null) throw new ConfigError(`${where}: bad --${name}: ${v}`);
  return ip;
}

/** Apply one option (upstream: process_option()); `where` prefixes errors. */
export function applyOption(c: Config, name: string, value: string | null, where: string): void {
  if (!WITH_ARG.has(name) && !NO_ARG.has(name)) throw new ConfigError(`${where}: unrecognized option '--${name}'`);
  if (WITH_ARG.has(name) && value === null) throw new ConfigError(`${where}: option '--${name}' requires an argument`);
  const v = value ?? '';
  const int = (): number => {
    const n = Number(v);
    if (!/^-?[0-9]+(\.[0-9]+)?$/.test(v)) throw new ConfigError(`${where}: bad --${name}: ${v}`);
    return n;
  };
  switch (name) {
    case 'ip_version':
      if (v !== 'ipv4') throw new ConfigError(`${where}: bad --ip_version: ${v} (tuxnet's packetdrill runs IPv4 only)`);
      break;
    case 'bind_port':
    case 'connect_port': {
      const p = int();
      if (p <= 0 || p > 0xffff) throw new ConfigError(`${where}: bad --${name}: ${v}`);
      if (name === 'bind_port') c.bindPort = p;
      else c.connectPort = p;
      break;
    }
    case 'remote_ip': {
      c.remoteIp = ipArg(where, name, v);
      const m = /\/([0-9]+)$/.exec(v);
      if (m) c.remotePrefixLen = Number(m[1]);
      break;
    }
    case 'local_ip': c.localIp = ipArg(where, name, v); break;
    case 'gateway_ip': c.gatewayIp = ipArg(where, name, v); break;
    case 'netmask_ip': c.netmaskIp = ipArg(where, name, v); break;
    case 'mtu': {
      const m = int();
      if (m < 0) throw new ConfigError(`${where}: bad --mtu: ${v}`);
      c.mtu = m;
      break;
    }
    case 'tolerance_usecs': c.toleranceUsecs = int(); break;
    case 'tolerance_percent': {
      const p = int();
      if (p < 0 || p > 100) throw new ConfigError(`${where}: bad --tolerance_percent: ${v}`);
      c.tolerancePercent = p;
      break;
    }
    case 'tcp_ts_tick_usecs': c.tcpTsTickUsecs = int(); break;
    case 'tcp_ts_ecr_scaled': c.tcpTsEcrScaled = true; break;
    case 'strict_segments': c.strictSegments = true; break;
    case 'non_fatal':
      for (const t of v.split(/[, ]+/)) {
        if (t === 'packet') c.nonFatalPacket = true;
        else if (t === 'syscall') c.nonFatalSyscall = true;
      }
      break;
    case 'verbose': c.verbose = true; break;
    case 'init_scripts': c.initScripts = v.split(',').filter(Boolean); break;
    case 'define': {
      const eq = v.indexOf('=');
      if (eq <= 0) throw new ConfigError(`${where}: bad --define argument '${v}': expected SYMBOL=VALUE`);
      c.defines.set(v.slice(0, eq), v.slice(eq + 1));
      break;
    }
    default:
      // Accepted and ignored: wire mode, .so mode, code command/format, speed, mss, debug, dry_run ...
      break;
  }
}

/** Parse upstream-style argv (`--name=value`, `--name value`, `-v`, `-D SYM=VAL`); operands go to `files`. */
export function parseArgv(c: Config, argv: string[], where = 'packetdrill'): void {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-v') {
      c.verbose = true;
      continue;
    }
    if (a === '-D' || a.startsWith('-D')) {
      const v = a === '-D' ? argv[++i] : a.slice(2);
      applyOption(c, 'define', v ?? null, where);
      continue;
    }
    if (a.startsWith('--') && a.length > 2) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      let value: string | null = eq > 0 ? a.slice(eq + 1) : null;
      if (value === null && WITH_ARG.has(name)) value = argv[++i] ?? null;
      applyOption(c, name, value, where);
      continue;
    }
    c.files.push(a);
  }
}
