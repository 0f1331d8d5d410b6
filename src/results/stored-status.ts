import type { TaskStatus } from '../runtime/task-status';
import type { StoredTask } from './result-store';

/** A stored row as `client.status` answers it. */
export function statusOfRow(row: StoredTask): TaskStatus {
  const since = row.finishedAt ?? row.startedAt ?? row.updatedAt;
  return {
    taskId: row.taskId,
    state: row.state,
    task: row.task,
    runtime: row.runtime,
    attempt: row.attempt,
    since: new Date(since).toISOString(),
    ...(row.nextAttemptAt !== undefined ? { nextAttemptAt: new Date(row.nextAttemptAt).toISOString() } : {}),
    ...(row.error ? { error: { name: row.error.name, message: row.error.message } } : {}),
    ...(row.progress !== undefined ? { progress: row.progress } : {}),
    ...(row.state === 'succeeded' ? { result: row.result } : {}),
    source: 'store',
  };
}
