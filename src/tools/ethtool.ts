/**
 * ethtool (ethtool 6.1, ethtool.c) over SIOCETHTOOL: `ethtool DEV` (link
 * settings + link state), `-i` (driver), `-S` (statistics), `-k` (features) and
 * `-K DEV FEATURE on|off ...`. Output as ethtool 6.1 prints it. ethtool 6.1
 * talks ethtool-netlink first; for a missing device it prints netlink errors,
 * reproduced here; the data itself comes from the ioctl interface.
 */
import type { ToolContext } from './tool.js';
import * as sys from '../socket/syscalls.js';
import { AF_PACKET, SOCK_DGRAM } from '../socket/socket.js';
import { SystemError, strerror } from '../socket/errno.js';
import {
  SIOCETHTOOL, ETHTOOL_GDRVINFO, ETHTOOL_GLINK, ETHTOOL_GLINKSETTINGS, ETHTOOL_GSTRINGS, ETHTOOL_GSTATS,
  ETHTOOL_GFEATURES, ETHTOOL_SFEATURES, ETH_SS_STATS, ETHTOOL_F_UNSUPPORTED, type Ifreq, type EthtoolCmd,
  type EthtoolFeature,
} from '../core/dev_ioctl.js';

/** The legacy feature groups ethtool prints first (ethtool.c off_flag_def), with their -K short names. */
const OFF_FLAGS: { short: string; long: string; features: string[] }[] = [
  { short: 'rx', long: 'rx-checksumming', features: ['rx-checksum'] },
  { short: 'tx', long: 'tx-checksumming', features: ['tx-checksum-ipv4', 'tx-checksum-ip-generic', 'tx-checksum-ipv6', 'tx-checksum-fcoe-crc', 'tx-checksum-sctp'] },
  { short: 'sg', long: 'scatter-gather', features: ['tx-scatter-gather', 'tx-scatter-gather-fraglist'] },
  { short: 'tso', long: 'tcp-segmentation-offload', features: ['tx-tcp-segmentation', 'tx-tcp-ecn-segmentation', 'tx-tcp-mangleid-segmentation', 'tx-tcp6-segmentation'] },
  { short: 'gso', long: 'generic-segmentation-offload', features: ['tx-generic-segmentation'] },
  { short: 'gro', long: 'generic-receive-offload', features: ['rx-gro'] },
  { short: 'lro', long: 'large-receive-offload', features: ['rx-lro'] },
  { short: 'rxvlan', long: 'rx-vlan-offload', features: ['rx-vlan-hw-parse'] },
  { short: 'txvlan', long: 'tx-vlan-offload', features: ['tx-vlan-hw-insert'] },
  { short: 'ntuple', long: 'ntuple-filters', features: ['rx-ntuple-filter'] },
  { short: 'rxhash', long: 'receive-hashing', features: ['rx-hashing'] },
];
/** Features ethtool never lists (Linux NETIF_F_NEVER_CHANGE and fcoe-mtu). */
const HIDDEN = new Set(['tx-lockless', 'netns-local', 'fcoe-mtu']);

const USAGE_HINT = 'ethtool: bad command line argument(s)\nFor more information run ethtool -h\n';

const PORTS: Record<number, string> = { 0: 'Twisted Pair', 1: 'AUI', 2: 'BNC', 3: 'MII', 4: 'FIBRE', 5: 'Direct Attach Copper', 0xef: 'None', 0xff: 'Other' };

function ethtool(ctx: ToolContext, fd: number, dev: string, data: EthtoolCmd): EthtoolCmd {
  return (sys.ioctl(ctx.task, fd, SIOCETHTOOL, { name: dev, data } satisfies Ifreq) as Ifreq).data!;
}

function errnoOf(e: unknown): number {
  return e instanceof SystemError ? -e.errno : 0;
}

function noDevice(ctx: ToolContext, times: number): number {
  for (let i = 0; i < times; i++) ctx.stderr.write('netlink error: no device matches name (offset 24)\nnetlink error: No such device\n');
  ctx.stderr.write('No data available\n');
  return 75;
}

function featureLine(f: EthtoolFeature, indent: string): string {
  let s = `${indent}${f.name}: ${f.active ? 'on' : 'off'}`;
  if (!f.available || f.neverChanged) s += ' [fixed]';
  else if (f.requested !== f.active) s += ` [requested ${f.requested ? 'on' : 'off'}]`;
  return s + '\n';
}

