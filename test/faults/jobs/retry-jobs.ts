import { currentTask, Task } from '../../../src';
import { record } from './record';

export class FaultError extends Error {
  override name = 'FaultError';
}

/** Run 3 times in all: 50 ms, then 200 ms apart (the fault config's delay tiers are 50, 100, 200 ms). */
@Task({ queue: 'fault-retry', pool: 'io', retry: { maxAttempts: 3, initialDelayMs: 50, factor: 4, jitter: 0 } })
export class FaultRetry {
  /** Records its attempt, then fails. */
  alwaysThrows(): never {
    record('run');
    throw new FaultError(`always throws (attempt ${currentTask().attempt})`);
  }
}
