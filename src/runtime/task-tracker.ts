import type { TaskEvent } from './task-event';
import type { TaskStatus } from './task-status';

const OUTCOME_STATE = { succeeded: 'succeeded', retried: 'retrying', failed: 'failed', rejected: 'dead-lettered' } as const;

/**
 * What this runtime knows of the tasks it has seen, newest last, at most `capacity` of them:
 * enough to answer `client.status(id)` for recent tasks without a result store.
 */
export class TaskTracker {
  private readonly tasks = new Map<string, TaskStatus>();

  constructor(
    private readonly runtimeId: string,
    private readonly capacity = 10_000,
  ) {}

  started(taskId: string, task: string, attempt: number): void {
    this.set({ taskId, state: 'running', task, runtime: this.runtimeId, attempt, since: new Date().toISOString() });
  }

  finished(event: TaskEvent): void {
    this.set({
      taskId: event.taskId,
      state: OUTCOME_STATE[event.outcome],
      task: event.task,
      runtime: this.runtimeId,
      attempt: event.attempt,
      since: new Date().toISOString(),
      ...(event.nextAttemptAt ? { nextAttemptAt: new Date(event.nextAttemptAt).toISOString() } : {}),
      ...(event.error && event.outcome !== 'succeeded' ? { error: { name: event.error.name, message: event.error.message } } : {}),
    });
  }

  get(taskId: string): TaskStatus | undefined {
    return this.tasks.get(taskId);
  }

  private set(status: TaskStatus): void {
    this.tasks.delete(status.taskId); // re-insert: Map order is the eviction order
    this.tasks.set(status.taskId, status);
    if (this.tasks.size > this.capacity) this.tasks.delete(this.tasks.keys().next().value as string);
  }
}
