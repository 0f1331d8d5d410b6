import { AsyncLocalStorage } from 'node:async_hooks';
import { SoftTimeLimitError, WarrenError } from '../errors';
import { DeadlineClock } from '../util/deadline-clock';

/** What a running task can know about its own run. */
export interface TaskContext {
  readonly taskId: string;
  readonly task: string;
  /** 1 for the first run, 2 for the first retry, ... */
  readonly attempt: number;
  /** Fires when the soft time limit passes (its reason is a SoftTimeLimitError). Pass it to fetch, streams, loops. */
  readonly signal: AbortSignal;
  /** The caller's W3C trace context, for logs and for anything the task calls in turn. */
  readonly traceparent: string | undefined;
}

export interface RunInfo {
  readonly taskId: string;
  readonly task: string;
  readonly attempt: number;
  readonly softTimeLimitMs: number | undefined;
  readonly traceparent: string | undefined;
}

const storage = new AsyncLocalStorage<RunContext>();

/** This thread's clock for every run's time limits. */
export const deadlines = new DeadlineClock();

/** The AbortController is made only if the task asks for its signal: most never do. */
class RunContext implements TaskContext {
  private controller: AbortController | undefined;
  private expired: SoftTimeLimitError | undefined;

  constructor(private readonly run: RunInfo) {}

  get taskId(): string {
    return this.run.taskId;
  }

  get task(): string {
    return this.run.task;
  }

  get attempt(): number {
    return this.run.attempt;
  }

  get traceparent(): string | undefined {
    return this.run.traceparent;
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.expired) this.controller.abort(this.expired);
    }
    return this.controller.signal;
  }

  expire(limitMs: number): void {
    this.expired = new SoftTimeLimitError(this.run.task, limitMs);
    this.controller?.abort(this.expired);
  }
}

/**
 * The run this code belongs to, from inside a task method (in either pool):
 * `const { signal, attempt } = currentTask();`
 */
export function currentTask(): TaskContext {
  const context = storage.getStore();
  if (!context) throw new WarrenError('currentTask() was called outside a task run');
  return context;
}

/**
 * Runs `work` as the task's run: `currentTask()` answers inside it, and its signal fires at the
 * soft limit. The clock is this thread's: a CPU task that never yields cannot see it, and its
 * hard limit is what stops it.
 */
export function runAsTask<T>(run: RunInfo, work: () => Promise<T>): Promise<T> {
  const context = new RunContext(run);
  const limit = run.softTimeLimitMs;
  if (limit === undefined) return storage.run(context, work);
  const deadline = deadlines.schedule(limit, () => context.expire(limit));
  return storage.run(context, work).finally(() => deadline.cancel());
}
