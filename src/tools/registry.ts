/**
 * The programs tuxnet ships, by name (what $PATH would find on a Linux host).
 * Each tool module exports its main; add one line per program.
 */
import type { ToolMain } from './tool.js';
import { tcMain } from './tc.js';
import { ipMain } from './ip/ip.js';
import { bridgeMain } from './bridge/bridge.js';
import { arpingMain } from './arping.js';

import { tcpdumpMain } from './tcpdump/tcpdump.js';
import { ethtoolMain } from './ethtool.js';
import { sysctlMain } from './sysctl.js';
import { catMain } from './cat.js';
import { pingMain } from './ping.js';
import { tracerouteMain } from './traceroute.js';
import { nstatMain } from './nstat.js';
import { netstatMain } from './netstat.js';
import { ssMain } from './ss.js';
import { ncMain } from './nc.js';
import { packetdrillMain } from './packetdrill/cli.js';
import { iperf3Main } from './iperf3/iperf3.js';
import { httpdMain } from './httpd.js';

export const programs = new Map<string, ToolMain>();
programs.set('tc', tcMain);
programs.set('ip', ipMain);
programs.set('bridge', bridgeMain);
programs.set('arping', arpingMain);
programs.set('tcpdump', tcpdumpMain);
programs.set('ethtool', ethtoolMain);
programs.set('sysctl', sysctlMain);
programs.set('cat', catMain);
programs.set('ping', pingMain);
programs.set('traceroute', tracerouteMain);
programs.set('nstat', nstatMain);
programs.set('netstat', netstatMain);
programs.set('ss', ssMain);
programs.set('nc', ncMain);
programs.set('packetdrill', packetdrillMain);
programs.set('iperf3', iperf3Main);
programs.set('httpd', httpdMain);
