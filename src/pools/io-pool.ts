import { deadlines } from '../context/task-context';
import { TaskTimeLimitError } from '../errors';
import { isRetryable } from '../policy/retry-policy';
import { serializeError } from '../protocol/serialized-error';
import type { TaskDefinition } from '../registry/task-definition';
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

  /**
   * Settles with the task's outcome, or at the hard time limit, whichever comes first: JavaScript
   * cannot stop a promise, so past the limit the run is abandoned and its slot freed. One promise
   * and one `then` per task, where an async wrapper around a racing promise made four: with
   * AsyncLocalStorage on Node 20 every promise pays an async hook, and this runs for every task.
   */
  run({ taskId, attempt, definition, args, traceparent }: TaskRun): Promise<RunResult> {
    this.running++;
    return new Promise<RunResult>((resolve) => {
      let settled = false;
      const finish = (result: RunResult): void => {
        if (settled) return; // the task ended after its hard limit: nobody waits for it any more
        settled = true;
        deadline?.cancel();
        this.running--;
        resolve(result);
      };
      const limitMs = definition.hardTimeLimitMs;
      const deadline = limitMs === undefined ? undefined : deadlines.schedule(limitMs, () => finish(failed(new TaskTimeLimitError(definition.name, limitMs), definition)));
      try {
        invokeTask(this.instances, definition.jobClass, {
          taskId,
          task: definition.name,
          attempt,
          method: definition.method,
          args,
          softTimeLimitMs: definition.softTimeLimitMs,
          traceparent,
        }).then(
          (result) => finish({ outcome: { ok: true, result }, threadId: 0, retryable: false }),
          (error: unknown) => finish(failed(error, definition)),
        );
      } catch (error) {
        finish(failed(error, definition));
      }
    });
  }

  async close(): Promise<void> {
    // Nothing to stop: abandoned promises end with the process.
  }
}

function failed(error: unknown, definition: TaskDefinition): RunResult {
  return { outcome: { ok: false, error: serializeError(error) }, threadId: 0, retryable: isRetryable(error, definition.retry.retryOn) };
}
