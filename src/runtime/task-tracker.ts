import { RecentMap } from '../util/recent-map';
import type { TaskEvent } from './task-event';
import type { TaskStatus } from './task-status';

const OUTCOME_STATE = { succeeded: 'succeeded', retried: 'retrying', failed: 'failed', rejected: 'dead-lettered' } as const;

interface Known {
  readonly state: TaskStatus['state'];
  readonly task: string;
  readonly attempt: number;
  /** Epoch ms; turned into text only when someone asks. */
  readonly since: number;
  readonly nextAttemptAt?: number;
  readonly error?: { readonly name: string; readonly message: string };
}

/**
 * What this runtime knows of the tasks it has seen, the latest 10 000 to 20 000 of them: enough to
 * answer `client.status(id)` for recent tasks without a result store. Cheap on the hot path.
 */
export class TaskTracker {
  private readonly tasks: RecentMap<string, Known>;

  constructor(
    private readonly runtimeId: string,
    capacity = 10_000,
  ) {
    this.tasks = new RecentMap(capacity);
  }

  started(taskId: string, task: string, attempt: number): void {
    this.tasks.set(taskId, { state: 'running', task, attempt, since: Date.now() });
  }

  finished(event: TaskEvent): void {
    this.tasks.set(event.taskId, {
      state: OUTCOME_STATE[event.outcome],
      task: event.task,
      attempt: event.attempt,
      since: Date.now(),
      nextAttemptAt: event.nextAttemptAt,
      error: event.error && event.outcome !== 'succeeded' ? { name: event.error.name, message: event.error.message } : undefined,
    });
  }

  get(taskId: string): TaskStatus | undefined {
    const known = this.tasks.get(taskId);
    if (!known) return undefined;
    return {
      taskId,
      state: known.state,
      task: known.task,
      runtime: this.runtimeId,
      attempt: known.attempt,
      since: new Date(known.since).toISOString(),
      ...(known.nextAttemptAt ? { nextAttemptAt: new Date(known.nextAttemptAt).toISOString() } : {}),
      ...(known.error ? { error: known.error } : {}),
    };
  }
}
