import { deadlines } from '../context/task-context';
import { TaskTimeLimitError } from '../errors';
import { isRetryable } from '../policy/retry-policy';
import { serializeError } from '../protocol/serialized-error';
import { invokeTask } from './invoke-task';
import type { JobInstances } from './job-instances';
import type { Pool, RunResult, TaskRun } from './pool';

/**
 * Runs I/O-bound tasks on the main event loop. How many run at once is bounded per queue by the
 * consumer's prefetch (the queue's concurrency), so a slow queue cannot take every slot.
 */
export class IoPool implements Pool {
  readonly kind = 'io' as const;
  readonly workerRestarts = 0; // no worker threads
  private running = 0;

  constructor(
    private readonly instances: JobInstances,
    readonly capacity: number,
  ) {}

  get inFlight(): number {
    return this.running;
  }

  async run({ taskId, attempt, definition, args, traceparent }: TaskRun): Promise<RunResult> {
    this.running++;
    try {
      const work = invokeTask(this.instances, definition.jobClass, {
        taskId,
        task: definition.name,
        attempt,
        method: definition.method,
        args,
        softTimeLimitMs: definition.softTimeLimitMs,
        traceparent,
      });
      const result = definition.hardTimeLimitMs === undefined ? await work : await withHardLimit(work, definition.name, definition.hardTimeLimitMs);
      return { outcome: { ok: true, result }, threadId: 0, retryable: false };
    } catch (error) {
      return { outcome: { ok: false, error: serializeError(error) }, threadId: 0, retryable: isRetryable(error, definition.retry.retryOn) };
    } finally {
      this.running--;
    }
  }

  async close(): Promise<void> {
    // Nothing to stop: abandoned promises end with the process.
  }
}

/** JavaScript cannot stop a promise: past the limit the run is abandoned and its slot freed. */
function withHardLimit<T>(work: Promise<T>, task: string, limitMs: number): Promise<T> {
  work.catch(() => {}); // an abandoned run that fails later must not become an unhandled rejection
  return new Promise<T>((resolve, reject) => {
    const deadline = deadlines.schedule(limitMs, () => reject(new TaskTimeLimitError(task, limitMs)));
    work.then(
      (value) => {
        deadline.cancel();
        resolve(value);
      },
      (error: unknown) => {
        deadline.cancel();
        reject(error);
      },
    );
  });
}
