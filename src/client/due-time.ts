import { InvalidCallOptionsError } from '../errors';
import { MAX_DELAY_MS } from '../policy/delay-limits';
import type { CallOptions } from './task-proxy';

/**
 * Pure: when a call's task may start (epoch ms), from its `delayMs` or `at`; undefined for now.
 * A delay that is negative, not a finite number or more than a year ahead is refused here,
 * before anything is published.
 */
export function dueTimeOf(task: string, options: Pick<CallOptions, 'delayMs' | 'at'>, now = Date.now()): number | undefined {
  const { delayMs, at } = options;
  if (delayMs !== undefined && at !== undefined) throw new InvalidCallOptionsError(`${task}: give delayMs or at, not both`);
  let dueAt: number;
  if (delayMs !== undefined) {
    if (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0) throw new InvalidCallOptionsError(`${task}: delayMs must be a finite number of milliseconds, 0 or more (got ${String(delayMs)})`);
    dueAt = now + delayMs;
  } else if (at !== undefined) {
    const time = at instanceof Date ? at.getTime() : at;
    if (typeof time !== 'number' || !Number.isFinite(time)) throw new InvalidCallOptionsError(`${task}: at must be a valid Date or epoch milliseconds (got ${String(at)})`);
    dueAt = time;
  } else {
    return undefined;
  }
  if (dueAt - now > MAX_DELAY_MS) {
    throw new InvalidCallOptionsError(`${task}: due ${new Date(dueAt).toISOString()}, more than ${MAX_DELAY_MS / 86_400_000} days ahead (the longest delay Warren serves); is the delay in seconds instead of milliseconds?`);
  }
  return dueAt > now ? dueAt : undefined;
}
