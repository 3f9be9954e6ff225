/** Placeholder: replaced by the executor. */
import type { Kernel } from '../../core/net_namespace.js';
import type { ToolContext } from '../tool.js';
import { parsePacketdrillScript } from './parser.js';

export interface PacketdrillOptions {
  path?: string;
  argv?: string[];
  readFile?: (path: string) => string | null;
}
export interface PacketdrillResult {
  ok: boolean;
  status: number;
  errors: string[];
  output: string;
}
export async function runPacketdrillScript(k: Kernel, text: string, opts: PacketdrillOptions = {}): Promise<PacketdrillResult> {
  void k;
  try {
    parsePacketdrillScript(opts.path ?? 'script.pkt', text);
  } catch (e) {
    return { ok: false, status: 1, errors: [(e as Error).message], output: '' };
  }
  return { ok: true, status: 0, errors: [], output: '' };
}
export async function packetdrillMain(ctx: ToolContext): Promise<number> {
  void ctx;
  return 1;
}
