import type { ControlReply } from '../protocol/control-message';
import { FINAL_STATES, type StoredTask } from '../results/result-store';
import { statusOfRow } from '../results/stored-status';
import { inOrder, isoTime, mergeHistories, nextStep, type RuntimeTaskRecord, type TaskDescription, type TaskStateChange } from '../runtime/task-description';
import type { TaskStatus } from '../runtime/task-status';

/** What a description is made of: the store's row, every runtime's answer, and what this client published. */
export interface DescriptionSources {
  readonly row?: StoredTask;
  readonly replies: readonly ControlReply[];
  /** The task name, when this client published the id and nobody has answered for it yet. */
  readonly publishedTask?: string;
  readonly resultStore: boolean;
}

/** Where a task is, as `client.status` answers it: a final row wins, then the latest runtime, then any row. */
export function statusFrom(taskId: string, { row, replies, publishedTask }: Omit<DescriptionSources, 'resultStore'>): TaskStatus {
  if (row && FINAL_STATES.has(row.state)) return statusOfRow(row);
  const latest = replies
    .map((reply) => ('status' in reply ? reply.status : undefined))
    .filter((status): status is TaskStatus => status !== undefined)
    .sort((a, b) => (a.since ?? '').localeCompare(b.since ?? ''))
    .at(-1);
  if (latest) return { ...latest, source: 'runtime' };
  if (row) return statusOfRow(row);
  return publishedTask ? { taskId, task: publishedTask, state: 'queued' } : { taskId, state: 'unknown' };
}

/** One task as the task page shows it: its status, and what the store and each runtime add to it. */
export function describeFrom(taskId: string, sources: DescriptionSources): TaskDescription {
  const { row } = sources;
  const status = statusFrom(taskId, sources);
  const records = sources.replies.flatMap((reply) => ('record' in reply && reply.record ? [reply.record] : []));
  const history = withRowSteps(mergeHistories(records), row);
  // The runtime that told of the latest step knows the latest attempt's thread, wait and run time.
  const lastRuntime = [...history].reverse().find((change) => change.runtime)?.runtime;
  const latest: RuntimeTaskRecord | undefined = records.find((record) => record.history.some((change) => change.runtime === lastRuntime)) ?? records[0];
  const failed = status.state !== 'succeeded';
  const description: Omit<TaskDescription, 'next'> = {
    ...status,
    queue: row?.queue ?? latest?.queue,
    pool: latest?.pool,
    args: row?.args ?? records.find((record) => record.args)?.args,
    error: failed ? (row?.error ?? latest?.error ?? status.error) : undefined,
    threadId: latest?.threadId ?? row?.threadId,
    traceId: row?.traceId ?? latest?.traceId,
    waitMs: row?.waitMs ?? latest?.waitMs,
    durationMs: row?.durationMs ?? latest?.durationMs,
    history,
  };
  return withoutUndefined({ ...description, next: nextStep(description, { resultStore: sources.resultStore }) });
}

/** The store's steps where no runtime remembers them: its row tells when the last attempt was queued, started and settled. */
function withRowSteps(history: TaskStateChange[], row: StoredTask | undefined): TaskStateChange[] {
  if (!row) return history;
  const attempt = row.attempt;
  const steps: TaskStateChange[] = [];
  if (row.startedAt !== undefined && row.waitMs !== undefined) steps.push({ state: 'queued', at: isoTime(row.startedAt - row.waitMs), attempt });
  if (row.startedAt !== undefined) steps.push({ state: 'running', at: isoTime(row.startedAt), attempt, runtime: row.runtime, ...(row.threadId === undefined ? {} : { threadId: row.threadId }) });
  if (row.state !== 'running') {
    steps.push({
      state: row.state,
      at: isoTime(row.finishedAt ?? row.updatedAt),
      attempt,
      runtime: row.runtime,
      ...(row.error && row.state !== 'succeeded' ? { error: { name: row.error.name, message: row.error.message } } : {}),
      ...(row.nextAttemptAt === undefined ? {} : { nextAttemptAt: isoTime(row.nextAttemptAt) }),
    });
  }
  const known = new Set(history.map((change) => `${change.state}|${change.attempt}`));
  const missing = steps.filter((step) => !known.has(`${step.state}|${step.attempt}`));
  return missing.length === 0 ? history : inOrder([...history, ...missing]);
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
