import { InvalidArgumentsError, NonRetryableError } from '../errors';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ErrorClass = abstract new (...args: any[]) => Error;

/** How a failing task is tried again. Delays grow exponentially, with jitter, up to a cap. */
export interface RetryPolicy {
  /** Runs in all, the first included. 1 means no retry. */
  readonly maxAttempts?: number;
  /** Delay before the second attempt. */
  readonly initialDelayMs?: number;
  /** Each delay is the previous one times this. */
  readonly factor?: number;
  /** No delay is longer than this. */
  readonly maxDelayMs?: number;
  /** Each delay moves at random by up to this fraction, so failed tasks do not retry in lockstep. */
  readonly jitter?: number;
  /**
   * Which errors are worth another attempt: a predicate, or error classes. Default: every error
   * except NonRetryableError and invalid arguments. It runs in the thread that ran the task.
   */
  readonly retryOn?: ((error: Error) => boolean) | readonly ErrorClass[];
}

/** Every number filled in. */
export interface ResolvedRetryPolicy {
  readonly maxAttempts: number;
  readonly initialDelayMs: number;
  readonly factor: number;
  readonly maxDelayMs: number;
  readonly jitter: number;
  readonly retryOn: RetryPolicy['retryOn'];
}

export const DEFAULT_RETRY: ResolvedRetryPolicy = {
  maxAttempts: 1,
  initialDelayMs: 1_000,
  factor: 2,
  maxDelayMs: 300_000,
  jitter: 0.2,
  retryOn: undefined,
};

/** Later layers win, field by field: config defaults, then the class, then the method. */
export function mergeRetryPolicies(...layers: ReadonlyArray<RetryPolicy | undefined>): ResolvedRetryPolicy {
  const merged: Record<string, unknown> = { ...DEFAULT_RETRY };
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer ?? {})) if (value !== undefined) merged[key] = value;
  }
  return merged as unknown as ResolvedRetryPolicy;
}

/** Decides, where the error is still a real object, whether another attempt could help. */
export function isRetryable(error: unknown, retryOn: RetryPolicy['retryOn']): boolean {
  if (error instanceof NonRetryableError || error instanceof InvalidArgumentsError) return false;
  if (retryOn === undefined) return true;
  if (!(error instanceof Error)) return false;
  if (typeof retryOn === 'function') {
    try {
      return retryOn(error);
    } catch {
      return false; // a broken predicate must not turn one failure into a retry storm
    }
  }
  return retryOn.some((errorClass) => error instanceof errorClass);
}

/** The delay before attempt `nextAttempt` (2 for the first retry): exponential, capped, jittered. */
export function backoffDelayMs(nextAttempt: number, policy: ResolvedRetryPolicy, random: () => number = Math.random): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** Math.max(0, nextAttempt - 2));
  const spread = base * policy.jitter;
  return Math.max(0, Math.round(base - spread + random() * 2 * spread));
}
