import type { Logger } from 'pino';
import { describe, ResultTooLargeError } from '../errors';
import type { ResultStore } from '../results/result-store';
import type { TaskEvent } from './task-event';
import { OUTCOME_STATE } from './task-status';

/** What the recorder needs of a run that starts. */
export interface StartedRun {
  readonly taskId: string;
  readonly task: string;
  readonly queue: string;
  readonly attempt: number;
  readonly args: readonly unknown[];
  readonly traceId: string | undefined;
  /** Epoch ms. */
  readonly startedAt: number;
}

/**
 * Turns a runtime's task events into rows of the result store. The consumer awaits `record` for
 * an outcome before it acknowledges the message; a start's row is written on the side.
 */
export class ResultRecorder {
  constructor(
    private readonly store: ResultStore,
    private readonly options: { readonly runtimeId: string; readonly maxResultBytes: number; readonly trackStarted: boolean; readonly logger: Logger },
  ) {}

  /** A result as the store will keep it, or the error for one over the limit. */
  encode(task: string, result: unknown): { readonly encoded: string } | { readonly tooLarge: ResultTooLargeError } {
    const encoded = JSON.stringify(result) ?? 'null';
    // Length first: a string's UTF-8 size is at most 3 bytes per UTF-16 unit, so most results need no byte count.
    if (encoded.length * 3 <= this.options.maxResultBytes) return { encoded };
    const bytes = Buffer.byteLength(encoded);
    return bytes <= this.options.maxResultBytes ? { encoded } : { tooLarge: new ResultTooLargeError(task, bytes, this.options.maxResultBytes) };
  }

  /**
   * Whether a run that starts gets its `running` row (`results.trackStarted`, Celery's
   * task_track_started): it doubles the writes per task, so the consumer asks before it builds one.
   */
  get tracksStarted(): boolean {
    return this.options.trackStarted;
  }

  started(run: StartedRun): void {
    this.writeRunning(run, undefined);
  }

  /** A running task's progress: its `running` row, with the value. */
  progress(run: StartedRun, value: unknown): void {
    this.writeRunning(run, value);
  }

  /** Not awaited (the message is still held); the outcome's row wins over it in any order. */
  private writeRunning(run: StartedRun, progress: unknown): void {
    this.store
      .write({ taskId: run.taskId, task: run.task, queue: run.queue, state: 'running', args: run.args, attempt: run.attempt, runtime: this.options.runtimeId, traceId: run.traceId, startedAt: run.startedAt, updatedAt: Date.now(), progress })
      .catch((error: unknown) => this.options.logger.debug({ err: error, taskId: run.taskId }, `the running row of ${run.task} was not written: ${describe(error)}`));
  }

  /** The row of an outcome, with the run's last progress (its own write may not have landed); resolves once it is durable. */
  record(event: TaskEvent, args: readonly unknown[] | undefined, run: { readonly encodedResult?: string; readonly progress?: unknown } = {}): Promise<void> {
    const state = OUTCOME_STATE[event.outcome];
    const final = state !== 'retrying' && state !== 'scheduled';
    return this.store.write({
      taskId: event.taskId,
      task: event.task,
      queue: event.queue,
      state,
      args,
      encodedResult: run.encodedResult,
      progress: run.progress,
      error: event.error,
      attempt: event.attempt,
      runtime: this.options.runtimeId,
      threadId: event.threadId,
      traceId: event.traceId,
      startedAt: event.at - event.durationMs,
      finishedAt: final ? event.at : undefined,
      nextAttemptAt: event.nextAttemptAt,
      waitMs: event.waitMs,
      durationMs: event.durationMs,
      updatedAt: event.at,
    });
  }
}
