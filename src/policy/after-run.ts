import { backoffDelayMs, type ResolvedRetryPolicy } from './retry-policy';

/** What a run ended with, as far as the decision needs it. */
export interface RunEnd {
  readonly ok: boolean;
  /** Whether the error is worth another attempt (decided where the error was a real object). */
  readonly retryable: boolean;
  readonly attempt: number;
  /** A caller's (or a header's) own bound on the runs, if it set one. */
  readonly requestedMaxAttempts: number | undefined;
}

/** What happens to the message after a run: acknowledged, tried again at a time, or dead-lettered. */
export type AfterRun = { readonly action: 'ack' } | { readonly action: 'retry'; readonly nextAttempt: number; readonly delayMs: number } | { readonly action: 'dead-letter' };

/**
 * Pure: the decision after a run. A caller (or a header from anyone) may ask for fewer attempts
 * than the task's policy, never more.
 */
export function decideAfterRun(end: RunEnd, policy: ResolvedRetryPolicy, random: () => number = Math.random): AfterRun {
  if (end.ok) return { action: 'ack' };
  const maxAttempts = Math.min(end.requestedMaxAttempts ?? Infinity, policy.maxAttempts);
  if (!end.retryable || end.attempt >= maxAttempts) return { action: 'dead-letter' };
  return { action: 'retry', nextAttempt: end.attempt + 1, delayMs: backoffDelayMs(end.attempt + 1, policy, random) };
}
