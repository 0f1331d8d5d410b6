import { AsyncLocalStorage } from 'node:async_hooks';
import { SoftTimeLimitError, WarrenError, describe } from '../errors';
import { DeadlineClock } from '../util/deadline-clock';

/** What a running task can know about its own run. */
export interface TaskContext {
  readonly taskId: string;
  readonly task: string;
  /** 1 for the first run, 2 for the first retry, ... */
  readonly attempt: number;
  /**
   * Fires when the soft time limit passes (its reason is a SoftTimeLimitError), or at the latest
   * when the run is abandoned at its hard limit (a TaskTimeLimitError). Pass it to fetch, streams, loops.
   */
  readonly signal: AbortSignal;
  /** The caller's W3C trace context, for logs and for anything the task calls in turn. */
  readonly traceparent: string | undefined;
  /**
   * Reports how far the run is (a number, or any JSON value up to 64 KiB): `client.status(id)`,
   * the dashboard and the result store show the latest while the task runs. Throws for a value JSON cannot carry.
   */
  progress(value: unknown): void;
}

/** Largest progress value, encoded: progress is a hint for people watching, not a channel for data. */
export const MAX_PROGRESS_BYTES = 64 * 1024;

export interface RunInfo {
  readonly taskId: string;
  readonly task: string;
  readonly attempt: number;
  readonly softTimeLimitMs: number | undefined;
  readonly traceparent: string | undefined;
  /** Where `progress(value)` goes, as JSON text; none: it is only checked. */
  readonly onProgress?: (encoded: string) => void;
}

const storage = new AsyncLocalStorage<RunContext>();

/** This thread's clock for every run's time limits. */
export const deadlines = new DeadlineClock();

/** The AbortController is made only if the task asks for its signal: most never do. */
class RunContext implements TaskContext {
  private controller: AbortController | undefined;
  private stopped: Error | undefined;

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
      if (this.stopped) this.controller.abort(this.stopped);
    }
    return this.controller.signal;
  }

  progress(value: unknown): void {
    let encoded: string | undefined;
    try {
      encoded = JSON.stringify(value);
    } catch (error) {
      throw new WarrenError(`${this.run.task}: progress(value) needs a value JSON can encode: ${describe(error)}`, { cause: error });
    }
    if (encoded === undefined) throw new WarrenError(`${this.run.task}: progress(value) needs a value JSON can encode, not ${typeof value}`);
    if (encoded.length > MAX_PROGRESS_BYTES) throw new WarrenError(`${this.run.task}: progress(value) is ${encoded.length} characters encoded, over ${MAX_PROGRESS_BYTES}: report a summary`);
    this.run.onProgress?.(encoded);
  }

  /** Aborts the signal with `reason`, unless an earlier limit already did. */
  stop(reason: Error): void {
    if (this.stopped) return;
    this.stopped = reason;
    this.controller?.abort(reason);
  }
}

/**
 * A pool's hold on one run, to stop it from outside: the I/O pool aborts a run's signal when it
 * abandons the run at its hard limit. Stopping before the run began stops it as it begins.
 */
export class RunHandle {
  private context: RunContext | undefined;
  private reason: Error | undefined;

  stop(reason: Error): void {
    this.reason ??= reason;
    this.context?.stop(reason);
  }

  /** Whether `task` (from `findCurrentTask`) is the run this handle holds. */
  holds(task: TaskContext | undefined): boolean {
    return task !== undefined && task === this.context;
  }

  /** @internal */
  bind(context: RunContext): void {
    this.context = context;
    if (this.reason) context.stop(this.reason);
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
 * `currentTask()` that answers undefined outside a run instead of throwing. Node emits
 * `unhandledRejection` in the async context of the rejected promise, so in that handler this
 * names the run whose code made the promise, even after that run ended.
 */
export function findCurrentTask(): TaskContext | undefined {
  return storage.getStore();
}

/**
 * Runs `work` as the task's run: `currentTask()` answers inside it, and its signal fires at the
 * soft limit, or when `handle.stop` is called. The clock is this thread's: a CPU task that never
 * yields cannot see it, and its hard limit is what stops it.
 */
export function runAsTask<T>(run: RunInfo, work: () => Promise<T>, handle?: RunHandle): Promise<T> {
  const context = new RunContext(run);
  handle?.bind(context);
  const limit = run.softTimeLimitMs;
  if (limit === undefined) return storage.run(context, work);
  const deadline = deadlines.schedule(limit, () => context.stop(new SoftTimeLimitError(run.task, limit)));
  return storage.run(context, work).finally(() => deadline.cancel());
}
