import { currentTask, Task } from '../../../src';
import { record } from './record';

export class FaultError extends Error {
  override name = 'FaultError';
}

/** Run 3 times in all: 100 ms, then 1 000 ms apart. */
@Task({ queue: 'fault-retry', pool: 'io', retry: { maxAttempts: 3, initialDelayMs: 100, factor: 10, jitter: 0 } })
export class FaultRetry {
  /** Records its attempt, then fails. */
  alwaysThrows(): never {
    record('run');
    throw new FaultError(`always throws (attempt ${currentTask().attempt})`);
  }
}
