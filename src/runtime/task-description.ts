import type { PoolKind } from '../decorators/task-options';
import type { SerializedError } from '../protocol/serialized-error';
import type { TaskEvent } from './task-event';
import { OUTCOME_STATE, type TaskState, type TaskStatus } from './task-status';

/** One step of a task's life: it became due in its queue, a runtime took it, or it settled. */
export interface TaskStateChange {
  /** `queued`: due in its queue from then on; `running`: a runtime took it; else how an attempt settled. */
  readonly state: TaskState;
  /** ISO 8601. */
  readonly at: string;
  readonly attempt: number;
  readonly runtime?: string;
  /** 0: the main thread (io pool); a positive id: a CPU worker thread. */
  readonly threadId?: number;
  readonly error?: { readonly name: string; readonly message: string };
  /** For `retrying`: when the next attempt is due; for `scheduled`: when the task is. */
  readonly nextAttemptAt?: string;
}

/** What one runtime knows of a task, beside its status: the attempts it saw, and the arguments while it runs there. */
export interface RuntimeTaskRecord {
  readonly queue: string;
  readonly pool: PoolKind;
  readonly history: readonly TaskStateChange[];
  readonly traceId?: string;
  readonly threadId?: number;
  readonly waitMs?: number;
  readonly durationMs?: number;
  readonly error?: SerializedError;
  /** Only while it runs there: the message holds them. */
  readonly args?: readonly unknown[];
}

/**
 * Everything known of one task, as the dashboard's task page and `warren status` show it: its
 * status, arguments and result or error, and its history across every runtime that handled it.
 */
export interface TaskDescription extends TaskStatus {
  readonly queue?: string;
  readonly pool?: PoolKind;
  /** From the result store, or from the runtime running it now; absent when neither has them. */
  readonly args?: readonly unknown[];
  /** The last failure, with its stack when the store or a runtime kept one. */
  readonly error?: SerializedError;
  readonly threadId?: number;
  readonly traceId?: string;
  /** How long the last attempt waited in its queue, and ran (ms). */
  readonly waitMs?: number;
  readonly durationMs?: number;
  /** Oldest first. */
  readonly history: readonly TaskStateChange[];
  /** What happens to it next, in a sentence. */
  readonly next: string;
}

/**
 * The steps one settled attempt tells of: due in the queue, taken (when it ran), settled. A task
 * that never ran (rejected, expired, scheduled) has no `running` step; a countdown's wait is not queueing.
 */
export function changesOf(event: TaskEvent, runtime: string): TaskStateChange[] {
  const receivedAt = event.at - event.durationMs;
  const changes: TaskStateChange[] = [];
  if (event.waitMs !== undefined && event.outcome !== 'scheduled') changes.push({ state: 'queued', at: isoTime(receivedAt - event.waitMs), attempt: event.attempt });
  const ran = event.outcome === 'succeeded' || event.outcome === 'retried' || event.outcome === 'failed';
  if (ran) changes.push({ state: 'running', at: isoTime(receivedAt), attempt: event.attempt, runtime, threadId: event.threadId });
  const settled: TaskStateChange = { state: OUTCOME_STATE[event.outcome], at: isoTime(event.at), attempt: event.attempt, runtime };
  changes.push({
    ...settled,
    ...(ran ? { threadId: event.threadId } : {}),
    ...(event.error && event.outcome !== 'succeeded' ? { error: { name: event.error.name, message: event.error.message } } : {}),
    ...(event.nextAttemptAt ? { nextAttemptAt: isoTime(event.nextAttemptAt) } : {}),
  });
  return changes;
}

/** What happens next to a task in this state, for an operator: where it is and what moves it on. */
export function nextStep(description: Omit<TaskDescription, 'next'>, context: { readonly resultStore: boolean }): string {
  const { state, queue = 'its queue', taskId } = description;
  switch (state) {
    case 'queued':
      return `Waits in queue '${queue}' until a runtime serving it takes it.`;
    case 'scheduled':
      return `Waits in the broker's delay queues until ${description.nextAttemptAt ?? 'its due time'}, then goes to '${queue}'.`;
    case 'running':
      return `Running on ${description.runtime ?? 'a runtime'}${description.threadId ? ` (thread ${description.threadId})` : ''}; it settles with a result, a retry or a dead letter.`;
    case 'retrying':
      return `Attempt ${(description.attempt ?? 1) + 1} becomes due at ${description.nextAttemptAt ?? 'the end of its backoff'} in '${queue}'.`;
    case 'succeeded':
      return context.resultStore ? 'Done: the result store keeps its result until its retention ends.' : 'Done: its caller got the result; no result store keeps it.';
    case 'failed':
    case 'dead-lettered':
      return `Kept in the dead letters of '${queue}': \`warren dlq replay ${queue} --id ${taskId}\` runs it again, \`warren dlq delete ${queue} ${taskId}\` drops it.`;
    case 'expired':
      return 'Dropped without running: its deadline had passed, so nobody waits for it.';
    case 'unknown':
      return context.resultStore
        ? 'Neither the result store nor any runtime knows this id: it was never published here, or its row has expired.'
        : 'No runtime knows this id: it was never published here, or it finished before the latest 10 000 tasks its runtime remembers.';
  }
}

/** The replies' histories as one, oldest first; the same step told twice (by two askings) once. */
export function mergeHistories(records: readonly RuntimeTaskRecord[]): TaskStateChange[] {
  const seen = new Set<string>();
  const merged: TaskStateChange[] = [];
  for (const change of records.flatMap((record) => record.history)) {
    const key = `${change.state}|${change.attempt}|${change.at}|${change.runtime ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    merged.push(change);
  }
  return inOrder(merged);
}

/** Steps oldest first; within one attempt, the order the steps happen in breaks a tie of equal times. */
export function inOrder(steps: TaskStateChange[]): TaskStateChange[] {
  return steps.sort((a, b) => a.at.localeCompare(b.at) || a.attempt - b.attempt || STEP_ORDER[a.state] - STEP_ORDER[b.state]);
}

const STEP_ORDER: Record<TaskState, number> = { unknown: 0, queued: 1, scheduled: 2, running: 3, retrying: 4, succeeded: 4, failed: 4, 'dead-lettered': 4, expired: 4 };

export function isoTime(at: number): string {
  return new Date(at).toISOString();
}
