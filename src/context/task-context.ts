import { AsyncLocalStorage } from 'node:async_hooks';
import { SoftTimeLimitError, WarrenError } from '../errors';

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

const storage = new AsyncLocalStorage<TaskContext>();

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
 * soft limit. The timer is this thread's: a CPU task that never yields cannot see it, and its
 * hard limit is what stops it.
 */
export async function runAsTask<T>(
  run: { taskId: string; task: string; attempt: number; softTimeLimitMs: number | undefined; traceparent: string | undefined },
  work: () => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const timer =
    run.softTimeLimitMs === undefined ? undefined : setTimeout(() => controller.abort(new SoftTimeLimitError(run.task, run.softTimeLimitMs as number)), run.softTimeLimitMs);
  try {
    return await storage.run({ taskId: run.taskId, task: run.task, attempt: run.attempt, signal: controller.signal, traceparent: run.traceparent }, work);
  } finally {
    clearTimeout(timer);
  }
}
