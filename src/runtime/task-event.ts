import type { PoolKind } from '../decorators/task-options';
import type { SerializedError } from '../protocol/serialized-error';

/** What happened to one delivered message, emitted in-process as the runtime's `task` event. */
export interface TaskEvent {
  readonly taskId: string;
  readonly task: string;
  readonly queue: string;
  readonly pool: PoolKind;
  /**
   * succeeded; retried (another attempt is scheduled); failed (no attempt left: dead-lettered);
   * rejected (never run: bad input or poison, dead-lettered); expired (never run: its caller's
   * deadline had passed; acknowledged and dropped, nobody waits for it); scheduled (not due yet:
   * it waits in the delay cascade until `nextAttemptAt`, and comes back then).
   */
  readonly outcome: 'succeeded' | 'retried' | 'failed' | 'rejected' | 'expired' | 'scheduled';
  /** When it was settled here (epoch ms). */
  readonly at: number;
  /** From receipt to settlement, in this runtime. */
  readonly durationMs: number;
  /** From when it became due (its publish, or the end of its countdown or retry backoff) to receipt here. */
  readonly waitMs?: number;
  /** 0: the main thread (io pool); a positive id: a CPU worker thread; -1: the worker died. */
  readonly threadId: number;
  readonly attempt: number;
  readonly error?: SerializedError;
  /** The caller's trace, from the message's `traceparent`. */
  readonly traceId?: string;
  /** For `retried`: when the next attempt becomes due; for `scheduled`: when the task does (epoch ms). */
  readonly nextAttemptAt?: number;
}

/** A task handed to its pool: it is running now. */
export interface TaskStartedEvent {
  readonly taskId: string;
  readonly task: string;
  readonly queue: string;
  readonly pool: PoolKind;
  readonly attempt: number;
  /** Epoch ms. */
  readonly at: number;
}
