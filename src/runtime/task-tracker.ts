import { RecentMap } from '../util/recent-map';
import type { TaskEvent } from './task-event';
import type { TaskStatus } from './task-status';

/** The state a task is in after each outcome. */
export const OUTCOME_STATE = { succeeded: 'succeeded', retried: 'retrying', failed: 'failed', rejected: 'dead-lettered', expired: 'expired', scheduled: 'scheduled' } as const;

/** A task running in this runtime now, as its queue consumer holds it. */
export interface RunningTask {
  readonly task: string;
  readonly attempt: number;
  /** Epoch ms. */
  readonly startedAt: number;
  /** What it last reported through `currentTask().progress(value)`. */
  readonly progress: unknown;
}

/**
 * What this runtime knows of the tasks it has seen: those running now (asked of the consumers,
 * which hold them anyway) and the latest 10 000 to 20 000 that finished. Enough to answer
 * `client.status(id)` for recent tasks without a result store, at one map write per task: the
 * task's own event is what is kept, so nothing more is allocated for it.
 */
export class TaskTracker {
  private readonly finishedTasks: RecentMap<string, TaskEvent>;

  constructor(
    private readonly runtimeId: string,
    private readonly findRunning: (taskId: string) => RunningTask | undefined,
    capacity = 10_000,
  ) {
    this.finishedTasks = new RecentMap(capacity);
  }

  finished(event: TaskEvent): void {
    this.finishedTasks.set(event.taskId, event);
  }

  get(taskId: string): TaskStatus | undefined {
    const running = this.findRunning(taskId);
    if (running) {
      const status: TaskStatus = { taskId, state: 'running', task: running.task, runtime: this.runtimeId, attempt: running.attempt, since: new Date(running.startedAt).toISOString() };
      return running.progress === undefined ? status : { ...status, progress: running.progress };
    }
    const event = this.finishedTasks.get(taskId);
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
}
