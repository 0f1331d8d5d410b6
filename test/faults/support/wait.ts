/** Thrown when a bounded wait runs out of time, or a condition says waiting is pointless. */
export class WaitError extends Error {
  override name = 'WaitError';
}

export interface WaitOptions {
  /** Give up after this long. */
  readonly timeoutMs: number;
  /** How often to look again. Default 150 ms. */
  readonly intervalMs?: number;
  /** Looked at on every round: a message means the condition can no longer come true (e.g. the runtime died). */
  readonly failIf?: () => string | undefined;
}

/**
 * Polls `probe` until it returns something other than undefined (or false), within a deadline.
 * This is the suite's only way to wait for the outside world (files other processes append to,
 * queue depths): never a fixed sleep standing in for a condition.
 */
export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 150;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    const reason = options.failIf?.();
    if (reason) throw new WaitError(`gave up waiting for ${what}: ${reason}`);
    if (Date.now() >= deadline) throw new WaitError(`timed out after ${options.timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, Math.min(interval, Math.max(1, deadline - Date.now()))));
  }
}