function showFeatures(ctx: ToolContext, dev: string, list: EthtoolFeature[]): void {
  const byName = new Map(list.map((f) => [f.name, f]));
  let out = `Features for ${dev}:\n`;
  const grouped = new Set<string>();
  for (const g of OFF_FLAGS) {
    const fs = g.features.map((n) => byName.get(n)).filter((f): f is EthtoolFeature => f !== undefined);
    fs.forEach((f) => grouped.add(f.name));
    const on = fs.some((f) => f.active);
    const fixed = fs.every((f) => !f.available || f.neverChanged);
    const req = fs.some((f) => f.requested);
    out += `${g.long}: ${on ? 'on' : 'off'}${fixed ? ' [fixed]' : req !== on ? ` [requested ${req ? 'on' : 'off'}]` : ''}\n`;
    if (fs.length > 1) for (const f of fs) out += featureLine(f, '\t');
  }
  for (const f of list) if (!grouped.has(f.name) && !HIDDEN.has(f.name)) out += featureLine(f, '');
  ctx.stdout.write(out);
}

export async function ethtoolMain(ctx: ToolContext): Promise<number> {
  const argv = ctx.argv.slice(1);
  if (argv.length === 0) {
    ctx.stderr.write(USAGE_HINT);
    return 1;
  }
  let mode = 'settings';
  let dev: string;
  const first = argv[0]!;
  if (first.startsWith('-')) {
    const m: Record<string, string> = {
      '-i': 'drvinfo', '--driver': 'drvinfo', '-S': 'stats', '--statistics': 'stats', '-k': 'features',
      '--show-features': 'features', '--show-offload': 'features', '-K': 'setfeatures', '--features': 'setfeatures',
      '--offload': 'setfeatures',
    };
    if (!m[first] || argv.length < 2) {
      ctx.stderr.write(USAGE_HINT);
      return 1;
    }
    mode = m[first]!;
    dev = argv[1]!;
  } else dev = first;
  const fd = sys.socket(ctx.task, AF_PACKET, SOCK_DGRAM, 0);
  try {
    switch (mode) {
      case 'settings': {
        let ks: EthtoolCmd | null = null;
        try {
          ks = ethtool(ctx, fd, dev, { cmd: ETHTOOL_GLINKSETTINGS });
        } catch (e) {
          if (errnoOf(e) === 19) return noDevice(ctx, 5);
        }
        let out = `Settings for ${dev}:\n`;
        if (ks) {
          const speed = ks.speed as number;
          const duplex = ks.duplex as number;
          const sup = (ks.supportedModes as string[]) ?? [];
          const adv = (ks.advertisedModes as string[]) ?? [];
          out += `\tSupported ports: [  ]\n\tSupported link modes:   ${sup.length ? sup.join(' ') : 'Not reported'}\n` +
            `\tSupported pause frame use: No\n\tSupports auto-negotiation: ${ks.autoneg ? 'Yes' : 'No'}\n` +
            `\tSupported FEC modes: Not reported\n\tAdvertised link modes:  ${adv.length ? adv.join(' ') : 'Not reported'}\n` +
            `\tAdvertised pause frame use: No\n\tAdvertised auto-negotiation: ${ks.autoneg ? 'Yes' : 'No'}\n` +
            `\tAdvertised FEC modes: Not reported\n` +
            `\tSpeed: ${speed > 0 ? `${speed}Mb/s` : 'Unknown!'}\n` +
            `\tDuplex: ${duplex === 1 ? 'Full' : duplex === 0 ? 'Half' : `Unknown! (${duplex})`}\n` +
            `\tAuto-negotiation: ${ks.autoneg ? 'on' : 'off'}\n` +
            `\tPort: ${PORTS[ks.port as number] ?? `Unknown! (${ks.port})`}\n\tPHYAD: ${ks.phyAddress}\n` +
            `\tTransceiver: internal\n\tMDI-X: Unknown\n`;
        }
        let link: number | null = null;
        try {
          link = ethtool(ctx, fd, dev, { cmd: ETHTOOL_GLINK }).data as number;
        } catch {
          link = null;
        }
        if (link !== null) out += `\tLink detected: ${link ? 'yes' : 'no'}\n`;
        if (!ks && link === null) {
          ctx.stdout.write(out);
          ctx.stderr.write('No data available\n');
          return 75;
        }
        ctx.stdout.write(out);
        return 0;
      }
      case 'drvinfo': {
        let d: EthtoolCmd;
        try {
          d = ethtool(ctx, fd, dev, { cmd: ETHTOOL_GDRVINFO });
        } catch (e) {
          ctx.stderr.write(`Cannot get driver information: ${strerror(errnoOf(e))}\n`);
          return 71;
        }
        const yn = (b: boolean): string => (b ? 'yes' : 'no');
        ctx.stdout.write(`driver: ${d.driver}\nversion: ${d.version}\nfirmware-version: ${d.fwVersion}\n` +
          `expansion-rom-version: ${d.eromVersion}\nbus-info: ${d.busInfo}\n` +
          `supports-statistics: ${yn((d.nStats as number) > 0)}\nsupports-test: ${yn((d.testinfoLen as number) > 0)}\n` +
          `supports-eeprom-access: ${yn((d.eedumpLen as number) > 0)}\nsupports-register-dump: ${yn((d.regdumpLen as number) > 0)}\n` +
          `supports-priv-flags: ${yn((d.nPrivFlags as number) > 0)}\n`);
        return 0;
      }
      case 'stats': {
        let names: string[];
        try {
          names = ethtool(ctx, fd, dev, { cmd: ETHTOOL_GSTRINGS, stringSet: ETH_SS_STATS }).data as string[];
        } catch (e) {
          if (errnoOf(e) === 19) {
            ctx.stderr.write('Cannot get stats strings information: No such device\n');
            return 96;
          }
          ctx.stderr.write('no stats available\n');
          return 94;
        }
        if (names.length === 0) {
          ctx.stderr.write('no stats available\n');
          return 94;
        }
        const vals = ethtool(ctx, fd, dev, { cmd: ETHTOOL_GSTATS }).data as number[];
        let out = 'NIC statistics:\n';
        names.forEach((n, i) => {
          out += `     ${n}: ${vals[i] ?? 0}\n`;
        });
        ctx.stdout.write(out);
        return 0;
      }
      case 'features': {
        let list: EthtoolFeature[];
        try {
          list = ethtool(ctx, fd, dev, { cmd: ETHTOOL_GFEATURES }).features as EthtoolFeature[];
        } catch {
          return noDevice(ctx, 1);
        }
        showFeatures(ctx, dev, list);
        return 0;
      }
      default: {
        const args = argv.slice(2);
        if (args.length === 0 || args.length % 2) {
          ctx.stderr.write(USAGE_HINT);
          return 1;
        }
        const set: Record<string, boolean> = {};
        let list: EthtoolFeature[];
        try {
          list = ethtool(ctx, fd, dev, { cmd: ETHTOOL_GFEATURES }).features as EthtoolFeature[];
        } catch {
          return noDevice(ctx, 1);
        }
        for (let i = 0; i < args.length; i += 2) {
          const name = args[i]!;
          const v = args[i + 1]!;
          if (v !== 'on' && v !== 'off') {
            ctx.stderr.write(USAGE_HINT);
            return 1;
          }
          const g = OFF_FLAGS.find((x) => x.short === name || x.long === name);
          const names = g ? g.features : list.some((f) => f.name === name) ? [name] : null;
          if (!names) {
            ctx.stderr.write('netlink error: bit name not found (offset 56)\nnetlink error: Operation not supported\n');
            return 92;
          }
          // A group changes only its changeable members (ethtool skips fixed ones).
          for (const n of names) {
            const f = list.find((x) => x.name === n);
            if (f && (f.available || !g)) set[n] = v === 'on';
          }
        }
        const before = new Map(list.map((f) => [f.name, f.active]));
        const r = ethtool(ctx, fd, dev, { cmd: ETHTOOL_SFEATURES, set }).result as number;
        const after = ethtool(ctx, fd, dev, { cmd: ETHTOOL_GFEATURES }).features as EthtoolFeature[];
        const changed = after.filter((f) => before.get(f.name) !== f.active);
        if (r & ETHTOOL_F_UNSUPPORTED || (Object.keys(set).length && changed.length === 0 &&
          Object.entries(set).some(([n, on]) => before.get(n) !== on))) {
          let out = 'Could not change any device features\n';
          const wanted = after.filter((f) => f.name in set && f.active !== set[f.name]);
          if (wanted.length) {
            out += 'Actual changes:\n';
            for (const f of wanted) out += `${f.name}: ${f.active ? 'on' : 'off'} [requested ${set[f.name] ? 'on' : 'off'}]\n`;
          }
          ctx.stderr.write(out);
          return 1;
        }
        return 0;
      }
    }
  } finally {
    sys.close(ctx.task, fd);
  }
}
