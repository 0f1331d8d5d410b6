/** Where a queue's tasks run: worker threads for CPU-bound work, the main event loop for I/O-bound work. */
export type PoolKind = 'cpu' | 'io';

export const POOL_KINDS: readonly PoolKind[] = ['cpu', 'io'];

/** What `@Task` records on a job class. Every public method of the class becomes a task. */
export interface TaskOptions {
  /** The queue the class's tasks are published to and consumed from. */
  readonly queue: string;
  /** `cpu`: a piscina worker-thread pool. `io`: async concurrency on the main event loop. */
  readonly pool: PoolKind;
  /** Prefix of the task names (`<name>.<method>`). Default: the class name. */
  readonly name?: string;
  /** How many of this queue's tasks may run at once (and the consumer's prefetch). */
  readonly concurrency?: number;
  /**
   * Hard time limit of one run. A CPU task past it has its worker thread terminated (and replaced);
   * an I/O task is abandoned and its slot freed. The caller gets a TaskTimeLimitError.
   */
  readonly hardTimeLimitMs?: number;
}
