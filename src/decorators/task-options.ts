import type { RetryPolicy } from '../policy/retry-policy';
import type { StandardSchemaV1 } from '../validation/standard-schema';

/** Where a queue's tasks run: worker threads for CPU-bound work, the main event loop for I/O-bound work. */
export type PoolKind = 'cpu' | 'io';

export const POOL_KINDS: readonly PoolKind[] = ['cpu', 'io'];

/** Limits and retries: set on the class for all its tasks, or on one method with `@TaskMethod`. */
export interface RunOptions {
  /** After this long the task's AbortSignal (`currentTask().signal`) fires; the task decides what to do. */
  readonly softTimeLimitMs?: number;
  /**
   * After this long the run is stopped: a CPU task's worker thread is terminated (and replaced),
   * an I/O task is abandoned and its slot freed. It fails with TaskTimeLimitError (retried per policy).
   */
  readonly hardTimeLimitMs?: number;
  readonly retry?: RetryPolicy;
  /**
   * Whether the task's outcome is written to the result store (when one is configured) before its
   * message is acknowledged. Default true; false for tasks whose results nobody fetches by id.
   */
  readonly storeResult?: boolean;
}

/** What `@Task` records on a job class. Every public method of the class becomes a task. */
export interface TaskOptions extends RunOptions {
  /** The queue the class's tasks are published to and consumed from. */
  readonly queue: string;
  /** `cpu`: a piscina worker-thread pool. `io`: async concurrency on the main event loop. */
  readonly pool: PoolKind;
  /** Prefix of the task names (`<name>.<method>`). Default: the class name. */
  readonly name?: string;
  /** How many of this queue's tasks may run at once (and the consumer's prefetch). */
  readonly concurrency?: number;
}

/** What `@TaskMethod` records on one method. */
export interface MethodOptions extends RunOptions {
  /**
   * A Standard Schema (zod, valibot, ...) for the argument list, e.g. `z.tuple([z.string().url()])`.
   * Checked by the proxy before publishing and by the runtime before running.
   */
  readonly args?: StandardSchemaV1;
}
