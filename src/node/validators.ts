/**
 * Node's argument validators for the Node adapters (no Linux counterpart: Node's
 * lib/internal/validators.js and timers' getTimerDuration, with Node 20's wording),
 * in one place for net and dgram; the ERR_* errors they throw come from errors.ts.
 */
import { ERR_INVALID_ARG_TYPE, ERR_OUT_OF_RANGE } from './errors.js';

/** Node: TIMEOUT_MAX (2^31 - 1 ms). */
const TIMEOUT_MAX = 2 ** 31 - 1;

export function validateNumber(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number') throw ERR_INVALID_ARG_TYPE(name, 'number', value);
}

export function validateString(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string') throw ERR_INVALID_ARG_TYPE(name, 'string', value);
}

export function validateUint32(value: unknown, name: string): void {
  if (typeof value !== 'number') throw ERR_INVALID_ARG_TYPE(name, 'number', value);
  if (!Number.isInteger(value)) throw ERR_OUT_OF_RANGE(name, 'an integer', value);
  if (value < 0 || value > 4294967295) throw ERR_OUT_OF_RANGE(name, '>= 0 && <= 4294967295', value);
}

export function validateFunction(v: unknown, name: string): void {
  if (typeof v !== 'function') throw ERR_INVALID_ARG_TYPE(name, 'Function', v);
}

/** Node: getTimerDuration(msecs, name). */
export function getTimerDuration(msecs: unknown, name: string): number {
  if (typeof msecs !== 'number') throw ERR_INVALID_ARG_TYPE(name, 'number', msecs);
  if (msecs < 0 || !Number.isFinite(msecs)) throw ERR_OUT_OF_RANGE(name, 'a non-negative finite number', msecs);
  return msecs > TIMEOUT_MAX ? TIMEOUT_MAX : msecs;
}
