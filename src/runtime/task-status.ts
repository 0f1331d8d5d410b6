/**
 * Where a task is. `queued`: published and confirmed, not yet taken by any runtime. `scheduled`:
 * waiting in the broker's delay cascade until `nextAttemptAt` (a countdown or an ETA). `unknown`:
 * no runtime knows it and this client did not publish it; never reported as `queued`.
 */
export type TaskState = 'queued' | 'scheduled' | 'running' | 'retrying' | 'succeeded' | 'failed' | 'dead-lettered' | 'expired' | 'unknown';

export interface TaskStatus {
  readonly taskId: string;
  readonly state: TaskState;
  readonly task?: string;
  /** The runtime that holds or last held it. */
  readonly runtime?: string;
  readonly attempt?: number;
  /** When the task entered this state (ISO 8601). */
  readonly since?: string;
  /** For `retrying`: when the next attempt is due; for `scheduled`: when the task is. */
  readonly nextAttemptAt?: string;
  /** For `failed` and `dead-lettered`: why (both end in the queue's dead-letter queue); for `expired` (not run, not kept): which deadline passed. */
  readonly error?: { readonly name: string; readonly message: string };
  /** For `running`: what the task last reported through `currentTask().progress(value)`; from the store, its last report. */
  readonly progress?: unknown;
  /** For `succeeded`, read from the result store: what the task returned. */
  readonly result?: unknown;
  /** Where this answer comes from: a runtime's memory, or the result store. */
  readonly source?: 'runtime' | 'store';
}

/** The state a task is in after each outcome of an attempt. */
export const OUTCOME_STATE = { succeeded: 'succeeded', retried: 'retrying', failed: 'failed', rejected: 'dead-lettered', expired: 'expired', scheduled: 'scheduled' } as const satisfies Record<string, TaskState>;
