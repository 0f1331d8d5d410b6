import type { PoolKind } from '../decorators/task-options';
import type { TaskOutcome } from '../protocol/task-reply';
import type { TaskDefinition } from '../registry/task-definition';

export interface TaskRun {
  readonly taskId: string;
  readonly attempt: number;
  readonly definition: TaskDefinition;
  readonly args: readonly unknown[];
  readonly traceparent: string | undefined;
  /** The broker queue it was consumed from, for its span. */
  readonly queue: string;
}

/** How a run ended, and where it ran (thread 0 is the main thread). */
export interface RunResult {
  readonly outcome: TaskOutcome;
  readonly threadId: number;
  /** For a failure: whether the task's retry policy lets another attempt try (decided where the error was thrown). */
  readonly retryable: boolean;
}

/**
 * Where tasks run. `run` never rejects: a task's failure, a crash of its worker or a time limit
 * all come back as a failed outcome, so the consumer has one path to the reply and the ack.
 */
export interface Pool {
  readonly kind: PoolKind;
  /** Tasks that can run at once. */
  readonly capacity: number;
  /** Tasks running or waiting for a slot now. */
  readonly inFlight: number;
  /** Worker threads lost to a crash or a hard time limit (and replaced) since start. */
  readonly workerRestarts: number;
  /** Threads replaced between tasks for passing `pools.cpu.maxTasksPerThread` or `maxHeapMbPerThread`, by reason; absent when neither is set. */
  readonly threadsRecycled?: Readonly<Record<'tasks' | 'heap', number>> | undefined;
  run(run: TaskRun): Promise<RunResult>;
  /** Where the task with this id runs now: when it started and on which thread; undefined while it waits for one (or is unknown here). */
  where(taskId: string): { readonly startedAt: number; readonly threadId: number } | undefined;
  /** Stops every worker; tasks still running are abandoned. */
  close(): Promise<void>;
}
