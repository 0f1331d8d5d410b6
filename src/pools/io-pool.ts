import type { Logger } from 'pino';
import { deadlines, RunHandle } from '../context/task-context';
import { RuntimeShuttingDownError, TaskTimeLimitError, UnsendableValueError } from '../errors';
import { isRetryable } from '../policy/retry-policy';
import { serializeError } from '../protocol/serialized-error';
import type { TaskDefinition } from '../registry/task-definition';
import { invokeTask } from './invoke-task';
import type { JobInstances } from './job-instances';
import type { Pool, RunResult, TaskRun } from './pool';
import { unsendable } from './sendable';

/** A queue's runs abandoned at their hard limit and not yet settled, and the runs waiting for them. */
interface QueueHold {
  abandoned: number;
  readonly parked: Array<() => void>;
}

/**
 * Runs I/O-bound tasks on the main event loop. How many run at once is bounded per queue by the
 * consumer's prefetch (the queue's concurrency), so a slow queue cannot take every slot.
 *
 * At its hard limit a run is abandoned (JavaScript cannot stop a promise): its caller is told
 * TaskTimeLimitError, its delivery is settled, and its signal (`currentTask().signal`) aborts with
 * that error. Until it settles, or for one more hard limit at most, it keeps its place in its
 * queue's concurrency: the next delivery of that queue waits here, unacknowledged, so the prefetch
 * window still bounds what runs, and `inFlight` (the pool's in-flight metric) counts it.
 */
export class IoPool implements Pool {
  readonly kind = 'io' as const;
  readonly workerRestarts = 0; // no worker threads
  private running = 0;
  private abandonedRuns = 0;
  private readonly holds = new Map<string, QueueHold>();
  private closed = false;

  constructor(
    private readonly instances: JobInstances,
    readonly capacity: number,
    private readonly logger?: Logger,
    private readonly onProgress?: (taskId: string, value: unknown) => void,
  ) {}

  /** Runs started or waiting to, and abandoned runs that have not settled yet. */
  get inFlight(): number {
    return this.running + this.abandonedRuns;
  }

  /** Runs past their hard limit whose code is still going. */
  get abandoned(): number {
    return this.abandonedRuns;
  }

  run(run: TaskRun): Promise<RunResult> {
    this.running++;
    return new Promise<RunResult>((resolve) => {
      const settle = (result: RunResult): void => {
        this.running--;
        resolve(result);
      };
      if (this.closed) return settle(failed(new RuntimeShuttingDownError(`The I/O pool closed before ${run.definition.name} could start`), run.definition));
      // Fast path: nothing abandoned anywhere, nothing to wait for.
      const hold = this.abandonedRuns === 0 ? undefined : this.holds.get(run.definition.queue);
      if (hold && hold.parked.length < hold.abandoned) hold.parked.push(() => this.start(run, settle));
      else this.start(run, settle);
    });
  }

  /** Not kept here, on the hot path: WatchedIoPool, which wraps this pool in a runtime, knows. */
  where(): undefined {
    return undefined;
  }

  async close(): Promise<void> {
    // Abandoned promises end with the process; runs still waiting for them never start.
    this.closed = true;
    for (const hold of this.holds.values()) for (const start of hold.parked.splice(0)) start();
  }

  /**
   * Settles with the task's outcome, or at the hard time limit, whichever comes first. One
   * promise and one `then` per task, where an async wrapper around a racing promise made four:
   * with AsyncLocalStorage on Node 20 every promise pays an async hook, and this runs for every task.
   */
  private start({ taskId, attempt, definition, args, traceparent, queue }: TaskRun, settle: (result: RunResult) => void): void {
    if (this.closed) return settle(failed(new RuntimeShuttingDownError(`The I/O pool closed before ${definition.name} could start`), definition));
    let finished = false;
    let abandoned: (() => void) | undefined;
    const finish = (result: RunResult): void => {
      if (finished) return abandoned?.(); // the task ended after its hard limit: nobody waits for it any more
      finished = true;
      deadline?.cancel();
      settle(result);
    };
    const limitMs = definition.hardTimeLimitMs;
    const handle = limitMs === undefined ? undefined : new RunHandle();
    const deadline =
      limitMs === undefined
        ? undefined
        : deadlines.schedule(limitMs, () => {
            const error = new TaskTimeLimitError(definition.name, limitMs);
            finish(failed(error, definition));
            abandoned = this.abandon(definition, taskId, limitMs);
            handle?.stop(error);
          });
    try {
      invokeTask(this.instances, definition.jobClass, { taskId, task: definition.name, attempt, method: definition.method, args, softTimeLimitMs: definition.softTimeLimitMs, traceparent, queue, handle, onProgress: this.onProgress && ((encoded) => this.onProgress?.(taskId, JSON.parse(encoded))) }).then(
        (result) => {
          const problem = unsendable(result);
          if (problem === undefined) finish({ outcome: { ok: true, result }, threadId: 0, retryable: false });
          else finish(failed(new UnsendableValueError(`The result of ${definition.name} cannot be sent back: ${problem}`), definition));
        },
        (error: unknown) => finish(failed(error, definition)),
      );
    } catch (error) {
      finish(failed(error, definition));
    }
  }

  /**
   * Counts an abandoned run against its queue until it settles, or one more hard limit passes (a
   * run that never settles must not stop its queue for good); returns what its settling calls.
   */
  private abandon(definition: TaskDefinition, taskId: string, limitMs: number): () => void {
    let hold = this.holds.get(definition.queue);
    if (!hold) this.holds.set(definition.queue, (hold = { abandoned: 0, parked: [] }));
    const held = hold;
    held.abandoned++;
    this.abandonedRuns++;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      grace.cancel();
      held.abandoned--;
      this.abandonedRuns--;
      while (held.parked.length > held.abandoned) (held.parked.shift() as () => void)();
    };
    const grace = deadlines.schedule(limitMs, () => {
      this.logger?.error(
        { task: definition.name, taskId, queue: definition.queue, hardTimeLimitMs: limitMs },
        `${definition.name} (task ${taskId}) is still running ${limitMs} ms after its hard limit, although its signal was aborted: its place in queue ${definition.queue}'s concurrency is given back, and the queue may now run more at once than its concurrency`,
      );
      release();
    });
    return release;
  }
}

function failed(error: unknown, definition: TaskDefinition): RunResult {
  return { outcome: { ok: false, error: serializeError(error) }, threadId: 0, retryable: isRetryable(error, definition.retry.retryOn) };
}
