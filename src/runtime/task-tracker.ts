import type { PoolKind } from '../decorators/task-options';
import { RecentMap } from '../util/recent-map';
import { changesOf, isoTime as iso, type RuntimeTaskRecord, type TaskStateChange } from './task-description';
import type { TaskEvent } from './task-event';
import { OUTCOME_STATE, type TaskStatus } from './task-status';

/** A task running in this runtime now, as its queue consumer holds it. */
export interface RunningTask {
  readonly task: string;
  readonly queue: string;
  readonly pool: PoolKind;
  readonly attempt: number;
  readonly args: readonly unknown[];
  /** When its delivery arrived (epoch ms). */
  readonly receivedAt: number;
  /** When it became due in its queue (epoch ms), when its message says. */
  readonly dueAt?: number;
  /** Epoch ms: when it started running (for a CPU task, on its thread), else when it arrived. */
  readonly startedAt: number;
  readonly threadId?: number;
  readonly traceId?: string;
  /** What it last reported through `currentTask().progress(value)`. */
  readonly progress: unknown;
}

/** The most attempts of one task kept here: the first and the latest. */
const MAX_ATTEMPTS_KEPT = 20;

/**
 * What this runtime knows of the tasks it has seen: those running now (asked of the consumers,
 * which hold them anyway) and the latest 10 000 to 20 000 that finished. Enough to answer
 * `client.status(id)` and the task page for recent tasks without a result store, at one map
 * write per attempt: the attempt's own event is what is kept (a task retried here keeps a list).
 */
export class TaskTracker {
  private readonly finishedTasks: RecentMap<string, TaskEvent | TaskEvent[]>;

  constructor(
    private readonly runtimeId: string,
    private readonly findRunning: (taskId: string) => RunningTask | undefined,
    capacity = 10_000,
  ) {
    this.finishedTasks = new RecentMap(capacity);
  }

  finished(event: TaskEvent): void {
    const known = this.finishedTasks.get(event.taskId);
    if (known === undefined) return this.finishedTasks.set(event.taskId, event);
    const attempts = Array.isArray(known) ? known : [known];
    attempts.push(event);
    if (attempts.length > MAX_ATTEMPTS_KEPT) attempts.splice(1, 1);
    this.finishedTasks.set(event.taskId, attempts);
  }

  get(taskId: string): TaskStatus | undefined {
    const running = this.findRunning(taskId);
    if (running) {
      const status: TaskStatus = { taskId, state: 'running', task: running.task, runtime: this.runtimeId, attempt: running.attempt, since: new Date(running.startedAt).toISOString() };
      return running.progress === undefined ? status : { ...status, progress: running.progress };
    }
    const event = this.latest(taskId);
    if (!event) return undefined;
    const failed = event.outcome !== 'succeeded' && event.error;
    return {
      taskId,
      state: OUTCOME_STATE[event.outcome],
      task: event.task,
      runtime: this.runtimeId,
      attempt: event.attempt,
      since: new Date(event.at).toISOString(),
      ...(event.nextAttemptAt ? { nextAttemptAt: new Date(event.nextAttemptAt).toISOString() } : {}),
      ...(failed ? { error: { name: failed.name, message: failed.message } } : {}),
    };
  }

  /** The attempts this runtime saw, step by step, with what the latest left (and the arguments while it runs). */
  record(taskId: string): RuntimeTaskRecord | undefined {
    const known = this.finishedTasks.get(taskId);
    const attempts = known === undefined ? [] : Array.isArray(known) ? known : [known];
    const history: TaskStateChange[] = attempts.flatMap((event) => changesOf(event, this.runtimeId));
    const running = this.findRunning(taskId);
    if (running) {
      if (running.dueAt !== undefined) history.push({ state: 'queued', at: iso(running.dueAt), attempt: running.attempt });
      history.push({ state: 'running', at: iso(running.startedAt), attempt: running.attempt, runtime: this.runtimeId, ...(running.threadId === undefined ? {} : { threadId: running.threadId }) });
      const failure = [...attempts].reverse().find((event) => event.error)?.error;
      return { queue: running.queue, pool: running.pool, history, args: running.args, traceId: running.traceId, threadId: running.threadId, error: failure };
    }
    const last = attempts.at(-1);
    if (!last) return undefined;
    return { queue: last.queue, pool: last.pool, history, traceId: last.traceId, threadId: last.threadId, waitMs: last.waitMs, durationMs: last.durationMs, error: last.outcome === 'succeeded' ? undefined : last.error };
  }

  private latest(taskId: string): TaskEvent | undefined {
    const known = this.finishedTasks.get(taskId);
    return Array.isArray(known) ? known.at(-1) : known;
  }
}
