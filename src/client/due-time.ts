import { InvalidCallOptionsError } from '../errors';
import { firstProblem, runOptionSchemas } from '../options/run-options';
import { MAX_DELAY_MS } from '../policy/delay-limits';
import type { CallOptions } from './task-proxy';

/** The options of a call without `.with(...)`: nothing to check. */
export const NO_CALL_OPTIONS: CallOptions = Object.freeze({});

/** Refuses a call's options before anything is published: a delay that is negative, not finite or too far, a bad timeout, an unknown key. */
export function checkCallOptions(task: string, options: CallOptions): void {
  if (options === NO_CALL_OPTIONS) return;
  const problem = firstProblem(runOptionSchemas().callOptionsSchema, options);
  if (problem) throw new InvalidCallOptionsError(`${task}: ${problem}`);
}

/** Pure: when a call's task may start (epoch ms), from its checked `delayMs` or `at`; undefined for now. */
export function dueTimeOf(task: string, options: Pick<CallOptions, 'delayMs' | 'at'>, now = Date.now()): number | undefined {
  const { delayMs, at } = options;
  const dueAt = delayMs !== undefined ? now + delayMs : at !== undefined ? (at instanceof Date ? at.getTime() : at) : undefined;
  if (dueAt === undefined) return undefined;
  if (dueAt - now > MAX_DELAY_MS) {
    throw new InvalidCallOptionsError(`${task}: due ${new Date(dueAt).toISOString()}, more than ${MAX_DELAY_MS / 86_400_000} days ahead (the longest delay Warren serves); is the delay in seconds instead of milliseconds?`);
  }
  return dueAt > now ? dueAt : undefined;
}
