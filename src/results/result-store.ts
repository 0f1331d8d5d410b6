import type { SerializedError } from '../protocol/serialized-error';
import type { TaskState } from '../runtime/task-status';

/** The states a task does not leave: its row holds its result or its error for good. */
export const FINAL_STATES: ReadonlySet<TaskState> = new Set<TaskState>(['succeeded', 'failed', 'dead-lettered', 'expired']);

/** One task as the store keeps it: one row per task id, overwritten as the task moves on. */
export interface StoredTask {
  readonly taskId: string;
  readonly task: string;
  readonly queue: string;
  readonly state: TaskState;
  readonly args: readonly unknown[] | undefined;
  /** For `succeeded`. */
  readonly result?: unknown;
  /** For `failed`, `dead-lettered`, `expired`, and the last failure of a `retrying` task. */
  readonly error?: SerializedError;
  readonly attempt: number;
  /** What the task last reported through `currentTask().progress(value)`. */
  readonly progress?: unknown;
  readonly runtime: string;
  readonly threadId?: number;
  readonly traceId?: string;
  /** Epoch ms. */
  readonly startedAt?: number;
  readonly finishedAt?: number;
  readonly updatedAt: number;
  /** For `retrying` and `scheduled`: when it runs next (epoch ms). */
  readonly nextAttemptAt?: number;
  /** How long the task waited in its queue, and ran, in ms (for a finished task). */
  readonly waitMs?: number;
  readonly durationMs?: number;
}

/** A row as a runtime writes it: a result already encoded (for its size check) travels as that text. */
export interface TaskWrite extends StoredTask {
  readonly encodedResult?: string;
}

/**
 * Where task outcomes outlive the call. A runtime writes each task's row as it moves (running,
 * retrying, finished) and awaits `write` for a final state before it acknowledges the message, so
 * an acknowledged task never lacks its result. Any process reads rows by id.
 */
export interface ResultStore {
  /** `memory` (in this process) or `postgres`. */
  readonly kind: string;
  /** Where, for logs: the URL without its password. */
  readonly description: string;
  /** Connects and creates or migrates what the store needs. */
  open(): Promise<void>;
  /**
   * Writes a row; resolves once it is durable. A row never goes back: one for an earlier attempt,
   * or a non-final one over a final, leaves the stored row as it is.
   */
  write(row: TaskWrite): Promise<void>;
  get(taskId: string): Promise<StoredTask | undefined>;
  /** Rows of these ids in a final state; many waiting callers share one read. */
  getFinished(taskIds: readonly string[]): Promise<StoredTask[]>;
  /** Deletes finished rows older than the retention; returns how many. */
  expire(now?: number): Promise<number>;
  /** Whether the last write or check reached the store. */
  readonly healthy: boolean;
  /** Asks the store whether it is there (a cheap round trip); updates `healthy`. */
  check(): Promise<boolean>;
  /** Called when `healthy` changes: the runtime stops taking work on stored queues while it is false. */
  onHealthChange(listener: (healthy: boolean, error?: Error) => void): void;
  close(): Promise<void>;
}
